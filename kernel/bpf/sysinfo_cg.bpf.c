// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo_cg.bpf.c - sysinfo.bpf.c plus the cgroup walk (kernel >= 6.7,
 * cgroup v2), built as its own object (sysinfo_cg.skel.h) because its kfuncs
 * do not exist before 6.7 and libbpf refuses an object with an unknown one.
 *
 * servicio's cycle needs only the containers' processes: a cgroup iterator
 * (iter/cgroup, attached at the v2 root in pre-order) is called once per
 * cgroup and, for a cgroup whose path names a container (cached like the
 * task iterators' results, key: its v2 id alone), lists its processes
 * (bpf_iter_css_task, CSS_TASK_ITER_PROCS: thread-group leaders) as the
 * task iterators' records, into one mmapable array element that servicio
 * maps: one read at a time per loaded program (servicio serialises them).
 * The read() itself returns only the run's outcome (struct si_walk_out).
 *
 * Bounded per step: the kernel runs the program once per cgroup, each run
 * in its own rcu_read_lock() section (one cgroup's processes), and calls
 * cond_resched() between cgroups (the cgroup iterator is BPF_ITER_RESCHED).
 * The iterator holds cgroup_mutex for the whole read (a sleeping lock), so
 * no process can change cgroup during it (a move takes that mutex): every
 * process is listed once, in the cgroup it was in for the whole walk; a
 * container started meanwhile waits for the walk to finish (milliseconds).
 * Zombies are not listed: the kernel's css_task iterator skips a group
 * leader with no live thread (as cgroup.procs does); the task iterators
 * and the module list them (state Z, no memory). docs/proc-format.md says so.
 * Output larger than SI_DOC_SZ stops with -E2BIG and servicio reads the task
 * iterator instead.
 */
#include "sysinfo.bpf.c"

#define SI_DOC_SZ (1u << 21)
#define SI_DOC_MASK (SI_DOC_SZ - 1)
#define SI_CSS_TASK_ITER_PROCS 1u
#define SI_E2BIG 7
#define SI_EAGAIN 11

/* The kfunc's iterator struct, named apart from a vmlinux.h that has it. */
struct si_iter_css_task {
	__u64 opaque[1];
} __attribute__((aligned(8)));

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
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
	key.id[0] = si_kn_id(cg);
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
	/* the iterator holds cgroup_mutex: the cgroup stays; its tasks are
	 * read in this run's RCU section (one cgroup: bounded) */
	bpf_rcu_read_lock();
	bpf_iter_css_task_new(&it, css, SI_CSS_TASK_ITER_PROCS);
	while ((task = bpf_iter_css_task_next(&it))) {
		if (!si_proc(task, &w))
			continue;
		if (!si_doc_put(o, &w, sizeof(w)))
			break;
	}
	bpf_iter_css_task_destroy(&it);
	bpf_rcu_read_unlock();
}

/*
 * Once per cgroup, pre-order from the v2 root; seq_num 0 (the root) starts
 * the run, the final call (cgroup NULL) ends it and writes the outcome.
 */
SEC("iter/cgroup")
int sysinfo_cgroups(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cg = ctx->cgroup;
	struct si_walk_out out = {};
	struct si_doc *o;
	__u32 zero = 0;

	o = bpf_map_lookup_elem(&doc, &zero);
	if (!o)
		return 1;
	if (ctx->meta->seq_num == 0 && cg) {
		struct si_rhdr h = { .type = SI_WREC_HDR, .magic = SI_MAGIC,
				     .version = SI_REC_VERSION,
				     .flags = SI_HDR_CONTAINERS_ONLY | SI_HDR_CGWALK,
				     .cg_size = sizeof(struct si_wcg),
				     .proc_size = sizeof(struct si_wproc),
				     .boottime_ns = bpf_ktime_get_boot_ns() };

		o->len = 0;
		o->err = 0;
		si_doc_put(o, &h, sizeof(h));
	}
	if (!cg) {
		struct si_rend e = { .type = SI_WREC_END };

		if (!o->err)
			si_doc_put(o, &e, sizeof(e));
		out.len = o->len;
		out.err = o->err;
		bpf_seq_write(ctx->meta->seq, &out, sizeof(out));
		return 0;
	}
	if (!o->err)
		si_walk_cgroup(o, &cg->self);
	return 0;
}
