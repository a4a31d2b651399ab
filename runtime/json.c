/*
 * json.c - JSON as AWS Step Functions reads and prints it.
 *
 * Parsing is json-c's strict tokenizer with UTF-8 validation.  Printing is our
 * own walk (json-c's printer escapes "/" and prints computed doubles with %.17g):
 * compact, only '"', '\\' and control characters escaped, numbers parsed from
 * text printed as they were written, computed doubles in the shortest form that
 * reads back to the same value, integral doubles without a fraction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

char aslrt_absent_marker;

typedef struct {
	char *s;
	size_t len, cap;
	bool count_only; /* measure, don't store */
} Out;

static void out_put(Out *o, const char *s, size_t n)
{
	if (o->count_only) {
		o->len += n;
		return;
	}
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		while (cap < o->len + n + 1)
			cap *= 2;
		char *p = realloc(o->s, cap);
		if (!p)
			abort();
		o->s = p;
		o->cap = cap;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
	o->s[o->len] = 0;
}

/* The JSON escape for one byte of a string, or NULL when the byte stands
 * for itself: '"', '\\' and control characters only (no "\/"), as AWS and
 * JSON.stringify print.  u is room for a \u00XX escape. */
const char *aslrt_json_escape(unsigned char ch, char u[7])
{
	static const char hex[] = "0123456789abcdef";
	switch (ch) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\b': return "\\b";
	case '\f': return "\\f";
	}
	if (ch >= 0x20)
		return NULL;
	memcpy(u, "\\u00", 4);
	u[4] = hex[ch >> 4];
	u[5] = hex[ch & 15];
	u[6] = 0;
	return u;
}

static void out_str(Out *o, const char *s, size_t n)
{
	out_put(o, "\"", 1);
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		char u[7];
		const char *esc = aslrt_json_escape((unsigned char)s[i], u);
		if (esc) {
			out_put(o, s + start, i - start);
			out_put(o, esc, strlen(esc));
			start = i + 1;
		}
	}
	out_put(o, s + start, n - start);
	out_put(o, "\"", 1);
}

/* Shortest "%.{15,16,17}g" that reads back as d; integral values print as
 * integers (AWS's Java printer does the same for whole doubles). */
static void out_double(Out *o, double d)
{
	char buf[64];
	if (isnan(d) || isinf(d)) {
		out_put(o, "null", 4);
		return;
	}
	if (d == floor(d) && fabs(d) < 1e18) {
		snprintf(buf, sizeof buf, "%.0f", d);
		if (strcmp(buf, "-0") == 0)
			strcpy(buf, "0");
		out_put(o, buf, strlen(buf));
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	out_put(o, buf, strlen(buf));
}

/* "%lld" without printf's machinery (dumps and sizes are on every state exit). */
static void out_int(char *buf, int64_t n)
{
	char tmp[24];
	int len = 0;
	uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
	do
		tmp[len++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (n < 0)
		*buf++ = '-';
	while (len)
		*buf++ = tmp[--len];
	*buf = 0;
}

static void dump(Out *o, struct json_object *v)
{
	char buf[32];
	switch (json_object_get_type(v)) {
	case json_type_null:
		out_put(o, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			out_put(o, "true", 4);
		else
			out_put(o, "false", 5);
		break;
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)json_object_get_uint64(v));
		else
			out_int(buf, json_object_get_int64(v)); /* every state's output size */
		out_put(o, buf, strlen(buf));
		break;
	case json_type_double: {
		/* A number parsed from text keeps its text in json-c's userdata
		 * serializer; json_object_to_json_string returns it verbatim. */
		if (json_object_get_userdata(v)) {
			const char *s = json_object_get_userdata(v);
			out_put(o, s, strlen(s));
		} else {
			out_double(o, json_object_get_double(v));
		}
		break;
	}
	case json_type_string:
		out_str(o, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		out_put(o, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				out_put(o, ",", 1);
			dump(o, json_object_array_get_idx(v, i));
		}
		out_put(o, "]", 1);
		break;
	}
	case json_type_object: {
		int first = 1;
		out_put(o, "{", 1);
		json_object_object_foreach(v, key, val)
		{
			if (!first)
				out_put(o, ",", 1);
			first = 0;
			out_str(o, key, strlen(key));
			out_put(o, ":", 1);
			dump(o, val);
		}
		out_put(o, "}", 1);
		break;
	}
	}
}

char *aslrt_json_dump(struct json_object *v)
{
	Out o = {0};
	dump(&o, v);
	return o.s;
}

/*
 * Integers beyond 64 bits: json-c clamps them to INT64_MIN or UINT64_MAX with
 * no error.  Their text is found again by scanning the source in document
 * order, and each clamped node is replaced by a number that keeps its text
 * (printed back as written, compared by its double value).
 */
typedef struct {
	const char **tok; /* big integer literals, in document order */
	size_t *len;
	int n, next;
} BigInts;

/* Is the integer literal s[0..n) outside [INT64_MIN, UINT64_MAX]? */
static bool too_big(const char *s, size_t n)
{
	bool neg = s[0] == '-';
	const char *d = s + neg;
	size_t nd = n - neg;
	const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
	size_t nl = strlen(lim);
	return nd > nl || (nd == nl && memcmp(d, lim, nl) > 0);
}

static void scan_big(const char *t, size_t len, BigInts *b)
{
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '"') {
			for (i++; i < len && t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			continue;
		}
		if (t[i] != '-' && (t[i] < '0' || t[i] > '9'))
			continue;
		size_t j = i + (t[i] == '-');
		while (j < len && t[j] >= '0' && t[j] <= '9')
			j++;
		bool integer = j >= len || (t[j] != '.' && t[j] != 'e' && t[j] != 'E');
		size_t end = j;
		while (end < len && strchr("0123456789.eE+-", t[end]))
			end++;
		if (integer && too_big(t + i, j - i)) {
			b->tok = realloc(b->tok, sizeof *b->tok * (size_t)(b->n + 1));
			b->len = realloc(b->len, sizeof *b->len * (size_t)(b->n + 1));
			if (!b->tok || !b->len)
				abort();
			b->tok[b->n] = t + i;
			b->len[b->n++] = j - i;
		}
		i = end - 1;
	}
}

static bool clamped(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_int))
		return false;
	int64_t i = json_object_get_int64(v);
	return i == INT64_MIN || (i == INT64_MAX && json_object_get_uint64(v) == UINT64_MAX);
}

static struct json_object *unclamp(struct json_object *v, BigInts *b)
{
	if (clamped(v) && b->next < b->n) {
		char *text = strndup(b->tok[b->next], b->len[b->next]);
		b->next++;
		struct json_object *d = json_object_new_double_s(strtod(text, NULL), text);
		free(text);
		return d;
	}
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i), *r = unclamp(e, b);
			if (r != e)
				json_object_array_put_idx(v, i, r);
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			struct json_object *r = unclamp(val, b);
			if (r != val)
				json_object_object_add(v, key, r);
		}
	}
	return v;
}

void aslrt_json_keep_big_ints(const char *text, size_t len, struct json_object **root)
{
	BigInts b = {0};
	scan_big(text, len, &b);
	if (b.n) {
		struct json_object *r = unclamp(*root, &b);
		if (r != *root) {
			json_object_put(*root);
			*root = r;
		}
	}
	free(b.tok);
	free(b.len);
}

size_t aslrt_json_size(struct json_object *v)
{
	Out o = {0};
	o.count_only = true;
	dump(&o, v);
	return o.len;
}

int aslrt_json_parse(const char *text, size_t len, struct json_object **out, char *why,
		     size_t whylen)
{
	struct json_tokener *tok = json_tokener_new_ex(1000);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Skip leading white space, and refuse an empty text. */
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len) {
		snprintf(why, whylen, "empty input");
		json_tokener_free(tok);
		return -1;
	}
	struct json_object *v = json_tokener_parse_ex(tok, text + i, (int)(len - i));
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = i + json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue) { /* a bare scalar at the end needs the NUL */
		v = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		end = len;
	}
	if (e == json_tokener_success) {
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end < len && text[end] != 0) {
			json_object_put(v);
			snprintf(why, whylen, "unexpected text after the JSON value at offset %zu", end);
			json_tokener_free(tok);
			return -1;
		}
		aslrt_json_keep_big_ints(text, len, &v);
		*out = v;
		json_tokener_free(tok);
		return 0;
	}
	snprintf(why, whylen, "%s at offset %zu", json_tokener_error_desc(e), end);
	json_tokener_free(tok);
	return -1;
}

const char *aslrt_json_type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_int:
	case json_type_double: return "number";
	case json_type_string: return "string";
	case json_type_array: return "array";
	case json_type_object: return "object";
	}
	return "unknown";
}

bool aslrt_json_is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

double aslrt_json_number(struct json_object *v)
{
	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) == INT64_MAX)
			return (double)json_object_get_uint64(v);
		return (double)json_object_get_int64(v);
	}
	return json_object_get_double(v);
}

bool aslrt_json_equal(struct json_object *a, struct json_object *b)
{
	if (aslrt_json_is_number(a) && aslrt_json_is_number(b)) {
		if (json_object_is_type(a, json_type_int) && json_object_is_type(b, json_type_int))
			return json_object_get_int64(a) == json_object_get_int64(b) &&
			       json_object_get_uint64(a) == json_object_get_uint64(b);
		return aslrt_json_number(a) == aslrt_json_number(b);
	}
	enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
	if (ta != tb)
		return false;
	switch (ta) {
	case json_type_null:
		return true;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b);
	case json_type_string:
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
		       memcmp(json_object_get_string(a), json_object_get_string(b),
			      (size_t)json_object_get_string_len(a)) == 0;
	case json_type_array: {
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!aslrt_json_equal(json_object_array_get_idx(a, i),
					      json_object_array_get_idx(b, i)))
				return false;
		return true;
	}
	case json_type_object: {
		if (json_object_object_length(a) != json_object_object_length(b))
			return false;
		json_object_object_foreach(a, key, va)
		{
			struct json_object *vb;
			if (!json_object_object_get_ex(b, key, &vb) || !aslrt_json_equal(va, vb))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

struct json_object *aslrt_json_shallow_copy(struct json_object *v)
{
	struct json_object *c;
	if (json_object_is_type(v, json_type_object)) {
		c = json_object_new_object();
		json_object_object_foreach(v, key, val)
			json_object_object_add(c, key, json_object_get(val));
		return c;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		c = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(c, json_object_get(json_object_array_get_idx(v, i)));
		return c;
	}
	return json_object_get(v);
}

struct json_object *aslrt_json_copy(struct json_object *v)
{
	struct json_object *c = NULL;
	if (!v)
		return NULL;
	if (json_object_deep_copy(v, &c, NULL) != 0)
		abort();
	return c;
}
