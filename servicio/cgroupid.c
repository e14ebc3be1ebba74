/*
 * cgroupid.c — container attribution from cgroup paths: scans the path's
 * components for Docker's, containerd's, CRI-O's and podman's naming of a
 * container's cgroup and returns the outermost one's 64-hex id, and picks
 * the line of /proc/<pid>/cgroup to look at in the module's order (rules in
 * cgroupid.h; they mirror kernel/sysinfo.c).
 */
#include "cgroupid.h"

#include <string.h>

#include "util.h"

static bool cgroupid_hex64(const char *s, size_t n)
{
	if (n != GESTOR_CTR_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* Does component c (n bytes) name a container? prev/prevn is the component
 * before it (prevn 0 at the start). On a match *id points at the 64 hex digits. */
static bool cgroupid_component(const char *c, size_t n, const char *prev, size_t prevn,
			       const char **id)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };

	if (prevn == 6 && memcmp(prev, "docker", 6) == 0 && cgroupid_hex64(c, n)) {
		*id = c;
		return true;
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);

		if (n == pl + GESTOR_CTR_ID_LEN + 6 && memcmp(c, prefixes[i], pl) == 0 &&
		    memcmp(c + pl + GESTOR_CTR_ID_LEN, ".scope", 6) == 0 &&
		    cgroupid_hex64(c + pl, GESTOR_CTR_ID_LEN)) {
			*id = c + pl;
			return true;
		}
	}
	return false;
}

/* The path is the n bytes at path (not necessarily terminated). */
static bool cgroupid_scan(const char *path, size_t len, char id[GESTOR_CTR_ID_LEN + 1],
			  size_t *dir_len)
{
	const char *p = path, *end = path + len, *prev = "";
	size_t prevn = 0;

	while (p < end) {
		const char *c, *match;
		size_t n;

		if (*p == '/') {
			p++;
			continue;
		}
		c = p;
		while (p < end && *p != '/')
			p++;
		n = (size_t)(p - c);
		if (cgroupid_component(c, n, prev, prevn, &match)) {
			memcpy(id, match, GESTOR_CTR_ID_LEN);
			id[GESTOR_CTR_ID_LEN] = '\0';
			if (dir_len)
				*dir_len = (size_t)(p - path);
			return true;
		}
		prev = c;
		prevn = n;
	}
	id[0] = '\0';
	return false;
}

bool cgroupid_from_path(const char *path, char id[GESTOR_CTR_ID_LEN + 1], size_t *dir_len)
{
	return cgroupid_scan(path, strlen(path), id, dir_len);
}

/* Does the comma-separated controller list ctl (n bytes) hold name? */
static bool cgroupid_has_ctl(const char *ctl, size_t n, const char *name)
{
	const char *p = ctl, *end = ctl + n;
	size_t nl = strlen(name);

	while (p < end) {
		const char *c = p;
		while (p < end && *p != ',')
			p++;
		if ((size_t)(p - c) == nl && memcmp(c, name, nl) == 0)
			return true;
		p++;
	}
	return false;
}

static void cgroupid_copy_path(const char *s, size_t n, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Slot order: the module's (v2, then v1 memory, cpu, pids, cpuset). */
enum { CG_V2, CG_MEMORY, CG_CPU, CG_PIDS, CG_CPUSET, CG_SLOTS };

bool cgroupid_from_file_buf(const char *buf, char id[GESTOR_CTR_ID_LEN + 1], char *path,
			    size_t pathcap)
{
	static const char *const v1names[CG_SLOTS] = { NULL, "memory", "cpu", "pids", "cpuset" };
	const char *slot[CG_SLOTS] = { NULL };
	size_t slotn[CG_SLOTS] = { 0 };
	const char *p = buf;

	id[0] = '\0';
	while (*p) {
		const char *line = p, *c1, *c2, *eol;

		while (*p && *p != '\n')
			p++;
		eol = p;
		if (*p == '\n')
			p++;
		/* "hier:controllers:path" (the path may hold ':') */
		c1 = memchr(line, ':', (size_t)(eol - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
		if (!c2)
			continue;
		if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
			if (!slot[CG_V2]) {
				slot[CG_V2] = c2 + 1;
				slotn[CG_V2] = (size_t)(eol - c2 - 1);
			}
			continue;
		}
		for (int s = CG_MEMORY; s < CG_SLOTS; s++) {
			if (!slot[s] &&
			    cgroupid_has_ctl(c1 + 1, (size_t)(c2 - c1 - 1), v1names[s])) {
				slot[s] = c2 + 1;
				slotn[s] = (size_t)(eol - c2 - 1);
			}
		}
	}
	for (int s = 0; s < CG_SLOTS; s++) {
		if (slot[s] && cgroupid_scan(slot[s], slotn[s], id, NULL)) {
			cgroupid_copy_path(slot[s], slotn[s], path, pathcap);
			return true;
		}
	}
	if (slot[CG_MEMORY])
		cgroupid_copy_path(slot[CG_MEMORY], slotn[CG_MEMORY], path, pathcap);
	else if (slot[CG_V2])
		cgroupid_copy_path(slot[CG_V2], slotn[CG_V2], path, pathcap);
	else
		cgroupid_copy_path("/", 1, path, pathcap);
	return false;
}
