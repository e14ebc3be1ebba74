/*
 * metrics_src.h — what a metrics source is: an ops object (open, take,
 * close) whose open makes the source's own state from the settings.
 *
 * The sources (modsrc.c, bpfsrc.c, procfs.c) each export one such object;
 * metrics.c lists them in one table, in the order auto tries them. Adding
 * a source is its file and one row there.
 */
#ifndef SERVICIO_METRICS_SRC_H
#define SERVICIO_METRICS_SRC_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

struct procskip;

/* Where to read from. Zero-initialised fields take the defaults. */
struct metrics_config {
	bool forced; /* only source; else auto (the table's order) */
	enum snap_source source;
	const char *module_path; /* NULL: MODSRC_PATH */
	const char *proc_root; /* NULL: SNAP_PROC_ROOT; a fixture tree in tests */
	bool containers_only; /* keep only processes that are in a container */
	/* per process only what CPU rates and the per-container sums need:
	 * procfs reads no uid or cmdline (procfs_opts.skip_details); the BPF
	 * programs read no process's arguments at all (docs/proc-format.md) */
	bool skip_details;
	/* BPF: containers-only reads use the task iterator, never the cgroup
	 * walk (what kernels before 6.7 do; option bpf-no-cgwalk) */
	bool bpf_no_cgwalk;
	/* a container's memory.stat read again at least this often, and
	 * whenever its usage changed (cgfds_stat_every); 0: every take */
	uint64_t memstat_every_ns;
};

/* One source. */
struct metrics_src {
	enum snap_source id;
	const char *name;
	/*
	 * Make the source's state for cfg (kept until close). 0 with why
	 * saying what is used ("" when nothing is worth saying), or -errno
	 * with why saying why it cannot be used (forced: the caller fails;
	 * auto: it tries the next source).
	 */
	int (*open)(const struct metrics_config *cfg, bool forced, void **state, char *why,
		    size_t whylen);
	/* One grouped snapshot into *out (empty on error). 0 or -errno with err. */
	int (*take)(void *state, struct snapshot *out, char *err, size_t errlen);
	void (*close)(void *state); /* NULL is fine */
	/* Optional (NULL: none): what the source's caches saved so far, for
	 * the cycle's debug line (procfs: processes outside containers and
	 * cgroup files not read again, procskip.h). */
	void (*saved)(const void *state, size_t *skipped, size_t *reused);
};

#endif
