/*
 * trust.h — "root runs only root's files": whether a file that root is
 * about to execute or load could have been changed by another user. The
 * shell scripts apply the same rules with scripts/trust.sh
 * (gestor_trusted); docs/servicio.md ("What root runs") explains them.
 */
#ifndef GESTOR_TRUST_H
#define GESTOR_TRUST_H

#include <stddef.h>

/*
 * path, with its symbolic links resolved into resolved (PATH_MAX bytes),
 * and every directory above it up to / are owned by root and not group- or
 * world-writable (a directory above it may be, with the sticky bit: /tmp).
 * 0, or -errno with err saying which path and why (-EPERM for an owner or
 * a mode). Run resolved, not path: no link in between can
 * be changed afterwards.
 */
int trust_check_path(const char *path, char *resolved, char *err, size_t errlen);

/*
 * dir is root's 0700 private directory: made with that mode when missing
 * (its parent must be root's), refused when it exists with another owner,
 * mode or type (a symbolic link included). 0 or -errno (err explains).
 */
int trust_private_dir(const char *dir, char *err, size_t errlen);

#endif
