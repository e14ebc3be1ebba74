/*
 * deadline.h — whole-phase deadlines for HTTP connections, against slow
 * ("slowloris") clients. libmicrohttpd's timeout is an idle timeout: a
 * client that trickles one header byte every few seconds resets it each
 * time and holds its connection slot forever. Here every connection is in
 * one phase at a time, and the phases that wait on the client have a fixed
 * deadline that no trickle moves:
 *
 *   HEADERS  from the connection's start, or the end of its previous
 *            request, until the next request's headers are all in
 *   BODY     from the headers until the last byte of the request body
 *   ANSWER   the server is working on the answer (no deadline here)
 *   SEND     from the answer being queued until its last byte is sent:
 *            a client that reads too slowly (a byte a second, which the
 *            idle timeout never catches) is cut, so no answer holds its
 *            connection and its buffers for longer than this
 *
 * A watchdog thread checks every DEADLINE_TICK_MS and cuts a late
 * connection with shutdown(SHUT_RDWR) on its socket: the socket stays
 * open (libmicrohttpd owns it and closes it after its CLOSED notification,
 * which removes it from here first, so a reused descriptor is never cut),
 * and the server sees end-of-file on its next read and frees the slot.
 *
 * All functions are thread-safe (one mutex; the list holds at most the
 * server's connection limit).
 */
#ifndef ADMIN_LOGS_DEADLINE_H
#define ADMIN_LOGS_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEADLINE_TICK_MS 100

struct deadline;
struct deadline_conn;

/*
 * Start the watchdog: headers_ns, body_ns and send_ns are the phase limits
 * (0: that phase has none). 0 or -errno with the reason in err.
 */
int deadline_start(struct deadline **out, uint64_t headers_ns, uint64_t body_ns, uint64_t send_ns,
		   char *err, size_t errlen);

/* Stop the watchdog and free what is left. NULL is fine. */
void deadline_stop(struct deadline *d);

/* A new connection on socket fd, in phase HEADERS. NULL when out of memory
 * (the connection then simply has no deadline). */
struct deadline_conn *deadline_open(struct deadline *d, int fd);

/* The connection is closing: forget it (before its socket is closed). */
void deadline_close(struct deadline *d, struct deadline_conn *c);

/* Headers are in: phase BODY when a body follows, else ANSWER. */
void deadline_headers_in(struct deadline *d, struct deadline_conn *c, bool body_follows);

/* The body is in (or the request is being answered): phase ANSWER. */
void deadline_answering(struct deadline *d, struct deadline_conn *c);

/* The answer is queued: phase SEND. */
void deadline_sending(struct deadline *d, struct deadline_conn *c);

/* The request is finished: phase HEADERS for the next one. */
void deadline_request_done(struct deadline *d, struct deadline_conn *c);

/* Connections cut so far: late headers, late bodies, late answers. */
void deadline_counts(struct deadline *d, uint64_t *headers, uint64_t *bodies, uint64_t *answers);

/*
 * For in-process harnesses (tests/fuzz/http_fuzz.c): the connections open
 * now, and whether the server is at rest on all of them: none is being
 * answered and none has unread bytes in its socket.
 */
void deadline_rest(struct deadline *d, unsigned *conns, bool *at_rest);

#endif
