/*
 * jsonesc.h — raw bytes as a JSON string, by the rules of the kernel
 * module's document (docs/proc-format.md, "Strings"): `"` and `\` escaped,
 * \n \t \r short, other bytes below 0x20 and 0x7f as \u00XX, valid UTF-8
 * copied, each byte that is not part of valid UTF-8 as \u00XX (its value
 * read as Latin-1). The one escaper for these strings in userspace
 * (servicio's `sysinfo` printer of the BPF records); the module keeps its
 * own copy in kernel/sysinfo.c (gsi_json_str), which this must match.
 */
#ifndef GESTOR_JSONESC_H
#define GESTOR_JSONESC_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (n bytes left): 1..4, 0 when invalid. */
size_t jsonesc_utf8_len(const unsigned char *s, size_t n);

/* Write s[0..n) to f as a JSON string with its quotes; 0 or -EIO. */
int jsonesc_write(FILE *f, const char *s, size_t n);

#endif
