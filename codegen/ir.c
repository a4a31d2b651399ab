/*
 * ir.c - building, printing and verifying the IR, and the metadata text the
 * runtime reads at start-up.  The printed form is documented in docs/ir.md:
 *
 *   scope 0 start 0 regs 4 bools 1
 *   state 0 "Check order" Choice scope 0
 *     %1 = field %0 k2           ; "order"
 *     ?0 = test %1 NumericEquals k3 %0
 *     jumpif ?0 L0
 *     ...
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "rt.h"

const OpInfo op_info[OP_COUNT] = {
#define X(op, name, dst, fallible) {name, dst, fallible},
#include "ops.h"
#undef X
};

const char *const const_kind_names[] = {
#define X(e, s) s,
#include "const_kinds.h"
#undef X
};

const char *const setting_names[] = {
#define X(e, s) s,
#include "settings.h"
#undef X
};

Program *ir_new(void)
{
	Program *p = xcalloc(1, sizeof *p);
	return p;
}

static void state_free(IrState *st)
{
	free(st->name);
	free(st->type);
	free(st->ins);
	free(st->drops);
	free(st->parts);
	for (int k = 0; k < st->nretry; k++)
		free(st->retry[k].errors);
	for (int k = 0; k < st->ncatch; k++)
		free(st->catchers[k].errors);
	free(st->retry);
	free(st->catchers);
	free(st->branches);
	free(st->next);
	free(st->settings);
	if (st->sel) {
		state_free(st->sel);
		free(st->sel);
	}
}

void ir_free(Program *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nconsts; i++)
		json_object_put(p->consts[i].v);
	for (int i = 0; i < p->nstates; i++)
		state_free(&p->states[i]);
	for (int i = 0; i < p->nscopes; i++)
		free(p->scopes[i].states);
	free(p->consts);
	free(p->states);
	free(p->scopes);
	free(p->name);
	json_object_put(p->meta);
	free(p);
}

/* Constants are shared: the same kind and value get one index. */
int ir_const(Program *p, ConstKind kind, struct json_object *v)
{
	for (int i = 0; i < p->nconsts; i++)
		if (p->consts[i].kind == kind &&
		    json_object_get_type(p->consts[i].v) == json_object_get_type(v) &&
		    json_object_equal(p->consts[i].v, v)) {
			json_object_put(v);
			return i;
		}
	Const c = {kind, v};
	vec_push(&p->consts, &p->nconsts, c);
	return p->nconsts - 1;
}

int ir_const_str(Program *p, const char *s)
{
	return ir_const(p, K_STR, json_object_new_string(s));
}

int ir_const_key(Program *p, const char *s)
{
	return ir_const(p, K_KEY, json_object_new_string(s));
}

Ins *ir_emit(IrState *s, Op op)
{
	Ins in = {op, -1, -1, -1, -1, -1};
	vec_push(&s->ins, &s->nins, in);
	return &s->ins[s->nins - 1];
}

static void dump_ins(const Program *p, const Ins *in, Buf *out)
{
	const OpInfo *oi = &op_info[in->op];
	buf_puts(out, "  ");
	if (in->op == OP_LABEL) {
		buf_printf(out, "L%d:\n", in->b);
		return;
	}
	if (oi->dst == D_BOOL)
		buf_printf(out, "?%d = ", in->dst);
	else if (oi->dst != D_NONE)
		buf_printf(out, "%%%d = ", in->dst);
	buf_puts(out, oi->name);
	switch (in->op) {
	case OP_ENTER:
	case OP_TASK:
	case OP_WAIT:
	case OP_PARALLEL:
	case OP_MAP:
	case OP_FAIL:
		if (in->a >= 0)
			buf_printf(out, " %%%d", in->a);
		buf_printf(out, " @%d", in->c);
		if (in->op == OP_ENTER && in->b == 1)
			buf_puts(out, " plain");
		break;
	case OP_NOMATCH:
		buf_printf(out, " @%d", in->c);
		break;
	case OP_INDEX:
		buf_printf(out, " %%%d %d", in->a, in->b);
		break;
	case OP_REQUIRE:
		buf_printf(out, " %%%d %%%d", in->a, in->b);
		if (in->c)
			buf_puts(out, in->c == 3   ? " intrinsic"
				      : in->c == 2 ? " template"
						   : " choice");
		break;
	case OP_SETKEY:
	case OP_PUSH:
		buf_printf(out, " %%%d %%%d", in->a, in->b);
		break;
	case OP_OBJECT:
		if (in->b > 0)
			buf_printf(out, " %d", in->b);
		break;
	case OP_RESULTPATH:
		buf_printf(out, " %%%d %%%d", in->a, in->b);
		break;
	case OP_JEVAL:
	case OP_JASSIGN:
		buf_printf(out, " %%%d", in->a);
		if (in->b >= 0)
			buf_printf(out, " %%%d", in->b);
		break;
	case OP_TEST:
		buf_printf(out, " %%%d %s", in->a, aslrt_cmp_names[in->b]);
		break;
	case OP_NOT:
	case OP_MOVB:
		buf_printf(out, " ?%d", in->a);
		break;
	case OP_JUMPIF:
	case OP_JUMPIFNOT:
		buf_printf(out, " ?%d L%d", in->a, in->b);
		break;
	case OP_SETB:
		buf_printf(out, " %d", in->b);
		break;
	case OP_CALL: /* its arguments are the `arg` lines above it */
		buf_printf(out, " %s %d", aslrt_fn_name(in->b), in->c);
		break;
	case OP_NEXT:
		buf_printf(out, " %%%d @%d", in->a, in->b);
		break;
	default:
		if (in->a >= 0)
			buf_printf(out, " %%%d", in->a);
		break;
	}
	if (in->k >= 0)
		buf_printf(out, " k%d", in->k);
	if (in->op == OP_TEST && in->c >= 0)
		buf_printf(out, " %%%d", in->c);
	if (in->op == OP_SETKEY && in->c == 1)
		buf_puts(out, " new");
	if (in->k >= 0) {
		char *s = aslrt_json_dump(p->consts[in->k].v);
		buf_printf(out, "\t; %.60s%s", s, strlen(s) > 60 ? "..." : "");
		free(s);
	}
	buf_puts(out, "\n");
}

/* A string as a JSON literal, so names print unambiguously. */
static char *quote(const char *s)
{
	struct json_object *v = json_object_new_string(s);
	char *q = aslrt_json_dump(v);
	json_object_put(v);
	return q;
}

static void dump_errors(const int *errors, int n, Buf *out)
{
	for (int i = 0; i < n; i++)
		buf_printf(out, " k%d", errors[i]);
}

/* A state's tables: Retry and Catch rows, branches, successors, settings. */
static void dump_tables(const IrState *st, Buf *out)
{
	for (int i = 0; i < st->nretry; i++) {
		const IrRetry *r = &st->retry[i];
		buf_puts(out, "  retry");
		dump_errors(r->errors, r->nerrors, out);
		buf_printf(out, " interval %.17g backoff %.17g attempts %.17g", r->interval,
			   r->backoff, r->max_attempts);
		if (r->max_delay > 0)
			buf_printf(out, " maxdelay %.17g", r->max_delay);
		if (r->jitter)
			buf_puts(out, " jitter");
		buf_puts(out, "\n");
	}
	for (int i = 0; i < st->ncatch; i++) {
		const IrCatch *c = &st->catchers[i];
		buf_puts(out, "  catch");
		dump_errors(c->errors, c->nerrors, out);
		buf_printf(out, " next @%d", c->next);
		if (c->result_path >= 0)
			buf_printf(out, " resultpath k%d", c->result_path);
		else if (c->result_path == -2)
			buf_puts(out, " resultpath null");
		if (c->assign >= 0)
			buf_printf(out, " assign k%d", c->assign);
		if (c->output >= 0)
			buf_printf(out, " output k%d", c->output);
		buf_puts(out, "\n");
	}
	if (st->nbranches) {
		buf_puts(out, "  branches");
		for (int i = 0; i < st->nbranches; i++)
			buf_printf(out, " scope %d", st->branches[i]);
		buf_puts(out, "\n");
	}
	if (st->nnext) {
		buf_puts(out, "  succ");
		for (int i = 0; i < st->nnext; i++)
			buf_printf(out, " @%d", st->next[i]);
		buf_puts(out, "\n");
	}
	for (int i = 0; i < st->nsettings; i++)
		buf_printf(out, "  set %s k%d\n", setting_names[st->settings[i].key],
			   st->settings[i].k);
}

/* A Map's ItemSelector ops, indented under the state. */
static void dump_selector(const Program *p, const IrState *st, Buf *out)
{
	const IrState *sel = st->sel;
	buf_printf(out, "  selector %%%d regs %d\n", st->sel_out, st->sel_regs);
	if (sel->ndrops) {
		buf_puts(out, "    drops");
		for (int k = 0; k < sel->ndrops; k++)
			buf_printf(out, " %%%d", sel->drops[k]);
		buf_puts(out, "\n");
	}
	for (int k = 0; k < sel->nins; k++) {
		buf_puts(out, "  ");
		dump_ins(p, &sel->ins[k], out);
	}
}

void ir_dump(const Program *p, Buf *out)
{
	char *name = quote(p->name);
	buf_printf(out, "program %s %s\n", name, p->express ? "express" : "standard");
	free(name);
	for (int i = 0; i < p->nconsts; i++) {
		char *s = aslrt_json_dump(p->consts[i].v);
		buf_printf(out, "k%d %s %s\n", i, const_kind_names[p->consts[i].kind], s);
		free(s);
	}
	for (int i = 0; i < p->nscopes; i++) {
		const IrScope *sc = &p->scopes[i];
		buf_printf(out, "\nscope %d start @%d regs %d bools %d\n", sc->id, sc->start,
			   sc->nregs, sc->nbools);
		for (int j = 0; j < sc->nstates; j++) {
			const IrState *st = &p->states[sc->states[j]];
			char *q = quote(st->name);
			buf_printf(out, "state @%d %s %s%s\n", st->id, q, st->type,
				   st->jsonata ? " jsonata" : "");
			free(q);
			dump_tables(st, out);
			if (st->sel)
				dump_selector(p, st, out);
			if (st->ndrops) {
				buf_puts(out, "  drops");
				for (int k = 0; k < st->ndrops; k++)
					buf_printf(out, " %%%d", st->drops[k]);
				buf_puts(out, "\n");
			}
			for (int k = 0; k < st->nins; k++)
				dump_ins(p, &st->ins[k], out);
		}
	}
}

char *ir_const_text(const Const *k, size_t *len, const char **at)
{
	struct json_object *v = k->v, *f;
	*at = NULL;
	if (k->kind == K_EXPR || k->kind == K_JSONATA) {
		json_object_object_get_ex(v, "at", &f);
		*at = json_object_get_string(f);
		json_object_object_get_ex(v, "t", &v);
	}
	if (k->kind == K_STR || k->kind == K_KEY || k->kind == K_PATH || k->kind == K_EXPR) {
		*len = (size_t)json_object_get_string_len(v);
		char *s = xcalloc(*len + 1, 1);
		memcpy(s, json_object_get_string(v), *len);
		return s;
	}
	char *s = aslrt_json_dump(v);
	*len = strlen(s);
	return s;
}

char *ir_meta_text(const Program *p)
{
	struct json_object *meta = json_object_new_object();
	json_object_object_add(meta, "name", json_object_new_string(p->name));
	json_object_object_add(meta, "type",
			       json_object_new_string(p->express ? "EXPRESS" : "STANDARD"));
	json_object_object_foreach(p->meta, key, val)
	    json_object_object_add(meta, key, json_object_get(val));
	char *s = aslrt_json_dump(meta);
	json_object_put(meta);
	return s;
}

static void split_parts(IrState *st)
{
	free(st->parts);
	st->parts = NULL;
	st->nparts = 0;
	if (st->nins <= 2 * IR_PART)
		return;
	int *at = xcalloc(st->nlabels > 0 ? (size_t)st->nlabels : 1, sizeof *at);
	for (int i = 0; i < st->nins; i++)
		if (st->ins[i].op == OP_LABEL)
			at[st->ins[i].b] = i;
	int start = 0, far = -1; /* far: the furthest label a jump so far targets */
	for (int i = 0; i < st->nins; i++) {
		const Ins *in = &st->ins[i];
		if (i - start >= IR_PART && far < i && st->nins - i > IR_PART / 2 &&
		    st->ins[i - 1].op != OP_ARG) { /* a call and its args stay together */
			vec_push(&st->parts, &st->nparts, i);
			start = i;
		}
		if ((in->op == OP_JUMPIF || in->op == OP_JUMPIFNOT) && at[in->b] > far)
			far = at[in->b];
	}
	vec_push(&st->parts, &st->nparts, st->nins);
	free(at);
}

static void fill_drops(IrState *st, int nregs)
{
	bool *seen = xcalloc(nregs > 0 ? (size_t)nregs : 1, sizeof *seen);
	free(st->drops);
	st->drops = NULL;
	st->ndrops = 0;
	for (int k = 0; k < st->nins; k++) {
		const Ins *in = &st->ins[k];
		if (op_info[in->op].dst != D_OWN || in->dst < 0 || in->dst >= nregs ||
		    seen[in->dst])
			continue;
		seen[in->dst] = true;
		vec_push(&st->drops, &st->ndrops, in->dst);
	}
	free(seen);
}

/* The value-register operands of an op: bit 1 a, 2 b, 4 c (each may be -1);
 * -1 for an op this pass does not know. */
static int value_operands(Op op)
{
	switch (op) {
	case OP_CONST:
	case OP_OBJECT:
	case OP_ARRAY:
	case OP_CONTEXT:
	case OP_VAR:
	case OP_LIT:
	case OP_CALL: /* reads the registers of the `arg` ops before it */
	case OP_NOMATCH:
	case OP_NOT:
	case OP_JUMPIF:
	case OP_JUMPIFNOT:
	case OP_SETB:
	case OP_MOVB:
	case OP_LABEL:
		return 0;
	case OP_ENTER:
	case OP_FIELD:
	case OP_INDEX:
	case OP_NEED:
	case OP_PATH:
	case OP_COPY:
	case OP_EXPR:
	case OP_ARG:
	case OP_ASSIGN:
	case OP_JCOND:
	case OP_TASK:
	case OP_WAIT:
	case OP_PARALLEL:
	case OP_MAP:
	case OP_FAIL:
	case OP_NEXT:
	case OP_END:
		return 1;
	case OP_REQUIRE:
	case OP_SETKEY:
	case OP_PUSH:
	case OP_RESULTPATH:
	case OP_JEVAL:
	case OP_JASSIGN:
		return 3;
	case OP_TEST:
		return 5;
	default:
		return -1;
	}
}

/* A look-up done on every path to here: op (field or index) of register a
 * with key k or index b, in register dst. */
typedef struct {
	Op op;
	int a, key, dst;
} Avail;

typedef struct {
	Avail *v;
	int n;
	bool set; /* some jump reaches the label */
} AvailSet;

static void avail_meet(AvailSet *into, const Avail *v, int n)
{
	if (!into->set) {
		into->v = n ? xcalloc((size_t)n, sizeof *v) : NULL;
		if (n)
			memcpy(into->v, v, (size_t)n * sizeof *v);
		into->n = n;
		into->set = true;
		return;
	}
	int w = 0;
	for (int i = 0; i < into->n; i++)
		for (int j = 0; j < n; j++)
			if (memcmp(&into->v[i], &v[j], sizeof *v) == 0) {
				into->v[w++] = into->v[i];
				break;
			}
	into->n = w;
}

/* Whether the state is in the form the pass handles: known ops only, value
 * registers written once, jumps only forward. */
static bool cse_applies(const IrState *st, int nregs)
{
	bool ok = true;
	char *written = xcalloc(nregs > 0 ? (size_t)nregs : 1, 1);
	int *at = xcalloc(st->nlabels > 0 ? (size_t)st->nlabels : 1, sizeof *at);
	for (int k = 0; k < st->nins && ok; k++) {
		const Ins *in = &st->ins[k];
		DstKind dk = op_info[in->op].dst;
		if (value_operands(in->op) < 0)
			ok = false;
		else if (dk == D_OWN || dk == D_BORROW) {
			if (in->dst < 0 || in->dst >= nregs || written[in->dst])
				ok = false;
			else
				written[in->dst] = 1;
		}
		if (in->op == OP_LABEL)
			at[in->b] = k;
	}
	for (int k = 0; k < st->nins && ok; k++) {
		const Ins *in = &st->ins[k];
		if ((in->op == OP_JUMPIF || in->op == OP_JUMPIFNOT) && at[in->b] <= k)
			ok = false;
	}
	free(written);
	free(at);
	return ok;
}

/*
 * Field and index look-ups repeated within a state (a Choice reads each
 * rule's path from the root: $.cur.r.type, then $.cur.r.amount, ...) reuse
 * the register of the first where it reaches the later one on every path:
 * look-ups are pure and values never change within a state (b2: a third of
 * the run was json-c hash look-ups).  Labels are reached by forward jumps
 * and the fall-through; a look-up is available after a label when it is on
 * every way in.
 */
static void cse_state(IrState *st, int nregs)
{
	if (!cse_applies(st, nregs))
		return;
	int *rename = xcalloc(nregs > 0 ? (size_t)nregs : 1, sizeof *rename);
	for (int r = 0; r < nregs; r++)
		rename[r] = r;
	AvailSet *at = xcalloc(st->nlabels > 0 ? (size_t)st->nlabels : 1, sizeof *at);
	Avail *avail = NULL;
	int navail = 0, w = 0;
	bool reach = true; /* the op before falls through */
	for (int k = 0; k < st->nins; k++) {
		Ins in = st->ins[k];
		int ops = value_operands(in.op);
		if ((ops & 1) && in.a >= 0)
			in.a = rename[in.a];
		if ((ops & 2) && in.b >= 0)
			in.b = rename[in.b];
		if ((ops & 4) && in.c >= 0)
			in.c = rename[in.c];
		if (in.op == OP_LABEL) {
			AvailSet *l = &at[in.b];
			if (!reach) { /* only the jumps come here */
				navail = 0;
				for (int i = 0; l->set && i < l->n; i++)
					vec_push(&avail, &navail, l->v[i]);
			} else if (l->set) {
				AvailSet cur = {avail, navail, true};
				avail_meet(&cur, l->v, l->n);
				navail = cur.n;
			}
		}
		if (in.op == OP_FIELD || in.op == OP_INDEX) {
			Avail key = {in.op, in.a, in.op == OP_FIELD ? in.k : in.b, -1};
			int found = -1;
			for (int i = 0; i < navail && found < 0; i++)
				if (avail[i].op == key.op && avail[i].a == key.a &&
				    avail[i].key == key.key)
					found = avail[i].dst;
			if (found >= 0) {
				rename[in.dst] = found;
				continue;
			}
			key.dst = in.dst;
			vec_push(&avail, &navail, key);
		}
		if (in.op == OP_JUMPIF || in.op == OP_JUMPIFNOT)
			avail_meet(&at[in.b], avail, navail);
		st->ins[w++] = in;
		reach =
		    in.op != OP_NEXT && in.op != OP_END && in.op != OP_FAIL && in.op != OP_NOMATCH;
	}
	st->nins = w;
	for (int l = 0; l < st->nlabels; l++)
		free(at[l].v);
	free(at);
	free(avail);
	free(rename);
}

void ir_cse(Program *p)
{
	for (int i = 0; i < p->nstates; i++)
		cse_state(&p->states[i], p->scopes[p->states[i].scope].nregs);
}

void ir_ownership(Program *p)
{
	for (int i = 0; i < p->nstates; i++) {
		IrState *st = &p->states[i];
		if (st->sel)
			fill_drops(st->sel, st->sel_regs);
		fill_drops(st, p->scopes[st->scope].nregs);
		split_parts(st);
	}
}

static void verify_errors(const Program *p, int state, const int *errors, int n)
{
	for (int i = 0; i < n; i++)
		if (errors[i] < 0 || errors[i] >= p->nconsts || p->consts[errors[i]].kind != K_STR)
			die("state %d: ErrorEquals names bad constant %d", state, errors[i]);
}

/* The tables name constants, states of the scope and scopes that exist. */
static void verify_tables(const Program *p, const IrState *st)
{
	int i = st->id;
	for (int k = 0; k < st->nretry; k++)
		verify_errors(p, i, st->retry[k].errors, st->retry[k].nerrors);
	for (int k = 0; k < st->ncatch; k++) {
		const IrCatch *c = &st->catchers[k];
		verify_errors(p, i, c->errors, c->nerrors);
		if (c->next < 0 || c->next >= p->nstates || p->states[c->next].scope != st->scope)
			die("state %d: a catcher goes out of its scope", i);
		if (c->result_path < -2 || c->result_path >= p->nconsts ||
		    c->assign >= p->nconsts || c->output >= p->nconsts)
			die("state %d: a catcher names a bad constant", i);
	}
	for (int k = 0; k < st->nbranches; k++)
		if (st->branches[k] <= 0 || st->branches[k] >= p->nscopes)
			die("state %d names bad scope %d", i, st->branches[k]);
	for (int k = 0; k < st->nnext; k++)
		if (st->next[k] < 0 || st->next[k] >= p->nstates ||
		    p->states[st->next[k]].scope != st->scope)
			die("state %d: a successor is out of its scope", i);
	for (int k = 0; st->sel && k < st->sel->nins; k++) {
		const Ins *in = &st->sel->ins[k];
		DstKind dk = op_info[in->op].dst;
		if (dk == D_BOOL || in->op == OP_LABEL || in->op == OP_JUMPIF ||
		    in->op == OP_JUMPIFNOT || in->op == OP_NEXT || in->op == OP_END ||
		    in->op == OP_ENTER || in->dst >= st->sel_regs || in->a >= st->sel_regs ||
		    in->k >= p->nconsts)
			die("state %d: bad ItemSelector op %d", i, k);
	}
	if (st->sel && (st->sel_out <= 0 || st->sel_out >= st->sel_regs))
		die("state %d: bad ItemSelector value %%%d", i, st->sel_out);
	for (int k = 0; k < st->nsettings; k++)
		if (st->settings[k].k < 0 || st->settings[k].k >= p->nconsts)
			die("state %d: setting %s names bad constant %d", i,
			    setting_names[st->settings[k].key], st->settings[k].k);
}

/* A call names an intrinsic, and its c arguments are the ops just before it. */
static bool call_ok(const Ins *ins, int k)
{
	const Ins *in = &ins[k];
	if (in->b < 0 || in->b >= ASLRT_FN_COUNT || in->c < 0 || in->c > k || in->k < 0)
		return false;
	for (int i = 1; i <= in->c; i++)
		if (ins[k - i].op != OP_ARG)
			return false;
	return k == in->c || ins[k - in->c - 1].op != OP_ARG;
}

void ir_verify(const Program *p)
{
	for (int i = 0; i < p->nstates; i++) {
		const IrState *st = &p->states[i];
		const IrScope *sc = &p->scopes[st->scope];
		verify_tables(p, st);
		if (st->nins == 0)
			die("state %d has no ops", i);
		Op last = st->ins[st->nins - 1].op;
		if (last != OP_NEXT && last != OP_END && last != OP_FAIL && last != OP_NOMATCH)
			die("state %d does not end in a transition", i);
		for (int k = 0; k < st->nins; k++) {
			const Ins *in = &st->ins[k];
			DstKind dk = op_info[in->op].dst;
			if ((dk == D_OWN || dk == D_BORROW) &&
			    (in->dst <= 0 || in->dst >= sc->nregs))
				die("state %d op %d writes bad register %d", i, k, in->dst);
			if (dk == D_BOOL && (in->dst < 0 || in->dst >= sc->nbools))
				die("state %d op %d writes bad boolean %d", i, k, in->dst);
			if (in->k >= p->nconsts)
				die("state %d op %d names bad constant %d", i, k, in->k);
			if ((in->op == OP_FIELD || in->op == OP_SETKEY) &&
			    (in->k < 0 || p->consts[in->k].kind != K_KEY))
				die("state %d op %d: %s names no key constant", i, k,
				    op_info[in->op].name);
			if ((in->op == OP_JUMPIF || in->op == OP_JUMPIFNOT || in->op == OP_LABEL) &&
			    (in->b < 0 || in->b >= st->nlabels))
				die("state %d op %d names bad label %d", i, k, in->b);
			if (in->op == OP_CALL && !call_ok(st->ins, k))
				die("state %d op %d: a call without its arguments", i, k);
			if (in->op == OP_ARG &&
			    (k + 1 >= st->nins ||
			     (st->ins[k + 1].op != OP_ARG && st->ins[k + 1].op != OP_CALL)))
				die("state %d op %d: an argument without its call", i, k);
			if (in->op == OP_NEXT && (in->b < 0 || in->b >= p->nstates ||
						  p->states[in->b].scope != st->scope))
				die("state %d jumps out of its scope", i);
		}
	}
}
