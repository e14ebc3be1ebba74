/*
 * cgmem.c — a container's memory as docker stats computes it, from its
 * memory cgroup's files (v1 or v2): usage minus inactive file pages, and
 * the limit. See cgmem.h.
 */
#include "cgmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int cgmem_parse_memstat_buf(const char *buf, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return util_parse_u64(p + kl, NULL, UINT64_MAX, out) < 0 ? -EINVAL : 0;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* The files read of a memory cgroup directory. */

/* File i of a v1 or v2 directory; NULL when that version has none (v1's limit
 * comes from memory.stat). */
const char *cgmem_file(int version, int i)
{
	static const char *const v1[CGMEM_NFILES] = { "memory.usage_in_bytes", NULL,
						      "memory.stat" };
	static const char *const v2[CGMEM_NFILES] = { "memory.current", "memory.max",
						      "memory.stat" };

	return version == 1 ? v1[i] : v2[i];
}

/* "<dir>/<file i>" into path; false when it does not fit or the version has no such file. */
bool cgmem_path(char *path, size_t cap, const char *dir, int version, int i)
{
	const char *f = cgmem_file(version, i);
	int n = f ? snprintf(path, cap, "%s/%s", dir, f) : -1;

	return n >= 0 && (size_t)n < cap;
}

/*
 * Read file i of dir into buf (NUL-terminated): by its full path, or, with
 * fds, from the descriptor kept open (a read at offset 0 makes the kernel
 * format the file afresh). -errno on failure.
 */
static ssize_t cgmem_read_file(const char *dir, const int *fds, int version, int i, char *buf,
			       size_t cap)
{
	char path[CGMEM_DIR_MAX + 32];

	if (fds) {
		ssize_t r = pread(fds[i], buf, cap - 1, 0);

		if (r < 0)
			return -errno;
		buf[r] = '\0';
		return r;
	}
	if (!cgmem_path(path, sizeof(path), dir, version, i))
		return -ENAMETOOLONG;
	return util_read_once_at(AT_FDCWD, path, buf, cap);
}

/* A number file's contents (or "max" when is_max is given). 0 or -EINVAL. */
static int cgmem_num(const char *buf, uint64_t *out, bool *is_max)
{
	if (is_max)
		*is_max = strncmp(buf, "max", 3) == 0;
	if (is_max && *is_max) {
		*out = UINT64_MAX;
		return 0;
	}
	return util_parse_u64(buf, NULL, UINT64_MAX, out) < 0 ? -EINVAL : 0;
}

/*
 * The files of one directory after its usage (raw, already read), as v1
 * (version 1) or v2 (version 2), by path or from fds (see cgmem_read_file).
 * On v1 the limit comes from memory.stat's hierarchical_memory_limit (the
 * effective limit, the container's own unless a parent's is lower), so v1
 * reads two files; v2 reads memory.max as the third.
 */
static int cgmem_read_rest(const char *dir, int version, const int *fds, uint64_t raw,
			   uint64_t ram_bytes, struct cgmem *out)
{
	char buf[8192];
	uint64_t limit = UINT64_MAX, inactive = 0;
	bool is_max = false;
	ssize_t r;
	int ret;

	if (version == 2 && (cgmem_read_file(dir, fds, version, CGMEM_MAX, buf, 64) < 0 ||
			     cgmem_num(buf, &limit, &is_max) < 0))
		limit = UINT64_MAX;
	r = cgmem_read_file(dir, fds, version, CGMEM_STAT, buf, sizeof(buf));
	if (r >= 0) {
		ret = cgmem_parse_memstat_buf(
			buf, version == 1 ? "total_inactive_file" : "inactive_file", &inactive);
		if (ret == -EINVAL)
			return ret;
		if (version == 1 &&
		    cgmem_parse_memstat_buf(buf, "hierarchical_memory_limit", &limit) < 0)
			limit = UINT64_MAX;
	} else if (fds) {
		return (int)r; /* a kept descriptor that fails: the cgroup went away */
	}
	memset(out, 0, sizeof(*out));
	out->version = version;
	out->raw = raw;
	out->inactive_file = inactive;
	out->usage = raw > inactive ? raw - inactive : 0;
	/* v1 "unlimited" is a huge page-aligned number; docker caps at the RAM */
	out->limit = (limit == 0 || limit > ram_bytes) ? ram_bytes : limit;
	return 0;
}

/* The usage file of a directory (by path or from fds): 0 or -errno. */
static int cgmem_read_usage(const char *dir, int version, const int *fds, uint64_t *raw)
{
	char buf[64];
	ssize_t r = cgmem_read_file(dir, fds, version, CGMEM_USAGE, buf, sizeof(buf));

	return r < 0 ? (int)r : cgmem_num(buf, raw, NULL);
}

int cgmem_read_dir(const char *dir, int version, const int *fds, uint64_t ram_bytes,
		   struct cgmem *out)
{
	uint64_t raw;
	int ret = cgmem_read_usage(dir, version, fds, &raw);

	return ret < 0 ? ret : cgmem_read_rest(dir, version, fds, raw, ram_bytes, out);
}

int cgmem_read_kept(int version, const int *fds, uint64_t ram_bytes, const uint64_t *given,
		    const struct cgmem *last, struct cgmem *out)
{
	uint64_t raw = given ? *given : 0;
	int ret = given ? 0 : cgmem_read_usage("", version, fds, &raw);

	if (ret < 0)
		return ret;
	if (last && last->version == version && last->raw == raw) {
		*out = *last;
		return 1;
	}
	return cgmem_read_rest("", version, fds, raw, ram_bytes, out);
}

int cgmem_read(const char *root, const char *cgroup_dir, const char *id, uint64_t ram_bytes,
	       struct cgmem *out)
{
	char dir[CGMEM_DIR_MAX];

	return cgmem_find(root, cgroup_dir, id, ram_bytes, out, dir);
}

int cgmem_find(const char *root, const char *cgroup_dir, const char *id, uint64_t ram_bytes,
	       struct cgmem *out, char *dir)
{
	static const char *const v1[] = { "%s/memory/docker/%s",
					  "%s/memory/system.slice/docker-%s.scope" };
	static const char *const v2[] = { "%s/system.slice/docker-%s.scope", "%s/docker/%s",
					  "%s/unified/system.slice/docker-%s.scope",
					  "%s/unified/docker/%s" };
	const char *sub = cgroup_dir ? cgroup_dir : "";
	int ret, worst = -ENOENT;

	if (!root)
		root = CGMEM_ROOT;
	/* the directory the processes are in: the v1 memory hierarchy, the v2
	 * root, hybrid's unified; then Docker's usual places for the id */
	if (sub[0]) {
		static const char *const fmts[] = { "%s/memory%s", "%s%s", "%s/unified%s" };
		for (size_t i = 0; i < UTIL_ARRAY_LEN(fmts); i++) {
			snprintf(dir, CGMEM_DIR_MAX, fmts[i], root, sub);
			ret = cgmem_read_dir(dir, i == 0 ? 1 : 2, NULL, ram_bytes, out);
			if (ret == 0)
				return 0;
			if (ret == -EINVAL)
				worst = ret;
		}
	}
	if (id && util_is_hex(id, GESTOR_CTR_ID_LEN)) {
		for (size_t i = 0; i < UTIL_ARRAY_LEN(v1) + UTIL_ARRAY_LEN(v2); i++) {
			bool is_v1 = i < UTIL_ARRAY_LEN(v1);
			snprintf(dir, CGMEM_DIR_MAX, is_v1 ? v1[i] : v2[i - UTIL_ARRAY_LEN(v1)],
				 root, id);
			ret = cgmem_read_dir(dir, is_v1 ? 1 : 2, NULL, ram_bytes, out);
			if (ret == 0)
				return 0;
			if (ret == -EINVAL)
				worst = ret;
		}
	}
	return worst;
}
