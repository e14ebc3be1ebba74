/*
 * token.h — the bearer token that admin_logs asks of its writers and that
 * servicio sends: kept in a file holding 1..TOKEN_MAX characters of
 * [A-Za-z0-9._~+/=-] (RFC 6750's token68; trailing whitespace and newlines
 * are ignored), made when missing with 32 random bytes in hex, mode 0600.
 * Comparison takes the same time whatever the first differing byte.
 */
#ifndef GESTOR_TOKEN_H
#define GESTOR_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_MAX 256

/* The token in buf[0..len) into out. 0, or -EINVAL with the reason in err. */
int token_parse_buf(const char *buf, size_t len, char out[TOKEN_MAX + 1], char *err, size_t errlen);

/*
 * Read and check the token file. It is opened with O_NOFOLLOW|O_NONBLOCK|
 * O_CLOEXEC (a symbolic link is refused, a FIFO cannot block the reader)
 * and must be a regular file, owned by root, by the reader or by the owner
 * of its directory (who could replace it anyway), with no group or other
 * permission bits. 0 or -errno (err names the file and the reason).
 */
int token_read_file(const char *path, char out[TOKEN_MAX + 1], char *err, size_t errlen);

/*
 * When path does not exist, create it (O_EXCL, mode 0600) with a new random
 * token, owned by uid:gid when uid >= 0; *created says whether it did. An
 * existing file is left as it is. 0 or -errno (err explains).
 */
int token_create_file(const char *path, long uid, long gid, bool *created, char *err,
		      size_t errlen);

/* a and b are the same token (time independent of where they differ). */
bool token_equal(const char *a, const char *b);

#endif
