/*
 * parse.c - JSONPath text to its parsed form (Jayway's PathCompiler), with
 * the small buffers the path code shares, and the parsed path's accessors.
 */
#include "path_int.h"

/* --- the parsed form --- */

/* A model that is Java null (an index past the end), as opposed to a JSON
 * null (NullNode, the NULL pointer).  Never handed to json-c. */
char aslrt_path_jnull_marker;

/* --- small buffers --- */

void aslrt_path_buf_trunc(aslrt_path_buf *b, size_t len)
{
	b->len = len;
	if (b->s)
		b->s[len] = 0;
}

char *aslrt_path_xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void *aslrt_path_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

void *aslrt_path_xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		abort();
	return p;
}

void aslrt_path_vec_push(aslrt_path_vec *v, struct json_object *o)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->v = aslrt_path_xrealloc(v->v, (size_t)v->cap * sizeof *v->v);
	}
	v->v[v->n++] = o;
}

/* --- parser --- */

int aslrt_path_perr(aslrt_path_parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->why, ps->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

bool aslrt_path_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void aslrt_path_skip_blanks(aslrt_path_parser *ps)
{
	while (ps->pos < ps->len && aslrt_path_is_blank(ps->s[ps->pos]))
		ps->pos++;
}

int aslrt_path_peek(aslrt_path_parser *ps)
{
	return ps->pos < ps->len ? (unsigned char)ps->s[ps->pos] : -1;
}

static void put_utf8(aslrt_path_buf *b, unsigned long cp)
{
	char u[4];
	if (cp < 0x80) {
		u[0] = (char)cp;
		aslrt_path_buf_put(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		aslrt_path_buf_put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		aslrt_path_buf_put(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		aslrt_path_buf_put(b, u, 4);
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

/* After "\\u": when the closing quote q comes within the next four
 * characters (a backslash hiding the one after it), Jayway's Utils.unescape
 * never completes the escape and drops what it collected: skip to the quote
 * and say so. */
static bool cut_short(aslrt_path_parser *ps, char q)
{
	size_t i = ps->pos;
	for (int n = 0; n < 4 && i < ps->len; n++, i++) {
		if (ps->s[i] == q) {
			ps->pos = i;
			return true;
		}
		if (ps->s[i] == '\\')
			i++, n++;
	}
	return false;
}

/*
 * Read a quoted string starting at ps->pos (the quote), decoding Java-style
 * escapes as Jayway's Utils.unescape does (\uXXXX pairs joined into one code
 * point).  The result goes to b; ps->pos ends after the closing quote.
 */
int aslrt_path_read_quoted(aslrt_path_parser *ps, aslrt_path_buf *b)
{
	char q = ps->s[ps->pos];
	size_t start = ps->pos++;
	while (ps->pos < ps->len) {
		char c = ps->s[ps->pos];
		if (c == q) {
			ps->pos++;
			if (!b->s)
				aslrt_path_buf_put(b, "", 0);
			return 0;
		}
		if (c != '\\') {
			aslrt_path_buf_put(b, &c, 1);
			ps->pos++;
			continue;
		}
		if (ps->pos + 1 >= ps->len)
			break;
		c = ps->s[ps->pos + 1];
		ps->pos += 2;
		const char *ctl = c ? strchr("bfnrt", c) : NULL;
		if (ctl) {
			aslrt_path_buf_put(b, &"\b\f\n\r\t"[ctl - "bfnrt"], 1);
			continue;
		}
		switch (c) {
		case 'u': {
			unsigned long cp, lo;
			if (cut_short(ps, q))
				break;
			if (hex4(ps->s + ps->pos, ps->len - ps->pos, &cp) < 0)
				return aslrt_path_perr(ps, "invalid \\u escape at offset %zu",
						       ps->pos - 2);
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
			aslrt_path_buf_put(b, &c, 1);
		}
	}
	return aslrt_path_perr(ps, "unterminated string starting at offset %zu", start);
}

static struct aslrt_path_step *new_step(aslrt_path *p, enum aslrt_path_kind kind)
{
	p->steps = aslrt_path_xrealloc(p->steps, (size_t)(p->n + 1) * sizeof *p->steps);
	struct aslrt_path_step *s = &p->steps[p->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	return s;
}

static void add_name(struct aslrt_path_step *s, const char *name, size_t len)
{
	s->names = aslrt_path_xrealloc(s->names, (size_t)(s->nnames + 1) * sizeof *s->names);
	s->namelens =
	    aslrt_path_xrealloc(s->namelens, (size_t)(s->nnames + 1) * sizeof *s->namelens);
	s->hashes = aslrt_path_xrealloc(s->hashes, (size_t)(s->nnames + 1) * sizeof *s->hashes);
	s->names[s->nnames] = aslrt_path_xstrndup(name, len);
	s->hashes[s->nnames] = aslrt_key_hash(s->names[s->nnames]);
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
				return aslrt_path_perr(ps, "dangling escape at offset %zu",
						       ps->pos);
			}
			aslrt_path_buf_put(&b, ps->s + ps->pos + 1, 1);
			ps->pos += 2;
			continue;
		}
		if (aslrt_path_is_blank(c)) {
			free(b.s);
			return aslrt_path_perr(ps,
					       "blank in a property name at offset %zu: use "
					       "bracket notation ['my prop']",
					       ps->pos);
		}
		if (c == '(') {
			free(b.s);
			return aslrt_path_perr(ps,
					       "path functions such as '%.*s()' are not supported",
					       (int)(ps->pos - start), ps->s + start);
		}
		if (c == ']' || c == ')') {
			free(b.s);
			return aslrt_path_perr(ps, "unbalanced '%c' at offset %zu", c, ps->pos);
		}
		aslrt_path_buf_put(&b, &c, 1);
		ps->pos++;
	}
	if (ps->pos == start) {
		free(b.s);
		return aslrt_path_perr(ps, "empty property name at offset %zu", start);
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
		return aslrt_path_perr(ps, "invalid array index at offset %zu", at);
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	errno = 0;
	long v = strtol(tmp, &end, 10);
	if (*end || errno || v > INT_MAX || v < INT_MIN ||
	    !(isdigit((unsigned char)tmp[0]) || tmp[0] == '-'))
		return aslrt_path_perr(ps, "invalid array index '%s' at offset %zu", tmp, at);
	*out = v;
	return 0;
}

/* [1], [1,2], [1:2], [:2], [-3:] (Jayway's ArrayIndexOperation and
 * ArraySliceOperation; a third slice part is read and ignored, as Jayway does). */
static int parse_array(aslrt_path_parser *ps, aslrt_path *p, size_t close)
{
	size_t a = ps->pos, e = close;
	while (a < e && aslrt_path_is_blank(ps->s[a]))
		a++;
	while (e > a && aslrt_path_is_blank(ps->s[e - 1]))
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
					return aslrt_path_perr(ps, "invalid slice at offset %zu",
							       a);
				parts[np][0] = st;
				parts[np][1] = i - st;
				np++;
				st = i + 1;
			} else if (!isdigit((unsigned char)x[i]) && x[i] != '-') {
				return aslrt_path_perr(ps, "invalid slice at offset %zu", a);
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
			return aslrt_path_perr(ps, "invalid slice at offset %zu", a);
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
			s->idx =
			    aslrt_path_xrealloc(s->idx, (size_t)(s->nidx + 1) * sizeof *s->idx);
			s->idx[s->nidx++] = v;
			while (i < n && x[i] == ' ')
				i++;
			if (i == n)
				break;
			if (x[i] != ',')
				return aslrt_path_perr(ps, "invalid array index at offset %zu",
						       a + i);
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
				while (k > pos && aslrt_path_is_blank(s[k - 1]))
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
	aslrt_path_skip_blanks(ps);
	int c = aslrt_path_peek(ps);
	if (c == '\'' || c == '"') {
		struct aslrt_path_step *s = new_step(p, PK_FIELD);
		s->delim = (char)c;
		for (;;) {
			aslrt_path_skip_blanks(ps);
			c = aslrt_path_peek(ps);
			/* Jayway's readBracketPropertyToken takes the first quote
			 * as the only delimiter of the bracket: ["a", 'b'] fails. */
			if (c != s->delim)
				return aslrt_path_perr(ps,
						       "expected a property name in %c quotes at "
						       "offset %zu",
						       s->delim, ps->pos);
			aslrt_path_buf b = {0};
			if (aslrt_path_read_quoted(ps, &b) < 0) {
				free(b.s);
				return -1;
			}
			add_name(s, b.s, b.len);
			free(b.s);
			aslrt_path_skip_blanks(ps);
			c = aslrt_path_peek(ps);
			if (c == ']')
				break;
			if (c != ',')
				return c < 0 ? aslrt_path_perr(
						   ps, "unterminated bracket at offset %zu", open)
					     : aslrt_path_perr(ps,
							       "expected ',' or ']' at offset %zu",
							       ps->pos);
			ps->pos++;
		}
		ps->pos++;
		if (s->nnames > 1)
			s->kind = PK_PROPS;
		return 0;
	}
	if (c == '*') {
		ps->pos++;
		aslrt_path_skip_blanks(ps);
		if (aslrt_path_peek(ps) != ']')
			return aslrt_path_peek(ps) < 0
				   ? aslrt_path_perr(ps, "unterminated bracket at offset %zu", open)
				   : aslrt_path_perr(ps, "expected ']' after '*' at offset %zu",
						     ps->pos);
		ps->pos++;
		new_step(p, PK_WILD);
		return 0;
	}
	if (c == '?') {
		ps->pos++;
		aslrt_path_skip_blanks(ps);
		if (aslrt_path_peek(ps) != '(')
			return aslrt_path_perr(ps,
					       "expected '(' after '[?' at offset %zu (placeholder "
					       "filters are not supported)",
					       ps->pos);
		size_t close = match_paren(ps->s, ps->len, ps->pos);
		if (close == (size_t)-1)
			return aslrt_path_perr(ps, "unterminated filter at offset %zu", open);
		struct aslrt_path_fexpr *f;
		if (aslrt_path_parse_filter(ps, close + 1, &f) < 0)
			return -1;
		struct aslrt_path_step *s = new_step(p, PK_FILTER);
		s->filter = f;
		ps->pos = close + 1;
		aslrt_path_skip_blanks(ps);
		if (aslrt_path_peek(ps) != ']')
			return aslrt_path_peek(ps) < 0
				   ? aslrt_path_perr(ps, "unterminated bracket at offset %zu", open)
				   : aslrt_path_perr(
					 ps, "expected ']' after a filter at offset %zu", ps->pos);
		ps->pos++;
		return 0;
	}
	if (c >= 0 && (isdigit(c) || c == '-' || c == ':')) {
		const char *close = memchr(ps->s + ps->pos, ']', ps->len - ps->pos);
		if (!close)
			return aslrt_path_perr(ps, "unterminated bracket at offset %zu", open);
		return parse_array(ps, p, (size_t)(close - ps->s));
	}
	if (c < 0)
		return aslrt_path_perr(ps, "unterminated bracket at offset %zu", open);
	return aslrt_path_perr(ps, "unexpected '%c' at offset %zu: expected ?, ', \", 0-9, - or *",
			       c, ps->pos);
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
			aslrt_path_buf_put(&b, "[", 1);
			for (int k = 0; k < s->nnames; k++) {
				if (k)
					aslrt_path_buf_put(&b, ",", 1);
				aslrt_path_buf_put(&b, &q, 1);
				aslrt_path_buf_put(&b, s->names[k], s->namelens[k]);
				aslrt_path_buf_put(&b, &q, 1);
			}
			aslrt_path_buf_put(&b, "]", 1);
			break;
		}
		case PK_INDEX:
		case PK_INDEXES:
			aslrt_path_buf_put(&b, "[", 1);
			for (int k = 0; k < s->nidx; k++)
				aslrt_path_buf_fmt(&b, k ? ",%ld" : "%ld", s->idx[k]);
			aslrt_path_buf_put(&b, "]", 1);
			break;
		case PK_SLICE:
			aslrt_path_buf_put(&b, "[", 1);
			if (s->slice != SL_TO)
				aslrt_path_buf_fmt(&b, "%ld", s->from);
			aslrt_path_buf_put(&b, ":", 1);
			if (s->slice != SL_FROM)
				aslrt_path_buf_fmt(&b, "%ld", s->to);
			aslrt_path_buf_put(&b, "]", 1);
			break;
		case PK_WILD:
			aslrt_path_buf_str(&b, "[*]");
			break;
		case PK_SCAN:
			aslrt_path_buf_str(&b, "..");
			break;
		case PK_FILTER:
			aslrt_path_buf_str(&b, "[?]");
			break;
		}
		s->frag = b.s;
	}
}

static void fval_free(struct aslrt_path_fval *v)
{
	free(v->str);
	json_object_put(v->json);
	if (v->kind == FV_PAT)
		pcre2_code_free(v->re);
	aslrt_path_free(v->path);
}

void aslrt_path_fexpr_free(struct aslrt_path_fexpr *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nkids; i++)
		aslrt_path_fexpr_free(e->kids[i]);
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
		free(s->hashes);
		free(s->idx);
		aslrt_path_fexpr_free(s->filter);
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

aslrt_path *aslrt_path_parse_ex(const char *text, size_t len, bool filter_path, int depth,
				char *why, size_t whylen)
{
	aslrt_path_parser ps = {text, len, 0, why, whylen, depth};
	if (depth > 32) {
		snprintf(why, whylen, "filters nested too deeply");
		return NULL;
	}
	aslrt_path *p = aslrt_path_xcalloc(1, sizeof *p);
	p->text = aslrt_path_xstrndup(text, len);
	p->rootch = '$';
	if (len == 0 || (text[0] != '$' && !(filter_path && text[0] == '@'))) {
		aslrt_path_perr(&ps, "a path must start with '$'");
		goto aslrt_path_fail;
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
		p->var = aslrt_path_xstrndup(text + 1, ps.pos - 1);
	}
	if (ps.pos < len && text[ps.pos] != '.' && text[ps.pos] != '[') {
		aslrt_path_perr(&ps, "unexpected '%c' at offset %zu: expected '.' or '['",
				text[ps.pos], ps.pos);
		goto aslrt_path_fail;
	}
	while (ps.pos < len) {
		char c = text[ps.pos];
		if (c == '[') {
			if (parse_bracket(&ps, p) < 0)
				goto aslrt_path_fail;
			continue;
		}
		if (c != '.') {
			aslrt_path_perr(&ps, "unexpected '%c' at offset %zu: expected '.' or '['",
					c, ps.pos);
			goto aslrt_path_fail;
		}
		if (ps.pos + 1 < len && text[ps.pos + 1] == '.') {
			new_step(p, PK_SCAN);
			ps.pos += 2;
			if (ps.pos == len) {
				aslrt_path_perr(&ps, "a path must not end with '..'");
				goto aslrt_path_fail;
			}
		} else {
			ps.pos++;
			if (ps.pos == len) {
				aslrt_path_perr(&ps, "a path must not end with '.'");
				goto aslrt_path_fail;
			}
		}
		c = text[ps.pos];
		if (c == '.') {
			aslrt_path_perr(&ps, "unexpected '.' at offset %zu", ps.pos);
			goto aslrt_path_fail;
		} else if (c == '*') {
			new_step(p, PK_WILD);
			ps.pos++;
		} else if (c == '[') {
			if (parse_bracket(&ps, p) < 0)
				goto aslrt_path_fail;
		} else if (parse_dot_name(&ps, p) < 0) {
			goto aslrt_path_fail;
		}
	}
	render_frags(p);
	p->definite = true;
	p->reference = true;
	for (int i = 0; i < p->n; i++) {
		struct aslrt_path_step *s = &p->steps[i];
		bool last = i == p->n - 1;
		s->updef = p->definite;
		s->definite =
		    s->kind == PK_FIELD || s->kind == PK_INDEX || (s->kind == PK_PROPS && last);
		p->definite = p->definite && s->definite;
		if (s->kind != PK_FIELD && s->kind != PK_INDEX)
			p->reference = false;
	}
	return p;
aslrt_path_fail:
	aslrt_path_free(p);
	return NULL;
}

aslrt_path *aslrt_path_parse(const char *text, char *why, size_t whylen)
{
	if (!text) {
		snprintf(why, whylen, "no path");
		return NULL;
	}
	return aslrt_path_parse_ex(text, strlen(text), false, 0, why, whylen);
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
