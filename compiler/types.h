/*
 * types.h - the type inference's internals, sectioned by file: types.c (the
 * lattice, JSON Schema, reporting, what a path or an intrinsic call does to
 * a type) and types_flow.c (the walk over the state graph).  Only those two
 * files include it; compiler/aslc.h declares types_check.
 */
#ifndef ASLC_TYPES_H
#define ASLC_TYPES_H

#include "aslc.h"
#include "rt.h"

/* --- types --- */

enum {
	K_NULL = 1,
	K_BOOL = 2,
	K_INT = 4,
	K_FLT = 8,
	K_STR = 16,
	K_ARR = 32,
	K_OBJ = 64,
	K_NUM = K_INT | K_FLT,
	K_ALL = 127,
	K_TOP = 128, /* unknown: any value, or none */
};

#define MAX_DEPTH 12   /* deeper types are widened to unknown */
#define MAX_FIELDS 256 /* more known fields: the object is left open */
#define MAX_VISITS 24  /* input changes of one state before it is widened */

typedef struct Ty Ty;

typedef struct Field {
	const char *name;
	Ty *ty; /* never NULL */
	bool req;
} Field;

struct Ty {
	unsigned k;
	Ty *elem; /* K_ARR: the elements' type; NULL for an empty array */
	Field *f; /* K_OBJ: known fields */
	int nf;
	bool open;	    /* K_OBJ: fields other than f[] may exist */
	const char *origin; /* where the value is built: a definition pointer, or a
			     * schema pointer ("#/...") when schema */
	bool schema;
};

/* --- the analysis context --- */

typedef struct Tc {
	Diag *d;
	Machine *m;
	QueryLang top; /* the machine's QueryLanguage */
	Ty **in;       /* per state: its input, NULL while unreached */
	int *pred;     /* per state: who reached it first, -1 from StartAt */
	int *visits;
	bool *dirty;
	Ty **out;    /* per scope: the join of its outputs */
	bool report; /* second pass: diagnostics on, flows off */
	bool failed; /* the state being transferred certainly fails */
	void **mem;  /* everything allocated, freed at the end */
	int nmem;
	Ty *topty;
	const char *schema_name;
} Tc;

/* Why something certainly fails: the message, and the value to blame. */
typedef struct Why {
	char msg[768];
	char what[384]; /* the blamed value, e.g. "'$.order'" */
	const Ty *culprit;
} Why;

/* --- types.c --- */

char *tc_keep(Tc *tc, char *s);
char *dup_n(const char *s, size_t n);
const char *join_ptr(Tc *tc, const char *base, const char *key);
const char *index_ptr(Tc *tc, const char *base, int i);
Ty *ty_new(Tc *tc, unsigned k, const char *origin);
Ty *ty_top(Tc *tc);
bool is_top(const Ty *t);
Ty *ty_array(Tc *tc, Ty *elem, const char *origin);
/* Add or replace a field of an object type being built (t is fresh). */
void ty_set(Tc *tc, Ty *t, const char *name, Ty *v, bool req);
Ty *ty_join(Tc *tc, Ty *a, Ty *b);
bool ty_eq(const Ty *a, const Ty *b);
/* Widen what is nested deeper than MAX_DEPTH to unknown. */
Ty *ty_cap(Tc *tc, Ty *t, int depth);
/* The type of a JSON value written in the definition (or schema). */
Ty *ty_literal(Tc *tc, struct json_object *v, const char *ptr, bool schema, int depth);
/* "a string", "null", "a string or null" ... */
const char *kind_phrase(unsigned k, char *buf, size_t n);
struct json_object *sget(struct json_object *o, const char *key);
/*
 * schema = { type: T | [T...], properties: {name: schema}, required: [name],
 *            additionalProperties: false | schema, items: schema,
 *            enum: [v...], const: v, anyOf | oneOf: [schema...] }
 * Anything else ($ref, allOf, ...) is unknown.
 */
Ty *schema_ty(Tc *tc, struct json_object *s, const char *sp, int depth);
void report(Tc *tc, const State *st, const char *ptr, const Why *w, DiagKind k);
__attribute__((format(printf, 3, 4))) void why_set(Why *w, const Ty *culprit, const char *fmt, ...);
/* Put pre before and post after the message (truncating). */
void why_wrap(Why *w, const char *pre, const char *post);
/*
 * What a path selects from t.  Only a definite path on the input can fail:
 * every field step needs an object that may have the field, every index
 * step an array (an index past the end selects null, as Jayway does).
 * Returns NULL and fills w when the path certainly selects nothing; *present
 * says whether it certainly selects something.
 */
Ty *resolve(Tc *tc, Ty *t, const aslrt_path *p, Why *w, bool *present);
/* A path given as text; unknown when it does not parse (check.c said so). */
Ty *resolve_text(Tc *tc, Ty *t, const char *text, Why *w, bool *present);
/* Restrict the value at path p (from step i) to the kinds in mask; NULL when
 * no value of t can pass the test. */
Ty *narrow(Tc *tc, Ty *c, const aslrt_path *p, int i, unsigned mask);
/*
 * ResultPath: store v at the Reference Path p (from step i) inside c (NULL:
 * absent, created as an object on the way).  NULL with w filled when it
 * certainly fails (States.ResultPathMatchFailure).
 */
Ty *store(Tc *tc, Ty *c, const aslrt_path *p, int i, Ty *v, const char *origin, Why *w);
Ty *intrinsic_type(Tc *tc, const char *text, Ty *in, const char *origin, Why *w);

#endif
