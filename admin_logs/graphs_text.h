/*
 * graphs_text.h — a record's strings (container names, hosts, run ids) on
 * their way into the report, as data and never as code.
 *
 * First the display form: the string with every control character (C0, DEL,
 * C1), bidirectional-control character (LRM, RLM, ALM, U+202A..U+202E,
 * U+2066..U+2069) and noncharacter (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF: not
 * allowed in XML) written as a visible escape ("\n", "\x01", "\u202e") and
 * every byte that is not UTF-8 as U+FFFD; everything else (quotes,
 * backquotes, backslashes, '$', '@', other scripts) is kept as it is. The
 * display form is one line of valid UTF-8, so a label or a CSV cell never
 * spans two lines and an SVG stays valid XML. A chart's label is the display
 * form cut to a length a key or an axis has room for.
 *
 * Then one writer per sink, from the display form: a gnuplot string
 * (single-quoted: gnuplot expands nothing inside single quotes, no backquote
 * command, no @macro, no backslash escape; a quote in the name is joined in
 * as the constant "'", since gnuplot 5.4 misreads '' at a string's start), a
 * CSV cell (RFC 4180 quoting; a cell that a spreadsheet would read as a
 * formula, starting with = + - @ tab or CR, gets a leading ' — the OWASP
 * rule) and HTML text (& < > " ' as entities). Pure functions, no I/O but
 * the FILE given.
 */
#ifndef ADMIN_LOGS_GRAPHS_TEXT_H
#define ADMIN_LOGS_GRAPHS_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Room for the display form of a string of up to 256 bytes (the longest
 * name, host or run a batch may carry), each byte escaped as \xNN, and "...". */
#define GTEXT_MAX (256 * 4 + 8)

/*
 * The display form of in (NULL: "") into out (cap bytes, at least 8), cut at
 * a character when it would not fit (then ending in "..."). Returns out.
 */
char *gtext_display(const char *in, char *out, size_t cap);

/*
 * A chart's label: the display form cut after max_chars characters, then
 * "…" (a key or an axis has no room for 256 bytes; the CSV and the page
 * keep the whole name). out has cap bytes. Returns out.
 */
char *gtext_label(const char *display, char *out, size_t cap, unsigned max_chars);

/* s as a gnuplot string expression: 'text', or ('a'."'".'b') when s has a quote. */
void gtext_gp(FILE *f, const char *s);

/* s as one CSV cell (the separator is the caller's). */
void gtext_csv(FILE *f, const char *s);

/* s as HTML text or an attribute's value (between double quotes). */
void gtext_html(FILE *f, const char *s);

#endif
