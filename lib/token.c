/*
 * token.c — bearer token files (see token.h).
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static bool token_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-';
}

int token_parse_buf(const char *buf, size_t len, char out[TOKEN_MAX + 1], char *err, size_t errlen)
{
	out[0] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "the token is empty");
		return -EINVAL;
	}
	if (len > TOKEN_MAX) {
		snprintf(err, errlen, "the token is longer than %d characters", TOKEN_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (!token_char_ok(buf[i])) {
			snprintf(err, errlen,
				 "the token has a character outside [A-Za-z0-9._~+/=-] at byte %zu",
				 i + 1);
			return -EINVAL;
		}
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	return 0;
}

/*
 * The open token file: not a link, not a FIFO or device, and private to an
 * owner who may hold it (see token.h). fd >= 0, or -errno with the reason.
 */
static int token_open_checked(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat dst, st;
	int fd, r;

	if (slash == path)
		util_strlcpy(dir, "/", sizeof(dir));
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		util_strlcpy(dir, ".", sizeof(dir));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "token file %s: %s", path,
			 r == -ELOOP ? "is a symbolic link (refused: it could name any file)"
				     : strerror(-r));
		return r;
	}
	if (fstat(fd, &st) != 0 || stat(dir, &dst) != 0) {
		r = -errno;
		snprintf(err, errlen, "token file %s: stat: %s", path, strerror(-r));
		goto err;
	}
	r = -EPERM;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "token file %s: not a regular file (refused)", path);
		r = -EINVAL;
	} else if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != dst.st_uid) {
		snprintf(err, errlen,
			 "token file %s: owned by uid %u, which is neither root, this user, nor "
			 "the owner of its directory (refused)",
			 path, (unsigned)st.st_uid);
	} else if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "token file %s: mode %04o lets other users read or change it (refused; "
			 "chmod 600 it)",
			 path, (unsigned)(st.st_mode & 07777));
	} else {
		return fd;
	}
err:
	close(fd);
	return r;
}

/* Up to cap - 1 bytes of fd into buf. The count, or -errno. */
static ssize_t token_read_fd(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap - 1) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

int token_read_file(const char *path, char out[TOKEN_MAX + 1], char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 64], e2[160];
	ssize_t n;
	int fd, r;

	out[0] = '\0';
	fd = token_open_checked(path, err, errlen);
	if (fd < 0)
		return fd;
	n = token_read_fd(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "token file %s: %s", path, strerror((int)-n));
		return (int)n;
	}
	if ((size_t)n >= sizeof(buf) - 1) {
		snprintf(err, errlen, "token file %s: longer than %d characters", path, TOKEN_MAX);
		return -EINVAL;
	}
	r = token_parse_buf(buf, (size_t)n, out, e2, sizeof(e2));
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		snprintf(err, errlen, "token file %s: %s", path, e2);
	return r;
}

int token_create_file(const char *path, long uid, long gid, bool *created, char *err, size_t errlen)
{
	unsigned char rnd[32];
	char hex[2 * sizeof(rnd) + 2];
	int fd, r = 0;

	*created = false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		r = -errno;
		snprintf(err, errlen, "token file %s: %s", path, strerror(-r));
		return r;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		r = -EIO;
		snprintf(err, errlen, "token file %s: no random bytes", path);
		goto err;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	hex[2 * sizeof(rnd)] = '\n';
	if ((r = util_write_all(fd, hex, 2 * sizeof(rnd) + 1)) < 0 || fsync(fd) < 0) {
		r = r < 0 ? r : -errno;
		snprintf(err, errlen, "token file %s: write: %s", path, strerror(-r));
		goto err;
	}
	if (uid >= 0 && fchown(fd, (uid_t)uid, (gid_t)gid) < 0) {
		r = -errno;
		snprintf(err, errlen, "token file %s: chown to %ld:%ld: %s", path, uid, gid,
			 strerror(-r));
		goto err;
	}
	close(fd);
	explicit_bzero(hex, sizeof(hex));
	*created = true;
	return 0;
err:
	close(fd);
	unlink(path);
	explicit_bzero(hex, sizeof(hex));
	return r;
}

bool token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < TOKEN_MAX; i++) {
		unsigned char x = i < la ? (unsigned char)a[i] : 0;
		unsigned char y = i < lb ? (unsigned char)b[i] : 0;
		diff |= x ^ y;
	}
	return diff == 0;
}
