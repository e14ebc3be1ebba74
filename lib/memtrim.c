/*
 * memtrim.c — trimming start-up code pages from the resident set.
 *
 * A daemon linked against Debian's libcurl or libmicrohttpd maps OpenSSL,
 * GnuTLS, Kerberos, LDAP and more; initialising them faults in code, and the
 * kernel maps up to 64 KiB of page cache around each fault (fault-around).
 * Most of that code never runs again, yet it counts in the process's RSS for
 * its whole life. memtrim_code() walks /proc/self/smaps and drops from the
 * page tables (MADV_DONTNEED) the pages of each read-only file mapping, code
 * (r-xp) or constant data (r--p), that holds no private copy ("Anonymous:
 * 0 kB"): every page in it is the file's own, so dropping it loses nothing
 * and the next access faults it back from the page cache. Mappings with
 * private copies (relocated RELRO data) and writable ones are never touched.
 * Failures are harmless. Pages used later come back with fault-around, so
 * the gain is what start-up alone touched.
 */
#include "memtrim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* The bounds and perms of a smaps mapping header ("lo-hi perms off dev inode path"). */
static bool memtrim_header(const char *line, uintptr_t *lo, uintptr_t *hi, const char **perms)
{
	char *p;

	errno = 0;
	*lo = (uintptr_t)strtoull(line, &p, 16);
	if (errno || p == line || *p != '-')
		return false;
	line = p + 1;
	*hi = (uintptr_t)strtoull(line, &p, 16);
	if (errno || p == line || *p != ' ' || *hi <= *lo)
		return false;
	*perms = p + 1;
	return true;
}

int memtrim_code(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	uintptr_t lo = 0, hi = 0;
	bool candidate = false;
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *perms;
		uintptr_t l, h;
		uint64_t anon;

		if (memtrim_header(line, &l, &h, &perms)) {
			/* code (r-xp) or read-only data (r--p) of a file */
			lo = l;
			hi = h;
			candidate = (strncmp(perms, "r-xp ", 5) == 0 ||
				     strncmp(perms, "r--p ", 5) == 0) &&
				    strchr(perms, '/') != NULL;
			continue;
		}
		/*
		 * Anonymous: pages of the mapping that are private copies, such
		 * as relocated read-only data (RELRO): those must stay. With
		 * none, every resident page is the file's own and can go; a
		 * read-only mapping cannot gain private copies later.
		 */
		if (!candidate || strncmp(line, "Anonymous:", 10) != 0)
			continue;
		candidate = false;
		if (util_parse_u64(line + 10, NULL, UINT64_MAX, &anon) < 0 || anon != 0)
			continue;
		if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
			n++;
	}
	fclose(f);
	return n;
}

size_t memtrim_rss_kb(void)
{
	char buf[128];
	const char *p;
	uint64_t size, resident;
	long page = sysconf(_SC_PAGESIZE);

	/* "size resident shared text lib data dt", in pages */
	if (util_read_file_at(AT_FDCWD, "/proc/self/statm", buf, sizeof(buf)) <= 0 ||
	    util_parse_u64(buf, &p, UINT64_MAX, &size) < 0 ||
	    util_parse_u64(p, NULL, UINT64_MAX / 4096, &resident) < 0 || page <= 0)
		return 0;
	return (size_t)(resident * (uint64_t)page / 1024);
}
