/*
 * cron.c — running scripts/cron.sh install/remove (fork + exec, its output
 * into the log) and finding the script beside the binary. See cron.h.
 */
#include "cron.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "trust.h"
#include "util.h"

/* <repo>/scripts/cron.sh from <repo>/build/bin/servicio (or build/asan/bin,
 * or make coverage's build/cov/asan/bin); installed (make install, the
 * package): <prefix>/lib/gestor/scripts/cron.sh from <prefix>/sbin/servicio. */
static void cron_default_script(char *out, size_t cap)
{
	char exe[PATH_MAX], tmp[PATH_MAX], base[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	out[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	util_strlcpy(tmp, exe, sizeof(tmp));
	char *bindir = dirname(tmp);
	snprintf(cand, sizeof(cand), "%s/../lib/gestor/scripts/cron.sh", bindir);
	if (realpath(cand, base) && access(base, X_OK) == 0) {
		util_strlcpy(out, base, cap);
		return;
	}
	for (int up = 2; up <= 4; up++) {
		util_strlcpy(base, bindir, sizeof(base));
		for (int i = 0; i < up; i++)
			util_strlcpy(base, dirname(base), sizeof(base));
		snprintf(cand, sizeof(cand), "%s/scripts/cron.sh", base);
		if (access(cand, X_OK) == 0) {
			util_strlcpy(out, cand, cap);
			return;
		}
	}
}

/* The child: stdout and stderr into the pipe, default signals, the script. */
static void cron_child(const char *script, const char *what, int wfd)
{
	dup2(wfd, STDOUT_FILENO);
	dup2(wfd, STDERR_FILENO);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execl(script, script, what, (char *)NULL);
	_exit(127);
}

/* Each line the script wrote, into the log. Closes fd. */
static void cron_log_output(int fd, const char *what)
{
	char line[512];
	FILE *f = fdopen(fd, "r");

	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			log_info("cron.sh %s: %s", what, line);
	}
	fclose(f);
}

/* Run the script with one argument. 0 or -errno (-EIO: the script failed). */
static int cron_run(const struct cron *c, const char *what)
{
	int pfd[2], status, e;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		e = errno;
		log_warn("cron: pipe");
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		log_warn("cron: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0)
		cron_child(c->script, what, pfd[1]);
	close(pfd[1]);
	cron_log_output(pfd[0], what);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("cron: %s %s failed (status %d)", c->script, what,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -EIO;
	}
	return 0;
}

/* The privileged parent's end (privs.h); -1: run the script here. */
static int cron_helper = -1;

void cron_use_helper(int fd)
{
	cron_helper = fd;
}

int cron_locate(struct cron *c, const char *configured)
{
	if (configured && configured[0])
		util_strlcpy(c->script, configured, sizeof(c->script));
	else
		cron_default_script(c->script, sizeof(c->script));
	if (!c->script[0] || access(c->script, X_OK) != 0) {
		log_warnx("cron: no executable cron.sh (%s): the cron job is not installed "
			  "(set --cron-script)",
			  c->script[0] ? c->script : "not found beside the binary");
		c->script[0] = '\0';
		return -ENOENT;
	}
	/* root runs only root's files (trust.h); the resolved path is run */
	char real[PATH_MAX], why[2 * PATH_MAX + 256];
	if (geteuid() == 0 && trust_check_path(c->script, real, why, sizeof(why)) != 0) {
		log_errorx("cron: %s: the cron job is not installed", why);
		c->script[0] = '\0';
		return -EPERM;
	}
	if (geteuid() == 0)
		util_strlcpy(c->script, real, sizeof(c->script));
	return 0;
}

void cron_install(struct cron *c, const char *configured)
{
	char m = 'I';

	if (cron_locate(c, configured) != 0)
		return;
	if (cron_run(c, "install") == 0)
		c->installed = true;
	/* the privileged parent removes it at the stop, or when we die */
	if (c->installed && cron_helper >= 0 && write(cron_helper, &m, 1) != 1)
		log_warnx("cron: cannot tell the privileged parent: the job stays at the stop");
}

void cron_remove(struct cron *c)
{
	char m = 'R';

	if (!c->installed)
		return;
	if (cron_helper < 0) {
		if (cron_run(c, "remove") == 0)
			c->installed = false;
		return;
	}
	/* root's crontab is the privileged parent's to edit (privs.h) */
	if (write(cron_helper, &m, 1) == 1 && read(cron_helper, &m, 1) == 1 && m == '0')
		c->installed = false;
	else
		log_warnx("cron: the privileged parent could not remove the cron job");
}
