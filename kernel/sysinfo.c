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
 * The document is what the opener may see through the /proc it opened the
 * file in, as /proc itself would show it: pids of that mount's pid
 * namespace; its hidepid= and gid= options applied by /proc's own check
 * with the opener's credentials (file->f_cred), whoever reads; uids in the
 * opener's user namespace, times in its time namespace, cgroup paths and
 * container ids as its cgroup namespace shows them.
 *
 * Safety: a record holds a reference on its task (get_task_struct), never a
 * bare RCU pointer across reads. Everything that may sleep (reading the
 * arguments of another process, mmput) runs outside rcu_read_lock();
 * threads, parent, credentials and the cgroup path are read inside it.
 * Fields that are racy by design (a live process's VSZ, thread count) are
 * read once, marked data_race().
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
/* most bytes a string decodes to (servicio's bound is 519) */
#define GSI_DECODED_MAX 512
/* a code point in U+EF80..U+EFFF stands for one raw byte 0x80..0xff */
#define GSI_RAW_BASE 0xef00
/* U+EF00, which no input produces: the cgroup path was cut here */
#define GSI_CUT_MARK "\\uef00"
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
	struct proc_fs_info *fs_info;	/* the proc instance opened through */
	struct dentry *proc_root;	/* its root, for /proc's own checks */
	const struct cred *cred;	/* the opener's: the file's f_cred */
	struct cgroup_namespace *cgns;	/* the opener's (reference held) */
	u64 boot_off;			/* the opener's time-namespace offset */
	struct task_struct *task;	/* the current record's task (ref held) */
	u64 total_kb;			/* RAM, for mem_pct */
	u64 swap_total_kb;		/* SwapTotal and SwapFree at open */
	u64 swap_free_kb;
	bool containers_only;		/* parameter value at open */
	bool listed_one;		/* a process record is in the output */
	char comm[TASK_COMM_LEN];
	char id[GSI_ID_LEN + 1];
	char cmd[GSI_CMDLINE_MAX];
	char path[PATH_MAX];		/* cgroup path scratch, also meminfo */
};

static struct proc_dir_entry *gsi_entry;

/* ---- JSON string output ------------------------------------------------ */

/*
 * Length of the UTF-8 sequence at s (1..4) when it is valid and not a code
 * point of U+EF00..U+EFFF (the range the escaping below reserves), else 0.
 * The module's own copy of lib/utf8.h's rules: kernel code cannot include
 * or link lib/. servicio's escape_test compiles this function beside
 * lib/jsonesc.c and checks that both give the same bytes.
 */
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
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= GSI_RAW_BASE && cp <= GSI_RAW_BASE + 0xff))
		return 0;
	return len;
}

/*
 * The next unit of s[i..n): how many input bytes it takes (*len) and how
 * many bytes its escaped form decodes to (the return value).
 */
static size_t gsi_unit(const unsigned char *s, size_t i, size_t n,
		       size_t *len)
{
	unsigned char c = s[i];

	*len = 1;
	if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
		return 1;
	*len = gsi_utf8_len(s + i, n - i);
	if (*len)
		return *len;
	*len = 1;
	return 3;	/* U+EF80..U+EFFF: three bytes of UTF-8 */
}

/*
 * Write s[0..n) as a JSON string, escaped so that it decodes back to the
 * same bytes: quotes, backslashes and control bytes are escaped (\u00XX for
 * those without a short form); valid UTF-8 is copied; each byte that is not
 * part of valid UTF-8, and each byte of a code point in U+EF00..U+EFFF, is
 * written \uefXX, XX its value (0x80..0xff): a code point in U+EF80..U+EFFF
 * decodes to one raw byte, any other to its UTF-8. At most
 * GSI_DECODED_MAX bytes once decoded: a longer string is cut on a unit.
 * With mark, a string cut here or before (cut: s is the start of something
 * longer) ends with U+EF00, which nothing else produces.
 */
static void gsi_json_str(struct seq_file *m, const char *str, size_t n,
			 bool cut, bool mark)
{
	size_t max = GSI_DECODED_MAX;
	const unsigned char *s = (const unsigned char *)str;
	size_t i, run = 0, len, out = 0, dec;

	for (i = 0; i < n && out <= max; i += len)
		out += gsi_unit(s, i, n, &len);
	if (out > max)
		cut = true;
	mark = mark && cut;
	if (mark)
		max -= 3;	/* room for the mark */
	seq_putc(m, '"');
	for (i = 0, out = 0; i < n; i += len) {
		unsigned char c = s[i];

		dec = gsi_unit(s, i, n, &len);
		if (out + dec > max)
			break;
		out += dec;
		if (dec == len && c >= 0x20 && c != '"' && c != '\\' &&
		    c != 0x7f)
			continue;
		if (i > run)
			seq_write(m, s + run, i - run);
		run = i + len;
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
			seq_printf(m, dec == 3 ? "\\uef%02x" : "\\u%04x", c);
		}
	}
	if (i > run)
		seq_write(m, s + run, i - run);
	if (mark)
		seq_puts(m, GSI_CUT_MARK);
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
 * Find a container id in a cgroup path from the hierarchy's root:
 * "/docker/<id>" (cgroupfs driver), "docker-<id>.scope" (systemd driver),
 * "cri-containerd-<id>.scope", "crio-<id>.scope" and "libpod-<id>.scope".
 * The outermost match below level hide wins (the component at level L is
 * the cgroup at level L; those up to hide the reader's cgroup namespace
 * does not show).
 */
static bool gsi_container_id(const char *path, char *id, int hide)
{
	static const char * const prefixes[] = {
		"docker-", "cri-containerd-", "crio-", "libpod-",
	};
	const char *p = path, *prev = NULL, *end;
	size_t plen = 0, len, i, pfx;
	int level = 0;

	while (*p) {
		if (*p == '/') {
			p++;
			continue;
		}
		end = strchrnul(p, '/');
		len = end - p;
		if (++level <= hide)
			goto next;
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
next:
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
 * The deepest level at which cgrp and the namespace root ns_root have the
 * same ancestor: the components of cgrp's path up to it are the namespace
 * root or above it, which the namespace does not show.
 */
static int gsi_hidden_level(struct cgroup *cgrp, struct cgroup *ns_root)
{
	int l;

	if (!cgroup_parent(ns_root))
		return 0;
	l = min(cgrp->level, ns_root->level);

	while (l > 0 && cgrp->ancestors[l] != ns_root->ancestors[l])
		l--;
	return l;
}

/*
 * it->path := the path of cgrp as the opener's cgroup namespace shows it
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
 * memory, cpu, pids and cpuset controllers; only a component that the
 * opener's cgroup namespace shows (below its root) counts, so a reader in
 * a container's namespace does not learn the id its own /proc/self/cgroup
 * hides. Without a container the path
 * is the memory controller's v1 path on a v1 or hybrid system, else the v2
 * path. A root cgroup never names a container and is not dereferenced: on
 * 6.1 a v1 hierarchy's root is freed without a grace period when the
 * hierarchy is unmounted; "css->parent == NULL" says root without touching
 * it, and a non-root css keeps its hierarchy alive. Nothing here sleeps.
 */
static bool gsi_task_cgroup(struct gsi_iter *it, struct task_struct *task)
{
	struct css_set *ns_cset = it->cgns->root_cset;
	struct cgroup_subsys_state *css, *ns_css, *fb_css = NULL;
	struct cgroup *cgrp, *in_path = NULL;	/* whose path it->path holds */
	bool fb_v1_root = false;
	size_t i;
	int ret, hide;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs rcu_read_lock()");
	it->id[0] = '\0';
	cgrp = task_dfl_cgroup(task);
	if (cgroup_parent(cgrp)) {
		ret = kernfs_path(cgrp->kn, it->path, sizeof(it->path));
		hide = gsi_hidden_level(cgrp, ns_cset->dfl_cgrp);
		if (ret > 0 && gsi_container_id(it->path, it->id, hide)) {
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
		/* a root css is not dereferenced (see above) */
		ns_css = ns_cset->subsys[gsi_v1_ids[i]];
		hide = ns_css->parent ?
		       gsi_hidden_level(css->cgroup, ns_css->cgroup) : 0;
		if (ret > 0 && gsi_container_id(it->path, it->id, hide)) {
			gsi_cgroup_path(it, css->cgroup, ns_css->cgroup, true);
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
 * May the opener see this task (pid nr in the mount's namespace)? /proc's
 * own answer for the proc instance the file was opened in, asked with the
 * opener's credentials: has_pid_permissions() and ptrace_may_access() are
 * not exported to modules, so the check is that of /proc/<nr> itself, a
 * lookup (proc_pid_lookup(), which hides the task under hidepid=invisible)
 * and inode_permission() (proc_pid_permission(): the gid= group, then
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS), with its task_lock,
 * smp_rmb() before the dumpable check, and the LSM hook), done under
 * override_creds(file->f_cred) so that a file opened unprivileged and read
 * by a privileged process shows what the opener may see. hidepid=1 hides a
 * whole record here (a record carries the cmdline that option protects).
 * A cached dentry of an earlier task with the same number fails the
 * permission check (its task is gone), and a task alive after the check
 * held the number throughout. May sleep.
 */
static bool gsi_may_see(struct gsi_iter *it, struct task_struct *task,
			pid_t nr)
{
	const struct cred *old;
	struct dentry *d;
	char name[16];
	int len, ret;

	if (READ_ONCE(it->fs_info->hide_pid) == HIDEPID_OFF)
		return true;
	len = snprintf(name, sizeof(name), "%d", nr);
	old = override_creds(it->cred);
	d = lookup_positive_unlocked(name, it->proc_root, len);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
	} else {
		ret = inode_permission(&init_user_ns, d_inode(d), MAY_EXEC);
		dput(d);
	}
	revert_creds(old);
	return !ret && pid_alive(task);
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
	struct mm_struct *mm = NULL;
	size_t cmdlen = 0, cglen;
	pid_t pid, ppid;
	u64 runtime, now, age;
	unsigned int threads;
	char state;
	uid_t uid;

	rcu_read_lock();
	pid = pid_alive(task) ? task_tgid_nr_ns(task, it->ns) : 0;
	rcu_read_unlock();
	if (!pid || !gsi_may_see(it, task, pid))
		goto skip;
	mm = get_task_mm(task);
	rcu_read_lock();
	if (!pid_alive(task) || !gsi_task_cgroup(it, task)) {
		rcu_read_unlock();
		goto skip;
	}
	ppid = task_tgid_nr_ns(rcu_dereference(task->real_parent), it->ns);
	uid = from_kuid_munged(seq_user_ns(m), task_euid(task));
	/* written under siglock by fork and exit; any recent value will do */
	threads = data_race(get_nr_threads(task));
	state = task_state_to_char(task);
	/*
	 * The record's time base: its CPU time and the clock are read
	 * together, the runtime first, so cpu_pct is never above the real
	 * average (the runtime only grows) and never needs the header's time.
	 */
	runtime = gsi_group_runtime(task);
	now = ktime_get_boottime_ns();
	rcu_read_unlock();

	get_task_comm(it->comm, task);
	if (mm) {
		/* written under mmap_lock, which is not taken here (as statm) */
		vsz_kb = data_race(mm->total_vm) << (PAGE_SHIFT - 10);
		rss_kb = get_mm_rss(mm) << (PAGE_SHIFT - 10);
		cmdlen = gsi_cmdline(task, mm, it->cmd);
		mmput(mm);
	}
	/* start_boottime is set once, at fork, before the task is visible */
	age = now - task->start_boottime;
	cglen = strnlen(it->path, GSI_CGROUP_MAX + 1);

	if (it->listed_one)
		seq_putc(m, ',');
	seq_put_decimal_ll(m, "\n{\"pid\":", pid);
	seq_put_decimal_ll(m, ",\"ppid\":", ppid);
	seq_puts(m, ",\"name\":");
	gsi_json_str(m, it->comm, strnlen(it->comm, sizeof(it->comm)), false,
		     false);
	seq_puts(m, ",\"cmdline\":");
	gsi_json_str(m, it->cmd, cmdlen, false, false);
	seq_puts(m, ",\"state\":\"");
	seq_putc(m, state);
	seq_put_decimal_ull(m, "\",\"uid\":", uid);
	seq_put_decimal_ull(m, ",\"threads\":", threads);
	seq_puts(m, ",\"container_id\":\"");
	seq_puts(m, it->id);
	seq_puts(m, "\",\"cgroup\":");
	gsi_json_str(m, it->path, min_t(size_t, cglen, GSI_CGROUP_MAX),
		     cglen > GSI_CGROUP_MAX, true);
	seq_put_decimal_ull(m, ",\"vsz_kb\":", vsz_kb);
	seq_put_decimal_ull(m, ",\"rss_kb\":", rss_kb);
	gsi_put_pct(m, ",\"mem_pct\":", gsi_pct100(rss_kb, it->total_kb));
	seq_put_decimal_ull(m, ",\"cpu_time_ns\":", runtime);
	gsi_put_pct(m, ",\"cpu_pct\":", gsi_pct100(runtime, age));
	seq_put_decimal_ull(m, ",\"start_time_ns\":",
			    task->start_boottime + it->boot_off);
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

/* the number after key in meminfo's text, 0 when it is not there */
static u64 gsi_meminfo_kb(const char *text, const char *key)
{
	unsigned long long kb;
	const char *p = strstr(text, key);

	if (!p || sscanf(p + strlen(key), "%llu", &kb) != 1)
		return 0;
	return kb;
}

/*
 * SwapTotal and SwapFree, from one si_swapinfo() call: that function and
 * total_swap_pages are not exported to modules on 6.1 (nr_swap_pages is,
 * but it is SwapFree alone, without the pages of a swapoff in progress).
 * So they are read at open from the meminfo of the proc instance the file
 * was opened in, looked up by dentry from that instance's root: no mount is
 * crossed, so no bind mount, FIFO or FUSE file (lxcfs) put over some
 * /proc/meminfo can stand in for it, and no mount of the module's own is
 * needed. At open, so that no seq_file lock is held (reading meminfo under
 * ours would take a second lock of the same class). 0 when unreadable.
 */
static void gsi_swap_at_open(struct gsi_iter *it, struct file *file)
{
	struct path path = { .mnt = file->f_path.mnt };
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	path.dentry = lookup_positive_unlocked("meminfo", it->proc_root, 7);
	if (IS_ERR(path.dentry))
		return;
	f = dentry_open(&path, O_RDONLY, file->f_cred);
	dput(path.dentry);
	if (IS_ERR(f))
		return;
	n = kernel_read(f, it->path, sizeof(it->path) - 1, &pos);
	fput(f);
	if (n <= 0)
		return;
	it->path[n] = '\0';
	it->swap_total_kb = gsi_meminfo_kb(it->path, "\nSwapTotal:");
	it->swap_free_kb = gsi_meminfo_kb(it->path, "\nSwapFree:");
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
	seq_put_decimal_ull(m, ",\"boottime_ns\":",
			    ktime_get_boottime_ns() + it->boot_off);
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
	seq_put_decimal_ull(m, ",\"swap_free_kb\":", it->swap_free_kb);
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
	it->proc_root = inode->i_sb->s_root;	/* the open file pins it */
	it->ns = get_pid_ns(it->fs_info->pid_ns);
	it->cred = file->f_cred;		/* as long as the file */
	it->cgns = current->nsproxy->cgroup_ns;
	get_cgroup_ns(it->cgns);
	/* CLOCK_BOOTTIME's offset in the opener's time namespace (mod 2^64) */
	it->boot_off = timens_add_boottime_ns(0);
	it->containers_only = READ_ONCE(containers_only);
	it->total_kb = totalram_pages() << (PAGE_SHIFT - 10);
	gsi_swap_at_open(it, file);
	return 0;
}

static int gsi_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct gsi_iter *it = m->private;

	put_cgroup_ns(it->cgns);
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
 * in a proc instance mounted for this check only (it is attached to no
 * mount namespace, so nothing can cover its names).
 */
static int __init gsi_check_name(struct vfsmount *mnt, const char *name)
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
	d = lookup_positive_unlocked(name, mnt->mnt_root, len);
	if (IS_ERR(d))
		return PTR_ERR(d) == -ENOENT ? 0 : PTR_ERR(d);
	dput(d);
	return -EEXIST;
}

static int __init gsi_init(void)
{
	struct file_system_type *proc_type;
	struct vfsmount *mnt;
	int ret;

	/* procfs is always built in: no module reference to drop */
	proc_type = get_fs_type("proc");
	if (!proc_type)
		return -ENOENT;
	mnt = kern_mount(proc_type);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	ret = gsi_check_name(mnt, proc_name);
	kern_unmount(mnt);
	if (ret)
		return ret;
	gsi_entry = proc_create(proc_name, 0444, NULL, &gsi_proc_ops);
	return gsi_entry ? 0 : -ENOMEM;
}

static void __exit gsi_exit(void)
{
	proc_remove(gsi_entry);
}

module_init(gsi_init);
module_exit(gsi_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("gestor 202002591");
MODULE_DESCRIPTION("Per-process memory, CPU and container metrics as JSON in /proc");
MODULE_VERSION("1.2");
