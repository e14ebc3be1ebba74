/*
 * http.c — routing and request handling on libmicrohttpd (see http.h).
 *
 * Life of a request: MHD's URI-log callback creates its struct req (start
 * time, method, path, client), the access handler routes it and collects the
 * body (rejecting it with 413 as soon as Content-Length, or the streamed
 * bytes, pass the limit), answers errors at once, and for a valid POST /logs
 * suspends the connection and queues the batch; http_batch_done (writer
 * thread) records the outcome and resumes it, and the request's thread frees
 * the batch as it answers. The completion callback turns req into an
 * access-log entry for the store and frees it.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "auth.h"
#include "batch.h"
#include "deadline.h"
#include "graphs.h"
#include "graphs_queue.h"
#include "log.h"
#include "store_graph.h"
#include "query.h"
#include "token.h"
#include "util.h"
#include "www.h"

struct http_server {
	struct MHD_Daemon *mhd; /* TCP; NULL when --unix is served alone (port taken) */
	struct MHD_Daemon *mhd_unix; /* --unix: servicio's channel; NULL without */
	const struct config *cfg;
	struct store *store;
	uint64_t started_ns;
	atomic_ullong auto_ids;
	atomic_uint bodies; /* requests whose body is coming in or being answered */
	struct graphs_queue *gq; /* POST /graficar's drawings, one at a time, bounded */
	struct deadline *dl; /* header and body deadlines (slow clients) */
	char token[TOKEN_MAX + 1]; /* "" = no credential asked */
	char *tls_cert, *tls_key; /* PEM, kept while the daemon runs */
};

struct req;

/*
 * The routes, one row each (after libmicrohttpd's own examples): the path
 * (and another spelling of it), whether it is open without the token
 * (auth.h: /health), the handler of a GET or HEAD and of a POST (NULL: the
 * method is refused with 405, its Allow header made from the row), whether
 * a POST's body is collected before its handler runs, and the handler that
 * answers once a suspended request is resumed (by the writer or the
 * drawing thread). The last row, path NULL, is the dashboard's files
 * (www_name picks them). The 404 text lists the paths.
 */
struct http_route {
	const char *path, *alias;
	bool open;
	enum MHD_Result (*get)(struct req *r);
	enum MHD_Result (*post)(struct req *r);
	bool post_body;
	enum MHD_Result (*resumed)(struct req *r);
};

struct req {
	struct http_server *h;
	struct MHD_Connection *conn;
	uint64_t start_mono, start_real;
	char method[16];
	char path[256];
	char client[48];
	bool client_loopback;
	const struct http_route *route; /* NULL until the headers are in */
	char *body;
	size_t len, cap;
	uint64_t bytes_in;
	bool too_big;
	bool suspended;
	bool counted; /* in h->bodies */
	struct batch batch; /* a POST /logs batch while the writer has it; freed here */
	atomic_uint result; /* set by the writer: 201, 200, 500, 503 (disk full) */
	char result_msg[160];
	char batch_id[BATCH_ID_MAX + 1];
	size_t nrecords;
	char www_file[WWW_NAME_MAX + 1]; /* the dashboard's route: its file */
	const char *www_type;
	unsigned status; /* answered with */
	uint64_t bytes_out;
	struct http_draw *draw; /* POST /graficar: its drawing, owned here */
	unsigned retry_after; /* a Retry-After header (s) on the answer; 0: none */
};

static void http_draw_free(struct http_draw *d);
static bool http_body_follows(struct MHD_Connection *conn);

#define HTTP_DISCARD_FACTOR 16 /* close instead of draining a body this many limits long */

/* The connection's deadline record (set by http_notify_conn), or NULL. */
static struct deadline_conn *http_dconn(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A connection opens or closes: it enters or leaves the deadline watch. */
static void http_notify_conn(void *cls, struct MHD_Connection *conn, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *h = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? deadline_open(h->dl, ci->connect_fd) : NULL;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		deadline_close(h->dl, *socket_context);
		*socket_context = NULL;
	}
}

static void http_client(struct MHD_Connection *conn, char *buf, size_t cap, bool *loopback)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	*loopback = auth_sockaddr_is_loopback(sa);
	util_strlcpy(buf, "-", cap);
	if (!sa)
		return;
	if (sa->sa_family == AF_UNIX)
		util_strlcpy(buf, "unix", cap); /* --unix: its directory says who may connect */
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			  (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  buf, (socklen_t)cap);
}

static void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = calloc(1, sizeof(*r));
	const char *q;
	size_t n;

	if (!r)
		return NULL;
	r->h = cls;
	r->conn = conn;
	r->start_mono = util_mono_ns();
	r->start_real = util_real_ns();
	q = uri ? strchr(uri, '?') : NULL;
	n = q ? (size_t)(q - uri) : (uri ? strlen(uri) : 0);
	if (n >= sizeof(r->path))
		n = sizeof(r->path) - 1;
	if (uri) {
		char tmp[sizeof(r->path)];
		memcpy(tmp, uri, n);
		tmp[n] = '\0';
		access_clean(r->path, tmp, sizeof(r->path));
	}
	http_client(conn, r->client, sizeof(r->client), &r->client_loopback);
	atomic_init(&r->result, 0);
	return r;
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct http_server *h = cls;
	struct req *r = *con_cls;
	struct access_entry e;

	(void)toe;
	deadline_request_done(h->dl, http_dconn(conn));
	if (!r)
		return;
	if (r->counted)
		atomic_fetch_sub(&h->bodies, 1);
	memset(&e, 0, sizeof(e));
	e.ts_ns = r->start_real;
	util_strlcpy(e.client, r->client, sizeof(e.client));
	util_strlcpy(e.method, r->method[0] ? r->method : "-", sizeof(e.method));
	util_strlcpy(e.path, r->path, sizeof(e.path));
	e.status = r->status;
	e.bytes_in = r->bytes_in;
	e.bytes_out = r->bytes_out;
	e.duration_us = (util_mono_ns() - r->start_mono) / 1000;
	store_submit_access(h->store, &e);
	batch_free(&r->batch); /* after the answer, or a client gone while it was stored */
	http_draw_free(r->draw);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* Queue a response whose body is the malloc'd buf (taken). */
static enum MHD_Result http_send(struct req *r, unsigned status, char *buf, size_t len,
				 const char *allow)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (r->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"admin_logs\"");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		deadline_sending(r->h->dl, http_dconn(r->conn));
		r->status = status;
		r->bytes_out = strcmp(r->method, "HEAD") == 0 ? 0 : len;
	}
	return ret;
}

static enum MHD_Result http_send_json(struct req *r, unsigned status, json_t *doc,
				      const char *allow)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	size_t n;

	json_decref(doc);
	if (!s)
		return MHD_NO;
	n = strlen(s);
	/* a trailing newline makes curl output readable */
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return MHD_NO;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return http_send(r, status, t, n + 1, allow);
}

static const char *http_reason(unsigned status)
{
	switch (status) {
	case 400:
		return "bad request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 404:
		return "not found";
	case 405:
		return "method not allowed";
	case 413:
		return "payload too large";
	case 422:
		return "unprocessable entity";
	case 503:
		return "service unavailable";
	default:
		return "internal error";
	}
}

/* {"error": reason, "status": n, "detail": ..., ["field": ...]} */
static enum MHD_Result http_error(struct req *r, unsigned status, const char *detail,
				  const char *allow)
{
	json_t *doc = json_pack("{s:s,s:I,s:s}", "error", http_reason(status), "status",
				(json_int_t)status, "detail", detail ? detail : "");
	if (!doc)
		return MHD_NO;
	if (status == 422 && detail) {
		const char *colon = strstr(detail, ": ");
		if (colon)
			json_object_set_new(doc, "field",
					    json_stringn(detail, (size_t)(colon - detail)));
	}
	return http_send_json(r, status, doc, allow);
}

/* /health's deadline counters (deadline.h) added to doc; doc returned. */
static json_t *http_with_cuts(struct http_server *h, json_t *doc)
{
	uint64_t cut_h, cut_b, cut_a;

	deadline_counts(h->dl, &cut_h, &cut_b, &cut_a);
	if (doc) {
		json_object_set_new(doc, "cut_slow_headers", json_integer((json_int_t)cut_h));
		json_object_set_new(doc, "cut_slow_bodies", json_integer((json_int_t)cut_b));
		json_object_set_new(doc, "cut_slow_readers", json_integer((json_int_t)cut_a));
	}
	return doc;
}

static enum MHD_Result http_health(struct req *r)
{
	struct store_stats st;

	double c;

	store_get_stats(r->h->store, &st);
	c = st.commits ? (double)st.commits : 1.0;
	return http_send_json(
		r, 200,
		http_with_cuts(
			r->h,
			json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f}", "status", "ok",
				  "batches", (json_int_t)st.batches, "records",
				  (json_int_t)st.records, "commits", (json_int_t)st.commits,
				  "queued", (json_int_t)st.queued, "uptime_s",
				  (json_int_t)((util_real_ns() - r->h->started_ns) / 1000000000ull),
				  "batches_per_commit", (double)st.group_batches / c,
				  "write_us_per_commit", (double)st.write_ns / c / 1000.0,
				  "commit_us_per_commit", (double)st.commit_ns / c / 1000.0)),
		NULL);
}

/* The query string of GET /logs (q) or GET /runs (qr), parsed by MHD's callback. */
struct http_args {
	struct query *q;
	struct query_runs *qr;
	char err[256];
	bool bad;
};

static enum MHD_Result http_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct http_args *a = cls;

	(void)kind;
	if (!a->bad && (a->qr ? query_runs_set(a->qr, key, value, a->err, sizeof(a->err))
			      : query_set(a->q, key, value, a->err, sizeof(a->err))) < 0)
		a->bad = true;
	return MHD_YES;
}

/*
 * A streamed answer of GET /logs or /runs: {"<key>":[ item, ... ],"count":
 * n,"limit":l,"offset":o,"next_offset":x} written while the rows are read
 * (store_rows), one row at a time, as fast as the client takes it, so a
 * connection holds one row and MHD's block whatever the limit asks. The
 * request's struct lives until the answer is over (MHD calls this callback
 * only while sending), so the bytes are counted into it.
 */
#define HTTP_STREAM_BLOCK (16u << 10)

struct http_stream {
	struct store_rows *rows;
	struct req *r;
	const char *key;
	unsigned limit, n;
	uint64_t offset;
	int phase; /* 0 head, 1 rows, 2 tail, 3 done */
	char *pend; /* bytes made but not yet handed to MHD */
	size_t plen, poff;
	char *row; /* phase 4: the row after its comma */
	size_t rowlen;
	char small[192]; /* head and tail */
	bool failed; /* a row could not be read: the answer ends with an error, not a tail */
};

static void http_stream_free(void *cls)
{
	struct http_stream *st = cls;

	store_rows_close(st->rows);
	free(st);
}

/* The answer's tail after the last row: the counts, and where the next page starts. */
static void http_stream_tail(struct http_stream *st)
{
	unsigned long long off = st->offset;

	if (store_rows_more(st->rows))
		st->plen = (size_t)snprintf(st->small, sizeof(st->small),
					    "],\"count\":%u,\"limit\":%u,\"offset\":%llu,"
					    "\"next_offset\":%llu}\n",
					    st->n, st->limit, off, off + st->n);
	else
		st->plen = (size_t)snprintf(st->small, sizeof(st->small),
					    "],\"count\":%u,\"limit\":%u,\"offset\":%llu,"
					    "\"next_offset\":null}\n",
					    st->n, st->limit, off);
	st->pend = st->small;
	st->phase = 2;
}

/* The next piece of the answer into st->pend; false at the end or on an error. */
static bool http_stream_fill(struct http_stream *st)
{
	char err[256];
	const char *text;
	size_t len;
	int rc;

	st->poff = st->plen = 0; /* nothing pending, unless a piece is made below */
	switch (st->phase) {
	case 0:
		st->plen = (size_t)snprintf(st->small, sizeof(st->small), "{\"%s\":[", st->key);
		st->pend = st->small;
		st->phase = 1;
		return true;
	case 4: /* the row whose comma went out */
		st->pend = st->row;
		st->plen = st->rowlen;
		st->phase = 1;
		return true;
	case 1:
		rc = store_rows_next(st->rows, &text, &len, err, sizeof(err));
		if (rc > 0) {
			st->pend = (char *)text; /* valid until the next store_rows_next */
			st->plen = len;
			if (st->n++ > 0) { /* a comma first */
				st->row = (char *)text;
				st->rowlen = len;
				st->small[0] = ',';
				st->pend = st->small;
				st->plen = 1;
				st->phase = 4;
			}
			return true;
		}
		if (rc < 0) {
			log_warnx("%s answer cut: %s", st->key, err);
			st->failed = true;
			st->phase = 3;
			return false;
		}
		http_stream_tail(st);
		return true;
	default:
		st->phase = 3;
		return false;
	}
}

static ssize_t http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	size_t n = 0;

	(void)pos;
	while (n < max) {
		size_t k;

		if (st->poff == st->plen && !http_stream_fill(st))
			break;
		k = st->plen - st->poff;
		if (k > max - n)
			k = max - n;
		memcpy(buf + n, st->pend + st->poff, k);
		st->poff += k;
		n += k;
	}
	/*
	 * The error is given on the first read that has nothing left to hand
	 * over, also when the failure came after bytes of this same read: the
	 * connection is then closed without the last chunk, so the client sees
	 * a cut answer, never a clean end after half a document.
	 */
	if (n == 0)
		return st->failed ? MHD_CONTENT_READER_END_WITH_ERROR
				  : MHD_CONTENT_READER_END_OF_STREAM;
	st->r->bytes_out += n;
	return (ssize_t)n;
}

/* Open the rows (errors answered at once: 503 database away, 500) and stream them. */
static enum MHD_Result http_stream_answer(struct req *r, bool runs, const void *q, unsigned limit,
					  uint64_t offset)
{
	struct http_stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char err[256];
	int rc;

	if (!st)
		return MHD_NO;
	rc = store_rows_open(r->h->store, runs, q, &st->rows, err, sizeof(err));
	if (rc < 0) {
		free(st);
		return http_error(r, rc == -EAGAIN ? 503 : 500, err, NULL);
	}
	st->r = r;
	st->key = runs ? "runs" : "records";
	st->limit = limit;
	st->offset = offset;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK,
						 http_stream_read, st, http_stream_free);
	if (!resp) {
		http_stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		deadline_sending(r->h->dl, http_dconn(r->conn));
		r->status = 200;
	}
	return ret;
}

/* GET /logs (runs false) or GET /runs: the query from the arguments, streamed. */
static enum MHD_Result http_get_rows(struct req *r, bool runs)
{
	struct query q;
	struct query_runs qr;
	struct http_args a = { .bad = false };

	query_init(&q);
	query_runs_init(&qr);
	a.q = runs ? NULL : &q;
	a.qr = runs ? &qr : NULL;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, http_arg, &a);
	if (a.bad)
		return http_error(r, 400, a.err, NULL);
	if (runs)
		return http_stream_answer(r, true, &qr, qr.limit, qr.offset);
	return http_stream_answer(r, false, &q, q.limit, q.offset);
}

static enum MHD_Result http_get_logs(struct req *r)
{
	return http_get_rows(r, false);
}

static enum MHD_Result http_get_runs(struct req *r)
{
	return http_get_rows(r, true);
}

/* POST /graficar's drawing: asked on an HTTP thread, drawn on the drawing thread. */
struct http_draw {
	struct graphs_opts o;
	char run_arg[BATCH_ID_MAX + 1], host_arg[257];
	json_t *files; /* the answer's list, owned */
	double cpu, seconds;
	char err[512], run[80];
	int rc;
};

static void http_draw_free(struct http_draw *d)
{
	if (d)
		json_decref(d->files);
	free(d);
}

/* The drawing thread (graphs_queue.h): draw, then wake the request up. */
static void http_draw_job(void *ctx, bool cancelled)
{
	struct req *r = ctx;
	struct http_draw *d = r->draw;
	uint64_t t0 = util_mono_ns();
	struct store_graph *view = NULL;

	if (cancelled) {
		d->rc = -ESHUTDOWN;
		snprintf(d->err, sizeof(d->err), "server is shutting down");
	} else {
		d->rc = store_graph_open(r->h->store, d->o.host, &view, d->err, sizeof(d->err));
		if (d->rc == 0) {
			d->o.view = view; /* graphs_draw closes it */
			d->rc = graphs_draw(&d->o, &d->files, &d->cpu, d->run, sizeof(d->run),
					    d->err, sizeof(d->err));
			/* only the database's absence is a 503 */
			d->rc = d->rc == -EAGAIN ? -EIO : d->rc;
		}
		d->seconds = (double)(util_mono_ns() - t0) / 1e9;
	}
	MHD_resume_connection(r->conn);
}

/* Is the request's Origin (a browser's, when present) this server itself? */
static bool http_same_origin(struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *rest;

	if (!origin)
		return true; /* not a browser's cross-site request */
	rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
	       : strncmp(origin, "https://", 8) == 0 ? origin + 8
						     : NULL;
	return rest && host && strcmp(rest, host) == 0;
}

/* A query argument copied into buf (cap bytes); NULL when absent, -1 length when too long. */
static const char *http_arg_copy(struct req *r, const char *key, char *buf, size_t cap, bool *bad)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);

	if (!v)
		return NULL;
	if (strlen(v) >= cap)
		*bad = true;
	util_strlcpy(buf, v, cap);
	return buf;
}

/*
 * POST /graficar: checked here, queued for the drawing thread (the
 * connection waits suspended, no HTTP thread does), answered by
 * http_graficar_answer; 503 with Retry-After when the queue is full.
 */
static enum MHD_Result http_graficar(struct req *r)
{
	const struct config *c = r->h->cfg;
	struct http_draw *d;
	bool bad_run = false, bad_host = false;
	unsigned pending;
	int rc;

	if (http_body_follows(r->conn))
		return http_error(r, 400,
				  "POST /graficar takes no body (?run= and ?host= pick "
				  "what to draw)",
				  NULL);
	if (!http_same_origin(r->conn))
		return http_error(r, 403, "a page of another site may not draw the report", NULL);
	if (!(d = calloc(1, sizeof(*d))))
		return MHD_NO;
	r->draw = d;
	d->o = (struct graphs_opts){ .db_path = store_path(r->h->store),
				     .dir = c->report_dir,
				     .gnuplot = c->gnuplot,
				     .top_n = c->top_n,
				     .timeout_s = c->draw_timeout_s,
				     .keep_runs = c->report_keep_runs,
				     .keep_bytes = (uint64_t)c->report_keep_mb << 20 };
	d->o.run = http_arg_copy(r, "run", d->run_arg, sizeof(d->run_arg), &bad_run);
	d->o.host = http_arg_copy(r, "host", d->host_arg, sizeof(d->host_arg), &bad_host);
	if (bad_host)
		return http_error(r, 400, "host: must be at most 256 bytes", NULL);
	if (bad_run || (d->o.run && d->o.run[0] && !batch_run_valid(d->o.run)))
		return http_error(r, 400, "run: 1..64 characters [A-Za-z0-9._:-]", NULL);
	/* suspend first: the drawing thread may resume before this function returns */
	MHD_suspend_connection(r->conn);
	r->suspended = true;
	rc = graphs_queue_submit(r->h->gq, http_draw_job, r);
	if (rc == 0)
		return MHD_YES;
	MHD_resume_connection(r->conn);
	r->suspended = false;
	if (rc == -ESHUTDOWN)
		return http_error(r, 503, "server is shutting down", NULL);
	pending = graphs_queue_pending(r->h->gq);
	r->retry_after = 2 * (pending ? pending : 1); /* a drawing takes a second or two */
	return http_error(r, 503,
			  "the report is being drawn for other requests (--draw-queue): retry "
			  "later",
			  NULL);
}

/* The drawing is done (or cancelled): its answer. */
static enum MHD_Result http_graficar_answer(struct req *r)
{
	struct http_draw *d = r->draw;
	const struct config *c = r->h->cfg;
	json_t *files = d->files;

	if (d->rc < 0) {
		unsigned st = d->rc == -ENOENT				? 404
			      : d->rc == -EAGAIN || d->rc == -ESHUTDOWN ? 503
									: 500;
		if (st != 404)
			log_warnx("graphs: %s", d->err);
		return http_error(r, st, d->err, NULL);
	}
	d->files = NULL; /* json_pack's "o" takes it */
	return http_send_json(r, 200,
			      json_pack("{s:s,s:s,s:o,s:f,s:f}", "dir", c->report_dir, "run",
					d->run, "files", files, "seconds", d->seconds,
					"cpu_seconds", d->cpu),
			      NULL);
}

/* A file of the live dashboard (www.h), from --www. */
static enum MHD_Result http_www(struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	uint64_t size;
	int fd;

	if (www_open(r->h->cfg->www_dir, r->www_file, &fd, &size) < 0)
		return http_error(r, 404,
				  r->h->cfg->www_dir[0] ? "no such dashboard file"
							: "no dashboard here (--www DIR)",
				  NULL);
	resp = MHD_create_response_from_fd64(size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->www_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES) {
		deadline_sending(r->h->dl, http_dconn(r->conn));
		r->status = 200;
		r->bytes_out = strcmp(r->method, "HEAD") == 0 ? 0 : size;
	}
	return ret;
}

/* Writer thread: the batch of r is committed (or not). */
static void http_batch_done(void *ctx, unsigned status, const char *msg)
{
	struct req *r = ctx;

	util_strlcpy(r->result_msg, msg ? msg : "", sizeof(r->result_msg));
	atomic_store(&r->result, status);
	MHD_resume_connection(r->conn);
}

static enum MHD_Result http_answer_batch(struct req *r)
{
	unsigned st = atomic_load(&r->result);
	json_t *doc;

	/* the store is done with the batch: http_completed frees it once the
	 * answer is sent, so the client is not kept waiting for that */
	if (st == 201 || st == 200)
		doc = json_pack("{s:s,s:s,s:I}", "status", st == 201 ? "stored" : "duplicate",
				"batch_id", r->batch_id, "records", (json_int_t)r->nrecords);
	else
		return http_error(r, st == 503 ? 503 : 500, r->result_msg, NULL);
	return http_send_json(r, st, doc, NULL);
}

static enum MHD_Result http_post_logs(struct req *r)
{
	char err[256], auto_id[BATCH_ID_MAX + 1];
	enum batch_status bs;
	unsigned st;
	int rc;

	snprintf(auto_id, sizeof(auto_id), "auto-%llu-%llu", (unsigned long long)r->start_real,
		 (unsigned long long)atomic_fetch_add(&r->h->auto_ids, 1));
	bs = batch_parse(r->body ? r->body : "", r->len, auto_id, &r->batch, err, sizeof(err));
	free(r->body);
	r->body = NULL;
	if (bs != BATCH_OK)
		return http_error(r, (unsigned)bs, err, NULL);
	util_strlcpy(r->batch_id, r->batch.batch_id, sizeof(r->batch_id));
	r->nrecords = json_array_size(r->batch.records);
	/*
	 * The only request in: its batch is written and committed on this
	 * thread when the store is free, and answered at once (one sender's
	 * case: no hand-off to the writer and back). With others coming in,
	 * the writer gathers them into groups while this thread parses.
	 */
	rc = atomic_load(&r->h->bodies) > 1 ? 0
					    : store_write_now(r->h->store, &r->batch, &st,
							      r->result_msg, sizeof(r->result_msg));
	if (rc > 0) {
		atomic_store(&r->result, st);
		return http_answer_batch(r);
	}
	if (rc == 0) { /* the writer's: suspend first, it may resume before this returns */
		MHD_suspend_connection(r->conn);
		r->suspended = true;
		rc = store_submit_batch(r->h->store, &r->batch, http_batch_done, r);
		if (rc == 0)
			return MHD_YES;
		MHD_resume_connection(r->conn);
		r->suspended = false;
	}
	batch_free(&r->batch);
	return http_error(r, rc == -ESHUTDOWN ? 503 : 500,
			  rc == -ESHUTDOWN ? "server is shutting down" : "out of memory", NULL);
}

/* Body bytes: keep them up to the limit, then count and drop. */
static enum MHD_Result http_collect(struct req *r, const char *data, size_t n)
{
	size_t max = r->h->cfg->max_body;

	r->bytes_in += n;
	if (r->too_big || r->len + n > max) {
		r->too_big = true;
		free(r->body);
		r->body = NULL;
		r->len = r->cap = 0;
		/* a client streaming without end is cut off */
		return r->bytes_in > (uint64_t)max * HTTP_DISCARD_FACTOR ? MHD_NO : MHD_YES;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *nb;
		while (cap < r->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		nb = realloc(r->body, cap);
		if (!nb)
			return MHD_NO;
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return MHD_YES;
}

/* 0 when the request may go on, -EACCES when it lacks the token (auth.h). */
static int http_auth(const struct req *r, struct MHD_Connection *conn, const char *method)
{
	struct auth_request rq = { .method = method,
				   .health = r->route->open,
				   .client_loopback = r->client_loopback,
				   .authorization = MHD_lookup_connection_value(
					   conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) };

	if (!auth_required(&rq, r->h->token, r->h->cfg->open_reads))
		return 0;
	return auth_bearer_ok(rq.authorization, r->h->token) ? 0 : -EACCES;
}

/* Does a body follow the headers (a length above 0, or chunked)? */
static bool http_body_follows(struct MHD_Connection *conn)
{
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);

	return te != NULL || (cl && strspn(cl, "0") != strlen(cl));
}

static const struct http_route http_routes[] = {
	{ "/logs", "/logs/", false, http_get_logs, http_post_logs, true, http_answer_batch },
	{ "/runs", NULL, false, http_get_runs, NULL, false, NULL },
	{ "/health", NULL, true, http_health, NULL, false, NULL },
	/* drawing writes files: never on a GET */
	{ "/graficar", NULL, false, NULL, http_graficar, false, http_graficar_answer },
	{ NULL, NULL, false, http_www, NULL, false, NULL },
};

#define HTTP_NROUTES (sizeof(http_routes) / sizeof(http_routes[0]))

/* The route of r->path (the dashboard's sets r->www_file), or NULL. */
static const struct http_route *http_route_of(struct req *r)
{
	for (size_t i = 0; i + 1 < HTTP_NROUTES; i++) {
		const struct http_route *rt = &http_routes[i];
		if (strcmp(r->path, rt->path) == 0 ||
		    (rt->alias && strcmp(r->path, rt->alias) == 0))
			return rt;
	}
	if (www_name(r->path, r->www_file, sizeof(r->www_file), &r->www_type))
		return &http_routes[HTTP_NROUTES - 1];
	return NULL;
}

/* The methods rt takes, for an Allow header. */
static const char *http_allowed(const struct http_route *rt)
{
	return rt->get && rt->post ? "GET, HEAD, POST" : rt->post ? "POST" : "GET, HEAD";
}

/* rt's handler for method m, or NULL when it refuses m. */
static enum MHD_Result (*http_method_fn(const struct http_route *rt, const char *m))(struct req *r)
{
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return rt->get;
	return strcmp(m, "POST") == 0 ? rt->post : NULL;
}

/* 404: the text names every path of the table. */
static enum MHD_Result http_not_found(struct req *r)
{
	char d[160];
	size_t n = (size_t)snprintf(d, sizeof(d), "no such path (try /");

	for (size_t i = 0; i + 1 < HTTP_NROUTES && n < sizeof(d); i++)
		n += (size_t)snprintf(d + n, sizeof(d) - n, ", %s", http_routes[i].path);
	if (n < sizeof(d))
		snprintf(d + n, sizeof(d) - n, ")");
	return http_error(r, 404, d, NULL);
}

/* A POST whose Content-Length (*v) is over the limit: 413 before the body comes. */
static bool http_announced_too_big(struct req *r, struct MHD_Connection *conn, uint64_t *v)
{
	const char *cl =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *end;

	return cl && util_parse_u64(cl, &end, UINT64_MAX, v) == 0 && *v > r->h->cfg->max_body;
}

/*
 * The first call of a request, once its headers are in: route, method,
 * credentials, the announced body size; then either the route's answer or
 * MHD_YES to receive the body of a POST that has one.
 */
static enum MHD_Result http_on_headers(struct req *r, struct MHD_Connection *conn,
				       const char *method)
{
	char tmp[sizeof(r->method)];
	enum MHD_Result (*fn)(struct req * r);

	deadline_headers_in(r->h->dl, http_dconn(conn), http_body_follows(conn));
	util_strlcpy(tmp, method, sizeof(tmp));
	access_clean(r->method, tmp, sizeof(r->method));
	r->route = http_route_of(r);
	if (!r->route)
		return http_not_found(r);
	fn = http_method_fn(r->route, method);
	if (!fn) {
		char d[320];
		snprintf(d, sizeof(d), "%s does not accept %s", r->path, r->method);
		return http_error(r, 405, d, http_allowed(r->route));
	}
	if (http_auth(r, conn, method) != 0)
		return http_error(r, 401,
				  "this request needs \"Authorization: Bearer <token>\" "
				  "with the server's token",
				  NULL);
	if (fn == r->route->post && r->route->post_body) {
		uint64_t v;
		if (http_announced_too_big(r, conn, &v)) {
			char d[96];
			snprintf(d, sizeof(d), "body of %llu bytes is over the %zu-byte limit",
				 (unsigned long long)v, r->h->cfg->max_body);
			return http_error(r, 413, d, NULL);
		}
		r->counted = true;
		atomic_fetch_add(&r->h->bodies, 1);
		return MHD_YES; /* the body follows */
	}
	return fn(r);
}

static enum MHD_Result http_handler(void *cls, struct MHD_Connection *conn, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_data_size,
				    void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (!r)
		return MHD_NO;
	if (r->method[0] == '\0')
		return http_on_headers(r, conn, method);
	if (*upload_data_size > 0) {
		enum MHD_Result ret = http_collect(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return ret;
	}
	deadline_answering(r->h->dl, http_dconn(conn)); /* the body is in */
	if (r->suspended) {
		/* resumed by the writer or the drawing thread */
		r->suspended = false;
		return r->route->resumed(r);
	}
	if (r->status)
		return MHD_YES;
	if (r->too_big) {
		char d[96];
		snprintf(d, sizeof(d), "body of %llu bytes is over the %zu-byte limit",
			 (unsigned long long)r->bytes_in, r->h->cfg->max_body);
		return http_error(r, 413, d, NULL);
	}
	return r->route->post ? r->route->post(r) : MHD_NO;
}

/*
 * libmicrohttpd's messages, one line each; the same message again within a
 * second is counted, not printed (a flood refused at the per-address limit
 * would otherwise write a line per connection).
 */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static const char *last_fmt;
	static uint64_t last_ns, repeats;
	uint64_t now = util_mono_ns(), skipped = 0;
	char buf[512];
	size_t n;

	(void)cls;
	pthread_mutex_lock(&mu);
	if (fmt == last_fmt && now - last_ns < 1000000000ull) {
		repeats++;
		pthread_mutex_unlock(&mu);
		return;
	}
	skipped = repeats;
	repeats = 0;
	last_fmt = fmt;
	last_ns = now;
	pthread_mutex_unlock(&mu);
	if (skipped)
		log_warnx("http: (%llu more of the previous message in the last second)",
			  (unsigned long long)skipped);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_warnx("http: %s", buf);
}

#define HTTP_PEM_MAX (64u << 10)

/* GnuTLS priorities: TLS 1.3 and 1.2 only (1.0 and 1.1 are refused at the handshake). */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/*
 * A PEM file into a new buffer (*out). 0 or -errno with err set. One buffer
 * of HTTP_PEM_MAX and no realloc (not util_slurp): no copy of a private key
 * is left behind in freed memory, and http_free zeroes it all.
 */
static int http_read_pem(const char *what, const char *path, char **out, char *err, size_t errlen)
{
	char *buf = malloc(HTTP_PEM_MAX);
	ssize_t n;

	*out = NULL;
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = util_read_file_at(AT_FDCWD, path, buf, HTTP_PEM_MAX);
	if (n <= 0 || (size_t)n >= HTTP_PEM_MAX - 1 || !strstr(buf, "-----BEGIN ")) {
		snprintf(err, errlen, "%s %s: %s", what, path,
			 n < 0				 ? strerror((int)-n)
			 : (size_t)n >= HTTP_PEM_MAX - 1 ? "larger than 64 KiB"
							 : "not a PEM file");
		free(buf);
		return n < 0 ? (int)n : -EINVAL;
	}
	*out = buf;
	return 0;
}

/* The token (made when its file is missing) and the TLS files. 0 or -errno. */
static int http_credentials(struct http_server *h, const struct config *cfg, char *err,
			    size_t errlen)
{
	bool created = false;
	struct stat st;
	int r;

	if (cfg->token_file[0]) {
		if ((r = token_create_file(cfg->token_file, -1, -1, &created, err, errlen)) < 0 ||
		    (r = token_read_file(cfg->token_file, h->token, err, errlen)) < 0)
			return r;
		if (created)
			log_info("token file %s created with a new random token", cfg->token_file);
		if (stat(cfg->token_file, &st) == 0 && (st.st_mode & S_IROTH))
			log_warnx("token file %s is readable by every user (chmod o-r)",
				  cfg->token_file);
	}
	if (!auth_listen_ok(cfg->listen, h->token[0] != '\0', err, errlen))
		return -EPERM;
	if (h->token[0] && !cfg->tls_cert[0] && !cfg->allow_plaintext &&
	    !auth_addr_is_loopback(cfg->listen)) {
		snprintf(err, errlen,
			 "refusing to listen on %s with a token but without TLS: the token would "
			 "cross the network in clear (--tls-cert/--tls-key, or --allow-plaintext "
			 "where the network is the host's own, as Docker's bridge is)",
			 cfg->listen);
		return -EPERM;
	}
	if (!cfg->tls_cert[0])
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd was built without TLS");
		return -ENOTSUP;
	}
	if ((r = http_read_pem("TLS certificate", cfg->tls_cert, &h->tls_cert, err, errlen)) < 0)
		return r;
	return http_read_pem("TLS key", cfg->tls_key, &h->tls_key, err, errlen);
}

static void http_free(struct http_server *h)
{
	if (h->tls_key)
		explicit_bzero(h->tls_key, HTTP_PEM_MAX);
	free(h->tls_key);
	free(h->tls_cert);
	explicit_bzero(h->token, sizeof(h->token));
	free(h);
}

/*
 * The --unix socket, bound and listening: a stale socket at path is
 * replaced, anything else there is an error. Mode 0666: who may connect is
 * decided by its directory (root's, see lib/gestor.h). fd or -errno.
 */
static int http_unix_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	struct stat st;
	int fd, r;

	if (n >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "unix socket path %s: longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, n + 1);
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "unix socket path %s: exists and is not a socket", path);
		return -EEXIST;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "unix socket %s: cannot remove the old one: %s", path,
			 strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0666) != 0 ||
	    listen(fd, 128) != 0) {
		r = -errno;
		snprintf(err, errlen, "unix socket %s: %s", path, strerror(-r));
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

/* The second daemon, on the --unix socket: plain HTTP, one thread, no per-address cap. */
static int http_start_unix(struct http_server *h, const struct config *cfg, unsigned flags,
			   char *err, size_t errlen)
{
	int fd = http_unix_listen(cfg->unix_path, err, errlen);

	if (fd < 0)
		return fd;
	h->mhd_unix = MHD_start_daemon(
		flags & ~(unsigned)(MHD_USE_TLS | MHD_USE_IPv6), 0, NULL, NULL, http_handler, h,
		MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, h,
		MHD_OPTION_NOTIFY_COMPLETED, http_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
		http_notify_conn, h, MHD_OPTION_END);
	if (!h->mhd_unix) {
		close(fd);
		unlink(cfg->unix_path);
		snprintf(err, errlen, "cannot serve the unix socket %s", cfg->unix_path);
		return -EIO;
	}
	return 0;
}

/* cfg's listen address and port into ss; *flags gains MHD_USE_IPv6 for IPv6. 0 or -EINVAL. */
static int http_bind_addr(const struct config *cfg, struct sockaddr_storage *ss, unsigned *flags,
			  char *err, size_t errlen)
{
	int ok;

	memset(ss, 0, sizeof(*ss));
	if (strchr(cfg->listen, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)cfg->port);
		ok = inet_pton(AF_INET6, cfg->listen, &s6->sin6_addr) == 1;
		*flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)cfg->port);
		ok = inet_pton(AF_INET, cfg->listen, &s4->sin_addr) == 1;
	}
	if (ok)
		return 0;
	snprintf(err, errlen, "listen address '%s' is not an IPv4 or IPv6 literal", cfg->listen);
	return -EINVAL;
}

/* The TCP daemon on ss (TLS when a certificate was read); h->mhd NULL when it cannot listen. */
static void http_start_tcp(struct http_server *h, const struct config *cfg, unsigned flags,
			   struct sockaddr_storage *ss)
{
	struct MHD_OptionItem tls[4] = { { MHD_OPTION_END, 0, NULL },
					 { MHD_OPTION_END, 0, NULL },
					 { MHD_OPTION_END, 0, NULL },
					 { MHD_OPTION_END, 0, NULL } };

	if (h->tls_cert) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						  (void *)HTTP_TLS_PRIORITIES };
	}
	h->mhd = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, http_handler, h, MHD_OPTION_EXTERNAL_LOGGER,
		http_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads > 1 ? cfg->threads : 0),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_conns,
		MHD_OPTION_URI_LOG_CALLBACK, http_uri_log, h, MHD_OPTION_NOTIFY_COMPLETED,
		http_completed, h, MHD_OPTION_NOTIFY_CONNECTION, http_notify_conn, h,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->max_conns_per_ip,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

/* Stop what http_start started and free h (on its error paths). */
static void http_abandon(struct http_server *h)
{
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->dl)
		deadline_stop(h->dl);
	if (h->gq)
		graphs_queue_stop(h->gq);
	http_free(h);
}

int http_start(struct http_server **out, const struct config *cfg, struct store *st,
	       unsigned *port_out, char *err, size_t errlen)
{
	struct http_server *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *di;
	int r;

	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((r = http_bind_addr(cfg, &ss, &flags, err, errlen)) < 0) {
		free(h);
		return r;
	}
	h->cfg = cfg;
	h->store = st;
	h->started_ns = util_real_ns();
	atomic_init(&h->auto_ids, 0);
	atomic_init(&h->bodies, 0);
	if ((r = http_credentials(h, cfg, err, errlen)) < 0) {
		http_free(h);
		return r;
	}
	if (graphs_queue_start(&h->gq, cfg->draw_queue, err, errlen) < 0 ||
	    deadline_start(&h->dl, (uint64_t)cfg->headers_timeout_s * 1000000000ull,
			   (uint64_t)cfg->body_timeout_s * 1000000000ull,
			   (uint64_t)cfg->send_timeout_s * 1000000000ull, err, errlen) < 0) {
		http_abandon(h);
		return -ENOMEM;
	}
	http_start_tcp(h, cfg, flags, &ss);
	if (cfg->unix_path[0] && (r = http_start_unix(h, cfg, flags, err, errlen)) < 0) {
		http_abandon(h);
		return r;
	}
	if (!h->mhd && h->mhd_unix) {
		/* the socket is servicio's channel: a squatter on the port must not stop it */
		log_warnx("cannot listen on %s port %u (in use?): serving the unix socket %s only, "
			  "no dashboard",
			  cfg->listen, cfg->port, cfg->unix_path);
		*port_out = 0;
		*out = h;
		return 0;
	}
	if (!h->mhd) {
		snprintf(err, errlen, "cannot listen on %s port %u (in use, bad address%s)",
			 cfg->listen, cfg->port, h->tls_cert ? ", or a TLS key not matching" : "");
		http_abandon(h);
		return -EADDRINUSE;
	}
	di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	*port_out = di ? di->port : cfg->port;
	*out = h;
	return 0;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	if (h->mhd)
		MHD_quiesce_daemon(h->mhd);
	if (h->mhd_unix)
		MHD_quiesce_daemon(h->mhd_unix);
	store_drain(h->store);
	graphs_queue_stop(h->gq); /* the drawing ends, the waiting ones get 503 */
	h->gq = NULL;
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	if (h->mhd_unix) {
		MHD_stop_daemon(h->mhd_unix);
		unlink(h->cfg->unix_path);
	}
	deadline_stop(h->dl);
	graphs_queue_stop(h->gq);
	http_free(h);
}

void http_rest(struct http_server *h, unsigned *conns, bool *at_rest)
{
	deadline_rest(h->dl, conns, at_rest);
}
