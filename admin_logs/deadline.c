/*
 * deadline.c — per-phase connection deadlines and their watchdog (see
 * deadline.h). The connections are a doubly linked list under one mutex;
 * the watchdog walks it every DEADLINE_TICK_MS and shuts down the sockets
 * whose phase deadline has passed (each at most once).
 */
#include "deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"

enum deadline_phase { DL_HEADERS, DL_BODY, DL_ANSWER, DL_SEND };

struct deadline_conn {
	struct deadline_conn *prev, *next;
	int fd;
	enum deadline_phase phase;
	uint64_t due_ns; /* 0: no deadline in this phase */
	bool cut;
};

struct deadline {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool stopping;
	uint64_t headers_ns, body_ns, send_ns;
	struct deadline_conn *head;
	uint64_t cut_headers, cut_bodies, cut_answers;
};

static void deadline_set(struct deadline_conn *c, enum deadline_phase p, uint64_t limit_ns)
{
	c->phase = p;
	c->due_ns = limit_ns ? util_mono_ns() + limit_ns : 0;
}

static void deadline_sweep(struct deadline *d)
{
	uint64_t now = util_mono_ns();

	for (struct deadline_conn *c = d->head; c; c = c->next) {
		if (c->cut || c->due_ns == 0 || now < c->due_ns || c->phase == DL_ANSWER)
			continue;
		c->cut = true;
		if (c->phase == DL_HEADERS)
			d->cut_headers++;
		else if (c->phase == DL_BODY)
			d->cut_bodies++;
		else
			d->cut_answers++;
		/* the server reads end-of-file and closes; the fd stays its own */
		shutdown(c->fd, SHUT_RDWR);
	}
}

static void *deadline_main(void *arg)
{
	struct deadline *d = arg;
	struct timespec ts;

	pthread_mutex_lock(&d->mu);
	while (!d->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += DEADLINE_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&d->cv, &d->mu, &ts);
		if (!d->stopping)
			deadline_sweep(d);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int deadline_start(struct deadline **out, uint64_t headers_ns, uint64_t body_ns, uint64_t send_ns,
		   char *err, size_t errlen)
{
	struct deadline *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->headers_ns = headers_ns;
	d->body_ns = body_ns;
	d->send_ns = send_ns;
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	r = pthread_create(&d->thread, NULL, deadline_main, d);
	if (r != 0) {
		snprintf(err, errlen, "deadline watchdog thread: %s", strerror(r));
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return -r;
	}
	*out = d;
	return 0;
}

void deadline_stop(struct deadline *d)
{
	struct deadline_conn *c, *next;

	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stopping = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->thread, NULL);
	for (c = d->head; c; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

struct deadline_conn *deadline_open(struct deadline *d, int fd)
{
	struct deadline_conn *c;

	if (!d || fd < 0 || !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->fd = fd;
	pthread_mutex_lock(&d->mu);
	deadline_set(c, DL_HEADERS, d->headers_ns);
	c->next = d->head;
	if (d->head)
		d->head->prev = c;
	d->head = c;
	pthread_mutex_unlock(&d->mu);
	return c;
}

void deadline_close(struct deadline *d, struct deadline_conn *c)
{
	if (!d || !c)
		return;
	pthread_mutex_lock(&d->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&d->mu);
	free(c);
}

void deadline_headers_in(struct deadline *d, struct deadline_conn *c, bool body_follows)
{
	if (!d || !c)
		return;
	pthread_mutex_lock(&d->mu);
	if (body_follows)
		deadline_set(c, DL_BODY, d->body_ns);
	else
		deadline_set(c, DL_ANSWER, 0);
	pthread_mutex_unlock(&d->mu);
}

void deadline_answering(struct deadline *d, struct deadline_conn *c)
{
	if (!d || !c)
		return;
	pthread_mutex_lock(&d->mu);
	deadline_set(c, DL_ANSWER, 0);
	pthread_mutex_unlock(&d->mu);
}

void deadline_sending(struct deadline *d, struct deadline_conn *c)
{
	if (!d || !c)
		return;
	pthread_mutex_lock(&d->mu);
	deadline_set(c, DL_SEND, d->send_ns);
	pthread_mutex_unlock(&d->mu);
}

void deadline_request_done(struct deadline *d, struct deadline_conn *c)
{
	if (!d || !c)
		return;
	pthread_mutex_lock(&d->mu);
	deadline_set(c, DL_HEADERS, d->headers_ns);
	pthread_mutex_unlock(&d->mu);
}

void deadline_counts(struct deadline *d, uint64_t *headers, uint64_t *bodies, uint64_t *answers)
{
	*headers = *bodies = *answers = 0;
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	*headers = d->cut_headers;
	*bodies = d->cut_bodies;
	*answers = d->cut_answers;
	pthread_mutex_unlock(&d->mu);
}

void deadline_rest(struct deadline *d, unsigned *conns, bool *at_rest)
{
	*conns = 0;
	*at_rest = true;
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	for (struct deadline_conn *c = d->head; c; c = c->next) {
		int unread = 0;

		(*conns)++;
		if (c->phase == DL_ANSWER || ioctl(c->fd, FIONREAD, &unread) < 0 || unread > 0)
			*at_rest = false;
	}
	pthread_mutex_unlock(&d->mu);
}
