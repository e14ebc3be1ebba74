/*
 * privs_test.c — the privilege separation (privs.c) with fakes at its
 * seams: the privileged parent's loop (privs_serve) against a forked fake
 * child speaking the one-byte protocol, with a cron script made here that
 * records its calls (never scripts/cron.sh: no crontab is touched); the
 * split and the drop in a forked process (the split's parent exits with the
 * dropped child's status), which then reports what /proc/self/status says.
 * The drop goes to the system user nobody (present on Debian), never a
 * user made here: the missing-user case uses a name useradd refuses. Needs
 * root for the split and the drop (skipped otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../cron.h"
#include "../privs.h"
#include "util.h"

#define NOBODY "nobody"

static char dir[128]; /* root's 0700 directory (run as root: under /run) */
static char scr[256]; /* dir/cron.sh: appends its argument to dir/calls */

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s",
		 geteuid() == 0 ? "/run/gestor-privs-test-XXXXXX"
				: "/tmp/gestor-privs-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(scr, sizeof(scr), "%s/cron.sh", dir);
	f = fopen(scr, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\necho \"$1\" >>'%s/calls'\n", dir);
	fclose(f);
	return chmod(scr, 0755);
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(dir);
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* dir/calls as one string ("" when absent); the file is removed */
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
	unlink(path);
}

static void test_caps_for(void **state)
{
	char out[64] = "x";

	(void)state;
	/* the measured table (docs/servicio.md): no source keeps a capability */
	privs_caps_for(SNAP_SRC_PROCFS, out, sizeof(out));
	assert_string_equal(out, "");
	privs_caps_for(SNAP_SRC_BPF, out, sizeof(out));
	assert_string_equal(out, "");
	privs_caps_for(SNAP_SRC_MODULE, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_no_split(void **state)
{
	char name[80], err[256] = "";

	(void)state;
	/* no user: nothing split, nothing dropped */
	assert_int_equal(privs_split("", ""), 0);
	assert_false(privs_dropping());
	assert_int_equal(privs_drop(SNAP_SRC_PROCFS, NULL, "/nonexistent/spool", err, sizeof(err)),
			 0);
	need_root();
	/* --user root stays root: no fork either */
	assert_int_equal(privs_split("root", ""), 0);
	assert_false(privs_dropping());
	memset(name, 'u', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(privs_split(name, ""), -ENAMETOOLONG);
	assert_false(privs_dropping());
}

/* The fake child's side of the protocol; exits with code. */
static void fake_child(int fd, const char *say, int code)
{
	for (const char *p = say; *p; p++) {
		char c = *p, a;

		if (write(fd, &c, 1) != 1)
			_exit(90);
		if (c == 'R') {
			if (read(fd, &a, 1) != 1)
				_exit(91);
			if (a != '0')
				_exit(92);
		}
	}
	_exit(code);
}

/* privs_serve against a fake child that says say then exits with code. */
static int serve(const char *say, int code)
{
	int sv[2];
	pid_t pid;
	int r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		fake_child(sv[1], say, code);
	}
	close(sv[1]);
	r = privs_serve(sv[0], pid, scr);
	close(sv[0]);
	return r;
}

static void test_serve_remove_on_request(void **state)
{
	char c[256];

	(void)state;
	/* installed, then removed when asked: the script runs "remove" once */
	assert_int_equal(serve("IR", 7), 7);
	calls(c, sizeof(c));
	assert_string_equal(c, "remove\n");
}

static void test_serve_remove_at_child_end(void **state)
{
	char c[256];

	(void)state;
	/* installed and the child ends without asking: the parent removes it */
	assert_int_equal(serve("I", 3), 3);
	calls(c, sizeof(c));
	assert_string_equal(c, "remove\n");
	/* never installed: nothing to remove, nothing run */
	assert_int_equal(serve("", 0), 0);
	calls(c, sizeof(c));
	assert_string_equal(c, "");
}

static void test_serve_forwards_signal(void **state)
{
	int sv[2];
	pid_t pid;
	char c[256];

	(void)state;
	signal(SIGTERM, SIG_DFL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a child that is told to stop through its parent: SIGTERM there,
		 * once the parent catches it (SigCgt bit 14, 0x4000) */
		char path[64], *buf = NULL, *cgt;
		size_t len;
		unsigned long long mask = 0;

		close(sv[0]);
		signal(SIGTERM, SIG_DFL);
		snprintf(path, sizeof(path), "/proc/%d/status", (int)getppid());
		while (!(mask & (1ull << (SIGTERM - 1)))) {
			free(buf);
			buf = NULL;
			if (util_slurp(path, 65536, &buf, &len) != 0)
				_exit(70);
			cgt = strstr(buf, "\nSigCgt:");
			mask = cgt ? strtoull(cgt + 9, NULL, 16) : 0;
			usleep(10000);
		}
		free(buf);
		kill(getppid(), SIGTERM);
		for (;;)
			pause();
	}
	close(sv[1]);
	/* the parent forwards it; the child dies of it: 128 + SIGTERM */
	assert_int_equal(privs_serve(sv[0], pid, scr), 128 + SIGTERM);
	close(sv[0]);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	calls(c, sizeof(c));
	assert_string_equal(c, "");
}

/* What the dropped child writes back: status lines of its own. */
struct dropped {
	int r;
	char err[256];
	uid_t uid, euid, suid;
	char capeff[32], capprm[32], capbnd[32], capinh[32], nnp[8];
	int ngroups;
	bool removed;
};

static void status_field(const char *st, const char *key, char *out, size_t cap)
{
	const char *p = strstr(st, key);

	out[0] = '\0';
	if (p) {
		p += strlen(key);
		while (*p == '\t' || *p == ' ')
			p++;
		size_t n = strcspn(p, "\n");
		snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
	}
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * Fork; the fork splits for user (its parent runs privs_serve and exits
 * with the dropped child's status), the child drops for src with spool and
 * reports through a pipe. env_caps: the capabilities for the drop (option privs-caps; NULL:
 * the table). Returns the split parent's exit status.
 */
static int split_and_drop(const char *user, enum snap_source src, const char *spool,
			  const char *env_caps, bool thread, struct dropped *d)
{
	int p[2], status = -1;
	pid_t pid;

	memset(d, 0, sizeof(*d));
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char st[4096] = "", *buf = NULL;
		size_t len = 0;
		pthread_t t;
		gid_t g[16];
		struct cron c = { 0 };

		close(p[0]);
		if (privs_split(user, scr) != 0)
			_exit(80);
		/* here only in the manager child: its parent is privs_serve */
		/* as the manager: the cron job installed as root, before the drop */
		cron_install(&c, scr);
		if (thread)
			pthread_create(&t, NULL, idle, NULL);
		d->r = privs_drop(src, env_caps, spool, d->err, sizeof(d->err));
		getresuid(&d->uid, &d->euid, &d->suid);
		if (util_slurp("/proc/self/status", sizeof(st) - 1, &buf, &len) == 0) {
			util_strlcpy(st, buf, sizeof(st));
			free(buf);
		}
		status_field(st, "\nCapEff:", d->capeff, sizeof(d->capeff));
		status_field(st, "\nCapPrm:", d->capprm, sizeof(d->capprm));
		status_field(st, "\nCapBnd:", d->capbnd, sizeof(d->capbnd));
		status_field(st, "\nCapInh:", d->capinh, sizeof(d->capinh));
		status_field(st, "\nNoNewPrivs:", d->nnp, sizeof(d->nnp));
		d->ngroups = getgroups(16, g);
		/* the cron removal goes to the parent, which answers */
		cron_remove(&c);
		d->removed = !c.installed;
		if (write(p[1], d, sizeof(*d)) != (ssize_t)sizeof(*d))
			_exit(81);
		close(p[1]);
		/* after the uid change the process is not dumpable: the leak
		 * checker's tracer could not attach at exit */
		prctl(PR_SET_DUMPABLE, 1);
		exit(d->r == 0 ? 0 : 5);
	}
	close(p[1]);
	if (read(p[0], d, sizeof(*d)) != (ssize_t)sizeof(*d))
		d->r = 999;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* dir/name/spool in a directory of its own (mode), and its path */
static void spool_dir(const char *name, mode_t mode, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(chmod(out, mode), 0);
	snprintf(out + strlen(out), cap - strlen(out), "/spool");
	assert_int_equal(close(open(out, O_WRONLY | O_CREAT, 0640)), 0);
}

static void test_drop(void **state)
{
	struct passwd *pw = getpwnam(NOBODY);
	struct dropped d;
	char spool[256], c[256], head[300], sfile[300];
	struct stat st;

	(void)state;
	need_root();
	if (!pw) {
		skip();
		return;
	}
	spool_dir("sp-ok", 0750, spool, sizeof(spool));
	snprintf(head, sizeof(head), "%s.head", spool);
	assert_int_equal(close(open(head, O_WRONLY | O_CREAT, 0640)), 0);
	/* the state's files when the state directory is the spool's (the default) */
	snprintf(sfile, sizeof(sfile), "%s/sp-ok/status.json", dir);
	assert_int_equal(close(open(sfile, O_WRONLY | O_CREAT, 0644)), 0);
	snprintf(sfile, sizeof(sfile), "%s/sp-ok/.kept.123.tmp", dir);
	assert_int_equal(close(open(sfile, O_WRONLY | O_CREAT, 0644)), 0);
	snprintf(sfile, sizeof(sfile), "%s/sp-ok/kept", dir);
	assert_int_equal(close(open(sfile, O_WRONLY | O_CREAT, 0644)), 0);
	/*
	 * the coverage build's counters are root's files: the drop keeps
	 * cap_dac_override (GESTOR_PRIVS_CAPS) so the child can write them at
	 * its exit; the set is checked to be exactly that one
	 */
	assert_int_equal(
		split_and_drop(NOBODY, SNAP_SRC_PROCFS, spool, "cap_dac_override", false, &d), 0);
	assert_int_equal(d.r, 0);
	assert_int_equal(d.uid, pw->pw_uid);
	assert_int_equal(d.euid, pw->pw_uid);
	assert_int_equal(d.suid, pw->pw_uid);
	/* cap_dac_override is bit 1 */
	assert_string_equal(d.capeff, "0000000000000002");
	assert_string_equal(d.capprm, "0000000000000002");
	assert_string_equal(d.capbnd, "0000000000000002");
	assert_string_equal(d.capinh, "0000000000000000");
	assert_string_equal(d.nnp, "1");
	assert_true(d.ngroups >= 1);
	/* installed by the child as root; removed by the parent when the
	 * dropped child asked, and answered */
	assert_true(d.removed);
	calls(c, sizeof(c));
	assert_string_equal(c, "install\nremove\n");
	/* the spool's directory and its files became the user's */
	*strrchr(spool, '/') = '\0';
	assert_int_equal(stat(spool, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(stat(head, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(stat(sfile, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
}

static void test_drop_refused(void **state)
{
	struct dropped d;
	char spool[256], other[300], c[256];

	(void)state;
	need_root();
	if (!getpwnam(NOBODY))
		skip();
	/* a spool directory that holds another file: not given away */
	spool_dir("sp-shared", 0755, spool, sizeof(spool));
	snprintf(other, sizeof(other), "%s/sp-shared/notes", dir);
	assert_int_equal(close(open(other, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_PROCFS, spool, NULL, false, &d), 5);
	assert_int_equal(d.r, -EEXIST);
	assert_non_null(strstr(d.err, "holds notes"));
	/* a name that only starts like a state file is not one */
	assert_int_equal(unlink(other), 0);
	snprintf(other, sizeof(other), "%s/sp-shared/.keptx", dir);
	assert_int_equal(close(open(other, O_WRONLY | O_CREAT, 0600)), 0);
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_PROCFS, spool, NULL, false, &d), 5);
	assert_int_equal(d.r, -EEXIST);
	assert_int_equal(d.uid, 0); /* nothing dropped */
	/* a sticky, world-writable one (as /tmp) */
	spool_dir("sp-sticky", 01777, spool, sizeof(spool));
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_BPF, spool, NULL, false, &d), 5);
	assert_int_equal(d.r, -EPERM);
	assert_non_null(strstr(d.err, "shared"));
	/* a spool without a directory of its own */
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_PROCFS, "spool", NULL, false, &d), 5);
	assert_int_equal(d.r, -EINVAL);
	/* a thread already runs: capabilities are per thread */
	spool_dir("sp-thr", 0750, spool, sizeof(spool));
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_PROCFS, spool, NULL, true, &d), 5);
	assert_int_equal(d.r, -EBUSY);
	/* a capability name libcap does not know */
	assert_int_equal(split_and_drop(NOBODY, SNAP_SRC_PROCFS, spool, "cap_nonsense", false, &d),
			 5);
	assert_int_equal(d.r, -EINVAL);
	/* a user that is missing and that useradd refuses to make */
	assert_int_equal(split_and_drop("no such user!", SNAP_SRC_PROCFS, spool, NULL, false, &d),
			 5);
	assert_int_equal(d.r, -ENOENT);
	assert_non_null(strstr(d.err, "useradd failed"));
	/* each refused child (still root) had the parent remove its cron job */
	calls(c, sizeof(c));
	assert_string_equal(c,
			    "install\nremove\ninstall\nremove\ninstall\nremove\ninstall\nremove\n"
			    "install\nremove\ninstall\nremove\ninstall\nremove\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_for),
		cmocka_unit_test(test_no_split),
		cmocka_unit_test(test_serve_remove_on_request),
		cmocka_unit_test(test_serve_remove_at_child_end),
		cmocka_unit_test(test_serve_forwards_signal),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_refused),
	};
	return cmocka_run_group_tests_name("servicio_privs", tests, setup, teardown);
}
