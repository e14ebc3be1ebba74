/*
 * store_pg.c — the PostgreSQL back end of the store (see store_be.h),
 * through libpq, for a fleet: many hosts' servicio into one database server
 * that other tools can query too.
 *
 * The writer's connection runs with synchronous_commit=on, so COMMIT returns
 * once the transaction is flushed to the server's WAL on disk: a 201 is sent
 * only after that. A group is one transaction, sent in one go (libpq's
 * pipeline mode: one round trip and the commit); each batch is ONE statement
 * (when one fails, the group is written again with each batch in its own
 * savepoint, so one bad batch fails alone): the batch row (ON CONFLICT DO NOTHING: a
 * batch_id already there is a 200 and stores nothing), its records taken
 * apart by the server from the JSON array of the records as received
 * (json_array_elements keeps each element's text exactly), the containers
 * of its samples, its run's row and its samples' rows (samples), as
 * data-modifying CTEs. The group's access entries are one more statement
 * (json_to_recordset).
 *
 * When the server is unreachable, restarts or fails, every batch of the
 * group is answered 503 (not stored, retry later; a COMMIT cut off may have
 * committed, and the retry is then a 200 by its batch_id), and each later
 * group first reconnects: the service resumes by itself when the server is
 * back. Queries open a connection of their own per request.
 *
 * Schema: the SQLite back end's tables and columns that the API reads
 * (batches, records, sample_containers, runs, access_log), versioned in
 * schema_version with the same numbers, created or migrated at open under
 * an advisory lock (two admin_logs starting together migrate once), and
 * samples, which the graphs read (pg_migrate_samples). GET /graficar reads
 * its series straight from these tables through the graph query layer
 * (store_graph.h; PostgreSQL's queries are store_pg_graph.c's), on a
 * connection of its own. (SQLite's containers table is not kept: no query
 * reads it.)
 */
#include "store_be.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "log.h"
#include "store_pg_graph.h"
#include "util.h"

#define PG_SCHEMA_VERSION 3
#define PG_LOCK_ID "202002591" /* advisory lock held while migrating */
#define PG_CONNECT_TIMEOUT "3" /* seconds */
#define OID_INT8 20
#define OID_TEXT 25

struct store_pg {
	char url[1024];
	PGconn *conn; /* the writer's; NULL while the server is away */
	char *jbuf; /* the records of one batch as a JSON array */
	size_t jcap;
};

/*
 * samples: what the graphs read of each sample record (the system's
 * figures and its containers counted per class), the same rows as the
 * SQLite back end's, derived in the server from the sample records of from
 * (a relation r with id, type, ts_ns and body): at ingest from each batch's
 * new records (pg_ins_batch), and once from every stored record when a
 * database made before the table gets it (pg_migrate_samples).
 */
#define PG_SAMPLES_INSERT(from)                                                                \
	"INSERT INTO samples(record, ts_ns, source, total_kb, used_kb, available_kb, cpu_pct," \
	" n_high, n_low, n_unknown) SELECT r.id, r.ts_ns, j->>'source',"                       \
	" (j->'memory'->>'total_kb')::bigint, (j->'memory'->>'used_kb')::bigint,"              \
	" (j->'memory'->>'available_kb')::bigint, (j->>'cpu_pct')::float8, k.nh, k.nl, k.nu"   \
	" FROM " from ", LATERAL (SELECT r.body::json AS j) p, LATERAL (SELECT count(*)"       \
	" FILTER (WHERE x->>'class' = 'high') AS nh, count(*) FILTER (WHERE x->>'class' ="     \
	" 'low') AS nl, count(*) FILTER (WHERE x->>'class' IS DISTINCT FROM 'high' AND"        \
	" x->>'class' IS DISTINCT FROM 'low') AS nu FROM json_array_elements(j->'containers')" \
	" x) k WHERE r.type = 'sample'"

static const char pg_samples_schema[] =
	"CREATE TABLE samples(record bigint PRIMARY KEY REFERENCES records ON DELETE CASCADE,"
	" ts_ns bigint NOT NULL, source text, total_kb bigint, used_kb bigint,"
	" available_kb bigint, cpu_pct double precision, n_high integer, n_low integer,"
	" n_unknown integer);" PG_SAMPLES_INSERT("records r");

static const char pg_schema_v2[] =
	"CREATE TABLE batches(id bigserial PRIMARY KEY, batch_id text NOT NULL UNIQUE,"
	" host text NOT NULL, stored_ns bigint NOT NULL, n_records integer NOT NULL,"
	" run text NOT NULL DEFAULT '');"
	"CREATE TABLE records(id bigserial PRIMARY KEY, batch bigint NOT NULL REFERENCES batches,"
	" type text NOT NULL, ts_ns bigint NOT NULL, cycle bigint NOT NULL, container_id text,"
	" container_name text, class text, action text, body text NOT NULL,"
	" host text NOT NULL DEFAULT '', run text NOT NULL DEFAULT '');"
	"CREATE INDEX records_ts ON records(ts_ns);"
	"CREATE INDEX records_batch ON records(batch);"
	"CREATE INDEX records_host ON records(host, ts_ns);"
	"CREATE INDEX records_run ON records(run, ts_ns);"
	"CREATE INDEX records_removed ON records(ts_ns, class) WHERE action = 'removed';"
	"CREATE TABLE sample_containers(record bigint NOT NULL, idx integer NOT NULL,"
	" ts_ns bigint NOT NULL, cid text NOT NULL, name text, class text, label_class text,"
	" cpu_pct double precision, rss_kb bigint, mem_kb bigint, mem_pct double precision,"
	" procs bigint, PRIMARY KEY (record, idx));"
	"CREATE INDEX sample_containers_cid ON sample_containers(cid);"
	"CREATE INDEX sample_containers_name ON sample_containers(name);"
	"CREATE TABLE runs(run text NOT NULL, host text NOT NULL, first_ns bigint NOT NULL,"
	" last_ns bigint NOT NULL, n_records bigint NOT NULL, PRIMARY KEY (run, host));"
	"CREATE INDEX runs_first ON runs(first_ns);"
	"CREATE TABLE access_log(id bigserial PRIMARY KEY, ts_ns bigint NOT NULL, client text,"
	" method text, path text, status integer, bytes_in bigint, bytes_out bigint,"
	" duration_us bigint);";

/*
 * Version 3: each sample's container keeps servicio's cgroup and network
 * counters (batch_io_fields), NULL where the record had none. A version 2
 * database takes this step alone; a new one takes version 2's, then this.
 */
static const char pg_schema_v3[] =
	"ALTER TABLE sample_containers ADD COLUMN cpu_seconds double precision,"
	" ADD COLUMN cfs_periods bigint, ADD COLUMN cfs_throttled_periods bigint,"
	" ADD COLUMN cfs_throttled_seconds double precision, ADD COLUMN processes bigint,"
	" ADD COLUMN threads bigint, ADD COLUMN oom_events bigint,"
	" ADD COLUMN blk_read_bytes bigint, ADD COLUMN blk_write_bytes bigint,"
	" ADD COLUMN blk_reads bigint, ADD COLUMN blk_writes bigint,"
	" ADD COLUMN net_rx_bytes bigint, ADD COLUMN net_rx_packets bigint,"
	" ADD COLUMN net_tx_bytes bigint, ADD COLUMN net_tx_packets bigint;";

/* $1 batch_id, $2 host, $3 run, $4 stored_ns, $5 n_records, $6 the records (JSON array) */
static const char pg_ins_batch[] =
	"WITH b AS (INSERT INTO batches(batch_id, host, run, stored_ns, n_records)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id) DO NOTHING RETURNING id),"
	" r AS (INSERT INTO records(batch, type, ts_ns, cycle, container_id, container_name,"
	" class, action, body, host, run)"
	" SELECT b.id, e->>'type', (e->>'ts_ns')::bigint, (e->>'cycle')::bigint,"
	" e->'container'->>'id', e->'container'->>'name',"
	" CASE WHEN e->'container' IS NULL THEN NULL ELSE e->>'class' END, e->>'action',"
	" e::text, $2, $3 FROM b, json_array_elements($6::json) WITH ORDINALITY AS t(e, ord)"
	" ORDER BY ord RETURNING id, type, ts_ns, body),"
	" c AS (INSERT INTO sample_containers(record, idx, ts_ns, cid, name, class, label_class,"
	" cpu_pct, rss_kb, mem_kb, mem_pct, procs, cpu_seconds, cfs_periods,"
	" cfs_throttled_periods, cfs_throttled_seconds, processes, threads, oom_events,"
	" blk_read_bytes, blk_write_bytes, blk_reads, blk_writes, net_rx_bytes, net_rx_packets,"
	" net_tx_bytes, net_tx_packets)"
	" SELECT r.id, x.idx - 1, r.ts_ns, x.c->>'id', x.c->>'name', x.c->>'class',"
	" x.c->>'label_class', (x.c->>'cpu_pct')::float8, (x.c->>'rss_kb')::bigint,"
	" (x.c->>'mem_kb')::bigint, COALESCE(x.c->>'mem_limit_pct', x.c->>'mem_pct')::float8, "
	"(x.c->>'procs')::bigint, (x.c->>'cpu_seconds')::float8, (x.c->>'cfs_periods')::bigint,"
	" (x.c->>'cfs_throttled_periods')::bigint, (x.c->>'cfs_throttled_seconds')::float8,"
	" (x.c->>'processes')::bigint, (x.c->>'threads')::bigint, (x.c->>'oom_events')::bigint,"
	" (x.c->>'blk_read_bytes')::bigint, (x.c->>'blk_write_bytes')::bigint,"
	" (x.c->>'blk_reads')::bigint, (x.c->>'blk_writes')::bigint,"
	" (x.c->>'net_rx_bytes')::bigint, (x.c->>'net_rx_packets')::bigint,"
	" (x.c->>'net_tx_bytes')::bigint, (x.c->>'net_tx_packets')::bigint"
	" FROM r, json_array_elements(r.body::json->'containers') WITH ORDINALITY AS x(c, idx)"
	" WHERE r.type = 'sample'),"
	" u AS (INSERT INTO runs(run, host, first_ns, last_ns, n_records)"
	" SELECT $3, $2, min(ts_ns), max(ts_ns), count(*) FROM r WHERE $3 <> ''"
	" HAVING count(*) > 0 ON CONFLICT (run, host) DO UPDATE SET"
	" first_ns = least(runs.first_ns, excluded.first_ns),"
	" last_ns = greatest(runs.last_ns, excluded.last_ns),"
	" n_records = runs.n_records + excluded.n_records),"
	" s AS (" PG_SAMPLES_INSERT("r") ")"
					 " SELECT count(*) FROM b";

static const char pg_ins_access[] =
	"INSERT INTO access_log(ts_ns, client, method, path, status, bytes_in, bytes_out,"
	" duration_us) SELECT * FROM json_to_recordset($1::json) AS x(ts_ns bigint,"
	" client text, method text, path text, status integer, bytes_in bigint,"
	" bytes_out bigint, duration_us bigint)";

/* A connection with a time limit on connecting; NULL with the reason in err. */
static PGconn *pg_connect(const char *url, char *err, size_t errlen)
{
	const char *const keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *const vals[] = { url, PG_CONNECT_TIMEOUT, "admin_logs", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char *nl;

		snprintf(err, errlen, "connect: %s", PQerrorMessage(c));
		if ((nl = strchr(err, '\n')))
			*nl = '\0';
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Run sql (no parameters) and expect ok; reason in err. */
/*
 * Whether a COMMIT's result is a commit: on a transaction a failed statement
 * aborted, PostgreSQL answers COMMIT with success and the tag ROLLBACK.
 */
static bool pg_committed(PGresult *res)
{
	return PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0;
}

static int pg_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -EIO;

	if (r < 0)
		snprintf(err, errlen, "%.60s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	return r;
}

/* The first column of the first row of sql as a number (0 for NULL). */
static int pg_number(PGconn *c, const char *sql, int64_t *out, char *err, size_t errlen)
{
	PGresult *res = PQexec(c, sql);
	int r = -EIO;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		*out = PQgetisnull(res, 0, 0) ? 0 : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r = 0;
	} else {
		snprintf(err, errlen, "%.60s: %s", sql, PQresultErrorMessage(res));
	}
	PQclear(res);
	return r;
}

/* Create or migrate the schema in one transaction, under an advisory lock. */
static int pg_migrate(PGconn *c, char *err, size_t errlen)
{
	int64_t v = 0;
	char set[96];

	if (pg_exec(c, "BEGIN", err, errlen) < 0)
		return -EIO;
	if (pg_exec(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_ID ")", err, errlen) < 0 ||
	    pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)", err,
		    errlen) < 0 ||
	    pg_number(c, "SELECT max(version) FROM schema_version", &v, err, errlen) < 0)
		goto err;
	if (v > PG_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "database schema version %lld is newer than this admin_logs' (%d)",
			 (long long)v, PG_SCHEMA_VERSION);
		goto err;
	}
	if (v == PG_SCHEMA_VERSION)
		return pg_exec(c, "COMMIT", err, errlen);
	/* version 1 never existed on PostgreSQL: a new database starts at 2 */
	snprintf(set, sizeof(set),
		 "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)",
		 PG_SCHEMA_VERSION);
	if ((v < 2 && pg_exec(c, pg_schema_v2, err, errlen) < 0) ||
	    pg_exec(c, pg_schema_v3, err, errlen) < 0 || pg_exec(c, set, err, errlen) < 0 ||
	    pg_exec(c, "COMMIT", err, errlen) < 0)
		goto err;
	log_info("database schema version %lld -> %d", (long long)v, PG_SCHEMA_VERSION);
	return 0;
err:
	PQclear(PQexec(c, "ROLLBACK"));
	return -EIO;
}

/*
 * The graphs' samples table (PG_SAMPLES_INSERT), in a transaction of its
 * own under the migration's advisory lock: made and filled from the stored
 * sample records when the database lacks it (one made before it existed),
 * else nothing. A step apart from the numbered ones, so that it holds on
 * a database of any version.
 */
static int pg_migrate_samples(PGconn *c, char *err, size_t errlen)
{
	int64_t missing = 0;

	if (pg_exec(c, "BEGIN", err, errlen) < 0)
		return -EIO;
	if (pg_exec(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_ID ")", err, errlen) < 0 ||
	    pg_number(c, "SELECT CASE WHEN to_regclass('samples') IS NULL THEN 1 ELSE 0 END",
		      &missing, err, errlen) < 0 ||
	    (missing && pg_exec(c, pg_samples_schema, err, errlen) < 0) ||
	    pg_exec(c, "COMMIT", err, errlen) < 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -EIO;
	}
	if (missing)
		log_info("database: samples table added, filled from the stored records");
	return 0;
}

/* The writer's session: durable commits, whatever the server's default. */
static int pg_session(PGconn *c, char *err, size_t errlen)
{
	return pg_exec(c, "SET synchronous_commit = on", err, errlen);
}

static void pg_close(void *be)
{
	struct store_pg *p = be;

	if (!p)
		return;
	PQfinish(p->conn);
	free(p->jbuf);
	free(p);
}

static int pg_open(void **be, const char *url, char *err, size_t errlen)
{
	struct store_pg *p = calloc(1, sizeof(*p));

	*be = NULL;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	util_strlcpy(p->url, url, sizeof(p->url));
	p->conn = pg_connect(url, err, errlen);
	if (!p->conn || pg_migrate(p->conn, err, errlen) < 0 ||
	    pg_migrate_samples(p->conn, err, errlen) < 0 || pg_session(p->conn, err, errlen) < 0) {
		pg_close(p);
		return -EIO;
	}
	*be = p;
	return 0;
}

static int pg_counts(void *be, uint64_t *batches, uint64_t *records, char *err, size_t errlen)
{
	struct store_pg *p = be;
	int64_t b, r;

	if (pg_number(p->conn, "SELECT count(*) FROM batches", &b, err, errlen) < 0 ||
	    pg_number(p->conn, "SELECT count(*) FROM records", &r, err, errlen) < 0)
		return -EIO;
	*batches = (uint64_t)b;
	*records = (uint64_t)r;
	return 0;
}

/*
 * A failure's errno (store_be.h), its reason (one line) in err: -ENOSPC for
 * a full disk, -EAGAIN when the server is away, shutting down, starting or
 * out of other resources (it passes: retry later), -EIO otherwise.
 */
static int pg_fail(PGconn *c, const PGresult *res, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(err, errlen, "%s",
		 res ? PQresultErrorMessage(res)
		 : c ? PQerrorMessage(c)
		     : "not connected");
	err[strcspn(err, "\r\n")] = '\0';
	if (!c || PQstatus(c) != CONNECTION_OK || !state)
		return -EAGAIN;
	if (strcmp(state, "53100") == 0)
		return -ENOSPC;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "53", 2) == 0)
		return -EAGAIN;
	return -EIO;
}

/* b's records as one JSON array, in p->jbuf. 0 or -ENOMEM. */
static int pg_records_json(struct store_pg *p, const struct batch *b)
{
	size_t n = json_array_size(b->records), need = 3, used = 0;

	for (size_t i = 0; i < n; i++)
		need += b->spans[i].len + 1;
	if (need > p->jcap) {
		char *nb = realloc(p->jbuf, need);
		if (!nb)
			return -ENOMEM;
		p->jbuf = nb;
		p->jcap = need;
	}
	p->jbuf[used++] = '[';
	for (size_t i = 0; i < n; i++) {
		if (i)
			p->jbuf[used++] = ',';
		memcpy(p->jbuf + used, b->text + b->spans[i].off, b->spans[i].len);
		used += b->spans[i].len;
	}
	p->jbuf[used++] = ']';
	p->jbuf[used] = '\0';
	return 0;
}

static const Oid pg_batch_types[6] = { OID_TEXT, OID_TEXT, OID_TEXT, OID_INT8, OID_INT8, OID_TEXT };

/* The parameters of pg_ins_batch for b; the numbers are written into num. */
static int pg_batch_params(struct store_pg *p, const struct batch *b, char num[2][24],
			   const char *vals[6])
{
	if (pg_records_json(p, b) < 0)
		return -ENOMEM;
	snprintf(num[0], 24, "%llu", (unsigned long long)util_real_ns());
	snprintf(num[1], 24, "%zu", json_array_size(b->records));
	vals[0] = b->batch_id;
	vals[1] = b->host;
	vals[2] = b->run;
	vals[3] = num[0];
	vals[4] = num[1];
	vals[5] = p->jbuf;
	return 0;
}

/* pg_ins_batch's answer: 201 (stored), 200 (batch_id already there) or -EIO. */
static int pg_batch_status(const PGresult *res)
{
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		return -EIO;
	return strcmp(PQgetvalue(res, 0, 0), "1") == 0 ? 201 : 200;
}

/* One batch inside the open transaction: 201, 200, or -EIO with *res kept for the cause. */
static int pg_insert_batch(struct store_pg *p, const struct batch *b, PGresult **res)
{
	char num[2][24];
	const char *vals[6];

	*res = NULL;
	if (pg_batch_params(p, b, num, vals) < 0)
		return -ENOMEM;
	*res = PQexecParams(p->conn, pg_ins_batch, 6, pg_batch_types, vals, NULL, NULL, 0);
	return pg_batch_status(*res);
}

/* The group's access entries as one JSON array (malloc'd), NULL when out of memory. */
static char *pg_access_json(const struct store_acc *accs)
{
	json_t *arr = json_array();
	char *text;

	for (const struct store_acc *a = accs; arr && a; a = a->next) {
		const struct access_entry *e = &a->e;
		json_array_append_new(arr,
				      json_pack("{s:I,s:s,s:s,s:s,s:i,s:I,s:I,s:I}", "ts_ns",
						(json_int_t)e->ts_ns, "client", e->client, "method",
						e->method, "path", e->path, "status",
						(int)e->status, "bytes_in", (json_int_t)e->bytes_in,
						"bytes_out", (json_int_t)e->bytes_out,
						"duration_us", (json_int_t)e->duration_us));
	}
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	return text;
}

static const Oid pg_access_types[1] = { OID_TEXT };

/* The group's access entries in one statement (store_be.h's insert_access). */
static int pg_insert_access(void *be, const struct store_acc *accs, char *err, size_t errlen)
{
	struct store_pg *p = be;
	char *text = pg_access_json(accs);
	const char *vals[1];
	PGresult *res;
	int r = 0;

	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -EIO;
	}
	vals[0] = text;
	res = PQexecParams(p->conn, pg_ins_access, 1, pg_access_types, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(p->conn, res, err, errlen);
	PQclear(res);
	free(text);
	return r;
}

/* Connected, or reconnected now. false with the reason in err. */
static bool pg_ready(struct store_pg *p, char *err, size_t errlen)
{
	if (p->conn && PQstatus(p->conn) == CONNECTION_OK)
		return true;
	PQfinish(p->conn);
	p->conn = pg_connect(p->url, err, errlen);
	if (p->conn && pg_session(p->conn, err, errlen) < 0) {
		PQfinish(p->conn);
		p->conn = NULL;
	}
	if (p->conn)
		log_info("database connection restored");
	return p->conn != NULL;
}

/* Queue BEGIN, a statement per batch, the access entries, COMMIT; *nq: how many. */
static bool pg_pipeline_send(struct store_pg *p, struct store_job *jobs,
			     const struct store_acc *accs, int *nq)
{
	char *acc = NULL;
	bool ok;

	ok = PQsendQueryParams(p->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1;
	*nq += ok;
	for (struct store_job *j = jobs; ok && j; j = j->next) {
		char num[2][24];
		const char *vals[6];

		ok = pg_batch_params(p, j->batch, num, vals) == 0 &&
		     PQsendQueryParams(p->conn, pg_ins_batch, 6, pg_batch_types, vals, NULL, NULL,
				       0) == 1;
		*nq += ok;
	}
	if (ok && accs) {
		const char *vals[1];

		acc = pg_access_json(accs);
		vals[0] = acc;
		ok = acc && PQsendQueryParams(p->conn, pg_ins_access, 1, pg_access_types, vals,
					      NULL, NULL, 0) == 1;
		*nq += ok;
	}
	if (ok) {
		ok = PQsendQueryParams(p->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1;
		*nq += ok;
	}
	free(acc);
	return ok;
}

/*
 * The nq answers, in order (BEGIN, the batches, [access], COMMIT), then the
 * sync: the batches' statuses into the jobs; true when the COMMIT succeeded
 * and everything before it did.
 */
static bool pg_pipeline_results(struct store_pg *p, struct store_job *jobs, int nq, bool ok,
				char *err, size_t errlen)
{
	struct store_job *j = jobs;
	bool committed = false;
	PGresult *res;

	for (int i = 0; i < nq; i++) {
		res = PQgetResult(p->conn);
		if (!res)
			break; /* the connection failed: committed stays false */
		if (i == 0) {
			ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
		} else if (j) {
			int r = pg_batch_status(res);

			if (r < 0) {
				ok = false;
				if (PQresultStatus(res) == PGRES_FATAL_ERROR)
					snprintf(err, errlen, "%s", PQresultErrorMessage(res));
			} else {
				j->status = (unsigned)r;
				j->nrec = json_array_size(j->batch->records);
			}
			j = j->next;
		} else if (i == nq - 1) {
			committed = ok && pg_committed(res);
			if (PQresultStatus(res) == PGRES_FATAL_ERROR)
				snprintf(err, errlen, "commit: %s", PQresultErrorMessage(res));
		} else if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (PQresultStatus(res) == PGRES_FATAL_ERROR)
				log_warnx("access log insert: %s", PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
		PQclear(PQgetResult(p->conn)); /* the NULL ending each query's results */
	}
	/* the sync */
	while ((res = PQgetResult(p->conn))) {
		ExecStatusType st = PQresultStatus(res);

		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	return committed;
}

/*
 * The fast path: the whole group sent at once in libpq's pipeline mode
 * (BEGIN, one statement per batch, the access entries, COMMIT, then one
 * sync), so the group costs one round trip to the server plus its commit
 * instead of three per batch. Any statement failing aborts the rest of the
 * pipeline, and so the transaction: nothing is stored, and *fallback says to
 * write the group again batch by batch with savepoints (a failure of the
 * connection itself answers 503 at once instead). true when committed; the
 * jobs then carry their statuses.
 */
static bool pg_write_pipelined(struct store_pg *p, struct store_job *jobs,
			       const struct store_acc *accs, uint64_t *commit_start, bool *fallback,
			       char *err, size_t errlen)
{
	bool ok, committed;
	int nq = 0;

	*fallback = false;
	if (!PQenterPipelineMode(p->conn)) {
		*fallback = true;
		return false;
	}
	ok = pg_pipeline_send(p, jobs, accs, &nq);
	if (PQpipelineSync(p->conn) != 1)
		ok = false;
	*commit_start = util_mono_ns();
	committed = pg_pipeline_results(p, jobs, nq, ok, err, errlen);
	PQexitPipelineMode(p->conn);
	if (committed)
		return true;
	if (PQstatus(p->conn) == CONNECTION_OK) {
		if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
			PQclear(PQexec(p->conn, "ROLLBACK"));
		*fallback = true;
	}
	return false;
}

/* The fast path (store_be.h's write_fast): the whole group pipelined. */
static int pg_write_fast(void *be, struct store_job *jobs, const struct store_acc *accs,
			 uint64_t *commit_start, char *err, size_t errlen)
{
	struct store_pg *p = be;
	bool fallback;

	*commit_start = util_mono_ns();
	if (!pg_ready(p, err, errlen))
		return -EAGAIN;
	if (pg_write_pipelined(p, jobs, accs, commit_start, &fallback, err, errlen))
		return 1;
	if (fallback)
		return 0;
	if (!err[0])
		snprintf(err, errlen, "%s", PQerrorMessage(p->conn));
	return -EAGAIN;
}

/* A statement of the group's protocol (BEGIN, SAVEPOINT b, ...): 0 or -errno. */
static int pg_step(struct store_pg *p, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	int r = 0;

	if (!p->conn || PQstatus(p->conn) != CONNECTION_OK)
		return pg_fail(p->conn, NULL, err, errlen);
	res = PQexec(p->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(p->conn, res, err, errlen);
	PQclear(res);
	return r;
}

static int pg_begin(void *be, char *err, size_t errlen)
{
	struct store_pg *p = be;

	return pg_ready(p, err, errlen) ? pg_step(p, "BEGIN", err, errlen) : -EAGAIN;
}

static int pg_savepoint(void *be, char *err, size_t errlen)
{
	return pg_step(be, "SAVEPOINT b", err, errlen);
}

static int pg_release(void *be, char *err, size_t errlen)
{
	return pg_step(be, "RELEASE SAVEPOINT b", err, errlen);
}

static int pg_rollback_to(void *be, char *err, size_t errlen)
{
	return pg_step(be, "ROLLBACK TO SAVEPOINT b", err, errlen);
}

static int pg_commit(void *be, char *err, size_t errlen)
{
	struct store_pg *p = be;
	PGresult *res = PQexec(p->conn, "COMMIT");
	int r = pg_committed(res) ? 0 : pg_fail(p->conn, res, err, errlen);

	PQclear(res);
	return r;
}

static void pg_rollback(void *be)
{
	struct store_pg *p = be;

	if (p->conn && PQstatus(p->conn) == CONNECTION_OK &&
	    PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		PQclear(PQexec(p->conn, "ROLLBACK"));
}

static int pg_insert_one(void *be, const struct batch *b, char *err, size_t errlen)
{
	struct store_pg *p = be;
	PGresult *res = NULL;
	int r = pg_insert_batch(p, b, &res);

	if (r < 0)
		r = pg_fail(p->conn, res, err, errlen);
	PQclear(res);
	return r;
}

/* A connection for one query; -EAGAIN when the server is away. */
static int pg_reader(struct store_pg *p, PGconn **c, char *err, size_t errlen)
{
	*c = pg_connect(p->url, err, errlen);
	return *c ? 0 : -EAGAIN;
}

/*
 * A streamed answer's cursor: a connection of its own with the query sent
 * in single-row mode, so libpq holds one row at a time whatever the limit.
 */
struct pg_cursor {
	PGconn *c;
	PGresult *row; /* the row handed out last */
	bool done;
};

static void pg_cursor_close(void *cur)
{
	struct pg_cursor *k = cur;

	if (!k)
		return;
	PQclear(k->row);
	PQfinish(k->c); /* a query still running is cancelled with the connection */
	free(k);
}

static int pg_cursor_open(void *be, bool runs, const void *qv, void **out, char *err, size_t errlen)
{
	static const Oid ltypes[10] = { OID_INT8, OID_INT8, OID_TEXT, OID_TEXT, OID_TEXT,
					OID_TEXT, OID_INT8, OID_INT8, OID_TEXT, OID_TEXT };
	static const Oid rtypes[3] = { OID_TEXT, OID_INT8, OID_INT8 };
	struct pg_cursor *k = calloc(1, sizeof(*k));
	char sql[1536], since[24], until[24], lim[24], off[24];
	const char *vals[10];
	int r, n;

	*out = NULL;
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((r = pg_reader(be, &k->c, err, errlen)) < 0) {
		free(k);
		return r;
	}
	if (runs) {
		const struct query_runs *q = qv;
		snprintf(sql, sizeof(sql), query_runs_sql, '$', '$', '$', '$');
		snprintf(lim, sizeof(lim), "%u", q->limit + 1);
		snprintf(off, sizeof(off), "%llu", (unsigned long long)q->offset);
		vals[0] = q->host;
		vals[1] = lim;
		vals[2] = off;
		n = 3;
	} else {
		const struct query *q = qv;
		query_logs_sql(q, '$', sql, sizeof(sql));
		snprintf(since, sizeof(since), "%lld", (long long)q->since_ns);
		snprintf(until, sizeof(until), "%lld", (long long)q->until_ns);
		snprintf(lim, sizeof(lim), "%u", q->limit + 1);
		snprintf(off, sizeof(off), "%llu", (unsigned long long)q->offset);
		const char *v[10] = { since,	until, q->type, q->container, q->action,
				      q->batch, lim,   off,	q->host,      q->run };
		memcpy(vals, v, sizeof(v));
		n = 10;
	}
	if (PQsendQueryParams(k->c, sql, n, runs ? rtypes : ltypes, vals, NULL, NULL, 0) != 1 ||
	    PQsetSingleRowMode(k->c) != 1) {
		snprintf(err, errlen, "query: %s", PQerrorMessage(k->c));
		pg_cursor_close(k);
		return -EAGAIN;
	}
	*out = k;
	return 0;
}

static int pg_cursor_next(void *cur, const char *col[5], char *err, size_t errlen)
{
	struct pg_cursor *k = cur;
	PGresult *res;

	PQclear(k->row);
	k->row = NULL;
	if (k->done)
		return 0;
	res = PQgetResult(k->c);
	if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
		k->row = res;
		for (int i = 0; i < 5 && i < PQnfields(res); i++)
			col[i] = PQgetvalue(res, 0, i);
		return 1;
	}
	k->done = true;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "query: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -EIO;
	}
	PQclear(res);
	while ((res = PQgetResult(k->c)))
		PQclear(res);
	return 0;
}

/* The graphs' view (store_pg_graph.c), on a connection of its own. */
static int pg_graph_open(void *be, const char *host, struct store_graph **g, char *err,
			 size_t errlen)
{
	PGconn *c;
	int r;

	*g = NULL;
	if ((r = pg_reader(be, &c, err, errlen)) < 0)
		return r;
	return pg_graph_view(c, host, g, err, errlen);
}

/*
 * Retention (store_be.h) by age: the oldest chunk of batches stored before
 * the cutoff, with their records and containers' rows, their runs mended,
 * and the access-log lines before the cutoff, in one transaction on the
 * writer's connection. (A size bound is SQLite's only: PostgreSQL's files
 * keep their dead rows until VACUUM, so no cheap figure of the live data
 * exists; the server's disk is bounded by age.)
 */
static const char *const pg_retain_sql[] = {
	"CREATE TEMP TABLE IF NOT EXISTS retain_chunk(id bigint PRIMARY KEY, run text, host text,"
	" n bigint) ON COMMIT DELETE ROWS",
	"INSERT INTO retain_chunk SELECT id, run, host, n_records FROM (SELECT id, run, host,"
	" n_records, stored_ns FROM batches ORDER BY id LIMIT $1) x WHERE stored_ns < $2",
	"DELETE FROM sample_containers WHERE record IN (SELECT r.id FROM records r"
	" JOIN retain_chunk c ON r.batch = c.id)",
	"DELETE FROM records WHERE batch IN (SELECT id FROM retain_chunk)",
	"UPDATE runs SET n_records = runs.n_records - g.n FROM (SELECT run, host, sum(n) AS n"
	" FROM retain_chunk GROUP BY run, host) g WHERE runs.run = g.run AND runs.host = g.host",
	"DELETE FROM runs USING (SELECT DISTINCT run, host FROM retain_chunk) g"
	" WHERE runs.run = g.run AND runs.host = g.host AND (runs.n_records <= 0 OR NOT EXISTS"
	" (SELECT 1 FROM records r WHERE r.run = runs.run AND r.host = runs.host))",
	"UPDATE runs SET first_ns = (SELECT min(r.ts_ns) FROM records r WHERE r.run = runs.run"
	" AND r.host = runs.host) FROM (SELECT DISTINCT run, host FROM retain_chunk) g"
	" WHERE runs.run = g.run AND runs.host = g.host",
	"DELETE FROM batches WHERE id IN (SELECT id FROM retain_chunk)",
	"DELETE FROM access_log WHERE id IN (SELECT id FROM (SELECT id, ts_ns FROM access_log"
	" ORDER BY id LIMIT $1 * 10) x WHERE ts_ns < $2)",
};

static int pg_retain(void *be, int64_t cutoff_ns, uint64_t max_bytes, unsigned chunk, bool *more,
		     uint64_t deleted[3], char *err, size_t errlen)
{
	static const Oid types[2] = { OID_INT8, OID_INT8 };
	struct store_pg *p = be;
	char lim[24], cut[24];
	const char *vals[2] = { lim, cut };
	uint64_t n[3] = { 0, 0, 0 };
	int r = 0;

	(void)max_bytes;
	*more = false;
	deleted[0] = deleted[1] = deleted[2] = 0;
	if (cutoff_ns <= 0)
		return 0;
	if (!pg_ready(p, err, errlen))
		return -EAGAIN;
	snprintf(lim, sizeof(lim), "%u", chunk);
	snprintf(cut, sizeof(cut), "%lld", (long long)cutoff_ns);
	if (pg_exec(p->conn, "BEGIN", err, errlen) < 0)
		return -EIO;
	for (size_t i = 0; r == 0 && i < sizeof(pg_retain_sql) / sizeof(pg_retain_sql[0]); i++) {
		const char *sql = pg_retain_sql[i];
		int np = strstr(sql, "$2") ? 2 : strstr(sql, "$1") ? 1 : 0;
		PGresult *res = PQexecParams(p->conn, sql, np, np ? types : NULL, np ? vals : NULL,
					     NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "%.60s: %s", sql, PQresultErrorMessage(res));
			r = -EIO;
		} else if (i == 1 || i == 3 ||
			   i + 1 == sizeof(pg_retain_sql) / sizeof(pg_retain_sql[0])) {
			uint64_t c = strtoull(PQcmdTuples(res), NULL, 10);
			int k = i == 1 ? 0 : i == 3 ? 1 : 2;

			n[k] = c;
			if (k != 1 && c >= (k == 0 ? chunk : (uint64_t)chunk * 10))
				*more = true;
		}
		PQclear(res);
	}
	if (r == 0) {
		PGresult *res = PQexec(p->conn, "COMMIT");
		if (!pg_committed(res)) {
			snprintf(err, errlen, "commit: %s", PQresultErrorMessage(res));
			r = -EIO;
		}
		PQclear(res);
	}
	if (r < 0) {
		if (PQstatus(p->conn) == CONNECTION_OK)
			PQclear(PQexec(p->conn, "ROLLBACK"));
		*more = false;
		return r;
	}
	memcpy(deleted, n, sizeof(n));
	return 0;
}

const struct store_be_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.counts = pg_counts,
	.begin = pg_begin,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_to = pg_rollback_to,
	.insert_batch = pg_insert_one,
	.insert_access = pg_insert_access,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.write_fast = pg_write_fast,
	.idle = NULL,
	.retain = pg_retain,
	.cursor_open = pg_cursor_open,
	.cursor_next = pg_cursor_next,
	.cursor_close = pg_cursor_close,
	.graph_open = pg_graph_open,
	.close = pg_close,
};
