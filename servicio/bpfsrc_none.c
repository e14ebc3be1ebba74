/*
 * bpfsrc_none.c — the BPF source of programs built without libbpf (no BTF
 * at build time, the fuzzers): its open says so, and auto goes from the
 * module to procfs; `servicio sysinfo` says so too. Linked instead of
 * bpfsrc.c, never beside it.
 */
#include <errno.h>
#include <stdio.h>

#include "bpfsrc.h"

static int bpfsrc_none_open(const struct metrics_config *cfg, bool forced, void **state, char *why,
			    size_t whylen)
{
	(void)cfg;
	*state = NULL;
	snprintf(why, whylen, "%sthis program is built without the BPF source",
		 forced ? "bpf forced but " : "");
	return -ENOTSUP;
}

static int bpfsrc_none_take(void *state, struct snapshot *out, char *err, size_t errlen)
{
	(void)state;
	(void)out;
	snprintf(err, errlen, "built without the BPF source");
	return -ENOTSUP;
}

int bpfsrc_sysinfo_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "servicio: built without the BPF source (no BTF at build time)\n");
	return 1;
}

const struct metrics_src bpfsrc_src = {
	.id = SNAP_SRC_BPF,
	.name = "bpf",
	.open = bpfsrc_none_open,
	.take = bpfsrc_none_take,
};
