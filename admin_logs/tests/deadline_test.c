/*
 * deadline_test.c — unit tests for deadline.c on real sockets (socketpair):
 * a connection late in its headers or its body is shut down (its peer
 * reads end-of-file) and counted; one that is answering, or closed, or on
 * time is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "deadline.h"

#define MS 1000000ull

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The peer of a shut-down socket reads 0 at once; of a live one, EAGAIN. */
static int peer_state(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	return n == 0 ? 0 : 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits (a generous 20 s: only a hang fails) until fd's peer was shut down;
 * the time it was seen, in ms since t0. */
static uint64_t wait_cut(int fd, uint64_t t0)
{
	for (int i = 0; i < 2000 && peer_state(fd) != 0; i++)
		sleep_ms(10);
	assert_int_equal(peer_state(fd), 0);
	return now_ms() - t0;
}

/*
 * Each connection is cut at its own deadline, never before: the checks
 * wait for the cuts (no timing assumed on a busy machine) and compare the
 * moment each was seen with when it was due.
 */
static void test_headers_and_body(void **state)
{
	struct deadline *d;
	int late[2], body[2], answering[2], ontime[2], sending[2];
	uint64_t nh, nb, na, t0, t;
	bool ontime_cut;
	char err[128];

	(void)state;
	t0 = now_ms();
	assert_int_equal(deadline_start(&d, 500 * MS, 1500 * MS, 1000 * MS, err, sizeof(err)), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, body), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, answering), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, ontime), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sending), 0);

	struct deadline_conn *cl = deadline_open(d, late[0]);
	struct deadline_conn *cb = deadline_open(d, body[0]);
	struct deadline_conn *ca = deadline_open(d, answering[0]);
	struct deadline_conn *co = deadline_open(d, ontime[0]);
	struct deadline_conn *cs = deadline_open(d, sending[0]);
	assert_non_null(cl);
	deadline_headers_in(d, cb, true); /* body deadline: 1500 ms from now */
	deadline_headers_in(d, ca, false); /* answering: none */
	deadline_headers_in(d, cs, false);
	deadline_sending(d, cs); /* sending: 1000 ms from now */
	sleep_ms(300);
	deadline_request_done(d, co); /* a new request: headers deadline again (500 ms) */
	t = wait_cut(late[1], t0); /* headers late (due at 500 ms) */
	assert_true(t >= 500);
	if (t < 800) /* what is not due yet is not cut */
		assert_int_equal(peer_state(ontime[1]), 1);
	if (t < 1000)
		assert_int_equal(peer_state(sending[1]), 1);
	if (t < 1500)
		assert_int_equal(peer_state(body[1]), 1);
	ontime_cut = peer_state(ontime[1]) == 0;
	deadline_close(d, co); /* gone: never cut after this */
	assert_true(wait_cut(sending[1], t0) >= 1000); /* the answer (due at 1000) */
	assert_true(wait_cut(body[1], t0) >= 1500); /* the body (due at 1500) */
	assert_int_equal(peer_state(answering[1]), 1); /* never due */
	assert_int_equal(peer_state(ontime[1]), !ontime_cut);
	deadline_counts(d, &nh, &nb, &na);
	assert_int_equal(nh, 1 + ontime_cut);
	assert_int_equal(nb, 1);
	assert_int_equal(na, 1);
	deadline_close(d, cl);
	deadline_close(d, cb);
	deadline_close(d, cs);
	(void)ca; /* left open: deadline_stop frees it */
	deadline_stop(d);
	for (int i = 0; i < 2; i++) {
		close(late[i]);
		close(body[i]);
		close(answering[i]);
		close(ontime[i]);
		close(sending[i]);
	}
}

static void test_null_safe(void **state)
{
	uint64_t nh, nb, na;

	(void)state;
	assert_null(deadline_open(NULL, 3));
	deadline_headers_in(NULL, NULL, true);
	deadline_close(NULL, NULL);
	deadline_counts(NULL, &nh, &nb, &na);
	assert_int_equal(nh + nb + na, 0);
	deadline_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_and_body),
		cmocka_unit_test(test_null_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
