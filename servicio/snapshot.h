/*
 * snapshot.h — one measurement of the machine: system memory, cumulative CPU
 * times and every process (the fields of the kernel module's format version
 * 1, docs/proc-format.md), grouped per container.
 *
 * This is the model only: it depends on no source. The sources fill it
 * with the same meaning for every field — the module's file (modsrc.h) or a
 * walk of /proc (procfs.h) — and the facade metrics.h chooses one and says
 * why in snapshot.source_why. Rates (CPU %) need two snapshots and live in
 * ctrstats.h.
 *
 * Ownership: a struct snapshot owns its arrays; snapshot_free() releases
 * them and leaves an empty snapshot. A failed take leaves *out empty (never
 * half filled).
 */
#ifndef SERVICIO_SNAPSHOT_H
#define SERVICIO_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gestor.h" /* GESTOR_CTR_ID_LEN: a container's full id */

#define SNAP_PROC_ROOT "/proc"
#define SNAP_FORMAT_VERSION 1

/*
 * Field bounds (bytes including the NUL). The module cuts comm at 15 bytes,
 * cmdline and cgroup at 256 raw bytes, and writes each byte that is not
 * valid UTF-8 as \uefXX, which decodes to 3 bytes; no string decodes to
 * more than 512 bytes (JSONESC_DECODED_MAX, the module's bound): so at most
 * 45, 512, 512 decoded bytes. Longer input is rejected (module) or cut
 * (procfs, BPF records), as lib/jsonesc.h cuts it.
 */
#define SNAP_RAW_MAX 256 /* the module's cut of cmdline and cgroup, raw bytes */
#define SNAP_NAME_MAX 64
#define SNAP_CMDLINE_MAX 520
#define SNAP_CGROUP_MAX 520
#define SNAP_STATE_MAX 16 /* "R", "S", ... or a word */

/* Which source filled a snapshot (names: metrics_source_name()). */
enum snap_source { SNAP_SRC_MODULE, SNAP_SRC_PROCFS, SNAP_SRC_BPF, SNAP_SRC_COUNT };

/* System memory, kB (as /proc/meminfo; used = total - available). */
struct snap_memory {
	uint64_t total_kb, free_kb, available_kb, used_kb;
	uint64_t buffers_kb, cached_kb, swap_total_kb, swap_free_kb;
};

/* Cumulative CPU times of all CPUs, ns (the first line of /proc/stat). */
struct snap_cpu {
	uint64_t user_ns, nice_ns, system_ns, idle_ns, iowait_ns, irq_ns, softirq_ns, steal_ns;
};

/*
 * One thread group. Strings are NUL-terminated UTF-8 as decoded; cmdline
 * and cgroup (at most SNAP_CMDLINE_MAX / SNAP_CGROUP_MAX bytes with the NUL)
 * live in the snapshot's string store (snapshot_strdup()), never NULL.
 */
struct snap_proc {
	int32_t pid, ppid;
	uint32_t uid, threads; /* uid: effective, as the module reports */
	char name[SNAP_NAME_MAX];
	const char *cmdline;
	char state[SNAP_STATE_MAX];
	char container_id[GESTOR_CTR_ID_LEN + 1]; /* "" when not in a container */
	const char *cgroup;
	uint64_t vsz_kb, rss_kb;
	double mem_pct; /* rss / total RAM * 100, cut to two decimals */
	uint64_t cpu_time_ns; /* user + system of all threads */
	double cpu_pct; /* lifetime average, 100 = one core */
	uint64_t start_time_ns; /* since boot */
	/* CLOCK_BOOTTIME when this process was read (procfs walks take a
	 * while; rates use it), 0 when only the document's time is known */
	uint64_t sample_ns;
	/* the memory cgroup the source read with the process (BPF records):
	 * its directory's inode number and usage in bytes; 0: not given */
	uint64_t memcg_ino, memcg_bytes;
	int32_t ctr; /* index in snapshot.ctrs, -1 when none */
};

/* One container as seen in the processes (filled by snapshot_group()). */
struct snap_ctr {
	char id[GESTOR_CTR_ID_LEN + 1];
	/* cgroup directory of the container (path inside a hierarchy, e.g.
	 * "/docker/<id>" or "/system.slice/docker-<id>.scope"), "" unknown;
	 * in the snapshot's string store */
	const char *cgroup;
	uint32_t nprocs;
	uint64_t rss_kb, vsz_kb, cpu_time_ns;
	uint64_t start_time_ns; /* the earliest start of its processes, since boot */
	/* the memory cgroup usage given with its first process right in its
	 * directory (snap_proc.memcg_*; 0: not given): cgfds.h checks the inode */
	uint64_t memcg_ino, memcg_bytes;
};

struct snapshot {
	enum snap_source source;
	char source_why[256]; /* e.g. "module file /proc/sysinfo_202002591 present" */
	uint32_t version; /* format version (1) */
	uint64_t timestamp_ns; /* real time of the measurement */
	uint64_t boottime_ns; /* CLOCK_BOOTTIME of the measurement: rates use it */
	uint32_t cpus, hz;
	struct snap_memory mem;
	struct snap_cpu cpu;
	struct snap_proc *procs; /* sorted by pid after snapshot_group() */
	size_t nprocs, procs_cap;
	struct snap_ctr *ctrs; /* sorted by id */
	size_t nctrs;
	struct snap_chunk *strs; /* the string store: chunks that never move */
};

/* Release everything *s owns; *s becomes an empty snapshot. */
void snapshot_free(struct snapshot *s);

/*
 * A copy of str (n bytes, already cut by the caller) in the snapshot's
 * string store, which lives as long as the snapshot; "" for n == 0. NULL
 * when out of memory.
 */
const char *snapshot_strdup(struct snapshot *s, const char *str, size_t n);

/* Append one zeroed process (ctr = -1, strings "") and return it; NULL when out of memory. */
struct snap_proc *snapshot_add_proc(struct snapshot *s);

/*
 * Sort the processes by pid, drop duplicates of a pid (keeps the first),
 * build ctrs from the container ids and set each process's ctr. Drops the
 * processes outside containers when containers_only. 0 or -ENOMEM.
 */
int snapshot_group(struct snapshot *s, bool containers_only);

/* Lookups on a grouped snapshot (binary search); NULL when absent. */
const struct snap_proc *snapshot_find_proc(const struct snapshot *s, int32_t pid);
const struct snap_ctr *snapshot_find_ctr(const struct snapshot *s, const char *id);

/*
 * Copy n raw bytes to out (cap bytes, always terminated) as the module's
 * JSON decodes them (jsonesc_decode(), not cut): valid UTF-8 stays, every
 * other byte b, and each byte of a code point in U+EF00..U+EFFF, becomes
 * the character U+EF00 + b (three bytes). Stops before a character that
 * would not fit. Returns the length written.
 */
size_t snapshot_decode_raw(const char *raw, size_t n, char *out, size_t cap);

#endif
