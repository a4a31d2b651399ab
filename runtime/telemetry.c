/*
 * telemetry.c - what an execution reports as it goes: CloudWatch-Logs-format
 * JSON lines (--log-level, --include-execution-data, --log-file), the shape
 * AWS writes to an Express log group, and per-state / per-Task-resource counts
 * and durations in Prometheus text format (--metrics FILE), both fed by
 * aslrt_event in history.c.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

/* The log levels as AWS's LoggingConfiguration names them. */
int aslrt_log_level_parse(const char *s)
{
	static const char *const names[] = {"OFF", "FATAL", "ERROR", "ALL"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* The level an event type is logged at: FATAL for the execution's end in
 * failure, ERROR for every failure, ALL for the rest. */
static int event_level(const char *type)
{
	if (strcmp(type, "ExecutionFailed") == 0 || strcmp(type, "ExecutionAborted") == 0 ||
	    strcmp(type, "ExecutionTimedOut") == 0)
		return RT_LOG_FATAL;
	if (strstr(type, "Failed") || strstr(type, "TimedOut") || strstr(type, "Aborted") ||
	    strcmp(type, "FailStateEntered") == 0)
		return RT_LOG_ERROR;
	return RT_LOG_ALL;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/* One log line for history event e (called with the run's lock held). */
void aslrt_log_event(aslrt_run *r, struct json_object *e, int64_t ms)
{
	const char *type = json_object_get_string(get(e, "type"));
	if (!r->log || r->log_level < event_level(type))
		return;
	struct json_object *o = json_object_new_object(), *details = json_object_new_object();
	char buf[32];
	snprintf(buf, sizeof buf, "%d", json_object_get_int(get(e, "id")));
	add_str(o, "id", buf);
	add_str(o, "type", type);
	json_object_object_foreach(e, key, val)
	{
		size_t n = strlen(key);
		if (n < 12 || strcmp(key + n - 12, "EventDetails") != 0)
			continue;
		json_object_object_foreach(val, k, v)
		{
			if (!r->log_data &&
			    (strcmp(k, "input") == 0 || strcmp(k, "inputDetails") == 0 ||
			     strcmp(k, "output") == 0 || strcmp(k, "outputDetails") == 0 ||
			     strcmp(k, "parameters") == 0))
				continue;
			json_object_object_add(details, k, json_object_get(v));
		}
	}
	json_object_object_add(o, "details", details);
	snprintf(buf, sizeof buf, "%d", json_object_get_int(get(e, "previousEventId")));
	add_str(o, "previous_event_id", buf);
	snprintf(buf, sizeof buf, "%lld", (long long)ms);
	add_str(o, "event_timestamp", buf);
	add_str(o, "execution_arn",
		json_object_get_string(get(get(r->context, "Execution"), "Id")));
	add_str(o, "redrive_count", "0");
	char *s = aslrt_json_dump(o);
	fprintf(r->log, "%s\n", s);
	fflush(r->log);
	free(s);
	json_object_put(o);
}

/* --- metrics --- */

typedef struct aslrt_metric {
	long entered, exited, failed; /* state: entered, left, Fail/uncaught */
	int64_t ms;		      /* state: time from entered to exited */
	long calls, call_failures;    /* Task: invocations and failed ones */
	int64_t call_ms;
} aslrt_metric;

/* Account event type of state (called by aslrt_event, lock not held: each
 * thread only touches its own context, the totals take the lock). */
void aslrt_metrics_event(aslrt_ctx *c, int type, int state, int64_t ms)
{
	aslrt_run *r = c->run;
	if (!r->metrics_file || state < 0)
		return;
	pthread_mutex_lock(&r->lock);
	if (!r->metrics)
		r->metrics = calloc((size_t)r->nstates + 1, sizeof *r->metrics);
	aslrt_metric *m = &r->metrics[state];
	switch (type) {
	case EV_STATE_ENTERED:
		c->state_started_ms = ms; /* retries included, unlike EnteredTime */
		m->entered++;
		break;
	case EV_STATE_EXITED:
		m->exited++;
		m->ms += ms - c->state_started_ms;
		break;
	case EV_TASK_STARTED:
		c->task_started_ms = ms;
		m->calls++;
		break;
	case EV_TASK_FAILED:
	case EV_TASK_TIMED_OUT:
		m->call_failures++;
		/* fall through */
	case EV_TASK_SUCCEEDED:
		m->call_ms += ms - c->task_started_ms;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* A label value in the text format: \, " and newlines escaped. */
static void label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int aslrt_metrics_write(aslrt_run *r, int64_t duration_ms, const char *status)
{
	FILE *f = fopen(r->metrics_file, "w");
	if (!f)
		return -1;
	aslrt_metric none = {0};
	header(f, "aslc_execution_duration_seconds", "gauge", "Time from start to end.");
	fprintf(f, "aslc_execution_duration_seconds{status=\"%s\"} %.3f\n", status,
		(double)duration_ms / 1000.0);
	header(f, "aslc_execution_events_total", "counter", "History events recorded.");
	fprintf(f, "aslc_execution_events_total %d\n", r->events);
	static const struct {
		const char *name, *type, *help;
	} state_series[] = {
	    {"aslc_state_entered_total", "counter", "Times a state was entered."},
	    {"aslc_state_exited_total", "counter", "Times a state was left with an output."},
	    {"aslc_state_duration_seconds", "summary", "Time from entering a state to leaving it."},
	};
	for (int k = 0; k < 3; k++) {
		header(f, state_series[k].name, state_series[k].type, state_series[k].help);
		for (int i = 0; i < r->nstates; i++) {
			aslrt_metric *m = r->metrics ? &r->metrics[i] : &none;
			const char *suffix[] = {"", "", "_sum"};
			fprintf(f, "%s%s{state=", state_series[k].name, suffix[k]);
			label(f, r->states[i].name);
			fprintf(f, ",type=\"%s\"} ", r->states[i].type);
			if (k == 0)
				fprintf(f, "%ld\n", m->entered);
			else if (k == 1)
				fprintf(f, "%ld\n", m->exited);
			else {
				fprintf(f, "%.3f\n", (double)m->ms / 1000.0);
				fprintf(f, "%s_count{state=", state_series[k].name);
				label(f, r->states[i].name);
				fprintf(f, ",type=\"%s\"} %ld\n", r->states[i].type, m->exited);
			}
		}
	}
	/* per Task resource: the states sharing a Resource add up */
	static const char *const task_series[][3] = {
	    {"aslc_task_calls_total", "counter", "Task invocations per resource."},
	    {"aslc_task_failures_total", "counter", "Failed Task invocations per resource."},
	    {"aslc_task_duration_seconds", "summary", "Time a Task's invocation took."},
	};
	for (int k = 0; k < 3; k++) {
		header(f, task_series[k][0], task_series[k][1], task_series[k][2]);
		for (int i = 0; i < r->nstates; i++) {
			if (strcmp(r->states[i].type, "Task") != 0)
				continue;
			const char *arn = r->states[i].resource ? r->states[i].resource : "";
			bool first = true;
			for (int j = 0; j < i && first; j++) {
				if (strcmp(r->states[j].type, "Task") == 0 &&
				    r->states[j].resource &&
				    strcmp(r->states[j].resource, arn) == 0)
					first = false;
			}
			if (!first)
				continue;
			aslrt_metric sum = {0};
			for (int j = i; j < r->nstates && r->metrics; j++) {
				if (strcmp(r->states[j].type, "Task") == 0 &&
				    r->states[j].resource &&
				    strcmp(r->states[j].resource, arn) == 0) {
					sum.calls += r->metrics[j].calls;
					sum.call_failures += r->metrics[j].call_failures;
					sum.call_ms += r->metrics[j].call_ms;
				}
			}
			fprintf(f, "%s%s{resource=", task_series[k][0], k == 2 ? "_sum" : "");
			label(f, arn);
			if (k == 0)
				fprintf(f, "} %ld\n", sum.calls);
			else if (k == 1)
				fprintf(f, "} %ld\n", sum.call_failures);
			else {
				fprintf(f,
					"} %.3f\n%s_count{resource=", (double)sum.call_ms / 1000.0,
					task_series[k][0]);
				label(f, arn);
				fprintf(f, "} %ld\n", sum.calls);
			}
		}
	}
	return fclose(f) != 0 ? -1 : 0;
}
