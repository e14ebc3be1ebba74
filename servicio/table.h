/*
 * table.h — the per-cycle table servicio prints on stdout: one row per
 * container (name, id, class, CPU %, memory, decision) under a header line
 * with the cycle number and counts. Colour (decision and class) only when
 * asked, which the caller decides from isatty().
 */
#ifndef SERVICIO_TABLE_H
#define SERVICIO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct table_row {
	const char *name;
	const char *id;
	const char *cls; /* "high", "low", or "-" when not decided */
	bool has_rate; /* CPU % known */
	double cpu_pct;
	uint64_t mem_kb;
	const char *decision; /* "kept", "removed", "would_remove", "remove_failed", or a note */
};

/*
 * One cycle. title: e.g. "cycle 3 · 12:00:01 · procfs"; hidden: containers
 * left out of the rows (not managed), counted in a last line when > 0.
 */
void table_print(FILE *out, const char *title, const struct table_row *rows, size_t n,
		 size_t hidden, bool colour);

/* "512.0M", "1.2G", "840K": memory for people, into buf. */
const char *table_fmt_mem(uint64_t kb, char *buf, size_t cap);

#endif
