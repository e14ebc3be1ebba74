/*
 * docker_test.c — the Docker client against the real daemon on
 * /var/run/docker.sock (skipped when none answers): version negotiation,
 * ping, version, list and inspect agreeing with each other, a labelled
 * container created through the public transport and found by the label
 * filter, the API's own error messages; and the transport's failures on
 * sockets made here: missing (daemon down), refusing, never answering
 * (timeout), and permission denied (as an unprivileged user).
 */
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "../docker.h"
#include "util.h"

static bool daemon_up;

static struct docker *open_real(void)
{
	struct docker *d = NULL;
	char err[256];

	if (!daemon_up) {
		print_message("skipped: no Docker daemon answers at %s\n", DOCKER_SOCKET);
		skip();
	}
	assert_int_equal(docker_open(&d, NULL, err, sizeof(err)), 0);
	return d;
}

static void test_read_side(void **state)
{
	struct docker *d = open_real();
	struct docker_version v;
	struct docker_container_list l;
	char err[256];

	(void)state;
	assert_string_equal(docker_api_version(d), "1.41"); /* Docker 20.10 here; capped at 1.41 */
	assert_int_equal(docker_ping(d, err, sizeof(err)), 0);
	assert_int_equal(docker_version(d, &v, err, sizeof(err)), 0);
	assert_true(v.version[0] && v.api_version[0] && v.kernel[0]);
	assert_string_equal(v.os, "linux");
	print_message("daemon %s, API %s (min %s)\n", v.version, v.api_version, v.min_api_version);

	/* every listed container inspects to the same id, name and labels */
	assert_int_equal(docker_list_containers(d, true, NULL, &l, err, sizeof(err)), 0);
	for (size_t i = 0; i < l.n; i++) {
		struct docker_inspect in;
		int ret = docker_inspect(d, l.items[i].id, &in, err, sizeof(err));
		if (ret == -ENOENT)
			continue; /* removed meanwhile by another user of the daemon */
		assert_int_equal(ret, 0);
		assert_string_equal(in.id, l.items[i].id);
		assert_string_equal(in.name, l.items[i].name);
		assert_int_equal(in.nlabels, l.items[i].nlabels);
		assert_true(!in.running || in.pid > 0);
		docker_inspect_free(&in);
	}
	docker_container_list_free(&l);
	docker_close(d);
}

static void test_labels_and_transport(void **state)
{
	struct docker *d = open_real();
	struct docker_response r;
	struct docker_container_list l;
	struct docker_inspect in;
	char err[256], name[64], path[128], label[96];
	json_t *imgs, *body;
	const char *image;
	char *txt;

	(void)state;
	/* any local image will do: the container is created, never started */
	assert_int_equal(docker_request(d, "GET", "/images/json", NULL, 0, &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.status, 200);
	imgs = json_loads(r.body, 0, NULL);
	docker_response_free(&r);
	assert_non_null(imgs);
	if (json_array_size(imgs) == 0) {
		json_decref(imgs);
		docker_close(d);
		print_message("skipped: no local image to create a container from\n");
		skip();
	}
	image = json_string_value(json_object_get(json_array_get(imgs, 0), "Id"));
	snprintf(name, sizeof(name), "gestor-mtest-unit-%d", (int)getpid());
	snprintf(label, sizeof(label), "gestor.mtest=%d", (int)getpid());
	body = json_pack("{s:s,s:[s],s:{s:s,s:s}}", "Image", image, "Cmd", "/nonexistent", "Labels",
			 "gestor.mtest", label + strlen("gestor.mtest="), "gestor.class", "low");
	txt = json_dumps(body, JSON_COMPACT);
	snprintf(path, sizeof(path), "/containers/create?name=%s", name);
	assert_int_equal(docker_request(d, "POST", path, txt, 0, &r, err, sizeof(err)), 0);
	free(txt);
	json_decref(body);
	json_decref(imgs);
	if (r.status != 201)
		fail_msg("create: HTTP %ld %s", r.status, r.body);
	docker_response_free(&r);

	/* the same name again: the API's conflict message comes through */
	assert_int_equal(
		docker_request(d, "POST", path, "{\"Image\":\"x\"}", 0, &r, err, sizeof(err)), 0);
	assert_int_equal(docker_response_error(&r, err, sizeof(err)),
			 r.status == 409 ? -EBUSY : -ENOENT);
	assert_non_null(strstr(err, "HTTP "));
	docker_response_free(&r);

	/* the label filter finds exactly it, with its labels */
	assert_int_equal(docker_list_containers(d, true, label, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, name);
	assert_string_equal(l.items[0].state, "created");
	assert_string_equal(docker_container_label(&l.items[0], "gestor.class"), "low");
	assert_null(docker_container_label(&l.items[0], "gestor.nothing"));
	assert_true(l.items[0].created > 0);
	assert_non_null(docker_container_find(&l, "gestor") == NULL ? &l : NULL);
	assert_ptr_equal(docker_container_find(&l, l.items[0].id), &l.items[0]);
	/* not running: not in the running-only list */
	{
		struct docker_container_list run;
		assert_int_equal(docker_list_containers(d, false, label, &run, err, sizeof(err)),
				 0);
		assert_int_equal(run.n, 0);
		docker_container_list_free(&run);
	}
	/* inspect by name and by short id */
	assert_int_equal(docker_inspect(d, name, &in, err, sizeof(err)), 0);
	assert_string_equal(in.id, l.items[0].id);
	assert_false(in.running);
	assert_int_equal(in.pid, 0);
	assert_string_equal(in.status, "created");
	docker_inspect_free(&in);
	char shortid[13];
	memcpy(shortid, l.items[0].id, 12);
	shortid[12] = '\0';
	assert_int_equal(docker_inspect(d, shortid, &in, err, sizeof(err)), 0);
	assert_string_equal(in.name, name);
	docker_inspect_free(&in);

	/* remove it through the transport */
	snprintf(path, sizeof(path), "/containers/%s?force=true", l.items[0].id);
	assert_int_equal(docker_request(d, "DELETE", path, NULL, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 204);
	docker_response_free(&r);
	docker_container_list_free(&l);

	/* gone: the API's own message */
	assert_int_equal(docker_inspect(d, name, &in, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "HTTP 404: No such container"));
	assert_null(in.raw);
	docker_close(d);
}

static void test_api_errors(void **state)
{
	struct docker *d = open_real();
	struct docker_response r;
	char err[256];

	(void)state;
	assert_int_equal(docker_request(d, "GET", "/containers/json?filters=notjson", NULL, 0, &r,
					err, sizeof(err)),
			 0);
	/* 20.10 answers 500 here, newer daemons 400: either way the message is the API's */
	assert_true(r.status == 400 || r.status == 500);
	assert_int_equal(docker_response_error(&r, err, sizeof(err)),
			 r.status == 400 ? -EINVAL : -EIO);
	assert_non_null(strstr(err, "invalid"));
	assert_null(strchr(err, '{')); /* the message, not the raw JSON */
	docker_response_free(&r);
	assert_int_equal(
		docker_request(d, "GET", "/no-such-endpoint", NULL, 0, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(docker_response_error(&r, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "HTTP 404: page not found");
	docker_response_free(&r);
	assert_int_equal(docker_request(d, "GET", "no-slash", NULL, 0, &r, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(docker_inspect(d, "", &(struct docker_inspect){ 0 }, err, sizeof(err)),
			 -EINVAL);
	docker_close(d);
}

/* ---- transport failures on sockets made here ------------------------------ */

static char sockdir[] = "/tmp/gestor-mtest-sock-XXXXXX";

static int make_socket(const char *path, bool keep_listening)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	util_strlcpy(a.sun_path, path, sizeof(a.sun_path));
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	if (!keep_listening) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_daemon_down(void **state)
{
	struct docker *d = NULL;
	struct docker_opts o = { .api_version = "1.41", .connect_timeout_ms = 500 };
	char err[256], path[128];

	(void)state;
	/* missing socket: open with a fixed version works, requests fail */
	snprintf(path, sizeof(path), "%s/missing.sock", sockdir);
	o.socket_path = path;
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	assert_int_equal(docker_ping(d, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "Docker daemon down"));
	assert_non_null(strstr(err, path));
	docker_close(d);
	/* negotiating against it fails at open */
	o.api_version = NULL;
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), -ENOENT);
	assert_null(d);

	/* a socket nobody listens on any more: refused */
	snprintf(path, sizeof(path), "%s/refused.sock", sockdir);
	make_socket(path, false);
	o.api_version = "v1.41";
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	assert_int_equal(docker_ping(d, err, sizeof(err)), -ECONNREFUSED);
	assert_non_null(strstr(err, "Docker daemon down: cannot connect"));
	docker_close(d);

	/* bad versions */
	o.api_version = "latest";
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad API version"));
}

static void test_timeout(void **state)
{
	struct docker *d = NULL;
	char path[128], err[256];
	struct docker_opts o = { .api_version = "1.41", .timeout_ms = 300 };
	int fd;
	uint64_t t0;

	(void)state;
	snprintf(path, sizeof(path), "%s/silent.sock", sockdir);
	fd = make_socket(path, true); /* accepts (backlog) but never answers */
	o.socket_path = path;
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	t0 = util_mono_ns();
	assert_int_equal(docker_ping(d, err, sizeof(err)), -ETIMEDOUT);
	assert_true(util_mono_ns() - t0 < 3000000000ull);
	assert_non_null(strstr(err, "did not answer within the timeout"));
	docker_close(d);
	close(fd);
}

static void test_permission_denied(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char path[128];
	pid_t pid;
	int status, fd;

	(void)state;
	if (geteuid() != 0 || !pw) {
		print_message("skipped: needs root and a 'nobody' user\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/private.sock", sockdir);
	fd = make_socket(path, true);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chmod(sockdir, 0755), 0);
	pid = fork();
	if (pid == 0) {
		struct docker *d = NULL;
		struct docker_opts o = { .socket_path = path, .api_version = "1.41" };
		char err[256];
		if (!pw || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(10);
		if (docker_open(&d, &o, err, sizeof(err)) != 0)
			_exit(11);
		int ret = docker_ping(d, err, sizeof(err));
		docker_close(d);
		_exit(ret == -EACCES && strstr(err, "permission denied on") ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
}

static void test_url_escape(void **state)
{
	char out[64];

	(void)state;
	assert_true(docker_url_escape("{\"label\":[\"a=b\"]}", out, sizeof(out)));
	assert_string_equal(out, "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
	assert_false(docker_url_escape("{\"label\":[\"a=b\"]}", out, 10));
	assert_true(strlen(out) < 10);
}

static int setup(void **state)
{
	(void)state;
	daemon_up = access(DOCKER_SOCKET, F_OK) == 0;
	if (daemon_up) {
		struct docker *d = NULL;
		char err[256];
		struct docker_opts o = { .api_version = "1.41", .timeout_ms = 3000 };
		daemon_up = docker_open(&d, &o, err, sizeof(err)) == 0 &&
			    docker_ping(d, err, sizeof(err)) == 0;
		docker_close(d);
	}
	if (!daemon_up)
		print_message(
			"note: no Docker daemon answers: the real-daemon tests are skipped\n");
	return mkdtemp(sockdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return util_rm_tree(sockdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_side),  cmocka_unit_test(test_labels_and_transport),
		cmocka_unit_test(test_api_errors), cmocka_unit_test(test_daemon_down),
		cmocka_unit_test(test_timeout),	   cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_url_escape),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
