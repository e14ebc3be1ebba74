/*
 * measure.c — the measuring stage: snapshot + rates (metrics.h), the list
 * of running containers with its reuse rule, lifetime rates and the settle
 * sample for containers seen for the first time. See measure.h.
 */
#include "measure.h"

#include <string.h>
#include <time.h>

#include "log.h"
#include "scope.h"

/* Cycles a container list is reused at most. */
#define MEASURE_LIST_EVERY 30

int measure_open(struct measure *ms, const struct metrics_config *mc, int settle_ms,
		 const char *scope, char *why, size_t whylen)
{
	memset(ms, 0, sizeof(*ms));
	ms->settle_ns = (uint64_t)settle_ms * 1000000ull;
	ms->scope = scope;
	return metrics_open(&ms->met, mc, why, whylen);
}

void measure_close(struct measure *ms)
{
	docker_container_list_free(&ms->dl);
	metrics_close(&ms->met);
}

static int measure_take(struct measure *ms, struct snapshot *s, struct ctrstats *cs)
{
	char err[512];
	int ret = metrics_measure(&ms->met, s, cs, err, sizeof(err));

	if (ret)
		log_warnx("metrics: %s", err);
	return ret;
}

int measure_sample(struct measure *ms, struct cycle *c)
{
	return measure_take(ms, &c->cur, &c->cs);
}

/* FNV-1a over the container ids of a snapshot (sorted by id). */
static uint64_t measure_signature(const struct snapshot *s)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < s->nctrs; i++) {
		for (const char *p = s->ctrs[i].id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ ',') * 1099511628211ull;
	}
	return h ^ s->nctrs;
}

/*
 * Names and labels do not change while a container lives: the list is
 * asked again only when the set of containers in the snapshot changed,
 * after a removal, or every MEASURE_LIST_EVERY cycles (or when Docker was
 * down); otherwise a ping still notices the daemon gone.
 */
int measure_list(struct measure *ms, struct docker *dk, struct cycle *c, const char **what,
		 char *err, size_t errlen)
{
	uint64_t sig = measure_signature(&c->cur);
	struct docker_container_list fresh = { 0 };
	int ret;

	c->dl = &ms->dl;
	if (ms->dl_valid && sig == ms->dl_sig && ms->dl_cycles < MEASURE_LIST_EVERY) {
		*what = "ping";
		ret = docker_ping(dk, err, errlen);
		if (ret == 0) {
			ms->dl_cycles++;
			(void)cycle_rows(c); /* out of memory: none, decide_cycle says so */
		}
		return ret;
	}
	*what = "list containers";
	ret = docker_list_containers(dk, false, NULL, &fresh, err, errlen);
	if (ret)
		return ret;
	cycle_free_rows(c); /* they point into the list replaced */
	docker_container_list_free(&ms->dl);
	ms->dl = fresh;
	ms->dl_sig = sig;
	ms->dl_cycles = 0;
	/* a container's processes can show before Docker lists it as running:
	 * then the list is not trusted for this set, and asked again next cycle */
	ms->dl_valid = true;
	for (size_t i = 0; i < c->cur.nctrs && ms->dl_valid; i++)
		if (!docker_container_find(&ms->dl, c->cur.ctrs[i].id))
			ms->dl_valid = false;
	(void)cycle_rows(c); /* out of memory: none, decide_cycle says so */
	return 0;
}

void measure_forget_list(struct measure *ms)
{
	ms->dl_valid = false;
}

/*
 * Give each managed container without an interval rate its lifetime rate
 * (CPU time of its processes over the age of the oldest) when it is at
 * least settle_ns old. Returns how long to wait until the youngest of the
 * others is old enough (0: none left).
 */
static uint64_t measure_lifetime_rates(const struct measure *ms, struct cycle *c)
{
	const struct snapshot *s = &c->cur;
	uint64_t wait = 0;

	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];
		const struct snap_ctr *sc = r->sc;
		size_t k;

		if (!sc || !scope_managed(r->dc, ms->scope))
			continue;
		k = (size_t)(sc - s->ctrs);
		if (k >= c->cs.nctrs || c->cs.ctrs[k].has_cpu)
			continue;
		/* the sums over its processes (snapshot_group) */
		uint64_t cpu = sc->cpu_time_ns, first = sc->nprocs ? sc->start_time_ns : UINT64_MAX;
		if (first == UINT64_MAX || first > s->boottime_ns)
			continue;
		uint64_t age = s->boottime_ns - first;
		if (age >= ms->settle_ns) {
			c->cs.ctrs[k].has_cpu = true;
			c->cs.ctrs[k].cpu_pct = (double)cpu * 100.0 / (double)age;
		} else if (ms->settle_ns - age > wait) {
			wait = ms->settle_ns - age;
		}
	}
	return wait;
}

void measure_settle(struct measure *ms, struct cycle *c, bool (*stopping)(void))
{
	uint64_t wait_ns = measure_lifetime_rates(ms, c);
	struct snapshot s2 = { 0 };
	struct ctrstats cs2 = { 0 };

	c->settled = wait_ns > 0;
	if (!c->settled || stopping())
		return;
	struct timespec ts = { (time_t)(wait_ns / 1000000000ull), (long)(wait_ns % 1000000000ull) };
	nanosleep(&ts, NULL);
	if (measure_take(ms, &s2, &cs2) != 0)
		return;
	ctrstats_free(&c->cs);
	snapshot_free(&c->cur);
	c->cs = cs2;
	c->cur = s2;
	cycle_measured(c); /* the records' views: into the new sample */
	measure_lifetime_rates(ms, c);
}

void measure_advance(struct measure *ms, struct cycle *c)
{
	cycle_free_rows(c);
	ctrstats_free(&c->cs);
	metrics_advance(&ms->met, &c->cur);
}
