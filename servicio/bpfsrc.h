/*
 * bpfsrc.h — the BPF source: loads the task iterators of kernel/bpf/
 * (through their libbpf skeleton, no tool at run time), reads their binary
 * records (kernel/bpf/sysinfo_bpf.h) with bpf_iter_create() + read(), and
 * decodes them (bpfrec.h) with the machine-wide values of /proc/meminfo,
 * /proc/stat and sysconf() read just before: one snapshot with the meaning
 * of the module's document (docs/proc-format.md), cmdline always "" (no
 * process memory is read from BPF).
 *
 * Needs: kernel >= 5.17 with BTF (/sys/kernel/btf/vmlinux), CAP_BPF +
 * CAP_PERFMON or root (docs/proc-format.md, "What it needs").
 *
 * Containers-only reads use the cgroup walk where it loads (kernel >= 6.7):
 * only containers' processes are visited, same records.
 */
#ifndef SERVICIO_BPFSRC_H
#define SERVICIO_BPFSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"

struct bpfsrc; /* opaque: the loaded skeleton and its links */

/*
 * Open, load and attach both iterators. 0 or -errno with the reason in err
 * (e.g. no BTF, not permitted, verifier refusal).
 */
int bpfsrc_open(struct bpfsrc **out, char *err, size_t errlen);

/*
 * One read of an iterator (containers_only: the one listing containers'
 * processes only): the records, malloc'd into *buf (the caller frees).
 * Safe from any number of threads at once. 0 or -errno.
 */
int bpfsrc_read_raw(struct bpfsrc *b, bool containers_only, char **buf, size_t *len, char *err,
		    size_t errlen);

/* One read decoded into *out (source SNAP_SRC_BPF). 0 or -errno. */
int bpfsrc_read(struct bpfsrc *b, bool containers_only, struct snapshot *out, char *err,
		size_t errlen);

/* One read printed to f as the module's JSON document (bpfrec_print_json). */
int bpfsrc_print_json(struct bpfsrc *b, bool containers_only, FILE *f, char *err, size_t errlen);

/*
 * A containers-only snapshot from the cgroup walk (kernel >= 6.7, cgroup v2;
 * GESTOR_BPF_NO_CGWALK=1 in the environment turns it off), loaded at the
 * first call; runs are serialised (one records map per loaded instance).
 * 0 or -errno: -EOPNOTSUPP when it cannot load (err says why), -E2BIG for
 * over 2 MiB of records; the task iterator still works.
 */
int bpfsrc_read_containers(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen);

/* Detach, unload, free. NULL is fine. */
void bpfsrc_close(struct bpfsrc *b);

/*
 * The process-wide instance the snapshot sources use: loaded at the first
 * call, kept until exit (the kernel unloads it when the process's
 * descriptors close; an atexit handler closes it first). A failed load is
 * remembered: auto does not retry it every cycle.
 *
 * bpfsrc_shared_select(): 0 when the BPF source is usable (why says so),
 * else -errno with the reason in why (forced: the caller fails; auto: the
 * caller falls back to procfs).
 */
int bpfsrc_shared_select(bool forced, char *why, size_t whylen);
/*
 * Read the shared instance into *out; containers_only lists only containers'
 * processes. skip_details is accepted for the other sources' sake: this one
 * never reads arguments.
 */
int bpfsrc_shared_read(bool containers_only, bool skip_details, struct snapshot *out, char *err,
		       size_t errlen);

/* `servicio sysinfo [--containers-only]`: the document on stdout; exit status. */
int bpfsrc_sysinfo_main(int argc, char **argv);

#endif
