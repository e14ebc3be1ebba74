/*
 * modsrc_fuzz.c — libFuzzer target for the module-format parser
 * (servicio/modsrc.h modsrc_parse_buf): any byte string is either a valid
 * format-v1 document or an error; the snapshot is freed either way. A valid
 * document is also formatted back (modsrc_format) and parsed again, which must
 * succeed: the parser must accept what the formatter writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modsrc.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s;
	char err[256];

	memset(&s, 0, sizeof(s));
	if (modsrc_parse_buf((const char *)data, size, &s, err, sizeof(err)) == 0) {
		size_t len = 0;
		char *doc = modsrc_format(&s, &len);

		if (doc) {
			struct snapshot again;

			memset(&again, 0, sizeof(again));
			if (modsrc_parse_buf(doc, len, &again, err, sizeof(err)) != 0)
				abort(); /* the formatter wrote what the parser refuses */
			snapshot_free(&again);
			free(doc);
		}
	}
	snapshot_free(&s);
	return 0;
}
