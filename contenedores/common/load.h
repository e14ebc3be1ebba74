/*
 * load.h — what the three load programs (high-cpu, high-ram, low) share:
 * stop signals, strict parsing of their environment knobs, and one-line
 * messages on stderr.
 *
 * Each program runs as PID 1 of a FROM-scratch container. The kernel gives
 * PID 1 no default action for SIGTERM/SIGINT, so `docker stop` would wait its
 * whole grace period and then SIGKILL us. load_signals_init() installs a
 * handler (without SA_RESTART) that only sets a flag, as OpenBSD daemons do;
 * the programs poll load_stopping() in their loops, and load_wait() sleeps in
 * sigsuspend() so a signal that arrives just before the sleep is not lost.
 */
#ifndef GESTOR_LOAD_H
#define GESTOR_LOAD_H

#include <stdbool.h>

/* Installs the SIGTERM/SIGINT/SIGHUP handler. Returns 0 or -errno. */
int load_signals_init(void);

/* True once a stop signal arrived. */
bool load_stopping(void);

/* Number of the stop signal that arrived, 0 if none. */
int load_stop_signal(void);

/* Sleeps until a stop signal arrives (returns at once if one already did). */
void load_wait(void);

/*
 * Reads the decimal integer in environment variable `name` into *out:
 * `def` when it is unset or empty. Returns 0, or -EINVAL when the value is
 * not a plain integer within [min, max] (a message is printed then).
 */
int load_env_long(const char *name, long def, long min, long max, long *out);

/* Prints "<prog>: <message>\n" on stderr. */
void load_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set by each program before anything else (used as the message prefix). */
extern const char *load_prog;

#endif
