/*
 * graphs_text_test.c — unit tests for graphs_text.c: the display form of
 * hostile strings (controls, bidi marks, bytes that are not UTF-8, long
 * ones) and how each sink writes it (gnuplot single quotes, CSV cells with
 * the OWASP formula rule, HTML entities).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../graphs_text.h"

static char out[4096];

/* What fn wrote for s. */
static const char *sink(void (*fn)(FILE *, const char *), const char *s)
{
	FILE *f;

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	fn(f, s);
	fclose(f);
	return out;
}

static void test_display(void **state)
{
	char d[GTEXT_MAX];

	(void)state;
	assert_string_equal(gtext_display("web-1", d, sizeof(d)), "web-1");
	assert_string_equal(gtext_display(NULL, d, sizeof(d)), "");
	/* code stays as text: nothing to remove there */
	assert_string_equal(gtext_display("a`id`$(x)\"'\\@{}", d, sizeof(d)), "a`id`$(x)\"'\\@{}");
	assert_string_equal(gtext_display("a\nset output\r\t\x01\x7f", d, sizeof(d)),
			    "a\\nset output\\r\\t\\x01\\x7f");
	/* RLO, LRM, C1 NEL escaped; other scripts kept */
	/* NOLINTNEXTLINE(misc-misleading-bidirectional): an unclosed RLO is the input */
	assert_string_equal(gtext_display("x\xe2\x80\xae"
					  "y\xe2\x80\x8e\xc2\x85",
					  d, sizeof(d)),
			    "x\\u202ey\\u200e\\u0085");
	assert_string_equal(gtext_display("ñandú-日本", d, sizeof(d)), "ñandú-日本");
	/* noncharacters (not allowed in XML) escaped, BOM and ZWSP kept */
	assert_string_equal(
		gtext_display("\xef\xbf\xbf\xef\xb7\x90\xef\xbb\xbf\xe2\x80\x8b", d, sizeof(d)),
		"\\uffff\\ufdd0\xef\xbb\xbf\xe2\x80\x8b");
	/* not UTF-8: lone continuation, overlong, surrogate, cut sequence */
	assert_string_equal(gtext_display("a\x80"
					  "b\xc0\xaf"
					  "c\xed\xa0\x80"
					  "d\xe2\x82",
					  d, sizeof(d)),
			    "a\xef\xbf\xbd"
			    "b\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd"
			    "\xef\xbf\xbd"
			    "d\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_display_long(void **state)
{
	char in[257], d[GTEXT_MAX], small[16];

	(void)state;
	memset(in, 1, 256);
	in[256] = '\0';
	gtext_display(in, d, sizeof(d)); /* the worst case fits whole */
	assert_int_equal(strlen(d), 256 * 4);
	memset(in, 'x', 256);
	assert_int_equal(strlen(gtext_display(in, d, sizeof(d))), 256);
	/* too long for the room: cut at a character, "..." at the end */
	assert_string_equal(gtext_display("日本日本日本", small, sizeof(small)), "日本日本...");
	assert_string_equal(gtext_display("\n\n\n\n", small, sizeof(small)), "\\n\\n\\n\\n");
	assert_string_equal(gtext_display("\n\n\n\n\n\n\n\n", small, sizeof(small)),
			    "\\n\\n\\n\\n\\n\\n...");
}

static void test_label(void **state)
{
	char l[64];

	(void)state;
	assert_string_equal(gtext_label("web-1", l, sizeof(l), 8), "web-1");
	assert_string_equal(gtext_label("abcdefgh", l, sizeof(l), 8), "abcdefgh");
	assert_string_equal(gtext_label("abcdefghi", l, sizeof(l), 8), "abcdefgh\xe2\x80\xa6");
	assert_string_equal(gtext_label("日本日本日本", l, sizeof(l), 4), "日本日本\xe2\x80\xa6");
	assert_string_equal(gtext_label("日本日本日本", l, 10, 40), "日本\xe2\x80\xa6");
}

static void test_gp(void **state)
{
	(void)state;
	assert_string_equal(sink(gtext_gp, "web"), "'web'");
	assert_string_equal(sink(gtext_gp, "`x` \"y\" \\n @m $(z)"), "'`x` \"y\" \\n @m $(z)'");
	assert_string_equal(sink(gtext_gp, "it's"), "('it'.\"'\".'s')");
	assert_string_equal(sink(gtext_gp, "'; system(\"x\"); '"),
			    "(''.\"'\".'; system(\"x\"); '.\"'\".'')");
	assert_string_equal(sink(gtext_gp, "''"), "(''.\"'\".''.\"'\".'')");
}

static void test_csv(void **state)
{
	(void)state;
	assert_string_equal(sink(gtext_csv, "web-1"), "web-1");
	assert_string_equal(sink(gtext_csv, "a,b"), "\"a,b\"");
	assert_string_equal(sink(gtext_csv, "say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(sink(gtext_csv, "=1+2"), "\"'=1+2\"");
	assert_string_equal(sink(gtext_csv, "+x"), "\"'+x\"");
	assert_string_equal(sink(gtext_csv, "-x"), "\"'-x\"");
	assert_string_equal(sink(gtext_csv, "@SUM(A1)"), "\"'@SUM(A1)\"");
	assert_string_equal(sink(gtext_csv, "\tx"), "\"'\tx\"");
	assert_string_equal(sink(gtext_csv, "=\"x\",1"), "\"'=\"\"x\"\",1\"");
	assert_string_equal(sink(gtext_csv, "a=b"), "a=b");
	assert_string_equal(sink(gtext_csv, ""), "");
}

static void test_html(void **state)
{
	(void)state;
	assert_string_equal(sink(gtext_html, "<script>alert('x')&\"</script>"),
			    "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;");
	assert_string_equal(sink(gtext_html, "plain"), "plain");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display), cmocka_unit_test(test_display_long),
		cmocka_unit_test(test_gp),	cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),	cmocka_unit_test(test_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
