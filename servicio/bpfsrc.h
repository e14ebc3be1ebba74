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

#include "metrics_src.h"
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
 * bpfsrc_no_cgwalk() turns it off), loaded at the
 * first call; runs are serialised (one records map per loaded instance).
 * 0 or -errno: -EOPNOTSUPP when it cannot load (err says why), -E2BIG for
 * over 2 MiB of records; the task iterator still works.
 */
int bpfsrc_read_containers(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen);

/* Detach, unload, free. NULL is fine. */
void bpfsrc_close(struct bpfsrc *b);

/* The cgroup walk is not used from now on (option bpf-no-cgwalk). */
void bpfsrc_no_cgwalk(struct bpfsrc *b);

/*
 * The BPF source (metrics_src.h): open loads the iterators (and, for
 * containers-only reads, the cgroup walk) into the source's own state,
 * close unloads them. Programs built without libbpf link bpfsrc_none.c,
 * whose open says so.
 */
extern const struct metrics_src bpfsrc_src;

/* `servicio sysinfo [--containers-only]`: the document on stdout; exit status. */
int bpfsrc_sysinfo_main(int argc, char **argv);

#endif
