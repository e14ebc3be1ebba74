/*
 * cycle.c — the cycle's container records: made from Docker's list and
 * pointed at their measurement (see cycle.h).
 */
#include "cycle.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

static const char *const cycle_actions[] = {
	[CYCLE_NONE] = "",
	[CYCLE_KEPT] = "kept",
	[CYCLE_WOULD_REMOVE] = "would_remove",
	[CYCLE_REMOVE] = "remove",
	[CYCLE_REMOVED] = "removed",
	[CYCLE_REMOVE_FAILED] = "remove_failed",
};

const char *cycle_action_name(enum cycle_action a)
{
	return (size_t)a < UTIL_ARRAY_LEN(cycle_actions) ? cycle_actions[a] : "";
}

void cycle_free_rows(struct cycle *c)
{
	free(c->rows);
	free(c->dec);
	c->rows = NULL;
	c->dec = NULL;
	c->nrows = c->ndec = 0;
}

int cycle_rows(struct cycle *c)
{
	size_t n = c->dl ? c->dl->n : 0;

	cycle_free_rows(c);
	c->rows = calloc(n ? n : 1, sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	c->nrows = n;
	for (size_t i = 0; i < n; i++)
		c->rows[i].dc = &c->dl->items[i];
	cycle_measured(c);
	return 0;
}

void cycle_measured(struct cycle *c)
{
	for (size_t i = 0; i < c->nrows; i++) {
		struct cycle_row *r = &c->rows[i];

		r->sc = snapshot_find_ctr(&c->cur, r->dc->id);
		r->st = ctrstats_find(&c->cs, r->dc->id);
	}
}
