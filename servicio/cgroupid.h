/*
 * cgroupid.h — which container a process belongs to, from its cgroup path
 * (the same rules as the kernel module).
 *
 * A path component names a container when it is
 *   - 64 lowercase hex digits right after a "docker" component
 *     (Docker's cgroupfs layout, v1 and v2: /docker/<id>),
 *   - docker-<id>.scope (Docker with the systemd driver),
 *   - cri-containerd-<id>.scope (containerd/CRI),
 *   - libpod-<id>.scope or libpod-<id> (podman),
 *   - crio-<id>.scope (CRI-O),
 * with <id> exactly 64 lowercase hex digits. The innermost (last) such
 * component wins, so nested layouts (/docker/<a>/docker/<b>) give <b>.
 */
#ifndef SERVICIO_CGROUPID_H
#define SERVICIO_CGROUPID_H

#include <stdbool.h>
#include <stddef.h>

#define CGROUPID_LEN 64

/*
 * Find the container id in one cgroup path. On a match, copies the id to
 * id (65 bytes) and, when dir_len is not NULL, sets it to the length of the
 * path prefix that ends with the matching component (the container's cgroup
 * directory). false when the path names no container.
 */
bool cgroupid_from_path(const char *path, char id[CGROUPID_LEN + 1], size_t *dir_len);

/*
 * Parse a /proc/<pid>/cgroup file ("hier:controllers:path" lines, v1 and v2).
 * The id comes from the first line whose path names a container, preferring
 * the memory controller's line, then the v2 ("0::") line. path gets the
 * matching line's path (or, with no container, the v2 line's, else the first
 * line's), cut to pathcap. Returns true when a container was found (id set,
 * else id = "").
 */
bool cgroupid_from_file_buf(const char *buf, char id[CGROUPID_LEN + 1], char *path, size_t pathcap);

#endif
