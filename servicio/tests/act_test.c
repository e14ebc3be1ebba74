/*
 * act_test.c — the removal stage against a fake Docker Engine on a Unix
 * socket (tests/fakedocker.h; no Docker, no root): each container decided
 * CYCLE_REMOVE is killed then force-deleted, by the worker threads when
 * there are several and on the caller's connection when there is one; a
 * container already gone (404 on kill) is removed without a delete and
 * says so; one not running (409 on kill) is still deleted; a delete the
 * daemon already has in progress counts as removed; a failed delete is
 * CYCLE_REMOVE_FAILED with Docker's message in the reason; rows not
 * decided CYCLE_REMOVE are not touched; an unreachable daemon is named in
 * docker_err.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../act.h"
#include "fakedocker.h"

/* container ids: "<behaviour digit>" followed by zeros, 64 hex chars */
enum { OK = 1, GONE = 2, NOT_RUNNING = 3, DELETE_FAILS = 4, IN_PROGRESS = 5 };

static void make_id(char *id, int behaviour, int n)
{
	snprintf(id, 65, "%d%02d%061d", behaviour, n, 0);
}

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	const char *c = strstr(path, "/containers/");
	int b;

	(void)ctx;
	(void)body;
	if (!c)
		return 0; /* /version and the rest: the default answers */
	b = c[12] - '0';
	if (strcmp(method, "POST") == 0 && strstr(path, "/kill?signal=SIGKILL")) {
		*status = b == GONE ? 404 : b == NOT_RUNNING ? 409 : 204;
		if (*status == 404)
			snprintf(out, outlen, "{\"message\":\"No such container\"}");
	} else if (strcmp(method, "DELETE") == 0 && strstr(path, "?force=1&v=0")) {
		*status = b == DELETE_FAILS ? 500 : b == IN_PROGRESS ? 409 : 204;
		if (b == DELETE_FAILS)
			snprintf(out, outlen,
				 "{\"message\":\"driver failed to remove root filesystem\"}");
		if (b == IN_PROGRESS)
			snprintf(out, outlen,
				 "{\"message\":\"removal of container is already in progress\"}");
	}
	return 0;
}

struct rig {
	struct docker_container dc[8];
	struct docker_container_list dl;
	struct cycle_row rows[8];
	struct policy_decision dec[8];
	struct cycle c;
};

/* rows with behaviours b[0..n-1], each decided CYCLE_REMOVE (or `keep`) */
static void rig_init(struct rig *r, const int *b, size_t n, int keep_idx)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		make_id(r->dc[i].id, b[i], (int)i);
		snprintf(r->dc[i].name, sizeof(r->dc[i].name), "c%zu", i);
		r->rows[i].dc = &r->dc[i];
		r->rows[i].action = (int)i == keep_idx ? CYCLE_KEPT : CYCLE_REMOVE;
		r->rows[i].dec = &r->dec[i];
		snprintf(r->dec[i].reason, sizeof(r->dec[i].reason), "low, rank %zu", i + 1);
		r->dec[i].idx = i;
	}
	r->dl.items = r->dc;
	r->dl.n = n;
	r->c.dl = &r->dl;
	r->c.rows = r->rows;
	r->c.dec = r->dec;
	r->c.nrows = r->c.ndec = n;
}

static struct docker *open_fake(const char *socket)
{
	struct docker_opts o = { .socket_path = socket, .api_version = "1.41", .timeout_ms = 5000 };
	struct docker *d = NULL;
	char err[256];

	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	return d;
}

static void test_workers(void **state)
{
	const int b[] = { OK, GONE, NOT_RUNNING, DELETE_FAILS, IN_PROGRESS, OK, OK };
	struct fakedocker fd;
	struct act_result res;
	struct docker *d;
	struct rig r;

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	d = open_fake(fd.socket);
	rig_init(&r, b, 7, 6);
	act_remove(&r.c, d, fd.socket, &res);
	docker_close(d);
	fakedocker_stop(&fd);

	assert_int_equal(res.removed, 5);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.docker_err, ""); /* the daemon answered */
	assert_int_equal(r.rows[0].action, CYCLE_REMOVED);
	assert_string_equal(r.rows[0].dec->reason, "low, rank 1");
	assert_int_equal(r.rows[1].action, CYCLE_REMOVED);
	assert_true(r.rows[1].gone);
	assert_string_equal(r.rows[1].dec->reason, "low, rank 2; it was already gone");
	assert_int_equal(r.rows[2].action, CYCLE_REMOVED);
	assert_int_equal(r.rows[3].action, CYCLE_REMOVE_FAILED);
	assert_non_null(strstr(r.rows[3].dec->reason, "low, rank 4; removal failed: "));
	assert_non_null(strstr(r.rows[3].dec->reason, "driver failed to remove root filesystem"));
	assert_int_equal(r.rows[4].action, CYCLE_REMOVED);
	assert_int_equal(r.rows[5].action, CYCLE_REMOVED);
	assert_int_equal(r.rows[6].action, CYCLE_KEPT); /* not decided remove: untouched */
	/* every one decided remove killed once; deleted unless already gone */
	assert_int_equal(fakedocker_count(&fd, "POST", "/kill"), 6);
	assert_int_equal(fakedocker_count(&fd, "DELETE", NULL), 5);
	assert_int_equal(fakedocker_count(&fd, "DELETE", r.dc[1].id), 0);
	assert_int_equal(fakedocker_count(&fd, "POST", r.dc[6].id), 0);
	/* the workers were given the API version: no negotiation */
	assert_int_equal(fakedocker_count(&fd, "GET", "/version"), 0);
}

/* One removal: on the caller's connection. */
static void test_one(void **state)
{
	const int b[] = { OK };
	struct fakedocker fd;
	struct act_result res;
	struct docker *d;
	struct rig r;

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	d = open_fake(fd.socket);
	rig_init(&r, b, 1, -1);
	act_remove(&r.c, d, "/nonexistent/docker.sock", &res); /* the workers' socket: unused */
	docker_close(d);
	fakedocker_stop(&fd);
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.failed, 0);
	assert_int_equal(r.rows[0].action, CYCLE_REMOVED);
	assert_int_equal(fakedocker_count(&fd, "DELETE", r.dc[0].id), 1);
}

/* The daemon gone: every removal fails and the result names the cause. */
static void test_daemon_down(void **state)
{
	const int b[] = { OK, OK, OK };
	struct act_result res;
	struct docker *d = open_fake("/nonexistent/docker.sock");
	struct rig r;

	(void)state;
	rig_init(&r, b, 3, -1);
	act_remove(&r.c, d, "/nonexistent/docker.sock", &res);
	docker_close(d);
	assert_int_equal(res.removed, 0);
	assert_int_equal(res.failed, 3);
	assert_true(res.docker_err[0] != '\0');
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.rows[i].action, CYCLE_REMOVE_FAILED);
		assert_int_equal(r.rows[i].rm_ret, -ENOENT);
	}
}

static void test_nothing(void **state)
{
	struct act_result res;
	struct docker *d = open_fake("/nonexistent/docker.sock");
	struct rig r;

	(void)state;
	rig_init(&r, NULL, 0, -1);
	act_remove(&r.c, d, "/nonexistent/docker.sock", &res);
	docker_close(d);
	assert_int_equal(res.removed + res.failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_daemon_down),
		cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
