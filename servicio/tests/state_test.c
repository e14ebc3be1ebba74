/*
 * state_test.c — servicio's state directory (state.h): the kept set
 * written and read back the same; written atomically (no temporary file
 * left, the old file replaced whole, mode 0644, a missing directory made);
 * saved again only when it changed; and hostile files rejected whole: a
 * wrong first line, an id that is not 64 hex digits, an unknown class, a
 * line too long or without its newline, too many lines, a file over the
 * bound, a symbolic link, a directory.
 */
#include <errno.h>
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

#include "../state.h"
#include "util.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/state_test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(dir);
}

static void set2(struct decide_kept *k)
{
	k->v = calloc(2, sizeof(*k->v));
	assert_non_null(k->v);
	snprintf(k->v[0].id, sizeof(k->v[0].id), ID_A);
	k->v[0].cls = POLICY_HIGH;
	snprintf(k->v[1].id, sizeof(k->v[1].id), ID_B);
	k->v[1].cls = POLICY_LOW;
	k->n = 2;
}

static void test_round_trip(void **state)
{
	char sub[128], path[200], *text;
	struct decide_kept k = { 0 }, back = { 0 };
	struct state s = { 0 }, s2 = { 0 };
	struct stat st;
	size_t len;
	char err[256];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/a/b", dir); /* made when missing */
	s.dir = sub;
	set2(&k);
	assert_int_equal(state_save_kept(&s, &k), 0);
	snprintf(path, sizeof(path), "%s/kept", sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(state_read(sub, "kept", 4096, &text, &len, err, sizeof(err)), 0);
	assert_string_equal(text, "gestor-kept 1\n" ID_A " high\n" ID_B " low\n");
	free(text);
	/* unchanged: not written again (the file's inode stays) */
	assert_int_equal(state_save_kept(&s, &k), 0);
	{
		struct stat st2;
		assert_int_equal(stat(path, &st2), 0);
		assert_int_equal(st.st_ino, st2.st_ino);
	}
	/* another run reads the same set */
	s2.dir = sub;
	state_load_kept(&s2, &back);
	assert_int_equal(back.n, 2);
	assert_string_equal(back.v[0].id, ID_A);
	assert_int_equal(back.v[0].cls, POLICY_HIGH);
	assert_string_equal(back.v[1].id, ID_B);
	assert_int_equal(back.v[1].cls, POLICY_LOW);
	/* a change replaces the file whole, through a new inode (the rename) */
	k.n = 1;
	assert_int_equal(state_save_kept(&s, &k), 0);
	{
		struct stat st3;
		assert_int_equal(stat(path, &st3), 0);
		assert_true(st3.st_ino != st.st_ino);
		assert_int_equal(st3.st_size, 14 + 70);
	}
	/* no temporary file left behind */
	snprintf(path, sizeof(path), "%s/.kept.%d.tmp", sub, (int)getpid());
	assert_int_not_equal(access(path, F_OK), 0);
	decide_kept_free(&k);
	decide_kept_free(&back);
	state_free(&s);
	state_free(&s2);
}

static void reject(const char *text, size_t len)
{
	struct decide_kept k = { 0 };
	char err[256] = "";

	assert_int_equal(state_kept_parse(text, len, &k, err, sizeof(err)), -EINVAL);
	assert_int_equal(k.n, 0);
	assert_null(k.v);
	assert_true(err[0] != '\0');
}

#define REJECT(s) reject(s, sizeof(s) - 1)

static void test_hostile(void **state)
{
	struct decide_kept k = { 0 };
	char err[256];
	char *big;
	size_t n = (size_t)STATE_KEPT_MAX + 1, l = 14;

	(void)state;
	REJECT("");
	REJECT("gestor-kept 2\n");
	REJECT("gestor-kept 1\n" ID_A " medium\n");
	REJECT("gestor-kept 1\n" ID_A " high"); /* no newline at the end */
	REJECT("gestor-kept 1\n" ID_A " high\n../../etc/passwd high\n");
	REJECT("gestor-kept 1\n"
	       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAg high\n");
	REJECT("gestor-kept 1\n" ID_A "a high\n"); /* 65 digits */
	REJECT("gestor-kept 1\n" ID_A " high \n"); /* trailing blank */
	REJECT("gestor-kept 1\n" ID_A " high\0\n");
	REJECT("gestor-kept 1\n\n");
	/* too many lines */
	big = malloc(14 + n * 70 + 1);
	assert_non_null(big);
	memcpy(big, "gestor-kept 1\n", 15); /* with its NUL, written over next */
	for (size_t i = 0; i < n; i++, l += 70)
		snprintf(big + l, 71, ID_A " high\n");
	reject(big, l);
	/* the largest allowed is read */
	assert_int_equal(state_kept_parse(big, l - 70, &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, STATE_KEPT_MAX);
	decide_kept_free(&k);
	free(big);
	/* an empty set is a set */
	assert_int_equal(state_kept_parse("gestor-kept 1\n", 14, &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 0);
	decide_kept_free(&k);
}

static void test_read_bounds(void **state)
{
	char path[200], target[200], *text = NULL, err[256];
	struct decide_kept k = { 0 };
	struct state s = { .dir = dir };
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(state_read(dir, "kept", 100, &text, &len, err, sizeof(err)), -ENOENT);
	/* a symbolic link is not followed, even to a good file */
	snprintf(target, sizeof(target), "%s/good", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("gestor-kept 1\n" ID_A " high\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/kept", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_true(state_read(dir, "kept", 100, &text, &len, err, sizeof(err)) < 0);
	state_load_kept(&s, &k);
	assert_int_equal(k.n, 0);
	unlink(path);
	/* a directory */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(state_read(dir, "kept", 100, &text, &len, err, sizeof(err)), -EINVAL);
	rmdir(path);
	/* over the bound */
	assert_int_equal(rename(target, path), 0);
	assert_int_equal(state_read(dir, "kept", 10, &text, &len, err, sizeof(err)), -EFBIG);
	assert_int_equal(state_read(dir, "kept", 100, &text, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 14 + 70);
	free(text);
	state_load_kept(&s, &k);
	assert_int_equal(k.n, 1);
	decide_kept_free(&k);
	state_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_read_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
