/*
 * jsonesc.h — raw bytes as a JSON string that decodes back to the same
 * bytes, by the rules of the kernel module's document (docs/proc-format.md,
 * "Strings"): `"` and `\` escaped, \n \t \r short, other bytes below 0x20
 * and 0x7f as \u00XX, valid UTF-8 copied except code points U+EF00..U+EFFF,
 * each other byte (not valid UTF-8, or of such a code point) as \uefXX;
 * at most JSONESC_DECODED_MAX bytes once decoded, cut on a whole unit, and
 * a cut string marked with U+EF00 when asked. The one escaper for these
 * strings in userspace (servicio's `sysinfo` printer of the BPF records);
 * the module keeps its own copy (kernel/sysinfo.c, gsi_json_str), which
 * this transcribes and must match.
 */
#ifndef GESTOR_JSONESC_H
#define GESTOR_JSONESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSONESC_DECODED_MAX 512
/* a code point in U+EF80..U+EFFF stands for one raw byte 0x80..0xff */
#define JSONESC_RAW_BASE 0xef00

/*
 * Length of the UTF-8 sequence at s (n bytes left, n >= 1): 1..4 when valid
 * and not a code point of U+EF00..U+EFFF, else 0.
 */
size_t jsonesc_utf8_len(const unsigned char *s, size_t n);

/*
 * Write s[0..n) to f as a JSON string with its quotes. cut: s is the start
 * of something longer; mark: end a cut string (cut here or before) with
 * \uef00. 0 or -EIO.
 */
int jsonesc_write(FILE *f, const char *s, size_t n, bool cut, bool mark);

#endif
