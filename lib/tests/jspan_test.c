/*
 * jspan_test.c — unit tests for jspan.c: the ranges of the records in
 * bodies of both shapes, the shapes it must refuse (so the caller
 * serialises instead), and every prefix of a body scanned from a buffer of
 * exactly that size, so AddressSanitizer sees any read past the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jspan.h"

static int spans(const char *s, struct jspan *out, size_t n)
{
	return jspan_records(s, strlen(s), out, n);
}

static void expect_span(const char *s, const struct jspan *sp, const char *want)
{
	assert_int_equal(sp->len, strlen(want));
	assert_memory_equal(s + sp->off, want, sp->len);
}

static void test_shapes(void **state)
{
	static const char obj[] = "{\"a\":[1,{\"records\":[9]}],\"s\":\"\\\\\",\"records\":"
				  "[ {\"k\":\"]\\\"}\"} , [1,[2]],\"x\",-1.5e3 ,true,null ]}";
	static const char arr[] = " \n[{\"t\":1},\t{\"t\":{\"u\":[]}}]\n";
	struct jspan sp[6];

	(void)state;
	assert_int_equal(spans(obj, sp, 6), 0);
	expect_span(obj, &sp[0], "{\"k\":\"]\\\"}\"}");
	expect_span(obj, &sp[1], "[1,[2]]");
	expect_span(obj, &sp[2], "\"x\"");
	expect_span(obj, &sp[3], "-1.5e3");
	expect_span(obj, &sp[4], "true");
	expect_span(obj, &sp[5], "null");
	assert_int_equal(spans(arr, sp, 2), 0);
	expect_span(arr, &sp[0], "{\"t\":1}");
	expect_span(arr, &sp[1], "{\"t\":{\"u\":[]}}");
}

static void test_refused(void **state)
{
	struct jspan sp[4];

	(void)state;
	assert_int_equal(spans("[1,2,3]", sp, 2), -EINVAL); /* more than expected */
	assert_int_equal(spans("[1,2]", sp, 3), -EINVAL); /* fewer */
	assert_int_equal(spans("{\"batch_id\":\"b\"}", sp, 1), -EINVAL); /* no records */
	assert_int_equal(spans("{\"rec\\u006frds\":[1]}", sp, 1), -EINVAL); /* escaped key */
	assert_int_equal(spans("{\"x\":{\"records\":[1]}}", sp, 1), -EINVAL); /* nested only */
	assert_int_equal(spans("{\"records\":{\"a\":1}}", sp, 1), -EINVAL); /* not an array */
	assert_int_equal(spans("\"records\"", sp, 1), -EINVAL);
	assert_int_equal(spans("", sp, 1), -EINVAL);
	assert_int_equal(spans("[]", sp, 0), 0);
}

/* No prefix of a body, nor any body with a byte changed, reads out of bounds. */
static void test_bounds(void **state)
{
	static const char body[] = "{\"batch_id\":\"b\",\"h\":\"\\\\\\\"\",\"records\":"
				   "[{\"a\":[\"]\",{\"b\":\"\\\"\"}]},2,\"s\\\\\"]}";
	size_t n = strlen(body);
	struct jspan sp[3], cut[3];

	(void)state;
	assert_int_equal(jspan_records(body, n, sp, 3), 0);
	for (size_t len = 0; len <= n; len++) {
		char *copy = malloc(len ? len : 1);

		assert_non_null(copy);
		memcpy(copy, body, len);
		/* a prefix is refused unless the whole records array is in it */
		if (jspan_records(copy, len, cut, 3) == 0)
			assert_memory_equal(cut, sp, sizeof(sp));
		else
			assert_true(len < sp[2].off + sp[2].len + 1);
		for (size_t i = 0; i < len; i++) {
			char keep = copy[i];
			static const char bytes[] = "\"\\[]{},: x";

			for (const char *b = bytes; *b; b++) {
				copy[i] = *b;
				if (jspan_records(copy, len, cut, 3) == 0)
					for (int k = 0; k < 3; k++)
						assert_true(cut[k].off + cut[k].len <= len);
			}
			copy[i] = keep;
		}
		free(copy);
	}
}

/* jspan_array(): a top-level array only, counted and split; junk refused. */
static void test_array(void **state)
{
	static const char arr[] =
		" [ {\"Id\":\"a\",\"L\":{\"k\":\"]}[\\\"\"}} ,\n{\"Id\":\"b\"},3 ]\n";
	struct jspan sp[3];
	size_t n;

	(void)state;
	assert_int_equal(jspan_array(arr, strlen(arr), NULL, 0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(jspan_array(arr, strlen(arr), sp, 3, &n), 0);
	expect_span(arr, &sp[0], "{\"Id\":\"a\",\"L\":{\"k\":\"]}[\\\"\"}}");
	expect_span(arr, &sp[1], "{\"Id\":\"b\"}");
	expect_span(arr, &sp[2], "3");
	assert_int_equal(jspan_array(arr, strlen(arr), sp, 2, &n), -EINVAL); /* room for 2 */
	assert_int_equal(jspan_array("[]", 2, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	static const char *const bad[] = {
		"[1,]", "[,1]", "[1 2]", "[1,,2]", "[1] x", "{\"a\":[1]}", "[1", "", "[\"]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(jspan_array(bad[i], strlen(bad[i]), NULL, 0, &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
