/*
 * table_test.c — unit tests for table.c on hand-made cycle records: the
 * columns, the counts in the title line, the hidden-containers line, no
 * escape codes without colour, and a hostile container name that cannot
 * break the layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../table.h"

#define MAXR 12

/* a cycle of up to MAXR container records */
struct tab {
	struct docker_container dc[MAXR];
	struct ctr_stat st[MAXR];
	struct cycle_row rows[MAXR];
	struct policy_decision dec[MAXR];
	struct cycle c;
};

static struct tab *tab_new(void)
{
	struct tab *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->c.rows = t->rows;
	t->c.dec = t->dec;
	return t;
}

/* A record: its name, id and measurement (a rate when has_rate). */
static struct cycle_row *add(struct tab *t, const char *name, const char *id, bool has_rate,
			     double cpu, uint64_t mem_kb)
{
	size_t i = t->c.nrows++;

	snprintf(t->dc[i].name, sizeof(t->dc[i].name), "%s", name);
	snprintf(t->dc[i].id, sizeof(t->dc[i].id), "%s", id);
	t->st[i] = (struct ctr_stat){ .has_cpu = has_rate, .cpu_pct = cpu, .mem_kb = mem_kb };
	t->rows[i].dc = &t->dc[i];
	t->rows[i].st = &t->st[i];
	return &t->rows[i];
}

/* Record r decided: class cls, action a (in decision order). */
static void decided(struct tab *t, struct cycle_row *r, enum policy_class cls, enum cycle_action a)
{
	struct policy_decision *d = &t->dec[t->c.ndec++];

	d->idx = (size_t)(r - t->rows);
	d->cls = cls;
	r->dec = d;
	r->action = a;
	r->pc.managed = true;
}

static void render(const struct cycle *c, bool colour, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");

	assert_non_null(f);
	table_print(f, "cycle 1", c, colour);
	fclose(f);
}

static void test_plain(void **state)
{
	char buf[4096];
	struct tab *t = tab_new();
	struct cycle_row *a;

	(void)state;
	decided(t, add(t, "gestor-high-cpu-1", "0123456789abcdef", true, 98.25, 324), POLICY_HIGH,
		CYCLE_KEPT);
	decided(t, add(t, "gestor-low-2", "fedcba9876543210", true, 0.0, 2048), POLICY_LOW,
		CYCLE_REMOVED);
	a = add(t, "gestor-admin_logs", "aaaaaaaaaaaaaaaa", false, 0, 6 * 1024 * 1024);
	a->pc.admin_logs = true;
	a->note = "admin_logs (never touched)";
	for (int i = 0; i < 7; i++) /* not managed: counted, not shown */
		add(t, "stranger", "bbbbbbbbbbbbbbbb", true, 1, 1);
	render(&t->c, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cycle 1  (2 managed, 1 kept, 1 removed)"));
	assert_non_null(strstr(buf, "CONTAINER"));
	assert_non_null(strstr(buf, "98.2"));
	assert_non_null(strstr(buf, "0123456789ab ")); /* id cut to 12 */
	assert_null(strstr(buf, "0123456789abc"));
	assert_non_null(strstr(buf, "2.0M"));
	assert_non_null(strstr(buf, "6.0G"));
	assert_non_null(strstr(buf, "admin_logs (never touched)"));
	assert_null(strstr(buf, "stranger"));
	assert_non_null(strstr(buf, "+7 other containers"));
	assert_null(strchr(buf, '\033'));
	/* 1 title + 1 header + 3 rows + 1 hidden line */
	size_t lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	free(t);
}

static void test_colour_and_hostile_name(void **state)
{
	char buf[4096];
	struct tab *t = tab_new();

	(void)state;
	decided(t, add(t, "evil\nname\033[2J", "1", true, 0, 1), POLICY_LOW, CYCLE_WOULD_REMOVE);
	render(&t->c, true, buf, sizeof(buf));
	assert_non_null(strchr(buf, '\033'));
	assert_non_null(strstr(buf, "evil?name?[2J"));
	assert_non_null(strstr(buf, "would_remove"));
	assert_null(strstr(buf, "other containers"));
	render(&t->c, false, buf, sizeof(buf));
	assert_null(strchr(buf, '\033'));
	free(t);
}

static void test_fmt_mem(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(table_fmt_mem(0, b, sizeof(b)), "0K");
	assert_string_equal(table_fmt_mem(1023, b, sizeof(b)), "1023K");
	assert_string_equal(table_fmt_mem(1024, b, sizeof(b)), "1.0M");
	assert_string_equal(table_fmt_mem(262144 + 512, b, sizeof(b)), "256.5M");
	assert_string_equal(table_fmt_mem(3u << 20, b, sizeof(b)), "3.0G");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_colour_and_hostile_name),
		cmocka_unit_test(test_fmt_mem),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
