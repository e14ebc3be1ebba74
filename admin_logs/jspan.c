/*
 * jspan.c — byte ranges of the records in a POST /logs body (see jspan.h).
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

/* i is just past '[': record the elements. */
static int jspan_elements(const char *t, size_t i, size_t len, struct jspan *out, size_t n)
{
	size_t k = 0;

	i = jspan_skip_ws(t, i, len);
	if (i < len && t[i] == ']')
		return n == 0 ? 0 : -EINVAL;
	while (i < len) {
		size_t end = jspan_skip_value(t, i, len);

		if (end >= len || k == n)
			return -EINVAL;
		out[k].off = i;
		out[k].len = end - i;
		k++;
		i = jspan_skip_ws(t, end, len);
		if (i < len && t[i] == ']')
			return k == n ? 0 : -EINVAL;
		if (i >= len || t[i] != ',')
			return -EINVAL;
		i = jspan_skip_ws(t, i + 1, len);
	}
	return -EINVAL;
}

int jspan_records(const char *t, size_t len, struct jspan *out, size_t n)
{
	static const char key[] = "\"records\"";
	size_t i = jspan_skip_ws(t, 0, len);

	if (i < len && t[i] == '[')
		return jspan_elements(t, i + 1, len, out, n);
	if (i >= len || t[i] != '{')
		return -EINVAL;
	i = jspan_skip_ws(t, i + 1, len);
	while (i < len && t[i] == '"') {
		size_t kend = jspan_skip_string(t, i, len);
		bool match = kend - i == sizeof(key) - 1 && memcmp(t + i, key, kend - i) == 0;

		i = jspan_skip_ws(t, kend, len);
		if (i >= len || t[i] != ':')
			return -EINVAL;
		i = jspan_skip_ws(t, i + 1, len);
		if (match)
			return i < len && t[i] == '[' ? jspan_elements(t, i + 1, len, out, n)
						      : -EINVAL;
		i = jspan_skip_ws(t, jspan_skip_value(t, i, len), len);
		if (i >= len || t[i] != ',')
			return -EINVAL;
		i = jspan_skip_ws(t, i + 1, len);
	}
	return -EINVAL;
}
