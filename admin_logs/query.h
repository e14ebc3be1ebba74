/*
 * query.h — GET /logs: turn query-string filters into one parameterised SQL
 * query and render the matching records as JSON.
 *
 * Filters: since, until (record time ts_ns; nanoseconds or RFC 3339 UTC like
 * 2026-11-28T15:00:00Z / .123Z), type (sample|decision), container (id or
 * name: decisions about it and samples that list it), action, batch
 * (batch_id), host (the sending host), run (servicio's run id), limit (1..10000, default 100), offset (paging), order
 * (asc|desc by time). Every record comes back as stored, plus its batch_id,
 * stored_ns and stored_at.
 */
#ifndef ADMIN_LOGS_QUERY_H
#define ADMIN_LOGS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#define QUERY_LIMIT_DEFAULT 100
#define QUERY_LIMIT_MAX 10000

struct query {
	int64_t since_ns; /* inclusive; 0 = no bound */
	int64_t until_ns; /* inclusive; INT64_MAX = no bound */
	char type[16];
	char container[257];
	char action[32];
	char batch[65];
	char host[257];
	char run[65];
	unsigned limit;
	uint64_t offset;
	bool desc;
};

void query_init(struct query *q);

/* GET /runs: optional host, limit (default 100, at most 10000), offset. */
struct query_runs {
	char host[257];
	unsigned limit;
	uint64_t offset;
};

void query_runs_init(struct query_runs *q);

/* Apply one key=value of GET /runs. 0, or -EINVAL naming the parameter in err. */
int query_runs_set(struct query_runs *q, const char *key, const char *val, char *err,
		   size_t errlen);

/* Apply one key=value filter. 0, or -EINVAL naming the parameter in err. */
int query_set(struct query *q, const char *key, const char *val, char *err, size_t errlen);

/* Parse a time: decimal nanoseconds or RFC 3339 UTC. 0 or -EINVAL. */
int query_parse_time(const char *s, int64_t *ns);

/*
 * Shared by the back ends (the same SQL and the same answers on each):
 * the GET /logs statement with placeholders ph ('?' SQLite, '$'
 * PostgreSQL) numbered 1 since, 2 until, 3 type, 4 container, 5 action,
 * 6 batch, 7 limit + 1, 8 offset, 9 host, 10 run; the GET /runs statement
 * (a format of four ph: 1 host, 1 again, 2 limit + 1, 3 offset); a record
 * row or a run row added to arr; the document around arr.
 */
void query_logs_sql(const struct query *q, char ph, char *sql, size_t cap);
extern const char query_runs_sql[];
int query_add_record(json_t *arr, const char *body, const char *batch_id, int64_t stored_ns,
		     int64_t id, char *err, size_t errlen);
int query_add_run(json_t *arr, const char *run, const char *host, int64_t first_ns, int64_t last_ns,
		  int64_t records);
/*
 * The answers' rows (store_rows): the GET /logs and GET /runs statements
 * prepared and bound on db (LIMIT is limit + 1: a row past the limit says a
 * next page exists); one record or one run as JSON text (malloc'd), exactly
 * as the whole documents (store_query_logs, store_query_runs) hold them.
 */
int query_logs_prepare(sqlite3 *db, const struct query *q, sqlite3_stmt **st, char *err,
		       size_t errlen);
int query_runs_prepare(sqlite3 *db, const struct query_runs *q, sqlite3_stmt **st, char *err,
		       size_t errlen);
int query_record_text(const char *body, const char *batch_id, int64_t stored_ns, int64_t id,
		      char **out, char *err, size_t errlen);
char *query_run_text(const char *run, const char *host, int64_t first_ns, int64_t last_ns,
		     int64_t records);
/* {"count","limit","offset","next_offset", key: arr} as JSON in *out (arr is borrowed). */
int query_finish(json_t *arr, const char *key, unsigned limit, uint64_t offset, bool more,
		 char **out, size_t *outlen, char *err, size_t errlen);

#endif
