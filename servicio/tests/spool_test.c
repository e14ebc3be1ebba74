/*
 * spool_test.c — unit tests for spool.c on real files: order of delivery,
 * the head survives a reopen (a restart), a torn last line is cut, backoff
 * after a failure, a rejected batch does not block the rest, the size bound
 * (compaction first, then a loud refusal); the durability order (each
 * batch fdatasync'd after its write and before spool_append returns, the
 * head file fsync'd before its rename) and the disk's failures (a full
 * disk at fdatasync, a write cut short by RLIMIT_FSIZE, a failed fsync of
 * the head or of a compaction), paths that cannot be used, a damaged file.
 *
 * The seam: this program defines fsync() and fdatasync() itself, so the
 * calls spool.c makes come here (the executable's definitions come first in
 * symbol lookup); they note the call (fd, the file's size and name then)
 * and do the real system call, or fail with an errno the test chose.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

#include "../spool.h"

static char dir[64], path[128];
static char err[512];

/* ---- the fsync seam ---------------------------------------------------- */

struct sync_call {
	char kind; /* 'f' fsync, 'd' fdatasync */
	int fd;
	off_t size; /* of the file at the call */
	char name[256]; /* its path (/proc/self/fd) */
};
static struct sync_call calls[64];
static size_t ncalls;
static int fail_fsync, fail_fdatasync; /* errno to fail with, 0: the real call */

static int note_sync(char kind, int fd)
{
	struct sync_call *c = &calls[ncalls < 64 ? ncalls++ : 63];
	char link[64];
	struct stat st;
	ssize_t n;

	c->kind = kind;
	c->fd = fd;
	c->size = fstat(fd, &st) == 0 ? st.st_size : -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, c->name, sizeof(c->name) - 1);
	c->name[n > 0 ? n : 0] = '\0';
	return 0;
}

int fsync(int fd)
{
	note_sync('f', fd);
	if (fail_fsync) {
		errno = fail_fsync;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	note_sync('d', fd);
	if (fail_fdatasync) {
		errno = fail_fdatasync;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static void sync_reset(void)
{
	ncalls = 0;
	fail_fsync = fail_fdatasync = 0;
}

static off_t file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

struct sink {
	char got[32][64];
	size_t n;
	size_t fail_after; /* RETRY once n reaches this */
	const char *reject; /* REJECTED for this line */
};

static enum spool_send sink_send(void *ctx, const char *line, size_t len)
{
	struct sink *s = ctx;

	if (s->n >= s->fail_after)
		return SPOOL_RETRY;
	if (s->reject && strlen(s->reject) == len && memcmp(s->reject, line, len) == 0)
		return SPOOL_REJECTED;
	snprintf(s->got[s->n++], 64, "%.*s", (int)len, line);
	return SPOOL_SENT;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/gestor-spool-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sub/spool", dir); /* the directory is created */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(dir);
}

static void append(struct spool *sp, const char *s)
{
	assert_int_equal(spool_append(sp, s, strlen(s), err, sizeof(err)), 0);
}

static void test_order_and_restart(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 2 };

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_true(spool_empty(&sp));
	append(&sp, "{\"batch_id\":\"b1\"}");
	append(&sp, "{\"batch_id\":\"b2\"}");
	append(&sp, "{\"batch_id\":\"b3\"}");
	assert_int_equal(sp.pending, 3);
	/* two go through, the third fails: backoff */
	assert_int_equal(spool_drain(&sp, sink_send, &k, 1000, false, 100, NULL, err, sizeof(err)),
			 2);
	assert_int_equal(sp.pending, 1);
	assert_true(sp.next_try_ns > 1000);
	/* within the backoff nothing is tried */
	k.fail_after = 100;
	assert_int_equal(spool_drain(&sp, sink_send, &k, 1001, false, 100, NULL, err, sizeof(err)),
			 0);
	spool_close(&sp);
	/* a restart: only b3 is left */
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.pending, 1);
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 1);
	assert_string_equal(k.got[0], "{\"batch_id\":\"b1\"}");
	assert_string_equal(k.got[1], "{\"batch_id\":\"b2\"}");
	assert_string_equal(k.got[2], "{\"batch_id\":\"b3\"}");
	assert_true(spool_empty(&sp));
	/* all delivered: the file is truncated */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	spool_close(&sp);
}

static void test_torn_tail(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };
	int fd;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "one");
	spool_close(&sp);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"torn", 6), 6); /* a crash mid-write */
	close(fd);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.pending, 1);
	append(&sp, "two");
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 2);
	assert_string_equal(k.got[0], "one");
	assert_string_equal(k.got[1], "two");
	spool_close(&sp);
}

static void test_rejected_does_not_block(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100, .reject = "bad" };
	size_t rej = 0;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "a");
	append(&sp, "bad");
	append(&sp, "c");
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, &rej, err, sizeof(err)), 2);
	assert_int_equal(rej, 1);
	assert_string_equal(k.got[1], "c");
	assert_true(spool_empty(&sp));
	spool_close(&sp);
}

static void test_bound_and_compaction(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 1 };
	char line[40];

	(void)state;
	/* 100 bytes: room for 4 lines of 24+1 */
	assert_int_equal(spool_open(&sp, path, 100, err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "batch-%02d-xxxxxxxxxxxxxxx", i);
		append(&sp, line);
	}
	assert_int_equal(spool_append(&sp, line, strlen(line), err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "FULL"));
	assert_int_equal(sp.dropped, 1);
	/* deliver one: the next append compacts and fits */
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 1);
	snprintf(line, sizeof(line), "batch-%02d-xxxxxxxxxxxxxxx", 4);
	append(&sp, line);
	assert_int_equal(sp.head, 0);
	assert_int_equal(sp.pending, 4);
	spool_close(&sp);
	/* after the reopen the order is intact: 01 02 03 04 */
	assert_int_equal(spool_open(&sp, path, 100, err, sizeof(err)), 0);
	k.fail_after = 100;
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 4);
	assert_string_equal(k.got[0], "batch-00-xxxxxxxxxxxxxxx");
	assert_string_equal(k.got[1], "batch-01-xxxxxxxxxxxxxxx");
	assert_string_equal(k.got[4], "batch-04-xxxxxxxxxxxxxxx");
	spool_close(&sp);
}

static void test_bad_input(void **state)
{
	struct spool sp;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(spool_append(&sp, "a\nb", 3, err, sizeof(err)), -EINVAL);
	assert_int_equal(spool_append(&sp, "", 0, err, sizeof(err)), -EINVAL);
	assert_true(spool_empty(&sp));
	spool_close(&sp);
	/* a head file with garbage or past the end is ignored */
	char hp[160];
	snprintf(hp, sizeof(hp), "%s.head", path);
	FILE *f = fopen(hp, "w");
	assert_non_null(f);
	fputs("999999\n", f);
	fclose(f);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.head, 0);
	spool_close(&sp);
}

/* Each batch reaches the disk before spool_append returns: one fdatasync of
 * the spool's fd, made when the file already holds the batch (after the
 * write). A delivery's new head is written to a tmp file that is fsync'd,
 * holding the new offset, before it is renamed over <path>.head
 * (util_write_atomic). */
static void test_durability_order(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };
	char hp[160], tmpname[200];

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	sync_reset();
	append(&sp, "{\"batch_id\":\"d1\"}"); /* 17 bytes + '\n' */
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].kind, 'd');
	assert_int_equal(calls[0].fd, sp.fd);
	assert_int_equal(calls[0].size, 18);
	append(&sp, "{\"batch_id\":\"d2\"}");
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[1].fd, sp.fd);
	assert_int_equal(calls[1].size, 36);

	/* deliver one: the head (18) is fsync'd in its tmp file, then renamed */
	sync_reset();
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 1, NULL, err, sizeof(err)), 1);
	snprintf(hp, sizeof(hp), "%s.head", path);
	/* util_write_atomic's temporary: .<name>.<pid>.tmp beside the head */
	const char *slash = strrchr(hp, '/');
	snprintf(tmpname, sizeof(tmpname), "%.*s/.%s.%d.tmp", (int)(slash - hp), hp, slash + 1,
		 (int)getpid());
	size_t i;
	for (i = 0; i < ncalls; i++)
		if (calls[i].kind == 'f' && strcmp(calls[i].name, tmpname) == 0)
			break;
	assert_true(i < ncalls);
	assert_int_equal(calls[i].size, 3); /* "18\n" */
	char hb[32] = "";
	assert_true(util_read_file_at(AT_FDCWD, hp, hb, sizeof(hb)) > 0);
	assert_string_equal(hb, "18\n");
	assert_int_equal(access(tmpname, F_OK), -1);
	spool_close(&sp);
}

/* A full disk at fdatasync: the batch is refused with the error, the file
 * keeps only whole batches (the unsynced line is taken back) and the next
 * batch, once there is room, follows the earlier ones. */
static void test_full_disk_at_sync(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "first");
	sync_reset();
	fail_fdatasync = ENOSPC;
	assert_int_equal(spool_append(&sp, "lost", 4, err, sizeof(err)), -ENOSPC);
	fail_fdatasync = 0;
	assert_non_null(strstr(err, "write"));
	assert_non_null(strstr(err, strerror(ENOSPC)));
	assert_int_equal(sp.pending, 1);
	assert_int_equal(file_size(path), 6);
	append(&sp, "second");
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 2);
	assert_string_equal(k.got[0], "first");
	assert_string_equal(k.got[1], "second");
	spool_close(&sp);
}

/* A write cut short (the file size limit, as a full disk would): the
 * partial line is taken back, so a reopen finds only whole batches. */
static void test_short_write(void **state)
{
	struct spool sp;
	struct rlimit old, lim;
	char line[200];
	int ret;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "kept");
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 5 + 50; /* "kept\n" and 50 bytes of the new line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ret = spool_append(&sp, line, strlen(line), err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(ret, -EFBIG);
	assert_non_null(strstr(err, "write"));
	assert_int_equal(file_size(path), 5);
	assert_int_equal(sp.pending, 1);
	spool_close(&sp);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.pending, 1);
	spool_close(&sp);
}

/* The head cannot be made durable (fsync fails): the drain says so and
 * stops; after a restart the delivered batch is sent again (at least once,
 * never lost: admin_logs knows its batch_id). */
static void test_head_fsync_fails(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "a");
	append(&sp, "b");
	fail_fsync = EIO;
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)),
			 -EIO);
	fail_fsync = 0;
	assert_non_null(strstr(err, "head update"));
	assert_int_equal(k.n, 1);
	spool_close(&sp);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.pending, 2);
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 2);
	assert_string_equal(k.got[1], "a");
	assert_string_equal(k.got[2], "b");
	spool_close(&sp);
}

/* A compaction that cannot be made durable is abandoned: the batch is
 * refused with the reason, the tmp file is removed and the spool keeps
 * what it had, in order. */
static void test_compaction_fails(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 1 };
	char tmpname[200];

	(void)state;
	assert_int_equal(spool_open(&sp, path, 30, err, sizeof(err)), 0);
	append(&sp, "0123456789"); /* 11 */
	append(&sp, "abcdefghij"); /* 22 */
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 1);
	fail_fsync = EIO;
	assert_int_equal(spool_append(&sp, "ABCDEFGHIJ", 10, err, sizeof(err)), -EIO);
	fail_fsync = 0;
	assert_non_null(strstr(err, "compacting"));
	snprintf(tmpname, sizeof(tmpname), "%s.tmp", path);
	assert_int_equal(access(tmpname, F_OK), -1);
	assert_int_equal(sp.pending, 1);
	/* with a working disk the same append compacts and fits */
	append(&sp, "ABCDEFGHIJ");
	assert_int_equal(sp.head, 0);
	assert_int_equal(file_size(path), 22);
	k.fail_after = 100;
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 2);
	assert_string_equal(k.got[1], "abcdefghij");
	assert_string_equal(k.got[2], "ABCDEFGHIJ");
	spool_close(&sp);
}

/* Paths that cannot hold a spool are refused with a message naming them. */
static void test_unusable_paths(void **state)
{
	struct spool sp;
	char p[700], file[160];
	int fd;

	(void)state;
	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	assert_int_equal(spool_open(&sp, p, 1 << 20, err, sizeof(err)), -ENAMETOOLONG);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(sp.fd, -1);

	/* a regular file where the directory should be */
	snprintf(file, sizeof(file), "%s/sub", dir);
	assert_int_equal(mkdir(file, 0700), 0);
	snprintf(file, sizeof(file), "%s/sub/file", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/deeper/spool", file);
	assert_int_equal(spool_open(&sp, p, 1 << 20, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "spool directory"));
	snprintf(p, sizeof(p), "%s/spool", file);
	assert_int_equal(spool_open(&sp, p, 1 << 20, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, p));
	/* the spool path is a directory */
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(spool_open(&sp, p, 1 << 20, err, sizeof(err)), -EISDIR);
	assert_int_equal(sp.fd, -1);
}

/* A head that does not point at the start of a line (a damaged head file)
 * resends from the beginning rather than from the middle of a batch. */
static void test_head_mid_line(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };
	char hp[160];
	FILE *f;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	append(&sp, "aaa");
	append(&sp, "bbb");
	spool_close(&sp);
	snprintf(hp, sizeof(hp), "%s.head", path);
	f = fopen(hp, "w");
	assert_non_null(f);
	fputs("2\n", f);
	fclose(f);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.head, 0);
	assert_int_equal(sp.pending, 2);
	spool_close(&sp);
	/* a head at a line start is kept */
	f = fopen(hp, "w");
	assert_non_null(f);
	fputs("4\n", f);
	fclose(f);
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.head, 4);
	assert_int_equal(sp.pending, 1);
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 1);
	assert_string_equal(k.got[0], "bbb");
	spool_close(&sp);
}

/* A line longer than any batch (a damaged file: no '\n' within
 * SPOOL_LINE_MAX) cannot be delivered nor skipped line by line: the drain
 * says where the damage is and drops the rest, and the spool works on. */
static void test_damaged_line(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };
	size_t big = SPOOL_LINE_MAX + 100;
	char *buf = malloc(big + 1);
	int fd;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(spool_open(&sp, path, 64u << 20, err, sizeof(err)), 0);
	append(&sp, "good");
	spool_close(&sp);
	memset(buf, 'z', big);
	buf[big] = '\n';
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, buf, big + 1), 0);
	close(fd);
	free(buf);
	assert_int_equal(spool_open(&sp, path, 64u << 20, err, sizeof(err)), 0);
	assert_int_equal(sp.pending, 2);
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)),
			 -EFBIG);
	assert_non_null(strstr(err, "damaged at offset 5"));
	assert_int_equal(k.n, 1);
	assert_string_equal(k.got[0], "good");
	assert_true(spool_empty(&sp));
	assert_int_equal(file_size(path), 0);
	append(&sp, "after");
	assert_int_equal(spool_drain(&sp, sink_send, &k, 0, true, 100, NULL, err, sizeof(err)), 1);
	assert_string_equal(k.got[1], "after");
	spool_close(&sp);
}

/* The backoff after failed sends: 1 s, doubling, at most 30 s; a
 * successful drain resets it. */
static void test_backoff(void **state)
{
	struct spool sp;
	struct sink k = { .fail_after = 100 };
	const uint64_t s = 1000000000ull;

	(void)state;
	assert_int_equal(spool_open(&sp, path, 1 << 20, err, sizeof(err)), 0);
	spool_note_failure(&sp, 0);
	assert_true(sp.next_try_ns == 1 * s);
	spool_note_failure(&sp, 0);
	assert_true(sp.next_try_ns == 2 * s);
	for (int i = 0; i < 10; i++)
		spool_note_failure(&sp, 100 * s);
	assert_true(sp.backoff_ns == 30 * s);
	assert_true(sp.next_try_ns == 130 * s);
	append(&sp, "x");
	/* not before the backoff expires, unless forced */
	assert_int_equal(
		spool_drain(&sp, sink_send, &k, 129 * s, false, 100, NULL, err, sizeof(err)), 0);
	assert_int_equal(k.n, 0);
	assert_int_equal(
		spool_drain(&sp, sink_send, &k, 130 * s, false, 100, NULL, err, sizeof(err)), 1);
	assert_true(sp.backoff_ns == 0 && sp.next_try_ns == 0);
	spool_close(&sp);
}

static int each_setup(void **state)
{
	char sub[200];

	(void)state;
	sync_reset();
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	return util_rm_tree(sub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_and_restart, each_setup),
		cmocka_unit_test_setup(test_torn_tail, each_setup),
		cmocka_unit_test_setup(test_rejected_does_not_block, each_setup),
		cmocka_unit_test_setup(test_bound_and_compaction, each_setup),
		cmocka_unit_test_setup(test_bad_input, each_setup),
		cmocka_unit_test_setup(test_durability_order, each_setup),
		cmocka_unit_test_setup(test_full_disk_at_sync, each_setup),
		cmocka_unit_test_setup(test_short_write, each_setup),
		cmocka_unit_test_setup(test_head_fsync_fails, each_setup),
		cmocka_unit_test_setup(test_compaction_fails, each_setup),
		cmocka_unit_test_setup(test_unusable_paths, each_setup),
		cmocka_unit_test_setup(test_head_mid_line, each_setup),
		cmocka_unit_test_setup(test_damaged_line, each_setup),
		cmocka_unit_test_setup(test_backoff, each_setup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
