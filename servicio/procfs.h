/*
 * procfs.h — the procfs source: the same snapshot as the module's, built
 * from /proc/stat, /proc/meminfo, /proc/uptime and, per process,
 * /proc/<pid>/{cgroup,stat,status,cmdline} (statm's size and resident are
 * the same counters as stat's vsize and rss, so the walk does not read it;
 * kernel threads' cmdline is not read either: it is always empty).
 *
 * In the manner of earlyoom and htop: the /proc root is a parameter (tests
 * point it at fixture trees under servicio/tests/fixtures/), each file gets
 * one bounded read and a pure procfs_parse_*_buf() function, its files are
 * read with openat() from the open /proc root, comm is
 * taken up to the last ')' of stat, and a process that vanishes during the
 * walk is skipped, not an error.
 *
 * Field meanings follow the module's format (see also procfs_comm_as_module): cpu_time_ns = (utime + stime)
 * ticks * 1e9 / hz, start_time_ns = starttime ticks * 1e9 / hz (since boot),
 * rss/vsz from stat (= statm's resident/size), uid = effective uid, cmdline = arguments joined
 * by spaces (cut at 256 raw bytes like the module), strings decoded as the
 * module's JSON decodes (snapshot_decode_raw), container from cgroupid.h.
 */
#ifndef SERVICIO_PROCFS_H
#define SERVICIO_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics_src.h"
#include "snapshot.h"

/* Bytes of the cmdline kept, like the module's bound. */
#define PROCFS_CMDLINE_MAX 256

/* The fields of /proc/<pid>/stat that a snapshot needs. */
struct procfs_stat {
	int32_t pid, ppid;
	char comm[SNAP_NAME_MAX];
	char state;
	uint64_t utime, stime; /* ticks */
	int64_t num_threads;
	uint64_t starttime; /* ticks since boot */
	uint64_t vsize; /* bytes */
	int64_t rss_pages;
	uint64_t flags; /* PF_* (PROCFS_PF_KTHREAD) */
};

#define PROCFS_PF_KTHREAD 0x00200000u

/*
 * The name as the module reports it (the task's comm, at most 15 bytes):
 * /proc shows kernel threads decorated — a kworker's workqueue after '-' or
 * '+' ("kworker/0:1-events"), a long kthread name in full
 * ("rcu_tasks_kthread") — so for kernel threads the decoration is dropped
 * and the name cut to 15 bytes. In place.
 */
void procfs_comm_as_module(char *name, bool kthread);

/* /proc/<pid>/stat. 0 or -EINVAL when malformed. */
int procfs_parse_stat_buf(const char *buf, struct procfs_stat *out);
/* /proc/<pid>/statm: size and resident, pages. 0 or -EINVAL. (Not needed by the walk.) */
int procfs_parse_statm_buf(const char *buf, uint64_t *size_pages, uint64_t *resident_pages);
/* /proc/<pid>/status: effective uid and Threads. 0 or -EINVAL when either is missing. */
int procfs_parse_status_buf(const char *buf, uint32_t *uid, uint32_t *threads);
/* /proc/<pid>/cmdline (len bytes, NULs between arguments): joined by spaces
 * into out (cap bytes), cut at PROCFS_CMDLINE_MAX raw bytes, then decoded
 * like the module's output (snapshot_decode_raw). */
void procfs_parse_cmdline_buf(const char *buf, size_t len, char *out, size_t cap);
/* /proc/meminfo. used = total - available. 0 or -EINVAL when MemTotal or
 * MemFree is missing (MemAvailable falls back to free + buffers + cached). */
int procfs_parse_meminfo_buf(const char *buf, struct snap_memory *out);
/* /proc/stat: the "cpu" line (ticks -> ns with hz) and the number of "cpuN"
 * lines. 0 or -EINVAL. */
int procfs_parse_sysstat_buf(const char *buf, uint32_t hz, struct snap_cpu *out, uint32_t *cpus);
/* /proc/uptime: first number, seconds -> ns. 0 or -EINVAL. */
int procfs_parse_uptime_buf(const char *buf, uint64_t *out_ns);

struct procskip; /* procskip.h */

/* What a walk reads (zero: everything, every process). */
struct procfs_opts {
	/* keep only processes in a container: /proc/<pid>/cgroup is read
	 * first and nothing else of a process outside one */
	bool containers_only;
	/* per process only stat and cgroup: no status (uid stays 0, threads
	 * come from stat) and no cmdline (""); enough for CPU rates and the
	 * per-container sums */
	bool skip_details;
	/* with containers_only: processes long outside containers are not
	 * read every walk (procskip.h); NULL: read all */
	struct procskip *skip;
};

/* What procfs_read_pid() needs besides the pid directory. */
struct procfs_pid_ctx {
	uint32_t hz;
	uint64_t page_kb;
	uint64_t total_kb; /* the system's MemTotal, for mem_pct */
	uint64_t now_ns; /* boot time of the snapshot, for the lifetime cpu_pct */
	bool containers_only, skip_details; /* as in struct procfs_opts */
	/* both set: the process's container and cgroup are these (a recent
	 * walk read them); its cgroup file is not read */
	const char *known_id, *known_cgroup;
	struct snapshot *store; /* whose string store keeps cmdline and cgroup */
};

/* procfs_read_pid(): containers_only and the process is in no container. */
#define PROCFS_NOT_IN_CTR 1

/*
 * Read process pid (its directory name, decimal) of the /proc open as rootfd
 * into *p: cgroup first, then stat, status and cmdline (see procfs_opts),
 * each opened as "<pid>/<file>" from rootfd (a syscall per process fewer
 * than opening the pid directory first; stat's pid must be pid).
 * 0 when read; PROCFS_NOT_IN_CTR when ctx->containers_only and the process
 * is in no container (only its cgroup was read; the caller skips it);
 * -ENOENT/-ESRCH when the process went away (the caller skips it), -EINVAL
 * when a file is malformed.
 */
int procfs_read_pid(int rootfd, const char *pid, const struct procfs_pid_ctx *ctx,
		    struct snap_proc *p);

/*
 * Walk root (NULL: "/proc") into *out (empty) and group it (dropping the
 * processes outside containers when opts->containers_only; opts NULL: read
 * everything). When root is the live /proc, the snapshot's boottime_ns is
 * CLOCK_BOOTTIME; for any other root it is root/uptime. 0 or -errno with err.
 */
int procfs_snapshot_opts(const char *root, const struct procfs_opts *opts, struct snapshot *out,
			 char *err, size_t errlen);
/* procfs_snapshot_opts() reading everything of every process. */
int procfs_snapshot(const char *root, struct snapshot *out, char *err, size_t errlen);

/* The procfs source (metrics_src.h): always usable; with containers_only
 * it keeps its own skip set (procskip.h) from take to take. */
extern const struct metrics_src procfs_src;

#endif
