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
struct sqlite3;
typedef struct jnode jnode;

/* A constant of the program, pre-parsed once at start-up. */
typedef struct aslrt_const {
	int kind;		  /* RK_*, const_kinds.h */
	struct json_object *json; /* the value, template or text (owned) */
	aslrt_path *path;
	tnode *tmpl;
	jnode *jt;
	tnode *expr;	    /* RK_EXPR */
	const char *key;    /* RK_KEY: the program's static text */
	unsigned long hash; /* RK_KEY: aslrt_key_hash(key) */
	bool is_ts;	    /* RK_JSON: a string that is a timestamp, */
	aslrt_time ts;	    /* this one (a Choice operand, parsed once) */
} aslrt_const;

enum {
#define X(e, s) RK_##e,
#include "const_kinds.h"
#undef X
};

/* The state settings (settings.h): RS_* */
enum {
#define X(e, s) RS_##e,
#include "settings.h"
#undef X
	RS_COUNT
};

/* A Catch row with its constants resolved (borrowed from the const table). */
typedef struct aslrt_catcher {
	const aslrt_catch_def *def;
	aslrt_path *result_path; /* NULL: "$" */
	bool discard;		 /* ResultPath: null */
	tnode *assign;
	jnode *joutput, *jassign; /* JSONata catchers */
	int next;
} aslrt_catcher;

/* A state as the executor sees it: its static tables (aslrt_state_def, in
 * the generated program) with the constants they name resolved; every
 * pointer is borrowed from the tables or the const table. */
typedef struct aslrt_state {
	const char *name;
	const char *type;
	int scope;
	const aslrt_state_def *def;
	int set[RS_COUNT]; /* settings: constant index, -1 when absent */
	const aslrt_retry_def *retriers;
	int nretriers;
	aslrt_catcher *catchers; /* owned array */
	int ncatchers;
	const int *branches;
	int nbranches;
	bool jsonata;		     /* QueryLanguage JSONata */
	const char *resource;	     /* Task: its Resource */
	bool token;		     /* a callback, .sync or activity Task: a task token */
	bool keeps_input;	     /* TimeoutSeconds & co. read from the state input */
	bool distributed;	     /* Map: ProcessorConfig Mode DISTRIBUTED */
	struct json_object *map_run; /* ItemReader, ItemBatcher, ResultWriter, Label */
	/* Map */
	aslrt_path *items_path;
	jnode *jitems, *jitem_selector;
	/* Wait, Fail in JSONata */
	jnode *jseconds, *jtimestamp, *jerror, *jcause;
	/* Fail */
	tnode *error_expr, *cause_expr;
	/* Task invocations so far (mocks count them) */
	int calls;
} aslrt_state;

typedef struct aslrt_batch aslrt_batch;

/* A Distributed Map's Map Run (exec.c): its ARN, and what its child
 * executions' ARNs are made of. */
typedef struct aslrt_map_run {
	char *arn;	   /* arn:aws:states:R:A:mapRun:MACHINE/LABEL:UUID */
	char *sm_arn;	   /* arn:aws:states:R:A:stateMachine:MACHINE/LABEL */
	char *exec_prefix; /* arn:aws:states:R:A:execution:MACHINE/LABEL (EXPRESS: express:) */
	bool express;	   /* EXPRESS children: ARN <exec_prefix>:<name>:<UUID> */
	char *source;	   /* $$.Map.Item.Source of an ItemReader's items (NULL: STATE_DATA) */
} aslrt_map_run;

/* A child execution (one Distributed Map iteration or batch): its name and
 * its own events, numbered from 1 (history.c). */
typedef struct aslrt_child {
	char name[37];
	char arn_tail[38]; /* after <exec_prefix>:<name> in its ARN: "" or ":<UUID>" (EXPRESS) */
	int events;
	struct json_object *history; /* its events, when the run keeps a history */
	const aslrt_map_run *run;    /* its Map Run */
	int64_t start_ms;
	struct json_object *input; /* for $$.Execution.Input, where read */
} aslrt_child;

/* A Parallel branch or a Map iteration: a scope run on its own context. */
typedef struct aslrt_job {
	aslrt_ctx *c;	   /* made when the job starts (aslrt_job_run) */
	aslrt_ctx *parent; /* whose variables it reads, whose events it continues */
	int scope;
	struct json_object *input; /* consumed by the scope */
	struct json_object *out;
	int rc;
	bool aborted;	 /* stopped by a sibling's failure (vsched.c) */
	int state;	 /* history.c: the Parallel or Map state */
	bool iteration;	 /* a Map iteration (else a Parallel branch) */
	long lane;	 /* its index in the batch */
	char *lane_path; /* journal.c: where it runs (moved to c as it starts) */
	int last_event;	 /* the event its first event follows */
	bool here;	 /* run inline on its parent's thread (pool.c): nothing
			    else touches the parent meanwhile, no lock needed */

	/* A Distributed Map's: the job is a child execution, its name and
	 * events in child (owned) */
	const aslrt_map_run *map_run;
	aslrt_child *child;
} aslrt_job;

typedef struct aslrt_run {
	const aslrt_program *prog;
	struct json_object *meta;
	const char *name;
	aslrt_const *consts;
	int nconsts;
	aslrt_state *states;
	int nstates;
	struct json_object *context; /* Execution and StateMachine parts */
	struct json_object *mocks;   /* state name -> MockedResponses entry */
	bool virtual_clock;
	int64_t clock_ms;	/* virtual clock, ms since the epoch */
	int64_t deadline_ms;	/* the machine's TimeoutSeconds on the run's
				   clock, 0: none (timing.c) */
	bool deadline_express;	/* deadline_ms is Express's 5 minutes */
	bool express_unlimited; /* --express-time-limit off */
	bool ctx_unread;	/* no string of the definition reads the Context
				   object (lower.c): State.EnteredTime unused */
	int events;		/* history event ids handed out */
	int quota_events;	/* those the history quota counts (not a Distributed
				   Map's iterations: AWS runs them as child executions) */
	int history_limit;	/* the history quota in events, 0: none
				   (--history-limit; -1 until set) */
	bool history_full;	/* an event did not fit: the execution
				   fails (history.c, under lock) */
	size_t payload_limit;	/* max state output in bytes, 0: none */
	FILE *trace;
	struct json_object *history; /* the events, when recorded (history.c) */
	FILE *log;		     /* telemetry.c: CloudWatch-format lines */
	int log_level;		     /* RT_LOG_* */
	bool log_data;		     /* --include-execution-data */
	const char *metrics_file;
	struct sqlite3 *journal; /* journal.c: --store, NULL: in memory */
	const char *journal_path, *journal_exec;
	bool journal_tx, journal_ended;
	bool journal_sync_normal;     /* --store-sync NORMAL */
	int journal_lock;	      /* fd of FILE-lock, -1: none */
	int journal_replayed;	      /* resume: events 1..N were journaled */
	int64_t park_after_ms;	      /* --park-after: a longer Wait ends the
					 process (exit 3), -1: never */
	struct aslrt_metric *metrics; /* per state, when metrics_file */
	pthread_mutex_t lock;
	/* pool.c */
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_work;
	aslrt_batch *batches;
	pthread_t workers[64];
	int nworkers, idle;
	bool pool_shutdown;
	int *scope_cost;	     /* by scope: states one run enters at most */
	struct aslrt_vsched *vsched; /* the virtual clock's jobs (vsched.c) */

	/* --history FILE: the child executions' histories go to FILE's
	 * .children.jsonl, opened by the first child (history.c) */
	const char *history_file;
	FILE *child_histories;
} aslrt_run;

/* Whether anything reads the events; if not, they only take ids (history.c). */
static inline bool aslrt_events_read(const aslrt_run *r)
{
	return r->history || r->trace || r->log || r->journal || r->metrics_file;
}

/* Whether events only take ids: none read, no quota counts them. */
static inline bool aslrt_run_quiet_events(const aslrt_run *r)
{
	return !r->history_limit && !aslrt_events_read(r);
}

/* Whether a state's entry and exit show nowhere: events only take ids, no
 * Context read, the real clock (exec.c, aslrt_op_enter_plain). */
static inline bool aslrt_run_quiet(const aslrt_run *r)
{
	return !r->virtual_clock && r->ctx_unread && aslrt_run_quiet_events(r);
}

struct aslrt_ctx {
	aslrt_run *run;
	aslrt_error err;
	aslrt_ctx *parent;	     /* the branch's or iteration's caller, or NULL */
	struct json_object *vars;    /* variables set here, and those of the parents
					read here (copied on first read: parents'
					variables are shared read-only, never copied
					whole per iteration) (owned object) */
	struct json_object *base;    /* Context object's Execution, StateMachine (owned) */
	struct json_object *context; /* the whole Context object, built when first
					read after a change (NULL until then); never
					changed in place, since values may share it */
	int64_t entered_ms;	     /* State.EnteredTime */
	char task_token[64];	     /* Task.Token, "" when the state has none */
	int state;		     /* current state id */
	int entered_event;	     /* event id of its StateEntered */
	int retry_state;	     /* state whose retry counters are live */
	long *attempts;		     /* per retrier of that state (grown to its count) */
	int nattempts;		     /* capacity of attempts */
	int retry_count;
	struct json_object *map_item; /* Map.Item while building an item's input */
	/* The running Task's limits, set by the executor from TimeoutSeconds[Path]
	 * and HeartbeatSeconds[Path] before aslrt_task_invoke; every binding honours
	 * them.  deadline: absolute on the run's clock (aslrt_now_ms), 0: none;
	 * heartbeat: the interval in ms, 0: none. */
	int64_t task_deadline_ms;
	int64_t task_heartbeat_ms;
	struct json_object *task_input; /* a Task's state input, for TimeoutSecondsPath
					   and HeartbeatSecondsPath (owned) */
	bool heartbeat_expired;		/* the States.Timeout in err is a missed
					   heartbeat: ErrorEquals States.HeartbeatTimeout
					   matches it too */
	/* history.c: the event this thread's next event follows, and which
	 * Parallel branch or Map iteration the thread is (-1: the machine) */
	int last_event;
	int entered_prev;	 /* the previousEventId of its StateEntered */
	int64_t task_started_ms; /* telemetry.c */
	int64_t state_started_ms;
	int map_end;		      /* the last MapIterationSucceeded */
	int run_end;		      /* MapRunSucceeded, which MapStateSucceeded follows */
	int submitted;		      /* TaskSubmitted: 0 not yet, 1 recorded, 2 none */
	struct json_object *assigned; /* the state's Assign, for its StateExited */
	int pending, pending_state;   /* a Map/Parallel failure not yet recorded */
	long lane;
	bool lane_map;
	bool in_child;	   /* in a Distributed Map iteration: a child execution in AWS */
	char *lane_path;   /* journal.c: where this thread runs (owned) */
	int steps, spawns; /* its Task attempts and Waits, its batches */
	bool wait_pending; /* journal.c: a Wait's end, wait_until, was just
			      journaled; a sleep to another time is a Retry's */

	/* the child execution it is part of (borrowed from its job) */
	aslrt_child *child;
	int64_t wait_until;
	/* the running state's ResultPath change to its input, made in place
	 * (exec.c store_result): undone if the state fails after it */
	aslrt_path_undo undo;
};

/* Every variable visible in c, copied into c->vars (for JSONata bindings). */
void aslrt_vars_all(aslrt_ctx *c);
/* Free this thread's copy of the Context object base and of its parents'
 * variables (a thread's last call). */
void aslrt_thread_done(void);
/* A job of batch id starts on this thread (the variables cache's key). */
void aslrt_thread_batch(unsigned long id);
/* Free what a finished job's context holds but its error. */
void aslrt_ctx_release(aslrt_ctx *c);

/* The Context object as states see it ($$, $states.context); borrowed. */
struct json_object *aslrt_ctx_context(aslrt_ctx *c);

/* exec.c */
extern const char *const aslrt_setting_names[];
/* A state setting's constant (borrowed), NULL when absent; is it a JSONata
 * field ({"at", "t"}, with its compiled form in the const table)? */
struct json_object *aslrt_setting(aslrt_run *r, const aslrt_state *st, int key);
bool aslrt_setting_jsonata(aslrt_run *r, const aslrt_state *st, int key);
int aslrt_path_select(aslrt_ctx *c, const char *text, struct json_object *input,
		      struct json_object **sel);
int aslrt_runtime_error(aslrt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int aslrt_query_error(aslrt_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int aslrt_raise(aslrt_ctx *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void aslrt_env_make(aslrt_ctx *c, struct json_object *input, aslrt_env *env);
int64_t aslrt_now_ms(aslrt_run *r);
int aslrt_aborted_error(aslrt_ctx *c);
/* Has a sibling's failure stopped the job the calling thread runs? */
bool aslrt_job_stopped(aslrt_run *r);
void aslrt_sleep_ms(aslrt_run *r, int64_t ms);
char *aslrt_iso_time(int64_t ms);
int aslrt_load(aslrt_run *r, const aslrt_program *prog);
void aslrt_unload(aslrt_run *r);
aslrt_ctx *aslrt_ctx_new(aslrt_run *r, aslrt_ctx *parent);
/* The job (a Distributed Map's, j->map_run set) becomes a child execution
 * as its context c is made: name, ARN, Context object (exec.c). */
void aslrt_child_begin(aslrt_job *j, aslrt_ctx *c);
void aslrt_ctx_free(aslrt_ctx *c);
/* The Context object ($$) is built again when next read: what it shows changed. */
void aslrt_ctx_changed(aslrt_ctx *c);
int aslrt_run_scope(aslrt_ctx *c, int scope, struct json_object *input, struct json_object **out);

/* template.c */
tnode *aslrt_tmpl_compile(struct json_object *t, bool assign, char *why, size_t whylen);
void aslrt_tmpl_free(tnode *t);
int aslrt_tmpl_eval(aslrt_ctx *c, const tnode *t, struct json_object *input,
		    struct json_object **out);
/* An expression ("$.x", "$$.y", "States.Format(...)") for ErrorPath & co. */
tnode *aslrt_expr_compile(const char *field, const char *text, char *why, size_t whylen);

jnode *aslrt_jtmpl_compile(struct json_object *v, const char *loc, char *why, size_t whylen);
void aslrt_jtmpl_free(jnode *t);
bool aslrt_is_jsonata(struct json_object *v);
/* The expression text of a single-expression template ("" otherwise). */
const char *aslrt_jtmpl_text(const jnode *t);
/* Evaluate with $states.input, .context, .result (ASLRT_ABSENT: none) and
 * .errorOutput (NULL: none) and the variables bound. */
int aslrt_jtmpl_eval(aslrt_ctx *c, const jnode *t, struct json_object *input,
		     struct json_object *result, struct json_object *error_output,
		     struct json_object **out);

/* pool.c */
void aslrt_pool_init(aslrt_run *r);
void aslrt_pool_shutdown(aslrt_run *r);
/* Run the jobs, at most limit at once (0: no limit); returns how many failed.
 * Unless all, the first failure drops the jobs not yet started. */
int aslrt_pool_run(aslrt_run *r, aslrt_job *jobs, int n, long limit, bool all);
/* The real clock: has a sibling's failure stopped the job this thread runs?
 * aslrt_pool_sleep sleeps ms unless that happens first; false when this
 * thread runs no job of a batch (the caller sleeps itself). */
bool aslrt_pool_stopped(void);
bool aslrt_pool_sleep(int64_t ms);
/* Will aslrt_pool_run run a batch of jobs of these scopes inline, on the calling
 * thread?  Then their inputs and contexts may share values with the caller
 * (json-c's reference counts are not atomic). */
bool aslrt_pool_inline(aslrt_run *r, const int *scopes, int n);

/* history.c */
#define RT_EVENTS(X)                                                                               \
	X(EV_EXECUTION_STARTED, "ExecutionStarted")                                                \
	X(EV_EXECUTION_SUCCEEDED, "ExecutionSucceeded")                                            \
	X(EV_EXECUTION_FAILED, "ExecutionFailed")                                                  \
	X(EV_EXECUTION_TIMED_OUT, "ExecutionTimedOut")                                             \
	X(EV_STATE_ENTERED, "StateEntered")                                                        \
	X(EV_STATE_EXITED, "StateExited")                                                          \
	X(EV_STATE_ABORTED, "StateAborted")                                                        \
	X(EV_TASK_SCHEDULED, "TaskScheduled")                                                      \
	X(EV_TASK_STARTED, "TaskStarted")                                                          \
	X(EV_TASK_SUBMITTED, "TaskSubmitted")                                                      \
	X(EV_TASK_SUCCEEDED, "TaskSucceeded")                                                      \
	X(EV_TASK_FAILED, "TaskFailed")                                                            \
	X(EV_TASK_TIMED_OUT, "TaskTimedOut")                                                       \
	X(EV_PARALLEL_STARTED, "ParallelStateStarted")                                             \
	X(EV_PARALLEL_SUCCEEDED, "ParallelStateSucceeded")                                         \
	X(EV_PARALLEL_FAILED, "ParallelStateFailed")                                               \
	X(EV_MAP_STARTED, "MapStateStarted")                                                       \
	X(EV_MAP_SUCCEEDED, "MapStateSucceeded")                                                   \
	X(EV_MAP_FAILED, "MapStateFailed")                                                         \
	X(EV_MAP_ITERATION_STARTED, "MapIterationStarted")                                         \
	X(EV_MAP_ITERATION_SUCCEEDED, "MapIterationSucceeded")                                     \
	X(EV_MAP_ITERATION_FAILED, "MapIterationFailed")                                           \
	X(EV_EVALUATION_FAILED, "EvaluationFailed")                                                \
	X(EV_MAP_RUN_STARTED, "MapRunStarted")                                                     \
	X(EV_MAP_RUN_SUCCEEDED, "MapRunSucceeded")                                                 \
	X(EV_MAP_RUN_FAILED, "MapRunFailed")                                                       \
	X(EV_MAP_ITERATION_ABORTED, "MapIterationAborted")                                         \
	X(EV_EXECUTION_ABORTED, "ExecutionAborted")

enum {
#define X(id, name) id,
	RT_EVENTS(X)
#undef X
	    EV_COUNT
};

const char *aslrt_event_name(int type);
/* Record an event of c's thread and return its id: value is the state's
 * input or output, the Task's parameters or result; index a Map iteration's
 * index or a Map's length; failures take their error from c->err. */
int aslrt_event(aslrt_ctx *c, int type, int state, struct json_object *value, long index);
/*
 * Nobody reads the events and no quota counts them: a state's entry or exit
 * only takes the next id (error causes cite it), with aslrt_event's
 * bookkeeping.  Inline: a plain state's entry and every exit take this path
 * (exec.c), and history.c's aslrt_event takes it first.
 */
static inline bool aslrt_event_is_bare(aslrt_ctx *c)
{
	return !c->pending && !c->child && aslrt_run_quiet_events(c->run) &&
	       !aslrt_job_stopped(c->run);
}

/* A StateEntered's or StateExited's id where aslrt_event_is_bare(c). */
static inline int aslrt_event_bare(aslrt_ctx *c, int type)
{
	aslrt_run *r = c->run;
	/* Until the pool's first worker starts (pool.c) this thread is the
	 * only one to run states: no locked add, a third of this path. */
	int id = !r->virtual_clock && !__atomic_load_n(&r->nworkers, __ATOMIC_RELAXED)
		     ? ++r->events
		     : __atomic_add_fetch(&r->events, 1, __ATOMIC_RELAXED);
	if (type == EV_STATE_ENTERED)
		c->entered_prev = c->last_event;
	if (c->assigned) {
		json_object_put(c->assigned);
		c->assigned = NULL;
	}
	c->last_event = id;
	c->run_end = 0;
	return id;
}
/* Record a pending Map/ParallelStateFailed: a Retry records none. */
void aslrt_event_flush(aslrt_ctx *c);
int aslrt_history_write(aslrt_run *r, const char *path);
/* The variables a state's (or its catcher's) Assign gave vals, as its
 * StateExited event shows them (assignedVariables). */
void aslrt_history_assigned(aslrt_ctx *c, struct json_object *vals);
/* history.c: free what a job holds (its input, context, lane) */
void aslrt_job_free(aslrt_job *j);
void aslrt_job_prepare(aslrt_job *j, aslrt_ctx *parent, int state, long index, bool iteration);
int aslrt_job_run(aslrt_job *j);
/* branch.c: a Map's jobs for items (the base-th on), each input through its
 * ItemSelector: 0, or -1 with c->err (jobs freed).  own: the items are the
 * Map's alone (its ItemReader's), taken without a copy.  keys: NULL, or the
 * names of an object's members the items are ($$.Map.Item.Key). */
int aslrt_map_jobs(aslrt_ctx *c, int state, struct json_object *input, struct json_object *items,
		   struct json_object *keys, long base, bool own, const aslrt_map_run *run,
		   aslrt_job **out);

/* vsched.c: Parallel and Map jobs interleaved in virtual time. */
int aslrt_vsched_run(aslrt_run *r, aslrt_job *jobs, int n, long limit, bool all);
/* Wait until virtual time `until` while other jobs run; false when the
 * calling thread runs no job (the caller moves the clock itself). */
bool aslrt_vsched_sleep(aslrt_run *r, int64_t until);
/* A branch has entered its first state: its siblings start theirs. */
void aslrt_vsched_entered(aslrt_run *r);
/* Has a sibling's failure stopped the job the calling thread runs? */
bool aslrt_vsched_aborted(void);
void aslrt_vsched_free(aslrt_run *r);

/* telemetry.c */
enum { RT_LOG_OFF, RT_LOG_FATAL, RT_LOG_ERROR, RT_LOG_ALL };
int aslrt_log_level_parse(const char *s);
void aslrt_log_event(aslrt_run *r, struct json_object *e, int64_t ms);
void aslrt_metrics_event(aslrt_ctx *c, int type, int state, int64_t ms);
int aslrt_metrics_write(aslrt_run *r, int64_t duration_ms, const char *status);

/* journal.c */
int aslrt_journal_setup(aslrt_run *r, const char *path, const char **name, bool resume,
			char **input, char **context, char *why, size_t len);
int aslrt_journal_open(aslrt_run *r, const char *path, bool create, char *why, size_t len);
void aslrt_journal_close(aslrt_run *r);
int aslrt_journal_start(aslrt_run *r, const char *name, const char *input, const char *context,
			int64_t start_ms);
void aslrt_journal_end(aslrt_run *r, struct json_object *output, const aslrt_error *err);
/* Journal event id; on resume an event journaled before keeps its time
 * (e's timestamp set to it, returned in ms; -1: a new event). */
int64_t aslrt_journal_event(aslrt_run *r, int id, struct json_object *e, int type);
int aslrt_journal_task(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		       struct json_object **out);
int64_t aslrt_journal_wait(aslrt_ctx *c, int64_t until);
int64_t aslrt_journal_retry(aslrt_ctx *c, int64_t until);
#define ASLRT_EXIT_PARKED 3 /* --park-after: the execution waits in the journal */
int aslrt_journal_due(aslrt_run *r, const char *path, char ***names, int *n, char *why, size_t len);
int aslrt_journal_list(aslrt_run *r);
int aslrt_journal_describe(aslrt_run *r, const char *name);
int aslrt_journal_history(aslrt_run *r, const char *name);
int aslrt_journal_result(aslrt_run *r, const char *name, aslrt_error *err);

/* task.c */
int aslrt_task_invoke(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		      struct json_object **out);
int aslrt_mocks_load(aslrt_run *r, const char *path, const char *test_case, char *why,
		     size_t whylen);

/* timing.c: Task timeouts and heartbeats, the machine's TimeoutSeconds */
int aslrt_task_run(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		   struct json_object **out);
int aslrt_mock_duration(aslrt_ctx *c, struct json_object *resp);
/* history.c: a .sync or .waitForTaskToken Task's submission, as the binding
 * sees it: TaskSubmitted with the service's response to it (borrowed) as
 * its output; NULL: the submission failed, no TaskSubmitted.  A binding
 * that reports none gets a TaskSubmitted without output before the Task
 * ends (a mock, a Command bound to a .sync resource). */
void aslrt_task_submitted(aslrt_ctx *c, struct json_object *response);
bool aslrt_task_submits(const aslrt_state *st);
/* Whether the Task is an activity handed to workers on --listen (not mocked):
 * it starts when a worker takes it, not when it is scheduled. */
bool aslrt_activity_worker(aslrt_run *r, aslrt_state *st);
void aslrt_deadline_init(aslrt_run *r);
bool aslrt_expired(aslrt_run *r);
bool aslrt_history_full(aslrt_run *r);
int aslrt_history_full_error(aslrt_ctx *c);
int aslrt_expired_error(aslrt_ctx *c);
int aslrt_timeout_error(aslrt_ctx *c, bool heartbeat);
/* Sleep until the run's clock reads until, or fail with the machine's
 * timeout at its deadline if that comes first. */
int aslrt_sleep_until(aslrt_ctx *c, int64_t until);

/* callback.c: --listen, task tokens, SendTask*, GetActivityTask */
int aslrt_listen_start(aslrt_run *r, const char *addr, char *why, size_t whylen);
void aslrt_listen_stop(void);
bool aslrt_listening(void);
/* Open a token before its request is sent (a fast worker may answer before
 * the Task waits); activity: the ARN whose workers get input, else NULL. */
void aslrt_cb_open(const char *token, const char *activity, struct json_object *input);
void aslrt_cb_close(const char *token);
/* A new task token for a state's attempt, unguessable (from getrandom). */
void aslrt_token_new(char *buf, size_t len, int state, int attempt);
/* Wait for the token's SendTaskSuccess/Failure within c's deadline and
 * heartbeat, or until a sibling's failure stops the job; closes the token. */
int aslrt_cb_wait(aslrt_ctx *c, const char *token, struct json_object **out);
/* Wake the Tasks waiting for a callback to see whether they were stopped. */
void aslrt_cb_wake(void);
/* call.c: the bindings file's implementations */
int aslrt_bindings_init(aslrt_run *r, const char *file, char *why, size_t whylen);
void aslrt_bindings_done(void);
/* 1 when nothing is bound to the Task; else 0 or -1 as aslrt_task_invoke. */
int aslrt_binding_call(aslrt_ctx *c, const char *resource, struct json_object *input,
		       struct json_object **out);
/* The bindings file's Connections entry for an EventBridge connection ARN
 * (borrowed; NULL: none). */
struct json_object *aslrt_bindings_connection(const char *arn);

/* httptask.c: arn:aws:states:::http:invoke */
int aslrt_http_task(aslrt_ctx *c, struct json_object *input, struct json_object **out);

#endif
