/*
 * bpfrec.h — the binary records of the BPF programs (kernel/bpf/sysinfo.bpf.c:
 * the task iterators and the cgroup walk; layout in kernel/bpf/sysinfo_bpf.h)
 * read into a snapshot, or printed as the module's JSON document. Pure: the
 * loader (bpfsrc.c) reads the records and the machine-wide values from /proc
 * and hands both here, so tests can feed any bytes.
 *
 * Raw kernel strings are decoded as the module's JSON would decode them
 * (snapshot_decode_raw), or escaped as the module escapes them (lib/jsonesc.h);
 * the two percentages use the module's integer arithmetic. The records carry
 * no arguments: cmdline is "".
 */
#ifndef SERVICIO_BPFREC_H
#define SERVICIO_BPFREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

/*
 * Check len bytes of records: a header of this format first (magic,
 * version, record sizes), then cgroup and process records (a process after
 * a cgroup; a container id of 64 lowercase hex digits, and one on every
 * cgroup when the header says containers only; pid not 0, a printable
 * state), the end record last. 0 or -EINVAL with the reason in err.
 * *flags gets the header's SI_HDR_* flags (may be NULL).
 */
int bpfrec_check(const void *buf, size_t len, uint32_t *flags, char *err, size_t errlen);

/*
 * Where the records in buf[0..len) end: the length up to and including the
 * end record once it is there, 0 while it is not (yet). *off (0 at first)
 * is where the scan goes on when more bytes come; a record of unknown type
 * ends the scan (bpfrec_check then says what is wrong). A task iterator's
 * read() after the end record can show processes forked since (Debian's
 * 6.1 does): a reader stops at the end record.
 */
size_t bpfrec_end(const void *buf, size_t len, size_t *off);

/*
 * Parse checked-or-not records into *out, which holds no processes yet and
 * whose machine-wide fields (mem, cpu, cpus, hz) the caller has set;
 * realtime_off_ns is CLOCK_REALTIME - CLOCK_BOOTTIME. The processes are
 * grouped and sorted by pid (a process listed twice, having changed cgroup
 * during the walk, is kept once). 0, or -EINVAL / -ENOMEM with the reason in
 * err (out freed).
 */
int bpfrec_parse_buf(const void *buf, size_t len, int64_t realtime_off_ns, struct snapshot *out,
		     char *err, size_t errlen);

/*
 * The module's document (docs/proc-format.md, same fields, order and line
 * layout; "producer":"bpf","args":false after containers_only) from the
 * records and m's machine-wide fields, written to f. 0, or -EINVAL (bad
 * records, err says why) / -EIO.
 */
int bpfrec_print_json(FILE *f, const void *buf, size_t len, int64_t realtime_off_ns,
		      const struct snapshot *m, char *err, size_t errlen);

/*
 * The safety net for hybrid systems (bpfsrc.c): does the walk's snapshot
 * list every container of the task iterator's, read just before? When not,
 * why names the first one missing.
 */
bool bpfrec_covers(const struct snapshot *task, const struct snapshot *walk, char *why,
		   size_t whylen);

#endif
