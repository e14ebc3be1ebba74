/*
 * store_sqlite_vfs.c — the store's VFS (see store_sqlite_vfs.h): every
 * call goes to the default VFS and its files, except a WAL file's writes.
 *
 * A WAL file's write that continues the one before it (the next frame
 * header or page) is copied into the file's buffer; any other call on the
 * file (xSync above all, but also xRead, xTruncate, xFileSize, a lock,
 * xClose) first writes the buffer out in one piece at its offset, so
 * everything SQLite does next sees the file as if each write had been made
 * at once. A write that does not continue the buffer (a frame rewritten in
 * place) writes the buffer out first, then starts a new one. SQLite only
 * takes frames as committed once xSync has returned SQLITE_OK, and xSync
 * returns the buffer's write error if there was one (SQLITE_FULL for a full
 * disk, as before), so nothing is acknowledged that is not on disk.
 */
#include "store_sqlite_vfs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <sqlite3.h>

/*
 * A commit's frames up to this many bytes are written at once (16 pages at
 * one sender: 66 KiB); more go in several writes. Under 128 KiB: SQLite's
 * unix VFS writes at most 0x1ffff bytes a call and takes a longer write
 * that ends short for a full disk (SQLITE_FULL).
 */
#define GW_BUF (120 * 1024)

struct gw_file {
	sqlite3_file base;
	sqlite3_file *real; /* the default VFS's file, just after this struct */
	char *buf; /* a WAL file's pending bytes (sqlite3_malloc'd); NULL otherwise */
	size_t len; /* pending bytes */
	sqlite3_int64 off; /* where buf[0] goes */
};

static sqlite3_vfs gw_vfs;
static const sqlite3_vfs *gw_orig;
static int gw_rc = SQLITE_OK;
static pthread_once_t gw_once = PTHREAD_ONCE_INIT;
static atomic_ullong gw_asked, gw_written;

static struct gw_file *gw(sqlite3_file *p)
{
	return (struct gw_file *)p;
}

/* Write the pending bytes out. SQLITE_OK or the write's error (the bytes are dropped). */
static int gw_flush(struct gw_file *f)
{
	int rc;

	if (f->len == 0)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
	f->len = 0;
	atomic_fetch_add_explicit(&gw_written, 1, memory_order_relaxed);
	return rc;
}

static int gw_close(sqlite3_file *p)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f), rc2 = f->real->pMethods->xClose(f->real);

	sqlite3_free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int gw_read(sqlite3_file *p, void *z, int n, sqlite3_int64 off)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, z, n, off);
}

static int gw_write(sqlite3_file *p, const void *z, int n, sqlite3_int64 off)
{
	struct gw_file *f = gw(p);
	int rc;

	if (!f->buf)
		return f->real->pMethods->xWrite(f->real, z, n, off);
	atomic_fetch_add_explicit(&gw_asked, 1, memory_order_relaxed);
	if (f->len > 0 && off == f->off + (sqlite3_int64)f->len && f->len + (size_t)n <= GW_BUF) {
		memcpy(f->buf + f->len, z, (size_t)n);
		f->len += (size_t)n;
		return SQLITE_OK;
	}
	if ((rc = gw_flush(f)) != SQLITE_OK)
		return rc;
	if ((size_t)n > GW_BUF / 2) {
		atomic_fetch_add_explicit(&gw_written, 1, memory_order_relaxed);
		return f->real->pMethods->xWrite(f->real, z, n, off);
	}
	memcpy(f->buf, z, (size_t)n);
	f->len = (size_t)n;
	f->off = off;
	return SQLITE_OK;
}

static int gw_truncate(sqlite3_file *p, sqlite3_int64 size)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int gw_sync(sqlite3_file *p, int flags)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int gw_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int gw_lock(sqlite3_file *p, int lock)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, lock);
}

static int gw_unlock(sqlite3_file *p, int lock)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, lock);
}

static int gw_check_reserved(sqlite3_file *p, int *out)
{
	struct gw_file *f = gw(p);

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int gw_file_control(sqlite3_file *p, int op, void *arg)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int gw_sector_size(sqlite3_file *p)
{
	return gw(p)->real->pMethods->xSectorSize(gw(p)->real);
}

static int gw_device_characteristics(sqlite3_file *p)
{
	return gw(p)->real->pMethods->xDeviceCharacteristics(gw(p)->real);
}

static int gw_shm_map(sqlite3_file *p, int pg, int pgsz, int extend, void volatile **pp)
{
	sqlite3_file *r = gw(p)->real;

	return r->pMethods->iVersion >= 2 ? r->pMethods->xShmMap(r, pg, pgsz, extend, pp)
					  : SQLITE_IOERR;
}

static int gw_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
	sqlite3_file *r = gw(p)->real;

	return r->pMethods->iVersion >= 2 ? r->pMethods->xShmLock(r, offset, n, flags)
					  : SQLITE_IOERR;
}

static void gw_shm_barrier(sqlite3_file *p)
{
	sqlite3_file *r = gw(p)->real;

	if (r->pMethods->iVersion >= 2)
		r->pMethods->xShmBarrier(r);
}

static int gw_shm_unmap(sqlite3_file *p, int del)
{
	sqlite3_file *r = gw(p)->real;

	return r->pMethods->iVersion >= 2 ? r->pMethods->xShmUnmap(r, del) : SQLITE_OK;
}

static int gw_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **pp)
{
	struct gw_file *f = gw(p);
	int rc = gw_flush(f);

	*pp = NULL; /* no mapping: SQLite reads instead */
	if (rc != SQLITE_OK || f->real->pMethods->iVersion < 3)
		return rc;
	return f->real->pMethods->xFetch(f->real, off, n, pp);
}

static int gw_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
	sqlite3_file *r = gw(p)->real;

	return r->pMethods->iVersion >= 3 ? r->pMethods->xUnfetch(r, off, page) : SQLITE_OK;
}

static const sqlite3_io_methods gw_methods = {
	3,
	gw_close,
	gw_read,
	gw_write,
	gw_truncate,
	gw_sync,
	gw_file_size,
	gw_lock,
	gw_unlock,
	gw_check_reserved,
	gw_file_control,
	gw_sector_size,
	gw_device_characteristics,
	gw_shm_map,
	gw_shm_lock,
	gw_shm_barrier,
	gw_shm_unmap,
	gw_fetch,
	gw_unfetch,
};

static int gw_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out_flags)
{
	struct gw_file *f = gw(p);
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	rc = gw_orig->xOpen((sqlite3_vfs *)gw_orig, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		f->base.pMethods = NULL; /* SQLite calls no xClose then */
		return rc;
	}
	if (flags & SQLITE_OPEN_WAL)
		f->buf = sqlite3_malloc(GW_BUF); /* NULL: written as asked */
	f->base.pMethods = &gw_methods;
	return SQLITE_OK;
}

static void gw_register_once(void)
{
	gw_orig = sqlite3_vfs_find(NULL);
	if (!gw_orig) {
		gw_rc = SQLITE_ERROR;
		return;
	}
	gw_vfs = *gw_orig; /* the default VFS's other calls, its pAppData included */
	gw_vfs.pNext = NULL;
	gw_vfs.zName = STORE_SQLITE_VFS;
	gw_vfs.szOsFile = (int)sizeof(struct gw_file) + gw_orig->szOsFile;
	gw_vfs.xOpen = gw_open;
	gw_rc = sqlite3_vfs_register(&gw_vfs, 0);
}

int store_sqlite_vfs_register(void)
{
	pthread_once(&gw_once, gw_register_once);
	return gw_rc;
}

void store_sqlite_vfs_stats(struct store_sqlite_vfs_stats *st)
{
	st->asked = atomic_load_explicit(&gw_asked, memory_order_relaxed);
	st->written = atomic_load_explicit(&gw_written, memory_order_relaxed);
}
