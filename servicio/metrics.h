/*
 * metrics.h — the metrics facade: which source measures (the module's file,
 * the BPF task iterator or a walk of /proc), the sentence saying why, one snapshot from it, and
 * the per-container figures of a cycle against the previous snapshot.
 *
 * The sources are a table in metrics.c: each entry is a source's name, a
 * test of whether it can be used now, and how it takes a snapshot. Auto
 * mode tries them in the table's order and falls back to the next when one
 * cannot be used or fails (source_why says so, with the error); a forced
 * source never falls back. A new source is one file and one table entry.
 *
 * struct metrics owns what lasts from cycle to cycle: the previous
 * snapshot (rates need two), the procfs skip set (procskip.h) and the kept
 * cgroup descriptors (cgfds.h).
 */
#ifndef SERVICIO_METRICS_H
#define SERVICIO_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrstats.h"
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
	 * procfs reads no uid or cmdline (procfs_opts.skip_details), BPF no
	 * cmdline (its sleepable read of each process's arguments) */
	bool skip_details;
	/* procfs with containers_only: leave long-standing processes outside
	 * containers unread most walks (procskip.h; the caller owns it, a
	 * session makes its own) */
	struct procskip *skip;
};

/* "module", "bpf", "procfs" (one table: the JSON records, the table and --help). */
const char *metrics_source_name(enum snap_source src);
/* "auto" (forced false), or a source's name. false when unknown. */
bool metrics_source_parse(const char *s, bool *forced, enum snap_source *src);
/* "auto, module, bpf or procfs": the accepted words, for messages and --help. */
const char *metrics_source_words(void);

/*
 * Which source cfg selects right now: forced, or the first usable one.
 * why gets one sentence saying why. 0, or -errno when the forced source
 * cannot be used.
 */
int metrics_select(const struct metrics_config *cfg, enum snap_source *out, char *why,
		   size_t whylen);

/*
 * Take one grouped snapshot with the selected source (see the fallback
 * above). 0 or -errno with the reason in err; on error *out is empty.
 */
int metrics_take(const struct metrics_config *cfg, struct snapshot *out, char *err, size_t errlen);

/* A measuring session: the previous snapshot and the caches. */
struct metrics {
	struct metrics_config cfg;
	struct ctrstats_opts copts;
	struct snapshot prev;
	bool have_prev;
};

/*
 * Start a session with cfg (copied); with containers_only it makes the
 * procfs skip set and the cgroup descriptor cache (without memory for them
 * it reads everything every time). Never fails.
 */
void metrics_open(struct metrics *m, const struct metrics_config *cfg);
void metrics_close(struct metrics *m);

/*
 * One snapshot into *cur and its figures against the previous one (none on
 * the first). The previous snapshot stays until metrics_advance(). 0 or
 * -errno with err; on error *cur and *cs are empty.
 */
int metrics_measure(struct metrics *m, struct snapshot *cur, struct ctrstats *cs, char *err,
		    size_t errlen);

/* cur becomes the previous snapshot (ownership moves; *cur is emptied). */
void metrics_advance(struct metrics *m, struct snapshot *cur);

#endif
