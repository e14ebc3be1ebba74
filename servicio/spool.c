/*
 * spool.c — the on-disk queue of undelivered log batches (see spool.h).
 *
 * Durability order, so a crash at any point loses nothing:
 *   append:  write line + '\n', fdatasync, then count it.
 *   deliver: send, then write the new head (tmp file, fsync, rename).
 *   all delivered: truncate the data file, then head = 0 (a head past the
 *            end is read back as 0).
 *   compact: copy the undelivered tail to a tmp file, fsync; head = 0;
 *            rename the tmp file over the data file (a crash in between
 *            resends delivered batches, which admin_logs recognises).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define SPOOL_BACKOFF_MIN_NS 1000000000ull
#define SPOOL_BACKOFF_MAX_NS 30000000000ull

static int head_write(struct spool *sp, uint64_t head)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", head);

	return util_write_atomic(sp->head_path, buf, (size_t)n, 0640, UTIL_ATOMIC_DURABLE);
}

/* Count the lines in [from, size). */
static int count_lines(struct spool *sp, uint64_t from, size_t *out)
{
	char buf[65536];
	uint64_t off = from;
	size_t n = 0;

	while (off < sp->size) {
		ssize_t r = pread(sp->fd, buf, sizeof(buf), (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
		off += (uint64_t)r;
	}
	*out = n;
	return 0;
}

/* Cut a torn last line: keep up to the last '\n'. */
static int cut_torn_tail(struct spool *sp)
{
	char buf[4096];
	uint64_t end = sp->size;

	while (end > 0) {
		size_t chunk = end > sizeof(buf) ? sizeof(buf) : (size_t)end;
		ssize_t r = pread(sp->fd, buf, chunk, (off_t)(end - chunk));
		if (r != (ssize_t)chunk)
			return r < 0 ? -errno : -EIO;
		for (size_t i = chunk; i > 0; i--) {
			if (buf[i - 1] == '\n') {
				end -= chunk - i;
				goto found;
			}
		}
		end -= chunk;
	}
found:
	if (end == sp->size)
		return 0;
	if (ftruncate(sp->fd, (off_t)end) != 0 || fdatasync(sp->fd) != 0)
		return -errno;
	sp->size = end;
	return 1;
}

int spool_open(struct spool *sp, const char *path, uint64_t max_bytes, char *err, size_t errlen)
{
	char dir[512], hb[32];
	struct stat st;
	int ret;

	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->max = max_bytes;
	if (!util_strlcpy(sp->path, path, sizeof(sp->path))) {
		snprintf(err, errlen, "spool path too long");
		return -ENAMETOOLONG;
	}
	snprintf(sp->head_path, sizeof(sp->head_path), "%s.head", path);
	util_strlcpy(dir, path, sizeof(dir));
	ret = util_mkdir_p(dirname(dir), 0750);
	if (ret) {
		snprintf(err, errlen, "spool directory for %s: %s", path, strerror(-ret));
		return ret;
	}
	sp->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (sp->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "spool %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(sp->fd, &st) != 0) {
		ret = -errno;
		goto err;
	}
	sp->size = (uint64_t)st.st_size;
	ret = cut_torn_tail(sp);
	if (ret < 0)
		goto err;
	if (util_read_file_at(AT_FDCWD, sp->head_path, hb, sizeof(hb)) > 0) {
		uint64_t h;
		if (util_parse_u64(hb, NULL, UINT64_MAX, &h) == 0 && h <= sp->size)
			sp->head = h;
	}
	/* a head that is not at a line start (damage) resends from the line start */
	if (sp->head > 0) {
		char c;
		if (pread(sp->fd, &c, 1, (off_t)sp->head - 1) != 1 || c != '\n')
			sp->head = 0;
	}
	ret = count_lines(sp, sp->head, &sp->pending);
	if (ret)
		goto err;
	return 0;
err:
	snprintf(err, errlen, "spool %s: %s", path, strerror(-ret));
	close(sp->fd);
	sp->fd = -1;
	return ret;
}

void spool_close(struct spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	if (sp->pinned)
		close(sp->dirfd);
	sp->pinned = false;
}

int spool_pin(struct spool *sp, char *err, size_t errlen)
{
	char dir[sizeof(sp->path)], path[sizeof(sp->path)];
	char *slash;
	int fd;

	if (sp->pinned || sp->fd < 0)
		return 0;
	util_strlcpy(dir, sp->path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (!slash) {
		snprintf(err, errlen, "spool %s: not a path with a directory", sp->path);
		return -EINVAL;
	}
	*slash = '\0';
	fd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		snprintf(err, errlen, "spool directory %s: %s", dir, strerror(-r));
		return r;
	}
	if (snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fd, slash + 1) >=
	    (int)sizeof(path)) {
		close(fd);
		snprintf(err, errlen, "spool %s: name too long", sp->path);
		return -ENAMETOOLONG;
	}
	util_strlcpy(sp->path, path, sizeof(sp->path));
	snprintf(sp->head_path, sizeof(sp->head_path), "%s.head", path);
	sp->dirfd = fd;
	sp->pinned = true;
	return 0;
}

/* Rewrite the file with only [head, size). */
static int compact(struct spool *sp)
{
	char tmp[540], buf[65536];
	uint64_t off = sp->head;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", sp->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	while (off < sp->size && ret == 0) {
		ssize_t r = pread(sp->fd, buf, sizeof(buf), (off_t)off);
		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		ret = util_write_all(fd, buf, (size_t)r);
		off += (uint64_t)r;
	}
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (ret == 0)
		ret = head_write(sp, 0);
	if (ret == 0 && rename(tmp, sp->path) != 0)
		ret = -errno;
	if (ret) {
		close(fd);
		unlink(tmp);
		return ret;
	}
	close(fd);
	(void)util_fsync_dir_of(sp->path);
	close(sp->fd);
	sp->fd = open(sp->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (sp->fd < 0)
		return -errno;
	sp->size -= sp->head;
	sp->head = 0;
	return 0;
}

int spool_append(struct spool *sp, const char *line, size_t len, char *err, size_t errlen)
{
	int ret;

	if (len == 0 || len >= SPOOL_LINE_MAX || memchr(line, '\n', len)) {
		snprintf(err, errlen, "spool: a batch must be one line under %u bytes",
			 SPOOL_LINE_MAX);
		return -EINVAL;
	}
	if (sp->size + len + 1 > sp->max && sp->head > 0) {
		ret = compact(sp);
		if (ret) {
			snprintf(err, errlen, "spool %s: compacting: %s", sp->path, strerror(-ret));
			return ret;
		}
	}
	if (sp->size + len + 1 > sp->max) {
		sp->dropped++;
		snprintf(err, errlen,
			 "spool %s is FULL (%" PRIu64 " of %" PRIu64
			 " bytes, %zu batches waiting): "
			 "batch DROPPED (%" PRIu64 " dropped so far)",
			 sp->path, sp->size, sp->max, sp->pending, sp->dropped);
		return -ENOSPC;
	}
	/* one write of line + '\n' */
	char *buf = malloc(len + 1);
	if (!buf) {
		snprintf(err, errlen, "spool: out of memory");
		return -ENOMEM;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	ret = util_write_all(sp->fd, buf, len + 1);
	free(buf);
	if (ret == 0 && fdatasync(sp->fd) != 0)
		ret = -errno;
	if (ret) {
		/* take back a partial line so the file stays whole lines */
		if (ftruncate(sp->fd, (off_t)sp->size) != 0)
			(void)0;
		snprintf(err, errlen, "spool %s: write: %s", sp->path, strerror(-ret));
		return ret;
	}
	sp->size += len + 1;
	sp->pending++;
	return 0;
}

/* Read the batch at head into a new buffer (without its '\n'). */
static int read_head_line(struct spool *sp, char **out, size_t *outlen)
{
	size_t cap = 4096, got = 0;
	char *buf = NULL;

	for (;;) {
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		ssize_t r = pread(sp->fd, buf + got, cap - got, (off_t)(sp->head + got));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0) {
			free(buf);
			return -EIO; /* no '\n' before the end: should not happen */
		}
		char *nl = memchr(buf + got, '\n', (size_t)r);
		if (nl) {
			*nl = '\0';
			*out = buf;
			*outlen = (size_t)(nl - buf);
			return 0;
		}
		got += (size_t)r;
		if (cap >= SPOOL_LINE_MAX) {
			free(buf);
			return -EFBIG;
		}
		cap *= 2;
	}
}

void spool_note_failure(struct spool *sp, uint64_t now_ns)
{
	if (sp->backoff_ns == 0)
		sp->backoff_ns = SPOOL_BACKOFF_MIN_NS;
	else if (sp->backoff_ns < SPOOL_BACKOFF_MAX_NS)
		sp->backoff_ns *= 2;
	if (sp->backoff_ns > SPOOL_BACKOFF_MAX_NS)
		sp->backoff_ns = SPOOL_BACKOFF_MAX_NS;
	sp->next_try_ns = now_ns + sp->backoff_ns;
}

/* Mark the head batch (len bytes + '\n') delivered. */
static int advance(struct spool *sp, size_t len)
{
	sp->head += len + 1;
	sp->pending--;
	if (sp->head >= sp->size) {
		if (ftruncate(sp->fd, 0) != 0 || fdatasync(sp->fd) != 0)
			return -errno;
		sp->size = 0;
		sp->head = 0;
		sp->pending = 0;
	}
	return head_write(sp, sp->head);
}

int spool_drain(struct spool *sp, spool_send_fn send, void *ctx, uint64_t now_ns, bool force,
		size_t max_batches, size_t *rejected, char *err, size_t errlen)
{
	int sent = 0, ret;

	if (sp->pending == 0 || (!force && now_ns < sp->next_try_ns))
		return 0;
	while (sp->pending > 0 && (size_t)sent < max_batches) {
		char *line = NULL;
		size_t len = 0;
		enum spool_send r;

		ret = read_head_line(sp, &line, &len);
		if (ret == -EFBIG || ret == -EIO) {
			/* damaged: drop everything from here (cannot find the next line) */
			snprintf(err, errlen, "spool %s: damaged at offset %" PRIu64 ": %s",
				 sp->path, sp->head, strerror(-ret));
			sp->head = sp->size;
			sp->pending = 1;
			advance(sp, 0);
			return ret;
		}
		if (ret) {
			snprintf(err, errlen, "spool %s: read: %s", sp->path, strerror(-ret));
			return ret;
		}
		r = send(ctx, line, len);
		free(line);
		if (r == SPOOL_RETRY) {
			spool_note_failure(sp, now_ns);
			return sent;
		}
		if (r == SPOOL_REJECTED && rejected)
			(*rejected)++;
		ret = advance(sp, len);
		if (ret) {
			snprintf(err, errlen, "spool %s: head update: %s", sp->path,
				 strerror(-ret));
			return ret;
		}
		if (r == SPOOL_SENT)
			sent++;
	}
	sp->backoff_ns = 0;
	sp->next_try_ns = 0;
	return sent;
}
