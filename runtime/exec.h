/*
 * exec.h - the executor's shared structures (exec.c, template.c, task.c,
 * main.c).  One aslrt_run per execution; one aslrt_ctx per thread of it (the
 * machine, each Parallel branch, each Map iteration).
 */
#ifndef ASLRT_EXEC_H
#define ASLRT_EXEC_H

#include <pthread.h>
#include <stdio.h>

#include "rt.h"

typedef struct tnode tnode;
typedef struct jnode jnode;

/* A constant of the program, pre-parsed once at start-up. */
typedef struct rt_const {
	int kind;                 /* K_JSON ... as in codegen/ir.h CONST_KINDS */
	struct json_object *json; /* the value, template or text */
	aslrt_path *path;
	tnode *tmpl;
	jnode *jt;
} rt_const;

enum { RK_JSON, RK_STR, RK_PATH, RK_TMPL, RK_ASSIGN, RK_JSONATA };

typedef struct rt_retrier {
	struct json_object *errors; /* borrowed from the definition */
	double interval, backoff;
	long max_attempts;
	long max_delay;             /* 0: none */
	bool jitter;
} rt_retrier;

typedef struct rt_catcher {
	struct json_object *errors;
	aslrt_path *result_path;    /* NULL: "$" */
	bool discard;               /* ResultPath: null */
	tnode *assign;
	jnode *joutput, *jassign;   /* JSONata catchers */
	int next;
} rt_catcher;

typedef struct rt_state {
	const char *name;
	const char *type;
	int scope;
	struct json_object *def;    /* the state's definition (borrowed from meta) */
	rt_retrier *retriers;
	int nretriers;
	rt_catcher *catchers;
	int ncatchers;
	int *branches;
	int nbranches;
	bool jsonata;               /* QueryLanguage JSONata */
	/* Map */
	aslrt_path *items_path;
	tnode *item_selector;
	jnode *jitems, *jitem_selector;
	/* Wait, Fail in JSONata */
	jnode *jseconds, *jtimestamp, *jerror, *jcause;
	/* Fail */
	tnode *error_expr, *cause_expr;
	/* Task invocations so far (mocks count them) */
	int calls;
} rt_state;

typedef struct rt_batch rt_batch;

/* A Parallel branch or a Map iteration: a scope run on its own context. */
typedef struct rt_job {
	aslrt_ctx *c;                 /* made when the job starts (rt_ctx_new(parent)) */
	aslrt_ctx *parent;
	int scope;
	struct json_object *input; /* consumed by the scope */
	struct json_object *out;
	int rc;
} rt_job;

typedef struct aslrt_run {
	const aslrt_program *prog;
	struct json_object *meta;
	const char *name;
	rt_const *consts;
	int nconsts;
	rt_state *states;
	int nstates;
	struct json_object *context;  /* Execution and StateMachine parts */
	struct json_object *mocks;    /* state name -> MockedResponses entry */
	bool virtual_clock;
	int64_t clock_ms;             /* virtual clock, ms since the epoch */
	int events;                   /* history event ids handed out */
	size_t payload_limit;         /* max state output in bytes, 0: none */
	FILE *trace;
	pthread_mutex_t lock;
	/* pool.c */
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_work;
	rt_batch *batches;
	pthread_t workers[64];
	int nworkers, idle;
	bool pool_shutdown;
} aslrt_run;

struct aslrt_ctx {
	aslrt_run *run;
	aslrt_error err;
	aslrt_ctx *parent;            /* the branch's or iteration's caller, or NULL */
	struct json_object *vars;     /* variables set here, and those of the parents
					 read here (copied on first read: parents'
					 variables are shared read-only, never copied
					 whole per iteration) (owned object) */
	struct json_object *base;     /* Context object's Execution, StateMachine (owned) */
	struct json_object *context;  /* the whole Context object, built when first
					 read after a change (NULL until then); never
					 changed in place, since values may share it */
	int64_t entered_ms;           /* State.EnteredTime */
	char task_token[64];          /* Task.Token, "" when the state has none */
	int state;                    /* current state id */
	int entered_event;            /* event id of its StateEntered */
	int retry_state;              /* state whose retry counters are live */
	long attempts[16];            /* per retrier of that state */
	int retry_count;
	struct json_object *map_item; /* Map.Item while building an item's input */
	/* The running Task's limits, set by the executor from TimeoutSeconds[Path]
	 * and HeartbeatSeconds[Path] before rt_task_invoke; every binding honours
	 * them.  deadline: absolute on the run's clock (rt_now_ms), 0: none;
	 * heartbeat: the interval in ms, 0: none. */
	int64_t task_deadline_ms;
	int64_t task_heartbeat_ms;
};

/* Every variable visible in c, copied into c->vars (for JSONata bindings). */
void rt_vars_all(aslrt_ctx *c);
/* Free this thread's copy of the Context object base and of its parents'
 * variables (a thread's last call). */
void rt_thread_done(void);
/* A job of batch id starts on this thread (the variables cache's key). */
void rt_thread_batch(unsigned long id);
/* Free what a finished job's context holds but its error. */
void rt_ctx_release(aslrt_ctx *c);

/* The Context object as states see it ($$, $states.context); borrowed. */
struct json_object *rt_ctx_context(aslrt_ctx *c);

/* exec.c */
int rt_runtime_error(aslrt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rt_query_error(aslrt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rt_error(aslrt_ctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rt_env(aslrt_ctx *c, struct json_object *input, aslrt_env *env);
int64_t rt_now_ms(aslrt_run *r);
void rt_sleep_ms(aslrt_run *r, int64_t ms);
char *rt_iso_time(int64_t ms);
int rt_load(aslrt_run *r, const aslrt_program *prog);
void rt_unload(aslrt_run *r);
aslrt_ctx *rt_ctx_new(aslrt_run *r, aslrt_ctx *parent);
void rt_ctx_free(aslrt_ctx *c);
int rt_run_scope(aslrt_ctx *c, int scope, struct json_object *input, struct json_object **out);

/* template.c */
tnode *rt_tmpl_compile(struct json_object *t, bool assign, char *why, size_t whylen);
void rt_tmpl_free(tnode *t);
int rt_tmpl_eval(aslrt_ctx *c, const tnode *t, struct json_object *input,
		 struct json_object **out);
/* An expression ("$.x", "$$.y", "States.Format(...)") for ErrorPath & co. */
tnode *rt_expr_compile(const char *field, const char *text, char *why, size_t whylen);

jnode *rt_jtmpl_compile(struct json_object *v, const char *loc, char *why, size_t whylen);
void rt_jtmpl_free(jnode *t);
bool rt_is_jsonata(struct json_object *v);
/* The expression text of a single-expression template ("" otherwise). */
const char *rt_jtmpl_text(const jnode *t);
/* Evaluate with $states.input, .context, .result (ASLRT_ABSENT: none) and
 * .errorOutput (NULL: none) and the variables bound. */
int rt_jtmpl_eval(aslrt_ctx *c, const jnode *t, struct json_object *input,
		  struct json_object *result, struct json_object *error_output,
		  struct json_object **out);

/* pool.c */
void rt_pool_init(aslrt_run *r);
void rt_pool_shutdown(aslrt_run *r);
/* Run the jobs, at most limit at once (0: no limit); returns how many failed.
 * Unless all, the first failure drops the jobs not yet started. */
int rt_pool_run(aslrt_run *r, rt_job *jobs, int n, long limit, bool all);

/* task.c */
int rt_task_invoke(aslrt_ctx *c, rt_state *st, struct json_object *input,
		   struct json_object **out);
int rt_mocks_load(aslrt_run *r, const char *path, const char *test_case, char *why,
		  size_t whylen);

#endif
