/*
 * cgroupid.h — which container a process belongs to, from its cgroup path
 * (the same rules as the kernel module).
 *
 * A path component names a container when it is
 *   - 64 lowercase hex digits right after a "docker" component
 *     (Docker's cgroupfs layout, v1 and v2: /docker/<id>),
 *   - docker-<id>.scope (Docker with the systemd driver),
 *   - cri-containerd-<id>.scope (containerd/CRI),
 *   - libpod-<id>.scope (podman),
 *   - crio-<id>.scope (CRI-O),
 * with <id> exactly 64 lowercase hex digits. The outermost (first) such
 * component wins, as in the module (kernel/sysinfo.c si_container_id()).
 */
#ifndef SERVICIO_CGROUPID_H
#define SERVICIO_CGROUPID_H

#include <stdbool.h>
#include <stddef.h>

#include "gestor.h" /* GESTOR_CTR_ID_LEN */

/*
 * Find the container id in one cgroup path. On a match, copies the id to
 * id (65 bytes) and, when dir_len is not NULL, sets it to the length of the
 * path prefix that ends with the matching component (the container's cgroup
 * directory). false when the path names no container.
 */
bool cgroupid_from_path(const char *path, char id[GESTOR_CTR_ID_LEN + 1], size_t *dir_len);

/*
 * Parse a /proc/<pid>/cgroup file ("hier:controllers:path" lines, v1 and v2)
 * the way the module looks at a task's cgroups: the v2 ("0::") path first,
 * then the v1 hierarchies of the memory, cpu, pids and cpuset controllers;
 * the first path naming a container gives the id and path. With no
 * container, path is the memory controller's v1 path when there is one,
 * else the v2 path, else "/". path is cut to pathcap. Returns true when a
 * container was found (id set, else id = "").
 */
bool cgroupid_from_file_buf(const char *buf, char id[GESTOR_CTR_ID_LEN + 1], char *path,
			    size_t pathcap);

#endif
