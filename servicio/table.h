/*
 * table.h — the per-cycle table servicio prints on stdout, read straight
 * from the cycle's container records (cycle.h): the decided ones first in
 * decision order, then the managed ones not decided, the admin_logs
 * container and servicio's own with a note; the others (not managed) only
 * counted. One line each (name, id, class, CPU %, memory, decision) under a
 * header line with the cycle's title and counts. Colour (decision and
 * class) only when asked, which the caller decides from isatty().
 */
#ifndef SERVICIO_TABLE_H
#define SERVICIO_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cycle.h"

/* The table of cycle c under title (e.g. "cycle 3 · 12:00:01 · procfs"). */
void table_print(FILE *out, const char *title, const struct cycle *c, bool colour);

/* "512.0M", "1.2G", "840K": memory for people, into buf. */
const char *table_fmt_mem(uint64_t kb, char *buf, size_t cap);

#endif
