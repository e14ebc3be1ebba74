/*
 * fakedocker.h — a fake Docker Engine for unit tests (the Docker seam):
 * an HTTP/1.1 server on a Unix socket in a temporary directory, one thread
 * per connection (keep-alive, as libcurl uses it), answering each request
 * with what the test's handler says and recording "METHOD PATH" of every
 * request. GET /version is answered for the handler's convenience unless
 * it answers it itself. Header-only (static functions): include it in one
 * test file.
 *
 *   struct fakedocker fd;
 *   fakedocker_start(&fd, handler, ctx);   fd.socket is the path
 *   ... fakedocker_count(&fd, "DELETE") ...
 *   fakedocker_stop(&fd);
 */
#ifndef FAKEDOCKER_H
#define FAKEDOCKER_H

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FAKEDOCKER_MAXREQ 256
#define FAKEDOCKER_MAXCONN 32

/* Fill *status and body (NUL-terminated, at most bodylen) for one request;
 * return 0, or -1 to close the connection without an answer. */
typedef int (*fakedocker_handler)(void *ctx, const char *method, const char *path, const char *body,
				  int *status, char *out, size_t outlen);

struct fakedocker {
	char dir[64], socket[96];
	int lfd, stop[2];
	pthread_t th, conn[FAKEDOCKER_MAXCONN];
	int nconn;
	fakedocker_handler handler;
	void *ctx;
	pthread_mutex_t mu;
	char req[FAKEDOCKER_MAXREQ][160];
	int nreq;
};

struct fakedocker_conn {
	struct fakedocker *f;
	int fd;
};

static int fakedocker_read_request(int fd, char *buf, size_t cap, size_t *have, char **body,
				   size_t *hlen, size_t *blen)
{
	for (;;) {
		char *end = memmem(buf, *have, "\r\n\r\n", 4);

		if (end) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");

			*hlen = (size_t)(end - buf) + 4;
			*blen = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
			if (*hlen + *blen < cap && *have >= *hlen + *blen) {
				*body = buf + *hlen;
				return 0;
			}
			if (*hlen + *blen >= cap)
				return -1;
		}
		if (*have + 1 >= cap)
			return -1;
		ssize_t n = read(fd, buf + *have, cap - 1 - *have);

		if (n <= 0)
			return -1;
		*have += (size_t)n;
		buf[*have] = '\0';
	}
}

static void *fakedocker_serve(void *arg)
{
	struct fakedocker_conn *c = arg;
	struct fakedocker *f = c->f;
	static const size_t cap = 1 << 16;
	char *buf = calloc(1, cap), *out = malloc(cap), *body = NULL;
	size_t have = 0, hlen, blen;

	while (buf && out &&
	       fakedocker_read_request(c->fd, buf, cap, &have, &body, &hlen, &blen) == 0) {
		char method[16] = "", path[1024] = "", hdr[256], saved;
		int status = 0, n;

		sscanf(buf, "%15s %1023s", method, path);
		saved = body[blen];
		body[blen] = '\0';
		pthread_mutex_lock(&f->mu);
		if (f->nreq < FAKEDOCKER_MAXREQ)
			snprintf(f->req[f->nreq++], sizeof(f->req[0]), "%s %.140s", method, path);
		pthread_mutex_unlock(&f->mu);
		out[0] = '\0';
		if (f->handler(f->ctx, method, path, body, &status, out, cap) != 0)
			break;
		if (status == 0 && strstr(path, "/version")) {
			status = 200;
			snprintf(out, cap, "{\"ApiVersion\":\"1.41\",\"Version\":\"24.0.0\"}");
		} else if (status == 0) {
			status = 404;
			snprintf(out, cap, "{\"message\":\"fakedocker: no route for %s %s\"}",
				 method, path);
		}
		body[blen] = saved;
		n = snprintf(hdr, sizeof(hdr),
			     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
			     "%zu\r\n\r\n",
			     status, strlen(out));
		/* MSG_NOSIGNAL: a client gone is a closed connection, not SIGPIPE */
		if (send(c->fd, hdr, (size_t)n, MSG_NOSIGNAL) != n ||
		    send(c->fd, out, strlen(out), MSG_NOSIGNAL) != (ssize_t)strlen(out))
			break;
		/* the next request may already be in the buffer */
		memmove(buf, buf + hlen + blen, have - hlen - blen);
		have -= hlen + blen;
		buf[have] = '\0';
	}
	close(c->fd);
	free(buf);
	free(out);
	free(c);
	return NULL;
}

static void *fakedocker_accept(void *arg)
{
	struct fakedocker *f = arg;
	struct pollfd p[2] = { { .fd = f->lfd, .events = POLLIN },
			       { .fd = f->stop[0], .events = POLLIN } };

	while (poll(p, 2, -1) >= 0 && !(p[1].revents & POLLIN)) {
		struct fakedocker_conn *c;
		int fd = accept(f->lfd, NULL, NULL);

		if (fd < 0)
			continue;
		c = malloc(sizeof(*c));
		if (!c || f->nconn == FAKEDOCKER_MAXCONN) {
			free(c);
			close(fd);
			continue;
		}
		c->f = f;
		c->fd = fd;
		if (pthread_create(&f->conn[f->nconn], NULL, fakedocker_serve, c) == 0)
			f->nconn++;
		else {
			close(fd);
			free(c);
		}
	}
	return NULL;
}

static int fakedocker_start(struct fakedocker *f, fakedocker_handler h, void *ctx)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->handler = h;
	f->ctx = ctx;
	pthread_mutex_init(&f->mu, NULL);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gestor-fakedocker-XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->socket, sizeof(f->socket), "%s/docker.sock", f->dir);
	memcpy(a.sun_path, f->socket, strlen(f->socket) + 1); /* 96 < sizeof(sun_path) */
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(f->lfd, 64) != 0 || pipe(f->stop) != 0)
		return -errno;
	return -pthread_create(&f->th, NULL, fakedocker_accept, f);
}

/* Stop serving; the clients must have closed their connections. */
static void fakedocker_stop(struct fakedocker *f)
{
	if (write(f->stop[1], "x", 1) == 1)
		pthread_join(f->th, NULL);
	for (int i = 0; i < f->nconn; i++)
		pthread_join(f->conn[i], NULL);
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	unlink(f->socket);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->mu);
}

/* How many requests had this method (and, when given, a path containing part). */
static int fakedocker_count(struct fakedocker *f, const char *method, const char *part)
{
	int n = 0;
	size_t ml = strlen(method);

	pthread_mutex_lock(&f->mu);
	for (int i = 0; i < f->nreq; i++)
		if (strncmp(f->req[i], method, ml) == 0 && f->req[i][ml] == ' ' &&
		    (!part || strstr(f->req[i], part)))
			n++;
	pthread_mutex_unlock(&f->mu);
	return n;
}

#endif
