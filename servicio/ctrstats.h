/*
 * ctrstats.h — rates and per-container figures from two snapshots.
 *
 * CPU % comes from cpu_time_ns deltas over the boot-clock interval between
 * the snapshots (per process, between its own two reads when the source
 * stamps them: snap_proc.sample_ns), in percent of one CPU (100 = one full core, as docker stats
 * and top report it). A process is matched with its previous self by pid
 * and start time, so a reused pid is a new process; a process or container
 * seen for the first time has no rate yet (has_cpu false), never a wrong
 * one. A container's CPU % sums its processes' deltas; processes that were
 * born during the interval count with all their CPU time (it was all spent
 * in the interval), processes that exited during it are lost (as with any
 * sampler). Two snapshots from different sources give no rates.
 *
 * Memory per container: the RSS sum of its processes, and the cgroup's
 * memory usage as docker stats computes it (cgmem.h), with mem_pct = usage
 * / limit; the kept descriptors of cgfds.h make that one read per file.
 */
#ifndef SERVICIO_CTRSTATS_H
#define SERVICIO_CTRSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgmem.h"
#include "snapshot.h"

/* The rates of one container: a view of its snap_ctr (id, nprocs, and the
 * rss_kb and cpu_time_ns sums over its processes are read there, not copied). */
struct ctr_stat {
	const struct snap_ctr *ctr; /* &cur->ctrs[i]: lives as long as the snapshot */
	bool has_cpu; /* false the first time a container is seen */
	double cpu_pct; /* 100 = one core; 0 when !has_cpu */
	bool has_mem; /* the cgroup's memory files were found */
	struct cgmem mem;
	double mem_pct; /* mem.usage / mem.limit * 100 (0 when !has_mem) */
	uint64_t mem_kb; /* mem.usage / 1024 when has_mem, else ctr->rss_kb */
};

struct cgfds; /* cgfds.h */

struct ctrstats_opts {
	const char *cgroup_root; /* NULL: CGMEM_ROOT; "" to skip cgroup reads */
	struct cgfds *fds; /* NULL: open each file every time */
};

struct ctrstats {
	uint64_t interval_ns; /* boot-clock time between the snapshots, 0 without prev */
	bool has_sys_cpu;
	double sys_cpu_pct; /* busy share of all CPUs, 0..100 */
	double *proc_cpu_pct; /* per cur->procs[i]; NAN when no rate yet */
	struct ctr_stat *ctrs; /* one per cur->ctrs[i], same order */
	size_t nctrs;
};

/*
 * Compute the stats of cur against prev (NULL: first sample, no rates).
 * Both snapshots must be grouped. *out must be zeroed or freed. 0, -EINVAL
 * (prev newer than cur) or -ENOMEM, with err.
 */
int ctrstats_compute(const struct snapshot *prev, const struct snapshot *cur,
		     const struct ctrstats_opts *opts, struct ctrstats *out, char *err,
		     size_t errlen);

void ctrstats_free(struct ctrstats *st);

/* The stat of container id (full id or a prefix of >= 12 chars); NULL when absent. */
const struct ctr_stat *ctrstats_find(const struct ctrstats *st, const char *id);

/* System CPU % between two CPU-time samples (busy = all but idle + iowait). */
bool ctrstats_sys_cpu(const struct snap_cpu *prev, const struct snap_cpu *cur, double *pct);

#endif
