/*
 * sysinfo_test.c — the in-VM test and benchmark program for the sysinfo
 * kernel module. Linked statically (with jansson) and run inside the VM
 * by tests/kernel/module.sh and bench/kernel.sh through tests/kernel/vm.sh.
 *
 * Each subcommand prints TAP-like "ok N - what" / "not ok N - what" lines
 * and exits non-zero when a check failed:
 *   parse [COPY]          read the file with 4 KiB reads, validate it
 *   compare               every listed process against /proc/<pid>/stat,
 *                         statm, status and cmdline read before and after
 *   hostile COPY          processes with hostile comm and argv; exact names
 *   cgroups DOC COPY      container attribution for each cgroup layout on
 *                         v1 and v2, then containers_only
 *   storm SECONDS         concurrent readers during a fork/exit storm
 *   cycles N KO PROCS     N insmod/rmmod cycles with a reader running and
 *                         PROCS short-lived hostile-named processes
 *   scale N               N extra processes: still one valid document
 *   bench N REPS          time the module file vs a procfs walk, N processes
 *   validate FILE...      documents saved in files parse and validate
 *   sleeper HEXNAME FD ARGS...  (internal) set comm, signal FD, wait
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/utf8.h"
#include "tap.h"

#define PROC_FILE "/proc/sysinfo_202002591"
#define PARAM_CONTAINERS "/sys/module/sysinfo/parameters/containers_only"
#define CMDLINE_MAX 256
#define TICK_NS 10000000LL /* USER_HZ = 100 */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- reading ---------------------------------------------------------- */

/*
 * The decimal number at s (leading blanks skipped) into *v, and where it ends
 * into *end (when end is not NULL). false when there is none or it is outside
 * [min, max].
 */
static bool num_at(const char *s, long long min, long long max, const char **end, long long *v)
{
	char *e;
	long long x;

	errno = 0;
	x = strtoll(s, &e, 10);
	if (e == s || errno == ERANGE || x < min || x > max)
		return false;
	if (end)
		*end = e;
	*v = x;
	return true;
}

/* the whole of s (a command-line argument, a /proc entry name) as a number */
static bool num_all(const char *s, long long min, long long max, long long *v)
{
	const char *end;

	return num_at(s, min, max, &end, v) && *end == '\0';
}

/* -errno, never 0 or positive: a failure stays one */
static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Read a whole file with reads of `chunk` bytes; 0 or -errno. */
static int read_all(const char *path, size_t chunk, char **out, size_t *outlen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf;
	int fd, err = 0;

	*out = NULL; /* set on success only */
	*outlen = 0;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = neg_errno(); /* before free(), which may change errno */
		free(buf);
		return err;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < chunk) {
			char *nb = realloc(buf, cap * 2 + 1);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = neg_errno();
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	size_t n;

	if (!f)
		return -errno;
	n = fwrite(data, 1, len, f);
	if (fclose(f) != 0 || n != len)
		return -EIO;
	return 0;
}

/* ---- document validation ----------------------------------------------- */

static bool is_uint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0;
}

static bool is_pct(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) && json_number_value(v) >= 0;
}

static bool is_hex64(const char *s)
{
	size_t i;

	if (strlen(s) != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* Check the structure of a document; false with a reason in err. */
static bool doc_valid(json_t *doc, char *err, size_t errlen)
{
	static const char *const top[] = { "version", "timestamp_ns", "boottime_ns", "cpus", "hz" };
	static const char *const mem[] = { "total_kb",	    "free_kb",	   "available_kb",
					   "used_kb",	    "buffers_kb",  "cached_kb",
					   "swap_total_kb", "swap_free_kb" };
	static const char *const cpu[] = { "user_ns",	"nice_ns", "system_ns",	 "idle_ns",
					   "iowait_ns", "irq_ns",  "softirq_ns", "steal_ns" };
	static const char *const pint[] = { "pid",    "ppid",	"uid",	       "threads",
					    "vsz_kb", "rss_kb", "cpu_time_ns", "start_time_ns" };
	static const char *const pstr[] = { "name", "cmdline", "state", "container_id", "cgroup" };
	json_t *procs, *p;
	json_int_t last = 0;
	size_t i, k;

	if (!json_is_object(doc))
		return snprintf(err, errlen, "not an object"), false;
	for (k = 0; k < sizeof(top) / sizeof(top[0]); k++)
		if (!is_uint(doc, top[k]))
			return snprintf(err, errlen, "bad %s", top[k]), false;
	if (json_integer_value(json_object_get(doc, "version")) != 1)
		return snprintf(err, errlen, "version is not 1"), false;
	if (!json_is_boolean(json_object_get(doc, "containers_only")))
		return snprintf(err, errlen, "bad containers_only"), false;
	for (k = 0; k < sizeof(mem) / sizeof(mem[0]); k++)
		if (!is_uint(json_object_get(doc, "memory"), mem[k]))
			return snprintf(err, errlen, "bad memory.%s", mem[k]), false;
	for (k = 0; k < sizeof(cpu) / sizeof(cpu[0]); k++)
		if (!is_uint(json_object_get(doc, "cpu"), cpu[k]))
			return snprintf(err, errlen, "bad cpu.%s", cpu[k]), false;
	procs = json_object_get(doc, "processes");
	if (!json_is_array(procs))
		return snprintf(err, errlen, "no processes array"), false;
	json_array_foreach(procs, i, p)
	{
		const char *id;

		for (k = 0; k < sizeof(pint) / sizeof(pint[0]); k++)
			if (!is_uint(p, pint[k]))
				return snprintf(err, errlen, "process %zu: bad %s", i, pint[k]),
				       false;
		for (k = 0; k < sizeof(pstr) / sizeof(pstr[0]); k++)
			if (!json_is_string(json_object_get(p, pstr[k])))
				return snprintf(err, errlen, "process %zu: bad %s", i, pstr[k]),
				       false;
		if (!is_pct(p, "mem_pct") || !is_pct(p, "cpu_pct"))
			return snprintf(err, errlen, "process %zu: bad pct", i), false;
		if (json_integer_value(json_object_get(p, "pid")) <= last)
			return snprintf(err, errlen, "process %zu: pids not increasing", i), false;
		last = json_integer_value(json_object_get(p, "pid"));
		id = json_string_value(json_object_get(p, "container_id"));
		if (*id && !is_hex64(id))
			return snprintf(err, errlen, "process %zu: bad container_id", i), false;
		if (json_string_length(json_object_get(p, "state")) != 1)
			return snprintf(err, errlen, "process %zu: bad state", i), false;
		if (json_object_size(p) != 15)
			return snprintf(err, errlen, "process %zu: %zu fields", i,
					json_object_size(p)),
			       false;
	}
	return true;
}

/* Read and parse the module file; NULL (reason in err) when it fails. */
static json_t *doc_read(size_t chunk, char **raw, size_t *rawlen, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc;
	char *buf;
	size_t len;
	int rc = read_all(PROC_FILE, chunk, &buf, &len);

	if (rc < 0) {
		snprintf(err, errlen, "read: %s", strerror(-rc));
		return NULL;
	}
	doc = json_loadb(buf, len, 0, &jerr);
	if (!doc) {
		snprintf(err, errlen, "parse: %s at line %d col %d", jerr.text, jerr.line,
			 jerr.column);
	} else if (!doc_valid(doc, err, errlen)) {
		json_decref(doc);
		doc = NULL;
	}
	if (raw && doc) {
		*raw = buf;
		*rawlen = len;
	} else {
		free(buf);
	}
	return doc;
}

static json_t *doc_find(json_t *doc, pid_t pid)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(doc, "processes"), i, p)
	{
		if (json_integer_value(json_object_get(p, "pid")) == pid)
			return p;
	}
	return NULL;
}

/*
 * The string the module should produce for raw bytes (docs/proc-format.md,
 * "Strings"): valid UTF-8 kept, except code points U+EF00..U+EFFF; every
 * other byte b (>= 0x80) as the code point U+EF00+b (what \uefXX decodes
 * to); at most 512 bytes once decoded, cut on a whole unit.
 */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, &cp); /* lib/utf8.h: servicio's own rules */

	return len && (cp < 0xef00 || cp > 0xefff) ? len : 0;
}

#define DECODED_MAX 512

static void expect_str(const char *raw, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t i = 0, o = 0, l;

	while (i < n && o + 5 < outlen) {
		l = utf8_valid_len(s + i, n - i);
		if (o + (l ? l : 3) > DECODED_MAX)
			break;
		if (l) {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		} else {
			/* U+EF00 + b in UTF-8 */
			out[o++] = (char)0xee;
			out[o++] = (char)(0xbc | (s[i] >> 6));
			out[o++] = (char)(0x80 | (s[i] & 0x3f));
			i++;
		}
	}
	out[o] = '\0';
}

/* ---- /proc/<pid> reference values ---------------------------------------- */

struct ref {
	pid_t pid, ppid;
	bool ok;
	char comm[64];
	size_t commlen;
	long long ticks, start_ticks;
	long vsz_pages, rss_pages;
	long uid, threads;
	char cmd[CMDLINE_MAX + 1];
	size_t cmdlen;
};

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, tot = 0;

	if (fd < 0)
		return -1;
	while ((size_t)tot < len - 1 && (n = read(fd, buf + tot, len - 1 - (size_t)tot)) > 0)
		tot += n;
	close(fd);
	buf[tot] = '\0';
	return tot;
}

static bool ref_read(pid_t pid, struct ref *r)
{
	char path[64], buf[4096];
	const char *lp, *rp, *p;
	ssize_t n;
	int i;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	lp = strchr(buf, '(');
	rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp)
		return false;
	r->commlen =
		(size_t)(rp - lp - 1) < sizeof(r->comm) ? (size_t)(rp - lp - 1) : sizeof(r->comm);
	memcpy(r->comm, lp + 1, r->commlen);
	p = rp + 2;
	/* fields from 3 (state): ppid is 4, utime 14, stime 15, starttime 22 */
	{
		long long f[23] = { 0 };

		for (i = 3; i <= 22 && *p; i++) {
			while (*p == ' ')
				p++;
			if (i > 3 && !num_at(p, LLONG_MIN, LLONG_MAX, NULL, &f[i]))
				return false;
			while (*p && *p != ' ')
				p++;
		}
		r->ppid = (pid_t)f[4];
		r->ticks = f[14] + f[15];
		r->start_ticks = f[22];
	}
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	{
		const char *q;
		long long size, resident;

		if (read_small(path, buf, sizeof(buf)) <= 0 ||
		    !num_at(buf, 0, LONG_MAX, &q, &size) ||
		    !num_at(q, 0, LONG_MAX, NULL, &resident))
			return false;
		r->vsz_pages = (long)size;
		r->rss_pages = (long)resident;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	{
		const char *q;
		long long real, eff, threads;

		/* "Uid:\treal\teffective\t...": the effective one, as the module */
		p = strstr(buf, "\nUid:");
		if (!p || !num_at(p + 5, 0, UINT32_MAX, &q, &real) ||
		    !num_at(q, 0, UINT32_MAX, NULL, &eff))
			return false;
		r->uid = (long)eff;
		p = strstr(buf, "\nThreads:");
		if (!p || !num_at(p + 9, 0, INT32_MAX, NULL, &threads))
			return false;
		r->threads = (long)threads;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_small(path, r->cmd, sizeof(r->cmd));
	if (n < 0)
		return false;
	r->cmdlen = (size_t)n > CMDLINE_MAX ? CMDLINE_MAX : (size_t)n;
	while (r->cmdlen && r->cmd[r->cmdlen - 1] == '\0')
		r->cmdlen--;
	for (i = 0; i < (int)r->cmdlen; i++)
		if (r->cmd[i] == '\0')
			r->cmd[i] = ' ';
	r->ok = true;
	return true;
}

/* all pids in /proc, sorted; returns the count */
static size_t list_pids(pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		long long v;

		if (isdigit((unsigned char)e->d_name[0]) && num_all(e->d_name, 1, INT32_MAX, &v))
			pids[n++] = (pid_t)v;
	}
	closedir(d);
	return n;
}

static const long page_kb = 4;

static bool in_range(long long v, long long a, long long b, long long slack)
{
	long long lo = a < b ? a : b, hi = a < b ? b : a;

	return v >= lo - slack && v <= hi + slack;
}

static int cmd_compare(void)
{
	enum { MAXP = 8192 };
	static pid_t pids[MAXP];
	static struct ref before[MAXP], after[MAXP];
	size_t n = list_pids(pids, MAXP), i, checked = 0, bad = 0;
	char err[256], exp[1024];
	json_t *doc;
	pid_t self = getpid();

	for (i = 0; i < n; i++)
		ref_read(pids[i], &before[i]);
	doc = doc_read(4096, NULL, NULL, err, sizeof(err));
	for (i = 0; i < n; i++)
		ref_read(pids[i], &after[i]);
	t_check(doc != NULL, "document parses (%s)", doc ? "valid" : err);
	if (!doc)
		return t_done();
	for (i = 0; i < n; i++) {
		struct ref *b = &before[i], *a = &after[i];
		json_t *p;
		long long slack_kb = pids[i] == self ? 8192 : 0;
		long long ct;
		const char *why = NULL, *nm;

		if (!b->ok || !a->ok || b->start_ticks != a->start_ticks)
			continue; /* came or went during the read */
		p = doc_find(doc, pids[i]);
		checked++;
		if (!p) {
			why = "missing";
		} else {
			ct = json_integer_value(json_object_get(p, "cpu_time_ns"));
			expect_str(b->comm, b->commlen, exp, sizeof(exp));
			nm = json_string_value(json_object_get(p, "name"));
			/* /proc decorates kernel threads' names (workqueue, full
			 * kthread name); the module reports the raw comm */
			if (strcmp(nm, exp) != 0 &&
			    !((b->ppid == 2 || pids[i] == 2) && strncmp(nm, exp, strlen(nm)) == 0))
				why = "name";
			else if (!in_range(json_integer_value(json_object_get(p, "ppid")), b->ppid,
					   a->ppid, 0))
				why = "ppid";
			else if (!in_range(json_integer_value(json_object_get(p, "rss_kb")),
					   b->rss_pages * page_kb, a->rss_pages * page_kb,
					   slack_kb))
				why = "rss_kb";
			else if (!in_range(json_integer_value(json_object_get(p, "vsz_kb")),
					   b->vsz_pages * page_kb, a->vsz_pages * page_kb,
					   slack_kb))
				why = "vsz_kb";
			else if (ct < (b->ticks - 1) * TICK_NS || ct > (a->ticks + 3) * TICK_NS)
				why = "cpu_time_ns";
			else if (json_integer_value(json_object_get(p, "start_time_ns")) /
					 TICK_NS !=
				 b->start_ticks)
				why = "start_time_ns";
			else if (json_integer_value(json_object_get(p, "uid")) != b->uid)
				why = "uid";
			else if (!in_range(json_integer_value(json_object_get(p, "threads")),
					   b->threads, a->threads, 0))
				why = "threads";
			else {
				expect_str(b->cmd, b->cmdlen, exp, sizeof(exp));
				if (strcmp(json_string_value(json_object_get(p, "cmdline")), exp) !=
				    0)
					why = "cmdline";
			}
		}
		if (why) {
			bad++;
			printf("# pid %d (%.*s): %s differs from /proc\n", pids[i], (int)b->commlen,
			       b->comm, why);
		}
	}
	t_check(checked > 10, "compared %zu processes with /proc", checked);
	t_check(bad == 0,
		"name (kthreads: prefix), ppid, uid, threads, cmdline exact; rss/vsz within "
		"[before, after]; "
		"cpu_time within [before-1, after+3] ticks; %zu mismatches",
		bad);
	json_decref(doc);
	return t_done();
}

/* ---- hostile names ---------------------------------------------------------- */

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static int cmd_sleeper(int argc, char **argv)
{
	char name[64] = { 0 };
	size_t i, n = strlen(argv[2]) / 2;
	long long fd;

	(void)argc;
	if (!num_all(argv[3], 0, INT32_MAX, &fd))
		return 2;
	for (i = 0; i < n && i < sizeof(name) - 1; i++)
		name[i] = (char)(hexval(argv[2][2 * i]) << 4 | hexval(argv[2][2 * i + 1]));
	prctl(PR_SET_NAME, name);
	if (write((int)fd, "x", 1) != 1)
		return 1;
	close(fd);
	for (;;)
		pause();
}

struct hostile {
	const char *name;
	const char *args[4];
};

static const struct hostile hostiles[] = {
	{ "q\"uo\\te", { "a\"b", "c\\d", "\"\\\"", NULL } },
	{ "ctl\x01\x02\n\t\x1f\x7f", { "line\nbreak", "tab\there", "\x1b[31mred", NULL } },
	{ "bad\xff\xfe\xc3\x28", { "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", NULL } },
	{ "n\xc3\xb1\x61nd\xc3\xba\xe2\x82\xac\xf0\x9f\x98\x80",
	  { "\xc3\xb1", "\xf0\x9f\x98\x80", NULL, NULL } },
	{ "</script>{}", { "{\"x\":[1,2]}", "]}", NULL, NULL } },
	{ "trunc\xe2\x82", { "\xe2\x82", NULL, NULL, NULL } },
};

/* start a sleeper with a hostile name and arguments; its pid. The
 * arguments joined by spaces go to joined (length in *jlen). */
static pid_t spawn_hostile(const struct hostile *h, const char *longarg, char *joined, size_t jmax,
			   size_t *jlen)
{
	char hex[64] = { 0 }, fdstr[16], c;
	const char *argv[16];
	size_t i, k = 0, o = 0;
	int pfd[2];
	pid_t pid;

	for (i = 0; i < 30 && h->name[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)h->name[i]);
	if (pipe(pfd) < 0)
		return -1;
	snprintf(fdstr, sizeof(fdstr), "%d", pfd[1]);
	argv[k++] = "sysinfo_test";
	argv[k++] = "sleeper";
	argv[k++] = hex;
	argv[k++] = fdstr;
	for (i = 0; i < 4 && h->args[i]; i++)
		argv[k++] = h->args[i];
	if (longarg)
		argv[k++] = longarg;
	argv[k] = NULL;
	for (i = 0; i < k; i++) {
		const char *s = argv[i];

		if (i && o < jmax)
			joined[o++] = ' ';
		while (*s && o < jmax)
			joined[o++] = *s++;
	}
	*jlen = o;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		execv("/proc/self/exe", (char **)argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid > 0 && read(pfd[0], &c, 1) != 1)
		pid = -1;
	close(pfd[0]);
	return pid;
}

static int cmd_hostile(const char *copy)
{
	enum { NH = sizeof(hostiles) / sizeof(hostiles[0]) };
	pid_t pids[NH];
	static char joined[NH][1024];
	size_t jlen[NH];
	char longarg[400], err[256], exp[2048];
	char *buf = NULL;
	size_t len = 0, i;
	json_t *doc;

	memset(longarg, 'L', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	longarg[100] = '"';
	longarg[101] = '\\';
	for (i = 0; i < NH; i++)
		pids[i] = spawn_hostile(&hostiles[i], i == 0 ? longarg : NULL, joined[i],
					sizeof(joined[i]), &jlen[i]);
	doc = doc_read(4096, &buf, &len, err, sizeof(err));
	t_check(doc != NULL, "document with hostile names parses%s%s", doc ? "" : ": ",
		doc ? "" : err);
	if (doc && copy)
		t_check(write_file(copy, buf, len) == 0, "saved %s", copy);
	for (i = 0; doc && i < NH; i++) {
		const struct hostile *h = &hostiles[i];
		json_t *p = doc_find(doc, pids[i]);

		t_check(p != NULL, "hostile process %zu listed", i);
		if (!p)
			continue;
		expect_str(h->name, strnlen(h->name, 15), exp, sizeof(exp));
		t_check(!strcmp(json_string_value(json_object_get(p, "name")), exp),
			"hostile name %zu exact", i);
		expect_str(joined[i], jlen[i] > CMDLINE_MAX ? CMDLINE_MAX : jlen[i], exp,
			   sizeof(exp));
		t_check(!strcmp(json_string_value(json_object_get(p, "cmdline")), exp),
			"hostile argv %zu exact (bounded to %d bytes)", i, CMDLINE_MAX);
	}
	for (i = 0; i < NH; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	json_decref(doc);
	free(buf);
	return t_done();
}

/* ---- cgroups ------------------------------------------------------------------ */

struct layout {
	const char *root; /* hierarchy mount */
	const char *fmt; /* path under it, %s = id */
	bool container; /* should be recognised */
	char id[65], path[256];
	pid_t pid;
};

static void rand_id(char *id)
{
	unsigned char b[32];
	int fd = open("/dev/urandom", O_RDONLY);
	size_t i;

	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		/* no /dev/urandom: ids need only differ, so a counter and the
		 * clock through xorshift64 will do */
		static uint64_t seq;
		uint64_t x = (uint64_t)now_ns() ^ (++seq * 0x9e3779b97f4a7c15ull);

		for (i = 0; i < sizeof(b); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (unsigned char)(x & 0xff);
		}
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 32; i++)
		sprintf(id + 2 * i, "%02x", b[i]);
}

static int mkdir_p(const char *path)
{
	char tmp[512];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

static int cmd_cgroups(const char *normal_copy, const char *copy)
{
	static struct layout ls[] = {
		{ "/sys/fs/cgroup/unified", "/system.slice/docker-%s.scope", true, "", "", 0 },
		{ "/sys/fs/cgroup/unified",
		  "/kubepods.slice/kubepods-pod1.slice/cri-containerd-%s.scope", true, "", "", 0 },
		{ "/sys/fs/cgroup/unified", "/machine.slice/libpod-%s.scope", true, "", "", 0 },
		{ "/sys/fs/cgroup/unified", "/docker/%s", true, "", "", 0 },
		{ "/sys/fs/cgroup/memory", "/docker/%s", true, "", "", 0 },
		{ "/sys/fs/cgroup/memory", "/system.slice/docker-%s.scope", true, "", "", 0 },
		{ "/sys/fs/cgroup/cpu,cpuacct", "/kubepods/cri-containerd-%s.scope", true, "", "",
		  0 },
		{ "/sys/fs/cgroup/pids", "/machine.slice/libpod-%s.scope", true, "", "", 0 },
		{ "/sys/fs/cgroup/unified", "/machine.slice/libpod-conmon-%s.scope", false, "", "",
		  0 },
		{ "/sys/fs/cgroup/unified", "/docker/%.10s", false, "", "", 0 },
		{ "/sys/fs/cgroup/memory", "/system.slice/cron.service%.0s", false, "", "", 0 },
	};
	enum { NL = sizeof(ls) / sizeof(ls[0]) };
	char full[512], pidstr[32], err[256];
	char *buf = NULL;
	size_t len, i, nproc, ncont;
	json_t *doc, *p;
	int rc;

	for (i = 0; i < NL; i++) {
		struct layout *l = &ls[i];

		rand_id(l->id);
		snprintf(l->path, sizeof(l->path), l->fmt, l->id);
		snprintf(full, sizeof(full), "%s%s", l->root, l->path);
		rc = mkdir_p(full);
		l->pid = fork();
		if (l->pid == 0) {
			for (;;)
				pause();
		}
		snprintf(full, sizeof(full), "%s%s/cgroup.procs", l->root, l->path);
		snprintf(pidstr, sizeof(pidstr), "%d", l->pid);
		t_check(rc == 0 && l->pid > 0 && write_str(full, pidstr) == 0,
			"moved pid %d into %s:%s", l->pid, l->root, l->path);
	}
	doc = doc_read(4096, &buf, &len, err, sizeof(err));
	t_check(doc != NULL, "document parses%s%s", doc ? "" : ": ", doc ? "" : err);
	if (doc && normal_copy)
		t_check(write_file(normal_copy, buf, len) == 0, "saved %s", normal_copy);
	free(buf);
	buf = NULL;
	for (i = 0; doc && i < NL; i++) {
		struct layout *l = &ls[i];
		const char *id, *cg;

		p = doc_find(doc, l->pid);
		if (!p) {
			t_check(false, "pid %d listed", l->pid);
			continue;
		}
		id = json_string_value(json_object_get(p, "container_id"));
		cg = json_string_value(json_object_get(p, "cgroup"));
		if (l->container)
			t_check(!strcmp(id, l->id) && !strcmp(cg, l->path),
				"%s %s -> container %.12s (got '%.12s', '%s')", l->root + 15,
				l->fmt, l->id, id, cg);
		else
			t_check(!*id, "%s %s -> no container (got '%.12s')", l->root + 15, l->fmt,
				id);
	}
	json_decref(doc);

	t_check(write_str(PARAM_CONTAINERS, "1") == 0, "containers_only=1 set");
	doc = doc_read(4096, &buf, &len, err, sizeof(err));
	t_check(doc != NULL, "containers_only document parses%s%s", doc ? "" : ": ",
		doc ? "" : err);
	if (doc) {
		if (copy)
			t_check(write_file(copy, buf, len) == 0, "saved %s", copy);
		t_check(json_is_true(json_object_get(doc, "containers_only")),
			"header says containers_only");
		nproc = json_array_size(json_object_get(doc, "processes"));
		ncont = 0;
		for (i = 0; i < NL; i++) {
			p = doc_find(doc, ls[i].pid);
			if (ls[i].container && p)
				ncont++;
			else if (!ls[i].container && p)
				t_check(false, "non-container pid %d listed", ls[i].pid);
		}
		t_check(nproc == ncont && ncont == 8,
			"containers_only lists exactly the 8 containerised processes (%zu/%zu)",
			ncont, nproc);
	}
	json_decref(doc);
	free(buf);
	write_str(PARAM_CONTAINERS, "0");
	for (i = 0; i < NL; i++) {
		if (ls[i].pid > 0) { /* not a failed fork: kill(-1) would signal everything */
			kill(ls[i].pid, SIGKILL);
			waitpid(ls[i].pid, NULL, 0);
		}
		snprintf(full, sizeof(full), "%s%s", ls[i].root, ls[i].path);
		rmdir(full);
	}
	return t_done();
}

/* ---- storms, readers, cycles ------------------------------------------------------ */

static volatile int stop_flag;

struct reader_stats {
	long docs, bad, errors;
	char last_err[256];
};

static void *reader_main(void *arg)
{
	struct reader_stats *st = arg;
	char err[256];

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED)) {
		json_t *doc = doc_read(4096, NULL, NULL, err, sizeof(err));

		if (doc) {
			st->docs++;
			json_decref(doc);
		} else if (!strncmp(err, "read:", 5)) {
			st->errors++; /* module gone (ENOENT/EIO): not a bad document */
		} else {
			st->bad++;
			snprintf(st->last_err, sizeof(st->last_err), "%s", err);
		}
	}
	return NULL;
}

static void *thread_idle(void *arg)
{
	(void)arg;
	usleep(2000);
	return NULL;
}

/* one short-lived child with a hostile name and maybe extra threads */
static void churn_child(long i)
{
	static const char *const names[] = { "x\"y\\z", "\x01\x02\x7f", "\xff\xfe\xfd", "\xe2\x82",
					     "ok" };
	pthread_t t[2];
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, names[i % 5]);
		if (i % 3 == 0) {
			pthread_create(&t[0], NULL, thread_idle, NULL);
			pthread_create(&t[1], NULL, thread_idle, NULL);
			pthread_join(t[0], NULL);
			pthread_join(t[1], NULL);
		}
		_exit(0);
	}
}

/* fork/exit storm until stop_flag or max children; count in *made */
static void *churn_main(void *arg)
{
	long *made = arg, i = 0, max = made[1];
	int status;

	while (!__atomic_load_n(&stop_flag, __ATOMIC_RELAXED) && (max == 0 || i < max)) {
		churn_child(i++);
		__atomic_store_n(&made[0], i, __ATOMIC_RELAXED);
		while (waitpid(-1, &status, WNOHANG) > 0)
			;
		if (i % 8 == 0)
			usleep(1000);
	}
	while (waitpid(-1, &status, 0) > 0)
		;
	__atomic_store_n(&made[0], i, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * The loads are counts, not durations: on a slow kernel (the debug kernel
 * under TCG forks several times slower) a phase goes on past its nominal
 * time until its count is reached, up to limit seconds in all.
 */
static bool churn_short(long *made, long want, time_t t0, int limit)
{
	return __atomic_load_n(&made[0], __ATOMIC_RELAXED) < want && time(NULL) - t0 < limit;
}

#define STORM_MIN_PROCS 100

static int cmd_storm(int seconds)
{
	struct reader_stats st[2] = { 0 };
	pthread_t r[2], c;
	long made[2] = { 0, 0 };
	time_t t0;
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, reader_main, &st[i]);
	pthread_create(&c, NULL, churn_main, made);
	t0 = time(NULL);
	sleep((unsigned)seconds);
	while (churn_short(made, STORM_MIN_PROCS, t0, seconds * 10))
		sleep(1);
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	pthread_join(c, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(r[i], NULL);
	t_check(made[0] >= STORM_MIN_PROCS, "fork/exit storm made %ld processes in %ld s", made[0],
		(long)(time(NULL) - t0));
	t_check(st[0].docs + st[1].docs > 4, "2 concurrent readers got %ld documents",
		st[0].docs + st[1].docs);
	t_check(st[0].bad + st[1].bad == 0 && st[0].errors + st[1].errors == 0,
		"every document valid during the storm (%ld bad, %ld read errors) %s%s",
		st[0].bad + st[1].bad, st[0].errors + st[1].errors, st[0].last_err, st[1].last_err);
	return t_done();
}

static int cmd_cycles(int n, const char *ko, long procs)
{
	struct reader_stats st = { 0 };
	pthread_t r, c;
	long made[2] = { 0, procs };
	int i, fd, load_fail = 0, unload_fail = 0, left = 0;
	struct stat sb;
	time_t t0;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	t_check(fd >= 0, "opened %s", ko);
	if (fd < 0)
		return t_done();
	pthread_create(&r, NULL, reader_main, &st);
	if (procs)
		pthread_create(&c, NULL, churn_main, made);
	t0 = time(NULL);
	for (i = 0; i < n || (procs && churn_short(made, procs, t0, 900)); i++) {
		if (syscall(SYS_finit_module, fd, "", 0) != 0) {
			load_fail++;
			printf("# finit_module: %s\n", strerror(errno));
			continue;
		}
		usleep(20000);
		if (syscall(SYS_delete_module, "sysinfo", O_NONBLOCK) != 0) {
			unload_fail++;
			printf("# delete_module: %s\n", strerror(errno));
			continue;
		}
		if (stat(PROC_FILE, &sb) == 0)
			left++;
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	pthread_join(r, NULL);
	if (procs)
		pthread_join(c, NULL);
	close(fd);
	t_check(load_fail == 0 && unload_fail == 0,
		"%d insmod/rmmod cycles, %d asked (%d load, %d unload failures)", i, n, load_fail,
		unload_fail);
	t_check(left == 0, "no /proc entry after any rmmod (%d left)", left);
	t_check(st.docs > 0,
		"reader got %ld complete documents across the cycles (%ld reads found no file or "
		"were cut by rmmod)",
		st.docs, st.errors);
	t_check(st.bad == 0, "no invalid document (%ld bad) %s", st.bad, st.last_err);
	if (procs)
		t_check(made[0] >= procs, "%ld short-lived hostile-named processes came and went",
			made[0]);
	return t_done();
}

/* ---- benchmark ------------------------------------------------------------------ */

/* the user-space alternative: walk /proc reading the same fields */
/* what procfs_walk() read, kept so that the compiler keeps the reading */
static volatile long walk_sink;

static long procfs_walk(void)
{
	static const char *const files[] = { "stat", "statm", "cgroup", "cmdline", "status" };
	DIR *d = opendir("/proc");
	struct dirent *e;
	char buf[4096];
	long n = 0, sum = 0;
	size_t k;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int dfd;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		dfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		for (k = 0; k < 5; k++) {
			int fd = openat(dfd, files[k], O_RDONLY | O_CLOEXEC);
			ssize_t r;

			if (fd < 0)
				continue;
			r = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (r <= 0)
				continue;
			buf[r] = '\0';
			if (k == 0) { /* parse like a collector would: after the last ')' */
				const char *p = strrchr(buf, ')');

				if (p)
					sum += strtol(p + 4, NULL, 10);
			} else if (k == 1) {
				const char *q;
				long long a, b;

				if (num_at(buf, 0, LLONG_MAX, &q, &a) &&
				    num_at(q, 0, LLONG_MAX, NULL, &b))
					sum += (long)b;
			} else if (k == 4) {
				const char *p = strstr(buf, "\nUid:");

				if (p)
					sum += strtol(p + 5, NULL, 10);
			}
		}
		close(dfd);
		n++;
	}
	closedir(d);
	walk_sink = sum; /* the parsing must not be optimised away */
	return n;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* median of n samples (sorts them) */
static double median_us(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	return (n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0) / 1000.0;
}

static int cmd_bench(int nprocs, int reps)
{
	pid_t *kids = calloc((size_t)nprocs, sizeof(pid_t));
	int64_t *tmod = calloc((size_t)reps, sizeof(int64_t)),
		*twalk = calloc((size_t)reps, sizeof(int64_t));
	int64_t t0;
	long listed = 0, walked = 0;
	double m, w;
	char *buf;
	size_t len;
	int i;

	if (!kids || !tmod || !twalk) {
		free(kids);
		free(tmod);
		free(twalk);
		return 1;
	}
	for (i = 0; i < nprocs; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (;;)
				pause();
		}
	}
	usleep(200000);
	/* interleaved, so that load changes hit both alike; medians reported */
	for (i = 0; i < reps; i++) {
		t0 = now_ns();
		if (read_all(PROC_FILE, 1 << 16, &buf, &len) == 0) {
			tmod[i] = now_ns() - t0;
			if (i == 0) {
				json_t *doc = json_loadb(buf, len, 0, NULL);

				listed = (long)json_array_size(json_object_get(doc, "processes"));
				json_decref(doc);
			}
			free(buf);
		}
		t0 = now_ns();
		walked = procfs_walk();
		twalk[i] = now_ns() - t0;
	}
	m = median_us(tmod, reps);
	w = median_us(twalk, reps);
	printf("BENCH procs=%ld walked=%ld module_us=%.0f procfs_us=%.0f ratio=%.1f\n", listed,
	       walked, m, w, m > 0 ? w / m : 0);
	for (i = 0; i < nprocs; i++)
		if (kids[i] > 0) /* not a failed fork: kill(-1) would signal everything */
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	free(tmod);
	free(twalk);
	return 0;
}

static int cmd_parse(const char *copy)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	json_t *doc = doc_read(4096, &buf, &len, err, sizeof(err));

	t_check(doc != NULL, "document read with 4 KiB reads parses and validates%s%s",
		doc ? "" : ": ", doc ? "" : err);
	if (doc) {
		t_check(json_array_size(json_object_get(doc, "processes")) > 10,
			"lists %zu processes", json_array_size(json_object_get(doc, "processes")));
		if (copy)
			t_check(write_file(copy, buf, len) == 0, "saved %s", copy);
	}
	json_decref(doc);
	free(buf);
	/* odd read sizes cut records at every place: still one document */
	{
		static const size_t chunks[] = { 1, 777, 65536 };
		size_t k;

		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			doc = doc_read(chunks[k], NULL, NULL, err, sizeof(err));
			t_check(doc != NULL, "document read with %zu-byte reads parses%s%s",
				chunks[k], doc ? "" : ": ", doc ? "" : err);
			json_decref(doc);
		}
	}
	return t_done();
}

/* many processes: the document stays whole, nothing huge is allocated */
static int cmd_scale(int nprocs)
{
	pid_t *kids = calloc((size_t)nprocs, sizeof(pid_t));
	char err[256];
	int64_t t0;
	json_t *doc;
	int i, made = 0;
	size_t listed = 0;

	for (i = 0; kids && i < nprocs; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (;;)
				pause();
		}
		if (kids[i] > 0)
			made++;
	}
	t0 = now_ns();
	doc = doc_read(4096, NULL, NULL, err, sizeof(err));
	if (doc)
		listed = json_array_size(json_object_get(doc, "processes"));
	t_check(doc != NULL && made == nprocs && listed >= (size_t)nprocs,
		"%d extra processes: one valid document with %zu processes in %.0f ms (4 KiB "
		"reads)%s%s",
		made, listed, (now_ns() - t0) / 1e6, doc ? "" : ": ", doc ? "" : err);
	json_decref(doc);
	for (i = 0; kids && i < nprocs; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	return t_done();
}

/* documents saved in files (e.g. the BPF iterator's on the debug kernels) */
static int cmd_validate(int n, char **files)
{
	char err[256];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		json_error_t e;
		json_t *doc = json_load_file(files[i], 0, &e);

		if (!doc || !doc_valid(doc, err, sizeof(err))) {
			bad++;
			printf("# %s: %s\n", files[i], doc ? err : e.text);
		}
		json_decref(doc);
	}
	t_check(n > 0 && bad == 0, "%d documents parse and validate (%d do not)", n, bad);
	return t_done();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	long long a1, a2 = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "parse"))
		return cmd_parse(argc > 2 ? argv[2] : NULL);
	if (!strcmp(c, "compare"))
		return cmd_compare();
	if (!strcmp(c, "hostile"))
		return cmd_hostile(argc > 2 ? argv[2] : NULL);
	if (!strcmp(c, "cgroups"))
		return cmd_cgroups(argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL);
	if (strcmp(c, "storm") == 0 && argc > 2 && num_all(argv[2], 0, INT32_MAX, &a1))
		return cmd_storm((int)a1);
	if (strcmp(c, "cycles") == 0 && argc > 3 && num_all(argv[2], 0, INT32_MAX, &a1) &&
	    (argc <= 4 || num_all(argv[4], 0, LONG_MAX, &a2)))
		return cmd_cycles((int)a1, argv[3], argc > 4 ? (long)a2 : 0);
	if (strcmp(c, "scale") == 0 && argc > 2 && num_all(argv[2], 0, INT32_MAX, &a1))
		return cmd_scale((int)a1);
	if (strcmp(c, "bench") == 0 && argc > 3 && num_all(argv[2], 0, INT32_MAX, &a1) &&
	    num_all(argv[3], 1, INT32_MAX, &a2))
		return cmd_bench((int)a1, (int)a2);
	if (!strcmp(c, "sleeper") && argc > 3)
		return cmd_sleeper(argc, argv);
	if (!strcmp(c, "validate"))
		return cmd_validate(argc - 2, argv + 2);
	fprintf(stderr, "usage: sysinfo_test "
			"parse|compare|hostile|cgroups|storm|cycles|bench|validate ...\n");
	return 2;
}
