/*
 * api.c - the JSONata engine at its edges: values to and from json-c, the
 * public API of jsonata.h, and AWS's restrictions on expressions.
 */
#include "jsonata_int.h"
#include "mathlib.h"

/* ================================================================ json-c */

V *aslrt_jn_from_json(Ctx *c, struct json_object *j, bool copy)
{
	switch (json_object_get_type(j)) {
	case json_type_null:
		return VNULL;
	case json_type_boolean:
		return VBOOL(json_object_get_boolean(j));
	case json_type_int:
	case json_type_double:
		return aslrt_jn_v_num(c, aslrt_json_number(j));
	case json_type_string:
		if (copy)
			return aslrt_jn_v_strcopy(c, json_object_get_string(j),
						  (size_t)json_object_get_string_len(j));
		return aslrt_jn_v_strn(c, json_object_get_string(j),
				       (size_t)json_object_get_string_len(j));
	case json_type_array: {
		size_t n = json_object_array_length(j);
		V *r = aslrt_jn_v_arr(c, 0);
		aslrt_jn_arr_reserve(c, r, n);
		for (size_t i = 0; i < n; i++)
			aslrt_jn_arr_push(
			    c, r, aslrt_jn_from_json(c, json_object_array_get_idx(j, i), copy));
		return r;
	}
	case json_type_object: {
		V *r = aslrt_jn_v_obj(c);
		json_object_object_foreach(j, key, val)
		{
			const char *k =
			    copy ? aslrt_jn_arena_strndup(&c->ar, key, strlen(key)) : key;
			aslrt_jn_obj_set(c, r, k, aslrt_jn_from_json(c, val, copy));
		}
		return r;
	}
	}
	return VNULL;
}

static struct json_object *to_json_d(Ctx *c, V *v, int depth);

/* Does v nest more than room levels of arrays and objects, or hold more
 * than *budget values (shared subtrees counted each time, as json-c will
 * copy them)?  The recursion stops at room, so it is bounded however deep
 * v is. */
static bool too_big_for_json(V *v, int room, size_t *budget)
{
	if (*budget == 0)
		return true;
	--*budget;
	if (!v || (v->t != T_ARR && v->t != T_OBJ))
		return false;
	if (room <= 0)
		return true;
	if (v->t == T_ARR) {
		for (size_t i = 0; i < v->u.a.n; i++)
			if (too_big_for_json(v->u.a.it[i], room - 1, budget))
				return true;
	} else {
		for (size_t i = 0; i < v->u.o.n; i++)
			if (too_big_for_json(v->u.o.vals[i], room - 1, budget))
				return true;
	}
	return false;
}

/* Values leave JSONata within the runtime's one nesting limit and a bound
 * on their size, checked before any json-c node is made (an error must not
 * leave half a tree). */
static struct json_object *to_json(Ctx *c, V *v)
{
	size_t budget = 16u << 20;
	if (too_big_for_json(v, ASLRT_JSON_MAX_DEPTH, &budget)) {
		if (budget == 0)
			aslrt_jn_memory_exceeded(&c->ar);
		aslrt_jn_throw_msg(
		    c, "D1001",
		    "The result is nested deeper than the limit of " ASLRT_JSON_MAX_DEPTH_TEXT
		    " levels");
	}
	/* Nothing may throw once json-c nodes exist (the keys' copies come
	 * from the arena): the walk above bounded the size instead. */
	c->ar.limit = 0;
	return to_json_d(c, v, 0);
}

static struct json_object *to_json_d(Ctx *c, V *v, int depth)
{
	if (!v)
		return NULL;
	switch (v->t) {
	case T_NULL:
		return NULL;
	case T_BOOL:
		return json_object_new_boolean(v->u.b);
	case T_NUM: {
		double d = v->u.n;
		if (!isfinite(d))
			return json_object_new_string(isnan(d) ? "NaN"
						      : d > 0  ? "Infinity"
							       : "-Infinity");
		if (d == aslrt_floor(d) && fabs(d) < 9007199254740992.0)
			return json_object_new_int64((int64_t)d);
		return json_object_new_double(d);
	}
	case T_STR:
		return json_object_new_string_len(v->u.s.s, (int)v->u.s.len);
	case T_FN:
		return json_object_new_string("");
	case T_ARR: {
		struct json_object *a = json_object_new_array_ext((int)v->u.a.n);
		for (size_t i = 0; i < v->u.a.n; i++)
			json_object_array_add(a, to_json_d(c, v->u.a.it[i], depth + 1));
		return a;
	}
	case T_OBJ: {
		struct json_object *o = json_object_new_object();
		for (size_t i = 0; i < v->u.o.n; i++)
			if (v->u.o.vals[i])
				json_object_object_add(
				    o,
				    aslrt_jn_arena_strndup(&c->ar, v->u.o.keys[i], v->u.o.klens[i]),
				    to_json_d(c, v->u.o.vals[i], depth + 1));
		return o;
	}
	}
	return NULL;
}

/* ================================================================== API */

struct aslrt_jsonata {
	Arena ar;
	Node *root;
	Node *regexes;
};

static void free_regexes(Node *r)
{
	for (; r; r = r->next_free)
		pcre2_code_free(r->re);
}

aslrt_jsonata *aslrt_jsonata_parse(const char *expr, char *why, size_t whylen)
{
	pthread_once(&aslrt_jn_builtins_once, aslrt_jn_builtins_init);
	aslrt_jsonata *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	P *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->src = expr;
	p->len = strlen(expr);
	p->ar = &e->ar;
	aslrt_jn_error_position = -1;
	if (setjmp(p->jb)) {
		if (why && whylen)
			snprintf(why, whylen, "%s", p->msg ? p->msg : p->code);
		free(p->msg);
		free_regexes(p->regexes);
		aslrt_jn_arena_free(&e->ar);
		free(p);
		free(e);
		return NULL;
	}
	aslrt_jn_lex(p, false);
	Node *root = aslrt_jn_expression(p, 0);
	if (p->tok.kind != K_END)
		aslrt_jn_perr(p, "S0201", p->tok.pos, aslrt_jn_tok_text(p), NULL);
	root = aslrt_jn_process(p, root);
	if (root->type == N_PARENT || root->has_seeking)
		aslrt_jn_perr(p, "S0217", root->pos, NULL, NULL);
	e->root = root;
	e->regexes = p->regexes;
	free(p->msg);
	free(p);
	return e;
}

void aslrt_jsonata_free(aslrt_jsonata *e)
{
	if (!e)
		return;
	free_regexes(e->regexes);
	aslrt_jn_arena_free(&e->ar);
	free(e);
}

int aslrt_jsonata_eval_ex(const aslrt_jsonata *e, struct json_object *input,
			  struct json_object *bindings, const aslrt_jsonata_limits *limits,
			  struct json_object **out, bool *undefined, aslrt_error *err)
{
	pthread_once(&aslrt_jn_builtins_once, aslrt_jn_builtins_init);
	char base;
	Ctx *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->stack_base = &base;
	c->stack_budget = STACK_BUDGET;
	{
		/* never use more of this thread's stack than it has */
		pthread_attr_t attr;
		void *addr;
		size_t size;
		if (pthread_getattr_np(pthread_self(), &attr) == 0) {
			if (pthread_attr_getstack(&attr, &addr, &size) == 0 &&
			    (char *)addr < &base) {
				size_t left = (size_t)(&base - (char *)addr);
				c->stack_budget =
				    left > STACK_MARGIN * 2 ? left - STACK_MARGIN : left / 2;
				if (c->stack_budget > STACK_BUDGET)
					c->stack_budget = STACK_BUDGET;
			}
			pthread_attr_destroy(&attr);
		}
	}
	c->max_depth = limits && limits->max_depth > 0 ? limits->max_depth : 1000;
	c->ar.limit = EVAL_MEMORY_LIMIT;
	c->ar.over = aslrt_jn_memory_exceeded;
	if (limits && limits->time_limit_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &c->deadline);
		c->deadline.tv_sec += limits->time_limit_ms / 1000;
		c->deadline.tv_nsec += (limits->time_limit_ms % 1000) * 1000000L;
		if (c->deadline.tv_nsec >= 1000000000L) {
			c->deadline.tv_sec++;
			c->deadline.tv_nsec -= 1000000000L;
		}
		c->has_deadline = true;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	c->now_ms = (double)now.tv_sec * 1000.0 + (double)(now.tv_nsec / 1000000);
	c->rng = ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)now.tv_sec ^ (uint64_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 88172645463325252ULL;
	*out = NULL;
	*undefined = false;
	aslrt_jn_error_position = -1;
	if (setjmp(c->jb)) {
		aslrt_jn_error_position = c->pos;
		json_object_put(c->pending);
		aslrt_error_set(err, c->code, "%s", c->msg ? c->msg : c->code);
		free(c->msg);
		aslrt_jn_arena_free(&c->ar);
		free(c);
		return -1;
	}
	V *in = limits && limits->input_undefined ? NULL : aslrt_jn_from_json(c, input, false);
	Env *g = aslrt_jn_env_new(c, NULL);
	if (bindings && json_object_is_type(bindings, json_type_object)) {
		json_object_object_foreach(bindings, key, val)
		{
			aslrt_jn_env_bind(c, g, key, aslrt_jn_from_json(c, val, false));
		}
	}
	aslrt_jn_env_bind(c, g, "$", in);
	c->global = g;
	if (in && in->t == T_ARR) {
		V *w = aslrt_jn_seq1(c, in);
		w->fl |= F_OUTER;
		in = w;
	}
	V *r = aslrt_jn_eval(c, e->root, in, g);
	if (!r)
		*undefined = true;
	else
		*out = to_json(c, r);
	free(c->msg);
	aslrt_jn_arena_free(&c->ar);
	free(c);
	return 0;
}

int aslrt_jsonata_eval(const aslrt_jsonata *e, struct json_object *input,
		       struct json_object *bindings, struct json_object **out, bool *undefined,
		       aslrt_error *err)
{
	return aslrt_jsonata_eval_ex(e, input, bindings, NULL, out, undefined, err);
}

/* ===================================================== AWS's restrictions */

/* The first node that reads the input document at the top level: a field
 * name, '*', '**', '%', '$' or '$$' evaluated against the expression's own
 * context rather than inside a path's later step, a predicate or a lambda
 * body.  Step Functions gives JSONata no input document and refuses these. */
static const Node *top_level_ref(const Node *n)
{
	const Node *r = NULL;
	if (!n)
		return NULL;
	switch (n->type) {
	case N_NAME:
	case N_WILDCARD:
	case N_DESCENDANT:
	case N_PARENT:
		return n;
	case N_VARIABLE:
		return n->slen == 0 || (n->slen == 1 && n->str[0] == '$') ? n : NULL;
	case N_PATH:
		return n->items.n ? top_level_ref(n->items.v[0]) : NULL;
	case N_BINARY:
	case N_APPLY:
		return (r = top_level_ref(n->lhs)) ? r : top_level_ref(n->rhs);
	case N_NEG:
		return top_level_ref(n->expr);
	case N_BIND:
		return top_level_ref(n->rhs);
	case N_CONDITION:
		if ((r = top_level_ref(n->cond)) || (r = top_level_ref(n->then)))
			return r;
		return top_level_ref(n->els);
	case N_OBJECT:
		for (int i = 0; n->grp && i < n->grp->n && !r; i++)
			if (!(r = top_level_ref(n->grp->keys[i])))
				r = top_level_ref(n->grp->vals[i]);
		return r;
	case N_FUNCTION:
	case N_PARTIAL:
		if ((r = top_level_ref(n->proc)))
			return r;
		for (int i = 0; i < n->items.n && !r; i++)
			r = top_level_ref(n->items.v[i]);
		return r;
	case N_ARRAY:
	case N_BLOCK:
		for (int i = 0; i < n->items.n && !r; i++)
			r = top_level_ref(n->items.v[i]);
		return r;
	default:
		return NULL;
	}
}

bool aslrt_jsonata_top_level_ref(const aslrt_jsonata *e, char *name, size_t len)
{
	const Node *n = e ? top_level_ref(e->root) : NULL;
	if (!n)
		return false;
	switch (n->type) {
	case N_NAME:
		snprintf(name, len, "%.*s", (int)n->slen, n->str);
		break;
	case N_WILDCARD:
		snprintf(name, len, "*");
		break;
	case N_DESCENDANT:
		snprintf(name, len, "**");
		break;
	case N_PARENT:
		snprintf(name, len, "%%");
		break;
	default:
		snprintf(name, len, "$%.*s", (int)n->slen, n->str);
		break;
	}
	return true;
}

/* Whether the variable $name appears anywhere in n. */
static bool uses_variable(const Node *n, const char *name, size_t len)
{
	if (!n)
		return false;
	if (n->type == N_VARIABLE && n->slen == len && !memcmp(n->str, name, len))
		return true;
	const Node *kids[] = {n->lhs,  n->rhs,	n->expr,    n->cond,   n->then, n->els,
			      n->body, n->proc, n->pattern, n->update, n->del};
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		if (uses_variable(kids[i], name, len))
			return true;
	for (int i = 0; i < n->items.n; i++)
		if (uses_variable(n->items.v[i], name, len))
			return true;
	const Group *groups[] = {n->grp, n->group};
	for (int g = 0; g < 2; g++)
		for (int i = 0; groups[g] && i < groups[g]->n; i++)
			if (uses_variable(groups[g]->keys[i], name, len) ||
			    uses_variable(groups[g]->vals[i], name, len))
				return true;
	for (int i = 0; i < n->stages.n; i++)
		if (uses_variable(n->stages.v[i].expr, name, len))
			return true;
	for (int i = 0; i < n->pred.n; i++)
		if (uses_variable(n->pred.v[i].expr, name, len))
			return true;
	for (int i = 0; i < n->nterms; i++)
		if (uses_variable(n->terms[i].expr, name, len))
			return true;
	return false;
}

bool aslrt_jsonata_uses_variable(const aslrt_jsonata *e, const char *name)
{
	return e && uses_variable(e->root, name, strlen(name));
}
