/*
 * aslc.h - the compiler's internal header, one section per file, in pipeline
 * order: load (source text), diag (diagnostics), model (typed states),
 * check, graph, lower; util.c's helpers are codegen/'s (util.h).
 * The IR and the backends are declared in codegen/ir.h, which does not
 * include this header: the compiler depends on the IR, not the reverse.
 */
#ifndef ASLC_H
#define ASLC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>

#include "rt.h"
#include "util.h"

/* --- load.c --- */

/* A definition's text, kept for diagnostics. */
typedef struct Source {
	char *path; /* as given on the command line */
	char *text; /* NUL-terminated */
	size_t len;
	char *display; /* the text diagnostics quote when not text (YAML), or NULL */
	size_t display_len;
} Source;

/* Read a file ("-" is stdin); NULL with errno set on failure. */
Source *source_read(const char *path);
void source_free(Source *s);

/* --- diag.c --- */

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagKind;

typedef struct Diag {
	Source *src;
	int nerrors, nwarnings;
	bool json; /* --diagnostics-format=json */
	bool quiet;
	struct json_object *list; /* collected for the JSON format */
} Diag;

/* Line and column (1-based, bytes) of a byte offset in the source. */
void source_linecol(const Source *s, size_t off, int *line, int *col);
/* Byte offset of the value a JSON Pointer names ("" the whole document), or of
 * its key when want_key; -1 when it is not in the text. */
long source_locate(const Source *s, const char *pointer, bool want_key);
/* Report keys that appear twice in one object (json-c keeps the last). */
void source_check_duplicates(Diag *d);

void diag_at(Diag *d, DiagKind k, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_at_offset(Diag *d, DiagKind k, long off, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define error_at(d, ptr, ...) diag_at(d, DIAG_ERROR, ptr, __VA_ARGS__)
#define warn_at(d, ptr, ...) diag_at(d, DIAG_WARNING, ptr, __VA_ARGS__)
#define note_at(d, ptr, ...) diag_at(d, DIAG_NOTE, ptr, __VA_ARGS__)
/* Print collected JSON diagnostics (json mode) and the closing count. */
void diag_finish(Diag *d);

/* Parse the source as JSON; on a syntax error report it and return false.
 * *out is a new reference. */
bool source_parse(Diag *d, struct json_object **out);

/* Append a JSON Pointer token (escaping ~ and /). */
char *pointer_join(const char *base, const char *token);
char *pointer_index(const char *base, int i);

/* --- yaml.c --- */

/* A .yaml or .yml file. */
bool source_is_yaml(const Source *s);
/* Turn the YAML text into JSON on the same lines (the YAML kept as
 * display); false with a diagnostic at the YAML's line:col. */
bool source_yaml_to_json(Diag *d);

/* --- image.c --- */

/* An OCI image FROM scratch with the (static) executable exe as entrypoint,
 * tagged image (if not NULL) and saved as an OCI archive (if not NULL),
 * through podman.  0, or -1 with a message on stderr. */
int image_build(const char *exe, const char *image, const char *archive, bool verbose);

/* --- subst.c --- */

/* DefinitionSubstitutions: KEY -> VALUE, from --define and --definitions-file. */
typedef struct Defines {
	char **keys, **vals;
	int n;
} Defines;
void defines_set(Defines *d, const char *key, const char *val);
/* "KEY=VALUE"; -1 with a message when there is no '=' or no key. */
int defines_parse_arg(Defines *d, const char *kv);
/* A JSON object of KEY: string|number|boolean; -1 with a message naming the file/key. */
int defines_load_file(Defines *d, const char *path);
void defines_free(Defines *d);
/* Replace ${KEY} in the definition's string values; reports a placeholder
 * left without a value in a Resource.  Returns the number of errors. */
int subst_definition(Diag *diag, struct json_object *def, const Defines *d);

/* --- model.c --- */

/* One type a line: clang-format 14 does not settle on a layout of this macro. */
/* clang-format off */
#define STATE_TYPES(X) \
	X(PASS, "Pass") \
	X(TASK, "Task") \
	X(CHOICE, "Choice") \
	X(WAIT, "Wait") \
	X(SUCCEED, "Succeed") \
	X(FAIL, "Fail") \
	X(PARALLEL, "Parallel") \
	X(MAP, "Map")
/* clang-format on */

typedef enum {
#define X(e, s) ST_##e,
	STATE_TYPES(X)
#undef X
	    ST_UNKNOWN
} StateType;

extern const char *const state_type_names[];

typedef enum { QL_JSONPATH, QL_JSONATA } QueryLang;

typedef struct Scope Scope;

/* One state.  `json` is borrowed from the definition tree. */
typedef struct State {
	char *name;
	char *ptr; /* JSON Pointer, e.g. /States/A */
	StateType type;
	QueryLang ql;
	struct json_object *json;
	int id;	      /* index in Machine.states, all scopes together */
	Scope *scope; /* the scope the state is declared in */
	int next;     /* Next state id or -1 */
	bool end;
	Scope **branches; /* Parallel branches, Map processor (one) */
	int nbranches;
} State;

/* A States container: the machine, a Parallel branch or a Map processor. */
struct Scope {
	int id;
	char *ptr; /* pointer of the container object, "" for the top */
	struct json_object *json;
	State **states;
	int nstates;
	int start; /* state id of StartAt, -1 when unresolved */
	QueryLang ql;
	State *owner; /* the Parallel/Map, NULL for the top */
};

typedef struct Machine {
	char *name;
	bool express;
	struct json_object *json; /* the definition (owned) */
	State **states;		  /* every state, by id */
	int nstates;
	Scope **scopes; /* scopes[0] is the top level */
	int nscopes;
} Machine;

/* Build the model; reports what makes a model impossible (no StartAt, bad
 * States, unknown Type ...).  NULL when nothing can be built. */
Machine *model_build(Diag *d, struct json_object *def);
void model_free(Machine *m);
/* A state's id by name within a scope, or -1. */
int scope_find(const Scope *sc, const char *name);
StateType state_type_lookup(const char *s);

/* --- check.c --- */

typedef struct CheckOpts {
	bool express;
	const char *input_schema;
} CheckOpts;

/* Every rule AWS enforces at CreateStateMachine, plus aslc's own.  Reports
 * through d; returns the number of errors found. */
int check_definition(Diag *d, struct json_object *def, const CheckOpts *o);

/* --- unbound.c --- */

/* Warn about each Task the bindings file leaves unbound; -1 (reported) when
 * the file is unreadable or invalid. */
int check_unbound(Diag *d, struct json_object *def, const char *bindings_file);

/* --- types.c --- */

/* Infer the data's type at every state of a JSONPath machine (from the JSON
 * Schema o->input_schema, if any) and report what certainly fails at run
 * time.  Returns the number of errors found. */
int types_check(Diag *d, struct json_object *def, const CheckOpts *o);

/* --- eval.c --- */

/* `aslc eval ...` (argv[0] is "eval"): the exit status. */
int eval_main(int argc, char **argv);

/* --- report.c --- */

/* `aslc report FILE.asl.json HISTORY.json [-o OUT] [--name NAME]`: argv[0]
 * is "report".  Returns the exit status (2: a history that does not fit). */
int report_main(int argc, char **argv);

/* --- graph.c --- */
typedef enum { GRAPH_DOT, GRAPH_MERMAID } GraphKind;
/* The machine's graph as Workflow Studio draws it, as DOT or Mermaid text. */
void graph_emit(const Machine *m, GraphKind kind, Buf *out);
/* The DOT graph laid out and rendered to SVG by libgvc; -1 with why set. */
int graph_emit_svg(const Machine *m, Buf *out, char *why, size_t whylen);
/* DOT text (graph_emit's, perhaps annotated) laid out and rendered to SVG. */
int graph_render_svg(const char *dot, Buf *out, char *why, size_t whylen);

/* --- lower.c --- */

typedef struct Program Program; /* codegen/ir.h */
/* The machine's IR; the caller frees it with ir_free. */
Program *lower_machine(Machine *m);

#endif
