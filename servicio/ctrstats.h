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
 * memory usage as docker stats computes it — cgroup v1
 * memory.usage_in_bytes minus total_inactive_file, v2 memory.current minus
 * inactive_file (memory.stat) — with mem_pct = usage / limit, where limit is
 * the cgroup's limit or the machine's RAM when unlimited. The cgroup fs root
 * is a parameter (tests use fixture trees).
 */
#ifndef SERVICIO_CTRSTATS_H
#define SERVICIO_CTRSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define CTRSTATS_CGROUP_ROOT "/sys/fs/cgroup"

/* A container's cgroup memory, bytes, as docker stats reads it. */
struct ctr_cgmem {
	uint64_t raw; /* memory.usage_in_bytes (v1) / memory.current (v2) */
	uint64_t inactive_file; /* total_inactive_file (v1) / inactive_file (v2) */
	uint64_t usage; /* raw - inactive_file (docker stats' "MEM USAGE") */
	uint64_t limit; /* the cgroup's limit, or the RAM when unlimited */
	int version; /* 1 or 2 */
	char dir[SNAP_CGROUP_MAX + 64]; /* the directory it was read from */
};

struct ctr_stat {
	char id[SNAP_CTR_ID_LEN + 1];
	uint32_t procs;
	uint64_t rss_kb; /* sum over its processes */
	uint64_t cpu_time_ns; /* sum over its processes */
	bool has_cpu; /* false the first time a container is seen */
	double cpu_pct; /* 100 = one core; 0 when !has_cpu */
	bool has_mem; /* the cgroup's memory files were found */
	struct ctr_cgmem mem;
	double mem_pct; /* mem.usage / mem.limit * 100 (0 when !has_mem) */
	uint64_t mem_kb; /* mem.usage / 1024 when has_mem, else rss_kb */
};

/*
 * The memory cgroup files of the containers of the last computation, kept
 * open from one to the next (owned by the caller): reading them again at
 * offset 0 costs one system call per file instead of open, read and close,
 * and no path lookup. A container gone closes its files; one whose kept
 * files fail is looked up again. At most CTRSTATS_FDS_MAX containers (3
 * descriptors each at most); the others are read by path.
 */
struct ctrstats_fds;
#define CTRSTATS_FDS_MAX 128

/* NULL when out of memory. */
struct ctrstats_fds *ctrstats_fds_new(void);
void ctrstats_fds_free(struct ctrstats_fds *c);
/* Containers whose files are open. */
size_t ctrstats_fds_size(const struct ctrstats_fds *c);

struct ctrstats_opts {
	const char *cgroup_root; /* NULL: CTRSTATS_CGROUP_ROOT; "" to skip cgroup reads */
	struct ctrstats_fds *fds; /* NULL: open each file every time */
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

/*
 * Read the cgroup memory of a container: the directory given (path inside
 * the hierarchy, may be "") and then Docker's usual places for the id, under
 * v1 (<root>/memory/...) and v2 (<root>/..., <root>/unified/...).
 * ram_bytes stands for "unlimited". 0 or -ENOENT when no directory has the
 * files, -EINVAL when a file is malformed.
 */
int ctrstats_read_cgmem(const char *root, const char *cgroup_dir, const char *id,
			uint64_t ram_bytes, struct ctr_cgmem *out);

/* Pure parsers of memory.stat: the value of key ("total_inactive_file",
 * "inactive_file"); 0 or -ENOENT when the key is absent. */
int ctrstats_parse_memstat_buf(const char *buf, const char *key, uint64_t *out);

#endif
