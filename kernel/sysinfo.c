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
 * Safety: a record holds a reference on its task (get_task_struct), never a
 * bare RCU pointer across reads. Everything that may sleep (reading the
 * arguments of another process, mmput) runs outside rcu_read_lock();
 * threads, parent, credentials and the cgroup path are read inside it.
 * Kernel threads (no mm) report zero memory and an empty cmdline. procfs
 * runs down readers before remove_proc_entry() returns, so unloading while
 * the file is open is safe. The format is documented in docs/proc-format.md.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/sched/cputime.h>
#include <linux/sched/task.h>
#include <linux/pid_namespace.h>
#include <linux/cred.h>
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
#include <linux/slab.h>

#define SI_FORMAT_VERSION 1
#define SI_CMDLINE_MAX 256
#define SI_CGROUP_MAX 256
#define SI_ID_LEN 64
/* seq_file positions: 0 header, tgid + 1 a process, SI_POS_END the footer */
#define SI_POS_END ((loff_t)PID_MAX_LIMIT + 2)
#define SI_FOOTER ((void *)2)

static char *proc_name = "sysinfo_202002591";
module_param(proc_name, charp, 0444);
MODULE_PARM_DESC(proc_name, "name of the file created in /proc");

static bool containers_only;
module_param(containers_only, bool, 0644);
MODULE_PARM_DESC(containers_only, "list only processes inside a container");

struct si_iter {
	struct pid_namespace *ns;
	struct task_struct *task;	/* the current record's task (ref held) */
	u64 boot_ns;			/* boottime when the header was made */
	u64 total_kb;			/* RAM, for mem_pct */
	bool containers_only;		/* parameter value at open */
	bool listed_one;		/* a process record is in the output */
	char comm[TASK_COMM_LEN];
	char id[SI_ID_LEN + 1];
	char cmd[SI_CMDLINE_MAX];
	char path[PATH_MAX];		/* cgroup path scratch, also meminfo */
};

static struct proc_dir_entry *si_entry;

/* ---- JSON string output ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid. */
static size_t si_utf8_len(const unsigned char *s, size_t n)
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
static void si_json_str(struct seq_file *m, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, len;

	seq_putc(m, '"');
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
			len = si_utf8_len(s + i, n - i);
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
static u64 si_pct100(u64 num, u64 den)
{
	if (!den)
		return 0;
	if (num <= U64_MAX / 10000)
		return div64_u64(num * 10000, den);
	return div64_u64(num, max_t(u64, div64_u64(den, 10000), 1));
}

/* ---- container attribution ----------------------------------------------- */

static bool si_is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != SI_ID_LEN)
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
static bool si_container_id(const char *path, char *id)
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
		    si_is_hex64(p, len)) {
			memcpy(id, p, SI_ID_LEN);
			id[SI_ID_LEN] = '\0';
			return true;
		}
		for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
			pfx = strlen(prefixes[i]);
			if (len == pfx + SI_ID_LEN + 6 &&
			    !memcmp(p, prefixes[i], pfx) &&
			    !memcmp(p + pfx + SI_ID_LEN, ".scope", 6) &&
			    si_is_hex64(p + pfx, SI_ID_LEN)) {
				memcpy(id, p + pfx, SI_ID_LEN);
				id[SI_ID_LEN] = '\0';
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
static const int si_v1_ids[] = {
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
 * Fill it->path with the task's cgroup path and it->id with its container
 * id ("" for none). The v2 (default) hierarchy is tried first, then the v1
 * hierarchies of the memory, cpu, pids and cpuset controllers. Without a
 * container the path is the memory controller's v1 path on a v1 or hybrid
 * system, else the v2 path. Called under rcu_read_lock(): cgroups and their
 * kernfs nodes are freed only after a grace period; nothing here sleeps.
 */
static void si_task_cgroup(struct si_iter *it, struct task_struct *task)
{
	struct cgroup *cgrp, *fallback;
	size_t i;
	int ret;

	it->id[0] = '\0';
	cgrp = task_dfl_cgroup(task);
	fallback = cgrp;
	/* a root cgroup ("/") never names a container */
	if (cgroup_parent(cgrp)) {
		ret = kernfs_path(cgrp->kn, it->path, sizeof(it->path));
		if (ret > 0 && si_container_id(it->path, it->id))
			return;
	}
	for (i = 0; i < ARRAY_SIZE(si_v1_ids); i++) {
		cgrp = task_css(task, si_v1_ids[i])->cgroup;
		if (cgrp->root == &cgrp_dfl_root)
			continue;
		if (i == 0)
			fallback = cgrp;
		if (!cgroup_parent(cgrp))
			continue;
		ret = kernfs_path(cgrp->kn, it->path, sizeof(it->path));
		if (ret > 0 && si_container_id(it->path, it->id))
			return;
	}
	if (!cgroup_parent(fallback)) {
		strscpy(it->path, "/", sizeof(it->path));
		return;
	}
	ret = kernfs_path(fallback->kn, it->path, sizeof(it->path));
	if (ret < 0)
		it->path[0] = '\0';
}

/* ---- per-process data ----------------------------------------------------- */

/* user + system time of every thread of the group, in ns (like /proc) */
static u64 si_group_runtime(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;
	struct task_struct *t;
	unsigned int seq;
	u64 sum;

	do {
		seq = read_seqbegin(&sig->stats_lock);
		sum = sig->sum_sched_runtime;
		for_each_thread(task, t)
			sum += READ_ONCE(t->se.sum_exec_runtime);
	} while (read_seqretry(&sig->stats_lock, seq));
	return sum;
}

/* The arguments joined by spaces, at most SI_CMDLINE_MAX bytes; may sleep. */
static size_t si_cmdline(struct task_struct *task, struct mm_struct *mm,
			 char *buf)
{
	unsigned long start, end;
	size_t len, i;
	int got;

	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (!start || end <= start)
		return 0;
	len = min_t(unsigned long, end - start, SI_CMDLINE_MAX);
	got = access_process_vm(task, start, buf, len, 0);
	if (got <= 0)
		return 0;
	len = got;
	while (len && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return len;
}

static int si_show_task(struct seq_file *m, struct si_iter *it,
			struct task_struct *task)
{
	unsigned long vsz_kb = 0, rss_kb = 0;
	struct mm_struct *mm;
	size_t cmdlen = 0;
	pid_t pid, ppid;
	u64 runtime, start, age;
	unsigned int threads;
	char state;
	uid_t uid;

	rcu_read_lock();
	if (!pid_alive(task)) {
		rcu_read_unlock();
		return SEQ_SKIP;
	}
	si_task_cgroup(it, task);
	if (it->containers_only && !it->id[0]) {
		rcu_read_unlock();
		return SEQ_SKIP;
	}
	pid = task_tgid_nr_ns(task, it->ns);
	ppid = task_tgid_nr_ns(rcu_dereference(task->real_parent), it->ns);
	uid = from_kuid_munged(current_user_ns(), task_euid(task));
	threads = get_nr_threads(task);
	state = task_state_to_char(task);
	runtime = si_group_runtime(task);
	rcu_read_unlock();

	if (!pid)
		return SEQ_SKIP;
	get_task_comm(it->comm, task);
	mm = get_task_mm(task);
	if (mm) {
		vsz_kb = mm->total_vm << (PAGE_SHIFT - 10);
		rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		cmdlen = si_cmdline(task, mm, it->cmd);
		mmput(mm);
	}
	start = task->start_boottime;
	age = it->boot_ns > start ? it->boot_ns - start : 0;

	if (it->listed_one)
		seq_putc(m, ',');
	seq_printf(m, "\n{\"pid\":%d,\"ppid\":%d,\"name\":", pid, ppid);
	si_json_str(m, it->comm, strnlen(it->comm, sizeof(it->comm)));
	seq_puts(m, ",\"cmdline\":");
	si_json_str(m, it->cmd, cmdlen);
	seq_printf(m, ",\"state\":\"%c\",\"uid\":%u,\"threads\":%u,\"container_id\":\"%s\",\"cgroup\":",
		   state, uid, threads, it->id);
	si_json_str(m, it->path, strnlen(it->path, SI_CGROUP_MAX));
	{
		u64 mp = si_pct100(rss_kb, it->total_kb);
		u64 cp = si_pct100(runtime, age);

		seq_printf(m, ",\"vsz_kb\":%lu,\"rss_kb\":%lu,\"mem_pct\":%llu.%02llu,\"cpu_time_ns\":%llu,\"cpu_pct\":%llu.%02llu,\"start_time_ns\":%llu}",
			   vsz_kb, rss_kb, mp / 100, mp % 100, runtime,
			   cp / 100, cp % 100, start);
	}
	/* a record that overflowed is discarded and produced again later */
	if (!seq_has_overflowed(m))
		it->listed_one = true;
	return 0;
}

/* ---- header --------------------------------------------------------------- */

/* SwapTotal is not exported to modules: read it from /proc/meminfo. */
static u64 si_swap_total_kb(struct si_iter *it)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;
	char *p;
	unsigned long long kb;

	f = filp_open("/proc/meminfo", O_RDONLY, 0);
	if (IS_ERR(f))
		return 0;
	n = kernel_read(f, it->path, sizeof(it->path) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return 0;
	it->path[n] = '\0';
	p = strstr(it->path, "\nSwapTotal:");
	if (!p || sscanf(p + 11, "%llu", &kb) != 1)
		return 0;
	return kb;
}

static void si_show_header(struct seq_file *m, struct si_iter *it)
{
	struct kernel_cpustat kcs;
	struct sysinfo si;
	u64 cpu[8] = { 0 };
	u64 idle_us, iowait_us, cached, avail, swap_total;
	long cache_pages;
	int i;

	it->listed_one = false;
	it->boot_ns = ktime_get_boottime_ns();
	si_meminfo(&si);
	avail = si_mem_available();
	cache_pages = global_node_page_state(NR_FILE_PAGES) -
		      total_swapcache_pages() - si.bufferram;
	cached = cache_pages > 0 ? cache_pages : 0;
	it->total_kb = si.totalram << (PAGE_SHIFT - 10);
	swap_total = si_swap_total_kb(it);

	for_each_possible_cpu(i) {
		kcpustat_cpu_fetch(&kcs, i);
		cpu[0] += kcs.cpustat[CPUTIME_USER];
		cpu[1] += kcs.cpustat[CPUTIME_NICE];
		cpu[2] += kcs.cpustat[CPUTIME_SYSTEM];
		idle_us = cpu_online(i) ? get_cpu_idle_time_us(i, NULL) : -1ULL;
		cpu[3] += idle_us == -1ULL ? kcs.cpustat[CPUTIME_IDLE] :
					     idle_us * NSEC_PER_USEC;
		iowait_us = cpu_online(i) ? get_cpu_iowait_time_us(i, NULL) : -1ULL;
		cpu[4] += iowait_us == -1ULL ? kcs.cpustat[CPUTIME_IOWAIT] :
					       iowait_us * NSEC_PER_USEC;
		cpu[5] += kcs.cpustat[CPUTIME_IRQ];
		cpu[6] += kcs.cpustat[CPUTIME_SOFTIRQ];
		cpu[7] += kcs.cpustat[CPUTIME_STEAL];
	}

	seq_printf(m, "{\"version\":%d,\"timestamp_ns\":%llu,\"boottime_ns\":%llu,\"cpus\":%u,\"hz\":%d,\"containers_only\":%s,\n",
		   SI_FORMAT_VERSION, ktime_get_real_ns(), it->boot_ns,
		   num_online_cpus(), USER_HZ,
		   it->containers_only ? "true" : "false");
	seq_printf(m, "\"memory\":{\"total_kb\":%llu,\"free_kb\":%llu,\"available_kb\":%llu,\"used_kb\":%llu,\"buffers_kb\":%llu,\"cached_kb\":%llu,\"swap_total_kb\":%llu,\"swap_free_kb\":%llu},\n",
		   it->total_kb, (u64)si.freeram << (PAGE_SHIFT - 10),
		   avail << (PAGE_SHIFT - 10),
		   it->total_kb - min_t(u64, it->total_kb, avail << (PAGE_SHIFT - 10)),
		   (u64)si.bufferram << (PAGE_SHIFT - 10),
		   cached << (PAGE_SHIFT - 10), swap_total,
		   (u64)get_nr_swap_pages() << (PAGE_SHIFT - 10));
	seq_printf(m, "\"cpu\":{\"user_ns\":%llu,\"nice_ns\":%llu,\"system_ns\":%llu,\"idle_ns\":%llu,\"iowait_ns\":%llu,\"irq_ns\":%llu,\"softirq_ns\":%llu,\"steal_ns\":%llu},\n\"processes\":[",
		   cpu[0], cpu[1], cpu[2], cpu[3], cpu[4], cpu[5], cpu[6],
		   cpu[7]);
}

/* ---- seq_file iterator ----------------------------------------------------- */

/* The first thread group with tgid >= *pos - 1, referenced; NULL at the end. */
static struct task_struct *si_next_task(struct si_iter *it, loff_t *pos)
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
	*pos = task ? (loff_t)nr + 1 : SI_POS_END;
	return task;
}

static void *si_start(struct seq_file *m, loff_t *pos)
{
	struct si_iter *it = m->private;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	if (*pos < SI_POS_END) {
		it->task = si_next_task(it, pos);
		if (it->task)
			return it->task;
	}
	return *pos == SI_POS_END ? SI_FOOTER : NULL;
}

static void *si_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct si_iter *it = m->private;

	if (v == SI_FOOTER) {
		*pos = SI_POS_END + 1;
		return NULL;
	}
	if (v != SEQ_START_TOKEN) {
		put_task_struct(it->task);
		it->task = NULL;
	}
	++*pos;
	it->task = si_next_task(it, pos);
	return it->task ? (void *)it->task : SI_FOOTER;
}

static void si_stop(struct seq_file *m, void *v)
{
	struct si_iter *it = m->private;

	if (it->task) {
		put_task_struct(it->task);
		it->task = NULL;
	}
}

static int si_show(struct seq_file *m, void *v)
{
	struct si_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		si_show_header(m, it);
		return 0;
	}
	if (v == SI_FOOTER) {
		seq_puts(m, "\n]}\n");
		return 0;
	}
	return si_show_task(m, it, v);
}

static const struct seq_operations si_seq_ops = {
	.start = si_start,
	.next = si_next,
	.stop = si_stop,
	.show = si_show,
};

static int si_open(struct inode *inode, struct file *file)
{
	struct si_iter *it;

	it = __seq_open_private(file, &si_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->ns = get_pid_ns(proc_pid_ns(inode->i_sb));
	it->containers_only = READ_ONCE(containers_only);
	it->boot_ns = ktime_get_boottime_ns();
	it->total_kb = totalram_pages() << (PAGE_SHIFT - 10);
	return 0;
}

static int si_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct si_iter *it = m->private;

	put_pid_ns(it->ns);
	return seq_release_private(inode, file);
}

static const struct proc_ops si_proc_ops = {
	.proc_open = si_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = si_release,
};

static int __init si_init(void)
{
	if (!proc_name || !*proc_name || strchr(proc_name, '/'))
		return -EINVAL;
	si_entry = proc_create(proc_name, 0444, NULL, &si_proc_ops);
	if (!si_entry)
		return -ENOMEM;
	return 0;
}

static void __exit si_exit(void)
{
	proc_remove(si_entry);
}

module_init(si_init);
module_exit(si_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("gestor 202002591");
MODULE_DESCRIPTION("Per-process memory, CPU and container metrics as JSON in /proc");
MODULE_VERSION("1.0");
