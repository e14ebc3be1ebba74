/*
 * act.c — the removal workers (see act.h).
 */
#include "act.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_ctl.h"
#include "log.h"
#include "util.h"

#define ACT_WORKERS 4 /* containers removed at the same time */

struct act_job {
	struct cycle_row **todo;
	size_t n;
	atomic_size_t next;
	const char *socket, *api;
	long timeout_ms;
	void (*alive)(void);
};

static void *act_worker(void *arg)
{
	struct act_job *j = arg;
	struct docker_opts o = { .socket_path = j->socket,
				 .api_version = j->api,
				 .timeout_ms = j->timeout_ms,
				 .alive = j->alive };
	struct docker *d = NULL;
	char err[256];
	int oret = docker_open(&d, &o, err, sizeof(err));

	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) {
		struct cycle_row *r = j->todo[i];

		if (oret) {
			r->rm_ret = oret;
			util_strlcpy(r->rm_err, err, sizeof(r->rm_err));
			continue;
		}
		r->rm_ret = dctl_remove(d, r->dc->id, &r->gone, r->rm_err, sizeof(r->rm_err));
	}
	if (d)
		docker_close(d);
	return NULL;
}

/* Record how the removal of r went. */
static void act_done(struct cycle_row *r, struct act_result *out)
{
	char *reason = r->dec->reason; /* the decision's, appended to in place */
	size_t cap = sizeof(r->dec->reason), l = strlen(reason);

	if (r->rm_ret == 0) {
		r->action = CYCLE_REMOVED;
		out->removed++;
		if (r->gone)
			snprintf(reason + l, cap - l, "; it was already gone");
		log_info("removed %s (%.12s): %s", r->dc->name, r->dc->id, reason);
		return;
	}
	r->action = CYCLE_REMOVE_FAILED;
	out->failed++;
	snprintf(reason + l, cap - l, "; removal failed: %s", r->rm_err);
	log_warnx("could not remove %s (%.12s): %s", r->dc->name, r->dc->id, r->rm_err);
	if (r->rm_ret == -ECONNREFUSED || r->rm_ret == -ENOENT || r->rm_ret == -ETIMEDOUT)
		util_strlcpy(out->docker_err, r->rm_err, sizeof(out->docker_err));
}

/* Run the job on up to ACT_WORKERS threads, or here when one is enough. */
static void act_run(struct act_job *j, struct docker *dk)
{
	pthread_t th[ACT_WORKERS];
	size_t nth = 0;

	if (j->n > 1) {
		while (nth < ACT_WORKERS && nth < j->n &&
		       pthread_create(&th[nth], NULL, act_worker, j) == 0)
			nth++;
	}
	if (nth == 0) {
		for (size_t i = 0; i < j->n; i++) {
			struct cycle_row *r = j->todo[i];

			r->rm_ret =
				dctl_remove(dk, r->dc->id, &r->gone, r->rm_err, sizeof(r->rm_err));
		}
	}
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
}

void act_remove(struct cycle *c, struct docker *dk, const char *socket, struct act_result *out)
{
	struct act_job j = { .socket = socket,
			     .api = docker_api_version(dk),
			     .timeout_ms = docker_timeout_ms(dk),
			     .alive = docker_alive_fn(dk) };

	memset(out, 0, sizeof(*out));
	/* an array of row pointers: each element is a pointer */
	j.todo = calloc(c->ndec ? c->ndec : 1,
			sizeof(*j.todo)); // NOLINT(bugprone-sizeof-expression)
	if (!j.todo)
		return;
	for (size_t k = 0; k < c->ndec; k++) {
		struct cycle_row *r = &c->rows[c->dec[k].idx];

		if (r->action == CYCLE_REMOVE)
			j.todo[j.n++] = r;
	}
	atomic_init(&j.next, 0);
	act_run(&j, dk);
	for (size_t i = 0; i < j.n; i++)
		act_done(j.todo[i], out);
	free(j.todo);
}
