/*
 * bpfrec_test.c — unit tests for bpfrec.c, the BPF programs' binary records
 * into a snapshot or the module's JSON: fields and percentages as the module
 * computes them, hostile bytes in names and paths decoded as the JSON
 * escaping decodes them, a process listed twice kept once, every kind of
 * broken input refused with a reason and nothing leaked (a missing end
 * record, a foreign header, a non-container under a containers-only
 * header); the printed JSON parsed by the module's strict parser gives the
 * snapshot the records give; and the check that turns the walk off when it
 * misses a container the task iterator lists.
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
#include "../bpfrec.h"
#include "../modsrc.h"
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

static void put_hdr_f(struct buf *b, uint64_t boot, uint32_t flags)
{
	struct si_rhdr h = {
		.type = SI_WREC_HDR,
		.magic = SI_MAGIC,
		.version = SI_REC_VERSION,
		.flags = flags,
		.cg_size = sizeof(struct si_wcg),
		.proc_size = sizeof(struct si_wproc),
		.boottime_ns = boot,
	};

	put(b, &h, sizeof(h));
}

static void put_hdr(struct buf *b, uint64_t boot)
{
	put_hdr_f(b, boot, SI_HDR_CONTAINERS_ONLY | SI_HDR_CGWALK);
}

static void put_end(struct buf *b)
{
	struct si_rend e = { .type = SI_WREC_END };

	put(b, &e, sizeof(e));
}

/* A cgroup record outside containers (id all NUL). */
static void put_cg_none(struct buf *b, const char *path, size_t plen)
{
	struct si_wcg c;

	memset(&c, 0, sizeof(c));
	c.type = SI_WREC_CG;
	c.path_len = (uint32_t)plen;
	memcpy(c.path, path, plen);
	put(b, &c, sizeof(c));
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
	w.sample_ns = 11000000000ull; /* cpu_pct: 3 s in 10 s alive */
	w.memcg_id = 7000 + pid; /* a distinct memory cgroup per process */
	w.memcg_bytes = 4096ull * pid;
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
	put_end(&b);
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 5000, &s, err, sizeof(err)), 0);
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
	assert_int_equal(p->memcg_ino, 7200);
	assert_int_equal(p->memcg_bytes, 4096 * 200);
	assert_int_equal(snapshot_find_ctr(&s, p->container_id)->nprocs, 1);
	/* these paths do not name the id: no directory, so no memory cgroup of
	 * the container's (snapshot_test has one that does) */
	assert_int_equal(snapshot_find_ctr(&s, p->container_id)->memcg_ino, 0);
	snapshot_free(&s);
}

/* Raw bytes: valid UTF-8 stays, every other byte b becomes U+EF00+b. */
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
	put_end(&b);
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	snapshot_decode_raw(comm, sizeof(comm), want, sizeof(want));
	assert_string_equal(s.procs[0].name, want);
	assert_string_equal(s.procs[0].name, "a\xee\xbf\xbf\"\\\n\xc3\xa9z\x7f\xee\xbe\x80"
					     "bcdefg");
	snapshot_decode_raw(path, sizeof(path) - 1, want, sizeof(want));
	assert_string_equal(s.procs[0].cgroup, want);
	assert_string_equal(s.procs[0].cgroup, "/x\xee\xbf\xbe/\xe2\x82\xac");
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
	put_end(&b);
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
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
	put_end(&b);
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 0);
	assert_int_equal(s.nctrs, 0);
	snapshot_free(&s);
}

/*
 * Where the records end, found as bytes come in: nothing before the end
 * record is complete, its end after; a pair a later read() shows after the
 * end record (a process forked since) is not part of the read.
 */
static void test_end_found(void **state)
{
	static struct buf b;
	size_t off = 0, end, k;

	(void)state;
	b.n = 0;
	put_hdr(&b, 99);
	put_cg(&b, 1, "/a", 2);
	put_proc(&b, 42, "x", 1);
	put_end(&b);
	end = b.n;
	put_cg(&b, 2, "/b", 2);
	put_proc(&b, 43, "y", 1);
	for (k = 1; k < end; k++)
		assert_int_equal(bpfrec_end(b.b, k, &off), 0);
	assert_int_equal(bpfrec_end(b.b, b.n, &off), end);
	off = 0;
	assert_int_equal(bpfrec_end(b.b, b.n, &off), end);
}

static void expect_refused(struct buf *b, size_t len, const char *why)
{
	struct snapshot s;
	char err[256] = "";

	machine(&s);
	assert_int_equal(bpfrec_parse_buf(b->b, len, 0, &s, err, sizeof(err)), -EINVAL);
	print_message("# refused: %s\n", err);
	assert_non_null(strstr(err, why));
	assert_null(s.procs);
	assert_int_equal(s.nprocs, 0);
}

/* Broken input: a clear reason, nothing kept (ASan checks nothing leaks). */
static void test_refused(void **state)
{
	static struct buf b;
	const size_t H = sizeof(struct si_rhdr);
	struct si_rhdr *h;
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
	expect_refused(&b, full, "no end record");
	expect_refused(&b, full - 1, "cut process");
	expect_refused(&b, H + 10, "cut cgroup");
	expect_refused(&b, H + 2, "cut record");
	put_end(&b);
	put_end(&b);
	expect_refused(&b, b.n, "bytes after the end record");

	/* a process first */
	memmove(b.b + H, b.b + H + sizeof(struct si_wcg), sizeof(struct si_wproc));
	put_end(&b);
	memcpy(b.b + H + sizeof(struct si_wproc), b.b + b.n - sizeof(struct si_rend),
	       sizeof(struct si_rend));
	expect_refused(&b, H + sizeof(struct si_wproc) + sizeof(struct si_rend),
		       "before any cgroup");

	b.n = 0;
	put_hdr(&b, 1);
	put_cg(&b, 1, "/a", 2);
	put_proc(&b, 5, "x", 1);
	put_end(&b);
	h = (struct si_rhdr *)b.b;
	c = (struct si_wcg *)(b.b + H);
	w = (struct si_wproc *)(b.b + H + sizeof(*c));
	h->magic ^= 1;
	expect_refused(&b, b.n, "not a header of this format");
	h->magic ^= 1;
	h->version++;
	expect_refused(&b, b.n, "not a header of this format");
	h->version--;
	h->proc_size += 8;
	expect_refused(&b, b.n, "not a header of this format");
	h->proc_size -= 8;
	c->id[3] = 'G';
	expect_refused(&b, b.n, "bad container id");
	c->id[3] = '0';
	/* no container under a containers-only header */
	memset(c->id, 0, sizeof(c->id));
	expect_refused(&b, b.n, "bad container id");
	memset(c->id, '0', sizeof(c->id));
	c->path_len = SI_W_PATH_FULL_MAX + 1;
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

/* A full listing: processes outside containers (id all NUL) are kept. */
static void test_full_listing(void **state)
{
	static struct buf b;
	struct snapshot s;
	char err[256];
	uint32_t flags = 99;

	(void)state;
	b.n = 0;
	put_hdr_f(&b, 5, 0);
	put_cg_none(&b, "/user.slice", 11);
	put_proc(&b, 7, "bash", 4);
	put_cg(&b, 3, "/docker/x", 9);
	put_proc(&b, 8, "app", 3);
	put_end(&b);
	assert_int_equal(bpfrec_check(b.b, b.n, &flags, err, sizeof(err)), 0);
	assert_int_equal(flags, 0);
	machine(&s);
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nprocs, 2);
	assert_int_equal(s.nctrs, 1);
	assert_string_equal(snapshot_find_proc(&s, 7)->container_id, "");
	assert_string_equal(snapshot_find_proc(&s, 7)->cgroup, "/user.slice");
	assert_int_equal(snapshot_find_proc(&s, 7)->ctr, -1);
	snapshot_free(&s);
}

/* UTF-8 s back to bytes: U+EF80..U+EFFF (ee be 80 .. ee bf bf) is one raw byte. */
static void unraw(const char *s, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;

	while (*u && o + 1 < cap) {
		if (u[0] == 0xee && (u[1] == 0xbe || u[1] == 0xbf) && (u[2] & 0xc0) == 0x80) {
			out[o++] = (char)(((u[1] & 0x3) << 6) | (u[2] & 0x3f));
			u += 3;
		} else {
			out[o++] = (char)*u++;
		}
	}
	out[o] = '\0';
}

/* A cgroup path longer than the record holds: printed cut, with the \uef00 mark. */
static void test_cut_path(void **state)
{
	static struct buf b;
	char path[SI_W_PATH_MAX], err[256], *txt = NULL, want[SI_W_PATH_MAX + 32];
	struct si_wcg *c;
	struct snapshot m, s;
	size_t tlen = 0;
	FILE *f;

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	b.n = 0;
	put_hdr_f(&b, 1, 0);
	put_cg_none(&b, path, sizeof(path));
	c = (struct si_wcg *)(b.b + sizeof(struct si_rhdr));
	c->path_len = 300; /* the whole path's length */
	put_proc(&b, 9, "x", 1);
	put_end(&b);
	machine(&m);
	f = open_memstream(&txt, &tlen);
	assert_non_null(f);
	assert_int_equal(bpfrec_print_json(f, b.b, b.n, 0, &m, err, sizeof(err)), 0);
	fclose(f);
	snprintf(want, sizeof(want), "\"cgroup\":\"%.*s\\uef00\"", (int)sizeof(path), path);
	assert_non_null(strstr(txt, want));
	s = m;
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 0, &s, err, sizeof(err)), 0);
	assert_int_equal(strlen(s.procs[0].cgroup), sizeof(path) + 3);
	assert_string_equal(s.procs[0].cgroup + sizeof(path), "\xee\xbc\x80");
	c->path_len = SI_W_PATH_FULL_MAX + 1;
	expect_refused(&b, b.n, "path length");
	snapshot_free(&s);
	free(txt);
}

/*
 * The printed document: the module's strict parser accepts it and gives
 * what the records give, hostile bytes included; the escapes are the
 * module's (\u00XX for control bytes, \uefXX for invalid UTF-8, short ones for \n \t \r).
 */
static void test_print_json(void **state)
{
	static struct buf b;
	const char comm[16] = { 'a',  '\xff', '"',  '\\', '\n', '\xc3', '\xa9', '\t',
				0x7f, '\x80', '\r', 1,	  'd',	'e',	'f',	'g' };
	const char path[] = "/x\xfe/\xe2\x82\xac\xed\xa0\x80";
	struct snapshot m, s, j;
	char err[256], *txt = NULL, raw[SNAP_CGROUP_MAX] = { 0 };
	size_t tlen = 0;
	FILE *f;

	(void)state;
	b.n = 0;
	put_hdr_f(&b, 11000000000ull, 0);
	put_cg_none(&b, path, sizeof(path) - 1);
	put_proc(&b, 42, comm, sizeof(comm));
	put_cg(&b, 9, "/docker/y", 9);
	put_proc(&b, 43, "ok", 2);
	put_end(&b);
	machine(&m);
	m.mem.free_kb = 5;
	m.cpu.idle_ns = 77;
	f = open_memstream(&txt, &tlen);
	assert_non_null(f);
	assert_int_equal(bpfrec_print_json(f, b.b, b.n, 1000, &m, err, sizeof(err)), 0);
	fclose(f);
	print_message("# %.*s\n", (int)tlen, txt);
	assert_non_null(strstr(
		txt, "\"name\":\"a\\uefff\\\"\\\\\\n\xc3\xa9\\t\\u007f\\uef80\\r\\u0001defg\""));
	assert_non_null(strstr(txt, "\"cgroup\":\"/x\\ueffe/\xe2\x82\xac\\uefed\\uefa0\\uef80\""));
	assert_non_null(
		strstr(txt, "\"containers_only\":false,\"producer\":\"bpf\",\"args\":false,\n"));
	assert_int_equal(modsrc_parse_buf(txt, tlen, &j, err, sizeof(err)), 0);
	s = m;
	assert_int_equal(bpfrec_parse_buf(b.b, b.n, 1000, &s, err, sizeof(err)), 0);
	assert_int_equal(j.nprocs, s.nprocs);
	assert_int_equal(j.timestamp_ns, s.timestamp_ns);
	assert_int_equal(j.boottime_ns, s.boottime_ns);
	assert_int_equal(j.mem.free_kb, 5);
	assert_int_equal(j.cpu.idle_ns, 77);
	for (size_t i = 0; i < s.nprocs; i++) {
		const struct snap_proc *a = &j.procs[i], *e = &s.procs[i];

		assert_int_equal(a->pid, e->pid);
		if (a->pid == 43) { /* plain ASCII: both decode the same */
			assert_string_equal(a->name, e->name);
			assert_string_equal(a->cgroup, e->cgroup);
		} else { /* the printed strings decode back to the raw bytes */
			unraw(a->name, raw, sizeof(raw));
			assert_memory_equal(raw, comm, sizeof(comm));
			assert_int_equal(raw[sizeof(comm)], '\0');
			unraw(a->cgroup, raw, sizeof(raw));
			assert_string_equal(raw, path);
		}
		assert_string_equal(a->container_id, e->container_id);
		assert_string_equal(a->cmdline, "");
		assert_string_equal(a->state, e->state);
		assert_int_equal(a->rss_kb, e->rss_kb);
		assert_float_equal(a->mem_pct, e->mem_pct, 1e-9);
		assert_float_equal(a->cpu_pct, e->cpu_pct, 1e-9);
		assert_int_equal(a->start_time_ns, e->start_time_ns);
	}
	snapshot_free(&j);
	snapshot_free(&s);
	free(txt);
}

/* Two snapshots with the containers whose ids end in the given digits. */
static void with_ctrs(struct snapshot *s, const char *digits)
{
	char id[GESTOR_CTR_ID_LEN + 1];

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
	assert_true(bpfrec_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	with_ctrs(&walk, "13");
	assert_false(bpfrec_covers(&task, &walk, why, sizeof(why)));
	assert_non_null(strstr(why, "missed container 000000000000"));
	snapshot_free(&walk);
	with_ctrs(&walk, "");
	assert_false(bpfrec_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	snapshot_free(&task);
	with_ctrs(&task, "");
	with_ctrs(&walk, "");
	assert_true(bpfrec_covers(&task, &walk, why, sizeof(why)));
	snapshot_free(&walk);
	snapshot_free(&task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),	     cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_listed_twice), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_end_found),    cmocka_unit_test(test_refused),
		cmocka_unit_test(test_covers),	     cmocka_unit_test(test_full_listing),
		cmocka_unit_test(test_print_json),   cmocka_unit_test(test_cut_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
