/*
 * ceiling.c — the two limits any log server on this machine meets, measured
 * for bench/ceiling.sh:
 *
 *   ceiling fsync FILE N   N 4 KiB writes to a preallocated FILE, each
 *                          followed by fdatasync(): prints the mean time of
 *                          one write + fdatasync in microseconds (the
 *                          least a durable commit costs on this disk);
 *   ceiling serve PORT     an HTTP server on 127.0.0.1:PORT, two epoll
 *                          threads, that reads each request and answers
 *                          "201 {}" without parsing or storing anything:
 *                          the most requests per second wrk can get
 *                          from any server sharing these cores.
 *
 * Not part of gestor: a yardstick for docs/BENCHMARKS.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CEIL_BUF 65536

static const char ceil_answer[] = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
				  "Content-Length: 2\r\n\r\n{}";

static int ceil_fsync(const char *path, long n)
{
	char block[4096];
	uint64_t t0, t1;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)n * (off_t)sizeof(block)) < 0 || fsync(fd) < 0) {
		perror(path);
		return 1;
	}
	memset(block, 'x', sizeof(block));
	t0 = util_mono_ns();
	for (long i = 0; i < n; i++) {
		if (pwrite(fd, block, sizeof(block), (off_t)i * (off_t)sizeof(block)) < 0 ||
		    fdatasync(fd) < 0) {
			perror(path);
			close(fd);
			return 1;
		}
	}
	t1 = util_mono_ns();
	close(fd);
	unlink(path);
	printf("%.1f\n", (double)(t1 - t0) / 1e3 / (double)n);
	return 0;
}

/*
 * One epoll loop sharing the listening socket: each readable connection is
 * read once per event and answered once per complete request head seen.
 * wrk sends one request per connection at a time, bodies in the same
 * segment, so counting "\r\n\r\n" is enough for this yardstick.
 */
static void *ceil_loop(void *arg)
{
	int lfd = *(int *)arg, ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = lfd };
	char *buf = malloc(CEIL_BUF);

	if (ep < 0 || !buf || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("epoll");
		exit(1);
	}
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r;

			if (fd == lfd) {
				int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };

				if (c >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0)
					close(c);
				continue;
			}
			r = read(fd, buf, CEIL_BUF);
			if (r <= 0) {
				if (r == 0 || errno != EAGAIN)
					close(fd);
				continue;
			}
			for (const char *p = buf;
			     (p = memmem(p, (size_t)(buf + r - p), "\r\n\r\n", 4)); p += 4)
				if (util_write_all(fd, ceil_answer, sizeof(ceil_answer) - 1) < 0)
					break;
		}
	}
	return NULL;
}

static int ceil_serve(long port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	pthread_t t[2];

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1024) < 0) {
		perror("listen");
		return 1;
	}
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, ceil_loop, &lfd) != 0)
			return 1;
	pthread_join(t[0], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	int64_t v;

	if (argc == 4 && strcmp(argv[1], "fsync") == 0 &&
	    util_parse_i64(argv[3], NULL, 1, 1000000, &v) == 0)
		return ceil_fsync(argv[2], (long)v);
	if (argc == 3 && strcmp(argv[1], "serve") == 0 &&
	    util_parse_i64(argv[2], NULL, 1, 65535, &v) == 0)
		return ceil_serve((long)v);
	fprintf(stderr, "usage: ceiling fsync FILE N | ceiling serve PORT\n");
	return 2;
}
