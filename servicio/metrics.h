/*
 * metrics.h — the metrics facade: a measuring session holds one metrics
 * source (metrics_src.h: an ops object and its own state), chosen once when
 * the session opens, and the per-container figures of a cycle against the
 * previous snapshot.
 *
 * The sources are a table in metrics.c, in the order auto tries them
 * (module > bpf > procfs): the first whose open succeeds is the session's
 * source. A forced source is the only one tried. The source changes only
 * when a take fails in auto mode: the session then opens the next sources
 * of the table, takes again from the first that works, and logs one line
 * saying so; it never goes back. A new source is one file and one table
 * entry.
 *
 * struct metrics owns what lasts from cycle to cycle: the source and its
 * state, the previous snapshot (rates need two; forgotten when the source
 * changes) and the kept cgroup descriptors (cgfds.h).
 */
#ifndef SERVICIO_METRICS_H
#define SERVICIO_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrstats.h"
#include "metrics_src.h"
#include "snapshot.h"

/* "module", "bpf", "procfs" (one table: the JSON records, the table and --help). */
const char *metrics_source_name(enum snap_source src);
/* "auto" (forced false), or a source's name. false when unknown. */
bool metrics_source_parse(const char *s, bool *forced, enum snap_source *src);
/* "auto, module, bpf or procfs": the accepted words, for messages and --help. */
const char *metrics_source_words(void);

/* A measuring session. */
struct metrics {
	struct metrics_config cfg;
	const struct metrics_src *src; /* the session's source */
	void *state; /* its state (src->open) */
	char why[256]; /* why this source: the sentence logged */
	struct ctrstats_opts copts;
	struct snapshot prev;
	bool have_prev;
};

/*
 * Start a session with cfg (copied; its strings must outlive the session):
 * choose the source (forced, or the first of the table that opens), why
 * says which and why. The cgroup descriptor cache is made too (without
 * memory for it files are opened each cycle). 0, or -errno when no source
 * can be used (a forced one that cannot) with why saying so; either way
 * metrics_close() follows.
 */
int metrics_open(struct metrics *m, const struct metrics_config *cfg, char *why, size_t whylen);
void metrics_close(struct metrics *m);

/* The session's source (SNAP_SRC_COUNT when none could be opened). */
enum snap_source metrics_source(const struct metrics *m);

/* What the source's caches saved in the last take (metrics_src.saved; 0
 * without), the containers whose memory.stat was not read again and those
 * whose memory usage the source gave (no usage file read). */
void metrics_saved(const struct metrics *m, size_t *skipped, size_t *reused, size_t *memstat,
		   size_t *given);

/*
 * One grouped snapshot from the session's source (see the fallback above).
 * 0 or -errno with the reason in err; on error *out is empty.
 */
int metrics_take(struct metrics *m, struct snapshot *out, char *err, size_t errlen);

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
