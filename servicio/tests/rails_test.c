/*
 * rails_test.c — the safety rails (rails.h) on a cycle built by hand: a
 * protected container decided remove is kept with "protected" in its
 * reason; one younger than the grace age is kept until that age and says
 * when it becomes removable, then goes; the cap of removals per cycle
 * keeps the ones past it; the rails hold would-be removals of a dry run
 * too; zero parameters change nothing; decide_cycle() counts only the
 * removals left. And the graceful removal (docker_ctl.h) against a fake
 * Docker Engine: with a stop timeout, a removal is POST /stop?t=N then the
 * delete, never a SIGKILL of its own; without, the SIGKILL of before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../decide.h"
#include "../docker_ctl.h"
#include "../rails.h"
#include "fakedocker.h"

#define N 6
#define SEC 1000000000ll
#define NOW (1000 * SEC)

struct rig {
	struct docker_container dc[N];
	struct docker_label lab[N][1];
	struct docker_container_list dl;
	struct cycle_row rows[N];
	struct policy_decision dec[N];
	struct cycle c;
};

/* n rows decided remove (or would_remove), started age_s[i] seconds before NOW */
static void rig_init(struct rig *r, size_t n, const int *age_s, enum cycle_action a)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		snprintf(r->dc[i].id, sizeof(r->dc[i].id), "%02d%062d", (int)i % 10, 0);
		snprintf(r->dc[i].name, sizeof(r->dc[i].name), "c%zu", i);
		r->dc[i].labels = r->lab[i];
		r->rows[i].dc = &r->dc[i];
		r->rows[i].action = a;
		r->rows[i].pc.started = NOW - (int64_t)age_s[i] * SEC;
		r->rows[i].dec = &r->dec[i];
		snprintf(r->dec[i].reason, sizeof(r->dec[i].reason), "low (below both)");
		r->dec[i].idx = i;
	}
	r->dl.items = r->dc;
	r->dl.n = n;
	r->c.dl = &r->dl;
	r->c.rows = r->rows;
	r->c.dec = r->dec;
	r->c.nrows = r->c.ndec = n;
}

static void label(struct rig *r, size_t i, const char *k, const char *v)
{
	r->lab[i][0].key = (char *)k;
	r->lab[i][0].value = (char *)v;
	r->dc[i].nlabels = 1;
}

static void test_protect(void **state)
{
	const int age[] = { 100, 100, 100 };
	struct rails_params p = { .protect = "gestor.protect=true" };
	struct rig r;

	(void)state;
	rig_init(&r, 3, age, CYCLE_REMOVE);
	label(&r, 0, "gestor.protect", "true");
	label(&r, 1, "gestor.protect", "false"); /* only the value asked protects */
	assert_int_equal(rails_apply(&r.c, &p, NOW), 2);
	assert_int_equal(r.rows[0].action, CYCLE_KEPT);
	assert_int_equal(r.rows[0].hold, CYCLE_HOLD_PROTECTED);
	assert_string_equal(r.rows[0].dec->reason,
			    "low (below both); protected (label gestor.protect=true): not removed");
	assert_string_equal(rails_hold_name(r.rows[0].hold), "protected");
	assert_int_equal(r.rows[1].action, CYCLE_REMOVE);
	assert_int_equal(r.rows[2].action, CYCLE_REMOVE);
	/* no protect label configured: the label is nothing special */
	p.protect = "";
	rig_init(&r, 1, age, CYCLE_REMOVE);
	label(&r, 0, "gestor.protect", "true");
	assert_int_equal(rails_apply(&r.c, &p, NOW), 1);
	assert_int_equal(r.rows[0].action, CYCLE_REMOVE);
	assert_false(rails_protected(&r.dc[0], "gestor.protect"));
	assert_false(rails_protected(&r.dc[0], "=true"));
	assert_true(rails_protected(&r.dc[0], "gestor.protect=true"));
}

static void test_grace(void **state)
{
	const int age[] = { 1, 29, 30, 600 };
	struct rails_params p = { .grace_ns = 30 * SEC };
	struct rig r;

	(void)state;
	rig_init(&r, 4, age, CYCLE_REMOVE);
	assert_int_equal(rails_apply(&r.c, &p, NOW), 2);
	assert_int_equal(r.rows[0].action, CYCLE_KEPT);
	assert_int_equal(r.rows[0].hold, CYCLE_HOLD_GRACE);
	assert_int_equal(r.rows[0].remove_at_ns, NOW + 29 * SEC);
	assert_non_null(
		strstr(r.rows[0].dec->reason, "; grace: 1.0 s old, removable at 30 s (29.0 s"));
	assert_int_equal(r.rows[1].hold, CYCLE_HOLD_GRACE);
	assert_int_equal(r.rows[1].remove_at_ns, NOW + 1 * SEC);
	assert_int_equal(r.rows[2].action, CYCLE_REMOVE); /* exactly that old: goes */
	assert_int_equal(r.rows[3].action, CYCLE_REMOVE);
	/* the same containers 29 s later: all old enough */
	rig_init(&r, 4, age, CYCLE_REMOVE);
	assert_int_equal(rails_apply(&r.c, &p, NOW + 29 * SEC), 4);
}

static void test_cap(void **state)
{
	const int age[] = { 100, 100, 100, 100, 100 };
	struct rails_params p = { .max_removals = 2, .protect = "gestor.protect=true" };
	struct rig r;

	(void)state;
	rig_init(&r, 5, age, CYCLE_REMOVE);
	label(&r, 0, "gestor.protect", "true"); /* a protected one does not use the cap */
	assert_int_equal(rails_apply(&r.c, &p, NOW), 2);
	assert_int_equal(r.rows[0].hold, CYCLE_HOLD_PROTECTED);
	assert_int_equal(r.rows[1].action, CYCLE_REMOVE);
	assert_int_equal(r.rows[2].action, CYCLE_REMOVE);
	for (int i = 3; i < 5; i++) {
		assert_int_equal(r.rows[i].action, CYCLE_KEPT);
		assert_int_equal(r.rows[i].hold, CYCLE_HOLD_CAP);
		assert_string_equal(r.rows[i].dec->reason,
				    "low (below both); cap of 2 removals per "
				    "cycle reached: removal deferred");
	}
	/* a dry run's would-be removals are capped alike */
	rig_init(&r, 5, age, CYCLE_WOULD_REMOVE);
	assert_int_equal(rails_apply(&r.c, &p, NOW), 2);
	assert_int_equal(r.rows[1].action, CYCLE_WOULD_REMOVE);
	assert_int_equal(r.rows[2].action, CYCLE_KEPT);
	assert_int_equal(r.rows[2].hold, CYCLE_HOLD_CAP);
}

static void test_off(void **state)
{
	const int age[] = { 0, 0, 0, 0 };
	struct rails_params p = { 0 };
	struct rig r;

	(void)state;
	rig_init(&r, 4, age, CYCLE_REMOVE);
	label(&r, 0, "gestor.protect", "true");
	r.rows[3].action = CYCLE_KEPT;
	assert_int_equal(rails_apply(&r.c, &p, NOW), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.rows[i].action, CYCLE_REMOVE);
		assert_int_equal(r.rows[i].hold, CYCLE_HOLD_NONE);
		assert_string_equal(r.rows[i].dec->reason, "low (below both)");
	}
	assert_int_equal(r.rows[3].hold, CYCLE_HOLD_NONE);
}

/* decide_cycle with a cap: the count it returns is what act will remove. */
static void test_decide_counts(void **state)
{
	struct docker_container dc[3];
	struct docker_label lab[3] = { { "gestor.managed", "true" },
				       { "gestor.managed", "true" },
				       { "gestor.managed", "true" } };
	struct docker_container_list dl = { dc, 3 };
	struct snap_ctr sc[3];
	struct ctr_stat st[3];
	struct cycle c = { 0 };
	struct decide_ctx x = { .pp = { .high_cpu = 50, .keep_low = 0 },
				.scope = "",
				.admin_id = "",
				.self_id = "",
				.rails = { .max_removals = 1 } };

	(void)state;
	memset(dc, 0, sizeof(dc));
	memset(sc, 0, sizeof(sc));
	memset(st, 0, sizeof(st));
	for (int i = 0; i < 3; i++) {
		snprintf(dc[i].id, sizeof(dc[i].id), "%02d%062d", i % 10, 0);
		snprintf(dc[i].name, sizeof(dc[i].name), "c%d", i);
		dc[i].labels = &lab[i];
		dc[i].nlabels = 1;
		dc[i].created = 1000;
		snprintf(sc[i].id, sizeof(sc[i].id), "%s", dc[i].id);
		sc[i].nprocs = 1;
		st[i].ctr = &sc[i];
		st[i].has_cpu = true;
	}
	c.dl = &dl;
	c.cs.ctrs = st;
	c.cs.nctrs = 3;
	assert_int_equal(cycle_rows(&c), 0);
	assert_int_equal(decide_cycle(&c, &x), 1);
	assert_int_equal(c.rows[c.dec[0].idx].action, CYCLE_REMOVE);
	assert_int_equal(c.rows[c.dec[1].idx].hold, CYCLE_HOLD_CAP);
	assert_int_equal(c.rows[c.dec[2].idx].hold, CYCLE_HOLD_CAP);
	cycle_free_rows(&c);
}

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	(void)ctx;
	(void)body;
	(void)out;
	(void)outlen;
	if (strstr(path, "/containers/") &&
	    (strcmp(method, "DELETE") == 0 || strstr(path, "/stop") || strstr(path, "/kill")))
		*status = 204;
	return 0;
}

static void graceful_run(struct fakedocker *fd, int timeout_s)
{
	struct docker_opts o = { .api_version = "1.41", .timeout_ms = 5000 };
	struct docker *d = NULL;
	char err[256];
	bool gone = true;

	assert_int_equal(fakedocker_start(fd, handler, NULL), 0);
	o.socket_path = fd->socket;
	assert_int_equal(docker_open(&d, &o, err, sizeof(err)), 0);
	dctl_set_stop_timeout(timeout_s);
	assert_int_equal(dctl_remove(d, "0123abcd", &gone, err, sizeof(err)), 0);
	assert_false(gone);
	dctl_set_stop_timeout(0);
	docker_close(d);
	fakedocker_stop(fd);
}

static void test_graceful(void **state)
{
	struct fakedocker fd;

	(void)state;
	graceful_run(&fd, 7);
	assert_int_equal(fakedocker_count(&fd, "POST", "/containers/0123abcd/stop?t=7"), 1);
	assert_int_equal(fakedocker_count(&fd, "POST", "/kill"), 0);
	assert_int_equal(fakedocker_count(&fd, "DELETE", "/containers/0123abcd?force=1"), 1);
	graceful_run(&fd, 0); /* the default: SIGKILL at once */
	assert_int_equal(fakedocker_count(&fd, "POST", "/kill?signal=SIGKILL"), 1);
	assert_int_equal(fakedocker_count(&fd, "POST", "/stop"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protect),	      cmocka_unit_test(test_grace),
		cmocka_unit_test(test_cap),	      cmocka_unit_test(test_off),
		cmocka_unit_test(test_decide_counts), cmocka_unit_test(test_graceful),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
