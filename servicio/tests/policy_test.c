/*
 * policy_test.c — unit tests for policy.c: classification at the
 * thresholds, the keep counts, both rankings, tie-breaking, and the
 * containers that must never be decided (unlabelled, admin_logs, self,
 * first seen).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../policy.h"

static const struct policy_params params = { 20.0, 64 * 1024,	    2,
					     3,	   POLICY_RANK_CPU, "gestor-admin_logs" };

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
	n = policy_decide(c, 11, &params, d);
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
	n = policy_decide(c, 4, &p, d);
	assert_int_equal(n, 4);
	/* high: a, c, d (b is low); oldest d (10), c (20) stay */
	assert_true(find(d, n, c, 3)->keep);
	assert_true(find(d, n, c, 2)->keep);
	assert_false(find(d, n, c, 0)->keep);
	assert_true(find(d, n, c, 1)->keep); /* the only low one */
	assert_non_null(strstr(find(d, n, c, 0)->reason, "longest-running"));
}

static void test_keep_zero_and_empty(void **state)
{
	struct policy_ctr c[2] = { ctr("a", 90, 1, 1), ctr("b", 0, 1, 2) };
	struct policy_params p = params;
	struct policy_decision d[2];

	(void)state;
	p.keep_high = 0;
	p.keep_low = 0;
	assert_int_equal(policy_decide(c, 2, &p, d), 2);
	assert_false(d[0].keep);
	assert_false(d[1].keep);
	assert_int_equal(policy_decide(c, 0, &p, d), 0);
}

static void test_ties_are_stable(void **state)
{
	struct policy_ctr c[3] = { ctr("b", 0, 100, 5), ctr("a", 0, 100, 5), ctr("c", 0, 100, 1) };
	struct policy_params p = params;
	struct policy_decision d[3];

	(void)state;
	p.keep_low = 2;
	assert_int_equal(policy_decide(c, 3, &p, d), 3);
	/* equal CPU and memory: the earlier start, then the id */
	assert_int_equal(d[0].idx, 2);
	assert_int_equal(d[1].idx, 1);
	assert_int_equal(d[2].idx, 0);
	assert_false(d[2].keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_thresholds), cmocka_unit_test(test_excluded),
		cmocka_unit_test(test_keep_counts_cpu),	    cmocka_unit_test(test_oldest),
		cmocka_unit_test(test_keep_zero_and_empty), cmocka_unit_test(test_ties_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
