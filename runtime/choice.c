/*
 * choice.c - the JSONPath Choice comparison operators.
 *
 * The operator set is the X-macro list in cmp_ops.h; the name and operand-kind
 * tables below are generated from it.  aslrt_cmp_apply() implements the rules
 * as AWS applies them: a value of the wrong type makes a comparison false,
 * never an error; numbers compare by value (1 equals 1.0); strings compare as
 * Java's String.compareTo does, by UTF-16 code unit, so a supplementary
 * character (a surrogate pair, 0xD800..0xDBFF first) sorts below U+E000..U+FFFF
 * even though its code point is larger; timestamps are RFC 3339 date-times
 * with an uppercase 'T', an uppercase 'Z' or a +hh:mm / -hh:mm offset and an
 * optional fraction of one to nine digits, compared as instants, and a string
 * that does not parse makes the comparison false.  StringMatches knows one
 * wildcard, '*', matching any run of characters; a backslash makes the next
 * character literal ("\\*" a star, "\\\\" a backslash) and a backslash with
 * nothing after it makes the pattern malformed.
 *
 * A Variable that selected nothing (ASLRT_ABSENT) is only meaningful to
 * IsPresent; every other operator answers false and leaves the
 * States.Runtime error to the caller.
 */
#include <pthread.h>
#include <string.h>

#include "rt.h"

const char *const aslrt_cmp_names[ASLRT_CMP_COUNT] = {
#define X(name, operand) [ASLRT_CMP_##name] = #name,
#include "cmp_ops.h"
#undef X
};

const aslrt_operand aslrt_cmp_operands[ASLRT_CMP_COUNT] = {
#define X(name, operand) [ASLRT_CMP_##name] = ASLRT_OPND_##operand,
#include "cmp_ops.h"
#undef X
};

int aslrt_cmp_lookup(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < ASLRT_CMP_COUNT; i++)
		if (!strcmp(aslrt_cmp_names[i], name))
			return i;
	return -1;
}

/* By name rather than by position in the list, so reordering cmp_ops.h
 * cannot pair an operator with the wrong base; found once for all (a
 * Choice asks on every evaluation: b1's loop once per iteration). */
static aslrt_cmp cmp_base[ASLRT_CMP_COUNT];
static pthread_once_t cmp_base_once = PTHREAD_ONCE_INIT;

static aslrt_cmp find_base(aslrt_cmp op)
{
	if (aslrt_cmp_operands[op] != ASLRT_OPND_PATH)
		return op;
	const char *name = aslrt_cmp_names[op];
	size_t n = strlen(name);
	if (n <= 4 || strcmp(name + n - 4, "Path"))
		return op;
	n -= 4;
	for (int i = 0; i < ASLRT_CMP_COUNT; i++)
		if (aslrt_cmp_operands[i] != ASLRT_OPND_PATH &&
		    !strncmp(aslrt_cmp_names[i], name, n) && !aslrt_cmp_names[i][n])
			return (aslrt_cmp)i;
	return op;
}

static void find_bases(void)
{
	for (int i = 0; i < ASLRT_CMP_COUNT; i++)
		cmp_base[i] = find_base((aslrt_cmp)i);
}

aslrt_cmp aslrt_cmp_base(aslrt_cmp op)
{
	if ((unsigned)op >= ASLRT_CMP_COUNT)
		return op;
	pthread_once(&cmp_base_once, find_bases);
	return cmp_base[op];
}

/* ---- strings ---- */

/*
 * The next code point of s[*i..n), advancing *i.  Bytes that are not well
 * formed UTF-8 (json-c validated its input, but be safe) stand for themselves.
 */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	uint32_t c = s[*i];
	size_t len;
	uint32_t min;

	if (c < 0x80) {
		(*i)++;
		return c;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		(*i)++;
		return c;
	}
	if (*i + len > n)
		goto bad;
	for (size_t k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (s[*i + k] & 0x3f);
	}
	if (c < min || c > 0x10ffff)
		goto bad;
	*i += len;
	return c;
bad:
	c = s[*i];
	(*i)++;
	return c;
}

/* The first UTF-16 code unit of c: itself, or its high surrogate. */
static uint32_t utf16_lead(uint32_t c)
{
	return c < 0x10000 ? c : 0xd800 + ((c - 0x10000) >> 10);
}

/* <0, 0, >0 as Java's a.compareTo(b). */
static int str_compare(const char *a, size_t an, const char *b, size_t bn)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t m = an < bn ? an : bn, i = 0;

	/* An equal ASCII prefix decodes byte for byte, and ASCII bytes that
	 * differ order as their code units: no decoding for most strings. */
	while (i < m && x[i] == y[i] && x[i] < 0x80)
		i++;
	if (i == m)
		return an < bn ? -1 : an > bn;
	if (x[i] < 0x80 && y[i] < 0x80)
		return x[i] < y[i] ? -1 : 1;
	size_t j = i;
	while (i < an && j < bn) {
		uint32_t ca = utf8_next(x, an, &i), cb = utf8_next(y, bn, &j);
		if (ca == cb)
			continue;
		uint32_t la = utf16_lead(ca), lb = utf16_lead(cb);
		if (la != lb)
			return la < lb ? -1 : 1;
		/* Same high surrogate: the low surrogates order as the code points. */
		return ca < cb ? -1 : 1;
	}
	if (i < an)
		return 1;
	if (j < bn)
		return -1;
	return 0;
}

/* ---- StringMatches ---- */

bool aslrt_pattern_valid(const char *pattern)
{
	if (!pattern)
		return false;
	for (const char *p = pattern; *p; p++)
		if (*p == '\\' && !*++p)
			return false;
	return true;
}

/*
 * Whole-string glob match with '*' the only wildcard: walk both, remembering
 * the last star and where in s it started matching, and on a mismatch let that
 * star swallow one more byte.  Bytes suffice: a literal run starting with a
 * UTF-8 lead byte can only match at a character boundary.
 */
static bool matches(const char *s, size_t n, const char *p, size_t m)
{
	size_t i = 0, j = 0;
	size_t star = 0, star_i = 0;
	bool starred = false;

	for (;;) {
		if (j < m && p[j] == '*') {
			star = ++j;
			star_i = i;
			starred = true;
			continue;
		}
		if (j == m && i == n)
			return true;
		if (j < m && i < n) {
			size_t k = j;
			if (p[k] == '\\' && ++k == m)
				return false; /* open backslash */
			if (s[i] == p[k]) {
				j = k + 1;
				i++;
				continue;
			}
		}
		if (!starred || star_i >= n)
			return false;
		j = star;
		i = ++star_i;
	}
}

bool aslrt_string_matches(const char *s, const char *pattern)
{
	if (!s || !pattern || !aslrt_pattern_valid(pattern))
		return false;
	return matches(s, strlen(s), pattern, strlen(pattern));
}

/* ---- timestamps ---- */

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

/*
 * yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm), fields range-checked as
 * Java's strict ISO_OFFSET_DATE_TIME does (no leap second, no 24:00, offsets
 * within +-18:00).
 */
bool aslrt_timestamp_parse(const char *s, aslrt_time *t)
{
	if (!s || strlen(s) < 20)
		return false;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (y < 0 || s[4] != '-' || mo < 0 || s[7] != '-' || d < 0 || s[10] != 'T' || h < 0 ||
	    s[13] != ':' || mi < 0 || s[16] != ':' || se < 0)
		return false;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && aslrt_is_leap(y)))
		return false;
	if (h > 23 || mi > 59 || se > 59)
		return false;

	const char *p = s + 19;
	int32_t nsec = 0;
	if (*p == '.') {
		int nd = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd == 9)
				return false;
			nsec = nsec * 10 + (*p - '0');
		}
		if (!nd)
			return false;
		for (; nd < 9; nd++)
			nsec *= 10;
	}

	int off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2);
		if (oh < 0 || p[3] != ':')
			return false;
		int om = digits(p + 4, 2);
		if (om < 0 || om > 59 || oh * 60 + om > 18 * 60)
			return false;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;

	if (t) {
		t->sec = aslrt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
		t->nsec = nsec;
	}
	return true;
}

/* ---- the comparison ---- */

/* -1, 0, 1 for two JSON numbers, of json-c types ta and tb (int or
 * double); integers exactly, otherwise as doubles.  Each json-c getter is a
 * call: a Choice's loop test (b1) made eight per comparison. */
static int num_compare(struct json_object *a, enum json_type ta, struct json_object *b,
		       enum json_type tb)
{
	if (ta == json_type_int && tb == json_type_int) {
		int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
		if (x < 0 || y < 0 || (x < INT64_MAX && y < INT64_MAX))
			return x < y ? -1 : x > y;
		/* Both non-negative, one at least INT64_MAX: values above it are
		 * held as uint64 (get_int64 clamps them). */
		uint64_t ux = json_object_get_uint64(a), uy = json_object_get_uint64(b);
		return ux < uy ? -1 : ux > uy;
	}
	double x = aslrt_json_number(a), y = aslrt_json_number(b);
	return x < y ? -1 : x > y;
}

static bool is_number_type(enum json_type t)
{
	return t == json_type_int || t == json_type_double;
}

static int time_compare(const aslrt_time *a, const aslrt_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

static bool is_string(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

/* A string's text when it has no NUL inside (no timestamp does), else NULL. */
static const char *c_string(struct json_object *v)
{
	const char *s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static bool is_bool(struct json_object *v)
{
	return v && json_object_is_type(v, json_type_boolean);
}

/* The type test of an Is... operator (v is not ASLRT_ABSENT). */
static bool is_test(aslrt_cmp op, struct json_object *v)
{
	aslrt_time t;

	switch (op) {
	case ASLRT_CMP_IsNull:
		return json_object_is_type(v, json_type_null);
	case ASLRT_CMP_IsNumeric:
		return aslrt_json_is_number(v);
	case ASLRT_CMP_IsString:
		return is_string(v);
	case ASLRT_CMP_IsBoolean:
		return is_bool(v);
	case ASLRT_CMP_IsTimestamp:
		return is_string(v) && aslrt_timestamp_parse(c_string(v), &t);
	default:
		return false;
	}
}

/* Map a three-way result onto the relation the operator names. */
static bool relation(aslrt_cmp op, int c)
{
	switch (op) {
	case ASLRT_CMP_StringEquals:
	case ASLRT_CMP_NumericEquals:
	case ASLRT_CMP_TimestampEquals:
		return c == 0;
	case ASLRT_CMP_StringLessThan:
	case ASLRT_CMP_NumericLessThan:
	case ASLRT_CMP_TimestampLessThan:
		return c < 0;
	case ASLRT_CMP_StringGreaterThan:
	case ASLRT_CMP_NumericGreaterThan:
	case ASLRT_CMP_TimestampGreaterThan:
		return c > 0;
	case ASLRT_CMP_StringLessThanEquals:
	case ASLRT_CMP_NumericLessThanEquals:
	case ASLRT_CMP_TimestampLessThanEquals:
		return c <= 0;
	case ASLRT_CMP_StringGreaterThanEquals:
	case ASLRT_CMP_NumericGreaterThanEquals:
	case ASLRT_CMP_TimestampGreaterThanEquals:
		return c >= 0;
	default:
		return false;
	}
}

/* aslrt_cmp_apply; ts, when not NULL, is operand's timestamp, parsed before. */
static bool apply(aslrt_cmp op, struct json_object *v, struct json_object *operand,
		  const aslrt_time *ts)
{
	if ((unsigned)op >= ASLRT_CMP_COUNT || operand == ASLRT_ABSENT)
		return false;
	if (aslrt_cmp_operands[op] == ASLRT_OPND_PATH)
		op = aslrt_cmp_base(op);

	switch (aslrt_cmp_operands[op]) {
	case ASLRT_OPND_IS: {
		if (!is_bool(operand))
			return false;
		bool want = json_object_get_boolean(operand);
		if (op == ASLRT_CMP_IsPresent)
			return (v != ASLRT_ABSENT) == want;
		if (v == ASLRT_ABSENT)
			return false;
		return is_test(op, v) == want;
	}
	case ASLRT_OPND_STR:
		if (v == ASLRT_ABSENT || !is_string(v) || !is_string(operand))
			return false;
		return relation(op, str_compare(json_object_get_string(v),
						(size_t)json_object_get_string_len(v),
						json_object_get_string(operand),
						(size_t)json_object_get_string_len(operand)));
	case ASLRT_OPND_PAT: {
		if (v == ASLRT_ABSENT || !is_string(v) || !is_string(operand))
			return false;
		/* A malformed pattern is the caller's error to raise (see
		 * aslrt_pattern_valid); here it matches nothing. */
		return matches(json_object_get_string(v), (size_t)json_object_get_string_len(v),
			       json_object_get_string(operand),
			       (size_t)json_object_get_string_len(operand));
	}
	case ASLRT_OPND_NUM: {
		if (v == ASLRT_ABSENT)
			return false;
		enum json_type tv = json_object_get_type(v), to = json_object_get_type(operand);
		if (!is_number_type(tv) || !is_number_type(to))
			return false;
		return relation(op, num_compare(v, tv, operand, to));
	}
	case ASLRT_OPND_BOOL:
		if (v == ASLRT_ABSENT || !is_bool(v) || !is_bool(operand))
			return false;
		return json_object_get_boolean(v) == json_object_get_boolean(operand);
	case ASLRT_OPND_TS: {
		aslrt_time a, b;
		if (v == ASLRT_ABSENT || !is_string(v) || !is_string(operand) ||
		    !aslrt_timestamp_parse(c_string(v), &a))
			return false;
		if (ts)
			b = *ts;
		else if (!aslrt_timestamp_parse(c_string(operand), &b))
			return false;
		return relation(op, time_compare(&a, &b));
	}
	case ASLRT_OPND_PATH:
		/* A ...Path operator without a base; cannot happen with cmp_ops.h. */
		return false;
	}
	return false;
}

bool aslrt_cmp_apply(aslrt_cmp op, struct json_object *v, struct json_object *operand)
{
	return apply(op, v, operand, NULL);
}

bool aslrt_cmp_apply_const(aslrt_cmp op, struct json_object *v, struct json_object *operand,
			   const aslrt_time *ts)
{
	return apply(op, v, operand, ts);
}
