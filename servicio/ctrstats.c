/*
 * ctrstats.c — CPU rates between two snapshots and per-container figures:
 * process matching by pid + start time, container CPU % from the sum of its
 * processes' cpu_time_ns deltas, system CPU %, and the cgroup memory usage as
 * docker stats computes it (usage minus inactive file pages). See ctrstats.h.
 */
#include "ctrstats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgfds.h"
#include "util.h"

bool ctrstats_sys_cpu(const struct snap_cpu *prev, const struct snap_cpu *cur, double *pct)
{
	uint64_t pidle = prev->idle_ns + prev->iowait_ns, cidle = cur->idle_ns + cur->iowait_ns;
	uint64_t pbusy = prev->user_ns + prev->nice_ns + prev->system_ns + prev->irq_ns +
			 prev->softirq_ns + prev->steal_ns;
	uint64_t cbusy = cur->user_ns + cur->nice_ns + cur->system_ns + cur->irq_ns +
			 cur->softirq_ns + cur->steal_ns;
	uint64_t dbusy, didle;

	/* a counter going backwards (iowait may, on some kernels) counts as 0 */
	dbusy = cbusy > pbusy ? cbusy - pbusy : 0;
	didle = cidle > pidle ? cidle - pidle : 0;
	if (dbusy + didle == 0)
		return false;
	*pct = 100.0 * (double)dbusy / (double)(dbusy + didle);
	return true;
}

void ctrstats_free(struct ctrstats *st)
{
	free(st->proc_cpu_pct);
	free(st->ctrs);
	memset(st, 0, sizeof(*st));
}

/* The CPU % of each process of cur against prev over dt ns (rates: both
 * from one source), summed into its container's when that has a rate. */
static void ctrstats_proc_rates(const struct snapshot *prev, const struct snapshot *cur, bool rates,
				double dt, struct ctrstats *out)
{
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct snap_proc *p = &cur->procs[i], *q;
		double pdt = dt, pct;

		out->proc_cpu_pct[i] = NAN;
		if (!rates)
			continue;
		q = snapshot_find_proc(prev, p->pid);
		if (q && q->start_time_ns == p->start_time_ns && p->cpu_time_ns >= q->cpu_time_ns) {
			/* each process over the time between its own two reads when
			 * the source says (a procfs walk takes a while) */
			if (p->sample_ns && q->sample_ns && p->sample_ns > q->sample_ns)
				pdt = (double)(p->sample_ns - q->sample_ns);
			pct = 100.0 * (double)(p->cpu_time_ns - q->cpu_time_ns) / pdt;
			out->proc_cpu_pct[i] = pct;
		} else if (p->start_time_ns > prev->boottime_ns) {
			/* born during the interval: all its CPU time is in it */
			pct = 100.0 * (double)p->cpu_time_ns / dt;
		} else {
			/* older than the previous snapshot but not in it (moved into
			 * the container, or missed): nothing to subtract from */
			continue;
		}
		if (p->ctr >= 0 && out->ctrs[p->ctr].has_cpu)
			out->ctrs[p->ctr].cpu_pct += pct;
	}
}

/* Each container's cgroup memory (through the kept descriptors when fds),
 * else its RSS share of the machine's RAM. */
static void ctrstats_memory(const struct snapshot *cur, const char *cgroot, struct cgfds *fds,
			    struct ctrstats *out)
{
	uint64_t ram = cur->mem.total_kb * 1024;

	for (size_t i = 0; i < out->nctrs; i++) {
		struct ctr_stat *cs = &out->ctrs[i];
		int ret;

		cs->mem_kb = cs->ctr->rss_kb;
		if (!cgroot[0])
			continue;
		struct cgfds_given given = { cs->ctr->memcg_ino, cs->ctr->memcg_bytes };

		ret = fds ? cgfds_read(fds, cgroot, cs->ctr->cgroup, cs->ctr->id, ram, &given,
				       &cs->mem)
			  : cgmem_read(cgroot, cs->ctr->cgroup, cs->ctr->id, ram, &cs->mem);
		if (ret == 0) {
			cs->has_mem = true;
			cs->mem_kb = cs->mem.usage / 1024;
			cs->mem_pct = cs->mem.limit ? 100.0 * (double)cs->mem.usage /
							      (double)cs->mem.limit
						    : 0;
		} else if (ram) {
			cs->mem_pct = 100.0 * (double)cs->ctr->rss_kb * 1024.0 / (double)ram;
		}
	}
}

/* The arrays of out, each container's stat pointed at its snap_ctr. */
static int ctrstats_alloc(const struct snapshot *prev, const struct snapshot *cur, bool rates,
			  struct ctrstats *out)
{
	if (cur->nprocs && !(out->proc_cpu_pct = malloc(cur->nprocs * sizeof(double))))
		return -ENOMEM;
	if (cur->nctrs && !(out->ctrs = calloc(cur->nctrs, sizeof(*out->ctrs))))
		return -ENOMEM;
	out->nctrs = cur->nctrs;
	for (size_t i = 0; i < cur->nctrs; i++) {
		struct ctr_stat *cs = &out->ctrs[i];
		const struct snap_ctr *sc = &cur->ctrs[i];

		cs->ctr = sc;
		cs->has_cpu = rates && prev && snapshot_find_ctr(prev, sc->id) != NULL;
	}
	return 0;
}

int ctrstats_compute(const struct snapshot *prev, const struct snapshot *cur,
		     const struct ctrstats_opts *opts, struct ctrstats *out, char *err,
		     size_t errlen)
{
	const char *cgroot = opts && opts->cgroup_root ? opts->cgroup_root : CGMEM_ROOT;
	struct cgfds *fds = opts && cgroot[0] ? opts->fds : NULL;
	bool rates;

	memset(out, 0, sizeof(*out));
	if (prev && prev->boottime_ns > cur->boottime_ns) {
		snprintf(err, errlen, "previous snapshot is newer than the current one");
		return -EINVAL;
	}
	rates = prev && prev->source == cur->source && cur->boottime_ns > prev->boottime_ns;
	if (rates) {
		out->interval_ns = cur->boottime_ns - prev->boottime_ns;
		out->has_sys_cpu = ctrstats_sys_cpu(&prev->cpu, &cur->cpu, &out->sys_cpu_pct);
	}
	if (ctrstats_alloc(prev, cur, rates, out) < 0) {
		ctrstats_free(out);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ctrstats_proc_rates(prev, cur, rates, (double)out->interval_ns, out);
	if (fds)
		cgfds_begin(fds);
	ctrstats_memory(cur, cgroot, fds, out);
	if (fds)
		cgfds_end(fds); /* containers gone: their files close */
	return 0;
}

const struct ctr_stat *ctrstats_find(const struct ctrstats *st, const char *id)
{
	size_t n = strlen(id);

	size_t lo = 0, hi = st->nctrs;

	if (n < 12 || n > GESTOR_CTR_ID_LEN)
		return NULL;
	/* sorted by id (as the snapshot's containers): the first id >= the
	 * prefix is the one that starts with it, if any */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(st->ctrs[mid].ctr->id, id, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->nctrs && strncmp(st->ctrs[lo].ctr->id, id, n) == 0 ? &st->ctrs[lo] : NULL;
}
