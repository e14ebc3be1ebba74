/*
 * promexp.h — Prometheus /metrics on servicio (--metrics-listen).
 *
 * After each cycle the manager publishes what Prometheus may read: the
 * cycle's figures are copied into a struct promexp_state (plain arrays, no
 * pointer into the cycle) and swapped in under a mutex; the HTTP thread
 * (libmicrohttpd's) only ever reads that copy, under the same mutex, and
 * renders it in the text exposition format (version 0.0.4).
 *
 * The per-container series follow cAdvisor's names, types and labels (id:
 * the container's cgroup path as cAdvisor writes it, "/docker/<id>" or
 * "/system.slice/docker-<id>.scope"; name, image; interface and device on
 * the network and block I/O series), from the cgroup's own counters and the
 * container's network namespace (ctrio.h); gestor's own series say what it decided and
 * how it runs. docs/metrics.md lists every one.
 *
 * The pure parts (building the next state from a cycle, rendering, parsing
 * the listen address) are apart from the server, for the unit tests.
 */
#ifndef SERVICIO_PROMEXP_H
#define SERVICIO_PROMEXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctrio.h"
#include "cycle.h"
#include "gestor.h"

#define PROMEXP_DEFAULT_LISTEN "127.0.0.1:9102"
#define PROMEXP_NACTIONS 6 /* enum cycle_action */
#define PROMEXP_NCLASSES 3 /* enum policy_class */
#define PROMEXP_NBUCKETS 11 /* cycle duration histogram, +Inf apart */
#define PROMEXP_NLABELS 16 /* Docker labels exported (--metrics-labels) at most */
#define PROMEXP_LABEL_MAX 128 /* a Docker label's name, bytes with the NUL */

/* The Docker labels exported as container_label_<name> (--metrics-labels). */
struct promexp_labels {
	char name[PROMEXP_NLABELS][PROMEXP_LABEL_MAX]; /* Docker's names, as given */
	char prom[PROMEXP_NLABELS][PROMEXP_LABEL_MAX + 16]; /* container_label_<sanitised> */
	size_t n;
};

/* One running container as Prometheus sees it. */
struct promexp_ctr {
	char id[GESTOR_CTR_ID_LEN + 1];
	char cgroup[SNAP_CGROUP_MAX]; /* the id label: the cgroup path, "/docker/<id>" unknown */
	char name[256];
	char image[256];
	char label_class[32]; /* its gestor.class label, "" when none */
	bool managed; /* gestor.managed=true (and in --scope) */
	double cpu_seconds; /* the cgroup's CPU counter; without it the lifetime CPU at first
			     * sight, then the cycles' deltas */
	struct ctrio io; /* cgroup and network figures (io.has_*: what was read) */
	uint64_t working_set; /* bytes: cgroup usage - inactive_file (docker stats), else RSS */
	uint64_t usage; /* bytes: cgroup memory.current / usage_in_bytes, else RSS */
	uint64_t limit; /* bytes: 0 when unlimited (as cAdvisor) */
	double last_seen; /* unix seconds of the snapshot */
	char *label[PROMEXP_NLABELS]; /* the allowed labels' values (owned), NULL: none */
};

/* What servicio says of itself: the manager's, carried into the state as is. */
struct promexp_self {
	bool module_loaded; /* the kernel module's file is there */
	bool logs_up; /* the last delivery to admin_logs worked */
	uint64_t delivered, spooled, dropped; /* batches */
	uint64_t spool_batches, spool_bytes; /* waiting in the spool now */
	double start_time; /* unix seconds servicio started */
};

/* Everything /metrics shows: a copy, owned by itself. */
struct promexp_state {
	struct promexp_ctr *ctrs; /* sorted by id */
	size_t nctrs;
	size_t cap; /* ctrs' room: a state stepped again reuses it */
	uint64_t decisions[PROMEXP_NACTIONS][PROMEXP_NCLASSES]; /* counters */
	uint64_t cycles;
	double cycle_sum_s, cycle_last_s;
	uint64_t cycle_buckets[PROMEXP_NBUCKETS]; /* cumulative counts per upper bound */
	int source; /* enum snap_source of the last snapshot, -1 before one */
	struct promexp_self self; /* as the last cycle's promexp_info said */
	struct promexp_labels labels; /* the Docker labels exported */
};

/* What the manager knows of a cycle besides struct cycle. */
struct promexp_info {
	double cycle_s; /* the cycle's wall time */
	const char *scope; /* --scope ("" none), for "managed" */
	struct promexp_self self;
	/* ctrio figures per c->rows[i] (ctrio_read_cycle), NULL: promexp_publish reads them */
	const struct ctrio *io;
	const struct promexp_labels *labels; /* Docker labels to export, NULL: none */
};

/* The histogram's upper bounds, seconds. */
extern const double promexp_buckets[PROMEXP_NBUCKETS];

/*
 * Pure: the state after cycle c, from the previous one (prev may be empty):
 * counters carry on, per-container CPU time grows by the cycle's rate
 * times its interval. *next must be zeroed, or a state of its own (not
 * prev) that is overwritten in place, its array reused when it has the
 * room (promexp_publish alternates two: no 1.3 MB calloc each cycle at 500
 * containers). 0 or -ENOMEM (next empty).
 */
int promexp_state_step(struct promexp_state *next, const struct promexp_state *prev,
		       const struct cycle *c, const struct promexp_info *x);
void promexp_state_free(struct promexp_state *s);

/* Pure: the exposition text of s (malloc'd, NUL-terminated; caller frees).
 * 0 or -ENOMEM. */
int promexp_render(const struct promexp_state *s, char **out, size_t *len);

/*
 * Pure: "none" (off), "HOST:PORT" with an IPv4 literal or "[IPv6]:PORT",
 * port 0..65535 (0: any free one). 0 (*off set, addr filled when on) or
 * -EINVAL with err.
 */
int promexp_parse_listen(const char *s, bool *off, struct sockaddr_storage *addr, char *err,
			 size_t errlen);

/*
 * Pure: the allow-list of --metrics-labels, "" or "none" (none) or label
 * names separated by commas (at most PROMEXP_NLABELS, each shorter than
 * PROMEXP_LABEL_MAX, printable with no blank). Two names that give the
 * same Prometheus label (container_label_ + the name with every character
 * outside [A-Za-z0-9_] made '_'), or one that gives gestor.managed's or
 * gestor.class's (always exported), are refused. 0 or -EINVAL with err (out empty).
 */
int promexp_parse_labels(const char *s, struct promexp_labels *out, char *err, size_t errlen);
/* Pure: the Prometheus label name of Docker label name (cAdvisor's
 * container_label_<name> form) into out. */
void promexp_label_name(const char *name, char *out, size_t outlen);

struct promexp;

/*
 * Start serving GET /metrics on listen (see promexp_parse_listen; "none":
 * *out NULL, returns 0). *port gets the bound port. 0 or -errno with err.
 */
int promexp_start(struct promexp **out, const char *listen, unsigned *port, char *err,
		  size_t errlen);

/* Publish the state after cycle c (a no-op on NULL px). */
void promexp_publish(struct promexp *px, const struct cycle *c, const struct promexp_info *x);

/* Stop the server and free everything (NULL: nothing). */
void promexp_stop(struct promexp *px);

#endif
