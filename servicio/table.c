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

void table_print(FILE *out, const char *title, const struct table_row *rows, size_t n,
		 size_t hidden, bool colour)
{
	size_t removed = 0, kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (strncmp(rows[i].decision, "kept", 4) == 0)
			kept++;
		else if (strstr(rows[i].decision, "remove"))
			removed++;
	}
	fprintf(out, "%s%s%s  (%zu managed, %zu kept, %zu removed)\n", colour ? C_BOLD : "", title,
		colour ? C_RESET : "", kept + removed, kept, removed);
	fprintf(out, "%-32s %-12s %-5s %8s %9s  %s\n", "CONTAINER", "ID", "CLASS", "CPU %",
		"MEMORY", "DECISION");
	for (size_t i = 0; i < n; i++) {
		const struct table_row *r = &rows[i];
		char name[33], id[13], cpu[16], mem[16], dec[40];

		clean(name, 32, r->name);
		clean(id, 12, r->id);
		clean(dec, 39, r->decision);
		if (r->has_rate)
			snprintf(cpu, sizeof(cpu), "%.1f", r->cpu_pct);
		else
			snprintf(cpu, sizeof(cpu), "-");
		table_fmt_mem(r->mem_kb, mem, sizeof(mem));
		if (colour)
			fprintf(out, "%-32s %-12s %s%-5s%s %8s %9s  %s%s%s\n", name, id,
				strcmp(r->cls, "high") == 0 ? C_BOLD : "", r->cls, C_RESET, cpu,
				mem, decision_colour(dec), dec, C_RESET);
		else
			fprintf(out, "%-32s %-12s %-5s %8s %9s  %s\n", name, id, r->cls, cpu, mem,
				dec);
	}
	if (hidden)
		fprintf(out, "%s(+%zu other containers, not managed: not shown)%s\n",
			colour ? C_DIM : "", hidden, colour ? C_RESET : "");
	fflush(out);
}
