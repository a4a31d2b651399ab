/*
 * history.c - the execution's events as AWS records them (GetExecutionHistory):
 * ids handed out in order, previousEventId chains, each event's details; the
 * --history file, the --trace lines for people.
 *
 * Event ids are always counted (error causes cite "entered at the event id
 * #N"); the events themselves are built only when something reads them.
 *
 * previousEventId, as AWS's histories show it: the first state of the
 * execution points at 0; a state's events chain within its thread; a Parallel
 * branch starts from ParallelStateStarted, a Map iteration's
 * MapIterationStarted from the last event of the iteration before it (or
 * MapStateStarted); the Succeeded events of Parallel, Map, Map Runs and
 * iterations are passed by (the event after one points where it pointed),
 * Failed ones are not.  (MapRunSucceeded is passed by since AWS changed it
 * between August and November 2024: every LocalStack recording from before
 * points MapStateExited at MapRunSucceeded, every one since at MapRunStarted;
 * tests/history/SOURCE.md.)
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"

static const char *const type_names[] = {
#define X(id, name) [id] = name,
    RT_EVENTS(X)
#undef X
};

const char *aslrt_event_name(int type)
{
	return type >= 0 && type < EV_COUNT ? type_names[type] : "?";
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* A Task's resource as history events name it: "arn:aws:states:::lambda:invoke"
 * is resourceType "lambda", resource "invoke"; aws-sdk integrations keep the
 * service in the type ("aws-sdk:s3", "getObject"). */
static void split_resource(const char *arn, char *type, size_t tlen, const char **res)
{
	static const char pre[] = "arn:aws:states:::";
	*res = arn;
	snprintf(type, tlen, "%s", "");
	if (strncmp(arn, pre, sizeof pre - 1) != 0)
		return;
	const char *s = arn + sizeof pre - 1, *colon = strchr(s, ':');
	if (colon && strncmp(s, "aws-sdk:", 8) == 0)
		colon = strchr(colon + 1, ':');
	if (!colon)
		return;
	snprintf(type, tlen, "%.*s", (int)(colon - s), s);
	*res = colon + 1;
}

/* Which family of Task events a state's Resource gets. */
enum { FAM_TASK, FAM_LAMBDA, FAM_ACTIVITY };

static int task_family(const char *arn)
{
	if (strncmp(arn, "arn:aws:lambda:", 15) == 0)
		return FAM_LAMBDA;
	if (strstr(arn, ":activity:"))
		return FAM_ACTIVITY;
	return FAM_TASK;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* {"truncated": false}: aslc never truncates a value in its history */
static void add_details(struct json_object *o, const char *details)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "truncated", json_object_new_boolean(0));
	json_object_object_add(o, details, d);
}

static void add_dump(struct json_object *o, const char *k, const char *details,
		     struct json_object *v)
{
	char *s = aslrt_json_dump(v == ASLRT_ABSENT ? NULL : v);
	add_str(o, k, s);
	free(s);
	if (details)
		add_details(o, details);
}

static void add_error(struct json_object *o, const aslrt_error *e)
{
	if (e->name)
		add_str(o, "error", e->name);
	if (e->cause)
		add_str(o, "cause", e->cause);
}

/* The event as GetExecutionHistory returns it (new reference). */
static struct json_object *build(aslrt_ctx *c, int type, aslrt_state *st, struct json_object *value,
				 long index, int id, int prev, int64_t ms)
{
	aslrt_run *r = c->run;
	struct json_object *d = json_object_new_object();
	char name[96];
	const char *key = NULL, *res = NULL;
	char rtype[64] = "";
	int fam = FAM_TASK;
	if (st && strcmp(st->type, "Task") == 0) {
		const char *arn = st->resource;
		split_resource(arn ? arn : "", rtype, sizeof rtype, &res);
		fam = task_family(arn ? arn : "");
	}
	snprintf(name, sizeof name, "%s", aslrt_event_name(type));
	switch (type) {
	case EV_EXECUTION_STARTED:
		key = "executionStartedEventDetails";
		add_dump(d, "input", "inputDetails", value);
		add_str(d, "roleArn",
			json_object_get_string(get(get(r->context, "Execution"), "RoleArn")));
		break;
	case EV_EXECUTION_SUCCEEDED:
		key = "executionSucceededEventDetails";
		add_dump(d, "output", "outputDetails", value);
		break;
	case EV_EXECUTION_FAILED:
	case EV_EXECUTION_TIMED_OUT:
		key = type == EV_EXECUTION_FAILED ? "executionFailedEventDetails"
						  : "executionTimedOutEventDetails";
		add_error(d, &c->err);
		break;
	case EV_STATE_ENTERED:
		snprintf(name, sizeof name, "%sStateEntered", st->type);
		key = "stateEnteredEventDetails";
		add_str(d, "name", st->name);
		add_dump(d, "input", "inputDetails", value);
		break;
	case EV_STATE_EXITED:
		snprintf(name, sizeof name, "%sStateExited", st->type);
		key = "stateExitedEventDetails";
		add_str(d, "name", st->name);
		add_dump(d, "output", "outputDetails", value);
		if (c->assigned) {
			struct json_object *a = json_object_new_object();
			json_object_object_foreach(c->assigned, k, v) add_dump(a, k, NULL, v);
			json_object_object_add(d, "assignedVariables", a);
			add_details(d, "assignedVariablesDetails");
		}
		break;
	case EV_STATE_ABORTED:
		snprintf(name, sizeof name, "%sStateAborted", st->type);
		break;
	case EV_TASK_SCHEDULED:
		if (fam == FAM_LAMBDA) {
			snprintf(name, sizeof name, "LambdaFunctionScheduled");
			key = "lambdaFunctionScheduledEventDetails";
			add_str(d, "resource", res);
			add_dump(d, "input", "inputDetails", value);
		} else if (fam == FAM_ACTIVITY) {
			snprintf(name, sizeof name, "ActivityScheduled");
			key = "activityScheduledEventDetails";
			add_str(d, "resource", res);
			add_dump(d, "input", "inputDetails", value);
		} else {
			key = "taskScheduledEventDetails";
			add_str(d, "resourceType", rtype);
			add_str(d, "resource", res);
			add_str(d, "region", "us-east-1");
			add_dump(d, "parameters", NULL, value);
		}
		if (c->task_deadline_ms > 0)
			json_object_object_add(
			    d, "timeoutInSeconds",
			    json_object_new_int64((c->task_deadline_ms - c->entered_ms + 999) /
						  1000));
		if (c->task_heartbeat_ms > 0)
			json_object_object_add(d, "heartbeatInSeconds",
					       json_object_new_int64(c->task_heartbeat_ms / 1000));
		break;
	case EV_TASK_STARTED:
		if (fam == FAM_LAMBDA) {
			snprintf(name, sizeof name, "LambdaFunctionStarted");
		} else if (fam == FAM_ACTIVITY) {
			snprintf(name, sizeof name, "ActivityStarted");
			/* the workerName the worker gave GetActivityTask, if any
			 * (callback.c); a mocked or bound activity has none */
			key = "activityStartedEventDetails";
			if (json_object_is_type(value, json_type_string))
				add_str(d, "workerName", json_object_get_string(value));
		} else {
			key = "taskStartedEventDetails";
			add_str(d, "resourceType", rtype);
			add_str(d, "resource", res);
		}
		break;
	case EV_TASK_SUBMITTED:
		key = "taskSubmittedEventDetails";
		add_str(d, "resourceType", rtype);
		add_str(d, "resource", res);
		if (value)
			add_dump(d, "output", "outputDetails", value);
		break;
	case EV_TASK_SUCCEEDED:
		if (fam != FAM_TASK) {
			snprintf(name, sizeof name, "%s",
				 fam == FAM_LAMBDA ? "LambdaFunctionSucceeded"
						   : "ActivitySucceeded");
			key = fam == FAM_LAMBDA ? "lambdaFunctionSucceededEventDetails"
						: "activitySucceededEventDetails";
		} else {
			key = "taskSucceededEventDetails";
			add_str(d, "resourceType", rtype);
			add_str(d, "resource", res);
		}
		add_dump(d, "output", "outputDetails", value);
		break;
	case EV_TASK_FAILED:
	case EV_TASK_TIMED_OUT: {
		bool to = type == EV_TASK_TIMED_OUT;
		if (fam != FAM_TASK) {
			const char *f = fam == FAM_LAMBDA ? "LambdaFunction" : "Activity";
			snprintf(name, sizeof name, "%s%s", f, to ? "TimedOut" : "Failed");
			key = fam == FAM_LAMBDA ? (to ? "lambdaFunctionTimedOutEventDetails"
						      : "lambdaFunctionFailedEventDetails")
						: (to ? "activityTimedOutEventDetails"
						      : "activityFailedEventDetails");
		} else {
			key = to ? "taskTimedOutEventDetails" : "taskFailedEventDetails";
			add_str(d, "resourceType", rtype);
			add_str(d, "resource", res);
		}
		add_error(d, &c->err);
		break;
	}
	case EV_EVALUATION_FAILED: {
		key = "evaluationFailedEventDetails";
		add_error(d, &c->err);
		/* the field, as the cause names it: "... specified for the field
		 * 'X' ..." or "The X field cannot be ..." (Wait's Timestamp) */
		const char *f = c->err.cause ? strstr(c->err.cause, "for the field '") : NULL;
		const char *end = f ? strchr(f + 15, '\'') : NULL;
		if (f)
			f += 15;
		else if (c->err.cause && (f = strstr(c->err.cause, ". The ")) &&
			 (end = strstr(f + 6, " field cannot be ")))
			f += 6;
		if (end && (f[-1] == '\'' || !memchr(f, ' ', (size_t)(end - f)))) {
			char loc[256];
			snprintf(loc, sizeof loc, "%.*s", (int)(end - f), f);
			add_str(d, "location", loc);
		}
		add_str(d, "state", st->name);
		break;
	}
	case EV_MAP_STARTED:
		key = "mapStateStartedEventDetails";
		json_object_object_add(d, "length", json_object_new_int64(index));
		break;
	case EV_MAP_RUN_STARTED:
		key = "mapRunStartedEventDetails";
		add_str(d, "mapRunArn", json_object_get_string(value));
		break;
	case EV_MAP_RUN_FAILED:
		key = "mapRunFailedEventDetails";
		add_error(d, &c->err);
		break;
	case EV_MAP_ITERATION_STARTED:
	case EV_MAP_ITERATION_SUCCEEDED:
	case EV_MAP_ITERATION_FAILED:
	case EV_MAP_ITERATION_ABORTED:
		key = type == EV_MAP_ITERATION_STARTED	   ? "mapIterationStartedEventDetails"
		      : type == EV_MAP_ITERATION_SUCCEEDED ? "mapIterationSucceededEventDetails"
		      : type == EV_MAP_ITERATION_FAILED	   ? "mapIterationFailedEventDetails"
							   : "mapIterationAbortedEventDetails";
		add_str(d, "name", st->name);
		json_object_object_add(d, "index", json_object_new_int64(index));
		break;
	default:
		break;
	}
	struct json_object *e = json_object_new_object();
	char ts[32];
	snprintf(ts, sizeof ts, "%lld.%03d", (long long)(ms / 1000), (int)(ms % 1000));
	json_object_object_add(e, "timestamp", json_object_new_double_s((double)ms / 1000.0, ts));
	add_str(e, "type", name);
	json_object_object_add(e, "id", json_object_new_int(id));
	json_object_object_add(e, "previousEventId", json_object_new_int(prev));
	if (key)
		json_object_object_add(e, key, d);
	else
		json_object_put(d);
	return e;
}

/* Events after which the chain goes on from where it was. */
static bool passed_by(int type)
{
	return type == EV_MAP_ITERATION_SUCCEEDED || type == EV_MAP_ITERATION_FAILED ||
	       type == EV_MAP_ITERATION_ABORTED || type == EV_PARALLEL_SUCCEEDED ||
	       type == EV_MAP_SUCCEEDED || type == EV_MAP_RUN_SUCCEEDED || type == EV_STATE_ABORTED;
}

/* One line for people: time, id, event, state, where, attempt, error. */
static void trace_line(aslrt_ctx *c, struct json_object *e, aslrt_state *st, int type, int64_t ms)
{
	aslrt_run *r = c->run;
	char *t = aslrt_iso_time(ms);
	char where[64] = "", err[ASLRT_ERRLEN] = "", attempt[32] = "";
	if (c->lane >= 0)
		snprintf(where, sizeof where, " [%s %ld]", c->lane_map ? "iteration" : "branch",
			 c->lane);
	bool failed = type == EV_TASK_FAILED || type == EV_TASK_TIMED_OUT ||
		      type == EV_EXECUTION_FAILED || type == EV_EXECUTION_TIMED_OUT;
	if (failed)
		snprintf(err, sizeof err, " %s: %.400s", c->err.name ? c->err.name : "(no error)",
			 c->err.cause ? c->err.cause : "");
	if (type >= EV_TASK_SCHEDULED && type <= EV_TASK_TIMED_OUT)
		snprintf(attempt, sizeof attempt, " attempt %d", c->retry_count + 1);
	/* the activity worker that took it (at most 256 characters: callback.c) */
	const char *worker =
	    json_object_get_string(get(get(e, "activityStartedEventDetails"), "workerName"));
	fprintf(r->trace, "%s #%d %s%s%s%s%s%s%s%s\n", t, json_object_get_int(get(e, "id")),
		json_object_get_string(get(e, "type")), st ? " " : "", st ? st->name : "", where,
		attempt, worker ? " by " : "", worker ? worker : "", err);
	free(t);
}

/* Whether a Task's resource runs past its submission (.sync, callbacks). */
bool aslrt_task_submits(const aslrt_state *st)
{
	const char *arn = st->resource;
	return arn && (strstr(arn, ".sync") || strstr(arn, ".waitForTaskToken"));
}

void aslrt_task_submitted(aslrt_ctx *c, struct json_object *response)
{
	if (c->submitted || c->state < 0 || !aslrt_task_submits(&c->run->states[c->state]))
		return; /* one per attempt, and only where AWS records one */
	c->submitted = response ? 1 : 2;
	if (response)
		aslrt_event(c, EV_TASK_SUBMITTED, c->state, response, 0);
}

void aslrt_event_flush(aslrt_ctx *c)
{
	if (c->pending <= 0)
		return;
	int type = c->pending;
	c->pending = -type; /* record it now, not again later */
	aslrt_event(c, type, c->pending_state, NULL, 0);
	c->pending = 0;
}

/*
 * The history quota (25,000 events in Standard, --history-limit): as AWS's
 * developer guide says, the last event may only be ExecutionSucceeded;
 * anything else that would take it is dropped and the execution fails,
 * ExecutionFailed taking the last id.  Called with r->lock held.
 */
static bool over_quota(aslrt_ctx *c, int type)
{
	aslrt_run *r = c->run;
	if (!r->history_limit || type == EV_EXECUTION_SUCCEEDED || type == EV_EXECUTION_FAILED ||
	    type == EV_EXECUTION_TIMED_OUT)
		return false;
	if (r->quota_events >= r->history_limit - 1)
		r->history_full = true;
	if (!r->history_full && !c->in_child)
		r->quota_events++; /* the event about to be numbered counts */
	return r->history_full;
}

bool aslrt_history_full(aslrt_run *r)
{
	if (!r->history_limit) /* set before the run starts: no quota, never full */
		return false;
	pthread_mutex_lock(&r->lock);
	bool full = r->history_full;
	pthread_mutex_unlock(&r->lock);
	return full;
}

int aslrt_history_full_error(aslrt_ctx *c)
{
	aslrt_error_set(&c->err, "States.Runtime",
			"The execution reached the maximum execution history size of %d events",
			c->run->history_limit);
	c->heartbeat_expired = false;
	return -1;
}

/* The id, or 0 where the full path must record the event. */
static int bare_event(aslrt_ctx *c, int type)
{
	if ((type != EV_STATE_ENTERED && type != EV_STATE_EXITED) || !aslrt_event_is_bare(c))
		return 0;
	return aslrt_event_bare(c, type);
}

int aslrt_event(aslrt_ctx *c, int type, int state, struct json_object *value, long index)
{
	aslrt_run *r = c->run;
	aslrt_state *st = state >= 0 ? &r->states[state] : NULL;
	int bare = bare_event(c, type);
	if (bare)
		return bare;
	/* A job a sibling's failure stopped records only that it was aborted
	 * (vsched.c): not the failure its stopping looks like inside. */
	if (aslrt_job_stopped(r) && type != EV_STATE_ABORTED && type != EV_MAP_ITERATION_ABORTED &&
	    type != EV_EXECUTION_ABORTED)
		return 0;
	/* AWS records a JSONata evaluation's failure (no other, nor a pending
	 * failure then), pointing where the state's StateEntered pointed... */
	if (type == EV_EVALUATION_FAILED &&
	    (!c->err.name || strcmp(c->err.name, "States.QueryEvaluationError") != 0))
		return 0;
	/* A failed Map or Parallel that is retried starts again with no
	 * MapStateFailed in between (AWS); otherwise the failure is recorded
	 * before whatever comes next. */
	if (c->pending > 0 && (type == EV_MAP_STARTED || type == EV_PARALLEL_STARTED) &&
	    state == c->pending_state)
		c->pending = 0;
	if (c->pending > 0)
		aslrt_event_flush(c);
	if ((type == EV_MAP_FAILED || type == EV_PARALLEL_FAILED) && c->pending >= 0) {
		c->pending = type;
		c->pending_state = state;
		return 0;
	}
	if (type == EV_TASK_SCHEDULED)
		c->submitted = 0; /* a new attempt */
	if ((type == EV_TASK_SUCCEEDED || type == EV_TASK_FAILED) && !c->submitted &&
	    aslrt_task_submits(st))
		aslrt_event(c, EV_TASK_SUBMITTED, state, NULL, 0);
	if (type == EV_MAP_STARTED)
		c->map_end = c->run_end = 0;
	if (type == EV_MAP_SUCCEEDED && c->map_end > c->last_event)
		c->last_event = c->map_end; /* after the last MapIterationSucceeded */
	if (type == EV_TASK_FAILED && c->err.name && strcmp(c->err.name, "States.Timeout") == 0)
		type = EV_TASK_TIMED_OUT;
	/* ... except a Wait's, whose Seconds/Timestamp AWS evaluates after
	 * the WaitStateEntered its failure then points at */
	if (type == EV_EVALUATION_FAILED && strcmp(st->type, "Wait") != 0)
		c->last_event = c->entered_prev;
	int prev = c->last_event, id;
	if (type == EV_MAP_SUCCEEDED && c->run_end)
		prev = c->run_end; /* MapRunSucceeded, passed by after it (AWS) */
	int64_t ms =
	    r->history || r->trace || r->log || r->journal || r->metrics_file ? aslrt_now_ms(r) : 0;
	if (c->child) {
		/* a child execution's event: numbered in its own history, which
		 * the parent's does not show (AWS's GetExecutionHistory) */
		struct json_object *e =
		    r->history || r->trace ? build(c, type, st, value, index, 0, prev, ms) : NULL;
		pthread_mutex_lock(&r->lock);
		id = ++c->child->events;
		if (e) {
			json_object_object_add(e, "id", json_object_new_int(id));
			if (r->trace)
				trace_line(c, e, st, type, ms);
			if (!c->child->history)
				c->child->history = json_object_new_array();
			json_object_array_add(c->child->history, e);
		}
		pthread_mutex_unlock(&r->lock);
	} else if (!r->history && !r->trace && !r->log && !r->journal) {
		pthread_mutex_lock(&r->lock);
		bool over = over_quota(c, type);
		/* atomic: the fast path above numbers without the lock */
		id = over ? 0 : __atomic_add_fetch(&r->events, 1, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&r->lock);
		if (over)
			return 0;
	} else {
		struct json_object *e = build(c, type, st, value, index, 0, prev, ms);
		pthread_mutex_lock(&r->lock);
		if (over_quota(c, type)) {
			pthread_mutex_unlock(&r->lock);
			json_object_put(e);
			return 0;
		}
		id = ++r->events;
		json_object_object_add(e, "id", json_object_new_int(id));
		int64_t first = r->journal ? aslrt_journal_event(r, id, e, type) : -1;
		if (first >= 0)
			ms = first; /* resumed: it happened then */
		if (r->trace)
			trace_line(c, e, st, type, ms);
		if (r->log)
			aslrt_log_event(r, e, ms);
		if (r->history)
			json_object_array_add(r->history, e);
		else
			json_object_put(e);
		pthread_mutex_unlock(&r->lock);
	}
	if (type == EV_STATE_ENTERED)
		c->entered_prev = prev;
	if (type == EV_STATE_ENTERED || type == EV_STATE_EXITED) {
		json_object_put(c->assigned); /* shown once, on its StateExited */
		c->assigned = NULL;
	}
	if (type != EV_EXECUTION_STARTED && !passed_by(type))
		c->last_event = id;
	c->run_end = type == EV_MAP_RUN_SUCCEEDED ? id : 0;
	if (r->metrics_file)
		aslrt_metrics_event(c, type, state, ms);
	if (type == EV_EVALUATION_FAILED && strcmp(st->type, "Map") == 0)
		aslrt_event(c, EV_MAP_FAILED, state, NULL, 0); /* as AWS does */
	return id;
}

void aslrt_history_assigned(aslrt_ctx *c, struct json_object *vals)
{
	aslrt_run *r = c->run;
	if (!r->history && !r->trace && !r->log && !r->journal)
		return; /* no event is built */
	if (!c->assigned)
		c->assigned = json_object_new_object();
	json_object_object_foreach(vals, k, v)
	    json_object_object_add(c->assigned, k, json_object_get(v));
}

int aslrt_history_write(aslrt_run *r, const char *path)
{
	if (r->child_histories && fclose(r->child_histories) != 0)
		return -1;
	r->child_histories = NULL;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "events", json_object_get(r->history));
	char *s = aslrt_json_dump(o);
	int rc = fprintf(f, "%s\n", s) < 0 ? -1 : 0;
	free(s);
	json_object_put(o);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* --- Parallel branches and Map iterations --- */

void aslrt_job_prepare(aslrt_job *j, aslrt_ctx *parent, int state, long index, bool iteration)
{
	j->parent = parent;
	j->state = state;
	j->iteration = iteration;
	if (index == 0)
		parent->spawns++;
	/* only the journal reads lane paths (b5: 15% of the time went here) */
	if (parent->run->journal &&
	    asprintf(&j->lane_path, "%s/%d.%ld", parent->lane_path ? parent->lane_path : "",
		     parent->spawns, index) < 0)
		abort();
	j->lane = index;
	j->last_event = parent->last_event;
}

/* Is the job an iteration of a Distributed Map (ItemProcessor.ProcessorConfig
 * .Mode DISTRIBUTED), whose events AWS records in a child execution's history? */
static bool distributed(const aslrt_job *j)
{
	return j->parent->run->states[j->state].distributed;
}

/* The job's context, made as it starts (memory follows the jobs running,
 * not the jobs of the batch), with its place in the execution. */
static aslrt_ctx *job_begin(aslrt_job *j)
{
	if (!j->c) {
		j->c = aslrt_ctx_new(j->parent->run, j->parent);
		j->c->lane_path = j->lane_path;
		j->lane_path = NULL;
		j->c->lane = j->lane;
		j->c->lane_map = j->iteration;
		j->c->last_event = j->last_event;
		j->c->in_child = j->parent->in_child || (j->iteration && distributed(j));
		if (j->map_run)
			aslrt_child_begin(j, j->c);
	}
	return j->c;
}

void aslrt_job_free(aslrt_job *j)
{
	/* a finished branch holds none of these: no call per branch for them */
	if (j->input)
		json_object_put(j->input);
	j->input = NULL;
	if (j->lane_path)
		free(j->lane_path);
	j->lane_path = NULL;
	if (j->c)
		aslrt_ctx_free(j->c);
	j->c = NULL;
	if (j->child) {
		json_object_put(j->child->history);
		json_object_put(j->child->input);
		free(j->child);
	}
	j->child = NULL;
}

/*
 * A child execution's history, as it ends, is one line of FILE's
 * .children.jsonl (--history FILE; FILE itself is the parent's, as AWS
 * shows it): {"executionArn","mapRunArn","events"}.  Written as each child
 * ends, so a Map Run's histories are never all held at once.
 */
static void child_history_write(aslrt_job *j)
{
	aslrt_run *r = j->c->run;
	if (!r->history_file || !j->child->history)
		return;
	struct json_object *o = json_object_new_object();
	char *arn = NULL;
	if (asprintf(&arn, "%s:%s%s", j->map_run->exec_prefix, j->child->name, j->child->arn_tail) <
	    0)
		abort();
	json_object_object_add(o, "executionArn", json_object_new_string(arn));
	free(arn);
	json_object_object_add(o, "mapRunArn", json_object_new_string(j->map_run->arn));
	json_object_object_add(o, "events", j->child->history);
	j->child->history = NULL;
	char *line = aslrt_json_dump(o);
	json_object_put(o);
	pthread_mutex_lock(&r->lock);
	if (!r->child_histories) {
		size_t n = strlen(r->history_file);
		bool json = n > 5 && strcmp(r->history_file + n - 5, ".json") == 0;
		char *path = NULL;
		if (asprintf(&path, "%.*s.children.jsonl", (int)(json ? n - 5 : n),
			     r->history_file) < 0)
			abort();
		r->child_histories = fopen(path, "w");
		if (!r->child_histories)
			fprintf(stderr, "cannot write the child executions' histories %s\n", path);
		free(path);
	}
	if (r->child_histories)
		fprintf(r->child_histories, "%s\n", line);
	pthread_mutex_unlock(&r->lock);
	free(line);
}

int aslrt_job_run(aslrt_job *j)
{
	aslrt_ctx *c = job_begin(j), *p = j->parent;
	aslrt_run *r = c->run;
	if (j->child) {
		/* a child execution: its own history, from ExecutionStarted */
		c->last_event = 0;
		aslrt_event(c, EV_EXECUTION_STARTED, -1, j->input, 0);
		int rc = aslrt_run_scope(c, j->scope, j->input, &j->out);
		j->input = NULL; /* consumed */
		aslrt_event_flush(c);
		/* stopped because the Map Run failed: AWS aborts it */
		bool aborted = rc && aslrt_job_stopped(r);
		if (aborted && c->state >= 0)
			aslrt_event(c, EV_STATE_ABORTED, c->state, NULL, 0);
		aslrt_event(c,
			    aborted ? EV_EXECUTION_ABORTED
			    : rc    ? EV_EXECUTION_FAILED
				    : EV_EXECUTION_SUCCEEDED,
			    -1, j->out, 0);
		child_history_write(j);
		json_object_put(j->child->input); /* only its Context object read it */
		j->child->input = NULL;
		return rc;
	}
	if (p && j->iteration) {
		/* after the iteration that ended last (AWS's chain) */
		if (!j->here)
			pthread_mutex_lock(&r->lock);
		c->last_event = p->last_event;
		if (!j->here)
			pthread_mutex_unlock(&r->lock);
		aslrt_event(c, EV_MAP_ITERATION_STARTED, j->state, NULL, c->lane);
	}
	int rc = aslrt_run_scope(c, j->scope, j->input, &j->out), end = 0;
	j->input = NULL; /* consumed */
	aslrt_event_flush(c);
	/* A Parallel that fails stops its branches: AWS records the Task state
	 * a branch failed in (entered, never exited) as aborted, after its
	 * TaskFailed; a job a sibling's failure stopped (vsched.c), the state
	 * it was in, whatever its type. */
	bool aborted = rc && aslrt_job_stopped(r);
	if (rc && p && c->state >= 0 &&
	    (aborted || (!j->iteration && strcmp(r->states[c->state].type, "Task") == 0)))
		aslrt_event(c, EV_STATE_ABORTED, c->state, NULL, 0);
	if (p && j->iteration)
		end = aslrt_event(c,
				  aborted ? EV_MAP_ITERATION_ABORTED
				  : rc	  ? EV_MAP_ITERATION_FAILED
					  : EV_MAP_ITERATION_SUCCEEDED,
				  j->state, NULL, c->lane);
	if (p) {
		if (!j->here)
			pthread_mutex_lock(&r->lock);
		if (c->last_event > p->last_event && !aborted)
			p->last_event = c->last_event; /* a failed batch: after the failure */
		if (!rc && end > p->map_end)
			p->map_end = end;
		if (!j->here)
			pthread_mutex_unlock(&r->lock);
	}
	return rc;
}
