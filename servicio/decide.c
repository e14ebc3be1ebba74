/*
 * decide.c — the deciding stage: each running container as the policy
 * sees it, the policy's decisions, an action per decided container and a
 * note for the others. See decide.h.
 */
#include "decide.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gestor.h"
#include "scope.h"
#include "util.h"

/*
 * When the container started, ns since the epoch: its oldest process's start
 * (precise) when the snapshot has it, else Docker's creation second.
 */
static int64_t decide_started_ns(const struct snapshot *s, const struct cycle_row *r)
{
	uint64_t first = r->sc && r->sc->nprocs ? r->sc->start_time_ns : UINT64_MAX;

	if (first != UINT64_MAX && first <= s->boottime_ns && s->timestamp_ns > s->boottime_ns)
		return (int64_t)(s->timestamp_ns - (s->boottime_ns - first));
	return r->dc->created * 1000000000ll;
}

static const char *decide_note(const struct cycle_row *r)
{
	if (!r->st && r->pc.managed)
		return "pending (no processes seen)";
	if (r->pc.admin_logs)
		return "admin_logs (never touched)";
	if (r->pc.self)
		return "servicio (never touched)";
	if (!r->pc.managed)
		return "not managed";
	return "pending (first sample)";
}

void decide_kept_free(struct decide_kept *k)
{
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

static int decide_kept_cmp(const void *a, const void *b)
{
	return strcmp(((const struct decide_kept_ctr *)a)->id,
		      ((const struct decide_kept_ctr *)b)->id);
}

/* The kept set in id order, for decide_kept_as's binary search (it comes so
 * from decide_kept_update; a set read from the state file or made by hand
 * may not). */
static void decide_kept_sort(struct decide_kept *k)
{
	if (k && k->n > 1)
		qsort(k->v, k->n, sizeof(*k->v), decide_kept_cmp);
}

/* The class id was kept as at the last decision (k sorted by id): a binary
 * search, not a scan of the whole set for each row (500 x 500 compares a
 * cycle at 500 containers). */
static int decide_kept_as(const struct decide_kept *k, const char *id)
{
	const struct decide_kept_ctr *e;
	struct decide_kept_ctr key = { 0 };

	if (!k || !k->n || !util_strlcpy(key.id, id, sizeof(key.id)))
		return POLICY_NONE;
	e = bsearch(&key, k->v, k->n, sizeof(*k->v), decide_kept_cmp);
	return e ? e->cls : POLICY_NONE;
}

/* The kept ones of this decision become the incumbents of the next, in id
 * order: decide_kept_as searches them, and the state file saved from them
 * (state.h, rewritten only when its text changes) does not change when only
 * the ranks do. */
static void decide_kept_update(struct decide_kept *k, const struct cycle *c)
{
	struct decide_kept_ctr *v = calloc(c->ndec ? c->ndec : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return; /* the old set stays: at worst one decision without the newest */
	for (size_t j = 0; j < c->ndec; j++) {
		if (!c->dec[j].keep)
			continue;
		util_strlcpy(v[n].id, c->rows[c->dec[j].idx].dc->id, sizeof(v[n].id));
		v[n++].cls = c->dec[j].cls;
	}
	free(k->v);
	k->v = v;
	k->n = n;
	decide_kept_sort(k);
}

/* Row i: the container as the policy sees it, and a note when it is excluded. */
static void decide_row(struct cycle *c, size_t i, const struct decide_ctx *x)
{
	struct cycle_row *r = &c->rows[i];
	const struct docker_container *dc = r->dc;
	const struct ctr_stat *st = r->st;

	r->pc = (struct policy_ctr){
		.id = dc->id,
		.name = dc->name,
		.managed = scope_managed(dc, x->scope),
		/* by label, id or name: the same container for the policy and the
		 * record's role (record.c) */
		.admin_logs = scope_label_is(dc, GESTOR_LABEL_ROLE, GESTOR_ROLE_ADMIN_LOGS) ||
			      (x->admin_id[0] && strcmp(dc->id, x->admin_id) == 0) ||
			      (x->pp.admin_name && strcmp(dc->name, x->pp.admin_name) == 0),
		.self = x->self_id[0] && strcmp(dc->id, x->self_id) == 0,
		.has_rate = st && st->has_cpu,
		.cpu_pct = st ? st->cpu_pct : 0,
		.mem_kb = st ? st->mem_kb : 0,
		.started = decide_started_ns(&c->cur, r),
		.kept_as = decide_kept_as(x->kept, dc->id),
	};
	if (policy_excluded(&r->pc, &x->pp))
		r->note = decide_note(r);
}

int decide_cycle(struct cycle *c, const struct decide_ctx *x)
{
	size_t n = c->nrows;
	int nremove = 0;

	free(c->dec);
	c->dec = c->rows ? calloc(n ? n : 1, sizeof(*c->dec)) : NULL;
	c->ndec = 0;
	if (!c->dec) {
		c->nrows = 0; /* no stage reads rows that were not decided */
		return -ENOMEM;
	}
	decide_kept_sort(x->kept);
	for (size_t i = 0; i < n; i++)
		decide_row(c, i, x);
	/* the policy reads each row's pc in place: no array of its own */
	c->ndec = n ? policy_decide(&c->rows[0].pc, n, sizeof(c->rows[0]), &x->pp, c->dec) : 0;
	c->dec_ts = util_real_ns();
	if (x->kept)
		decide_kept_update(x->kept, c);
	for (size_t k = 0; k < c->ndec; k++) {
		struct cycle_row *r = &c->rows[c->dec[k].idx];

		r->dec = &c->dec[k];
		if (c->dec[k].keep)
			r->action = CYCLE_KEPT;
		else
			r->action = x->dry_run ? CYCLE_WOULD_REMOVE : CYCLE_REMOVE;
	}
	nremove = rails_apply(c, &x->rails, (int64_t)c->dec_ts);
	return x->dry_run ? 0 : nremove;
}
