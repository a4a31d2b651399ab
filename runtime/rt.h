/*
 * rt.h - libaslrt's internal header, one section per file.
 *
 * The runtime owns every semantic rule of the language (paths, intrinsic
 * functions, Choice comparisons, timestamps, JSON output); the compiler links
 * this library and calls the same parsers to check definitions, so the checker
 * and the executable cannot disagree.  Public, generated-code-facing entry
 * points live in aslrt.h.
 *
 * Ownership follows json-c: getters borrow, adders steal.  Functions here that
 * return a json_object through an out-parameter hand over a new reference.
 */
#ifndef ASLRT_RT_H
#define ASLRT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <json-c/json.h>

#include "aslrt.h"

#define ASLRT_ERRLEN 512

/* --- buf.c --- */

/* A growable string, the compiler's too.  A zeroed one is empty; s is
 * NUL-terminated once anything was put; out of memory aborts. */
typedef struct aslrt_buf {
	char *s;
	size_t len, cap;
} aslrt_buf;

void aslrt_buf_put(aslrt_buf *b, const char *s, size_t n);
void aslrt_buf_puts(aslrt_buf *b, const char *s);
void aslrt_buf_printf(aslrt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One code point as UTF-8. */
void aslrt_buf_putcp(aslrt_buf *b, uint32_t cp);
void aslrt_buf_free(aslrt_buf *b);
/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none
 * (overlong, surrogate, past U+10FFFF, cut short); its code point in *cp. */
size_t aslrt_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);
/* Code points in n bytes of UTF-8 (continuation bytes not counted). */
size_t aslrt_utf8_count(const char *s, size_t n);

/* --- civil.c --- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar, and
 * back (Howard Hinnant's algorithms). */
int64_t aslrt_days_from_civil(int64_t y, int m, int d);
void aslrt_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
bool aslrt_is_leap(int64_t y);
/* ms since the epoch (0 to 253402300799999, the end of year 9999) as ISO
 * 8601 in UTC with milliseconds, "YYYY-MM-DDThh:mm:ss.mmmZ" and a NUL,
 * written by hand: gmtime_r reads /etc/localtime and snprintf is printf's
 * code, pages a run's start-up need not touch (peak RSS). */
void aslrt_iso_utc(int64_t ms, char out[25]);

/* --- error.c --- */

/* An error as ASL sees it: a name (States.Runtime, a Task's error type, ...)
 * and a cause.  Both malloc'd, either may be NULL. */
typedef struct aslrt_error {
	char *name;
	char *cause;
} aslrt_error;

void aslrt_error_set(aslrt_error *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void aslrt_error_clear(aslrt_error *e);
void aslrt_error_move(aslrt_error *dst, aslrt_error *src);
/* {"Error":..,"Cause":..} as AWS builds the error output (new reference);
 * a missing name or cause is null. */
struct json_object *aslrt_error_output(const aslrt_error *e);

/* --- json.c --- */

/* Serialise as AWS prints JSON: compact, no "\/" escaping, numbers in their
 * source form when parsed, shortest round-trip form when computed.  malloc'd. */
char *aslrt_json_dump(struct json_object *v);
/* The escape aslrt_json_dump writes for one byte of a string, or NULL when
 * the byte stands for itself; u is room for a \u00XX escape. */
const char *aslrt_json_escape(unsigned char ch, char u[7]);
/* The length aslrt_json_dump's text would have, without building it. */
size_t aslrt_json_size(struct json_object *v);
/* The one nesting limit of JSON values: the parser refuses deeper texts and
 * every state output and variable is checked against it (Jackson's default,
 * which AWS's parser applies too). */
#define ASLRT_JSON_MAX_DEPTH 1000
#define ASLRT_JSON_MAX_DEPTH_TEXT "1000"
/* Check v against the payload size max_len (0: none) and the depth limit,
 * stopping early: 0 within both, 1 larger than max_len, 2 nested too deep.
 * *len (if given) is the size measured so far. */
int aslrt_json_check_limits(struct json_object *v, size_t max_len, size_t *len);
/* The length of the longest valid UTF-8 prefix of s[0..n) (no overlong
 * forms, surrogates or code points past U+10FFFF). */
size_t aslrt_utf8_valid_prefix(const char *s, size_t n);
/* Parse a complete JSON text strictly (RFC 8259, valid UTF-8, nesting at most
 * ASLRT_JSON_MAX_DEPTH, numbers kept as written).  0 on success (new
 * reference in *out), -1 with a message in why. */
int aslrt_json_parse(const char *text, size_t len, struct json_object **out, char *why,
		     size_t whylen);
/* --- key.c --- */

/* json-c's hash of an object key, as every object's table computes it; for
 * keys known before run time, hashed once (json-c seeds it per process). */
unsigned long aslrt_key_hash(const char *key);
/*
 * A look-up of key, whose hash is aslrt_key_hash(key): json_object_object_get_ex
 * without hashing; false when o is not an object or has no such key.  The
 * probe is lh_table_lookup_entry_w_hash's, inlined: json-c compares every
 * probed key with strcmp through a function pointer, which profiles showed as
 * the biggest cost of a field look-up (b2: 11% of the run).  A key inserted
 * from the program's constants is the very pointer looked up, and a first
 * byte that differs needs no strcmp.
 */
static inline bool aslrt_key_get(struct json_object *o, const char *key, unsigned long hash,
				 struct json_object **v)
{
	struct lh_table *t = json_object_get_object(o);
	if (!t)
		return false;
	/* json-c's tables double from 16: a mask, not a division (a third of
	 * the look-up's time), unless aslrt_object_sized chose the size */
	unsigned long size = (unsigned long)t->size;
	unsigned long n = size & (size - 1) ? hash % size : hash & (size - 1);
	for (int count = 0; count < t->size; count++) {
		const struct lh_entry *e = &t->table[n];
		const char *k = (const char *)e->k;
		if (k == LH_EMPTY)
			return false;
		if (k == key || (k != LH_FREED && k[0] == key[0] && !strcmp(k, key))) {
			if (v)
				*v = (struct json_object *)e->v;
			return true;
		}
		if (++n == size)
			n = 0;
	}
	return false;
}
/* Insert v (stolen) under a key o does not hold, with its hash: key is
 * static (never freed, as JSON_C_OBJECT_KEY_IS_CONSTANT). */
void aslrt_key_add_new(struct json_object *o, const char *key, unsigned long hash,
		       struct json_object *v);
/* json_object_object_add(o, key, v) (v stolen) with key's hash: a value o
 * holds under key is replaced (the entry keeps its place); else key is added,
 * copied unless constant (static, as JSON_C_OBJECT_KEY_IS_CONSTANT). */
void aslrt_key_set(struct json_object *o, const char *key, unsigned long hash,
		   struct json_object *v, bool constant);
/* A new object with room for n keys (no table growth while it is filled);
 * NULL when out of memory. */
struct json_object *aslrt_object_sized(size_t n);
/* calloc for the executables aslc links (calloc.c): __wrap_calloc. */
void *aslrt_calloc(size_t n, size_t size);

/* --- config.c --- */

/* Read and strictly parse a configuration file; what ("--context", "mock
 * config") starts the message in why. */
int aslrt_config_read(const char *path, const char *what, struct json_object **out, char *why,
		      size_t whylen);
/* Validate a whole MockConfigFile; *mocks: the test case's state -> response. */
int aslrt_mocks_validate(struct json_object *cfg, const char *path, const char *machine,
			 const char *test_case, struct json_object **mocks, char *why,
			 size_t whylen);
/* A mocked response's call key: "N" or "N-M", decimal, N <= M. */
bool aslrt_mock_range(const char *key, long *lo, long *hi);

/* Deep equality with numbers compared by value (1 equals 1.0). */
bool aslrt_json_equal(struct json_object *a, struct json_object *b);
struct json_object *aslrt_json_copy(struct json_object *v);
/* A new object or array holding the same children (new references); other
 * values are returned with a new reference.  Values are never changed in
 * place once built (but by the holder of their only reference), so trees may
 * share subtrees within one thread. */
struct json_object *aslrt_json_shallow_copy(struct json_object *v);
/* Whether v is an object or array held by one reference only (the
 * caller's): no container, variable, thread or record can reach it, and the
 * caller may change it in place, calling aslrt_json_changed on it. */
bool aslrt_json_unique(struct json_object *v);
/* Forget the measure kept in container v (aslrt_json_check_limits): v, or
 * something inside it, was changed in place. */
void aslrt_json_changed(struct json_object *v);
/* The JSON type of v as AWS names it in causes: "number", "object", ... */
const char *aslrt_json_type_name(struct json_object *v);
const char *aslrt_json_type_noun(struct json_object *v);
/* A number as a double, and whether v is a number at all. */
bool aslrt_json_is_number(struct json_object *v);
double aslrt_json_number(struct json_object *v);

/* --- path/ --- */

/* A pre-parsed JSONPath: a Path (definite or not), a Reference Path, a
 * Context path ($$...) or a variable path ($name...). */
typedef struct aslrt_path aslrt_path;

typedef enum { ASLRT_ROOT_INPUT, ASLRT_ROOT_CONTEXT, ASLRT_ROOT_VAR } aslrt_root;
typedef enum { ASLRT_STEP_FIELD, ASLRT_STEP_INDEX, ASLRT_STEP_OTHER } aslrt_step_kind;

/* What a path is evaluated against: $ (input), $$ (context), $name (vars,
 * an object of variable name -> value; may be NULL). */
typedef struct aslrt_env {
	struct json_object *input;
	struct json_object *context;
	struct json_object *vars;
	/* Variables not in vars: fetch_var finds one (true, *v set) in an
	 * enclosing scope and adds it to vars; NULL: vars is all there is. */
	bool (*fetch_var)(const struct aslrt_env *env, const char *name, struct json_object **v);
	void *owner;
	/* When context is NULL and this is set: the Context object, built on
	 * first use (most expressions never read $$). */
	struct json_object *(*context_of)(void *arg);
	void *arg;
} aslrt_env;

static inline struct json_object *aslrt_env_context(const aslrt_env *env)
{
	return env->context ? env->context : env->context_of ? env->context_of(env->arg) : NULL;
}

/* Look up variable name in env (vars, then fetch_var). */
bool aslrt_env_var(const aslrt_env *env, const char *name, struct json_object **v);

/* Parse text; NULL on a syntax error, with a message in why. */
aslrt_path *aslrt_path_parse(const char *text, char *why, size_t whylen);
void aslrt_path_free(aslrt_path *p);
const char *aslrt_path_text(const aslrt_path *p);
aslrt_root aslrt_path_root(const aslrt_path *p);
/* For ASLRT_ROOT_VAR: the variable's name. */
const char *aslrt_path_var(const aslrt_path *p);
/* Definite: selects at most one node (no wildcard, slice, filter, union, ..). */
bool aslrt_path_is_definite(const aslrt_path *p);
/* A Reference Path: only field names and integer indices. */
bool aslrt_path_is_reference(const aslrt_path *p);
/* The steps after the root; field name (borrowed) or index. */
int aslrt_path_nsteps(const aslrt_path *p);
aslrt_step_kind aslrt_path_step(const aslrt_path *p, int i, const char **field, long *index);
/*
 * Evaluate.  A definite path stores the node it selects; an indefinite path
 * stores an array of every match (possibly empty).  Returns 0 when found, 1
 * when a definite path selects nothing, with Jayway's message in why
 * ("No results for path: $['x']", "Missing property in path $['no']").
 */
int aslrt_path_eval(const aslrt_path *p, const aslrt_env *env, struct json_object **out, char *why,
		    size_t whylen);
/*
 * ResultPath: store val (consumed) at the Reference Path p inside *root,
 * creating intermediate objects.  *root is replaced for "$".  *root must be a
 * new node of the caller's (a shallow copy will do): the nodes on the way down
 * are copied before they change, so subtrees shared with other trees are
 * never modified.  Returns 0, or -1 (nothing changed)
 * when a step goes through a non-object (States.ResultPathMatchFailure), with
 * a message in why.
 */
int aslrt_path_store(const aslrt_path *p, struct json_object **root, struct json_object *val,
		     char *why, size_t whylen);
/* The one change aslrt_path_store_owned made to a container that existed
 * before (root NULL: none), kept until the state that made it ends: if it
 * fails, the change is taken back, and Retry and Catch see the state input
 * as it was.  old: what the changed member or element held (owned; had:
 * whether there was one, since a JSON null is NULL). */
typedef struct {
	const aslrt_path *path;
	struct json_object *root, *parent; /* parent: depth steps below root */
	int depth;
	bool had;
	struct json_object *old;
} aslrt_path_undo;
/*
 * aslrt_path_store into a value the caller may change: *root (a reference
 * the caller took to a value aslrt_json_unique said was its alone) and each
 * container on the way down still held by its parent alone are changed in
 * place; the first container that is shared, or missing, is copied or
 * created, as aslrt_path_store does.  Nothing changes when it fails.
 */
int aslrt_path_store_owned(const aslrt_path *p, struct json_object **root, struct json_object *val,
			   aslrt_path_undo *u, char *why, size_t whylen);
/* Take the change back (the state failed after it), or let it stand. */
void aslrt_path_undo_apply(aslrt_path_undo *u);
void aslrt_path_undo_drop(aslrt_path_undo *u);

/* --- intrinsic.c --- */

/* A pre-parsed intrinsic function call, e.g. States.Format('{}', $.x). */
typedef struct aslrt_fn aslrt_fn;

aslrt_fn *aslrt_fn_parse(const char *text, char *why, size_t whylen);
void aslrt_fn_free(aslrt_fn *f);
/* Evaluate; 0 with a new reference in *out, or -1 with err set (AWS's names
 * and causes; the caller adds the "An error occurred while executing the
 * state..." prefix). */
int aslrt_fn_eval(const aslrt_fn *f, const aslrt_env *env, struct json_object **out,
		  aslrt_error *err);

/* The functions, in the order of intrinsic_fns.h. */
enum {
#define X(id, name, min, max, impl, res, a1, a2, a3) ASLRT_FN_##id,
#include "intrinsic_fns.h"
#undef X
	ASLRT_FN_COUNT
};

typedef enum {
	ASLRT_FNARG_STR,
	ASLRT_FNARG_INT,
	ASLRT_FNARG_DBL,
	ASLRT_FNARG_NULL,
	ASLRT_FNARG_BOOL,
	ASLRT_FNARG_PATH,
	ASLRT_FNARG_CALL
} aslrt_fn_arg_kind;

/* The parsed tree, read by the checker: the function (ASLRT_FN_*), its name,
 * and each argument's kind, its path or nested call (borrowed, else NULL) and
 * its text as offsets [at, end) into the whole field given to aslrt_fn_parse. */
int aslrt_fn_id(const aslrt_fn *f);
const char *aslrt_fn_name(int id);
int aslrt_fn_nargs(const aslrt_fn *f);
aslrt_fn_arg_kind aslrt_fn_arg(const aslrt_fn *f, int i, const aslrt_path **path,
			       const aslrt_fn **call, size_t *at, size_t *end);
/* A literal argument's value (borrowed; NULL for null) and, for a string, its
 * text between the quotes with the escapes kept (else NULL). */
struct json_object *aslrt_fn_arg_value(const aslrt_fn *f, int i, const char **raw);
/* Apply function id (ASLRT_FN_*) to argc values (borrowed; NULL is null), the
 * arity already checked: 0 with a new reference in *out, or -1 with err set to
 * States.Runtime and "The function '<whole>' had the following error: ...".
 * raw0: argument 1's text when it is a string literal (States.Format keeps
 * its escapes), else NULL. */
int aslrt_fn_apply(int id, struct json_object **argv, int argc, const char *raw0, const char *whole,
		   struct json_object **out, aslrt_error *err);
/* States.MathAdd's common case without the call's frame: a + b for two
 * integers in its range (a new reference), else NULL (aslrt_fn_apply gives
 * the result or the error). */
struct json_object *aslrt_fn_add_ints(struct json_object *a, struct json_object *b);

/* --- choice.c --- */

typedef enum {
#define X(name, operand) ASLRT_CMP_##name,
#include "cmp_ops.h"
#undef X
	ASLRT_CMP_COUNT
} aslrt_cmp;

typedef enum {
	ASLRT_OPND_STR,
	ASLRT_OPND_NUM,
	ASLRT_OPND_BOOL,
	ASLRT_OPND_TS,
	ASLRT_OPND_PAT,
	ASLRT_OPND_PATH,
	ASLRT_OPND_IS
} aslrt_operand;

extern const char *const aslrt_cmp_names[ASLRT_CMP_COUNT];
extern const aslrt_operand aslrt_cmp_operands[ASLRT_CMP_COUNT];
/* The operator a name denotes, or -1. */
int aslrt_cmp_lookup(const char *name);
/* For a ...Path operator, the operator it compares with (StringEqualsPath -> StringEquals). */
aslrt_cmp aslrt_cmp_base(aslrt_cmp op);
/*
 * Apply op to v (ASLRT_ABSENT when the Variable selected nothing; only IsPresent
 * accepts that) and the operand value (for ...Path operators, the value the
 * operand path selected).  Type mismatches are false, never errors.
 */
bool aslrt_cmp_apply(aslrt_cmp op, struct json_object *v, struct json_object *operand);

/* RFC 3339 timestamp as AWS parses it: seconds since the epoch and nanoseconds. */
typedef struct aslrt_time {
	int64_t sec;
	int32_t nsec;
} aslrt_time;

bool aslrt_timestamp_parse(const char *s, aslrt_time *t);
/* aslrt_cmp_apply for a constant operand decoded once, when the program was
 * loaded: ts is its timestamp when it is a string that parses as one, else
 * NULL.  The same answers as aslrt_cmp_apply(op, v, operand). */
bool aslrt_cmp_apply_const(aslrt_cmp op, struct json_object *v, struct json_object *operand,
			   const aslrt_time *ts);
/* StringMatches: '*' matches any run; "\\*" a star, "\\\\" a backslash. */
bool aslrt_string_matches(const char *s, const char *pattern);
/* Whether a StringMatches pattern is well formed (no open backslash). */
bool aslrt_pattern_valid(const char *pattern);

#endif
