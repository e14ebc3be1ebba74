/*
 * modsrc.h — the module source: reads the kernel module's JSON document
 * (/proc/sysinfo_202002591, format version 1, docs/proc-format.md) into a
 * snapshot.
 *
 * The parse is strict and pure (modsrc_parse_buf() works on a buffer, so
 * tests feed it captured, truncated and hostile documents): every documented
 * field must be present with its type and range, `version` must be 1,
 * strings must fit their bounds; unknown extra fields are ignored (the format
 * may grow). Any violation is an error naming the field, e.g.
 * "processes[17].rss_kb: expected a non-negative integer", and leaves the
 * snapshot empty — never half filled.
 */
#ifndef SERVICIO_MODSRC_H
#define SERVICIO_MODSRC_H

#include <stddef.h>

#include "metrics_src.h"
#include "snapshot.h"

/* The module's file. */
#define MODSRC_PATH "/proc/sysinfo_202002591"

/* Largest document accepted (bytes): ~1 KiB a process, 10^5 processes. */
#define MODSRC_MAX_DOC (128u << 20)
/* Most processes accepted in one document. */
#define MODSRC_MAX_PROCS 1000000u

/*
 * Parse len bytes of buf (need not be NUL-terminated) into *out (which must
 * be empty). Fills every field the document has, sets source = module, then
 * groups (snapshot_group). 0, -EINVAL (bad document, reason in err),
 * -EPROTO (unknown version), -E2BIG (too many processes) or -ENOMEM.
 */
int modsrc_parse_buf(const char *buf, size_t len, struct snapshot *out, char *err, size_t errlen);

/*
 * Read path (NULL: MODSRC_PATH) and parse it. -errno of the read too.
 * When the document was generated during this read (the live module file),
 * each process's sample_ns is estimated from its place in the document.
 */
int modsrc_read(const char *path, struct snapshot *out, char *err, size_t errlen);

/*
 * The inverse: s as a format-v1 document, byte for byte the shape the module
 * writes (used to replay a procfs snapshot through the module parser in
 * tests, benchmarks and the VM comparison). Returns a malloc'd
 * NUL-terminated text (len set when not NULL) or NULL when out of memory.
 */
char *modsrc_format(const struct snapshot *s, size_t *len);

/* The module source (metrics_src.h): usable when its file is readable. */
extern const struct metrics_src modsrc_src;

#endif
