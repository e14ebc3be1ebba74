/*
 * graphs_queue.c — POST /graficar's drawing thread and its bounded queue
 * (see graphs_queue.h): a ring of max jobs under one mutex; the job at the
 * head is the one drawing, and leaves the ring when it is done.
 */
#include "graphs_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#define GRAPHS_QUEUE_NICE 10

struct graphs_job {
	graphs_job_fn fn;
	void *ctx;
};

struct graphs_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	unsigned max, head, n; /* the ring: n jobs from head, the head one drawing */
	bool stopping;
	struct graphs_job jobs[]; /* max of them */
};

static void *graphs_queue_main(void *arg)
{
	struct graphs_queue *q = arg;

	/* this thread only (Linux): the drawing and its gnuplot children yield to ingestion */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), GRAPHS_QUEUE_NICE) < 0)
		log_warnx("graphs: cannot lower the drawing thread's priority: %s",
			  strerror(errno));
	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct graphs_job j;

		while (q->n == 0 && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->n == 0)
			break;
		j = q->jobs[q->head];
		pthread_mutex_unlock(&q->mu);
		j.fn(j.ctx, false);
		pthread_mutex_lock(&q->mu);
		q->head = (q->head + 1) % q->max;
		q->n--;
		if (q->stopping)
			break;
	}
	/* stopping: the waiting jobs are told so */
	while (q->n > 0) {
		struct graphs_job j = q->jobs[q->head];

		q->head = (q->head + 1) % q->max;
		q->n--;
		pthread_mutex_unlock(&q->mu);
		j.fn(j.ctx, true);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int graphs_queue_start(struct graphs_queue **out, unsigned max, char *err, size_t errlen)
{
	struct graphs_queue *q;
	int r;

	*out = NULL;
	if (max == 0)
		max = 1;
	q = calloc(1, sizeof(*q) + max * sizeof(q->jobs[0]));
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	q->max = max;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	r = pthread_create(&q->thread, NULL, graphs_queue_main, q);
	if (r != 0) {
		snprintf(err, errlen, "cannot start the drawing thread: %s", strerror(r));
		pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return -r;
	}
	*out = q;
	return 0;
}

int graphs_queue_submit(struct graphs_queue *q, graphs_job_fn fn, void *ctx)
{
	int r = 0;

	pthread_mutex_lock(&q->mu);
	if (q->stopping)
		r = -ESHUTDOWN;
	else if (q->n >= q->max)
		r = -EBUSY;
	else {
		q->jobs[(q->head + q->n) % q->max] = (struct graphs_job){ fn, ctx };
		q->n++;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return r;
}

unsigned graphs_queue_pending(struct graphs_queue *q)
{
	unsigned n;

	pthread_mutex_lock(&q->mu);
	n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void graphs_queue_stop(struct graphs_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
