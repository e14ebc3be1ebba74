/*
 * ctrio_test.c — the cgroup and net/dev parsers of ctrio.c on the kernel's
 * own formats (v1 blkio, v2 io.stat, cpu.stat, memory.events /
 * memory.oom_control, net/dev with lo left out), malformed input refused,
 * and ctrio_read() on v1 and v2 trees written in a temporary directory
 * (cgroup, proc and sys roots); ctrio_read_every()'s cadence (the counters
 * read every N seconds, new containers at once, the kept values between).
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../ctrio.h"
#include "../cycle.h"

static void test_u64_kv(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ctrio_u64_parse_buf("123456789012\n", &v), 0);
	assert_true(v == 123456789012ull);
	assert_int_equal(ctrio_u64_parse_buf("max\n", &v), -EINVAL);
	assert_int_equal(ctrio_u64_parse_buf("12x\n", &v), -EINVAL);
	assert_int_equal(ctrio_u64_parse_buf("99999999999999999999999\n", &v), -EINVAL);
	const char *cpu = "nr_periods 40\nnr_throttled 7\nthrottled_time 1500000000\nnr_bursts 0\n";
	assert_int_equal(ctrio_kv_parse_buf(cpu, "nr_throttled", &v), 0);
	assert_true(v == 7);
	assert_int_equal(ctrio_kv_parse_buf(cpu, "throttled_time", &v), 0);
	assert_true(v == 1500000000ull);
	assert_int_equal(ctrio_kv_parse_buf(cpu, "nr_period", &v), -ENOENT);
	assert_int_equal(ctrio_kv_parse_buf("oom_kill x\n", "oom_kill", &v), -EINVAL);
	const char *ev = "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n";
	assert_int_equal(ctrio_kv_parse_buf(ev, "oom_kill", &v), 0);
	assert_true(v == 2);
}

static void test_blkio_v1(void **state)
{
	struct ctrio_dev d[CTRIO_NDEV];
	size_t n = 0;

	(void)state;
	const char *bytes = "8:0 Read 4096\n8:0 Write 10485760\n8:0 Sync 10489856\n"
			    "8:0 Async 0\n8:0 Discard 0\n8:0 Total 10489856\n"
			    "253:1 Read 0\n253:1 Write 512\n253:1 Total 512\nTotal 10490368\n";
	const char *ios = "8:0 Read 1\n8:0 Write 20\n8:0 Total 21\nTotal 21\n";
	assert_int_equal(ctrio_blkio_v1_parse_buf(bytes, false, d, &n), 0);
	assert_int_equal(ctrio_blkio_v1_parse_buf(ios, true, d, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].major, 8);
	assert_true(d[0].rbytes == 4096 && d[0].wbytes == 10485760);
	assert_true(d[0].rios == 1 && d[0].wios == 20);
	assert_true(d[1].major == 253 && d[1].minor == 1 && d[1].wbytes == 512 && d[1].wios == 0);
	assert_string_equal(d[1].name, "253:1");
	n = 0;
	assert_int_equal(ctrio_blkio_v1_parse_buf("Total 0\n", false, d, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ctrio_blkio_v1_parse_buf("8:0 Read zz\n", false, d, &n), -EINVAL);
	n = 0;
	assert_int_equal(ctrio_blkio_v1_parse_buf("sda Read 1\n", false, d, &n), -EINVAL);
}

static void test_iostat_v2(void **state)
{
	struct ctrio_dev d[CTRIO_NDEV];
	size_t n = 0;

	(void)state;
	const char *s = "8:0 rbytes=8192 wbytes=1048576 rios=2 wios=256 dbytes=0 dios=0\n"
			"259:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n";
	assert_int_equal(ctrio_iostat_parse_buf(s, d, &n), 0);
	assert_int_equal(n, 2);
	assert_true(d[0].rbytes == 8192 && d[0].wbytes == 1048576 && d[0].rios == 2 &&
		    d[0].wios == 256);
	assert_true(d[1].major == 259 && d[1].rbytes == 1 && d[1].wios == 4);
	n = 0;
	assert_int_equal(ctrio_iostat_parse_buf("8:0 rbytes=x\n", d, &n), -EINVAL);
	/* more devices than kept: the rest left out, no error */
	char many[2048] = "";
	for (int i = 0; i < CTRIO_NDEV + 3; i++) {
		char l[64];
		snprintf(l, sizeof(l), "8:%d rbytes=%d wbytes=0 rios=1 wios=0\n", i, i);
		strcat(many, l);
	}
	n = 0;
	assert_int_equal(ctrio_iostat_parse_buf(many, d, &n), 0);
	assert_int_equal(n, CTRIO_NDEV);
}

static const char netdev[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
	"drop fifo colls carrier compressed\n"
	"    lo:   12345      10    0    0    0     0          0         0    12345      10    0 "
	"   0    0     0       0          0\n"
	"  eth0: 10485760   7000    1    2    0     0          0         0   524288     900    3 "
	"   4    0     0       0          0\n";

static void test_netdev(void **state)
{
	struct ctrio_if f[CTRIO_NIF];
	size_t n = 9;

	(void)state;
	assert_int_equal(ctrio_netdev_parse_buf(netdev, f, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "eth0");
	assert_true(f[0].rx_bytes == 10485760 && f[0].rx_packets == 7000 && f[0].rx_errors == 1 &&
		    f[0].rx_dropped == 2);
	assert_true(f[0].tx_bytes == 524288 && f[0].tx_packets == 900 && f[0].tx_errors == 3 &&
		    f[0].tx_dropped == 4);
	assert_int_equal(ctrio_netdev_parse_buf("h1\nh2\n eth0 1 2 3\n", f, &n), -EINVAL);
	assert_int_equal(ctrio_netdev_parse_buf("h1\nh2\n eth0: 1 2 3\n", f, &n), -EINVAL);
	assert_int_equal(ctrio_netdev_parse_buf("h1\nh2\n", f, &n), 0);
	assert_int_equal(n, 0);
}

static char tmp[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void put(const char *rel, const char *text)
{
	char p[1024], d[1024];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	for (char *s = p + strlen(tmp) + 1; (s = strchr(s, '/')); s++) {
		memcpy(d, p, (size_t)(s - p));
		d[s - p] = '\0';
		mkdir(d, 0755);
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_read_v1(void **state)
{
	char cg[512], pr[512], sy[512];
	struct ctrio o;
	const char *c = "/docker/abc";

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/ctrio_test.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	put("cg/cpuacct/docker/abc/cpuacct.usage", "2500000000\n");
	put("cg/cpu/docker/abc/cpu.stat",
	    "nr_periods 10\nnr_throttled 4\nthrottled_time 300000000\n");
	put("cg/cpu/docker/abc/tasks", "1\n2\n3\n");
	put("cg/blkio/docker/abc/blkio.throttle.io_service_bytes_recursive",
	    "8:0 Read 0\n8:0 Write 1048576\n8:0 Total 1048576\nTotal 1048576\n");
	put("cg/blkio/docker/abc/blkio.throttle.io_serviced_recursive",
	    "8:0 Read 0\n8:0 Write 256\n8:0 Total 256\nTotal 256\n");
	put("cg/memory/docker/abc/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	put("cg/pids/docker/abc/cgroup.procs", "1\n7\n");
	put("cg/pids/docker/abc/pids.current", "5\n");
	put("proc/42/net/dev", netdev);
	put("sys/dev/block/8:0/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	snprintf(pr, sizeof(pr), "%s/proc", tmp);
	snprintf(sy, sizeof(sy), "%s/sys", tmp);
	struct ctrio_roots r = { .cgroup = cg, .proc = pr, .sys = sy };
	assert_int_equal(ctrio_read(&r, c, 42, &o), 0);
	assert_int_equal(o.version, 1);
	assert_true(o.has_cpu && o.cpu_ns == 2500000000ull);
	assert_true(o.has_cfs && o.nr_periods == 10 && o.nr_throttled == 4 &&
		    o.throttled_ns == 300000000ull);
	assert_true(o.has_io && o.ndev == 1 && o.dev[0].wbytes == 1048576 && o.dev[0].wios == 256);
	assert_string_equal(o.dev[0].name, "/dev/sda");
	assert_true(o.has_oom && o.oom_kill == 1);
	assert_true(o.has_pids && o.processes == 2 && o.threads == 5);
	assert_true(o.has_net && o.nif == 1 && o.ifs[0].rx_bytes == 10485760);
	/* a list longer than the read buffer: every line counted */
	{
		char *big = malloc(6 * 5000 + 1);
		assert_non_null(big);
		for (int i = 0; i < 5000; i++) {
			char line[16];

			snprintf(line, sizeof(line), "%05u\n", 10000u + (unsigned)i);
			memcpy(big + 6 * i, line, 7);
		}
		put("cg/pids/docker/abc/cgroup.procs", big);
		free(big);
		assert_int_equal(ctrio_read(&r, c, 42, &o), 0);
		assert_true(o.processes == 5000);
		put("cg/pids/docker/abc/cgroup.procs", "1\n7\n");
	}
	/* no pids hierarchy: cpu's list and tasks */
	put("cg/pids/docker/abc/pids.current", "x\n");
	assert_int_equal(ctrio_read(&r, c, 42, &o), 0);
	assert_true(o.has_pids && o.processes == 2 && o.threads == 3);
	/* no such cgroup, a path that climbs out: nothing but the network */
	assert_int_equal(ctrio_read(&r, "/docker/none", 42, &o), -ENOENT);
	assert_true(o.has_net && !o.has_cpu && !o.has_io);
	assert_int_equal(ctrio_read(&r, "/docker/../../etc", 0, &o), -ENOENT);
	assert_false(o.has_net);
	assert_int_equal(nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_read_v2(void **state)
{
	char cg[512];
	struct ctrio o;
	const char *c = "/system.slice/docker-abc.scope";

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/ctrio_test.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	put("cg/system.slice/docker-abc.scope/cpu.stat",
	    "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 20\n"
	    "nr_throttled 5\nthrottled_usec 250000\n");
	put("cg/system.slice/docker-abc.scope/io.stat",
	    "8:16 rbytes=4096 wbytes=2097152 rios=1 wios=512 dbytes=0 dios=0\n");
	put("cg/system.slice/docker-abc.scope/memory.events",
	    "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");
	put("cg/system.slice/docker-abc.scope/cgroup.procs", "10\n11\n12\n");
	put("cg/system.slice/docker-abc.scope/pids.current", "14\n");
	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	struct ctrio_roots r = { .cgroup = cg, .proc = tmp, .sys = tmp };
	assert_int_equal(ctrio_read(&r, c, 0, &o), 0);
	assert_int_equal(o.version, 2);
	assert_true(o.has_cpu && o.cpu_ns == 1500000000ull);
	assert_true(o.has_cfs && o.nr_periods == 20 && o.nr_throttled == 5 &&
		    o.throttled_ns == 250000000ull);
	assert_true(o.has_io && o.ndev == 1 && o.dev[0].wbytes == 2097152 && o.dev[0].rios == 1);
	assert_string_equal(o.dev[0].name, "8:16"); /* no sysfs entry: the number */
	assert_true(o.has_oom && o.oom_kill == 3);
	assert_true(o.has_pids && o.processes == 3 && o.threads == 14);
	assert_false(o.has_net);
	assert_int_equal(nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* ctrio_read_kept(): the files stay open from cycle to cycle and are read
 * again through their descriptors; a container not read in a cycle has
 * them closed; another pid opens its own net/dev. */
static void test_read_kept(void **state)
{
	char cg[512], pr[512], from[600], to[600];
	struct ctrio o;
	struct ctrio_keep *k = ctrio_keep_new();
	const char *c = "/docker/abc";

	(void)state;
	assert_non_null(k);
	snprintf(tmp, sizeof(tmp), "/tmp/ctrio_test.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	put("cg/docker/abc/cpu.stat", "usage_usec 1000\nnr_periods 0\nnr_throttled 0\n"
				      "throttled_usec 0\n");
	put("cg/docker/abc/cgroup.procs", "10\n");
	put("proc/42/net/dev", netdev);
	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	snprintf(pr, sizeof(pr), "%s/proc", tmp);
	struct ctrio_roots r = { .cgroup = cg, .proc = pr, .sys = tmp };
	ctrio_keep_begin(k);
	assert_int_equal(ctrio_read_kept(k, &r, "abc", c, 42, &o), 0);
	ctrio_keep_end(k);
	assert_int_equal(ctrio_keep_size(k), 1);
	assert_true(o.has_cpu && o.cpu_ns == 1000000ull && o.processes == 1 && o.has_net);
	/* rewritten in place: the kept descriptor reads the new text */
	put("cg/docker/abc/cpu.stat", "usage_usec 2000\nnr_periods 0\nnr_throttled 0\n"
				      "throttled_usec 0\n");
	put("cg/docker/abc/cgroup.procs", "10\n11\n");
	/* and its directory moved away: only the kept descriptors still find it */
	snprintf(from, sizeof(from), "%s/cg/docker/abc", tmp);
	snprintf(to, sizeof(to), "%s/cg/docker/moved", tmp);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(ctrio_read(&r, c, 0, &o), -ENOENT);
	ctrio_keep_begin(k);
	assert_int_equal(ctrio_read_kept(k, &r, "abc", c, 42, &o), 0);
	ctrio_keep_end(k);
	assert_true(o.has_cpu && o.cpu_ns == 2000000ull && o.processes == 2);
	assert_true(o.has_net && o.nif == 1);
	/* another lowest pid: its own namespace's file (none here) */
	ctrio_keep_begin(k);
	assert_int_equal(ctrio_read_kept(k, &r, "abc", c, 43, &o), 0);
	ctrio_keep_end(k);
	assert_false(o.has_net);
	/* a cycle that does not read it closes its files */
	ctrio_keep_begin(k);
	ctrio_keep_end(k);
	assert_int_equal(ctrio_keep_size(k), 0);
	ctrio_keep_free(k);
	assert_int_equal(nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void cpu_stat(const char *ctr, unsigned usec)
{
	char rel[128], text[128];

	snprintf(rel, sizeof(rel), "cg/docker/%s/cpu.stat", ctr);
	snprintf(text, sizeof(text),
		 "usage_usec %u\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n", usec);
	put(rel, text);
}

/* ctrio_read_every(): every row read at the first call and whenever the
 * cadence (10 s, less half the 1 s interval) has passed; between, the kept
 * figures (the files' new text not read: net/dev changed, the figure is the
 * old one) but for the cgroup's CPU time, read afresh every call (/metrics'
 * CPU counter must not stand still), and a new container read at once;
 * a cadence of 0 reads every call; no keep reads everything. */
static void test_read_every(void **state)
{
	char cg[512], pr[512];
	struct ctrio_keep *k = ctrio_keep_new();
	struct snap_ctr ctrs[2] = { { .id = "aaa", .cgroup = "/docker/aaa" },
				    { .id = "bbb", .cgroup = "/docker/bbb" } };
	struct snap_proc procs[2] = { { .pid = 42, .ctr = 0 }, { .pid = 43, .ctr = 1 } };
	struct docker_container dc[2] = { { .id = "aaa" }, { .id = "bbb" } };
	struct ctr_stat st[2] = { 0 };
	struct cycle_row rows[2] = { { .dc = &dc[0], .st = &st[0] },
				     { .dc = &dc[1], .st = &st[1] } };
	struct cycle c = { .rows = rows, .nrows = 1 };
	const uint64_t S = 1000000000ull, every = 10 * S, iv = S;
	struct ctrio *io;
	bool all;

	(void)state;
	assert_non_null(k);
	snprintf(tmp, sizeof(tmp), "/tmp/ctrio_test.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	cpu_stat("aaa", 1000);
	cpu_stat("bbb", 5000);
	put("proc/42/net/dev", netdev);
	snprintf(cg, sizeof(cg), "%s/cg", tmp);
	snprintf(pr, sizeof(pr), "%s/proc", tmp);
	const struct ctrio_roots r = { .cgroup = cg, .proc = pr, .sys = tmp };
	c.cur.ctrs = ctrs;
	c.cur.nctrs = 1;
	c.cur.procs = procs;
	c.cur.nprocs = 1;

	/* the first call reads every row */
	io = ctrio_read_every(k, &r, &c, 100 * S, every, iv, &all);
	assert_non_null(io);
	assert_true(all && io[0].has_cpu && io[0].cpu_ns == 1000000ull && io[0].has_net);
	assert_true(io[0].cpu_read);
	assert_int_equal(ctrio_keep_reads(k), 1);
	free(io);
	/* 1 s later: the kept figures (not net/dev's new eth0 bytes, nor the
	 * CPU time's new 2000 us: /metrics carries that counter on by rate) */
	cpu_stat("aaa", 2000);
	put("proc/42/net/dev",
	    "Inter-|\n face |\n  eth0: 20971520 9000 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
	io = ctrio_read_every(k, &r, &c, 101 * S, every, iv, &all);
	assert_non_null(io);
	assert_false(all);
	assert_true(io[0].has_cpu && io[0].cpu_ns == 1000000ull && !io[0].cpu_read);
	assert_true(io[0].has_net && io[0].nif == 1);
	assert_true(io[0].ifs[0].rx_bytes == 10485760ull);
	assert_int_equal(ctrio_keep_reads(k), 1);
	free(io);
	/* a new container is read in its first cycle, the other still kept */
	c.cur.nctrs = c.cur.nprocs = c.nrows = 2;
	io = ctrio_read_every(k, &r, &c, 102 * S, every, iv, &all);
	assert_non_null(io);
	assert_false(all);
	assert_true(io[0].cpu_ns == 1000000ull && io[1].has_cpu && io[1].cpu_ns == 5000000ull);
	assert_true(!io[0].cpu_read && io[1].cpu_read);
	assert_false(io[1].has_net); /* no net/dev for pid 43 here */
	assert_int_equal(ctrio_keep_reads(k), 2);
	free(io);
	/* ... and kept from then on (its CPU time too) */
	cpu_stat("bbb", 6000);
	io = ctrio_read_every(k, &r, &c, 109 * S, every, iv, &all);
	assert_non_null(io);
	assert_false(all);
	assert_true(io[0].cpu_ns == 1000000ull && io[1].cpu_ns == 5000000ull);
	assert_true(!io[0].cpu_read && !io[1].cpu_read);
	assert_true(io[0].ifs[0].rx_bytes == 10485760ull);
	assert_int_equal(ctrio_keep_reads(k), 2);
	free(io);
	/* 9.5 s after the last whole read (10 s less half the interval): both read */
	io = ctrio_read_every(k, &r, &c, 109 * S + S / 2, every, iv, &all);
	assert_non_null(io);
	assert_true(all && io[0].cpu_ns == 2000000ull && io[1].cpu_ns == 6000000ull);
	assert_true(io[0].cpu_read && io[1].cpu_read);
	assert_true(io[0].ifs[0].rx_bytes == 20971520ull); /* the whole read: net/dev's new text */
	assert_int_equal(ctrio_keep_reads(k), 4);
	free(io);
	/* a container gone: its kept figures go with its files */
	c.cur.ctrs = &ctrs[1];
	c.cur.nctrs = 1;
	c.cur.procs = &procs[1];
	c.cur.nprocs = 1;
	rows[0] = rows[1];
	c.nrows = 1;
	io = ctrio_read_every(k, &r, &c, 110 * S, every, iv, &all);
	assert_non_null(io);
	assert_false(all);
	assert_int_equal(ctrio_keep_size(k), 1);
	assert_int_equal(ctrio_keep_reads(k), 4);
	free(io);
	/* a cadence of 0: every call reads every row */
	cpu_stat("bbb", 7000);
	io = ctrio_read_every(k, &r, &c, 110 * S, 0, iv, &all);
	assert_non_null(io);
	assert_true(all && io[0].cpu_ns == 7000000ull);
	assert_int_equal(ctrio_keep_reads(k), 5);
	free(io);
	ctrio_keep_free(k);
	/* no keep: everything read */
	io = ctrio_read_every(NULL, &r, &c, 111 * S, every, iv, &all);
	assert_non_null(io);
	assert_true(all && io[0].cpu_ns == 7000000ull);
	free(io);
	assert_int_equal(nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_kv),	  cmocka_unit_test(test_blkio_v1),
		cmocka_unit_test(test_iostat_v2), cmocka_unit_test(test_netdev),
		cmocka_unit_test(test_read_v1),	  cmocka_unit_test(test_read_v2),
		cmocka_unit_test(test_read_kept), cmocka_unit_test(test_read_every),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
