/*
 * memtrim.h — give back the code pages a long-running process faulted in at
 * start-up and will not run again (see memtrim.c).
 */
#ifndef GESTOR_MEMTRIM_H
#define GESTOR_MEMTRIM_H

#include <stddef.h>

/*
 * Drop from this process's page tables the resident pages of every read-only
 * file mapping (the program's and its libraries' code and constants) that
 * holds no private copy of a page; they come back from the page cache when
 * used. Returns the number of mappings trimmed, or -errno when
 * /proc/self/smaps cannot be read. Never loses data.
 */
int memtrim_code(void);

/* This process's resident set size in KiB from /proc/self/statm; 0 when unknown. */
size_t memtrim_rss_kb(void);

#endif
