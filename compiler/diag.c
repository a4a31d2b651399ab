/*
 * diag.c - diagnostics: source positions, the one funnel every user-facing
 * message goes through, and a strict JSON reader.
 *
 * json-c's values carry no positions, so a definition is located the other
 * way round: a diagnostic names the JSON Pointer of the offending field, and a
 * small scanner walks the source text to find the byte offset of that value
 * (or of its key).  The same scanner validates the text strictly before json-c
 * builds the tree (RFC 8259: no NaN, no single quotes, no raw control
 * characters, valid UTF-8) and finds keys that appear twice in one object,
 * which json-c would silently collapse.
 *
 * Output is GCC's form, with the source line and a caret under the token:
 *
 *   file:line:col: error: message [/States/A/Next]
 *       "Next": "Bogus",
 *               ^~~~~~~
 *
 * or, with --diagnostics-format=json, one array of
 * {kind,message,pointer,file,line,column} objects on stdout at the end.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"
#include "rt.h"

/* --- positions --- */

void source_linecol(const Source *s, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	if (off > s->len)
		off = s->len;
	for (size_t i = 0; i < off; i++) {
		if (s->text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* --- the scanner --- */

/*
 * A cursor over the source text.  Every scan function takes the offset of
 * the first byte to look at and returns the offset just past what it read,
 * or -1 on a syntax error, leaving the error's offset and text in the Scan.
 */
typedef struct Scan {
	const char *t;
	long n;
	long erroff;
	const char *errmsg;
	int depth;
} Scan;

static long scan_fail(Scan *sc, long off, const char *msg)
{
	if (sc->errmsg == NULL) {
		sc->erroff = off;
		sc->errmsg = msg;
	}
	return -1;
}

static long skip_ws(const Scan *sc, long i)
{
	while (i < sc->n &&
	       (sc->t[i] == ' ' || sc->t[i] == '\t' || sc->t[i] == '\n' || sc->t[i] == '\r'))
		i++;
	return i;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* string = '"' chars '"'; decoded into out when out is not NULL. */
static long scan_string(Scan *sc, long i, Buf *out)
{
	long start = i;
	if (i >= sc->n || sc->t[i] != '"')
		return scan_fail(sc, i,
				 sc->t[i] == '\'' ? "strings must use double quotes"
						  : "expected a string");
	i++;
	for (;;) {
		if (i >= sc->n)
			return scan_fail(sc, start, "unterminated string");
		unsigned char c = (unsigned char)sc->t[i];
		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return scan_fail(sc, i, "control character in string (escape it)");
		if (c == '\\') {
			if (i + 1 >= sc->n)
				return scan_fail(sc, start, "unterminated string");
			char e = sc->t[i + 1];
			const char *simple = strchr("\"\\/bfnrt", e);
			if (e && simple) {
				static const char map[] = "\"\\/\b\f\n\r\t";
				if (out)
					buf_put(out, &map[simple - "\"\\/bfnrt"], 1);
				i += 2;
				continue;
			}
			if (e != 'u')
				return scan_fail(sc, i, "invalid escape in string");
			unsigned long cp = 0;
			for (int k = 0; k < 4; k++) {
				int h = i + 2 + k < sc->n ? hexval(sc->t[i + 2 + k]) : -1;
				if (h < 0)
					return scan_fail(sc, i, "invalid \\u escape in string");
				cp = cp * 16 + (unsigned long)h;
			}
			i += 6;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 5 < sc->n && sc->t[i] == '\\' &&
			    sc->t[i + 1] == 'u') {
				unsigned long lo = 0;
				int ok = 1;
				for (int k = 0; k < 4; k++) {
					int h = hexval(sc->t[i + 2 + k]);
					if (h < 0)
						ok = 0;
					lo = lo * 16 + (unsigned long)(h < 0 ? 0 : h);
				}
				if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (out)
				aslrt_buf_putcp(out, (uint32_t)cp);
			continue;
		}
		uint32_t seqcp;
		int n = (int)aslrt_utf8_seq((const unsigned char *)sc->t + i, (size_t)(sc->n - i),
					    &seqcp);
		if (n == 0)
			return scan_fail(sc, i, "invalid UTF-8 in string");
		if (out)
			buf_put(out, sc->t + i, (size_t)n);
		i += n;
	}
}

/* number = [-] int [frac] [exp] */
static long scan_number(Scan *sc, long i)
{
	long start = i;
	if (i < sc->n && sc->t[i] == '-')
		i++;
	if (i >= sc->n || !isdigit((unsigned char)sc->t[i]))
		return scan_fail(sc, start, "invalid number");
	if (sc->t[i] == '0' && i + 1 < sc->n && isdigit((unsigned char)sc->t[i + 1]))
		return scan_fail(sc, start, "leading zeros are not allowed in numbers");
	while (i < sc->n && isdigit((unsigned char)sc->t[i]))
		i++;
	if (i < sc->n && sc->t[i] == '.') {
		i++;
		if (i >= sc->n || !isdigit((unsigned char)sc->t[i]))
			return scan_fail(sc, start, "invalid number");
		while (i < sc->n && isdigit((unsigned char)sc->t[i]))
			i++;
	}
	if (i < sc->n && (sc->t[i] == 'e' || sc->t[i] == 'E')) {
		i++;
		if (i < sc->n && (sc->t[i] == '+' || sc->t[i] == '-'))
			i++;
		if (i >= sc->n || !isdigit((unsigned char)sc->t[i]))
			return scan_fail(sc, start, "invalid number");
		while (i < sc->n && isdigit((unsigned char)sc->t[i]))
			i++;
	}
	return i;
}

/* Called for each member of an object while scanning: key offset, decoded key,
 * value offset, and the pointer of the enclosing object. */
typedef void MemberFn(void *ctx, const char *objptr, long keyoff, const char *key, long valoff);

static long scan_value_cb(Scan *sc, long i, const char *ptr, MemberFn *fn, void *ctx);

/* After a member or an element: the offset past a ',', or (*done) past the
 * closing bracket, or -1 with the message for the end of the text or for
 * anything else there. */
static long scan_next(Scan *sc, long i, char close, const char *unterminated, const char *expected,
		      bool *done)
{
	i = skip_ws(sc, i);
	if (i < sc->n && sc->t[i] == ',')
		return skip_ws(sc, i + 1);
	if (i < sc->n && sc->t[i] == close) {
		*done = true;
		return i + 1;
	}
	return scan_fail(sc, i, i >= sc->n ? unterminated : expected);
}

static long scan_object(Scan *sc, long i, const char *ptr, MemberFn *fn, void *ctx)
{
	long open = i;
	i = skip_ws(sc, i + 1);
	if (i < sc->n && sc->t[i] == '}')
		return i + 1;
	for (;;) {
		Buf key = {0};
		long keyoff = i;
		if (i < sc->n && sc->t[i] == '}')
			return scan_fail(sc, i, "trailing comma in object");
		i = scan_string(sc, i, &key);
		if (i < 0) {
			buf_free(&key);
			if (sc->erroff == keyoff && keyoff >= sc->n)
				sc->erroff = open;
			return -1;
		}
		i = skip_ws(sc, i);
		if (i >= sc->n || sc->t[i] != ':') {
			buf_free(&key);
			return scan_fail(sc, i, "expected ':' after object key");
		}
		i = skip_ws(sc, i + 1);
		long valoff = i;
		char *sub = fn ? pointer_join(ptr, key.s ? key.s : "") : NULL;
		if (fn)
			fn(ctx, ptr, keyoff, key.s ? key.s : "", valoff);
		i = scan_value_cb(sc, i, sub, fn, ctx);
		free(sub);
		buf_free(&key);
		if (i < 0)
			return -1;
		bool done = false;
		i = scan_next(sc, i, '}', "unterminated object", "expected ',' or '}' in object",
			      &done);
		if (i < 0 || done)
			return i;
	}
}

static long scan_array(Scan *sc, long i, const char *ptr, MemberFn *fn, void *ctx)
{
	i = skip_ws(sc, i + 1);
	if (i < sc->n && sc->t[i] == ']')
		return i + 1;
	for (int k = 0;; k++) {
		if (i < sc->n && sc->t[i] == ']')
			return scan_fail(sc, i, "trailing comma in array");
		char *sub = fn ? pointer_index(ptr, k) : NULL;
		i = scan_value_cb(sc, i, sub, fn, ctx);
		free(sub);
		if (i < 0)
			return -1;
		bool done = false;
		i = scan_next(sc, i, ']', "unterminated array", "expected ',' or ']' in array",
			      &done);
		if (i < 0 || done)
			return i;
	}
}

static long scan_value_cb(Scan *sc, long i, const char *ptr, MemberFn *fn, void *ctx)
{
	long r;
	if (i >= sc->n)
		return scan_fail(sc, i, "unexpected end of input, expected a value");
	switch (sc->t[i]) {
	case '{':
	case '[':
		if (++sc->depth > 512)
			return scan_fail(sc, i, "nesting too deep");
		r = sc->t[i] == '{' ? scan_object(sc, i, ptr, fn, ctx)
				    : scan_array(sc, i, ptr, fn, ctx);
		sc->depth--;
		return r;
	case '"':
		return scan_string(sc, i, NULL);
	case '\'':
		return scan_fail(sc, i, "strings must use double quotes");
	case 't':
		if (strncmp(sc->t + i, "true", 4) == 0)
			return i + 4;
		break;
	case 'f':
		if (strncmp(sc->t + i, "false", 5) == 0)
			return i + 5;
		break;
	case 'n':
		if (strncmp(sc->t + i, "null", 4) == 0)
			return i + 4;
		break;
	case 'N':
	case 'I':
		return scan_fail(sc, i, "NaN and Infinity are not JSON numbers");
	default:
		if (sc->t[i] == '-' || isdigit((unsigned char)sc->t[i])) {
			if (sc->t[i] == '-' && i + 1 < sc->n && sc->t[i + 1] == 'I')
				return scan_fail(sc, i, "NaN and Infinity are not JSON numbers");
			return scan_number(sc, i);
		}
	}
	return scan_fail(sc, i,
			 "expected a value (string, number, object, array, true, "
			 "false or null)");
}

/* The offset just past the value at i (valid text assumed), -1 if broken. */
static long value_end(const Source *s, long i)
{
	Scan sc = {s->text, (long)s->len, 0, NULL, 0};
	return scan_value_cb(&sc, i, NULL, NULL, NULL);
}

/* --- JSON Pointers --- */

char *pointer_join(const char *base, const char *token)
{
	Buf b = {0};
	buf_puts(&b, base);
	buf_put(&b, "/", 1);
	for (const char *p = token; *p; p++) {
		if (*p == '~')
			buf_puts(&b, "~0");
		else if (*p == '/')
			buf_puts(&b, "~1");
		else
			buf_put(&b, p, 1);
	}
	return b.s;
}

char *pointer_index(const char *base, int i)
{
	return xasprintf("%s/%d", base, i);
}

/* The next reference token of a pointer, unescaped (malloc'd); *p advances. */
static char *pointer_token(const char **p)
{
	Buf b = {0};
	const char *s = *p + 1; /* skip '/' */
	buf_put(&b, "", 0);
	while (*s && *s != '/') {
		if (s[0] == '~' && s[1] == '0') {
			buf_put(&b, "~", 1);
			s += 2;
		} else if (s[0] == '~' && s[1] == '1') {
			buf_put(&b, "/", 1);
			s += 2;
		} else {
			buf_put(&b, s++, 1);
		}
	}
	*p = s;
	return b.s;
}

long source_locate(const Source *s, const char *pointer, bool want_key)
{
	Scan sc = {s->text, (long)s->len, 0, NULL, 0};
	long i = skip_ws(&sc, 0), keyoff = -1;
	const char *p = pointer ? pointer : "";
	while (*p == '/') {
		char *tok = pointer_token(&p);
		long found = -1;
		i = skip_ws(&sc, i);
		if (i < sc.n && sc.t[i] == '{') {
			/* json-c keeps the last of duplicate keys: so do we. */
			long j = skip_ws(&sc, i + 1);
			while (j < sc.n && sc.t[j] == '"') {
				Buf key = {0};
				long ko = j;
				j = scan_string(&sc, j, &key);
				if (j < 0) {
					buf_free(&key);
					break;
				}
				j = skip_ws(&sc, j);
				if (j < sc.n && sc.t[j] == ':')
					j = skip_ws(&sc, j + 1);
				if (strcmp(key.s ? key.s : "", tok) == 0) {
					found = j;
					keyoff = ko;
				}
				buf_free(&key);
				j = value_end(s, j);
				if (j < 0)
					break;
				j = skip_ws(&sc, j);
				if (j < sc.n && sc.t[j] == ',')
					j = skip_ws(&sc, j + 1);
			}
		} else if (i < sc.n && sc.t[i] == '[') {
			char *end;
			long want = strtol(tok, &end, 10);
			if (*tok && !*end && want >= 0) {
				long j = skip_ws(&sc, i + 1);
				for (long k = 0; j >= 0 && j < sc.n && sc.t[j] != ']'; k++) {
					if (k == want) {
						found = j;
						keyoff = j;
						break;
					}
					j = value_end(s, j);
					if (j < 0)
						break;
					j = skip_ws(&sc, j);
					if (j < sc.n && sc.t[j] == ',')
						j = skip_ws(&sc, j + 1);
				}
			}
		}
		free(tok);
		if (found < 0)
			return -1;
		i = found;
	}
	if (i >= sc.n)
		return -1;
	return want_key && keyoff >= 0 ? keyoff : i;
}

/* --- the funnel --- */

static const char *const kind_names[] = {"error", "warning", "note"};

/* Columns a byte range takes on screen (UTF-8 continuation bytes take none). */
static int display_width(const char *s, long n)
{
	int w = 0;
	for (long i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

/* A YAML source (yaml.c): the JSON text lies on the YAML's lines, so quote
 * the YAML line and put the caret at the same line:col. */
static void print_display_caret(const Source *s, long off, long end)
{
	int line, col;
	source_linecol(s, (size_t)off, &line, &col);
	const char *p = s->display, *lim = s->display + s->display_len;
	for (int l = 1; l < line && p < lim; p++)
		if (*p == '\n')
			l++;
	const char *e = p;
	while (e < lim && *e != '\n' && *e != '\r')
		e++;
	fprintf(stderr, "%.*s\n", (int)(e - p), p);
	int c = 1;
	const char *q = p;
	for (; c < col && q < e; q++)
		if (*q == '\t')
			fputc('\t', stderr), c++;
		else if (((unsigned char)*q & 0xC0) != 0x80)
			fputc(' ', stderr), c++;
	fputc('^', stderr);
	int w = display_width(s->text + off, end - off);
	int room = display_width(q, e - q);
	for (int i = 1; i < w && i < room; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
}

static void print_caret(const Source *s, long off)
{
	long ls = off, le = off;
	while (ls > 0 && s->text[ls - 1] != '\n')
		ls--;
	while (le < (long)s->len && s->text[le] != '\n' && s->text[le] != '\r')
		le++;
	long end = value_end(s, off);
	if (end < 0)
		end = off + 1; /* not a value (a syntax error): one caret */
	else if (end > le)
		end = le;
	if (end <= off)
		end = off + 1;
	if (end - off > 1 && (s->text[off] == '{' || s->text[off] == '['))
		end = off + 1; /* a container: point at its opening bracket */
	if (s->display)
		return print_display_caret(s, off, end);
	fprintf(stderr, "%.*s\n", (int)(le - ls), s->text + ls);
	for (long i = ls; i < off; i++)
		if (s->text[i] == '\t')
			fputc('\t', stderr);
		else if (((unsigned char)s->text[i] & 0xC0) != 0x80)
			fputc(' ', stderr);
	fputc('^', stderr);
	int w = display_width(s->text + off, end - off);
	for (int i = 1; i < w; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
}

static void vdiag(Diag *d, DiagKind k, long off, const char *pointer, const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	if (k == DIAG_ERROR)
		d->nerrors++;
	else if (k == DIAG_WARNING)
		d->nwarnings++;
	int line = 0, col = 0;
	const Source *s = d->src;
	if (s && off >= 0)
		source_linecol(s, (size_t)off, &line, &col);
	const char *file = s ? s->path : "<input>";
	if (d->json) {
		if (!d->list)
			d->list = json_object_new_array();
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", json_object_new_string(kind_names[k]));
		json_object_object_add(o, "message", json_object_new_string(msg));
		json_object_object_add(o, "pointer",
				       pointer ? json_object_new_string(pointer) : NULL);
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "line", json_object_new_int(line));
		json_object_object_add(o, "column", json_object_new_int(col));
		json_object_array_add(d->list, o);
	} else if (!d->quiet) {
		if (line > 0)
			fprintf(stderr, "%s:%d:%d: %s: %s", file, line, col, kind_names[k], msg);
		else
			fprintf(stderr, "%s: %s: %s", file, kind_names[k], msg);
		if (pointer)
			fprintf(stderr, " [%s]", *pointer ? pointer : "/");
		fputc('\n', stderr);
		if (line > 0)
			print_caret(s, off);
	}
	free(msg);
}

/* The offset for a pointer: the value's, or the nearest located ancestor's. */
static long locate_near(const Source *s, const char *pointer)
{
	if (!s || !pointer)
		return -1;
	char *p = xstrdup(pointer);
	long off;
	for (;;) {
		off = source_locate(s, p, false);
		if (off >= 0 || !*p)
			break;
		*strrchr(p, '/') = 0;
	}
	free(p);
	return off;
}

void diag_at(Diag *d, DiagKind k, const char *pointer, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(d, k, locate_near(d->src, pointer), pointer, fmt, ap);
	va_end(ap);
}

void diag_at_offset(Diag *d, DiagKind k, long off, const char *pointer, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(d, k, off, pointer, fmt, ap);
	va_end(ap);
}

void diag_finish(Diag *d)
{
	if (d->json) {
		if (!d->list)
			d->list = json_object_new_array();
		printf("%s\n",
		       json_object_to_json_string_ext(d->list, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(stdout);
		json_object_put(d->list);
		d->list = NULL;
		return;
	}
	if (d->quiet || (d->nerrors == 0 && d->nwarnings == 0))
		return;
	Buf b = {0};
	if (d->nwarnings)
		buf_printf(&b, "%d warning%s", d->nwarnings, d->nwarnings == 1 ? "" : "s");
	if (d->nwarnings && d->nerrors)
		buf_puts(&b, " and ");
	if (d->nerrors)
		buf_printf(&b, "%d error%s", d->nerrors, d->nerrors == 1 ? "" : "s");
	fprintf(stderr, "%s generated.\n", b.s);
	buf_free(&b);
}

/* --- parsing --- */

bool source_parse(Diag *d, struct json_object **out)
{
	const Source *s = d->src;
	Scan sc = {s->text, (long)s->len, 0, NULL, 0};
	*out = NULL;
	long i = skip_ws(&sc, 0);
	if (i >= sc.n) {
		diag_at_offset(d, DIAG_ERROR, -1, NULL, "empty definition: expected a JSON object");
		return false;
	}
	if (sc.n >= 3 && memcmp(sc.t, "\xEF\xBB\xBF", 3) == 0)
		i = scan_fail(&sc, 0, "byte order mark at the start of the text");
	else
		i = scan_value_cb(&sc, i, NULL, NULL, NULL);
	if (i >= 0) {
		i = skip_ws(&sc, i);
		if (i < sc.n)
			i = scan_fail(&sc, i, "unexpected text after the JSON value");
	}
	if (i < 0) {
		long off = sc.erroff < sc.n ? sc.erroff : sc.n > 0 ? sc.n - 1 : -1;
		diag_at_offset(d, DIAG_ERROR, off, NULL, "invalid JSON: %s", sc.errmsg);
		return false;
	}
	/* The runtime's strict parser: the same numbers, the same limits. */
	struct json_object *v = NULL;
	char why[256];
	if (aslrt_json_parse(s->text, s->len, &v, why, sizeof why) != 0) {
		diag_at_offset(d, DIAG_ERROR, -1, NULL, "invalid JSON: %s", why);
		return false;
	}
	*out = v;
	return true;
}

/* --- duplicate keys --- */

/* The keys seen so far in each object, by the object's pointer. */
typedef struct DupCtx {
	Diag *d;
	struct json_object *seen; /* objptr -> {key -> keyoff} */
} DupCtx;

static void dup_member(void *ctx, const char *objptr, long keyoff, const char *key, long valoff)
{
	DupCtx *c = ctx;
	struct json_object *keys;
	(void)valoff;
	if (!json_object_object_get_ex(c->seen, objptr, &keys)) {
		keys = json_object_new_object();
		json_object_object_add(c->seen, objptr, keys);
	}
	struct json_object *prev;
	char *ptr = pointer_join(objptr, key);
	if (json_object_object_get_ex(keys, key, &prev)) {
		diag_at_offset(c->d, DIAG_ERROR, keyoff, ptr, "duplicate key '%s' in object", key);
		diag_at_offset(c->d, DIAG_NOTE, (long)json_object_get_int64(prev), ptr,
			       "'%s' first appears here; JSON parsers keep only one of the two",
			       key);
		/* The second value is a new object at the same pointer: forget the
		 * keys seen under the first, or its members ('Type' of a second
		 * state of the same name) would be reported as duplicates too. */
		size_t n = strlen(ptr);
		struct json_object *gone = json_object_new_array();
		json_object_object_foreach(c->seen, sp, sv)
		{
			(void)sv;
			if (strncmp(sp, ptr, n) == 0 && (sp[n] == 0 || sp[n] == '/'))
				json_object_array_add(gone, json_object_new_string(sp));
		}
		for (size_t i = 0; i < json_object_array_length(gone); i++)
			json_object_object_del(
			    c->seen, json_object_get_string(json_object_array_get_idx(gone, i)));
		json_object_put(gone);
	} else {
		json_object_object_add(keys, key, json_object_new_int64(keyoff));
	}
	free(ptr);
}

void source_check_duplicates(Diag *d)
{
	const Source *s = d->src;
	Scan sc = {s->text, (long)s->len, 0, NULL, 0};
	DupCtx c = {d, json_object_new_object()};
	scan_value_cb(&sc, skip_ws(&sc, 0), "", dup_member, &c);
	json_object_put(c.seen);
}
