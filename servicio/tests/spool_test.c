/*
 * spool_test.c — unit tests for spool.c on real files: order of delivery,
 * the head survives a reopen (a restart), a torn last line is cut, backoff
 * after a failure, a rejected batch does not block the rest, the size bound
 * (compaction first, then a loud refusal).
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

#include "../spool.h"

static char dir[64], path[128];
static char err[512];

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

static int each_setup(void **state)
{
	char sub[200];

	(void)state;
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
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
