/*
 * util.c — bounded file reads, strict number parsing, complete writes and
 * clocks for the rest of gestor (see util.h for the contracts).
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

ssize_t util_read_file_at(int dirfd, const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	int fd;

	if (cap == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (got < cap - 1) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf[0] = '\0';
			return -e;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

ssize_t util_read_once_at(int dirfd, const char *path, char *buf, size_t cap)
{
	ssize_t r;
	int fd;

	if (cap == 0)
		return -EINVAL;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		buf[0] = '\0';
		return -errno;
	}
	do
		r = read(fd, buf, cap - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		r = -errno;
	close(fd);
	buf[r > 0 ? r : 0] = '\0';
	return r;
}

int util_slurp(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, got = 0;
	char *buf = NULL;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto err;
	}
	for (;;) {
		if (got == cap - 1) {
			if (cap > max) {
				ret = -EFBIG;
				goto err;
			}
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *n = realloc(buf, ncap);
			if (!n) {
				ret = -ENOMEM;
				goto err;
			}
			buf = n;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto err;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > max) {
			ret = -EFBIG;
			goto err;
		}
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return 0;
err:
	free(buf);
	close(fd);
	return ret;
}

/* nftw callback for util_rm_tree(): remove one entry (children come first). */
static int util_rm_one(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(fpath) == 0 || errno == ENOENT ? 0 : -1;
}

int util_rm_tree(const char *path)
{
	if (nftw(path, util_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

int util_mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (!dir[0])
		return -EINVAL;
	if (!util_strlcpy(buf, dir, sizeof(buf)))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int util_body_grow(struct util_body *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 8192;
	char *d;

	if (need > SIZE_MAX / 2 - b->len)
		return -ENOMEM; /* the doubling below would wrap */
	while (cap < b->len + need + 1)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int util_fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	int fd, ret = 0;

	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	if (slash) { /* "/x": the root */
		memcpy(dir, path, dlen ? dlen : 1);
		dir[dlen ? dlen : 1] = '\0';
	} else {
		util_strlcpy(dir, ".", sizeof(dir));
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

int util_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int dlen = slash ? (int)(slash - path) : 0;
	char tmp[PATH_MAX];
	int fd, ret, n;

	n = snprintf(tmp, sizeof(tmp), "%.*s%s.%s.%d.tmp", dlen, path, slash ? "/" : "", name,
		     (int)getpid());
	if (!name[0])
		return -EINVAL;
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp); /* a crash of this pid's predecessor left it */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	ret = util_write_all(fd, buf, len);
	if (ret == 0 && (flags & UTIL_ATOMIC_DURABLE) && fsync(fd) != 0)
		ret = -errno;
	if (close(fd) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) != 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	/* the rename itself reaches the disk with the directory */
	return (flags & UTIL_ATOMIC_DURABLE) ? util_fsync_dir_of(path) : 0;
}

int util_parse_i64(const char *s, const char **end, int64_t min, int64_t max, int64_t *out)
{
	char *e;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!(isdigit((unsigned char)*s) ||
	      ((*s == '-' || *s == '+') && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (end)
		*end = e;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int util_parse_u64(const char *s, const char **end, uint64_t max, uint64_t *out)
{
	char *e;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 10);
	if (end)
		*end = e;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int util_parse_double(const char *s, double min, double max, double *out)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (e == s)
		return -EINVAL;
	while (*e == ' ' || *e == '\t' || *e == '\n')
		e++;
	if (*e != '\0')
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static uint64_t util_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t util_mono_ns(void)
{
	return util_clock_ns(CLOCK_MONOTONIC);
}

uint64_t util_real_ns(void)
{
	return util_clock_ns(CLOCK_REALTIME);
}

uint64_t util_boot_ns(void)
{
	return util_clock_ns(CLOCK_BOOTTIME);
}

bool util_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);

	if (cap == 0)
		return false;
	if (n >= cap) {
		memcpy(dst, src, cap - 1);
		dst[cap - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

bool util_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[n] == '\0';
}
