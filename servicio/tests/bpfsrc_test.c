/*
 * bpfsrc_test.c — the BPF source on the running kernel (needs root, BTF and
 * BPF; skipped with the reason otherwise): the iterators' records decode;
 * for the same processes they agree with a walk of /proc (RSS and VSZ within
 * a page, CPU time within a tick, the same container ids, names, parents,
 * uids); no cmdline is ever read; hostile process names give valid JSON from
 * `servicio sysinfo`'s printer that decodes to the raw bytes; that document
 * has the module's shape field by field (the module's own document,
 * servicio/tests/fixtures/module/normal.json); the containers-only iterator
 * lists containerised processes only and says so in its header; every byte
 * value in a name decodes to itself; 8 threads reading 1,000 times each
 * while processes fork, exit, stay zombies and move between container
 * cgroups get complete, consistent records with every process that lived
 * through the read; containers named in $GESTOR_BPF_CTRS (full ids, set by
 * tests/metrics/bpf.sh) are attributed like the procfs walk does; the cgroup
 * walk (kernel >= 6.7) lists the containerised processes the task iterator
 * lists, with the same values; with a process whose argv lies on a FUSE
 * mapping whose reads never end (a read without FOLL_ANON waits, as
 * bpf_copy_from_user_task() would), every read and the source's take end
 * promptly and list it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fuse.h>
#include <linux/prctl.h>
#include <linux/types.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../kernel/bpf/sysinfo_bpf.h"
#include "../../tests/kernel/fusehang.h"
#include "../bpfrec.h"
#include "../bpfsrc.h"
#include "../cgroupid.h"
#include "../modsrc.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "util.h"

static struct bpfsrc *g_bpf;
static char g_why[256];

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		snprintf(g_why, sizeof(g_why), "needs root (CAP_BPF + CAP_PERFMON)");
		return 0;
	}
	if (bpfsrc_open(&g_bpf, g_why, sizeof(g_why)) < 0)
		g_bpf = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bpfsrc_close(g_bpf);
	return 0;
}

#define NEED_BPF()                                             \
	do {                                                   \
		if (!g_bpf) {                                  \
			print_message("skipped: %s\n", g_why); \
			skip();                                \
		}                                              \
	} while (0)

static void read_snap(struct snapshot *s)
{
	char err[512];
	int ret = bpfsrc_read(g_bpf, false, s, err, sizeof(err));

	if (ret < 0)
		print_error("bpfsrc_read: %s\n", err);
	assert_int_equal(ret, 0);
}

/* The document parses strictly and lists this process. */
static void test_parses(void **state)
{
	struct snapshot s;
	const struct snap_proc *me;

	(void)state;
	NEED_BPF();
	read_snap(&s);
	assert_true(s.nprocs > 5);
	assert_true(s.mem.total_kb > 0);
	assert_true(s.cpus > 0);
	me = snapshot_find_proc(&s, getpid());
	assert_non_null(me);
	assert_true(me->rss_kb > 0 && me->vsz_kb >= me->rss_kb);
	assert_true(me->cpu_time_ns > 0);
	/* no process memory is read from BPF */
	for (size_t i = 0; i < s.nprocs; i++)
		assert_string_equal(s.procs[i].cmdline, "");
	snapshot_free(&s);
}

/* Children that stay put: their values cannot change between the reads. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	assert_true(pid > 0);
	return pid;
}

/* /proc says pid sleeps (state S), within 10 s. */
static bool wait_sleeping(pid_t pid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i < 1000; i++) {
		ssize_t n = util_read_once_at(AT_FDCWD, path, buf, sizeof(buf) - 1);
		struct procfs_stat st;

		if (n > 0) {
			buf[n] = '\0';
			if (procfs_parse_stat_buf(buf, &st) == 0 && st.state == 'S')
				return true;
		}
		usleep(10000);
	}
	return false;
}

static bool near(uint64_t a, uint64_t b, uint64_t tol)
{
	return (a > b ? a - b : b - a) <= tol;
}

/* Hidden from the BPF task iterator by the host (e.g. the sandbox's pid 1 here): root cannot read its ns. */
static bool hidden_by_host(int32_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	return readlink(path, buf, sizeof(buf)) < 0 && errno == EACCES;
}

/*
 * /proc/<pid>/statm in kB: its size is the VSZ. (RSS is compared with the
 * procfs source's, from /proc/<pid>/stat: get_mm_rss(), the per-CPU
 * counters' global part, what the iterator and the module read; statm gives
 * the exact sum since Linux 6.16.)
 */
static int statm_kb(int32_t pid, uint64_t *vsz, uint64_t *rss)
{
	char path[64], *buf;
	size_t len;
	uint64_t size = 0, res = 0, page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	ret = util_slurp(path, 4096, &buf, &len);
	if (ret < 0)
		return ret;
	ret = procfs_parse_statm_buf(buf, &size, &res);
	free(buf);
	*vsz = size * page_kb;
	*rss = res * page_kb;
	return ret;
}

#define GONE UINT64_MAX

/* statm of every process of a snapshot, in pid order (vsz, rss in kB; GONE when gone) */
static uint64_t (*statm_all(const struct snapshot *s))[2]
{
	uint64_t(*m)[2] = calloc(s->nprocs ? s->nprocs : 1, sizeof(*m));

	assert_non_null(m);
	for (size_t i = 0; i < s->nprocs; i++)
		if (statm_kb(s->procs[i].pid, &m[i][0], &m[i][1]) < 0)
			m[i][0] = m[i][1] = GONE;
	return m;
}

/* v within [min(a, b) - tol, max(a, b) + tol] */
static bool between(uint64_t v, uint64_t a, uint64_t b, uint64_t tol)
{
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;

	return v + tol >= lo && v <= hi + tol;
}

/*
 * Each process read by the iterator against /proc read just before and just
 * after it (values of busy processes move; the iterator's must lie between,
 * within a page for memory and a tick for CPU time).
 */
static void test_agrees_with_proc(void **state)
{
	struct snapshot b, p0, p1;
	char err[512];
	pid_t kids[3];
	size_t common = 0, mem_ok = 0, cpu_ok = 0, missing = 0;
	uint64_t page_kb = (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
	uint64_t tick_ns = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t(*m0)[2], (*m1)[2];

	(void)state;
	NEED_BPF();
	for (size_t i = 0; i < 3; i++)
		kids[i] = spawn_sleeper();
	/* each asleep in pause() before the reads (a loaded CI once read one
	 * still running 100 ms after its fork) */
	for (size_t i = 0; i < 3; i++)
		assert_true(wait_sleeping(kids[i]));
	assert_int_equal(procfs_snapshot(NULL, &p0, err, sizeof(err)), 0);
	m0 = statm_all(&p0);
	read_snap(&b);
	assert_int_equal(procfs_snapshot(NULL, &p1, err, sizeof(err)), 0);
	m1 = statm_all(&p1);
	for (size_t i = 0; i < p1.nprocs; i++) {
		const struct snap_proc *q = &p1.procs[i];
		const struct snap_proc *r = snapshot_find_proc(&b, q->pid);
		const struct snap_proc *q0 = snapshot_find_proc(&p0, q->pid);
		char path[64];
		size_t j;

		if (!r) {
			snprintf(path, sizeof(path), "/proc/%d", (int)q->pid);
			/* started after the BPF read, gone, or hidden by the host */
			if (q->start_time_ns + tick_ns < b.boottime_ns && access(path, F_OK) == 0 &&
			    !hidden_by_host(q->pid)) {
				print_error("pid %d (%s) in /proc but not in the BPF document\n",
					    (int)q->pid, q->name);
				missing++;
			}
			continue;
		}
		/* the same process, read before and after: start times agree to a tick */
		if (!q0 || !near(r->start_time_ns, q->start_time_ns, tick_ns) ||
		    !near(q0->start_time_ns, q->start_time_ns, 0))
			continue;
		j = (size_t)(q0 - p0.procs);
		if (m0[j][0] == GONE || m1[i][0] == GONE)
			continue; /* exited during the reads */
		common++;
		/* identities, where /proc did not change them meanwhile (exec, moves) */
		if (strcmp(q0->container_id, q->container_id) == 0)
			assert_string_equal(r->container_id, q->container_id);
		/* kernel threads: procfs.c cuts /proc's workqueue decorations,
		 * the raw comm the iterator reads may be longer */
		if (strcmp(q0->name, q->name) == 0) {
			if (q->vsz_kb)
				assert_string_equal(r->name, q->name);
			else
				assert_int_equal(strncmp(r->name, q->name, strlen(q->name)), 0);
		}
		if (q0->ppid == q->ppid)
			assert_int_equal(r->ppid, q->ppid);
		if (q0->uid == q->uid)
			assert_int_equal(r->uid, q->uid);
		if (between(r->rss_kb, q0->rss_kb, q->rss_kb, page_kb) &&
		    between(r->vsz_kb, m0[j][0], m1[i][0], page_kb))
			mem_ok++;
		else
			print_message("# pid %d %s: rss %llu in [%llu, %llu], vsz %llu in [%llu, "
				      "%llu]?\n",
				      (int)q->pid, q->name, (unsigned long long)r->rss_kb,
				      (unsigned long long)q0->rss_kb, (unsigned long long)q->rss_kb,
				      (unsigned long long)r->vsz_kb, (unsigned long long)m0[j][0],
				      (unsigned long long)m1[i][0]);
		/* /proc's utime+stime is the same runtime cut to ticks */
		if (between(r->cpu_time_ns, q0->cpu_time_ns, q->cpu_time_ns + tick_ns, tick_ns))
			cpu_ok++;
		else
			print_message("# pid %d %s: cpu %llu ns in [%llu, %llu]?\n", (int)q->pid,
				      q->name, (unsigned long long)r->cpu_time_ns,
				      (unsigned long long)q0->cpu_time_ns,
				      (unsigned long long)q->cpu_time_ns);
	}
	/* the sleepers cannot change: exact agreement */
	for (size_t i = 0; i < 3; i++) {
		const struct snap_proc *r = snapshot_find_proc(&b, kids[i]);
		const struct snap_proc *q = snapshot_find_proc(&p1, kids[i]);
		uint64_t vsz = 0, rss = 0;

		assert_non_null(r);
		assert_non_null(q);
		assert_int_equal(statm_kb(kids[i], &vsz, &rss), 0);
		assert_true(near(r->rss_kb, q->rss_kb, page_kb));
		assert_true(near(r->vsz_kb, vsz, page_kb));
		/* /proc cuts utime and stime to a tick each (cputime_adjust),
		 * so its sum can be short of the runtime by up to two ticks:
		 * the same bracket as the loop above (a KCSAN kernel under TCG
		 * showed 11.6 ms of runtime as utime 0 stime 0) */
		assert_true(
			between(r->cpu_time_ns, q->cpu_time_ns, q->cpu_time_ns + tick_ns, tick_ns));
		assert_string_equal(r->cmdline, "");
		assert_string_equal(r->state, "S");
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	print_message("# %zu processes read before, by and after the iterator: memory agrees for "
		      "%zu, CPU time for %zu; %zu missing\n",
		      common, mem_ok, cpu_ok, missing);
	assert_true(common > 5);
	assert_int_equal(missing, 0);
	/* a process may still change faster than the bracket: nearly all must agree */
	assert_true(mem_ok * 100 >= common * 98);
	assert_true(cpu_ok * 100 >= common * 98);
	free(m0);
	free(m1);
	snapshot_free(&b);
	snapshot_free(&p0);
	snapshot_free(&p1);
}

/* `servicio sysinfo`'s document (bpfsrc_print_json) into *buf. */
static void doc_of(bool containers_only, char **buf, size_t *len)
{
	char err[512];
	FILE *f = open_memstream(buf, len);

	assert_non_null(f);
	if (bpfsrc_print_json(g_bpf, containers_only, f, err, sizeof(err)) < 0)
		print_error("bpfsrc_print_json: %s\n", err);
	assert_int_equal(fclose(f), 0);
	assert_true(*len > 0);
}

static const char hostile_comm[] = "a\"b\\c\n\t\x01\xff\xc3";
static const char hostile_arg[] = "x\"y\\z\r\x7f\xc3\x28\xed\xa0\x80\xf5\xe2\x82\xac";

/* Whether /proc/PID/comm reads NAME within SECONDS (polled every 10 ms). */
static bool comm_becomes(pid_t pid, const char *name, int seconds)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < seconds * 100; i++) {
		ssize_t n = util_read_once_at(AT_FDCWD, path, buf, sizeof(buf) - 1);

		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, name) == 0)
				return true;
		}
		usleep(10000);
	}
	return false;
}

static void test_hostile_names(void **state)
{
	struct snapshot s;
	pid_t named, execd;
	int ready[2];
	char c;
	char want[SNAP_CMDLINE_MAX];
	const struct snap_proc *r;
	char *buf;
	size_t len;

	(void)state;
	NEED_BPF();
	assert_int_equal(pipe(ready), 0);
	named = fork();
	if (named == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, hostile_comm);
		(void)!write(ready[1], "x", 1);
		for (;;)
			pause();
	}
	assert_true(named > 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	execd = fork();
	if (execd == 0) {
		char *argv[] = { (char *)hostile_arg, (char *)"3600", NULL };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv("/bin/sleep", argv);
		_exit(127);
	}
	assert_true(execd > 0);
	/* until it has exec'd (a loaded machine can take far more than the
	 * 200 ms this once slept: the name was still the test's own) */
	assert_true(comm_becomes(execd, "sleep", 30));
	/* the printed document is valid JSON (jansson checks UTF-8 too) */
	doc_of(false, &buf, &len);
	{
		json_error_t jerr;
		json_t *doc = json_loadb(buf, len, 0, &jerr);

		if (!doc)
			print_error("invalid JSON: %s at %d\n", jerr.text, jerr.position);
		assert_non_null(doc);
		json_decref(doc);
	}
	free(buf);
	read_snap(&s);
	r = snapshot_find_proc(&s, named);
	assert_non_null(r);
	snapshot_decode_raw(hostile_comm, strlen(hostile_comm), want, sizeof(want));
	assert_string_equal(r->name, want);
	r = snapshot_find_proc(&s, execd);
	assert_non_null(r);
	assert_string_equal(r->name, "sleep");
	assert_string_equal(r->cmdline, "");
	kill(named, SIGKILL);
	kill(execd, SIGKILL);
	waitpid(named, NULL, 0);
	waitpid(execd, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	snapshot_free(&s);
}

/* Every byte value 1..255 in some process name: each decodes to its raw bytes. */
static void test_every_byte_in_names(void **state)
{
	enum { KIDS = 17 };
	pid_t kids[KIDS];
	char names[KIDS][16], want[SNAP_NAME_MAX];
	struct snapshot s;
	int ready[2];
	char c;

	(void)state;
	NEED_BPF();
	assert_int_equal(pipe(ready), 0);
	for (int k = 0; k < KIDS; k++) {
		for (int j = 0; j < 15; j++) {
			int v = 1 + k * 15 + j;

			names[k][j] = (char)(v <= 255 ? v : 'x');
		}
		names[k][15] = '\0';
		kids[k] = fork();
		if (kids[k] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			prctl(PR_SET_NAME, names[k]);
			(void)!write(ready[1], "x", 1);
			for (;;)
				pause();
		}
		assert_true(kids[k] > 0);
		assert_int_equal(read(ready[0], &c, 1), 1);
	}
	read_snap(&s);
	for (int k = 0; k < KIDS; k++) {
		const struct snap_proc *r = snapshot_find_proc(&s, kids[k]);

		assert_non_null(r);
		snapshot_decode_raw(names[k], strlen(names[k]), want, sizeof(want));
		assert_string_equal(r->name, want);
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	close(ready[0]);
	close(ready[1]);
	snapshot_free(&s);
}

/* The keys of an object, in order, joined by commas. */
static void keys_of(json_t *o, char *out, size_t cap, bool drop_bpf_extras)
{
	const char *k;
	json_t *v;

	out[0] = '\0';
	json_object_foreach(o, k, v)
	{
		(void)v;
		if (drop_bpf_extras && (strcmp(k, "producer") == 0 || strcmp(k, "args") == 0))
			continue;
		strncat(out, k, cap - strlen(out) - 2);
		strncat(out, ",", cap - strlen(out) - 1);
	}
}

static void shape_of(const char *buf, size_t len, bool bpf, char *top, char *mem, char *cpu,
		     char *proc, size_t cap)
{
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, 0, &jerr);

	assert_non_null(doc);
	keys_of(doc, top, cap, bpf);
	keys_of(json_object_get(doc, "memory"), mem, cap, false);
	keys_of(json_object_get(doc, "cpu"), cpu, cap, false);
	assert_true(json_array_size(json_object_get(doc, "processes")) > 0);
	keys_of(json_array_get(json_object_get(doc, "processes"), 0), proc, cap, false);
	json_decref(doc);
}

static void test_shape_matches_module(void **state)
{
	char t1[512], m1[512], c1[512], p1[512], t2[512], m2[512], c2[512], p2[512];
	char path[4096];
	const char *top = getenv("GESTOR_TOP");
	char *bpf = NULL, *mod = NULL;
	size_t blen, mlen;

	(void)state;
	NEED_BPF();
	doc_of(false, &bpf, &blen);
	/* the module's own document, captured in the VM (committed) */
	snprintf(path, sizeof(path), "%s/servicio/tests/fixtures/module/normal.json",
		 top ? top : ".");
	assert_int_equal(util_slurp(path, MODSRC_MAX_DOC, &mod, &mlen), 0);
	print_message("# comparing with the module's document %s\n", path);
	shape_of(bpf, blen, true, t1, m1, c1, p1, sizeof(t1));
	shape_of(mod, mlen, false, t2, m2, c2, p2, sizeof(t2));
	assert_string_equal(t1, t2);
	assert_string_equal(m1, m2);
	assert_string_equal(c1, c2);
	assert_string_equal(p1, p2);
	/* the extras are documented: "producer":"bpf" and "args" */
	assert_non_null(strstr(bpf, "\"producer\":\"bpf\",\"args\":"));
	/* the module's line layout: header lines, one process a line, footer */
	assert_memory_equal(bpf + blen - 4, "\n]}\n", 4);
	assert_non_null(strstr(bpf, "},\n\"cpu\":{"));
	assert_non_null(strstr(bpf, "},\n\"processes\":[\n{\"pid\":"));
	free(bpf);
	free(mod);
}

/* The BPF source servicio's cycle reads: never a cmdline, whatever is asked. */
static void test_source_no_args(void **state)
{
	struct snapshot s;
	char why[256], err[512];
	void *st;

	(void)state;
	NEED_BPF();
	for (int details = 0; details < 2; details++) {
		struct metrics_config cfg = { .skip_details = details };

		assert_int_equal(bpfsrc_src.open(&cfg, true, &st, why, sizeof(why)), 0);
		assert_int_equal(bpfsrc_src.take(st, &s, err, sizeof(err)), 0);
		assert_non_null(snapshot_find_proc(&s, getpid()));
		for (size_t i = 0; i < s.nprocs; i++)
			assert_string_equal(s.procs[i].cmdline, "");
		snapshot_free(&s);
		bpfsrc_src.close(st);
	}
}

/* The cgroup walk is an option of the source's state, not of the process. */
static void test_source_no_cgwalk(void **state)
{
	struct metrics_config cfg = { .containers_only = true, .bpf_no_cgwalk = true };
	struct snapshot s;
	char why[256], err[512];
	void *st;

	(void)state;
	NEED_BPF();
	assert_int_equal(bpfsrc_src.open(&cfg, false, &st, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "cgroup walk off (option bpf-no-cgwalk)"));
	assert_int_equal(bpfsrc_src.take(st, &s, err, sizeof(err)), 0);
	assert_string_equal(s.source_why, "bpf task iterator");
	snapshot_free(&s);
	bpfsrc_src.close(st);
}

/* containers_only: only containerised processes, and the header says so. */
static void test_containers_only(void **state)
{
	struct snapshot s;
	char err[512], *buf;
	uint32_t flags = 0;
	size_t len;

	(void)state;
	NEED_BPF();
	assert_int_equal(bpfsrc_read_raw(g_bpf, true, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(bpfrec_check(buf, len, &flags, err, sizeof(err)), 0);
	assert_int_equal(flags, SI_HDR_CONTAINERS_ONLY);
	free(buf);
	doc_of(true, &buf, &len);
	assert_non_null(strstr(buf, "\"containers_only\":true"));
	assert_int_equal(modsrc_parse_buf(buf, len, &s, err, sizeof(err)), 0);
	free(buf);
	print_message("# containers_only: %zu processes in %zu containers\n", s.nprocs, s.nctrs);
	for (size_t i = 0; i < s.nprocs; i++)
		assert_int_equal(strlen(s.procs[i].container_id), GESTOR_CTR_ID_LEN);
	/* this process is listed exactly when it runs in a container itself */
	char cg[4096], id[GESTOR_CTR_ID_LEN + 1], path[512];
	ssize_t n = util_read_file_at(AT_FDCWD, "/proc/self/cgroup", cg, sizeof(cg));

	assert_true(n > 0);
	if (cgroupid_from_file_buf(cg, id, path, sizeof(path)))
		assert_non_null(snapshot_find_proc(&s, getpid()));
	else
		assert_null(snapshot_find_proc(&s, getpid()));
	snapshot_free(&s);
}

static void test_containers(void **state)
{
	const char *ids = getenv("GESTOR_BPF_CTRS");
	char list[4096], err[512];
	struct snapshot b, p;

	(void)state;
	NEED_BPF();
	assert_true(ids && *ids); /* main() runs this test only then */
	read_snap(&b);
	assert_int_equal(procfs_snapshot(NULL, &p, err, sizeof(err)), 0);
	util_strlcpy(list, ids, sizeof(list));
	for (char *save = NULL, *id = strtok_r(list, " ", &save); id;
	     id = strtok_r(NULL, " ", &save)) {
		const struct snap_ctr *cb = snapshot_find_ctr(&b, id);
		const struct snap_ctr *cp = snapshot_find_ctr(&p, id);

		print_message("# container %.12s: bpf %u processes (%s), procfs %u\n", id,
			      cb ? cb->nprocs : 0, cb ? cb->cgroup : "-", cp ? cp->nprocs : 0);
		assert_true(cb && cp);
		if (!cb || !cp)
			break; /* not reached (the analyzer does not know) */
		assert_int_equal(cb->nprocs, cp->nprocs);
		assert_string_equal(cb->cgroup, cp->cgroup);
	}
	snapshot_free(&b);
	snapshot_free(&p);
}

/* The identity of one process: what cannot change while it lives. */
static bool same_process(const struct snap_proc *a, const struct snap_proc *b)
{
	return a->ppid == b->ppid && a->uid == b->uid && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->container_id, b->container_id) == 0 && strcmp(a->cgroup, b->cgroup) == 0 &&
	       a->start_time_ns == b->start_time_ns;
}

/* Fill a stretch of the stack below the caller with 0xff bytes. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile unsigned char junk[8192];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xff;
}

/*
 * The walk must load here: the kernel has iter/cgroup and the css_task
 * kfuncs (>= 6.7) and a cgroup v2 hierarchy is mounted (alone or, on a
 * hybrid host, at /sys/fs/cgroup/unified). Elsewhere its absence is a skip.
 */
static bool walk_expected(void)
{
	static const char *const at[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;
	struct utsname u;
	unsigned long maj, min;
	char *end;
	bool v2 = false;

	if (uname(&u) != 0)
		return false;
	maj = strtoul(u.release, &end, 10);
	min = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (statfs(at[i], &fs) == 0 && fs.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */)
			v2 = true;
	return v2 && (maj > 6 || (maj == 6 && min >= 7));
}

/*
 * The cgroup walk (kernel >= 6.7) against the task iterator, read between
 * two walks: every containerised process the iterator lists is in a walk
 * with the same identity (parent, uid, name, container, cgroup, start), a
 * CPU time between the walks' and the memory within a page of one of them;
 * every process a walk lists is in the iterator's snapshot or has exited;
 * cmdline is empty. Skipped with the reason where the walk cannot load
 * (walk_expected); where it can, not loading is a failure.
 */
static void test_cgroup_walk(void **state)
{
	struct bpfsrc *only = NULL;
	struct snapshot w1, t, w2;
	char err[512];
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	int ret;

	(void)state;
	NEED_BPF();
	assert_int_equal(bpfsrc_open(&only, err, sizeof(err)), 0);
	/* the first read loads the walk: from a stack full of 0xff bytes, as
	 * garbage once made the load fail with EINVAL (issue 30) */
	dirty_stack();
	ret = bpfsrc_read_containers(only, &w1, err, sizeof(err));
	if (ret == -EOPNOTSUPP && !walk_expected()) {
		print_message("skipped: %s\n", err);
		bpfsrc_close(only);
		skip();
	}
	if (ret < 0)
		print_error("kernel >= 6.7 with cgroup v2 mounted, yet: %s\n", err);
	assert_int_equal(ret, 0);
	assert_int_equal(bpfsrc_read(only, true, &t, err, sizeof(err)), 0);
	assert_int_equal(bpfsrc_read_containers(only, &w2, err, sizeof(err)), 0);
	print_message(
		"# cgroup walk: %zu processes in %zu containers (task iterator: %zu in %zu)\n",
		w1.nprocs, w1.nctrs, t.nprocs, t.nctrs);
	assert_true(w1.mem.total_kb > 0 && w1.cpus > 0 && w1.boottime_ns > 0);
	for (size_t i = 0; i < t.nprocs; i++) {
		const struct snap_proc *p = &t.procs[i];
		const struct snap_proc *a = snapshot_find_proc(&w1, p->pid);
		const struct snap_proc *b = snapshot_find_proc(&w2, p->pid);

		/* the walk does not list zombies (docs/proc-format.md) */
		if (p->state[0] == 'Z')
			continue;
		if (!a && !b)
			print_error("pid %d (%s, %.12s) not in either walk\n", p->pid, p->name,
				    p->container_id);
		assert_true(a || b);
		/* the same process in both walks (not one that exec'd or was
		 * reparented between them, as another suite's may): the task
		 * iterator's read, made between the two, shows it the same */
		if (a && b && same_process(a, b)) {
			assert_true(same_process(a, p) && same_process(b, p));
			assert_true(a->cpu_time_ns <= p->cpu_time_ns &&
				    p->cpu_time_ns <= b->cpu_time_ns);
			/* memory read between the walks: between theirs (a busy
			 * process of another suite grows and shrinks meanwhile) */
			if (!between(p->rss_kb, a->rss_kb, b->rss_kb, page_kb))
				print_error("pid %d (%s): rss %llu kB, walks %llu and %llu kB\n",
					    p->pid, p->name, (unsigned long long)p->rss_kb,
					    (unsigned long long)a->rss_kb,
					    (unsigned long long)b->rss_kb);
			assert_true(between(p->rss_kb, a->rss_kb, b->rss_kb, page_kb));
			assert_string_equal(a->cmdline, "");
		}
	}
	for (size_t i = 0; i < w1.nprocs; i++)
		if (!snapshot_find_proc(&t, w1.procs[i].pid))
			assert_int_equal(kill(w1.procs[i].pid, 0), -1);
	snapshot_free(&w1);
	snapshot_free(&t);
	snapshot_free(&w2);
	bpfsrc_close(only);
}

/* ---- many readers while processes fork, exit, linger as zombies and move ---- */

#define CR_READERS 8
#define CR_READS 1000
#define CR_STAY 4 /* sleepers that stay in container A */
#define CR_MOVE 4 /* sleepers moved between containers A and B all the time */
#define CR_OUT 4 /* sleepers outside containers */
#define CR_STABLE (CR_STAY + CR_MOVE + CR_OUT)

struct cr_state {
	pid_t stable[CR_STABLE]; /* alive for the whole test */
	pid_t zombie; /* a child in container A, a zombie for the whole test */
	char id_a[GESTOR_CTR_ID_LEN + 1], id_b[GESTOR_CTR_ID_LEN + 1];
	char dir[160], cg_a[256], cg_b[256]; /* cgroup v2 directories ("" without v2) */
	int idx; /* the reader's number (per thread copy) */
	unsigned long walks; /* cgroup walks read */
	char fail[256]; /* the first failure, "" when none */
};

static pthread_mutex_t cr_lock = PTHREAD_MUTEX_INITIALIZER;

static void cr_fail(struct cr_state *st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&cr_lock);
	if (!st->fail[0]) {
		va_start(ap, fmt);
		vsnprintf(st->fail, sizeof(st->fail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&cr_lock);
}

/* The cgroup v2 mount (alone, or /unified beside v1), "" when none. */
static void cr_v2_root(char *out, size_t cap)
{
	static const char *const at[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct statfs fs;

	out[0] = '\0';
	for (size_t i = 0; i < 2; i++)
		if (statfs(at[i], &fs) == 0 && fs.f_type == 0x63677270) {
			util_strlcpy(out, at[i], cap);
			return;
		}
}

/* Write text to a cgroup file in one write: 0 or -errno. */
static int cg_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = util_write_all(fd, text, strlen(text));
	close(fd);
	return ret;
}

static int cr_move(const char *cg, pid_t pid)
{
	char path[400], num[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(num, sizeof(num), "%d", (int)pid);
	return cg_write(path, num);
}

/* A cgroup file's number (memory.usage_in_bytes, memory.current). */
static uint64_t cg_u64(const char *path)
{
	char buf[64];
	ssize_t n = util_read_once_at(AT_FDCWD, path, buf, sizeof(buf) - 1);

	assert_true(n > 0);
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/*
 * A process's memory cgroup in its record: the directory's inode and the
 * usage its file shows (v1 memory.usage_in_bytes, v2 memory.current, what
 * servicio would otherwise read each cycle). A child moved into a memory
 * cgroup made for it charges 8 MiB there and sleeps; the file, read just
 * before and after the BPF read, brackets the record's usage.
 */
static void test_memcg_usage(void **state)
{
	char root[64], dir[128], file[192], ok;
	const char *name = "memory.usage_in_bytes";
	int go[2], ready[2];
	struct snapshot b;
	const struct snap_proc *r;
	struct stat st;
	uint64_t u0, u1;
	pid_t kid;

	(void)state;
	NEED_BPF();
	util_strlcpy(root, "/sys/fs/cgroup/memory", sizeof(root));
	if (access("/sys/fs/cgroup/memory/memory.usage_in_bytes", F_OK) != 0) {
		cr_v2_root(root, sizeof(root));
		name = "memory.current";
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", root);
		/* a bare v2 tree (a VM's) may not hand the controller down yet */
		int w = root[0] ? cg_write(file, "+memory") : 0;

		if (w < 0)
			print_message("# %s: +memory: %s\n", file, strerror(-w));
		memset(dir, 0, sizeof(dir));
		if (!root[0] || util_read_once_at(AT_FDCWD, file, dir, sizeof(dir) - 1) <= 0 ||
		    !strstr(dir, "memory")) {
			print_message("skipped: no memory cgroup hierarchy to make a cgroup in\n");
			skip();
		}
	}
	snprintf(dir, sizeof(dir), "%s/gestor-bpfmemcg-%d", root, (int)getpid());
	snprintf(file, sizeof(file), "%s/%s", dir, name);
	if (mkdir(dir, 0755) < 0) { /* a container's read-only cgroup mount (foundation/fresh) */
		print_message("skipped: cannot make a memory cgroup (%s: %s)\n", dir,
			      strerror(errno));
		skip();
	}
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	kid = fork();
	if (kid == 0) {
		char *mem;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &ok, 1) != 1 || !(mem = malloc(8u << 20)))
			_exit(1);
		memset(mem, 1, 8u << 20); /* charged to the cgroup it is in now */
		__asm__ volatile("" : : "r"(mem) : "memory"); /* the pages are kept */
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_true(kid > 0);
	assert_int_equal(cr_move(dir, kid), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &ok, 1), 1);
	u0 = cg_u64(file);
	read_snap(&b);
	u1 = cg_u64(file);
	r = snapshot_find_proc(&b, kid);
	assert_non_null(r);
	assert_int_equal(stat(dir, &st), 0);
	print_message("# memory cgroup %s: inode %llu, usage %llu B (file %llu / %llu B)\n", dir,
		      (unsigned long long)st.st_ino, (unsigned long long)r->memcg_bytes,
		      (unsigned long long)u0, (unsigned long long)u1);
	assert_int_equal(r->memcg_ino, st.st_ino);
	assert_true(u0 >= 8u << 20);
	/* the kernel moves charges between the counter and a CPU's stock by
	 * itself (MEMCG_CHARGE_BATCH, 64 pages): within that per CPU */
	assert_true(between(r->memcg_bytes, u0, u1,
			    64 * (uint64_t)sysconf(_SC_PAGESIZE) *
				    (uint64_t)sysconf(_SC_NPROCESSORS_ONLN)));
	/* this process is not in that cgroup */
	assert_int_not_equal(snapshot_find_proc(&b, getpid())->memcg_ino, st.st_ino);
	snapshot_free(&b);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000); /* a cgroup whose last process just exited can stay busy */
	assert_int_equal(access(dir, F_OK), -1);
	for (int i = 0; i < 2; i++) {
		close(go[i]);
		close(ready[i]);
	}
}

/*
 * The churn (a child process): forks children that exit at once and reaps
 * them only every 20 (so zombies are always there), and moves the movers
 * between the two containers' cgroups, until killed.
 */
static void cr_churn(const struct cr_state *st)
{
	unsigned long n = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		pid_t k = fork();

		if (k == 0)
			_exit(0);
		if (++n % 20 == 0)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		if (st->cg_a[0])
			for (int i = 0; i < CR_MOVE; i++)
				(void)cr_move((n + (unsigned long)i) % 2 ? st->cg_a : st->cg_b,
					      st->stable[CR_STAY + i]);
	}
}

/*
 * One task iterator read: the records are complete and consistent with
 * their header (bpfrec_check: containers only means an id on every cgroup),
 * a cgroup record before every process, pids strictly increasing (each
 * process once), and every stable process listed that the setting asks
 * for, in its own container.
 */
static void cr_check_iter(struct cr_state *st, bool ctr, const char *buf, size_t len)
{
	const size_t H = sizeof(struct si_rhdr), C = sizeof(struct si_wcg),
		     P = sizeof(struct si_wproc);
	size_t off, seen = 0, want = ctr ? CR_STAY + CR_MOVE : CR_STABLE;
	uint32_t flags = 99, last = 0;
	bool zombie = false;
	char err[256];

	if (bpfrec_check(buf, len, &flags, err, sizeof(err)) < 0)
		return cr_fail(st, "reader %d: %s", st->idx, err);
	if (flags != (ctr ? SI_HDR_CONTAINERS_ONLY : 0u))
		return cr_fail(st, "reader %d: header flags %u for containers_only %d", st->idx,
			       flags, ctr);
	for (off = H; off + C + P <= len; off += C + P) {
		struct si_wcg c;
		struct si_wproc w;
		int k;

		memcpy(&c, buf + off, C);
		memcpy(&w, buf + off + C, P);
		if (c.type != SI_WREC_CG || w.type != SI_WREC_PROC)
			return cr_fail(st, "reader %d: records not in cgroup, process pairs",
				       st->idx);
		if (w.pid <= last)
			return cr_fail(st, "reader %d: pid %u after %u", st->idx, w.pid, last);
		last = w.pid;
		if ((pid_t)w.pid == st->zombie) {
			if (w.state != 'Z' ||
			    (st->cg_a[0] && memcmp(c.id, st->id_a, GESTOR_CTR_ID_LEN) != 0))
				return cr_fail(st, "reader %d: zombie %u listed as %c%s", st->idx,
					       w.pid, w.state, st->cg_a[0] ? " or not in A" : "");
			zombie = true;
		}
		for (k = 0; k < CR_STABLE && st->stable[k] != (pid_t)w.pid; k++)
			;
		if (k == CR_STABLE)
			continue;
		if (k < CR_STAY + CR_MOVE && st->cg_a[0]) {
			bool a = memcmp(c.id, st->id_a, GESTOR_CTR_ID_LEN) == 0;
			bool b = memcmp(c.id, st->id_b, GESTOR_CTR_ID_LEN) == 0;

			if (!(a || (k >= CR_STAY && b)))
				return cr_fail(st, "reader %d: pid %u in the wrong container",
					       st->idx, w.pid);
		}
		seen++;
	}
	if (off + sizeof(struct si_rend) != len)
		return cr_fail(st, "reader %d: stray bytes at %zu", st->idx, off);
	/* the zombie lived through the read: listed (in container A) like the module lists it */
	if ((st->cg_a[0] || !ctr) && !zombie)
		return cr_fail(st, "reader %d: zombie %d not listed (containers_only %d)", st->idx,
			       (int)st->zombie, ctr);
	if (st->cg_a[0] || !ctr)
		if (seen != (st->cg_a[0] ? want : CR_STABLE))
			cr_fail(st,
				"reader %d: %zu of the %zu stable processes listed "
				"(containers_only %d)",
				st->idx, seen, want, ctr);
}

static void *cr_reader(void *arg)
{
	struct cr_state *st = arg;
	char err[512];

	for (int i = 0; i < CR_READS && !st->fail[0]; i++) {
		bool ctr = (i + st->idx) % 2;
		char *buf;
		size_t len;
		struct snapshot s;

		/* every 10th read of a reader: the cgroup walk, where it loads */
		if (i % 10 == 9 && st->cg_a[0]) {
			int ret = bpfsrc_read_containers(g_bpf, &s, err, sizeof(err));

			if (ret == -EOPNOTSUPP)
				continue;
			if (ret < 0) {
				cr_fail(st, "reader %d: cgroup walk: %s", st->idx, err);
				break;
			}
			/* no process moves during a walk (the kernel's cgroup iterator
			 * holds cgroup_mutex): movers are never missed; the zombie is
			 * not listed (the kernel's css_task iterator skips it) */
			st->walks++;
			for (int k = 0; k < CR_STAY + CR_MOVE; k++)
				if (!snapshot_find_proc(&s, st->stable[k]))
					cr_fail(st, "reader %d: walk missed pid %d%s", st->idx,
						(int)st->stable[k],
						k >= CR_STAY ? " (a mover)" : "");
			if (snapshot_find_proc(&s, st->zombie))
				cr_fail(st, "reader %d: walk listed zombie %d", st->idx,
					(int)st->zombie);
			snapshot_free(&s);
			continue;
		}
		if (bpfsrc_read_raw(g_bpf, ctr, &buf, &len, err, sizeof(err)) < 0) {
			cr_fail(st, "reader %d: read %d: %s", st->idx, i, err);
			break;
		}
		cr_check_iter(st, ctr, buf, len);
		free(buf);
	}
	return NULL;
}

/* /proc/<pid>/stat's state letter, '?' when unreadable */
static char cr_state_of(pid_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	const char *r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	r = strrchr(buf, ')');
	return r && r[1] == ' ' ? r[2] : '?';
}

/*
 * A child of this process moved into container A that exits at once and is
 * waited for only at the end: st->zombie stays a zombie in A for the whole test.
 */
static void cr_zombie(struct cr_state *st)
{
	int go[2];
	char c;

	assert_int_equal(pipe(go), 0);
	st->zombie = fork();
	if (st->zombie == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	assert_true(st->zombie > 0);
	close(go[0]);
	if (st->cg_a[0])
		assert_int_equal(cr_move(st->cg_a, st->zombie), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	for (int i = 0; i < 1000 && cr_state_of(st->zombie) != 'Z'; i++)
		usleep(10000);
	assert_int_equal(cr_state_of(st->zombie), 'Z');
}

static void test_concurrent_readers(void **state)
{
	struct cr_state st, per[CR_READERS];
	pthread_t th[CR_READERS];
	char root[64];
	pid_t churn;
	unsigned long walks = 0;

	(void)state;
	NEED_BPF();
	memset(&st, 0, sizeof(st));
	snprintf(st.id_a, sizeof(st.id_a), "%08x%056d", (unsigned)getpid(), 0xa);
	snprintf(st.id_b, sizeof(st.id_b), "%08x%056d", (unsigned)getpid(), 0xb);
	cr_v2_root(root, sizeof(root));
	if (root[0]) {
		snprintf(st.dir, sizeof(st.dir), "%s/gestor-bpftest-%d", root, (int)getpid());
		snprintf(st.cg_a, sizeof(st.cg_a), "%s/docker-%s.scope", st.dir, st.id_a);
		snprintf(st.cg_b, sizeof(st.cg_b), "%s/docker-%s.scope", st.dir, st.id_b);
		if (mkdir(st.dir, 0755) < 0 || mkdir(st.cg_a, 0755) < 0 ||
		    mkdir(st.cg_b, 0755) < 0) {
			print_message("# no cgroup v2 directories (%s): no moves\n",
				      strerror(errno));
			st.cg_a[0] = st.cg_b[0] = '\0';
		}
	}
	for (int i = 0; i < CR_STABLE; i++) {
		st.stable[i] = spawn_sleeper();
		if (st.cg_a[0] && i < CR_STAY + CR_MOVE)
			assert_int_equal(
				cr_move(i < CR_STAY || i % 2 ? st.cg_a : st.cg_b, st.stable[i]), 0);
	}
	cr_zombie(&st);
	churn = fork();
	if (churn == 0)
		cr_churn(&st);
	assert_true(churn > 0);
	for (int r = 0; r < CR_READERS; r++) {
		per[r] = st;
		per[r].idx = r;
		assert_int_equal(pthread_create(&th[r], NULL, cr_reader, &per[r]), 0);
	}
	for (int r = 0; r < CR_READERS; r++) {
		pthread_join(th[r], NULL);
		if (per[r].fail[0] && !st.fail[0])
			util_strlcpy(st.fail, per[r].fail, sizeof(st.fail));
		walks += per[r].walks;
	}
	kill(churn, SIGKILL);
	waitpid(churn, NULL, 0);
	waitpid(st.zombie, NULL, 0);
	for (int i = 0; i < CR_STABLE; i++) {
		kill(st.stable[i], SIGKILL);
		waitpid(st.stable[i], NULL, 0);
	}
	/* a cgroup whose last process just exited can stay busy for a moment */
	for (int i = 0; st.dir[0] && i < 500; i++) {
		rmdir(st.cg_a);
		rmdir(st.cg_b);
		if (rmdir(st.dir) == 0 || errno == ENOENT)
			break;
		usleep(10000);
	}
	print_message("# %d readers x %d reads%s, a zombie: %s; %lu of them cgroup walks%s\n",
		      CR_READERS, CR_READS, st.cg_a[0] ? " with moves between two containers" : "",
		      st.fail[0] ? st.fail : "all complete and consistent", walks,
		      walks ? "" : " (the walk does not load here)");
	assert_string_equal(st.fail, "");
}

/* ---- argv on a mapping whose reads never end (issue 30 item 2) ---- */

/*
 * A FUSE file system (tests/kernel/fusehang.h, on a directory of its own)
 * with one file "f" whose READ requests are never answered. A child maps
 * the file and points its argv there (PR_SET_MM_MAP: no CAP_SYS_RESOURCE
 * needed), so whoever reads that argv without FOLL_ANON - access_process_vm(),
 * what bpf_copy_from_user_task() is - waits until the connection ends (the
 * CVE-2018-1120 pattern; tests/kernel/review_test.c does the same to the
 * module). BPF reads no argv, so its reads must end all the same.
 */
struct fz {
	char dir[64];
	int fd; /* /dev/fuse */
	pid_t server, mapper, control; /* control: the reader that waits (fz_control) */
	unsigned long arg_start; /* the mapper's argv, inside the FUSE mapping */
	char id[GESTOR_CTR_ID_LEN + 1]; /* the mapper's made-up container, "" when none */
	char cg_dir[160], cg[256]; /* its cgroup v2 directories */
};

static struct fz *fz_live; /* the running test's, for its teardown */

/* The mapper: argv moved into the FUSE mapping (the other fields as they are). */
static int fz_map_argv(const char *file, unsigned long *start)
{
	unsigned long long f[56] = { 0 };
	char st[2048], *tok, *save = NULL;
	struct prctl_mm_map mm;
	int fd = open(file, O_RDONLY);
	char *m;
	ssize_t n;

	m = fd < 0 ? MAP_FAILED : mmap(NULL, 65536, PROT_READ, MAP_PRIVATE, fd, 0);
	n = util_read_once_at(AT_FDCWD, "/proc/self/stat", st, sizeof(st) - 1);
	if (m == MAP_FAILED || n <= 0)
		return -1;
	st[n] = 0;
	/* fields from 3 (state) on, after the name in parentheses */
	tok = strrchr(st, ')');
	for (int i = 3; tok && i < 56; i++) {
		tok = strtok_r(i == 3 ? tok + 1 : NULL, " ", &save);
		if (tok)
			f[i] = strtoull(tok, NULL, 10);
	}
	mm = (struct prctl_mm_map){ .start_code = f[26],
				    .end_code = f[27],
				    .start_stack = f[28],
				    .start_data = f[45],
				    .end_data = f[46],
				    .start_brk = f[47],
				    .brk = (uint64_t)(uintptr_t)sbrk(0),
				    .arg_start = (uint64_t)(uintptr_t)(m + 4096),
				    .arg_end = (uint64_t)(uintptr_t)(m + 8192),
				    .env_start = f[50],
				    .env_end = f[51],
				    .exe_fd = (uint32_t)-1 };
	*start = mm.arg_start;
	return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&mm, sizeof(mm), 0);
}

/*
 * The mapper into a made-up container's cgroup (v2: docker-<id>.scope, as
 * the concurrency test's), so containers-only reads and the cgroup walk,
 * servicio's cycle's reads, list it too; without cgroup v2 it stays outside.
 */
static void fz_contain(struct fz *z)
{
	char root[64];

	cr_v2_root(root, sizeof(root));
	if (!root[0])
		return;
	snprintf(z->id, sizeof(z->id), "%08x%056d", (unsigned)getpid(), 0xf);
	snprintf(z->cg_dir, sizeof(z->cg_dir), "%s/gestor-bpfargv-%d", root, (int)getpid());
	snprintf(z->cg, sizeof(z->cg), "%s/docker-%s.scope", z->cg_dir, z->id);
	assert_int_equal(mkdir(z->cg_dir, 0755), 0);
	assert_int_equal(mkdir(z->cg, 0755), 0);
	assert_int_equal(cr_move(z->cg, z->mapper), 0);
}

/* Mount the file system, start its server and the mapper; false (and why) if it cannot. */
static bool fz_start(struct fz *z, char *why, size_t whylen)
{
	char opts[128], file[80];
	int p[2] = { -1, -1 };

	memset(z, 0, sizeof(*z));
	z->server = z->mapper = z->control = -1;
	snprintf(z->dir, sizeof(z->dir), "/tmp/gestor-bpfargv.XXXXXX");
	z->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (z->fd < 0 || !mkdtemp(z->dir)) {
		snprintf(why, whylen, "no /dev/fuse or temp dir (%s)", strerror(errno));
		if (z->fd >= 0)
			close(z->fd);
		return false;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", z->fd);
	if (mount("gestorbpfargv", z->dir, "fuse", MS_NOSUID | MS_NODEV, opts) != 0) {
		snprintf(why, whylen, "cannot mount FUSE (%s)", strerror(errno));
		close(z->fd);
		rmdir(z->dir);
		return false;
	}
	fz_live = z;
	z->server = fork();
	if (z->server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test killed still ends the connection */
		fusehang_serve(z->fd, false);
	}
	/* the server's copy must be the only one: its end is the connection's
	 * end, the one thing that ends a held READ (not even SIGKILL does) */
	close(z->fd);
	assert_true(z->server > 0 && pipe(p) == 0);
	snprintf(file, sizeof(file), "%s/f", z->dir);
	z->mapper = fork();
	if (z->mapper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if (fz_map_argv(file, &z->arg_start) == 0 &&
		    write(p[1], &z->arg_start, sizeof(z->arg_start)) == sizeof(z->arg_start))
			for (;;)
				pause();
		_exit(1);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &z->arg_start, sizeof(z->arg_start)), sizeof(z->arg_start));
	close(p[0]);
	fz_contain(z);
	return true;
}

/* End the connection (the server's exit: every held READ ends), kill, reap. */
static void fz_stop(struct fz *z)
{
	if (z->server > 0)
		kill(z->server, SIGKILL);
	if (z->control > 0)
		kill(z->control, SIGKILL);
	if (z->mapper > 0)
		kill(z->mapper, SIGKILL);
	umount2(z->dir, MNT_DETACH);
	if (z->mapper > 0)
		waitpid(z->mapper, NULL, 0);
	if (z->server > 0)
		waitpid(z->server, NULL, 0);
	if (z->control > 0)
		waitpid(z->control, NULL, 0);
	rmdir(z->dir);
	/* a cgroup whose last process just exited can stay busy for a moment */
	for (int i = 0; z->cg_dir[0] && i < 500; i++) {
		rmdir(z->cg);
		if (rmdir(z->cg_dir) == 0 || errno == ENOENT)
			break;
		usleep(10000);
	}
	fz_live = NULL;
}

/* Control: read one byte of the mapper's argv the way access_process_vm() does. */
static void fz_control(struct fz *z)
{
	pid_t pid = fork();

	if (pid == 0) {
		char c;
		struct iovec l = { &c, 1 }, r = { (void *)z->arg_start, 1 };

		_exit(process_vm_readv(z->mapper, &l, 1, &r, 1, 0) == 1 ? 0 : 1);
	}
	assert_true(pid > 0);
	z->control = pid;
}

/* The test's teardown: what a failed assertion left (fz_live is set while it runs). */
static int fz_teardown(void **state)
{
	(void)state;
	if (fz_live)
		fz_stop(fz_live);
	return 0;
}

/* What the reads of fz_reads() found (written by its thread, read after the join). */
struct fz_res {
	pid_t pid; /* the mapper */
	const char *id; /* its container's id, "" when it is in none (no cgroup v2) */
	bool done; /* every read ended */
	bool walked; /* the cgroup walk was read too (it loads here) */
	char fail[256]; /* the first failure, "" when none */
	double secs;
};

/* A failure of fz_reads(): the first kept. */
static void fz_fail(struct fz_res *r, const char *what, const char *err)
{
	if (!r->fail[0])
		snprintf(r->fail, sizeof(r->fail), "%s: %s", what, err);
}

/* The mapper in snapshot s (ctr: a containers-only one): listed, no cmdline, its container. */
static void fz_check(struct fz_res *r, const char *what, const struct snapshot *s, bool ctr)
{
	const struct snap_proc *p = snapshot_find_proc(s, r->pid);

	if (!p && !(ctr && !r->id[0]))
		fz_fail(r, what, "the process is missing");
	else if (p && p->cmdline[0])
		fz_fail(r, what, "a cmdline");
	else if (p && strcmp(p->container_id, r->id) != 0)
		fz_fail(r, what, "another container id");
}

/* Both task iterators and, where it loads, the cgroup walk. */
static void fz_read_iters(struct fz_res *r)
{
	struct snapshot s;
	char err[512];
	int ret;

	for (int ctr = 0; ctr < 2; ctr++) {
		if (bpfsrc_read(g_bpf, ctr, &s, err, sizeof(err)) < 0) {
			fz_fail(r, "bpfsrc_read", err);
			continue;
		}
		fz_check(r, ctr ? "containers-only task iterator" : "task iterator", &s, ctr);
		snapshot_free(&s);
	}
	ret = bpfsrc_read_containers(g_bpf, &s, err, sizeof(err));
	if (ret == -EOPNOTSUPP)
		return;
	if (ret < 0) {
		fz_fail(r, "bpfsrc_read_containers", err);
		return;
	}
	r->walked = true;
	fz_check(r, "cgroup walk", &s, true);
	snapshot_free(&s);
}

/* `servicio sysinfo`'s document, and two takes of the source per setting (servicio's cycle). */
static void fz_read_doc_takes(struct fz_res *r)
{
	char err[512], needle[32], *doc = NULL, *at;
	struct snapshot s;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	void *st;

	if (!f || bpfsrc_print_json(g_bpf, false, f, err, sizeof(err)) < 0)
		fz_fail(r, "bpfsrc_print_json", f ? err : "open_memstream");
	if (f)
		fclose(f);
	snprintf(needle, sizeof(needle), "{\"pid\":%d,", (int)r->pid);
	at = doc ? strstr(doc, needle) : NULL;
	if (!at || !strstr(at, "\"cmdline\":\"\","))
		fz_fail(r, "the document", at ? "a cmdline" : "the process is missing");
	free(doc);
	for (int ctr = 0; ctr < 2; ctr++) {
		struct metrics_config cfg = { .containers_only = ctr };

		if (bpfsrc_src.open(&cfg, true, &st, err, sizeof(err)) < 0) {
			fz_fail(r, "bpfsrc_src.open", err);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (bpfsrc_src.take(st, &s, err, sizeof(err)) < 0) {
				fz_fail(r, "bpfsrc_src.take", err);
				continue;
			}
			fz_check(r, "bpfsrc_src.take", &s, ctr);
			snapshot_free(&s);
		}
		bpfsrc_src.close(st);
	}
}

/* Every read of the test, timed (the thread of test_argv_on_fuse). */
static void *fz_reads(void *arg)
{
	struct fz_res *r = arg;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	fz_read_iters(r);
	fz_read_doc_takes(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->done = true;
	return NULL;
}

/*
 * With a process whose argv reads never end, in a made-up container: a read
 * by process_vm_readv() (no FOLL_ANON, as bpf_copy_from_user_task()) is
 * still waiting after 3 s and after all the reads below; meanwhile both task
 * iterators, the cgroup walk (where it loads), `servicio sysinfo`'s printer
 * and the source's take (what servicio's cycle calls, twice per setting)
 * end and list the process with cmdline "" in its container. They run in a thread:
 * one still waiting after 120 s is a failure (the connection is then ended,
 * which ends the wait), not a hang.
 */
static void test_argv_on_fuse(void **state)
{
	static struct fz z;
	struct fz_res r = { 0 };
	struct timespec until;
	char why[256];
	pthread_t th;
	int ret;

	(void)state;
	NEED_BPF();
	if (!fz_start(&z, why, sizeof(why))) {
		print_message("skipped: %s\n", why);
		skip();
	}
	fz_control(&z);
	sleep(3);
	assert_int_equal(waitpid(z.control, NULL, WNOHANG), 0);
	r.pid = z.mapper;
	r.id = z.id;
	assert_int_equal(pthread_create(&th, NULL, fz_reads, &r), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 120;
	ret = pthread_timedjoin_np(th, NULL, &until);
	if (ret != 0) {
		print_error("the BPF reads still wait after 120 s (argv on FUSE)\n");
		fz_stop(&z); /* the connection's end ends the wait */
		pthread_join(th, NULL);
	}
	assert_int_equal(ret, 0);
	assert_true(r.done);
	assert_string_equal(r.fail, "");
	/* the argv stayed unreadable the whole time */
	assert_int_equal(waitpid(z.control, NULL, WNOHANG), 0);
	print_message("# argv on FUSE (pid %d, container %.12s): process_vm_readv still waiting; "
		      "both task iterators%s, the printer and 4 takes done in %.2f s\n",
		      (int)z.mapper, z.id[0] ? z.id : "none", r.walked ? ", the cgroup walk" : "",
		      r.secs);
	fz_stop(&z);
}

static volatile sig_atomic_t fz_hold_end;

/* SIGTERM in fz_hold: stop waiting (a read() ends with EINTR), then clean up. */
static void fz_hold_term(int sig)
{
	(void)sig;
	fz_hold_end = 1;
}

/*
 * `servicio_bpfsrc_test --hold-argv-on-fuse`, for tests/metrics/bpf.sh: the
 * mapper and the control reader of test_argv_on_fuse kept until stdin ends
 * or SIGTERM, so the servicio binary can be run beside them. Prints "pid N
 * control waiting" once ready, "control still waiting" at the end (exit 0),
 * else exit 1; 77 where FUSE cannot be mounted.
 */
static int fz_hold(void)
{
	struct sigaction sa = { .sa_handler = fz_hold_term }; /* no SA_RESTART */
	static struct fz z;
	char why[256], c;
	bool waiting;

	if (!fz_start(&z, why, sizeof(why))) {
		printf("skipped: %s\n", why);
		return 77;
	}
	sigaction(SIGTERM, &sa, NULL);
	fz_control(&z);
	sleep(3);
	waiting = waitpid(z.control, NULL, WNOHANG) == 0;
	printf("pid %d control %s\n", (int)z.mapper, waiting ? "waiting" : "ended");
	fflush(stdout);
	while (waiting && !fz_hold_end && read(0, &c, 1) > 0)
		;
	waiting = waiting && waitpid(z.control, NULL, WNOHANG) == 0;
	printf("control %s\n", waiting ? "still waiting" : "ended");
	fz_stop(&z);
	return waiting ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses),
		cmocka_unit_test(test_agrees_with_proc),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_every_byte_in_names),
		cmocka_unit_test(test_shape_matches_module),
		cmocka_unit_test(test_source_no_args),
		cmocka_unit_test(test_source_no_cgwalk),
		cmocka_unit_test(test_memcg_usage),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_containers_only),
		cmocka_unit_test(test_cgroup_walk),
		cmocka_unit_test_teardown(test_argv_on_fuse, fz_teardown),
		/* last: left out of the run below without containers to name */
		cmocka_unit_test(test_containers),
	};
	size_t n = sizeof(tests) / sizeof(tests[0]);
	const char *ids = getenv("GESTOR_BPF_CTRS");

	if (argc == 2 && strcmp(argv[1], "--hold-argv-on-fuse") == 0)
		return fz_hold();

	/* test_containers needs containers started for it: it is a part of
	 * tests/metrics/bpf.sh (which starts two, names them here and checks
	 * that it ran), not of the plain unit run, where it would only ever
	 * be skipped */
	/* GESTOR_BPF_ONLY=test_name: that test alone (tests/kernel/bpf-conc-guest.sh
	 * runs the concurrency test on other kernels in a VM) */
	if (getenv("GESTOR_BPF_ONLY"))
		cmocka_set_test_filter(getenv("GESTOR_BPF_ONLY"));
	if (!ids || !*ids) {
		print_message("# test_containers is run by tests/metrics/bpf.sh "
			      "(GESTOR_BPF_CTRS names its containers)\n");
		n--;
	}
	return _cmocka_run_group_tests("bpfsrc", tests, n, setup, teardown);
}
