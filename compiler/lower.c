/*
 * lower.c - from the model to the IR: each state becomes a short list of ops
 * in AWS's processing order (InputPath, Parameters, the state's work,
 * ResultSelector, Assign, ResultPath, OutputPath), then a transition.
 *
 * Static paths ($.order.items[0]) become chains of field/index look-ups ending
 * in one `require` that raises AWS's error when nothing was selected; paths
 * with wildcards, filters, slices ... go to the runtime's path engine, parsed
 * once at start-up.  An intrinsic call in a template field becomes a direct
 * call of the function, its arguments computed by ops (look-ups, constants,
 * nested calls).  Choice rules become boolean code with short-circuit
 * jumps.  What the runtime needs per state (Retry/Catch rows, branches,
 * Task, Wait, Fail and Map settings) goes to the state's tables, which the
 * backends emit as static data; settings name constants of the program.
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
 * `choice` selects the error text AWS uses for Choice rule paths; `at`
 * ({"at": field, "t": text}, borrowed) names a template's field, for the text
 * of a template's.
 */
static int lower_path_in(Lower *l, int src, const char *text, bool allow_absent, bool choice,
			 struct json_object *at)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *path = aslrt_path_parse(text, why, sizeof why);
	if (!path)
		die("path \"%s\" passed the checker but does not parse: %s", text, why);
	int k = at ? -1 : ir_const(l->p, K_PATH, json_object_new_string(text));
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
		if (!at)
			return emit_dst(l, OP_PATH, src, -1, k);
		/* the template's field compiled once as an expression */
		return emit_dst(l, OP_EXPR, src, -1, ir_const(l->p, K_EXPR, json_object_get(at)));
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
			cur = emit_dst(l, OP_FIELD, cur, -1, ir_const_key(l->p, f));
		else
			cur = emit_dst(l, OP_INDEX, cur, (int)idx, -1);
	}
	aslrt_path_free(path);
	if (allow_absent) {
		if (cur == src) /* "$": always present; hand out a borrowed alias */
			return src;
		return cur;
	}
	if (at) /* the template field's {"at", "t"}, for AWS's error */
		k = ir_const(l->p, K_JSON, json_object_get(at));
	Ins *in = emit(l, OP_REQUIRE);
	in->dst = new_reg(l);
	in->a = cur;
	in->b = src;
	in->c = at ? 2 : choice;
	in->k = k;
	return in->dst;
}

static int lower_path(Lower *l, int src, const char *text, bool allow_absent, bool choice)
{
	return lower_path_in(l, src, text, allow_absent, choice, NULL);
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

static bool dynamic_key(const char *key)
{
	size_t n = strlen(key);
	return n >= 2 && strcmp(key + n - 2, ".$") == 0;
}

/* Does a template value hold any "key.$" field? */
static bool has_dynamic(struct json_object *v)
{
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			if (dynamic_key(key) || has_dynamic(val))
				return true;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (has_dynamic(json_object_array_get_idx(v, i)))
				return true;
	}
	return false;
}

/*
 * Whether lower_call compiles an intrinsic call: every path argument is static
 * (look-ups; the engine runs the others) and no number literal has a
 * fraction or exponent (its text is printed as written, and constants equal
 * in value would share one text).
 */
static bool call_compiles(const aslrt_fn *f)
{
	for (int i = 0; i < aslrt_fn_nargs(f); i++) {
		const aslrt_path *path;
		const aslrt_fn *call;
		size_t at, end;
		switch (aslrt_fn_arg(f, i, &path, &call, &at, &end)) {
		case ASLRT_FNARG_DBL:
			return false;
		case ASLRT_FNARG_CALL:
			if (!call_compiles(call))
				return false;
			break;
		case ASLRT_FNARG_PATH:
			if (!aslrt_path_is_definite(path))
				return false;
			for (int k = 0; k < aslrt_path_nsteps(path); k++) {
				const char *key;
				long idx;
				aslrt_step_kind sk = aslrt_path_step(path, k, &key, &idx);
				if (sk == ASLRT_STEP_OTHER ||
				    (sk == ASLRT_STEP_FIELD && !plain_key(key)))
					return false;
			}
			break;
		default:
			break;
		}
	}
	return true;
}

/*
 * An intrinsic call over `src` as a direct call: its arguments in order (a
 * literal a shared constant, a path look-ups then a `require` raising the
 * intrinsic's error for it, a nested call a call of its own), so the first
 * failing argument raises, as in the runtime's evaluator; then one `arg` per
 * argument and the `call`.  whole: the field's text (constant kw), which
 * every cause quotes, nested calls' too.
 */
static int lower_call(Lower *l, int src, const aslrt_fn *f, const char *whole, int kw)
{
	int n = aslrt_fn_nargs(f), raw = -1;
	int *regs = xcalloc(n > 0 ? (size_t)n : 1, sizeof *regs);
	for (int i = 0; i < n; i++) {
		const aslrt_path *path;
		const aslrt_fn *call;
		size_t at, end;
		const char *rawtext;
		struct json_object *lit;
		switch (aslrt_fn_arg(f, i, &path, &call, &at, &end)) {
		case ASLRT_FNARG_CALL:
			regs[i] = lower_call(l, src, call, whole, kw);
			break;
		case ASLRT_FNARG_PATH: {
			char *text = xstrdup(whole + at);
			text[end - at] = 0;
			struct json_object *e = json_object_new_object();
			json_object_object_add(e, "fn", json_object_new_string(whole));
			json_object_object_add(e, "t", json_object_new_string(text));
			/* e: no K_PATH constant for a path compiled to look-ups */
			int cur = lower_path_in(l, src, text, true, false, e);
			free(text);
			if (cur == src) { /* "$" */
				json_object_put(e);
				regs[i] = src;
				break;
			}
			Ins *in = emit(l, OP_REQUIRE);
			in->dst = regs[i] = new_reg(l);
			in->a = cur;
			in->b = src;
			in->c = 3;
			in->k = ir_const(l->p, K_JSON, e);
			break;
		}
		default:
			lit = aslrt_fn_arg_value(f, i, &rawtext);
			regs[i] = emit_dst(l, OP_LIT, -1, -1,
					   ir_const(l->p, K_JSON, json_object_get(lit)));
			/* States.Format reads its literal template's escapes */
			if (i == 0 && rawtext && aslrt_fn_id(f) == ASLRT_FN_FORMAT)
				raw = ir_const_str(l->p, rawtext);
		}
	}
	for (int i = 0; i < n; i++) {
		Ins *in = emit(l, OP_ARG);
		in->a = regs[i];
		in->k = i == 0 ? raw : -1;
	}
	free(regs);
	Ins *in = emit(l, OP_CALL);
	in->dst = new_reg(l);
	in->b = aslrt_fn_id(f);
	in->c = n;
	in->k = kw;
	return in->dst;
}

/* A "key.$" field's value: a path as direct look-ups where it is static, an
 * intrinsic call as a direct call where lower_call compiles it, else
 * (wildcards, filters, the rest) an expression compiled once. */
static int lower_tmpl_expr(Lower *l, int src, const char *key, const char *text)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "at", json_object_new_string(key));
	json_object_object_add(o, "t", json_object_new_string(text));
	int r;
	aslrt_fn *f = NULL;
	char why[ASLRT_ERRLEN];
	if (text[0] == '$')
		r = lower_path_in(l, src, text, false, false, o);
	else if ((f = aslrt_fn_parse(text, why, sizeof why)) && call_compiles(f))
		r = lower_call(l, src, f, text, ir_const_str(l->p, text));
	else
		r = emit_dst(l, OP_EXPR, src, -1, ir_const(l->p, K_EXPR, json_object_get(o)));
	aslrt_fn_free(f);
	json_object_put(o);
	return r;
}

/*
 * A payload template's value over `src`, as ops: literal parts (no ".$" field
 * anywhere below) are one constant each; objects and arrays holding dynamic
 * fields are built key by key, in the template's order (the first failing
 * field raises, as AWS's does).
 */
static int lower_tmpl_value(Lower *l, struct json_object *v, int src)
{
	if (!has_dynamic(v))
		return emit_dst(l, OP_CONST, -1, -1, ir_const(l->p, K_JSON, json_object_get(v)));
	if (json_object_is_type(v, json_type_array)) {
		int arr = emit_dst(l, OP_ARRAY, -1, -1, -1);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			int kid = lower_tmpl_value(l, json_object_array_get_idx(v, i), src);
			Ins *in = emit(l, OP_PUSH);
			in->a = arr;
			in->b = kid;
		}
		return arr;
	}
	/* room for every key at once (json-c grows a table by rehashing it) */
	int obj = emit_dst(l, OP_OBJECT, -1, json_object_object_length(v), -1);
	json_object_object_foreach(v, key, val)
	{
		int kid;
		char *name = xstrdup(key);
		/* keys of one JSON object are distinct (diag.c refuses duplicates);
		 * "a" beside "a.$" would both set "a": the checker refuses that too,
		 * but lowering does not count on it, and such a key is looked up */
		bool twin;
		if (dynamic_key(key)) {
			/* the checker made sure the value is a string */
			name[strlen(name) - 2] = 0;
			twin = json_object_object_get_ex(v, name, NULL);
			kid = lower_tmpl_expr(l, src, key, json_object_get_string(val));
		} else {
			char *dyn = xmalloc(strlen(key) + 3);
			sprintf(dyn, "%s.$", key);
			twin = json_object_object_get_ex(v, dyn, NULL);
			free(dyn);
			kid = lower_tmpl_value(l, val, src);
		}
		Ins *in = emit(l, OP_SETKEY);
		in->a = obj;
		in->b = kid;
		in->c = !twin; /* 1: new, a key the object cannot hold yet */
		in->k = ir_const_key(l->p, name);
		free(name);
	}
	return obj;
}

/* A payload template (Parameters, ResultSelector) applied to `src`. */
static int lower_template(Lower *l, struct json_object *st, const char *key, int src)
{
	bool present;
	struct json_object *v = field(st, key, &present);
	if (!present)
		return src;
	return lower_tmpl_value(l, v, src);
}

static void lower_assign(Lower *l, struct json_object *o, int src)
{
	struct json_object *v = field(o, "Assign", NULL);
	if (!v)
		return;
	/* a template like Parameters, evaluated whole before any variable is set */
	int vals = lower_tmpl_value(l, v, src);
	emit(l, OP_ASSIGN)->a = vals;
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
		/* the test only reads the value: checked present, not referenced
		 * (a `require` took a reference per test, dropped at the exit) */
		Ins *in = emit(l, OP_NEED);
		in->a = value;
		in->k = ir_const(l->p, K_PATH, json_object_new_string(var));
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

static double num_or(struct json_object *o, const char *key, double dflt)
{
	struct json_object *v = field(o, key, NULL);
	return v && aslrt_json_is_number(v) ? aslrt_json_number(v) : dflt;
}

/* ErrorEquals as string constants. */
static int *error_list(Lower *l, struct json_object *o, int *n)
{
	struct json_object *v = field(o, "ErrorEquals", NULL);
	*n = (int)json_object_array_length(v);
	int *errors = xcalloc(*n > 0 ? (size_t)*n : 1, sizeof *errors);
	for (int i = 0; i < *n; i++)
		errors[i] = ir_const_str(
		    l->p, json_object_get_string(json_object_array_get_idx(v, (size_t)i)));
	return errors;
}

static void lower_retry(Lower *l, State *st, IrState *s)
{
	struct json_object *v = field(st->json, "Retry", NULL);
	if (!v)
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *rj = json_object_array_get_idx(v, i);
		IrRetry r = {0};
		r.errors = error_list(l, rj, &r.nerrors);
		r.interval = num_or(rj, "IntervalSeconds", 1);
		r.max_attempts = num_or(rj, "MaxAttempts", 3);
		r.backoff = num_or(rj, "BackoffRate", 2);
		r.max_delay = num_or(rj, "MaxDelaySeconds", 0);
		struct json_object *j = field(rj, "JitterStrategy", NULL);
		r.jitter = j && strcmp(json_object_get_string(j), "FULL") == 0;
		vec_push(&s->retry, &s->nretry, r);
	}
}

static void lower_catch(Lower *l, State *st, IrState *s)
{
	struct json_object *v = field(st->json, "Catch", NULL);
	if (!v)
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *cj = json_object_array_get_idx(v, i), *f;
		IrCatch c = {NULL, 0, -1, -1, -1, -1};
		c.errors = error_list(l, cj, &c.nerrors);
		c.next = scope_find(st->scope, json_object_get_string(field(cj, "Next", NULL)));
		bool present;
		char loc[64];
		if (st->ql == QL_JSONATA) {
			snprintf(loc, sizeof loc, "Catch[%zu]/Output", i);
			if ((f = field(cj, "Output", &present)) || present)
				c.output = jconst(l, f, loc);
			snprintf(loc, sizeof loc, "Catch[%zu]/Assign", i);
			if ((f = field(cj, "Assign", &present)) || present)
				c.assign = jconst(l, f, loc);
		} else {
			f = field(cj, "ResultPath", &present);
			if (present && !f)
				c.result_path = -2;
			else if (f && strcmp(json_object_get_string(f), "$") != 0)
				c.result_path = ir_const(l->p, K_PATH, json_object_get(f));
			if ((f = field(cj, "Assign", NULL)))
				c.assign = ir_const(l->p, K_ASSIGN, json_object_get(f));
		}
		vec_push(&s->catchers, &s->ncatch, c);
	}
}

/* Successors in the state's scope (Next, Default, each Choice rule's Next). */
static void lower_succ(State *st, IrState *s)
{
	struct json_object *v, *rules;
	int id;
	if ((v = field(st->json, "Next", NULL)) &&
	    (id = scope_find(st->scope, json_object_get_string(v))) >= 0)
		vec_push(&s->next, &s->nnext, id);
	if ((v = field(st->json, "Default", NULL)) &&
	    (id = scope_find(st->scope, json_object_get_string(v))) >= 0)
		vec_push(&s->next, &s->nnext, id);
	if ((rules = field(st->json, "Choices", NULL)))
		for (size_t k = 0; k < json_object_array_length(rules); k++)
			if ((v = field(json_object_array_get_idx(rules, k), "Next", NULL)) &&
			    (id = scope_find(st->scope, json_object_get_string(v))) >= 0)
				vec_push(&s->next, &s->nnext, id);
}

static void set(IrState *s, SettingKey key, int k)
{
	IrSetting st = {key, k};
	vec_push(&s->settings, &s->nsettings, st);
}

/* A setting given as a value: a JSON constant, or a JSONata field (in a
 * JSONata state every value, a literal one too: it evaluates to itself;
 * with only_exprs, a {% %} string only, in any state). */
static void set_value(Lower *l, State *st, IrState *s, SettingKey key, bool only_exprs)
{
	const char *name = setting_names[key];
	struct json_object *v;
	bool present;
	if (!(v = field(st->json, name, &present)) && !present)
		return;
	const char *t = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	size_t n = strlen(t);
	bool expr = n >= 4 && strncmp(t, "{%", 2) == 0 && strcmp(t + n - 2, "%}") == 0;
	bool jsonata = only_exprs ? expr : st->ql == QL_JSONATA;
	set(s, key, jsonata ? jconst(l, v, name) : ir_const(l->p, K_JSON, json_object_get(v)));
}

static void set_str(Lower *l, State *st, IrState *s, SettingKey key)
{
	struct json_object *v = field(st->json, setting_names[key], NULL);
	if (v)
		set(s, key, ir_const(l->p, K_STR, json_object_get(v)));
}

static void set_expr(Lower *l, State *st, IrState *s, SettingKey key)
{
	const char *name = setting_names[key];
	struct json_object *v = field(st->json, name, NULL);
	if (!v)
		return;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "at", json_object_new_string(name));
	json_object_object_add(o, "t", json_object_get(v));
	set(s, key, ir_const(l->p, K_EXPR, o));
}

/* A Distributed Map's ItemReader, ItemBatcher, ResultWriter, Label and
 * (EXPRESS) ExecutionType, one JSON constant read by runtime/aws/ as its
 * part of the definition. */
static void set_map_run(Lower *l, State *st, IrState *s)
{
	static const char *const keys[] = {"ItemReader", "ItemBatcher", "ResultWriter", "Label"};
	struct json_object *o = json_object_new_object(), *v, *cfg, *mode, *type;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if ((v = field(st->json, keys[i], NULL)))
			json_object_object_add(o, keys[i], json_object_get(v));
	/* EXPRESS children's ARNs are Express executions' */
	if (((v = field(st->json, "ItemProcessor", NULL)) ||
	     (v = field(st->json, "Iterator", NULL))) &&
	    (cfg = field(v, "ProcessorConfig", NULL)) &&
	    (type = field(cfg, "ExecutionType", NULL)) &&
	    strcmp(json_object_get_string(type), "EXPRESS") == 0)
		json_object_object_add(o, "ExecutionType", json_object_get(type));
	if (json_object_object_length(o))
		set(s, S_MAP_RUN, ir_const(l->p, K_JSON, o));
	else
		json_object_put(o);
	/* ItemProcessor (or the older Iterator) .ProcessorConfig.Mode */
	if (((v = field(st->json, "ItemProcessor", NULL)) ||
	     (v = field(st->json, "Iterator", NULL))) &&
	    (cfg = field(v, "ProcessorConfig", NULL)) && (mode = field(cfg, "Mode", NULL)) &&
	    strcmp(json_object_get_string(mode), "DISTRIBUTED") == 0)
		set(s, S_DISTRIBUTED, ir_const(l->p, K_JSON, json_object_new_boolean(1)));
}

/* A JSONPath Map's ItemSelector as ops of their own (IrState.sel), built
 * like a payload template over the Map's input, with $$.Map.Item set by the
 * runtime for each item. */
static void lower_selector(Lower *l, IrState *s, struct json_object *v)
{
	IrState *saved = l->s;
	int nregs = l->nregs, nbools = l->nbools;
	IrState *sel = xcalloc(1, sizeof *sel);
	sel->id = s->id;
	sel->name = xstrdup(s->name);
	sel->type = xstrdup("ItemSelector");
	sel->scope = s->scope;
	l->s = sel;
	l->nregs = 1;
	l->nbools = 0;
	s->sel_out = lower_tmpl_value(l, v, 0);
	s->sel_regs = l->nregs;
	s->sel = sel;
	l->s = saved;
	l->nregs = nregs;
	l->nbools = nbools;
}

/* What the runtime needs besides the ops, as the program's static tables:
 * Retry and Catch rows, branches, successors and the state's settings. */
static void lower_tables(Lower *l, State *st, IrState *s)
{
	struct json_object *v;
	s->jsonata = st->ql == QL_JSONATA;
	lower_retry(l, st, s);
	lower_catch(l, st, s);
	for (int i = 0; i < st->nbranches; i++)
		vec_push(&s->branches, &s->nbranches, st->branches[i]->id);
	lower_succ(st, s);
	switch (st->type) {
	case ST_TASK:
		set_str(l, st, s, S_RESOURCE);
		set_value(l, st, s, S_TIMEOUT, true);
		set_str(l, st, s, S_TIMEOUT_PATH);
		set_value(l, st, s, S_HEARTBEAT, true);
		set_str(l, st, s, S_HEARTBEAT_PATH);
		break;
	case ST_MAP:
		if (st->ql == QL_JSONATA) {
			if ((v = field(st->json, "Items", NULL)))
				set(s, S_ITEMS, jconst(l, v, "Items"));
			if ((v = field(st->json, "ItemSelector", NULL)))
				set(s, S_ITEM_SELECTOR, jconst(l, v, "ItemSelector"));
		} else {
			if ((v = field(st->json, "ItemsPath", NULL)))
				set(s, S_ITEMS_PATH, ir_const(l->p, K_PATH, json_object_get(v)));
			if ((v = field(st->json, "ItemSelector", NULL)) ||
			    (v = field(st->json, "Parameters", NULL)))
				lower_selector(l, s, v);
		}
		/* literal numbers only: anything else is left to the ...Path */
		for (SettingKey k = S_MAX_CONCURRENCY; k <= S_TOL_PCT_PATH; k++)
			if ((k - S_MAX_CONCURRENCY) % 2)
				set_str(l, st, s, k);
			else if ((v = field(st->json, setting_names[k], NULL)) &&
				 aslrt_json_is_number(v))
				set(s, k, ir_const(l->p, K_JSON, json_object_get(v)));
		set_map_run(l, st, s);
		break;
	case ST_WAIT:
		set_value(l, st, s, S_SECONDS, false);
		set_value(l, st, s, S_TIMESTAMP, false);
		if ((v = field(st->json, "SecondsPath", NULL)))
			set(s, S_SECONDS_PATH, ir_const(l->p, K_PATH, json_object_get(v)));
		if ((v = field(st->json, "TimestampPath", NULL)))
			set(s, S_TIMESTAMP_PATH, ir_const(l->p, K_PATH, json_object_get(v)));
		break;
	case ST_FAIL:
		set_value(l, st, s, S_ERROR, false);
		set_value(l, st, s, S_CAUSE, false);
		set_expr(l, st, s, S_ERROR_PATH);
		set_expr(l, st, s, S_CAUSE_PATH);
		break;
	default:
		break;
	}
}

/*
 * Whether the state's entry needs none of its own tables (1) or -1: no Retry
 * (no attempts to reset), no Resource (no task token), no TimeoutSeconds or
 * HeartbeatSeconds (no state input kept for their ...Path).  The runtime then
 * enters it through aslrt_op_enter_plain, which reads no table.
 */
static int plain_entry(const IrState *s)
{
	if (s->nretry)
		return -1;
	for (int i = 0; i < s->nsettings; i++)
		switch (s->settings[i].key) {
		case S_RESOURCE:
		case S_TIMEOUT:
		case S_TIMEOUT_PATH:
		case S_HEARTBEAT:
		case S_HEARTBEAT_PATH:
			return -1;
		default:
			break;
		}
	return 1;
}

static void lower_state(Lower *l, State *st)
{
	IrState *s = &l->p->states[st->id];
	s->id = st->id;
	s->name = xstrdup(st->name);
	s->type = xstrdup(state_type_names[st->type]);
	s->scope = st->scope->id;
	l->s = s;
	lower_tables(l, st, s);
	l->nregs = 1;
	l->nbools = 0;
	Ins *in = emit(l, OP_ENTER);
	in->a = 0;
	in->b = plain_entry(s);
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

/* Does any string of the definition read the Context object at all ($$,
 * JSONata's $states but for its input, result and errorOutput)?  If none
 * does, executables read the clock at a state's entry only for a deadline
 * or a history: $$.State.EnteredTime is never shown. */
static bool reads_context(struct json_object *v)
{
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v), *p;
		if (strstr(s, "$$"))
			return true;
		for (p = s; (p = strstr(p, "$states")) != NULL; p += 7) {
			const char *q = p + 7;
			if (strncmp(q, ".input", 6) != 0 && strncmp(q, ".result", 7) != 0 &&
			    strncmp(q, ".errorOutput", 12) != 0)
				return true;
		}
		return false;
	}
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (reads_context(val))
				return true;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (reads_context(json_object_array_get_idx(v, i)))
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
	for (int i = 0; i < m->nscopes; i++) {
		Scope *sc = m->scopes[i];
		IrScope *is = &p->scopes[i];
		is->id = i;
		is->start = sc->start;
		is->nregs = 1;
		for (int j = 0; j < sc->nstates; j++)
			vec_push(&is->states, &is->nstates, sc->states[j]->id);
	}
	for (int i = 0; i < m->nstates; i++)
		lower_state(&l, m->states[i]);
	/* No "scopes" list: the runtime never read it, and parsing it cost
	 * every start-up a JSON object per scope (b5: 55 KB of heap). */
	p->meta = json_object_new_object();
	json_object_object_add(p->meta, "ctx_input",
			       json_object_new_boolean(reads_execution_input(m->json)));
	json_object_object_add(p->meta, "ctx_read",
			       json_object_new_boolean(reads_context(m->json)));
	json_object_object_add(p->meta, "timeout",
			       json_object_get(field(m->json, "TimeoutSeconds", NULL)));
	ir_cse(p);
	ir_ownership(p);
	ir_verify(p);
	return p;
}
