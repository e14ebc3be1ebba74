/*
 * low.c — the low load: uses next to no CPU or memory. It sleeps in
 * sigsuspend() until SIGTERM/SIGINT and then exits.
 */
#include "load.h"

int main(void)
{
	load_prog = "low";
	if (load_signals_init() < 0) {
		load_msg("cannot install signal handlers");
		return 1;
	}
	load_msg("idle");
	load_wait();
	load_msg("stopping on signal %d", load_stop_signal());
	return 0;
}
