/* test_llvm.c - Check unit tests for codegen/emit_llvm.c: a small Program built
 * by hand goes through the LLVM backend at -O0..-O3; the text must parse back
 * and verify, hold the scope functions, the program descriptor and the runtime
 * declarations, and never turn a string of the definition into a symbol. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>

#include "ir.h"
#include "rt.h"

/* Strings of the definition chosen to collide with the symbols of the module:
 * if any were used as a name, LLVM would rename or clash. */
#define KEY "aslrt_main_program"
#define NAME0 "scope_0"
#define NAME1 "aslrt_op_enter"
#define NAME2 "@x \"quoted\" \\ \n"

static IrState *add_state(Program *p, int scope, const char *name, const char *type)
{
	IrState s = {0};
	s.id = p->nstates;
	s.name = xstrdup(name);
	s.type = xstrdup(type);
	s.scope = scope;
	vec_push(&p->states, &p->nstates, s);
	IrScope *sc = &p->scopes[scope];
	vec_push(&sc->states, &sc->nstates, s.id);
	return &p->states[p->nstates - 1];
}

static Ins *op(IrState *s, Op o, int dst, int a, int b, int c, int k)
{
	Ins *in = ir_emit(s, o);
	in->dst = dst;
	in->a = a;
	in->b = b;
	in->c = c;
	in->k = k;
	return in;
}

/*
 * scope 0 (regs 4, bools 2):
 *   @0 Choice: enter %0; %1 = field %0 KEY; %2 = require %1 %0 k(path);
 *              ?0 = test %2 StringEquals k %0; ?1 = not ?0; movb; setb;
 *              jumpifnot ?0 L0; %3 = copy %0; next %3 @1; L0: nomatch @0
 *   @1 Pass:   enter %0; %1 = const k; %2 = index %0 3; %3 = resultpath %0 %1; end %3
 * scope 1 (regs 2):
 *   @2 Task:   enter %0; %1 = task %0 @2; fail %1 @2
 */
static Program *sample(void)
{
	Program *p = ir_new();
	p->name = xstrdup(NAME2);
	p->nscopes = 2;
	p->scopes = xcalloc(2, sizeof *p->scopes);
	for (int i = 0; i < 2; i++)
		p->scopes[i].id = i;
	int kkey = ir_const_key(p, KEY);
	int kstr = ir_const_str(p, KEY);
	int kpath = ir_const(p, K_PATH, json_object_new_string("$." NAME1));
	int kjson = ir_const(p, K_JSON, json_object_new_string(NAME2));
	int kref = ir_const(p, K_PATH, json_object_new_string("$.r"));

	p->scopes[0].nregs = 4;
	p->scopes[0].nbools = 2;
	IrState *s = add_state(p, 0, NAME0, "Choice");
	s->nlabels = 1;
	op(s, OP_ENTER, -1, 0, -1, 0, -1);
	op(s, OP_FIELD, 1, 0, -1, -1, kkey);
	op(s, OP_REQUIRE, 2, 1, 0, 1, kpath);
	op(s, OP_TEST, 0, 2, ASLRT_CMP_StringEquals, 0, kjson);
	op(s, OP_NOT, 1, 0, -1, -1, -1);
	op(s, OP_MOVB, 1, 0, -1, -1, -1);
	op(s, OP_SETB, 1, -1, 1, -1, -1);
	op(s, OP_JUMPIFNOT, -1, 0, 0, -1, -1);
	op(s, OP_COPY, 3, 0, -1, -1, -1);
	op(s, OP_NEXT, -1, 3, 1, -1, -1);
	op(s, OP_LABEL, -1, -1, 0, -1, -1);
	op(s, OP_NOMATCH, -1, -1, -1, 0, -1);

	s = add_state(p, 0, NAME1, "Pass");
	op(s, OP_ENTER, -1, 0, -1, 1, -1);
	op(s, OP_CONST, 1, -1, -1, -1, kjson);
	op(s, OP_INDEX, 2, 0, 3, -1, -1);
	op(s, OP_RESULTPATH, 3, 0, 1, -1, kref);
	op(s, OP_END, -1, 3, -1, -1, -1);

	p->scopes[1].nregs = 2;
	p->scopes[1].start = 2;
	s = add_state(p, 1, NAME2, "Task");
	op(s, OP_ENTER, -1, 0, -1, 2, -1);
	op(s, OP_TASK, 1, 0, -1, 2, -1);
	op(s, OP_FAIL, -1, 1, -1, 2, -1);
	/* its Retry and Catch rows and a setting: the static tables */
	IrRetry r = {xcalloc(1, sizeof(int)), 1, true, 2, 1.5, 4, 10};
	r.errors[0] = kstr;
	vec_push(&s->retry, &s->nretry, r);
	IrCatch cc = {xcalloc(1, sizeof(int)), 1, 2, kref, -1, -1};
	cc.errors[0] = kstr;
	vec_push(&s->catchers, &s->ncatch, cc);
	IrSetting set = {S_RESOURCE, kstr};
	vec_push(&s->settings, &s->nsettings, set);

	p->meta = json_object_new_object();
	json_object_object_add(p->meta, "note", json_object_new_string(NAME1));
	ir_verify(p);
	return p;
}

/* Parse the text back in a fresh context and verify it. */
static void assert_parses(const char *text, size_t len)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMMemoryBufferRef mb = LLVMCreateMemoryBufferWithMemoryRangeCopy(text, len, "ll");
	LLVMModuleRef mod = NULL;
	char *msg = NULL;
	int bad = LLVMParseIRInContext(ctx, mb, &mod, &msg); /* takes mb */
	ck_assert_msg(!bad, "the text does not parse: %s", msg ? msg : "");
	LLVMDisposeMessage(msg);
	msg = NULL;
	bad = LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg);
	ck_assert_msg(!bad, "the parsed module does not verify: %s", msg ? msg : "");
	LLVMDisposeMessage(msg);
	ck_assert_ptr_nonnull(LLVMGetNamedGlobal(mod, "aslrt_main_program"));
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

START_TEST(test_text_all_levels)
{
	Program *p = sample();
	int opt = _i;
	Buf b = {0};
	ck_assert_int_eq(emit_llvm(p, opt, NULL, &b), 0);
	buf_put(&b, "", 1);
	const char *t = b.s;
	assert_parses(t, b.len - 1);
	/* the descriptor, with struct aslrt_program's layout */
	/* (optimisation adds local_unnamed_addr) */
	ck_assert_ptr_nonnull(strstr(t, "@aslrt_main_program = "));
	ck_assert_ptr_nonnull(
	    strstr(t, "constant { ptr, i64, i32, ptr, ptr, i32, ptr, i32 } { ptr @meta, i64 "));
	ck_assert_ptr_nonnull(
	    strstr(t, "i32 2, ptr @scopes, ptr @states, i32 3, ptr @consts, i32 5 }"));
	/* the constants' texts, with aslrt_const_def's layout */
	ck_assert_ptr_nonnull(strstr(t, "[5 x { i32, ptr, i64, ptr }] [{ i32, ptr, i64, ptr } "
					"{ i32 6, ptr @k"));
	ck_assert_ptr_nonnull(strstr(t, ", i64 18, ptr null }, { i32, ptr, i64, ptr } { i32 2, "));
	/* the Retry and Catch rows, with aslrt_retry_def's and aslrt_catch_def's layouts */
	ck_assert_ptr_nonnull(strstr(t,
				     "[1 x { ptr, i32, i32, double, double, double, double }] "
				     "[{ ptr, i32, i32, double, double, double, double } "
				     "{ ptr @errors, i32 1, i32 1, double 2.000000e+00, double "
				     "1.500000e+00, double 4.000000e+00, double 1.000000e+01 }]"));
	ck_assert_ptr_nonnull(strstr(t, "[1 x { ptr, i32, i32, i32, i32, i32 }] "
					"[{ ptr, i32, i32, i32, i32, i32 } { ptr @errors"));
	ck_assert_ptr_nonnull(strstr(t, ", i32 1, i32 2, i32 4, i32 -1, i32 -1 }]"));
	/* the metadata text is the runtime's, with its exact length */
	char *meta = ir_meta_text(p);
	char want[64];
	snprintf(want, sizeof want, "[%zu x i8] c\"", strlen(meta) + 1);
	ck_assert_ptr_nonnull(strstr(t, want));
	snprintf(want, sizeof want, "i64 %zu, i32 2", strlen(meta));
	ck_assert_ptr_nonnull(strstr(t, want));
	free(meta);
	if (opt == 0) {
		/* every scope is a function (O2 may inline them into nothing else: they
		 * are only reachable through @scopes, so they stay) */
		ck_assert_ptr_nonnull(
		    strstr(t, "define internal i32 @scope_0(ptr %c, ptr %in, ptr %out)"));
		ck_assert_ptr_nonnull(
		    strstr(t, "define internal i32 @scope_1(ptr %c, ptr %in, ptr %out)"));
		ck_assert_ptr_nonnull(strstr(t, "declare i32 @aslrt_op_enter(ptr, i32, ptr)"));
		ck_assert_ptr_nonnull(strstr(t, "declare ptr @aslrt_op_index(ptr, i64)"));
		/* a key is a constant, looked up with its hash computed at start-up */
		ck_assert_ptr_nonnull(strstr(t, "declare ptr @aslrt_op_fieldk(ptr, ptr, i32)"));
		ck_assert_ptr_nonnull(strstr(t, "call ptr @aslrt_op_fieldk(ptr %c, ptr %"));
		ck_assert_ptr_nonnull(strstr(t, "declare void @aslrt_op_put(ptr)"));
		ck_assert_ptr_nonnull(
		    strstr(t, "declare i32 @aslrt_op_require(ptr, i32, i32, ptr, ptr, ptr)"));
		ck_assert_ptr_nonnull(strstr(t, "call i32 @aslrt_op_recover(ptr %c, i32 2,"));
		ck_assert_ptr_nonnull(strstr(t, "call ptr @aslrt_op_index(ptr %"));
		ck_assert_ptr_nonnull(strstr(t, ", i64 3)"));
	} else {
		ck_assert_ptr_nonnull(strstr(t, "@scope_0"));
		ck_assert_ptr_nonnull(strstr(t, "@scope_1"));
	}
	ck_assert_ptr_nonnull(
	    strstr(t, "@scopes = private constant [2 x ptr] [ptr @scope_0, ptr @scope_1]"));
	/* the key is data: c"aslrt_main_program\00", and that symbol is defined once,
	 * never renamed (a collision would give aslrt_main_program.1) */
	ck_assert_ptr_nonnull(strstr(t, "c\"" KEY "\\00\""));
	ck_assert_int_eq(count(t, "@" KEY " ="), 1);
	ck_assert_ptr_null(strstr(t, KEY "."));
	ck_assert_ptr_null(strstr(t, "@\"" KEY));
	/* names of states are in the metadata only, never symbols or labels */
	ck_assert_ptr_null(strstr(t, "@" NAME1 "."));
	ck_assert_ptr_null(strstr(t, "@\""));
	ck_assert_ptr_null(strstr(t, "%\""));
	ck_assert_int_eq(count(t, "define internal i32 @scope_0("), 1);
	ck_assert_ptr_null(strstr(t, "scope_0."));
	buf_free(&b);
	ir_free(p);
}
END_TEST

START_TEST(test_object_file)
{
	Program *p = sample();
	char path[] = "/tmp/test_llvm_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(emit_llvm(p, 2, path, NULL), 0);
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	unsigned char magic[4] = {0};
	ck_assert_int_eq(fread(magic, 1, 4, f), 4);
	fclose(f);
	unlink(path);
	ck_assert(magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F');
	ir_free(p);
}
END_TEST

START_TEST(test_text_and_object)
{
	Program *p = sample();
	char path[] = "/tmp/test_llvm_XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	Buf b = {0};
	ck_assert_int_eq(emit_llvm(p, 1, path, &b), 0);
	ck_assert_uint_gt(b.len, 0);
	unlink(path);
	buf_free(&b);
	ir_free(p);
}
END_TEST

START_TEST(test_unwritable_object)
{
	Program *p = sample();
	ck_assert_int_eq(emit_llvm(p, 0, "/nonexistent-dir/x.o", NULL), -1);
	ir_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("llvm");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_text_all_levels, 0, 4);
	tcase_add_test(tc, test_object_file);
	tcase_add_test(tc, test_text_and_object);
	tcase_add_test(tc, test_unwritable_object);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
