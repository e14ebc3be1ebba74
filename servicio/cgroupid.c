/*
 * cgroupid.c — container attribution from cgroup paths: scans the path's
 * components for Docker's, containerd's, CRI-O's and podman's naming of a
 * container's cgroup and returns the innermost one's 64-hex id (rules in
 * cgroupid.h; they mirror the kernel module's).
 */
#include "cgroupid.h"

#include <string.h>

#include "util.h"

static bool cgroupid_hex64(const char *s, size_t n)
{
	if (n != CGROUPID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* Does component c (n bytes) name a container? prev/prevn is the component
 * before it ("" at the start). On a match *id points at the 64 hex digits. */
static bool cgroupid_component(const char *c, size_t n, const char *prev, size_t prevn,
			       const char **id)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "libpod-", "crio-" };

	if (n == CGROUPID_LEN && prevn == 6 && memcmp(prev, "docker", 6) == 0 &&
	    cgroupid_hex64(c, n)) {
		*id = c;
		return true;
	}
	for (size_t i = 0; i < UTIL_ARRAY_LEN(prefixes); i++) {
		size_t pl = strlen(prefixes[i]);
		size_t rest;

		if (n <= pl || memcmp(c, prefixes[i], pl) != 0)
			continue;
		rest = n - pl;
		if (rest == CGROUPID_LEN + 6 && memcmp(c + pl + CGROUPID_LEN, ".scope", 6) == 0 &&
		    cgroupid_hex64(c + pl, CGROUPID_LEN)) {
			*id = c + pl;
			return true;
		}
		/* podman's cgroupfs layout: /libpod_parent/libpod-<id> */
		if (rest == CGROUPID_LEN && strcmp(prefixes[i], "libpod-") == 0 &&
		    cgroupid_hex64(c + pl, CGROUPID_LEN)) {
			*id = c + pl;
			return true;
		}
	}
	return false;
}

bool cgroupid_from_path(const char *path, char id[CGROUPID_LEN + 1], size_t *dir_len)
{
	const char *p = path, *prev = "", *found = NULL;
	size_t prevn = 0, found_end = 0;

	while (*p) {
		const char *c, *match;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		c = p;
		while (*p && *p != '/' && *p != '\n')
			p++;
		n = (size_t)(p - c);
		if (cgroupid_component(c, n, prev, prevn, &match)) {
			found = match;
			found_end = (size_t)(p - path);
		}
		prev = c;
		prevn = n;
		if (*p == '\n')
			break;
	}
	if (!found) {
		id[0] = '\0';
		return false;
	}
	memcpy(id, found, CGROUPID_LEN);
	id[CGROUPID_LEN] = '\0';
	if (dir_len)
		*dir_len = found_end;
	return true;
}

/* The controllers field of a v1 line lists "memory" among its comma-separated names. */
static bool cgroupid_has_memory(const char *ctl, size_t n)
{
	const char *p = ctl, *end = ctl + n;

	while (p < end) {
		const char *c = p;
		while (p < end && *p != ',')
			p++;
		if ((size_t)(p - c) == 6 && memcmp(c, "memory", 6) == 0)
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

bool cgroupid_from_file_buf(const char *buf, char id[CGROUPID_LEN + 1], char *path, size_t pathcap)
{
	/* rank: 3 memory line with id, 2 v2 line with id, 1 other line with id */
	int best = 0;
	const char *v2 = NULL, *first = NULL;
	size_t v2n = 0, firstn = 0;
	const char *p = buf;

	id[0] = '\0';
	if (pathcap)
		path[0] = '\0';
	while (*p) {
		const char *line = p, *c1, *c2, *pp;
		size_t pn;
		char lid[CGROUPID_LEN + 1];
		int rank;

		while (*p && *p != '\n')
			p++;
		/* line .. p: "hier:controllers:path" (the path may hold ':') */
		c1 = memchr(line, ':', (size_t)(p - line));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p - c1 - 1)) : NULL;
		if (*p == '\n')
			p++;
		if (!c2)
			continue;
		pp = c2 + 1;
		pn = (size_t)((*(p - 1) == '\n' ? p - 1 : p) - pp);
		if (!first) {
			first = pp;
			firstn = pn;
		}
		bool is_v2 = (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1);
		if (is_v2 && !v2) {
			v2 = pp;
			v2n = pn;
		}
		char tmp[4096];
		if (pn >= sizeof(tmp))
			continue;
		memcpy(tmp, pp, pn);
		tmp[pn] = '\0';
		if (!cgroupid_from_path(tmp, lid, NULL))
			continue;
		rank = cgroupid_has_memory(c1 + 1, (size_t)(c2 - c1 - 1)) ? 3 : is_v2 ? 2 : 1;
		if (rank > best) {
			best = rank;
			memcpy(id, lid, sizeof(lid));
			cgroupid_copy_path(pp, pn, path, pathcap);
		}
	}
	if (best)
		return true;
	if (v2)
		cgroupid_copy_path(v2, v2n, path, pathcap);
	else if (first)
		cgroupid_copy_path(first, firstn, path, pathcap);
	return false;
}
