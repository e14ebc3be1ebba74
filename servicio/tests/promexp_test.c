/*
 * promexp_test.c — unit tests for promexp.c's pure parts: the state after
 * a cycle (CPU counter carried on by the cycle's rate, a new container
 * starting at its lifetime CPU, decisions counted, "unlimited" as 0), the
 * exposition text (every series under its # TYPE, labels escaped, the
 * cAdvisor label set; ctrio's figures: the cgroup's CPU counter, the id as
 * the cgroup path, device and interface series, none where nothing was
 * read), and the --metrics-listen syntax; the server on a
 * port of its own on 127.0.0.1: GET and HEAD /metrics with the published
 * cycle, 404 elsewhere, 405 with Allow for other methods, a request body
 * read and ignored, a connection that sends no headers cut at the header
 * deadline, a port already in use refused with the address named.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../promexp.h"

#define ID_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define ID_B "bbbb000000000000000000000000000000000000000000000000000000000002"
#define RAM_KB 4096000ull

static struct docker_label labels_a[] = { { "gestor.managed", "true" },
					  { "gestor.class", "high-cpu" } };

/* A cycle of two containers: A managed (256 MiB limit, decided kept high),
 * B unmanaged with no limit and a hostile name. */
struct fixture {
	struct docker_container dc[2];
	struct snap_ctr sc[2]; /* the containers' groups, which the stats view */
	struct ctr_stat st[2];
	struct cycle_row rows[2];
	struct policy_decision dec[1];
	struct cycle c;
};

static void fixture_init(struct fixture *f, uint64_t ts_ns, double cpu_a, uint64_t cpu_ns_a)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->dc[0].id, ID_A);
	strcpy(f->dc[0].name, "web-1");
	strcpy(f->dc[0].image, "gestor/high-cpu:latest");
	f->dc[0].labels = labels_a;
	f->dc[0].nlabels = 2;
	strcpy(f->dc[1].id, ID_B);
	strcpy(f->dc[1].name, "odd\"name\\x");
	strcpy(f->dc[1].image, "busybox");

	strcpy(f->sc[0].id, ID_A);
	f->sc[0].cpu_time_ns = cpu_ns_a;
	f->st[0].ctr = &f->sc[0];
	f->st[0].has_cpu = true;
	f->st[0].cpu_pct = cpu_a;
	f->st[0].has_mem = true;
	f->st[0].mem.raw = 200u << 20;
	f->st[0].mem.inactive_file = 50u << 20;
	f->st[0].mem.usage = 150u << 20;
	f->st[0].mem.limit = 256u << 20;
	strcpy(f->sc[1].id, ID_B);
	f->sc[1].cpu_time_ns = 7000000000ull;
	f->sc[1].rss_kb = 1000;
	f->st[1].ctr = &f->sc[1];
	f->st[1].has_mem = true;
	f->st[1].mem.raw = 4u << 20;
	f->st[1].mem.usage = 3u << 20;
	f->st[1].mem.limit = RAM_KB * 1024; /* unlimited: cgmem says the RAM */

	f->dec[0] =
		(struct policy_decision){ .idx = 0, .cls = POLICY_HIGH, .keep = true, .rank = 1 };
	f->rows[0] = (struct cycle_row){
		.dc = &f->dc[0], .st = &f->st[0], .dec = &f->dec[0], .action = CYCLE_KEPT
	};
	f->rows[1] = (struct cycle_row){ .dc = &f->dc[1], .st = &f->st[1], .action = CYCLE_NONE };
	f->c.number = 1;
	f->c.cur.source = SNAP_SRC_PROCFS;
	f->c.cur.timestamp_ns = ts_ns;
	f->c.cur.mem.total_kb = RAM_KB;
	f->c.cs.interval_ns = 2000000000ull;
	f->c.cs.ctrs = f->st;
	f->c.cs.nctrs = 2;
	f->c.rows = f->rows;
	f->c.nrows = 2;
	f->c.dec = f->dec;
	f->c.ndec = 1;
}

static const struct promexp_info info = { .cycle_s = 0.03,
					  .scope = "",
					  .self = { .logs_up = true,
						    .delivered = 5,
						    .spooled = 1,
						    .spool_batches = 2,
						    .spool_bytes = 300,
						    .start_time = 1.5e9 } };

static char *render(const struct promexp_state *s)
{
	char *out = NULL;
	size_t len = 0;

	assert_int_equal(promexp_render(s, &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	return out;
}

/* The value of the line starting with prefix (a series with its labels). */
static double value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	fail_msg("no series %s", prefix);
	return -1;
}

#define SER_A(m)                                                                      \
	m "{id=\"/docker/" ID_A "\",name=\"web-1\",image=\"gestor/high-cpu:latest\"," \
	  "container_label_gestor_managed=\"true\",container_label_gestor_class=\"high-cpu\"}"

static void test_first_cycle(void **state)
{
	struct fixture f;
	struct promexp_state prev = { .source = -1 }, next = { 0 };
	char *t;

	(void)state;
	fixture_init(&f, 1700000000123456789ull, 50, 9000000000ull);
	assert_int_equal(promexp_state_step(&next, &prev, &f.c, &info), 0);
	assert_int_equal(next.nctrs, 2);
	t = render(&next);
	/* seen first: its lifetime CPU time */
	assert_true(value_of(t, SER_A("container_cpu_usage_seconds_total")) == 9.0);
	assert_true(value_of(t, SER_A("container_memory_working_set_bytes")) == 150.0 * 1048576);
	assert_true(value_of(t, SER_A("container_memory_usage_bytes")) == 200.0 * 1048576);
	assert_true(value_of(t, SER_A("container_spec_memory_limit_bytes")) == 256.0 * 1048576);
	assert_true(value_of(t, SER_A("container_last_seen")) == 1700000000.123);
	/* B: unlimited is 0, its name escaped, not managed */
	assert_non_null(strstr(t, "container_spec_memory_limit_bytes{id=\"/docker/" ID_B
				  "\",name=\"odd\\\"name\\\\x\",image=\"busybox\","
				  "container_label_gestor_managed=\"false\","
				  "container_label_gestor_class=\"\"} 0\n"));
	assert_true(value_of(t, "gestor_decisions_total{action=\"kept\",class=\"high\"}") == 1);
	assert_true(value_of(t, "gestor_decisions_total{action=\"removed\",class=\"low\"}") == 0);
	assert_true(value_of(t, "gestor_metrics_source{source=\"procfs\"}") == 1);
	assert_true(value_of(t, "gestor_metrics_source{source=\"module\"}") == 0);
	assert_true(value_of(t, "gestor_cycle_duration_seconds_bucket{le=\"0.025\"}") == 0);
	assert_true(value_of(t, "gestor_cycle_duration_seconds_bucket{le=\"0.05\"}") == 1);
	assert_true(value_of(t, "gestor_cycle_duration_seconds_count") == 1);
	assert_true(value_of(t, "gestor_admin_logs_batches_total{result=\"delivered\"}") == 5);
	assert_true(value_of(t, "gestor_spool_batches") == 2);
	assert_true(value_of(t, "gestor_containers{managed=\"true\"}") == 1);
	free(t);
	promexp_state_free(&next);
}

static void test_counter_carries_on(void **state)
{
	struct fixture f;
	struct promexp_state s0 = { .source = -1 }, s1 = { 0 }, s2 = { 0 };
	char *t;

	(void)state;
	fixture_init(&f, 1700000000000000000ull, 50, 9000000000ull);
	assert_int_equal(promexp_state_step(&s1, &s0, &f.c, &info), 0);
	/* next cycle: 50 % over 2 s is 1 CPU second, whatever the raw sum says
	 * (a process of it exited: the raw sum fell) */
	fixture_init(&f, 1700000002000000000ull, 50, 1000000000ull);
	f.dec[0].cls = POLICY_LOW;
	f.rows[0].action = CYCLE_REMOVED;
	assert_int_equal(promexp_state_step(&s2, &s1, &f.c, &info), 0);
	t = render(&s2);
	assert_true(value_of(t, SER_A("container_cpu_usage_seconds_total")) == 10.0);
	assert_true(value_of(t, "gestor_decisions_total{action=\"kept\",class=\"high\"}") == 1);
	assert_true(value_of(t, "gestor_decisions_total{action=\"removed\",class=\"low\"}") == 1);
	assert_true(value_of(t, "gestor_cycle_duration_seconds_count") == 2);
	free(t);
	promexp_state_free(&s1);
	promexp_state_free(&s2);
}

#define SCOPE_A "/system.slice/docker-" ID_A ".scope"
#define SER_IO(m, extra)                                                                  \
	m "{id=\"" SCOPE_A "\"" extra ",name=\"web-1\",image=\"gestor/high-cpu:latest\"," \
	  "container_label_gestor_managed=\"true\",container_label_gestor_class=\"high-cpu\"}"

/* ctrio figures for A (B has none): they and the cgroup path reach /metrics */
static void test_ctrio_series(void **state)
{
	struct fixture f;
	struct promexp_state s0 = { .source = -1 }, s1 = { 0 }, s2 = { 0 };
	struct snap_ctr sc = { .id = ID_A, .cgroup = SCOPE_A };
	struct ctrio io[2] = { { 0 } };
	struct promexp_info x = info;
	char *t;

	(void)state;
	io[0].has_cpu = io[0].cpu_read = true;
	io[0].cpu_ns = 12500000000ull;
	io[0].has_cfs = true;
	io[0].nr_periods = 100;
	io[0].nr_throttled = 40;
	io[0].throttled_ns = 2500000000ull;
	io[0].has_pids = true;
	io[0].processes = 2;
	io[0].threads = 9;
	io[0].has_oom = true;
	io[0].oom_kill = 1;
	io[0].has_io = true;
	io[0].ndev = 1;
	io[0].dev[0] = (struct ctrio_dev){ .major = 8,
					   .name = "/dev/sda",
					   .rbytes = 4096,
					   .wbytes = 1048576,
					   .rios = 1,
					   .wios = 256 };
	io[0].has_net = true;
	io[0].nif = 1;
	io[0].ifs[0] = (struct ctrio_if){ .name = "eth0",
					  .rx_bytes = 1000,
					  .rx_packets = 10,
					  .tx_bytes = 2000,
					  .tx_packets = 20 };
	x.io = io;
	fixture_init(&f, 1700000000000000000ull, 50, 9000000000ull);
	f.c.cur.ctrs = &sc;
	f.c.cur.nctrs = 1;
	f.rows[0].sc = &sc; /* A's record: its group in the snapshot (cycle_rows) */
	assert_int_equal(promexp_state_step(&s1, &s0, &f.c, &x), 0);
	/* a later cycle: the counter is the cgroup's, not carried on by the rate */
	io[0].cpu_ns = 13000000000ull;
	assert_int_equal(promexp_state_step(&s2, &s1, &f.c, &x), 0);
	t = render(&s2);
	assert_true(value_of(t, SER_IO("container_cpu_usage_seconds_total", "")) == 13.0);
	assert_true(value_of(t, SER_IO("container_cpu_cfs_periods_total", "")) == 100);
	assert_true(value_of(t, SER_IO("container_cpu_cfs_throttled_periods_total", "")) == 40);
	assert_true(value_of(t, SER_IO("container_cpu_cfs_throttled_seconds_total", "")) == 2.5);
	assert_true(value_of(t, SER_IO("container_processes", "")) == 2);
	assert_true(value_of(t, SER_IO("container_threads", "")) == 9);
	assert_true(value_of(t, SER_IO("container_oom_events_total", "")) == 1);
	assert_true(value_of(t, SER_IO("container_fs_writes_bytes_total",
				       ",device=\"/dev/sda\"")) == 1048576);
	assert_true(value_of(t, SER_IO("container_fs_reads_total", ",device=\"/dev/sda\"")) == 1);
	assert_true(value_of(t, SER_IO("container_network_receive_bytes_total",
				       ",interface=\"eth0\"")) == 1000);
	assert_true(value_of(t, SER_IO("container_network_transmit_packets_total",
				       ",interface=\"eth0\"")) == 20);
	/* B: no cgroup path known (the /docker/<id> default), nothing read:
	 * no such series, and its CPU from the processes */
	assert_non_null(strstr(t, "container_cpu_usage_seconds_total{id=\"/docker/" ID_B "\""));
	assert_null(strstr(t, "container_processes{id=\"/docker/" ID_B));
	assert_null(strstr(t, "container_network_receive_bytes_total{id=\"/docker/" ID_B));
	free(t);
	promexp_state_free(&s1);
	promexp_state_free(&s2);
}

/* A's CPU counter (the cgroup's, 50 % of a core) after one more cycle in
 * which io[0] is as given: a fresh state from prev. */
static double counter_after(struct promexp_state *next, const struct promexp_state *prev,
			    struct ctrio *io, uint64_t ts_ns)
{
	struct fixture f;
	struct snap_ctr sc = { .id = ID_A, .cgroup = SCOPE_A };
	struct promexp_info x = info;
	double v;
	char *t;

	x.io = io;
	fixture_init(&f, ts_ns, 50, 9000000000ull);
	f.c.cur.ctrs = &sc;
	f.c.cur.nctrs = 1;
	f.rows[0].sc = &sc;
	assert_int_equal(promexp_state_step(next, prev, &f.c, &x), 0);
	t = render(next);
	v = value_of(t, SER_IO("container_cpu_usage_seconds_total", ""));
	free(t);
	return v;
}

/*
 * The cgroup's CPU counter between two reads of --counters-interval (the
 * kept figure, cpu_read false): carried on by the cycle's rate, not the
 * kept figure; at the next read the cgroup's figure, but not below what was
 * served (a counter must not go back), unless the cgroup's own went back.
 */
static void test_counter_between_reads(void **state)
{
	struct promexp_state s[6] = { { .source = -1 } };
	struct ctrio io[2] = { { 0 } };
	const uint64_t t0 = 1700000000000000000ull, S = 1000000000ull;

	(void)state;
	io[0].has_cpu = io[0].cpu_read = true;
	io[0].cpu_ns = 12500000000ull;
	assert_true(counter_after(&s[1], &s[0], io, t0) == 12.5);
	/* kept, not read: 12.5 + 50 % of the 2 s interval */
	io[0].cpu_read = false;
	assert_true(counter_after(&s[2], &s[1], io, t0 + 2 * S) == 13.5);
	/* read, behind what was served: held there */
	io[0].cpu_read = true;
	io[0].cpu_ns = 13200000000ull;
	assert_true(counter_after(&s[3], &s[2], io, t0 + 4 * S) == 13.5);
	/* read, ahead of it: the cgroup's */
	io[0].cpu_ns = 14000000000ull;
	assert_true(counter_after(&s[4], &s[3], io, t0 + 6 * S) == 14.0);
	/* the cgroup's own counter went back (the container restarted in a
	 * new cgroup): a reset, not held at 14 */
	io[0].cpu_ns = 500000000ull;
	assert_true(counter_after(&s[5], &s[4], io, t0 + 8 * S) == 0.5);
	for (int i = 1; i < 6; i++)
		promexp_state_free(&s[i]);
}

/* Every sample line's family has a # TYPE line before it, each family once. */
static void test_format(void **state)
{
	struct fixture f;
	struct promexp_state prev = { .source = -1 }, next = { 0 };
	char *t, *save = NULL, typed[4096] = " ";
	int samples = 0;

	(void)state;
	fixture_init(&f, 1700000000000000000ull, 50, 9000000000ull);
	assert_int_equal(promexp_state_step(&next, &prev, &f.c, &info), 0);
	t = render(&next);
	assert_true(t[strlen(t) - 1] == '\n');
	for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char fam[128];
		size_t n = strcspn(line, "{ ");

		if (strncmp(line, "# TYPE ", 7) == 0) {
			snprintf(fam, sizeof(fam), " %.*s ", (int)strcspn(line + 7, " "), line + 7);
			assert_null(strstr(typed, fam));
			strncat(typed, fam + 1, sizeof(typed) - strlen(typed) - 1);
			continue;
		}
		if (line[0] == '#')
			continue;
		snprintf(fam, sizeof(fam), " %.*s ", (int)n, line);
		for (const char *suf = NULL; !strstr(typed, fam);) {
			/* histogram parts: _bucket, _sum, _count */
			char *u = strrchr(fam, '_');
			assert_non_null(u);
			assert_true(suf == NULL);
			suf = u;
			strcpy(u, " ");
		}
		samples++;
	}
	assert_true(samples > 30);
	free(t);
	promexp_state_free(&next);
}

/* gestor_build_info carries the version servicio --version prints. */
static void test_build_info(void **state)
{
	struct fixture f;
	struct promexp_state prev = { .source = -1 }, next = { 0 };
	char *t, want[256];

	(void)state;
	fixture_init(&f, 1700000000000000000ull, 50, 9000000000ull);
	assert_int_equal(promexp_state_step(&next, &prev, &f.c, &info), 0);
	t = render(&next);
	snprintf(want, sizeof(want), "gestor_build_info{version=\"%s\"}", GESTOR_VERSION);
	assert_true(value_of(t, want) == 1);
	assert_non_null(strstr(t, "# TYPE gestor_build_info gauge\n"));
	free(t);
	promexp_state_free(&next);
}

/* --metrics-labels: the allow-list parsed, names sanitised as cAdvisor's
 * container_label_<name>, values escaped; labels not allowed (or absent
 * on a container) not exported; off by default. */
static void test_docker_labels(void **state)
{
	static struct docker_label la[] = { { "gestor.managed", "true" },
					    { "gestor.class", "high-cpu" },
					    { "com.example.team", "a\"b\\c\nd" },
					    { "secret", "hidden" },
					    { "app-name", "web" } };
	struct promexp_labels l;
	struct fixture f;
	struct promexp_state prev = { .source = -1 }, next = { 0 };
	struct promexp_info x = info;
	char err[256], name[64], *t;

	(void)state;
	promexp_label_name("com.example/team-1", name, sizeof(name));
	assert_string_equal(name, "container_label_com_example_team_1");
	assert_int_equal(promexp_parse_labels("", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(promexp_parse_labels("none", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(promexp_parse_labels("a,,b", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(promexp_parse_labels("a,", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(promexp_parse_labels("a b", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(promexp_parse_labels("a.b,a-b", &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(promexp_parse_labels("gestor.class", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(
		promexp_parse_labels("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &l, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(
		promexp_parse_labels("com.example.team,app-name,missing", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.prom[1], "container_label_app_name");

	fixture_init(&f, 1700000000000000000ull, 50, 9000000000ull);
	f.dc[0].labels = la;
	f.dc[0].nlabels = 5;
	/* off by default: no container_label_ but gestor's two */
	assert_int_equal(promexp_state_step(&next, &prev, &f.c, &info), 0);
	t = render(&next);
	assert_null(strstr(t, "container_label_com"));
	assert_null(strstr(t, "container_label_app"));
	free(t);
	promexp_state_free(&next);

	x.labels = &l;
	memset(&next, 0, sizeof(next));
	assert_int_equal(promexp_state_step(&next, &prev, &f.c, &x), 0);
	t = render(&next);
	assert_true(value_of(t, "container_memory_usage_bytes{id=\"/docker/" ID_A
				"\",name=\"web-1\",image=\"gestor/high-cpu:latest\","
				"container_label_gestor_managed=\"true\","
				"container_label_gestor_class=\"high-cpu\","
				"container_label_com_example_team=\"a\\\"b\\\\c\\nd\","
				"container_label_app_name=\"web\"}") == 200.0 * 1048576);
	assert_null(strstr(t, "hidden")); /* not allowed */
	assert_null(strstr(t, "container_label_missing")); /* allowed, on no container */
	/* B has none of them: its series as before */
	assert_non_null(strstr(t, "container_spec_memory_limit_bytes{id=\"/docker/" ID_B
				  "\",name=\"odd\\\"name\\\\x\",image=\"busybox\","
				  "container_label_gestor_managed=\"false\","
				  "container_label_gestor_class=\"\"} 0\n"));
	free(t);
	promexp_state_free(&next);
}

static void test_parse_listen(void **state)
{
	struct sockaddr_storage ss;
	char err[256];
	bool off;

	(void)state;
	assert_int_equal(promexp_parse_listen("none", &off, &ss, err, sizeof(err)), 0);
	assert_true(off);
	assert_int_equal(promexp_parse_listen("127.0.0.1:9102", &off, &ss, err, sizeof(err)), 0);
	assert_false(off);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9102);
	assert_int_equal(promexp_parse_listen("[::1]:0", &off, &ss, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	const char *bad[] = { "",
			      "9102",
			      "localhost:9102",
			      "127.0.0.1:",
			      "127.0.0.1:65536",
			      "127.0.0.1:-1",
			      "[::1]9102",
			      "::1:9102",
			      "1.2.3.4:80x",
			      "[]:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(promexp_parse_listen(bad[i], &off, &ss, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "metrics-listen"));
	}
}

/* A connected socket to 127.0.0.1:port. */
static int dial(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Everything fd sends until it closes (deadline: 60 s, only against a hang). */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	time_t end = time(NULL) + 60;

	while (got + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_true(time(NULL) < end);
		if (poll(&p, 1, 1000) <= 0)
			continue;
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return got;
}

/* One request on its own connection; the whole answer. */
static char *ask(unsigned port, const char *req)
{
	static char buf[65536];
	int fd = dial(port);

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	read_all(fd, buf, sizeof(buf));
	close(fd);
	return buf;
}

static void test_server(void **state)
{
	struct promexp *px = NULL;
	struct fixture f;
	unsigned port = 0;
	char err[256];
	char *a;

	(void)state;
	/* "none": no server, and the other calls accept NULL */
	assert_int_equal(promexp_start(&px, "none", &port, err, sizeof(err)), 0);
	assert_null(px);
	promexp_publish(NULL, NULL, NULL);
	promexp_stop(NULL);
	assert_int_equal(promexp_start(&px, "127.0.0.1:x", &port, err, sizeof(err)), -EINVAL);
	assert_null(px);

	assert_int_equal(promexp_start(&px, "127.0.0.1:0", &port, err, sizeof(err)), 0);
	assert_non_null(px);
	assert_true(port > 0);
	/* before any cycle: an answer, without container series */
	a = ask(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	assert_null(strstr(a, ID_A));
	fixture_init(&f, 10000000000ull, 50.0, 3000000000ull);
	promexp_publish(px, &f.c, &info);
	a = ask(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	assert_non_null(strstr(a, "text/plain; version=0.0.4"));
	assert_non_null(strstr(a, SER_A("container_cpu_usage_seconds_total")));
	/* a second cycle replaces the first (the old state is freed) */
	fixture_init(&f, 12000000000ull, 50.0, 4000000000ull);
	promexp_publish(px, &f.c, &info);
	a = ask(port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	assert_null(strstr(a, "# TYPE")); /* HEAD: no body */

	a = ask(port, "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 404"));
	assert_non_null(strstr(a, "/metrics"));
	a = ask(port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 405"));
	assert_non_null(strstr(a, "Allow: GET, HEAD"));
	/* a body is read and ignored: the answer is the method's */
	a = ask(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		      "Connection: close\r\n\r\nhello");
	assert_non_null(strstr(a, "HTTP/1.1 405"));

	/* the same port again: refused, naming the address */
	char listen[64];
	struct promexp *px2 = NULL;
	unsigned port2 = 0;
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	assert_int_equal(promexp_start(&px2, listen, &port2, err, sizeof(err)), -EADDRINUSE);
	assert_null(px2);
	assert_non_null(strstr(err, listen));

	/* a client that connects and sends nothing is cut at the header
	 * deadline (5 s; the wait only catches a hang) */
	int fd = dial(port);
	char buf[256];
	time_t t0 = time(NULL);
	read_all(fd, buf, sizeof(buf));
	assert_true(time(NULL) - t0 < 60);
	close(fd);
	/* the server still answers */
	a = ask(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(a, "HTTP/1.1 200"));
	promexp_stop(px);
}

/*
 * /metrics with more descriptors open than select() can watch (servicio
 * keeps up to 10 cgroup files a container: 1,100 at 110 containers): every
 * accepted connection's descriptor is past FD_SETSIZE, and each scrape is
 * still answered.
 */
static void test_server_many_fds(void **state)
{
	struct promexp *px = NULL;
	struct rlimit rl;
	unsigned port = 0;
	char err[256];
	int fds[FD_SETSIZE + 64], n = 0, probe;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < FD_SETSIZE + 256 && rl.rlim_max >= FD_SETSIZE + 256) {
		rl.rlim_cur = FD_SETSIZE + 256;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_cur < FD_SETSIZE + 256) {
		print_message("skipped: RLIMIT_NOFILE %llu is below %d\n",
			      (unsigned long long)rl.rlim_cur, FD_SETSIZE + 256);
		skip();
	}
	assert_int_equal(promexp_start(&px, "127.0.0.1:0", &port, err, sizeof(err)), 0);
	do { /* the lowest free descriptors, until one is past FD_SETSIZE */
		fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fds[n] >= 0);
	} while (fds[n++] < FD_SETSIZE + 8 && n < (int)(sizeof(fds) / sizeof(fds[0])));
	probe = dup(0);
	assert_true(probe >= FD_SETSIZE); /* the next connection's is past it too */
	close(probe);
	for (int i = 0; i < 3; i++) {
		char *a =
			ask(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

		assert_non_null(strstr(a, "HTTP/1.1 200"));
	}
	promexp_stop(px);
	while (n > 0)
		close(fds[--n]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_cycle),
		cmocka_unit_test(test_counter_carries_on),
		cmocka_unit_test(test_counter_between_reads),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_many_fds),
		cmocka_unit_test(test_ctrio_series),
		cmocka_unit_test(test_build_info),
		cmocka_unit_test(test_docker_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
