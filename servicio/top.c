/*
 * top.c — `servicio top` (see top.h). It reads <state-dir>/status.json,
 * which servicio rewrites each cycle, at servicio's interval (or
 * --interval), and redraws once a second so that the times to removal
 * count down. ncurses sends only the cells that changed (erase, draw,
 * refresh: no clear), so nothing flickers, over ssh neither. Keys: c, m,
 * n, t sort by CPU, memory, name, time to removal; / filters (Enter keeps
 * it, Esc drops it); q quits. Names are shown with their control
 * characters replaced (status.c), so a hostile name cannot drive the
 * terminal.
 */
#include "top.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opts.h"
#include "state.h"
#include "status.h"
#include "table.h"
#include "util.h"

struct top_args {
	char state_dir[1024];
	double interval; /* 0: servicio's own, from the status file */
	bool help;
};

#define F(field) OPTS_FIELD(struct top_args, field)

static const struct opts_opt top_opts[] = {
	{ "state-dir", OPTS_STR, F(state_dir), 0, 0, NULL, "DIR",
	  "servicio's --state-dir (where it writes status.json)", 0 },
	{ "interval", OPTS_DOUBLE, F(interval), 0, 3600, NULL, "SECONDS",
	  "read the status this often (0: at servicio's interval)", 0 },
	OPTS_ROW_HELP(struct top_args),
};

static const struct opts_spec top_spec = { top_opts, UTIL_ARRAY_LEN(top_opts), NULL, NULL };

/* What is on the screen and how. */
struct top_view {
	struct status st;
	char msg[600]; /* why there are no rows, or "" */
	enum status_sort sort;
	char filter[64];
	bool editing; /* typing a filter */
	char edit[64];
};

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static const struct top_args top_defaults = { .state_dir = "/var/lib/gestor/servicio" };

static const struct opts_prog top_prog = {
	.spec = &top_spec,
	.name = "servicio top",
	.synopsis = "servicio top [OPTION]...",
	.about = "A live view of the managed containers as servicio last decided them: class,\n"
		 "CPU %, memory, decision and time to removal. Keys: c m n t sort by CPU,\n"
		 "memory, name, time to removal; / filter (Enter keep, Esc drop); q quit.",
	.defaults = &top_defaults,
};

/* Read and parse the status file; on failure the view says why. */
static void top_load(struct top_view *v, const char *dir)
{
	char err[512], *text = NULL;
	struct status s;
	size_t len;
	int ret = state_read(dir, STATE_STATUS_FILE, STATE_READ_MAX, &text, &len, err, sizeof(err));

	if (ret == 0)
		ret = status_parse(text, len, &s, err, sizeof(err));
	free(text);
	if (ret) {
		snprintf(v->msg, sizeof(v->msg), "%s%s", err,
			 ret == -ENOENT ? " (is servicio running with this --state-dir?)" : "");
		return;
	}
	status_free(&v->st);
	v->st = s;
	v->msg[0] = '\0';
	status_sort(v->st.rows, v->st.n, v->sort);
}

static const char *const top_sort_names[] = { "cpu", "memory", "name", "removal" };

static void top_draw_title(const struct top_view *v, int64_t now, size_t shown)
{
	char when[32] = "-";
	time_t t = (time_t)(v->st.ts_ns / 1000000000);
	struct tm tm;
	double age = (double)(now - v->st.ts_ns) / 1e9;

	if (v->st.ts_ns && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%SZ", &tm);
	attron(A_REVERSE);
	mvprintw(0, 0, "servicio top  cycle %llu at %s (%.0fs ago)%s  %zu of %zu shown  sort: %s",
		 (unsigned long long)v->st.cycle, when, age > 0 ? age : 0.0,
		 v->st.dry_run ? "  DRY RUN" : "", shown, v->st.n, top_sort_names[v->sort]);
	clrtoeol();
	attroff(A_REVERSE);
	if (v->editing)
		mvprintw(1, 0, "filter: %s_", v->edit);
	else
		mvprintw(1, 0,
			 "filter: %s   keys: c cpu  m memory  n name  t removal  / filter  q quit",
			 v->filter[0] ? v->filter : "(none)");
	clrtoeol();
	if (v->st.interval_s > 0 && age > 3 * v->st.interval_s + 5)
		mvprintw(2, 0, "servicio has not written for %.0fs (every %gs): is it running?",
			 age, v->st.interval_s);
}

static int top_attr(const char *decision)
{
	if (strcmp(decision, "removed") == 0 || strcmp(decision, "remove_failed") == 0)
		return A_BOLD;
	return strcmp(decision, "kept") == 0 ? A_NORMAL : A_UNDERLINE;
}

static void top_draw_rows(const struct top_view *v, int64_t now)
{
	int y = 4, rows = LINES, cols = COLS;
	size_t shown = 0;

	attron(A_BOLD);
	mvprintw(3, 0, "%-32s %-12s %-5s %7s %9s  %-12s %-10s %s", "CONTAINER", "ID", "CLASS",
		 "CPU %", "MEMORY", "DECISION", "REMOVAL", "REASON");
	attroff(A_BOLD);
	clrtoeol();
	for (size_t i = 0; i < v->st.n; i++) {
		const struct status_row *r = &v->st.rows[i];
		char cpu[16], mem[16], rm[24], line[1024];

		if (!status_match(r, v->filter))
			continue;
		shown++;
		if (y >= rows)
			continue;
		snprintf(cpu, sizeof(cpu), r->has_rate ? "%.1f" : "-", r->cpu_pct);
		snprintf(line, sizeof(line), "%-32.32s %-12.12s %-5s %7s %9s  %-12s %-10s %s",
			 r->name, r->id, r->cls, cpu, table_fmt_mem(r->mem_kb, mem, sizeof(mem)),
			 r->decision, status_removal_text(r, now, rm, sizeof(rm)), r->reason);
		attron(top_attr(r->decision));
		mvaddnstr(y++, 0, line, cols > 0 ? cols : 0);
		attroff(top_attr(r->decision));
		clrtoeol();
	}
	if (v->msg[0] && y < rows)
		mvaddnstr(y, 0, v->msg, cols > 0 ? cols : 0);
	top_draw_title(v, now, shown);
}

static void top_draw(const struct top_view *v)
{
	erase(); /* only the cells that change are sent (refresh), no clear */
	top_draw_rows(v, (int64_t)util_real_ns());
	refresh();
}

/* Typing a filter: Enter keeps it, Esc drops it. */
static void top_edit_key(struct top_view *v, int ch)
{
	size_t l = strlen(v->edit);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		util_strlcpy(v->filter, v->edit, sizeof(v->filter));
		v->editing = false;
	} else if (ch == 27) {
		v->editing = false;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && l > 0) {
		v->edit[l - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && l + 1 < sizeof(v->edit)) {
		v->edit[l] = (char)ch;
		v->edit[l + 1] = '\0';
	}
}

/* One key. false: quit. */
static bool top_key(struct top_view *v, int ch)
{
	static const char sort_keys[] = "cmnt"; /* in enum status_sort's order */
	const char *k;

	if (v->editing) {
		top_edit_key(v, ch);
		return true;
	}
	if (ch == 'q' || ch == 'Q')
		return false;
	if (ch == '/') {
		v->editing = true;
		util_strlcpy(v->edit, v->filter, sizeof(v->edit));
	} else if (ch > 0 && ch < 0x80 && (k = strchr(sort_keys, ch)) != NULL) {
		v->sort = (enum status_sort)(k - sort_keys);
		status_sort(v->st.rows, v->st.n, v->sort);
	}
	return true;
}

/* The command line into *a. true when it ends the program (an error,
 * --help: opts_prog_exit), with the exit status in *status. */
static bool top_args_exit(int argc, char **argv, struct top_args *a, int *status)
{
	char err[512];
	int ret;

	*a = top_defaults;
	ret = opts_load_args(&top_spec, a, argc, argv, opts_pick_help, err, sizeof(err));
	if (ret == 0 && !a->help)
		ret = opts_load_args(&top_spec, a, argc, argv, NULL, err, sizeof(err));
	return opts_prog_exit(&top_prog, &(struct opts_prog_req){ .help = a->help }, ret, err,
			      status);
}

/* Read at the interval, redraw each second and after each key, until q. */
static void top_loop(struct top_view *v, const struct top_args *a)
{
	uint64_t next = 0;

	while (!top_stop) {
		uint64_t now = util_mono_ns();
		double every = a->interval > 0 ? a->interval : v->st.interval_s;
		int ch;

		if (now >= next) {
			top_load(v, a->state_dir);
			next = now + (uint64_t)((every >= 0.2 ? every : 1.0) * 1e9);
		}
		top_draw(v);
		ch = getch(); /* waits up to a second (timeout) */
		if (ch != ERR && ch != KEY_RESIZE && !top_key(v, ch))
			break;
	}
}

int top_main(int argc, char **argv)
{
	struct top_view v = { .sort = STATUS_SORT_CPU };
	struct top_args a;
	struct sigaction sa = { .sa_handler = top_on_signal };
	int ret;

	if (top_args_exit(argc, argv, &a, &ret))
		return ret;
	setlocale(LC_CTYPE, "");
	if (!initscr()) {
		fprintf(stderr, "servicio top: cannot use the terminal (TERM?)\n");
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(1000);
	top_loop(&v, &a);
	endwin();
	status_free(&v.st);
	return 0;
}
