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
			    "k1 str \"in\"\n"
			    "k2 json {\"x\":1}\n"
			    "k3 path \"$.r\"\n"
			    "k4 str \"r\"\n"
			    "\n"
			    "scope 0 start @0 regs 7 bools 0\n"
			    "state @0 \"A\" Pass\n"
			    "  drops %2 %3 %4 %6\n"
			    "  enter %0 @0\n"
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
	ck_assert_ptr_nonnull(strstr(s, "test %2 NumericGreaterThan"));
	ck_assert_ptr_nonnull(strstr(s, "jumpifnot ?0 L1\n"));
	ck_assert_ptr_nonnull(strstr(s, "test %3 IsPresent"));
	ck_assert_ptr_nonnull(strstr(s, "?0 = not ?1\n"));
	ck_assert_ptr_nonnull(strstr(s, "test %6 StringEqualsPath"));
	ck_assert_ptr_null(strstr(s, "= path "));
	free(s);
	Buf c = {0};
	emit_c(p, &c);
	ck_assert_ptr_null(strstr(c.s, "aslrt_op_path("));
	ck_assert_ptr_nonnull(strstr(c.s, "aslrt_op_field(r[0], \"a\")"));
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
	ck_assert_ptr_nonnull(strstr(s, "  L0:\n  %6 = field %1 k5\t; \"y\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  %11 = field %0 k11\t; \"e\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  L2:\n  %14 = field %0 k11\t; \"e\"\n"));
	ck_assert_ptr_nonnull(strstr(s, "  %16 = require %15 %0 choice k10"));
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
	ck_assert_ptr_nonnull(
	    strstr(c.s, "aslrt_op_field(r[0], \"q\\\"\\?\\\\\\n\"\n\t\"\\303\\251\")"));
	ck_assert_ptr_null(strstr(c.s, "/* */ x"));
	buf_free(&c);
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

int main(void)
{
	Suite *s = suite_create("ir");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_pass_dump);
	tcase_add_test(tc, test_paths_static_and_dynamic);
	tcase_add_test(tc, test_choice_lowering);
	tcase_add_test(tc, test_choice_cse);
	tcase_add_test(tc, test_c_string_escapes);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_parallel_scopes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
