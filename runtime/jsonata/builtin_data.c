/*
 * builtin_data.c - JSONata built-in functions on arrays, objects and
 * functions, encodings, Step Functions' additions and date/time, and the
 * table of every built-in.
 */
#include "jsonata_int.h"
#include "mathlib.h"

/* ---- arrays / objects / higher order */

static V *bi_append(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *x = ARG(0), *y = ARG(1);
	if (!x)
		return y;
	if (!y)
		return x;
	return aslrt_jn_v_append(c, x, y);
}

static V *bi_reverse(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	if (arr->u.a.n <= 1)
		return arr;
	V *r = aslrt_jn_v_arr(c, 0);
	for (size_t i = arr->u.a.n; i-- > 0;)
		aslrt_jn_arr_push(c, r, arr->u.a.it[i]);
	return r;
}

static bool gt_natural(Ctx *c, V *x, V *y, void *ud)
{
	(void)c;
	(void)ud;
	if (x->t == T_NUM)
		return x->u.n > y->u.n;
	return aslrt_jn_str_cmp(x, y) > 0;
}

typedef struct FnSort {
	V *fn;
	Env *env;
} FnSort;

static bool gt_fn(Ctx *c, V *x, V *y, void *ud)
{
	FnSort *fs = ud;
	V *args[2] = {x, y};
	V *r = aslrt_jn_apply(c, fs->fn, args, 2, NULL, fs->env, "sort");
	return aslrt_jn_fn_boolean(c, r, NULL);
}

static V *bi_sort(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1);
	if (!arr)
		return NULL;
	if (arr->u.a.n <= 1)
		return arr;
	if (!f) {
		if (!aslrt_jn_is_array_of(arr, T_NUM) && !aslrt_jn_is_array_of(arr, T_STR))
			aslrt_jn_throw_err(c, "D3070", "sort", NULL, NULL, 1);
		return aslrt_jn_sort_array(c, arr, gt_natural, NULL, 0);
	}
	FnSort fs = {f, env};
	return aslrt_jn_sort_array(c, arr, gt_fn, &fs, 0);
}

static V *bi_shuffle(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	if (arr->u.a.n <= 1)
		return arr;
	V *r = aslrt_jn_v_append(c, aslrt_jn_v_arr(c, 0), arr);
	for (size_t i = r->u.a.n - 1; i > 0; i--) {
		size_t j = (size_t)(aslrt_jn_next_random(c) * (double)(i + 1));
		V *t = r->u.a.it[i];
		r->u.a.it[i] = r->u.a.it[j];
		r->u.a.it[j] = t;
	}
	return r;
}

static V *bi_distinct(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	if (arr->t != T_ARR || arr->u.a.n <= 1)
		return arr;
	V *r = aslrt_jn_v_arr(c, aslrt_jn_is_seq(arr) ? F_SEQ : 0);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		bool dup = false;
		for (size_t j = 0; j < r->u.a.n && !dup; j++)
			dup = aslrt_jn_deep_equal(arr->u.a.it[i], r->u.a.it[j]);
		if (!dup)
			aslrt_jn_arr_push(c, r, arr->u.a.it[i]);
	}
	return r;
}

static V *bi_zip(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *r = aslrt_jn_v_arr(c, 0);
	size_t len = SIZE_MAX;
	for (int i = 0; i < n; i++) {
		size_t l = a[i] && a[i]->t == T_ARR ? a[i]->u.a.n : 0;
		if (l < len)
			len = l;
	}
	if (n == 0)
		len = 0;
	for (size_t k = 0; k < len; k++) {
		V *t = aslrt_jn_v_arr(c, 0);
		for (int i = 0; i < n; i++)
			aslrt_jn_arr_push(c, t, a[i]->u.a.it[k]);
		aslrt_jn_arr_push(c, r, t);
	}
	return r;
}

static V *bi_keys(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	V *r = v_seq(c);
	if (!v)
		return r;
	if (v->t == T_ARR) {
		V *seen = aslrt_jn_v_obj(c);
		for (size_t i = 0; i < v->u.a.n; i++) {
			V *o = v->u.a.it[i];
			if (!o || o->t != T_OBJ)
				continue;
			for (size_t k = 0; k < o->u.o.n; k++) {
				bool f;
				aslrt_jn_obj_get(seen, o->u.o.keys[k], o->u.o.klens[k], &f);
				if (!f) {
					aslrt_jn_obj_setn(c, seen, o->u.o.keys[k], o->u.o.klens[k],
							  VTRUE);
					aslrt_jn_arr_push(
					    c, r,
					    aslrt_jn_v_strn(c, o->u.o.keys[k], o->u.o.klens[k]));
				}
			}
		}
	} else if (v->t == T_OBJ) {
		for (size_t k = 0; k < v->u.o.n; k++)
			aslrt_jn_arr_push(c, r,
					  aslrt_jn_v_strn(c, v->u.o.keys[k], v->u.o.klens[k]));
	}
	return r;
}

static V *bi_lookup(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *k = ARG(1);
	NEED_ARG(1, "lookup");
	return aslrt_jn_lookup_field(c, ARG(0), k->u.s.s, k->u.s.len);
}

static V *spread(Ctx *c, V *v)
{
	if (v && v->t == T_ARR) {
		V *r = v_seq(c);
		for (size_t i = 0; i < v->u.a.n; i++) {
			V *s = spread(c, v->u.a.it[i]);
			if (s && s->t == T_ARR)
				for (size_t j = 0; j < s->u.a.n; j++)
					aslrt_jn_arr_push(c, r, s->u.a.it[j]);
			else if (s)
				aslrt_jn_arr_push(c, r, s);
		}
		return r;
	}
	if (v && v->t == T_OBJ) {
		V *r = v_seq(c);
		for (size_t k = 0; k < v->u.o.n; k++) {
			V *o = aslrt_jn_v_obj(c);
			aslrt_jn_obj_setn(c, o, v->u.o.keys[k], v->u.o.klens[k], v->u.o.vals[k]);
			aslrt_jn_arr_push(c, r, o);
		}
		return r;
	}
	return v;
}

static V *bi_spread(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return spread(c, ARG(0));
}

static V *bi_merge(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	V *r = aslrt_jn_v_obj(c);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		V *o = arr->u.a.it[i];
		for (size_t k = 0; o && k < o->u.o.n; k++)
			aslrt_jn_obj_setn(c, r, o->u.o.keys[k], o->u.o.klens[k], o->u.o.vals[k]);
	}
	return r;
}

static V *bi_each(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *o = ARG(0), *f = ARG(1);
	V *r = v_seq(c);
	for (size_t k = 0; o && k < o->u.o.n; k++) {
		V *res =
		    aslrt_jn_hof_call(c, f, o->u.o.vals[k],
				      aslrt_jn_v_strn(c, o->u.o.keys[k], o->u.o.klens[k]), o, env);
		if (res)
			aslrt_jn_arr_push(c, r, res);
	}
	return r;
}

static V *bi_sift(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *o = ARG(0), *f = ARG(1);
	if (!o)
		return NULL;
	V *r = aslrt_jn_v_obj(c);
	for (size_t k = 0; k < o->u.o.n; k++) {
		V *res =
		    aslrt_jn_hof_call(c, f, o->u.o.vals[k],
				      aslrt_jn_v_strn(c, o->u.o.keys[k], o->u.o.klens[k]), o, env);
		if (aslrt_jn_fn_boolean(c, res, NULL))
			aslrt_jn_obj_setn(c, r, o->u.o.keys[k], o->u.o.klens[k], o->u.o.vals[k]);
	}
	return r->u.o.n ? r : NULL;
}

static V *bi_map(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1);
	if (!arr)
		return NULL;
	V *r = v_seq(c);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		V *res =
		    aslrt_jn_hof_call(c, f, arr->u.a.it[i], aslrt_jn_v_num(c, (double)i), arr, env);
		if (res)
			aslrt_jn_arr_push(c, r, res);
	}
	return r;
}

static V *bi_filter(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1);
	if (!arr)
		return NULL;
	V *r = v_seq(c);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		V *res =
		    aslrt_jn_hof_call(c, f, arr->u.a.it[i], aslrt_jn_v_num(c, (double)i), arr, env);
		if (aslrt_jn_fn_boolean(c, res, NULL))
			aslrt_jn_arr_push(c, r, arr->u.a.it[i]);
	}
	return r;
}

static V *bi_single(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1);
	if (!arr)
		return NULL;
	V *result = NULL;
	bool found = false;
	for (size_t i = 0; i < arr->u.a.n; i++) {
		bool ok = true;
		if (f)
			ok = aslrt_jn_fn_boolean(c,
						 aslrt_jn_hof_call(c, f, arr->u.a.it[i],
								   aslrt_jn_v_num(c, (double)i),
								   arr, env),
						 NULL);
		if (ok) {
			if (found)
				aslrt_jn_throw_err(c, "D3138", "single", NULL, NULL, 0);
			result = arr->u.a.it[i];
			found = true;
		}
	}
	if (!found)
		aslrt_jn_throw_err(c, "D3139", "single", NULL, NULL, 0);
	return result;
}

static V *bi_reduce(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1), *init = ARG(2);
	if (!arr)
		return NULL;
	int ar = aslrt_jn_fn_arity(f);
	if (ar < 2)
		aslrt_jn_throw_err(c, "D3050", "reduce", NULL, NULL, 1);
	V *result;
	size_t i;
	if (!init && arr->u.a.n > 0) {
		result = arr->u.a.it[0];
		i = 1;
	} else {
		result = init;
		i = 0;
	}
	for (; i < arr->u.a.n; i++) {
		V *args[4] = {result, arr->u.a.it[i], aslrt_jn_v_num(c, (double)i), arr};
		result = aslrt_jn_apply(c, f, args,
					ar >= 4	  ? 4
					: ar >= 3 ? 3
						  : 2,
					NULL, env, "reduce");
	}
	return result;
}

static V *bi_type(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	static const char *names[] = {"",	"null",	 "boolean", "number",
				      "string", "array", "object",  "function"};
	return aslrt_jn_v_cstr(c, names[v->t]);
}

static V *bi_error(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *m = ARG(0);
	aslrt_jn_throw_err(c, "D3137", "error",
			   m ? m : aslrt_jn_v_cstr(c, "$error() function evaluated"), NULL, 0);
}

static V *bi_assert(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) || !ARG(0)->u.b)
		aslrt_jn_throw_err(
		    c, "D3141", "assert",
		    ARG(1) ? ARG(1) : aslrt_jn_v_cstr(c, "$assert() statement failed"), NULL, 0);
	return NULL;
}

static V *bi_clone(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return aslrt_jn_deep_copy(c, ARG(0));
}

/* ---- encoding */

static V *bi_base64encode(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	/* bytes = code points & 0xff (Buffer 'binary') */
	Buf raw = {.ar = &c->ar};
	size_t i = 0;
	while (i < s->u.s.len)
		aslrt_jn_buf_putc(&raw,
				  (char)(aslrt_jn_utf8_decode(s->u.s.s, s->u.s.len, &i) & 0xff));
	Buf b = {.ar = &c->ar};
	const unsigned char *p = (const unsigned char *)raw.s;
	for (size_t k = 0; k < raw.n; k += 3) {
		unsigned v = (unsigned)p[k] << 16 | (k + 1 < raw.n ? (unsigned)p[k + 1] << 8 : 0) |
			     (k + 2 < raw.n ? p[k + 2] : 0);
		aslrt_jn_buf_putc(&b, tab[(v >> 18) & 63]);
		aslrt_jn_buf_putc(&b, tab[(v >> 12) & 63]);
		aslrt_jn_buf_putc(&b, k + 1 < raw.n ? tab[(v >> 6) & 63] : '=');
		aslrt_jn_buf_putc(&b, k + 2 < raw.n ? tab[v & 63] : '=');
	}
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

static V *bi_base64decode(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	Buf b = {.ar = &c->ar};
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < s->u.s.len; i++) {
		char ch = s->u.s.s[i];
		int v = ch >= 'A' && ch <= 'Z'	 ? ch - 'A'
			: ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
			: ch >= '0' && ch <= '9' ? ch - '0' + 52
			: ch == '+' || ch == '-' ? 62
			: ch == '/' || ch == '_' ? 63
						 : -1;
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			aslrt_jn_utf8_put(&b, (acc >> bits) & 0xff);
		}
	}
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

static V *url_encode(Ctx *c, V *s, const char *keep, const char *fname)
{
	Buf b = {.ar = &c->ar};
	size_t i = 0;
	while (i < s->u.s.len) {
		size_t st = i;
		int cp = aslrt_jn_utf8_decode(s->u.s.s, s->u.s.len, &i);
		if (cp >= 0xd800 && cp < 0xe000)
			aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
		if (cp < 128 && (isalnum(cp) || strchr(keep, cp))) {
			aslrt_jn_buf_putc(&b, (char)cp);
			continue;
		}
		for (size_t k = st; k < i; k++)
			aslrt_jn_buf_printf(&b, "%%%02X", (unsigned char)s->u.s.s[k]);
	}
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

static V *url_decode(Ctx *c, V *s, const char *reserved, const char *fname)
{
	Buf b = {.ar = &c->ar};
	const char *p = s->u.s.s;
	size_t len = s->u.s.len;
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '%') {
			aslrt_jn_buf_putc(&b, p[i]);
			continue;
		}
		if (i + 2 >= len + 0 && !(i + 2 < len))
			aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
		if (!isxdigit((unsigned char)p[i + 1]) || !isxdigit((unsigned char)p[i + 2]))
			aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
		unsigned v = (unsigned)strtoul((char[3]){p[i + 1], p[i + 2], 0}, NULL, 16);
		if (v < 128 && reserved && strchr(reserved, (int)v) && v) {
			aslrt_jn_buf_put(&b, p + i, 3);
		} else {
			int extra = v < 0x80		 ? 0
				    : (v & 0xe0) == 0xc0 ? 1
				    : (v & 0xf0) == 0xe0 ? 2
				    : (v & 0xf8) == 0xf0 ? 3
							 : -1;
			if (extra < 0)
				aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
			aslrt_jn_buf_putc(&b, (char)v);
			for (int k = 0; k < extra; k++) {
				size_t j = i + 3 + (size_t)k * 3;
				if (j + 2 >= len + 1 || p[j] != '%' ||
				    !isxdigit((unsigned char)p[j + 1]) ||
				    !isxdigit((unsigned char)p[j + 2]))
					aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
				unsigned w =
				    (unsigned)strtoul((char[3]){p[j + 1], p[j + 2], 0}, NULL, 16);
				if ((w & 0xc0) != 0x80)
					aslrt_jn_throw_err(c, "D3140", fname, s, NULL, 0);
				aslrt_jn_buf_putc(&b, (char)w);
			}
			i += (size_t)extra * 3;
		}
		i += 2;
	}
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

static V *bi_encode_url_component(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? url_encode(c, ARG(0), "-_.!~*'()", "encodeUrlComponent") : NULL;
}

static V *bi_encode_url(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? url_encode(c, ARG(0), "-_.!~*'();,/?:@&=+$#", "encodeUrl") : NULL;
}

static V *bi_decode_url_component(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? url_decode(c, ARG(0), NULL, "decodeUrlComponent") : NULL;
}

static V *bi_decode_url(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? url_decode(c, ARG(0), "#$&+,/:;=?@", "decodeUrl") : NULL;
}

static V *bi_format_base(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	V *tmp[1] = {v};
	double x = aslrt_jn_bi_round(c, tmp, 1, NULL, NULL)->u.n;
	double radix = 10;
	if (ARG(1)) {
		tmp[0] = ARG(1);
		radix = aslrt_jn_bi_round(c, tmp, 1, NULL, NULL)->u.n;
	}
	if (radix < 2 || radix > 36)
		aslrt_jn_throw_err(c, "D3100", "formatBase", aslrt_jn_v_num(c, radix), NULL, 0);
	char buf[80];
	int k = 0;
	bool neg = x < 0;
	double ax = fabs(x);
	do {
		int d = (int)aslrt_fmod(ax, radix);
		buf[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		ax = aslrt_floor(ax / radix);
	} while (ax > 0 && k < 78);
	Buf b = {.ar = &c->ar};
	if (neg)
		aslrt_jn_buf_putc(&b, '-');
	while (k > 0)
		aslrt_jn_buf_putc(&b, buf[--k]);
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

/* ---- Step Functions additions */

static V *bi_parse(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	struct json_object *j = NULL;
	char why[256];
	if (aslrt_json_parse(s->u.s.s, s->u.s.len, &j, why, sizeof why) != 0)
		aslrt_jn_throw_msg(c, "D3030", why);
	c->pending = j; /* from_json may hit the memory bound */
	V *out = aslrt_jn_from_json(c, j, true);
	c->pending = NULL;
	json_object_put(j);
	return out;
}

static V *bi_partition(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *sz = ARG(1);
	if (!arr)
		return NULL;
	NEED_ARG(1, "partition");
	double size = aslrt_floor(sz->u.n);
	if (size <= 0)
		aslrt_jn_throw_msg(c, "D3020",
				   "The chunk size argument of $partition must be positive");
	V *r = aslrt_jn_v_arr(c, 0);
	V *cur = NULL;
	for (size_t i = 0; i < arr->u.a.n; i++) {
		if (!cur || (double)cur->u.a.n >= size) {
			cur = aslrt_jn_v_arr(c, 0);
			aslrt_jn_arr_push(c, r, cur);
		}
		aslrt_jn_arr_push(c, cur, arr->u.a.it[i]);
	}
	return r;
}

static V *bi_range(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) || !ARG(1))
		return NULL;
	double first = aslrt_floor(ARG(0)->u.n), last = aslrt_floor(ARG(1)->u.n);
	double step = ARG(2) ? aslrt_floor(ARG(2)->u.n) : 1;
	if (step == 0)
		aslrt_jn_throw_msg(c, "D3020", "The step argument of $range must not be zero");
	/* The size first, as the .. operator does: nothing allocated for a
	 * range that is refused. */
	double count = aslrt_floor((last - first) / step) + 1;
	if (count > 10000000)
		aslrt_jn_throw_err(c, "D2014", "range", aslrt_jn_v_num(c, count), NULL, 0);
	V *r = v_seq(c);
	if (count > 0)
		aslrt_jn_arr_reserve(c, r, (size_t)count);
	for (double x = first; step > 0 ? x <= last : x >= last; x += step)
		aslrt_jn_arr_push(c, r, aslrt_jn_v_num(c, x));
	return r;
}

static V *bi_hash(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	const char *alg =
	    ARG(1) ? aslrt_jn_arena_strndup(&c->ar, ARG(1)->u.s.s, ARG(1)->u.s.len) : "SHA-256";
	unsigned char out[ASLRT_DIGEST_MAX];
	size_t ol = aslrt_digest(alg, s->u.s.s, s->u.s.len, out);
	if (!ol)
		aslrt_jn_throw_msg(c, "D3137",
				   "The algorithm argument of $hash must be one of MD5, SHA-1, "
				   "SHA-256, SHA-384, SHA-512");
	Buf b = {.ar = &c->ar};
	for (size_t i = 0; i < ol; i++)
		aslrt_jn_buf_printf(&b, "%02x", out[i]);
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

static V *bi_uuid(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)a;
	(void)n;
	unsigned char u[16];
	if (aslrt_random_bytes(u, 16) < 0)
		for (int i = 0; i < 16; i++)
			u[i] = (unsigned char)(aslrt_jn_next_random(c) * 256);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	char s[40];
	snprintf(s, sizeof s,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	return aslrt_jn_v_strcopy(c, s, strlen(s));
}

/* ---- date/time */

static V *iso_from_millis(Ctx *c, double ms)
{
	int64_t t = (int64_t)aslrt_floor(ms);
	int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
	int64_t rem = t - days * 86400000;
	int64_t y;
	int mo, d;
	aslrt_civil_from_days(days, &y, &mo, &d);
	char buf[64];
	if (y >= 0 && y <= 9999)
		snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, mo,
			 d, (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
			 (int)(rem % 1000));
	else
		snprintf(buf, sizeof buf, "%c%06lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 y < 0 ? '-' : '+', (long long)(y < 0 ? -y : y), mo, d,
			 (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
			 (int)(rem % 1000));
	return aslrt_jn_v_strcopy(c, buf, strlen(buf));
}

static V *bi_from_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	if (!ARG(1) && !ARG(2) && fabs(ARG(0)->u.n) <= 8.64e15) /* else format_datetime's D3137 */
		return iso_from_millis(c, ARG(0)->u.n);
	return aslrt_jn_format_datetime(c, ARG(0)->u.n, ARG(1), ARG(2));
}

static V *bi_now(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) && !ARG(1))
		return iso_from_millis(c, c->now_ms);
	return aslrt_jn_format_datetime(c, c->now_ms, ARG(0), ARG(1));
}

static V *bi_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)a;
	(void)n;
	return aslrt_jn_v_num(c, c->now_ms);
}

static bool dig(const char *s, size_t i, size_t len, int k)
{
	for (int j = 0; j < k; j++)
		if (i + (size_t)j >= len || !isdigit((unsigned char)s[i + (size_t)j]))
			return false;
	return true;
}

static int num_at(const char *s, size_t i, int k)
{
	int v = 0;
	for (int j = 0; j < k; j++)
		v = v * 10 + (s[i + (size_t)j] - '0');
	return v;
}

/* ISO 8601 as jsonata accepts it (then Date.parse); NaN when unparseable. */
static bool parse_iso(const char *s, size_t len, double *out)
{
	size_t i = 0;
	if (!dig(s, 0, len, 4))
		return false;
	int y = num_at(s, 0, 4), mo = 1, d = 1, h = 0, mi = 0, se = 0;
	double frac = 0;
	i = 4;
	if (i < len && s[i] == '-') {
		if (!dig(s, i + 1, len, 2))
			return false;
		mo = num_at(s, i + 1, 2);
		i += 3;
		if (i < len && s[i] == '-') {
			if (!dig(s, i + 1, len, 2))
				return false;
			d = num_at(s, i + 1, 2);
			i += 3;
		}
	}
	if (i < len && s[i] == 'T') {
		if (!dig(s, i + 1, len, 2) || i + 3 >= len || s[i + 3] != ':' ||
		    !dig(s, i + 4, len, 2) || i + 6 >= len || s[i + 6] != ':' ||
		    !dig(s, i + 7, len, 2))
			return false;
		h = num_at(s, i + 1, 2);
		mi = num_at(s, i + 4, 2);
		se = num_at(s, i + 7, 2);
		i += 9;
		if (i < len && s[i] == '.') {
			size_t st = ++i;
			double scale = 0.1;
			while (i < len && isdigit((unsigned char)s[i])) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
				i++;
			}
			if (i == st)
				return false;
		}
	}
	int off = 0;
	if (i < len && s[i] == 'Z')
		i++;
	else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		if (!dig(s, i + 1, len, 2))
			return false;
		int oh = num_at(s, i + 1, 2);
		i += 3;
		if (i < len && s[i] == ':')
			i++;
		if (!dig(s, i, len, 2))
			return false;
		off = sign * (oh * 60 + num_at(s, i, 2));
		i += 2;
	}
	if (i != len)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 59)
		return false;
	double days = (double)aslrt_days_from_civil(y, mo, d);
	*out = days * 86400000.0 + h * 3600000.0 + mi * 60000.0 + se * 1000.0 +
	       aslrt_floor(frac * 1000 + 1e-9) - off * 60000.0;
	return true;
}

static V *bi_to_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	if (ARG(1))
		return aslrt_jn_parse_datetime(c, s, ARG(1));
	double ms;
	if (!parse_iso(s->u.s.s, s->u.s.len, &ms))
		aslrt_jn_throw_err(c, "D3110", "toMillis", s, NULL, 0);
	return aslrt_jn_v_num(c, ms);
}

/* ---- pictures (formatNumber, formatInteger, dates): builtin_picture.c */

/* ---- the table */

/* Read-only, no parsed signature in each entry: with one, as initialised
 * data, the table was 29 KB of the executable's .data, pages every run's
 * start-up mapped (peak RSS) whether it evaluates JSONata or not.  The
 * signatures are parsed into sigs (.bss) on first use. */
static const Builtin builtins[] = {
    {"abs", "<n-:n>", aslrt_jn_bi_abs, 1},
    {"append", "<xx:a>", bi_append, 2},
    {"assert", "<bs?:x>", bi_assert, 2},
    {"average", "<a<n>:n>", aslrt_jn_bi_average, 1},
    {"base64decode", "<s-:s>", bi_base64decode, 1},
    {"base64encode", "<s-:s>", bi_base64encode, 1},
    {"boolean", "<x-:b>", aslrt_jn_bi_boolean, 1},
    {"ceil", "<n-:n>", aslrt_jn_bi_ceil, 1},
    {"clone", "<(oa)-:o>", bi_clone, 1},
    {"contains", "<s-(sf):b>", aslrt_jn_bi_contains, 2},
    {"count", "<a:n>", aslrt_jn_bi_count, 1},
    {"decodeUrl", "<s-:s>", bi_decode_url, 1},
    {"decodeUrlComponent", "<s-:s>", bi_decode_url_component, 1},
    {"distinct", "<x:x>", bi_distinct, 1},
    {"each", "<o-f:a>", bi_each, 2},
    {"encodeUrl", "<s-:s>", bi_encode_url, 1},
    {"encodeUrlComponent", "<s-:s>", bi_encode_url_component, 1},
    {"error", "<s?:x>", bi_error, 1},
    {"exists", "<x:b>", aslrt_jn_bi_exists, 1},
    {"filter", "<af>", bi_filter, 2},
    {"floor", "<n-:n>", aslrt_jn_bi_floor, 1},
    {"formatBase", "<n-n?:s>", bi_format_base, 2},
    {"formatInteger", "<n-s:s>", aslrt_jn_bi_format_integer, 2},
    {"formatNumber", "<n-so?:s>", aslrt_jn_bi_format_number, 3},
    {"fromMillis", "<n-s?s?:s>", bi_from_millis, 3},
    {"hash", "<s-s?:s>", bi_hash, 2},
    {"join", "<a<s>s?:s>", aslrt_jn_bi_join, 2},
    {"keys", "<x-:a<s>>", bi_keys, 1},
    {"length", "<s-:n>", aslrt_jn_bi_length, 1},
    {"lookup", "<x-s:x>", bi_lookup, 2},
    {"lowercase", "<s-:s>", aslrt_jn_bi_lowercase, 1},
    {"map", "<af>", bi_map, 2},
    {"match", "<s-f<s:o>n?:a<o>>", aslrt_jn_bi_match, 3},
    {"max", "<a<n>:n>", aslrt_jn_bi_max, 1},
    {"merge", "<a<o>:o>", bi_merge, 1},
    {"millis", "<:n>", bi_millis, 0},
    {"min", "<a<n>:n>", aslrt_jn_bi_min, 1},
    {"not", "<x-:b>", aslrt_jn_bi_not, 1},
    {"now", "<s?s?:s>", bi_now, 2},
    {"number", "<(nsb)-:n>", aslrt_jn_bi_number, 1},
    {"pad", "<s-ns?:s>", aslrt_jn_bi_pad, 3},
    {"parse", "<s-:x>", bi_parse, 1},
    {"parseInteger", "<s-s:n>", aslrt_jn_bi_parse_integer, 2},
    {"partition", "<an:a>", bi_partition, 2},
    {"power", "<n-n:n>", aslrt_jn_bi_power, 2},
    {"random", "<n?:n>", aslrt_jn_bi_random, 0},
    {"range", "<nnn?:a>", bi_range, 3},
    {"reduce", "<afj?:j>", bi_reduce, 3},
    {"replace", "<s-(sf)(sf)n?:s>", aslrt_jn_bi_replace, 4},
    {"reverse", "<a:a>", bi_reverse, 1},
    {"round", "<n-n?:n>", aslrt_jn_bi_round, 2},
    {"shuffle", "<a:a>", bi_shuffle, 1},
    {"sift", "<o-f?:o>", bi_sift, 2},
    {"single", "<af?>", bi_single, 2},
    {"sort", "<af?:a>", bi_sort, 2},
    {"split", "<s-(sf)n?:a<s>>", aslrt_jn_bi_split, 3},
    {"spread", "<x-:a<o>>", bi_spread, 1},
    {"sqrt", "<n-:n>", aslrt_jn_bi_sqrt, 1},
    {"string", "<x-b?:s>", aslrt_jn_bi_string, 1},
    {"substring", "<s-nn?:s>", aslrt_jn_bi_substring, 3},
    {"substringAfter", "<s-s:s>", aslrt_jn_bi_substring_after, 2},
    {"substringBefore", "<s-s:s>", aslrt_jn_bi_substring_before, 2},
    {"sum", "<a<n>:n>", aslrt_jn_bi_sum, 1},
    {"toMillis", "<s-s?:n>", bi_to_millis, 2},
    {"trim", "<s-:s>", aslrt_jn_bi_trim, 1},
    {"type", "<x:s>", bi_type, 1},
    {"uppercase", "<s-:s>", aslrt_jn_bi_uppercase, 1},
    {"uuid", "<:s>", bi_uuid, 0},
    {"zip", "<a+>", bi_zip, 1},
};

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static Sig sigs[NBUILTINS];

void aslrt_jn_builtins_init(void)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		const char *code;
		if (aslrt_jn_sig_parse(&sigs[i], builtins[i].sigtext, strlen(builtins[i].sigtext),
				       &code) != 0)
			abort();
	}
}

pthread_once_t aslrt_jn_builtins_once = PTHREAD_ONCE_INIT;

static int bi_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const Builtin *)e)->name);
}

const Builtin *aslrt_jn_builtin_find(const char *name)
{
	return bsearch(name, builtins, NBUILTINS, sizeof builtins[0], bi_cmp);
}

const Sig *aslrt_jn_builtin_sig(const Builtin *b)
{
	return &sigs[b - builtins];
}
