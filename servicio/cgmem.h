/*
 * cgmem.h — a container's memory as docker stats computes it, read from its
 * memory cgroup: cgroup v1 memory.usage_in_bytes minus total_inactive_file
 * (limit: memory.stat's hierarchical_memory_limit), v2 memory.current minus
 * inactive_file (limit: memory.max); the limit is the machine's RAM when
 * unlimited. The cgroup fs root is a parameter (tests use fixture trees).
 */
#ifndef SERVICIO_CGMEM_H
#define SERVICIO_CGMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "snapshot.h"

#define CGMEM_ROOT "/sys/fs/cgroup"

/* The files read of a memory cgroup directory. */
enum { CGMEM_USAGE, CGMEM_MAX, CGMEM_STAT, CGMEM_NFILES };

/* A container's cgroup memory, bytes, as docker stats reads it. */
struct cgmem {
	uint64_t raw; /* memory.usage_in_bytes (v1) / memory.current (v2) */
	uint64_t inactive_file; /* total_inactive_file (v1) / inactive_file (v2) */
	uint64_t usage; /* raw - inactive_file (docker stats' "MEM USAGE") */
	uint64_t limit; /* the cgroup's limit, or the RAM when unlimited */
	int version; /* 1 or 2 */
};

/* The longest directory path cgmem_find() gives. */
#define CGMEM_DIR_MAX (SNAP_CGROUP_MAX + 64)

/*
 * Read the cgroup memory of a container: the directory given (path inside
 * the hierarchy, may be "") and then Docker's usual places for the id, under
 * v1 (<root>/memory/...) and v2 (<root>/..., <root>/unified/...).
 * ram_bytes stands for "unlimited". 0 or -ENOENT when no directory has the
 * files, -EINVAL when a file is malformed.
 */
int cgmem_read(const char *root, const char *cgroup_dir, const char *id, uint64_t ram_bytes,
	       struct cgmem *out);
/* cgmem_read(), and the directory it was read from into dir (CGMEM_DIR_MAX bytes). */
int cgmem_find(const char *root, const char *cgroup_dir, const char *id, uint64_t ram_bytes,
	       struct cgmem *out, char *dir);

/*
 * Read one directory as version 1 or 2: by path, or from fds (one open
 * descriptor per file index, -1 where the version has none; read at offset
 * 0, which makes the kernel format the file afresh). 0 or -errno.
 */
int cgmem_read_dir(const char *dir, int version, const int *fds, uint64_t ram_bytes,
		   struct cgmem *out);

/*
 * cgmem_read_dir() from kept descriptors, given the figures of the last
 * full read (NULL: none): when the usage shows the same as then, those
 * figures again (1) without reading memory.stat (and v2's memory.max), else
 * a full read (0). The usage is *given when not NULL (the source read the
 * same counter with the processes), else read from its file. -errno as
 * cgmem_read_dir.
 */
int cgmem_read_kept(int version, const int *fds, uint64_t ram_bytes, const uint64_t *given,
		    const struct cgmem *last, struct cgmem *out);

/* File i of a v1 or v2 directory; NULL when that version has none. */
const char *cgmem_file(int version, int i);
/* "<dir>/<file i>" into path; false when it does not fit or there is none. */
bool cgmem_path(char *path, size_t cap, const char *dir, int version, int i);

/* Pure parser of memory.stat: the value of key ("total_inactive_file",
 * "inactive_file"); 0 or -ENOENT when the key is absent. */
int cgmem_parse_memstat_buf(const char *buf, const char *key, uint64_t *out);

#endif
