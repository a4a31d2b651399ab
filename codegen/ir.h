/*
 * ir.h - aslc's IR and its backends.
 *
 * A program is a list of scopes (the machine, each Parallel branch, each Map
 * processor); a scope is a list of states; a state is a short list of ops over
 * value registers (%N, json values), boolean registers (?N) and local labels.
 * Register %0 is the state's raw input.  Ops name constants by index into the
 * program's constant table (k), states by id.  Everything is indices; the IR
 * prints as text (docs/ir.md), for reading and golden tests: there is no
 * reader of that text yet.
 */
#ifndef ASLC_IR_H
#define ASLC_IR_H

#include <stdbool.h>
#include <json-c/json.h>

#include "rt.h"
#include "util.h"

typedef enum {
#define X(op, name, dst, fallible) OP_##op,
#include "ops.h"
#undef X
	OP_COUNT
} Op;

typedef enum { D_NONE, D_OWN, D_BORROW, D_BOOL } DstKind;

typedef struct OpInfo {
	const char *name;
	DstKind dst;
	bool fallible;
} OpInfo;

extern const OpInfo op_info[OP_COUNT];

typedef struct Ins {
	Op op;
	int dst; /* register written, -1 if none */
	int a, b, c;
	int k; /* constant index, -1 if none */
} Ins;

/* Kinds of constants (runtime/const_kinds.h); the runtime pre-parses each
 * once at start-up. */
typedef enum {
#define X(e, s) K_##e,
#include "const_kinds.h"
#undef X
} ConstKind;

extern const char *const const_kind_names[];

typedef struct Const {
	ConstKind kind;
	struct json_object *v; /* owned */
} Const;

/* A state's settings (runtime/settings.h): S_* */
typedef enum {
#define X(e, s) S_##e,
#include "settings.h"
#undef X
	S_COUNT
} SettingKey;

extern const char *const setting_names[];

/* Retry and Catch rows: the generated program's static tables (aslrt.h,
 * aslrt_retry_def and aslrt_catch_def, field for field). */
typedef struct IrRetry {
	int *errors; /* ErrorEquals: K_STR constants */
	int nerrors;
	bool jitter;
	double interval, backoff, max_attempts, max_delay;
} IrRetry;

typedef struct IrCatch {
	int *errors;
	int nerrors;
	int next;	 /* state id */
	int result_path; /* K_PATH; -1: "$" or absent, -2: null */
	int assign;	 /* K_ASSIGN or K_JSONATA, -1: none */
	int output;	 /* K_JSONATA, -1: none */
} IrCatch;

typedef struct IrSetting {
	SettingKey key;
	int k;
} IrSetting;

typedef struct IrState {
	int id;
	char *name;
	char *type;
	int scope;
	bool jsonata;
	IrRetry *retry;
	int nretry;
	IrCatch *catchers;
	int ncatch;
	int *branches; /* scope ids */
	int nbranches;
	int *next; /* successors: Next, Default, Choice rules' Next */
	int nnext;
	IrSetting *settings;
	int nsettings;
	/* A JSONPath Map's ItemSelector (or Parameters) as ops of their own, run
	 * by the runtime per item with %0 the Map's input; their value is in
	 * sel_out.  NULL when there is none. */
	struct IrState *sel;
	int sel_out, sel_regs;
	Ins *ins;
	int nins;
	int nlabels;
	/* The owned registers (written by D_OWN ops), each once: set to null on
	 * entry and released by the state's one epilogue, which every exit and
	 * the error handler go through.  Exits move their output out of its
	 * register first.  Computed by ir_ownership, so backends only translate. */
	int *drops;
	int ndrops;
	/* A big state's ops split into parts of about IR_PART ops, cut where no
	 * local jump crosses (parts[i] is the op after part i; none for a small
	 * state): backends compile each part as its own function, since C and
	 * LLVM optimisers take super-linear time on one huge function. */
	int *parts;
	int nparts;
} IrState;

enum { IR_PART = 64 };

typedef struct IrScope {
	int id;
	int start;   /* state id */
	int *states; /* state ids */
	int nstates;
	int nregs; /* value registers used by any state of the scope */
	int nbools;
} IrScope;

typedef struct Program {
	char *name;
	bool express;
	Const *consts;
	int nconsts;
	IrState *states;
	int nstates;
	IrScope *scopes;
	int nscopes;
	struct json_object *meta; /* per-state tables for the runtime (owned) */
} Program;

/* --- ir.c --- */
Program *ir_new(void);
void ir_free(Program *p);
int ir_const(Program *p, ConstKind kind, struct json_object *v);
int ir_const_str(Program *p, const char *s);
/* An object key (FIELD, SETKEY): the runtime hashes it once at start-up. */
int ir_const_key(Program *p, const char *s);
Ins *ir_emit(IrState *s, Op op);
void ir_dump(const Program *p, Buf *out);
/* The runtime's metadata text (aslrt_program.meta). malloc'd. */
char *ir_meta_text(const Program *p);
/* A constant as the program carries it (aslrt_const_def): its text (malloc'd,
 * *len bytes) and, for expr and jsonata, its field (borrowed, else NULL). */
char *ir_const_text(const Const *k, size_t *len, const char **at);
/* Reuse field and index look-ups repeated within a state (before ownership). */
void ir_cse(Program *p);
/* Fill each state's drop list and parts (one pass over its ops each). */
void ir_ownership(Program *p);
/* Consistency checks between passes (registers, labels, targets). */
void ir_verify(const Program *p);

/* --- emit_c.c --- */
void emit_c(const Program *p, Buf *out);

/* --- emit_llvm.c --- */
/* Build, verify, optimise; write an object file (obj_path) and/or the IR text
 * (ll != NULL). Returns 0, or -1 with a message on stderr. */
int emit_llvm(const Program *p, int opt, const char *obj_path, Buf *ll);

/* --- cc.c --- */
typedef struct BuildOpts {
	int opt;      /* -O level */
	bool verbose; /* print the commands */
	bool keep;    /* keep intermediate files */
	char **extra; /* C sources or objects linked in (Task handlers) */
	int nextra;
	bool static_link; /* -static: no shared libraries at all */
	bool strip;	  /* -s: no symbols (images) */
	bool express;	  /* no journal: libaslrt_express.a, no SQLite */
} BuildOpts;
/* Compile C source text and link it with the runtime into exe. */
int cc_build_c(const char *csrc, size_t len, const char *exe, const BuildOpts *o);
/* Link an object file with the runtime into exe. */
int cc_link_obj(const char *obj, const char *exe, const BuildOpts *o);

/* --- toolchain.c --- */
typedef struct RtPaths {
	char *include; /* holds aslrt.h */
	char *lib;     /* holds libaslrt.a (and any static library shipped with it) */
} RtPaths;
/* Find the runtime: $ASLC_RUNTIME_DIR, else relative to aslc's executable
 * (installed tree, then build tree).  0, or -1 with a message on stderr. */
int aslrt_locate(RtPaths *rp);
void aslrt_paths_free(RtPaths *rp);
/* argv[0], for finding aslc where /proc is not mounted. */
void aslrt_set_argv0(const char *argv0);
/* Split s into words as sh does ($CC, $CFLAGS); -1 on an unclosed quote. */
int split_words(const char *s, char ***v, int *n);
/* Whether the program name is in $PATH (ld.lld: the installed aslc may
 * run where lld is not). */
bool in_path(const char *name);

#endif
