/*
 * const_kinds.h - the kinds of a program's constants, one X-macro list:
 * X(kind, name in the IR's text).  The compiler's IR (codegen/ir.h, K_*) and
 * the executor that pre-parses each constant once at start-up (exec.h,
 * RK_*) both include it, so the numbering cannot drift.
 */
X(JSON, "json")	      /* a JSON value, built once */
X(STR, "str")	      /* a string (keys, variable names) */
X(PATH, "path")	      /* a JSONPath */
X(ASSIGN, "assign")   /* an Assign template */
X(JSONATA, "jsonata") /* {"at": field location, "t": JSONata template} */
X(EXPR, "expr")	      /* {"at": field, "t": text}: ErrorPath, CausePath */
X(KEY, "key")	      /* an object key: a string, hashed once at start-up */
