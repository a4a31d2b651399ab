/*
 * test_bindings.c - Check unit tests for runtime/bindings.c: the strict
 * validation of a bindings file and the look-up of a Task's binding, with
 * Lambda's function-name resolution (names, partial and full ARNs,
 * qualifiers) and the run-time file winning over the embedded one.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

__attribute__((weak)) char aslrt_absent_marker;

static aslrt_bindset *set(const char *text)
{
	char why[2048];
	struct json_object *doc = NULL;
	ck_assert_int_eq(aslrt_json_parse(text, strlen(text), &doc, why, sizeof why), 0);
	aslrt_bindset *s = aslrt_bindset_new(doc, "b.json", why, sizeof why);
	json_object_put(doc);
	ck_assert_msg(s != NULL, "%s", why);
	return s;
}

static const char *problems(const char *text)
{
	static char why[2048];
	struct json_object *doc = NULL;
	ck_assert_int_eq(aslrt_json_parse(text, strlen(text), &doc, why, sizeof why), 0);
	aslrt_bindset *s = aslrt_bindset_new(doc, "b.json", why, sizeof why);
	json_object_put(doc);
	ck_assert(s == NULL);
	return why;
}

/* The key of the binding found for resource with params (JSON text), or "". */
static const char *found(aslrt_bindset **sets, int n, const char *resource, const char *params)
{
	struct json_object *p = params ? json_tokener_parse(params) : NULL;
	const aslrt_binding *b = aslrt_binding_find(sets, n, resource, p);
	json_object_put(p);
	return b ? b->key : "";
}

START_TEST(test_validation)
{
	ck_assert_str_eq(problems("[]"),
			 "b.json: (the document): must be an object {\"Bindings\": {...}}");
	ck_assert_str_eq(problems("{}"), "b.json: (the document): has no Bindings member");
	ck_assert_str_eq(problems("{\"Bindings\": {\"\": {\"Url\": \"http://x\"}}}"),
			 "b.json: /Bindings/: the key must be a Resource ARN, a Lambda function "
			 "name or ARN, or a state machine ARN");
	ck_assert_str_eq(problems("{\"Bindings\": {\"k\": {\"Command\": [\"\", \"a\"]}}}"),
			 "b.json: /Bindings/k/Command: must be a non-empty array of strings (the "
			 "program and its arguments, run without a shell)");
	ck_assert_str_eq(problems("{\"Bindings\": {\"k\": {\"Command\": [\"a\", 1]}}}"),
			 "b.json: /Bindings/k/Command: must be a non-empty array of strings (the "
			 "program and its arguments, run without a shell)");
	ck_assert_str_eq(problems("{\"Bindings\": {\"k\": {}}}"),
			 "b.json: /Bindings/k: must have exactly one of Command, Url or Executable "
			 "(has 0)");
	ck_assert_str_eq(problems("{\"Bindings\": {\"k\": {\"Url\": \"http://a b\"}}}"),
			 "b.json: /Bindings/k/Url: must be an http:// or https:// URL");
	ck_assert_str_eq(
	    problems("{\"Bindings\": {\"k\": {\"Url\": \"https://x\", \"Shell\": 1}}}"),
	    "b.json: /Bindings/k/Shell: unknown member (Command, Url or Executable)");
	ck_assert_str_eq(
	    problems("{\"Bindings\": {}, \"Connections\": {\"c\": {\"Body\": {}}}}"),
	    "b.json: /Connections/c/Body: unknown member (Headers or QueryParameters)");
	/* two kinds in either order: an error, and nothing leaks (LSan) */
	ck_assert_str_eq(
	    problems("{\"Bindings\": {\"k\": {\"Command\": [\"a\"], \"Executable\": \"x\"}}}"),
	    "b.json: /Bindings/k: must have exactly one of Command, Url or Executable (has 2)");
	ck_assert_str_eq(
	    problems("{\"Bindings\": {\"k\": {\"Executable\": \"x\", \"Command\": [\"a\"]}}}"),
	    "b.json: /Bindings/k: must have exactly one of Command, Url or Executable (has 2)");
	aslrt_bindset *s = set("{\"Bindings\": {\"k\": {\"Command\": [\"python3\", \"f.py\"]}}}");
	ck_assert_int_eq(s->n, 1);
	ck_assert_int_eq(s->b[0].kind, RT_BIND_COMMAND);
	ck_assert_str_eq(s->b[0].argv[0], "python3");
	ck_assert_str_eq(s->b[0].argv[1], "f.py");
	ck_assert(s->b[0].argv[2] == NULL);
	ck_assert_str_eq(s->b[0].file, "b.json");
	aslrt_bindset_free(s);
}
END_TEST

START_TEST(test_lambda_names)
{
	aslrt_bindset *s =
	    set("{\"Bindings\": {"
		"\"charge\": {\"Command\": [\"a\"]},"
		"\"charge:prod\": {\"Command\": [\"b\"]},"
		"\"111111111111:function:refund\": {\"Command\": [\"c\"]},"
		"\"arn:aws:lambda:eu-west-1:222222222222:function:ship:3\": {\"Command\": [\"d\"]},"
		"\"arn:aws:states:::sqs:sendMessage\": {\"Url\": \"http://q\"}}}");
	const char *inv = "arn:aws:states:::lambda:invoke";
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"charge\"}"), "charge");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"charge:7\"}"), "charge");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"charge:prod\"}"), "charge:prod");
	ck_assert_str_eq(
	    found(&s, 1, inv, "{\"FunctionName\": \"charge\", \"Qualifier\": \"prod\"}"),
	    "charge:prod");
	ck_assert_str_eq(found(&s, 1, inv,
			       "{\"FunctionName\": "
			       "\"arn:aws:lambda:us-east-1:123456789012:function:charge:prod\"}"),
			 "charge:prod");
	ck_assert_str_eq(
	    found(&s, 1, "arn:aws:lambda:us-east-1:123456789012:function:charge", NULL), "charge");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"refund\"}"),
			 "111111111111:function:refund");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"333333333333:function:refund\"}"),
			 "");
	ck_assert_str_eq(
	    found(&s, 1, "arn:aws:lambda:eu-west-1:222222222222:function:ship:3", NULL),
	    "arn:aws:lambda:eu-west-1:222222222222:function:ship:3");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"ship\"}"), "");
	ck_assert_str_eq(found(&s, 1, inv, "{\"FunctionName\": \"ship:3\"}"),
			 "arn:aws:lambda:eu-west-1:222222222222:function:ship:3");
	ck_assert_str_eq(found(&s, 1, "arn:aws:states:::lambda:invoke.waitForTaskToken",
			       "{\"FunctionName\": \"charge\"}"),
			 "charge");
	ck_assert_str_eq(found(&s, 1, inv, "{\"Payload\": {}}"), "");
	ck_assert_str_eq(found(&s, 1, "arn:aws:states:::sqs:sendMessage", NULL),
			 "arn:aws:states:::sqs:sendMessage");
	ck_assert_str_eq(found(&s, 1, "arn:aws:states:::sns:publish", NULL), "");
	aslrt_bindset_free(s);
}
END_TEST

START_TEST(test_precedence)
{
	aslrt_bindset *sets[2] = {
	    set("{\"Bindings\": {\"charge\": {\"Command\": [\"runtime\"]}}}"),
	    set("{\"Bindings\": {\"charge:prod\": {\"Command\": [\"embedded\"]},"
		"\"arn:aws:states:us-east-1:1:stateMachine:child\": {\"Executable\": \"./c\"},"
		"\"arn:aws:states:::states:startExecution.sync\": {\"Executable\": \"./d\"}}}"),
	};
	const char *inv = "arn:aws:states:::lambda:invoke";
	ck_assert_str_eq(found(sets, 2, inv, "{\"FunctionName\": \"charge:prod\"}"), "charge");
	ck_assert_str_eq(found(sets + 1, 1, inv, "{\"FunctionName\": \"charge:prod\"}"),
			 "charge:prod");
	ck_assert_str_eq(
	    found(sets, 2, "arn:aws:states:::states:startExecution.sync:2",
		  "{\"StateMachineArn\": \"arn:aws:states:us-east-1:1:stateMachine:child\"}"),
	    "arn:aws:states:us-east-1:1:stateMachine:child");
	ck_assert_str_eq(
	    found(sets, 2, "arn:aws:states:::states:startExecution.sync",
		  "{\"StateMachineArn\": \"arn:aws:states:us-east-1:1:stateMachine:other\"}"),
	    "arn:aws:states:::states:startExecution.sync");
	aslrt_bindset_free(sets[0]);
	aslrt_bindset_free(sets[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bindings");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_lambda_names);
	tcase_add_test(tc, test_precedence);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
