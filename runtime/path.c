/*
 * path.c - JSONPath as AWS Step Functions evaluates it.
 *
 * AWS runs Jayway JsonPath over Jackson JsonNode trees, and its error causes
 * are Jayway's exception texts, so this file follows Jayway's token model
 * closely: a path is a root ($ input, $$ context, $name variable) and a list
 * of steps (property, property list, index, index list, slice, wildcard, deep
 * scan, filter), each rendered as Jayway renders it (['a'], [0], [1:], [*],
 * .., [?]) for messages.  Evaluation walks the steps as Jayway's
 * PathToken.evaluate does, including its quirks: definiteness is decided per
 * step from the steps before it ("upstream definite"), an index past the end
 * of an array selects null (Jackson's ArrayNode.get), a slice [a:b] with a
 * negative b selects nothing, and a deep scan followed by an index filters the
 * elements the way ScanPathToken does.  A definite path that selects nothing
 * reports Jayway's PathNotFoundException message; an indefinite one yields an
 * array, empty when nothing matched, and never fails.
 *
 * Filters ([?(...)]) are parsed into a small expression tree and compared the
 * way Jayway's ValueNode evaluators compare: numbers with numbers, strings
 * with strings (or with a number's text for ==), a missing operand equal to
 * nothing, =~ against a POSIX translation of the Java pattern.
 *
 * Reference Paths additionally accept the spec's backslash escapes in dot
 * notation ($.store\.book).  ResultPath stores are our own code, not Jayway's.
 *
 * A parsed path is read-only; evaluation keeps its state on the stack and
 * touches reference counts only of the nodes it returns.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt.h"

/* --- the parsed form --- */

enum aslrt_path_kind {
	PK_FIELD,	/* ['a'] */
	PK_PROPS,	/* ['a','b']: merged object when last, else iterated */
	PK_INDEX,	/* [0] */
	PK_INDEXES,	/* [0,1] */
	PK_SLICE,	/* [1:], [1:2], [:2] */
	PK_WILD,	/* [*], .* */
	PK_SCAN,	/* .. */
	PK_FILTER,	/* [?(...)] */
};

enum { SL_FROM, SL_BETWEEN, SL_TO };

struct aslrt_path_fexpr;

struct aslrt_path_step {
	enum aslrt_path_kind kind;
	char **names;
	size_t *namelens;
	int nnames;
	long *idx;
	int nidx;
	int slice;
	long from, to;
	struct aslrt_path_fexpr *filter;
	char delim;	/* the quote of ['a'] or ["a"] */
	char *frag;	/* Jayway's getPathFragment() */
	bool definite;	/* isTokenDefinite() */
	bool updef;	/* isUpstreamDefinite() */
};

struct aslrt_path {
	char *text;
	aslrt_root root;
	char rootch;	/* '$' or '@' (filter paths) */
	char *var;
	int n;
	struct aslrt_path_step *steps;
	bool definite, reference;
};

/* Filter expressions. */
enum { FX_OR, FX_AND, FX_NOT, FX_REL };
enum { FV_UNDEF, FV_NULL, FV_BOOL, FV_NUM, FV_STR, FV_JSON, FV_LIST, FV_PAT, FV_PATH };
enum {
	OP_EQ, OP_NE, OP_TSEQ, OP_TSNE, OP_LT, OP_LE, OP_GT, OP_GE, OP_REGEX, OP_IN, OP_NIN,
	OP_CONTAINS, OP_ALL, OP_SIZE, OP_EMPTY, OP_SUBSETOF, OP_ANYOF, OP_NONEOF, OP_EXISTS
};

struct aslrt_path_fval {
	int kind;
	bool b;
	double num;
	char *str;	/* FV_STR: the string; FV_NUM: the number's text */
	size_t len;
	struct json_object *json;	/* FV_JSON literal (owned) */
	regex_t re;	/* FV_PAT */
	aslrt_path *path;	/* FV_PATH */
	bool should_exist;
};

struct aslrt_path_fexpr {
	int kind;
	struct aslrt_path_fexpr **kids;
	int nkids;
	int op;
	struct aslrt_path_fval l, r;
};

/* A model that is Java null (an index past the end), as opposed to a JSON
 * null (NullNode, the NULL pointer).  Never handed to json-c. */
static char aslrt_path_jnull_marker;
#define JNULL ((struct json_object *)&aslrt_path_jnull_marker)

/* --- small buffers --- */

typedef struct {
	char *s;
	size_t len, cap;
} aslrt_path_buf;

static void buf_put(aslrt_path_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p)
			abort();
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void buf_str(aslrt_path_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_fmt(aslrt_path_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(aslrt_path_buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_put(b, tmp, (size_t)n);
}

static void buf_trunc(aslrt_path_buf *b, size_t len)
{
	b->len = len;
	if (b->s)
		b->s[len] = 0;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		abort();
	return p;
}

/* A vector of borrowed nodes (results of an evaluation). */
typedef struct {
	struct json_object **v;
	int n, cap;
} aslrt_path_vec;

static void vec_push(aslrt_path_vec *v, struct json_object *o)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = xrealloc(v->v, (size_t)v->cap * sizeof *v->v);
	}
	v->v[v->n++] = o;
}

/* --- parser --- */

typedef struct {
	const char *s;
	size_t len, pos;
	char *why;
	size_t whylen;
	int depth;
} aslrt_path_parser;

static int perr(aslrt_path_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(aslrt_path_parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->why, ps->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_blanks(aslrt_path_parser *ps)
{
	while (ps->pos < ps->len && is_blank(ps->s[ps->pos]))
		ps->pos++;
}

static int peek(aslrt_path_parser *ps)
{
	return ps->pos < ps->len ? (unsigned char)ps->s[ps->pos] : -1;
}

static void put_utf8(aslrt_path_buf *b, unsigned long cp)
{
	char u[4];
	if (cp < 0x80) {
		u[0] = (char)cp;
		buf_put(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_put(b, u, 4);
	}
}

static int hex4(const char *s, size_t n, unsigned long *cp)
{
	*cp = 0;
	if (n < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i];
		int d = isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
		if (d < 0)
			return -1;
		*cp = *cp << 4 | (unsigned long)d;
	}
	return 0;
}

/*
 * Read a quoted string starting at ps->pos (the quote), decoding Java-style
 * escapes as Jayway's Utils.unescape does (\uXXXX pairs joined into one code
 * point).  The result goes to b; ps->pos ends after the closing quote.
 */
static int read_quoted(aslrt_path_parser *ps, aslrt_path_buf *b)
{
	char q = ps->s[ps->pos];
	size_t start = ps->pos++;
	while (ps->pos < ps->len) {
		char c = ps->s[ps->pos];
		if (c == q) {
			ps->pos++;
			if (!b->s)
				buf_put(b, "", 0);
			return 0;
		}
		if (c != '\\') {
			buf_put(b, &c, 1);
			ps->pos++;
			continue;
		}
		if (ps->pos + 1 >= ps->len)
			break;
		c = ps->s[ps->pos + 1];
		ps->pos += 2;
		switch (c) {
		case 'b': buf_put(b, "\b", 1); break;
		case 'f': buf_put(b, "\f", 1); break;
		case 'n': buf_put(b, "\n", 1); break;
		case 'r': buf_put(b, "\r", 1); break;
		case 't': buf_put(b, "\t", 1); break;
		case 'u': {
			unsigned long cp, lo;
			if (hex4(ps->s + ps->pos, ps->len - ps->pos, &cp) < 0)
				return perr(ps, "invalid \\u escape at offset %zu", ps->pos - 2);
			ps->pos += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && ps->pos + 6 <= ps->len &&
			    ps->s[ps->pos] == '\\' && ps->s[ps->pos + 1] == 'u' &&
			    hex4(ps->s + ps->pos + 2, 4, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				ps->pos += 6;
			}
			put_utf8(b, cp);
			break;
		}
		default:
			buf_put(b, &c, 1);
		}
	}
	return perr(ps, "unterminated string starting at offset %zu", start);
}

static int parse_filter(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out);
static aslrt_path *parse_ex(const char *text, size_t len, bool filter_path, int depth,
			    char *why, size_t whylen);

static struct aslrt_path_step *new_step(aslrt_path *p, enum aslrt_path_kind kind)
{
	p->steps = xrealloc(p->steps, (size_t)(p->n + 1) * sizeof *p->steps);
	struct aslrt_path_step *s = &p->steps[p->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	return s;
}

static void add_name(struct aslrt_path_step *s, const char *name, size_t len)
{
	s->names = xrealloc(s->names, (size_t)(s->nnames + 1) * sizeof *s->names);
	s->namelens = xrealloc(s->namelens, (size_t)(s->nnames + 1) * sizeof *s->namelens);
	s->names[s->nnames] = xstrndup(name, len);
	s->namelens[s->nnames++] = len;
}

/* A dot-notation name: up to an unescaped '.' or '[' (backslash escapes the
 * next character, as Reference Paths allow). */
static int parse_dot_name(aslrt_path_parser *ps, aslrt_path *p)
{
	aslrt_path_buf b = {0};
	size_t start = ps->pos;
	while (ps->pos < ps->len) {
		char c = ps->s[ps->pos];
		if (c == '.' || c == '[')
			break;
		if (c == '\\') {
			if (ps->pos + 1 >= ps->len) {
				free(b.s);
				return perr(ps, "dangling escape at offset %zu", ps->pos);
			}
			buf_put(&b, ps->s + ps->pos + 1, 1);
			ps->pos += 2;
			continue;
		}
		if (is_blank(c)) {
			free(b.s);
			return perr(ps, "blank in a property name at offset %zu: use bracket notation ['my prop']",
				    ps->pos);
		}
		if (c == '(') {
			free(b.s);
			return perr(ps, "path functions such as '%.*s()' are not supported",
				    (int)(ps->pos - start), ps->s + start);
		}
		if (c == ']' || c == ')') {
			free(b.s);
			return perr(ps, "unbalanced '%c' at offset %zu", c, ps->pos);
		}
		buf_put(&b, &c, 1);
		ps->pos++;
	}
	if (ps->pos == start) {
		free(b.s);
		return perr(ps, "empty property name at offset %zu", start);
	}
	struct aslrt_path_step *s = new_step(p, PK_FIELD);
	add_name(s, b.s, b.len);
	free(b.s);
	return 0;
}

static int parse_int(aslrt_path_parser *ps, const char *s, size_t n, size_t at, long *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof tmp)
		return perr(ps, "invalid array index at offset %zu", at);
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	errno = 0;
	long v = strtol(tmp, &end, 10);
	if (*end || errno || v > INT_MAX || v < INT_MIN || !(isdigit((unsigned char)tmp[0]) || tmp[0] == '-'))
		return perr(ps, "invalid array index '%s' at offset %zu", tmp, at);
	*out = v;
	return 0;
}

/* [1], [1,2], [1:2], [:2], [-3:] (Jayway's ArrayIndexOperation and
 * ArraySliceOperation; a third slice part is read and ignored, as Jayway does). */
static int parse_array(aslrt_path_parser *ps, aslrt_path *p, size_t close)
{
	size_t a = ps->pos, e = close;
	while (a < e && is_blank(ps->s[a]))
		a++;
	while (e > a && is_blank(ps->s[e - 1]))
		e--;
	const char *x = ps->s + a;
	size_t n = e - a;
	if (memchr(x, ':', n)) {
		/* Java's split(":") drops trailing empty parts. */
		size_t parts[4][2];
		int np = 0;
		size_t i = 0, st = 0;
		for (i = 0; i <= n; i++) {
			if (i == n || x[i] == ':') {
				if (np == 4)
					return perr(ps, "invalid slice at offset %zu", a);
				parts[np][0] = st;
				parts[np][1] = i - st;
				np++;
				st = i + 1;
			} else if (!isdigit((unsigned char)x[i]) && x[i] != '-') {
				return perr(ps, "invalid slice at offset %zu", a);
			}
		}
		while (np > 0 && parts[np - 1][1] == 0)
			np--;
		bool hf = np > 0 && parts[0][1] > 0, ht = np > 1 && parts[1][1] > 0;
		long from = 0, to = 0;
		if (hf && parse_int(ps, x + parts[0][0], parts[0][1], a, &from) < 0)
			return -1;
		if (ht && parse_int(ps, x + parts[1][0], parts[1][1], a, &to) < 0)
			return -1;
		if (np > 2 && parse_int(ps, x + parts[2][0], parts[2][1], a, &(long){0}) < 0)
			return -1;
		if (!hf && !ht)
			return perr(ps, "invalid slice at offset %zu", a);
		struct aslrt_path_step *s = new_step(p, PK_SLICE);
		s->slice = hf && !ht ? SL_FROM : hf ? SL_BETWEEN : SL_TO;
		s->from = from;
		s->to = to;
	} else {
		struct aslrt_path_step *s = new_step(p, PK_INDEX);
		size_t i = 0;
		for (;;) {
			while (i < n && x[i] == ' ')
				i++;
			size_t st = i;
			while (i < n && x[i] != ',' && x[i] != ' ')
				i++;
			long v;
			if (parse_int(ps, x + st, i - st, a + st, &v) < 0)
				return -1;
			s->idx = xrealloc(s->idx, (size_t)(s->nidx + 1) * sizeof *s->idx);
			s->idx[s->nidx++] = v;
			while (i < n && x[i] == ' ')
				i++;
			if (i == n)
				break;
			if (x[i] != ',')
				return perr(ps, "invalid array index at offset %zu", a + i);
			i++;
		}
		if (s->nidx > 1)
			s->kind = PK_INDEXES;
	}
	ps->pos = close + 1;
	return 0;
}

/* The offset of the ')' closing the '(' at pos, skipping quoted strings and
 * /regex/ literals, or (size_t)-1. */
static size_t match_paren(const char *s, size_t len, size_t pos)
{
	int depth = 0;
	for (size_t i = pos; i < len; i++) {
		char c = s[i];
		if (c == '\'' || c == '"' || (c == '/' && i > 0)) {
			if (c == '/') {
				/* A regex literal follows =~ (possibly after blanks). */
				size_t k = i;
				while (k > pos && is_blank(s[k - 1]))
					k--;
				if (!(k >= 2 && s[k - 1] == '~' && s[k - 2] == '='))
					continue;
			}
			for (i++; i < len && s[i] != c; i++)
				if (s[i] == '\\')
					i++;
			if (i >= len)
				return (size_t)-1;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			return i;
	}
	return (size_t)-1;
}

static int parse_bracket(aslrt_path_parser *ps, aslrt_path *p)
{
	size_t open = ps->pos++;
	skip_blanks(ps);
	int c = peek(ps);
	if (c == '\'' || c == '"') {
		struct aslrt_path_step *s = new_step(p, PK_FIELD);
		s->delim = (char)c;
		for (;;) {
			skip_blanks(ps);
			c = peek(ps);
			if (c != '\'' && c != '"')
				return perr(ps, "expected a quoted property name at offset %zu", ps->pos);
			aslrt_path_buf b = {0};
			if (read_quoted(ps, &b) < 0) {
				free(b.s);
				return -1;
			}
			add_name(s, b.s, b.len);
			free(b.s);
			skip_blanks(ps);
			c = peek(ps);
			if (c == ']')
				break;
			if (c != ',')
				return c < 0 ? perr(ps, "unterminated bracket at offset %zu", open)
					     : perr(ps, "expected ',' or ']' at offset %zu", ps->pos);
			ps->pos++;
		}
		ps->pos++;
		if (s->nnames > 1)
			s->kind = PK_PROPS;
		return 0;
	}
	if (c == '*') {
		ps->pos++;
		skip_blanks(ps);
		if (peek(ps) != ']')
			return peek(ps) < 0 ? perr(ps, "unterminated bracket at offset %zu", open)
					    : perr(ps, "expected ']' after '*' at offset %zu", ps->pos);
		ps->pos++;
		new_step(p, PK_WILD);
		return 0;
	}
	if (c == '?') {
		ps->pos++;
		skip_blanks(ps);
		if (peek(ps) != '(')
			return perr(ps, "expected '(' after '[?' at offset %zu (placeholder filters are not supported)",
				    ps->pos);
		size_t close = match_paren(ps->s, ps->len, ps->pos);
		if (close == (size_t)-1)
			return perr(ps, "unterminated filter at offset %zu", open);
		struct aslrt_path_fexpr *f;
		if (parse_filter(ps, close + 1, &f) < 0)
			return -1;
		struct aslrt_path_step *s = new_step(p, PK_FILTER);
		s->filter = f;
		ps->pos = close + 1;
		skip_blanks(ps);
		if (peek(ps) != ']')
			return peek(ps) < 0 ? perr(ps, "unterminated bracket at offset %zu", open)
					    : perr(ps, "expected ']' after a filter at offset %zu", ps->pos);
		ps->pos++;
		return 0;
	}
	if (c >= 0 && (isdigit(c) || c == '-' || c == ':')) {
		const char *close = memchr(ps->s + ps->pos, ']', ps->len - ps->pos);
		if (!close)
			return perr(ps, "unterminated bracket at offset %zu", open);
		return parse_array(ps, p, (size_t)(close - ps->s));
	}
	if (c < 0)
		return perr(ps, "unterminated bracket at offset %zu", open);
	return perr(ps, "unexpected '%c' at offset %zu: expected ?, ', \", 0-9, - or *", c, ps->pos);
}

static void render_frags(aslrt_path *p)
{
	for (int i = 0; i < p->n; i++) {
		struct aslrt_path_step *s = &p->steps[i];
		aslrt_path_buf b = {0};
		switch (s->kind) {
		case PK_FIELD:
		case PK_PROPS: {
			char q = s->delim ? s->delim : '\'';
			buf_put(&b, "[", 1);
			for (int k = 0; k < s->nnames; k++) {
				if (k)
					buf_put(&b, ",", 1);
				buf_put(&b, &q, 1);
				buf_put(&b, s->names[k], s->namelens[k]);
				buf_put(&b, &q, 1);
			}
			buf_put(&b, "]", 1);
			break;
		}
		case PK_INDEX:
		case PK_INDEXES:
			buf_put(&b, "[", 1);
			for (int k = 0; k < s->nidx; k++)
				buf_fmt(&b, k ? ",%ld" : "%ld", s->idx[k]);
			buf_put(&b, "]", 1);
			break;
		case PK_SLICE:
			buf_put(&b, "[", 1);
			if (s->slice != SL_TO)
				buf_fmt(&b, "%ld", s->from);
			buf_put(&b, ":", 1);
			if (s->slice != SL_FROM)
				buf_fmt(&b, "%ld", s->to);
			buf_put(&b, "]", 1);
			break;
		case PK_WILD:
			buf_str(&b, "[*]");
			break;
		case PK_SCAN:
			buf_str(&b, "..");
			break;
		case PK_FILTER:
			buf_str(&b, "[?]");
			break;
		}
		s->frag = b.s;
	}
}

static void fexpr_free(struct aslrt_path_fexpr *e);

static void fval_free(struct aslrt_path_fval *v)
{
	free(v->str);
	json_object_put(v->json);
	if (v->kind == FV_PAT)
		regfree(&v->re);
	aslrt_path_free(v->path);
}

static void fexpr_free(struct aslrt_path_fexpr *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nkids; i++)
		fexpr_free(e->kids[i]);
	free(e->kids);
	if (e->kind == FX_REL) {
		fval_free(&e->l);
		fval_free(&e->r);
	}
	free(e);
}

void aslrt_path_free(aslrt_path *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++) {
		struct aslrt_path_step *s = &p->steps[i];
		for (int k = 0; k < s->nnames; k++)
			free(s->names[k]);
		free(s->names);
		free(s->namelens);
		free(s->idx);
		fexpr_free(s->filter);
		free(s->frag);
	}
	free(p->steps);
	free(p->text);
	free(p->var);
	free(p);
}

static bool var_char(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

static aslrt_path *parse_ex(const char *text, size_t len, bool filter_path, int depth,
			    char *why, size_t whylen)
{
	aslrt_path_parser ps = {text, len, 0, why, whylen, depth};
	if (depth > 32) {
		snprintf(why, whylen, "filters nested too deeply");
		return NULL;
	}
	aslrt_path *p = xcalloc(1, sizeof *p);
	p->text = xstrndup(text, len);
	p->rootch = '$';
	if (len == 0 || (text[0] != '$' && !(filter_path && text[0] == '@'))) {
		perr(&ps, "a path must start with '$'");
		goto fail;
	}
	p->rootch = text[0];
	ps.pos = 1;
	if (!filter_path && len > 1 && text[1] == '$') {
		p->root = ASLRT_ROOT_CONTEXT;
		ps.pos = 2;
	} else if (!filter_path && len > 1 && var_char((unsigned char)text[1])) {
		p->root = ASLRT_ROOT_VAR;
		while (ps.pos < len && var_char((unsigned char)text[ps.pos]))
			ps.pos++;
		p->var = xstrndup(text + 1, ps.pos - 1);
	}
	if (ps.pos < len && text[ps.pos] != '.' && text[ps.pos] != '[') {
		perr(&ps, "unexpected '%c' at offset %zu: expected '.' or '['", text[ps.pos], ps.pos);
		goto fail;
	}
	while (ps.pos < len) {
		char c = text[ps.pos];
		if (c == '[') {
			if (parse_bracket(&ps, p) < 0)
				goto fail;
			continue;
		}
		if (c != '.') {
			perr(&ps, "unexpected '%c' at offset %zu: expected '.' or '['", c, ps.pos);
			goto fail;
		}
		if (ps.pos + 1 < len && text[ps.pos + 1] == '.') {
			new_step(p, PK_SCAN);
			ps.pos += 2;
			if (ps.pos == len) {
				perr(&ps, "a path must not end with '..'");
				goto fail;
			}
		} else {
			ps.pos++;
			if (ps.pos == len) {
				perr(&ps, "a path must not end with '.'");
				goto fail;
			}
		}
		c = text[ps.pos];
		if (c == '.') {
			perr(&ps, "unexpected '.' at offset %zu", ps.pos);
			goto fail;
		} else if (c == '*') {
			new_step(p, PK_WILD);
			ps.pos++;
		} else if (c == '[') {
			if (parse_bracket(&ps, p) < 0)
				goto fail;
		} else if (parse_dot_name(&ps, p) < 0) {
			goto fail;
		}
	}
	render_frags(p);
	p->definite = true;
	p->reference = true;
	for (int i = 0; i < p->n; i++) {
		struct aslrt_path_step *s = &p->steps[i];
		bool last = i == p->n - 1;
		s->updef = p->definite;
		s->definite = s->kind == PK_FIELD || s->kind == PK_INDEX || (s->kind == PK_PROPS && last);
		p->definite = p->definite && s->definite;
		if (s->kind != PK_FIELD && s->kind != PK_INDEX)
			p->reference = false;
	}
	return p;
fail:
	aslrt_path_free(p);
	return NULL;
}

/* --- filter parser (Jayway's FilterCompiler) --- */

static bool relop_char(int c)
{
	return c == '<' || c == '>' || c == '=' || c == '~' || c == '!';
}

static int read_fpath(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v, bool should_exist)
{
	size_t begin = ps->pos++;
	while (ps->pos < end) {
		char c = ps->s[ps->pos];
		if (c == '[') {
			/* skip to the matching ']', over strings */
			int depth = 0;
			size_t i;
			for (i = ps->pos; i < end; i++) {
				char d = ps->s[i];
				if (d == '\'' || d == '"') {
					for (i++; i < end && ps->s[i] != d; i++)
						if (ps->s[i] == '\\')
							i++;
				} else if (d == '[') {
					depth++;
				} else if (d == ']' && --depth == 0) {
					break;
				}
			}
			if (i >= end)
				return perr(ps, "unbalanced brackets in filter at offset %zu", ps->pos);
			ps->pos = i + 1;
			continue;
		}
		if (relop_char(c) || c == ' ' || c == ')' || c == '&' || c == '|' || is_blank(c))
			break;
		if (c == '(')
			return perr(ps, "path functions are not supported (offset %zu)", ps->pos);
		ps->pos++;
	}
	char why[ASLRT_ERRLEN];
	v->path = parse_ex(ps->s + begin, ps->pos - begin, true, ps->depth + 1, why, sizeof why);
	if (!v->path)
		return perr(ps, "in filter path '%.*s': %s", (int)(ps->pos - begin), ps->s + begin, why);
	v->kind = FV_PATH;
	v->should_exist = should_exist;
	return 0;
}

static bool big_decimal(const char *s, size_t n)
{
	size_t i = 0, d = 0;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	while (i < n && isdigit((unsigned char)s[i]))
		i++, d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			d++;
	if (!d)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !isdigit((unsigned char)s[i]))
			return false;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == n;
}

/* Java's Pattern syntax is close enough to POSIX ERE for common filters;
 * translate \d and \D, anchor for Matcher.matches(). */
static int compile_regex(aslrt_path_parser *ps, const char *s, size_t n, const char *flags, size_t nf,
			 regex_t *re)
{
	aslrt_path_buf b = {0};
	buf_str(&b, "^(");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'd' || s[i + 1] == 'D')) {
			buf_str(&b, s[i + 1] == 'd' ? "[0-9]" : "[^0-9]");
			i++;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '/') {
			buf_str(&b, "/");
			i++;
		} else {
			buf_put(&b, s + i, 1);
			if (s[i] == '\\' && i + 1 < n)
				buf_put(&b, s + ++i, 1);
		}
	}
	buf_str(&b, ")$");
	int cflags = REG_EXTENDED | REG_NOSUB;
	if (memchr(flags, 'i', nf))
		cflags |= REG_ICASE;
	int rc = regcomp(re, b.s, cflags);
	free(b.s);
	if (rc) {
		char msg[128];
		regerror(rc, re, msg, sizeof msg);
		return perr(ps, "invalid regular expression /%.*s/: %s", (int)n, s, msg);
	}
	return 0;
}

static int read_literal(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v)
{
	skip_blanks(ps);
	size_t begin = ps->pos;
	int c = ps->pos < end ? (unsigned char)ps->s[ps->pos] : -1;
	if (c == '\'' || c == '"') {
		aslrt_path_parser sub = *ps;
		sub.len = end;
		aslrt_path_buf b = {0};
		if (read_quoted(&sub, &b) < 0) {
			free(b.s);
			return -1;
		}
		ps->pos = sub.pos;
		v->kind = FV_STR;
		v->str = b.s;
		v->len = b.len;
		return 0;
	}
	if (c == '[' || c == '{') {
		char close = c == '[' ? ']' : '}';
		int depth = 0;
		size_t i;
		for (i = ps->pos; i < end; i++) {
			char d = ps->s[i];
			if (d == '\'' || d == '"') {
				for (i++; i < end && ps->s[i] != d; i++)
					if (ps->s[i] == '\\')
						i++;
			} else if (d == c) {
				depth++;
			} else if (d == close && --depth == 0) {
				break;
			}
		}
		if (i >= end)
			return perr(ps, "unterminated JSON literal at offset %zu", begin);
		/* json-c's lenient mode takes Jayway's single-quoted strings. */
		struct json_tokener *tok = json_tokener_new();
		if (!tok)
			abort();
		struct json_object *j = json_tokener_parse_ex(tok, ps->s + begin, (int)(i + 1 - begin));
		bool ok = json_tokener_get_error(tok) == json_tokener_success &&
			  json_tokener_get_parse_end(tok) == i + 1 - begin;
		json_tokener_free(tok);
		if (!ok) {
			json_object_put(j);
			return perr(ps, "invalid JSON literal at offset %zu", begin);
		}
		v->kind = FV_JSON;
		v->json = j;
		ps->pos = i + 1;
		return 0;
	}
	if (c == '/') {
		size_t i;
		for (i = ps->pos + 1; i < end && ps->s[i] != '/'; i++)
			if (ps->s[i] == '\\')
				i++;
		if (i >= end)
			return perr(ps, "unterminated regular expression at offset %zu", begin);
		size_t fl = i + 1;
		while (fl < end && isalpha((unsigned char)ps->s[fl]))
			fl++;
		if (compile_regex(ps, ps->s + begin + 1, i - begin - 1, ps->s + i + 1, fl - i - 1, &v->re) < 0)
			return -1;
		v->kind = FV_PAT;
		ps->pos = fl;
		return 0;
	}
	static const struct {
		const char *w;
		int kind;
		bool b;
	} words[] = {{"true", FV_BOOL, true}, {"false", FV_BOOL, false}, {"null", FV_NULL, false}};
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t wl = strlen(words[k].w);
		if (end - ps->pos >= wl && memcmp(ps->s + ps->pos, words[k].w, wl) == 0) {
			v->kind = words[k].kind;
			v->b = words[k].b;
			ps->pos += wl;
			return 0;
		}
	}
	while (ps->pos < end && (isdigit((unsigned char)ps->s[ps->pos]) || strchr("-.eE", ps->s[ps->pos])))
		ps->pos++;
	if (!big_decimal(ps->s + begin, ps->pos - begin))
		return perr(ps, "invalid literal in filter at offset %zu", begin);
	v->kind = FV_NUM;
	v->str = xstrndup(ps->s + begin, ps->pos - begin);
	v->len = ps->pos - begin;
	v->num = strtod(v->str, NULL);
	return 0;
}

static int read_value(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v)
{
	skip_blanks(ps);
	int c = peek(ps);
	bool neg = false;
	if (c == '!') {
		ps->pos++;
		skip_blanks(ps);
		c = peek(ps);
		if (c != '$' && c != '@')
			return perr(ps, "unexpected '!' at offset %zu", ps->pos);
		neg = true;
	}
	if (c == '$' || c == '@')
		return read_fpath(ps, end, v, !neg);
	return read_literal(ps, end, v);
}

static int read_relop(aslrt_path_parser *ps, size_t end, int *op)
{
	static const struct {
		const char *s;
		int op;
	} ops[] = {
		{">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ}, {"===", OP_TSEQ}, {"!=", OP_NE},
		{"!==", OP_TSNE}, {"<", OP_LT}, {">", OP_GT}, {"=~", OP_REGEX}, {"nin", OP_NIN},
		{"in", OP_IN}, {"contains", OP_CONTAINS}, {"all", OP_ALL}, {"size", OP_SIZE},
		{"empty", OP_EMPTY}, {"subsetof", OP_SUBSETOF}, {"anyof", OP_ANYOF},
		{"noneof", OP_NONEOF},
	};
	skip_blanks(ps);
	size_t b = ps->pos;
	if (ps->pos < end && relop_char(ps->s[ps->pos])) {
		while (ps->pos < end && relop_char(ps->s[ps->pos]))
			ps->pos++;
	} else {
		while (ps->pos < end && isalpha((unsigned char)ps->s[ps->pos]))
			ps->pos++;
	}
	size_t n = ps->pos - b;
	for (size_t k = 0; n && k < sizeof ops / sizeof ops[0]; k++)
		if (strlen(ops[k].s) == n && strncasecmp(ops[k].s, ps->s + b, n) == 0) {
			*op = ops[k].op;
			return 0;
		}
	ps->pos = b;
	return -1;
}

static bool at_op(aslrt_path_parser *ps, size_t end, const char *op)
{
	size_t save = ps->pos;
	skip_blanks(ps);
	if (end - ps->pos >= 2 && memcmp(ps->s + ps->pos, op, 2) == 0) {
		ps->pos += 2;
		return true;
	}
	ps->pos = save;
	return false;
}

static struct aslrt_path_fexpr *fx_new(int kind)
{
	struct aslrt_path_fexpr *e = xcalloc(1, sizeof *e);
	e->kind = kind;
	return e;
}

static void fx_add(struct aslrt_path_fexpr *e, struct aslrt_path_fexpr *k)
{
	e->kids = xrealloc(e->kids, (size_t)(e->nkids + 1) * sizeof *e->kids);
	e->kids[e->nkids++] = k;
}

static int fx_or(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out);

static int fx_operand(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	skip_blanks(ps);
	if (++ps->depth > 64)
		return perr(ps, "filter nested too deeply");
	int c = peek(ps);
	int rc;
	if (c == '!') {
		size_t save = ps->pos++;
		skip_blanks(ps);
		c = peek(ps);
		if (c != '$' && c != '@') {
			struct aslrt_path_fexpr *k;
			if (fx_operand(ps, end, &k) < 0)
				return -1;
			*out = fx_new(FX_NOT);
			fx_add(*out, k);
			ps->depth--;
			return 0;
		}
		ps->pos = save;
	}
	if (c == '(') {
		ps->pos++;
		if (fx_or(ps, end, out) < 0)
			return -1;
		skip_blanks(ps);
		if (peek(ps) != ')') {
			fexpr_free(*out);
			return perr(ps, "expected ')' at offset %zu", ps->pos);
		}
		ps->pos++;
		ps->depth--;
		return 0;
	}
	struct aslrt_path_fexpr *e = fx_new(FX_REL);
	if (read_value(ps, end, &e->l) < 0) {
		fexpr_free(e);
		return -1;
	}
	size_t save = ps->pos;
	if (read_relop(ps, end, &e->op) == 0) {
		rc = read_value(ps, end, &e->r);
		if (rc < 0) {
			fexpr_free(e);
			return -1;
		}
		if (e->op == OP_REGEX && (e->l.kind == FV_PAT) == (e->r.kind == FV_PAT)) {
			fexpr_free(e);
			return perr(ps, "=~ needs a /pattern/ on one side");
		}
	} else {
		ps->pos = save;
		if (e->l.kind != FV_PATH) {
			fexpr_free(e);
			return perr(ps, "expected an operator at offset %zu", ps->pos);
		}
		e->op = OP_EXISTS;
	}
	*out = e;
	ps->depth--;
	return 0;
}

static int fx_and(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	struct aslrt_path_fexpr *k, *e = NULL;
	if (fx_operand(ps, end, &k) < 0)
		return -1;
	while (at_op(ps, end, "&&")) {
		if (!e) {
			e = fx_new(FX_AND);
			fx_add(e, k);
		}
		if (fx_operand(ps, end, &k) < 0) {
			fexpr_free(e);
			return -1;
		}
		fx_add(e, k);
	}
	*out = e ? e : k;
	return 0;
}

static int fx_or(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	struct aslrt_path_fexpr *k, *e = NULL;
	if (fx_and(ps, end, &k) < 0)
		return -1;
	while (at_op(ps, end, "||")) {
		if (!e) {
			e = fx_new(FX_OR);
			fx_add(e, k);
		}
		if (fx_and(ps, end, &k) < 0) {
			fexpr_free(e);
			return -1;
		}
		fx_add(e, k);
	}
	*out = e ? e : k;
	return 0;
}

/* The filter is "( ... )" from ps->pos to end (exclusive). */
static int parse_filter(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	aslrt_path_parser sub = *ps;
	sub.len = end;
	if (fx_or(&sub, end, out) < 0)
		return -1;
	skip_blanks(&sub);
	if (sub.pos != end) {
		fexpr_free(*out);
		return perr(ps, "unexpected '%c' in filter at offset %zu", sub.s[sub.pos], sub.pos);
	}
	return 0;
}

aslrt_path *aslrt_path_parse(const char *text, char *why, size_t whylen)
{
	if (!text) {
		snprintf(why, whylen, "no path");
		return NULL;
	}
	return parse_ex(text, strlen(text), false, 0, why, whylen);
}

const char *aslrt_path_text(const aslrt_path *p)
{
	return p->text;
}

aslrt_root aslrt_path_root(const aslrt_path *p)
{
	return p->root;
}

const char *aslrt_path_var(const aslrt_path *p)
{
	return p->var;
}

bool aslrt_path_is_definite(const aslrt_path *p)
{
	return p->definite;
}

bool aslrt_path_is_reference(const aslrt_path *p)
{
	return p->reference;
}

int aslrt_path_nsteps(const aslrt_path *p)
{
	return p->n;
}

aslrt_step_kind aslrt_path_step(const aslrt_path *p, int i, const char **field, long *index)
{
	if (i < 0 || i >= p->n)
		return ASLRT_STEP_OTHER;
	const struct aslrt_path_step *s = &p->steps[i];
	if (s->kind == PK_FIELD) {
		if (field)
			*field = s->names[0];
		return ASLRT_STEP_FIELD;
	}
	if (s->kind == PK_INDEX) {
		if (index)
			*index = s->idx[0];
		return ASLRT_STEP_INDEX;
	}
	return ASLRT_STEP_OTHER;
}

/* --- evaluation (Jayway's PathToken.evaluate family) --- */

enum { EV_OK = 0, EV_NOTFOUND = 1, EV_INVALID = 2 };

typedef struct {
	const aslrt_path *p;
	struct json_object *root;	/* $ inside filters */
	aslrt_path_vec res;	/* borrowed (JNULL already mapped to NULL) */
	aslrt_path_vec owned;	/* merged objects built here */
	bool require;	/* Option.REQUIRE_PROPERTIES (existence checks) */
	int *upidx;	/* ScanPathToken's upstreamArrayIndex per step */
	aslrt_path_buf cur;	/* the current path, Jayway-rendered */
	char *why;
	size_t whylen;
} aslrt_path_ctx;

static int fail(aslrt_path_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(aslrt_path_ctx *c, int code, const char *fmt, ...)
{
	if (c->why) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool is_map(struct json_object *m)
{
	return m != JNULL && json_object_is_type(m, json_type_object);
}

static bool is_array(struct json_object *m)
{
	return m != JNULL && json_object_is_type(m, json_type_array);
}

/* The class Jackson gives a node, for Jayway's "but found '%s'". */
static const char *java_class(struct json_object *m)
{
	if (m == JNULL)
		return "null";
	switch (json_object_get_type(m)) {
	case json_type_null: return "com.fasterxml.jackson.databind.node.NullNode";
	case json_type_boolean: return "com.fasterxml.jackson.databind.node.BooleanNode";
	case json_type_double: return "com.fasterxml.jackson.databind.node.DoubleNode";
	case json_type_int: {
		int64_t v = json_object_get_int64(m);
		if (v == INT64_MAX && json_object_get_uint64(m) > INT64_MAX)
			return "com.fasterxml.jackson.databind.node.BigIntegerNode";
		if (v > INT32_MAX || v < INT32_MIN)
			return "com.fasterxml.jackson.databind.node.LongNode";
		return "com.fasterxml.jackson.databind.node.IntNode";
	}
	case json_type_string: return "com.fasterxml.jackson.databind.node.TextNode";
	case json_type_array: return "com.fasterxml.jackson.databind.node.ArrayNode";
	case json_type_object: return "com.fasterxml.jackson.databind.node.ObjectNode";
	}
	return "null";
}

static int ev_step(aslrt_path_ctx *c, int i, struct json_object *m);
static int filter_accept(aslrt_path_ctx *c, const struct aslrt_path_fexpr *f, struct json_object *item);

static void add_result(aslrt_path_ctx *c, struct json_object *m)
{
	vec_push(&c->res, m == JNULL ? NULL : m);
}

static int ev_next(aslrt_path_ctx *c, int i, struct json_object *m)
{
	if (i == c->p->n - 1) {
		add_result(c, m);
		return EV_OK;
	}
	return ev_step(c, i + 1, m);
}

/* "Filter: %s ..." prints the token's toString(): this fragment and all after. */
static char *suffix(const aslrt_path *p, int i)
{
	aslrt_path_buf b = {0};
	buf_put(&b, "", 0);
	for (; i < p->n; i++)
		buf_str(&b, p->steps[i].frag);
	return b.s;
}

/* "Filter: <suffix> <what>. Current context is: <m>" */
static int fail_model(aslrt_path_ctx *c, int code, const char *what, int i, struct json_object *m)
{
	char *sfx = suffix(c->p, i);
	char *js = aslrt_json_dump(m == JNULL ? NULL : m);
	int rc = fail(c, code, "Filter: %s %s. Current context is: %s", sfx, what, js);
	free(sfx);
	free(js);
	return rc;
}

/* PathToken.handleObjectProperty for one property. */
static int handle_property(aslrt_path_ctx *c, int i, struct json_object *m, const char *name, size_t nlen)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	bool leaf = i == c->p->n - 1;
	size_t mark = c->cur.len;
	buf_str(&c->cur, "['");
	buf_put(&c->cur, name, nlen);
	buf_str(&c->cur, "']");
	struct json_object *v;
	int rc = EV_OK;
	if (!json_object_object_get_ex(m, name, &v)) {
		if (leaf) {
			if (c->require)
				rc = fail(c, EV_NOTFOUND, "No results for path: %s", c->cur.s);
		} else if ((s->updef && s->definite) || c->require) {
			rc = fail(c, EV_NOTFOUND, "Missing property in path %s", c->cur.s);
		}
		buf_trunc(&c->cur, mark);
		return rc;
	}
	if (leaf) {
		int up = c->upidx[i];
		char idx[32];
		snprintf(idx, sizeof idx, "[%d]", up);
		const char *prev = c->p->n >= 2 ? c->p->steps[c->p->n - 2].frag : "$";
		if (up == -1 || strcmp(prev, idx) == 0)
			add_result(c, v);
	} else {
		rc = ev_step(c, i + 1, v);
	}
	buf_trunc(&c->cur, mark);
	return rc;
}

/* PathToken.handleArrayIndex, with Jackson's ArrayNode.get (null when out
 * of range). */
static int handle_index(aslrt_path_ctx *c, int i, struct json_object *m, long index)
{
	size_t mark = c->cur.len;
	buf_fmt(&c->cur, "[%ld]", index);
	long len = (long)json_object_array_length(m);
	long eff = index < 0 ? len + index : index;
	struct json_object *v = eff >= 0 && eff < len ? json_object_array_get_idx(m, (size_t)eff) : JNULL;
	int rc = ev_next(c, i, v);
	buf_trunc(&c->cur, mark);
	return rc;
}

/* ArrayPathToken.checkArrayModel: 1 to go on, 0 to skip, or an error. */
static int check_array(aslrt_path_ctx *c, int i, struct json_object *m, int *rc)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	*rc = EV_OK;
	if (m == JNULL) {
		if (!s->updef)
			return 0;
		*rc = fail(c, EV_NOTFOUND, "The path %s is null", c->cur.s);
		return 0;
	}
	if (!is_array(m)) {
		if (!s->updef)
			return 0;
		*rc = fail_model(c, EV_NOTFOUND, "can only be applied to arrays",
				 i, m);
		return 0;
	}
	return 1;
}

static int ev_props(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	bool leaf = i == c->p->n - 1;
	if (!is_map(m)) {
		if (!s->updef)
			return EV_OK;
		return fail(c, EV_NOTFOUND,
			    "Expected to find an object with property %s in path %s but found '%s'. "
			    "This is not a json object according to the JsonProvider: "
			    "'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
			    s->frag, c->cur.s, java_class(m));
	}
	if (s->kind == PK_FIELD)
		return handle_property(c, i, m, s->names[0], s->namelens[0]);
	if (leaf) {
		/* Several properties at the end: one merged object. */
		struct json_object *merged = json_object_new_object();
		vec_push(&c->owned, merged);
		for (int k = 0; k < s->nnames; k++) {
			struct json_object *v;
			if (json_object_object_get_ex(m, s->names[k], &v)) {
				json_object_object_add(merged, s->names[k], json_object_get(v));
			} else if (c->require) {
				size_t mark = c->cur.len;
				buf_put(&c->cur, "[", 1);
				for (int j = 0; j < s->nnames; j++) {
					buf_str(&c->cur, j ? ", '" : "'");
					buf_put(&c->cur, s->names[j], s->namelens[j]);
					buf_str(&c->cur, "'");
				}
				buf_put(&c->cur, "]", 1);
				int rc = fail(c, EV_NOTFOUND, "Missing property in path %s", c->cur.s);
				buf_trunc(&c->cur, mark);
				return rc;
			}
		}
		add_result(c, merged);
		return EV_OK;
	}
	for (int k = 0; k < s->nnames; k++) {
		int rc = handle_property(c, i, m, s->names[k], s->namelens[k]);
		if (rc)
			return rc;
	}
	return EV_OK;
}

static int ev_slice(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	long len = (long)json_object_array_length(m), from = s->from, to = s->to, k;
	int rc = EV_OK;
	switch (s->slice) {
	case SL_FROM:
		if (from < 0)
			from += len;
		if (from < 0)
			from = 0;
		for (k = from; k < len && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	case SL_BETWEEN:
		if (to > len)
			to = len;
		if (from >= to || len == 0)
			break;
		for (k = from; k < to && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	case SL_TO:
		if (len == 0)
			break;
		if (to < 0)
			to += len;
		if (to > len)
			to = len;
		for (k = 0; k < to && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	}
	return rc;
}

/* ScanPathToken: does the step after '..' apply to this node? */
static bool scan_pred(aslrt_path_ctx *c, int pt, struct json_object *m, int *rc)
{
	const struct aslrt_path_step *s = &c->p->steps[pt];
	switch (s->kind) {
	case PK_FIELD:
	case PK_PROPS:
		if (!is_map(m))
			return false;
		if (!s->definite)
			return true;
		for (int k = 0; k < s->nnames; k++)
			if (!json_object_object_get_ex(m, s->names[k], NULL))
				return false;
		return true;
	case PK_INDEX:
	case PK_INDEXES:
	case PK_SLICE:
		return is_array(m);
	case PK_WILD:
		return true;
	case PK_FILTER: {
		int a = filter_accept(c, s->filter, m);
		if (a < 0) {
			*rc = EV_INVALID;
			return false;
		}
		return a;
	}
	case PK_SCAN:
		return false;
	}
	return false;
}

static int walk(aslrt_path_ctx *c, int pt, struct json_object *m)
{
	int rc = EV_OK;
	bool leaf = pt == c->p->n - 1;
	if (is_map(m)) {
		if (scan_pred(c, pt, m, &rc))
			rc = ev_step(c, pt, m);
		if (rc)
			return rc;
		json_object_object_foreach(m, key, v)
		{
			size_t mark = c->cur.len;
			buf_str(&c->cur, "['");
			buf_str(&c->cur, key);
			buf_str(&c->cur, "']");
			rc = walk(c, pt, v);
			buf_trunc(&c->cur, mark);
			if (rc)
				return rc;
		}
	} else if (is_array(m)) {
		size_t n = json_object_array_length(m);
		if (scan_pred(c, pt, m, &rc)) {
			if (leaf) {
				rc = ev_step(c, pt, m);
			} else {
				for (size_t k = 0; k < n && !rc; k++) {
					size_t mark = c->cur.len;
					buf_fmt(&c->cur, "[%zu]", k);
					c->upidx[pt + 1] = (int)k;
					rc = ev_step(c, pt + 1, json_object_array_get_idx(m, k));
					buf_trunc(&c->cur, mark);
				}
			}
		}
		for (size_t k = 0; k < n && !rc; k++) {
			size_t mark = c->cur.len;
			buf_fmt(&c->cur, "[%zu]", k);
			rc = walk(c, pt, json_object_array_get_idx(m, k));
			buf_trunc(&c->cur, mark);
		}
	}
	return rc;
}

static int ev_step(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	int rc = EV_OK;
	switch (s->kind) {
	case PK_FIELD:
	case PK_PROPS:
		return ev_props(c, i, m);
	case PK_INDEX:
	case PK_INDEXES:
		if (!check_array(c, i, m, &rc))
			return rc;
		for (int k = 0; k < s->nidx && !rc; k++)
			rc = handle_index(c, i, m, s->idx[k]);
		return rc;
	case PK_SLICE:
		if (!check_array(c, i, m, &rc))
			return rc;
		return ev_slice(c, i, m);
	case PK_WILD:
		if (is_map(m)) {
			json_object_object_foreach(m, key, v)
			{
				(void)v;
				rc = handle_property(c, i, m, key, strlen(key));
				if (rc)
					return rc;
			}
		} else if (is_array(m)) {
			size_t n = json_object_array_length(m);
			for (size_t k = 0; k < n && !rc; k++)
				rc = handle_index(c, i, m, (long)k);
		}
		return rc;
	case PK_SCAN:
		return walk(c, i + 1, m);
	case PK_FILTER:
		if (is_map(m)) {
			int a = filter_accept(c, s->filter, m);
			if (a < 0)
				return EV_INVALID;
			return a ? ev_next(c, i, m) : EV_OK;
		}
		if (is_array(m)) {
			size_t n = json_object_array_length(m);
			for (size_t k = 0; k < n && !rc; k++) {
				int a = filter_accept(c, s->filter, json_object_array_get_idx(m, k));
				if (a < 0)
					return EV_INVALID;
				if (a)
					rc = handle_index(c, i, m, (long)k);
			}
			return rc;
		}
		if (s->updef)
			return fail_model(c, EV_INVALID, "can not be applied to primitives",
					  i, m);
		return EV_OK;
	}
	return EV_OK;
}

static void ctx_free(aslrt_path_ctx *c)
{
	for (int k = 0; k < c->owned.n; k++)
		json_object_put(c->owned.v[k]);
	free(c->owned.v);
	free(c->res.v);
	free(c->upidx);
	free(c->cur.s);
}

/* Run p over doc; the results stay in c (borrowed) until ctx_free. */
static int run(aslrt_path_ctx *c, const aslrt_path *p, struct json_object *doc, struct json_object *root,
	       bool require, char *why, size_t whylen)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->root = root;
	c->require = require;
	c->why = why;
	c->whylen = whylen;
	c->upidx = xcalloc((size_t)p->n + 1, sizeof *c->upidx);
	for (int i = 0; i <= p->n; i++)
		c->upidx[i] = -1;
	buf_put(&c->cur, p->rootch == '@' ? "@" : "$", 1);
	if (p->n == 0) {
		add_result(c, doc);
		return EV_OK;
	}
	return ev_step(c, 0, doc);
}

/* The string Jayway's PathCompiler.toString gives the whole path. */
static char *path_string(const aslrt_path *p)
{
	aslrt_path_buf b = {0};
	buf_put(&b, "$", 1);
	for (int i = 0; i < p->n; i++)
		buf_str(&b, p->steps[i].frag);
	return b.s;
}

bool aslrt_env_var(const aslrt_env *env, const char *name, struct json_object **v)
{
	if (env->vars && json_object_object_get_ex(env->vars, name, v))
		return true;
	return env->fetch_var && env->fetch_var(env, name, v);
}

int aslrt_path_eval(const aslrt_path *p, const aslrt_env *env, struct json_object **out, char *why,
		    size_t whylen)
{
	struct json_object *doc = env ? env->input : NULL;
	*out = NULL;
	if (p->root == ASLRT_ROOT_CONTEXT) {
		doc = env ? aslrt_env_context(env) : NULL;
	} else if (p->root == ASLRT_ROOT_VAR) {
		if (!env || !aslrt_env_var(env, p->var, &doc)) {
			if (!p->definite) {
				*out = json_object_new_array();
				return 0;
			}
			snprintf(why, whylen, "The variable '$%s' is not defined", p->var);
			return 1;
		}
	}
	aslrt_path_ctx c;
	int rc = run(&c, p, doc, doc, false, why, whylen);
	if (!p->definite) {
		struct json_object *a = json_object_new_array_ext(rc ? 0 : c.res.n);
		for (int k = 0; !rc && k < c.res.n; k++)
			json_object_array_add(a, json_object_get(c.res.v[k]));
		*out = a;
		ctx_free(&c);
		return 0;
	}
	if (rc == EV_OK && c.res.n == 0) {
		char *ps = path_string(p);
		snprintf(why, whylen, "No results for path: %s", ps);
		free(ps);
		rc = EV_NOTFOUND;
	}
	if (rc == EV_OK)
		*out = json_object_get(c.res.v[c.res.n - 1]);
	ctx_free(&c);
	return rc ? 1 : 0;
}

/* --- filter evaluation (Jayway's ValueNode evaluators) --- */

typedef struct {
	int kind;
	bool b;
	double num;
	bool isint;
	int64_t i;
	const char *str;
	size_t len;
	char numtext[40];
	struct json_object *json;	/* FV_JSON (borrowed) */
	const regex_t *re;
	aslrt_path_ctx sub;	/* FV_LIST: results of an indefinite path */
	bool hassub;
} aslrt_path_rval;

/* Double.toString, then BigDecimal.toString, roughly: what a number from the
 * document compares as when it meets a string. */
static void java_number_text(double d, char *out, size_t n)
{
	char e[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	char digits[24];
	size_t nd = 0;
	const char *q = e;
	bool neg = *q == '-';
	if (neg)
		q++;
	for (; *q && *q != 'e'; q++)
		if (isdigit((unsigned char)*q))
			digits[nd++] = *q;
	digits[nd] = 0;
	int exp = atoi(q + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = 0;
	aslrt_path_buf b = {0};
	if (neg)
		buf_put(&b, "-", 1);
	if (exp >= -3 && exp < 7) {
		if (exp < 0) {
			buf_str(&b, "0.");
			for (int k = -1; k > exp; k--)
				buf_put(&b, "0", 1);
			buf_str(&b, digits);
		} else {
			for (int k = 0; k <= exp; k++)
				buf_put(&b, (size_t)k < nd ? &digits[k] : "0", 1);
			buf_put(&b, ".", 1);
			if ((size_t)exp + 1 < nd)
				buf_str(&b, digits + exp + 1);
			else
				buf_put(&b, "0", 1);
		}
	} else {
		buf_put(&b, digits, 1);
		buf_put(&b, ".", 1);
		buf_str(&b, nd > 1 ? digits + 1 : "0");
		buf_fmt(&b, "E%s%d", exp < 0 ? "-" : "+", abs(exp));
	}
	snprintf(out, n, "%s", b.s);
	free(b.s);
}

static void rv_of_node(aslrt_path_rval *r, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		r->kind = FV_NULL;
		break;
	case json_type_boolean:
		r->kind = FV_BOOL;
		r->b = json_object_get_boolean(v);
		break;
	case json_type_int:
		r->kind = FV_NUM;
		r->num = aslrt_json_number(v);
		if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX) {
			snprintf(r->numtext, sizeof r->numtext, "%llu",
				 (unsigned long long)json_object_get_uint64(v));
		} else {
			r->isint = true;
			r->i = json_object_get_int64(v);
			snprintf(r->numtext, sizeof r->numtext, "%lld", (long long)r->i);
		}
		r->str = r->numtext;
		r->len = strlen(r->numtext);
		break;
	case json_type_double:
		r->kind = FV_NUM;
		r->num = json_object_get_double(v);
		java_number_text(r->num, r->numtext, sizeof r->numtext);
		r->str = r->numtext;
		r->len = strlen(r->numtext);
		break;
	case json_type_string:
		r->kind = FV_STR;
		r->str = json_object_get_string(v);
		r->len = (size_t)json_object_get_string_len(v);
		break;
	case json_type_array:
	case json_type_object:
		r->kind = FV_JSON;
		r->json = v;
		break;
	}
}

/* Evaluate one operand: 0, or EV_INVALID to make the whole predicate false. */
static int rv_eval(aslrt_path_ctx *c, const struct aslrt_path_fval *v, struct json_object *item,
		   aslrt_path_rval *r)
{
	memset(r, 0, sizeof *r);
	switch (v->kind) {
	case FV_NULL:
	case FV_BOOL:
		r->kind = v->kind;
		r->b = v->b;
		return 0;
	case FV_NUM:
		r->kind = FV_NUM;
		r->num = v->num;
		r->str = v->str;
		r->len = v->len;
		return 0;
	case FV_STR:
		r->kind = FV_STR;
		r->str = v->str;
		r->len = v->len;
		return 0;
	case FV_JSON:
		r->kind = FV_JSON;
		r->json = v->json;
		return 0;
	case FV_PAT:
		r->kind = FV_PAT;
		r->re = &v->re;
		return 0;
	}
	/* A path: $ from the document root, @ from the item. */
	struct json_object *doc = v->path->rootch == '$' ? c->root : item;
	int rc = run(&r->sub, v->path, doc, c->root, false, NULL, 0);
	r->hassub = true;
	if (rc == EV_INVALID)
		return EV_INVALID;
	if (!v->path->definite) {
		r->kind = FV_LIST;
		return 0;
	}
	if (rc || r->sub.res.n == 0) {
		r->kind = FV_UNDEF;
		return 0;
	}
	rv_of_node(r, r->sub.res.v[r->sub.res.n - 1]);
	return 0;
}

static void rv_free(aslrt_path_rval *r)
{
	if (r->hassub)
		ctx_free(&r->sub);
}

/* JSON values (literal, node or list of results) as a sequence. */
static int rv_len(const aslrt_path_rval *r)
{
	if (r->kind == FV_LIST)
		return r->sub.res.n;
	if (json_object_is_type(r->json, json_type_array))
		return (int)json_object_array_length(r->json);
	if (json_object_is_type(r->json, json_type_object))
		return json_object_object_length(r->json);
	return -1;
}

static bool rv_is_array(const aslrt_path_rval *r)
{
	return r->kind == FV_LIST || (r->kind == FV_JSON && json_object_is_type(r->json, json_type_array));
}

static struct json_object *rv_at(const aslrt_path_rval *r, int k)
{
	if (r->kind == FV_LIST)
		return r->sub.res.v[k];
	return json_object_array_get_idx(r->json, (size_t)k);
}

static bool rv_json_equal(const aslrt_path_rval *a, const aslrt_path_rval *b)
{
	if (a->kind == FV_JSON && b->kind == FV_JSON)
		return aslrt_json_equal(a->json, b->json);
	if (!rv_is_array(a) || !rv_is_array(b) || rv_len(a) != rv_len(b))
		return false;
	for (int k = 0; k < rv_len(a); k++)
		if (!aslrt_json_equal(rv_at(a, k), rv_at(b, k)))
			return false;
	return true;
}

static int num_cmp(const aslrt_path_rval *a, const aslrt_path_rval *b)
{
	if (a->isint && b->isint)
		return a->i < b->i ? -1 : a->i > b->i;
	return a->num < b->num ? -1 : a->num > b->num;
}

static int str_cmp(const aslrt_path_rval *a, const aslrt_path_rval *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int d = memcmp(a->str, b->str, n);
	if (d)
		return d;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* left.equals(right), Java-style: not symmetric for strings and numbers. */
static bool rv_equals(const aslrt_path_rval *l, const aslrt_path_rval *r)
{
	bool ljson = l->kind == FV_JSON || l->kind == FV_LIST, rjson = r->kind == FV_JSON || r->kind == FV_LIST;
	if (ljson || rjson)
		return ljson && rjson && rv_json_equal(l, r);
	switch (l->kind) {
	case FV_STR:
		if (r->kind != FV_STR && r->kind != FV_NUM)
			return false;
		return l->len == r->len && memcmp(l->str, r->str, l->len) == 0;
	case FV_NUM:
		if (r->kind == FV_NUM)
			return num_cmp(l, r) == 0;
		if (r->kind == FV_STR) {
			if (!big_decimal(r->str, r->len))
				return false;
			char *t = xstrndup(r->str, r->len);
			double d = strtod(t, NULL);
			free(t);
			return d == l->num;
		}
		return false;
	case FV_BOOL:
		return r->kind == FV_BOOL && l->b == r->b;
	case FV_NULL:
		return r->kind == FV_NULL;
	default:
		return false;
	}
}

static void rv_of_elem(aslrt_path_rval *e, struct json_object *v)
{
	memset(e, 0, sizeof *e);
	rv_of_node(e, v);
}

/* ValueListNode.contains(x): x.equals(element) for some element. */
static bool list_contains(const aslrt_path_rval *list, const aslrt_path_rval *x)
{
	for (int k = 0; k < rv_len(list); k++) {
		aslrt_path_rval e;
		rv_of_elem(&e, rv_at(list, k));
		if (rv_equals(x, &e))
			return true;
	}
	return false;
}

static bool regex_input(const aslrt_path_rval *v, const regex_t *re)
{
	char *s;
	if (v->kind == FV_STR || v->kind == FV_NUM)
		s = xstrndup(v->str, v->len);
	else if (v->kind == FV_BOOL)
		s = xstrndup(v->b ? "true" : "false", v->b ? 4 : 5);
	else
		s = xstrndup("", 0);
	bool m = regexec(re, s, 0, NULL, 0) == 0;
	free(s);
	return m;
}

static bool utf16_len_is(const char *s, size_t n, long want)
{
	long len = 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char ch = (unsigned char)s[k];
		if ((ch & 0xc0) != 0x80)
			len += ch >= 0xf0 ? 2 : 1;
	}
	return len == want;
}

static bool apply_op(int op, const aslrt_path_rval *l, const aslrt_path_rval *r)
{
	switch (op) {
	case OP_EQ:
		return rv_equals(l, r);
	case OP_NE:
		return !rv_equals(l, r);
	case OP_TSEQ:
		return l->kind == r->kind && rv_equals(l, r);
	case OP_TSNE:
		return !(l->kind == r->kind && rv_equals(l, r));
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE: {
		int d;
		if (l->kind == FV_NUM && r->kind == FV_NUM)
			d = num_cmp(l, r);
		else if (l->kind == FV_STR && r->kind == FV_STR)
			d = str_cmp(l, r);
		else
			return false;
		return op == OP_LT ? d < 0 : op == OP_LE ? d <= 0 : op == OP_GT ? d > 0 : d >= 0;
	}
	case OP_REGEX: {
		const aslrt_path_rval *pat = l->kind == FV_PAT ? l : r, *v = l->kind == FV_PAT ? r : l;
		if (rv_is_array(v)) {
			for (int k = 0; k < rv_len(v); k++) {
				aslrt_path_rval e;
				rv_of_elem(&e, rv_at(v, k));
				if (regex_input(&e, pat->re))
					return true;
			}
			return false;
		}
		return regex_input(v, pat->re);
	}
	case OP_IN:
	case OP_NIN: {
		bool in = rv_is_array(r) && list_contains(r, l);
		return op == OP_IN ? in : !in;
	}
	case OP_CONTAINS:
		if (l->kind == FV_STR && r->kind == FV_STR) {
			if (!r->len)
				return true;
			for (size_t k = 0; k + r->len <= l->len; k++)
				if (memcmp(l->str + k, r->str, r->len) == 0)
					return true;
			return false;
		}
		if (rv_is_array(l)) {
			for (int k = 0; k < rv_len(l); k++) {
				aslrt_path_rval e;
				rv_of_elem(&e, rv_at(l, k));
				if (rv_equals(r, &e))
					return true;
			}
		}
		return false;
	case OP_ALL:
		if (!rv_is_array(r))
			return false;
		if (l->kind != FV_JSON && l->kind != FV_LIST)
			return false;
		if (!rv_is_array(l))
			return true;
		for (int k = 0; k < rv_len(r); k++) {
			aslrt_path_rval e;
			rv_of_elem(&e, rv_at(r, k));
			if (!list_contains(l, &e))
				return false;
		}
		return true;
	case OP_SIZE:
		if (r->kind != FV_NUM)
			return false;
		if (l->kind == FV_STR)
			return utf16_len_is(l->str, l->len, (long)r->num);
		if (l->kind == FV_JSON || l->kind == FV_LIST)
			return rv_len(l) == (long)r->num;
		return false;
	case OP_EMPTY:
		if (r->kind != FV_BOOL)
			return false;
		if (l->kind == FV_STR)
			return (l->len == 0) == r->b;
		if (l->kind == FV_JSON || l->kind == FV_LIST)
			return (rv_len(l) == 0) == r->b;
		return false;
	case OP_SUBSETOF:
	case OP_ANYOF:
	case OP_NONEOF: {
		if (!rv_is_array(l) || !rv_is_array(r))
			return false;
		bool any = false, all = true;
		for (int k = 0; k < rv_len(l); k++) {
			aslrt_path_rval e;
			rv_of_elem(&e, rv_at(l, k));
			if (list_contains(r, &e))
				any = true;
			else
				all = false;
		}
		return op == OP_SUBSETOF ? all : op == OP_ANYOF ? any : !any;
	}
	}
	return false;
}

/* 1 true, 0 false, -1 when the predicate must fail (InvalidPathException). */
static int fx_eval(aslrt_path_ctx *c, const struct aslrt_path_fexpr *e, struct json_object *item)
{
	switch (e->kind) {
	case FX_OR:
	case FX_AND:
		for (int k = 0; k < e->nkids; k++) {
			int v = fx_eval(c, e->kids[k], item);
			if (v < 0)
				return v;
			if (e->kind == FX_OR ? v : !v)
				return v;
		}
		return e->kind == FX_AND;
	case FX_NOT: {
		int v = fx_eval(c, e->kids[0], item);
		return v < 0 ? v : !v;
	}
	}
	if (e->op == OP_EXISTS) {
		const aslrt_path *p = e->l.path;
		struct json_object *doc = p->rootch == '$' ? c->root : item;
		aslrt_path_ctx sub;
		int rc = run(&sub, p, doc, c->root, true, NULL, 0);
		bool found = rc == EV_OK && (!p->definite || sub.res.n > 0);
		ctx_free(&sub);
		if (rc == EV_INVALID)
			return -1;
		return found == e->l.should_exist;
	}
	aslrt_path_rval l, r;
	int rc = rv_eval(c, &e->l, item, &l);
	if (rc == 0)
		rc = rv_eval(c, &e->r, item, &r);
	else
		memset(&r, 0, sizeof r);
	bool v = rc == 0 && apply_op(e->op, &l, &r);
	rv_free(&l);
	rv_free(&r);
	return rc ? -1 : v;
}

static int filter_accept(aslrt_path_ctx *c, const struct aslrt_path_fexpr *f, struct json_object *item)
{
	return fx_eval(c, f, item == JNULL ? NULL : item) > 0;
}

/* --- ResultPath --- */

static const char *type_word(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_string: return "a string";
	case json_type_array: return "an array";
	case json_type_object: return "an object";
	}
	return "a value";
}

int aslrt_path_store(const aslrt_path *p, struct json_object **root, struct json_object *val, char *why,
		     size_t whylen)
{
	if (p->root != ASLRT_ROOT_INPUT || !p->reference) {
		snprintf(why, whylen, "'%s' is not a reference path on the state input", p->text);
		json_object_put(val);
		return -1;
	}
	if (p->n == 0) {
		json_object_put(*root);
		*root = val;
		return 0;
	}
	aslrt_path_buf at = {0};
	buf_put(&at, "$", 1);
	struct json_object *cur = *root;
	for (int i = 0; i < p->n; i++) {
		const struct aslrt_path_step *s = &p->steps[i];
		bool last = i == p->n - 1;
		if (s->kind == PK_FIELD) {
			if (!json_object_is_type(cur, json_type_object)) {
				snprintf(why, whylen, "Unable to apply ResultPath '%s': %s is %s, not an object",
					 p->text, at.s, type_word(cur));
				goto fail;
			}
			if (last) {
				json_object_object_add(cur, s->names[0], val);
				break;
			}
			struct json_object *next;
			if (!json_object_object_get_ex(cur, s->names[0], &next)) {
				if (p->steps[i + 1].kind != PK_FIELD) {
					snprintf(why, whylen, "Unable to apply ResultPath '%s': %s%s is missing, not an array",
						 p->text, at.s, s->frag);
					goto fail;
				}
				next = json_object_new_object();
			} else {
				next = aslrt_json_shallow_copy(next); /* copy on write */
			}
			json_object_object_add(cur, s->names[0], next);
			cur = next;
		} else {
			long len = json_object_is_type(cur, json_type_array) ? (long)json_object_array_length(cur) : 0;
			long eff = s->idx[0] < 0 ? len + s->idx[0] : s->idx[0];
			if (!json_object_is_type(cur, json_type_array)) {
				snprintf(why, whylen, "Unable to apply ResultPath '%s': %s is %s, not an array",
					 p->text, at.s, type_word(cur));
				goto fail;
			}
			if (eff < 0 || eff >= len) {
				snprintf(why, whylen, "Unable to apply ResultPath '%s': index %ld is out of range for %s (length %ld)",
					 p->text, s->idx[0], at.s, len);
				goto fail;
			}
			if (last) {
				json_object_array_put_idx(cur, (size_t)eff, val);
				break;
			}
			struct json_object *next =
				aslrt_json_shallow_copy(json_object_array_get_idx(cur, (size_t)eff));
			json_object_array_put_idx(cur, (size_t)eff, next);
			cur = next;
		}
		buf_str(&at, s->frag);
	}
	free(at.s);
	return 0;
fail:
	free(at.s);
	json_object_put(val);
	return -1;
}
