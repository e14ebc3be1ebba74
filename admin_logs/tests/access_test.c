/*
 * access_test.c — unit tests for access.c: hostile bytes cleaned, one
 * line per entry even when cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"

static void test_clean(void **state)
{
	char out[16];

	(void)state;
	access_clean(out, "/a\nb\x1b[31m\xc3\xa9", sizeof(out));
	assert_string_equal(out, "/a?b?[31m??");
	access_clean(out, "0123456789abcdefghij", sizeof(out));
	assert_int_equal(strlen(out), 15);
	access_clean(out, NULL, sizeof(out));
	assert_string_equal(out, "");
}

static void test_format(void **state)
{
	struct access_entry e = { .ts_ns = 1764340200123456789ull,
				  .client = "127.0.0.1",
				  .method = "POST",
				  .path = "/logs",
				  .status = 201,
				  .bytes_in = 812,
				  .bytes_out = 41,
				  .duration_us = 930 };
	char buf[256];
	size_t n;

	(void)state;
	n = access_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "2025-11-28T14:30:00.123Z 127.0.0.1 POST /logs 201 in=812 out=41 "
				 "us=930\n");
	assert_int_equal(n, strlen(buf));
	n = access_format(&e, buf, 40);
	assert_int_equal(n, 39);
	assert_int_equal(buf[38], '\n');
	assert_null(memchr(buf, '\n', 38));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
