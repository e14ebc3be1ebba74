/*
 * bpfwalk.c — the cgroup walk's binary records into a snapshot (see
 * bpfwalk.h). Each record is checked for its type and size before it is
 * read; a process record must follow a cgroup record; a container id must
 * be 64 lowercase hex digits. Nothing here trusts the lengths in a record
 * beyond their fields' sizes.
 */
#include "bpfwalk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/types.h>

#include "../kernel/bpf/sysinfo_bpf.h"
#include "util.h"

/* The module's percentages: num/den in hundredths, integer arithmetic. */
static double bpfwalk_pct(uint64_t num, uint64_t den)
{
	uint64_t h, d;

	if (!den)
		return 0.0;
	if (num <= UINT64_MAX / 10000) {
		h = num * 10000 / den;
	} else {
		d = den / 10000;
		h = num / (d ? d : 1);
	}
	return (double)h / 100.0;
}

static int bpfwalk_fail(struct snapshot *out, char *err, size_t errlen, int ret, size_t off,
			const char *what)
{
	snprintf(err, errlen, "cgroup walk records: at byte %zu: %s", off, what);
	snapshot_free(out);
	return ret;
}

/* The process record w of the cgroup whose id and path are given. */
static int bpfwalk_proc(struct snapshot *out, const struct si_wproc *w, const char *id,
			const char *path)
{
	struct snap_proc *p = snapshot_add_proc(out);
	size_t n;

	if (!p)
		return -ENOMEM;
	if (w->pid == 0 || w->pid > INT32_MAX || w->ppid > INT32_MAX)
		return -EINVAL;
	p->pid = (int32_t)w->pid;
	p->ppid = (int32_t)w->ppid;
	p->uid = w->uid;
	p->threads = w->threads;
	n = strnlen(w->comm, sizeof(w->comm));
	snapshot_decode_raw(w->comm, n, p->name, sizeof(p->name));
	if (w->state <= ' ' || w->state > '~')
		return -EINVAL;
	p->state[0] = w->state;
	memcpy(p->container_id, id, SNAP_CTR_ID_LEN + 1);
	p->cgroup = path;
	p->vsz_kb = w->vsz_kb;
	p->rss_kb = w->rss_kb;
	p->mem_pct = bpfwalk_pct(w->rss_kb, out->mem.total_kb);
	p->cpu_time_ns = w->cpu_time_ns;
	p->start_time_ns = w->start_time_ns;
	p->cpu_pct = bpfwalk_pct(w->cpu_time_ns, out->boottime_ns > w->start_time_ns
							 ? out->boottime_ns - w->start_time_ns
							 : 0);
	return 0;
}

int bpfwalk_parse_buf(const void *buf, size_t len, int64_t realtime_off_ns, struct snapshot *out,
		      char *err, size_t errlen)
{
	const unsigned char *b = buf;
	char id[SNAP_CTR_ID_LEN + 1] = "", dec[SNAP_CGROUP_MAX];
	const char *path = NULL;
	struct si_whdr h;
	size_t off;
	int ret;

	if (len < sizeof(h))
		return bpfwalk_fail(out, err, errlen, -EINVAL, 0, "no header");
	memcpy(&h, b, sizeof(h));
	out->version = SNAP_FORMAT_VERSION;
	out->boottime_ns = h.boottime_ns;
	out->timestamp_ns = (uint64_t)((int64_t)h.boottime_ns + realtime_off_ns);
	for (off = sizeof(h); off < len;) {
		uint32_t type;

		if (len - off < sizeof(type))
			return bpfwalk_fail(out, err, errlen, -EINVAL, off, "cut record");
		memcpy(&type, b + off, sizeof(type));
		if (type == SI_WREC_CG) {
			struct si_wcg c;

			if (len - off < sizeof(c))
				return bpfwalk_fail(out, err, errlen, -EINVAL, off, "cut cgroup");
			memcpy(&c, b + off, sizeof(c));
			memcpy(id, c.id, SI_W_ID_LEN);
			id[SNAP_CTR_ID_LEN] = '\0';
			if (!util_is_hex(id, SNAP_CTR_ID_LEN) || c.path_len > SI_W_PATH_MAX)
				return bpfwalk_fail(out, err, errlen, -EINVAL, off,
						    "bad container id or path length");
			snapshot_decode_raw(c.path, c.path_len, dec, sizeof(dec));
			path = snapshot_strdup(out, dec, strlen(dec));
			if (!path)
				return bpfwalk_fail(out, err, errlen, -ENOMEM, off,
						    "out of memory");
			off += sizeof(c);
		} else if (type == SI_WREC_PROC) {
			struct si_wproc w;

			if (len - off < sizeof(w))
				return bpfwalk_fail(out, err, errlen, -EINVAL, off, "cut process");
			if (!path)
				return bpfwalk_fail(out, err, errlen, -EINVAL, off,
						    "process before any cgroup");
			memcpy(&w, b + off, sizeof(w));
			ret = bpfwalk_proc(out, &w, id, path);
			if (ret < 0)
				return bpfwalk_fail(out, err, errlen, ret, off,
						    ret == -ENOMEM ? "out of memory"
								   : "bad pid or state");
			off += sizeof(w);
		} else {
			return bpfwalk_fail(out, err, errlen, -EINVAL, off, "unknown record type");
		}
	}
	if (snapshot_group(out, true) < 0)
		return bpfwalk_fail(out, err, errlen, -ENOMEM, off, "out of memory");
	return 0;
}

bool bpfwalk_covers(const struct snapshot *task, const struct snapshot *walk, char *why,
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
