/*
 * www_test.c — unit tests for www.c: which request paths name a dashboard
 * file (and their content types), and that opening refuses what is not a
 * regular file directly in the directory (symbolic links included).
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

#include <cmocka.h>

#include "../www.h"

static void test_name(void **state)
{
	char name[WWW_NAME_MAX + 1];
	const char *type = NULL;

	(void)state;
	assert_true(www_name("/", name, sizeof(name), &type));
	assert_string_equal(name, "index.html");
	assert_string_equal(type, "text/html; charset=utf-8");
	assert_true(www_name("/dygraph.min.js", name, sizeof(name), &type));
	assert_string_equal(name, "dygraph.min.js");
	assert_string_equal(type, "text/javascript; charset=utf-8");
	assert_true(www_name("/dashboard.css", name, sizeof(name), &type));
	assert_string_equal(type, "text/css; charset=utf-8");
	const char *bad[] = {
		"",
		"/.js",
		"/../x.js",
		"/a/b.js",
		"/x.json",
		"/X.js",
		"/.hidden.js",
		"/a..b.js",
		"/x.js/",
		"/index.html~",
		"/%2e%2e/x.js",
		"/x.sh",
		"/x\n.js",
		"/logs",
		"noslash.js",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.js"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(www_name(bad[i], name, sizeof(name), &type));
}

static void test_open(void **state)
{
	char dir[] = "/tmp/gestor-www-test.XXXXXX", path[128];
	uint64_t size = 0;
	int fd = -1;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("<p>hi</p>", f);
	fclose(f);
	assert_int_equal(www_open(dir, "index.html", &fd, &size), 0);
	assert_true(fd >= 0);
	assert_int_equal(size, 9);
	close(fd);
	snprintf(path, sizeof(path), "%s/link.js", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(www_open(dir, "link.js", &fd, &size), -ELOOP);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub.js", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(www_open(dir, "sub.js", &fd, &size), -ENOENT);
	rmdir(path);
	assert_int_equal(www_open(dir, "none.js", &fd, &size), -ENOENT);
	assert_int_equal(www_open("", "index.html", &fd, &size), -ENOENT);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
