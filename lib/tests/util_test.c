/*
 * util_test.c — unit tests for lib/util.c: bounded reads, strict number
 * parsing at the edges of its ranges, complete writes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "util.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/gestor-util-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(tmpdir);
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, data, len), 0);
	close(fd);
}

static void test_read_file_at_bounded(void **state)
{
	char buf[8];
	int dfd;

	(void)state;
	write_file("f", "0123456789", 10);
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(util_read_file_at(dfd, "f", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0123456");
	assert_int_equal(util_read_file_at(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(util_read_file_at(dfd, "f", buf, 0), -EINVAL);
	close(dfd);
}

static void test_rm_tree(void **state)
{
	char top[128], path[192], outside[128];
	int fd;

	(void)state;
	snprintf(top, sizeof(top), "%s/tree", tmpdir);
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	write_file("outside", "keep", 4);
	assert_int_equal(mkdir(top, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub", top);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/f", top);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/link", top);
	assert_int_equal(symlink(outside, path), 0);
	assert_int_equal(util_rm_tree(top), 0);
	assert_int_equal(access(top, F_OK), -1);
	assert_int_equal(access(outside, F_OK), 0); /* links are not followed */
	assert_int_equal(util_rm_tree(top), 0); /* missing is fine */
}

static void test_mkdir_p(void **state)
{
	char path[192], file[192];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
	assert_int_equal(util_mkdir_p(path, 0750), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777 & ~(mode_t)0022, 0750 & ~(mode_t)0022);
	assert_int_equal(util_mkdir_p(path, 0750), 0); /* there already */
	write_file("plain", "x", 1);
	snprintf(file, sizeof(file), "%s/plain/sub", tmpdir);
	assert_int_equal(util_mkdir_p(file, 0750), -ENOTDIR);
	assert_int_equal(util_mkdir_p("", 0750), -EINVAL);
}

static void test_read_once_at(void **state)
{
	char buf[8];
	int dfd;

	(void)state;
	write_file("g", "abc\n", 4);
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(util_read_once_at(dfd, "g", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "abc\n");
	write_file("h", "0123456789", 10);
	assert_int_equal(util_read_once_at(dfd, "h", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "0123456");
	assert_int_equal(util_read_once_at(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "");
	assert_int_equal(util_read_once_at(dfd, "g", buf, 0), -EINVAL);
	close(dfd);
}

static void test_slurp_limits(void **state)
{
	char path[128], *out = NULL;
	size_t len = 0;
	char big[10000];

	(void)state;
	memset(big, 'x', sizeof(big));
	write_file("big", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/big", tmpdir);
	assert_int_equal(util_slurp(path, sizeof(big), &out, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_int_equal(strlen(out), sizeof(big));
	free(out);
	out = NULL;
	assert_int_equal(util_slurp(path, sizeof(big) - 1, &out, &len), -EFBIG);
	assert_null(out);
	write_file("empty", "", 0);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	assert_int_equal(util_slurp(path, 100, &out, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_parse_i64(void **state)
{
	int64_t v;
	const char *end;

	(void)state;
	assert_int_equal(util_parse_i64("  42 rest", &end, 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_string_equal(end, " rest");
	assert_int_equal(util_parse_i64("-5", NULL, -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(util_parse_i64("101", NULL, 0, 100, &v), -ERANGE);
	assert_int_equal(util_parse_i64("99999999999999999999", NULL, INT64_MIN, INT64_MAX, &v),
			 -ERANGE);
	assert_int_equal(util_parse_i64("x1", NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(util_parse_i64("", NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(util_parse_i64("-", NULL, -1, 100, &v), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(util_parse_u64("18446744073709551615", NULL, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(util_parse_u64("18446744073709551616", NULL, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(util_parse_u64("-1", NULL, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(util_parse_u64("7", NULL, 6, &v), -ERANGE);
}

static void test_parse_double(void **state)
{
	double v;

	(void)state;
	assert_int_equal(util_parse_double("12.5\n", 0, 100, &v), 0);
	assert_true(v == 12.5);
	assert_int_equal(util_parse_double("12.5x", 0, 100, &v), -EINVAL);
	assert_int_equal(util_parse_double("nan", 0, 100, &v), -ERANGE);
	assert_int_equal(util_parse_double("1e400", 0, 1e300, &v), -ERANGE);
	assert_int_equal(util_parse_double("", 0, 1, &v), -EINVAL);
}

static void test_strlcpy_and_hex(void **state)
{
	char b[4];

	(void)state;
	assert_true(util_strlcpy(b, "abc", sizeof(b)));
	assert_false(util_strlcpy(b, "abcd", sizeof(b)));
	assert_string_equal(b, "abc");
	assert_true(util_is_hex("00ff", 4));
	assert_false(util_is_hex("00fF", 4));
	assert_false(util_is_hex("00ff0", 4));
}

static void test_clocks_move(void **state)
{
	uint64_t a, b;

	(void)state;
	a = util_mono_ns();
	b = util_mono_ns();
	assert_true(b >= a);
	assert_true(util_real_ns() > 1600000000ull * 1000000000ull);
	assert_true(util_boot_ns() > 0);
}

/* The entries of tmpdir/sub whose names start with '.' (temporary files). */
static int dot_files(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		     strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* util_write_atomic: all or nothing, the mode asked, no temporary left. */
static void test_write_atomic(void **state)
{
	char dir[128], path[160], tmp[200], *txt;
	struct stat st;
	size_t len;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/atomic", tmpdir);
	assert_int_equal(util_mkdir_p(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(util_write_atomic(path, "first\n", 6, 0640, UTIL_ATOMIC_DURABLE), 0);
	assert_int_equal(util_slurp(path, 64, &txt, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(txt, "first\n", 6);
	free(txt);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* replaced whole; a stale temporary of this pid (a crashed
	 * predecessor's) is no obstacle */
	snprintf(tmp, sizeof(tmp), "%s/.f.%d.tmp", dir, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(util_write_atomic(path, "2", 1, 0644, 0), 0);
	assert_int_equal(util_slurp(path, 64, &txt, &len), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(txt, "2", 1);
	free(txt);
	assert_int_equal(dot_files(dir), 0);
	/* a failed rename (onto a directory) leaves the target and no temporary */
	snprintf(tmp, sizeof(tmp), "%s/d", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(util_write_atomic(tmp, "x", 1, 0644, UTIL_ATOMIC_DURABLE), -EISDIR);
	assert_int_equal(stat(tmp, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(dot_files(dir), 0);
	/* no directory: the open's error */
	snprintf(tmp, sizeof(tmp), "%s/none/f", dir);
	assert_int_equal(util_write_atomic(tmp, "x", 1, 0644, 0), -ENOENT);
	/* a name is needed */
	snprintf(tmp, sizeof(tmp), "%s/", dir);
	assert_int_equal(util_write_atomic(tmp, "x", 1, 0644, 0), -EINVAL);
	/* a relative name lands in the working directory's */
	assert_int_equal(util_fsync_dir_of("relative"), 0);
	assert_int_equal(util_fsync_dir_of("/none/such/dir/f"), -ENOENT);
}

/* util_body_add: pieces appended and terminated, past 4096 bytes too (the
 * buffer grows), up to the bound exactly; a piece over it is left out and
 * marks the body over, a later one that fits still goes in. */
static void test_body_add(void **state)
{
	struct util_body b = { 0 };
	char big[5000];

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(util_body_add(&b, "ab", 2, 8000), 0);
	assert_string_equal(b.data, "ab");
	assert_int_equal(util_body_add(&b, big, sizeof(big), 8000), 0);
	assert_int_equal(b.len, 5002);
	assert_int_equal(strlen(b.data), 5002);
	assert_int_equal(b.data[4000], 'x');
	assert_false(b.over);
	assert_int_equal(util_body_add(&b, big, 2999, 8000), -EFBIG); /* 8001 bytes */
	assert_true(b.over);
	assert_int_equal(b.len, 5002);
	assert_int_equal(util_body_add(&b, big, 2998, 8000), 0); /* 8000: the bound itself */
	assert_int_equal(b.len, 8000);
	assert_int_equal(b.data[8000], '\0');
	assert_int_equal(util_body_add(&b, "", 0, 8000), 0);
	assert_int_equal(util_body_add(&b, "y", 1, 8000), -EFBIG);
	assert_int_equal(util_body_add(&b, "y", 1, SIZE_MAX), 0); /* no overflow at the top */
	assert_int_equal(b.len, 8001);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file_at_bounded),
		cmocka_unit_test(test_rm_tree),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_read_once_at),
		cmocka_unit_test(test_slurp_limits),
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_strlcpy_and_hex),
		cmocka_unit_test(test_clocks_move),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_body_add),
	};
	return cmocka_run_group_tests_name("lib_util", tests, setup, teardown);
}
