/*
 * mtest_load.c — the load program of the metrics suites, built static and
 * run FROM scratch in a throw-away image (gestor-mtest-load:<pid>) or as a
 * plain process: "burn" spins one core, "hold N" touches N MiB and sleeps,
 * "idle" sleeps. Exits on SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (argc >= 2 && strcmp(argv[1], "burn") == 0) {
		volatile unsigned long x = 0;
		while (!stop)
			x++;
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "hold") == 0) {
		size_t len = (size_t)strtoul(argv[2], NULL, 10) << 20;
		char *m =
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return 1;
		for (size_t i = 0; i < len; i += 4096)
			m[i] = 1;
		printf("ready\n"); /* the suites wait for this line (docker logs) */
		fflush(stdout);
	} else if (argc < 2 || strcmp(argv[1], "idle") != 0) {
		fprintf(stderr, "usage: mtest_load burn | hold MIB | idle\n");
		return 2;
	}
	while (!stop)
		pause();
	return 0;
}
