/*
 * builtin_text.c - JSONata built-in functions on strings, regexes and
 * numbers.
 */
#include "jsonata_int.h"
#include "mathlib.h"

/* ============================================================ built-ins */

V *aslrt_jn_fn_string(Ctx *c, V *v, bool pretty)
{
	if (!v)
		return NULL;
	if (v->t == T_STR)
		return v;
	if (v->t == T_FN)
		return aslrt_jn_v_strn(c, "", 0);
	if (v->t == T_NUM && !isfinite(v->u.n))
		aslrt_jn_throw_err(c, "D3001", NULL, v, NULL, 0);
	if (v->t == T_ARR && (v->fl & F_OUTER) && v->u.a.n)
		v = v->u.a.it[0];
	Buf b = {.ar = &c->ar};
	aslrt_jn_stringify(c, &b, v, pretty, 0, true);
	return aslrt_jn_v_strn(c, b.s, b.n);
}

bool aslrt_jn_fn_boolean(Ctx *c, V *v, bool *undef)
{
	if (undef)
		*undef = !v;
	if (!v)
		return false;
	switch (v->t) {
	case T_ARR:
		if (v->u.a.n == 1)
			return aslrt_jn_fn_boolean(c, v->u.a.it[0], NULL);
		for (size_t i = 0; i < v->u.a.n; i++)
			if (aslrt_jn_fn_boolean(c, v->u.a.it[i], NULL))
				return true;
		return false;
	case T_STR:
		return v->u.s.len > 0;
	case T_NUM:
		return aslrt_jn_is_num(c, v) && v->u.n != 0;
	case T_OBJ:
		return v->u.o.n > 0;
	case T_BOOL:
		return v->u.b;
	default:
		return false;
	}
}

V *aslrt_jn_bi_string(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool pretty = ARG(1) && ARG(1)->u.b;
	return aslrt_jn_fn_string(c, ARG(0), pretty);
}

V *aslrt_jn_bi_length(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	return aslrt_jn_v_num(c, (double)aslrt_jn_utf8_len(s->u.s.s, s->u.s.len));
}

static double js_trunc_int(double d)
{
	if (isnan(d))
		return 0;
	return aslrt_trunc(d);
}

V *aslrt_jn_bi_substring(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	NEED_ARG(1, "substring");
	double len = (double)aslrt_jn_utf8_len(s->u.s.s, s->u.s.len);
	double start = js_trunc_int(ARG(1)->u.n);
	if (len + start < 0)
		start = 0;
	double end = len;
	if (ARG(2)) {
		double l = ARG(2)->u.n;
		if (l <= 0)
			return aslrt_jn_v_strn(c, "", 0);
		end = start >= 0 ? start + l : len + start + l;
		end = js_trunc_int(end);
	}
	if (start < 0)
		start = len + start;
	if (start < 0)
		start = 0;
	if (end < 0)
		end += len;
	if (end > len)
		end = len;
	if (start >= end)
		return aslrt_jn_v_strn(c, "", 0);
	size_t b0 = aslrt_jn_utf8_off(s->u.s.s, s->u.s.len, (size_t)start);
	size_t b1 = aslrt_jn_utf8_off(s->u.s.s, s->u.s.len, (size_t)end);
	return aslrt_jn_v_strcopy(c, s->u.s.s + b0, b1 - b0);
}

static const char *mem_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	if (nn > hn)
		return NULL;
	return memmem(h, hn, nd, nn);
}

V *aslrt_jn_bi_substring_before(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *ch = ARG(1);
	if (!s)
		return NULL;
	NEED_ARG(1, "substringBefore");
	const char *p = mem_find(s->u.s.s, s->u.s.len, ch->u.s.s, ch->u.s.len);
	if (!p)
		return s;
	return aslrt_jn_v_strcopy(c, s->u.s.s, (size_t)(p - s->u.s.s));
}

V *aslrt_jn_bi_substring_after(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *ch = ARG(1);
	if (!s)
		return NULL;
	NEED_ARG(1, "substringAfter");
	const char *p = mem_find(s->u.s.s, s->u.s.len, ch->u.s.s, ch->u.s.len);
	if (!p)
		return s;
	size_t off = (size_t)(p - s->u.s.s) + ch->u.s.len;
	return aslrt_jn_v_strn(c, s->u.s.s + off, s->u.s.len - off);
}

static locale_t g_loc;
static void loc_init(void)
{
	g_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static V *case_map(Ctx *c, V *s, bool upper)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, loc_init);
	Buf b = {.ar = &c->ar};
	size_t i = 0;
	while (i < s->u.s.len) {
		int cp = aslrt_jn_utf8_decode(s->u.s.s, s->u.s.len, &i);
		if (cp < 128)
			cp = upper ? toupper(cp) : tolower(cp);
		else if (g_loc)
			cp = (int)(upper ? towupper_l((wint_t)cp, g_loc)
					 : towlower_l((wint_t)cp, g_loc));
		aslrt_jn_utf8_put(&b, (unsigned)cp);
	}
	aslrt_jn_buf_cstr(&b);
	return aslrt_jn_v_strn(c, b.s, b.n);
}

V *aslrt_jn_bi_uppercase(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? case_map(c, ARG(0), true) : NULL;
}

V *aslrt_jn_bi_lowercase(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? case_map(c, ARG(0), false) : NULL;
}

V *aslrt_jn_bi_trim(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	Buf b = {.ar = &c->ar};
	bool ws = false;
	for (size_t i = 0; i < s->u.s.len; i++) {
		char ch = s->u.s.s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			if (!ws)
				aslrt_jn_buf_putc(&b, ' ');
			ws = true;
		} else {
			aslrt_jn_buf_putc(&b, ch);
			ws = false;
		}
	}
	aslrt_jn_buf_cstr(&b);
	const char *p = b.s;
	size_t len = b.n;
	if (len && p[0] == ' ') {
		p++;
		len--;
	}
	if (len && p[len - 1] == ' ')
		len--;
	return aslrt_jn_v_strcopy(c, p, len);
}

V *aslrt_jn_bi_pad(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	NEED_ARG(1, "pad");
	double width = ARG(1)->u.n;
	const char *ch = " ";
	size_t chl = 1;
	if (ARG(2) && ARG(2)->u.s.len) {
		ch = ARG(2)->u.s.s;
		chl = ARG(2)->u.s.len;
	}
	double padlen = fabs(width) - (double)aslrt_jn_utf8_len(s->u.s.s, s->u.s.len);
	if (padlen <= 0)
		return s;
	if (padlen * (double)(chl > 4 ? chl : 4) > (double)EVAL_MEMORY_LIMIT)
		aslrt_jn_throw_err(c, "D1001", NULL, ARG(1), NULL, 0);
	size_t pl = (size_t)aslrt_ceil(padlen);
	Buf pad = {.ar = &c->ar};
	size_t chcp = aslrt_jn_utf8_len(ch, chl), got = 0;
	while (got < pl) {
		size_t take = pl - got < chcp ? pl - got : chcp;
		aslrt_jn_buf_put(&pad, ch, aslrt_jn_utf8_off(ch, chl, take));
		got += take;
	}
	Buf b = {.ar = &c->ar};
	if (width > 0) {
		aslrt_jn_buf_put(&b, s->u.s.s, s->u.s.len);
		aslrt_jn_buf_put(&b, pad.s, pad.n);
	} else {
		aslrt_jn_buf_put(&b, pad.s, pad.n);
		aslrt_jn_buf_put(&b, s->u.s.s, s->u.s.len);
	}
	return aslrt_jn_v_strn(c, b.s, b.n);
}

/* ---- regex matching */

typedef struct Match {
	size_t start, end; /* byte offsets */
	int ng;
	V **groups;
} Match;

static bool re_exec(Ctx *c, const Node *rn, const char *s, size_t len, size_t from, Match *m)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(rn->re, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 10000000);
	pcre2_set_depth_limit(mc, 100000);
	int rc = pcre2_match(rn->re, (PCRE2_SPTR)s, len, from, 0, md, mc);
	bool ok = false;
	if (rc > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		uint32_t cnt = pcre2_get_ovector_count(md);
		m->start = ov[0];
		m->end = ov[1];
		uint32_t capcount = 0;
		pcre2_pattern_info(rn->re, PCRE2_INFO_CAPTURECOUNT, &capcount);
		m->ng = (int)capcount;
		m->groups = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V *) * (capcount + 1));
		for (uint32_t g = 1; g <= capcount; g++) {
			if (g < cnt && (int)g < rc && ov[2 * g] != PCRE2_UNSET)
				m->groups[g - 1] =
				    aslrt_jn_v_strcopy(c, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
			else
				m->groups[g - 1] = aslrt_jn_v_strn(c, "", 0);
		}
		ok = true;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		aslrt_jn_throw_msg(c, "U1001", "Regular expression evaluation exceeded its limits");
	return ok;
}

typedef struct ReIter {
	const Node *rn;
	const char *s;
	size_t len, last;
	bool first;
} ReIter;

static bool re_next(Ctx *c, ReIter *it, Match *m)
{
	if (!it->first && it->last >= it->len)
		return false;
	if (!re_exec(c, it->rn, it->s, it->len, it->last, m))
		return false;
	if (!it->first && m->start == m->end)
		aslrt_jn_throw_err(c, "D1004", NULL, aslrt_jn_v_strn(c, it->rn->str, it->rn->slen),
				   NULL, 0);
	it->first = false;
	it->last = m->end;
	return true;
}

static const Node *regex_of(Ctx *c, V *f, const char *token)
{
	if (f && f->t == T_FN && f->u.f->kind == FN_REGEX)
		return f->u.f->node;
	aslrt_jn_throw_err(c, "T1010", token, NULL, NULL, 0);
}

static V *match_obj(Ctx *c, const char *s, Match *m, bool with_end)
{
	V *o = aslrt_jn_v_obj(c);
	aslrt_jn_obj_set(c, o, "match", aslrt_jn_v_strcopy(c, s + m->start, m->end - m->start));
	if (with_end) {
		aslrt_jn_obj_set(c, o, "start",
				 aslrt_jn_v_num(c, (double)aslrt_jn_utf16_units(s, m->start)));
		aslrt_jn_obj_set(c, o, "end",
				 aslrt_jn_v_num(c, (double)aslrt_jn_utf16_units(s, m->end)));
	} else
		aslrt_jn_obj_set(c, o, "index",
				 aslrt_jn_v_num(c, (double)aslrt_jn_utf16_units(s, m->start)));
	V *g = aslrt_jn_v_arr(c, 0);
	for (int i = 0; i < m->ng; i++)
		aslrt_jn_arr_push(c, g, m->groups[i]);
	aslrt_jn_obj_set(c, o, "groups", g);
	return o;
}

V *aslrt_jn_regex_call(Ctx *c, Fn *f, V *str)
{
	if (!str || str->t != T_STR)
		return NULL;
	Match m;
	if (!re_exec(c, f->node, str->u.s.s, str->u.s.len, 0, &m))
		return NULL;
	return match_obj(c, str->u.s.s, &m, true);
}

V *aslrt_jn_bi_contains(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *t = ARG(1);
	if (!s)
		return NULL;
	NEED_ARG(1, "contains");
	if (t->t == T_STR)
		return VBOOL(mem_find(s->u.s.s, s->u.s.len, t->u.s.s, t->u.s.len) != NULL);
	Match m;
	return VBOOL(re_exec(c, regex_of(c, t, "contains"), s->u.s.s, s->u.s.len, 0, &m));
}

/* A function as the matcher: called with the string, it returns
 * {match, start, end, groups, next} and next() the following match, as
 * jsonata-js calls a regex. */
static V *match_with_function(Ctx *c, V *s, V *fn, V *lim, V *r, V *input, Env *env)
{
	V *args[1] = {s};
	V *m = aslrt_jn_apply(c, fn, args, 1, input, env, "match");
	double count = 0;
	while (m && (!lim || count < lim->u.n)) {
		V *start = m->t == T_OBJ ? aslrt_jn_obj_get(m, "start", 5, NULL) : NULL;
		V *next = m->t == T_OBJ ? aslrt_jn_obj_get(m, "next", 4, NULL) : NULL;
		if (!start || start->t != T_NUM || !next || next->t != T_FN)
			aslrt_jn_throw_err(c, "T1010", "match", NULL, NULL, 0);
		V *o = aslrt_jn_v_obj(c), *mt = aslrt_jn_obj_get(m, "match", 5, NULL),
		  *g = aslrt_jn_obj_get(m, "groups", 6, NULL);
		if (mt)
			aslrt_jn_obj_set(c, o, "match", mt);
		aslrt_jn_obj_set(c, o, "index", start);
		if (g)
			aslrt_jn_obj_set(c, o, "groups", g);
		aslrt_jn_arr_push(c, r, o);
		count++;
		m = aslrt_jn_apply(c, next, NULL, 0, input, env, "match");
	}
	return r;
}

V *aslrt_jn_bi_match(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *re = ARG(1), *lim = ARG(2);
	if (!s)
		return NULL;
	if (lim && lim->u.n < 0)
		aslrt_jn_throw_err(c, "D3040", "match", lim, NULL, 3);
	V *r = v_seq(c);
	if (lim && lim->u.n <= 0)
		return r;
	if (re && re->t == T_FN && re->u.f->kind != FN_REGEX)
		return match_with_function(c, s, re, lim, r, input, env);
	ReIter it = {regex_of(c, re, "match"), s->u.s.s, s->u.s.len, 0, true};
	Match m;
	double count = 0;
	while ((!lim || count < lim->u.n) && re_next(c, &it, &m)) {
		aslrt_jn_arr_push(c, r, match_obj(c, s->u.s.s, &m, false));
		count++;
	}
	return r;
}

V *aslrt_jn_bi_replace(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *pat = ARG(1), *rep = ARG(2), *lim = ARG(3);
	if (!s)
		return NULL;
	NEED_ARG(1, "replace");
	NEED_ARG(2, "replace");
	if (pat->t == T_STR && pat->u.s.len == 0)
		aslrt_jn_throw_err(c, "D3010", "replace", pat, NULL, 2);
	if (lim && lim->u.n < 0)
		aslrt_jn_throw_err(c, "D3011", "replace", lim, NULL, 4);
	if (lim && lim->u.n <= 0)
		return s;
	Buf b = {.ar = &c->ar};
	double count = 0;
	const char *str = s->u.s.s;
	size_t len = s->u.s.len, pos = 0;
	if (pat->t == T_STR) {
		const char *p;
		while ((!lim || count < lim->u.n) &&
		       (p = mem_find(str + pos, len - pos, pat->u.s.s, pat->u.s.len))) {
			aslrt_jn_buf_put(&b, str + pos, (size_t)(p - str - pos));
			if (rep->t == T_STR)
				aslrt_jn_buf_put(&b, rep->u.s.s, rep->u.s.len);
			pos = (size_t)(p - str) + pat->u.s.len;
			count++;
		}
		aslrt_jn_buf_put(&b, str + pos, len - pos);
		return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
	}
	ReIter it = {regex_of(c, pat, "replace"), str, len, 0, true};
	Match m;
	bool any = false;
	while ((!lim || count < lim->u.n) && re_next(c, &it, &m)) {
		any = true;
		aslrt_jn_buf_put(&b, str + pos, m.start - pos);
		if (rep->t == T_STR) {
			const char *r = rep->u.s.s;
			size_t rl = rep->u.s.len, rp = 0;
			while (rp < rl) {
				const char *d = memchr(r + rp, '$', rl - rp);
				if (!d) {
					aslrt_jn_buf_put(&b, r + rp, rl - rp);
					break;
				}
				aslrt_jn_buf_put(&b, r + rp, (size_t)(d - r - rp));
				rp = (size_t)(d - r) + 1;
				char dv = rp < rl ? r[rp] : 0;
				if (dv == '$') {
					aslrt_jn_buf_putc(&b, '$');
					rp++;
				} else if (dv == '0') {
					aslrt_jn_buf_put(&b, str + m.start, m.end - m.start);
					rp++;
				} else {
					int maxd =
					    m.ng == 0
						? 1
						: (int)aslrt_floor(aslrt_log10((double)m.ng)) + 1;
					int idx = -1, used = 0;
					char digits[8] = {0};
					int k = 0;
					while (k < maxd && rp + (size_t)k < rl &&
					       isdigit((unsigned char)r[rp + (size_t)k])) {
						digits[k] = r[rp + (size_t)k];
						k++;
					}
					if (k > 0) {
						idx = atoi(digits);
						used = k;
						if (maxd > 1 && idx > m.ng && k > 1) {
							digits[k - 1] = 0;
							idx = atoi(digits);
							used = k - 1;
						}
					}
					if (idx >= 0) {
						if (m.ng > 0 && idx >= 1 && idx <= m.ng)
							aslrt_jn_buf_put(
							    &b, m.groups[idx - 1]->u.s.s,
							    m.groups[idx - 1]->u.s.len);
						char tmp[16];
						used = snprintf(tmp, sizeof tmp, "%d", idx);
						rp += (size_t)used;
					} else
						aslrt_jn_buf_putc(&b, '$');
				}
			}
		} else {
			V *mo = match_obj(c, str, &m, true);
			V *res = aslrt_jn_apply(c, rep, &mo, 1, NULL, env, "replace");
			if (!res || res->t != T_STR)
				aslrt_jn_throw_err(c, "D3012", "replace", res, NULL, 0);
			aslrt_jn_buf_put(&b, res->u.s.s, res->u.s.len);
		}
		pos = m.end;
		count++;
	}
	if (!any)
		return s;
	aslrt_jn_buf_put(&b, str + pos, len - pos);
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

V *aslrt_jn_bi_split(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *sep = ARG(1), *lim = ARG(2);
	if (!s)
		return NULL;
	NEED_ARG(1, "split");
	if (lim && lim->u.n < 0)
		aslrt_jn_throw_err(c, "D3020", "split", lim, NULL, 3);
	V *r = aslrt_jn_v_arr(c, 0);
	if (lim && lim->u.n <= 0)
		return r;
	double limit = lim ? aslrt_floor(lim->u.n) : 1e300;
	const char *str = s->u.s.s;
	size_t len = s->u.s.len;
	if (sep->t == T_STR) {
		if (sep->u.s.len == 0) {
			size_t i = 0;
			while (i < len && r->u.a.n < limit) {
				size_t st = i;
				aslrt_jn_utf8_decode(str, len, &i);
				aslrt_jn_arr_push(c, r, aslrt_jn_v_strcopy(c, str + st, i - st));
			}
			return r;
		}
		size_t pos = 0;
		const char *p;
		while (r->u.a.n < limit &&
		       (p = mem_find(str + pos, len - pos, sep->u.s.s, sep->u.s.len))) {
			aslrt_jn_arr_push(
			    c, r, aslrt_jn_v_strcopy(c, str + pos, (size_t)(p - str - pos)));
			pos = (size_t)(p - str) + sep->u.s.len;
		}
		if (r->u.a.n < limit)
			aslrt_jn_arr_push(c, r, aslrt_jn_v_strn(c, str + pos, len - pos));
		return r;
	}
	ReIter it = {regex_of(c, sep, "split"), str, len, 0, true};
	Match m;
	size_t start = 0;
	double count = 0;
	bool any = false;
	while (count < limit && re_next(c, &it, &m)) {
		any = true;
		aslrt_jn_arr_push(
		    c, r,
		    aslrt_jn_v_strcopy(c, str + start, m.start > start ? m.start - start : 0));
		start = m.end;
		count++;
	}
	if (!any || count < limit)
		aslrt_jn_arr_push(c, r, aslrt_jn_v_strn(c, str + start, len - start));
	return r;
}

V *aslrt_jn_bi_join(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *sep = ARG(1);
	if (!arr)
		return NULL;
	size_t total = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		total += arr->u.a.it[i]->u.s.len + (i && sep ? sep->u.s.len : 0);
	if (total > EVAL_MEMORY_LIMIT)
		aslrt_jn_memory_exceeded(&c->ar);
	Buf b = {.ar = &c->ar};
	for (size_t i = 0; i < arr->u.a.n; i++) {
		if (i && sep)
			aslrt_jn_buf_put(&b, sep->u.s.s, sep->u.s.len);
		aslrt_jn_buf_put(&b, arr->u.a.it[i]->u.s.s, arr->u.a.it[i]->u.s.len);
	}
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&b), b.n);
}

/* ---- numbers */

static bool num_re(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	size_t d = i;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i == d)
		return false;
	if (i < n && s[i] == '.') {
		i++;
		size_t f = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == f)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == e)
			return false;
	}
	return i == n;
}

V *aslrt_jn_bi_number(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	if (v->t == T_NUM)
		return v;
	if (v->t == T_BOOL)
		return aslrt_jn_v_num(c, v->u.b ? 1 : 0);
	if (v->t == T_STR) {
		const char *s = v->u.s.s;
		size_t len = v->u.s.len;
		if (num_re(s, len)) {
			char *t = aslrt_jn_arena_strndup(&c->ar, s, len);
			double d = strtod(t, NULL);
			if (isfinite(d))
				return aslrt_jn_v_num(c, d);
		}
		if (len > 2 && s[0] == '0') {
			int base = (s[1] == 'x' || s[1] == 'X')	  ? 16
				   : (s[1] == 'o' || s[1] == 'O') ? 8
				   : (s[1] == 'b' || s[1] == 'B') ? 2
								  : 0;
			if (base) {
				double d = 0;
				bool ok = true;
				for (size_t i = 2; i < len; i++) {
					int dv = isdigit((unsigned char)s[i]) ? s[i] - '0'
						 : isalpha((unsigned char)s[i])
						     ? tolower(s[i]) - 'a' + 10
						     : 99;
					if (dv >= base) {
						ok = false;
						break;
					}
					d = d * base + dv;
				}
				if (ok)
					return aslrt_jn_v_num(c, d);
			}
		}
	}
	aslrt_jn_throw_err(c, "D3030", "number", v, NULL, 1);
}

V *aslrt_jn_bi_abs(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? aslrt_jn_v_num(c, fabs(ARG(0)->u.n)) : NULL;
}

V *aslrt_jn_bi_floor(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? aslrt_jn_v_num(c, aslrt_floor(ARG(0)->u.n) + 0.0) : NULL;
}

V *aslrt_jn_bi_ceil(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? aslrt_jn_v_num(c, aslrt_ceil(ARG(0)->u.n) + 0.0) : NULL;
}

static double shift_dec(double x, int by)
{
	/* +(x.toString().split('e') ... 'e' + (exp + by)) */
	char buf[64], out[80];
	aslrt_jn_js_num(buf, x);
	char *e = strchr(buf, 'e');
	int exp = 0;
	if (e) {
		exp = atoi(e + 1);
		*e = 0;
	}
	snprintf(out, sizeof out, "%se%d", buf, exp + by);
	return strtod(out, NULL);
}

V *aslrt_jn_bi_round(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	double x = v->u.n;
	/* clamped before the conversion to int: past 1000 places either way
	 * the result is the same (0, or x shifted out of the double range) */
	double pd = ARG(1) ? aslrt_fmax(-1000, aslrt_fmin(1000, ARG(1)->u.n)) : 0;
	int prec = (int)pd;
	if (prec)
		x = shift_dec(x, prec);
	double r = aslrt_floor(x + 0.5);
	double diff = r - x;
	if (fabs(diff) == 0.5 && fabs(aslrt_fmod(r, 2)) == 1)
		r = r - 1;
	if (prec)
		r = shift_dec(r, -prec);
	if (r == 0)
		r = 0;
	return aslrt_jn_v_num(c, r);
}

V *aslrt_jn_bi_power(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	NEED_ARG(1, "power");
	double r = aslrt_pow(ARG(0)->u.n, ARG(1)->u.n);
	if (!isfinite(r))
		aslrt_jn_throw_err(c, "D3061", "power", ARG(0), ARG(1), 0);
	return aslrt_jn_v_num(c, r);
}

V *aslrt_jn_bi_sqrt(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	if (ARG(0)->u.n < 0)
		aslrt_jn_throw_err(c, "D3060", "sqrt", ARG(0), NULL, 1);
	return aslrt_jn_v_num(c, aslrt_sqrt(ARG(0)->u.n));
}

double aslrt_jn_next_random(Ctx *c)
{
	/* xorshift64* seeded per evaluation from the OS */
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

V *aslrt_jn_bi_random(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (ARG(0)) {
		/* java.util.Random(seed).nextDouble() */
		int64_t seed = (int64_t)aslrt_floor(ARG(0)->u.n);
		uint64_t s = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
		uint64_t parts[2];
		int bits[2] = {26, 27};
		for (int i = 0; i < 2; i++) {
			s = (s * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
			parts[i] = s >> (48 - bits[i]);
		}
		return aslrt_jn_v_num(c, (double)((parts[0] << 27) + parts[1]) *
					     (1.0 / (double)(1ULL << 53)));
	}
	return aslrt_jn_v_num(c, aslrt_jn_next_random(c));
}

V *aslrt_jn_bi_sum(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	double t = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		t += arr->u.a.it[i]->u.n;
	return aslrt_jn_v_num(c, t);
}

V *aslrt_jn_bi_max(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = -INFINITY;
	for (size_t i = 0; i < arr->u.a.n; i++)
		if (arr->u.a.it[i]->u.n > t)
			t = arr->u.a.it[i]->u.n;
	return aslrt_jn_v_num(c, t);
}

V *aslrt_jn_bi_min(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = INFINITY;
	for (size_t i = 0; i < arr->u.a.n; i++)
		if (arr->u.a.it[i]->u.n < t)
			t = arr->u.a.it[i]->u.n;
	return aslrt_jn_v_num(c, t);
}

V *aslrt_jn_bi_average(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		t += arr->u.a.it[i]->u.n;
	return aslrt_jn_v_num(c, t / (double)arr->u.a.n);
}

V *aslrt_jn_bi_count(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return aslrt_jn_v_num(c, ARG(0) ? (double)ARG(0)->u.a.n : 0);
}

V *aslrt_jn_bi_boolean(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool u;
	bool r = aslrt_jn_fn_boolean(c, ARG(0), &u);
	return u ? NULL : VBOOL(r);
}

V *aslrt_jn_bi_not(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool u;
	bool r = aslrt_jn_fn_boolean(c, ARG(0), &u);
	return u ? NULL : VBOOL(!r);
}

V *aslrt_jn_bi_exists(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)c;
	return VBOOL(ARG(0) != NULL);
}
