/*
 * policy.h — the decision, and nothing else: from each container's labels
 * and measured CPU % and memory, which containers are high and which low,
 * and which of them stay. Pure (no I/O, no clock), so every rule is
 * unit-tested on plain arrays.
 *
 * Only containers labelled gestor.managed=true are considered. Never the
 * admin_logs container (label gestor.role=admin_logs or its name), never
 * servicio's own container, never one without a CPU rate yet (seen for the
 * first time: it is decided next time, not on a wrong number).
 *
 * A container is high when its CPU % (of one core) reaches high_cpu or its
 * memory reaches high_mem_kb; otherwise low. Of each class at most keep_n
 * stay, chosen by the ranking:
 *   cpu    (the default) high ones sorted by CPU then memory,
 *          heaviest first; low ones sorted by CPU then memory, lightest
 *          first; the first keep_n of each stay.
 *   oldest the longest-running (earliest start) stay.
 * Ties fall back to the earlier start, then the id, so a decision is stable.
 *
 * Hysteresis (ranking cpu): a container kept at the last decision in the
 * same class (an incumbent, kept_as) keeps its place unless a challenger
 * beats it by the margin: by more than margin_cpu points of CPU, or, when
 * their CPU is within that margin, by more than margin_mem_kb of memory
 * (more for high, less for low). Ties and near-ties never swap: measurement
 * noise does not decide who is removed. When the margin decided, the
 * reasons of both say so. Margins 0 and 0: only exact ties favour the
 * incumbent. The oldest ranking needs none (it is stable by itself).
 * The class has the same margin: a container kept as high stays high until
 * its CPU is below high_cpu - margin_cpu and its memory below high_mem_kb -
 * margin_mem_kb (a burner slowed by contention is not made low and removed).
 */
#ifndef SERVICIO_POLICY_H
#define SERVICIO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_class { POLICY_NONE, POLICY_HIGH, POLICY_LOW };
enum policy_ranking { POLICY_RANK_CPU, POLICY_RANK_OLDEST };

struct policy_ctr {
	const char *id; /* full container id */
	const char *name; /* without the leading '/' */
	bool managed; /* label gestor.managed=true */
	bool admin_logs; /* label gestor.role=admin_logs (or the admin_logs name) */
	bool self; /* servicio's own container */
	bool has_rate; /* CPU % measured over an interval */
	double cpu_pct; /* % of one core */
	uint64_t mem_kb; /* memory as docker stats counts it (RSS when unknown) */
	int64_t started; /* start time, any monotonic unit (seconds since epoch) */
	/* the class it was kept in at the last decision; POLICY_NONE: not kept */
	int kept_as; /* enum policy_class */
};

struct policy_params {
	double high_cpu; /* % of one core */
	uint64_t high_mem_kb; /* 0: memory never makes a container high */
	int keep_high, keep_low;
	enum policy_ranking ranking;
	const char *admin_name; /* admin_logs container name, never touched */
	double margin_cpu; /* CPU points a challenger must beat an incumbent by */
	uint64_t margin_mem_kb; /* memory it must beat it by when CPU is within the margin */
};

/*
 * A decision's reason: the policy writes at most POLICY_REASON_MAX bytes;
 * the buffer holds POLICY_REASON_CAP so that the later stages append their
 * words to it in place (rails.h: held back; act.h: removed or failed).
 */
#define POLICY_REASON_MAX 256
#define POLICY_REASON_CAP 400

struct policy_decision {
	size_t idx; /* index into the input array */
	enum policy_class cls;
	bool keep;
	int rank; /* 1-based place in its class: the kept ones first, each part by the ranking */
	bool by_margin; /* the hysteresis margin decided this keep/remove */
	char reason[POLICY_REASON_CAP];
};

/* Why a container is not decided at all, or NULL when it is. */
const char *policy_excluded(const struct policy_ctr *c, const struct policy_params *p);

/* High or low (assumes not excluded). */
enum policy_class policy_classify(const struct policy_ctr *c, const struct policy_params *p);

/*
 * Decide for all n containers, read in place at first, first + stride
 * bytes, ... (stride sizeof(struct policy_ctr) for a plain array; servicio's
 * cycle passes the policy_ctr member of each of its records, cycle.h).
 * out must hold n entries; the decisions written (one per decided
 * container, high ones first by rank, then low ones by rank; idx counts
 * elements) are counted in the return value.
 */
size_t policy_decide(const struct policy_ctr *first, size_t n, size_t stride,
		     const struct policy_params *p, struct policy_decision *out);

const char *policy_class_name(enum policy_class c);

/*
 * Does challenger c beat incumbent i by the margin in class cls (ranking
 * cpu)? CPU first; within the CPU margin, memory with its margin.
 */
bool policy_beats(const struct policy_ctr *c, const struct policy_ctr *i, enum policy_class cls,
		  const struct policy_params *p);

#endif
