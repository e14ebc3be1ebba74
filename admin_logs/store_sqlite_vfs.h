/*
 * store_sqlite_vfs.h — the SQLite VFS of the store's write connection: the
 * system's default VFS, except that a WAL file gathers the frames a commit
 * appends (SQLite writes each frame twice: its 24-byte header, then its
 * page) and writes them with one write(2) just before SQLite syncs the
 * file. The bytes, their order and the sync are SQLite's own, so a commit
 * is exactly as durable; at one sender a commit of 16 pages took 33 writes.
 */
#ifndef ADMIN_LOGS_STORE_SQLITE_VFS_H
#define ADMIN_LOGS_STORE_SQLITE_VFS_H

#include <stdint.h>

#define STORE_SQLITE_VFS "gestor-wal"

/*
 * Register STORE_SQLITE_VFS (not as the default; once per process, later
 * calls do nothing). SQLITE_OK or SQLite's error code.
 */
int store_sqlite_vfs_register(void);

/* Writes SQLite asked of WAL files through the VFS, and write(2)s made for them, so far. */
struct store_sqlite_vfs_stats {
	uint64_t asked, written;
};
void store_sqlite_vfs_stats(struct store_sqlite_vfs_stats *st);

#endif
