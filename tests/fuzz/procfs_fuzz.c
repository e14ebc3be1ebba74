/*
 * procfs_fuzz.c — libFuzzer target for the pure /proc parsers of
 * servicio/procfs.h. The first byte picks the parser (stat, status, statm,
 * cmdline, meminfo, /proc/stat, uptime), the rest is the file's content,
 * NUL-terminated as the bounded read delivers it. Nothing may crash, read
 * out of bounds or overflow; what a parser fills must stay within its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	buf = malloc(n + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	buf[n] = '\0';
	switch (data[0] % 7) {
	case 0: {
		struct procfs_stat st;

		if (procfs_parse_stat_buf(buf, &st) == 0) {
			if (memchr(st.comm, '\0', sizeof(st.comm)) == NULL)
				abort();
			procfs_comm_as_module(st.comm, (st.flags & PROCFS_PF_KTHREAD) != 0);
		}
		break;
	}
	case 1: {
		uint32_t uid, threads;

		(void)procfs_parse_status_buf(buf, &uid, &threads);
		break;
	}
	case 2: {
		uint64_t size_p, res_p;

		(void)procfs_parse_statm_buf(buf, &size_p, &res_p);
		break;
	}
	case 3: {
		char out[SNAP_CMDLINE_MAX];

		procfs_parse_cmdline_buf(buf, n, out, sizeof(out));
		if (memchr(out, '\0', sizeof(out)) == NULL)
			abort();
		break;
	}
	case 4: {
		struct snap_memory m;

		(void)procfs_parse_meminfo_buf(buf, &m);
		break;
	}
	case 5: {
		struct snap_cpu c;
		uint32_t cpus;

		(void)procfs_parse_sysstat_buf(buf, 100, &c, &cpus);
		break;
	}
	default: {
		uint64_t ns;

		(void)procfs_parse_uptime_buf(buf, &ns);
		break;
	}
	}
	free(buf);
	return 0;
}
