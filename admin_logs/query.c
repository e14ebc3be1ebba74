/*
 * query.c — GET /logs filters and their SQL (see query.h). Values are
 * always bound as parameters, never pasted into the SQL text.
 */
#include "query.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "batch.h"
#include "util.h"

void query_init(struct query *q)
{
	memset(q, 0, sizeof(*q));
	q->until_ns = INT64_MAX;
	q->limit = QUERY_LIMIT_DEFAULT;
}

int query_parse_time(const char *s, int64_t *ns)
{
	struct tm tm;
	const char *p;
	int64_t v, frac = 0;
	int digits = 0;
	time_t t;

	if (util_parse_i64(s, &p, 0, INT64_MAX, &v) == 0 && *p == '\0' && strlen(s) > 0 &&
	    s[0] >= '0' && s[0] <= '9') {
		*ns = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -EINVAL;
		for (int d = digits; d < 9; d++)
			frac *= 10;
	}
	if (!(p[0] == 'Z' && p[1] == '\0') && strcmp(p, "+00:00") != 0)
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0 || (int64_t)t > INT64_MAX / 1000000000LL - 1)
		return -EINVAL;
	*ns = (int64_t)t * 1000000000LL + frac;
	return 0;
}

static int query_copy(char *dst, size_t cap, const char *key, const char *val, char *err,
		      size_t errlen)
{
	if (val[0] == '\0' || !util_strlcpy(dst, val, cap)) {
		snprintf(err, errlen, "%s: must be 1..%zu characters", key, cap - 1);
		return -EINVAL;
	}
	return 0;
}

/* limit (1..QUERY_LIMIT_MAX) or offset (>= 0): the paging both queries take. */
static int query_page_set(const char *key, const char *val, unsigned *limit, uint64_t *offset,
			  char *err, size_t errlen)
{
	const char *end;
	uint64_t v;

	if (strcmp(key, "limit") == 0) {
		if (util_parse_u64(val, &end, QUERY_LIMIT_MAX, &v) < 0 || *end || v == 0) {
			snprintf(err, errlen, "limit: must be a number in 1..%d", QUERY_LIMIT_MAX);
			return -EINVAL;
		}
		*limit = (unsigned)v;
		return 0;
	}
	if (util_parse_u64(val, &end, INT64_MAX, &v) < 0 || *end) {
		snprintf(err, errlen, "offset: must be a number >= 0");
		return -EINVAL;
	}
	*offset = v;
	return 0;
}

/* ?since= or ?until= (key) into q. */
static int query_set_time(struct query *q, const char *key, const char *val, char *err,
			  size_t errlen)
{
	int64_t ns;

	if (query_parse_time(val, &ns) < 0) {
		snprintf(err, errlen,
			 "%s: must be nanoseconds or an RFC 3339 UTC time "
			 "(2026-11-28T15:00:00Z)",
			 key);
		return -EINVAL;
	}
	if (key[0] == 's')
		q->since_ns = ns;
	else
		q->until_ns = ns;
	return 0;
}

int query_set(struct query *q, const char *key, const char *val, char *err, size_t errlen)
{
	if (!val)
		val = "";
	if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0)
		return query_set_time(q, key, val, err, errlen);
	if (strcmp(key, "type") == 0) {
		if (strcmp(val, "sample") != 0 && strcmp(val, "decision") != 0) {
			snprintf(err, errlen, "type: must be \"sample\" or \"decision\"");
			return -EINVAL;
		}
		return query_copy(q->type, sizeof(q->type), key, val, err, errlen);
	}
	if (strcmp(key, "container") == 0)
		return query_copy(q->container, sizeof(q->container), key, val, err, errlen);
	if (strcmp(key, "action") == 0)
		return query_copy(q->action, sizeof(q->action), key, val, err, errlen);
	if (strcmp(key, "batch") == 0 || strcmp(key, "batch_id") == 0) {
		if (!batch_id_valid(val)) {
			snprintf(err, errlen, "%s: not a valid batch_id", key);
			return -EINVAL;
		}
		return query_copy(q->batch, sizeof(q->batch), key, val, err, errlen);
	}
	if (strcmp(key, "host") == 0)
		return query_copy(q->host, sizeof(q->host), key, val, err, errlen);
	if (strcmp(key, "run") == 0) {
		if (!batch_run_valid(val)) {
			snprintf(err, errlen, "run: not a valid run id");
			return -EINVAL;
		}
		return query_copy(q->run, sizeof(q->run), key, val, err, errlen);
	}
	if (strcmp(key, "limit") == 0 || strcmp(key, "offset") == 0)
		return query_page_set(key, val, &q->limit, &q->offset, err, errlen);
	if (strcmp(key, "order") == 0) {
		if (strcmp(val, "asc") != 0 && strcmp(val, "desc") != 0) {
			snprintf(err, errlen, "order: must be \"asc\" or \"desc\"");
			return -EINVAL;
		}
		q->desc = val[0] == 'd';
		return 0;
	}
	snprintf(err, errlen,
		 "unknown parameter '%.40s' (since, until, type, container, action, "
		 "batch, host, run, limit, offset, order)",
		 key);
	return -EINVAL;
}

static void query_iso(int64_t ns, char *buf, size_t cap)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%06lldZ", (long long)(ns % 1000000000LL / 1000));
}

/* Append to sql (size cap, *n used) what fmt makes; cut when full. */
static void query_add(char *sql, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void query_add(char *sql, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(sql + *n, cap - *n, fmt, ap);
	va_end(ap);
	*n = w < 0 ? cap : *n + (size_t)w;
}

void query_logs_sql(const struct query *q, char ph, char *sql, size_t cap)
{
	const char *dir = q->desc ? "DESC" : "ASC";
	size_t n = 0;

	query_add(sql, cap, &n,
		  "SELECT r.body, b.batch_id, b.stored_ns, r.id FROM records r "
		  "JOIN batches b ON b.id = r.batch WHERE r.ts_ns >= %c1 AND r.ts_ns <= %c2",
		  ph, ph);
	if (q->type[0])
		query_add(sql, cap, &n, " AND r.type = %c3", ph);
	if (q->container[0])
		query_add(sql, cap, &n,
			  " AND (r.container_id = %c4 OR r.container_name = %c4 OR r.id IN "
			  "(SELECT record FROM sample_containers WHERE cid = %c4 OR name = %c4))",
			  ph, ph, ph, ph);
	if (q->action[0])
		query_add(sql, cap, &n, " AND r.action = %c5", ph);
	if (q->batch[0])
		query_add(sql, cap, &n, " AND b.batch_id = %c6", ph);
	if (q->host[0])
		query_add(sql, cap, &n, " AND r.host = %c9", ph);
	if (q->run[0])
		query_add(sql, cap, &n, " AND r.run = %c10", ph);
	query_add(sql, cap, &n, " ORDER BY r.ts_ns %s, r.id %s LIMIT %c7 OFFSET %c8", dir, dir, ph,
		  ph);
}

int query_add_record(json_t *arr, const char *body, const char *batch_id, int64_t stored_ns,
		     int64_t id, char *err, size_t errlen)
{
	json_t *rec = body ? json_loads(body, 0, NULL) : NULL;
	char iso[40];

	if (!json_is_object(rec)) {
		json_decref(rec);
		snprintf(err, errlen, "record %lld: stored body is not an object", (long long)id);
		return -EIO;
	}
	query_iso(stored_ns, iso, sizeof(iso));
	if (json_object_set_new(rec, "id", json_integer(id)) ||
	    json_object_set_new(rec, "batch_id", json_string(batch_id)) ||
	    json_object_set_new(rec, "stored_ns", json_integer(stored_ns)) ||
	    json_object_set_new(rec, "stored_at", json_string(iso)) ||
	    json_array_append_new(arr, rec)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int query_add_run(json_t *arr, const char *run, const char *host, int64_t first_ns, int64_t last_ns,
		  int64_t records)
{
	json_t *row = json_pack("{s:s,s:s,s:I,s:I,s:I}", "run", run, "host", host, "first_ns",
				(json_int_t)first_ns, "last_ns", (json_int_t)last_ns, "records",
				(json_int_t)records);

	if (!row || json_array_append_new(arr, row))
		return -ENOMEM;
	return 0;
}

int query_finish(json_t *arr, const char *key, unsigned limit, uint64_t offset, bool more,
		 char **out, size_t *outlen, char *err, size_t errlen)
{
	size_t n = json_array_size(arr);
	json_t *doc = json_pack(
		"{s:I,s:I,s:I,s:o,s:O}", "count", (json_int_t)n, "limit", (json_int_t)limit,
		"offset", (json_int_t)offset, "next_offset",
		more ? json_integer((json_int_t)offset + (json_int_t)n) : json_null(), key, arr);

	*out = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(doc);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*outlen = strlen(*out);
	return 0;
}

int query_logs_prepare(sqlite3 *db, const struct query *q, sqlite3_stmt **out, char *err,
		       size_t errlen)
{
	char sql[1536];
	sqlite3_stmt *st = NULL;

	*out = NULL;
	query_logs_sql(q, '?', sql, sizeof(sql));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "query: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, q->since_ns);
	sqlite3_bind_int64(st, 2, q->until_ns);
	sqlite3_bind_text(st, 3, q->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->container, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, q->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->batch, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, (int)q->limit + 1); /* one more: is there a next page? */
	sqlite3_bind_int64(st, 8, (sqlite3_int64)q->offset);
	sqlite3_bind_text(st, 9, q->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, q->run, -1, SQLITE_STATIC);
	*out = st;
	return 0;
}

int query_record_text(const char *body, const char *batch_id, int64_t stored_ns, int64_t id,
		      char **out, char *err, size_t errlen)
{
	json_t *arr = json_array();
	int r = arr ? query_add_record(arr, body, batch_id, stored_ns, id, err, errlen) : -ENOMEM;

	*out = r == 0 ? json_dumps(json_array_get(arr, 0), JSON_COMPACT | JSON_REAL_PRECISION(15))
		      : NULL;
	json_decref(arr);
	if (r == 0 && !*out) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
	}
	return r;
}

char *query_run_text(const char *run, const char *host, int64_t first_ns, int64_t last_ns,
		     int64_t records)
{
	json_t *row = json_pack("{s:s,s:s,s:I,s:I,s:I}", "run", run, "host", host, "first_ns",
				(json_int_t)first_ns, "last_ns", (json_int_t)last_ns, "records",
				(json_int_t)records);
	char *t = row ? json_dumps(row, JSON_COMPACT) : NULL;

	json_decref(row);
	return t;
}

void query_runs_init(struct query_runs *q)
{
	memset(q, 0, sizeof(*q));
	q->limit = QUERY_LIMIT_DEFAULT;
}

int query_runs_set(struct query_runs *q, const char *key, const char *val, char *err, size_t errlen)
{
	if (!val)
		val = "";
	if (strcmp(key, "host") == 0)
		return query_copy(q->host, sizeof(q->host), key, val, err, errlen);
	if (strcmp(key, "limit") == 0 || strcmp(key, "offset") == 0)
		return query_page_set(key, val, &q->limit, &q->offset, err, errlen);
	snprintf(err, errlen, "unknown parameter '%.40s' (host, limit, offset)", key);
	return -EINVAL;
}

const char query_runs_sql[] = "SELECT run, host, first_ns, last_ns, n_records FROM runs "
			      "WHERE %c1 = '' OR host = %c1 ORDER BY first_ns DESC, run "
			      "LIMIT %c2 OFFSET %c3";

int query_runs_prepare(sqlite3 *db, const struct query_runs *q, sqlite3_stmt **out, char *err,
		       size_t errlen)
{
	char sql[256];
	sqlite3_stmt *st = NULL;

	*out = NULL;
	snprintf(sql, sizeof(sql), query_runs_sql, '?', '?', '?', '?');
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "query: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, q->host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)q->limit + 1);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)q->offset);
	*out = st;
	return 0;
}
