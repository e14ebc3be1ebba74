/*
 * bpfrec.c — the BPF programs' binary records into a snapshot or the
 * module's JSON (see bpfrec.h). One walker checks every record for its type
 * and size before it is read, and hands each process with its cgroup record
 * to the consumer; nothing trusts a length in a record beyond its field.
 */
#include "bpfrec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/types.h>

#include "../kernel/bpf/sysinfo_bpf.h"
#include "jsonesc.h"

/* The module's percentages: num/den in hundredths, integer arithmetic. */
static uint64_t bpfrec_pct100(uint64_t num, uint64_t den)
{
	uint64_t d;

	if (!den)
		return 0;
	if (num <= UINT64_MAX / 10000)
		return num * 10000 / den;
	d = den / 10000;
	return num / (d ? d : 1);
}

/* cpu_pct's time base, as the module's: the time since the start when the runtime was read */
static uint64_t bpfrec_age(const struct si_wproc *w)
{
	return w->sample_ns > w->start_time_ns ? w->sample_ns - w->start_time_ns : 0;
}

/* A consumer of the walk: called for each process with its cgroup record. */
typedef int (*bpfrec_fn)(void *ctx, const struct si_rhdr *h, const struct si_wcg *cg,
			 const struct si_wproc *w);

/* the bytes of path a cgroup record holds (path_len is the whole path's length) */
static size_t bpfrec_path_len(const struct si_wcg *c)
{
	return c->path_len > SI_W_PATH_MAX ? SI_W_PATH_MAX : c->path_len;
}

static bool bpfrec_id_ok(const char *id, bool need)
{
	static const char none[SI_W_ID_LEN];

	if (!need && memcmp(id, none, SI_W_ID_LEN) == 0)
		return true;
	for (size_t i = 0; i < SI_W_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

size_t bpfrec_end(const void *buf, size_t len, size_t *off)
{
	const unsigned char *b = buf;
	uint32_t type;
	size_t size;

	if (*off == 0)
		*off = sizeof(struct si_rhdr);
	while (*off + sizeof(type) <= len) {
		memcpy(&type, b + *off, sizeof(type));
		size = type == SI_WREC_CG     ? sizeof(struct si_wcg)
		       : type == SI_WREC_PROC ? sizeof(struct si_wproc)
		       : type == SI_WREC_END  ? sizeof(struct si_rend)
					      : 0;
		if (size == 0)
			return 0; /* not records: left to bpfrec_check */
		if (*off + size > len)
			return 0;
		*off += size;
		if (type == SI_WREC_END)
			return *off;
	}
	return 0;
}

/* The header at the start of b (len bytes) into h: NULL, or what is wrong. */
static const char *bpfrec_header(const unsigned char *b, size_t len, struct si_rhdr *h)
{
	if (len < sizeof(*h))
		return "no header";
	memcpy(h, b, sizeof(*h));
	if (h->type != SI_WREC_HDR || h->magic != SI_MAGIC || h->version != SI_REC_VERSION ||
	    h->cg_size != sizeof(struct si_wcg) || h->proc_size != sizeof(struct si_wproc))
		return "not a header of this format (magic, version or record sizes differ)";
	return NULL;
}

/* The cgroup record at b (left bytes to the end) into c: NULL, or what is wrong. */
static const char *bpfrec_cg(const unsigned char *b, size_t left, const struct si_rhdr *h,
			     struct si_wcg *c)
{
	if (left < sizeof(*c))
		return "cut cgroup";
	memcpy(c, b, sizeof(*c));
	if (!bpfrec_id_ok(c->id, h->flags & SI_HDR_CONTAINERS_ONLY) ||
	    c->path_len > SI_W_PATH_FULL_MAX)
		return "bad container id or path length";
	return NULL;
}

/*
 * The process record at b (left bytes to the end), in cgroup c (NULL: none
 * yet), handed to fn: NULL, or what is wrong (*ret: fn's error, if it was).
 */
static const char *bpfrec_proc(const unsigned char *b, size_t left, const struct si_rhdr *h,
			       const struct si_wcg *c, bpfrec_fn fn, void *ctx, int *ret)
{
	struct si_wproc w;
	int r;

	if (left < sizeof(w))
		return "cut process";
	if (!c)
		return "process before any cgroup";
	memcpy(&w, b, sizeof(w));
	if (w.pid == 0 || w.pid > INT32_MAX || w.ppid > INT32_MAX || w.state <= ' ' ||
	    w.state > '~')
		return "bad pid or state";
	r = fn ? fn(ctx, h, c, &w) : 0;
	if (r < 0) {
		*ret = r;
		return r == -ENOMEM ? "out of memory" : "cannot write";
	}
	return NULL;
}

static int bpfrec_walk(const void *buf, size_t len, struct si_rhdr *h, bpfrec_fn fn, void *ctx,
		       char *err, size_t errlen)
{
	const unsigned char *b = buf;
	struct si_wcg c;
	bool have_cg = false;
	const char *what = bpfrec_header(b, len, h);
	size_t off;
	int ret = -EINVAL;

	for (off = what ? 0 : sizeof(*h); !what && off < len;) {
		uint32_t type;

		if (len - off < sizeof(type)) {
			what = "cut record";
			break;
		}
		memcpy(&type, b + off, sizeof(type));
		if (type == SI_WREC_END) {
			if (len - off == sizeof(struct si_rend))
				return 0;
			what = "bytes after the end record";
		} else if (type == SI_WREC_CG) {
			what = bpfrec_cg(b + off, len - off, h, &c);
			have_cg = have_cg || !what;
			off += what ? 0 : sizeof(c);
		} else if (type == SI_WREC_PROC) {
			what = bpfrec_proc(b + off, len - off, h, have_cg ? &c : NULL, fn, ctx,
					   &ret);
			off += what ? 0 : sizeof(struct si_wproc);
		} else {
			what = "unknown record type";
		}
	}
	if (!what)
		what = "no end record (the read stopped early)";
	snprintf(err, errlen, "BPF records: at byte %zu: %s", off, what);
	return ret;
}

int bpfrec_check(const void *buf, size_t len, uint32_t *flags, char *err, size_t errlen)
{
	struct si_rhdr h;
	int ret = bpfrec_walk(buf, len, &h, NULL, NULL, err, errlen);

	if (ret == 0 && flags)
		*flags = h.flags;
	return ret;
}

struct bpfrec_snap {
	struct snapshot *out;
	struct si_wcg last; /* the cgroup record whose path is last_path */
	const char *last_path;
};

static int bpfrec_add(void *ctx, const struct si_rhdr *h, const struct si_wcg *c,
		      const struct si_wproc *w)
{
	struct bpfrec_snap *st = ctx;
	struct snapshot *out = st->out;
	struct snap_proc *p;
	char dec[SNAP_CGROUP_MAX];
	size_t n;

	(void)h;
	if (!st->last_path || st->last.path_len != c->path_len ||
	    memcmp(st->last.path, c->path, bpfrec_path_len(c)) != 0) {
		/* a cut path ends with U+EF00, as the module's document says it */
		n = jsonesc_decode(c->path, bpfrec_path_len(c), c->path_len > SI_W_PATH_MAX, true,
				   dec, sizeof(dec));
		st->last_path = snapshot_strdup(out, dec, n);
		if (!st->last_path)
			return -ENOMEM;
		st->last = *c;
	}
	p = snapshot_add_proc(out);
	if (!p)
		return -ENOMEM;
	p->pid = (int32_t)w->pid;
	p->ppid = (int32_t)w->ppid;
	p->uid = w->uid;
	p->threads = w->threads;
	n = strnlen(w->comm, sizeof(w->comm));
	snapshot_decode_raw(w->comm, n, p->name, sizeof(p->name));
	p->state[0] = w->state;
	if (c->id[0]) {
		memcpy(p->container_id, c->id, GESTOR_CTR_ID_LEN);
		p->container_id[GESTOR_CTR_ID_LEN] = '\0';
	}
	p->cgroup = st->last_path;
	p->vsz_kb = w->vsz_kb;
	p->rss_kb = w->rss_kb;
	p->mem_pct = (double)bpfrec_pct100(w->rss_kb, out->mem.total_kb) / 100.0;
	p->cpu_time_ns = w->cpu_time_ns;
	p->start_time_ns = w->start_time_ns;
	p->cpu_pct = (double)bpfrec_pct100(w->cpu_time_ns, bpfrec_age(w)) / 100.0;
	p->sample_ns = w->sample_ns;
	p->memcg_ino = w->memcg_id;
	p->memcg_bytes = w->memcg_bytes;
	return 0;
}

int bpfrec_parse_buf(const void *buf, size_t len, int64_t realtime_off_ns, struct snapshot *out,
		     char *err, size_t errlen)
{
	struct bpfrec_snap st = { .out = out };
	struct si_rhdr h;
	int ret;

	if (len >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		out->boottime_ns = h.boottime_ns;
	}
	out->version = SNAP_FORMAT_VERSION;
	out->timestamp_ns = (uint64_t)((int64_t)out->boottime_ns + realtime_off_ns);
	ret = bpfrec_walk(buf, len, &h, bpfrec_add, &st, err, errlen);
	if (ret == 0 && snapshot_group(out, h.flags & SI_HDR_CONTAINERS_ONLY) < 0) {
		snprintf(err, errlen, "BPF records: out of memory");
		ret = -ENOMEM;
	}
	if (ret < 0)
		snapshot_free(out);
	return ret;
}

struct bpfrec_json {
	FILE *f;
	uint64_t total_kb;
	bool listed;
};

static void bpfrec_put_pct(FILE *f, const char *key, uint64_t p100)
{
	fprintf(f, "%s%" PRIu64 ".%02u", key, p100 / 100, (unsigned)(p100 % 100));
}

static int bpfrec_print_proc(void *ctx, const struct si_rhdr *h, const struct si_wcg *c,
			     const struct si_wproc *w)
{
	struct bpfrec_json *j = ctx;
	FILE *f = j->f;

	(void)h;
	fprintf(f, "%s\n{\"pid\":%u,\"ppid\":%u,\"name\":", j->listed ? "," : "", w->pid, w->ppid);
	jsonesc_write(f, w->comm, strnlen(w->comm, sizeof(w->comm)), false, false);
	fprintf(f, ",\"cmdline\":\"\",\"state\":\"%c\",\"uid\":%u,\"threads\":%u", w->state, w->uid,
		w->threads);
	fprintf(f, ",\"container_id\":\"%.*s\",\"cgroup\":", c->id[0] ? SI_W_ID_LEN : 0, c->id);
	jsonesc_write(f, c->path, bpfrec_path_len(c), c->path_len > SI_W_PATH_MAX, true);
	fprintf(f, ",\"vsz_kb\":%" PRIu64 ",\"rss_kb\":%" PRIu64, (uint64_t)w->vsz_kb,
		(uint64_t)w->rss_kb);
	bpfrec_put_pct(f, ",\"mem_pct\":", bpfrec_pct100(w->rss_kb, j->total_kb));
	fprintf(f, ",\"cpu_time_ns\":%" PRIu64, (uint64_t)w->cpu_time_ns);
	bpfrec_put_pct(f, ",\"cpu_pct\":", bpfrec_pct100(w->cpu_time_ns, bpfrec_age(w)));
	fprintf(f, ",\"start_time_ns\":%" PRIu64 "}", (uint64_t)w->start_time_ns);
	j->listed = true;
	return ferror(f) ? -EIO : 0;
}

int bpfrec_print_json(FILE *f, const void *buf, size_t len, int64_t realtime_off_ns,
		      const struct snapshot *m, char *err, size_t errlen)
{
	struct bpfrec_json j = { .f = f, .total_kb = m->mem.total_kb };
	struct si_rhdr h;
	int ret = bpfrec_check(buf, len, NULL, err, errlen);

	if (ret < 0)
		return ret;
	memcpy(&h, buf, sizeof(h));
	fprintf(f,
		"{\"version\":%d,\"timestamp_ns\":%" PRIu64 ",\"boottime_ns\":%" PRIu64
		",\"cpus\":%u,\"hz\":%u,\"containers_only\":%s,\"producer\":\"bpf\",\"args\":false,"
		"\n",
		SNAP_FORMAT_VERSION, (uint64_t)((int64_t)h.boottime_ns + realtime_off_ns),
		(uint64_t)h.boottime_ns, m->cpus, m->hz,
		h.flags & SI_HDR_CONTAINERS_ONLY ? "true" : "false");
	fprintf(f,
		"\"memory\":{\"total_kb\":%" PRIu64 ",\"free_kb\":%" PRIu64
		",\"available_kb\":%" PRIu64 ",\"used_kb\":%" PRIu64 ",\"buffers_kb\":%" PRIu64
		",\"cached_kb\":%" PRIu64 ",\"swap_total_kb\":%" PRIu64 ",\"swap_free_kb\":%" PRIu64
		"},\n",
		m->mem.total_kb, m->mem.free_kb, m->mem.available_kb, m->mem.used_kb,
		m->mem.buffers_kb, m->mem.cached_kb, m->mem.swap_total_kb, m->mem.swap_free_kb);
	fprintf(f,
		"\"cpu\":{\"user_ns\":%" PRIu64 ",\"nice_ns\":%" PRIu64 ",\"system_ns\":%" PRIu64
		",\"idle_ns\":%" PRIu64 ",\"iowait_ns\":%" PRIu64 ",\"irq_ns\":%" PRIu64
		",\"softirq_ns\":%" PRIu64 ",\"steal_ns\":%" PRIu64 "},\n\"processes\":[",
		m->cpu.user_ns, m->cpu.nice_ns, m->cpu.system_ns, m->cpu.idle_ns, m->cpu.iowait_ns,
		m->cpu.irq_ns, m->cpu.softirq_ns, m->cpu.steal_ns);
	ret = bpfrec_walk(buf, len, &h, bpfrec_print_proc, &j, err, errlen);
	if (ret < 0)
		return ret;
	fputs("\n]}\n", f);
	return ferror(f) ? -EIO : 0;
}

bool bpfrec_covers(const struct snapshot *task, const struct snapshot *walk, char *why,
		   size_t whylen)
{
	for (size_t i = 0; i < task->nctrs; i++)
		if (!snapshot_find_ctr(walk, task->ctrs[i].id)) {
			snprintf(why, whylen,
				 "cgroup walk missed container %.12s (not in cgroup v2?)",
				 task->ctrs[i].id);
			return false;
		}
	return true;
}
