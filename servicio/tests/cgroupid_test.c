/*
 * cgroupid_test.c — container attribution from cgroup paths and
 * /proc/<pid>/cgroup files: every layout the module knows (Docker cgroupfs
 * and systemd, containerd, CRI-O, podman), v1/hybrid/v2 files, the module's
 * line order and outermost-match rule, and paths that must not match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../cgroupid.h"

#define ID_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void expect_id(const char *path, const char *want, size_t want_dir)
{
	char id[GESTOR_CTR_ID_LEN + 1] = "x";
	size_t dir = 12345;
	bool got = cgroupid_from_path(path, id, &dir);

	if (!want) {
		assert_false(got);
		assert_string_equal(id, "");
		return;
	}
	assert_true(got);
	assert_string_equal(id, want);
	assert_int_equal(dir, want_dir);
}

static void test_layouts(void **state)
{
	(void)state;
	expect_id("/docker/" ID_A, ID_A, strlen("/docker/" ID_A));
	expect_id("/docker/" ID_A "/init", ID_A, strlen("/docker/" ID_A));
	expect_id("/system.slice/docker-" ID_A ".scope", ID_A,
		  strlen("/system.slice/docker-" ID_A ".scope"));
	expect_id("/kubepods.slice/kubepods-burstable.slice/cri-containerd-" ID_A ".scope", ID_A,
		  strlen("/kubepods.slice/kubepods-burstable.slice/cri-containerd-" ID_A ".scope"));
	expect_id("/machine.slice/libpod-" ID_A ".scope/container", ID_A,
		  strlen("/machine.slice/libpod-" ID_A ".scope"));
	expect_id("/kubepods.slice/crio-" ID_A ".scope", ID_A,
		  strlen("/kubepods.slice/crio-" ID_A ".scope"));
	/* nested: the outermost wins, as in the module */
	expect_id("/docker/" ID_A "/docker/" ID_B, ID_A, strlen("/docker/" ID_A));
	expect_id("/system.slice/docker-" ID_B ".scope/docker/" ID_A, ID_B,
		  strlen("/system.slice/docker-" ID_B ".scope"));
	/* repeated slashes */
	expect_id("//docker//" ID_A, ID_A, strlen("//docker//" ID_A));
}

static void test_non_matches(void **state)
{
	(void)state;
	expect_id("/", NULL, 0);
	expect_id("", NULL, 0);
	expect_id("/user.slice/user-0.slice/session-1.scope", NULL, 0);
	expect_id("/" ID_A, NULL, 0); /* no "docker" before it */
	expect_id("/dockerx/" ID_A, NULL, 0); /* not exactly "docker" */
	expect_id("/docker/" ID_A "0", NULL, 0); /* 65 digits */
	expect_id("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL,
		  0); /* upper case */
	expect_id("/docker/0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef", NULL,
		  0); /* not hex */
	expect_id("/system.slice/docker-" ID_A ".service", NULL, 0);
	expect_id("/system.slice/docker-" ID_A, NULL, 0); /* the module wants .scope */
	expect_id("/machine.slice/libpod-" ID_A, NULL, 0); /* likewise */
	expect_id("/system.slice/docker.service", NULL, 0);
	expect_id("/system.slice/containerd-" ID_A ".scope", NULL, 0);
	expect_id("/docker", NULL, 0);
	expect_id("/machine.slice/libpod-conmon-" ID_A ".scope", NULL, 0); /* podman's monitor */
}

static void test_file_v1_hybrid(void **state)
{
	char id[GESTOR_CTR_ID_LEN + 1], path[600];
	const char *f = "12:pids:/docker/" ID_A "\n"
			"9:name=systemd:/docker/" ID_A "\n"
			"4:memory:/docker/" ID_A "\n"
			"2:cpu,cpuacct:/docker/" ID_A "\n"
			"0::/docker/" ID_A "\n";

	(void)state;
	assert_true(cgroupid_from_file_buf(f, id, path, sizeof(path)));
	assert_string_equal(id, ID_A);
	assert_string_equal(path, "/docker/" ID_A);
}

static void test_file_order(void **state)
{
	char id[GESTOR_CTR_ID_LEN + 1], path[600];
	/* v2 comes first, then memory, cpu, pids, cpuset; other controllers are ignored */
	const char *f1 = "5:memory:/docker/" ID_B "\n0::/system.slice/docker-" ID_A ".scope\n";
	const char *f2 = "3:blkio:/docker/" ID_B "\n1:cpu,cpuacct:/docker/" ID_A "\n0::/\n";
	const char *f3 = "3:devices:/docker/" ID_B "\n7:freezer:/docker/" ID_B "\n0::/\n";
	const char *f4 = "8:pids:/docker/" ID_B "\n4:memory:/docker/" ID_A "\n0::/\n";

	(void)state;
	assert_true(cgroupid_from_file_buf(f1, id, path, sizeof(path)));
	assert_string_equal(id, ID_A);
	assert_string_equal(path, "/system.slice/docker-" ID_A ".scope");
	assert_true(cgroupid_from_file_buf(f2, id, path, sizeof(path)));
	assert_string_equal(id, ID_A);
	assert_false(cgroupid_from_file_buf(f3, id, path, sizeof(path)));
	assert_string_equal(id, "");
	assert_string_equal(path, "/"); /* no memory line: the v2 path */
	assert_true(cgroupid_from_file_buf(f4, id, path, sizeof(path)));
	assert_string_equal(id, ID_A); /* memory before pids */
}

static void test_file_no_container(void **state)
{
	char id[GESTOR_CTR_ID_LEN + 1], path[600];

	(void)state;
	/* no container: the memory controller's path on a v1/hybrid system */
	assert_false(cgroupid_from_file_buf("4:memory:/process_api/9aac\n1:cpu:/\n0::/\n", id, path,
					    sizeof(path)));
	assert_string_equal(id, "");
	assert_string_equal(path, "/process_api/9aac");
	/* pure v2 */
	assert_false(cgroupid_from_file_buf("0::/user.slice/user-0.slice/session-3.scope\n", id,
					    path, sizeof(path)));
	assert_string_equal(path, "/user.slice/user-0.slice/session-3.scope");
	/* pure v2 container, no trailing newline */
	assert_true(cgroupid_from_file_buf("0::/system.slice/docker-" ID_B ".scope", id, path,
					   sizeof(path)));
	assert_string_equal(id, ID_B);
	/* empty or garbage */
	assert_false(cgroupid_from_file_buf("", id, path, sizeof(path)));
	assert_string_equal(path, "/");
	assert_false(cgroupid_from_file_buf("garbage\n::\n:\n", id, path, sizeof(path)));
}

static void test_file_hostile(void **state)
{
	char id[GESTOR_CTR_ID_LEN + 1], path[16], line[9000];

	(void)state;
	/* a path with ':' in it, and a path longer than the output (cut, terminated) */
	assert_true(cgroupid_from_file_buf("0::/a:b/docker/" ID_A "\n", id, path, sizeof(path)));
	assert_string_equal(id, ID_A);
	assert_int_equal(strlen(path), sizeof(path) - 1);
	assert_memory_equal(path, "/a:b/docker/012", 15);
	/* a very long line with the id at its end */
	memset(line, 'x', sizeof(line));
	memcpy(line, "0::/", 4);
	memcpy(line + sizeof(line) - 1 - 8 - 64, "/docker/" ID_A, 8 + 64);
	line[sizeof(line) - 1] = '\0';
	assert_true(cgroupid_from_file_buf(line, id, path, sizeof(path)));
	assert_string_equal(id, ID_A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),		  cmocka_unit_test(test_non_matches),
		cmocka_unit_test(test_file_v1_hybrid),	  cmocka_unit_test(test_file_order),
		cmocka_unit_test(test_file_no_container), cmocka_unit_test(test_file_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
