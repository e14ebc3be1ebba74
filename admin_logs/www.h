/*
 * www.h — the live dashboard's static files (admin_logs/www/ in the repo,
 * installed in the image with Debian's dygraphs beside them): which request
 * paths name a file, and opening it in the --www directory.
 *
 * Only plain names directly in the directory are served ("/" is
 * index.html): [a-z0-9] then [a-z0-9._-], ending .html, .js or .css, no
 * "..", no slash, no symbolic link followed. Everything else is not a file
 * of the dashboard (the router answers 404).
 */
#ifndef ADMIN_LOGS_WWW_H
#define ADMIN_LOGS_WWW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WWW_NAME_MAX 64

/* Pure: the file name a request path names (into name), and its content
 * type; false when the path is not one of the dashboard's. */
bool www_name(const char *path, char *name, size_t cap, const char **ctype);

/* Open name in dir (O_NOFOLLOW, a regular file). 0 with *fd and *size,
 * or -errno. */
int www_open(const char *dir, const char *name, int *fd, uint64_t *size);

#endif
