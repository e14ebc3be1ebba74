/*
 * status.c — the status file's text, its parse, and the view's sort,
 * filter and time to removal (see status.h).
 */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rails.h"
#include "record.h"
#include "util.h"

/* The decision word of row r (status.h). */
static const char *status_decision(const struct cycle_row *r)
{
	if (r->hold != CYCLE_HOLD_NONE)
		return rails_hold_name(r->hold);
	if (r->dec)
		return record_action_name(r->action);
	return "pending";
}

static json_t *status_row_json(const struct cycle_row *r)
{
	const struct ctr_stat *st = r->st;

	return json_pack("{s:s,s:s,s:s,s:b,s:f,s:I,s:s,s:s,s:I}", "id", r->dc->id, "name",
			 r->dc->name, "class", r->dec ? policy_class_name(r->dec->cls) : "-",
			 "has_rate", st && st->has_cpu, "cpu_pct",
			 st && st->cpu_pct >= 0 ? st->cpu_pct : 0.0, "mem_kb",
			 (json_int_t)(st ? st->mem_kb : 0), "decision", status_decision(r),
			 "reason", r->dec ? r->reason : (r->note ? r->note : ""), "remove_at_ns",
			 (json_int_t)r->remove_at_ns);
}

char *status_format(const struct cycle *c, double interval_s, bool dry_run)
{
	json_t *rows = json_array(), *root;
	char *text;

	if (!rows)
		return NULL;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];

		if (r->pc.managed && !r->pc.admin_logs && !r->pc.self)
			json_array_append_new(rows, status_row_json(r));
	}
	root = json_pack("{s:I,s:I,s:f,s:b,s:I,s:o}", "ts_ns", (json_int_t)c->dec_ts, "cycle",
			 (json_int_t)c->number, "interval_s", interval_s, "dry_run", dry_run, "pid",
			 (json_int_t)getpid(), "containers", rows);
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return text;
}

/* Copy a string member, control characters replaced; false when not a string. */
static bool status_str(json_t *o, const char *key, char *dst, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, key));
	size_t j = 0;

	if (!s)
		return false;
	for (size_t i = 0; s[i] && j + 1 < cap; i++)
		dst[j++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[j] = '\0';
	return true;
}

static bool status_row_parse(json_t *o, struct status_row *r)
{
	json_t *cpu = json_object_get(o, "cpu_pct"), *mem = json_object_get(o, "mem_kb");
	json_t *at = json_object_get(o, "remove_at_ns");

	if (!json_is_object(o) || !status_str(o, "id", r->id, sizeof(r->id)) ||
	    !status_str(o, "name", r->name, sizeof(r->name)) ||
	    !status_str(o, "class", r->cls, sizeof(r->cls)) ||
	    !status_str(o, "decision", r->decision, sizeof(r->decision)) ||
	    !status_str(o, "reason", r->reason, sizeof(r->reason)) || !json_is_number(cpu) ||
	    !json_is_integer(mem) || !json_is_integer(at) ||
	    !json_is_boolean(json_object_get(o, "has_rate")))
		return false;
	r->cpu_pct = json_number_value(cpu);
	r->has_rate = json_is_true(json_object_get(o, "has_rate"));
	r->mem_kb = json_integer_value(mem) > 0 ? (uint64_t)json_integer_value(mem) : 0;
	r->remove_at_ns = json_integer_value(at);
	return r->cpu_pct >= 0 && r->cpu_pct <= 1e6;
}

int status_parse(const char *text, size_t len, struct status *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je), *cs, *v;
	size_t i;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	cs = json_object_get(root, "containers");
	if (!json_is_object(root) || !json_is_array(cs) || json_array_size(cs) > STATUS_MAX_ROWS ||
	    !json_is_integer(json_object_get(root, "ts_ns")) ||
	    !json_is_integer(json_object_get(root, "cycle")) ||
	    !json_is_number(json_object_get(root, "interval_s"))) {
		snprintf(err, errlen, "not a servicio status file%s%s", root ? "" : ": ",
			 root ? "" : je.text);
		goto out;
	}
	out->ts_ns = json_integer_value(json_object_get(root, "ts_ns"));
	out->cycle = (uint64_t)json_integer_value(json_object_get(root, "cycle"));
	out->interval_s = json_number_value(json_object_get(root, "interval_s"));
	out->dry_run = json_is_true(json_object_get(root, "dry_run"));
	out->pid = (long)json_integer_value(json_object_get(root, "pid"));
	out->rows = calloc(json_array_size(cs) ? json_array_size(cs) : 1, sizeof(*out->rows));
	ret = out->rows ? 0 : -ENOMEM;
	json_array_foreach(cs, i, v)
	{
		if (ret == 0 && !status_row_parse(v, &out->rows[out->n++])) {
			snprintf(err, errlen, "containers[%zu]: not a container row", i);
			ret = -EINVAL;
		}
	}
out:
	json_decref(root);
	if (ret)
		status_free(out);
	return ret;
}

void status_free(struct status *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

/* When the row goes, as a number for the sort: the sooner the smaller. */
static int64_t status_removal_key(const struct status_row *r)
{
	if (strcmp(r->decision, "removed") == 0 || strcmp(r->decision, "remove_failed") == 0)
		return INT64_MIN;
	if (strcmp(r->decision, "would_remove") == 0)
		return INT64_MIN + 1;
	if (strcmp(r->decision, "grace") == 0)
		return r->remove_at_ns;
	if (strcmp(r->decision, "capped") == 0)
		return INT64_MAX - 2;
	return strcmp(r->decision, "protected") == 0 ? INT64_MAX : INT64_MAX - 1;
}

static int status_cmp_name(const struct status_row *a, const struct status_row *b)
{
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->id, b->id);
}

static int status_cmp_cpu(const void *pa, const void *pb)
{
	const struct status_row *a = pa, *b = pb;

	if (a->cpu_pct != b->cpu_pct)
		return a->cpu_pct > b->cpu_pct ? -1 : 1;
	return status_cmp_name(a, b);
}

static int status_cmp_mem(const void *pa, const void *pb)
{
	const struct status_row *a = pa, *b = pb;

	if (a->mem_kb != b->mem_kb)
		return a->mem_kb > b->mem_kb ? -1 : 1;
	return status_cmp_name(a, b);
}

static int status_cmp_names(const void *pa, const void *pb)
{
	return status_cmp_name(pa, pb);
}

static int status_cmp_removal(const void *pa, const void *pb)
{
	const struct status_row *a = pa, *b = pb;
	int64_t ka = status_removal_key(a), kb = status_removal_key(b);

	if (ka != kb)
		return ka < kb ? -1 : 1;
	return status_cmp_name(a, b);
}

void status_sort(struct status_row *rows, size_t n, enum status_sort by)
{
	static int (*const cmp[])(const void *, const void *) = {
		[STATUS_SORT_CPU] = status_cmp_cpu,
		[STATUS_SORT_MEM] = status_cmp_mem,
		[STATUS_SORT_NAME] = status_cmp_names,
		[STATUS_SORT_REMOVAL] = status_cmp_removal,
	};

	if (n > 1 && (size_t)by < UTIL_ARRAY_LEN(cmp))
		qsort(rows, n, sizeof(*rows), cmp[by]);
}

bool status_match(const struct status_row *r, const char *filter)
{
	return !filter || !filter[0] || strstr(r->name, filter) || strstr(r->cls, filter) ||
	       strstr(r->decision, filter);
}

const char *status_removal_text(const struct status_row *r, int64_t now_ns, char *buf, size_t cap)
{
	const char *d = r->decision;

	if (strcmp(d, "grace") == 0) {
		int64_t left = r->remove_at_ns - now_ns;

		if (left <= 0)
			return "next cycle";
		snprintf(buf, cap, "%" PRId64 "s", (left + 999999999) / 1000000000);
		return buf;
	}
	if (strcmp(d, "removed") == 0)
		return "gone";
	if (strcmp(d, "remove_failed") == 0)
		return "now (failed)";
	if (strcmp(d, "capped") == 0)
		return "next cycle";
	if (strcmp(d, "protected") == 0)
		return "never";
	if (strcmp(d, "would_remove") == 0)
		return "dry run";
	return "-";
}
