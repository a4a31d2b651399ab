/*
 * jsonata.h - a native JSONata 2.0.6 engine, as AWS Step Functions uses it.
 *
 * Every 2.0.6 built-in except $eval (calling it fails with T1006), plus the
 * functions Step Functions adds: $partition, $range, $hash, $random([seed]),
 * $uuid, $parse.  The picture-string functions ($formatInteger,
 * $parseInteger, $formatNumber, $fromMillis/$toMillis with a picture or a
 * timezone) follow JSONata 2.0.6 (jsonata/picture.c, jsonata/datetime.c);
 * what it leaves out (numbering sequences, week-date parsing) raises its
 * error code.  The 2.1 operators ?? and ?: are syntax errors (S0211).
 * JSONata's own suite: 1,617 of the 1,619 cases 2.0.6 passes
 * (tests/jsonata/known-failures.txt says why not the other two).
 *
 * Values are json-c objects; JSON null is the NULL pointer.  A parsed
 * expression is immutable: any number of threads may evaluate it at once.
 */
#ifndef ASLRT_JSONATA_H
#define ASLRT_JSONATA_H

#include <stdbool.h>
#include <stddef.h>

#include "rt.h"

typedef struct aslrt_jsonata aslrt_jsonata;

/* Parse an expression.  NULL on a syntax error, with the JSONata code and
 * message in why ("S0202: Expected \")\", got \"]\""). */
aslrt_jsonata *aslrt_jsonata_parse(const char *expr, char *why, size_t whylen);
void aslrt_jsonata_free(aslrt_jsonata *e);

/*
 * Evaluate against input (borrowed; NULL is JSON null) with variable bindings
 * (an object name -> value, borrowed, may be NULL).  Returns 0 with *out a new
 * reference, or with *undefined = true (and *out = NULL) when the result is
 * undefined; -1 on an evaluation error with err->name = the JSONata code
 * ("T2001", "D3030", "U1001", ...) and err->cause = "<code>: <message>".
 */
int aslrt_jsonata_eval(const aslrt_jsonata *e, struct json_object *input,
		       struct json_object *bindings, struct json_object **out, bool *undefined,
		       aslrt_error *err);

/* The character offset in the expression where the last parse or evaluation
 * error on this thread was found, or -1. */
int aslrt_jsonata_error_position(void);

/*
 * AWS's restriction: Step Functions evaluates JSONata without an input
 * document, and refuses an expression that reads one at its top level (a
 * field name, '*', '**', '%', '$' or '$$' outside a path's later steps,
 * predicates and lambda bodies).  True with the reference as written in name
 * ("phone", "$", "$$") when e has one.
 */
bool aslrt_jsonata_top_level_ref(const aslrt_jsonata *e, char *name, size_t len);

/* Whether the expression mentions $name anywhere (e.g. "eval", which Step
 * Functions leaves out). */
bool aslrt_jsonata_uses_variable(const aslrt_jsonata *e, const char *name);

/* Evaluation limits.  Zero fields take the defaults of aslrt_jsonata_eval. */
typedef struct aslrt_jsonata_limits {
	int max_depth;	      /* nested evaluation steps (default 1000); U1001 beyond */
	long time_limit_ms;   /* wall-clock budget (default: none); U1001 beyond */
	bool input_undefined; /* evaluate with an undefined input instead of `input` */
} aslrt_jsonata_limits;

int aslrt_jsonata_eval_ex(const aslrt_jsonata *e, struct json_object *input,
			  struct json_object *bindings, const aslrt_jsonata_limits *limits,
			  struct json_object **out, bool *undefined, aslrt_error *err);

#endif
