// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.bpf.c - the kernel module's document (docs/proc-format.md, format
 * version 1) written by a BPF task iterator, for kernels that refuse
 * modules but allow BPF.
 *
 * The iterator visits every task in tid order; only group leaders produce a
 * record, so the document has one object per process in increasing pid
 * order, exactly like the module's seq_file. The first object of a read
 * session (seq_num 0) also writes the header; the final call (task NULL)
 * writes the footer. Records are built in a per-session buffer (a hash map
 * keyed by the session id, so concurrent readers never share scratch) and
 * written with one bpf_seq_write(); a record that does not fit is produced
 * again by the next read, and "listed" (the comma before the next record)
 * changes only when a write succeeded.
 *
 * Two programs share this code: sysinfo_task_s (iter.s/task, sleepable)
 * reads the arguments with bpf_copy_from_user_task() (kernel >= 5.18);
 * sysinfo_task (iter/task) is the fallback on kernels without sleepable
 * iterators and leaves every cmdline empty, saying so in the header
 * ("args":false). The loader chooses.
 *
 * What BPF cannot reach on every kernel comes from the loader (the .bss
 * struct si_hdr, sysinfo_bpf.h): the header's memory and CPU blocks, the
 * online CPU count and USER_HZ (the kernel's global counters, even the
 * per-CPU ones, are located through kallsyms, which lists no data without
 * CONFIG_KALLSYMS_ALL), and the offset from CLOCK_BOOTTIME to
 * CLOCK_REALTIME. The loader refreshes them before each of its reads.
 * Everything else (boottime_ns, every process field, the cgroup path and the
 * container id) is read here at iteration time. Pids are numbered in the
 * reader's pid namespace.
 *
 * Reads of kernel memory go through BPF_CORE_READ (fault-safe probe reads):
 * a task that is exiting may give stale values, never a crash.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sysinfo_bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define SI_COMM_LEN 16
#define SI_CMDLINE_MAX 256
#define SI_CGROUP_MAX 256 /* written to the document */
#define SI_PATH_MAX 512 /* searched for a container id */
#define SI_ID_LEN 64
#define SI_OUT_SZ 8192 /* one record (or the header): < 4 KiB in fact */
#define SI_OUT_MASK (SI_OUT_SZ - 1)
#define SI_SLACK 512
#define SI_IN_SZ 512
#define SI_IN_MASK (SI_IN_SZ - 1)
#define SI_MAX_DEPTH 32 /* cgroup nesting followed */
#define SI_MAX_THREADS (1 << 20)
#define SI_MAX_CPUS 256 /* per-CPU counters summed on at most this many */
#define PF_KTHREAD 0x00200000

/* v &= m, in a way the compiler cannot move away from the access it guards */
#define SI_MASK(v, m) asm volatile("%[x] &= %[y]" : [x] "+r"(v) : [y] "i"(m))
/* an index into an array of m + 1 (a power of two) elements */
#define SI_IDX(v, m)                                                                               \
	({                                                                                         \
		__u64 ___i = (v);                                                                  \
		SI_MASK(___i, m);                                                                  \
		___i;                                                                              \
	})

/*
 * Set by the loader (skeleton .bss, writable at run time): the header's
 * memory and CPU blocks as /proc/meminfo and /proc/stat give them, read just
 * before each of the loader's reads (see the file comment).
 */
struct si_hdr hdr = {};
__u32 containers_only = 0;
/* the reader needs no arguments (servicio's cycle): the sleepable program
 * skips reading them too, and the header says "args":false */
__u32 skip_args = 0;
__u32 page_shift = 12;

/*
 * A css_set's cgroup result (the path written and the container id), kept
 * for the rest of a read session: every task of one css_set has the same,
 * and most tasks of a machine share a few css_sets (10,000 idle processes
 * outside containers: one), so the walk up the kernfs tree and the id scan
 * are done once per css_set instead of once per process.
 */
struct si_cg_val {
	__u32 path_len;
	char id[SI_ID_LEN + 1];
	char path[SI_CGROUP_MAX];
};

/* Per read session: state between objects and the record scratch. */
struct si_sess {
	__u64 boot_ns; /* when the header was made */
	__u64 total_kb;
	__u32 listed; /* a process record is in the output */
	__u32 off; /* bytes in out */
	__u32 path_len;
	char id[SI_ID_LEN + 1];
	char comm[SI_COMM_LEN];
	char in[SI_IN_SZ + SI_SLACK]; /* string being escaped */
	char path[SI_PATH_MAX + SI_SLACK]; /* cgroup path */
	char cmd[SI_CMDLINE_MAX + SI_SLACK]; /* arguments as read */
	__u16 hexrun[SI_PATH_MAX]; /* hex digits ending at each path byte */
	__u32 ncpus; /* CPUs with a known per-CPU offset */
	__u64 sid; /* the read session's id (the cgroup cache's key) */
	struct si_cg_val cg; /* a cgroup result being stored in cg_cache */
	__u64 kstack[SI_MAX_DEPTH]; /* kernfs nodes of a path, leaf first */
	/* callback state: in the map, not on the stack, so the verifier does
	 * not follow every value of a counter through bpf_loop */
	__u32 w_n, w_pending, w_st, w_prev_st, w_prev_len, w_found, w_depth, w_off, w_len;
	__u64 w_kn, w_node, w_head, w_sum, w_counters, w_base;
	__s64 w_psum;
	/* the process being written */
	__u64 vsz_kb, rss_kb, runtime, start;
	__u64 ns; /* the reader's pid namespace, and its level */
	__u32 ns_level;
	__u32 pid, ppid, uid, threads, cmdlen;
	char state;
	__u64 cpu_off[SI_MAX_CPUS];
	char out[SI_OUT_SZ + SI_SLACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, struct si_sess);
} sessions SEC(".maps");

/* all zeroes: the initial value of a session */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct si_sess);
} zero_sess SEC(".maps");

/*
 * The cgroup results of a session, keyed by (session, css_set address). The
 * session is in the key because a css_set freed between two reads can have
 * its address reused by another; within one read (milliseconds) the tasks
 * pin their css_sets. Old sessions' entries are evicted (LRU); an evicted
 * or missing entry is only computed again.
 */
struct si_cg_key {
	__u64 sid;
	__u64 cset;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2048);
	__type(key, struct si_cg_key);
	__type(value, struct si_cg_val);
} cg_cache SEC(".maps");

/*
 * A per-CPU array whose only use is to learn each CPU's per-CPU offset
 * (__per_cpu_offset[] is not reachable from BPF without kallsyms of data):
 * the address of CPU n's element minus the element's __percpu address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_probe SEC(".maps");

/* ---- older kernels' field names (CO-RE flavours) --------------------- */

struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));


/* A pointer's value as a number (the verifier keeps pointer types otherwise). */
static __always_inline __u64 si_addr(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* ---- output -------------------------------------------------------------- */

static __always_inline void si_putc(struct si_sess *s, char c)
{
	__u32 o = s->off;

	if (o < SI_OUT_SZ - 1) {
		s->out[SI_IDX(o, SI_OUT_MASK)] = c;
		s->off = o + 1;
	}
}

/* A literal from .rodata (n <= SI_SLACK, constant). */
static __always_inline void si_puts(struct si_sess *s, const char *lit, __u32 n)
{
	__u32 o = s->off;

	__u64 m;

	if (o + n > SI_OUT_SZ - 1)
		return;
	m = o;
	SI_MASK(m, SI_OUT_MASK);
	bpf_probe_read_kernel(&s->out[m], n & (SI_SLACK - 1), lit);
	s->off = o + n;
}

#define SI_PUTS(s, str) si_puts(s, str, sizeof(str) - 1)

/* Global (verified once, not per call site): v in decimal. */
__noinline int si_putu(struct si_sess *s, __u64 v)
{
	char tmp[32];
	int n = 0, i;

	if (!s)
		return 0;
	for (i = 0; i < 20; i++) {
		tmp[n++] = '0' + v % 10;
		v /= 10;
		if (!v)
			break;
	}
	for (i = 0; i < 20; i++) {
		if (n <= 0)
			break;
		n--;
		si_putc(s, tmp[SI_IDX(n, 31)]);
	}
	return 0;
}

/* hundredths as "I.DD" */
static __always_inline void si_putpct(struct si_sess *s, __u64 h)
{
	si_putu(s, h / 100);
	si_putc(s, '.');
	si_putc(s, '0' + (h % 100) / 10);
	si_putc(s, '0' + h % 10);
}

/* num/den as a percentage with two decimals, in hundredths (like the module) */
static __always_inline __u64 si_pct100(__u64 num, __u64 den)
{
	__u64 d;

	if (!den)
		return 0;
	if (num <= ~0ULL / 10000)
		return num * 10000 / den;
	d = den / 10000;
	return num / (d ? d : 1);
}

/* ---- JSON strings --------------------------------------------------------- */

/* bpf_loop's context: the session (the loop's state is in it) */
struct si_cb {
	struct si_sess *s;
};

static __always_inline __u8 si_in(struct si_sess *s, __u32 i)
{
	return (__u8)s->in[SI_IDX(i, SI_IN_MASK)];
}

/* Length of the valid UTF-8 sequence at s->in[i] (1..4), 0 when invalid. */
static __always_inline __u32 si_utf8_len(struct si_sess *s, __u32 i, __u32 n)
{
	__u8 c = si_in(s, i), c1, c2, c3;
	__u32 len, cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n - i < len)
		return 0;
	c1 = si_in(s, i + 1);
	if ((c1 & 0xc0) != 0x80)
		return 0;
	cp = (cp << 6) | (c1 & 0x3f);
	if (len >= 3) {
		c2 = si_in(s, i + 2);
		if ((c2 & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (c2 & 0x3f);
	}
	if (len == 4) {
		c3 = si_in(s, i + 3);
		if ((c3 & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (c3 & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static long si_esc_byte(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	__u8 c;
	__u32 len;

	if (!s || i >= s->w_n)
		return 1;
	c = si_in(s, i);
	if (s->w_pending) {
		s->w_pending--;
		si_putc(s, c);
		return 0;
	}
	if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
		len = si_utf8_len(s, i, s->w_n);
		if (len) {
			s->w_pending = len - 1;
			si_putc(s, c);
			return 0;
		}
	}
	si_putc(s, '\\');
	switch (c) {
	case '"':
		si_putc(s, '"');
		break;
	case '\\':
		si_putc(s, '\\');
		break;
	case '\n':
		si_putc(s, 'n');
		break;
	case '\t':
		si_putc(s, 't');
		break;
	case '\r':
		si_putc(s, 'r');
		break;
	default:
		si_putc(s, 'u');
		si_putc(s, '0');
		si_putc(s, '0');
		si_putc(s, "0123456789abcdef"[SI_IDX((c >> 4), 15)]);
		si_putc(s, "0123456789abcdef"[SI_IDX(c, 15)]);
	}
	return 0;
}

/* Write s->in[0..n) as a JSON string (the module's escaping rules). */
static __always_inline void si_put_in(struct si_sess *s, __u32 n)
{
	struct si_cb cb = { .s = s };

	s->w_n = n > SI_IN_SZ ? SI_IN_SZ : n;
	s->w_pending = 0;
	si_putc(s, '"');
	bpf_loop(SI_IN_SZ, si_esc_byte, &cb, 0);
	si_putc(s, '"');
}

static long si_cmd_trim(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;

	if (!s || s->w_len == 0 || s->in[SI_IDX(s->w_len - 1, SI_IN_MASK)])
		return 1;
	s->w_len--;
	return 0;
}

static long si_cmd_space(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;

	if (!s || i >= s->w_len)
		return 1;
	if (!s->in[SI_IDX(i, SI_IN_MASK)])
		s->in[SI_IDX(i, SI_IN_MASK)] = ' ';
	return 0;
}

/*
 * The arguments as the module writes them: trailing NULs dropped, NULs
 * between arguments become spaces. Returns the new length.
 */
static __always_inline __u32 si_cmd_prepare(struct si_sess *s, __u32 len)
{
	struct si_cb cb = { .s = s };

	s->w_len = len > SI_CMDLINE_MAX ? SI_CMDLINE_MAX : len;
	bpf_loop(SI_CMDLINE_MAX, si_cmd_trim, &cb, 0);
	bpf_loop(SI_CMDLINE_MAX, si_cmd_space, &cb, 0);
	return s->w_len;
}

/* ---- container attribution ------------------------------------------------ */

static __always_inline __u8 si_pc(struct si_sess *s, __u32 i)
{
	return (__u8)s->path[SI_IDX(i, (SI_PATH_MAX - 1))];
}

static __always_inline bool si_prefix(struct si_sess *s, __u32 st, const char *lit, __u32 n)
{
	for (__u32 k = 0; k < 16; k++) {
		if (k >= n)
			break;
		if (si_pc(s, st + k) != (__u8)lit[k])
			return false;
	}
	return true;
}

/* Copy the 64-hex id ending at path[end - 1] into s->id. */
static __always_inline void si_take_id(struct si_sess *s, __u32 end)
{
	bpf_probe_read_kernel(s->id, SI_ID_LEN, &s->path[SI_IDX((end - SI_ID_LEN), (SI_PATH_MAX - 1))]);
	s->id[SI_ID_LEN] = '\0';
}


/* One component [st, end) of the path: does it name a container? */
static __always_inline bool si_component(struct si_sess *s, __u32 st, __u32 end)
{
	__u32 len = end - st, pfx;

	if (!s)
		return false;
	if (len == SI_ID_LEN && s->w_prev_len == 6 && si_prefix(s, s->w_prev_st, "docker", 6) &&
	    s->hexrun[SI_IDX((end - 1), (SI_PATH_MAX - 1))] >= SI_ID_LEN) {
		si_take_id(s, end);
		return true;
	}
	if (len < SI_ID_LEN + 6 + 5 || !si_prefix(s, end - 6, ".scope", 6) ||
	    s->hexrun[SI_IDX((end - 7), (SI_PATH_MAX - 1))] < SI_ID_LEN)
		return false;
	pfx = len - SI_ID_LEN - 6;
	if ((pfx == 7 && (si_prefix(s, st, "docker-", 7) || si_prefix(s, st, "libpod-", 7))) ||
	    (pfx == 15 && si_prefix(s, st, "cri-containerd-", 15)) || (pfx == 5 && si_prefix(s, st, "crio-", 5))) {
		si_take_id(s, end - 6);
		return true;
	}
	return false;
}

static long si_scan_byte(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	__u8 ch;
	__u16 run;

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
	run = 0;
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))
		run = (i > 0 ? s->hexrun[SI_IDX((i - 1), (SI_PATH_MAX - 1))] : 0) + 1;
	s->hexrun[SI_IDX(i, (SI_PATH_MAX - 1))] = run;
	return 0;
}

/* s->path (s->path_len bytes) names a container: its id into s->id. */
static __always_inline bool si_container_id(struct si_sess *s)
{
	struct si_cb cb = { .s = s };

	s->w_n = s->path_len;
	s->w_st = s->w_prev_st = s->w_prev_len = s->w_found = 0;
	s->hexrun[0] = 0;
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


/* One step up from ctx->kn, remembered in s->kstack (the root has no name). */
static long si_kp_up(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	struct kernfs_node *up;

	if (!s || !s->w_kn || i >= SI_MAX_DEPTH)
		return 1;
	up = si_kn_parent((void *)s->w_kn);
	if (!up)
		return 1;
	s->kstack[SI_IDX(i, SI_MAX_DEPTH - 1)] = s->w_kn;
	s->w_depth = i + 1;
	s->w_kn = si_addr(up);
	return 0;
}

/* "/name" of the i-th component from the root. */
static long si_kp_down(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	struct kernfs_node *kn;
	__u64 o;
	long n;

	if (!s || i >= s->w_depth || s->w_off >= SI_PATH_MAX - 1)
		return 1;
	kn = (void *)s->kstack[SI_IDX(s->w_depth - 1 - i, SI_MAX_DEPTH - 1)];
	s->path[SI_IDX(s->w_off, SI_PATH_MAX - 1)] = '/';
	s->w_off++;
	o = s->w_off;
	SI_MASK(o, SI_PATH_MAX - 1);
	n = bpf_probe_read_kernel_str(&s->path[o], SI_SLACK - 1, BPF_CORE_READ(kn, name));
	if (n > 1)
		s->w_off += n - 1;
	return 0;
}

/* kernfs_path(): "/a/b/c" of a cgroup's directory into s->path. */
static __always_inline void si_kpath(struct si_sess *s, struct cgroup *cgrp)
{
	struct si_cb cb = { .s = s };

	s->w_kn = si_addr(BPF_CORE_READ(cgrp, kn));
	s->w_depth = 0;
	s->w_off = 0;
	bpf_loop(SI_MAX_DEPTH, si_kp_up, &cb, 0);
	bpf_loop(SI_MAX_DEPTH, si_kp_down, &cb, 0);
	if (s->w_off == 0) {
		s->path[0] = '/';
		s->w_off = 1;
	}
	s->path_len = s->w_off > SI_PATH_MAX - 1 ? SI_PATH_MAX - 1 : s->w_off;
}

static __always_inline bool si_is_root(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, level) == 0;
}

/* The v1 hierarchies looked at after the v2 one, in the module's order. */
static __always_inline int si_v1_id(int i)
{
	switch (i) {
	case 0:
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)
			       ? bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)
			       : -1;
	case 1:
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id)
			       ? bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id)
			       : -1;
	case 2:
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id)
			       ? bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id)
			       : -1;
	default:
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id)
			       ? bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id)
			       : -1;
	}
}

/*
 * The module's si_task_cgroup(): v2 first, then the v1 memory, cpu, pids
 * and cpuset hierarchies; without a container, the v1 memory path on a v1
 * or hybrid system, else the v2 path.
 */
static __always_inline int si_cset_cgroup(struct si_sess *s, struct css_set *cset)
{
	struct cgroup *cgrp, *fallback;
	bool first = true;
	int i, id;

	if (!s)
		return 0;
	s->id[0] = '\0';
	s->path[0] = '/';
	s->path_len = 1;
	cgrp = BPF_CORE_READ(cset, dfl_cgrp);
	fallback = cgrp;
	if (cgrp && !si_is_root(cgrp)) {
		si_kpath(s, cgrp);
		if (si_container_id(s))
			return 0;
	}
	for (i = 0; i < 4; i++) {
		id = si_v1_id(i);
		if (id < 0)
			continue;
		cgrp = BPF_CORE_READ(cset, subsys[id & 15], cgroup);
		if (!cgrp || BPF_CORE_READ(cgrp, root, hierarchy_id) == 0)
			continue;
		if (first)
			fallback = cgrp;
		first = false;
		if (si_is_root(cgrp))
			continue;
		si_kpath(s, cgrp);
		if (si_container_id(s))
			return 0;
	}
	s->id[0] = '\0';
	if (!fallback || si_is_root(fallback)) {
		s->path[0] = '/';
		s->path_len = 1;
		return 0;
	}
	si_kpath(s, fallback);
	return 0;
}

/* si_cset_cgroup() for the task's css_set, through the session's cache. */
static __always_inline int si_task_cgroup(struct si_sess *s, struct task_struct *task)
{
	struct si_cg_key key = {};
	struct si_cg_val *v;
	struct css_set *cset;

	if (!s)
		return 0;
	cset = BPF_CORE_READ(task, cgroups);
	if (!cset) {
		s->id[0] = '\0';
		s->path[0] = '/';
		s->path_len = 1;
		return 0;
	}
	key.sid = s->sid;
	key.cset = si_addr(cset);
	v = bpf_map_lookup_elem(&cg_cache, &key);
	if (v) {
		if (containers_only && !v->id[0]) {
			s->id[0] = '\0';
			return 0;
		}
		bpf_probe_read_kernel(s->id, sizeof(s->id), v->id);
		s->path_len = v->path_len > SI_CGROUP_MAX ? SI_CGROUP_MAX : v->path_len;
		/* the path is written only with containers_only off or an id */
		if (!containers_only || s->id[0])
			bpf_probe_read_kernel(s->path, SI_CGROUP_MAX, v->path);
		return 0;
	}
	si_cset_cgroup(s, cset);
	s->cg.path_len = s->path_len;
	bpf_probe_read_kernel(s->cg.id, sizeof(s->cg.id), s->id);
	bpf_probe_read_kernel(s->cg.path, SI_CGROUP_MAX, s->path);
	bpf_map_update_elem(&cg_cache, &key, &s->cg, BPF_ANY);
	return 0;
}

/*
 * pid_nr_ns(): the number of a struct pid in the reader's pid namespace,
 * 0 when the pid is not visible there (like the module, which numbers
 * processes in the namespace of the /proc mount).
 */
static __always_inline __u32 si_nr(struct si_sess *s, struct pid *pid)
{
	struct upid up = {};
	__u32 level;

	if (!pid)
		return 0;
	level = BPF_CORE_READ(pid, level);
	if (s->ns_level > level || s->ns_level > 63)
		return 0;
	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)(si_addr(pid) + bpf_core_field_offset(struct pid, numbers) +
				       (__u64)s->ns_level * bpf_core_type_size(struct upid)));
	if (si_addr(up.ns) != s->ns)
		return 0;
	return up.nr;
}

/* The reader's pid namespace (the iterator lists the tasks of that one). */
static __always_inline void si_reader_ns(struct si_sess *s)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pid *pid = BPF_CORE_READ(cur, thread_pid);
	struct upid up = {};
	__u32 level = BPF_CORE_READ(pid, level);

	bpf_probe_read_kernel(&up, sizeof(up),
			      (void *)(si_addr(pid) + bpf_core_field_offset(struct pid, numbers) +
				       (__u64)(level & 63) * bpf_core_type_size(struct upid)));
	s->ns_level = level & 63;
	s->ns = si_addr(up.ns);
}

/* ---- per-process data ------------------------------------------------------ */


static long si_thread_step(__u32 i, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	struct task_struct *th;
	struct list_head *cur;

	if (!s || !s->w_node || s->w_node == s->w_head)
		return 1;
	th = (void *)(s->w_node - bpf_core_field_offset(struct task_struct, thread_node));
	s->w_sum += BPF_CORE_READ(th, se.sum_exec_runtime);
	cur = (void *)s->w_node;
	s->w_node = si_addr(BPF_CORE_READ(cur, next));
	return 0;
}

/* user + system time of every thread of the group, live and exited, in ns */
static __always_inline __u64 si_group_runtime(struct si_sess *s, struct task_struct *task)
{
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	struct si_cb cb = { .s = s };

	if (!sig)
		return 0;
	s->w_sum = BPF_CORE_READ(sig, sum_sched_runtime);
	s->w_head = si_addr(sig) + bpf_core_field_offset(struct signal_struct, thread_head);
	s->w_node = si_addr(BPF_CORE_READ(sig, thread_head.next));
	bpf_loop(SI_MAX_THREADS, si_thread_step, &cb, 0);
	return s->w_sum;
}


static long si_cpu_off_step(__u32 cpu, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	__u32 zero = 0;
	void *p;

	if (!s || cpu >= SI_MAX_CPUS)
		return 1;
	p = bpf_map_lookup_percpu_elem(&pcpu_probe, &zero, cpu);
	if (!p)
		return 1;
	s->cpu_off[SI_IDX(cpu, (SI_MAX_CPUS - 1))] = si_addr(p) - s->w_base;
	s->ncpus = cpu + 1;
	return 0;
}

/* Each possible CPU's per-CPU offset into s->cpu_off (s->ncpus of them). */
static __always_inline void si_cpu_offsets(struct si_sess *s)
{
	struct si_cb cb = { .s = s };
	__u64 map = si_addr(&pcpu_probe), base = 0;

	s->ncpus = 0;
	bpf_probe_read_kernel(&base, sizeof(base),
			      (void *)(map + bpf_core_field_offset(struct bpf_array, pptrs)));
	s->w_base = base;
	if (base)
		bpf_loop(SI_MAX_CPUS, si_cpu_off_step, &cb, 0);
}


static long si_pcp_step(__u32 cpu, void *data)
{
	struct si_sess *s = ((struct si_cb *)data)->s;
	__s32 v = 0;

	if (!s || cpu >= s->ncpus || cpu >= SI_MAX_CPUS)
		return 1;
	bpf_probe_read_kernel(&v, sizeof(v),
			      (void *)(s->w_counters + s->cpu_off[SI_IDX(cpu, (SI_MAX_CPUS - 1))]));
	s->w_psum += v;
	return 0;
}

/*
 * percpu_counter_sum_positive(): the exact value /proc reports since 6.16
 * (the counter's global part plus every CPU's unflushed delta).
 */
static __always_inline __s64 si_pcp_sum(struct si_sess *s, struct percpu_counter *pc)
{
	struct si_cb cb = { .s = s };

	s->w_psum = BPF_CORE_READ(pc, count);
	s->w_counters = si_addr(BPF_CORE_READ(pc, counters));
	if (s->w_counters)
		bpf_loop(SI_MAX_CPUS, si_pcp_step, &cb, 0);
	return s->w_psum > 0 ? s->w_psum : 0;
}

static __always_inline __u64 si_mm_counter(struct si_sess *s, struct mm_struct *mm, int member)
{
	struct mm_struct___old *old = (void *)mm;

	if (bpf_core_type_exists(struct mm_rss_stat___old) &&
	    bpf_core_field_exists(old->rss_stat.count)) {
		long v = BPF_CORE_READ(old, rss_stat.count[member & 3].counter);
		return v > 0 ? v : 0;
	}
	return si_pcp_sum(s, &mm->rss_stat[member & 3]);
}

static __always_inline __u64 si_rss_pages(struct si_sess *s, struct mm_struct *mm)
{
	return si_mm_counter(s, mm, MM_FILEPAGES) +
	       si_mm_counter(s, mm, MM_ANONPAGES) +
	       si_mm_counter(s, mm, MM_SHMEMPAGES);
}

/* task_state_to_char(): "RSDTtXZPI"[fls(state index)] */
static __always_inline char si_state(struct task_struct *task)
{
	struct task_struct___old *old = (void *)task;
	unsigned int st, state, idx = 0;

	if (bpf_core_field_exists(task->__state))
		st = BPF_CORE_READ(task, __state);
	else
		st = BPF_CORE_READ(old, state);
	state = (st | BPF_CORE_READ(task, exit_state)) & 0x7f;
	if ((st & 0x402) == 0x402) /* TASK_IDLE */
		state = 0x80;
	if ((st & 0x1000) || (st & 0x8000)) /* TASK_RTLOCK_WAIT, TASK_FROZEN */
		state = 0x2;
	for (int b = 0; b < 8; b++)
		if (state & (1u << b))
			idx = b + 1;
	return "RSDTtXZPI"[idx > 8 ? 0 : idx];
}

/* ---- header ----------------------------------------------------------------- */

static __always_inline int si_header(struct si_sess *s, int args)
{
	if (!s)
		return 0;
	si_cpu_offsets(s);
	s->boot_ns = bpf_ktime_get_boot_ns();
	s->total_kb = hdr.total_kb;
	SI_PUTS(s, "{\"version\":1,\"timestamp_ns\":");
	si_putu(s, s->boot_ns + hdr.realtime_off_ns);
	SI_PUTS(s, ",\"boottime_ns\":");
	si_putu(s, s->boot_ns);
	SI_PUTS(s, ",\"cpus\":");
	si_putu(s, hdr.cpus ? hdr.cpus : 1);
	SI_PUTS(s, ",\"hz\":");
	si_putu(s, hdr.user_hz ? hdr.user_hz : 100);
	if (containers_only)
		SI_PUTS(s, ",\"containers_only\":true");
	else
		SI_PUTS(s, ",\"containers_only\":false");
	if (args)
		SI_PUTS(s, ",\"producer\":\"bpf\",\"args\":true");
	else
		SI_PUTS(s, ",\"producer\":\"bpf\",\"args\":false");
	SI_PUTS(s, ",\n\"memory\":{\"total_kb\":");
	si_putu(s, hdr.total_kb);
	SI_PUTS(s, ",\"free_kb\":");
	si_putu(s, hdr.free_kb);
	SI_PUTS(s, ",\"available_kb\":");
	si_putu(s, hdr.available_kb);
	SI_PUTS(s, ",\"used_kb\":");
	si_putu(s, hdr.used_kb);
	SI_PUTS(s, ",\"buffers_kb\":");
	si_putu(s, hdr.buffers_kb);
	SI_PUTS(s, ",\"cached_kb\":");
	si_putu(s, hdr.cached_kb);
	SI_PUTS(s, ",\"swap_total_kb\":");
	si_putu(s, hdr.swap_total_kb);
	SI_PUTS(s, ",\"swap_free_kb\":");
	si_putu(s, hdr.swap_free_kb);
	SI_PUTS(s, "},\n\"cpu\":{\"user_ns\":");
	si_putu(s, hdr.user_ns);
	SI_PUTS(s, ",\"nice_ns\":");
	si_putu(s, hdr.nice_ns);
	SI_PUTS(s, ",\"system_ns\":");
	si_putu(s, hdr.system_ns);
	SI_PUTS(s, ",\"idle_ns\":");
	si_putu(s, hdr.idle_ns);
	SI_PUTS(s, ",\"iowait_ns\":");
	si_putu(s, hdr.iowait_ns);
	SI_PUTS(s, ",\"irq_ns\":");
	si_putu(s, hdr.irq_ns);
	SI_PUTS(s, ",\"softirq_ns\":");
	si_putu(s, hdr.softirq_ns);
	SI_PUTS(s, ",\"steal_ns\":");
	si_putu(s, hdr.steal_ns);
	SI_PUTS(s, "},\n\"processes\":[");
	return 0;
}

/* ---- the record ---------------------------------------------------------------- */

static __noinline int si_flush(struct seq_file *seq, struct si_sess *s)
{
	__u64 n;
	long ret;

	if (!s)
		return 0;
	n = s->off;
	s->off = 0;
	/* off < SI_OUT_SZ always (the writers stop before); the mask proves it */
	asm volatile("%[n] &= %[m]" : [n] "+r"(n) : [m] "i"(SI_OUT_MASK));
	if (n == 0)
		return 0;
	ret = bpf_seq_write(seq, s->out, n);
	return ret < 0 ? (int)ret : 0;
}

/*
 * Write the record of the process whose data si_render() gathered in s
 * (global: verified once, whatever path the gathering took).
 */
__noinline int si_emit(struct si_sess *s)
{
	__u32 n = 0;

	if (!s)
		return 0;
	s->off = 0;
	if (s->listed)
		si_putc(s, ',');
	SI_PUTS(s, "\n{\"pid\":");
	si_putu(s, s->pid);
	SI_PUTS(s, ",\"ppid\":");
	si_putu(s, s->ppid);
	SI_PUTS(s, ",\"name\":");
	for (int k = 0; k < SI_COMM_LEN; k++) {
		if (!s->comm[k])
			break;
		s->in[k] = s->comm[k];
		n++;
	}
	si_put_in(s, n);
	SI_PUTS(s, ",\"cmdline\":");
	n = 0;
	if (s->cmdlen) {
		bpf_probe_read_kernel(s->in, SI_CMDLINE_MAX, s->cmd);
		n = si_cmd_prepare(s, s->cmdlen);
	}
	si_put_in(s, n);
	SI_PUTS(s, ",\"state\":\"");
	si_putc(s, s->state);
	SI_PUTS(s, "\",\"uid\":");
	si_putu(s, s->uid);
	SI_PUTS(s, ",\"threads\":");
	si_putu(s, s->threads);
	SI_PUTS(s, ",\"container_id\":\"");
	if (s->id[0])
		si_puts(s, s->id, SI_ID_LEN);
	SI_PUTS(s, "\",\"cgroup\":");
	n = s->path_len > SI_CGROUP_MAX ? SI_CGROUP_MAX : s->path_len;
	bpf_probe_read_kernel(s->in, SI_CGROUP_MAX, s->path);
	si_put_in(s, n);
	SI_PUTS(s, ",\"vsz_kb\":");
	si_putu(s, s->vsz_kb);
	SI_PUTS(s, ",\"rss_kb\":");
	si_putu(s, s->rss_kb);
	SI_PUTS(s, ",\"mem_pct\":");
	si_putpct(s, si_pct100(s->rss_kb, s->total_kb));
	SI_PUTS(s, ",\"cpu_time_ns\":");
	si_putu(s, s->runtime);
	SI_PUTS(s, ",\"cpu_pct\":");
	si_putpct(s, si_pct100(s->runtime, s->boot_ns > s->start ? s->boot_ns - s->start : 0));
	SI_PUTS(s, ",\"start_time_ns\":");
	si_putu(s, s->start);
	si_putc(s, '}');
	return 0;
}

/*
 * Gather one process (its cgroup result already in s) for si_emit(); false
 * when its pid is not visible in the reader's namespace.
 */
static __always_inline bool si_gather(struct si_sess *s, struct task_struct *task, bool sleepable)
{
	struct mm_struct *mm;

	s->pid = si_nr(s, BPF_CORE_READ(task, thread_pid));
	if (!s->pid)
		return false;
	s->ppid = si_nr(s, BPF_CORE_READ(task, real_parent, group_leader, thread_pid));
	s->uid = BPF_CORE_READ(task, cred, euid.val);
	s->threads = BPF_CORE_READ(task, signal, nr_threads);
	s->state = si_state(task);
	s->start = task->start_boottime;
	s->runtime = si_group_runtime(s, task);
	bpf_probe_read_kernel_str(s->comm, SI_COMM_LEN, task->comm);
	s->vsz_kb = 0;
	s->rss_kb = 0;
	s->cmdlen = 0;
	mm = task->mm;
	if (mm && !(task->flags & PF_KTHREAD)) {
		s->vsz_kb = BPF_CORE_READ(mm, total_vm) << (page_shift - 10);
		s->rss_kb = si_rss_pages(s, mm) << (page_shift - 10);
		if (sleepable && !skip_args) {
			unsigned long a = BPF_CORE_READ(mm, arg_start);
			unsigned long e = BPF_CORE_READ(mm, arg_end);
			__u64 sz = e - a;

			if (a && e > a) {
				if (sz > SI_CMDLINE_MAX)
					sz = SI_CMDLINE_MAX;
				SI_MASK(sz, SI_CMDLINE_MAX * 2 - 1);
				if (sz && bpf_copy_from_user_task(s->cmd, sz, (void *)a, task, 0) == 0)
					s->cmdlen = sz;
			}
		}
	}
	return true;
}

/* Gather one process into s and write its record; 0, or < 0 when it did not fit. */
static __always_inline int si_task(struct seq_file *seq, struct si_sess *s,
				   struct task_struct *task, bool sleepable)
{
	if (task->pid != task->tgid)
		return 0;
	/* the cgroup first: with containers_only most tasks stop here */
	si_task_cgroup(s, task);
	if (containers_only && !s->id[0])
		return 0;
	if (!si_gather(s, task, sleepable))
		return 0;
	si_emit(s);
	if (si_flush(seq, s) < 0)
		return -1;
	s->listed = 1;
	return 0;
}

static __always_inline int si_render(struct bpf_iter__task *ctx, bool sleepable)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u64 sid = ctx->meta->session_id;
	struct si_sess *s;
	__u32 zero = 0;

	if (ctx->meta->seq_num == 0 && task) {
		struct si_sess *z = bpf_map_lookup_elem(&zero_sess, &zero);

		if (!z)
			return 0;
		bpf_map_update_elem(&sessions, &sid, z, BPF_ANY);
		s = bpf_map_lookup_elem(&sessions, &sid);
		if (!s)
			return 0;
		s->off = 0;
		s->sid = sid;
		si_reader_ns(s);
		si_header(s, sleepable && !skip_args);
		if (si_flush(seq, s) < 0)
			return 0;
	} else {
		s = bpf_map_lookup_elem(&sessions, &sid);
		if (!s)
			return 0;
	}
	s->off = 0;
	if (!task) {
		SI_PUTS(s, "\n]}\n");
		if (si_flush(seq, s) == 0)
			bpf_map_delete_elem(&sessions, &sid);
		return 0;
	}
	si_task(seq, s, task, sleepable);
	return 0;
}

SEC("iter.s/task")
int sysinfo_task_s(struct bpf_iter__task *ctx)
{
	return si_render(ctx, true);
}

SEC("iter/task")
int sysinfo_task(struct bpf_iter__task *ctx)
{
	return si_render(ctx, false);
}

#ifdef SI_CGROUP_WALK
/*
 * ---- the cgroup walk (kernel >= 6.7, cgroup v2) ------------------------------
 *
 * What servicio's cycle needs (containers only, no arguments), produced by
 * walking the cgroup tree instead of every task: each cgroup's path is
 * scanned once for a container id, and only the processes of containers'
 * cgroups are visited (bpf_iter_css_task, CSS_TASK_ITER_PROCS: thread-group
 * leaders). Where containers are a small part of the processes this skips
 * the per-task cost of the task iterator for all the others.
 *
 * It is a syscall program (BPF_PROG_RUN from servicio; sleepable, so the
 * css_task iterator is allowed) writing fixed-size binary records
 * (sysinfo_bpf.h) into one mmapable array element, which servicio maps and
 * reads in place: no JSON is written or parsed on this path; the length and
 * the error come back in the context. Output larger than SI_DOC_SZ stops
 * with -E2BIG, and servicio reads the task
 * iterator instead. A process that changes cgroup during the walk can be
 * listed twice (servicio keeps one).
 *
 * This object is built apart (sysinfo_cg.skel.h) because its kfuncs do not
 * exist before 6.7 and libbpf refuses to load an object with an unknown one.
 */
#define SI_DOC_SZ (1u << 21)
#define SI_DOC_MASK (SI_DOC_SZ - 1)
#define SI_CSS_TASK_ITER_PROCS 1u
#define SI_CGROUP_ITER_DESCENDANTS_PRE 2 /* enum bpf_cgroup_iter_order */
#define SI_ENOENT 2
#define SI_E2BIG 7

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
	char text[SI_DOC_SZ + SI_OUT_SZ + SI_SLACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct si_doc);
} doc SEC(".maps");

/*
 * What the walk learned of each cgroup, kept across runs (a cgroup's id is
 * never reused during a boot, and a cgroup v2 directory cannot be renamed):
 * the record of a container's cgroup, or that a cgroup is none. Entries of
 * removed cgroups are evicted (LRU); a missing one is computed again.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct si_wcg);
} cg_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} cg_none SEC(".maps");

/* the walk's result, copied to the context at the end of each run */
__u64 doc_len = 0;
__s32 doc_err = 0;

/* Append the n bytes at s->out to the output; false when it is full. */
static __always_inline bool si_doc_put(struct si_doc *d, struct si_sess *s, __u64 n)
{
	__u64 o = doc_len;

	SI_MASK(n, SI_OUT_MASK);
	if (o + n >= SI_DOC_SZ) {
		doc_err = -SI_E2BIG;
		return false;
	}
	SI_MASK(o, SI_DOC_MASK);
	if (n)
		bpf_probe_read_kernel(&d->text[o], n, s->out);
	doc_len = o + n;
	return true;
}

/* The record of the process si_gather() put in s. */
static __always_inline void si_wproc_put(struct si_doc *d, struct si_sess *s)
{
	struct si_wproc *w = (void *)s->out;

	w->type = SI_WREC_PROC;
	w->pid = s->pid;
	w->ppid = s->ppid;
	w->uid = s->uid;
	w->threads = s->threads;
	w->state = s->state;
	__builtin_memcpy(w->comm, s->comm, SI_W_COMM_LEN);
	w->vsz_kb = s->vsz_kb;
	w->rss_kb = s->rss_kb;
	w->cpu_time_ns = s->runtime;
	w->start_time_ns = s->start;
	si_doc_put(d, s, sizeof(*w));
}

/*
 * The record of the cgroup of css when it is a container's (cached in
 * cg_ctr), else NULL. w is scratch for a new record.
 */
static __always_inline struct si_wcg *si_walk_ctr(struct si_sess *s, struct cgroup *cgrp, __u64 cgid,
						  struct si_wcg *w)
{
	struct si_wcg *c;
	__u8 one = 1;

	if (bpf_map_lookup_elem(&cg_none, &cgid))
		return NULL;
	c = bpf_map_lookup_elem(&cg_ctr, &cgid);
	if (c)
		return c;
	si_kpath(s, cgrp);
	if (!si_container_id(s)) {
		bpf_map_update_elem(&cg_none, &cgid, &one, BPF_ANY);
		return NULL;
	}
	w->type = SI_WREC_CG;
	w->path_len = s->path_len > SI_W_PATH_MAX ? SI_W_PATH_MAX : s->path_len;
	bpf_probe_read_kernel(w->id, SI_W_ID_LEN, s->id);
	bpf_probe_read_kernel(w->path, SI_W_PATH_MAX, s->path);
	bpf_map_update_elem(&cg_ctr, &cgid, w, BPF_ANY);
	return bpf_map_lookup_elem(&cg_ctr, &cgid);
}

/* The processes of one cgroup, when it is a container's. */
static __always_inline void si_walk_cgroup(struct si_doc *d, struct si_sess *s,
					   struct cgroup_subsys_state *css)
{
	struct si_iter_css_task it;
	struct task_struct *task;
	struct cgroup *cg;
	struct si_wcg *c;
	bool first = true;
	__u64 cgid;

	cg = css->cgroup;
	if (!cg)
		return;
	cgid = BPF_CORE_READ(cg, kn, id);
	c = si_walk_ctr(s, cg, cgid, (void *)s->cmd);
	if (!c)
		return;
	/* the css from the walk is only RCU-protected: take a reference */
	cg = bpf_cgroup_acquire(cg);
	if (!cg)
		return;
	bpf_iter_css_task_new(&it, &cg->self, SI_CSS_TASK_ITER_PROCS);
	while ((task = bpf_iter_css_task_next(&it))) {
		if (doc_err)
			break;
		if (!si_gather(s, task, false))
			continue;
		if (first) {
			/* the cgroup's record, before its first process */
			bpf_probe_read_kernel(s->out, sizeof(*c), c);
			if (!si_doc_put(d, s, sizeof(*c)))
				break;
			first = false;
		}
		si_wproc_put(d, s);
	}
	bpf_iter_css_task_destroy(&it);
	bpf_cgroup_release(cg);
}

SEC("syscall")
int sysinfo_cgroups(struct si_walk_args *ctx)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct cgroup_subsys_state *css;
	struct si_iter_css it;
	struct cgroup *root;
	struct si_sess *s, *z;
	struct si_whdr *h;
	struct si_doc *d;
	__u32 zero = 0;

	doc_len = 0;
	doc_err = -SI_ENOENT;
	d = bpf_map_lookup_elem(&doc, &zero);
	z = bpf_map_lookup_elem(&zero_sess, &zero);
	if (!d || !z)
		goto out;
	bpf_map_update_elem(&sessions, &key, z, BPF_ANY);
	s = bpf_map_lookup_elem(&sessions, &key);
	if (!s)
		goto out;
	root = bpf_cgroup_from_id(ctx->root_cgid);
	if (!root)
		goto out;
	doc_err = 0;
	si_reader_ns(s);
	si_cpu_offsets(s);
	h = (void *)s->out;
	h->boottime_ns = bpf_ktime_get_boot_ns();
	si_doc_put(d, s, sizeof(*h));
	bpf_rcu_read_lock();
	bpf_iter_css_new(&it, &root->self, SI_CGROUP_ITER_DESCENDANTS_PRE);
	while ((css = bpf_iter_css_next(&it))) {
		if (doc_err)
			break;
		si_walk_cgroup(d, s, css);
	}
	bpf_iter_css_destroy(&it);
	bpf_rcu_read_unlock();
	bpf_cgroup_release(root);
out:
	bpf_map_delete_elem(&sessions, &key);
	ctx->len = doc_len;
	ctx->err = doc_err;
	return 0;
}
#endif /* SI_CGROUP_WALK */
