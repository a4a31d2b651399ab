/*
 * value.c - the JSONata engine's memory and values: arenas, tagged values,
 * the error table and throw, constructors, strings and JavaScript's
 * number-to-string conversions.
 */
#include "jsonata_int.h"

/* ------------------------------------------------------------------ arena */

void aslrt_jn_arena_free(Arena *a)
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

void *aslrt_jn_arena_alloc_raw(Arena *a, size_t n)
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

void *aslrt_jn_arena_zalloc(Arena *a, size_t n)
{
	void *p = aslrt_jn_arena_alloc_raw(a, n);
	memset(p, 0, n);
	return p;
}

char *aslrt_jn_arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = aslrt_jn_arena_alloc_raw(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ------------------------------------------------------------------ values */

V aslrt_jn_v_null_s = {T_NULL, 0, {0}};
V aslrt_jn_v_true_s = {T_BOOL, 0, {.b = 1}};
V aslrt_jn_v_false_s = {T_BOOL, 0, {.b = 0}};

/* --------------------------------------------------------- error context */

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
    {"T0411",
     "Context value is not a compatible type with argument {{index}} of function {{token}}"},
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
    {"T1010", "The matcher function argument passed to function {{token}} does not return the "
	      "correct object structure"},
    {"T2001", "The left side of the {{token}} operator must evaluate to a number"},
    {"T2002", "The right side of the {{token}} operator must evaluate to a number"},
    {"T2003", "The left side of the range operator (..) must evaluate to an integer"},
    {"T2004", "The right side of the range operator (..) must evaluate to an integer"},
    {"T2006", "The right side of the function application operator ~> must be a function"},
    {"T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"},
    {"T2008",
     "The expressions within an order-by clause must evaluate to numeric or string values"},
    {"T2009", "The values {{value}} and {{value2}} either side of operator {{token}} must be of "
	      "the same data type"},
    {"T2010",
     "The expressions either side of operator {{token}} must evaluate to numeric or string values"},
    {"T2011",
     "The insert/update clause of the transform expression must evaluate to an object: {{value}}"},
    {"T2012", "The delete clause of the transform expression must evaluate to a string or array of "
	      "strings: {{value}}"},
    {"T2013", "The transform expression clones the input object using the $clone() function.  This "
	      "has been overridden in the current scope by a non-function."},
    {"D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  "
	      "Attempted to allocate {{value}}."},
    {"D3001", "Attempting to invoke string function on Infinity or NaN"},
    {"D3010", "Second argument of replace function cannot be an empty string"},
    {"D3011", "Fourth argument of replace function must evaluate to a positive number"},
    {"D3012", "Attempted to replace a matched string with a non-string value"},
    {"D3020", "Third argument of split function must evaluate to a positive number"},
    {"D3030", "Unable to cast value to a number: {{value}}"},
    {"D3040", "Third argument of match function must evaluate to a positive number"},
    {"D3050",
     "The second argument of reduce function must be a function with at least two arguments"},
    {"D3060", "The sqrt function cannot be applied to a negative number: {{value}}"},
    {"D3061", "The power function has resulted in a value that cannot be represented as a JSON "
	      "number: base={{value}}, exponent={{value2}}"},
    {"D3070",
     "The single argument form of the sort function can only be applied to an array of strings or "
     "an array of numbers.  Use the second argument to specify a comparison function"},
    {"D3080", "The picture string must only contain a maximum of two sub-pictures"},
    {"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' "
	      "character"},
    {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
    {"D3083",
     "The sub-picture must not contain more than one instance of the 'per-mille' character"},
    {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
    {"D3085", "The mantissa part of a sub-picture must contain at least one character that is "
	      "either an 'optional digit character' or a member of the 'decimal digit family'"},
    {"D3086", "The sub-picture must not contain a passive character that is preceded by an active "
	      "character and that is followed by another active character"},
    {"D3087", "The sub-picture must not contain a 'grouping-separator' character that appears "
	      "adjacent to a 'decimal-separator' character"},
    {"D3088",
     "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
    {"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' "
	      "character"},
    {"D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit "
	      "family' that is followed by an instance of the 'optional digit character'"},
    {"D3091",
     "The fractional part of the sub-picture must not contain an instance of the 'optional digit "
     "character' that is followed by a member of the 'decimal digit family'"},
    {"D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a "
	      "character treated as an 'exponent-separator'"},
    {"D3093", "The exponent part of the sub-picture must comprise only of one or more characters "
	      "that are members of the 'decimal digit family'"},
    {"D3100",
     "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"},
    {"D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. "
	      "Given {{value}}"},
    {"D3130", "Formatting or parsing an integer as a sequence starting with {{value}} is not "
	      "supported by this implementation"},
    {"D3131", "In a decimal digit pattern, all digits must be from the same decimal group"},
    {"D3132", "Unknown component specifier {{value}} in date/time picture string"},
    {"D3133", "The 'name' modifier can only be applied to months and days in the date/time picture "
	      "string, not {{value}}"},
    {"D3134", "The timezone integer format specifier cannot have more than four digits"},
    {"D3135", "No matching closing bracket ']' in date/time picture string"},
    {"D3136", "The date/time picture string is missing specifiers required to parse the timestamp"},
    {"D3137", "{{value}}"},
    {"D3138",
     "The $single() function expected exactly 1 matching result.  Instead it matched more."},
    {"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
    {"D3140", "Malformed URL passed to ${{token}}(): {{value}}"},
    {"D3141", "{{value}}"},
    {"U1001", "{{value}}"},
    {NULL, NULL},
};

/* Render "<code>: <message>" with the template's {{token}}, {{value}},
 * {{value2}} and {{index}} replaced.  malloc'd. */
char *aslrt_jn_render_error(const char *code, const char *token, const char *value,
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

/* Raise an evaluation error: code, token (may be NULL), values (may be NULL). */
__attribute__((noreturn)) void aslrt_jn_throw_err(Ctx *c, const char *code, const char *token,
						  V *value, V *value2, int index)
{
	snprintf(c->code, sizeof c->code, "%s", code);
	char *vs = value ? aslrt_jn_val_to_text(c, value) : NULL;
	char *vs2 = value2 ? aslrt_jn_val_to_text(c, value2) : NULL;
	free(c->msg);
	c->msg = aslrt_jn_render_error(code, token, vs, vs2, index);
	free(vs);
	free(vs2);
	longjmp(c->jb, 1);
}

/* The arena's over() of an evaluation (Ctx begins with its Arena). */
__attribute__((noreturn)) void aslrt_jn_memory_exceeded(Arena *a)
{
	Ctx *c = (Ctx *)(void *)a;
	a->limit = 0; /* room to build the message */
	aslrt_jn_throw_msg(c, "U1001",
			   "Memory limit exceeded: the expression needs more than 1 GiB");
}

__attribute__((noreturn)) void aslrt_jn_throw_msg(Ctx *c, const char *code, const char *msg)
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

V *aslrt_jn_v_num(Ctx *c, double d)
{
	V *v = aslrt_jn_arena_alloc_raw(&c->ar, offsetof(V, u) + sizeof(double));
	v->t = T_NUM;
	v->fl = 0;
	v->u.n = d;
	return v;
}

V *aslrt_jn_v_strn(Ctx *c, const char *s, size_t n)
{
	V *v = aslrt_jn_arena_alloc_raw(&c->ar, offsetof(V, u) + sizeof(v->u.s));
	v->t = T_STR;
	v->fl = 0;
	v->u.s.s = s;
	v->u.s.len = n;
	return v;
}

V *aslrt_jn_v_strcopy(Ctx *c, const char *s, size_t n)
{
	return aslrt_jn_v_strn(c, aslrt_jn_arena_strndup(&c->ar, s, n), n);
}

V *aslrt_jn_v_cstr(Ctx *c, const char *s)
{
	return aslrt_jn_v_strn(c, s, strlen(s));
}

V *aslrt_jn_v_arr(Ctx *c, int fl)
{
	V *v = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V));
	v->t = T_ARR;
	v->fl = (uint8_t)fl;
	v->u.a.it = NULL;
	v->u.a.n = v->u.a.cap = 0;
	return v;
}

void aslrt_jn_arr_reserve(Ctx *c, V *a, size_t need)
{
	if (need <= a->u.a.cap)
		return;
	size_t cap = a->u.a.cap ? a->u.a.cap * 2 : 4;
	while (cap < need)
		cap *= 2;
	V **it = aslrt_jn_arena_alloc_raw(&c->ar, cap * sizeof(V *));
	if (a->u.a.n)
		memcpy(it, a->u.a.it, a->u.a.n * sizeof(V *));
	a->u.a.it = it;
	a->u.a.cap = cap;
}

void aslrt_jn_arr_push(Ctx *c, V *a, V *x)
{
	if (a->u.a.n == a->u.a.cap)
		aslrt_jn_arr_reserve(c, a, a->u.a.n + 1);
	a->u.a.it[a->u.a.n++] = x;
}

V *aslrt_jn_v_obj(Ctx *c)
{
	V *v = aslrt_jn_arena_zalloc(&c->ar, sizeof(V));
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
	o->idx = aslrt_jn_arena_alloc_raw(&c->ar, o->icap * sizeof(int32_t));
	memset(o->idx, 0xff, o->icap * sizeof(int32_t));
	size_t mask = o->icap - 1;
	for (size_t j = 0; j < o->n; j++) {
		size_t i = hash_key(o->keys[j], o->klens[j]) & mask;
		while (o->idx[i] >= 0)
			i = (i + 1) & mask;
		o->idx[i] = (int32_t)j;
	}
}

V *aslrt_jn_obj_get(V *o, const char *k, size_t kl, bool *found)
{
	long i = obj_find(&o->u.o, k, kl);
	if (found)
		*found = i >= 0;
	return i >= 0 ? o->u.o.vals[i] : NULL;
}

void aslrt_jn_obj_setn(Ctx *c, V *ov, const char *k, size_t kl, V *val)
{
	Obj *o = &ov->u.o;
	long i = obj_find(o, k, kl);
	if (i >= 0) {
		o->vals[i] = val;
		return;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4;
		const char **keys = aslrt_jn_arena_alloc_raw(&c->ar, cap * sizeof(char *));
		size_t *kls = aslrt_jn_arena_alloc_raw(&c->ar, cap * sizeof(size_t));
		V **vals = aslrt_jn_arena_alloc_raw(&c->ar, cap * sizeof(V *));
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

void aslrt_jn_obj_set(Ctx *c, V *o, const char *k, V *val)
{
	aslrt_jn_obj_setn(c, o, k, strlen(k), val);
}

void aslrt_jn_obj_del(Ctx *c, V *ov, const char *k, size_t kl)
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

V aslrt_jn_v_hole_s = {T_NULL, 0, {0}};

V *aslrt_jn_v_fn(Ctx *c, Fn *f)
{
	V *v = aslrt_jn_arena_alloc_raw(&c->ar, sizeof(V));
	v->t = T_FN;
	v->fl = 0;
	v->u.f = f;
	return v;
}

bool aslrt_jn_is_seq(V *v)
{
	return v && v->t == T_ARR && (v->fl & F_SEQ);
}

bool aslrt_jn_is_num(Ctx *c, V *v)
{
	if (!v || v->t != T_NUM)
		return false;
	if (isnan(v->u.n))
		return false;
	if (!isfinite(v->u.n))
		aslrt_jn_throw_err(c, "D1001", NULL, v, NULL, 0);
	return true;
}

/* --------------------------------------------------------------- strings */

void aslrt_jn_buf_put(Buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = aslrt_jn_arena_alloc_raw(b->ar, cap);
		if (b->n)
			memcpy(p, b->s, b->n);
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

void aslrt_jn_buf_puts(Buf *b, const char *s)
{
	aslrt_jn_buf_put(b, s, strlen(s));
}

void aslrt_jn_buf_putc(Buf *b, char ch)
{
	aslrt_jn_buf_put(b, &ch, 1);
}

void aslrt_jn_buf_printf(Buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof tmp)
		n = sizeof tmp - 1;
	aslrt_jn_buf_put(b, tmp, (size_t)n);
}

const char *aslrt_jn_buf_cstr(Buf *b)
{
	if (!b->s)
		aslrt_jn_buf_put(b, "", 0);
	return b->s;
}

/* UTF-8 helpers. */
int aslrt_jn_utf8_decode(const char *s, size_t len, size_t *i)
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

void aslrt_jn_utf8_put(Buf *b, unsigned cp)
{
	char t[4];
	if (cp < 0x80) {
		t[0] = (char)cp;
		aslrt_jn_buf_put(b, t, 1);
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 63));
		aslrt_jn_buf_put(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 63));
		t[2] = (char)(0x80 | (cp & 63));
		aslrt_jn_buf_put(b, t, 3);
	} else {
		t[0] = (char)(0xf0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 63));
		t[2] = (char)(0x80 | ((cp >> 6) & 63));
		t[3] = (char)(0x80 | (cp & 63));
		aslrt_jn_buf_put(b, t, 4);
	}
}

/* Number of code points. */
size_t aslrt_jn_utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* Byte offset of code point index cp (clamped). */
size_t aslrt_jn_utf8_off(const char *s, size_t n, size_t cp)
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
size_t aslrt_jn_utf16_units(const char *s, size_t n)
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
void aslrt_jn_js_num(char *out, double d)
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
	aslrt_jn_buf_putc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		char u[7];
		const char *esc = aslrt_json_escape((unsigned char)s[i], u);
		if (esc) {
			aslrt_jn_buf_put(b, s + start, i - start);
			aslrt_jn_buf_puts(b, esc);
			start = i + 1;
		}
	}
	aslrt_jn_buf_put(b, s + start, n - start);
	aslrt_jn_buf_putc(b, '"');
}

static void indent(Buf *b, int pretty, int level)
{
	if (!pretty)
		return;
	aslrt_jn_buf_putc(b, '\n');
	for (int i = 0; i < level * 2; i++)
		aslrt_jn_buf_putc(b, ' ');
}

void aslrt_jn_stringify(Ctx *c, Buf *b, V *v, int pretty, int level, bool prec15)
{
	char num[40];
	if (level > ASLRT_JSON_MAX_DEPTH)
		aslrt_jn_throw_msg(
		    c, "D1001",
		    "The value is nested deeper than the limit of " ASLRT_JSON_MAX_DEPTH_TEXT
		    " levels");
	if (!v) {
		aslrt_jn_buf_puts(b, "null");
		return;
	}
	switch (v->t) {
	case T_NULL:
		aslrt_jn_buf_puts(b, "null");
		break;
	case T_BOOL:
		aslrt_jn_buf_puts(b, v->u.b ? "true" : "false");
		break;
	case T_NUM:
		if (!isfinite(v->u.n)) {
			if (prec15)
				aslrt_jn_is_num(c, v);
			aslrt_jn_buf_puts(b, "null");
		} else {
			aslrt_jn_js_num(num, prec15 ? js_prec15(v->u.n) : v->u.n);
			aslrt_jn_buf_puts(b, num);
		}
		break;
	case T_STR:
		json_str(b, v->u.s.s, v->u.s.len);
		break;
	case T_FN:
		aslrt_jn_buf_puts(b, "\"\"");
		break;
	case T_ARR:
		aslrt_jn_buf_putc(b, '[');
		for (size_t i = 0; i < v->u.a.n; i++) {
			if (i)
				aslrt_jn_buf_putc(b, ',');
			indent(b, pretty, level + 1);
			aslrt_jn_stringify(c, b, v->u.a.it[i], pretty, level + 1, prec15);
		}
		if (v->u.a.n)
			indent(b, pretty, level);
		aslrt_jn_buf_putc(b, ']');
		break;
	case T_OBJ: {
		aslrt_jn_buf_putc(b, '{');
		bool first = true;
		for (size_t i = 0; i < v->u.o.n; i++) {
			if (!v->u.o.vals[i])
				continue;
			if (!first)
				aslrt_jn_buf_putc(b, ',');
			first = false;
			indent(b, pretty, level + 1);
			json_str(b, v->u.o.keys[i], v->u.o.klens[i]);
			aslrt_jn_buf_putc(b, ':');
			if (pretty)
				aslrt_jn_buf_putc(b, ' ');
			aslrt_jn_stringify(c, b, v->u.o.vals[i], pretty, level + 1, prec15);
		}
		if (!first)
			indent(b, pretty, level);
		aslrt_jn_buf_putc(b, '}');
		break;
	}
	}
}

/* Text of a value for error messages (malloc'd). */
char *aslrt_jn_val_to_text(Ctx *c, V *v)
{
	Arena tmp = {0};
	Buf b = {.ar = &tmp};
	if (v && v->t == T_STR)
		aslrt_jn_buf_put(&b, v->u.s.s, v->u.s.len);
	else if (v && v->t == T_NUM) {
		char num[40];
		aslrt_jn_js_num(num, v->u.n);
		aslrt_jn_buf_puts(&b, num);
	} else
		aslrt_jn_stringify(c, &b, v, 0, 0, false);
	char *s = strdup(aslrt_jn_buf_cstr(&b));
	aslrt_jn_arena_free(&tmp);
	return s;
}
