/*
 * config.c — admin_logs settings from defaults, ADMIN_LOGS_* environment
 * variables and command-line flags (flags win), through the option table of
 * lib/opts.h. Every value is range-checked; an unknown flag or a bad value
 * is an error naming it, never a silent default.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gestor.h"
#include "opts.h"
#include "opts_ini.h"
#include "store.h"
#include "util.h"

#define F(field) OPTS_FIELD(struct config, field)
#define CONFIG_DEFAULT_FILE "/etc/gestor/admin_logs.ini"

static const struct opts_opt config_opts[] = {
	{ "listen", OPTS_STR, F(listen), 0, 0, NULL, "ADDR", "listen address", OPTS_NONEMPTY },
	{ "port", OPTS_UINT, F(port), 0, 65535, NULL, "N", "TCP port, 0 = any free one", 0 },
	{ "unix", OPTS_STR, F(unix_path), 0, 0, NULL, "PATH",
	  "also serve HTTP on this unix socket (made mode 0666: its directory guards it); with it, "
	  "a TCP port held by another process leaves only the socket served",
	  0 },
	{ "db", OPTS_STR, F(db_path), 0, 0, NULL, "PATH|URL",
	  "SQLite database path, or postgresql://user@host/db", OPTS_NONEMPTY },
	{ "db-file", OPTS_STR, F(db_file), 0, 0, NULL, "PATH",
	  "read --db from this file (a URL with a password stays out of argv and the environment)",
	  0 },
	{ "retain-days", OPTS_UINT, F(retain_days), 0, 36500, NULL, "N",
	  "delete records, their derived rows and access-log lines older than N days (0: keep)",
	  0 },
	{ "retain-mb", OPTS_UINT, F(retain_mb), 0, 16u << 20, NULL, "MIB",
	  "SQLite: delete the oldest records and access-log lines while the data passes MIB (0: no "
	  "bound)",
	  0 },
	{ "report-dir", OPTS_STR, F(report_dir), 0, 0, NULL, "DIR",
	  "graphs directory (none: <db dir>/report)", 0 },
	{ "port-file", OPTS_STR, F(port_file), 0, 0, NULL, "PATH", "write the bound port there",
	  0 },
	{ "gnuplot", OPTS_STR, F(gnuplot), 0, 0, NULL, "PROG", "gnuplot program", OPTS_NONEMPTY },
	{ "www", OPTS_STR, F(www_dir), 0, 0, NULL, "DIR",
	  "the live dashboard's files, served at / (none: no dashboard)", 0 },
	{ "max-body", OPTS_SIZE, F(max_body), 256, 256u << 20, NULL, "BYTES",
	  "largest request body", 0 },
	{ "threads", OPTS_UINT, F(threads), 1, 64, NULL, "N", "HTTP threads", 0 },
	{ "timeout", OPTS_UINT, F(timeout_s), 1, 3600, NULL, "S", "idle/slow connection timeout",
	  0 },
	{ "max-conns", OPTS_UINT, F(max_conns), 1, 10000, NULL, "N", "concurrent connections", 0 },
	{ "max-conns-per-ip", OPTS_UINT, F(max_conns_per_ip), 0, 10000, NULL, "N",
	  "concurrent connections from one client address (0: no limit)", 0 },
	{ "headers-timeout", OPTS_UINT, F(headers_timeout_s), 1, 3600, NULL, "S",
	  "deadline for a request's headers, from the connection's start or previous answer", 0 },
	{ "body-timeout", OPTS_UINT, F(body_timeout_s), 1, 3600, NULL, "S",
	  "deadline for a request's body, from its headers", 0 },
	{ "send-timeout", OPTS_UINT, F(send_timeout_s), 1, 86400, NULL, "S",
	  "deadline for sending an answer, from its first byte: a slower reader is cut", 0 },
	{ "top", OPTS_UINT, F(top_n), 1, 50, NULL, "N", "busiest containers charted", 0 },
	{ "draw-timeout", OPTS_UINT, F(draw_timeout_s), 1, 3600, NULL, "S",
	  "a drawing's gnuplot processes still running after S seconds are killed (the report "
	  "fails)",
	  0 },
	{ "report-keep-runs", OPTS_UINT, F(report_keep_runs), 1, 100000, NULL, "N",
	  "saved reports kept under <report-dir>/runs/, the oldest drawn removed first", 0 },
	{ "report-keep-mb", OPTS_UINT, F(report_keep_mb), 1, 1u << 20, NULL, "MIB",
	  "and at most this much of them (the report just drawn always stays)", 0 },
	{ "draw-queue", OPTS_UINT, F(draw_queue), 1, 64, NULL, "N",
	  "POST /graficar requests drawing or waiting; more are answered 503 (Retry-After)", 0 },
	{ "group-max", OPTS_UINT, F(group_max), 1, 100000, NULL, "N", "batches per commit at most",
	  0 },
	{ "token-file", OPTS_STR, F(token_file), 0, 0, NULL, "PATH",
	  "bearer token that writes must carry (made when missing); needed beyond loopback", 0 },
	{ "open-reads", OPTS_BOOL, F(open_reads), 0, 0, NULL, NULL,
	  "with a token, reads need none from non-loopback clients either", 0 },
	{ "tls-cert", OPTS_STR, F(tls_cert), 0, 0, NULL, "PATH",
	  "PEM certificate (chain): serve HTTPS", 0 },
	{ "tls-key", OPTS_STR, F(tls_key), 0, 0, NULL, "PATH", "PEM private key of --tls-cert", 0 },
	{ "allow-plaintext", OPTS_BOOL, F(allow_plaintext), 0, 0, NULL, NULL,
	  "listen beyond loopback with a token but without TLS (the token crosses the network in "
	  "clear)",
	  0 },
	{ "quiet", OPTS_BOOL, F(quiet), 0, 0, NULL, NULL, "no access lines on stdout", 0 },
	{ "config", OPTS_STR, F(config_file), 0, 0, NULL, "FILE",
	  "INI file to read (" CONFIG_DEFAULT_FILE " is read when it exists; ADMIN_LOGS_CONFIG)",
	  OPTS_NOENV },
	OPTS_ROWS_PROG(struct config, CONFIG_DEFAULT_FILE),
};

static const struct opts_spec config_spec = { config_opts, UTIL_ARRAY_LEN(config_opts),
					      "ADMIN_LOGS_", "admin_logs" };

/* The defaults --help and --print-config show: the program's. */
static void config_defaults_of(void *d, bool help)
{
	(void)help;
	config_defaults(d);
}

const struct opts_prog config_prog = {
	.spec = &config_spec,
	.name = "admin_logs",
	.synopsis = "admin_logs [OPTION]...",
	.about = "The gestor log server: takes servicio's batches of samples and decisions\n"
		 "over HTTP, stores them (SQLite or PostgreSQL), answers queries, draws\n"
		 "the report's graphs and serves the live dashboard.",
	.defaults_of = config_defaults_of,
	.defaults_size = sizeof(struct config),
	.version = GESTOR_VERSION, /* debian/changelog, mk/common.mk */
	.print_config = opts_print_ini,
	.ini_header =
		"admin_logs.ini — the configuration of admin_logs, gestor's log server\n"
		"(admin_logs.ini(5)).\n"
		"\n"
		"admin_logs reads " CONFIG_DEFAULT_FILE " when it exists, or the file named\n"
		"by --config FILE or ADMIN_LOGS_CONFIG. Every key is a command-line flag\n"
		"without its \"--\" ('-' and '_' are the same). Precedence: a flag beats the\n"
		"environment variable ADMIN_LOGS_<KEY>, which beats this file, which beats\n"
		"the built-in default. The container servicio runs sets its own values in\n"
		"the environment (listen, port, db, report_dir, www, token_file). The values\n"
		"below ARE the defaults: this file is the output of\n"
		"`admin_logs --print-config`.",
};

/* The INI file (--config, ADMIN_LOGS_CONFIG, or the default one when it
 * exists) into c. 0 or -errno with err set. */
static int config_load_file(struct config *c, const struct config *pre,
			    const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	const char *file = NULL;

	if (pre->config_file[0])
		file = pre->config_file;
	else if (getenv_fn("ADMIN_LOGS_CONFIG"))
		file = getenv_fn("ADMIN_LOGS_CONFIG");
	else if (access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		file = CONFIG_DEFAULT_FILE;
	if (!file || !file[0])
		return 0;
	if (!util_strlcpy(c->config_file, file, sizeof(c->config_file))) {
		snprintf(err, errlen, "config file name too long");
		return -EINVAL;
	}
	return opts_load_ini(&config_spec, c, file, err, errlen);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	util_strlcpy(c->listen, "127.0.0.1", sizeof(c->listen));
	c->port = GESTOR_LOG_PORT;
	util_strlcpy(c->db_path, "gestor.db", sizeof(c->db_path));
	util_strlcpy(c->gnuplot, "gnuplot", sizeof(c->gnuplot));
	c->max_body = 1u << 20;
	c->threads = 2;
	c->timeout_s = 10;
	c->max_conns = 512;
	c->max_conns_per_ip = 64;
	c->headers_timeout_s = 10;
	c->body_timeout_s = 30;
	c->send_timeout_s = 60;
	c->retain_days = 30;
	c->top_n = 5;
	c->draw_timeout_s = 300;
	c->report_keep_runs = 50;
	c->report_keep_mb = 100;
	c->draw_queue = 4;
	c->group_max = 1024;
}

static void config_default_report(struct config *c)
{
	const char *slash;
	size_t n;

	if (c->report_dir[0] != '\0')
		return;
	slash = strrchr(c->db_path, '/');
	if (!slash || store_is_url(c->db_path)) { /* a URL: no directory */
		util_strlcpy(c->report_dir, "report", sizeof(c->report_dir));
		return;
	}
	n = (size_t)(slash - c->db_path);
	if (n + sizeof("/report") > sizeof(c->report_dir))
		n = sizeof(c->report_dir) - sizeof("/report");
	memcpy(c->report_dir, c->db_path, n);
	memcpy(c->report_dir + n, "/report", sizeof("/report"));
}

/* --db-file: the first line of the file becomes db_path. 0 or -errno with err set. */
static int config_read_db_file(struct config *c, char *err, size_t errlen)
{
	char buf[CONFIG_PATH_MAX + 2];
	ssize_t n = util_read_file_at(AT_FDCWD, c->db_file, buf, sizeof(buf));
	size_t len;

	if (n < 0) {
		snprintf(err, errlen, "--db-file %s: %s", c->db_file, strerror((int)-n));
		return (int)n;
	}
	buf[n < (ssize_t)sizeof(buf) ? n : (ssize_t)sizeof(buf) - 1] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0 || len >= sizeof(c->db_path)) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(err, errlen, "--db-file %s: its first line must be 1..%zu bytes",
			 c->db_file, sizeof(c->db_path) - 1);
		return -EINVAL;
	}
	memcpy(c->db_path, buf, len + 1);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen)
{
	struct config *pre = malloc(sizeof(*pre));
	int r;

	if (!pre) {
		snprintf(err, errlen, "out of memory");
		return -EINVAL;
	}
	memcpy(pre, c, sizeof(*pre));
	r = opts_load_args(&config_spec, pre, argc, argv, opts_pick_first, err, errlen);
	c->help = pre->help;
	c->version = pre->version;
	c->print_config = pre->print_config;
	if (r == 0 && (c->help || c->version || c->print_config)) {
		free(pre); /* they end the program: the rest is not read */
		return 0;
	}
	if (r == 0)
		r = config_load_file(c, pre, getenv_fn, err, errlen);
	free(pre);
	if (r == 0)
		r = opts_load_env(&config_spec, c, getenv_fn, err, errlen);
	if (r == 0)
		r = opts_load_args(&config_spec, c, argc, argv, NULL, err, errlen);
	if (r < 0)
		return -EINVAL; /* err names the option and why */
	if (!c->tls_cert[0] != !c->tls_key[0]) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return -EINVAL;
	}
	if (c->db_file[0] && config_read_db_file(c, err, errlen) < 0)
		return -EINVAL;
	config_default_report(c);
	return 0;
}
