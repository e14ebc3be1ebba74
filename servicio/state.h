/*
 * state.h — what servicio keeps on disk between runs, in its state
 * directory (--state-dir, default /var/lib/gestor/servicio):
 *
 *   kept         the incumbents of the hysteresis (decide.h): the containers
 *                kept at the last decision and their class, so that a
 *                restart keeps the same ones among equal containers;
 *   status.json  the last cycle's rows, for `servicio top` (top.h).
 *
 * Every file is written whole to a temporary file, fsync'ed (the kept set)
 * and renamed over the old one: a crash leaves the old file or the new,
 * never half of one. Reads refuse symbolic links and anything but a
 * regular file, are bounded, and the kept file is parsed strictly: a line
 * that is not "<64 hex digits> high|low" rejects the whole file (servicio
 * then starts with no incumbents and says so).
 *
 * kept file format (text):
 *   gestor-kept 1
 *   <container id> high|low        (at most STATE_KEPT_MAX lines)
 */
#ifndef SERVICIO_STATE_H
#define SERVICIO_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"

#define STATE_KEPT_FILE "kept"
#define STATE_STATUS_FILE "status.json"
#define STATE_KEPT_MAX 200000 /* keep-high + keep-low at their largest */
#define STATE_READ_MAX (16u << 20) /* 16 MiB: the kept file at its largest is ~14 MiB */

/*
 * Write buf as dir/name atomically (temporary file, fsync when durable,
 * rename, fsync of the directory when durable), mode 0644. Creates dir
 * (0750) when missing. 0 or -errno with err.
 */
int state_write(const char *dir, const char *name, const char *buf, size_t len, bool durable,
		char *err, size_t errlen);

/*
 * Read dir/name (a regular file, not through a symbolic link, at most max
 * bytes) into a new NUL-terminated buffer. 0, -ENOENT (none), -EFBIG, or
 * -errno with err. The caller frees *out.
 */
int state_read(const char *dir, const char *name, size_t max, char **out, size_t *len, char *err,
	       size_t errlen);

/* The kept set as the kept file's text (malloc'd), NULL when out of memory. */
char *state_kept_format(const struct decide_kept *k);

/*
 * Parse the kept file's text into out (replacing its set). 0, or -EINVAL
 * with err naming the first bad line (out then empty), or -ENOMEM.
 */
int state_kept_parse(const char *text, size_t len, struct decide_kept *out, char *err,
		     size_t errlen);

/* The manager's side: the directory and the text last written. */
struct state {
	const char *dir; /* "" or NULL: nothing is kept on disk */
	char *last; /* the kept file as last read or written */
	bool failed; /* the last write failed (said once) */
};

/* Load the kept set at start; logs what it found or why it was rejected. */
void state_load_kept(struct state *s, struct decide_kept *k);

/* Save the kept set when it differs from the last one saved. 0 or -errno. */
int state_save_kept(struct state *s, const struct decide_kept *k);

void state_free(struct state *s);

#endif
