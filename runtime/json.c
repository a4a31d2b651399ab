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
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "mathlib.h"

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
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
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
		/* most bytes stand for themselves: no call per byte */
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		char u[7];
		const char *esc = aslrt_json_escape(ch, u);
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
	if (d == aslrt_floor(d) && fabs(d) < 1e18) {
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

/* One open array or object of the walk: the printer, the size and the copy
 * keep their own stack instead of recursing, so a value of any depth is
 * handled in bounded C stack. */
typedef struct {
	struct json_object *v;
	size_t i, n;	    /* arrays: next index, length */
	struct lh_entry *e; /* objects: next entry */
	bool first;
} Frame;

typedef struct {
	Frame *f;
	size_t n, cap;
	bool local; /* f is the caller's array, not malloc'ed */
} Stack;

static Frame *push(Stack *s, struct json_object *v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		Frame *f = s->local ? malloc(cap * sizeof *f) : realloc(s->f, cap * sizeof *f);
		if (!f)
			abort();
		if (s->local)
			memcpy(f, s->f, s->n * sizeof *f);
		s->f = f;
		s->cap = cap;
		s->local = false;
	}
	Frame *f = &s->f[s->n++];
	f->v = v;
	f->i = 0;
	f->first = true;
	if (json_object_is_type(v, json_type_array)) {
		f->n = json_object_array_length(v);
		f->e = NULL;
	} else {
		f->n = 0;
		f->e = json_object_get_object(v)->head;
	}
	return f;
}

static void dump_int(Out *o, struct json_object *v)
{
	char buf[32];
	if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)json_object_get_uint64(v));
	else
		out_int(buf, json_object_get_int64(v)); /* every state's output size */
	out_put(o, buf, strlen(buf));
}

/* Print a scalar, or open a container on the stack. */
static void dump_one(Out *o, Stack *s, struct json_object *v)
{
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
		dump_int(o, v);
		break;
	case json_type_double:
		/* A number parsed from text keeps its text in json-c's userdata
		 * serializer; it is printed back as written. */
		if (json_object_get_userdata(v)) {
			const char *t = json_object_get_userdata(v);
			out_put(o, t, strlen(t));
		} else {
			out_double(o, json_object_get_double(v));
		}
		break;
	case json_type_string:
		out_str(o, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		out_put(o, "[", 1);
		push(s, v);
		break;
	case json_type_object:
		out_put(o, "{", 1);
		push(s, v);
		break;
	}
}

/* Print v; in count_only mode stop as soon as the length passes max_len or
 * the nesting passes max_depth (*deep set). */
static void dump(Out *o, struct json_object *v, size_t max_len, size_t max_depth, bool *deep)
{
	/* a shallow value needs no heap stack (b4: a 1 KB malloc per dump sent
	 * glibc consolidating its free lists, 10% of the run) */
	Frame local[16];
	Stack s = {local, 0, 16, true};
	dump_one(o, &s, v);
	while (s.n) {
		if (o->count_only && (o->len > max_len || s.n > max_depth)) {
			if (s.n > max_depth && deep)
				*deep = true;
			break;
		}
		Frame *f = &s.f[s.n - 1];
		if (json_object_is_type(f->v, json_type_array)) {
			if (f->i >= f->n) {
				out_put(o, "]", 1);
				s.n--;
				continue;
			}
			if (f->i)
				out_put(o, ",", 1);
			dump_one(o, &s, json_object_array_get_idx(f->v, f->i++));
		} else {
			if (!f->e) {
				out_put(o, "}", 1);
				s.n--;
				continue;
			}
			struct lh_entry *e = f->e;
			f->e = e->next;
			if (!f->first)
				out_put(o, ",", 1);
			f->first = false;
			const char *key = e->k;
			out_str(o, key, strlen(key));
			out_put(o, ":", 1);
			dump_one(o, &s, (struct json_object *)lh_entry_v(e));
		}
	}
	if (!s.local)
		free(s.f);
}

char *aslrt_json_dump(struct json_object *v)
{
	Out o = {0};
	dump(&o, v, SIZE_MAX, SIZE_MAX, NULL);
	return o.s;
}

size_t aslrt_json_size(struct json_object *v)
{
	Out o = {0};
	o.count_only = true;
	dump(&o, v, SIZE_MAX, SIZE_MAX, NULL);
	return o.len;
}

/*
 * The measure of a container (the size of its compact print and its height)
 * is kept in json-c's userdata of the array or object, unused otherwise:
 * values are never changed in place once built (ResultPath and the other
 * writers copy on write, except where a container is the caller's alone,
 * aslrt_json_unique, and then its kept measure goes), so a state exit
 * measures only the containers it built and reads the rest from their
 * children.  Packed as size << 12 | height << 1 | 1; a height is kept up to
 * ASLRT_JSON_MAX_DEPTH + 1 (any deeper is just "too deep").  With no size
 * limit to check (--payload-limit off, variables) only heights are
 * measured, and kept with the size SIZE_UNKNOWN, which a sized measure
 * does again.
 */
#define MEASURE_SIZE_MAX (UINTPTR_MAX >> 12)
#define SIZE_UNKNOWN MEASURE_SIZE_MAX

static bool measured(struct json_object *v, size_t *size, unsigned *height, bool sized)
{
	uintptr_t m = (uintptr_t)json_object_get_userdata(v);
	if (!(m & 1) || (sized && (size_t)(m >> 12) == SIZE_UNKNOWN))
		return false;
	*size = (size_t)(m >> 12);
	*height = (unsigned)(m >> 1 & 2047);
	return true;
}

static void measure_keep(struct json_object *v, size_t size, unsigned height, bool sized)
{
	if (!sized)
		size = SIZE_UNKNOWN;
	else if (size == SIZE_UNKNOWN)
		return;
	if (size <= MEASURE_SIZE_MAX)
		json_object_set_userdata(
		    v, (void *)((uintptr_t)size << 12 | (uintptr_t)height << 1 | 1), NULL);
}

/* The printed size of a string: out_str's, without the calls per byte. */
static size_t str_size(const char *s, size_t n)
{
	size_t len = n + 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			len++;
		else if (ch < 0x20)
			len += ch == '\n' || ch == '\r' || ch == '\t' || ch == '\b' || ch == '\f'
				   ? 1
				   : 5;
	}
	return len;
}

/* The printed size of a scalar: dump_one's, integers and strings counted
 * without being printed. */
static size_t scalar_size(struct json_object *v)
{
	enum json_type t = json_object_get_type(v);
	if (t == json_type_string)
		return str_size(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	if (t == json_type_int &&
	    !(json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)) {
		int64_t n = json_object_get_int64(v);
		uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
		size_t len = n < 0 ? 2 : 1;
		while (u >= 10) {
			u /= 10;
			len++;
		}
		return len;
	}
	Out o = {.count_only = true};
	dump_one(&o, NULL, v);
	return o.len;
}

/* The size and height so far of a container being measured. */
typedef struct {
	size_t size;
	unsigned height;
} Sum;

/* How deep measure_flat goes into unmeasured containers before it leaves
 * them to measure_walk's own stack. */
#define FLAT_DEPTH 8

static bool measure_nested(struct json_object *v, size_t *size, unsigned *height, bool sized,
			   int depth);

/* A child's measure: a scalar's, a measured container's, or one
 * measure_flat can take. */
static inline bool child_measure(struct json_object *c, size_t *size, unsigned *height, bool sized,
				 int depth)
{
	enum json_type t = json_object_get_type(c);
	if (t == json_type_array || t == json_type_object)
		return measured(c, size, height, sized) ||
		       (depth < FLAT_DEPTH && measure_nested(c, size, height, sized, depth + 1));
	*size = sized ? scalar_size(c) : 0;
	*height = 0;
	return true;
}

/*
 * The measure of container v from its children's: scalars, measured
 * containers, and containers built over those, a few levels down (kept as
 * they are measured).  What a state builds over the values it read, and a
 * ResultPath's changed input, are so: a state exit measures most outputs
 * with no walk.  false: an unmeasured container deeper than FLAT_DEPTH.
 */
static inline bool measure_flat(struct json_object *v, size_t *size, unsigned *height, bool sized,
				int depth)
{
	size_t sz = 2, csize; /* the brackets */
	unsigned h = 1, ch;
	if (json_object_is_type(v, json_type_object)) {
		bool first = true;
		for (struct lh_entry *e = json_object_get_object(v)->head; e; e = e->next) {
			if (!child_measure((struct json_object *)lh_entry_v(e), &csize, &ch, sized,
					   depth))
				return false;
			if (sized) {
				const char *key = e->k;
				sz += str_size(key, strlen(key)) + 1 + !first + csize; /* ,"key": */
			}
			first = false;
			if (ch + 1 > h)
				h = ch + 1;
		}
	} else {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			if (!child_measure(json_object_array_get_idx(v, i), &csize, &ch, sized,
					   depth))
				return false;
			sz += (i > 0) + csize;
			if (ch + 1 > h)
				h = ch + 1;
		}
	}
	if (h > ASLRT_JSON_MAX_DEPTH + 1)
		h = ASLRT_JSON_MAX_DEPTH + 1;
	measure_keep(v, sz, h, sized);
	*size = sz;
	*height = h;
	return true;
}

/* measure_flat a level down: a call, so that the top level's loop is inline. */
static bool measure_nested(struct json_object *v, size_t *size, unsigned *height, bool sized,
			   int depth)
{
	return measure_flat(v, size, height, sized, depth);
}

static bool measure_walk(struct json_object *v, size_t *size, unsigned *height, bool sized);

/*
 * The size (when sized) and height of v from its containers' measures,
 * measuring (and keeping) those not measured yet.  false when more than
 * ASLRT_JSON_MAX_DEPTH unmeasured containers are open at once: v is too
 * deep, and the walk stops there (bounded stack, as the printer).
 */
static bool measure(struct json_object *v, size_t *size, unsigned *height, bool sized)
{
	enum json_type t = json_object_get_type(v);
	if (t != json_type_array && t != json_type_object) {
		*size = sized ? scalar_size(v) : 0;
		*height = 0;
		return true;
	}
	if (measured(v, size, height, sized) || measure_flat(v, size, height, sized, 0))
		return true;
	return measure_walk(v, size, height, sized);
}

/* measure's walk, for containers with unmeasured containers inside. */
static bool measure_walk(struct json_object *v, size_t *size, unsigned *height, bool sized)
{
	enum json_type t;
	/* most values a state builds are shallow: no allocation for them */
	Frame local[16];
	Sum local_sums[16], *sums = local_sums;
	Stack s = {local, 0, 16, true};
	bool ok = true;
	push(&s, v);
	sums[0] = (Sum){2, 1}; /* the brackets */
	while (s.n) {
		Frame *f = &s.f[s.n - 1];
		Sum *sum = &sums[s.n - 1];
		struct json_object *child;
		Out o = {.count_only = true};
		if (json_object_is_type(f->v, json_type_array)) {
			if (f->i >= f->n)
				goto done;
			if (f->i)
				o.len++; /* , */
			child = json_object_array_get_idx(f->v, f->i++);
		} else {
			if (!f->e)
				goto done;
			if (!f->first)
				o.len++;
			f->first = false;
			const char *key = f->e->k;
			if (sized)
				o.len += str_size(key, strlen(key)) + 1; /* "key": */
			child = (struct json_object *)lh_entry_v(f->e);
			f->e = f->e->next;
		}
		size_t csize;
		unsigned cheight;
		t = json_object_get_type(child);
		if ((t == json_type_array || t == json_type_object) &&
		    !measured(child, &csize, &cheight, sized)) {
			sum->size += o.len;
			if (s.n > ASLRT_JSON_MAX_DEPTH) {
				ok = false;
				break;
			}
			size_t cap = s.cap;
			push(&s, child);
			if (s.cap != cap) {
				Sum *n = sums == local_sums ? malloc(s.cap * sizeof *n)
							    : realloc(sums, s.cap * sizeof *n);
				if (!n)
					abort();
				if (sums == local_sums)
					memcpy(n, sums, cap * sizeof *n);
				sums = n;
			}
			sums[s.n - 1] = (Sum){2, 1};
			continue;
		}
		if (t != json_type_array && t != json_type_object) {
			if (sized)
				o.len += scalar_size(child);
			cheight = 0;
		} else {
			o.len += csize;
		}
		sum->size += o.len;
		if (cheight + 1 > sum->height)
			sum->height = cheight + 1;
		continue;
	done:
		if (sum->height > ASLRT_JSON_MAX_DEPTH + 1)
			sum->height = ASLRT_JSON_MAX_DEPTH + 1;
		measure_keep(f->v, sum->size, sum->height, sized);
		*size = sum->size;
		*height = sum->height;
		s.n--;
		if (s.n) {
			sums[s.n - 1].size += sum->size;
			if (sum->height + 1 > sums[s.n - 1].height)
				sums[s.n - 1].height = sum->height + 1;
		}
	}
	if (!s.local)
		free(s.f);
	if (sums != local_sums)
		free(sums);
	return ok;
}

/* The exact check: the printer's walk in order, stopping at the first limit passed. */
static int check_walk(struct json_object *v, size_t max_len, size_t *len)
{
	Out o = {0};
	bool deep = false;
	o.count_only = true;
	dump(&o, v, max_len ? max_len : SIZE_MAX, ASLRT_JSON_MAX_DEPTH, &deep);
	if (len)
		*len = o.len;
	if (deep)
		return 2;
	return max_len && o.len > max_len ? 1 : 0;
}

int aslrt_json_check_limits(struct json_object *v, size_t max_len, size_t *len)
{
	if (len)
		return check_walk(v, max_len, len);
	size_t size = 0;
	unsigned height = 0;
	bool sized = max_len != 0;
	/* The measures answer the usual case, within both limits; which limit
	 * a failing value passes first is the printer's walk's to say. */
	if (!measure(v, &size, &height, sized) || height > ASLRT_JSON_MAX_DEPTH ||
	    (max_len && size > max_len))
		return check_walk(v, max_len, NULL);
#ifndef NDEBUG
	/* Debug builds check the measures kept against a full walk: a value
	 * changed in place after it was measured would show here. */
	if ((sized && aslrt_json_size(v) != size) || check_walk(v, max_len, NULL) != 0)
		abort();
#endif
	return 0;
}

/*
 * The strict parser every reader of JSON uses (execution input, mock and
 * context files, States.StringToJson, $parse, the compiler): RFC 8259 only
 * (no single quotes, NaN, Infinity, comments or trailing text), valid UTF-8
 * only (no overlong forms, surrogates or code points past U+10FFFF), nesting
 * at most ASLRT_JSON_MAX_DEPTH.  Numbers keep their text: integers in 64 bits
 * are json-c integers, every other number a double that prints as written.
 */
typedef struct {
	const char *s;
	size_t n, i;
	int depth;
	char *why;
	size_t whylen;
	char *buf; /* string being decoded, when it has escapes */
	size_t blen, bcap;
	const char *str; /* the string read: in the text, or buf */
	size_t slen;
} Parser;

/*
 * Object keys the parser has read, one copy each for the process.  A
 * document's objects mostly repeat a few keys (b3's 2,600 orders have the same
 * 9), and json-c compares a looked-up key with the keys along its probe
 * sequence, each in an allocation of its own: scattered copies missed the
 * cache on most of those compares (half of b3's run), one shared copy stays in
 * cache, and each key costs no strdup.  Entries hold interned keys as
 * JSON_C_OBJECT_KEY_IS_CONSTANT, so they must never be freed: the set is
 * bounded (KEYS_MAX keys of at most KEY_MAX_LEN bytes, about 200 KB) and any
 * other key is copied per object as before.
 */
#define KEYS_MAX 4096
#define KEY_MAX_LEN 48

typedef struct {
	char *s;
	size_t len;
	uint64_t hash;
} Key;

/* open addressing, at most half full; grown by doubling from 64 slots, so
 * a run with a few keys touches a page or two, not the 192 KB of a full set */
static Key *aslrt_json_keys;
static size_t aslrt_json_keys_cap; /* slots, a power of two */
static size_t aslrt_json_nkeys;
static pthread_mutex_t aslrt_json_keys_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot for hash h and s: its key, or the empty slot where it goes. */
static Key *key_slot(uint64_t h, const char *s, size_t n)
{
	size_t mask = aslrt_json_keys_cap - 1, j = (size_t)h & mask;
	for (; aslrt_json_keys[j].s; j = (j + 1) & mask) {
		Key *k = &aslrt_json_keys[j];
		if (k->hash == h && k->len == n && memcmp(k->s, s, n) == 0)
			break;
	}
	return &aslrt_json_keys[j];
}

/* Room for one more key at most half full; false when out of memory. */
static bool keys_room(void)
{
	if (2 * (aslrt_json_nkeys + 1) <= aslrt_json_keys_cap)
		return true;
	size_t cap = aslrt_json_keys_cap ? 2 * aslrt_json_keys_cap : 64;
	Key *old = aslrt_json_keys, *t = calloc(cap, sizeof *t);
	if (!t)
		return false;
	size_t oldcap = aslrt_json_keys_cap;
	aslrt_json_keys = t;
	aslrt_json_keys_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].s)
			*key_slot(old[i].hash, old[i].s, old[i].len) = old[i];
	free(old);
	return true;
}

/* The shared copy of s (n bytes, no NUL inside), or NULL when the set is
 * full or s too long: the caller then copies it. */
static const char *intern_key(const char *s, size_t n)
{
	if (n > KEY_MAX_LEN)
		return NULL;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	const char *found = NULL;
	pthread_mutex_lock(&aslrt_json_keys_lock);
	Key *k = aslrt_json_keys ? key_slot(h, s, n) : NULL;
	if (k && k->s) {
		found = k->s;
	} else if (aslrt_json_nkeys < KEYS_MAX && keys_room()) {
		char *c = malloc(n + 1);
		if (!c)
			abort();
		memcpy(c, s, n);
		c[n] = 0;
		*key_slot(h, c, n) = (Key){c, n, h};
		aslrt_json_nkeys++;
		found = c;
	}
	pthread_mutex_unlock(&aslrt_json_keys_lock);
	return found;
}

static int perr(Parser *p, const char *what)
{
	snprintf(p->why, p->whylen, "%s at offset %zu", what, p->i);
	return -1;
}

static void skip_ws(Parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\r'))
		p->i++;
}

static void buf_add(Parser *p, const char *s, size_t n)
{
	if (p->blen + n + 1 > p->bcap) {
		size_t cap = p->bcap ? p->bcap * 2 : 64;
		while (cap < p->blen + n + 1)
			cap *= 2;
		p->buf = realloc(p->buf, cap);
		if (!p->buf)
			abort();
		p->bcap = cap;
	}
	memcpy(p->buf + p->blen, s, n);
	p->blen += n;
	p->buf[p->blen] = 0;
}

static void buf_utf8(Parser *p, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(p, b, n);
}

size_t aslrt_utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (i + len > n)
			return i;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return i;
		i += len;
	}
	return n;
}

static int hex4(Parser *p, unsigned *out)
{
	unsigned v = 0;
	if (p->i + 4 > p->n)
		return perr(p, "\\u must be followed by 4 hex digits");
	for (int k = 0; k < 4; k++) {
		char ch = p->s[p->i + (size_t)k];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return perr(p, "\\u must be followed by 4 hex digits");
	}
	p->i += 4;
	*out = v;
	return 0;
}

/* The string starting at p->i (the opening quote) into p->str and p->slen:
 * the text itself when it has no escapes (no copy), else decoded in p->buf. */
static int parse_string(Parser *p)
{
	bool copied = false;
	p->blen = 0;
	p->i++;
	for (;;) {
		size_t start = p->i;
		while (p->i < p->n && p->s[p->i] != '"' && p->s[p->i] != '\\' &&
		       (unsigned char)p->s[p->i] >= 0x20)
			p->i++;
		size_t ok = aslrt_utf8_valid_prefix(p->s + start, p->i - start);
		if (ok < p->i - start) {
			p->i = start + ok;
			return perr(p, "invalid UTF-8 in a string");
		}
		if (p->i >= p->n)
			return perr(p, "unterminated string");
		char ch = p->s[p->i];
		if (ch == '"' && !copied) {
			p->str = p->s + start;
			p->slen = p->i - start;
			p->i++;
			return 0;
		}
		buf_add(p, p->s + start, p->i - start);
		copied = true;
		if (ch == '"') {
			p->str = p->buf;
			p->slen = p->blen;
			p->i++;
			return 0;
		}
		if (ch != '\\')
			return perr(p, "control character in a string");
		p->i++;
		if (p->i >= p->n)
			return perr(p, "unterminated string");
		ch = p->s[p->i++];
		/* The one-character escapes, indexed by the escaped byte: 0 for the others. */
		static const char simple_esc[128] = {
		    ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
		    ['f'] = '\f', ['n'] = '\n',	 ['r'] = '\r', ['t'] = '\t',
		};
		unsigned char uc = (unsigned char)ch;
		if (uc < 128 && simple_esc[uc]) {
			buf_add(p, &simple_esc[uc], 1);
			continue;
		}
		switch (ch) {
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, &cp))
				return -1;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return perr(p, "lone low surrogate escape in a string");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				if (p->i + 2 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					return perr(p, "lone high surrogate escape in a string");
				p->i += 2;
				if (hex4(p, &lo))
					return -1;
				if (lo < 0xDC00 || lo > 0xDFFF)
					return perr(p, "lone high surrogate escape in a string");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			}
			buf_utf8(p, cp);
			break;
		}
		default:
			p->i--;
			return perr(p, "invalid escape in a string");
		}
	}
}

static bool digit(Parser *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static int parse_number(Parser *p, struct json_object **out)
{
	size_t start = p->i;
	bool integer = true;
	if (p->s[p->i] == '-')
		p->i++;
	if (!digit(p))
		return perr(p, "invalid number");
	if (p->s[p->i] == '0') {
		p->i++;
		if (digit(p))
			return perr(p, "a number must not start with 0");
	} else {
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		integer = false;
		p->i++;
		if (!digit(p))
			return perr(p, "invalid number: digits expected after '.'");
		while (digit(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		integer = false;
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digit(p))
			return perr(p, "invalid number: digits expected in the exponent");
		while (digit(p))
			p->i++;
	}
	size_t len = p->i - start;
	char small[64], *text = len < sizeof small ? small : malloc(len + 1);
	if (!text)
		abort();
	memcpy(text, p->s + start, len);
	text[len] = 0;
	if (integer) {
		bool neg = text[0] == '-';
		const char *d = text + neg;
		size_t nd = len - neg;
		const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
		size_t nl = strlen(lim);
		if (nd < nl || (nd == nl && memcmp(d, lim, nl) <= 0)) {
			/* in range, digits only: summed by hand (strtoll reads
			 * the locale's tables, pages a run need not touch) */
			uint64_t u = 0;
			for (size_t k = 0; k < nd; k++)
				u = u * 10 + (uint64_t)(d[k] - '0');
			if (neg)
				*out = json_object_new_int64(u > (uint64_t)INT64_MAX ? INT64_MIN
										     : -(int64_t)u);
			else
				*out = u > INT64_MAX ? json_object_new_uint64(u)
						     : json_object_new_int64((int64_t)u);
			goto done;
		}
	}
	/* Fractions, exponents and integers beyond 64 bits: a double that
	 * prints as written. */
	*out = json_object_new_double_s(strtod(text, NULL), text);
done:
	if (text != small)
		free(text);
	return 0;
}

static bool literal(Parser *p, const char *word)
{
	size_t n = strlen(word);
	if (p->n - p->i >= n && memcmp(p->s + p->i, word, n) == 0) {
		p->i += n;
		return true;
	}
	return false;
}

static int parse_value(Parser *p, struct json_object **out)
{
	*out = NULL;
	skip_ws(p);
	if (p->i >= p->n)
		return perr(p, "unexpected end of the text");
	char ch = p->s[p->i];
	switch (ch) {
	case '{': {
		if (++p->depth > ASLRT_JSON_MAX_DEPTH)
			return perr(p, "nested deeper than " ASLRT_JSON_MAX_DEPTH_TEXT " levels");
		p->i++;
		struct json_object *o = json_object_new_object();
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			p->depth--;
			*out = o;
			return 0;
		}
		for (;;) {
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != '"') {
				json_object_put(o);
				return perr(p, "a string key expected");
			}
			size_t at = p->i;
			if (parse_string(p)) {
				json_object_put(o);
				return -1;
			}
			if (memchr(p->str, 0, p->slen)) {
				/* json-c cuts keys at NUL: "a\u0000b" and "a\u0000c" would
				 * silently become one key. */
				p->i = at;
				json_object_put(o);
				return perr(p, "an object key containing U+0000 is not supported");
			}
			const char *shared = intern_key(p->str, p->slen);
			char *key = shared ? (char *)shared : strndup(p->str, p->slen);
			if (!key)
				abort();
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':') {
				if (!shared)
					free(key);
				json_object_put(o);
				return perr(p, "':' expected after an object key");
			}
			p->i++;
			struct json_object *v;
			if (parse_value(p, &v)) {
				if (!shared)
					free(key);
				json_object_put(o);
				return -1;
			}
			if (shared) {
				json_object_object_add_ex(o, key, v, JSON_C_OBJECT_KEY_IS_CONSTANT);
			} else {
				json_object_object_add(o, key, v);
				free(key);
			}
			skip_ws(p);
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->n && p->s[p->i] == '}') {
				p->i++;
				break;
			}
			json_object_put(o);
			return perr(p, "',' or '}' expected in an object");
		}
		p->depth--;
		*out = o;
		return 0;
	}
	case '[': {
		if (++p->depth > ASLRT_JSON_MAX_DEPTH)
			return perr(p, "nested deeper than " ASLRT_JSON_MAX_DEPTH_TEXT " levels");
		p->i++;
		struct json_object *a = json_object_new_array();
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			p->depth--;
			*out = a;
			return 0;
		}
		for (;;) {
			struct json_object *v;
			if (parse_value(p, &v)) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, v);
			skip_ws(p);
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->n && p->s[p->i] == ']') {
				p->i++;
				break;
			}
			json_object_put(a);
			return perr(p, "',' or ']' expected in an array");
		}
		p->depth--;
		*out = a;
		return 0;
	}
	case '"':
		if (parse_string(p))
			return -1;
		*out = json_object_new_string_len(p->str, (int)p->slen);
		return 0;
	case 't':
		if (literal(p, "true")) {
			*out = json_object_new_boolean(1);
			return 0;
		}
		break;
	case 'f':
		if (literal(p, "false")) {
			*out = json_object_new_boolean(0);
			return 0;
		}
		break;
	case 'n':
		if (literal(p, "null"))
			return 0;
		break;
	default:
		if (ch == '-' || (ch >= '0' && ch <= '9'))
			return parse_number(p, out);
	}
	return perr(p, "not a JSON value");
}

int aslrt_json_parse(const char *text, size_t len, struct json_object **out, char *why,
		     size_t whylen)
{
	Parser p = {.s = text, .n = len, .why = why, .whylen = whylen};
	*out = NULL;
	skip_ws(&p);
	if (p.i == len) {
		snprintf(why, whylen, "empty input");
		return -1;
	}
	if (len - p.i >= 3 && memcmp(text + p.i, "\xEF\xBB\xBF", 3) == 0) {
		snprintf(why, whylen, "byte order mark at offset %zu", p.i);
		return -1;
	}
	struct json_object *v;
	int rc = parse_value(&p, &v);
	if (rc == 0) {
		skip_ws(&p);
		if (p.i < len) {
			json_object_put(v);
			snprintf(why, whylen, "unexpected text after the JSON value at offset %zu",
				 p.i);
			rc = -1;
		} else {
			*out = v;
		}
	}
	free(p.buf);
	return rc;
}

/* The noun for v's type with its article, as the checker's messages say it
 * ("not an array"); aslrt_json_type_name() is the same word without it. */
const char *aslrt_json_type_noun(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
	case json_type_double:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	}
	return "an unknown";
}

const char *aslrt_json_type_name(struct json_object *v)
{
	const char *noun = aslrt_json_type_noun(v);
	const char *sp = strchr(noun, ' ');
	return sp ? sp + 1 : noun;
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

/* Scalars equal, and containers of the same type and size. */
static bool equal_node(struct json_object *a, struct json_object *b)
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
	case json_type_array:
		return json_object_array_length(a) == json_object_array_length(b);
	case json_type_object:
		return json_object_object_length(a) == json_object_object_length(b);
	default:
		return false;
	}
}

static bool is_container(struct json_object *v)
{
	enum json_type t = json_object_get_type(v);
	return t == json_type_array || t == json_type_object;
}

/* Iterative: a pending list of pairs instead of recursion, on the C stack
 * while it is short. */
bool aslrt_json_equal(struct json_object *a, struct json_object *b)
{
	/* two scalars (States.ArrayUnique's usual case): no pending list */
	if (!is_container(a) || !is_container(b))
		return equal_node(a, b);
	struct pair {
		struct json_object *a, *b;
	} local[32], *st = local, *heap = NULL;
	size_t n = 0, cap = 32;
	bool eq = true;
#define PUSH_PAIR(x, y)                                                                            \
	do {                                                                                       \
		if (n == cap) {                                                                    \
			cap *= 2;                                                                  \
			struct pair *g_ = malloc(cap * sizeof *st);                                \
			if (!g_)                                                                   \
				abort();                                                           \
			memcpy(g_, st, n * sizeof *st);                                            \
			free(heap);                                                                \
			st = heap = g_;                                                            \
		}                                                                                  \
		st[n].a = (x);                                                                     \
		st[n++].b = (y);                                                                   \
	} while (0)
	PUSH_PAIR(a, b);
	while (n && eq) {
		struct pair q = st[--n];
		if (!equal_node(q.a, q.b)) {
			eq = false;
			break;
		}
		if (json_object_is_type(q.a, json_type_array)) {
			size_t len = json_object_array_length(q.a);
			for (size_t i = 0; i < len; i++)
				PUSH_PAIR(json_object_array_get_idx(q.a, i),
					  json_object_array_get_idx(q.b, i));
		} else if (json_object_is_type(q.a, json_type_object)) {
			json_object_object_foreach(q.a, key, va)
			{
				struct json_object *vb;
				if (!json_object_object_get_ex(q.b, key, &vb)) {
					eq = false;
					break;
				}
				PUSH_PAIR(va, vb);
			}
		}
	}
#undef PUSH_PAIR
	free(heap);
	return eq;
}

struct json_object *aslrt_json_shallow_copy(struct json_object *v)
{
	struct json_object *c;
	if (json_object_is_type(v, json_type_object)) {
		/* sized at once: no table growth (a rehash of every key) */
		c = aslrt_object_sized((size_t)json_object_object_length(v));
		if (!c)
			abort();
		/* keys of one object are distinct: no look-up before each insert */
		json_object_object_foreach(v, key, val)
		{
			json_object_object_add_ex(c, key, json_object_get(val),
						  JSON_C_OBJECT_ADD_KEY_IS_NEW);
		}
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

/*
 * json-c keeps the reference count private: json_object_private.h of 0.16
 * starts struct json_object with `enum json_type o_type; uint32_t
 * _ref_count;`.  A probe proves that layout once (a new object reads type
 * object and count 1, and 2 after json_object_get); under any other layout
 * aslrt_json_unique answers false and callers copy as before.  Read with
 * memcpy: no access through an lvalue of another type.
 */
typedef struct {
	enum json_type type;
	uint32_t refs;
} Head;

static Head head_of(struct json_object *v)
{
	Head h;
	memcpy(&h, (const void *)v, sizeof h);
	return h;
}

/* 0: not probed yet, 1: the layout holds, -1: it does not.  Threads that
 * race here each probe an object of their own and write the same answer. */
static _Atomic int layout;

static bool layout_holds(void)
{
	int l = atomic_load_explicit(&layout, memory_order_relaxed);
	if (l)
		return l > 0;
	struct json_object *o = json_object_new_object();
	Head h1 = head_of(o);
	json_object_get(o);
	Head h2 = head_of(o);
	json_object_put(o);
	json_object_put(o);
	bool ok = h1.type == json_type_object && h1.refs == 1 && h2.type == json_type_object &&
		  h2.refs == 2;
	atomic_store_explicit(&layout, ok ? 1 : -1, memory_order_relaxed);
	return ok;
}

bool aslrt_json_unique(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array))
		return false;
	return layout_holds() && head_of(v).refs == 1;
}

void aslrt_json_changed(struct json_object *v)
{
	json_object_set_userdata(v, NULL, NULL);
}

/* A copy of one node: scalars whole, containers empty. */
static struct json_object *copy_node(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return NULL;
	case json_type_boolean:
		return json_object_new_boolean(json_object_get_boolean(v));
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
			return json_object_new_uint64(json_object_get_uint64(v));
		return json_object_new_int64(json_object_get_int64(v));
	case json_type_double:
		if (json_object_get_userdata(v))
			return json_object_new_double_s(json_object_get_double(v),
							json_object_get_userdata(v));
		return json_object_new_double(json_object_get_double(v));
	case json_type_string:
		return json_object_new_string_len(json_object_get_string(v),
						  json_object_get_string_len(v));
	case json_type_array:
		return json_object_new_array_ext((int)json_object_array_length(v));
	case json_type_object:
		return json_object_new_object();
	}
	return NULL;
}

/* A deep copy, iterative (json-c's json_object_deep_copy recurses). */
struct json_object *aslrt_json_copy(struct json_object *v)
{
	if (!v)
		return NULL;
	struct pair {
		struct json_object *src, *dst;
	} local[32], *st = local, *heap = NULL; /* most copies are small: no allocation */
	size_t n = 0, cap = 32;
	struct json_object *root = copy_node(v);
#define PUSH_COPY(s, d)                                                                            \
	do {                                                                                       \
		if (json_object_is_type((s), json_type_array) ||                                   \
		    json_object_is_type((s), json_type_object)) {                                  \
			if (n == cap) {                                                            \
				struct pair *g = malloc(cap * 2 * sizeof *st);                     \
				if (!g)                                                            \
					abort();                                                   \
				memcpy(g, st, cap * sizeof *st);                                   \
				free(heap);                                                        \
				st = heap = g;                                                     \
				cap *= 2;                                                          \
			}                                                                          \
			st[n].src = (s);                                                           \
			st[n++].dst = (d);                                                         \
		}                                                                                  \
	} while (0)
	PUSH_COPY(v, root);
	while (n) {
		struct pair q = st[--n];
		if (json_object_is_type(q.src, json_type_array)) {
			size_t len = json_object_array_length(q.src);
			for (size_t i = 0; i < len; i++) {
				struct json_object *e = json_object_array_get_idx(q.src, i),
						   *c = copy_node(e);
				json_object_array_add(q.dst, c);
				PUSH_COPY(e, c);
			}
		} else {
			json_object_object_foreach(q.src, key, val)
			{
				struct json_object *c = copy_node(val);
				json_object_object_add_ex(q.dst, key, c,
							  JSON_C_OBJECT_ADD_KEY_IS_NEW);
				PUSH_COPY(val, c);
			}
		}
	}
#undef PUSH_COPY
	free(heap);
	return root;
}
