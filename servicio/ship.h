/*
 * ship.h — the last stage of a cycle: one batch to admin_logs, directly
 * when the spool is empty and admin_logs answers, else appended to the
 * fsync'd spool (spool.h) and resent from there in order, with backoff,
 * also after a restart. A batch admin_logs rejects (a bug: never retried)
 * is logged and dropped. The stop flushes the spool for a bounded time.
 */
#ifndef SERVICIO_SHIP_H
#define SERVICIO_SHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logclient.h"
#include "spool.h"

struct ship {
	struct logclient *lc; /* owned; set once admin_logs is known */
	struct spool sp;
	bool spool_ok; /* the spool opened */
	bool logs_down; /* the last attempt failed */
	uint64_t sent, spooled; /* batches delivered, batches that went through the spool */
};

/* Open the spool (what an earlier run left is sent first); without it,
 * undeliverable batches are lost (logged). */
void ship_open(struct ship *s, const char *spool_path, double max_mb);
void ship_close(struct ship *s);

/* Send body now or spool it (then try the spool). */
void ship_send(struct ship *s, const char *body, size_t len);

/* Resend what waits in the spool; force: even before the backoff ends. */
void ship_drain(struct ship *s, bool force);

/* At the stop: drain for at most seconds; what stays waits for the next run. */
void ship_flush(struct ship *s, unsigned seconds);

#endif
