/* test_ir.c - Check unit tests for lowering (compiler/lower.c), the IR
 * (codegen/ir.c: dump, metadata, verifier) and the C backend (emit_c.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"
#include "ir.h"
#include "rt.h"

static Program *lower_text(const char *def)
{
	Source src = {.path = "test.asl.json", .text = (char *)def, .len = strlen(def)};
	Diag d = {0};
	d.src = &src;
	d.quiet = true;
	struct json_object *j = NULL;
	ck_assert(source_parse(&d, &j));
	Machine *m = model_build(&d, j);
	ck_assert_ptr_nonnull(m);
	m->name = xstrdup("t");
	Program *p = lower_machine(m);
	model_free(m);
	json_object_put(j);
	json_object_put(d.list);
	json_object_put(src.where); /* built only if a diagnostic was located */
	return p;
}

static char *dump(const Program *p)
{
	Buf b = {0};
	ir_dump(p, &b);
	return b.s;
}

START_TEST(test_pass_dump)
{
	Program *p =
	    lower_text("{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
		       "\"InputPath\":\"$.in\",\"Result\":{\"x\":1},\"ResultPath\":\"$.r\","
		       "\"OutputPath\":\"$.r\",\"End\":true}}}");
	char *s = dump(p);
	ck_assert_str_eq(s, "program \"t\" standard\n"
			    "k0 path \"$.in\"\n"
			    "k1 key \"in\"\n"
			    "k2 json {\"x\":1}\n"
			    "k3 path \"$.r\"\n"
			    "k4 key \"r\"\n"
			    "\n"
			    "scope 0 start @0 regs 7 bools 0\n"
			    "state @0 \"A\" Pass\n"
			    "  drops %2 %3 %4 %6\n"
			    "  enter %0 @0 plain\n"
			    "  %1 = field %0 k1\t; \"in\"\n"
			    "  %2 = require %1 %0 k0\t; \"$.in\"\n"
			    "  %3 = const k2\t; {\"x\":1}\n"
			    "  %4 = resultpath %0 %3 k3\t; \"$.r\"\n"
			    "  %5 = field %4 k4\t; \"r\"\n"
			    "  %6 = require %5 %4 k3\t; \"$.r\"\n"
			    "  end %6\n");
	free(s);
	ir_free(p);
}
END_TEST

/* Static paths are direct look-ups; dynamic ones go to the runtime engine. */
START_TEST(test_paths_static_and_dynamic)
{
	Program *p = lower_text(
	    "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
	    "\"InputPath\":\"$.items[*].id\",\"OutputPath\":\"$['a b'][2]\",\"End\":true}}}");
	char *s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "= path %0 k0\t; \"$.items[*].id\""));
	ck_assert_ptr_nonnull(strstr(s, "= field %1 k"));
	ck_assert_ptr_nonnull(strstr(s, "= index "));
	free(s);
	ir_free(p);
}
END_TEST

/* A Choice state: nested ifs over typed comparisons, no path parsing at run
 * time, short-circuit And/Or. */
START_TEST(test_choice_lowering)
{
	Program *p =
	    lower_text("{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":["
		       "{\"And\":[{\"Variable\":\"$.a\",\"NumericGreaterThan\":1},"
		       "{\"Not\":{\"Variable\":\"$.b\",\"IsPresent\":true}}],\"Next\":\"Y\"},"
		       "{\"Variable\":\"$.s\",\"StringEqualsPath\":\"$.t\",\"Next\":\"N\"}],"
		       "\"Default\":\"N\"},"
		       "\"Y\":{\"Type\":\"Succeed\"},\"N\":{\"Type\":\"Fail\",\"Error\":\"E\"}}}");
	char *s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "?0 = setb 1\n"));
	/* the Variable checked present, then tested borrowed: no reference */
	ck_assert_ptr_nonnull(strstr(s, "  need %1 k0\t; \"$.a\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "test %1 NumericGreaterThan"));
	ck_assert_ptr_nonnull(strstr(s, "jumpifnot ?0 L1\n"));
	ck_assert_ptr_nonnull(strstr(s, "test %2 IsPresent"));
	ck_assert_ptr_nonnull(strstr(s, "?0 = not ?1\n"));
	ck_assert_ptr_nonnull(strstr(s, "test %4 StringEqualsPath k8 %5"));
	ck_assert_ptr_null(strstr(s, "= path "));
	ck_assert_ptr_null(strstr(s, "require"));
	ck_assert_ptr_nonnull(strstr(s, "  drops %3 %6 %7\n"));
	free(s);
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_null(strstr(c.s, "aslrt_op_path("));
	/* keys are constants of their own, hashed once at start-up */
	ck_assert_ptr_nonnull(strstr(c.s, "\t{6, \"a\", 1, NULL},\n"));
	ck_assert_ptr_nonnull(strstr(c.s, "aslrt_op_fieldk(c, r[0], "));
	ck_assert_ptr_nonnull(strstr(c.s, "\tif (aslrt_op_need(c, 0, r[1])) goto E0;\n"));
	ck_assert_ptr_nonnull(strstr(c.s, "*st = 1;\n\trc = 1;\n\tgoto X0;"));
	ck_assert_ptr_nonnull(strstr(c.s, "case 1: rc = state_1(c, &in, &st); break;"));
	buf_free(&c);
	ir_free(p);
}
END_TEST

/* A look-up repeated in a state reuses the first where that is on every
 * path to it (ir_cse): $.c once for both rules, $.e again after an Or that
 * may skip its first look-up. */
START_TEST(test_choice_cse)
{
	Program *p = lower_text(
	    "{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":["
	    "{\"Variable\":\"$.c.x\",\"NumericEquals\":1,\"Next\":\"Y\"},"
	    "{\"Variable\":\"$.c.y\",\"NumericEquals\":2,\"Next\":\"Y\"},"
	    "{\"Or\":[{\"Variable\":\"$.d.x\",\"IsPresent\":true},"
	    "{\"Variable\":\"$.e.x\",\"IsPresent\":true}],\"Next\":\"Y\"},"
	    "{\"Variable\":\"$.e.x\",\"IsNull\":true,\"Next\":\"Y\"}],\"Default\":\"Y\"},"
	    "\"Y\":{\"Type\":\"Succeed\"}}}");
	char *s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "  %1 = field %0 k1\t; \"c\"\n"));
	ck_assert_ptr_null(strstr(s, "= field %0 k1\t; \"c\"\n  %6"));
	ck_assert_ptr_nonnull(strstr(s, "  L0:\n  %5 = field %1 k5\t; \"y\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  %9 = field %0 k11\t; \"e\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  L2:\n  %12 = field %0 k11\t; \"e\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  need %13 k10\t; \"$.e.x\"\n  ?3 = test %13 IsNull"));
	free(s);
	ir_free(p);
}
END_TEST

/* Definition strings are data in C string literals, never code. */
START_TEST(test_c_string_escapes)
{
	Program *p =
	    lower_text("{\"StartAt\":\"*/ x\",\"States\":{\"*/ x\":{\"Type\":\"Pass\","
		       "\"OutputPath\":\"$['q\\\"?\\\\\\\\\\n\xc3\xa9']\",\"End\":true}}}");
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_nonnull(strstr(c.s, "{6, \"q\\\"\\?\\\\\\n\"\n\t\"\\303\\251\", 7, NULL},"));
	ck_assert_ptr_null(strstr(c.s, "/* */ x"));
	buf_free(&c);
	ir_free(p);
}
END_TEST

/* A template's keys are key constants inserted as new (json-c looks nothing
 * up), but for "a" beside "a.$" (the checker refuses them; lowering does not
 * count on it); its object is made with room for all its keys. */
START_TEST(test_template_keys)
{
	Program *p = lower_text("{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
				"\"Parameters\":{\"a\":1,\"b.$\":\"$.x\",\"a.$\":\"$.y\","
				"\"\":{\"c.$\":\"$['']\"}},\"End\":true}}}");
	char *s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "k1 key \"a\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "%1 = object 4\n"));
	ck_assert_ptr_nonnull(strstr(s, "  setkey %1 %2 k1\t; \"a\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  setkey %1 %4 k4 new\t; \"b\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  setkey %1 %6 k1\t; \"a\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "= object 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "key \"\"\n"));
	ck_assert_ptr_nonnull(strstr(s, " new\t; \"\"\n"));
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_nonnull(strstr(c.s, "\tr[1] = aslrt_op_object_n(4);\n"));
	ck_assert_ptr_nonnull(strstr(c.s, "\taslrt_op_setkeyk(c, r[1], 1, &r[2]);\n"));
	ck_assert_ptr_nonnull(strstr(c.s, "\taslrt_op_addkey(c, r[1], 4, &r[4]);\n"));
	buf_free(&c);
	free(s);
	ir_free(p);
}
END_TEST

START_TEST(test_meta)
{
	Program *p = lower_text(
	    "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
	    "\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Catch\":[{\"ErrorEquals\":"
	    "[\"States.ALL\"],\"Next\":\"F\"}],\"End\":true},\"F\":{\"Type\":\"Fail\"}}}");
	char *meta = ir_meta_text(p);
	ck_assert_ptr_nonnull(strstr(meta, "\"name\":\"t\",\"type\":\"STANDARD\""));
	/* the scopes are code and tables, not metadata the runtime parses */
	ck_assert_ptr_null(strstr(meta, "\"scopes\""));
	/* no state's definition: Retry, Catch and settings are tables */
	ck_assert_ptr_null(strstr(meta, "\"def\""));
	ck_assert_ptr_null(strstr(meta, "ErrorEquals"));
	free(meta);
	char *s = dump(p);
	ck_assert_ptr_nonnull(
	    strstr(s, "state @0 \"T\" Task\n  catch k0 next @1\n  set Resource k1\n"));
	free(s);
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_nonnull(strstr(c.s, "static const int ce0_0[] = {0};\n"
					  "static const aslrt_catch_def catch_0[] = {\n"
					  "\t{ce0_0, 1, 1, -1, -1, -1},\n};\n"));
	buf_free(&c);
	ir_free(p);
}
END_TEST

START_TEST(test_parallel_scopes)
{
	Program *p =
	    lower_text("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Parallel\",\"Branches\":["
		       "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}},"
		       "{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\",\"End\":true}}}],"
		       "\"End\":true}}}");
	ck_assert_int_eq(p->nscopes, 3);
	ck_assert_int_eq(p->nstates, 3);
	char *s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "%1 = parallel %0 @0\n"));
	ck_assert_ptr_nonnull(strstr(s, "scope 1 start @1"));
	ck_assert_ptr_nonnull(strstr(s, "scope 2 start @2"));
	free(s);
	s = dump(p);
	ck_assert_ptr_nonnull(strstr(s, "state @0 \"P\" Parallel\n  branches scope 1 scope 2\n"));
	free(s);
	ir_free(p);
}
END_TEST

/* Intrinsic calls are direct calls: arguments in order (literal constants,
 * look-ups with the intrinsic's error, nested calls), then `arg`s and the
 * call; a path the engine must run keeps the field an `expr`. */
START_TEST(test_intrinsic_calls)
{
	Program *p = lower_text(
	    "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Parameters\":{"
	    "\"a.$\":\"States.Format('x\\\\{}', States.MathAdd($.n, 1), $)\","
	    "\"b.$\":\"States.ArrayLength($.l[*])\",\"c.$\":\"States.UUID()\"},\"End\":true}}}");
	char *s = dump(p);
	ck_assert_str_eq(
	    s,
	    "program \"t\" standard\n"
	    "k0 str \"States.Format('x\\\\{}', States.MathAdd($.n, 1), $)\"\n"
	    "k1 json \"x{}\"\n"
	    "k2 str \"x\\\\{}\"\n"
	    "k3 key \"n\"\n"
	    "k4 json {\"fn\":\"States.Format('x\\\\{}', States.MathAdd($.n, 1), "
	    "$)\",\"t\":\"$.n\"}\n"
	    "k5 json 1\n"
	    "k6 key \"a\"\n"
	    "k7 expr {\"at\":\"b.$\",\"t\":\"States.ArrayLength($.l[*])\"}\n"
	    "k8 key \"b\"\n"
	    "k9 str \"States.UUID()\"\n"
	    "k10 key \"c\"\n"
	    "\n"
	    "scope 0 start @0 regs 10 bools 0\n"
	    "state @0 \"A\" Pass\n"
	    "  drops %1 %4 %6 %7 %8 %9\n"
	    "  enter %0 @0 plain\n"
	    "  %1 = object 3\n"
	    "  %2 = lit k1\t; \"x{}\"\n"
	    "  %3 = field %0 k3\t; \"n\"\n"
	    "  %4 = require %3 %0 intrinsic k4\t; {\"fn\":\"States.Format('x\\\\{}', "
	    "States.MathAdd($.n, 1), $)\",\"t...\n"
	    "  %5 = lit k5\t; 1\n"
	    "  arg %4\n"
	    "  arg %5\n"
	    "  %6 = call States.MathAdd 2 k0\t; \"States.Format('x\\\\{}', States.MathAdd($.n, "
	    "1), $)\"\n"
	    "  arg %2 k2\t; \"x\\\\{}\"\n"
	    "  arg %6\n"
	    "  arg %0\n"
	    "  %7 = call States.Format 3 k0\t; \"States.Format('x\\\\{}', States.MathAdd($.n, 1), "
	    "$)\"\n"
	    "  setkey %1 %7 k6 new\t; \"a\"\n"
	    "  %8 = expr %0 k7\t; {\"at\":\"b.$\",\"t\":\"States.ArrayLength($.l[*])\"}\n"
	    "  setkey %1 %8 k8 new\t; \"b\"\n"
	    "  %9 = call States.UUID 0 k9\t; \"States.UUID()\"\n"
	    "  setkey %1 %9 k10 new\t; \"c\"\n"
	    "  end %1\n");
	free(s);
	/* the C backend: the registers of the args as a static array */
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_nonnull(strstr(c.s,
				     "\t{\n\t\tstatic const int a[] = {2, 6, 0};\n"
				     "\t\tif (aslrt_op_call(c, 0, 0, 2, r, a, 3, &r[7])) goto E0;\n"
				     "\t}\n"));
	ck_assert_ptr_nonnull(strstr(c.s, "static const int a[] = {0};\n"
					  "\t\tif (aslrt_op_call(c, 17, 9, -1, r, a, 0, &r[9]))"));
	free(c.s);
	ir_free(p);
}
END_TEST

/* A number literal with a fraction keeps the field an expression: its text
 * is printed as written, and equal constants would share one text. */
START_TEST(test_intrinsic_fraction_literal)
{
	Program *p =
	    lower_text("{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\","
		       "\"Parameters\":{\"a.$\":\"States.Format('{}', 1.50)\"},\"End\":true}}}");
	char *s = dump(p);
	ck_assert_ptr_nonnull(
	    strstr(s, "%2 = expr %0 k0\t; {\"at\":\"a.$\",\"t\":\"States.Format('{}', 1.50)\"}\n"));
	ck_assert_ptr_null(strstr(s, "call"));
	free(s);
	ir_free(p);
}
END_TEST

/* A state whose entry needs no table of its own is entered `plain`: not one
 * with a Retry (attempts to reset), a Resource (a task token, maybe) or a
 * timeout (its ...Path reads the state input); its emitted call says so. */
START_TEST(test_enter_plain)
{
	Program *p = lower_text(
	    "{\"StartAt\":\"T\",\"States\":{"
	    "\"T\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:1:function:f\","
	    "\"Next\":\"R\"},"
	    "\"R\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"A\",\"States\":{"
	    "\"A\":{\"Type\":\"Wait\",\"Seconds\":1,\"End\":true}}}],"
	    "\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"]}],\"Next\":\"C\"},"
	    "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.x\","
	    "\"IsPresent\":true,\"Next\":\"P\"}],\"Default\":\"F\"},"
	    "\"P\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{"
	    "\"B\":{\"Type\":\"Succeed\"}}}],\"End\":true},"
	    "\"F\":{\"Type\":\"Fail\",\"Error\":\"E\"}}}");
	char *s = dump(p);
	const char *want[][2] = {
	    {"\"T\" Task", "  enter %0 @0\n"},		 {"\"R\" Parallel", "  enter %0 @1\n"},
	    {"\"A\" Wait", "  enter %0 @2 plain\n"},	 {"\"C\" Choice", "  enter %0 @3 plain\n"},
	    {"\"P\" Parallel", "  enter %0 @4 plain\n"}, {"\"B\" Succeed", "  enter %0 @5 plain\n"},
	    {"\"F\" Fail", "  enter %0 @6 plain\n"}};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const char *st = strstr(s, want[i][0]);
		ck_assert_msg(st, "%s", want[i][0]);
		const char *enter = strstr(st, "  enter ");
		ck_assert_ptr_nonnull(enter);
		ck_assert_msg(strncmp(enter, want[i][1], strlen(want[i][1])) == 0, "%s: %.30s",
			      want[i][0], enter);
	}
	free(s);
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_nonnull(strstr(c.s, "if (aslrt_op_enter(c, 0, r[0])) goto E0;"));
	ck_assert_ptr_nonnull(strstr(c.s, "if (aslrt_op_enter_plain(c, 3, r[0])) goto E3;"));
	free(c.s);
	ir_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ir");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_pass_dump);
	tcase_add_test(tc, test_template_keys);
	tcase_add_test(tc, test_paths_static_and_dynamic);
	tcase_add_test(tc, test_choice_lowering);
	tcase_add_test(tc, test_choice_cse);
	tcase_add_test(tc, test_c_string_escapes);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_parallel_scopes);
	tcase_add_test(tc, test_intrinsic_calls);
	tcase_add_test(tc, test_intrinsic_fraction_literal);
	tcase_add_test(tc, test_enter_plain);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
