/*
 * ship.c — sending a cycle's batch to admin_logs, with the spool behind
 * it when admin_logs does not answer (see ship.h).
 */
#include "ship.h"

#include <time.h>

#include "log.h"
#include "util.h"

void ship_open(struct ship *s, const char *spool_path, double max_mb)
{
	char err[512];

	if (spool_open(&s->sp, spool_path, (uint64_t)(max_mb * 1048576.0), err, sizeof(err)) != 0) {
		log_errorx("%s: logs admin_logs does not take are lost", err);
		return;
	}
	s->spool_ok = true;
	if (s->sp.pending)
		log_info("spool %s: %zu batches left by an earlier run, sent first", s->sp.path,
			 s->sp.pending);
}

void ship_close(struct ship *s)
{
	logclient_free(s->lc);
	s->lc = NULL;
	if (s->spool_ok)
		spool_close(&s->sp);
	s->spool_ok = false;
}

static void ship_up(struct ship *s)
{
	if (s->logs_down)
		log_info("admin_logs answers again");
	s->logs_down = false;
}

static void ship_down(struct ship *s, const char *err)
{
	if (!s->logs_down)
		log_warnx("admin_logs unreachable (%s): logs go to the spool %s", err, s->sp.path);
	s->logs_down = true;
}

static enum spool_send ship_spooled_cb(void *ctx, const char *line, size_t len)
{
	struct ship *s = ctx;
	char err[512];
	enum logclient_result r = logclient_post(s->lc, line, len, err, sizeof(err));

	if (r == LOGCLIENT_OK)
		return SPOOL_SENT;
	if (r == LOGCLIENT_REJECTED) {
		log_errorx("admin_logs rejected a spooled batch, dropped: %s", err);
		return SPOOL_REJECTED;
	}
	ship_down(s, err);
	return SPOOL_RETRY;
}

void ship_drain(struct ship *s, bool force)
{
	char err[512];
	size_t rej = 0, before = s->sp.pending;
	int n;

	if (!s->spool_ok || spool_empty(&s->sp) || !s->lc)
		return;
	n = spool_drain(&s->sp, ship_spooled_cb, s, util_mono_ns(), force, SIZE_MAX, &rej, err,
			sizeof(err));
	if (n < 0) {
		log_errorx("%s", err);
		return;
	}
	s->sent += (uint64_t)n;
	if (n > 0 || rej > 0) {
		ship_up(s);
		log_info("spool: delivered %d of %zu waiting batches (%zu left)", n, before,
			 s->sp.pending);
	}
}

/* Post body now; true when that settled it (delivered or rejected). */
static bool ship_direct(struct ship *s, const char *body, size_t len)
{
	char err[512];
	enum logclient_result r = logclient_post(s->lc, body, len, err, sizeof(err));

	if (r == LOGCLIENT_OK) {
		ship_up(s);
		s->sent++;
		return true;
	}
	if (r == LOGCLIENT_REJECTED) {
		log_errorx("admin_logs rejected a batch (a bug: not retried): %s", err);
		return true;
	}
	ship_down(s, err);
	if (s->spool_ok)
		spool_note_failure(&s->sp, util_mono_ns());
	return false;
}

void ship_send(struct ship *s, const char *body, size_t len)
{
	char err[512];

	if (!s->spool_ok || (spool_empty(&s->sp) && util_mono_ns() >= s->sp.next_try_ns)) {
		if (ship_direct(s, body, len))
			return;
	}
	if (!s->spool_ok) {
		log_errorx("no spool: a batch of logs is lost");
		return;
	}
	if (spool_append(&s->sp, body, len, err, sizeof(err)) != 0) {
		log_errorx("%s", err);
		return;
	}
	s->spooled++;
	ship_drain(s, false);
}

void ship_flush(struct ship *s, unsigned seconds)
{
	uint64_t deadline;

	if (!s->spool_ok || spool_empty(&s->sp))
		return;
	deadline = util_mono_ns() + (uint64_t)seconds * 1000000000ull;
	log_info("flushing %zu spooled batches to admin_logs", s->sp.pending);
	for (;;) {
		ship_drain(s, true);
		if (spool_empty(&s->sp) || util_mono_ns() >= deadline)
			break;
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
	}
	if (!spool_empty(&s->sp))
		log_warnx("%zu batches stay in the spool %s: the next run sends them",
			  s->sp.pending, s->sp.path);
}
