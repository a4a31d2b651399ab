/*
 * yaml.c - definitions written in YAML (SAM, the Serverless Framework),
 * read with libyaml and turned into JSON text laid out on the YAML's own
 * lines and, where the JSON punctuation leaves room, its columns: every
 * later stage (the locator, the checker, diagnostics) works on that JSON,
 * and a diagnostic's line:col is the YAML's.  The YAML text is kept to
 * quote in diagnostics (Source.display).
 *
 * Scalars resolve as YAML 1.2's core schema: null, true/false, integers
 * (decimal, 0x, 0o), floats; everything else, and every quoted scalar or
 * key, is a string.  Aliases, non-standard tags (CloudFormation's !Sub and
 * the like belong to the template, not the definition), .inf/.nan and
 * more than one document are errors at their line:col.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "aslc.h"

enum { Y_MAP, Y_SEQ };

typedef struct Frame {
	int kind;
	int count; /* members (map: keys) written so far */
	bool key;  /* map: the next scalar is a key */
} Frame;

typedef struct Y {
	Diag *d;
	Buf out;
	int line, col; /* of the next byte written, 1-based */
	Frame *stack;
	int depth, cap;
	bool failed;
} Y;

bool source_is_yaml(const Source *s)
{
	size_t n = strlen(s->path);
	return (n > 5 && strcmp(s->path + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(s->path + n - 4, ".yml") == 0);
}

/* Byte offset of a libyaml mark (0-based line, column in characters). */
static long mark_offset(const Source *s, yaml_mark_t m)
{
	size_t i = 0;
	for (size_t l = 0; l < m.line && i < s->len; i++)
		if (s->text[i] == '\n')
			l++;
	for (size_t c = 0; c < m.column && i < s->len && s->text[i] != '\n'; c++) {
		i++;
		while (i < s->len && ((unsigned char)s->text[i] & 0xC0) == 0x80)
			i++;
	}
	return i < s->len ? (long)i : s->len > 0 ? (long)s->len - 1 : -1;
}

/* Report msg (malloc'd, freed here) at the mark; only the first error counts. */
static void fail(Y *y, yaml_mark_t m, char *msg)
{
	if (!y->failed)
		diag_at_offset(y->d, DIAG_ERROR, mark_offset(y->d->src, m), NULL, "%s", msg);
	y->failed = true;
	free(msg);
}

static void put(Y *y, const char *s, size_t n)
{
	buf_put(&y->out, s, n);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			y->line++;
			y->col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			y->col++;
		}
	}
}

/* Move the output to the YAML position (line, col), 1-based, if not past it. */
static void move_to(Y *y, int line, int col)
{
	while (y->line < line)
		put(y, "\n", 1);
	while (y->line == line && y->col < col)
		put(y, " ", 1);
}

static void put_json_string(Y *y, const char *s, size_t n)
{
	put(y, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(y, esc, 2);
		} else if (c == '\n' || c == '\t') {
			put(y, c == '\n' ? "\\n" : "\\t", 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			put(y, esc, 6);
		} else {
			put(y, (const char *)&s[i], 1);
		}
	}
	put(y, "\"", 1);
}

static bool all_digits(const char *s, const char *digits)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(digits, *s))
			return false;
	return true;
}

/* A plain scalar as the core schema reads it, written as JSON. */
static void put_plain(Y *y, const char *s, yaml_mark_t m)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL")) {
		put(y, "null", 4);
		return;
	}
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		put(y, "true", 4);
		return;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		put(y, "false", 5);
		return;
	}
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) &&
	    all_digits(s + 2, s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567")) {
		errno = 0;
		unsigned long long v = strtoull(s + 2, NULL, s[1] == 'x' ? 16 : 8);
		if (errno)
			return fail(y, m,
				    xasprintf("YAML integer '%s' does not fit in 64 bits", s));
		char num[32];
		snprintf(num, sizeof num, "%llu", v);
		put(y, num, strlen(num));
		return;
	}
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF") || !strcmp(s, ".nan") ||
	    !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return fail(y, m, xasprintf("YAML number '%s' has no JSON form", s));
	/* [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )?, at least one digit before the exponent */
	const char *q = p;
	size_t idig = strspn(q, "0123456789");
	q += idig;
	size_t fdig = 0;
	bool dot = *q == '.';
	if (dot)
		fdig = strspn(++q, "0123456789"), q += fdig;
	const char *exp = NULL;
	if ((*q == 'e' || *q == 'E') && idig + fdig > 0) {
		exp = q++;
		if (*q == '-' || *q == '+')
			q++;
		size_t edig = strspn(q, "0123456789");
		q = edig ? q + edig : exp; /* no digits: not a number */
	}
	if (*q || idig + fdig == 0) {
		put_json_string(y, s, strlen(s));
		return;
	}
	/* JSON's number grammar: no '+', no leading zeros, digits both sides of '.'. */
	Buf b = {0};
	if (neg)
		buf_put(&b, "-", 1);
	const char *ip = p;
	size_t in = idig;
	while (in > 1 && *ip == '0')
		ip++, in--;
	buf_put(&b, in ? ip : "0", in ? in : 1);
	if (dot) {
		buf_put(&b, ".", 1);
		buf_put(&b, fdig ? p + idig + 1 : "0", fdig ? fdig : 1);
	}
	if (exp)
		buf_puts(&b, exp);
	put(y, b.s, b.len);
	buf_free(&b);
}

static bool standard_tag(const char *tag)
{
	static const char *const ok[] = {"tag:yaml.org,2002:str",   "tag:yaml.org,2002:int",
					 "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
					 "tag:yaml.org,2002:null",  "tag:yaml.org,2002:map",
					 "tag:yaml.org,2002:seq",   "!"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (!strcmp(tag, ok[i]))
			return true;
	return false;
}

/* Before a node: the separator (in a map, the key is already written).  A
 * scalar moves to its YAML position; a container's bracket stays where the
 * output is (after its key), so that its first key keeps its own column. */
static void before_value(Y *y, yaml_mark_t m, bool scalar)
{
	if (y->depth == 0)
		return;
	Frame *f = &y->stack[y->depth - 1];
	if (f->kind == Y_SEQ && f->count++ > 0)
		put(y, ",", 1);
	if (scalar)
		move_to(y, (int)m.line + 1, (int)m.column + 1);
}

static void push(Y *y, int kind)
{
	if (y->depth == y->cap) {
		y->cap = y->cap ? 2 * y->cap : 16;
		y->stack = xrealloc(y->stack, sizeof *y->stack * (size_t)y->cap);
	}
	y->stack[y->depth++] = (Frame){kind, 0, kind == Y_MAP};
}

/* After a complete value in a map, the next scalar is a key. */
static void after_value(Y *y)
{
	if (y->depth > 0 && y->stack[y->depth - 1].kind == Y_MAP)
		y->stack[y->depth - 1].key = true;
}

static void scalar(Y *y, yaml_event_t *e)
{
	const char *v = (const char *)e->data.scalar.value;
	size_t n = e->data.scalar.length;
	const char *tag = (const char *)e->data.scalar.tag;
	yaml_mark_t m = e->start_mark;
	if (tag && !standard_tag(tag))
		return fail(y, m, xasprintf("YAML tag '%s' is not supported in a definition", tag));
	if (strlen(v) != n)
		return fail(y, m, xstrdup("a YAML scalar holds a NUL character"));
	Frame *f = y->depth ? &y->stack[y->depth - 1] : NULL;
	if (f && f->kind == Y_MAP && f->key) {
		if (f->count++ > 0)
			put(y, ",", 1);
		/* One column early, so that `"Key": ` ends where `Key: ` does and
		 * the value lands on its YAML column. */
		move_to(y, (int)m.line + 1, m.column > 0 ? (int)m.column : 1);
		put_json_string(y, v, n);
		put(y, ":", 1);
		f->key = false;
		return;
	}
	before_value(y, m, true);
	bool quoted = e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	if (quoted || (tag && !strcmp(tag, "tag:yaml.org,2002:str")))
		put_json_string(y, v, n);
	else
		put_plain(y, v, m);
	after_value(y);
}

bool source_yaml_to_json(Diag *d)
{
	Source *s = d->src;
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		die("out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)s->text, s->len);
	Y y = {d, {0}, 1, 1, NULL, 0, 0, false};
	int docs = 0;
	bool done = false;
	while (!done && !y.failed) {
		yaml_event_t e;
		if (!yaml_parser_parse(&p, &e)) {
			fail(&y, p.problem_mark,
			     p.context ? xasprintf("invalid YAML: %s %s", p.problem, p.context)
				       : xasprintf("invalid YAML: %s", p.problem));
			break;
		}
		yaml_mark_t m = e.start_mark;
		switch (e.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				fail(&y, m,
				     xstrdup("more than one YAML document: a definition is one"));
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			fail(&y, m,
			     xasprintf("YAML alias '*%s' is not supported in a definition",
				       (const char *)e.data.alias.anchor));
			break;
		case YAML_SCALAR_EVENT:
			scalar(&y, &e);
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT: {
			bool map = e.type == YAML_MAPPING_START_EVENT;
			const char *tag = (const char *)(map ? e.data.mapping_start.tag
							     : e.data.sequence_start.tag);
			if (tag && !standard_tag(tag)) {
				fail(&y, m,
				     xasprintf("YAML tag '%s' is not supported in a definition",
					       tag));
				break;
			}
			if (y.depth && y.stack[y.depth - 1].kind == Y_MAP &&
			    y.stack[y.depth - 1].key) {
				fail(&y, m, xstrdup("a YAML key must be a scalar"));
				break;
			}
			before_value(&y, m, false);
			put(&y, map ? "{" : "[", 1);
			push(&y, map ? Y_MAP : Y_SEQ);
			break;
		}
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			put(&y, e.type == YAML_MAPPING_END_EVENT ? "}" : "]", 1);
			y.depth--;
			after_value(&y);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	free(y.stack);
	if (y.failed) {
		buf_free(&y.out);
		return false;
	}
	put(&y, "\n", 1);
	s->display = s->text;
	s->display_len = s->len;
	s->text = y.out.s;
	s->len = y.out.len;
	return true;
}
