/*
 * load.c — stop signals, environment knobs and messages for the load
 * programs (see load.h). Kept free of anything but libc so the programs link
 * statically into FROM-scratch images.
 */
#include "load.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *load_prog = "load";

static volatile sig_atomic_t load_sig;

static void load_on_signal(int sig)
{
	load_sig = sig;
}

int load_signals_init(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = load_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: sleeps return with EINTR */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	}
	return 0;
}

bool load_stopping(void)
{
	return load_sig != 0;
}

int load_stop_signal(void)
{
	return load_sig;
}

void load_wait(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	/* block, test, then atomically unblock and sleep: no lost wake-up */
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!load_stopping())
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int load_env_long(const char *name, long def, long min, long max, long *out)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0') {
		*out = def;
		return 0;
	}
	if (strlen(s) > 20 || !(*s == '-' || (*s >= '0' && *s <= '9')))
		goto err;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		goto err;
	*out = v;
	return 0;
err:
	load_msg("invalid %s=\"%.32s\": want an integer in [%ld, %ld]", name, s, min, max);
	return -EINVAL;
}

void load_msg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", load_prog, buf);
	fflush(stderr);
}
