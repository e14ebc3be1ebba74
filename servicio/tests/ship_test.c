/*
 * ship_test.c — the client for admin_logs (logclient.c) and the shipping
 * stage with its spool (ship.c) against a small admin_logs made here with
 * libmicrohttpd on 127.0.0.1 (a port of its own; no container, no root):
 *   logclient  POST /logs classified as delivered (200/201), retry (5xx,
 *              429, 408, 401/403, no server) or rejected (other 4xx, with
 *              the server's answer); the token as "Authorization: Bearer",
 *              only to a peer it authenticated: never over plain http, over
 *              a unix socket only when root's directories hold it
 *              (logclient_sock_ok; as root, the socket is made in /run),
 *              never with GET /health; POST /graficar's directory and file
 *              count, and its errors (not 200, not JSON, no "dir")
 *   ship       a batch goes straight through while admin_logs answers;
 *              while it does not, batches go to the spool in order and are
 *              delivered from there, in the same order, once it answers
 *              again; a rejected batch is dropped, not retried; without a
 *              spool an undeliverable batch is lost; the spool left by one
 *              run is sent by the next; flush gives up at its deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "../logclient.h"
#include "../ship.h"

/* the server: answers /logs with `status`, keeps the bodies it accepted */
static struct srv {
	struct MHD_Daemon *d;
	struct MHD_Daemon *du; /* the same on a unix socket (as root), or NULL */
	char sdir[64], sock[96]; /* its directory and path */
	int port;
	int status; /* for POST /logs */
	const char *graficar; /* body for POST /graficar */
	int graficar_status;
	char got[64][64]; /* accepted bodies, in order */
	int ngot, nposts;
	char auth[128]; /* the last Authorization header */
} S;

struct req {
	char body[4096];
	size_t len;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct req *r = *con_cls;
	struct MHD_Response *resp;
	const char *out = "{}", *a;
	int st = 200;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		*con_cls = r;
		return r ? MHD_YES : MHD_NO;
	}
	if (*size) {
		size_t n =
			*size < sizeof(r->body) - 1 - r->len ? *size : sizeof(r->body) - 1 - r->len;

		memcpy(r->body + r->len, data, n);
		r->len += n;
		*size = 0;
		return MHD_YES;
	}
	a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	snprintf(S.auth, sizeof(S.auth), "%s", a ? a : "");
	if (strcmp(url, "/logs") == 0 && strcmp(method, "POST") == 0) {
		S.nposts++;
		st = S.status;
		if (st == 200 || st == 201) {
			if (S.ngot < 64)
				snprintf(S.got[S.ngot++], sizeof(S.got[0]), "%.*s", (int)r->len,
					 r->body);
			out = "{\"stored\":1}";
		} else {
			out = "{\"error\":\"refused by the test\"}";
		}
	} else if (strcmp(url, "/health") == 0) {
		out = "{\"status\":\"ok\"}";
	} else if (strcmp(url, "/graficar") == 0) {
		st = S.graficar_status;
		out = S.graficar;
	} else {
		st = 404;
	}
	resp = MHD_create_response_from_buffer(strlen(out), (void *)out, MHD_RESPMEM_MUST_COPY);
	ret = MHD_queue_response(c, (unsigned)st, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static char base[64], dir[64];

static int setup(void **state)
{
	(void)state;
	S.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
			       MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	if (!S.d)
		return -1;
	S.port = MHD_get_daemon_info(S.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	snprintf(S.sdir, sizeof(S.sdir), "/run/gestor-ship-test-XXXXXX");
	if (geteuid() == 0 && mkdtemp(S.sdir)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(S.sock, sizeof(S.sock), "%s/s.sock", S.sdir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", S.sock);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(fd, 8) != 0)
			return -1;
		S.du = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer,
					NULL, MHD_OPTION_LISTEN_SOCKET, fd,
					MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
		if (!S.du)
			return -1;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", S.port);
	snprintf(dir, sizeof(dir), "/tmp/gestor-ship-test-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[128];

	(void)state;
	MHD_stop_daemon(S.d);
	if (S.du) {
		MHD_stop_daemon(S.du);
		unlink(S.sock);
		rmdir(S.sdir);
	}
	snprintf(p, sizeof(p), "%s/spool", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/spool.head", dir);
	unlink(p);
	return rmdir(dir);
}

static void reset(int status)
{
	S.status = status;
	S.ngot = S.nposts = 0;
}

static enum logclient_result post(struct logclient *lc, const char *body, char *err, size_t cap)
{
	return logclient_post(lc, body, strlen(body), err, cap);
}

static void test_classify(void **state)
{
	static const struct {
		int status;
		enum logclient_result want;
	} cases[] = {
		{ 201, LOGCLIENT_OK },	     { 200, LOGCLIENT_OK },
		{ 503, LOGCLIENT_RETRY },    { 500, LOGCLIENT_RETRY },
		{ 429, LOGCLIENT_RETRY },    { 408, LOGCLIENT_RETRY },
		{ 401, LOGCLIENT_RETRY },    { 403, LOGCLIENT_RETRY },
		{ 400, LOGCLIENT_REJECTED }, { 413, LOGCLIENT_REJECTED },
		{ 422, LOGCLIENT_REJECTED },
	};
	char err[512];
	struct logclient *lc;

	(void)state;
	/* a token is never sent over plain http: whoever holds the address would get it */
	assert_null(logclient_new(base, "s3cret", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "plain http"));
	if (!S.du)
		skip(); /* not root: no socket in /run */
	lc = logclient_new_unix(S.sock, 0, 0, "s3cret", err, sizeof(err));
	assert_non_null(lc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset(cases[i].status);
		err[0] = '\0';
		print_message("# HTTP %d\n", cases[i].status);
		assert_int_equal(post(lc, "{\"batch_id\":\"b\"}", err, sizeof(err)), cases[i].want);
		if (cases[i].want == LOGCLIENT_REJECTED)
			assert_non_null(strstr(err, "refused by the test"));
	}
	assert_string_equal(S.auth, "Bearer s3cret");
	assert_true(logclient_healthy(lc, 5000));
	assert_string_equal(S.auth, ""); /* /health needs no token: none is sent */
	logclient_free(lc);

	/* no token: no header */
	lc = logclient_new(base, NULL, NULL, err, sizeof(err));
	reset(201);
	assert_int_equal(post(lc, "{}", err, sizeof(err)), LOGCLIENT_OK);
	assert_string_equal(S.auth, "");
	logclient_free(lc);

	/* nobody listening: retry later, and not healthy */
	lc = logclient_new("http://127.0.0.1:1", NULL, NULL, err, sizeof(err));
	assert_non_null(lc);
	assert_int_equal(post(lc, "{}", err, sizeof(err)), LOGCLIENT_RETRY);
	assert_true(err[0] != '\0');
	assert_false(logclient_healthy(lc, 2000));
	logclient_free(lc);
}

static void test_graficar(void **state)
{
	char err[512], *d = NULL;
	size_t n = 99;
	struct logclient *lc = logclient_new(base, NULL, NULL, err, sizeof(err));

	(void)state;
	S.graficar_status = 200;
	S.graficar =
		"{\"dir\":\"/data/reports/20261205\",\"files\":[\"a.png\",\"b.png\",\"c.png\"]}";
	assert_int_equal(logclient_graficar(lc, 5000, &d, &n, err, sizeof(err)), 0);
	assert_string_equal(d, "/data/reports/20261205");
	assert_int_equal(n, 3);
	free(d);
	S.graficar = "{\"files\":[]}";
	assert_int_equal(logclient_graficar(lc, 5000, &d, &n, err, sizeof(err)), -EPROTO);
	assert_null(d);
	assert_non_null(strstr(err, "no \"dir\""));
	S.graficar = "not json";
	assert_int_equal(logclient_graficar(lc, 5000, &d, &n, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not JSON"));
	S.graficar_status = 500;
	S.graficar = "{\"error\":\"gnuplot failed\"}";
	assert_int_equal(logclient_graficar(lc, 5000, &d, &n, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "HTTP 500"));
	assert_non_null(strstr(err, "gnuplot failed"));
	logclient_free(lc);

	lc = logclient_new("http://127.0.0.1:1", NULL, NULL, err, sizeof(err));
	assert_int_equal(logclient_graficar(lc, 2000, &d, &n, err, sizeof(err)), -ECONNREFUSED);
	logclient_free(lc);
}

/* The socket's path decides whether it gets the token: only root's directories. */
static void test_sock_ok(void **state)
{
	char err[512], link[128];
	struct logclient *lc;

	(void)state;
	if (!S.du)
		skip();
	assert_int_equal(logclient_sock_ok(S.sock, 0, 0, err, sizeof(err)), 0);
	/* /tmp is everyone's: a socket there could be anyone's */
	assert_int_equal(logclient_sock_ok("/tmp/x/s.sock", 0, 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "/tmp is writable by every user"));
	/* its own directory writable by everyone, then by a group that is not the server's */
	lc = logclient_new_unix(S.sock, 0, 0, "s3cret", err, sizeof(err));
	assert_non_null(lc);
	chmod(S.sdir, 0777);
	reset(201);
	assert_int_equal(post(lc, "{}", err, sizeof(err)), LOGCLIENT_RETRY);
	assert_non_null(strstr(err, "writable by every user"));
	assert_int_equal(S.nposts, 0); /* nothing reached it */
	chmod(S.sdir, 0770);
	assert_int_equal(logclient_sock_ok(S.sock, 0, 4242, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "writable by its group"));
	assert_int_equal(logclient_sock_ok(S.sock, 0, 0, err, sizeof(err)), 0);
	/* a directory of another user's */
	assert_int_equal(chown(S.sdir, 4242, 0), 0);
	assert_int_equal(post(lc, "{}", err, sizeof(err)), LOGCLIENT_RETRY);
	assert_non_null(strstr(err, "not owned by root"));
	assert_int_equal(S.nposts, 0);
	assert_int_equal(chown(S.sdir, 0, 0), 0);
	chmod(S.sdir, 0700);
	assert_int_equal(post(lc, "{}", err, sizeof(err)), LOGCLIENT_OK);
	assert_int_equal(S.nposts, 1);
	logclient_free(lc);
	/* a symbolic link on the way */
	snprintf(link, sizeof(link), "%s.link", S.sdir);
	assert_int_equal(symlink(S.sdir, link), 0);
	strcat(link, "/s.sock");
	assert_int_equal(logclient_sock_ok(link, 0, 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not a directory"));
	link[strlen(link) - strlen("/s.sock")] = '\0';
	unlink(link);
	/* not a socket; a socket of another user's than the server's */
	assert_int_equal(logclient_sock_ok(S.sdir, 0, 0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(lchown(S.sock, 4242, 4242), 0);
	assert_int_equal(logclient_sock_ok(S.sock, 998, 0, err, sizeof(err)), -EPERM);
	assert_int_equal(logclient_sock_ok(S.sock, 4242, 0, err, sizeof(err)), 0);
	assert_int_equal(lchown(S.sock, 0, 0), 0);
}

static void spool_path(char *out, size_t cap)
{
	snprintf(out, cap, "%s/spool", dir);
}

static void test_ship_spool(void **state)
{
	struct ship s = { 0 };
	char err[512], path[128];

	(void)state;
	spool_path(path, sizeof(path));
	ship_open(&s, path, 1.0);
	assert_true(s.spool_ok);
	s.lc = logclient_new(base, NULL, NULL, err, sizeof(err));

	reset(201);
	ship_send(&s, "{\"n\":1}", 7);
	assert_int_equal(S.ngot, 1);
	assert_int_equal(s.sent, 1);
	assert_false(s.logs_down);
	assert_true(spool_empty(&s.sp));

	/* admin_logs down: three batches wait in the spool */
	reset(503);
	ship_send(&s, "{\"n\":2}", 7);
	ship_send(&s, "{\"n\":3}", 7);
	ship_send(&s, "{\"n\":4}", 7);
	assert_true(s.logs_down);
	assert_int_equal(s.spooled, 3);
	assert_int_equal(s.sp.pending, 3);
	assert_int_equal(S.ngot, 0);

	/* back: a forced drain delivers them in order */
	reset(201);
	ship_drain(&s, true);
	assert_int_equal(S.ngot, 3);
	assert_string_equal(S.got[0], "{\"n\":2}");
	assert_string_equal(S.got[1], "{\"n\":3}");
	assert_string_equal(S.got[2], "{\"n\":4}");
	assert_false(s.logs_down);
	assert_true(spool_empty(&s.sp));
	assert_int_equal(s.sent, 4);

	/* rejected: dropped, never retried */
	reset(400);
	ship_send(&s, "{\"n\":5}", 7);
	assert_int_equal(S.nposts, 1);
	assert_true(spool_empty(&s.sp));
	ship_drain(&s, true);
	assert_int_equal(S.nposts, 1);
	ship_close(&s);
}

/* What one run could not deliver, the next sends first. */
static void test_ship_restart(void **state)
{
	struct ship s = { 0 };
	char err[512], path[128];

	(void)state;
	spool_path(path, sizeof(path));
	ship_open(&s, path, 1.0);
	s.lc = logclient_new(base, NULL, NULL, err, sizeof(err));
	reset(503);
	ship_send(&s, "{\"n\":\"a\"}", 9);
	ship_send(&s, "{\"n\":\"b\"}", 9);
	ship_flush(&s, 1); /* gives up at its deadline: they stay */
	assert_int_equal(s.sp.pending, 2);
	ship_close(&s);

	memset(&s, 0, sizeof(s));
	ship_open(&s, path, 1.0);
	assert_true(s.spool_ok);
	assert_int_equal(s.sp.pending, 2);
	s.lc = logclient_new(base, NULL, NULL, err, sizeof(err));
	reset(201);
	ship_flush(&s, 5);
	assert_true(spool_empty(&s.sp));
	assert_int_equal(S.ngot, 2);
	assert_string_equal(S.got[0], "{\"n\":\"a\"}");
	assert_string_equal(S.got[1], "{\"n\":\"b\"}");
	ship_close(&s);
}

/* Without a spool (it could not open): delivered when possible, else lost. */
static void test_ship_no_spool(void **state)
{
	struct ship s = { 0 };
	char err[512], file[128], path[160];
	FILE *f;

	(void)state;
	/* under a regular file: the spool cannot be made */
	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/spool", file);
	ship_open(&s, path, 1.0);
	unlink(file);
	assert_false(s.spool_ok);
	s.lc = logclient_new(base, NULL, NULL, err, sizeof(err));
	reset(201);
	ship_send(&s, "{}", 2);
	assert_int_equal(S.ngot, 1);
	reset(503);
	ship_send(&s, "{}", 2);
	assert_true(s.logs_down);
	assert_int_equal(s.spooled, 0);
	ship_drain(&s, true); /* nothing to drain */
	ship_flush(&s, 1);
	ship_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),     cmocka_unit_test(test_sock_ok),
		cmocka_unit_test(test_graficar),     cmocka_unit_test(test_ship_spool),
		cmocka_unit_test(test_ship_restart), cmocka_unit_test(test_ship_no_spool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
