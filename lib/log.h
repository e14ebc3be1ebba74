/*
 * log.h — one line per event on stderr, with time, program, level.
 *
 * In the manner of OpenBSD daemons: log_warn() appends strerror(errno),
 * log_warnx() does not; fatalx() logs and exits 1. The level name is
 * coloured only when stderr is a terminal. When stderr is the journal
 * (JOURNAL_STREAM), lines carry a "<N>" priority and no time. Safe to call from several
 * threads (one write(2) per line); never from a signal handler.
 */
#ifndef GESTOR_LOG_H
#define GESTOR_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* prog: name shown on every line; min: lowest level printed. */
void log_init(const char *prog, enum log_level min);
/* Send lines to fd instead of stderr (tests); colour is decided again. */
void log_set_fd(int fd);
/* Parse "debug", "info", "warn", "error"; false when unknown. */
bool log_level_parse(const char *s, enum log_level *out);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The formatting core, exposed for tests: writes one line into buf. */
int log_format_line(char *buf, size_t cap, enum log_level lvl, bool colour, int err,
		    const char *fmt, va_list ap);
/* Whether fd is the stream journal_stream ($JOURNAL_STREAM, "dev:ino") names. */
bool log_is_journal(int fd, const char *journal_stream);

#endif
