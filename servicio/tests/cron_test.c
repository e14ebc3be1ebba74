/*
 * cron_test.c — running the cron script (cron.c) with scripts made here,
 * never the real scripts/cron.sh (no crontab is touched): install runs
 * "SCRIPT install" and marks the job installed, remove runs "SCRIPT remove"
 * only then; a script that fails, or is missing, leaves the job not
 * installed; run as root, a script in a directory others can write to is
 * refused and not run (lib/trust.h); with the privileged parent's socket
 * (cron_use_helper) the install is reported to it and the removal is its
 * to do: the job counts as removed only when it answers '0'.
 */
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../cron.h"
#include "util.h"

static char dir[128]; /* root's 0755 directory when run as root */

/* a script that appends its argument to dir/calls and exits with rc */
static void script(const char *path, int rc)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$1\" >>'%s/calls'\necho \"line for the log: $1\"\nexit %d\n",
		dir, rc);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* dir/calls, "" when absent */
static void calls(char *out, size_t cap)
{
	char path[256], *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/calls", dir);
	out[0] = '\0';
	if (util_slurp(path, 4096, &buf, &len) == 0) {
		util_strlcpy(out, buf, cap);
		free(buf);
	}
}

static int setup(void **state)
{
	(void)state;
	/* as root the script's directories must be root's and not writable
	 * by others: not under /tmp (world-writable) */
	snprintf(dir, sizeof(dir), "%s",
		 geteuid() == 0 ? "/run/gestor-cron-test-XXXXXX" : "/tmp/gestor-cron-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_install_remove(void **state)
{
	struct cron c = { 0 };
	char path[256], got[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/ok.sh", dir);
	script(path, 0);
	unlink(strcat(strcpy(got, dir), "/calls"));
	cron_remove(&c); /* not installed: nothing runs */
	calls(got, sizeof(got));
	assert_string_equal(got, "");
	cron_install(&c, path);
	assert_true(c.installed);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\n");
	cron_remove(&c);
	assert_false(c.installed);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\nremove\n");
	cron_remove(&c); /* once only */
	calls(got, sizeof(got));
	assert_string_equal(got, "install\nremove\n");
}

static void test_failing(void **state)
{
	struct cron c = { 0 };
	char path[256], got[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/fails.sh", dir);
	script(path, 3);
	unlink(strcat(strcpy(got, dir), "/calls"));
	cron_install(&c, path);
	assert_false(c.installed);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\n"); /* it ran, and failed */
	cron_remove(&c);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\n");
}

static void test_missing(void **state)
{
	struct cron c = { 0 };
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such.sh", dir);
	cron_install(&c, path);
	assert_false(c.installed);
	snprintf(path, sizeof(path), "%s/not-exec.sh", dir);
	script(path, 0);
	assert_int_equal(chmod(path, 0644), 0);
	cron_install(&c, path);
	assert_false(c.installed);
}

/* root: a script under a directory others can write to is not run */
static void test_untrusted(void **state)
{
	struct cron c = { 0 };
	char sub[256], path[300], got[256];

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: the trust check applies to root only\n");
		skip();
	}
	snprintf(sub, sizeof(sub), "%s/open", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	snprintf(path, sizeof(path), "%s/evil.sh", sub);
	script(path, 0);
	unlink(strcat(strcpy(got, dir), "/calls"));
	cron_install(&c, path);
	assert_false(c.installed);
	assert_string_equal(c.script, "");
	calls(got, sizeof(got));
	assert_string_equal(got, ""); /* never ran */
}

/* The privileged parent's end of the protocol (privs.h): 'I' after an
 * install; 'R' asks it to remove the job, answered '0' (done) or else. */
static void test_helper(void **state)
{
	struct cron c = { 0 };
	char path[256], got[256], m = 0;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	snprintf(path, sizeof(path), "%s/ok.sh", dir);
	script(path, 0);
	unlink(strcat(strcpy(got, dir), "/calls"));
	cron_use_helper(sv[0]);
	cron_install(&c, path);
	assert_true(c.installed);
	assert_int_equal(read(sv[1], &m, 1), 1);
	assert_int_equal(m, 'I');
	/* the parent could not remove it: still installed */
	assert_int_equal(write(sv[1], "1", 1), 1);
	cron_remove(&c);
	assert_int_equal(read(sv[1], &m, 1), 1);
	assert_int_equal(m, 'R');
	assert_true(c.installed);
	/* it could: removed, and the script did not run here */
	assert_int_equal(write(sv[1], "0", 1), 1);
	cron_remove(&c);
	assert_int_equal(read(sv[1], &m, 1), 1);
	assert_int_equal(m, 'R');
	assert_false(c.installed);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\n");
	/* the parent gone: the install stands (the job is left at the stop,
	 * said in the log) and the removal is not counted */
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	cron_install(&c, path);
	assert_true(c.installed);
	cron_remove(&c);
	assert_true(c.installed);
	signal(SIGPIPE, SIG_DFL);
	cron_use_helper(-1);
	close(sv[0]);
	cron_remove(&c); /* here again: the script removes it */
	assert_false(c.installed);
	calls(got, sizeof(got));
	assert_string_equal(got, "install\ninstall\nremove\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_remove), cmocka_unit_test(test_failing),
		cmocka_unit_test(test_missing),	       cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_helper),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
