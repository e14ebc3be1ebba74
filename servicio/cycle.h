/*
 * cycle.h — what one cycle carries from stage to stage, and the container
 * record it is made of:
 *
 *   measure (measure.h)  snapshot + rates, the running containers, and a
 *                        record per running container (cycle_rows)
 *   decide  (decide.h)   classify and rank (policy.h), an action per record
 *   act     (act.h)      the removal workers carry out the removals
 *   record  (record.h)   the table on stdout (table.h), the batch of log records
 *   ship    (ship.h)     the batch to admin_logs, or to the spool
 *   and, beside them, status.json (status.h) and /metrics (promexp.h)
 *
 * One struct cycle_row per running container, in c->rows, owned by the
 * cycle; the stages fill it in turn and hand it on by pointer or index,
 * never copied into a struct of their own. The other per-container structs
 * are each something else, which the record points at or is read into:
 *
 *   docker_container (docker.h)  Docker's answer, before it is matched to a
 *       measurement; measure's list, kept across cycles while the set of
 *       containers stays the same. The record's identity points at it.
 *   snap_ctr (snapshot.h)  a container's processes as the metrics source
 *       grouped them; `servicio stats`/`sysinfo` read it without a cycle.
 *       The record points at it.
 *   ctr_stat (ctrstats.h)  the rates of two snapshots (CPU %, cgroup
 *       memory), parallel to the snapshot's containers, each pointing at
 *       its snap_ctr for the sums it does not copy; `servicio stats`
 *       reads it too. The record points at it.
 *   policy_ctr (policy.h)  the policy's input, kept pure for its tests: a
 *       member of the record, read in place (policy_decide).
 *   policy_decision (policy.h)  the policy's output, in decision order
 *       (c->dec); the record points at its own, whose reason the rails and
 *       act append to.
 *   struct ctrio (ctrio.h)  the cgroup and network counters: an array
 *       index-aligned with c->rows (ctrio_read_every), read by record and
 *       /metrics at the record's index.
 *   promexp_ctr (promexp.h)  what /metrics serves from its own thread after
 *       the cycle is freed, and carries from one cycle to the next (the CPU
 *       counter): a copy by necessity, made once per cycle.
 *   decide_kept_ctr (decide.h)  the containers kept at the last decision,
 *       which outlive the cycle (the next decision's incumbents) and are
 *       saved in the state directory.
 *   status_row (status.h)  `servicio top`'s reading of status.json, in
 *       another process.
 *
 * A container's id is GESTOR_CTR_ID_LEN hex digits (lib/gestor.h), its
 * labels and roles gestor.h's named constants, in both programs.
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

/* "kept", "would_remove", "remove", "removed", "remove_failed" ("" none):
 * the one name table, for the records, the table, status.json and /metrics. */
const char *cycle_action_name(enum cycle_action a);

/* Why a row decided remove was kept this cycle (rails.h). */
enum cycle_hold {
	CYCLE_HOLD_NONE,
	CYCLE_HOLD_PROTECTED, /* the protect label */
	CYCLE_HOLD_GRACE, /* younger than the grace age */
	CYCLE_HOLD_CAP, /* the cap of removals per cycle was reached */
};

/*
 * The container record: one per running container, made once per cycle
 * (cycle_rows(), after measuring) in c->rows and handed on, by pointer or
 * index, to every later stage. Each stage fills its own part; nothing of it
 * is copied into a stage's own struct. The identity and the measurement are
 * views into what the cycle already holds (the list, the snapshot, its
 * stats), never copies.
 */
struct cycle_row {
	/* identity: Docker's list entry (measure's list) */
	const struct docker_container *dc;
	/* measurement (views into c->cur, c->cs; NULL: no processes seen) */
	const struct snap_ctr *sc;
	const struct ctr_stat *st;
	/* decide: what the policy sees, read there in place (policy_decide) */
	struct policy_ctr pc;
	/* the decision, in c->dec; NULL: not decided. Its reason is the row's:
	 * the rails and the removal append to it in place */
	struct policy_decision *dec;
	enum cycle_action action;
	const char *note; /* table text when not decided */
	enum cycle_hold hold; /* a rail kept it (action CYCLE_KEPT) */
	int64_t remove_at_ns; /* CYCLE_HOLD_GRACE: real time it becomes removable */
	/* act */
	bool gone; /* not there any more when we came to remove it */
	int rm_ret;
	char rm_err[256];
};

/* One cycle's data, owned by the cycle (run_cycle frees it). */
struct cycle {
	uint64_t number;
	struct snapshot cur;
	struct ctrstats cs;
	const struct docker_container_list *dl; /* the measure stage's */
	bool settled; /* a second sample was taken for first-seen containers */
	struct cycle_row *rows; /* the records, one per dl->items[i] (cycle_rows) */
	struct policy_decision *dec; /* ndec decisions, policy order (decide_cycle) */
	size_t nrows, ndec;
	uint64_t dec_ts; /* real time of the decision */
};

/*
 * The records of c: one per c->dl item, with its identity and its
 * measurement in c->cur and c->cs (measure_list makes them; measure_settle
 * points them at the settle sample); what was there before is freed. 0 or
 * -ENOMEM (then none: nrows 0).
 */
int cycle_rows(struct cycle *c);

/* Point each record at its measurement in c->cur and c->cs again. */
void cycle_measured(struct cycle *c);

/* Free the records and the decisions (the snapshot and stats are measure's). */
void cycle_free_rows(struct cycle *c);

#endif
