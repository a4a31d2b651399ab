/*
 * emit_c.c - the C backend: one C function per state (its ops as
 * straight-line code, then its error handler), and per scope a switch on the
 * current state in a loop.
 *
 *   ASLC_STATE int state_I(aslrt_ctx *c, struct json_object **cur, int *st)
 *   {
 *           struct json_object *r[REGS]; int b[BOOLS];
 *           r[0] = *cur;
 *   SI:     r[drops] = NULL; ops of state I ...; out = r[a]; r[a] = NULL;
 *           *st = J; rc = 1; goto XI;
 *   EI:     rc = -1;
 *   XI:     release the drop list; aslrt_op_leave(): rc >= 0: *cur = out,
 *           return rc; else aslrt_op_recover() -> retry (goto SI), caught
 *           (return 1 with the catcher's Next) or fail (return -1)
 *   }
 *   static int scope_N(...) { do switch (st) { case I: rc = state_I(...); ... } while (rc > 0); }
 *
 * Names, keys and strings from the definition are data: they appear only
 * inside C string literals with every byte outside printable ASCII, and '"',
 * '\\' and '?', escaped; never in identifiers or comments.
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"
#include "rt.h"

/* A C string literal for n bytes of s. */
static void c_string(Buf *out, const char *s, size_t n)
{
	buf_puts(out, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\' || ch == '?')
			buf_printf(out, "\\%c", ch);
		else if (ch == '\n')
			buf_puts(out, "\\n\"\n\t\"");
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(out, "\\%03o", ch);
		else
			buf_put(out, (const char *)&ch, 1);
	}
	buf_puts(out, "\"");
}

/* An op; in a part function (chunk) errors and exits return to the state's
 * function instead of jumping to E and X. */
static void emit_ins(const Program *p, const IrState *st, const Ins *in, bool chunk, Buf *out)
{
	int id = st->id;
	char err[32];
	snprintf(err, sizeof err, chunk ? "return -1" : "goto E%d", id);
	switch (in->op) {
	case OP_ENTER:
		buf_printf(out, "\tif (aslrt_op_enter%s(c, %d, r[%d])) %s;\n",
			   in->b == 1 ? "_plain" : "", id, in->a, err);
		break;
	case OP_CONST:
		buf_printf(out, "\tif (aslrt_op_const(c, %d, &r[%d])) %s;\n", in->k, in->dst, err);
		break;
	case OP_FIELD: /* key constant k: hashed once, at start-up */
		buf_printf(out, "\tr[%d] = aslrt_op_fieldk(c, r[%d], %d);\n", in->dst, in->a,
			   in->k);
		break;
	case OP_INDEX:
		buf_printf(out, "\tr[%d] = aslrt_op_index(r[%d], %d);\n", in->dst, in->a, in->b);
		break;
	case OP_CONTEXT:
		buf_printf(out, "\tr[%d] = aslrt_op_context(c);\n", in->dst);
		break;
	case OP_VAR:
		buf_printf(out, "\tr[%d] = aslrt_op_var(c, %d);\n", in->dst, in->k);
		break;
	case OP_REQUIRE:
		buf_printf(out, "\tif (aslrt_op_require(c, %d, %d, r[%d], r[%d], &r[%d])) %s;\n",
			   in->k, in->c, in->a, in->b, in->dst, err);
		break;
	case OP_NEED:
		buf_printf(out, "\tif (aslrt_op_need(c, %d, r[%d])) %s;\n", in->k, in->a, err);
		break;
	case OP_PATH:
		buf_printf(out, "\tif (aslrt_op_path(c, %d, r[%d], &r[%d])) %s;\n", in->k, in->a,
			   in->dst, err);
		break;
	case OP_COPY:
		buf_printf(out, "\tr[%d] = aslrt_op_copy(r[%d]);\n", in->dst, in->a);
		break;
	case OP_OBJECT:
		if (in->b > 0)
			buf_printf(out, "\tr[%d] = aslrt_op_object_n(%d);\n", in->dst, in->b);
		else
			buf_printf(out, "\tr[%d] = aslrt_op_object();\n", in->dst);
		break;
	case OP_ARRAY:
		buf_printf(out, "\tr[%d] = aslrt_op_array();\n", in->dst);
		break;
	case OP_SETKEY:
		buf_printf(out, "\taslrt_op_%s(c, r[%d], %d, &r[%d]);\n",
			   in->c == 1 ? "addkey" : "setkeyk", in->a, in->k, in->b);
		break;
	case OP_PUSH:
		buf_printf(out, "\taslrt_op_push(r[%d], &r[%d]);\n", in->a, in->b);
		break;
	case OP_EXPR:
		buf_printf(out, "\tif (aslrt_op_expr(c, %d, r[%d], &r[%d])) %s;\n", in->k, in->a,
			   in->dst, err);
		break;
	case OP_LIT:
		buf_printf(out, "\tr[%d] = aslrt_op_lit(c, %d);\n", in->dst, in->k);
		break;
	case OP_ARG: /* read by the call after it */
		break;
	case OP_CALL: {
		/* in points into its state's ops: the c before it are its args */
		int kraw = in->c ? in[-in->c].k : -1;
		if (in->b == ASLRT_FN_MATH_ADD && in->c == 2) { /* an entry of its own */
			buf_printf(out,
				   "\tif (aslrt_op_math_add(c, %d, r[%d], r[%d], &r[%d])) %s;\n",
				   in->k, in[-2].a, in[-1].a, in->dst, err);
			break;
		}
		buf_puts(out, "\t{\n\t\tstatic const int a[] = {");
		for (int i = in->c; i > 0; i--)
			buf_printf(out, "%s%d", i < in->c ? ", " : "", in[-i].a);
		buf_printf(
		    out, "%s};\n\t\tif (aslrt_op_call(c, %d, %d, %d, r, a, %d, &r[%d])) %s;\n\t}\n",
		    in->c ? "" : "0", in->b, in->k, kraw, in->c, in->dst, err);
		break;
	}
	case OP_RESULTPATH:
		buf_printf(out, "\tif (aslrt_op_result_path(c, %d, r[%d], r[%d], &r[%d])) %s;\n",
			   in->k, in->a, in->b, in->dst, err);
		break;
	case OP_ASSIGN:
		buf_printf(out, "\tif (aslrt_op_assign(c, r[%d])) %s;\n", in->a, err);
		break;
	case OP_JEVAL:
	case OP_JASSIGN: {
		char res[32] = "NULL";
		if (in->b >= 0)
			snprintf(res, sizeof res, "r[%d]", in->b);
		if (in->op == OP_JEVAL)
			buf_printf(out, "\tif (aslrt_op_jeval(c, %d, r[%d], %d, %s, &r[%d])) %s;\n",
				   in->k, in->a, in->b >= 0, res, in->dst, err);
		else
			buf_printf(out, "\tif (aslrt_op_jassign(c, %d, r[%d], %d, %s)) %s;\n",
				   in->k, in->a, in->b >= 0, res, err);
		break;
	}
	case OP_JCOND:
		buf_printf(out, "\tif ((b[%d] = aslrt_op_jcond(c, %d, r[%d])) < 0) %s;\n", in->dst,
			   in->k, in->a, err);
		break;
	case OP_TASK:
	case OP_PARALLEL:
	case OP_MAP: {
		const char *fn = in->op == OP_TASK ? "task" : in->op == OP_MAP ? "map" : "parallel";
		buf_printf(out, "\tif (aslrt_op_%s(c, %d, r[%d], &r[%d])) %s;\n", fn, in->c, in->a,
			   in->dst, err);
		break;
	}
	case OP_WAIT:
		buf_printf(out, "\tif (aslrt_op_wait(c, %d, r[%d])) %s;\n", in->c, in->a, err);
		break;
	case OP_FAIL:
		buf_printf(out, "\taslrt_op_fail(c, %d, r[%d]);\n\t%s;\n", in->c, in->a, err);
		break;
	case OP_NOMATCH:
		buf_printf(out, "\taslrt_op_nomatch(c, %d);\n\t%s;\n", in->c, err);
		break;
	case OP_TEST:
		if (in->c >= 0)
			buf_printf(
			    out,
			    "\tif ((b[%d] = aslrt_op_test(c, %d, %d, r[%d], r[%d])) < 0) %s;\n",
			    in->dst, in->b, in->k, in->a, in->c, err);
		else
			buf_printf(
			    out, "\tif ((b[%d] = aslrt_op_test(c, %d, %d, r[%d], NULL)) < 0) %s;\n",
			    in->dst, in->b, in->k, in->a, err);
		break;
	case OP_NOT:
		buf_printf(out, "\tb[%d] = !b[%d];\n", in->dst, in->a);
		break;
	case OP_SETB:
		buf_printf(out, "\tb[%d] = %d;\n", in->dst, in->b);
		break;
	case OP_MOVB:
		buf_printf(out, "\tb[%d] = b[%d];\n", in->dst, in->a);
		break;
	case OP_JUMPIF:
	case OP_JUMPIFNOT:
		buf_printf(out, "\tif (%sb[%d]) goto S%d_L%d;\n", in->op == OP_JUMPIF ? "" : "!",
			   in->a, id, in->b);
		break;
	case OP_LABEL:
		buf_printf(out, "S%d_L%d:;\n", id, in->b);
		break;
	case OP_NEXT:
	case OP_END:
		/* the output moves out of its register; the epilogue X drops the rest */
		buf_printf(out, "\tif (aslrt_op_exit(c, %d, r[%d])) %s;\n", id, in->a, err);
		buf_printf(out, "\t%sout = r[%d];\n\tr[%d] = NULL;\n", chunk ? "*" : "", in->a,
			   in->a);
		if (in->op == OP_NEXT)
			buf_printf(out, "\t*st = %d;\n", in->b);
		if (chunk)
			buf_printf(out, "\treturn %d;\n", in->op == OP_NEXT ? 1 : 2);
		else
			buf_printf(out, "\trc = %d;\n\tgoto X%d;\n", in->op == OP_NEXT, id);
		break;
	default:
		unreachable();
	}
}

/*
 * A big state's parts (IrState.parts) as functions sharing the state's
 * registers; each returns -1 (error), 0 (fall through), 1 (next, *st set)
 * or 2 (end), with the output in *out.
 */
static void emit_parts(const Program *p, const IrState *st, Buf *out)
{
	int start = 0;
	for (int k = 0; k < st->nparts; k++) {
		buf_printf(
		    out,
		    "\nASLC_STATE int state_%d_%d(aslrt_ctx *c, struct json_object **r, int *b,\n"
		    "\t\t\tstruct json_object **out, int *st)\n{\n"
		    "\t(void)c;\n\t(void)b;\n\t(void)out;\n\t(void)st;\n",
		    st->id, k);
		for (int j = start; j < st->parts[k]; j++)
			emit_ins(p, st, &st->ins[j], true, out);
		buf_puts(out, "\treturn 0;\n}\n");
		start = st->parts[k];
	}
}

/*
 * One function per state: its ops, then its epilogue and error handler.
 * Returns 1 with the next state in *st, 0 when the scope ends, -1 when it
 * fails; *cur is the state's input on entry and its output on return.  Every
 * exit goes through the one epilogue X, which releases the state's drop list
 * (registers start null), so the code is linear in the state's size.
 * Separate functions keep the C compiler's time linear in the number of
 * states.
 */
static void emit_state(const Program *p, const IrState *st, Buf *out)
{
	int nregs = 1, nbools = 0;
	for (int i = 0; i < st->nins; i++) {
		const Ins *in = &st->ins[i];
		if (op_info[in->op].dst == D_BOOL && in->dst + 1 > nbools)
			nbools = in->dst + 1;
		else if (op_info[in->op].dst != D_NONE && op_info[in->op].dst != D_BOOL &&
			 in->dst + 1 > nregs)
			nregs = in->dst + 1;
	}
	int id = st->id;
	bool exits = false; /* a Fail state has no X label to jump to */
	for (int i = 0; i < st->nins; i++)
		exits |= st->ins[i].op == OP_NEXT || st->ins[i].op == OP_END;
	int nparts = st->nparts;
	emit_parts(p, st, out);
	buf_printf(
	    out, "\nASLC_STATE int state_%d(aslrt_ctx *c, struct json_object **cur, int *st)\n{\n",
	    id);
	buf_printf(out, "\tstruct json_object *r[%d], *out = NULL;\n\tint rc;\n", nregs);
	if (nbools)
		buf_printf(out, "\tint b[%d];\n", nbools);
	buf_printf(out, "\n\tr[0] = *cur;\nS%d:\n", id);
	for (int i = 0; i < st->ndrops; i++)
		buf_printf(out, "\tr[%d] = NULL;\n", st->drops[i]);
	for (int k = 0; k < nparts; k++) {
		buf_printf(out,
			   "\tswitch (state_%d_%d(c, r, %s, &out, st)) {\n\tcase -1: goto E%d;\n",
			   id, k, nbools ? "b" : "NULL", id);
		if (exits)
			buf_printf(out,
				   "\tcase 1: rc = 1; goto X%d;\n\tcase 2: rc = 0; goto X%d;\n", id,
				   id);
		buf_puts(out, "\t}\n");
	}
	for (int j = 0; j < st->nins && !nparts; j++)
		emit_ins(p, st, &st->ins[j], false, out);
	buf_printf(out, "E%d:\n\trc = -1;\n", id);
	if (exits)
		buf_printf(out, "X%d:\n", id);
	for (int i = 0; i < st->ndrops; i++)
		buf_printf(out, "\tif (r[%d]) aslrt_op_put(r[%d]);\n", st->drops[i], st->drops[i]);
	/* the rest is aslrt_op_leave's: a few lines per state (a 1,000-state
	 * chain compiled 15% faster) */
	buf_printf(out,
		   "\tif ((rc = aslrt_op_leave(c, %d, rc, &r[0], out, cur, st)) == ASLRT_AGAIN)\n"
		   "\t\tgoto S%d;\n\treturn rc;\n}\n",
		   id, id);
}

/* A scope: a switch on the current state in a loop. */
static void emit_scope(const Program *p, const IrScope *sc, Buf *out)
{
	for (int i = 0; i < sc->nstates; i++)
		emit_state(p, &p->states[sc->states[i]], out);
	buf_printf(out,
		   "\nstatic int scope_%d(aslrt_ctx *c, struct json_object *in, struct json_object "
		   "**out)\n{\n"
		   "\tint st = %d, rc;\n\n\tdo {\n\t\tswitch (st) {\n",
		   sc->id, sc->start);
	for (int i = 0; i < sc->nstates; i++)
		buf_printf(out, "\t\tcase %d: rc = state_%d(c, &in, &st); break;\n", sc->states[i],
			   sc->states[i]);
	buf_puts(out, "\t\tdefault: aslrt_op_put(in); return -1;\n\t\t}\n\t} while (rc > 0);\n"
		      "\t*out = in;\n\treturn rc;\n}\n");
}

static void c_ints(Buf *out, const char *name, int id, int i, const int *v, int n)
{
	buf_printf(out, "static const int %s%d_%d[] = {", name, id, i);
	for (int k = 0; k < n; k++)
		buf_printf(out, "%s%d", k ? ", " : "", v[k]);
	buf_puts(out, n ? "};\n" : "0};\n"); /* C has no empty arrays */
}

/* A state's tables (aslrt.h, aslrt_state_def) as static const arrays. */
static void emit_tables(const IrState *st, Buf *out)
{
	int id = st->id;
	for (int i = 0; i < st->nretry; i++)
		c_ints(out, "re", id, i, st->retry[i].errors, st->retry[i].nerrors);
	for (int i = 0; i < st->ncatch; i++)
		c_ints(out, "ce", id, i, st->catchers[i].errors, st->catchers[i].nerrors);
	if (st->nretry) {
		buf_printf(out, "static const aslrt_retry_def retry_%d[] = {\n", id);
		for (int i = 0; i < st->nretry; i++) {
			const IrRetry *r = &st->retry[i];
			buf_printf(out, "\t{re%d_%d, %d, %d, %.17g, %.17g, %.17g, %.17g},\n", id, i,
				   r->nerrors, r->jitter, r->interval, r->backoff, r->max_attempts,
				   r->max_delay);
		}
		buf_puts(out, "};\n");
	}
	if (st->ncatch) {
		buf_printf(out, "static const aslrt_catch_def catch_%d[] = {\n", id);
		for (int i = 0; i < st->ncatch; i++) {
			const IrCatch *c = &st->catchers[i];
			buf_printf(out, "\t{ce%d_%d, %d, %d, %d, %d, %d},\n", id, i, c->nerrors,
				   c->next, c->result_path, c->assign, c->output);
		}
		buf_puts(out, "};\n");
	}
	if (st->nbranches)
		c_ints(out, "branches", id, 0, st->branches, st->nbranches);
	if (st->nnext)
		c_ints(out, "next", id, 0, st->next, st->nnext);
	if (st->nsettings) {
		buf_printf(out, "static const aslrt_setting_def set_%d[] = {", id);
		for (int i = 0; i < st->nsettings; i++)
			buf_printf(out, "%s{%d, %d}", i ? ", " : "", st->settings[i].key,
				   st->settings[i].k);
		buf_puts(out, "};\n");
	}
}

/* The constant table (aslrt.h, aslrt_const_def): each constant's text. */
static void emit_consts(const Program *p, Buf *out)
{
	if (!p->nconsts)
		return;
	buf_puts(out, "static const aslrt_const_def consts[] = {\n");
	for (int i = 0; i < p->nconsts; i++) {
		size_t len;
		const char *at;
		char *text = ir_const_text(&p->consts[i], &len, &at);
		buf_printf(out, "\t{%d, ", p->consts[i].kind);
		c_string(out, text, len);
		buf_printf(out, ", %zu, ", len);
		if (at)
			c_string(out, at, strlen(at));
		else
			buf_puts(out, "NULL");
		buf_puts(out, "},\n");
		free(text);
	}
	buf_puts(out, "};\n\n");
}

/* A Map's ItemSelector ops as a function (aslrt_selector_fn): %0 is the Map's
 * input (borrowed), the value moves to *out; every exit goes through X. */
static void emit_selector(const Program *p, const IrState *st, Buf *out)
{
	const IrState *sel = st->sel;
	int id = st->id;
	bool fallible = false;
	for (int i = 0; i < sel->nins; i++)
		fallible |= op_info[sel->ins[i].op].fallible;
	buf_printf(out,
		   "ASLC_STATE int sel_%d(aslrt_ctx *c, struct json_object *in, struct "
		   "json_object **out)\n{\n\tstruct json_object *r[%d];\n\tint rc = 0;\n\n"
		   "\t(void)c;\n\tr[0] = in;\n",
		   id, st->sel_regs);
	for (int i = 0; i < sel->ndrops; i++)
		buf_printf(out, "\tr[%d] = NULL;\n", sel->drops[i]);
	for (int i = 0; i < sel->nins; i++)
		emit_ins(p, sel, &sel->ins[i], false, out);
	buf_printf(out, "\t*out = r[%d];\n\tr[%d] = NULL;\n", st->sel_out, st->sel_out);
	if (fallible)
		buf_printf(out, "\tgoto X%d;\nE%d:\n\trc = -1;\nX%d:\n", id, id, id);
	for (int i = 0; i < sel->ndrops; i++)
		buf_printf(out, "\taslrt_op_put(r[%d]);\n", sel->drops[i]);
	buf_puts(out, "\treturn rc;\n}\n\n");
}

/* One pointer column of a state table row: the state's table, or NULL if it has none. */
static void table_ref(Buf *out, bool has, const char *pre, int id, const char *post)
{
	if (has)
		buf_printf(out, "%s%d%s, ", pre, id, post);
	else
		buf_puts(out, "NULL, ");
}

static void emit_state_defs(const Program *p, Buf *out)
{
	for (int i = 0; i < p->nstates; i++) {
		emit_tables(&p->states[i], out);
		if (p->states[i].sel)
			emit_selector(p, &p->states[i], out);
	}
	buf_puts(out, "\nstatic const aslrt_state_def states[] = {\n");
	for (int i = 0; i < p->nstates; i++) {
		const IrState *st = &p->states[i];
		int id = st->id;
		buf_puts(out, "\t{");
		c_string(out, st->name, strlen(st->name));
		buf_printf(out, ", \"%s\", %d, %d, ", st->type, st->scope, st->jsonata);
		table_ref(out, st->nretry, "retry_", id, "");
		table_ref(out, st->ncatch, "catch_", id, "");
		table_ref(out, st->nbranches, "branches", id, "_0");
		table_ref(out, st->nnext, "next", id, "_0");
		table_ref(out, st->nsettings, "set_", id, "");
		table_ref(out, st->sel != NULL, "sel_", id, "");
		buf_printf(out, "%d, %d, %d, %d, %d},\n", st->nretry, st->ncatch, st->nbranches,
			   st->nnext, st->nsettings);
	}
	buf_puts(out, "};\n\n");
}

void emit_c(const Program *p, Buf *out)
{
	buf_puts(out, "/* Generated by aslc. Do not edit. */\n#include \"aslrt.h\"\n\n"
		      "#if defined(__GNUC__)\n#define ASLC_STATE static __attribute__((noinline))\n"
		      "#else\n#define ASLC_STATE static\n#endif\n\n");
	char *meta = ir_meta_text(p);
	buf_puts(out, "static const char meta[] =\n\t");
	c_string(out, meta, strlen(meta));
	buf_puts(out, ";\n\n");
	free(meta);
	emit_consts(p, out);
	emit_state_defs(p, out);
	for (int i = 0; i < p->nscopes; i++)
		buf_printf(out,
			   "static int scope_%d(aslrt_ctx *c, struct json_object *in, struct "
			   "json_object **out);\n",
			   i);
	buf_puts(out, "\nstatic aslrt_scope_fn *const scopes[] = {\n");
	for (int i = 0; i < p->nscopes; i++)
		buf_printf(out, "\tscope_%d,\n", i);
	buf_printf(
	    out,
	    "};\n\nconst aslrt_program aslrt_main_program = {meta, sizeof meta - 1, %d, scopes, "
	    "states, %d, %s, %d};\n",
	    p->nscopes, p->nstates, p->nconsts ? "consts" : "NULL", p->nconsts);
	for (int i = 0; i < p->nscopes; i++)
		emit_scope(p, &p->scopes[i], out);
}
