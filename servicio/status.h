/*
 * status.h — the status file: each cycle servicio writes what it saw and
 * decided about its managed containers to <state-dir>/status.json (state.h,
 * atomically, not fsync'ed: it is redone every cycle), and `servicio top`
 * (top.h) reads it. Here: the file's text from a cycle, its parse (bounded,
 * strict), and what the view does with the rows (sort, filter, the time to
 * removal), pure so that unit tests cover them.
 *
 *   {"ts_ns": real time of the decision, "cycle": N, "interval_s": S,
 *    "dry_run": bool, "pid": servicio's pid,
 *    "containers": [{"id", "name", "class": "high|low|-", "has_rate",
 *                    "cpu_pct", "mem_kb", "decision", "reason",
 *                    "remove_at_ns": real time (grace), else 0}]}
 *
 * decision: kept, removed, would_remove, remove_failed, protected, grace,
 * capped (the rails, rails.h), or pending (managed, not decided yet).
 */
#ifndef SERVICIO_STATUS_H
#define SERVICIO_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cycle.h"
#include "gestor.h"

#define STATUS_MAX_ROWS 100000

struct status_row {
	char id[GESTOR_CTR_ID_LEN + 1];
	char name[128]; /* control characters replaced, cut */
	char cls[8];
	bool has_rate;
	double cpu_pct;
	uint64_t mem_kb;
	char decision[16];
	char reason[400];
	int64_t remove_at_ns;
};

struct status {
	int64_t ts_ns;
	uint64_t cycle;
	double interval_s;
	bool dry_run;
	long pid;
	struct status_row *rows;
	size_t n;
};

/* The file's text for cycle c (malloc'd), NULL when out of memory. */
char *status_format(const struct cycle *c, double interval_s, bool dry_run);

/* Parse the text (len bytes) into out. 0, or -EINVAL with err, or -ENOMEM. */
int status_parse(const char *text, size_t len, struct status *out, char *err, size_t errlen);

void status_free(struct status *s);

enum status_sort { STATUS_SORT_CPU, STATUS_SORT_MEM, STATUS_SORT_NAME, STATUS_SORT_REMOVAL };

/* Sort rows: CPU and memory heaviest first, names A-Z, the soonest removal first. */
void status_sort(struct status_row *rows, size_t n, enum status_sort by);

/* Whether the row's name, class or decision contains filter ("" matches all). */
bool status_match(const struct status_row *r, const char *filter);

/*
 * When the row's container goes, for people: "now" (decided remove),
 * "12s" (grace), "next cycle" (capped), "never" (protected), "dry run",
 * "gone", or "-" (kept).
 */
const char *status_removal_text(const struct status_row *r, int64_t now_ns, char *buf, size_t cap);

#endif
