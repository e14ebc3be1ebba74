/*
 * bpfsrc.h — the BPF source: loads the task iterator of kernel/bpf/
 * (through its libbpf skeleton, no tool at run time), reads the module's
 * document from it (format version 1, docs/proc-format.md) with
 * bpf_iter_create() + read(), and unloads it. The document is parsed by the
 * module's strict parser (modsrc_parse_buf), so both sources share one
 * schema.
 *
 * Before each read the loader refreshes what the iterator cannot read on
 * every kernel: the header's memory block (/proc/meminfo), its CPU block
 * (/proc/stat), the online CPU count and the offset from CLOCK_BOOTTIME to
 * CLOCK_REALTIME. Optionally the iterator is pinned on bpffs so that `cat`
 * shows the document (BPFSRC_PIN_PATH).
 *
 * Needs: kernel >= 5.19 with BTF (/sys/kernel/btf/vmlinux), CAP_BPF +
 * CAP_PERFMON or root. The sleepable iterator reads the arguments; when the
 * kernel refuses it the plain one is loaded ("args":false, cmdline "").
 *
 * Containers-only reads without arguments (servicio's cycle) use the cgroup
 * walk where it loads (kernel >= 6.7): only containers' processes are
 * visited and written as binary records (bpfwalk.h), no JSON.
 */
#ifndef SERVICIO_BPFSRC_H
#define SERVICIO_BPFSRC_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

#define BPFSRC_PIN_PATH "/sys/fs/bpf/gestor/sysinfo"

struct bpfsrc; /* opaque: the loaded skeleton and its link */

/*
 * Open, load and attach the iterator: the sleepable program, else the plain
 * one (GESTOR_BPF_PLAIN=1 in the environment: the plain one directly).
 * containers_only asks the iterator to list only containerised processes.
 * 0 or -errno with the reason in err (e.g. no BTF, not permitted, verifier
 * refusal).
 */
int bpfsrc_open(struct bpfsrc **out, bool containers_only, char *err, size_t errlen);

/* Whether arguments are read (the sleepable iterator loaded). */
bool bpfsrc_args(const struct bpfsrc *b);

/*
 * One document: refresh the header values, create an iterator instance,
 * read it to the end. *buf is malloc'd (the caller frees it). 0 or -errno.
 */
int bpfsrc_read_doc(struct bpfsrc *b, char **buf, size_t *len, char *err, size_t errlen);

/* Read and parse into *out (source says module-format; snapshot.source_why says bpf). */
int bpfsrc_read(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen);

/*
 * A containers-only snapshot from the cgroup walk (kernel >= 6.7, cgroup v2;
 * GESTOR_BPF_NO_CGWALK=1 in the environment turns it off), loaded at the
 * first call; cmdline is empty. 0 or -errno: -EOPNOTSUPP when it cannot
 * load (err says why), -E2BIG for over 2 MiB of records; the task iterator
 * still works.
 */
int bpfsrc_read_containers(struct bpfsrc *b, struct snapshot *out, char *err, size_t errlen);

/* Pin the iterator at path (NULL: BPFSRC_PIN_PATH; bpffs must be mounted). */
int bpfsrc_pin(struct bpfsrc *b, const char *path, char *err, size_t errlen);

/* Detach, unpin if pinned, unload, free. NULL is fine. */
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
 * processes; skip_args leaves cmdline empty (no read of each process's
 * memory: the document says "args":false).
 */
int bpfsrc_shared_read(bool containers_only, bool skip_args, struct snapshot *out, char *err,
		       size_t errlen);

#endif
