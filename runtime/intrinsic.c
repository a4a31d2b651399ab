/*
 * intrinsic.c - the intrinsic functions of JSONPath states (States.Format,
 * States.Array, States.Hash, ...): a parser and an evaluator.
 *
 * A field such as "States.Format('{} {}', $.a, States.UUID())" is parsed once
 * into a tree of calls whose arguments are literals, pre-parsed paths or
 * nested calls; aslrt_fn_eval walks that tree without writing to it, so one
 * parsed call may be evaluated by many threads at once.  Literal values are
 * built afresh on every evaluation rather than shared, because json-c's
 * reference counts are not atomic.  The function table (name, arity and
 * implementation, argument and result kinds) is intrinsic_fns.h, the one
 * place a function is declared.  Compiled code, which computes the arguments
 * with ops of its own (docs/ir.md, `call`), applies a function directly with
 * aslrt_fn_apply, which builds the same causes.
 *
 * Every failure at run time is States.Runtime with the cause AWS prints,
 * "The function '<whole field>' had the following error: <detail>"; AWS names
 * States.IntrinsicFailure in its documentation but was never seen to raise it
 * (ASL_SPEC.md, sections 3.1 and 11).  Semantics follow the behaviour recorded
 * against AWS, which runs Java: Math.round for numeric arguments, Map.toString
 * for objects in States.Format, StringTokenizer for States.StringSplit and
 * HashMap iteration order for the keys States.JsonMerge returns.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "mathlib.h"
#include "rt.h"

/* Nested calls allowed in one field, and the limits AWS documents. */
#define MAX_DEPTH 10
#define MAX_RANGE 1000
#define MAX_CHARS 10000

typedef struct aslrt_fn Call;

/* One application of a function: the function, the raw text of argument 1
 * when it is a string literal (NULL otherwise), the argument values (NULL is
 * JSON null), the result and, on failure, the detail of the cause. */
typedef struct {
	int op;
	const char *raw0;
	struct json_object **v;
	int n;
	struct json_object *out;
	char why[ASLRT_ERRLEN];
} Ctx;

typedef int Impl(Ctx *c);

#define X(id, name, min, max, impl, res, a1, a2, a3) static Impl impl;
#include "intrinsic_fns.h"
#undef X

static const struct {
	const char *name;
	int min, max;
	Impl *impl;
} fns[ASLRT_FN_COUNT] = {
#define X(id, name, min, max, impl, res, a1, a2, a3) [ASLRT_FN_##id] = {name, min, max, impl},
#include "intrinsic_fns.h"
#undef X
};

typedef aslrt_fn_arg_kind ArgKind;
#define ARG_STR ASLRT_FNARG_STR
#define ARG_INT ASLRT_FNARG_INT
#define ARG_DBL ASLRT_FNARG_DBL
#define ARG_NULL ASLRT_FNARG_NULL
#define ARG_BOOL ASLRT_FNARG_BOOL
#define ARG_PATH ASLRT_FNARG_PATH
#define ARG_CALL ASLRT_FNARG_CALL

typedef struct {
	ArgKind kind;
	char *s;    /* STR: the value; DBL: its source text; PATH: the path text */
	char *raw;  /* STR: the text between the quotes, escapes kept */
	size_t len; /* STR: length of s */
	int64_t i;  /* INT, BOOL */
	double d;   /* DBL */
	aslrt_path *path;
	Call *call;
	size_t at, end; /* its text: offsets into the whole field */
	/* STR, INT, DBL, BOOL: the value, made once and lent to every call
	 * (read only: functions never change or keep an argument, and
	 * States.Array copies scalars), so threads may share it */
	struct json_object *lit;
} Arg;

struct aslrt_fn {
	int op;
	int nargs;
	Arg *args;
	char *text; /* the whole field; outermost call only */
};

/* --- parser --- */

typedef struct {
	const char *s;
	size_t pos;
	int depth;
	char *why;
	size_t whylen;
} Parser;

static void arg_clear(Arg *a)
{
	json_object_put(a->lit);
	free(a->s);
	free(a->raw);
	aslrt_path_free(a->path);
	aslrt_fn_free(a->call);
}

void aslrt_fn_free(aslrt_fn *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nargs; i++)
		arg_clear(&f->args[i]);
	free(f->args);
	free(f->text);
	free(f);
}

static void skip_ws(Parser *p)
{
	while (p->s[p->pos] && strchr(" \t\r\n", p->s[p->pos]))
		p->pos++;
}

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_';
}

/* string = "'" { char | "\'" | "\{" | "\}" | "\\" } "'" */
static int parse_string(Parser *p, Arg *a)
{
	size_t start = ++p->pos;
	aslrt_buf b = {0};
	aslrt_buf_put(&b, "", 0);
	for (;;) {
		char c = p->s[p->pos];
		if (!c) {
			snprintf(p->why, p->whylen, "unterminated string literal at offset %zu",
				 start - 1);
			free(b.s);
			return -1;
		}
		if (c == '\'')
			break;
		if (c == '\\') {
			char e = p->s[p->pos + 1];
			if (e != '\'' && e != '{' && e != '}' && e != '\\') {
				snprintf(
				    p->why, p->whylen,
				    "open backslash at offset %zu: only \\', \\{, \\} and \\\\ "
				    "are escapes in a string literal",
				    p->pos);
				free(b.s);
				return -1;
			}
			aslrt_buf_put(&b, &e, 1);
			p->pos += 2;
			continue;
		}
		aslrt_buf_put(&b, &c, 1);
		p->pos++;
	}
	a->kind = ARG_STR;
	a->s = b.s;
	a->len = b.len;
	a->raw = strndup(p->s + start, p->pos - start);
	if (!a->raw)
		abort();
	p->pos++;
	return 0;
}

/* number = ["-"] int ["." digits] [("e"|"E") ["+"|"-"] digits], int = "0" |
 * [1-9] digits: JSON's numbers, as the intrinsic grammar's NUMBER (no leading
 * zero: a literal keeps its text, which must read back as JSON) */
static int parse_number(Parser *p, Arg *a)
{
	const char *s = p->s + p->pos, *q = s;
	bool frac = false;
	if (*q == '-')
		q++;
	if (*q < '0' || *q > '9' || (q[0] == '0' && q[1] >= '0' && q[1] <= '9'))
		goto bad;
	while (*q >= '0' && *q <= '9')
		q++;
	if (*q == '.') {
		frac = true;
		if (*++q < '0' || *q > '9')
			goto bad;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		frac = true;
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (*q < '0' || *q > '9')
			goto bad;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q && !strchr(" \t\r\n,)", *q))
		goto bad;
	a->s = strndup(s, (size_t)(q - s));
	if (!a->s)
		abort();
	if (!frac) {
		char *end;
		errno = 0;
		long long v = strtoll(a->s, &end, 10);
		if (errno == 0) {
			a->kind = ARG_INT;
			a->i = v;
			p->pos += (size_t)(q - s);
			return 0;
		}
	}
	a->kind = ARG_DBL;
	a->d = strtod(a->s, NULL);
	p->pos += (size_t)(q - s);
	return 0;
bad:
	snprintf(p->why, p->whylen, "invalid number at offset %zu", p->pos);
	return -1;
}

/*
 * A path runs to the first ',' or ')' outside brackets; quoted names and
 * filters inside brackets may hold either.  Trailing white space is not part
 * of it.
 */
static int parse_path(Parser *p, Arg *a)
{
	size_t start = p->pos, i = p->pos;
	int depth = 0;
	char quote = 0;
	for (; p->s[i]; i++) {
		char c = p->s[i];
		if (quote) {
			if (c == '\\' && p->s[i + 1])
				i++;
			else if (c == quote)
				quote = 0;
		} else if (depth && (c == '\'' || c == '"')) {
			quote = c;
		} else if (c == '[' || (depth && c == '(')) {
			depth++;
		} else if (depth && (c == ']' || c == ')')) {
			depth--;
		} else if (!depth && (c == ',' || c == ')')) {
			break;
		}
	}
	size_t end = i;
	while (end > start && strchr(" \t\r\n", p->s[end - 1]))
		end--;
	a->kind = ARG_PATH;
	a->s = strndup(p->s + start, end - start);
	if (!a->s)
		abort();
	char why[ASLRT_ERRLEN];
	a->path = aslrt_path_parse(a->s, why, sizeof why);
	if (!a->path) {
		snprintf(p->why, p->whylen, "invalid path '%s' at offset %zu: %s", a->s, start,
			 why);
		return -1;
	}
	p->pos = end;
	return 0;
}

static Call *parse_call(Parser *p);

static int parse_arg1(Parser *p, Arg *a);

static int parse_arg(Parser *p, Arg *a)
{
	a->at = p->pos;
	int rc = parse_arg1(p, a);
	a->end = p->pos;
	return rc;
}

static int parse_arg1(Parser *p, Arg *a)
{
	const char *s = p->s + p->pos;
	char c = *s;
	if (c == '\'')
		return parse_string(p, a);
	if (c == '$')
		return parse_path(p, a);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, a);
	size_t n = 0;
	while (is_name_char(s[n]))
		n++;
	if (n && s[n] == '(') {
		a->kind = ARG_CALL;
		a->call = parse_call(p);
		return a->call ? 0 : -1;
	}
	static const struct {
		const char *word;
		ArgKind kind;
		int value;
	} words[] = {{"null", ARG_NULL, 0}, {"true", ARG_BOOL, 1}, {"false", ARG_BOOL, 0}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (n == strlen(words[i].word) && strncmp(s, words[i].word, n) == 0) {
			a->kind = words[i].kind;
			a->i = words[i].value;
			p->pos += n;
			return 0;
		}
	}
	if (!c)
		snprintf(p->why, p->whylen, "unexpected end of text, expected an argument");
	else
		snprintf(p->why, p->whylen,
			 "invalid argument at offset %zu: expected a string in single quotes, a "
			 "number, null, true, false, a path or a function call",
			 p->pos);
	return -1;
}

/* call = name "(" [ arg { "," arg } ] ")", white space around arguments */
static Call *parse_call(Parser *p)
{
	size_t start = p->pos, n = 0;
	while (is_name_char(p->s[p->pos + n]))
		n++;
	if (!n || p->s[p->pos + n] != '(') {
		snprintf(p->why, p->whylen, "expected a function call at offset %zu", start);
		return NULL;
	}
	int op = -1;
	for (int i = 0; i < ASLRT_FN_COUNT; i++) {
		if (strlen(fns[i].name) == n && strncmp(fns[i].name, p->s + start, n) == 0)
			op = i;
	}
	if (op < 0) {
		snprintf(p->why, p->whylen, "unknown intrinsic function '%.*s'", (int)n,
			 p->s + start);
		return NULL;
	}
	if (++p->depth > MAX_DEPTH) {
		snprintf(p->why, p->whylen, "more than %d nested intrinsic functions", MAX_DEPTH);
		return NULL;
	}
	Call *f = calloc(1, sizeof *f);
	if (!f)
		abort();
	f->op = op;
	p->pos += n + 1;
	skip_ws(p);
	if (p->s[p->pos] != ')') {
		for (;;) {
			Arg *args = realloc(f->args, (size_t)(f->nargs + 1) * sizeof *args);
			if (!args)
				abort();
			f->args = args;
			memset(&f->args[f->nargs], 0, sizeof *args);
			if (parse_arg(p, &f->args[f->nargs++]) < 0)
				goto fail;
			skip_ws(p);
			if (p->s[p->pos] == ')')
				break;
			if (p->s[p->pos] != ',') {
				if (p->s[p->pos])
					snprintf(p->why, p->whylen,
						 "expected ',' or ')' at offset %zu", p->pos);
				else
					snprintf(p->why, p->whylen,
						 "unexpected end of text, expected ',' or ')'");
				goto fail;
			}
			p->pos++;
			skip_ws(p);
		}
	}
	p->pos++;
	p->depth--;
	if (f->nargs < fns[op].min || (fns[op].max >= 0 && f->nargs > fns[op].max)) {
		if (fns[op].min == fns[op].max)
			snprintf(p->why, p->whylen, "%s takes %d argument%s, not %d", fns[op].name,
				 fns[op].min, fns[op].min == 1 ? "" : "s", f->nargs);
		else if (fns[op].max < 0)
			snprintf(p->why, p->whylen, "%s takes at least %d argument%s, not %d",
				 fns[op].name, fns[op].min, fns[op].min == 1 ? "" : "s", f->nargs);
		else
			snprintf(p->why, p->whylen, "%s takes %d to %d arguments, not %d",
				 fns[op].name, fns[op].min, fns[op].max, f->nargs);
		aslrt_fn_free(f);
		return NULL;
	}
	for (int i = 0; i < f->nargs; i++) {
		Arg *a = &f->args[i];
		if (a->kind == ARG_STR)
			a->lit = json_object_new_string_len(a->s, (int)a->len);
		else if (a->kind == ARG_INT)
			a->lit = json_object_new_int64(a->i);
		else if (a->kind == ARG_DBL)
			a->lit = json_object_new_double_s(a->d, a->s);
		else if (a->kind == ARG_BOOL)
			a->lit = json_object_new_boolean(a->i != 0);
	}
	return f;
fail:
	aslrt_fn_free(f);
	return NULL;
}

aslrt_fn *aslrt_fn_parse(const char *text, char *why, size_t whylen)
{
	Parser p = {.s = text, .why = why, .whylen = whylen};
	skip_ws(&p);
	Call *f = parse_call(&p);
	if (!f)
		return NULL;
	skip_ws(&p);
	if (text[p.pos]) {
		snprintf(why, whylen, "unexpected text after the function call at offset %zu",
			 p.pos);
		aslrt_fn_free(f);
		return NULL;
	}
	f->text = strdup(text);
	if (!f->text)
		abort();
	return f;
}

int aslrt_fn_id(const aslrt_fn *f)
{
	return f->op;
}

const char *aslrt_fn_name(int id)
{
	return id >= 0 && id < ASLRT_FN_COUNT ? fns[id].name : NULL;
}

int aslrt_fn_nargs(const aslrt_fn *f)
{
	return f->nargs;
}

aslrt_fn_arg_kind aslrt_fn_arg(const aslrt_fn *f, int i, const aslrt_path **path,
			       const aslrt_fn **call, size_t *at, size_t *end)
{
	const Arg *a = &f->args[i];
	*path = a->path;
	*call = a->call;
	*at = a->at;
	*end = a->end;
	return a->kind;
}

struct json_object *aslrt_fn_arg_value(const aslrt_fn *f, int i, const char **raw)
{
	const Arg *a = &f->args[i];
	*raw = a->kind == ARG_STR ? a->raw : NULL;
	return a->lit;
}

/* --- helpers for the functions --- */

__attribute__((format(printf, 2, 3))) static int fail(Ctx *c, const char *fmt, ...)
{
	int k = snprintf(c->why, sizeof c->why, "%s: ", fns[c->op].name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why + k, sizeof c->why - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *type_name(struct json_object *v)
{
	static const char *const names[] = {
	    [json_type_null] = "null",	      [json_type_boolean] = "a boolean",
	    [json_type_double] = "a number",  [json_type_int] = "a number",
	    [json_type_object] = "an object", [json_type_array] = "an array",
	    [json_type_string] = "a string",
	};
	return names[json_object_get_type(v)];
}

/* Argument i (0-based) must have type t. */
static int want(Ctx *c, int i, enum json_type t)
{
	static const char *const names[] = {
	    [json_type_boolean] = "a boolean",
	    [json_type_object] = "an object",
	    [json_type_array] = "an array",
	    [json_type_string] = "a string",
	};
	if (json_object_is_type(c->v[i], t))
		return 0;
	return fail(c, "argument %d must be %s, not %s", i + 1, names[t], type_name(c->v[i]));
}

/* Java's Math.round: the nearest integer, halves towards positive infinity. */
static double java_round(double d)
{
	double r = aslrt_floor(d);
	if (d - r >= 0.5)
		r += 1;
	return r;
}

/* Argument i as an integer in [lo, hi]; other numbers are rounded with
 * Math.round, as AWS does. */
static int want_int(Ctx *c, int i, int64_t lo, int64_t hi, int64_t *out)
{
	struct json_object *v = c->v[i];
	if (!aslrt_json_is_number(v))
		return fail(c, "argument %d must be a number, not %s", i + 1, type_name(v));
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) != INT64_MAX) {
		*out = json_object_get_int64(v);
		if (*out >= lo && *out <= hi)
			return 0;
	} else {
		double d = java_round(aslrt_json_number(v));
		/* (double)hi + 1 is exact for 2^31 - 1 and rounds to 2^63 for 2^63 - 1 */
		if (d >= (double)lo && d < (double)hi + 1.0) {
			*out = (int64_t)d;
			return 0;
		}
	}
	char *text = aslrt_json_dump(v);
	fail(c, "argument %d (%s) is out of range [%lld, %lld]", i + 1, text, (long long)lo,
	     (long long)hi);
	free(text);
	return -1;
}

/* Length in Java chars (UTF-16 code units) of UTF-8 text. */
static size_t utf16_len(const char *s, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xC0) != 0x80)
			len++;
		if (ch >= 0xF0)
			len++;
	}
	return len;
}

/* --- States.Format --- */

/* A value as Java's toString prints it: strings bare, a Map as {k=v, ...},
 * a List as [a, b], numbers as JSON prints them. */
static void put_natural(aslrt_buf *b, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		aslrt_buf_put(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_object: {
		bool first = true;
		aslrt_buf_put(b, "{", 1);
		json_object_object_foreach(v, key, val)
		{
			if (!first)
				aslrt_buf_put(b, ", ", 2);
			first = false;
			aslrt_buf_puts(b, key);
			aslrt_buf_put(b, "=", 1);
			put_natural(b, val);
		}
		aslrt_buf_put(b, "}", 1);
		break;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		aslrt_buf_put(b, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				aslrt_buf_put(b, ", ", 2);
			put_natural(b, json_object_array_get_idx(v, i));
		}
		aslrt_buf_put(b, "]", 1);
		break;
	}
	default: {
		char *s = aslrt_json_dump(v);
		aslrt_buf_puts(b, s);
		free(s);
	}
	}
}

/*
 * Each "{}" takes the next argument.  A template written as a literal keeps
 * its escapes ("\{" and "\}" are braces, not placeholders); one read from a
 * path or a nested call has none.
 */
static int fn_format(Ctx *c)
{
	if (want(c, 0, json_type_string) < 0)
		return -1;
	const char *t = json_object_get_string(c->v[0]);
	size_t tn = (size_t)json_object_get_string_len(c->v[0]);
	bool escapes = c->raw0 != NULL;
	if (escapes) {
		t = c->raw0;
		tn = strlen(t);
	}
	int holes = 0;
	for (size_t i = 0; i < tn; i++) {
		if (escapes && t[i] == '\\')
			i++;
		else if (t[i] == '{' && i + 1 < tn && t[i + 1] == '}')
			holes++, i++;
	}
	if (holes != c->n - 1)
		return fail(c, "the template has %d placeholder%s but %d argument%s follow%s it",
			    holes, holes == 1 ? "" : "s", c->n - 1, c->n == 2 ? "" : "s",
			    c->n == 2 ? "s" : "");
	aslrt_buf b = {0};
	aslrt_buf_put(&b, "", 0);
	int k = 1;
	for (size_t i = 0; i < tn; i++) {
		if (escapes && t[i] == '\\') {
			aslrt_buf_put(&b, &t[++i], 1);
		} else if (t[i] == '{' && i + 1 < tn && t[i + 1] == '}') {
			put_natural(&b, c->v[k++]);
			i++;
		} else {
			aslrt_buf_put(&b, &t[i], 1);
		}
	}
	c->out = json_object_new_string_len(b.s, (int)b.len);
	free(b.s);
	return 0;
}

/* --- JSON text --- */

/* An empty or blank string is null (Jackson reads no value from it). */
static int fn_string_to_json(Ctx *c)
{
	if (want(c, 0, json_type_string) < 0)
		return -1;
	const char *s = json_object_get_string(c->v[0]);
	size_t len = (size_t)json_object_get_string_len(c->v[0]);
	if (strspn(s, " \t\r\n") == len)
		return 0;
	char why[ASLRT_ERRLEN];
	if (aslrt_json_parse(s, len, &c->out, why, sizeof why) < 0)
		return fail(c, "the argument is not valid JSON: %s", why);
	return 0;
}

static int fn_json_to_string(Ctx *c)
{
	char *s = aslrt_json_dump(c->v[0]);
	c->out = json_object_new_string(s);
	free(s);
	return 0;
}

/* --- arrays --- */

static int fn_array(Ctx *c)
{
	c->out = json_object_new_array_ext(c->n);
	/* a literal argument is lent (eval_arg): its scalars are copied */
	for (int i = 0; i < c->n; i++) {
		struct json_object *v = c->v[i];
		bool container = json_object_is_type(v, json_type_array) ||
				 json_object_is_type(v, json_type_object);
		json_object_array_add(c->out, container ? json_object_get(v) : aslrt_json_copy(v));
	}
	return 0;
}

static int fn_array_partition(Ctx *c)
{
	int64_t size;
	if (want(c, 0, json_type_array) < 0 || want_int(c, 1, INT32_MIN, INT32_MAX, &size) < 0)
		return -1;
	if (size <= 0)
		return fail(c, "the chunk size must be a positive integer, not %lld",
			    (long long)size);
	struct json_object *a = c->v[0];
	size_t len = json_object_array_length(a);
	c->out = json_object_new_array();
	for (size_t i = 0; i < len; i += (size_t)size) {
		struct json_object *chunk = json_object_new_array();
		for (size_t j = i; j < len && j < i + (size_t)size; j++)
			json_object_array_add(chunk,
					      json_object_get(json_object_array_get_idx(a, j)));
		json_object_array_add(c->out, chunk);
	}
	return 0;
}

static int fn_array_contains(Ctx *c)
{
	if (want(c, 0, json_type_array) < 0)
		return -1;
	bool found = false;
	size_t len = json_object_array_length(c->v[0]);
	for (size_t i = 0; i < len && !found; i++)
		found = aslrt_json_equal(json_object_array_get_idx(c->v[0], i), c->v[1]);
	c->out = json_object_new_boolean(found);
	return 0;
}

/* first, first + step, ... up to and including last. */
static int fn_array_range(Ctx *c)
{
	int64_t a[3];
	for (int i = 0; i < 3; i++)
		if (want_int(c, i, INT32_MIN, INT32_MAX, &a[i]) < 0)
			return -1;
	if (a[2] == 0)
		return fail(c, "the step must not be 0");
	int64_t count = 0;
	if ((a[2] > 0 && a[0] <= a[1]) || (a[2] < 0 && a[0] >= a[1]))
		count = (a[1] - a[0]) / a[2] + 1;
	if (count > MAX_RANGE)
		return fail(c, "the range has %lld items, more than the limit of %d",
			    (long long)count, MAX_RANGE);
	c->out = json_object_new_array_ext((int)count);
	for (int64_t i = 0; i < count; i++)
		json_object_array_add(c->out, json_object_new_int64(a[0] + i * a[2]));
	return 0;
}

static int fn_array_get_item(Ctx *c)
{
	int64_t i;
	if (want(c, 0, json_type_array) < 0 || want_int(c, 1, INT32_MIN, INT32_MAX, &i) < 0)
		return -1;
	size_t len = json_object_array_length(c->v[0]);
	if (i < 0 || (size_t)i >= len)
		return fail(c, "index %lld is out of bounds for an array of length %zu",
			    (long long)i, len);
	c->out = json_object_get(json_object_array_get_idx(c->v[0], (size_t)i));
	return 0;
}

static int fn_array_length(Ctx *c)
{
	if (want(c, 0, json_type_array) < 0)
		return -1;
	c->out = json_object_new_int64((int64_t)json_object_array_length(c->v[0]));
	return 0;
}

#define FNV_BASIS 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

/* A hash consistent with aslrt_json_equal: numbers by value, objects
 * whatever their key order. */
static uint64_t value_hash(struct json_object *v)
{
	uint64_t h = FNV_BASIS;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(v) ? 2 : 3;
	case json_type_int:
	case json_type_double: {
		double d = aslrt_json_number(v);
		uint64_t bits;
		if (d == 0)
			d = 0; /* -0 equals 0 */
		memcpy(&bits, &d, sizeof bits);
		return (bits ^ 4) * 0x9E3779B97F4A7C15ULL;
	}
	case json_type_string: {
		const unsigned char *s = (const unsigned char *)json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);
		for (size_t i = 0; i < len; i++)
			h = (h ^ s[i]) * FNV_PRIME;
		return h ^ 5;
	}
	case json_type_array: {
		size_t len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++)
			h = (h ^ value_hash(json_object_array_get_idx(v, i))) * FNV_PRIME;
		return h ^ 6;
	}
	case json_type_object: {
		uint64_t sum = 7;
		json_object_object_foreach(v, key, val)
		{
			uint64_t k = FNV_BASIS;
			for (const unsigned char *s = (const unsigned char *)key; *s; s++)
				k = (k ^ *s) * FNV_PRIME;
			sum += (k * 31) ^ value_hash(val);
		}
		return sum;
	}
	}
	return 0;
}

/* One slot of ArrayUnique's set: 1 + an index into the result (0: empty)
 * and that value's hash. */
struct uniq_slot {
	size_t at;
	uint64_t hash;
};

/* The set's slots doubled, every kept value placed again. */
static struct uniq_slot *uniq_grow(struct uniq_slot *old, size_t cap)
{
	struct uniq_slot *t = calloc(2 * cap, sizeof *t);
	if (!t)
		abort();
	for (size_t i = 0; i < cap; i++) {
		if (!old[i].at)
			continue;
		size_t j = (size_t)old[i].hash & (2 * cap - 1);
		while (t[j].at)
			j = (j + 1) & (2 * cap - 1);
		t[j] = old[i];
	}
	free(old);
	return t;
}

/* First occurrences in order; a hash set keeps it linear.  The set grows
 * with the distinct values, not the input: an array of a few values
 * repeated (statuses, flags) keeps a small table in cache. */
static int fn_array_unique(Ctx *c)
{
	if (want(c, 0, json_type_array) < 0)
		return -1;
	struct json_object *a = c->v[0];
	size_t len = json_object_array_length(a), cap = 16, kept = 0;
	struct uniq_slot *set = calloc(cap, sizeof *set);
	if (!set)
		abort();
	c->out = json_object_new_array();
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		uint64_t h = value_hash(e);
		size_t j = (size_t)h & (cap - 1);
		bool dup = false;
		for (; set[j].at && !dup; j = dup ? j : (j + 1) & (cap - 1))
			dup = set[j].hash == h &&
			      aslrt_json_equal(json_object_array_get_idx(c->out, set[j].at - 1), e);
		if (dup)
			continue;
		json_object_array_add(c->out, json_object_get(e));
		set[j] = (struct uniq_slot){++kept, h};
		if (2 * kept > cap) { /* at most half full */
			set = uniq_grow(set, cap);
			cap *= 2;
		}
	}
	free(set);
	return 0;
}

/* --- encodings and digests --- */

/* Argument i as text of at most MAX_CHARS characters. */
static int want_text(Ctx *c, int i, const char *s, size_t len)
{
	size_t chars = utf16_len(s, len);
	if (chars > MAX_CHARS)
		return fail(c, "argument %d has %zu characters, more than the limit of %d", i + 1,
			    chars, MAX_CHARS);
	return 0;
}

/* Base64 of the UTF-8 bytes, without line breaks. */
static int fn_base64_encode(Ctx *c)
{
	if (want(c, 0, json_type_string) < 0)
		return -1;
	const char *s = json_object_get_string(c->v[0]);
	int len = json_object_get_string_len(c->v[0]);
	if (want_text(c, 0, s, (size_t)len) < 0)
		return -1;
	unsigned char *b = malloc((size_t)(len + 2) / 3 * 4 + 1);
	if (!b)
		abort();
	int m = EVP_EncodeBlock(b, (const unsigned char *)s, len);
	c->out = json_object_new_string_len((const char *)b, m);
	free(b);
	return 0;
}

/* Decoded bytes become a string as Java's new String(bytes, UTF_8) makes
 * one: each byte of a malformed sequence turns into U+FFFD. */
static struct json_object *utf8_string(const unsigned char *s, size_t n)
{
	aslrt_buf b = {0};
	aslrt_buf_put(&b, "", 0);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = aslrt_utf8_seq(s + i, n - i, &cp);
		if (k) {
			aslrt_buf_put(&b, (const char *)s + i, k);
			i += k;
		} else {
			aslrt_buf_put(&b, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
	struct json_object *o = json_object_new_string_len(b.s, (int)b.len);
	free(b.s);
	return o;
}

/* Line breaks are skipped and missing padding restored; EVP_DecodeBlock
 * counts padding as zero bytes, so they are taken off its length. */
static int fn_base64_decode(Ctx *c)
{
	if (want(c, 0, json_type_string) < 0)
		return -1;
	const char *s = json_object_get_string(c->v[0]);
	size_t len = (size_t)json_object_get_string_len(c->v[0]);
	if (want_text(c, 0, s, len) < 0)
		return -1;
	char *in = malloc(len + 4);
	unsigned char *bytes = malloc(len / 4 * 3 + 4);
	if (!in || !bytes)
		abort();
	size_t m = 0, pad = 0;
	int k = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			in[m++] = s[i];
	if (m % 4 == 1)
		goto bad;
	while (m % 4)
		in[m++] = '=';
	while (pad < 2 && pad < m && in[m - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i + pad < m; i++)
		if (in[i] == '=' || in[i] == ' ' || in[i] == '\t')
			goto bad;
	if (m && (k = EVP_DecodeBlock(bytes, (const unsigned char *)in, (int)m)) < 0)
		goto bad;
	c->out = utf8_string(bytes, m ? (size_t)k - pad : 0);
	free(in);
	free(bytes);
	return 0;
bad:
	free(in);
	free(bytes);
	return fail(c, "the argument is not valid Base64");
}

/* The data is hashed as text: a string as it is, anything else as JSON. */
static int fn_hash(Ctx *c)
{
	if (want(c, 1, json_type_string) < 0)
		return -1;
	const char *alg = json_object_get_string(c->v[1]);
	unsigned char d[ASLRT_DIGEST_MAX];
	if (!aslrt_digest(alg, "", 0, d))
		return fail(
		    c, "unsupported algorithm '%s'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512",
		    json_object_get_string(c->v[1]));
	char *text = NULL;
	const char *data;
	size_t len;
	if (json_object_is_type(c->v[0], json_type_string)) {
		data = json_object_get_string(c->v[0]);
		len = (size_t)json_object_get_string_len(c->v[0]);
	} else {
		data = text = aslrt_json_dump(c->v[0]);
		len = strlen(text);
	}
	size_t dn = 0;
	int rc = want_text(c, 0, data, len);
	if (rc == 0)
		dn = aslrt_digest(alg, data, len, d);
	free(text);
	if (rc < 0)
		return -1;
	char hex[2 * ASLRT_DIGEST_MAX];
	for (size_t i = 0; i < dn; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	c->out = json_object_new_string_len(hex, (int)(2 * dn));
	return 0;
}

/* --- States.JsonMerge --- */

/* Java's String.hashCode over the UTF-16 code units of a UTF-8 key, spread
 * as HashMap.hash() does. */
static uint32_t java_key_hash(const char *key)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t n = strlen(key);
	uint32_t h = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp = s[i];
		size_t k = aslrt_utf8_seq(s + i, n - i, &cp);
		i += k ? k : 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = h * 31 + (0xD800 + (cp >> 10));
			h = h * 31 + (0xDC00 + (cp & 0x3FF));
		} else {
			h = h * 31 + cp;
		}
	}
	return h ^ (h >> 16);
}

/* HashMap.resize(): the next capacity and threshold (load factor 0.75). */
static void hm_resize(uint32_t *cap, uint32_t *thr)
{
	if (*cap == 0) {
		*cap = *thr ? *thr : 16;
	} else {
		uint32_t old = *cap;
		*cap <<= 1;
		if (old >= 16) {
			*thr <<= 1;
			return;
		}
	}
	*thr = (uint32_t)((float)*cap * 0.75f);
}

typedef struct {
	const char *key;
	struct json_object *val;
	uint32_t bucket;
	size_t order;
} Entry;

static int entry_cmp(const void *a, const void *b)
{
	const Entry *x = a, *y = b;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Shallow merge, the second object's values winning.  AWS builds the result
 * as new HashMap<>(first) then putAll(second), so the keys come out in
 * HashMap iteration order: by bucket of the final table, then by insertion
 * within a bucket (resizing keeps that order).  We replay the table's growth
 * (HashMap.putMapEntries) to know its final capacity.
 */
static int fn_json_merge(Ctx *c)
{
	if (want(c, 0, json_type_object) < 0 || want(c, 1, json_type_object) < 0 ||
	    want(c, 2, json_type_boolean) < 0)
		return -1;
	if (json_object_get_boolean(c->v[2]))
		return fail(c,
			    "only shallow merging is supported; the third argument must be false");
	size_t n1 = (size_t)json_object_object_length(c->v[0]);
	size_t n2 = (size_t)json_object_object_length(c->v[1]);
	Entry *e = calloc(n1 + n2 + 1, sizeof *e);
	if (!e)
		abort();
	size_t count = 0;
	uint32_t cap = 0, thr = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t s = pass ? n2 : n1;
		if (s == 0)
			continue;
		if (cap == 0) {
			uint32_t t = (uint32_t)((float)s / 0.75f + 1.0f), p2 = 1;
			while (p2 < t && p2 < (1u << 30))
				p2 <<= 1;
			if (t > thr)
				thr = p2;
		} else if (s > thr) {
			hm_resize(&cap, &thr);
		}
		json_object_object_foreach(c->v[pass], key, val)
		{
			size_t i = 0;
			if (pass)
				for (; i < count && strcmp(e[i].key, key) != 0; i++)
					;
			else
				i = count;
			if (i < count) {
				e[i].val = val;
				continue;
			}
			if (cap == 0)
				hm_resize(&cap, &thr);
			e[count].key = key;
			e[count].val = val;
			e[count].order = count;
			if (++count > thr)
				hm_resize(&cap, &thr);
		}
	}
	for (size_t i = 0; i < count; i++)
		e[i].bucket = java_key_hash(e[i].key) & (cap - 1);
	qsort(e, count, sizeof *e, entry_cmp);
	c->out = json_object_new_object();
	for (size_t i = 0; i < count; i++)
		json_object_object_add(c->out, e[i].key, json_object_get(e[i].val));
	free(e);
	return 0;
}

/* --- numbers --- */

/* java.util.Random's generator, so a seed gives what it gives on a JVM
 * (assuming AWS draws new Random(seed).nextInt(end - start) + start). */
static int32_t jrand_next(uint64_t *seed, int bits)
{
	*seed = (*seed * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
	return (int32_t)(uint32_t)(*seed >> (48 - bits));
}

static int64_t jrand_below(int64_t seed, int64_t bound)
{
	uint64_t s = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
	if (bound > INT32_MAX) {
		uint64_t hi = (uint32_t)jrand_next(&s, 32);
		uint64_t r = hi << 32 | (uint32_t)jrand_next(&s, 32);
		return (int64_t)(r % (uint64_t)bound);
	}
	int32_t b = (int32_t)bound, m = b - 1, r = jrand_next(&s, 31);
	if ((b & m) == 0)
		return (int32_t)(((int64_t)b * r) >> 31);
	/* Java relies on int overflow here: u - r + m < 0 when u is in the
	 * incomplete last block. */
	for (int32_t u = r; (int64_t)u - (r = u % b) + m > INT32_MAX; u = jrand_next(&s, 31))
		;
	return r;
}

/* start inclusive, end exclusive; an optional seed makes it repeatable. */
static int fn_math_random(Ctx *c)
{
	int64_t start, end, seed;
	if (want_int(c, 0, INT32_MIN, INT32_MAX, &start) < 0 ||
	    want_int(c, 1, INT32_MIN, INT32_MAX, &end) < 0)
		return -1;
	if (c->n == 3) {
		if (want_int(c, 2, INT64_MIN, INT64_MAX, &seed) < 0)
			return -1;
	} else if (aslrt_random_bytes(&seed, sizeof seed) < 0) {
		abort();
	}
	if (end <= start)
		return fail(c, "the end (%lld) must be greater than the start (%lld)",
			    (long long)end, (long long)start);
	c->out = json_object_new_int64(start + jrand_below(seed, end - start));
	return 0;
}

struct json_object *aslrt_fn_add_ints(struct json_object *a, struct json_object *b)
{
	/* want_int's first case for both arguments: exact integers in range */
	if (!json_object_is_type(a, json_type_int) || !json_object_is_type(b, json_type_int))
		return NULL;
	int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
	if (x < INT32_MIN || x > INT32_MAX || y < INT32_MIN || y > INT32_MAX)
		return NULL;
	return json_object_new_int64(x + y);
}

static int fn_math_add(Ctx *c)
{
	int64_t a = 0, b = 0;
	if (want_int(c, 0, INT32_MIN, INT32_MAX, &a) < 0 ||
	    want_int(c, 1, INT32_MIN, INT32_MAX, &b) < 0)
		return -1;
	c->out = json_object_new_int64(a + b);
	return 0;
}

/* --- strings --- */

/* Java's StringTokenizer: every character of the delimiter string separates,
 * empty tokens are dropped. */
static int fn_string_split(Ctx *c)
{
	if (want(c, 0, json_type_string) < 0 || want(c, 1, json_type_string) < 0)
		return -1;
	const unsigned char *s = (const unsigned char *)json_object_get_string(c->v[0]);
	const unsigned char *d = (const unsigned char *)json_object_get_string(c->v[1]);
	size_t len = (size_t)json_object_get_string_len(c->v[0]);
	size_t dlen = (size_t)json_object_get_string_len(c->v[1]);
	c->out = json_object_new_array();
	size_t tok = 0;
	for (size_t i = 0; i <= len;) {
		uint32_t cp;
		size_t k = i < len ? aslrt_utf8_seq(s + i, len - i, &cp) : 1;
		bool sep = i == len;
		if (!k)
			k = 1;
		for (size_t j = 0; !sep && j < dlen;) {
			size_t dk = aslrt_utf8_seq(d + j, dlen - j, &cp);
			if (!dk)
				dk = 1;
			sep = dk == k && memcmp(s + i, d + j, k) == 0;
			j += dk;
		}
		if (sep) {
			if (i > tok)
				json_object_array_add(
				    c->out, json_object_new_string_len((const char *)s + tok,
								       (int)(i - tok)));
			tok = i + k;
		}
		i += k;
	}
	return 0;
}

/* A random (version 4) UUID. */
static int fn_uuid(Ctx *c)
{
	unsigned char u[16];
	char s[37];
	if (aslrt_random_bytes(u, sizeof u) < 0)
		abort();
	u[6] = (u[6] & 0x0F) | 0x40;
	u[8] = (u[8] & 0x3F) | 0x80;
	snprintf(s, sizeof s,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	c->out = json_object_new_string(s);
	return 0;
}

/* --- evaluation --- */

static int eval_call(const Call *f, const aslrt_env *env, const char *whole,
		     struct json_object **out, aslrt_error *err);

/*
 * Whether a path that evaluated to null selected no node at all: Jayway
 * gives Java null, not a NullNode, for an index past the end of an array,
 * and AWS reports such an intrinsic argument as not found, although the same
 * path elsewhere yields null.  Only paths of fields and indices can do that.
 */
static bool selects_nothing(const aslrt_path *p, const aslrt_env *env)
{
	struct json_object *v = env->input;
	if (aslrt_path_root(p) == ASLRT_ROOT_CONTEXT)
		v = aslrt_env_context(env);
	else if (aslrt_path_root(p) == ASLRT_ROOT_VAR && !aslrt_env_var(env, aslrt_path_var(p), &v))
		return true;
	for (int i = 0; i < aslrt_path_nsteps(p); i++) {
		const char *field;
		long index;
		switch (aslrt_path_step(p, i, &field, &index)) {
		case ASLRT_STEP_FIELD:
			if (!json_object_is_type(v, json_type_object) ||
			    !json_object_object_get_ex(v, field, &v))
				return true;
			break;
		case ASLRT_STEP_INDEX: {
			if (!json_object_is_type(v, json_type_array))
				return true;
			long len = (long)json_object_array_length(v);
			if (index < 0)
				index += len;
			if (index < 0 || index >= len)
				return true;
			v = json_object_array_get_idx(v, (size_t)index);
			break;
		}
		case ASLRT_STEP_OTHER:
			return false;
		}
	}
	return false;
}

static int eval_arg(const Arg *a, const aslrt_env *env, const char *whole, struct json_object **out,
		    aslrt_error *err)
{
	char why[ASLRT_ERRLEN];
	char *input;
	*out = NULL;
	if (a->lit) {
		*out = a->lit; /* lent: eval_call does not put it */
		return 0;
	}
	switch (a->kind) {
	case ARG_STR:
		*out = json_object_new_string_len(a->s, (int)a->len);
		return 0;
	case ARG_INT:
		*out = json_object_new_int64(a->i);
		return 0;
	case ARG_DBL:
		*out = json_object_new_double_s(a->d, a->s);
		return 0;
	case ARG_NULL:
		return 0;
	case ARG_BOOL:
		*out = json_object_new_boolean(a->i != 0);
		return 0;
	case ARG_PATH:
		if (aslrt_path_eval(a->path, env, out, why, sizeof why) == 0 &&
		    (*out || !selects_nothing(a->path, env)))
			return 0;
		*out = NULL;
		input = aslrt_json_dump(env->input);
		aslrt_error_set(err, "States.Runtime",
				"The function '%s' had the following error: The JsonPath argument "
				"for the field '%s' could not be found in the input '%s'",
				whole, a->s, input);
		free(input);
		return -1;
	case ARG_CALL:
		return eval_call(a->call, env, whole, out, err);
	}
	abort();
}

/* Arguments left to right; the first failure stops the call. */
static int eval_call(const Call *f, const aslrt_env *env, const char *whole,
		     struct json_object **out, aslrt_error *err)
{
	struct json_object *stack[8];
	Ctx c; /* not zeroed: why is 512 bytes, a memset per call (b1: 4%) */
	c.op = f->op;
	c.raw0 = f->nargs > 0 && f->args[0].kind == ARG_STR ? f->args[0].raw : NULL;
	c.v = stack;
	c.n = 0;
	c.out = NULL;
	c.why[0] = 0;
	int rc = -1;
	if (f->nargs > 8) {
		c.v = calloc((size_t)f->nargs, sizeof *c.v);
		if (!c.v)
			abort();
	}
	for (; c.n < f->nargs; c.n++)
		if (eval_arg(&f->args[c.n], env, whole, &c.v[c.n], err) < 0)
			goto out;
	rc = fns[f->op].impl(&c);
	if (rc < 0) {
		json_object_put(c.out);
		aslrt_error_set(err, "States.Runtime",
				"The function '%s' had the following error: %s", whole, c.why);
	} else {
		*out = c.out;
	}
out:
	for (int i = 0; i < c.n; i++)
		if (!f->args[i].lit)
			json_object_put(c.v[i]);
	if (c.v != stack)
		free(c.v);
	return rc;
}

int aslrt_fn_eval(const aslrt_fn *f, const aslrt_env *env, struct json_object **out,
		  aslrt_error *err)
{
	*out = NULL;
	return eval_call(f, env, f->text ? f->text : fns[f->op].name, out, err);
}

/* The direct call of compiled code (aslrt_op_call): the same application and
 * the same cause as eval_call's. */
int aslrt_fn_apply(int id, struct json_object **argv, int argc, const char *raw0, const char *whole,
		   struct json_object **out, aslrt_error *err)
{
	Ctx c; /* not zeroed, as in eval_call */
	c.op = id;
	c.raw0 = raw0;
	c.v = argv;
	c.n = argc;
	c.out = NULL;
	c.why[0] = 0;
	if (fns[id].impl(&c) < 0) {
		json_object_put(c.out);
		aslrt_error_set(err, "States.Runtime",
				"The function '%s' had the following error: %s", whole, c.why);
		return -1;
	}
	*out = c.out;
	return 0;
}
