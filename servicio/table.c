/*
 * table.c — fixed-width rendering of one cycle (see table.h). Names are cut
 * to their column and stripped of control characters, so a hostile
 * container name cannot break the layout or the terminal.
 */
#include "table.h"

#include <string.h>

#define C_RESET "\033[0m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

const char *table_fmt_mem(uint64_t kb, char *buf, size_t cap)
{
	if (kb >= 1024ull * 1024)
		snprintf(buf, cap, "%.1fG", (double)kb / (1024.0 * 1024.0));
	else if (kb >= 1024)
		snprintf(buf, cap, "%.1fM", (double)kb / 1024.0);
	else
		snprintf(buf, cap, "%lluK", (unsigned long long)kb);
	return buf;
}

/* Copy at most width printable bytes of s. */
static void clean(char *dst, size_t width, const char *s)
{
	size_t j = 0;

	for (size_t i = 0; s && s[i] && j < width; i++)
		dst[j++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[j] = '\0';
}

static const char *decision_colour(const char *d)
{
	if (strcmp(d, "removed") == 0 || strcmp(d, "remove_failed") == 0)
		return C_RED;
	if (strcmp(d, "would_remove") == 0)
		return C_YELLOW;
	if (strncmp(d, "kept", 4) == 0)
		return C_GREEN;
	return C_DIM;
}

/* The decision column of record r: decided, or its note. */
static const char *table_decision(const struct cycle_row *r)
{
	static const char *const held[] = { [CYCLE_HOLD_PROTECTED] = "kept (protected)",
					    [CYCLE_HOLD_GRACE] = "kept (grace age)",
					    [CYCLE_HOLD_CAP] = "kept (removal cap)" };

	if (!r->dec)
		return r->note ? r->note : "";
	return r->hold != CYCLE_HOLD_NONE ? held[r->hold] : cycle_action_name(r->action);
}

/* Record r's line (its class "-" when not decided). */
static void table_line(FILE *out, const struct cycle_row *r, bool colour)
{
	const char *cls = r->dec ? policy_class_name(r->dec->cls) : "-";
	bool has_rate = r->dec ? true : r->st && r->st->has_cpu;
	char name[33], id[13], cpu[16], mem[16], dec[40];

	clean(name, 32, r->dc->name);
	clean(id, 12, r->dc->id);
	clean(dec, 39, table_decision(r));
	if (has_rate)
		snprintf(cpu, sizeof(cpu), "%.1f", r->st->cpu_pct);
	else
		snprintf(cpu, sizeof(cpu), "-");
	table_fmt_mem(r->st ? r->st->mem_kb : 0, mem, sizeof(mem));
	if (colour)
		fprintf(out, "%-32s %-12s %s%-5s%s %8s %9s  %s%s%s\n", name, id,
			strcmp(cls, "high") == 0 ? C_BOLD : "", cls, C_RESET, cpu, mem,
			decision_colour(dec), dec, C_RESET);
	else
		fprintf(out, "%-32s %-12s %-5s %8s %9s  %s\n", name, id, cls, cpu, mem, dec);
}

/* Whether undecided record r has a line: managed, admin_logs or servicio's. */
static bool table_shown(const struct cycle_row *r)
{
	return r->pc.managed || r->pc.admin_logs || r->pc.self;
}

/* The next shown record in table order from *j on (start at 0), NULL: none left. */
static const struct cycle_row *table_next(const struct cycle *c, size_t *j)
{
	while (*j < c->ndec + c->nrows) {
		size_t at = (*j)++;
		const struct cycle_row *r =
			at < c->ndec ? &c->rows[c->dec[at].idx] : &c->rows[at - c->ndec];

		if (at < c->ndec)
			return r; /* the decided ones, in decision order */
		if (!r->dec && table_shown(r))
			return r;
	}
	return NULL;
}

void table_print(FILE *out, const char *title, const struct cycle *c, bool colour)
{
	size_t removed = 0, kept = 0, hidden = 0;
	const struct cycle_row *r;

	for (size_t i = 0; i < c->nrows; i++)
		hidden += !c->rows[i].dec && !table_shown(&c->rows[i]);
	for (size_t j = 0; (r = table_next(c, &j));) {
		const char *d = table_decision(r);

		if (strncmp(d, "kept", 4) == 0)
			kept++;
		else if (strstr(d, "remove"))
			removed++;
	}
	fprintf(out, "%s%s%s  (%zu managed, %zu kept, %zu removed)\n", colour ? C_BOLD : "", title,
		colour ? C_RESET : "", kept + removed, kept, removed);
	fprintf(out, "%-32s %-12s %-5s %8s %9s  %s\n", "CONTAINER", "ID", "CLASS", "CPU %",
		"MEMORY", "DECISION");
	for (size_t j = 0; (r = table_next(c, &j));)
		table_line(out, r, colour);
	if (hidden)
		fprintf(out, "%s(+%zu other containers, not managed: not shown)%s\n",
			colour ? C_DIM : "", hidden, colour ? C_RESET : "");
	fflush(out);
}
