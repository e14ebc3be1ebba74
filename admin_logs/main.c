/*
 * main.c — admin_logs: the gestor log server. Loads the configuration,
 * opens the store, starts the HTTP server, prints where it listens, and
 * waits for SIGINT/SIGTERM (taken with sigwait in this thread, so no
 * handler runs in signal context); then stops in order: HTTP (in-flight
 * batches are committed and answered), then the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "gestor.h"
#include "http.h"
#include "jarena.h"
#include "log.h"
#include "memtrim.h"
#include "opts.h"
#include "store.h"
#include "util.h"

static int main_write_port(const char *path, unsigned port)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u\n", port);

	return util_write_atomic(path, buf, (size_t)n, 0644, 0);
}

/*
 * A database password given on the command line is visible to every user
 * (ps, /proc/<pid>/cmdline) and here overwritten in place as soon as the
 * options are read; the way to keep it out altogether is --db-file, or
 * libpq's own PGPASSFILE / ~/.pgpass or service file.
 */
static void main_scrub_argv(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t n;

		if (!store_has_password(argv[i]))
			continue;
		n = strlen(argv[i]);
		char *red = malloc(n + 1);
		if (!red)
			continue;
		store_redact(argv[i], red, n + 1);
		memset(argv[i], ' ', n);
		memcpy(argv[i], red, strlen(red));
		free(red);
		log_warnx("the database password was on the command line (visible to every user "
			  "until now): use --db-file or PGPASSFILE");
	}
}

/*
 * Does the PostgreSQL URL verify its server (sslmode=verify-full, in it or
 * in PGSSLMODE), or reach it without a network (a unix socket: no host, or
 * a host that is a directory)?
 */
static bool main_pg_verified(const char *url)
{
	const char *mode = opts_getenv("PGSSLMODE"), *auth = strstr(url, "://");

	if (strstr(url, "sslmode=verify-full") || (mode && strcmp(mode, "verify-full") == 0))
		return true;
	if (auth && (auth[3] == '/' || strstr(url, "host=/") || strstr(url, "host=%2F")))
		return true;
	return false;
}

/* The store of cfg, opened (or the process ends), with its warnings and retention. */
static struct store *main_store(const struct config *cfg)
{
	struct store *st = NULL;
	char err[1024];

	if (store_open(&st, cfg->db_path, cfg->group_max, !cfg->quiet, err, sizeof(err)) < 0)
		fatalx("store: %s", err);
	if (store_is_url(cfg->db_path) && !main_pg_verified(cfg->db_path))
		log_warnx("the database server is not verified (libpq's default sslmode=prefer "
			  "checks no certificate): add sslmode=verify-full and sslrootcert= to the "
			  "URL, or set PGSSLMODE=verify-full (docs/fleet.md)");
	if (cfg->retain_mb && store_is_url(cfg->db_path))
		log_warnx("--retain-mb applies to SQLite only: PostgreSQL is bounded by "
			  "--retain-days");
	store_set_retention(st, cfg->retain_days, (uint64_t)cfg->retain_mb << 20);
	return st;
}

/* The log lines saying where the server listens. */
static void main_announce(const struct config *cfg, unsigned port)
{
	char shown[CONFIG_PATH_MAX]; /* the database, its password hidden */

	store_redact(cfg->db_path, shown, sizeof(shown));
	log_info("listening on %s://%s%s%s:%u/ (database %s, reports %s)",
		 cfg->tls_cert[0] ? "https" : "http", strchr(cfg->listen, ':') ? "[" : "",
		 cfg->listen, strchr(cfg->listen, ':') ? "]" : "", port, shown, cfg->report_dir);
	if (cfg->unix_path[0])
		log_info("listening on the unix socket %s as well", cfg->unix_path);
}

int main(int argc, char **argv)
{
	static struct config cfg; /* the HTTP threads read it until the end */
	struct store *st = NULL;
	struct http_server *h = NULL;
	char err[1024];
	unsigned port = 0;
	sigset_t set;
	int r, sig, status;

	jarena_install(); /* before anything allocates through jansson */
	log_init("admin_logs", LOG_LVL_INFO);
	config_defaults(&cfg);
	r = config_load(&cfg, argc, argv, opts_getenv, err, sizeof(err));
	if (opts_prog_exit(&config_prog,
			   &(struct opts_prog_req){ cfg.help, cfg.version, cfg.print_config }, r,
			   err, &status))
		return status;
	main_scrub_argv(argc, argv);
	/* Every thread started from here on inherits the blocked signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	st = main_store(&cfg);
	if (http_start(&h, &cfg, st, &port, err, sizeof(err)) < 0) {
		store_close(st);
		fatalx("http: %s", err);
	}
	if (cfg.port_file[0] && (r = main_write_port(cfg.port_file, port)) < 0)
		log_warnx("port file %s: %s", cfg.port_file, strerror(-r));
	memtrim_code(); /* idle RSS: start-up code pages go (lib/memtrim.c) */
	main_announce(&cfg, port);

	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGINT && sig != SIGTERM);
	log_info("signal %d: stopping", sig);
	http_stop(h);
	store_close(st);
	log_info("stopped");
	return 0;
}
