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
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <linux/fuse.h>
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
 * never answered, served by the raw /dev/fuse protocol. A child maps the
 * file and points its argv (PR_SET_MM_ARG_START/END) into the mapping, so a
 * reader touching the argv pages would wait forever (CVE-2018-1120).
 */
static void fuse_reply(int fd, uint64_t unique, int err, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = sizeof(h) + len, .error = err, .unique = unique };
	char buf[sizeof(h) + 512];

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), data, len);
	if (write(fd, buf, sizeof(h) + len) < 0 && errno != ENOENT)
		perror("fuse write");
}

static void fuse_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == 1 ? S_IFDIR | 0755 : S_IFREG | 0444;
	a->nlink = 1;
	a->size = ino == 1 ? 0 : 65536;
	a->blocks = 128;
	a->blksize = 4096;
}

static void fuse_serve(int fd)
{
	static char buf[1 << 17];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = in + 1;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(*in))
			_exit(0);
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
						   .minor = 31,
						   .max_readahead = 65536,
						   .max_write = 4096 };

			(void)arg;
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o;

			memset(&o, 0, sizeof(o));
			if (strcmp((char *)arg, "f") != 0) {
				fuse_reply(fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			o.nodeid = 2;
			fuse_attr(&o.attr, 2);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o;

			memset(&o, 0, sizeof(o));
			fuse_attr(&o.attr, in->nodeid);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			printf("# fuse: READ request held (never answered)\n");
			fflush(stdout);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			fuse_reply(fd, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

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
		fuse_serve(fd);
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
	fprintf(stderr, "usage: review_test hidepid|argv|execstorm S|timens|userns|cgroupns|"
			"badname KO|meminfo|offsets|fuse\n");
	return 2;
}
