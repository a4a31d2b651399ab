/*
 * test_ship.c - the pieces that make definitions and builds shippable:
 * $CC's words (toolchain.c), ${...} substitutions (subst.c) and YAML read
 * into JSON on the YAML's own lines (yaml.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"
#include "ir.h"

static char *joined(const char *s, int *rc)
{
	char **v = NULL;
	int n = 0;
	*rc = split_words(s, &v, &n);
	Buf b = {0};
	buf_put(&b, "", 0);
	for (int i = 0; i < n; i++) {
		buf_printf(&b, "%s<%s>", i ? " " : "", v[i]);
		free(v[i]);
	}
	free(v);
	return b.s;
}

START_TEST(test_split_words)
{
	static const struct {
		const char *in, *want;
		int rc;
	} cases[] = {
	    {"cc", "<cc>", 0},
	    {"  cc   -static\t-O2 \n", "<cc> <-static> <-O2>", 0},
	    {"cc -DX='a b' -DY=\"c \\\"d\\\"\"", "<cc> <-DX=a b> <-DY=c \"d\">", 0},
	    {"a\\ b 'it''s' \"\"", "<a b> <its> <>", 0},
	    {"'single \\ kept'", "<single \\ kept>", 0},
	    {"", "", 0},
	    {"cc 'open", "<cc>", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc;
		char *got = joined(cases[i].in, &rc);
		ck_assert_int_eq(rc, cases[i].rc);
		if (rc == 0)
			ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

/* Substitute into def with d; the result as plain JSON text and the error count. */
static char *subst(const char *def, const Defines *d, int *errors)
{
	Source src = {.path = "t.asl.json", .text = (char *)def, .len = strlen(def)};
	Diag diag = {0};
	diag.src = &src;
	diag.quiet = true;
	struct json_object *j = NULL;
	ck_assert(source_parse(&diag, &j));
	*errors = subst_definition(&diag, j, d);
	char *out = xstrdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	json_object_put(src.where); /* diag.c's pointer index, built on a diagnostic */
	return out;
}

START_TEST(test_substitutions)
{
	Defines d = {0};
	ck_assert_int_eq(defines_parse_arg(&d, "Fn=arn:aws:lambda:us-east-1:1:function:f"), 0);
	ck_assert_int_eq(defines_parse_arg(&d, "T=a=b"), 0);
	ck_assert_int_eq(defines_parse_arg(&d, "=x"), -1);
	ck_assert_int_eq(defines_parse_arg(&d, "NoValue"), -1);
	defines_set(&d, "T", "orders"); /* a later value wins */
	int errors;
	char *out = subst("{\"Resource\":\"${Fn}\",\"P\":{\"t\":\"${T}/${T}\",\"u\":\"${U} $T ${\","
			  "\"${T}\":[\"${T}\",1]}}",
			  &d, &errors);
	ck_assert_int_eq(errors, 0);
	ck_assert_str_eq(out,
			 "{\"Resource\":\"arn:aws:lambda:us-east-1:1:function:f\",\"P\":{\"t\":"
			 "\"orders/orders\",\"u\":\"${U} $T ${\",\"${T}\":[\"orders\",1]}}");
	free(out);
	out = subst("{\"A\":{\"Resource\":\"arn:${Part}:${Fn}\"}}", &d, &errors);
	ck_assert_int_eq(errors, 1); /* ${Part} has no value */
	free(out);
	defines_free(&d);
	ck_assert_int_eq(d.n, 0);
}
END_TEST

/* YAML text -> the JSON text yaml.c lays out (NULL on an error). */
static char *yaml(const char *text, int *errors)
{
	Source *s = xcalloc(1, sizeof *s);
	s->path = xstrdup("t.yaml");
	s->text = xstrdup(text);
	s->len = strlen(text);
	Diag d = {0};
	d.src = s;
	d.quiet = true;
	ck_assert(source_is_yaml(s));
	char *out = source_yaml_to_json(&d) ? xstrdup(s->text) : NULL;
	if (out)
		ck_assert_str_eq(s->display, text);
	*errors = d.nerrors;
	source_free(s);
	return out;
}

START_TEST(test_yaml_layout)
{
	int errors;
	/* Lines kept; keys one column early so that values land on their YAML
	 * column (but at the top level, where there is no column 0). */
	char *out =
	    yaml("# c\nStartAt: A\nStates:\n  A:\n    Type: Pass\n    End: true\n", &errors);
	ck_assert_int_eq(errors, 0);
	ck_assert_str_eq(out, "{\n"
			      "\"StartAt\":\"A\",\n"
			      "\"States\":{\n"
			      " \"A\":{\n"
			      "   \"Type\":\"Pass\",\n"
			      "   \"End\":true}}}\n");
	free(out);
	out = yaml("a: [1, -0x10, +007, 1.5e3, .5, 2., ~, null, True, 'true', x y, \"q\\\"\"]\n"
		   "b: {}\nc: |\n  l1\n  l2\n",
		   &errors);
	ck_assert_int_eq(errors, 0);
	ck_assert_str_eq(out, "{\"a\":[1,\"-0x10\",7,  1.5e3, 0.5,2.0,null,null,true,\"true\", "
			      "\"x y\",\"q\\\"\"],\n\"b\":{},\n\"c\":\"l1\\nl2\\n\"}\n");
	free(out);
	ck_assert_ptr_null(yaml("a: &x 1\nb: *x\n", &errors));
	ck_assert_int_eq(errors, 1);
	ck_assert_ptr_null(yaml("a: !Ref x\n", &errors));
	ck_assert_ptr_null(yaml("a: .inf\n", &errors));
	ck_assert_ptr_null(yaml("--- 1\n--- 2\n", &errors));
	ck_assert_ptr_null(yaml("a: [\n", &errors));
	ck_assert_int_eq(errors, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ship");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_split_words);
	tcase_add_test(tc, test_substitutions);
	tcase_add_test(tc, test_yaml_layout);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
