/*
 * status_test.c — the status file `servicio top` reads (status.h): a cycle
 * written and parsed back (only managed rows, the rails' decisions by
 * name, a pending row, the grace deadline); hostile or broken files
 * refused (not JSON, a missing or wrong-typed member, a duplicate key,
 * a negative CPU); control characters in a name replaced; and the view's
 * sorts, filter and time-to-removal text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../status.h"
#include "jsonesc.h"
#include "util.h"

#define SEC 1000000000ll

struct rig {
	struct docker_container dc[4];
	struct docker_container_list dl;
	struct ctr_stat st[4];
	struct cycle_row rows[4];
	struct policy_decision dec[4];
	struct cycle c;
};

static void rig_init(struct rig *r)
{
	static const char *const names[] = { "kept1", "grace1", "pending1", "other" };

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 4; i++) {
		snprintf(r->dc[i].id, sizeof(r->dc[i].id), "%c%063d", (char)('0' + i), 0);
		snprintf(r->dc[i].name, sizeof(r->dc[i].name), "%s", names[i]);
		r->st[i].has_cpu = true;
		r->st[i].cpu_pct = 10.0 * i;
		r->st[i].mem_kb = 1000u * (4u - (unsigned)i);
		r->rows[i].dc = &r->dc[i];
		r->rows[i].st = &r->st[i];
		r->rows[i].pc.managed = i != 3;
	}
	r->dec[0] = (struct policy_decision){ .idx = 0, .cls = POLICY_HIGH, .keep = true };
	r->dec[1] = (struct policy_decision){ .idx = 1, .cls = POLICY_LOW };
	r->rows[0].dec = &r->dec[0];
	r->rows[0].action = CYCLE_KEPT;
	snprintf(r->dec[0].reason, sizeof(r->dec[0].reason), "high; kept");
	r->rows[1].dec = &r->dec[1];
	r->rows[1].action = CYCLE_KEPT;
	r->rows[1].hold = CYCLE_HOLD_GRACE;
	r->rows[1].remove_at_ns = 130 * SEC;
	r->rows[2].note = "pending (first sample)";
	r->rows[2].st = NULL;
	r->c.rows = r->rows;
	r->c.nrows = 4;
	r->c.dec = r->dec;
	r->c.ndec = 2;
	r->c.number = 9;
	r->c.dec_ts = 100 * SEC;
}

static void test_round_trip(void **state)
{
	struct rig r;
	struct status s;
	char err[256];
	char *t;

	(void)state;
	rig_init(&r);
	t = status_format(&r.c, 2.5, true);
	assert_non_null(t);
	assert_int_equal(status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
	free(t);
	assert_int_equal(s.cycle, 9);
	assert_int_equal(s.ts_ns, 100 * SEC);
	assert_true(s.dry_run);
	assert_true(s.interval_s == 2.5);
	assert_int_equal(s.n, 3); /* the unmanaged one is not there */
	assert_string_equal(s.rows[0].name, "kept1");
	assert_string_equal(s.rows[0].cls, "high");
	assert_string_equal(s.rows[0].decision, "kept");
	assert_string_equal(s.rows[0].reason, "high; kept");
	assert_int_equal(s.rows[0].mem_kb, 4000);
	assert_string_equal(s.rows[1].decision, "grace");
	assert_int_equal(s.rows[1].remove_at_ns, 130 * SEC);
	assert_true(s.rows[1].cpu_pct == 10.0);
	assert_string_equal(s.rows[2].decision, "pending");
	assert_string_equal(s.rows[2].cls, "-");
	assert_false(s.rows[2].has_rate);
	assert_string_equal(s.rows[2].reason, "pending (first sample)");
	status_free(&s);
}

/* The strings of a row as jsonesc_write() writes them, plain ASCII (copied
 * as is) and otherwise (escaped, non-ASCII, U+EFxx, longer than the
 * escaper's bound): the text is the escaper's, byte for byte. */
static void test_strings(void **state)
{
	static const char *const names[] = {
		"plain-name_1.2",
		"say \"hi\"",
		"back\\slash",
		"q\"b\\s/\n\t\x01",
		"caf\xc3\xa9 \xee\xbc\x81",
		"del\x7f",
		"",
		NULL,
	};
	char longname[600];
	struct rig r;

	(void)state;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const char *nm = names[k] ? names[k] : longname;
		char *t, *want = NULL;
		size_t wlen = 0;
		FILE *f = open_memstream(&want, &wlen);

		assert_non_null(f);
		jsonesc_write(f, nm, strlen(nm), false, false);
		assert_int_equal(fclose(f), 0);
		rig_init(&r);
		(void)util_strlcpy(r.dc[0].name, nm, sizeof(r.dc[0].name));
		(void)util_strlcpy(r.dec[0].reason, nm, sizeof(r.dec[0].reason));
		t = status_format(&r.c, 1, false);
		assert_non_null(t);
		/* jsonesc cuts at its bound: the name as the row holds it */
		if (!names[k]) {
			free(want);
			want = NULL;
			f = open_memstream(&want, &wlen);
			assert_non_null(f);
			jsonesc_write(f, r.dc[0].name, strlen(r.dc[0].name), false, false);
			assert_int_equal(fclose(f), 0);
		}
		char *at = strstr(t, "\"name\":");
		assert_non_null(at);
		assert_memory_equal(at + 7, want, wlen);
		assert_non_null(strstr(t, "\"reason\":"));
		free(want);
		free(t);
	}
}

static void refuse(const char *t)
{
	struct status s;
	char err[256] = "";

	assert_int_equal(status_parse(t, strlen(t), &s, err, sizeof(err)), -EINVAL);
	assert_null(s.rows);
	assert_true(err[0] != '\0');
}

#define ROW(extra)                                                                                \
	"{\"ts_ns\":1,\"cycle\":1,\"interval_s\":1,\"containers\":[{\"id\":\"a\",\"name\":\"n\"," \
	"\"class\":\"low\",\"has_rate\":true,\"cpu_pct\":1,\"mem_kb\":1,\"decision\":\"kept\","   \
	"\"reason\":\"r\"" extra "}]}"

static void test_hostile(void **state)
{
	struct status s;
	char err[256];
	const char *good = ROW(",\"remove_at_ns\":0");

	(void)state;
	assert_int_equal(status_parse(good, strlen(good), &s, err, sizeof(err)), 0);
	status_free(&s);
	refuse("");
	refuse("not json");
	refuse("[]");
	refuse("{\"ts_ns\":1,\"cycle\":1,\"interval_s\":1}");
	refuse("{\"ts_ns\":\"1\",\"cycle\":1,\"interval_s\":1,\"containers\":[]}");
	refuse(ROW("")); /* no remove_at_ns */
	refuse(ROW(",\"remove_at_ns\":\"soon\""));
	refuse(ROW(",\"remove_at_ns\":0,\"remove_at_ns\":1")); /* a duplicate key */
	refuse("{\"ts_ns\":1,\"cycle\":1,\"interval_s\":1,\"containers\":[7]}");
	refuse("{\"ts_ns\":1,\"cycle\":1,\"interval_s\":1,\"containers\":[{\"id\":\"a\",\"name\":"
	       "\"n\",\"class\":\"low\",\"has_rate\":true,\"cpu_pct\":-5,\"mem_kb\":1,"
	       "\"decision\":\"kept\",\"reason\":\"r\",\"remove_at_ns\":0}]}");
}

static void test_control_chars(void **state)
{
	const char *t =
		"{\"ts_ns\":1,\"cycle\":1,\"interval_s\":1,\"containers\":[{\"id\":\"a\","
		"\"name\":\"x\\u001b[2Jy\",\"class\":\"low\",\"has_rate\":true,\"cpu_pct\":1,"
		"\"mem_kb\":1,\"decision\":\"kept\",\"reason\":\"a\\nb\",\"remove_at_ns\":0}]}";
	struct status s;
	char err[256];

	(void)state;
	assert_int_equal(status_parse(t, strlen(t), &s, err, sizeof(err)), 0);
	assert_string_equal(s.rows[0].name, "x?[2Jy");
	assert_string_equal(s.rows[0].reason, "a?b");
	status_free(&s);
}

static void test_sort_filter_removal(void **state)
{
	struct status_row r[5] = {
		{ .name = "b", .cpu_pct = 5, .mem_kb = 10, .cls = "low", .decision = "kept" },
		{ .name = "a",
		  .cpu_pct = 50,
		  .mem_kb = 5,
		  .cls = "high",
		  .decision = "grace",
		  .remove_at_ns = 70 * SEC },
		{ .name = "d", .cpu_pct = 1, .mem_kb = 900, .cls = "low", .decision = "protected" },
		{ .name = "c", .cpu_pct = 9, .mem_kb = 1, .cls = "low", .decision = "removed" },
		{ .name = "e", .cpu_pct = 0, .mem_kb = 2, .cls = "low", .decision = "capped" },
	};
	char buf[32];

	(void)state;
	status_sort(r, 5, STATUS_SORT_CPU);
	assert_string_equal(r[0].name, "a");
	assert_string_equal(r[4].name, "e");
	status_sort(r, 5, STATUS_SORT_MEM);
	assert_string_equal(r[0].name, "d");
	assert_string_equal(r[4].name, "c");
	status_sort(r, 5, STATUS_SORT_NAME);
	assert_string_equal(r[0].name, "a");
	assert_string_equal(r[3].name, "d");
	status_sort(r, 5, STATUS_SORT_REMOVAL); /* gone, grace, capped, kept, protected */
	assert_string_equal(r[0].name, "c");
	assert_string_equal(r[1].name, "a");
	assert_string_equal(r[2].name, "e");
	assert_string_equal(r[3].name, "b");
	assert_string_equal(r[4].name, "d");
	assert_string_equal(status_removal_text(&r[1], 10 * SEC, buf, sizeof(buf)), "60s");
	assert_string_equal(status_removal_text(&r[1], 80 * SEC, buf, sizeof(buf)), "next cycle");
	assert_string_equal(status_removal_text(&r[0], 0, buf, sizeof(buf)), "gone");
	assert_string_equal(status_removal_text(&r[2], 0, buf, sizeof(buf)), "next cycle");
	assert_string_equal(status_removal_text(&r[3], 0, buf, sizeof(buf)), "-");
	assert_string_equal(status_removal_text(&r[4], 0, buf, sizeof(buf)), "never");
	assert_true(status_match(&r[1], "high"));
	assert_true(status_match(&r[1], "grace"));
	assert_false(status_match(&r[0], "high"));
	assert_true(status_match(&r[0], ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_sort_filter_removal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
