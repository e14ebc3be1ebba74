/*
 * rails.h — the safety rails between the policy's decision and a removal:
 * the policy (policy.h) says which managed containers go; a rail can hold
 * one back for this cycle, and the row then ends kept with the rail named
 * in its reason (the table, admin_logs):
 *
 *   protect  a container carrying the protect label (default
 *            gestor.protect=true) is never removed;
 *   grace    one younger than grace_ns is not removed yet: it is decided
 *            again once that old (remove_at_ns says when);
 *   cap      at most max_removals removals (or would-be removals in a dry
 *            run) per cycle; the rest wait for the next cycle.
 *
 * A held container is not an incumbent of the hysteresis (decide.h): only
 * the policy's keeps are. Pure: the caller gives the clock.
 */
#ifndef SERVICIO_RAILS_H
#define SERVICIO_RAILS_H

#include <stdbool.h>
#include <stdint.h>

#include "cycle.h"

struct rails_params {
	const char *protect; /* "key=value" that protects; NULL or "": none */
	int64_t grace_ns; /* minimum age before a removal; 0: none */
	int max_removals; /* per cycle; 0: no cap */
};

/* Whether dc carries the protect label ("key=value"). */
bool rails_protected(const struct docker_container *dc, const char *protect);

/*
 * Hold back the rows of c decided remove (CYCLE_REMOVE, or
 * CYCLE_WOULD_REMOVE in a dry run) that a rail protects, in decision
 * order; now_ns is the real time. Returns the removals left.
 */
int rails_apply(struct cycle *c, const struct rails_params *p, int64_t now_ns);

/* "protected", "grace" or "capped" for a held row; "" otherwise. */
const char *rails_hold_name(enum cycle_hold h);

#endif
