/*
 * high_cpu.c — the high-cpu load: keeps a configurable share of one core
 * busy until SIGTERM/SIGINT.
 *
 * CPU_PCT (1..100, default 100) is the share of one core. Time is cut into
 * 100 ms periods; in each the program spins for CPU_PCT ms of wall time and
 * sleeps for the rest (clock_nanosleep to an absolute deadline, so periods
 * do not drift). At 100 it only spins. The stop flag is tested on every turn
 * of the spin, so a stop takes effect within microseconds.
 */
#include "load.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#define HIGH_CPU_PERIOD_NS 100000000LL

static int64_t high_cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins until `until` (monotonic ns) or a stop; returns the work counter. */
static uint64_t high_cpu_spin(int64_t until, uint64_t acc)
{
	while (!load_stopping() && high_cpu_now_ns() < until) {
		for (int i = 0; i < 1000; i++)
			acc = acc * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	return acc;
}

int main(void)
{
	long pct;
	int64_t start;
	volatile uint64_t sink = 0;

	load_prog = "high-cpu";
	if (load_env_long("CPU_PCT", 100, 1, 100, &pct) < 0)
		return 2;
	if (load_signals_init() < 0) {
		load_msg("cannot install signal handlers");
		return 1;
	}
	load_msg("busy at %ld%% of one core", pct);

	start = high_cpu_now_ns();
	while (!load_stopping()) {
		int64_t busy_end = start + HIGH_CPU_PERIOD_NS * pct / 100;
		int64_t next = start + HIGH_CPU_PERIOD_NS;

		sink = high_cpu_spin(pct == 100 ? next : busy_end, sink);
		if (pct < 100 && !load_stopping()) {
			struct timespec ts = { .tv_sec = next / 1000000000LL,
					       .tv_nsec = next % 1000000000LL };
			/* EINTR on a stop signal: the loop test sees the flag */
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		}
		start = next;
	}
	load_msg("stopping on signal %d", load_stop_signal());
	return 0;
}
