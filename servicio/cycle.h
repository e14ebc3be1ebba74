/*
 * cycle.h — what one cycle carries from stage to stage:
 *
 *   measure (measure.h)  snapshot + rates, the running containers
 *   decide  (decide.h)   classify and rank (policy.h), an action per row
 *   act     (act.h)      the removal workers carry out the removals
 *   record  (record.h)   the table on stdout, the batch of log records
 *   ship    (ship.h)     the batch to admin_logs, or to the spool
 *
 * One struct cycle_row per running container; the stages fill it in turn.
 * The actions are an enum with one name table (record.h), used where the
 * JSON records and the table are written.
 */
#ifndef SERVICIO_CYCLE_H
#define SERVICIO_CYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrstats.h"
#include "docker.h"
#include "policy.h"
#include "snapshot.h"

/* What happens to a container this cycle. */
enum cycle_action {
	CYCLE_NONE, /* not decided (a note says why) */
	CYCLE_KEPT,
	CYCLE_WOULD_REMOVE, /* dry run */
	CYCLE_REMOVE, /* decided; act turns it into one of the two below */
	CYCLE_REMOVED,
	CYCLE_REMOVE_FAILED,
};

/* Why a row decided remove was kept this cycle (rails.h). */
enum cycle_hold {
	CYCLE_HOLD_NONE,
	CYCLE_HOLD_PROTECTED, /* the protect label */
	CYCLE_HOLD_GRACE, /* younger than the grace age */
	CYCLE_HOLD_CAP, /* the cap of removals per cycle was reached */
};

struct cycle_row {
	const struct docker_container *dc;
	const struct ctr_stat *st; /* NULL: no processes seen */
	struct policy_ctr pc; /* what the policy sees */
	const struct policy_decision *dec; /* NULL: not decided */
	enum cycle_action action;
	const char *note; /* table text when not decided */
	enum cycle_hold hold; /* a rail kept it (action CYCLE_KEPT) */
	int64_t remove_at_ns; /* CYCLE_HOLD_GRACE: real time it becomes removable */
	bool gone; /* not there any more when we came to remove it */
	int rm_ret;
	char rm_err[256];
	char reason[400];
};

/* One cycle's data, owned by the cycle (run_cycle frees it). */
struct cycle {
	uint64_t number;
	struct snapshot cur;
	struct ctrstats cs;
	const struct docker_container_list *dl; /* the measure stage's */
	bool settled; /* a second sample was taken for first-seen containers */
	struct cycle_row *rows; /* one per dl->items[i] */
	struct policy_decision *dec; /* ndec decisions, policy order */
	size_t nrows, ndec;
	uint64_t dec_ts; /* real time of the decision */
};

#endif
