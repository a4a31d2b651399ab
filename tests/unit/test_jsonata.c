/*
 * test_jsonata.c - Check tests for runtime/jsonata.c: a few hand-written API
 * tests, then the official JSONata test suite (tests/jsonata, a copy of
 * jsonata-js's test/test-suite).
 *
 * The suite directory is argv[1], else $JSONATA_SUITE_DIR, else the
 * JSONATA_SUITE_DIR the build defines.  Cases that jsonata 2.0.6 itself fails
 * (jsonata-2.0.6-failures.json, plus the two formatNumber files it loops on)
 * and $eval cases (not available in Step Functions) are skipped.
 *
 * The gate is tests/jsonata/known-failures.txt: one line per in-scope case we
 * fail, "group/file[index] reason".  A case that fails without being listed,
 * or passes while listed, fails the test until the list is updated, so a new
 * failure cannot hide behind a fix.  JSONATA_VERBOSE=1 prints every failing
 * case.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonata.h"

#ifndef JSONATA_SUITE_DIR
#define JSONATA_SUITE_DIR "tests/jsonata"
#endif

static const char *suite_dir = JSONATA_SUITE_DIR;

/* --------------------------------------------------------------- helpers */

static struct json_object *jparse(const char *text)
{
	struct json_object *v = NULL;
	char why[256];
	if (aslrt_json_parse(text, strlen(text), &v, why, sizeof why) != 0)
		ck_abort_msg("bad JSON in test: %s (%s)", text, why);
	return v;
}

/* Evaluate expr against input JSON text (NULL = undefined) and bindings. */
static int run(const char *expr, const char *input, const char *bindings, char **result, char *code)
{
	char why[512];
	*result = NULL;
	code[0] = 0;
	aslrt_jsonata *e = aslrt_jsonata_parse(expr, why, sizeof why);
	if (!e) {
		snprintf(code, 8, "%.5s", why);
		return -1;
	}
	struct json_object *in = input ? jparse(input) : NULL;
	struct json_object *b = bindings ? jparse(bindings) : NULL;
	struct json_object *out = NULL;
	bool undef = false;
	aslrt_error err = {0};
	aslrt_jsonata_limits lim = {0};
	lim.input_undefined = input == NULL;
	int rc = aslrt_jsonata_eval_ex(e, in, b, &lim, &out, &undef, &err);
	if (rc == 0 && !undef)
		*result = aslrt_json_dump(out);
	if (rc != 0)
		snprintf(code, 8, "%s", err.name ? err.name : "");
	json_object_put(out);
	json_object_put(in);
	json_object_put(b);
	aslrt_error_clear(&err);
	aslrt_jsonata_free(e);
	return rc != 0 ? -1 : undef ? 1 : 0;
}

static void expect(const char *expr, const char *input, const char *bindings, const char *want)
{
	char *got;
	char code[8];
	int rc = run(expr, input, bindings, &got, code);
	ck_assert_msg(rc == 0, "%s: rc %d code %s", expr, rc, code);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", expr, got, want);
	free(got);
}

static void expect_code(const char *expr, const char *input, const char *want_code)
{
	char *got;
	char code[8];
	int rc = run(expr, input, NULL, &got, code);
	ck_assert_msg(rc == -1, "%s: expected error %s, got %s", expr, want_code,
		      got ? got : "undefined");
	ck_assert_msg(strcmp(code, want_code) == 0, "%s: code %s, want %s", expr, code, want_code);
	free(got);
}

/* ------------------------------------------------------------ API tests */

START_TEST(test_parse_errors)
{
	char why[256];
	ck_assert_ptr_null(aslrt_jsonata_parse("(1 + ", why, sizeof why));
	ck_assert_msg(strncmp(why, "S0", 2) == 0, "%s", why);
	ck_assert_ptr_null(aslrt_jsonata_parse("foo]", why, sizeof why));
	ck_assert_msg(strncmp(why, "S0201", 5) == 0, "%s", why);
	ck_assert_ptr_null(aslrt_jsonata_parse("\"abc", why, sizeof why));
	ck_assert_msg(strncmp(why, "S0101", 5) == 0, "%s", why);
	/* ?? and ?: are 2.1 syntax, rejected as in 2.0.6 */
	ck_assert_ptr_null(aslrt_jsonata_parse("a ?? 1", why, sizeof why));
	ck_assert_msg(strncmp(why, "S0211", 5) == 0, "%s", why);
	ck_assert_ptr_null(aslrt_jsonata_parse("a ?: 1", why, sizeof why));
	ck_assert_msg(strncmp(why, "S0211", 5) == 0, "%s", why);
}
END_TEST

START_TEST(test_basics)
{
	expect("1 + 2 * 3", NULL, NULL, "7");
	expect("a.b", "{\"a\":{\"b\":[1,2]}}", NULL, "[1,2]");
	expect("$sum(a.b)", "{\"a\":[{\"b\":1},{\"b\":2}]}", NULL, "3");
	expect("\"x\" & 1.5 & true", NULL, NULL, "\"x1.5true\"");
	expect("$string(1/3)", NULL, NULL, "\"0.333333333333333\"");
	expect("$round(2.5) & $round(3.5)", NULL, NULL, "\"24\"");
	expect("[1..3].($ * 2)", NULL, NULL, "[2,4,6]");
	expect("{'a': 1}.a", NULL, NULL, "1");
	expect("($f := function($x){$x * $x}; $map([1,2], $f))", NULL, NULL, "[1,4]");
}
END_TEST

START_TEST(test_undefined_and_errors)
{
	char *got;
	char code[8];
	ck_assert_int_eq(run("nothing", "{}", NULL, &got, code), 1);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(run("$doesNotExist", NULL, NULL, &got, code), 1);
	expect_code("1 + 'a'", NULL, "T2002");
	expect_code("$number('x')", NULL, "D3030");
	expect_code("$eval('1')", NULL, "T1006");
	expect_code("$error('boom')", NULL, "D3137");
	expect_code("$assert(false)", NULL, "D3141");
	/* An undefined argument after the first passes the signature check
	 * (as in jsonata-js); a function that needs it fails with T0410,
	 * never reads through NULL (stress findings). */
	static const char *const needs[] = {
	    "$substring('abc', $u)",	"$substringBefore('abc', $u)", "$substringAfter('abc', $u)",
	    "$pad('abc', $u)",		"$contains('abc', $u)",	       "$replace('abc', $u, 'x')",
	    "$replace('abc', 'b', $u)", "$split('abc', $u)",	       "$power(2, $u)",
	    "$lookup({}, $u)",		"$partition([0, 1], $u)",      "$formatNumber(1, $u)",
	    "$formatInteger(1, $u)",	"$parseInteger('12', $u)"};
	for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
		expect_code(needs[i], NULL, "T0410");
	/* a precision past the int range is clamped before the conversion */
	expect("$round(1.5, -1e300)", NULL, NULL, "0");
	expect("$round(1.25, 1)", NULL, NULL, "1.2");

	/* the message carries the code */
	aslrt_jsonata *e = aslrt_jsonata_parse("1 + 'a'", NULL, 0);
	ck_assert_ptr_nonnull(e);
	struct json_object *out = NULL;
	bool undef = false;
	aslrt_error err = {0};
	ck_assert_int_eq(aslrt_jsonata_eval(e, NULL, NULL, &out, &undef, &err), -1);
	ck_assert_str_eq(err.name, "T2002");
	ck_assert_msg(strncmp(err.cause, "T2002: ", 7) == 0, "%s", err.cause);
	aslrt_error_clear(&err);
	aslrt_jsonata_free(e);
}
END_TEST

START_TEST(test_bindings)
{
	expect("$states.input.x + $myVar", NULL, "{\"states\":{\"input\":{\"x\":2}},\"myVar\":40}",
	       "42");
	expect("$states.input.items[price > 5].name", NULL,
	       "{\"states\":{\"input\":{\"items\":[{\"name\":\"a\",\"price\":3},{\"name\":\"b\","
	       "\"price\":9}]}}}",
	       "\"b\"");
	/* assignment inside an expression does not leak out */
	expect("($v := 5; $v)", NULL, "{\"v\":1}", "5");
}
END_TEST

START_TEST(test_sfn_functions)
{
	expect("$partition([1,2,3,4,5], 2)", NULL, NULL, "[[1,2],[3,4],[5]]");
	expect("$range(0, 9, 3)", NULL, NULL, "[0,3,6,9]");
	expect("$range(1, 9, 9)", NULL, NULL, "1");
	expect("$range(0, 6, 2)", NULL, NULL, "[0,2,4,6]");
	expect("$hash('input', 'SHA-1')", NULL, NULL,
	       "\"140f86aae51ab9e1cda9b4254fe98a74eb54c1a1\"");
	expect("$hash('input', 'MD5')", NULL, NULL, "\"a43c1b0aa53a0c908810c06ab1ff3967\"");
	expect("$random(42)", NULL, NULL, "0.7275636800328681");
	expect("$parse('{\"a\":[1,\"x\"]}')", NULL, NULL, "{\"a\":[1,\"x\"]}");
	expect("$parse('-0')", NULL, NULL, "0");
	expect("$parse('\"HelloWorld\"')", NULL, NULL, "\"HelloWorld\"");
	expect("$length($uuid())", NULL, NULL, "36");
	expect("$substring($uuid(), 14, 1)", NULL, NULL, "\"4\"");
	expect("$random() < 1", NULL, NULL, "true");
}
END_TEST

START_TEST(test_pictures)
{
	expect("$formatInteger(123, '0000')", NULL, NULL, "\"0123\"");
	expect("$formatInteger(1234567, '#,##0')", NULL, NULL, "\"1,234,567\"");
	expect("$formatInteger(21, 'w;o')", NULL, NULL, "\"twenty-first\"");
	expect("$formatInteger(1999, 'I')", NULL, NULL, "\"MCMXCIX\"");
	expect("$formatInteger(28, 'A')", NULL, NULL, "\"AB\"");
	expect("$parseInteger('twelve thousand, four hundred and seventy-six', 'w')", NULL, NULL,
	       "12476");
	expect("$parseInteger('1,234', '#,##0')", NULL, NULL, "1234");
	expect("$fromMillis(1521801216617, '[Y0001]-[M01]-[D01] [H01]:[m01] [Z]', '+0530')", NULL,
	       NULL, "\"2018-03-23 16:03 +05:30\"");
	expect("$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y] [h]:[m01] [PN] [z]')", NULL,
	       NULL, "\"Friday, 23rd March 2018 10:33 AM GMT+00:00\"");
	/* ISO week date: 1 Jan 2005 is in week 53 of 2004 */
	expect("$fromMillis($toMillis('2005-01-01'), '[X]-W[W]-[F1]')", NULL, NULL,
	       "\"2004-W53-6\"");
	expect("$toMillis('23/03/2018 10:33 +01:00', '[D]/[M]/[Y] [H]:[m] [Z]')", NULL, NULL,
	       "1521797580000");
	char *got;
	char code[8];
	ck_assert_int_eq(run("$toMillis('nothing like it', '[Y]-[M]')", NULL, NULL, &got, code), 1);
	/* jsonata 2.0.6 loops forever on these (issue785.json); later versions agree */
	expect("$formatNumber(-42, '0e0')", NULL, NULL, "\"-4e1\"");
	expect("$formatNumber(42, '0e0')", NULL, NULL, "\"4e1\"");
	expect("$formatNumber(0, '0.00e0')", NULL, NULL, "\"0.00e0\"");
	expect_code("$formatInteger(1, '#')", NULL, "D3130");
	expect_code("$match('abc', function($s){ {'start': 'x'} })", NULL, "T1010");
	expect_code("$fromMillis(0, '[Y')", NULL, "D3135");
	expect_code("$fromMillis(0, '[Q]')", NULL, "D3132");
	expect_code("$fromMillis(0, '[Y]', 'Europe/Paris')", NULL, "D3137");
	/* out of Date's range without a picture: an error, not an int64
	 * overflow; widths that add up past 1 MiB: an error, not the memory */
	expect_code("$fromMillis(1e300)", NULL, "D3137");
	expect_code("$fromMillis(-9223372036854775808)", NULL, "D3137");
	expect("$fromMillis(-8.64e15)", NULL, NULL, "\"-271821-04-20T00:00:00.000Z\"");
	expect_code("$fromMillis(0, '[Y,999999][Y,999999]')", NULL, "D3137");
	expect("$length($fromMillis(0, '[Y,99999]'))", NULL, NULL, "99999");
}
END_TEST

/* AWS's restriction: no input document, so no top-level references. */
static const char *top_ref(const char *expr)
{
	static char name[64];
	aslrt_jsonata *e = aslrt_jsonata_parse(expr, NULL, 0);
	ck_assert_msg(e != NULL, "%s does not parse", expr);
	bool has = aslrt_jsonata_top_level_ref(e, name, sizeof name);
	aslrt_jsonata_free(e);
	return has ? name : "";
}

START_TEST(test_top_level_refs)
{
	ck_assert_str_eq(top_ref("phone"), "phone");
	ck_assert_str_eq(top_ref("phone.number"), "phone");
	ck_assert_str_eq(top_ref("$"), "$");
	ck_assert_str_eq(top_ref("$$.a"), "$$");
	ck_assert_str_eq(top_ref("1 + $count(items)"), "items");
	ck_assert_str_eq(top_ref("{'k': *}"), "*");
	ck_assert_str_eq(top_ref("$x := a"), "a");
	ck_assert_str_eq(top_ref("$states.input.products[calories=0].name"), "");
	ck_assert_str_eq(top_ref("$states.input.a.($.b & $$.c)"), "");
	ck_assert_str_eq(top_ref("$map($states.input.a, function($x){ $x.b & c })"), "");
	ck_assert_str_eq(top_ref("$myVar.field & 'text'"), "");

	aslrt_jsonata *e = aslrt_jsonata_parse("$map([1], function($x){ $eval('1') })", NULL, 0);
	ck_assert(aslrt_jsonata_uses_variable(e, "eval"));
	ck_assert(!aslrt_jsonata_uses_variable(e, "parse"));
	aslrt_jsonata_free(e);
}
END_TEST

START_TEST(test_limits)
{
	/* deep non-tail recursion is an error, not a crash */
	expect_code("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))", NULL,
		    "U1001");
	/* tail recursion runs in constant stack */
	expect("($f := function($n, $a){ $n = 0 ? $a : $f($n - 1, $a + 1) }; $f(20000, 0))", NULL,
	       NULL, "20000");
	aslrt_jsonata *e = aslrt_jsonata_parse("($inf := function(){$inf()}; $inf())", NULL, 0);
	ck_assert_ptr_nonnull(e);
	aslrt_jsonata_limits lim = {.time_limit_ms = 200};
	struct json_object *out = NULL;
	bool undef = false;
	aslrt_error err = {0};
	ck_assert_int_eq(aslrt_jsonata_eval_ex(e, NULL, NULL, &lim, &out, &undef, &err), -1);
	ck_assert_str_eq(err.name, "U1001");
	aslrt_error_clear(&err);
	aslrt_jsonata_free(e);

	/* 60,000 parent operators: their slots are moved up, not copied at each
	 * level (found by fuzzing: quadratic, 170 MB for 8,000) */
	size_t n = 60000;
	char *chain = malloc(n + 2), why[256];
	chain[0] = '1';
	memset(chain + 1, '%', n);
	chain[n + 1] = 0;
	ck_assert_ptr_null(aslrt_jsonata_parse(chain, why, sizeof why));
	ck_assert_msg(strncmp(why, "S0217", 5) == 0, "%s", why);
	free(chain);
}
END_TEST

/* ---------------------------------------------------------- the suite */

/* One line of known-failures.txt. */
typedef struct {
	char *key; /* "group/file[index]" */
	bool seen;
} Listed;

/* Failures per group, for the report. */
typedef struct {
	char name[64];
	int failed, passed;
} GroupCount;

typedef struct {
	int passed, failed, skipped;
	int unexpected_fail, unexpected_pass;
	struct json_object *known; /* jsonata-2.0.6-failures.json */
	Listed *listed;
	size_t nlisted;
	GroupCount groups[160];
	size_t ngroups;
	bool verbose;
} Stats;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (!s) {
		fclose(f);
		return NULL;
	}
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = 0;
	fclose(f);
	return s;
}

static struct json_object *load_json(const char *path)
{
	char *text = read_file(path);
	if (!text)
		return NULL;
	struct json_object *v = NULL;
	char why[256];
	if (aslrt_json_parse(text, strlen(text), &v, why, sizeof why) != 0)
		v = NULL;
	free(text);
	return v;
}

static bool known_failure(Stats *st, const char *group, const char *file, size_t index)
{
	if (!strcmp(group, "function-formatNumber") &&
	    (!strcmp(file, "issue785.json") || !strcmp(file, "issue786.json")))
		return true;
	if (!strcmp(group, "function-eval"))
		return true;
	size_t n = st->known ? json_object_array_length(st->known) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(st->known, i), *g, *f, *x;
		if (json_object_object_get_ex(k, "group", &g) &&
		    json_object_object_get_ex(k, "file", &f) &&
		    json_object_object_get_ex(k, "index", &x) &&
		    !strcmp(json_object_get_string(g), group) &&
		    !strcmp(json_object_get_string(f), file) &&
		    (size_t)json_object_get_int(x) == index)
			return true;
	}
	return false;
}

static Listed *find_listed(Stats *st, const char *key)
{
	for (size_t i = 0; i < st->nlisted; i++)
		if (!strcmp(st->listed[i].key, key))
			return &st->listed[i];
	return NULL;
}

static GroupCount *group_count(Stats *st, const char *group)
{
	for (size_t i = 0; i < st->ngroups; i++)
		if (!strcmp(st->groups[i].name, group))
			return &st->groups[i];
	if (st->ngroups == sizeof st->groups / sizeof st->groups[0])
		ck_abort_msg("more than %zu suite groups", st->ngroups);
	GroupCount *g = &st->groups[st->ngroups++];
	snprintf(g->name, sizeof g->name, "%s", group);
	return g;
}

/* Load known-failures.txt: "group/file[index] reason" lines, # comments. */
static void load_listed(Stats *st, const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[1024];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		size_t k = strcspn(line, " \t\n");
		ck_assert_msg(k > 0 && line[k - 1] == ']', "%s: bad line: %s", path, line);
		ck_assert_msg(line[k] == ' ' || line[k] == '\t', "%s: no reason given: %s", path,
			      line);
		if (st->nlisted == cap) {
			cap = cap ? cap * 2 : 64;
			st->listed = realloc(st->listed, cap * sizeof *st->listed);
		}
		st->listed[st->nlisted].key = strndup(line, k);
		st->listed[st->nlisted++].seen = false;
	}
	fclose(f);
}

static void run_case(Stats *st, const char *gdir, const char *group, const char *file, size_t index,
		     struct json_object *cs)
{
	struct json_object *x;
	char path[2100];
	char *expr = NULL;
	if (known_failure(st, group, file, index)) {
		st->skipped++;
		return;
	}
	if (json_object_object_get_ex(cs, "expr", &x))
		expr = strdup(json_object_get_string(x));
	else if (json_object_object_get_ex(cs, "expr-file", &x)) {
		snprintf(path, sizeof path, "%s/%s", gdir, json_object_get_string(x));
		expr = read_file(path);
	}
	if (!expr) {
		st->skipped++;
		return;
	}
	if (strstr(expr, "$eval(")) {
		st->skipped++;
		free(expr);
		return;
	}
	struct json_object *input = NULL, *dataset_owned = NULL;
	bool input_undefined = true;
	if (json_object_object_get_ex(cs, "data", &x)) {
		input = x;
		input_undefined = false;
	} else if (json_object_object_get_ex(cs, "dataset", &x) && x) {
		snprintf(path, sizeof path, "%s/datasets/%s.json", suite_dir,
			 json_object_get_string(x));
		dataset_owned = load_json(path);
		input = dataset_owned;
		input_undefined = false;
	}
	struct json_object *bindings = NULL;
	json_object_object_get_ex(cs, "bindings", &bindings);
	aslrt_jsonata_limits lim = {0};
	lim.input_undefined = input_undefined;
	if (json_object_object_get_ex(cs, "depth", &x))
		lim.max_depth = json_object_get_int(x);
	if (json_object_object_get_ex(cs, "timelimit", &x))
		lim.time_limit_ms = json_object_get_int(x);

	const char *want_code = NULL;
	struct json_object *want = NULL;
	bool want_undef = false, have_result = false;
	if (json_object_object_get_ex(cs, "code", &x))
		want_code = json_object_get_string(x);
	else if (json_object_object_get_ex(cs, "error", &x)) {
		struct json_object *c;
		if (json_object_object_get_ex(x, "code", &c))
			want_code = json_object_get_string(c);
		else
			want_code = "";
	} else if (json_object_object_get_ex(cs, "undefinedResult", &x) &&
		   json_object_get_boolean(x))
		want_undef = true;
	else if (json_object_object_get_ex(cs, "result", &want))
		have_result = true;

	char why[512] = "";
	char got_code[16] = "";
	struct json_object *out = NULL;
	bool undef = false, ok = false;
	aslrt_error err = {0};
	aslrt_jsonata *e = aslrt_jsonata_parse(expr, why, sizeof why);
	int rc = -1;
	if (!e)
		snprintf(got_code, sizeof got_code, "%.*s", (int)strcspn(why, ":"), why);
	else {
		rc = aslrt_jsonata_eval_ex(e, input, bindings, &lim, &out, &undef, &err);
		if (rc != 0)
			snprintf(got_code, sizeof got_code, "%s", err.name ? err.name : "?");
	}
	if (want_code)
		ok = got_code[0] && (!want_code[0] || !strcmp(got_code, want_code));
	else if (want_undef)
		ok = rc == 0 && undef;
	else if (have_result)
		ok = rc == 0 && !undef && aslrt_json_equal(out, want);
	char key[600];
	snprintf(key, sizeof key, "%s/%s[%zu]", group, file, index);
	Listed *l = find_listed(st, key);
	GroupCount *gc = group_count(st, group);
	if (l)
		l->seen = true;
	if (ok) {
		st->passed++;
		gc->passed++;
		if (l) {
			st->unexpected_pass++;
			printf("PASSES but listed in known-failures.txt: %s\n", key);
		}
	} else {
		st->failed++;
		gc->failed++;
		if (!l) {
			st->unexpected_fail++;
			printf("FAILS and not listed in known-failures.txt: %s\n", key);
		}
		if (st->verbose || !l) {
			char *g = out ? aslrt_json_dump(out) : NULL;
			char *w = want ? aslrt_json_dump(want) : NULL;
			printf("FAIL %s/%s[%zu]: %s\n  want: %s\n  got:  %s\n", group, file, index,
			       expr,
			       want_code    ? want_code
			       : want_undef ? "undefined"
			       : w	    ? w
					    : "null",
			       got_code[0] ? (e ? err.cause : why)
			       : undef	   ? "undefined"
			       : g	   ? g
					   : "null");
			free(g);
			free(w);
		}
	}
	json_object_put(out);
	aslrt_error_clear(&err);
	aslrt_jsonata_free(e);
	json_object_put(dataset_owned);
	free(expr);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	*n = 0;
	if (!d)
		return NULL;
	char **v = NULL;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof *v);
		}
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void run_suite(Stats *st, const char *only_group)
{
	char path[2100];
	snprintf(path, sizeof path, "%s/jsonata-2.0.6-failures.json", suite_dir);
	st->known = load_json(path);
	snprintf(path, sizeof path, "%s/known-failures.txt", suite_dir);
	load_listed(st, path);
	snprintf(path, sizeof path, "%s/groups", suite_dir);
	size_t ng;
	char **groups = list_dir(path, &ng);
	for (size_t g = 0; g < ng; g++) {
		if (only_group && strcmp(only_group, groups[g]) != 0) {
			free(groups[g]);
			continue;
		}
		char gdir[1024];
		snprintf(gdir, sizeof gdir, "%s/groups/%s", suite_dir, groups[g]);
		size_t nf;
		char **files = list_dir(gdir, &nf);
		for (size_t f = 0; f < nf; f++) {
			size_t len = strlen(files[f]);
			if (len > 5 && !strcmp(files[f] + len - 5, ".json")) {
				snprintf(path, sizeof path, "%s/%s", gdir, files[f]);
				struct json_object *doc = load_json(path);
				if (json_object_is_type(doc, json_type_array)) {
					for (size_t i = 0; i < json_object_array_length(doc); i++)
						run_case(st, gdir, groups[g], files[f], i,
							 json_object_array_get_idx(doc, i));
				} else if (doc) {
					run_case(st, gdir, groups[g], files[f], 0, doc);
				}
				json_object_put(doc);
			}
			free(files[f]);
		}
		free(files);
		free(groups[g]);
	}
	free(groups);
	json_object_put(st->known);
}

START_TEST(test_suite)
{
	Stats st = {0};
	const char *v = getenv("JSONATA_VERBOSE");
	st.verbose = v && *v && strcmp(v, "0") != 0;
	const char *only = getenv("JSONATA_GROUP");
	run_suite(&st, only);
	int stale = 0;
	for (size_t i = 0; i < st.nlisted; i++) {
		/* a listed case that no longer exists (only checked on a full run) */
		if (!st.listed[i].seen && !only) {
			printf("listed in known-failures.txt but not an in-scope case: %s\n",
			       st.listed[i].key);
			stale++;
		}
		free(st.listed[i].key);
	}
	free(st.listed);
	for (size_t i = 0; i < st.ngroups; i++)
		if (st.groups[i].failed)
			printf("  %-32s %d failed, %d passed\n", st.groups[i].name,
			       st.groups[i].failed, st.groups[i].passed);
	printf("jsonata suite: %d passed, %d failed, %d skipped\n", st.passed, st.failed,
	       st.skipped);
	fflush(stdout);
	ck_assert_msg(st.passed > 0, "no suite cases found under %s", suite_dir);
	ck_assert_msg(
	    st.unexpected_fail == 0 && st.unexpected_pass == 0 && stale == 0,
	    "known-failures.txt is out of date: %d unlisted failures, %d listed cases pass, "
	    "%d stale lines",
	    st.unexpected_fail, st.unexpected_pass, stale);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc > 1)
		suite_dir = argv[1];
	else if (getenv("JSONATA_SUITE_DIR"))
		suite_dir = getenv("JSONATA_SUITE_DIR");
	Suite *s = suite_create("jsonata");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_basics);
	tcase_add_test(tc, test_undefined_and_errors);
	tcase_add_test(tc, test_bindings);
	tcase_add_test(tc, test_sfn_functions);
	tcase_add_test(tc, test_pictures);
	tcase_add_test(tc, test_top_level_refs);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("suite");
	tcase_set_timeout(ts, 600);
	tcase_add_test(ts, test_suite);
	suite_add_tcase(s, ts);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
