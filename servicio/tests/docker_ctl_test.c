/*
 * docker_ctl_test.c — unit tests for docker_ctl.c's pure part: the body of
 * POST /containers/create for admin_logs (image, name-independent labels,
 * the host's network with the server on 127.0.0.1 only, its socket and
 * data directories, the host's system user), what makes an existing one
 * not reusable (dctl_admin_differs), and the refusal of container
 * references that could escape the API path.
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
	struct dctl_admin a = { "gestor/admin_logs:latest",
				"gestor-admin_logs",
				18000,
				8000,
				"/var/lib/gestor/admin_logs",
				false,
				"/run/gestor/gestor-admin_logs",
				998,
				997 };
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
	/* the host's network, the server on 127.0.0.1:18000 only: real client addresses */
	assert_null(json_object_get(root, "ExposedPorts"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "HostConfig"),
							      "NetworkMode")),
			    "host");
	assert_null(json_object_get(json_object_get(root, "HostConfig"), "PortBindings"));
	b = json_object_get(json_object_get(root, "HostConfig"), "Binds");
	assert_string_equal(json_string_value(json_array_get(b, 0)),
			    "/var/lib/gestor/admin_logs:/data");
	assert_string_equal(json_string_value(json_array_get(b, 1)),
			    "/run/gestor/gestor-admin_logs:/run/admin_logs");
	assert_string_equal(json_string_value(json_object_get(root, "User")), "998:997");
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
	/* loopback only, its port, the socket, the token in the data directory, reads open */
	b = json_object_get(root, "Env");
	assert_string_equal(json_string_value(json_array_get(b, 0)), "ADMIN_LOGS_LISTEN=127.0.0.1");
	assert_string_equal(json_string_value(json_array_get(b, 1)), "ADMIN_LOGS_PORT=18000");
	assert_string_equal(json_string_value(json_array_get(b, 2)),
			    "ADMIN_LOGS_UNIX=/run/admin_logs/admin_logs.sock");
	assert_string_equal(json_string_value(json_array_get(b, 3)),
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

/* An inspect answer of the container a would make, from image. */
static json_t *made_from(const struct dctl_admin *a, const json_t *image)
{
	char *body = dctl_admin_create_body(a);
	json_t *want = json_loads(body, 0, NULL), *env, *c;

	free(body);
	env = json_deep_copy(json_object_get(want, "Env"));
	json_array_append_new(env, json_string("PATH=/usr/bin")); /* the image's own */
	c = json_pack("{s:O,s:{s:O,s:O,s:o,s:O,s:O,s:O},s:O}", "Image",
		      json_object_get(image, "Id"), "Config", "Image",
		      json_object_get(want, "Image"), "User", json_object_get(want, "User"), "Env",
		      env, "Labels", json_object_get(want, "Labels"), "Cmd",
		      json_object_get(json_object_get(image, "Config"), "Cmd"), "Entrypoint",
		      json_object_get(json_object_get(image, "Config"), "Entrypoint"), "HostConfig",
		      json_object_get(want, "HostConfig"));
	json_decref(want);
	return c;
}

static void test_admin_differs(void **state)
{
	struct dctl_admin a = { "gestor/admin_logs:latest",
				"gestor-admin_logs",
				18000,
				8000,
				"/var/lib/gestor/admin_logs",
				false,
				"/run/gestor/x",
				998,
				997 };
	json_t *image = json_pack("{s:s,s:{s:[s],s:n}}", "Id", "sha256:aaa", "Config", "Entrypoint",
				  "/usr/local/bin/admin_logs", "Cmd");
	json_t *c = made_from(&a, image), *hc = json_object_get(c, "HostConfig");
	json_t *cfg = json_object_get(c, "Config");
	char why[256];

	(void)state;
	assert_null(dctl_admin_differs(c, image, &a, why, sizeof(why)));
	/* each setting servicio relies on, changed in turn */
	json_object_set_new(c, "Image", json_string("sha256:old"));
	assert_non_null(dctl_admin_differs(c, image, &a, why, sizeof(why)));
	assert_non_null(strstr(why, "older build"));
	json_object_set_new(c, "Image", json_string("sha256:aaa"));
	json_object_set_new(cfg, "User", json_string("10001:10001"));
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "user"));
	json_object_set_new(cfg, "User", json_string("998:997"));
	json_object_set_new(cfg, "Cmd", json_pack("[s]", "--listen=0.0.0.0"));
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "command"));
	json_object_set_new(cfg, "Cmd", json_null());
	json_object_set_new(hc, "NetworkMode", json_string("bridge"));
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "network"));
	json_object_set_new(hc, "NetworkMode", json_string("host"));
	json_array_remove(json_object_get(hc, "Binds"), 1);
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "mounts"));
	json_decref(c);
	c = made_from(&a, image);
	json_array_remove(json_object_get(json_object_get(c, "Config"), "Env"), 2);
	assert_non_null(
		strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "ADMIN_LOGS_UNIX"));
	json_decref(c);
	c = made_from(&a, image);
	json_object_set_new(json_object_get(c, "HostConfig"), "CapDrop", json_array());
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "hardening"));
	json_decref(c);
	c = made_from(&a, image);
	json_object_set_new(json_object_get(c, "Config"), "Image", json_string("evil/admin_logs"));
	assert_non_null(strstr(dctl_admin_differs(c, image, &a, why, sizeof(why)), "evil"));
	json_decref(c);
	json_decref(image);
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
		cmocka_unit_test(test_admin_differs),
		cmocka_unit_test(test_bad_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
