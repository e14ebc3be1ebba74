/*
 * procskip.h — what a containers-only procfs walk remembers from walk to
 * walk, so that most processes are not read every time (owned by the
 * caller of the walk).
 *
 * A process found in the same place — outside any container, or in the
 * same container — in two walks in a row and under the same /proc inode
 * (d_ino: a process that exits and a new one with its pid get different
 * inodes) has its cgroup file read again only once `recheck` walks have
 * passed: until then a process outside containers is not read at all, and
 * one inside has only its stat read. A process moved between cgroups (not
 * something container engines do to a running process) is seen at the
 * latest by that re-read.
 *
 * Two sets sorted by pid, typed: the processes outside containers, and
 * those in one with where their cgroup file said they are. Each walk
 * builds the next sets from what it finds; processes gone are forgotten.
 */
#ifndef SERVICIO_PROCSKIP_H
#define SERVICIO_PROCSKIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define PROCSKIP_RECHECK 30 /* walks between re-reads of a skipped process */

struct procskip;

/* Where a process in a container is, as its cgroup file said. */
struct procskip_where {
	char id[GESTOR_CTR_ID_LEN + 1];
	char cgroup[SNAP_CGROUP_MAX];
};

/* NULL when out of memory; recheck 0 means PROCSKIP_RECHECK. */
struct procskip *procskip_new(unsigned recheck);
void procskip_free(struct procskip *sk);

/* A walk: begin, then per pid directory skip_out() / known() before the
 * read and note_out() / note_in() after it, then end. */
void procskip_begin(struct procskip *sk);
void procskip_end(struct procskip *sk);
/* pid (inode ino) outside containers can be left unread this walk. */
bool procskip_skip_out(struct procskip *sk, uint32_t pid, uint64_t ino);
/* pid (inode ino) is in a container whose place *out is still fresh. */
bool procskip_known(const struct procskip *sk, uint32_t pid, uint64_t ino,
		    struct procskip_where *out);
/* pid (inode ino) was read and found outside containers. */
void procskip_note_out(struct procskip *sk, uint32_t pid, uint64_t ino);
/* pid (inode ino) is in container id at cgroup; reused: known() gave it. */
void procskip_note_in(struct procskip *sk, uint32_t pid, uint64_t ino, const char *id,
		      const char *cgroup, bool reused);

/* Of the last walk: processes outside containers left unread; processes in
 * one whose cgroup was not read again; processes remembered. */
size_t procskip_skipped(const struct procskip *sk);
size_t procskip_reused(const struct procskip *sk);
size_t procskip_size(const struct procskip *sk);

#endif
