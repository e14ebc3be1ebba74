/*
 * graphs_queue_test.c — unit tests for graphs_queue.c: jobs run one at a
 * time in order on the drawing thread; past max drawing or waiting a job is
 * refused (-EBUSY) and the queue takes jobs again once one is done;
 * stopping refuses new jobs, lets the running job finish and calls each
 * waiting one cancelled.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "../graphs_queue.h"

/* A job that waits at a gate, then records its turn. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
	int order[8], cancelled[8], n;
};

struct job {
	struct gate *g;
	int id;
};

static void gate_job(void *ctx, bool cancelled)
{
	struct job *j = ctx;
	struct gate *g = j->g;

	pthread_mutex_lock(&g->mu);
	while (!g->open && !cancelled)
		pthread_cond_wait(&g->cv, &g->mu);
	g->order[g->n] = j->id;
	g->cancelled[g->n++] = cancelled;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void gate_wait(struct gate *g, int n)
{
	pthread_mutex_lock(&g->mu);
	while (g->n < n)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void test_bound(void **state)
{
	struct gate g = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, { 0 }, { 0 }, 0
	};
	struct job j[4] = { { &g, 1 }, { &g, 2 }, { &g, 3 }, { &g, 4 } };
	struct graphs_queue *q;
	char err[128];

	(void)state;
	assert_int_equal(graphs_queue_start(&q, 2, err, sizeof(err)), 0);
	assert_int_equal(graphs_queue_submit(q, gate_job, &j[0]), 0);
	assert_int_equal(graphs_queue_submit(q, gate_job, &j[1]), 0);
	assert_int_equal(graphs_queue_pending(q), 2);
	assert_int_equal(graphs_queue_submit(q, gate_job, &j[2]), -EBUSY); /* past the bound */
	gate_open(&g);
	gate_wait(&g, 2);
	while (graphs_queue_pending(q) > 0)
		usleep(1000);
	assert_int_equal(graphs_queue_submit(q, gate_job, &j[3]), 0); /* room again */
	gate_wait(&g, 3);
	graphs_queue_stop(q);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.order[0], 1);
	assert_int_equal(g.order[1], 2);
	assert_int_equal(g.order[2], 4);
	assert_int_equal(g.cancelled[0] + g.cancelled[1] + g.cancelled[2], 0);
}

static void *stopper(void *arg)
{
	graphs_queue_stop(arg);
	return NULL;
}

static void test_stop_cancels(void **state)
{
	struct gate g = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, { 0 }, { 0 }, 0
	};
	struct job j[3] = { { &g, 1 }, { &g, 2 }, { &g, 3 } };
	struct graphs_queue *q;
	pthread_t t;
	char err[128];

	(void)state;
	assert_int_equal(graphs_queue_start(&q, 3, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(graphs_queue_submit(q, gate_job, &j[i]), 0);
	assert_int_equal(pthread_create(&t, NULL, stopper, q), 0);
	/* full, then stopping: a job is refused with -ESHUTDOWN once stop began */
	while (graphs_queue_submit(q, gate_job, &j[0]) == -EBUSY)
		usleep(1000);
	assert_int_equal(graphs_queue_submit(q, gate_job, &j[0]), -ESHUTDOWN);
	assert_int_equal(g.n, 0); /* the stop waits for the running job */
	gate_open(&g);
	pthread_join(t, NULL);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.order[0], 1);
	assert_false(g.cancelled[0]); /* the running one finished */
	assert_true(g.cancelled[1]); /* the waiting ones were told */
	assert_true(g.cancelled[2]);
	graphs_queue_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_stop_cancels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
