// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo.c - per-process memory/CPU metrics and container attribution as
 * one JSON document in /proc/sysinfo_202002591.
 *
 * The file is a seq_file whose records are: a header (position 0: version,
 * clocks, memory and system CPU times), then one record per thread group in
 * pid order (position tgid + 1, like the /proc readdir cursor), then a
 * footer closing the document. A reader using small reads therefore gets
 * one well-formed document: each process appears at most once, the header
 * values are taken once, and a record that did not fit in the buffer is
 * produced again on the next read with the same leading separator.
 *
 * The document is what the reader may see through the /proc it opened the
 * file in, as /proc itself would show it: pids of that mount's pid
 * namespace, its hidepid= and gid= options, uids in the opener's user
 * namespace, times in the reader's time namespace, cgroup paths relative to
 * the reader's cgroup namespace.
 *
 * Safety: a record holds a reference on its task (get_task_struct), never a
 * bare RCU pointer across reads. Everything that may sleep (reading the
 * arguments of another process, mmput) runs outside rcu_read_lock();
 * threads, parent, credentials and the cgroup path are read inside it.
 * Arguments are read like /proc/<pid>/cmdline: anonymous memory only
 * (FOLL_ANON), so a FUSE-backed argv cannot block the reader, and only from
 * the mm whose addresses were taken. Kernel threads (no mm) report zero
 * memory and an empty cmdline. procfs runs down readers before
 * remove_proc_entry() returns, so unloading while the file is open is safe.
 * The format is documented in docs/proc-format.md.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/coredump.h>
#include <linux/sched/task.h>
#include <linux/pid_namespace.h>
#include <linux/user_namespace.h>
#include <linux/time_namespace.h>
#include <linux/nsproxy.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/kernel_stat.h>
#include <linux/tick.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/math64.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/ctype.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/seqlock.h>
#include <linux/slab.h>

#define GSI_FORMAT_VERSION 1
#define GSI_CMDLINE_MAX 256
#define GSI_CGROUP_MAX 256
#define GSI_ID_LEN 64
#define GSI_NAME_MAX 255	/* longest name proc_register() accepts */
/* seq_file positions: 0 header, tgid + 1 a process, GSI_POS_END the footer */
#define GSI_POS_END ((loff_t)PID_MAX_LIMIT + 2)
#define GSI_FOOTER ((void *)2)

static char *proc_name = "sysinfo_202002591";
module_param(proc_name, charp, 0444);
MODULE_PARM_DESC(proc_name, "name of the file created in /proc");

static bool containers_only;
module_param(containers_only, bool, 0644);
MODULE_PARM_DESC(containers_only, "list only processes inside a container");

struct gsi_iter {
	struct pid_namespace *ns;
	struct proc_fs_info *fs_info;	/* the proc mount opened through */
	struct task_struct *task;	/* the current record's task (ref held) */
	u64 boot_ns;			/* boottime when the header was made */
	u64 total_kb;			/* RAM, for mem_pct */
	u64 swap_total_kb;		/* SwapTotal at open */
	bool containers_only;		/* parameter value at open */
	bool listed_one;		/* a process record is in the output */
	char comm[TASK_COMM_LEN];
	char id[GSI_ID_LEN + 1];
	char cmd[GSI_CMDLINE_MAX];
	char path[PATH_MAX];		/* cgroup path scratch, also meminfo */
};

static struct proc_dir_entry *gsi_entry;
/* a private proc instance: no mount namespace can cover its files */
static struct vfsmount *gsi_proc_mnt;

/* ---- JSON string output ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid. */
static size_t gsi_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	u32 cp;

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
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Write s[0..n) as a JSON string. Quotes, backslashes and control bytes are
 * escaped; each byte that is not part of valid UTF-8 is written as \u00XX
 * (its value read as Latin-1), so the output is always valid JSON.
 */
static void gsi_json_str(struct seq_file *m, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, len;

	seq_putc(m, '"');
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			len = gsi_utf8_len(s + i, n - i);
			if (len) {
				i += len;
				continue;
			}
		}
		if (i > run)
			seq_write(m, s + run, i - run);
		switch (c) {
		case '"':
			seq_puts(m, "\\\"");
			break;
		case '\\':
			seq_puts(m, "\\\\");
			break;
		case '\n':
			seq_puts(m, "\\n");
			break;
		case '\t':
			seq_puts(m, "\\t");
			break;
		case '\r':
			seq_puts(m, "\\r");
			break;
		default:
			seq_printf(m, "\\u%04x", c);
		}
		i++;
		run = i;
	}
	if (i > run)
		seq_write(m, s + run, i - run);
	seq_putc(m, '"');
}

/* num/den as a percentage with two decimals, in hundredths */
static u64 gsi_pct100(u64 num, u64 den)
{
	if (!den)
		return 0;
	if (num <= U64_MAX / 10000)
		return div64_u64(num * 10000, den);
	return div64_u64(num, max_t(u64, div64_u64(den, 10000), 1));
}

/* ---- container attribution ----------------------------------------------- */

static bool gsi_is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != GSI_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/*
 * Find a container id in a cgroup path: "/docker/<id>" (cgroupfs driver),
 * "docker-<id>.scope" (systemd driver), "cri-containerd-<id>.scope",
 * "crio-<id>.scope" and "libpod-<id>.scope". The outermost match wins.
 */
static bool gsi_container_id(const char *path, char *id)
{
	static const char * const prefixes[] = {
		"docker-", "cri-containerd-", "crio-", "libpod-",
	};
	const char *p = path, *prev = NULL, *end;
	size_t plen = 0, len, i, pfx;

	while (*p) {
		if (*p == '/') {
			p++;
			continue;
		}
		end = strchrnul(p, '/');
		len = end - p;
		if (prev && plen == 6 && !memcmp(prev, "docker", 6) &&
		    gsi_is_hex64(p, len)) {
			memcpy(id, p, GSI_ID_LEN);
			id[GSI_ID_LEN] = '\0';
			return true;
		}
		for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
			pfx = strlen(prefixes[i]);
			if (len == pfx + GSI_ID_LEN + 6 &&
			    !memcmp(p, prefixes[i], pfx) &&
			    !memcmp(p + pfx + GSI_ID_LEN, ".scope", 6) &&
			    gsi_is_hex64(p + pfx, GSI_ID_LEN)) {
				memcpy(id, p + pfx, GSI_ID_LEN);
				id[GSI_ID_LEN] = '\0';
				return true;
			}
		}
		prev = p;
		plen = len;
		p = end;
	}
	return false;
}

/* The v1 controllers whose hierarchy is looked at after the v2 one. */
static const int gsi_v1_ids[] = {
#ifdef CONFIG_MEMCG
	memory_cgrp_id,
#endif
#ifdef CONFIG_CGROUP_SCHED
	cpu_cgrp_id,
#endif
#ifdef CONFIG_CGROUP_PIDS
	pids_cgrp_id,
#endif
#ifdef CONFIG_CPUSETS
	cpuset_cgrp_id,
#endif
};

/*
 * it->path := the path of cgrp as the reader's cgroup namespace shows it
 * (like /proc/<pid>/cgroup), ns_root being the namespace's root in the same
 * hierarchy. abs_done: it->path already holds cgrp's absolute path.
 */
static void gsi_cgroup_path(struct gsi_iter *it, struct cgroup *cgrp,
			    struct cgroup *ns_root, bool abs_done)
{
	int ret;

	if (!cgroup_parent(ns_root) && abs_done)
		return;
	/* a NULL root: the path from the hierarchy's root */
	ret = kernfs_path_from_node(cgrp->kn,
				    cgroup_parent(ns_root) ? ns_root->kn : NULL,
				    it->path, sizeof(it->path));
	if (ret < 0)
		it->path[0] = '\0';
}

/*
 * Fill it->id with the task's container id ("" for none) and, unless the
 * record is to be skipped (containers_only without a container; return
 * false), it->path with its cgroup path. The id is matched on absolute
 * paths: the v2 (default) hierarchy first, then the v1 hierarchies of the
 * memory, cpu, pids and cpuset controllers. Without a container the path
 * is the memory controller's v1 path on a v1 or hybrid system, else the v2
 * path. A root cgroup never names a container and is not dereferenced: on
 * 6.1 a v1 hierarchy's root is freed without a grace period when the
 * hierarchy is unmounted; "css->parent == NULL" says root without touching
 * it, and a non-root css keeps its hierarchy alive. Nothing here sleeps.
 */
static bool gsi_task_cgroup(struct gsi_iter *it, struct task_struct *task)
{
	struct css_set *ns_cset = current->nsproxy->cgroup_ns->root_cset;
	struct cgroup_subsys_state *css, *fb_css = NULL;
	struct cgroup *cgrp, *in_path = NULL;	/* whose path it->path holds */
	bool fb_v1_root = false;
	size_t i;
	int ret;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs rcu_read_lock()");
	it->id[0] = '\0';
	cgrp = task_dfl_cgroup(task);
	if (cgroup_parent(cgrp)) {
		ret = kernfs_path(cgrp->kn, it->path, sizeof(it->path));
		if (ret > 0 && gsi_container_id(it->path, it->id)) {
			gsi_cgroup_path(it, cgrp, ns_cset->dfl_cgrp, true);
			return true;
		}
		in_path = ret > 0 ? cgrp : NULL;
	}
	for (i = 0; i < ARRAY_SIZE(gsi_v1_ids); i++) {
		css = task_css(task, gsi_v1_ids[i]);
		if (!css->parent) {
			/* root: v1 unless it is the default hierarchy's */
			if (i == 0 && css->cgroup != &cgrp_dfl_root.cgrp)
				fb_v1_root = true;
			continue;
		}
		if (css->cgroup->root == &cgrp_dfl_root)
			continue;
		if (i == 0)
			fb_css = css;
		ret = kernfs_path(css->cgroup->kn, it->path, sizeof(it->path));
		if (ret > 0 && gsi_container_id(it->path, it->id)) {
			gsi_cgroup_path(it, css->cgroup,
					ns_cset->subsys[gsi_v1_ids[i]]->cgroup,
					true);
			return true;
		}
		in_path = ret > 0 ? css->cgroup : NULL;
	}
	if (it->containers_only)
		return false;
	if (fb_css) {
		gsi_cgroup_path(it, fb_css->cgroup,
				ns_cset->subsys[gsi_v1_ids[0]]->cgroup,
				in_path == fb_css->cgroup);
	} else if (fb_v1_root) {
		css = ns_cset->subsys[gsi_v1_ids[0]];
		/* a namespace root below the hierarchy's root pins it */
		if (css->parent)
			ret = kernfs_path_from_node(css->cgroup->root->cgrp.kn,
						    css->cgroup->kn, it->path,
						    sizeof(it->path));
		else
			ret = strscpy(it->path, "/", sizeof(it->path));
		if (ret < 0)
			it->path[0] = '\0';
	} else {
		cgrp = task_dfl_cgroup(task);
		gsi_cgroup_path(it, cgrp, ns_cset->dfl_cgrp, in_path == cgrp);
	}
	return true;
}

/* ---- per-process data ----------------------------------------------------- */

/*
 * May the reader see this task? The hidepid= and gid= options of the proc
 * mount the file was opened through, as /proc's has_pid_permissions()
 * applies them. hidepid=1 hides a whole record here (a record carries the
 * cmdline that option protects). ptrace_may_access() is not exported; this
 * is its PTRACE_MODE_READ_FSCREDS rule without the LSM hook: same thread
 * group, or the reader's fsuid/fsgid equal to all the task's uids/gids and
 * a dumpable mm, or CAP_SYS_PTRACE over the task's (and mm's) user ns.
 */
static bool gsi_may_see(struct gsi_iter *it, struct task_struct *task,
			struct mm_struct *mm)
{
	enum proc_hidepid hide = READ_ONCE(it->fs_info->hide_pid);
	const struct cred *cred = current_cred(), *tcred;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs rcu_read_lock()");
	if (hide == HIDEPID_OFF)
		return true;
	if (hide != HIDEPID_NOT_PTRACEABLE && in_group_p(it->fs_info->pid_gid))
		return true;
	if (same_thread_group(task, current))
		return true;
	tcred = __task_cred(task);
	if (!(uid_eq(cred->fsuid, tcred->euid) &&
	      uid_eq(cred->fsuid, tcred->suid) &&
	      uid_eq(cred->fsuid, tcred->uid) &&
	      gid_eq(cred->fsgid, tcred->egid) &&
	      gid_eq(cred->fsgid, tcred->sgid) &&
	      gid_eq(cred->fsgid, tcred->gid)) &&
	    !ns_capable_noaudit(tcred->user_ns, CAP_SYS_PTRACE))
		return false;
	if (mm && get_dumpable(mm) != SUID_DUMP_USER &&
	    !ns_capable_noaudit(mm->user_ns, CAP_SYS_PTRACE))
		return false;
	return true;
}

/* the group's runtime; stable under sig->stats_lock */
static u64 gsi_group_sum(struct task_struct *task)
{
	struct task_struct *t;
	u64 sum = task->signal->sum_sched_runtime;

	for_each_thread(task, t)
		sum += READ_ONCE(t->se.sum_exec_runtime);
	return sum;
}

/*
 * user + system time of every thread of the group, in ns (like /proc): one
 * lockless pass, then under stats_lock, as thread_group_cputime() does
 * (read_seqbegin_or_lock), so threads that keep exiting cannot starve the
 * reader.
 */
static u64 gsi_group_runtime(struct task_struct *task)
{
	seqlock_t *lock = &task->signal->stats_lock;
	unsigned long flags;
	unsigned int seq;
	u64 sum;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs rcu_read_lock()");
	seq = read_seqbegin(lock);
	sum = gsi_group_sum(task);
	if (!read_seqretry(lock, seq))
		return sum;
	read_seqlock_excl_irqsave(lock, flags);
	sum = gsi_group_sum(task);
	read_sequnlock_excl_irqrestore(lock, flags);
	return sum;
}

/*
 * The arguments joined by spaces, at most GSI_CMDLINE_MAX bytes, read as
 * get_mm_cmdline() does: anonymous memory only (FOLL_ANON), and when the
 * last byte of argv is not NUL (setproctitle(3) rewrote it, possibly on into
 * the environment) the string up to its first NUL. The addresses come from
 * mm; access_process_vm() reads the task's mm of the moment, so the bytes
 * count only if the task still has mm afterwards (an mm is never a task's
 * again once replaced, and our reference keeps its address from reuse).
 * May sleep.
 */
static size_t gsi_cmdline(struct task_struct *task, struct mm_struct *mm,
			  char *buf)
{
	unsigned long arg_start, arg_end, env_start, env_end, end;
	bool title;
	size_t len, i;
	int got;
	char c;

	spin_lock(&mm->arg_lock);
	arg_start = mm->arg_start;
	arg_end = mm->arg_end;
	env_start = mm->env_start;
	env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);
	if (!arg_start || arg_end <= arg_start)
		return 0;
	/* a rewritten title may run on into the environment, not elsewhere */
	if (env_start != arg_end || env_end < env_start)
		env_end = arg_end;
	title = access_process_vm(task, arg_end - 1, &c, 1, FOLL_ANON) == 1 && c;
	end = title ? env_end : arg_end;
	len = min_t(unsigned long, end - arg_start, GSI_CMDLINE_MAX);
	got = access_process_vm(task, arg_start, buf, len, FOLL_ANON);
	if (got <= 0 || READ_ONCE(task->mm) != mm)
		return 0;
	len = got;
	if (title)
		return strnlen(buf, len);
	while (len && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return len;
}

/* p100 (hundredths) as a number with two decimals */
static void gsi_put_pct(struct seq_file *m, const char *key, u64 p100)
{
	u32 rem;
	u64 whole = div_u64_rem(p100, 100, &rem);

	seq_put_decimal_ull(m, key, whole);
	seq_putc(m, '.');
	seq_putc(m, '0' + rem / 10);
	seq_putc(m, '0' + rem % 10);
}

static int gsi_show_task(struct seq_file *m, struct gsi_iter *it,
			 struct task_struct *task)
{
	unsigned long vsz_kb = 0, rss_kb = 0;
	struct mm_struct *mm;
	size_t cmdlen = 0;
	pid_t pid, ppid;
	u64 runtime, start, age;
	unsigned int threads;
	bool show;
	char state;
	uid_t uid;

	mm = get_task_mm(task);
	rcu_read_lock();
	show = pid_alive(task) && gsi_may_see(it, task, mm) &&
	       gsi_task_cgroup(it, task);
	if (!show) {
		rcu_read_unlock();
		goto skip;
	}
	pid = task_tgid_nr_ns(task, it->ns);
	ppid = task_tgid_nr_ns(rcu_dereference(task->real_parent), it->ns);
	uid = from_kuid_munged(seq_user_ns(m), task_euid(task));
	threads = get_nr_threads(task);
	state = task_state_to_char(task);
	runtime = gsi_group_runtime(task);
	rcu_read_unlock();

	if (!pid)
		goto skip;
	get_task_comm(it->comm, task);
	if (mm) {
		vsz_kb = mm->total_vm << (PAGE_SHIFT - 10);
		rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		cmdlen = gsi_cmdline(task, mm, it->cmd);
		mmput(mm);
	}
	start = timens_add_boottime_ns(task->start_boottime);
	age = it->boot_ns > start ? it->boot_ns - start : 0;

	if (it->listed_one)
		seq_putc(m, ',');
	seq_put_decimal_ll(m, "\n{\"pid\":", pid);
	seq_put_decimal_ll(m, ",\"ppid\":", ppid);
	seq_puts(m, ",\"name\":");
	gsi_json_str(m, it->comm, strnlen(it->comm, sizeof(it->comm)));
	seq_puts(m, ",\"cmdline\":");
	gsi_json_str(m, it->cmd, cmdlen);
	seq_puts(m, ",\"state\":\"");
	seq_putc(m, state);
	seq_put_decimal_ull(m, "\",\"uid\":", uid);
	seq_put_decimal_ull(m, ",\"threads\":", threads);
	seq_puts(m, ",\"container_id\":\"");
	seq_puts(m, it->id);
	seq_puts(m, "\",\"cgroup\":");
	gsi_json_str(m, it->path, strnlen(it->path, GSI_CGROUP_MAX));
	seq_put_decimal_ull(m, ",\"vsz_kb\":", vsz_kb);
	seq_put_decimal_ull(m, ",\"rss_kb\":", rss_kb);
	gsi_put_pct(m, ",\"mem_pct\":", gsi_pct100(rss_kb, it->total_kb));
	seq_put_decimal_ull(m, ",\"cpu_time_ns\":", runtime);
	gsi_put_pct(m, ",\"cpu_pct\":", gsi_pct100(runtime, age));
	seq_put_decimal_ull(m, ",\"start_time_ns\":", start);
	seq_putc(m, '}');
	/* a record that overflowed is discarded and produced again later */
	if (!seq_has_overflowed(m))
		it->listed_one = true;
	return 0;
skip:
	if (mm)
		mmput(mm);
	return SEQ_SKIP;
}

/* ---- header --------------------------------------------------------------- */

/*
 * SwapTotal is not exported to modules (total_swap_pages, si_swapinfo()):
 * read it from meminfo of the module's private proc instance, at open, so
 * no seq_file lock is held and no bind mount, FIFO or FUSE file (lxcfs) put
 * over some /proc/meminfo can stand in for it. 0 when unreadable.
 */
static u64 gsi_swap_total_kb(struct gsi_iter *it)
{
	unsigned long long kb;
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	char *p;

	f = file_open_root_mnt(gsi_proc_mnt, "meminfo", O_RDONLY, 0);
	if (IS_ERR(f))
		return 0;
	n = kernel_read(f, it->path, sizeof(it->path) - 1, &pos);
	fput(f);
	if (n <= 0)
		return 0;
	it->path[n] = '\0';
	p = strstr(it->path, "\nSwapTotal:");
	if (!p || sscanf(p + 11, "%llu", &kb) != 1)
		return 0;
	return kb;
}

static void gsi_show_header(struct seq_file *m, struct gsi_iter *it)
{
	/* in the order of /proc/stat's columns */
	static const struct {
		enum cpu_usage_stat idx;
		const char *key;
	} cpu_keys[] = {
		{ CPUTIME_USER, "\"cpu\":{\"user_ns\":" },
		{ CPUTIME_NICE, ",\"nice_ns\":" },
		{ CPUTIME_SYSTEM, ",\"system_ns\":" },
		{ CPUTIME_IDLE, ",\"idle_ns\":" },
		{ CPUTIME_IOWAIT, ",\"iowait_ns\":" },
		{ CPUTIME_IRQ, ",\"irq_ns\":" },
		{ CPUTIME_SOFTIRQ, ",\"softirq_ns\":" },
		{ CPUTIME_STEAL, ",\"steal_ns\":" },
	};
	u64 cpu[NR_STATS] = { 0 };
	struct kernel_cpustat kcs;
	u64 us, cached, avail_kb;
	struct sysinfo si;
	long cache_pages;
	int i, s;

	it->listed_one = false;
	it->boot_ns = timens_add_boottime_ns(ktime_get_boottime_ns());
	si_meminfo(&si);
	avail_kb = (u64)si_mem_available() << (PAGE_SHIFT - 10);
	cache_pages = global_node_page_state(NR_FILE_PAGES) -
		      total_swapcache_pages() - si.bufferram;
	cached = cache_pages > 0 ? cache_pages : 0;
	it->total_kb = (u64)si.totalram << (PAGE_SHIFT - 10);

	for_each_possible_cpu(i) {
		kcpustat_cpu_fetch(&kcs, i);
		for (s = 0; s < NR_STATS; s++)
			cpu[s] += kcs.cpustat[s];
		/* idle and iowait as /proc/stat counts them (NO_HZ) */
		us = cpu_online(i) ? get_cpu_idle_time_us(i, NULL) : -1ULL;
		if (us != -1ULL)
			cpu[CPUTIME_IDLE] += us * NSEC_PER_USEC -
					     kcs.cpustat[CPUTIME_IDLE];
		us = cpu_online(i) ? get_cpu_iowait_time_us(i, NULL) : -1ULL;
		if (us != -1ULL)
			cpu[CPUTIME_IOWAIT] += us * NSEC_PER_USEC -
					       kcs.cpustat[CPUTIME_IOWAIT];
	}

	seq_put_decimal_ull(m, "{\"version\":", GSI_FORMAT_VERSION);
	seq_put_decimal_ull(m, ",\"timestamp_ns\":", ktime_get_real_ns());
	seq_put_decimal_ull(m, ",\"boottime_ns\":", it->boot_ns);
	seq_put_decimal_ull(m, ",\"cpus\":", num_online_cpus());
	seq_put_decimal_ull(m, ",\"hz\":", USER_HZ);
	seq_puts(m, it->containers_only ? ",\"containers_only\":true,\n" :
					  ",\"containers_only\":false,\n");
	seq_put_decimal_ull(m, "\"memory\":{\"total_kb\":", it->total_kb);
	seq_put_decimal_ull(m, ",\"free_kb\":",
			    (u64)si.freeram << (PAGE_SHIFT - 10));
	seq_put_decimal_ull(m, ",\"available_kb\":", avail_kb);
	seq_put_decimal_ull(m, ",\"used_kb\":",
			    it->total_kb - min(it->total_kb, avail_kb));
	seq_put_decimal_ull(m, ",\"buffers_kb\":",
			    (u64)si.bufferram << (PAGE_SHIFT - 10));
	seq_put_decimal_ull(m, ",\"cached_kb\":", cached << (PAGE_SHIFT - 10));
	seq_put_decimal_ull(m, ",\"swap_total_kb\":", it->swap_total_kb);
	seq_put_decimal_ull(m, ",\"swap_free_kb\":",
			    (u64)get_nr_swap_pages() << (PAGE_SHIFT - 10));
	seq_puts(m, "},\n");
	for (s = 0; s < ARRAY_SIZE(cpu_keys); s++)
		seq_put_decimal_ull(m, cpu_keys[s].key, cpu[cpu_keys[s].idx]);
	seq_puts(m, "},\n\"processes\":[");
}

/* ---- seq_file iterator ----------------------------------------------------- */

/* The first thread group with tgid >= *pos - 1, referenced; NULL at the end. */
static struct task_struct *gsi_next_task(struct gsi_iter *it, loff_t *pos)
{
	struct task_struct *task = NULL;
	struct pid *pid;
	int nr = *pos - 1;

	rcu_read_lock();
	for (;;) {
		pid = find_ge_pid(nr, it->ns);
		if (!pid)
			break;
		nr = pid_nr_ns(pid, it->ns);
		task = pid_task(pid, PIDTYPE_TGID);
		if (task) {
			get_task_struct(task);
			break;
		}
		nr++;
	}
	rcu_read_unlock();
	*pos = task ? (loff_t)nr + 1 : GSI_POS_END;
	return task;
}

static void *gsi_start(struct seq_file *m, loff_t *pos)
{
	struct gsi_iter *it = m->private;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos < GSI_POS_END) {
		it->task = gsi_next_task(it, pos);
		if (it->task)
			return it->task;
	}
	return *pos == GSI_POS_END ? GSI_FOOTER : NULL;
}

static void *gsi_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct gsi_iter *it = m->private;

	if (v == GSI_FOOTER) {
		*pos = GSI_POS_END + 1;
		return NULL;
	}
	if (v != SEQ_START_TOKEN) {
		put_task_struct(it->task);
		it->task = NULL;
	}
	/* one read() may render thousands of records */
	cond_resched();
	++*pos;
	it->task = gsi_next_task(it, pos);
	return it->task ? (void *)it->task : GSI_FOOTER;
}

static void gsi_stop(struct seq_file *m, void *v)
{
	struct gsi_iter *it = m->private;

	if (it->task) {
		put_task_struct(it->task);
		it->task = NULL;
	}
}

static int gsi_show(struct seq_file *m, void *v)
{
	struct gsi_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		gsi_show_header(m, it);
		return 0;
	}
	if (v == GSI_FOOTER) {
		seq_puts(m, "\n]}\n");
		return 0;
	}
	return gsi_show_task(m, it, v);
}

static const struct seq_operations gsi_seq_ops = {
	.start = gsi_start,
	.next = gsi_next,
	.stop = gsi_stop,
	.show = gsi_show,
};

static int gsi_open(struct inode *inode, struct file *file)
{
	struct gsi_iter *it;

	it = __seq_open_private(file, &gsi_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->fs_info = proc_sb_info(inode->i_sb);
	it->ns = get_pid_ns(it->fs_info->pid_ns);
	it->containers_only = READ_ONCE(containers_only);
	it->boot_ns = timens_add_boottime_ns(ktime_get_boottime_ns());
	it->total_kb = totalram_pages() << (PAGE_SHIFT - 10);
	it->swap_total_kb = gsi_swap_total_kb(it);
	return 0;
}

static int gsi_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct gsi_iter *it = m->private;

	put_pid_ns(it->ns);
	return seq_release_private(inode, file);
}

static const struct proc_ops gsi_proc_ops = {
	.proc_open = gsi_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = gsi_release,
};

/*
 * A name proc_register() would refuse with a WARN() (empty, ".", "..",
 * 256 bytes or more, a pid-like number in /proc, a '/') is -EINVAL; a name
 * /proc already has (a file, "self", "thread-self") is -EEXIST, looked up
 * in the private proc instance.
 */
static int __init gsi_check_name(const char *name)
{
	size_t len = name ? strnlen(name, GSI_NAME_MAX + 1) : 0;
	struct dentry *d;
	size_t i;

	if (!len || len > GSI_NAME_MAX || strchr(name, '/') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len && isdigit(name[i]); i++)
		;
	if (i == len)
		return -EINVAL;
	d = lookup_positive_unlocked(name, gsi_proc_mnt->mnt_root, len);
	if (IS_ERR(d))
		return PTR_ERR(d) == -ENOENT ? 0 : PTR_ERR(d);
	dput(d);
	return -EEXIST;
}

static int __init gsi_init(void)
{
	struct file_system_type *proc_type;
	int ret;

	/* procfs is always built in: no module reference to drop */
	proc_type = get_fs_type("proc");
	if (!proc_type)
		return -ENOENT;
	gsi_proc_mnt = kern_mount(proc_type);
	if (IS_ERR(gsi_proc_mnt))
		return PTR_ERR(gsi_proc_mnt);
	ret = gsi_check_name(proc_name);
	if (ret)
		goto err;
	gsi_entry = proc_create(proc_name, 0444, NULL, &gsi_proc_ops);
	if (!gsi_entry) {
		ret = -ENOMEM;
		goto err;
	}
	return 0;
err:
	kern_unmount(gsi_proc_mnt);
	return ret;
}

static void __exit gsi_exit(void)
{
	proc_remove(gsi_entry);
	kern_unmount(gsi_proc_mnt);
}

module_init(gsi_init);
module_exit(gsi_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("gestor 202002591");
MODULE_DESCRIPTION("Per-process memory, CPU and container metrics as JSON in /proc");
MODULE_VERSION("1.1");
