/*
 * jsonesc.h — raw bytes as a JSON string that decodes back to the same
 * bytes, by the rules of the kernel module's document (docs/proc-format.md,
 * "Strings"): `"` and `\` escaped, \n \t \r short, other bytes below 0x20
 * and 0x7f as \u00XX, valid UTF-8 copied except code points U+EF00..U+EFFF,
 * each other byte (not valid UTF-8, or of such a code point) as \uefXX;
 * at most JSONESC_DECODED_MAX bytes once decoded, cut on a whole unit, and
 * a cut string marked with U+EF00 when asked. The one escaper for these
 * strings in userspace: servicio's `sysinfo` printer of the BPF records
 * writes with jsonesc_write(); the procfs walk and the BPF records' decoder
 * store what that JSON decodes to (jsonesc_decode()), so a name reads the
 * same whichever source measured it. The module keeps its own copy
 * (kernel/sysinfo.c, gsi_json_str), which this transcribes and must match.
 * Reversible: jsonesc_to_raw() gives the raw bytes back from the decoded
 * text (lib/tests/jsonesc_test.c round-trips hostile names through each).
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

/*
 * What jsonesc_write(s, n, cut, mark)'s JSON string decodes to, into out
 * (cap bytes, always NUL-terminated; a unit that does not fit ends it, and
 * the mark is left out when it does not fit). Returns the length written.
 */
size_t jsonesc_decode(const char *s, size_t n, bool cut, bool mark, char *out, size_t cap);

/*
 * The raw bytes back from decoded text (n bytes): U+EF80..U+EFFF become the
 * byte they stand for, a final U+EF00 (the cut mark) is dropped and *cut
 * set, everything else is copied. Returns the length written to out (cap
 * bytes, not terminated), or 0 with *cut unchanged when it does not fit.
 */
size_t jsonesc_to_raw(const char *s, size_t n, char *out, size_t cap, bool *cut);

#endif
