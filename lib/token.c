/*
 * token.c — bearer token files (see token.h).
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
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

int token_read_file(const char *path, char out[TOKEN_MAX + 1], char *err, size_t errlen)
{
	char buf[TOKEN_MAX + 64], e2[160];
	ssize_t n = util_read_file_at(AT_FDCWD, path, buf, sizeof(buf));
	int r;

	out[0] = '\0';
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
