/*
 * graphs_queue.h — the drawings asked for by POST /graficar, one at a time
 * on a thread of their own, never on an HTTP thread: a drawing (seconds of
 * SQL, CSV and gnuplot) never holds up POST /logs. The queue is bounded:
 * at most max requests drawing or waiting; one more is refused (-EBUSY,
 * answered 503 with Retry-After). The thread runs at nice 10, and so do the
 * gnuplot processes it starts (Linux keeps the nice value per thread, and a
 * child inherits its creator's), so ingestion keeps the CPU it needs.
 */
#ifndef ADMIN_LOGS_GRAPHS_QUEUE_H
#define ADMIN_LOGS_GRAPHS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct graphs_queue;

/* A job: run on the drawing thread; cancelled: the queue stopped before its turn. */
typedef void (*graphs_job_fn)(void *ctx, bool cancelled);

/* Start the thread. 0 or -errno with the reason in err. */
int graphs_queue_start(struct graphs_queue **out, unsigned max, char *err, size_t errlen);

/* Queue fn(ctx). 0; -EBUSY when max jobs are drawing or waiting; -ESHUTDOWN
 * when stopping (fn is not called then). */
int graphs_queue_submit(struct graphs_queue *q, graphs_job_fn fn, void *ctx);

/* Jobs drawing or waiting now (for the Retry-After estimate). */
unsigned graphs_queue_pending(struct graphs_queue *q);

/* Stop: the job drawing finishes, each waiting one is called cancelled,
 * then the thread ends and the queue is freed. NULL is fine. */
void graphs_queue_stop(struct graphs_queue *q);

#endif
