/*
 * auth_test.c — unit tests for auth.c and lib/token.c: the listen rule,
 * which requests must show the token, the Bearer check, token files.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "auth.h"
#include "token.h"

static void test_loopback(void **state)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	char err[256];

	(void)state;
	assert_true(auth_addr_is_loopback("127.0.0.1"));
	assert_true(auth_addr_is_loopback("127.3.2.1"));
	assert_true(auth_addr_is_loopback("::1"));
	assert_true(auth_addr_is_loopback("::ffff:127.0.0.1"));
	assert_false(auth_addr_is_loopback("0.0.0.0"));
	assert_false(auth_addr_is_loopback("::"));
	assert_false(auth_addr_is_loopback("10.0.0.1"));
	assert_false(auth_addr_is_loopback("localhost"));
	assert_true(auth_listen_ok("127.0.0.1", false, err, sizeof(err)));
	assert_false(auth_listen_ok("0.0.0.0", false, err, sizeof(err)));
	assert_non_null(strstr(err, "--token-file"));
	assert_true(auth_listen_ok("0.0.0.0", true, err, sizeof(err)));
	inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
	assert_true(auth_sockaddr_is_loopback((struct sockaddr *)&s4));
	inet_pton(AF_INET, "192.0.2.7", &s4.sin_addr);
	assert_false(auth_sockaddr_is_loopback((struct sockaddr *)&s4));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	assert_true(auth_sockaddr_is_loopback((struct sockaddr *)&s6));
	assert_false(auth_sockaddr_is_loopback(NULL));
}

static void test_required(void **state)
{
	struct auth_request post = { "POST", false, true, NULL };
	struct auth_request get_lo = { "GET", false, true, NULL };
	struct auth_request get_far = { "GET", false, false, NULL };
	struct auth_request health_far = { "HEAD", true, false, NULL };

	(void)state;
	assert_false(auth_required(&post, "", false)); /* no token: nothing asked */
	assert_true(auth_required(&post, "t", false)); /* writes always */
	assert_true(auth_required(&post, "t", true));
	assert_false(auth_required(&get_lo, "t", false)); /* reads open on loopback */
	assert_true(auth_required(&get_far, "t", false));
	assert_false(auth_required(&get_far, "t", true)); /* --open-reads */
	assert_false(auth_required(&health_far, "t", false));
}

static void test_bearer(void **state)
{
	(void)state;
	assert_true(auth_bearer_ok("Bearer abc-1", "abc-1"));
	assert_true(auth_bearer_ok("bearer  abc-1", "abc-1"));
	assert_false(auth_bearer_ok("Bearer abc-2", "abc-1"));
	assert_false(auth_bearer_ok("Bearer abc-1x", "abc-1"));
	assert_false(auth_bearer_ok("Bearer abc-", "abc-1"));
	assert_false(auth_bearer_ok("Basic abc-1", "abc-1"));
	assert_false(auth_bearer_ok("abc-1", "abc-1"));
	assert_false(auth_bearer_ok(NULL, "abc-1"));
	assert_false(auth_bearer_ok("Bearer ", "abc-1"));
}

static void test_token_files(void **state)
{
	char dir[] = "/tmp/gestor-auth-test.XXXXXX", path[128], tok[TOKEN_MAX + 1],
	     tok2[TOKEN_MAX + 1], err[256];
	bool created;
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(token_read_file(path, tok, err, sizeof(err)), -ENOENT);
	assert_int_equal(token_create_file(path, -1, -1, &created, err, sizeof(err)), 0);
	assert_true(created);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(token_read_file(path, tok, err, sizeof(err)), 0);
	assert_int_equal(strlen(tok), 64);
	/* an existing file is kept */
	assert_int_equal(token_create_file(path, -1, -1, &created, err, sizeof(err)), 0);
	assert_false(created);
	assert_int_equal(token_read_file(path, tok2, err, sizeof(err)), 0);
	assert_string_equal(tok, tok2);
	assert_true(token_equal(tok, tok2));
	tok2[10] ^= 1;
	assert_false(token_equal(tok, tok2));
	/* bad contents */
	assert_int_equal(token_parse_buf("abc\n\n", 5, tok, err, sizeof(err)), 0);
	assert_string_equal(tok, "abc");
	assert_int_equal(token_parse_buf(" \n", 2, tok, err, sizeof(err)), -EINVAL);
	assert_int_equal(token_parse_buf("a b", 3, tok, err, sizeof(err)), -EINVAL);
	assert_int_equal(token_parse_buf("a\"b", 3, tok, err, sizeof(err)), -EINVAL);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < TOKEN_MAX + 1; i++)
		fputc('a', f);
	fclose(f);
	assert_int_equal(token_read_file(path, tok, err, sizeof(err)), -EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_token_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
