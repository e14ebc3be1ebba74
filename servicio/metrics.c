/*
 * metrics.c — the metrics facade: the table of sources (name, whether it
 * can be used now, how it takes a snapshot), the choice between them with
 * the sentence saying why, and a measuring session that keeps the previous
 * snapshot and the caches from cycle to cycle. See metrics.h.
 */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpfsrc.h"
#include "cgfds.h"
#include "modsrc.h"
#include "procfs.h"
#include "procskip.h"
#include "util.h"

/* One source: whether it can be used now (why says, either way), and a take. */
struct metrics_src {
	enum snap_source id;
	const char *name;
	int (*usable)(const struct metrics_config *cfg, bool forced, char *why, size_t whylen);
	int (*take)(const struct metrics_config *cfg, struct snapshot *out, char *err,
		    size_t errlen);
};

static const char *metrics_module_path(const struct metrics_config *cfg)
{
	return cfg && cfg->module_path ? cfg->module_path : MODSRC_PATH;
}

static int metrics_module_usable(const struct metrics_config *cfg, bool forced, char *why,
				 size_t whylen)
{
	const char *path = metrics_module_path(cfg);
	int e;

	if (access(path, R_OK) == 0) {
		if (forced)
			snprintf(why, whylen, "module forced by configuration (%s)", path);
		else
			snprintf(why, whylen, "module file %s is present", path);
		return 0;
	}
	e = errno;
	if (forced)
		snprintf(why, whylen, "module forced but %s is not readable: %s", path,
			 strerror(e));
	else
		snprintf(why, whylen, "module file %s is %s", path,
			 e == ENOENT ? "absent (module not loaded)" : strerror(e));
	return -e;
}

static int metrics_module_take(const struct metrics_config *cfg, struct snapshot *out, char *err,
			       size_t errlen)
{
	int ret = modsrc_read(metrics_module_path(cfg), out, err, errlen);

	/* the procfs walk keeps only the containers' processes itself */
	if (ret == 0 && cfg && cfg->containers_only) {
		ret = snapshot_group(out, true);
		if (ret < 0) {
			snapshot_free(out);
			snprintf(err, errlen, "out of memory grouping processes");
		}
	}
	return ret;
}

static int metrics_procfs_usable(const struct metrics_config *cfg, bool forced, char *why,
				 size_t whylen)
{
	(void)cfg;
	/* auto: nothing to add to "...: using procfs" */
	snprintf(why, whylen, "%s", forced ? "procfs forced by configuration" : "");
	return 0;
}

static int metrics_procfs_take(const struct metrics_config *cfg, struct snapshot *out, char *err,
			       size_t errlen)
{
	struct procfs_opts o = { 0 };

	if (cfg) {
		o.containers_only = cfg->containers_only;
		o.skip_details = cfg->skip_details;
		o.skip = cfg->skip;
	}
	return procfs_snapshot_opts(cfg ? cfg->proc_root : NULL, &o, out, err, errlen);
}

/*
 * The BPF source's two entry points (bpfsrc.c) are weak: programs linked
 * without it and libbpf (the fuzzers, the VM suite's static collector, the
 * metrics benchmark) simply have no BPF source, and auto goes from the
 * module to procfs.
 */
__attribute__((weak)) int bpfsrc_shared_select(bool forced, char *why, size_t whylen);
__attribute__((weak)) int bpfsrc_shared_read(bool containers_only, bool skip_args,
					     struct snapshot *out, char *err, size_t errlen);

static int metrics_bpf_usable(const struct metrics_config *cfg, bool forced, char *why,
			      size_t whylen)
{
	if (!bpfsrc_shared_select) {
		snprintf(why, whylen, "%sthis program is built without the BPF source",
			 forced ? "bpf forced but " : "");
		return -ENOTSUP;
	}
	/* BPF reads the live system: never when a fixture tree stands for /proc */
	if (cfg && cfg->proc_root && !forced) {
		snprintf(why, whylen, "BPF not used: a fixture /proc tree is read");
		return -ENOTSUP;
	}
	return bpfsrc_shared_select(forced, why, whylen);
}

static int metrics_bpf_take(const struct metrics_config *cfg, struct snapshot *out, char *err,
			    size_t errlen)
{
	return bpfsrc_shared_read(cfg && cfg->containers_only, cfg && cfg->skip_details, out, err,
				  errlen);
}

/* The sources, in the order auto mode tries them (the last always works). */
static const struct metrics_src metrics_srcs[SNAP_SRC_COUNT] = {
	{ SNAP_SRC_MODULE, "module", metrics_module_usable, metrics_module_take },
	{ SNAP_SRC_BPF, "bpf", metrics_bpf_usable, metrics_bpf_take },
	{ SNAP_SRC_PROCFS, "procfs", metrics_procfs_usable, metrics_procfs_take },
};

const char *metrics_source_name(enum snap_source src)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++)
		if (metrics_srcs[i].id == src)
			return metrics_srcs[i].name;
	return "unknown";
}

bool metrics_source_parse(const char *s, bool *forced, enum snap_source *src)
{
	if (strcmp(s, "auto") == 0) {
		*forced = false;
		return true;
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++) {
		if (strcmp(s, metrics_srcs[i].name) == 0) {
			*forced = true;
			*src = metrics_srcs[i].id;
			return true;
		}
	}
	return false;
}

const char *metrics_source_words(void)
{
	return "auto, module, bpf or procfs";
}

static const struct metrics_src *metrics_src_of(enum snap_source id)
{
	for (size_t i = 0; i < UTIL_ARRAY_LEN(metrics_srcs); i++)
		if (metrics_srcs[i].id == id)
			return &metrics_srcs[i];
	return &metrics_srcs[UTIL_ARRAY_LEN(metrics_srcs) - 1];
}

/* The first usable source from index `from` on (auto); why says why. */
static const struct metrics_src *metrics_first_usable(const struct metrics_config *cfg, size_t from,
						      char *why, size_t whylen)
{
	char no[320] = "";

	for (size_t i = from; i < UTIL_ARRAY_LEN(metrics_srcs); i++) {
		const struct metrics_src *s = &metrics_srcs[i];
		char w[160];

		if (s->usable(cfg, false, w, sizeof(w)) != 0) {
			size_t n = strlen(no);

			/* every refusal, in order: "module ...; BPF ...: using procfs" */
			snprintf(no + n, sizeof(no) - n, "%s%s", n ? "; " : "", w);
			continue;
		}
		if (no[0]) /* and what the chosen source said, if anything */
			snprintf(why, whylen, "%s: using %s%s%s%s", no, s->name, w[0] ? " (" : "",
				 w, w[0] ? ")" : "");
		else
			snprintf(why, whylen, "%s", w);
		return s;
	}
	return NULL;
}

int metrics_select(const struct metrics_config *cfg, enum snap_source *out, char *why,
		   size_t whylen)
{
	const struct metrics_src *s;

	if (cfg && cfg->forced) {
		s = metrics_src_of(cfg->source);
		*out = s->id;
		return s->usable(cfg, true, why, whylen);
	}
	s = metrics_first_usable(cfg, 0, why, whylen);
	if (!s) {
		snprintf(why, whylen, "no metrics source can be used");
		return -ENOENT;
	}
	*out = s->id;
	return 0;
}

int metrics_take(const struct metrics_config *cfg, struct snapshot *out, char *err, size_t errlen)
{
	char why[sizeof(out->source_why)], serr[256];
	enum snap_source id;
	const struct metrics_src *s;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = metrics_select(cfg, &id, why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "%s", why);
		return ret;
	}
	for (s = metrics_src_of(id);;) {
		ret = s->take(cfg, out, serr, sizeof(serr));
		if (ret == 0)
			break;
		if (cfg && cfg->forced) {
			snprintf(err, errlen, "%s source: %s", s->name, serr);
			return ret;
		}
		/* auto: the next usable source, saying what was wrong */
		char next[160];
		s = metrics_first_usable(cfg, (size_t)(s - metrics_srcs) + 1, next, sizeof(next));
		if (!s) {
			snprintf(err, errlen, "%s", serr);
			return ret;
		}
		snprintf(why, sizeof(why), "%s file unusable (%.100s): using %s",
			 metrics_src_of(id)->name, serr, s->name);
	}
	util_strlcpy(out->source_why, why, sizeof(out->source_why));
	return 0;
}

void metrics_open(struct metrics *m, const struct metrics_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	/* NULL: every process read every time */
	m->cfg.skip = cfg->containers_only ? procskip_new(0) : NULL;
	m->copts.fds = cgfds_new(); /* NULL: files opened each cycle */
}

void metrics_close(struct metrics *m)
{
	snapshot_free(&m->prev);
	procskip_free(m->cfg.skip);
	cgfds_free(m->copts.fds);
	memset(m, 0, sizeof(*m));
}

int metrics_measure(struct metrics *m, struct snapshot *cur, struct ctrstats *cs, char *err,
		    size_t errlen)
{
	int ret = metrics_take(&m->cfg, cur, err, errlen);

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
