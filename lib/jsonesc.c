/*
 * jsonesc.c — raw bytes as a reversible JSON string, what it decodes to,
 * and the raw bytes back (see jsonesc.h); the escaping transcribes the
 * module's gsi_utf8_len(), gsi_unit() and gsi_json_str() (kernel/sysinfo.c).
 */
#include "jsonesc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t jsonesc_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, &cp);

	if (len == 0 || (cp >= JSONESC_RAW_BASE && cp <= JSONESC_RAW_BASE + 0xff))
		return 0;
	return len;
}

/* The unit at s[i]: input bytes it takes (*len), bytes its escape decodes to (returned). */
static size_t jsonesc_unit(const unsigned char *s, size_t i, size_t n, size_t *len)
{
	unsigned char c = s[i];

	*len = 1;
	if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
		return 1;
	*len = jsonesc_utf8_len(s + i, n - i);
	if (*len == 0) {
		*len = 1;
		return 3; /* U+EF80..U+EFFF: three bytes of UTF-8 */
	}
	return *len;
}

/* The decoded bound for s[0..n): JSONESC_DECODED_MAX, less the mark's room
 * when the string ends marked (*mark updated: cut here or before). */
static size_t jsonesc_plan(const unsigned char *s, size_t n, bool cut, bool *mark)
{
	size_t max = JSONESC_DECODED_MAX, i, len, out = 0;

	for (i = 0; i < n && out <= max; i += len)
		out += jsonesc_unit(s, i, n, &len);
	if (out > max)
		cut = true;
	*mark = *mark && cut;
	return *mark ? max - 3 : max; /* room for the mark */
}

int jsonesc_write(FILE *f, const char *str, size_t n, bool cut, bool mark)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t max = jsonesc_plan(s, n, cut, &mark), i, run = 0, len, out = 0, dec;

	putc('"', f);
	for (i = 0; i < n; i += len) {
		unsigned char c = s[i];

		dec = jsonesc_unit(s, i, n, &len);
		if (out + dec > max)
			break;
		out += dec;
		if (dec == len && c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		if (i > run)
			fwrite(s + run, 1, i - run, f);
		run = i + len;
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fprintf(f, dec == 3 ? "\\uef%02x" : "\\u%04x", c);
		}
	}
	if (i > run)
		fwrite(s + run, 1, i - run, f);
	if (mark)
		fputs("\\uef00", f);
	putc('"', f);
	return ferror(f) ? -EIO : 0;
}

/* U+EF00 + b as UTF-8 (three bytes) into out */
static void jsonesc_put_raw(char *out, unsigned b)
{
	uint32_t cp = JSONESC_RAW_BASE + b;

	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
}

size_t jsonesc_decode(const char *str, size_t n, bool cut, bool mark, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t max = jsonesc_plan(s, n, cut, &mark), i, len, o = 0, dec, done = 0;

	if (cap == 0)
		return 0;
	for (i = 0; i < n; i += len) {
		dec = jsonesc_unit(s, i, n, &len);
		if (done + dec > max || o + dec >= cap)
			break;
		done += dec;
		if (dec == len)
			memcpy(out + o, s + i, len);
		else
			jsonesc_put_raw(out + o, s[i]);
		o += dec;
	}
	if (mark && o + 3 < cap) {
		jsonesc_put_raw(out + o, 0);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

size_t jsonesc_to_raw(const char *str, size_t n, char *out, size_t cap, bool *cut)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, o = 0, len;
	uint32_t cp;
	bool marked = false;

	for (i = 0; i < n; i += len) {
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			len = 1; /* not from jsonesc_decode(): copied as it is */
		else if (cp == JSONESC_RAW_BASE && i + len == n) {
			marked = true;
			break;
		}
		if (o + len > cap)
			return 0;
		if (len == 3 && cp >= JSONESC_RAW_BASE + 0x80 && cp <= JSONESC_RAW_BASE + 0xff)
			out[o++] = (char)(cp - JSONESC_RAW_BASE);
		else {
			memcpy(out + o, s + i, len);
			o += len;
		}
	}
	if (marked)
		*cut = true;
	return o;
}
