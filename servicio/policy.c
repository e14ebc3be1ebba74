/*
 * policy.c — classification and ranking (see policy.h for the rules).
 *
 * policy_decide() classifies every eligible container, sorts each class
 * with the ranking's comparator, keeps the first keep_n — unless an
 * incumbent left out is not beaten by the margin (policy_hysteresis) — and
 * writes one decision with its rank and a reason a person can read in the
 * log.
 */
#include "policy.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gestor.h"

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
		return "not labelled " GESTOR_MANAGED_FILTER;
	if (!c->has_rate)
		return "seen for the first time: no CPU rate yet";
	return NULL;
}

enum policy_class policy_classify(const struct policy_ctr *c, const struct policy_params *p)
{
	/* kept as high: it stays high until below a threshold by the margin too,
	 * so a burner slowed by contention (20 % -> 12 %) is not removed as the
	 * heaviest low one; the band is at most half the threshold, or a margin
	 * as large as the threshold (64 MiB of 64 MiB by default) would keep a
	 * container that went idle high for good */
	double cpu_at = p->high_cpu, mem_at = (double)p->high_mem_kb;

	if (c->kept_as == POLICY_HIGH && p->ranking == POLICY_RANK_CPU) {
		cpu_at -= fmin(p->margin_cpu, cpu_at / 2);
		mem_at -= fmin((double)p->margin_mem_kb, mem_at / 2);
	}
	if (c->cpu_pct >= cpu_at)
		return POLICY_HIGH;
	if (p->high_mem_kb > 0 && (double)c->mem_kb >= mem_at)
		return POLICY_HIGH;
	return POLICY_LOW;
}

/* qsort has no context argument: the sort works on pointers into this. */
struct ranked {
	const struct policy_ctr *c;
	size_t idx;
	bool keep; /* kept this cycle (decide_class) */
	long by; /* the place it swapped with by the margin, or -1 */
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

bool policy_beats(const struct policy_ctr *c, const struct policy_ctr *i, enum policy_class cls,
		  const struct policy_params *p)
{
	/* > 0: c is the better one for its class */
	double dcpu = cls == POLICY_HIGH ? c->cpu_pct - i->cpu_pct : i->cpu_pct - c->cpu_pct;
	int64_t dmem = cls == POLICY_HIGH ? (int64_t)c->mem_kb - (int64_t)i->mem_kb
					  : (int64_t)i->mem_kb - (int64_t)c->mem_kb;

	if (dcpu > p->margin_cpu)
		return true;
	if (dcpu < -p->margin_cpu)
		return false;
	return dmem > (int64_t)p->margin_mem_kb;
}

static bool policy_incumbent(const struct ranked *r, enum policy_class cls)
{
	return r->c->kept_as == (int)cls;
}

/*
 * r[].keep marks the first keep places of the sorted r. While the worst kept
 * challenger does not beat the best incumbent left out by the margin, the
 * incumbent takes its place. Each swap keeps one more incumbent, so this
 * ends. r[i].by is the other party of a swap (for the reasons), or -1.
 */
static void policy_hysteresis(struct ranked *r, size_t n, enum policy_class cls,
			      const struct policy_params *p)
{
	for (;;) {
		long wc = -1, bi = -1;

		for (size_t i = 0; i < n; i++)
			if (r[i].keep && !policy_incumbent(&r[i], cls))
				wc = (long)i;
		for (size_t i = 0; i < n && bi < 0; i++)
			if (!r[i].keep && policy_incumbent(&r[i], cls))
				bi = (long)i;
		if (wc < 0 || bi < 0 || policy_beats(r[wc].c, r[bi].c, cls, p))
			return;
		r[wc].keep = false;
		r[bi].keep = true;
		r[wc].by = bi;
		r[bi].by = wc;
	}
}

static void policy_margin_text(const struct policy_params *p, char *out, size_t cap)
{
	snprintf(out, cap, "%g CPU points, %g MiB", p->margin_cpu,
		 (double)p->margin_mem_kb / 1024.0);
}

/* Why a container is in its class, for the reason. */
static const char *policy_why(const struct policy_ctr *c, enum policy_class cls,
			      const struct policy_params *p)
{
	if (cls != POLICY_HIGH)
		return "below both thresholds";
	if (c->cpu_pct >= p->high_cpu)
		return "CPU";
	if (p->high_mem_kb > 0 && c->mem_kb >= p->high_mem_kb)
		return "memory";
	return "kept as high, within the margin below the thresholds";
}

static size_t decide_class(struct ranked *r, size_t n, enum policy_class cls, int keep,
			   const struct policy_params *p, struct policy_decision *out)
{
	const char *order;
	char margin[64];
	int place = 0;

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
		r[i].keep = (long)i < keep;
		r[i].by = -1;
	}
	if (p->ranking == POLICY_RANK_CPU)
		policy_hysteresis(r, n, cls, p);
	policy_margin_text(p, margin, sizeof(margin));
	/* the kept ones first, then the rest, each part in ranking order */
	for (int pass = 1; pass >= 0; pass--) {
		for (size_t i = 0; i < n; i++) {
			struct policy_decision *d = &out[place];
			const char *why = policy_why(r[i].c, cls, p);
			int l;

			if (r[i].keep != (bool)pass)
				continue;
			d->idx = r[i].idx;
			d->cls = cls;
			d->rank = ++place;
			d->keep = r[i].keep;
			d->by_margin = r[i].by >= 0;
			l = snprintf(d->reason, POLICY_REASON_MAX,
				     "%s (%s); %s #%zu of %zu, keep %d", policy_class_name(cls),
				     why, order, i + 1, n, keep);
			if (l < 0 || (size_t)l >= POLICY_REASON_MAX || !d->by_margin)
				continue;
			if (d->keep)
				snprintf(d->reason + l, POLICY_REASON_MAX - (size_t)l,
					 "; kept by the margin: %s does not beat it by %s",
					 r[r[i].by].c->name ? r[r[i].by].c->name : "?", margin);
			else
				snprintf(d->reason + l, POLICY_REASON_MAX - (size_t)l,
					 "; the margin decided: it does not beat the kept %s by %s",
					 r[r[i].by].c->name ? r[r[i].by].c->name : "?", margin);
		}
	}
	return n;
}

size_t policy_decide(const struct policy_ctr *first, size_t n, size_t stride,
		     const struct policy_params *p, struct policy_decision *out)
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
		const struct policy_ctr *c =
			(const struct policy_ctr *)(const void *)((const char *)first + i * stride);

		if (policy_excluded(c, p))
			continue;
		if (policy_classify(c, p) == POLICY_HIGH)
			hi[nh++] = (struct ranked){ .c = c, .idx = i, .by = -1 };
		else
			lo[nl++] = (struct ranked){ .c = c, .idx = i, .by = -1 };
	}
	w = decide_class(hi, nh, POLICY_HIGH, p->keep_high, p, out);
	w += decide_class(lo, nl, POLICY_LOW, p->keep_low, p, out + w);
	free(hi);
	free(lo);
	return w;
}
