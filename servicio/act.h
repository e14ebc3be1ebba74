/*
 * act.h — the third stage of a cycle: the containers decided CYCLE_REMOVE
 * are removed (kill + force delete, docker_ctl.h) by a few workers at the
 * same time — Docker takes a few hundred ms per removal, most of it
 * waiting — each worker on its own connection (a struct docker is for one
 * thread). Each row ends CYCLE_REMOVED (its reason says when the container
 * was already gone) or CYCLE_REMOVE_FAILED (with Docker's error).
 */
#ifndef SERVICIO_ACT_H
#define SERVICIO_ACT_H

#include <stddef.h>

#include "cycle.h"
#include "docker.h"

struct act_result {
	size_t removed, failed;
	/* a failure that says the daemon is unreachable (its message), or "" */
	char docker_err[256];
};

/* Remove the rows of c marked CYCLE_REMOVE; dk serves when there is one. */
void act_remove(struct cycle *c, struct docker *dk, const char *socket, struct act_result *out);

#endif
