/*
 * timing.c - every timing rule AWS applies, on the run's clock (real, or
 * virtual, where a timeout fires exactly at its deadline):
 *
 *  - a Task's TimeoutSeconds / TimeoutSecondsPath and HeartbeatSeconds /
 *    HeartbeatSecondsPath (JSONata: "{% %}"), turned into the absolute
 *    deadline and the heartbeat interval on the Task's context that every
 *    binding honours; a Task past its deadline fails with States.Timeout, one
 *    that misses a heartbeat with States.Timeout too, as AWS records it (an
 *    ErrorEquals "States.HeartbeatTimeout" matches it as well);
 *  - the machine's TimeoutSeconds: past it, the execution fails with
 *    States.Timeout, neither retried nor caught; a Wait or a Retry interval
 *    that would end later ends at the deadline, and a Task's deadline is never
 *    later than the machine's;
 *  - callback (.waitForTaskToken) and activity Tasks, which wait for
 *    SendTask* on --listen (callback.c).
 *
 * An aslc extension for tests: a mocked response may carry "Duration":
 * seconds (a non-negative number): the mocked call takes that long on the
 * run's clock before it answers, so the Task's timeouts apply to it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "mathlib.h"

#define MAX_SECONDS 99999999 /* AWS's largest TimeoutSeconds */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* An integer JSON value (an integral double too: JSONata arithmetic). */
static bool as_long(struct json_object *v, int64_t *n)
{
	if (json_object_is_type(v, json_type_int)) {
		*n = json_object_get_int64(v);
		return true;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (d == aslrt_floor(d) && fabs(d) < 1e15) {
			*n = (int64_t)d;
			return true;
		}
	}
	return false;
}

/* A setting (RS_TIMEOUT, RS_HEARTBEAT) given literally, as a JSONata
 * template, or through its ...Path (key + 1) on the state input; *ms = 0
 * when absent. */
static int task_seconds(aslrt_ctx *c, aslrt_state *st, int skey, struct json_object *input,
			int64_t *ms)
{
	const char *key = aslrt_setting_names[skey], *pkey = aslrt_setting_names[skey + 1];
	struct json_object *v = aslrt_setting(c->run, st, skey),
			   *p = aslrt_setting(c->run, st, skey + 1);
	int64_t n = 0;
	*ms = 0;
	if (aslrt_setting_jsonata(c->run, st, skey)) {
		const jnode *t = c->run->consts[st->set[skey]].jt;
		struct json_object *x = NULL;
		int rc = aslrt_jtmpl_eval(c, t, input, ASLRT_ABSENT, NULL, &x);
		if (rc == 0 && !as_long(x, &n)) {
			char *s = aslrt_json_dump(x);
			rc = aslrt_query_error(
			    c,
			    "The JSONata expression '%s' specified for the field '%s' "
			    "returned an unexpected result type. Expected 'integer', but "
			    "was '%s' for value: %s",
			    aslrt_jtmpl_text(t), key, aslrt_json_type_name(x), s);
			free(s);
		} else if (rc == 0 && (n <= 0 || n > MAX_SECONDS)) {
			rc = aslrt_query_error(c,
					       "The %s field must be a positive integer no greater "
					       "than %d: %lld",
					       key, MAX_SECONDS, (long long)n);
		}
		json_object_put(x);
		if (rc)
			return -1;
		*ms = n * 1000;
		return 0;
	}
	if (v && as_long(v, &n)) {
		*ms = n * 1000;
		return 0;
	}
	if (!p)
		return 0;
	const char *text = json_object_get_string(p);
	struct json_object *sel = NULL;
	if (aslrt_path_select(c, text, input, &sel))
		return -1;
	int rc = 0;
	char *shown = aslrt_json_dump(sel);
	if (!json_object_is_type(sel, json_type_int))
		rc = aslrt_runtime_error(
		    c, "The %s parameter cannot be parsed as a long value: %s == %s", pkey, text,
		    shown);
	else if ((n = json_object_get_int64(sel)) <= 0)
		rc = aslrt_runtime_error(
		    c, "The %s parameter references a non-positive value: %s == %s", pkey, text,
		    shown);
	else if (n > MAX_SECONDS)
		rc = aslrt_runtime_error(
		    c, "The %s parameter references a value greater than %d: %s == %s", pkey,
		    MAX_SECONDS, text, shown);
	free(shown);
	json_object_put(sel);
	if (rc)
		return rc;
	*ms = n * 1000;
	return 0;
}

int aslrt_timeout_error(aslrt_ctx *c, bool heartbeat)
{
	/* AWS records TaskTimedOut with no cause; a Catch's error output shows
	 * "Cause": "" */
	aslrt_error_set(&c->err, "States.Timeout", "%s", "");
	c->heartbeat_expired = heartbeat;
	return -1;
}

/* --- the machine's TimeoutSeconds --- */

#define EXPRESS_SECONDS 300 /* an Express execution's longest duration */

/* The machine's TimeoutSeconds; an Express machine's execution also ends
 * after 5 minutes (unless --express-time-limit off), the smaller wins. */
void aslrt_deadline_init(aslrt_run *r)
{
	int64_t n = 0;
	struct json_object *t = get(r->meta, "timeout");
	struct json_object *type = get(r->meta, "type");
	if (!(t && as_long(t, &n) && n > 0))
		n = 0;
	r->deadline_express = false;
	if (type && !strcmp(json_object_get_string(type), "EXPRESS") && !r->express_unlimited &&
	    (n == 0 || n > EXPRESS_SECONDS)) {
		n = EXPRESS_SECONDS;
		r->deadline_express = true;
	}
	if (n > 0)
		r->deadline_ms = aslrt_now_ms(r) + n * 1000;
}

/* Past the deadline, or past the history quota (history.c): the execution
 * ends, nothing retries or catches it. */
bool aslrt_expired(aslrt_run *r)
{
	return (r->deadline_ms && aslrt_now_ms(r) >= r->deadline_ms) || aslrt_history_full(r);
}

int aslrt_expired_error(aslrt_ctx *c)
{
	if (aslrt_history_full(c->run))
		return aslrt_history_full_error(c);
	/* Not json_object_get_string: on a number it caches its text in the
	 * shared meta object, a data race between Parallel branches. */
	int64_t n = 0;
	as_long(get(c->run->meta, "timeout"), &n);
	if (c->run->deadline_express)
		aslrt_error_set(&c->err, "States.Timeout",
				"The execution ran past Express's limit of %d seconds",
				EXPRESS_SECONDS);
	else
		aslrt_error_set(&c->err, "States.Timeout",
				"The execution ran past the state machine's TimeoutSeconds (%lld)",
				(long long)n);
	c->heartbeat_expired = false;
	return -1;
}

int aslrt_sleep_until(aslrt_ctx *c, int64_t until)
{
	aslrt_run *r = c->run;
	/* a Retry interval's end is journaled (a Wait's was, by exec.c), so a
	 * resumed one ends when it would have, and --park-after parks it */
	if (c->wait_pending && until == c->wait_until)
		c->wait_pending = false;
	else
		until = aslrt_journal_retry(c, until);
	int64_t now = aslrt_now_ms(r);
	if (aslrt_history_full(r))
		return aslrt_history_full_error(c);
	if (r->deadline_ms && until >= r->deadline_ms) {
		aslrt_sleep_ms(r, r->deadline_ms - now);
		return aslrt_expired_error(c);
	}
	aslrt_sleep_ms(r, until - now);
	if (aslrt_job_stopped(r))
		return aslrt_aborted_error(c);
	return 0;
}

/* --- Tasks --- */

/* A mocked response's "Duration": the call takes that long on the run's
 * clock; it fails at the Task's deadline, or when its first heartbeat is
 * due (a mock sends none), if that comes first.  task.c calls this with
 * the response it claimed for this call, so concurrent calls of one state
 * (Map iterations) each wait for their own response's Duration. */
int aslrt_mock_duration(aslrt_ctx *c, struct json_object *resp)
{
	struct json_object *d = get(resp, "Duration");
	if (!d)
		return 0;
	double secs = aslrt_json_is_number(d) ? aslrt_json_number(d) : -1;
	if (!(secs >= 0 && secs <= MAX_SECONDS))
		return aslrt_runtime_error(c,
					   "The mocked response's Duration must be a number of "
					   "seconds from 0 to %d",
					   MAX_SECONDS);
	aslrt_run *r = c->run;
	int64_t now = aslrt_now_ms(r), end = now + (int64_t)aslrt_llround(secs * 1000), first = end;
	bool heartbeat = false, timeout = false;
	if (c->task_heartbeat_ms && now + c->task_heartbeat_ms < first) {
		first = now + c->task_heartbeat_ms;
		heartbeat = true;
	}
	if (c->task_deadline_ms && c->task_deadline_ms <= first) {
		first = c->task_deadline_ms;
		heartbeat = false;
		timeout = true;
	}
	aslrt_sleep_ms(r, first - now);
	if (aslrt_job_stopped(r))
		return aslrt_aborted_error(c);
	if (!heartbeat && !timeout)
		return 0;
	return aslrt_timeout_error(c, heartbeat);
}

bool aslrt_activity_worker(aslrt_run *r, aslrt_state *st)
{
	const char *res = st->resource;
	return res && strstr(res, ":activity:") && aslrt_listening() && !get(r->mocks, st->name);
}

static int run_task(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		    struct json_object **out)
{
	aslrt_run *r = c->run;
	const char *res = st->resource;
	struct json_object *mock = get(r->mocks, st->name);
	if (mock) {
		/* the mocked Return stands for the callback's or the worker's
		 * answer; its Duration is waited for in task.c's mocked() */
		return aslrt_task_invoke(c, st, input, out);
	}
	if (aslrt_activity_worker(r, st)) {
		aslrt_cb_open(c->task_token, res, input);
		return aslrt_cb_wait(c, c->task_token, out);
	}
	if (res && strstr(res, ".waitForTaskToken")) {
		/* the request (with $$.Task.Token in it) goes to whatever the Task
		 * is bound to; its answer is only the acknowledgement */
		struct json_object *sent = NULL;
		aslrt_cb_open(c->task_token, NULL, NULL);
		if (aslrt_task_invoke(c, st, input, &sent)) {
			aslrt_task_submitted(c, NULL);
			aslrt_cb_close(c->task_token);
			return -1;
		}
		aslrt_task_submitted(c, sent); /* the acknowledgement: TaskSubmitted's output */
		json_object_put(sent);
		return aslrt_cb_wait(c, c->task_token, out);
	}
	int rc = aslrt_task_invoke(c, st, input, out);
	/* an in-process handler cannot be interrupted: a result past the
	 * deadline is dropped, as AWS would have timed the Task out */
	if (rc == 0 && c->task_deadline_ms && aslrt_now_ms(r) >= c->task_deadline_ms) {
		json_object_put(*out);
		*out = NULL;
		return aslrt_timeout_error(c, false);
	}
	return rc;
}

int aslrt_task_run(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		   struct json_object **out)
{
	aslrt_run *r = c->run;
	struct json_object *state_input = c->task_input ? c->task_input : input;
	int64_t timeout = 0, heartbeat = 0;
	c->heartbeat_expired = false;
	int rc = task_seconds(c, st, RS_TIMEOUT, state_input, &timeout);
	if (rc == 0)
		rc = task_seconds(c, st, RS_HEARTBEAT, state_input, &heartbeat);
	json_object_put(c->task_input);
	c->task_input = NULL;
	if (rc)
		return -1;
	int64_t now = aslrt_now_ms(r);
	c->task_deadline_ms = timeout ? now + timeout : 0;
	if (r->deadline_ms && (!c->task_deadline_ms || r->deadline_ms < c->task_deadline_ms))
		c->task_deadline_ms = r->deadline_ms;
	c->task_heartbeat_ms = heartbeat;
	rc = run_task(c, st, input, out);
	c->task_deadline_ms = 0;
	c->task_heartbeat_ms = 0;
	return rc;
}

/* --- the Wait state (its op, aslrt.h) --- */

/* AWS's largest Wait: Seconds is at most 99999999. */
#define RT_MAX_WAIT_S INT64_C(99999999)

int aslrt_op_wait(aslrt_ctx *c, int state, struct json_object *input)
{
	aslrt_state *st = &c->run->states[state];
	struct json_object *v;
	int64_t until = -1, now = aslrt_now_ms(c->run);
	if (st->jseconds || st->jtimestamp) {
		struct json_object *x = NULL;
		if (aslrt_jtmpl_eval(c, st->jseconds ? st->jseconds : st->jtimestamp, input,
				     ASLRT_ABSENT, NULL, &x))
			return -1;
		aslrt_time t;
		int rc = 0;
		if (st->jseconds) {
			if (!json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0)
				rc = aslrt_query_error(
				    c, "The Seconds field must be a non-negative integer.");
			else if (json_object_get_int64(x) > RT_MAX_WAIT_S)
				rc = aslrt_query_error(
				    c, "The Seconds field must be at most 99999999.");
			else
				until = now + json_object_get_int64(x) * 1000;
		} else if (!json_object_is_type(x, json_type_string) ||
			   !aslrt_timestamp_parse(json_object_get_string(x), &t)) {
			char *shown = json_object_is_type(x, json_type_string)
					  ? strdup(json_object_get_string(x))
					  : aslrt_json_dump(x);
			rc =
			    aslrt_query_error(c,
					      "The Timestamp field cannot be parsed as an ISO-8601 "
					      "extended offset date-time format string: %s",
					      shown);
			free(shown);
		} else {
			until = t.sec * 1000 + t.nsec / 1000000;
		}
		json_object_put(x);
		if (rc)
			return rc;
	} else if ((v = aslrt_setting(c->run, st, RS_SECONDS))) {
		double secs = aslrt_json_number(v);
		until =
		    now +
		    (int64_t)((secs < (double)RT_MAX_WAIT_S ? secs : (double)RT_MAX_WAIT_S) * 1000);
	} else if ((v = aslrt_setting(c->run, st, RS_TIMESTAMP))) {
		aslrt_time t;
		if (!aslrt_timestamp_parse(json_object_get_string(v), &t))
			return aslrt_runtime_error(c, "Invalid timestamp");
		until = t.sec * 1000 + t.nsec / 1000000;
	} else if (st->set[RS_SECONDS_PATH] >= 0 || st->set[RS_TIMESTAMP_PATH] >= 0) {
		bool secs = st->set[RS_SECONDS_PATH] >= 0;
		aslrt_const *kc =
		    &c->run->consts[st->set[secs ? RS_SECONDS_PATH : RS_TIMESTAMP_PATH]];
		const char *text = json_object_get_string(kc->json);
		char why[ASLRT_ERRLEN];
		struct json_object *sel = NULL;
		aslrt_env env;
		aslrt_env_make(c, input, &env);
		if (aslrt_path_eval(kc->path, &env, &sel, why, sizeof why) != 0) {
			if (secs) /* AWS's words for a path that selects nothing */
				return aslrt_runtime_error(c,
							   "The SecondsPath parameter does not "
							   "reference an input value: %s",
							   text);
			return aslrt_runtime_error(c, "Invalid path '%s' : %s", text, why);
		}
		int rc = 0;
		aslrt_time t;
		if (secs) {
			char *shown = aslrt_json_dump(sel);
			if (!json_object_is_type(sel, json_type_int))
				rc = aslrt_runtime_error(
				    c,
				    "The SecondsPath parameter cannot be parsed as "
				    "a long value: %s == %s",
				    text, shown);
			else if (json_object_get_int64(sel) < 0)
				rc = aslrt_runtime_error(c,
							 "The SecondsPath parameter references a "
							 "negative value: %s == %s",
							 text, shown);
			else if (json_object_get_int64(sel) > RT_MAX_WAIT_S)
				rc = aslrt_runtime_error(
				    c,
				    "The SecondsPath parameter references a number of "
				    "seconds beyond the limit of 99999999: %s",
				    text);
			else
				until = now + json_object_get_int64(sel) * 1000;
			free(shown);
		} else if (!json_object_is_type(sel, json_type_string) ||
			   !aslrt_timestamp_parse(json_object_get_string(sel), &t)) {
			char *shown = json_object_is_type(sel, json_type_string)
					  ? strdup(json_object_get_string(sel))
					  : aslrt_json_dump(sel);
			rc = aslrt_runtime_error(c,
						 "The TimestampPath parameter does not reference a "
						 "valid ISO-8601 extended offset date-time format "
						 "string: %s == %s",
						 text, shown);
			free(shown);
		} else {
			until = t.sec * 1000 + t.nsec / 1000000;
		}
		json_object_put(sel);
		if (rc)
			return rc;
	}
	until = aslrt_journal_wait(c, until); /* a resumed Wait ends when it would have */
	if (until > now)
		return aslrt_sleep_until(c, until);
	return 0;
}
