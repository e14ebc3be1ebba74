/*
 * bpfwalk.h — the records of the BPF cgroup walk (kernel/bpf/sysinfo.bpf.c,
 * built with SI_CGROUP_WALK; layout in kernel/bpf/sysinfo_bpf.h) read into a
 * snapshot. Pure: the loader (bpfsrc.c) maps the records and hands them
 * here with the machine-wide values it read from /proc, so tests can feed
 * any bytes.
 *
 * The walk writes fixed-size records with raw kernel strings; they are
 * decoded as the module's JSON would decode them (snapshot_decode_raw), and
 * the two percentages are computed with the module's integer arithmetic,
 * so a snapshot from the walk equals one from the task iterator's document
 * (without arguments: cmdline is "").
 */
#ifndef SERVICIO_BPFWALK_H
#define SERVICIO_BPFWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/*
 * Parse len bytes of records into *out, which holds no processes yet and
 * whose machine-wide fields (mem, cpu, cpus, hz) the caller has set;
 * realtime_off_ns is CLOCK_REALTIME - CLOCK_BOOTTIME. The processes are
 * grouped and sorted by pid (a
 * process listed twice, having changed cgroup during the walk, is kept
 * once). 0, or -EINVAL / -ENOMEM with the reason in err (out freed).
 */
int bpfwalk_parse_buf(const void *buf, size_t len, int64_t realtime_off_ns, struct snapshot *out,
		      char *err, size_t errlen);

/*
 * The safety net for hybrid systems (bpfsrc.c): does the walk's snapshot
 * list every container of the task iterator's, read just before? When not,
 * why names the first one missing.
 */
bool bpfwalk_covers(const struct snapshot *task, const struct snapshot *walk, char *why,
		    size_t whylen);

#endif
