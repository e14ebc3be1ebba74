/*
 * decide.h — the second stage of a cycle: for each running container, what
 * the policy sees (managed, the admin_logs container, servicio's own, its
 * rate, memory and start), the policy's decisions (policy.h), and the
 * action each decided container gets: kept, would_remove (dry run) or
 * remove; the others get a note for the table.
 */
#ifndef SERVICIO_DECIDE_H
#define SERVICIO_DECIDE_H

#include <stdbool.h>

#include "cycle.h"
#include "gestor.h"
#include "policy.h"
#include "rails.h"

/*
 * The containers kept at the last decision, with their class: the
 * incumbents of the policy's hysteresis (policy.h). Owned by the manager,
 * replaced by each decide_cycle().
 */
struct decide_kept {
	struct decide_kept_ctr {
		char id[GESTOR_CTR_ID_LEN + 1];
		int cls; /* enum policy_class */
	} * v;
	size_t n;
};

void decide_kept_free(struct decide_kept *k);

struct decide_ctx {
	struct policy_params pp;
	const char *scope; /* "key=value" managed containers must carry too; "" none */
	const char *admin_id; /* the admin_logs container's id, "" unknown */
	const char *self_id; /* servicio's own container's id, "" none */
	bool dry_run;
	struct rails_params rails; /* zero: no rail holds a removal back */
	struct decide_kept *kept; /* read and replaced; NULL: no hysteresis */
};

/*
 * Fill the decide part of c's records (cycle_rows made them) and c->dec.
 * Returns the number of containers to remove (action CYCLE_REMOVE), or
 * -ENOMEM (then nrows is 0: no later stage reads undecided rows).
 */
int decide_cycle(struct cycle *c, const struct decide_ctx *x);

#endif
