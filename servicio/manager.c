/*
 * manager.c — servicio's main loop.
 *
 * Start: read the configuration; open the spool (what a previous run left
 * is sent first); reach Docker (a clear error when it is down); run the
 * admin_logs container or use --log-url, waiting for /health; install the
 * cron job; say which metrics source is used and why; take the first
 * snapshot.
 *
 * Each cycle: snapshot + rates against the previous one (containers seen
 * for the first time get a second, short sample so they are decided now,
 * not one interval later); list the running containers; policy_decide();
 * remove the excess (kill + force delete); print the table; send one batch
 * (a sample record and one decision per managed container) to admin_logs,
 * directly or through the spool when admin_logs does not answer.
 *
 * Signals only set a flag (a second SIGINT/SIGTERM exits at once). The
 * stop: flush the spool (bounded wait), GET /graficar, remove the cron
 * lines, remove the admin_logs container it started (the data stays on the
 * host) and print where the report is.
 */
#include "manager.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroupid.h"
#include "config.h"
#include "ctrstats.h"
#include "docker.h"
#include "docker_ctl.h"
#include "log.h"
#include "logclient.h"
#include "memtrim.h"
#include "policy.h"
#include "metrics.h"
#include "procskip.h"
#include "snapshot.h"
#include "spool.h"
#include "table.h"
#include "util.h"

#define MGR_VERSION "1.0"
#define MGR_FLUSH_S 15 /* how long the stop waits for admin_logs to take the spool */
#define MGR_GRAFICAR_MS 120000
#define MGR_RM_WORKERS 4 /* containers removed at the same time */
#define MGR_LIST_EVERY 30 /* cycles a container list is reused at most */

static volatile sig_atomic_t mgr_stop;

static void on_signal(int sig)
{
	static const char msg[] = "\nservicio: stopping (press Ctrl+C again to quit at once)\n";

	(void)sig;
	if (mgr_stop)
		_exit(130);
	mgr_stop = 1;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		(void)0;
}

struct mgr {
	struct config cfg;
	struct docker *dk;
	bool docker_down;
	struct logclient *lc;
	bool logs_down;
	struct spool sp;
	bool spool_ok;
	struct metrics met; /* the previous snapshot and the caches */
	int last_source;
	char self_id[CGROUPID_LEN + 1];
	char admin_id[65];
	bool admin_ours; /* we created or started it */
	uint64_t admin_check_ns;
	char run_id[48];
	uint64_t cycle;
	bool cron_installed;
	char cron_script[PATH_MAX];
	bool colour;
	uint64_t batches_sent, batches_spooled, removed_total;
	struct docker_container_list dl; /* the last list of running containers */
	bool dl_valid;
	uint64_t dl_sig;
	unsigned dl_cycles;
};

/* ---------- small helpers ---------- */

static const char *env_get(const char *name)
{
	return getenv(name);
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

static void find_self(struct mgr *m)
{
	char buf[8192], path[512];

	m->self_id[0] = '\0';
	if (util_read_file_at(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) > 0 &&
	    cgroupid_from_file_buf(buf, m->self_id, path, sizeof(path)))
		log_info("servicio runs in container %.12s: it never removes itself", m->self_id);
}

/* <repo>/scripts/cron.sh from <repo>/build/bin/servicio. */
static void default_cron_script(char *out, size_t cap)
{
	char exe[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	out[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	util_strlcpy(tmp, exe, sizeof(tmp));
	char *bindir = dirname(tmp); /* <repo>/build/bin (or build/asan/bin) */
	char cand[PATH_MAX + 64];
	for (int up = 2; up <= 3; up++) {
		char base[PATH_MAX];
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

/* Run the cron script with one argument; its output goes to the log. 0 or -1. */
static int run_cron(struct mgr *m, const char *what)
{
	int pfd[2];
	pid_t pid;
	int status;
	FILE *f;
	char line[512];

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		log_warn("cron: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("cron: fork");
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execl(m->cron_script, m->cron_script, what, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0])
				log_info("cron.sh %s: %s", what, line);
		}
		fclose(f);
	} else {
		close(pfd[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warnx("cron: %s %s failed (status %d)", m->cron_script, what,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

/* ---------- logs: direct send, spool, drain ---------- */

static enum spool_send send_cb(void *ctx, const char *line, size_t len)
{
	struct mgr *m = ctx;
	char err[512];
	enum logclient_result r = logclient_post(m->lc, line, len, err, sizeof(err));

	if (r == LOGCLIENT_OK)
		return SPOOL_SENT;
	if (r == LOGCLIENT_REJECTED) {
		log_errorx("admin_logs rejected a spooled batch, dropped: %s", err);
		return SPOOL_REJECTED;
	}
	if (!m->logs_down)
		log_warnx("admin_logs unreachable (%s): logs go to the spool %s", err,
			  m->cfg.spool_path);
	m->logs_down = true;
	return SPOOL_RETRY;
}

static void drain(struct mgr *m, bool force)
{
	char err[512];
	size_t rej = 0, before = m->sp.pending;
	int n;

	if (!m->spool_ok || spool_empty(&m->sp))
		return;
	n = spool_drain(&m->sp, send_cb, m, util_mono_ns(), force, SIZE_MAX, &rej, err,
			sizeof(err));
	if (n < 0) {
		log_errorx("%s", err);
		return;
	}
	m->batches_sent += (uint64_t)n;
	if (n > 0 || rej > 0) {
		if (m->logs_down)
			log_info("admin_logs answers again");
		m->logs_down = false;
		log_info("spool: delivered %d of %zu waiting batches (%zu left)", n, before,
			 m->sp.pending);
	}
}

static void ship(struct mgr *m, const char *body, size_t len)
{
	char err[512];

	if (!m->spool_ok || (spool_empty(&m->sp) && util_mono_ns() >= m->sp.next_try_ns)) {
		enum logclient_result r = logclient_post(m->lc, body, len, err, sizeof(err));
		if (r == LOGCLIENT_OK) {
			if (m->logs_down)
				log_info("admin_logs answers again");
			m->logs_down = false;
			m->batches_sent++;
			return;
		}
		if (r == LOGCLIENT_REJECTED) {
			log_errorx("admin_logs rejected a batch (a bug: not retried): %s", err);
			return;
		}
		if (!m->logs_down)
			log_warnx("admin_logs unreachable (%s): logs go to the spool %s", err,
				  m->cfg.spool_path);
		m->logs_down = true;
		if (m->spool_ok)
			spool_note_failure(&m->sp, util_mono_ns());
	}
	if (!m->spool_ok) {
		log_errorx("no spool: a batch of logs is lost");
		return;
	}
	if (spool_append(&m->sp, body, len, err, sizeof(err)) != 0) {
		log_errorx("%s", err);
		return;
	}
	m->batches_spooled++;
	drain(m, false);
}

/* When we run admin_logs and it stopped answering, start it again (at most every 10 s). */
static void admin_revive(struct mgr *m)
{
	char err[512], id[65];
	enum dctl_admin_state st;
	struct dctl_admin a = { m->cfg.admin_image, m->cfg.admin_name, m->cfg.admin_port, 8000,
				m->cfg.admin_data };
	uint64_t now = util_mono_ns();

	if (m->cfg.log_url[0] || !m->logs_down || m->docker_down || now < m->admin_check_ns)
		return;
	m->admin_check_ns = now + 10000000000ull;
	if (dctl_admin_ensure(m->dk, &a, &st, id, err, sizeof(err)) != 0) {
		log_warnx("admin_logs container: %s", err);
		return;
	}
	if (st != DCTL_ADMIN_REUSED) {
		log_info("admin_logs container was not running: %s it (%.12s)",
			 st == DCTL_ADMIN_CREATED ? "created" : "started", id);
		util_strlcpy(m->admin_id, id, sizeof(m->admin_id));
		m->admin_ours = true;
	}
}

/* ---------- the cycle ---------- */

struct row {
	const struct docker_container *dc;
	const struct ctr_stat *st;
	const char *cls; /* for the sample: high/low/unknown */
	const char *action;
	const char *note; /* table text when not decided */
	struct policy_decision *dec;
	bool gone; /* not there any more when we came to remove it */
	int rm_ret;
	char rm_err[256];
	char reason[400];
};

static void removed(struct mgr *m, struct row *r)
{
	r->action = "removed";
	m->removed_total++;
	if (r->gone)
		strncat(r->reason, "; it was already gone",
			sizeof(r->reason) - strlen(r->reason) - 1);
	log_info("removed %s (%.12s): %s", r->dc->name, r->dc->id, r->reason);
}

static void docker_trouble(struct mgr *m, const char *what, const char *err);

static void remove_failed(struct mgr *m, struct row *r, int ret, const char *err)
{
	size_t l = strlen(r->reason);

	r->action = "remove_failed";
	snprintf(r->reason + l, sizeof(r->reason) - l, "; removal failed: %s", err);
	log_warnx("could not remove %s (%.12s): %s", r->dc->name, r->dc->id, err);
	if (ret == -ECONNREFUSED || ret == -ENOENT || ret == -ETIMEDOUT)
		docker_trouble(m, "remove", err);
}

static double clampd(double v, double lo, double hi)
{
	if (!(v >= lo)) /* NaN too */
		return lo;
	return v > hi ? hi : v;
}

static json_t *sample_record(struct mgr *m, const struct snapshot *s, const struct ctrstats *cs,
			     struct row *rows, size_t n)
{
	json_t *ctrs = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct ctr_stat *st = rows[i].st;
		const char *lc = docker_container_label(rows[i].dc, "gestor.class");
		if (!st)
			continue;
		json_array_append_new(
			ctrs,
			json_pack("{s:s,s:s,s:s,s:s,s:f,s:b,s:I,s:I,s:f,s:I}", "id", rows[i].dc->id,
				  "name", rows[i].dc->name, "class", rows[i].cls, "label_class",
				  lc ? lc : "", "cpu_pct", clampd(st->cpu_pct, 0, 1e6), "has_rate",
				  st->has_cpu, "rss_kb", (json_int_t)st->rss_kb, "mem_kb",
				  (json_int_t)st->mem_kb, "mem_pct", clampd(st->mem_pct, 0, 100),
				  "procs", (json_int_t)st->procs));
	}
	return json_pack("{s:s,s:I,s:I,s:s,s:{s:I,s:I,s:I},s:f,s:o,s:b}", "type", "sample", "ts_ns",
			 (json_int_t)s->timestamp_ns, "cycle", (json_int_t)m->cycle, "source",
			 metrics_source_name(s->source), "memory", "total_kb",
			 (json_int_t)s->mem.total_kb, "used_kb", (json_int_t)s->mem.used_kb,
			 "available_kb", (json_int_t)s->mem.available_kb, "cpu_pct",
			 cs->has_sys_cpu ? clampd(cs->sys_cpu_pct, 0, 100) : 0.0, "containers",
			 ctrs, "dry_run", m->cfg.dry_run);
}

static json_t *decision_record(struct mgr *m, const struct row *r, uint64_t ts)
{
	const struct ctr_stat *st = r->st;

	return json_pack("{s:s,s:I,s:I,s:{s:s,s:s},s:s,s:s,s:s,s:i,s:{s:f,s:I,s:I,s:f}}", "type",
			 "decision", "ts_ns", (json_int_t)ts, "cycle", (json_int_t)m->cycle,
			 "container", "id", r->dc->id, "name", r->dc->name, "class",
			 policy_class_name(r->dec->cls), "action", r->action, "reason", r->reason,
			 "rank", r->dec->rank, "metrics", "cpu_pct", clampd(st->cpu_pct, 0, 1e6),
			 "rss_kb", (json_int_t)st->rss_kb, "mem_kb", (json_int_t)st->mem_kb,
			 "mem_pct", clampd(st->mem_pct, 0, 100));
}

static bool label_is(const struct docker_container *c, const char *k, const char *v)
{
	const char *x = docker_container_label(c, k);

	return x && strcmp(x, v) == 0;
}

/* Take a snapshot and its stats against the previous one. */
static int measure(struct mgr *m, struct snapshot *s, struct ctrstats *cs)
{
	char err[512];
	int ret = metrics_measure(&m->met, s, cs, err, sizeof(err));

	if (ret) {
		log_warnx("metrics: %s", err);
		return ret;
	}
	if ((int)s->source != m->last_source) {
		log_info("metrics source: %s (%s)", metrics_source_name(s->source), s->source_why);
		m->last_source = (int)s->source;
	}
	return 0;
}

static void docker_trouble(struct mgr *m, const char *what, const char *err)
{
	if (!m->docker_down)
		log_errorx("Docker daemon unreachable (%s: %s): cycles skip decisions until it is "
			   "back",
			   what, err);
	m->docker_down = true;
}

/*
 * When the container started, ns since the epoch: its oldest process's start
 * (precise) when the snapshot has it, else Docker's creation second.
 */
static int64_t started_ns(const struct snapshot *s, const struct docker_container *c)
{
	const struct snap_ctr *sc = snapshot_find_ctr(s, c->id);
	uint64_t first = UINT64_MAX;

	if (sc) {
		for (size_t i = 0; i < s->nprocs; i++)
			if (s->procs[i].ctr == (int32_t)(sc - s->ctrs) &&
			    s->procs[i].start_time_ns < first)
				first = s->procs[i].start_time_ns;
	}
	if (first != UINT64_MAX && first <= s->boottime_ns && s->timestamp_ns > s->boottime_ns)
		return (int64_t)(s->timestamp_ns - (s->boottime_ns - first));
	return c->created * 1000000000ll;
}

/* Labelled gestor.managed=true and, with --scope, carrying that label too. */
static bool is_managed(const struct mgr *m, const struct docker_container *c)
{
	char key[CONFIG_STR_MAX];
	const char *eq;

	if (!label_is(c, "gestor.managed", "true"))
		return false;
	if (!m->cfg.scope[0])
		return true;
	eq = strchr(m->cfg.scope, '=');
	snprintf(key, sizeof(key), "%.*s", (int)(eq - m->cfg.scope), m->cfg.scope);
	return label_is(c, key, eq + 1);
}

/* FNV-1a over the container ids of a snapshot (sorted by id). */
static uint64_t ctr_signature(const struct snapshot *s)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < s->nctrs; i++) {
		for (const char *p = s->ctrs[i].id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ ',') * 1099511628211ull;
	}
	return h ^ s->nctrs;
}

/*
 * Give each managed container without an interval rate its lifetime rate
 * (CPU time of its processes over the age of the oldest) when it is at
 * least settle_ms old. Returns how long to wait until the youngest of the
 * others is old enough (0: none left).
 */
static uint64_t lifetime_rates(struct mgr *m, const struct snapshot *s, struct ctrstats *cs,
			       const struct docker_container_list *dl)
{
	uint64_t min_age = (uint64_t)m->cfg.settle_ms * 1000000ull, wait = 0;

	for (size_t i = 0; i < dl->n; i++) {
		const struct docker_container *c = &dl->items[i];
		const struct snap_ctr *sc;
		struct ctr_stat *st;
		uint64_t cpu = 0, first = UINT64_MAX;
		size_t k;

		if (!is_managed(m, c) || !(sc = snapshot_find_ctr(s, c->id)))
			continue;
		k = (size_t)(sc - s->ctrs);
		if (k >= cs->nctrs)
			continue;
		st = &cs->ctrs[k];
		if (st->has_cpu)
			continue;
		for (size_t p = 0; p < s->nprocs; p++) {
			if (s->procs[p].ctr != (int32_t)k)
				continue;
			cpu += s->procs[p].cpu_time_ns;
			if (s->procs[p].start_time_ns < first)
				first = s->procs[p].start_time_ns;
		}
		if (first == UINT64_MAX || first > s->boottime_ns)
			continue;
		uint64_t age = s->boottime_ns - first;
		if (age >= min_age) {
			st->has_cpu = true;
			st->cpu_pct = (double)cpu * 100.0 / (double)age;
		} else if (min_age - age > wait) {
			wait = min_age - age;
		}
	}
	return wait;
}

/*
 * Removal workers: Docker takes a few hundred ms per kill + delete, most of
 * it waiting, so several containers are removed at once, each worker on
 * its own connection (a struct docker is for one thread).
 */
struct rm_job {
	struct row **todo;
	size_t n;
	atomic_size_t next;
	const char *socket, *api;
};

static void *rm_worker(void *arg)
{
	struct rm_job *j = arg;
	struct docker_opts o = { .socket_path = j->socket, .api_version = j->api };
	struct docker *d = NULL;
	char err[256];
	int oret = docker_open(&d, &o, err, sizeof(err));

	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) {
		struct row *r = j->todo[i];
		if (oret) {
			r->rm_ret = oret;
			util_strlcpy(r->rm_err, err, sizeof(r->rm_err));
			continue;
		}
		r->rm_ret = dctl_remove(d, r->dc->id, &r->gone, r->rm_err, sizeof(r->rm_err));
	}
	if (d)
		docker_close(d);
	return NULL;
}

static void remove_all(struct mgr *m, struct row *rows, struct policy_decision *dec, size_t nd)
{
	struct rm_job j = { .socket = m->cfg.docker_socket, .api = docker_api_version(m->dk) };
	pthread_t th[MGR_RM_WORKERS];
	size_t nth = 0;

	/* an array of row pointers: each element is a pointer */
	j.todo = calloc(nd ? nd : 1, sizeof(*j.todo)); // NOLINT(bugprone-sizeof-expression)
	if (!j.todo)
		return;
	for (size_t k = 0; k < nd; k++) {
		struct row *r = &rows[dec[k].idx];
		if (r->action && strcmp(r->action, "remove") == 0)
			j.todo[j.n++] = r;
	}
	atomic_init(&j.next, 0);
	if (j.n > 1) {
		while (nth < MGR_RM_WORKERS && nth < j.n &&
		       pthread_create(&th[nth], NULL, rm_worker, &j) == 0)
			nth++;
	}
	if (nth == 0) { /* one container, or no thread: this one does it */
		for (size_t i = 0; i < j.n; i++)
			j.todo[i]->rm_ret =
				dctl_remove(m->dk, j.todo[i]->dc->id, &j.todo[i]->gone,
					    j.todo[i]->rm_err, sizeof(j.todo[i]->rm_err));
	}
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < j.n; i++) {
		if (j.todo[i]->rm_ret)
			remove_failed(m, j.todo[i], j.todo[i]->rm_ret, j.todo[i]->rm_err);
		else
			removed(m, j.todo[i]);
	}
	free(j.todo);
}

static void run_cycle(struct mgr *m)
{
	struct snapshot cur = { 0 }, cur2 = { 0 };
	struct ctrstats cs = { 0 }, cs2 = { 0 };
	struct docker_container_list *dl = &m->dl;
	struct policy_ctr *pc = NULL;
	struct policy_decision *dec = NULL;
	struct row *rows = NULL;
	struct table_row *trows = NULL;
	struct policy_params pp = { m->cfg.high_cpu,
				    (uint64_t)(m->cfg.high_mem_mb * 1024.0),
				    m->cfg.keep_high,
				    m->cfg.keep_low,
				    m->cfg.ranking == CONFIG_RANK_OLDEST ? POLICY_RANK_OLDEST
									 : POLICY_RANK_CPU,
				    m->cfg.admin_name };
	char err[512], title[160];
	size_t n, nd;
	int ret;

	uint64_t t_start = util_mono_ns(), t_meas, t_list, t_act = 0, t_log = 0;

	m->cycle++;
	if (measure(m, &cur, &cs) != 0)
		return;
	t_meas = util_mono_ns();
	/*
	 * Names and labels do not change while a container lives: the list is
	 * asked again only when the set of containers in the snapshot changed,
	 * after a removal, or every MGR_LIST_EVERY cycles.
	 */
	uint64_t sig = ctr_signature(&cur);
	if (!m->dl_valid || sig != m->dl_sig || m->dl_cycles >= MGR_LIST_EVERY || m->docker_down) {
		struct docker_container_list fresh = { 0 };
		ret = docker_list_containers(m->dk, false, NULL, &fresh, err, sizeof(err));
		if (ret) {
			docker_trouble(m, "list containers", err);
			goto out_keep;
		}
		docker_container_list_free(&m->dl);
		m->dl = fresh;
		m->dl_sig = sig;
		m->dl_cycles = 0;
		/*
		 * A container's processes can show before Docker lists it as
		 * running: then the list is not trusted for this set, and asked
		 * again next cycle.
		 */
		m->dl_valid = true;
		for (size_t i = 0; i < cur.nctrs && m->dl_valid; i++)
			if (!docker_container_find(&m->dl, cur.ctrs[i].id))
				m->dl_valid = false;
	} else {
		/* the cached list needs no daemon: a ping still notices it gone */
		ret = docker_ping(m->dk, err, sizeof(err));
		if (ret) {
			docker_trouble(m, "ping", err);
			goto out_keep;
		}
		m->dl_cycles++;
	}
	t_list = util_mono_ns();
	if (m->docker_down) {
		log_info("Docker daemon answers again");
		m->docker_down = false;
	}
	n = dl->n;
	/*
	 * Containers seen for the first time have no interval rate: they are
	 * rated over their lifetime once settle_ms old (a burner is a burner
	 * from its start); a younger one makes the cycle wait until it is, then
	 * measure again. Either way it is decided in this cycle.
	 */
	uint64_t wait_ns = lifetime_rates(m, &cur, &cs, dl);
	bool settle = wait_ns > 0;
	if (settle && !mgr_stop) {
		struct timespec ts = { (time_t)(wait_ns / 1000000000ull),
				       (long)(wait_ns % 1000000000ull) };
		nanosleep(&ts, NULL);
		if (measure(m, &cur2, &cs2) == 0) {
			ctrstats_free(&cs);
			cs = cs2;
			memset(&cs2, 0, sizeof(cs2));
			snapshot_free(&cur);
			cur = cur2;
			memset(&cur2, 0, sizeof(cur2));
			lifetime_rates(m, &cur, &cs, dl);
		}
	}

	pc = calloc(n ? n : 1, sizeof(*pc));
	dec = calloc(n ? n : 1, sizeof(*dec));
	rows = calloc(n ? n : 1, sizeof(*rows));
	trows = calloc(n ? n : 1, sizeof(*trows));
	if (!pc || !dec || !rows || !trows) {
		log_errorx("out of memory: cycle skipped");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct docker_container *c = &dl->items[i];
		const struct ctr_stat *st = ctrstats_find(&cs, c->id);
		rows[i].dc = c;
		rows[i].st = st;
		rows[i].cls = "unknown";
		pc[i] = (struct policy_ctr){
			.id = c->id,
			.name = c->name,
			.managed = is_managed(m, c),
			.admin_logs = label_is(c, "gestor.role", "admin_logs") ||
				      (m->admin_id[0] && strcmp(c->id, m->admin_id) == 0),
			.self = m->self_id[0] && strcmp(c->id, m->self_id) == 0,
			.has_rate = st && st->has_cpu,
			.cpu_pct = st ? st->cpu_pct : 0,
			.mem_kb = st ? st->mem_kb : 0,
			.started = started_ns(&cur, c),
		};
		const char *why = policy_excluded(&pc[i], &pp);
		if (why) {
			rows[i].note = !st && pc[i].managed ? "pending (no processes seen)"
				       : pc[i].admin_logs   ? "admin_logs (never touched)"
				       : pc[i].self	    ? "servicio (never touched)"
				       : !pc[i].managed	    ? "not managed"
							    : "pending (first sample)";
		}
	}
	nd = policy_decide(pc, n, &pp, dec);
	uint64_t dec_ts = util_real_ns();
	t_act = util_mono_ns();
	for (size_t k = 0; k < nd; k++) {
		struct row *r = &rows[dec[k].idx];
		r->dec = &dec[k];
		r->cls = policy_class_name(dec[k].cls);
		util_strlcpy(r->reason, dec[k].reason, sizeof(r->reason));
		if (dec[k].keep) {
			r->action = "kept";
			continue;
		}
		if (m->cfg.dry_run) {
			r->action = "would_remove";
			continue;
		}
		r->action = "remove";
		m->dl_valid = false; /* the set changes: list again next cycle */
	}
	remove_all(m, rows, dec, nd);
	t_act = util_mono_ns() - t_act;
	/* the table: decided ones first (in decision order), then the others */
	size_t t = 0;
	for (size_t k = 0; k < nd; k++) {
		const struct row *r = &rows[dec[k].idx];
		trows[t++] = (struct table_row){ r->dc->name,	 r->dc->id,	r->cls,	  true,
						 r->st->cpu_pct, r->st->mem_kb, r->action };
	}
	size_t hidden = 0;
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (r->dec)
			continue;
		if (!pc[i].managed && !pc[i].admin_logs && !pc[i].self) {
			hidden++;
			continue;
		}
		trows[t++] = (struct table_row){ r->dc->name,
						 r->dc->id,
						 "-",
						 r->st && r->st->has_cpu,
						 r->st ? r->st->cpu_pct : 0,
						 r->st ? r->st->mem_kb : 0,
						 r->note ? r->note : "" };
	}
	{
		time_t now = time(NULL);
		struct tm tm;
		char hhmmss[16];
		gmtime_r(&now, &tm);
		strftime(hhmmss, sizeof(hhmmss), "%H:%M:%S", &tm);
		snprintf(title, sizeof(title), "cycle %" PRIu64 " · %sZ · %s%s · CPU %.1f%%",
			 m->cycle, hhmmss, metrics_source_name(cur.source),
			 m->cfg.dry_run ? " · dry-run" : "", cs.has_sys_cpu ? cs.sys_cpu_pct : 0.0);
	}
	table_print(stdout, title, trows, t, hidden, m->colour);

	/* the batch: one sample + one decision per decided container */
	{
		json_t *recs = json_array(), *batch;
		char bid[80];
		char *body;

		json_array_append_new(recs, sample_record(m, &cur, &cs, rows, n));
		for (size_t k = 0; k < nd; k++)
			json_array_append_new(recs, decision_record(m, &rows[dec[k].idx], dec_ts));
		snprintf(bid, sizeof(bid), "%s-%" PRIu64, m->run_id, m->cycle);
		batch = json_pack("{s:s,s:s,s:o}", "batch_id", bid, "host", m->cfg.host, "records",
				  recs);
		body = batch ? json_dumps(batch, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
		json_decref(batch);
		t_log = util_mono_ns();
		if (body) {
			ship(m, body, strlen(body));
			free(body);
		} else {
			log_errorx("out of memory: the logs of cycle %" PRIu64 " are lost",
				   m->cycle);
		}
		t_log = util_mono_ns() - t_log;
	}
	log_debug(
		"cycle %" PRIu64 " timing: measure %.3f ms (%zu containers; %zu processes outside "
		"containers and %zu cgroup files not read again), docker list %.3f ms, "
		"removals %.3f ms, logs %.3f ms, whole cycle %.3f ms%s",
		m->cycle, (double)(t_meas - t_start) / 1e6, cs.nctrs,
		procskip_skipped(m->met.cfg.skip), procskip_reused(m->met.cfg.skip),
		(double)(t_list - t_meas) / 1e6, (double)t_act / 1e6, (double)t_log / 1e6,
		(double)(util_mono_ns() - t_start) / 1e6, settle ? " (with a settle sample)" : "");
out:
	free(pc);
	free(dec);
	free(rows);
	free(trows);
out_keep:
	ctrstats_free(&cs);
	metrics_advance(&m->met, &cur);
}

/* ---------- start and stop ---------- */

static int start_admin_logs(struct mgr *m)
{
	char err[512], url[64], id[65];
	enum dctl_admin_state st;
	struct dctl_admin a = { m->cfg.admin_image, m->cfg.admin_name, m->cfg.admin_port, 8000,
				m->cfg.admin_data };

	if (m->cfg.log_url[0]) {
		m->lc = logclient_new(m->cfg.log_url, err, sizeof(err));
		if (!m->lc) {
			log_errorx("%s", err);
			return -1;
		}
		if (logclient_healthy(m->lc, 2000))
			log_info("log server: %s (external, answers /health)", m->cfg.log_url);
		else
			log_warnx(
				"log server %s does not answer /health yet: logs are spooled until "
				"it does",
				m->cfg.log_url);
		return 0;
	}
	if (dctl_admin_ensure(m->dk, &a, &st, id, err, sizeof(err)) != 0) {
		log_errorx("admin_logs container: %s", err);
		return -1;
	}
	util_strlcpy(m->admin_id, id, sizeof(m->admin_id));
	m->admin_ours = st != DCTL_ADMIN_REUSED;
	log_info("admin_logs container %s (%.12s): %s; data in %s", m->cfg.admin_name, id,
		 st == DCTL_ADMIN_REUSED    ? "already running, reused"
		 : st == DCTL_ADMIN_STARTED ? "was stopped, started"
					    : "created and started",
		 m->cfg.admin_data);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", m->cfg.admin_port);
	m->lc = logclient_new(url, err, sizeof(err));
	if (!m->lc) {
		log_errorx("%s", err);
		return -1;
	}
	uint64_t deadline = util_mono_ns() + (uint64_t)(m->cfg.health_timeout_s * 1e9);
	while (!logclient_healthy(m->lc, 1000)) {
		if (mgr_stop)
			return -1;
		if (util_mono_ns() >= deadline) {
			log_errorx("admin_logs at %s did not answer /health within %.0f s (see: "
				   "docker "
				   "logs %s)",
				   url, m->cfg.health_timeout_s, m->cfg.admin_name);
			return -1;
		}
		sleep_until(util_mono_ns() + 200000000ull);
	}
	log_info("admin_logs answers at %s", url);
	return 0;
}

static void stop_sequence(struct mgr *m, bool graphs)
{
	char err[512];

	/* flush: what could not be sent waits in the spool for the next run */
	if (m->spool_ok && !spool_empty(&m->sp)) {
		uint64_t deadline =
			util_mono_ns() + (uint64_t)(graphs ? MGR_FLUSH_S : 5) * 1000000000ull;
		log_info("flushing %zu spooled batches to admin_logs", m->sp.pending);
		for (;;) {
			drain(m, true);
			if (spool_empty(&m->sp) || util_mono_ns() >= deadline)
				break;
			struct timespec ts = { 1, 0 };
			nanosleep(&ts, NULL);
		}
		if (!spool_empty(&m->sp))
			log_warnx("%zu batches stay in the spool %s: the next run sends them",
				  m->sp.pending, m->cfg.spool_path);
	}
	if (graphs && m->lc) {
		char *dir = NULL;
		size_t nfiles = 0;
		log_info("asking admin_logs for the graphs (GET /graficar)");
		if (logclient_graficar(m->lc, MGR_GRAFICAR_MS, &dir, &nfiles, err, sizeof(err)) ==
		    0) {
			char host[CONFIG_STR_MAX + 300];
			if (!m->cfg.log_url[0] && strncmp(dir, "/data", 5) == 0 &&
			    (dir[5] == '/' || dir[5] == '\0'))
				snprintf(host, sizeof(host), "%s%s", m->cfg.admin_data, dir + 5);
			else
				snprintf(host, sizeof(host), "%s", dir);
			printf("report: %s (%zu graphs)\n", host, nfiles);
			fflush(stdout);
			log_info("report: %s (%zu graphs)", host, nfiles);
			free(dir);
		} else {
			log_warnx("no graphs: %s", err);
		}
	}
	if (m->cron_installed && run_cron(m, "remove") == 0)
		m->cron_installed = false;
	if (m->admin_ours && !m->cfg.keep_admin_logs && m->admin_id[0] && !m->docker_down) {
		if (dctl_stop_remove(m->dk, m->admin_id, 5, err, sizeof(err)) == 0)
			log_info("admin_logs container removed (its data stays in %s)",
				 m->cfg.admin_data);
		else
			log_warnx("could not remove the admin_logs container: %s", err);
	}
}

static void mgr_free(struct mgr *m)
{
	docker_container_list_free(&m->dl);
	metrics_close(&m->met);
	logclient_free(m->lc);
	if (m->dk)
		docker_close(m->dk);
	if (m->spool_ok)
		spool_close(&m->sp);
}

static int mgr_run(struct mgr *m)
{
	char err[1024];
	struct docker_opts dopt = { .socket_path = m->cfg.docker_socket };
	enum snap_source src;
	char why[256];
	int ret;

	log_info("servicio %s: interval %gs, keep %d high / %d low, ranking %s, thresholds CPU "
		 "%g%% or memory %g MiB%s",
		 MGR_VERSION, m->cfg.interval_s, m->cfg.keep_high, m->cfg.keep_low,
		 config_ranking_name(m->cfg.ranking), m->cfg.high_cpu, m->cfg.high_mem_mb,
		 m->cfg.dry_run ? ", DRY RUN (nothing is removed)" : "");
	if (m->cfg.config_file[0])
		log_info("configuration file: %s", m->cfg.config_file);
	if (m->cfg.scope[0])
		log_info("scope: only managed containers labelled %s", m->cfg.scope);

	if (spool_open(&m->sp, m->cfg.spool_path, (uint64_t)(m->cfg.spool_max_mb * 1048576.0), err,
		       sizeof(err)) != 0) {
		log_errorx("%s: logs admin_logs does not take are lost", err);
	} else {
		m->spool_ok = true;
		if (m->sp.pending)
			log_info("spool %s: %zu batches left by an earlier run, sent first",
				 m->cfg.spool_path, m->sp.pending);
	}

	ret = docker_open(&m->dk, &dopt, err, sizeof(err));
	if (ret == 0)
		ret = docker_ping(m->dk, err, sizeof(err));
	if (ret) {
		log_errorx("cannot use Docker at %s: %s%s", m->cfg.docker_socket, err,
			   ret == -EACCES
				   ? " (run as root or in the docker group)"
				   : " (is dockerd running? try: sudo systemctl start docker)");
		return 1;
	}
	log_info("Docker API %s at %s", docker_api_version(m->dk), m->cfg.docker_socket);
	find_self(m);

	if (start_admin_logs(m) != 0) {
		if (mgr_stop && m->admin_ours && !m->cfg.keep_admin_logs &&
		    dctl_stop_remove(m->dk, m->admin_id, 5, err, sizeof(err)) == 0)
			log_info("admin_logs container removed");
		return mgr_stop ? 0 : 1;
	}
	drain(m, true);

	if (!m->cfg.no_cron && !m->cfg.once) {
		if (m->cfg.cron_script[0])
			util_strlcpy(m->cron_script, m->cfg.cron_script, sizeof(m->cron_script));
		else
			default_cron_script(m->cron_script, sizeof(m->cron_script));
		if (!m->cron_script[0] || access(m->cron_script, X_OK) != 0)
			log_warnx("cron: no executable cron.sh (%s): the cron job is not installed "
				  "(set --cron-script)",
				  m->cron_script[0] ? m->cron_script
						    : "not found beside the binary");
		else if (run_cron(m, "install") == 0)
			m->cron_installed = true;
	}

	struct metrics_config mc = {
		.module_path = m->cfg.module_path,
		.containers_only = true,
		.skip_details = true, /* no uid or cmdline: the cycle uses neither */
	};
	(void)metrics_source_parse(m->cfg.source, &mc.forced, &mc.source); /* checked by config */
	metrics_open(&m->met, &mc);
	if (metrics_select(&m->met.cfg, &src, why, sizeof(why)) != 0) {
		log_errorx("metrics: %s", why);
		stop_sequence(m, false);
		return 1;
	}
	log_info("metrics source: %s (%s)", metrics_source_name(src), why);
	m->last_source = (int)src;

	/* the first sample: rates need two */
	struct ctrstats cs0 = { 0 };
	struct snapshot s0 = { 0 };
	if (measure(m, &s0, &cs0) == 0) {
		metrics_advance(&m->met, &s0);
		ctrstats_free(&cs0);
	}
	/* start-up is over (curl, TLS libraries, Docker, admin_logs): give back
	 * the code pages only it ran (lib/memtrim.c) */
	size_t rss0 = memtrim_rss_kb();
	memtrim_code();
	log_debug("memory: RSS %zu KiB after start-up, %zu KiB once its code pages were trimmed",
		  rss0, memtrim_rss_kb());

	uint64_t t0 = util_mono_ns();
	uint64_t end =
		m->cfg.duration_s > 0 ? t0 + (uint64_t)(m->cfg.duration_s * 1e9) : UINT64_MAX;
	uint64_t step = m->cfg.once ? 1000000000ull : (uint64_t)(m->cfg.interval_s * 1e9);
	uint64_t next = t0 + step;

	while (!mgr_stop) {
		sleep_until(next < end ? next : end);
		if (mgr_stop || util_mono_ns() >= end)
			break;
		next += step;
		if (next < util_mono_ns()) /* a slow cycle: do not try to catch up */
			next = util_mono_ns() + step;
		admin_revive(m);
		drain(m, false);
		run_cycle(m);
		if (m->cfg.once)
			break;
	}
	if (mgr_stop)
		log_info("stop requested: finishing");
	else if (!m->cfg.once)
		log_info("--duration %gs reached: finishing", m->cfg.duration_s);
	stop_sequence(m, !m->cfg.once);
	log_info("done: %" PRIu64 " cycles, %" PRIu64 " containers removed, %" PRIu64
		 " batches delivered, %" PRIu64 " went through the spool",
		 m->cycle, m->removed_total, m->batches_sent, m->batches_spooled);
	return 0;
}

int manager_main(int argc, char **argv)
{
	struct mgr *m = calloc(1, sizeof(*m));
	char err[1024];
	enum log_level lvl;
	struct sigaction sa;
	int ret;

	if (!m) {
		fprintf(stderr, "servicio: out of memory\n");
		return 1;
	}
	ret = config_load(&m->cfg, argc, argv, env_get, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "servicio: %s\n", err);
		free(m);
		return 2;
	}
	if (m->cfg.help) {
		config_usage(stdout, "servicio");
		free(m);
		return 0;
	}
	if (m->cfg.version) {
		printf("servicio %s\n", MGR_VERSION);
		free(m);
		return 0;
	}
	if (!log_level_parse(m->cfg.log_level, &lvl))
		lvl = LOG_LVL_INFO;
	log_init("servicio", lvl);
	m->colour = m->cfg.colour == CONFIG_COLOUR_ALWAYS ||
		    (m->cfg.colour == CONFIG_COLOUR_AUTO && isatty(STDOUT_FILENO));
	snprintf(m->run_id, sizeof(m->run_id), "s%" PRIx64 ".%d", util_real_ns(), (int)getpid());
	m->last_source = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	ret = mgr_run(m);

	mgr_free(m);
	free(m);
	curl_global_cleanup();
	return ret;
}
