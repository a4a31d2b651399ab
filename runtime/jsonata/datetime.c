/*
 * datetime.c - date/time picture strings as JSONata 2.0.6 implements
 * fn:format-dateTime ($fromMillis, $now) and its own parsing by a picture
 * ($toMillis).
 *
 * As JSONata does: a timezone argument read as a signed "hhmm" integer,
 * $toMillis matching the whole text with one case-insensitive regular
 * expression built from the picture, and defaults for the components the
 * picture leaves out taken from the evaluation's fixed "now".
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define ASLRT_PICTURE_INTERNAL
#include "jsonata_int.h"
#include "mathlib.h"

#define DAY_MS 86400000.0
#define FORMAT_MAX (1u << 20) /* bytes of one formatted date/time */

/* ------------------------------------------------------ date and time */

/* civil.c's algorithm in doubles, as JavaScript's Date.UTC computes: a
 * picture string can give a year no int64_t holds, and the result is
 * range-checked (8.64e15 ms) after, not before. */
static double days_from_civil(double y, int m, int d)
{
	y -= m <= 2;
	double era = aslrt_floor(y / 400);
	double yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	double doe = yoe * 365 + aslrt_floor(yoe / 4) - aslrt_floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(double z, double *y, int *m, int *d)
{
	z += 719468;
	double era = aslrt_floor(z / 146097);
	double doe = z - era * 146097;
	double yoe = aslrt_floor(
	    (doe - aslrt_floor(doe / 1460) + aslrt_floor(doe / 36524) - aslrt_floor(doe / 146096)) /
	    365);
	double doy = doe - (365 * yoe + aslrt_floor(yoe / 4) - aslrt_floor(yoe / 100));
	double mp = aslrt_floor((5 * doy + 2) / 153);
	*d = (int)(doy - aslrt_floor((153 * mp + 2) / 5) + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Date.UTC(y, month0) with the month carried into the year. */
static double utc_ym(double y, double month0)
{
	double ym = y + aslrt_floor(month0 / 12);
	int mn = (int)(month0 - aslrt_floor(month0 / 12) * 12);
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
	double days = aslrt_floor(t / DAY_MS);
	double rem = t - days * DAY_MS;
	civil_from_days(days, &x.y, &x.mo, &x.d);
	x.h = (int)(rem / 3600000);
	x.mi = (int)aslrt_fmod(rem / 60000, 60);
	x.s = (int)aslrt_fmod(rem / 1000, 60);
	x.ms = (int)aslrt_fmod(rem, 1000);
	x.wday = (int)(aslrt_fmod(aslrt_fmod(days + 4, 7) + 7, 7));
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
		return aslrt_floor(week);
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
		return aslrt_floor(week);
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
	PicOut o = {0};
	aslrt_buf_puts(&o, "");
	for (int i = from; i < to; i++) {
		aslrt_buf_putcp(&o, u[i]);
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
	int comma = aslrt_pic_u_last(m, mn, ',');
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
			aslrt_pic_set_err_u(err, "D3132", &d->comp, d->comp ? 1 : 0);
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
		if (aslrt_pic_analyse_int(pat, k, &d->ifmt, err))
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
		if (aslrt_pic_analyse_int(pres1, np, &d->ifmt, err))
			return -1;
		d->has_int = true;
	}
	return 0;
}

static int analyse_datetime(const char *picture, Spec *s, aslrt_pic_err *err)
{
	int n;
	uint32_t *u = aslrt_pic_decode(picture, &n);
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
				aslrt_pic_set_err(err, "D3135", NULL);
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

static void put_cased(PicOut *o, const char *s, int tcase, int max)
{
	size_t from = o->len;
	size_t len = strlen(s);
	if (max >= 0 && len > (size_t)max)
		len = (size_t)max;
	aslrt_buf_put(o, s, len);
	for (size_t i = from; i < o->len; i++)
		if (tcase == CASE_UPPER)
			o->s[i] = (char)toupper((unsigned char)o->s[i]);
		else if (tcase == CASE_LOWER)
			o->s[i] = (char)tolower((unsigned char)o->s[i]);
}

static int format_component(PicOut *o, const Tm *x, const Part *p, int oh, int om,
			    aslrt_pic_err *err)
{
	uint32_t c = p->comp;
	if (c < 128 && c && strchr("YMDdFWwXxHhms", (int)c)) {
		double v = fragment(x, c);
		if (c == 'Y' && p->n != -1)
			v = aslrt_fmod(v, aslrt_pow(10, p->n));
		if (p->names) {
			const char *name;
			if (c == 'M' || c == 'x')
				name = month_names[(int)v - 1];
			else if (c == 'F')
				name = day_names[(int)v];
			else {
				aslrt_pic_set_err_u(err, "D3133", &c, 1);
				return -1;
			}
			put_cased(o, name, p->names, p->has_width ? p->wmax : -1);
			return 0;
		}
		return aslrt_pic_format_int(v, &p->ifmt, o, err);
	}
	if (c == 'f')
		return aslrt_pic_format_int(fragment(x, c), &p->ifmt, o, err);
	if (c == 'Z' || c == 'z') {
		int offset = oh * 100 + om;
		PicOut z = {0};
		aslrt_buf_puts(&z, "");
		int rc = 0;
		if (p->ifmt.regular)
			rc = aslrt_pic_format_int(offset, &p->ifmt, &z, err);
		else if (p->ifmt.mandatory == 1 || p->ifmt.mandatory == 2) {
			rc = aslrt_pic_format_int(oh, &p->ifmt, &z, err);
			if (!rc && om != 0) {
				IntFmt two;
				uint32_t pic[2] = {'0', '0'};
				aslrt_pic_analyse_int(pic, 2, &two, err);
				aslrt_buf_puts(&z, ":");
				rc = aslrt_pic_format_int(om, &two, &z, err);
			}
		} else if (p->ifmt.mandatory == 3 || p->ifmt.mandatory == 4)
			rc = aslrt_pic_format_int(offset, &p->ifmt, &z, err);
		else {
			char nd[16];
			snprintf(nd, sizeof nd, "%d", p->ifmt.mandatory);
			aslrt_pic_set_err(err, "D3134", nd);
			rc = -1;
		}
		if (!rc) {
			if (offset == 0 && p->pres2 == 't')
				aslrt_buf_puts(o, "Z");
			else {
				if (c == 'z')
					aslrt_buf_puts(o, "GMT");
				if (offset >= 0)
					aslrt_buf_puts(o, "+");
				aslrt_buf_puts(o, z.s);
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
		aslrt_buf_puts(o, "ISO");
		return 0;
	}
	/* JSONata would print "undefined" here: refuse instead */
	aslrt_pic_set_err_u(err, "D3132", &c, c ? 1 : 0);
	return -1;
}

char *aslrt_pic_format_datetime(double ms, const char *picture, const char *timezone,
				aslrt_pic_err *err)
{
	int oh = 0, om = 0;
	if (timezone) {
		double off = aslrt_pic_js_parse_int(timezone, strlen(timezone));
		if (isnan(off) || fabs(off) > 9999) {
			char msg[128];
			snprintf(msg, sizeof msg,
				 "The timezone of fromMillis must be \"+hhmm\" or \"-hhmm\", not "
				 "\"%.60s\"",
				 timezone);
			aslrt_pic_set_err(err, "D3137", msg);
			return NULL;
		}
		oh = (int)aslrt_floor(off / 100);
		om = (int)aslrt_fmod(off, 100);
	}
	Spec s;
	if (analyse_datetime(picture ? picture
				     : "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]",
			     &s, err))
		return NULL;
	double t = aslrt_trunc(ms) + (60.0 * oh + om) * 60000;
	if (!isfinite(t) || fabs(t) > 8.64e15) {
		spec_free(&s);
		aslrt_pic_set_err(err, "D3137",
				  "The timestamp is outside the range of dates JSONata can format");
		return NULL;
	}
	Tm x = tm_of(t);
	PicOut o = {0};
	aslrt_buf_puts(&o, "");
	for (int i = 0; i < s.n; i++) {
		if (s.p[i].literal)
			aslrt_buf_puts(&o, s.p[i].lit);
		else if (format_component(&o, &x, &s.p[i], oh, om, err))
			goto fail;
		/* widths go up to 999999: many such markers must not add up */
		if (o.len > FORMAT_MAX) {
			aslrt_pic_set_err(
			    err, "D3137",
			    "The formatted date/time is longer than 1 MiB (its picture's "
			    "widths are too large)");
			goto fail;
		}
	}
	spec_free(&s);
	return o.s;
fail:
	free(o.s);
	spec_free(&s);
	return NULL;
}

/* -------------------------------------------------- parsing date/times */

static void re_escape(PicOut *o, const char *s)
{
	for (; *s; s++) {
		if (strchr(".*+?^${}()|[]\\", *s))
			aslrt_buf_puts(o, "\\");
		aslrt_buf_put(o, s, 1);
	}
}

static int int_regex(PicOut *o, const IntFmt *f, aslrt_pic_err *err)
{
	switch (f->primary) {
	case P_LETTERS:
		aslrt_buf_puts(o, f->tcase == CASE_UPPER ? "[A-Z]+" : "[a-z]+");
		break;
	case P_ROMAN:
		aslrt_buf_puts(o, f->tcase == CASE_UPPER ? "[MDCLXVI]+" : "[mdclxvi]+");
		break;
	case P_WORDS: {
		WordVal t[80];
		int n = aslrt_pic_word_table(t);
		aslrt_buf_puts(o, "(?:");
		for (int i = 0; i < n; i++) {
			aslrt_buf_puts(o, t[i].w);
			aslrt_buf_puts(o, "|");
		}
		aslrt_buf_puts(o, "and|[\\-, ])+");
		break;
	}
	case P_DECIMAL: {
		char w[32];
		snprintf(w, sizeof w, "{%d}", f->parse_width);
		aslrt_buf_puts(o, "[0-9]");
		aslrt_buf_puts(o, f->parse_width ? w : "+");
		if (f->ordinal)
			aslrt_buf_puts(o, "(?:th|st|nd|rd)");
		break;
	}
	default:
		aslrt_pic_set_err_u(err, "D3130", f->token, f->ntoken);
		return -1;
	}
	return 0;
}

/* The regular expression of one part (one capture group), or -1. */
static int part_regex(PicOut *o, const Part *p, aslrt_pic_err *err)
{
	aslrt_buf_puts(o, "(");
	if (p->literal)
		re_escape(o, p->lit);
	else if (p->comp == 'Z' || p->comp == 'z') {
		if (p->comp == 'z')
			aslrt_buf_puts(o, "GMT");
		aslrt_buf_puts(o, "[-+][0-9]+");
		if (p->ifmt.regular) {
			PicOut c = {0};
			aslrt_buf_puts(&c, "");
			aslrt_buf_putcp(&c, p->ifmt.reg_ch);
			re_escape(o, c.s);
			free(c.s);
			aslrt_buf_puts(o, "[0-9]+");
		}
	} else if (p->has_int) {
		if (int_regex(o, &p->ifmt, err))
			return -1;
	} else {
		if (p->comp != 'M' && p->comp != 'x' && p->comp != 'F' && p->comp != 'P') {
			aslrt_pic_set_err_u(err, "D3133", &p->comp, p->comp ? 1 : 0);
			return -1;
		}
		aslrt_buf_puts(o, "[a-zA-Z]+");
	}
	aslrt_buf_puts(o, ")");
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
		PicOut c = {0};
		aslrt_buf_puts(&c, "");
		aslrt_buf_putcp(&c, p->ifmt.reg_ch);
		snprintf(sep, sizeof sep, "%s", c.s);
		free(c.s);
		const char *at = strstr(s, sep);
		size_t k = at && (size_t)(at - s) < n ? (size_t)(at - s) : n;
		oh = aslrt_pic_js_parse_int(s, k);
		om = k < n ? aslrt_pic_js_parse_int(s + k + strlen(sep), n - k - strlen(sep)) : NAN;
	} else if (n - 1 <= 2)
		oh = aslrt_pic_js_parse_int(s, n);
	else {
		oh = aslrt_pic_js_parse_int(s, 3);
		om = aslrt_pic_js_parse_int(s + 3, n - 3);
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
				aslrt_pic_set_err(err, "D3136", NULL);
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
		aslrt_pic_set_err(err, "D3136", NULL);
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
		f[i] = aslrt_trunc(f[i]);
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
	PicOut re = {0};
	aslrt_buf_puts(&re, "^");
	for (int i = 0; i < s.n; i++)
		if (part_regex(&re, &s.p[i], err)) {
			free(re.s);
			spec_free(&s);
			return -1;
		}
	aslrt_buf_puts(&re, "$");
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)re.s, PCRE2_ZERO_TERMINATED,
			  PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
	free(re.s);
	if (!code) {
		spec_free(&s);
		aslrt_pic_set_err(err, "D3137", "The date/time picture string cannot be matched");
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
				v = aslrt_pic_int_value(&p->ifmt, m, n);
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
		aslrt_pic_set_err(err, "U1001",
				  "The date/time text is too complex to match its picture");
		result = -1;
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	spec_free(&s);
	return result;
}
