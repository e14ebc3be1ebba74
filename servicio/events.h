/*
 * events.h — the reaction to Docker's event stream, beside the periodic
 * cycle. A thread of its own follows GET /events (libcurl over the unix
 * socket, its own connection) filtered to container start/die events of
 * managed containers (label gestor.managed=true, and the scope label when
 * there is one). A start makes a cycle due once the container is window_ms
 * old: the cycle then rates it over that window (its lifetime: measure.h)
 * and decides at once instead of at the next periodic cycle. A die only
 * says the container list is stale. When the stream breaks (dockerd
 * restarts, the socket goes) the thread reconnects with a backoff (0.5 s
 * doubling to 5 s) and, once back, makes a cycle due: events may have been
 * missed.
 *
 * The thread never decides: it only sets a due time under a mutex and
 * wakes the main loop, which runs every cycle (periodic or not) itself, so
 * two decisions never run at once. A cycle that starts takes the pending
 * due time away (events_cycle_starts): what it sees needs no second
 * decision.
 */
#ifndef SERVICIO_EVENTS_H
#define SERVICIO_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gestor.h"

#define EVENTS_LINE_MAX 65536 /* an event longer than this is skipped */

struct events;

struct events_cfg {
	const char *socket_path;
	const char *api_version; /* "1.41" */
	const char *scope; /* "key=value" or "" */
	unsigned window_ms; /* age at which a started container is decided */
};

enum events_kind { EVENTS_OTHER, EVENTS_START, EVENTS_DIE };

struct events_event {
	enum events_kind kind;
	char id[GESTOR_CTR_ID_LEN + 1];
	char name[256];
};

/*
 * One line of the stream (a JSON object; len without the newline) into
 * out. 0, or -EINVAL when it is not an event document.
 */
int events_parse_buf(const char *line, size_t len, struct events_event *out);

/* The query of GET /events for this configuration, URL-encoded. false when cut. */
bool events_path(const struct events_cfg *cfg, char *out, size_t cap);

/* Start the thread. 0 or -errno with err. cfg's strings must outlive it. */
int events_start(struct events **out, const struct events_cfg *cfg, char *err, size_t errlen);

/* Stop the thread (within about a second) and free everything. NULL is fine. */
void events_stop(struct events *e);

/*
 * Wait until deadline_ns (monotonic), a due reaction, or stopping().
 * true when a reaction is due (its time came before the deadline).
 */
bool events_wait(struct events *e, uint64_t deadline_ns, bool (*stopping)(void));

/*
 * A cycle starts: the pending reaction, if due, is taken away (one whose
 * window is still open stays). Returns whether a
 * managed container died since the last call (the container list is stale).
 */
bool events_cycle_starts(struct events *e);

#endif
