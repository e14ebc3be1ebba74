/*
 * jspan.c — byte ranges of the elements of a JSON array (see jspan.h).
 *
 * A value is skipped by its first byte: a string runs to the next quote not
 * escaped by a backslash; an object or array runs to the bracket that brings
 * the nesting back to zero, with strings inside skipped whole (they may hold
 * brackets); anything else (number, true, false, null) runs to the next
 * separator. Every step checks the end of the text, so even text that is not
 * JSON cannot take a read past it.
 */
#include "jspan.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool jspan_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t jspan_skip_ws(const char *t, size_t i, size_t len)
{
	while (i < len && jspan_ws(t[i]))
		i++;
	return i;
}

/* i is at an opening quote: the index just past the closing one, or len. */
static size_t jspan_skip_string(const char *t, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (t[i] == '\\')
			i++;
		else if (t[i] == '"')
			return i + 1;
	}
	return len;
}

/* The index just past the value starting at i, or len when it does not end. */
static size_t jspan_skip_value(const char *t, size_t i, size_t len)
{
	size_t depth = 0;

	if (i >= len)
		return len;
	if (t[i] == '"')
		return jspan_skip_string(t, i, len);
	if (t[i] != '{' && t[i] != '[') {
		while (i < len && !jspan_ws(t[i]) && t[i] != ',' && t[i] != ']' && t[i] != '}')
			i++;
		return i;
	}
	while (i < len) {
		char c = t[i];

		if (c == '"') {
			i = jspan_skip_string(t, i, len);
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		}
		i++;
	}
	return len;
}

/*
 * i is just past '[': record the elements into out[0..cap) (out NULL: only
 * count them), their number into *n; *end just past the ']'.
 */
static int jspan_walk(const char *t, size_t i, size_t len, struct jspan *out, size_t cap, size_t *n,
		      size_t *end)
{
	size_t k = 0;

	*n = 0;
	i = jspan_skip_ws(t, i, len);
	if (i < len && t[i] == ']') {
		*end = i + 1;
		return 0;
	}
	while (i < len) {
		size_t e = jspan_skip_value(t, i, len);

		if (e >= len || e == i || (out && k == cap))
			return -EINVAL;
		if (out)
			out[k] = (struct jspan){ .off = i, .len = e - i };
		k++;
		i = jspan_skip_ws(t, e, len);
		if (i < len && t[i] == ']') {
			*n = k;
			*end = i + 1;
			return 0;
		}
		if (i >= len || t[i] != ',')
			return -EINVAL;
		i = jspan_skip_ws(t, i + 1, len);
	}
	return -EINVAL;
}

/* i is just past '[': record exactly n elements. */
static int jspan_elements(const char *t, size_t i, size_t len, struct jspan *out, size_t n)
{
	size_t k, end;

	return jspan_walk(t, i, len, out, n, &k, &end) == 0 && k == n ? 0 : -EINVAL;
}

int jspan_array(const char *t, size_t len, struct jspan *out, size_t cap, size_t *n)
{
	size_t i = jspan_skip_ws(t, 0, len), end;

	*n = 0;
	if (i >= len || t[i] != '[' || jspan_walk(t, i + 1, len, out, cap, n, &end) < 0)
		return -EINVAL;
	return jspan_skip_ws(t, end, len) == len ? 0 : -EINVAL;
}

/*
 * The index of the value of the top-level member key (a quoted, escape-free
 * spelling, e.g. "\"records\""), or len when the text is not an object
 * whose members the scanner can walk up to it.
 */
static size_t jspan_member(const char *t, size_t len, const char *key)
{
	size_t i = jspan_skip_ws(t, 0, len), kl = strlen(key);

	if (i >= len || t[i] != '{')
		return len;
	i = jspan_skip_ws(t, i + 1, len);
	while (i < len && t[i] == '"') {
		size_t kend = jspan_skip_string(t, i, len);
		bool match = kend - i == kl && memcmp(t + i, key, kl) == 0;

		i = jspan_skip_ws(t, kend, len);
		if (i >= len || t[i] != ':')
			return len;
		i = jspan_skip_ws(t, i + 1, len);
		if (match)
			return i;
		i = jspan_skip_ws(t, jspan_skip_value(t, i, len), len);
		if (i >= len || t[i] != ',')
			return len;
		i = jspan_skip_ws(t, i + 1, len);
	}
	return len;
}

int jspan_records(const char *t, size_t len, struct jspan *out, size_t n)
{
	size_t i = jspan_skip_ws(t, 0, len);

	if (i < len && t[i] == '[')
		return jspan_elements(t, i + 1, len, out, n);
	i = jspan_member(t, len, "\"records\"");
	return i < len && t[i] == '[' ? jspan_elements(t, i + 1, len, out, n) : -EINVAL;
}

int jspan_member_array(const char *t, size_t len, const char *key, struct jspan *arr,
		       struct jspan *out, size_t cap, size_t *n)
{
	size_t i = jspan_member(t, len, key), end;

	*n = 0;
	if (i >= len || t[i] != '[' || jspan_walk(t, i + 1, len, out, cap, n, &end) < 0)
		return -EINVAL;
	*arr = (struct jspan){ .off = i, .len = end - i };
	return 0;
}
