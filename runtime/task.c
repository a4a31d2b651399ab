/*
 * task.c - what a Task state calls: a mocked response (AWS Step Functions
 * Local MockConfigFile), or an in-process C handler bound to its Resource.
 * A Resource bound to nothing fails the state with a clear error, never a
 * silent pass-through.
 *
 *   MockConfigFile = { "StateMachines": { NAME: { "TestCases": { CASE: { STATE: RESPONSE } } } },
 *                      "MockedResponses": { RESPONSE: { "0": {"Return": v},
 *                                                       "1-2": {"Throw": {"Error","Cause"}} } } }
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "aws/aws.h"

typedef struct binding {
	char *resource;
	aslrt_handler *fn;
	void *user;
} binding;

static binding *bindings;
static int nbindings;

int aslrt_bind_handler(const char *resource, aslrt_handler *fn, void *user)
{
	binding *b = realloc(bindings, sizeof *b * (size_t)(nbindings + 1));
	if (!b)
		return -1;
	bindings = b;
	bindings[nbindings].resource = strdup(resource);
	bindings[nbindings].fn = fn;
	bindings[nbindings].user = user;
	nbindings++;
	return 0;
}

__attribute__((weak)) void aslrt_register_handlers(void)
{
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

int aslrt_mocks_load(aslrt_run *r, const char *path, const char *test_case, char *why,
		     size_t whylen)
{
	/* Read strictly and validated whole (config.c): every problem names the
	 * file and the JSON Pointer, before the run starts. */
	struct json_object *cfg = NULL;
	if (aslrt_config_read(path, "mock config", &cfg, why, whylen))
		return -1;
	int rc = aslrt_mocks_validate(cfg, path, r->name, test_case, &r->mocks, why, whylen);
	json_object_put(cfg);
	return rc;
}

/* The response for the n-th call (0-based): key "n" or a range "a-b", keys
 * validated by aslrt_mocks_validate. */
static struct json_object *mock_response(struct json_object *mock, int n)
{
	json_object_object_foreach(mock, key, val)
	{
		long a, b;
		if (aslrt_mock_range(key, &a, &b) && n >= a && n <= b)
			return val;
	}
	return NULL;
}

static int mocked(aslrt_ctx *c, aslrt_state *st, struct json_object *mock, struct json_object **out)
{
	pthread_mutex_lock(&c->run->lock);
	int n = st->calls++;
	pthread_mutex_unlock(&c->run->lock);
	struct json_object *resp = mock_response(mock, n), *v;
	if (!resp)
		return aslrt_runtime_error(c, "The mocked state has no response for call %d", n);
	/* the call uses up its response even when it times out */
	if (aslrt_mock_duration(c, resp))
		return -1;
	if (json_object_object_get_ex(resp, "Return", &v)) {
		*out = aslrt_json_copy(v);
		return 0;
	}
	v = get(resp, "Throw");
	struct json_object *e = get(v, "Error"), *cause = get(v, "Cause");
	aslrt_error_clear(&c->err);
	c->err.name = e ? strdup(json_object_get_string(e)) : NULL;
	c->err.cause = cause ? strdup(json_object_get_string(cause)) : NULL;
	return -1;
}

/* The name a Task is bound by: its Resource, or the FunctionName of a Lambda
 * invoke integration. */
static const char *binding_key(aslrt_state *st, struct json_object *input)
{
	const char *res = st->resource;
	if (res && strncmp(res, "arn:aws:states:::lambda:invoke", 30) == 0) {
		struct json_object *fn = get(input, "FunctionName");
		if (fn)
			return json_object_get_string(fn);
	}
	return res ? res : "";
}

/* Where a Task lands when no mock, binding or handler serves it: the single
 * place that decides "nothing is bound" (AWS integrations hook in here). */
static int task_unbound(aslrt_ctx *c, aslrt_state *st, const char *resource, const char *key,
			struct json_object *input, struct json_object **out)
{
	(void)st;
	int aws = aslrt_aws_invoke(c, resource, input, out);
	if (aws <= 0)
		return aws; /* an AWS integration: its result or its error */
	return aslrt_runtime_error(c,
				   "No implementation is bound to the resource '%s' (bind it in a "
				   "--bindings file, link a handler, or run with --mock-config)",
				   key);
}

static int handler_call(aslrt_ctx *c, const binding *b, struct json_object *input,
			struct json_object **out)
{
	char *err = NULL, *cause = NULL;
	struct json_object *res = NULL;
	if (b->fn(input, &res, &err, &cause, b->user) == 0) {
		*out = res;
		return 0;
	}
	json_object_put(res);
	aslrt_error_clear(&c->err);
	c->err.name = err ? err : strdup("States.TaskFailed");
	c->err.cause = cause;
	return -1;
}

/* Mocks, then the bindings file (run-time, then embedded), then in-process
 * handlers, then the integrations the runtime speaks (http:invoke, then the
 * AWS services in task_unbound). */
static int dispatch(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		    struct json_object **out)
{
	struct json_object *mock = get(c->run->mocks, st->name);
	if (mock)
		return mocked(c, st, mock, out);
	const char *res = st->resource;
	int rc = aslrt_binding_call(c, res ? res : "", input, out);
	if (rc <= 0)
		return rc;
	const char *key = binding_key(st, input);
	for (int i = 0; i < nbindings; i++)
		if (strcmp(bindings[i].resource, key) == 0)
			return handler_call(c, &bindings[i], input, out);
	if (res && strcmp(res, "arn:aws:states:::http:invoke") == 0)
		return aslrt_http_task(c, input, out);
	return task_unbound(c, st, res ? res : "", key, input, out);
}

int aslrt_task_invoke(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		      struct json_object **out)
{
	FILE *tr = c->run->trace;
	if (tr) {
		char *s = aslrt_json_dump(input);
		fprintf(tr, "task %s request %s\n", st->name, s);
		free(s);
	}
	int rc = dispatch(c, st, input, out);
	if (tr) {
		char *s = rc ? NULL : aslrt_json_dump(*out);
		if (rc)
			fprintf(tr, "task %s error %s: %s\n", st->name,
				c->err.name ? c->err.name : "null",
				c->err.cause ? c->err.cause : "");
		else
			fprintf(tr, "task %s result %s\n", st->name, s);
		free(s);
	}
	return rc;
}

void aslrt_bindings_free(void);
void aslrt_bindings_free(void)
{
	for (int i = 0; i < nbindings; i++)
		free(bindings[i].resource);
	free(bindings);
	bindings = NULL;
	nbindings = 0;
}
