/*
 * policy_test.c — unit tests for policy.c: classification at the
 * thresholds, the keep counts, both rankings, tie-breaking, and the
 * containers that must never be decided (unlabelled, admin_logs, self,
 * first seen), and the hysteresis: incumbents keep their place unless a
 * challenger beats them by the margin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../policy.h"

static const struct policy_params params = { .high_cpu = 20.0,
					     .high_mem_kb = 64 * 1024,
					     .keep_high = 2,
					     .keep_low = 3,
					     .ranking = POLICY_RANK_CPU,
					     .admin_name = "gestor-admin_logs" };

static struct policy_ctr ctr(const char *id, double cpu, uint64_t mem_kb, int64_t started)
{
	return (struct policy_ctr){ .id = id,
				    .name = id,
				    .managed = true,
				    .has_rate = true,
				    .cpu_pct = cpu,
				    .mem_kb = mem_kb,
				    .started = started };
}

static const struct policy_decision *find(const struct policy_decision *d, size_t n,
					  const struct policy_ctr *c, size_t idx)
{
	(void)c;
	for (size_t i = 0; i < n; i++)
		if (d[i].idx == idx)
			return &d[i];
	return NULL;
}

static void test_classify_thresholds(void **state)
{
	struct policy_ctr c = ctr("a", 19.99, 1000, 0);

	(void)state;
	assert_int_equal(policy_classify(&c, &params), POLICY_LOW);
	c.cpu_pct = 20.0;
	assert_int_equal(policy_classify(&c, &params), POLICY_HIGH);
	c.cpu_pct = 0;
	c.mem_kb = 64 * 1024 - 1;
	assert_int_equal(policy_classify(&c, &params), POLICY_LOW);
	c.mem_kb = 64 * 1024;
	assert_int_equal(policy_classify(&c, &params), POLICY_HIGH);
	struct policy_params p = params;
	p.high_mem_kb = 0; /* memory off */
	c.mem_kb = 1u << 30;
	assert_int_equal(policy_classify(&c, &p), POLICY_LOW);
}

static void test_excluded(void **state)
{
	struct policy_ctr c = ctr("a", 50, 1000, 0);

	(void)state;
	assert_null(policy_excluded(&c, &params));
	c.managed = false;
	assert_non_null(policy_excluded(&c, &params));
	c = ctr("a", 50, 1000, 0);
	c.admin_logs = true;
	assert_non_null(policy_excluded(&c, &params));
	c = ctr("a", 50, 1000, 0);
	c.name = "gestor-admin_logs"; /* by name, even when labelled managed */
	assert_non_null(policy_excluded(&c, &params));
	c = ctr("a", 50, 1000, 0);
	c.self = true;
	assert_non_null(policy_excluded(&c, &params));
	c = ctr("a", 50, 1000, 0);
	c.has_rate = false;
	assert_non_null(policy_excluded(&c, &params));
}

/* 4 high + 5 low + unlabelled + admin_logs: 2 high and 3 low stay, cpu ranking */
static void test_keep_counts_cpu(void **state)
{
	struct policy_ctr c[11] = {
		ctr("h1", 95, 2000, 10), ctr("h2", 30, 2000, 11),   ctr("h3", 0.5, 300000, 12),
		ctr("h4", 60, 2000, 13), ctr("l1", 0.1, 900, 14),   ctr("l2", 0.0, 800, 15),
		ctr("l3", 0.0, 700, 16), ctr("l4", 2.0, 900, 17),   ctr("l5", 0.0, 800, 18),
		ctr("x", 99, 999999, 1), ctr("adm", 99, 999999, 2),
	};
	struct policy_decision d[11];
	size_t n;

	(void)state;
	c[9].managed = false;
	c[10].name = "gestor-admin_logs";
	n = policy_decide(c, 11, sizeof(c[0]), &params, d);
	assert_int_equal(n, 9);
	/* high: by CPU desc: h1 95, h4 60, h2 30, h3 0.5 -> h1, h4 stay */
	assert_true(find(d, n, c, 0)->keep);
	assert_true(find(d, n, c, 3)->keep);
	assert_false(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 2)->keep);
	assert_int_equal(find(d, n, c, 0)->rank, 1);
	assert_int_equal(find(d, n, c, 3)->rank, 2);
	assert_int_equal(find(d, n, c, 2)->cls, POLICY_HIGH); /* by memory */
	assert_non_null(strstr(find(d, n, c, 2)->reason, "memory"));
	/* low: by CPU asc then memory asc: l3 (0,700), l2 (0,800, started 15), l5 (0,800,18) */
	assert_true(find(d, n, c, 6)->keep);
	assert_true(find(d, n, c, 5)->keep);
	assert_true(find(d, n, c, 8)->keep);
	assert_false(find(d, n, c, 4)->keep);
	assert_false(find(d, n, c, 7)->keep);
	assert_int_equal(find(d, n, c, 8)->rank, 3);
	assert_null(find(d, n, c, 9));
	assert_null(find(d, n, c, 10));
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		kept += d[i].keep;
	assert_int_equal(kept, 5);
}

static void test_oldest(void **state)
{
	struct policy_ctr c[4] = { ctr("a", 90, 1, 40), ctr("b", 10, 1, 30), ctr("c", 99, 1, 20),
				   ctr("d", 50, 1, 10) };
	struct policy_params p = params;
	struct policy_decision d[4];
	size_t n;

	(void)state;
	p.ranking = POLICY_RANK_OLDEST;
	p.keep_high = 2;
	n = policy_decide(c, 4, sizeof(c[0]), &p, d);
	assert_int_equal(n, 4);
	/* high: a, c, d (b is low); oldest d (10), c (20) stay */
	assert_true(find(d, n, c, 3)->keep);
	assert_true(find(d, n, c, 2)->keep);
	assert_false(find(d, n, c, 0)->keep);
	assert_true(find(d, n, c, 1)->keep); /* the only low one */
	assert_non_null(strstr(find(d, n, c, 0)->reason, "longest-running"));
}

/* The same containers read in place from larger records (a stride, as the
 * cycle's records are read): the same decisions, reasons and indices. */
static void test_view_of_records(void **state)
{
	struct rec {
		char before[40];
		struct policy_ctr pc;
		double after;
	} r[5];
	struct policy_ctr c[5] = { ctr("a", 90, 1, 40), ctr("b", 10, 1, 30), ctr("c", 99, 1, 20),
				   ctr("d", 50, 1, 10), ctr("e", 1, 1, 5) };
	struct policy_params p = params;
	struct policy_decision d1[5], d2[5];
	size_t n1, n2;

	(void)state;
	memset(r, 0x5a, sizeof(r));
	for (size_t i = 0; i < 5; i++)
		r[i].pc = c[i];
	p.keep_high = 2;
	n1 = policy_decide(c, 5, sizeof(c[0]), &p, d1);
	n2 = policy_decide(&r[0].pc, 5, sizeof(r[0]), &p, d2);
	assert_int_equal(n1, 5);
	assert_int_equal(n2, n1);
	for (size_t k = 0; k < n1; k++) {
		assert_int_equal(d2[k].idx, d1[k].idx);
		assert_int_equal(d2[k].cls, d1[k].cls);
		assert_int_equal(d2[k].keep, d1[k].keep);
		assert_int_equal(d2[k].rank, d1[k].rank);
		assert_string_equal(d2[k].reason, d1[k].reason);
	}
}

static void test_keep_zero_and_empty(void **state)
{
	struct policy_ctr c[2] = { ctr("a", 90, 1, 1), ctr("b", 0, 1, 2) };
	struct policy_params p = params;
	struct policy_decision d[2];

	(void)state;
	p.keep_high = 0;
	p.keep_low = 0;
	assert_int_equal(policy_decide(c, 2, sizeof(c[0]), &p, d), 2);
	assert_false(d[0].keep);
	assert_false(d[1].keep);
	assert_int_equal(policy_decide(c, 0, sizeof(c[0]), &p, d), 0);
}

static void test_ties_are_stable(void **state)
{
	struct policy_ctr c[3] = { ctr("b", 0, 100, 5), ctr("a", 0, 100, 5), ctr("c", 0, 100, 1) };
	struct policy_params p = params;
	struct policy_decision d[3];

	(void)state;
	p.keep_low = 2;
	assert_int_equal(policy_decide(c, 3, sizeof(c[0]), &p, d), 3);
	/* equal CPU and memory: the earlier start, then the id */
	assert_int_equal(d[0].idx, 2);
	assert_int_equal(d[1].idx, 1);
	assert_int_equal(d[2].idx, 0);
	assert_false(d[2].keep);
}

/* the case: 25.4 % kept, a newcomer at 28.3 %: within 10 points, no swap */
static void test_margin_near_tie_keeps_incumbent(void **state)
{
	struct policy_ctr c[3] = { ctr("old1", 27.0, 2000, 1), ctr("old2", 25.4, 2000, 2),
				   ctr("new", 28.3, 2000, 9) };
	struct policy_params p = params;
	struct policy_decision d[3];
	size_t n;

	(void)state;
	p.margin_cpu = 10;
	p.margin_mem_kb = 64 * 1024;
	c[0].kept_as = POLICY_HIGH;
	c[1].kept_as = POLICY_HIGH;
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_int_equal(n, 3);
	assert_true(find(d, n, c, 0)->keep);
	assert_true(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 2)->keep);
	assert_true(find(d, n, c, 1)->by_margin);
	assert_true(find(d, n, c, 2)->by_margin);
	assert_false(find(d, n, c, 0)->by_margin);
	assert_non_null(strstr(find(d, n, c, 1)->reason, "kept by the margin: new"));
	assert_non_null(strstr(find(d, n, c, 2)->reason, "the margin decided"));
	assert_non_null(strstr(find(d, n, c, 2)->reason, "old2"));
	assert_non_null(strstr(find(d, n, c, 2)->reason, "10 CPU points"));
	/* ranks follow the final order: kept ones first */
	assert_int_equal(find(d, n, c, 1)->rank, 2);
	assert_int_equal(find(d, n, c, 2)->rank, 3);
	/* the same numbers without incumbents: the newcomer is the heaviest */
	c[0].kept_as = c[1].kept_as = POLICY_NONE;
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 2)->keep);
	assert_false(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 1)->by_margin);
}

/* beyond the margin the challenger wins; exactly at the margin it does not */
static void test_margin_beaten(void **state)
{
	struct policy_ctr c[3] = { ctr("old1", 90, 2000, 1), ctr("old2", 20, 2000, 2),
				   ctr("new", 30.5, 2000, 9) };
	struct policy_params p = params;
	struct policy_decision d[3];
	size_t n;

	(void)state;
	p.margin_cpu = 10;
	c[0].kept_as = c[1].kept_as = POLICY_HIGH;
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 2)->keep);
	assert_false(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 2)->by_margin);
	c[2].cpu_pct = 30.0; /* exactly 10 points: not beyond */
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_false(find(d, n, c, 2)->keep);
	assert_true(find(d, n, c, 1)->keep);
}

/* exact ties never swap, even with no margin at all */
static void test_margin_ties_never_swap(void **state)
{
	struct policy_ctr c[2] = { ctr("zz-old", 0, 800, 20), ctr("aa-new", 0, 800, 10) };
	struct policy_params p = params;
	struct policy_decision d[2];
	size_t n;

	(void)state;
	p.keep_low = 1;
	c[0].kept_as = POLICY_LOW; /* ranked second by start time, but kept */
	n = policy_decide(c, 2, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 0)->keep);
	assert_false(find(d, n, c, 1)->keep);
}

/* a kept high container stays high within the margin below the thresholds */
static void test_margin_class_threshold(void **state)
{
	struct policy_ctr c = ctr("a", 12.0, 300, 1);
	struct policy_params p = params;

	(void)state;
	p.margin_cpu = 10;
	p.margin_mem_kb = 16 * 1024;
	assert_int_equal(policy_classify(&c, &p), POLICY_LOW); /* not kept: 12 < 20 */
	c.kept_as = POLICY_HIGH;
	assert_int_equal(policy_classify(&c, &p), POLICY_HIGH); /* 12 >= 20 - 10 */
	c.cpu_pct = 9.9;
	assert_int_equal(policy_classify(&c, &p), POLICY_LOW); /* below by more than the margin */
	c.mem_kb = 50 * 1024; /* 50 MiB >= 64 - 16 */
	assert_int_equal(policy_classify(&c, &p), POLICY_HIGH);
	c.kept_as = POLICY_LOW; /* kept as low: the plain thresholds */
	assert_int_equal(policy_classify(&c, &p), POLICY_LOW);
	/* the band is at most half a threshold: with a margin as large as the
	 * threshold (the defaults: 64 MiB of 64 MiB), an idle container kept as
	 * high still becomes low */
	p.margin_mem_kb = 64 * 1024;
	c.kept_as = POLICY_HIGH;
	c.mem_kb = 1024;
	assert_int_equal(policy_classify(&c, &p), POLICY_LOW);
	c.mem_kb = 33 * 1024; /* 33 MiB >= 64 - 32 */
	assert_int_equal(policy_classify(&c, &p), POLICY_HIGH);
	/* its reason says why it is still high */
	struct policy_ctr k[1] = { ctr("k", 12.0, 300, 1) };
	struct policy_decision d[1];
	k[0].kept_as = POLICY_HIGH;
	assert_int_equal(policy_decide(k, 1, sizeof(k[0]), &p, d), 1);
	assert_int_equal(d[0].cls, POLICY_HIGH);
	assert_true(d[0].keep);
	assert_non_null(strstr(d[0].reason, "kept as high, within the margin"));
}

/* CPU within the margin: memory decides, by its own margin */
static void test_margin_memory(void **state)
{
	struct policy_ctr c[2] = { ctr("old", 0.2, 256 * 1024, 1), ctr("new", 0.3, 300 * 1024, 9) };
	struct policy_params p = params;
	struct policy_decision d[2];
	size_t n;

	(void)state;
	p.keep_high = 1;
	p.margin_cpu = 10;
	p.margin_mem_kb = 64 * 1024;
	c[0].kept_as = POLICY_HIGH;
	n = policy_decide(c, 2, sizeof(c[0]), &p, d); /* 44 MiB more: within the margin */
	assert_true(find(d, n, c, 0)->keep);
	assert_true(find(d, n, c, 0)->by_margin);
	c[1].mem_kb = 400 * 1024; /* 144 MiB more: beyond */
	n = policy_decide(c, 2, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 0)->keep);
	/* low class: lighter by the margin wins */
	assert_false(policy_beats(&c[1], &c[0], POLICY_LOW, &p));
	c[1].mem_kb = 100 * 1024;
	assert_true(policy_beats(&c[1], &c[0], POLICY_LOW, &p));
}

/* an incumbent of the other class is a challenger here; the oldest ranking ignores margins */
static void test_margin_class_and_oldest(void **state)
{
	struct policy_ctr c[3] = { ctr("a", 50, 1, 1), ctr("b", 45, 1, 2), ctr("c", 48, 1, 3) };
	struct policy_params p = params;
	struct policy_decision d[3];
	size_t n;

	(void)state;
	p.keep_high = 2;
	p.margin_cpu = 10;
	c[1].kept_as = POLICY_LOW; /* was low: no place to keep among the high ones */
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_false(find(d, n, c, 1)->keep);
	c[1].kept_as = POLICY_HIGH;
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 1)->keep);
	assert_false(find(d, n, c, 2)->keep);
	/* several incumbents and challengers: the number kept never changes */
	struct policy_ctr m[6] = { ctr("i1", 30, 1, 1), ctr("i2", 29, 1, 2), ctr("i3", 28, 1, 3),
				   ctr("c1", 35, 1, 4), ctr("c2", 33, 1, 5), ctr("c3", 95, 1, 6) };
	struct policy_decision dm[6];
	size_t kept = 0;

	p.keep_high = 3;
	m[0].kept_as = m[1].kept_as = m[2].kept_as = POLICY_HIGH;
	n = policy_decide(m, 6, sizeof(m[0]), &p, dm);
	for (size_t i = 0; i < n; i++)
		kept += dm[i].keep;
	assert_int_equal(kept, 3);
	assert_true(find(dm, n, m, 5)->keep); /* 95 beats 28 by far */
	assert_true(find(dm, n, m, 0)->keep);
	assert_true(find(dm, n, m, 1)->keep);
	assert_false(find(dm, n, m, 3)->keep); /* 35 vs 28: within 10 */
	p.keep_high = 2;
	p.ranking = POLICY_RANK_OLDEST;
	c[2].started = 0; /* the oldest: it stays although b was kept */
	n = policy_decide(c, 3, sizeof(c[0]), &p, d);
	assert_true(find(d, n, c, 2)->keep);
	assert_true(find(d, n, c, 0)->keep);
	assert_false(find(d, n, c, 1)->keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_thresholds),
		cmocka_unit_test(test_excluded),
		cmocka_unit_test(test_keep_counts_cpu),
		cmocka_unit_test(test_oldest),
		cmocka_unit_test(test_keep_zero_and_empty),
		cmocka_unit_test(test_ties_are_stable),
		cmocka_unit_test(test_margin_near_tie_keeps_incumbent),
		cmocka_unit_test(test_margin_beaten),
		cmocka_unit_test(test_margin_ties_never_swap),
		cmocka_unit_test(test_margin_memory),
		cmocka_unit_test(test_margin_class_threshold),
		cmocka_unit_test(test_margin_class_and_oldest),
		cmocka_unit_test(test_view_of_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
