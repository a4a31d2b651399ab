/*
 * types_flow.c - the walk of the type inference: payload templates, state
 * fields, the state graph iterated to a fixed point, Choice narrowing, each
 * state type's transfer, and the entry point types_check.  The lattice and
 * what paths and intrinsic calls do to a type are in types.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

/* --- payload templates --- */

static bool ends_dollar(const char *key, size_t *n)
{
	*n = strlen(key);
	return *n >= 2 && strcmp(key + *n - 2, ".$") == 0;
}

/*
 * Parameters, ResultSelector, ItemSelector: the value the template builds
 * from in -- literals as written, "key.$" fields from their path or call.
 * NULL (after reporting) when a path or call in it certainly fails.
 */
static Ty *tmpl(Tc *tc, const State *st, struct json_object *v, const char *ptr, Ty *in, int depth)
{
	if (depth > MAX_DEPTH)
		return ty_top(tc);
	bool failed = false;
	if (json_object_is_type(v, json_type_array)) {
		Ty *t = ty_array(tc, NULL, ptr);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			Ty *e = tmpl(tc, st, json_object_array_get_idx(v, i),
				     index_ptr(tc, ptr, (int)i), in, depth + 1);
			if (!e)
				failed = true;
			else
				t->elem = ty_join(tc, t->elem, e);
		}
		return failed ? NULL : t;
	}
	if (!json_object_is_type(v, json_type_object))
		return ty_literal(tc, v, ptr, false, depth);
	Ty *t = ty_new(tc, K_OBJ, ptr);
	json_object_object_foreach(v, key, val)
	{
		const char *kp = join_ptr(tc, ptr, key);
		size_t n;
		Ty *r;
		if (ends_dollar(key, &n)) {
			const char *s = json_object_is_type(val, json_type_string)
					    ? json_object_get_string(val)
					    : NULL;
			Why w = {0};
			if (!s)
				r = ty_top(tc);
			else if (s[0] == '$')
				r = resolve_text(tc, in, s, &w, NULL);
			else
				r = intrinsic_type(tc, s, in, kp, &w);
			if (!r) {
				report(tc, st, kp, &w, DIAG_ERROR);
				failed = true;
				continue;
			}
			ty_set(tc, t, tc_keep(tc, dup_n(key, n - 2)), r, true);
		} else {
			r = tmpl(tc, st, val, kp, in, depth + 1);
			if (!r)
				failed = true;
			else
				ty_set(tc, t, tc_keep(tc, xstrdup(key)), r, true);
		}
	}
	return failed ? NULL : t;
}

/* --- state fields --- */

static bool field(const State *st, const char *key, struct json_object **v)
{
	*v = NULL;
	return json_object_is_type(st->json, json_type_object) &&
	       json_object_object_get_ex(st->json, key, v);
}

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v = sget(o, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static QueryLang state_ql(const Tc *tc, const State *st)
{
	const char *q = str_field(st->json, "QueryLanguage");
	if (q)
		return strcmp(q, "JSONata") == 0 ? QL_JSONATA : QL_JSONPATH;
	return tc->top;
}

/* InputPath / OutputPath: a Path, or null for {}. */
static Ty *io_path(Tc *tc, const State *st, const char *key, Ty *t)
{
	struct json_object *v;
	if (!t || !field(st, key, &v))
		return t;
	const char *ptr = join_ptr(tc, st->ptr, key);
	if (!v)
		return ty_new(tc, K_OBJ, ptr);
	if (!json_object_is_type(v, json_type_string))
		return ty_top(tc);
	Why w = {0};
	Ty *r = resolve_text(tc, t, json_object_get_string(v), &w, NULL);
	if (!r) {
		report(tc, st, ptr, &w, DIAG_ERROR);
		tc->failed = true;
	}
	return r;
}

/* Whether a Catcher of st catches the error name. */
static bool catches(const State *st, const char *name)
{
	struct json_object *c;
	if (!field(st, "Catch", &c) || !json_object_is_type(c, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(c); i++) {
		struct json_object *e = sget(json_object_array_get_idx(c, i), "ErrorEquals");
		for (size_t j = 0;
		     json_object_is_type(e, json_type_array) && j < json_object_array_length(e);
		     j++) {
			const char *s = json_object_get_string(json_object_array_get_idx(e, j));
			if (s && (!strcmp(s, "States.ALL") || !strcmp(s, name)))
				return true;
		}
	}
	return false;
}

/* ResultPath of o (a state or a Catcher at ptr): where result goes in input. */
static Ty *result_path(Tc *tc, const State *st, struct json_object *o, const char *ptr, Ty *input,
		       Ty *result)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, "ResultPath", &v))
		return result;
	if (!v)
		return input;
	char why[ASLRT_ERRLEN];
	aslrt_path *p = json_object_is_type(v, json_type_string)
			    ? aslrt_path_parse(json_object_get_string(v), why, sizeof why)
			    : NULL;
	if (!p)
		return ty_top(tc);
	const char *rp = join_ptr(tc, ptr, "ResultPath");
	Why w = {0};
	Ty *r = aslrt_path_root(p) == ASLRT_ROOT_INPUT ? store(tc, input, p, 0, result, rp, &w)
						       : ty_top(tc);
	aslrt_path_free(p);
	if (!r) {
		bool caught = o == st->json && catches(st, "States.ResultPathMatchFailure");
		if (caught)
			why_wrap(&w, "", " (a Catcher takes the States.ResultPathMatchFailure)");
		report(tc, st, rp, &w, caught ? DIAG_WARNING : DIAG_ERROR);
		tc->failed = true;
	}
	return r;
}

/* --- the graph --- */

static void flow_to(Tc *tc, const State *from, int id, Ty *t)
{
	if (tc->report || !t || id < 0)
		return;
	t = ty_cap(tc, t, 0);
	Ty *old = tc->in[id], *nw = ty_join(tc, old, t);
	if (old && ty_eq(old, nw))
		return;
	if (!old)
		tc->pred[id] = from ? from->id : -1;
	if (++tc->visits[id] > MAX_VISITS)
		nw = ty_top(tc);
	tc->in[id] = nw;
	tc->dirty[id] = true;
}

static void flow(Tc *tc, const State *from, const char *next, Ty *t)
{
	if (next)
		flow_to(tc, from, scope_find(from->scope, next), t);
}

/* A state's output leaves by Next, or ends its scope. */
static void leave(Tc *tc, const State *st, Ty *out)
{
	if (!out || tc->failed || tc->report)
		return;
	if (st->end || st->type == ST_SUCCEED)
		tc->out[st->scope->id] = ty_join(tc, tc->out[st->scope->id], ty_cap(tc, out, 0));
	else
		flow(tc, st, str_field(st->json, "Next"), out);
}

static void transfer(Tc *tc, State *st);

static void analyze_scope(Tc *tc, Scope *sc, Ty *input)
{
	if (sc->start < 0)
		return;
	bool failed = tc->failed;
	flow_to(tc, NULL, sc->start, input);
	for (bool any = true; any;) {
		any = false;
		for (int i = 0; i < sc->nstates; i++) {
			State *s = sc->states[i];
			if (tc->dirty[s->id]) {
				tc->dirty[s->id] = false;
				transfer(tc, s);
				any = true;
			}
		}
	}
	tc->failed = failed;
}

/* Catchers: the state's raw input, with the error output at their ResultPath. */
static void catchers(Tc *tc, const State *st, Ty *in)
{
	struct json_object *c;
	if (!field(st, "Catch", &c) || !json_object_is_type(c, json_type_array))
		return;
	const char *cp = join_ptr(tc, st->ptr, "Catch");
	bool failed = tc->failed;
	for (size_t i = 0; i < json_object_array_length(c); i++) {
		struct json_object *k = json_object_array_get_idx(c, i);
		const char *kp = index_ptr(tc, cp, (int)i);
		Ty *e = ty_new(tc, K_OBJ, kp);
		ty_set(tc, e, "Error", ty_new(tc, K_STR, kp), true);
		ty_set(tc, e, "Cause", ty_new(tc, K_STR, kp), false);
		tc->failed = false;
		Ty *out = state_ql(tc, st) == QL_JSONPATH ? result_path(tc, st, k, kp, in, e)
							  : ty_top(tc);
		if (!tc->failed)
			flow(tc, st, str_field(k, "Next"), out);
	}
	tc->failed = failed;
}

/* ResultSelector, ResultPath, OutputPath, then out. */
static void finish(Tc *tc, const State *st, Ty *in, Ty *result)
{
	struct json_object *rs;
	if (!result || tc->failed)
		return;
	/* Linters and AWS's own examples select fields from a Map's or a
	 * Parallel's result as if it were an object: neither the shape the
	 * selector sees nor the one it builds is taken as certain there. */
	if (field(st, "ResultSelector", &rs) && json_object_is_type(rs, json_type_object)) {
		result = tmpl(tc, st, rs, join_ptr(tc, st->ptr, "ResultSelector"),
			      st->type == ST_TASK ? result : ty_top(tc), 0);
		if (result && st->type != ST_TASK)
			result = ty_top(tc);
	}
	if (!result) {
		tc->failed = true;
		return;
	}
	Ty *out = result_path(tc, st, st->json, st->ptr, in, result);
	leave(tc, st, io_path(tc, st, "OutputPath", out));
}

/* InputPath, then Parameters: what a state works on. */
static Ty *effective(Tc *tc, State *st, Ty *in)
{
	Ty *eff = io_path(tc, st, "InputPath", in);
	struct json_object *p;
	if (eff && st->type != ST_MAP && field(st, "Parameters", &p)) {
		eff = tmpl(tc, st, p, join_ptr(tc, st->ptr, "Parameters"), eff, 0);
		if (!eff)
			tc->failed = true;
	}
	return eff;
}

/* --- Choice --- */

/* The kinds for which a comparison can be true. */
static unsigned cmp_kinds(aslrt_cmp c)
{
	switch (c) {
	case ASLRT_CMP_IsNull:
		return K_NULL;
	case ASLRT_CMP_IsNumeric:
		return K_NUM;
	case ASLRT_CMP_IsString:
	case ASLRT_CMP_IsTimestamp:
		return K_STR;
	case ASLRT_CMP_IsBoolean:
		return K_BOOL;
	case ASLRT_CMP_IsPresent:
		return K_ALL;
	default:
		break;
	}
	switch (aslrt_cmp_operands[c]) {
	case ASLRT_OPND_STR:
	case ASLRT_OPND_TS:
	case ASLRT_OPND_PAT:
		return K_STR;
	case ASLRT_OPND_NUM:
		return K_NUM;
	case ASLRT_OPND_BOOL:
		return K_BOOL;
	case ASLRT_OPND_PATH:
		return cmp_kinds(aslrt_cmp_base(c));
	case ASLRT_OPND_IS:
		break;
	}
	return K_ALL;
}

static Ty *rule(Tc *tc, const State *st, struct json_object *r, const char *ptr, Ty *t, bool pos,
		bool first);

/*
 * data-test = { "Variable": Path, op: operand }: the input given the test is
 * pos (NULL: it cannot be).  first: the test is evaluated whenever the state
 * runs, so a Variable that cannot resolve is a certain failure.
 */
static Ty *data_test(Tc *tc, const State *st, struct json_object *r, const char *ptr, Ty *t,
		     bool pos, bool first)
{
	const char *op = NULL, *var = str_field(r, "Variable");
	json_object_object_foreach(r, key, kv)
	{
		(void)kv;
		if (aslrt_cmp_lookup(key) >= 0)
			op = key;
	}
	char why[ASLRT_ERRLEN], kb[96];
	aslrt_path *p = op && var ? aslrt_path_parse(var, why, sizeof why) : NULL;
	if (!p || aslrt_path_root(p) != ASLRT_ROOT_INPUT) {
		aslrt_path_free(p);
		return t;
	}
	aslrt_cmp c = (aslrt_cmp)aslrt_cmp_lookup(op);
	struct json_object *opv = sget(r, op);
	bool is = aslrt_cmp_operands[c] == ASLRT_OPND_IS;
	bool b = !is || json_object_get_boolean(opv);
	const char *opptr = join_ptr(tc, ptr, op);
	Why w = {0};
	bool present;
	Ty *val = resolve(tc, t, p, &w, &present), *res = t;
	if (!val && c == ASLRT_CMP_IsPresent) {
		if (b) {
			why_wrap(&w, "'IsPresent': true can never match: ", "");
			report(tc, st, opptr, &w, DIAG_WARNING);
		}
		res = b == pos ? NULL : t;
		goto out;
	}
	if (!val) {
		why_wrap(&w, "", first ? "" : "; evaluating this Choice rule fails the execution");
		report(tc, st, join_ptr(tc, ptr, "Variable"), &w,
		       first ? DIAG_ERROR : DIAG_WARNING);
		if (first)
			tc->failed = true;
		res = NULL;
		goto out;
	}
	if (aslrt_cmp_operands[c] == ASLRT_OPND_PATH) {
		Why ow = {0};
		if (!resolve_text(tc, t, json_object_get_string(opv), &ow, NULL)) {
			why_wrap(&ow, "",
				 first ? "" : "; evaluating this Choice rule fails the execution");
			report(tc, st, opptr, &ow, first ? DIAG_ERROR : DIAG_WARNING);
			if (first)
				tc->failed = true;
			res = NULL;
			goto out;
		}
	}
	snprintf(w.what, sizeof w.what, "'%s'", var);
	unsigned kinds = cmp_kinds(c);
	if (c == ASLRT_CMP_IsPresent) {
		if (!b && present) {
			why_set(&w, NULL,
				"'IsPresent': false can never match: '%s' is always present", var);
			report(tc, st, opptr, &w, DIAG_WARNING);
		}
		res = b == pos ? narrow(tc, t, p, 0, K_ALL) : b ? t : NULL;
		goto out;
	}
	/* the kinds for which the rule is true, and false */
	unsigned yes = b ? kinds : K_ALL & ~kinds, no = b ? K_ALL & ~kinds : kinds;
	if ((!is || c == ASLRT_CMP_IsTimestamp) && b)
		no = K_ALL;
	else if (c == ASLRT_CMP_IsTimestamp)
		yes = K_ALL;
	if (!is_top(val) && !(val->k & yes)) {
		why_set(&w, val, "'%s' can never match: '%s' is %s here", op, var,
			kind_phrase(val->k, kb, sizeof kb));
		report(tc, st, opptr, &w, DIAG_WARNING);
		res = pos ? NULL : narrow(tc, t, p, 0, no);
		goto out;
	}
	if (!is_top(val) && !(val->k & no)) {
		res = pos ? narrow(tc, t, p, 0, yes) : NULL;
		goto out;
	}
	res = narrow(tc, t, p, 0, pos ? yes : no);
out:
	aslrt_path_free(p);
	return res;
}

static Ty *rule(Tc *tc, const State *st, struct json_object *r, const char *ptr, Ty *t, bool pos,
		bool first)
{
	struct json_object *v;
	if (!t || !json_object_is_type(r, json_type_object))
		return t;
	if (json_object_object_get_ex(r, "Not", &v))
		return rule(tc, st, v, join_ptr(tc, ptr, "Not"), t, !pos, first);
	bool and = json_object_object_get_ex(r, "And", &v);
	if (!and&&!json_object_object_get_ex(r, "Or", &v))
		return data_test(tc, st, r, ptr, t, pos, first);
	if (!json_object_is_type(v, json_type_array))
		return t;
	const char *lp = join_ptr(tc, ptr, and? "And" : "Or");
	size_t n = json_object_array_length(v);
	/* And true, Or false: every operand evaluated in turn, each narrowing the next */
	if (and == pos) {
		Ty *cur = t;
		for (size_t i = 0; i < n && cur; i++)
			cur = rule(tc, st, json_object_array_get_idx(v, i),
				   index_ptr(tc, lp, (int)i), cur, pos, first && i == 0);
		return cur;
	}
	/* And false, Or true: one operand decides */
	Ty *any = NULL, *cur = t;
	for (size_t i = 0; i < n && cur; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *ep = index_ptr(tc, lp, (int)i);
		any = ty_join(tc, any, rule(tc, st, e, ep, cur, pos, first && i == 0));
		bool report = tc->report;
		tc->report = false; /* reported once above */
		cur = rule(tc, st, e, ep, cur, !pos, false);
		tc->report = report;
	}
	return any;
}

static void choice(Tc *tc, State *st, Ty *in)
{
	Ty *eff = io_path(tc, st, "InputPath", in);
	if (!eff || !io_path(tc, st, "OutputPath", eff))
		return;
	struct json_object *cs, *d;
	bool report = tc->report;
	if (field(st, "Choices", &cs) && json_object_is_type(cs, json_type_array)) {
		const char *cp = join_ptr(tc, st->ptr, "Choices");
		Ty *rest = eff;
		for (size_t i = 0; i < json_object_array_length(cs) && rest; i++) {
			struct json_object *r = json_object_array_get_idx(cs, i);
			const char *rp = index_ptr(tc, cp, (int)i);
			Ty *t = rule(tc, st, r, rp, rest, true, i == 0);
			if (tc->failed)
				return;
			tc->report = false;
			flow(tc, st, str_field(r, "Next"), io_path(tc, st, "OutputPath", t));
			/* the next rule sees only inputs this one did not take */
			rest = rule(tc, st, r, rp, rest, false, false);
			tc->failed = false;
			tc->report = report;
		}
		if (field(st, "Default", &d) && rest) {
			tc->report = false;
			flow(tc, st, str_field(st->json, "Default"),
			     io_path(tc, st, "OutputPath", rest));
			tc->report = report;
		}
	}
}

/* --- states --- */

/* A JSONata state: nothing known about what it sends on. */
static void transfer_jsonata(Tc *tc, State *st)
{
	Ty *top = ty_top(tc);
	struct json_object *cs;
	flow(tc, st, str_field(st->json, "Next"), top);
	flow(tc, st, str_field(st->json, "Default"), top);
	if (field(st, "Choices", &cs) && json_object_is_type(cs, json_type_array))
		for (size_t i = 0; i < json_object_array_length(cs); i++)
			flow(tc, st, str_field(json_object_array_get_idx(cs, i), "Next"), top);
	catchers(tc, st, top);
	for (int i = 0; i < st->nbranches && !tc->report; i++)
		analyze_scope(tc, st->branches[i], top);
	if (st->end || st->type == ST_SUCCEED)
		leave(tc, st, top);
}

static void wait_path(Tc *tc, State *st, Ty *eff, const char *key, unsigned kinds, const char *what)
{
	struct json_object *v;
	if (!field(st, key, &v) || !json_object_is_type(v, json_type_string))
		return;
	const char *ptr = join_ptr(tc, st->ptr, key);
	Why w = {0};
	Ty *t = resolve_text(tc, eff, json_object_get_string(v), &w, NULL);
	char kb[96];
	if (t && !is_top(t) && !(t->k & kinds)) {
		snprintf(w.what, sizeof w.what, "'%s'", json_object_get_string(v));
		why_set(&w, t, "%s '%s' is %s here, not %s", key, json_object_get_string(v),
			kind_phrase(t->k, kb, sizeof kb), what);
		t = NULL;
	}
	if (!t) {
		report(tc, st, ptr, &w, DIAG_ERROR);
		tc->failed = true;
	}
}

static void fail_path(Tc *tc, State *st, Ty *in, const char *key)
{
	struct json_object *v;
	if (!field(st, key, &v) || !json_object_is_type(v, json_type_string))
		return;
	const char *s = json_object_get_string(v), *ptr = join_ptr(tc, st->ptr, key);
	Why w = {0};
	Ty *t =
	    s[0] == '$' ? resolve_text(tc, in, s, &w, NULL) : intrinsic_type(tc, s, in, ptr, &w);
	if (!t) {
		why_wrap(&w, "",
			 key[0] == 'E' ? "; the execution fails with States.Runtime, not "
					 "the Error meant here"
				       : "; the execution fails with States.Runtime instead");
		report(tc, st, ptr, &w, DIAG_WARNING);
	}
}

static bool tolerates(State *st)
{
	static const char *const keys[] = {"ToleratedFailurePercentage", "ToleratedFailureCount",
					   "ToleratedFailurePercentagePath",
					   "ToleratedFailureCountPath"};
	struct json_object *v;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (field(st, keys[i], &v))
			return true;
	return false;
}

/* Map: each item of ItemsPath (an array) through the ItemProcessor. */
static void map_state(Tc *tc, State *st, Ty *in)
{
	Ty *eff = effective(tc, st, in), *iter = NULL, *result;
	struct json_object *v, *sel = NULL;
	if (!eff)
		return;
	bool reader = field(st, "ItemReader", &v), batch = field(st, "ItemBatcher", &v);
	bool writer = field(st, "ResultWriter", &v);
	if (!field(st, "ItemSelector", &sel))
		field(st, "Parameters", &sel);
	bool empty = false;
	if (reader) {
		iter = ty_top(tc);
	} else {
		const char *ip = str_field(st->json, "ItemsPath");
		const char *ptr = ip ? join_ptr(tc, st->ptr, "ItemsPath") : st->ptr;
		Why w = {0};
		Ty *items = ip ? resolve_text(tc, eff, ip, &w, NULL) : eff;
		char kb[96];
		if (items && !is_top(items) && !(items->k & K_ARR)) {
			snprintf(w.what, sizeof w.what, "'%s'", ip ? ip : "$");
			why_set(
			    &w, items,
			    "the Map state can never run: its items, '%s', are %s, not an array",
			    ip ? ip : "$", kind_phrase(items->k, kb, sizeof kb));
			items = NULL;
		}
		if (!items) {
			report(tc, st, ptr, &w, DIAG_ERROR);
			tc->failed = true;
			return;
		}
		Ty *elem = is_top(items) ? ty_top(tc) : items->elem;
		empty = !elem;
		if (empty)
			iter = NULL;
		else if (batch)
			iter = ty_top(tc);
		else if (sel)
			iter = tmpl(
			    tc, st, sel,
			    join_ptr(tc, st->ptr,
				     field(st, "ItemSelector", &v) ? "ItemSelector" : "Parameters"),
			    eff, 0);
		else
			iter = elem;
		if (!iter && !empty) {
			tc->failed = true;
			return;
		}
	}
	if (iter && !tc->report)
		for (int i = 0; i < st->nbranches; i++)
			analyze_scope(tc, st->branches[i], iter);
	Ty *pout = st->nbranches ? tc->out[st->branches[0]->id] : ty_top(tc);
	if (writer)
		result = ty_top(tc);
	else if (empty)
		result = ty_array(tc, NULL, st->ptr);
	else if (!pout)
		result = tolerates(st) || reader ? ty_array(tc, ty_top(tc), st->ptr) : NULL;
	else
		result = ty_array(tc, pout, st->ptr);
	if (!result)
		return;
	finish(tc, st, in, result);
}

static void parallel_state(Tc *tc, State *st, Ty *in)
{
	Ty *eff = effective(tc, st, in), *elems = NULL;
	if (!eff)
		return;
	bool all = true;
	for (int i = 0; i < st->nbranches; i++) {
		if (!tc->report)
			analyze_scope(tc, st->branches[i], eff);
		Ty *o = tc->out[st->branches[i]->id];
		all &= o != NULL;
		elems = ty_join(tc, elems, o);
	}
	if (all)
		finish(tc, st, in, ty_array(tc, elems, st->ptr));
}

static void transfer(Tc *tc, State *st)
{
	Ty *in = tc->in[st->id], *eff;
	struct json_object *v;
	if (!in)
		return;
	tc->failed = false;
	if (state_ql(tc, st) != QL_JSONPATH) {
		transfer_jsonata(tc, st);
		return;
	}
	switch (st->type) {
	case ST_PASS:
		eff = effective(tc, st, in);
		if (eff && field(st, "Result", &v))
			eff = ty_literal(tc, v, join_ptr(tc, st->ptr, "Result"), false, 0);
		finish(tc, st, in, eff);
		break;
	case ST_TASK:
		if (effective(tc, st, in))
			finish(tc, st, in, ty_top(tc));
		tc->failed = false;
		catchers(tc, st, in);
		break;
	case ST_PARALLEL:
		parallel_state(tc, st, in);
		tc->failed = false;
		catchers(tc, st, in);
		break;
	case ST_MAP:
		map_state(tc, st, in);
		tc->failed = false;
		catchers(tc, st, in);
		break;
	case ST_CHOICE:
		choice(tc, st, in);
		break;
	case ST_WAIT:
		eff = io_path(tc, st, "InputPath", in);
		if (eff) {
			wait_path(tc, st, eff, "SecondsPath", K_INT, "a non-negative integer");
			wait_path(tc, st, eff, "TimestampPath", K_STR, "a timestamp string");
		}
		if (eff && !tc->failed)
			leave(tc, st, io_path(tc, st, "OutputPath", eff));
		break;
	case ST_SUCCEED:
		leave(tc, st, io_path(tc, st, "OutputPath", io_path(tc, st, "InputPath", in)));
		break;
	case ST_FAIL:
		fail_path(tc, st, in, "ErrorPath");
		fail_path(tc, st, in, "CausePath");
		break;
	case ST_UNKNOWN:
		break;
	}
}

/* --- the entry point --- */

static Ty *load_schema(Tc *tc, const char *path)
{
	Source *s = source_read(path);
	if (!s) {
		diag_at_offset(tc->d, DIAG_ERROR, -1, NULL, "cannot read the input schema %s: %s",
			       path, strerror(errno));
		return NULL;
	}
	struct json_object *j = NULL;
	char why[ASLRT_ERRLEN];
	Ty *t = NULL;
	if (aslrt_json_parse(s->text, s->len, &j, why, sizeof why) != 0)
		diag_at_offset(tc->d, DIAG_ERROR, -1, NULL, "the input schema %s is not JSON: %s",
			       path, why);
	else if (!json_object_is_type(j, json_type_object) &&
		 !json_object_is_type(j, json_type_boolean))
		diag_at_offset(tc->d, DIAG_ERROR, -1, NULL,
			       "the input schema %s must be a JSON Schema object", path);
	else
		t = schema_ty(tc, j, "#", 0);
	json_object_put(j);
	source_free(s);
	return t;
}

int types_check(Diag *d, struct json_object *def, const CheckOpts *o)
{
	int before = d->nerrors;
	Diag quiet = {0};
	quiet.quiet = true;
	Machine *m = model_build(&quiet, def);
	if (!m)
		return 0;
	Tc tc = {0};
	tc.d = d;
	tc.m = m;
	const char *q = str_field(def, "QueryLanguage");
	tc.top = q && strcmp(q, "JSONata") == 0 ? QL_JSONATA : QL_JSONPATH;
	tc.topty = ty_new(&tc, K_TOP, NULL);
	Ty *input = tc.topty;
	if (o && o->input_schema) {
		tc.schema_name = o->input_schema;
		input = load_schema(&tc, o->input_schema);
	}
	if (input && m->nscopes > 0) {
		size_t n = (size_t)m->nstates + 1;
		tc.in = xcalloc(n, sizeof *tc.in);
		tc.pred = xcalloc(n, sizeof *tc.pred);
		tc.visits = xcalloc(n, sizeof *tc.visits);
		tc.dirty = xcalloc(n, sizeof *tc.dirty);
		tc.out = xcalloc((size_t)m->nscopes, sizeof *tc.out);
		analyze_scope(&tc, m->scopes[0], input);
		tc.report = true;
		for (int i = 0; i < m->nstates; i++)
			transfer(&tc, m->states[i]);
		free(tc.in);
		free(tc.pred);
		free(tc.visits);
		free(tc.dirty);
		free(tc.out);
	}
	for (int i = 0; i < tc.nmem; i++)
		free(tc.mem[i]);
	free(tc.mem);
	model_free(m);
	return d->nerrors - before;
}
