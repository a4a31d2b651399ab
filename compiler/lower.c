/*
 * lower.c - from the model to the IR: each state becomes a short list of ops
 * in AWS's processing order (InputPath, Parameters, the state's work,
 * ResultSelector, Assign, ResultPath, OutputPath), then a transition.
 *
 * Static paths ($.order.items[0]) become chains of field/index look-ups ending
 * in one `require` that raises AWS's error when nothing was selected; paths
 * with wildcards, filters, slices ... go to the runtime's path engine, parsed
 * once at start-up.  Choice rules become boolean code with short-circuit
 * jumps.  What the runtime needs per state (Retry/Catch tables, Task
 * bindings, Wait and Map settings) goes to the program metadata.
 *
 * Precondition: check.c accepted the definition and model.c built it.
 */
#include <string.h>

#include "aslc.h"
#include "ir.h"
#include "rt.h"

typedef struct Lower {
	Program *p;
	Machine *m;
	IrState *s; /* state being lowered */
	int nregs;  /* next free value register in this state */
	int nbools;
} Lower;

static int new_reg(Lower *l)
{
	return l->nregs++;
}

static int new_bool(Lower *l)
{
	return l->nbools++;
}

static int new_label(Lower *l)
{
	return l->s->nlabels++;
}

static struct json_object *field(struct json_object *o, const char *key, bool *present)
{
	struct json_object *v = NULL;
	bool has = json_object_object_get_ex(o, key, &v);
	if (present)
		*present = has;
	return has ? v : NULL;
}

static Ins *emit(Lower *l, Op op)
{
	return ir_emit(l->s, op);
}

static int emit_dst(Lower *l, Op op, int a, int b, int k)
{
	Ins *in = emit(l, op);
	in->dst = op_info[op].dst == D_BOOL ? new_bool(l) : new_reg(l);
	in->a = a;
	in->b = b;
	in->k = k;
	return in->dst;
}

/* Can a key be passed to the runtime as a C string? */
static bool plain_key(const char *k)
{
	return k != NULL;
}

/*
 * path = Path selecting from `src` ($), the Context object ($$) or a variable.
 * Returns a register holding the selected value: owned (require/path) or,
 * when allow_absent, a borrowed register that may hold ASLRT_ABSENT.
 * `choice` selects the error text AWS uses for Choice rule paths.
 */
static int lower_path(Lower *l, int src, const char *text, bool allow_absent, bool choice)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *path = aslrt_path_parse(text, why, sizeof why);
	if (!path)
		die("path \"%s\" passed the checker but does not parse: %s", text, why);
	int k = ir_const(l->p, K_PATH, json_object_new_string(text));
	bool direct = aslrt_path_is_definite(path);
	int n = aslrt_path_nsteps(path);
	for (int i = 0; direct && i < n; i++) {
		const char *f;
		long idx;
		aslrt_step_kind sk = aslrt_path_step(path, i, &f, &idx);
		if (sk == ASLRT_STEP_OTHER || (sk == ASLRT_STEP_FIELD && !plain_key(f)))
			direct = false;
	}
	if (!direct) { /* never absent: the engine raises AWS's error itself */
		aslrt_path_free(path);
		return emit_dst(l, OP_PATH, src, -1, k);
	}
	int root;
	switch (aslrt_path_root(path)) {
	case ASLRT_ROOT_CONTEXT:
		root = emit_dst(l, OP_CONTEXT, -1, -1, -1);
		break;
	case ASLRT_ROOT_VAR:
		root = emit_dst(l, OP_VAR, -1, -1, ir_const_str(l->p, aslrt_path_var(path)));
		break;
	default:
		root = src;
	}
	int cur = root;
	for (int i = 0; i < n; i++) {
		const char *f;
		long idx;
		if (aslrt_path_step(path, i, &f, &idx) == ASLRT_STEP_FIELD)
			cur = emit_dst(l, OP_FIELD, cur, -1, ir_const_str(l->p, f));
		else
			cur = emit_dst(l, OP_INDEX, cur, (int)idx, -1);
	}
	aslrt_path_free(path);
	if (allow_absent) {
		if (cur == src) /* "$": always present; hand out a borrowed alias */
			return src;
		return cur;
	}
	Ins *in = emit(l, OP_REQUIRE);
	in->dst = new_reg(l);
	in->a = cur;
	in->b = src;
	in->c = choice;
	in->k = k;
	return in->dst;
}

/* InputPath / OutputPath: absent or "$" is the value itself; null is {}. */
static int lower_io_path(Lower *l, struct json_object *st, const char *key, int src)
{
	bool present;
	struct json_object *v = field(st, key, &present);
	if (!present)
		return src;
	if (!v)
		return emit_dst(l, OP_CONST, -1, -1,
				ir_const(l->p, K_JSON, json_object_new_object()));
	const char *text = json_object_get_string(v);
	if (strcmp(text, "$") == 0)
		return src;
	return lower_path(l, src, text, false, false);
}

/* A payload template (Parameters, ResultSelector) applied to `src`. */
static int lower_template(Lower *l, struct json_object *st, const char *key, int src)
{
	bool present;
	struct json_object *v = field(st, key, &present);
	if (!present)
		return src;
	return emit_dst(l, OP_TEMPLATE, src, -1, ir_const(l->p, K_TMPL, json_object_get(v)));
}

static void lower_assign(Lower *l, struct json_object *o, int src)
{
	struct json_object *v = field(o, "Assign", NULL);
	if (!v)
		return;
	Ins *in = emit(l, OP_ASSIGN);
	in->a = src;
	in->k = ir_const(l->p, K_ASSIGN, json_object_get(v));
}

/* ResultPath: absent or "$" is the result; null keeps the raw input. */
static int lower_result_path(Lower *l, struct json_object *st, int input, int result)
{
	bool present;
	struct json_object *v = field(st, "ResultPath", &present);
	if (!present)
		return result;
	if (!v)
		return input;
	const char *text = json_object_get_string(v);
	if (strcmp(text, "$") == 0)
		return result;
	Ins *in = emit(l, OP_RESULTPATH);
	in->dst = new_reg(l);
	in->a = input;
	in->b = result;
	in->k = ir_const(l->p, K_PATH, json_object_new_string(text));
	return in->dst;
}

/* Hand a value on: NEXT and END move an owned register other than %0. */
static int owned(Lower *l, int r)
{
	if (r == 0)
		return emit_dst(l, OP_COPY, r, -1, -1);
	for (int i = 0; i < l->s->nins; i++)
		if (l->s->ins[i].dst == r && op_info[l->s->ins[i].op].dst == D_BORROW)
			return emit_dst(l, OP_COPY, r, -1, -1);
	return r;
}

static void lower_transition(Lower *l, State *st, int out)
{
	out = owned(l, out);
	if (st->end || st->type == ST_SUCCEED) {
		emit(l, OP_END)->a = out;
		return;
	}
	Ins *in = emit(l, OP_NEXT);
	in->a = out;
	in->b = st->next;
}

/* The standard shape: InputPath, Parameters, work, ResultSelector, Assign,
 * ResultPath, OutputPath. */
static void lower_work_state(Lower *l, State *st, Op work)
{
	struct json_object *j = st->json;
	int eff = lower_io_path(l, j, "InputPath", 0);
	if (work != OP_MAP) /* a Map's Parameters is its per-item ItemSelector */
		eff = lower_template(l, j, "Parameters", eff);
	int result;
	if (work == OP_COUNT) { /* Pass */
		bool present;
		struct json_object *r = field(j, "Result", &present);
		result = present ? emit_dst(l, OP_CONST, -1, -1,
					    ir_const(l->p, K_JSON, json_object_get(r)))
				 : eff;
	} else {
		Ins *in = emit(l, work);
		in->dst = new_reg(l);
		in->a = eff;
		in->c = st->id;
		result = in->dst;
	}
	int sel = lower_template(l, j, "ResultSelector", result);
	int out = lower_result_path(l, j, 0, sel);
	out = lower_io_path(l, j, "OutputPath", out);
	/* Assign reads the raw result but takes effect after OutputPath, which
	 * still sees the variables from before the state. */
	lower_assign(l, j, result);
	lower_transition(l, st, out);
}

/* One Choice rule into boolean register dst:
 *   rule = { And: [rule...] } | { Or: [rule...] } | { Not: rule }
 *        | { Variable: path, <Operator>: operand } */
static void lower_rule(Lower *l, struct json_object *rule, int eff, int dst)
{
	struct json_object *v;
	if ((v = field(rule, "And", NULL)) || (v = field(rule, "Or", NULL))) {
		bool is_and = field(rule, "And", NULL) != NULL;
		int end = new_label(l);
		Ins *in = emit(l, OP_SETB);
		in->dst = dst;
		in->b = is_and;
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			lower_rule(l, json_object_array_get_idx(v, i), eff, dst);
			in = emit(l, is_and ? OP_JUMPIFNOT : OP_JUMPIF);
			in->a = dst;
			in->b = end;
		}
		emit(l, OP_LABEL)->b = end;
		return;
	}
	if ((v = field(rule, "Not", NULL))) {
		int t = new_bool(l);
		lower_rule(l, v, eff, t);
		Ins *in = emit(l, OP_NOT);
		in->dst = dst;
		in->a = t;
		return;
	}
	const char *var = json_object_get_string(field(rule, "Variable", NULL));
	int op = -1;
	struct json_object *operand = NULL;
	json_object_object_foreach(rule, key, val)
	{
		int c = aslrt_cmp_lookup(key);
		if (c >= 0) {
			op = c;
			operand = val;
		}
	}
	if (op < 0 || !var)
		die("Choice rule passed the checker without an operator");
	int value = lower_path(l, eff, var, true, true);
	if (op != ASLRT_CMP_IsPresent) {
		Ins *in = emit(l, OP_REQUIRE);
		in->dst = new_reg(l);
		in->a = value;
		in->b = eff;
		in->c = 1;
		in->k = ir_const(l->p, K_PATH, json_object_new_string(var));
		value = in->dst;
	}
	/* a ...Path operand is looked up like the Variable, into a register */
	bool by_path = aslrt_cmp_operands[op] == ASLRT_OPND_PATH;
	int opnd = by_path ? lower_path(l, eff, json_object_get_string(operand), true, true) : -1;
	int k = by_path ? ir_const(l->p, K_PATH, json_object_get(operand))
			: ir_const(l->p, K_JSON, json_object_get(operand));
	Ins *in = emit(l, OP_TEST);
	in->dst = dst;
	in->a = value;
	in->b = op;
	in->c = opnd;
	in->k = k;
}

static void lower_choice(Lower *l, State *st)
{
	struct json_object *j = st->json;
	int eff = lower_io_path(l, j, "InputPath", 0);
	struct json_object *rules = field(j, "Choices", NULL);
	size_t n = json_object_array_length(rules);
	for (size_t i = 0; i < n; i++) {
		struct json_object *rule = json_object_array_get_idx(rules, i);
		int t = new_bool(l);
		int skip = new_label(l);
		lower_rule(l, rule, eff, t);
		Ins *in = emit(l, OP_JUMPIFNOT);
		in->a = t;
		in->b = skip;
		int out = owned(l, lower_io_path(l, j, "OutputPath", eff));
		lower_assign(l, rule, eff);
		in = emit(l, OP_NEXT);
		in->a = out;
		in->b = scope_find(st->scope, json_object_get_string(field(rule, "Next", NULL)));
		emit(l, OP_LABEL)->b = skip;
	}
	struct json_object *dflt = field(j, "Default", NULL);
	if (dflt) {
		int out = owned(l, lower_io_path(l, j, "OutputPath", eff));
		lower_assign(l, j, eff);
		Ins *in = emit(l, OP_NEXT);
		in->a = out;
		in->b = scope_find(st->scope, json_object_get_string(dflt));
	} else {
		emit(l, OP_NOMATCH)->c = st->id;
	}
}

static void lower_simple(Lower *l, State *st, Op work)
{
	struct json_object *j = st->json;
	int eff = lower_io_path(l, j, "InputPath", 0);
	if (work != OP_COUNT) {
		Ins *in = emit(l, work);
		in->a = eff;
		in->c = st->id;
	}
	int out = lower_io_path(l, j, "OutputPath", eff);
	lower_assign(l, j, eff);
	lower_transition(l, st, out);
}

/* A JSONata field as a constant: its template and its location for causes. */
static int jconst(Lower *l, struct json_object *v, const char *loc)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "at", json_object_new_string(loc));
	json_object_object_add(o, "t", json_object_get(v));
	return ir_const(l->p, K_JSONATA, o);
}

static int jeval(Lower *l, struct json_object *v, const char *loc, int input, int result)
{
	Ins *in = emit(l, OP_JEVAL);
	in->dst = new_reg(l);
	in->a = input;
	in->b = result;
	in->k = jconst(l, v, loc);
	return in->dst;
}

/* Output (default: dflt) and Assign of a JSONata state or Choice rule.  Both
 * see the variables as they were on entry: Output is evaluated first. */
static int lower_joutput(Lower *l, struct json_object *o, const char *prefix, int result, int dflt)
{
	char loc[64];
	struct json_object *v;
	int out = dflt;
	if ((v = field(o, "Output", NULL)) || json_object_object_get_ex(o, "Output", NULL)) {
		snprintf(loc, sizeof loc, "%sOutput", prefix);
		out = jeval(l, v, loc, 0, result);
	}
	if ((v = field(o, "Assign", NULL))) {
		snprintf(loc, sizeof loc, "%sAssign", prefix);
		Ins *in = emit(l, OP_JASSIGN);
		in->a = 0;
		in->b = result;
		in->k = jconst(l, v, loc);
	}
	return out;
}

/*
 * A JSONata state: Arguments -> work -> Output / Assign, with $states.input
 * the raw input throughout and $states.result the work's result.
 *   Choice: each rule's Condition, then that rule's Output/Assign; on no match
 *   the state's own Output/Assign and Default.
 */
static void lower_jsonata_state(Lower *l, State *st)
{
	struct json_object *j = st->json, *v;
	Op work = st->type == ST_TASK	    ? OP_TASK
		  : st->type == ST_PARALLEL ? OP_PARALLEL
		  : st->type == ST_MAP	    ? OP_MAP
		  : st->type == ST_WAIT	    ? OP_WAIT
					    : OP_COUNT;
	if (st->type == ST_FAIL) {
		Ins *in = emit(l, OP_FAIL);
		in->a = 0;
		in->c = st->id;
		return;
	}
	if (st->type == ST_CHOICE) {
		struct json_object *rules = field(j, "Choices", NULL);
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			struct json_object *rule = json_object_array_get_idx(rules, i);
			char prefix[48];
			snprintf(prefix, sizeof prefix, "Choices[%zu]/", i);
			char loc[64];
			snprintf(loc, sizeof loc, "%sCondition", prefix);
			int t = new_bool(l), skip = new_label(l);
			Ins *in = emit(l, OP_JCOND);
			in->dst = t;
			in->a = 0;
			in->k = jconst(l, field(rule, "Condition", NULL), loc);
			in = emit(l, OP_JUMPIFNOT);
			in->a = t;
			in->b = skip;
			int out = owned(l, lower_joutput(l, rule, prefix, -1, 0));
			in = emit(l, OP_NEXT);
			in->a = out;
			in->b = scope_find(st->scope,
					   json_object_get_string(field(rule, "Next", NULL)));
			emit(l, OP_LABEL)->b = skip;
		}
		struct json_object *dflt = field(j, "Default", NULL);
		if (!dflt) {
			emit(l, OP_NOMATCH)->c = st->id;
			return;
		}
		int out = owned(l, lower_joutput(l, j, "", -1, 0));
		Ins *in = emit(l, OP_NEXT);
		in->a = out;
		in->b = scope_find(st->scope, json_object_get_string(dflt));
		return;
	}
	int result = -1, out = 0;
	if (work == OP_WAIT) {
		Ins *in = emit(l, OP_WAIT);
		in->a = 0;
		in->c = st->id;
	} else if (work != OP_COUNT) {
		int args = (v = field(j, "Arguments", NULL)) ? jeval(l, v, "Arguments", 0, -1) : 0;
		Ins *in = emit(l, work);
		in->dst = new_reg(l);
		in->a = args;
		in->c = st->id;
		result = out = in->dst;
	}
	out = lower_joutput(l, j, "", result, out);
	lower_transition(l, st, out);
}

/* Per-state runtime metadata: the definition's fields the runtime reads
 * (Retry, Catch, Resource, Wait and Map settings) with names resolved to ids. */
static struct json_object *state_meta(Lower *l, State *st)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(st->name));
	json_object_object_add(o, "type", json_object_new_string(state_type_names[st->type]));
	json_object_object_add(o, "scope", json_object_new_int(st->scope->id));
	json_object_object_add(o, "def", json_object_get(st->json));
	if (st->ql == QL_JSONATA)
		json_object_object_add(o, "jsonata", json_object_new_boolean(1));
	struct json_object *catchers = field(st->json, "Catch", NULL);
	if (catchers) {
		struct json_object *next = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(catchers); i++) {
			struct json_object *c = json_object_array_get_idx(catchers, i);
			const char *n = json_object_get_string(field(c, "Next", NULL));
			json_object_array_add(next, json_object_new_int(scope_find(st->scope, n)));
		}
		json_object_object_add(o, "catch_next", next);
	}
	if (st->nbranches) {
		struct json_object *b = json_object_new_array();
		for (int i = 0; i < st->nbranches; i++)
			json_object_array_add(b, json_object_new_int(st->branches[i]->id));
		json_object_object_add(o, "branches", b);
	}
	(void)l;
	return o;
}

static void lower_state(Lower *l, State *st)
{
	IrState *s = &l->p->states[st->id];
	s->id = st->id;
	s->name = xstrdup(st->name);
	s->type = xstrdup(state_type_names[st->type]);
	s->scope = st->scope->id;
	l->s = s;
	l->nregs = 1;
	l->nbools = 0;
	Ins *in = emit(l, OP_ENTER);
	in->a = 0;
	in->c = st->id;
	if (st->ql == QL_JSONATA)
		lower_jsonata_state(l, st);
	else
		switch (st->type) {
		case ST_PASS:
			lower_work_state(l, st, OP_COUNT);
			break;
		case ST_TASK:
			lower_work_state(l, st, OP_TASK);
			break;
		case ST_PARALLEL:
			lower_work_state(l, st, OP_PARALLEL);
			break;
		case ST_MAP:
			lower_work_state(l, st, OP_MAP);
			break;
		case ST_CHOICE:
			lower_choice(l, st);
			break;
		case ST_WAIT:
			lower_simple(l, st, OP_WAIT);
			break;
		case ST_SUCCEED:
			lower_simple(l, st, OP_COUNT);
			break;
		case ST_FAIL:
			in = emit(l, OP_FAIL);
			in->a = 0;
			in->c = st->id;
			break;
		default:
			unreachable();
		}
	IrScope *sc = &l->p->scopes[st->scope->id];
	if (l->nregs > sc->nregs)
		sc->nregs = l->nregs;
	if (l->nbools > sc->nbools)
		sc->nbools = l->nbools;
}

/* Does any string of the definition read the execution input through the
 * Context object ($$.Execution.Input, $$ or $$.Execution whole, JSONata's
 * $states.context)?  If none does, executables leave it out of the Context
 * object, which every Parallel branch and Map iteration copies. */
static bool reads_execution_input(struct json_object *v)
{
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v), *p;
		if (strstr(s, "$states.context") || strstr(s, "$$[") || strstr(s, "$$..") ||
		    strstr(s, "$$.*"))
			return true;
		for (p = s; (p = strstr(p, "$$")) != NULL; p += 2) {
			const char *q = p + 2;
			if (*q != '.')
				return true; /* $$ on its own */
			if (strncmp(q, ".Execution", 10) == 0 &&
			    (q[10] != '.' || strncmp(q + 10, ".Input", 6) == 0))
				return true;
		}
		return false;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (reads_execution_input(val))
				return true;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (reads_execution_input(json_object_array_get_idx(v, i)))
				return true;
	}
	return false;
}

Program *lower_machine(Machine *m)
{
	Lower l = {ir_new(), m, NULL, 0, 0};
	Program *p = l.p;
	p->name = xstrdup(m->name);
	p->express = m->express;
	p->states = xcalloc((size_t)m->nstates, sizeof *p->states);
	p->nstates = m->nstates;
	p->scopes = xcalloc((size_t)m->nscopes, sizeof *p->scopes);
	p->nscopes = m->nscopes;
	struct json_object *states = json_object_new_array();
	for (int i = 0; i < m->nscopes; i++) {
		Scope *sc = m->scopes[i];
		IrScope *is = &p->scopes[i];
		is->id = i;
		is->start = sc->start;
		is->nregs = 1;
		for (int j = 0; j < sc->nstates; j++)
			vec_push(&is->states, &is->nstates, sc->states[j]->id);
	}
	for (int i = 0; i < m->nstates; i++) {
		lower_state(&l, m->states[i]);
		json_object_array_add(states, state_meta(&l, m->states[i]));
	}
	p->meta = json_object_new_object();
	json_object_object_add(p->meta, "states", states);
	struct json_object *scopes = json_object_new_array();
	for (int i = 0; i < m->nscopes; i++) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "start", json_object_new_int(m->scopes[i]->start));
		json_object_object_add(
		    s, "owner",
		    json_object_new_int(m->scopes[i]->owner ? m->scopes[i]->owner->id : -1));
		json_object_array_add(scopes, s);
	}
	json_object_object_add(p->meta, "scopes", scopes);
	json_object_object_add(p->meta, "ctx_input",
			       json_object_new_boolean(reads_execution_input(m->json)));
	json_object_object_add(p->meta, "timeout",
			       json_object_get(field(m->json, "TimeoutSeconds", NULL)));
	ir_cse(p);
	ir_ownership(p);
	ir_verify(p);
	return p;
}
