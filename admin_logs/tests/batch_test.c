/*
 * batch_test.c — unit tests for batch.c: valid batches of both record types
 * and the bare-array form, and each kind of bad input rejected with the
 * status and the path of the field at fault. Every test runs twice: with
 * jansson's own allocations, then with the parse in a jarena.h arena (as
 * the server does), where test_arena adds a body that spans many chunks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "jarena.h"

#define SAMPLE                                                                              \
	"{\"type\":\"sample\",\"ts_ns\":10,\"cycle\":1,\"source\":\"module\","              \
	"\"memory\":{\"total_kb\":100,\"used_kb\":50,\"available_kb\":50},\"cpu_pct\":5.5," \
	"\"containers\":[{\"id\":\"a\",\"name\":\"n\",\"class\":\"high\",\"label_class\":"  \
	"\"high-cpu\",\"cpu_pct\":150.0,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5,\"procs\":1}]}"
#define DECISION                                                                                \
	"{\"type\":\"decision\",\"ts_ns\":11,\"cycle\":1,\"container\":{\"id\":\"a\",\"name\":" \
	"\"n\"},\"class\":\"low\",\"action\":\"removed\",\"reason\":\"r\",\"rank\":2,"          \
	"\"metrics\":{\"cpu_pct\":1,\"rss_kb\":1,\"mem_kb\":2,\"mem_pct\":0.5},\"x\":1}"

static enum batch_status parse(const char *s, struct batch *b, char *err)
{
	return batch_parse(s, strlen(s), "auto-1", b, err, 256);
}

/* Expect status and an error starting with field (when not NULL). */
static void expect_bad(const char *body, enum batch_status st, const char *field)
{
	struct batch b;
	char err[256] = "";

	assert_int_equal(parse(body, &b, err), st);
	assert_null(b.root);
	if (field) {
		if (strncmp(err, field, strlen(field)) != 0 || err[strlen(field)] != ':')
			fail_msg("error '%s' does not name '%s'", err, field);
	}
}

/* Expect record i's stored text to be exactly want: its bytes in the body. */
static void expect_text(const struct batch *b, size_t i, const char *want)
{
	assert_int_equal(b->spans[i].len, strlen(want));
	assert_memory_equal(b->text + b->spans[i].off, want, strlen(want));
}

static void test_valid_batch(void **state)
{
	struct batch b;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("{\"batch_id\":\"c-1.2:3_x\",\"host\":\"h\",\"run\":\"s1f.42\","
			       "\"records\":[" SAMPLE "," DECISION "]}",
			       &b, err),
			 BATCH_OK);
	assert_string_equal(b.batch_id, "c-1.2:3_x");
	assert_string_equal(b.host, "h");
	assert_string_equal(b.run, "s1f.42");
	assert_false(b.generated_id);
	assert_int_equal(json_array_size(b.records), 2);
	/* each record's text is its bytes in the body, extra fields kept */
	expect_text(&b, 0, SAMPLE);
	expect_text(&b, 1, DECISION);
	batch_free(&b);
	assert_null(b.root);
}

static void test_bare_array(void **state)
{
	struct batch b;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse("[" DECISION "]", &b, err), BATCH_OK);
	assert_true(b.generated_id);
	assert_string_equal(b.batch_id, "auto-1");
	assert_string_equal(b.host, "");
	assert_string_equal(b.run, "");
	batch_free(&b);
}

/* Expect record i's stored text to parse back to an equal JSON value. */
static void expect_text_is_record(const struct batch *b, size_t i)
{
	json_t *back = json_loadb(b->text + b->spans[i].off, b->spans[i].len, 0, NULL);

	assert_non_null(back);
	assert_true(json_equal(back, json_array_get(b->records, i)));
	json_decref(back);
}

/*
 * Record texts when the body is not plain: whitespace and strings holding
 * brackets and quotes around the records, another "records" key nested
 * before the real one; and when the key is written with an escape (the
 * records are then serialised again, and still parse back to themselves).
 */
static void test_record_text(void **state)
{
	static const char odd[] =
		"{ \"host\" : \"h]}\\\"[{\" , \"x\": {\"records\": [1, 2, 3]},\n"
		"  \"batch_id\":\"b1\", \"records\" :\n [ " DECISION " ,\n\t" SAMPLE " ] }  ";
	static const char escaped[] =
		"{\"batch_id\":\"b2\",\"rec\\u006frds\":[" DECISION "," SAMPLE "]}";
	struct batch b;
	char err[256] = "";

	(void)state;
	assert_int_equal(parse(odd, &b, err), BATCH_OK);
	assert_string_equal(b.host, "h]}\"[{");
	assert_int_equal(json_array_size(b.records), 2);
	expect_text(&b, 0, DECISION);
	expect_text(&b, 1, SAMPLE);
	batch_free(&b);

	assert_int_equal(parse(escaped, &b, err), BATCH_OK);
	assert_string_equal(b.batch_id, "b2");
	expect_text_is_record(&b, 0);
	expect_text_is_record(&b, 1);
	assert_int_equal(b.spans[0].off, 0); /* serialised, compact, one after another */
	assert_int_equal(b.spans[1].off, b.spans[0].len);
	assert_null(memchr(b.text, ' ', b.spans[1].off + b.spans[1].len));
	batch_free(&b);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad("{\"batch_id\":", BATCH_MALFORMED, NULL);
	expect_bad("", BATCH_MALFORMED, NULL);
	expect_bad("{\"a\":1,\"a\":2}", BATCH_MALFORMED, NULL);
	expect_bad("[1] x", BATCH_MALFORMED, NULL);
	expect_bad("\"\xff\"", BATCH_MALFORMED, NULL);
}

static void test_batch_fields(void **state)
{
	char id65[512];

	(void)state;
	expect_bad("42", BATCH_INVALID, "body");
	expect_bad("{\"records\":[" DECISION "]}", BATCH_INVALID, "batch_id");
	expect_bad("{\"batch_id\":7,\"records\":[" DECISION "]}", BATCH_INVALID, "batch_id");
	expect_bad("{\"batch_id\":\"\",\"records\":[" DECISION "]}", BATCH_INVALID, "batch_id");
	expect_bad("{\"batch_id\":\"a/b\",\"records\":[" DECISION "]}", BATCH_INVALID, "batch_id");
	snprintf(id65, sizeof(id65), "{\"batch_id\":\"%065d\",\"records\":[" DECISION "]}", 0);
	expect_bad(id65, BATCH_INVALID, "batch_id");
	expect_bad("{\"batch_id\":\"a\",\"host\":1,\"records\":[" DECISION "]}", BATCH_INVALID,
		   "host");
	expect_bad("{\"batch_id\":\"a\",\"run\":\"\",\"records\":[" DECISION "]}", BATCH_INVALID,
		   "run");
	expect_bad("{\"batch_id\":\"a\",\"run\":\"a b\",\"records\":[" DECISION "]}", BATCH_INVALID,
		   "run");
	expect_bad("{\"batch_id\":\"a\",\"run\":3,\"records\":[" DECISION "]}", BATCH_INVALID,
		   "run");
	expect_bad("{\"batch_id\":\"a\"}", BATCH_INVALID, "records");
	expect_bad("{\"batch_id\":\"a\",\"records\":{}}", BATCH_INVALID, "records");
	expect_bad("{\"batch_id\":\"a\",\"records\":[]}", BATCH_INVALID, "records");
	expect_bad("[]", BATCH_INVALID, "records");
	expect_bad("[1]", BATCH_INVALID, "records[0]");
}

/* Take a valid record, replace `from` by `to`, expect `field` rejected. */
static void mutate(const char *rec, const char *from, const char *to, const char *field)
{
	char body[2048], *p;
	const char *at = strstr(rec, from);

	assert_non_null(at);
	p = body + sprintf(body, "[%.*s%s", (int)(at - rec), rec, to);
	sprintf(p, "%s]", at + strlen(from));
	expect_bad(body, BATCH_INVALID, field);
}

/* mem_limit_pct, the new name, is accepted where mem_pct was */
static void test_mem_limit_pct(void **state)
{
	char body[2048], *p;
	const char *at = strstr(SAMPLE, "\"mem_pct\"");
	struct batch b;
	char err[256] = "";

	(void)state;
	p = body + sprintf(body, "[%.*s\"mem_limit_pct\"", (int)(at - SAMPLE), SAMPLE);
	sprintf(p, "%s]", at + strlen("\"mem_pct\""));
	assert_int_equal(parse(body, &b, err), BATCH_OK);
	batch_free(&b);
}

static void test_record_fields(void **state)
{
	(void)state;
	mutate(SAMPLE, "\"type\":\"sample\",", "", "records[0].type");
	mutate(SAMPLE, "\"sample\"", "\"other\"", "records[0].type");
	mutate(SAMPLE, "\"ts_ns\":10", "\"ts_ns\":\"10\"", "records[0].ts_ns");
	mutate(SAMPLE, "\"ts_ns\":10", "\"ts_ns\":0", "records[0].ts_ns");
	mutate(SAMPLE, "\"cycle\":1", "\"cycle\":1.5", "records[0].cycle");
	mutate(SAMPLE, "\"module\"", "\"kernel\"", "records[0].source");
	mutate(SAMPLE, "\"used_kb\":50", "\"used_kb\":-1", "records[0].memory.used_kb");
	mutate(SAMPLE, "\"cpu_pct\":5.5", "\"cpu_pct\":100.5", "records[0].cpu_pct");
	mutate(SAMPLE, "\"memory\"", "\"mem\"", "records[0].memory");
	mutate(SAMPLE, "\"class\":\"high\"", "\"class\":\"mid\"", "records[0].containers[0].class");
	mutate(SAMPLE, "\"procs\":1", "\"procs\":null", "records[0].containers[0].procs");
	mutate(SAMPLE, "\"mem_pct\":0.5", "\"mem_pct\":101", "records[0].containers[0].mem_pct");
	/* the field's name since servicio says what it means: % of the limit */
	mutate(SAMPLE, "\"mem_pct\":0.5", "\"mem_limit_pct\":101",
	       "records[0].containers[0].mem_limit_pct");
	mutate(SAMPLE, "\"mem_pct\":0.5", "\"mem_limit_pct\":\"x\"",
	       "records[0].containers[0].mem_limit_pct");
	mutate(SAMPLE, ",\"mem_pct\":0.5", "", "records[0].containers[0].mem_limit_pct");
	mutate(DECISION, ",\"mem_pct\":0.5", "", "records[0].metrics.mem_limit_pct");
	mutate(DECISION, "\"mem_pct\":0.5", "\"mem_limit_pct\":-1",
	       "records[0].metrics.mem_limit_pct");
	mutate(SAMPLE, "\"containers\":[", "\"containers\":[3,", "records[0].containers[0]");
	mutate(DECISION, "\"container\"", "\"ctr\"", "records[0].container");
	mutate(DECISION, "\"name\":\"n\"", "\"name\":5", "records[0].container.name");
	mutate(DECISION, "\"class\":\"low\"", "\"class\":\"unknown\"", "records[0].class");
	mutate(DECISION, "\"removed\"", "\"deleted\"", "records[0].action");
	mutate(DECISION, "\"reason\":\"r\",", "", "records[0].reason");
	mutate(DECISION, "\"rank\":2", "\"rank\":true", "records[0].rank");
	mutate(DECISION, "\"rss_kb\":1", "\"rss_kb\":1.5", "records[0].metrics.rss_kb");
}

/*
 * The container's counters (servicio's cgroup and network figures): each
 * optional, so an old servicio's sample passes (SAMPLE has none); every one
 * of them there passes; each one hostile (negative, past its bound, a
 * string, a fraction where a count is due, null, NaN-like huge) is refused
 * naming it.
 */
#define IO_FIELDS                                                                        \
	"\"cpu_seconds\":12.5,\"cfs_periods\":400,\"cfs_throttled_periods\":7,"          \
	"\"cfs_throttled_seconds\":0.35,\"processes\":2,\"threads\":9,\"oom_events\":1," \
	"\"blk_read_bytes\":33554432,\"blk_write_bytes\":33554432,\"blk_reads\":128,"    \
	"\"blk_writes\":130,\"net_rx_bytes\":25600000,\"net_rx_packets\":17000,"         \
	"\"net_tx_bytes\":900000,\"net_tx_packets\":15000,"

static void test_io_fields(void **state)
{
	static const char *const keys[] = {
		"cpu_seconds",
		"cfs_periods",
		"cfs_throttled_periods",
		"cfs_throttled_seconds",
		"processes",
		"threads",
		"oom_events",
		"blk_read_bytes",
		"blk_write_bytes",
		"blk_reads",
		"blk_writes",
		"net_rx_bytes",
		"net_rx_packets",
		"net_tx_bytes",
		"net_tx_packets",
	};
	static const char *const hostile[] = { "-1",	"\"5\"", "null",
					       "1e300", "-0.5",	 "9223372036854775807",
					       "[1]",	"{}",	 "true" };
	char body[4096], want[96];
	const char *at = strstr(SAMPLE, "\"procs\"");
	struct batch b;
	char err[256] = "";

	(void)state;
	assert_int_equal(BATCH_IO_NFIELDS, sizeof(keys) / sizeof(keys[0]));
	snprintf(body, sizeof(body), "[%.*s" IO_FIELDS "%s]", (int)(at - SAMPLE), SAMPLE, at);
	assert_int_equal(parse(body, &b, err), BATCH_OK);
	batch_free(&b);
	for (size_t k = 0; k < BATCH_IO_NFIELDS; k++) {
		assert_string_equal(batch_io_fields[k].key, keys[k]);
		for (size_t h = 0; h < sizeof(hostile) / sizeof(hostile[0]); h++) {
			char one[96];

			snprintf(one, sizeof(one), "\"%s\":%s,", keys[k], hostile[h]);
			snprintf(body, sizeof(body), "[%.*s%s%s]", (int)(at - SAMPLE), SAMPLE, one,
				 at);
			snprintf(want, sizeof(want), "records[0].containers[0].%s", keys[k]);
			expect_bad(body, BATCH_INVALID, want);
		}
	}
	/* a count given as a fraction */
	snprintf(body, sizeof(body), "[%.*s\"threads\":2.5,%s]", (int)(at - SAMPLE), SAMPLE, at);
	expect_bad(body, BATCH_INVALID, "records[0].containers[0].threads");
	/* more threads than a kernel allows, more bytes than 2^53 */
	snprintf(body, sizeof(body), "[%.*s\"threads\":4194305,%s]", (int)(at - SAMPLE), SAMPLE,
		 at);
	expect_bad(body, BATCH_INVALID, "records[0].containers[0].threads");
	snprintf(body, sizeof(body), "[%.*s\"net_rx_bytes\":9007199254740993,%s]",
		 (int)(at - SAMPLE), SAMPLE, at);
	expect_bad(body, BATCH_INVALID, "records[0].containers[0].net_rx_bytes");
	/* the bounds themselves pass */
	snprintf(body, sizeof(body),
		 "[%.*s\"threads\":4194304,\"net_rx_bytes\":9007199254740992,"
		 "\"cpu_seconds\":0,%s]",
		 (int)(at - SAMPLE), SAMPLE, at);
	assert_int_equal(parse(body, &b, err), BATCH_OK);
	batch_free(&b);
}

/* Every source servicio names (its metrics table: module, bpf, procfs) is accepted. */
static void test_sources(void **state)
{
	static const char *const names[] = { "module", "bpf", "procfs" };
	char body[2048];
	struct batch b;
	char err[256];
	const char *at = strstr(SAMPLE, "\"module\"");

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(body, sizeof(body), "[%.*s\"%s\"%s]", (int)(at - SAMPLE), SAMPLE, names[i],
			 at + strlen("\"module\""));
		err[0] = '\0';
		if (parse(body, &b, err) != BATCH_OK)
			fail_msg("source %s refused: %s", names[i], err);
		batch_free(&b);
	}
}

static void test_second_record_bad(void **state)
{
	(void)state;
	expect_bad("{\"batch_id\":\"a\",\"records\":[" DECISION ",{\"type\":\"decision\"}]}",
		   BATCH_INVALID, "records[1].ts_ns");
}

static void test_id_valid(void **state)
{
	(void)state;
	assert_true(batch_id_valid("a"));
	assert_true(batch_id_valid("host-1:2026.11.28_0001"));
	assert_false(batch_id_valid(""));
	assert_false(batch_id_valid("a b"));
	assert_false(batch_id_valid("é"));
	assert_false(
		batch_id_valid("0123456789012345678901234567890123456789012345678901234567890123"
			       "4"));
	assert_true(
		batch_id_valid("0123456789012345678901234567890123456789012345678901234567890123"));
}

/*
 * With the arena installed: a body of 2,000 records and a 100 KB string
 * (chunks of their own and many shared ones) parses into the arena, reads
 * back whole, and goes with it (ASan: no leak, no use after the release);
 * a malformed one releases its half-built tree; what jansson allocates
 * outside a parse (json_dumps) is still malloc's, freed with free().
 */
static void test_arena(void **state)
{
	enum { N = 2000, LONG = 100000 };
	size_t cap = (size_t)N * (sizeof(DECISION) + 1) + LONG + 256, n = 0;
	char *body = malloc(cap), *text, err[256] = "";
	struct batch b;

	(void)state;
	assert_non_null(body);
	n += (size_t)snprintf(body + n, cap - n, "{\"batch_id\":\"big\",\"host\":\"");
	memset(body + n, 'h', 200);
	n += 200;
	n += (size_t)snprintf(body + n, cap - n, "\",\"x\":\"");
	memset(body + n, 'y', LONG);
	n += LONG;
	n += (size_t)snprintf(body + n, cap - n, "\",\"records\":[");
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(body + n, cap - n, "%s%s", i ? "," : "", DECISION);
	n += (size_t)snprintf(body + n, cap - n, "]}");
	assert_int_equal(batch_parse(body, n, "auto-1", &b, err, sizeof(err)), BATCH_OK);
	assert_true(jarena_owns(&b.arena));
	assert_int_equal(json_array_size(b.records), N);
	assert_int_equal(strlen(b.host), 200);
	assert_int_equal(json_string_length(json_object_get(b.root, "x")), LONG);
	expect_text(&b, N - 1, DECISION);
	text = json_dumps(json_array_get(b.records, N - 1), JSON_COMPACT);
	assert_non_null(text);
	free(text);
	batch_free(&b);
	assert_false(jarena_owns(&b.arena));
	body[n - 5] = '\0'; /* cut inside the last record */
	assert_int_equal(batch_parse(body, n - 5, "auto-1", &b, err, sizeof(err)), BATCH_MALFORMED);
	assert_false(jarena_owns(&b.arena));
	free(body);
}

int main(void)
{
	const struct CMUnitTest arena[] = { cmocka_unit_test(test_arena) };
	int failed;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_batch),	  cmocka_unit_test(test_record_text),
		cmocka_unit_test(test_bare_array),	  cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_batch_fields),	  cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_mem_limit_pct),	  cmocka_unit_test(test_sources),
		cmocka_unit_test(test_second_record_bad), cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_io_fields),
	};
	failed = cmocka_run_group_tests_name("jansson's allocations", tests, NULL, NULL);
	jarena_install();
	failed += cmocka_run_group_tests_name("arena", tests, NULL, NULL);
	return failed + cmocka_run_group_tests_name("arena, large", arena, NULL, NULL);
}
