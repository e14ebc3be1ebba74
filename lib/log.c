/*
 * log.c — the line logger behind log.h.
 *
 * Each event becomes exactly one line, "2026-11-28T15:30:00.123Z prog[pid]
 * LEVEL message[: strerror]", assembled in a stack buffer and written with a
 * single write(2) so concurrent threads never interleave within a line.
 * Control characters in the message are replaced so a hostile process name
 * cannot forge a second line.
 *
 * Under systemd, when stderr is the journal (JOURNAL_STREAM names its
 * device:inode), a line is "<N>LEVEL message" instead: the sd-daemon
 * priority prefix (journald stores it as the entry's priority, so
 * `journalctl -p err` finds the errors) and no time, name nor pid, which the
 * journal records itself.
 */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "opts.h"

static const char *log_prog = "gestor";
static enum log_level log_min = LOG_LVL_INFO;
static int log_fd = 2;
static int log_colour = -1; /* -1: decide on first use */
static int log_journal = -1; /* -1: decide on first use */

static const char *const log_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };
static const char *const log_colours[] = { "\033[2m", "\033[36m", "\033[33m", "\033[1;31m" };
/* sd-daemon(3) priorities: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR */
static const char log_prio[] = { '7', '6', '4', '3' };

void log_init(const char *prog, enum log_level min)
{
	const char *slash = strrchr(prog, '/');

	log_prog = slash ? slash + 1 : prog;
	log_min = min;
	log_colour = -1;
	log_journal = -1;
}

void log_set_fd(int fd)
{
	log_fd = fd;
	log_colour = -1;
	log_journal = -1;
}

bool log_is_journal(int fd, const char *journal_stream)
{
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!journal_stream || !isdigit((unsigned char)journal_stream[0]))
		return false;
	errno = 0;
	dev = strtoull(journal_stream, &end, 10);
	if (errno || *end != ':' || !isdigit((unsigned char)end[1]))
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (errno || *end != '\0' || fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
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

/* The line's head: time, name, pid and level; or, for the journal, the
 * priority and level. */
static int log_head(char *buf, size_t cap, enum log_level lvl, bool colour, bool journal, size_t *n)
{
	struct timespec ts;
	struct tm tm;

	if (journal) {
		*n = 0;
		return snprintf(buf, cap, "<%c>%-5s ", log_prio[lvl], log_names[lvl]);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	*n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf + *n, cap - *n, ".%03ldZ %s[%ld] %s%-5s%s ", ts.tv_nsec / 1000000L,
			log_prog, (long)getpid(), colour ? log_colours[lvl] : "", log_names[lvl],
			colour ? "\033[0m" : "");
}

static int log_format(char *buf, size_t cap, enum log_level lvl, bool colour, bool journal, int err,
		      const char *fmt, va_list ap)
{
	size_t n;
	int r;

	if (cap < 64)
		return -EINVAL;
	r = log_head(buf, cap, lvl, colour, journal, &n);
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

int log_format_line(char *buf, size_t cap, enum log_level lvl, bool colour, int err,
		    const char *fmt, va_list ap)
{
	return log_format(buf, cap, lvl, colour, false, err, fmt, ap);
}

static void log_emit(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (lvl < log_min)
		return;
	if (log_journal < 0)
		log_journal = log_is_journal(log_fd, opts_getenv("JOURNAL_STREAM"));
	if (log_colour < 0)
		log_colour = !log_journal && isatty(log_fd) && !opts_getenv("NO_COLOR");
	n = log_format(line, sizeof(line), lvl, log_colour, log_journal, err, fmt, ap);
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

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
