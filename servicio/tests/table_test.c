/*
 * table_test.c — unit tests for table.c: the columns, the counts in the
 * title line, the hidden-containers line, no escape codes without colour,
 * and a hostile container name that cannot break the layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../table.h"

static void render(const struct table_row *rows, size_t n, size_t hidden, bool colour, char *buf,
		   size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");

	assert_non_null(f);
	table_print(f, "cycle 1", rows, n, hidden, colour);
	fclose(f);
}

static void test_plain(void **state)
{
	char buf[4096];
	struct table_row rows[] = {
		{ "gestor-high-cpu-1", "0123456789abcdef", "high", true, 98.25, 324, "kept" },
		{ "gestor-low-2", "fedcba9876543210", "low", true, 0.0, 2048, "removed" },
		{ "gestor-admin_logs", "aaaaaaaaaaaaaaaa", "-", false, 0, 6 * 1024 * 1024,
		  "admin_logs (never touched)" },
	};

	(void)state;
	render(rows, 3, 7, false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "cycle 1  (2 managed, 1 kept, 1 removed)"));
	assert_non_null(strstr(buf, "CONTAINER"));
	assert_non_null(strstr(buf, "98.2"));
	assert_non_null(strstr(buf, "0123456789ab ")); /* id cut to 12 */
	assert_null(strstr(buf, "0123456789abc"));
	assert_non_null(strstr(buf, "2.0M"));
	assert_non_null(strstr(buf, "6.0G"));
	assert_non_null(strstr(buf, "+7 other containers"));
	assert_null(strchr(buf, '\033'));
	/* 1 title + 1 header + 3 rows + 1 hidden line */
	size_t lines = 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
}

static void test_colour_and_hostile_name(void **state)
{
	char buf[4096];
	struct table_row rows[] = {
		{ "evil\nname\033[2J", "1", "low", true, 0, 1, "would_remove" },
	};

	(void)state;
	render(rows, 1, 0, true, buf, sizeof(buf));
	assert_non_null(strchr(buf, '\033'));
	assert_non_null(strstr(buf, "evil?name?[2J"));
	assert_null(strstr(buf, "other containers"));
	render(rows, 1, 0, false, buf, sizeof(buf));
	assert_null(strchr(buf, '\033'));
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
