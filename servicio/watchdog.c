/*
 * watchdog.c — systemd's watchdog, fed while servicio makes progress (see
 * watchdog.h).
 */
#include "watchdog.h"

#include <stdatomic.h>
#include <systemd/sd-daemon.h>

#include "util.h"

static atomic_uint_fast64_t wd_half; /* ns; 0: no watchdog */
static atomic_uint_fast64_t wd_last; /* util_mono_ns() of the last ping */

uint64_t wd_init(void)
{
	uint64_t usec = 0;
	uint64_t half = sd_watchdog_enabled(0, &usec) > 0 ? usec * 1000 / 2 : 0;

	atomic_store(&wd_half, half);
	atomic_store(&wd_last, util_mono_ns());
	return half;
}

void wd_alive(void)
{
	uint64_t half = atomic_load(&wd_half), now, last;

	if (!half)
		return;
	now = util_mono_ns();
	last = atomic_load(&wd_last);
	/* one thread of those that see it due wins the ping */
	if (now - last >= half && atomic_compare_exchange_strong(&wd_last, &last, now))
		sd_notify(0, "WATCHDOG=1");
}

void wd_ping(void)
{
	if (!atomic_load(&wd_half))
		return;
	atomic_store(&wd_last, util_mono_ns());
	sd_notify(0, "WATCHDOG=1");
}
