/*
 * filter.c - JSONPath filters ([?(...)]): their parser (Jayway's
 * FilterCompiler) and their evaluation (Jayway's ValueNode evaluators).
 */
#include <pthread.h>

#include "path_int.h"

/* --- filter parser (Jayway's FilterCompiler) --- */

static bool relop_char(int c)
{
	return c == '<' || c == '>' || c == '=' || c == '~' || c == '!';
}

static int read_fpath(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v,
		      bool should_exist)
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
				return aslrt_path_perr(
				    ps, "unbalanced brackets in filter at offset %zu", ps->pos);
			ps->pos = i + 1;
			continue;
		}
		if (relop_char(c) || c == ' ' || c == ')' || c == '&' || c == '|' ||
		    aslrt_path_is_blank(c))
			break;
		if (c == '(')
			return aslrt_path_perr(ps, "path functions are not supported (offset %zu)",
					       ps->pos);
		ps->pos++;
	}
	char why[ASLRT_ERRLEN];
	v->path = aslrt_path_parse_ex(ps->s + begin, ps->pos - begin, true, ps->depth + 1, why,
				      sizeof why);
	if (!v->path)
		return aslrt_path_perr(ps, "in filter path '%.*s': %s", (int)(ps->pos - begin),
				       ps->s + begin, why);
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

/* Jayway compiles a filter's /regex/flags with java.util.regex.Pattern and
 * tests it with Matcher.matches(): PCRE2, anchored at both ends, is the
 * closest engine (POSIX ERE is not, and glibc's regcomp takes memory
 * exponential in repeated quantifiers: a legal definition must not exhaust
 * it).  Jayway's flag letters (PatternFlag) map to PCRE2 options; a letter
 * it does not know adds nothing, as there. */
static int compile_regex(aslrt_path_parser *ps, const char *s, size_t n, const char *flags,
			 size_t nf, pcre2_code **re)
{
	aslrt_path_buf b = {0};
	aslrt_path_buf_str(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '/') {
			aslrt_path_buf_str(&b, "/");
			i++;
		} else {
			aslrt_path_buf_put(&b, s + i, 1);
			if (s[i] == '\\' && i + 1 < n)
				aslrt_path_buf_put(&b, s + ++i, 1);
		}
	}
	uint32_t opts = PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED;
	static const struct {
		char flag;
		uint32_t opt;
	} map[] = {{'i', PCRE2_CASELESS},
		   {'m', PCRE2_MULTILINE},
		   {'s', PCRE2_DOTALL},
		   {'x', PCRE2_EXTENDED},
		   {'U', PCRE2_UCP},
		   {'u', 0},
		   {'d', 0}}; /* Java's default line terminators differ only in \r\n */
	for (size_t k = 0; k < sizeof map / sizeof *map; k++)
		if (memchr(flags, map[k].flag, nf))
			opts |= map[k].opt;
	int ec;
	PCRE2_SIZE eo;
	*re = pcre2_compile((PCRE2_SPTR)b.s, b.len, opts, &ec, &eo, NULL);
	free(b.s);
	if (!*re) {
		PCRE2_UCHAR msg[128];
		pcre2_get_error_message(ec, msg, sizeof msg);
		return aslrt_path_perr(ps, "invalid regular expression /%.*s/: %s", (int)n, s,
				       (const char *)msg);
	}
	return 0;
}

/* A JSON literal of a filter ([...] or {...} at s[begin..end)): strict RFC
 * 8259 (exact numbers, valid UTF-8, no NaN, nothing after it) as the
 * executable reads all JSON, except that Jayway's documented
 * single-quoted strings (@.size in ['S', 'M']) are taken: they are
 * rewritten as double-quoted ones before the strict parser reads them. */
static int parse_json_literal(aslrt_path_parser *ps, size_t begin, size_t end,
			      struct json_object **out)
{
	aslrt_path_buf b = {0};
	for (size_t i = begin; i < end; i++) {
		char c = ps->s[i];
		if (c != '\'' && c != '"') {
			aslrt_path_buf_put(&b, &c, 1);
			continue;
		}
		aslrt_path_buf_put(&b, "\"", 1);
		for (i++; i < end && ps->s[i] != c; i++) {
			if (ps->s[i] == '\\' && i + 1 < end) {
				/* \' is Jayway's quote inside '...'; other escapes
				 * are JSON's and go to the strict parser as they are */
				if (c == '\'' && ps->s[i + 1] == '\'')
					aslrt_path_buf_put(&b, ps->s + ++i, 1);
				else
					aslrt_path_buf_put(&b, ps->s + i++, 2);
			} else if (ps->s[i] == '"') {
				aslrt_path_buf_put(&b, "\\\"", 2);
			} else {
				aslrt_path_buf_put(&b, ps->s + i, 1);
			}
		}
		if (i < end)
			aslrt_path_buf_put(&b, "\"", 1);
	}
	char why[ASLRT_ERRLEN];
	int rc = aslrt_json_parse(b.s ? b.s : "", b.len, out, why, sizeof why);
	free(b.s);
	if (rc < 0)
		return aslrt_path_perr(ps, "invalid JSON literal at offset %zu: %s", begin, why);
	return 0;
}

static int read_literal(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v)
{
	aslrt_path_skip_blanks(ps);
	size_t begin = ps->pos;
	int c = ps->pos < end ? (unsigned char)ps->s[ps->pos] : -1;
	if (c == '\'' || c == '"') {
		aslrt_path_parser sub = *ps;
		sub.len = end;
		aslrt_path_buf b = {0};
		if (aslrt_path_read_quoted(&sub, &b) < 0) {
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
			return aslrt_path_perr(ps, "unterminated JSON literal at offset %zu",
					       begin);
		struct json_object *j = NULL;
		if (parse_json_literal(ps, begin, i + 1, &j) < 0)
			return -1;
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
			return aslrt_path_perr(ps, "unterminated regular expression at offset %zu",
					       begin);
		size_t fl = i + 1;
		while (fl < end && isalpha((unsigned char)ps->s[fl]))
			fl++;
		if (compile_regex(ps, ps->s + begin + 1, i - begin - 1, ps->s + i + 1, fl - i - 1,
				  &v->re) < 0)
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
	while (ps->pos < end &&
	       (isdigit((unsigned char)ps->s[ps->pos]) || strchr("-.eE", ps->s[ps->pos])))
		ps->pos++;
	if (!big_decimal(ps->s + begin, ps->pos - begin))
		return aslrt_path_perr(ps, "invalid literal in filter at offset %zu", begin);
	v->kind = FV_NUM;
	v->str = aslrt_path_xstrndup(ps->s + begin, ps->pos - begin);
	v->len = ps->pos - begin;
	v->num = strtod(v->str, NULL);
	return 0;
}

static int read_value(aslrt_path_parser *ps, size_t end, struct aslrt_path_fval *v)
{
	aslrt_path_skip_blanks(ps);
	int c = aslrt_path_peek(ps);
	bool neg = false;
	if (c == '!') {
		ps->pos++;
		aslrt_path_skip_blanks(ps);
		c = aslrt_path_peek(ps);
		if (c != '$' && c != '@')
			return aslrt_path_perr(ps, "unexpected '!' at offset %zu", ps->pos);
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
	    {">=", OP_GE},	 {"<=", OP_LE},
	    {"==", OP_EQ},	 {"===", OP_TSEQ},
	    {"!=", OP_NE},	 {"!==", OP_TSNE},
	    {"<", OP_LT},	 {">", OP_GT},
	    {"=~", OP_REGEX},	 {"nin", OP_NIN},
	    {"in", OP_IN},	 {"contains", OP_CONTAINS},
	    {"all", OP_ALL},	 {"size", OP_SIZE},
	    {"empty", OP_EMPTY}, {"subsetof", OP_SUBSETOF},
	    {"anyof", OP_ANYOF}, {"noneof", OP_NONEOF},
	};
	aslrt_path_skip_blanks(ps);
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
	aslrt_path_skip_blanks(ps);
	if (end - ps->pos >= 2 && memcmp(ps->s + ps->pos, op, 2) == 0) {
		ps->pos += 2;
		return true;
	}
	ps->pos = save;
	return false;
}

static struct aslrt_path_fexpr *fx_new(int kind)
{
	struct aslrt_path_fexpr *e = aslrt_path_xcalloc(1, sizeof *e);
	e->kind = kind;
	return e;
}

static void fx_add(struct aslrt_path_fexpr *e, struct aslrt_path_fexpr *k)
{
	e->kids = aslrt_path_xrealloc(e->kids, (size_t)(e->nkids + 1) * sizeof *e->kids);
	e->kids[e->nkids++] = k;
}

static int fx_or(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out);

static int fx_operand(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	aslrt_path_skip_blanks(ps);
	if (++ps->depth > 64)
		return aslrt_path_perr(ps, "filter nested too deeply");
	int c = aslrt_path_peek(ps);
	int rc;
	if (c == '!') {
		size_t save = ps->pos++;
		aslrt_path_skip_blanks(ps);
		c = aslrt_path_peek(ps);
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
		aslrt_path_skip_blanks(ps);
		if (aslrt_path_peek(ps) != ')') {
			aslrt_path_fexpr_free(*out);
			return aslrt_path_perr(ps, "expected ')' at offset %zu", ps->pos);
		}
		ps->pos++;
		ps->depth--;
		return 0;
	}
	struct aslrt_path_fexpr *e = fx_new(FX_REL);
	if (read_value(ps, end, &e->l) < 0) {
		aslrt_path_fexpr_free(e);
		return -1;
	}
	size_t save = ps->pos;
	if (read_relop(ps, end, &e->op) == 0) {
		rc = read_value(ps, end, &e->r);
		if (rc < 0) {
			aslrt_path_fexpr_free(e);
			return -1;
		}
		if (e->op == OP_REGEX && (e->l.kind == FV_PAT) == (e->r.kind == FV_PAT)) {
			aslrt_path_fexpr_free(e);
			return aslrt_path_perr(ps, "=~ needs a /pattern/ on one side");
		}
	} else {
		ps->pos = save;
		if (e->l.kind != FV_PATH) {
			aslrt_path_fexpr_free(e);
			return aslrt_path_perr(ps, "expected an operator at offset %zu", ps->pos);
		}
		e->op = OP_EXISTS;
	}
	*out = e;
	ps->depth--;
	return 0;
}

/* A chain of operands joined by one logical operator: level 0 is a && b,
 * level 1 is a || b over level 0 (&& binds tighter, as in Jayway). */
static int fx_chain(aslrt_path_parser *ps, size_t end, int level, struct aslrt_path_fexpr **out)
{
	static const char *const op[] = {"&&", "||"};
	static const int kind[] = {FX_AND, FX_OR};
	struct aslrt_path_fexpr *k, *e = NULL;
	if ((level ? fx_chain(ps, end, level - 1, &k) : fx_operand(ps, end, &k)) < 0)
		return -1;
	while (at_op(ps, end, op[level])) {
		if (!e) {
			e = fx_new(kind[level]);
			fx_add(e, k);
		}
		if ((level ? fx_chain(ps, end, level - 1, &k) : fx_operand(ps, end, &k)) < 0) {
			aslrt_path_fexpr_free(e);
			return -1;
		}
		fx_add(e, k);
	}
	*out = e ? e : k;
	return 0;
}

static int fx_or(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	return fx_chain(ps, end, 1, out);
}

/* The filter is "( ... )" from ps->pos to end (exclusive). */
int aslrt_path_parse_filter(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out)
{
	aslrt_path_parser sub = *ps;
	sub.len = end;
	if (fx_or(&sub, end, out) < 0)
		return -1;
	aslrt_path_skip_blanks(&sub);
	if (sub.pos != end) {
		aslrt_path_fexpr_free(*out);
		return aslrt_path_perr(ps, "unexpected '%c' in filter at offset %zu",
				       sub.s[sub.pos], sub.pos);
	}
	return 0;
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
	struct json_object *json; /* FV_JSON (borrowed) */
	const pcre2_code *re;
	aslrt_path_ctx sub; /* FV_LIST: results of an indefinite path */
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
		aslrt_path_buf_put(&b, "-", 1);
	if (exp >= -3 && exp < 7) {
		if (exp < 0) {
			aslrt_path_buf_str(&b, "0.");
			for (int k = -1; k > exp; k--)
				aslrt_path_buf_put(&b, "0", 1);
			aslrt_path_buf_str(&b, digits);
		} else {
			for (int k = 0; k <= exp; k++)
				aslrt_path_buf_put(&b, (size_t)k < nd ? &digits[k] : "0", 1);
			aslrt_path_buf_put(&b, ".", 1);
			if ((size_t)exp + 1 < nd)
				aslrt_path_buf_str(&b, digits + exp + 1);
			else
				aslrt_path_buf_put(&b, "0", 1);
		}
	} else {
		aslrt_path_buf_put(&b, digits, 1);
		aslrt_path_buf_put(&b, ".", 1);
		aslrt_path_buf_str(&b, nd > 1 ? digits + 1 : "0");
		aslrt_path_buf_fmt(&b, "E%s%d", exp < 0 ? "-" : "+", abs(exp));
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
		if (json_object_get_int64(v) == INT64_MAX &&
		    json_object_get_uint64(v) > INT64_MAX) {
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
		r->re = v->re;
		return 0;
	}
	/* A path: $ from the document root, @ from the item. */
	struct json_object *doc = v->path->rootch == '$' ? c->root : item, *node;
	if (v->path->definite && aslrt_path_fields_found(v->path, doc, &node)) {
		rv_of_node(r, node); /* @.a.b found: no evaluation context */
		return 0;
	}
	int rc = aslrt_path_run(&r->sub, v->path, doc, c->root, false, NULL, 0);
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
		aslrt_path_ctx_free(&r->sub);
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
	return r->kind == FV_LIST ||
	       (r->kind == FV_JSON && json_object_is_type(r->json, json_type_array));
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
	bool ljson = l->kind == FV_JSON || l->kind == FV_LIST,
	     rjson = r->kind == FV_JSON || r->kind == FV_LIST;
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
			char *t = aslrt_path_xstrndup(r->str, r->len);
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

/* The limits every filter match runs under, made once and shared by all
 * threads (PCRE2 only reads a match context). */
static pcre2_match_context *match_limits;
static pthread_once_t match_limits_once = PTHREAD_ONCE_INIT;

static void match_limits_make(void)
{
	match_limits = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(match_limits, 1000000);
	pcre2_set_depth_limit(match_limits, 100000);
}

/* Does the value's text match?  The match is bounded (as JSONata's is): a
 * pattern that would backtrack past the limit does not match, where Java
 * would run on without end. */
static bool regex_input(const aslrt_path_rval *v, const pcre2_code *re)
{
	const char *s = "";
	size_t n = 0;
	if (v->kind == FV_STR || v->kind == FV_NUM)
		s = v->str, n = v->len;
	else if (v->kind == FV_BOOL)
		s = v->b ? "true" : "false", n = v->b ? 4 : 5;
	pthread_once(&match_limits_once, match_limits_make);
	/* whether it matches, not where: one pair of offsets is enough */
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, match_limits);
	pcre2_match_data_free(md);
	return rc >= 0;
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
		const aslrt_path_rval *pat = l->kind == FV_PAT ? l : r,
				      *v = l->kind == FV_PAT ? r : l;
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
		struct json_object *doc = p->rootch == '$' ? c->root : item, *node;
		if (p->definite && aslrt_path_fields_found(p, doc, &node))
			return e->l.should_exist;
		aslrt_path_ctx sub;
		int rc = aslrt_path_run(&sub, p, doc, c->root, true, NULL, 0);
		bool found = rc == EV_OK && (!p->definite || sub.res.n > 0);
		aslrt_path_ctx_free(&sub);
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

int aslrt_path_filter_accept(aslrt_path_ctx *c, const struct aslrt_path_fexpr *f,
			     struct json_object *item)
{
	return fx_eval(c, f, item == JNULL ? NULL : item) > 0;
}
