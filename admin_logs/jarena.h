/*
 * jarena.h — a request's parsed JSON in one arena: while a thread has an
 * arena entered, jansson's allocations on that thread are carved out of it
 * (in 64 KiB chunks; a larger block gets a chunk of its own), jansson's
 * frees of them do nothing, and releasing the arena frees it all at once.
 * A POST /logs body of 10 records is some 200 JSON values: their mallocs,
 * and the frees of json_decref's walk of the tree, were a tenth of the
 * server's CPU time at one sender (perf, 4 KB bodies).
 *
 * jarena_install() must run before any thread uses jansson (first thing
 * in main). Without it (the unit tests of other files) entering an arena
 * changes nothing and jarena_owns() says false, so the tree is freed with
 * json_decref as usual.
 * A tree parsed in an arena must not gain values allocated outside it
 * (json_object_set and the like), nor be referenced after the release.
 */
#ifndef ADMIN_LOGS_JARENA_H
#define ADMIN_LOGS_JARENA_H

#include <stdbool.h>

struct jarena_chunk;

struct jarena {
	struct jarena_chunk *head; /* owned: the chunks, newest first */
	bool used; /* something was allocated in it */
};

/* Route jansson's allocations through this file (once, before any jansson use). */
void jarena_install(void);

/* On this thread, jansson allocates from a until jarena_leave(). */
void jarena_enter(struct jarena *a);
void jarena_leave(void);

/* Does a hold the values allocated while it was entered (free them with jarena_release)? */
bool jarena_owns(const struct jarena *a);

/* Free a's chunks; a is empty again. */
void jarena_release(struct jarena *a);

#endif
