/*
 * privs.c — the privileged parent and the drop (see privs.h).
 *
 * The parent speaks one-byte messages on a socketpair: the child sends 'I'
 * when the cron job is installed and 'R' to have it removed; the parent
 * answers 'R' with '0' (done) or '1' (failed). Nothing else is accepted,
 * and the script the parent runs is the one it found and checked itself
 * (cron.h, trust.h), never a path the child names.
 */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cron.h"
#include "gestor.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define PRIVS_USER_MAX 64

static int privs_fd = -1; /* the child's end; -1: not split */
static char privs_user[PRIVS_USER_MAX];
static volatile sig_atomic_t privs_sig;

static void privs_on_signal(int sig)
{
	privs_sig = sig;
}

int privs_serve(int fd, pid_t child, const char *cron_script)
{
	struct cron pc = { 0 };
	struct sigaction sa = { 0 };
	int status = 0;
	bool ended = false; /* the child is reaped: read what it said before, then stop */

	sa.sa_handler = privs_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		char c;

		if (privs_sig) {
			kill(child, (int)privs_sig);
			privs_sig = 0;
		}
		if (!ended && waitpid(child, &status, WNOHANG) == child)
			ended = true;
		if (poll(&p, 1, ended ? 0 : 200) <= 0 || !(p.revents & (POLLIN | POLLHUP))) {
			if (ended)
				break;
			continue;
		}
		if (read(fd, &c, 1) != 1) {
			/* the child is gone (or closing): wait for it below */
			while (!ended && waitpid(child, &status, 0) < 0 && errno == EINTR) {
				if (privs_sig)
					kill(child, (int)privs_sig);
				privs_sig = 0;
			}
			break;
		}
		if (c == 'I') {
			cron_locate(&pc, cron_script);
			pc.installed = pc.script[0] != '\0';
		} else if (c == 'R') {
			cron_remove(&pc);
			c = pc.installed ? '1' : '0';
			if (write(fd, &c, 1) != 1)
				(void)0;
		}
	}
	if (pc.installed) {
		log_warnx("servicio (pid %d) ended with the cron job installed: removing it",
			  (int)child);
		cron_remove(&pc);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int privs_split(const char *user, const char *cron_script)
{
	int sv[2];
	pid_t pid;

	struct passwd *pw;

	if (!user[0] || geteuid() != 0)
		return 0;
	if (!util_strlcpy(privs_user, user, sizeof(privs_user)))
		return -ENAMETOOLONG;
	/* --user root: stay root, said once (docs/servicio.md, Privileges) */
	pw = getpwnam(user);
	if (pw && pw->pw_uid == 0) {
		log_info("privileges: --user %s: servicio stays root with every capability", user);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid > 0) {
		close(sv[1]);
		_exit(privs_serve(sv[0], pid, cron_script));
	}
	close(sv[0]);
	privs_fd = sv[1];
	/* the parent dies (SIGKILL): the child stops cleanly on its own */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	cron_use_helper(privs_fd);
	return 0;
}

bool privs_dropping(void)
{
	return privs_fd >= 0;
}

void privs_caps_for(enum snap_source src, char *out, size_t cap)
{
	/*
	 * Measured (docs/servicio.md, "Least privilege"; tests/hardening/
	 * trust_caps.sh): after start-up no source needs a capability. procfs
	 * reads /proc/<pid>/stat and status (0444) and the cgroup files
	 * (0444); bpf makes its iterators from links loaded before the drop
	 * (BPF_ITER_CREATE needs none); the module's file is 0444; the Docker
	 * socket is the group docker's, the log server's socket the group
	 * gestor-logs' in a directory kept open (logclient_pin), so root's
	 * 0700 GESTOR_RUN_DIR is not searched. (A /proc mounted hidepid=2, or
	 * a kernel whose unprivileged_bpf_disabled refuses every bpf() command,
	 * would ask more: cap_sys_ptrace, cap_bpf; GESTOR_PRIVS_CAPS.)
	 */
	(void)src;
	util_strlcpy(out, "", cap);
}

/* The system user, made with useradd when missing. 0 or -errno. */
static int privs_user_get(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		pid_t pid = fork();
		int st = -1;

		if (pid == 0) {
			execl("/usr/sbin/useradd", "useradd", "--system", "--no-create-home",
			      "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
			      "--comment", "gestor servicio", name, (char *)NULL);
			_exit(127);
		}
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		pw = getpwnam(name);
		if (!pw) {
			snprintf(err, errlen,
				 "user %s does not exist and useradd failed (status %d)", name, st);
			return -ENOENT;
		}
		log_info("made the system user %s (uid %u) for servicio", name,
			 (unsigned)pw->pw_uid);
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s is root: nothing would be dropped", name);
		return -EINVAL;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* Threads of this process (capabilities are per thread). */
static int privs_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * A file of the spool's directory that servicio itself writes: the spool's
 * (<base>, <base>.head, and .<base>.head.<pid>.tmp, util_write_atomic's) or, when the state directory is the
 * same (the default /var/lib/gestor/servicio), the state's (state.h: kept,
 * status.json and their .<name>.<pid>.tmp files).
 */
static bool privs_spool_entry(const char *name, const char *base, size_t blen)
{
	static const char *const state[] = { STATE_KEPT_FILE, STATE_STATUS_FILE };

	if (strncmp(name, base, blen) == 0 ||
	    (name[0] == '.' && strncmp(name + 1, base, blen) == 0))
		return true;
	for (size_t i = 0; i < sizeof(state) / sizeof(state[0]); i++) {
		size_t n = strlen(state[i]);

		if (strcmp(name, state[i]) == 0 ||
		    (name[0] == '.' && strncmp(name + 1, state[i], n) == 0 && name[n + 1] == '.'))
			return true;
	}
	return false;
}

/*
 * The spool's directory and files become the user's, since the child
 * writes them. Only a directory of the spool's own is handed over: one that
 * holds nothing but files servicio writes there (privs_spool_entry), and that is
 * neither sticky nor writable by others (a spool put in /tmp or /var/lib
 * must not give that directory away; privs_spool_entry). 0, or -errno with err.
 */
static int privs_give_spool(const char *spool, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *base;
	char *slash;
	struct stat st;
	struct dirent *e;
	DIR *d;
	size_t blen;
	int r = 0;

	if (!util_strlcpy(dir, spool, sizeof(dir)) || !(slash = strrchr(dir, '/')) ||
	    slash == dir || !slash[1]) {
		snprintf(err, errlen, "spool %s: give it a directory of its own (--spool DIR/FILE)",
			 spool);
		return -EINVAL;
	}
	*slash = '\0';
	base = slash + 1;
	blen = strlen(base);
	d = opendir(dir);
	if (!d || fstat(dirfd(d), &st) != 0) {
		r = -errno;
		snprintf(err, errlen, "spool directory %s: %s", dir, strerror(errno));
		goto out;
	}
	if (st.st_mode & (S_ISVTX | S_IWOTH)) {
		snprintf(err, errlen,
			 "spool directory %s is shared (sticky or world-writable): give the spool "
			 "a directory of its own, or stay root with --user root",
			 dir);
		r = -EPERM;
		goto out;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    !privs_spool_entry(e->d_name, base, blen)) {
			snprintf(err, errlen,
				 "spool directory %s holds %s, not the spool's: give the spool a "
				 "directory of its own, or stay root with --user root",
				 dir, e->d_name);
			r = -EEXIST;
			goto out;
		}
	if (fchown(dirfd(d), uid, gid) != 0) {
		r = -errno;
		snprintf(err, errlen, "spool directory %s: chown: %s", dir, strerror(errno));
		goto out;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (privs_spool_entry(e->d_name, base, blen) &&
		    fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
			log_warn("spool file %s/%s stays root's (the user cannot resend it)", dir,
				 e->d_name);
out:
	if (d)
		closedir(d);
	return r;
}

/* The groups the dropped process keeps: gid's, Docker's (its socket) and
 * the log server's (its socket) when they exist; how many (at most 3). */
static int privs_groups(gid_t gid, gid_t groups[3])
{
	const struct group *g;
	int n = 0;

	groups[n++] = gid;
	if ((g = getgrnam("docker")))
		groups[n++] = g->gr_gid;
	if ((g = getgrnam(GESTOR_LOG_USER)))
		groups[n++] = g->gr_gid;
	return n;
}

/* Drop from the bounding set every capability caps does not permit. 0 or
 * -1 with errno (EINVAL, a capability the kernel lacks, is not an error). */
static int privs_bound(cap_t caps)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(caps, c, CAP_PERMITTED, &v);
		if (v != CAP_SET && cap_drop_bound(c) != 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

int privs_drop(enum snap_source src, const char *caps_text, const char *spool, char *err,
	       size_t errlen)
{
	char list[128], text[160];
	gid_t groups[3];
	int ngroups, r;
	uid_t uid;
	gid_t gid;
	cap_t caps = NULL;

	if (privs_fd < 0)
		return 0;
	if (privs_threads() != 1) {
		snprintf(err, errlen, "%d threads already run: capabilities are per thread",
			 privs_threads());
		return -EBUSY;
	}
	if ((r = privs_user_get(privs_user, &uid, &gid, err, errlen)) != 0)
		return r;
	ngroups = privs_groups(gid, groups);
	privs_caps_for(src, list, sizeof(list));
	/* measuring the table (docs/servicio.md): another set */
	if (caps_text)
		util_strlcpy(list, caps_text, sizeof(list));
	snprintf(text, sizeof(text), "%s%s", list, list[0] ? "=ep" : "=");
	caps = cap_from_text(text);
	if (!caps) {
		snprintf(err, errlen, "cap_from_text(%s): %s", list, strerror(errno));
		return -EINVAL;
	}
	if ((r = privs_give_spool(spool, uid, gid, err, errlen)) != 0) {
		cap_free(caps);
		return r;
	}
	/* the bounding set first (that needs cap_setpcap, which goes next) */
	if (privs_bound(caps) != 0 || prctl(PR_SET_KEEPCAPS, 1) != 0 ||
	    setgroups((size_t)ngroups, groups) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0 || cap_set_proc(caps) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		goto err;
	cap_free(caps);
	log_info("privileges: running as %s (uid %u) with %s%s; cron removal is asked of the "
		 "privileged parent (pid %d)",
		 privs_user, (unsigned)uid, list[0] ? "only " : "no capability", list,
		 (int)getppid());
	return 0;
err:
	r = -errno;
	snprintf(err, errlen, "dropping privileges: %s", strerror(errno));
	cap_free(caps);
	return r;
}
