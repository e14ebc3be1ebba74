/*
 * bpfwalk_test.c — unit tests for bpfwalk_parse_buf(), the cgroup walk's
 * binary records into a snapshot: fields and percentages as the module
 * computes them, hostile bytes in names and paths decoded as the JSON
 * escaping decodes them, a process listed twice kept once, every kind of
 * broken input refused with a reason and nothing leaked; and the check that
 * turns the walk off when it misses a container the task iterator lists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/types.h>

#include "../../kernel/bpf/sysinfo_bpf.h"
#include "../bpfwalk.h"
#include "../snapshot.h"

struct buf {
	unsigned char b[1 << 16];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_hdr(struct buf *b, uint64_t boot)
{
	struct si_whdr h = { .boottime_ns = boot };

	put(b, &h, sizeof(h));
}

static void put_cg(struct buf *b, unsigned seed, const char *path, size_t plen)
{
	struct si_wcg c;
	char id[SI_W_ID_LEN + 1];

	memset(&c, 0, sizeof(c));
	c.type = SI_WREC_CG;
	snprintf(id, sizeof(id), "%064x", seed);
	memcpy(c.id, id, SI_W_ID_LEN);
	c.path_len = (uint32_t)plen;
	memcpy(c.path, path, plen);
	put(b, &c, sizeof(c));
}

static void put_proc(struct buf *b, uint32_t pid, const char *comm, size_t clen)
{
	struct si_wproc w;

	memset(&w, 0, sizeof(w));
	w.type = SI_WREC_PROC;
	w.pid = pid;
	w.ppid = 1;
	w.uid = 65534;
	w.threads = 2;
	w.state = 'S';
	memcpy(w.comm, comm, clen);
	w.vsz_kb = 1000;
	w.rss_kb = 333;
	w.cpu_time_ns = 3000000000ull;
	w.start_time_ns = 1000000000ull;
	put(b, &w, sizeof(w));
}

static void machine(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->mem.total_kb = 1000000;
	s->cpus = 2;
	s->hz = 100;
}

/* Two containers, three processes: every field, sorted and grouped. */
static void test_fields(void **state)
{
	static struct buf b;
	struct snapshot s;
	char err[256];
	const struct snap_proc *p;

	(void)state;
	b.n = 0;
	put_hdr(&b, 11000000000ull);
	put_cg(&b, 1, "/docker/a", 9);
	put_proc(&b, 300, "low", 3);
	put_proc(&b, 100, "sh", 2);
	put_cg(&b, 2, "/system.slice/x.scope", 21);
	put_proc(&b, 200, "high", 4);
	machine(&s);
	assert_int_equal(bpfwalk_parse_buf(b.b, b.n, 5000, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 3);
	assert_int_equal(s.nctrs, 2);
	assert_int_equal(s.procs[0].pid, 100);
	assert_int_equal(s.procs[2].pid, 300);
	assert_int_equal(s.boottime_ns, 11000000000ull);
	assert_int_equal(s.timestamp_ns, 11000005000ull);
	assert_int_equal(s.version, SNAP_FORMAT_VERSION);
	p = snapshot_find_proc(&s, 200);
	assert_non_null(p);
	assert_string_equal(p->name, "high");
	assert_string_equal(p->cgroup, "/system.slice/x.scope");
	assert_string_equal(p->container_id,
			    "0000000000000000000000000000000000000000000000000000000000000002");
	assert_string_equal(p->cmdline, "");
	assert_string_equal(p->state, "S");
	assert_int_equal(p->ppid, 1);
	assert_int_equal(p->uid, 65534);
	assert_int_equal(p->threads, 2);
	assert_int_equal(p->vsz_kb, 1000);
	assert_int_equal(p->rss_kb, 333);
	/* 333 / 1,000,000 = 0.0333 % -> 0.03; 3 s over 10 s alive -> 30.00 % */
	assert_float_equal(p->mem_pct, 0.03, 1e-9);
	assert_float_equal(p->cpu_pct, 30.0, 1e-9);
	assert_int_equal(snapshot_find_ctr(&s, p->container_id)->nprocs, 1);
	snapshot_free(&s);
}

/* Raw bytes: valid UTF-8 stays, every other byte becomes U+00XX. */
static void test_hostile_bytes(void **state)
{
	static struct buf b;
	const char comm[16] = {
		'a',  '\xff', '"', '\\', '\n', '\xc3', '\xa9', 'z',
		0x7f, '\x80', 'b', 'c',	 'd',  'e',    'f',    'g'
	}; /* 16 bytes, no NUL */
	const char path[] = "/x\xfe/\xe2\x82\xac";
	char want[SNAP_CGROUP_MAX];
	struct snapshot s;
	char err[256];

	(void)state;
	b.n = 0;
	put_hdr(&b, 1);
	put_cg(&b, 7, path, sizeof(path) - 1);
	put_proc(&b, 42, comm, sizeof(comm));
	machine(&s);
	assert_int_equal(bpfwalk_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	snapshot_decode_raw(comm, sizeof(comm), want, sizeof(want));
	assert_string_equal(s.procs[0].name, want);
	assert_string_equal(s.procs[0].name, "a\xc3\xbf\"\\\n\xc3\xa9z\x7f\xc2\x80"
					     "bcdefg");
	snapshot_decode_raw(path, sizeof(path) - 1, want, sizeof(want));
	assert_string_equal(s.procs[0].cgroup, want);
	assert_string_equal(s.procs[0].cgroup, "/x\xc3\xbe/\xe2\x82\xac");
	snapshot_free(&s);
}

/* A process that moved between two containers' cgroups during the walk: kept once. */
static void test_listed_twice(void **state)
{
	static struct buf b;
	struct snapshot s;
	char err[256];

	(void)state;
	b.n = 0;
	put_hdr(&b, 1);
	put_cg(&b, 1, "/a", 2);
	put_proc(&b, 5, "x", 1);
	put_cg(&b, 2, "/b", 2);
	put_proc(&b, 5, "x", 1);
	machine(&s);
	assert_int_equal(bpfwalk_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 1);
	snapshot_free(&s);
}

/* No containers: a header alone is an empty, valid snapshot. */
static void test_empty(void **state)
{
	static struct buf b;
	struct snapshot s;
	char err[256];

	(void)state;
	b.n = 0;
	put_hdr(&b, 99);
	machine(&s);
	assert_int_equal(bpfwalk_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 0);
	assert_int_equal(s.nctrs, 0);
	snapshot_free(&s);
}

static void expect_refused(struct buf *b, size_t len, const char *why)
{
	struct snapshot s;
	char err[256] = "";

	machine(&s);
	assert_int_equal(bpfwalk_parse_buf(b->b, len, 0, &s, err, sizeof(err)), -EINVAL);
	print_message("# refused: %s\n", err);
	assert_non_null(strstr(err, why));
	assert_null(s.procs);
	assert_int_equal(s.nprocs, 0);
}

/* Broken input: a clear reason, nothing kept (ASan checks nothing leaks). */
static void test_refused(void **state)
{
	static struct buf b;
	struct si_wcg *c;
	struct si_wproc *w;
	size_t full;

	(void)state;
	b.n = 0;
	expect_refused(&b, 0, "no header");
	put_hdr(&b, 1);
	put_cg(&b, 1, "/a", 2);
	put_proc(&b, 5, "x", 1);
	full = b.n;
	expect_refused(&b, full - 1, "cut process");
	expect_refused(&b, sizeof(struct si_whdr) + 10, "cut cgroup");
	expect_refused(&b, sizeof(struct si_whdr) + 2, "cut record");

	/* a process first */
	memmove(b.b + sizeof(struct si_whdr), b.b + sizeof(struct si_whdr) + sizeof(struct si_wcg),
		sizeof(struct si_wproc));
	expect_refused(&b, sizeof(struct si_whdr) + sizeof(struct si_wproc), "before any cgroup");

	b.n = 0;
	put_hdr(&b, 1);
	put_cg(&b, 1, "/a", 2);
	put_proc(&b, 5, "x", 1);
	c = (struct si_wcg *)(b.b + sizeof(struct si_whdr));
	w = (struct si_wproc *)(b.b + sizeof(struct si_whdr) + sizeof(*c));
	c->id[3] = 'G';
	expect_refused(&b, b.n, "bad container id");
	c->id[3] = '0';
	c->path_len = SI_W_PATH_MAX + 1;
	expect_refused(&b, b.n, "path length");
	c->path_len = 2;
	w->pid = 0;
	expect_refused(&b, b.n, "bad pid");
	w->pid = 5;
	w->state = '\0';
	expect_refused(&b, b.n, "state");
	w->state = 'S';
	w->type = 9;
	expect_refused(&b, b.n, "unknown record type");
}

/* Two snapshots with the containers whose ids end in the given digits. */
static void with_ctrs(struct snapshot *s, const char *digits)
{
	char id[SNAP_CTR_ID_LEN + 1];

	memset(s, 0, sizeof(*s));
	for (const char *d = digits; *d; d++) {
		struct snap_proc *p = snapshot_add_proc(s);

		assert_non_null(p);
		p->pid = (int32_t)(d - digits) + 10;
		snprintf(id, sizeof(id), "%063d%c", 0, *d);
		memcpy(p->container_id, id, sizeof(id));
	}
	assert_int_equal(snapshot_group(s, true), 0);
}

/* The hybrid-system check: every container of the task iterator in the walk. */
static void test_covers(void **state)
{
	struct snapshot task, walk;
	char why[160] = "";

	(void)state;
	with_ctrs(&task, "123");
	with_ctrs(&walk, "1234"); /* one more: started between the reads */
	assert_true(bpfwalk_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	with_ctrs(&walk, "13");
	assert_false(bpfwalk_covers(&task, &walk, why, sizeof(why)));
	assert_non_null(strstr(why, "missed container 000000000000"));
	snapshot_free(&walk);
	with_ctrs(&walk, "");
	assert_false(bpfwalk_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	snapshot_free(&task);
	with_ctrs(&task, "");
	with_ctrs(&walk, "");
	assert_true(bpfwalk_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	snapshot_free(&task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),	     cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_listed_twice), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_refused),	     cmocka_unit_test(test_covers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
