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

#endif
