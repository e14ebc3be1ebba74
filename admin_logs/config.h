/*
 * config.h — admin_logs settings: defaults, then environment variables
 * (ADMIN_LOGS_*), then command-line flags, each checked and bounded.
 *
 * Listen address: 127.0.0.1 by default. The image sets
 * ADMIN_LOGS_LISTEN=0.0.0.0 in the container's network namespace: the port
 * published on the host's 127.0.0.1 reaches it, and so does every other
 * container on the same Docker bridge, at the container's address (hence
 * the token for writes). Port 0 asks the kernel for a free port; the bound
 * port is printed and, with --port-file, written to a file for tests.
 */
#ifndef ADMIN_LOGS_CONFIG_H
#define ADMIN_LOGS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"

#define CONFIG_PATH_MAX 1024

struct config {
	char listen[64]; /* IPv4 or IPv6 literal */
	unsigned port; /* 0: any free port */
	char unix_path[CONFIG_PATH_MAX]; /* "" or a unix socket served as well (servicio's) */
	char db_path[CONFIG_PATH_MAX]; /* SQLite path or postgresql:// URL */
	char report_dir[CONFIG_PATH_MAX]; /* graphs go here */
	char port_file[CONFIG_PATH_MAX]; /* "" or where to write the bound port */
	char gnuplot[CONFIG_PATH_MAX]; /* gnuplot program (PATH is searched) */
	char www_dir[CONFIG_PATH_MAX]; /* the live dashboard's files; "" = none */
	size_t max_body; /* bytes; larger bodies get 413 */
	unsigned threads; /* HTTP threads */
	unsigned timeout_s; /* idle/slow connection timeout */
	unsigned max_conns; /* concurrent connections */
	unsigned max_conns_per_ip; /* of them from one client address; 0: no limit */
	unsigned headers_timeout_s; /* a request's headers must be in within this */
	unsigned body_timeout_s; /* and its body within this after them */
	unsigned send_timeout_s; /* and an answer must be sent within this */
	char db_file[CONFIG_PATH_MAX]; /* "" or a file holding db_path (no password in argv) */
	unsigned retain_days; /* records and access lines older than this go; 0: kept */
	unsigned retain_mb; /* SQLite: the oldest go while the data is larger; 0: no bound */
	bool allow_plaintext; /* a token without TLS beyond loopback */
	unsigned top_n; /* busiest containers in the charts */
	unsigned draw_timeout_s; /* gnuplot's deadline per drawing */
	unsigned report_keep_runs; /* saved reports kept under report_dir/runs/ */
	unsigned report_keep_mb; /* and the MiB they may take */
	unsigned draw_queue; /* draws running or waiting, at most */
	unsigned group_max; /* batches per group commit, at most */
	char token_file[CONFIG_PATH_MAX]; /* "" or the bearer token writers must show */
	bool open_reads; /* reads need no token from non-loopback clients either */
	char tls_cert[CONFIG_PATH_MAX]; /* "" or PEM certificate (chain): serve HTTPS */
	char tls_key[CONFIG_PATH_MAX]; /* its PEM private key */
	bool quiet; /* no access lines on stdout */
	bool help; /* --help: print the usage */
	bool version; /* --version: print the version */
	bool print_config; /* --print-config: print the INI file of the defaults */
	char config_file[CONFIG_PATH_MAX]; /* the INI file read; "" = none */
};

/* Fill c with the defaults. */
void config_defaults(struct config *c);

/*
 * Apply the ADMIN_LOGS_* variables found by getenv_fn (getenv in the
 * program, a fake in tests), then argv. 0 or -EINVAL with the reason in
 * err. --help, --version and --print-config stop the reading after the
 * first pass (c says which: opts_prog_exit with config_prog).
 */
int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen);

/*
 * The command line as --help shows it and as it ends, as in every gestor
 * program: opts_help() prints the usage, opts_prog_exit() handles
 * config_load's outcome (an error, --help, --version, --print-config),
 * opts_print_ini() writes the INI file of every option at its default.
 */
extern const struct opts_prog config_prog;

#endif
