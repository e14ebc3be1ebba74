/*
 * batch.c — validation of POST /logs bodies (see batch.h). The rules follow
 * the Log API in docs/log-api.md; each check names the field it rejects.
 */
#include "batch.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

bool batch_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > BATCH_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-'))
			return false;
	}
	return true;
}

bool batch_run_valid(const char *s)
{
	return batch_id_valid(s);
}

/* Field checks: each returns true when valid, else fills err. */

static bool need(json_t *obj, const char *path, const char *key, json_t **out, char *err,
		 size_t errlen)
{
	*out = json_object_get(obj, key);
	if (!*out) {
		snprintf(err, errlen, "%s%s: missing", path, key);
		return false;
	}
	return true;
}

static bool need_int(json_t *obj, const char *path, const char *key, json_int_t min, char *err,
		     size_t errlen)
{
	json_t *v;

	if (!need(obj, path, key, &v, err, errlen))
		return false;
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s%s: must be an integer", path, key);
		return false;
	}
	if (json_integer_value(v) < min) {
		snprintf(err, errlen, "%s%s: must be >= %lld", path, key, (long long)min);
		return false;
	}
	return true;
}

static bool need_num(json_t *obj, const char *path, const char *key, double min, double max,
		     char *err, size_t errlen)
{
	json_t *v;
	double d;

	if (!need(obj, path, key, &v, err, errlen))
		return false;
	if (!json_is_number(v)) {
		snprintf(err, errlen, "%s%s: must be a number", path, key);
		return false;
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max) {
		snprintf(err, errlen, "%s%s: must be in %g..%g", path, key, min, max);
		return false;
	}
	return true;
}

/*
 * A container's memory as % of its memory limit: "mem_limit_pct"; the
 * older name "mem_pct" (servicio before the rename, and what its spools
 * still hold) is accepted with the same meaning when the new one is absent.
 */
static bool need_limit_pct(json_t *obj, const char *path, char *err, size_t errlen)
{
	bool legacy = !json_object_get(obj, "mem_limit_pct") && json_object_get(obj, "mem_pct");

	return need_num(obj, path, legacy ? "mem_pct" : "mem_limit_pct", 0, 100, err, errlen);
}

/*
 * The container's cgroup and network counters (servicio's ctrio): each
 * optional (a servicio before them, or a counter its kernel does not
 * give, leaves it out), a count in 0..max when there. The bounds are far
 * past what a kernel counts in a container's life, and keep every value
 * exact in a double (the dashboard's JavaScript) and in a signed 64-bit column.
 */
#define BATCH_COUNT_MAX 9007199254740992.0 /* 2^53 */
#define BATCH_THREADS_MAX 4194304.0 /* the kernel's PID_MAX_LIMIT */

const struct batch_io_field batch_io_fields[BATCH_IO_NFIELDS] = {
	{ "cpu_seconds", false, 1e12 },
	{ "cfs_periods", true, BATCH_COUNT_MAX },
	{ "cfs_throttled_periods", true, BATCH_COUNT_MAX },
	{ "cfs_throttled_seconds", false, 1e12 },
	{ "processes", true, BATCH_THREADS_MAX },
	{ "threads", true, BATCH_THREADS_MAX },
	{ "oom_events", true, BATCH_COUNT_MAX },
	{ "blk_read_bytes", true, BATCH_COUNT_MAX },
	{ "blk_write_bytes", true, BATCH_COUNT_MAX },
	{ "blk_reads", true, BATCH_COUNT_MAX },
	{ "blk_writes", true, BATCH_COUNT_MAX },
	{ "net_rx_bytes", true, BATCH_COUNT_MAX },
	{ "net_rx_packets", true, BATCH_COUNT_MAX },
	{ "net_tx_bytes", true, BATCH_COUNT_MAX },
	{ "net_tx_packets", true, BATCH_COUNT_MAX },
};

static bool batch_io_valid(json_t *c, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < BATCH_IO_NFIELDS; i++) {
		const struct batch_io_field *f = &batch_io_fields[i];
		json_t *v = json_object_get(c, f->key);

		if (!v)
			continue;
		if (f->integer && !json_is_integer(v)) {
			snprintf(err, errlen, "%s%s: must be an integer", path, f->key);
			return false;
		}
		/* a count compared as an integer: 2^53 + 1 is 2^53 as a double */
		if (f->integer &&
		    (json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)f->max)) {
			snprintf(err, errlen, "%s%s: must be in 0..%.0f", path, f->key, f->max);
			return false;
		}
		if (!need_num(c, path, f->key, 0, f->max, err, errlen))
			return false;
	}
	return true;
}

static bool need_str(json_t *obj, const char *path, const char *key, size_t maxlen, char *err,
		     size_t errlen)
{
	json_t *v;

	if (!need(obj, path, key, &v, err, errlen))
		return false;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s%s: must be a string", path, key);
		return false;
	}
	if (json_string_length(v) > maxlen) {
		snprintf(err, errlen, "%s%s: longer than %zu bytes", path, key, maxlen);
		return false;
	}
	return true;
}

/* A string that must be one of the NULL-terminated list. */
static bool need_enum(json_t *obj, const char *path, const char *key, const char *const *allowed,
		      char *err, size_t errlen)
{
	const char *s;
	size_t n = 0;
	int w;

	if (!need_str(obj, path, key, 64, err, errlen))
		return false;
	s = json_string_value(json_object_get(obj, key));
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(s, allowed[i]) == 0)
			return true;
	w = snprintf(err, errlen, "%s%s: must be one of", path, key);
	if (w > 0)
		n = (size_t)w;
	for (size_t i = 0; allowed[i] && n < errlen; i++) {
		w = snprintf(err + n, errlen - n, "%s\"%s\"", i ? ", " : " ", allowed[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return false;
}

static bool need_obj(json_t *obj, const char *path, const char *key, json_t **out, char *err,
		     size_t errlen)
{
	if (!need(obj, path, key, out, err, errlen))
		return false;
	if (!json_is_object(*out)) {
		snprintf(err, errlen, "%s%s: must be an object", path, key);
		return false;
	}
	return true;
}

static const char *const batch_types[] = { "sample", "decision", NULL };
static const char *const batch_sources[] = { "module", "bpf", "procfs", NULL };
static const char *const batch_cclasses[] = { "high", "low", "unknown", NULL };
static const char *const batch_dclasses[] = { "high", "low", NULL };
static const char *const batch_actions[] = { "kept", "removed", "would_remove", "remove_failed",
					     NULL };

#define BATCH_STR_MAX 256

static bool batch_sample_valid(json_t *rec, const char *path, char *err, size_t errlen)
{
	char p[160];
	json_t *mem, *cs, *c;
	size_t i;

	if (!need_enum(rec, path, "source", batch_sources, err, errlen) ||
	    !need_num(rec, path, "cpu_pct", 0, 100, err, errlen) ||
	    !need_obj(rec, path, "memory", &mem, err, errlen))
		return false;
	snprintf(p, sizeof(p), "%smemory.", path);
	if (!need_int(mem, p, "total_kb", 0, err, errlen) ||
	    !need_int(mem, p, "used_kb", 0, err, errlen) ||
	    !need_int(mem, p, "available_kb", 0, err, errlen))
		return false;
	if (!need(rec, path, "containers", &cs, err, errlen))
		return false;
	if (!json_is_array(cs)) {
		snprintf(err, errlen, "%scontainers: must be an array", path);
		return false;
	}
	json_array_foreach(cs, i, c)
	{
		snprintf(p, sizeof(p), "%scontainers[%zu]", path, i);
		if (!json_is_object(c)) {
			snprintf(err, errlen, "%s: must be an object", p);
			return false;
		}
		snprintf(p, sizeof(p), "%scontainers[%zu].", path, i);
		if (!need_str(c, p, "id", BATCH_STR_MAX, err, errlen) ||
		    !need_str(c, p, "name", BATCH_STR_MAX, err, errlen) ||
		    !need_enum(c, p, "class", batch_cclasses, err, errlen) ||
		    !need_str(c, p, "label_class", BATCH_STR_MAX, err, errlen) ||
		    !need_num(c, p, "cpu_pct", 0, 1e6, err, errlen) ||
		    !need_int(c, p, "rss_kb", 0, err, errlen) ||
		    !need_int(c, p, "mem_kb", 0, err, errlen) ||
		    !need_limit_pct(c, p, err, errlen) ||
		    !need_int(c, p, "procs", 0, err, errlen) || !batch_io_valid(c, p, err, errlen))
			return false;
	}
	return true;
}

static bool batch_decision_valid(json_t *rec, const char *path, char *err, size_t errlen)
{
	char p[160];
	json_t *c, *m;

	if (!need_obj(rec, path, "container", &c, err, errlen))
		return false;
	snprintf(p, sizeof(p), "%scontainer.", path);
	if (!need_str(c, p, "id", BATCH_STR_MAX, err, errlen) ||
	    !need_str(c, p, "name", BATCH_STR_MAX, err, errlen))
		return false;
	if (!need_enum(rec, path, "class", batch_dclasses, err, errlen) ||
	    !need_enum(rec, path, "action", batch_actions, err, errlen) ||
	    !need_str(rec, path, "reason", 1024, err, errlen) ||
	    !need_int(rec, path, "rank", INT64_MIN, err, errlen) ||
	    !need_obj(rec, path, "metrics", &m, err, errlen))
		return false;
	snprintf(p, sizeof(p), "%smetrics.", path);
	return need_num(m, p, "cpu_pct", 0, 1e6, err, errlen) &&
	       need_int(m, p, "rss_kb", 0, err, errlen) &&
	       need_int(m, p, "mem_kb", 0, err, errlen) && need_limit_pct(m, p, err, errlen);
}

bool batch_record_valid(json_t *rec, const char *path, char *err, size_t errlen)
{
	const char *type;

	if (!json_is_object(rec)) {
		size_t n = strlen(path);
		if (n > 0 && path[n - 1] == '.')
			n--; /* "records[2]." names "records[2]" */
		snprintf(err, errlen, "%.*s: must be an object", (int)n, n ? path : "record");
		return false;
	}
	if (!need_enum(rec, path, "type", batch_types, err, errlen) ||
	    !need_int(rec, path, "ts_ns", 1, err, errlen) ||
	    !need_int(rec, path, "cycle", 0, err, errlen))
		return false;
	type = json_string_value(json_object_get(rec, "type"));
	if (strcmp(type, "sample") == 0)
		return batch_sample_valid(rec, path, err, errlen);
	return batch_decision_valid(rec, path, err, errlen);
}

/*
 * Each record's text: a copy of the body with the records' ranges in it, or
 * (when jspan cannot place them) the records serialised one after another
 * into one buffer, sized by a first pass. 0 or -ENOMEM.
 */
static int batch_texts(struct batch *b, const char *body, size_t len)
{
	const size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(17);
	size_t n = json_array_size(b->records), used = 0;
	json_t *rec;
	size_t i;

	b->spans = calloc(n, sizeof(*b->spans));
	if (!b->spans)
		return -ENOMEM;
	if (jspan_records(body, len, b->spans, n) == 0) {
		b->text = malloc(len ? len : 1);
		if (!b->text)
			return -ENOMEM;
		memcpy(b->text, body, len);
		return 0;
	}
	json_array_foreach(b->records, i, rec)
	{
		b->spans[i].off = used;
		b->spans[i].len = json_dumpb(rec, NULL, 0, flags);
		if (b->spans[i].len == 0)
			return -ENOMEM;
		used += b->spans[i].len;
	}
	b->text = malloc(used + 1); /* used > 0: batches are never empty */
	if (!b->text)
		return -ENOMEM;
	json_array_foreach(b->records, i, rec)
	{
		if (json_dumpb(rec, b->text + b->spans[i].off, b->spans[i].len, flags) !=
		    b->spans[i].len)
			return -ENOMEM;
	}
	return 0;
}

/* The fields of a batch object: batch_id, host, run, records; false with err set. */
static bool batch_envelope(struct batch *b, char *err, size_t errlen)
{
	json_t *v = json_object_get(b->root, "batch_id");

	if (!v) {
		snprintf(err, errlen, "batch_id: missing");
		return false;
	}
	if (!json_is_string(v) || !batch_id_valid(json_string_value(v))) {
		snprintf(err, errlen,
			 "batch_id: must be a string of 1..%d characters [A-Za-z0-9._:-]",
			 BATCH_ID_MAX);
		return false;
	}
	util_strlcpy(b->batch_id, json_string_value(v), sizeof(b->batch_id));
	v = json_object_get(b->root, "host");
	if (v) {
		if (!json_is_string(v) || json_string_length(v) > BATCH_STR_MAX) {
			snprintf(err, errlen, "host: must be a string of at most %d bytes",
				 BATCH_STR_MAX);
			return false;
		}
		b->host = json_string_value(v);
	}
	v = json_object_get(b->root, "run");
	if (v) {
		if (!json_is_string(v) || !batch_run_valid(json_string_value(v))) {
			snprintf(err, errlen,
				 "run: must be a string of 1..%d characters [A-Za-z0-9._:-]",
				 BATCH_ID_MAX);
			return false;
		}
		b->run = json_string_value(v);
	}
	b->records = json_object_get(b->root, "records");
	if (!b->records) {
		snprintf(err, errlen, "records: missing");
		return false;
	}
	if (!json_is_array(b->records)) {
		snprintf(err, errlen, "records: must be an array");
		return false;
	}
	return true;
}

enum batch_status batch_parse(const char *body, size_t len, const char *auto_id, struct batch *b,
			      char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *rec;
	char path[64];
	size_t i;

	memset(b, 0, sizeof(*b));
	b->host = "";
	b->run = "";
	jarena_enter(&b->arena);
	b->root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	jarena_leave();
	if (!b->root) {
		snprintf(err, errlen, "malformed JSON at line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		jarena_release(&b->arena);
		return BATCH_MALFORMED;
	}
	if (json_is_array(b->root)) {
		b->records = b->root;
		b->generated_id = true;
		util_strlcpy(b->batch_id, auto_id, sizeof(b->batch_id));
	} else if (json_is_object(b->root)) {
		if (!batch_envelope(b, err, errlen))
			goto invalid;
	} else {
		snprintf(err, errlen, "body: must be a batch object or an array of records");
		goto invalid;
	}
	if (json_array_size(b->records) == 0) {
		snprintf(err, errlen, "records: must not be empty");
		goto invalid;
	}
	if (json_array_size(b->records) > BATCH_MAX_RECORDS) {
		snprintf(err, errlen, "records: more than %d records", BATCH_MAX_RECORDS);
		goto invalid;
	}
	json_array_foreach(b->records, i, rec)
	{
		snprintf(path, sizeof(path), "records[%zu].", i);
		if (!batch_record_valid(rec, path, err, errlen))
			goto invalid;
	}
	if (batch_texts(b, body, len) < 0)
		goto nomem;
	return BATCH_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	batch_free(b);
	return BATCH_NOMEM;
invalid:
	batch_free(b);
	return BATCH_INVALID;
}

void batch_free(struct batch *b)
{
	free(b->text);
	b->text = NULL;
	free(b->spans);
	b->spans = NULL;
	if (jarena_owns(&b->arena))
		jarena_release(&b->arena); /* the tree with it, in one go */
	else
		json_decref(b->root);
	b->root = NULL;
	b->records = NULL;
}
