/*
 * spool.h — logs admin_logs has not accepted yet, kept on disk until it does.
 *
 * The spool is an append-only file of batches, one JSON document per line,
 * each fdatasync'd before spool_append() returns, plus a small "<path>.head"
 * file holding the offset of the first batch not yet delivered. Batches are
 * resent strictly in order; a send that fails is retried with exponential
 * backoff. Because every batch carries a unique batch_id and admin_logs
 * answers 200 for one it already stored, a crash between a delivery and the
 * head update only resends, never loses and never doubles. When everything
 * is delivered the file is truncated; when it would outgrow its limit the
 * delivered prefix is cut off first, and a batch that still does not fit is
 * refused (-ENOSPC) and counted so the caller can say so loudly. A torn last
 * line (a crash mid-write) is cut off when the spool is opened.
 */
#ifndef SERVICIO_SPOOL_H
#define SERVICIO_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_LINE_MAX (16u << 20) /* one batch, bounded */

struct spool {
	char path[512], head_path[520];
	int fd;
	uint64_t head; /* offset of the first undelivered batch */
	uint64_t size; /* file size */
	uint64_t max; /* size limit */
	size_t pending;
	uint64_t dropped; /* batches refused because the spool was full */
	uint64_t next_try_ns, backoff_ns;
	int dirfd; /* with pinned: the spool's directory, kept open */
	bool pinned; /* path and head_path are /proc/self/fd/<dirfd>/... (spool_pin) */
};

/* Open (creating it and its directory) or reopen what a previous run left. */
int spool_open(struct spool *sp, const char *path, uint64_t max_bytes, char *err, size_t errlen);
void spool_close(struct spool *sp);

/*
 * Before servicio drops its privileges (privs.h): keep the spool's directory
 * open and reach its files through it (/proc/self/fd/N/<name>) from now on,
 * so the directories above it (/var/lib/gestor is root's 0750) need not be
 * searchable by servicio's user. 0 or -errno (err says why).
 */
int spool_pin(struct spool *sp, char *err, size_t errlen);

/* Append one batch (no newline inside); durable on return. 0, -ENOSPC or -errno. */
int spool_append(struct spool *sp, const char *line, size_t len, char *err, size_t errlen);

static inline bool spool_empty(const struct spool *sp)
{
	return sp->pending == 0;
}

/* Outcome of one send, as the drain callback reports it. */
enum spool_send { SPOOL_SENT, SPOOL_RETRY, SPOOL_REJECTED };

typedef enum spool_send (*spool_send_fn)(void *ctx, const char *line, size_t len);

/*
 * Send pending batches in order until the spool is empty, a send fails
 * (then back off: 1 s, doubling to 30 s) or max_batches were sent; a
 * rejected batch is dropped (it would block the rest forever) and counted
 * in *rejected. Nothing is tried before the backoff expires unless force.
 * Returns the number delivered, or -errno on a spool I/O error.
 */
int spool_drain(struct spool *sp, spool_send_fn send, void *ctx, uint64_t now_ns, bool force,
		size_t max_batches, size_t *rejected, char *err, size_t errlen);

/* Record a failed direct send so the next drain waits (same backoff). */
void spool_note_failure(struct spool *sp, uint64_t now_ns);

#endif
