/*
 * trust.c — the ownership walk behind trust.h.
 */
#include "trust.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define TRUST_HINT                                                                   \
	"root runs only root's files: put gestor in a root-owned directory such as " \
	"/usr/local/lib/gestor and run it from there"

/*
 * A root-owned directory with the sticky bit (/tmp) above the file: others
 * may add entries there, but cannot rename or remove root's, so what lies
 * below stays root's. Only a directory above the file itself qualifies.
 */
static bool trust_sticky_parent(const char *d, const char *resolved, const struct stat *st)
{
	return S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && strcmp(d, resolved) != 0;
}

int trust_check_path(const char *path, char *resolved, char *err, size_t errlen)
{
	char d[PATH_MAX];
	struct stat st;

	if (!realpath(path, resolved)) {
		int r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	util_strlcpy(d, resolved, sizeof(d));
	for (;;) {
		if (stat(d, &st) != 0) {
			int r = -errno;
			snprintf(err, errlen, "refused %s: %s: %s", resolved, d, strerror(-r));
			return r;
		}
		if (st.st_uid != 0) {
			snprintf(err, errlen,
				 "refused %s: %s is owned by uid %u, not root (" TRUST_HINT ")",
				 resolved, d, (unsigned)st.st_uid);
			return -EPERM;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !trust_sticky_parent(d, resolved, &st)) {
			snprintf(err, errlen,
				 "refused %s: %s is group- or world-writable (mode %o; chmod go-w "
				 "it, "
				 "or " TRUST_HINT ")",
				 resolved, d, (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
		char *slash = strrchr(d, '/');
		if (!slash || d[1] == '\0')
			return 0; /* / itself was the last one */
		if (slash == d)
			d[1] = '\0';
		else
			*slash = '\0';
	}
}

int trust_private_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-r));
		return r;
	}
	if (lstat(dir, &st) != 0) {
		int r = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-r));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
			 "refused %s: it is not a directory (a symbolic link or a file is in its "
			 "place; remove it)",
			 dir);
		return -ENOTDIR;
	}
	if (st.st_uid != 0 || (st.st_mode & 07777) != 0700) {
		snprintf(err, errlen,
			 "refused %s: owned by uid %u with mode %o; it must be root's and 0700 "
			 "(remove "
			 "it, or chown root:root and chmod 700 it)",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}
