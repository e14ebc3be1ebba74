/*
 * store_sqlite.c — the SQLite back end of the store (see store_be.h): WAL,
 * synchronous=FULL, one write connection used by store.c's writer thread
 * (or a request thread writing its batch itself, one at a time),
 * and a checkpointer thread with its own connection.
 *
 * Schema: batches (one row per batch_id, UNIQUE), records (one row per
 * record: indexed columns for the query filters, the batch's host and run,
 * and the record's JSON as received; a partial index on the removals),
 * samples and sample_containers (the numbers the graphs need; each sample
 * keeps its per-class container counts, and only a sample with containers
 * of no class has its JSON read again, for their roles),
 * containers (version 1's running sums per container id: no longer written,
 * the graphs rank from sample_containers per run), runs (one row per servicio run and host:
 * time range and record count), and access_log (every HTTP request). The
 * schema is versioned (PRAGMA user_version) and migrated at open.
 *
 * A group (store.c drives it with this file's primitives): BEGIN IMMEDIATE;
 * per batch SAVEPOINT, insert, RELEASE (ROLLBACK TO on error); the access
 * entries; COMMIT (one WAL fsync with synchronous=FULL; the write
 * connection's VFS, store_sqlite_vfs.h, writes the commit's frames to the
 * WAL in one piece just before it).
 */
#include "store_be.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_sqlite_vfs.h"
#include "util.h"

#define STORE_CKPT_PAGES 1000 /* WAL pages that start a checkpoint */
#define STORE_CKPT_FINISH_PAGES 4000 /* past this, the writer finishes one itself */

/* sample_containers' columns of the optional counters, batch_io_fields' order (?13..?27) */
#define STORE_IO_COLS                                                                         \
	"cpu_seconds, cfs_periods, cfs_throttled_periods, cfs_throttled_seconds, processes, " \
	"threads, oom_events, blk_read_bytes, blk_write_bytes, blk_reads, blk_writes, "       \
	"net_rx_bytes, net_rx_packets, net_tx_bytes, net_tx_packets"
#define STORE_IO_FIRST 13

enum store_stmt {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_INS_BATCH,
	ST_INS_RECORD,
	ST_INS_SAMPLE,
	ST_INS_SCONT,
	ST_INS_ACCESS,
	ST_UPS_RUN,
	ST_INS_RUN,
	ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT b",
	[ST_RELEASE] = "RELEASE b",
	[ST_ROLLBACK_TO] = "ROLLBACK TO b",
	[ST_INS_BATCH] = "INSERT OR IGNORE INTO batches(batch_id, host, stored_ns, n_records, run) "
			 "VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_INS_RECORD] = "INSERT INTO records(batch, type, ts_ns, cycle, container_id, "
			  "container_name, class, action, body, host, run) "
			  "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
	[ST_UPS_RUN] = "INSERT INTO runs(run, host, first_ns, last_ns, n_records) "
		       "VALUES (?1,?2,?3,?4,?5) ON CONFLICT(run, host) DO UPDATE SET "
		       "first_ns = min(first_ns, excluded.first_ns), "
		       "last_ns = max(last_ns, excluded.last_ns), "
		       "n_records = n_records + excluded.n_records",
	[ST_INS_RUN] = "INSERT OR IGNORE INTO runs(run, host, first_ns, last_ns, n_records) "
		       "VALUES (?1,?2,?3,?4,?5)",
	[ST_INS_SAMPLE] = "INSERT INTO samples(record, ts_ns, source, total_kb, used_kb, "
			  "available_kb, cpu_pct, n_high, n_low, n_unknown) "
			  "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	[ST_INS_SCONT] = "INSERT INTO sample_containers(record, ts_ns, cid, name, class, "
			 "label_class, cpu_pct, rss_kb, mem_kb, mem_pct, procs, idx, " STORE_IO_COLS
			 ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,"
			 "?19,?20,?21,?22,?23,?24,?25,?26,?27)",
	[ST_INS_ACCESS] = "INSERT INTO access_log(ts_ns, client, method, path, status, bytes_in, "
			  "bytes_out, duration_us) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
};

/*
 * The schema, versioned in PRAGMA user_version. Version 1 is the first
 * release's (which left user_version at 0); each later version is a step
 * from the one before, run in one transaction at start, so a database of any
 * earlier version opens and is brought up to date, and a new database is
 * made by the same steps.
 */
#define STORE_SCHEMA_VERSION 3

static const char store_schema_v1[] =
	"CREATE TABLE IF NOT EXISTS batches(id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL UNIQUE,"
	" host TEXT NOT NULL, stored_ns INTEGER NOT NULL, n_records INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, batch INTEGER NOT NULL,"
	" type TEXT NOT NULL, ts_ns INTEGER NOT NULL, cycle INTEGER NOT NULL, container_id TEXT,"
	" container_name TEXT, class TEXT, action TEXT, body TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS records_ts ON records(ts_ns);"
	"CREATE INDEX IF NOT EXISTS records_batch ON records(batch);"
	"CREATE INDEX IF NOT EXISTS records_removed ON records(ts_ns, class) WHERE action = "
	"'removed';"
	"CREATE TABLE IF NOT EXISTS samples(record INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL,"
	" source TEXT, total_kb INTEGER, used_kb INTEGER, available_kb INTEGER, cpu_pct REAL,"
	" n_high INTEGER, n_low INTEGER, n_unknown INTEGER);"
	"CREATE TABLE IF NOT EXISTS containers(cid TEXT PRIMARY KEY, name TEXT, class TEXT,"
	" label_class TEXT, first_record INTEGER, last_record INTEGER, first_ns INTEGER,"
	" last_ns INTEGER, n INTEGER, sum_cpu REAL, sum_mem_kb INTEGER);"
	"CREATE TABLE IF NOT EXISTS sample_containers(record INTEGER NOT NULL, idx INTEGER NOT "
	"NULL,"
	" ts_ns INTEGER NOT NULL, cid TEXT NOT NULL, name TEXT, class TEXT, label_class TEXT,"
	" cpu_pct REAL, rss_kb INTEGER, mem_kb INTEGER, mem_pct REAL, procs INTEGER,"
	" PRIMARY KEY (record, idx)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS access_log(id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL,"
	" client TEXT, method TEXT, path TEXT, status INTEGER, bytes_in INTEGER,"
	" bytes_out INTEGER, duration_us INTEGER);";

/*
 * Version 2: hosts and runs as dimensions. Each record carries its batch's
 * host and run (servicio's run id; "" when the batch had none), indexed for
 * the ?host= and ?run= filters; runs holds one row per (run, host) with its
 * time range and record count, kept by the writer, so GET /runs is a lookup.
 */
static const char store_schema_v2[] =
	"ALTER TABLE batches ADD COLUMN run TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE records ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE records ADD COLUMN run TEXT NOT NULL DEFAULT '';"
	"UPDATE records SET host = (SELECT b.host FROM batches b WHERE b.id = records.batch);"
	"CREATE INDEX records_host ON records(host, ts_ns);"
	"CREATE INDEX records_run ON records(run, ts_ns);"
	"CREATE TABLE runs(run TEXT NOT NULL, host TEXT NOT NULL, first_ns INTEGER NOT NULL,"
	" last_ns INTEGER NOT NULL, n_records INTEGER NOT NULL, PRIMARY KEY (run, host));"
	"CREATE INDEX runs_first ON runs(first_ns);";

/*
 * Version 3: each sample's container keeps servicio's cgroup and network
 * counters (batch_io_fields), NULL where the record had none (a servicio
 * before them, or a counter its kernel does not give).
 */
static const char store_schema_v3[] =
	"ALTER TABLE sample_containers ADD COLUMN cpu_seconds REAL;"
	"ALTER TABLE sample_containers ADD COLUMN cfs_periods INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN cfs_throttled_periods INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN cfs_throttled_seconds REAL;"
	"ALTER TABLE sample_containers ADD COLUMN processes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN threads INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN oom_events INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN blk_read_bytes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN blk_write_bytes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN blk_reads INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN blk_writes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN net_rx_bytes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN net_rx_packets INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN net_tx_bytes INTEGER;"
	"ALTER TABLE sample_containers ADD COLUMN net_tx_packets INTEGER;";

static const char *const store_migrations[STORE_SCHEMA_VERSION] = { store_schema_v1,
								    store_schema_v2,
								    store_schema_v3 };

struct store_sq {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char path[1024];

	/* the checkpointer: its own connection and thread, so commits never wait
	 * for the database file to be written and synced */
	sqlite3 *ckpt_db;
	pthread_t ckpt;
	bool ckpt_started;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	int wal_pages; /* the writing thread only: WAL size after the last commit */
	int ckpt_mark; /* the writing thread only: the WAL size that asks the checkpointer next */
	bool ckpt_want; /* under ckpt_mu */
	bool ckpt_exit; /* under ckpt_mu */
};

static int store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int store_count(sqlite3 *db, const char *sql, uint64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -EIO;
}

int store_open_reader(const char *path, sqlite3 **db, char *err, size_t errlen)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "open %s: %s", path, *db ? sqlite3_errmsg(*db) : "no memory");
		sqlite3_close(*db);
		*db = NULL;
		return -EIO;
	}
	sqlite3_busy_timeout(*db, 5000);
	return 0;
}

/*
 * Bring the schema to STORE_SCHEMA_VERSION in one transaction. user_version
 * 0 is a new database or one of the first release (whose tables step 1
 * creates only when missing): both take every step from 1. *from gets the
 * version found.
 */
static int store_migrate(sqlite3 *db, uint64_t *from, char *err, size_t errlen)
{
	uint64_t v;
	char set[64];

	if (store_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -EIO;
	if (store_count(db, "PRAGMA user_version", &v) < 0) {
		snprintf(err, errlen, "user_version: %s", sqlite3_errmsg(db));
		goto err;
	}
	if (v > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "database schema version %llu is newer than this admin_logs' (%d)",
			 (unsigned long long)v, STORE_SCHEMA_VERSION);
		goto err;
	}
	*from = v;
	if (v == STORE_SCHEMA_VERSION)
		return store_exec(db, "COMMIT", err, errlen);
	for (uint64_t i = v; i < STORE_SCHEMA_VERSION; i++)
		if (store_exec(db, store_migrations[i], err, errlen) < 0)
			goto err;
	snprintf(set, sizeof(set), "PRAGMA user_version=%d", STORE_SCHEMA_VERSION);
	if (store_exec(db, set, err, errlen) < 0 || store_exec(db, "COMMIT", err, errlen) < 0)
		goto err;
	return 0;
err:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

int store_scope_host(sqlite3 *db, const char *host, char *err, size_t errlen)
{
	char *sql;
	int r;

	if (!host || !host[0])
		return 0;
	sql = sqlite3_mprintf(
		"CREATE TEMP VIEW records AS SELECT * FROM main.records WHERE host = %Q;"
		"CREATE TEMP VIEW samples AS SELECT s.* FROM main.samples s"
		" JOIN main.records r ON r.id = s.record WHERE r.host = %Q;"
		"CREATE TEMP VIEW sample_containers AS SELECT c.* FROM main.sample_containers c"
		" JOIN main.records r ON r.id = c.record WHERE r.host = %Q;"
		"CREATE TEMP VIEW runs AS SELECT * FROM main.runs WHERE host = %Q;",
		host, host, host, host);
	if (!sql) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = store_exec(db, sql, err, errlen);
	sqlite3_free(sql);
	return r;
}

/* Steps a statement without results, then resets it. */
static int store_step(struct store_sq *s, enum store_stmt i)
{
	int rc = sqlite3_step(s->st[i]);

	sqlite3_reset(s->st[i]);
	sqlite3_clear_bindings(s->st[i]);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The optional counters of a sample's container c (NULL where absent). */
static void store_bind_io(sqlite3_stmt *st, json_t *c)
{
	for (int k = 0; k < BATCH_IO_NFIELDS; k++) {
		json_t *v = json_object_get(c, batch_io_fields[k].key);

		if (!v)
			sqlite3_bind_null(st, STORE_IO_FIRST + k);
		else if (batch_io_fields[k].integer)
			sqlite3_bind_int64(st, STORE_IO_FIRST + k, json_integer_value(v));
		else
			sqlite3_bind_double(st, STORE_IO_FIRST + k, json_number_value(v));
	}
}

static int store_insert_sample(struct store_sq *s, sqlite3_int64 rid, json_t *rec, json_int_t ts)
{
	sqlite3_stmt *st = s->st[ST_INS_SAMPLE];
	json_t *mem = json_object_get(rec, "memory"), *c;
	int64_t nh = 0, nl = 0, nu = 0;
	size_t i;

	json_array_foreach(json_object_get(rec, "containers"), i, c)
	{
		const char *cls = jstr(c, "class");
		if (strcmp(cls, "high") == 0)
			nh++;
		else if (strcmp(cls, "low") == 0)
			nl++;
		else
			nu++;
	}
	sqlite3_bind_int64(st, 8, nh);
	sqlite3_bind_int64(st, 9, nl);
	sqlite3_bind_int64(st, 10, nu);
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, ts);
	bind_text(st, 3, jstr(rec, "source"));
	sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(mem, "total_kb")));
	sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(mem, "used_kb")));
	sqlite3_bind_int64(st, 6, json_integer_value(json_object_get(mem, "available_kb")));
	sqlite3_bind_double(st, 7, json_number_value(json_object_get(rec, "cpu_pct")));
	if (store_step(s, ST_INS_SAMPLE) < 0)
		return -EIO;
	st = s->st[ST_INS_SCONT];
	json_array_foreach(json_object_get(rec, "containers"), i, c)
	{
		sqlite3_bind_int64(st, 1, rid);
		sqlite3_bind_int64(st, 2, ts);
		bind_text(st, 3, jstr(c, "id"));
		bind_text(st, 4, jstr(c, "name"));
		bind_text(st, 5, jstr(c, "class"));
		bind_text(st, 6, jstr(c, "label_class"));
		sqlite3_bind_double(st, 7, json_number_value(json_object_get(c, "cpu_pct")));
		sqlite3_bind_int64(st, 8, json_integer_value(json_object_get(c, "rss_kb")));
		sqlite3_bind_int64(st, 9, json_integer_value(json_object_get(c, "mem_kb")));
		/* % of the container's memory limit (the column keeps its first name) */
		json_t *lpct = json_object_get(c, "mem_limit_pct");
		sqlite3_bind_double(st, 10,
				    json_number_value(lpct ? lpct : json_object_get(c, "mem_pct")));
		sqlite3_bind_int64(st, 11, json_integer_value(json_object_get(c, "procs")));
		sqlite3_bind_int64(st, 12, (sqlite3_int64)i);
		store_bind_io(st, c);
		if (store_step(s, ST_INS_SCONT) < 0)
			return -EIO;
	}
	return 0;
}

/* Bind the records row of b's record i (rec) to st, the batch's row being bid. */
static void store_bind_record(sqlite3_stmt *st, const struct batch *b, size_t i, sqlite3_int64 bid,
			      json_t *rec)
{
	json_t *c = json_object_get(rec, "container");

	sqlite3_bind_text(st, 10, b->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, b->run, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, bid);
	bind_text(st, 2, jstr(rec, "type"));
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(rec, "ts_ns")));
	sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(rec, "cycle")));
	bind_text(st, 5, jstr(c, "id"));
	bind_text(st, 6, jstr(c, "name"));
	bind_text(st, 7, c ? jstr(rec, "class") : NULL);
	bind_text(st, 8, jstr(rec, "action"));
	sqlite3_bind_text64(st, 9, b->text + b->spans[i].off, b->spans[i].len, SQLITE_STATIC,
			    SQLITE_UTF8);
}

/* Insert one batch's rows (inside the caller's savepoint). 201, 200 or -EIO. */
static int store_insert_batch(struct store_sq *s, const struct batch *b, size_t *nrec)
{
	sqlite3_stmt *st = s->st[ST_INS_BATCH];
	sqlite3_int64 bid;
	json_int_t first = 0, last = 0;
	json_t *rec;
	size_t i;

	sqlite3_bind_text(st, 1, b->batch_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)util_real_ns());
	sqlite3_bind_int64(st, 4, (sqlite3_int64)json_array_size(b->records));
	sqlite3_bind_text(st, 5, b->run, -1, SQLITE_STATIC);
	if (store_step(s, ST_INS_BATCH) < 0)
		return -EIO;
	if (sqlite3_changes(s->db) == 0)
		return 200;
	bid = sqlite3_last_insert_rowid(s->db);
	json_array_foreach(b->records, i, rec)
	{
		const char *type = jstr(rec, "type");
		json_int_t ts = json_integer_value(json_object_get(rec, "ts_ns"));
		int r;

		if (i == 0 || ts < first)
			first = ts;
		if (i == 0 || ts > last)
			last = ts;
		store_bind_record(s->st[ST_INS_RECORD], b, i, bid, rec);
		r = store_step(s, ST_INS_RECORD);
		if (r < 0)
			return r;
		if (strcmp(type, "sample") == 0 &&
		    store_insert_sample(s, sqlite3_last_insert_rowid(s->db), rec, ts) < 0)
			return -EIO;
	}
	if (b->run[0]) {
		st = s->st[ST_UPS_RUN];
		sqlite3_bind_text(st, 1, b->run, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->host, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, first);
		sqlite3_bind_int64(st, 4, last);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)json_array_size(b->records));
		if (store_step(s, ST_UPS_RUN) < 0)
			return -EIO;
	}
	*nrec = json_array_size(b->records);
	return 201;
}

static int store_insert_access(struct store_sq *s, const struct access_entry *e)
{
	sqlite3_stmt *st = s->st[ST_INS_ACCESS];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)e->ts_ns);
	sqlite3_bind_text(st, 2, e->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)e->status);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)e->bytes_in);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)e->bytes_out);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)e->duration_us);
	return store_step(s, ST_INS_ACCESS);
}

/*
 * The primitives of a group (store_be.h). A failure's reason is the
 * connection's message; a full disk is -ENOSPC (it passes: 503), anything
 * else -EIO.
 */
static int sq_fail(struct store_sq *s, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
	return (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

static int sq_run(void *be, enum store_stmt i, char *err, size_t errlen)
{
	return store_step(be, i) == 0 ? 0 : sq_fail(be, err, errlen);
}

static int sq_begin(void *be, char *err, size_t errlen)
{
	return sq_run(be, ST_BEGIN, err, errlen);
}

static int sq_savepoint(void *be, char *err, size_t errlen)
{
	return sq_run(be, ST_SAVEPOINT, err, errlen);
}

static int sq_release(void *be, char *err, size_t errlen)
{
	return sq_run(be, ST_RELEASE, err, errlen);
}

static int sq_rollback_to(void *be, char *err, size_t errlen)
{
	return sq_run(be, ST_ROLLBACK_TO, err, errlen);
}

static int sq_commit(void *be, char *err, size_t errlen)
{
	return sq_run(be, ST_COMMIT, err, errlen);
}

static void sq_rollback(void *be)
{
	struct store_sq *s = be;

	if (!sqlite3_get_autocommit(s->db))
		store_step(s, ST_ROLLBACK);
}

static int sq_insert_batch(void *be, const struct batch *b, char *err, size_t errlen)
{
	size_t nrec = 0;
	int r = store_insert_batch(be, b, &nrec);

	return r < 0 ? sq_fail(be, err, errlen) : r;
}

static int sq_insert_access(void *be, const struct store_acc *accs, char *err, size_t errlen)
{
	for (const struct store_acc *a = accs; a; a = a->next)
		if (store_insert_access(be, &a->e) < 0)
			return sq_fail(be, err, errlen);
	return 0;
}

/*
 * On the writer, between groups (its clients already answered), once the WAL
 * is past STORE_CKPT_FINISH_PAGES: a passive checkpoint on the writer's own
 * connection. The checkpointer has copied nearly all of the WAL, so this
 * copies the last few commits' pages and syncs the database file (about a
 * millisecond), and as nothing can be appended meanwhile it leaves the WAL
 * fully copied: the next transaction starts it over from the beginning. It
 * returns at once (SQLITE_BUSY) while the checkpointer is running, and is
 * tried again after the next group. (A RESTART checkpoint from the
 * checkpointer did the same by blocking the writer for up to 1.4 s while it
 * waited for a gap between groups: the cause of 100 ms+ answers.)
 */
static void sq_idle(void *be)
{
	struct store_sq *s = be;
	int log = 0, done = 0, rc;

	if (s->wal_pages < STORE_CKPT_FINISH_PAGES)
		return;
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warnx("checkpoint: %s", sqlite3_errmsg(s->db));
}

/* Does sq_idle have work: is the WAL past STORE_CKPT_FINISH_PAGES? */
static bool sq_idle_due(void *be)
{
	const struct store_sq *s = be;

	return s->wal_pages >= STORE_CKPT_FINISH_PAGES;
}

/* sqlite3_wal_hook, on the writing thread after each commit. */
static int sq_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_sq *s = arg;

	(void)db;
	(void)name;
	if (pages < s->wal_pages || s->ckpt_mark == 0)
		s->ckpt_mark = STORE_CKPT_PAGES; /* the WAL started over */
	s->wal_pages = pages;
	if (pages < s->ckpt_mark)
		return SQLITE_OK;
	s->ckpt_mark = pages + STORE_CKPT_PAGES;
	pthread_mutex_lock(&s->ckpt_mu);
	if (!s->ckpt_want) {
		s->ckpt_want = true;
		pthread_cond_signal(&s->ckpt_cv);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return SQLITE_OK;
}

/*
 * The checkpointer: copies committed WAL pages into the database file and
 * syncs it (PASSIVE: alongside the writer, never blocking it). It catches up
 * with the WAL as it was when it started; by then the writer has appended
 * more, so under sustained load the WAL would never be found fully copied
 * at the start of a transaction, the one moment SQLite can start it over.
 * sq_idle closes that gap from the writer's side.
 */
static void *sq_checkpointer(void *arg)
{
	struct store_sq *s = arg;

	pthread_mutex_lock(&s->ckpt_mu);
	for (;;) {
		int log = 0, done = 0, rc;

		while (!s->ckpt_want && !s->ckpt_exit)
			pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
		if (s->ckpt_exit)
			break;
		s->ckpt_want = false;
		pthread_mutex_unlock(&s->ckpt_mu);
		rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					       &done);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warnx("checkpoint: %s", sqlite3_errmsg(s->ckpt_db));
		pthread_mutex_lock(&s->ckpt_mu);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return NULL;
}

/*
 * Process-wide SQLite settings, before SQLite initialises (afterwards the
 * call fails and changes nothing): no memory statistics, which nothing here
 * reads and which take a global mutex on every SQLite allocation. Each
 * connection is also opened with SQLITE_OPEN_NOMUTEX, as each is used by
 * one thread at a time (the writer's by the writer, the checkpointer's by
 * the checkpointer, a reader's by its request). Together the two mutexes
 * were 8 % of the writer's perf samples at 100 records per batch (the
 * ingestion rate did not move beyond run-to-run noise).
 */
static pthread_once_t store_once = PTHREAD_ONCE_INIT;

static void store_sqlite_config(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static void sq_close(void *be)
{
	struct store_sq *s = be;

	if (!s)
		return;
	if (s->ckpt_started) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_exit = true;
		pthread_cond_signal(&s->ckpt_cv);
		pthread_mutex_unlock(&s->ckpt_mu);
		pthread_join(s->ckpt, NULL);
		s->ckpt_started = false;
	}
	if (s->ckpt_db)
		sqlite3_close(s->ckpt_db);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("close %s: %s", s->path, sqlite3_errmsg(s->db));
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_cond_destroy(&s->ckpt_cv);
	free(s);
}

/* A back end's struct for path, nothing opened yet; NULL when out of memory. */
static struct store_sq *sq_alloc(const char *path, char *err, size_t errlen)
{
	struct store_sq *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	util_strlcpy(s->path, path, sizeof(s->path));
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	pthread_once(&store_once, store_sqlite_config);
	return s;
}

/*
 * Open s->path (created when missing) with the given pragmas, bring its
 * schema up to date and prepare the statements. *from: the schema version
 * found.
 */
static int sq_open_db(struct store_sq *s, const char *pragmas, uint64_t *from, char *err,
		      size_t errlen)
{
	if (store_sqlite_vfs_register() != SQLITE_OK ||
	    sqlite3_open_v2(s->path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    STORE_SQLITE_VFS) != SQLITE_OK) {
		snprintf(err, errlen, "open %s: %s", s->path,
			 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (store_exec(s->db, pragmas, err, errlen) < 0 ||
	    store_migrate(s->db, from, err, errlen) < 0)
		return -EIO;
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "prepare '%s': %s", store_sql[i],
				 sqlite3_errmsg(s->db));
			return -EIO;
		}
	}
	return 0;
}

static int sq_open(void **be, const char *path, char *err, size_t errlen)
{
	struct store_sq *s = sq_alloc(path, err, errlen);
	uint64_t from = STORE_SCHEMA_VERSION;
	int r = -EIO;

	*be = NULL;
	if (!s)
		return -ENOMEM;
	if (sq_open_db(s,
		       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		       "PRAGMA cache_size=-2000; PRAGMA temp_store=MEMORY",
		       &from, err, errlen) < 0)
		goto err;
	if (from != STORE_SCHEMA_VERSION)
		log_info("database schema version %llu -> %d", (unsigned long long)from,
			 STORE_SCHEMA_VERSION);
	if (sqlite3_open_v2(path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "open %s: %s", path,
			 s->ckpt_db ? sqlite3_errmsg(s->ckpt_db) : "out of memory");
		goto err;
	}
	sqlite3_busy_timeout(s->ckpt_db, 10000);
	if (store_exec(s->ckpt_db, "PRAGMA synchronous=FULL", err, errlen) < 0)
		goto err;
	r = pthread_create(&s->ckpt, NULL, sq_checkpointer, s);
	if (r != 0) {
		snprintf(err, errlen, "checkpoint thread: %s", strerror(r));
		r = -r;
		goto err;
	}
	s->ckpt_started = true;
	sqlite3_wal_hook(s->db, sq_wal_hook, s); /* replaces the automatic checkpoints */
	*be = s;
	return 0;
err:
	sq_close(s);
	return r;
}

static int sq_counts(void *be, uint64_t *batches, uint64_t *records, char *err, size_t errlen)
{
	struct store_sq *s = be;

	if (store_count(s->db, "SELECT count(*) FROM batches", batches) < 0 ||
	    store_count(s->db, "SELECT count(*) FROM records", records) < 0) {
		snprintf(err, errlen, "count: %s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	return 0;
}

/*
 * Retention (store_be.h): the chunk of the oldest batches goes into a
 * temporary table, then their containers' rows, samples, records and the
 * batches themselves, by index; their runs lose their records (a run left
 * with none goes, the others start at their oldest record left); then the
 * oldest access-log lines. The data's size is the database's pages in use
 * (page_count - freelist_count): deleted pages are reused, so the file
 * stops growing at about max_bytes.
 */
static const char sq_retain_sql[] =
	"DELETE FROM temp.retain_chunk;"
	"INSERT INTO temp.retain_chunk SELECT id FROM (SELECT id, stored_ns FROM main.batches"
	" ORDER BY id LIMIT :chunk) WHERE :all OR stored_ns < :cutoff;"
	"DELETE FROM main.sample_containers WHERE record IN (SELECT r.id FROM main.records r"
	" WHERE r.batch IN temp.retain_chunk);"
	"DELETE FROM main.samples WHERE record IN (SELECT r.id FROM main.records r"
	" WHERE r.batch IN temp.retain_chunk);"
	"UPDATE main.runs SET n_records = n_records - (SELECT coalesce(sum(b.n_records), 0)"
	" FROM main.batches b WHERE b.id IN temp.retain_chunk AND b.run = runs.run"
	" AND b.host = runs.host) WHERE EXISTS (SELECT 1 FROM main.batches b"
	" WHERE b.id IN temp.retain_chunk AND b.run = runs.run AND b.host = runs.host);"
	"DELETE FROM main.records WHERE batch IN temp.retain_chunk;"
	"DELETE FROM main.runs WHERE n_records <= 0 OR NOT EXISTS (SELECT 1 FROM main.records r"
	" WHERE r.run = runs.run AND r.host = runs.host) AND EXISTS (SELECT 1 FROM main.batches b"
	" WHERE b.id IN temp.retain_chunk AND b.run = runs.run AND b.host = runs.host);"
	"UPDATE main.runs SET first_ns = (SELECT min(r.ts_ns) FROM main.records r"
	" WHERE r.run = runs.run AND r.host = runs.host) WHERE EXISTS (SELECT 1 FROM main.batches b"
	" WHERE b.id IN temp.retain_chunk AND b.run = runs.run AND b.host = runs.host);"
	"DELETE FROM main.batches WHERE id IN temp.retain_chunk;"
	"DELETE FROM main.access_log WHERE id IN (SELECT id FROM (SELECT id, ts_ns FROM"
	" main.access_log ORDER BY id LIMIT :chunk * 10) WHERE :all OR ts_ns < :cutoff);";

/* Bytes of the database's pages in use. */
static int sq_data_bytes(sqlite3 *db, uint64_t *bytes)
{
	uint64_t pages, free_pages, size;

	if (store_count(db, "PRAGMA main.page_count", &pages) < 0 ||
	    store_count(db, "PRAGMA main.freelist_count", &free_pages) < 0 ||
	    store_count(db, "PRAGMA main.page_size", &size) < 0)
		return -EIO;
	*bytes = (pages - free_pages) * size;
	return 0;
}

/*
 * Run one bound statement of sq_retain_sql; the chunk's batches, the
 * records and the access lines it deleted go to n[0..2], and *more is set
 * when a full chunk went. 0 or -EIO.
 */
static int sq_retain_step(struct store_sq *s, sqlite3_stmt *st, unsigned chunk, uint64_t n[3],
			  bool *more, char *err, size_t errlen)
{
	const char *sql = sqlite3_sql(st);
	uint64_t c;
	int k;

	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -EIO;
	}
	c = (uint64_t)sqlite3_changes(s->db);
	k = strncmp(sql, "INSERT INTO temp", 16) == 0		   ? 0
	    : strncmp(sql, "DELETE FROM main.records", 24) == 0	   ? 1
	    : strncmp(sql, "DELETE FROM main.access_log", 27) == 0 ? 2
								   : -1;
	if (k >= 0)
		n[k] = c;
	if (k == 0 || k == 2)
		*more = *more || c >= (k == 0 ? chunk : (uint64_t)chunk * 10);
	return 0;
}

static int sq_retain(void *be, int64_t cutoff_ns, uint64_t max_bytes, unsigned chunk, bool *more,
		     uint64_t deleted[3], char *err, size_t errlen)
{
	struct store_sq *s = be;
	const char *tail = sq_retain_sql;
	uint64_t bytes = 0, n[3] = { 0, 0, 0 };
	bool all = false;
	int r = 0;

	*more = false;
	deleted[0] = deleted[1] = deleted[2] = 0;
	if (max_bytes && sq_data_bytes(s->db, &bytes) == 0 && bytes > max_bytes)
		all = true;
	if (!all && cutoff_ns <= 0)
		return 0;
	if (store_exec(s->db,
		       "CREATE TEMP TABLE IF NOT EXISTS retain_chunk(id INTEGER PRIMARY KEY)", err,
		       errlen) < 0 ||
	    store_exec(s->db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -EIO;
	while (r == 0 && *tail) {
		sqlite3_stmt *st = NULL;
		int i;

		if (sqlite3_prepare_v2(s->db, tail, -1, &st, &tail) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			r = -EIO;
			break;
		}
		if (!st)
			continue;
		if ((i = sqlite3_bind_parameter_index(st, ":chunk")))
			sqlite3_bind_int64(st, i, chunk);
		if ((i = sqlite3_bind_parameter_index(st, ":all")))
			sqlite3_bind_int(st, i, all);
		if ((i = sqlite3_bind_parameter_index(st, ":cutoff")))
			sqlite3_bind_int64(st, i, cutoff_ns > 0 ? cutoff_ns : 0);
		r = sq_retain_step(s, st, chunk, n, more, err, errlen);
		sqlite3_finalize(st);
	}
	if (r == 0)
		r = store_exec(s->db, "COMMIT", err, errlen);
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (r == 0) {
		memcpy(deleted, n, sizeof(n));
		if (all && (n[0] > 0 || n[2] > 0))
			*more = true;
	}
	return r;
}

/*
 * A streamed answer's cursor: a reader connection of its own with a small
 * page cache (STORE_STREAM_CACHE_KB: a slow client holds it for as long as
 * its answer takes, so fifty of them must stay small) and the statement.
 */
#define STORE_STREAM_CACHE_KB 256

struct sq_cursor {
	sqlite3 *db;
	sqlite3_stmt *st;
};

static void sq_cursor_close(void *cur)
{
	struct sq_cursor *c = cur;

	if (!c)
		return;
	sqlite3_finalize(c->st);
	sqlite3_close(c->db);
	free(c);
}

static int sq_cursor_open(void *be, bool runs, const void *q, void **out, char *err, size_t errlen)
{
	struct store_sq *s = be;
	struct sq_cursor *c = calloc(1, sizeof(*c));
	char pragma[64];
	int r;

	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA cache_size=-%d", STORE_STREAM_CACHE_KB);
	if ((r = store_open_reader(s->path, &c->db, err, errlen)) < 0 ||
	    (r = store_exec(c->db, pragma, err, errlen)) < 0 ||
	    (r = runs ? query_runs_prepare(c->db, q, &c->st, err, errlen)
		      : query_logs_prepare(c->db, q, &c->st, err, errlen)) < 0) {
		sq_cursor_close(c);
		return r;
	}
	*out = c;
	return 0;
}

static int sq_cursor_next(void *cur, const char *col[5], char *err, size_t errlen)
{
	struct sq_cursor *c = cur;
	int rc = sqlite3_step(c->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "query: %s", sqlite3_errmsg(c->db));
		return -EIO;
	}
	for (int i = 0; i < 5 && i < sqlite3_column_count(c->st); i++)
		col[i] = (const char *)sqlite3_column_text(c->st, i);
	return 1;
}

const struct store_be_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.counts = sq_counts,
	.begin = sq_begin,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.insert_batch = sq_insert_batch,
	.insert_access = sq_insert_access,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.idle = sq_idle,
	.idle_due = sq_idle_due,
	.write_inline = true,
	.retain = sq_retain,
	.cursor_open = sq_cursor_open,
	.cursor_next = sq_cursor_next,
	.cursor_close = sq_cursor_close,
	.graph_open = NULL, /* the graphs read the store's file (store_sqlite_graph.c) */
	.close = sq_close,
};
