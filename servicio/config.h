/*
 * config.h — servicio's settings: one table of options (lib/opts.h) read,
 * in rising precedence, from built-in defaults, an INI file, environment
 * variables (GESTOR_<NAME>) and command-line flags (--<name>). The table
 * also prints `--help` with every default, so the three sources and the
 * documentation never drift apart.
 */
#ifndef SERVICIO_CONFIG_H
#define SERVICIO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "policy.h" /* enum policy_ranking */

#define CONFIG_STR_MAX 512

enum config_colour { CONFIG_COLOUR_AUTO, CONFIG_COLOUR_ALWAYS, CONFIG_COLOUR_NEVER };

struct config {
	char config_file[CONFIG_STR_MAX]; /* INI file; "" = none */
	double interval_s; /* seconds between cycles, >= 1 */
	double duration_s; /* stop after this long; 0 = run until a signal */
	bool once; /* one full cycle, then exit */
	bool dry_run; /* decide and log, remove nothing */
	int keep_high, keep_low;
	enum policy_ranking ranking; /* OPTS_ENUM: the index of its name in ranking_names */
	double high_cpu; /* CPU % of one core at or above which a container is high */
	double high_mem_mb; /* memory (MiB) at or above which a container is high */
	double margin_cpu; /* CPU points a challenger must beat a kept container by */
	double margin_mem_mb; /* MiB it must beat it by when their CPU is within margin_cpu */
	char source[16]; /* auto or a source's name (metrics_source_parse) */
	bool source_forced; /* source parsed by config_load: not auto */
	int source_id; /* enum snap_source, when source_forced */
	bool bpf_no_cgwalk; /* BPF source: never the cgroup walk (metrics_src.h) */
	char module_path[CONFIG_STR_MAX];
	char proc_root[CONFIG_STR_MAX]; /* the /proc walked by the procfs source */
	char docker_socket[CONFIG_STR_MAX];
	char log_url[CONFIG_STR_MAX]; /* external log server; "" = run the container */
	char token_file[CONFIG_STR_MAX]; /* bearer token for log_url; "" = none */
	char log_ca[CONFIG_STR_MAX]; /* CA file to verify an https log_url; "" = system */
	char admin_image[CONFIG_STR_MAX];
	char admin_name[CONFIG_STR_MAX];
	int admin_port; /* host port on 127.0.0.1 */
	char admin_data[CONFIG_STR_MAX];
	bool keep_admin_logs; /* leave the admin_logs container running at exit */
	bool remove_volumes; /* removals also delete anonymous volumes (docker rm -v) */
	char user[64]; /* after start-up, run as this user (privs.h); "" = stay root */
	char privs_caps[128]; /* with user: these capabilities instead of the source's (privs.h) */
	double health_timeout_s;
	double graph_timeout_s; /* the stop's wait for POST /graficar */
	double docker_timeout_s; /* one Docker API request */
	bool demo; /* the cron job of load containers (make run) */
	bool no_cron;
	char cron_script[CONFIG_STR_MAX]; /* "" = <repo>/scripts/cron.sh next to the binary */
	char spool_path[CONFIG_STR_MAX];
	double spool_max_mb;
	int settle_ms; /* age at which a first-seen container is rated over its lifetime */
	bool no_events; /* no event thread: only the periodic cycle decides */
	int event_window_ms; /* age at which a container seen starting is decided */
	char log_level[16];
	int colour; /* enum config_colour */
	bool table; /* the per-cycle table also when stdout is no terminal */
	char host[128];
	char scope[CONFIG_STR_MAX]; /* "key=value": manage only containers with this label too */
	char metrics_listen[64]; /* Prometheus /metrics: "none" or ADDR:PORT (promexp.h) */
	char metrics_labels[CONFIG_STR_MAX]; /* Docker labels exported, "a,b" ("": none) */
	double counters_interval_s; /* ctrio's counters read this often (ctrio_read_every) */
	double grace_s; /* a container younger than this is not removed (rails.h); 0: none */
	int max_removals; /* removals per cycle at most; 0: no cap */
	int stop_timeout_s; /* graceful removal: stop signal, SIGKILL after this; 0: SIGKILL */
	char protect[CONFIG_STR_MAX]; /* "key=value" that keeps a container; "" none */
	char state_dir[CONFIG_STR_MAX]; /* kept set and status file (state.h); "" none */
	bool help, version, print_config;
};

/* Fill c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * The whole sequence: defaults, then the INI file (--config / GESTOR_CONFIG,
 * else the default path when it exists), then the environment, then flags.
 * Checks cross-field rules at the end. 0 or -errno.
 */
int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen);

/* --help text: usage, every option with its env name and default. */
void config_usage(FILE *out);

/*
 * Whether config_load's outcome ret (err) ends the program: an error, --help,
 * --version or --print-config, handled as in every gestor program
 * (opts_prog_exit). true with the exit status in *status; false: go on.
 */
bool config_exit(const struct config *c, int ret, const char *err, int *status);

const char *config_ranking_name(int r);

/* --print-config: an INI file of every option at its default. 0 or -EIO. */
int config_print_file(FILE *out);

#endif
