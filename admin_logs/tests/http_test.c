/*
 * http_test.c — unit tests for http.c: the real server (http_start on
 * 127.0.0.1, port 0, a SQLite store in a fresh directory) in this process,
 * spoken to over real HTTP with libcurl. Routing (404, 405 with Allow),
 * bodies (malformed JSON 400, over the limit 413 by Content-Length and
 * while streaming), query parameters (400 naming the field), POST /logs
 * answered 201 then 200, POST /graficar's checks (a body, another site's
 * Origin, a bad run or host), the dashboard files, the bearer token (401
 * with WWW-Authenticate, created token file), the unix socket, HTTPS with
 * a certificate made by openssl, and every way http_start refuses to
 * start (bad address, no token beyond loopback, port in use, a unix path
 * that is too long or not a socket, a certificate that is not PEM).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "util.h"

#include "config.h"
#include "http.h"
#include "store.h"

extern char **environ;

#define MAX_BODY 4096

struct srv {
	char dir[64];
	struct config cfg; /* the server's threads read it while it runs */
	struct store *st;
	struct http_server *h;
	unsigned port;
};

struct resp {
	long status;
	char body[65536];
	size_t len;
	char allow[128], www_auth[128], retry_after[32];
	json_t *doc; /* the body parsed, when it is JSON */
};

/* How a request reaches the server. */
enum via { VIA_TCP, VIA_UNIX, VIA_TLS, VIA_TCP6 };

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* A fresh directory and the defaults a test starts from (a store in it, any free port). */
static void srv_init(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/gestor-httptest.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	config_defaults(&s->cfg);
	util_strlcpy(s->cfg.listen, "127.0.0.1", sizeof(s->cfg.listen));
	s->cfg.port = 0;
	s->cfg.max_body = MAX_BODY;
	s->cfg.quiet = true;
	snprintf(s->cfg.db_path, sizeof(s->cfg.db_path), "%s/logs.db", s->dir);
	snprintf(s->cfg.report_dir, sizeof(s->cfg.report_dir), "%s/reports", s->dir);
	/* no drawing here: a missing gnuplot makes POST /graficar fail fast */
	snprintf(s->cfg.gnuplot, sizeof(s->cfg.gnuplot), "%s/no-gnuplot", s->dir);
}

/* Open the store and start the server on s->cfg: http_start's result, err set. */
static int srv_start(struct srv *s, char *err, size_t errlen)
{
	int r;

	if (!s->st)
		assert_int_equal(store_open(&s->st, s->cfg.db_path, 64, false, err, errlen), 0);
	r = http_start(&s->h, &s->cfg, s->st, &s->port, err, errlen);
	if (r < 0)
		s->h = NULL;
	return r;
}

/*
 * Stop when no connection is left open (up to 30 s: the client's closes
 * reach the server's threads at their pace). libmicrohttpd 0.9.75's
 * MHD_quiesce_daemon (in http_stop) aborts the process ("Failed to remove
 * listen FD from epoll set") when a pool thread, awake on a connection's
 * event at that instant, has just taken the listening socket out of its
 * epoll set itself; idle threads sleep through it.
 */
static void srv_stop_http(struct srv *s)
{
	unsigned conns = 1;
	bool at_rest;

	for (int i = 0; s->h && i < 3000; i++) {
		http_rest(s->h, &conns, &at_rest);
		if (conns == 0)
			break;
		usleep(10000);
	}
	http_stop(s->h);
	s->h = NULL;
}

static void srv_stop(struct srv *s)
{
	srv_stop_http(s);
	store_close(s->st);
	s->st = NULL;
	nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t k = size * n;

	if (r->len + k >= sizeof(r->body))
		return 0;
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

/* name: value, its value copied into buf without the line end */
static void header_value(const char *line, size_t n, const char *name, char *buf, size_t cap)
{
	size_t k = strlen(name);

	if (n > k + 1 && strncasecmp(line, name, k) == 0 && line[k] == ':') {
		const char *v = line + k + 1;
		size_t m = n - k - 1;
		while (m && *v == ' ')
			v++, m--;
		while (m && (v[m - 1] == '\r' || v[m - 1] == '\n'))
			m--;
		if (m >= cap)
			m = cap - 1;
		memcpy(buf, v, m);
		buf[m] = '\0';
	}
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;

	header_value(p, size * n, "Allow", r->allow, sizeof(r->allow));
	header_value(p, size * n, "WWW-Authenticate", r->www_auth, sizeof(r->www_auth));
	header_value(p, size * n, "Retry-After", r->retry_after, sizeof(r->retry_after));
	return size * n;
}

/* A body streamed to the server in pieces, of unknown length (chunked). */
struct stream {
	size_t left;
};

static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	struct stream *st = ud;
	size_t k = size * n < st->left ? size * n : st->left;

	memset(p, 'x', k);
	st->left -= k;
	return k;
}

struct req_opts {
	const char *body; /* POST body (NULL: none) */
	size_t stream; /* >0: a chunked body of this many bytes instead */
	const char *hdr[4]; /* extra headers */
	enum via via;
	const char *cafile; /* VIA_TLS: the certificate to trust */
};

/*
 * method path on s, the answer in out (status 0: no HTTP answer, e.g. the
 * connection was closed). The curl result is returned.
 */
static CURLcode req(const struct srv *s, const char *method, const char *path,
		    const struct req_opts *o, struct resp *out)
{
	static const struct req_opts none;
	struct curl_slist *hl = NULL;
	struct stream st = { 0 };
	char url[512];
	CURLcode rc;
	CURL *c = curl_easy_init();

	if (!o)
		o = &none;
	assert_non_null(c);
	json_decref(out->doc);
	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s://%s:%u%s", o->via == VIA_TLS ? "https" : "http",
		 o->via == VIA_TCP6 ? "[::1]" : "127.0.0.1", s->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	if (o->via == VIA_UNIX)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, s->cfg.unix_path);
	if (o->via == VIA_TLS) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cafile);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (o->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(o->body));
	} else if (o->stream) {
		st.left = o->stream;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &st);
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
	}
	for (size_t i = 0; i < 4 && o->hdr[i]; i++)
		hl = curl_slist_append(hl, o->hdr[i]);
	hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	out->doc = out->len ? json_loads(out->body, 0, NULL) : NULL;
	return rc;
}

static void resp_free(struct resp *r)
{
	json_decref(r->doc);
	r->doc = NULL;
}

/* The answer is the JSON error document {"error": reason, "status": st, "detail": ...}. */
static void expect_error(struct resp *r, long st, const char *reason, const char *detail_part)
{
	const char *detail;

	assert_int_equal(r->status, st);
	assert_non_null(r->doc);
	assert_string_equal(json_string_value(json_object_get(r->doc, "error")), reason);
	assert_int_equal(json_integer_value(json_object_get(r->doc, "status")), st);
	if (detail_part) {
		detail = json_string_value(json_object_get(r->doc, "detail"));
		assert_non_null(detail);
		if (!strstr(detail, detail_part))
			fail_msg("detail '%s' does not say '%s'", detail, detail_part);
	}
}

static const char *field(const struct resp *r, const char *key)
{
	return json_string_value(json_object_get(r->doc, key));
}

static json_int_t num(const struct resp *r, const char *key)
{
	return json_integer_value(json_object_get(r->doc, key));
}

/* A batch of two records (a sample and a decision) in run. */
static void batch_body(char *buf, size_t cap, const char *id, const char *run)
{
	snprintf(buf, cap,
		 "{\"batch_id\":\"%s\",\"host\":\"h1\",\"run\":\"%s\",\"records\":["
		 "{\"type\":\"sample\",\"ts_ns\":10,\"cycle\":1,\"source\":\"procfs\","
		 "\"memory\":{\"total_kb\":100,\"used_kb\":50,\"available_kb\":50},\"cpu_pct\":5,"
		 "\"containers\":[{\"id\":\"a\",\"name\":\"web\",\"class\":\"high\","
		 "\"label_class\":\"high-cpu\",\"cpu_pct\":9,\"rss_kb\":1,\"mem_kb\":2,"
		 "\"mem_pct\":0.5,\"procs\":1}]},"
		 "{\"type\":\"decision\",\"ts_ns\":11,\"cycle\":1,\"container\":{\"id\":\"a\","
		 "\"name\":\"web\"},\"class\":\"high\",\"action\":\"kept\",\"reason\":\"r\","
		 "\"rank\":1,\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5}}"
		 "]}",
		 id, run);
}

/* ---- one server for the request tests ---- */

static struct srv S;

static int group_setup(void **state)
{
	char err[512];

	(void)state;
	srv_init(&S);
	if (srv_start(&S, err, sizeof(err)) < 0) {
		fprintf(stderr, "http_start: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	srv_stop(&S);
	return 0;
}

/* Unknown paths are 404, a method a path does not take 405 with the methods it does. */
static void test_routes(void **state)
{
	struct resp r = { 0 };

	(void)state;
	req(&S, "GET", "/nowhere", NULL, &r);
	expect_error(&r, 404, "not found", "no such path");
	resp_free(&r);

	req(&S, "DELETE", "/logs", NULL, &r);
	expect_error(&r, 405, "method not allowed", "/logs does not accept DELETE");
	assert_string_equal(r.allow, "GET, HEAD, POST");
	resp_free(&r);

	req(&S, "GET", "/graficar", NULL, &r);
	expect_error(&r, 405, "method not allowed", NULL);
	assert_string_equal(r.allow, "POST");
	resp_free(&r);

	req(&S, "POST", "/runs", &(struct req_opts){ .body = "{}" }, &r);
	expect_error(&r, 405, "method not allowed", NULL);
	assert_string_equal(r.allow, "GET, HEAD");
	resp_free(&r);

	/* HEAD: the status and no body */
	req(&S, "HEAD", "/health", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);

	req(&S, "GET", "/health", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(field(&r, "status"), "ok");
	assert_non_null(json_object_get(r.doc, "cut_slow_headers"));
	resp_free(&r);
}

/* A batch is stored (201), the same batch_id again is a duplicate (200), and reads see it. */
static void test_post_then_read(void **state)
{
	char body[2048];
	struct resp r = { 0 };

	(void)state;
	batch_body(body, sizeof(body), "http-b1", "run-1");
	req(&S, "POST", "/logs", &(struct req_opts){ .body = body }, &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(field(&r, "status"), "stored");
	assert_string_equal(field(&r, "batch_id"), "http-b1");
	assert_int_equal(num(&r, "records"), 2);
	resp_free(&r);

	req(&S, "POST", "/logs/", &(struct req_opts){ .body = body }, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(field(&r, "status"), "duplicate");
	resp_free(&r);

	req(&S, "GET", "/logs?batch=http-b1&type=decision", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "count"), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(r.doc, "records"), 0), "action")),
		"kept");
	resp_free(&r);

	req(&S, "GET", "/runs?host=h1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "count"), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r.doc, "runs"), 0), "run")),
			    "run-1");
	resp_free(&r);

	req(&S, "GET", "/health", NULL, &r);
	assert_int_equal(num(&r, "batches"), 1);
	assert_int_equal(num(&r, "records"), 2);
	resp_free(&r);
}

/* Bad query parameters are 400 and say which parameter. */
static void test_bad_query(void **state)
{
	struct resp r = { 0 };

	(void)state;
	req(&S, "GET", "/logs?limit=abc", NULL, &r);
	expect_error(&r, 400, "bad request", "limit: must be a number");
	assert_null(json_object_get(r.doc, "field")); /* only a record's field is named so */
	resp_free(&r);

	req(&S, "GET", "/logs?since=yesterday", NULL, &r);
	expect_error(&r, 400, "bad request", "since");
	resp_free(&r);

	req(&S, "GET", "/logs?colour=blue", NULL, &r);
	expect_error(&r, 400, "bad request", "colour");
	resp_free(&r);

	req(&S, "GET", "/runs?limit=0", NULL, &r);
	expect_error(&r, 400, "bad request", "limit");
	resp_free(&r);

	req(&S, "GET", "/runs?colour=blue", NULL, &r);
	expect_error(&r, 400, "bad request", "colour");
	resp_free(&r);
}

/* Malformed and oversized bodies never reach the store. */
static void test_bad_bodies(void **state)
{
	char big[MAX_BODY + 64];
	struct resp r = { 0 };

	(void)state;
	req(&S, "POST", "/logs", &(struct req_opts){ .body = "{\"batch_id\": [" }, &r);
	expect_error(&r, 400, "bad request", NULL);
	resp_free(&r);

	req(&S, "POST", "/logs", &(struct req_opts){ .body = "" }, &r);
	expect_error(&r, 400, "bad request", NULL);
	resp_free(&r);

	/* well-formed JSON, but a record without its type: 422 naming the field */
	req(&S, "POST", "/logs",
	    &(struct req_opts){ .body = "{\"batch_id\":\"x\",\"records\":[{\"ts_ns\":1}]}" }, &r);
	expect_error(&r, 422, "unprocessable entity", NULL);
	assert_string_equal(field(&r, "field"), "records[0].type");
	resp_free(&r);

	/* announced too long: refused from the headers */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	req(&S, "POST", "/logs", &(struct req_opts){ .body = big }, &r);
	expect_error(&r, 413, "payload too large", "over the 4096-byte limit");
	resp_free(&r);

	/* chunked, so only counted while it streams: 413 once it is all in */
	req(&S, "POST", "/logs", &(struct req_opts){ .stream = 3 * MAX_BODY }, &r);
	expect_error(&r, 413, "payload too large", "body of 12288 bytes");
	resp_free(&r);

	/* a body without end is cut off: the connection closes, no answer */
	assert_int_not_equal(
		req(&S, "POST", "/logs", &(struct req_opts){ .stream = 40 * MAX_BODY }, &r),
		CURLE_OK);
	assert_int_equal(r.status, 0);

	req(&S, "GET", "/health", NULL, &r);
	assert_int_equal(num(&r, "batches"), 1); /* test_post_then_read's only */
	resp_free(&r);
}

/* POST /graficar's checks before anything is drawn. */
static void test_graficar_checks(void **state)
{
	char origin[96], longhost[400], path[512];
	struct resp r = { 0 };

	(void)state;
	req(&S, "POST", "/graficar", &(struct req_opts){ .body = "x" }, &r);
	expect_error(&r, 400, "bad request", "takes no body");
	resp_free(&r);

	req(&S, "POST", "/graficar", &(struct req_opts){ .hdr = { "Origin: http://evil.example" } },
	    &r);
	expect_error(&r, 403, "forbidden", "another site");
	resp_free(&r);

	req(&S, "POST", "/graficar", &(struct req_opts){ .hdr = { "Origin: ftp://127.0.0.1" } },
	    &r);
	expect_error(&r, 403, "forbidden", NULL);
	resp_free(&r);

	req(&S, "POST", "/graficar?run=bad/run", NULL, &r);
	expect_error(&r, 400, "bad request", "run:");
	resp_free(&r);

	memset(longhost, 'h', 300);
	longhost[300] = '\0';
	snprintf(path, sizeof(path), "/graficar?host=%s", longhost);
	req(&S, "POST", path, NULL, &r);
	expect_error(&r, 400, "bad request", "host: must be at most 256 bytes");
	resp_free(&r);

	/* this server's own page may draw: it gets as far as gnuplot, which is missing */
	snprintf(origin, sizeof(origin), "Origin: http://127.0.0.1:%u", S.port);
	req(&S, "POST", "/graficar?run=run-1", &(struct req_opts){ .hdr = { origin } }, &r);
	expect_error(&r, 500, "internal error", "no-gnuplot");
	resp_free(&r);

	/* a run never stored: 404 */
	req(&S, "POST", "/graficar?run=never-stored", NULL, &r);
	expect_error(&r, 404, "not found", NULL);
	resp_free(&r);
}

/* Without --www the dashboard's paths are 404s that say so. */
static void test_no_dashboard(void **state)
{
	struct resp r = { 0 };

	(void)state;
	req(&S, "GET", "/", NULL, &r);
	expect_error(&r, 404, "not found", NULL);
	resp_free(&r);
}

/*
 * A stored record that is no longer a JSON object (the file changed under
 * the server) cuts the streamed answer: the client gets a broken transfer,
 * never a document that looks whole. Last of the shared server's tests.
 */
static void test_corrupt_record(void **state)
{
	sqlite3 *db;
	struct resp r = { 0 };
	CURLcode rc;

	(void)state;
	assert_int_equal(sqlite3_open(S.cfg.db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "UPDATE records SET body = '[1]' WHERE id = (SELECT min(id) "
				      "FROM records)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	rc = req(&S, "GET", "/logs?order=asc", NULL, &r);
	assert_int_not_equal(rc, CURLE_OK);
	assert_null(r.doc);
	resp_free(&r);
	/* the server is fine: other requests are answered */
	req(&S, "GET", "/health", NULL, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
}

/*
 * http_rest (the fuzz harness's wait): an idle open connection is counted
 * and at rest. First of the shared server's tests: no other connection yet.
 */
static void test_rest(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned conns = 99;
	bool at_rest = false;
	int fd, i;

	(void)state;
	http_rest(S.h, &conns, &at_rest);
	assert_int_equal(conns, 0);
	assert_true(at_rest);
	sa.sin_port = htons((uint16_t)S.port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (i = 0; i < 3000; i++) { /* up to 30 s for the server to accept it */
		http_rest(S.h, &conns, &at_rest);
		if (conns == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(conns, 1);
	assert_true(at_rest); /* nothing sent, nothing to answer */
	close(fd);
	for (i = 0; i < 3000; i++) {
		http_rest(S.h, &conns, &at_rest);
		if (conns == 0)
			break;
		usleep(10000);
	}
	assert_int_equal(conns, 0);
}

/* ---- servers of their own ---- */

/* --www: its files are served as they are on disk; a missing one is 404. */
static void test_dashboard(void **state)
{
	struct srv s;
	char err[512], path[CONFIG_PATH_MAX + 32];
	struct resp r = { 0 };
	FILE *f;

	(void)state;
	srv_init(&s);
	snprintf(s.cfg.www_dir, sizeof(s.cfg.www_dir), "%s", s.dir);
	snprintf(path, sizeof(path), "%s/index.html", s.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<html>gestor</html>\n", f);
	fclose(f);
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);

	req(&s, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "<html>gestor</html>\n");
	req(&s, "HEAD", "/index.html", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	req(&s, "GET", "/dashboard.js", NULL, &r);
	expect_error(&r, 404, "not found", "no such dashboard file");
	resp_free(&r);
	srv_stop(&s);
}

/* Read the token the server wrote into its token file. */
static void read_token(const char *path, char *tok, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(tok, 1, cap - 1, f);
	fclose(f);
	while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r'))
		n--;
	tok[n] = '\0';
	assert_true(n >= 16);
}

/*
 * A token: writes need it everywhere; reads need it except from loopback
 * (and /health never); the unix socket is not loopback. A missing token
 * file is created with a new random token.
 */
static void test_token_and_unix(void **state)
{
	struct srv s;
	char err[512], tok[256], bearer[300], body[2048];
	struct resp r = { 0 };
	struct stat sb;

	(void)state;
	srv_init(&s);
	snprintf(s.cfg.token_file, sizeof(s.cfg.token_file), "%s/token", s.dir);
	snprintf(s.cfg.unix_path, sizeof(s.cfg.unix_path), "%s/sock", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);
	read_token(s.cfg.token_file, tok, sizeof(tok));
	assert_int_equal(stat(s.cfg.unix_path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", tok);
	batch_body(body, sizeof(body), "tok-1", "run-t");

	req(&s, "POST", "/logs", &(struct req_opts){ .body = body }, &r);
	expect_error(&r, 401, "unauthorized", "Authorization: Bearer");
	assert_true(strncmp(r.www_auth, "Bearer", 6) == 0);
	resp_free(&r);

	req(&s, "POST", "/logs",
	    &(struct req_opts){ .body = body, .hdr = { "Authorization: Bearer wrong" } }, &r);
	expect_error(&r, 401, "unauthorized", NULL);
	resp_free(&r);

	req(&s, "POST", "/logs", &(struct req_opts){ .body = body, .hdr = { bearer } }, &r);
	assert_int_equal(r.status, 201);
	resp_free(&r);

	/* loopback reads are open */
	req(&s, "GET", "/logs?batch=tok-1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "count"), 2);
	resp_free(&r);

	/* the unix socket: /health is open, reads and writes need the token */
	req(&s, "GET", "/health", &(struct req_opts){ .via = VIA_UNIX }, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "batches"), 1);
	resp_free(&r);
	req(&s, "GET", "/logs", &(struct req_opts){ .via = VIA_UNIX }, &r);
	expect_error(&r, 401, "unauthorized", NULL);
	resp_free(&r);
	req(&s, "GET", "/runs", &(struct req_opts){ .via = VIA_UNIX, .hdr = { bearer } }, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "count"), 1);
	resp_free(&r);

	srv_stop_http(&s); /* also drains the store: it takes no more batches */
	store_close(s.st);
	s.st = NULL;
	/* the server removes its socket when it stops */
	assert_int_equal(lstat(s.cfg.unix_path, &sb), -1);
	assert_int_equal(errno, ENOENT);

	/* a second start reads the same token file instead of making a new one */
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);
	req(&s, "POST", "/logs", &(struct req_opts){ .body = body, .hdr = { bearer } }, &r);
	assert_int_equal(r.status, 200); /* the same batch: a duplicate */
	resp_free(&r);
	srv_stop(&s);
}

/* What http_start refuses, and why. */
static void test_start_refusals(void **state)
{
	struct srv s;
	char err[512], path[CONFIG_PATH_MAX];
	FILE *f;

	(void)state;
	srv_init(&s);
	util_strlcpy(s.cfg.listen, "localhost", sizeof(s.cfg.listen));
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an IPv4 or IPv6 literal"));

	util_strlcpy(s.cfg.listen, "fe80::zz", sizeof(s.cfg.listen));
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EINVAL);

	/* beyond loopback without a token */
	util_strlcpy(s.cfg.listen, "0.0.0.0", sizeof(s.cfg.listen));
	assert_true(srv_start(&s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "without a token"));

	/* with a token but neither TLS nor --allow-plaintext */
	snprintf(s.cfg.token_file, sizeof(s.cfg.token_file), "%s/token", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EPERM);
	util_strlcpy(s.cfg.listen, "127.0.0.1", sizeof(s.cfg.listen));

	/* TLS files that are not there, or not PEM */
	snprintf(s.cfg.tls_cert, sizeof(s.cfg.tls_cert), "%s/missing.pem", s.dir);
	snprintf(s.cfg.tls_key, sizeof(s.cfg.tls_key), "%s/missing.key", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "TLS certificate"));
	snprintf(path, sizeof(path), "%s/junk.pem", s.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("this is no certificate\n", f);
	fclose(f);
	util_strlcpy(s.cfg.tls_cert, path, sizeof(s.cfg.tls_cert));
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a PEM file"));
	s.cfg.tls_cert[0] = s.cfg.tls_key[0] = '\0';

	/* unix socket paths: too long, or something else already there */
	memset(s.cfg.unix_path, 'u', 200);
	s.cfg.unix_path[0] = '/';
	s.cfg.unix_path[200] = '\0';
	assert_int_equal(srv_start(&s, err, sizeof(err)), -ENAMETOOLONG);
	util_strlcpy(s.cfg.unix_path, path, sizeof(s.cfg.unix_path)); /* the junk file */
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(access(path, F_OK), 0); /* and it was left alone */
	srv_stop(&s);
}

/* A TCP port someone else holds (bound and listening here). */
static int hold_port(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A port in use: refused, unless a unix socket is served, which then serves alone. */
static void test_port_in_use(void **state)
{
	struct srv s;
	char err[512];
	struct resp r = { 0 };
	int fd;

	(void)state;
	srv_init(&s);
	fd = hold_port(&s.cfg.port);
	assert_int_equal(srv_start(&s, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "cannot listen on 127.0.0.1 port"));

	snprintf(s.cfg.unix_path, sizeof(s.cfg.unix_path), "%s/sock", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);
	assert_int_equal(s.port, 0);
	req(&s, "GET", "/health", &(struct req_opts){ .via = VIA_UNIX }, &r);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	close(fd);
	srv_stop(&s);
}

/* Can this machine listen on ::1? */
static bool have_ipv6_loopback(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* An IPv6 literal: served there, the client seen as loopback (reads open). */
static void test_ipv6(void **state)
{
	struct srv s;
	char err[512];
	struct resp r = { 0 };

	(void)state;
	if (!have_ipv6_loopback()) {
		print_message("skipped: no IPv6 loopback on this machine\n");
		skip();
	}
	srv_init(&s);
	util_strlcpy(s.cfg.listen, "::1", sizeof(s.cfg.listen));
	snprintf(s.cfg.token_file, sizeof(s.cfg.token_file), "%s/token", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);
	req(&s, "GET", "/logs", &(struct req_opts){ .via = VIA_TCP6 }, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(num(&r, "count"), 0);
	resp_free(&r);
	req(&s, "POST", "/logs", &(struct req_opts){ .via = VIA_TCP6, .body = "{}" }, &r);
	expect_error(&r, 401, "unauthorized", NULL);
	resp_free(&r);
	srv_stop(&s);
}

/* Run argv (PATH searched), its output to /dev/null: its exit status, -1 when it cannot run. */
static int run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	st = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (st != 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* HTTPS with a certificate made here for 127.0.0.1: verified by the client. */
static void test_tls(void **state)
{
	struct srv s;
	char err[512], cert[CONFIG_PATH_MAX], key[CONFIG_PATH_MAX];
	struct resp r = { 0 };
	int rc;

	(void)state;
	srv_init(&s);
	snprintf(cert, sizeof(cert), "%s/cert.pem", s.dir);
	snprintf(key, sizeof(key), "%s/key.pem", s.dir);
	rc = run_quiet((char *const[]){
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
		"-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert, NULL });
	if (rc < 0) {
		srv_stop(&s);
		print_message("skipped: openssl is not installed (scripts/setup.sh --for test)\n");
		skip();
	}
	assert_int_equal(rc, 0);
	util_strlcpy(s.cfg.tls_cert, cert, sizeof(s.cfg.tls_cert));
	util_strlcpy(s.cfg.tls_key, key, sizeof(s.cfg.tls_key));
	util_strlcpy(s.cfg.listen, "0.0.0.0",
		     sizeof(s.cfg.listen)); /* TLS: a token may go beyond loopback */
	snprintf(s.cfg.token_file, sizeof(s.cfg.token_file), "%s/token", s.dir);
	assert_int_equal(srv_start(&s, err, sizeof(err)), 0);

	req(&s, "GET", "/health", &(struct req_opts){ .via = VIA_TLS, .cafile = cert }, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(field(&r, "status"), "ok");
	resp_free(&r);
	req(&s, "POST", "/logs", &(struct req_opts){ .via = VIA_TLS, .cafile = cert, .body = "{}" },
	    &r);
	expect_error(&r, 401, "unauthorized", NULL);
	resp_free(&r);
	/* plain HTTP to the HTTPS port gets no HTTP answer */
	req(&s, "GET", "/health", NULL, &r);
	assert_int_not_equal(r.status, 200);
	resp_free(&r);
	srv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_rest),	       cmocka_unit_test(test_routes),
		cmocka_unit_test(test_post_then_read), cmocka_unit_test(test_bad_query),
		cmocka_unit_test(test_bad_bodies),     cmocka_unit_test(test_graficar_checks),
		cmocka_unit_test(test_no_dashboard),   cmocka_unit_test(test_corrupt_record),
	};
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_dashboard),      cmocka_unit_test(test_token_and_unix),
		cmocka_unit_test(test_start_refusals), cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_ipv6),	       cmocka_unit_test(test_tls),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests_name("http, one server", shared, group_setup, group_teardown);
	rc += cmocka_run_group_tests_name("http, servers of their own", own, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
