/*
 * path_int.h - internal to the JSONPath code (runtime/path/): what its files
 * share, sectioned by the file that owns it.  The public declarations are in
 * runtime/rt.h.
 *
 * JSONPath as AWS Step Functions evaluates it.
 *
 * AWS runs Jayway JsonPath over Jackson JsonNode trees, and its error causes
 * are Jayway's exception texts, so this code follows Jayway's token model
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
 *
 * Functions shared between files carry the aslrt_path_ prefix (every global
 * symbol of libaslrt.a is aslrt_-prefixed); the rest are static.
 */
#ifndef ASLRT_PATH_INT_H
#define ASLRT_PATH_INT_H

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rt.h"

/* ---- parse.c: types */

enum aslrt_path_kind {
	PK_FIELD,   /* ['a'] */
	PK_PROPS,   /* ['a','b']: merged object when last, else iterated */
	PK_INDEX,   /* [0] */
	PK_INDEXES, /* [0,1] */
	PK_SLICE,   /* [1:], [1:2], [:2] */
	PK_WILD,    /* [*], .* */
	PK_SCAN,    /* .. */
	PK_FILTER,  /* [?(...)] */
};

enum { SL_FROM, SL_BETWEEN, SL_TO };

struct aslrt_path_fexpr;

struct aslrt_path_step {
	enum aslrt_path_kind kind;
	char **names;
	size_t *namelens;
	unsigned long *hashes; /* aslrt_key_hash of each name, computed once */
	int nnames;
	long *idx;
	int nidx;
	int slice;
	long from, to;
	struct aslrt_path_fexpr *filter;
	char delim;    /* the quote of ['a'] or ["a"] */
	char *frag;    /* Jayway's getPathFragment() */
	bool definite; /* isTokenDefinite() */
	bool updef;    /* isUpstreamDefinite() */
};

struct aslrt_path {
	char *text;
	aslrt_root root;
	char rootch; /* '$' or '@' (filter paths) */
	char *var;
	int n;
	struct aslrt_path_step *steps;
	bool definite, reference;
};

/* Filter expressions. */
enum { FX_OR, FX_AND, FX_NOT, FX_REL };
enum { FV_UNDEF, FV_NULL, FV_BOOL, FV_NUM, FV_STR, FV_JSON, FV_LIST, FV_PAT, FV_PATH };
enum {
	OP_EQ,
	OP_NE,
	OP_TSEQ,
	OP_TSNE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_REGEX,
	OP_IN,
	OP_NIN,
	OP_CONTAINS,
	OP_ALL,
	OP_SIZE,
	OP_EMPTY,
	OP_SUBSETOF,
	OP_ANYOF,
	OP_NONEOF,
	OP_EXISTS
};

struct aslrt_path_fval {
	int kind;
	bool b;
	double num;
	char *str; /* FV_STR: the string; FV_NUM: the number's text */
	size_t len;
	struct json_object *json; /* FV_JSON literal (owned) */
	pcre2_code *re;		  /* FV_PAT */
	aslrt_path *path;	  /* FV_PATH */
	bool should_exist;
};

struct aslrt_path_fexpr {
	int kind;
	struct aslrt_path_fexpr **kids;
	int nkids;
	int op;
	struct aslrt_path_fval l, r;
};

#define JNULL ((struct json_object *)&aslrt_path_jnull_marker)

/* The runtime's one growable string (buf.c), under the names path/ uses. */
typedef aslrt_buf aslrt_path_buf;
#define aslrt_path_buf_put aslrt_buf_put
#define aslrt_path_buf_str aslrt_buf_puts
#define aslrt_path_buf_fmt aslrt_buf_printf

/* A vector of borrowed nodes (results of an evaluation). */
typedef struct {
	struct json_object **v;
	int n, cap;
} aslrt_path_vec;

typedef struct {
	const char *s;
	size_t len, pos;
	char *why;
	size_t whylen;
	int depth;
} aslrt_path_parser;

/* ---- eval.c: types */

enum { EV_OK = 0, EV_NOTFOUND = 1, EV_INVALID = 2 };

/* One step of the current path: a property name, or an index when name is
 * NULL. */
typedef struct {
	const char *name;
	size_t len;
	long idx;
} aslrt_path_seg;

/* Small paths and shallow walks need no heap: an evaluation runs for every
 * element a filter tests. */
#define ASLRT_PATH_LOCAL 16

typedef struct {
	const aslrt_path *p;
	struct json_object *root; /* $ inside filters */
	aslrt_path_vec res;	  /* borrowed (JNULL already mapped to NULL) */
	aslrt_path_vec owned;	  /* merged objects built here */
	bool require;		  /* Option.REQUIRE_PROPERTIES (existence checks) */
	int *upidx;		  /* ScanPathToken's upstreamArrayIndex per step */
	/* The current path as steps, rendered (Jayway's way) into cur only for
	 * a message: rendering it at every element was a tenth of b3. */
	aslrt_path_seg *seg;
	int nseg, segcap;
	aslrt_path_buf cur;
	char *why;
	size_t whylen;
	int upidx_local[ASLRT_PATH_LOCAL];
	aslrt_path_seg seg_local[ASLRT_PATH_LOCAL];
} aslrt_path_ctx;

/* ---- parse.c */

extern char aslrt_path_jnull_marker;
void aslrt_path_buf_trunc(aslrt_path_buf *b, size_t len);
char *aslrt_path_xstrndup(const char *s, size_t n);
void *aslrt_path_xcalloc(size_t n, size_t size);
void *aslrt_path_xrealloc(void *p, size_t size);
void aslrt_path_vec_push(aslrt_path_vec *v, struct json_object *o);
int aslrt_path_perr(aslrt_path_parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool aslrt_path_is_blank(char c);
void aslrt_path_skip_blanks(aslrt_path_parser *ps);
int aslrt_path_peek(aslrt_path_parser *ps);
int aslrt_path_read_quoted(aslrt_path_parser *ps, aslrt_path_buf *b);
void aslrt_path_fexpr_free(struct aslrt_path_fexpr *e);
aslrt_path *aslrt_path_parse_ex(const char *text, size_t len, bool filter_path, int depth,
				char *why, size_t whylen);

/* ---- filter.c */

int aslrt_path_parse_filter(aslrt_path_parser *ps, size_t end, struct aslrt_path_fexpr **out);
int aslrt_path_filter_accept(aslrt_path_ctx *c, const struct aslrt_path_fexpr *f,
			     struct json_object *item);

/* ---- eval.c */

int aslrt_path_fail(aslrt_path_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void aslrt_path_ctx_free(aslrt_path_ctx *c);
bool aslrt_path_fields_found(const aslrt_path *p, struct json_object *doc, struct json_object **v);
int aslrt_path_run(aslrt_path_ctx *c, const aslrt_path *p, struct json_object *doc,
		   struct json_object *root, bool require, char *why, size_t whylen);

#endif
