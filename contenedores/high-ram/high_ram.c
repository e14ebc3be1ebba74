/*
 * high_ram.c — the high-ram load: allocates MEM_MB MiB (default 256),
 * writes to every page so all of it is resident (RSS, and the container's
 * memory cgroup), and holds it until SIGTERM/SIGINT.
 *
 * The memory is one private anonymous mapping; each page gets a non-zero
 * byte, so none of it can stay on the shared zero page. Touching goes one
 * MiB at a time with a stop check in between, so even a stop during the fill
 * is prompt. The container's memory limit must be above MEM_MB (contenedores.sh
 * gives it MEM_MB + 64 MiB), or the kernel's OOM killer ends the program.
 */
#include "load.h"

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	long mb, page;
	size_t len, done;
	unsigned char *mem;

	load_prog = "high-ram";
	if (load_env_long("MEM_MB", 256, 1, 65536, &mb) < 0)
		return 2;
	if (load_signals_init() < 0) {
		load_msg("cannot install signal handlers");
		return 1;
	}
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	len = (size_t)mb << 20;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		load_msg("cannot map %ld MiB", mb);
		return 1;
	}
	for (done = 0; done < len && !load_stopping(); done += (size_t)1 << 20) {
		for (size_t off = 0; off < ((size_t)1 << 20); off += (size_t)page)
			mem[done + off] = (unsigned char)(1 + ((done + off) / (size_t)page) % 251);
	}
	if (!load_stopping())
		load_msg("holding %ld MiB", mb);
	load_wait();
	load_msg("stopping on signal %d", load_stop_signal());
	munmap(mem, len);
	return 0;
}
