/*
 * admin.c — the admin_logs container's lifecycle (see admin.h).
 */
#include "admin.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "docker_ctl.h"
#include "gestor.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define ADMIN_REVIVE_EVERY_NS 10000000000ull

static struct dctl_admin admin_spec(const struct admin *a)
{
	const struct config *cfg = a->cfg;

	return (struct dctl_admin){ cfg->admin_image, cfg->admin_name, cfg->admin_port,
				    GESTOR_LOG_PORT,  cfg->admin_data, cfg->keep_admin_logs,
				    a->sock_dir,      a->uid,	       a->gid };
}

#define ADMIN_USERADD "/usr/sbin/useradd"

/* useradd --system GESTOR_LOG_USER (root's own program, no shell, no environment). 0 or -1. */
static int admin_useradd(void)
{
	char *const argv[] = { ADMIN_USERADD,	    "--system",		 "--user-group",
			       "--no-create-home",  "--home-dir",	 "/nonexistent",
			       "--shell",	    "/usr/sbin/nologin", "--comment",
			       "gestor admin_logs", GESTOR_LOG_USER,	 NULL };
	char *const envp[] = { NULL };
	struct stat st;
	pid_t pid;
	int status;

	if (lstat(ADMIN_USERADD, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_errorx("%s is missing or not root's own program: make the user %s with "
			   "`useradd --system --user-group %s`",
			   ADMIN_USERADD, GESTOR_LOG_USER, GESTOR_LOG_USER);
		return -EPERM;
	}
	if (posix_spawn(&pid, ADMIN_USERADD, NULL, NULL, argv, envp) != 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_errorx("useradd --system %s failed", GESTOR_LOG_USER);
		return -EIO;
	}
	log_info("made the system user %s for the admin_logs server", GESTOR_LOG_USER);
	return 0;
}

/*
 * The host's system user the server runs as (GESTOR_LOG_USER: no real
 * user's uid), made when missing. 0 or -errno (logged).
 */
static int admin_server_user(struct admin *a)
{
	struct passwd *pw = getpwnam(GESTOR_LOG_USER);

	if (!pw && (admin_useradd() != 0 || !(pw = getpwnam(GESTOR_LOG_USER)))) {
		log_errorx("no user %s for the admin_logs server", GESTOR_LOG_USER);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		log_errorx("user %s has uid 0: the admin_logs server must not run as root",
			   GESTOR_LOG_USER);
		return -EPERM;
	}
	a->uid = (long)pw->pw_uid;
	a->gid = (long)pw->pw_gid;
	return 0;
}

/*
 * The socket's directory GESTOR_RUN_DIR/<container name>: root's, group the
 * server's, 0770, so only root and the server can make the socket there
 * (checked again before each request: logclient_sock_ok). 0 or -errno (logged).
 */
static int admin_sock_dir(struct admin *a)
{
	struct stat st;
	int fd = -1;

	if (snprintf(a->sock_dir, sizeof(a->sock_dir), "%s/%s", GESTOR_RUN_DIR,
		     a->cfg->admin_name) >= (int)sizeof(a->sock_dir) ||
	    snprintf(a->sock, sizeof(a->sock), "%s/%s", a->sock_dir, GESTOR_LOG_SOCK_NAME) >=
		    (int)sizeof(a->sock)) {
		log_errorx("admin_logs socket path for container %s: too long", a->cfg->admin_name);
		return -ENAMETOOLONG;
	}
	if ((mkdir(GESTOR_RUN_DIR, 0700) != 0 && errno != EEXIST) ||
	    lstat(GESTOR_RUN_DIR, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_errorx("%s: not root's own directory (or cannot make it): %s", GESTOR_RUN_DIR,
			   strerror(errno));
		return -EPERM;
	}
	if (mkdir(a->sock_dir, 0700) != 0 && errno != EEXIST)
		goto err;
	fd = open(a->sock_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != 0 || fchown(fd, 0, (gid_t)a->gid) != 0 ||
	    fchmod(fd, 0770) != 0)
		goto err;
	close(fd);
	return 0;
err:;
	int e = fd >= 0 && st.st_uid != 0 ? EPERM : errno;

	log_errorx("admin_logs socket directory %s: %s", a->sock_dir, strerror(e));
	if (fd >= 0)
		close(fd);
	return -e;
}

/*
 * The log client for url, with the token of the file tpath (none when tpath
 * is empty, or when the file is missing and missing_ok). NULL, logged, on
 * an error.
 */
static struct logclient *admin_client(const struct admin *a, const char *url, const char *tpath,
				      const char *ca, bool missing_ok)
{
	char err[512] = "", token[TOKEN_MAX + 1] = "";
	struct logclient *lc = NULL;
	int r = tpath[0] ? token_read_file(tpath, token, err, sizeof(err)) : 0;

	if (r == -ENOENT && missing_ok)
		r = 0;
	if (r == 0 && !url)
		lc = logclient_new_unix(a->sock, (uid_t)a->uid, (gid_t)a->gid, token, err,
					sizeof(err));
	else if (r == 0)
		lc = logclient_new(url, token, ca, err, sizeof(err));
	explicit_bzero(token, sizeof(token));
	if (!lc)
		log_errorx("%s", err);
	return lc;
}

static int admin_external(struct admin *a, struct logclient **lc)
{
	*lc = admin_client(a, a->cfg->log_url, a->cfg->token_file, a->cfg->log_ca, false);
	if (!*lc)
		return -EINVAL;
	if (logclient_healthy(*lc, 2000))
		log_info("log server: %s (external, answers /health)", a->cfg->log_url);
	else
		log_warnx("log server %s does not answer /health yet: logs are spooled until it "
			  "does",
			  a->cfg->log_url);
	return 0;
}

/* Wait for /health until the configured timeout or a stop. 0, -ETIMEDOUT or
 * -EINTR (a stop). */
static int admin_wait_health(const struct admin *a, struct logclient *lc, const char *url,
			     bool (*stopping)(void))
{
	uint64_t deadline = util_mono_ns() + (uint64_t)(a->cfg->health_timeout_s * 1e9);

	while (!logclient_healthy(lc, 1000)) {
		if (stopping())
			return -EINTR;
		if (util_mono_ns() >= deadline) {
			log_errorx("admin_logs at %s did not answer /health within %.0f s (see: "
				   "docker logs %s)",
				   url, a->cfg->health_timeout_s, a->cfg->admin_name);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
	}
	log_info("admin_logs answers at %s", url);
	return 0;
}

int admin_start(struct admin *a, struct docker *dk, struct logclient **lc, bool (*stopping)(void))
{
	char err[512], url[sizeof(a->sock) + 8], tpath[CONFIG_STR_MAX + 16];
	enum dctl_admin_state st;
	struct dctl_admin spec;
	int ret;

	if (a->cfg->log_url[0])
		return admin_external(a, lc);
	ret = admin_server_user(a);
	if (ret == 0)
		ret = admin_sock_dir(a);
	if (ret != 0)
		return ret;
	spec = admin_spec(a);
	ret = dctl_admin_ensure(dk, &spec, &st, a->id, err, sizeof(err));
	if (ret != 0) {
		log_errorx("admin_logs container: %s", err);
		return ret < 0 ? ret : -EIO;
	}
	if (st == DCTL_ADMIN_REPLACED)
		log_warnx(
			"admin_logs container %s was not the one servicio makes (%s): replaced it",
			a->cfg->admin_name, err);
	a->ours = st != DCTL_ADMIN_REUSED;
	log_info("admin_logs container %s (%.12s): %s; data in %s, runs as %s (%ld), port "
		 "127.0.0.1:%d",
		 a->cfg->admin_name, a->id,
		 st == DCTL_ADMIN_REUSED    ? "already running, reused"
		 : st == DCTL_ADMIN_STARTED ? "was stopped, started"
					    : "created and started",
		 a->cfg->admin_data, GESTOR_LOG_USER, a->uid, a->cfg->admin_port);
	snprintf(url, sizeof(url), "unix:%s", a->sock);
	/* the token the container was given (made with its data directory) */
	if (snprintf(tpath, sizeof(tpath), "%s/%s", a->cfg->admin_data, DCTL_ADMIN_TOKEN) >=
	    (int)sizeof(tpath)) {
		log_errorx("admin_logs data directory %s: path too long", a->cfg->admin_data);
		return -ENAMETOOLONG;
	}
	*lc = admin_client(a, NULL, tpath, "", true);
	if (!*lc)
		return -EINVAL;
	return admin_wait_health(a, *lc, url, stopping);
}

void admin_revive(struct admin *a, struct docker *dk)
{
	char err[512], id[GESTOR_CTR_ID_LEN + 1];
	enum dctl_admin_state st;
	struct dctl_admin spec = admin_spec(a);
	uint64_t now = util_mono_ns();

	if (a->cfg->log_url[0] || now < a->check_ns)
		return;
	a->check_ns = now + ADMIN_REVIVE_EVERY_NS;
	if (dctl_admin_ensure(dk, &spec, &st, id, err, sizeof(err)) != 0) {
		log_warnx("admin_logs container: %s", err);
		return;
	}
	if (st == DCTL_ADMIN_REPLACED)
		log_warnx(
			"admin_logs container %s was not the one servicio makes (%s): replaced it",
			a->cfg->admin_name, err);
	if (st != DCTL_ADMIN_REUSED) {
		log_info("admin_logs container was not running: %s it (%.12s)",
			 st == DCTL_ADMIN_CREATED ? "created" : "started", id);
		util_strlcpy(a->id, id, sizeof(a->id));
		a->ours = true;
	}
}

void admin_report(const struct admin *a, struct logclient *lc, double timeout_s)
{
	char err[512], host[CONFIG_STR_MAX + 300], *dir = NULL;
	size_t nfiles = 0;

	log_info("asking admin_logs for the graphs (POST /graficar)");
	if (logclient_graficar(lc, (long)(timeout_s * 1000), &dir, &nfiles, err, sizeof(err)) !=
	    0) {
		log_warnx("no graphs: %s", err);
		return;
	}
	/* our container's /data is the host's admin_data */
	if (!a->cfg->log_url[0] && strncmp(dir, "/data", 5) == 0 &&
	    (dir[5] == '/' || dir[5] == '\0'))
		snprintf(host, sizeof(host), "%s%s", a->cfg->admin_data, dir + 5);
	else
		snprintf(host, sizeof(host), "%s", dir);
	printf("report: %s (%zu graphs)\n", host, nfiles);
	fflush(stdout);
	log_info("report: %s (%zu graphs)", host, nfiles);
	free(dir);
}

void admin_stop(struct admin *a, struct docker *dk)
{
	char err[512];

	if (!a->ours || a->cfg->keep_admin_logs || !a->id[0])
		return;
	if (dctl_stop_remove(dk, a->id, 5, err, sizeof(err)) == 0)
		log_info("admin_logs container removed (its data stays in %s)", a->cfg->admin_data);
	else
		log_warnx("could not remove the admin_logs container: %s", err);
}
