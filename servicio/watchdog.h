/*
 * watchdog.h — systemd's watchdog, fed while servicio makes progress.
 *
 * Under a unit with WatchdogSec=, systemd kills servicio when no WATCHDOG=1
 * arrives for that long. The loop pings between cycles; a cycle itself can
 * be long and still healthy: every Docker call and every removal's graceful
 * stop has its own bounded timeout, and a removal pass of --max-removals
 * containers with --stop-timeout each, or one slow Docker call as long as
 * docker_timeout, can outlast the watchdog. So the places that wait on a
 * bounded call (the Docker client while a request is in flight, the cycle
 * between its stages) call wd_alive(), which pings at most once per half
 * period. A hang that is not such a wait (a deadlock, a loop) pings nothing
 * and is still killed.
 */
#ifndef GESTOR_WATCHDOG_H
#define GESTOR_WATCHDOG_H

#include <stdint.h>

/* Read $WATCHDOG_USEC once (sd_watchdog_enabled). Half the period in ns, 0
 * when there is no watchdog. */
uint64_t wd_init(void);
/* Ping when half a period has passed since the last ping; any thread. */
void wd_alive(void);
/* Ping now (the loop, between cycles). */
void wd_ping(void);

#endif
