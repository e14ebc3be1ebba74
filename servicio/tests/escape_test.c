/*
 * escape_test.c — one string convention for every producer of the
 * document's strings (docs/proc-format.md, "Strings"): hostile names
 * (invalid UTF-8, control bytes, quotes, backslashes, the reserved range
 * U+EF00..U+EFFF, overlong paths) go through
 *   - the module's own escaper, gsi_json_str() of kernel/sysinfo.c, compiled
 *     here from the module's source (the Makefile extracts it into
 *     $(BUILD)/gen/gsi_json.inc) over a FILE-backed seq_file;
 *   - lib/jsonesc.c's jsonesc_write() (`servicio sysinfo` from BPF records);
 *   - the BPF records' decoder (bpfrec_parse_buf: comm and cgroup path);
 *   - the procfs walk's decoding (procfs_parse_cmdline_buf and
 *     jsonesc_decode as procfs_read_cgroup calls it).
 * The module's and lib's JSON text must be byte-identical and decode
 * (jansson) to exactly what the snapshot sources store; jsonesc_to_raw()
 * must give the raw bytes back (all of them, or the kept prefix and the
 * cut flag when the string was cut).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/types.h>

#include "../../kernel/bpf/sysinfo_bpf.h"
#include "../bpfrec.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "jsonesc.h"

/* ---- the module's escaper, on a seq_file that is a FILE ---------------- */

typedef uint32_t u32;
struct seq_file {
	FILE *f;
};
static void seq_putc(struct seq_file *m, char c)
{
	putc(c, m->f);
}
static void seq_puts(struct seq_file *m, const char *s)
{
	fputs(s, m->f);
}
static void seq_write(struct seq_file *m, const void *p, size_t n)
{
	fwrite(p, 1, n, m->f);
}
#define seq_printf(m, ...) fprintf((m)->f, __VA_ARGS__)

#include "gsi_json.inc"

/* ---- helpers ------------------------------------------------------------- */

struct hostile {
	const char *s;
	size_t n;
};
#define H(lit)                       \
	{                            \
		lit, sizeof(lit) - 1 \
	}

static const struct hostile hostiles[] = {
	H("plain"),
	H("a\"b\\c"),
	H("\x01\x02\x1f\x7f\n\t\r"),
	H("bad\xff\xfe\xc3\x28"),
	H("\xc0\xaf"), /* overlong '/' */
	H("\xed\xa0\x80"), /* a surrogate */
	H("\xf4\x90\x80\x80"), /* above U+10FFFF */
	H("\xe2\x82"), /* cut short */
	H("\xee\xbc\x80"), /* U+EF00 itself, the cut mark: must not be taken for one */
	H("\xee\xbe\xbf x \xee\xbf\xbf"), /* U+EFBF, U+EFFF: the reserved range */
	H("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), /* valid UTF-8 stays */
	H("\\u00ff\\uefff"), /* escapes spelled out in the name */
	H("/docker/\xff\x80\"\\\x01/x"),
};

/* n raw bytes of every value 0x01..0xff, and an overlong string */
static void every_byte(char *out, size_t *n)
{
	for (int b = 1; b < 256; b++)
		out[b - 1] = (char)b;
	*n = 255;
}

static char *module_json(const char *s, size_t n, bool cut, bool mark, size_t *len)
{
	char *buf = NULL;
	struct seq_file m = { .f = open_memstream(&buf, len) };

	assert_non_null(m.f);
	gsi_json_str(&m, s, n, cut, mark);
	assert_int_equal(fclose(m.f), 0);
	return buf;
}

static char *lib_json(const char *s, size_t n, bool cut, bool mark, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(jsonesc_write(f, s, n, cut, mark), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The JSON string text decoded by jansson (strict: no NUL allowed). */
static size_t json_decode(const char *txt, size_t len, char *out, size_t cap)
{
	json_error_t e;
	json_t *v = json_loadb(txt, len, JSON_DECODE_ANY, &e);
	size_t n;

	if (!v)
		fail_msg("JSON %.*s does not parse: %s", (int)len, txt, e.text);
	assert_true(json_is_string(v));
	n = json_string_length(v);
	assert_true(n < cap);
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	json_decref(v);
	return n;
}

/*
 * One raw string through both escapers and the decoders: identical JSON,
 * decoded = jsonesc_decode = snapshot_decode_raw (not cut), and the raw
 * bytes back. Returns the decoded length.
 */
static size_t round_trip(const char *raw, size_t n, bool cut, bool mark, char *dec, size_t cap)
{
	size_t ml, ll, dn, rn;
	char *mj = module_json(raw, n, cut, mark, &ml), *lj = lib_json(raw, n, cut, mark, &ll);
	char dd[1024], back[2048];
	bool was_cut = false;

	assert_int_equal(ml, ll);
	assert_memory_equal(mj, lj, ml);
	dn = json_decode(lj, ll, dec, cap);
	assert_int_equal(jsonesc_decode(raw, n, cut, mark, dd, sizeof(dd)), dn);
	assert_memory_equal(dd, dec, dn);
	if (!cut && !mark) {
		assert_int_equal(snapshot_decode_raw(raw, n, dd, sizeof(dd)), dn);
		assert_memory_equal(dd, dec, dn);
	}
	rn = jsonesc_to_raw(dec, dn, back, sizeof(back), &was_cut);
	assert_true(rn <= n);
	assert_memory_equal(back, raw, rn);
	if (was_cut) {
		/* only a marked string says it was cut, and only when it was */
		assert_true(mark);
		assert_true(cut || rn < n);
	} else if (dn + 4 <= JSONESC_DECODED_MAX && !cut) {
		/* room for one more unit (4 bytes at most): not cut, every byte back */
		assert_int_equal(rn, n);
	}
	free(mj);
	free(lj);
	return dn;
}

/* ---- the tests ------------------------------------------------------------- */

static void test_hostile_round_trip(void **state)
{
	char dec[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++)
		for (int cm = 0; cm < 4; cm++)
			round_trip(hostiles[i].s, hostiles[i].n, cm & 1, cm & 2, dec, sizeof(dec));
}

static void test_every_byte(void **state)
{
	char raw[256], dec[1024];
	size_t n, dn;

	(void)state;
	every_byte(raw, &n);
	dn = round_trip(raw, n, false, false, dec, sizeof(dec));
	/* 0x01..0x7f one byte each, 0x80..0xff three each */
	assert_int_equal(dn, 127 + 128 * 3);
}

/* Longer than 512 decoded bytes: both cut on the same unit and mark it. */
static void test_overlong(void **state)
{
	char raw[400], dec[1024];
	size_t dn;
	bool cut = false;
	char back[1024];

	(void)state;
	memset(raw, 0xff, sizeof(raw)); /* 1,200 decoded bytes */
	dn = round_trip(raw, sizeof(raw), false, true, dec, sizeof(dec));
	assert_true(dn <= JSONESC_DECODED_MAX);
	assert_memory_equal(dec + dn - 3, "\xee\xbc\x80", 3);
	assert_int_equal(jsonesc_to_raw(dec, dn, back, sizeof(back), &cut), (dn - 3) / 3);
	assert_true(cut);
	/* without the mark the cut is silent (the module's cmdline) */
	dn = round_trip(raw, sizeof(raw), false, false, dec, sizeof(dec));
	assert_int_equal(dn, 510);
}

/* procfs: a command line and a cgroup path decode as the module's JSON does. */
static void test_procfs_producer(void **state)
{
	char out[SNAP_CMDLINE_MAX], dec[1024], raw[300];
	size_t dn, n;

	(void)state;
	for (size_t i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		dn = round_trip(hostiles[i].s, hostiles[i].n, false, false, dec, sizeof(dec));
		procfs_parse_cmdline_buf(hostiles[i].s, hostiles[i].n, out, sizeof(out));
		assert_int_equal(strlen(out), dn);
		assert_memory_equal(out, dec, dn);
	}
	/* argv bytes 0x01..0xff with NULs between arguments: spaces, as the module */
	every_byte(raw, &n);
	raw[9] = '\0'; /* "\x0a" replaced: two arguments */
	procfs_parse_cmdline_buf(raw, n, out, sizeof(out));
	raw[9] = ' ';
	round_trip(raw, n, false, false, dec, sizeof(dec));
	assert_string_equal(out, dec);
}

/* A record pair (cgroup path, comm) decoded into a snapshot. */
static void bpf_decode(const char *comm, size_t cn, const char *path, size_t pathlen,
		       struct snapshot *s)
{
	struct {
		struct si_rhdr h;
		struct si_wcg c;
		struct si_wproc p;
		struct si_rend e;
	} rec;

	memset(&rec, 0, sizeof(rec));
	rec.h = (struct si_rhdr){ .type = SI_WREC_HDR,
				  .magic = SI_MAGIC,
				  .version = SI_REC_VERSION,
				  .cg_size = sizeof(struct si_wcg),
				  .proc_size = sizeof(struct si_wproc),
				  .boottime_ns = 1000 };
	rec.c.type = SI_WREC_CG;
	rec.c.path_len = (uint32_t)pathlen;
	memcpy(rec.c.path, path, pathlen < SI_W_PATH_MAX ? pathlen : SI_W_PATH_MAX);
	rec.p.type = SI_WREC_PROC;
	rec.p.pid = 7;
	rec.p.state = 'S';
	memcpy(rec.p.comm, comm, cn);
	rec.e.type = SI_WREC_END;
	char err[128];

	assert_int_equal(bpfrec_parse_buf(&rec, sizeof(rec), 0, s, err, sizeof(err)), 0);
	assert_int_equal(s->nprocs, 1);
}

/* The BPF records' decoder stores what the module's JSON decodes to. */
static void test_bpf_producer(void **state)
{
	char dec[1024], path[SI_W_PATH_MAX + 40];
	struct snapshot s;
	size_t dn;

	(void)state;
	for (size_t i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		size_t cn = hostiles[i].n < SI_W_COMM_LEN ? hostiles[i].n : SI_W_COMM_LEN - 1;

		memset(&s, 0, sizeof(s));
		bpf_decode(hostiles[i].s, cn, hostiles[i].s, hostiles[i].n, &s);
		round_trip(hostiles[i].s, cn, false, false, dec, sizeof(dec));
		assert_string_equal(s.procs[0].name, dec);
		/* a path of n bytes: the module's cgroup (cut = longer than kept, marked) */
		dn = round_trip(hostiles[i].s, hostiles[i].n, false, true, dec, sizeof(dec));
		assert_int_equal(strlen(s.procs[0].cgroup), dn);
		assert_string_equal(s.procs[0].cgroup, dec);
		snapshot_free(&s);
	}
	/* a path longer than the record: cut at 256 bytes and marked */
	memset(path, 0xfe, sizeof(path));
	memset(&s, 0, sizeof(s));
	bpf_decode("x", 1, path, sizeof(path), &s);
	dn = round_trip(path, SI_W_PATH_MAX, true, true, dec, sizeof(dec));
	assert_string_equal(s.procs[0].cgroup, dec);
	assert_memory_equal(dec + dn - 3, "\xee\xbc\x80", 3);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_round_trip), cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_overlong),	   cmocka_unit_test(test_procfs_producer),
		cmocka_unit_test(test_bpf_producer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
