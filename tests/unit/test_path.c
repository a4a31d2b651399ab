/* test_path.c - Check unit tests for runtime/path.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* The store documents of Jayway's README, reduced. */
static const char *STORE =
    "{\"store\":{\"book\":["
    "{\"category\":\"reference\",\"author\":\"Nigel Rees\",\"title\":\"Sayings\",\"price\":8.95},"
    "{\"category\":\"fiction\",\"author\":\"Evelyn Waugh\",\"title\":\"Sword\",\"price\":12.99},"
    "{\"category\":\"fiction\",\"author\":\"Herman Melville\",\"title\":\"Moby "
    "Dick\",\"isbn\":\"0-553\",\"price\":8.99},"
    "{\"category\":\"fiction\",\"author\":\"J. R. R. "
    "Tolkien\",\"title\":\"LOTR\",\"isbn\":\"0-395\",\"price\":22.99}"
    "],\"bicycle\":{\"color\":\"red\",\"price\":19.95}},\"expensive\":10}";

static struct json_object *parse_json(const char *text)
{
	struct json_object *v = NULL;
	char why[ASLRT_ERRLEN];
	if (aslrt_json_parse(text, strlen(text), &v, why, sizeof why) != 0)
		ck_abort_msg("bad test JSON %s: %s", text, why);
	return v;
}

/*
 * Evaluate path over the given input/context/vars and render the outcome:
 * the dumped value when found, "!" + why when a definite path selected
 * nothing, "parse: " + why when the path does not parse.  malloc'd.
 */
static char *run_env(const char *path, const char *input, const char *context, const char *vars)
{
	char why[ASLRT_ERRLEN] = "";
	char *s;
	aslrt_path *p = aslrt_path_parse(path, why, sizeof why);
	if (!p) {
		if (asprintf(&s, "parse: %s", why) < 0)
			abort();
		return s;
	}
	aslrt_env env = {input ? parse_json(input) : NULL,
			 context ? parse_json(context) : NULL,
			 vars ? parse_json(vars) : NULL,
			 NULL,
			 NULL,
			 NULL,
			 NULL};
	struct json_object *out = NULL;
	int rc = aslrt_path_eval(p, &env, &out, why, sizeof why);
	if (rc == 0) {
		s = aslrt_json_dump(out);
		json_object_put(out);
	} else {
		ck_assert_int_eq(rc, 1);
		ck_assert_ptr_null(out);
		if (asprintf(&s, "!%s", why) < 0)
			abort();
	}
	json_object_put(env.input);
	json_object_put(env.context);
	json_object_put(env.vars);
	aslrt_path_free(p);
	return s;
}

#define EXPECT_ENV(path, input, ctx, vars, want)                                                   \
	do {                                                                                       \
		char *got_ = run_env(path, input, ctx, vars);                                      \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got %s, want %s", path, got_, want);   \
		free(got_);                                                                        \
	} while (0)
#define EXPECT(path, input, want) EXPECT_ENV(path, input, NULL, NULL, want)

static char *parse_error(const char *path)
{
	char why[ASLRT_ERRLEN] = "";
	aslrt_path *p = aslrt_path_parse(path, why, sizeof why);
	if (p) {
		aslrt_path_free(p);
		return NULL;
	}
	return strdup(why);
}

#define EXPECT_PARSE_ERROR(path, want)                                                             \
	do {                                                                                       \
		char *got_ = parse_error(path);                                                    \
		ck_assert_msg(got_ != NULL, "%s parsed", path);                                    \
		ck_assert_msg(strstr(got_, want) != NULL, "%s: got '%s', want '%s'", path, got_,   \
			      want);                                                               \
		free(got_);                                                                        \
	} while (0)

/* --- roots and simple steps --- */

START_TEST(test_root)
{
	EXPECT("$", "{\"a\":1}", "{\"a\":1}");
	EXPECT("$", "[1,2]", "[1,2]");
	EXPECT("$", "\"s\"", "\"s\"");
	EXPECT("$", "null", "null");
}
END_TEST

START_TEST(test_dot_fields)
{
	EXPECT("$.a", "{\"a\":1}", "1");
	EXPECT("$.a.b", "{\"a\":{\"b\":\"x\"}}", "\"x\"");
	EXPECT("$.a.b.c", "{\"a\":{\"b\":{\"c\":[1,{\"d\":2}]}}}", "[1,{\"d\":2}]");
	EXPECT("$.a-b", "{\"a-b\":3}", "3");
	EXPECT("$.Ж中", "{\"Ж中\":true}", "true");
	EXPECT("$.a", "{\"a\":null}", "null");
	EXPECT("$.a", "{\"a\":1.50}", "1.50");
}
END_TEST

START_TEST(test_bracket_fields)
{
	EXPECT("$['a b']", "{\"a b\":1}", "1");
	EXPECT("$[\"x\"]", "{\"x\":2}", "2");
	EXPECT("$['a']['b']", "{\"a\":{\"b\":3}}", "3");
	EXPECT("$.a['b.c']", "{\"a\":{\"b.c\":4}}", "4");
	EXPECT("$.abc.['def ghi']", "{\"abc\":{\"def ghi\":5}}", "5");
	EXPECT("$['it\\'s']", "{\"it's\":6}", "6");
	EXPECT("$['\\u00e9']", "{\"\xc3\xa9\":7}", "7");
	EXPECT("$[ 'a' ]", "{\"a\":8}", "8");
	EXPECT("$['a]b']", "{\"a]b\":9}", "9");
}
END_TEST

START_TEST(test_quoted_escapes)
{
	/* As Jayway's PathCompiler.readBracketPropertyToken finds the name (a
	 * backslash hides the next character from the closing quote) and
	 * Utils.unescape decodes it: \\ \' \" \b \f \n \r \t \uXXXX, any other
	 * escaped character stands for itself, a \u cut short by the closing
	 * quote is dropped. */
	EXPECT("$['a\\'b']", "{\"a'b\":1}", "1");
	EXPECT("$[\"x\\\"y\"]", "{\"x\\\"y\":2}", "2");
	EXPECT("$['a\\\\b']", "{\"a\\\\b\":3}", "3");
	EXPECT("$['a\\\\']", "{\"a\\\\\":4}", "4");
	EXPECT("$[\"a'b\"]", "{\"a'b\":5}", "5");
	EXPECT("$['a\"b']", "{\"a\\\"b\":6}", "6");
	EXPECT("$[\"a\\'b\"]", "{\"a'b\":7}", "7");
	EXPECT("$['\\/\\x']", "{\"/x\":8}", "8");
	EXPECT("$['\\n\\t']", "{\"\\n\\t\":9}", "9");
	EXPECT("$[':@.\"$,*\\'\\\\']", "{\":@.\\\"$,*'\\\\\": 42}", "42");
	EXPECT("$['\\ud83d\\ude00']", "{\"\xf0\x9f\x98\x80\":10}", "10");
	EXPECT("$['a\\u00']", "{\"a\":11}", "11");
	EXPECT("$['\\u']", "{\"\":12}", "12");
	EXPECT("$['a\\'']['b\\\\'].c", "{\"a'\":{\"b\\\\\":{\"c\":13}}}", "13");
	EXPECT_PARSE_ERROR("$['\\u00zz']", "\\u");
	EXPECT_PARSE_ERROR("$['a\\']", "unterminated");
	/* one kind of quote per bracket, the first one */
	EXPECT("$['a', 'b']", "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":2}");
	EXPECT_PARSE_ERROR("$[\"a\", 'b']", "in \" quotes");
}
END_TEST

START_TEST(test_reference_escapes)
{
	EXPECT("$.store\\.book", "{\"store.book\":1}", "1");
	EXPECT("$.\\stor\\e.boo\\k", "{\"store\":{\"book\":2}}", "2");
	EXPECT("$.foo.\\.bar", "{\"foo\":{\".bar\":3}}", "3");
	EXPECT("$.foo\\@bar.baz\\[\\[.\\?pretty", "{\"foo@bar\":{\"baz[[\":{\"?pretty\":4}}}", "4");
	EXPECT("$.&Ж中.\xf0\x90\x8d\x86", "{\"&Ж中\":{\"\xf0\x90\x8d\x86\":5}}", "5");
	EXPECT("$['store'][0]['book']", "{\"store\":[{\"book\":6}]}", "6");
}
END_TEST

START_TEST(test_indexes)
{
	EXPECT("$[0]", "[1,2,3]", "1");
	EXPECT("$[2]", "[1,2,3]", "3");
	EXPECT("$[-1]", "[1,2,3]", "3");
	EXPECT("$[-3]", "[1,2,3]", "1");
	EXPECT("$.items[0]", "{\"items\":[{\"item_key\":0},{\"item_key\":1}]}", "{\"item_key\":0}");
	EXPECT("$.a[1].b", "{\"a\":[{\"b\":1},{\"b\":2}]}", "2");
	EXPECT("$.a[0][1]", "{\"a\":[[1,2],[3]]}", "2");
	/* Past either end: Jackson's ArrayNode.get gives null, as AWS shows. */
	EXPECT("$.items[5]", "{\"items\":[1,2]}", "null");
	EXPECT("$[-4]", "[1,2,3]", "null");
	EXPECT("$[0]", "[]", "null");
}
END_TEST

START_TEST(test_context_and_vars)
{
	const char *ctx =
	    "{\"Execution\":{\"Id\":\"arn:x\",\"Input\":{\"k\":1}},\"State\":{\"Name\":\"S\"}}";
	EXPECT_ENV("$$.Execution.Id", "{}", ctx, NULL, "\"arn:x\"");
	EXPECT_ENV("$$.Execution.Input.k", "{}", ctx, NULL, "1");
	EXPECT_ENV("$$", "{}", ctx, NULL, ctx);
	EXPECT_ENV("$$['State']['Name']", "{}", ctx, NULL, "\"S\"");
	EXPECT_ENV("$$.Nope", "{}", ctx, NULL, "!No results for path: $['Nope']");
	EXPECT_ENV("$$.*", "{}", "{\"a\":1,\"b\":2}", NULL, "[1,2]");

	const char *vars =
	    "{\"order\":{\"numItems\":3,\"items\":[\"a\",\"b\"]},\"x\":7,\"_y1\":null}";
	EXPECT_ENV("$x", "{}", NULL, vars, "7");
	EXPECT_ENV("$order.numItems", "{}", NULL, vars, "3");
	EXPECT_ENV("$order.items[1]", "{}", NULL, vars, "\"b\"");
	EXPECT_ENV("$order.items[*]", "{}", NULL, vars, "[\"a\",\"b\"]");
	EXPECT_ENV("$order['numItems']", "{}", NULL, vars, "3");
	EXPECT_ENV("$_y1", "{}", NULL, vars, "null");
	EXPECT_ENV("$order.nope", "{}", NULL, vars, "!No results for path: $['nope']");
	EXPECT_ENV("$missing", "{}", NULL, vars, "!The variable '$missing' is not defined");
	EXPECT_ENV("$missing.a", "{}", NULL, NULL, "!The variable '$missing' is not defined");
	EXPECT_ENV("$missing[*]", "{}", NULL, vars, "[]");
}
END_TEST

START_TEST(test_root_kinds)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse("$order.numItems", why, sizeof why);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(aslrt_path_root(p), ASLRT_ROOT_VAR);
	ck_assert_str_eq(aslrt_path_var(p), "order");
	ck_assert_str_eq(aslrt_path_text(p), "$order.numItems");
	ck_assert_int_eq(aslrt_path_nsteps(p), 1);
	aslrt_path_free(p);

	p = aslrt_path_parse("$$.Execution.Input", why, sizeof why);
	ck_assert_int_eq(aslrt_path_root(p), ASLRT_ROOT_CONTEXT);
	ck_assert_ptr_null(aslrt_path_var(p));
	ck_assert_int_eq(aslrt_path_nsteps(p), 2);
	aslrt_path_free(p);

	p = aslrt_path_parse("$", why, sizeof why);
	ck_assert_int_eq(aslrt_path_root(p), ASLRT_ROOT_INPUT);
	ck_assert_int_eq(aslrt_path_nsteps(p), 0);
	ck_assert(aslrt_path_is_definite(p));
	ck_assert(aslrt_path_is_reference(p));
	aslrt_path_free(p);

	p = aslrt_path_parse("$x", why, sizeof why);
	ck_assert_int_eq(aslrt_path_root(p), ASLRT_ROOT_VAR);
	ck_assert_str_eq(aslrt_path_var(p), "x");
	ck_assert_int_eq(aslrt_path_nsteps(p), 0);
	aslrt_path_free(p);
}
END_TEST

/* --- not found --- */

START_TEST(test_not_found_messages)
{
	EXPECT("$.NoSuchInputPath", "{\"int-literal\":0}",
	       "!No results for path: $['NoSuchInputPath']");
	EXPECT("$.NoSuchOutputPath", "{\"int-literal\":0}",
	       "!No results for path: $['NoSuchOutputPath']");
	EXPECT("$.no.such.result.path", "{\"a\":1}", "!Missing property in path $['no']");
	EXPECT("$.a.b", "{\"a\":{}}", "!No results for path: $['a']['b']");
	EXPECT("$.a.b.c", "{\"a\":{\"x\":1}}", "!Missing property in path $['a']['b']");
	EXPECT("$.a[0].b", "{\"a\":[{}]}", "!No results for path: $['a'][0]['b']");
	EXPECT("$.a[0].b.c", "{\"a\":[{}]}", "!Missing property in path $['a'][0]['b']");
	EXPECT("$[\"x\"].y", "{\"x\":{}}", "!No results for path: $[\"x\"]['y']");
	EXPECT("$.a", "{}", "!No results for path: $['a']");
}
END_TEST

START_TEST(test_not_found_types)
{
	EXPECT("$.a.b", "{\"a\":\"str\"}",
	       "!Expected to find an object with property ['b'] in path $['a'] but found "
	       "'com.fasterxml.jackson.databind.node.TextNode'. This is not a json object "
	       "according to the "
	       "JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.");
	EXPECT("$.a", "[1]",
	       "!Expected to find an object with property ['a'] in path $ but found "
	       "'com.fasterxml.jackson.databind.node.ArrayNode'. This is not a json object "
	       "according to the "
	       "JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.");
	EXPECT("$.a.b", "{\"a\":null}",
	       "!Expected to find an object with property ['b'] in path $['a'] but found "
	       "'com.fasterxml.jackson.databind.node.NullNode'. This is not a json object "
	       "according to the "
	       "JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.");
	EXPECT("$.a[5].b", "{\"a\":[]}",
	       "!Expected to find an object with property ['b'] in path $['a'][5] but found "
	       "'null'. This is "
	       "not a json object according to the JsonProvider: "
	       "'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.");
	EXPECT("$.a[0].b", "{\"a\":{\"x\":1}}",
	       "!Filter: [0]['b'] can only be applied to arrays. Current context is: {\"x\":1}");
	EXPECT("$.a[1][0]", "{\"a\":[1]}", "!The path $['a'][1] is null");
	EXPECT("$.a[0]", "{\"a\":null}",
	       "!Filter: [0] can only be applied to arrays. Current context is: null");
}
END_TEST

/* --- indefinite paths --- */

START_TEST(test_wildcards)
{
	EXPECT("$.items[*]", "{\"items\":[1,\"a\",null]}", "[1,\"a\",null]");
	EXPECT("$.a.*", "{\"a\":{\"x\":1,\"y\":[2]}}", "[1,[2]]");
	EXPECT("$.*", "[3,4]", "[3,4]");
	EXPECT("$[*]", "{\"p\":1}", "[1]");
	EXPECT("$[*].a", "[{\"a\":1},{\"b\":2},{\"a\":3},5]", "[1,3]");
	EXPECT("$[*][*]", "[[1,2],[3],[]]", "[1,2,3]");
	EXPECT("$.*.*", "{\"a\":{\"b\":1},\"c\":[2,3],\"d\":4}", "[1,2,3]");
	EXPECT("$.store.book[*].author", STORE,
	       "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]");
	EXPECT("$.store.*", "{\"store\":{\"a\":1,\"b\":{}}}", "[1,{}]");
}
END_TEST

START_TEST(test_indefinite_missing_is_empty)
{
	/* The recorded AWS cases: indefinite paths over {} give []. */
	EXPECT("$.item.items[1:5].itemValue", "{}", "[]");
	EXPECT("$.item.items[*]", "{}", "[]");
	EXPECT("$.item.items[1:]", "{}", "[]");
	EXPECT("$.items[*]", "{}", "[]");
	EXPECT("$.items[*].itemValue", "{}", "[]");
	EXPECT("$.items[1:].itemValue", "{}", "[]");
	EXPECT("$[*]", "{}", "[]");
	EXPECT("$.a[*]", "{\"a\":\"s\"}", "[]");
	EXPECT("$.a[1:]", "{\"a\":{\"b\":1}}", "[]");
	EXPECT("$.a[?(@.x)]", "{\"a\":5}", "[]");
	EXPECT("$..nothing", "{\"a\":[1,{\"b\":2}]}", "[]");
	EXPECT("$.a[0,1].b", "{\"a\":[1]}", "[]");
}
END_TEST

START_TEST(test_slices)
{
	const char *in = "{\"vals\":[0,10,20,30,40,50]}";
	EXPECT("$.vals[3:]", in, "[30,40,50]");
	EXPECT("$.vals[-3:]", in, "[30,40,50]");
	EXPECT("$.vals[1:5]", in, "[10,20,30,40]");
	EXPECT("$.vals[:2]", in, "[0,10]");
	EXPECT("$.vals[:-2]", in, "[0,10,20,30]");
	EXPECT("$.vals[:1]", in, "[0]");
	EXPECT("$.vals[1:]", in, "[10,20,30,40,50]");
	EXPECT("$.vals[4:100]", in, "[40,50]");
	EXPECT("$.vals[10:]", in, "[]");
	EXPECT("$.vals[-10:]", in, "[0,10,20,30,40,50]");
	EXPECT("$.vals[3:2]", in, "[]");
	/* Jayway's [from:to] does not wrap a negative end. */
	EXPECT("$.vals[1:-1]", in, "[]");
	/* ... nor clamp a negative start: Jayway walks -2, -1, 0, ... */
	EXPECT("$.vals[-2:6]", in, "[40,50,0,10,20,30,40,50]");
	/* Jayway reads a step and ignores it. */
	EXPECT("$.vals[1:5:2]", in, "[10,20,30,40]");
	EXPECT("$[0:2].a", "[{\"a\":1},{\"b\":2},{\"a\":3}]", "[1]");
	EXPECT("$[:2]", "[]", "[]");
}
END_TEST

START_TEST(test_unions)
{
	EXPECT("$[0,2]", "[\"a\",\"b\",\"c\"]", "[\"a\",\"c\"]");
	EXPECT("$[2,0]", "[\"a\",\"b\",\"c\"]", "[\"c\",\"a\"]");
	EXPECT("$[0, 1]", "[\"a\",\"b\",\"c\"]", "[\"a\",\"b\"]");
	EXPECT("$[-1,0]", "[\"a\",\"b\",\"c\"]", "[\"c\",\"a\"]");
	EXPECT("$[0,9]", "[\"a\"]", "[\"a\",null]");
	EXPECT("$.a[0,1].b", "{\"a\":[{\"b\":1},{\"b\":2}]}", "[1,2]");
	/* Property lists: merged into one object when last, iterated before. */
	EXPECT("$['a','b']", "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":1,\"b\":2}");
	EXPECT("$['a','x']", "{\"a\":1,\"b\":2}", "{\"a\":1}");
	EXPECT("$['a','b'].c", "{\"a\":{\"c\":1},\"b\":{\"c\":2}}", "[1,2]");
	EXPECT("$['a','b'].c", "{\"a\":{\"c\":1}}", "[1]");
}
END_TEST

START_TEST(test_deep_scan)
{
	EXPECT("$..author", STORE,
	       "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]");
	EXPECT("$.store..price", STORE, "[8.95,12.99,8.99,22.99,19.95]");
	EXPECT("$..book[2].title", STORE, "[\"Moby Dick\"]");
	EXPECT("$..book[-1].title", STORE, "[\"LOTR\"]");
	EXPECT("$..book[0,1].title", STORE, "[\"Sayings\",\"Sword\"]");
	EXPECT("$..book[:2].category", STORE, "[\"reference\",\"fiction\"]");
	EXPECT("$..isbn", STORE, "[\"0-553\",\"0-395\"]");
	EXPECT("$.order..product",
	       "{\"order\":{\"lines\":[{\"product\":\"p1\"},{\"product\":\"p2\",\"sub\":{"
	       "\"product\":\"p3\"}}]}}",
	       "[\"p1\",\"p2\",\"p3\"]");
	EXPECT("$..*", "{\"a\":{\"b\":1},\"c\":[2]}", "[{\"b\":1},[2],1,2]");
	EXPECT("$..[0]", "{\"a\":[1,[2,3]],\"b\":{\"c\":[4]}}", "[1,2,4]");
	EXPECT("$..b", "{\"b\":1,\"a\":{\"b\":2,\"c\":{\"b\":3}}}", "[1,2,3]");
	EXPECT("$..b.c", "{\"b\":{\"c\":1},\"a\":{\"b\":\"x\"}}", "[1]");
	EXPECT("$..[?(@.price > 20)].title", STORE, "[\"LOTR\"]");
	EXPECT("$..book[?(@.isbn)].title", STORE, "[\"Moby Dick\",\"LOTR\"]");
	/* ScanPathToken applies the step after an index to every element and
	 * keeps, for a last property, the element at that index. */
	EXPECT("$..[1].name", "{\"x\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "[\"b\"]");
	EXPECT("$..[0].name", "{\"x\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "[\"a\"]");
	EXPECT("$..['a','b']", "{\"a\":1,\"b\":2,\"c\":{\"a\":3}}", "[{\"a\":1,\"b\":2}]");
}
END_TEST

/* Paths and documents deeper than the evaluation's local room (16 steps):
 * the current path still renders whole in messages. */
START_TEST(test_long_paths)
{
	char path[256] = "$", doc[256] = "", want[512] = "!Missing property in path $";
	for (int k = 0; k < 20; k++) {
		strcat(path, ".a");
		strcat(doc, "{\"a\":");
		strcat(want, "['a']");
	}
	strcat(path, ".b.c");
	strcat(doc, "{}");
	strcat(want, "['b']");
	for (int k = 0; k < 20; k++)
		strcat(doc, "}");
	EXPECT(path, doc, want);
	/* a deep scan 20 levels down, and indexes on the way */
	EXPECT("$..b", "{\"a\":[[[[[[[[[[[[[[[[[[[[{\"b\":1}]]]]]]]]]]]]]]]]]]]]}", "[1]");
	EXPECT("$.x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][1][0]",
	       "{\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}",
	       "!The path $['x'][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][1] is null");
	/* filter operands of plain fields, from the item and from the root */
	EXPECT("$.l[?(@.a.b == $.k)].n",
	       "{\"k\":2,\"l\":[{\"a\":{\"b\":2},\"n\":1},{\"a\":{\"b\":3},\"n\":2},{\"a\":1,\"n\":"
	       "3}]}",
	       "[1]");
	EXPECT("$.l[?(@.a.b)].n", "{\"l\":[{\"a\":{\"b\":null},\"n\":1},{\"a\":{},\"n\":2}]}",
	       "[1]");
	EXPECT("$.l[?(!@.a.b)].n", "{\"l\":[{\"a\":{\"b\":null},\"n\":1},{\"a\":{},\"n\":2}]}",
	       "[2]");
}
END_TEST

/* --- filters --- */

START_TEST(test_filter_compare)
{
	EXPECT("$.store.book[?(@.price < 10)].title", STORE, "[\"Sayings\",\"Moby Dick\"]");
	EXPECT("$.store.book[?(@.price <= 8.99)].title", STORE, "[\"Sayings\",\"Moby Dick\"]");
	EXPECT("$.store.book[?(@.price > 12.99)].title", STORE, "[\"LOTR\"]");
	EXPECT("$.store.book[?(@.price >= 12.99)].title", STORE, "[\"Sword\",\"LOTR\"]");
	EXPECT("$.store.book[?(@.category == 'reference')].title", STORE, "[\"Sayings\"]");
	EXPECT("$.store.book[?(@.category == \"reference\")].title", STORE, "[\"Sayings\"]");
	EXPECT("$.store.book[?(@.category != 'fiction')].title", STORE, "[\"Sayings\"]");
	EXPECT("$.store.book[?(@.price < $.expensive)].price", STORE, "[8.95,8.99]");
	EXPECT("$.store.book[?(@.author > 'I')].author", STORE,
	       "[\"Nigel Rees\",\"J. R. R. Tolkien\"]");
	EXPECT("$[?(@.status == 0)]", "[{\"year\":1997,\"status\":0},{\"year\":2001,\"status\":1}]",
	       "[{\"year\":1997,\"status\":0}]");
	EXPECT("$[?(@ > 2)]", "[1,2,3,4]", "[3,4]");
	EXPECT("$[?(@ == 2)]", "[1,2.0,\"2\",3]", "[2.0,\"2\"]");
}
END_TEST

START_TEST(test_filter_types)
{
	const char *in = "[{\"v\":true},{\"v\":false},{\"v\":null},{\"v\":1},{\"v\":\"1\"},{\"v\":["
			 "1]},{\"w\":1}]";
	EXPECT("$[?(@.v == true)].v", in, "[true]");
	EXPECT("$[?(@.v == false)].v", in, "[false]");
	EXPECT("$[?(@.v == null)].v", in, "[null]");
	/* A string equals a number with the same text, a number any string
	 * that reads as it. */
	EXPECT("$[?(@.v == 1)].v", in, "[1,\"1\"]");
	EXPECT("$[?(@.v == '1')].v", in, "[1,\"1\"]");
	EXPECT("$[?(@.v == [1])].v", in, "[[1]]");
	/* Missing equals nothing, so != selects it. */
	EXPECT("$[?(@.v != 1)]", in,
	       "[{\"v\":true},{\"v\":false},{\"v\":null},{\"v\":[1]},{\"w\":1}]");
	EXPECT("$[?(@.v === 1)].v", in, "[1]");
	/* Ordering only within numbers or within strings. */
	EXPECT("$[?(@.v < 2)].v", in, "[1]");
	EXPECT("$[?(@.v < '2')].v", in, "[\"1\"]");
}
END_TEST

START_TEST(test_filter_number_text)
{
	/* A string literal on the left compares with the number's Java text
	 * (Double.toString, then BigDecimal), a number on the left by value. */
	EXPECT("$[?('2.0' == @)]", "[2.0,2,\"2.0\"]", "[2.0,\"2.0\"]");
	EXPECT("$[?('2' == @)]", "[2.0,2]", "[2]");
	EXPECT("$[?(2 == @)]", "[2.0,2,\"2.00\",\"x\"]", "[2.0,2,\"2.00\"]");
	EXPECT("$[?('1.0E+20' == @)]", "[1e20]", "[1e20]");
	EXPECT("$[?('0.001' == @)]", "[0.001]", "[0.001]");
	EXPECT("$[?(@ == 12345678901)]", "[12345678901,12345678902]", "[12345678901]");
}
END_TEST

START_TEST(test_filter_logic)
{
	const char *in = "[{\"a\":\"x\",\"b\":2},{\"a\":\"x\",\"b\":0},{\"a\":\"y\",\"b\":5}]";
	EXPECT("$[?(@.a == 'x' && @.b > 1)].b", in, "[2]");
	EXPECT("$[?(@.a == 'y' || @.b == 0)].b", in, "[0,5]");
	EXPECT("$[?(@.a=='y'||@.b==0)].b", in, "[0,5]");
	EXPECT("$[?(!(@.a == 'x'))].b", in, "[5]");
	EXPECT("$[?((@.a == 'x' || @.a == 'y') && @.b >= 2)].b", in, "[2,5]");
	EXPECT("$[?(@.a == 'x' && (@.b == 0 || @.b == 5))].b", in, "[0]");
}
END_TEST

START_TEST(test_filter_exists)
{
	EXPECT("$.store.book[?(@.isbn)].title", STORE, "[\"Moby Dick\",\"LOTR\"]");
	EXPECT("$.store.book[?(!@.isbn)].title", STORE, "[\"Sayings\",\"Sword\"]");
	EXPECT("$[?(@.a)]", "[{\"a\":null},{\"b\":1},3]", "[{\"a\":null}]");
	EXPECT("$[?(@.a.b)]", "[{\"a\":{\"b\":0}},{\"a\":{}},{\"a\":1}]", "[{\"a\":{\"b\":0}}]");
	EXPECT("$[?(@['x y'])]", "[{\"x y\":1},{}]", "[{\"x y\":1}]");
	/* A filter on an object tests the object itself. */
	EXPECT("$.o[?(@.k)]", "{\"o\":{\"k\":1}}", "[{\"k\":1}]");
	EXPECT("$.o[?(@.k)]", "{\"o\":{\"j\":1}}", "[]");
}
END_TEST

START_TEST(test_filter_ops)
{
	const char *in =
	    "[{\"n\":\"ab\",\"t\":[1,2]},{\"n\":\"\",\"t\":[]},{\"n\":\"abc\",\"t\":[3]}]";
	EXPECT("$[?(@.n in ['ab','x'])].n", in, "[\"ab\"]");
	EXPECT("$[?(@.n in [\"ab\",'x'])].n", in, "[\"ab\"]");
	EXPECT("$[?(@.n nin ['ab','x'])].n", in, "[\"\",\"abc\"]");
	EXPECT("$[?(@.n size 3)].n", in, "[\"abc\"]");
	EXPECT("$[?(@.t size 2)].n", in, "[\"ab\"]");
	EXPECT("$[?(@.t empty true)].n", in, "[\"\"]");
	EXPECT("$[?(@.n empty false)].n", in, "[\"ab\",\"abc\"]");
	EXPECT("$[?(@.t contains 3)].n", in, "[\"abc\"]");
	EXPECT("$[?(@.n contains 'bc')].n", in, "[\"abc\"]");
	EXPECT("$[?(@.t anyof [2,3])].n", in, "[\"ab\",\"abc\"]");
	EXPECT("$[?(@.t noneof [2])].n", in, "[\"\",\"abc\"]");
	EXPECT("$[?(@.t subsetof [1,2,3])].n", in, "[\"ab\",\"\",\"abc\"]");
	EXPECT("$[?(@.n =~ /a.*/)].n", in, "[\"ab\",\"abc\"]");
	EXPECT("$[?(@.n =~ /B.*/i)].n", in, "[]");
	EXPECT("$[?(@.n =~ /A.*C/i)].n", in, "[\"abc\"]");
	EXPECT("$[?(@.n =~ /\\d+/)]", "[{\"n\":\"12\"},{\"n\":\"1a\"},{\"n\":7}]",
	       "[{\"n\":\"12\"},{\"n\":7}]");
	/* Java's Pattern through PCRE2: DOTALL and COMMENTS flags, and nested
	 * quantifiers that made glibc's regcomp take gigabytes (fuzz finding) */
	EXPECT("$[?(@.n =~ /a.c/s)].n", "[{\"n\":\"a\\nc\"},{\"n\":\"abc\"}]",
	       "[\"a\\nc\",\"abc\"]");
	EXPECT("$[?(@.n =~ /a.c/)].n", "[{\"n\":\"a\\nc\"},{\"n\":\"abc\"}]", "[\"abc\"]");
	EXPECT("$[?(@.n =~ /a b c/x)].n", "[{\"n\":\"abc\"}]", "[\"abc\"]");
	EXPECT_PARSE_ERROR("$[?(@.n =~ /((a{1,100}){1,100}){1,100}/)].n",
			   "regular expression is too large");
	EXPECT("$[?(@.n =~ /((a{1,10}){1,10}){1,10}/)].n", "[{\"n\":\"aaa\"}]", "[\"aaa\"]");
}
END_TEST

START_TEST(test_filter_on_definite_path_is_indefinite)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse("$.a[?(@.b == 1)]", why, sizeof why);
	ck_assert_ptr_nonnull(p);
	ck_assert(!aslrt_path_is_definite(p));
	ck_assert(!aslrt_path_is_reference(p));
	ck_assert_int_eq(aslrt_path_step(p, 1, NULL, NULL), ASLRT_STEP_OTHER);
	aslrt_path_free(p);
	EXPECT("$.a[?(@.b == 1)]", "{\"a\":[{\"b\":2}]}", "[]");
	EXPECT("$.a[?(@.b == 1)].c", "{\"a\":[{\"b\":1,\"c\":9}]}", "[9]");
}
END_TEST

/* --- definiteness and steps --- */

START_TEST(test_definite_and_reference)
{
	static const struct {
		const char *path;
		bool definite, reference;
	} cases[] = {
	    {"$", true, true},
	    {"$.a", true, true},
	    {"$.a.b[0]", true, true},
	    {"$['a b'][-1]", true, true},
	    {"$$.Execution.Input", true, true},
	    {"$x.y", true, true},
	    {"$['a','b']", true, false},
	    {"$['a','b'].c", false, false},
	    {"$.a[*]", false, false},
	    {"$.a.*", false, false},
	    {"$..a", false, false},
	    {"$.a[1:2]", false, false},
	    {"$.a[0,1]", false, false},
	    {"$.a[?(@.b)]", false, false},
	};
	char why[ASLRT_ERRLEN];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		aslrt_path *p = aslrt_path_parse(cases[i].path, why, sizeof why);
		ck_assert_msg(p != NULL, "%s: %s", cases[i].path, why);
		ck_assert_msg(aslrt_path_is_definite(p) == cases[i].definite, "%s definite",
			      cases[i].path);
		ck_assert_msg(aslrt_path_is_reference(p) == cases[i].reference, "%s reference",
			      cases[i].path);
		aslrt_path_free(p);
	}
}
END_TEST

START_TEST(test_steps)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse("$.a['b c'][2][-1]..d[*]", why, sizeof why);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(aslrt_path_nsteps(p), 7);
	const char *f = NULL;
	long ix = 0;
	ck_assert_int_eq(aslrt_path_step(p, 0, &f, &ix), ASLRT_STEP_FIELD);
	ck_assert_str_eq(f, "a");
	ck_assert_int_eq(aslrt_path_step(p, 1, &f, &ix), ASLRT_STEP_FIELD);
	ck_assert_str_eq(f, "b c");
	ck_assert_int_eq(aslrt_path_step(p, 2, &f, &ix), ASLRT_STEP_INDEX);
	ck_assert_int_eq(ix, 2);
	ck_assert_int_eq(aslrt_path_step(p, 3, &f, &ix), ASLRT_STEP_INDEX);
	ck_assert_int_eq(ix, -1);
	ck_assert_int_eq(aslrt_path_step(p, 4, &f, &ix), ASLRT_STEP_OTHER);
	ck_assert_int_eq(aslrt_path_step(p, 5, &f, &ix), ASLRT_STEP_FIELD);
	ck_assert_str_eq(f, "d");
	ck_assert_int_eq(aslrt_path_step(p, 6, &f, &ix), ASLRT_STEP_OTHER);
	ck_assert_int_eq(aslrt_path_step(p, 7, &f, &ix), ASLRT_STEP_OTHER);
	ck_assert_int_eq(aslrt_path_step(p, -1, &f, &ix), ASLRT_STEP_OTHER);
	aslrt_path_free(p);

	p = aslrt_path_parse("$.store\\.book", why, sizeof why);
	ck_assert_int_eq(aslrt_path_step(p, 0, &f, NULL), ASLRT_STEP_FIELD);
	ck_assert_str_eq(f, "store.book");
	aslrt_path_free(p);
}
END_TEST

/* --- parse errors --- */

START_TEST(test_parse_errors)
{
	EXPECT_PARSE_ERROR("", "must start with '$'");
	EXPECT_PARSE_ERROR("a.b", "must start with '$'");
	EXPECT_PARSE_ERROR(" $.a", "must start with '$'");
	EXPECT_PARSE_ERROR("$.a ", "blank");
	EXPECT_PARSE_ERROR("$.a b", "blank");
	EXPECT_PARSE_ERROR("$.", "must not end with '.'");
	EXPECT_PARSE_ERROR("$.a.", "must not end with '.'");
	EXPECT_PARSE_ERROR("$..", "must not end with '..'");
	EXPECT_PARSE_ERROR("$...a", "unexpected '.'");
	EXPECT_PARSE_ERROR("$[0", "unterminated bracket at offset 1");
	EXPECT_PARSE_ERROR("$.a['b'", "unterminated bracket at offset 3");
	EXPECT_PARSE_ERROR("$.abcde['x", "unterminated string starting at offset 8");
	EXPECT_PARSE_ERROR("$['a'x]", "expected ',' or ']'");
	EXPECT_PARSE_ERROR("$[*", "unterminated bracket");
	EXPECT_PARSE_ERROR("$[]", "unexpected ']'");
	EXPECT_PARSE_ERROR("$[a]", "unexpected 'a'");
	EXPECT_PARSE_ERROR("$[1.5]", "invalid array index");
	EXPECT_PARSE_ERROR("$[1,]", "invalid array index");
	EXPECT_PARSE_ERROR("$[99999999999]", "invalid array index");
	EXPECT_PARSE_ERROR("$[::2]", "invalid slice");
	EXPECT_PARSE_ERROR("$[:]", "invalid slice");
	EXPECT_PARSE_ERROR("$[1 : 2]", "invalid slice");
	EXPECT_PARSE_ERROR("$.a]", "unbalanced ']'");
	EXPECT_PARSE_ERROR("$['a']b", "unexpected 'b'");
	EXPECT_PARSE_ERROR("$[0]x", "unexpected 'x'");
	EXPECT_PARSE_ERROR("$.a.length()", "path functions such as 'length()' are not supported");
	EXPECT_PARSE_ERROR("$.a.min()", "not supported");
	EXPECT_PARSE_ERROR("$$$", "unexpected '$'");
	EXPECT_PARSE_ERROR("$-", "unexpected '-'");
	EXPECT_PARSE_ERROR("$.a\\", "dangling escape");
	EXPECT_PARSE_ERROR("$[?]", "placeholder");
	EXPECT_PARSE_ERROR("$[?(@.a == 1]", "unterminated filter");
	EXPECT_PARSE_ERROR("$[?(@.a == 1)", "unterminated bracket");
	EXPECT_PARSE_ERROR("$[?(@.a ==)]", "invalid literal");
	EXPECT_PARSE_ERROR("$[?(@.a == 'x)]", "unterminated");
	EXPECT_PARSE_ERROR("$[?(@.a.length() > 1)]", "not supported");
	EXPECT_PARSE_ERROR("$[?(@.a =~ 'x')]", "=~ needs a /pattern/");
	EXPECT_PARSE_ERROR("$[?(@.a @.b)]", "expected ')'");
	EXPECT_PARSE_ERROR("$[?(1)]", "expected an operator");
	EXPECT_PARSE_ERROR("$[?(@.a == 1 &&)]", "invalid literal");
	EXPECT_PARSE_ERROR("$[?(@.a =~ /(/)]", "invalid regular expression");
	EXPECT_PARSE_ERROR("$[?(@.a == [1,)]", "unterminated JSON literal");
	EXPECT_PARSE_ERROR("$[?(@.a == {1})]", "invalid JSON literal");
	/* JSON literals are strict JSON, apart from Jayway's '...' strings */
	EXPECT_PARSE_ERROR("$[?(@.a in [NaN])]",
			   "invalid JSON literal at offset 11: not a JSON value at offset 1");
	EXPECT_PARSE_ERROR("$[?(@.a in ['\\x'])]",
			   "invalid JSON literal at offset 11: invalid escape in a string");
	EXPECT_PARSE_ERROR("$[?(@.a foo 1)]", "expected ')'");
}
END_TEST

/* --- ResultPath stores --- */

static char *store(const char *path, const char *input, const char *val)
{
	char why[ASLRT_ERRLEN] = "";
	aslrt_path *p = aslrt_path_parse(path, why, sizeof why);
	ck_assert_msg(p != NULL, "%s: %s", path, why);
	struct json_object *root = input ? parse_json(input) : NULL;
	struct json_object *v = val ? parse_json(val) : NULL;
	char *s;
	if (aslrt_path_store(p, &root, v, why, sizeof why) == 0) {
		s = aslrt_json_dump(root);
	} else if (asprintf(&s, "!%s", why) < 0) {
		abort();
	}
	json_object_put(root);
	aslrt_path_free(p);
	return s;
}

#define EXPECT_STORE(path, input, val, want)                                                       \
	do {                                                                                       \
		char *got_ = store(path, input, val);                                              \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got %s, want %s", path, got_, want);   \
		free(got_);                                                                        \
	} while (0)

START_TEST(test_store)
{
	EXPECT_STORE("$", "{\"a\":1}", "\"r\"", "\"r\"");
	EXPECT_STORE("$", "{\"a\":1}", NULL, "null");
	EXPECT_STORE("$.b", "{\"a\":1}", "2", "{\"a\":1,\"b\":2}");
	EXPECT_STORE("$.b.greeting", "{\"a\":1}", "\"Hi!\"",
		     "{\"a\":1,\"b\":{\"greeting\":\"Hi!\"}}");
	EXPECT_STORE("$.a", "{\"a\":1,\"c\":3}", "{\"x\":[]}", "{\"a\":{\"x\":[]},\"c\":3}");
	EXPECT_STORE("$.a.b", "{\"a\":{\"b\":1,\"c\":2}}", "null", "{\"a\":{\"b\":null,\"c\":2}}");
	EXPECT_STORE("$['x y'].z", "{}", "1", "{\"x y\":{\"z\":1}}");
	EXPECT_STORE("$[1].payload", "[{},{}]", "5", "[{},{\"payload\":5}]");
	EXPECT_STORE("$.a[0]", "{\"a\":[1,2]}", "9", "{\"a\":[9,2]}");
	EXPECT_STORE("$.a[-1]", "{\"a\":[1,2]}", "9", "{\"a\":[1,9]}");
	EXPECT_STORE("$.a[1].b.c", "{\"a\":[1,{}]}", "true", "{\"a\":[1,{\"b\":{\"c\":true}}]}");
}
END_TEST

/* Field steps look keys up with the hash computed when the path was parsed
 * (runtime/key.c): the empty key, UTF-8 keys, keys in a big object (a table
 * grown past json-c's default), and ResultPath stores keeping key order. */
START_TEST(test_hashed_field_steps)
{
	EXPECT("$['']", "{\"\":1,\"a\":2}", "1");
	EXPECT("$['']['']", "{\"\":{\"\":3}}", "3");
	EXPECT("$.caf\u00e9.\u65e5\u672c", "{\"caf\u00e9\":{\"\u65e5\u672c\":\"x\"}}", "\"x\"");
	EXPECT("$['a b','c']", "{\"c\":1,\"a b\":2,\"d\":3}", "{\"a b\":2,\"c\":1}");
	EXPECT("$.k29",
	       "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
	       "\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,"
	       "\"k15\":15,\"k16\":16,\"k17\":17,\"k18\":18,\"k19\":19,\"k20\":20,\"k21\":21,"
	       "\"k22\":22,\"k23\":23,\"k24\":24,\"k25\":25,\"k26\":26,\"k27\":27,\"k28\":28,"
	       "\"k29\":29}",
	       "29");
	EXPECT("$.missing", "{\"a\":1}", "!No results for path: $['missing']");
	EXPECT_STORE("$.a", "{\"a\":1,\"b\":2}", "9", "{\"a\":9,\"b\":2}");
	EXPECT_STORE("$['']", "{\"b\":2}", "9", "{\"b\":2,\"\":9}");
	EXPECT_STORE("$.x.\u00e9", "{\"x\":{\"y\":1}}", "9", "{\"x\":{\"y\":1,\"\u00e9\":9}}");
}
END_TEST

START_TEST(test_store_errors)
{
	EXPECT_STORE("$.x", "\"foo\"", "1",
		     "!Unable to apply ResultPath '$.x': $ is a string, not an object");
	EXPECT_STORE("$.a.b", "{\"a\":5}", "1",
		     "!Unable to apply ResultPath '$.a.b': $['a'] is a number, not an object");
	EXPECT_STORE("$.a.b", "{\"a\":null}", "1",
		     "!Unable to apply ResultPath '$.a.b': $['a'] is null, not an object");
	EXPECT_STORE("$.a[0]", "{\"a\":{}}", "1",
		     "!Unable to apply ResultPath '$.a[0]': $['a'] is an object, not an array");
	EXPECT_STORE(
	    "$.a[2]", "{\"a\":[1]}", "1",
	    "!Unable to apply ResultPath '$.a[2]': index 2 is out of range for $['a'] (length 1)");
	EXPECT_STORE("$.a[0]", "{}", "1",
		     "!Unable to apply ResultPath '$.a[0]': $['a'] is missing, not an array");
	EXPECT_STORE("$[*]", "[1]", "1", "!'$[*]' is not a reference path on the state input");
	EXPECT_STORE("$$.a", "{}", "1", "!'$$.a' is not a reference path on the state input");
	EXPECT_STORE("$v.a", "{}", "1", "!'$v.a' is not a reference path on the state input");
}
END_TEST

/* aslrt_path_store_owned: the same results as a store into a copy. */
static char *store_owned(const char *path, const char *input, const char *val)
{
	char why[ASLRT_ERRLEN] = "";
	aslrt_path *p = aslrt_path_parse(path, why, sizeof why);
	ck_assert_msg(p != NULL, "%s: %s", path, why);
	struct json_object *in = parse_json(input), *root = json_object_get(in);
	aslrt_path_undo u;
	char *s;
	if (aslrt_path_store_owned(p, &root, parse_json(val), &u, why, sizeof why) == 0) {
		s = aslrt_json_dump(root);
	} else {
		char *was = aslrt_json_dump(in);
		if (asprintf(&s, "!%s (input %s)", why, was) < 0)
			abort();
		free(was);
	}
	aslrt_path_undo_drop(&u);
	json_object_put(root);
	json_object_put(in);
	aslrt_path_free(p);
	return s;
}

#define EXPECT_OWNED(path, input, val, want)                                                       \
	do {                                                                                       \
		char *got_ = store_owned(path, input, val);                                        \
		ck_assert_msg(strcmp(got_, want) == 0, "%s: got %s, want %s", path, got_, want);   \
		free(got_);                                                                        \
	} while (0)

START_TEST(test_store_owned)
{
	EXPECT_OWNED("$", "{\"a\":1}", "\"r\"", "\"r\"");
	EXPECT_OWNED("$.b", "{\"a\":1}", "2", "{\"a\":1,\"b\":2}");
	EXPECT_OWNED("$.b.greeting", "{\"a\":1}", "\"Hi!\"",
		     "{\"a\":1,\"b\":{\"greeting\":\"Hi!\"}}");
	EXPECT_OWNED("$.a", "{\"a\":1,\"c\":3}", "{\"x\":[]}", "{\"a\":{\"x\":[]},\"c\":3}");
	EXPECT_OWNED("$.a.b", "{\"a\":{\"b\":1,\"c\":2}}", "null", "{\"a\":{\"b\":null,\"c\":2}}");
	EXPECT_OWNED("$[1].payload", "[{},{}]", "5", "[{},{\"payload\":5}]");
	EXPECT_OWNED("$.a[-1]", "{\"a\":[1,2]}", "9", "{\"a\":[1,9]}");
	EXPECT_OWNED("$.a[1].b.c", "{\"a\":[1,{}]}", "true", "{\"a\":[1,{\"b\":{\"c\":true}}]}");
	/* a failed store changes nothing: not even the objects it would create */
	EXPECT_OWNED("$.x.y[0]", "{\"k\":1}", "1",
		     "!Unable to apply ResultPath '$.x.y[0]': $['x']['y'] is missing, not an array "
		     "(input {\"k\":1})");
	EXPECT_OWNED(
	    "$.a.b.c", "{\"a\":{\"b\":5}}", "1",
	    "!Unable to apply ResultPath '$.a.b.c': $['a']['b'] is a number, not an object "
	    "(input {\"a\":{\"b\":5}})");
	EXPECT_OWNED("$.a[3].b", "{\"a\":[{}]}", "1",
		     "!Unable to apply ResultPath '$.a[3].b': index 3 is out of range for $['a'] "
		     "(length 1) (input {\"a\":[{}]})");
}
END_TEST

/* Store into {"a":{"b":{"c":1}},"d":[{}]} at path, holding another
 * reference to the member selected by held first (a variable, the Context,
 * a sibling branch): the holder's value must not change. */
static void owned_shared(const char *path, const char *held, const char *want,
			 const char *want_held, bool root_in_place)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse(path, why, sizeof why);
	aslrt_path *h = aslrt_path_parse(held, why, sizeof why);
	struct json_object *in = parse_json("{\"a\":{\"b\":{\"c\":1}},\"d\":[{}]}");
	aslrt_env env = {in, NULL, NULL, NULL, NULL, NULL, NULL};
	struct json_object *other;
	ck_assert_int_eq(aslrt_path_eval(h, &env, &other, why, sizeof why), 0);
	if (other == in)
		ck_assert(!aslrt_json_unique(in));
	struct json_object *root = json_object_get(in);
	aslrt_path_undo u;
	if (root_in_place) {
		ck_assert_int_eq(
		    aslrt_path_store_owned(p, &root, parse_json("7"), &u, why, sizeof why), 0);
		ck_assert_ptr_eq(root, in);
	} else { /* as the executor does for a shared input */
		json_object_put(root);
		root = aslrt_json_shallow_copy(in);
		ck_assert_int_eq(aslrt_path_store(p, &root, parse_json("7"), why, sizeof why), 0);
	}
	char *got = aslrt_json_dump(root), *got_held = aslrt_json_dump(other);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(got_held, want_held);
	free(got);
	free(got_held);
	if (root_in_place)
		aslrt_path_undo_drop(&u);
	json_object_put(root);
	json_object_put(other);
	json_object_put(in);
	aslrt_path_free(p);
	aslrt_path_free(h);
}

START_TEST(test_store_owned_shared)
{
	/* the holder's member is copied, the containers above it changed in place */
	owned_shared("$.a.b.x", "$.a.b", "{\"a\":{\"b\":{\"c\":1,\"x\":7}},\"d\":[{}]}",
		     "{\"c\":1}", true);
	owned_shared("$.a.b.x", "$.a", "{\"a\":{\"b\":{\"c\":1,\"x\":7}},\"d\":[{}]}",
		     "{\"b\":{\"c\":1}}", true);
	owned_shared("$.a.b", "$.a.b", "{\"a\":{\"b\":7},\"d\":[{}]}", "{\"c\":1}", true);
	owned_shared("$.d[0].x", "$.d", "{\"a\":{\"b\":{\"c\":1}},\"d\":[{\"x\":7}]}", "[{}]",
		     true);
	owned_shared("$.d[0].x", "$.d[0]", "{\"a\":{\"b\":{\"c\":1}},\"d\":[{\"x\":7}]}", "{}",
		     true);
	/* a holder of the whole input: it is not unique, and is copied */
	owned_shared("$.a.b.x", "$", "{\"a\":{\"b\":{\"c\":1,\"x\":7}},\"d\":[{}]}",
		     "{\"a\":{\"b\":{\"c\":1}},\"d\":[{}]}", false);
}
END_TEST

/* The change taken back: the same containers hold the same values again. */
START_TEST(test_store_owned_undo)
{
	static const char *const paths[] = {"$.a.b.c", "$.a.b.x", "$.a.n.m", "$.d[0]", "$.d[0].y"};
	for (size_t k = 0; k < sizeof paths / sizeof *paths; k++) {
		char why[ASLRT_ERRLEN];
		aslrt_path *p = aslrt_path_parse(paths[k], why, sizeof why);
		const char *text = "{\"a\":{\"b\":{\"c\":null}},\"d\":[{\"z\":1}]}";
		struct json_object *in = parse_json(text), *root = json_object_get(in);
		struct json_object *a = json_object_object_get(in, "a");
		/* a measure kept before the change goes with it */
		ck_assert_int_eq(aslrt_json_check_limits(in, 1000, NULL), 0);
		aslrt_path_undo u;
		ck_assert_int_eq(
		    aslrt_path_store_owned(p, &root, parse_json("[[2,3,4]]"), &u, why, sizeof why),
		    0);
		ck_assert_ptr_eq(root, in);
		ck_assert_ptr_eq(json_object_object_get(in, "a"), a);
		ck_assert_int_eq(aslrt_json_check_limits(in, 36, NULL), 1); /* larger */
		aslrt_path_undo_apply(&u);
		ck_assert_ptr_null(u.root);
		char *got = aslrt_json_dump(in);
		ck_assert_str_eq(got, text);
		free(got);
		ck_assert_ptr_eq(json_object_object_get(in, "a"), a);
		ck_assert_int_eq(aslrt_json_check_limits(in, 36, NULL), 0);
		ck_assert_int_eq(aslrt_json_check_limits(in, 35, NULL), 1);
		aslrt_path_undo_drop(&u); /* nothing left to drop */
		json_object_put(root);
		ck_assert_int_eq(json_object_put(in), 1);
		aslrt_path_free(p);
	}
}
END_TEST

/* --- concurrency-relevant: evaluation leaves the input untouched --- */

START_TEST(test_eval_refcounts)
{
	char why[ASLRT_ERRLEN];
	struct json_object *in = parse_json(STORE);
	aslrt_path *p =
	    aslrt_path_parse("$..book[?(@.price < $.expensive && @.isbn)].title", why, sizeof why);
	ck_assert_ptr_nonnull(p);
	aslrt_env env = {in, NULL, NULL, NULL, NULL, NULL, NULL};
	struct json_object *out;
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(aslrt_path_eval(p, &env, &out, why, sizeof why), 0);
		char *s = aslrt_json_dump(out);
		ck_assert_str_eq(s, "[\"Moby Dick\"]");
		free(s);
		json_object_put(out);
	}
	/* The only reference to the input is still ours. */
	ck_assert_int_eq(json_object_put(in), 1);
	aslrt_path_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_root);
	tcase_add_test(tc, test_hashed_field_steps);
	tcase_add_test(tc, test_dot_fields);
	tcase_add_test(tc, test_bracket_fields);
	tcase_add_test(tc, test_quoted_escapes);
	tcase_add_test(tc, test_reference_escapes);
	tcase_add_test(tc, test_indexes);
	tcase_add_test(tc, test_context_and_vars);
	tcase_add_test(tc, test_root_kinds);
	tcase_add_test(tc, test_not_found_messages);
	tcase_add_test(tc, test_not_found_types);
	tcase_add_test(tc, test_wildcards);
	tcase_add_test(tc, test_indefinite_missing_is_empty);
	tcase_add_test(tc, test_slices);
	tcase_add_test(tc, test_unions);
	tcase_add_test(tc, test_deep_scan);
	tcase_add_test(tc, test_long_paths);
	tcase_add_test(tc, test_filter_compare);
	tcase_add_test(tc, test_filter_types);
	tcase_add_test(tc, test_filter_number_text);
	tcase_add_test(tc, test_filter_logic);
	tcase_add_test(tc, test_filter_exists);
	tcase_add_test(tc, test_filter_ops);
	tcase_add_test(tc, test_filter_on_definite_path_is_indefinite);
	tcase_add_test(tc, test_definite_and_reference);
	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_store_errors);
	tcase_add_test(tc, test_store_owned);
	tcase_add_test(tc, test_store_owned_shared);
	tcase_add_test(tc, test_store_owned_undo);
	tcase_add_test(tc, test_eval_refcounts);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
