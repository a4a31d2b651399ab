/*
 * call.c - running a Task's binding from the bindings file: a Command
 * (subprocess), a Url (HTTP POST) or an Executable (a child execution of
 * another aslc-built machine), with the result and error shapes AWS gives
 * the integration the Task names.
 *
 * Contracts (README, "Task bindings"):
 *  - Command: stdin is the Task's effective input (lambda:invoke: its
 *    Payload), stdout one JSON value (empty: null), stderr passed through.
 *    {"errorType": T, ...} on stdout fails the Task with Error T (Cause: the
 *    payload's JSON text for Lambda resources, its errorMessage otherwise);
 *    another non-zero exit is States.TaskFailed.
 *  - Url: POST of the same JSON; a 2xx body is the result, >= 400 is
 *    States.TaskFailed with the status in the cause.
 *  - Executable: stdin is the Input, --name the execution name; exit 0 with
 *    the output on stdout, 1 with {"Error","Cause"} as stderr's last line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bindings.h"
#include "exec.h"
#include "http.h"
#include "subprocess.h"

/* Run-time file first: it wins per key over the embedded one. */
static aslrt_bindset *sets[2];

#define MAX_OUTPUT (64u << 20)

int aslrt_bindings_init(aslrt_run *r, const char *file, char *why, size_t whylen)
{
	struct json_object *emb = NULL;
	if (json_object_object_get_ex(r->meta, "bindings", &emb)) {
		struct json_object *f = NULL, *doc = NULL;
		json_object_object_get_ex(emb, "file", &f);
		json_object_object_get_ex(emb, "doc", &doc);
		sets[1] = aslrt_bindset_new(doc, f ? json_object_get_string(f) : "(embedded)", why,
					    whylen);
		if (!sets[1])
			return -1;
	}
	if (file && !(sets[0] = aslrt_bindset_load(file, why, whylen)))
		return -1;
	return 0;
}

void aslrt_bindings_done(void)
{
	for (int i = 0; i < 2; i++) {
		aslrt_bindset_free(sets[i]);
		sets[i] = NULL;
	}
}

static struct json_object *get(struct json_object *o, const char *key);

struct json_object *aslrt_bindings_connection(const char *arn)
{
	for (int i = 0; i < 2; i++) {
		struct json_object *v = NULL, *conns = NULL;
		if (sets[i] && json_object_object_get_ex(sets[i]->doc, "Connections", &conns) &&
		    json_object_object_get_ex(conns, arn, &v))
			return v;
	}
	return NULL;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static int fail(aslrt_ctx *c, const char *name, char *cause)
{
	aslrt_error_clear(&c->err);
	c->err.name = strdup(name);
	c->err.cause = cause;
	return -1;
}

/* The same with a formatted cause. */
#define failf(c, name, ...) (aslrt_error_set(&(c)->err, name, __VA_ARGS__), -1)

/* The time left before the Task's deadline in ms (0: no deadline), or -1
 * when it has passed.  Under --clock virtual the budget left on the virtual
 * clock is spent in real time by a subprocess or a request. */
static int64_t budget(aslrt_ctx *c)
{
	if (c->task_deadline_ms <= 0)
		return 0;
	int64_t left = c->task_deadline_ms - aslrt_now_ms(c->run);
	return left > 0 ? left : -1;
}

static char *trimmed(const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	while (n && strchr(" \t\r\n", *s))
		s++, n--;
	return strndup(s, n);
}

/* The first bytes of a text, for a cause. */
static void excerpt(char *dst, size_t cap, const char *s, size_t n)
{
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	size_t k = n < cap - 4 ? n : cap - 4;
	memcpy(dst, s, k);
	strcpy(dst + k, n > k ? "..." : "");
}

/* {"errorType": T, ...}: the Task fails with Error T. */
static int function_error(aslrt_ctx *c, const aslrt_binding *b, bool lambda, struct json_object *v,
			  const char *text, size_t len)
{
	struct json_object *t = get(v, "errorType"), *m = get(v, "errorMessage");
	if (!json_object_is_type(t, json_type_string))
		return 1;
	(void)b;
	if (lambda)
		return fail(c, json_object_get_string(t), trimmed(text, len));
	return fail(c, json_object_get_string(t),
		    m ? strdup(json_object_is_type(m, json_type_string)
				   ? json_object_get_string(m)
				   : json_object_to_json_string(m))
		      : NULL);
}

/* The last line of stderr (what an aslc-built child prints as its error). */
static const char *last_line(char *tail)
{
	size_t n = strlen(tail);
	while (n && tail[n - 1] == '\n')
		tail[--n] = 0;
	char *nl = strrchr(tail, '\n');
	return nl ? nl + 1 : tail;
}

static int run_sub(aslrt_ctx *c, const aslrt_binding *b, char *const *argv, const char *in,
		   aslrt_subresult *res)
{
	int64_t left = budget(c);
	memset(res, 0, sizeof *res);
	if (left < 0)
		return failf(c, "States.Timeout",
			     "The Task reached its deadline before '%s' started", b->key);
	aslrt_subprocess_run(argv, in, strlen(in), left, c->task_heartbeat_ms, MAX_OUTPUT,
			     c->run->virtual_clock ? NULL : aslrt_pool_stopped, res);
	switch (res->how) {
	case RT_SUB_STOPPED: /* a sibling failed: the child was killed */
		return aslrt_aborted_error(c);
	case RT_SUB_NOSTART:
		return failf(c, "States.Runtime", "%s: binding '%s': cannot run '%s': %s", b->file,
			     b->key, argv[0], strerror(res->err));
	case RT_SUB_TIMEOUT:
		/* AWS's TaskTimedOut: States.Timeout with no cause; the trace says why */
		if (c->run->trace)
			fprintf(c->run->trace,
				"task '%s' ran past the Task's deadline (%lld ms) and was killed "
				"with its process group\n",
				argv[0], (long long)left);
		return aslrt_timeout_error(c, false);
	case RT_SUB_HEARTBEAT:
		if (c->run->trace)
			fprintf(
			    c->run->trace,
			    "task '%s' sent no heartbeat on fd %d within %lld ms and was killed\n",
			    argv[0], RT_HEARTBEAT_FD, (long long)c->task_heartbeat_ms);
		return aslrt_timeout_error(c, true);
	case RT_SUB_TOOBIG:
		return failf(c, "States.TaskFailed", "'%s' wrote more than %u bytes on stdout",
			     argv[0], MAX_OUTPUT);
	case RT_SUB_SIGNALED:
		return failf(c, "States.TaskFailed", "'%s' was killed by signal %d%s%s", argv[0],
			     res->status, *res->errtail ? ": " : "", last_line(res->errtail));
	}
	return 0;
}

static int parse_output(aslrt_ctx *c, const aslrt_binding *b, const char *what, const char *s,
			size_t n, struct json_object **out)
{
	char why[ASLRT_ERRLEN], head[80];
	if (strspn(s, " \t\r\n") == n) {
		*out = NULL;
		return 0;
	}
	if (aslrt_json_parse(s, n, out, why, sizeof why) == 0)
		return 0;
	excerpt(head, sizeof head, s, n);
	return failf(c, "States.TaskFailed",
		     "%s: binding '%s': the output of %s is not JSON (%s): %s", b->file, b->key,
		     what, why, head);
}

static int call_command(aslrt_ctx *c, const aslrt_binding *b, bool lambda, struct json_object *in,
			struct json_object **out, char *log, size_t loglen)
{
	char *text = aslrt_json_dump(in);
	aslrt_subresult res;
	int rc = run_sub(c, b, b->argv, text, &res);
	free(text);
	if (rc) {
		free(res.out);
		return rc;
	}
	snprintf(log, loglen, "%s", res.errtail);
	char what[300];
	snprintf(what, sizeof what, "'%s'", b->argv[0]);
	struct json_object *v = NULL;
	char why[ASLRT_ERRLEN];
	if (strspn(res.out, " \t\r\n") < res.outlen &&
	    aslrt_json_parse(res.out, res.outlen, &v, why, sizeof why) == 0) {
		rc = function_error(c, b, lambda, v, res.out, res.outlen);
		if (rc <= 0) {
			json_object_put(v);
			free(res.out);
			return rc;
		}
	}
	if (res.status != 0) {
		json_object_put(v);
		free(res.out);
		return failf(c, "States.TaskFailed", "'%s' exited with status %d%s%s", b->argv[0],
			     res.status, *res.errtail ? ": " : "", last_line(res.errtail));
	}
	if (v) {
		*out = v;
		rc = 0;
	} else {
		rc = parse_output(c, b, what, res.out, res.outlen, out);
	}
	free(res.out);
	return rc;
}

static int call_url(aslrt_ctx *c, const aslrt_binding *b, bool lambda, struct json_object *in,
		    struct json_object **out)
{
	int64_t left = budget(c);
	if (left < 0)
		return failf(c, "States.Timeout",
			     "The Task reached its deadline before '%s' was called", b->url);
	char *text = aslrt_json_dump(in);
	const char *hs[] = {"Content-Type: application/json", "Accept: application/json", NULL};
	aslrt_httpreq q = {.method = "POST",
			   .url = b->url,
			   .headers = hs,
			   .body = text,
			   .bodylen = strlen(text),
			   .timeout_ms = left,
			   .maxbody = MAX_OUTPUT,
			   .stop = c->run->virtual_clock ? NULL : aslrt_pool_stopped};
	aslrt_httpres res;
	char why[ASLRT_ERRLEN];
	int rc = aslrt_http_request(&q, &res, why, sizeof why);
	free(text);
	if (rc) {
		if (res.stopped) /* a sibling failed */
			return aslrt_aborted_error(c);
		if (res.timed_out && left > 0) {
			if (c->run->trace)
				fprintf(c->run->trace,
					"task POST %s ran past the Task's deadline: %s\n", b->url,
					why);
			return aslrt_timeout_error(c, false);
		}
		return failf(c, "States.TaskFailed", "%s: binding '%s': POST %s failed: %s",
			     b->file, b->key, b->url, why);
	}
	char head[200];
	if (res.status >= 400) {
		struct json_object *v = NULL;
		if (aslrt_json_parse(res.body, res.bodylen, &v, why, sizeof why) == 0 &&
		    (rc = function_error(c, b, lambda, v, res.body, res.bodylen)) <= 0) {
			json_object_put(v);
			aslrt_httpres_free(&res);
			return rc;
		}
		json_object_put(v);
		excerpt(head, sizeof head, res.body, res.bodylen);
		rc = failf(c, "States.TaskFailed", "POST %s answered HTTP %ld: %s", b->url,
			   res.status, head);
		aslrt_httpres_free(&res);
		return rc;
	}
	char what[300];
	snprintf(what, sizeof what, "POST %s", b->url);
	rc = parse_output(c, b, what, res.body, res.bodylen, out);
	if (rc == 0 && function_error(c, b, lambda, *out, res.body, res.bodylen) < 0) {
		json_object_put(*out);
		*out = NULL;
		rc = -1;
	}
	aslrt_httpres_free(&res);
	return rc;
}

/* --- results shaped as AWS gives them --- */

static char *http_date(void)
{
	char buf[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return strdup(buf);
}

static void request_id(char out[37])
{
	static unsigned long n;
	unsigned long k = __atomic_add_fetch(&n, 1, __ATOMIC_RELAXED);
	snprintf(out, 37, "%08lx-0000-4000-8000-%012lx", (unsigned long)time(NULL) & 0xffffffffUL,
		 k);
}

static void header(struct json_object *all, struct json_object *one, const char *k, const char *v)
{
	struct json_object *a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(v));
	json_object_object_add(all, k, a);
	json_object_object_add(one, k, json_object_new_string(v));
}

/* SdkHttpMetadata and SdkResponseMetadata added to o. */
static void sdk_metadata(struct json_object *o, const char *ctype, size_t len, const char *version)
{
	char rid[37], clen[32];
	request_id(rid);
	snprintf(clen, sizeof clen, "%zu", len);
	char *date = http_date();
	struct json_object *all = json_object_new_object(), *one = json_object_new_object(),
			   *md = json_object_new_object(), *rm = json_object_new_object();
	if (version) {
		header(all, one, "X-Amz-Executed-Version", version);
		header(all, one, "x-amzn-Remapped-Content-Length", "0");
	}
	header(all, one, "Connection", "keep-alive");
	header(all, one, "x-amzn-RequestId", rid);
	header(all, one, "Content-Length", clen);
	header(all, one, "Date", date);
	header(all, one, "Content-Type", ctype);
	json_object_object_add(md, "AllHttpHeaders", all);
	json_object_object_add(md, "HttpHeaders", one);
	json_object_object_add(md, "HttpStatusCode", json_object_new_int(200));
	json_object_object_add(o, "SdkHttpMetadata", md);
	json_object_object_add(rm, "RequestId", json_object_new_string(rid));
	json_object_object_add(o, "SdkResponseMetadata", rm);
	free(date);
}

static char *base64(const char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc((n + 2) / 3 * 4 + 1), *p = o;
	if (!o)
		abort();
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*p++ = tab[v >> 18 & 63];
		*p++ = tab[v >> 12 & 63];
		*p++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*p++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*p = 0;
	return o;
}

/* lambda:invoke's result around the function's output (consumed); with
 * LogType Tail, LogResult is the base64 of the last 4 KB of its stderr. */
static struct json_object *lambda_result(struct json_object *params, struct json_object *payload,
					 const char *log)
{
	const char *q = json_object_get_string(get(params, "Qualifier"));
	const char *fn = json_object_get_string(get(params, "FunctionName"));
	const char *colon = fn ? strrchr(fn, ':') : NULL;
	/* A numeric qualifier is the version run; an alias's version is not
	 * known here, so it reports $LATEST as an unpublished function does. */
	if (!q && colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
		q = colon + 1;
	const char *version = q && *q && strspn(q, "0123456789") == strlen(q) ? q : "$LATEST";
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "ExecutedVersion", json_object_new_string(version));
	const char *lt = json_object_get_string(get(params, "LogType"));
	if (lt && strcmp(lt, "Tail") == 0) {
		char *b64 = base64(log, strlen(log));
		json_object_object_add(o, "LogResult", json_object_new_string(b64));
		free(b64);
	}
	size_t len = aslrt_json_size(payload);
	json_object_object_add(o, "Payload", payload);
	sdk_metadata(o, "application/json", len, version);
	json_object_object_add(o, "StatusCode", json_object_new_int(200));
	return o;
}

/* --- child executions (states:startExecution) --- */

static struct json_object *epoch_ms(int64_t ms)
{
	return json_object_new_int64(ms);
}

/* A child that failed: the {"Error","Cause"} its executable printed last,
 * or States.Runtime naming its exit status. */
static struct json_object *child_error(const aslrt_binding *b, aslrt_subresult *res)
{
	struct json_object *err = NULL;
	char why[ASLRT_ERRLEN];
	const char *line = last_line(res->errtail);
	if (aslrt_json_parse(line, strlen(line), &err, why, sizeof why) == 0 &&
	    json_object_is_type(err, json_type_object))
		return err;
	json_object_put(err);
	err = json_object_new_object();
	char *cause = NULL;
	if (asprintf(&cause, "'%s' exited with status %d", b->argv[0], res->status) < 0)
		abort();
	json_object_object_add(err, "Error", json_object_new_string("States.Runtime"));
	json_object_object_add(err, "Cause", json_object_new_string(cause));
	free(cause);
	return err;
}

/* DescribeExecution's Output (JSON text, or parsed for .sync:2; consumes
 * output) and OutputDetails. */
static void add_output(struct json_object *o, struct json_object *output, bool sync2)
{
	char *s = aslrt_json_dump(output);
	json_object_object_add(o, "Output", sync2 ? output : json_object_new_string(s));
	if (!sync2)
		json_object_put(output);
	free(s);
	struct json_object *det = json_object_new_object();
	json_object_object_add(det, "Included", json_object_new_boolean(1));
	json_object_object_add(o, "OutputDetails", det);
}

/* A .sync child's TaskSubmitted: what startExecution answers as it starts. */
static void child_submitted(aslrt_ctx *c, const char *exec_arn, int64_t start)
{
	struct json_object *sub = json_object_new_object();
	json_object_object_add(sub, "ExecutionArn", json_object_new_string(exec_arn));
	json_object_object_add(sub, "StartDate", epoch_ms(start));
	sdk_metadata(sub, "application/x-amz-json-1.0", 100, NULL);
	aslrt_task_submitted(c, sub);
	json_object_put(sub);
}

static int call_child(aslrt_ctx *c, const aslrt_binding *b, const char *resource,
		      struct json_object *params, struct json_object **out)
{
	const char *sm = json_object_get_string(get(params, "StateMachineArn"));
	if (!sm || strncmp(sm, "arn:", 4) != 0 || !strstr(sm, ":stateMachine:"))
		return failf(
		    c, "States.Runtime",
		    "binding '%s': states:startExecution needs a StateMachineArn parameter "
		    "(arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)",
		    b->key);
	const char *mode = resource + 38; /* "", ".sync", ".sync:2", ... */
	bool sync = strcmp(mode, ".sync") == 0, sync2 = strcmp(mode, ".sync:2") == 0;
	if (!sync && !sync2 && *mode)
		return failf(c, "States.Runtime",
			     "binding '%s': %s is not supported by an Executable "
			     "binding (startExecution, .sync or .sync:2)",
			     b->key, resource);
	struct json_object *inp = get(params, "Input"), *nm = get(params, "Name");
	char *input = json_object_is_type(inp, json_type_string)
			  ? strdup(json_object_get_string(inp))
		      : inp ? aslrt_json_dump(inp)
			    : strdup("{}");
	char name[80];
	if (nm)
		snprintf(name, sizeof name, "%s", json_object_get_string(nm));
	else
		request_id(name);
	/* arn:aws:states:R:A:stateMachine:N -> arn:aws:states:R:A:execution:N:name */
	const char *smn = strstr(sm, ":stateMachine:");
	char *exec_arn = NULL;
	if (asprintf(&exec_arn, "%.*s:execution:%s:%s", (int)(smn - sm), sm, smn + 14, name) < 0)
		abort();
	/* The child is the machine the ARN names: its $$.StateMachine.Name and
	 * execution ARN agree with what the parent reports. */
	char *smname = strdup(smn + 14);
	char *argv[] = {b->argv[0], "--name",  name,	  "--state-machine-name",
			smname,	    "--clock", "virtual", NULL};
	if (!c->run->virtual_clock)
		argv[5] = NULL;
	int64_t start = aslrt_now_ms(c->run);
	if (sync || sync2)
		child_submitted(c, exec_arn, start);
	aslrt_subresult res;
	int rc = run_sub(c, b, argv, input, &res);
	free(smname);
	int64_t stop = aslrt_now_ms(c->run);
	if (rc) {
		free(res.out);
		free(input);
		free(exec_arn);
		return rc;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "ExecutionArn", json_object_new_string(exec_arn));
	if (!sync && !sync2) {
		/* The child ran to its end; startExecution reports only its start. */
		json_object_object_add(o, "StartDate", epoch_ms(start));
		sdk_metadata(o, "application/x-amz-json-1.0", 100, NULL);
		*out = o;
		free(res.out);
		free(input);
		free(exec_arn);
		return 0;
	}
	struct json_object *output = NULL, *err = NULL, *jin = NULL;
	char why[ASLRT_ERRLEN];
	bool ok = res.how == RT_SUB_EXITED && res.status == 0;
	if (ok && parse_output(c, b, "the child execution", res.out, res.outlen, &output)) {
		rc = -1;
		goto done;
	}
	if (!ok)
		err = child_error(b, &res);
	if (sync2 && aslrt_json_parse(input, strlen(input), &jin, why, sizeof why))
		jin = json_object_new_string(input);
	if (!ok) {
		struct json_object *e = get(err, "Error"), *ca = get(err, "Cause");
		if (e)
			json_object_object_add(o, "Error", json_object_get(e));
		if (ca)
			json_object_object_add(o, "Cause", json_object_get(ca));
	}
	json_object_object_add(o, "Input", sync2 ? jin : json_object_new_string(input));
	struct json_object *det = json_object_new_object();
	json_object_object_add(det, "Included", json_object_new_boolean(1));
	json_object_object_add(o, "InputDetails", det);
	json_object_object_add(o, "Name", json_object_new_string(name));
	if (ok)
		add_output(o, output, sync2);
	json_object_object_add(o, "RedriveCount", json_object_new_int(0));
	json_object_object_add(o, "RedriveStatus",
			       json_object_new_string(ok ? "NOT_REDRIVABLE" : "REDRIVABLE"));
	if (ok)
		json_object_object_add(
		    o, "RedriveStatusReason",
		    json_object_new_string("Execution is SUCCEEDED and cannot be redriven"));
	json_object_object_add(o, "StartDate", epoch_ms(start));
	json_object_object_add(o, "StateMachineArn", json_object_new_string(sm));
	json_object_object_add(o, "Status", json_object_new_string(ok ? "SUCCEEDED" : "FAILED"));
	json_object_object_add(o, "StopDate", epoch_ms(stop));
	if (ok) {
		*out = o;
	} else {
		/* AWS fails the Task with States.TaskFailed, the cause being the
		 * child's DescribeExecution response as JSON text. */
		rc = fail(c, "States.TaskFailed", aslrt_json_dump(o));
	}
done:
	if (rc)
		json_object_put(o);
	json_object_put(err);
	free(res.out);
	free(input);
	free(exec_arn);
	return rc;
}

int aslrt_binding_call(aslrt_ctx *c, const char *resource, struct json_object *input,
		       struct json_object **out)
{
	const aslrt_binding *b = aslrt_binding_find(sets, 2, resource, input);
	if (!b)
		return 1;
	/* For .waitForTaskToken the binding only sends the request: its answer
	 * is an acknowledgement, and the Task's result is what SendTaskSuccess
	 * says on --listen (timing.c waits for it). */
	bool invoke = aslrt_is_lambda_invoke(resource);
	bool lambda = invoke || aslrt_is_lambda_arn(resource);
	if (b->kind == RT_BIND_EXECUTABLE) {
		if (strncmp(resource, "arn:aws:states:::states:startExecution", 38) != 0)
			return failf(
			    c, "States.Runtime",
			    "%s: binding '%s': an Executable binding serves "
			    "arn:aws:states:::states:startExecution[.sync|.sync:2], not %s",
			    b->file, b->key, resource);
		return call_child(c, b, resource, input, out);
	}
	const char *itype = invoke ? json_object_get_string(get(input, "InvocationType")) : NULL;
	if (itype && strcmp(itype, "RequestResponse") != 0)
		return failf(c, "States.Runtime",
			     "%s: binding '%s': InvocationType '%s' is not supported by a binding "
			     "(RequestResponse only)",
			     b->file, b->key, itype);
	struct json_object *payload = input;
	if (invoke) {
		payload = get(input, "Payload");
		if (!json_object_object_get_ex(input, "Payload", NULL))
			payload = NULL;
	}
	struct json_object *empty = invoke && !json_object_object_get_ex(input, "Payload", NULL)
					? json_object_new_object()
					: NULL;
	struct json_object *res = NULL;
	char log[sizeof((aslrt_subresult *)0)->errtail] = "";
	int rc = b->kind == RT_BIND_COMMAND
		     ? call_command(c, b, lambda, empty ? empty : payload, &res, log, sizeof log)
		     : call_url(c, b, lambda, empty ? empty : payload, &res);
	json_object_put(empty);
	if (rc)
		return rc;
	*out = invoke ? lambda_result(input, res, log) : res;
	return 0;
}
