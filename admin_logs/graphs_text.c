/*
 * graphs_text.c — a record's strings as data in gnuplot, CSV and HTML (see
 * graphs_text.h).
 */
#include "graphs_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Characters that change the direction of the text around them. */
static bool gtext_bidi(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* Noncharacters: U+FFFE and U+FFFF (of every plane) may not be in an XML
 * document (the SVG), U+FDD0..U+FDEF are not meant to be interchanged. */
static bool gtext_nonchar(uint32_t c)
{
	return (c & 0xfffeu) == 0xfffeu || (c >= 0xfdd0 && c <= 0xfdef);
}

/* The escape of control or bidi character c, or "" when it needs none. */
static void gtext_escape(uint32_t c, char *esc, size_t cap)
{
	esc[0] = '\0';
	if (c == '\n')
		snprintf(esc, cap, "\\n");
	else if (c == '\r')
		snprintf(esc, cap, "\\r");
	else if (c == '\t')
		snprintf(esc, cap, "\\t");
	else if (c < 0x20 || c == 0x7f)
		snprintf(esc, cap, "\\x%02x", (unsigned)c);
	else if ((c >= 0x80 && c <= 0x9f) || gtext_bidi(c) || gtext_nonchar(c))
		snprintf(esc, cap, "\\u%04x", (unsigned)c);
}

char *gtext_display(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)s), o = 0;

	while (n > 0) {
		char esc[12];
		uint32_t cp = 0;
		size_t len = utf8_decode(s, n, &cp), add;
		const char *piece;

		if (len == 0) { /* not UTF-8: one byte becomes U+FFFD */
			piece = "\xef\xbf\xbd", add = 3, len = 1;
		} else {
			gtext_escape(cp, esc, sizeof(esc));
			piece = esc[0] ? esc : (const char *)s;
			add = esc[0] ? strlen(esc) : len;
		}
		if (o + add + 4 > cap) { /* "..." and the NUL must still fit */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, add);
		o += add;
		s += len;
		n -= len;
	}
	out[o] = '\0';
	return out;
}

char *gtext_label(const char *display, char *out, size_t cap, unsigned max_chars)
{
	const unsigned char *s = (const unsigned char *)display;
	size_t o = 0;
	unsigned n = 0;

	if (cap < 4) { /* not even "…" fits */
		out[0] = '\0';
		return out;
	}
	for (; *s; n++) {
		size_t len = 1;

		while ((s[len] & 0xc0) == 0x80) /* the character's continuation bytes */
			len++;
		if (n == max_chars || o + len + 4 > cap) { /* room for U+2026 and the NUL */
			memcpy(out + o, "\xe2\x80\xa6", 3);
			o += 3;
			break;
		}
		memcpy(out + o, s, len);
		o += len;
		s += len;
	}
	out[o] = '\0';
	return out;
}

void gtext_gp(FILE *f, const char *s)
{
	if (!strchr(s, '\'')) {
		fprintf(f, "'%s'", s);
		return;
	}
	/* gnuplot 5.4 reads a string opening with '' as an empty one, so no
	 * quote is doubled: each one is the constant "'" joined between
	 * single-quoted pieces */
	fputs("('", f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'.\"'\".'", f);
		else
			fputc(*s, f);
	fputs("')", f);
}

void gtext_csv(FILE *f, const char *s)
{
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

	if (!quote) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void gtext_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}
