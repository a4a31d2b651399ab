/*
 * types.c - the shape of the data at every state of a JSONPath machine, and
 * the run-time failures that shape makes certain.
 *
 * A type is a small lattice value: unknown (top), or a union of kinds --
 * null, boolean, integer, other number, string, array(elem) and
 * object(known fields, each required or optional; open or closed).  NULL is
 * bottom: no value reaches that point.  The input is unknown, or what the
 * JSON Schema given with --input-schema says; the definition itself fixes the
 * rest: Pass Results, Parameters templates of literals and known paths,
 * intrinsic results (States.ArrayLength is an integer, States.Format a
 * string), the {} of "OutputPath": null, Parallel and Map result arrays.
 * Task results are unknown.
 *
 * The analysis is abstract interpretation over the state graph, one scope at
 * a time: a state's input is the join of what its predecessors send it
 * (Next, Choice rules narrowed by their test, Default, Catchers), iterated to
 * a fixed point; a state whose input changed too often is widened to
 * unknown, so loops terminate.  Parallel branches and Map processors are
 * scopes analysed from their owner's transfer, their outputs joined into the
 * owner's result.  Diagnostics come from a second pass over the settled
 * inputs, so each is reported once.
 *
 * Only a certain failure is an error: a definite path that cannot select
 * anything (a field of a string, a field a closed object does not have), an
 * intrinsic argument of the wrong kind, a Map over a non-array, a ResultPath
 * through a non-object.  Unknown is never an error.  Warnings instead: a
 * Choice comparison that cannot match its Variable's type, a Variable that
 * cannot resolve in a rule that may not be evaluated, a Fail state's
 * ErrorPath/CausePath (the execution fails anyway), and a ResultPath failure
 * a Catcher takes.  A Map's or Parallel's result is not taken as certain
 * where a ResultSelector reads it (linters' valid examples select fields from
 * it).  Each diagnostic carries a note where the offending value was built
 * and one naming the states that lead there.
 *
 * This file holds the lattice, JSON Schema, reporting, and what a path or an
 * intrinsic call does to a type; types_flow.c walks the state graph.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

static void *tc_alloc(Tc *tc, size_t n)
{
	void *p = xcalloc(1, n);
	vec_push(&tc->mem, &tc->nmem, p);
	return p;
}

char *tc_keep(Tc *tc, char *s)
{
	vec_push(&tc->mem, &tc->nmem, (void *)s);
	return s;
}

char *dup_n(const char *s, size_t n)
{
	char *r = xmalloc(n + 1);
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

const char *join_ptr(Tc *tc, const char *base, const char *key)
{
	return tc_keep(tc, pointer_join(base, key));
}

const char *index_ptr(Tc *tc, const char *base, int i)
{
	return tc_keep(tc, pointer_index(base, i));
}

Ty *ty_new(Tc *tc, unsigned k, const char *origin)
{
	Ty *t = tc_alloc(tc, sizeof *t);
	t->k = k;
	t->origin = origin;
	return t;
}

Ty *ty_top(Tc *tc)
{
	return tc->topty;
}

bool is_top(const Ty *t)
{
	return t && (t->k & K_TOP);
}

static Ty *ty_copy(Tc *tc, const Ty *t)
{
	Ty *c = tc_alloc(tc, sizeof *c);
	*c = *t;
	if (t->nf) {
		c->f = tc_alloc(tc, sizeof *c->f * (size_t)t->nf);
		memcpy(c->f, t->f, sizeof *c->f * (size_t)t->nf);
	}
	return c;
}

Ty *ty_array(Tc *tc, Ty *elem, const char *origin)
{
	Ty *t = ty_new(tc, K_ARR, origin);
	t->elem = elem;
	return t;
}

static Field *ty_field(const Ty *t, const char *name)
{
	for (int i = 0; i < t->nf; i++)
		if (strcmp(t->f[i].name, name) == 0)
			return &t->f[i];
	return NULL;
}

/* Add or replace a field of an object type being built (t is fresh). */
void ty_set(Tc *tc, Ty *t, const char *name, Ty *v, bool req)
{
	Field *f = ty_field(t, name);
	if (f) {
		f->ty = v;
		f->req = req;
		return;
	}
	if (t->nf >= MAX_FIELDS) {
		t->open = true;
		return;
	}
	Field *nf = tc_alloc(tc, sizeof *nf * (size_t)(t->nf + 1));
	if (t->nf)
		memcpy(nf, t->f, sizeof *nf * (size_t)t->nf);
	nf[t->nf].name = name;
	nf[t->nf].ty = v;
	nf[t->nf].req = req;
	t->f = nf;
	t->nf++;
}

static Ty *ty_join_d(Tc *tc, Ty *a, Ty *b, int depth);

/* Join of two object parts: a field both have keeps required only if both
 * require it; a field one lacks is optional, and unknown when the other side
 * is open. */
static void join_fields(Tc *tc, Ty *r, const Ty *a, const Ty *b, int depth)
{
	r->f = NULL;
	r->nf = 0;
	r->open = a->open || b->open;
	for (int i = 0; i < a->nf; i++) {
		Field *o = ty_field(b, a->f[i].name);
		if (o)
			ty_set(tc, r, a->f[i].name, ty_join_d(tc, a->f[i].ty, o->ty, depth + 1),
			       a->f[i].req && o->req);
		else
			ty_set(tc, r, a->f[i].name, b->open ? ty_top(tc) : a->f[i].ty, false);
	}
	for (int i = 0; i < b->nf; i++)
		if (!ty_field(a, b->f[i].name))
			ty_set(tc, r, b->f[i].name, a->open ? ty_top(tc) : b->f[i].ty, false);
}

static Ty *ty_join_d(Tc *tc, Ty *a, Ty *b, int depth)
{
	if (!a)
		return b;
	if (!b || a == b)
		return a;
	if (is_top(a) || is_top(b) || depth > MAX_DEPTH)
		return ty_top(tc);
	Ty *r = ty_new(tc, a->k | b->k, a->origin ? a->origin : b->origin);
	r->schema = a->origin ? a->schema : b->schema;
	if ((a->k & K_ARR) && (b->k & K_ARR))
		r->elem = ty_join_d(tc, a->elem, b->elem, depth + 1);
	else
		r->elem = (a->k & K_ARR) ? a->elem : b->elem;
	if ((a->k & K_OBJ) && (b->k & K_OBJ)) {
		join_fields(tc, r, a, b, depth);
	} else {
		const Ty *o = (a->k & K_OBJ) ? a : b;
		r->f = o->f;
		r->nf = o->nf;
		r->open = o->open;
	}
	return r;
}

Ty *ty_join(Tc *tc, Ty *a, Ty *b)
{
	return ty_join_d(tc, a, b, 0);
}

bool ty_eq(const Ty *a, const Ty *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->k != b->k)
		return false;
	if (is_top(a))
		return true;
	if ((a->k & K_ARR) && !ty_eq(a->elem, b->elem))
		return false;
	if (a->k & K_OBJ) {
		if (a->open != b->open || a->nf != b->nf)
			return false;
		for (int i = 0; i < a->nf; i++) {
			Field *o = ty_field(b, a->f[i].name);
			if (!o || o->req != a->f[i].req || !ty_eq(a->f[i].ty, o->ty))
				return false;
		}
	}
	return true;
}

/* Widen what is nested deeper than MAX_DEPTH to unknown. */
Ty *ty_cap(Tc *tc, Ty *t, int depth)
{
	if (!t || is_top(t))
		return t;
	if (depth > MAX_DEPTH)
		return ty_top(tc);
	Ty *r = NULL;
	if ((t->k & K_ARR) && t->elem) {
		Ty *e = ty_cap(tc, t->elem, depth + 1);
		if (e != t->elem) {
			r = ty_copy(tc, t);
			r->elem = e;
		}
	}
	for (int i = 0; i < t->nf; i++) {
		Ty *v = ty_cap(tc, t->f[i].ty, depth + 1);
		if (v != t->f[i].ty) {
			if (!r)
				r = ty_copy(tc, t);
			r->f[i].ty = v;
		}
	}
	return r ? r : t;
}

/* The type of a JSON value written in the definition (or schema). */
Ty *ty_literal(Tc *tc, struct json_object *v, const char *ptr, bool schema, int depth)
{
	if (depth > MAX_DEPTH)
		return ty_top(tc);
	static const unsigned scalar[] = {
	    [json_type_null] = K_NULL,	[json_type_boolean] = K_BOOL, [json_type_int] = K_INT,
	    [json_type_double] = K_FLT, [json_type_string] = K_STR,
	};
	Ty *t;
	enum json_type jt = json_object_get_type(v);
	switch (jt) {
	case json_type_null:
	case json_type_boolean:
	case json_type_int:
	case json_type_double:
	case json_type_string:
		t = ty_new(tc, scalar[jt], ptr);
		break;
	case json_type_array: {
		t = ty_new(tc, K_ARR, ptr);
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n && i < 64; i++)
			t->elem = ty_join(tc, t->elem,
					  ty_literal(tc, json_object_array_get_idx(v, i),
						     schema ? ptr : index_ptr(tc, ptr, (int)i),
						     schema, depth + 1));
		if (n > 64)
			t->elem = ty_top(tc);
		break;
	}
	default: {
		t = ty_new(tc, K_OBJ, ptr);
		json_object_object_foreach(v, key, val)
		{
			const char *name = tc_keep(tc, xstrdup(key));
			ty_set(tc, t, name,
			       ty_literal(tc, val, schema ? ptr : join_ptr(tc, ptr, key), schema,
					  depth + 1),
			       true);
		}
	}
	}
	t->schema = schema;
	return t;
}

/* "a string", "null", "a string or null" ... */
const char *kind_phrase(unsigned k, char *buf, size_t n)
{
	static const struct {
		unsigned k;
		const char *s;
	} names[] = {{K_OBJ, "an object"},  {K_ARR, "an array"},   {K_STR, "a string"},
		     {K_NUM, "a number"},   {K_INT, "an integer"}, {K_FLT, "a number"},
		     {K_BOOL, "a boolean"}, {K_NULL, "null"}};
	if (k & K_TOP)
		return "unknown";
	size_t len = 0;
	buf[0] = 0;
	int nk = !!(k & K_NUM);
	for (unsigned b = K_NULL; b <= K_OBJ; b <<= 1)
		nk += (b & K_NUM) ? 0 : !!(k & b);
	if (nk >= 5) {
		/* most kinds: say which are missing */
		len = (size_t)snprintf(buf, n, "not ");
		if (len < n)
			kind_phrase(K_ALL & ~k, buf + len, n - len);
		return buf;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((k & names[i].k) != names[i].k)
			continue;
		k &= ~names[i].k;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? " or " : "",
					names[i].s);
		if (len >= n)
			break;
	}
	return buf;
}

/* --- JSON Schema --- */

static unsigned schema_kind(const char *s)
{
	static const struct {
		const char *name;
		unsigned k;
	} kinds[] = {{"null", K_NULL},	{"boolean", K_BOOL}, {"integer", K_INT}, {"number", K_NUM},
		     {"string", K_STR}, {"array", K_ARR},    {"object", K_OBJ}};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(s, kinds[i].name) == 0)
			return kinds[i].k;
	return K_TOP;
}

struct json_object *sget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/*
 * schema = { type: T | [T...], properties: {name: schema}, required: [name],
 *            additionalProperties: false | schema, items: schema,
 *            enum: [v...], const: v, anyOf | oneOf: [schema...] }
 * Anything else ($ref, allOf, ...) is unknown.
 */
Ty *schema_ty(Tc *tc, struct json_object *s, const char *sp, int depth)
{
	if (!json_object_is_type(s, json_type_object) || depth > MAX_DEPTH)
		return ty_top(tc);
	struct json_object *v;
	if (json_object_object_get_ex(s, "$ref", NULL) ||
	    json_object_object_get_ex(s, "allOf", NULL) ||
	    json_object_object_get_ex(s, "not", NULL))
		return ty_top(tc);
	if (json_object_object_get_ex(s, "const", &v))
		return ty_literal(tc, v, sp, true, 0);
	if ((v = sget(s, "enum")) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) > 0) {
		Ty *t = NULL;
		for (size_t i = 0; i < json_object_array_length(v); i++)
			t = ty_join(tc, t,
				    ty_literal(tc, json_object_array_get_idx(v, i), sp, true, 0));
		return t;
	}
	const char *alts[] = {"anyOf", "oneOf"};
	for (int a = 0; a < 2; a++) {
		if ((v = sget(s, alts[a])) && json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0) {
			const char *ap = join_ptr(tc, sp, alts[a]);
			Ty *t = NULL;
			for (size_t i = 0; i < json_object_array_length(v); i++)
				t = ty_join(tc, t,
					    schema_ty(tc, json_object_array_get_idx(v, i),
						      index_ptr(tc, ap, (int)i), depth + 1));
			return t;
		}
	}
	unsigned k = 0;
	struct json_object *ty = sget(s, "type");
	if (json_object_is_type(ty, json_type_string)) {
		k = schema_kind(json_object_get_string(ty));
	} else if (json_object_is_type(ty, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(ty); i++) {
			struct json_object *e = json_object_array_get_idx(ty, i);
			k |= json_object_is_type(e, json_type_string)
				 ? schema_kind(json_object_get_string(e))
				 : K_TOP;
		}
	} else if (sget(s, "properties") || sget(s, "required") ||
		   json_object_object_get_ex(s, "additionalProperties", NULL)) {
		k = K_OBJ;
	} else if (sget(s, "items")) {
		k = K_ARR;
	}
	if (k == 0 || (k & K_TOP))
		return ty_top(tc);
	Ty *t = ty_new(tc, k, sp);
	t->schema = true;
	if (k & K_ARR) {
		struct json_object *it = sget(s, "items");
		if (json_object_is_type(it, json_type_array)) {
			const char *ip = join_ptr(tc, sp, "items");
			for (size_t i = 0; i < json_object_array_length(it); i++)
				t->elem = ty_join(tc, t->elem,
						  schema_ty(tc, json_object_array_get_idx(it, i),
							    index_ptr(tc, ip, (int)i), depth + 1));
			if (!t->elem || json_object_object_get_ex(s, "additionalItems", NULL))
				t->elem = ty_top(tc);
		} else {
			t->elem = it ? schema_ty(tc, it, join_ptr(tc, sp, "items"), depth + 1)
				     : ty_top(tc);
		}
	}
	if (k & K_OBJ) {
		struct json_object *props = sget(s, "properties"), *req = sget(s, "required");
		struct json_object *add = NULL;
		bool has_add = json_object_object_get_ex(s, "additionalProperties", &add);
		t->open = !(has_add && json_object_is_type(add, json_type_boolean) &&
			    !json_object_get_boolean(add)) ||
			  sget(s, "patternProperties") != NULL;
		const char *pp = join_ptr(tc, sp, "properties");
		if (json_object_is_type(props, json_type_object)) {
			json_object_object_foreach(props, key, val)
			{
				ty_set(tc, t, tc_keep(tc, xstrdup(key)),
				       schema_ty(tc, val, join_ptr(tc, pp, key), depth + 1), false);
			}
		}
		if (json_object_is_type(req, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(req); i++) {
				struct json_object *r = json_object_array_get_idx(req, i);
				if (!json_object_is_type(r, json_type_string))
					continue;
				Field *f = ty_field(t, json_object_get_string(r));
				if (f)
					f->req = true;
				else if (t->open)
					ty_set(tc, t,
					       tc_keep(tc, xstrdup(json_object_get_string(r))),
					       ty_top(tc), true);
			}
		}
	}
	return t;
}

/* --- reporting --- */

/* "A -> B -> C": the states that first led to st, outermost first. */
static void state_chain(Tc *tc, const State *st, Buf *b, int budget)
{
	const State *v[16];
	int n = 0;
	for (const State *s = st; s && n < 16 && budget-- > 0;) {
		v[n++] = s;
		int p = tc->pred[s->id];
		s = p >= 0 ? tc->m->states[p] : s->scope->owner;
	}
	if (n == 16)
		buf_puts(b, "... -> ");
	for (int i = n - 1; i >= 0; i--)
		buf_printf(b, "%s%s", v[i]->name, i ? " -> " : "");
}

void report(Tc *tc, const State *st, const char *ptr, const Why *w, DiagKind k)
{
	if (!tc->report)
		return;
	diag_at(tc->d, k, ptr, "%s", w->msg);
	const Ty *c = w->culprit;
	if (c && c->origin && c->schema)
		note_at(tc->d, NULL, "the value of %s is typed by the input schema %s at %s",
			w->what, tc->schema_name ? tc->schema_name : "", c->origin);
	else if (c && c->origin && strcmp(c->origin, ptr) != 0)
		note_at(tc->d, c->origin, "the value of %s is built here", w->what);
	Buf b = {0};
	state_chain(tc, st, &b, tc->m->nstates + 1);
	note_at(tc->d, st->ptr, "on the path %s", b.s);
	buf_free(&b);
}

__attribute__((format(printf, 3, 4))) void why_set(Why *w, const Ty *culprit, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
	w->culprit = culprit;
}

/* Put pre before and post after the message (truncating). */
void why_wrap(Why *w, const char *pre, const char *post)
{
	size_t np = strlen(pre), nm = strlen(w->msg), cap = sizeof w->msg - 1;
	if (np > cap)
		np = cap;
	if (np + nm > cap)
		nm = cap - np;
	memmove(w->msg + np, w->msg, nm);
	memcpy(w->msg, pre, np);
	w->msg[np + nm] = 0;
	strncat(w->msg, post, cap - np - nm);
}

/* --- paths --- */

/* "$.a['b c'][0]": the path up to (not including) step upto. */
static void path_prefix(const aslrt_path *p, int upto, Buf *b)
{
	buf_puts(b, "$");
	for (int i = 0; i < upto; i++) {
		const char *field;
		long index;
		switch (aslrt_path_step(p, i, &field, &index)) {
		case ASLRT_STEP_FIELD: {
			bool plain = *field != 0;
			for (const char *c = field; *c; c++)
				if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				      (*c >= '0' && *c <= '9') || *c == '_'))
					plain = false;
			if (plain)
				buf_printf(b, ".%s", field);
			else
				buf_printf(b, "['%s']", field);
			break;
		}
		case ASLRT_STEP_INDEX:
			buf_printf(b, "[%ld]", index);
			break;
		case ASLRT_STEP_OTHER:
			buf_puts(b, "[..]");
			break;
		}
	}
}

/*
 * What a path selects from t.  Only a definite path on the input can fail:
 * every field step needs an object that may have the field, every index
 * step an array (an index past the end selects null, as Jayway does).
 * Returns NULL and fills w when the path certainly selects nothing; *present
 * says whether it certainly selects something.
 */
Ty *resolve(Tc *tc, Ty *t, const aslrt_path *p, Why *w, bool *present)
{
	bool sure = true;
	if (present)
		*present = false;
	if (aslrt_path_root(p) != ASLRT_ROOT_INPUT)
		return ty_top(tc);
	if (!aslrt_path_is_definite(p))
		return ty_array(tc, ty_top(tc), NULL);
	int n = aslrt_path_nsteps(p);
	Ty *c = t;
	char kb[96];
	for (int i = 0; i < n; i++) {
		const char *field;
		long index;
		aslrt_step_kind sk = aslrt_path_step(p, i, &field, &index);
		if (is_top(c) || sk == ASLRT_STEP_OTHER)
			return ty_top(tc);
		unsigned need = sk == ASLRT_STEP_FIELD ? K_OBJ : K_ARR;
		Field *f = NULL;
		if ((c->k & need) &&
		    (sk == ASLRT_STEP_INDEX || (f = ty_field(c, field)) || c->open)) {
			if (sk == ASLRT_STEP_INDEX) {
				sure = false;
				c = ty_join(tc, c->elem, ty_new(tc, K_NULL, c->origin));
			} else if (!f) {
				return ty_top(tc);
			} else {
				sure &= f->req;
				c = f->ty;
			}
			continue;
		}
		Buf pre = {0};
		path_prefix(p, i, &pre);
		snprintf(w->what, sizeof w->what, "'%s'", pre.s);
		if (c->k & need) {
			Buf have = {0};
			for (int j = 0; j < c->nf && j < 6; j++)
				buf_printf(&have, "%s'%s'", j ? ", " : "", c->f[j].name);
			if (c->nf > 6)
				buf_puts(&have, ", ...");
			why_set(w, c, "'%s' can never resolve: '%s' has no field '%s'%s%s%s",
				aslrt_path_text(p), pre.s, field,
				(c->k & ~K_OBJ) ? " when it is an object" : "",
				c->nf ? "; its fields are " : " (it is always empty)",
				c->nf ? have.s : "");
			buf_free(&have);
		} else {
			why_set(w, c, "'%s' can never resolve: '%s' is %s, not %s",
				aslrt_path_text(p), pre.s, kind_phrase(c->k, kb, sizeof kb),
				need == K_OBJ ? "an object" : "an array");
		}
		buf_free(&pre);
		return NULL;
	}
	if (present)
		*present = sure;
	return c;
}

/* A path given as text; unknown when it does not parse (check.c said so). */
Ty *resolve_text(Tc *tc, Ty *t, const char *text, Why *w, bool *present)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse(text, why, sizeof why);
	if (!p)
		return ty_top(tc);
	Ty *r = resolve(tc, t, p, w, present);
	aslrt_path_free(p);
	return r;
}

/* Restrict the value at path p (from step i) to the kinds in mask; NULL when
 * no value of t can pass the test. */
Ty *narrow(Tc *tc, Ty *c, const aslrt_path *p, int i, unsigned mask)
{
	if (i > MAX_DEPTH && i < aslrt_path_nsteps(p))
		return c; /* too deep to be worth narrowing */
	if (i == aslrt_path_nsteps(p)) {
		if (mask == K_ALL)
			return c;
		if (is_top(c)) {
			Ty *r = ty_new(tc, mask, NULL);
			r->elem = ty_top(tc);
			r->open = true;
			return r;
		}
		if (!(c->k & mask))
			return NULL;
		if ((c->k & mask) == c->k)
			return c;
		Ty *r = ty_copy(tc, c);
		r->k &= mask;
		return r;
	}
	const char *field;
	long index;
	switch (aslrt_path_step(p, i, &field, &index)) {
	case ASLRT_STEP_FIELD: {
		Ty *o, *sub;
		if (is_top(c)) {
			o = ty_new(tc, K_OBJ, NULL);
			o->open = true;
			sub = narrow(tc, ty_top(tc), p, i + 1, mask);
		} else {
			if (!(c->k & K_OBJ))
				return NULL;
			Field *f = ty_field(c, field);
			if (!f && !c->open)
				return NULL;
			sub = narrow(tc, f ? f->ty : ty_top(tc), p, i + 1, mask);
			o = ty_copy(tc, c);
			o->k = K_OBJ;
		}
		if (!sub)
			return NULL;
		ty_set(tc, o, tc_keep(tc, xstrdup(field)), sub, true);
		return o;
	}
	case ASLRT_STEP_INDEX:
		if (is_top(c))
			return c;
		if (!(c->k & K_ARR))
			return NULL;
		if (c->k == K_ARR)
			return c;
		c = ty_copy(tc, c);
		c->k = K_ARR;
		return c;
	case ASLRT_STEP_OTHER:
		break;
	}
	return c;
}

/*
 * ResultPath: store v at the Reference Path p (from step i) inside c (NULL:
 * absent, created as an object on the way).  NULL with w filled when it
 * certainly fails (States.ResultPathMatchFailure).
 */
Ty *store(Tc *tc, Ty *c, const aslrt_path *p, int i, Ty *v, const char *origin, Why *w)
{
	int n = aslrt_path_nsteps(p);
	if (i == n)
		return v;
	if (i > MAX_DEPTH)
		return ty_top(tc);
	const char *field;
	long index;
	aslrt_step_kind sk = aslrt_path_step(p, i, &field, &index);
	char kb[96];
	if (sk == ASLRT_STEP_OTHER || (c && is_top(c) && sk == ASLRT_STEP_INDEX))
		return ty_top(tc);
	if (c && is_top(c)) {
		/* storing succeeds only into an object */
		Ty *o = ty_new(tc, K_OBJ, NULL);
		o->open = true;
		c = o;
	}
	if (sk == ASLRT_STEP_FIELD && (!c || (c->k & K_OBJ))) {
		Ty *o = c ? ty_copy(tc, c) : ty_new(tc, K_OBJ, origin);
		o->k = K_OBJ;
		Field *f = c ? ty_field(c, field) : NULL;
		Ty *sub;
		if (f && f->req)
			sub = store(tc, f->ty, p, i + 1, v, origin, w);
		else if (f || (c && c->open)) {
			Ty *a = store(tc, f ? f->ty : ty_top(tc), p, i + 1, v, origin, w);
			Ty *b = store(tc, NULL, p, i + 1, v, origin, w);
			sub = a && b ? ty_join(tc, a, b) : a ? a : b;
		} else
			sub = store(tc, NULL, p, i + 1, v, origin, w);
		if (!sub)
			return NULL;
		ty_set(tc, o, tc_keep(tc, xstrdup(field)), sub, true);
		return o;
	}
	if (sk == ASLRT_STEP_INDEX && c && (c->k & K_ARR)) {
		Ty *a = ty_copy(tc, c);
		a->k = K_ARR;
		if (c->elem) {
			Ty *e = store(tc, c->elem, p, i + 1, v, origin, w);
			if (!e)
				return NULL;
			a->elem = ty_join(tc, c->elem, e);
		}
		return a;
	}
	Buf pre = {0};
	path_prefix(p, i, &pre);
	snprintf(w->what, sizeof w->what, "'%s'", pre.s);
	if (!c)
		why_set(w, NULL,
			"ResultPath '%s' can never be applied: '%s' is missing, not an array",
			aslrt_path_text(p), pre.s);
	else
		why_set(w, c, "ResultPath '%s' can never be applied: '%s' is %s, not %s",
			aslrt_path_text(p), pre.s, kind_phrase(c->k, kb, sizeof kb),
			sk == ASLRT_STEP_FIELD ? "an object" : "an array");
	buf_free(&pre);
	return NULL;
}

/* --- intrinsic functions --- */

/* Result and argument kinds of each function, from runtime/intrinsic_fns.h. */
typedef enum {
	R_STR,
	R_TOP,
	R_ARRAY,
	R_PARTS,
	R_BOOL,
	R_INTS,
	R_ELEM,
	R_INT,
	R_SAME,
	R_OBJ,
	R_STRS
} FnResult;

enum { W_ANY = 0, W_STR = K_STR, W_NUM = K_NUM, W_ARR = K_ARR, W_OBJ = K_OBJ, W_BOOL = K_BOOL };

static const struct {
	FnResult res;
	unsigned want[3];
} intrinsics[ASLRT_FN_COUNT] = {
#define X(id, name, min, max, impl, res, a1, a2, a3)                                               \
	[ASLRT_FN_##id] = {R_##res, {W_##a1, W_##a2, W_##a3}},
#include "intrinsic_fns.h"
#undef X
};

/* The type of one intrinsic call f of the field text; NULL with w filled
 * when it certainly fails. */
static Ty *call_type(Tc *tc, const char *text, const aslrt_fn *f, Ty *in, const char *origin,
		     Why *w)
{
	int fn = aslrt_fn_id(f);
	Ty *first = NULL, *all = NULL;
	bool failed = false;
	char kb[96];
	for (int i = 0; i < aslrt_fn_nargs(f); i++) {
		const aslrt_path *path;
		const aslrt_fn *call;
		size_t at, end;
		static const unsigned literal[] = {
		    [ASLRT_FNARG_STR] = K_STR,	 [ASLRT_FNARG_INT] = K_INT,
		    [ASLRT_FNARG_DBL] = K_FLT,	 [ASLRT_FNARG_NULL] = K_NULL,
		    [ASLRT_FNARG_BOOL] = K_BOOL,
		};
		Ty *t;
		aslrt_fn_arg_kind kind = aslrt_fn_arg(f, i, &path, &call, &at, &end);
		switch (kind) {
		case ASLRT_FNARG_STR:
		case ASLRT_FNARG_INT:
		case ASLRT_FNARG_DBL:
		case ASLRT_FNARG_NULL:
		case ASLRT_FNARG_BOOL:
			t = ty_new(tc, literal[kind], origin);
			break;
		case ASLRT_FNARG_PATH:
			t = resolve(tc, in, path, w, NULL);
			break;
		case ASLRT_FNARG_CALL:
			t = call_type(tc, text, call, in, origin, w);
			break;
		default:
			unreachable();
		}
		if (!t)
			failed = true;
		if (!failed && i < 3 && intrinsics[fn].want[i] && !is_top(t) &&
		    !(t->k & intrinsics[fn].want[i])) {
			char wb[96];
			int len = (int)(end - at);
			if (text[at] == '$')
				snprintf(w->what, sizeof w->what, "'%.*s'", len, text + at);
			else
				snprintf(w->what, sizeof w->what, "argument %d", i + 1);
			why_set(w, t, "%s can never succeed: argument %d (%.*s) is %s, not %s",
				aslrt_fn_name(fn), i + 1, len, text + at,
				kind_phrase(t->k, kb, sizeof kb),
				kind_phrase(intrinsics[fn].want[i], wb, sizeof wb));
			failed = true;
		}
		if (i == 0)
			first = t;
		if (t)
			all = ty_join(tc, all, t);
	}
	if (failed)
		return NULL;
	Ty *t;
	switch (intrinsics[fn].res) {
	case R_STR:
		return ty_new(tc, K_STR, origin);
	case R_BOOL:
		return ty_new(tc, K_BOOL, origin);
	case R_INT:
		return ty_new(tc, K_INT, origin);
	case R_INTS:
		return ty_array(tc, ty_new(tc, K_INT, origin), origin);
	case R_STRS:
		return ty_array(tc, ty_new(tc, K_STR, origin), origin);
	case R_ARRAY:
		return ty_array(tc, all, origin);
	case R_OBJ:
		t = ty_new(tc, K_OBJ, origin);
		t->open = true;
		return t;
	case R_ELEM:
	case R_SAME:
	case R_PARTS: {
		Ty *e = first && !is_top(first) && (first->k & K_ARR) ? first->elem : ty_top(tc);
		if (intrinsics[fn].res == R_ELEM)
			return e ? e : ty_top(tc);
		t = ty_array(tc, e, origin);
		return intrinsics[fn].res == R_SAME ? t : ty_array(tc, t, origin);
	}
	case R_TOP:
		break;
	}
	return ty_top(tc);
}

Ty *intrinsic_type(Tc *tc, const char *text, Ty *in, const char *origin, Why *w)
{
	char why[ASLRT_ERRLEN];
	aslrt_fn *f = aslrt_fn_parse(text, why, sizeof why);
	if (!f)
		return ty_top(tc); /* check.c reported it */
	w->msg[0] = 0;
	Ty *t = call_type(tc, text, f, in, origin, w);
	aslrt_fn_free(f);
	return t;
}
