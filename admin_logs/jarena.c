/*
 * jarena.c — jansson's allocations from a per-request arena (see jarena.h).
 *
 * While a thread has an arena entered (one json_loadb), every block jansson
 * asks for on that thread is carved from it and every free is a no-op: the
 * parser frees only what it allocated during the same call (grown buffers
 * and arrays, a half-built tree on an error). Outside an arena, jansson's
 * blocks are malloc's and free's own, so a json_dumps() result is still
 * released with free() as before.
 */
#include "jarena.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#define JA_CHUNK (64 * 1024) /* a chunk's room for blocks */

struct jarena_chunk {
	struct jarena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

static bool ja_installed;
static _Thread_local struct jarena *ja_cur;

/* A block of n bytes (a multiple of 16) from a; NULL when out of memory. */
static unsigned char *ja_carve(struct jarena *a, size_t n)
{
	struct jarena_chunk *c = a->head;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > JA_CHUNK / 4 ? n : JA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (cap == JA_CHUNK || !a->head) {
			c->next = a->head;
			a->head = c;
		} else { /* a block of its own: the current chunk stays in front */
			c->next = a->head->next;
			a->head->next = c;
		}
	}
	c->used += n;
	a->used = true;
	return c->data + c->used - n;
}

static void *ja_malloc(size_t n)
{
	struct jarena *a = ja_cur;

	if (!a)
		return malloc(n);
	if (n > SIZE_MAX - 16)
		return NULL;
	return ja_carve(a, (n + 15) & ~(size_t)15); /* malloc's alignment */
}

static void ja_free(void *p)
{
	if (!ja_cur)
		free(p);
}

void jarena_install(void)
{
	json_set_alloc_funcs(ja_malloc, ja_free);
	ja_installed = true;
}

void jarena_enter(struct jarena *a)
{
	if (ja_installed)
		ja_cur = a;
}

void jarena_leave(void)
{
	ja_cur = NULL;
}

bool jarena_owns(const struct jarena *a)
{
	return ja_installed && a->used;
}

void jarena_release(struct jarena *a)
{
	while (a->head) {
		struct jarena_chunk *c = a->head;

		a->head = c->next;
		free(c);
	}
	a->used = false;
}
