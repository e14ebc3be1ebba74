/*
 * jspan.h — where each record of a POST /logs body sits in the body's bytes.
 *
 * The server stores every record's JSON as it was received. Rather than
 * serialise each parsed record again (a tenth of a request's CPU in
 * bench/admin_logs.sh: number formatting and a buffer per record), it finds
 * the byte range of each element of the records array in the text that
 * jansson has just accepted. The scanner tracks only strings (with their
 * escapes) and nesting, so it is simple to check, and it is only ever run on
 * text that is valid JSON.
 * Anything it does not recognise (the key "records" written with escapes,
 * say) is reported, and the caller serialises instead. Pure: no allocation.
 */
#ifndef ADMIN_LOGS_JSPAN_H
#define ADMIN_LOGS_JSPAN_H

#include <stddef.h>

struct jspan {
	size_t off, len; /* a record is text[off .. off + len) */
};

/*
 * For a body of len bytes that is valid JSON and is either an array of
 * records or an object with a top-level "records" array: fill out[0..n) with
 * the ranges of the array's elements. 0 when there were exactly n elements,
 * -EINVAL otherwise (other shape, key not written plainly, count differs).
 */
int jspan_records(const char *text, size_t len, struct jspan *out, size_t n);

#endif
