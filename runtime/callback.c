/*
 * callback.c - task tokens and the Step Functions JSON 1.0 API on --listen:
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat for callback
 * (.waitForTaskToken) and activity Tasks, GetActivityTask for activity
 * workers, so `aws stepfunctions send-task-success --endpoint-url` and the
 * AWS SDKs work unchanged.  Requests are not authenticated (SigV4 signatures
 * are not checked): listen on the loopback interface only.
 *
 * libmicrohttpd is loaded with dlopen when --listen is given, so executables
 * that do not listen keep needing only the C library; Debian's static
 * libmicrohttpd.a would drag GnuTLS and its dependencies into every one.
 *
 * A Task waits on the run's clock: on the virtual clock with a listener, the
 * clock follows real time while the Task waits (a callback can come); with
 * no listener a callback cannot come, so the clock jumps to the Task's
 * deadline or missed heartbeat.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "dl.h"
#include "exec.h"

#define TOKEN_MAX 2048	       /* AWS's longest taskToken */
#define BODY_MAX (1024 * 1024) /* largest request body accepted */
#define POLL_MS 60000	       /* GetActivityTask's long poll, as AWS */
/* Connections served at once: libmicrohttpd's default (FD_SETSIZE - 4), or
 * fewer when the descriptor limit is lower (CONN_SPARE left for the rest of
 * the run); long polls may hold all but POLL_SPARE of them, so 1,000 idle
 * workers never starve a SendTaskSuccess.  The server takes CONN_OVER more,
 * whose requests are answered 503 here: past those libmicrohttpd closes a
 * connection unanswered (the built-in server answers it 503 itself). */
#define CONN_MAX 1020
#define CONN_SPARE 64
#define CONN_OVER 32
#define POLL_SPARE 16

enum { OPEN, SUCCEEDED, FAILED, TIMED_OUT };

typedef struct tok {
	char token[64];
	char *activity; /* activity ARN; NULL: a callback */
	char *input;	/* the activity's input (JSON text) */
	bool claimed;	/* handed to a worker */
	char *worker;	/* the workerName it gave GetActivityTask, or NULL */
	bool started;	/* its ActivityStarted is recorded */
	int status;
	struct json_object *output;
	char *error, *cause;
	int64_t beat; /* real time of the last heartbeat, ms; 0: none */
	struct tok *next;
} tok;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static tok *toks;
static bool stopping;
static int inflight; /* requests not yet answered, drained before stopping */
static int polling;  /* GetActivityTask long polls waiting */
static int poll_max; /* most of them at once */
static int conns_open, conns_max;
static aslrt_run *listening_run;

/* libmicrohttpd, resolved at run time */
static struct {
	void *lib;
	struct MHD_Daemon *daemon;
	struct MHD_Daemon *(*start)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
				    MHD_AccessHandlerCallback, void *, ...);
	void (*stop)(struct MHD_Daemon *);
	const union MHD_DaemonInfo *(*info)(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...);
	const char *(*lookup)(struct MHD_Connection *, enum MHD_ValueKind, const char *);
	struct MHD_Response *(*response)(size_t, void *, enum MHD_ResponseMemoryMode);
	enum MHD_Result (*header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
	void (*destroy)(struct MHD_Response *);
} mhd;

static int64_t real_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void aslrt_token_new(char *buf, size_t len, int state, int attempt)
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)rand();
	char hex[33];
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	snprintf(buf, len, "%s-%d-%d", hex, state, attempt);
}

/* The shape aslrt_token_new makes: 32 hex digits, '-', digits, '-', digits. */
static bool token_shaped(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");
	if (n != 32 || t[n] != '-')
		return false;
	t += n + 1;
	n = strspn(t, "0123456789");
	if (!n || t[n] != '-')
		return false;
	t += n + 1;
	n = strspn(t, "0123456789");
	return n && t[n] == 0;
}

static tok *find(const char *token)
{
	for (tok *t = toks; t; t = t->next)
		if (strcmp(t->token, token) == 0)
			return t;
	return NULL;
}

void aslrt_cb_open(const char *token, const char *activity, struct json_object *input)
{
	tok *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	snprintf(t->token, sizeof t->token, "%s", token);
	t->activity = activity ? strdup(activity) : NULL;
	t->input = input ? aslrt_json_dump(input) : NULL;
	pthread_mutex_lock(&lock);
	t->next = toks;
	toks = t;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

static void tok_free(tok *t)
{
	free(t->activity);
	free(t->input);
	free(t->worker);
	free(t->error);
	free(t->cause);
	json_object_put(t->output);
	free(t);
}

/* Forget a token (a used one is then unknown, as AWS answers); a timed-out
 * one is kept, so a late answer gets TaskTimedOut. */
static void close_locked(tok *t)
{
	if (t->status == TIMED_OUT)
		return;
	for (tok **p = &toks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	tok_free(t);
}

void aslrt_cb_close(const char *token)
{
	pthread_mutex_lock(&lock);
	tok *t = find(token);
	if (t)
		close_locked(t);
	pthread_mutex_unlock(&lock);
}

void aslrt_cb_wake(void)
{
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}

/* Move the virtual clock forward to t (the real clock moves by itself). */
static void advance_to(aslrt_run *r, int64_t t)
{
	if (r->virtual_clock)
		aslrt_sleep_ms(r, t - aslrt_now_ms(r));
}

int aslrt_cb_wait(aslrt_ctx *c, const char *token, struct json_object **out)
{
	aslrt_run *r = c->run;
	int64_t v0 = aslrt_now_ms(r), r0 = real_ms(), beat = v0;
	if (!mhd.daemon && !r->virtual_clock && c->task_deadline_ms)
		fprintf(stderr,
			"aslrt: the Task '%s' waits for a callback, which nothing can send without "
			"--listen: it times out in %lld s\n",
			r->states[c->state].name, (long long)((c->task_deadline_ms - v0) / 1000));
	pthread_mutex_lock(&lock);
	tok *t = find(token);
	for (;;) {
		if (t->claimed && !t->started) {
			/* AWS records ActivityStarted when a worker claims the
			 * task, with the name it gave GetActivityTask; on this
			 * thread, whose events it chains.  Only this thread
			 * frees t. */
			t->started = true;
			struct json_object *w =
			    t->worker ? json_object_new_string(t->worker) : NULL;
			pthread_mutex_unlock(&lock);
			aslrt_event(c, EV_TASK_STARTED, c->state, w, 0);
			json_object_put(w);
			pthread_mutex_lock(&lock);
			continue;
		}
		int64_t rnow = real_ms(), now = r->virtual_clock ? v0 + (rnow - r0) : rnow;
		if (t->beat)
			beat = r->virtual_clock ? v0 + (t->beat - r0) : t->beat;
		if (t->status != OPEN) {
			advance_to(r, now);
			break;
		}
		if (aslrt_job_stopped(r)) {
			/* a sibling failed: no worker gets the task now, and a late
			 * answer finds no token, as for an ended Task */
			close_locked(t);
			pthread_mutex_unlock(&lock);
			return aslrt_aborted_error(c);
		}
		int64_t next = c->task_deadline_ms;
		bool heartbeat = false;
		if (c->task_heartbeat_ms && (!next || beat + c->task_heartbeat_ms < next)) {
			next = beat + c->task_heartbeat_ms;
			heartbeat = true;
		}
		bool deaf = !mhd.daemon;
		if (deaf && !next) {
			close_locked(t);
			pthread_mutex_unlock(&lock);
			return aslrt_runtime_error(
			    c,
			    "The Task waits for a callback with the task token "
			    "'%s', but nothing can send one: run the executable "
			    "with --listen 127.0.0.1:PORT",
			    token);
		}
		if (next && (now >= next || (deaf && r->virtual_clock))) {
			/* the deadline or the heartbeat passed: late answers get TaskTimedOut */
			t->status = TIMED_OUT;
			pthread_mutex_unlock(&lock);
			advance_to(r, next);
			return aslrt_timeout_error(c, heartbeat);
		}
		if (!next) {
			pthread_cond_wait(&changed, &lock);
			continue;
		}
		int64_t until = r->virtual_clock ? r0 + (next - v0) : next;
		struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
		pthread_cond_timedwait(&changed, &lock, &ts);
	}
	int rc = 0;
	if (t->status == SUCCEEDED) {
		*out = json_object_get(t->output);
	} else {
		aslrt_error_clear(&c->err);
		c->err.name = t->error ? strdup(t->error) : NULL;
		c->err.cause = t->cause ? strdup(t->cause) : NULL;
		rc = -1;
	}
	close_locked(t);
	pthread_mutex_unlock(&lock);
	return rc;
}

/* --- the HTTP API --- */

typedef struct request {
	char *body;
	size_t len;
	bool too_big;
} request;

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* An optional string member: *ok false when present but not a string. */
static const char *str_member(struct json_object *o, const char *key, bool *ok)
{
	struct json_object *v = member(o, key);
	if (v && !json_object_is_type(v, json_type_string)) {
		*ok = false;
		return NULL;
	}
	return v ? json_object_get_string(v) : NULL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, char *body)
{
	struct MHD_Response *resp = mhd.response(strlen(body), body, MHD_RESPMEM_MUST_COPY);
	free(body);
	if (!resp)
		return MHD_NO;
	mhd.header(resp, "Content-Type", "application/x-amz-json-1.0");
	mhd.header(resp, "x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
	enum MHD_Result rc = mhd.queue(conn, status, resp);
	mhd.destroy(resp);
	return rc;
}

/* AWS's JSON 1.0 error: HTTP 400 {"__type", "message"}. */
static enum MHD_Result fault(struct MHD_Connection *conn, const char *type, const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *t = NULL;
	if (asprintf(&t, "com.amazonaws.swf.service.v2.model#%s", type) < 0)
		abort();
	json_object_object_add(o, "__type", json_object_new_string(t));
	json_object_object_add(o, "message", json_object_new_string(msg));
	free(t);
	char *s = aslrt_json_dump(o);
	json_object_put(o);
	return reply(conn, 400, s);
}

/* Too busy: 503, which the SDKs retry (AWS's ServiceUnavailable, where its
 * ThrottlingException, 400, is for request rates). */
static enum MHD_Result unavailable(struct MHD_Connection *conn, const char *why)
{
	char *body = NULL;
	if (asprintf(&body, "{\"__type\":\"ServiceUnavailable\",\"message\":\"%s; try again\"}",
		     why) < 0)
		abort();
	return reply(conn, 503, body);
}

static enum MHD_Result ok(struct MHD_Connection *conn, struct json_object *o)
{
	char *s = aslrt_json_dump(o);
	json_object_put(o);
	return reply(conn, 200, s);
}

/* SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. */
static enum MHD_Result send_task(struct MHD_Connection *conn, const char *op,
				 struct json_object *req)
{
	bool good = true;
	const char *token = str_member(req, "taskToken", &good);
	const char *output = str_member(req, "output", &good);
	const char *error = str_member(req, "error", &good);
	const char *cause = str_member(req, "cause", &good);
	if (!good)
		return fault(conn, "SerializationException", "A member has the wrong type");
	if (!token || !*token || strlen(token) > TOKEN_MAX || !token_shaped(token))
		return fault(conn, "InvalidToken", "Invalid Token: 'Invalid token'");
	bool success = strcmp(op, "SendTaskSuccess") == 0;
	bool failure = strcmp(op, "SendTaskFailure") == 0;
	struct json_object *result = NULL;
	if (success) {
		char why[ASLRT_ERRLEN];
		if (!output)
			return fault(
			    conn, "ValidationException",
			    "1 validation error detected: Value null at 'output' failed to "
			    "satisfy constraint: Member must not be null");
		if (aslrt_json_parse(output, strlen(output), &result, why, sizeof why)) {
			char *msg = NULL;
			if (asprintf(&msg, "Invalid Output: '%s'", why) < 0)
				abort();
			enum MHD_Result rc = fault(conn, "InvalidOutput", msg);
			free(msg);
			return rc;
		}
	}
	if (failure && ((error && strlen(error) > 256) || (cause && strlen(cause) > 32768)))
		return fault(
		    conn, "ValidationException",
		    "The error is longer than 256 or the cause longer than 32768 characters");
	pthread_mutex_lock(&lock);
	tok *t = find(token);
	const char *type = NULL, *msg = NULL;
	if (!t || (t->activity && !t->claimed && t->status == OPEN)) {
		type = "TaskDoesNotExist";
		msg = "Task does not exist anymore";
	} else if (t->status == TIMED_OUT) {
		type = "TaskTimedOut";
		msg = "Task Timed Out";
	} else if (t->status != OPEN) {
		type = "TaskDoesNotExist";
		msg = "Task does not exist anymore";
	} else if (success) {
		t->status = SUCCEEDED;
		t->output = result;
		result = NULL;
	} else if (failure) {
		t->status = FAILED;
		t->error = error ? strdup(error) : NULL;
		t->cause = cause ? strdup(cause) : NULL;
	} else {
		t->beat = real_ms();
	}
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
	json_object_put(result);
	if (type)
		return fault(conn, type, msg);
	return ok(conn, json_object_new_object());
}

/* A string's length as AWS's constraints count it: in characters (code
 * points), not UTF-8 bytes (json-c's strings are valid UTF-8). */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* GetActivityTask: the oldest unclaimed task of that activity, or {} after
 * the long poll.  The workerName, if any, goes into the history's
 * ActivityStarted (at most 256 characters there, as AWS documents it). */
static enum MHD_Result get_activity_task(struct MHD_Connection *conn, struct json_object *req)
{
	bool good = true;
	const char *arn = str_member(req, "activityArn", &good);
	if (!good || !arn || !*arn)
		return fault(conn, "InvalidArn", "Invalid Arn: 'activityArn is required'");
	const char *worker = str_member(req, "workerName", &good);
	if (!good)
		return fault(conn, "SerializationException", "workerName must be a string");
	if (worker && chars(worker) > 256)
		return fault(
		    conn, "ValidationException",
		    "1 validation error detected: Value at 'workerName' failed to "
		    "satisfy constraint: Member must have length less than or equal to 256");
	bool known = false;
	for (int i = 0; i < listening_run->nstates && !known; i++) {
		const char *res = listening_run->states[i].resource;
		known = res && strcmp(res, arn) == 0;
	}
	if (!known)
		return fault(conn, "ActivityDoesNotExist",
			     "Activity Does Not Exist: no state of this machine runs it");
	int64_t until = real_ms() + POLL_MS;
	pthread_mutex_lock(&lock);
	if (polling >= poll_max) {
		pthread_mutex_unlock(&lock);
		return unavailable(conn, "Too many GetActivityTask polls are waiting");
	}
	polling++;
	struct json_object *o = json_object_new_object();
	while (!stopping) {
		tok *found = NULL;
		for (tok *t = toks; t; t = t->next)
			if (t->activity && !t->claimed && t->status == OPEN &&
			    strcmp(t->activity, arn) == 0)
				found = t; /* the list is newest first */
		if (found) {
			found->claimed = true;
			found->worker = worker ? strdup(worker) : NULL;
			pthread_cond_broadcast(&changed); /* its Task records ActivityStarted */
			json_object_object_add(o, "taskToken",
					       json_object_new_string(found->token));
			json_object_object_add(o, "input", json_object_new_string(found->input));
			break;
		}
		struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
		if (pthread_cond_timedwait(&changed, &lock, &ts) == ETIMEDOUT)
			break;
	}
	polling--;
	pthread_mutex_unlock(&lock);
	return ok(conn, o);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)version;
	request *rq = *con_cls;
	if (!rq) {
		if (!(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		*con_cls = rq;
		pthread_mutex_lock(&lock);
		inflight++;
		bool over = conns_open > conns_max;
		pthread_mutex_unlock(&lock);
		if (over)
			return unavailable(conn, "The server has too many connections open");
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > BODY_MAX) {
			rq->too_big = true;
		} else {
			char *b = realloc(rq->body, rq->len + *upload_size + 1);
			if (!b)
				return MHD_NO;
			memcpy(b + rq->len, upload, *upload_size);
			rq->body = b;
			rq->len += *upload_size;
			b[rq->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0)
		return fault(conn, "UnknownOperationException", "Only POST / is served");
	if (rq->too_big)
		return fault(conn, "ValidationException", "The request body is too large");
	const char *target = mhd.lookup(conn, MHD_HEADER_KIND, "X-Amz-Target");
	const char *prefix = "AWSStepFunctions.";
	if (!target || strncmp(target, prefix, strlen(prefix)) != 0)
		return fault(conn, "UnknownOperationException", "Missing or unknown X-Amz-Target");
	const char *op = target + strlen(prefix);
	struct json_object *req = NULL;
	char why[ASLRT_ERRLEN];
	if (aslrt_json_parse(rq->body ? rq->body : "{}", rq->body ? rq->len : 2, &req, why,
			     sizeof why) ||
	    !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		return fault(conn, "SerializationException",
			     "The request body is not a JSON object");
	}
	enum MHD_Result rc;
	if (strcmp(op, "SendTaskSuccess") == 0 || strcmp(op, "SendTaskFailure") == 0 ||
	    strcmp(op, "SendTaskHeartbeat") == 0)
		rc = send_task(conn, op, req);
	else if (strcmp(op, "GetActivityTask") == 0)
		rc = get_activity_task(conn, req);
	else
		rc = fault(conn, "UnknownOperationException",
			   "This executable does not serve that operation");
	json_object_put(req);
	return rc;
}

static void notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		   enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	(void)socket_context;
	pthread_mutex_lock(&lock);
	conns_open += toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1;
	pthread_mutex_unlock(&lock);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)conn;
	(void)why;
	request *rq = *con_cls;
	if (rq) {
		free(rq->body);
		free(rq);
		pthread_mutex_lock(&lock);
		inflight--;
		pthread_cond_broadcast(&changed);
		pthread_mutex_unlock(&lock);
	}
	*con_cls = NULL;
}

static int load_mhd(char *why, size_t whylen)
{
	mhd.lib = aslrt_dlopen("libmicrohttpd.so.12");
	if (!mhd.lib) {
		snprintf(why, whylen, "--listen needs libmicrohttpd (Debian: libmicrohttpd12): %s",
			 aslrt_dlerror());
		return -1;
	}
	static const char *const names[] = {"MHD_start_daemon",
					    "MHD_stop_daemon",
					    "MHD_get_daemon_info",
					    "MHD_lookup_connection_value",
					    "MHD_create_response_from_buffer",
					    "MHD_add_response_header",
					    "MHD_queue_response",
					    "MHD_destroy_response"};
	void *fns[8];
	for (int i = 0; i < 8; i++)
		if (!(fns[i] = aslrt_dlsym(mhd.lib, names[i]))) {
			snprintf(why, whylen, "libmicrohttpd has no %s", names[i]);
			return -1;
		}
	/* POSIX: function pointers round-trip through void * (dlsym's contract) */
	memcpy(&mhd.start, &fns[0], sizeof fns[0]);
	memcpy(&mhd.stop, &fns[1], sizeof fns[1]);
	memcpy(&mhd.info, &fns[2], sizeof fns[2]);
	memcpy(&mhd.lookup, &fns[3], sizeof fns[3]);
	memcpy(&mhd.response, &fns[4], sizeof fns[4]);
	memcpy(&mhd.header, &fns[5], sizeof fns[5]);
	memcpy(&mhd.queue, &fns[6], sizeof fns[6]);
	memcpy(&mhd.destroy, &fns[7], sizeof fns[7]);
	return 0;
}

int aslrt_listen_start(aslrt_run *r, const char *addr, char *why, size_t whylen)
{
	listening_run = r;
	const char *colon = strrchr(addr, ':');
	char host[64];
	struct sockaddr_in sa = {0};
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof host || !colon[1] || *end ||
	    port < 0 || port > 65535) {
		snprintf(why, whylen, "--listen wants HOST:PORT with an IPv4 address, not '%s'",
			 addr);
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = 0;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(why, whylen, "--listen wants HOST:PORT with an IPv4 address, not '%s'",
			 addr);
		return -1;
	}
	if (load_mhd(why, whylen))
		return -1;
	/* the server holds up to conns + CONN_OVER descriptors: CONN_SPARE
	 * are left beyond those, not beyond conns alone */
	struct rlimit nofile;
	unsigned conns = CONN_MAX;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < CONN_MAX + CONN_OVER + CONN_SPARE)
		conns = nofile.rlim_cur > CONN_OVER + CONN_SPARE + 2 * POLL_SPARE
			    ? (unsigned)nofile.rlim_cur - CONN_OVER - CONN_SPARE
			    : 2 * POLL_SPARE;
	poll_max = (int)conns - POLL_SPARE;
	conns_max = (int)conns;
	/* poll, not select: a socket numbered past FD_SETSIZE is served too */
	mhd.daemon = mhd.start(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
	    (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)120, MHD_OPTION_CONNECTION_LIMIT, conns + CONN_OVER,
	    MHD_OPTION_NOTIFY_CONNECTION, notify, NULL, MHD_OPTION_END);
	if (!mhd.daemon) {
		snprintf(why, whylen, "cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	const union MHD_DaemonInfo *info = mhd.info(mhd.daemon, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "listening on %s:%u\n", host, info ? (unsigned)info->port : (unsigned)port);
	fflush(stderr);
	return 0;
}

bool aslrt_listening(void)
{
	return mhd.daemon != NULL;
}

void aslrt_listen_stop(void)
{
	if (mhd.daemon) {
		/* let the answers in flight (the last SendTaskSuccess) reach their
		 * clients, for at most 2 s; long polls answer {} now */
		int64_t until = real_ms() + 2000;
		pthread_mutex_lock(&lock);
		stopping = true;
		pthread_cond_broadcast(&changed);
		while (inflight > 0) {
			struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
			if (pthread_cond_timedwait(&changed, &lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&lock);
		mhd.stop(mhd.daemon);
		mhd.daemon = NULL;
	}
	if (mhd.lib)
		aslrt_dlclose(mhd.lib);
	mhd.lib = NULL;
	while (toks) {
		tok *t = toks;
		toks = t->next;
		tok_free(t);
	}
}
