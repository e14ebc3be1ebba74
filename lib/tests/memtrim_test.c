/*
 * memtrim_test.c — memtrim_code() trims real code mappings of this very
 * process, which then keeps running: libc, cmocka and the program's own code
 * all fault back in as they are called.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "memtrim.h"
#include "util.h"

static const char memtrim_test_const[] = "read-only data, in .rodata";

/* FNV-1a of s: code of the program itself, run again after its pages were
 * trimmed (noinline: a call into the trimmed text, not a folded constant). */
static __attribute__((noinline)) uint64_t own_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The perms of a /proc/self/smaps mapping header ("lo-hi perms ..."), or NULL. */
static const char *header_perms(const char *line)
{
	size_t lo = strspn(line, "0123456789abcdef"), hi;

	if (lo == 0 || line[lo] != '-')
		return NULL;
	hi = strspn(line + lo + 1, "0123456789abcdef");
	if (hi == 0 || line[lo + 1 + hi] != ' ')
		return NULL;
	return line + lo + 1 + hi + 1;
}

/* Resident KiB of this process's r-xp file mappings, from /proc/self/smaps. */
static size_t code_rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	size_t kb = 0;
	bool in_code = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *perms = header_perms(line);
		uint64_t v;

		if (perms) {
			in_code = strncmp(perms, "r-xp ", 5) == 0 && strchr(perms, '/');
			continue;
		}
		if (in_code && strncmp(line, "Rss:", 4) == 0 &&
		    util_parse_u64(line + 4, NULL, UINT64_MAX, &v) == 0)
			kb += (size_t)v;
	}
	fclose(f);
	return kb;
}

static void test_trim_and_keep_running(void **state)
{
	size_t before, after, rss;
	char copy[sizeof(memtrim_test_const)], buf[64], expect[64];
	uint64_t h0;
	int n;

	(void)state;
	/* what .rodata, the program's code and libc give before the trim */
	memcpy(copy, memtrim_test_const, sizeof(copy));
	h0 = own_hash(copy);
	snprintf(expect, sizeof(expect), "%d-%s", (int)(h0 & 0xff), copy);
	rss = memtrim_rss_kb();
	assert_true(rss > 0);
	before = code_rss_kb();
	assert_true(before > 0);
	n = memtrim_code();
	assert_true(n > 0); /* at least the program and libc */
	after = code_rss_kb();
	/* only the pages touched since (this function, fopen, fgets...) came back */
	assert_true(after < before);
	/* after it: constants (r--p) read back from the file, and calls through
	 * the relocated GOT (RELRO, kept) give the same: libc, and the program's
	 * own code */
	assert_memory_equal(memtrim_test_const, copy, sizeof(copy));
	assert_true(own_hash(memtrim_test_const) == h0);
	snprintf(buf, sizeof(buf), "%d-%s", (int)(own_hash(memtrim_test_const) & 0xff),
		 memtrim_test_const);
	assert_string_equal(buf, expect);
	assert_true(memtrim_rss_kb() > 0);
	/* twice is harmless */
	assert_true(memtrim_code() > 0);
	print_message("code RSS %zu KiB -> %zu KiB (%d mappings)\n", before, after, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim_and_keep_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
