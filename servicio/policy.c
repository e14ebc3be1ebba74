/*
 * policy.c — classification and ranking (see policy.h for the rules).
 *
 * policy_decide() classifies every eligible container, sorts each class
 * with the ranking's comparator, keeps the first keep_n and writes one
 * decision with its rank and a reason a person can read in the log.
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *policy_class_name(enum policy_class c)
{
	switch (c) {
	case POLICY_HIGH:
		return "high";
	case POLICY_LOW:
		return "low";
	default:
		return "unknown";
	}
}

const char *policy_excluded(const struct policy_ctr *c, const struct policy_params *p)
{
	if (c->admin_logs || (p->admin_name && c->name && strcmp(c->name, p->admin_name) == 0))
		return "the admin_logs container";
	if (c->self)
		return "servicio's own container";
	if (!c->managed)
		return "not labelled gestor.managed=true";
	if (!c->has_rate)
		return "seen for the first time: no CPU rate yet";
	return NULL;
}

enum policy_class policy_classify(const struct policy_ctr *c, const struct policy_params *p)
{
	if (c->cpu_pct >= p->high_cpu)
		return POLICY_HIGH;
	if (p->high_mem_kb > 0 && c->mem_kb >= p->high_mem_kb)
		return POLICY_HIGH;
	return POLICY_LOW;
}

/* qsort has no context argument: the sort works on pointers into this. */
struct ranked {
	const struct policy_ctr *c;
	size_t idx;
};

static int cmp_tail(const struct ranked *a, const struct ranked *b)
{
	if (a->c->started != b->c->started)
		return a->c->started < b->c->started ? -1 : 1;
	return strcmp(a->c->id ? a->c->id : "", b->c->id ? b->c->id : "");
}

static int cmp_heaviest(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->c->cpu_pct != b->c->cpu_pct)
		return a->c->cpu_pct > b->c->cpu_pct ? -1 : 1;
	if (a->c->mem_kb != b->c->mem_kb)
		return a->c->mem_kb > b->c->mem_kb ? -1 : 1;
	return cmp_tail(a, b);
}

static int cmp_lightest(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->c->cpu_pct != b->c->cpu_pct)
		return a->c->cpu_pct < b->c->cpu_pct ? -1 : 1;
	if (a->c->mem_kb != b->c->mem_kb)
		return a->c->mem_kb < b->c->mem_kb ? -1 : 1;
	return cmp_tail(a, b);
}

static int cmp_oldest(const void *pa, const void *pb)
{
	return cmp_tail(pa, pb);
}

static size_t decide_class(struct ranked *r, size_t n, enum policy_class cls, int keep,
			   const struct policy_params *p, struct policy_decision *out)
{
	const char *order;

	if (p->ranking == POLICY_RANK_OLDEST) {
		qsort(r, n, sizeof(*r), cmp_oldest);
		order = "longest-running";
	} else if (cls == POLICY_HIGH) {
		qsort(r, n, sizeof(*r), cmp_heaviest);
		order = "heaviest (CPU, then memory)";
	} else {
		qsort(r, n, sizeof(*r), cmp_lightest);
		order = "lightest (CPU, then memory)";
	}
	for (size_t i = 0; i < n; i++) {
		struct policy_decision *d = &out[i];
		const char *why = cls == POLICY_HIGH
					  ? (r[i].c->cpu_pct >= p->high_cpu ? "CPU" : "memory")
					  : "below both thresholds";

		d->idx = r[i].idx;
		d->cls = cls;
		d->rank = (int)i + 1;
		d->keep = (int)i < keep;
		if (cls == POLICY_HIGH)
			snprintf(d->reason, sizeof(d->reason), "high (%s); %s #%d of %zu, keep %d",
				 why, order, d->rank, n, keep);
		else
			snprintf(d->reason, sizeof(d->reason), "low (%s); %s #%d of %zu, keep %d",
				 why, order, d->rank, n, keep);
	}
	return n;
}

size_t policy_decide(const struct policy_ctr *ctrs, size_t n, const struct policy_params *p,
		     struct policy_decision *out)
{
	struct ranked *hi, *lo;
	size_t nh = 0, nl = 0, w;

	if (n == 0)
		return 0;
	hi = calloc(n, sizeof(*hi));
	lo = calloc(n, sizeof(*lo));
	if (!hi || !lo) {
		free(hi);
		free(lo);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (policy_excluded(&ctrs[i], p))
			continue;
		if (policy_classify(&ctrs[i], p) == POLICY_HIGH)
			hi[nh++] = (struct ranked){ &ctrs[i], i };
		else
			lo[nl++] = (struct ranked){ &ctrs[i], i };
	}
	w = decide_class(hi, nh, POLICY_HIGH, p->keep_high, p, out);
	w += decide_class(lo, nl, POLICY_LOW, p->keep_low, p, out + w);
	free(hi);
	free(lo);
	return w;
}
