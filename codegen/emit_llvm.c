/*
 * emit_llvm.c - the LLVM backend: the same program as emit_c.c, built through
 * the LLVM-C API (LLVM 16, opaque pointers, the new pass manager).
 *
 *   @meta               private constant [N+1 x i8], the metadata text
 *   @scope_N            internal i32 (ptr c, ptr in, ptr out), one per scope
 *   @scopes             private constant [S x ptr]
 *   @states             private constant [N x aslrt_state_def], with each state's
 *                       Retry, Catch, branch, successor and setting rows
 *   @consts             private constant [K x aslrt_const_def], each constant's text
 *   @aslrt_main_program constant { ptr, i64, i32, ptr, ptr, i32, ptr, i32 }
 *                       (struct aslrt_program)
 *
 * The functions mirror emit_c's: per state an internal noinline
 * i32 state_I(ptr c, ptr cur, ptr st) with allocas for r[] (ptr), b[] (i32),
 * rc and out; blocks S (the ops, or calls of the state's parts
 * state_I_K(c, r, b, out, st)), one per local label, the error handler E and
 * the epilogue X (drops, then return or recover); per scope scope_N, a
 * switch on st in a loop calling the state functions.  Every IR op is the
 * same runtime call as in the C backend.  Functions stay small, so LLVM's
 * time is linear in the definition's size.
 *
 * Names, keys and strings from the definition are data only: they appear as
 * the contents of private constant globals with fixed names, never as symbol,
 * block or value names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "ir.h"

/* The runtime functions generated code calls, with their C prototypes:
 * 'i' int (i32), 'l' long (i64), 'p' pointer, 'v' void (return only). */
enum {
	RT_ENTER,
	RT_ENTER_PLAIN,
	RT_EXIT,
	RT_CONST,
	RT_FIELD,
	RT_INDEX,
	RT_CONTEXT,
	RT_VAR,
	RT_REQUIRE,
	RT_NEED,
	RT_COPY,
	RT_PATH,
	RT_OBJECT,
	RT_ARRAY,
	RT_SETKEY,
	RT_ADDKEY,
	RT_OBJECT_N,
	RT_PUSH,
	RT_EXPR,
	RT_LIT,
	RT_CALL,
	RT_MATH_ADD,
	RT_RESULT_PATH,
	RT_ASSIGN,
	RT_JEVAL,
	RT_JASSIGN,
	RT_JCOND,
	RT_TASK,
	RT_WAIT,
	RT_PARALLEL,
	RT_MAP,
	RT_FAIL,
	RT_NOMATCH,
	RT_TEST,
	RT_RECOVER,
	RT_PUT,
	RT_COUNT
};

static const struct {
	const char *name;
	const char *sig; /* return type, then the parameters */
} aslrt_fns[RT_COUNT] = {
    [RT_ENTER] = {"aslrt_op_enter", "ipip"},
    [RT_ENTER_PLAIN] = {"aslrt_op_enter_plain", "ipip"},
    [RT_EXIT] = {"aslrt_op_exit", "ipip"},
    [RT_CONST] = {"aslrt_op_const", "ipip"},
    [RT_FIELD] = {"aslrt_op_fieldk", "pppi"},
    [RT_INDEX] = {"aslrt_op_index", "ppl"},
    [RT_CONTEXT] = {"aslrt_op_context", "pp"},
    [RT_VAR] = {"aslrt_op_var", "ppi"},
    [RT_REQUIRE] = {"aslrt_op_require", "ipiippp"},
    [RT_NEED] = {"aslrt_op_need", "ipip"},
    [RT_COPY] = {"aslrt_op_copy", "pp"},
    [RT_PATH] = {"aslrt_op_path", "ipipp"},
    [RT_OBJECT] = {"aslrt_op_object", "p"},
    [RT_ARRAY] = {"aslrt_op_array", "p"},
    [RT_SETKEY] = {"aslrt_op_setkeyk", "vppip"},
    [RT_ADDKEY] = {"aslrt_op_addkey", "vppip"},
    [RT_OBJECT_N] = {"aslrt_op_object_n", "pi"},
    [RT_PUSH] = {"aslrt_op_push", "vpp"},
    [RT_EXPR] = {"aslrt_op_expr", "ipipp"},
    [RT_LIT] = {"aslrt_op_lit", "ppi"},
    [RT_CALL] = {"aslrt_op_call", "ipiiippip"},
    [RT_MATH_ADD] = {"aslrt_op_math_add", "ipippp"},
    [RT_RESULT_PATH] = {"aslrt_op_result_path", "ipippp"},
    [RT_ASSIGN] = {"aslrt_op_assign", "ipp"},
    [RT_JEVAL] = {"aslrt_op_jeval", "ipipipp"},
    [RT_JASSIGN] = {"aslrt_op_jassign", "ipipip"},
    [RT_JCOND] = {"aslrt_op_jcond", "ipip"},
    [RT_TASK] = {"aslrt_op_task", "ipipp"},
    [RT_WAIT] = {"aslrt_op_wait", "ipip"},
    [RT_PARALLEL] = {"aslrt_op_parallel", "ipipp"},
    [RT_MAP] = {"aslrt_op_map", "ipipp"},
    [RT_FAIL] = {"aslrt_op_fail", "ipip"},
    [RT_NOMATCH] = {"aslrt_op_nomatch", "ipi"},
    [RT_TEST] = {"aslrt_op_test", "ipiipp"},
    [RT_RECOVER] = {"aslrt_op_recover", "ipipp"},
    [RT_PUT] = {"aslrt_op_put", "vp"},
};

typedef struct Emit {
	const Program *p;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMTypeRef i32, i64, ptr, voidt;
	LLVMTypeRef fn_type[RT_COUNT];
	LLVMValueRef fn[RT_COUNT]; /* declared on first use */
	LLVMTypeRef state_type, part_type;
	LLVMValueRef *state_fn; /* by state id */
	unsigned noinline;	/* the attribute kind */
	/* the function being built: a state's or one of its parts' */
	LLVMValueRef func, c;
	LLVMValueRef r, bools, st, outp, rc; /* registers, booleans, &st, where exits
					      * put the output, rc (state only) */
	LLVMTypeRef r_type, b_type;
	bool part;		       /* exits and errors return */
	LLVMBasicBlockRef err, xblock; /* E and X of the state function */
	LLVMBasicBlockRef *labels;     /* the current state's labels, made on use */
} Emit;

static LLVMTypeRef sig_type(Emit *e, char ch)
{
	switch (ch) {
	case 'i':
		return e->i32;
	case 'l':
		return e->i64;
	case 'p':
		return e->ptr;
	default:
		return e->voidt;
	}
}

static LLVMValueRef call(Emit *e, int f, LLVMValueRef *args, unsigned n)
{
	if (!e->fn[f]) {
		const char *sig = aslrt_fns[f].sig;
		LLVMTypeRef params[8];
		unsigned np = 0;
		for (const char *s = sig + 1; *s; s++)
			params[np++] = sig_type(e, *s);
		e->fn_type[f] = LLVMFunctionType(sig_type(e, sig[0]), params, np, 0);
		e->fn[f] = LLVMAddFunction(e->mod, aslrt_fns[f].name, e->fn_type[f]);
		LLVMSetLinkage(e->fn[f], LLVMExternalLinkage);
	}
	return LLVMBuildCall2(e->b, e->fn_type[f], e->fn[f], args, n, "");
}

static LLVMValueRef ci32(Emit *e, long long v)
{
	return LLVMConstInt(e->i32, (unsigned long long)v, 1);
}

/* A private constant byte array holding n bytes of s and a terminating NUL. */
static LLVMValueRef const_string(Emit *e, const char *s, size_t n, const char *name)
{
	LLVMValueRef init = LLVMConstStringInContext(e->ctx, s, (unsigned)n, 0);
	LLVMValueRef g = LLVMAddGlobal(e->mod, LLVMTypeOf(init), name);
	LLVMSetInitializer(g, init);
	LLVMSetGlobalConstant(g, 1);
	LLVMSetLinkage(g, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(g, 1);
	return g;
}

/* &r[i] */
static LLVMValueRef reg_addr(Emit *e, int i)
{
	LLVMValueRef idx[2] = {ci32(e, 0), ci32(e, i)};
	return LLVMBuildInBoundsGEP2(e->b, e->r_type, e->r, idx, 2, "");
}

static LLVMValueRef reg(Emit *e, int i)
{
	return LLVMBuildLoad2(e->b, e->ptr, reg_addr(e, i), "");
}

static void set_reg(Emit *e, int i, LLVMValueRef v)
{
	LLVMBuildStore(e->b, v, reg_addr(e, i));
}

static LLVMValueRef bool_addr(Emit *e, int i)
{
	LLVMValueRef idx[2] = {ci32(e, 0), ci32(e, i)};
	return LLVMBuildInBoundsGEP2(e->b, e->b_type, e->bools, idx, 2, "");
}

static LLVMValueRef boolv(Emit *e, int i)
{
	return LLVMBuildLoad2(e->b, e->i32, bool_addr(e, i), "");
}

static void put(Emit *e, LLVMValueRef v)
{
	call(e, RT_PUT, &v, 1);
}

/* A fresh block after the current one, for code following a terminator. */
static LLVMBasicBlockRef new_block(Emit *e, const char *name)
{
	return LLVMAppendBasicBlockInContext(e->ctx, e->func, name);
}

/* A drop-list register's release, skipped where it is null (moved out, or
 * never written): most are, and the call costs more than the test. */
static void put_owned(Emit *e, LLVMValueRef v)
{
	LLVMBasicBlockRef yes = new_block(e, "put"), done = new_block(e, "");
	LLVMBuildCondBr(e->b, LLVMBuildIsNotNull(e->b, v, ""), yes, done);
	LLVMPositionBuilderAtEnd(e->b, yes);
	put(e, v);
	LLVMBuildBr(e->b, done);
	LLVMPositionBuilderAtEnd(e->b, done);
}

static bool terminated(Emit *e)
{
	return LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(e->b)) != NULL;
}

/* Code after a goto in the C backend is unreachable; give it a block. */
static void ensure_open(Emit *e)
{
	if (terminated(e))
		LLVMPositionBuilderAtEnd(e->b, new_block(e, "dead"));
}

/* if (cond) goto target; */
static void branch_if(Emit *e, LLVMValueRef cond, LLVMBasicBlockRef target)
{
	LLVMBasicBlockRef cont = new_block(e, "");
	LLVMBuildCondBr(e->b, cond, target, cont);
	LLVMPositionBuilderAtEnd(e->b, cont);
}

/* if (rc) goto E; */
static void check(Emit *e, LLVMValueRef rc, int state)
{
	LLVMValueRef cond = LLVMBuildICmp(e->b, LLVMIntNE, rc, ci32(e, 0), "");
	(void)state;
	branch_if(e, cond, e->err);
}

static LLVMBasicBlockRef label(Emit *e, int i)
{
	if (!e->labels[i])
		e->labels[i] = LLVMAppendBasicBlockInContext(e->ctx, e->func, "L");
	return e->labels[i];
}

/* next and end: aslrt_op_exit, move the output out of its register, then
 * go to the state's epilogue X with rc (and st for next), as emit_c; a part
 * returns 1 (next) or 2 (end). */
static void leave(Emit *e, const IrState *st, const Ins *in)
{
	LLVMValueRef args[3] = {e->c, ci32(e, st->id), reg(e, in->a)};
	check(e, call(e, RT_EXIT, args, 3), st->id); /* e.g. States.DataLimitExceeded */
	LLVMBuildStore(e->b, reg(e, in->a), e->outp);
	set_reg(e, in->a, LLVMConstPointerNull(e->ptr));
	if (in->op == OP_NEXT)
		LLVMBuildStore(e->b, ci32(e, in->b), e->st);
	if (e->part) {
		LLVMBuildRet(e->b, ci32(e, in->op == OP_NEXT ? 1 : 2));
		return;
	}
	LLVMBuildStore(e->b, ci32(e, in->op == OP_NEXT), e->rc);
	LLVMBuildBr(e->b, e->xblock);
}

static LLVMValueRef const_ints(Emit *e, const int *v, int n, const char *name);

static void emit_ins(Emit *e, const IrState *st, const Ins *in)
{
	int id = st->id;
	LLVMValueRef c = e->c;
	if (in->op != OP_LABEL)
		ensure_open(e);
	switch (in->op) {
	case OP_ENTER: {
		LLVMValueRef args[] = {c, ci32(e, id), reg(e, in->a)};
		check(e, call(e, in->b == 1 ? RT_ENTER_PLAIN : RT_ENTER, args, 3), id);
		break;
	}
	case OP_CONST: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg_addr(e, in->dst)};
		check(e, call(e, RT_CONST, args, 3), id);
		break;
	}
	case OP_FIELD: { /* key constant k: hashed once, at start-up */
		LLVMValueRef args[] = {c, reg(e, in->a), ci32(e, in->k)};
		set_reg(e, in->dst, call(e, RT_FIELD, args, 3));
		break;
	}
	case OP_INDEX: {
		LLVMValueRef args[] = {reg(e, in->a),
				       LLVMConstInt(e->i64, (unsigned long long)(long)in->b, 1)};
		set_reg(e, in->dst, call(e, RT_INDEX, args, 2));
		break;
	}
	case OP_CONTEXT:
		set_reg(e, in->dst, call(e, RT_CONTEXT, &c, 1));
		break;
	case OP_VAR: {
		LLVMValueRef args[] = {c, ci32(e, in->k)};
		set_reg(e, in->dst, call(e, RT_VAR, args, 2));
		break;
	}
	case OP_REQUIRE: {
		LLVMValueRef args[] = {c,
				       ci32(e, in->k),
				       ci32(e, in->c),
				       reg(e, in->a),
				       reg(e, in->b),
				       reg_addr(e, in->dst)};
		check(e, call(e, RT_REQUIRE, args, 6), id);
		break;
	}
	case OP_NEED: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a)};
		check(e, call(e, RT_NEED, args, 3), id);
		break;
	}
	case OP_PATH: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), reg_addr(e, in->dst)};
		check(e, call(e, RT_PATH, args, 4), id);
		break;
	}
	case OP_COPY: {
		LLVMValueRef a = reg(e, in->a);
		set_reg(e, in->dst, call(e, RT_COPY, &a, 1));
		break;
	}
	case OP_OBJECT:
		if (in->b > 0) {
			LLVMValueRef n = ci32(e, in->b);
			set_reg(e, in->dst, call(e, RT_OBJECT_N, &n, 1));
		} else {
			set_reg(e, in->dst, call(e, RT_OBJECT, NULL, 0));
		}
		break;
	case OP_ARRAY:
		set_reg(e, in->dst, call(e, RT_ARRAY, NULL, 0));
		break;
	case OP_SETKEY: {
		LLVMValueRef args[] = {c, reg(e, in->a), ci32(e, in->k), reg_addr(e, in->b)};
		call(e, in->c == 1 ? RT_ADDKEY : RT_SETKEY, args, 4);
		break;
	}
	case OP_PUSH: {
		LLVMValueRef args[] = {reg(e, in->a), reg_addr(e, in->b)};
		call(e, RT_PUSH, args, 2);
		break;
	}
	case OP_EXPR: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), reg_addr(e, in->dst)};
		check(e, call(e, RT_EXPR, args, 4), id);
		break;
	}
	case OP_LIT: {
		LLVMValueRef args[] = {c, ci32(e, in->k)};
		set_reg(e, in->dst, call(e, RT_LIT, args, 2));
		break;
	}
	case OP_ARG: /* read by the call after it */
		break;
	case OP_CALL: {
		if (in->b == ASLRT_FN_MATH_ADD && in->c == 2) { /* an entry of its own */
			LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in[-2].a),
					       reg(e, in[-1].a), reg_addr(e, in->dst)};
			check(e, call(e, RT_MATH_ADD, args, 5), id);
			break;
		}
		/* in points into its state's ops: the c before it are its args */
		int *regs = xcalloc(in->c > 0 ? (size_t)in->c : 1, sizeof *regs);
		for (int i = 0; i < in->c; i++)
			regs[i] = in[i - in->c].a;
		LLVMValueRef args[] = {c,
				       ci32(e, in->b),
				       ci32(e, in->k),
				       ci32(e, in->c ? in[-in->c].k : -1),
				       e->r,
				       const_ints(e, regs, in->c, "args"),
				       ci32(e, in->c),
				       reg_addr(e, in->dst)};
		free(regs);
		check(e, call(e, RT_CALL, args, 8), id);
		break;
	}
	case OP_RESULTPATH: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), reg(e, in->b),
				       reg_addr(e, in->dst)};
		check(e, call(e, RT_RESULT_PATH, args, 5), id);
		break;
	}
	case OP_ASSIGN: {
		LLVMValueRef args[] = {c, reg(e, in->a)};
		check(e, call(e, RT_ASSIGN, args, 2), id);
		break;
	}
	case OP_JEVAL:
	case OP_JASSIGN: {
		/* $states.result is passed only when the op names one (b >= 0). */
		LLVMValueRef res = in->b >= 0 ? reg(e, in->b) : LLVMConstPointerNull(e->ptr);
		LLVMValueRef args[] = {c,
				       ci32(e, in->k),
				       reg(e, in->a),
				       ci32(e, in->b >= 0),
				       res,
				       in->op == OP_JEVAL ? reg_addr(e, in->dst) : NULL};
		if (in->op == OP_JEVAL)
			check(e, call(e, RT_JEVAL, args, 6), id);
		else
			check(e, call(e, RT_JASSIGN, args, 5), id);
		break;
	}
	case OP_JCOND: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a)};
		LLVMValueRef v = call(e, RT_JCOND, args, 3);
		LLVMBuildStore(e->b, v, bool_addr(e, in->dst));
		LLVMValueRef neg = LLVMBuildICmp(e->b, LLVMIntSLT, v, ci32(e, 0), "");
		branch_if(e, neg, e->err);
		break;
	}
	case OP_TASK:
	case OP_PARALLEL:
	case OP_MAP: {
		int f = in->op == OP_TASK ? RT_TASK : in->op == OP_MAP ? RT_MAP : RT_PARALLEL;
		LLVMValueRef args[] = {c, ci32(e, in->c), reg(e, in->a), reg_addr(e, in->dst)};
		check(e, call(e, f, args, 4), id);
		break;
	}
	case OP_WAIT: {
		LLVMValueRef args[] = {c, ci32(e, in->c), reg(e, in->a)};
		check(e, call(e, RT_WAIT, args, 3), id);
		break;
	}
	case OP_FAIL: {
		LLVMValueRef args[] = {c, ci32(e, in->c), reg(e, in->a)};
		call(e, RT_FAIL, args, 3);
		LLVMBuildBr(e->b, e->err);
		break;
	}
	case OP_NOMATCH: {
		LLVMValueRef args[] = {c, ci32(e, in->c)};
		call(e, RT_NOMATCH, args, 2);
		LLVMBuildBr(e->b, e->err);
		break;
	}
	case OP_TEST: {
		LLVMValueRef opnd = in->c >= 0 ? reg(e, in->c) : LLVMConstPointerNull(e->ptr);
		LLVMValueRef args[] = {c, ci32(e, in->b), ci32(e, in->k), reg(e, in->a), opnd};
		LLVMValueRef v = call(e, RT_TEST, args, 5);
		LLVMBuildStore(e->b, v, bool_addr(e, in->dst));
		LLVMValueRef neg = LLVMBuildICmp(e->b, LLVMIntSLT, v, ci32(e, 0), "");
		branch_if(e, neg, e->err);
		break;
	}
	case OP_NOT: {
		LLVMValueRef z = LLVMBuildICmp(e->b, LLVMIntEQ, boolv(e, in->a), ci32(e, 0), "");
		LLVMBuildStore(e->b, LLVMBuildZExt(e->b, z, e->i32, ""), bool_addr(e, in->dst));
		break;
	}
	case OP_SETB:
		LLVMBuildStore(e->b, ci32(e, in->b), bool_addr(e, in->dst));
		break;
	case OP_MOVB:
		LLVMBuildStore(e->b, boolv(e, in->a), bool_addr(e, in->dst));
		break;
	case OP_JUMPIF:
	case OP_JUMPIFNOT: {
		LLVMIntPredicate pred = in->op == OP_JUMPIF ? LLVMIntNE : LLVMIntEQ;
		LLVMValueRef cond = LLVMBuildICmp(e->b, pred, boolv(e, in->a), ci32(e, 0), "");
		branch_if(e, cond, label(e, in->b));
		break;
	}
	case OP_LABEL:
		if (!terminated(e))
			LLVMBuildBr(e->b, label(e, in->b));
		LLVMMoveBasicBlockAfter(label(e, in->b), LLVMGetLastBasicBlock(e->func));
		LLVMPositionBuilderAtEnd(e->b, label(e, in->b));
		break;
	case OP_NEXT:
	case OP_END:
		leave(e, st, in);
		break;
	default:
		unreachable();
	}
}

static LLVMValueRef new_function(Emit *e, const char *name, LLVMTypeRef type)
{
	LLVMValueRef f = LLVMAddFunction(e->mod, name, type);
	LLVMSetLinkage(f, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(e->ctx, e->noinline, 0));
	static const char *const names[] = {"c", "r", "b", "out", "st"};
	bool part = LLVMCountParams(f) == 5;
	for (unsigned i = 0; i < LLVMCountParams(f); i++) {
		const char *n = part ? names[i] : i == 0 ? "c" : i == 1 ? "cur" : "st";
		LLVMSetValueName2(LLVMGetParam(f, i), n, strlen(n));
	}
	return f;
}

/* ops [from, to) into the current function; then, unless terminated, go on
 * to `after` (a block) or return 0 (a part). */
static void emit_ops(Emit *e, const IrState *st, int from, int to, LLVMBasicBlockRef after)
{
	for (int i = 0; i < st->nlabels; i++)
		e->labels[i] = NULL;
	for (int j = from; j < to; j++)
		emit_ins(e, st, &st->ins[j]);
	if (!terminated(e)) {
		if (after)
			LLVMBuildBr(e->b, after);
		else
			LLVMBuildRet(e->b, ci32(e, 0));
	}
	/* a label no op defined (C would not compile it; never happens) */
	for (int i = 0; i < st->nlabels; i++)
		if (e->labels[i] && !LLVMGetBasicBlockTerminator(e->labels[i])) {
			LLVMPositionBuilderAtEnd(e->b, e->labels[i]);
			LLVMBuildUnreachable(e->b);
		}
}

/* A big state's part k: i32 state_I_K(ptr c, ptr r, ptr b, ptr out, ptr st),
 * returning -1 (error), 0 (fall through), 1 (next) or 2 (end), as emit_c. */
static LLVMValueRef emit_part(Emit *e, const IrState *st, int k)
{
	char name[48];
	snprintf(name, sizeof name, "state_%d_%d", st->id, k);
	LLVMValueRef f = new_function(e, name, e->part_type);
	e->func = f;
	e->c = LLVMGetParam(f, 0);
	e->r = LLVMGetParam(f, 1);
	e->bools = LLVMGetParam(f, 2);
	e->outp = LLVMGetParam(f, 3);
	e->st = LLVMGetParam(f, 4);
	e->part = true;
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->ctx, f, "entry");
	e->err = LLVMAppendBasicBlockInContext(e->ctx, f, "E");
	LLVMPositionBuilderAtEnd(e->b, e->err);
	LLVMBuildRet(e->b, ci32(e, -1));
	LLVMPositionBuilderAtEnd(e->b, entry);
	emit_ops(e, st, k ? st->parts[k - 1] : 0, st->parts[k], NULL);
	return f;
}

/*
 * i32 state_I(ptr c, ptr cur, ptr st), as emit_c's state_I:
 * S: r[drops] = null; ops (or calls of its parts); exits store out, rc (and
 * st) and go to X.  E: rc = -1.  X: release the drop list; rc >= 0: put
 * r[0], *cur = out, return rc; else aslrt_op_recover: retry (S), caught
 * (*cur = r[0], return 1) or fail (return -1).
 */
static void emit_state(Emit *e, const IrState *st, int nregs, int nbools)
{
	LLVMTypeRef r_type = LLVMArrayType(e->ptr, (unsigned)nregs);
	LLVMTypeRef b_type = LLVMArrayType(e->i32, (unsigned)(nbools > 0 ? nbools : 1));
	LLVMValueRef *parts = xcalloc(st->nparts > 0 ? (size_t)st->nparts : 1, sizeof *parts);
	e->r_type = r_type;
	e->b_type = b_type;
	for (int k = 0; k < st->nparts; k++)
		parts[k] = emit_part(e, st, k);

	LLVMValueRef f = e->state_fn[st->id];
	e->func = f;
	e->c = LLVMGetParam(f, 0);
	LLVMValueRef cur = LLVMGetParam(f, 1);
	e->st = LLVMGetParam(f, 2);
	e->part = false;
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->ctx, f, "entry");
	LLVMBasicBlockRef sb = LLVMAppendBasicBlockInContext(e->ctx, f, "S");
	e->err = LLVMAppendBasicBlockInContext(e->ctx, f, "E");
	e->xblock = LLVMAppendBasicBlockInContext(e->ctx, f, "X");
	LLVMPositionBuilderAtEnd(e->b, entry);
	e->r = LLVMBuildAlloca(e->b, r_type, "r");
	LLVMSetAlignment(e->r, 8);
	e->bools = nbools > 0 ? LLVMBuildAlloca(e->b, b_type, "b") : LLVMConstPointerNull(e->ptr);
	if (nbools > 0)
		LLVMSetAlignment(e->bools, 4);
	e->rc = LLVMBuildAlloca(e->b, e->i32, "rc");
	LLVMSetAlignment(e->rc, 4);
	e->outp = LLVMBuildAlloca(e->b, e->ptr, "out");
	LLVMSetAlignment(e->outp, 8);
	LLVMBuildStore(e->b, LLVMConstPointerNull(e->ptr), e->outp);
	set_reg(e, 0, LLVMBuildLoad2(e->b, e->ptr, cur, ""));
	LLVMBuildBr(e->b, sb);

	LLVMPositionBuilderAtEnd(e->b, sb);
	for (int i = 0; i < st->ndrops; i++)
		set_reg(e, st->drops[i], LLVMConstPointerNull(e->ptr));
	if (st->nparts) {
		LLVMBasicBlockRef n1 = new_block(e, "next"), n0 = new_block(e, "end");
		for (int k = 0; k < st->nparts; k++) {
			LLVMValueRef args[] = {e->c, e->r, e->bools, e->outp, e->st};
			LLVMValueRef rc = LLVMBuildCall2(e->b, e->part_type, parts[k], args, 5, "");
			LLVMBasicBlockRef cont = new_block(e, "");
			LLVMValueRef sw = LLVMBuildSwitch(e->b, rc, cont, 3);
			LLVMAddCase(sw, ci32(e, -1), e->err);
			LLVMAddCase(sw, ci32(e, 1), n1);
			LLVMAddCase(sw, ci32(e, 2), n0);
			LLVMPositionBuilderAtEnd(e->b, cont);
		}
		LLVMBuildBr(e->b, e->err);
		LLVMPositionBuilderAtEnd(e->b, n1);
		LLVMBuildStore(e->b, ci32(e, 1), e->rc);
		LLVMBuildBr(e->b, e->xblock);
		LLVMPositionBuilderAtEnd(e->b, n0);
		LLVMBuildStore(e->b, ci32(e, 0), e->rc);
		LLVMBuildBr(e->b, e->xblock);
	} else {
		emit_ops(e, st, 0, st->nins, e->err);
	}
	free(parts);

	LLVMMoveBasicBlockAfter(e->err, LLVMGetLastBasicBlock(f));
	LLVMPositionBuilderAtEnd(e->b, e->err);
	LLVMBuildStore(e->b, ci32(e, -1), e->rc);
	LLVMBuildBr(e->b, e->xblock);

	LLVMMoveBasicBlockAfter(e->xblock, LLVMGetLastBasicBlock(f));
	LLVMPositionBuilderAtEnd(e->b, e->xblock);
	for (int i = 0; i < st->ndrops; i++)
		put_owned(e, reg(e, st->drops[i]));
	LLVMValueRef rcv = LLVMBuildLoad2(e->b, e->i32, e->rc, "");
	LLVMBasicBlockRef ok = new_block(e, "ok"), recover = new_block(e, "recover");
	LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntSGE, rcv, ci32(e, 0), ""), ok, recover);
	LLVMPositionBuilderAtEnd(e->b, ok);
	put(e, reg(e, 0));
	LLVMBuildStore(e->b, LLVMBuildLoad2(e->b, e->ptr, e->outp, ""), cur);
	LLVMBuildRet(e->b, rcv);

	LLVMPositionBuilderAtEnd(e->b, recover);
	LLVMValueRef args[] = {e->c, ci32(e, st->id), reg_addr(e, 0), e->st};
	LLVMValueRef rr = call(e, RT_RECOVER, args, 4);
	LLVMBasicBlockRef fail = new_block(e, "fail"), caught = new_block(e, "caught");
	LLVMValueRef sw = LLVMBuildSwitch(e->b, rr, fail, 2);
	LLVMAddCase(sw, ci32(e, 0), sb);     /* ASLRT_RETRY */
	LLVMAddCase(sw, ci32(e, 1), caught); /* ASLRT_CAUGHT */
	LLVMPositionBuilderAtEnd(e->b, caught);
	LLVMBuildStore(e->b, reg(e, 0), cur);
	LLVMBuildRet(e->b, ci32(e, 1));
	LLVMPositionBuilderAtEnd(e->b, fail);
	put(e, reg(e, 0));
	LLVMBuildStore(e->b, LLVMConstPointerNull(e->ptr), cur);
	LLVMBuildRet(e->b, ci32(e, -1));
}

/* i32 scope_N(ptr c, ptr in, ptr out): a switch on the current state in a
 * loop, calling the state functions, as emit_c's scope_N. */
static void emit_scope(Emit *e, const IrScope *sc, LLVMValueRef func)
{
	const Program *p = e->p;
	for (int i = 0; i < sc->nstates; i++) {
		const IrState *st = &p->states[sc->states[i]];
		int nregs = 1, nbools = 0;
		for (int j = 0; j < st->nins; j++) {
			const Ins *in = &st->ins[j];
			if (op_info[in->op].dst == D_BOOL && in->dst + 1 > nbools)
				nbools = in->dst + 1;
			else if (op_info[in->op].dst != D_NONE && op_info[in->op].dst != D_BOOL &&
				 in->dst + 1 > nregs)
				nregs = in->dst + 1;
		}
		emit_state(e, st, nregs, nbools);
	}
	e->func = func;
	LLVMValueRef c = LLVMGetParam(func, 0);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->ctx, func, "entry");
	LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(e->ctx, func, "dispatch");
	LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(e->ctx, func, "after");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(e->ctx, func, "done");
	LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(e->ctx, func, "bad_state");
	LLVMPositionBuilderAtEnd(e->b, entry);
	LLVMValueRef st = LLVMBuildAlloca(e->b, e->i32, "st");
	LLVMValueRef cur = LLVMBuildAlloca(e->b, e->ptr, "cur");
	LLVMValueRef rc = LLVMBuildAlloca(e->b, e->i32, "rc");
	LLVMBuildStore(e->b, ci32(e, sc->start), st);
	LLVMBuildStore(e->b, LLVMGetParam(func, 1), cur);
	LLVMBuildBr(e->b, loop);

	LLVMPositionBuilderAtEnd(e->b, loop);
	LLVMValueRef sw =
	    LLVMBuildSwitch(e->b, LLVMBuildLoad2(e->b, e->i32, st, ""), bad, (unsigned)sc->nstates);
	for (int i = 0; i < sc->nstates; i++) {
		int s = sc->states[i];
		LLVMBasicBlockRef blk = LLVMAppendBasicBlockInContext(e->ctx, func, "");
		LLVMAddCase(sw, ci32(e, s), blk);
		LLVMPositionBuilderAtEnd(e->b, blk);
		LLVMValueRef args[] = {c, cur, st};
		LLVMBuildStore(
		    e->b, LLVMBuildCall2(e->b, e->state_type, e->state_fn[s], args, 3, ""), rc);
		LLVMBuildBr(e->b, after);
	}
	LLVMPositionBuilderAtEnd(e->b, after);
	LLVMValueRef rcv = LLVMBuildLoad2(e->b, e->i32, rc, "");
	LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntSGT, rcv, ci32(e, 0), ""), loop, done);
	LLVMPositionBuilderAtEnd(e->b, done);
	LLVMBuildStore(e->b, LLVMBuildLoad2(e->b, e->ptr, cur, ""), LLVMGetParam(func, 2));
	LLVMBuildRet(e->b, rcv);
	LLVMPositionBuilderAtEnd(e->b, bad);
	put(e, LLVMBuildLoad2(e->b, e->ptr, cur, ""));
	LLVMBuildRet(e->b, ci32(e, -1));
}

static LLVMValueRef private_const(Emit *e, LLVMValueRef init, const char *name)
{
	LLVMValueRef g = LLVMAddGlobal(e->mod, LLVMTypeOf(init), name);
	LLVMSetInitializer(g, init);
	LLVMSetGlobalConstant(g, 1);
	LLVMSetLinkage(g, LLVMPrivateLinkage);
	LLVMSetAlignment(g, 8);
	return g;
}

/* A private constant int array, or a null pointer when empty. */
static LLVMValueRef const_ints(Emit *e, const int *v, int n, const char *name)
{
	if (!n)
		return LLVMConstNull(e->ptr);
	LLVMValueRef *vals = xcalloc((size_t)n, sizeof *vals);
	for (int i = 0; i < n; i++)
		vals[i] = ci32(e, v[i]);
	LLVMValueRef g = private_const(e, LLVMConstArray(e->i32, vals, (unsigned)n), name);
	free(vals);
	return g;
}

/* An array of n structs of type t (vals[i] each), or a null pointer. */
static LLVMValueRef const_rows(Emit *e, LLVMTypeRef t, LLVMValueRef *rows, int n, const char *name)
{
	if (!n)
		return LLVMConstNull(e->ptr);
	return private_const(e, LLVMConstArray(t, rows, (unsigned)n), name);
}

/*
 * A Map's ItemSelector ops as i32 sel_I(ptr c, ptr in, ptr out), as emit_c's:
 * r[0] = in (borrowed), the drops null, the ops, *out = the value; E: rc =
 * -1; X: release the drops, return rc.
 */
static LLVMValueRef emit_selector(Emit *e, const IrState *st)
{
	const IrState *sel = st->sel;
	char name[32];
	snprintf(name, sizeof name, "sel_%d", st->id);
	LLVMTypeRef params[3] = {e->ptr, e->ptr, e->ptr};
	LLVMValueRef f = new_function(e, name, LLVMFunctionType(e->i32, params, 3, 0));
	e->func = f;
	e->c = LLVMGetParam(f, 0);
	e->part = false;
	e->r_type = LLVMArrayType(e->ptr, (unsigned)st->sel_regs);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->ctx, f, "entry");
	e->err = LLVMAppendBasicBlockInContext(e->ctx, f, "E");
	e->xblock = LLVMAppendBasicBlockInContext(e->ctx, f, "X");
	LLVMPositionBuilderAtEnd(e->b, entry);
	e->r = LLVMBuildAlloca(e->b, e->r_type, "r");
	LLVMSetAlignment(e->r, 8);
	e->rc = LLVMBuildAlloca(e->b, e->i32, "rc");
	LLVMSetAlignment(e->rc, 4);
	LLVMBuildStore(e->b, ci32(e, 0), e->rc);
	set_reg(e, 0, LLVMGetParam(f, 1));
	for (int i = 0; i < sel->ndrops; i++)
		set_reg(e, sel->drops[i], LLVMConstPointerNull(e->ptr));
	for (int i = 0; i < sel->nins; i++)
		emit_ins(e, sel, &sel->ins[i]);
	ensure_open(e);
	LLVMBuildStore(e->b, reg(e, st->sel_out), LLVMGetParam(f, 2));
	set_reg(e, st->sel_out, LLVMConstPointerNull(e->ptr));
	LLVMBuildBr(e->b, e->xblock);

	LLVMMoveBasicBlockAfter(e->err, LLVMGetLastBasicBlock(f));
	LLVMPositionBuilderAtEnd(e->b, e->err);
	LLVMBuildStore(e->b, ci32(e, -1), e->rc);
	LLVMBuildBr(e->b, e->xblock);
	LLVMMoveBasicBlockAfter(e->xblock, LLVMGetLastBasicBlock(f));
	LLVMPositionBuilderAtEnd(e->b, e->xblock);
	for (int i = 0; i < sel->ndrops; i++)
		put(e, reg(e, sel->drops[i]));
	LLVMBuildRet(e->b, LLVMBuildLoad2(e->b, e->i32, e->rc, ""));
	return f;
}

/*
 * The states' tables (aslrt.h), laid out as C lays out the structs:
 *   aslrt_retry_def   { ptr, i32, i32, double x 4 }
 *   aslrt_catch_def   { ptr, i32 x 5 }
 *   aslrt_setting_def { i32, i32 }
 *   aslrt_state_def   { ptr x 2, i32 x 2, ptr x 6, i32 x 5 }
 */
static LLVMValueRef state_defs(Emit *e)
{
	const Program *p = e->p;
	LLVMContextRef ctx = e->ctx;
	LLVMTypeRef dbl = LLVMDoubleTypeInContext(ctx);
	LLVMTypeRef rt[7] = {e->ptr, e->i32, e->i32, dbl, dbl, dbl, dbl};
	LLVMTypeRef retry_t = LLVMStructTypeInContext(ctx, rt, 7, 0);
	LLVMTypeRef ct[6] = {e->ptr, e->i32, e->i32, e->i32, e->i32, e->i32};
	LLVMTypeRef catch_t = LLVMStructTypeInContext(ctx, ct, 6, 0);
	LLVMTypeRef sett[2] = {e->i32, e->i32};
	LLVMTypeRef set_t = LLVMStructTypeInContext(ctx, sett, 2, 0);
	LLVMTypeRef stt[15] = {e->ptr, e->ptr, e->i32, e->i32, e->ptr, e->ptr, e->ptr, e->ptr,
			       e->ptr, e->ptr, e->i32, e->i32, e->i32, e->i32, e->i32};
	LLVMTypeRef state_t = LLVMStructTypeInContext(ctx, stt, 15, 0);
	LLVMValueRef *defs = xcalloc((size_t)p->nstates + 1, sizeof *defs);
	for (int i = 0; i < p->nstates; i++) {
		const IrState *st = &p->states[i];
		int n = st->nretry > st->ncatch ? st->nretry : st->ncatch;
		if (st->nsettings > n)
			n = st->nsettings;
		LLVMValueRef *rows = xcalloc((size_t)n + 1, sizeof *rows);
		for (int k = 0; k < st->nretry; k++) {
			const IrRetry *r = &st->retry[k];
			LLVMValueRef f[7] = {const_ints(e, r->errors, r->nerrors, "errors"),
					     ci32(e, r->nerrors),
					     ci32(e, r->jitter),
					     LLVMConstReal(dbl, r->interval),
					     LLVMConstReal(dbl, r->backoff),
					     LLVMConstReal(dbl, r->max_attempts),
					     LLVMConstReal(dbl, r->max_delay)};
			rows[k] = LLVMConstStructInContext(ctx, f, 7, 0);
		}
		LLVMValueRef retry = const_rows(e, retry_t, rows, st->nretry, "retry");
		for (int k = 0; k < st->ncatch; k++) {
			const IrCatch *c = &st->catchers[k];
			LLVMValueRef f[6] = {const_ints(e, c->errors, c->nerrors, "errors"),
					     ci32(e, c->nerrors),
					     ci32(e, c->next),
					     ci32(e, c->result_path),
					     ci32(e, c->assign),
					     ci32(e, c->output)};
			rows[k] = LLVMConstStructInContext(ctx, f, 6, 0);
		}
		LLVMValueRef catchers = const_rows(e, catch_t, rows, st->ncatch, "catch");
		for (int k = 0; k < st->nsettings; k++) {
			LLVMValueRef f[2] = {ci32(e, st->settings[k].key),
					     ci32(e, st->settings[k].k)};
			rows[k] = LLVMConstStructInContext(ctx, f, 2, 0);
		}
		LLVMValueRef settings = const_rows(e, set_t, rows, st->nsettings, "settings");
		free(rows);
		LLVMValueRef f[15] = {const_string(e, st->name, strlen(st->name), "name"),
				      const_string(e, st->type, strlen(st->type), "type"),
				      ci32(e, st->scope),
				      ci32(e, st->jsonata),
				      retry,
				      catchers,
				      const_ints(e, st->branches, st->nbranches, "branches"),
				      const_ints(e, st->next, st->nnext, "next"),
				      settings,
				      st->sel ? emit_selector(e, st) : LLVMConstNull(e->ptr),
				      ci32(e, st->nretry),
				      ci32(e, st->ncatch),
				      ci32(e, st->nbranches),
				      ci32(e, st->nnext),
				      ci32(e, st->nsettings)};
		defs[i] = LLVMConstStructInContext(ctx, f, 15, 0);
	}
	LLVMValueRef g = const_rows(e, state_t, defs, p->nstates, "states");
	free(defs);
	return g;
}

/* The constant table: aslrt_const_def { i32, ptr, i64, ptr } each. */
static LLVMValueRef const_defs(Emit *e)
{
	const Program *p = e->p;
	LLVMTypeRef ft[4] = {e->i32, e->ptr, e->i64, e->ptr};
	LLVMTypeRef t = LLVMStructTypeInContext(e->ctx, ft, 4, 0);
	LLVMValueRef *rows = xcalloc((size_t)p->nconsts + 1, sizeof *rows);
	for (int i = 0; i < p->nconsts; i++) {
		size_t len;
		const char *at;
		char *text = ir_const_text(&p->consts[i], &len, &at);
		LLVMValueRef f[4] = {ci32(e, p->consts[i].kind), const_string(e, text, len, "k"),
				     LLVMConstInt(e->i64, len, 0),
				     at ? const_string(e, at, strlen(at), "at")
					: LLVMConstNull(e->ptr)};
		rows[i] = LLVMConstStructInContext(e->ctx, f, 4, 0);
		free(text);
	}
	LLVMValueRef g = const_rows(e, t, rows, p->nconsts, "consts");
	free(rows);
	return g;
}

static void build_module(Emit *e)
{
	const Program *p = e->p;
	LLVMContextRef ctx = e->ctx;

	e->noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	char *meta = ir_meta_text(p);
	size_t meta_len = strlen(meta);
	LLVMValueRef gmeta = const_string(e, meta, meta_len, "meta");
	free(meta);

	LLVMTypeRef params[3] = {e->ptr, e->ptr, e->ptr};
	LLVMTypeRef scope_type = LLVMFunctionType(e->i32, params, 3, 0);
	int n = p->nscopes;
	LLVMValueRef *funcs = xcalloc(n > 0 ? (size_t)n : 1, sizeof *funcs);
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "scope_%d", i);
		funcs[i] = LLVMAddFunction(e->mod, name, scope_type);
		LLVMSetLinkage(funcs[i], LLVMInternalLinkage);
		for (unsigned a = 0; a < 3; a++)
			LLVMSetValueName2(LLVMGetParam(funcs[i], a),
					  a == 0   ? "c"
					  : a == 1 ? "in"
						   : "out",
					  a == 2   ? 3
					  : a == 1 ? 2
						   : 1);
	}

	LLVMTypeRef scopes_type = LLVMArrayType(e->ptr, (unsigned)n);
	LLVMValueRef gscopes = LLVMAddGlobal(e->mod, scopes_type, "scopes");
	LLVMSetInitializer(gscopes, LLVMConstArray(e->ptr, funcs, (unsigned)n));
	LLVMSetGlobalConstant(gscopes, 1);
	LLVMSetLinkage(gscopes, LLVMPrivateLinkage);
	LLVMSetAlignment(gscopes, 8);

	/* struct aslrt_program { const char *meta; size_t meta_len; int nscopes;
	 *                        aslrt_scope_fn *const *scopes;
	 *                        const aslrt_state_def *states; int nstates;
	 *                        const aslrt_const_def *consts; int nconsts; } */
	LLVMTypeRef fields[8] = {e->ptr, e->i64, e->i32, e->ptr, e->ptr, e->i32, e->ptr, e->i32};
	LLVMTypeRef prog_type = LLVMStructTypeInContext(ctx, fields, 8, 0);
	LLVMValueRef vals[8] = {gmeta,	       LLVMConstInt(e->i64, meta_len, 0),
				ci32(e, n),    gscopes,
				state_defs(e), ci32(e, p->nstates),
				const_defs(e), ci32(e, p->nconsts)};
	LLVMValueRef gprog = LLVMAddGlobal(e->mod, prog_type, "aslrt_main_program");
	LLVMSetInitializer(gprog, LLVMConstStructInContext(ctx, vals, 8, 0));
	LLVMSetGlobalConstant(gprog, 1);
	LLVMSetLinkage(gprog, LLVMExternalLinkage);
	LLVMSetAlignment(gprog, 8);

	LLVMTypeRef sparams[3] = {e->ptr, e->ptr, e->ptr};
	e->state_type = LLVMFunctionType(e->i32, sparams, 3, 0);
	LLVMTypeRef pparams[5] = {e->ptr, e->ptr, e->ptr, e->ptr, e->ptr};
	e->part_type = LLVMFunctionType(e->i32, pparams, 5, 0);
	e->state_fn = xcalloc(p->nstates > 0 ? (size_t)p->nstates : 1, sizeof *e->state_fn);
	for (int i = 0; i < p->nstates; i++) {
		char name[32];
		snprintf(name, sizeof name, "state_%d", i);
		e->state_fn[i] = new_function(e, name, e->state_type);
	}
	int maxlabels = 1;
	for (int i = 0; i < p->nstates; i++)
		if (p->states[i].nlabels > maxlabels)
			maxlabels = p->states[i].nlabels;
	e->labels = xcalloc((size_t)maxlabels, sizeof *e->labels);
	for (int i = 0; i < n; i++)
		emit_scope(e, &p->scopes[i], funcs[i]);
	free(e->labels);
	free(e->state_fn);
	free(funcs);
}

/* The verifier's complaints are aslc bugs, not errors in the definition. */
static int verify(LLVMModuleRef mod, const char *when)
{
	char *msg = NULL;
	int bad = LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg);
	if (bad)
		fprintf(stderr, "aslc: internal error: invalid LLVM module %s:\n%s\n", when,
			msg ? msg : "");
	LLVMDisposeMessage(msg);
	return bad ? -1 : 0;
}

int emit_llvm(const Program *p, int opt, const char *obj_path, Buf *ll)
{
	/* The state code is calls into the runtime, where SelectionDAG's code
	 * is no faster than fast instruction selection's (bench/) but takes six
	 * times as long to make: -O1 and -O2 select fast; -O3 is LLVM's full
	 * pipeline and code generator. */
	static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelNone,
						     LLVMCodeGenLevelNone,
						     LLVMCodeGenLevelAggressive};
	if (opt < 0)
		opt = 0;
	if (opt > 3)
		opt = 3;
	int rc = -1;
	Emit e = {0};
	e.p = p;
	e.ctx = LLVMContextCreate();
	e.mod = LLVMModuleCreateWithNameInContext("machine", e.ctx);
	e.b = LLVMCreateBuilderInContext(e.ctx);
	e.i32 = LLVMInt32TypeInContext(e.ctx);
	e.i64 = LLVMInt64TypeInContext(e.ctx);
	e.ptr = LLVMPointerTypeInContext(e.ctx, 0);
	e.voidt = LLVMVoidTypeInContext(e.ctx);

	LLVMTargetMachineRef tm = NULL;
	LLVMTargetDataRef td = NULL;
	char *triple = LLVMGetDefaultTargetTriple();
	char *err = NULL;
	LLVMTargetRef target;
	if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) {
		fprintf(stderr, "aslc: LLVM has no native target\n");
		goto out;
	}
	if (LLVMGetTargetFromTriple(triple, &target, &err)) {
		fprintf(stderr, "aslc: LLVM target %s: %s\n", triple, err ? err : "");
		goto out;
	}
	tm = LLVMCreateTargetMachine(target, triple, "generic", "", levels[opt], LLVMRelocPIC,
				     LLVMCodeModelDefault);
	if (!tm) {
		fprintf(stderr, "aslc: cannot create an LLVM target machine for %s\n", triple);
		goto out;
	}
	LLVMSetTarget(e.mod, triple);
	td = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(e.mod, td);

	build_module(&e);
	if (verify(e.mod, "before optimisation"))
		goto out;

	if (opt > 0) {
		/* The code is calls into the runtime: -O1 promotes registers and
		 * folds what is constant, for compile time; -O2 adds instcombine;
		 * -O3 is LLVM's full pipeline. */
		static const char *const pipelines[] = {
		    NULL,
		    "function(sroa,early-cse,simplifycfg)",
		    "function(sroa,early-cse,instcombine,simplifycfg)",
		    "default<O3>",
		};
		const char *passes = pipelines[opt];
		LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
		LLVMErrorRef perr = LLVMRunPasses(e.mod, passes, tm, po);
		LLVMDisposePassBuilderOptions(po);
		if (perr) {
			char *m = LLVMGetErrorMessage(perr);
			fprintf(stderr, "aslc: LLVM passes %s: %s\n", passes, m);
			LLVMDisposeErrorMessage(m);
			goto out;
		}
		if (verify(e.mod, "after optimisation"))
			goto out;
	}

	if (ll) {
		char *text = LLVMPrintModuleToString(e.mod);
		buf_puts(ll, text);
		LLVMDisposeMessage(text);
	}
	if (obj_path) {
		char *path = xstrdup(obj_path);
		int bad = LLVMTargetMachineEmitToFile(tm, e.mod, path, LLVMObjectFile, &err);
		free(path);
		if (bad) {
			fprintf(stderr, "aslc: cannot write %s: %s\n", obj_path, err ? err : "");
			goto out;
		}
	}
	rc = 0;
out:
	LLVMDisposeMessage(err);
	LLVMDisposeMessage(triple);
	if (td)
		LLVMDisposeTargetData(td);
	if (tm)
		LLVMDisposeTargetMachine(tm);
	LLVMDisposeBuilder(e.b);
	LLVMDisposeModule(e.mod);
	LLVMContextDispose(e.ctx);
	return rc;
}
