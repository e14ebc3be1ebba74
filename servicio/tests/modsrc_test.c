/*
 * modsrc_test.c — the strict parser of the module's document: a valid
 * document in the module's exact shape, documents captured from the real
 * module in the VM (servicio/tests/fixtures/module, committed),
 * and hostile inputs built by mutating a valid one: every truncation, every
 * field missing or of the wrong type, unknown versions, duplicate keys and
 * pids, hostile and over-long names, invalid UTF-8, deep nesting, a huge
 * process list and an oversized document. Each must give the right snapshot
 * or an error naming what is wrong, and never a half-filled snapshot.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../modsrc.h"
#include "../procfs.h"
#include "../snapshot.h"
#include "util.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The module's shape (kernel/sysinfo.c), two processes. */
static const char base_doc[] =
	"{\"version\":1,\"timestamp_ns\":1795879707110306731,\"boottime_ns\":5000000000000,"
	"\"cpus\":2,\"hz\":250,\"containers_only\":false,\n"
	"\"memory\":{\"total_kb\":2000000,\"free_kb\":500000,\"available_kb\":1500000,"
	"\"used_kb\":500000,\"buffers_kb\":10000,\"cached_kb\":400000,\"swap_total_kb\":0,"
	"\"swap_free_kb\":0},\n"
	"\"cpu\":{\"user_ns\":10000000000,\"nice_ns\":0,\"system_ns\":3000000000,"
	"\"idle_ns\":50000000000,\"iowait_ns\":400000000,\"irq_ns\":0,\"softirq_ns\":60000000,"
	"\"steal_ns\":0},\n"
	"\"processes\":[\n"
	"{\"pid\":1,\"ppid\":0,\"name\":\"init\",\"cmdline\":\"/sbin/init\",\"state\":\"S\","
	"\"uid\":0,\"threads\":1,\"container_id\":\"\",\"cgroup\":\"/\",\"vsz_kb\":4000,"
	"\"rss_kb\":1000,\"mem_pct\":0.05,\"cpu_time_ns\":2000000000,\"cpu_pct\":0.04,"
	"\"start_time_ns\":10000000},\n"
	"{\"pid\":42,\"ppid\":1,\"name\":\"a\\\"b\\\\c\\n\\u0001\\u00ff\",\"cmdline\":\"busy "
	"--x\",\"state\":\"R\",\"uid\":1000,\"threads\":3,\"container_id\":\"" ID_A "\","
	"\"cgroup\":\"/docker/" ID_A "\",\"vsz_kb\":8192,\"rss_kb\":2048,\"mem_pct\":0.10,"
	"\"cpu_time_ns\":900000000000,\"cpu_pct\":98.50,\"start_time_ns\":4000000000000}\n"
	"]}\n";

static int parse(const char *doc, size_t len, struct snapshot *s, char *err, size_t errlen)
{
	int ret;

	err[0] = '\0';
	ret = modsrc_parse_buf(doc, len, s, err, errlen);
	if (ret < 0) {
		/* never half filled, and always a reason */
		assert_int_equal(s->nprocs, 0);
		assert_null(s->procs);
		assert_null(s->ctrs);
		assert_true(err[0] != '\0');
	}
	return ret;
}

static void test_valid(void **state)
{
	struct snapshot s;
	char err[256];
	const struct snap_proc *p;

	(void)state;
	assert_int_equal(parse(base_doc, strlen(base_doc), &s, err, sizeof(err)), 0);
	assert_int_equal(s.source, SNAP_SRC_MODULE);
	assert_int_equal(s.version, 1);
	assert_int_equal(s.cpus, 2);
	assert_int_equal(s.hz, 250);
	assert_int_equal(s.boottime_ns, 5000000000000ull);
	assert_int_equal(s.mem.total_kb, 2000000);
	assert_int_equal(s.mem.used_kb, 500000);
	assert_int_equal(s.cpu.user_ns, 10000000000ull);
	assert_int_equal(s.cpu.softirq_ns, 60000000);
	assert_int_equal(s.nprocs, 2);
	p = snapshot_find_proc(&s, 42);
	assert_non_null(p);
	assert_string_equal(p->name, "a\"b\\c\n\x01\xc3\xbf");
	assert_string_equal(p->cmdline, "busy --x");
	assert_string_equal(p->state, "R");
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->threads, 3);
	assert_string_equal(p->container_id, ID_A);
	assert_string_equal(p->cgroup, "/docker/" ID_A);
	assert_int_equal(p->rss_kb, 2048);
	assert_int_equal(p->vsz_kb, 8192);
	assert_true(p->mem_pct > 0.099 && p->mem_pct < 0.101);
	assert_int_equal(p->cpu_time_ns, 900000000000ull);
	assert_true(p->cpu_pct > 98.49 && p->cpu_pct < 98.51);
	assert_int_equal(p->start_time_ns, 4000000000000ull);
	assert_int_equal(s.nctrs, 1);
	assert_string_equal(s.ctrs[0].id, ID_A);
	assert_string_equal(s.ctrs[0].cgroup, "/docker/" ID_A);
	assert_int_equal(s.ctrs[0].rss_kb, 2048);
	assert_int_equal(snapshot_find_proc(&s, 1)->ctr, -1);
	snapshot_free(&s);
}

static void test_truncated(void **state)
{
	size_t full = strlen(base_doc), last = strrchr(base_doc, '}') - base_doc;
	struct snapshot s;
	char err[256];

	(void)state;
	/* every prefix that cuts the document is an error; the ones that only
	 * drop the final newline are fine */
	for (size_t n = 0; n <= full; n++) {
		int ret = parse(base_doc, n, &s, err, sizeof(err));
		if (n <= last) {
			assert_int_equal(ret, -EINVAL);
		} else {
			assert_int_equal(ret, 0);
			snapshot_free(&s);
		}
	}
	assert_int_equal(parse(base_doc, 100, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not valid JSON"));
	assert_int_equal(parse(base_doc, 0, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "empty document");
}

/* Load base_doc, let fn change it, dump it back, parse, return the error. */
static int mutate(void (*fn)(json_t *doc, void *arg), void *arg, char *err, size_t errlen)
{
	json_t *doc = json_loads(base_doc, 0, NULL);
	struct snapshot s;
	char *txt;
	int ret;

	assert_non_null(doc);
	fn(doc, arg);
	txt = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(txt);
	ret = parse(txt, strlen(txt), &s, err, errlen);
	if (ret == 0)
		snapshot_free(&s);
	free(txt);
	json_decref(doc);
	return ret;
}

struct field_op {
	const char *obj; /* NULL top level, "memory", "cpu", "proc" (processes[1]) */
	const char *key;
	json_t *value; /* NULL: delete the key; else set (reference stolen) */
};

static json_t *field_target(json_t *doc, const char *obj)
{
	if (!obj)
		return doc;
	if (strcmp(obj, "proc") == 0)
		return json_array_get(json_object_get(doc, "processes"), 1);
	return json_object_get(doc, obj);
}

static void apply_field_op(json_t *doc, void *arg)
{
	struct field_op *op = arg;
	json_t *o = field_target(doc, op->obj);

	assert_non_null(o);
	if (op->value)
		json_object_set_new(o, op->key, op->value);
	else
		json_object_del(o, op->key);
}

static const char *const top_keys[] = { "version", "timestamp_ns", "boottime_ns", "cpus",
					"hz",	   "memory",	   "cpu",	  "processes" };
static const char *const mem_keys[] = {
	"total_kb",   "free_kb",   "available_kb",  "used_kb",
	"buffers_kb", "cached_kb", "swap_total_kb", "swap_free_kb"
};
static const char *const cpu_keys[] = { "user_ns",   "nice_ns", "system_ns",  "idle_ns",
					"iowait_ns", "irq_ns",	"softirq_ns", "steal_ns" };
static const char *const proc_keys[] = { "pid",		"ppid",	   "name",	   "cmdline",
					 "state",	"uid",	   "threads",	   "container_id",
					 "cgroup",	"vsz_kb",  "rss_kb",	   "mem_pct",
					 "cpu_time_ns", "cpu_pct", "start_time_ns" };

static void check_missing(const char *obj, const char *const *keys, size_t n)
{
	char err[256], want[128];

	for (size_t i = 0; i < n; i++) {
		struct field_op op = { obj, keys[i], NULL };
		assert_int_equal(mutate(apply_field_op, &op, err, sizeof(err)), -EINVAL);
		if (!obj)
			snprintf(want, sizeof(want), "%s: missing", keys[i]);
		else if (strcmp(obj, "proc") == 0)
			snprintf(want, sizeof(want), "processes[1].%s: missing", keys[i]);
		else
			snprintf(want, sizeof(want), "%s.%s: missing", obj, keys[i]);
		if (strcmp(err, want) != 0)
			fail_msg("removing %s: got \"%s\", want \"%s\"", keys[i], err, want);
	}
}

static void test_missing_fields(void **state)
{
	(void)state;
	check_missing(NULL, top_keys, UTIL_ARRAY_LEN(top_keys));
	check_missing("memory", mem_keys, UTIL_ARRAY_LEN(mem_keys));
	check_missing("cpu", cpu_keys, UTIL_ARRAY_LEN(cpu_keys));
	check_missing("proc", proc_keys, UTIL_ARRAY_LEN(proc_keys));
}

static void check_wrong_types(const char *obj, const char *const *keys, size_t n)
{
	char err[256], where[128];

	for (size_t i = 0; i < n; i++) {
		json_t *bad[] = { json_string("12"), json_integer(-1), json_real(1.5), json_null(),
				  json_true(),	     json_object(),    json_array() };
		for (size_t j = 0; j < UTIL_ARRAY_LEN(bad); j++) {
			struct field_op op = { obj, keys[i], bad[j] };
			bool string_field =
				strcmp(keys[i], "name") == 0 || strcmp(keys[i], "cmdline") == 0 ||
				strcmp(keys[i], "cgroup") == 0 || strcmp(keys[i], "state") == 0;
			bool pct = strstr(keys[i], "_pct") != NULL;
			int ret = mutate(apply_field_op, &op, err, sizeof(err));

			/* the only accepted swaps: a string field given a string,
			 * a percentage given the real 1.5, an empty process list */
			if ((string_field && j == 0) || (pct && j == 2) ||
			    (strcmp(keys[i], "processes") == 0 && j == 6)) {
				assert_int_equal(ret, 0);
				continue;
			}
			if (ret == 0)
				fail_msg("%s.%s = kind %zu was accepted", obj ? obj : "", keys[i],
					 j);
			snprintf(where, sizeof(where), "%s", keys[i]);
			if (!strstr(err, where))
				fail_msg("%s kind %zu: error \"%s\" does not name the field",
					 keys[i], j, err);
		}
	}
}

static void test_wrong_types(void **state)
{
	(void)state;
	check_wrong_types(NULL, top_keys, UTIL_ARRAY_LEN(top_keys));
	check_wrong_types("memory", mem_keys, UTIL_ARRAY_LEN(mem_keys));
	check_wrong_types("cpu", cpu_keys, UTIL_ARRAY_LEN(cpu_keys));
	check_wrong_types("proc", proc_keys, UTIL_ARRAY_LEN(proc_keys));
}

static void test_versions_and_values(void **state)
{
	char err[256];
	struct {
		const char *obj, *key;
		json_t *v;
		int want;
		const char *msg;
	} cases[] = {
		{ NULL, "version", json_integer(2), -EPROTO,
		  "version: unsupported format version 2 (this reader knows 1)" },
		{ NULL, "version", json_integer(0), -EPROTO, "unsupported format version 0" },
		{ NULL, "version", json_string("1"), -EINVAL, "version: expected an integer" },
		{ NULL, "cpus", json_integer(0), -EINVAL, "cpus: is 0" },
		{ "memory", "total_kb", json_integer(0), -EINVAL, "memory.total_kb: is 0" },
		{ "memory", "free_kb", json_integer(3000000), -EINVAL, "memory.total_kb" },
		{ "proc", "pid", json_integer(0), -EINVAL, "processes[1].pid: is 0" },
		{ "proc", "pid", json_integer(1), -EINVAL, "duplicate pid" },
		{ "proc", "pid", json_integer(1ll << 40), -EINVAL,
		  "processes[1].pid: 1099511627776 is out of range" },
		{ "proc", "state", json_string(""), -EINVAL, "processes[1].state: is empty" },
		{ "proc", "container_id", json_string("abc"), -EINVAL,
		  "processes[1].container_id" },
		{ "proc", "container_id",
		  json_string("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
		  -EINVAL, "64 lowercase hex" },
		{ "proc", "mem_pct", json_real(100.5), -EINVAL, "processes[1].mem_pct" },
		{ "proc", "cpu_pct", json_real(-0.5), -EINVAL, "processes[1].cpu_pct" },
		{ "proc", "uid", json_integer(1ll << 33), -EINVAL, "processes[1].uid" },
		{ NULL, "processes", json_object(), -EINVAL, "processes: expected an array" },
		{ NULL, "memory", json_array(), -EINVAL, "memory: expected an object" },
		/* unknown extra fields are allowed (the format may grow) */
		{ NULL, "extra", json_string("x"), 0, "" },
		{ "proc", "extra", json_integer(5), 0, "" },
		/* an empty process list is a valid document */
		{ NULL, "processes", json_array(), 0, "" },
	};

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
		struct field_op op = { cases[i].obj, cases[i].key, cases[i].v };
		int ret = mutate(apply_field_op, &op, err, sizeof(err));
		if (ret != cases[i].want || (cases[i].msg[0] && !strstr(err, cases[i].msg)))
			fail_msg("case %zu (%s): got %d \"%s\", want %d \"%s\"", i, cases[i].key,
				 ret, err, cases[i].want, cases[i].msg);
	}
}

static void set_proc_not_object(json_t *doc, void *arg)
{
	(void)arg;
	json_array_set_new(json_object_get(doc, "processes"), 0, json_integer(7));
}

static void test_structure(void **state)
{
	struct snapshot s;
	char err[256];
	static const char *const bad[] = {
		"[]", "null", "\"x\"", "{}", "{\"version\":1}",
		/* duplicate key */
		"{\"version\":1,\"version\":1}",
		/* trailing garbage after a whole document */
		"{\"version\":1} {}",
		/* not JSON at all */
		"version=1", "\xef\xbb\xbf{\"version\":1}", /* a BOM */
	};

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(bad); i++)
		assert_int_equal(parse(bad[i], strlen(bad[i]), &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse("[]", 2, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "document: expected a JSON object");
	assert_int_equal(mutate(set_proc_not_object, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "processes[0]: expected an object");
	/* duplicate keys inside a process */
	{
		/* "ppid":1, becomes a second "pid": the same length */
		static const char from[] = "\"ppid\":1,", to[] = "\"pid\":42,";
		const char *at = strstr(base_doc, from);
		size_t n = strlen(base_doc) + 1;
		char *d = malloc(n);

		assert_non_null(at);
		assert_non_null(d);
		assert_int_equal(sizeof(from), sizeof(to));
		snprintf(d, n, "%.*s%s%s", (int)(at - base_doc), base_doc, to, at + strlen(from));
		assert_int_equal(parse(d, strlen(d), &s, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "duplicate"));
		free(d);
	}
}

static void set_name(json_t *doc, void *arg)
{
	json_t *p = json_array_get(json_object_get(doc, "processes"), 1);
	json_object_set_new(p, "name", json_stringn(arg, strlen(arg)));
}

/* 15 bytes of invalid UTF-8 as the module escapes them: each Latin-1 byte
 * 0xff becomes U+00FF, "\xc3\xbf" */
static const char latin1_15[] = "\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf"
				"\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf\xc3\xbf";

static void test_hostile_names(void **state)
{
	struct snapshot s;
	char err[256], big[200];
	static const char *const ok[] = {
		"\"; rm -rf / #",
		"\\\\\\",
		"\x01\x02\x1f\x7f",
		"\xc3\xbf\xc3\xbe\xc2\x80",
		"\xf0\x9f\x92\xa3 boom",
		"{\"pid\":1}",
		"</script>",
		"%s%n%x",
		latin1_15, /* 15 invalid bytes as the module writes them */
	};

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(ok); i++) {
		json_t *doc = json_loads(base_doc, 0, NULL);
		char *txt;
		set_name(doc, (void *)ok[i]);
		txt = json_dumps(doc, JSON_COMPACT);
		assert_int_equal(parse(txt, strlen(txt), &s, err, sizeof(err)), 0);
		assert_string_equal(snapshot_find_proc(&s, 42)->name, ok[i]);
		snapshot_free(&s);
		free(txt);
		json_decref(doc);
	}
	/* too long for the format's bound */
	memset(big, 'n', sizeof(big));
	big[SNAP_NAME_MAX] = '\0';
	assert_int_equal(mutate(set_name, big, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "processes[1].name: too long (64 bytes, at most 63)");
	/* a raw invalid UTF-8 byte, an escaped NUL, a lone surrogate: not JSON the module writes */
	{
		const char *subs[] = { "\"init\xff\"", "\"in\\u0000it\"", "\"\\ud800\"" };
		for (size_t i = 0; i < UTIL_ARRAY_LEN(subs); i++) {
			char doc[sizeof(base_doc) + 32];
			const char *at = strstr(base_doc, "\"init\"");
			size_t pre = (size_t)(at - base_doc);
			memcpy(doc, base_doc, pre);
			strcpy(doc + pre, subs[i]);
			strcat(doc, at + 6);
			assert_int_equal(parse(doc, strlen(doc), &s, err, sizeof(err)), -EINVAL);
			assert_non_null(strstr(err, "not valid JSON"));
		}
	}
}

static void test_huge(void **state)
{
	struct snapshot s = { 0 }, src = { 0 }, back;
	char err[256], *txt, *big;
	size_t len;
	const size_t n = 20000;

	(void)state;
	/* a 20,000-process document round-trips */
	assert_int_equal(parse(base_doc, strlen(base_doc), &src, err, sizeof(err)), 0);
	const struct snap_proc model = src.procs[1];
	s.version = 1;
	s.cpus = 2;
	s.hz = 250;
	s.mem.total_kb = 1000000;
	for (size_t i = 0; i < n; i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		*p = model;
		/* the strings belong to the snapshot that holds the process */
		p->cmdline = snapshot_strdup(&s, model.cmdline, strlen(model.cmdline));
		p->cgroup = snapshot_strdup(&s, model.cgroup, strlen(model.cgroup));
		assert_true(p->cmdline && p->cgroup);
		p->pid = (int32_t)(i + 1);
		p->rss_kb = i;
		if (i % 3)
			p->container_id[0] = '\0';
	}
	txt = modsrc_format(&s, &len);
	assert_non_null(txt);
	assert_int_equal(parse(txt, len, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nprocs, n);
	assert_int_equal(back.procs[n - 1].rss_kb, n - 1);
	assert_int_equal(back.nctrs, 1);
	assert_int_equal(back.ctrs[0].nprocs, (n + 2) / 3);
	snapshot_free(&back);
	free(txt);
	snapshot_free(&s);
	snapshot_free(&src);

	/* larger than the limit: refused before parsing */
	big = malloc(MODSRC_MAX_DOC + 1);
	assert_non_null(big);
	memset(big, ' ', MODSRC_MAX_DOC + 1);
	assert_int_equal(parse(big, MODSRC_MAX_DOC + 1, &s, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "too large"));
	/* deep nesting is refused by the parser's depth limit, no stack overflow */
	len = 200000;
	for (size_t i = 0; i < len; i++)
		big[i] = '[';
	assert_int_equal(parse(big, len, &s, err, sizeof(err)), -EINVAL);
	free(big);
}

/* doc with its "processes" key spelled with an escape ("proc\u0065sses"):
 * the same document, which jspan does not recognise, so it is parsed as one
 * tree (malloc'd). */
static char *whole_only(const char *doc)
{
	const char *at = strstr(doc, "\"processes\"");
	size_t pre, n = strlen(doc);
	char *out = malloc(n + 8);

	assert_non_null(at);
	assert_non_null(out);
	pre = (size_t)(at - doc);
	memcpy(out, doc, pre);
	strcpy(out + pre, "\"proc\\u0065sses\"");
	strcat(out, at + 11);
	return out;
}

static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	assert_int_equal(a->timestamp_ns, b->timestamp_ns);
	assert_int_equal(a->boottime_ns, b->boottime_ns);
	assert_int_equal(a->cpus, b->cpus);
	assert_int_equal(a->mem.available_kb, b->mem.available_kb);
	assert_int_equal(a->cpu.idle_ns, b->cpu.idle_ns);
	assert_int_equal(a->nprocs, b->nprocs);
	assert_int_equal(a->nctrs, b->nctrs);
	for (size_t i = 0; i < a->nprocs; i++) {
		const struct snap_proc *x = &a->procs[i], *y = &b->procs[i];

		assert_int_equal(x->pid, y->pid);
		assert_int_equal(x->ppid, y->ppid);
		assert_string_equal(x->name, y->name);
		assert_string_equal(x->cmdline, y->cmdline);
		assert_string_equal(x->state, y->state);
		assert_string_equal(x->container_id, y->container_id);
		assert_string_equal(x->cgroup, y->cgroup);
		assert_int_equal(x->rss_kb, y->rss_kb);
		assert_int_equal(x->cpu_time_ns, y->cpu_time_ns);
		assert_true(x->cpu_pct == y->cpu_pct);
		assert_int_equal(x->start_time_ns, y->start_time_ns);
	}
	for (size_t i = 0; i < a->nctrs; i++) {
		assert_string_equal(a->ctrs[i].id, b->ctrs[i].id);
		assert_string_equal(a->ctrs[i].cgroup, b->ctrs[i].cgroup);
		assert_int_equal(a->ctrs[i].nprocs, b->ctrs[i].nprocs);
	}
}

/*
 * The parse one process at a time and the parse as one tree agree: the
 * same snapshot for valid documents (the processes anywhere in the object,
 * any whitespace, brackets and quotes inside strings, none), the same error
 * for broken ones (a trailing comma, junk between processes, unterminated,
 * a duplicate key inside a process or at the top).
 */
static void test_paths_agree(void **state)
{
	const char *procs = strstr(base_doc, "\"processes\"");
	const char *sep = strstr(base_doc, "},\n{");
	const char *name = strstr(base_doc, "\"name\":\"init\"");
	const size_t cap = sizeof(base_doc) + 64;
	char *docs[16];
	size_t nd = 0, nvalid, pre;

	(void)state;
	assert_true(procs && sep && name);
	pre = (size_t)(procs - base_doc);
	for (int i = 0; i < 9; i++)
		assert_non_null(docs[i] = calloc(1, cap));
	strcpy(docs[nd++], base_doc);
	{ /* the processes first, the rest after them, odd whitespace */
		char *body = strndup(base_doc + 1, pre - 1);

		assert_non_null(body);
		body[strlen(body) - 2] = '\0'; /* the ",\n" before "processes" */
		snprintf(docs[nd++], cap, " {\t%.*s ,\r\n %s }\n", (int)strlen(procs) - 2, procs,
			 body);
		free(body);
	}
	/* a process whose name holds brackets, braces, a comma and escaped quotes */
	snprintf(docs[nd++], cap, "%.*s\"name\":\"]},[{\\\"x\\\\\"%s", (int)(name - base_doc),
		 base_doc, name + strlen("\"name\":\"init\""));
	snprintf(docs[nd++], cap, "%.*s\"processes\":[ ]}", (int)pre, base_doc);
	nvalid = nd;
	snprintf(docs[nd++], cap, "%.*s},]}", (int)(sizeof(base_doc) - 1 - strlen("}\n]}\n")),
		 base_doc);
	snprintf(docs[nd++], cap, "%.*s} x,\n{%s", (int)(sep - base_doc), base_doc, sep + 4);
	snprintf(docs[nd++], cap, "%.*s", (int)sizeof(base_doc) - 4, base_doc);
	snprintf(docs[nd++], cap, "%.*s\"pid\":9,%s", (int)(sep + 4 - base_doc), base_doc, sep + 4);
	snprintf(docs[nd++], cap, "{\"cpus\":2,%s", base_doc + 1);
	for (size_t i = 0; i < nd; i++) {
		struct snapshot a, b;
		char ea[256], eb[256], *w = whole_only(docs[i]);
		int ra = parse(docs[i], strlen(docs[i]), &a, ea, sizeof(ea));
		int rb = parse(w, strlen(w), &b, eb, sizeof(eb));

		print_message("document %zu: %d %s\n", i, ra, ra ? ea : "");
		if (i < nvalid) {
			assert_int_equal(ra, 0);
			assert_int_equal(rb, 0);
			assert_same_snapshot(&a, &b);
		} else {
			assert_int_not_equal(ra, 0);
			assert_int_equal(ra, rb);
		}
		snapshot_free(&a);
		snapshot_free(&b);
		free(w);
	}
	for (int i = 0; i < 9; i++)
		free(docs[i]);
}

/* jansson's allocations, counted: the most bytes alive at once. */
static size_t jl_live, jl_peak;

static void *jl_malloc(size_t n)
{
	size_t *p = malloc(n + 16);

	if (!p)
		return NULL;
	*p = n;
	jl_live += n;
	if (jl_live > jl_peak)
		jl_peak = jl_live;
	return (char *)p + 16;
}

static void jl_free(void *q)
{
	size_t *p;

	if (!q)
		return;
	p = (size_t *)(void *)((char *)q - 16);
	jl_live -= *p;
	free(p);
}

/* The most bytes jansson held at once while doc was parsed. */
static size_t jansson_peak(const char *doc, size_t len)
{
	struct snapshot s;
	char err[256];

	jl_live = jl_peak = 0;
	json_set_alloc_funcs(jl_malloc, jl_free);
	assert_int_equal(parse(doc, len, &s, err, sizeof(err)), 0);
	json_set_alloc_funcs(malloc, free);
	assert_int_equal(jl_live, 0);
	snapshot_free(&s);
	return jl_peak;
}

/*
 * The processes are parsed one at a time: jansson never holds the tree of
 * a 5,000-process document, only one process's (the peak is far below the
 * whole parse's, which the escaped key forces).
 */
static void test_one_at_a_time(void **state)
{
	struct snapshot s = { 0 };
	char err[256], *txt, *w;
	size_t len, fast, whole;

	(void)state;
	assert_int_equal(parse(base_doc, strlen(base_doc), &s, err, sizeof(err)), 0);
	const size_t n0 = s.nprocs;
	for (size_t i = 0; i < 5000; i++) {
		struct snap_proc *p = snapshot_add_proc(&s);

		*p = s.procs[i % n0];
		p->pid = (int32_t)(1000 + i);
	}
	txt = modsrc_format(&s, &len);
	assert_non_null(txt);
	w = whole_only(txt);
	fast = jansson_peak(txt, len);
	whole = jansson_peak(w, strlen(w));
	print_message("jansson peak: %zu bytes one at a time, %zu as one tree\n", fast, whole);
	assert_true(fast * 20 < whole);
	free(w);
	free(txt);
	snapshot_free(&s);
}

static void test_roundtrip_live(void **state)
{
	struct snapshot live, back;
	char err[256], *txt;
	size_t len;

	(void)state;
	assert_int_equal(procfs_snapshot(NULL, &live, err, sizeof(err)), 0);
	txt = modsrc_format(&live, &len);
	assert_non_null(txt);
	assert_int_equal(parse(txt, len, &back, err, sizeof(err)), 0);
	assert_int_equal(back.nprocs, live.nprocs);
	assert_int_equal(back.nctrs, live.nctrs);
	for (size_t i = 0; i < live.nprocs; i++) {
		const struct snap_proc *a = &live.procs[i], *b = &back.procs[i];
		assert_int_equal(a->pid, b->pid);
		assert_string_equal(a->name, b->name);
		assert_string_equal(a->cmdline, b->cmdline);
		assert_string_equal(a->cgroup, b->cgroup);
		assert_string_equal(a->container_id, b->container_id);
		assert_int_equal(a->rss_kb, b->rss_kb);
		assert_int_equal(a->cpu_time_ns, b->cpu_time_ns);
	}
	free(txt);
	snapshot_free(&live);
	snapshot_free(&back);
}

/* Every *.json under dir; returns how many parsed. */
static int parse_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[4096], err[512];
		struct snapshot s;
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (modsrc_read(path, &s, err, sizeof(err)) < 0) {
			/* documents made on purpose to be rejected are named so */
			if (strstr(de->d_name, "bad") || strstr(de->d_name, "invalid"))
				continue;
			fail_msg("captured document %s: %s", path, err);
		}
		print_message("captured %s: %zu processes, %zu containers\n", de->d_name, s.nprocs,
			      s.nctrs);
		assert_int_equal(s.version, 1);
		assert_true(s.cpus >= 1);
		assert_true(s.mem.total_kb > 0);
		for (size_t i = 0; i < s.nprocs; i++) {
			assert_true(s.procs[i].rss_kb <= s.mem.total_kb);
			assert_true(s.procs[i].rss_kb <= s.procs[i].vsz_kb ||
				    s.procs[i].vsz_kb == 0);
			assert_true(i == 0 || s.procs[i - 1].pid < s.procs[i].pid);
		}
		/* truncating a real document anywhere is an error */
		{
			char *buf;
			size_t len;
			assert_int_equal(util_slurp(path, MODSRC_MAX_DOC, &buf, &len), 0);
			for (size_t cut = 1; cut < len - 2; cut += 1 + len / 97) {
				struct snapshot t;
				assert_int_not_equal(
					modsrc_parse_buf(buf, cut, &t, err, sizeof(err)), 0);
				assert_int_equal(t.nprocs, 0);
			}
			free(buf);
		}
		snapshot_free(&s);
		n++;
	}
	closedir(d);
	return n;
}

/* The documents captured from the real module in the VM (tests/kernel/
 * module.sh, committed in servicio/tests/fixtures/module: the same input
 * whatever ran before, never a file an earlier run happened to leave). */
static void test_captured(void **state)
{
	const char *top = getenv("GESTOR_TOP");
	char dir[1024];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/servicio/tests/fixtures/module", top ? top : ".");
	assert_int_equal(parse_dir(dir), 4); /* normal, hostile, containers, containers_only */
}

static void test_read_errors(void **state)
{
	struct snapshot s;
	char err[256];

	(void)state;
	assert_int_equal(modsrc_read("/nonexistent/sysinfo", &s, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/sysinfo: No such file or directory");
	assert_int_equal(modsrc_read("/proc/self/stat", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/proc/self/stat: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_versions_and_values),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_roundtrip_live),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_captured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
