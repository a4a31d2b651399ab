/*
 * emit_llvm.c - the LLVM backend: the same program as emit_c.c, built through
 * the LLVM-C API (LLVM 16, opaque pointers, the new pass manager).
 *
 *   @meta               private constant [N+1 x i8], the metadata text
 *   @scope_N            internal i32 (ptr c, ptr in, ptr out), one per scope
 *   @scopes             private constant [S x ptr]
 *   @aslrt_main_program constant { ptr, i64, i32, ptr } (struct aslrt_program)
 *
 * Each scope function mirrors emit_c's scope_N: allocas for r[] (ptr), b[]
 * (i32) and st (i32); a dispatch block switching on st; per state an entry
 * block S, one block per local label, the error handler E and the epilogue X
 * (drops, then by rc: next state, return, or recover); every IR op is
 * the same runtime call as in the C backend.
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
	RT_EXIT,
	RT_CONST,
	RT_FIELD,
	RT_INDEX,
	RT_CONTEXT,
	RT_VAR,
	RT_REQUIRE,
	RT_COPY,
	RT_PATH,
	RT_TEMPLATE,
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
} rt_fns[RT_COUNT] = {
	[RT_ENTER] = {"aslrt_op_enter", "ipip"},
	[RT_EXIT] = {"aslrt_op_exit", "ipip"},
	[RT_CONST] = {"aslrt_op_const", "ipip"},
	[RT_FIELD] = {"aslrt_op_field", "ppp"},
	[RT_INDEX] = {"aslrt_op_index", "ppl"},
	[RT_CONTEXT] = {"aslrt_op_context", "pp"},
	[RT_VAR] = {"aslrt_op_var", "ppi"},
	[RT_REQUIRE] = {"aslrt_op_require", "ipiippp"},
	[RT_COPY] = {"aslrt_op_copy", "pp"},
	[RT_PATH] = {"aslrt_op_path", "ipipp"},
	[RT_TEMPLATE] = {"aslrt_op_template", "ipipp"},
	[RT_RESULT_PATH] = {"aslrt_op_result_path", "ipippp"},
	[RT_ASSIGN] = {"aslrt_op_assign", "ipip"},
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
	LLVMValueRef *keys;        /* OP_FIELD keys by constant index, built on first use */
	/* the scope being built */
	LLVMValueRef func, c, out;
	LLVMValueRef r, bools, st, outv, rc; /* allocas */
	int *mark;                 /* by state id: the state last seen as a target */
	LLVMTypeRef r_type, b_type;
	LLVMBasicBlockRef dispatch;
	LLVMBasicBlockRef *sblock, *eblock; /* by state id (this scope's states) */
	LLVMBasicBlockRef *labels;         /* the current state's labels */
	LLVMBasicBlockRef xblock;          /* the current state's epilogue */
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
		const char *sig = rt_fns[f].sig;
		LLVMTypeRef params[8];
		unsigned np = 0;
		for (const char *s = sig + 1; *s; s++)
			params[np++] = sig_type(e, *s);
		e->fn_type[f] = LLVMFunctionType(sig_type(e, sig[0]), params, np, 0);
		e->fn[f] = LLVMAddFunction(e->mod, rt_fns[f].name, e->fn_type[f]);
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
	branch_if(e, cond, e->eblock[state]);
}

static LLVMValueRef field_key(Emit *e, int k)
{
	if (!e->keys[k]) {
		const char *key = json_object_get_string(e->p->consts[k].v);
		e->keys[k] = const_string(e, key, strlen(key), "key");
	}
	return e->keys[k];
}

/* next and end: aslrt_op_exit, move the output out of its register, go to
 * the state's epilogue X with rc (and st for next), as emit_c. */
static void leave(Emit *e, const IrState *st, const Ins *in)
{
	LLVMValueRef args[3] = {e->c, ci32(e, st->id), reg(e, in->a)};
	check(e, call(e, RT_EXIT, args, 3), st->id); /* e.g. States.DataLimitExceeded */
	LLVMBuildStore(e->b, reg(e, in->a), e->outv);
	set_reg(e, in->a, LLVMConstPointerNull(e->ptr));
	if (in->op == OP_NEXT)
		LLVMBuildStore(e->b, ci32(e, in->b), e->st);
	LLVMBuildStore(e->b, ci32(e, in->op == OP_NEXT), e->rc);
	LLVMBuildBr(e->b, e->xblock);
}

static void emit_ins(Emit *e, const IrState *st, const Ins *in)
{
	int id = st->id;
	LLVMValueRef c = e->c;
	if (in->op != OP_LABEL)
		ensure_open(e);
	switch (in->op) {
	case OP_ENTER: {
		LLVMValueRef args[] = {c, ci32(e, id), reg(e, in->a)};
		check(e, call(e, RT_ENTER, args, 3), id);
		break;
	}
	case OP_CONST: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg_addr(e, in->dst)};
		check(e, call(e, RT_CONST, args, 3), id);
		break;
	}
	case OP_FIELD: {
		LLVMValueRef args[] = {reg(e, in->a), field_key(e, in->k)};
		set_reg(e, in->dst, call(e, RT_FIELD, args, 2));
		break;
	}
	case OP_INDEX: {
		LLVMValueRef args[] = {reg(e, in->a), LLVMConstInt(e->i64, (unsigned long long)(long)in->b, 1)};
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
		LLVMValueRef args[] = {c, ci32(e, in->k), ci32(e, in->c), reg(e, in->a), reg(e, in->b),
				       reg_addr(e, in->dst)};
		check(e, call(e, RT_REQUIRE, args, 6), id);
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
	case OP_TEMPLATE: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), reg_addr(e, in->dst)};
		check(e, call(e, RT_TEMPLATE, args, 4), id);
		break;
	}
	case OP_RESULTPATH: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), reg(e, in->b),
				       reg_addr(e, in->dst)};
		check(e, call(e, RT_RESULT_PATH, args, 5), id);
		break;
	}
	case OP_ASSIGN: {
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a)};
		check(e, call(e, RT_ASSIGN, args, 3), id);
		break;
	}
	case OP_JEVAL:
	case OP_JASSIGN: {
		/* $states.result is passed only when the op names one (b >= 0). */
		LLVMValueRef res = in->b >= 0 ? reg(e, in->b) : LLVMConstPointerNull(e->ptr);
		LLVMValueRef args[] = {c, ci32(e, in->k), reg(e, in->a), ci32(e, in->b >= 0), res,
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
		branch_if(e, neg, e->eblock[id]);
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
		LLVMBuildBr(e->b, e->eblock[id]);
		break;
	}
	case OP_NOMATCH: {
		LLVMValueRef args[] = {c, ci32(e, in->c)};
		call(e, RT_NOMATCH, args, 2);
		LLVMBuildBr(e->b, e->eblock[id]);
		break;
	}
	case OP_TEST: {
		LLVMValueRef opnd = in->c >= 0 ? reg(e, in->c) : LLVMConstPointerNull(e->ptr);
		LLVMValueRef args[] = {c, ci32(e, in->b), ci32(e, in->k), reg(e, in->a), opnd};
		LLVMValueRef v = call(e, RT_TEST, args, 5);
		LLVMBuildStore(e->b, v, bool_addr(e, in->dst));
		LLVMValueRef neg = LLVMBuildICmp(e->b, LLVMIntSLT, v, ci32(e, 0), "");
		branch_if(e, neg, e->eblock[id]);
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
		branch_if(e, cond, e->labels[in->b]);
		break;
	}
	case OP_LABEL:
		if (!terminated(e))
			LLVMBuildBr(e->b, e->labels[in->b]);
		LLVMMoveBasicBlockAfter(e->labels[in->b], LLVMGetLastBasicBlock(e->func));
		LLVMPositionBuilderAtEnd(e->b, e->labels[in->b]);
		break;
	case OP_NEXT:
	case OP_END:
		leave(e, st, in);
		break;
	default:
		unreachable();
	}
}

/*
 * S: r[drops] = null; ops; exits store out, rc (and st) and go to X.
 * E: rc = -1.  X: release the drop list, then by rc: 1 put r[0], r[0] = out,
 * go to the next state (directly when the state has one successor); 0 return
 * out; -1 aslrt_op_recover.
 */
static void emit_state(Emit *e, const IrState *st)
{
	LLVMBasicBlockRef labels[st->nlabels > 0 ? st->nlabels : 1];
	for (int i = 0; i < st->nlabels; i++) {
		char name[48];
		snprintf(name, sizeof name, "S%d_L%d", st->id, i);
		labels[i] = LLVMAppendBasicBlockInContext(e->ctx, e->func, name);
	}
	e->labels = labels;
	e->xblock = LLVMAppendBasicBlockInContext(e->ctx, e->func, "X");
	LLVMPositionBuilderAtEnd(e->b, e->sblock[st->id]);
	for (int i = 0; i < st->ndrops; i++)
		set_reg(e, st->drops[i], LLVMConstPointerNull(e->ptr));
	for (int j = 0; j < st->nins; j++)
		emit_ins(e, st, &st->ins[j]);
	/* falling off the end of the state's code reaches E, as in C */
	if (!terminated(e))
		LLVMBuildBr(e->b, e->eblock[st->id]);
	/* a label no op defined (C would not compile it; never happens) */
	for (int i = 0; i < st->nlabels; i++)
		if (!LLVMGetBasicBlockTerminator(labels[i])) {
			LLVMPositionBuilderAtEnd(e->b, labels[i]);
			LLVMBuildUnreachable(e->b);
		}
	e->labels = NULL;

	LLVMBasicBlockRef eb = e->eblock[st->id], xb = e->xblock;
	LLVMMoveBasicBlockAfter(eb, LLVMGetLastBasicBlock(e->func));
	LLVMPositionBuilderAtEnd(e->b, eb);
	LLVMBuildStore(e->b, ci32(e, -1), e->rc);
	LLVMBuildBr(e->b, xb);

	LLVMMoveBasicBlockAfter(xb, LLVMGetLastBasicBlock(e->func));
	LLVMPositionBuilderAtEnd(e->b, xb);
	for (int i = 0; i < st->ndrops; i++)
		put(e, reg(e, st->drops[i]));
	LLVMBasicBlockRef recover = new_block(e, "recover"), next = new_block(e, "next"),
			  end = new_block(e, "end");
	LLVMValueRef sw = LLVMBuildSwitch(e->b, LLVMBuildLoad2(e->b, e->i32, e->rc, ""), recover, 2);
	LLVMAddCase(sw, ci32(e, 1), next);
	LLVMAddCase(sw, ci32(e, 0), end);

	LLVMPositionBuilderAtEnd(e->b, end);
	put(e, reg(e, 0));
	LLVMBuildStore(e->b, LLVMBuildLoad2(e->b, e->ptr, e->outv, ""), e->out);
	LLVMBuildRet(e->b, ci32(e, 0));

	LLVMPositionBuilderAtEnd(e->b, next);
	put(e, reg(e, 0));
	set_reg(e, 0, LLVMBuildLoad2(e->b, e->ptr, e->outv, ""));
	int ntargets = 0, target = -1;
	for (int j = 0; j < st->nins; j++)
		if (st->ins[j].op == OP_NEXT && e->mark[st->ins[j].b] != st->id) {
			e->mark[st->ins[j].b] = st->id;
			target = st->ins[j].b;
			ntargets++;
		}
	if (ntargets == 1)
		LLVMBuildBr(e->b, e->sblock[target]);
	else
		LLVMBuildBr(e->b, e->dispatch);

	/* switch (aslrt_op_recover(c, id, &r[0], &st)) */
	LLVMPositionBuilderAtEnd(e->b, recover);
	LLVMValueRef args[] = {e->c, ci32(e, st->id), reg_addr(e, 0), e->st};
	LLVMValueRef rc = call(e, RT_RECOVER, args, 4);
	LLVMBasicBlockRef fail = new_block(e, "fail");
	sw = LLVMBuildSwitch(e->b, rc, fail, 2);
	LLVMAddCase(sw, ci32(e, 0), e->sblock[st->id]); /* ASLRT_RETRY */
	LLVMAddCase(sw, ci32(e, 1), e->dispatch);       /* ASLRT_CAUGHT */
	LLVMPositionBuilderAtEnd(e->b, fail);
	put(e, reg(e, 0));
	LLVMBuildRet(e->b, ci32(e, -1));
}

static void emit_scope(Emit *e, const IrScope *sc, LLVMValueRef func)
{
	const Program *p = e->p;
	e->func = func;
	e->c = LLVMGetParam(func, 0);
	e->out = LLVMGetParam(func, 2);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(e->ctx, func, "entry");
	e->dispatch = LLVMAppendBasicBlockInContext(e->ctx, func, "dispatch");
	LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(e->ctx, func, "bad_state");
	for (int i = 0; i < sc->nstates; i++) {
		int s = sc->states[i];
		char name[32];
		snprintf(name, sizeof name, "S%d", s);
		e->sblock[s] = LLVMAppendBasicBlockInContext(e->ctx, func, name);
		snprintf(name, sizeof name, "E%d", s);
		e->eblock[s] = LLVMAppendBasicBlockInContext(e->ctx, func, name);
	}

	LLVMPositionBuilderAtEnd(e->b, entry);
	e->r_type = LLVMArrayType(e->ptr, (unsigned)(sc->nregs > 0 ? sc->nregs : 1));
	e->r = LLVMBuildAlloca(e->b, e->r_type, "r");
	LLVMSetAlignment(e->r, 8);
	e->b_type = LLVMArrayType(e->i32, (unsigned)(sc->nbools > 0 ? sc->nbools : 1));
	e->bools = sc->nbools > 0 ? LLVMBuildAlloca(e->b, e->b_type, "b") : NULL;
	if (e->bools)
		LLVMSetAlignment(e->bools, 4);
	e->st = LLVMBuildAlloca(e->b, e->i32, "st");
	LLVMSetAlignment(e->st, 4);
	e->rc = LLVMBuildAlloca(e->b, e->i32, "rc");
	LLVMSetAlignment(e->rc, 4);
	e->outv = LLVMBuildAlloca(e->b, e->ptr, "out");
	LLVMSetAlignment(e->outv, 8);
	LLVMBuildStore(e->b, ci32(e, sc->start), e->st);
	set_reg(e, 0, LLVMGetParam(func, 1));
	LLVMBuildBr(e->b, e->dispatch);

	LLVMPositionBuilderAtEnd(e->b, e->dispatch);
	LLVMValueRef sw = LLVMBuildSwitch(e->b, LLVMBuildLoad2(e->b, e->i32, e->st, ""), bad,
					  (unsigned)sc->nstates);
	for (int i = 0; i < sc->nstates; i++)
		LLVMAddCase(sw, ci32(e, sc->states[i]), e->sblock[sc->states[i]]);

	LLVMPositionBuilderAtEnd(e->b, bad);
	put(e, reg(e, 0));
	LLVMBuildRet(e->b, ci32(e, -1));

	for (int i = 0; i < sc->nstates; i++) {
		const IrState *st = &p->states[sc->states[i]];
		/* keep the blocks in state order: S_i, its labels, E_i */
		LLVMMoveBasicBlockAfter(e->sblock[st->id], LLVMGetLastBasicBlock(func));
		emit_state(e, st);
	}
}

static void build_module(Emit *e)
{
	const Program *p = e->p;
	LLVMContextRef ctx = e->ctx;

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
			LLVMSetValueName2(LLVMGetParam(funcs[i], a), a == 0 ? "c" : a == 1 ? "in" : "out",
					  a == 2 ? 3 : a == 1 ? 2 : 1);
	}

	LLVMTypeRef scopes_type = LLVMArrayType(e->ptr, (unsigned)n);
	LLVMValueRef gscopes = LLVMAddGlobal(e->mod, scopes_type, "scopes");
	LLVMSetInitializer(gscopes, LLVMConstArray(e->ptr, funcs, (unsigned)n));
	LLVMSetGlobalConstant(gscopes, 1);
	LLVMSetLinkage(gscopes, LLVMPrivateLinkage);
	LLVMSetAlignment(gscopes, 8);

	/* struct aslrt_program { const char *meta; size_t meta_len; int nscopes;
	 *                        aslrt_scope_fn *const *scopes; } */
	LLVMTypeRef fields[4] = {e->ptr, e->i64, e->i32, e->ptr};
	LLVMTypeRef prog_type = LLVMStructTypeInContext(ctx, fields, 4, 0);
	LLVMValueRef vals[4] = {gmeta, LLVMConstInt(e->i64, meta_len, 0), ci32(e, n), gscopes};
	LLVMValueRef gprog = LLVMAddGlobal(e->mod, prog_type, "aslrt_main_program");
	LLVMSetInitializer(gprog, LLVMConstStructInContext(ctx, vals, 4, 0));
	LLVMSetGlobalConstant(gprog, 1);
	LLVMSetLinkage(gprog, LLVMExternalLinkage);
	LLVMSetAlignment(gprog, 8);

	e->sblock = xcalloc(p->nstates > 0 ? (size_t)p->nstates : 1, sizeof *e->sblock);
	e->eblock = xcalloc(p->nstates > 0 ? (size_t)p->nstates : 1, sizeof *e->eblock);
	e->keys = xcalloc(p->nconsts > 0 ? (size_t)p->nconsts : 1, sizeof *e->keys);
	e->mark = xmalloc((p->nstates > 0 ? (size_t)p->nstates : 1) * sizeof *e->mark);
	for (int i = 0; i < p->nstates; i++)
		e->mark[i] = -1;
	for (int i = 0; i < n; i++)
		emit_scope(e, &p->scopes[i], funcs[i]);
	free(e->sblock);
	free(e->eblock);
	free(e->keys);
	free(e->mark);
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
	static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
						      LLVMCodeGenLevelDefault,
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
		char passes[16];
		snprintf(passes, sizeof passes, "default<O%d>", opt);
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
