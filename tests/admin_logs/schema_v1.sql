-- The schema of admin_logs before versioning (user_version 0), as the first
-- release created it: the fixture of tests/admin_logs/migrate.sh.
CREATE TABLE IF NOT EXISTS batches(id INTEGER PRIMARY KEY, batch_id TEXT NOT NULL UNIQUE, host TEXT NOT NULL, stored_ns INTEGER NOT NULL, n_records INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, type TEXT NOT NULL, ts_ns INTEGER NOT NULL, cycle INTEGER NOT NULL, container_id TEXT, container_name TEXT, class TEXT, action TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_ts ON records(ts_ns);
CREATE INDEX IF NOT EXISTS records_batch ON records(batch);
CREATE INDEX IF NOT EXISTS records_removed ON records(ts_ns, class) WHERE action = 'removed';
CREATE TABLE IF NOT EXISTS samples(record INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, source TEXT, total_kb INTEGER, used_kb INTEGER, available_kb INTEGER, cpu_pct REAL, n_high INTEGER, n_low INTEGER, n_unknown INTEGER);
CREATE TABLE IF NOT EXISTS containers(cid TEXT PRIMARY KEY, name TEXT, class TEXT, label_class TEXT, first_record INTEGER, last_record INTEGER, first_ns INTEGER, last_ns INTEGER, n INTEGER, sum_cpu REAL, sum_mem_kb INTEGER);
CREATE TABLE IF NOT EXISTS sample_containers(record INTEGER NOT NULL, idx INTEGER NOT NULL, ts_ns INTEGER NOT NULL, cid TEXT NOT NULL, name TEXT, class TEXT, label_class TEXT, cpu_pct REAL, rss_kb INTEGER, mem_kb INTEGER, mem_pct REAL, procs INTEGER, PRIMARY KEY (record, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_log(id INTEGER PRIMARY KEY, ts_ns INTEGER NOT NULL, client TEXT, method TEXT, path TEXT, status INTEGER, bytes_in INTEGER, bytes_out INTEGER, duration_us INTEGER);
