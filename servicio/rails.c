/*
 * rails.c — the safety rails that hold a decided removal back (rails.h).
 */
#include "rails.h"

#include <stdio.h>
#include <string.h>

bool rails_protected(const struct docker_container *dc, const char *protect)
{
	const char *eq = protect ? strchr(protect, '=') : NULL;
	char key[256];
	const char *v;

	if (!eq || eq == protect || (size_t)(eq - protect) >= sizeof(key))
		return false;
	memcpy(key, protect, (size_t)(eq - protect));
	key[eq - protect] = '\0';
	v = docker_container_label(dc, key);
	return v && strcmp(v, eq + 1) == 0;
}

const char *rails_hold_name(enum cycle_hold h)
{
	switch (h) {
	case CYCLE_HOLD_PROTECTED:
		return "protected";
	case CYCLE_HOLD_GRACE:
		return "grace";
	case CYCLE_HOLD_CAP:
		return "capped";
	default:
		return "";
	}
}

/* Row r is held by h: kept this cycle, with why in its reason. */
static void rails_hold(struct cycle_row *r, enum cycle_hold h, const struct rails_params *p,
		       int64_t now_ns)
{
	char *reason = r->dec->reason; /* the decision's, appended to in place */
	size_t l = strlen(reason);
	char *t = reason + l;
	size_t cap = sizeof(r->dec->reason) - l;

	r->hold = h;
	r->action = CYCLE_KEPT;
	if (h == CYCLE_HOLD_PROTECTED) {
		snprintf(t, cap, "; protected (label %s): not removed", p->protect);
	} else if (h == CYCLE_HOLD_GRACE) {
		r->remove_at_ns = r->pc.started + p->grace_ns;
		snprintf(t, cap, "; grace: %.1f s old, removable at %g s (%.1f s from now)",
			 (double)(now_ns - r->pc.started) / 1e9, (double)p->grace_ns / 1e9,
			 (double)(r->remove_at_ns - now_ns) / 1e9);
	} else {
		snprintf(t, cap, "; cap of %d removals per cycle reached: removal deferred",
			 p->max_removals);
	}
}

int rails_apply(struct cycle *c, const struct rails_params *p, int64_t now_ns)
{
	int n = 0;

	for (size_t k = 0; k < c->ndec; k++) {
		struct cycle_row *r = &c->rows[c->dec[k].idx];

		if (r->action != CYCLE_REMOVE && r->action != CYCLE_WOULD_REMOVE)
			continue;
		if (p->protect && p->protect[0] && rails_protected(r->dc, p->protect))
			rails_hold(r, CYCLE_HOLD_PROTECTED, p, now_ns);
		else if (p->grace_ns > 0 && now_ns - r->pc.started < p->grace_ns)
			rails_hold(r, CYCLE_HOLD_GRACE, p, now_ns);
		else if (p->max_removals > 0 && n >= p->max_removals)
			rails_hold(r, CYCLE_HOLD_CAP, p, now_ns);
		else
			n++;
	}
	return n;
}
