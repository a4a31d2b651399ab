/* test_intrinsic.c - Check unit tests for runtime/intrinsic.c. */
#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* --- helpers --- */

static struct json_object *parse_json(const char *text)
{
	struct json_object *v = NULL;
	char why[ASLRT_ERRLEN];
	if (!text)
		return NULL;
	ck_assert_msg(aslrt_json_parse(text, strlen(text), &v, why, sizeof why) == 0,
		      "bad test JSON %s: %s", text, why);
	return v;
}

static const char *context_json =
    "{\"Execution\":{\"Name\":\"conformance-execution-1\"},"
    "\"StateMachine\":{\"Id\":\"arn:aws:states:us-east-1:111111111111:stateMachine:"
    "statemachine_su000317\",\"Name\":\"statemachine_su000317\"}}";

/*
 * Evaluate expr over input (JSON text; the context above, variables from
 * vars).  Returns the result as JSON text, or NULL with *err set.
 */
static char *run_vars(const char *expr, const char *input, const char *vars, aslrt_error *err)
{
	char why[ASLRT_ERRLEN] = "";
	aslrt_fn *f = aslrt_fn_parse(expr, why, sizeof why);
	ck_assert_msg(f != NULL, "parse of %s failed: %s", expr, why);
	aslrt_env env = {
	    parse_json(input), parse_json(context_json), parse_json(vars), NULL, NULL, NULL, NULL};
	struct json_object *out = NULL;
	char *text = NULL;
	if (aslrt_fn_eval(f, &env, &out, err) == 0) {
		text = aslrt_json_dump(out);
		json_object_put(out);
	} else {
		ck_assert_ptr_null(out);
	}
	json_object_put(env.input);
	json_object_put(env.context);
	json_object_put(env.vars);
	aslrt_fn_free(f);
	return text;
}

static char *run(const char *expr, const char *input, aslrt_error *err)
{
	return run_vars(expr, input, NULL, err);
}

#define OK(expr, input, expected)                                                                  \
	do {                                                                                       \
		aslrt_error e_ = {0};                                                              \
		char *got_ = run(expr, input, &e_);                                                \
		ck_assert_msg(got_ != NULL, "%s failed: %s: %s", expr, e_.name, e_.cause);         \
		ck_assert_str_eq(got_, expected);                                                  \
		free(got_);                                                                        \
	} while (0)

/* The evaluation fails with States.Runtime and exactly this cause. */
#define FAIL(expr, input, want_cause)                                                              \
	do {                                                                                       \
		aslrt_error e_ = {0};                                                              \
		char *got_ = run(expr, input, &e_);                                                \
		ck_assert_msg(got_ == NULL, "%s gave %s", expr, got_);                             \
		ck_assert_str_eq(e_.name, "States.Runtime");                                       \
		ck_assert_str_eq(e_.cause, want_cause);                                            \
		aslrt_error_clear(&e_);                                                            \
	} while (0)

/* The cause is "The function '<expr>' had the following error: <detail>". */
#define FAILS_WITH(expr, input, detail)                                                            \
	FAIL(expr, input, "The function '" expr "' had the following error: " detail)

/* Parsing fails and the message contains needle. */
#define BAD(expr, needle)                                                                          \
	do {                                                                                       \
		char why_[ASLRT_ERRLEN] = "";                                                      \
		aslrt_fn *f_ = aslrt_fn_parse(expr, why_, sizeof why_);                            \
		ck_assert_msg(f_ == NULL, "%s parsed", expr);                                      \
		ck_assert_msg(strstr(why_, needle) != NULL, "%s: '%s' lacks '%s'", expr, why_,     \
			      needle);                                                             \
	} while (0)

/* --- parsing --- */

START_TEST(test_parse_ok)
{
	static const char *const good[] = {
	    "States.UUID()",
	    "States.Array()",
	    "States.Array( )",
	    "States.Array(1,2)",
	    "States.Array( 1 , 2 )",
	    "States.Array(-1, 1.5, -2.25, 1e3, 1E-2, null, true, false)",
	    "States.Array('a', '', '\\'', '\\{\\}', '\\\\')",
	    "States.Array($, $$, $.a, $.a.b, $.a[0], $['a b'], $$.Execution.Name, $x)",
	    "States.Array(States.Array(States.Array()))",
	    "  States.UUID()  ",
	    "States.Format('{}', $.a)",
	    "States.MathRandom(1, 2)",
	    "States.MathRandom(1, 2, 3)",
	    "States.JsonMerge($.a, $.b, false)",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char why[ASLRT_ERRLEN] = "";
		aslrt_fn *f = aslrt_fn_parse(good[i], why, sizeof why);
		ck_assert_msg(f != NULL, "%s: %s", good[i], why);
		aslrt_fn_free(f);
	}
	aslrt_fn_free(NULL);
}
END_TEST

START_TEST(test_parse_unknown_function)
{
	BAD("States.Foo()", "unknown intrinsic function 'States.Foo'");
	BAD("states.format('x')", "unknown intrinsic function 'states.format'");
	BAD("Format('x')", "unknown intrinsic function 'Format'");
	BAD("States.Array(States.Nope())", "unknown intrinsic function 'States.Nope'");
}
END_TEST

START_TEST(test_parse_arity)
{
	BAD("States.ArrayLength()", "States.ArrayLength takes 1 argument, not 0");
	BAD("States.ArrayLength($.a, $.b)", "States.ArrayLength takes 1 argument, not 2");
	BAD("States.UUID(1)", "States.UUID takes 0 arguments, not 1");
	BAD("States.Format()", "States.Format takes at least 1 argument, not 0");
	BAD("States.MathRandom(1)", "States.MathRandom takes 2 to 3 arguments, not 1");
	BAD("States.MathRandom(1, 2, 3, 4)", "States.MathRandom takes 2 to 3 arguments, not 4");
	BAD("States.JsonMerge($.a, $.b)", "States.JsonMerge takes 3 arguments, not 2");
	BAD("States.ArrayRange(1, 2)", "States.ArrayRange takes 3 arguments, not 2");
	BAD("States.Array(States.ArrayGetItem($.a))", "States.ArrayGetItem takes 2 arguments");
}
END_TEST

START_TEST(test_parse_strings)
{
	BAD("States.Format('abc)", "unterminated string literal at offset 14");
	BAD("States.Format('abc\\')", "unterminated string literal");
	BAD("States.Format('a\\nb')", "open backslash at offset 16");
	BAD("States.Format('a\\')", "unterminated string literal");
	BAD("States.Format('a\\\"b')", "open backslash");
	BAD("States.Format(\"x\")", "invalid argument at offset 14");
}
END_TEST

START_TEST(test_parse_syntax)
{
	BAD("", "expected a function call at offset 0");
	BAD("   ", "expected a function call");
	BAD("States.UUID", "expected a function call");
	BAD("States.UUID ()", "expected a function call");
	BAD("States.UUID() x", "unexpected text after the function call at offset 14");
	BAD("States.UUID())", "unexpected text after the function call at offset 13");
	BAD("States.Array(1", "unexpected end of text, expected ',' or ')'");
	BAD("States.Array(1,", "unexpected end of text, expected an argument");
	BAD("States.Array(1,)", "invalid argument at offset 15");
	BAD("States.Array(,1)", "invalid argument at offset 13");
	BAD("States.Array(1 2)", "expected ',' or ')' at offset 15");
	BAD("States.Array(nul)", "invalid argument");
	BAD("States.Array(True)", "invalid argument");
	BAD("States.Array(nullx)", "invalid argument");
	BAD("States.Array(1.)", "invalid number at offset 13");
	BAD("States.Array(-)", "invalid number");
	/* no leading zero (found by fuzzing: 0999...9, kept as written, printed
	 * as text that is not JSON) */
	BAD("States.Array(09999999999999999999)", "invalid number at offset 13");
	BAD("States.Array(1, -012)", "invalid number at offset 16");
	BAD("States.Array(--1)", "invalid number");
	BAD("States.Array(1x)", "invalid number");
	BAD("States.Array(1e)", "invalid number");
	BAD("$.a", "expected a function call");
}
END_TEST

START_TEST(test_parse_depth)
{
	/* Ten nested calls are allowed, eleven are not. */
	char ok[512] = "", bad[512] = "";
	for (int i = 0; i < 10; i++)
		strcat(ok, "States.Array(");
	for (int i = 0; i < 10; i++)
		strcat(ok, ")");
	strcat(bad, "States.Array(");
	strcat(bad, ok);
	strcat(bad, ")");
	char why[ASLRT_ERRLEN];
	aslrt_fn *f = aslrt_fn_parse(ok, why, sizeof why);
	ck_assert_ptr_nonnull(f);
	aslrt_fn_free(f);
	BAD(bad, "more than 10 nested intrinsic functions");
	OK(ok, "{}", "[[[[[[[[[[]]]]]]]]]]");
}
END_TEST

START_TEST(test_parse_paths)
{
	BAD("States.Array($.a[)", "invalid path '$.a[)' at offset 13");
	/* Brackets may hold ',' and ')'; white space after a path is not part of it. */
	OK("States.Array($['a,b'], $['c)d'] , $.e )", "{\"a,b\":1,\"c)d\":2,\"e\":3}", "[1,2,3]");
	/* Indefinite paths give arrays, filters may hold parentheses and commas. */
	OK("States.Array($.a[*].x, $.a[?(@.x == 2)].x, $..x)", "{\"a\":[{\"x\":1},{\"x\":2}]}",
	   "[[1,2],[2],[1,2]]");
	OK("States.ArrayLength($.a[?(@.s in ['p,q', 'r)'])])",
	   "{\"a\":[{\"s\":\"p,q\"},{\"s\":\"r)\"},{\"s\":\"t\"}]}", "2");
	OK("States.Array($.nothing[*])", "{}", "[[]]");
	OK("States.Array($.a[-1], $.a[0])", "{\"a\":[1,null,3]}", "[3,1]");
	OK("States.Array($.a[1])", "{\"a\":[1,null,3]}", "[null]");
	OK("States.Array($.abc.['def ghi'])", "{\"abc\":{\"def ghi\":5}}", "[5]");
}
END_TEST

/* --- arguments --- */

START_TEST(test_literals)
{
	OK("States.Array('Foo', 2020, null, true, false, -7, 1.50, -0.25, 1e3)", "{}",
	   "[\"Foo\",2020,null,true,false,-7,1.50,-0.25,1e3]");
	OK("States.Array('it\\'s', '\\{\\}', 'back\\\\slash', '', ' ')", "{}",
	   "[\"it's\",\"{}\",\"back\\\\slash\",\"\",\" \"]");
	/* A JSON escape reaches us decoded: a newline is an ordinary character. */
	OK("States.StringSplit('Hello\nWorld', '\n')", "{}", "[\"Hello\",\"World\"]");
	OK("States.Array(9223372036854775807, 99999999999999999999)", "{}",
	   "[9223372036854775807,99999999999999999999]");
}
END_TEST

START_TEST(test_paths_and_context)
{
	OK("States.Array($.Id)", "{\"Id\":123456}", "[123456]");
	OK("States.Array('Foo', 2020, $.someJson, null)",
	   "{\"someJson\":{\"random\":\"abcdefg\"},\"zebra\":\"stripe\"}",
	   "[\"Foo\",2020,{\"random\":\"abcdefg\"},null]");
	OK("States.Array($)", "[1]", "[[1]]");
	OK("States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, "
	   "$$.StateMachine)",
	   "{\"FunctionInput\":null}",
	   "\"Formatting arguments fst=conformance-execution-1 and "
	   "snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:statemachine_su000317, "
	   "Name=statemachine_su000317}.\"");
	OK("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '_'), 0)", "{}",
	   "\"statemachine\"");
	aslrt_error e = {0};
	char *got = run_vars("States.Format('Format Func {}', $varname)", "{}",
			     "{\"varname\":\"var_value\"}", &e);
	ck_assert_str_eq(got, "\"Format Func var_value\"");
	free(got);
}
END_TEST

START_TEST(test_path_not_found)
{
	FAIL("States.Format('{}', $.nope)", "{\"other\":1}",
	     "The function 'States.Format('{}', $.nope)' had the following error: The JsonPath "
	     "argument for the field '$.nope' could not be found in the input '{\"other\":1}'");
	/* The whole field is quoted even when a nested argument fails. */
	FAIL("States.Array(1, States.Format('{}', $.a.b))", "{\"a\":{}}",
	     "The function 'States.Array(1, States.Format('{}', $.a.b))' had the following "
	     "error: The JsonPath argument for the field '$.a.b' could not be found in the "
	     "input '{\"a\":{}}'");
	FAIL("States.ArrayGetItem($.items[5], 0)", "{\"items\":[1,2]}",
	     "The function 'States.ArrayGetItem($.items[5], 0)' had the following error: The "
	     "JsonPath argument for the field '$.items[5]' could not be found in the input "
	     "'{\"items\":[1,2]}'");
	FAIL("States.Format('{}', $$.Nope)", "\"in\"",
	     "The function 'States.Format('{}', $$.Nope)' had the following error: The JsonPath "
	     "argument for the field '$$.Nope' could not be found in the input '\"in\"'");
	FAIL("States.Format('{}', $nope)", "{}",
	     "The function 'States.Format('{}', $nope)' had the following error: The JsonPath "
	     "argument for the field '$nope' could not be found in the input '{}'");
	/* A present null is a value. */
	OK("States.Format('{}', $.nul)", "{\"nul\":null}", "\"null\"");
}
END_TEST

/* --- States.Format --- */

START_TEST(test_format_examples)
{
	OK("States.Format('Hello, my name is {}.', $.name)",
	   "{\"name\":\"Arnav\",\"template\":\"Hello, my name is {}.\"}",
	   "\"Hello, my name is Arnav.\"");
	OK("States.Format($.template, $.name)",
	   "{\"name\":\"Arnav\",\"template\":\"Hello, my name is {}.\"}",
	   "\"Hello, my name is Arnav.\"");
	OK("States.Format('Your name is {}, we are in the year {}', $.name, 2020)",
	   "{\"name\":\"Foo\",\"zebra\":\"stripe\"}",
	   "\"Your name is Foo, we are in the year 2020\"");
	OK("States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)",
	   "{\"firstName\":\"John\",\"lastName\":\"Doe\"}", "\"Welcome to John Doe's playlist.\"");
	OK("States.Format('This is a custom error message for {}, caused by {}.', $.Error, "
	   "$.Cause)",
	   "{\"Error\":\"error string\",\"Cause\":\"cause string\"}",
	   "\"This is a custom error message for error string, caused by cause string.\"");
}
END_TEST

START_TEST(test_format_values)
{
	const char *t = "States.Format('Formatting argument {}.', $.FunctionInput)";
	OK(t, "{\"FunctionInput\":\"\"}", "\"Formatting argument .\"");
	OK(t, "{\"FunctionInput\":\" \"}", "\"Formatting argument  .\"");
	OK(t, "{\"FunctionInput\":null}", "\"Formatting argument null.\"");
	OK(t, "{\"FunctionInput\":1}", "\"Formatting argument 1.\"");
	OK(t, "{\"FunctionInput\":1.1}", "\"Formatting argument 1.1.\"");
	OK(t, "{\"FunctionInput\":true}", "\"Formatting argument true.\"");
	OK(t, "{\"FunctionInput\":-0.5}", "\"Formatting argument -0.5.\"");
	const char *t2 = "States.Format('Formatting arguments fst={} and snd={}.', "
			 "$.FunctionInput.fst, $.FunctionInput.snd)";
	OK(t2, "{\"FunctionInput\":{\"fst\":null,\"snd\":null}}",
	   "\"Formatting arguments fst=null and snd=null.\"");
	OK(t2,
	   "{\"FunctionInput\":{\"fst\":\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\","
	   "\"snd\":\"{\\\"Arg1\\\": 1, \\\"Arg2\\\": []}\"}}",
	   "\"Formatting arguments fst={\\\"Arg1\\\": 1, \\\"Arg2\\\": []} and "
	   "snd={\\\"Arg1\\\": 1, \\\"Arg2\\\": []}.\"");
	/* Objects and arrays print as Java's Map and List toString(). */
	OK(t2,
	   "{\"FunctionInput\":{\"fst\":{\"Arg1\":1,\"Arg2\":[]},\"snd\":{\"Arg1\":1,\"Arg2\":[]}}"
	   "}",
	   "\"Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}.\"");
	OK("States.Format('{}|{}|{}', $.a, $.b, $.c)",
	   "{\"a\":[1,\"x\",null,true],\"b\":{\"k\":{\"n\":[{}]},\"s\":\"v w\"},\"c\":[]}",
	   "\"[1, x, null, true]|{k={n=[{}]}, s=v w}|[]\"");
	/* Nested calls as template and argument. */
	OK("States.Format(States.Format('{}-\\{\\}', '{}'), States.ArrayLength($.a), 'x')",
	   "{\"a\":[1,2]}", "\"2-x\"");
	OK("States.Format('{}', 1.50)", "{}", "\"1.50\"");
}
END_TEST

START_TEST(test_format_escapes)
{
	OK("States.Format('\\{\\}')", "{}", "\"{}\"");
	OK("States.Format('\\{}')", "{}", "\"{}\"");
	OK("States.Format('{\\}{}', 1)", "{}", "\"{}1\"");
	OK("States.Format('a\\\\b{}', 'c')", "{}", "\"a\\\\bc\"");
	OK("States.Format('{ } {x}')", "{}", "\"{ } {x}\"");
	OK("States.Format('{}{}', 'a', 'b')", "{}", "\"ab\"");
	OK("States.Format('')", "{}", "\"\"");
	/* A template read from the input has no escapes: backslashes stay. */
	OK("States.Format($.t, 1)", "{\"t\":\"\\\\{}\"}", "\"\\\\1\"");
}
END_TEST

START_TEST(test_format_errors)
{
	FAILS_WITH("States.Format('{} {}', 1)", "{}",
		   "States.Format: the template has 2 placeholders but 1 argument follows it");
	FAILS_WITH("States.Format('x', 1, 2)", "{}",
		   "States.Format: the template has 0 placeholders but 2 arguments follow it");
	FAILS_WITH("States.Format($.t)", "{\"t\":5}",
		   "States.Format: argument 1 must be a string, not a number");
	FAILS_WITH("States.Format(null)", "{}",
		   "States.Format: argument 1 must be a string, not null");
}
END_TEST

/* aslrt_fn_apply, what compiled code calls: the arguments as values, the
 * literal template's escapes passed beside them, the evaluator's causes. */
START_TEST(test_apply)
{
	aslrt_error e = {0};
	struct json_object *out = NULL;
	struct json_object *argv[3] = {json_object_new_int(41), json_object_new_int(1), NULL};
	ck_assert_int_eq(aslrt_fn_apply(ASLRT_FN_MATH_ADD, argv, 2, NULL, "W", &out, &e), 0);
	ck_assert_str_eq(json_object_to_json_string(out), "42");
	json_object_put(out);
	json_object_put(argv[1]);
	argv[1] = json_object_new_string("x");
	ck_assert_int_eq(aslrt_fn_apply(ASLRT_FN_MATH_ADD, argv, 2, NULL, "W(1, 'x')", &out, &e),
			 -1);
	ck_assert_str_eq(e.name, "States.Runtime");
	ck_assert_str_eq(e.cause, "The function 'W(1, 'x')' had the following error: "
				  "States.MathAdd: argument 2 must be a number, not a string");
	aslrt_error_clear(&e);
	/* argument 1 holds the unescaped value, raw0 the text with escapes */
	json_object_put(argv[0]);
	argv[0] = json_object_new_string("{}{}");
	ck_assert_int_eq(aslrt_fn_apply(ASLRT_FN_FORMAT, argv, 2, "\\{}{}", "W", &out, &e), 0);
	ck_assert_str_eq(json_object_get_string(out), "{}x");
	json_object_put(out);
	ck_assert_int_eq(aslrt_fn_apply(ASLRT_FN_FORMAT, argv, 2, NULL, "W", &out, &e), -1);
	ck_assert_str_eq(e.cause, "The function 'W' had the following error: States.Format: the "
				  "template has 2 placeholders but 1 argument follows it");
	aslrt_error_clear(&e);
	/* a null argument is NULL */
	ck_assert_int_eq(aslrt_fn_apply(ASLRT_FN_ARRAY, &argv[2], 1, NULL, "W", &out, &e), 0);
	ck_assert_str_eq(json_object_to_json_string(out), "[ null ]");
	json_object_put(out);
	json_object_put(argv[0]);
	json_object_put(argv[1]);
}
END_TEST

/* The literal arguments the compiler turns into constants. */
START_TEST(test_arg_values)
{
	char why[ASLRT_ERRLEN];
	aslrt_fn *f = aslrt_fn_parse("States.Format('a\\{}', 7, null, true, $.x)", why, sizeof why);
	ck_assert_ptr_nonnull(f);
	const char *raw;
	ck_assert_str_eq(json_object_get_string(aslrt_fn_arg_value(f, 0, &raw)), "a{}");
	ck_assert_str_eq(raw, "a\\{}");
	ck_assert_str_eq(json_object_to_json_string(aslrt_fn_arg_value(f, 1, &raw)), "7");
	ck_assert_ptr_null(raw);
	ck_assert_ptr_null(aslrt_fn_arg_value(f, 2, &raw));
	ck_assert_str_eq(json_object_to_json_string(aslrt_fn_arg_value(f, 3, &raw)), "true");
	ck_assert_ptr_null(aslrt_fn_arg_value(f, 4, &raw)); /* a path: no value */
	aslrt_fn_free(f);
}
END_TEST

/* --- JSON text --- */

START_TEST(test_string_to_json)
{
	const char *t = "States.StringToJson($.FunctionInput)";
	OK(t, "{\"FunctionInput\":\"\"}", "null");
	OK(t, "{\"FunctionInput\":\" \"}", "null");
	OK(t, "{\"FunctionInput\":\"null\"}", "null");
	OK(t, "{\"FunctionInput\":\"-0\"}", "0");
	OK(t, "{\"FunctionInput\":\"1\"}", "1");
	OK(t, "{\"FunctionInput\":\"1.1\"}", "1.1");
	OK(t, "{\"FunctionInput\":\"true\"}", "true");
	OK(t, "{\"FunctionInput\":\"\\\"HelloWorld\\\"\"}", "\"HelloWorld\"");
	OK(t, "{\"FunctionInput\":\" [1, {\\\"a\\\": null}] \"}", "[1,{\"a\":null}]");
	OK("States.StringToJson($.escapedJsonString)",
	   "{\"escapedJsonString\":\"{\\\"foo\\\": \\\"bar\\\"}\"}", "{\"foo\":\"bar\"}");
	OK("States.StringToJson($.someString)",
	   "{\"someString\":\"{\\\"number\\\": 20}\",\"zebra\":\"stripe\"}", "{\"number\":20}");
	OK("States.StringToJson('{\"a\":[1,2]}')", "{}", "{\"a\":[1,2]}");
	OK("States.StringToJson(States.JsonToString($.x))", "{\"x\":{\"k\":[1.0,\"v\"]}}",
	   "{\"k\":[1.0,\"v\"]}");
	FAILS_WITH("States.StringToJson(5)", "{}",
		   "States.StringToJson: argument 1 must be a string, not a number");
	aslrt_error e = {0};
	char *got = run("States.StringToJson('{a')", "{}", &e);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(e.name, "States.Runtime");
	ck_assert_msg(strstr(e.cause,
			     "The function 'States.StringToJson('{a')' had the following "
			     "error: States.StringToJson: the argument is not valid JSON: ") ==
			  e.cause,
		      "%s", e.cause);
	aslrt_error_clear(&e);
	got = run("States.StringToJson('1 2')", "{}", &e);
	ck_assert_ptr_null(got);
	aslrt_error_clear(&e);
}
END_TEST

START_TEST(test_json_to_string)
{
	const char *t = "States.JsonToString($.FunctionInput)";
	OK(t, "{\"FunctionInput\":null}", "\"null\"");
	OK(t, "{\"FunctionInput\":0}", "\"0\"");
	OK(t, "{\"FunctionInput\":1}", "\"1\"");
	OK(t, "{\"FunctionInput\":1.1}", "\"1.1\"");
	OK(t, "{\"FunctionInput\":true}", "\"true\"");
	OK(t, "{\"FunctionInput\":\"HelloWorld\"}", "\"\\\"HelloWorld\\\"\"");
	OK(t, "{\"FunctionInput\":{\"Arg1\":1,\"Arg2\":[]}}",
	   "\"{\\\"Arg1\\\":1,\\\"Arg2\\\":[]}\"");
	OK(t, "{\"FunctionInput\":[1,2,\"HelloWorld\"]}", "\"[1,2,\\\"HelloWorld\\\"]\"");
	OK("States.JsonToString($.unescapedJson)", "{\"unescapedJson\":{\"foo\":\"bar\"}}",
	   "\"{\\\"foo\\\":\\\"bar\\\"}\"");
	OK("States.JsonToString($.someJson)",
	   "{\"someJson\":{\"name\":\"Foo\",\"year\":2020},\"zebra\":\"stripe\"}",
	   "\"{\\\"name\\\":\\\"Foo\\\",\\\"year\\\":2020}\"");
	OK("States.JsonToString($.u)", "{\"u\":\"a/b\\u00e9\"}", "\"\\\"a/b\u00e9\\\"\"");
}
END_TEST

/* --- arrays --- */

START_TEST(test_array)
{
	OK("States.Array()", "{\"FunctionInput\":\"HelloWorld\"}", "[]");
	const char *t = "States.Array($.FunctionInput.fst, $.FunctionInput.snd)";
	OK(t, "{\"FunctionInput\":{\"fst\":\"\",\"snd\":\"\"}}", "[\"\",\"\"]");
	OK(t, "{\"FunctionInput\":{\"fst\":\" \",\"snd\":\" \"}}", "[\" \",\" \"]");
	OK(t, "{\"FunctionInput\":{\"fst\":1,\"snd\":1}}", "[1,1]");
	OK(t, "{\"FunctionInput\":{\"fst\":null,\"snd\":[]}}", "[null,[]]");
	OK(t,
	   "{\"FunctionInput\":{\"fst\":{\"Arg1\":1,\"Arg2\":[]},\"snd\":{\"Arg1\":1,\"Arg2\":[]}}"
	   "}",
	   "[{\"Arg1\":1,\"Arg2\":[]},{\"Arg1\":1,\"Arg2\":[]}]");
	OK("States.Array('a', 'b', 'c')", "{}", "[\"a\",\"b\",\"c\"]");
	OK("States.Array(1,2,3,4,5,6,7,8,9,10,11)", "{}", "[1,2,3,4,5,6,7,8,9,10,11]");
}
END_TEST

START_TEST(test_array_partition)
{
	const char *t = "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)";
	static const char *const cases[][2] = {
	    {"{\"FunctionInput\":{\"fst\":[],\"snd\":1}}", "[]"},
	    {"{\"FunctionInput\":{\"fst\":[],\"snd\":5}}", "[]"},
	    {"{\"FunctionInput\":{\"fst\":[0],\"snd\":3}}", "[[0]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1],\"snd\":1}}", "[[0],[1]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1],\"snd\":2}}", "[[0,1]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1],\"snd\":5}}", "[[0,1]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1,2],\"snd\":2}}", "[[0,1],[2]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1,2],\"snd\":3}}", "[[0,1,2]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1,2,3],\"snd\":3}}", "[[0,1,2],[3]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1,2,3],\"snd\":4}}", "[[0,1,2,3]]"},
	    /* non-integer sizes are rounded */
	    {"{\"FunctionInput\":{\"fst\":[0,1,2,3],\"snd\":1.5}}", "[[0,1],[2,3]]"},
	    {"{\"FunctionInput\":{\"fst\":[0,1,2,3],\"snd\":2.4}}", "[[0,1],[2,3]]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		OK(t, cases[i][0], cases[i][1]);
	OK("States.ArrayPartition($.inputArray,4)", "{\"inputArray\":[1,2,3,4,5,6,7,8,9]}",
	   "[[1,2,3,4],[5,6,7,8],[9]]");
	OK("States.ArrayPartition($.a, 2)", "{\"a\":[{\"x\":1},null,\"s\"]}",
	   "[[{\"x\":1},null],[\"s\"]]");
	FAILS_WITH("States.ArrayPartition($.a, 0)", "{\"a\":[1]}",
		   "States.ArrayPartition: the chunk size must be a positive integer, not 0");
	FAILS_WITH("States.ArrayPartition($.a, 0.4)", "{\"a\":[1]}",
		   "States.ArrayPartition: the chunk size must be a positive integer, not 0");
	FAILS_WITH("States.ArrayPartition($.a, -1)", "{\"a\":[1]}",
		   "States.ArrayPartition: the chunk size must be a positive integer, not -1");
	FAILS_WITH("States.ArrayPartition($.a, 1)", "{\"a\":{}}",
		   "States.ArrayPartition: argument 1 must be an array, not an object");
	FAILS_WITH("States.ArrayPartition($.a, '1')", "{\"a\":[]}",
		   "States.ArrayPartition: argument 2 must be a number, not a string");
	FAILS_WITH("States.ArrayPartition($.a, 3000000000)", "{\"a\":[]}",
		   "States.ArrayPartition: argument 2 (3000000000) is out of range "
		   "[-2147483648, 2147483647]");
}
END_TEST

START_TEST(test_array_contains)
{
	const char *t = "States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd)";
	static const char *const cases[][2] = {
	    {"{\"FunctionInput\":{\"fst\":[],\"snd\":null}}", "false"},
	    {"{\"FunctionInput\":{\"fst\":[],\"snd\":[]}}", "false"},
	    {"{\"FunctionInput\":{\"fst\":[[1,2,3],2],\"snd\":null}}", "false"},
	    {"{\"FunctionInput\":{\"fst\":[[1,2,3],2],\"snd\":[1,2,3]}}", "true"},
	    {"{\"FunctionInput\":{\"fst\":[[1,2,3],2],\"snd\":[1,2]}}", "false"},
	    {"{\"FunctionInput\":{\"fst\":[{\"1\":2,\"2\":[]}],\"snd\":{\"2\":[],\"1\":2}}}",
	     "true"},
	    {"{\"FunctionInput\":{\"fst\":[true,false],\"snd\":false}}", "true"},
	    {"{\"FunctionInput\":{\"fst\":[null],\"snd\":null}}", "true"},
	    {"{\"FunctionInput\":{\"fst\":[\"1\"],\"snd\":1}}", "false"},
	    {"{\"FunctionInput\":{\"fst\":[1.0],\"snd\":1}}", "true"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		OK(t, cases[i][0], cases[i][1]);
	OK("States.ArrayContains($.inputArray, $.lookingFor)",
	   "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"lookingFor\":5}", "true");
	OK("States.ArrayContains($.a, 'x')", "{\"a\":[\"y\",\"x\"]}", "true");
	FAILS_WITH("States.ArrayContains($.a, 1)", "{\"a\":\"1\"}",
		   "States.ArrayContains: argument 1 must be an array, not a string");
}
END_TEST

START_TEST(test_array_range)
{
	const char *t = "States.ArrayRange($.f, $.l, $.s)";
	static const char *const cases[][2] = {
	    {"{\"f\":0,\"l\":9,\"s\":3}", "[0,3,6,9]"},
	    {"{\"f\":0,\"l\":10,\"s\":3}", "[0,3,6,9]"},
	    {"{\"f\":1,\"l\":9,\"s\":9}", "[1]"},
	    {"{\"f\":1,\"l\":9,\"s\":2}", "[1,3,5,7,9]"},
	    {"{\"f\":5,\"l\":5,\"s\":1}", "[5]"},
	    {"{\"f\":5,\"l\":1,\"s\":1}", "[]"},
	    {"{\"f\":1,\"l\":5,\"s\":-1}", "[]"},
	    {"{\"f\":9,\"l\":1,\"s\":-3}", "[9,6,3]"},
	    {"{\"f\":-2,\"l\":2,\"s\":2}", "[-2,0,2]"},
	    {"{\"f\":0.5,\"l\":2.4,\"s\":1}", "[1,2]"},
	    {"{\"f\":-0.5,\"l\":1,\"s\":1.5}", "[0]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		OK(t, cases[i][0], cases[i][1]);
	OK("States.ArrayRange(1, 9, 2)", "{}", "[1,3,5,7,9]");
	OK("States.ArrayRange(0, 3, 1)", "{}", "[0,1,2,3]");
	OK("States.ArrayLength(States.ArrayRange(0, 999, 1))", "{}", "1000");
	OK("States.ArrayLength(States.ArrayRange(1000, 1, -1))", "{}", "1000");
	FAILS_WITH("States.ArrayRange(0, 1000, 1)", "{}",
		   "States.ArrayRange: the range has 1001 items, more than the limit of 1000");
	FAILS_WITH(
	    "States.ArrayRange(-2147483648, 2147483647, 1)", "{}",
	    "States.ArrayRange: the range has 4294967296 items, more than the limit of 1000");
	FAILS_WITH("States.ArrayRange(0, 10, 0)", "{}",
		   "States.ArrayRange: the step must not be 0");
	FAILS_WITH("States.ArrayRange(0, 10, 0.4)", "{}",
		   "States.ArrayRange: the step must not be 0");
	FAILS_WITH("States.ArrayRange(0, null, 1)", "{}",
		   "States.ArrayRange: argument 2 must be a number, not null");
}
END_TEST

START_TEST(test_array_get_item)
{
	OK("States.ArrayGetItem($.inputArray, $.index)",
	   "{\"inputArray\":[1,2,3,4,5,6,7,8,9],\"index\":5}", "6");
	OK("States.ArrayGetItem($.a, 0)", "{\"a\":[{\"k\":[1]}]}", "{\"k\":[1]}");
	OK("States.ArrayGetItem($.a, 1)", "{\"a\":[1,null]}", "null");
	OK("States.ArrayGetItem($.a, 0.5)", "{\"a\":[1,2]}", "2");
	OK("States.ArrayGetItem(States.StringSplit('a-b-c', '-'), 2)", "{}", "\"c\"");
	FAILS_WITH("States.ArrayGetItem($.a, 2)", "{\"a\":[1,2]}",
		   "States.ArrayGetItem: index 2 is out of bounds for an array of length 2");
	FAILS_WITH("States.ArrayGetItem($.a, -1)", "{\"a\":[1,2]}",
		   "States.ArrayGetItem: index -1 is out of bounds for an array of length 2");
	FAILS_WITH("States.ArrayGetItem($.a, 0)", "{\"a\":null}",
		   "States.ArrayGetItem: argument 1 must be an array, not null");
}
END_TEST

START_TEST(test_array_length)
{
	OK("States.ArrayLength($.FunctionInput)", "{\"FunctionInput\":[1,2,3,4,5,6,7,8,9]}", "9");
	OK("States.ArrayLength($.FunctionInput)",
	   "{\"FunctionInput\":[null,null,true,true,false,false,1,1,1.1,0,0,\"HelloWorld\","
	   "\"HelloWorld\",[],[],[null],[null],{\"a\":1,\"b\":2},{\"a\":1,\"b\":2},{\"a\":1,\"b\":"
	   "1}]}",
	   "20");
	OK("States.ArrayLength($.a)", "{\"a\":[]}", "0");
	OK("States.ArrayLength(States.Array())", "{}", "0");
	FAILS_WITH("States.ArrayLength($.a)", "{\"a\":{\"0\":1}}",
		   "States.ArrayLength: argument 1 must be an array, not an object");
}
END_TEST

START_TEST(test_array_unique)
{
	OK("States.ArrayUnique($.inputArray)", "{\"inputArray\":[1,2,3,3,3,3,3,3,4]}", "[1,2,3,4]");
	OK("States.ArrayUnique($.a)", "{\"a\":[3,1,3,2,1]}", "[3,1,2]");
	OK("States.ArrayUnique($.a)",
	   "{\"a\":[null,null,true,true,false,false,1,1,1.1,0,0,\"HelloWorld\",\"HelloWorld\","
	   "[],[],[null],[null],{\"a\":1,\"b\":2},{\"b\":2,\"a\":1},{\"a\":1,\"b\":1}]}",
	   "[null,true,false,1,1.1,0,\"HelloWorld\",[],[null],{\"a\":1,\"b\":2},{\"a\":1,\"b\":1}"
	   "]");
	OK("States.ArrayUnique($.a)", "{\"a\":[1,1.0,-0.0,0,\"1\",[1],[1.0]]}",
	   "[1,-0.0,\"1\",[1]]");
	OK("States.ArrayUnique($.a)", "{\"a\":[]}", "[]");
	/* Many distinct values exercise the hash set. */
	OK("States.ArrayLength(States.ArrayUnique(States.ArrayRange(0, 999, 1)))", "{}", "1000");
	FAILS_WITH("States.ArrayUnique($.a)", "{\"a\":1}",
		   "States.ArrayUnique: argument 1 must be an array, not a number");
	/* twins after the set has grown (past 8 and 16 distinct values) keep
	 * the first occurrences in order */
	char in[512] = "{\"a\":[", want[256] = "[";
	for (int k = 0; k < 20; k++)
		sprintf(in + strlen(in), "%d,\"s%d\",", k, k);
	for (int k = 19; k >= 0; k--)
		sprintf(in + strlen(in), "\"s%d\",%d%s", k, k, k ? "," : "]}");
	for (int k = 0; k < 20; k++)
		sprintf(want + strlen(want), "%d,\"s%d\"%s", k, k, k < 19 ? "," : "]");
	OK("States.ArrayUnique($.a)", in, want);
	/* containers of more than 32 values compared (a longer pending list) */
	char big[1024], one[160] = "[";
	for (int k = 0; k < 40; k++)
		sprintf(one + strlen(one), "%d%s", k, k < 39 ? "," : "]");
	sprintf(big, "{\"a\":[%s,%s,[%s]]}", one, one, one);
	char wantbig[1024];
	sprintf(wantbig, "[%s,[%s]]", one, one);
	OK("States.ArrayUnique($.a)", big, wantbig);
}
END_TEST

/* --- encodings and digests --- */

START_TEST(test_base64)
{
	OK("States.Base64Encode($.input)", "{\"input\":\"Data to encode\"}",
	   "\"RGF0YSB0byBlbmNvZGU=\"");
	OK("States.Base64Encode($.FunctionInput)", "{\"FunctionInput\":\"\"}", "\"\"");
	OK("States.Base64Encode('Hello World')", "{}", "\"SGVsbG8gV29ybGQ=\"");
	OK("States.Base64Encode('a')", "{}", "\"YQ==\"");
	OK("States.Base64Encode('\xc3\xa9')", "{}", "\"w6k=\"");
	OK("States.Base64Decode($.base64)", "{\"base64\":\"RGF0YSB0byBlbmNvZGU=\"}",
	   "\"Data to encode\"");
	OK("States.Base64Decode($.FunctionInput)", "{\"FunctionInput\":\"\"}", "\"\"");
	OK("States.Base64Decode('SGVsbG8gV29ybGQ=')", "{}", "\"Hello World\"");
	OK("States.Base64Decode('YQ==')", "{}", "\"a\"");
	OK("States.Base64Decode('YWI=')", "{}", "\"ab\"");
	OK("States.Base64Decode('YWJj')", "{}", "\"abc\"");
	OK("States.Base64Decode('YQ')", "{}", "\"a\"");
	OK("States.Base64Decode('w6k=')", "{}", "\"\xc3\xa9\"");
	OK("States.Base64Decode('/w==')", "{}", "\"\xef\xbf\xbd\"");
	OK("States.Base64Decode('AA==')", "{}", "\"\\u0000\"");
	OK("States.Base64Decode(States.Base64Encode($.s))", "{\"s\":\"r\\u00f8und tr\\u00efp\"}",
	   "\"r\xc3\xb8und tr\xc3\xafp\"");
	FAILS_WITH("States.Base64Decode('!!!!')", "{}",
		   "States.Base64Decode: the argument is not valid Base64");
	FAILS_WITH("States.Base64Decode('Y')", "{}",
		   "States.Base64Decode: the argument is not valid Base64");
	FAILS_WITH("States.Base64Decode('YQ==YQ==')", "{}",
		   "States.Base64Decode: the argument is not valid Base64");
	FAILS_WITH("States.Base64Encode(1)", "{}",
		   "States.Base64Encode: argument 1 must be a string, not a number");
	FAILS_WITH("States.Base64Decode(null)", "{}",
		   "States.Base64Decode: argument 1 must be a string, not null");
}
END_TEST

/* A string of n copies of c as a JSON document {"s": "..."}. */
static char *long_input(size_t n, const char *c)
{
	size_t cl = strlen(c);
	char *s = malloc(n * cl + 16);
	strcpy(s, "{\"s\":\"");
	for (size_t i = 0; i < n; i++)
		memcpy(s + 6 + i * cl, c, cl);
	strcpy(s + 6 + n * cl, "\"}");
	return s;
}

START_TEST(test_limits_10000)
{
	char *in = long_input(10000, "a");
	aslrt_error e = {0};
	char *got = run("States.Base64Encode($.s)", in, &e);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(strlen(got), 13336 + 2); /* no line breaks */
	free(got);
	got = run("States.Hash($.s, 'MD5')", in, &e);
	ck_assert_ptr_nonnull(got);
	free(got);
	free(in);
	in = long_input(10001, "a");
	FAILS_WITH("States.Base64Encode($.s)", in,
		   "States.Base64Encode: argument 1 has 10001 characters, more than the limit "
		   "of 10000");
	FAILS_WITH("States.Hash($.s, 'SHA-1')", in,
		   "States.Hash: argument 1 has 10001 characters, more than the limit of 10000");
	free(in);
	/* Characters, not bytes: 10000 two-byte characters are fine, and a
	 * supplementary character counts twice as in Java. */
	in = long_input(10000, "\xc3\xa9");
	got = run("States.Base64Encode($.s)", in, &e);
	ck_assert_ptr_nonnull(got);
	free(got);
	free(in);
	in = long_input(5001, "\xf0\x9f\x98\x80");
	FAILS_WITH("States.Base64Encode($.s)", in,
		   "States.Base64Encode: argument 1 has 10002 characters, more than the limit "
		   "of 10000");
	free(in);
	/* Decoding: 10000 characters of Base64. */
	in = long_input(10004, "A");
	FAILS_WITH("States.Base64Decode($.s)", in,
		   "States.Base64Decode: argument 1 has 10004 characters, more than the limit "
		   "of 10000");
	free(in);
}
END_TEST

START_TEST(test_hash)
{
	const char *t = "States.Hash($.FunctionInput.fst, $.FunctionInput.snd)";
	OK(t, "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"MD5\"}}",
	   "\"812f45842bc6d66ee14572ce20db8e86\"");
	OK(t, "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"SHA-1\"}}",
	   "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"");
	OK(t, "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"SHA-256\"}}",
	   "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"");
	OK(t, "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"SHA-384\"}}",
	   "\"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9"
	   "e9"
	   "374a15562\"");
	OK(t, "{\"FunctionInput\":{\"fst\":\"input data\",\"snd\":\"SHA-512\"}}",
	   "\"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593"
	   "f"
	   "c50283731a533d30d425402d4f91316d871303aac4\"");
	OK("States.Hash('', 'MD5')", "{}", "\"d41d8cd98f00b204e9800998ecf8427e\"");
	OK("States.Hash($.Data, $.Algorithm)", "{\"Data\":\"input data\",\"Algorithm\":\"SHA-1\"}",
	   "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"");
	/* Non-strings are hashed as their JSON text: MD5("123"), MD5("{\"a\":1}"). */
	OK("States.Hash(123, 'MD5')", "{}", "\"202cb962ac59075b964b07152d234b70\"");
	OK("States.Hash($.o, 'MD5')", "{\"o\":{\"a\":1}}", "\"bb6cb5c68df4652941caf652a366f2d8\"");
	FAILS_WITH(
	    "States.Hash('x', 'SHA-3')", "{}",
	    "States.Hash: unsupported algorithm 'SHA-3'; use MD5, SHA-1, SHA-256, SHA-384 or "
	    "SHA-512");
	FAILS_WITH("States.Hash('x', 'md5')", "{}",
		   "States.Hash: unsupported algorithm 'md5'; use MD5, SHA-1, SHA-256, SHA-384 or "
		   "SHA-512");
	FAILS_WITH("States.Hash('x', 1)", "{}",
		   "States.Hash: argument 2 must be a string, not a number");
}
END_TEST

/* --- States.JsonMerge --- */

START_TEST(test_json_merge)
{
	OK("States.JsonMerge($.json1, $.json2, false)",
	   "{\"json1\":{\"a\":{\"a1\":1,\"a2\":2},\"b\":2},\"json2\":{\"a\":{\"a3\":1,\"a4\":2},"
	   "\"c\":3}}",
	   "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"c\":3}");
	OK("States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)",
	   "{\"FunctionInput\":{\"fst\":{\"a\":{\"a1\":1,\"a2\":2},\"b\":2,\"d\":3},"
	   "\"snd\":{\"a\":{\"a3\":1,\"a4\":2},\"c\":3,\"d\":4}}}",
	   "{\"a\":{\"a3\":1,\"a4\":2},\"b\":2,\"c\":3,\"d\":4}");
	/* Keys come out in Java HashMap order, not insertion order. */
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"d\":1,\"c\":2},\"y\":{\"b\":3,\"a\":4}}",
	   "{\"a\":4,\"b\":3,\"c\":2,\"d\":1}");
	OK("States.JsonMerge($.x, $.y, false)",
	   "{\"x\":{\"constant_in_literal\":1},\"y\":{\"constant_input_field\":2}}",
	   "{\"constant_input_field\":2,\"constant_in_literal\":1}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{},\"y\":{}}", "{}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{},\"y\":{\"q\":1,\"b\":2}}",
	   "{\"q\":1,\"b\":2}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"q\":1},\"y\":{\"b\":2}}",
	   "{\"q\":1,\"b\":2}");
	/* Java hashes UTF-16: expected order checked with a JVM. */
	OK("States.JsonMerge($.x, $.y, false)",
	   "{\"x\":{\"\\u00e9\":1,\"x\":2,\"\\ud83d\\ude00\":3},\"y\":{\"zz\":4,\"ab\":5}}",
	   "{\"x\":2,\"\xf0\x9f\x98\x80\":3,\"zz\":4,\"\xc3\xa9\":1,\"ab\":5}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"k\":null},\"y\":{}}", "{\"k\":null}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{},\"y\":{\"k\":[1]}}", "{\"k\":[1]}");
	/* "Aa" and "BB" share a Java hash: insertion order within the bucket. */
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"BB\":1},\"y\":{\"Aa\":2}}",
	   "{\"BB\":1,\"Aa\":2}");
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"Aa\":1},\"y\":{\"BB\":2}}",
	   "{\"Aa\":1,\"BB\":2}");
	/* 13 keys make the table grow from 16 to 32 buckets: "q" (113) and "a"
	 * (97) both fall in bucket 1 of 16 but in buckets 17 and 1 of 32. */
	OK("States.JsonMerge($.x, $.y, false)",
	   "{\"x\":{\"q\":0,\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6},"
	   "\"y\":{\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11,\"l\":12}}",
	   "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,"
	   "\"k\":11,\"l\":12,\"q\":0}");
	/* With 4 keys the table has 8 buckets: "q" (113 & 7 = 1) precedes "b" (2). */
	OK("States.JsonMerge($.x, $.y, false)", "{\"x\":{\"b\":1,\"q\":2},\"y\":{\"c\":3,\"d\":4}}",
	   "{\"q\":2,\"b\":1,\"c\":3,\"d\":4}");
	FAILS_WITH("States.JsonMerge($.x, $.y, true)", "{\"x\":{},\"y\":{}}",
		   "States.JsonMerge: only shallow merging is supported; the third argument must "
		   "be false");
	FAILS_WITH("States.JsonMerge($.x, $.y, false)", "{\"x\":[],\"y\":{}}",
		   "States.JsonMerge: argument 1 must be an object, not an array");
	FAILS_WITH("States.JsonMerge($.x, $.y, false)", "{\"x\":{},\"y\":\"s\"}",
		   "States.JsonMerge: argument 2 must be an object, not a string");
	FAILS_WITH("States.JsonMerge($.x, $.y, 'false')", "{\"x\":{},\"y\":{}}",
		   "States.JsonMerge: argument 3 must be a boolean, not a string");
}
END_TEST

/* --- numbers --- */

START_TEST(test_math_add)
{
	static const char *const cases[][2] = {
	    {"{\"a\":-9,\"b\":3}", "-6"},
	    {"{\"a\":1.49,\"b\":1.5}", "3"},
	    {"{\"a\":-1.51,\"b\":0}", "-2"},
	    {"{\"a\":0.5,\"b\":0}", "1"},
	    {"{\"a\":1.5,\"b\":0}", "2"},
	    {"{\"a\":3.5,\"b\":0}", "4"},
	    {"{\"a\":-0.5,\"b\":0}", "0"},
	    {"{\"a\":-1.5,\"b\":0}", "-1"},
	    {"{\"a\":-2.5,\"b\":0}", "-2"},
	    {"{\"a\":1.5,\"b\":1.51}", "4"},
	    {"{\"a\":-3.5,\"b\":0}", "-3"},
	    {"{\"a\":-1.5,\"b\":-1.51}", "-3"},
	    {"{\"a\":1.51,\"b\":0}", "2"},
	    {"{\"a\":-1.49,\"b\":0}", "-1"},
	    {"{\"a\":2.5,\"b\":0}", "3"},
	    {"{\"a\":-0.5,\"b\":0.5}", "1"},
	    {"{\"a\":0.49999999999999994,\"b\":0}", "0"},
	    {"{\"a\":2147483647,\"b\":2147483647}", "4294967294"},
	    {"{\"a\":-2147483648,\"b\":-1}", "-2147483649"},
	    {"{\"a\":1e2,\"b\":1}", "101"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		OK("States.MathAdd($.a, $.b)", cases[i][0], cases[i][1]);
	OK("States.MathAdd($.value1, $.step)", "{\"value1\":111,\"step\":-1}", "110");
	aslrt_error e = {0};
	char *got = run_vars("States.MathAdd(States.MathAdd(States.MathAdd($y, $x), $z), $b)", "{}",
			     "{\"x\":1,\"y\":2,\"z\":3,\"b\":4}", &e);
	ck_assert_str_eq(got, "10");
	free(got);
	FAILS_WITH(
	    "States.MathAdd($.a, 1)", "{\"a\":2147483648}",
	    "States.MathAdd: argument 1 (2147483648) is out of range [-2147483648, 2147483647]");
	FAILS_WITH("States.MathAdd(1, 2147483647.5)", "{}",
		   "States.MathAdd: argument 2 (2147483647.5) is out of range "
		   "[-2147483648, 2147483647]");
	FAILS_WITH("States.MathAdd('1', 1)", "{}",
		   "States.MathAdd: argument 1 must be a number, not a string");
	FAILS_WITH("States.MathAdd(1, $.a)", "{\"a\":[1]}",
		   "States.MathAdd: argument 2 must be a number, not an array");
}
END_TEST

START_TEST(test_math_random)
{
	for (int i = 0; i < 200; i++) {
		aslrt_error e = {0};
		char *got =
		    run("States.MathRandom($.start, $.end)", "{\"start\":1,\"end\":999}", &e);
		ck_assert_ptr_nonnull(got);
		long v = strtol(got, NULL, 10);
		ck_assert_int_ge(v, 1);
		ck_assert_int_lt(v, 999);
		free(got);
		/* end exclusive: a range of one value */
		OK("States.MathRandom(7, 8)", "{}", "7");
		OK("States.MathRandom(-3, -2)", "{}", "-3");
	}
	/* Rounded arguments: (12.5, 44.51) is [13, 45). */
	for (int i = 0; i < 100; i++) {
		aslrt_error e = {0};
		char *got = run("States.MathRandom(12.5, 44.51)", "{}", &e);
		long v = strtol(got, NULL, 10);
		ck_assert_int_ge(v, 13);
		ck_assert_int_lt(v, 45);
		free(got);
	}
	/* A seed makes it repeatable: java.util.Random(seed).nextInt(bound). */
	OK("States.MathRandom(0, 999, 3)", "{}", "239");
	OK("States.MathRandom(0, 100, 42)", "{}", "30");
	OK("States.MathRandom(0, 64, 42)", "{}", "46");
	OK("States.MathRandom(10, 20, 1234567)", "{}", "16");
	OK("States.MathRandom(0, 999, 3.4)", "{}", "239");
	FAILS_WITH("States.MathRandom(5, 5)", "{}",
		   "States.MathRandom: the end (5) must be greater than the start (5)");
	FAILS_WITH("States.MathRandom(5, 1)", "{}",
		   "States.MathRandom: the end (1) must be greater than the start (5)");
	FAILS_WITH("States.MathRandom('1', 5)", "{}",
		   "States.MathRandom: argument 1 must be a number, not a string");
	FAILS_WITH("States.MathRandom(1, 5, null)", "{}",
		   "States.MathRandom: argument 3 must be a number, not null");
}
END_TEST

/* --- strings --- */

START_TEST(test_string_split)
{
	const char *t = "States.StringSplit($.s, $.d)";
	static const char *const cases[][2] = {
	    {"{\"s\":\"1,2,3,4,5\",\"d\":\",\"}", "[\"1\",\"2\",\"3\",\"4\",\"5\"]"},
	    {"{\"s\":\"This.is+a,test=string\",\"d\":\".+,=\"}",
	     "[\"This\",\"is\",\"a\",\"test\",\"string\"]"},
	    {"{\"s\":\" , \",\"d\":\",\"}", "[\" \",\" \"]"},
	    {"{\"s\":\",,,,\",\"d\":\",\"}", "[]"},
	    {"{\"s\":\", , ,\",\"d\":\",\"}", "[\" \",\" \"]"},
	    {"{\"s\":\" \",\"d\":\",\"}", "[\" \"]"},
	    {"{\"s\":\"\",\"d\":\",\"}", "[]"},
	    {"{\"s\":\"abc\",\"d\":\"\"}", "[\"abc\"]"},
	    {"{\"s\":\"split on T and \\nnew line\",\"d\":\"T\\n\"}",
	     "[\"split on \",\" and \",\"new line\"]"},
	    {"{\"s\":\"a\\u00e9b\\u00e8c\",\"d\":\"\\u00e9\\u00e8\"}", "[\"a\",\"b\",\"c\"]"},
	    {"{\"s\":\"x\\u00e9y\",\"d\":\"\\u00e8\"}", "[\"x\\u00e9y\"]"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* The expected text is JSON; dump it the way aslrt_json_dump does. */
		struct json_object *exp = parse_json(cases[i][1]);
		char *want_text = aslrt_json_dump(exp);
		OK(t, cases[i][0], want_text);
		free(want_text);
		json_object_put(exp);
	}
	OK("States.StringSplit($.csvString, ',')", "{\"csvString\":\"a,b,c,d,e\"}",
	   "[\"a\",\"b\",\"c\",\"d\",\"e\"]");
	FAILS_WITH("States.StringSplit(1, ',')", "{}",
		   "States.StringSplit: argument 1 must be a string, not a number");
	FAILS_WITH("States.StringSplit('a', null)", "{}",
		   "States.StringSplit: argument 2 must be a string, not null");
}
END_TEST

static bool is_uuid_v4(const char *s)
{
	if (strlen(s) != 38 || s[0] != '"' || s[37] != '"')
		return false;
	s++;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
			return false;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

START_TEST(test_uuid)
{
	char *prev = NULL;
	for (int i = 0; i < 100; i++) {
		aslrt_error e = {0};
		char *got = run("States.UUID()", "{}", &e);
		ck_assert_msg(is_uuid_v4(got), "%s", got);
		if (prev)
			ck_assert_str_ne(prev, got);
		free(prev);
		prev = got;
	}
	free(prev);
}
END_TEST

/* --- evaluation in general --- */

START_TEST(test_nested)
{
	OK("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '_'), 1)", "{}",
	   "\"su000317\"");
	OK("States.JsonToString(States.Array(States.MathAdd(1, 2), States.Base64Encode('a')))",
	   "{}", "\"[3,\\\"YQ==\\\"]\"");
	OK("States.Format('{} items', States.ArrayLength(States.ArrayUnique($.a)))",
	   "{\"a\":[1,1,2]}", "\"2 items\"");
	/* The first failing argument stops the call; the cause quotes the field. */
	FAIL("States.Array(States.MathAdd('x', 1), $.missing)", "{}",
	     "The function 'States.Array(States.MathAdd('x', 1), $.missing)' had the following "
	     "error: States.MathAdd: argument 1 must be a number, not a string");
}
END_TEST

/* One parsed call shared by several threads. */
static void *eval_many(void *arg)
{
	const aslrt_fn *f = arg;
	for (int i = 0; i < 300; i++) {
		char in[64], want_text[64];
		snprintf(in, sizeof in, "{\"n\":%d,\"a\":[1,1,2]}", i);
		snprintf(want_text, sizeof want_text, "\"n=%d [1, 2] 1.5\"", i);
		aslrt_env env = {parse_json(in), NULL, NULL, NULL, NULL, NULL, NULL};
		struct json_object *out = NULL;
		aslrt_error e = {0};
		if (aslrt_fn_eval(f, &env, &out, &e) != 0)
			return "eval failed";
		char *got = aslrt_json_dump(out);
		bool same = strcmp(got, want_text) == 0;
		free(got);
		json_object_put(out);
		json_object_put(env.input);
		if (!same)
			return "wrong result";
	}
	return NULL;
}

START_TEST(test_threads)
{
	char why[ASLRT_ERRLEN];
	aslrt_fn *f = aslrt_fn_parse("States.Format('{}={} {} {}', 'n', $.n, "
				     "States.ArrayUnique($.a), 1.5)",
				     why, sizeof why);
	ck_assert_ptr_nonnull(f);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, eval_many, f), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		ck_assert_msg(r == NULL, "%s", (const char *)r);
	}
	aslrt_fn_free(f);
}
END_TEST

START_TEST(test_reuse)
{
	/* One parsed call evaluated many times over different inputs. */
	char why[ASLRT_ERRLEN];
	aslrt_fn *f = aslrt_fn_parse("States.Format('{}={}', 'n', $.n)", why, sizeof why);
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 50; i++) {
		char in[64], want_text[64];
		snprintf(in, sizeof in, "{\"n\":%d}", i);
		snprintf(want_text, sizeof want_text, "\"n=%d\"", i);
		aslrt_env env = {parse_json(in), NULL, NULL, NULL, NULL, NULL, NULL};
		struct json_object *out = NULL;
		aslrt_error e = {0};
		ck_assert_int_eq(aslrt_fn_eval(f, &env, &out, &e), 0);
		char *got = aslrt_json_dump(out);
		ck_assert_str_eq(got, want_text);
		free(got);
		json_object_put(out);
		json_object_put(env.input);
	}
	aslrt_fn_free(f);
}
END_TEST

/* Literal arguments are made once and lent to every call: a result never
 * holds one (States.Array copies them), so results stay independent. */
START_TEST(test_literals_lent)
{
	char why[ASLRT_ERRLEN];
	aslrt_fn *f =
	    aslrt_fn_parse("States.Array(1, 'a', 2.50, true, null, $.x)", why, sizeof why);
	ck_assert_ptr_nonnull(f);
	struct json_object *outs[2] = {NULL, NULL};
	for (int i = 0; i < 2; i++) {
		aslrt_env env = {parse_json("{\"x\":[7]}"), NULL, NULL, NULL, NULL, NULL, NULL};
		aslrt_error e = {0};
		ck_assert_int_eq(aslrt_fn_eval(f, &env, &outs[i], &e), 0);
		json_object_put(env.input);
	}
	for (int k = 0; k < 4; k++)
		ck_assert_ptr_ne(json_object_array_get_idx(outs[0], (size_t)k),
				 json_object_array_get_idx(outs[1], (size_t)k));
	json_object_array_put_idx(outs[0], 1, json_object_new_string("changed"));
	char *a = aslrt_json_dump(outs[0]), *b = aslrt_json_dump(outs[1]);
	ck_assert_str_eq(a, "[1,\"changed\",2.50,true,null,[7]]");
	ck_assert_str_eq(b, "[1,\"a\",2.50,true,null,[7]]");
	free(a);
	free(b);
	json_object_put(outs[0]);
	json_object_put(outs[1]);
	aslrt_fn_free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("intrinsic");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_unknown_function);
	tcase_add_test(tc, test_parse_arity);
	tcase_add_test(tc, test_parse_strings);
	tcase_add_test(tc, test_parse_syntax);
	tcase_add_test(tc, test_parse_depth);
	tcase_add_test(tc, test_parse_paths);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_paths_and_context);
	tcase_add_test(tc, test_path_not_found);
	tcase_add_test(tc, test_format_examples);
	tcase_add_test(tc, test_format_values);
	tcase_add_test(tc, test_format_escapes);
	tcase_add_test(tc, test_format_errors);
	tcase_add_test(tc, test_string_to_json);
	tcase_add_test(tc, test_json_to_string);
	tcase_add_test(tc, test_array);
	tcase_add_test(tc, test_array_partition);
	tcase_add_test(tc, test_array_contains);
	tcase_add_test(tc, test_array_range);
	tcase_add_test(tc, test_array_get_item);
	tcase_add_test(tc, test_array_length);
	tcase_add_test(tc, test_array_unique);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_limits_10000);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_json_merge);
	tcase_add_test(tc, test_math_add);
	tcase_add_test(tc, test_math_random);
	tcase_add_test(tc, test_string_split);
	tcase_add_test(tc, test_uuid);
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_literals_lent);
	tcase_add_test(tc, test_apply);
	tcase_add_test(tc, test_arg_values);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
