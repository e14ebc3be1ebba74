/*
 * www.c — the dashboard's static files: path to name, and the open (see
 * www.h).
 */
#include "www.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const struct {
	const char *ext, *type;
} www_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
};

bool www_name(const char *path, char *name, size_t cap, const char **ctype)
{
	size_t n;

	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (path[0] != '/')
		return false;
	path++;
	n = strlen(path);
	if (n == 0 || n >= cap || n > WWW_NAME_MAX || strstr(path, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = path[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	for (size_t k = 0; k < UTIL_ARRAY_LEN(www_types); k++) {
		size_t e = strlen(www_types[k].ext);

		if (n > e && strcmp(path + n - e, www_types[k].ext) == 0) {
			memcpy(name, path, n + 1);
			*ctype = www_types[k].type;
			return true;
		}
	}
	return false;
}

int www_open(const char *dir, const char *name, int *fd, uint64_t *size)
{
	struct stat st;
	int dfd, f;

	*fd = -1;
	if (!dir || !dir[0])
		return -ENOENT;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	f = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (f < 0)
		return -errno;
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return -ENOENT;
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return 0;
}
