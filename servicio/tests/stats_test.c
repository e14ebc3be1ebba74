/*
 * stats_test.c — `servicio stats` (stats.c) on a document captured from the
 * real module (servicio/tests/fixtures/module/containers.json) with names
 * and labels from a fake Docker Engine (tests/fakedocker.h): the JSON has a
 * row per container Docker lists (name, gestor.class, and the processes
 * and RSS the raw document gives it, computed here), a Docker container
 * without processes has a row of its own, the containers Docker does not
 * know are left out unless --all; the table has the same rows and no
 * escape codes off a terminal; Docker down still gives the rows, without
 * names; bad arguments exit 2; with a cgroup v2 tree made here, the memory
 * is the cgroup's as docker stats computes it (current - inactive_file, of
 * memory.max, "max" as the RAM), for a container with processes and for
 * one without, in the JSON and in the table.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "gestor.h"
#include "../stats.h"
#include "fakedocker.h"
#include "util.h"

#define LISTED 3 /* the document's containers Docker lists */
#define GHOST "feed000000000000000000000000000000000000000000000000000000000000"

static char doc_path[1024], out_path[64];
static json_t *doc;
static char ids[16][GESTOR_CTR_ID_LEN + 1];
static size_t nids;

static int handler(void *ctx, const char *method, const char *path, const char *body, int *status,
		   char *out, size_t outlen)
{
	(void)ctx;
	(void)body;
	if (strcmp(method, "GET") == 0 && strstr(path, "/containers/json")) {
		json_t *a = json_array();
		char *s;

		for (size_t i = 0; i < LISTED; i++) {
			char name[32], cls[16];

			snprintf(name, sizeof(name), "/ctr-%zu", i);
			snprintf(cls, sizeof(cls), i ? "low" : "high-cpu");
			json_array_append_new(
				a, json_pack("{s:s,s:[s],s:s,s:s,s:s,s:s,s:i,s:{s:s}}", "Id",
					     ids[i], "Names", name, "Image", "gestor/low:latest",
					     "ImageID", "sha256:0", "State", "running", "Status",
					     "Up", "Created", 1000, "Labels", "gestor.class", cls));
		}
		/* running for Docker, no process in the document */
		json_array_append_new(a, json_pack("{s:s,s:[s],s:s,s:s,s:i,s:{}}", "Id", GHOST,
						   "Names", "/ghost", "Image", "x", "State",
						   "running", "Created", 1000, "Labels"));
		s = json_dumps(a, JSON_COMPACT);
		*status = 200;
		snprintf(out, outlen, "%s", s);
		free(s);
		json_decref(a);
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int setup(void **state)
{
	const char *top = getenv("GESTOR_TOP");
	size_t i;
	json_t *p;
	int fd;

	(void)state;
	snprintf(doc_path, sizeof(doc_path), "%s/servicio/tests/fixtures/module/containers.json",
		 top ? top : ".");
	doc = json_load_file(doc_path, 0, NULL);
	if (!doc)
		return -1;
	json_array_foreach(json_object_get(doc, "processes"), i, p)
	{
		const char *c = json_string_value(json_object_get(p, "container_id"));
		bool seen = false;

		for (size_t k = 0; c && c[0] && k < nids; k++)
			seen = seen || strcmp(ids[k], c) == 0;
		if (c && c[0] && !seen && nids < 16)
			snprintf(ids[nids++], sizeof(ids[0]), "%s", c);
	}
	qsort(ids, nids, sizeof(ids[0]), cmp_id);
	snprintf(out_path, sizeof(out_path), "/tmp/gestor-stats-test-XXXXXX");
	fd = mkstemp(out_path);
	if (fd < 0)
		return -1;
	close(fd);
	return nids > LISTED ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(doc);
	return unlink(out_path);
}

/* stats_main with args (NULL-terminated), stdout into out_path; its status */
static int run(const char *const *args)
{
	char *argv[32];
	int argc = 0, saved, fd, ret;

	argv[argc++] = (char *)"stats";
	for (size_t i = 0; args[i]; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(out_path, O_WRONLY | O_TRUNC);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = stats_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return ret;
}

/* the processes and RSS of container id in the raw document */
static void doc_sums(const char *id, long *procs, long *rss)
{
	size_t i;
	json_t *p;

	*procs = *rss = 0;
	json_array_foreach(json_object_get(doc, "processes"), i, p)
	{
		const char *c = json_string_value(json_object_get(p, "container_id"));

		if (c && strcmp(c, id) == 0) {
			(*procs)++;
			*rss += (long)json_integer_value(json_object_get(p, "rss_kb"));
		}
	}
}

static json_t *row_of(json_t *out, const char *id)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(out, "containers"), i,
			   r) if (strcmp(json_string_value(json_object_get(r, "id")), id) ==
				  0) return r;
	return NULL;
}

static void test_json(void **state)
{
	struct fakedocker fd;
	json_t *out, *r;
	const char *args[] = { "--source",
			       "module",
			       "--module-path",
			       doc_path,
			       "--docker-socket",
			       NULL,
			       "--json",
			       "--interval",
			       "0.05",
			       "--cgroup-root",
			       "",
			       NULL,
			       NULL };

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	args[5] = fd.socket;
	assert_int_equal(run(args), 0);
	out = json_load_file(out_path, 0, NULL);
	assert_non_null(out);
	assert_string_equal(json_string_value(json_object_get(out, "source")), "module");
	assert_int_equal(json_integer_value(json_object_get(out, "processes")),
			 json_array_size(json_object_get(doc, "processes")));
	assert_int_equal(json_array_size(json_object_get(out, "containers")), LISTED + 1);
	for (size_t i = 0; i < LISTED; i++) {
		char name[32];
		long procs, rss;

		r = row_of(out, ids[i]);
		assert_non_null(r);
		snprintf(name, sizeof(name), "ctr-%zu", i);
		assert_string_equal(json_string_value(json_object_get(r, "name")), name);
		assert_string_equal(json_string_value(json_object_get(r, "label_class")),
				    i ? "low" : "high-cpu");
		doc_sums(ids[i], &procs, &rss);
		assert_int_equal(json_integer_value(json_object_get(r, "procs")), procs);
		assert_int_equal(json_integer_value(json_object_get(r, "rss_kb")), rss);
		/* the same document twice: no time passed, no rate */
		assert_true(json_is_null(json_object_get(r, "cpu_pct")));
		assert_string_equal(json_string_value(json_object_get(r, "mem_source")), "rss");
	}
	r = row_of(out, GHOST);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "procs")), 0);
	assert_string_equal(json_string_value(json_object_get(r, "name")), "ghost");
	json_decref(out);

	/* --all: the containers Docker does not list too */
	args[11] = "--all";
	assert_int_equal(run(args), 0);
	out = json_load_file(out_path, 0, NULL);
	assert_non_null(out);
	assert_int_equal(json_array_size(json_object_get(out, "containers")), nids + 1);
	for (size_t i = LISTED; i < nids; i++) {
		long procs, rss;

		r = row_of(out, ids[i]);
		assert_non_null(r);
		assert_string_equal(json_string_value(json_object_get(r, "name")), "");
		doc_sums(ids[i], &procs, &rss);
		assert_int_equal(json_integer_value(json_object_get(r, "procs")), procs);
	}
	json_decref(out);
	fakedocker_stop(&fd);
	assert_int_equal(fakedocker_count(&fd, "GET", "/containers/json"), 2);
}

static void test_table(void **state)
{
	struct fakedocker fd;
	char *buf = NULL, line[128];
	size_t len;
	const char *args[] = {
		"--source", "module",	  "--module-path", doc_path,	    "--docker-socket",
		NULL,	    "--interval", "0.05",	   "--cgroup-root", "",
		NULL
	};

	(void)state;
	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	args[5] = fd.socket;
	assert_int_equal(run(args), 0);
	fakedocker_stop(&fd);
	assert_int_equal(util_slurp(out_path, 1 << 20, &buf, &len), 0);
	assert_non_null(strstr(buf, "CONTAINER ID"));
	assert_null(strchr(buf, '\033'));
	for (size_t i = 0; i < LISTED; i++) {
		snprintf(line, sizeof(line), "\n%.12s", ids[i]);
		assert_non_null(strstr(buf, line));
	}
	assert_non_null(strstr(buf, "ghost"));
	free(buf);
}

/* write text into root/rel (made with its directories) */
static void put(const char *root, const char *rel, const char *text)
{
	char path[512], dirp[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dirp, sizeof(dirp), "%s", path);
	*strrchr(dirp, '/') = '\0';
	assert_int_equal(util_mkdir_p(dirp, 0755), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_cgroup_memory(void **state)
{
	struct fakedocker fd;
	char root[] = "/tmp/gestor-stats-cg-XXXXXX", rel[200], *buf = NULL;
	json_t *out, *r;
	size_t len;
	const char *args[] = { "--source", "module", "--module-path", doc_path, "--docker-socket",
			       NULL,	   "--json", "--interval",    "0.05",	"--cgroup-root",
			       root,	   NULL };

	(void)state;
	assert_non_null(mkdtemp(root));
	/* ids[0]: 100 MiB charged, 20 MiB of it inactive file cache, 256 MiB limit */
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.current", ids[0]);
	put(root, rel, "104857600\n");
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.max", ids[0]);
	put(root, rel, "268435456\n");
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.stat", ids[0]);
	put(root, rel, "anon 83886080\nfile 20971520\ninactive_file 20971520\n");
	/* the ghost (no process): 10 MiB, no limit */
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.current", GHOST);
	put(root, rel, "10485760\n");
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.max", GHOST);
	put(root, rel, "max\n");
	snprintf(rel, sizeof(rel), "system.slice/docker-%s.scope/memory.stat", GHOST);
	put(root, rel, "anon 10485760\ninactive_file 0\n");

	assert_int_equal(fakedocker_start(&fd, handler, NULL), 0);
	args[5] = fd.socket;
	assert_int_equal(run(args), 0);
	out = json_load_file(out_path, 0, NULL);
	assert_non_null(out);
	r = row_of(out, ids[0]);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "mem_source")), "cgroup");
	assert_int_equal(json_integer_value(json_object_get(r, "cgroup_version")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "mem_raw_kb")), 102400);
	assert_int_equal(json_integer_value(json_object_get(r, "mem_inactive_file_kb")), 20480);
	assert_int_equal(json_integer_value(json_object_get(r, "mem_limit_kb")), 262144);
	assert_int_equal(json_integer_value(json_object_get(r, "mem_kb")), 81920);
	assert_true(fabs(json_real_value(json_object_get(r, "mem_pct")) - 31.25) < 0.01);
	/* the others have no cgroup here: their RSS */
	r = row_of(out, ids[1]);
	assert_string_equal(json_string_value(json_object_get(r, "mem_source")), "rss");
	/* the ghost's limit is the machine's RAM (the document's MemTotal) */
	r = row_of(out, GHOST);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "mem_source")), "cgroup");
	assert_int_equal(json_integer_value(json_object_get(r, "mem_kb")), 10240);
	json_int_t ram_kb = json_integer_value(json_object_get(r, "mem_limit_kb"));
	assert_true(ram_kb > 10240);
	assert_true(fabs(json_real_value(json_object_get(r, "mem_pct")) -
			 100.0 * 10240 / (double)ram_kb) < 0.01);
	json_decref(out);

	/* the table says the same: usage / limit */
	args[6] = "--interval";
	args[7] = "0.05";
	args[8] = "--cgroup-root";
	args[9] = root;
	args[10] = NULL;
	assert_int_equal(run(args), 0);
	assert_int_equal(util_slurp(out_path, 1 << 20, &buf, &len), 0);
	assert_non_null(strstr(buf, "80.0MiB / 256MiB"));
	assert_non_null(strstr(buf, "10.0MiB / "));
	free(buf);
	fakedocker_stop(&fd);
	assert_int_equal(util_rm_tree(root), 0);
}

static void test_docker_down(void **state)
{
	json_t *out;
	const char *args[] = { "--source",
			       "module",
			       "--module-path",
			       doc_path,
			       "--docker-socket",
			       "/nonexistent/docker.sock",
			       "--json",
			       "--interval",
			       "0.05",
			       "--cgroup-root",
			       "",
			       NULL };

	(void)state;
	assert_int_equal(run(args), 0);
	out = json_load_file(out_path, 0, NULL);
	assert_non_null(out);
	/* every container seen in the processes, without names */
	assert_int_equal(json_array_size(json_object_get(out, "containers")), nids);
	json_decref(out);
}

static void test_bad_args(void **state)
{
	const char *interval[] = { "--interval", "0", NULL };
	const char *source[] = { "--source", "magic", NULL };
	const char *unknown[] = { "--no-such-flag", NULL };
	const char *help[] = { "--help", NULL };
	char *buf = NULL;
	size_t len;

	(void)state;
	assert_int_equal(run(interval), 2);
	assert_int_equal(run(source), 2);
	assert_int_equal(run(unknown), 2);
	assert_int_equal(run(help), 0);
	assert_int_equal(util_slurp(out_path, 1 << 20, &buf, &len), 0);
	assert_non_null(strstr(buf, "Usage: servicio stats [OPTION]...\n\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),	      cmocka_unit_test(test_table),
		cmocka_unit_test(test_cgroup_memory), cmocka_unit_test(test_docker_down),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
