/*
 * ioload.c — known amounts of work inside a test container (built static,
 * FROM scratch: tests/metrics/io.sh, tests/observe/grafana.sh). Each mode
 * does its work once, prints one line saying what it did, then sleeps until
 * killed, so every counter stays where the work left it:
 *   disk PATH MIB         write MIB MiB to PATH with O_DIRECT in 1 MiB
 *                         blocks, fsync, then read them back with O_DIRECT
 *   serve PORT            accept one TCP connection, read it to EOF
 *   send IPV4 PORT MIB    connect and send MIB MiB, close
 *   burn SECONDS          spin one CPU for SECONDS (whole) of wall time
 *   threads N             N threads that sleep, and one child process
 *   oom MIB               a child touches MIB MiB (more than the container
 *                         may have: the kernel's OOM killer kills it)
 *   idle                  nothing
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static void rest(void)
{
	fflush(stdout);
	for (;;)
		pause();
}

static int die(const char *what)
{
	printf("error %s: %s\n", what, strerror(errno));
	rest();
	return 1;
}

static int disk(const char *path, long mib)
{
	void *buf;
	int fd;

	if (posix_memalign(&buf, 4096, MIB) != 0)
		return die("memalign");
	memset(buf, 0x5a, MIB);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0)
		return die("open");
	for (long i = 0; i < mib; i++)
		if (write(fd, buf, MIB) != MIB)
			return die("write");
	if (fsync(fd) != 0)
		return die("fsync");
	if (lseek(fd, 0, SEEK_SET) != 0)
		return die("lseek");
	for (long i = 0; i < mib; i++)
		if (read(fd, buf, MIB) != MIB)
			return die("read");
	close(fd);
	printf("disk wrote %ld read %ld\n", mib * MIB, mib * MIB);
	rest();
	return 0;
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static char buf[65536];
	long long got = 0;
	ssize_t n;
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 1) != 0)
		return die("listen");
	printf("listening\n");
	fflush(stdout);
	c = accept(s, NULL, NULL);
	if (c < 0)
		return die("accept");
	while ((n = read(c, buf, sizeof(buf))) > 0)
		got += n;
	close(c);
	printf("received %lld\n", got);
	rest();
	return 0;
}

static int send_to(const char *ip, int port, long mib)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static char buf[MIB];
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return die("address");
	for (int i = 0; connect(s, (struct sockaddr *)&a, sizeof(a)) != 0; i++) {
		if (i > 100)
			return die("connect");
		usleep(100000);
	}
	memset(buf, 0x33, sizeof(buf));
	for (long i = 0; i < mib; i++)
		for (size_t off = 0; off < sizeof(buf);) {
			ssize_t n = write(s, buf + off, sizeof(buf) - off);
			if (n <= 0)
				return die("send");
			off += (size_t)n;
		}
	close(s);
	printf("sent %ld\n", mib * MIB);
	rest();
	return 0;
}

static int burn(double secs)
{
	struct timespec t0, t;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("burnt %.1f\n", secs);
	rest();
	return 0;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int threads(int n)
{
	pthread_t t;

	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, sleeper, NULL) != 0)
			return die("pthread_create");
	if (fork() == 0)
		for (;;)
			pause();
	printf("threads %d\n", n);
	rest();
	return 0;
}

static int oom(long mib)
{
	pid_t p = fork();
	int st = 0;

	if (p == 0) {
		for (long i = 0; i < mib; i++) {
			char *m = malloc(MIB);
			if (!m)
				_exit(2);
			memset(m, 1, MIB);
		}
		_exit(0);
	}
	waitpid(p, &st, 0);
	printf("child %s\n", WIFSIGNALED(st) && WTERMSIG(st) == 9 ? "killed" : "survived");
	rest();
	return 0;
}

/* A whole non-negative number, or exit 2: the arguments come from the suites */
static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "ioload: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "disk") == 0)
		return disk(argv[2], num(argv[3]));
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve((int)num(argv[2]));
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_to(argv[2], (int)num(argv[3]), num(argv[4]));
	if (argc == 3 && strcmp(argv[1], "burn") == 0)
		return burn((double)num(argv[2]));
	if (argc == 3 && strcmp(argv[1], "threads") == 0)
		return threads((int)num(argv[2]));
	if (argc == 3 && strcmp(argv[1], "oom") == 0)
		return oom(num(argv[2]));
	if (argc == 2 && strcmp(argv[1], "idle") == 0)
		rest();
	fprintf(stderr, "usage: ioload disk PATH MIB | serve PORT | send IP PORT MIB | burn S | "
			"threads N | oom MIB | idle\n");
	return 2;
}
