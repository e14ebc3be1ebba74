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

#include "jsonesc.h"
#include "rails.h"
#include "util.h"

/* The decision word of row r (status.h). */
static const char *status_decision(const struct cycle_row *r)
{
	if (r->hold != CYCLE_HOLD_NONE)
		return rails_hold_name(r->hold);
	if (r->dec)
		return cycle_action_name(r->action);
	return "pending";
}

/* s as jsonesc_write() writes it (uncut, unmarked): a string of plain
 * printable ASCII, which it would copy as is, without its unit-by-unit
 * scan (three strings a row, 500 rows each cycle). */
static void status_str_write(FILE *f, const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] >= 0x7f || s[n] == '"' ||
		    s[n] == '\\')
			break;
	if (s[n] || n > JSONESC_DECODED_MAX) {
		jsonesc_write(f, s, strlen(s), false, false);
		return;
	}
	putc('"', f);
	fwrite(s, 1, n, f);
	putc('"', f);
}

/* One row as JSON on f, written directly (no tree: 500 rows each cycle). */
static void status_row_write(FILE *f, const struct cycle_row *r)
{
	const struct ctr_stat *st = r->st;
	const char *reason = r->dec ? r->dec->reason : (r->note ? r->note : "");
	const char *cls = r->dec ? policy_class_name(r->dec->cls) : "-";

	fprintf(f, "{\"id\":");
	status_str_write(f, r->dc->id);
	fprintf(f, ",\"name\":");
	status_str_write(f, r->dc->name);
	fprintf(f,
		",\"class\":\"%s\",\"has_rate\":%s,\"cpu_pct\":%.3f,\"mem_kb\":%" PRIu64
		",\"decision\":\"%s\",\"reason\":",
		cls, st && st->has_cpu ? "true" : "false",
		st && st->cpu_pct >= 0 && st->cpu_pct <= 1e6 ? st->cpu_pct : 0.0,
		st ? st->mem_kb : 0, status_decision(r));
	status_str_write(f, reason);
	fprintf(f, ",\"remove_at_ns\":%" PRId64 "}", r->remove_at_ns);
}

char *status_format(const struct cycle *c, double interval_s, bool dry_run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool first = true;

	if (!f)
		return NULL;
	fprintf(f,
		"{\"ts_ns\":%" PRIu64 ",\"cycle\":%" PRIu64
		",\"interval_s\":%g,\"dry_run\":%s,\"pid\":%ld,\"containers\":[",
		c->dec_ts, c->number, interval_s, dry_run ? "true" : "false", (long)getpid());
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cycle_row *r = &c->rows[i];

		if (!r->pc.managed || r->pc.admin_logs || r->pc.self)
			continue;
		if (!first)
			fputc(',', f);
		first = false;
		status_row_write(f, r);
	}
	fputs("]}\n", f);
	if (ferror(f) || fclose(f) != 0) {
		free(text);
		return NULL;
	}
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
