/*
 * jsonata_picture.c - XPath/XQuery F&O 3.1 picture strings as JSONata 2.0.6
 * implements them: fn:format-integer, parse-integer, format-dateTime and the
 * parsing of date/times by a picture.
 *
 * JSONata's behaviour is followed where it departs from the spec, because
 * that is what Step Functions runs: English words only, no numbering
 * sequences (D3130), a timezone argument read as a signed "hhmm" integer,
 * $toMillis matching the whole text with one case-insensitive regular
 * expression built from the picture, and defaults for the missing components
 * taken from the evaluation's fixed "now".
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "jsonata_picture.h"

#define DAY_MS 86400000.0
#define MAXSEP 64

/* ------------------------------------------------------------ buffers */

typedef struct Out {
	char *s;
	size_t n, cap;
} Out;

static void out_mem(Out *o, const char *s, size_t n)
{
	if (o->n + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		while (cap < o->n + n + 1)
			cap *= 2;
		char *p = realloc(o->s, cap);
		if (!p)
			abort();
		o->s = p;
		o->cap = cap;
	}
	memcpy(o->s + o->n, s, n);
	o->n += n;
	o->s[o->n] = 0;
}

static void out_str(Out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_cp(Out *o, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	out_mem(o, b, n);
}

/* UTF-8 text as code points (malloc'd; invalid bytes stand for themselves). */
static uint32_t *decode(const char *s, int *n)
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

static void set_err(aslrt_pic_err *err, const char *code, const char *value)
{
	err->code = code;
	snprintf(err->value, sizeof err->value, "%s", value ? value : "");
}

static void set_err_u(aslrt_pic_err *err, const char *code, const uint32_t *u, int n)
{
	Out o = {0};
	out_str(&o, "");
	for (int i = 0; i < n; i++)
		out_cp(&o, u[i]);
	set_err(err, code, o.s);
	free(o.s);
}

/* The last index of ch in u[0..n), or -1. */
static int u_last(const uint32_t *u, int n, uint32_t ch)
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

enum { P_DECIMAL, P_LETTERS, P_ROMAN, P_WORDS, P_SEQUENCE };
enum { CASE_NONE, CASE_LOWER, CASE_UPPER, CASE_TITLE };

typedef struct IntFmt {
	int primary, tcase;
	bool ordinal;
	uint32_t zero;
	int mandatory, optional;
	bool regular;
	int reg_pos;
	uint32_t reg_ch;
	int sep_pos[MAXSEP]; /* counted from the right, in right-to-left order */
	uint32_t sep_ch[MAXSEP];
	int nsep;
	int parse_width; /* digits a date/time part must have when parsed; 0: any */
	uint32_t token[64];
	int ntoken;
} IntFmt;

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

static int analyse_int(const uint32_t *p, int n, IntFmt *f, aslrt_pic_err *err)
{
	memset(f, 0, sizeof *f);
	f->primary = P_DECIMAL;
	f->tcase = CASE_LOWER;
	int semi = u_last(p, n, ';');
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
					set_err(err, "D3131", NULL);
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
				set_err_u(err, "D3130", p, pn);
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
static void words(Out *o, double num, bool prev, bool ord)
{
	if (num <= 19) {
		if (prev)
			out_str(o, " and ");
		out_str(o, ord ? ordinals[(int)num] : few[(int)num]);
	} else if (num < 100) {
		int tens = (int)(num / 10), rem = (int)fmod(num, 10);
		if (prev)
			out_str(o, " and ");
		out_str(o, decades[tens - 2]);
		if (rem > 0) {
			out_str(o, "-");
			words(o, rem, false, ord);
		} else if (ord) {
			o->n--; /* "Twenty" -> "Twentieth" */
			out_str(o, "ieth");
		}
	} else if (num < 1000) {
		int hundreds = (int)(num / 100), rem = (int)fmod(num, 100);
		if (prev)
			out_str(o, ", ");
		out_str(o, few[hundreds]);
		out_str(o, " Hundred");
		if (rem > 0)
			words(o, rem, true, ord);
		else if (ord)
			out_str(o, "th");
	} else {
		int mag = (int)floor(log10(num) / 3);
		if (mag > 4)
			mag = 4;
		double factor = pow(10, mag * 3);
		double mant = floor(num / factor), rem = num - mant * factor;
		if (prev)
			out_str(o, ", ");
		words(o, mant, false, false);
		out_str(o, " ");
		out_str(o, magnitudes[mag - 1]);
		if (rem > 0)
			words(o, rem, true, ord);
		else if (ord)
			out_str(o, "th");
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
static void format_decimal(double value, const IntFmt *f, Out *o)
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
		out_cp(o, s[i]);
	if (f->ordinal) {
		uint32_t last = n ? s[n - 1] : 0;
		const char *suf = last == '1'	? "st"
				  : last == '2' ? "nd"
				  : last == '3' ? "rd"
						: "th";
		if (n > 1 && s[n - 2] == '1')
			suf = "th";
		out_str(o, suf);
	}
	free(s);
}

static int format_int(double value, const IntFmt *f, Out *o, aslrt_pic_err *err)
{
	bool negative = value < 0;
	value = fabs(value);
	size_t start = o->n;
	if (negative)
		out_str(o, "-");
	switch (f->primary) {
	case P_LETTERS: {
		char rev[256]; /* 26^218 > DBL_MAX */
		int k = 0;
		char a = f->tcase == CASE_UPPER ? 'A' : 'a';
		while (value > 0 && k < 255) {
			rev[k++] = (char)(a + (int)fmod(value - 1, 26));
			value = floor((value - 1) / 26);
		}
		while (k > 0)
			out_mem(o, &rev[--k], 1);
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
			set_err(err, "D3130", f->tcase == CASE_UPPER ? "I" : "i");
			return -1;
		}
		size_t from = o->n;
		for (size_t i = 0; i < sizeof rn / sizeof rn[0]; i++)
			while (value >= rn[i].v) {
				out_str(o, rn[i].s);
				value -= rn[i].v;
			}
		if (f->tcase == CASE_UPPER)
			for (size_t i = from; i < o->n; i++)
				o->s[i] = (char)toupper((unsigned char)o->s[i]);
		break;
	}
	case P_WORDS: {
		size_t from = o->n;
		words(o, value, false, f->ordinal);
		for (size_t i = from; i < o->n; i++)
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
		o->n = start;
		set_err_u(err, "D3130", f->token, f->ntoken);
		return -1;
	}
	return 0;
}

char *aslrt_pic_format_integer(double value, const char *picture, aslrt_pic_err *err)
{
	int n;
	uint32_t *p = decode(picture, &n);
	IntFmt f;
	int rc = analyse_int(p, n, &f, err);
	free(p);
	if (rc)
		return NULL;
	Out o = {0};
	out_str(&o, "");
	if (format_int(floor(value), &f, &o, err)) {
		free(o.s);
		return NULL;
	}
	return o.s;
}

/* JavaScript's parseInt(s) in base 10: leading blanks, a sign, digits. */
static double js_parse_int(const char *s, size_t n)
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

/* The value of each number word (JSONata's table, in its order). */
typedef struct WordVal {
	char w[16];
	double v;
} WordVal;

static int word_table(WordVal *t)
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
		t[n++].v = pow(10, (i + 1) * 3);
		snprintf(t[n].w, sizeof t[n].w, "%sth", magnitudes[i]);
		t[n++].v = pow(10, (i + 1) * 3);
	}
	for (int i = 0; i < n; i++)
		for (char *c = t[i].w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	return n;
}

static double word_value(const char *w, size_t len)
{
	WordVal t[80];
	int n = word_table(t);
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
static double parse_int_value(const IntFmt *f, const char *s, size_t n)
{
	switch (f->primary) {
	case P_LETTERS: {
		int a = f->tcase == CASE_UPPER ? 'A' : 'a';
		double v = 0;
		for (size_t i = 0; i < n; i++)
			v += ((unsigned char)s[n - i - 1] - a + 1) * pow(26, (double)i);
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
		uint32_t *u = decode(t, &un);
		free(t);
		if (f->ordinal)
			un = un >= 2 ? un - 2 : 0;
		Out o = {0};
		out_str(&o, "");
		for (int i = 0; i < un; i++) {
			bool sep = false;
			if (f->regular)
				sep = u[i] == ','; /* as JSONata does, whatever the separator */
			else
				for (int k = 0; k < f->nsep; k++)
					sep |= u[i] == f->sep_ch[k];
			if (!sep)
				out_cp(&o, u[i] - f->zero + '0');
		}
		free(u);
		double v = js_parse_int(o.s, o.n);
		free(o.s);
		return v;
	}
	}
}

int aslrt_pic_parse_integer(const char *text, const char *picture, double *out, aslrt_pic_err *err)
{
	int n;
	uint32_t *p = decode(picture, &n);
	IntFmt f;
	int rc = analyse_int(p, n, &f, err);
	free(p);
	if (rc)
		return -1;
	if (f.primary == P_SEQUENCE) {
		set_err_u(err, "D3130", f.token, f.ntoken);
		return -1;
	}
	*out = parse_int_value(&f, text, strlen(text));
	return 0;
}

/* ------------------------------------------------------ date and time */

static double days_from_civil(double y, int m, int d)
{
	y -= m <= 2;
	double era = floor(y / 400);
	double yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	double doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(double z, double *y, int *m, int *d)
{
	z += 719468;
	double era = floor(z / 146097);
	double doe = z - era * 146097;
	double yoe =
	    floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
	double doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
	double mp = floor((5 * doy + 2) / 153);
	*d = (int)(doy - floor((153 * mp + 2) / 5) + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Date.UTC(y, month0) with the month carried into the year. */
static double utc_ym(double y, double month0)
{
	double ym = y + floor(month0 / 12);
	int mn = (int)(month0 - floor(month0 / 12) * 12);
	return days_from_civil(ym, mn + 1, 1) * DAY_MS;
}

typedef struct Tm {
	double t; /* ms since the epoch */
	double y;
	int mo, d, h, mi, s, ms, wday; /* mo 1..12, wday 0 = Sunday */
} Tm;

static Tm tm_of(double t)
{
	Tm x;
	x.t = t;
	double days = floor(t / DAY_MS);
	double rem = t - days * DAY_MS;
	civil_from_days(days, &x.y, &x.mo, &x.d);
	x.h = (int)(rem / 3600000);
	x.mi = (int)fmod(rem / 60000, 60);
	x.s = (int)fmod(rem / 1000, 60);
	x.ms = (int)fmod(rem, 1000);
	x.wday = (int)(fmod(fmod(days + 4, 7) + 7, 7));
	return x;
}

/* ISO 8601: week 1 of a year (or, by F&O's extension, a month) is the one
 * with its first Thursday; weeks start on Monday. */
static double start_of_first_week(double y, int month0)
{
	double jan1 = utc_ym(y, month0);
	int dow = tm_of(jan1).wday;
	if (dow == 0)
		dow = 7;
	return dow > 4 ? jan1 + (8 - dow) * DAY_MS : jan1 - (dow - 1) * DAY_MS;
}

static double delta_weeks(double start, double end)
{
	return (end - start) / (DAY_MS * 7) + 1;
}

/* One integer-valued component of a date (not P, Z, z, C, E). */
static double fragment(const Tm *x, uint32_t comp)
{
	double today = days_from_civil(x->y, x->mo, x->d) * DAY_MS;
	switch (comp) {
	case 'Y':
		return x->y;
	case 'M':
		return x->mo;
	case 'D':
		return x->d;
	case 'd':
		return (today - utc_ym(x->y, 0)) / DAY_MS + 1;
	case 'F':
		return x->wday == 0 ? 7 : x->wday;
	case 'W': {
		double week = delta_weeks(start_of_first_week(x->y, 0), today);
		if (week > 52) {
			if (today >= start_of_first_week(x->y + 1, 0))
				week = 1;
		} else if (week < 1)
			week = delta_weeks(start_of_first_week(x->y - 1, 0), today);
		return floor(week);
	}
	case 'w': {
		int m0 = x->mo - 1;
		double week = delta_weeks(start_of_first_week(x->y, m0), today);
		if (week > 4) {
			double next = m0 == 11 ? start_of_first_week(x->y + 1, 0)
					       : start_of_first_week(x->y, m0 + 1);
			if (today >= next)
				week = 1;
		} else if (week < 1) {
			double prev = m0 == 0 ? start_of_first_week(x->y - 1, 11)
					      : start_of_first_week(x->y, m0 - 1);
			week = delta_weeks(prev, today);
		}
		return floor(week);
	}
	case 'X':
		if (x->t < start_of_first_week(x->y, 0))
			return x->y - 1;
		if (x->t >= start_of_first_week(x->y + 1, 0))
			return x->y + 1;
		return x->y;
	case 'x': {
		int m0 = x->mo - 1;
		if (x->t < start_of_first_week(x->y, m0))
			return m0 == 0 ? 12 : m0;
		double next =
		    m0 == 11 ? start_of_first_week(x->y + 1, 0) : start_of_first_week(x->y, m0 + 1);
		if (x->t >= next)
			return m0 == 11 ? 1 : m0 + 2;
		return x->mo;
	}
	case 'H':
		return x->h;
	case 'h':
		return x->h % 12 == 0 ? 12 : x->h % 12;
	case 'P':
		return x->h >= 12 ? 1 : 0;
	case 'm':
		return x->mi;
	case 's':
		return x->s;
	case 'f':
		return x->ms;
	default:
		return NAN;
	}
}

/* One part of a date/time picture: a literal or a [variable marker]. */
typedef struct Part {
	bool literal;
	char *lit;
	uint32_t comp;
	uint32_t pres2;
	int names; /* CASE_* of a name presentation, CASE_NONE for numbers */
	bool has_width;
	int wmin, wmax; /* -1 when not given ('*' or absent) */
	bool has_int;
	IntFmt ifmt;
	int n; /* Y: digits kept, -1 for all */
} Part;

typedef struct Spec {
	Part *p;
	int n, cap;
} Spec;

static void spec_free(Spec *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->p[i].lit);
	free(s->p);
}

static Part *spec_add(Spec *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->p = realloc(s->p, sizeof *s->p * (size_t)s->cap);
		if (!s->p)
			abort();
	}
	Part *p = &s->p[s->n++];
	memset(p, 0, sizeof *p);
	return p;
}

/* A literal, "]]" read as "]". */
static void add_literal(Spec *s, const uint32_t *u, int from, int to)
{
	if (to <= from)
		return;
	Out o = {0};
	out_str(&o, "");
	for (int i = from; i < to; i++) {
		out_cp(&o, u[i]);
		if (u[i] == ']' && i + 1 < to && u[i + 1] == ']')
			i++;
	}
	Part *p = spec_add(s);
	p->literal = true;
	p->lit = o.s;
}

static int parse_width(const uint32_t *u, int n)
{
	if (n == 0 || (n == 1 && u[0] == '*'))
		return -1;
	int v = 0, i = 0;
	while (i < n && u[i] >= '0' && u[i] <= '9' && v < 100000)
		v = v * 10 + (int)(u[i++] - '0');
	return i == 0 ? -1 : v;
}

static const char *default_pres(uint32_t comp)
{
	switch (comp) {
	case 'Y':
	case 'M':
	case 'D':
	case 'd':
	case 'W':
	case 'w':
	case 'X':
	case 'x':
	case 'H':
	case 'h':
	case 'f':
		return "1";
	case 'F':
	case 'P':
	case 'C':
	case 'E':
		return "n";
	case 'm':
	case 's':
		return "01";
	case 'Z':
	case 'z':
		return "01:01";
	default:
		return NULL;
	}
}

static int analyse_marker(Spec *s, const uint32_t *m, int mn, aslrt_pic_err *err)
{
	Part *d = spec_add(s);
	d->comp = mn ? m[0] : 0;
	d->wmin = d->wmax = -1;
	d->n = -1;
	int comma = u_last(m, mn, ',');
	int pres_end = mn;
	if (comma != -1) {
		int dash = -1;
		for (int i = comma + 1; i < mn; i++)
			if (m[i] == '-') {
				dash = i;
				break;
			}
		d->has_width = true;
		if (dash == -1)
			d->wmin = parse_width(m + comma + 1, mn - comma - 1);
		else {
			d->wmin = parse_width(m + comma + 1, dash - comma - 1);
			d->wmax = parse_width(m + dash + 1, mn - dash - 1);
		}
		pres_end = comma;
	}
	uint32_t pres1[128];
	int np = 0;
	int plen = pres_end > 1 ? pres_end - 1 : 0;
	if (plen > 127)
		plen = 127;
	if (plen == 1) {
		pres1[np++] = m[1];
	} else if (plen > 1) {
		uint32_t last = m[plen];
		if (last == 'a' || last == 't' || last == 'c' || last == 'o') {
			d->pres2 = last;
			plen--;
		}
		for (int i = 0; i < plen; i++)
			pres1[np++] = m[1 + i];
	} else {
		const char *def = default_pres(d->comp);
		if (!def) {
			set_err_u(err, "D3132", &d->comp, d->comp ? 1 : 0);
			return -1;
		}
		for (; *def; def++)
			pres1[np++] = (unsigned char)*def;
	}
	bool int_comp = d->comp && strchr("YMDdFWwXxHhmsf", (int)d->comp) && d->comp < 128;
	if (np > 0 && pres1[0] == 'n')
		d->names = CASE_LOWER;
	else if (np > 0 && pres1[0] == 'N')
		d->names = np > 1 && pres1[1] == 'n' ? CASE_TITLE : CASE_UPPER;
	else if (int_comp) {
		uint32_t pat[130];
		memcpy(pat, pres1, sizeof *pat * (size_t)np);
		int k = np;
		if (d->pres2) {
			pat[k++] = ';';
			pat[k++] = d->pres2;
		}
		if (analyse_int(pat, k, &d->ifmt, err))
			return -1;
		d->has_int = true;
		if (d->wmin != -1 && d->ifmt.mandatory < d->wmin)
			d->ifmt.mandatory = d->wmin;
		if (d->comp == 'Y') {
			if (d->wmax != -1) {
				d->n = d->wmax;
				d->ifmt.mandatory = d->n;
			} else if (d->ifmt.mandatory + d->ifmt.optional >= 2)
				d->n = d->ifmt.mandatory + d->ifmt.optional;
		}
		/* two numbers with nothing between them: the first must have
		 * a fixed width to be parsed */
		Part *prev = s->n >= 2 ? &s->p[s->n - 2] : NULL;
		if (prev && prev->has_int)
			prev->ifmt.parse_width = prev->ifmt.mandatory;
	}
	if (d->comp == 'Z' || d->comp == 'z') {
		if (analyse_int(pres1, np, &d->ifmt, err))
			return -1;
		d->has_int = true;
	}
	return 0;
}

static int analyse_datetime(const char *picture, Spec *s, aslrt_pic_err *err)
{
	int n;
	uint32_t *u = decode(picture, &n);
	memset(s, 0, sizeof *s);
	int start = 0, pos = 0;
	while (pos < n) {
		if (u[pos] == '[') {
			if (pos + 1 < n && u[pos + 1] == '[') {
				add_literal(s, u, start, pos);
				Part *p = spec_add(s);
				p->literal = true;
				p->lit = strdup("[");
				pos += 2;
				start = pos;
				continue;
			}
			add_literal(s, u, start, pos);
			start = pos;
			int close = -1;
			for (int i = start; i < n; i++)
				if (u[i] == ']') {
					close = i;
					break;
				}
			if (close == -1) {
				set_err(err, "D3135", NULL);
				goto fail;
			}
			/* blanks inside a marker are ignored */
			uint32_t *m = malloc(sizeof *m * (size_t)(close - start + 1));
			if (!m)
				abort();
			int mn = 0;
			for (int i = start + 1; i < close; i++)
				if (u[i] != ' ' && u[i] != '\t' && u[i] != '\n' && u[i] != '\r')
					m[mn++] = u[i];
			int rc = analyse_marker(s, m, mn, err);
			free(m);
			if (rc)
				goto fail;
			pos = close;
			start = pos + 1;
		}
		pos++;
	}
	add_literal(s, u, start, pos);
	free(u);
	return 0;
fail:
	free(u);
	spec_free(s);
	return -1;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
					  "May",       "June",	   "July",     "August",
					  "September", "October",  "November", "December"};
static const char *const day_names[] = {"",	    "Monday", "Tuesday",  "Wednesday",
					"Thursday", "Friday", "Saturday", "Sunday"};

static void put_cased(Out *o, const char *s, int tcase, int max)
{
	size_t from = o->n;
	size_t len = strlen(s);
	if (max >= 0 && len > (size_t)max)
		len = (size_t)max;
	out_mem(o, s, len);
	for (size_t i = from; i < o->n; i++)
		if (tcase == CASE_UPPER)
			o->s[i] = (char)toupper((unsigned char)o->s[i]);
		else if (tcase == CASE_LOWER)
			o->s[i] = (char)tolower((unsigned char)o->s[i]);
}

static int format_component(Out *o, const Tm *x, const Part *p, int oh, int om, aslrt_pic_err *err)
{
	uint32_t c = p->comp;
	if (c < 128 && c && strchr("YMDdFWwXxHhms", (int)c)) {
		double v = fragment(x, c);
		if (c == 'Y' && p->n != -1)
			v = fmod(v, pow(10, p->n));
		if (p->names) {
			const char *name;
			if (c == 'M' || c == 'x')
				name = month_names[(int)v - 1];
			else if (c == 'F')
				name = day_names[(int)v];
			else {
				set_err_u(err, "D3133", &c, 1);
				return -1;
			}
			put_cased(o, name, p->names, p->has_width ? p->wmax : -1);
			return 0;
		}
		return format_int(v, &p->ifmt, o, err);
	}
	if (c == 'f')
		return format_int(fragment(x, c), &p->ifmt, o, err);
	if (c == 'Z' || c == 'z') {
		int offset = oh * 100 + om;
		Out z = {0};
		out_str(&z, "");
		int rc = 0;
		if (p->ifmt.regular)
			rc = format_int(offset, &p->ifmt, &z, err);
		else if (p->ifmt.mandatory == 1 || p->ifmt.mandatory == 2) {
			rc = format_int(oh, &p->ifmt, &z, err);
			if (!rc && om != 0) {
				IntFmt two;
				uint32_t pic[2] = {'0', '0'};
				analyse_int(pic, 2, &two, err);
				out_str(&z, ":");
				rc = format_int(om, &two, &z, err);
			}
		} else if (p->ifmt.mandatory == 3 || p->ifmt.mandatory == 4)
			rc = format_int(offset, &p->ifmt, &z, err);
		else {
			char nd[16];
			snprintf(nd, sizeof nd, "%d", p->ifmt.mandatory);
			set_err(err, "D3134", nd);
			rc = -1;
		}
		if (!rc) {
			if (offset == 0 && p->pres2 == 't')
				out_str(o, "Z");
			else {
				if (c == 'z')
					out_str(o, "GMT");
				if (offset >= 0)
					out_str(o, "+");
				out_str(o, z.s);
			}
		}
		free(z.s);
		return rc;
	}
	if (c == 'P') {
		put_cased(o, x->h >= 12 ? "pm" : "am",
			  p->names == CASE_UPPER ? CASE_UPPER : CASE_NONE, -1);
		return 0;
	}
	if (c == 'C' || c == 'E') {
		out_str(o, "ISO");
		return 0;
	}
	/* JSONata would print "undefined" here: refuse instead */
	set_err_u(err, "D3132", &c, c ? 1 : 0);
	return -1;
}

char *aslrt_pic_format_datetime(double ms, const char *picture, const char *timezone,
				aslrt_pic_err *err)
{
	int oh = 0, om = 0;
	if (timezone) {
		double off = js_parse_int(timezone, strlen(timezone));
		if (isnan(off) || fabs(off) > 9999) {
			char msg[128];
			snprintf(msg, sizeof msg,
				 "The timezone of fromMillis must be \"+hhmm\" or \"-hhmm\", not "
				 "\"%.60s\"",
				 timezone);
			set_err(err, "D3137", msg);
			return NULL;
		}
		oh = (int)floor(off / 100);
		om = (int)fmod(off, 100);
	}
	Spec s;
	if (analyse_datetime(picture ? picture
				     : "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]",
			     &s, err))
		return NULL;
	double t = trunc(ms) + (60.0 * oh + om) * 60000;
	if (!isfinite(t) || fabs(t) > 8.64e15) {
		spec_free(&s);
		set_err(err, "D3137",
			"The timestamp is outside the range of dates JSONata can format");
		return NULL;
	}
	Tm x = tm_of(t);
	Out o = {0};
	out_str(&o, "");
	for (int i = 0; i < s.n; i++) {
		if (s.p[i].literal)
			out_str(&o, s.p[i].lit);
		else if (format_component(&o, &x, &s.p[i], oh, om, err)) {
			free(o.s);
			spec_free(&s);
			return NULL;
		}
	}
	spec_free(&s);
	return o.s;
}

/* -------------------------------------------------- parsing date/times */

static void re_escape(Out *o, const char *s)
{
	for (; *s; s++) {
		if (strchr(".*+?^${}()|[]\\", *s))
			out_str(o, "\\");
		out_mem(o, s, 1);
	}
}

static int int_regex(Out *o, const IntFmt *f, aslrt_pic_err *err)
{
	switch (f->primary) {
	case P_LETTERS:
		out_str(o, f->tcase == CASE_UPPER ? "[A-Z]+" : "[a-z]+");
		break;
	case P_ROMAN:
		out_str(o, f->tcase == CASE_UPPER ? "[MDCLXVI]+" : "[mdclxvi]+");
		break;
	case P_WORDS: {
		WordVal t[80];
		int n = word_table(t);
		out_str(o, "(?:");
		for (int i = 0; i < n; i++) {
			out_str(o, t[i].w);
			out_str(o, "|");
		}
		out_str(o, "and|[\\-, ])+");
		break;
	}
	case P_DECIMAL: {
		char w[32];
		snprintf(w, sizeof w, "{%d}", f->parse_width);
		out_str(o, "[0-9]");
		out_str(o, f->parse_width ? w : "+");
		if (f->ordinal)
			out_str(o, "(?:th|st|nd|rd)");
		break;
	}
	default:
		set_err_u(err, "D3130", f->token, f->ntoken);
		return -1;
	}
	return 0;
}

/* The regular expression of one part (one capture group), or -1. */
static int part_regex(Out *o, const Part *p, aslrt_pic_err *err)
{
	out_str(o, "(");
	if (p->literal)
		re_escape(o, p->lit);
	else if (p->comp == 'Z' || p->comp == 'z') {
		if (p->comp == 'z')
			out_str(o, "GMT");
		out_str(o, "[-+][0-9]+");
		if (p->ifmt.regular) {
			Out c = {0};
			out_str(&c, "");
			out_cp(&c, p->ifmt.reg_ch);
			re_escape(o, c.s);
			free(c.s);
			out_str(o, "[0-9]+");
		}
	} else if (p->has_int) {
		if (int_regex(o, &p->ifmt, err))
			return -1;
	} else {
		if (p->comp != 'M' && p->comp != 'x' && p->comp != 'F' && p->comp != 'P') {
			set_err_u(err, "D3133", &p->comp, p->comp ? 1 : 0);
			return -1;
		}
		out_str(o, "[a-zA-Z]+");
	}
	out_str(o, ")");
	return 0;
}

/* The value of a name, or NaN (undefined) when it names nothing. */
static double name_value(const Part *p, const char *s, size_t n)
{
	int max = p->has_width && p->wmax > 0 ? p->wmax : -1;
	if (p->comp == 'P') {
		if (n == 2 && (!strncmp(s, "am", 2) || !strncmp(s, "AM", 2)))
			return 0;
		if (n == 2 && (!strncmp(s, "pm", 2) || !strncmp(s, "PM", 2)))
			return 1;
		return NAN;
	}
	bool months = p->comp == 'M' || p->comp == 'x';
	for (int i = months ? 0 : 1; i < (months ? 12 : 8); i++) {
		const char *name = months ? month_names[i] : day_names[i];
		size_t len = strlen(name);
		if (max >= 0 && len > (size_t)max)
			len = (size_t)max;
		if (len == n && !strncmp(name, s, n))
			return months ? i + 1 : i;
	}
	return NAN;
}

static double tz_value(const Part *p, const char *s, size_t n)
{
	if (p->comp == 'z' && n >= 3) {
		s += 3;
		n -= 3;
	}
	double oh = 0, om = 0;
	if (p->ifmt.regular) {
		char sep[8] = {0};
		Out c = {0};
		out_str(&c, "");
		out_cp(&c, p->ifmt.reg_ch);
		snprintf(sep, sizeof sep, "%s", c.s);
		free(c.s);
		const char *at = strstr(s, sep);
		size_t k = at && (size_t)(at - s) < n ? (size_t)(at - s) : n;
		oh = js_parse_int(s, k);
		om = k < n ? js_parse_int(s + k + strlen(sep), n - k - strlen(sep)) : NAN;
	} else if (n - 1 <= 2)
		oh = js_parse_int(s, n);
	else {
		oh = js_parse_int(s, 3);
		om = js_parse_int(s + 3, n - 3);
	}
	return oh * 60 + om;
}

typedef struct Comps {
	bool def[128];
	double v[128];
} Comps;

/* isType of JSONata: no bit outside type, at least one inside. */
static bool is_type(int type, int mask)
{
	return !(~type & mask) && (type & mask);
}

static int build_millis(Comps *c, double now_ms, double *out, aslrt_pic_err *err)
{
	int mask = 0;
	for (const char *k = "YXMxWwdD"; *k; k++)
		mask =
		    (mask << 1) | (c->def[(int)*k] && c->v[(int)*k] != 0 && !isnan(c->v[(int)*k]));
	bool date_a = is_type(161, mask);
	bool date_b = !date_a && is_type(130, mask);
	bool date_c = is_type(84, mask);
	bool date_d = !date_c && is_type(72, mask);
	mask = 0;
	for (const char *k = "PHhmsf"; *k; k++)
		mask =
		    (mask << 1) | (c->def[(int)*k] && c->v[(int)*k] != 0 && !isnan(c->v[(int)*k]));
	bool time_a = is_type(23, mask);
	bool time_b = !time_a && is_type(47, mask);
	char comps[16];
	snprintf(comps, sizeof comps, "%s%s",
		 date_b	  ? "YD"
		 : date_c ? "XxwF"
		 : date_d ? "XWF"
			  : "YMD",
		 time_b ? "Phmsf" : "Hmsf");
	Tm now = tm_of(now_ms);
	bool started = false, ended = false;
	for (const char *k = comps; *k; k++) {
		int i = (unsigned char)*k;
		if (!c->def[i]) {
			if (started) {
				c->v[i] = strchr("MDd", i) ? 1 : 0;
				ended = true;
			} else
				c->v[i] = i == 'P' ? 0 : fragment(&now, (uint32_t)i);
			c->def[i] = true;
		} else {
			started = true;
			if (ended) {
				set_err(err, "D3136", NULL);
				return -1;
			}
		}
	}
	double M = c->v['M'] > 0 ? c->v['M'] - 1 : 0;
	double D = c->v['D'];
	if (date_b) {
		Tm x = tm_of(utc_ym(c->v['Y'], 0) + (c->v['d'] - 1) * DAY_MS);
		M = x.mo - 1;
		D = x.d;
	}
	if (date_c || date_d) {
		/* week dates are not parsed by JSONata 2.0.6 either */
		set_err(err, "D3136", NULL);
		return -1;
	}
	double H = c->v['H'];
	if (time_b) {
		H = c->v['h'] == 12 ? 0 : c->v['h'];
		if (c->v['P'] == 1)
			H += 12;
	}
	double Y = c->v['Y'];
	double f[] = {Y, M, D, H, c->v['m'], c->v['s'], c->v['f']};
	for (int i = 0; i < 7; i++) {
		if (isnan(f[i]) || isinf(f[i])) {
			*out = NAN;
			return 0;
		}
		f[i] = trunc(f[i]);
	}
	if (f[0] >= 0 && f[0] <= 99)
		f[0] += 1900; /* as Date.UTC reads a two-digit year */
	double ms = utc_ym(f[0], f[1]) + (f[2] - 1) * DAY_MS + f[3] * 3600000 + f[4] * 60000 +
		    f[5] * 1000 + f[6];
	double tz = c->def['Z'] ? c->v['Z'] : c->def['z'] ? c->v['z'] : 0;
	if (tz && !isnan(tz))
		ms -= tz * 60000;
	else if (isnan(tz) && (c->def['Z'] || c->def['z']))
		ms = NAN;
	*out = fabs(ms) > 8.64e15 ? NAN : ms;
	return 0;
}

int aslrt_pic_parse_datetime(const char *text, const char *picture, double now_ms, double *out,
			     aslrt_pic_err *err)
{
	Spec s;
	if (analyse_datetime(picture, &s, err))
		return -1;
	Out re = {0};
	out_str(&re, "^");
	for (int i = 0; i < s.n; i++)
		if (part_regex(&re, &s.p[i], err)) {
			free(re.s);
			spec_free(&s);
			return -1;
		}
	out_str(&re, "$");
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)re.s, PCRE2_ZERO_TERMINATED,
			  PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
	free(re.s);
	if (!code) {
		spec_free(&s);
		set_err(err, "D3137", "The date/time picture string cannot be matched");
		return -1;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(mc, 1000000);
	int rc = pcre2_match(code, (PCRE2_SPTR)text, strlen(text), 0, 0, md, mc);
	int result = 1;
	if (rc > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		Comps c;
		memset(&c, 0, sizeof c);
		bool any = false;
		for (int i = 0; i < s.n; i++) {
			const Part *p = &s.p[i];
			if (p->literal || p->comp >= 128)
				continue;
			const char *m = text + ov[2 * (i + 1)];
			size_t n = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
			double v;
			if (p->comp == 'Z' || p->comp == 'z')
				v = tz_value(p, m, n);
			else if (p->has_int)
				v = parse_int_value(&p->ifmt, m, n);
			else
				v = name_value(p, m, n);
			any = true;
			/* an unknown name is undefined, a bad number NaN */
			c.def[p->comp] = !(isnan(v) && !p->has_int);
			c.v[p->comp] = v;
		}
		if (any) {
			result = build_millis(&c, now_ms, out, err);
			if (result == 0 && isnan(*out))
				result = 1;
		}
	} else if (rc != PCRE2_ERROR_NOMATCH) {
		set_err(err, "U1001", "The date/time text is too complex to match its picture");
		result = -1;
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	spec_free(&s);
	return result;
}
