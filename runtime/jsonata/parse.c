/*
 * parse.c - the JSONata tokenizer and Pratt parser (raw AST), regex
 * translation to PCRE2, function signatures, and the post-processing of the
 * raw AST (path flattening, predicates/stages, grouping, focus/index tuples,
 * parent slots, tail calls).  The tree lives in the expression's arena.
 */
#include "jsonata_int.h"

/* ================================================================== AST */

/* ---------------------------------------------------------- signatures */

/* ================================================================ parser */

/* Where the last parse or evaluation error on this thread was found. */
_Thread_local int aslrt_jn_error_position = -1;

int aslrt_jsonata_error_position(void)
{
	return aslrt_jn_error_position;
}

__attribute__((noreturn)) void aslrt_jn_perr(P *p, const char *code, int pos, const char *token,
					     const char *value)
{
	snprintf(p->code, sizeof p->code, "%s", code);
	free(p->msg);
	p->msg = aslrt_jn_render_error(code, token, value, NULL, 0);
	aslrt_jn_error_position = pos;
	longjmp(p->jb, 1);
}

void *aslrt_jn_vec_grow(Arena *a, void *v, int n, int *cap, size_t el)
{
	if (n < *cap)
		return v;
	int nc = *cap ? *cap * 2 : 4;
	void *nv = aslrt_jn_arena_alloc_raw(a, (size_t)nc * el);
	if (n)
		memcpy(nv, v, (size_t)n * el);
	*cap = nc;
	return nv;
}

#define VPUSH(ar, vec, x)                                                                          \
	do {                                                                                       \
		(vec).v = aslrt_jn_vec_grow((ar), (vec).v, (vec).n, &(vec).cap, sizeof(*(vec).v)); \
		(vec).v[(vec).n++] = (x);                                                          \
	} while (0)

static Node *node_new(P *p, int type, int pos)
{
	Node *n = aslrt_jn_arena_zalloc(p->ar, sizeof(Node));
	n->type = type;
	n->pos = pos;
	return n;
}

static const char *const OPS[] = {".", "[", "]", "{", "}", "(", ")", ",", "@",
				  "#", ";", ":", "?", "+", "-", "*", "/", "%",
				  "|", "=", "<", ">", "^", "&", "!", "~", NULL};

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
					aslrt_jn_perr(p, "S0301", (int)p->pos, NULL, NULL);
				p->tok.kind = K_REGEX;
				p->tok.s =
				    aslrt_jn_arena_strndup(p->ar, p->src + start, p->pos - start);
				p->tok.len = p->pos - start;
				p->tok.pos = (int)start;
				p->pos++;
				size_t fs = p->pos;
				while (p->pos < p->len &&
				       (p->src[p->pos] == 'i' || p->src[p->pos] == 'm'))
					p->pos++;
				p->tok.flags =
				    aslrt_jn_arena_strndup(p->ar, p->src + fs, p->pos - fs);
				return;
			}
		}
		if ((ch == '(' || ch == '[' || ch == '{') &&
		    (p->pos == 0 || p->src[p->pos - 1] != '\\'))
			depth++;
		if ((ch == ')' || ch == ']' || ch == '}') &&
		    (p->pos == 0 || p->src[p->pos - 1] != '\\'))
			depth--;
		p->pos++;
	}
	aslrt_jn_perr(p, "S0302", (int)p->pos, NULL, NULL);
}

/* Next token; prefix = true when an operand may follow (a '/' starts a regex).
 * In parser.js's tokenizer order (jsonata 2.0.6), so the two compare. */
/* Four hex digits of s (n bytes left) as *cp; -1 when they are not. */
static int hex4(const char *s, size_t n, unsigned *cp)
{
	*cp = 0;
	for (size_t k = 0; k < 4; k++) {
		char h = k < n ? s[k] : 0;
		if (!isxdigit((unsigned char)h))
			return -1;
		*cp = *cp * 16 +
		      (unsigned)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
	}
	return 0;
}

/* A string literal from p->pos (its quote) with JSON's escapes; a \\u
 * surrogate pair makes one code point. */
static void scan_string(P *p)
{
	const char *s = p->src;
	size_t i = p->pos;
	char q = s[i], ch;
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
				aslrt_jn_buf_putc(&b, rep[esc - "\"\\/bfnrt"]);
			} else if (ch == 'u') {
				unsigned cp, lo;
				if (hex4(s + i + 1, p->len - i - 1, &cp) != 0)
					aslrt_jn_perr(p, "S0104", (int)i, NULL, NULL);
				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < p->len &&
				    s[i + 1] == '\\' && s[i + 2] == 'u' &&
				    hex4(s + i + 3, 4, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
				aslrt_jn_utf8_put(&b, cp);
			} else {
				char t[2] = {ch, 0};
				aslrt_jn_perr(p, "S0103", (int)i, t, NULL);
			}
		} else if (ch == q) {
			p->tok.kind = K_STR;
			p->tok.s = b.s ? b.s : "";
			p->tok.len = b.n;
			p->tok.pos = (int)p->pos;
			p->pos = i + 1;
			return;
		} else {
			aslrt_jn_buf_putc(&b, ch);
		}
		i++;
	}
	aslrt_jn_perr(p, "S0101", (int)i, NULL, NULL);
}

/* A number literal from p->pos, as JSON writes numbers. */
static void scan_number(P *p)
{
	const char *s = p->src;
	size_t i = p->pos;
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
	char *t = aslrt_jn_arena_strndup(p->ar, s + i, j - i);
	double d = strtod(t, NULL);
	if (!isfinite(d))
		aslrt_jn_perr(p, "S0102", (int)i, t, NULL);
	p->tok.kind = K_NUM;
	p->tok.num = d;
	p->tok.s = t;
	p->tok.len = j - i;
	p->tok.pos = (int)i;
	p->pos = j;
	return;
}

void aslrt_jn_lex(P *p, bool infix)
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
				aslrt_jn_perr(p, "S0106", (int)cs, NULL, NULL);
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
		scan_string(p);
		return;
	}
	if (isdigit((unsigned char)ch)) {
		scan_number(p);
		return;
	}
	if (ch == '`') {
		const char *e = memchr(s + i + 1, '`', p->len - i - 1);
		if (!e) {
			p->pos = p->len;
			aslrt_jn_perr(p, "S0105", (int)p->len, NULL, NULL);
		}
		p->tok.kind = K_NAME;
		p->tok.s = aslrt_jn_arena_strndup(p->ar, s + i + 1, (size_t)(e - s - i - 1));
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
		p->tok.s = aslrt_jn_arena_strndup(p->ar, s + i + 1, j - i - 1);
		p->tok.len = j - i - 1;
		return;
	}
	char *name = aslrt_jn_arena_strndup(p->ar, s + i, j - i);
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
	} tab[] = {{".", 75},  {"[", 80},  {"{", 70},  {"(", 80},   {"@", 80},	{"#", 80},
		   {"?", 20},  {"+", 50},  {"-", 50},  {"*", 60},   {"/", 60},	{"%", 60},
		   {"=", 40},  {"<", 40},  {">", 40},  {"^", 40},   {":=", 10}, {"!=", 40},
		   {"<=", 40}, {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40},
		   {"&", 50},  {NULL, 0}};
	for (int i = 0; tab[i].op; i++)
		if (!strcmp(tab[i].op, p->tok.s))
			return tab[i].bp;
	return 0;
}

const char *aslrt_jn_tok_text(P *p)
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
		aslrt_jn_perr(p, p->tok.kind == K_END ? "S0203" : "S0202", p->tok.pos,
			      aslrt_jn_tok_text(p), val);
	}
	aslrt_jn_lex(p, infix);
	if (p->tok.kind == K_OP && (tok_is(p, "!") || tok_is(p, "~")))
		aslrt_jn_perr(p, "S0204", p->tok.pos, p->tok.s, NULL);
}

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
		aslrt_jn_perr(p, "S0207", t.pos, NULL, NULL);
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
		n->expr = aslrt_jn_expression(p, 70);
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
			VPUSH(p->ar, n->items, aslrt_jn_expression(p, 0));
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
				Node *item = aslrt_jn_expression(p, 0);
				if (tok_is(p, "..")) {
					Node *r = node_new(p, N_BINARY, p->tok.pos);
					r->op = OP_RANGE;
					r->str = "..";
					r->lhs = item;
					advance(p, "..", false);
					r->rhs = aslrt_jn_expression(p, 0);
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
		n->grp = aslrt_jn_arena_zalloc(p->ar, sizeof(Group));
		n->grp->pos = t.pos;
		if (!tok_is(p, "}")) {
			for (;;) {
				Node *k = aslrt_jn_expression(p, 0);
				advance(p, ":", false);
				Node *v = aslrt_jn_expression(p, 0);
				Group *g = n->grp;
				int cap = g->cap;
				g->keys =
				    aslrt_jn_vec_grow(p->ar, g->keys, g->n, &cap, sizeof(Node *));
				g->vals = aslrt_jn_vec_grow(p->ar, g->vals, g->n, &g->cap,
							    sizeof(Node *));
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
		n->pattern = aslrt_jn_expression(p, 0);
		advance(p, "|", false);
		n->update = aslrt_jn_expression(p, 0);
		if (tok_is(p, ",")) {
			advance(p, ",", false);
			n->del = aslrt_jn_expression(p, 0);
		}
		advance(p, "|", false);
		return n;
	}
	aslrt_jn_perr(p, "S0211", t.pos, op, NULL);
}

/* The infix parser of the Pratt parser (parser.js led): one case per
 * infix token, each building its node. */
/* f(args): a call, a partial application (an argument is ?), or with
 * f "function" or "λ" a lambda, its signature and body. */
static Node *led_call(P *p, Tok t, Node *left)
{
	Node *n = node_new(p, N_FUNCTION, t.pos);
	n->proc = left;
	if (!tok_is(p, ")")) {
		for (;;) {
			if (tok_is(p, "?")) {
				n->type = N_PARTIAL;
				VPUSH(p->ar, n->items, node_new(p, N_PLACEHOLDER, p->tok.pos));
				advance(p, "?", false);
			} else {
				VPUSH(p->ar, n->items, aslrt_jn_expression(p, 0));
			}
			if (!tok_is(p, ","))
				break;
			advance(p, ",", false);
		}
	}
	advance(p, ")", true);
	if (left->type == N_NAME &&
	    (!strcmp(left->str, "function") || !strcmp(left->str, "\xce\xbb"))) {
		for (int i = 0; i < n->items.n; i++)
			if (n->items.v[i]->type != N_VARIABLE) {
				char idx[16];
				snprintf(idx, sizeof idx, "%d", i + 1);
				aslrt_jn_perr(p, "S0208", n->items.v[i]->pos, n->items.v[i]->str,
					      idx);
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
				aslrt_jn_perr(p, "S0202", (int)i, "{", ">");
			parse_signature(p, n, p->src + start, i - start);
			p->pos = i;
			aslrt_jn_lex(p, false);
		}
		advance(p, "{", false);
		n->body = aslrt_jn_expression(p, 0);
		advance(p, "}", true);
	}
	return n;
}

/* a^(<k, >k2): the sort terms, ascending unless > says descending. */
static Node *led_sort(P *p, Tok t, Node *left)
{
	Node *n = node_new(p, N_RAW_SORT, t.pos);
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
		n->terms = aslrt_jn_vec_grow(p->ar, n->terms, n->nterms, &cap, sizeof(SortTerm));
		n->terms[n->nterms].desc = desc;
		n->terms[n->nterms++].expr = aslrt_jn_expression(p, 0);
		if (!tok_is(p, ","))
			break;
		advance(p, ",", false);
	}
	advance(p, ")", true);
	return n;
}

static Node *led(P *p, Tok t, Node *left)
{
	const char *op = t.s;
	Node *n;
	static const struct {
		const char *s;
		int op;
	} bin[] = {{".", OP_DOT},    {"+", OP_PLUS},  {"-", OP_MINUS}, {"*", OP_MUL},
		   {"/", OP_DIV},    {"%", OP_MOD},   {"=", OP_EQ},    {"!=", OP_NE},
		   {"<", OP_LT},     {"<=", OP_LE},   {">", OP_GT},    {">=", OP_GE},
		   {"&", OP_CONCAT}, {"and", OP_AND}, {"or", OP_OR},   {"in", OP_IN},
		   {"~>", OP_APPLY}, {NULL, 0}};
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
			n->rhs = aslrt_jn_expression(p, bp);
			return n;
		}
	if (!strcmp(op, "(")) {
		return led_call(p, t, left);
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
		n->rhs = aslrt_jn_expression(p, 0);
		advance(p, "]", true);
		return n;
	}
	if (!strcmp(op, "^")) {
		return led_sort(p, t, left);
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
			aslrt_jn_perr(p, "S0212", left->pos, left->str, NULL);
		n = node_new(p, N_BIND, t.pos);
		n->lhs = left;
		n->rhs = aslrt_jn_expression(p, 9);
		return n;
	}
	if (!strcmp(op, "@") || !strcmp(op, "#")) {
		n = node_new(p, op[0] == '@' ? N_RAW_FOCUS : N_RAW_INDEX, t.pos);
		n->lhs = left;
		n->rhs = aslrt_jn_expression(p, 80);
		if (n->rhs->type != N_VARIABLE)
			aslrt_jn_perr(p, "S0214", n->rhs->pos, op, NULL);
		return n;
	}
	if (!strcmp(op, "?")) {
		n = node_new(p, N_CONDITION, t.pos);
		n->cond = left;
		n->then = aslrt_jn_expression(p, 0);
		if (tok_is(p, ":")) {
			advance(p, ":", false);
			n->els = aslrt_jn_expression(p, 0);
		}
		return n;
	}
	aslrt_jn_perr(p, "S0201", t.pos, op, NULL);
}

/* Deeper expressions are refused rather than overflow the stack (a
 * definition of 400 KB nests 200,000 parentheses); JSONata itself stops
 * where JavaScript's stack ends. */
#define MAX_PARSE_DEPTH 500

Node *aslrt_jn_expression(P *p, int rbp)
{
	Tok t = p->tok;
	if (++p->depth > MAX_PARSE_DEPTH)
		aslrt_jn_perr(p, "U1001", t.pos, NULL,
			      "Stack overflow error: the expression is nested more than 500 levels "
			      "deep");
	advance(p, NULL, true);
	Node *left = nud(p, t);
	while (rbp < lbp(p)) {
		t = p->tok;
		advance(p, NULL, false);
		left = led(p, t, left);
	}
	p->depth--;
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
					aslrt_jn_buf_puts(&b, JS_SPACE);
				else
					aslrt_jn_buf_printf(&b, "[%s]", JS_SPACE);
			} else if (e == 'S' && !in_class) {
				aslrt_jn_buf_printf(&b, "[^%s]", JS_SPACE);
			} else if (e == 'd' && !in_class) {
				aslrt_jn_buf_puts(&b, "[0-9]");
			} else if (e == '/') {
				aslrt_jn_buf_putc(&b, '/');
			} else {
				aslrt_jn_buf_putc(&b, ch);
				aslrt_jn_buf_putc(&b, e);
			}
			i++;
			continue;
		}
		if (in_class) {
			if (ch == ']')
				in_class = false;
			aslrt_jn_buf_putc(&b, ch);
			continue;
		}
		if (ch == '[') {
			in_class = true;
			aslrt_jn_buf_putc(&b, ch);
			if (i + 1 < n && src[i + 1] == '^') {
				aslrt_jn_buf_putc(&b, '^');
				i++;
			}
			if (i + 1 < n && src[i + 1] == ']') { /* [] or [^] */
				aslrt_jn_buf_putc(&b, ']');
				i++;
				in_class = false;
			}
			continue;
		}
		if (ch == '.') {
			aslrt_jn_buf_puts(&b, "[^\\n\\r\\u2028\\u2029]");
			continue;
		}
		aslrt_jn_buf_putc(&b, ch);
	}
	return (char *)aslrt_jn_buf_cstr(&b);
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
		aslrt_jn_perr(p, "S0303", t->pos, NULL, (const char *)m);
	}
	n->next_free = p->regexes;
	p->regexes = n;
	return n;
}

/* ----------------------------------------------------- signature parser */

/* Parse "<...:...>" into s; 0, or -1 with the error code in *ecode. */
int aslrt_jn_sig_parse(Sig *s, const char *sig, size_t len, const char **ecode)
{
	memset(s, 0, sizeof *s);
	SigParam *prev = NULL;
	for (size_t i = 1; i < len; i++) {
		char ch = sig[i];
		if (ch == ':' || ch == '>')
			break;
		SigParam *q = s->n < 12 ? &s->p[s->n] : NULL;
		switch (ch) {
		case 's':
		case 'n':
		case 'b':
		case 'l':
		case 'o':
		case 'a':
		case 'f':
		case 'j':
		case 'x':
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
	Sig *s = aslrt_jn_arena_zalloc(p->ar, sizeof(Sig));
	const char *code = NULL;
	char *copy = aslrt_jn_arena_strndup(p->ar, sig, len);
	if (aslrt_jn_sig_parse(s, copy, len, &code) != 0)
		aslrt_jn_perr(p, code, 0, NULL, NULL);
	lambda->sig = s;
}

/* ----------------------------------------------------- AST processing */

/*
 * Unresolved parent (%) slots travel up to the path that resolves them, each
 * node collecting its operands' (as jsonata-js does).  Copied at every level,
 * that is quadratic in a chain of thousands of '%' (8,000 took 170 MB): the
 * first operand's list is moved instead, and the copying and resolving left
 * has a budget, past which the expression is refused.
 */
#define MAX_ANCESTRY_WORK 4000000L

static void ancestry_work(P *p, Node *at, long n)
{
	p->anc_work += n;
	if (p->anc_work > MAX_ANCESTRY_WORK)
		aslrt_jn_perr(p, "U1001", at->pos, NULL,
			      "Memory limit exceeded: the expression holds too many parent (%) "
			      "references to resolve");
}

static void push_ancestry(P *p, Node *result, Node *value)
{
	if (value->has_seeking || value->type == N_PARENT) {
		result->has_seeking = true;
		if (result->seeking.n == 0) { /* value's list is not read again */
			result->seeking = value->seeking;
			value->seeking = (SVec){0};
		} else {
			ancestry_work(p, value, value->seeking.n);
			for (int i = 0; i < value->seeking.n; i++)
				VPUSH(p->ar, result->seeking, value->seeking.v[i]);
		}
		if (value->type == N_PARENT)
			VPUSH(p->ar, result->seeking, value->slot);
	}
}

static Slot *seek_parent(P *p, Node *node, Slot *slot)
{
	ancestry_work(p, node, 1);
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
		aslrt_jn_perr(p, "S0217", node->pos, NULL, NULL);
	}
	return slot;
}

static void resolve_ancestry(P *p, Node *path)
{
	int index = path->items.n - 1;
	Node *last = path->items.v[index];
	SVec slots = {0};
	ancestry_work(p, last, last->seeking.n);
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
			e->items.v[e->items.n - 1] =
			    tail_call_optimize(p, e->items.v[e->items.n - 1]);
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

/* A path's last step, or the node itself. */
static Node *last_step(Node *n)
{
	return n->type == N_PATH ? n->items.v[n->items.n - 1] : n;
}

/* a[pred]: the predicate becomes a stage (or a filter) of the last step */
static Node *process_pred(P *p, Node *e)
{
	Node *result = aslrt_jn_process(p, e->lhs);
	Node *step = result;
	bool stages = false;
	if (result->type == N_PATH) {
		step = result->items.v[result->items.n - 1];
		stages = true;
	}
	if (step->group)
		aslrt_jn_perr(p, "S0209", e->pos, NULL, NULL);
	Node *pred = aslrt_jn_process(p, e->rhs);
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
	return result;
}

/* e{k: v}: a grouping on the step (once) */
static Node *process_group(P *p, Node *e)
{
	Node *result = aslrt_jn_process(p, e->lhs);
	if (result->group)
		aslrt_jn_perr(p, "S0210", e->pos, NULL, NULL);
	Group *g = aslrt_jn_arena_zalloc(p->ar, sizeof(Group));
	*g = *e->grp;
	g->keys = aslrt_jn_arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
	g->vals = aslrt_jn_arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
	for (int i = 0; i < g->n; i++) {
		g->keys[i] = aslrt_jn_process(p, e->grp->keys[i]);
		g->vals[i] = aslrt_jn_process(p, e->grp->vals[i]);
	}
	g->pos = e->pos;
	result->group = g;
	return result;
}

/* e^(terms): a sort step appended to the path */
static Node *process_sort(P *p, Node *e)
{
	Node *result = as_path(p, aslrt_jn_process(p, e->lhs));
	Node *s = node_new(p, N_SORT, e->pos);
	s->nterms = e->nterms;
	s->terms = aslrt_jn_arena_alloc_raw(p->ar, sizeof(SortTerm) * (size_t)(e->nterms + 1));
	for (int i = 0; i < e->nterms; i++) {
		s->terms[i].desc = e->terms[i].desc;
		s->terms[i].expr = aslrt_jn_process(p, e->terms[i].expr);
		push_ancestry(p, s, s->terms[i].expr);
	}
	VPUSH(p->ar, result->items, s);
	resolve_ancestry(p, result);
	return result;
}

/* e@$v: the step binds each item to $v (a tuple stream) */
static Node *process_focus(P *p, Node *e)
{
	Node *result = aslrt_jn_process(p, e->lhs);
	Node *step = last_step(result);
	if (step->stages.n || step->pred.n)
		aslrt_jn_perr(p, "S0215", e->pos, NULL, NULL);
	if (step->type == N_SORT)
		aslrt_jn_perr(p, "S0216", e->pos, NULL, NULL);
	if (e->keep_array)
		step->keep_array = true;
	step->focus = e->rhs->str;
	step->tuple = true;
	return result;
}

/* e#$i: the step binds each position to $i */
static Node *process_index(P *p, Node *e)
{
	Node *result = aslrt_jn_process(p, e->lhs);
	Node *step = last_step(result);
	if (result->type != N_PATH) {
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
	return result;
}

/* {k: v, ...} as a constructor */
static Node *process_object(P *p, Node *e)
{
	Node *result = node_new(p, N_OBJECT, e->pos);
	Group *g = aslrt_jn_arena_zalloc(p->ar, sizeof(Group));
	*g = *e->grp;
	g->keys = aslrt_jn_arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
	g->vals = aslrt_jn_arena_alloc_raw(p->ar, sizeof(Node *) * (size_t)(g->n + 1));
	for (int i = 0; i < g->n; i++) {
		g->keys[i] = aslrt_jn_process(p, e->grp->keys[i]);
		push_ancestry(p, result, g->keys[i]);
		g->vals[i] = aslrt_jn_process(p, e->grp->vals[i]);
		push_ancestry(p, result, g->vals[i]);
	}
	result->grp = g;
	return result;
}

/* %: a slot the enclosing path resolves to an ancestor */
static Node *process_parent(P *p, Node *e)
{
	Node *result = node_new(p, N_PARENT, e->pos);
	Slot *s = aslrt_jn_arena_zalloc(p->ar, sizeof(Slot));
	char lab[16];
	snprintf(lab, sizeof lab, "!%d", p->anc_label++);
	s->label = aslrt_jn_arena_strndup(p->ar, lab, strlen(lab));
	s->level = 1;
	s->index = p->anc_index++;
	result->slot = s;
	p->ancestry = aslrt_jn_vec_grow(p->ar, p->ancestry, p->nanc, &p->capanc, sizeof(Node *));
	p->ancestry[p->nanc++] = result;
	return result;
}

/* a.b: the steps of both sides flattened into one path */
static Node *process_path(P *p, Node *e)
{
	Node *result;
	Node *lstep = aslrt_jn_process(p, e->lhs);
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
	Node *rest = aslrt_jn_process(p, e->rhs);
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
			aslrt_jn_perr(p, "S0213", st->pos, NULL, st->str);
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
	return result;
}

/* The parse tree into the evaluator's: paths flattened, predicates, groups,
 * sorts and bindings attached to their steps, parent slots resolved (jsonata
 * 2.0.6 parser.js processAST).  Long because it is one switch over the node
 * kinds, each case short; the longer ones are the process_* above. */
Node *aslrt_jn_process(P *p, Node *e)
{
	Node *result = e;
	switch (e->type) {
	case N_BINARY:
		if (e->op == OP_DOT) {
			result = process_path(p, e);
			break;
		}
		if (e->op == OP_APPLY) {
			result = node_new(p, N_APPLY, e->pos);
			result->str = "~>";
			result->lhs = aslrt_jn_process(p, e->lhs);
			result->rhs = aslrt_jn_process(p, e->rhs);
			result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
			break;
		}
		result = node_new(p, N_BINARY, e->pos);
		result->op = e->op;
		result->str = e->str;
		result->lhs = aslrt_jn_process(p, e->lhs);
		result->rhs = aslrt_jn_process(p, e->rhs);
		push_ancestry(p, result, result->lhs);
		push_ancestry(p, result, result->rhs);
		break;
	case N_RAW_PRED:
		result = process_pred(p, e);
		break;
	case N_RAW_GROUP:
		result = process_group(p, e);
		break;
	case N_RAW_SORT:
		result = process_sort(p, e);
		break;
	case N_BIND:
		result = node_new(p, N_BIND, e->pos);
		result->lhs = aslrt_jn_process(p, e->lhs);
		result->rhs = aslrt_jn_process(p, e->rhs);
		push_ancestry(p, result, result->rhs);
		break;
	case N_RAW_FOCUS:
		result = process_focus(p, e);
		break;
	case N_RAW_INDEX:
		result = process_index(p, e);
		break;
	case N_NEG:
		result = node_new(p, N_NEG, e->pos);
		result->expr = aslrt_jn_process(p, e->expr);
		if (result->expr->type == N_NUMBER) {
			result = result->expr;
			result->num = -result->num;
		} else
			push_ancestry(p, result, result->expr);
		break;
	case N_ARRAY: {
		result = node_new(p, N_ARRAY, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *v = aslrt_jn_process(p, e->items.v[i]);
			push_ancestry(p, result, v);
			VPUSH(p->ar, result->items, v);
		}
		break;
	}
	case N_OBJECT:
		result = process_object(p, e);
		break;
	case N_FUNCTION:
	case N_PARTIAL: {
		result = node_new(p, e->type, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *a = aslrt_jn_process(p, e->items.v[i]);
			push_ancestry(p, result, a);
			VPUSH(p->ar, result->items, a);
		}
		result->proc = aslrt_jn_process(p, e->proc);
		break;
	}
	case N_LAMBDA: {
		result = node_new(p, N_LAMBDA, e->pos);
		result->items = e->items;
		result->sig = e->sig;
		result->body = tail_call_optimize(p, aslrt_jn_process(p, e->body));
		break;
	}
	case N_CONDITION:
		result = node_new(p, N_CONDITION, e->pos);
		result->cond = aslrt_jn_process(p, e->cond);
		push_ancestry(p, result, result->cond);
		result->then = aslrt_jn_process(p, e->then);
		push_ancestry(p, result, result->then);
		if (e->els) {
			result->els = aslrt_jn_process(p, e->els);
			push_ancestry(p, result, result->els);
		}
		break;
	case N_TRANSFORM:
		result = node_new(p, N_TRANSFORM, e->pos);
		result->pattern = aslrt_jn_process(p, e->pattern);
		result->update = aslrt_jn_process(p, e->update);
		if (e->del)
			result->del = aslrt_jn_process(p, e->del);
		break;
	case N_BLOCK:
		result = node_new(p, N_BLOCK, e->pos);
		for (int i = 0; i < e->items.n; i++) {
			Node *part = aslrt_jn_process(p, e->items.v[i]);
			push_ancestry(p, result, part);
			if (part->consarray ||
			    (part->type == N_PATH && part->items.v[0]->consarray))
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
	case N_PARENT:
		result = process_parent(p, e);
		break;
	case N_OPERATOR:
		e->type = N_NAME;
		result = aslrt_jn_process(p, e);
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
		aslrt_jn_perr(p, "S0206", e->pos, NULL, NULL);
	}
	if (e->keep_array)
		result->keep_array = true;
	return result;
}
