/*
 * measure.h — the first stage of a cycle: a snapshot and its rates against
 * the previous one (metrics.h), and the running containers (Docker's list,
 * reused while the set of containers in the snapshots stays the same).
 *
 * Containers seen for the first time have no interval rate: they are rated
 * over their lifetime once settle_ms old (a burner is a burner from its
 * start); a younger one makes the cycle wait until it is, then measure
 * again, so it is decided in this cycle, not one interval later.
 */
#ifndef SERVICIO_MEASURE_H
#define SERVICIO_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "cycle.h"
#include "docker.h"
#include "metrics.h"

struct measure {
	struct metrics met;
	uint64_t settle_ns;
	const char *scope; /* config: managed containers' extra label */
	struct docker_container_list dl; /* the last list of running containers */
	bool dl_valid;
	uint64_t dl_sig;
	unsigned dl_cycles;
};

/* The metrics session (metrics_open: the source chosen once, why says
 * which). 0 or -errno; measure_close() follows either way. */
int measure_open(struct measure *ms, const struct metrics_config *mc, int settle_ms,
		 const char *scope, char *why, size_t whylen);
void measure_close(struct measure *ms);

/* A snapshot and its rates into c->cur, c->cs (logged on failure). 0 or -errno. */
int measure_sample(struct measure *ms, struct cycle *c);

/* The running containers for c->cur into c->dl: the kept list, or asked
 * again; then the cycle's container records (cycle_rows: none when out of
 * memory). 0 or -errno with err (*what names the Docker call that failed). */
int measure_list(struct measure *ms, struct docker *dk, struct cycle *c, const char **what,
		 char *err, size_t errlen);

/* First-seen managed containers (by the records): lifetime rates, and the
 * settle sample when one is too young (not when stopping() says so; the
 * records then point into the new sample). */
void measure_settle(struct measure *ms, struct cycle *c, bool (*stopping)(void));

/* The set of containers changes (a removal): list again next cycle. */
void measure_forget_list(struct measure *ms);

/* The end of the cycle: c->cur becomes the previous snapshot; c's stats
 * and records are freed. */
void measure_advance(struct measure *ms, struct cycle *c);

#endif
