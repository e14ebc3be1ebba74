/*
 * tap.h — what the in-VM test programs (sysinfo_test.c, review_test.c)
 * share: write_str() writes a string to an existing file (a /proc or
 * /sys knob) in one write, 0 or -errno; t_check() prints "ok N - what" or "not ok N - what" and
 * counts, t_done() prints the "# N checks, N failed" summary that
 * tests/kernel/module-guest.sh reads, and gives the exit status.
 * Header-only: each program is one static binary built from one file.
 */
#ifndef GESTOR_TESTS_KERNEL_TAP_H
#define GESTOR_TESTS_KERNEL_TAP_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

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
