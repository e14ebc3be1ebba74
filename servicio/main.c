/*
 * main.c — servicio's entry point: libcurl's global state, once for the
 * process (before any thread); then `servicio stats ...` prints one
 * measurement of the containers (stats.c), `servicio top` a live view of
 * them (top.c), `servicio sysinfo` the module's
 * document from the BPF iterator (bpfsrc.c; bpfsrc_none.c in builds without
 * BTF says it is absent), anything else runs the manager (manager.c).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bpfsrc.h"
#include "manager.h"
#include "stats.h"
#include "top.h"

/* Enough descriptors for the kept cgroup files of many containers (cgfds.h:
 * 3 memory files, up to 8 ctrio files a container, 1000 containers). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= 16384)
		return;
	rl.rlim_cur = rl.rlim_max < 16384 ? rl.rlim_max : 16384;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
	int ret;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "servicio: libcurl initialisation failed\n");
		return 1;
	}
	raise_fd_limit();
	if (argc > 1 && strcmp(argv[1], "stats") == 0)
		ret = stats_main(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "top") == 0)
		ret = top_main(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "sysinfo") == 0)
		ret = bpfsrc_sysinfo_main(argc - 1, argv + 1); /* bpfsrc.c or bpfsrc_none.c */
	else
		ret = manager_main(argc, argv);
	curl_global_cleanup();
	return ret;
}
