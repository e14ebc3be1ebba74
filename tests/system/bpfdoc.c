/*
 * bpfdoc.c — prints the module's document from the BPF task iterator's
 * records once (what `servicio sysinfo` prints), for comparing it with the
 * module's in the system VM (tests/system/chain.sh builds it on the host;
 * tests/system/guest-run.sh runs it in the guest, where both sources work on
 * the same kernel). The iterator is loaded, read once and unloaded, through
 * servicio's own BPF source (servicio/bpfsrc.c), so the records compared
 * are the ones servicio reads.
 *
 * usage: bpfdoc > doc.json      exit 0, or 1 with the reason on stderr
 */
#include <stdio.h>

#include "../../servicio/bpfsrc.h"

int main(void)
{
	struct bpfsrc *b;
	char err[512];
	int ret;

	if (bpfsrc_open(&b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpfdoc: %s\n", err);
		return 1;
	}
	ret = bpfsrc_print_json(b, false, stdout, err, sizeof(err));
	bpfsrc_close(b);
	if (ret == 0 && fflush(stdout) != 0)
		ret = -1;
	if (ret < 0) {
		fprintf(stderr, "bpfdoc: %s\n", err);
		return 1;
	}
	return 0;
}
