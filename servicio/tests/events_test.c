/*
 * events_test.c — unit tests for events.c's pure parts: one line of
 * Docker's event stream (start, die, other actions, the pre-1.22 "status"
 * form, junk) and the GET /events query with and without a scope.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../events.h"

static int parse(const char *s, struct events_event *ev)
{
	return events_parse_buf(s, strlen(s), ev);
}

static void test_parse(void **state)
{
	struct events_event ev;

	(void)state;
	assert_int_equal(parse("{\"status\":\"start\",\"id\":\"abc\",\"from\":\"gestor/low\","
			       "\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":"
			       "\"abc\",\"Attributes\":{\"gestor.managed\":\"true\",\"name\":"
			       "\"gestor-low-1\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":1}",
			       &ev),
			 0);
	assert_int_equal(ev.kind, EVENTS_START);
	assert_string_equal(ev.id, "abc");
	assert_string_equal(ev.name, "gestor-low-1");
	assert_int_equal(
		parse("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"d\"}}", &ev),
		0);
	assert_int_equal(ev.kind, EVENTS_DIE);
	assert_string_equal(ev.name, "");
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"exec_start: "
			       "sh\",\"Actor\":{\"ID\":\"d\"}}",
			       &ev),
			 0);
	assert_int_equal(ev.kind, EVENTS_OTHER);
	assert_int_equal(
		parse("{\"Type\":\"network\",\"Action\":\"start\",\"Actor\":{\"ID\":\"n\"}}", &ev),
		0);
	assert_int_equal(ev.kind, EVENTS_OTHER);
	/* before API 1.22: status and id only */
	assert_int_equal(parse("{\"Type\":\"container\",\"status\":\"start\",\"id\":\"old\"}", &ev),
			 0);
	assert_int_equal(ev.kind, EVENTS_START);
	assert_string_equal(ev.id, "old");
	assert_int_equal(parse("", &ev), -EINVAL);
	assert_int_equal(parse("{\"message\":\"bad filter\"}", &ev), -EINVAL);
	assert_int_equal(parse("[1,2]", &ev), -EINVAL);
	assert_int_equal(parse("{\"Type\":\"container\",\"Action\":\"start\"", &ev), -EINVAL);
	/* only len bytes are read */
	const char two[] = "{\"Type\":\"container\",\"Action\":\"die\",\"id\":\"x\"}{junk";
	assert_int_equal(events_parse_buf(two, strlen(two) - 5, &ev), 0);
	assert_int_equal(ev.kind, EVENTS_DIE);
}

static void test_path(void **state)
{
	struct events_cfg c = { "/var/run/docker.sock", "1.41", "", 1000 };
	char p[1024];

	(void)state;
	assert_true(events_path(&c, p, sizeof(p)));
	/* {"type":["container"],"event":["start","die"],"label":["gestor.managed=true"]} */
	assert_non_null(strstr(p, "/v1.41/events?filters="));
	assert_non_null(strstr(p, "%22type%22%3A%5B%22container%22%5D"));
	assert_non_null(strstr(p, "%22start%22%2C%22die%22"));
	assert_non_null(strstr(p, "%22gestor.managed%3Dtrue%22%5D"));
	c.scope = "gestor.test=x y";
	assert_true(events_path(&c, p, sizeof(p)));
	assert_non_null(strstr(p, "%22gestor.managed%3Dtrue%22%2C%22gestor.test%3Dx%20y%22%5D"));
	assert_false(events_path(&c, p, 40)); /* cut: refused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
