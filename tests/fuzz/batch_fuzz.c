/*
 * batch_fuzz.c — libFuzzer target for the POST /logs body parser and
 * validator (admin_logs/batch.h batch_parse): any body is either a batch
 * (valid id, each record's stored text parses back to that record) or a
 * 400/422/500 with a reason; nothing leaks either way.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct batch b;
	char err[512];
	enum batch_status st;

	memset(&b, 0, sizeof(b));
	st = batch_parse((const char *)data, size, "fuzz-auto-id", &b, err, sizeof(err));
	if (st == BATCH_OK) {
		size_t i, n;

		if (!batch_id_valid(b.batch_id) || !b.records || !json_is_array(b.records))
			abort();
		n = json_array_size(b.records);
		for (i = 0; i < n; i++) {
			/* the text stored for a record is that record, whichever way it
			 * was found (its bytes in the body, or serialised again) */
			json_t *back;

			if (!b.text || !b.spans)
				abort();
			back = json_loadb(b.text + b.spans[i].off, b.spans[i].len, 0, NULL);
			if (!back || !json_equal(back, json_array_get(b.records, i)))
				abort();
			json_decref(back);
		}
		batch_free(&b);
	} else {
		bool known = st == BATCH_MALFORMED || st == BATCH_INVALID || st == BATCH_NOMEM;

		if (!known || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
	}
	return 0;
}
