/*
 * cgfds.h — the memory cgroup files of the containers of the last cycle,
 * kept open from one to the next (owned by the caller): reading them again
 * at offset 0 costs one system call per file instead of open, read and
 * close, and no path lookup. A container not seen in a cycle has its files
 * closed; one whose kept files fail is looked up again. At most CGFDS_MAX
 * containers (3 descriptors each at most), fewer when the descriptor limit
 * leaves less room; the others are read by path.
 */
#ifndef SERVICIO_CGFDS_H
#define SERVICIO_CGFDS_H

#include <stddef.h>
#include <stdint.h>

#include "cgmem.h"

#define CGFDS_MAX 1000

struct cgfds;

/* NULL when out of memory. */
struct cgfds *cgfds_new(void);
void cgfds_free(struct cgfds *c);
/* Containers whose files are open. */
size_t cgfds_size(const struct cgfds *c);

/* A cycle: begin, cgfds_read() per container, end (closes the unseen). */
void cgfds_begin(struct cgfds *c);
void cgfds_end(struct cgfds *c);

/* cgmem_read() through the descriptors kept for id, keeping them when new. */
int cgfds_read(struct cgfds *c, const char *root, const char *cgroup_dir, const char *id,
	       uint64_t ram_bytes, struct cgmem *out);

#endif
