/*
 * admin.c — the admin_logs container's lifecycle (see admin.h).
 */
#include "admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker_ctl.h"
#include "gestor.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define ADMIN_GRAFICAR_MS 120000
#define ADMIN_REVIVE_EVERY_NS 10000000000ull

static struct dctl_admin admin_spec(const struct config *cfg)
{
	return (struct dctl_admin){ cfg->admin_image, cfg->admin_name, cfg->admin_port,
				    GESTOR_LOG_PORT,  cfg->admin_data, cfg->keep_admin_logs };
}

/*
 * The log client for url, with the token of the file tpath (none when tpath
 * is empty, or when the file is missing and missing_ok). NULL, logged, on
 * an error.
 */
static struct logclient *admin_client(const char *url, const char *tpath, const char *ca,
				      bool missing_ok)
{
	char err[512] = "", token[TOKEN_MAX + 1] = "";
	struct logclient *lc = NULL;
	int r = tpath[0] ? token_read_file(tpath, token, err, sizeof(err)) : 0;

	if (r == -ENOENT && missing_ok)
		r = 0;
	if (r == 0)
		lc = logclient_new(url, token, ca, err, sizeof(err));
	explicit_bzero(token, sizeof(token));
	if (!lc)
		log_errorx("%s", err);
	return lc;
}

static int admin_external(struct admin *a, struct logclient **lc)
{
	*lc = admin_client(a->cfg->log_url, a->cfg->token_file, a->cfg->log_ca, false);
	if (!*lc)
		return -1;
	if (logclient_healthy(*lc, 2000))
		log_info("log server: %s (external, answers /health)", a->cfg->log_url);
	else
		log_warnx("log server %s does not answer /health yet: logs are spooled until it "
			  "does",
			  a->cfg->log_url);
	return 0;
}

/* Wait for /health until the configured timeout or a stop. 0 or -1. */
static int admin_wait_health(const struct admin *a, struct logclient *lc, const char *url,
			     bool (*stopping)(void))
{
	uint64_t deadline = util_mono_ns() + (uint64_t)(a->cfg->health_timeout_s * 1e9);

	while (!logclient_healthy(lc, 1000)) {
		if (stopping())
			return -1;
		if (util_mono_ns() >= deadline) {
			log_errorx("admin_logs at %s did not answer /health within %.0f s (see: "
				   "docker logs %s)",
				   url, a->cfg->health_timeout_s, a->cfg->admin_name);
			return -1;
		}
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
	}
	log_info("admin_logs answers at %s", url);
	return 0;
}

int admin_start(struct admin *a, struct docker *dk, struct logclient **lc, bool (*stopping)(void))
{
	char err[512], url[64], tpath[CONFIG_STR_MAX + 16];
	enum dctl_admin_state st;
	struct dctl_admin spec = admin_spec(a->cfg);

	if (a->cfg->log_url[0])
		return admin_external(a, lc);
	if (dctl_admin_ensure(dk, &spec, &st, a->id, err, sizeof(err)) != 0) {
		log_errorx("admin_logs container: %s", err);
		return -1;
	}
	a->ours = st != DCTL_ADMIN_REUSED;
	log_info("admin_logs container %s (%.12s): %s; data in %s", a->cfg->admin_name, a->id,
		 st == DCTL_ADMIN_REUSED    ? "already running, reused"
		 : st == DCTL_ADMIN_STARTED ? "was stopped, started"
					    : "created and started",
		 a->cfg->admin_data);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", a->cfg->admin_port);
	/* the token the container was given (made with its data directory) */
	if (snprintf(tpath, sizeof(tpath), "%s/%s", a->cfg->admin_data, DCTL_ADMIN_TOKEN) >=
	    (int)sizeof(tpath)) {
		log_errorx("admin_logs data directory %s: path too long", a->cfg->admin_data);
		return -1;
	}
	*lc = admin_client(url, tpath, "", true);
	if (!*lc)
		return -1;
	return admin_wait_health(a, *lc, url, stopping);
}

void admin_revive(struct admin *a, struct docker *dk)
{
	char err[512], id[65];
	enum dctl_admin_state st;
	struct dctl_admin spec = admin_spec(a->cfg);
	uint64_t now = util_mono_ns();

	if (a->cfg->log_url[0] || now < a->check_ns)
		return;
	a->check_ns = now + ADMIN_REVIVE_EVERY_NS;
	if (dctl_admin_ensure(dk, &spec, &st, id, err, sizeof(err)) != 0) {
		log_warnx("admin_logs container: %s", err);
		return;
	}
	if (st != DCTL_ADMIN_REUSED) {
		log_info("admin_logs container was not running: %s it (%.12s)",
			 st == DCTL_ADMIN_CREATED ? "created" : "started", id);
		util_strlcpy(a->id, id, sizeof(a->id));
		a->ours = true;
	}
}

void admin_report(const struct admin *a, struct logclient *lc)
{
	char err[512], host[CONFIG_STR_MAX + 300], *dir = NULL;
	size_t nfiles = 0;

	log_info("asking admin_logs for the graphs (POST /graficar)");
	if (logclient_graficar(lc, ADMIN_GRAFICAR_MS, &dir, &nfiles, err, sizeof(err)) != 0) {
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
