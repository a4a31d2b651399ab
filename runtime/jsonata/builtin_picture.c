/*
 * builtin_picture.c - $formatNumber, $formatInteger and $parseInteger: the
 * picture-string built-ins over picture.c.
 */
#include "jsonata_int.h"
#include "mathlib.h"

/* ============================================================ pictures */

/* The picture-string functions live in picture.c; these convert
 * values and raise the error it reports. */
__attribute__((noreturn)) static void throw_pic(Ctx *c, const aslrt_pic_err *pe)
{
	aslrt_jn_throw_err(c, pe->code, NULL, pe->value[0] ? aslrt_jn_v_cstr(c, pe->value) : NULL,
			   NULL, 0);
}

static V *pic_result(Ctx *c, char *s, const aslrt_pic_err *pe)
{
	if (!s)
		throw_pic(c, pe);
	V *r = aslrt_jn_v_strcopy(c, s, strlen(s));
	free(s);
	return r;
}

V *aslrt_jn_format_datetime(Ctx *c, double ms, V *picture, V *tz)
{
	aslrt_pic_err pe = {0};
	char *p = picture ? strndup(picture->u.s.s, picture->u.s.len) : NULL;
	char *z = tz ? strndup(tz->u.s.s, tz->u.s.len) : NULL;
	char *s = aslrt_pic_format_datetime(ms, p, z, &pe);
	free(p);
	free(z);
	return pic_result(c, s, &pe);
}

V *aslrt_jn_parse_datetime(Ctx *c, V *s, V *picture)
{
	aslrt_pic_err pe = {0};
	char *t = strndup(s->u.s.s, s->u.s.len), *p = strndup(picture->u.s.s, picture->u.s.len);
	double ms = 0;
	int rc = aslrt_pic_parse_datetime(t, p, c->now_ms, &ms, &pe);
	free(t);
	free(p);
	if (rc < 0)
		throw_pic(c, &pe);
	return rc == 0 ? aslrt_jn_v_num(c, ms) : NULL;
}

/* Code point strings for the picture-string functions. */
typedef struct U {
	uint32_t *c;
	int n;
} U;

static U u_from(Ctx *c, const char *s, size_t len)
{
	U u = {aslrt_jn_arena_alloc_raw(&c->ar, sizeof(uint32_t) * (len + 1)), 0};
	size_t i = 0;
	while (i < len)
		u.c[u.n++] = (uint32_t)aslrt_jn_utf8_decode(s, len, &i);
	return u;
}

static U u_sub(U u, int from, int to)
{
	if (from < 0)
		from = 0;
	if (to > u.n)
		to = u.n;
	if (to < from)
		to = from;
	return (U){u.c + from, to - from};
}

static int u_index(U u, uint32_t ch, int from)
{
	for (int i = from < 0 ? 0 : from; i < u.n; i++)
		if (u.c[i] == ch)
			return i;
	return -1;
}

static int u_last(U u, uint32_t ch)
{
	for (int i = u.n - 1; i >= 0; i--)
		if (u.c[i] == ch)
			return i;
	return -1;
}

static void u_put(Buf *b, U u)
{
	for (int i = 0; i < u.n; i++)
		aslrt_jn_utf8_put(b, u.c[i]);
}

typedef struct NumProps {
	uint32_t dec, grp, exp, minus, pct, pml, zero, digit, sep;
	U inf, nan;
} NumProps;

typedef struct Pic {
	U prefix, suffix, active, mantissa, expo, integer, frac, sub;
	bool has_exp;
} Pic;

static bool is_digit_fam(const NumProps *pr, uint32_t ch)
{
	return ch >= pr->zero && ch <= pr->zero + 9;
}

static bool is_active(const NumProps *pr, uint32_t ch)
{
	return ch == pr->dec || ch == pr->exp || ch == pr->grp || ch == pr->digit ||
	       is_digit_fam(pr, ch);
}

static Pic split_pic(const NumProps *pr, U sub)
{
	Pic p = {0};
	p.sub = sub;
	int i;
	for (i = 0; i < sub.n; i++)
		if (is_active(pr, sub.c[i]) && sub.c[i] != pr->exp)
			break;
	p.prefix = u_sub(sub, 0, i);
	for (i = sub.n - 1; i >= 0; i--)
		if (is_active(pr, sub.c[i]) && sub.c[i] != pr->exp)
			break;
	p.suffix = u_sub(sub, i + 1, sub.n);
	p.active = u_sub(sub, p.prefix.n, sub.n - p.suffix.n);
	int epos = u_index(sub, pr->exp, p.prefix.n);
	if (epos == -1 || epos > sub.n - p.suffix.n) {
		p.mantissa = p.active;
	} else {
		p.mantissa = u_sub(p.active, 0, epos);
		p.expo = u_sub(p.active, epos + 1, p.active.n);
		p.has_exp = true;
	}
	int dpos = u_index(p.mantissa, pr->dec, 0);
	if (dpos == -1) {
		p.integer = p.mantissa;
		p.frac = p.suffix;
	} else {
		p.integer = u_sub(p.mantissa, 0, dpos);
		p.frac = u_sub(p.mantissa, dpos + 1, p.mantissa.n);
	}
	return p;
}

static const char *validate_pic(const NumProps *pr, const Pic *p)
{
	const char *err = NULL;
	U sub = p->sub;
	int dpos = u_index(sub, pr->dec, 0);
	if (dpos != u_last(sub, pr->dec))
		err = "D3081";
	if (u_index(sub, pr->pct, 0) != u_last(sub, pr->pct))
		err = "D3082";
	if (u_index(sub, pr->pml, 0) != u_last(sub, pr->pml))
		err = "D3083";
	if (u_index(sub, pr->pct, 0) != -1 && u_index(sub, pr->pml, 0) != -1)
		err = "D3084";
	bool valid = false;
	for (int i = 0; i < p->mantissa.n; i++)
		if (is_digit_fam(pr, p->mantissa.c[i]) || p->mantissa.c[i] == pr->digit)
			valid = true;
	if (!valid)
		err = "D3085";
	for (int i = 0; i < p->active.n; i++)
		if (!is_active(pr, p->active.c[i]))
			err = "D3086";
	if (dpos != -1) {
		if ((dpos > 0 && sub.c[dpos - 1] == pr->grp) ||
		    (dpos + 1 < sub.n && sub.c[dpos + 1] == pr->grp))
			err = "D3087";
	} else if (p->integer.n > 0 && p->integer.c[p->integer.n - 1] == pr->grp)
		err = "D3088";
	for (int i = 0; i + 1 < sub.n; i++)
		if (sub.c[i] == pr->grp && sub.c[i + 1] == pr->grp)
			err = "D3089";
	int od = u_index(p->integer, pr->digit, 0);
	if (od != -1)
		for (int i = 0; i < od; i++)
			if (is_digit_fam(pr, p->integer.c[i]))
				err = "D3090";
	od = u_last(p->frac, pr->digit);
	if (od != -1)
		for (int i = od; i < p->frac.n; i++)
			if (is_digit_fam(pr, p->frac.c[i]))
				err = "D3091";
	if (p->has_exp && p->expo.n > 0 &&
	    (u_index(sub, pr->pct, 0) != -1 || u_index(sub, pr->pml, 0) != -1))
		err = "D3092";
	if (p->has_exp) {
		if (p->expo.n == 0)
			err = "D3093";
		for (int i = 0; i < p->expo.n; i++)
			if (!is_digit_fam(pr, p->expo.c[i]))
				err = "D3093";
	}
	return err;
}

typedef struct PicVars {
	int grp_pos[32], ngrp;
	int regular;
	int min_int, scaling;
	int fgrp_pos[32], nfgrp;
	int min_frac, max_frac, min_exp;
	U prefix, suffix, picture;
} PicVars;

static int gcd_i(int a, int b)
{
	return b == 0 ? a : gcd_i(b, a % b);
}

static void grouping_positions(const NumProps *pr, const Pic *p, U part, bool to_left, int *out,
			       int *nout)
{
	*nout = 0;
	int gp = u_index(part, pr->grp, 0);
	while (gp != -1 && *nout < 32) {
		U side = to_left ? u_sub(part, 0, gp) : u_sub(part, gp, part.n);
		int cnt = 0;
		for (int i = 0; i < side.n; i++)
			if (is_digit_fam(pr, side.c[i]) || side.c[i] == pr->digit)
				cnt++;
		out[(*nout)++] = cnt;
		gp = u_index(p->integer, pr->grp, gp + 1);
	}
}

static PicVars analyse_pic(const NumProps *pr, const Pic *p)
{
	PicVars v = {0};
	grouping_positions(pr, p, p->integer, false, v.grp_pos, &v.ngrp);
	if (v.ngrp > 0) {
		int f = v.grp_pos[0];
		for (int i = 1; i < v.ngrp; i++)
			f = gcd_i(f, v.grp_pos[i]);
		v.regular = f;
		for (int k = 1; k <= v.ngrp && v.regular; k++) {
			bool found = false;
			for (int i = 0; i < v.ngrp; i++)
				if (v.grp_pos[i] == k * f)
					found = true;
			if (!found)
				v.regular = 0;
		}
	}
	grouping_positions(pr, p, p->frac, true, v.fgrp_pos, &v.nfgrp);
	for (int i = 0; i < p->integer.n; i++)
		if (is_digit_fam(pr, p->integer.c[i]))
			v.min_int++;
	v.scaling = v.min_int;
	for (int i = 0; i < p->frac.n; i++) {
		if (is_digit_fam(pr, p->frac.c[i]))
			v.min_frac++;
		if (is_digit_fam(pr, p->frac.c[i]) || p->frac.c[i] == pr->digit)
			v.max_frac++;
	}
	if (v.min_int == 0 && v.max_frac == 0) {
		if (p->has_exp) {
			v.min_frac = 1;
			v.max_frac = 1;
		} else
			v.min_int = 1;
	}
	if (p->has_exp && v.min_int == 0 && u_index(p->integer, pr->digit, 0) != -1)
		v.min_int = 1;
	if (v.min_int == 0 && v.min_frac == 0)
		v.min_frac = 1;
	if (p->has_exp)
		for (int i = 0; i < p->expo.n; i++)
			if (is_digit_fam(pr, p->expo.c[i]))
				v.min_exp++;
	v.prefix = p->prefix;
	v.suffix = p->suffix;
	v.picture = p->sub;
	return v;
}

/* Insert ch at position pos of a code-point buffer. */
static void u_insert(uint32_t *buf, int *n, int pos, uint32_t ch)
{
	if (pos < 0)
		pos = 0;
	if (pos > *n)
		pos = *n;
	memmove(buf + pos + 1, buf + pos, sizeof(uint32_t) * (size_t)(*n - pos));
	buf[pos] = ch;
	(*n)++;
}

/* $formatNumber's decimal format properties: the defaults, overridden by
 * the options object. */
static NumProps num_props(Ctx *c, V *opts)
{
	NumProps pr = {'.', ',', 'e', '-', '%', 0x2030, '0', '#', ';', {0}, {0}};
	pr.inf = u_from(c, "Infinity", 8);
	pr.nan = u_from(c, "NaN", 3);
	if (opts && opts->t == T_OBJ) {
		static const char *const names[] = {
		    "decimal-separator", "grouping-separator", "exponent-separator", "minus-sign",
		    "percent",		 "per-mille",	       "zero-digit",	     "digit",
		    "pattern-separator"};
		uint32_t *slots[] = {&pr.dec, &pr.grp,	&pr.exp,   &pr.minus, &pr.pct,
				     &pr.pml, &pr.zero, &pr.digit, &pr.sep};
		for (int i = 0; i < 9; i++) {
			V *o = aslrt_jn_obj_get(opts, names[i], strlen(names[i]), NULL);
			if (o && o->t == T_STR && o->u.s.len) {
				size_t k = 0;
				*slots[i] =
				    (uint32_t)aslrt_jn_utf8_decode(o->u.s.s, o->u.s.len, &k);
			}
		}
		V *o = aslrt_jn_obj_get(opts, "infinity", 8, NULL);
		if (o && o->t == T_STR)
			pr.inf = u_from(c, o->u.s.s, o->u.s.len);
		o = aslrt_jn_obj_get(opts, "NaN", 3, NULL);
		if (o && o->t == T_STR)
			pr.nan = u_from(c, o->u.s.s, o->u.s.len);
	}
	return pr;
}

/* The positive and negative sub-pictures (the negative one, when absent,
 * is the positive one with a minus sign before its prefix). */
static void picture_variants(Ctx *c, const NumProps *pr, U picture, PicVars vars[2])
{
	Pic parts[2];
	int np = 0, start = 0;
	for (int i = 0; i <= picture.n; i++)
		if (i == picture.n || picture.c[i] == pr->sep) {
			if (np == 2)
				aslrt_jn_throw_err(c, "D3080", "formatNumber", NULL, NULL, 0);
			parts[np++] = split_pic(pr, u_sub(picture, start, i));
			start = i + 1;
		}
	for (int i = 0; i < np; i++) {
		const char *e = validate_pic(pr, &parts[i]);
		if (e)
			aslrt_jn_throw_err(c, e, "formatNumber", NULL, NULL, 0);
	}
	for (int i = 0; i < np; i++)
		vars[i] = analyse_pic(pr, &parts[i]);
	if (np == 1) {
		vars[1] = vars[0];
		U pre = {aslrt_jn_arena_alloc_raw(&c->ar, sizeof(uint32_t) *
							      (size_t)(vars[0].prefix.n + 1)),
			 0};
		pre.c[pre.n++] = pr->minus;
		for (int i = 0; i < vars[0].prefix.n; i++)
			pre.c[pre.n++] = vars[0].prefix.c[i];
		vars[1].prefix = pre;
	}
}

/* The rounded value's digits in the picture's zero digit, padded to its
 * minimum sizes, with its grouping separators and decimal separator. */
static U format_digits(Ctx *c, const NumProps *pr, const PicVars *pic, double rounded)
{
	char fixed[400];
	snprintf(fixed, sizeof fixed, "%.*f", pic->max_frac, fabs(rounded));
	int cap = (int)strlen(fixed) + pic->min_int + pic->min_frac + 80;
	uint32_t *buf = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(uint32_t) * (size_t)cap);
	int bn = 0;
	bool had_dot = false;
	for (char *q = fixed; *q; q++) {
		if (*q == '.') {
			buf[bn++] = pr->dec;
			had_dot = true;
		} else
			buf[bn++] = pr->zero + (uint32_t)(*q - '0');
	}
	if (!had_dot)
		buf[bn++] = pr->dec;
	int off = 0;
	while (off < bn && buf[off] == pr->zero)
		off++;
	memmove(buf, buf + off, sizeof(uint32_t) * (size_t)(bn - off));
	bn -= off;
	while (bn > 0 && buf[bn - 1] == pr->zero)
		bn--;
	int dpos = 0;
	while (dpos < bn && buf[dpos] != pr->dec)
		dpos++;
	int padl = pic->min_int - dpos;
	int padr = pic->min_frac - (bn - dpos - 1);
	for (int i = 0; i < padl; i++)
		u_insert(buf, &bn, 0, pr->zero);
	for (int i = 0; i < padr; i++)
		buf[bn++] = pr->zero;
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr->dec)
		dpos++;
	if (pic->regular > 0) {
		int groups = (dpos - 1) / pic->regular;
		for (int g = 1; g <= groups; g++)
			u_insert(buf, &bn, dpos - g * pic->regular, pr->grp);
	} else {
		for (int i = 0; i < pic->ngrp; i++) {
			u_insert(buf, &bn, dpos - pic->grp_pos[i], pr->grp);
			dpos++;
		}
	}
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr->dec)
		dpos++;
	for (int i = 0; i < pic->nfgrp; i++)
		u_insert(buf, &bn, pic->fgrp_pos[i] + dpos + 1, pr->grp);
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr->dec)
		dpos++;
	if (pic->max_frac == 0 || dpos == bn - 1)
		bn--;
	return (U){buf, bn};
}

V *aslrt_jn_bi_format_number(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *val = ARG(0), *picv = ARG(1), *opts = ARG(2);
	if (!val)
		return NULL;
	NEED_ARG(1, "formatNumber");
	NumProps pr = num_props(c, opts);
	PicVars vars[2];
	picture_variants(c, &pr, u_from(c, picv->u.s.s, picv->u.s.len), vars);
	double value = val->u.n;
	PicVars *pic = value >= 0 ? &vars[0] : &vars[1];
	double adj = value;
	if (u_index(pic->picture, pr.pct, 0) != -1)
		adj = value * 100;
	else if (u_index(pic->picture, pr.pml, 0) != -1)
		adj = value * 1000;
	double mantissa = adj;
	int exponent = 0;
	bool has_exp = pic->min_exp != 0;
	if (has_exp) {
		double maxm = aslrt_pow(10, pic->scaling), minm = aslrt_pow(10, pic->scaling - 1);
		if (mantissa != 0) {
			/* by magnitude: JSONata 2.0.6 loops forever on a negative
			 * value here (jsonata-js issue 785) */
			while (fabs(mantissa) < minm) {
				mantissa *= 10;
				exponent--;
			}
			while (fabs(mantissa) > maxm) {
				mantissa /= 10;
				exponent++;
			}
		}
	}
	V *rargs[2] = {aslrt_jn_v_num(c, mantissa), aslrt_jn_v_num(c, pic->max_frac)};
	double rounded = aslrt_jn_bi_round(c, rargs, 2, NULL, NULL)->u.n;
	U digits = format_digits(c, &pr, pic, rounded);
	Buf out = {.ar = &c->ar};
	u_put(&out, pic->prefix);
	u_put(&out, digits);
	if (has_exp) {
		char es[32];
		snprintf(es, sizeof es, "%d", abs(exponent));
		int pad = pic->min_exp - (int)strlen(es);
		aslrt_jn_utf8_put(&out, pr.exp);
		if (exponent < 0)
			aslrt_jn_utf8_put(&out, pr.minus);
		for (int i = 0; i < pad; i++)
			aslrt_jn_utf8_put(&out, pr.zero);
		for (char *q = es; *q; q++)
			aslrt_jn_utf8_put(&out, pr.zero + (uint32_t)(*q - '0'));
	}
	u_put(&out, pic->suffix);
	return aslrt_jn_v_strn(c, aslrt_jn_buf_cstr(&out), out.n);
}

V *aslrt_jn_bi_format_integer(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	NEED_ARG(1, "formatInteger");
	aslrt_pic_err pe = {0};
	char *p = strndup(ARG(1)->u.s.s, ARG(1)->u.s.len);
	char *s = aslrt_pic_format_integer(ARG(0)->u.n, p, &pe);
	free(p);
	return pic_result(c, s, &pe);
}

V *aslrt_jn_bi_parse_integer(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	NEED_ARG(1, "parseInteger");
	aslrt_pic_err pe = {0};
	char *t = strndup(ARG(0)->u.s.s, ARG(0)->u.s.len),
	     *p = strndup(ARG(1)->u.s.s, ARG(1)->u.s.len);
	double v = 0;
	int rc = aslrt_pic_parse_integer(t, p, &v, &pe);
	free(t);
	free(p);
	if (rc < 0)
		throw_pic(c, &pe);
	return isnan(v) ? NULL : aslrt_jn_v_num(c, v);
}
