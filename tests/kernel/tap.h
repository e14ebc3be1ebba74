/*
 * tap.h — the TAP lines of the in-VM test programs (sysinfo_test.c,
 * review_test.c): t_check() prints "ok N - what" or "not ok N - what" and
 * counts, t_done() prints the "# N checks, N failed" summary that
 * tests/kernel/module-guest.sh reads, and gives the exit status.
 * Header-only: each program is one static binary built from one file.
 */
#ifndef GESTOR_TESTS_KERNEL_TAP_H
#define GESTOR_TESTS_KERNEL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int t_count, t_fail;

static void t_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void t_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	t_count++;
	if (!ok)
		t_fail++;
	printf("%s %d - ", ok ? "ok" : "not ok", t_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int t_done(void)
{
	printf("# %d checks, %d failed\n", t_count, t_fail);
	return t_fail ? 1 : 0;
}

#endif
