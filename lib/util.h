/*
 * util.h — small helpers shared by servicio and admin_logs: one bounded
 * read of a file (relative to a directory fd, as /proc walkers want),
 * strict number parsing with range checks, complete writes, clocks.
 *
 * Actions return 0 (or a byte count) on success and -errno on failure;
 * nothing here prints.
 */
#ifndef GESTOR_UTIL_H
#define GESTOR_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Read at most cap-1 bytes of path (relative to dirfd, or AT_FDCWD) into buf
 * and NUL-terminate. Returns the byte count or -errno. A file longer than
 * the buffer is cut (the count equals cap-1): callers that must have the
 * whole file check for that.
 */
ssize_t util_read_file_at(int dirfd, const char *path, char *buf, size_t cap);

/*
 * One open and one read(2) of path (relative to dirfd): for kernel files
 * (/proc/<pid>/stat, cgroup files) that hand their whole text to the first
 * read when the buffer holds it, this saves the read that would only see
 * the end of file. Text beyond cap-1 bytes is cut. Byte count or -errno;
 * buf is always terminated.
 */
ssize_t util_read_once_at(int dirfd, const char *path, char *buf, size_t cap);

/*
 * Read a whole file into a new malloc'd, NUL-terminated buffer of at most
 * max bytes. Returns 0 and sets *out and *len, -EFBIG when longer than max, or
 * -errno. The caller frees *out.
 */
int util_slurp(const char *path, size_t max, char **out, size_t *len);

/*
 * Remove the tree at path, children first, without following links, like
 * `rm -rf` (a missing path is fine). 0 or -errno.
 */
int util_rm_tree(const char *path);

/*
 * Create dir and its missing parents with mode (like `mkdir -p -m`; parents
 * that exist keep theirs). 0, -ENAMETOOLONG (over PATH_MAX) or -errno of
 * the mkdir that failed.
 */
int util_mkdir_p(const char *dir, mode_t mode);

/* Write all of buf to fd, retrying on EINTR and short writes. 0 or -errno. */
int util_write_all(int fd, const void *buf, size_t len);

/* fsync the directory holding path (a rename or a new file in it reaches
 * the disk). 0 or -errno. */
int util_fsync_dir_of(const char *path);

/* util_write_atomic(): fsync the file before the rename and the directory after */
#define UTIL_ATOMIC_DURABLE 1u

/*
 * Replace path with len bytes of buf, all or nothing: written to a
 * temporary file beside it (".<name>.<pid>.tmp", made with O_EXCL |
 * O_NOFOLLOW after a stale one of this pid is removed; mode), then renamed
 * over path. With UTIL_ATOMIC_DURABLE the data is fsync'd before the
 * rename and the directory after it, so a crash leaves the old or the new
 * file, never a torn one. 0 or -errno (the temporary file removed).
 */
int util_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags);

/*
 * Parse a base-10 integer at s. Leading blanks are skipped; *end (if not
 * NULL) is set past the digits. 0, -EINVAL (no digits) or -ERANGE (outside
 * [min, max]).
 */
int util_parse_i64(const char *s, const char **end, int64_t min, int64_t max, int64_t *out);
int util_parse_u64(const char *s, const char **end, uint64_t max, uint64_t *out);
/* Parse a whole string (trailing blanks allowed) as a number. */
int util_parse_double(const char *s, double min, double max, double *out);

/* Nanoseconds on CLOCK_MONOTONIC / CLOCK_REALTIME / CLOCK_BOOTTIME. */
uint64_t util_mono_ns(void);
uint64_t util_real_ns(void);
uint64_t util_boot_ns(void);

/* A growing, NUL-terminated buffer of at most a given size (an answer's
 * body); zeroed to start, data freed by its owner. */
struct util_body {
	char *data;
	size_t len, cap;
	bool over; /* a piece did not fit under the bound: left out */
};

/* Room in b for need bytes and the terminator (doubling). 0 or -ENOMEM. */
int util_body_grow(struct util_body *b, size_t need);

/*
 * Append n bytes of p to b when b stays within max bytes (else set b->over
 * and append nothing: -EFBIG). 0, -EFBIG or -ENOMEM. Inline: /metrics'
 * text is thousands of short appends.
 */
static inline int util_body_add(struct util_body *b, const void *p, size_t n, size_t max)
{
	if (n > max || b->len > max - n) {
		b->over = true;
		return -EFBIG;
	}
	if (b->len + n + 1 > b->cap && util_body_grow(b, n) != 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Copy src into dst (size cap), always terminated; true when it fit. */
bool util_strlcpy(char *dst, const char *src, size_t cap);

/* true when s is exactly n lowercase hex digits. */
bool util_is_hex(const char *s, size_t n);

#endif
