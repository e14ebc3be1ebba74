/*
 * docker_ctl_test.c — unit tests for docker_ctl.c's pure part: the body of
 * POST /containers/create for admin_logs (image, name-independent labels,
 * port published on 127.0.0.1 only, the data volume), and the refusal of
 * container references that could escape the API path.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../docker_ctl.h"

static void test_admin_body(void **state)
{
	struct dctl_admin a = { "gestor/admin_logs:latest", "gestor-admin_logs", 18000, 8000,
				"/var/lib/gestor/admin_logs", false };
	char *body = dctl_admin_create_body(&a);
	json_t *root, *b;

	(void)state;
	assert_non_null(body);
	root = json_loads(body, 0, NULL);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "Image")),
			    "gestor/admin_logs:latest");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(root, "Labels"), "gestor.role")),
		"admin_logs");
	assert_null(json_object_get(json_object_get(root, "Labels"), "gestor.managed"));
	assert_non_null(json_object_get(json_object_get(root, "ExposedPorts"), "8000/tcp"));
	b = json_array_get(json_object_get(json_object_get(json_object_get(root, "HostConfig"),
							   "PortBindings"),
					   "8000/tcp"),
			   0);
	assert_string_equal(json_string_value(json_object_get(b, "HostIp")), "127.0.0.1");
	assert_string_equal(json_string_value(json_object_get(b, "HostPort")), "18000");
	assert_string_equal(
		json_string_value(json_array_get(
			json_object_get(json_object_get(root, "HostConfig"), "Binds"), 0)),
		"/var/lib/gestor/admin_logs:/data");
	/* hardened: the container that takes network input */
	json_t *hc = json_object_get(root, "HostConfig");
	assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "CapDrop"), 0)),
			    "ALL");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(hc, "SecurityOpt"), 0)),
		"no-new-privileges");
	assert_true(json_is_true(json_object_get(hc, "ReadonlyRootfs")));
	assert_non_null(json_object_get(json_object_get(hc, "Tmpfs"), "/tmp"));
	assert_int_equal(json_integer_value(json_object_get(hc, "Memory")), DCTL_ADMIN_MEMORY);
	assert_int_equal(json_integer_value(json_object_get(hc, "PidsLimit")), DCTL_ADMIN_PIDS);
	/* the token in the data directory, reads open (published on loopback only) */
	assert_string_equal(json_string_value(json_array_get(json_object_get(root, "Env"), 0)),
			    "ADMIN_LOGS_TOKEN_FILE=/data/token");
	/* servicio's container goes with servicio; a kept one Docker restarts */
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(hc, "RestartPolicy"), "Name")),
		"no");
	json_decref(root);
	free(body);
	a.keep = true;
	body = dctl_admin_create_body(&a);
	root = json_loads(body, 0, NULL);
	assert_non_null(root);
	hc = json_object_get(root, "HostConfig");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(hc, "RestartPolicy"), "Name")),
		"unless-stopped");
	json_decref(root);
	free(body);
}

static void test_bad_refs(void **state)
{
	char err[256];
	bool gone;

	(void)state;
	/* refused before any request: d is never used */
	assert_int_equal(dctl_remove(NULL, "../../images/x", &gone, err, sizeof(err)), -EINVAL);
	assert_int_equal(dctl_remove(NULL, "", &gone, err, sizeof(err)), -EINVAL);
	assert_int_equal(dctl_remove(NULL, "abc?force=1", &gone, err, sizeof(err)), -EINVAL);
	assert_int_equal(dctl_stop_remove(NULL, "a/b", 1, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_body),
		cmocka_unit_test(test_bad_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
