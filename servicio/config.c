/*
 * config.c — servicio's option table (lib/opts.h) behind config.h.
 *
 * Every option is one row: its flag name, where it lives in struct config,
 * its type and range, and its help line. Defaults come from
 * config_defaults(); the INI file, GESTOR_* variables and --flags all go
 * through the same table, so a value means the same wherever it is written.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "gestor.h"
#include "metrics.h"
#include "modsrc.h"
#include "opts.h"
#include "opts_ini.h"
#include "promexp.h"
#include "snapshot.h"
#include "util.h"

#define CONFIG_DEFAULT_FILE "/etc/gestor/servicio.ini"

/* in enum policy_ranking's order; OPTS_ENUM stores the index as an int */
static const char *const ranking_names[] = { "cpu", "oldest", NULL };
_Static_assert(sizeof(enum policy_ranking) == sizeof(int), "ranking is an OPTS_ENUM index");
static const char *const colour_names[] = { "auto", "always", "never", NULL };
static const char *const level_names[] = { "debug", "info", "warn", "error", NULL };

#define F(field) OPTS_FIELD(struct config, field)

static const struct opts_opt config_opts[] = {
	{ "config", OPTS_STR, F(config_file), 0, 0, NULL, "FILE",
	  "INI file to read (" CONFIG_DEFAULT_FILE " is read when it exists)", OPTS_NOENV },
	{ "interval", OPTS_DOUBLE, F(interval_s), 1, 86400, NULL, "SECONDS",
	  "time between cycles (at least 1)", 0 },
	{ "duration", OPTS_DOUBLE, F(duration_s), 0, 31536000, NULL, "SECONDS",
	  "stop by itself after this long (0: run until Ctrl+C)", 0 },
	{ "once", OPTS_BOOL, F(once), 0, 0, NULL, NULL,
	  "run one full cycle (two samples for the rates) and exit", 0 },
	{ "dry-run", OPTS_BOOL, F(dry_run), 0, 0, NULL, NULL,
	  "decide and log (action would_remove) but remove nothing", 0 },
	{ "keep-high", OPTS_INT, F(keep_high), 0, 100000, NULL, "N",
	  "high-consumption containers kept", 0 },
	{ "keep-low", OPTS_INT, F(keep_low), 0, 100000, NULL, "N",
	  "low-consumption containers kept", 0 },
	{ "ranking", OPTS_ENUM, F(ranking), 0, 0, ranking_names, "cpu|oldest",
	  "which stay: cpu = heaviest high and lightest low (by CPU, then memory); "
	  "oldest = longest-running",
	  0 },
	{ "high-cpu", OPTS_DOUBLE, F(high_cpu), 0, 100000, NULL, "PCT",
	  "CPU % (of one core) at or above which a container is high", 0 },
	{ "high-mem", OPTS_DOUBLE, F(high_mem_mb), 0, 1e9, NULL, "MIB",
	  "memory (MiB, as docker stats counts it) at or above which a container is high", 0 },
	{ "margin-cpu", OPTS_DOUBLE, F(margin_cpu), 0, 100000, NULL, "POINTS",
	  "hysteresis: a kept container keeps its place unless a challenger beats it by more "
	  "than this many CPU % points (ranking cpu)",
	  0 },
	{ "margin-mem", OPTS_DOUBLE, F(margin_mem_mb), 0, 1e9, NULL, "MIB",
	  "hysteresis: ... or, with CPU within --margin-cpu, by more than this much memory", 0 },
	{ "source", OPTS_STR, F(source), 0, 0, NULL, "auto|module|bpf|procfs",
	  "metrics source (auto: the module file when present, else BPF when the kernel "
	  "allows, else procfs)",
	  0 },
	{ "bpf-no-cgwalk", OPTS_BOOL, F(bpf_no_cgwalk), 0, 0, NULL, NULL,
	  "BPF source: read containers with the task iterator, never the cgroup walk (what "
	  "kernels before 6.7 do; for comparisons)",
	  0 },
	{ "module-path", OPTS_STR, F(module_path), 0, 0, NULL, "PATH", "the kernel module's file",
	  0 },
	{ "proc-root", OPTS_STR, F(proc_root), 0, 0, NULL, "DIR",
	  "the /proc the procfs source walks: in a container, the host's /proc mounted there "
	  "(e.g. /host/proc) makes it see the host's processes without the host's pid namespace",
	  0 },
	{ "docker-socket", OPTS_STR, F(docker_socket), 0, 0, NULL, "PATH",
	  "Docker Engine API socket", 0 },
	{ "log-url", OPTS_STR, F(log_url), 0, 0, NULL, "URL",
	  "use this log server instead of running the admin_logs container", 0 },
	{ "token-file", OPTS_STR, F(token_file), 0, 0, NULL, "FILE",
	  "bearer token sent to the --log-url server (the container's is <admin-data>/token)", 0 },
	{ "log-ca", OPTS_STR, F(log_ca), 0, 0, NULL, "FILE",
	  "CA (or self-signed) certificate an https --log-url must match (default: system CAs)",
	  0 },
	{ "admin-image", OPTS_STR, F(admin_image), 0, 0, NULL, "IMAGE", "admin_logs image", 0 },
	{ "admin-name", OPTS_STR, F(admin_name), 0, 0, NULL, "NAME", "admin_logs container name",
	  0 },
	{ "admin-port", OPTS_INT, F(admin_port), 1, 65535, NULL, "PORT",
	  "admin_logs port published on 127.0.0.1", 0 },
	{ "admin-data", OPTS_STR, F(admin_data), 0, 0, NULL, "DIR",
	  "host directory mounted at /data in admin_logs (database, report)", 0 },
	{ "keep-admin-logs", OPTS_BOOL, F(keep_admin_logs), 0, 0, NULL, NULL,
	  "leave the admin_logs container running at exit, and have Docker restart it (after a "
	  "crash, a reboot) whether servicio runs or not (restart policy unless-stopped)",
	  0 },
	{ "remove-volumes", OPTS_BOOL, F(remove_volumes), 0, 0, NULL, NULL,
	  "a removed container's anonymous volumes go too (docker rm -v; default: kept, as "
	  "docker rm)",
	  0 },
	{ "user", OPTS_STR, F(user), 0, 0, NULL, "NAME",
	  "after start-up run as this system user (made when missing) with only the "
	  "capabilities the metrics source needs; a privileged parent keeps root for the "
	  "cron removal (docs/servicio.md, Least privilege; empty or root: stay root; make run "
	  "and gestor.service pass gestor)",
	  0 },
	{ "privs-caps", OPTS_STR, F(privs_caps), 0, 0, NULL, "CAPS",
	  "with --user: keep these capabilities (e.g. cap_dac_override,cap_bpf) instead of "
	  "the metrics source's (none; docs/servicio.md, Least privilege: for a /proc "
	  "mounted hidepid=2 or a kernel refusing unprivileged bpf())",
	  0 },
	{ "docker-timeout", OPTS_DOUBLE, F(docker_timeout_s), 1, 600, NULL, "SECONDS",
	  "how long one Docker API request may take (a slow or emulated machine needs more)", 0 },
	{ "health-timeout", OPTS_DOUBLE, F(health_timeout_s), 1, 3600, NULL, "SECONDS",
	  "how long to wait for admin_logs to answer /health at start", 0 },
	{ "graph-timeout", OPTS_DOUBLE, F(graph_timeout_s), 1, 3600, NULL, "SECONDS",
	  "how long the stop waits for admin_logs to draw the report's graphs (it goes on "
	  "drawing after that)",
	  0 },
	{ "demo", OPTS_BOOL, F(demo), 0, 0, NULL, NULL,
	  "the demo (`make run`, the gestor-demo package): install the cron job that starts "
	  "load containers every 30 s (removed at the stop); off, servicio creates no "
	  "container but its log server's",
	  0 },
	{ "no-cron", OPTS_BOOL, F(no_cron), 0, 0, NULL, NULL,
	  "with --demo: do not install (nor remove) the cron job", 0 },
	{ "cron-script", OPTS_STR, F(cron_script), 0, 0, NULL, "PATH",
	  "cron.sh to run (default: <prefix>/lib/gestor/scripts/cron.sh beside <prefix>/sbin, "
	  "or <repo>/scripts/cron.sh beside build/bin)",
	  0 },
	{ "spool", OPTS_STR, F(spool_path), 0, 0, NULL, "PATH",
	  "spool file for logs admin_logs has not accepted yet", 0 },
	{ "spool-max-mb", OPTS_DOUBLE, F(spool_max_mb), 0.01, 1e6, NULL, "MIB",
	  "spool size limit (new batches are dropped, loudly, past it)", 0 },
	{ "settle-ms", OPTS_INT, F(settle_ms), 10, 5000, NULL, "MS",
	  "a container seen for the first time is rated over its lifetime once this old "
	  "(a younger one: measured again when it is)",
	  0 },
	{ "no-events", OPTS_BOOL, F(no_events), 0, 0, NULL, NULL,
	  "do not follow Docker's events (only the periodic cycle decides)", 0 },
	{ "event-window-ms", OPTS_INT, F(event_window_ms), 100, 10000, NULL, "MS",
	  "a managed container seen starting (Docker's events) is measured over this window, "
	  "then decided at once",
	  0 },
	{ "log-level", OPTS_ENUM, F(log_level), 0, 0, level_names, "debug|info|warn|error",
	  "lowest level logged on stderr", 0 },
	{ "table", OPTS_BOOL, F(table), 0, 0, NULL, NULL,
	  "print the per-cycle table on stdout even when it is not a terminal (a file, the "
	  "journal)",
	  0 },
	{ "color", OPTS_ENUM, F(colour), 0, 0, colour_names, "auto|always|never",
	  "colour in the table (auto: only on a terminal)", 0 },
	{ "scope", OPTS_STR, F(scope), 0, 0, NULL, "LABEL=VALUE",
	  "manage only the managed containers that also carry this label (tests, shared hosts)",
	  0 },
	{ "metrics-listen", OPTS_STR, F(metrics_listen), 0, 0, NULL, "ADDR:PORT|none",
	  "serve Prometheus /metrics there (cAdvisor's container_* series; docs/metrics.md)",
	  OPTS_NONEMPTY },
	{ "metrics-labels", OPTS_STR, F(metrics_labels), 0, 0, NULL, "LABEL,LABEL...",
	  "also export these Docker labels on /metrics' container_* series, as cAdvisor's "
	  "container_label_<name> (the name's other characters than letters, digits and _ made "
	  "_); none by default: label values can carry what the operator would not publish",
	  0 },
	{ "counters-interval", OPTS_DOUBLE, F(counters_interval_s), 0, 86400, NULL, "SECONDS",
	  "read the containers' cumulative counters (cgroup CPU seconds, block I/O, network, "
	  "processes and threads, CFS throttling, OOM kills) this often, as cAdvisor's "
	  "housekeeping interval: /metrics serves the last values read (but the CPU seconds, "
	  "carried on between reads by the CPU % servicio measures), a sample record sent to "
	  "admin_logs carries them only from a cycle that read them; a new container is read at "
	  "its first cycle; 0 or at most the interval: every cycle; also the longest a "
	  "container's memory.stat (inactive file pages, v1's limit) is taken again while its "
	  "usage stands still",
	  0 },
	{ "grace", OPTS_DOUBLE, F(grace_s), 0, 86400, NULL, "SECONDS",
	  "safety rail: a container younger than this is not removed yet (kept, 'grace age' in "
	  "its reason; removed at the first cycle once that old); 0: decided at once, about a "
	  "second after its start",
	  0 },
	{ "max-removals", OPTS_INT, F(max_removals), 0, 1000000, NULL, "N",
	  "safety rail: at most N removals per cycle (the others wait for the next cycle, kept "
	  "with 'removal cap' in their reason); 0: no cap",
	  0 },
	{ "stop-timeout", OPTS_INT, F(stop_timeout_s), 0, 3600, NULL, "SECONDS",
	  "safety rail: remove gracefully, as docker stop -t SECONDS: the container's stop "
	  "signal (SIGTERM), SIGKILL after SECONDS; 0: SIGKILL at once",
	  0 },
	{ "protect-label", OPTS_STR, F(protect), 0, 0, NULL, "LABEL=VALUE",
	  "safety rail: a managed container carrying this label is never removed (decided, "
	  "then kept, 'protected' in its reason; empty: no such label)",
	  0 },
	{ "state-dir", OPTS_STR, F(state_dir), 0, 0, NULL, "DIR",
	  "where the kept set (the hysteresis) survives a restart, and `servicio top` reads the "
	  "last cycle (empty: nothing kept on disk)",
	  0 },
	{ "host", OPTS_STR, F(host), 0, 0, NULL, "NAME",
	  "host name sent with the logs (empty: this machine's host name)", 0 },
	OPTS_ROWS_PROG(struct config, CONFIG_DEFAULT_FILE),
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_s = 10;
	c->counters_interval_s = 10;
	c->keep_high = 2;
	c->keep_low = 3;
	c->ranking = POLICY_RANK_CPU;
	c->high_cpu = 20;
	c->high_mem_mb = 64;
	c->margin_cpu = 10;
	c->margin_mem_mb = 64;
	util_strlcpy(c->source, "auto", sizeof(c->source));
	util_strlcpy(c->module_path, MODSRC_PATH, sizeof(c->module_path));
	util_strlcpy(c->proc_root, SNAP_PROC_ROOT, sizeof(c->proc_root));
	util_strlcpy(c->docker_socket, DOCKER_SOCKET, sizeof(c->docker_socket));
	util_strlcpy(c->admin_image, "gestor/admin_logs:latest", sizeof(c->admin_image));
	util_strlcpy(c->admin_name, GESTOR_ADMIN_NAME, sizeof(c->admin_name));
	c->admin_port = GESTOR_LOG_PORT;
	util_strlcpy(c->admin_data, "/var/lib/gestor/admin_logs", sizeof(c->admin_data));
	c->health_timeout_s = 60;
	c->graph_timeout_s = 120;
	c->docker_timeout_s = DOCKER_TIMEOUT_MS / 1000.0;
	util_strlcpy(c->spool_path, "/var/lib/gestor/servicio/spool", sizeof(c->spool_path));
	c->spool_max_mb = 64;
	c->settle_ms = 200;
	c->event_window_ms = 800; /* ~1 s; start -> removal stays under 1.5 s on a busy machine */
	util_strlcpy(c->log_level, "info", sizeof(c->log_level));
	c->colour = CONFIG_COLOUR_AUTO;
	util_strlcpy(c->metrics_listen, PROMEXP_DEFAULT_LISTEN, sizeof(c->metrics_listen));
	c->max_removals = 50; /* a runaway guard: more than the demo or the tests ever remove */
	util_strlcpy(c->protect, GESTOR_PROTECT_DEFAULT, sizeof(c->protect));
	util_strlcpy(c->state_dir, "/var/lib/gestor/servicio", sizeof(c->state_dir));
	/* host: empty, this machine's name once everything is read (config_load) */
}

/* An empty host is this machine's name. */
static void config_default_host(struct config *c)
{
	if (c->host[0] != '\0')
		return;
	if (gethostname(c->host, sizeof(c->host) - 1) != 0 || c->host[0] == '\0')
		util_strlcpy(c->host, "localhost", sizeof(c->host));
}

static const struct opts_spec config_spec = { config_opts, UTIL_ARRAY_LEN(config_opts), "GESTOR_",
					      "servicio" };

/* The second pass over the flags: all but the first's (opts_pick_first). */
static bool config_second_pass(const struct opts_opt *o)
{
	return !opts_pick_first(o);
}

/* Rules between fields, checked once everything is read. */
static int config_check(struct config *c, char *err, size_t errlen)
{
	enum snap_source src = SNAP_SRC_PROCFS;

	if (!metrics_source_parse(c->source, &c->source_forced, &src)) {
		snprintf(err, errlen, "source: expected %s, got '%s'", metrics_source_words(),
			 c->source);
		return -EINVAL;
	}
	c->source_id = (int)src;
	if (c->once && c->duration_s > 0) {
		snprintf(err, errlen, "--once and --duration exclude each other");
		return -EINVAL;
	}
	if (c->scope[0] && (!strchr(c->scope, '=') || c->scope[0] == '=')) {
		snprintf(err, errlen, "scope: '%s' is not LABEL=VALUE", c->scope);
		return -EINVAL;
	}
	{
		struct sockaddr_storage ss;
		bool off;
		struct promexp_labels pl;
		if (promexp_parse_listen(c->metrics_listen, &off, &ss, err, errlen) != 0 ||
		    promexp_parse_labels(c->metrics_labels, &pl, err, errlen) != 0)
			return -EINVAL;
	}
	if (c->protect[0] && (!strchr(c->protect, '=') || c->protect[0] == '=')) {
		snprintf(err, errlen, "protect-label: '%s' is not LABEL=VALUE", c->protect);
		return -EINVAL;
	}
	if (c->spool_path[0] == '\0') {
		snprintf(err, errlen, "spool: a path is needed");
		return -EINVAL;
	}
	return 0;
}

int config_load(struct config *c, int argc, char **argv, const char *(*getenv_fn)(const char *),
		char *err, size_t errlen)
{
	struct config pre;
	const char *file = NULL;
	int ret;

	config_defaults(c);
	/* first pass: --config and --help only (checks every flag's syntax too) */
	config_defaults(&pre);
	ret = opts_load_args(&config_spec, &pre, argc, argv, opts_pick_first, err, errlen);
	if (ret)
		return ret;
	if (pre.help || pre.version || pre.print_config) {
		c->help = pre.help;
		c->version = pre.version;
		c->print_config = pre.print_config;
		return 0;
	}
	if (pre.config_file[0])
		file = pre.config_file;
	else if (getenv_fn("GESTOR_CONFIG"))
		file = getenv_fn("GESTOR_CONFIG");
	else if (access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		file = CONFIG_DEFAULT_FILE;
	if (file && file[0]) {
		util_strlcpy(c->config_file, file, sizeof(c->config_file));
		ret = opts_load_ini(&config_spec, c, file, err, errlen);
		if (ret)
			return ret;
	}
	ret = opts_load_env(&config_spec, c, getenv_fn, err, errlen);
	if (ret)
		return ret;
	ret = opts_load_args(&config_spec, c, argc, argv, config_second_pass, err, errlen);
	if (ret)
		return ret;
	config_default_host(c);
	return config_check(c, err, errlen);
}

/* The defaults --help shows (the host found at start described) and --print-config's. */
static void config_defaults_of(void *d, bool help)
{
	struct config *c = d;

	config_defaults(c);
	if (help)
		util_strlcpy(c->host, "this machine's host name", sizeof(c->host));
}

static const struct opts_prog config_prog = {
	.spec = &config_spec,
	.name = "servicio",
	.synopsis = "servicio [OPTION]...\n"
		    "       servicio stats [--help]\n"
		    "       servicio top [--help]",
	.about = "The gestor manager: each cycle measures the containers labelled\n"
		 "gestor.managed=true, classifies them high or low, keeps --keep-high high and\n"
		 "--keep-low low ones, removes the rest, prints a table and sends every sample\n"
		 "and decision to admin_logs. Ctrl+C stops it cleanly (graphs, cron removed).",
	.defaults_of = config_defaults_of,
	.defaults_size = sizeof(struct config),
	.version = GESTOR_VERSION,
	.print_config = opts_print_ini,
	.ini_header =
		"servicio.ini — the configuration of servicio, gestor's manager "
		"(servicio.ini(5)).\n"
		"\n"
		"servicio reads " CONFIG_DEFAULT_FILE " when it exists, or the file named by\n"
		"--config FILE or GESTOR_CONFIG. Every key is a command-line flag without its\n"
		"\"--\" ('-' and '_' are the same). Precedence: a flag beats the environment\n"
		"variable GESTOR_<KEY> (e.g. GESTOR_KEEP_HIGH), which beats this file, which\n"
		"beats the built-in default. The values below ARE the defaults: this file is\n"
		"the output of `servicio --print-config`.",
};

void config_usage(FILE *out)
{
	opts_help(&config_prog, out);
}

bool config_exit(const struct config *c, int ret, const char *err, int *status)
{
	return opts_prog_exit(&config_prog,
			      &(struct opts_prog_req){ c->help, c->version, c->print_config }, ret,
			      err, status);
}

int config_print_file(FILE *out)
{
	return opts_print_ini(&config_prog, out);
}

const char *config_ranking_name(int r)
{
	return r >= 0 && r < 2 ? ranking_names[r] : "?";
}
