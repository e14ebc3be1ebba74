/*
 * metrics.c — the metrics facade: the table of sources, the choice made
 * once when a session opens (with the sentence saying why), the fallback
 * when a take fails, and the session's previous snapshot and caches. See
 * metrics.h.
 */
#include "metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bpfsrc.h"
#include "cgfds.h"
#include "log.h"
#include "modsrc.h"
#include "procfs.h"
#include "util.h"

/* Kept containers from which their memory files are read beside the
 * snapshot (cgfds_prefetch): below, a thread costs more than it saves. */
#define METRICS_PREFETCH_MIN 32

/* The sources, in the order auto tries them (the last always opens). */
static const struct metrics_src *const metrics_srcs[] = { &modsrc_src, &bpfsrc_src, &procfs_src };

const char *metrics_source_name(enum snap_source src)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++)
		if (metrics_srcs[i]->id == src)
			return metrics_srcs[i]->name;
	return "unknown";
}

bool metrics_source_parse(const char *s, bool *forced, enum snap_source *src)
{
	if (strcmp(s, "auto") == 0) {
		*forced = false;
		return true;
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++) {
		if (strcmp(s, metrics_srcs[i]->name) == 0) {
			*forced = true;
			*src = metrics_srcs[i]->id;
			return true;
		}
	}
	return false;
}

const char *metrics_source_words(void)
{
	static char words[128];

	if (!words[0]) { /* "auto, module, bpf or procfs", from the table */
		size_t n = UTIL_ARRAY_LEN(metrics_srcs), len = 0;

		len += (size_t)snprintf(words, sizeof(words), "auto");
		for (size_t i = 0; i < n && len < sizeof(words); i++)
			len += (size_t)snprintf(words + len, sizeof(words) - len, "%s%s",
						i + 1 == n ? " or " : ", ", metrics_srcs[i]->name);
	}
	return words;
}

static size_t metrics_index_of(enum snap_source id)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++)
		if (metrics_srcs[i]->id == id)
			return i;
	return UTIL_ARRAY_LEN(metrics_srcs) - 1;
}

/*
 * Open the first source from index `from` on (auto) into m; why gets every
 * refusal in order and the chosen one: "module ...; BPF ...: using procfs".
 * 0 or -ENOENT.
 */
static int metrics_open_from(struct metrics *m, size_t from, char *why, size_t whylen)
{
	char no[320] = "";

	for (size_t i = from; i < UTIL_ARRAY_LEN(metrics_srcs); i++) {
		const struct metrics_src *s = metrics_srcs[i];
		char w[200] = "";

		if (s->open(&m->cfg, false, &m->state, w, sizeof(w)) != 0) {
			size_t n = strlen(no);

			snprintf(no + n, sizeof(no) - n, "%s%s", n ? "; " : "", w);
			continue;
		}
		m->src = s;
		if (no[0]) /* and what the chosen source said, if anything */
			snprintf(why, whylen, "%s: using %s%s%s%s", no, s->name, w[0] ? " (" : "",
				 w, w[0] ? ")" : "");
		else
			snprintf(why, whylen, "%s", w);
		return 0;
	}
	snprintf(why, whylen, "no metrics source can be used%s%s", no[0] ? ": " : "", no);
	return -ENOENT;
}

int metrics_open(struct metrics *m, const struct metrics_config *cfg, char *why, size_t whylen)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->copts.fds = cgfds_new(); /* NULL: files opened each cycle */
	if (m->copts.fds)
		cgfds_stat_every(m->copts.fds, cfg->memstat_every_ns);
	if (cfg->forced) {
		const struct metrics_src *s = metrics_srcs[metrics_index_of(cfg->source)];

		ret = s->open(&m->cfg, true, &m->state, m->why, sizeof(m->why));
		if (ret == 0)
			m->src = s;
	} else {
		ret = metrics_open_from(m, 0, m->why, sizeof(m->why));
	}
	snprintf(why, whylen, "%s", m->why);
	return ret;
}

void metrics_close(struct metrics *m)
{
	if (m->src && m->src->close)
		m->src->close(m->state);
	snapshot_free(&m->prev);
	cgfds_free(m->copts.fds);
	memset(m, 0, sizeof(*m));
}

enum snap_source metrics_source(const struct metrics *m)
{
	return m->src ? m->src->id : SNAP_SRC_COUNT;
}

void metrics_saved(const struct metrics *m, size_t *skipped, size_t *reused, size_t *memstat,
		   size_t *given)
{
	*skipped = *reused = 0;
	*memstat = cgfds_stat_reused(m->copts.fds);
	*given = cgfds_usage_given(m->copts.fds);
	if (m->src && m->src->saved)
		m->src->saved(m->state, skipped, reused);
}

/* The take failed with serr (auto): the next sources, once; 0 or -errno. */
static int metrics_fall_back(struct metrics *m, struct snapshot *out, const char *serr, char *err,
			     size_t errlen)
{
	const struct metrics_src *failed = m->src;
	char why[sizeof(m->why)], last[256] = "";
	int ret;

	m->src->close(m->state);
	m->src = NULL;
	m->state = NULL;
	/* rates need two snapshots of one source */
	snapshot_free(&m->prev);
	m->have_prev = false;
	for (size_t from = metrics_index_of(failed->id) + 1;; from++) {
		ret = metrics_open_from(m, from, why, sizeof(why));
		if (ret < 0) {
			snprintf(err, errlen, "%s source: %s%s%s", failed->name, serr,
				 last[0] ? "; then " : "", last);
			return ret;
		}
		ret = m->src->take(m->state, out, last, sizeof(last));
		if (ret == 0)
			break;
		from = metrics_index_of(m->src->id);
		m->src->close(m->state);
		m->src = NULL;
		m->state = NULL;
	}
	snprintf(m->why, sizeof(m->why), "%s source failed (%.100s): %s%.120s", failed->name, serr,
		 why[0] ? "" : "using ", why[0] ? why : m->src->name);
	log_warnx("metrics source: %s from now on (%s)", m->src->name, m->why);
	return 0;
}

int metrics_take(struct metrics *m, struct snapshot *out, char *err, size_t errlen)
{
	char serr[256];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!m->src) {
		snprintf(err, errlen, "%s", m->why[0] ? m->why : "no metrics source");
		return -ENOENT;
	}
	ret = m->src->take(m->state, out, serr, sizeof(serr));
	if (ret < 0 && m->cfg.forced)
		snprintf(err, errlen, "%s source: %s", m->src->name, serr);
	else if (ret < 0)
		ret = metrics_fall_back(m, out, serr, err, errlen);
	if (ret == 0)
		util_strlcpy(out->source_why, m->why, sizeof(out->source_why));
	return ret;
}

static void *metrics_prefetch(void *fds)
{
	cgfds_prefetch(fds);
	return NULL;
}

int metrics_measure(struct metrics *m, struct snapshot *cur, struct ctrstats *cs, char *err,
		    size_t errlen)
{
	struct cgfds *fds = m->copts.fds;
	pthread_t th;
	/* the kept containers' memory files are read on a second thread while
	 * the source takes the snapshot (the BPF read, or the module's, is this
	 * thread's), when there are enough of them for a thread to pay */
	bool pre = fds && cgfds_prefetch_size(fds) >= METRICS_PREFETCH_MIN &&
		   pthread_create(&th, NULL, metrics_prefetch, fds) == 0;
	int ret = metrics_take(m, cur, err, errlen);

	if (pre) {
		pthread_join(th, NULL);
		if (ret)
			cgfds_prefetch_drop(fds);
	}
	memset(cs, 0, sizeof(*cs));
	if (ret)
		return ret;
	ret = ctrstats_compute(m->have_prev ? &m->prev : NULL, cur, &m->copts, cs, err, errlen);
	if (ret)
		snapshot_free(cur);
	return ret;
}

void metrics_advance(struct metrics *m, struct snapshot *cur)
{
	snapshot_free(&m->prev);
	m->prev = *cur;
	m->have_prev = true;
	memset(cur, 0, sizeof(*cur));
}
