/*
 * log.c — the line logger behind log.h.
 *
 * Each event becomes exactly one line, "2026-11-28T15:30:00.123Z prog[pid]
 * LEVEL message[: strerror]", assembled in a stack buffer and written with a
 * single write(2) so concurrent threads never interleave within a line.
 * Control characters in the message are replaced so a hostile process name
 * cannot forge a second line.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_prog = "gestor";
static enum log_level log_min = LOG_LVL_INFO;
static int log_fd = 2;
static int log_colour = -1; /* -1: decide on first use */

static const char *const log_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
static const char *const log_colours[] = { "\033[2m", "\033[36m", "\033[33m", "\033[1;31m" };

void log_init(const char *prog, enum log_level min)
{
	const char *slash = strrchr(prog, '/');

	log_prog = slash ? slash + 1 : prog;
	log_min = min;
	log_colour = -1;
}

void log_set_fd(int fd)
{
	log_fd = fd;
	log_colour = -1;
}

bool log_level_parse(const char *s, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

int log_format_line(char *buf, size_t cap, enum log_level lvl, bool colour, int err,
		    const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if (cap < 64)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(buf + n, cap - n, ".%03ldZ %s[%ld] %s%-5s%s ", ts.tv_nsec / 1000000L, log_prog,
		     (long)getpid(), colour ? log_colours[lvl] : "", log_names[lvl],
		     colour ? "\033[0m" : "");
	if (r < 0)
		return -EINVAL;
	n = (size_t)r + n < cap ? n + (size_t)r : cap - 1;
	size_t msg = n;
	r = vsnprintf(buf + n, cap - n, fmt, ap);
	if (r > 0)
		n = n + (size_t)r < cap ? n + (size_t)r : cap - 1;
	for (size_t i = msg; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x20 || c == 0x7f)
			buf[i] = '?';
	}
	if (err && n < cap - 1) {
		r = snprintf(buf + n, cap - n, ": %s", strerror(err));
		if (r > 0)
			n = n + (size_t)r < cap ? n + (size_t)r : cap - 1;
	}
	if (n >= cap - 1)
		n = cap - 2;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

static void log_emit(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (lvl < log_min)
		return;
	if (log_colour < 0)
		log_colour = isatty(log_fd) && !getenv("NO_COLOR");
	n = log_format_line(line, sizeof(line), lvl, log_colour, err, fmt, ap);
	if (n > 0 && write(log_fd, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

#define LOG_FN(name, lvl, with_errno)                             \
	void name(const char *fmt, ...)                           \
	{                                                         \
		int saved = errno;                                \
		va_list ap;                                       \
		va_start(ap, fmt);                                \
		log_emit(lvl, (with_errno) ? saved : 0, fmt, ap); \
		va_end(ap);                                       \
		errno = saved;                                    \
	}

LOG_FN(log_debug, LOG_LVL_DEBUG, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_errorx, LOG_LVL_ERROR, 0)

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
