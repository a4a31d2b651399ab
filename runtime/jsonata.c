/*
 * jsonata.c - a native JSONata 2.0.6 engine (the Step Functions dialect).
 *
 * Structure, like a small compiler:
 *   tokenizer -> Pratt parser (raw AST) -> post-processing (path flattening,
 *   predicates/stages, grouping, focus/index tuples, parent slots, tail calls)
 *   -> tree-walking evaluator over our own tagged values -> json-c at the edge.
 *
 * Memory: the parsed tree lives in one arena owned by the aslrt_jsonata and is
 * never written after parsing; every evaluation has its own arena holding all
 * of its values, environments and closures, freed in one go.  Errors unwind
 * with longjmp to the evaluation (or parse) entry point; nothing outside the
 * arena is live across a call that can fail.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "jsonata.h"
#include "jsonata_picture.h"

/* ------------------------------------------------------------------ arena */

typedef struct Chunk {
	struct Chunk *next;
	size_t used, cap;
	max_align_t data[];
} Chunk;

typedef struct Arena {
	Chunk *head;
	size_t total;
	/* An evaluation's bound: over() (which does not return) is called
	 * before a chunk would take total past limit; 0: none. */
	size_t limit;
	void (*over)(struct Arena *a);
} Arena;

static void arena_free(Arena *a)
{
	Chunk *c = a->head;
	while (c) {
		Chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->total = 0;
}

static void *arena_alloc_raw(Arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	Chunk *c = a->head;
	if (!c || c->used + n > c->cap) {
		size_t cap = n > 65536 - sizeof(Chunk) ? n : 65536 - sizeof(Chunk);
		if (a->limit && (n > a->limit || a->total + cap > a->limit))
			a->over(a);
		c = malloc(sizeof(Chunk) + cap);
		if (!c)
			abort();
		c->used = 0;
		c->cap = cap;
		if (a->head && n > 4096) { /* keep the current chunk for small ones */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += cap;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void *arena_zalloc(Arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);
	memset(p, 0, n);
	return p;
}

static char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc_raw(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ------------------------------------------------------------------ values */

enum { T_NULL = 1, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_FN };
enum { F_SEQ = 1, F_KEEP = 2, F_OUTER = 4, F_TUPLE = 8, F_CONS = 16 };

typedef struct V V;
typedef struct Fn Fn;
typedef struct Obj Obj;

struct Obj {
	const char **keys;
	size_t *klens;
	V **vals;
	size_t n, cap;
	int32_t *idx; /* open-addressing index when n > 8 */
	size_t icap;
};

struct V {
	uint8_t t, fl;
	union {
		int b;
		double n;
		struct {
			const char *s;
			size_t len;
		} s;
		struct {
			V **it;
			size_t n, cap;
		} a;
		Obj o;
		Fn *f;
	} u;
};

static V v_null_s = {T_NULL, 0, {0}};
static V v_true_s = {T_BOOL, 0, {.b = 1}};
static V v_false_s = {T_BOOL, 0, {.b = 0}};
#define VNULL (&v_null_s)
#define VTRUE (&v_true_s)
#define VFALSE (&v_false_s)
#define VBOOL(x) ((x) ? VTRUE : VFALSE)

typedef struct Node Node;
typedef struct Env Env;
typedef struct Ctx Ctx;

/* --------------------------------------------------------- error context */

typedef struct Ctx {
	Arena ar;
	jmp_buf jb;
	char code[8];
	char *msg;
	int depth, max_depth;
	long steps;
	struct timespec deadline;
	bool has_deadline;
	char *stack_base;
	size_t stack_budget;
	double now_ms;
	int pos; /* of the node being evaluated, for errors */
	V *root;
	Env *global;
	uint64_t rng;
	struct json_object *pending; /* freed if an error unwinds past its owner */
} Ctx;

#define STACK_BUDGET (6u << 20)
/* The memory one evaluation may hold: its values, strings and environments
 * (a runaway tail recursion or string builder stops here).  1 GiB: the
 * largest range JSONata itself allows ([1..10000000], D2014 past it) fits. */
#define EVAL_MEMORY_LIMIT ((size_t)1 << 30)
#define STACK_MARGIN (256u << 10)

static const struct {
	const char *code, *msg;
} err_tab[] = {
	{"S0101", "String literal must be terminated by a matching quote"},
	{"S0102", "Number out of range: {{token}}"},
	{"S0103", "Unsupported escape sequence: \\{{token}}"},
	{"S0104", "The escape sequence \\u must be followed by 4 hex digits"},
	{"S0105", "Quoted property name must be terminated with a backquote (`)"},
	{"S0106", "Comment has no closing tag"},
	{"S0201", "Syntax error: {{token}}"},
	{"S0202", "Expected {{value}}, got {{token}}"},
	{"S0203", "Expected {{value}} before end of expression"},
	{"S0204", "Unknown operator: {{token}}"},
	{"S0205", "Unexpected token: {{token}}"},
	{"S0206", "Unknown expression type: {{token}}"},
	{"S0207", "Unexpected end of expression"},
	{"S0208", "Parameter {{value}} of function definition must be a variable name (start with $)"},
	{"S0209", "A predicate cannot follow a grouping expression in a step"},
	{"S0210", "Each step can only have one grouping expression"},
	{"S0211", "The symbol {{token}} cannot be used as a unary operator"},
	{"S0212", "The left side of := must be a variable name (start with $)"},
	{"S0213", "The literal value {{value}} cannot be used as a step within a path expression"},
	{"S0214", "The right side of {{token}} must be a variable name (start with $)"},
	{"S0215", "A context variable binding must precede any predicates on a step"},
	{"S0216", "A context variable binding must precede the 'order-by' clause on a step"},
	{"S0217", "The object representing the 'parent' cannot be derived from this expression"},
	{"S0301", "Empty regular expressions are not allowed"},
	{"S0302", "No terminating / in regular expression"},
	{"S0303", "Invalid regular expression: {{value}}"},
	{"S0401", "Type parameters can only be applied to functions and arrays"},
	{"S0402", "Choice groups containing parameterized types are not supported"},
	{"T0410", "Argument {{index}} of function {{token}} does not match function signature"},
	{"T0411", "Context value is not a compatible type with argument {{index}} of function {{token}}"},
	{"T0412", "Argument {{index}} of function {{token}} must be an array of {{value}}"},
	{"D1001", "Number out of range: {{value}}"},
	{"D1002", "Cannot negate a non-numeric value: {{value}}"},
	{"T1003", "Key in object structure must evaluate to a string; got: {{value}}"},
	{"D1004", "Regular expression matches zero length string"},
	{"T1005", "Attempted to invoke a non-function. Did you mean ${{token}}?"},
	{"T1006", "Attempted to invoke a non-function"},
	{"T1007", "Attempted to partially apply a non-function. Did you mean ${{token}}?"},
	{"T1008", "Attempted to partially apply a non-function"},
	{"D1009", "Multiple key definitions evaluate to same key: {{value}}"},
	{"T1010", "The matcher function argument passed to function {{token}} does not return the correct object structure"},
	{"T2001", "The left side of the {{token}} operator must evaluate to a number"},
	{"T2002", "The right side of the {{token}} operator must evaluate to a number"},
	{"T2003", "The left side of the range operator (..) must evaluate to an integer"},
	{"T2004", "The right side of the range operator (..) must evaluate to an integer"},
	{"T2006", "The right side of the function application operator ~> must be a function"},
	{"T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"},
	{"T2008", "The expressions within an order-by clause must evaluate to numeric or string values"},
	{"T2009", "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type"},
	{"T2010", "The expressions either side of operator {{token}} must evaluate to numeric or string values"},
	{"T2011", "The insert/update clause of the transform expression must evaluate to an object: {{value}}"},
	{"T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}"},
	{"T2013", "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function."},
	{"D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  Attempted to allocate {{value}}."},
	{"D3001", "Attempting to invoke string function on Infinity or NaN"},
	{"D3010", "Second argument of replace function cannot be an empty string"},
	{"D3011", "Fourth argument of replace function must evaluate to a positive number"},
	{"D3012", "Attempted to replace a matched string with a non-string value"},
	{"D3020", "Third argument of split function must evaluate to a positive number"},
	{"D3030", "Unable to cast value to a number: {{value}}"},
	{"D3040", "Third argument of match function must evaluate to a positive number"},
	{"D3050", "The second argument of reduce function must be a function with at least two arguments"},
	{"D3060", "The sqrt function cannot be applied to a negative number: {{value}}"},
	{"D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{value2}}"},
	{"D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"},
	{"D3080", "The picture string must only contain a maximum of two sub-pictures"},
	{"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character"},
	{"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
	{"D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character"},
	{"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
	{"D3085", "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'"},
	{"D3086", "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character"},
	{"D3087", "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character"},
	{"D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
	{"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"},
	{"D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'"},
	{"D3091", "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'"},
	{"D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'"},
	{"D3093", "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'"},
	{"D3100", "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"},
	{"D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"},
	{"D3130", "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation"},
	{"D3131", "In a decimal digit pattern, all digits must be from the same decimal group"},
	{"D3132", "Unknown component specifier {{value}} in date/time picture string"},
	{"D3133", "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}"},
	{"D3134", "The timezone integer format specifier cannot have more than four digits"},
	{"D3135", "No matching closing bracket ']' in date/time picture string"},
	{"D3136", "The date/time picture string is missing specifiers required to parse the timestamp"},
	{"D3137", "{{value}}"},
	{"D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."},
	{"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
	{"D3140", "Malformed URL passed to ${{token}}(): {{value}}"},
	{"D3141", "{{value}}"},
	{"U1001", "{{value}}"},
	{NULL, NULL},
};

/* Render "<code>: <message>" with the template's {{token}}, {{value}},
 * {{value2}} and {{index}} replaced.  malloc'd. */
static char *render_error(const char *code, const char *token, const char *value,
			  const char *value2, int index)
{
	const char *tpl = "Error";
	for (int i = 0; err_tab[i].code; i++)
		if (strcmp(err_tab[i].code, code) == 0)
			tpl = err_tab[i].msg;
	size_t cap = strlen(tpl) + strlen(code) + 64 + (token ? strlen(token) : 0) +
		     (value ? strlen(value) : 0) + (value2 ? strlen(value2) : 0);
	char *out = malloc(cap * 2);
	if (!out)
		abort();
	size_t n = (size_t)sprintf(out, "%s: ", code);
	for (const char *p = tpl; *p;) {
		if (strncmp(p, "{{token}}", 9) == 0) {
			n += (size_t)sprintf(out + n, "%s", token ? token : "");
			p += 9;
		} else if (strncmp(p, "{{value}}", 9) == 0) {
			n += (size_t)sprintf(out + n, "%s", value ? value : "");
			p += 9;
		} else if (strncmp(p, "{{value2}}", 10) == 0) {
			n += (size_t)sprintf(out + n, "%s", value2 ? value2 : "");
			p += 10;
		} else if (strncmp(p, "{{index}}", 9) == 0) {
			n += (size_t)sprintf(out + n, "%d", index);
			p += 9;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = 0;
	return out;
}

static char *val_to_text(Ctx *c, V *v);

/* Raise an evaluation error: code, token (may be NULL), values (may be NULL). */
__attribute__((noreturn)) static void throw_err(Ctx *c, const char *code, const char *token,
						 V *value, V *value2, int index)
{
	snprintf(c->code, sizeof c->code, "%s", code);
	char *vs = value ? val_to_text(c, value) : NULL;
	char *vs2 = value2 ? val_to_text(c, value2) : NULL;
	free(c->msg);
	c->msg = render_error(code, token, vs, vs2, index);
	free(vs);
	free(vs2);
	longjmp(c->jb, 1);
}

__attribute__((noreturn)) static void throw_msg(Ctx *c, const char *code, const char *msg);

/* The arena's over() of an evaluation (Ctx begins with its Arena). */
__attribute__((noreturn)) static void memory_exceeded(Arena *a)
{
	Ctx *c = (Ctx *)(void *)a;
	a->limit = 0; /* room to build the message */
	throw_msg(c, "U1001", "Memory limit exceeded: the expression needs more than 1 GiB");
}

__attribute__((noreturn)) static void throw_msg(Ctx *c, const char *code, const char *msg)
{
	snprintf(c->code, sizeof c->code, "%s", code);
	free(c->msg);
	size_t n = strlen(code) + strlen(msg) + 3;
	c->msg = malloc(n);
	if (!c->msg)
		abort();
	snprintf(c->msg, n, "%s: %s", code, msg);
	longjmp(c->jb, 1);
}

/* ------------------------------------------------------------ constructors */

static V *v_num(Ctx *c, double d)
{
	V *v = arena_alloc_raw(&c->ar, offsetof(V, u) + sizeof(double));
	v->t = T_NUM;
	v->fl = 0;
	v->u.n = d;
	return v;
}

static V *v_strn(Ctx *c, const char *s, size_t n)
{
	V *v = arena_alloc_raw(&c->ar, offsetof(V, u) + sizeof(v->u.s));
	v->t = T_STR;
	v->fl = 0;
	v->u.s.s = s;
	v->u.s.len = n;
	return v;
}

static V *v_strcopy(Ctx *c, const char *s, size_t n)
{
	return v_strn(c, arena_strndup(&c->ar, s, n), n);
}

static V *v_cstr(Ctx *c, const char *s)
{
	return v_strn(c, s, strlen(s));
}

static V *v_arr(Ctx *c, int fl)
{
	V *v = arena_alloc_raw(&c->ar, sizeof(V));
	v->t = T_ARR;
	v->fl = (uint8_t)fl;
	v->u.a.it = NULL;
	v->u.a.n = v->u.a.cap = 0;
	return v;
}

#define v_seq(c) v_arr(c, F_SEQ)

static void arr_reserve(Ctx *c, V *a, size_t need)
{
	if (need <= a->u.a.cap)
		return;
	size_t cap = a->u.a.cap ? a->u.a.cap * 2 : 4;
	while (cap < need)
		cap *= 2;
	V **it = arena_alloc_raw(&c->ar, cap * sizeof(V *));
	if (a->u.a.n)
		memcpy(it, a->u.a.it, a->u.a.n * sizeof(V *));
	a->u.a.it = it;
	a->u.a.cap = cap;
}

static void arr_push(Ctx *c, V *a, V *x)
{
	if (a->u.a.n == a->u.a.cap)
		arr_reserve(c, a, a->u.a.n + 1);
	a->u.a.it[a->u.a.n++] = x;
}

static V *v_obj(Ctx *c)
{
	V *v = arena_zalloc(&c->ar, sizeof(V));
	v->t = T_OBJ;
	return v;
}

static uint32_t hash_key(const char *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

static long obj_find(const Obj *o, const char *k, size_t kl)
{
	if (o->idx) {
		size_t mask = o->icap - 1;
		for (size_t i = hash_key(k, kl) & mask;; i = (i + 1) & mask) {
			int32_t j = o->idx[i];
			if (j < 0)
				return -1;
			if (o->klens[j] == kl && memcmp(o->keys[j], k, kl) == 0)
				return j;
		}
	}
	for (size_t i = 0; i < o->n; i++)
		if (o->klens[i] == kl && memcmp(o->keys[i], k, kl) == 0)
			return (long)i;
	return -1;
}

static void obj_reindex(Ctx *c, Obj *o)
{
	o->icap = 16;
	while (o->icap < o->cap * 2)
		o->icap *= 2;
	o->idx = arena_alloc_raw(&c->ar, o->icap * sizeof(int32_t));
	memset(o->idx, 0xff, o->icap * sizeof(int32_t));
	size_t mask = o->icap - 1;
	for (size_t j = 0; j < o->n; j++) {
		size_t i = hash_key(o->keys[j], o->klens[j]) & mask;
		while (o->idx[i] >= 0)
			i = (i + 1) & mask;
		o->idx[i] = (int32_t)j;
	}
}

static V *obj_get(V *o, const char *k, size_t kl, bool *found)
{
	long i = obj_find(&o->u.o, k, kl);
	if (found)
		*found = i >= 0;
	return i >= 0 ? o->u.o.vals[i] : NULL;
}

static void obj_setn(Ctx *c, V *ov, const char *k, size_t kl, V *val)
{
	Obj *o = &ov->u.o;
	long i = obj_find(o, k, kl);
	if (i >= 0) {
		o->vals[i] = val;
		return;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4;
		const char **keys = arena_alloc_raw(&c->ar, cap * sizeof(char *));
		size_t *kls = arena_alloc_raw(&c->ar, cap * sizeof(size_t));
		V **vals = arena_alloc_raw(&c->ar, cap * sizeof(V *));
		if (o->n) {
			memcpy(keys, o->keys, o->n * sizeof(char *));
			memcpy(kls, o->klens, o->n * sizeof(size_t));
			memcpy(vals, o->vals, o->n * sizeof(V *));
		}
		o->keys = keys;
		o->klens = kls;
		o->vals = vals;
		o->cap = cap;
		o->idx = NULL;
	}
	o->keys[o->n] = k;
	o->klens[o->n] = kl;
	o->vals[o->n] = val;
	o->n++;
	if (o->cap > 8) {
		if (!o->idx)
			obj_reindex(c, o);
		else {
			size_t mask = o->icap - 1, j = hash_key(k, kl) & mask;
			while (o->idx[j] >= 0)
				j = (j + 1) & mask;
			o->idx[j] = (int32_t)(o->n - 1);
		}
	}
}

static void obj_set(Ctx *c, V *o, const char *k, V *val)
{
	obj_setn(c, o, k, strlen(k), val);
}

static void obj_del(Ctx *c, V *ov, const char *k, size_t kl)
{
	Obj *o = &ov->u.o;
	long i = obj_find(o, k, kl);
	if (i < 0)
		return;
	for (size_t j = (size_t)i + 1; j < o->n; j++) {
		o->keys[j - 1] = o->keys[j];
		o->klens[j - 1] = o->klens[j];
		o->vals[j - 1] = o->vals[j];
	}
	o->n--;
	if (o->idx)
		obj_reindex(c, o);
}

/* ------------------------------------------------------------- functions */

typedef struct Sig Sig;
typedef struct Builtin Builtin;

enum { FN_LAMBDA, FN_BUILTIN, FN_PARTIAL, FN_REGEX, FN_COMPOSE, FN_TRANSFORM };

struct Fn {
	int kind;
	bool thunk;
	const Node *node; /* lambda / regex / transform */
	V *input;
	Env *env;
	const char **params; /* lambda params (may be fewer after partial application) */
	int nparams;
	const Sig *sig;
	const Builtin *bi;
	V **args; /* partial application of a builtin: bound args, holes = placeholder */
	int nargs;
	V *f1, *f2; /* compose */
};

static V v_hole_s = {T_NULL, 0, {0}};
#define VHOLE (&v_hole_s)

static V *v_fn(Ctx *c, Fn *f)
{
	V *v = arena_alloc_raw(&c->ar, sizeof(V));
	v->t = T_FN;
	v->fl = 0;
	v->u.f = f;
	return v;
}

static bool is_seq(V *v)
{
	return v && v->t == T_ARR && (v->fl & F_SEQ);
}

static bool is_num(Ctx *c, V *v)
{
	if (!v || v->t != T_NUM)
		return false;
	if (isnan(v->u.n))
		return false;
	if (!isfinite(v->u.n))
		throw_err(c, "D1001", NULL, v, NULL, 0);
	return true;
}

/* --------------------------------------------------------------- strings */

typedef struct Buf {
	char *s;
	size_t n, cap;
	Arena *ar;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = arena_alloc_raw(b->ar, cap);
		if (b->n)
			memcpy(p, b->s, b->n);
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

static void buf_puts(Buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_putc(Buf *b, char ch)
{
	buf_put(b, &ch, 1);
}

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof tmp)
		n = sizeof tmp - 1;
	buf_put(b, tmp, (size_t)n);
}

static const char *buf_cstr(Buf *b)
{
	if (!b->s)
		buf_put(b, "", 0);
	return b->s;
}

/* UTF-8 helpers. */
static int utf8_decode(const char *s, size_t len, size_t *i)
{
	unsigned char c0 = (unsigned char)s[*i];
	if (c0 < 0x80) {
		(*i)++;
		return c0;
	}
	int n = c0 >= 0xf0 ? 3 : c0 >= 0xe0 ? 2 : c0 >= 0xc0 ? 1 : 0;
	int cp = n == 3 ? c0 & 7 : n == 2 ? c0 & 15 : c0 & 31;
	(*i)++;
	for (int k = 0; k < n && *i < len; k++)
		cp = (cp << 6) | ((unsigned char)s[(*i)++] & 63);
	return cp;
}

static void utf8_put(Buf *b, unsigned cp)
{
	char t[4];
	if (cp < 0x80) {
		t[0] = (char)cp;
		buf_put(b, t, 1);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 63));
		buf_put(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 63));
		t[2] = (char)(0x80 | (cp & 63));
		buf_put(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 63));
		t[2] = (char)(0x80 | ((cp >> 6) & 63));
		t[3] = (char)(0x80 | (cp & 63));
		buf_put(b, t, 4);
	}
}

/* Number of code points. */
static size_t utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* Byte offset of code point index cp (clamped). */
static size_t utf8_off(const char *s, size_t n, size_t cp)
{
	size_t i = 0;
	while (i < n && cp > 0) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		cp--;
	}
	return i;
}

/* UTF-16 length of a UTF-8 prefix. */
static size_t utf16_units(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xc0) != 0x80)
			k += ch >= 0xf0 ? 2 : 1;
	}
	return k;
}

/* ------------------------------------------------------ number -> string */

/* JavaScript Number.prototype.toString for finite d. */
static void js_num(char *out, double d)
{
	if (d == 0) {
		strcpy(out, "0");
		return;
	}
	if (isnan(d)) {
		strcpy(out, "NaN");
		return;
	}
	if (isinf(d)) {
		strcpy(out, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	char buf[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf: [-]d.ddde[+-]xx */
	char digits[24];
	int nd = 0;
	const char *p = buf;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	int e = atoi(p + 1);
	int n = e + 1; /* position of the decimal point */
	char *o = out;
	if (neg)
		*o++ = '-';
	if (nd <= n && n <= 21) {
		memcpy(o, digits, (size_t)nd);
		o += nd;
		for (int i = nd; i < n; i++)
			*o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, digits, (size_t)n);
		o += n;
		*o++ = '.';
		memcpy(o, digits + n, (size_t)(nd - n));
		o += nd - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -n; i++)
			*o++ = '0';
		memcpy(o, digits, (size_t)nd);
		o += nd;
	} else {
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, (size_t)(nd - 1));
			o += nd - 1;
		}
		o += sprintf(o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
	*o = 0;
}

/* Number(d.toPrecision(15)) */
static double js_prec15(double d)
{
	char buf[40];
	snprintf(buf, sizeof buf, "%.14e", d);
	return strtod(buf, NULL);
}

/* JSON.stringify with $string's replacer: numbers through toPrecision(15)
 * (when prec15), functions as "", undefined members dropped. */
static void json_str(Buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		char u[7];
		const char *esc = aslrt_json_escape((unsigned char)s[i], u);
		if (esc) {
			buf_put(b, s + start, i - start);
			buf_puts(b, esc);
			start = i + 1;
		}
	}
	buf_put(b, s + start, n - start);
	buf_putc(b, '"');
}

static void indent(Buf *b, int pretty, int level)
{
	if (!pretty)
		return;
	buf_putc(b, '\n');
	for (int i = 0; i < level * 2; i++)
		buf_putc(b, ' ');
}

static void stringify(Ctx *c, Buf *b, V *v, int pretty, int level, bool prec15)
{
	char num[40];
	if (level > ASLRT_JSON_MAX_DEPTH)
		throw_msg(c, "D1001", "The value is nested deeper than the limit of "
				      ASLRT_JSON_MAX_DEPTH_TEXT " levels");
	if (!v) {
		buf_puts(b, "null");
		return;
	}
	switch (v->t) {
	case T_NULL: buf_puts(b, "null"); break;
	case T_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
	case T_NUM:
		if (!isfinite(v->u.n)) {
			if (prec15)
				is_num(c, v);
			buf_puts(b, "null");
		} else {
			js_num(num, prec15 ? js_prec15(v->u.n) : v->u.n);
			buf_puts(b, num);
		}
		break;
	case T_STR: json_str(b, v->u.s.s, v->u.s.len); break;
	case T_FN: buf_puts(b, "\"\""); break;
	case T_ARR:
		buf_putc(b, '[');
		for (size_t i = 0; i < v->u.a.n; i++) {
			if (i)
				buf_putc(b, ',');
			indent(b, pretty, level + 1);
			stringify(c, b, v->u.a.it[i], pretty, level + 1, prec15);
		}
		if (v->u.a.n)
			indent(b, pretty, level);
		buf_putc(b, ']');
		break;
	case T_OBJ: {
		buf_putc(b, '{');
		bool first = true;
		for (size_t i = 0; i < v->u.o.n; i++) {
			if (!v->u.o.vals[i])
				continue;
			if (!first)
				buf_putc(b, ',');
			first = false;
			indent(b, pretty, level + 1);
			json_str(b, v->u.o.keys[i], v->u.o.klens[i]);
			buf_putc(b, ':');
			if (pretty)
				buf_putc(b, ' ');
			stringify(c, b, v->u.o.vals[i], pretty, level + 1, prec15);
		}
		if (!first)
			indent(b, pretty, level);
		buf_putc(b, '}');
		break;
	}
	}
}

/* Text of a value for error messages (malloc'd). */
static char *val_to_text(Ctx *c, V *v)
{
	Arena tmp = {0};
	Buf b = {.ar = &tmp};
	if (v && v->t == T_STR)
		buf_put(&b, v->u.s.s, v->u.s.len);
	else if (v && v->t == T_NUM) {
		char num[40];
		js_num(num, v->u.n);
		buf_puts(&b, num);
	} else
		stringify(c, &b, v, 0, 0, false);
	char *s = strdup(buf_cstr(&b));
	arena_free(&tmp);
	return s;
}

/* ================================================================== AST */

enum {
	N_PATH = 1, N_BINARY, N_NEG, N_ARRAY, N_OBJECT, N_NAME, N_STRING, N_NUMBER, N_VALUE,
	N_WILDCARD, N_DESCENDANT, N_PARENT, N_CONDITION, N_BLOCK, N_BIND, N_REGEX, N_FUNCTION,
	N_PARTIAL, N_VARIABLE, N_LAMBDA, N_APPLY, N_TRANSFORM, N_SORT, N_PLACEHOLDER, N_OPERATOR,
	/* raw (pre-processing) binary forms */
	N_RAW_PRED, N_RAW_GROUP, N_RAW_SORT, N_RAW_FOCUS, N_RAW_INDEX,
};

enum {
	OP_DOT = 1, OP_PLUS, OP_MINUS, OP_MUL, OP_DIV, OP_MOD, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT,
	OP_GE, OP_CONCAT, OP_AND, OP_OR, OP_IN, OP_APPLY, OP_RANGE, OP_BIND,
};

typedef struct Slot {
	const char *label;
	int level;
	int index;
} Slot;

typedef struct NVec {
	Node **v;
	int n, cap;
} NVec;

typedef struct SVec {
	Slot **v;
	int n, cap;
} SVec;

typedef struct Stage {
	int type; /* 0 filter, 1 index */
	Node *expr;
	const char *var;
} Stage;

typedef struct StVec {
	Stage *v;
	int n, cap;
} StVec;

typedef struct Group {
	Node **keys, **vals;
	int n, cap;
	int pos;
} Group;

typedef struct SortTerm {
	bool desc;
	Node *expr;
} SortTerm;

struct Node {
	int type, pos, op;
	const char *str; /* name / string / variable / operator text */
	size_t slen;
	double num;
	int vkind; /* N_VALUE: 0 null, 1 true, 2 false */
	Node *lhs, *rhs, *expr, *cond, *then, *els, *body, *proc, *pattern, *update, *del;
	NVec items; /* path steps, block/array expressions, call arguments, lambda params */
	Group *grp;   /* object constructor */
	Group *group; /* group-by on a step/path */
	StVec stages, pred;
	SortTerm *terms;
	int nterms;
	const char *focus, *index;
	Slot *ancestor;
	Slot *slot;
	SVec seeking;
	bool has_seeking;
	bool tuple, keep_array, keep_singleton, consarray, thunk;
	Sig *sig;
	pcre2_code *re;
	Node *next_free; /* regexes to free */
};

/* ---------------------------------------------------------- signatures */

typedef struct SigParam {
	char type;        /* s n b l o a f j x or '(' for a choice */
	char allowed[12]; /* symbols the parameter accepts */
	char quant;       /* 0, '?', '+' */
	bool context;     /* '-': use the context when missing */
	const char *subtype;
	size_t sublen;
} SigParam;

struct Sig {
	SigParam p[12];
	int n;
};

/* ================================================================ parser */

enum { K_END, K_NAME, K_VAR, K_OP, K_STR, K_NUM, K_VALUE, K_REGEX };

typedef struct Tok {
	int kind;
	const char *s; /* name/var/op/string value (arena) */
	size_t len;
	double num;
	int vkind;
	const char *flags;
	int pos;
} Tok;

typedef struct P {
	const char *src;
	size_t len, pos;
	Tok tok;
	Arena *ar;
	jmp_buf jb;
	char code[8];
	char *msg;
	int anc_label, anc_index;
	Node **ancestry;
	int nanc, capanc;
	Node *regexes;
} P;

/* Where the last parse or evaluation error on this thread was found. */
static _Thread_local int error_position = -1;

int aslrt_jsonata_error_position(void)
{
	return error_position;
}

__attribute__((noreturn)) static void perr(P *p, const char *code, int pos, const char *token,
					    const char *value)
{
	snprintf(p->code, sizeof p->code, "%s", code);
	free(p->msg);
	p->msg = render_error(code, token, value, NULL, 0);
	error_position = pos;
	longjmp(p->jb, 1);
}

static void *vec_grow(Arena *a, void *v, int n, int *cap, size_t el)
{
	if (n < *cap)
		return v;
	int nc = *cap ? *cap * 2 : 4;
	void *nv = arena_alloc_raw(a, (size_t)nc * el);
	if (n)
		memcpy(nv, v, (size_t)n * el);
	*cap = nc;
	return nv;
}

#define VPUSH(ar, vec, x)                                                                     \
	do {                                                                                  \
		(vec).v = vec_grow((ar), (vec).v, (vec).n, &(vec).cap, sizeof(*(vec).v));     \
		(vec).v[(vec).n++] = (x);                                                     \
	} while (0)

static Node *node_new(P *p, int type, int pos)
{
	Node *n = arena_zalloc(p->ar, sizeof(Node));
	n->type = type;
	n->pos = pos;
	return n;
}

static const char *const OPS[] = {".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":",
				  "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&",
				  "!", "~", NULL};

static bool is_op_char(char ch)
{
	return ch && strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", ch) != NULL;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v';
}

static void tok_op(P *p, const char *op, int pos)
{
	p->tok.kind = K_OP;
	p->tok.s = op;
	p->tok.len = strlen(op);
	p->tok.pos = pos;
}

static void scan_regex(P *p)
{
	size_t start = p->pos;
	int depth = 0;
	while (p->pos < p->len) {
		char ch = p->src[p->pos];
		if (ch == '/' && depth == 0) {
			size_t bs = 0;
			while (p->pos >= bs + 1 && p->src[p->pos - bs - 1] == '\\')
				bs++;
			if (bs % 2 == 0) {
				if (p->pos == start)
					perr(p, "S0301", (int)p->pos, NULL, NULL);
				p->tok.kind = K_REGEX;
				p->tok.s = arena_strndup(p->ar, p->src + start, p->pos - start);
				p->tok.len = p->pos - start;
				p->tok.pos = (int)start;
				p->pos++;
				size_t fs = p->pos;
				while (p->pos < p->len && (p->src[p->pos] == 'i' || p->src[p->pos] == 'm'))
					p->pos++;
				p->tok.flags = arena_strndup(p->ar, p->src + fs, p->pos - fs);
				return;
			}
		}
		if ((ch == '(' || ch == '[' || ch == '{') && (p->pos == 0 || p->src[p->pos - 1] != '\\'))
			depth++;
		if ((ch == ')' || ch == ']' || ch == '}') && (p->pos == 0 || p->src[p->pos - 1] != '\\'))
			depth--;
		p->pos++;
	}
	perr(p, "S0302", (int)p->pos, NULL, NULL);
}

/* Next token; prefix = true when an operand may follow (a '/' starts a regex). */
static void lex(P *p, bool infix)
{
again:
	while (p->pos < p->len && is_space(p->src[p->pos]))
		p->pos++;
	if (p->pos >= p->len) {
		p->tok.kind = K_END;
		p->tok.s = "(end)";
		p->tok.len = 5;
		p->tok.pos = (int)p->len;
		return;
	}
	const char *s = p->src;
	size_t i = p->pos;
	char ch = s[i], nx = i + 1 < p->len ? s[i + 1] : 0;
	if (ch == '/' && nx == '*') {
		size_t cs = i;
		i += 2;
		while (!(i + 1 < p->len && s[i] == '*' && s[i + 1] == '/')) {
			i++;
			if (i >= p->len)
				perr(p, "S0106", (int)cs, NULL, NULL);
		}
		p->pos = i + 2;
		goto again;
	}
	if (!infix && ch == '/') {
		p->pos++;
		scan_regex(p);
		return;
	}
	static const char *const two[] = {"..", ":=", "!=", ">=", "<=", "**", "~>", NULL};
	for (int k = 0; two[k]; k++)
		if (ch == two[k][0] && nx == two[k][1]) {
			tok_op(p, two[k], (int)i);
			p->pos += 2;
			return;
		}
	if (is_op_char(ch)) {
		for (int k = 0; OPS[k]; k++)
			if (OPS[k][0] == ch) {
				tok_op(p, OPS[k], (int)i);
				break;
			}
		p->pos++;
		return;
	}
	if (ch == '"' || ch == '\'') {
		char q = ch;
		Buf b = {.ar = p->ar};
		i++;
		while (i < p->len) {
			ch = s[i];
			if (ch == '\\') {
				i++;
				ch = i < p->len ? s[i] : 0;
				const char *esc = strchr("\"\\/bfnrt", ch);
				if (ch && esc) {
					static const char rep[] = "\"\\/\b\f\n\r\t";
					buf_putc(&b, rep[esc - "\"\\/bfnrt"]);
				} else if (ch == 'u') {
					unsigned cp = 0;
					for (int k = 1; k <= 4; k++) {
						char h = i + (size_t)k < p->len ? s[i + (size_t)k] : 0;
						if (!isxdigit((unsigned char)h))
							perr(p, "S0104", (int)i, NULL, NULL);
						cp = cp * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
					}
					i += 4;
					if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < p->len + 0 && s[i + 1] == '\\' && s[i + 2] == 'u') {
						unsigned lo = 0;
						bool ok = true;
						for (int k = 3; k <= 6; k++) {
							char h = s[i + (size_t)k];
							if (!isxdigit((unsigned char)h)) {
								ok = false;
								break;
							}
							lo = lo * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
						}
						if (ok && lo >= 0xdc00 && lo < 0xe000) {
							cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
							i += 6;
						}
					}
					utf8_put(&b, cp);
				} else {
					char t[2] = {ch, 0};
					perr(p, "S0103", (int)i, t, NULL);
				}
			} else if (ch == q) {
				p->tok.kind = K_STR;
				p->tok.s = b.s ? b.s : "";
				p->tok.len = b.n;
				p->tok.pos = (int)p->pos;
				p->pos = i + 1;
				return;
			} else {
				buf_putc(&b, ch);
			}
			i++;
		}
		perr(p, "S0101", (int)i, NULL, NULL);
	}
	if (isdigit((unsigned char)ch)) {
		size_t j = i;
		if (s[j] == '0')
			j++;
		else
			while (isdigit((unsigned char)s[j]))
				j++;
		if (s[j] == '.' && isdigit((unsigned char)s[j + 1])) {
			j++;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		if ((s[j] == 'e' || s[j] == 'E') &&
		    (isdigit((unsigned char)s[j + 1]) ||
		     ((s[j + 1] == '+' || s[j + 1] == '-') && isdigit((unsigned char)s[j + 2])))) {
			j += 2;
			while (isdigit((unsigned char)s[j]))
				j++;
		}
		char *t = arena_strndup(p->ar, s + i, j - i);
		double d = strtod(t, NULL);
		if (!isfinite(d))
			perr(p, "S0102", (int)i, t, NULL);
		p->tok.kind = K_NUM;
		p->tok.num = d;
		p->tok.s = t;
		p->tok.len = j - i;
		p->tok.pos = (int)i;
		p->pos = j;
		return;
	}
	if (ch == '`') {
		const char *e = memchr(s + i + 1, '`', p->len - i - 1);
		if (!e) {
			p->pos = p->len;
			perr(p, "S0105", (int)p->len, NULL, NULL);
		}
		p->tok.kind = K_NAME;
		p->tok.s = arena_strndup(p->ar, s + i + 1, (size_t)(e - s - i - 1));
		p->tok.len = (size_t)(e - s - i - 1);
		p->tok.pos = (int)i;
		p->pos = (size_t)(e - s) + 1;
		return;
	}
	size_t j = i;
	while (j < p->len && !is_space(s[j]) && !is_op_char(s[j]))
		j++;
	p->tok.pos = (int)i;
	p->pos = j;
	if (ch == '$') {
		p->tok.kind = K_VAR;
		p->tok.s = arena_strndup(p->ar, s + i + 1, j - i - 1);
		p->tok.len = j - i - 1;
		return;
	}
	char *name = arena_strndup(p->ar, s + i, j - i);
	p->tok.s = name;
	p->tok.len = j - i;
	if (!strcmp(name, "or") || !strcmp(name, "in") || !strcmp(name, "and")) {
		p->tok.kind = K_OP;
	} else if (!strcmp(name, "true") || !strcmp(name, "false") || !strcmp(name, "null")) {
		p->tok.kind = K_VALUE;
		p->tok.vkind = name[0] == 'n' ? 0 : name[0] == 't' ? 1 : 2;
	} else {
		p->tok.kind = K_NAME;
	}
}

static bool tok_is(P *p, const char *op)
{
	return p->tok.kind == K_OP && strcmp(p->tok.s, op) == 0;
}

static int lbp(P *p)
{
	if (p->tok.kind != K_OP)
		return 0;
	static const struct {
		const char *op;
		int bp;
	} tab[] = {{".", 75}, {"[", 80}, {"{", 70}, {"(", 80}, {"@", 80}, {"#", 80},
		   {"?", 20}, {"+", 50}, {"-", 50}, {"*", 60}, {"/", 60}, {"%", 60},
		   {"=", 40}, {"<", 40}, {">", 40}, {"^", 40}, {":=", 10}, {"!=", 40},
		   {"<=", 40}, {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40},
		   {"&", 50}, {NULL, 0}};
	for (int i = 0; tab[i].op; i++)
		if (!strcmp(tab[i].op, p->tok.s))
			return tab[i].bp;
	return 0;
}

static const char *tok_text(P *p)
{
	if (p->tok.kind == K_END)
		return "(end)";
	if (p->tok.kind == K_NUM || p->tok.kind == K_STR || p->tok.kind == K_NAME ||
	    p->tok.kind == K_OP || p->tok.kind == K_VALUE || p->tok.kind == K_REGEX)
		return p->tok.s;
	if (p->tok.kind == K_VAR)
		return p->tok.s;
	return "";
}

/* advance(id, infix): check the current token is id, then read the next. */
static void advance(P *p, const char *id, bool infix)
{
	if (id && !tok_is(p, id)) {
		char val[16];
		snprintf(val, sizeof val, "%s", id);
		perr(p, p->tok.kind == K_END ? "S0203" : "S0202", p->tok.pos, tok_text(p), val);
	}
	lex(p, infix);
	if (p->tok.kind == K_OP && (tok_is(p, "!") || tok_is(p, "~")))
		perr(p, "S0204", p->tok.pos, p->tok.s, NULL);
}

static Node *expression(P *p, int rbp);
static void parse_signature(P *p, Node *lambda, const char *sig, size_t len);

static Node *leaf_from_tok(P *p, Tok *t)
{
	Node *n;
	switch (t->kind) {
	case K_NAME:
		n = node_new(p, N_NAME, t->pos);
		n->str = t->s;
		n->slen = t->len;
		return n;
	case K_VAR:
		n = node_new(p, N_VARIABLE, t->pos);
		n->str = t->s;
		n->slen = t->len;
		return n;
	case K_STR:
		n = node_new(p, N_STRING, t->pos);
		n->str = t->s;
		n->slen = t->len;
		return n;
	case K_NUM:
		n = node_new(p, N_NUMBER, t->pos);
		n->num = t->num;
		n->str = t->s;
		return n;
	case K_VALUE:
		n = node_new(p, N_VALUE, t->pos);
		n->vkind = t->vkind;
		n->str = t->s;
		return n;
	default:
		return NULL;
	}
}

static Node *compile_regex(P *p, Tok *t);

static Node *nud(P *p, Tok t)
{
	Node *n = leaf_from_tok(p, &t);
	if (n)
		return n;
	if (t.kind == K_REGEX)
		return compile_regex(p, &t);
	if (t.kind == K_END)
		perr(p, "S0207", t.pos, NULL, NULL);
	/* operators in prefix position */
	const char *op = t.s;
	if (!strcmp(op, "and") || !strcmp(op, "or") || !strcmp(op, "in")) {
		n = node_new(p, N_OPERATOR, t.pos);
		n->str = op;
		n->slen = strlen(op);
		return n;
	}
	if (!strcmp(op, "-")) {
		n = node_new(p, N_NEG, t.pos);
		n->expr = expression(p, 70);
		return n;
	}
	if (!strcmp(op, "*"))
		return node_new(p, N_WILDCARD, t.pos);
	if (!strcmp(op, "**"))
		return node_new(p, N_DESCENDANT, t.pos);
	if (!strcmp(op, "%"))
		return node_new(p, N_PARENT, t.pos);
	if (!strcmp(op, "(")) {
		n = node_new(p, N_BLOCK, t.pos);
		while (!tok_is(p, ")")) {
			VPUSH(p->ar, n->items, expression(p, 0));
			if (!tok_is(p, ";"))
				break;
			advance(p, ";", false);
		}
		advance(p, ")", true);
		return n;
	}
	if (!strcmp(op, "[")) {
		n = node_new(p, N_ARRAY, t.pos);
		if (!tok_is(p, "]")) {
			for (;;) {
				Node *item = expression(p, 0);
				if (tok_is(p, "..")) {
					Node *r = node_new(p, N_BINARY, p->tok.pos);
					r->op = OP_RANGE;
					r->str = "..";
					r->lhs = item;
					advance(p, "..", false);
					r->rhs = expression(p, 0);
					item = r;
				}
				VPUSH(p->ar, n->items, item);
				if (!tok_is(p, ","))
					break;
				advance(p, ",", false);
			}
		}
		advance(p, "]", true);
		return n;
	}
	if (!strcmp(op, "{")) {
		n = node_new(p, N_OBJECT, t.pos);
		n->grp = arena_zalloc(p->ar, sizeof(Group));
		n->grp->pos = t.pos;
		if (!tok_is(p, "}")) {
			for (;;) {
				Node *k = expression(p, 0);
				advance(p, ":", false);
				Node *v = expression(p, 0);
				Group *g = n->grp;
				int cap = g->cap;
				g->keys = vec_grow(p->ar, g->keys, g->n, &cap, sizeof(Node *));
				g->vals = vec_grow(p->ar, g->vals, g->n, &g->cap, sizeof(Node *));
				g->keys[g->n] = k;
				g->vals[g->n++] = v;
				if (!tok_is(p, ","))
					break;
				advance(p, ",", false);
			}
		}
		advance(p, "}", true);
		return n;
	}
	if (!strcmp(op, "|")) {
		n = node_new(p, N_TRANSFORM, t.pos);
		n->pattern = expression(p, 0);
		advance(p, "|", false);
		n->update = expression(p, 0);
		if (tok_is(p, ",")) {
			advance(p, ",", false);
			n->del = expression(p, 0);
		}
		advance(p, "|", false);
		return n;
	}
	perr(p, "S0211", t.pos, op, NULL);
}

static Node *led(P *p, Tok t, Node *left)
{
	const char *op = t.s;
	Node *n;
	static const struct {
		const char *s;
		int op;
	} bin[] = {{".", OP_DOT}, {"+", OP_PLUS}, {"-", OP_MINUS}, {"*", OP_MUL}, {"/", OP_DIV},
		   {"%", OP_MOD}, {"=", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {"<=", OP_LE},
		   {">", OP_GT}, {">=", OP_GE}, {"&", OP_CONCAT}, {"and", OP_AND}, {"or", OP_OR},
		   {"in", OP_IN}, {"~>", OP_APPLY}, {NULL, 0}};
	for (int i = 0; bin[i].s; i++)
		if (!strcmp(bin[i].s, op)) {
			int bp = 0;
			Tok save = p->tok;
			p->tok = t;
			bp = lbp(p);
			p->tok = save;
			n = node_new(p, N_BINARY, t.pos);
			n->op = bin[i].op;
			n->str = op;
			n->lhs = left;
			n->rhs = expression(p, bp);
			return n;
		}
	if (!strcmp(op, "(")) {
		n = node_new(p, N_FUNCTION, t.pos);
		n->proc = left;
		if (!tok_is(p, ")")) {
			for (;;) {
				if (tok_is(p, "?")) {
					n->type = N_PARTIAL;
					VPUSH(p->ar, n->items, node_new(p, N_PLACEHOLDER, p->tok.pos));
					advance(p, "?", false);
				} else {
					VPUSH(p->ar, n->items, expression(p, 0));
				}
				if (!tok_is(p, ","))
					break;
				advance(p, ",", false);
			}
		}
		advance(p, ")", true);
		if (left->type == N_NAME && (!strcmp(left->str, "function") || !strcmp(left->str, "\xce\xbb"))) {
			for (int i = 0; i < n->items.n; i++)
				if (n->items.v[i]->type != N_VARIABLE) {
					char idx[16];
					snprintf(idx, sizeof idx, "%d", i + 1);
					perr(p, "S0208", n->items.v[i]->pos, n->items.v[i]->str, idx);
				}
			n->type = N_LAMBDA;
			if (tok_is(p, "<")) {
				/* the signature: raw text up to the matching '>' */
				size_t start = (size_t)p->tok.pos;
				int depth = 1;
				size_t i = start + 1;
				while (i < p->len && depth > 0 && p->src[i] != '{') {
					if (p->src[i] == '>')
						depth--;
					else if (p->src[i] == '<')
						depth++;
					i++;
				}
				if (depth > 0)
					perr(p, "S0202", (int)i, "{", ">");
				parse_signature(p, n, p->src + start, i - start);
				p->pos = i;
				lex(p, false);
			}
			advance(p, "{", false);
			n->body = expression(p, 0);
			advance(p, "}", true);
		}
		return n;
	}
	if (!strcmp(op, "[")) {
		if (tok_is(p, "]")) {
			Node *step = left;
			while (step && step->type == N_RAW_PRED)
				step = step->lhs;
			step->keep_array = true;
			advance(p, "]", true);
			return left;
		}
		n = node_new(p, N_RAW_PRED, t.pos);
		n->lhs = left;
		n->rhs = expression(p, 0);
		advance(p, "]", true);
		return n;
	}
	if (!strcmp(op, "^")) {
		n = node_new(p, N_RAW_SORT, t.pos);
		n->lhs = left;
		advance(p, "(", false);
		int cap = 0;
		for (;;) {
			bool desc = false;
			if (tok_is(p, "<"))
				advance(p, "<", false);
			else if (tok_is(p, ">")) {
				desc = true;
				advance(p, ">", false);
			}
			n->terms = vec_grow(p->ar, n->terms, n->nterms, &cap, sizeof(SortTerm));
			n->terms[n->nterms].desc = desc;
			n->terms[n->nterms++].expr = expression(p, 0);
			if (!tok_is(p, ","))
				break;
			advance(p, ",", false);
		}
		advance(p, ")", true);
		return n;
	}
	if (!strcmp(op, "{")) {
		Tok brace = t;
		brace.kind = K_OP;
		Node *o = nud(p, brace); /* parses the pairs */
		n = node_new(p, N_RAW_GROUP, t.pos);
		n->lhs = left;
		n->grp = o->grp;
		return n;
	}
	if (!strcmp(op, ":=")) {
		if (left->type != N_VARIABLE)
			perr(p, "S0212", left->pos, left->str, NULL);
		n = node_new(p, N_BIND, t.pos);
		n->lhs = left;
		n->rhs = expression(p, 9);
		return n;
	}
	if (!strcmp(op, "@") || !strcmp(op, "#")) {
		n = node_new(p, op[0] == '@' ? N_RAW_FOCUS : N_RAW_INDEX, t.pos);
		n->lhs = left;
		n->rhs = expression(p, 80);
		if (n->rhs->type != N_VARIABLE)
			perr(p, "S0214", n->rhs->pos, op, NULL);
		return n;
	}
	if (!strcmp(op, "?")) {
		n = node_new(p, N_CONDITION, t.pos);
		n->cond = left;
		n->then = expression(p, 0);
		if (tok_is(p, ":")) {
			advance(p, ":", false);
			n->els = expression(p, 0);
		}
		return n;
	}
	perr(p, "S0201", t.pos, op, NULL);
}

static Node *expression(P *p, int rbp)
{
	Tok t = p->tok;
	advance(p, NULL, true);
	Node *left = nud(p, t);
	while (rbp < lbp(p)) {
		t = p->tok;
		advance(p, NULL, false);
		left = led(p, t, left);
	}
	return left;
}

/* -------------------------------------------------------------- regexes */

static const char JS_SPACE[] = "\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"
			       "\\u202f\\u205f\\u3000\\ufeff";

/* Translate a JavaScript (non-unicode) pattern to PCRE2 syntax. */
static char *js_to_pcre(Arena *a, const char *src, size_t n)
{
	Buf b = {.ar = a};
	bool in_class = false;
	for (size_t i = 0; i < n; i++) {
		char ch = src[i];
		if (ch == '\\' && i + 1 < n) {
			char e = src[i + 1];
			if (e == 's') {
				if (in_class)
					buf_puts(&b, JS_SPACE);
				else
					buf_printf(&b, "[%s]", JS_SPACE);
			} else if (e == 'S' && !in_class) {
				buf_printf(&b, "[^%s]", JS_SPACE);
			} else if (e == 'd' && !in_class) {
				buf_puts(&b, "[0-9]");
			} else if (e == '/') {
				buf_putc(&b, '/');
			} else {
				buf_putc(&b, ch);
				buf_putc(&b, e);
			}
			i++;
			continue;
		}
		if (in_class) {
			if (ch == ']')
				in_class = false;
			buf_putc(&b, ch);
			continue;
		}
		if (ch == '[') {
			in_class = true;
			buf_putc(&b, ch);
			if (i + 1 < n && src[i + 1] == '^') {
				buf_putc(&b, '^');
				i++;
			}
			if (i + 1 < n && src[i + 1] == ']') { /* [] or [^] */
				buf_putc(&b, ']');
				i++;
				in_class = false;
			}
			continue;
		}
		if (ch == '.') {
			buf_puts(&b, "[^\\n\\r\\u2028\\u2029]");
			continue;
		}
		buf_putc(&b, ch);
	}
	return (char *)buf_cstr(&b);
}

static Node *compile_regex(P *p, Tok *t)
{
	Node *n = node_new(p, N_REGEX, t->pos);
	n->str = t->s;
	n->slen = t->len;
	uint32_t opts = PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_MATCH_UNSET_BACKREF |
			PCRE2_ALLOW_EMPTY_CLASS | PCRE2_DOLLAR_ENDONLY;
	if (strchr(t->flags, 'i'))
		opts |= PCRE2_CASELESS;
	if (strchr(t->flags, 'm'))
		opts |= PCRE2_MULTILINE;
	char *pat = js_to_pcre(p->ar, t->s, t->len);
	int ec;
	PCRE2_SIZE eo;
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
	n->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &ec, &eo, cc);
	pcre2_compile_context_free(cc);
	if (!n->re) {
		PCRE2_UCHAR m[256];
		pcre2_get_error_message(ec, m, sizeof m);
		perr(p, "S0303", t->pos, NULL, (const char *)m);
	}
	n->next_free = p->regexes;
	p->regexes = n;
	return n;
}

/* ----------------------------------------------------- signature parser */

/* Parse "<...:...>" into s; 0, or -1 with the error code in *ecode. */
static int sig_parse(Sig *s, const char *sig, size_t len, const char **ecode)
{
	memset(s, 0, sizeof *s);
	SigParam *prev = NULL;
	for (size_t i = 1; i < len; i++) {
		char ch = sig[i];
		if (ch == ':' || ch == '>')
			break;
		SigParam *q = s->n < 12 ? &s->p[s->n] : NULL;
		switch (ch) {
		case 's': case 'n': case 'b': case 'l': case 'o':
		case 'a': case 'f': case 'j': case 'x':
			if (!q)
				break;
			q->type = ch;
			if (ch == 'a' || ch == 'x')
				strcpy(q->allowed, "asnblfom");
			else if (ch == 'f')
				strcpy(q->allowed, "f");
			else if (ch == 'j')
				strcpy(q->allowed, "asnblom");
			else {
				q->allowed[0] = ch;
				q->allowed[1] = 'm';
			}
			prev = q;
			s->n++;
			break;
		case '-':
			if (prev)
				prev->context = true;
			break;
		case '?':
		case '+':
			if (prev)
				prev->quant = ch;
			break;
		case '(': {
			size_t e = i + 1;
			while (e < len && sig[e] != ')')
				e++;
			if (!q)
				break;
			size_t k = 0;
			for (size_t j = i + 1; j < e && k < 10; j++) {
				if (sig[j] == '<') {
					*ecode = "S0402";
					return -1;
				}
				q->allowed[k++] = sig[j];
			}
			q->allowed[k++] = 'm';
			q->type = '(';
			prev = q;
			s->n++;
			i = e;
			break;
		}
		case '<': {
			if (!prev || (prev->type != 'a' && prev->type != 'f')) {
				*ecode = "S0401";
				return -1;
			}
			int depth = 1;
			size_t e = i + 1;
			while (e < len && depth > 0) {
				if (sig[e] == '<')
					depth++;
				else if (sig[e] == '>')
					depth--;
				if (depth > 0)
					e++;
			}
			prev->subtype = sig + i + 1;
			prev->sublen = e - i - 1;
			i = e;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static void parse_signature(P *p, Node *lambda, const char *sig, size_t len)
{
	Sig *s = arena_zalloc(p->ar, sizeof(Sig));
	const char *code = NULL;
	char *copy = arena_strndup(p->ar, sig, len);
	if (sig_parse(s, copy, len, &code) != 0)
		perr(p, code, 0, NULL, NULL);
	lambda->sig = s;
}

/* ----------------------------------------------------- AST processing */

static Node *process(P *p, Node *e);

static void push_ancestry(P *p, Node *result, Node *value)
{
	if (value->has_seeking || value->type == N_PARENT) {
		if (!result->has_seeking) {
			result->has_seeking = true;
		}
		for (int i = 0; i < value->seeking.n; i++)
			VPUSH(p->ar, result->seeking, value->seeking.v[i]);
		if (value->type == N_PARENT)
			VPUSH(p->ar, result->seeking, value->slot);
	}
}

static Slot *seek_parent(P *p, Node *node, Slot *slot)
{
	switch (node->type) {
	case N_NAME:
	case N_WILDCARD:
		slot->level--;
		if (slot->level == 0) {
			if (!node->ancestor)
				node->ancestor = slot;
			else {
				p->ancestry[slot->index]->slot->label = node->ancestor->label;
				node->ancestor = slot;
			}
			node->tuple = true;
		}
		break;
	case N_PARENT:
		slot->level++;
		break;
	case N_BLOCK:
		if (node->items.n > 0) {
			node->tuple = true;
			slot = seek_parent(p, node->items.v[node->items.n - 1], slot);
		}
		break;
	case N_PATH: {
		node->tuple = true;
		int index = node->items.n - 1;
		slot = seek_parent(p, node->items.v[index--], slot);
		while (slot->level > 0 && index >= 0)
			slot = seek_parent(p, node->items.v[index--], slot);
		break;
	}
	default:
		perr(p, "S0217", node->pos, NULL, NULL);
	}
	return slot;
}

static void resolve_ancestry(P *p, Node *path)
{
	int index = path->items.n - 1;
	Node *last = path->items.v[index];
	SVec slots = {0};
	for (int i = 0; i < last->seeking.n; i++)
		VPUSH(p->ar, slots, last->seeking.v[i]);
	if (last->type == N_PARENT)
		VPUSH(p->ar, slots, last->slot);
	for (int is = 0; is < slots.n; is++) {
		Slot *slot = slots.v[is];
		index = path->items.n - 2;
		while (slot->level > 0) {
			if (index < 0) {
				path->has_seeking = true;
				VPUSH(p->ar, path->seeking, slot);
				break;
			}
			Node *step = path->items.v[index--];
			while (index >= 0 && step->focus && path->items.v[index]->focus)
				step = path->items.v[index--];
			slot = seek_parent(p, step, slot);
		}
	}
}

static Node *tail_call_optimize(P *p, Node *e)
{
	if (e->type == N_FUNCTION && e->pred.n == 0) {
		Node *th = node_new(p, N_LAMBDA, e->pos);
		th->thunk = true;
		th->body = e;
		return th;
	}
	if (e->type == N_CONDITION) {
		e->then = tail_call_optimize(p, e->then);
		if (e->els)
			e->els = tail_call_optimize(p, e->els);
		return e;
	}
	if (e->type == N_BLOCK) {
		if (e->items.n > 0)
			e->items.v[e->items.n - 1] = tail_call_optimize(p, e->items.v[e->items.n - 1]);
		return e;
	}
	return e;
}

static Node *as_path(P *p, Node *n)
{
	if (n->type == N_PATH)
		return n;
	Node *r = node_new(p, N_PATH, n->pos);
	VPUSH(p->ar, r->items, n);
	return r;
}

static Node *process(P *p, Node *e)
{
	Node *result = e;
	switch (e->type) {
	case N_BINARY:
		if (e->op == OP_DOT) {
			Node *lstep = process(p, e->lhs);
			if (lstep->type == N_PATH)
				result = lstep;
			else {
				result = node_new(p, N_PATH, e->pos);
				VPUSH(p->ar, result->items, lstep);
			}
			if (lstep->type == N_PARENT) {
				result->has_seeking = true;
				VPUSH(p->ar, result->seeking, lstep->slot);
			}
			Node *rest = process(p, e->rhs);
			if (rest->type == N_PATH) {
				for (int i = 0; i < rest->items.n; i++)
					VPUSH(p->ar, result->items, rest->items.v[i]);
			} else {
				if (rest->pred.n) {
					rest->stages = rest->pred;
					rest->pred = (StVec){0};
				}
				VPUSH(p->ar, result->items, rest);
			}
			for (int i = 0; i < result->items.n; i++) {
				Node *st = result->items.v[i];
				if (st->type == N_NUMBER || st->type == N_VALUE)
					perr(p, "S0213", st->pos, NULL, st->str);
				if (st->type == N_STRING)
					st->type = N_NAME;
			}
			for (int i = 0; i < result->items.n; i++)
				if (result->items.v[i]->keep_array)
					result->keep_singleton = true;
			Node *first = result->items.v[0];
			if (first->type == N_ARRAY)
				first->consarray = true;
			Node *last = result->items.v[result->items.n - 1];
			if (last->type == N_ARRAY)
				last->consarray = true;
			resolve_ancestry(p, result);
			break;
		}
		if (e->op == OP_APPLY) {
			result = node_new(p, N_APPLY, e->pos);
			result->str = "~>";
			result->lhs = process(p, e->lhs);
			result->rhs = process(p, e->rhs);
			result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
			break;
		}
		result = node_new(p, N_BINARY, e->pos);
		result->op = e->op;
		result->str = e->str;
		result->lhs = process(p, e->lhs);
		result->rhs = process(p, e->rhs);
		push_ancestry(p, result, result->lhs);
		push_ancestry(p, result, result->rhs);
		break;
	case N_RAW_PRED: {
		result = process(p, e->lhs);
		Node *step = result;
		bool stages = false;
		if (result->type == N_PATH) {
			step = result->items.v[result->items.n - 1];
			stages = true;
		}
		if (step->group)
			perr(p, "S0209", e->pos, NULL, NULL);
		Node *pred = process(p, e->rhs);
		if (pred->has_seeking) {
			for (int i = 0; i < pred->seeking.n; i++) {
				Slot *slot = pred->seeking.v[i];
				if (slot->level == 1)
					seek_parent(p, step, slot);
				else
					slot->level--;
			}
			push_ancestry(p, step, pred);
		}
		Stage st = {0, pred, NULL};
		if (stages)
			VPUSH(p->ar, step->stages, st);
		else
			VPUSH(p->ar, step->pred, st);
		break;
	}
	case N_RAW_GROUP: {
		result = process(p, e->lhs);
		if (result->group)
			perr(p, "S0210", e->pos, NULL, NULL);
		Group *g = arena_zalloc(p->ar, sizeof(Group));
		*g = *e->grp;
		g->keys = arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
		g->vals = arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
		for (int i = 0; i < g->n; i++) {
			g->keys[i] = process(p, e->grp->keys[i]);
			g->vals[i] = process(p, e->grp->vals[i]);
		}
		g->pos = e->pos;
		result->group = g;
		break;
	}
	case N_RAW_SORT: {
		result = as_path(p, process(p, e->lhs));
		Node *s = node_new(p, N_SORT, e->pos);
		s->nterms = e->nterms;
		s->terms = arena_alloc_raw(p->ar, sizeof(SortTerm) * (size_t)(e->nterms + 1));
		for (int i = 0; i < e->nterms; i++) {
			s->terms[i].desc = e->terms[i].desc;
			s->terms[i].expr = process(p, e->terms[i].expr);
			push_ancestry(p, s, s->terms[i].expr);
		}
		VPUSH(p->ar, result->items, s);
		resolve_ancestry(p, result);
		break;
	}
	case N_BIND:
		result = node_new(p, N_BIND, e->pos);
		result->lhs = process(p, e->lhs);
		result->rhs = process(p, e->rhs);
		push_ancestry(p, result, result->rhs);
		break;
	case N_RAW_FOCUS: {
		result = process(p, e->lhs);
		Node *step = result;
		if (result->type == N_PATH)
			step = result->items.v[result->items.n - 1];
		if (step->stages.n || step->pred.n)
			perr(p, "S0215", e->pos, NULL, NULL);
		if (step->type == N_SORT)
			perr(p, "S0216", e->pos, NULL, NULL);
		if (e->keep_array)
			step->keep_array = true;
		step->focus = e->rhs->str;
		step->tuple = true;
		break;
	}
	case N_RAW_INDEX: {
		result = process(p, e->lhs);
		Node *step = result;
		if (result->type == N_PATH)
			step = result->items.v[result->items.n - 1];
		else {
			result = as_path(p, result);
			if (step->pred.n) {
				step->stages = step->pred;
				step->pred = (StVec){0};
			}
		}
		if (step->stages.n == 0)
			step->index = e->rhs->str;
		else {
			Stage st = {1, NULL, e->rhs->str};
			VPUSH(p->ar, step->stages, st);
		}
		step->tuple = true;
		break;
	}
	case N_NEG:
		result = node_new(p, N_NEG, e->pos);
		result->expr = process(p, e->expr);
		if (result->expr->type == N_NUMBER) {
			result = result->expr;
			result->num = -result->num;
		} else
			push_ancestry(p, result, result->expr);
		break;
	case N_ARRAY: {
		result = node_new(p, N_ARRAY, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *v = process(p, e->items.v[i]);
			push_ancestry(p, result, v);
			VPUSH(p->ar, result->items, v);
		}
		break;
	}
	case N_OBJECT: {
		result = node_new(p, N_OBJECT, e->pos);
		Group *g = arena_zalloc(p->ar, sizeof(Group));
		*g = *e->grp;
		g->keys = arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
		g->vals = arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
		for (int i = 0; i < g->n; i++) {
			g->keys[i] = process(p, e->grp->keys[i]);
			push_ancestry(p, result, g->keys[i]);
			g->vals[i] = process(p, e->grp->vals[i]);
			push_ancestry(p, result, g->vals[i]);
		}
		result->grp = g;
		break;
	}
	case N_FUNCTION:
	case N_PARTIAL: {
		result = node_new(p, e->type, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *a = process(p, e->items.v[i]);
			push_ancestry(p, result, a);
			VPUSH(p->ar, result->items, a);
		}
		result->proc = process(p, e->proc);
		break;
	}
	case N_LAMBDA: {
		result = node_new(p, N_LAMBDA, e->pos);
		result->items = e->items;
		result->sig = e->sig;
		result->body = tail_call_optimize(p, process(p, e->body));
		break;
	}
	case N_CONDITION:
		result = node_new(p, N_CONDITION, e->pos);
		result->cond = process(p, e->cond);
		push_ancestry(p, result, result->cond);
		result->then = process(p, e->then);
		push_ancestry(p, result, result->then);
		if (e->els) {
			result->els = process(p, e->els);
			push_ancestry(p, result, result->els);
		}
		break;
	case N_TRANSFORM:
		result = node_new(p, N_TRANSFORM, e->pos);
		result->pattern = process(p, e->pattern);
		result->update = process(p, e->update);
		if (e->del)
			result->del = process(p, e->del);
		break;
	case N_BLOCK:
		result = node_new(p, N_BLOCK, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *part = process(p, e->items.v[i]);
			push_ancestry(p, result, part);
			if (part->consarray || (part->type == N_PATH && part->items.v[0]->consarray))
				result->consarray = true;
			VPUSH(p->ar, result->items, part);
		}
		break;
	case N_NAME:
		result = node_new(p, N_PATH, e->pos);
		VPUSH(p->ar, result->items, e);
		if (e->keep_array)
			result->keep_singleton = true;
		break;
	case N_PARENT: {
		result = node_new(p, N_PARENT, e->pos);
		Slot *s = arena_zalloc(p->ar, sizeof(Slot));
		char lab[16];
		snprintf(lab, sizeof lab, "!%d", p->anc_label++);
		s->label = arena_strndup(p->ar, lab, strlen(lab));
		s->level = 1;
		s->index = p->anc_index++;
		result->slot = s;
		p->ancestry = vec_grow(p->ar, p->ancestry, p->nanc, &p->capanc, sizeof(Node *));
		p->ancestry[p->nanc++] = result;
		break;
	}
	case N_OPERATOR:
		e->type = N_NAME;
		result = process(p, e);
		break;
	case N_PLACEHOLDER:
	case N_STRING:
	case N_NUMBER:
	case N_VALUE:
	case N_WILDCARD:
	case N_DESCENDANT:
	case N_VARIABLE:
	case N_REGEX:
		result = e;
		break;
	default:
		perr(p, "S0206", e->pos, NULL, NULL);
	}
	if (e->keep_array)
		result->keep_array = true;
	return result;
}

/* ============================================================ evaluator */

struct Env {
	Env *parent;
	const char **names;
	V **vals;
	int n, cap;
};

static Env *env_new(Ctx *c, Env *parent)
{
	Env *e = arena_zalloc(&c->ar, sizeof *e);
	e->parent = parent;
	return e;
}

static void env_bind(Ctx *c, Env *e, const char *name, V *v)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0) {
			e->vals[i] = v;
			return;
		}
	if (e->n == e->cap) {
		int cap = e->cap ? e->cap * 2 : 4;
		const char **nn = arena_alloc_raw(&c->ar, (size_t)cap * sizeof(char *));
		V **nv = arena_alloc_raw(&c->ar, (size_t)cap * sizeof(V *));
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

typedef V *(*BiFn)(Ctx *c, V **a, int n, V *input, Env *env);

struct Builtin {
	const char *name;
	const char *sigtext;
	BiFn fn;
	int arity;
	Sig sig;
};

static Builtin *builtin_find(const char *name);

static V *env_lookup(Ctx *c, Env *e, const char *name, bool *found)
{
	for (; e; e = e->parent)
		for (int i = 0; i < e->n; i++)
			if (strcmp(e->names[i], name) == 0) {
				if (found)
					*found = true;
				return e->vals[i];
			}
	Builtin *b = builtin_find(name);
	if (found)
		*found = b != NULL;
	if (!b)
		return NULL;
	Fn *f = arena_zalloc(&c->ar, sizeof(Fn));
	f->kind = FN_BUILTIN;
	f->bi = b;
	f->sig = &b->sig;
	return v_fn(c, f);
}

static V *eval(Ctx *c, const Node *n, V *input, Env *env);
static V *apply(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token);
static V *fn_string(Ctx *c, V *v, bool pretty);
static bool fn_boolean(Ctx *c, V *v, bool *undef);

static V *seq1(Ctx *c, V *x)
{
	V *s = v_seq(c);
	arr_push(c, s, x);
	return s;
}

static V *lookup_field(Ctx *c, V *input, const char *k, size_t kl)
{
	if (!input)
		return NULL;
	if (input->t == T_ARR) {
		V *r = v_seq(c);
		for (size_t i = 0; i < input->u.a.n; i++) {
			V *res = lookup_field(c, input->u.a.it[i], k, kl);
			if (!res)
				continue;
			if (res->t == T_ARR)
				for (size_t j = 0; j < res->u.a.n; j++)
					arr_push(c, r, res->u.a.it[j]);
			else
				arr_push(c, r, res);
		}
		return r;
	}
	if (input->t == T_OBJ)
		return obj_get(input, k, kl, NULL);
	return NULL;
}

static Env *frame_from_tuple(Ctx *c, Env *env, V *tuple)
{
	Env *f = env_new(c, env);
	if (tuple && tuple->t == T_OBJ)
		for (size_t i = 0; i < tuple->u.o.n; i++)
			env_bind(c, f, tuple->u.o.keys[i], tuple->u.o.vals[i]);
	return f;
}

static V *tget(V *tuple, const char *k)
{
	return tuple && tuple->t == T_OBJ ? obj_get(tuple, k, strlen(k), NULL) : NULL;
}

static V *obj_copy(Ctx *c, V *o)
{
	V *r = v_obj(c);
	for (size_t i = 0; i < o->u.o.n; i++)
		obj_setn(c, r, o->u.o.keys[i], o->u.o.klens[i], o->u.o.vals[i]);
	return r;
}

/* fn.append: a new plain array of both (arrays spliced), or one of them. */
static V *v_append(Ctx *c, V *a, V *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	V *r = v_arr(c, 0);
	size_t na = a->t == T_ARR ? a->u.a.n : 1, nb = b->t == T_ARR ? b->u.a.n : 1;
	arr_reserve(c, r, na + nb);
	if (a->t == T_ARR)
		for (size_t i = 0; i < a->u.a.n; i++)
			arr_push(c, r, a->u.a.it[i]);
	else
		arr_push(c, r, a);
	if (b->t == T_ARR)
		for (size_t i = 0; i < b->u.a.n; i++)
			arr_push(c, r, b->u.a.it[i]);
	else
		arr_push(c, r, b);
	return r;
}

static bool is_array_of(V *v, int t)
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
		input = seq1(c, input);
	long n = (long)input->u.a.n;
	if (pred->type == N_NUMBER) {
		long idx = (long)floor(pred->num);
		if (idx < 0)
			idx += n;
		if (idx >= 0 && idx < n) {
			V *item = input->u.a.it[idx];
			if (item) {
				if (item->t == T_ARR)
					results = item;
				else
					arr_push(c, results, item);
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
		V *res = eval(c, pred, ctx, e);
		if (res && res->t == T_NUM && is_num(c, res))
			res = seq1(c, res);
		if (is_array_of(res, T_NUM)) {
			for (size_t k = 0; k < res->u.a.n; k++) {
				long ii = (long)floor(res->u.a.it[k]->u.n);
				if (ii < 0)
					ii += n;
				if (ii == index)
					arr_push(c, results, item);
			}
		} else if (fn_boolean(c, res, NULL)) {
			arr_push(c, results, item);
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
					obj_set(c, result->u.a.it[e], st->var, v_num(c, (double)e));
	}
	return result;
}

/* ---- sorting (stable merge sort; swap when gt(a, b)) */

typedef bool (*GtFn)(Ctx *c, V *a, V *b, void *ud);

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

static V *sort_array(Ctx *c, V *arr, GtFn gt, void *ud, int fl)
{
	V *r = v_arr(c, fl);
	arr_reserve(c, r, arr->u.a.n);
	memcpy(r->u.a.it, arr->u.a.it, arr->u.a.n * sizeof(V *));
	r->u.a.n = arr->u.a.n;
	V **tmp = arena_alloc_raw(&c->ar, (arr->u.a.n + 1) * sizeof(V *));
	msort_rec(c, r->u.a.it, tmp, r->u.a.n, gt, ud);
	return r;
}

typedef struct SortCtx {
	const Node *node;
	Env *env;
	bool tuple;
} SortCtx;

static int str_cmp(V *a, V *b)
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
		V *aa = eval(c, term->expr, ca, ea);
		V *bb = eval(c, term->expr, cb, eb);
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
			throw_err(c, "T2008", NULL, !aok ? aa : bb, NULL, 0);
		if (aa->t != bb->t)
			throw_err(c, "T2007", NULL, aa, bb, 0);
		if (aa->t == T_NUM)
			comp = aa->u.n == bb->u.n ? 0 : aa->u.n < bb->u.n ? -1 : 1;
		else {
			int r = str_cmp(aa, bb);
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
		input = seq1(c, input);
	if (input->u.a.n <= 1)
		return input;
	SortCtx sc = {n, env, (input->fl & F_TUPLE) != 0};
	return sort_array(c, input, orderby_gt, &sc, F_SEQ | (input->fl & F_TUPLE));
}

static V *eval_step(Ctx *c, const Node *step, V *input, Env *env, bool last)
{
	if (!input || input->t != T_ARR)
		input = seq1(c, input);
	if (step->type == N_SORT) {
		V *r = eval_sort(c, step, input, env);
		if (step->stages.n)
			r = eval_stages(c, &step->stages, r, env);
		return r;
	}
	V *result = v_seq(c);
	for (size_t i = 0; i < input->u.a.n; i++) {
		V *res = eval(c, step, input->u.a.it[i], env);
		for (int s = 0; s < step->stages.n; s++)
			if (step->stages.v[s].type == 0)
				res = eval_filter(c, step->stages.v[s].expr, res, env);
		if (res)
			arr_push(c, result, res);
	}
	if (last && result->u.a.n == 1 && result->u.a.it[0]->t == T_ARR && !is_seq(result->u.a.it[0]))
		return result->u.a.it[0];
	V *rs = v_seq(c);
	for (size_t i = 0; i < result->u.a.n; i++) {
		V *r = result->u.a.it[i];
		if (r->t != T_ARR || (r->fl & F_CONS))
			arr_push(c, rs, r);
		else
			for (size_t j = 0; j < r->u.a.n; j++)
				arr_push(c, rs, r->u.a.it[j]);
	}
	return rs;
}

static V *new_tuple(Ctx *c, V *at)
{
	V *t = v_obj(c);
	obj_set(c, t, "@", at);
	return t;
}

static V *eval_tuple_step(Ctx *c, const Node *step, V *input, V *tb, Env *env)
{
	V *result;
	if (!input || input->t != T_ARR)
		input = seq1(c, input);
	if (step->type == N_SORT) {
		if (tb)
			result = eval_sort(c, step, tb, env);
		else {
			V *sorted = eval_sort(c, step, input, env);
			result = v_arr(c, F_SEQ | F_TUPLE);
			for (size_t s = 0; sorted && s < sorted->u.a.n; s++) {
				V *t = new_tuple(c, sorted->u.a.it[s]);
				if (step->index)
					obj_set(c, t, step->index, v_num(c, (double)s));
				arr_push(c, result, t);
			}
		}
		if (step->stages.n)
			result = eval_stages(c, &step->stages, result, env);
		return result;
	}
	result = v_arr(c, F_SEQ | F_TUPLE);
	if (!tb) {
		tb = v_arr(c, F_SEQ | F_TUPLE);
		for (size_t i = 0; i < input->u.a.n; i++)
			arr_push(c, tb, new_tuple(c, input->u.a.it[i]));
	}
	for (size_t ee = 0; ee < tb->u.a.n; ee++) {
		V *t = tb->u.a.it[ee];
		Env *se = frame_from_tuple(c, env, t);
		V *res = eval(c, step, tget(t, "@"), se);
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
					obj_setn(c, tuple, src->u.o.keys[k], src->u.o.klens[k], src->u.o.vals[k]);
			} else {
				if (step->focus) {
					obj_set(c, tuple, step->focus, items[bb]);
					obj_set(c, tuple, "@", tget(t, "@"));
				} else
					obj_set(c, tuple, "@", items[bb]);
				if (step->index)
					obj_set(c, tuple, step->index, v_num(c, (double)bb));
				if (step->ancestor)
					obj_set(c, tuple, step->ancestor->label, tget(t, "@"));
			}
			arr_push(c, result, tuple);
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
		inseq = seq1(c, input);
	V *res = NULL, *tb = NULL;
	bool tuple_stream = false;
	for (int ii = 0; ii < n->items.n; ii++) {
		const Node *step = n->items.v[ii];
		if (step->tuple)
			tuple_stream = true;
		if (ii == 0 && step->consarray)
			res = eval(c, step, inseq, env);
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
				arr_push(c, res, tget(tb->u.a.it[i], "@"));
		}
	}
	if (n->keep_singleton && res) {
		if (res->t == T_ARR && (res->fl & F_CONS) && !(res->fl & F_SEQ))
			res = seq1(c, res);
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
		arr_push(c, out, v);
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
				arr_push(c, results, val);
		}
	} else if (input && input->t == T_ARR) {
		for (size_t i = 0; i < input->u.a.n; i++) {
			V *val = input->u.a.it[i];
			if (val && val->t == T_ARR)
				flatten_into(c, val, results);
			else
				arr_push(c, results, val);
		}
	}
	return results;
}

static void recurse_desc(Ctx *c, V *input, V *results)
{
	if (!input || input->t != T_ARR)
		arr_push(c, results, input);
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

static bool deep_equal(V *a, V *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	if (a->t != b->t)
		return false;
	switch (a->t) {
	case T_NULL: return true;
	case T_BOOL: return a->u.b == b->u.b;
	case T_NUM: return a->u.n == b->u.n;
	case T_STR: return a->u.s.len == b->u.s.len && memcmp(a->u.s.s, b->u.s.s, a->u.s.len) == 0;
	case T_ARR:
		if (a->u.a.n != b->u.a.n)
			return false;
		for (size_t i = 0; i < a->u.a.n; i++)
			if (!deep_equal(a->u.a.it[i], b->u.a.it[i]))
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
			V *bv = obj_get(b, a->u.o.keys[i], a->u.o.klens[i], &found);
			if (!found || !deep_equal(a->u.o.vals[i], bv))
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
	char *s = arena_alloc_raw(&c->ar, n + 1);
	memcpy(s, a->u.s.s, a->u.s.len);
	memcpy(s + a->u.s.len, b->u.s.s, b->u.s.len);
	s[n] = 0;
	return v_strn(c, s, n);
}

static bool is_integer(V *v)
{
	return v && v->t == T_NUM && isfinite(v->u.n) && floor(v->u.n) == v->u.n;
}

static V *eval_binary(Ctx *c, const Node *n, V *input, Env *env)
{
	V *lhs = eval(c, n->lhs, input, env);
	int op = n->op;
	if (op == OP_AND || op == OP_OR) {
		bool l = fn_boolean(c, lhs, NULL);
		if (op == OP_AND && !l)
			return VFALSE;
		if (op == OP_OR && l)
			return VTRUE;
		V *rhs = eval(c, n->rhs, input, env);
		return VBOOL(fn_boolean(c, rhs, NULL));
	}
	V *rhs = eval(c, n->rhs, input, env);
	switch (op) {
	case OP_PLUS: case OP_MINUS: case OP_MUL: case OP_DIV: case OP_MOD: {
		if (lhs && !is_num(c, lhs))
			throw_err(c, "T2001", n->str, lhs, NULL, 0);
		if (rhs && !is_num(c, rhs))
			throw_err(c, "T2002", n->str, rhs, NULL, 0);
		if (!lhs || !rhs)
			return NULL;
		double a = lhs->u.n, b = rhs->u.n, r = 0;
		switch (op) {
		case OP_PLUS: r = a + b; break;
		case OP_MINUS: r = a - b; break;
		case OP_MUL: r = a * b; break;
		case OP_DIV: r = a / b; break;
		default: r = fmod(a, b); break;
		}
		return v_num(c, r);
	}
	case OP_EQ:
	case OP_NE:
		if (!lhs || !rhs)
			return VFALSE;
		return VBOOL(deep_equal(lhs, rhs) == (op == OP_EQ));
	case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
		bool lc = !lhs || lhs->t == T_STR || lhs->t == T_NUM;
		bool rc = !rhs || rhs->t == T_STR || rhs->t == T_NUM;
		if (!lc || !rc)
			throw_err(c, "T2010", n->str, !(lhs && (lhs->t == T_STR || lhs->t == T_NUM)) ? lhs : rhs, NULL, 0);
		if (!lhs || !rhs)
			return NULL;
		if (lhs->t != rhs->t)
			throw_err(c, "T2009", n->str, lhs, rhs, 0);
		int cmp;
		if (lhs->t == T_NUM)
			cmp = lhs->u.n < rhs->u.n ? -1 : lhs->u.n > rhs->u.n ? 1 : lhs->u.n == rhs->u.n ? 0 : 2;
		else
			cmp = str_cmp(lhs, rhs);
		if (cmp == 2)
			return VFALSE;
		switch (op) {
		case OP_LT: return VBOOL(cmp < 0);
		case OP_LE: return VBOOL(cmp <= 0);
		case OP_GT: return VBOOL(cmp > 0);
		default: return VBOOL(cmp >= 0);
		}
	}
	case OP_CONCAT: {
		V *ls = lhs ? fn_string(c, lhs, false) : v_strn(c, "", 0);
		V *rs = rhs ? fn_string(c, rhs, false) : v_strn(c, "", 0);
		return str_concat(c, ls, rs);
	}
	case OP_RANGE: {
		if (lhs && !is_integer(lhs))
			throw_err(c, "T2003", "..", lhs, NULL, 0);
		if (rhs && !is_integer(rhs))
			throw_err(c, "T2004", "..", rhs, NULL, 0);
		if (!lhs || !rhs)
			return NULL;
		if (lhs->u.n > rhs->u.n)
			return NULL;
		double size = rhs->u.n - lhs->u.n + 1;
		if (size > 1e7)
			throw_err(c, "D2014", "..", v_num(c, size), NULL, 0);
		V *r = v_seq(c);
		arr_reserve(c, r, (size_t)size);
		for (double x = lhs->u.n; x <= rhs->u.n; x++)
			r->u.a.it[r->u.a.n++] = v_num(c, x);
		return r;
	}
	case OP_IN: {
		if (!lhs || !rhs)
			return VFALSE;
		if (rhs->t != T_ARR)
			rhs = seq1(c, rhs);
		for (size_t i = 0; i < rhs->u.a.n; i++) {
			V *x = rhs->u.a.it[i];
			if (x == lhs)
				return VTRUE;
			if (x && x->t == lhs->t && x->t != T_ARR && x->t != T_OBJ && x->t != T_FN &&
			    deep_equal(x, lhs))
				return VTRUE;
		}
		return VFALSE;
	}
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
	V *result = v_obj(c);
	bool reduce = input && input->t == T_ARR && (input->fl & F_TUPLE);
	if (!input || input->t != T_ARR)
		input = seq1(c, input);
	if (input->u.a.n == 0) {
		input = v_seq(c);
		arr_push(c, input, NULL);
	}
	V *index = v_obj(c); /* key -> position in entries */
	GEntry *ents = NULL;
	int nents = 0, capents = 0;
	for (size_t ii = 0; ii < input->u.a.n; ii++) {
		V *item = input->u.a.it[ii];
		Env *e = reduce ? frame_from_tuple(c, env, item) : env;
		for (int pi = 0; pi < g->n; pi++) {
			V *key = eval(c, g->keys[pi], reduce ? tget(item, "@") : item, e);
			if (!key)
				continue;
			if (key->t != T_STR)
				throw_err(c, "T1003", NULL, key, NULL, 0);
			bool found;
			V *pos = obj_get(index, key->u.s.s, key->u.s.len, &found);
			if (found) {
				GEntry *ge = &ents[(size_t)pos->u.n];
				if (ge->expr != pi)
					throw_err(c, "D1009", NULL, key, NULL, 0);
				if (!ge->owned) {
					ge->owned = ge->data && item;
					ge->data = v_append(c, ge->data, item);
				} else if (item && item->t == T_ARR) {
					for (size_t k = 0; k < item->u.a.n; k++)
						arr_push(c, ge->data, item->u.a.it[k]);
				} else if (item)
					arr_push(c, ge->data, item);
			} else {
				ents = vec_grow(&c->ar, ents, nents, &capents, sizeof(GEntry));
				ents[nents] = (GEntry){key->u.s.s, key->u.s.len, item, pi, false};
				obj_setn(c, index, key->u.s.s, key->u.s.len, v_num(c, nents));
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
						V *prev = obj_get(tuple, t2->u.o.keys[q], t2->u.o.klens[q], NULL);
						obj_setn(c, tuple, t2->u.o.keys[q], t2->u.o.klens[q],
							 v_append(c, prev, t2->u.o.vals[q]));
					}
				}
			} else
				tuple = obj_copy(c, ge->data);
			ctx = tget(tuple, "@");
			obj_del(c, tuple, "@", 1);
			e = frame_from_tuple(c, env, tuple);
		}
		V *value = eval(c, g->vals[ge->expr], ctx, e);
		if (value)
			obj_setn(c, result, ge->key, ge->klen, value);
	}
	return result;
}

/* ------------------------------------------------ signature validation */

static char sym_of(V *v)
{
	if (!v)
		return 'm';
	switch (v->t) {
	case T_FN: return 'f';
	case T_STR: return 's';
	case T_NUM: return 'n';
	case T_BOOL: return 'b';
	case T_NULL: return 'l';
	case T_ARR: return 'a';
	default: return 'o';
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
	case 'a': return "arrays";
	case 'b': return "booleans";
	case 'f': return "functions";
	case 'n': return "numbers";
	case 'o': return "objects";
	case 's': return "strings";
	default: return "values";
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
		throw_err(c, "T0410", token, good < nargs ? args[good] : NULL, NULL, good + 1);
	}
	V **out = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(s->n + nargs + 1));
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
					throw_err(c, "T0411", token, context, NULL, ai + 1);
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
						if (single != 'a' && (len != 1 || q->sublen != 1 || q->subtype[0] != single))
							ok = false;
						else if (single == 'a' && arg->u.a.n > 0) {
							char it = sym_of(arg->u.a.it[0]);
							if (it != q->subtype[0])
								ok = false;
							else
								for (size_t j = 0; j < arg->u.a.n; j++)
									if (sym_of(arg->u.a.it[j]) != it)
										ok = false;
						}
					}
					if (!ok) {
						snprintf(c->code, sizeof c->code, "T0412");
						char *vs = val_to_text(c, arg);
						free(c->msg);
						c->msg = render_error("T0412", token, array_type_name(q->subtype[0]), NULL, ai + 1);
						free(vs);
						longjmp(c->jb, 1);
					}
					if (single != 'a')
						arg = seq1(c, arg), arg->fl = 0;
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
	V **va = validate(c, &b->sig, args, nargs, input, token ? token : b->name, &n);
	return b->fn(c, va, n, input, env);
}

static V *apply_procedure(Ctx *c, Fn *f, V **args, int nargs)
{
	Env *e = env_new(c, f->env);
	for (int i = 0; i < f->nparams; i++)
		env_bind(c, e, f->params[i], i < nargs ? args[i] : NULL);
	return eval(c, f->node->body, f->input, e);
}

static V *transform_apply(Ctx *c, Fn *f, V *obj);
static V *regex_call(Ctx *c, Fn *f, V *str);

static V *apply_inner(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token)
{
	if (!proc || proc->t != T_FN)
		throw_err(c, "T1006", token, NULL, NULL, 0);
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
		V **full = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(f->nargs + 1));
		int k = 0;
		for (int i = 0; i < f->nargs; i++)
			full[i] = f->args[i] == VHOLE ? (k < nargs ? args[k++] : NULL) : f->args[i];
		return call_builtin(c, f->bi, full, f->nargs, input, env, token);
	}
	case FN_COMPOSE: {
		V *r = apply(c, f->f1, args, nargs, input, env, token);
		return apply(c, f->f2, &r, 1, input, env, token);
	}
	case FN_TRANSFORM: {
		V *a = nargs > 0 ? args[0] : NULL;
		if (a && a->t != T_OBJ && a->t != T_ARR)
			throw_err(c, "T0410", token, a, NULL, 1);
		if (nargs > 1)
			throw_err(c, "T0410", token, args[1], NULL, 2);
		return transform_apply(c, f, a);
	}
	case FN_REGEX:
		return regex_call(c, f, nargs > 0 ? args[0] : NULL);
	}
	return NULL;
}

static V *apply(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token)
{
	V *r = apply_inner(c, proc, args, nargs, input, env, token);
	while (r && r->t == T_FN && r->u.f->kind == FN_LAMBDA && r->u.f->thunk) {
		Fn *th = r->u.f;
		const Node *call = th->node->body;
		V *next = eval(c, call->proc, th->input, th->env);
		int na = call->items.n;
		V **ea = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
		for (int i = 0; i < na; i++)
			ea[i] = eval(c, call->items.v[i], th->input, th->env);
		const char *tok = call->proc->type == N_VARIABLE ? call->proc->str : token;
		r = apply_inner(c, next, ea, na, input, env, tok);
	}
	return r;
}

static int fn_arity(V *f)
{
	if (!f || f->t != T_FN)
		return 0;
	switch (f->u.f->kind) {
	case FN_LAMBDA: return f->u.f->nparams;
	case FN_BUILTIN: return f->u.f->bi->arity;
	case FN_PARTIAL: {
		int k = 0;
		for (int i = 0; i < f->u.f->nargs; i++)
			k += f->u.f->args[i] == VHOLE;
		return k;
	}
	default: return 1;
	}
}

/* Call a function argument of a higher-order built-in with up to 3 args,
 * as many as its arity takes. */
static V *hof_call(Ctx *c, V *func, V *a1, V *a2, V *a3, Env *env)
{
	V *args[3] = {a1, a2, a3};
	int ar = fn_arity(func);
	int n = 1;
	if (ar >= 2)
		n = 2;
	if (ar >= 3)
		n = 3;
	return apply(c, func, args, n, NULL, env, NULL);
}

static const char *proc_name(const Node *proc)
{
	if (proc->type == N_PATH && proc->items.n > 0)
		return proc->items.v[0]->str;
	return proc->str;
}

static V *eval_function(Ctx *c, const Node *n, V *input, Env *env, V *applyto, bool has_applyto)
{
	V *proc = eval(c, n->proc, input, env);
	if (!proc && n->proc->type == N_PATH && n->proc->items.v[0]->str) {
		bool found = false;
		env_lookup(c, env, n->proc->items.v[0]->str, &found);
		if (found)
			throw_err(c, "T1005", n->proc->items.v[0]->str, NULL, NULL, 0);
	}
	int na = n->items.n + (has_applyto ? 1 : 0), k = 0;
	V **args = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
	if (has_applyto)
		args[k++] = applyto;
	for (int i = 0; i < n->items.n; i++)
		args[k++] = eval(c, n->items.v[i], input, env);
	return apply(c, proc, args, na, input, env, proc_name(n->proc));
}

static V *eval_partial(Ctx *c, const Node *n, V *input, Env *env)
{
	int na = n->items.n;
	V **args = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(na + 1));
	for (int i = 0; i < na; i++)
		args[i] = n->items.v[i]->type == N_PLACEHOLDER ? VHOLE : eval(c, n->items.v[i], input, env);
	V *proc = eval(c, n->proc, input, env);
	if (!proc && n->proc->type == N_PATH && n->proc->items.v[0]->str) {
		bool found = false;
		env_lookup(c, env, n->proc->items.v[0]->str, &found);
		if (found)
			throw_err(c, "T1007", n->proc->items.v[0]->str, NULL, NULL, 0);
	}
	if (!proc || proc->t != T_FN)
		throw_err(c, "T1008", proc_name(n->proc), NULL, NULL, 0);
	Fn *f = proc->u.f, *r = arena_zalloc(&c->ar, sizeof(Fn));
	if (f->kind == FN_LAMBDA) {
		*r = *f;
		r->thunk = false;
		r->env = env_new(c, f->env);
		r->params = arena_alloc_raw(&c->ar, sizeof(char *) * (size_t)(f->nparams + 1));
		r->nparams = 0;
		for (int i = 0; i < f->nparams; i++) {
			V *a = i < na ? args[i] : NULL;
			if (a == VHOLE)
				r->params[r->nparams++] = f->params[i];
			else
				env_bind(c, r->env, f->params[i], a);
		}
		return v_fn(c, r);
	}
	if (f->kind == FN_BUILTIN) {
		r->kind = FN_PARTIAL;
		r->bi = f->bi;
		r->args = args;
		r->nargs = na;
		return v_fn(c, r);
	}
	if (f->kind == FN_PARTIAL) {
		*r = *f;
		r->args = arena_alloc_raw(&c->ar, sizeof(V *) * (size_t)(f->nargs + 1));
		int k = 0;
		for (int i = 0; i < f->nargs; i++)
			r->args[i] = f->args[i] == VHOLE && k < na ? args[k++] : f->args[i];
		return v_fn(c, r);
	}
	throw_err(c, "T1008", proc_name(n->proc), NULL, NULL, 0);
}

static V *eval_lambda(Ctx *c, const Node *n, V *input, Env *env)
{
	Fn *f = arena_zalloc(&c->ar, sizeof(Fn));
	f->kind = FN_LAMBDA;
	f->node = n;
	f->input = input;
	f->env = env;
	f->sig = n->sig;
	f->thunk = n->thunk;
	f->nparams = n->items.n;
	f->params = arena_alloc_raw(&c->ar, sizeof(char *) * (size_t)(n->items.n + 1));
	for (int i = 0; i < n->items.n; i++)
		f->params[i] = n->items.v[i]->str;
	return v_fn(c, f);
}

static V *eval_apply(Ctx *c, const Node *n, V *input, Env *env)
{
	V *lhs = eval(c, n->lhs, input, env);
	if (n->rhs->type == N_FUNCTION)
		return eval_function(c, n->rhs, input, env, lhs, true);
	V *func = eval(c, n->rhs, input, env);
	if (!func || func->t != T_FN)
		throw_err(c, "T2006", "~>", func, NULL, 0);
	if (lhs && lhs->t == T_FN) {
		Fn *f = arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_COMPOSE;
		f->f1 = lhs;
		f->f2 = func;
		return v_fn(c, f);
	}
	return apply(c, func, &lhs, 1, NULL, env, NULL);
}

static V *deep_copy(Ctx *c, V *v)
{
	if (!v)
		return NULL;
	if (v->t == T_ARR) {
		V *r = v_arr(c, v->fl & ~(F_SEQ | F_KEEP | F_OUTER | F_TUPLE));
		arr_reserve(c, r, v->u.a.n);
		for (size_t i = 0; i < v->u.a.n; i++)
			arr_push(c, r, deep_copy(c, v->u.a.it[i]));
		return r;
	}
	if (v->t == T_OBJ) {
		V *r = v_obj(c);
		for (size_t i = 0; i < v->u.o.n; i++)
			obj_setn(c, r, v->u.o.keys[i], v->u.o.klens[i], deep_copy(c, v->u.o.vals[i]));
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
		throw_err(c, "T2013", NULL, NULL, NULL, 0);
	V *result = found && !(cl->u.f->kind == FN_BUILTIN) ? apply(c, cl, &obj, 1, NULL, f->env, NULL)
							    : deep_copy(c, obj);
	V *matches = eval(c, n->pattern, result, f->env);
	if (!matches)
		return result;
	if (matches->t != T_ARR)
		matches = seq1(c, matches);
	for (size_t i = 0; i < matches->u.a.n; i++) {
		V *match = matches->u.a.it[i];
		V *update = eval(c, n->update, match, f->env);
		if (update) {
			if (update->t != T_OBJ)
				throw_err(c, "T2011", NULL, update, NULL, 0);
			if (match && match->t == T_OBJ)
				for (size_t k = 0; k < update->u.o.n; k++)
					if (update->u.o.vals[k])
						obj_setn(c, match, update->u.o.keys[k], update->u.o.klens[k],
							 update->u.o.vals[k]);
		}
		if (n->del) {
			V *dels = eval(c, n->del, match, f->env);
			if (dels) {
				V *val = dels;
				if (dels->t != T_ARR)
					dels = seq1(c, dels);
				if (!is_array_of(dels, T_STR))
					throw_err(c, "T2012", NULL, val, NULL, 0);
				if (match && match->t == T_OBJ)
					for (size_t k = 0; k < dels->u.a.n; k++)
						obj_del(c, match, dels->u.a.it[k]->u.s.s, dels->u.a.it[k]->u.s.len);
			}
		}
	}
	return result;
}

static void check_limits(Ctx *c)
{
	char here;
	if (c->depth > c->max_depth || (size_t)(c->stack_base - &here) > c->stack_budget)
		throw_msg(c, "U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
	if (c->has_deadline && (++c->steps & 255) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > c->deadline.tv_sec ||
		    (now.tv_sec == c->deadline.tv_sec && now.tv_nsec > c->deadline.tv_nsec))
			throw_msg(c, "U1001", "Expression evaluation timeout: Check for infinite loop");
	}
}

static V *eval(Ctx *c, const Node *n, V *input, Env *env)
{
	V *r = NULL;
	int outer_pos = c->pos; /* an error reports the innermost node */
	c->pos = n->pos;
	c->depth++;
	check_limits(c);
	switch (n->type) {
	case N_PATH: r = eval_path(c, n, input, env); break;
	case N_BINARY: r = eval_binary(c, n, input, env); break;
	case N_NEG:
		r = eval(c, n->expr, input, env);
		if (r) {
			if (is_num(c, r))
				r = v_num(c, -r->u.n);
			else
				throw_err(c, "D1002", "-", r, NULL, 0);
		}
		break;
	case N_ARRAY: {
		r = v_arr(c, 0);
		for (int i = 0; i < n->items.n; i++) {
			const Node *item = n->items.v[i];
			V *val = eval(c, item, input, env);
			if (!val)
				continue;
			if (item->type == N_ARRAY || val->t != T_ARR)
				arr_push(c, r, val);
			else
				for (size_t j = 0; j < val->u.a.n; j++)
					arr_push(c, r, val->u.a.it[j]);
		}
		if (n->consarray)
			r->fl |= F_CONS;
		break;
	}
	case N_OBJECT: r = eval_group(c, n->grp, input, env); break;
	case N_NAME: r = lookup_field(c, input, n->str, n->slen); break;
	case N_STRING: r = v_strn(c, n->str, n->slen); break;
	case N_NUMBER: r = v_num(c, n->num); break;
	case N_VALUE: r = n->vkind == 0 ? VNULL : VBOOL(n->vkind == 1); break;
	case N_WILDCARD: r = eval_wildcard(c, input); break;
	case N_DESCENDANT: r = eval_descendants(c, input); break;
	case N_PARENT: r = env_lookup(c, env, n->slot->label, NULL); break;
	case N_CONDITION: {
		V *cond = eval(c, n->cond, input, env);
		if (fn_boolean(c, cond, NULL))
			r = eval(c, n->then, input, env);
		else if (n->els)
			r = eval(c, n->els, input, env);
		break;
	}
	case N_BLOCK: {
		Env *f = env_new(c, env);
		for (int i = 0; i < n->items.n; i++)
			r = eval(c, n->items.v[i], input, f);
		break;
	}
	case N_BIND:
		r = eval(c, n->rhs, input, env);
		env_bind(c, env, n->lhs->str, r);
		break;
	case N_REGEX: {
		Fn *f = arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_REGEX;
		f->node = n;
		r = v_fn(c, f);
		break;
	}
	case N_FUNCTION: r = eval_function(c, n, input, env, NULL, false); break;
	case N_PARTIAL: r = eval_partial(c, n, input, env); break;
	case N_VARIABLE:
		if (n->slen == 0)
			r = input && input->t == T_ARR && (input->fl & F_OUTER) ? input->u.a.it[0] : input;
		else
			r = env_lookup(c, env, n->str, NULL);
		break;
	case N_LAMBDA: r = eval_lambda(c, n, input, env); break;
	case N_APPLY: r = eval_apply(c, n, input, env); break;
	case N_TRANSFORM: {
		Fn *f = arena_zalloc(&c->ar, sizeof(Fn));
		f->kind = FN_TRANSFORM;
		f->node = n;
		f->env = env;
		r = v_fn(c, f);
		break;
	}
	case N_SORT: r = eval_sort(c, n, input, env); break;
	default: break;
	}
	for (int i = 0; i < n->pred.n; i++)
		r = eval_filter(c, n->pred.v[i].expr, r, env);
	if (n->type != N_PATH && n->group)
		r = eval_group(c, n->group, r, env);
	c->pos = outer_pos;
	c->depth--;
	if (r && is_seq(r) && !(r->fl & F_TUPLE)) {
		if (n->keep_array)
			r->fl |= F_KEEP;
		if (r->u.a.n == 0)
			r = NULL;
		else if (r->u.a.n == 1 && !(r->fl & F_KEEP))
			r = r->u.a.it[0];
	}
	return r;
}

/* ============================================================ built-ins */

#define ARG(i) ((i) < n ? a[(i)] : NULL)
#define UNUSED_BI (void)input, (void)env

static V *fn_string(Ctx *c, V *v, bool pretty)
{
	if (!v)
		return NULL;
	if (v->t == T_STR)
		return v;
	if (v->t == T_FN)
		return v_strn(c, "", 0);
	if (v->t == T_NUM && !isfinite(v->u.n))
		throw_err(c, "D3001", NULL, v, NULL, 0);
	if (v->t == T_ARR && (v->fl & F_OUTER) && v->u.a.n)
		v = v->u.a.it[0];
	Buf b = {.ar = &c->ar};
	stringify(c, &b, v, pretty, 0, true);
	return v_strn(c, b.s, b.n);
}

static bool fn_boolean(Ctx *c, V *v, bool *undef)
{
	if (undef)
		*undef = !v;
	if (!v)
		return false;
	switch (v->t) {
	case T_ARR:
		if (v->u.a.n == 1)
			return fn_boolean(c, v->u.a.it[0], NULL);
		for (size_t i = 0; i < v->u.a.n; i++)
			if (fn_boolean(c, v->u.a.it[i], NULL))
				return true;
		return false;
	case T_STR: return v->u.s.len > 0;
	case T_NUM: return is_num(c, v) && v->u.n != 0;
	case T_OBJ: return v->u.o.n > 0;
	case T_BOOL: return v->u.b;
	default: return false;
	}
}

static V *bi_string(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool pretty = ARG(1) && ARG(1)->u.b;
	return fn_string(c, ARG(0), pretty);
}

static V *bi_length(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	return v_num(c, (double)utf8_len(s->u.s.s, s->u.s.len));
}

static double js_trunc_int(double d)
{
	if (isnan(d))
		return 0;
	return trunc(d);
}

static V *bi_substring(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	double len = (double)utf8_len(s->u.s.s, s->u.s.len);
	double start = js_trunc_int(ARG(1)->u.n);
	if (len + start < 0)
		start = 0;
	double end = len;
	if (ARG(2)) {
		double l = ARG(2)->u.n;
		if (l <= 0)
			return v_strn(c, "", 0);
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
		return v_strn(c, "", 0);
	size_t b0 = utf8_off(s->u.s.s, s->u.s.len, (size_t)start);
	size_t b1 = utf8_off(s->u.s.s, s->u.s.len, (size_t)end);
	return v_strcopy(c, s->u.s.s + b0, b1 - b0);
}

static const char *mem_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	if (nn > hn)
		return NULL;
	return memmem(h, hn, nd, nn);
}

static V *bi_substring_before(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *ch = ARG(1);
	if (!s)
		return NULL;
	const char *p = mem_find(s->u.s.s, s->u.s.len, ch->u.s.s, ch->u.s.len);
	if (!p)
		return s;
	return v_strcopy(c, s->u.s.s, (size_t)(p - s->u.s.s));
}

static V *bi_substring_after(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *ch = ARG(1);
	if (!s)
		return NULL;
	const char *p = mem_find(s->u.s.s, s->u.s.len, ch->u.s.s, ch->u.s.len);
	if (!p)
		return s;
	size_t off = (size_t)(p - s->u.s.s) + ch->u.s.len;
	return v_strn(c, s->u.s.s + off, s->u.s.len - off);
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
		int cp = utf8_decode(s->u.s.s, s->u.s.len, &i);
		if (cp < 128)
			cp = upper ? toupper(cp) : tolower(cp);
		else if (g_loc)
			cp = (int)(upper ? towupper_l((wint_t)cp, g_loc) : towlower_l((wint_t)cp, g_loc));
		utf8_put(&b, (unsigned)cp);
	}
	buf_cstr(&b);
	return v_strn(c, b.s, b.n);
}

static V *bi_uppercase(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? case_map(c, ARG(0), true) : NULL;
}

static V *bi_lowercase(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? case_map(c, ARG(0), false) : NULL;
}

static V *bi_trim(Ctx *c, V **a, int n, V *input, Env *env)
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
				buf_putc(&b, ' ');
			ws = true;
		} else {
			buf_putc(&b, ch);
			ws = false;
		}
	}
	buf_cstr(&b);
	const char *p = b.s;
	size_t len = b.n;
	if (len && p[0] == ' ') {
		p++;
		len--;
	}
	if (len && p[len - 1] == ' ')
		len--;
	return v_strcopy(c, p, len);
}

static V *bi_pad(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	double width = ARG(1)->u.n;
	const char *ch = " ";
	size_t chl = 1;
	if (ARG(2) && ARG(2)->u.s.len) {
		ch = ARG(2)->u.s.s;
		chl = ARG(2)->u.s.len;
	}
	double padlen = fabs(width) - (double)utf8_len(s->u.s.s, s->u.s.len);
	if (padlen <= 0)
		return s;
	if (padlen * (double)(chl > 4 ? chl : 4) > (double)EVAL_MEMORY_LIMIT)
		throw_err(c, "D1001", NULL, ARG(1), NULL, 0);
	size_t pl = (size_t)ceil(padlen);
	Buf pad = {.ar = &c->ar};
	size_t chcp = utf8_len(ch, chl), got = 0;
	while (got < pl) {
		size_t take = pl - got < chcp ? pl - got : chcp;
		buf_put(&pad, ch, utf8_off(ch, chl, take));
		got += take;
	}
	Buf b = {.ar = &c->ar};
	if (width > 0) {
		buf_put(&b, s->u.s.s, s->u.s.len);
		buf_put(&b, pad.s, pad.n);
	} else {
		buf_put(&b, pad.s, pad.n);
		buf_put(&b, s->u.s.s, s->u.s.len);
	}
	return v_strn(c, b.s, b.n);
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
		m->groups = arena_alloc_raw(&c->ar, sizeof(V *) * (capcount + 1));
		for (uint32_t g = 1; g <= capcount; g++) {
			if (g < cnt && (int)g < rc && ov[2 * g] != PCRE2_UNSET)
				m->groups[g - 1] = v_strcopy(c, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
			else
				m->groups[g - 1] = v_strn(c, "", 0);
		}
		ok = true;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		throw_msg(c, "U1001", "Regular expression evaluation exceeded its limits");
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
		throw_err(c, "D1004", NULL, v_strn(c, it->rn->str, it->rn->slen), NULL, 0);
	it->first = false;
	it->last = m->end;
	return true;
}

static const Node *regex_of(Ctx *c, V *f, const char *token)
{
	if (f && f->t == T_FN && f->u.f->kind == FN_REGEX)
		return f->u.f->node;
	throw_err(c, "T1010", token, NULL, NULL, 0);
}

static V *match_obj(Ctx *c, const char *s, Match *m, bool with_end)
{
	V *o = v_obj(c);
	obj_set(c, o, "match", v_strcopy(c, s + m->start, m->end - m->start));
	if (with_end) {
		obj_set(c, o, "start", v_num(c, (double)utf16_units(s, m->start)));
		obj_set(c, o, "end", v_num(c, (double)utf16_units(s, m->end)));
	} else
		obj_set(c, o, "index", v_num(c, (double)utf16_units(s, m->start)));
	V *g = v_arr(c, 0);
	for (int i = 0; i < m->ng; i++)
		arr_push(c, g, m->groups[i]);
	obj_set(c, o, "groups", g);
	return o;
}

static V *regex_call(Ctx *c, Fn *f, V *str)
{
	if (!str || str->t != T_STR)
		return NULL;
	Match m;
	if (!re_exec(c, f->node, str->u.s.s, str->u.s.len, 0, &m))
		return NULL;
	return match_obj(c, str->u.s.s, &m, true);
}

static V *bi_contains(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *t = ARG(1);
	if (!s)
		return NULL;
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
	V *m = apply(c, fn, args, 1, input, env, "match");
	double count = 0;
	while (m && (!lim || count < lim->u.n)) {
		V *start = m->t == T_OBJ ? obj_get(m, "start", 5, NULL) : NULL;
		V *next = m->t == T_OBJ ? obj_get(m, "next", 4, NULL) : NULL;
		if (!start || start->t != T_NUM || !next || next->t != T_FN)
			throw_err(c, "T1010", "match", NULL, NULL, 0);
		V *o = v_obj(c), *mt = obj_get(m, "match", 5, NULL), *g = obj_get(m, "groups", 6, NULL);
		if (mt)
			obj_set(c, o, "match", mt);
		obj_set(c, o, "index", start);
		if (g)
			obj_set(c, o, "groups", g);
		arr_push(c, r, o);
		count++;
		m = apply(c, next, NULL, 0, input, env, "match");
	}
	return r;
}

static V *bi_match(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *re = ARG(1), *lim = ARG(2);
	if (!s)
		return NULL;
	if (lim && lim->u.n < 0)
		throw_err(c, "D3040", "match", lim, NULL, 3);
	V *r = v_seq(c);
	if (lim && lim->u.n <= 0)
		return r;
	if (re && re->t == T_FN && re->u.f->kind != FN_REGEX)
		return match_with_function(c, s, re, lim, r, input, env);
	ReIter it = {regex_of(c, re, "match"), s->u.s.s, s->u.s.len, 0, true};
	Match m;
	double count = 0;
	while ((!lim || count < lim->u.n) && re_next(c, &it, &m)) {
		arr_push(c, r, match_obj(c, s->u.s.s, &m, false));
		count++;
	}
	return r;
}

static V *bi_replace(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *pat = ARG(1), *rep = ARG(2), *lim = ARG(3);
	if (!s)
		return NULL;
	if (pat->t == T_STR && pat->u.s.len == 0)
		throw_err(c, "D3010", "replace", pat, NULL, 2);
	if (lim && lim->u.n < 0)
		throw_err(c, "D3011", "replace", lim, NULL, 4);
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
			buf_put(&b, str + pos, (size_t)(p - str - pos));
			if (rep->t == T_STR)
				buf_put(&b, rep->u.s.s, rep->u.s.len);
			pos = (size_t)(p - str) + pat->u.s.len;
			count++;
		}
		buf_put(&b, str + pos, len - pos);
		return v_strn(c, buf_cstr(&b), b.n);
	}
	ReIter it = {regex_of(c, pat, "replace"), str, len, 0, true};
	Match m;
	bool any = false;
	while ((!lim || count < lim->u.n) && re_next(c, &it, &m)) {
		any = true;
		buf_put(&b, str + pos, m.start - pos);
		if (rep->t == T_STR) {
			const char *r = rep->u.s.s;
			size_t rl = rep->u.s.len, rp = 0;
			while (rp < rl) {
				const char *d = memchr(r + rp, '$', rl - rp);
				if (!d) {
					buf_put(&b, r + rp, rl - rp);
					break;
				}
				buf_put(&b, r + rp, (size_t)(d - r - rp));
				rp = (size_t)(d - r) + 1;
				char dv = rp < rl ? r[rp] : 0;
				if (dv == '$') {
					buf_putc(&b, '$');
					rp++;
				} else if (dv == '0') {
					buf_put(&b, str + m.start, m.end - m.start);
					rp++;
				} else {
					int maxd = m.ng == 0 ? 1 : (int)floor(log10((double)m.ng)) + 1;
					int idx = -1, used = 0;
					char digits[8] = {0};
					int k = 0;
					while (k < maxd && rp + (size_t)k < rl && isdigit((unsigned char)r[rp + (size_t)k])) {
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
							buf_put(&b, m.groups[idx - 1]->u.s.s, m.groups[idx - 1]->u.s.len);
						char tmp[16];
						used = snprintf(tmp, sizeof tmp, "%d", idx);
						rp += (size_t)used;
					} else
						buf_putc(&b, '$');
				}
			}
		} else {
			V *mo = match_obj(c, str, &m, true);
			V *res = apply(c, rep, &mo, 1, NULL, env, "replace");
			if (!res || res->t != T_STR)
				throw_err(c, "D3012", "replace", res, NULL, 0);
			buf_put(&b, res->u.s.s, res->u.s.len);
		}
		pos = m.end;
		count++;
	}
	if (!any)
		return s;
	buf_put(&b, str + pos, len - pos);
	return v_strn(c, buf_cstr(&b), b.n);
}

static V *bi_split(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0), *sep = ARG(1), *lim = ARG(2);
	if (!s)
		return NULL;
	if (lim && lim->u.n < 0)
		throw_err(c, "D3020", "split", lim, NULL, 3);
	V *r = v_arr(c, 0);
	if (lim && lim->u.n <= 0)
		return r;
	double limit = lim ? floor(lim->u.n) : 1e300;
	const char *str = s->u.s.s;
	size_t len = s->u.s.len;
	if (sep->t == T_STR) {
		if (sep->u.s.len == 0) {
			size_t i = 0;
			while (i < len && r->u.a.n < limit) {
				size_t st = i;
				utf8_decode(str, len, &i);
				arr_push(c, r, v_strcopy(c, str + st, i - st));
			}
			return r;
		}
		size_t pos = 0;
		const char *p;
		while (r->u.a.n < limit && (p = mem_find(str + pos, len - pos, sep->u.s.s, sep->u.s.len))) {
			arr_push(c, r, v_strcopy(c, str + pos, (size_t)(p - str - pos)));
			pos = (size_t)(p - str) + sep->u.s.len;
		}
		if (r->u.a.n < limit)
			arr_push(c, r, v_strn(c, str + pos, len - pos));
		return r;
	}
	ReIter it = {regex_of(c, sep, "split"), str, len, 0, true};
	Match m;
	size_t start = 0;
	double count = 0;
	bool any = false;
	while (count < limit && re_next(c, &it, &m)) {
		any = true;
		arr_push(c, r, v_strcopy(c, str + start, m.start > start ? m.start - start : 0));
		start = m.end;
		count++;
	}
	if (!any || count < limit)
		arr_push(c, r, v_strn(c, str + start, len - start));
	return r;
}

static V *bi_join(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *sep = ARG(1);
	if (!arr)
		return NULL;
	size_t total = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		total += arr->u.a.it[i]->u.s.len + (i && sep ? sep->u.s.len : 0);
	if (total > EVAL_MEMORY_LIMIT)
		memory_exceeded(&c->ar);
	Buf b = {.ar = &c->ar};
	for (size_t i = 0; i < arr->u.a.n; i++) {
		if (i && sep)
			buf_put(&b, sep->u.s.s, sep->u.s.len);
		buf_put(&b, arr->u.a.it[i]->u.s.s, arr->u.a.it[i]->u.s.len);
	}
	return v_strn(c, buf_cstr(&b), b.n);
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

static V *bi_number(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	if (v->t == T_NUM)
		return v;
	if (v->t == T_BOOL)
		return v_num(c, v->u.b ? 1 : 0);
	if (v->t == T_STR) {
		const char *s = v->u.s.s;
		size_t len = v->u.s.len;
		if (num_re(s, len)) {
			char *t = arena_strndup(&c->ar, s, len);
			double d = strtod(t, NULL);
			if (isfinite(d))
				return v_num(c, d);
		}
		if (len > 2 && s[0] == '0') {
			int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : (s[1] == 'b' || s[1] == 'B') ? 2 : 0;
			if (base) {
				double d = 0;
				bool ok = true;
				for (size_t i = 2; i < len; i++) {
					int dv = isdigit((unsigned char)s[i]) ? s[i] - '0' : isalpha((unsigned char)s[i]) ? tolower(s[i]) - 'a' + 10 : 99;
					if (dv >= base) {
						ok = false;
						break;
					}
					d = d * base + dv;
				}
				if (ok)
					return v_num(c, d);
			}
		}
	}
	throw_err(c, "D3030", "number", v, NULL, 1);
}

static V *bi_abs(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? v_num(c, fabs(ARG(0)->u.n)) : NULL;
}

static V *bi_floor(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? v_num(c, floor(ARG(0)->u.n) + 0.0) : NULL;
}

static V *bi_ceil(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return ARG(0) ? v_num(c, ceil(ARG(0)->u.n) + 0.0) : NULL;
}

static double shift_dec(double x, int by)
{
	/* +(x.toString().split('e') ... 'e' + (exp + by)) */
	char buf[64], out[80];
	js_num(buf, x);
	char *e = strchr(buf, 'e');
	int exp = 0;
	if (e) {
		exp = atoi(e + 1);
		*e = 0;
	}
	snprintf(out, sizeof out, "%se%d", buf, exp + by);
	return strtod(out, NULL);
}

static V *bi_round(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	double x = v->u.n;
	int prec = ARG(1) ? (int)ARG(1)->u.n : 0;
	if (prec)
		x = shift_dec(x, prec);
	double r = floor(x + 0.5);
	double diff = r - x;
	if (fabs(diff) == 0.5 && fabs(fmod(r, 2)) == 1)
		r = r - 1;
	if (prec)
		r = shift_dec(r, -prec);
	if (r == 0)
		r = 0;
	return v_num(c, r);
}

static V *bi_power(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	double r = pow(ARG(0)->u.n, ARG(1)->u.n);
	if (!isfinite(r))
		throw_err(c, "D3061", "power", ARG(0), ARG(1), 0);
	return v_num(c, r);
}

static V *bi_sqrt(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	if (ARG(0)->u.n < 0)
		throw_err(c, "D3060", "sqrt", ARG(0), NULL, 1);
	return v_num(c, sqrt(ARG(0)->u.n));
}

static double next_random(Ctx *c)
{
	/* xorshift64* seeded per evaluation from the OS */
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static V *bi_random(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (ARG(0)) {
		/* java.util.Random(seed).nextDouble() */
		int64_t seed = (int64_t)floor(ARG(0)->u.n);
		uint64_t s = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1);
		uint64_t parts[2];
		int bits[2] = {26, 27};
		for (int i = 0; i < 2; i++) {
			s = (s * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
			parts[i] = s >> (48 - bits[i]);
		}
		return v_num(c, (double)((parts[0] << 27) + parts[1]) * (1.0 / (double)(1ULL << 53)));
	}
	return v_num(c, next_random(c));
}

static V *bi_sum(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	double t = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		t += arr->u.a.it[i]->u.n;
	return v_num(c, t);
}

static V *bi_max(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = -INFINITY;
	for (size_t i = 0; i < arr->u.a.n; i++)
		if (arr->u.a.it[i]->u.n > t)
			t = arr->u.a.it[i]->u.n;
	return v_num(c, t);
}

static V *bi_min(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = INFINITY;
	for (size_t i = 0; i < arr->u.a.n; i++)
		if (arr->u.a.it[i]->u.n < t)
			t = arr->u.a.it[i]->u.n;
	return v_num(c, t);
}

static V *bi_average(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr || arr->u.a.n == 0)
		return NULL;
	double t = 0;
	for (size_t i = 0; i < arr->u.a.n; i++)
		t += arr->u.a.it[i]->u.n;
	return v_num(c, t / (double)arr->u.a.n);
}

static V *bi_count(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return v_num(c, ARG(0) ? (double)ARG(0)->u.a.n : 0);
}

static V *bi_boolean(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool u;
	bool r = fn_boolean(c, ARG(0), &u);
	return u ? NULL : VBOOL(r);
}

static V *bi_not(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	bool u;
	bool r = fn_boolean(c, ARG(0), &u);
	return u ? NULL : VBOOL(!r);
}

static V *bi_exists(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)c;
	return VBOOL(ARG(0) != NULL);
}

/* ---- arrays / objects / higher order */

static V *bi_append(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *x = ARG(0), *y = ARG(1);
	if (!x)
		return y;
	if (!y)
		return x;
	return v_append(c, x, y);
}

static V *bi_reverse(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	if (arr->u.a.n <= 1)
		return arr;
	V *r = v_arr(c, 0);
	for (size_t i = arr->u.a.n; i-- > 0;)
		arr_push(c, r, arr->u.a.it[i]);
	return r;
}

static bool gt_natural(Ctx *c, V *x, V *y, void *ud)
{
	(void)c;
	(void)ud;
	if (x->t == T_NUM)
		return x->u.n > y->u.n;
	return str_cmp(x, y) > 0;
}

typedef struct FnSort {
	V *fn;
	Env *env;
} FnSort;

static bool gt_fn(Ctx *c, V *x, V *y, void *ud)
{
	FnSort *fs = ud;
	V *args[2] = {x, y};
	V *r = apply(c, fs->fn, args, 2, NULL, fs->env, "sort");
	return fn_boolean(c, r, NULL);
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
		if (!is_array_of(arr, T_NUM) && !is_array_of(arr, T_STR))
			throw_err(c, "D3070", "sort", NULL, NULL, 1);
		return sort_array(c, arr, gt_natural, NULL, 0);
	}
	FnSort fs = {f, env};
	return sort_array(c, arr, gt_fn, &fs, 0);
}

static V *bi_shuffle(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0);
	if (!arr)
		return NULL;
	if (arr->u.a.n <= 1)
		return arr;
	V *r = v_append(c, v_arr(c, 0), arr);
	for (size_t i = r->u.a.n - 1; i > 0; i--) {
		size_t j = (size_t)(next_random(c) * (double)(i + 1));
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
	V *r = v_arr(c, is_seq(arr) ? F_SEQ : 0);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		bool dup = false;
		for (size_t j = 0; j < r->u.a.n && !dup; j++)
			dup = deep_equal(arr->u.a.it[i], r->u.a.it[j]);
		if (!dup)
			arr_push(c, r, arr->u.a.it[i]);
	}
	return r;
}

static V *bi_zip(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *r = v_arr(c, 0);
	size_t len = SIZE_MAX;
	for (int i = 0; i < n; i++) {
		size_t l = a[i] && a[i]->t == T_ARR ? a[i]->u.a.n : 0;
		if (l < len)
			len = l;
	}
	if (n == 0)
		len = 0;
	for (size_t k = 0; k < len; k++) {
		V *t = v_arr(c, 0);
		for (int i = 0; i < n; i++)
			arr_push(c, t, a[i]->u.a.it[k]);
		arr_push(c, r, t);
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
		V *seen = v_obj(c);
		for (size_t i = 0; i < v->u.a.n; i++) {
			V *o = v->u.a.it[i];
			if (!o || o->t != T_OBJ)
				continue;
			for (size_t k = 0; k < o->u.o.n; k++) {
				bool f;
				obj_get(seen, o->u.o.keys[k], o->u.o.klens[k], &f);
				if (!f) {
					obj_setn(c, seen, o->u.o.keys[k], o->u.o.klens[k], VTRUE);
					arr_push(c, r, v_strn(c, o->u.o.keys[k], o->u.o.klens[k]));
				}
			}
		}
	} else if (v->t == T_OBJ) {
		for (size_t k = 0; k < v->u.o.n; k++)
			arr_push(c, r, v_strn(c, v->u.o.keys[k], v->u.o.klens[k]));
	}
	return r;
}

static V *bi_lookup(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *k = ARG(1);
	return lookup_field(c, ARG(0), k->u.s.s, k->u.s.len);
}

static V *spread(Ctx *c, V *v)
{
	if (v && v->t == T_ARR) {
		V *r = v_seq(c);
		for (size_t i = 0; i < v->u.a.n; i++) {
			V *s = spread(c, v->u.a.it[i]);
			if (s && s->t == T_ARR)
				for (size_t j = 0; j < s->u.a.n; j++)
					arr_push(c, r, s->u.a.it[j]);
			else if (s)
				arr_push(c, r, s);
		}
		return r;
	}
	if (v && v->t == T_OBJ) {
		V *r = v_seq(c);
		for (size_t k = 0; k < v->u.o.n; k++) {
			V *o = v_obj(c);
			obj_setn(c, o, v->u.o.keys[k], v->u.o.klens[k], v->u.o.vals[k]);
			arr_push(c, r, o);
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
	V *r = v_obj(c);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		V *o = arr->u.a.it[i];
		for (size_t k = 0; o && k < o->u.o.n; k++)
			obj_setn(c, r, o->u.o.keys[k], o->u.o.klens[k], o->u.o.vals[k]);
	}
	return r;
}

static V *bi_each(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *o = ARG(0), *f = ARG(1);
	V *r = v_seq(c);
	for (size_t k = 0; o && k < o->u.o.n; k++) {
		V *res = hof_call(c, f, o->u.o.vals[k], v_strn(c, o->u.o.keys[k], o->u.o.klens[k]), o, env);
		if (res)
			arr_push(c, r, res);
	}
	return r;
}

static V *bi_sift(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *o = ARG(0), *f = ARG(1);
	if (!o)
		return NULL;
	V *r = v_obj(c);
	for (size_t k = 0; k < o->u.o.n; k++) {
		V *res = hof_call(c, f, o->u.o.vals[k], v_strn(c, o->u.o.keys[k], o->u.o.klens[k]), o, env);
		if (fn_boolean(c, res, NULL))
			obj_setn(c, r, o->u.o.keys[k], o->u.o.klens[k], o->u.o.vals[k]);
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
		V *res = hof_call(c, f, arr->u.a.it[i], v_num(c, (double)i), arr, env);
		if (res)
			arr_push(c, r, res);
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
		V *res = hof_call(c, f, arr->u.a.it[i], v_num(c, (double)i), arr, env);
		if (fn_boolean(c, res, NULL))
			arr_push(c, r, arr->u.a.it[i]);
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
			ok = fn_boolean(c, hof_call(c, f, arr->u.a.it[i], v_num(c, (double)i), arr, env), NULL);
		if (ok) {
			if (found)
				throw_err(c, "D3138", "single", NULL, NULL, 0);
			result = arr->u.a.it[i];
			found = true;
		}
	}
	if (!found)
		throw_err(c, "D3139", "single", NULL, NULL, 0);
	return result;
}

static V *bi_reduce(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *arr = ARG(0), *f = ARG(1), *init = ARG(2);
	if (!arr)
		return NULL;
	int ar = fn_arity(f);
	if (ar < 2)
		throw_err(c, "D3050", "reduce", NULL, NULL, 1);
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
		V *args[4] = {result, arr->u.a.it[i], v_num(c, (double)i), arr};
		result = apply(c, f, args, ar >= 4 ? 4 : ar >= 3 ? 3 : 2, NULL, env, "reduce");
	}
	return result;
}

static V *bi_type(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *v = ARG(0);
	if (!v)
		return NULL;
	static const char *names[] = {"", "null", "boolean", "number", "string", "array", "object", "function"};
	return v_cstr(c, names[v->t]);
}

static V *bi_error(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *m = ARG(0);
	throw_err(c, "D3137", "error", m ? m : v_cstr(c, "$error() function evaluated"), NULL, 0);
}

static V *bi_assert(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) || !ARG(0)->u.b)
		throw_err(c, "D3141", "assert", ARG(1) ? ARG(1) : v_cstr(c, "$assert() statement failed"), NULL, 0);
	return NULL;
}

static V *bi_clone(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	return deep_copy(c, ARG(0));
}

/* ---- encoding */

static V *bi_base64encode(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	/* bytes = code points & 0xff (Buffer 'binary') */
	Buf raw = {.ar = &c->ar};
	size_t i = 0;
	while (i < s->u.s.len)
		buf_putc(&raw, (char)(utf8_decode(s->u.s.s, s->u.s.len, &i) & 0xff));
	Buf b = {.ar = &c->ar};
	const unsigned char *p = (const unsigned char *)raw.s;
	for (size_t k = 0; k < raw.n; k += 3) {
		unsigned v = (unsigned)p[k] << 16 | (k + 1 < raw.n ? (unsigned)p[k + 1] << 8 : 0) |
			     (k + 2 < raw.n ? p[k + 2] : 0);
		buf_putc(&b, tab[(v >> 18) & 63]);
		buf_putc(&b, tab[(v >> 12) & 63]);
		buf_putc(&b, k + 1 < raw.n ? tab[(v >> 6) & 63] : '=');
		buf_putc(&b, k + 2 < raw.n ? tab[v & 63] : '=');
	}
	return v_strn(c, buf_cstr(&b), b.n);
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
		int v = ch >= 'A' && ch <= 'Z' ? ch - 'A' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26 : ch >= '0' && ch <= '9' ? ch - '0' + 52 : ch == '+' || ch == '-' ? 62 : ch == '/' || ch == '_' ? 63 : -1;
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			utf8_put(&b, (acc >> bits) & 0xff);
		}
	}
	return v_strn(c, buf_cstr(&b), b.n);
}

static V *url_encode(Ctx *c, V *s, const char *keep, const char *fname)
{
	Buf b = {.ar = &c->ar};
	size_t i = 0;
	while (i < s->u.s.len) {
		size_t st = i;
		int cp = utf8_decode(s->u.s.s, s->u.s.len, &i);
		if (cp >= 0xd800 && cp < 0xe000)
			throw_err(c, "D3140", fname, s, NULL, 0);
		if (cp < 128 && (isalnum(cp) || strchr(keep, cp))) {
			buf_putc(&b, (char)cp);
			continue;
		}
		for (size_t k = st; k < i; k++)
			buf_printf(&b, "%%%02X", (unsigned char)s->u.s.s[k]);
	}
	return v_strn(c, buf_cstr(&b), b.n);
}

static V *url_decode(Ctx *c, V *s, const char *reserved, const char *fname)
{
	Buf b = {.ar = &c->ar};
	const char *p = s->u.s.s;
	size_t len = s->u.s.len;
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '%') {
			buf_putc(&b, p[i]);
			continue;
		}
		if (i + 2 >= len + 0 && !(i + 2 < len))
			throw_err(c, "D3140", fname, s, NULL, 0);
		if (!isxdigit((unsigned char)p[i + 1]) || !isxdigit((unsigned char)p[i + 2]))
			throw_err(c, "D3140", fname, s, NULL, 0);
		unsigned v = (unsigned)strtoul((char[3]){p[i + 1], p[i + 2], 0}, NULL, 16);
		if (v < 128 && reserved && strchr(reserved, (int)v) && v) {
			buf_put(&b, p + i, 3);
		} else {
			int extra = v < 0x80 ? 0 : (v & 0xe0) == 0xc0 ? 1 : (v & 0xf0) == 0xe0 ? 2 : (v & 0xf8) == 0xf0 ? 3 : -1;
			if (extra < 0)
				throw_err(c, "D3140", fname, s, NULL, 0);
			buf_putc(&b, (char)v);
			for (int k = 0; k < extra; k++) {
				size_t j = i + 3 + (size_t)k * 3;
				if (j + 2 >= len + 1 || p[j] != '%' || !isxdigit((unsigned char)p[j + 1]) || !isxdigit((unsigned char)p[j + 2]))
					throw_err(c, "D3140", fname, s, NULL, 0);
				unsigned w = (unsigned)strtoul((char[3]){p[j + 1], p[j + 2], 0}, NULL, 16);
				if ((w & 0xc0) != 0x80)
					throw_err(c, "D3140", fname, s, NULL, 0);
				buf_putc(&b, (char)w);
			}
			i += (size_t)extra * 3;
		}
		i += 2;
	}
	return v_strn(c, buf_cstr(&b), b.n);
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
	double x = bi_round(c, tmp, 1, NULL, NULL)->u.n;
	double radix = 10;
	if (ARG(1)) {
		tmp[0] = ARG(1);
		radix = bi_round(c, tmp, 1, NULL, NULL)->u.n;
	}
	if (radix < 2 || radix > 36)
		throw_err(c, "D3100", "formatBase", v_num(c, radix), NULL, 0);
	char buf[80];
	int k = 0;
	bool neg = x < 0;
	double ax = fabs(x);
	do {
		int d = (int)fmod(ax, radix);
		buf[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		ax = floor(ax / radix);
	} while (ax > 0 && k < 78);
	Buf b = {.ar = &c->ar};
	if (neg)
		buf_putc(&b, '-');
	while (k > 0)
		buf_putc(&b, buf[--k]);
	return v_strn(c, buf_cstr(&b), b.n);
}

/* ---- Step Functions additions */

static V *from_json(Ctx *c, struct json_object *j, bool copy);

static V *bi_parse(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	struct json_object *j = NULL;
	char why[256];
	if (aslrt_json_parse(s->u.s.s, s->u.s.len, &j, why, sizeof why) != 0)
		throw_msg(c, "D3030", why);
	c->pending = j; /* from_json may hit the memory bound */
	V *out = from_json(c, j, true);
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
	double size = floor(sz->u.n);
	if (size <= 0)
		throw_msg(c, "D3020", "The chunk size argument of $partition must be positive");
	V *r = v_arr(c, 0);
	V *cur = NULL;
	for (size_t i = 0; i < arr->u.a.n; i++) {
		if (!cur || (double)cur->u.a.n >= size) {
			cur = v_arr(c, 0);
			arr_push(c, r, cur);
		}
		arr_push(c, cur, arr->u.a.it[i]);
	}
	return r;
}

static V *bi_range(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) || !ARG(1))
		return NULL;
	double first = floor(ARG(0)->u.n), last = floor(ARG(1)->u.n);
	double step = ARG(2) ? floor(ARG(2)->u.n) : 1;
	if (step == 0)
		throw_msg(c, "D3020", "The step argument of $range must not be zero");
	/* The size first, as the .. operator does: nothing allocated for a
	 * range that is refused. */
	double count = floor((last - first) / step) + 1;
	if (count > 10000000)
		throw_err(c, "D2014", "range", v_num(c, count), NULL, 0);
	V *r = v_seq(c);
	if (count > 0)
		arr_reserve(c, r, (size_t)count);
	for (double x = first; step > 0 ? x <= last : x >= last; x += step)
		arr_push(c, r, v_num(c, x));
	return r;
}

static V *bi_hash(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	const char *alg = ARG(1) ? arena_strndup(&c->ar, ARG(1)->u.s.s, ARG(1)->u.s.len) : "SHA-256";
	const EVP_MD *md = !strcmp(alg, "MD5") ? EVP_md5() : !strcmp(alg, "SHA-1") ? EVP_sha1() :
			   !strcmp(alg, "SHA-256") ? EVP_sha256() : !strcmp(alg, "SHA-384") ? EVP_sha384() :
			   !strcmp(alg, "SHA-512") ? EVP_sha512() : NULL;
	if (!md)
		throw_msg(c, "D3137", "The algorithm argument of $hash must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int ol = 0;
	EVP_Digest(s->u.s.s, s->u.s.len, out, &ol, md, NULL);
	Buf b = {.ar = &c->ar};
	for (unsigned i = 0; i < ol; i++)
		buf_printf(&b, "%02x", out[i]);
	return v_strn(c, buf_cstr(&b), b.n);
}

static V *bi_uuid(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)a;
	(void)n;
	unsigned char u[16];
	if (RAND_bytes(u, 16) != 1)
		for (int i = 0; i < 16; i++)
			u[i] = (unsigned char)(next_random(c) * 256);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	char s[40];
	snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return v_strcopy(c, s, strlen(s));
}

/* ---- date/time */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static V *iso_from_millis(Ctx *c, double ms)
{
	int64_t t = (int64_t)floor(ms);
	int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
	int64_t rem = t - days * 86400000;
	int64_t y;
	int mo, d;
	civil_from_days(days, &y, &mo, &d);
	char buf[64];
	if (y >= 0 && y <= 9999)
		snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, mo, d,
			 (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
	else
		snprintf(buf, sizeof buf, "%c%06lld-%02d-%02dT%02d:%02d:%02d.%03dZ", y < 0 ? '-' : '+',
			 (long long)(y < 0 ? -y : y), mo, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
			 (int)(rem / 1000 % 60), (int)(rem % 1000));
	return v_strcopy(c, buf, strlen(buf));
}

static V *format_datetime(Ctx *c, double ms, V *picture, V *tz);

static V *bi_from_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	if (!ARG(1) && !ARG(2) && fabs(ARG(0)->u.n) <= 8.64e15) /* else format_datetime's D3137 */
		return iso_from_millis(c, ARG(0)->u.n);
	return format_datetime(c, ARG(0)->u.n, ARG(1), ARG(2));
}

static V *bi_now(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0) && !ARG(1))
		return iso_from_millis(c, c->now_ms);
	return format_datetime(c, c->now_ms, ARG(0), ARG(1));
}

static V *bi_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	(void)a;
	(void)n;
	return v_num(c, c->now_ms);
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
		if (!dig(s, i + 1, len, 2) || i + 3 >= len || s[i + 3] != ':' || !dig(s, i + 4, len, 2) ||
		    i + 6 >= len || s[i + 6] != ':' || !dig(s, i + 7, len, 2))
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
	double days = (double)days_from_civil(y, mo, d);
	*out = days * 86400000.0 + h * 3600000.0 + mi * 60000.0 + se * 1000.0 + floor(frac * 1000 + 1e-9) -
	       off * 60000.0;
	return true;
}

static V *parse_datetime(Ctx *c, V *s, V *picture);

static V *bi_to_millis(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *s = ARG(0);
	if (!s)
		return NULL;
	if (ARG(1))
		return parse_datetime(c, s, ARG(1));
	double ms;
	if (!parse_iso(s->u.s.s, s->u.s.len, &ms))
		throw_err(c, "D3110", "toMillis", s, NULL, 0);
	return v_num(c, ms);
}

/* ---- pictures (formatNumber, formatInteger, dates): see below */

static V *bi_format_number(Ctx *c, V **a, int n, V *input, Env *env);
static V *bi_format_integer(Ctx *c, V **a, int n, V *input, Env *env);
static V *bi_parse_integer(Ctx *c, V **a, int n, V *input, Env *env);

/* ---- the table */

static Builtin builtins[] = {
	{"abs", "<n-:n>", bi_abs, 1, {{{0}}, 0}},
	{"append", "<xx:a>", bi_append, 2, {{{0}}, 0}},
	{"assert", "<bs?:x>", bi_assert, 2, {{{0}}, 0}},
	{"average", "<a<n>:n>", bi_average, 1, {{{0}}, 0}},
	{"base64decode", "<s-:s>", bi_base64decode, 1, {{{0}}, 0}},
	{"base64encode", "<s-:s>", bi_base64encode, 1, {{{0}}, 0}},
	{"boolean", "<x-:b>", bi_boolean, 1, {{{0}}, 0}},
	{"ceil", "<n-:n>", bi_ceil, 1, {{{0}}, 0}},
	{"clone", "<(oa)-:o>", bi_clone, 1, {{{0}}, 0}},
	{"contains", "<s-(sf):b>", bi_contains, 2, {{{0}}, 0}},
	{"count", "<a:n>", bi_count, 1, {{{0}}, 0}},
	{"decodeUrl", "<s-:s>", bi_decode_url, 1, {{{0}}, 0}},
	{"decodeUrlComponent", "<s-:s>", bi_decode_url_component, 1, {{{0}}, 0}},
	{"distinct", "<x:x>", bi_distinct, 1, {{{0}}, 0}},
	{"each", "<o-f:a>", bi_each, 2, {{{0}}, 0}},
	{"encodeUrl", "<s-:s>", bi_encode_url, 1, {{{0}}, 0}},
	{"encodeUrlComponent", "<s-:s>", bi_encode_url_component, 1, {{{0}}, 0}},
	{"error", "<s?:x>", bi_error, 1, {{{0}}, 0}},
	{"exists", "<x:b>", bi_exists, 1, {{{0}}, 0}},
	{"filter", "<af>", bi_filter, 2, {{{0}}, 0}},
	{"floor", "<n-:n>", bi_floor, 1, {{{0}}, 0}},
	{"formatBase", "<n-n?:s>", bi_format_base, 2, {{{0}}, 0}},
	{"formatInteger", "<n-s:s>", bi_format_integer, 2, {{{0}}, 0}},
	{"formatNumber", "<n-so?:s>", bi_format_number, 3, {{{0}}, 0}},
	{"fromMillis", "<n-s?s?:s>", bi_from_millis, 3, {{{0}}, 0}},
	{"hash", "<s-s?:s>", bi_hash, 2, {{{0}}, 0}},
	{"join", "<a<s>s?:s>", bi_join, 2, {{{0}}, 0}},
	{"keys", "<x-:a<s>>", bi_keys, 1, {{{0}}, 0}},
	{"length", "<s-:n>", bi_length, 1, {{{0}}, 0}},
	{"lookup", "<x-s:x>", bi_lookup, 2, {{{0}}, 0}},
	{"lowercase", "<s-:s>", bi_lowercase, 1, {{{0}}, 0}},
	{"map", "<af>", bi_map, 2, {{{0}}, 0}},
	{"match", "<s-f<s:o>n?:a<o>>", bi_match, 3, {{{0}}, 0}},
	{"max", "<a<n>:n>", bi_max, 1, {{{0}}, 0}},
	{"merge", "<a<o>:o>", bi_merge, 1, {{{0}}, 0}},
	{"millis", "<:n>", bi_millis, 0, {{{0}}, 0}},
	{"min", "<a<n>:n>", bi_min, 1, {{{0}}, 0}},
	{"not", "<x-:b>", bi_not, 1, {{{0}}, 0}},
	{"now", "<s?s?:s>", bi_now, 2, {{{0}}, 0}},
	{"number", "<(nsb)-:n>", bi_number, 1, {{{0}}, 0}},
	{"pad", "<s-ns?:s>", bi_pad, 3, {{{0}}, 0}},
	{"parse", "<s-:x>", bi_parse, 1, {{{0}}, 0}},
	{"parseInteger", "<s-s:n>", bi_parse_integer, 2, {{{0}}, 0}},
	{"partition", "<an:a>", bi_partition, 2, {{{0}}, 0}},
	{"power", "<n-n:n>", bi_power, 2, {{{0}}, 0}},
	{"random", "<n?:n>", bi_random, 0, {{{0}}, 0}},
	{"range", "<nnn?:a>", bi_range, 3, {{{0}}, 0}},
	{"reduce", "<afj?:j>", bi_reduce, 3, {{{0}}, 0}},
	{"replace", "<s-(sf)(sf)n?:s>", bi_replace, 4, {{{0}}, 0}},
	{"reverse", "<a:a>", bi_reverse, 1, {{{0}}, 0}},
	{"round", "<n-n?:n>", bi_round, 2, {{{0}}, 0}},
	{"shuffle", "<a:a>", bi_shuffle, 1, {{{0}}, 0}},
	{"sift", "<o-f?:o>", bi_sift, 2, {{{0}}, 0}},
	{"single", "<af?>", bi_single, 2, {{{0}}, 0}},
	{"sort", "<af?:a>", bi_sort, 2, {{{0}}, 0}},
	{"split", "<s-(sf)n?:a<s>>", bi_split, 3, {{{0}}, 0}},
	{"spread", "<x-:a<o>>", bi_spread, 1, {{{0}}, 0}},
	{"sqrt", "<n-:n>", bi_sqrt, 1, {{{0}}, 0}},
	{"string", "<x-b?:s>", bi_string, 1, {{{0}}, 0}},
	{"substring", "<s-nn?:s>", bi_substring, 3, {{{0}}, 0}},
	{"substringAfter", "<s-s:s>", bi_substring_after, 2, {{{0}}, 0}},
	{"substringBefore", "<s-s:s>", bi_substring_before, 2, {{{0}}, 0}},
	{"sum", "<a<n>:n>", bi_sum, 1, {{{0}}, 0}},
	{"toMillis", "<s-s?:n>", bi_to_millis, 2, {{{0}}, 0}},
	{"trim", "<s-:s>", bi_trim, 1, {{{0}}, 0}},
	{"type", "<x:s>", bi_type, 1, {{{0}}, 0}},
	{"uppercase", "<s-:s>", bi_uppercase, 1, {{{0}}, 0}},
	{"uuid", "<:s>", bi_uuid, 0, {{{0}}, 0}},
	{"zip", "<a+>", bi_zip, 1, {{{0}}, 0}},
};

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static void builtins_init(void)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		const char *code;
		if (sig_parse(&builtins[i].sig, builtins[i].sigtext, strlen(builtins[i].sigtext), &code) != 0)
			abort();
	}
}

static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static int bi_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const Builtin *)e)->name);
}

static Builtin *builtin_find(const char *name)
{
	return bsearch(name, builtins, NBUILTINS, sizeof builtins[0], bi_cmp);
}

/* ================================================================ json-c */

static V *from_json(Ctx *c, struct json_object *j, bool copy)
{
	switch (json_object_get_type(j)) {
	case json_type_null: return VNULL;
	case json_type_boolean: return VBOOL(json_object_get_boolean(j));
	case json_type_int:
	case json_type_double: return v_num(c, aslrt_json_number(j));
	case json_type_string:
		if (copy)
			return v_strcopy(c, json_object_get_string(j), (size_t)json_object_get_string_len(j));
		return v_strn(c, json_object_get_string(j), (size_t)json_object_get_string_len(j));
	case json_type_array: {
		size_t n = json_object_array_length(j);
		V *r = v_arr(c, 0);
		arr_reserve(c, r, n);
		for (size_t i = 0; i < n; i++)
			arr_push(c, r, from_json(c, json_object_array_get_idx(j, i), copy));
		return r;
	}
	case json_type_object: {
		V *r = v_obj(c);
		json_object_object_foreach(j, key, val)
		{
			const char *k = copy ? arena_strndup(&c->ar, key, strlen(key)) : key;
			obj_set(c, r, k, from_json(c, val, copy));
		}
		return r;
	}
	}
	return VNULL;
}

static struct json_object *to_json_d(Ctx *c, V *v, int depth);

/* Does v nest more than room levels of arrays and objects, or hold more
 * than *budget values (shared subtrees counted each time, as json-c will
 * copy them)?  The recursion stops at room, so it is bounded however deep
 * v is. */
static bool too_big_for_json(V *v, int room, size_t *budget)
{
	if (*budget == 0)
		return true;
	--*budget;
	if (!v || (v->t != T_ARR && v->t != T_OBJ))
		return false;
	if (room <= 0)
		return true;
	if (v->t == T_ARR) {
		for (size_t i = 0; i < v->u.a.n; i++)
			if (too_big_for_json(v->u.a.it[i], room - 1, budget))
				return true;
	} else {
		for (size_t i = 0; i < v->u.o.n; i++)
			if (too_big_for_json(v->u.o.vals[i], room - 1, budget))
				return true;
	}
	return false;
}

/* Values leave JSONata within the runtime's one nesting limit and a bound
 * on their size, checked before any json-c node is made (an error must not
 * leave half a tree). */
static struct json_object *to_json(Ctx *c, V *v)
{
	size_t budget = 16u << 20;
	if (too_big_for_json(v, ASLRT_JSON_MAX_DEPTH, &budget)) {
		if (budget == 0)
			memory_exceeded(&c->ar);
		throw_msg(c, "D1001", "The result is nested deeper than the limit of "
				      ASLRT_JSON_MAX_DEPTH_TEXT " levels");
	}
	/* Nothing may throw once json-c nodes exist (the keys' copies come
	 * from the arena): the walk above bounded the size instead. */
	c->ar.limit = 0;
	return to_json_d(c, v, 0);
}

static struct json_object *to_json_d(Ctx *c, V *v, int depth)
{
	if (!v)
		return NULL;
	switch (v->t) {
	case T_NULL: return NULL;
	case T_BOOL: return json_object_new_boolean(v->u.b);
	case T_NUM: {
		double d = v->u.n;
		if (!isfinite(d))
			return json_object_new_string(isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return json_object_new_int64((int64_t)d);
		return json_object_new_double(d);
	}
	case T_STR: return json_object_new_string_len(v->u.s.s, (int)v->u.s.len);
	case T_FN: return json_object_new_string("");
	case T_ARR: {
		struct json_object *a = json_object_new_array_ext((int)v->u.a.n);
		for (size_t i = 0; i < v->u.a.n; i++)
			json_object_array_add(a, to_json_d(c, v->u.a.it[i], depth + 1));
		return a;
	}
	case T_OBJ: {
		struct json_object *o = json_object_new_object();
		for (size_t i = 0; i < v->u.o.n; i++)
			if (v->u.o.vals[i])
				json_object_object_add(o, arena_strndup(&c->ar, v->u.o.keys[i], v->u.o.klens[i]),
						       to_json_d(c, v->u.o.vals[i], depth + 1));
		return o;
	}
	}
	return NULL;
}

/* ================================================================== API */

struct aslrt_jsonata {
	Arena ar;
	Node *root;
	Node *regexes;
};

static void free_regexes(Node *r)
{
	for (; r; r = r->next_free)
		pcre2_code_free(r->re);
}

aslrt_jsonata *aslrt_jsonata_parse(const char *expr, char *why, size_t whylen)
{
	pthread_once(&builtins_once, builtins_init);
	aslrt_jsonata *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	P *p = calloc(1, sizeof *p);
	if (!p)
		abort();
	p->src = expr;
	p->len = strlen(expr);
	p->ar = &e->ar;
	error_position = -1;
	if (setjmp(p->jb)) {
		if (why && whylen)
			snprintf(why, whylen, "%s", p->msg ? p->msg : p->code);
		free(p->msg);
		free_regexes(p->regexes);
		arena_free(&e->ar);
		free(p);
		free(e);
		return NULL;
	}
	lex(p, false);
	Node *root = expression(p, 0);
	if (p->tok.kind != K_END)
		perr(p, "S0201", p->tok.pos, tok_text(p), NULL);
	root = process(p, root);
	if (root->type == N_PARENT || root->has_seeking)
		perr(p, "S0217", root->pos, NULL, NULL);
	e->root = root;
	e->regexes = p->regexes;
	free(p->msg);
	free(p);
	return e;
}

void aslrt_jsonata_free(aslrt_jsonata *e)
{
	if (!e)
		return;
	free_regexes(e->regexes);
	arena_free(&e->ar);
	free(e);
}

int aslrt_jsonata_eval_ex(const aslrt_jsonata *e, struct json_object *input,
			  struct json_object *bindings, const aslrt_jsonata_limits *limits,
			  struct json_object **out, bool *undefined, aslrt_error *err)
{
	pthread_once(&builtins_once, builtins_init);
	char base;
	Ctx *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->stack_base = &base;
	c->stack_budget = STACK_BUDGET;
	{
		/* never use more of this thread's stack than it has */
		pthread_attr_t attr;
		void *addr;
		size_t size;
		if (pthread_getattr_np(pthread_self(), &attr) == 0) {
			if (pthread_attr_getstack(&attr, &addr, &size) == 0 && (char *)addr < &base) {
				size_t left = (size_t)(&base - (char *)addr);
				c->stack_budget = left > STACK_MARGIN * 2 ? left - STACK_MARGIN : left / 2;
				if (c->stack_budget > STACK_BUDGET)
					c->stack_budget = STACK_BUDGET;
			}
			pthread_attr_destroy(&attr);
		}
	}
	c->max_depth = limits && limits->max_depth > 0 ? limits->max_depth : 1000;
	c->ar.limit = EVAL_MEMORY_LIMIT;
	c->ar.over = memory_exceeded;
	if (limits && limits->time_limit_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &c->deadline);
		c->deadline.tv_sec += limits->time_limit_ms / 1000;
		c->deadline.tv_nsec += (limits->time_limit_ms % 1000) * 1000000L;
		if (c->deadline.tv_nsec >= 1000000000L) {
			c->deadline.tv_sec++;
			c->deadline.tv_nsec -= 1000000000L;
		}
		c->has_deadline = true;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	c->now_ms = (double)now.tv_sec * 1000.0 + (double)(now.tv_nsec / 1000000);
	c->rng = ((uint64_t)now.tv_nsec << 20) ^ (uint64_t)now.tv_sec ^ (uint64_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 88172645463325252ULL;
	*out = NULL;
	*undefined = false;
	error_position = -1;
	if (setjmp(c->jb)) {
		error_position = c->pos;
		json_object_put(c->pending);
		aslrt_error_set(err, c->code, "%s", c->msg ? c->msg : c->code);
		free(c->msg);
		arena_free(&c->ar);
		free(c);
		return -1;
	}
	V *in = limits && limits->input_undefined ? NULL : from_json(c, input, false);
	Env *g = env_new(c, NULL);
	if (bindings && json_object_is_type(bindings, json_type_object)) {
		json_object_object_foreach(bindings, key, val)
		{
			env_bind(c, g, key, from_json(c, val, false));
		}
	}
	env_bind(c, g, "$", in);
	c->global = g;
	if (in && in->t == T_ARR) {
		V *w = seq1(c, in);
		w->fl |= F_OUTER;
		in = w;
	}
	V *r = eval(c, e->root, in, g);
	if (!r)
		*undefined = true;
	else
		*out = to_json(c, r);
	free(c->msg);
	arena_free(&c->ar);
	free(c);
	return 0;
}

int aslrt_jsonata_eval(const aslrt_jsonata *e, struct json_object *input,
		       struct json_object *bindings, struct json_object **out, bool *undefined,
		       aslrt_error *err)
{
	return aslrt_jsonata_eval_ex(e, input, bindings, NULL, out, undefined, err);
}

/* ============================================================ pictures */

/* The picture-string functions live in jsonata_picture.c; these convert
 * values and raise the error it reports. */
__attribute__((noreturn)) static void throw_pic(Ctx *c, const aslrt_pic_err *pe)
{
	throw_err(c, pe->code, NULL, pe->value[0] ? v_cstr(c, pe->value) : NULL, NULL, 0);
}

static V *pic_result(Ctx *c, char *s, const aslrt_pic_err *pe)
{
	if (!s)
		throw_pic(c, pe);
	V *r = v_strcopy(c, s, strlen(s));
	free(s);
	return r;
}

static V *format_datetime(Ctx *c, double ms, V *picture, V *tz)
{
	aslrt_pic_err pe = {0};
	char *p = picture ? strndup(picture->u.s.s, picture->u.s.len) : NULL;
	char *z = tz ? strndup(tz->u.s.s, tz->u.s.len) : NULL;
	char *s = aslrt_pic_format_datetime(ms, p, z, &pe);
	free(p);
	free(z);
	return pic_result(c, s, &pe);
}

static V *parse_datetime(Ctx *c, V *s, V *picture)
{
	aslrt_pic_err pe = {0};
	char *t = strndup(s->u.s.s, s->u.s.len), *p = strndup(picture->u.s.s, picture->u.s.len);
	double ms = 0;
	int rc = aslrt_pic_parse_datetime(t, p, c->now_ms, &ms, &pe);
	free(t);
	free(p);
	if (rc < 0)
		throw_pic(c, &pe);
	return rc == 0 ? v_num(c, ms) : NULL;
}

/* Code point strings for the picture-string functions. */
typedef struct U {
	uint32_t *c;
	int n;
} U;

static U u_from(Ctx *c, const char *s, size_t len)
{
	U u = {arena_alloc_raw(&c->ar, sizeof(uint32_t) * (len + 1)), 0};
	size_t i = 0;
	while (i < len)
		u.c[u.n++] = (uint32_t)utf8_decode(s, len, &i);
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
		utf8_put(b, u.c[i]);
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
	return ch == pr->dec || ch == pr->exp || ch == pr->grp || ch == pr->digit || is_digit_fam(pr, ch);
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
		if ((dpos > 0 && sub.c[dpos - 1] == pr->grp) || (dpos + 1 < sub.n && sub.c[dpos + 1] == pr->grp))
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
	if (p->has_exp && p->expo.n > 0 && (u_index(sub, pr->pct, 0) != -1 || u_index(sub, pr->pml, 0) != -1))
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

static void grouping_positions(const NumProps *pr, const Pic *p, U part, bool to_left, int *out, int *nout)
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

static V *bi_format_number(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	V *val = ARG(0), *picv = ARG(1), *opts = ARG(2);
	if (!val)
		return NULL;
	NumProps pr = {'.', ',', 'e', '-', '%', 0x2030, '0', '#', ';', {0}, {0}};
	pr.inf = u_from(c, "Infinity", 8);
	pr.nan = u_from(c, "NaN", 3);
	if (opts && opts->t == T_OBJ) {
		static const char *const names[] = {"decimal-separator", "grouping-separator", "exponent-separator",
						     "minus-sign", "percent", "per-mille", "zero-digit", "digit",
						     "pattern-separator"};
		uint32_t *slots[] = {&pr.dec, &pr.grp, &pr.exp, &pr.minus, &pr.pct, &pr.pml, &pr.zero, &pr.digit, &pr.sep};
		for (int i = 0; i < 9; i++) {
			V *o = obj_get(opts, names[i], strlen(names[i]), NULL);
			if (o && o->t == T_STR && o->u.s.len) {
				size_t k = 0;
				*slots[i] = (uint32_t)utf8_decode(o->u.s.s, o->u.s.len, &k);
			}
		}
		V *o = obj_get(opts, "infinity", 8, NULL);
		if (o && o->t == T_STR)
			pr.inf = u_from(c, o->u.s.s, o->u.s.len);
		o = obj_get(opts, "NaN", 3, NULL);
		if (o && o->t == T_STR)
			pr.nan = u_from(c, o->u.s.s, o->u.s.len);
	}
	U picture = u_from(c, picv->u.s.s, picv->u.s.len);
	Pic parts[2];
	int np = 0, start = 0;
	for (int i = 0; i <= picture.n; i++)
		if (i == picture.n || picture.c[i] == pr.sep) {
			if (np == 2)
				throw_err(c, "D3080", "formatNumber", NULL, NULL, 0);
			parts[np++] = split_pic(&pr, u_sub(picture, start, i));
			start = i + 1;
		}
	for (int i = 0; i < np; i++) {
		const char *e = validate_pic(&pr, &parts[i]);
		if (e)
			throw_err(c, e, "formatNumber", NULL, NULL, 0);
	}
	PicVars vars[2];
	for (int i = 0; i < np; i++)
		vars[i] = analyse_pic(&pr, &parts[i]);
	if (np == 1) {
		vars[1] = vars[0];
		U pre = {arena_alloc_raw(&c->ar, sizeof(uint32_t) * (size_t)(vars[0].prefix.n + 1)), 0};
		pre.c[pre.n++] = pr.minus;
		for (int i = 0; i < vars[0].prefix.n; i++)
			pre.c[pre.n++] = vars[0].prefix.c[i];
		vars[1].prefix = pre;
	}
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
		double maxm = pow(10, pic->scaling), minm = pow(10, pic->scaling - 1);
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
	V *rargs[2] = {v_num(c, mantissa), v_num(c, pic->max_frac)};
	double rounded = bi_round(c, rargs, 2, NULL, NULL)->u.n;
	char fixed[400];
	snprintf(fixed, sizeof fixed, "%.*f", pic->max_frac, fabs(rounded));
	int cap = (int)strlen(fixed) + pic->min_int + pic->min_frac + 80;
	uint32_t *buf = arena_alloc_raw(&c->ar, sizeof(uint32_t) * (size_t)cap);
	int bn = 0;
	bool had_dot = false;
	for (char *q = fixed; *q; q++) {
		if (*q == '.') {
			buf[bn++] = pr.dec;
			had_dot = true;
		} else
			buf[bn++] = pr.zero + (uint32_t)(*q - '0');
	}
	if (!had_dot)
		buf[bn++] = pr.dec;
	int off = 0;
	while (off < bn && buf[off] == pr.zero)
		off++;
	memmove(buf, buf + off, sizeof(uint32_t) * (size_t)(bn - off));
	bn -= off;
	while (bn > 0 && buf[bn - 1] == pr.zero)
		bn--;
	int dpos = 0;
	while (dpos < bn && buf[dpos] != pr.dec)
		dpos++;
	int padl = pic->min_int - dpos;
	int padr = pic->min_frac - (bn - dpos - 1);
	for (int i = 0; i < padl; i++)
		u_insert(buf, &bn, 0, pr.zero);
	for (int i = 0; i < padr; i++)
		buf[bn++] = pr.zero;
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr.dec)
		dpos++;
	if (pic->regular > 0) {
		int groups = (dpos - 1) / pic->regular;
		for (int g = 1; g <= groups; g++)
			u_insert(buf, &bn, dpos - g * pic->regular, pr.grp);
	} else {
		for (int i = 0; i < pic->ngrp; i++) {
			u_insert(buf, &bn, dpos - pic->grp_pos[i], pr.grp);
			dpos++;
		}
	}
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr.dec)
		dpos++;
	for (int i = 0; i < pic->nfgrp; i++)
		u_insert(buf, &bn, pic->fgrp_pos[i] + dpos + 1, pr.grp);
	dpos = 0;
	while (dpos < bn && buf[dpos] != pr.dec)
		dpos++;
	if (pic->max_frac == 0 || dpos == bn - 1)
		bn--;
	Buf out = {.ar = &c->ar};
	u_put(&out, pic->prefix);
	u_put(&out, (U){buf, bn});
	if (has_exp) {
		char es[32];
		snprintf(es, sizeof es, "%d", abs(exponent));
		int pad = pic->min_exp - (int)strlen(es);
		utf8_put(&out, pr.exp);
		if (exponent < 0)
			utf8_put(&out, pr.minus);
		for (int i = 0; i < pad; i++)
			utf8_put(&out, pr.zero);
		for (char *q = es; *q; q++)
			utf8_put(&out, pr.zero + (uint32_t)(*q - '0'));
	}
	u_put(&out, pic->suffix);
	return v_strn(c, buf_cstr(&out), out.n);
}

static V *bi_format_integer(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	aslrt_pic_err pe = {0};
	char *p = strndup(ARG(1)->u.s.s, ARG(1)->u.s.len);
	char *s = aslrt_pic_format_integer(ARG(0)->u.n, p, &pe);
	free(p);
	return pic_result(c, s, &pe);
}

static V *bi_parse_integer(Ctx *c, V **a, int n, V *input, Env *env)
{
	UNUSED_BI;
	if (!ARG(0))
		return NULL;
	aslrt_pic_err pe = {0};
	char *t = strndup(ARG(0)->u.s.s, ARG(0)->u.s.len), *p = strndup(ARG(1)->u.s.s, ARG(1)->u.s.len);
	double v = 0;
	int rc = aslrt_pic_parse_integer(t, p, &v, &pe);
	free(t);
	free(p);
	if (rc < 0)
		throw_pic(c, &pe);
	return isnan(v) ? NULL : v_num(c, v);
}

/* ===================================================== AWS's restrictions */

/* The first node that reads the input document at the top level: a field
 * name, '*', '**', '%', '$' or '$$' evaluated against the expression's own
 * context rather than inside a path's later step, a predicate or a lambda
 * body.  Step Functions gives JSONata no input document and refuses these. */
static const Node *top_level_ref(const Node *n)
{
	const Node *r = NULL;
	if (!n)
		return NULL;
	switch (n->type) {
	case N_NAME:
	case N_WILDCARD:
	case N_DESCENDANT:
	case N_PARENT:
		return n;
	case N_VARIABLE:
		return n->slen == 0 || (n->slen == 1 && n->str[0] == '$') ? n : NULL;
	case N_PATH:
		return n->items.n ? top_level_ref(n->items.v[0]) : NULL;
	case N_BINARY:
	case N_APPLY:
		return (r = top_level_ref(n->lhs)) ? r : top_level_ref(n->rhs);
	case N_NEG:
		return top_level_ref(n->expr);
	case N_BIND:
		return top_level_ref(n->rhs);
	case N_CONDITION:
		if ((r = top_level_ref(n->cond)) || (r = top_level_ref(n->then)))
			return r;
		return top_level_ref(n->els);
	case N_OBJECT:
		for (int i = 0; n->grp && i < n->grp->n && !r; i++)
			if (!(r = top_level_ref(n->grp->keys[i])))
				r = top_level_ref(n->grp->vals[i]);
		return r;
	case N_FUNCTION:
	case N_PARTIAL:
		if ((r = top_level_ref(n->proc)))
			return r;
		for (int i = 0; i < n->items.n && !r; i++)
			r = top_level_ref(n->items.v[i]);
		return r;
	case N_ARRAY:
	case N_BLOCK:
		for (int i = 0; i < n->items.n && !r; i++)
			r = top_level_ref(n->items.v[i]);
		return r;
	default:
		return NULL;
	}
}

bool aslrt_jsonata_top_level_ref(const aslrt_jsonata *e, char *name, size_t len)
{
	const Node *n = e ? top_level_ref(e->root) : NULL;
	if (!n)
		return false;
	switch (n->type) {
	case N_NAME: snprintf(name, len, "%.*s", (int)n->slen, n->str); break;
	case N_WILDCARD: snprintf(name, len, "*"); break;
	case N_DESCENDANT: snprintf(name, len, "**"); break;
	case N_PARENT: snprintf(name, len, "%%"); break;
	default: snprintf(name, len, "$%.*s", (int)n->slen, n->str); break;
	}
	return true;
}

/* Whether the variable $name appears anywhere in n. */
static bool uses_variable(const Node *n, const char *name, size_t len)
{
	if (!n)
		return false;
	if (n->type == N_VARIABLE && n->slen == len && !memcmp(n->str, name, len))
		return true;
	const Node *kids[] = {n->lhs,  n->rhs,     n->expr,   n->cond,   n->then, n->els,
			      n->body, n->proc,    n->pattern, n->update, n->del};
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		if (uses_variable(kids[i], name, len))
			return true;
	for (int i = 0; i < n->items.n; i++)
		if (uses_variable(n->items.v[i], name, len))
			return true;
	const Group *groups[] = {n->grp, n->group};
	for (int g = 0; g < 2; g++)
		for (int i = 0; groups[g] && i < groups[g]->n; i++)
			if (uses_variable(groups[g]->keys[i], name, len) ||
			    uses_variable(groups[g]->vals[i], name, len))
				return true;
	for (int i = 0; i < n->stages.n; i++)
		if (uses_variable(n->stages.v[i].expr, name, len))
			return true;
	for (int i = 0; i < n->pred.n; i++)
		if (uses_variable(n->pred.v[i].expr, name, len))
			return true;
	for (int i = 0; i < n->nterms; i++)
		if (uses_variable(n->terms[i].expr, name, len))
			return true;
	return false;
}

bool aslrt_jsonata_uses_variable(const aslrt_jsonata *e, const char *name)
{
	return e && uses_variable(e->root, name, strlen(name));
}
