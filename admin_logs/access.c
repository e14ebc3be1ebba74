/*
 * access.c — cleaning and formatting of access-log entries (see access.h).
 */
#include "access.h"

#include <stdio.h>
#include <time.h>

void access_clean(char *dst, const char *src, size_t cap)
{
	size_t i = 0;

	if (cap == 0)
		return;
	for (; src && src[i] && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
	}
	dst[i] = '\0';
}

size_t access_format(const struct access_entry *e, char *buf, size_t cap)
{
	time_t sec = (time_t)(e->ts_ns / 1000000000ull);
	struct tm tm;
	size_t n;
	int w;

	if (cap < 2)
		return 0;
	gmtime_r(&sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(buf + n, cap - n, ".%03uZ %s %s %s %u in=%llu out=%llu us=%llu\n",
		     (unsigned)(e->ts_ns / 1000000ull % 1000), e->client[0] ? e->client : "-",
		     e->method[0] ? e->method : "-", e->path[0] ? e->path : "-", e->status,
		     (unsigned long long)e->bytes_in, (unsigned long long)e->bytes_out,
		     (unsigned long long)e->duration_us);
	if (w < 0)
		w = 0;
	n += (size_t)w;
	if (n >= cap) {
		n = cap - 1;
		buf[n - 1] = '\n';
		buf[n] = '\0';
	}
	return n;
}
