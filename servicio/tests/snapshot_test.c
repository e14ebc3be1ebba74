/*
 * snapshot_test.c — the snapshot model: grouping, duplicate pids, lookups,
 * and the raw-bytes decoding shared with the module.
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

#include "../snapshot.h"
#include "util.h"

static void test_group(void **state)
{
	struct snapshot s = { 0 };
	const char *ids[] = { "b", "a", "", "b", "a", "c" };
	int pids[] = { 5, 3, 9, 1, 3, 7 };

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(pids); i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		p->pid = pids[i];
		p->rss_kb = 10;
		util_strlcpy(p->container_id, ids[i], sizeof(p->container_id));
	}
	assert_int_equal(snapshot_group(&s, false), 0);
	/* sorted, duplicate pid 3 dropped */
	assert_int_equal(s.nprocs, 5);
	for (size_t i = 1; i < s.nprocs; i++)
		assert_true(s.procs[i - 1].pid < s.procs[i].pid);
	assert_int_equal(s.nctrs, 3);
	assert_string_equal(s.ctrs[0].id, "a");
	assert_string_equal(s.ctrs[1].id, "b");
	assert_int_equal(s.ctrs[1].nprocs, 2);
	assert_int_equal(s.ctrs[1].rss_kb, 20);
	assert_null(snapshot_find_proc(&s, 4));
	assert_null(snapshot_find_ctr(&s, "d"));
	assert_int_equal(snapshot_find_proc(&s, 9)->ctr, -1);
	/* regrouping is idempotent */
	assert_int_equal(snapshot_group(&s, false), 0);
	assert_int_equal(s.ctrs[1].nprocs, 2);
	snapshot_free(&s);
	assert_int_equal(s.nprocs, 0);
	snapshot_free(&s); /* twice is fine */
}

#define MA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define MB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/*
 * A container's memory cgroup as the source gave it: from its first process
 * right in its directory; one in a nested directory (the container's own
 * cgroups) gives none, and neither does a process without one.
 */
static void test_group_memcg(void **state)
{
	static const struct {
		int pid;
		const char *id, *cgroup;
		uint64_t ino;
	} ps[] = {
		{ 1, MA, "/docker/" MA "/sub", 11 }, /* nested: not the container's directory */
		{ 2, MA, "/docker/" MA, 0 }, /* given none */
		{ 3, MA, "/docker/" MA, 12 }, /* the one */
		{ 4, MA, "/docker/" MA, 13 }, /* after the one */
		{ 5, MB, "/docker/" MB "/x", 21 }, /* MB: nested only */
	};
	struct snapshot s = { 0 };

	(void)state;
	for (size_t i = 0; i < UTIL_ARRAY_LEN(ps); i++) {
		struct snap_proc *p = snapshot_add_proc(&s);

		p->pid = ps[i].pid;
		util_strlcpy(p->container_id, ps[i].id, sizeof(p->container_id));
		p->cgroup = snapshot_strdup(&s, ps[i].cgroup, strlen(ps[i].cgroup));
		assert_non_null(p->cgroup);
		p->memcg_ino = ps[i].ino;
		p->memcg_bytes = ps[i].ino * 4096;
	}
	assert_int_equal(snapshot_group(&s, false), 0);
	assert_int_equal(s.nctrs, 2);
	assert_string_equal(s.ctrs[0].cgroup, "/docker/" MA);
	assert_int_equal(s.ctrs[0].memcg_ino, 12);
	assert_int_equal(s.ctrs[0].memcg_bytes, 12 * 4096);
	assert_string_equal(s.ctrs[1].cgroup, "/docker/" MB);
	assert_int_equal(s.ctrs[1].memcg_ino, 0);
	assert_int_equal(s.ctrs[1].memcg_bytes, 0);
	/* regrouping gives the same */
	assert_int_equal(snapshot_group(&s, false), 0);
	assert_int_equal(s.ctrs[0].memcg_ino, 12);
	snapshot_free(&s);
}

static void test_decode_raw(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(snapshot_decode_raw("abc", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	/* valid multibyte kept, each invalid byte b as U+EF00+b (the module's
	 * \uefXX), overlong/surrogates invalid */
	assert_int_equal(snapshot_decode_raw("\xc3\xa9\xff", 3, out, sizeof(out)), 5);
	assert_string_equal(out, "\xc3\xa9\xee\xbf\xbf");
	assert_int_equal(snapshot_decode_raw("\xc0\xaf", 2, out, sizeof(out)), 6);
	assert_string_equal(out, "\xee\xbf\x80\xee\xbe\xaf");
	assert_int_equal(snapshot_decode_raw("\xed\xa0\x80", 3, out, sizeof(out)), 9);
	/* never splits a character at the end of the buffer */
	assert_int_equal(snapshot_decode_raw("\xff\xff\xff\xff\xff\xff\xff\xff", 8, out, 8), 6);
	assert_int_equal(strlen(out), 6);
	assert_int_equal(snapshot_decode_raw("x", 1, out, 1), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_group_memcg),
		cmocka_unit_test(test_decode_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
