/*
 * cgfds.h — the memory cgroup files of the containers of the last cycle,
 * kept open from one to the next (owned by the caller): reading them again
 * at offset 0 costs one system call per file instead of open, read and
 * close, and no path lookup. A container not seen in a cycle has its files
 * closed; one whose kept files fail is looked up again. At most CGFDS_MAX
 * containers (3 descriptors each at most), fewer when the descriptor limit
 * leaves less room; the others are read by path.
 *
 * The same table keeps other files of a container for other readers
 * (ctrio.c's cgroup and net/dev files): cgfds_new_n() sizes it for their
 * descriptors, cgfds_slot() hands out a container's kept descriptors.
 */
#ifndef SERVICIO_CGFDS_H
#define SERVICIO_CGFDS_H

#include <stddef.h>
#include <stdint.h>

#include "cgmem.h"

#define CGFDS_MAX 1000
#define CGFDS_NFD 10 /* descriptors kept per container at most */
#define CGFDS_ABSENT (-2) /* a slot's file that is not there: not looked up again */

struct cgfds;

/* What is kept for one container: fd[i] -1 (not open yet), CGFDS_ABSENT or
 * an open descriptor the table closes when the container goes. */
struct cgfds_slot {
	int version; /* the cgroup version its files are of (0: not known yet) */
	int32_t pid; /* the caller's: the process a /proc file was opened through */
	int fd[CGFDS_NFD];
	void *data; /* the caller's, malloc'd: freed when the container goes */
};

/* NULL when out of memory. */
struct cgfds *cgfds_new(void);
/* A table for up to nfd (<= CGFDS_NFD) descriptors per container, whose
 * size leaves reserve descriptors of the limit to everything else. */
struct cgfds *cgfds_new_n(size_t nfd, size_t reserve);
void cgfds_free(struct cgfds *c);
/* Containers whose files are open. */
size_t cgfds_size(const struct cgfds *c);

/* A cycle: begin, cgfds_read() per container, end (closes the unseen). */
void cgfds_begin(struct cgfds *c);
void cgfds_end(struct cgfds *c);

/*
 * memory.stat (inactive file pages; v1's limit) and v2's memory.max read
 * again only when the usage changed since their last read or that read is
 * ns old (0, the default: every time). Between, a container whose usage
 * stands still keeps that read's figures: pages moving between the active
 * and inactive lists without a change of usage show at the next read.
 */
void cgfds_stat_every(struct cgfds *c, uint64_t ns);
/* Containers whose memory.stat figures were taken again in this cycle. */
size_t cgfds_stat_reused(const struct cgfds *c);

/* A memory cgroup's usage as the metrics source read it with the processes
 * (the BPF records): the directory's inode number (its kernfs id) and the
 * bytes its usage file would show; ino 0: none. */
struct cgfds_given {
	uint64_t ino, bytes;
};

/* cgmem_read() through the descriptors kept for id, keeping them when new.
 * A usage given for the directory the descriptors are of (the same inode)
 * is taken instead of reading the usage file (given NULL: none). */
int cgfds_read(struct cgfds *c, const char *root, const char *cgroup_dir, const char *id,
	       uint64_t ram_bytes, const struct cgfds_given *given, struct cgmem *out);
/* Containers whose usage in this cycle was the one given. */
size_t cgfds_usage_given(const struct cgfds *c);

/*
 * Read the memory files of every container kept (as cgfds_read() would)
 * now, for the coming cycle's cgfds_read() to take instead of reading them
 * then: the metrics facade runs it on a thread of its own while the source
 * takes its snapshot (on two cores the BPF read and these reads overlap).
 * Nothing else may use c until it returns. A container whose read failed is
 * looked up again by that cgfds_read().
 */
void cgfds_prefetch(struct cgfds *c);
/* Containers cgfds_prefetch() would read: those kept whose usage the last
 * cycle did not have given (a source that gives it again needs no thread). */
size_t cgfds_prefetch_size(const struct cgfds *c);
/* Forget what cgfds_prefetch() read (the cycle it was for did not come). */
void cgfds_prefetch_drop(struct cgfds *c);

/* The slot kept for id (marked seen in this cycle), a new one (version 0,
 * every fd -1) when it has none and there is room; NULL when not kept (the
 * caller reads by path). Valid until the next cgfds_slot() or cgfds_end().
 * Not to be mixed with cgfds_read() in one table. */
struct cgfds_slot *cgfds_slot(struct cgfds *c, const char *id);
/* Close every descriptor of s and forget its version (to look it up again). */
void cgfds_slot_reset(struct cgfds_slot *s);

#endif
