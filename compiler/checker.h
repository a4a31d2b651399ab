/*
 * checker.h - the definition checker's internals, sectioned by the file that
 * owns them: check.c (the context, reporting, field helpers, scopes and the
 * machine), check_expr.c (JSONata, paths, intrinsic calls, payload templates,
 * Assign and Choice rules) and check_state.c (Retry/Catch and each state
 * type's fields).  Only those three files include it; compiler/aslc.h
 * declares the checker's entry point.
 */
#ifndef ASLC_CHECKER_H
#define ASLC_CHECKER_H

#include <stdarg.h>
#include <string.h>

#include "aslc.h"
#include "rt.h"

/* --- check.c --- */

typedef struct Ck {
	Diag *d;
	const CheckOpts *o;
	QueryLang top;		    /* the machine's QueryLanguage */
	struct json_object *names;  /* state name -> pointer of its first definition */
	struct json_object *labels; /* Map Label -> pointer */
} Ck;

typedef struct Edge {
	char *target;
	char *ptr; /* pointer of the field naming the target */
	bool nul;  /* the name holds U+0000: no state has such a name (keys with
		      NUL are refused), though C strings would match its prefix */
} Edge;

/* A JSON string holding U+0000 (its C string stops short). */
static inline bool has_nul(struct json_object *s)
{
	return strlen(json_object_get_string(s)) != (size_t)json_object_get_string_len(s);
}

typedef struct Edges {
	Edge *v;
	int n;
} Edges;

/* "an array", "null", ...: the runtime's one list of JSON type names. */
static inline const char *type_name(struct json_object *v)
{
	return aslrt_json_type_noun(v);
}
/* Characters, not bytes, of a UTF-8 string. */
size_t utf8_chars(const char *s);
/* "; did you mean 'X'?" or "" (static buffer). */
const char *did_you_mean(const char *s, const char *const *cands, int n);
int strv_find(const char *const *v, const char *s);
int strv_len(const char *const *v);
/* Report the keys of o not in allowed (NULL-terminated). */
void check_keys(Ck *ck, const char *ptr, struct json_object *o, const char *const *allowed,
		const char *where);
void require(Ck *ck, const char *ptr, struct json_object *o, const char *key, const char *where);
/* At most one of the fields a and b. */
void exclusive(Ck *ck, const char *ptr, struct json_object *o, const char *a, const char *b);
/* An integer field in [lo, hi]; a JSONata expression where jsonata. */
void check_int(Ck *ck, const char *sptr, struct json_object *o, const char *key, long long lo,
	       long long hi, bool jsonata);
void check_number(Ck *ck, const char *sptr, struct json_object *o, const char *key, double lo,
		  double hi, bool jsonata);
void check_string(Ck *ck, const char *sptr, struct json_object *o, const char *key, bool jsonata);
void check_enum(Ck *ck, const char *sptr, struct json_object *o, const char *key,
		const char *const *vals);
/*
 * scope = { "StartAt": name, "States": { name: state, ... }, "Comment"? }
 * The machine, each Parallel branch and each Map ItemProcessor.  Transitions
 * stay inside their scope; every state must be reachable from StartAt; some
 * state must end the scope.
 */
void check_scope(Ck *ck, const char *cptr, struct json_object *c, const char *what,
		 const char *const *extra_fields);
void vreport(Ck *ck, DiagKind k, const char *ptr, bool at_key, const char *fmt, va_list ap);
/* A diagnostic at ptr's value, or at its key when at_key. */
void ck_report(Ck *ck, DiagKind k, const char *ptr, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define err(ck, ptr, ...) ck_report(ck, DIAG_ERROR, ptr, false, __VA_ARGS__)
#define err_key(ck, ptr, ...) ck_report(ck, DIAG_ERROR, ptr, true, __VA_ARGS__)
#define note_key(ck, ptr, ...) ck_report(ck, DIAG_NOTE, ptr, true, __VA_ARGS__)
#define warn(ck, ptr, ...) ck_report(ck, DIAG_WARNING, ptr, false, __VA_ARGS__)
#define warn_key(ck, ptr, ...) ck_report(ck, DIAG_WARNING, ptr, true, __VA_ARGS__)

static inline struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static inline bool has(struct json_object *o, const char *key)
{
	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, NULL);
}

static inline bool is_str(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

static inline bool is_int(struct json_object *v)
{
	return json_object_is_type(v, json_type_int);
}

static inline bool is_num(struct json_object *v)
{
	return is_int(v) || json_object_is_type(v, json_type_double);
}

static inline bool is_jsonata(struct json_object *v)
{
	return is_str(v) && strncmp(json_object_get_string(v), "{%", 2) == 0;
}

/*
 * scope = { "StartAt": name, "States": { name: state, ... }, "Comment"? }
 * The machine, each Parallel branch and each Map ItemProcessor.
 */
void check_scope(Ck *ck, const char *cptr, struct json_object *c, const char *what,
		 const char *const *extra_fields);

/* --- check_expr.c --- */

typedef enum {
	PATH_ANY,	/* InputPath, OutputPath: a Path, or null */
	PATH_RESULT,	/* ResultPath: Reference Path on the input, or null */
	PATH_REF,	/* SecondsPath, ...: a Reference Path */
	PATH_REF_INPUT, /* Map's MaxConcurrencyPath, ...: no $$ */
	PATH_REF_OR_FN, /* ErrorPath, CausePath: Reference Path or intrinsic call */
	PATH_CHOICE,	/* Choice Variable and ...Path operands: a Path, not null */
} PathKind;

/* A string is a JSONata expression when it begins "{%"; it must end "%}". */
void check_expr(Ck *ck, const char *ptr, const char *s);
/* Any JSON value whose strings may be JSONata expressions, at any depth. */
void check_jsonata_value(Ck *ck, const char *ptr, struct json_object *v);
/* A path-valued field of a state (absent is fine). */
void check_path_field(Ck *ck, const char *sptr, struct json_object *o, const char *key, PathKind k);
/*
 * Payload template (Parameters, ResultSelector, ItemSelector, JSONPath
 * Assign ...): a key ending in ".$" takes a Path or an intrinsic call; keys
 * must stay distinct once ".$" is stripped.
 */
void check_template(Ck *ck, const char *ptr, struct json_object *v);
/* Assign = { name: value, "name.$": path-or-intrinsic (JSONPath) } */
void check_assign(Ck *ck, const char *ptr, struct json_object *v, QueryLang ql);
/*
 * JSONPath rule  = boolean | data-test
 * boolean        = { "And": [rule+] } | { "Or": [rule+] } | { "Not": rule }
 * data-test      = { "Variable": Path, <one comparison operator>: operand }
 * JSONata rule   = { "Condition": true|false|"{% expr %}" }
 * Top-level rules also take "Next" (required), "Assign", JSONata "Output".
 */
void check_rule(Ck *ck, const char *ptr, struct json_object *r, bool top, QueryLang ql, Edges *e);
/* v (at p, named key) as a non-empty array of rules, top-level or nested. */
void check_rules(Ck *ck, const char *p, struct json_object *v, const char *key, bool top,
		 QueryLang ql, Edges *e);

/* --- check_state.c --- */

void check_next_field(Ck *ck, const char *ptr, struct json_object *o, Edges *e);
/* One state: fields allowed for its type and language, then the type's rules. */
void check_state(Ck *ck, const char *sptr, const char *name, struct json_object *st, Edges *e,
		 bool *terminal);
extern const char *const ql_names[];

#endif
