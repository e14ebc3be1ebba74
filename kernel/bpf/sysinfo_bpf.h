/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo_bpf.h - what the BPF iterator (sysinfo.bpf.c) and its loader
 * (servicio/bpfsrc.c) share: the header values the loader writes into the
 * skeleton's .bss before each read (the kernel's global memory and CPU
 * counters are not reachable from BPF on kernels without
 * CONFIG_KALLSYMS_ALL).
 */
#ifndef GESTOR_SYSINFO_BPF_H
#define GESTOR_SYSINFO_BPF_H

struct si_hdr {
	__u64 total_kb, free_kb, available_kb, used_kb;
	__u64 buffers_kb, cached_kb, swap_total_kb, swap_free_kb;
	__u64 user_ns, nice_ns, system_ns, idle_ns, iowait_ns, irq_ns, softirq_ns, steal_ns;
	__s64 realtime_off_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	__u32 cpus, user_hz;
};

/* the cgroup walk's context (BPF_PROG_RUN ctx_in, copied back after the run) */
struct si_walk_args {
	__u64 root_cgid; /* in: the cgroup whose descendants are walked (1: the v2 root) */
	__u64 len; /* out: bytes of records in the map */
	__s64 err; /* out: 0, or -E2BIG (more than the map holds), -ENOENT (no root) */
};

/*
 * The cgroup walk's output: not the JSON document but records of fixed
 * size, one after another (every one a multiple of 8 bytes): the header,
 * then for each container's cgroup an si_wcg followed by an si_wproc for
 * each of its processes. Strings are raw kernel bytes (the reader decodes
 * them as the JSON escaping would), with their lengths.
 */
enum { SI_WREC_CG = 1, SI_WREC_PROC = 2 };

#define SI_W_ID_LEN 64
#define SI_W_PATH_MAX 256
#define SI_W_COMM_LEN 16

struct si_whdr {
	__u64 boottime_ns; /* CLOCK_BOOTTIME when the walk started */
};

struct si_wcg {
	__u32 type; /* SI_WREC_CG */
	__u32 path_len;
	char id[SI_W_ID_LEN]; /* 64 lowercase hex digits */
	char path[SI_W_PATH_MAX];
};

struct si_wproc {
	__u32 type; /* SI_WREC_PROC */
	__u32 pid, ppid, uid, threads;
	char state;
	char comm[SI_W_COMM_LEN]; /* NUL-terminated unless 16 bytes long */
	char pad[3];
	__u64 vsz_kb, rss_kb, cpu_time_ns, start_time_ns;
};

#endif
