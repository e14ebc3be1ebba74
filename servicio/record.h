/*
 * record.h — the fourth stage of a cycle: what it did, written down twice.
 * For people, the table on stdout (table.h): decided containers first in
 * decision order, then the others with a note (unmanaged ones only
 * counted). For admin_logs, one batch {batch_id, host, records}: a sample
 * record (system memory and CPU, each measured container with its cgroup
 * and network counters when read) and one decision
 * record per decided container (docs/log-api.md).
 */
#ifndef SERVICIO_RECORD_H
#define SERVICIO_RECORD_H

#include <stdbool.h>
#include <stdio.h>

#include "ctrio.h"
#include "cycle.h"

struct record_ctx {
	const char *run_id; /* the batch id is "<run_id>-<cycle>" */
	const char *host;
	bool dry_run;
	bool colour; /* the table's */
	int keep_high, keep_low; /* the quota, in the sample record (the dashboard shows it) */
	const struct ctrio *io; /* per c->rows[i] (ctrio_read_cycle), NULL: none in the sample */
};

/* Print the cycle's table on out. */
void record_table(FILE *out, const struct cycle *c, const struct record_ctx *x);

/* The batch as compact JSON (malloc'd, caller frees), NULL when out of memory. */
char *record_batch(const struct cycle *c, const struct record_ctx *x);

#endif
