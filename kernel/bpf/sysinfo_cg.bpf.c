// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo_cg.bpf.c - sysinfo.bpf.c plus the cgroup walk (kernel >= 6.7,
 * cgroup v2), built as its own object (sysinfo_cg.skel.h) because its kfuncs
 * do not exist before 6.7 and libbpf refuses an object with an unknown one.
 *
 * servicio's cycle needs only the containers' processes: a syscall program
 * (BPF_PROG_RUN) walks the cgroup v2 tree (bpf_iter_css, pre-order) and, for
 * each cgroup whose path names a container (cached like the iterators'
 * results, key: its v2 id alone), lists its processes (bpf_iter_css_task,
 * CSS_TASK_ITER_PROCS: thread-group leaders; the kernel skips zombies there)
 * as the iterators' records, into one mmapable array element that servicio
 * maps: one run at a time per loaded program (servicio serialises its runs).
 * Output larger than SI_DOC_SZ stops with -E2BIG and servicio reads the task
 * iterator instead. A process that changes cgroup during the walk can be
 * listed twice (servicio keeps one) or, moving into a cgroup already
 * visited, not at all. The whole walk is one bpf_rcu_read_lock() section.
 */
#include "sysinfo.bpf.c"

#define SI_DOC_SZ (1u << 21)
#define SI_DOC_MASK (SI_DOC_SZ - 1)
#define SI_CSS_TASK_ITER_PROCS 1u
#define SI_CGROUP_ITER_DESCENDANTS_PRE 2 /* enum bpf_cgroup_iter_order */
#define SI_ENOENT 2
#define SI_E2BIG 7
#define SI_EAGAIN 11

/* The kfuncs' iterator structs, named apart from a vmlinux.h that has them. */
struct si_iter_css {
	__u64 opaque[3];
} __attribute__((aligned(8)));
struct si_iter_css_task {
	__u64 opaque[1];
} __attribute__((aligned(8)));

extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern int bpf_iter_css_new(struct si_iter_css *it, struct cgroup_subsys_state *start,
			    unsigned int flags) __ksym;
extern struct cgroup_subsys_state *bpf_iter_css_next(struct si_iter_css *it) __ksym;
extern void bpf_iter_css_destroy(struct si_iter_css *it) __ksym;
extern int bpf_iter_css_task_new(struct si_iter_css_task *it, struct cgroup_subsys_state *css,
				 unsigned int flags) __ksym;
extern struct task_struct *bpf_iter_css_task_next(struct si_iter_css_task *it) __ksym;
extern void bpf_iter_css_task_destroy(struct si_iter_css_task *it) __ksym;

struct si_doc {
	char text[SI_DOC_SZ + 512];
	/* the run's state and scratch (one run at a time). In map memory, not
	 * on the stack: the verifier would track the length's exact value and
	 * never see two iterations of the walk as the same state */
	__u64 len;
	__s64 err;
	struct si_scratch s;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct si_doc);
} doc SEC(".maps");

/* Append n (< 512) bytes from src; false when the output is full. */
static __always_inline bool si_doc_put(struct si_doc *o, const void *src, __u64 n)
{
	__u64 at = o->len;

	if (at + n >= SI_DOC_SZ) {
		o->err = -SI_E2BIG;
		return false;
	}
	SI_MASK(at, SI_DOC_MASK);
	SI_MASK(n, 511);
	bpf_probe_read_kernel(&o->text[at], n, src);
	o->len = at + n;
	return true;
}

/* The processes of one cgroup, when it is a container's. */
static __always_inline void si_walk_cgroup(struct si_doc *o, struct cgroup_subsys_state *css)
{
	struct si_iter_css_task it;
	struct si_cgkey key = {};
	struct task_struct *task;
	struct si_cgval *v;
	struct si_wproc w;
	struct cgroup *cg;

	cg = css->cgroup;
	if (!cg)
		return;
	key.id[0] = si_cgid(cg);
	v = bpf_map_lookup_elem(&cg_cache, &key);
	if (!v) {
		__builtin_memset(o->s.val.rec.id, 0, SI_W_ID_LEN);
		if (!si_try(&o->s, cg)) {
			o->s.path_len = 0;
			si_rec_path(&o->s);
		}
		o->s.val.key = key;
		bpf_map_update_elem(&cg_cache, &key, &o->s.val, BPF_NOEXIST);
		v = &o->s.val;
	}
	if (!v->rec.id[0])
		return;
	/* the cgroup's record, even when none of its processes is listed */
	if (!si_doc_put(o, &v->rec, sizeof(struct si_wcg)))
		return;
	/* the cached element was replaced while it was copied: run again */
	if (v->key.id[0] != key.id[0]) {
		o->err = -SI_EAGAIN;
		return;
	}
	/* the css from the walk is only RCU-protected: take a reference */
	cg = bpf_cgroup_acquire(cg);
	if (!cg)
		return;
	bpf_iter_css_task_new(&it, &cg->self, SI_CSS_TASK_ITER_PROCS);
	while ((task = bpf_iter_css_task_next(&it))) {
		if (!si_proc(task, &w))
			continue;
		if (!si_doc_put(o, &w, sizeof(w)))
			break;
	}
	bpf_iter_css_task_destroy(&it);
	bpf_cgroup_release(cg);
}

SEC("syscall")
int sysinfo_cgroups(struct si_walk_args *ctx)
{
	struct si_doc *o;
	struct cgroup_subsys_state *css;
	struct si_iter_css it;
	struct si_rhdr h = {};
	struct si_rend e = { .type = SI_WREC_END };
	struct cgroup *root;
	__u32 zero = 0;

	ctx->len = 0;
	ctx->err = -SI_ENOENT;
	o = bpf_map_lookup_elem(&doc, &zero);
	if (!o)
		return 0;
	root = bpf_cgroup_from_id(ctx->root_cgid);
	if (!root)
		return 0;
	o->len = 0;
	o->err = 0;
	h.type = SI_WREC_HDR;
	h.magic = SI_MAGIC;
	h.version = SI_REC_VERSION;
	h.flags = SI_HDR_CONTAINERS_ONLY | SI_HDR_CGWALK;
	h.cg_size = sizeof(struct si_wcg);
	h.proc_size = sizeof(struct si_wproc);
	h.boottime_ns = bpf_ktime_get_boot_ns();
	si_doc_put(o, &h, sizeof(h));
	bpf_rcu_read_lock();
	bpf_iter_css_new(&it, &root->self, SI_CGROUP_ITER_DESCENDANTS_PRE);
	while ((css = bpf_iter_css_next(&it))) {
		if (o->err)
			break;
		si_walk_cgroup(o, css);
	}
	bpf_iter_css_destroy(&it);
	bpf_rcu_read_unlock();
	bpf_cgroup_release(root);
	if (!o->err)
		si_doc_put(o, &e, sizeof(e));
	ctx->len = o->len;
	ctx->err = o->err;
	return 0;
}
