/*
 * eval.c - the JSONata tree-walking evaluator: environments, paths, sorting,
 * grouping, signature validation and function calls (lambdas, partials,
 * built-ins, regexes, transforms).
 */
#include "jsonata_int.h"
#include "mathlib.h"

/* ============================================================ evaluator */

Env *aslrt_jn_env_new(Ctx *c, Env *parent)
{
	Env *e = aslrt_jn_arena_zalloc(&c->ar, sizeof *e);
	e->parent = parent;
	return e;
}

void aslrt_jn_env_bind(Ctx *c, Env *e, const char *name, V *v)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0) {
			e->vals[i] = v;
			return;
		}
	if (e->n == e->cap) {
		int cap = e->cap ? e->cap * 2 : 4;
		const char **nn = aslrt_jn_arena_alloc_raw(&c->ar, (size_t)cap * sizeof(char *));
		V **nv = aslrt_jn_arena_alloc_raw(&c->ar, (size_t)cap * sizeof(V *));
		if (e->n) {
			memcpy(nn, e->names, (size_t)e->n * sizeof(char *));
			memcpy(nv, e->vals, (size_t)e->n * sizeof(V *));
		}
		e->names = nn;
		e->vals = nv;
		e->cap = cap;
	}
	e->names[e->n] = name;
	e->vals[e->n++] = v;
}

static V *env_lookup(Ctx *c, Env *e, const char *name, bool *found)
{
	for (; e; e = e->parent)
		for (int i = 0; i < e->n; i++)
			if (strcmp(e->names[i], name) == 0) {
				if (found)
					*found = true;
				return e->vals[i];
			}
	const Builtin *b = aslrt_jn_builtin_find(name);
	if (found)
		*found = b != NULL;
	if (!b)
		return NULL;
	Fn *f = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
	f->kind = FN_BUILTIN;
	f->bi = b;
	f->sig = aslrt_jn_builtin_sig(b);
	return aslrt_jn_v_fn(c, f);
}

V *aslrt_jn_seq1(Ctx *c, V *x)
{
	V *s = v_seq(c);
	aslrt_jn_arr_push(c, s, x);
	return s;
}

V *aslrt_jn_lookup_field(Ctx *c, V *input, const char *k, size_t kl)
{
	if (!input)
		return NULL;
	if (input->t == T_ARR) {
		V *r = v_seq(c);
		for (size_t i = 0; i < input->u.a.n; i++) {
			V *res = aslrt_jn_lookup_field(c, input->u.a.it[i], k, kl);
			if (!res)
				continue;
			if (res->t == T_ARR)
				for (size_t j = 0; j < res->u.a.n; j++)
					aslrt_jn_arr_push(c, r, res->u.a.it[j]);
			else
				aslrt_jn_arr_push(c, r, res);
		}
		return r;
	}
	if (input->t == T_OBJ)
		return aslrt_jn_obj_get(input, k, kl, NULL);
	return NULL;
}

static Env *frame_from_tuple(Ctx *c, Env *env, V *tuple)
{
	Env *f = aslrt_jn_env_new(c, env);
	if (tuple && tuple->t == T_OBJ)
		for (size_t i = 0; i < tuple->u.o.n; i++)
			aslrt_jn_env_bind(c, f, tuple->u.o.keys[i], tuple->u.o.vals[i]);
	return f;
}

static V *tget(V *tuple, const char *k)
{
	return tuple && tuple->t == T_OBJ ? aslrt_jn_obj_get(tuple, k, strlen(k), NULL) : NULL;
}

static V *obj_copy(Ctx *c, V *o)
{
	V *r = aslrt_jn_v_obj(c);
	for (size_t i = 0; i < o->u.o.n; i++)
		aslrt_jn_obj_setn(c, r, o->u.o.keys[i], o->u.o.klens[i], o->u.o.vals[i]);
	return r;
}

/* fn.append: a new plain array of both (arrays spliced), or one of them. */
V *aslrt_jn_v_append(Ctx *c, V *a, V *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	V *r = aslrt_jn_v_arr(c, 0);
	size_t na = a->t == T_ARR ? a->u.a.n : 1, nb = b->t == T_ARR ? b->u.a.n : 1;
	aslrt_jn_arr_reserve(c, r, na + nb);
	if (a->t == T_ARR)
		for (size_t i = 0; i < a->u.a.n; i++)
			aslrt_jn_arr_push(c, r, a->u.a.it[i]);
	else
		aslrt_jn_arr_push(c, r, a);
	if (b->t == T_ARR)
		for (size_t i = 0; i < b->u.a.n; i++)
			aslrt_jn_arr_push(c, r, b->u.a.it[i]);
	else
		aslrt_jn_arr_push(c, r, b);
	return r;
}

bool aslrt_jn_is_array_of(V *v, int t)
{
	if (!v || v->t != T_ARR)
		return false;
	for (size_t i = 0; i < v->u.a.n; i++)
		if (!v->u.a.it[i] || v->u.a.it[i]->t != t)
			return false;
	return true;
}

static V *eval_filter(Ctx *c, const Node *pred, V *input, Env *env)
{
	V *results = v_seq(c);
	if (input && input->t == T_ARR && (input->fl & F_TUPLE))
		results->fl |= F_TUPLE;
	if (!input || input->t != T_ARR)
		input = aslrt_jn_seq1(c, input);
	long n = (long)input->u.a.n;
	if (pred->type == N_NUMBER) {
		long idx = (long)aslrt_floor(pred->num);
		if (idx < 0)
			idx += n;
		if (idx >= 0 && idx < n) {
			V *item = input->u.a.it[idx];
			if (item) {
				if (item->t == T_ARR)
					results = item;
				else
					aslrt_jn_arr_push(c, results, item);
			}
		}
		return results;
	}
	for (long index = 0; index < n; index++) {
		V *item = input->u.a.it[index], *ctx = item;
		Env *e = env;
		if (input->fl & F_TUPLE) {
			ctx = tget(item, "@");
			e = frame_from_tuple(c, env, item);
		}
		V *res = aslrt_jn_eval(c, pred, ctx, e);
		if (res && res->t == T_NUM && aslrt_jn_is_num(c, res))
			res = aslrt_jn_seq1(c, res);
		if (aslrt_jn_is_array_of(res, T_NUM)) {
			for (size_t k = 0; k < res->u.a.n; k++) {
				long ii = (long)aslrt_floor(res->u.a.it[k]->u.n);
				if (ii < 0)
					ii += n;
				if (ii == index)
					aslrt_jn_arr_push(c, results, item);
			}
		} else if (aslrt_jn_fn_boolean(c, res, NULL)) {
			aslrt_jn_arr_push(c, results, item);
		}
	}
	return results;
}

static V *eval_stages(Ctx *c, const StVec *stages, V *result, Env *env)
{
	for (int s = 0; s < stages->n; s++) {
		const Stage *st = &stages->v[s];
		if (st->type == 0)
			result = eval_filter(c, st->expr, result, env);
		else if (result && result->t == T_ARR)
			for (size_t e = 0; e < result->u.a.n; e++)
				if (result->u.a.it[e] && result->u.a.it[e]->t == T_OBJ)
					aslrt_jn_obj_set(c, result->u.a.it[e], st->var,
							 aslrt_jn_v_num(c, (double)e));
	}
	return result;
}

/* ---- sorting (stable merge sort; swap when gt(a, b)) */

static void msort_rec(Ctx *c, V **a, V **tmp, size_t n, GtFn gt, void *ud)
{
	if (n <= 1)
		return;
	size_t mid = n / 2;
	msort_rec(c, a, tmp, mid, gt, ud);
	msort_rec(c, a + mid, tmp, n - mid, gt, ud);
	size_t i = 0, j = mid, k = 0;
	while (i < mid && j < n) {
		if (gt(c, a[i], a[j], ud))
			tmp[k++] = a[j++];
		else
			tmp[k++] = a[i++];
	}
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof(V *));
}

V *aslrt_jn_sort_array(Ctx *c, V *arr, GtFn gt, void *ud, int fl)
{
	V *r = aslrt_jn_v_arr(c, fl);
	aslrt_jn_arr_reserve(c, r, arr->u.a.n);
	memcpy(r->u.a.it, arr->u.a.it, arr->u.a.n * sizeof(V *));
	r->u.a.n = arr->u.a.n;
	V **tmp = aslrt_jn_arena_alloc_raw(&c->ar, (arr->u.a.n + 1) * sizeof(V *));
	msort_rec(c, r->u.a.it, tmp, r->u.a.n, gt, ud);
	return r;
}

typedef struct SortCtx {
	const Node *node;
	Env *env;
	bool tuple;
} SortCtx;

int aslrt_jn_str_cmp(V *a, V *b)
{
	size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
	int r = memcmp(a->u.s.s, b->u.s.s, n);
	if (r)
		return r;
	return a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
}

static bool orderby_gt(Ctx *c, V *a, V *b, void *ud)
{
	SortCtx *sc = ud;
	int comp = 0;
	for (int i = 0; comp == 0 && i < sc->node->nterms; i++) {
		const SortTerm *term = &sc->node->terms[i];
		V *ca = a, *cb = b;
		Env *ea = sc->env, *eb = sc->env;
		if (sc->tuple) {
			ca = tget(a, "@");
			ea = frame_from_tuple(c, sc->env, a);
			cb = tget(b, "@");
			eb = frame_from_tuple(c, sc->env, b);
		}
		V *aa = aslrt_jn_eval(c, term->expr, ca, ea);
		V *bb = aslrt_jn_eval(c, term->expr, cb, eb);
		if (!aa) {
			comp = bb ? 1 : 0;
			continue;
		}
		if (!bb) {
			comp = -1;
			continue;
		}
		bool aok = aa->t == T_STR || aa->t == T_NUM, bok = bb->t == T_STR || bb->t == T_NUM;
		if (!aok || !bok)
			aslrt_jn_throw_err(c, "T2008", NULL, !aok ? aa : bb, NULL, 0);
		if (aa->t != bb->t)
			aslrt_jn_throw_err(c, "T2007", NULL, aa, bb, 0);
		if (aa->t == T_NUM)
			comp = aa->u.n == bb->u.n ? 0 : aa->u.n < bb->u.n ? -1 : 1;
		else {
			int r = aslrt_jn_str_cmp(aa, bb);
			comp = r == 0 ? 0 : r < 0 ? -1 : 1;
		}
		if (comp == 0)
			continue;
		if (term->desc)
			comp = -comp;
	}
	return comp == 1;
}

static V *eval_sort(Ctx *c, const Node *n, V *input, Env *env)
{
	if (!input)
		return NULL;
	if (input->t != T_ARR)
		input = aslrt_jn_seq1(c, input);
	if (input->u.a.n <= 1)
		return input;
	SortCtx sc = {n, env, (input->fl & F_TUPLE) != 0};
	return aslrt_jn_sort_array(c, input, orderby_gt, &sc, F_SEQ | (input->fl & F_TUPLE));
}

static V *eval_step(Ctx *c, const Node *step, V *input, Env *env, bool last)
{
	if (!input || input->t != T_ARR)
		input = aslrt_jn_seq1(c, input);
	if (step->type == N_SORT) {
		V *r = eval_sort(c, step, input, env);
		if (step->stages.n)
			r = eval_stages(c, &step->stages, r, env);
		return r;
	}
	V *result = v_seq(c);
	for (size_t i = 0; i < input->u.a.n; i++) {
		V *res = aslrt_jn_eval(c, step, input->u.a.it[i], env);
		for (int s = 0; s < step->stages.n; s++)
			if (step->stages.v[s].type == 0)
				res = eval_filter(c, step->stages.v[s].expr, res, env);
		if (res)
			aslrt_jn_arr_push(c, result, res);
	}
	if (last && result->u.a.n == 1 && result->u.a.it[0]->t == T_ARR &&
	    !aslrt_jn_is_seq(result->u.a.it[0]))
		return result->u.a.it[0];
	V *rs = v_seq(c);
	for (size_t i = 0; i < result->u.a.n; i++) {
		V *r = result->u.a.it[i];
		if (r->t != T_ARR || (r->fl & F_CONS))
			aslrt_jn_arr_push(c, rs, r);
		else
			for (size_t j = 0; j < r->u.a.n; j++)
				aslrt_jn_arr_push(c, rs, r->u.a.it[j]);
	}
	return rs;
}

static V *new_tuple(Ctx *c, V *at)
{
	V *t = aslrt_jn_v_obj(c);
	aslrt_jn_obj_set(c, t, "@", at);
	return t;
}

static V *eval_tuple_step(Ctx *c, const Node *step, V *input, V *tb, Env *env)
{
	V *result;
	if (!input || input->t != T_ARR)
		input = aslrt_jn_seq1(c, input);
	if (step->type == N_SORT) {
		if (tb)
			result = eval_sort(c, step, tb, env);
		else {
			V *sorted = eval_sort(c, step, input, env);
			result = aslrt_jn_v_arr(c, F_SEQ | F_TUPLE);
			for (size_t s = 0; sorted && s < sorted->u.a.n; s++) {
				V *t = new_tuple(c, sorted->u.a.it[s]);
				if (step->index)
					aslrt_jn_obj_set(c, t, step->index,
							 aslrt_jn_v_num(c, (double)s));
				aslrt_jn_arr_push(c, result, t);
			}
		}
		if (step->stages.n)
			result = eval_stages(c, &step->stages, result, env);
		return result;
	}
	result = aslrt_jn_v_arr(c, F_SEQ | F_TUPLE);
	if (!tb) {
		tb = aslrt_jn_v_arr(c, F_SEQ | F_TUPLE);
		for (size_t i = 0; i < input->u.a.n; i++)
			aslrt_jn_arr_push(c, tb, new_tuple(c, input->u.a.it[i]));
	}
	for (size_t ee = 0; ee < tb->u.a.n; ee++) {
		V *t = tb->u.a.it[ee];
		Env *se = frame_from_tuple(c, env, t);
		V *res = aslrt_jn_eval(c, step, tget(t, "@"), se);
		if (!res)
			continue;
		V *one[1] = {res};
		V **items = one;
		size_t nitems = 1;
		bool tuples = false;
		if (res->t == T_ARR) {
			items = res->u.a.it;
			nitems = res->u.a.n;
			tuples = (res->fl & F_TUPLE) != 0;
		}
		for (size_t bb = 0; bb < nitems; bb++) {
			V *tuple = obj_copy(c, t);
			if (tuples) {
				V *src = items[bb];
				for (size_t k = 0; src && k < src->u.o.n; k++)
					aslrt_jn_obj_setn(c, tuple, src->u.o.keys[k],
							  src->u.o.klens[k], src->u.o.vals[k]);
			} else {
				if (step->focus) {
					aslrt_jn_obj_set(c, tuple, step->focus, items[bb]);
					aslrt_jn_obj_set(c, tuple, "@", tget(t, "@"));
				} else
					aslrt_jn_obj_set(c, tuple, "@", items[bb]);
				if (step->index)
					aslrt_jn_obj_set(c, tuple, step->index,
							 aslrt_jn_v_num(c, (double)bb));
				if (step->ancestor)
					aslrt_jn_obj_set(c, tuple, step->ancestor->label,
							 tget(t, "@"));
			}
			aslrt_jn_arr_push(c, result, tuple);
		}
	}
	if (step->stages.n)
		result = eval_stages(c, &step->stages, result, env);
	return result;
}

static V *eval_group(Ctx *c, const Group *g, V *input, Env *env);

static V *eval_path(Ctx *c, const Node *n, V *input, Env *env)
{
	V *inseq;
	if (input && input->t == T_ARR && n->items.v[0]->type != N_VARIABLE)
		inseq = input;
	else
		inseq = aslrt_jn_seq1(c, input);
	V *res = NULL, *tb = NULL;
	bool tuple_stream = false;
	for (int ii = 0; ii < n->items.n; ii++) {
		const Node *step = n->items.v[ii];
		if (step->tuple)
			tuple_stream = true;
		if (ii == 0 && step->consarray)
			res = aslrt_jn_eval(c, step, inseq, env);
		else if (tuple_stream)
			tb = eval_tuple_step(c, step, inseq, tb, env);
		else
			res = eval_step(c, step, inseq, env, ii == n->items.n - 1);
		if (!tuple_stream && (!res || (res->t == T_ARR && res->u.a.n == 0)))
			break;
		if (!step->focus)
			inseq = res;
	}
	if (tuple_stream) {
		if (n->tuple)
			res = tb;
		else {
			res = v_seq(c);
			for (size_t i = 0; tb && i < tb->u.a.n; i++)
				aslrt_jn_arr_push(c, res, tget(tb->u.a.it[i], "@"));
		}
	}
	if (n->keep_singleton && res) {
		if (res->t == T_ARR && (res->fl & F_CONS) && !(res->fl & F_SEQ))
			res = aslrt_jn_seq1(c, res);
		if (res->t == T_ARR)
			res->fl |= F_KEEP;
	}
	if (n->group)
		res = eval_group(c, n->group, tuple_stream ? tb : res, env);
	return res;
}

static V *flatten_into(Ctx *c, V *v, V *out)
{
	if (v && v->t == T_ARR)
		for (size_t i = 0; i < v->u.a.n; i++)
			flatten_into(c, v->u.a.it[i], out);
	else
		aslrt_jn_arr_push(c, out, v);
	return out;
}

static V *eval_wildcard(Ctx *c, V *input)
{
	V *results = v_seq(c);
	if (input && input->t == T_ARR && (input->fl & F_OUTER) && input->u.a.n > 0)
		input = input->u.a.it[0];
	if (input && input->t == T_OBJ) {
		for (size_t i = 0; i < input->u.o.n; i++) {
			V *val = input->u.o.vals[i];
			if (val && val->t == T_ARR)
				flatten_into(c, val, results);
			else
				aslrt_jn_arr_push(c, results, val);
		}
	} else if (input && input->t == T_ARR) {
		for (size_t i = 0; i < input->u.a.n; i++) {
			V *val = input->u.a.it[i];
			if (val && val->t == T_ARR)
				flatten_into(c, val, results);
			else
				aslrt_jn_arr_push(c, results, val);
		}
	}
	return results;
}

static void recurse_desc(Ctx *c, V *input, V *results)
{
	if (!input || input->t != T_ARR)
		aslrt_jn_arr_push(c, results, input);
	if (input && input->t == T_ARR)
		for (size_t i = 0; i < input->u.a.n; i++)
			recurse_desc(c, input->u.a.it[i], results);
	else if (input && input->t == T_OBJ)
		for (size_t i = 0; i < input->u.o.n; i++)
			recurse_desc(c, input->u.o.vals[i], results);
}

static V *eval_descendants(Ctx *c, V *input)
{
	if (!input)
		return NULL;
	V *rs = v_seq(c);
	recurse_desc(c, input, rs);
	if (rs->u.a.n == 1)
		return rs->u.a.it[0];
	return rs;
}

bool aslrt_jn_deep_equal(V *a, V *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (a->t != b->t)
		return false;
	switch (a->t) {
	case T_NULL:
		return true;
	case T_BOOL:
		return a->u.b == b->u.b;
	case T_NUM:
		return a->u.n == b->u.n;
	case T_STR:
		return a->u.s.len == b->u.s.len && memcmp(a->u.s.s, b->u.s.s, a->u.s.len) == 0;
	case T_ARR:
		if (a->u.a.n != b->u.a.n)
			return false;
		for (size_t i = 0; i < a->u.a.n; i++)
			if (!aslrt_jn_deep_equal(a->u.a.it[i], b->u.a.it[i]))
				return false;
		return true;
	case T_OBJ: {
		size_t na = 0, nb = 0;
		for (size_t i = 0; i < a->u.o.n; i++)
			na += a->u.o.vals[i] != NULL;
		for (size_t i = 0; i < b->u.o.n; i++)
			nb += b->u.o.vals[i] != NULL;
		if (na != nb)
			return false;
		for (size_t i = 0; i < a->u.o.n; i++) {
			if (!a->u.o.vals[i])
				continue;
			bool found;
			V *bv = aslrt_jn_obj_get(b, a->u.o.keys[i], a->u.o.klens[i], &found);
			if (!found || !aslrt_jn_deep_equal(a->u.o.vals[i], bv))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

static V *str_concat(Ctx *c, V *a, V *b)
{
	size_t n = a->u.s.len + b->u.s.len;
	char *s = aslrt_jn_arena_alloc_raw(&c->ar, n + 1);
	memcpy(s, a->u.s.s, a->u.s.len);
	memcpy(s + a->u.s.len, b->u.s.s, b->u.s.len);
	s[n] = 0;
	return aslrt_jn_v_strn(c, s, n);
}

static bool is_integer(V *v)
{
	return v && v->t == T_NUM && isfinite(v->u.n) && aslrt_floor(v->u.n) == v->u.n;
}

/* Long because it is one switch over the binary operators, with the type
 * errors each raises in JSONata's words. */
/* + - * / %: numbers only (T2001, T2002), undefined with an undefined side */
static V *arith(Ctx *c, const Node *n, int op, V *lhs, V *rhs)
{
	if (lhs && !aslrt_jn_is_num(c, lhs))
		aslrt_jn_throw_err(c, "T2001", n->str, lhs, NULL, 0);
	if (rhs && !aslrt_jn_is_num(c, rhs))
		aslrt_jn_throw_err(c, "T2002", n->str, rhs, NULL, 0);
	if (!lhs || !rhs)
		return NULL;
	double a = lhs->u.n, b = rhs->u.n, r = 0;
	switch (op) {
	case OP_PLUS:
		r = a + b;
		break;
	case OP_MINUS:
		r = a - b;
		break;
	case OP_MUL:
		r = a * b;
		break;
	case OP_DIV:
		r = a / b;
		break;
	default:
		r = aslrt_fmod(a, b);
		break;
	}
	return aslrt_jn_v_num(c, r);
}

/* < <= > >=: two numbers or two strings (T2010, T2009) */
static V *compare(Ctx *c, const Node *n, int op, V *lhs, V *rhs)
{
	bool lc = !lhs || lhs->t == T_STR || lhs->t == T_NUM;
	bool rc = !rhs || rhs->t == T_STR || rhs->t == T_NUM;
	if (!lc || !rc)
		aslrt_jn_throw_err(c, "T2010", n->str,
				   !(lhs && (lhs->t == T_STR || lhs->t == T_NUM)) ? lhs : rhs, NULL,
				   0);
	if (!lhs || !rhs)
		return NULL;
	if (lhs->t != rhs->t)
		aslrt_jn_throw_err(c, "T2009", n->str, lhs, rhs, 0);
	int cmp;
	if (lhs->t == T_NUM)
		cmp = lhs->u.n < rhs->u.n    ? -1
		      : lhs->u.n > rhs->u.n  ? 1
		      : lhs->u.n == rhs->u.n ? 0
					     : 2;
	else
		cmp = aslrt_jn_str_cmp(lhs, rhs);
	if (cmp == 2)
		return VFALSE;
	switch (op) {
	case OP_LT:
		return VBOOL(cmp < 0);
	case OP_LE:
		return VBOOL(cmp <= 0);
	case OP_GT:
		return VBOOL(cmp > 0);
	default:
		return VBOOL(cmp >= 0);
	}
}

/* [a..b]: the integers from a to b, at most 10^7 of them (D2014) */
static V *range(Ctx *c, V *lhs, V *rhs)
{
	if (lhs && !is_integer(lhs))
		aslrt_jn_throw_err(c, "T2003", "..", lhs, NULL, 0);
	if (rhs && !is_integer(rhs))
		aslrt_jn_throw_err(c, "T2004", "..", rhs, NULL, 0);
	if (!lhs || !rhs)
		return NULL;
	if (lhs->u.n > rhs->u.n)
		return NULL;
	double size = rhs->u.n - lhs->u.n + 1;
	if (size > 1e7)
		aslrt_jn_throw_err(c, "D2014", "..", aslrt_jn_v_num(c, size), NULL, 0);
	V *r = v_seq(c);
	aslrt_jn_arr_reserve(c, r, (size_t)size);
	for (double x = lhs->u.n; x <= rhs->u.n; x++)
		r->u.a.it[r->u.a.n++] = aslrt_jn_v_num(c, x);
	return r;
}

/* a in b: whether b (an array, or one value) holds a */
static V *member_of(Ctx *c, V *lhs, V *rhs)
{
	if (!lhs || !rhs)
		return VFALSE;
	if (rhs->t != T_ARR)
		rhs = aslrt_jn_seq1(c, rhs);
	for (size_t i = 0; i < rhs->u.a.n; i++) {
		V *x = rhs->u.a.it[i];
		if (x == lhs)
			return VTRUE;
		if (x && x->t == lhs->t && x->t != T_ARR && x->t != T_OBJ && x->t != T_FN &&
		    aslrt_jn_deep_equal(x, lhs))
			return VTRUE;
	}
	return VFALSE;
}

static V *eval_binary(Ctx *c, const Node *n, V *input, Env *env)
{
	V *lhs = aslrt_jn_eval(c, n->lhs, input, env);
	int op = n->op;
	if (op == OP_AND || op == OP_OR) {
		bool l = aslrt_jn_fn_boolean(c, lhs, NULL);
		if (op == OP_AND && !l)
			return VFALSE;
		if (op == OP_OR && l)
			return VTRUE;
		V *rhs = aslrt_jn_eval(c, n->rhs, input, env);
		return VBOOL(aslrt_jn_fn_boolean(c, rhs, NULL));
	}
	V *rhs = aslrt_jn_eval(c, n->rhs, input, env);
	switch (op) {
	case OP_PLUS:
	case OP_MINUS:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
		return arith(c, n, op, lhs, rhs);
	case OP_EQ:
	case OP_NE:
		if (!lhs || !rhs)
			return VFALSE;
		return VBOOL(aslrt_jn_deep_equal(lhs, rhs) == (op == OP_EQ));
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		return compare(c, n, op, lhs, rhs);
	case OP_CONCAT: {
		V *ls = lhs ? aslrt_jn_fn_string(c, lhs, false) : aslrt_jn_v_strn(c, "", 0);
		V *rs = rhs ? aslrt_jn_fn_string(c, rhs, false) : aslrt_jn_v_strn(c, "", 0);
		return str_concat(c, ls, rs);
	}
	case OP_RANGE:
		return range(c, lhs, rhs);
	case OP_IN:
		return member_of(c, lhs, rhs);
	}
	return NULL;
}

typedef struct GEntry {
	const char *key;
	size_t klen;
	V *data;
	int expr;
	bool owned;
} GEntry;

static V *eval_group(Ctx *c, const Group *g, V *input, Env *env)
{
	V *result = aslrt_jn_v_obj(c);
	bool reduce = input && input->t == T_ARR && (input->fl & F_TUPLE);
	if (!input || input->t != T_ARR)
		input = aslrt_jn_seq1(c, input);
	if (input->u.a.n == 0) {
		input = v_seq(c);
		aslrt_jn_arr_push(c, input, NULL);
	}
	V *index = aslrt_jn_v_obj(c); /* key -> position in entries */
	GEntry *ents = NULL;
	int nents = 0, capents = 0;
	for (size_t ii = 0; ii < input->u.a.n; ii++) {
		V *item = input->u.a.it[ii];
		Env *e = reduce ? frame_from_tuple(c, env, item) : env;
		for (int pi = 0; pi < g->n; pi++) {
			V *key = aslrt_jn_eval(c, g->keys[pi], reduce ? tget(item, "@") : item, e);
			if (!key)
				continue;
			if (key->t != T_STR)
				aslrt_jn_throw_err(c, "T1003", NULL, key, NULL, 0);
			bool found;
			V *pos = aslrt_jn_obj_get(index, key->u.s.s, key->u.s.len, &found);
			if (found) {
				GEntry *ge = &ents[(size_t)pos->u.n];
				if (ge->expr != pi)
					aslrt_jn_throw_err(c, "D1009", NULL, key, NULL, 0);
				if (!ge->owned) {
					ge->owned = ge->data && item;
					ge->data = aslrt_jn_v_append(c, ge->data, item);
				} else if (item && item->t == T_ARR) {
					for (size_t k = 0; k < item->u.a.n; k++)
						aslrt_jn_arr_push(c, ge->data, item->u.a.it[k]);
				} else if (item)
					aslrt_jn_arr_push(c, ge->data, item);
			} else {
				ents = aslrt_jn_vec_grow(&c->ar, ents, nents, &capents,
							 sizeof(GEntry));
				ents[nents] = (GEntry){key->u.s.s, key->u.s.len, item, pi, false};
				aslrt_jn_obj_setn(c, index, key->u.s.s, key->u.s.len,
						  aslrt_jn_v_num(c, nents));
				nents++;
			}
		}
	}
	for (int i = 0; i < nents; i++) {
		GEntry *ge = &ents[i];
		V *ctx = ge->data;
		Env *e = env;
		if (reduce) {
			V *tuple;
			if (ge->data && ge->data->t == T_ARR) {
				tuple = obj_copy(c, ge->data->u.a.it[0]);
				for (size_t k = 1; k < ge->data->u.a.n; k++) {
					V *t2 = ge->data->u.a.it[k];
					for (size_t q = 0; q < t2->u.o.n; q++) {
						V *prev = aslrt_jn_obj_get(tuple, t2->u.o.keys[q],
									   t2->u.o.klens[q], NULL);
						aslrt_jn_obj_setn(
						    c, tuple, t2->u.o.keys[q], t2->u.o.klens[q],
						    aslrt_jn_v_append(c, prev, t2->u.o.vals[q]));
					}
				}
			} else
				tuple = obj_copy(c, ge->data);
			ctx = tget(tuple, "@");
			aslrt_jn_obj_del(c, tuple, "@", 1);
			e = frame_from_tuple(c, env, tuple);
		}
		V *value = aslrt_jn_eval(c, g->vals[ge->expr], ctx, e);
		if (value)
			aslrt_jn_obj_setn(c, result, ge->key, ge->klen, value);
	}
	return result;
}

/* ------------------------------------------------ signature validation */

static char sym_of(V *v)
{
	if (!v)
		return 'm';
	switch (v->t) {
	case T_FN:
		return 'f';
	case T_STR:
		return 's';
	case T_NUM:
		return 'n';
	case T_BOOL:
		return 'b';
	case T_NULL:
		return 'l';
	case T_ARR:
		return 'a';
	default:
		return 'o';
	}
}

/* Greedy backtracking match of params[pi..upto) against sym[si..n); anchored
 * at the end when anchored.  caps receives (start, len) per param.  Returns
 * the end position, or -1. */
static int sig_match(const Sig *s, int pi, int upto, const char *sym, int si, int n, int *caps,
		     bool anchored)
{
	if (pi == upto)
		return !anchored || si == n ? si : -1;
	const SigParam *q = &s->p[pi];
	int maxk = q->quant == '+' ? n - si : 1;
	int cnt = 0;
	while (si + cnt < n && cnt < maxk && strchr(q->allowed, sym[si + cnt]))
		cnt++;
	int mink = (q->quant == '?' || q->context) ? 0 : 1;
	for (int k = cnt; k >= mink; k--) {
		caps[pi * 2] = si;
		caps[pi * 2 + 1] = k;
		int r = sig_match(s, pi + 1, upto, sym, si + k, n, caps, anchored);
		if (r >= 0)
			return r;
	}
	return -1;
}

static const char *array_type_name(char ch)
{
	switch (ch) {
	case 'a':
		return "arrays";
	case 'b':
		return "booleans";
	case 'f':
		return "functions";
	case 'n':
		return "numbers";
	case 'o':
		return "objects";
	case 's':
		return "strings";
	default:
		return "values";
	}
}

static V **validate(Ctx *c, const Sig *s, V **args, int nargs, V *context, const char *token,
		    int *nout)
{
	char sym[64];
	int n = nargs < 63 ? nargs : 63;
	for (int i = 0; i < n; i++)
		sym[i] = sym_of(args[i]);
	sym[n] = 0;
	int caps[32];
	if (sig_match(s, 0, s->n, sym, 0, n, caps, true) < 0) {
		int good = 0;
		for (int k = 1; k <= s->n; k++) {
			int r = sig_match(s, 0, k, sym, 0, n, caps, false);
			if (r < 0)
				break;
			good = r;
		}
		aslrt_jn_throw_err(c, "T0410", token, good < nargs ? args[good] : NULL, NULL,
				   good + 1);
	}
	V **out = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(s->n + nargs + 1));
	int no = 0, ai = 0;
	for (int pi = 0; pi < s->n; pi++) {
		const SigParam *q = &s->p[pi];
		int len = caps[pi * 2 + 1];
		if (len == 0) {
			if (q->context) {
				char cs = sym_of(context);
				if (strchr(q->allowed, cs) && cs != 'm')
					out[no++] = context;
				else if (cs == 'm' && strchr(q->allowed, 'm'))
					out[no++] = context;
				else
					aslrt_jn_throw_err(c, "T0411", token, context, NULL,
							   ai + 1);
			} else {
				out[no++] = ai < nargs ? args[ai] : NULL;
				ai++;
			}
			continue;
		}
		for (int k = 0; k < len; k++) {
			V *arg = args[ai];
			char single = sym[caps[pi * 2] + k];
			if (q->type == 'a') {
				if (single == 'm')
					arg = NULL;
				else {
					bool ok = true;
					if (q->subtype) {
						if (single != 'a' && (len != 1 || q->sublen != 1 ||
								      q->subtype[0] != single))
							ok = false;
						else if (single == 'a' && arg->u.a.n > 0) {
							char it = sym_of(arg->u.a.it[0]);
							if (it != q->subtype[0])
								ok = false;
							else
								for (size_t j = 0; j < arg->u.a.n;
								     j++)
									if (sym_of(
										arg->u.a.it[j]) !=
									    it)
										ok = false;
						}
					}
					if (!ok) {
						snprintf(c->code, sizeof c->code, "T0412");
						char *vs = aslrt_jn_val_to_text(c, arg);
						free(c->msg);
						c->msg = aslrt_jn_render_error(
						    "T0412", token, array_type_name(q->subtype[0]),
						    NULL, ai + 1);
						free(vs);
						longjmp(c->jb, 1);
					}
					if (single != 'a')
						arg = aslrt_jn_seq1(c, arg), arg->fl = 0;
				}
			}
			out[no++] = arg;
			ai++;
		}
	}
	*nout = no;
	return out;
}

/* ---------------------------------------------------- function calls */

static V *call_builtin(Ctx *c, const Builtin *b, V **args, int nargs, V *input, Env *env,
		       const char *token)
{
	int n;
	V **va =
	    validate(c, aslrt_jn_builtin_sig(b), args, nargs, input, token ? token : b->name, &n);
	return b->fn(c, va, n, input, env);
}

static V *apply_procedure(Ctx *c, Fn *f, V **args, int nargs)
{
	Env *e = aslrt_jn_env_new(c, f->env);
	for (int i = 0; i < f->nparams; i++)
		aslrt_jn_env_bind(c, e, f->params[i], i < nargs ? args[i] : NULL);
	return aslrt_jn_eval(c, f->node->body, f->input, e);
}

static V *transform_apply(Ctx *c, Fn *f, V *obj);

static V *apply_inner(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token)
{
	if (!proc || proc->t != T_FN)
		aslrt_jn_throw_err(c, "T1006", token, NULL, NULL, 0);
	Fn *f = proc->u.f;
	switch (f->kind) {
	case FN_LAMBDA: {
		if (f->sig) {
			int n;
			args = validate(c, f->sig, args, nargs, input, token, &n);
			nargs = n;
		}
		return apply_procedure(c, f, args, nargs);
	}
	case FN_BUILTIN:
		return call_builtin(c, f->bi, args, nargs, input, env, token);
	case FN_PARTIAL: {
		V **full = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(f->nargs + 1));
		int k = 0;
		for (int i = 0; i < f->nargs; i++)
			full[i] = f->args[i] == VHOLE ? (k < nargs ? args[k++] : NULL) : f->args[i];
		return call_builtin(c, f->bi, full, f->nargs, input, env, token);
	}
	case FN_COMPOSE: {
		V *r = aslrt_jn_apply(c, f->f1, args, nargs, input, env, token);
		return aslrt_jn_apply(c, f->f2, &r, 1, input, env, token);
	}
	case FN_TRANSFORM: {
		V *a = nargs > 0 ? args[0] : NULL;
		if (a && a->t != T_OBJ && a->t != T_ARR)
			aslrt_jn_throw_err(c, "T0410", token, a, NULL, 1);
		if (nargs > 1)
			aslrt_jn_throw_err(c, "T0410", token, args[1], NULL, 2);
		return transform_apply(c, f, a);
	}
	case FN_REGEX:
		return aslrt_jn_regex_call(c, f, nargs > 0 ? args[0] : NULL);
	}
	return NULL;
}

V *aslrt_jn_apply(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token)
{
	V *r = apply_inner(c, proc, args, nargs, input, env, token);
	while (r && r->t == T_FN && r->u.f->kind == FN_LAMBDA && r->u.f->thunk) {
		Fn *th = r->u.f;
		const Node *call = th->node->body;
		V *next = aslrt_jn_eval(c, call->proc, th->input, th->env);
		int na = call->items.n;
		V **ea = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
		for (int i = 0; i < na; i++)
			ea[i] = aslrt_jn_eval(c, call->items.v[i], th->input, th->env);
		const char *tok = call->proc->type == N_VARIABLE ? call->proc->str : token;
		r = apply_inner(c, next, ea, na, input, env, tok);
	}
	return r;
}

int aslrt_jn_fn_arity(V *f)
{
	if (!f || f->t != T_FN)
		return 0;
	switch (f->u.f->kind) {
	case FN_LAMBDA:
		return f->u.f->nparams;
	case FN_BUILTIN:
		return f->u.f->bi->arity;
	case FN_PARTIAL: {
		int k = 0;
		for (int i = 0; i < f->u.f->nargs; i++)
			k += f->u.f->args[i] == VHOLE;
		return k;
	}
	default:
		return 1;
	}
}

/* Call a function argument of a higher-order built-in with up to 3 args,
 * as many as its arity takes. */
V *aslrt_jn_hof_call(Ctx *c, V *func, V *a1, V *a2, V *a3, Env *env)
{
	V *args[3] = {a1, a2, a3};
	int ar = aslrt_jn_fn_arity(func);
	int n = 1;
	if (ar >= 2)
		n = 2;
	if (ar >= 3)
		n = 3;
	return aslrt_jn_apply(c, func, args, n, NULL, env, NULL);
}

static const char *proc_name(const Node *proc)
{
	if (proc->type == N_PATH && proc->items.n > 0)
		return proc->items.v[0]->str;
	return proc->str;
}

static V *eval_function(Ctx *c, const Node *n, V *input, Env *env, V *applyto, bool has_applyto)
{
	V *proc = aslrt_jn_eval(c, n->proc, input, env);
	if (!proc && n->proc->type == N_PATH && n->proc->items.v[0]->str) {
		bool found = false;
		env_lookup(c, env, n->proc->items.v[0]->str, &found);
		if (found)
			aslrt_jn_throw_err(c, "T1005", n->proc->items.v[0]->str, NULL, NULL, 0);
	}
	int na = n->items.n + (has_applyto ? 1 : 0), k = 0;
	V **args = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
	if (has_applyto)
		args[k++] = applyto;
	for (int i = 0; i < n->items.n; i++)
		args[k++] = aslrt_jn_eval(c, n->items.v[i], input, env);
	return aslrt_jn_apply(c, proc, args, na, input, env, proc_name(n->proc));
}

static V *eval_partial(Ctx *c, const Node *n, V *input, Env *env)
{
	int na = n->items.n;
	V **args = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
	for (int i = 0; i < na; i++)
		args[i] = n->items.v[i]->type == N_PLACEHOLDER
			      ? VHOLE
			      : aslrt_jn_eval(c, n->items.v[i], input, env);
	V *proc = aslrt_jn_eval(c, n->proc, input, env);
	if (!proc && n->proc->type == N_PATH && n->proc->items.v[0]->str) {
		bool found = false;
		env_lookup(c, env, n->proc->items.v[0]->str, &found);
		if (found)
			aslrt_jn_throw_err(c, "T1007", n->proc->items.v[0]->str, NULL, NULL, 0);
	}
	if (!proc || proc->t != T_FN)
		aslrt_jn_throw_err(c, "T1008", proc_name(n->proc), NULL, NULL, 0);
	Fn *f = proc->u.f, *r = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
	if (f->kind == FN_LAMBDA) {
		*r = *f;
		r->thunk = false;
		r->env = aslrt_jn_env_new(c, f->env);
		r->params =
		    aslrt_jn_arena_alloc_raw(&c->ar, sizeof(char *) * (size_t)(f->nparams + 1));
		r->nparams = 0;
		for (int i = 0; i < f->nparams; i++) {
			V *a = i < na ? args[i] : NULL;
			if (a == VHOLE)
				r->params[r->nparams++] = f->params[i];
			else
				aslrt_jn_env_bind(c, r->env, f->params[i], a);
		}
		return aslrt_jn_v_fn(c, r);
	}
	if (f->kind == FN_BUILTIN) {
		r->kind = FN_PARTIAL;
		r->bi = f->bi;
		r->args = args;
		r->nargs = na;
		return aslrt_jn_v_fn(c, r);
	}
	if (f->kind == FN_PARTIAL) {
		*r = *f;
		r->args = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(f->nargs + 1));
		int k = 0;
		for (int i = 0; i < f->nargs; i++)
			r->args[i] = f->args[i] == VHOLE && k < na ? args[k++] : f->args[i];
		return aslrt_jn_v_fn(c, r);
	}
	aslrt_jn_throw_err(c, "T1008", proc_name(n->proc), NULL, NULL, 0);
}

static V *eval_lambda(Ctx *c, const Node *n, V *input, Env *env)
{
	Fn *f = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
	f->kind = FN_LAMBDA;
	f->node = n;
	f->input = input;
	f->env = env;
	f->sig = n->sig;
	f->thunk = n->thunk;
	f->nparams = n->items.n;
	f->params = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(char *) * (size_t)(n->items.n + 1));
	for (int i = 0; i < n->items.n; i++)
		f->params[i] = n->items.v[i]->str;
	return aslrt_jn_v_fn(c, f);
}

static V *eval_apply(Ctx *c, const Node *n, V *input, Env *env)
{
	V *lhs = aslrt_jn_eval(c, n->lhs, input, env);
	if (n->rhs->type == N_FUNCTION)
		return eval_function(c, n->rhs, input, env, lhs, true);
	V *func = aslrt_jn_eval(c, n->rhs, input, env);
	if (!func || func->t != T_FN)
		aslrt_jn_throw_err(c, "T2006", "~>", func, NULL, 0);
	if (lhs && lhs->t == T_FN) {
		Fn *f = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_COMPOSE;
		f->f1 = lhs;
		f->f2 = func;
		return aslrt_jn_v_fn(c, f);
	}
	return aslrt_jn_apply(c, func, &lhs, 1, NULL, env, NULL);
}

V *aslrt_jn_deep_copy(Ctx *c, V *v)
{
	if (!v)
		return NULL;
	if (v->t == T_ARR) {
		V *r = aslrt_jn_v_arr(c, v->fl & ~(F_SEQ | F_KEEP | F_OUTER | F_TUPLE));
		aslrt_jn_arr_reserve(c, r, v->u.a.n);
		for (size_t i = 0; i < v->u.a.n; i++)
			aslrt_jn_arr_push(c, r, aslrt_jn_deep_copy(c, v->u.a.it[i]));
		return r;
	}
	if (v->t == T_OBJ) {
		V *r = aslrt_jn_v_obj(c);
		for (size_t i = 0; i < v->u.o.n; i++)
			aslrt_jn_obj_setn(c, r, v->u.o.keys[i], v->u.o.klens[i],
					  aslrt_jn_deep_copy(c, v->u.o.vals[i]));
		return r;
	}
	return v;
}

static V *transform_apply(Ctx *c, Fn *f, V *obj)
{
	if (!obj)
		return NULL;
	const Node *n = f->node;
	bool found = false;
	V *cl = NULL;
	for (Env *e = f->env; e && !found; e = e->parent)
		for (int i = 0; i < e->n; i++)
			if (!strcmp(e->names[i], "clone")) {
				found = true;
				cl = e->vals[i];
				break;
			}
	if (found && (!cl || cl->t != T_FN))
		aslrt_jn_throw_err(c, "T2013", NULL, NULL, NULL, 0);
	V *result = found && !(cl->u.f->kind == FN_BUILTIN)
			? aslrt_jn_apply(c, cl, &obj, 1, NULL, f->env, NULL)
			: aslrt_jn_deep_copy(c, obj);
	V *matches = aslrt_jn_eval(c, n->pattern, result, f->env);
	if (!matches)
		return result;
	if (matches->t != T_ARR)
		matches = aslrt_jn_seq1(c, matches);
	for (size_t i = 0; i < matches->u.a.n; i++) {
		V *match = matches->u.a.it[i];
		V *update = aslrt_jn_eval(c, n->update, match, f->env);
		if (update) {
			if (update->t != T_OBJ)
				aslrt_jn_throw_err(c, "T2011", NULL, update, NULL, 0);
			if (match && match->t == T_OBJ)
				for (size_t k = 0; k < update->u.o.n; k++)
					if (update->u.o.vals[k])
						aslrt_jn_obj_setn(c, match, update->u.o.keys[k],
								  update->u.o.klens[k],
								  update->u.o.vals[k]);
		}
		if (n->del) {
			V *dels = aslrt_jn_eval(c, n->del, match, f->env);
			if (dels) {
				V *val = dels;
				if (dels->t != T_ARR)
					dels = aslrt_jn_seq1(c, dels);
				if (!aslrt_jn_is_array_of(dels, T_STR))
					aslrt_jn_throw_err(c, "T2012", NULL, val, NULL, 0);
				if (match && match->t == T_OBJ)
					for (size_t k = 0; k < dels->u.a.n; k++)
						aslrt_jn_obj_del(c, match, dels->u.a.it[k]->u.s.s,
								 dels->u.a.it[k]->u.s.len);
			}
		}
	}
	return result;
}

static void check_limits(Ctx *c)
{
	char here;
	if (c->depth > c->max_depth || (size_t)(c->stack_base - &here) > c->stack_budget)
		aslrt_jn_throw_msg(c, "U1001",
				   "Stack overflow error: Check for non-terminating recursive "
				   "function.  Consider rewriting as tail-recursive.");
	if (c->has_deadline && (++c->steps & 255) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > c->deadline.tv_sec ||
		    (now.tv_sec == c->deadline.tv_sec && now.tv_nsec > c->deadline.tv_nsec))
			aslrt_jn_throw_msg(
			    c, "U1001", "Expression evaluation timeout: Check for infinite loop");
	}
}

/* Long because it is one switch over the node kinds, each case a call or a
 * few lines (jsonata.js evaluate()). */
V *aslrt_jn_eval(Ctx *c, const Node *n, V *input, Env *env)
{
	V *r = NULL;
	int outer_pos = c->pos; /* an error reports the innermost node */
	c->pos = n->pos;
	c->depth++;
	check_limits(c);
	switch (n->type) {
	case N_PATH:
		r = eval_path(c, n, input, env);
		break;
	case N_BINARY:
		r = eval_binary(c, n, input, env);
		break;
	case N_NEG:
		r = aslrt_jn_eval(c, n->expr, input, env);
		if (r) {
			if (aslrt_jn_is_num(c, r))
				r = aslrt_jn_v_num(c, -r->u.n);
			else
				aslrt_jn_throw_err(c, "D1002", "-", r, NULL, 0);
		}
		break;
	case N_ARRAY: {
		r = aslrt_jn_v_arr(c, 0);
		for (int i = 0; i < n->items.n; i++) {
			const Node *item = n->items.v[i];
			V *val = aslrt_jn_eval(c, item, input, env);
			if (!val)
				continue;
			if (item->type == N_ARRAY || val->t != T_ARR)
				aslrt_jn_arr_push(c, r, val);
			else
				for (size_t j = 0; j < val->u.a.n; j++)
					aslrt_jn_arr_push(c, r, val->u.a.it[j]);
		}
		if (n->consarray)
			r->fl |= F_CONS;
		break;
	}
	case N_OBJECT:
		r = eval_group(c, n->grp, input, env);
		break;
	case N_NAME:
		r = aslrt_jn_lookup_field(c, input, n->str, n->slen);
		break;
	case N_STRING:
		r = aslrt_jn_v_strn(c, n->str, n->slen);
		break;
	case N_NUMBER:
		r = aslrt_jn_v_num(c, n->num);
		break;
	case N_VALUE:
		r = n->vkind == 0 ? VNULL : VBOOL(n->vkind == 1);
		break;
	case N_WILDCARD:
		r = eval_wildcard(c, input);
		break;
	case N_DESCENDANT:
		r = eval_descendants(c, input);
		break;
	case N_PARENT:
		r = env_lookup(c, env, n->slot->label, NULL);
		break;
	case N_CONDITION: {
		V *cond = aslrt_jn_eval(c, n->cond, input, env);
		if (aslrt_jn_fn_boolean(c, cond, NULL))
			r = aslrt_jn_eval(c, n->then, input, env);
		else if (n->els)
			r = aslrt_jn_eval(c, n->els, input, env);
		break;
	}
	case N_BLOCK: {
		Env *f = aslrt_jn_env_new(c, env);
		for (int i = 0; i < n->items.n; i++)
			r = aslrt_jn_eval(c, n->items.v[i], input, f);
		break;
	}
	case N_BIND:
		r = aslrt_jn_eval(c, n->rhs, input, env);
		aslrt_jn_env_bind(c, env, n->lhs->str, r);
		break;
	case N_REGEX: {
		Fn *f = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_REGEX;
		f->node = n;
		r = aslrt_jn_v_fn(c, f);
		break;
	}
	case N_FUNCTION:
		r = eval_function(c, n, input, env, NULL, false);
		break;
	case N_PARTIAL:
		r = eval_partial(c, n, input, env);
		break;
	case N_VARIABLE:
		if (n->slen == 0)
			r = input && input->t == T_ARR && (input->fl & F_OUTER) ? input->u.a.it[0]
										: input;
		else
			r = env_lookup(c, env, n->str, NULL);
		break;
	case N_LAMBDA:
		r = eval_lambda(c, n, input, env);
		break;
	case N_APPLY:
		r = eval_apply(c, n, input, env);
		break;
	case N_TRANSFORM: {
		Fn *f = aslrt_jn_arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_TRANSFORM;
		f->node = n;
		f->env = env;
		r = aslrt_jn_v_fn(c, f);
		break;
	}
	case N_SORT:
		r = eval_sort(c, n, input, env);
		break;
	default:
		break;
	}
	for (int i = 0; i < n->pred.n; i++)
		r = eval_filter(c, n->pred.v[i].expr, r, env);
	if (n->type != N_PATH && n->group)
		r = eval_group(c, n->group, r, env);
	c->pos = outer_pos;
	c->depth--;
	if (r && aslrt_jn_is_seq(r) && !(r->fl & F_TUPLE)) {
		if (n->keep_array)
			r->fl |= F_KEEP;
		if (r->u.a.n == 0)
			r = NULL;
		else if (r->u.a.n == 1 && !(r->fl & F_KEEP))
			r = r->u.a.it[0];
	}
	return r;
}
