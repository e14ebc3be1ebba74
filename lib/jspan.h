/*
 * jspan.h — where each element of a JSON array sits in the text's bytes.
 *
 * admin_logs stores every record of a POST /logs body as it was received:
 * rather than serialise each parsed record again, it finds the byte range of
 * each element of the records array in text that jansson has just accepted.
 * servicio parses Docker's container list one element at a time, so that it
 * never holds the tree of the whole list: it finds the elements here and
 * gives each to jansson, which checks it. The scanner tracks only strings
 * (with their escapes) and nesting, so it is simple to check; between
 * elements it accepts only whitespace and one comma. Anything it does not
 * recognise (the key "records" written with escapes, say) is reported, and
 * the caller parses or serialises the whole text instead. Pure: no
 * allocation.
 */
#ifndef LIB_JSPAN_H
#define LIB_JSPAN_H

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

/*
 * For text that is a top-level array (surrounded by whitespace only): its
 * element count into *n, and when out is not NULL the ranges into
 * out[0..cap). 0, or -EINVAL when the text is not such an array as far as
 * the scanner sees or has more than cap elements (out given). The elements
 * themselves are not checked: the caller parses each.
 */
int jspan_array(const char *text, size_t len, struct jspan *out, size_t cap, size_t *n);

/*
 * For text that is an object: the top-level member key (quoted, escape-free:
 * "\"processes\"") whose value is an array: the array's own range into *arr
 * (from '[' to just past ']') and its elements as jspan_array() gives them.
 * The rest of the text after the array is not looked at.
 */
int jspan_member_array(const char *text, size_t len, const char *key, struct jspan *arr,
		       struct jspan *out, size_t cap, size_t *n);

#endif
