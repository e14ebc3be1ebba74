/*
 * bpfdoc.c — prints the BPF task iterator's document once, for comparing
 * it with the module's in the system VM (tests/system/chain.sh builds it on
 * the host; tests/system/guest-run.sh runs it in the guest, where both
 * sources work on the same kernel). The iterator is loaded, read once and
 * unloaded, through servicio's own BPF source (servicio/bpfsrc.c), so the
 * document compared is the one servicio reads.
 *
 * usage: bpfdoc > doc.json      exit 0, or 1 with the reason on stderr
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../servicio/bpfsrc.h"
#include "util.h"

int main(void)
{
	struct bpfsrc *b;
	char err[512];
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (bpfsrc_open(&b, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "bpfdoc: %s\n", err);
		return 1;
	}
	ret = bpfsrc_read_doc(b, &buf, &len, err, sizeof(err));
	bpfsrc_close(b);
	if (ret < 0) {
		fprintf(stderr, "bpfdoc: %s\n", err);
		return 1;
	}
	ret = util_write_all(1, buf, len);
	free(buf);
	if (ret < 0) {
		fprintf(stderr, "bpfdoc: writing the document failed\n");
		return 1;
	}
	return 0;
}
