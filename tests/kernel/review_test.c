/*
 * review_test.c — in-VM checks for the kernel review points of issue #16:
 * what the module shows across namespaces, mount options and hostile
 * processes. Linked statically (with jansson), run as root inside the VM
 * by tests/kernel/module-guest.sh. Each subcommand prints TAP-like lines
 * "ok N - what" / "not ok N - what" and exits non-zero when one failed:
 *   hidepid        a proc mounted hidepid=2 (and gid=) read by uid 1000
 *   argv           argv rewritten in place and setproctitle-style
 *   execstorm S    a process exec'ing itself for S seconds while read
 *   timens         a reader in a time namespace with a boottime offset
 *   userns         uids in the opener's user namespace
 *   cgroupns       cgroup paths relative to the reader's cgroup namespace
 *   badname KO     insmod with invalid proc_name values: -EINVAL/-EEXIST
 *   meminfo        bind mounts over /proc/meminfo in a new mount namespace
 *   offsets        pread/lseek at odd offsets
 *   fuse           argv in a mapping of a FUSE file whose reads never end
 * and those of issue #30:
 *   opener         hidepid=2: a file opened by uid 1000 read by root, and
 *                  the reverse: the opener's credentials decide
 *   lsm            hidepid=2 and a Landlock domain: the LSM's denial counts
 *   cpupct [S]     header, S seconds, the rest: every cpu_pct exact for a
 *                  moment within the read() that made its record
 *   escape         invalid bytes vs real U+00E9/U+00FF/U+EF80 round-trip;
 *                  a cgroup path over 256 bytes is cut with a mark
 *   swap           swap figures equal /proc/meminfo's (swap must be on)
 *   cgroupid       container ids a reader's cgroup namespace hides
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <linux/fuse.h>
#include <linux/landlock.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fusehang.h"
#include "tap.h"

#define PROC_FILE "/proc/sysinfo_202002591"
#define NAME "sysinfo_202002591"

/* the rest of fd read into a NUL-terminated malloc'd buffer; NULL on error */
static char *read_fd(int fd, size_t *lenp)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t n;

	while (buf) {
		if (cap - len < 4096) {
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			buf[len] = '\0';
			if (lenp)
				*lenp = len;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

static char *read_path(const char *path)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	char *s;

	if (fd < 0)
		return NULL;
	s = read_fd(fd, NULL);
	close(fd);
	return s;
}

/* the module's document read from path (or fd >= 0), parsed; NULL on error */
static json_t *doc_load(const char *path, int fd)
{
	char *s = fd >= 0 ? read_fd(fd, NULL) : read_path(path);
	json_error_t e;
	json_t *d;

	if (!s)
		return NULL;
	d = json_loads(s, 0, &e);
	if (!d)
		fprintf(stderr, "# json: %s at %d\n", e.text, e.position);
	free(s);
	return d;
}

/* the record of pid in doc, or NULL */
static json_t *doc_proc(json_t *doc, long pid)
{
	json_t *ps = json_object_get(doc, "processes"), *p;
	size_t i;

	json_array_foreach(ps, i,
			   p) if (json_integer_value(json_object_get(p, "pid")) == pid) return p;
	return NULL;
}

static long long doc_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *doc_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "(none)";
}

/* a child that sleeps until killed; its pid */
static pid_t spawn_sleeper(uid_t uid)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* dumpable again after the uid change, as a login would be */
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ||
			    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)))
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* run fn in a child, its exit status (0 = its checks passed) */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- hidepid ----------------------------------------------------------- */

struct hide_arg {
	const char *file;
	pid_t root_pid, user_pid;
	gid_t group; /* 0: none */
	bool expect_root; /* the root-owned process is to be seen */
};

/* does the /proc holding file show /proc/<pid> to the caller? */
static bool proc_shows(const char *file, pid_t pid)
{
	char dir[128];
	struct stat st;

	snprintf(dir, sizeof(dir), "%.*s/%d", (int)(strrchr(file, '/') - file), file, (int)pid);
	return stat(dir, &st) == 0;
}

static int hide_reader(void *p)
{
	struct hide_arg *a = p;
	json_t *doc, *me, *ps;
	bool saw_root, saw_user, saw_init;
	int ok;

	if (a->group && setgroups(1, &a->group))
		return 3;
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 3;
	doc = doc_load(a->file, -1);
	if (!doc)
		return 4;
	ps = json_object_get(doc, "processes");
	me = doc_proc(doc, getpid());
	saw_root = doc_proc(doc, a->root_pid);
	saw_user = doc_proc(doc, a->user_pid);
	saw_init = doc_proc(doc, 1);
	printf("# %s as uid 1000%s: %zu records, root sleeper %s, uid-1000 sleeper %s, init %s\n",
	       a->file, a->group ? " in the gid= group" : "", json_array_size(ps),
	       saw_root ? "seen" : "hidden", saw_user ? "seen" : "hidden",
	       saw_init ? "seen" : "hidden");
	/* and each as /proc itself decides, through the same mount */
	ok = me && saw_user && saw_root == a->expect_root && saw_init == a->expect_root &&
	     saw_root == proc_shows(a->file, a->root_pid) &&
	     saw_user == proc_shows(a->file, a->user_pid) && saw_init == proc_shows(a->file, 1);
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cmd_hidepid(void)
{
	struct hide_arg a = { .file = PROC_FILE };
	char file[64];

	snprintf(file, sizeof(file), "/tmp/hp/%s", NAME);
	mkdir("/tmp/hp", 0755);
	mkdir("/tmp/hg", 0755);
	t_check(!mount("proc", "/tmp/hp", "proc", 0, "hidepid=2"), "mount proc hidepid=2 (%s)",
		strerror(errno));
	t_check(!mount("proc", "/tmp/hg", "proc", 0, "hidepid=2,gid=1234"),
		"mount proc hidepid=2,gid=1234");
	a.root_pid = spawn_sleeper(0);
	a.user_pid = spawn_sleeper(1000);
	usleep(100000);
	a.expect_root = true;
	t_check(in_child(hide_reader, &a) == 0, "plain /proc: uid 1000 sees every process");
	a.file = file;
	a.expect_root = false;
	t_check(in_child(hide_reader, &a) == 0,
		"hidepid=2: uid 1000 sees its own processes only, not root's");
	snprintf(file, sizeof(file), "/tmp/hg/%s", NAME);
	a.group = 1234;
	a.expect_root = true;
	t_check(in_child(hide_reader, &a) == 0, "hidepid=2,gid=1234: a member of 1234 sees all");
	reap(a.root_pid);
	reap(a.user_pid);
	umount("/tmp/hp");
	umount("/tmp/hg");
	return t_done();
}

/* ---- argv rewrite ------------------------------------------------------ */

/* /proc/<pid>/cmdline as the module renders it: NULs as spaces, 256 max */
static void proc_cmdline(pid_t pid, char *out, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	out[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, out, cap - 1);
	close(fd);
	if (n <= 0)
		return;
	if (n > 256)
		n = 256;
	while (n && out[n - 1] == '\0')
		n--;
	out[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (!out[i])
			out[i] = ' ';
}

/* child: rewrite its own argv (mode 1: in place; mode 2: setproctitle) */
static void argv_child(int argc, char **argv, int mode, int wfd)
{
	char *end = argv[argc - 1] + strlen(argv[argc - 1]);
	extern char **environ;
	char *envend = end;

	for (char **e = environ; *e; e++)
		if (*e == envend + 1)
			envend = *e + strlen(*e);
	if (mode == 1) {
		memcpy(argv[1], "REWRITTEN", 9);
	} else {
		/* one title over argv and into the environment, no NUL at arg_end */
		size_t room = (size_t)(envend - argv[0]);
		const char *t = "title: worker process doing setproctitle over argv and env";
		size_t n = strlen(t) < room ? strlen(t) : room;

		memset(argv[0], 'x', room);
		memcpy(argv[0], t, n);
		argv[0][n] = '\0';
	}
	if (write(wfd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int cmd_argv(const char *self)
{
	for (int mode = 1; mode <= 2; mode++) {
		char want[4096], env[64];
		int p[2];
		pid_t pid;
		json_t *doc, *r;
		char c;

		if (pipe(p))
			return 1;
		snprintf(env, sizeof(env), "PADDING=%s",
			 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
		pid = fork();
		if (pid == 0) {
			char m[2] = { (char)('0' + mode), 0 };
			char *av[] = { (char *)self, "argvchild", m, "original-argument", NULL };
			char pfd[16];
			char *ev[] = { env, pfd, NULL };

			snprintf(pfd, sizeof(pfd), "FD=%d", p[1]);
			close(p[0]);
			execve(self, av, ev);
			_exit(127);
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 1) {
			t_check(false, "argv child (mode %d) ready", mode);
			reap(pid);
			close(p[0]);
			continue;
		}
		close(p[0]);
		proc_cmdline(pid, want, sizeof(want));
		doc = doc_load(PROC_FILE, -1);
		r = doc ? doc_proc(doc, pid) : NULL;
		t_check(r && !strcmp(doc_str(r, "cmdline"), want),
			"%s argv: module cmdline \"%s\" == /proc/<pid>/cmdline \"%s\"",
			mode == 1 ? "rewritten-in-place" : "setproctitle",
			r ? doc_str(r, "cmdline") : "-", want);
		if (mode == 2)
			t_check(!strncmp(want, "title: worker", 13),
				"setproctitle title is what /proc shows");
		json_decref(doc);
		reap(pid);
	}
	return t_done();
}

/* ---- exec storm -------------------------------------------------------- */

static int cmd_execstorm(const char *self, int seconds)
{
	char big[201], want_a[512], want_b[512], until[32];
	time_t end = time(NULL) + seconds;
	long reads = 0, bad = 0, seen_a = 0, seen_b = 0, empty = 0, seen_self = 0;
	char want_self[4096];
	pid_t pid;

	memset(big, 'a', 200);
	big[200] = '\0';
	snprintf(until, sizeof(until), "%lld", (long long)end);
	snprintf(want_a, sizeof(want_a), "%s execloop %s %s", self, until, big);
	snprintf(want_b, sizeof(want_b), "%s execloop %s b", self, until);
	want_a[256] = '\0'; /* the module keeps 256 bytes */
	proc_cmdline(getpid(), want_self, sizeof(want_self));
	pid = fork();
	if (pid == 0) {
		char *av[] = { (char *)self, "execloop", until, big, NULL };

		execv(self, av);
		_exit(127);
	}
	while (time(NULL) < end) {
		json_t *doc = doc_load(PROC_FILE, -1), *r;
		const char *c;

		if (!doc) {
			bad++;
			continue;
		}
		reads++;
		r = doc_proc(doc, pid);
		c = r ? doc_str(r, "cmdline") : "";
		if (!strcmp(c, want_a))
			seen_a++;
		else if (!strcmp(c, want_b))
			seen_b++;
		else if (!*c)
			empty++;
		else if (!strcmp(c, want_self))
			seen_self++; /* forked, not yet exec'd */
		else {
			bad++;
			printf("# mixed cmdline: \"%.80s\"\n", c);
		}
		json_decref(doc);
	}
	reap(pid);
	printf("# %ld reads: %ld image A, %ld image B, %ld empty (exec in flight), %ld before the "
	       "first exec, %ld other\n",
	       reads, seen_a, seen_b, empty, seen_self, bad);
	t_check(reads > 0 && bad == 0, "exec storm: every cmdline is one whole image (%ld reads)",
		reads);
	t_check(seen_a + seen_b > 0, "exec storm: the exec'ing process was read");
	return t_done();
}

static int cmd_execloop(const char *self, const char *until, const char *arg)
{
	char *av[] = { (char *)self, "execloop", (char *)until, NULL, NULL };
	static char big[201];

	if (time(NULL) >= strtoll(until, NULL, 10)) {
		for (;;)
			pause();
	}
	memset(big, 'a', 200);
	av[3] = arg[0] == 'b' ? big : "b";
	execv(self, av);
	return 127;
}

/* ---- time namespace ----------------------------------------------------- */

#define BOOT_OFFSET_S 100000LL

static int timens_reader(void *p)
{
	struct timespec ts;
	long long stat_start = -1, boot, st;
	json_t *doc, *r;
	char *s, *q;
	int i, ok = 1;

	(void)p;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	doc = doc_load(PROC_FILE, -1);
	s = read_path("/proc/self/stat");
	if (!doc || !s)
		return 2;
	q = strrchr(s, ')');
	for (i = 0; q && i < 20; i++)
		q = strchr(q + 1, ' ');
	if (q)
		stat_start = strtoll(q + 1, NULL, 10);
	r = doc_proc(doc, getpid());
	st = r ? doc_int(r, "start_time_ns") : -1;
	printf("# in the time ns: CLOCK_BOOTTIME %lld ns, header boottime_ns %lld, start_time_ns "
	       "%lld, /proc/self/stat starttime %lld ticks\n",
	       boot, doc_int(doc, "boottime_ns"), st, stat_start);
	if (boot < BOOT_OFFSET_S * 1000000000LL ||
	    llabs(doc_int(doc, "boottime_ns") - boot) > 5000000000LL)
		ok = 0;
	if (st < 0 || llabs(st / 10000000LL - stat_start) > 1)
		ok = 0;
	json_decref(doc);
	free(s);
	return ok ? 0 : 1;
}

static int cmd_timens(void)
{
	char off[64];

	if (unshare(CLONE_NEWTIME)) {
		t_check(false, "unshare(CLONE_NEWTIME): %s", strerror(errno));
		return t_done();
	}
	snprintf(off, sizeof(off), "boottime %lld 0", BOOT_OFFSET_S);
	t_check(!write_str("/proc/self/timens_offsets", off), "boottime offset +%llds set",
		BOOT_OFFSET_S);
	t_check(in_child(timens_reader, NULL) == 0,
		"reader in the time ns: boottime_ns and start_time_ns carry the offset, as /proc "
		"does");
	return t_done();
}

/* ---- user namespace ---------------------------------------------------- */

struct userns_arg {
	pid_t sleeper;
	int fd_outside; /* opened before unshare */
};

static int userns_reader(void *p)
{
	struct userns_arg *a = p;
	json_t *in, *out, *r1, *r2;
	int ok;

	if (unshare(CLONE_NEWUSER) || write_str("/proc/self/uid_map", "0 0 1"))
		return 2;
	in = doc_load(PROC_FILE, -1);
	out = doc_load(NULL, a->fd_outside);
	if (!in || !out)
		return 3;
	r1 = doc_proc(in, a->sleeper);
	r2 = doc_proc(out, a->sleeper);
	printf("# uid of a uid-1000 process: %lld opened inside the user ns, %lld opened before\n",
	       r1 ? doc_int(r1, "uid") : -1, r2 ? doc_int(r2, "uid") : -1);
	ok = r1 && r2 && doc_int(r1, "uid") == 65534 && doc_int(r2, "uid") == 1000;
	r1 = doc_proc(in, getpid());
	ok = ok && r1 && doc_int(r1, "uid") == 0;
	return ok ? 0 : 1;
}

static int cmd_userns(void)
{
	struct userns_arg a;

	a.sleeper = spawn_sleeper(1000);
	a.fd_outside = open(PROC_FILE, O_RDONLY);
	usleep(100000);
	t_check(in_child(userns_reader, &a) == 0,
		"user ns mapping only root: uid 1000 is 65534 when opened inside, 1000 on a "
		"descriptor opened outside");
	close(a.fd_outside);
	reap(a.sleeper);
	return t_done();
}

/* ---- cgroup namespace -------------------------------------------------- */

#define CG_MEM "/sys/fs/cgroup/memory"

/* the memory line's path of /proc/<pid>/cgroup as the caller sees it */
static void proc_mem_cgroup(pid_t pid, char *out, size_t cap)
{
	char path[64], *s, *l;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	out[0] = '\0';
	s = read_path(path);
	for (l = s ? strtok(s, "\n") : NULL; l; l = strtok(NULL, "\n")) {
		char *c = strchr(l, ':');

		if (c && !strncmp(c + 1, "memory:", 7)) {
			snprintf(out, cap, "%s", c + 8);
			break;
		}
	}
	free(s);
}

static int cgroupns_reader(void *p)
{
	pid_t other = *(pid_t *)p;
	char mine[512], theirs[512], pid[32];
	json_t *doc, *r1, *r2;
	int ok;

	if (unshare(CLONE_NEWCGROUP))
		return 2;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(CG_MEM "/rv/inner/cgroup.procs", pid))
		return 3;
	proc_mem_cgroup(getpid(), mine, sizeof(mine));
	proc_mem_cgroup(other, theirs, sizeof(theirs));
	doc = doc_load(PROC_FILE, -1);
	if (!doc)
		return 4;
	r1 = doc_proc(doc, getpid());
	r2 = doc_proc(doc, other);
	printf("# in the cgroup ns: self \"%s\" (/proc: \"%s\"), a process outside \"%s\" (/proc: "
	       "\"%s\")\n",
	       r1 ? doc_str(r1, "cgroup") : "-", mine, r2 ? doc_str(r2, "cgroup") : "-", theirs);
	ok = r1 && r2 && strcmp(doc_str(r1, "cgroup"), mine) == 0 && strcmp(mine, "/inner") == 0 &&
	     strcmp(doc_str(r2, "cgroup"), theirs) == 0 && strcmp(theirs, "/sibling") != 0 &&
	     strstr(theirs, "sibling");
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cgroupns_child(void *p)
{
	char pid[32];

	(void)p;
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(CG_MEM "/rv/cgroup.procs", pid))
		return 5;
	return in_child(cgroupns_reader, p);
}

static int cmd_cgroupns(void)
{
	char pid[32];
	pid_t other;
	int rc;

	mkdir(CG_MEM "/rv", 0755);
	mkdir(CG_MEM "/rv/inner", 0755);
	mkdir(CG_MEM "/sibling", 0755);
	other = spawn_sleeper(0);
	snprintf(pid, sizeof(pid), "%d", other);
	t_check(!write_str(CG_MEM "/sibling/cgroup.procs", pid),
		"a process put in memory:/sibling");
	rc = in_child(cgroupns_child, &other);
	t_check(rc == 0,
		"reader in a cgroup ns rooted at /rv: paths as its /proc/<pid>/cgroup shows them "
		"(rc %d)",
		rc);
	reap(other);
	usleep(100000);
	rmdir(CG_MEM "/rv/inner");
	rmdir(CG_MEM "/rv");
	rmdir(CG_MEM "/sibling");
	return t_done();
}

/* ---- invalid proc_name -------------------------------------------------- */

static int cmd_badname(const char *ko)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "", EINVAL },	     { ".", EINVAL },		{ "..", EINVAL },
		{ "12345", EINVAL }, { "a/b", EINVAL },		{ "meminfo", EEXIST },
		{ "self", EEXIST },  { "thread-self", EEXIST }, { NULL, EINVAL },
	};
	char params[400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = open(ko, O_RDONLY | O_CLOEXEC), rc, err;
		const char *name = cases[i].name;
		char longname[300];

		if (!name) {
			memset(longname, 'n', 256);
			longname[256] = '\0';
			name = longname;
		}
		snprintf(params, sizeof(params), "proc_name=%s", name);
		rc = (int)syscall(SYS_finit_module, fd, params, 0);
		err = errno;
		close(fd);
		if (rc == 0)
			syscall(SYS_delete_module, "sysinfo", O_NONBLOCK);
		t_check(rc < 0 && err == cases[i].err,
			"proc_name=\"%.20s%s\" refused with %s (got %s)", name,
			strlen(name) > 20 ? "..." : "", strerror(cases[i].err),
			rc ? strerror(err) : "success");
	}
	return t_done();
}

/* ---- bind mounts over /proc/meminfo -------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
	_exit(9);
}

static int meminfo_reader(void *p)
{
	long long real = *(long long *)p;
	json_t *doc;
	long long swap;

	signal(SIGALRM, on_alarm);
	alarm(30);
	doc = doc_load(PROC_FILE, -1);
	if (!doc)
		return 2;
	swap = doc_int(json_object_get(doc, "memory"), "swap_total_kb");
	json_decref(doc);
	printf("# swap_total_kb %lld (real %lld)\n", swap, real);
	return swap == real ? 0 : 1;
}

static int meminfo_over(void *p)
{
	const char *what = p;
	long long real = -1;
	char *s = read_path("/proc/meminfo"), *q = s ? strstr(s, "SwapTotal:") : NULL;

	if (q)
		real = strtoll(q + 10, NULL, 10);
	free(s);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 2;
	if (!strcmp(what, "fifo")) {
		unlink("/tmp/mfifo");
		if (mkfifo("/tmp/mfifo", 0644) ||
		    mount("/tmp/mfifo", "/proc/meminfo", NULL, MS_BIND, NULL))
			return 3;
	} else if (!strcmp(what, "fake")) {
		int fd = open("/tmp/mfake", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "MemTotal: 1 kB\nSwapTotal: 999999 kB\n", 36) != 36)
			return 3;
		close(fd);
		if (mount("/tmp/mfake", "/proc/meminfo", NULL, MS_BIND, NULL))
			return 3;
	} else if (mount(PROC_FILE, "/proc/meminfo", NULL, MS_BIND, NULL)) {
		return 3;
	}
	return in_child(meminfo_reader, &real);
}

static int cmd_meminfo(void)
{
	static const char *const kinds[] = { "self", "fifo", "fake" };

	for (size_t i = 0; i < 3; i++) {
		int rc = in_child(meminfo_over, (void *)kinds[i]);

		t_check(rc == 0,
			"new mount ns, %s bound over /proc/meminfo: read completes, swap_total_kb "
			"is the kernel's (rc %d)",
			kinds[i], rc);
	}
	return t_done();
}

/* ---- odd offsets --------------------------------------------------------- */

static int cmd_offsets(void)
{
	static const char head[] = "{\"version\":1,\"timestamp_ns\":";
	char buf[4096], *doc = NULL;
	size_t len = 0, cap = 0;
	json_error_t e;
	json_t *j;
	ssize_t n;
	off_t off;
	int fd = open(PROC_FILE, O_RDONLY);

	n = pread(fd, buf, 20, 1);
	t_check(n == 20 && !memcmp(buf, head + 1, 20),
		"pread(20 bytes at 1) is bytes 1..20 of a document");
	n = pread(fd, buf, 7, 3);
	t_check(n == 7 && !memcmp(buf, head + 3, 7), "pread(7 bytes at 3) after it");
	off = lseek(fd, 13, SEEK_SET);
	n = read(fd, buf, 10);
	t_check(off == 13 && n == 10 && !memcmp(buf, head + 13, 10), "lseek(13) then read(10)");
	t_check(lseek(fd, 0, SEEK_END) < 0 && errno == EINVAL, "lseek(SEEK_END) is EINVAL");
	off = lseek(fd, 1LL << 40, SEEK_SET);
	n = read(fd, buf, sizeof(buf));
	t_check(n == 0, "read at 1 TiB is end of file (off %lld, n %zd)", (long long)off, n);
	/* successive preads of 333 bytes at the offsets they leave off: one document */
	for (off = 0;; off += n) {
		if (cap - len < 334) {
			char *nd = realloc(doc, cap + 65536);

			if (!nd)
				break;
			doc = nd;
			cap += 65536;
		}
		n = pread(fd, doc + len, 333, off);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	j = doc ? json_loadb(doc, len, 0, &e) : NULL;
	t_check(j && n == 0,
		"333-byte preads at the running offset give one valid document (%zu bytes)", len);
	json_decref(j);
	free(doc);
	n = pread(fd, buf, sizeof(head) - 1, 0);
	t_check(n == (ssize_t)sizeof(head) - 1 && !memcmp(buf, head, n),
		"pread at 0 restarts a new document");
	close(fd);
	return t_done();
}

/* ---- FUSE-backed argv ---------------------------------------------------- */

/*
 * A FUSE file system on /tmp/fz with one file "f" whose READ requests are
 * never answered, served by the raw /dev/fuse protocol (fusehang.h). A child maps the
 * file and points its argv (PR_SET_MM_ARG_START/END) into the mapping, so a
 * reader touching the argv pages would wait forever (CVE-2018-1120).
 */
static int fuse_mapper(void *p)
{
	int wfd = *(int *)p, fd = open("/tmp/fz/f", O_RDONLY);
	char *m;

	if (fd < 0)
		return 2;
	m = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 3;
	/* start first (the stack's argv lies above): start <= end at each step */
	if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)(m + 4096), 0, 0) ||
	    prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(m + 8192), 0, 0))
		return 4;
	if (write(wfd, "r", 1) != 1)
		return 5;
	for (;;)
		pause();
}

static int fuse_reader(void *p)
{
	pid_t mapper = *(pid_t *)p;
	json_t *doc, *r;
	int ok;

	signal(SIGALRM, on_alarm);
	alarm(60);
	doc = doc_load(PROC_FILE, -1);
	if (!doc)
		return 2;
	r = doc_proc(doc, mapper);
	printf("# FUSE-mapped argv: record %s, cmdline \"%s\"\n", r ? "present" : "missing",
	       r ? doc_str(r, "cmdline") : "-");
	ok = r && !strcmp(doc_str(r, "cmdline"), "");
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cmd_fuse(void)
{
	char opts[128];
	pid_t server, mapper = -1, blocked;
	int fd, p[2], rc;
	char c;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# skipped: no /dev/fuse (%s)\n", strerror(errno));
		return 77;
	}
	mkdir("/tmp/fz", 0755);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	t_check(!mount("gestorfuse", "/tmp/fz", "fuse", MS_NOSUID | MS_NODEV, opts),
		"mount a FUSE file system (%s)", strerror(errno));
	server = fork();
	if (server == 0)
		fusehang_serve(fd, true);
	close(fd);
	if (pipe(p))
		return 1;
	fflush(stdout);
	mapper = fork();
	if (mapper == 0) {
		close(p[0]);
		_exit(fuse_mapper(&p[1]));
	}
	close(p[1]);
	t_check(read(p[0], &c, 1) == 1, "a process with argv inside the FUSE mapping");
	close(p[0]);
	/*
	 * control: a plain read of the file's pages waits for the server (and,
	 * once the request is with it, not even SIGKILL ends the wait: only
	 * the connection's end does, below)
	 */
	fflush(stdout);
	blocked = fork();
	if (blocked == 0) {
		fd = open("/tmp/fz/f", O_RDONLY);
		_exit(fd >= 0 && pread(fd, &c, 1, 4096) == 1 ? 0 : 1);
	}
	sleep(3);
	t_check(blocked > 0 && waitpid(blocked, NULL, WNOHANG) == 0,
		"control: a plain read of the FUSE file is still waiting after 3 s");
	rc = in_child(fuse_reader, &mapper);
	t_check(rc == 0, "the module's file reads to the end with the FUSE read pending (rc %d)",
		rc);
	reap(mapper);
	umount2("/tmp/fz", MNT_DETACH);
	reap(server); /* the device's last close aborts the held READ */
	reap(blocked);
	return t_done();
}

/* ---- the opener's credentials (issue #30) ------------------------------- */

/*
 * As uid 1000: open the file, tell the parent its number on wfd and wait
 * to be killed; the parent (root) takes the descriptor with pidfd_getfd(),
 * which needs no socket (the debug kernels have no networking).
 */
static pid_t opener_user(const char *file, int *fdp)
{
	int pfd[2], fd = -1;
	pid_t pid;

	*fdp = -1;
	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (!setresgid(1000, 1000, 1000) && !setresuid(1000, 1000, 1000))
			fd = open(file, O_RDONLY);
		if (write(pfd[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (pid > 0 && read(pfd[0], &fd, sizeof(fd)) == sizeof(fd) && fd >= 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

		if (pidfd >= 0) {
			*fdp = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
			close(pidfd);
		}
	}
	close(pfd[0]);
	return pid;
}

struct opener_root_arg {
	const char *file;
	pid_t root_pid, user_pid;
};

/* as root: open, then become uid 1000 and read: everything is there */
static int opener_root(void *p)
{
	struct opener_root_arg *a = p;
	int fd = open(a->file, O_RDONLY | O_CLOEXEC), ok;
	json_t *doc;

	if (fd < 0 || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 3;
	doc = doc_load(NULL, fd);
	close(fd);
	ok = doc && doc_proc(doc, a->root_pid) && doc_proc(doc, 1) && doc_proc(doc, a->user_pid);
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cmd_opener(void)
{
	struct opener_root_arg ra;
	char file[64];
	pid_t root_pid, user_pid, opener;
	int fd, rc;
	json_t *doc;

	snprintf(file, sizeof(file), "/tmp/hp/%s", NAME);
	mkdir("/tmp/hp", 0755);
	t_check(!mount("proc", "/tmp/hp", "proc", 0, "hidepid=2"), "mount proc hidepid=2 (%s)",
		strerror(errno));
	root_pid = spawn_sleeper(0);
	user_pid = spawn_sleeper(1000);
	usleep(100000);

	/* opened by uid 1000, read by root */
	opener = opener_user(file, &fd);
	doc = fd >= 0 ? doc_load(NULL, fd) : NULL;
	printf("# opened by uid 1000, read by root: %zu records, root sleeper %s, uid-1000 "
	       "sleeper %s\n",
	       json_array_size(json_object_get(doc, "processes")),
	       doc_proc(doc, root_pid) ? "seen" : "hidden",
	       doc_proc(doc, user_pid) ? "seen" : "hidden");
	t_check(doc && !doc_proc(doc, root_pid) && !doc_proc(doc, 1) && doc_proc(doc, user_pid),
		"hidepid=2, file opened by uid 1000 and read by root: only what uid 1000 may see "
		"(descriptor %s)",
		fd >= 0 ? "taken with pidfd_getfd" : strerror(errno));
	json_decref(doc);
	if (fd >= 0)
		close(fd);
	reap(opener);

	/* opened by root, read by uid 1000 */
	ra.file = file;
	ra.root_pid = root_pid;
	ra.user_pid = user_pid;
	rc = in_child(opener_root, &ra);
	t_check(rc == 0,
		"hidepid=2, file opened by root and read by uid 1000: every process (rc %d)", rc);
	reap(root_pid);
	reap(user_pid);
	umount("/tmp/hp");
	return t_done();
}

/* ---- an LSM's word (Landlock) under hidepid ------------------------------ */

struct lsm_arg {
	const char *file;
	pid_t user_pid; /* uid 1000, outside the Landlock domain */
};

static int lsm_reader(void *p)
{
	struct lsm_arg *a = p;
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_FIFO };
	json_t *doc;
	bool saw, shown, me;
	int rs, ok;

	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 3;
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0) {
		printf("# landlock_create_ruleset: %s\n", strerror(errno));
		return 77;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, rs, 0))
		return 4;
	doc = doc_load(a->file, -1);
	if (!doc)
		return 5;
	saw = doc_proc(doc, a->user_pid);
	me = doc_proc(doc, getpid());
	shown = proc_shows(a->file, a->user_pid);
	printf("# in a Landlock domain, uid 1000: a uid-1000 process outside it %s (/proc: %s), "
	       "itself %s\n",
	       saw ? "seen" : "hidden", shown ? "shown" : "hidden", me ? "seen" : "hidden");
	ok = !saw && !shown && me;
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cmd_lsm(void)
{
	struct lsm_arg a;
	char file[64];
	int rc;

	snprintf(file, sizeof(file), "/tmp/hp/%s", NAME);
	mkdir("/tmp/hp", 0755);
	t_check(!mount("proc", "/tmp/hp", "proc", 0, "hidepid=2"), "mount proc hidepid=2 (%s)",
		strerror(errno));
	a.file = file;
	a.user_pid = spawn_sleeper(1000);
	usleep(100000);
	rc = in_child(lsm_reader, &a);
	if (rc == 77) {
		reap(a.user_pid);
		umount("/tmp/hp");
		printf("skipped: Landlock is not enabled in this kernel\n");
		return 77;
	}
	t_check(rc == 0,
		"hidepid=2: a process the LSM (Landlock) forbids to ptrace-read is hidden, though "
		"its uid matches, as /proc hides it (rc %d)",
		rc);
	reap(a.user_pid);
	umount("/tmp/hp");
	return t_done();
}

/* ---- cpu_pct: one time base per record ------------------------------------ */

static long long boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static pid_t spawn_spinner(void)
{
	pid_t pid = fork();

	if (pid == 0)
		for (;;)
			__asm__ volatile("" ::: "memory");
	return pid;
}

/*
 * Open, read 64 bytes (the header alone: it is longer, and seq_file makes
 * only what a read asks for), wait S seconds with spinners running, then
 * read the rest in 64 KiB reads, each bracketed by CLOCK_BOOTTIME: a record
 * is made by the read() that returns its bytes (the user buffer is larger
 * than seq_file's), so its cpu_pct is floor(cpu_time_ns * 10000 /
 * (t - start_time_ns)) / 100 for a t within that read().
 */
static int cmd_cpupct(int seconds)
{
	enum { MAXR = 4096, CHUNK = 65536 };
	static long long t_lo[MAXR], t_hi[MAXR];
	static size_t off[MAXR + 1];
	long long hdr_boot, rt, st, lo, hi, p100;
	size_t len = 0, cap = 1 << 20, i, k, nr = 0, bad = 0, checked = 0;
	pid_t early, late;
	char *buf = malloc(cap + 1), key[48], *nb;
	json_t *doc, *ps, *p, *r;
	json_error_t e;
	ssize_t n;
	int fd;

	if (!buf) {
		t_check(false, "a buffer for the document");
		return t_done();
	}
	early = spawn_spinner();
	usleep(200000);
	fd = open(PROC_FILE, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, 64) : -1;
	len = n > 0 ? (size_t)n : 0;
	late = spawn_spinner();
	sleep((unsigned int)seconds);
	while (fd >= 0 && nr < MAXR) {
		if (cap - len < CHUNK) {
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		off[nr] = len;
		t_lo[nr] = boot_ns();
		n = read(fd, buf + len, CHUNK);
		t_hi[nr] = boot_ns();
		if (n <= 0)
			break;
		len += (size_t)n;
		nr++;
	}
	off[nr] = len;
	if (fd >= 0)
		close(fd);
	buf[len] = '\0';
	doc = json_loads(buf, 0, &e);
	t_check(doc != NULL, "a document read as 64 bytes, %d s, then %zu reads", seconds, nr);
	ps = json_object_get(doc, "processes");
	json_array_foreach(ps, i, p)
	{
		char *at;

		snprintf(key, sizeof(key), "\n{\"pid\":%lld,", doc_int(p, "pid"));
		at = strstr(buf, key);
		for (k = 0; at && k < nr && off[k + 1] <= (size_t)(at - buf); k++)
			;
		rt = doc_int(p, "cpu_time_ns");
		st = doc_int(p, "start_time_ns");
		p100 = (long long)(json_number_value(json_object_get(p, "cpu_pct")) * 100 + 0.5);
		if (!at || k >= nr || st >= t_lo[k] || p100 < 0) {
			bad++;
			continue;
		}
		/* the module's floor(rt * 10000 / (t - st)) for some t in the read */
		lo = (long long)((__int128)rt * 10000 / (t_hi[k] - st));
		hi = (long long)((__int128)rt * 10000 / (t_lo[k] - st));
		checked++;
		if (p100 < lo || p100 > hi) {
			bad++;
			printf("# pid %lld: cpu_pct %.2f outside [%.2f, %.2f] (cpu_time_ns %lld, "
			       "start %lld)\n",
			       doc_int(p, "pid"), p100 / 100.0, lo / 100.0, hi / 100.0, rt, st);
		}
	}
	t_check(bad == 0 && checked > 10,
		"every record's cpu_pct is cpu_time_ns / (t - start_time_ns) for a t within the "
		"read() that made it (%zu checked, %zu not)",
		checked, bad);
	hdr_boot = doc_int(doc, "boottime_ns");
	r = doc_proc(doc, early);
	printf("# spinner started before the header: cpu_pct %.2f\n",
	       r ? json_number_value(json_object_get(r, "cpu_pct")) : -1.0);
	t_check(r && json_number_value(json_object_get(r, "cpu_pct")) <= 100.0 &&
			json_number_value(json_object_get(r, "cpu_pct")) > 0,
		"a single-threaded spinner started before the header: 0 < cpu_pct <= 100");
	r = doc_proc(doc, late);
	printf("# spinner started after the header: cpu_pct %.2f, start_time_ns - boottime_ns "
	       "%lld\n",
	       r ? json_number_value(json_object_get(r, "cpu_pct")) : -1.0,
	       r ? doc_int(r, "start_time_ns") - hdr_boot : 0);
	t_check(r && doc_int(r, "start_time_ns") > hdr_boot &&
			json_number_value(json_object_get(r, "cpu_pct")) > 0 &&
			json_number_value(json_object_get(r, "cpu_pct")) <= 100.0,
		"a spinner started after the header (start_time_ns > boottime_ns): 0 < cpu_pct "
		"<= 100");
	json_decref(doc);
	free(buf);
	reap(early);
	reap(late);
	return t_done();
}

/* ---- escaping that round-trips -------------------------------------------- */

/*
 * The bytes a module string stands for (docs/proc-format.md, "Strings"):
 * U+EF80..U+EFFF is one raw byte, U+EF00 (only last) the mark of a cut,
 * any other code point its UTF-8. Into out (cap); its length, or -1.
 */
static long mod_decode(const char *s, char *out, size_t cap, bool *cut)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	unsigned int cp;

	*cut = false;
	while (*u) {
		if (*cut)
			return -1; /* the mark is last */
		if (u[0] == 0xee &&
		    (u[1] == 0xbc || u[1] == 0xbd || u[1] == 0xbe || u[1] == 0xbf)) {
			cp = ((u[0] & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
			if (cp == 0xef00) {
				*cut = true;
				u += 3;
				continue;
			}
			if (cp < 0xef80 || o + 1 > cap)
				return -1; /* U+EF01..U+EF7F never appear */
			out[o++] = (char)(cp - 0xef00);
			u += 3;
			continue;
		}
		if (o + 1 > cap)
			return -1;
		out[o++] = (char)*u++;
	}
	return (long)o;
}

static int cmd_escape(void)
{
	/* 12 bytes: é (U+00E9, valid), 0xe9 alone, U+EF80 (real), 0xff, ÿ, 0x80 */
	static const char name[] = "\xc3\xa9\xe9-\xee\xbe\x80\xff\xc3\xbf\x80x";
	char arg[256], dec[1024], path[512], pid[32], *pcg;
	const char *js;
	json_t *doc, *r;
	bool cut;
	long n;
	int sync[2], st;
	pid_t child;

	/* every byte value 1..255 in one argument, then a real U+00E9 */
	for (int i = 0; i < 255; i++)
		arg[i] = (char)(i + 1);
	arg[255] = '\0';
	if (pipe(sync))
		return t_done();
	child = fork();
	if (child == 0) {
		char c;

		prctl(PR_SET_NAME, name, 0, 0, 0);
		close(sync[1]);
		if (read(sync[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(sync[0]);
	usleep(100000);
	doc = doc_load(PROC_FILE, -1);
	r = doc_proc(doc, child);
	js = r ? doc_str(r, "name") : "";
	n = mod_decode(js, dec, sizeof(dec), &cut);
	t_check(n == (long)strlen(name) && !memcmp(dec, name, (size_t)n) && !cut,
		"a name of invalid bytes, real U+00E9/U+00FF and a real U+EF80 decodes back to its "
		"12 bytes");
	/* the real é and the lone byte 0xe9 are told apart */
	t_check(!strncmp(js, "\xc3\xa9\xee\xbf\xa9", 5),
		"real U+00E9 stays U+00E9, the invalid byte 0xe9 is U+EFE9");
	json_decref(doc);
	if (write(sync[1], "x", 1) < 0)
		return t_done();
	close(sync[1]);
	waitpid(child, &st, 0);

	/* argv of every byte value: cmdline decodes to it (NUL-joined as spaces) */
	child = fork();
	if (child == 0) {
		execl("/opt/review_test", "review_test", "sleep", arg, (char *)NULL);
		_exit(127);
	}
	usleep(300000);
	doc = doc_load(PROC_FILE, -1);
	r = doc_proc(doc, child);
	n = mod_decode(r ? doc_str(r, "cmdline") : "", dec, sizeof(dec), &cut);
	{
		char want[300];
		size_t wl = (size_t)snprintf(want, sizeof(want), "review_test sleep ");

		memcpy(want + wl, arg, 255);
		wl += 255;
		if (wl > 256)
			wl = 256; /* the module's cut */
		t_check(n == (long)wl && !memcmp(dec, want, wl),
			"cmdline with every byte 0x01..0xff decodes back to the first 256 bytes "
			"(%ld)",
			n);
	}
	json_decref(doc);
	reap(child);

	/* a cgroup path longer than 256 bytes, with invalid bytes: cut, marked */
	snprintf(path, sizeof(path), "%s", CG_MEM);
	for (int d = 0; d < 5; d++) {
		size_t l = strlen(path);

		snprintf(path + l, sizeof(path) - l, "/%s%d\xff\xfe%.60s", "deep", d,
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		mkdir(path, 0755);
	}
	child = spawn_sleeper(0);
	snprintf(pid, sizeof(pid), "%d", child);
	{
		char procs[600];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		t_check(!write_str(procs, pid), "a process in a %zu-byte memory cgroup path",
			strlen(path) - strlen(CG_MEM));
	}
	doc = doc_load(PROC_FILE, -1);
	r = doc_proc(doc, child);
	n = mod_decode(r ? doc_str(r, "cgroup") : "", dec, sizeof(dec), &cut);
	pcg = path + strlen(CG_MEM);
	printf("# cgroup of %zu bytes: %ld bytes decoded, cut mark %s\n", strlen(pcg), n,
	       cut ? "present" : "absent");
	t_check(n > 0 && cut && !memcmp(dec, pcg, (size_t)n) && (size_t)n <= 256,
		"a cgroup path over 256 bytes: a prefix of it, then the cut mark U+EF00");
	json_decref(doc);
	reap(child);
	usleep(100000);
	for (int d = 4; d >= 0; d--) {
		rmdir(path);
		*strrchr(path, '/') = '\0';
	}
	return t_done();
}

/* ---- swap figures ----------------------------------------------------------- */

static long long meminfo_kb(const char *key)
{
	char *s = read_path("/proc/meminfo"), *q = s ? strstr(s, key) : NULL;
	long long v = q ? strtoll(q + strlen(key), NULL, 10) : -1;

	free(s);
	return v;
}

static int cmd_swap(void)
{
	long long tot = -1, fr = -1, mt = -1, mf = -1, mt2, mf2;
	json_t *doc = NULL, *m;

	/* equal to /proc/meminfo when it did not change across the read */
	for (int i = 0; i < 10; i++) {
		mt = meminfo_kb("SwapTotal:");
		mf = meminfo_kb("SwapFree:");
		json_decref(doc);
		doc = doc_load(PROC_FILE, -1);
		mt2 = meminfo_kb("SwapTotal:");
		mf2 = meminfo_kb("SwapFree:");
		m = json_object_get(doc, "memory");
		tot = doc_int(m, "swap_total_kb");
		fr = doc_int(m, "swap_free_kb");
		if (mt == mt2 && mf == mf2)
			break;
	}
	printf("# swap: module total %lld free %lld; /proc/meminfo total %lld free %lld\n", tot, fr,
	       mt, mf);
	t_check(mt > 0, "swap is on (SwapTotal %lld kB)", mt);
	t_check(doc && tot == mt && fr == mf,
		"swap_total_kb and swap_free_kb are /proc/meminfo's SwapTotal and SwapFree");
	json_decref(doc);
	return t_done();
}

/* ---- container ids through a cgroup namespace -------------------------------- */

#define CID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

struct cgid_arg {
	pid_t in_b, in_c; /* in /docker/B, in /docker/A/docker/C */
};

static int cgid_reader(void *p)
{
	struct cgid_arg *a = p;
	char pid[32], mine[512];
	json_t *doc, *r0, *rb, *rc;
	int ok;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_str(CG_MEM "/docker/" CID_A "/cgroup.procs", pid) || unshare(CLONE_NEWCGROUP))
		return 2;
	proc_mem_cgroup(getpid(), mine, sizeof(mine));
	doc = doc_load(PROC_FILE, -1);
	if (!doc)
		return 3;
	r0 = doc_proc(doc, getpid());
	rb = doc_proc(doc, a->in_b);
	rc = doc_proc(doc, a->in_c);
	printf("# in container A's cgroup ns (/proc/self/cgroup \"%s\"): self \"%s\" \"%s\", "
	       "B \"%.8s\" \"%s\", nested C \"%.8s\" \"%s\"\n",
	       mine, r0 ? doc_str(r0, "container_id") : "-", r0 ? doc_str(r0, "cgroup") : "-",
	       rb ? doc_str(rb, "container_id") : "-", rb ? doc_str(rb, "cgroup") : "-",
	       rc ? doc_str(rc, "container_id") : "-", rc ? doc_str(rc, "cgroup") : "-");
	ok = r0 && rb && rc && !strcmp(mine, "/") && !strcmp(doc_str(r0, "container_id"), "") &&
	     !strcmp(doc_str(r0, "cgroup"), "/") && !strcmp(doc_str(rb, "container_id"), CID_B) &&
	     !strcmp(doc_str(rc, "container_id"), CID_C) &&
	     !strcmp(doc_str(rc, "cgroup"), "/docker/" CID_C);
	json_decref(doc);
	return ok ? 0 : 1;
}

static int cmd_cgroupid(void)
{
	struct cgid_arg a;
	char pid[32];
	json_t *doc, *r;
	int rc;

	mkdir(CG_MEM "/docker", 0755);
	mkdir(CG_MEM "/docker/" CID_A, 0755);
	mkdir(CG_MEM "/docker/" CID_B, 0755);
	mkdir(CG_MEM "/docker/" CID_A "/docker", 0755);
	mkdir(CG_MEM "/docker/" CID_A "/docker/" CID_C, 0755);
	a.in_b = spawn_sleeper(0);
	a.in_c = spawn_sleeper(0);
	snprintf(pid, sizeof(pid), "%d", a.in_b);
	t_check(!write_str(CG_MEM "/docker/" CID_B "/cgroup.procs", pid), "a process in B");
	snprintf(pid, sizeof(pid), "%d", a.in_c);
	t_check(!write_str(CG_MEM "/docker/" CID_A "/docker/" CID_C "/cgroup.procs", pid),
		"a process in C, nested in A");
	doc = doc_load(PROC_FILE, -1);
	r = doc_proc(doc, a.in_c);
	t_check(r && !strcmp(doc_str(r, "container_id"), CID_A),
		"from the host, the nested process is A's (outermost)");
	json_decref(doc);
	rc = in_child(cgid_reader, &a);
	t_check(rc == 0,
		"a reader in A's cgroup ns: its own id hidden (cgroup \"/\"), B's and the nested "
		"C's shown as its /proc shows them (rc %d)",
		rc);
	reap(a.in_b);
	reap(a.in_c);
	usleep(100000);
	rmdir(CG_MEM "/docker/" CID_A "/docker/" CID_C);
	rmdir(CG_MEM "/docker/" CID_A "/docker");
	rmdir(CG_MEM "/docker/" CID_A);
	rmdir(CG_MEM "/docker/" CID_B);
	rmdir(CG_MEM "/docker");
	return t_done();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "hidepid"))
		return cmd_hidepid();
	if (!strcmp(c, "argv"))
		return cmd_argv(argv[0]);
	if (!strcmp(c, "argvchild") && argc > 2) {
		const char *fd = getenv("FD");

		argv_child(argc, argv, argv[2][0] - '0', fd ? (int)strtol(fd, NULL, 10) : -1);
	}
	if (!strcmp(c, "execstorm") && argc > 2)
		return cmd_execstorm(argv[0], (int)strtol(argv[2], NULL, 10));
	if (!strcmp(c, "execloop") && argc > 3)
		return cmd_execloop(argv[0], argv[2], argv[3]);
	if (!strcmp(c, "timens"))
		return cmd_timens();
	if (!strcmp(c, "userns"))
		return cmd_userns();
	if (!strcmp(c, "cgroupns"))
		return cmd_cgroupns();
	if (!strcmp(c, "badname") && argc > 2)
		return cmd_badname(argv[2]);
	if (!strcmp(c, "meminfo"))
		return cmd_meminfo();
	if (!strcmp(c, "offsets"))
		return cmd_offsets();
	if (!strcmp(c, "fuse"))
		return cmd_fuse();
	if (!strcmp(c, "opener"))
		return cmd_opener();
	if (!strcmp(c, "lsm"))
		return cmd_lsm();
	if (!strcmp(c, "cpupct"))
		return cmd_cpupct(argc > 2 ? (int)strtol(argv[2], NULL, 10) : 2);
	if (!strcmp(c, "escape"))
		return cmd_escape();
	if (!strcmp(c, "swap"))
		return cmd_swap();
	if (!strcmp(c, "cgroupid"))
		return cmd_cgroupid();
	if (!strcmp(c, "sleep"))
		for (;;)
			pause();
	fprintf(stderr, "usage: review_test hidepid|argv|execstorm S|timens|userns|cgroupns|"
			"badname KO|meminfo|offsets|fuse|opener|lsm|cpupct [S]|escape|swap|"
			"cgroupid\n");
	return 2;
}
