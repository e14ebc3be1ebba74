/*
 * ctrio.h — a container's I/O, process and kernel-accounting figures as
 * cAdvisor exports them, read from its cgroup (v1 and v2) and from its
 * network namespace (/proc/<pid>/net/dev of one of its processes):
 *   CPU time       v1 cpuacct.usage (ns)            v2 cpu.stat usage_usec
 *   CFS throttling v1 cpu.stat nr_periods, nr_throttled, throttled_time (ns)
 *                  v2 cpu.stat nr_periods, nr_throttled, throttled_usec
 *   block I/O      v1 blkio.throttle.io_service_bytes_recursive / io_serviced_recursive
 *                  v2 io.stat rbytes, wbytes, rios, wios (per device)
 *   OOM kills      v1 memory.oom_control oom_kill   v2 memory.events oom_kill
 *   processes      cgroup.procs lines (v1: the pids hierarchy, else cpu's)
 *   threads        pids.current (else the lines of tasks / cgroup.threads)
 *   network        /proc/<pid>/net/dev, every interface but lo
 * The *_parse_buf() functions are pure (the unit tests feed them fixtures);
 * ctrio_read() does the reading, under roots given by the caller.
 */
#ifndef SERVICIO_CTRIO_H
#define SERVICIO_CTRIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define CTRIO_NDEV 8 /* block devices per container, the rest left out */
#define CTRIO_NIF 8 /* network interfaces per container, the rest left out */

struct ctrio_dev {
	unsigned major, minor;
	char name[32]; /* "/dev/sda" (cAdvisor's device label), else "MAJ:MIN" */
	uint64_t rbytes, wbytes, rios, wios;
};

struct ctrio_if {
	char name[16];
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

struct ctrio {
	int version; /* cgroup version read: 1 or 2, 0 when none was found */
	bool has_cpu;
	uint64_t cpu_ns; /* the cgroup's own CPU time */
	bool cpu_read; /* cpu_ns read in this call (false: the last read's, kept) */
	bool has_cfs;
	uint64_t nr_periods, nr_throttled, throttled_ns;
	bool has_io;
	struct ctrio_dev dev[CTRIO_NDEV];
	size_t ndev;
	bool has_oom;
	uint64_t oom_kill;
	bool has_pids;
	uint64_t processes, threads;
	bool has_net;
	struct ctrio_if ifs[CTRIO_NIF];
	size_t nif;
};

/* Where ctrio_read() looks: NULL members mean the real places. */
struct ctrio_roots {
	const char *cgroup; /* "/sys/fs/cgroup" */
	const char *proc; /* "/proc" */
	const char *sys; /* "/sys" (block device names) */
};

/* One unsigned number (cpuacct.usage, pids.current). 0 or -EINVAL. */
int ctrio_u64_parse_buf(const char *buf, uint64_t *v);
/* The value of the "key value" line for key (cpu.stat, memory.events,
 * memory.oom_control). 0, -ENOENT (no such key) or -EINVAL. */
int ctrio_kv_parse_buf(const char *buf, const char *key, uint64_t *v);
/*
 * v1 blkio: "MAJ:MIN Read|Write|Sync|Async|Discard|Total N" lines and a last
 * "Total N". ios false: bytes (io_service_bytes) into rbytes/wbytes, true:
 * operations (io_serviced) into rios/wios, of the devices in dev (found by
 * major:minor, added when new). 0 or -EINVAL.
 */
int ctrio_blkio_v1_parse_buf(const char *buf, bool ios, struct ctrio_dev *dev, size_t *ndev);
/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines. 0 or -EINVAL. */
int ctrio_iostat_parse_buf(const char *buf, struct ctrio_dev *dev, size_t *ndev);
/* /proc/<pid>/net/dev: two header lines, then "name: 16 numbers"; lo is
 * left out. 0 or -EINVAL. */
int ctrio_netdev_parse_buf(const char *buf, struct ctrio_if *ifs, size_t *nif);

/*
 * Read what there is of a container's figures: cgroup is its directory
 * inside a hierarchy ("/docker/<id>", "/system.slice/docker-<id>.scope"),
 * pid one of its processes (0: no network figures). v1 when
 * <cgroup root>/cpuacct/<cgroup> exists, else v2 under <root> or
 * <root>/unified. Each has_* says what was found; 0, or -ENOENT when no
 * cgroup directory was found (out->has_net may still be set).
 */
int ctrio_read(const struct ctrio_roots *roots, const char *cgroup, int pid, struct ctrio *out);

/*
 * The files of the containers read in the last cycle, kept open from one
 * cycle to the next (cgfds.h's table): a cycle is ctrio_keep_begin(),
 * ctrio_read_kept() per container, ctrio_keep_end() (closes the files of
 * the containers it did not read). NULL when out of memory.
 */
struct ctrio_keep;
struct ctrio_keep *ctrio_keep_new(void);
void ctrio_keep_free(struct ctrio_keep *k);
void ctrio_keep_begin(struct ctrio_keep *k);
void ctrio_keep_end(struct ctrio_keep *k);
/* Containers whose files are kept. */
size_t ctrio_keep_size(const struct ctrio_keep *k);
/* ctrio_read() of container id through k (NULL: ctrio_read()): its files
 * opened once and read again at offset 0 while they answer. */
int ctrio_read_kept(struct ctrio_keep *k, const struct ctrio_roots *roots, const char *id,
		    const char *cgroup, int pid, struct ctrio *out);

/* ctrio_read() for the container id of snapshot s: its cgroup path there,
 * the network of its lowest pid. -ENOENT when s has no such container. */
int ctrio_read_snap(const struct ctrio_roots *roots, const struct snapshot *s, const char *id,
		    struct ctrio *out);

/*
 * The figures of each measured row of cycle c (c->rows[i] -> [i]: its cgroup
 * from the snapshot, the network of its lowest pid; a row without figures
 * stays zeroed, every has_* false), through keep (NULL: files opened each
 * time). Read once per cycle: /metrics and the log records share them.
 * malloc'd (caller frees); NULL when out of memory.
 */
struct cycle;
struct ctrio *ctrio_read_cycle(struct ctrio_keep *keep, const struct cycle *c);

/*
 * ctrio_read_cycle() at a cadence of its own (the counters are cumulative:
 * they need not be read every cycle, as cAdvisor's housekeeping interval):
 * every row is read when none was yet or every_ns has passed since keep's
 * last such read, less half of interval_ns (the cycle's own jitter, so a
 * cadence of 10 cycles stays 10, not 11); otherwise only the rows whose
 * container has no figures kept yet (new ones) are read and the others get
 * the figures of their last read, the cgroup's CPU time too (cpu_read
 * false: /metrics carries that counter on by the cycle's rate, promexp.c).
 * *all says which (true also when keep is NULL: everything read). every_ns
 * 0: every cycle. roots as ctrio_read()'s (NULL: the real places). NULL
 * when out of memory.
 */
struct ctrio *ctrio_read_every(struct ctrio_keep *keep, const struct ctrio_roots *roots,
			       const struct cycle *c, uint64_t now_ns, uint64_t every_ns,
			       uint64_t interval_ns, bool *all);
/* Rows read (not given kept figures) over keep's life: the tests' count. */
uint64_t ctrio_keep_reads(const struct ctrio_keep *k);

#endif
