/*
 * jsonata_int.h - internal to the JSONata engine (runtime/jsonata/): what its
 * files share, sectioned by the file that owns it.  The public header is
 * runtime/jsonata.h.
 *
 * Structure, like a small compiler:
 *   tokenizer -> Pratt parser (raw AST) -> post-processing (path flattening,
 *   predicates/stages, grouping, focus/index tuples, parent slots, tail calls)
 *   -> tree-walking evaluator over our own tagged values -> json-c at the edge.
 *
 * Memory: the parsed tree lives in one arena owned by the aslrt_jsonata and is
 * never written after parsing; every evaluation has its own arena holding all
 * of its values, environments and closures, freed in one go.  Errors unwind
 * with longjmp to the evaluation (or parse) entry point; nothing outside the
 * arena is live across a call that can fail.
 *
 * Functions shared between files carry the aslrt_jn_ prefix (every global
 * symbol of libaslrt.a is aslrt_-prefixed); the rest are static.
 */
#ifndef ASLRT_JSONATA_INT_H
#define ASLRT_JSONATA_INT_H

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../digest.h"
#include "jsonata.h"

/* ---- picture.c, datetime.c: the picture strings of XPath/XQuery Functions
 * and Operators 3.1 as JSONata 2.0.6 implements them ($formatInteger,
 * $parseInteger, $fromMillis and $toMillis with a picture).  Plain C values
 * in and out, so the evaluator only converts its values and raises the error
 * these report. */

#include <stdbool.h>
#include <stdint.h>

/* A JSONata error: its code ("D3130") and the {{value}} of its message. */
typedef struct aslrt_pic_err {
	const char *code;
	char value[128];
} aslrt_pic_err;

/* fn:format-integer.  malloc'd UTF-8, or NULL with err set. */
char *aslrt_pic_format_integer(double value, const char *picture, aslrt_pic_err *err);

/* fn:parse-integer as JSONata does it: 0 with *out (NaN when the text holds
 * no number), -1 with err set. */
int aslrt_pic_parse_integer(const char *text, const char *picture, double *out, aslrt_pic_err *err);

/* fn:format-dateTime of ms since the epoch; picture NULL is ISO 8601,
 * timezone NULL is UTC, else "+hhmm"/"-hhmm".  malloc'd, or NULL with err. */
char *aslrt_pic_format_datetime(double ms, const char *picture, const char *timezone,
				aslrt_pic_err *err);

/* Parse text by a date/time picture; now_ms fills the components the picture
 * leaves out above the ones it gives.  0 with *out, 1 when the text does not
 * match (undefined), -1 with err set. */
int aslrt_pic_parse_datetime(const char *text, const char *picture, double now_ms, double *out,
			     aslrt_pic_err *err);

#ifdef ASLRT_PICTURE_INTERNAL
/* ---- shared by picture.c and datetime.c ---- */

#include <stddef.h>

#include "rt.h"

/* picture.c: a growing UTF-8 string (rt.h's aslrt_buf), code points,
 * errors. */
typedef aslrt_buf PicOut;
/* UTF-8 text as code points (malloc'd). */
uint32_t *aslrt_pic_decode(const char *s, int *n);
void aslrt_pic_set_err(aslrt_pic_err *err, const char *code, const char *value);
void aslrt_pic_set_err_u(aslrt_pic_err *err, const char *code, const uint32_t *u, int n);
/* The last index of ch in u[0..n), or -1. */
int aslrt_pic_u_last(const uint32_t *u, int n, uint32_t ch);
/* JavaScript's parseInt(s): NaN when no digits. */
double aslrt_pic_js_parse_int(const char *s, size_t n);

/* picture.c: integer pictures, also a date/time component's format. */
#define MAXSEP 64
enum { P_DECIMAL, P_LETTERS, P_ROMAN, P_WORDS, P_SEQUENCE };
enum { CASE_NONE, CASE_LOWER, CASE_UPPER, CASE_TITLE };

typedef struct IntFmt {
	int primary, tcase;
	bool ordinal;
	uint32_t zero;
	int mandatory, optional;
	bool regular;
	int reg_pos;
	uint32_t reg_ch;
	int sep_pos[MAXSEP]; /* counted from the right, in right-to-left order */
	uint32_t sep_ch[MAXSEP];
	int nsep;
	int parse_width; /* digits a date/time part must have when parsed; 0: any */
	uint32_t token[64];
	int ntoken;
} IntFmt;

int aslrt_pic_analyse_int(const uint32_t *p, int n, IntFmt *f, aslrt_pic_err *err);
int aslrt_pic_format_int(double value, const IntFmt *f, PicOut *o, aslrt_pic_err *err);
/* A matched integer's value by its picture (NaN: none). */
double aslrt_pic_int_value(const IntFmt *f, const char *s, size_t n);

/* The value of each number word (JSONata's table, in its order); t has room
 * for 80. */
typedef struct WordVal {
	char w[16];
	double v;
} WordVal;
int aslrt_pic_word_table(WordVal *t);
#endif

/* ============================================================ the engine */

/* ---- value.c: types */

typedef struct Chunk {
	struct Chunk *next;
	size_t used, cap;
	max_align_t data[];
} Chunk;

typedef struct Arena {
	Chunk *head;
	size_t total;
	/* An evaluation's bound: over() (which does not return) is called
	 * before a chunk would take total past limit; 0: none. */
	size_t limit;
	void (*over)(struct Arena *a);
} Arena;

enum { T_NULL = 1, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ, T_FN };
enum { F_SEQ = 1, F_KEEP = 2, F_OUTER = 4, F_TUPLE = 8, F_CONS = 16 };

typedef struct V V;
typedef struct Fn Fn;
typedef struct Obj Obj;

struct Obj {
	const char **keys;
	size_t *klens;
	V **vals;
	size_t n, cap;
	int32_t *idx; /* open-addressing index when n > 8 */
	size_t icap;
};

struct V {
	uint8_t t, fl;
	union {
		int b;
		double n;
		struct {
			const char *s;
			size_t len;
		} s;
		struct {
			V **it;
			size_t n, cap;
		} a;
		Obj o;
		Fn *f;
	} u;
};

#define VNULL (&aslrt_jn_v_null_s)
#define VTRUE (&aslrt_jn_v_true_s)
#define VFALSE (&aslrt_jn_v_false_s)
#define VBOOL(x) ((x) ? VTRUE : VFALSE)

typedef struct Node Node;
typedef struct Env Env;
typedef struct Ctx Ctx;

typedef struct Ctx {
	Arena ar;
	jmp_buf jb;
	char code[8];
	char *msg;
	int depth, max_depth;
	long steps;
	struct timespec deadline;
	bool has_deadline;
	char *stack_base;
	size_t stack_budget;
	double now_ms;
	int pos; /* of the node being evaluated, for errors */
	V *root;
	Env *global;
	uint64_t rng;
	struct json_object *pending; /* freed if an error unwinds past its owner */
} Ctx;

#define STACK_BUDGET (6u << 20)
/* The memory one evaluation may hold: its values, strings and environments
 * (a runaway tail recursion or string builder stops here).  1 GiB: the
 * largest range JSONata itself allows ([1..10000000], D2014 past it) fits. */
#define EVAL_MEMORY_LIMIT ((size_t)1 << 30)
#define STACK_MARGIN (256u << 10)

#define v_seq(c) aslrt_jn_v_arr(c, F_SEQ)

typedef struct Sig Sig;
typedef struct Builtin Builtin;

enum { FN_LAMBDA, FN_BUILTIN, FN_PARTIAL, FN_REGEX, FN_COMPOSE, FN_TRANSFORM };

struct Fn {
	int kind;
	bool thunk;
	const Node *node; /* lambda / regex / transform */
	V *input;
	Env *env;
	const char **params; /* lambda params (may be fewer after partial application) */
	int nparams;
	const Sig *sig;
	const Builtin *bi;
	V **args; /* partial application of a builtin: bound args, holes = placeholder */
	int nargs;
	V *f1, *f2; /* compose */
};

#define VHOLE (&aslrt_jn_v_hole_s)

typedef struct Buf {
	char *s;
	size_t n, cap;
	Arena *ar;
} Buf;

/* ---- parse.c: types */

enum {
	N_PATH = 1,
	N_BINARY,
	N_NEG,
	N_ARRAY,
	N_OBJECT,
	N_NAME,
	N_STRING,
	N_NUMBER,
	N_VALUE,
	N_WILDCARD,
	N_DESCENDANT,
	N_PARENT,
	N_CONDITION,
	N_BLOCK,
	N_BIND,
	N_REGEX,
	N_FUNCTION,
	N_PARTIAL,
	N_VARIABLE,
	N_LAMBDA,
	N_APPLY,
	N_TRANSFORM,
	N_SORT,
	N_PLACEHOLDER,
	N_OPERATOR,
	/* raw (pre-processing) binary forms */
	N_RAW_PRED,
	N_RAW_GROUP,
	N_RAW_SORT,
	N_RAW_FOCUS,
	N_RAW_INDEX,
};

enum {
	OP_DOT = 1,
	OP_PLUS,
	OP_MINUS,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_CONCAT,
	OP_AND,
	OP_OR,
	OP_IN,
	OP_APPLY,
	OP_RANGE,
	OP_BIND,
};

typedef struct Slot {
	const char *label;
	int level;
	int index;
} Slot;

typedef struct NVec {
	Node **v;
	int n, cap;
} NVec;

typedef struct SVec {
	Slot **v;
	int n, cap;
} SVec;

typedef struct Stage {
	int type; /* 0 filter, 1 index */
	Node *expr;
	const char *var;
} Stage;

typedef struct StVec {
	Stage *v;
	int n, cap;
} StVec;

typedef struct Group {
	Node **keys, **vals;
	int n, cap;
	int pos;
} Group;

typedef struct SortTerm {
	bool desc;
	Node *expr;
} SortTerm;

struct Node {
	int type, pos, op;
	const char *str; /* name / string / variable / operator text */
	size_t slen;
	double num;
	int vkind; /* N_VALUE: 0 null, 1 true, 2 false */
	Node *lhs, *rhs, *expr, *cond, *then, *els, *body, *proc, *pattern, *update, *del;
	NVec items;   /* path steps, block/array expressions, call arguments, lambda params */
	Group *grp;   /* object constructor */
	Group *group; /* group-by on a step/path */
	StVec stages, pred;
	SortTerm *terms;
	int nterms;
	const char *focus, *index;
	Slot *ancestor;
	Slot *slot;
	SVec seeking;
	bool has_seeking;
	bool tuple, keep_array, keep_singleton, consarray, thunk;
	Sig *sig;
	pcre2_code *re;
	Node *next_free; /* regexes to free */
};

typedef struct SigParam {
	char type;	  /* s n b l o a f j x or '(' for a choice */
	char allowed[12]; /* symbols the parameter accepts */
	char quant;	  /* 0, '?', '+' */
	bool context;	  /* '-': use the context when missing */
	const char *subtype;
	size_t sublen;
} SigParam;

struct Sig {
	SigParam p[12];
	int n;
};

enum { K_END, K_NAME, K_VAR, K_OP, K_STR, K_NUM, K_VALUE, K_REGEX };

typedef struct Tok {
	int kind;
	const char *s; /* name/var/op/string value (arena) */
	size_t len;
	double num;
	int vkind;
	const char *flags;
	int pos;
} Tok;

typedef struct P {
	const char *src;
	size_t len, pos;
	Tok tok;
	Arena *ar;
	jmp_buf jb;
	char code[8];
	char *msg;
	int anc_label, anc_index;
	long anc_work; /* parent slots copied and walked: bounded */
	Node **ancestry;
	int nanc, capanc;
	Node *regexes;
	int depth; /* of aslrt_jn_expression calls: bounded, the parser recurses */
} P;

/* ---- eval.c: types */

struct Env {
	Env *parent;
	const char **names;
	V **vals;
	int n, cap;
};

typedef V *(*BiFn)(Ctx *c, V **a, int n, V *input, Env *env);

/* Read-only; its parsed signature is aslrt_jn_builtin_sig's. */
struct Builtin {
	const char *name;
	const char *sigtext;
	BiFn fn;
	int arity;
};

typedef bool (*GtFn)(Ctx *c, V *a, V *b, void *ud);

/* ---- builtin_text.c: types */

#define ARG(i) ((i) < n ? a[(i)] : NULL)
#define UNUSED_BI (void)input, (void)env
/* A required argument after the first that evaluated to undefined (a
 * missing value passes the signature check, as in jsonata-js): T0410
 * rather than a NULL dereference.  jsonata-js mostly fails there too, with
 * a TypeError. */
#define NEED_ARG(i, name)                                                                          \
	do {                                                                                       \
		if (!ARG(i))                                                                       \
			aslrt_jn_throw_err(c, "T0410", name, NULL, NULL, (i) + 1);                 \
	} while (0)

/* ---- value.c */

void aslrt_jn_arena_free(Arena *a);
void *aslrt_jn_arena_alloc_raw(Arena *a, size_t n);
void *aslrt_jn_arena_zalloc(Arena *a, size_t n);
char *aslrt_jn_arena_strndup(Arena *a, const char *s, size_t n);
extern V aslrt_jn_v_null_s;
extern V aslrt_jn_v_true_s;
extern V aslrt_jn_v_false_s;
char *aslrt_jn_render_error(const char *code, const char *token, const char *value,
			    const char *value2, int index);
__attribute__((noreturn)) void aslrt_jn_throw_err(Ctx *c, const char *code, const char *token,
						  V *value, V *value2, int index);
__attribute__((noreturn)) void aslrt_jn_memory_exceeded(Arena *a);
__attribute__((noreturn)) void aslrt_jn_throw_msg(Ctx *c, const char *code, const char *msg);
V *aslrt_jn_v_num(Ctx *c, double d);
V *aslrt_jn_v_strn(Ctx *c, const char *s, size_t n);
V *aslrt_jn_v_strcopy(Ctx *c, const char *s, size_t n);
V *aslrt_jn_v_cstr(Ctx *c, const char *s);
V *aslrt_jn_v_arr(Ctx *c, int fl);
void aslrt_jn_arr_reserve(Ctx *c, V *a, size_t need);
void aslrt_jn_arr_push(Ctx *c, V *a, V *x);
V *aslrt_jn_v_obj(Ctx *c);
V *aslrt_jn_obj_get(V *o, const char *k, size_t kl, bool *found);
void aslrt_jn_obj_setn(Ctx *c, V *ov, const char *k, size_t kl, V *val);
void aslrt_jn_obj_set(Ctx *c, V *o, const char *k, V *val);
void aslrt_jn_obj_del(Ctx *c, V *ov, const char *k, size_t kl);
extern V aslrt_jn_v_hole_s;
V *aslrt_jn_v_fn(Ctx *c, Fn *f);
bool aslrt_jn_is_seq(V *v);
bool aslrt_jn_is_num(Ctx *c, V *v);
void aslrt_jn_buf_put(Buf *b, const char *s, size_t n);
void aslrt_jn_buf_puts(Buf *b, const char *s);
void aslrt_jn_buf_putc(Buf *b, char ch);
void aslrt_jn_buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *aslrt_jn_buf_cstr(Buf *b);
int aslrt_jn_utf8_decode(const char *s, size_t len, size_t *i);
void aslrt_jn_utf8_put(Buf *b, unsigned cp);
size_t aslrt_jn_utf8_len(const char *s, size_t n);
size_t aslrt_jn_utf8_off(const char *s, size_t n, size_t cp);
size_t aslrt_jn_utf16_units(const char *s, size_t n);
void aslrt_jn_js_num(char *out, double d);
void aslrt_jn_stringify(Ctx *c, Buf *b, V *v, int pretty, int level, bool prec15);
char *aslrt_jn_val_to_text(Ctx *c, V *v);

/* ---- parse.c */

extern _Thread_local int aslrt_jn_error_position;
__attribute__((noreturn)) void aslrt_jn_perr(P *p, const char *code, int pos, const char *token,
					     const char *value);
void *aslrt_jn_vec_grow(Arena *a, void *v, int n, int *cap, size_t el);
void aslrt_jn_lex(P *p, bool infix);
const char *aslrt_jn_tok_text(P *p);
Node *aslrt_jn_expression(P *p, int rbp);
int aslrt_jn_sig_parse(Sig *s, const char *sig, size_t len, const char **ecode);
Node *aslrt_jn_process(P *p, Node *e);

/* ---- eval.c */

Env *aslrt_jn_env_new(Ctx *c, Env *parent);
void aslrt_jn_env_bind(Ctx *c, Env *e, const char *name, V *v);
V *aslrt_jn_seq1(Ctx *c, V *x);
V *aslrt_jn_lookup_field(Ctx *c, V *input, const char *k, size_t kl);
V *aslrt_jn_v_append(Ctx *c, V *a, V *b);
bool aslrt_jn_is_array_of(V *v, int t);
V *aslrt_jn_sort_array(Ctx *c, V *arr, GtFn gt, void *ud, int fl);
int aslrt_jn_str_cmp(V *a, V *b);
bool aslrt_jn_deep_equal(V *a, V *b);
V *aslrt_jn_apply(Ctx *c, V *proc, V **args, int nargs, V *input, Env *env, const char *token);
int aslrt_jn_fn_arity(V *f);
V *aslrt_jn_hof_call(Ctx *c, V *func, V *a1, V *a2, V *a3, Env *env);
V *aslrt_jn_deep_copy(Ctx *c, V *v);
V *aslrt_jn_eval(Ctx *c, const Node *n, V *input, Env *env);

/* ---- builtin_text.c */

V *aslrt_jn_fn_string(Ctx *c, V *v, bool pretty);
bool aslrt_jn_fn_boolean(Ctx *c, V *v, bool *undef);
V *aslrt_jn_bi_string(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_length(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_substring(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_substring_before(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_substring_after(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_uppercase(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_lowercase(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_trim(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_pad(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_regex_call(Ctx *c, Fn *f, V *str);
V *aslrt_jn_bi_contains(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_match(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_replace(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_split(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_join(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_number(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_abs(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_floor(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_ceil(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_round(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_power(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_sqrt(Ctx *c, V **a, int n, V *input, Env *env);
double aslrt_jn_next_random(Ctx *c);
V *aslrt_jn_bi_random(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_sum(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_max(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_min(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_average(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_count(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_boolean(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_not(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_exists(Ctx *c, V **a, int n, V *input, Env *env);

/* ---- builtin_data.c */

void aslrt_jn_builtins_init(void);
extern pthread_once_t aslrt_jn_builtins_once;
const Builtin *aslrt_jn_builtin_find(const char *name);
const Sig *aslrt_jn_builtin_sig(const Builtin *b);

/* ---- api.c */

V *aslrt_jn_from_json(Ctx *c, struct json_object *j, bool copy);

/* ---- builtin_picture.c */

V *aslrt_jn_format_datetime(Ctx *c, double ms, V *picture, V *tz);
V *aslrt_jn_parse_datetime(Ctx *c, V *s, V *picture);
V *aslrt_jn_bi_format_number(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_format_integer(Ctx *c, V **a, int n, V *input, Env *env);
V *aslrt_jn_bi_parse_integer(Ctx *c, V **a, int n, V *input, Env *env);

#endif
