/*
 * docker_answers_test.c — the Docker client (docker.c) against a fake
 * Engine (fakedocker.h: no daemon, no root) that answers what each test
 * says: API version negotiation (capped, kept, malformed), /version and
 * /_ping answers that are not what the API promises, the HTTP errors and
 * the API's messages, a container list that is not an array, not JSON or
 * holds entries that are not containers, label values that are not
 * strings, an inspect answer that is not an object, a connection closed
 * without an answer, and inputs refused before any request.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../docker.h"
#include "fakedocker.h"

#define ID1 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID2 "2222222222222222222222222222222222222222222222222222222222222222"

/* What the fake Engine answers: for a path containing `route`, the status
 * and body; close: close the connection without an answer. */
struct answer {
	const char *route;
	int status;
	const char *body;
	bool close;
};

static struct answer answers[8];
static char last_path[1024];

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	(void)ctx;
	(void)method;
	(void)body;
	snprintf(last_path, sizeof(last_path), "%s", path);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]) && answers[i].route; i++) {
		if (!strstr(path, answers[i].route))
			continue;
		if (answers[i].close)
			return -1;
		*status = answers[i].status;
		snprintf(out, outlen, "%s", answers[i].body);
		return 0;
	}
	return 0; /* /version: fakedocker's 1.41; anything else 404 */
}

static struct fakedocker fd;
/* the client of the test, closed after it (also when an assertion failed:
 * fakedocker_stop waits for the connections to close) */
static struct docker *d;

static int setup(void **state)
{
	(void)state;
	return fakedocker_start(&fd, handler, NULL);
}

static int teardown(void **state)
{
	(void)state;
	fakedocker_stop(&fd);
	return 0;
}

static int each(void **state)
{
	(void)state;
	memset(answers, 0, sizeof(answers));
	last_path[0] = '\0';
	d = NULL;
	return 0;
}

static int after(void **state)
{
	(void)state;
	docker_close(d);
	d = NULL;
	return 0;
}

static void set_answer(size_t i, const char *route, int status, const char *body)
{
	answers[i] = (struct answer){ route, status, body, false };
}

/* A client on the fake socket, negotiating (api NULL) or with api fixed. */
static int open_fake(struct docker **out, const char *api, char *err, size_t errlen)
{
	struct docker_opts o = { .socket_path = fd.socket, .api_version = api };

	return docker_open(out, &o, err, errlen);
}

static void test_negotiation(void **state)
{
	char err[256];
	int before;

	(void)state;
	/* newer than this client speaks: capped at DOCKER_API_MAX */
	set_answer(0, "/version", 200, "{\"ApiVersion\":\"1.45\",\"Version\":\"26.1\"}");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), 0);
	assert_string_equal(docker_api_version(d), DOCKER_API_MAX);
	docker_close(d);
	d = NULL;
	/* older: that one is used */
	set_answer(0, "/version", 200, "{\"ApiVersion\":\"1.38\"}");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), 0);
	assert_string_equal(docker_api_version(d), "1.38");
	assert_int_equal(docker_timeout_ms(d), DOCKER_TIMEOUT_MS);
	docker_close(d);
	d = NULL;
	/* none or malformed: the default */
	set_answer(0, "/version", 200, "{\"ApiVersion\":\"one.two\"}");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), 0);
	assert_string_equal(docker_api_version(d), DOCKER_API_DEFAULT);
	docker_close(d);
	d = NULL;
	/* /version that is not an object, or not JSON: the open fails, saying so */
	set_answer(0, "/version", 200, "[1,2]");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), -EPROTO);
	assert_null(d);
	assert_non_null(strstr(err, "expected an object"));
	set_answer(0, "/version", 200, "<html>");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not JSON"));
	set_answer(0, "/version", 500, "{\"message\":\"daemon is starting\"}");
	assert_int_equal(open_fake(&d, NULL, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "HTTP 500: daemon is starting"));

	/* a fixed version ("v" allowed) does not connect */
	before = fakedocker_count(&fd, "GET", NULL);
	assert_int_equal(open_fake(&d, "v1.40", err, sizeof(err)), 0);
	assert_string_equal(docker_api_version(d), "1.40");
	docker_close(d);
	d = NULL;
	assert_int_equal(fakedocker_count(&fd, "GET", NULL), before);
	const char *bad[] = { "1", "1.", "1.x", "x.41", "100.1", "1.41.2", "1.1000" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(open_fake(&d, bad[i], err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "bad API version"));
	}
	/* a socket path longer than a sockaddr_un holds */
	char longp[400];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	struct docker_opts o = { .socket_path = longp, .api_version = "1.41" };
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), -ENAMETOOLONG);
	docker_close(NULL);
}

static void test_ping_and_version(void **state)
{
	struct docker_version v;
	char err[256];

	(void)state;
	assert_int_equal(open_fake(&d, "1.41", err, sizeof(err)), 0);
	set_answer(0, "/_ping", 200, "OK");
	assert_int_equal(docker_ping(d, err, sizeof(err)), 0);
	assert_string_equal(last_path, "/v1.41/_ping");
	set_answer(0, "/_ping", 200, "maybe");
	assert_int_equal(docker_ping(d, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "\"maybe\", not OK"));
	set_answer(0, "/_ping", 503, "overloaded, not JSON");
	assert_int_equal(docker_ping(d, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "HTTP 503: overloaded, not JSON"));

	/* the fields the client copies, a field of the wrong type as "" */
	set_answer(0, "/version", 200,
		   "{\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\",\"MinAPIVersion\":\"1.12\","
		   "\"Os\":\"linux\",\"Arch\":\"amd64\",\"KernelVersion\":7}");
	assert_int_equal(docker_version(d, &v, err, sizeof(err)), 0);
	assert_string_equal(v.version, "24.0.7");
	assert_string_equal(v.api_version, "1.43");
	assert_string_equal(v.min_api_version, "1.12");
	assert_string_equal(v.os, "linux");
	assert_string_equal(v.arch, "amd64");
	assert_string_equal(v.kernel, "");
	assert_string_equal(last_path, "/version"); /* unversioned */

	/* the daemon closes the connection without answering */
	answers[0] = (struct answer){ "/_ping", 0, NULL, true };
	assert_int_equal(docker_ping(d, err, sizeof(err)), -ECONNRESET);
	assert_non_null(strstr(err, "closed the connection"));
	docker_close(d);
	d = NULL;
}

static void test_response_errors(void **state)
{
	static const struct {
		long status;
		const char *body;
		int ret;
		const char *msg;
	} cases[] = {
		{ 200, "{}", 0, NULL },
		{ 304, "", 0, NULL },
		{ 400, "{\"message\":\"bad parameter\"}", -EINVAL, "HTTP 400: bad parameter" },
		{ 401, "{\"message\":\"no\"}", -EACCES, "HTTP 401: no" },
		{ 403, "{\"message\":7}", -EACCES, "HTTP 403: {\"message\":7}" },
		{ 404, "{\"message\":\"No such container: x\"}", -ENOENT,
		  "HTTP 404: No such container: x" },
		{ 409, "{\"message\":\"in progress\"}", -EBUSY, "HTTP 409: in progress" },
		{ 500, "", -EIO, "HTTP 500: (no body)" },
		{ 502, "gateway", -EIO, "HTTP 502: gateway" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct docker_response r = { cases[i].status, (char *)cases[i].body,
					     strlen(cases[i].body) };
		err[0] = '\0';
		assert_int_equal(docker_response_error(&r, err, sizeof(err)), cases[i].ret);
		if (cases[i].msg)
			assert_string_equal(err, cases[i].msg);
	}
	/* no body at all */
	struct docker_response r = { 404, NULL, 0 };
	assert_int_equal(docker_response_error(&r, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "HTTP 404: (no body)");
}

static void test_list_answers(void **state)
{
	struct docker_container_list l;
	char err[256];

	(void)state;
	assert_int_equal(open_fake(&d, "1.41", err, sizeof(err)), 0);
	/* entries that are not containers (no 64-hex Id, not an object) are
	 * left out; labels that are not strings too; no Names: "" */
	set_answer(0, "/containers/json", 200,
		   "[{\"Id\":\"" ID1 "\",\"Names\":[\"/web\"],\"Image\":\"nginx\","
		   "\"State\":\"running\",\"Status\":\"Up 1 minute\",\"Created\":1700000000,"
		   "\"Labels\":{\"gestor.managed\":\"true\",\"n\":5,\"e\":\"\"}},"
		   "{\"Id\":\"abc\"},7,\"text\",null,"
		   "{\"Id\":\"" ID2 "\",\"Labels\":{},\"Created\":\"yesterday\"}]");
	assert_int_equal(docker_list_containers(d, true, NULL, &l, err, sizeof(err)), 0);
	assert_string_equal(last_path, "/v1.41/containers/json?all=1");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].name, "web");
	assert_string_equal(l.items[0].image, "nginx");
	assert_int_equal(l.items[0].created, 1700000000);
	assert_int_equal(l.items[0].nlabels, 2);
	assert_string_equal(docker_container_label(&l.items[0], "gestor.managed"), "true");
	assert_string_equal(docker_container_label(&l.items[0], "e"), "");
	assert_null(docker_container_label(&l.items[0], "n"));
	assert_string_equal(l.items[1].name, "");
	assert_int_equal(l.items[1].created, 0);
	assert_int_equal(l.items[1].nlabels, 0);
	assert_ptr_equal(docker_container_find(&l, "2222"), &l.items[1]);
	assert_null(docker_container_find(&l, ""));
	assert_null(docker_container_find(&l, "3"));
	docker_container_list_free(&l);

	/* the label filter goes escaped into the query */
	set_answer(0, "/containers/json", 200, "[]");
	assert_int_equal(
		docker_list_containers(d, false, "gestor.managed=true", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_string_equal(last_path, "/v1.41/containers/json?all=0&filters=%7B%22label%22%3A%5B%"
				       "22gestor.managed%3Dtrue%22%5D%7D");
	/* a filter too long to send is refused before any request */
	char longf[400];
	memset(longf, '=', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	int before = fakedocker_count(&fd, "GET", "/containers/json");
	assert_int_equal(docker_list_containers(d, true, longf, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "label filter too long"));
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/json"), before);

	/* not an array, not JSON, an error status */
	set_answer(0, "/containers/json", 200, "{\"Id\":\"" ID1 "\"}");
	assert_int_equal(docker_list_containers(d, true, NULL, &l, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "expected an array"));
	assert_int_equal(l.n, 0);
	assert_null(l.items);
	set_answer(0, "/containers/json", 200, "[{\"Id\":");
	assert_int_equal(docker_list_containers(d, true, NULL, &l, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not JSON"));
	set_answer(0, "/containers/json", 500, "{\"message\":\"boom\"}");
	assert_int_equal(docker_list_containers(d, true, NULL, &l, err, sizeof(err)), -EIO);
	assert_string_equal(err, "HTTP 500: boom");
	docker_close(d);
	d = NULL;
}

static void test_inspect_answers(void **state)
{
	struct docker_inspect in;
	char err[256], longid[300];

	(void)state;
	assert_int_equal(open_fake(&d, "1.41", err, sizeof(err)), 0);
	set_answer(0, "/containers/" ID1 "/json", 200,
		   "{\"Id\":\"" ID1 "\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\","
		   "\"Running\":true,\"Pid\":4242,\"ExitCode\":0,\"StartedAt\":\"2026-01-01T00:00:"
		   "00Z\"},"
		   "\"HostConfig\":{\"Memory\":268435456,\"CgroupParent\":\"gestor.slice\"},"
		   "\"Config\":{\"Image\":\"nginx\",\"Labels\":{\"gestor.class\":\"low\"}}}");
	assert_int_equal(docker_inspect(d, ID1, &in, err, sizeof(err)), 0);
	assert_string_equal(in.name, "web");
	assert_true(in.running);
	assert_int_equal(in.pid, 4242);
	assert_int_equal(in.memory_limit, 268435456);
	assert_string_equal(in.cgroup_parent, "gestor.slice");
	assert_string_equal(in.image, "nginx");
	assert_string_equal(in.started_at, "2026-01-01T00:00:00Z");
	assert_int_equal(in.nlabels, 1);
	assert_non_null(in.raw);
	docker_inspect_free(&in);
	/* the id or name is escaped into the path */
	set_answer(0, "/containers/", 404, "{\"message\":\"No such container: a/b\"}");
	assert_int_equal(docker_inspect(d, "a/b", &in, err, sizeof(err)), -ENOENT);
	assert_string_equal(last_path, "/v1.41/containers/a%2Fb/json");
	assert_string_equal(err, "HTTP 404: No such container: a/b");
	/* not an object, not JSON */
	set_answer(0, "/containers/", 200, "[]");
	assert_int_equal(docker_inspect(d, ID2, &in, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "expected an object"));
	assert_null(in.raw);
	set_answer(0, "/containers/", 200, "{");
	assert_int_equal(docker_inspect(d, ID2, &in, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not JSON"));
	/* refused before any request: empty, or too long once escaped */
	int before = fakedocker_count(&fd, "GET", "/containers/");
	assert_int_equal(docker_inspect(d, "", &in, err, sizeof(err)), -EINVAL);
	memset(longid, '/', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(docker_inspect(d, longid, &in, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad container id"));
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/"), before);
	docker_close(d);
	d = NULL;
}

static void test_url_escape_bounds(void **state)
{
	char out[8];

	(void)state;
	assert_false(docker_url_escape("a", out, 0));
	assert_true(docker_url_escape("a-_.~Z9", out, sizeof(out)));
	assert_string_equal(out, "a-_.~Z9");
	/* a cut never leaves half an escape */
	assert_false(docker_url_escape("abcde/", out, sizeof(out)));
	assert_string_equal(out, "abcde");
	assert_true(docker_url_escape("a /", out, sizeof(out)));
	assert_string_equal(out, "a%20%2F");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiation, each, after),
		cmocka_unit_test_setup_teardown(test_ping_and_version, each, after),
		cmocka_unit_test_setup_teardown(test_response_errors, each, after),
		cmocka_unit_test_setup_teardown(test_list_answers, each, after),
		cmocka_unit_test_setup_teardown(test_inspect_answers, each, after),
		cmocka_unit_test_setup_teardown(test_url_escape_bounds, each, after),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
