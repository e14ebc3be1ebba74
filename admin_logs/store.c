/*
 * store.c — the store's group-commit writer and its choice of back end
 * (see store.h, store_be.h).
 *
 * The writer loop: wait for work; take up to group_max batches and all
 * queued access entries; hand them to the back end, which writes them in
 * one transaction and commits durably; then report each batch's status and
 * print the access lines.
 */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_be.h"
#include "util.h"

#define STORE_ACCESS_FLUSH_NS (200ull * 1000000ull) /* access entries wait at most this */

struct store {
	const struct store_be_ops *ops;
	void *be;
	char path[1024];
	unsigned group_max;
	bool print_access;

	pthread_t writer;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping; /* no new batches */
	bool exiting; /* writer: leave when the queues are empty */
	bool in_group;
	pthread_cond_t idle_cv;
	struct store_job *jobs, **jobs_tail;
	size_t njobs;
	struct store_acc *accs, **accs_tail;
	uint64_t accs_since; /* monotonic time the oldest queued access entry came */

	uint64_t batches, records, commits; /* under mu */
	uint64_t group_batches, write_ns, commit_ns; /* under mu: sums over the commits */
	char *linebuf; /* writer only */
	size_t linecap;
};

bool store_is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

/* Print the access lines of one group with as few writes as possible. */
static void store_print_access(struct store *s, struct store_acc *a)
{
	size_t n = 0;

	for (; a; a = a->next) {
		if (s->linecap - n < 512) {
			if (n > 0 && util_write_all(1, s->linebuf, n) < 0)
				return;
			n = 0;
		}
		n += access_format(&a->e, s->linebuf + n, s->linecap - n);
	}
	if (n > 0)
		(void)util_write_all(1, s->linebuf, n);
}

/* One group: the back end writes jobs and accs in one transaction, then report. */
static void store_run_group(struct store *s, struct store_job *jobs, struct store_acc *accs)
{
	uint64_t nb = 0, nr = 0, ng = 0, t0 = util_mono_ns(), t1 = t0;
	bool ok = s->ops->write_group(s->be, jobs, accs, &t1);
	struct store_job *j;
	struct store_acc *a;

	for (j = jobs; ok && j; j = j->next) {
		ng++;
		if (j->status == 201) {
			nb++;
			nr += j->nrec;
		}
	}
	pthread_mutex_lock(&s->mu);
	s->batches += nb;
	s->records += nr;
	s->commits += ok;
	if (ok) {
		s->group_batches += ng;
		s->write_ns += t1 - t0;
		s->commit_ns += util_mono_ns() - t1;
	}
	pthread_mutex_unlock(&s->mu);
	while (jobs) {
		j = jobs;
		jobs = j->next;
		j->done(j->ctx, j->status, j->msg);
		free(j);
	}
	if (s->print_access)
		store_print_access(s, accs);
	while (accs) {
		a = accs;
		accs = a->next;
		free(a);
	}
}

/* Wait on s->cv until the CLOCK_MONOTONIC time deadline_ns at the latest. */
static void store_wait_until(struct store *s, uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ull),
			       .tv_nsec = (long)(deadline_ns % 1000000000ull) };

	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/*
 * The writer. Batches start a group; access entries alone wait (up to
 * STORE_ACCESS_FLUSH_NS) to ride along with the next group, so they never
 * cost a commit of their own while batches are flowing. A group is whatever
 * is queued when the writer comes round: it never waits for more. Batches
 * that arrive during a commit form the next group, so the request threads
 * parse while the writer inserts and syncs (a commit delay that gathered all
 * 16 clients of the benchmark into one group cost a quarter of the
 * throughput: parsing, writing and syncing then took turns instead of
 * overlapping).
 */
static void *store_writer(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct store_job *jobs = NULL, **jt = &jobs;
		struct store_acc *accs;
		unsigned n = 0;

		while (!s->jobs && !s->exiting) {
			if (!s->accs) {
				pthread_cond_wait(&s->cv, &s->mu);
				continue;
			}
			uint64_t due = s->accs_since + STORE_ACCESS_FLUSH_NS;
			if (util_mono_ns() >= due)
				break;
			store_wait_until(s, due);
		}
		if (!s->jobs && !s->accs)
			break;
		s->in_group = true;
		while (s->jobs && n < s->group_max) {
			*jt = s->jobs;
			s->jobs = s->jobs->next;
			jt = &(*jt)->next;
			n++;
		}
		*jt = NULL;
		s->njobs -= n;
		if (!s->jobs)
			s->jobs_tail = &s->jobs;
		accs = s->accs;
		s->accs = NULL;
		s->accs_tail = &s->accs;
		pthread_mutex_unlock(&s->mu);
		store_run_group(s, jobs, accs);
		if (s->ops->idle)
			s->ops->idle(s->be);
		pthread_mutex_lock(&s->mu);
		s->in_group = false;
		pthread_cond_broadcast(&s->idle_cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int store_open(struct store **out, const char *where, unsigned group_max, bool print_access,
	       char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	int r = -EIO;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->ops = store_is_url(where) ? &store_pg_ops : &store_sqlite_ops;
	util_strlcpy(s->path, where, sizeof(s->path));
	s->group_max = group_max ? group_max : 1;
	s->print_access = print_access;
	s->jobs_tail = &s->jobs;
	s->accs_tail = &s->accs;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&s->idle_cv, NULL);
	s->linecap = 64 * 1024;
	s->linebuf = malloc(s->linecap);
	if (!s->linebuf) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	r = s->ops->open(&s->be, where, err, errlen);
	if (r < 0)
		goto err;
	r = s->ops->counts(s->be, &s->batches, &s->records, err, errlen);
	if (r < 0)
		goto err;
	r = pthread_create(&s->writer, NULL, store_writer, s);
	if (r != 0) {
		snprintf(err, errlen, "writer thread: %s", strerror(r));
		r = -r;
		goto err;
	}
	s->started = true;
	*out = s;
	return 0;
err:
	store_close(s);
	return r;
}

int store_submit_batch(struct store *s, const struct batch *b, store_done_fn done, void *ctx)
{
	struct store_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->batch = b;
	j->done = done;
	j->ctx = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->mu);
		free(j);
		return -ESHUTDOWN;
	}
	*s->jobs_tail = j;
	s->jobs_tail = &j->next;
	s->njobs++;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void store_submit_access(struct store *s, const struct access_entry *e)
{
	struct store_acc *a = malloc(sizeof(*a));

	if (!a)
		return;
	a->e = *e;
	a->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (!s->accs)
		s->accs_since = util_mono_ns();
	*s->accs_tail = a;
	s->accs_tail = &a->next;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void store_get_stats(struct store *s, struct store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	st->batches = s->batches;
	st->records = s->records;
	st->commits = s->commits;
	st->queued = s->njobs;
	st->group_batches = s->group_batches;
	st->write_ns = s->write_ns;
	st->commit_ns = s->commit_ns;
	pthread_mutex_unlock(&s->mu);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

int store_query_logs(struct store *s, const struct query *q, char **out, size_t *outlen, char *err,
		     size_t errlen)
{
	return s->ops->query_logs(s->be, q, out, outlen, err, errlen);
}

int store_query_runs(struct store *s, const struct query_runs *q, char **out, size_t *outlen,
		     char *err, size_t errlen)
{
	return s->ops->query_runs(s->be, q, out, outlen, err, errlen);
}

int store_graph_db(struct store *s, const char *run, const char *host, sqlite3 **db, char *err,
		   size_t errlen)
{
	*db = NULL;
	return s->ops->graph_db ? s->ops->graph_db(s->be, run, host, db, err, errlen) : 0;
}

void store_drain(struct store *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	while (s->started && (s->jobs || s->in_group))
		pthread_cond_wait(&s->idle_cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void store_close(struct store *s)
{
	struct store_acc *a;

	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		s->exiting = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->writer, NULL);
		s->started = false;
	}
	while ((a = s->accs)) {
		s->accs = a->next;
		free(a);
	}
	if (s->be)
		s->ops->close(s->be);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->idle_cv);
	free(s->linebuf);
	free(s);
}
