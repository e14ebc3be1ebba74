/*
 * store_redact_test.c — unit tests for store_redact and store_has_password
 * (store.c): the password of a database URL's user:password@, and every
 * password= of a URL's query or a key=value conninfo string, become "***"
 * in what is logged; nothing else changes, a password= inside another
 * word is not one, and the result is cut to the buffer it is given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store.h"

static void expect_redacted(const char *where, const char *shown, bool has)
{
	char out[256];

	store_redact(where, out, sizeof(out));
	assert_string_equal(out, shown);
	assert_int_equal(store_has_password(where), has);
}

static void test_urls(void **state)
{
	(void)state;
	expect_redacted("postgresql://gestor:s3cret@db.example:5432/logs",
			"postgresql://gestor:***@db.example:5432/logs", true);
	expect_redacted("postgres://u:p%40ss@h/db?sslmode=verify-full",
			"postgres://u:***@h/db?sslmode=verify-full", true);
	/* the last '@' of the authority ends the password; a '@' after the path does not count */
	expect_redacted("postgresql://u:a@b@h/db", "postgresql://u:***@h/db", true);
	expect_redacted("postgresql://u@h/db?application_name=x@y",
			"postgresql://u@h/db?application_name=x@y", false);
	expect_redacted("postgresql://u@h/db?password=hunter2&sslmode=require",
			"postgresql://u@h/db?password=***&sslmode=require", true);
}

static void test_conninfo(void **state)
{
	char out[256];

	(void)state;
	store_redact("host=db user=u password=hunter2 dbname=logs", out, sizeof(out));
	assert_string_equal(out, "host=db user=u password=*** dbname=logs");
	assert_true(store_has_password("password=x"));
	store_redact("password=x", out, sizeof(out));
	assert_string_equal(out, "password=***");
	/* two of them: both hidden */
	store_redact("password=a host=h password=b", out, sizeof(out));
	assert_string_equal(out, "password=*** host=h password=***");
	/* part of another key: not a password */
	store_redact("host=h old_password=keep", out, sizeof(out));
	assert_string_equal(out, "host=h old_password=keep");
	assert_false(store_has_password("host=h old_password=keep"));
	/* an empty value hides nothing and is not a password */
	assert_false(store_has_password("host=h password="));
}

static void test_plain_paths(void **state)
{
	(void)state;
	expect_redacted("/var/lib/gestor/admin_logs/logs.db", "/var/lib/gestor/admin_logs/logs.db",
			false);
	expect_redacted("", "", false);
}

/* The result is cut to the buffer, "***" included, and always ends. */
static void test_cut(void **state)
{
	char out[24];

	(void)state;
	store_redact("postgresql://u:secret@host/db", out, 18);
	assert_string_equal(out, "postgresql://u:**");
	store_redact("postgresql://u:secret@host/db", out, 1);
	assert_string_equal(out, "");
	out[0] = 'x';
	store_redact("postgresql://u:secret@host/db", out, 0); /* nothing written */
	assert_int_equal(out[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_conninfo),
		cmocka_unit_test(test_plain_paths),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests_name("store_redact", tests, NULL, NULL);
}
