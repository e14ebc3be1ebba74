/*
 * utf8.h — the one strict UTF-8 decoder: what the module, servicio and
 * admin_logs call a valid sequence (no overlong form, no surrogate, nothing
 * above U+10FFFF). Inline, so that the static tools that compile single
 * files of lib/ need no new source. Its users: lib/jsonesc.c (so servicio's
 * snapshot.c, procfs.c and bpfrec.c through jsonesc_decode), admin_logs'
 * graphs_text.c, and the module's test tests/kernel/sysinfo_test.c. The
 * kernel module keeps its own copy (kernel/sysinfo.c gsi_utf8_len: kernel
 * code cannot include lib/; escape_test checks the two agree), and the BPF
 * programs validate nothing: they copy raw bytes, which servicio decodes
 * with this one (bpfrec.c).
 */
#ifndef GESTOR_UTF8_H
#define GESTOR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length (1..4) of the valid UTF-8 sequence at s, with n bytes left,
 * and its code point in *cp; 0 when s does not start one (or n is 0).
 */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, c = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, c = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

#endif
