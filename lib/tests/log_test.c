/*
 * log_test.c — unit tests for lib/log.c: one line per event, levels,
 * errno text, no colour off a tty, control bytes neutralised.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "log.h"

static void read_pipe(int fd, char *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static void test_levels_and_errno(void **state)
{
	int p[2];
	char buf[4096];

	(void)state;
	assert_int_equal(pipe(p), 0);
	log_init("/usr/bin/prog", LOG_LVL_INFO);
	log_set_fd(p[1]);
	log_debug("hidden");
	log_info("hello %d", 7);
	errno = ENOENT;
	log_warn("open %s", "x");
	log_warnx("plain");
	close(p[1]);
	read_pipe(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_null(strstr(buf, "hidden"));
	assert_non_null(strstr(buf, " prog["));
	assert_non_null(strstr(buf, "INFO  hello 7\n"));
	assert_non_null(strstr(buf, "WARN  open x: No such file or directory\n"));
	assert_non_null(strstr(buf, "WARN  plain\n"));
	assert_null(strchr(buf, '\033'));
	log_set_fd(2);
}

static void format(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_format_line(buf, cap, LOG_LVL_INFO, false, 0, fmt, ap);
	va_end(ap);
}

static void test_one_line_always(void **state)
{
	char buf[128];
	char longmsg[1000];

	(void)state;
	format(buf, sizeof(buf), "evil\nname\r%s", "\x1b[31m");
	assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1);
	assert_null(strchr(buf, '\033'));
	memset(longmsg, 'a', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	format(buf, sizeof(buf), "%s", longmsg);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
}

static void test_level_parse(void **state)
{
	enum log_level l;

	(void)state;
	assert_true(log_level_parse("warn", &l));
	assert_int_equal(l, LOG_LVL_WARN);
	assert_false(log_level_parse("loud", &l));
}

/* stderr is the journal when JOURNAL_STREAM names its device:inode: then
 * each line is "<priority>LEVEL message", without time, name or pid; when it
 * names another file, lines are as on a terminal. */
static void test_journal_stream(void **state)
{
	int p[2];
	char buf[4096], js[64];
	struct stat st;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fstat(p[1], &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_true(log_is_journal(p[1], js));
	int null = open("/dev/null", O_WRONLY);
	assert_false(log_is_journal(null, js)); /* another file */
	close(null);
	assert_false(log_is_journal(p[1], "1:2"));
	assert_false(log_is_journal(p[1], "garbage"));
	assert_false(log_is_journal(p[1], NULL));
	setenv("JOURNAL_STREAM", js, 1);
	log_init("prog", LOG_LVL_DEBUG);
	log_set_fd(p[1]);
	log_debug("d");
	log_info("i %d", 1);
	errno = EACCES;
	log_warn("w");
	log_errorx("e\nforged");
	close(p[1]);
	read_pipe(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_string_equal(buf, "<7>DEBUG d\n<6>INFO  i 1\n<4>WARN  w: Permission denied\n"
				 "<3>ERROR e?forged\n");
	/* JOURNAL_STREAM of some other file: the usual lines */
	assert_int_equal(pipe(p), 0);
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_set_fd(p[1]);
	log_errorx("plain");
	close(p[1]);
	read_pipe(p[0], buf, sizeof(buf));
	close(p[0]);
	assert_non_null(strstr(buf, " prog["));
	assert_non_null(strstr(buf, "ERROR plain\n"));
	assert_true(buf[0] >= '0' && buf[0] <= '9'); /* the time first */
	unsetenv("JOURNAL_STREAM");
	log_set_fd(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_errno),
		cmocka_unit_test(test_one_line_always),
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_journal_stream),
	};
	return cmocka_run_group_tests_name("lib_log", tests, NULL, NULL);
}
