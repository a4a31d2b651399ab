/*
 * exec.c - the executor: loads the program's metadata, and implements the
 * aslrt_op_* calls generated code makes: entering and leaving states, paths,
 * templates, ResultPath, Choice tests, Wait, Fail, Retry/Catch (recover),
 * Parallel and Map on threads.
 *
 * Errors are values: an op that fails fills c->err and returns -1; the
 * generated code then calls aslrt_op_recover, which applies the state's Retry
 * and Catch tables as AWS does.  Each thread (machine, branch, iteration) has
 * its own aslrt_ctx and owns every json value it touches: inputs handed to a
 * thread are deep copies, since json-c's reference counts are not atomic.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "aws/aws.h"
#include "mathlib.h"

/* --- errors --- */

int aslrt_raise(aslrt_ctx *c, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *cause = NULL;
	va_start(ap, fmt);
	if (vasprintf(&cause, fmt, ap) < 0)
		cause = NULL;
	va_end(ap);
	aslrt_error_set(&c->err, name, "%s", cause ? cause : "");
	free(cause);
	return -1;
}

/* An error whose cause starts with AWS's prefix naming the state and the
 * event id of its StateEntered. */
static int vprefixed_error(aslrt_ctx *c, const char *name, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	const char *state = c->state >= 0 ? c->run->states[c->state].name : "";
	aslrt_error_set(&c->err, name,
			"An error occurred while executing the state '%s' (entered at the event id "
			"#%d). %s",
			state, c->entered_event, msg ? msg : "");
	free(msg);
	return -1;
}

/* States.Runtime: neither retried nor caught. */
int aslrt_runtime_error(aslrt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprefixed_error(c, "States.Runtime", fmt, ap);
	va_end(ap);
	return -1;
}

/* States.QueryEvaluationError: a JSONata field failed. */
int aslrt_query_error(aslrt_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprefixed_error(c, "States.QueryEvaluationError", fmt, ap);
	va_end(ap);
	return -1;
}

/* --- the clock --- */

int64_t aslrt_now_ms(aslrt_run *r)
{
	if (r->virtual_clock) {
		pthread_mutex_lock(&r->lock);
		int64_t t = r->clock_ms;
		pthread_mutex_unlock(&r->lock);
		return t;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether the run's deadline may have come, from the coarse clock (a quarter
 * of the precise one's cost): it lags by less than a tick, and the precise
 * clock is read once within lag_ms of the deadline.
 */
static int64_t coarse_lag_ms = -1; /* the coarse clock's tick, plus a margin */

static int64_t coarse_lag(void)
{
	struct timespec ts;
	int64_t lag = clock_getres(CLOCK_REALTIME_COARSE, &ts) == 0 && ts.tv_sec == 0
			  ? ts.tv_nsec / 1000000 + 50
			  : INT64_MAX / 2;
	__atomic_store_n(&coarse_lag_ms, lag, __ATOMIC_RELAXED);
	return lag;
}

static inline bool near_deadline(aslrt_run *r)
{
	if (!r->deadline_ms)
		return false;
	int64_t lag = __atomic_load_n(&coarse_lag_ms, __ATOMIC_RELAXED);
	struct timespec ts;
	if (lag < 0)
		lag = coarse_lag();
	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) != 0)
		return true;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + lag >= r->deadline_ms;
}

/* The last instant an ISO 8601 time with a 4-digit year can show:
 * 9999-12-31T23:59:59.999Z.  The virtual clock saturates there. */
#define RT_MAX_TIME_MS INT64_C(253402300799999)

void aslrt_sleep_ms(aslrt_run *r, int64_t ms)
{
	if (ms <= 0)
		return;
	if (r->virtual_clock) {
		pthread_mutex_lock(&r->lock);
		int64_t until =
		    ms > RT_MAX_TIME_MS - r->clock_ms ? RT_MAX_TIME_MS : r->clock_ms + ms;
		pthread_mutex_unlock(&r->lock);
		/* a Parallel branch or Map iteration lets the others run meanwhile */
		if (!aslrt_vsched_sleep(r, until)) {
			pthread_mutex_lock(&r->lock);
			r->clock_ms = until;
			pthread_mutex_unlock(&r->lock);
		}
		return;
	}
	if (aslrt_pool_sleep(ms)) /* a sibling's failure may end it early */
		return;
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ISO 8601 in UTC with milliseconds, as AWS prints Context times. */
char *aslrt_iso_time(int64_t ms)
{
	/* Always a valid timestamp: clamped to years 1970..9999. */
	if (ms < 0)
		ms = 0;
	if (ms > RT_MAX_TIME_MS)
		ms = RT_MAX_TIME_MS;
	char buf[25];
	aslrt_iso_utc(ms, buf);
	return strdup(buf);
}

/* --- loading the program --- */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

const char *const aslrt_setting_names[] = {
#define X(e, s) s,
#include "settings.h"
#undef X
};

struct json_object *aslrt_setting(aslrt_run *r, const aslrt_state *st, int key)
{
	return st->set[key] >= 0 ? r->consts[st->set[key]].json : NULL;
}

bool aslrt_setting_jsonata(aslrt_run *r, const aslrt_state *st, int key)
{
	return st->set[key] >= 0 && r->consts[st->set[key]].kind == RK_JSONATA;
}

/* The value as the definition gives it (a JSONata field's template). */
static struct json_object *setting_raw(aslrt_run *r, const aslrt_state *st, int key)
{
	struct json_object *v = aslrt_setting(r, st, key);
	return aslrt_setting_jsonata(r, st, key) ? get(v, "t") : v;
}

/* A constant the tables name, checked to be of the kind they need. */
static aslrt_const *table_const(aslrt_run *r, int k, int kind, const char *what, char *why,
				size_t whylen)
{
	if (k < 0 || k >= r->nconsts || r->consts[k].kind != kind) {
		snprintf(why, whylen, "%s names constant %d, not one of kind %d", what, k, kind);
		return NULL;
	}
	return &r->consts[k];
}

static int load_catchers(aslrt_run *r, aslrt_state *st, char *why, size_t whylen)
{
	const aslrt_state_def *d = st->def;
	st->ncatchers = d->ncatch;
	st->catchers = calloc((size_t)d->ncatch + 1, sizeof *st->catchers);
	if (!st->catchers)
		abort();
	for (int i = 0; i < d->ncatch; i++) {
		const aslrt_catch_def *cd = &d->catchers[i];
		aslrt_catcher *cc = &st->catchers[i];
		aslrt_const *k;
		cc->def = cd;
		cc->next = cd->next;
		for (int j = 0; j < cd->nerrors; j++)
			if (!table_const(r, cd->errors[j], RK_STR, "Catch", why, whylen))
				return -1;
		if (cd->result_path == -2)
			cc->discard = true;
		else if (cd->result_path >= 0) {
			if (!(k = table_const(r, cd->result_path, RK_PATH, "Catch", why, whylen)))
				return -1;
			cc->result_path = k->path;
		}
		int akind = st->jsonata ? RK_JSONATA : RK_ASSIGN;
		if (cd->assign >= 0) {
			if (!(k = table_const(r, cd->assign, akind, "Catch", why, whylen)))
				return -1;
			cc->assign = k->tmpl;
			cc->jassign = k->jt;
		}
		if (cd->output >= 0) {
			if (!(k = table_const(r, cd->output, RK_JSONATA, "Catch", why, whylen)))
				return -1;
			cc->joutput = k->jt;
		}
	}
	return 0;
}

/* The settings' pre-parsed forms (the constants were parsed at load). */
static int load_settings(aslrt_run *r, aslrt_state *st, char *why, size_t whylen)
{
	const aslrt_state_def *d = st->def;
	for (int i = 0; i < RS_COUNT; i++)
		st->set[i] = -1;
	for (int i = 0; i < d->nsettings; i++) {
		int key = d->settings[i].key, k = d->settings[i].k;
		if (key < 0 || key >= RS_COUNT || k < 0 || k >= r->nconsts) {
			snprintf(why, whylen, "state %s: bad setting %d (constant %d)", st->name,
				 key, k);
			return -1;
		}
		st->set[key] = k;
		aslrt_const *kc = &r->consts[k];
		/* The JSONata template settings: each fills one jnode field. */
		static const struct {
			int key;
			size_t off;
		} jt_fields[] = {
		    {RS_ITEM_SELECTOR, offsetof(aslrt_state, jitem_selector)},
		    {RS_ITEMS, offsetof(aslrt_state, jitems)},
		    {RS_SECONDS, offsetof(aslrt_state, jseconds)},
		    {RS_TIMESTAMP, offsetof(aslrt_state, jtimestamp)},
		    {RS_ERROR, offsetof(aslrt_state, jerror)},
		    {RS_CAUSE, offsetof(aslrt_state, jcause)},
		};
		for (size_t j = 0; j < sizeof jt_fields / sizeof jt_fields[0]; j++)
			if (jt_fields[j].key == key)
				*(jnode **)((char *)st + jt_fields[j].off) = kc->jt;
		switch (key) {
		case RS_ITEMS_PATH:
			st->items_path = kc->path;
			break;
		case RS_ERROR_PATH:
			st->error_expr = kc->expr;
			break;
		case RS_CAUSE_PATH:
			st->cause_expr = kc->expr;
			break;
		case RS_RESOURCE:
			st->resource = json_object_get_string(kc->json);
			break;
		case RS_DISTRIBUTED:
			st->distributed = json_object_get_boolean(kc->json);
			break;
		case RS_MAP_RUN:
			st->map_run = kc->json;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int load_state(aslrt_run *r, aslrt_state *st, const aslrt_state_def *d, char *why,
		      size_t whylen)
{
	st->def = d;
	st->name = d->name;
	st->type = d->type;
	st->scope = d->scope;
	st->jsonata = d->jsonata;
	st->retriers = d->retry;
	st->nretriers = d->nretry;
	for (int i = 0; i < d->nretry; i++)
		for (int j = 0; j < d->retry[i].nerrors; j++)
			if (!table_const(r, d->retry[i].errors[j], RK_STR, "Retry", why, whylen))
				return -1;
	st->branches = d->branches;
	st->nbranches = d->nbranches;
	if (d->scope < 0 || d->scope >= r->prog->nscopes) {
		snprintf(why, whylen, "state %s: bad scope %d", d->name, d->scope);
		return -1;
	}
	if (load_catchers(r, st, why, whylen) || load_settings(r, st, why, whylen))
		return -1;
	/* what aslrt_op_enter needs of the state, once and not per entry */
	const char *res = st->resource;
	st->token = res && (strstr(res, ".waitForTaskToken") || strstr(res, ".sync") ||
			    strstr(res, ":activity:"));
	st->keeps_input = st->set[RS_TIMEOUT_PATH] >= 0 || st->set[RS_HEARTBEAT_PATH] >= 0 ||
			  (st->set[RS_TIMEOUT] >= 0 &&
			   json_object_is_type(setting_raw(r, st, RS_TIMEOUT), json_type_string)) ||
			  (st->set[RS_HEARTBEAT] >= 0 &&
			   json_object_is_type(setting_raw(r, st, RS_HEARTBEAT), json_type_string));
	return 0;
}

/* Build a constant once from the program's table: its value (owned), and
 * paths, templates, JSONata fields and expressions pre-parsed. */
static int load_const(aslrt_const *rc, const aslrt_const_def *d, char *why, size_t whylen)
{
	rc->kind = d->kind;
	if (d->kind == RK_STR || d->kind == RK_PATH || d->kind == RK_KEY) {
		rc->json = json_object_new_string_len(d->text, (int)d->len);
	} else if (d->kind == RK_EXPR || d->kind == RK_JSONATA) {
		struct json_object *t = NULL;
		if (!d->at ||
		    (d->kind == RK_JSONATA && aslrt_json_parse(d->text, d->len, &t, why, whylen))) {
			if (!d->at)
				snprintf(why, whylen, "an %s constant without its field",
					 d->kind == RK_EXPR ? "expr" : "jsonata");
			return -1;
		}
		if (d->kind == RK_EXPR)
			t = json_object_new_string_len(d->text, (int)d->len);
		rc->json = json_object_new_object();
		json_object_object_add(rc->json, "at", json_object_new_string(d->at));
		json_object_object_add(rc->json, "t", t);
	} else if (d->kind == RK_JSON || d->kind == RK_ASSIGN) {
		if (aslrt_json_parse(d->text, d->len, &rc->json, why, whylen))
			return -1;
	} else {
		snprintf(why, whylen, "a constant of unknown kind %d", d->kind);
		return -1;
	}
	if (rc->kind == RK_KEY) {
		/* the generated program's static text outlives every object that
		 * holds the key (JSON_C_OBJECT_KEY_IS_CONSTANT) */
		if (strlen(d->text) != d->len) {
			snprintf(why, whylen, "a key constant holding a NUL byte");
			return -1;
		}
		rc->key = d->text;
		rc->hash = aslrt_key_hash(d->text);
	}
	/* a Choice rule's timestamp operand is compared as an instant on every
	 * test: parse it here, once (strlen: a NUL inside is no timestamp) */
	if (rc->kind == RK_JSON && json_object_is_type(rc->json, json_type_string) &&
	    strlen(json_object_get_string(rc->json)) ==
		(size_t)json_object_get_string_len(rc->json))
		rc->is_ts = aslrt_timestamp_parse(json_object_get_string(rc->json), &rc->ts);
	if (rc->kind == RK_PATH && !(rc->path = aslrt_path_parse(d->text, why, whylen)))
		return -1;
	if (rc->kind == RK_ASSIGN && !(rc->tmpl = aslrt_tmpl_compile(rc->json, true, why, whylen)))
		return -1;
	if (rc->kind == RK_JSONATA &&
	    !(rc->jt = aslrt_jtmpl_compile(get(rc->json, "t"), d->at, why, whylen)))
		return -1;
	if (rc->kind == RK_EXPR && !(rc->expr = aslrt_expr_compile(d->at, d->text, why, whylen)))
		return -1;
	return 0;
}

int aslrt_load(aslrt_run *r, const aslrt_program *prog)
{
	char why[ASLRT_ERRLEN] = "";
	r->prog = prog;
	pthread_mutex_init(&r->lock, NULL);
	aslrt_pool_init(r);
	if (aslrt_json_parse(prog->meta, prog->meta_len, &r->meta, why, sizeof why)) {
		fprintf(stderr, "aslrt: corrupt program metadata: %s\n", why);
		return -1;
	}
	r->name = json_object_get_string(get(r->meta, "name"));
	r->nconsts = prog->nconsts;
	r->consts = calloc((size_t)r->nconsts + 1, sizeof *r->consts);
	for (int i = 0; i < r->nconsts; i++)
		if (load_const(&r->consts[i], &prog->consts[i], why, sizeof why))
			goto bad;
	r->nstates = prog->nstates;
	r->states = calloc((size_t)r->nstates + 1, sizeof *r->states);
	for (int i = 0; i < r->nstates; i++)
		if (load_state(r, &r->states[i], &prog->states[i], why, sizeof why))
			goto bad;
	return 0;
bad:
	fprintf(stderr, "aslrt: corrupt program metadata: %s\n", why);
	return -1;
}

void aslrt_unload(aslrt_run *r)
{
	aslrt_thread_done();
	for (int i = 0; i < r->nconsts; i++) {
		aslrt_path_free(r->consts[i].path);
		aslrt_tmpl_free(r->consts[i].tmpl);
		aslrt_jtmpl_free(r->consts[i].jt);
		aslrt_tmpl_free(r->consts[i].expr);
		json_object_put(r->consts[i].json);
	}
	for (int i = 0; i < r->nstates; i++)
		free(r->states[i].catchers);
	free(r->consts);
	free(r->states);
	json_object_put(r->meta);
	json_object_put(r->context);
	json_object_put(r->mocks);
	aslrt_pool_shutdown(r);
	aslrt_vsched_free(r);
	pthread_mutex_destroy(&r->lock);
}

/* --- contexts --- */

/* This thread's copy of the run's Context object base (Execution,
 * StateMachine; never changed once the run starts).  Every context made on a
 * thread shares it instead of a deep copy each (an iteration copied
 * Execution.Input, O(input) per iteration).  No value holding its nodes
 * leaves the thread: a job's output is copied as the job ends (pool.c). */
static _Thread_local struct json_object *thread_base;

static struct json_object *base_for_thread(aslrt_run *r)
{
	if (!thread_base)
		thread_base = aslrt_json_copy(r->context);
	return json_object_get(thread_base);
}

/*
 * This thread's copies of the variables its contexts read from their
 * parents, by "parent-pointer/name", for the jobs of one batch: within a
 * batch the parents wait and never change their variables, so every job the
 * thread runs shares one copy instead of a deep copy each.  A job of another
 * batch empties the cache (its parents may have changed since).
 */
static _Thread_local struct json_object *thread_vars;
static _Thread_local unsigned long thread_vars_batch;

void aslrt_thread_batch(unsigned long id)
{
	if (id != thread_vars_batch) {
		json_object_put(thread_vars);
		thread_vars = NULL;
		thread_vars_batch = id;
	}
}

/* Contexts this thread freed, for the next ones it makes: every Parallel
 * branch and Map iteration makes one (b5: their malloc and free were 13%). */
#define CTX_CACHE 16
static _Thread_local aslrt_ctx *ctx_cache[CTX_CACHE];
static _Thread_local int nctx_cache;

/* This thread's copies of the scalar constants (string, number, boolean),
 * by constant index: every use on the thread shares one instead of a copy
 * each (b5: a leaf's "leaf": "L0.0", a malloc per branch).  Scalars are
 * never changed in place, and like thread_base's nodes they never leave the
 * thread uncopied; containers are still copied per use (a state's result
 * may be updated in place). */
static _Thread_local struct json_object **thread_consts;
static _Thread_local int nthread_consts;

void aslrt_thread_done(void)
{
	for (int i = 0; i < nthread_consts; i++)
		json_object_put(thread_consts[i]);
	free(thread_consts);
	thread_consts = NULL;
	nthread_consts = 0;
	while (nctx_cache)
		free(ctx_cache[--nctx_cache]);
	json_object_put(thread_base);
	thread_base = NULL;
	json_object_put(thread_vars);
	thread_vars = NULL;
	thread_vars_batch = 0;
}

/* sizeof (aslrt_ctx), read through a volatile: a memset of a constant
 * size this large is inlined as `rep stos`, whose start-up was most of
 * aslrt_ctx_new (b5: 5%, a context per branch); libc's memset is quicker. */
static volatile size_t ctx_size = sizeof(aslrt_ctx);

aslrt_ctx *aslrt_ctx_new(aslrt_run *r, aslrt_ctx *parent)
{
	aslrt_ctx *c = nctx_cache ? ctx_cache[--nctx_cache] : malloc(sizeof *c);
	if (!c)
		abort();
	memset(c, 0, ctx_size);
	c->run = r;
	c->state = -1;
	c->retry_state = -1;
	c->lane = -1;
	c->vars = NULL;	    /* made on the first variable: most branches set none */
	c->parent = parent; /* the parent's variables are read through it */
	/* within a child execution, its Context object, made when read */
	c->child = parent ? parent->child : NULL;
	/* c->base: this thread's base when the Context object is first read
	 * (aslrt_ctx_context), not per context (most branches never read it) */
	return c;
}

/* A child execution's Context object base: the execution's, with the
 * child's Execution Id, Input, StartTime, Name and StateMachine (a new tree
 * for this thread: the child's parts are only read). */
static struct json_object *child_base(aslrt_run *r, const aslrt_child *ch)
{
	struct json_object *base = aslrt_json_copy(r->context);
	struct json_object *e = get(base, "Execution"), *sm = get(base, "StateMachine");
	char *id = NULL, *t = aslrt_iso_time(ch->start_ms);
	if (asprintf(&id, "%s:%s%s", ch->run->exec_prefix, ch->name, ch->arn_tail) < 0)
		abort();
	json_object_object_add(e, "Id", json_object_new_string(id));
	if (get(e, "Input"))
		json_object_object_add(e, "Input", aslrt_json_copy(ch->input));
	json_object_object_add(e, "StartTime", json_object_new_string(t));
	json_object_object_add(e, "Name", json_object_new_string(ch->name));
	json_object_object_add(e, "RedriveCount", json_object_new_int(0));
	const char *smid = ch->run->sm_arn, *smname = strstr(smid, ":stateMachine:");
	json_object_object_add(sm, "Id", json_object_new_string(smid));
	json_object_object_add(sm, "Name", json_object_new_string(smname ? smname + 14 : smid));
	free(id);
	free(t);
	return base;
}

/*
 * A Distributed Map iteration (or batch) starts as a child execution, as in
 * AWS: its own name (a UUID), its ARN <Map Run's execution prefix>:<name>,
 * its Context object ($$.Execution.Id/Name/Input/StartTime of the child,
 * $$.StateMachine.Id/Name MACHINE/LABEL) and its own events.
 */
void aslrt_child_begin(aslrt_job *j, aslrt_ctx *c)
{
	aslrt_child *ch = calloc(1, sizeof *ch);
	if (!ch)
		abort();
	aslrt_aws_uuid(ch->name);
	ch->run = j->map_run;
	aslrt_child_arn_tail(ch->run, ch->arn_tail);
	ch->start_ms = aslrt_now_ms(c->run);
	/* its input, for $$.Execution.Input, only where the machine reads it */
	if (get(get(c->run->context, "Execution"), "Input"))
		ch->input = aslrt_json_copy(j->input);
	j->child = c->child = ch;
	json_object_put(c->base);
	c->base = NULL; /* child_base(), when the Context object is read */
	aslrt_ctx_changed(c);
}

/* Build the Context object from the base and this thread's state.  A new
 * object each time: outputs may hold the previous one. */
struct json_object *aslrt_ctx_context(aslrt_ctx *c)
{
	if (c->context)
		return c->context;
	if (!c->base)
		c->base = c->child ? child_base(c->run, c->child) : base_for_thread(c->run);
	struct json_object *o = aslrt_json_shallow_copy(c->base);
	if (c->state >= 0) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "Name",
				       json_object_new_string(c->run->states[c->state].name));
		char *t = aslrt_iso_time(c->entered_ms);
		json_object_object_add(s, "EnteredTime", json_object_new_string(t));
		free(t);
		json_object_object_add(s, "RetryCount", json_object_new_int(c->retry_count));
		json_object_object_add(o, "State", s);
	}
	if (c->task_token[0]) {
		struct json_object *task = json_object_new_object();
		json_object_object_add(task, "Token", json_object_new_string(c->task_token));
		json_object_object_add(o, "Task", task);
	}
	if (c->map_item) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "Item", json_object_get(c->map_item));
		json_object_object_add(o, "Map", m);
	}
	c->context = o;
	return o;
}

void aslrt_ctx_changed(aslrt_ctx *c)
{
	json_object_put(c->context);
	c->context = NULL;
}

void aslrt_ctx_free(aslrt_ctx *c)
{
	if (!c)
		return;
	/* most of these are NULL in a branch's context: no call for them */
	if (c->err.name || c->err.cause)
		aslrt_error_clear(&c->err);
	if (c->undo.root)
		aslrt_path_undo_drop(&c->undo);
	struct json_object *held[] = {c->vars,	   c->base,	  c->context,
				      c->map_item, c->task_input, c->assigned};
	for (size_t i = 0; i < sizeof held / sizeof *held; i++)
		if (held[i])
			json_object_put(held[i]);
	if (c->lane_path)
		free(c->lane_path);
	if (c->attempts)
		free(c->attempts);
	if (nctx_cache < CTX_CACHE)
		ctx_cache[nctx_cache++] = c;
	else
		free(c);
}

static struct json_object *ctx_context_of(void *c)
{
	return aslrt_ctx_context(c);
}

/* A variable of an enclosing scope, copied into c's own on its first read
 * here.  The parents wait for c and never change their variables meanwhile,
 * so reading (and deep-copying) them from several threads is safe; sharing
 * the nodes themselves is not (json-c's reference counts are not atomic). */
static struct json_object *own_vars(aslrt_ctx *c)
{
	if (!c->vars)
		c->vars = json_object_new_object();
	return c->vars;
}

static bool var_lookup(aslrt_ctx *c, const char *name, struct json_object **v)
{
	if (json_object_object_get_ex(c->vars, name, v))
		return true;
	for (aslrt_ctx *p = c->parent; p; p = p->parent)
		if (json_object_object_get_ex(p->vars, name, v)) {
			char *key = NULL;
			struct json_object *copy;
			if (asprintf(&key, "%p/%s", (void *)p, name) < 0)
				abort();
			if (!thread_vars)
				thread_vars = json_object_new_object();
			if (!json_object_object_get_ex(thread_vars, key, &copy)) {
				copy = aslrt_json_copy(*v);
				json_object_object_add(thread_vars, key, copy);
			}
			free(key);
			*v = copy;
			json_object_object_add(own_vars(c), name, json_object_get(copy));
			return true;
		}
	return false;
}

static bool env_fetch_var(const aslrt_env *env, const char *name, struct json_object **v)
{
	return var_lookup(env->owner, name, v);
}

void aslrt_vars_all(aslrt_ctx *c)
{
	own_vars(c); /* readers iterate it */
	for (aslrt_ctx *p = c->parent; p; p = p->parent) {
		if (!p->vars)
			continue;
		json_object_object_foreach(p->vars, key, val)
		{
			(void)val;
			struct json_object *v;
			var_lookup(c, key, &v);
		}
	}
}

void aslrt_ctx_release(aslrt_ctx *c)
{
	json_object_put(c->vars);
	json_object_put(c->base);
	json_object_put(c->context);
	json_object_put(c->map_item);
	/* a failure after an Assign leaves its values (this thread's nodes:
	 * variables, constants) here: released on this thread too */
	json_object_put(c->assigned);
	json_object_put(c->task_input);
	c->vars = c->base = c->context = c->map_item = c->assigned = c->task_input = NULL;
}

void aslrt_env_make(aslrt_ctx *c, struct json_object *input, aslrt_env *env)
{
	env->input = input;
	env->context = NULL;
	env->context_of = ctx_context_of;
	env->arg = c;
	env->vars = c->vars;
	env->fetch_var = env_fetch_var;
	env->owner = c;
}

int aslrt_run_scope(aslrt_ctx *c, int scope, struct json_object *input, struct json_object **out)
{
	return c->run->prog->scopes[scope](c, input, out);
}

/* A ...Path field's value: the Reference Path text evaluated on input
 * (*sel a new reference), or -1 with AWS's "Invalid path" error. */
int aslrt_path_select(aslrt_ctx *c, const char *text, struct json_object *input,
		      struct json_object **sel)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *path = aslrt_path_parse(text, why, sizeof why);
	aslrt_env env;
	aslrt_env_make(c, input, &env);
	*sel = NULL;
	if (!path || aslrt_path_eval(path, &env, sel, why, sizeof why) != 0) {
		aslrt_path_free(path);
		return aslrt_runtime_error(c, "Invalid path '%s' : %s", text, why);
	}
	aslrt_path_free(path);
	return 0;
}

/* --- ops: states --- */

int aslrt_op_enter(aslrt_ctx *c, int state, struct json_object *input)
{
	aslrt_run *r = c->run;
	aslrt_state *st = &r->states[state];
	/* The precise clock only where its reading shows: $$.State.EnteredTime,
	 * the events, a deadline near; aslrt_expired's test with the time kept. */
	bool stamp = r->virtual_clock || !r->ctx_unread || aslrt_events_read(r);
	int64_t now = stamp || near_deadline(r) ? aslrt_now_ms(r) : 0;
	if ((r->deadline_ms && now >= r->deadline_ms) || aslrt_history_full(r))
		return aslrt_expired_error(c);
	if (aslrt_job_stopped(r))
		return aslrt_aborted_error(c);
	bool retry = c->retry_state == state; /* a Retry enters no state again */
	if (!retry) {
		c->retry_state = state;
		c->retry_count = 0;
		if (st->nretriers > c->nattempts) {
			free(c->attempts);
			c->attempts = malloc((size_t)st->nretriers * sizeof *c->attempts);
			if (!c->attempts)
				abort();
			c->nattempts = st->nretriers;
		}
		if (st->nretriers)
			memset(c->attempts, 0, (size_t)st->nretriers * sizeof *c->attempts);
	}
	c->state = state;
	if (!retry)
		c->entered_event = aslrt_event(c, EV_STATE_ENTERED, state, input, 0);
	if (r->virtual_clock)
		aslrt_vsched_entered(r); /* its sibling branches start theirs */
	if (aslrt_job_stopped(r))
		return aslrt_aborted_error(c);
	c->entered_ms = r->virtual_clock ? aslrt_now_ms(r) : now;
	/* Callback, .sync and activity Tasks get a task token, new on every attempt. */
	c->task_token[0] = 0;
	if (st->token)
		aslrt_token_new(c->task_token, sizeof c->task_token, state, c->retry_count);
	/* TimeoutSecondsPath & co. read the state input, not the Task's effective input */
	json_object_put(c->task_input);
	c->task_input = st->keeps_input ? json_object_get(input) : NULL;
	aslrt_ctx_changed(c);
	return 0;
}

/*
 * A plain state's entry (lower.c: no Retry, Resource or timeout, so no table
 * to read): where nothing shows it (aslrt_run_quiet) and no deadline is near,
 * it only takes its StateEntered's id; otherwise, and on a re-entry (a
 * catcher's Next back to the state), aslrt_op_enter's rules apply.  What it
 * sets is what aslrt_op_enter sets there: the clock unread (entered_ms 0),
 * no attempts to reset, no task token, no input kept for a timeout's path.
 */
int aslrt_op_enter_plain(aslrt_ctx *c, int state, struct json_object *input)
{
	aslrt_run *r = c->run;
	if (!aslrt_run_quiet(r) || c->retry_state == state || near_deadline(r) ||
	    !aslrt_event_is_bare(c))
		return aslrt_op_enter(c, state, input);
	c->retry_state = state;
	c->retry_count = 0;
	c->state = state;
	c->entered_event = aslrt_event_bare(c, EV_STATE_ENTERED);
	c->entered_ms = 0;
	c->task_token[0] = 0;
	if (c->task_input) {
		json_object_put(c->task_input);
		c->task_input = NULL;
	}
	aslrt_ctx_changed(c);
	return 0;
}

int aslrt_op_exit(aslrt_ctx *c, int state, struct json_object *output)
{
	/* One walk that stops as soon as a limit is passed. */
	int lim = aslrt_json_check_limits(output, c->run->payload_limit, NULL);
	if (lim == 1)
		return aslrt_raise(
		    c, "States.DataLimitExceeded",
		    "The state/task '%s' returned a result with a size exceeding the "
		    "maximum number of bytes service limit.",
		    c->run->states[state].name);
	if (lim == 2)
		return aslrt_raise(c, "States.DataLimitExceeded",
				   "The state/task '%s' returned a result nested deeper than the "
				   "limit of " ASLRT_JSON_MAX_DEPTH_TEXT " levels.",
				   c->run->states[state].name);
	if (aslrt_event_is_bare(c))
		aslrt_event_bare(c, EV_STATE_EXITED);
	else
		aslrt_event(c, EV_STATE_EXITED, state, output, 0);
	c->retry_state = -1;
	if (c->undo.root) /* the state succeeds: its ResultPath change stands */
		aslrt_path_undo_drop(&c->undo);
	return 0;
}

void aslrt_op_put(struct json_object *v)
{
	if (v != ASLRT_ABSENT)
		json_object_put(v);
}

int aslrt_op_leave(aslrt_ctx *c, int state, int rc, struct json_object **r0,
		   struct json_object *out, struct json_object **cur, int *next)
{
	if (rc >= 0) {
		aslrt_op_put(*r0);
		*cur = out;
		return rc;
	}
	switch (aslrt_op_recover(c, state, r0, next)) {
	case ASLRT_RETRY:
		return ASLRT_AGAIN;
	case ASLRT_CAUGHT:
		*cur = *r0;
		return 1;
	default:
		aslrt_op_put(*r0);
		*cur = NULL;
		return -1;
	}
}

struct json_object *aslrt_op_copy(struct json_object *v)
{
	return v == ASLRT_ABSENT ? NULL : json_object_get(v);
}

int aslrt_op_const(aslrt_ctx *c, int k, struct json_object **dst)
{
	if (k < nthread_consts && thread_consts[k]) { /* not even the table read */
		*dst = json_object_get(thread_consts[k]);
		return 0;
	}
	struct json_object *v = c->run->consts[k].json;
	json_type t = json_object_get_type(v);
	if (t == json_type_object || t == json_type_array || t == json_type_null) {
		*dst = aslrt_json_copy(v);
		return 0;
	}
	if (!thread_consts) {
		nthread_consts = c->run->nconsts;
		thread_consts = calloc((size_t)nthread_consts + 1, sizeof *thread_consts);
		if (!thread_consts)
			abort();
	}
	if (k >= nthread_consts) { /* not this thread's run: never expected */
		*dst = aslrt_json_copy(v);
		return 0;
	}
	if (!thread_consts[k])
		thread_consts[k] = aslrt_json_copy(v);
	*dst = json_object_get(thread_consts[k]);
	return 0;
}

struct json_object *aslrt_op_field(struct json_object *v, const char *key)
{
	struct json_object *f;
	if (v == ASLRT_ABSENT || !json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, key, &f))
		return ASLRT_ABSENT;
	return f;
}

struct json_object *aslrt_op_fieldk(aslrt_ctx *c, struct json_object *v, int k)
{
	const aslrt_const *kc = &c->run->consts[k];
	struct json_object *f;
	if (v == ASLRT_ABSENT || !aslrt_key_get(v, kc->key, kc->hash, &f))
		return ASLRT_ABSENT;
	return f;
}

struct json_object *aslrt_op_index(struct json_object *v, long index)
{
	if (v == ASLRT_ABSENT || !json_object_is_type(v, json_type_array))
		return ASLRT_ABSENT;
	long n = (long)json_object_array_length(v);
	if (index < 0)
		index += n;
	if (index < 0 || index >= n)
		return ASLRT_ABSENT;
	return json_object_array_get_idx(v, (size_t)index);
}

struct json_object *aslrt_op_context(aslrt_ctx *c)
{
	return aslrt_ctx_context(c);
}

struct json_object *aslrt_op_var(aslrt_ctx *c, int k)
{
	struct json_object *v;
	if (!var_lookup(c, json_object_get_string(c->run->consts[k].json), &v))
		return ASLRT_ABSENT;
	return v;
}

/* Why path k selected nothing from root, in AWS's words. */
static int path_miss(aslrt_ctx *c, int k, int choice, struct json_object *root)
{
	if (choice == 2) { /* a template's field: k is its expr */
		struct json_object *e = c->run->consts[k].json;
		char *in = aslrt_json_dump(root);
		aslrt_runtime_error(c,
				    "The JSONPath '%s' specified for the field '%s' could not be "
				    "found in the input '%s'",
				    json_object_get_string(get(e, "t")),
				    json_object_get_string(get(e, "at")), in);
		free(in);
		return -1;
	}
	if (choice == 3) { /* an intrinsic's path argument: k is {"fn", "t"} */
		struct json_object *e = c->run->consts[k].json;
		char *in = aslrt_json_dump(root);
		aslrt_runtime_error(
		    c,
		    "The function '%s' had the following error: The JsonPath "
		    "argument for the field '%s' could not be found in the input '%s'",
		    json_object_get_string(get(e, "fn")), json_object_get_string(get(e, "t")), in);
		free(in);
		return -1;
	}
	const char *text = json_object_get_string(c->run->consts[k].json);
	if (choice)
		return aslrt_runtime_error(c,
					   "Invalid path '%s': The choice state's condition path "
					   "references an invalid value.",
					   text);
	char why[ASLRT_ERRLEN] = "";
	aslrt_env env;
	struct json_object *v = NULL;
	aslrt_env_make(c, root, &env);
	if (aslrt_path_eval(c->run->consts[k].path, &env, &v, why, sizeof why) == 0)
		json_object_put(v);
	return aslrt_runtime_error(c, "Invalid path '%s' : %s", text, why);
}

int aslrt_op_require(aslrt_ctx *c, int k, int choice, struct json_object *v,
		     struct json_object *root, struct json_object **dst)
{
	if (v == ASLRT_ABSENT)
		return path_miss(c, k, choice, root);
	*dst = json_object_get(v);
	return 0;
}

int aslrt_op_need(aslrt_ctx *c, int k, struct json_object *v)
{
	return v == ASLRT_ABSENT ? path_miss(c, k, 1, NULL) : 0;
}

int aslrt_op_path(aslrt_ctx *c, int k, struct json_object *input, struct json_object **dst)
{
	aslrt_env env;
	char why[ASLRT_ERRLEN];
	aslrt_env_make(c, input, &env);
	if (aslrt_path_eval(c->run->consts[k].path, &env, dst, why, sizeof why) == 0)
		return 0;
	return aslrt_runtime_error(c, "Invalid path '%s' : %s",
				   json_object_get_string(c->run->consts[k].json), why);
}

struct json_object *aslrt_op_object(void)
{
	return json_object_new_object();
}

struct json_object *aslrt_op_array(void)
{
	return json_object_new_array();
}

void aslrt_op_setkey(struct json_object *o, const char *key, struct json_object **v)
{
	json_object_object_add_ex(o, key, *v, JSON_C_OBJECT_KEY_IS_CONSTANT);
	*v = NULL;
}

void aslrt_op_setkeyk(aslrt_ctx *c, struct json_object *o, int k, struct json_object **v)
{
	const aslrt_const *kc = &c->run->consts[k];
	aslrt_key_set(o, kc->key, kc->hash, *v, true);
	*v = NULL;
}

void aslrt_op_addkey(aslrt_ctx *c, struct json_object *o, int k, struct json_object **v)
{
	const aslrt_const *kc = &c->run->consts[k];
	aslrt_key_add_new(o, kc->key, kc->hash, *v);
	*v = NULL;
}

struct json_object *aslrt_op_object_n(int n)
{
	struct json_object *o = aslrt_object_sized(n > 0 ? (size_t)n : 0);
	if (!o)
		abort();
	return o;
}

void aslrt_op_push(struct json_object *a, struct json_object **v)
{
	json_object_array_add(a, *v);
	*v = NULL;
}

int aslrt_op_expr(aslrt_ctx *c, int k, struct json_object *input, struct json_object **dst)
{
	return aslrt_tmpl_eval(c, c->run->consts[k].expr, input, dst);
}

/*
 * ResultPath: the result stored into the state input.  An input the state
 * holds the only reference to (aslrt_json_unique: no variable, Context,
 * sibling branch, history or Task record can reach it) dies with the state,
 * so it is changed in place rather than copied.  u records the change
 * until the state's exit succeeds (aslrt_op_exit); if the state fails
 * before, aslrt_op_recover takes it back: Retry and Catch start again from
 * the input.
 */
static int store_result(aslrt_ctx *c, const aslrt_path *p, struct json_object *input,
			struct json_object *result, struct json_object **dst, aslrt_path_undo *u)
{
	char why[ASLRT_ERRLEN];
	/* the result first: one that is the input makes the input shared */
	struct json_object *val = json_object_get(result), *root;
	int rc;
	if (aslrt_json_unique(input)) {
		root = json_object_get(input);
		rc = aslrt_path_store_owned(p, &root, val, u, why, sizeof why);
	} else {
		root = aslrt_json_shallow_copy(input);
		rc = aslrt_path_store(p, &root, val, why, sizeof why);
	}
	if (rc) {
		json_object_put(root);
		char *in = aslrt_json_dump(input);
		aslrt_raise(
		    c, "States.ResultPathMatchFailure",
		    "An error occurred while executing the state '%s' (entered at the event id "
		    "#%d). Unable to apply ReferencePath %s to input %s",
		    c->run->states[c->state].name, c->entered_event, aslrt_path_text(p), in);
		free(in);
		return -1;
	}
	*dst = root;
	return 0;
}

int aslrt_op_result_path(aslrt_ctx *c, int k, struct json_object *input, struct json_object *result,
			 struct json_object **dst)
{
	aslrt_path_undo_drop(&c->undo); /* none: aslrt_op_exit or _recover ended the last */
	return store_result(c, c->run->consts[k].path, input, result, dst, &c->undo);
}

/* Variables obey the depth limit of state outputs (vals is borrowed). */
static int vars_too_deep(aslrt_ctx *c, struct json_object *vals)
{
	json_object_object_foreach(vals, key, val)
	{
		if (aslrt_json_check_limits(val, 0, NULL) == 2) {
			aslrt_raise(
			    c, "States.DataLimitExceeded",
			    "The value assigned to the variable '%s' is nested deeper than the "
			    "limit of " ASLRT_JSON_MAX_DEPTH_TEXT " levels.",
			    key);
			return -1;
		}
	}
	return 0;
}

/* Evaluate every variable first, then assign them all: Assign sees the
 * values from before the state. */
static int assign_vars(aslrt_ctx *c, const tnode *t, struct json_object *input)
{
	struct json_object *vals;
	if (aslrt_tmpl_eval(c, t, input, &vals))
		return -1;
	int rc = aslrt_op_assign(c, vals);
	json_object_put(vals);
	return rc;
}

int aslrt_op_assign(aslrt_ctx *c, struct json_object *vals)
{
	if (vars_too_deep(c, vals))
		return -1;
	aslrt_history_assigned(c, vals);
	json_object_object_foreach(vals, key, val)
	    json_object_object_add(own_vars(c), key, json_object_get(val));
	return 0;
}

int aslrt_op_jeval(aslrt_ctx *c, int k, struct json_object *input, int has_result,
		   struct json_object *result, struct json_object **dst)
{
	return aslrt_jtmpl_eval(c, c->run->consts[k].jt, input, has_result ? result : ASLRT_ABSENT,
				NULL, dst);
}

/* Evaluate every variable, then assign them all (Assign sees the values from
 * before the state, as Output does). */
static int jassign_vars(aslrt_ctx *c, const jnode *t, struct json_object *input,
			struct json_object *result, struct json_object *error_output)
{
	struct json_object *vals;
	if (aslrt_jtmpl_eval(c, t, input, result, error_output, &vals))
		return -1;
	if (vars_too_deep(c, vals)) {
		json_object_put(vals);
		return -1;
	}
	aslrt_history_assigned(c, vals);
	json_object_object_foreach(vals, key, val)
	    json_object_object_add(own_vars(c), key, json_object_get(val));
	json_object_put(vals);
	return 0;
}

int aslrt_op_jassign(aslrt_ctx *c, int k, struct json_object *input, int has_result,
		     struct json_object *result)
{
	return jassign_vars(c, c->run->consts[k].jt, input, has_result ? result : ASLRT_ABSENT,
			    NULL);
}

int aslrt_op_jcond(aslrt_ctx *c, int k, struct json_object *input)
{
	struct json_object *v = NULL;
	if (aslrt_jtmpl_eval(c, c->run->consts[k].jt, input, ASLRT_ABSENT, NULL, &v))
		return -1;
	if (!json_object_is_type(v, json_type_boolean)) {
		char *s = aslrt_json_dump(v);
		aslrt_query_error(
		    c,
		    "The JSONata expression '%s' specified for the field '%s' returned an "
		    "unexpected result type. Expected 'boolean', but was '%s' for value: %s",
		    aslrt_jtmpl_text(c->run->consts[k].jt),
		    json_object_get_string(get(c->run->consts[k].json, "at")),
		    aslrt_json_type_name(v), s);
		free(s);
		json_object_put(v);
		return -1;
	}
	int r = json_object_get_boolean(v);
	json_object_put(v);
	return r;
}

int aslrt_op_task(aslrt_ctx *c, int state, struct json_object *input, struct json_object **dst)
{
	aslrt_event(c, EV_TASK_SCHEDULED, state, input, 0);
	/* an activity a worker takes on --listen starts when it is taken (callback.c) */
	if (!aslrt_activity_worker(c->run, &c->run->states[state]))
		aslrt_event(c, EV_TASK_STARTED, state, NULL, 0);
	int rc = aslrt_journal_task(c, &c->run->states[state], input, dst);
	aslrt_event(c, rc ? EV_TASK_FAILED : EV_TASK_SUCCEEDED, state, rc ? NULL : *dst, 0);
	return rc;
}

int aslrt_op_fail(aslrt_ctx *c, int state, struct json_object *input)
{
	aslrt_state *st = &c->run->states[state];
	struct json_object *e = setting_raw(c->run, st, RS_ERROR),
			   *cause = setting_raw(c->run, st, RS_CAUSE);
	struct json_object *ev = NULL, *cv = NULL;
	if (st->error_expr && aslrt_tmpl_eval(c, st->error_expr, input, &ev))
		return -1;
	if (st->cause_expr && aslrt_tmpl_eval(c, st->cause_expr, input, &cv)) {
		json_object_put(ev);
		return -1;
	}
	if (st->jerror && aslrt_jtmpl_eval(c, st->jerror, input, ASLRT_ABSENT, NULL, &ev))
		return -1;
	if (st->jcause && aslrt_jtmpl_eval(c, st->jcause, input, ASLRT_ABSENT, NULL, &cv)) {
		json_object_put(ev);
		return -1;
	}
	const char *en = ev ? json_object_get_string(ev) : e ? json_object_get_string(e) : NULL;
	const char *cn = cv	 ? json_object_get_string(cv)
			 : cause ? json_object_get_string(cause)
				 : NULL;
	aslrt_error_clear(&c->err);
	c->err.name = en ? strdup(en) : NULL;
	c->err.cause = cn ? strdup(cn) : NULL;
	json_object_put(ev);
	json_object_put(cv);
	return -1;
}

int aslrt_op_nomatch(aslrt_ctx *c, int state)
{
	(void)state;
	return aslrt_raise(c, "States.NoChoiceMatched", "No Matches!");
}

int aslrt_op_test(aslrt_ctx *c, int cmp, int k, struct json_object *v, struct json_object *operand)
{
	aslrt_const *kc = &c->run->consts[k];
	if (aslrt_cmp_operands[cmp] != ASLRT_OPND_PATH)
		return aslrt_cmp_apply_const((aslrt_cmp)cmp, v, kc->json,
					     kc->is_ts ? &kc->ts : NULL);
	if (operand == ASLRT_ABSENT)
		return aslrt_runtime_error(c,
					   "Invalid path '%s': The choice state's condition path "
					   "references an invalid value.",
					   json_object_get_string(kc->json));
	return aslrt_cmp_apply(aslrt_cmp_base((aslrt_cmp)cmp), v, operand);
}

/* --- Retry and Catch --- */

#define RT_MAX_RETRY_DELAY_S 31622400.0

/* Does ErrorEquals (string constants) match the error name? */
static bool matches(aslrt_run *r, const int *errors, int n, const char *name, bool heartbeat)
{
	for (int i = 0; i < n; i++) {
		const char *e = json_object_get_string(r->consts[errors[i]].json);
		if (strcmp(e, "States.ALL") == 0 || strcmp(e, name) == 0)
			return true;
		if (heartbeat && strcmp(e, "States.HeartbeatTimeout") == 0)
			return true;
		if (strcmp(e, "States.TaskFailed") == 0 && strcmp(name, "States.Timeout") != 0 &&
		    strncmp(name, "States.", 7) != 0)
			return true;
	}
	return false;
}

/* A catcher's output is the state's: over the payload quota it fails the
 * execution with States.DataLimitExceeded (a terminal error, AWS's error
 * handling guide), naming the caught state, and goes to no Next.  Its
 * ResultPath change stands either way: the input is not retried. */
static int caught_exit(aslrt_ctx *c, int state, struct json_object *out)
{
	aslrt_path_undo_drop(&c->undo);
	if (aslrt_op_exit(c, state, out) == 0)
		return 0;
	json_object_put(out);
	return -1;
}

int aslrt_op_recover(aslrt_ctx *c, int state, struct json_object **cur, int *next)
{
	aslrt_state *st = &c->run->states[state];
	const char *name = c->err.name ? c->err.name : "";
	/* Retry and Catch start from the input as it was (store_result) */
	if (c->undo.root == *cur)
		aslrt_path_undo_apply(&c->undo);
	else
		aslrt_path_undo_drop(&c->undo);
	aslrt_event(c, EV_EVALUATION_FAILED, state, NULL, 0); /* JSONata's errors only */
	if (strcmp(name, "States.Runtime") == 0)
		return ASLRT_FAIL;
	if (aslrt_job_stopped(c->run))
		return ASLRT_FAIL; /* stopped: nothing retries or catches that */
	if (aslrt_expired(c->run)) {
		/* the execution timed out: nothing retries or catches that */
		aslrt_expired_error(c);
		return ASLRT_FAIL;
	}
	bool heartbeat = c->heartbeat_expired && strcmp(name, "States.Timeout") == 0;
	for (int i = 0; i < st->nretriers; i++) {
		const aslrt_retry_def *rr = &st->retriers[i];
		if (!matches(c->run, rr->errors, rr->nerrors, name, heartbeat))
			continue;
		if ((double)c->attempts[i] >= rr->max_attempts)
			break;
		double delay = rr->interval * aslrt_pow(rr->backoff, (double)c->attempts[i]);
		if (rr->max_delay > 0 && delay > rr->max_delay)
			delay = rr->max_delay;
		/* Saturating: never beyond AWS's largest MaxDelaySeconds (366 days),
		 * whatever BackoffRate ** attempts came to (inf included). */
		if (!(delay <= RT_MAX_RETRY_DELAY_S))
			delay = RT_MAX_RETRY_DELAY_S;
		if (rr->jitter)
			delay = delay * ((double)rand() / RAND_MAX);
		c->attempts[i]++;
		c->retry_count++;
		if (aslrt_sleep_until(c, aslrt_now_ms(c->run) + (int64_t)(delay * 1000)))
			return ASLRT_FAIL;
		aslrt_error_clear(&c->err);
		return ASLRT_RETRY;
	}
	for (int i = 0; i < st->ncatchers; i++) {
		aslrt_catcher *cc = &st->catchers[i];
		if (!matches(c->run, cc->def->errors, cc->def->nerrors, name, heartbeat))
			continue;
		struct json_object *eo = aslrt_error_output(&c->err), *out;
		aslrt_error_clear(&c->err);
		if (st->jsonata) {
			if (cc->joutput) {
				if (aslrt_jtmpl_eval(c, cc->joutput, *cur, ASLRT_ABSENT, eo,
						     &out)) {
					json_object_put(eo);
					return ASLRT_FAIL;
				}
			} else {
				out = json_object_get(eo);
			}
			if (cc->jassign && jassign_vars(c, cc->jassign, *cur, ASLRT_ABSENT, eo)) {
				json_object_put(out);
				json_object_put(eo);
				return ASLRT_FAIL;
			}
			json_object_put(eo);
			if (caught_exit(c, state, out))
				return ASLRT_FAIL;
			json_object_put(*cur);
			*cur = out;
			*next = cc->next;
			return ASLRT_CAUGHT;
		}
		if (cc->assign && assign_vars(c, cc->assign, eo)) {
			json_object_put(eo);
			return ASLRT_FAIL;
		}
		if (cc->discard) {
			out = json_object_get(*cur);
		} else if (!cc->result_path) {
			out = json_object_get(eo);
		} else if (store_result(c, cc->result_path, *cur, eo, &out, &c->undo)) {
			json_object_put(eo);
			return ASLRT_FAIL;
		}
		json_object_put(eo);
		if (caught_exit(c, state, out))
			return ASLRT_FAIL;
		json_object_put(*cur);
		*cur = out;
		*next = cc->next;
		return ASLRT_CAUGHT;
	}
	return ASLRT_FAIL;
}
