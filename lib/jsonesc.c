/*
 * jsonesc.c — raw bytes as a reversible JSON string (see jsonesc.h); a
 * transcription of the module's gsi_utf8_len(), gsi_unit() and
 * gsi_json_str() (kernel/sysinfo.c).
 */
#include "jsonesc.h"

#include <errno.h>
#include <stdint.h>

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

int jsonesc_write(FILE *f, const char *str, size_t n, bool cut, bool mark)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t max = JSONESC_DECODED_MAX, i, run = 0, len, out = 0, dec;

	for (i = 0; i < n && out <= max; i += len)
		out += jsonesc_unit(s, i, n, &len);
	if (out > max)
		cut = true;
	mark = mark && cut;
	if (mark)
		max -= 3; /* room for the mark */
	putc('"', f);
	for (i = 0, out = 0; i < n; i += len) {
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
