/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysinfo_bpf.h - the binary records the BPF programs (sysinfo.bpf.c) write
 * and servicio decodes (servicio/bpfrec.c): no JSON is written in BPF.
 *
 * A read gives records of fixed size, one after another, each a multiple
 * of 8 bytes and starting with its __u32 type:
 *
 *   si_rhdr                        once, first: format, settings, boot time
 *   { si_wcg si_wproc }...         per process: its cgroup, then the process
 *   si_rend                        once, last: the read is complete
 *
 * The cgroup walk (sysinfo_cg.bpf.c) writes one si_wcg per container's
 * cgroup followed by si_wproc records of its processes. Strings are raw
 * kernel bytes with their lengths; the reader escapes or decodes them.
 * Everything the header says holds for every record after it (the settings
 * are fixed per program: nothing a loader writes can change during a read).
 */
#ifndef GESTOR_SYSINFO_BPF_H
#define GESTOR_SYSINFO_BPF_H

#define SI_MAGIC 0x31495347u /* "GSI1" */
#define SI_REC_VERSION 3

enum { SI_WREC_CG = 1, SI_WREC_PROC = 2, SI_WREC_END = 3, SI_WREC_HDR = 4 };

/* si_rhdr.flags */
#define SI_HDR_CONTAINERS_ONLY 1u /* every si_wcg names a container */
#define SI_HDR_CGWALK 2u /* written by the cgroup walk */

#define SI_W_ID_LEN 64
#define SI_W_PATH_MAX 256
#define SI_W_PATH_FULL_MAX 511 /* the longest path_len: longer paths are not read further */
#define SI_W_COMM_LEN 16

struct si_rhdr {
	__u32 type; /* SI_WREC_HDR */
	__u32 magic; /* SI_MAGIC */
	__u32 version; /* SI_REC_VERSION */
	__u32 flags; /* SI_HDR_* */
	__u32 cg_size, proc_size; /* sizeof(struct si_wcg), sizeof(struct si_wproc) */
	__u64 boottime_ns; /* CLOCK_BOOTTIME when the header was written */
};

struct si_wcg {
	__u32 type; /* SI_WREC_CG */
	__u32 path_len; /* the path's length; path holds its first SI_W_PATH_MAX bytes
			 * (a longer path is cut: > SI_W_PATH_MAX means cut) */
	char id[SI_W_ID_LEN]; /* 64 lowercase hex digits, or all NUL: not a container */
	char path[SI_W_PATH_MAX]; /* raw kernfs path, as /proc/<pid>/cgroup from the root */
};

struct si_wproc {
	__u32 type; /* SI_WREC_PROC */
	__u32 pid, ppid, uid, threads;
	char state;
	char comm[SI_W_COMM_LEN]; /* NUL-terminated unless 16 bytes long */
	char pad[3];
	__u64 vsz_kb, rss_kb, cpu_time_ns, start_time_ns;
	__u64 sample_ns; /* CLOCK_BOOTTIME read right after cpu_time_ns: cpu_pct's time base */
	/* the process's memory cgroup (its controller's css, v1 or v2): the kernfs
	 * id of its directory (= the directory's inode number, 0: none) and its
	 * page_counter usage in bytes, what memory.usage_in_bytes (v1, not the
	 * root) and memory.current (v2) show, read with the process */
	__u64 memcg_id, memcg_bytes;
};

struct si_rend {
	__u32 type; /* SI_WREC_END */
	__u32 pad;
};

/* the cgroup walk's outcome: all a read() of its iterator gives, at the end */
struct si_walk_out {
	__u64 len; /* bytes of records in the map */
	__s64 err; /* 0, or -E2BIG (more than the map holds), -EAGAIN (retry) */
};

#endif
