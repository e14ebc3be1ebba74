/*
 * decide_test.c — the deciding stage on a cycle built by hand (containers
 * with labels as Docker lists them, their rates as ctrstats gives them; no
 * Docker): which containers are managed (label and scope), the rows the
 * policy never decides and their notes (admin_logs by label, id or name,
 * servicio's own, not managed, no processes, no rate yet), the actions of
 * the decided ones (kept, remove, would_remove in a dry run), the count
 * of removals, the incumbents kept for the next decision, and the start
 * time from the snapshot's processes or Docker's creation second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../decide.h"
#include "../scope.h"

#define MAXC 8

/* a hand-made cycle: up to MAXC containers and their stats */
struct fixture {
	struct docker_container dc[MAXC];
	struct docker_label lab[MAXC][3];
	struct docker_container_list dl;
	struct snap_ctr sc[MAXC]; /* the snapshot's containers the stats view */
	struct ctr_stat st[MAXC];
	struct cycle c;
};

static const char *id_of(int i)
{
	static char ids[MAXC][GESTOR_CTR_ID_LEN + 1];

	snprintf(ids[i], sizeof(ids[i]), "%02d%062d", i + 10, 0);
	return ids[i];
}

/* container i: name, labels "k=v" (up to 3, NULL-terminated), created */
static void add(struct fixture *f, const char *name, const char *const *labels)
{
	int i = (int)f->dl.n;
	struct docker_container *d = &f->dc[i];

	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id_of(i));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->created = 1000 + i;
	d->labels = f->lab[i];
	for (size_t k = 0; labels && labels[k]; k++) {
		static char buf[MAXC][3][2][64];
		const char *eq = strchr(labels[k], '=');

		snprintf(buf[i][k][0], sizeof(buf[i][k][0]), "%.*s", (int)(eq - labels[k]),
			 labels[k]);
		snprintf(buf[i][k][1], sizeof(buf[i][k][1]), "%s", eq + 1);
		f->lab[i][k].key = buf[i][k][0];
		f->lab[i][k].value = buf[i][k][1];
		d->nlabels++;
	}
	f->dl.n++;
}

/* stats for container i (kept sorted by id: ids grow with i) */
static void stat_of(struct fixture *f, int i, bool has_cpu, double cpu, uint64_t mem_kb)
{
	struct snap_ctr *sc = &f->sc[f->c.cs.nctrs];
	struct ctr_stat *s = &f->st[f->c.cs.nctrs++];

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->id, sizeof(sc->id), "%s", id_of(i));
	sc->nprocs = 1;
	memset(s, 0, sizeof(*s));
	s->ctr = sc;
	s->has_cpu = has_cpu;
	s->cpu_pct = cpu;
	s->mem_kb = mem_kb;
}

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->dl.items = f->dc;
	f->c.dl = &f->dl;
	f->c.cs.ctrs = f->st;
}

static void fixture_free(struct fixture *f)
{
	cycle_free_rows(&f->c);
}

/* The cycle's records (as run_cycle makes them after measuring), then decided. */
static int decide(struct cycle *c, const struct decide_ctx *x)
{
	assert_int_equal(cycle_rows(c), 0);
	return decide_cycle(c, x);
}

static struct decide_ctx ctx(bool dry_run, struct decide_kept *kept)
{
	return (struct decide_ctx){
		.pp = { .high_cpu = 10,
			.keep_high = 1,
			.keep_low = 1,
			.ranking = POLICY_RANK_CPU,
			.admin_name = "admin-by-name" },
		.scope = "",
		.admin_id = "",
		.self_id = "",
		.dry_run = dry_run,
		.kept = kept,
	};
}

static const char *const MANAGED[] = { "gestor.managed=true", NULL };

static void test_managed(void **state)
{
	struct fixture f;
	const char *const scoped[] = { "gestor.managed=true", "gestor.test=a", NULL };
	const char *const wrong[] = { "gestor.managed=yes", NULL };

	(void)state;
	fixture_init(&f);
	add(&f, "plain", MANAGED);
	add(&f, "scoped", scoped);
	add(&f, "wrong", wrong);
	add(&f, "none", NULL);
	assert_true(scope_managed(&f.dc[0], NULL));
	assert_true(scope_managed(&f.dc[0], ""));
	assert_false(scope_managed(&f.dc[0], "gestor.test=a"));
	assert_true(scope_managed(&f.dc[1], "gestor.test=a"));
	assert_false(scope_managed(&f.dc[1], "gestor.test=b"));
	assert_false(scope_managed(&f.dc[1], "gestor.test")); /* a scope needs key=value */
	assert_false(scope_managed(&f.dc[2], ""));
	assert_false(scope_managed(&f.dc[3], ""));
}

/* Two high and two low managed containers, keep 1 of each: the heavier high
 * one and ... the policy's pick of the low ones stay, the others go. */
static void test_actions(void **state)
{
	struct fixture f;
	struct decide_ctx x = ctx(false, NULL);
	int n;

	(void)state;
	fixture_init(&f);
	for (int i = 0; i < 4; i++)
		add(&f, i < 2 ? "high" : "low", MANAGED);
	stat_of(&f, 0, true, 50, 1000);
	stat_of(&f, 1, true, 30, 1000);
	stat_of(&f, 2, true, 1, 1000);
	stat_of(&f, 3, true, 2, 1000);
	n = decide(&f.c, &x);
	assert_int_equal(n, 2);
	assert_int_equal(f.c.nrows, 4);
	assert_int_equal(f.c.ndec, 4);
	assert_true(f.c.dec_ts > 0);
	assert_int_equal(f.c.rows[0].action, CYCLE_KEPT); /* the busiest high one */
	assert_int_equal(f.c.rows[1].action, CYCLE_REMOVE);
	assert_int_equal(f.c.rows[0].dec->cls, POLICY_HIGH);
	assert_int_equal(f.c.rows[2].dec->cls, POLICY_LOW);
	/* one low one kept, the other removed */
	assert_true((f.c.rows[2].action == CYCLE_KEPT) != (f.c.rows[3].action == CYCLE_KEPT));
	assert_true(f.c.rows[2].action == CYCLE_REMOVE || f.c.rows[3].action == CYCLE_REMOVE);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(f.c.rows[i].dc, &f.dc[i]);
		assert_ptr_equal(f.c.rows[i].st, &f.st[i]);
		assert_null(f.c.rows[i].note);
		/* the row's decision is one of the cycle's, with its reason */
		assert_true(f.c.rows[i].dec >= f.c.dec && f.c.rows[i].dec < f.c.dec + f.c.ndec);
		assert_int_equal(f.c.rows[i].dec->idx, i);
		assert_true(f.c.rows[i].dec->reason[0] != '\0');
	}
	fixture_free(&f);

	/* the same in a dry run: nothing to remove, would_remove instead */
	fixture_init(&f);
	for (int i = 0; i < 2; i++)
		add(&f, "high", MANAGED);
	stat_of(&f, 0, true, 50, 1000);
	stat_of(&f, 1, true, 30, 1000);
	x = ctx(true, NULL);
	assert_int_equal(decide(&f.c, &x), 0);
	assert_int_equal(f.c.rows[0].action, CYCLE_KEPT);
	assert_int_equal(f.c.rows[1].action, CYCLE_WOULD_REMOVE);
	fixture_free(&f);
}

/* Rows the policy never decides, each with its note. */
static void test_notes(void **state)
{
	struct fixture f;
	struct decide_ctx x = ctx(false, NULL);
	const char *const admin_label[] = { "gestor.managed=true", "gestor.role=admin_logs", NULL };

	(void)state;
	fixture_init(&f);
	add(&f, "admin-label", admin_label); /* 0 */
	add(&f, "admin-by-id", MANAGED); /* 1 */
	add(&f, "admin-by-name", MANAGED); /* 2 */
	add(&f, "me", MANAGED); /* 3 */
	add(&f, "unmanaged", NULL); /* 4 */
	add(&f, "no-procs", MANAGED); /* 5 */
	add(&f, "first-sample", MANAGED); /* 6 */
	for (int i = 0; i < 5; i++)
		stat_of(&f, i, true, 90, 1000);
	stat_of(&f, 6, false, 0, 1000);
	x.admin_id = id_of(1);
	x.self_id = id_of(3);
	assert_int_equal(decide(&f.c, &x), 0);
	assert_int_equal(f.c.ndec, 0);
	assert_string_equal(f.c.rows[0].note, "admin_logs (never touched)");
	assert_string_equal(f.c.rows[1].note, "admin_logs (never touched)");
	assert_string_equal(f.c.rows[2].note, "admin_logs (never touched)");
	assert_string_equal(f.c.rows[3].note, "servicio (never touched)");
	assert_string_equal(f.c.rows[4].note, "not managed");
	assert_string_equal(f.c.rows[5].note, "pending (no processes seen)");
	assert_null(f.c.rows[5].st);
	assert_string_equal(f.c.rows[6].note, "pending (first sample)");
	for (int i = 0; i < 7; i++) {
		assert_int_equal(f.c.rows[i].action, CYCLE_NONE);
		assert_null(f.c.rows[i].dec);
	}
	assert_true(f.c.rows[0].pc.admin_logs && f.c.rows[1].pc.admin_logs &&
		    f.c.rows[2].pc.admin_logs);
	assert_true(f.c.rows[3].pc.self);
	assert_false(f.c.rows[4].pc.managed);
	fixture_free(&f);
}

/* The kept ones become the incumbents; a kept incumbent is seen as such. */
static void test_kept(void **state)
{
	struct fixture f;
	struct decide_kept kept = { 0 };
	struct decide_ctx x = ctx(true, &kept);

	(void)state;
	fixture_init(&f);
	for (int i = 0; i < 3; i++)
		add(&f, "c", MANAGED);
	stat_of(&f, 0, true, 50, 1000);
	stat_of(&f, 1, true, 40, 1000);
	stat_of(&f, 2, true, 1, 1000);
	decide(&f.c, &x);
	assert_int_equal(kept.n, 2);
	for (size_t k = 0; k < kept.n; k++) {
		if (strcmp(kept.v[k].id, id_of(0)) == 0)
			assert_int_equal(kept.v[k].cls, POLICY_HIGH);
		else
			assert_string_equal(kept.v[k].id, id_of(2));
	}
	fixture_free(&f);

	/* next cycle: container 1 slightly busier than the incumbent 0, within
	 * no margin (0): the policy sees 0 as kept high */
	fixture_init(&f);
	for (int i = 0; i < 3; i++)
		add(&f, "c", MANAGED);
	stat_of(&f, 0, true, 50, 1000);
	stat_of(&f, 1, true, 40, 1000);
	stat_of(&f, 2, true, 1, 1000);
	decide(&f.c, &x);
	assert_int_equal(f.c.rows[0].pc.kept_as, POLICY_HIGH);
	assert_int_equal(f.c.rows[2].pc.kept_as, POLICY_LOW);
	assert_int_equal(f.c.rows[1].pc.kept_as, POLICY_NONE);
	fixture_free(&f);
	decide_kept_free(&kept);
	assert_null(kept.v);
	assert_int_equal(kept.n, 0);
}

/* Start: the oldest process's start (boot clock turned into real time) when
 * the snapshot has it, else Docker's creation second. */
static void test_started(void **state)
{
	struct fixture f;
	struct decide_ctx x = ctx(true, NULL);
	struct snap_ctr sc = { 0 };

	(void)state;
	fixture_init(&f);
	add(&f, "a", MANAGED);
	add(&f, "b", MANAGED);
	stat_of(&f, 0, true, 1, 1000);
	stat_of(&f, 1, true, 1, 1000);
	snprintf(sc.id, sizeof(sc.id), "%s", id_of(0));
	sc.nprocs = 1;
	sc.start_time_ns = 40000000000ull; /* 40 s after boot */
	f.c.cur.ctrs = &sc;
	f.c.cur.nctrs = 1;
	f.c.cur.boottime_ns = 100000000000ull; /* now: 100 s after boot */
	f.c.cur.timestamp_ns = 1700000000000000000ull;
	decide(&f.c, &x);
	assert_int_equal(f.c.rows[0].pc.started, 1700000000000000000ll - 60000000000ll);
	assert_int_equal(f.c.rows[1].pc.started, 1001 * 1000000000ll);
	fixture_free(&f);
}

static void test_empty(void **state)
{
	struct fixture f;
	struct decide_ctx x = ctx(false, NULL);

	(void)state;
	fixture_init(&f);
	assert_int_equal(decide(&f.c, &x), 0);
	assert_int_equal(f.c.nrows, 0);
	assert_int_equal(f.c.ndec, 0);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_managed), cmocka_unit_test(test_actions),
		cmocka_unit_test(test_notes),	cmocka_unit_test(test_kept),
		cmocka_unit_test(test_started), cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
