/*
 * events_stream_test.c — the event thread (events.c) against a fake Docker
 * Engine (tests/fakedocker.h; no daemon): it asks GET /events with the
 * managed-container filter; a start event makes a reaction due once its
 * window passed (the reconnection that follows is never answered, so the
 * start is the only cause), a
 * die event marks the container list stale (events_cycle_starts), the
 * reaction is taken away by the cycle that starts; a stream that ends is
 * asked again (and a reaction made due: events may have been missed);
 * without any event nothing is due; the thread stops when told; an error
 * answer's body is never read as events; lines that are not events are
 * passed over, the events around them still count; a scope too long for
 * the filter is refused at the start.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../events.h"
#include "fakedocker.h"
#include "util.h"

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000000"
#define ID_B "bbbb000000000000000000000000000000000000000000000000000000000000"

struct stream {
	int served; /* GET /events answered so far */
	bool with_events; /* the first answer carries a start and a die */
	volatile bool release; /* set at the end: the held requests are let go */
};

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	struct stream *s = ctx;

	(void)body;
	if (strcmp(method, "GET") != 0 || !strstr(path, "/events?filters="))
		return 0;
	/* the filter asks for managed containers' start and die events only */
	assert_non_null(strstr(path, "gestor.managed%3Dtrue"));
	if (s->served++ == 0 && s->with_events) {
		snprintf(out, outlen,
			 "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\","
			 "\"Attributes\":{\"name\":\"a\",\"gestor.managed\":\"true\"}}}\n"
			 "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"%s\","
			 "\"Attributes\":{\"name\":\"b\",\"gestor.managed\":\"true\"}}}\n",
			 ID_A, ID_B);
		*status = 200;
		return 0;
	}
	if (s->with_events) {
		/* the reconnection after the first stream is never answered:
		 * no "stream back" reaction, only the start event's */
		for (int i = 0; i < 600 && !s->release; i++)
			usleep(50000);
		return -1;
	}
	*status = 200;
	return 0;
}

static bool never(void)
{
	return false;
}

static uint64_t in_ms(unsigned ms)
{
	return util_mono_ns() + (uint64_t)ms * 1000000ull;
}

static void test_start_and_die(void **state)
{
	struct stream s = { .with_events = true };
	struct fakedocker fd;
	struct events *e = NULL;
	struct events_cfg cfg = { .api_version = "1.41", .scope = "", .window_ms = 100 };
	char err[256];

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, &s), 0);
	cfg.socket_path = fd.socket;
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), 0);
	/* due once A's 100 ms window passed (the 20 s deadline only catches a hang) */
	assert_true(events_wait(e, in_ms(20000), never));
	/* the die of B: the container list is stale */
	assert_true(events_cycle_starts(e));
	assert_false(events_cycle_starts(e)); /* said once */
	events_stop(e);
	s.release = true;
	fakedocker_stop(&fd);
	/* the stream ended after the first answer: it was asked again */
	assert_true(fakedocker_count(&fd, "GET", "/events") >= 1);
}

static void test_quiet(void **state)
{
	struct stream s = { .with_events = false };
	struct fakedocker fd;
	struct events *e = NULL;
	struct events_cfg cfg = { .api_version = "1.41",
				  .scope = "gestor.test=x",
				  .window_ms = 100 };
	char err[256], path[1024];

	(void)state;
	assert_true(events_path(&cfg, path, sizeof(path)));
	assert_non_null(strstr(path, "gestor.test%3Dx"));
	assert_int_equal(fakedocker_start(&fd, handler, &s), 0);
	cfg.socket_path = fd.socket;
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), 0);
	/* the first answer is an empty stream that ends at once: after it, the
	 * thread reconnects and makes a reaction due (events may be missed) */
	assert_true(events_wait(e, in_ms(20000), never));
	assert_false(events_cycle_starts(e)); /* no die seen */
	events_stop(e);
	fakedocker_stop(&fd);
	assert_true(fakedocker_count(&fd, "GET", "/events") >= 2);
}

/* Nothing answers at all: no reaction is due, the wait ends at its deadline,
 * and the thread stops when told. */
static void test_no_daemon(void **state)
{
	struct events *e = NULL;
	struct events_cfg cfg = { .socket_path = "/nonexistent/docker.sock",
				  .api_version = "1.41",
				  .scope = "",
				  .window_ms = 100 };
	char err[256];
	uint64_t t0;

	(void)state;
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), 0);
	t0 = util_mono_ns();
	assert_false(events_wait(e, in_ms(700), never));
	assert_true(util_mono_ns() - t0 >= 600000000ull);
	assert_false(events_cycle_starts(e));
	events_stop(e);
	events_stop(NULL);
}

/* GET /events answered 500 with an event in its body: the body is an
 * error, not a stream; nothing becomes due, and the stream is asked again. */
static int handler_500(void *ctx, const char *method, const char *path, const char *body,
		       int *status, char *out, size_t outlen)
{
	struct stream *s = ctx;

	(void)body;
	if (strcmp(method, "GET") != 0 || !strstr(path, "/events?filters="))
		return 0;
	s->served++;
	*status = 500;
	snprintf(out, outlen,
		 "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\"}}\n", ID_A);
	return 0;
}

static void test_error_answer(void **state)
{
	struct stream s = { 0 };
	struct fakedocker fd;
	struct events *e = NULL;
	struct events_cfg cfg = { .api_version = "1.41", .scope = "", .window_ms = 10 };
	char err[256];

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler_500, &s), 0);
	cfg.socket_path = fd.socket;
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), 0);
	/* two answers (the second after the reconnection's backoff; the
	 * deadline only catches a hang) */
	for (int i = 0; i < 400 && fakedocker_count(&fd, "GET", "/events") < 2; i++)
		usleep(50000);
	assert_true(fakedocker_count(&fd, "GET", "/events") >= 2);
	assert_false(events_wait(e, in_ms(300), never));
	assert_false(events_cycle_starts(e));
	events_stop(e);
	fakedocker_stop(&fd);
}

/* Lines that are not events (not JSON, not an object, missing fields,
 * blank) between two real ones: passed over; the die and the start count. */
static int handler_noise(void *ctx, const char *method, const char *path, const char *body,
			 int *status, char *out, size_t outlen)
{
	struct stream *s = ctx;

	(void)body;
	if (strcmp(method, "GET") != 0 || !strstr(path, "/events?filters="))
		return 0;
	if (s->served++ == 0) {
		snprintf(out, outlen,
			 "not json at all\n"
			 "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"%s\"}}\n"
			 "[1,2,3]\n"
			 "\n"
			 "{\"Type\":\"container\",\"Action\":\"start\"}\n"
			 "{\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\"}}\n"
			 "{\"Type\":\"network\",\"Action\":\"start\",\"Actor\":{\"ID\":\"%s\"}}\n"
			 "{\"Type\":\"container\",\"status\":\"start\",\"id\":\"%s\"}\n",
			 ID_B, ID_A, ID_A, ID_A);
		*status = 200;
		return 0;
	}
	for (int i = 0; i < 600 && !s->release; i++)
		usleep(50000);
	return -1;
}

static void test_noise_between_events(void **state)
{
	struct stream s = { 0 };
	struct fakedocker fd;
	struct events *e = NULL;
	struct events_cfg cfg = { .api_version = "1.41", .scope = "", .window_ms = 100 };
	char err[256];

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler_noise, &s), 0);
	cfg.socket_path = fd.socket;
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), 0);
	/* the last line, a start in the pre-1.22 form, makes the reaction due */
	assert_true(events_wait(e, in_ms(20000), never));
	assert_true(events_cycle_starts(e)); /* the die */
	events_stop(e);
	s.release = true;
	fakedocker_stop(&fd);
}

/* A scope too long for the filter: refused at the start, naming it. */
static void test_scope_too_long(void **state)
{
	char scope[700], err[1024], path[1024];
	struct events *e = NULL;
	struct events_cfg cfg = { .socket_path = "/nonexistent/docker.sock",
				  .api_version = "1.41",
				  .window_ms = 100 };

	(void)state;
	memset(scope, 'k', sizeof(scope) - 1);
	scope[sizeof(scope) - 1] = '\0';
	cfg.scope = scope;
	assert_false(events_path(&cfg, path, sizeof(path)));
	assert_int_equal(events_start(&e, &cfg, err, sizeof(err)), -EINVAL);
	assert_null(e);
	assert_non_null(strstr(err, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_die),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_error_answer),
		cmocka_unit_test(test_noise_between_events),
		cmocka_unit_test(test_scope_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
