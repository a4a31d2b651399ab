/*
 * picture.c - XPath/XQuery F&O 3.1 picture strings as JSONata 2.0.6
 * implements them: fn:format-integer and parse-integer, and what the
 * date/time pictures (datetime.c) share with them.
 *
 * JSONata's behaviour is followed where it departs from the spec, because
 * that is what Step Functions runs: English words only and no numbering
 * sequences (D3130).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASLRT_PICTURE_INTERNAL
#include "jsonata_int.h"
#include "mathlib.h"

/* ------------------------------------------------------------ buffers */

/* UTF-8 text as code points (malloc'd; invalid bytes stand for themselves). */
uint32_t *aslrt_pic_decode(const char *s, int *n)
{
	size_t len = strlen(s);
	uint32_t *u = malloc(sizeof *u * (len + 1));
	if (!u)
		abort();
	int k = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		uint32_t cp = extra == 3   ? c & 0x07u
			      : extra == 2 ? c & 0x0Fu
			      : extra	   ? c & 0x1Fu
					   : c;
		if (i + (size_t)extra >= len + (extra ? 0 : 1))
			extra = 0, cp = c;
		for (int j = 1; j <= extra; j++)
			cp = (cp << 6) | ((unsigned char)s[i + (size_t)j] & 0x3Fu);
		u[k++] = cp;
		i += (size_t)extra + 1;
	}
	*n = k;
	return u;
}

void aslrt_pic_set_err(aslrt_pic_err *err, const char *code, const char *value)
{
	err->code = code;
	snprintf(err->value, sizeof err->value, "%s", value ? value : "");
}

void aslrt_pic_set_err_u(aslrt_pic_err *err, const char *code, const uint32_t *u, int n)
{
	PicOut o = {0};
	aslrt_buf_puts(&o, "");
	for (int i = 0; i < n; i++)
		aslrt_buf_putcp(&o, u[i]);
	aslrt_pic_set_err(err, code, o.s);
	free(o.s);
}

/* The last index of ch in u[0..n), or -1. */
int aslrt_pic_u_last(const uint32_t *u, int n, uint32_t ch)
{
	while (n-- > 0)
		if (u[n] == ch)
			return n;
	return -1;
}

static bool u_is(const uint32_t *u, int n, const char *ascii)
{
	int k = (int)strlen(ascii);
	if (k != n)
		return false;
	for (int i = 0; i < n; i++)
		if (u[i] != (unsigned char)ascii[i])
			return false;
	return true;
}

/* --------------------------------------------------- integer pictures */

/* The zero of every Unicode decimal digit family JSONata knows. */
static const uint32_t decimal_groups[] = {
    0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
    0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

static int gcd_i(int a, int b)
{
	return b == 0 ? a : gcd_i(b, a % b);
}

/* The grouping interval when every separator is the same character at a
 * multiple of one interval, else 0. */
static int regular_interval(const IntFmt *f)
{
	if (f->nsep == 0)
		return 0;
	for (int i = 1; i < f->nsep; i++)
		if (f->sep_ch[i] != f->sep_ch[0])
			return 0;
	int factor = f->sep_pos[0];
	for (int i = 1; i < f->nsep; i++)
		factor = gcd_i(factor, f->sep_pos[i]);
	for (int k = 1; k <= f->nsep; k++) {
		bool found = false;
		for (int i = 0; i < f->nsep; i++)
			found |= f->sep_pos[i] == k * factor;
		if (!found)
			return 0;
	}
	return factor;
}

int aslrt_pic_analyse_int(const uint32_t *p, int n, IntFmt *f, aslrt_pic_err *err)
{
	memset(f, 0, sizeof *f);
	f->primary = P_DECIMAL;
	f->tcase = CASE_LOWER;
	int semi = aslrt_pic_u_last(p, n, ';');
	int pn = n;
	if (semi != -1) {
		pn = semi;
		if (semi + 1 < n && p[semi + 1] == 'o')
			f->ordinal = true;
	}
	if (u_is(p, pn, "A") || u_is(p, pn, "a")) {
		f->primary = P_LETTERS;
		f->tcase = p[0] == 'A' ? CASE_UPPER : CASE_LOWER;
		return 0;
	}
	if (u_is(p, pn, "I") || u_is(p, pn, "i")) {
		f->primary = P_ROMAN;
		f->tcase = p[0] == 'I' ? CASE_UPPER : CASE_LOWER;
		return 0;
	}
	if (u_is(p, pn, "W") || u_is(p, pn, "Ww") || u_is(p, pn, "w")) {
		f->primary = P_WORDS;
		f->tcase = pn == 2 ? CASE_TITLE : p[0] == 'W' ? CASE_UPPER : CASE_LOWER;
		return 0;
	}
	/* a decimal digit pattern, read right to left to count positions */
	int position = 0;
	bool have_zero = false;
	for (int i = pn - 1; i >= 0; i--) {
		uint32_t cp = p[i];
		bool digit = false;
		for (size_t g = 0; g < sizeof decimal_groups / sizeof decimal_groups[0]; g++) {
			uint32_t z = decimal_groups[g];
			if (cp >= z && cp <= z + 9) {
				digit = true;
				f->mandatory++;
				position++;
				if (!have_zero) {
					f->zero = z;
					have_zero = true;
				} else if (z != f->zero) {
					aslrt_pic_set_err(err, "D3131", NULL);
					return -1;
				}
				break;
			}
		}
		if (digit)
			continue;
		if (cp == '#') {
			position++;
			f->optional++;
		} else {
			if (f->nsep == MAXSEP) {
				aslrt_pic_set_err_u(err, "D3130", p, pn);
				return -1;
			}
			f->sep_pos[f->nsep] = position;
			f->sep_ch[f->nsep++] = cp;
		}
	}
	if (f->mandatory > 0) {
		int r = regular_interval(f);
		if (r > 0) {
			f->regular = true;
			f->reg_pos = r;
			f->reg_ch = f->sep_ch[0];
		}
	} else {
		/* a numbering sequence: implementation-defined, none supported */
		f->primary = P_SEQUENCE;
		f->ntoken = pn < 64 ? pn : 64;
		memcpy(f->token, p, sizeof *p * (size_t)f->ntoken);
	}
	return 0;
}

static const char *const few[] = {"Zero",    "One",	"Two",	     "Three",	 "Four",
				  "Five",    "Six",	"Seven",     "Eight",	 "Nine",
				  "Ten",     "Eleven",	"Twelve",    "Thirteen", "Fourteen",
				  "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
static const char *const ordinals[] = {
    "Zeroth",	  "First",     "Second",    "Third",	   "Fourth",	 "Fifth",     "Sixth",
    "Seventh",	  "Eighth",    "Ninth",	    "Tenth",	   "Eleventh",	 "Twelfth",   "Thirteenth",
    "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"};
static const char *const decades[] = {"Twenty",	 "Thirty", "Forty",  "Fifty",  "Sixty",
				      "Seventy", "Eighty", "Ninety", "Hundred"};
static const char *const magnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

/* English words, as JSONata writes them ("One Hundred and One"). */
static void words(PicOut *o, double num, bool prev, bool ord)
{
	if (num <= 19) {
		if (prev)
			aslrt_buf_puts(o, " and ");
		aslrt_buf_puts(o, ord ? ordinals[(int)num] : few[(int)num]);
	} else if (num < 100) {
		int tens = (int)(num / 10), rem = (int)aslrt_fmod(num, 10);
		if (prev)
			aslrt_buf_puts(o, " and ");
		aslrt_buf_puts(o, decades[tens - 2]);
		if (rem > 0) {
			aslrt_buf_puts(o, "-");
			words(o, rem, false, ord);
		} else if (ord) {
			o->len--; /* "Twenty" -> "Twentieth" */
			aslrt_buf_puts(o, "ieth");
		}
	} else if (num < 1000) {
		int hundreds = (int)(num / 100), rem = (int)aslrt_fmod(num, 100);
		if (prev)
			aslrt_buf_puts(o, ", ");
		aslrt_buf_puts(o, few[hundreds]);
		aslrt_buf_puts(o, " Hundred");
		if (rem > 0)
			words(o, rem, true, ord);
		else if (ord)
			aslrt_buf_puts(o, "th");
	} else {
		int mag = (int)aslrt_floor(aslrt_log10(num) / 3);
		if (mag > 4)
			mag = 4;
		double factor = aslrt_pow(10, mag * 3);
		double mant = aslrt_floor(num / factor), rem = num - mant * factor;
		if (prev)
			aslrt_buf_puts(o, ", ");
		words(o, mant, false, false);
		aslrt_buf_puts(o, " ");
		aslrt_buf_puts(o, magnitudes[mag - 1]);
		if (rem > 0)
			words(o, rem, true, ord);
		else if (ord)
			aslrt_buf_puts(o, "th");
	}
}

/* A non-negative integer as JavaScript's String() writes it. */
static void js_integer(char *buf, size_t len, double v)
{
	if (v < 1e21) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	char tmp[64];
	for (int prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* "1.5e+21" stays, "1e+21" stays; C writes at least two exponent digits */
	char *e = strchr(tmp, 'e');
	int ex = atoi(e + 1);
	*e = 0;
	snprintf(buf, len, "%se+%d", tmp, ex);
}

/* A decimal digit pattern: padding, the digit family, grouping, ordinal. */
static void format_decimal(double value, const IntFmt *f, PicOut *o)
{
	char digits[400];
	js_integer(digits, sizeof digits, value);
	int nd = (int)strlen(digits);
	int pad = f->mandatory > nd ? f->mandatory - nd : 0;
	int cap = nd + pad + 2 * (nd + pad) + MAXSEP + 4;
	uint32_t *s = malloc(sizeof *s * (size_t)cap);
	if (!s)
		abort();
	int n = 0;
	for (int i = 0; i < pad; i++)
		s[n++] = '0';
	for (int i = 0; i < nd; i++)
		s[n++] = (unsigned char)digits[i];
	if (f->zero != '0')
		for (int i = 0; i < n; i++)
			s[i] = s[i] + f->zero - '0';
	if (f->regular) {
		for (int k = (n - 1) / f->reg_pos; k > 0; k--) {
			int pos = n - k * f->reg_pos;
			memmove(s + pos + 1, s + pos, sizeof *s * (size_t)(n - pos));
			s[pos] = f->reg_ch;
			n++;
		}
	} else {
		/* leftmost separator first; a position beyond the digits
		 * behaves as JavaScript's substr() does */
		for (int i = f->nsep - 1; i >= 0; i--) {
			int pos = n - f->sep_pos[i];
			if (pos >= 0) {
				memmove(s + pos + 1, s + pos, sizeof *s * (size_t)(n - pos));
				s[pos] = f->sep_ch[i];
				n++;
			} else {
				int from = n + pos > 0 ? n + pos : 0;
				memmove(s + 1, s + from, sizeof *s * (size_t)(n - from));
				s[0] = f->sep_ch[i];
				n = n - from + 1;
			}
		}
	}
	for (int i = 0; i < n; i++)
		aslrt_buf_putcp(o, s[i]);
	if (f->ordinal) {
		uint32_t last = n ? s[n - 1] : 0;
		const char *suf = last == '1'	? "st"
				  : last == '2' ? "nd"
				  : last == '3' ? "rd"
						: "th";
		if (n > 1 && s[n - 2] == '1')
			suf = "th";
		aslrt_buf_puts(o, suf);
	}
	free(s);
}

int aslrt_pic_format_int(double value, const IntFmt *f, PicOut *o, aslrt_pic_err *err)
{
	bool negative = value < 0;
	value = fabs(value);
	size_t start = o->len;
	if (negative)
		aslrt_buf_puts(o, "-");
	switch (f->primary) {
	case P_LETTERS: {
		char rev[256]; /* 26^218 > DBL_MAX */
		int k = 0;
		char a = f->tcase == CASE_UPPER ? 'A' : 'a';
		while (value > 0 && k < 255) {
			rev[k++] = (char)(a + (int)aslrt_fmod(value - 1, 26));
			value = aslrt_floor((value - 1) / 26);
		}
		while (k > 0)
			aslrt_buf_put(o, &rev[--k], 1);
		break;
	}
	case P_ROMAN: {
		static const struct {
			int v;
			const char *s;
		} rn[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
			  {90, "xc"},  {50, "l"},   {40, "xl"}, {10, "x"},   {9, "ix"},
			  {5, "v"},    {4, "iv"},   {1, "i"}};
		if (value > 1e6) {
			/* a million 'm's is no numeral anyone wants */
			aslrt_pic_set_err(err, "D3130", f->tcase == CASE_UPPER ? "I" : "i");
			return -1;
		}
		size_t from = o->len;
		for (size_t i = 0; i < sizeof rn / sizeof rn[0]; i++)
			while (value >= rn[i].v) {
				aslrt_buf_puts(o, rn[i].s);
				value -= rn[i].v;
			}
		if (f->tcase == CASE_UPPER)
			for (size_t i = from; i < o->len; i++)
				o->s[i] = (char)toupper((unsigned char)o->s[i]);
		break;
	}
	case P_WORDS: {
		size_t from = o->len;
		words(o, value, false, f->ordinal);
		for (size_t i = from; i < o->len; i++)
			if (f->tcase == CASE_UPPER)
				o->s[i] = (char)toupper((unsigned char)o->s[i]);
			else if (f->tcase == CASE_LOWER)
				o->s[i] = (char)tolower((unsigned char)o->s[i]);
		break;
	}
	case P_DECIMAL:
		format_decimal(value, f, o);
		break;
	default:
		o->len = start;
		aslrt_pic_set_err_u(err, "D3130", f->token, f->ntoken);
		return -1;
	}
	return 0;
}

char *aslrt_pic_format_integer(double value, const char *picture, aslrt_pic_err *err)
{
	int n;
	uint32_t *p = aslrt_pic_decode(picture, &n);
	IntFmt f;
	int rc = aslrt_pic_analyse_int(p, n, &f, err);
	free(p);
	if (rc)
		return NULL;
	PicOut o = {0};
	aslrt_buf_puts(&o, "");
	if (aslrt_pic_format_int(aslrt_floor(value), &f, &o, err)) {
		free(o.s);
		return NULL;
	}
	return o.s;
}

/* JavaScript's parseInt(s) in base 10: leading blanks, a sign, digits. */
double aslrt_pic_js_parse_int(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	double sign = 1;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		sign = s[i++] == '-' ? -1 : 1;
	if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		double v = 0;
		size_t st = i += 2;
		for (; i < n && isxdigit((unsigned char)s[i]); i++)
			v = v * 16 + (isdigit((unsigned char)s[i])
					  ? s[i] - '0'
					  : (tolower((unsigned char)s[i]) - 'a' + 10));
		return i == st ? NAN : sign * v;
	}
	size_t st = i;
	double v = 0;
	for (; i < n && isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (s[i] - '0');
	return i == st ? NAN : sign * v;
}

int aslrt_pic_word_table(WordVal *t)
{
	int n = 0;
	for (int i = 0; i < 20; i++) {
		snprintf(t[n].w, sizeof t[n].w, "%s", few[i]);
		t[n++].v = i;
	}
	for (int i = 0; i < 20; i++) {
		snprintf(t[n].w, sizeof t[n].w, "%s", ordinals[i]);
		t[n++].v = i;
	}
	for (int i = 0; i < 9; i++) {
		snprintf(t[n].w, sizeof t[n].w, "%s", decades[i]);
		t[n++].v = (i + 2) * 10;
		size_t k = strlen(decades[i]) - 1;
		snprintf(t[n].w, sizeof t[n].w, "%.*sieth", (int)k, decades[i]);
		t[n++].v = (i + 2) * 10;
	}
	snprintf(t[n].w, sizeof t[n].w, "hundredth");
	t[n++].v = 100;
	for (int i = 0; i < 4; i++) {
		snprintf(t[n].w, sizeof t[n].w, "%s", magnitudes[i]);
		t[n++].v = aslrt_pow(10, (i + 1) * 3);
		snprintf(t[n].w, sizeof t[n].w, "%sth", magnitudes[i]);
		t[n++].v = aslrt_pow(10, (i + 1) * 3);
	}
	for (int i = 0; i < n; i++)
		for (char *c = t[i].w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return n;
}

static double word_value(const char *w, size_t len)
{
	WordVal t[80];
	int n = aslrt_pic_word_table(t);
	for (int i = 0; i < n; i++)
		if (strlen(t[i].w) == len && !strncmp(t[i].w, w, len))
			return t[i].v;
	return NAN;
}

/* Words (lower case) to a number, as JSONata adds them up. */
static double words_to_number(const char *s)
{
	double segs[128];
	int ns = 1;
	segs[0] = 0;
	size_t n = strlen(s), i = 0, start = 0;
	for (;;) {
		/* separators: ", " / " and " / one blank, '\' or '-' */
		size_t end = i, skip = 0;
		if (i >= n)
			skip = 1;
		else if (s[i] == ',' && i + 1 < n && isspace((unsigned char)s[i + 1]))
			skip = 2;
		else if (isspace((unsigned char)s[i]) && i + 4 < n &&
			 !strncmp(s + i + 1, "and", 3) && isspace((unsigned char)s[i + 4]))
			skip = 5;
		else if (isspace((unsigned char)s[i]) || s[i] == '\\' || s[i] == '-')
			skip = 1;
		if (!skip) {
			i++;
			continue;
		}
		double v = word_value(s + start, end - start);
		if (v < 100) {
			double top = segs[--ns];
			if (top >= 1000) {
				segs[ns++] = top;
				top = 0;
			}
			if (ns < 128)
				segs[ns++] = top + v;
		} else {
			segs[ns - 1] = segs[ns - 1] * v;
		}
		if (i >= n)
			break;
		i += skip;
		start = i;
	}
	double r = 0;
	for (int k = 0; k < ns; k++)
		r += segs[k];
	return r;
}

static double roman_value(char c)
{
	switch (c) {
	case 'M':
		return 1000;
	case 'D':
		return 500;
	case 'C':
		return 100;
	case 'L':
		return 50;
	case 'X':
		return 10;
	case 'V':
		return 5;
	case 'I':
		return 1;
	default:
		return NAN;
	}
}

/* A matched integer's value by its picture (JSONata does not check that the
 * text matches the picture: it reads what it can). */
double aslrt_pic_int_value(const IntFmt *f, const char *s, size_t n)
{
	switch (f->primary) {
	case P_LETTERS: {
		int a = f->tcase == CASE_UPPER ? 'A' : 'a';
		double v = 0;
		for (size_t i = 0; i < n; i++)
			v += ((unsigned char)s[n - i - 1] - a + 1) * aslrt_pow(26, (double)i);
		return v;
	}
	case P_ROMAN: {
		double v = 0, max = 1;
		for (size_t i = n; i-- > 0;) {
			char c = f->tcase == CASE_UPPER ? s[i] : (char)toupper((unsigned char)s[i]);
			double d = roman_value(c);
			if (d < max)
				v -= d;
			else {
				max = d;
				v += d;
			}
			if (isnan(d))
				return NAN;
		}
		return v;
	}
	case P_WORDS: {
		char *low = strndup(s, n);
		if (!low)
			abort();
		for (char *c = low; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		double v = words_to_number(low);
		free(low);
		return v;
	}
	default: {
		char *t = strndup(s, n);
		if (!t)
			abort();
		int un;
		uint32_t *u = aslrt_pic_decode(t, &un);
		free(t);
		if (f->ordinal)
			un = un >= 2 ? un - 2 : 0;
		PicOut o = {0};
		aslrt_buf_puts(&o, "");
		for (int i = 0; i < un; i++) {
			bool sep = false;
			if (f->regular)
				sep = u[i] == ','; /* as JSONata does, whatever the separator */
			else
				for (int k = 0; k < f->nsep; k++)
					sep |= u[i] == f->sep_ch[k];
			if (!sep)
				aslrt_buf_putcp(&o, u[i] - f->zero + '0');
		}
		free(u);
		double v = aslrt_pic_js_parse_int(o.s, o.len);
		free(o.s);
		return v;
	}
	}
}

int aslrt_pic_parse_integer(const char *text, const char *picture, double *out, aslrt_pic_err *err)
{
	int n;
	uint32_t *p = aslrt_pic_decode(picture, &n);
	IntFmt f;
	int rc = aslrt_pic_analyse_int(p, n, &f, err);
	free(p);
	if (rc)
		return -1;
	if (f.primary == P_SEQUENCE) {
		aslrt_pic_set_err_u(err, "D3130", f.token, f.ntoken);
		return -1;
	}
	*out = aslrt_pic_int_value(&f, text, strlen(text));
	return 0;
}
