/*
 * store.c — the store's group-commit writer and its choice of back end
 * (see store.h, store_be.h).
 *
 * The writer loop: wait for work; take up to group_max batches and all
 * queued access entries; hand them to the back end, which writes them in
 * one transaction and commits durably; then report each batch's status and
 * print the access lines. A request thread that finds the connection free
 * and nothing queued writes its batch itself the same way (store_write_now).
 */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "store_be.h"
#include "store_graph.h"
#include "util.h"

#define STORE_ACCESS_FLUSH_NS (200ull * 1000000ull) /* access entries wait at most this */
#define STORE_RETAIN_CHUNK 100 /* batches (and access lines x 10) per retention step */
#define STORE_RETAIN_IDLE_NS (1000ull * 1000000ull) /* between steps with nothing to delete */
#define STORE_RETAIN_BUSY_NS (20ull * 1000000ull) /* between steps while there is */

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
	bool in_group; /* the back end's connection is in use (a group, idle work, retention) */
	bool asleep; /* the writer waits with no access entry queued: a first one wakes it */
	bool waits_busy; /* the writer waits for a request thread's group to end */
	bool idle_pending; /* a request thread's group left the back end's idle work due */
	pthread_cond_t idle_cv;
	struct store_job *jobs, **jobs_tail;
	size_t njobs;
	struct store_acc *accs, **accs_tail;
	uint64_t accs_since; /* monotonic time the oldest queued access entry came */

	uint64_t batches, records, commits; /* under mu */
	uint64_t group_batches, write_ns, commit_ns; /* under mu: sums over the commits */
	uint64_t retain_ns; /* 0: no age bound */
	uint64_t retain_bytes; /* 0: no size bound */
	uint64_t retain_due; /* writer: monotonic time of the next step */
	uint64_t retained_out; /* under mu */
	bool retain_warned; /* writer */
	char *linebuf; /* writer only */
	size_t linecap;
};

bool store_is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

/*
 * The spans of where that are passwords: the part after "user:" up to the
 * '@' of a URL's authority, and the value of every "password=" (in a URL's
 * query or a conninfo string). Calls fn(ctx, start, end) for each.
 */
static void store_password_spans(const char *where, void (*fn)(void *, size_t, size_t), void *ctx)
{
	const char *p, *auth = strstr(where, "://");

	if (auth) {
		const char *a = auth + 3, *end = a + strcspn(a, "/?#"), *at = NULL, *colon;

		for (p = a; p < end; p++)
			if (*p == '@')
				at = p;
		colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
		if (colon)
			fn(ctx, (size_t)(colon + 1 - where), (size_t)(at - where));
	}
	for (p = where; (p = strstr(p, "password=")); p += 9) {
		size_t v = (size_t)(p + 9 - where);
		if (p != where && p[-1] != '?' && p[-1] != '&' && p[-1] != ' ')
			continue;
		fn(ctx, v, v + strcspn(where + v, "& "));
	}
}

struct store_span_set {
	size_t start[8], end[8];
	unsigned n;
};

static void store_span_add(void *ctx, size_t start, size_t end)
{
	struct store_span_set *set = ctx;

	if (set->n < 8 && end > start) {
		set->start[set->n] = start;
		set->end[set->n++] = end;
	}
}

bool store_has_password(const char *where)
{
	struct store_span_set set = { .n = 0 };

	store_password_spans(where, store_span_add, &set);
	return set.n > 0;
}

void store_redact(const char *where, char *out, size_t cap)
{
	struct store_span_set set = { .n = 0 };
	size_t n = 0, i = 0;

	if (cap == 0)
		return;
	store_password_spans(where, store_span_add, &set);
	while (where[i] && n + 1 < cap) {
		unsigned k;

		for (k = 0; k < set.n && !(i >= set.start[k] && i < set.end[k]); k++)
			;
		if (k < set.n) {
			for (const char *m = "***"; *m && n + 1 < cap; m++)
				out[n++] = *m;
			i = set.end[k];
			continue;
		}
		out[n++] = where[i++];
	}
	out[n] = '\0';
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

/* The status a primitive's failure earns (store_be.h): 503 passes, 500 does not. */
static unsigned store_status_of(int rc)
{
	return rc == -EAGAIN || rc == -ENOSPC ? 503 : 500;
}

/* The first line of err, in place. */
static const char *store_one_line(char *err)
{
	err[strcspn(err, "\r\n")] = '\0';
	return err;
}

/* The group failed as a whole (rc): every job gets the same status and reason. */
static void store_fail_group(struct store_job *jobs, int rc)
{
	const char *why = rc == -ENOSPC	  ? "disk full, not stored (retry later)"
			  : rc == -EAGAIN ? "unavailable, not stored (retry later)"
					  : "transaction failed";

	for (struct store_job *j = jobs; j; j = j->next) {
		j->status = store_status_of(rc);
		snprintf(j->msg, sizeof(j->msg), "database: %s", why);
	}
}

/*
 * One batch inside the group's transaction, in a savepoint: stored whole,
 * or rolled back to the savepoint with j's status and reason set (the rest
 * of the group goes on). 0, or -errno when the group cannot go on.
 */
static int store_write_batch(struct store *s, struct store_job *j, char *err, size_t errlen)
{
	const struct store_be_ops *o = s->ops;
	int rc = o->savepoint(s->be, err, errlen);

	if (rc < 0)
		return rc;
	rc = o->insert_batch(s->be, j->batch, err, errlen);
	if (rc < 0) {
		j->status = store_status_of(rc);
		snprintf(j->msg, sizeof(j->msg), "database: %.100s%s", store_one_line(err),
			 j->status == 503 ? " (not stored, retry later)" : "");
		if (rc == -EAGAIN) /* the database is away: nothing more will be stored */
			return rc;
		if ((rc = o->rollback_to(s->be, err, errlen)) < 0)
			return rc;
	} else {
		j->status = (unsigned)rc;
		j->nrec = rc == 201 ? json_array_size(j->batch->records) : 0;
	}
	return o->release(s->be, err, errlen);
}

/*
 * A group's only batch, first without a savepoint: the transaction holds
 * nothing else yet, and SQLite copies every page a savepoint's batch
 * touches into a statement journal (10 us of 50 at one sender). When the
 * insert fails, the transaction is rolled back, begun again and the batch
 * written the usual way (store_write_batch), so the outcome and its message
 * are the ones a savepoint gives. 0, or -errno when the group cannot go on.
 */
static int store_write_only(struct store *s, struct store_job *j, char *err, size_t errlen)
{
	const struct store_be_ops *o = s->ops;
	int rc = o->insert_batch(s->be, j->batch, err, errlen);

	if (rc >= 0) {
		j->status = (unsigned)rc;
		j->nrec = rc == 201 ? json_array_size(j->batch->records) : 0;
		return 0;
	}
	o->rollback(s->be);
	if ((rc = o->begin(s->be, err, errlen)) < 0)
		return rc;
	return store_write_batch(s, j, err, errlen);
}

/*
 * Write a group with the back end's primitives: one transaction, each batch
 * in its own savepoint (a group of one: store_write_only), the access entries in one more (their failure is
 * logged and must not cost the batches), one commit. true when committed;
 * every job then has its status. *commit_start: when the commit began.
 */
static bool store_write_group(struct store *s, struct store_job *jobs, struct store_acc *accs,
			      uint64_t *commit_start)
{
	const struct store_be_ops *o = s->ops;
	char err[256] = "";
	int rc = 0;

	if (o->write_fast &&
	    (rc = o->write_fast(s->be, jobs, accs, commit_start, err, sizeof(err))) > 0)
		return true;
	if (rc == 0)
		rc = o->begin(s->be, err, sizeof(err));
	if (rc == 0 && jobs && !jobs->next)
		rc = store_write_only(s, jobs, err, sizeof(err));
	else
		for (struct store_job *j = jobs; rc == 0 && j; j = j->next)
			rc = store_write_batch(s, j, err, sizeof(err));
	if (rc == 0 && accs && (rc = o->savepoint(s->be, err, sizeof(err))) == 0) {
		if (o->insert_access(s->be, accs, err, sizeof(err)) < 0) {
			log_warnx("access log insert: %s", store_one_line(err));
			rc = o->rollback_to(s->be, err, sizeof(err));
		}
		if (rc == 0)
			rc = o->release(s->be, err, sizeof(err));
	}
	*commit_start = util_mono_ns();
	if (rc == 0 && (rc = o->commit(s->be, err, sizeof(err))) == 0)
		return true;
	log_warnx("group not stored: %s", store_one_line(err));
	o->rollback(s->be);
	store_fail_group(jobs, rc);
	return false;
}

/* One group: written in one transaction, then each batch's submitter told. */
static void store_run_group(struct store *s, struct store_job *jobs, struct store_acc *accs)
{
	uint64_t nb = 0, nr = 0, ng = 0, t0 = util_mono_ns(), t1 = t0;
	bool ok = store_write_group(s, jobs, accs, &t1);
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

/* One retention step when it is due (writer, mu not held). */
static void store_retain_step(struct store *s)
{
	uint64_t now = util_mono_ns(), deleted[3] = { 0, 0, 0 };
	int64_t cutoff = 0;
	bool more = false;
	char err[256];

	if ((!s->retain_ns && !s->retain_bytes) || !s->ops->retain || now < s->retain_due)
		return;
	if (s->retain_ns)
		cutoff = (int64_t)(util_real_ns() - s->retain_ns);
	if (s->ops->retain(s->be, cutoff, s->retain_bytes, STORE_RETAIN_CHUNK, &more, deleted, err,
			   sizeof(err)) < 0) {
		if (!s->retain_warned)
			log_warnx("retention: %s", err);
		s->retain_warned = true;
		more = false;
	} else {
		s->retain_warned = false;
	}
	s->retain_due = util_mono_ns() + (more ? STORE_RETAIN_BUSY_NS : STORE_RETAIN_IDLE_NS);
	if (deleted[0] || deleted[1]) {
		pthread_mutex_lock(&s->mu);
		s->retained_out += deleted[0];
		s->batches -= deleted[0] < s->batches ? deleted[0] : s->batches;
		s->records -= deleted[1] < s->records ? deleted[1] : s->records;
		pthread_mutex_unlock(&s->mu);
	}
}

void store_set_retention(struct store *s, unsigned days, uint64_t max_bytes)
{
	pthread_mutex_lock(&s->mu);
	s->retain_ns = (uint64_t)days * 86400ull * 1000000000ull;
	s->retain_bytes = max_bytes;
	s->retain_due = 0;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Wait on s->cv until the CLOCK_MONOTONIC time deadline_ns at the latest. */
static void store_wait_until(struct store *s, uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ull),
			       .tv_nsec = (long)(deadline_ns % 1000000000ull) };

	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/* What the writer is to do next. */
enum store_work { STORE_EXIT, STORE_GROUP, STORE_IDLE };

/* The writer's work due now (mu held, the connection free), or -1: none yet. */
static int store_work_due(struct store *s, uint64_t now)
{
	bool retain = (s->retain_ns || s->retain_bytes) && s->ops->retain;

	if (s->jobs || (s->accs && now >= s->accs_since + STORE_ACCESS_FLUSH_NS))
		return STORE_GROUP;
	if (s->exiting)
		return s->accs ? STORE_GROUP : STORE_EXIT;
	if (s->idle_pending || (retain && now >= s->retain_due))
		return STORE_IDLE;
	return -1;
}

/*
 * Wait (mu held) until there is work for the writer and the connection is
 * free: batches queued, the oldest access entry due, the back end's idle
 * work or a retention step due, or the writer to leave.
 */
static enum store_work store_wait_work(struct store *s)
{
	for (;;) {
		bool retain = (s->retain_ns || s->retain_bytes) && s->ops->retain;
		uint64_t due = UINT64_MAX;
		int w;

		if (s->in_group) { /* a request thread writes: it wakes the writer after */
			s->waits_busy = true;
			pthread_cond_wait(&s->cv, &s->mu);
			s->waits_busy = false;
			continue;
		}
		if ((w = store_work_due(s, util_mono_ns())) >= 0)
			return (enum store_work)w;
		if (s->accs)
			due = s->accs_since + STORE_ACCESS_FLUSH_NS;
		if (retain && s->retain_due < due)
			due = s->retain_due;
		s->asleep = !s->accs; /* a first entry's deadline may come sooner */
		if (due == UINT64_MAX)
			pthread_cond_wait(&s->cv, &s->mu);
		else
			store_wait_until(s, due);
		s->asleep = false;
	}
}

/* Take (mu held) up to group_max queued batches into *jobs and every access entry. */
static void store_take_group(struct store *s, struct store_job **jobs, struct store_acc **accs)
{
	struct store_job **jt = jobs;
	unsigned n = 0;

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
	*accs = s->accs;
	s->accs = NULL;
	s->accs_tail = &s->accs;
}

/* After a group (or alone when due): the back end's idle work and a retention step. */
static void store_after_group(struct store *s)
{
	if (s->ops->idle)
		s->ops->idle(s->be);
	store_retain_step(s);
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
		struct store_job *jobs = NULL;
		struct store_acc *accs = NULL;
		enum store_work w = store_wait_work(s);

		if (w == STORE_EXIT)
			break;
		s->in_group = true;
		s->idle_pending = false;
		if (w == STORE_GROUP)
			store_take_group(s, &jobs, &accs);
		pthread_mutex_unlock(&s->mu);
		if (w == STORE_GROUP)
			store_run_group(s, jobs, accs);
		store_after_group(s);
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

/* store_write_now's outcome, set by store_run_group on the caller's thread. */
struct store_now {
	unsigned status;
	char *msg;
	size_t msglen;
};

static void store_now_done(void *ctx, unsigned status, const char *msg)
{
	struct store_now *n = ctx;

	n->status = status;
	util_strlcpy(n->msg, msg, n->msglen);
}

/*
 * A group of one batch (and the queued access entries) on the caller's
 * thread, when the back end allows it and its connection is free with
 * nothing queued: with one sender, each batch waits for its own commit,
 * and the two hand-offs (to the writer and back) were a wake-up each.
 * Afterwards the writer is woken only when it has something to do.
 */
int store_write_now(struct store *s, const struct batch *b, unsigned *status, char *msg,
		    size_t msglen)
{
	struct store_now n = { .status = 500, .msg = msg, .msglen = msglen };
	struct store_job *j;
	struct store_acc *accs;

	if (!s->ops->write_inline)
		return 0;
	if (!(j = calloc(1, sizeof(*j))))
		return -ENOMEM;
	j->batch = b;
	j->done = store_now_done;
	j->ctx = &n;
	pthread_mutex_lock(&s->mu);
	if (s->stopping || s->in_group || s->jobs) {
		int r = s->stopping ? -ESHUTDOWN : 0;

		pthread_mutex_unlock(&s->mu);
		free(j);
		return r;
	}
	s->in_group = true;
	accs = s->accs;
	s->accs = NULL;
	s->accs_tail = &s->accs;
	pthread_mutex_unlock(&s->mu);
	store_run_group(s, j, accs); /* frees j and accs */
	pthread_mutex_lock(&s->mu);
	s->in_group = false;
	if (s->ops->idle_due && s->ops->idle_due(s->be))
		s->idle_pending = true;
	if (s->waits_busy || s->idle_pending || s->jobs)
		pthread_cond_signal(&s->cv);
	pthread_cond_broadcast(&s->idle_cv);
	pthread_mutex_unlock(&s->mu);
	*status = n.status;
	return 1;
}

void store_submit_access(struct store *s, const struct access_entry *e)
{
	struct store_acc *a = malloc(sizeof(*a));

	if (!a)
		return;
	a->e = *e;
	a->next = NULL;
	pthread_mutex_lock(&s->mu);
	/* the writer needs waking only when it waits with no deadline: else
	 * the entry rides along with the next group or the deadline's flush (a
	 * wake-up per request cost a context switch each at one sender) */
	if (!s->accs)
		s->accs_since = util_mono_ns();
	if (s->asleep)
		pthread_cond_signal(&s->cv);
	*s->accs_tail = a;
	s->accs_tail = &a->next;
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
	st->retained_out = s->retained_out;
	pthread_mutex_unlock(&s->mu);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

struct store_rows {
	const struct store_be_ops *ops;
	void *cur;
	bool runs, more, ended;
	unsigned limit, n;
	char *text; /* the last row's JSON */
	union { /* the query, kept: its strings are bound to the statement */
		struct query logs;
		struct query_runs runs;
	} q;
};

int store_rows_open(struct store *s, bool runs, const void *q, struct store_rows **out, char *err,
		    size_t errlen)
{
	struct store_rows *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->ops = s->ops;
	r->runs = runs;
	if (runs)
		r->q.runs = *(const struct query_runs *)q;
	else
		r->q.logs = *(const struct query *)q;
	r->limit = runs ? r->q.runs.limit : r->q.logs.limit;
	rc = s->ops->cursor_open(s->be, runs, &r->q, &r->cur, err, errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int store_rows_next(struct store_rows *r, const char **text, size_t *len, char *err, size_t errlen)
{
	const char *col[5] = { NULL };
	int rc;

	free(r->text);
	r->text = NULL;
	if (r->ended)
		return 0;
	rc = r->ops->cursor_next(r->cur, col, err, errlen);
	if (rc <= 0 || r->n == r->limit) {
		r->more = rc > 0; /* the row past the limit: a next page exists */
		r->ended = true;
		return rc < 0 ? rc : 0;
	}
	r->n++;
	if (r->runs) {
		r->text = query_run_text(col[0] ? col[0] : "", col[1] ? col[1] : "",
					 strtoll(col[2] ? col[2] : "0", NULL, 10),
					 strtoll(col[3] ? col[3] : "0", NULL, 10),
					 strtoll(col[4] ? col[4] : "0", NULL, 10));
		if (!r->text) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	} else {
		rc = query_record_text(
			col[0], col[1] ? col[1] : "", strtoll(col[2] ? col[2] : "0", NULL, 10),
			strtoll(col[3] ? col[3] : "0", NULL, 10), &r->text, err, errlen);
		if (rc < 0)
			return rc;
	}
	*text = r->text;
	*len = strlen(r->text);
	return 1;
}

bool store_rows_more(const struct store_rows *r)
{
	return r->more;
}

void store_rows_close(struct store_rows *r)
{
	if (!r)
		return;
	if (r->cur)
		r->ops->cursor_close(r->cur);
	free(r->text);
	free(r);
}

/*
 * A whole answer of GET /logs or GET /runs, read through store_rows like
 * the streamed one: one query per back end, not one per answer's form.
 */
static int store_query_doc(struct store *s, bool runs, const void *q, unsigned limit,
			   uint64_t offset, char **out, size_t *outlen, char *err, size_t errlen)
{
	struct store_rows *r = NULL;
	json_t *arr = json_array();
	const char *text;
	size_t len;
	int rc = arr ? store_rows_open(s, runs, q, &r, err, errlen) : -ENOMEM;

	while (rc >= 0 && (rc = store_rows_next(r, &text, &len, err, errlen)) > 0) {
		json_t *row = json_loadb(text, len, 0, NULL);
		if (!row || json_array_append_new(arr, row) < 0)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = query_finish(arr, runs ? "runs" : "records", limit, offset, store_rows_more(r),
				  out, outlen, err, errlen);
	else if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	store_rows_close(r);
	json_decref(arr);
	return rc;
}

int store_query_logs(struct store *s, const struct query *q, char **out, size_t *outlen, char *err,
		     size_t errlen)
{
	return store_query_doc(s, false, q, q->limit, q->offset, out, outlen, err, errlen);
}

int store_query_runs(struct store *s, const struct query_runs *q, char **out, size_t *outlen,
		     char *err, size_t errlen)
{
	return store_query_doc(s, true, q, q->limit, q->offset, out, outlen, err, errlen);
}

const unsigned sg_nargs[SG_NQUERIES] = {
	[SG_LATEST_RUN] = 0,	 [SG_RUN_FOUND] = 1,	 [SG_RANGE] = 1,   [SG_SAMPLES] = 1,
	[SG_SAMPLES_SORTED] = 1, [SG_TOP_CPU] = 2,	 [SG_TOP_MEM] = 2, [SG_SERIES_CPU] = 6,
	[SG_SERIES_MEM] = 6,	 [SG_REMOVED_COUNT] = 1, [SG_REMOVED] = 1, [SG_RUNS] = 0,
};

int store_graph_open(struct store *s, const char *host, struct store_graph **g, char *err,
		     size_t errlen)
{
	*g = NULL;
	if (s->ops->graph_open)
		return s->ops->graph_open(s->be, host, g, err, errlen);
	return store_graph_open_sqlite(store_path(s), host, g, err, errlen);
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
