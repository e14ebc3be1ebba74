/*
 * state.c — servicio's files in its state directory (see state.h).
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define STATE_MAGIC "gestor-kept 1\n"

int state_write(const char *dir, const char *name, const char *buf, size_t len, bool durable,
		char *err, size_t errlen)
{
	char path[4096];
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	/* the directory is made when the write finds it missing, not before
	 * every write (status.json is written each cycle: 4 mkdir calls that
	 * all failed with EEXIST) */
	ret = util_write_atomic(path, buf, len, 0644, durable ? UTIL_ATOMIC_DURABLE : 0);
	if (ret == -ENOENT) {
		ret = util_mkdir_p(dir, 0750);
		if (ret == 0)
			ret = util_write_atomic(path, buf, len, 0644,
						durable ? UTIL_ATOMIC_DURABLE : 0);
	}
	if (ret)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

int state_read(const char *dir, const char *name, size_t max, char **out, size_t *len, char *err,
	       size_t errlen)
{
	char path[4096];
	struct stat st;
	char *buf = NULL;
	ssize_t n = 0;
	int fd, ret = 0;

	*out = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		goto err;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		ret = -EINVAL;
	else if ((size_t)st.st_size > max)
		ret = -EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		ret = -ENOMEM;
	/* one read of at most the size fstat gave, plus one byte: a file that
	 * grew since is too big */
	while (ret == 0 && (size_t)n <= (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - (size_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : 0;
			break;
		}
		n += r;
	}
	if (ret == 0 && (size_t)n > (size_t)st.st_size)
		ret = -EFBIG;
	close(fd);
	if (ret)
		goto err;
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
err:
	free(buf);
	snprintf(err, errlen, "%s: %s", path,
		 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	return ret;
}

char *state_kept_format(const struct decide_kept *k)
{
	size_t cap = sizeof(STATE_MAGIC) + k->n * 72, l;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	l = util_strlcpy(t, STATE_MAGIC, cap) ? strlen(t) : 0;
	for (size_t i = 0; i < k->n; i++)
		l += (size_t)snprintf(t + l, cap - l, "%s %s\n", k->v[i].id,
				      policy_class_name((enum policy_class)k->v[i].cls));
	return t;
}

/* One line "<64 hex> high|low" (without its newline) into c. */
static bool state_kept_line(const char *s, size_t n, struct decide_kept_ctr *c)
{
	if (n < 68 || s[64] != ' ')
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	if (n == 69 && memcmp(s + 65, "high", 4) == 0)
		c->cls = POLICY_HIGH;
	else if (n == 68 && memcmp(s + 65, "low", 3) == 0)
		c->cls = POLICY_LOW;
	else
		return false;
	memcpy(c->id, s, 64);
	c->id[64] = '\0';
	return true;
}

int state_kept_parse(const char *text, size_t len, struct decide_kept *out, char *err,
		     size_t errlen)
{
	size_t ml = sizeof(STATE_MAGIC) - 1, n = 0, lines = 0;
	const char *p = text + ml, *end = text + len;
	struct decide_kept_ctr *v;

	decide_kept_free(out);
	if (len < ml || memcmp(text, STATE_MAGIC, ml) != 0) {
		snprintf(err, errlen, "not a gestor kept file (first line)");
		return -EINVAL;
	}
	for (const char *q = p; q < end; q++)
		lines += *q == '\n';
	if (lines > STATE_KEPT_MAX) {
		snprintf(err, errlen, "%zu lines: more than %d", lines, STATE_KEPT_MAX);
		return -EINVAL;
	}
	v = calloc(lines ? lines : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || !state_kept_line(p, (size_t)(nl - p), &v[n])) {
			snprintf(err, errlen, "line %zu: not \"<container id> high|low\"", n + 2);
			free(v);
			return -EINVAL;
		}
		n++;
		p = nl + 1;
	}
	out->v = v;
	out->n = n;
	return 0;
}

void state_load_kept(struct state *s, struct decide_kept *k)
{
	char err[512], *text;
	size_t len;
	int ret;

	if (!s->dir || !s->dir[0])
		return;
	ret = state_read(s->dir, STATE_KEPT_FILE, STATE_READ_MAX, &text, &len, err, sizeof(err));
	if (ret == -ENOENT) {
		log_info("state: no kept set in %s yet (a first run)", s->dir);
		return;
	}
	if (ret == 0)
		ret = state_kept_parse(text, len, k, err, sizeof(err));
	if (ret) {
		log_warnx("state: %s/" STATE_KEPT_FILE " rejected (%s): starting with no kept set",
			  s->dir, err);
		free(text);
		return;
	}
	log_info("state: %zu kept container%s of the last run read from %s/" STATE_KEPT_FILE, k->n,
		 k->n == 1 ? "" : "s", s->dir);
	free(s->last);
	s->last = text;
}

int state_save_kept(struct state *s, const struct decide_kept *k)
{
	char err[512], *text;
	int ret;

	if (!s->dir || !s->dir[0])
		return 0;
	text = state_kept_format(k);
	if (!text)
		return -ENOMEM;
	if (s->last && strcmp(s->last, text) == 0) {
		free(text);
		return 0;
	}
	ret = state_write(s->dir, STATE_KEPT_FILE, text, strlen(text), true, err, sizeof(err));
	if (ret) {
		if (!s->failed)
			log_warnx("state: cannot save the kept set: %s", err);
		s->failed = true;
		free(text);
		return ret;
	}
	if (s->failed)
		log_info("state: the kept set is saved again in %s", s->dir);
	s->failed = false;
	free(s->last);
	s->last = text;
	return 0;
}

void state_free(struct state *s)
{
	free(s->last);
	s->last = NULL;
}
