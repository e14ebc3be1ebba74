/*
 * http_fuzz.c — libFuzzer target for the HTTP handling of admin_logs, fed
 * through the real server: the first input starts the store (a SQLite
 * database in a fresh directory under $TMPDIR) and the libmicrohttpd front
 * (http_start) on 127.0.0.1, port 0, in this process; every input is then
 * sent as raw bytes on a new loopback connection, the write side is shut
 * and the answer read until the server closes the connection or is at rest
 * on it (http_rest: no request being answered, no unread byte in its
 * socket), when the connection is reset. So request lines, headers,
 * chunked and lying bodies, routing, the streamed answers, the access log
 * and the batch hand-off to the writer all run under ASan/UBSan in this
 * process; a crash in any server thread is a crash of the target. gnuplot
 * is pointed at a missing program, so GET /graficar fails fast instead of
 * drawing.
 *
 * Why "at rest" and not "closed": libmicrohttpd (0.9.75, epoll) misses the
 * end-of-file of a client that shut its side while its connection was
 * suspended (every POST /logs is), and then keeps the connection until the
 * idle timeout; waiting for that close cost a second per such input (the
 * campaign of 1,050 executions). The wait is now on the server's own state,
 * polled every 50 us, so an input costs what the server spends on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct store *fz_store;
static struct http_server *fz_http;
static unsigned fz_port;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct config cfg; /* the server threads read it after this returns */
	char dir[512], err[512];
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/gestor-httpfuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	config_defaults(&cfg);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1");
	cfg.port = 0;
	snprintf(cfg.db_path, sizeof(cfg.db_path), "%s/fuzz.db", dir);
	snprintf(cfg.report_dir, sizeof(cfg.report_dir), "%s/report", dir);
	snprintf(cfg.gnuplot, sizeof(cfg.gnuplot), "%s/no-gnuplot", dir);
	cfg.max_body = 64 * 1024;
	cfg.timeout_s = 2;
	cfg.quiet = true;
	if (store_open(&fz_store, cfg.db_path, cfg.group_max, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "http_fuzz: store_open: %s\n", err);
		exit(2);
	}
	if (http_start(&fz_http, &cfg, fz_store, &fz_port, err, sizeof(err)) < 0) {
		fprintf(stderr, "http_fuzz: http_start: %s\n", err);
		exit(2);
	}
	return 0;
}

/* Wait (up to 2 s) for the server to close every connection. */
static void fz_wait_closed(void)
{
	for (int i = 0; i < 40000; i++) {
		unsigned conns;
		bool rest;

		http_rest(fz_http, &conns, &rest);
		if (conns == 0)
			return;
		usleep(50);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in a;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[16384];
	size_t off = 0;
	unsigned quiet = 0;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)fz_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return 0;
	}
	while (off < size) {
		ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* the server closed early: fine */
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	/* read until the server closes, or is at rest with nothing more to send:
	 * three looks in a row (150 us) that find it so; 10 s at most */
	for (int i = 0; i < 200000 && quiet < 3; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned conns;
		bool rest;
		ssize_t r;

		if (poll(&p, 1, 0) > 0) {
			r = recv(fd, buf, sizeof(buf), 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break; /* closed by the server */
			quiet = 0;
			continue;
		}
		http_rest(fz_http, &conns, &rest);
		quiet = rest ? quiet + 1 : 0;
		usleep(50);
	}
	/* a reset: the server frees the connection at once, with no timeout */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	fz_wait_closed();
	return 0;
}
