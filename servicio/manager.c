/*
 * manager.c — servicio's main loop: the start, the cycle as a pipeline of
 * stages, and the stop.
 *
 * Start: read the configuration; open the spool (what a previous run left
 * is sent first); reach Docker (a clear error when it is down); run the
 * admin_logs container or use --log-url, waiting for /health (admin.h);
 * with --demo, install the cron job (cron.h); say which metrics source is used and why;
 * take the first snapshot.
 *
 * Each cycle (cycle.h): measure → decide → act → record → ship.
 *
 * Under systemd (Type=notify): READY=1 once the first cycle can run,
 * WATCHDOG=1 at least every half watchdog period while the loop turns (a
 * hung cycle is killed and restarted), STOPPING=1 when the stop begins.
 *
 * Signals only set a flag (a second SIGINT/SIGTERM exits at once). The
 * stop: flush the spool (bounded wait), POST /graficar, remove the cron
 * lines, remove the admin_logs container it started (the data stays on the
 * host) and print where the report is.
 */
#include "manager.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "admin.h"
#include "cgroupid.h"
#include "config.h"
#include "cron.h"
#include "ctrio.h"
#include "decide.h"
#include "docker.h"
#include "docker_ctl.h"
#include "events.h"
#include "gestor.h"
#include "log.h"
#include "measure.h"
#include "memtrim.h"
#include "metrics.h"
#include "opts.h"
#include "logclient.h"
#include "privs.h"
#include "procskip.h"
#include "promexp.h"
#include "record.h"
#include "scope.h"
#include "ship.h"
#include "state.h"
#include "status.h"
#include "util.h"
#include "watchdog.h"

#define MGR_VERSION GESTOR_VERSION /* debian/changelog, by mk/common.mk */
#define MGR_FLUSH_S 15 /* how long the stop waits for admin_logs to take the spool */

static volatile sig_atomic_t mgr_stop;
static bool mgr_terminal_note = true; /* off when stderr is the journal */

static void on_signal(int sig)
{
	static const char msg[] = "\nservicio: stopping (press Ctrl+C again to quit at once)\n";

	(void)sig;
	if (mgr_stop)
		_exit(130);
	mgr_stop = 1;
	if (mgr_terminal_note && write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		(void)0;
}

static bool mgr_stopping(void)
{
	return mgr_stop != 0;
}

struct mgr {
	struct config cfg;
	struct docker *dk;
	bool docker_down;
	struct ship ship;
	struct admin admin;
	struct cron cron;
	struct measure ms;
	char self_id[GESTOR_CTR_ID_LEN + 1];
	char run_id[48];
	uint64_t cycle;
	bool colour;
	bool table; /* print the per-cycle table: stdout is a terminal, or --table */
	uint64_t removed_total;
	struct decide_kept kept; /* the incumbents (decide.h) */
	struct state st; /* the state directory: kept set, status file (state.h) */
	bool status_failed; /* the status file could not be written (said once) */
	struct events *ev; /* the event thread; NULL: periodic cycles only */
	uint64_t event_cycles; /* cycles run early for a started container */
	struct promexp *px; /* /metrics; NULL when off */
	struct ctrio_keep *iokeep; /* the containers' ctrio files, open from cycle to cycle */
	struct promexp_labels px_labels; /* the Docker labels /metrics exports */
	double start_time;
};

static void find_self(struct mgr *m)
{
	char buf[8192], path[512];

	m->self_id[0] = '\0';
	if (util_read_file_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) > 0 &&
	    cgroupid_from_file_buf(buf, m->self_id, path, sizeof(path)))
		log_info("servicio runs in container %.12s: it never removes itself", m->self_id);
}

static void docker_trouble(struct mgr *m, const char *what, const char *err)
{
	if (!m->docker_down)
		log_errorx("Docker daemon unreachable (%s: %s): cycles skip decisions until it is "
			   "back",
			   what, err);
	m->docker_down = true;
}

static void docker_back(struct mgr *m)
{
	if (m->docker_down)
		log_info("Docker daemon answers again");
	m->docker_down = false;
}

static struct decide_ctx mgr_decide_ctx(struct mgr *m)
{
	return (struct decide_ctx){
		.pp = { .high_cpu = m->cfg.high_cpu,
			.high_mem_kb = (uint64_t)(m->cfg.high_mem_mb * 1024.0),
			.keep_high = m->cfg.keep_high,
			.keep_low = m->cfg.keep_low,
			.ranking = m->cfg.ranking,
			.admin_name = m->cfg.admin_name,
			.margin_cpu = m->cfg.margin_cpu,
			.margin_mem_kb = (uint64_t)(m->cfg.margin_mem_mb * 1024.0) },
		.scope = m->cfg.scope,
		.admin_id = m->admin.id,
		.self_id = m->self_id,
		.dry_run = m->cfg.dry_run,
		.rails = { .protect = m->cfg.protect,
			   .grace_ns = (int64_t)(m->cfg.grace_s * 1e9),
			   .max_removals = m->cfg.max_removals },
		.kept = &m->kept,
	};
}

/* The cycle's rows for `servicio top` (status.h); a failure is said once. */
static void mgr_status(struct mgr *m, const struct cycle *c)
{
	char err[512], *text;

	if (!m->cfg.state_dir[0])
		return;
	text = status_format(c, m->cfg.interval_s, m->cfg.dry_run);
	if (text &&
	    state_write(m->cfg.state_dir, STATE_STATUS_FILE, text, strlen(text), false, err,
			sizeof(err)) != 0 &&
	    !m->status_failed) {
		log_warnx("state: no status for servicio top: %s", err);
		m->status_failed = true;
	}
	free(text);
}

/* The stages after measuring; the timings go to the debug log. */
static void run_stages(struct mgr *m, struct cycle *c, struct ctrio **io, uint64_t t[4])
{
	const struct decide_ctx dx = mgr_decide_ctx(m);
	struct record_ctx rx = { .run_id = m->run_id,
				 .host = m->cfg.host,
				 .dry_run = m->cfg.dry_run,
				 .colour = m->colour,
				 .keep_high = m->cfg.keep_high,
				 .keep_low = m->cfg.keep_low };
	struct act_result ar;
	int nremove = decide_cycle(c, &dx);
	char *body;

	if (nremove < 0) {
		log_errorx("out of memory: cycle skipped");
		return;
	}
	/* the rows' cgroup and network counters, before any removal, once for
	 * the records and /metrics (NULL when out of memory: both go without) */
	if (!m->iokeep)
		m->iokeep = ctrio_keep_new(); /* NULL: the files are opened each cycle */
	bool io_all; /* every row read: the record carries them (else last values, /metrics only) */
	*io = ctrio_read_every(m->iokeep, NULL, c, util_mono_ns(),
			       (uint64_t)(m->cfg.counters_interval_s * 1e9),
			       (uint64_t)(m->cfg.interval_s * 1e9), &io_all);
	rx.io = io_all ? *io : NULL;
	if (nremove > 0)
		measure_forget_list(&m->ms); /* the set changes: list again next cycle */
	if (!m->cfg.dry_run) /* a dry run changes nothing, on disk neither */
		(void)state_save_kept(&m->st, &m->kept); /* a failure is logged once */
	t[0] = util_mono_ns();
	wd_alive(); /* each stage is bounded; between them the cycle moves on */
	act_remove(c, m->dk, m->cfg.docker_socket, &ar);
	m->removed_total += ar.removed;
	if (ar.docker_err[0])
		docker_trouble(m, "remove", ar.docker_err);
	mgr_status(m, c);
	t[1] = util_mono_ns();
	if (m->table)
		record_table(stdout, c, &rx);
	body = record_batch(c, &rx);
	t[2] = util_mono_ns();
	wd_alive();
	if (body)
		ship_send(&m->ship, body, strlen(body));
	else
		log_errorx("out of memory: the logs of cycle %" PRIu64 " are lost", c->number);
	free(body);
	t[3] = util_mono_ns();
}

/* The cycle's figures to /metrics (promexp.h copies them). */
static void mgr_publish(struct mgr *m, const struct cycle *c, const struct ctrio *io,
			double cycle_s)
{
	if (!m->px)
		return; /* /metrics is off: nothing to gather */
	const struct promexp_info x = {
		.cycle_s = cycle_s,
		.scope = m->cfg.scope,
		.self = {
			.module_loaded = access(m->cfg.module_path, F_OK) == 0,
			.logs_up = m->ship.lc && !m->ship.logs_down,
			.delivered = m->ship.sent,
			.spooled = m->ship.spooled,
			.dropped = m->ship.spool_ok ? m->ship.sp.dropped : 0,
			.spool_batches = m->ship.spool_ok ? m->ship.sp.pending : 0,
			.spool_bytes = m->ship.spool_ok ? m->ship.sp.size - m->ship.sp.head : 0,
			.start_time = m->start_time,
		},
		.labels = &m->px_labels,
		.io = io,
	};

	promexp_publish(m->px, c, &x);
}

static void run_cycle(struct mgr *m)
{
	struct cycle c = { .number = ++m->cycle };
	struct ctrio *io = NULL;
	uint64_t t_start = util_mono_ns(), t_meas, t_list, t[4] = { 0 };
	const char *what = "";
	char err[512];

	/* what this cycle sees needs no reaction of its own; a die: list again */
	if (m->ev && events_cycle_starts(m->ev))
		measure_forget_list(&m->ms);
	if (measure_sample(&m->ms, &c) != 0)
		return;
	t_meas = util_mono_ns();
	if (m->docker_down)
		measure_forget_list(&m->ms);
	if (measure_list(&m->ms, m->dk, &c, &what, err, sizeof(err)) != 0) {
		docker_trouble(m, what, err);
		goto out;
	}
	t_list = util_mono_ns();
	wd_alive();
	docker_back(m);
	/* the cycle's container records (cycle.h), made by measure_list, are
	 * the one data each stage fills in turn */
	measure_settle(&m->ms, &c, mgr_stopping);
	run_stages(m, &c, &io, t);
	size_t skipped, reused, memstat, given;
	metrics_saved(&m->ms.met, &skipped, &reused, &memstat, &given);
	log_debug("cycle %" PRIu64
		  " timing: measure %.3f ms (%zu containers; %zu processes outside "
		  "containers, %zu cgroup files and %zu memory.stat not read again, %zu memory "
		  "usages from the source), docker list %.3f ms, "
		  "removals %.3f ms, logs %.3f ms, whole cycle %.3f ms%s",
		  c.number, (double)(t_meas - t_start) / 1e6, c.cs.nctrs, skipped, reused, memstat,
		  given, (double)(t_list - t_meas) / 1e6, (double)(t[1] - t[0]) / 1e6,
		  (double)(t[3] - t[2]) / 1e6, (double)(util_mono_ns() - t_start) / 1e6,
		  c.settled ? " (with a settle sample)" : "");
	mgr_publish(m, &c, io, (double)(util_mono_ns() - t_start) / 1e9);
out:
	free(io);
	measure_advance(&m->ms, &c);
}

/* ---------- start and stop ---------- */

static void stop_sequence(struct mgr *m, bool graphs)
{
	/* the cron lines first: the demo's job would go on starting containers
	 * (nobody left to remove them) and starve the drawing below of CPU */
	cron_remove(&m->cron);
	/* what could not be sent waits in the spool for the next run */
	ship_flush(&m->ship, graphs ? MGR_FLUSH_S : 5);
	if (graphs && m->ship.lc)
		admin_report(&m->admin, m->ship.lc, m->cfg.graph_timeout_s);
	if (!m->docker_down)
		admin_stop(&m->admin, m->dk);
}

static void mgr_free(struct mgr *m)
{
	events_stop(m->ev);
	m->ev = NULL;
	promexp_stop(m->px);
	ctrio_keep_free(m->iokeep);
	measure_close(&m->ms);
	decide_kept_free(&m->kept);
	state_free(&m->st);
	ship_close(&m->ship);
	if (m->dk)
		docker_close(m->dk);
}

/* Docker reachable, or a message saying what to do. 0 or -errno. */
static int mgr_docker(struct mgr *m)
{
	char err[1024];
	struct docker_opts dopt = { .socket_path = m->cfg.docker_socket,
				    .timeout_ms = (long)(m->cfg.docker_timeout_s * 1000),
				    .alive = wd_alive };
	int ret = docker_open(&m->dk, &dopt, err, sizeof(err));

	if (ret == 0)
		ret = docker_ping(m->dk, err, sizeof(err));
	if (ret) {
		log_errorx("cannot use Docker at %s: %s%s", m->cfg.docker_socket, err,
			   ret == -EACCES
				   ? " (run as root or in the docker group)"
				   : " (is dockerd running? try: sudo systemctl start docker)");
		return ret < 0 ? ret : -EIO;
	}
	log_info("Docker API %s at %s", docker_api_version(m->dk), m->cfg.docker_socket);
	return 0;
}

/* The metrics session, the source said, and the first sample. 0 or -errno. */
static int mgr_metrics(struct mgr *m)
{
	struct metrics_config mc = {
		.module_path = m->cfg.module_path,
		/* the live /proc stays NULL: only another tree (a container's view of
		 * the host's, --proc-root) is named, and BPF then needs --source bpf */
		.proc_root =
			strcmp(m->cfg.proc_root, SNAP_PROC_ROOT) != 0 ? m->cfg.proc_root : NULL,
		.containers_only = true,
		.skip_details = true, /* no uid or cmdline: the cycle uses neither */
	};
	struct cycle c0 = { 0 };
	char why[256];
	int ret;

	mc.forced = m->cfg.source_forced;
	mc.source = (enum snap_source)m->cfg.source_id;
	mc.bpf_no_cgwalk = m->cfg.bpf_no_cgwalk;
	mc.memstat_every_ns = (uint64_t)(m->cfg.counters_interval_s * 1e9);
	ret = measure_open(&m->ms, &mc, m->cfg.settle_ms, m->cfg.scope, why, sizeof(why));
	if (ret != 0) {
		log_errorx("metrics: %s", why);
		return ret < 0 ? ret : -EIO;
	}
	log_info("metrics source: %s (%s)", metrics_source_name(metrics_source(&m->ms.met)), why);
	/* the first sample: rates need two */
	if (measure_sample(&m->ms, &c0) == 0)
		measure_advance(&m->ms, &c0);
	return 0;
}

static void mgr_banner(const struct mgr *m)
{
	log_info("servicio %s: interval %gs, keep %d high / %d low, ranking %s, thresholds CPU "
		 "%g%% or memory %g MiB, margins %g CPU points / %g MiB%s",
		 MGR_VERSION, m->cfg.interval_s, m->cfg.keep_high, m->cfg.keep_low,
		 config_ranking_name(m->cfg.ranking), m->cfg.high_cpu, m->cfg.high_mem_mb,
		 m->cfg.margin_cpu, m->cfg.margin_mem_mb,
		 m->cfg.dry_run ? ", DRY RUN (nothing is removed)" : "");
	if (m->cfg.config_file[0])
		log_info("configuration file: %s", m->cfg.config_file);
	if (m->cfg.scope[0])
		log_info("scope: only managed containers labelled %s", m->cfg.scope);
}

/* Prometheus /metrics: a port in use costs the metrics, not the manager. */
static void mgr_exporter(struct mgr *m)
{
	char err[256];
	unsigned port;

	m->start_time = (double)util_real_ns() / 1e9;
	/* checked with the configuration: an error here leaves the list empty */
	(void)promexp_parse_labels(m->cfg.metrics_labels, &m->px_labels, err, sizeof(err));
	if (promexp_start(&m->px, m->cfg.metrics_listen, &port, err, sizeof(err)) != 0)
		log_warnx("%s: no /metrics this run (--metrics-listen to choose another)", err);
	else if (m->px)
		log_info("Prometheus metrics on http://%.*s:%u/metrics",
			 (int)(strrchr(m->cfg.metrics_listen, ':') - m->cfg.metrics_listen),
			 m->cfg.metrics_listen, port);
}

/* The removal's settings and the safety rails (rails.h); the kept set of the last run. */
static void mgr_rails(struct mgr *m)
{
	dctl_set_remove_volumes(m->cfg.remove_volumes);
	dctl_set_stop_timeout(m->cfg.stop_timeout_s);
	log_info("safety rails: grace age %gs, removals per cycle %s%.0d, %s, protect label %s",
		 m->cfg.grace_s, m->cfg.max_removals ? "at most " : "not capped",
		 m->cfg.max_removals, m->cfg.stop_timeout_s ? "graceful stop" : "SIGKILL at once",
		 m->cfg.protect[0] ? m->cfg.protect : "none");
	if (m->cfg.stop_timeout_s)
		log_info("removal: the stop signal, then SIGKILL after %d s (docker stop -t)",
			 m->cfg.stop_timeout_s);
	m->st.dir = m->cfg.state_dir;
	state_load_kept(&m->st, &m->kept);
}

/*
 * Start-up as root is over: before any thread, drop (privs.h). The log
 * server's socket, the spool and the state directory are reached through
 * their open directories from now on, not through root's 0700
 * GESTOR_RUN_DIR or 0750 /var/lib/gestor. 0 or -errno (said).
 */
static int mgr_drop(struct mgr *m)
{
	char err[256];
	int ret;

	if (privs_dropping() && logclient_pin(m->ship.lc, err, sizeof(err)) != 0)
		log_warnx("log server socket: %s: its requests fail after the drop", err);
	if (privs_dropping() && spool_pin(&m->ship.sp, err, sizeof(err)) != 0)
		log_warnx("%s: the spool may fail after the drop", err);
	if (privs_dropping() && m->cfg.state_dir[0]) {
		/* the descriptor lives as long as the process */
		int sfd = open(m->cfg.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sfd >= 0)
			snprintf(m->cfg.state_dir, sizeof(m->cfg.state_dir), "/proc/self/fd/%d",
				 sfd);
	}
	ret = privs_drop(metrics_source(&m->ms.met),
			 m->cfg.privs_caps[0] ? m->cfg.privs_caps : NULL, m->cfg.spool_path, err,
			 sizeof(err));
	if (ret != 0) {
		log_errorx("privileges: %s", err);
		return ret < 0 ? ret : -EPERM;
	}
	return 0;
}

/* The event thread, the exporter, and the start-up's code pages trimmed. */
static void mgr_threads(struct mgr *m)
{
	if (!m->cfg.once && !m->cfg.no_events) {
		struct events_cfg ec = { m->cfg.docker_socket, docker_api_version(m->dk),
					 m->cfg.scope, (unsigned)m->cfg.event_window_ms };
		char err[256];

		if (events_start(&m->ev, &ec, err, sizeof(err)) != 0)
			log_warnx("events: %s: only the periodic cycle decides", err);
	}
	mgr_exporter(m);
	/* start-up is over (curl, TLS libraries, Docker, admin_logs): give back
	 * the code pages only it ran (lib/memtrim.c) */
	size_t rss0 = memtrim_rss_kb();
	memtrim_code();
	malloc_trim(0);
	log_debug("memory: RSS %zu KiB after start-up, %zu KiB once its code pages and heap were "
		  "trimmed",
		  rss0, memtrim_rss_kb());
}

/*
 * Everything before the first cycle. 0 or -errno (said); -EINTR when a stop
 * signal came while waiting for admin_logs.
 */
static int mgr_start(struct mgr *m)
{
	int ret;

	mgr_banner(m);
	mgr_rails(m);
	ship_open(&m->ship, m->cfg.spool_path, m->cfg.spool_max_mb);
	ret = mgr_docker(m);
	if (ret != 0)
		return ret;
	find_self(m);
	m->admin.cfg = &m->cfg;
	ret = admin_start(&m->admin, m->dk, &m->ship.lc, mgr_stopping);
	if (ret != 0) {
		if (mgr_stop)
			admin_stop(&m->admin, m->dk);
		return mgr_stop ? -EINTR : ret;
	}
	ship_drain(&m->ship, true);
	if (m->cfg.demo && !m->cfg.no_cron && !m->cfg.once)
		cron_install(&m->cron, m->cfg.cron_script);
	ret = mgr_metrics(m);
	if (ret == 0)
		ret = mgr_drop(m);
	if (ret != 0) {
		stop_sequence(m, false);
		return ret;
	}
	mgr_threads(m);
	return 0;
}

/* Sleep until the monotonic deadline or a stop request. */
static void sleep_until(uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = util_mono_ns();
		if (mgr_stop || now >= deadline_ns)
			return;
		uint64_t left = deadline_ns - now;
		if (left > 200000000ull)
			left = 200000000ull;
		struct timespec ts = { (time_t)(left / 1000000000ull),
				       (long)(left % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
}

/*
 * The periodic cycle, and between two of them the cycles a started
 * container makes due (events.h): such a cycle restarts the interval, so
 * two cycles are never closer than the event window.
 */
static void mgr_loop(struct mgr *m)
{
	uint64_t t0 = util_mono_ns();
	uint64_t end =
		m->cfg.duration_s > 0 ? t0 + (uint64_t)(m->cfg.duration_s * 1e9) : UINT64_MAX;
	uint64_t step = m->cfg.once ? 1000000000ull : (uint64_t)(m->cfg.interval_s * 1e9);
	uint64_t next = t0 + step;
	uint64_t wd = wd_init();

	while (!mgr_stop) {
		uint64_t wake = next < end ? next : end;
		bool early = false, ping_only = false;

		if (wd && wake > util_mono_ns() + wd) { /* wake for the watchdog in between */
			wake = util_mono_ns() + wd;
			ping_only = true;
		}

		if (m->ev)
			early = events_wait(m->ev, wake, mgr_stopping);
		else
			sleep_until(wake);
		if (mgr_stop || util_mono_ns() >= end)
			break;
		wd_ping();
		if (ping_only && !early && util_mono_ns() < next)
			continue;
		if (early) {
			m->event_cycles++;
			log_info("Docker events (a managed container started, or the stream is "
				 "back): "
				 "cycle %" PRIu64 " now, not at the next interval",
				 m->cycle + 1);
			next = util_mono_ns() + step;
		} else {
			next += step;
			if (next < util_mono_ns()) /* a slow cycle: do not try to catch up */
				next = util_mono_ns() + step;
		}
		if (m->ship.logs_down && !m->docker_down)
			admin_revive(&m->admin, m->dk);
		ship_drain(&m->ship, false);
		run_cycle(m);
		if (m->cfg.once)
			break;
	}
}

/* Say how many managed containers the run leaves behind, and how to remove them. */
static void mgr_leftovers(struct mgr *m)
{
	struct docker_container_list l = { 0 };
	char err[256];
	size_t n = 0;

	if (m->docker_down ||
	    docker_list_containers(m->dk, false, GESTOR_MANAGED_FILTER, &l, err, sizeof(err)) != 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		const char *role = docker_container_label(&l.items[i], GESTOR_LABEL_ROLE);

		if (scope_managed(&l.items[i], m->cfg.scope) &&
		    !(role && strcmp(role, GESTOR_ROLE_ADMIN_LOGS) == 0))
			n++;
	}
	docker_container_list_free(&l);
	if (n > 0)
		log_info("%zu managed container%s left running (kept, or started after the last "
			 "cycle): "
			 "`make stop` removes them",
			 n, n == 1 ? " is" : "s are");
	else
		log_info("no managed container left running");
}

/* The run, start to stop: its exit status (a stop during the start is a clean end). */
static int mgr_run(struct mgr *m)
{
	int ret = mgr_start(m);

	if (ret != 0)
		return ret == -EINTR ? 0 : 1;
	sd_notifyf(0, "READY=1\nSTATUS=managing containers every %gs", m->cfg.interval_s);
	mgr_loop(m);
	sd_notify(0, "STOPPING=1");
	if (mgr_stop)
		log_info("stop requested: finishing");
	else if (!m->cfg.once)
		log_info("--duration %gs reached: finishing", m->cfg.duration_s);
	events_stop(m->ev); /* no reaction during the stop */
	m->ev = NULL;
	stop_sequence(m, !m->cfg.once);
	mgr_leftovers(m);
	log_info("done: %" PRIu64 " cycles (%" PRIu64 " for a started container), %" PRIu64
		 " containers removed, %" PRIu64 " batches delivered, %" PRIu64
		 " went through the spool",
		 m->cycle, m->event_cycles, m->removed_total, m->ship.sent, m->ship.spooled);
	return 0;
}

/*
 * The configuration. true when the command line ends the program (an
 * error, --help, --version, --print-config), with its exit status in
 * *status; false when the manager goes on.
 */
static bool mgr_config_exit(struct mgr *m, int argc, char **argv, int *status)
{
	char err[1024];
	enum log_level lvl;
	int ret = config_load(&m->cfg, argc, argv, opts_getenv, err, sizeof(err));

	if (config_exit(&m->cfg, ret, err, status))
		return true;
	if (!log_level_parse(m->cfg.log_level, &lvl))
		lvl = LOG_LVL_INFO;
	log_init("servicio", lvl);
	m->colour = m->cfg.colour == CONFIG_COLOUR_ALWAYS ||
		    (m->cfg.colour == CONFIG_COLOUR_AUTO && isatty(STDOUT_FILENO));
	m->table = m->cfg.table || isatty(STDOUT_FILENO);
	mgr_terminal_note = !log_is_journal(STDERR_FILENO, opts_getenv("JOURNAL_STREAM"));
	snprintf(m->run_id, sizeof(m->run_id), "s%" PRIx64 ".%d", util_real_ns(), (int)getpid());
	return false;
}

int manager_main(int argc, char **argv)
{
	struct mgr *m = calloc(1, sizeof(*m));
	struct sigaction sa;
	int ret;

	if (!m) {
		fprintf(stderr, "servicio: out of memory\n");
		return 1;
	}
	if (mgr_config_exit(m, argc, argv, &ret)) {
		free(m);
		return ret;
	}
	ret = privs_split(m->cfg.user, m->cfg.cron_script); /* the parent never returns */
	if (ret != 0) {
		fprintf(stderr, "servicio: privilege separation: %s\n", strerror(-ret));
		free(m);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = mgr_run(m);

	mgr_free(m);
	free(m);
	return ret;
}
