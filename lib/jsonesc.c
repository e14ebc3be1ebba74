/*
 * jsonesc.c — raw bytes as a JSON string (see jsonesc.h); a transcription of
 * the module's gsi_json_str() and gsi_utf8_len().
 */
#include "jsonesc.h"

#include <errno.h>
#include <stdint.h>

size_t jsonesc_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int jsonesc_write(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, len;

	putc('"', f);
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			len = jsonesc_utf8_len(s + i, n - i);
			if (len) {
				i += len;
				continue;
			}
		}
		if (i > run)
			fwrite(s + run, 1, i - run, f);
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
			fprintf(f, "\\u%04x", c);
		}
		i++;
		run = i;
	}
	if (i > run)
		fwrite(s + run, 1, i - run, f);
	putc('"', f);
	return ferror(f) ? -EIO : 0;
}
