/*
 * trust_test.c — unit tests for lib/trust.c on files and directories made
 * here: a root-owned file under root's directories is trusted (symbolic
 * links resolved), one owned by another user, or under a directory another
 * user owns or may write, is refused with the path and why; a sticky
 * directory above the file (/tmp) is accepted, the file's own sticky bit
 * is not; the private directory is made 0700 and refused with another
 * owner, mode or type. The ownership cases need root (skipped otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "trust.h"
#include "util.h"

#define NOBODY 65534

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/gestor-trust-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(tmpdir);
}

/* tmpdir/name, made as a file (mode) or, with dir, a directory */
static void make(char *out, size_t cap, const char *name, bool dir, mode_t mode)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
	if (dir) {
		assert_int_equal(mkdir(out, 0700), 0);
	} else {
		int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(chmod(out, mode), 0);
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void test_root_file_trusted(void **state)
{
	char f[PATH_MAX], res[PATH_MAX], want[PATH_MAX], err[512] = "";

	(void)state;
	need_root();
	make(f, sizeof(f), "ok.sh", false, 0755);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), 0);
	assert_non_null(realpath(f, want));
	assert_string_equal(res, want);
}

static void test_link_resolved(void **state)
{
	char f[PATH_MAX], l[PATH_MAX], res[PATH_MAX], err[512] = "";

	(void)state;
	need_root();
	make(f, sizeof(f), "target.sh", false, 0755);
	snprintf(l, sizeof(l), "%s/link.sh", tmpdir);
	assert_int_equal(symlink(f, l), 0);
	assert_int_equal(trust_check_path(l, res, err, sizeof(err)), 0);
	/* what runs is the target, not the link */
	assert_non_null(strstr(res, "/target.sh"));
}

static void test_missing_refused(void **state)
{
	char f[PATH_MAX], res[PATH_MAX], err[512] = "";

	(void)state;
	snprintf(f, sizeof(f), "%s/none.sh", tmpdir);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none.sh"));
}

static void test_user_file_refused(void **state)
{
	char f[PATH_MAX], res[PATH_MAX], err[512] = "";

	(void)state;
	need_root();
	make(f, sizeof(f), "users.sh", false, 0755);
	assert_int_equal(chown(f, NOBODY, NOBODY), 0);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "is owned by uid 65534, not root"));
	assert_non_null(strstr(err, "users.sh"));
}

static void test_user_dir_refused(void **state)
{
	char d[PATH_MAX], f[PATH_MAX + 16], res[PATH_MAX], err[1024] = "";
	int fd;

	(void)state;
	need_root();
	make(d, sizeof(d), "userdir", true, 0755);
	snprintf(f, sizeof(f), "%s/x.sh", d);
	fd = open(f, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chown(d, NOBODY, NOBODY), 0);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), -EPERM);
	/* the directory is named, not only the file */
	assert_non_null(strstr(err, "userdir is owned by uid 65534"));
}

static void test_writable_refused(void **state)
{
	char d[PATH_MAX], f[PATH_MAX + 16], res[PATH_MAX], err[1024] = "";
	int fd;

	(void)state;
	need_root();
	/* a group-writable directory above the file */
	make(d, sizeof(d), "gw", true, 0775);
	snprintf(f, sizeof(f), "%s/x.sh", d);
	fd = open(f, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "gw is group- or world-writable (mode 775"));
	/* a world-writable file itself */
	make(f, sizeof(f), "ww.sh", false, 0757);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "ww.sh is group- or world-writable (mode 757"));
}

static void test_sticky_above_only(void **state)
{
	char d[PATH_MAX], f[PATH_MAX + 16], res[PATH_MAX], err[1024] = "";
	int fd;

	(void)state;
	need_root();
	/* root's sticky world-writable directory above the file: accepted */
	make(d, sizeof(d), "sticky", true, 01777);
	snprintf(f, sizeof(f), "%s/x.sh", d);
	fd = open(f, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(trust_check_path(f, res, err, sizeof(err)), 0);
	/* the sticky directory itself as what would run: refused */
	assert_int_equal(trust_check_path(d, res, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "mode 1777"));
}

static void test_private_dir(void **state)
{
	char d[PATH_MAX], err[512] = "";
	struct stat st;

	(void)state;
	need_root();
	snprintf(d, sizeof(d), "%s/run", tmpdir);
	/* made with mode 0700 whatever the umask */
	assert_int_equal(trust_private_dir(d, err, sizeof(err)), 0);
	assert_int_equal(lstat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* existing and right: accepted again */
	assert_int_equal(trust_private_dir(d, err, sizeof(err)), 0);
	/* another mode */
	assert_int_equal(chmod(d, 0755), 0);
	assert_int_equal(trust_private_dir(d, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "with mode 755"));
	/* another owner */
	assert_int_equal(chmod(d, 0700), 0);
	assert_int_equal(chown(d, NOBODY, NOBODY), 0);
	assert_int_equal(trust_private_dir(d, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid 65534"));
}

static void test_private_dir_not_dir(void **state)
{
	char f[PATH_MAX], l[PATH_MAX], d[PATH_MAX], err[512] = "";

	(void)state;
	/* a file in its place */
	make(f, sizeof(f), "afile", false, 0600);
	assert_int_equal(trust_private_dir(f, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "not a directory"));
	/* a symbolic link to a good directory in its place */
	make(d, sizeof(d), "gooddir", true, 0700);
	snprintf(l, sizeof(l), "%s/dirlink", tmpdir);
	assert_int_equal(symlink(d, l), 0);
	assert_int_equal(trust_private_dir(l, err, sizeof(err)), -ENOTDIR);
	/* its parent missing: cannot be made */
	snprintf(d, sizeof(d), "%s/no/such", tmpdir);
	assert_int_equal(trust_private_dir(d, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot create"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_file_trusted),
		cmocka_unit_test(test_link_resolved),
		cmocka_unit_test(test_missing_refused),
		cmocka_unit_test(test_user_file_refused),
		cmocka_unit_test(test_user_dir_refused),
		cmocka_unit_test(test_writable_refused),
		cmocka_unit_test(test_sticky_above_only),
		cmocka_unit_test(test_private_dir),
		cmocka_unit_test(test_private_dir_not_dir),
	};
	return cmocka_run_group_tests_name("lib_trust", tests, setup, teardown);
}
