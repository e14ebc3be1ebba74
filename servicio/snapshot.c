/*
 * snapshot.c — the snapshot model's plumbing: source selection (module file
 * or procfs, and the sentence saying why), taking a snapshot with the chosen
 * source, grouping processes per container, lookups and freeing. The two
 * sources themselves are modsrc.c and procfs.c.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modsrc.h"
#include "cgroupid.h"
#include "procfs.h"
#include "util.h"

/*
 * The BPF source (bpfsrc.c), weak: programs linked without it (the fuzzers,
 * the static collector of the VM suite, the metrics benchmark) have no BPF
 * source, and auto goes from the module to procfs.
 */
__attribute__((weak)) int bpfsrc_shared_select(bool forced, char *why, size_t whylen);
__attribute__((weak)) int bpfsrc_shared_read(bool containers_only, struct snapshot *out, char *err,
					     size_t errlen);

static int snapshot_bpf_select(bool forced, char *why, size_t whylen)
{
	if (!bpfsrc_shared_select) {
		snprintf(why, whylen, "%sthis program is built without the BPF source",
			 forced ? "bpf forced but " : "");
		return -ENOTSUP;
	}
	return bpfsrc_shared_select(forced, why, whylen);
}

static const char *snapshot_module_path(const struct snap_config *cfg)
{
	return cfg && cfg->module_path ? cfg->module_path : SNAP_MODULE_PATH;
}

int snapshot_select(const struct snap_config *cfg, enum snap_source *out, char *why, size_t whylen)
{
	enum snap_source_pref pref = cfg ? cfg->pref : SNAP_PREF_AUTO;
	const char *path = snapshot_module_path(cfg);

	switch (pref) {
	case SNAP_PREF_PROCFS:
		*out = SNAP_SRC_PROCFS;
		snprintf(why, whylen, "procfs forced by configuration");
		return 0;
	case SNAP_PREF_MODULE:
		*out = SNAP_SRC_MODULE;
		if (access(path, R_OK) != 0) {
			int e = errno;
			snprintf(why, whylen, "module forced but %s is not readable: %s", path,
				 strerror(e));
			return -e;
		}
		snprintf(why, whylen, "module forced by configuration (%s)", path);
		return 0;
	case SNAP_PREF_BPF:
		*out = SNAP_SRC_BPF;
		return snapshot_bpf_select(true, why, whylen);
	case SNAP_PREF_AUTO:
	default:
		break;
	}
	if (access(path, R_OK) == 0) {
		*out = SNAP_SRC_MODULE;
		snprintf(why, whylen, "module file %s is present", path);
		return 0;
	}
	int e = errno;
	char bwhy[120] = "a fixture /proc tree is read";

	/* BPF reads the live system: not when a fixture tree stands for /proc */
	if ((!cfg || !cfg->proc_root) && snapshot_bpf_select(false, bwhy, sizeof(bwhy)) == 0) {
		*out = SNAP_SRC_BPF;
		snprintf(why, whylen, "module file %s is %s; %s", path,
			 e == ENOENT ? "absent" : strerror(e), bwhy);
		return 0;
	}
	*out = SNAP_SRC_PROCFS;
	snprintf(why, whylen, "module file %s is %s, BPF unusable (%s): using procfs", path,
		 e == ENOENT ? "absent (module not loaded)" : strerror(e), bwhy);
	return 0;
}

int snapshot_take(const struct snap_config *cfg, struct snapshot *out, char *err, size_t errlen)
{
	const char *root = cfg && cfg->proc_root ? cfg->proc_root : SNAP_PROC_ROOT;
	bool ctr_only = cfg && cfg->containers_only;
	struct procfs_opts popts = { .containers_only = ctr_only,
				     .skip_details = cfg && cfg->skip_details,
				     .skip = cfg ? cfg->skip : NULL };
	enum snap_source src;
	char why[sizeof(out->source_why)];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = snapshot_select(cfg, &src, why, sizeof(why));
	if (ret < 0) {
		snprintf(err, errlen, "%s", why);
		return ret;
	}
	if (src == SNAP_SRC_BPF) {
		ret = bpfsrc_shared_read(ctr_only, out, err, errlen);
		if (ret < 0)
			return ret;
		goto done;
	}
	if (src == SNAP_SRC_MODULE) {
		char merr[256];

		ret = modsrc_read(snapshot_module_path(cfg), out, merr, sizeof(merr));
		if (ret == 0)
			goto done;
		if (cfg && cfg->pref == SNAP_PREF_MODULE) {
			snprintf(err, errlen, "module source: %s", merr);
			return ret;
		}
		snprintf(why, sizeof(why), "module file unusable (%.100s): using procfs", merr);
	}
	ret = procfs_snapshot_opts(root, &popts, out, err, errlen);
	if (ret < 0)
		return ret;
done:
	util_strlcpy(out->source_why, why, sizeof(out->source_why));
	/* the procfs walk already kept only the containers' processes */
	if (ctr_only && out->source != SNAP_SRC_PROCFS) {
		ret = snapshot_group(out, true);
		if (ret < 0) {
			snapshot_free(out);
			snprintf(err, errlen, "out of memory grouping processes");
			return ret;
		}
	}
	return 0;
}

void snapshot_free(struct snapshot *s)
{
	free(s->procs);
	free(s->ctrs);
	memset(s, 0, sizeof(*s));
}

struct snap_proc *snapshot_add_proc(struct snapshot *s)
{
	struct snap_proc *p;

	if (s->nprocs == s->procs_cap) {
		size_t ncap = s->procs_cap ? s->procs_cap * 2 : 256;
		struct snap_proc *n = realloc(s->procs, ncap * sizeof(*n));
		if (!n)
			return NULL;
		s->procs = n;
		s->procs_cap = ncap;
	}
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->ctr = -1;
	return p;
}

static int snapshot_cmp_pid(const void *a, const void *b)
{
	const struct snap_proc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int snapshot_cmp_ctr(const void *a, const void *b)
{
	const struct snap_ctr *x = a, *y = b;
	return strcmp(x->id, y->id);
}

/* The container's directory from a process's cgroup path, "" if unknown. */
static void snapshot_ctr_dir(const struct snap_proc *p, char *out, size_t cap)
{
	char id[SNAP_CTR_ID_LEN + 1];
	size_t n;

	out[0] = '\0';
	if (!p->cgroup[0] || !cgroupid_from_path(p->cgroup, id, &n) ||
	    strcmp(id, p->container_id) != 0)
		return;
	if (n >= cap)
		return;
	memcpy(out, p->cgroup, n);
	out[n] = '\0';
}

int snapshot_group(struct snapshot *s, bool containers_only)
{
	size_t i, j, n = 0;
	struct snap_ctr *ctrs = NULL;

	if (s->nprocs > 1)
		qsort(s->procs, s->nprocs, sizeof(*s->procs), snapshot_cmp_pid);
	/* drop duplicate pids and, if asked, processes outside containers */
	for (i = 0, j = 0; i < s->nprocs; i++) {
		if (j > 0 && s->procs[j - 1].pid == s->procs[i].pid)
			continue;
		if (containers_only && !s->procs[i].container_id[0])
			continue;
		if (i != j)
			s->procs[j] = s->procs[i];
		j++;
	}
	s->nprocs = j;

	/* distinct ids: sort a copy of the per-process ids */
	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].container_id[0])
			n++;
	if (n) {
		ctrs = calloc(n, sizeof(*ctrs));
		if (!ctrs)
			return -ENOMEM;
		n = 0;
		for (i = 0; i < s->nprocs; i++)
			if (s->procs[i].container_id[0])
				memcpy(ctrs[n++].id, s->procs[i].container_id, SNAP_CTR_ID_LEN + 1);
		qsort(ctrs, n, sizeof(*ctrs), snapshot_cmp_ctr);
		for (i = 0, j = 0; i < n; i++) {
			if (j > 0 && strcmp(ctrs[j - 1].id, ctrs[i].id) == 0)
				continue;
			if (i != j)
				memcpy(ctrs[j].id, ctrs[i].id, sizeof(ctrs[j].id));
			j++;
		}
		n = j;
	}
	free(s->ctrs);
	s->ctrs = ctrs;
	s->nctrs = n;
	for (i = 0; i < s->nprocs; i++) {
		struct snap_proc *p = &s->procs[i];
		struct snap_ctr *c;

		p->ctr = -1;
		if (!p->container_id[0])
			continue;
		c = (struct snap_ctr *)snapshot_find_ctr(s, p->container_id);
		if (!c)
			continue;
		p->ctr = (int32_t)(c - s->ctrs);
		c->nprocs++;
		c->rss_kb += p->rss_kb;
		c->vsz_kb += p->vsz_kb;
		c->cpu_time_ns += p->cpu_time_ns;
		if (!c->cgroup[0])
			snapshot_ctr_dir(p, c->cgroup, sizeof(c->cgroup));
	}
	return 0;
}

const struct snap_proc *snapshot_find_proc(const struct snapshot *s, int32_t pid)
{
	size_t lo = 0, hi = s->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->procs[mid].pid == pid)
			return &s->procs[mid];
		if (s->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct snap_ctr *snapshot_find_ctr(const struct snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->nctrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->ctrs[mid].id, id);
		if (c == 0)
			return &s->ctrs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct snap_ctr *snapshot_find_ctr_prefix(const struct snapshot *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < s->nctrs; i++)
		if (strncmp(s->ctrs[i].id, prefix, n) == 0)
			return &s->ctrs[i];
	return NULL;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid (the module's rules). */
static size_t snapshot_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t snapshot_decode_raw(const char *raw, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t i = 0, o = 0;

	if (cap == 0)
		return 0;
	while (i < n) {
		size_t len = snapshot_utf8_len(s + i, n - i);

		if (len) {
			if (o + len >= cap)
				break;
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		} else {
			if (o + 2 >= cap)
				break;
			out[o++] = (char)(0xc0 | (s[i] >> 6));
			out[o++] = (char)(0x80 | (s[i] & 0x3f));
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

const char *snapshot_source_name(enum snap_source src)
{
	return src == SNAP_SRC_MODULE ? "module" : src == SNAP_SRC_BPF ? "bpf" : "procfs";
}

bool snapshot_pref_parse(const char *s, enum snap_source_pref *out)
{
	if (strcmp(s, "auto") == 0)
		*out = SNAP_PREF_AUTO;
	else if (strcmp(s, "module") == 0)
		*out = SNAP_PREF_MODULE;
	else if (strcmp(s, "procfs") == 0)
		*out = SNAP_PREF_PROCFS;
	else if (strcmp(s, "bpf") == 0)
		*out = SNAP_PREF_BPF;
	else
		return false;
	return true;
}
