/*
 * access.h — the access log: one entry per HTTP request, valid or not (time,
 * client address, method, path, status, bytes in and out, duration). The
 * store writes entries to the access_log table and prints each as one line on
 * stdout; this file only fills and formats them (pure, no I/O).
 */
#ifndef ADMIN_LOGS_ACCESS_H
#define ADMIN_LOGS_ACCESS_H

#include <stddef.h>
#include <stdint.h>

struct access_entry {
	uint64_t ts_ns; /* real time the request arrived */
	char client[48];
	char method[16];
	char path[256];
	unsigned status;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t duration_us;
};

/*
 * Copy src into dst (size cap) with every byte outside printable ASCII
 * (controls, DEL, non-ASCII) replaced by '?', so a hostile path can
 * neither forge a log line nor break the terminal.
 */
void access_clean(char *dst, const char *src, size_t cap);

/*
 * Format e as one line ending in '\n' into buf (size cap):
 * "2026-11-28T15:30:00.123Z 127.0.0.1 POST /logs 201 in=812 out=41 us=930"
 * Returns the length (cut to cap-1 when too long, still ending in '\n').
 */
size_t access_format(const struct access_entry *e, char *buf, size_t cap);

#endif
