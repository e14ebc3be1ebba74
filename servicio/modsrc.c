/*
 * modsrc.c — the module source: a strict jansson parse of the kernel
 * module's document (format version 1) into a snapshot. Every documented
 * field is checked for presence, type and range; errors name the field
 * ("processes[3].rss_kb: ..."); a document that fails anywhere leaves the
 * snapshot empty. Reading the file is a bounded slurp, apart from the parse.
 */
#include "modsrc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "jspan.h"
#include "util.h"

/* Where a field lives, for error messages: "memory.total_kb", "processes[3].pid". */
struct modsrc_ctx {
	char *err;
	size_t errlen;
	const char *obj; /* "" at top level, "memory", "processes[%zu]" */
	size_t index; /* for processes */
};

__attribute__((format(printf, 3, 4))) static int modsrc_fail(struct modsrc_ctx *c, const char *key,
							     const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strcmp(c->obj, "processes") == 0)
		snprintf(c->err, c->errlen, "processes[%zu].%s: %s", c->index, key, what);
	else if (c->obj[0])
		snprintf(c->err, c->errlen, "%s.%s: %s", c->obj, key, what);
	else
		snprintf(c->err, c->errlen, "%s: %s", key, what);
	return -EINVAL;
}

static int modsrc_u64(struct modsrc_ctx *c, json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!v)
		return modsrc_fail(c, key, "missing");
	if (!json_is_integer(v))
		return modsrc_fail(c, key, "expected a non-negative integer, got %s",
				   json_is_real(v)	? "a real number"
				   : json_is_string(v)	? "a string"
				   : json_is_null(v)	? "null"
				   : json_is_boolean(v) ? "a boolean"
				   : json_is_array(v)	? "an array"
							: "an object");
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return modsrc_fail(c, key, "%lld is out of range [0, %llu]", (long long)i,
				   (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

static int modsrc_u32(struct modsrc_ctx *c, json_t *o, const char *key, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int ret = modsrc_u64(c, o, key, max, &v);
	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

static int modsrc_double(struct modsrc_ctx *c, json_t *o, const char *key, double max, double *out)
{
	json_t *v = json_object_get(o, key);
	double d;

	if (!v)
		return modsrc_fail(c, key, "missing");
	if (!json_is_number(v))
		return modsrc_fail(c, key, "expected a number");
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > max)
		return modsrc_fail(c, key, "%g is out of range [0, %g]", d, max);
	*out = d;
	return 0;
}

/* A string member of at most cap-1 bytes, without NUL bytes (jansson
 * rejects \u0000 already): its value and length. */
static int modsrc_string(struct modsrc_ctx *c, json_t *o, const char *key, size_t cap,
			 const char **val, size_t *n)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return modsrc_fail(c, key, "missing");
	if (!json_is_string(v))
		return modsrc_fail(c, key, "expected a string");
	*n = json_string_length(v);
	if (*n >= cap)
		return modsrc_fail(c, key, "too long (%zu bytes, at most %zu)", *n, cap - 1);
	*val = json_string_value(v);
	return 0;
}

/* The string into out (cap bytes). */
static int modsrc_str(struct modsrc_ctx *c, json_t *o, const char *key, char *out, size_t cap)
{
	const char *v = "";
	size_t n = 0;
	int ret = modsrc_string(c, o, key, cap, &v, &n);

	if (ret < 0)
		return ret;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/* The string into the snapshot's string store (*out stays "" on error). */
static int modsrc_stored(struct modsrc_ctx *c, json_t *o, const char *key, size_t cap,
			 struct snapshot *s, const char **out)
{
	const char *v = "", *str;
	size_t n = 0;
	int ret = modsrc_string(c, o, key, cap, &v, &n);

	if (ret < 0)
		return ret;
	str = snapshot_strdup(s, v, n);
	if (!str) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	*out = str;
	return 0;
}

static json_t *modsrc_object(struct modsrc_ctx *c, json_t *o, const char *key, int *ret)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*ret = modsrc_fail(c, key, "missing");
		return NULL;
	}
	if (!json_is_object(v)) {
		*ret = modsrc_fail(c, key, "expected an object");
		return NULL;
	}
	return v;
}

#define KB_MAX (UINT64_MAX / 2048) /* room for kB -> bytes */
#define NS_MAX ((uint64_t)INT64_MAX)

static int modsrc_memory(struct modsrc_ctx *c, json_t *m, struct snap_memory *mem)
{
	struct {
		const char *key;
		uint64_t *dst;
	} f[] = {
		{ "total_kb", &mem->total_kb },		  { "free_kb", &mem->free_kb },
		{ "available_kb", &mem->available_kb },	  { "used_kb", &mem->used_kb },
		{ "buffers_kb", &mem->buffers_kb },	  { "cached_kb", &mem->cached_kb },
		{ "swap_total_kb", &mem->swap_total_kb }, { "swap_free_kb", &mem->swap_free_kb },
	};
	int ret;

	for (size_t i = 0; i < UTIL_ARRAY_LEN(f); i++)
		if ((ret = modsrc_u64(c, m, f[i].key, KB_MAX, f[i].dst)) < 0)
			return ret;
	if (mem->total_kb == 0)
		return modsrc_fail(c, "total_kb", "is 0");
	if (mem->free_kb > mem->total_kb || mem->available_kb > mem->total_kb ||
	    mem->used_kb > mem->total_kb)
		return modsrc_fail(c, "total_kb", "smaller than free, available or used");
	return 0;
}

static int modsrc_cpu(struct modsrc_ctx *c, json_t *o, struct snap_cpu *cpu)
{
	struct {
		const char *key;
		uint64_t *dst;
	} f[] = {
		{ "user_ns", &cpu->user_ns },	    { "nice_ns", &cpu->nice_ns },
		{ "system_ns", &cpu->system_ns },   { "idle_ns", &cpu->idle_ns },
		{ "iowait_ns", &cpu->iowait_ns },   { "irq_ns", &cpu->irq_ns },
		{ "softirq_ns", &cpu->softirq_ns }, { "steal_ns", &cpu->steal_ns },
	};
	int ret;

	for (size_t i = 0; i < UTIL_ARRAY_LEN(f); i++)
		if ((ret = modsrc_u64(c, o, f[i].key, NS_MAX, f[i].dst)) < 0)
			return ret;
	return 0;
}

static int modsrc_proc(struct modsrc_ctx *c, json_t *o, struct snapshot *s, struct snap_proc *p)
{
	uint64_t v = 0;
	int ret;

	if (!json_is_object(o)) {
		snprintf(c->err, c->errlen, "processes[%zu]: expected an object", c->index);
		return -EINVAL;
	}
	if ((ret = modsrc_u64(c, o, "pid", INT32_MAX, &v)) < 0)
		return ret;
	if (v == 0)
		return modsrc_fail(c, "pid", "is 0");
	p->pid = (int32_t)v;
	if ((ret = modsrc_u64(c, o, "ppid", INT32_MAX, &v)) < 0)
		return ret;
	p->ppid = (int32_t)v;
	if ((ret = modsrc_str(c, o, "name", p->name, sizeof(p->name))) < 0 ||
	    (ret = modsrc_stored(c, o, "cmdline", SNAP_CMDLINE_MAX, s, &p->cmdline)) < 0 ||
	    (ret = modsrc_str(c, o, "state", p->state, sizeof(p->state))) < 0 ||
	    (ret = modsrc_u32(c, o, "uid", UINT32_MAX, &p->uid)) < 0 ||
	    (ret = modsrc_u32(c, o, "threads", UINT32_MAX, &p->threads)) < 0 ||
	    (ret = modsrc_str(c, o, "container_id", p->container_id, sizeof(p->container_id))) <
		    0 ||
	    (ret = modsrc_stored(c, o, "cgroup", SNAP_CGROUP_MAX, s, &p->cgroup)) < 0 ||
	    (ret = modsrc_u64(c, o, "vsz_kb", KB_MAX, &p->vsz_kb)) < 0 ||
	    (ret = modsrc_u64(c, o, "rss_kb", KB_MAX, &p->rss_kb)) < 0 ||
	    (ret = modsrc_double(c, o, "mem_pct", 100.0, &p->mem_pct)) < 0 ||
	    (ret = modsrc_u64(c, o, "cpu_time_ns", NS_MAX, &p->cpu_time_ns)) < 0 ||
	    (ret = modsrc_double(c, o, "cpu_pct", 1e9, &p->cpu_pct)) < 0 ||
	    (ret = modsrc_u64(c, o, "start_time_ns", NS_MAX, &p->start_time_ns)) < 0)
		return ret;
	if (p->state[0] == '\0')
		return modsrc_fail(c, "state", "is empty");
	if (p->container_id[0] && !util_is_hex(p->container_id, GESTOR_CTR_ID_LEN))
		return modsrc_fail(c, "container_id", "expected \"\" or 64 lowercase hex digits");
	return 0;
}

/* `version`: present, an integer, and 1. 0, -EINVAL or -EPROTO. */
static int modsrc_version(struct modsrc_ctx *c, json_t *doc)
{
	json_t *o = json_object_get(doc, "version");

	if (!o)
		return modsrc_fail(c, "version", "missing");
	if (!json_is_integer(o))
		return modsrc_fail(c, "version", "expected an integer");
	if (json_integer_value(o) != SNAP_FORMAT_VERSION) {
		snprintf(c->err, c->errlen,
			 "version: unsupported format version %lld (this reader knows %d)",
			 (long long)json_integer_value(o), SNAP_FORMAT_VERSION);
		return -EPROTO;
	}
	return 0;
}

/* The machine-wide fields: times, cpus, hz, memory, cpu. 0 or -errno. */
static int modsrc_machine(struct modsrc_ctx *c, json_t *doc, struct snapshot *out)
{
	json_t *o;
	int ret;

	if ((ret = modsrc_u64(c, doc, "timestamp_ns", NS_MAX, &out->timestamp_ns)) < 0 ||
	    (ret = modsrc_u64(c, doc, "boottime_ns", NS_MAX, &out->boottime_ns)) < 0 ||
	    (ret = modsrc_u32(c, doc, "cpus", 1u << 20, &out->cpus)) < 0 ||
	    (ret = modsrc_u32(c, doc, "hz", 1u << 20, &out->hz)) < 0)
		return ret;
	if (out->cpus == 0)
		return modsrc_fail(c, "cpus", "is 0");
	if (!(o = modsrc_object(c, doc, "memory", &ret)))
		return ret;
	c->obj = "memory";
	if ((ret = modsrc_memory(c, o, &out->mem)) < 0)
		return ret;
	c->obj = "";
	if (!(o = modsrc_object(c, doc, "cpu", &ret)))
		return ret;
	c->obj = "cpu";
	if ((ret = modsrc_cpu(c, o, &out->cpu)) < 0)
		return ret;
	c->obj = "";
	return 0;
}

/*
 * The n processes, each element from the tree's array arr or else parsed
 * on its own from b at sp[i], then grouped; a duplicate pid is an error.
 */
static int modsrc_fill(struct modsrc_ctx *c, json_t *arr, const char *b, const struct jspan *sp,
		       size_t n, struct snapshot *out)
{
	int ret;

	if (n > MODSRC_MAX_PROCS) {
		snprintf(c->err, c->errlen, "processes: %zu entries, at most %u", n,
			 MODSRC_MAX_PROCS);
		return -E2BIG;
	}
	if (n > 0) {
		out->procs = malloc(n * sizeof(*out->procs));
		if (!out->procs) {
			snprintf(c->err, c->errlen, "out of memory");
			return -ENOMEM;
		}
		out->procs_cap = n;
	}
	c->obj = "processes";
	for (size_t i = 0; i < n; i++) {
		json_t *o =
			arr ? json_incref(json_array_get(arr, i))
			    : json_loadb(b + sp[i].off, sp[i].len, JSON_REJECT_DUPLICATES, NULL);

		c->index = i;
		ret = o ? modsrc_proc(c, o, out, snapshot_add_proc(out)) : -EINVAL;
		json_decref(o);
		if (ret < 0)
			return ret;
	}
	/* duplicate pids are a broken document: check on the sorted array */
	if (snapshot_group(out, false) < 0) {
		snprintf(c->err, c->errlen, "out of memory");
		return -ENOMEM;
	}
	if (out->nprocs != n) {
		snprintf(c->err, c->errlen, "processes: %zu duplicate pid(s)", n - out->nprocs);
		return -EINVAL;
	}
	return 0;
}

/* `processes` of the whole tree. */
static int modsrc_processes(struct modsrc_ctx *c, json_t *doc, struct snapshot *out)
{
	json_t *procs = json_object_get(doc, "processes");

	if (!procs || !json_is_array(procs))
		return modsrc_fail(c, "processes", procs ? "expected an array" : "missing");
	return modsrc_fill(c, procs, NULL, NULL, json_array_size(procs), out);
}

/* The whole document as one tree: the reference parse, and the one that
 * names what is wrong in a broken document. */
static int modsrc_parse_whole(const char *buf, size_t len, struct snapshot *out, char *err,
			      size_t errlen)
{
	struct modsrc_ctx c = { .err = err, .errlen = errlen, .obj = "" };
	json_error_t jerr;
	json_t *doc;
	int ret = -EINVAL;

	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (len == 0)
			snprintf(err, errlen, "empty document");
		else
			snprintf(err, errlen, "not valid JSON at line %d column %d (byte %d): %s",
				 jerr.line, jerr.column, jerr.position, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "document: expected a JSON object");
		goto err;
	}
	if ((ret = modsrc_version(&c, doc)) < 0)
		goto err;
	out->version = SNAP_FORMAT_VERSION;
	out->source = SNAP_SRC_MODULE;
	if ((ret = modsrc_machine(&c, doc, out)) < 0 || (ret = modsrc_processes(&c, doc, out)) < 0)
		goto err;
	json_decref(doc);
	return 0;
err:
	json_decref(doc);
	snapshot_free(out);
	return ret < 0 ? ret : -EINVAL;
}

/*
 * The fast path: the processes are parsed one at a time, so that a cycle
 * never holds the tree of the whole document (at 500 containers it was the
 * largest thing servicio held). jspan finds the top-level "processes" array
 * and each element's bytes; jansson parses the rest of the document (with
 * the array emptied) and each process on its own, with the same checks.
 * Anything the scanner does not expect and any error send the caller to
 * modsrc_parse_whole(), whose result and messages are the reference.
 */

/* The document without its processes ("processes":[]), parsed and checked. */
static int modsrc_header(struct modsrc_ctx *c, const char *b, size_t len, const struct jspan *arr,
			 struct snapshot *out)
{
	size_t tail = arr->off + arr->len - 1, n = arr->off + 1 + (len - tail);
	char *h = malloc(n);
	json_t *doc;
	int ret = -EINVAL;

	if (!h)
		return -ENOMEM;
	memcpy(h, b, arr->off + 1);
	memcpy(h + arr->off + 1, b + tail, len - tail);
	doc = json_loadb(h, n, JSON_REJECT_DUPLICATES, NULL);
	free(h);
	if (json_is_object(doc) && modsrc_version(c, doc) == 0) { /* NULL too */
		out->version = SNAP_FORMAT_VERSION;
		out->source = SNAP_SRC_MODULE;
		ret = modsrc_machine(c, doc, out);
	}
	json_decref(doc);
	return ret;
}

/* 0 when the fast path parsed the whole document, else < 0 (out emptied). */
static int modsrc_parse_each(struct modsrc_ctx *c, const char *b, size_t len, struct snapshot *out)
{
	static const char key[] = "\"processes\"";
	struct jspan arr, *sp = NULL;
	size_t n;
	int ret = -EINVAL;

	if (jspan_member_array(b, len, key, &arr, NULL, 0, &n) == 0 && n <= MODSRC_MAX_PROCS &&
	    (sp = malloc((n ? n : 1) * sizeof(*sp))) &&
	    jspan_member_array(b, len, key, &arr, sp, n, &n) == 0 &&
	    modsrc_header(c, b, len, &arr, out) == 0)
		ret = modsrc_fill(c, NULL, b, sp, n, out);
	free(sp);
	if (ret < 0)
		snapshot_free(out);
	return ret;
}

int modsrc_parse_buf(const char *buf, size_t len, struct snapshot *out, char *err, size_t errlen)
{
	struct modsrc_ctx c = { .err = err, .errlen = errlen, .obj = "" };

	memset(out, 0, sizeof(*out));
	if (len > MODSRC_MAX_DOC) {
		snprintf(err, errlen, "document too large (%zu bytes, at most %u)", len,
			 MODSRC_MAX_DOC);
		return -E2BIG;
	}
	if (modsrc_parse_each(&c, buf, len, out) == 0)
		return 0;
	c.obj = "";
	return modsrc_parse_whole(buf, len, out, err, errlen);
}

int modsrc_read(const char *path, struct snapshot *out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	uint64_t t0, t1;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!path)
		path = MODSRC_PATH;
	t0 = util_boot_ns();
	ret = util_slurp(path, MODSRC_MAX_DOC, &buf, &len);
	t1 = util_boot_ns();
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 ret == -EFBIG ? "larger than the 128 MiB limit" : strerror(-ret));
		return ret;
	}
	ret = modsrc_parse_buf(buf, len, out, err, errlen);
	free(buf);
	if (ret < 0) {
		/* prefix the path to the parser's reason */
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		util_strlcpy(err, tmp, errlen);
		return ret;
	}
	/*
	 * The module stamps its header when the read starts and writes the
	 * processes in pid order while the reader reads. When this document was
	 * made during this read (its boot time falls inside it), stamp each
	 * process by its place in the document, so rates use its own interval.
	 */
	if (out->boottime_ns + 1000000 >= t0 && out->boottime_ns <= t1 && out->nprocs) {
		uint64_t from = out->boottime_ns > t0 ? out->boottime_ns : t0;
		for (size_t i = 0; i < out->nprocs; i++)
			out->procs[i].sample_ns = from + (t1 - from) * (i + 1) / out->nprocs;
	}
	return 0;
}

/* Two decimals, cut, as the module prints them. */
static json_t *modsrc_pct(double v)
{
	return json_real(floor(v * 100.0 + 1e-7) / 100.0);
}

/* One process as the module writes it; NULL when out of memory. */
static json_t *modsrc_format_proc(const struct snap_proc *p)
{
	return json_pack("{s:i,s:i,s:s%,s:s%,s:s,s:I,s:I,s:s,s:s%,s:I,s:I,s:o,s:I,s:o,s:I}", "pid",
			 (int)p->pid, "ppid", (int)p->ppid, "name", p->name, strlen(p->name),
			 "cmdline", p->cmdline, strlen(p->cmdline), "state", p->state, "uid",
			 (json_int_t)p->uid, "threads", (json_int_t)p->threads, "container_id",
			 p->container_id, "cgroup", p->cgroup, strlen(p->cgroup), "vsz_kb",
			 (json_int_t)p->vsz_kb, "rss_kb", (json_int_t)p->rss_kb, "mem_pct",
			 modsrc_pct(p->mem_pct), "cpu_time_ns", (json_int_t)p->cpu_time_ns,
			 "cpu_pct", modsrc_pct(p->cpu_pct), "start_time_ns",
			 (json_int_t)p->start_time_ns);
}

char *modsrc_format(const struct snapshot *s, size_t *len)
{
	json_t *doc, *procs;
	char *txt;

	doc = json_pack("{s:i,s:I,s:I,s:i,s:i,s:b}", "version", SNAP_FORMAT_VERSION, "timestamp_ns",
			(json_int_t)s->timestamp_ns, "boottime_ns", (json_int_t)s->boottime_ns,
			"cpus", (int)s->cpus, "hz", (int)s->hz, "containers_only", 0);
	procs = json_array();
	if (!doc || !procs)
		goto nomem;
	if (json_object_set_new(doc, "memory",
				json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "total_kb",
					  (json_int_t)s->mem.total_kb, "free_kb",
					  (json_int_t)s->mem.free_kb, "available_kb",
					  (json_int_t)s->mem.available_kb, "used_kb",
					  (json_int_t)s->mem.used_kb, "buffers_kb",
					  (json_int_t)s->mem.buffers_kb, "cached_kb",
					  (json_int_t)s->mem.cached_kb, "swap_total_kb",
					  (json_int_t)s->mem.swap_total_kb, "swap_free_kb",
					  (json_int_t)s->mem.swap_free_kb)) < 0 ||
	    json_object_set_new(
		    doc, "cpu",
		    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "user_ns",
			      (json_int_t)s->cpu.user_ns, "nice_ns", (json_int_t)s->cpu.nice_ns,
			      "system_ns", (json_int_t)s->cpu.system_ns, "idle_ns",
			      (json_int_t)s->cpu.idle_ns, "iowait_ns", (json_int_t)s->cpu.iowait_ns,
			      "irq_ns", (json_int_t)s->cpu.irq_ns, "softirq_ns",
			      (json_int_t)s->cpu.softirq_ns, "steal_ns",
			      (json_int_t)s->cpu.steal_ns)) < 0)
		goto nomem;
	for (size_t i = 0; i < s->nprocs; i++) {
		json_t *o = modsrc_format_proc(&s->procs[i]);

		if (!o || json_array_append_new(procs, o) < 0)
			goto nomem;
	}
	if (json_object_set_new(doc, "processes", procs) < 0) {
		procs = NULL;
		goto nomem;
	}
	procs = NULL;
	txt = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (txt && len)
		*len = strlen(txt);
	return txt;
nomem:
	json_decref(procs);
	json_decref(doc);
	return NULL;
}

/* The module source's state: its file, and whether to keep only containers. */
struct modsrc_state {
	char *path;
	bool containers_only;
};

static void modsrc_src_close(void *state)
{
	struct modsrc_state *st = state;

	if (st)
		free(st->path);
	free(st);
}

static int modsrc_src_open(const struct metrics_config *cfg, bool forced, void **state, char *why,
			   size_t whylen)
{
	const char *path = cfg->module_path ? cfg->module_path : MODSRC_PATH;
	struct modsrc_state *st;
	int e;

	*state = NULL;
	if (access(path, R_OK) != 0) {
		e = errno;
		if (forced)
			snprintf(why, whylen, "module forced but %s is not readable: %s", path,
				 strerror(e));
		else
			snprintf(why, whylen, "module file %s is %s", path,
				 e == ENOENT ? "absent (module not loaded)" : strerror(e));
		return -e;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	st->containers_only = cfg->containers_only;
	*state = st;
	if (forced)
		snprintf(why, whylen, "module forced by configuration (%s)", path);
	else
		snprintf(why, whylen, "module file %s is present", path);
	return 0;
}

static int modsrc_src_take(void *state, struct snapshot *out, char *err, size_t errlen)
{
	const struct modsrc_state *st = state;
	int ret = modsrc_read(st->path, out, err, errlen);

	/* the procfs walk keeps only the containers' processes itself */
	if (ret == 0 && st->containers_only) {
		ret = snapshot_group(out, true);
		if (ret < 0) {
			snapshot_free(out);
			snprintf(err, errlen, "out of memory grouping processes");
		}
	}
	return ret;
}

const struct metrics_src modsrc_src = {
	.id = SNAP_SRC_MODULE,
	.name = "module",
	.open = modsrc_src_open,
	.take = modsrc_src_take,
	.close = modsrc_src_close,
};
