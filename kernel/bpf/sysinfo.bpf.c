// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.bpf.c - the processes of the module's document (docs/proc-format.md)
 * as fixed binary records (sysinfo_bpf.h), for kernels that refuse modules
 * but allow BPF; servicio decodes them (servicio/bpfrec.c), `servicio
 * sysinfo` prints the module's JSON from them. No JSON is written here.
 *
 * Two task iterators, not sleepable (the kernel holds rcu_read_lock() around
 * each call, so the RCU-protected data read here - css_set, cgroups, kernfs
 * parents, cred, real_parent, the thread list - stays valid while read):
 * sysinfo_task lists every process, sysinfo_ctr containerised ones only. The
 * setting is the program chosen, so it cannot change during a read; the
 * header says which. No state is kept between calls: seq_num 0 writes the
 * header, each group leader a cgroup and a process record, the final call
 * (task NULL) the end record. No process memory is read (no arguments); kernel
 * memory fault-safe (BPF_CORE_READ, direct BPF_PROBE_MEM loads). sysinfo_cg.bpf.c
 * adds the cgroup walk (kernel >= 6.7).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sysinfo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SI_PATH_MAX 512 /* bytes of a cgroup path searched for a container id */
#define SI_NAME_MAX 256 /* bytes of one kernfs name read */
#define SI_MAX_DEPTH 32 /* cgroup nesting followed */
#define SI_MAX_THREADS (1 << 20)
#define SI_NHIER 5 /* the v2 hierarchy, then the v1 memory, cpu, pids, cpuset ones */
#define PF_KTHREAD 0x00200000 /* include/linux/sched.h: a #define, not in BTF */

/* v &= m as an instruction clang cannot drop or move away from the access it
 * bounds (a C bounds check is often moved to another register: the verifier
 * then loses the bound) */
#define SI_MASK(v, m) asm volatile("%[x] &= %[y]" : [x] "+r"(v) : [y] "i"(m))
#define SI_IDX(v, m) ({ __u64 ___i = (v); SI_MASK(___i, m); ___i; })

/* log2 of the page size, set by the loader before load (read-only after) */
const volatile __u32 page_shift = 12;

/*
 * A cgroup result (the record before each process) is cached by the kernfs ids
 * of the process's cgroups, per hierarchy (unique, never reused in a boot); an
 * LRU eviction just computes it again. Values are read in place while another
 * reader may replace the element, so the key is checked again after the write
 * and a changed one retries that process (return 1). A renamed v1 cgroup keeps
 * its old path here (v2 directories cannot be renamed).
 */
struct si_cgkey { __u64 id[SI_NHIER]; /* 0: none (a v1 controller bound to v2) */ };
struct si_cgval { struct si_cgkey key; struct si_wcg rec; };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct si_cgkey);
	__type(value, struct si_cgval);
} cg_cache SEC(".maps");

/* Scratch for building a cgroup result: one per reading thread, used within one call. */
struct si_scratch {
	struct si_cgval val;
	__u32 path_len, w_n, w_st, w_prev_st, w_prev_len, w_found, w_depth, w_off;
	__u64 w_kn;
	__u64 kstack[SI_MAX_DEPTH]; /* kernfs nodes of a path, leaf first */
	__u16 hexrun[SI_PATH_MAX]; /* hex digits ending at each path byte */
	char path[SI_PATH_MAX + SI_NAME_MAX];
};

/* Task-local storage of the reading thread (one read() at a time, freed with it, never
 * evicted; a per-CPU array would be shared with a reader that preempts this one) */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct si_scratch);
} scratch SEC(".maps");

/* older kernels' field names (CO-RE flavours): < 5.14, < 6.15, < 6.2 */
#define SI_OLD __attribute__((preserve_access_index))
struct task_struct___old { long state; } SI_OLD;
struct kernfs_node___old { struct kernfs_node *parent; } SI_OLD;
struct mm_rss_stat___old { atomic_long_t count[4]; } SI_OLD;
struct mm_struct___old { struct mm_rss_stat___old rss_stat; } SI_OLD;

/* bpf_loop's context: the loop state lives in the scratch, not on the stack */
struct si_cb { struct si_scratch *s; };

static __always_inline __u8 si_pc(struct si_scratch *s, __u32 i)
{
	return (__u8)s->path[SI_IDX(i, SI_PATH_MAX - 1)];
}

static __always_inline bool si_prefix(struct si_scratch *s, __u32 st, const char *lit, __u32 n)
{
	for (__u32 k = 0; k < 16 && k < n; k++)
		if (si_pc(s, st + k) != (__u8)lit[k])
			return false;
	return true;
}

/* One component [st, end) of the path: does it name a container? Its id into val.rec.id. */
static __always_inline bool si_component(struct si_scratch *s, __u32 st, __u32 end)
{
	__u32 len = end - st, pfx, idend;

	if (len == SI_W_ID_LEN && s->w_prev_len == 6 && si_prefix(s, s->w_prev_st, "docker", 6) &&
	    s->hexrun[SI_IDX(end - 1, SI_PATH_MAX - 1)] >= SI_W_ID_LEN) {
		idend = end;
	} else {
		if (len < SI_W_ID_LEN + 6 + 5 || !si_prefix(s, end - 6, ".scope", 6) ||
		    s->hexrun[SI_IDX(end - 7, SI_PATH_MAX - 1)] < SI_W_ID_LEN)
			return false;
		pfx = len - SI_W_ID_LEN - 6;
		if (!((pfx == 7 && (si_prefix(s, st, "docker-", 7) || si_prefix(s, st, "libpod-", 7))) ||
		      (pfx == 15 && si_prefix(s, st, "cri-containerd-", 15)) ||
		      (pfx == 5 && si_prefix(s, st, "crio-", 5))))
			return false;
		idend = end - 6;
	}
	bpf_probe_read_kernel(s->val.rec.id, SI_W_ID_LEN,
			      &s->path[SI_IDX(idend - SI_W_ID_LEN, SI_PATH_MAX - 1)]);
	return true;
}

static long si_scan_byte(__u32 i, void *data)
{
	struct si_scratch *s = ((struct si_cb *)data)->s;
	__u8 ch;
	__u16 run = 0;

	if (!s || i > s->w_n || i >= SI_PATH_MAX)
		return 1;
	ch = i < s->w_n ? si_pc(s, i) : '/';
	if (ch == '/') {
		if (i > s->w_st) {
			if (si_component(s, s->w_st, i)) {
				s->w_found = 1;
				return 1;
			}
			s->w_prev_st = s->w_st;
			s->w_prev_len = i - s->w_st;
		}
		s->w_st = i + 1;
		return 0;
	}
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))
		run = (i > 0 ? s->hexrun[SI_IDX(i - 1, SI_PATH_MAX - 1)] : 0) + 1;
	s->hexrun[SI_IDX(i, SI_PATH_MAX - 1)] = run;
	return 0;
}

/* The path (path_len bytes) names a container: outermost match, id into val.rec.id. */
static __always_inline bool si_container_id(struct si_scratch *s)
{
	struct si_cb cb = { .s = s };

	s->w_n = s->path_len;
	s->w_st = s->w_prev_st = s->w_prev_len = s->w_found = 0;
	bpf_loop(SI_PATH_MAX + 1, si_scan_byte, &cb, 0);
	return s->w_found;
}

static __always_inline struct kernfs_node *si_kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;

	if (bpf_core_field_exists(old->parent))
		return BPF_CORE_READ(old, parent);
	return BPF_CORE_READ(kn, __parent);
}

/* One step up from w_kn, remembered in kstack (the root has no name). */
static long si_kp_up(__u32 i, void *data)
{
	struct si_scratch *s = ((struct si_cb *)data)->s;
	struct kernfs_node *up;

	if (!s || !s->w_kn || i >= SI_MAX_DEPTH)
		return 1;
	up = si_kn_parent((struct kernfs_node *)s->w_kn);
	if (!up)
		return 1;
	s->kstack[SI_IDX(i, SI_MAX_DEPTH - 1)] = s->w_kn;
	s->w_depth = i + 1;
	s->w_kn = (__u64)up; /* a probe-read value: a number to the verifier */
	return 0;
}

/* "/name" of the i-th component from the root. */
static long si_kp_down(__u32 i, void *data)
{
	struct si_scratch *s = ((struct si_cb *)data)->s;
	struct kernfs_node *kn;
	long n;

	if (!s || i >= s->w_depth || s->w_off >= SI_PATH_MAX - 1)
		return 1;
	kn = (struct kernfs_node *)s->kstack[SI_IDX(s->w_depth - 1 - i, SI_MAX_DEPTH - 1)];
	s->path[SI_IDX(s->w_off, SI_PATH_MAX - 1)] = '/';
	s->w_off++;
	n = bpf_probe_read_kernel_str(&s->path[SI_IDX(s->w_off, SI_PATH_MAX - 1)], SI_NAME_MAX,
				      BPF_CORE_READ(kn, name));
	if (n > 1)
		s->w_off += n - 1;
	return 0;
}

/* kernfs_path(): "/a/b/c" of a cgroup's directory into path (at most SI_PATH_MAX - 1 bytes). */
static __always_inline void si_kpath(struct si_scratch *s, struct cgroup *cgrp)
{
	struct si_cb cb = { .s = s };

	s->w_kn = (__u64)BPF_CORE_READ(cgrp, kn);
	s->w_depth = s->w_off = 0;
	bpf_loop(SI_MAX_DEPTH, si_kp_up, &cb, 0);
	bpf_loop(SI_MAX_DEPTH, si_kp_down, &cb, 0);
	if (s->w_off == 0)
		s->path[s->w_off++] = '/';
	s->path_len = s->w_off > SI_PATH_MAX - 1 ? SI_PATH_MAX - 1 : s->w_off;
}

/* The result record from the path in scratch (its first SI_W_PATH_MAX bytes). */
static __always_inline void si_rec_path(struct si_scratch *s)
{
	s->val.rec.type = SI_WREC_CG;
	s->val.rec.path_len = s->path_len; /* > SI_W_PATH_MAX: cut */
	bpf_probe_read_kernel(s->val.rec.path, SI_W_PATH_MAX, s->path);
}

/* A cgroup that names a container: its path and id into the record. */
static __always_inline bool si_try(struct si_scratch *s, struct cgroup *cgrp)
{
	if (!cgrp || BPF_CORE_READ(cgrp, level) == 0)
		return false;
	si_kpath(s, cgrp);
	if (!si_container_id(s))
		return false;
	si_rec_path(s);
	return true;
}

/* The v1 hierarchies looked at after the v2 one, in the module's order (-1: not built). */
#define SI_SSID(n)                                                                                 \
	(bpf_core_enum_value_exists(enum cgroup_subsys_id, n)                                      \
		 ? bpf_core_enum_value(enum cgroup_subsys_id, n)                                   \
		 : -1)
static __always_inline int si_v1_id(int i)
{
	return i == 0 ? SI_SSID(memory_cgrp_id) : i == 1 ? SI_SSID(cpu_cgrp_id)
	       : i == 2 ? SI_SSID(pids_cgrp_id) : SI_SSID(cpuset_cgrp_id);
}

/* The cgroup of v1 hierarchy i (0..3) in cset, NULL when that controller is on v2;
 * read per process, so with direct BPF_PROBE_MEM loads (docs/BENCHMARKS.md) */
static __always_inline struct cgroup *si_v1_cgroup(struct css_set *cset, int i)
{
	int id = si_v1_id(i);
	struct cgroup_subsys_state *css = id < 0 ? NULL : cset->subsys[id & 15];
	struct cgroup *c = css ? css->cgroup : NULL;

	return c && c->root && c->root->hierarchy_id ? c : NULL;
}

static __always_inline __u64 si_kn_id(struct cgroup *c)
{
	return c && c->kn ? c->kn->id : 0;
}

static __always_inline void si_key(struct css_set *cset, struct si_cgkey *key)
{
	key->id[0] = si_kn_id(cset->dfl_cgrp);
	for (int i = 0; i < 4; i++)
		key->id[i + 1] = si_kn_id(si_v1_cgroup(cset, i));
}

/* The module's gsi_task_cgroup() into s->val.rec: the first path naming a container of v2,
 * then v1 memory, cpu, pids, cpuset; else the v1 memory path (v1, hybrid), else v2's. */
static __noinline int si_cset_cgroup(struct si_scratch *s, struct css_set *cset)
{
	struct cgroup *fallback, *c;

	if (!s)
		return 0;
	__builtin_memset(s->val.rec.id, 0, SI_W_ID_LEN);
	fallback = BPF_CORE_READ(cset, dfl_cgrp);
	if (si_try(s, fallback))
		return 0;
	for (int i = 0; i < 4; i++) {
		c = si_v1_cgroup(cset, i);
		if (c && i == 0)
			fallback = c;
		if (si_try(s, c))
			return 0;
	}
	__builtin_memset(s->val.rec.id, 0, SI_W_ID_LEN);
	s->path[0] = '/';
	s->path_len = 1;
	if (fallback && BPF_CORE_READ(fallback, level) != 0)
		si_kpath(s, fallback);
	si_rec_path(s);
	return 0;
}

struct si_rt { __u64 node, head, sum; };

static long si_thread_step(__u32 i, void *data)
{
	struct si_rt *rt = data;
	struct list_head *node = (void *)rt->node;
	struct task_struct *th;

	if (!rt->node || rt->node == rt->head)
		return 1;
	th = (void *)(rt->node - bpf_core_field_offset(struct task_struct, thread_node));
	rt->sum += BPF_CORE_READ(th, se.sum_exec_runtime);
	rt->node = (__u64)BPF_CORE_READ(node, next);
	return 0;
}

/* user + system time of every thread of the group, live and exited, in ns */
static __always_inline __u64 si_group_runtime(struct task_struct *task)
{
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	struct si_rt rt = {};

	if (!sig)
		return 0;
	rt.sum = BPF_CORE_READ(sig, sum_sched_runtime);
	rt.head = (__u64)sig + bpf_core_field_offset(struct signal_struct, thread_head);
	rt.node = (__u64)BPF_CORE_READ(sig, thread_head.next);
	bpf_loop(SI_MAX_THREADS, si_thread_step, &rt, 0);
	return rt.sum;
}

/* get_mm_counter(), as get_mm_rss() and the module: the atomic counter (< 6.2) or the
 * percpu_counter's global part (>= 6.2: percpu_counter_read_positive(), deltas not summed) */
static __always_inline __u64 si_mm_counter(struct mm_struct *mm, int member)
{
	struct mm_struct___old *old = (void *)mm;
	long v = bpf_core_type_exists(struct mm_rss_stat___old) &&
			 bpf_core_field_exists(old->rss_stat.count)
		 ? BPF_CORE_READ(old, rss_stat.count[member & 3].counter)
		 : BPF_CORE_READ(mm, rss_stat[member & 3].count);

	return v > 0 ? v : 0;
}

/* task_state_to_char(): "RSDTtXZPI"[fls(state & TASK_REPORT)]. TASK_* are #defines (no
 * CO-RE): the report bits 0x01..0x40 are /proc ABI since 4.14; TASK_IDLE (0x402, >= 4.2)
 * shows as I; TASK_RTLOCK_WAIT (0x1000, >= 5.15) and TASK_FROZEN (0x8000, >= 6.1, unused
 * before) as D, like __task_state_index(). */
static __always_inline char si_state(struct task_struct *task)
{
	struct task_struct___old *old = (void *)task;
	unsigned int st, state, idx = 0;

	st = bpf_core_field_exists(task->__state) ? task->__state : old->state;
	state = (st | task->exit_state) & 0x7f;
	if ((st & 0x402) == 0x402)
		state = 0x80;
	if ((st & 0x1000) || (st & 0x8000))
		state = 0x2;
	for (int b = 0; b < 8; b++)
		if (state & (1u << b))
			idx = b + 1;
	return "RSDTtXZPI"[idx > 8 ? 0 : idx];
}

/* pid->numbers[level] (a flexible array: read at its CO-RE offset) */
static __always_inline struct upid si_upid(struct pid *pid, __u32 level)
{
	struct upid up = {};

	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)((__u64)pid + bpf_core_field_offset(struct pid, numbers) +
				       (__u64)(level & 63) * bpf_core_type_size(struct upid)));
	return up;
}

/* pid_nr_ns(pid, ns), ns at level lvl: 0 when the pid is not visible there. */
static __always_inline __u32 si_nr(struct pid *pid, struct upid *ns, __u32 lvl)
{
	struct upid up;

	if (!pid || lvl > BPF_CORE_READ(pid, level))
		return 0;
	up = si_upid(pid, lvl);
	return up.ns == ns->ns ? up.nr : 0;
}

/* The process's memory cgroup on v1 or v2: its directory's kernfs id and page_counter
 * usage (mem_cgroup_usage(); not for a root, whose v1 usage is computed otherwise). */
static __always_inline void si_memcg(struct css_set *cset, struct si_wproc *w)
{
	int id = SI_SSID(memory_cgrp_id);
	struct cgroup_subsys_state *css = id < 0 || !cset ? NULL : cset->subsys[id & 15];
	struct cgroup *c = css ? css->cgroup : NULL;
	__u64 m; /* container_of(css, struct mem_cgroup, css): a number, read by probe */

	if (!c || !c->kn || c->level == 0)
		return;
	m = (__u64)BPF_CORE_READ(cset, subsys[id & 15]) - bpf_core_field_offset(struct mem_cgroup, css);
	w->memcg_id = c->kn->id;
	w->memcg_bytes = BPF_CORE_READ((struct mem_cgroup *)m, memory.usage.counter) << page_shift;
}

/* The process record of task, pids numbered in the reader's pid namespace; plain
 * fields by direct BPF_PROBE_MEM loads, pointers used as numbers by probe. */
static __noinline bool si_proc(struct task_struct *task, struct si_wproc *w)
{
	struct pid *me = BPF_CORE_READ((struct task_struct *)bpf_get_current_task_btf(), thread_pid);
	__u32 lvl = BPF_CORE_READ(me, level) & 63;
	struct upid ns = si_upid(me, lvl);
	struct mm_struct *mm;
	__u64 rss;

	__builtin_memset(w, 0, sizeof(*w));
	w->type = SI_WREC_PROC;
	w->pid = si_nr(BPF_CORE_READ(task, thread_pid), &ns, lvl);
	if (!w->pid)
		return false;
	w->ppid = si_nr(BPF_CORE_READ(task, real_parent, group_leader, thread_pid), &ns, lvl);
	w->uid = task->real_cred ? task->real_cred->euid.val : 0; /* objective, as /proc and the module */
	w->threads = task->signal ? task->signal->nr_threads : 0;
	w->state = si_state(task);
	w->start_time_ns = task->start_boottime;
	w->cpu_time_ns = si_group_runtime(task);
	w->sample_ns = bpf_ktime_get_boot_ns();
	bpf_probe_read_kernel_str(w->comm, SI_W_COMM_LEN, &task->comm);
	mm = task->mm;
	if (mm && !(task->flags & PF_KTHREAD)) {
		rss = si_mm_counter(mm, MM_FILEPAGES) + si_mm_counter(mm, MM_ANONPAGES) +
		      si_mm_counter(mm, MM_SHMEMPAGES);
		w->vsz_kb = mm->total_vm << (page_shift - 10);
		w->rss_kb = rss << (page_shift - 10);
	}
	si_memcg(task->cgroups, w);
	return true;
}

static __always_inline int si_show(struct bpf_iter__task *ctx, bool ctr_only)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct si_cgval *v;
	struct si_scratch *s;
	struct si_cgkey key;
	struct css_set *cset;
	struct si_wproc w;
	bool hit;

	if (ctx->meta->seq_num == 0 && task) {
		struct si_rhdr h = { .type = SI_WREC_HDR, .magic = SI_MAGIC, .version = SI_REC_VERSION,
				     .flags = ctr_only ? SI_HDR_CONTAINERS_ONLY : 0,
				     .cg_size = sizeof(struct si_wcg),
				     .proc_size = sizeof(struct si_wproc),
				     .boottime_ns = bpf_ktime_get_boot_ns() };

		bpf_seq_write(seq, &h, sizeof(h));
	}
	if (!task) {
		struct si_rend e = { .type = SI_WREC_END };

		bpf_seq_write(seq, &e, sizeof(e));
		return 0;
	}
	if (task->pid != task->tgid)
		return 0;
	cset = task->cgroups;
	if (!cset)
		return 0;
	si_key(cset, &key);
	v = bpf_map_lookup_elem(&cg_cache, &key);
	hit = v != NULL;
	if (!v) {
		s = bpf_task_storage_get(&scratch, bpf_get_current_task_btf(), NULL,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!s)
			return 1; /* no memory: retry this process (read() fails, EAGAIN) */
		si_cset_cgroup(s, cset);
		s->val.key = key;
		bpf_map_update_elem(&cg_cache, &key, &s->val, BPF_NOEXIST);
		v = &s->val;
	}
	if ((!ctr_only || v->rec.id[0]) && si_proc(task, &w)) {
		bpf_seq_write(seq, &v->rec, sizeof(v->rec));
		bpf_seq_write(seq, &w, sizeof(w));
	}
	/* the cached element was replaced while it was read: this task again */
	for (int i = 0; hit && i < SI_NHIER; i++)
		if (v->key.id[i] != key.id[i])
			return 1;
	return 0;
}

SEC("iter/task") int sysinfo_task(struct bpf_iter__task *ctx) { return si_show(ctx, false); }
SEC("iter/task") int sysinfo_ctr(struct bpf_iter__task *ctx) { return si_show(ctx, true); }
