/*
 * batch.h — parse and validate a POST /logs body before anything is stored.
 *
 * A body is either a batch object {"batch_id","host","run","records":[...]}
 * (host and run optional: the sending machine and the servicio run the
 * records belong to, stored with each record) or a bare array of records (then the batch gets a generated id). Each record is
 * checked against its type ("sample" or "decision"): every required field
 * present with the right JSON type and range. The first problem found is
 * reported with the path of the field ("records[2].memory.used_kb") so the
 * client can fix it; nothing is stored for a rejected batch. Unknown extra
 * fields are allowed and kept. A valid batch also gets each record's JSON
 * text as it will be stored: the record's bytes as received (jspan.h), or,
 * when they cannot be located plainly, the record serialised again. That
 * happens here, on the request's thread, so the single writer thread only
 * binds and inserts. Pure: no I/O, no globals.
 */
#ifndef ADMIN_LOGS_BATCH_H
#define ADMIN_LOGS_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "jarena.h"
#include "jspan.h"

#define BATCH_ID_MAX 64
#define BATCH_MAX_RECORDS 100000

enum batch_status {
	BATCH_OK = 0,
	BATCH_MALFORMED = 400, /* not JSON */
	BATCH_INVALID = 422, /* JSON, but a field is missing or of the wrong type */
	BATCH_NOMEM = 500,
};

struct batch {
	char batch_id[BATCH_ID_MAX + 1];
	bool generated_id; /* the body was a bare array */
	const char *host; /* borrowed from root; "" when absent */
	const char *run; /* borrowed from root; "" when absent (else a valid run id) */
	json_t *root; /* owned: the parsed body, in arena when jarena_owns() says so */
	struct jarena arena; /* owned: where root's values were allocated */
	json_t *records; /* borrowed: the records array */
	char *text; /* owned: the records' JSON text */
	struct jspan *spans; /* owned: record i is text[spans[i].off .. + len) */
};

/*
 * Parse body (len bytes, not necessarily terminated) into b. auto_id is the
 * id used for a bare array. Returns BATCH_OK (the caller then owns b->root and
 * frees it with batch_free) or an HTTP status with the reason in err.
 */
enum batch_status batch_parse(const char *body, size_t len, const char *auto_id, struct batch *b,
			      char *err, size_t errlen);

/* Validate one record; path prefixes the field names in err. true when valid. */
bool batch_record_valid(json_t *rec, const char *path, char *err, size_t errlen);

/*
 * A sample's container's optional counters (servicio's cgroup and network
 * figures, docs/log-api.md), in the order of the stores' columns of the
 * same names: integer ones are counts, the others seconds. At most max.
 */
struct batch_io_field {
	const char *key;
	bool integer;
	double max;
};
#define BATCH_IO_NFIELDS 15
extern const struct batch_io_field batch_io_fields[BATCH_IO_NFIELDS];

/* true when s is a valid batch_id: 1..64 chars of [A-Za-z0-9._:-]. */
bool batch_id_valid(const char *s);

/* true when s is a valid run id: the same rule as a batch_id. */
bool batch_run_valid(const char *s);

void batch_free(struct batch *b);

#endif
