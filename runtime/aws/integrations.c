/*
 * integrations.c - the Step Functions service integrations a compiled
 * workflow calls itself, with Step Functions' parameter and result shapes:
 *   arn:aws:states:::lambda:invoke, the Lambda function ARN form,
 *   dynamodb:getItem/putItem/updateItem/deleteItem, sqs:sendMessage,
 *   sns:publish, events:putEvents, states:startExecution[.sync[:2]],
 *   ecs:runTask[.sync], batch:submitJob[.sync] (the "optimized"
 *   integrations: results carry SdkHttpMetadata/SdkResponseMetadata, errors
 *   are named after the Java SDK v1 exception classes, e.g.
 *   DynamoDB.ConditionalCheckFailedException);
 *   arn:aws:states:::aws-sdk:<service>:<action> for the JSON-protocol
 *   services below, S3's object calls and SNS Publish (errors named after
 *   SDK v2's service ids, e.g. DynamoDb.ResourceNotFoundException,
 *   S3.NoSuchKeyException).  A .waitForTaskToken Resource sends the plain
 *   integration's request; the caller waits for the callback.
 *
 * Every call: region, credentials and endpoint resolved as the SDKs do
 * (cred.c), signed with SigV4 (sigv4.c), sent over libcurl (http.c) within
 * the Task's deadline, and retried as the SDKs' "standard" retry mode does:
 * at most AWS_MAX_ATTEMPTS attempts (default 3) on a transport error, HTTP
 * 500/502/503/504/429 or a throttling error code, after a full-jitter
 * exponential backoff (random up to 100 ms * 2^n, 1 s * 2^n for throttling,
 * capped at 20 s, never past the deadline).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aws.h"
#include "exec.h"
#include "rt.h"

/* --- services --- */

typedef enum { P_JSON, P_REST_JSON, P_QUERY, P_REST_XML } protocol;

typedef struct service {
	const char *sdk;     /* aws-sdk:<sdk>:..., and the resource prefix */
	const char *id;	     /* SDK service id: AWS_ENDPOINT_URL_<ID> */
	const char *prefix;  /* endpoint prefix */
	const char *signing; /* SigV4 service name */
	protocol proto;
	const char *json_version; /* "1.0" / "1.1" */
	const char *target;	  /* X-Amz-Target prefix */
	const char *v1_prefix;	  /* optimized integrations' error prefix */
	const char *v1_service;	  /* "Service: ..." in v1 causes */
	const char *v1_base;	  /* v1's base exception class less "Exception" */
	const char *v2_id;	  /* aws-sdk integrations' error prefix */
	bool camel;		  /* API members are camelCase */
} service;

static const service services[] = {
    {"lambda", "Lambda", "lambda", "lambda", P_REST_JSON, NULL, NULL, "Lambda", "AWSLambda",
     "AWSLambda", "Lambda", false},
    {"dynamodb", "DynamoDB", "dynamodb", "dynamodb", P_JSON, "1.0", "DynamoDB_20120810", "DynamoDB",
     "AmazonDynamoDBv2", "AmazonDynamoDB", "DynamoDb", false},
    {"sqs", "SQS", "sqs", "sqs", P_JSON, "1.0", "AmazonSQS", "SQS", "AmazonSQS", "AmazonSQS", "Sqs",
     false},
    {"sns", "SNS", "sns", "sns", P_QUERY, NULL, NULL, "SNS", "AmazonSNS", "AmazonSNS", "Sns",
     false},
    {"events", "EventBridge", "events", "events", P_JSON, "1.1", "AWSEvents", "EventBridge",
     "AmazonCloudWatchEvents", "AmazonCloudWatchEvents", "EventBridge", false},
    {"eventbridge", "EventBridge", "events", "events", P_JSON, "1.1", "AWSEvents", "EventBridge",
     "AmazonCloudWatchEvents", "AmazonCloudWatchEvents", "EventBridge", false},
    {"sfn", "SFN", "states", "states", P_JSON, "1.0", "AWSStepFunctions", "StepFunctions",
     "AWSStepFunctions", "AWSStepFunctions", "Sfn", true},
    {"ecs", "ECS", "ecs", "ecs", P_JSON, "1.1", "AmazonEC2ContainerServiceV20141113", "AmazonECS",
     "AmazonECS", "AmazonECS", "Ecs", true},
    {"kinesis", "Kinesis", "kinesis", "kinesis", P_JSON, "1.1", "Kinesis_20131202", "Kinesis",
     "AmazonKinesis", "AmazonKinesis", "Kinesis", false},
    {"cloudwatchlogs", "CloudWatch Logs", "logs", "logs", P_JSON, "1.1", "Logs_20140328",
     "CloudWatchLogs", "AWSLogs", "AWSLogs", "CloudWatchLogs", true},
    {"ssm", "SSM", "ssm", "ssm", P_JSON, "1.1", "AmazonSSM", "Ssm", "AWSSimpleSystemsManagement",
     "AWSSimpleSystemsManagement", "Ssm", false},
    {"secretsmanager", "Secrets Manager", "secretsmanager", "secretsmanager", P_JSON, "1.1",
     "secretsmanager", "SecretsManager", "AWSSecretsManager", "AWSSecretsManager", "SecretsManager",
     false},
    {"kms", "KMS", "kms", "kms", P_JSON, "1.1", "TrentService", "Kms", "AWSKMS", "AWSKMS", "Kms",
     false},
    {"batch", "Batch", "batch", "batch", P_REST_JSON, NULL, NULL, "Batch", "AWSBatch", "AWSBatch",
     "Batch", true},
    {"s3", "S3", "s3", "s3", P_REST_XML, NULL, NULL, "S3", "Amazon S3", "AmazonS3", "S3", false},
};

static const service *find_service(const char *sdk)
{
	for (size_t i = 0; i < sizeof services / sizeof *services; i++)
		if (strcmp(services[i].sdk, sdk) == 0)
			return &services[i];
	return NULL;
}

/* --- small JSON helpers --- */

/* A parameter the service takes as text: strings as they are, any other
 * JSON value serialised (Step Functions does this for MessageBody, Message,
 * Detail, Payload). malloc'd. */
static char *as_text(struct json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return strdup(json_object_get_string(v));
	return aslrt_json_dump(v);
}

/* A copy of the parameters p with member key (if there) as_text. */
static struct json_object *with_text(struct json_object *p, const char *key)
{
	struct json_object *q = json_object_new_object();
	json_object_object_foreach(p, name, val)
	{
		if (strcmp(name, key) == 0 && !json_object_is_type(val, json_type_string)) {
			char *t = as_text(val);
			json_object_object_add(q, name, json_object_new_string(t));
			free(t);
		} else {
			json_object_object_add(q, name, json_object_get(val));
		}
	}
	return q;
}

/* --- one call --- */

typedef struct call {
	const service *svc;
	bool sdk; /* an aws-sdk integration (v2 error names) */
	const char *method;
	aslrt_buf path;	     /* as sent (encoded) */
	aslrt_buf sign_path; /* as the signer encodes it (decoded for S3) */
	aslrt_buf query;
	aws_headers headers;
	aslrt_buf body;
	const char *target; /* X-Amz-Target action, JSON protocol */
	const char *bucket; /* S3 */
	/* S3 getObject streamed (ItemReader): the body goes here */
	size_t (*sink)(const char *p, size_t n, void *arg);
	void *sink_arg;
} call;

static void call_free(call *k)
{
	aslrt_buf_free(&k->path);
	aslrt_buf_free(&k->sign_path);
	aslrt_buf_free(&k->query);
	aslrt_aws_headers_free(&k->headers);
	aslrt_buf_free(&k->body);
}

static const char *throttles[] = {"Throttling",
				  "ThrottlingException",
				  "ThrottledException",
				  "RequestThrottledException",
				  "TooManyRequestsException",
				  "ProvisionedThroughputExceededException",
				  "TransactionInProgressException",
				  "RequestLimitExceeded",
				  "BandwidthLimitExceeded",
				  "LimitExceededException",
				  "RequestThrottled",
				  "SlowDown",
				  "PriorRequestNotComplete",
				  "EC2ThrottledException"};

static bool is_throttle(const char *code)
{
	for (size_t i = 0; code && i < sizeof throttles / sizeof *throttles; i++)
		if (strcmp(code, throttles[i]) == 0)
			return true;
	return false;
}

/* The exception class the SDK raises for a code. */
static char *exception_name(const call *k, const char *code, const aws_http_resp *r)
{
	aslrt_buf b = {0};
	aslrt_buf_printf(&b, "%s.", k->sdk ? k->svc->v2_id : k->svc->v1_prefix);
	/* SQS's JSON errors name the modeled shape; its legacy query codes differ. */
	if (strcmp(code, "AWS.SimpleQueueService.NonExistentQueue") == 0)
		code = "QueueDoesNotExist";
	/* A HEAD has no body to name the error: SDK v2 calls S3's 404 NoSuchKey. */
	if (strcmp(k->svc->sdk, "s3") == 0 && strcmp(k->method, "HEAD") == 0 && r->status == 404)
		code = "NoSuchKey";
	size_t n = strlen(code);
	/* DynamoDB's ValidationException has no class of its own in the Java
	 * SDK v1 Step Functions uses: it surfaces as the base class. */
	if (!k->sdk && strcmp(k->svc->sdk, "dynamodb") == 0 &&
	    strcmp(code, "ValidationException") == 0)
		aslrt_buf_printf(&b, "%sException", k->svc->v1_base);
	else if (n > 9 && strcmp(code + n - 9, "Exception") == 0)
		aslrt_buf_puts(&b, code);
	else if (strcmp(code, "InternalFailure") == 0 || strcmp(code, "UnknownError") == 0 ||
		 strcmp(code, "BadRequest") == 0 || strcmp(code, "Forbidden") == 0)
		/* No modeled error: the service's base exception class. */
		aslrt_buf_printf(&b, "%sException", k->sdk ? k->svc->v2_id : k->svc->v1_base);
	else
		aslrt_buf_printf(&b, "%sException", code);
	return b.s;
}

static const char *request_id(const aws_http_resp *r)
{
	const char *id = aslrt_aws_headers_get(&r->headers, "x-amzn-RequestId");
	if (!id)
		id = aslrt_aws_headers_get(&r->headers, "x-amz-request-id");
	return id ? id : "";
}

static int fail_response(aslrt_ctx *c, const call *k, const aws_http_resp *r)
{
	char *code, *msg;
	aslrt_aws_error_of(r, &code, &msg);
	const char *legacy = aslrt_aws_headers_get(&r->headers, "x-amzn-query-error");
	char *name = exception_name(k, code, r);
	aslrt_buf cause = {0};
	if (k->sdk) {
		aslrt_buf_printf(&cause, "%s (Service: %s, Status Code: %ld, Request ID: %s)",
				 msg ? msg : "", k->svc->v2_id, r->status, request_id(r));
	} else {
		aslrt_buf_printf(&cause,
				 "%s (Service: %s; Status Code: %ld; Error Code: %.*s; Request ID: "
				 "%s; Proxy: null)",
				 msg ? msg : "", k->svc->v1_service, r->status,
				 legacy ? (int)strcspn(legacy, ";") : (int)strlen(code),
				 legacy ? legacy : code, request_id(r));
	}
	aslrt_error_clear(&c->err);
	c->err.name = name;
	c->err.cause = cause.s;
	free(code);
	free(msg);
	return -1;
}

/* The SDK's client-side failure: cause = head + tail. */
static int client_error(aslrt_ctx *c, const call *k, const char *head, const char *tail)
{
	aslrt_error_clear(&c->err);
	aslrt_buf n = {0};
	aslrt_buf_printf(&n, "%s.SdkClientException", k->sdk ? k->svc->v2_id : k->svc->v1_prefix);
	c->err.name = n.s;
	aslrt_buf m = {0};
	aslrt_buf_printf(&m, "%s%s", head, tail);
	c->err.cause = m.s;
	return -1;
}

static long max_attempts(void)
{
	const char *s = getenv("AWS_MAX_ATTEMPTS");
	long n = s && *s ? strtol(s, NULL, 10) : 3;
	return n < 1 ? 1 : n > 10 ? 10 : n;
}

/* Real time, whatever the run's clock; a sibling's failure ends it early. */
static void sleep_ms(int64_t ms)
{
	if (aslrt_pool_sleep(ms))
		return;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Before the next poll of a .sync Task: sleep, doubling the wait up to cap;
 * -1 with States.Timeout (as AWS records TaskTimedOut) when the Task's
 * deadline comes first. */
static int poll_pause(aslrt_ctx *c, int64_t *wait, int64_t cap)
{
	if (c->task_deadline_ms > 0 && aslrt_now_ms(c->run) + *wait >= c->task_deadline_ms)
		return aslrt_timeout_error(c, false);
	sleep_ms(*wait);
	if (aslrt_job_stopped(c->run))
		return aslrt_aborted_error(c);
	*wait = *wait * 2 > cap ? cap : *wait * 2;
	return 0;
}

/* A .sync job that did not succeed: States.TaskFailed, its description
 * (what) as the cause, as Step Functions reports it; d (owning what) is freed. */
static int sync_failed(aslrt_ctx *c, struct json_object *what, struct json_object *d)
{
	aslrt_error_clear(&c->err);
	c->err.name = strdup("States.TaskFailed");
	c->err.cause = aslrt_json_dump(what);
	json_object_put(d);
	return -1;
}

/* Where k goes: the endpoint's scheme and host (the bucket's virtual host
 * on AWS's own S3), the URL's path and the path as signed. */
typedef struct dest {
	char *region, *endpoint, *host;
	aslrt_buf url, spath;
} dest;

static void dest_free(dest *t)
{
	aslrt_buf_free(&t->url);
	aslrt_buf_free(&t->spath);
	free(t->host);
	free(t->endpoint);
	free(t->region);
}

/* 0, or -1 with c->err (no region, an endpoint that is not http(s)). */
static int address(aslrt_ctx *c, call *k, dest *t)
{
	*t = (dest){0};
	if (!(t->region = aslrt_aws_region()))
		return client_error(
		    c, k,
		    "Unable to find a region: set AWS_REGION or AWS_DEFAULT_REGION, "
		    "or region in the profile of ~/.aws/config",
		    "");
	t->endpoint = aslrt_aws_endpoint(k->svc->id, k->svc->prefix, t->region);
	const char *endpoint = t->endpoint, *hostp = strstr(endpoint, "://");
	if (!hostp || strncmp(endpoint, "http", 4) != 0)
		return client_error(c, k,
				    "The endpoint URL is not http(s)://host[:port]: ", endpoint);
	hostp += 3;
	/* A path on the endpoint URL prefixes every request path. */
	const char *base_path = strchr(hostp, '/');
	t->host = base_path ? strndup(hostp, (size_t)(base_path - hostp)) : strdup(hostp);
	/* AWS's own S3 endpoint (not a configured one): virtual-hosted style. */
	bool vhost = k->bucket && !strchr(k->bucket, '.') && strncmp(hostp, "s3.", 3) == 0 &&
		     (strstr(hostp, ".amazonaws.com") != NULL) &&
		     strncmp(endpoint, "https://", 8) == 0;
	if (vhost) {
		/* Real S3: virtual-hosted style, as the SDKs address buckets. */
		char *h = NULL;
		if (asprintf(&h, "%s.%s", k->bucket, t->host) < 0)
			abort();
		free(t->host);
		t->host = h;
		aslrt_buf_printf(&t->url, "https://%s", t->host);
	} else {
		aslrt_buf_put(&t->url, endpoint, (size_t)(hostp - endpoint));
		aslrt_buf_puts(&t->url, t->host);
		if (base_path) {
			aslrt_buf_puts(&t->url, base_path);
			aslrt_buf_puts(&t->spath, base_path);
		}
		if (k->bucket) {
			aslrt_buf_puts(&t->url, "/");
			aslrt_aws_uri_encode(&t->url, k->bucket, strlen(k->bucket), false);
			aslrt_buf_printf(&t->spath, "/%s", k->bucket);
		}
	}
	/* A bucket-level call is /{Bucket} in path style, as botocore sends it. */
	const char *root = k->bucket && !vhost ? "" : "/";
	aslrt_buf_puts(&t->url, k->path.len ? k->path.s : root);
	aslrt_buf_puts(&t->spath, k->sign_path.len ? k->sign_path.s
				  : k->path.len	   ? k->path.s
						   : root);
	return 0;
}

/* One signed exchange: 0 with the response, -1 with why (and *timed_out),
 * or -2 when the request cannot be signed (c->err set). */
static int send_once(aslrt_ctx *c, call *k, const dest *t, aws_creds *creds, int64_t timeout,
		     aws_http_resp *resp, bool *timed_out, char *why, size_t whylen)
{
	bool s3 = k->svc->proto == P_REST_XML;
	aws_http_req req = {.method = k->method,
			    .body = k->body.s,
			    .body_len = k->body.len,
			    .timeout_ms = (long)timeout,
			    .sink = k->sink,
			    .sink_arg = k->sink_arg,
			    /* a sibling branch's failure ends the call */
			    .stop = c->run->virtual_clock ? NULL : aslrt_pool_stopped};
	/* A Lambda function may run 15 minutes before its first byte. */
	req.stall_s = strcmp(k->svc->sdk, "lambda") == 0 ? 960 : 60;
	aslrt_aws_headers_add(&req.headers, "Host", t->host);
	for (int i = 0; i < k->headers.n; i++)
		aslrt_aws_headers_add(&req.headers, k->headers.v[i].name, k->headers.v[i].value);
	aws_sign_req sr = {k->method, t->spath.s,  k->query.s, &req.headers,
			   k->body.s, k->body.len, NULL};
	aws_sign_opts so = {.creds = creds,
			    .region = t->region,
			    .service = k->svc->signing,
			    .now = time(NULL),
			    .normalize = !s3,
			    .sign_body = s3};
	aws_signed sig = {0};
	aslrt_buf full = {0};
	aslrt_buf_puts(&full, t->url.s);
	if (k->query.len)
		aslrt_buf_printf(&full, "?%s", k->query.s);
	req.url = full.s;
	int hr;
	*timed_out = false;
	/* A header from the state's input (S3 Metadata, Lambda ClientContext,
	 * ...) must not end its line: CR or LF would write headers of their
	 * own into the request. */
	const char *broken = NULL;
	for (int i = 0; i < req.headers.n && !broken; i++)
		if (strpbrk(req.headers.v[i].name, "\r\n") ||
		    strpbrk(req.headers.v[i].value, "\r\n"))
			broken = req.headers.v[i].name;
	if (broken) {
		client_error(c, k, "A request header holds a line break (CR or LF): ", broken);
		hr = -2;
	} else if (aslrt_aws_sign(&so, &sr, AWS_SIGN_HEADER, &sig) != 0) {
		client_error(c, k, "The request's query string is malformed", "");
		hr = -2;
	} else {
		hr = aslrt_aws_http(&req, resp, timed_out, why, whylen);
	}
	aslrt_aws_signed_free(&sig);
	aslrt_aws_headers_free(&req.headers);
	aslrt_buf_free(&full);
	return hr;
}

/* The SDKs' full-jitter backoff before retry attempt+1 (throttling waits
 * longer), or -1 when the Task's deadline comes first. */
static int64_t backoff_ms(aslrt_ctx *c, bool throttle, long attempt)
{
	int64_t cap = (int64_t)(throttle ? 1000 : 100) << (attempt < 8 ? attempt : 8);
	if (cap > 20000)
		cap = 20000;
	int64_t backoff = (int64_t)((double)rand() / RAND_MAX * (double)cap);
	if (c->task_deadline_ms > 0 && aslrt_now_ms(c->run) + backoff >= c->task_deadline_ms)
		return -1;
	return backoff;
}

/* Send k: 0 with the final response (any status) in *resp, -1 with c->err. */
static int send_call(aslrt_ctx *c, call *k, aws_http_resp *resp)
{
	dest t;
	if (address(c, k, &t) != 0) {
		dest_free(&t);
		return -1;
	}
	aws_creds creds;
	char why[512];
	int rc = -1;
	if (aslrt_aws_credentials(&creds, why, sizeof why) != 0) {
		client_error(c, k, "Unable to load AWS credentials: ", why);
		dest_free(&t);
		return -1;
	}
	long attempts = max_attempts();
	for (long attempt = 0;; attempt++) {
		int64_t timeout = 0;
		if (c->task_deadline_ms > 0) {
			timeout = c->task_deadline_ms - aslrt_now_ms(c->run);
			if (timeout <= 0) {
				aslrt_error_set(&c->err, "States.Timeout", NULL);
				free(c->err.cause);
				c->err.cause = NULL;
				break;
			}
		}
		if (aslrt_job_stopped(c->run)) { /* during the backoff */
			aslrt_aborted_error(c);
			break;
		}
		bool timed_out;
		int hr = send_once(c, k, &t, &creds, timeout, resp, &timed_out, why, sizeof why);
		if (hr == 0 && resp->status < 300) {
			rc = 0;
			break;
		}
		if (hr == -2)
			break;
		if (hr != 0 && aslrt_job_stopped(c->run)) {
			aslrt_aborted_error(c);
			break;
		}
		bool retry, throttle = false;
		if (hr == 0) {
			char *code, *msg;
			aslrt_aws_error_of(resp, &code, &msg);
			throttle = is_throttle(code) || resp->status == 429;
			retry = throttle || resp->status == 500 || resp->status == 502 ||
				resp->status == 503 || resp->status == 504;
			free(code);
			free(msg);
		} else if (timed_out && c->task_deadline_ms > 0 &&
			   aslrt_now_ms(c->run) >= c->task_deadline_ms) {
			aslrt_error_clear(&c->err);
			c->err.name = strdup("States.Timeout");
			break;
		} else {
			/* no libcurl: no point; bytes streamed: they cannot be
			 * taken back */
			retry = !strstr(why, "libcurl") && !resp->streamed;
		}
		int64_t backoff =
		    retry && attempt + 1 < attempts ? backoff_ms(c, throttle, attempt) : -1;
		if (backoff < 0) {
			if (hr == 0)
				rc = 0; /* the caller maps the error response */
			else
				client_error(c, k, "Unable to execute HTTP request: ", why);
			break;
		}
		if (hr == 0)
			aslrt_aws_http_resp_free(resp);
		sleep_ms(backoff);
	}
	aslrt_aws_creds_free(&creds);
	dest_free(&t);
	return rc;
}

/* --- results --- */

/* {"AllHttpHeaders":{n:[v]},"HttpHeaders":{n:v},"HttpStatusCode":s} and
 * {"RequestId":..} as the Java SDK v1 reports them. */
static void add_sdk_metadata(struct json_object *res, const aws_http_resp *r)
{
	struct json_object *all = json_object_new_object(), *one = json_object_new_object();
	for (int i = 0; i < r->headers.n; i++) {
		const aws_header *h = &r->headers.v[i];
		struct json_object *list = aslrt_aws_get(all, h->name);
		if (!list) {
			list = json_object_new_array();
			json_object_object_add(all, h->name, list);
		}
		json_object_array_add(list, json_object_new_string(h->value));
		json_object_object_add(one, h->name, json_object_new_string(h->value));
	}
	struct json_object *http = json_object_new_object();
	json_object_object_add(http, "AllHttpHeaders", all);
	json_object_object_add(http, "HttpHeaders", one);
	json_object_object_add(http, "HttpStatusCode", json_object_new_int((int)r->status));
	json_object_object_add(res, "SdkHttpMetadata", http);
	struct json_object *meta = json_object_new_object();
	json_object_object_add(meta, "RequestId", json_object_new_string(request_id(r)));
	json_object_object_add(res, "SdkResponseMetadata", meta);
}

static int parse_body(aslrt_ctx *c, const call *k, const aws_http_resp *r, struct json_object **out)
{
	char why[256] = "not a JSON object";
	*out = NULL; /* the parser leaves it alone when it fails */
	if (r->body.len == 0) {
		*out = json_object_new_object();
		return 0;
	}
	if (aslrt_json_parse(r->body.s, r->body.len, out, why, sizeof why) != 0 ||
	    !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return client_error(c, k, "Unable to unmarshall the response: ", why);
	}
	return 0;
}

/* Change the first letter of every object key, recursively. */
static struct json_object *recase(struct json_object *v, bool upper)
{
	if (json_object_is_type(v, json_type_array)) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_object_array_add(a, recase(json_object_array_get_idx(v, i), upper));
		return a;
	}
	if (!json_object_is_type(v, json_type_object))
		return json_object_get(v);
	struct json_object *o = json_object_new_object();
	json_object_object_foreach(v, key, val)
	{
		char *k2 = strdup(key);
		k2[0] =
		    (char)(upper ? toupper((unsigned char)k2[0]) : tolower((unsigned char)k2[0]));
		json_object_object_add(o, k2, recase(val, upper));
		free(k2);
	}
	return o;
}

/* --- JSON protocol --- */

static int json_call(aslrt_ctx *c, call *k, const char *action, struct json_object *body,
		     aws_http_resp *resp)
{
	k->method = "POST";
	if (k->svc->proto == P_REST_JSON) {
		/* Batch: POST /v1/<action in lower case> */
		aslrt_buf_puts(&k->path, "/v1/");
		for (const char *a = action; *a; a++) {
			char ch = (char)tolower((unsigned char)*a);
			aslrt_buf_put(&k->path, &ch, 1);
		}
		aslrt_aws_headers_add(&k->headers, "Content-Type", "application/json");
	} else {
		aslrt_buf_puts(&k->path, "/");
		char ct[40], target[160];
		snprintf(ct, sizeof ct, "application/x-amz-json-%s", k->svc->json_version);
		snprintf(target, sizeof target, "%s.%c%s", k->svc->target,
			 toupper((unsigned char)action[0]), action + 1);
		aslrt_aws_headers_add(&k->headers, "Content-Type", ct);
		aslrt_aws_headers_add(&k->headers, "X-Amz-Target", target);
	}
	char *text = aslrt_json_dump(body);
	aslrt_buf_puts(&k->body, text);
	free(text);
	return send_call(c, k, resp);
}

/* --- integrations --- */

static int lambda_invoke(aslrt_ctx *c, call *k, struct json_object *p, bool legacy,
			 const char *fn_arn, struct json_object **out)
{
	const char *fn = legacy ? fn_arn : aslrt_aws_get_str(p, "FunctionName");
	if (!fn)
		return aslrt_raise(c, "States.Runtime",
				   "The Parameters '%s' could not be used to start the Task: "
				   "[The field 'FunctionName' is required]",
				   json_object_to_json_string(p));
	k->method = "POST";
	aslrt_buf_puts(&k->path, "/2015-03-31/functions/");
	aslrt_aws_uri_encode(&k->path, fn, strlen(fn), false);
	aslrt_buf_puts(&k->path, "/invocations");
	struct json_object *payload = legacy ? p : aslrt_aws_get(p, "Payload");
	const char *q = legacy ? NULL : aslrt_aws_get_str(p, "Qualifier");
	if (q) {
		aslrt_buf_puts(&k->query, "Qualifier=");
		aslrt_aws_uri_encode(&k->query, q, strlen(q), false);
	}
	const char *it = legacy ? NULL : aslrt_aws_get_str(p, "InvocationType");
	const char *lt = legacy ? NULL : aslrt_aws_get_str(p, "LogType");
	const char *cc = legacy ? NULL : aslrt_aws_get_str(p, "ClientContext");
	aslrt_aws_headers_add(&k->headers, "X-Amz-Invocation-Type", it ? it : "RequestResponse");
	if (lt)
		aslrt_aws_headers_add(&k->headers, "X-Amz-Log-Type", lt);
	if (cc)
		aslrt_aws_headers_add(&k->headers, "X-Amz-Client-Context", cc);
	aslrt_aws_headers_add(&k->headers, "Content-Type", "application/json");
	if (payload) {
		char *t = as_text(payload);
		if (!legacy && json_object_is_type(payload, json_type_string)) {
			free(t); /* a JSON string payload is sent as JSON */
			t = aslrt_json_dump(payload);
		}
		aslrt_buf_puts(&k->body, t);
		free(t);
	} else if (legacy) {
		aslrt_buf_puts(&k->body, "{}");
	}
	aws_http_resp r;
	if (send_call(c, k, &r) != 0)
		return -1;
	if (r.status >= 300) {
		int rc = fail_response(c, k, &r);
		aslrt_aws_http_resp_free(&r);
		return rc;
	}
	struct json_object *body = NULL;
	char why[64];
	if (r.body.len && aslrt_json_parse(r.body.s, r.body.len, &body, why, sizeof why) != 0)
		body = json_object_new_string_len(r.body.s, (int)r.body.len);
	if (aslrt_aws_headers_get(&r.headers, "X-Amz-Function-Error")) {
		const char *type = aslrt_aws_get_str(body, "errorType");
		aslrt_error_clear(&c->err);
		c->err.name = strdup(type ? type : "Lambda.Unknown");
		c->err.cause = strdup(r.body.s);
		json_object_put(body);
		aslrt_aws_http_resp_free(&r);
		return -1;
	}
	if (legacy) {
		*out = body ? body : json_object_new_null();
		aslrt_aws_http_resp_free(&r);
		return 0;
	}
	struct json_object *res = json_object_new_object();
	const char *ver = aslrt_aws_headers_get(&r.headers, "X-Amz-Executed-Version");
	if (ver)
		json_object_object_add(res, "ExecutedVersion", json_object_new_string(ver));
	const char *log = aslrt_aws_headers_get(&r.headers, "X-Amz-Log-Result");
	if (log)
		json_object_object_add(res, "LogResult", json_object_new_string(log));
	if (r.body.len)
		json_object_object_add(res, "Payload", body);
	if (!k->sdk)
		add_sdk_metadata(res, &r);
	json_object_object_add(res, "StatusCode", json_object_new_int((int)r.status));
	*out = res;
	aslrt_aws_http_resp_free(&r);
	return 0;
}

/* A JSON-protocol call whose response is the result: optimized
 * (with SDK metadata) or aws-sdk (camelCase services recased). */
static int json_integration(aslrt_ctx *c, call *k, const char *action, struct json_object *p,
			    bool metadata, struct json_object **out)
{
	struct json_object *body = k->svc->camel ? recase(p, false) : json_object_get(p);
	aws_http_resp r;
	int rc = json_call(c, k, action, body, &r);
	json_object_put(body);
	if (rc != 0)
		return -1;
	if (r.status >= 300) {
		rc = fail_response(c, k, &r);
		aslrt_aws_http_resp_free(&r);
		return rc;
	}
	struct json_object *res;
	if (parse_body(c, k, &r, &res) != 0) {
		aslrt_aws_http_resp_free(&r);
		return -1;
	}
	if (k->svc->camel) {
		struct json_object *u = recase(res, true);
		json_object_put(res);
		res = u;
	}
	if (metadata)
		add_sdk_metadata(res, &r);
	aslrt_aws_http_resp_free(&r);
	*out = res;
	return 0;
}

static const char *ddb_actions[] = {"getItem", "putItem", "updateItem", "deleteItem"};

static int sqs_send(aslrt_ctx *c, call *k, struct json_object *p, struct json_object **out)
{
	struct json_object *q = with_text(p, "MessageBody");
	int rc = json_integration(c, k, "sendMessage", q, true, out);
	json_object_put(q);
	return rc;
}

/* key=value& in a query string (%20 for a space, as SigV4 canonicalises). */
static void query_add(aslrt_buf *b, const char *k, const char *v)
{
	if (b->len)
		aslrt_buf_put(b, "&", 1);
	aslrt_aws_uri_encode(b, k, strlen(k), false);
	aslrt_buf_put(b, "=", 1);
	aslrt_aws_uri_encode(b, v, strlen(v), false);
}

/* The same in a form-encoded body, as the SDKs write query-protocol
 * requests: a space is '+' (servers that re-encode the parsed form to check
 * the body's hash, like moto, expect exactly that). */
static void form_add(aslrt_buf *b, const char *k, const char *v)
{
	size_t start = b->len;
	query_add(b, k, v);
	aslrt_buf out = {0};
	for (size_t i = start; i < b->len; i++) {
		if (b->s[i] == '%' && b->s[i + 1] == '2' && b->s[i + 2] == '0') {
			aslrt_buf_put(&out, "+", 1);
			i += 2;
		} else {
			aslrt_buf_put(&out, &b->s[i], 1);
		}
	}
	b->len = start;
	aslrt_buf_put(b, out.s, out.len);
	aslrt_buf_free(&out);
}

static int sns_publish(aslrt_ctx *c, call *k, struct json_object *p, bool sdk,
		       struct json_object **out)
{
	aslrt_buf *f = &k->body;
	form_add(f, "Action", "Publish");
	form_add(f, "Version", "2010-03-31");
	int n = 0;
	json_object_object_foreach(p, key, val)
	{
		if (strcmp(key, "MessageAttributes") == 0 &&
		    json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, an, av)
			{
				char name[128];
				n++;
				snprintf(name, sizeof name, "MessageAttributes.entry.%d.Name", n);
				form_add(f, name, an);
				json_object_object_foreach(av, fk, fv)
				{
					snprintf(name, sizeof name,
						 "MessageAttributes.entry.%d.Value.%s", n, fk);
					char *t = as_text(fv);
					form_add(f, name, t);
					free(t);
				}
			}
		} else if (json_object_is_type(val, json_type_object) ||
			   json_object_is_type(val, json_type_array)) {
			if (strcmp(key, "Message") != 0)
				return aslrt_raise(
				    c, "States.Runtime",
				    "The Parameters '%s' could not be used to start the "
				    "Task: [The value of the field '%s' has an invalid "
				    "format]",
				    json_object_to_json_string(p), key);
			char *t = as_text(val);
			form_add(f, key, t);
			free(t);
		} else {
			char *t = as_text(val);
			form_add(f, key, t);
			free(t);
		}
	}
	k->method = "POST";
	aslrt_buf_puts(&k->path, "/");
	aslrt_aws_headers_add(&k->headers, "Content-Type",
			      "application/x-www-form-urlencoded; charset=utf-8");
	aws_http_resp r;
	if (send_call(c, k, &r) != 0)
		return -1;
	if (r.status >= 300) {
		int rc = fail_response(c, k, &r);
		aslrt_aws_http_resp_free(&r);
		return rc;
	}
	aws_xml *x = aslrt_aws_xml_parse(r.body.s, r.body.len);
	const char *id = aslrt_aws_xml_find(x, "MessageId");
	if (!id) {
		aslrt_aws_xml_free(x);
		aslrt_aws_http_resp_free(&r);
		return client_error(c, k, "Unable to unmarshall the response: ", "no MessageId");
	}
	struct json_object *res = json_object_new_object();
	json_object_object_add(res, "MessageId", json_object_new_string(id));
	const char *seq = aslrt_aws_xml_find(x, "SequenceNumber");
	if (seq && *seq)
		json_object_object_add(res, "SequenceNumber", json_object_new_string(seq));
	if (!sdk)
		add_sdk_metadata(res, &r);
	aslrt_aws_xml_free(x);
	aslrt_aws_http_resp_free(&r);
	*out = res;
	return 0;
}

static int events_put(aslrt_ctx *c, call *k, struct json_object *p, struct json_object **out)
{
	/* Detail as JSON text; the execution and state machine ARNs appended to
	 * each entry's Resources, as Step Functions does. */
	struct json_object *q = json_object_new_object();
	struct json_object *ctx = aslrt_ctx_context(c);
	const char *exec = aslrt_aws_get_str(aslrt_aws_get(ctx, "Execution"), "Id");
	const char *sm = aslrt_aws_get_str(aslrt_aws_get(ctx, "StateMachine"), "Id");
	json_object_object_foreach(p, key, val)
	{
		if (strcmp(key, "Entries") != 0 || !json_object_is_type(val, json_type_array)) {
			json_object_object_add(q, key, json_object_get(val));
			continue;
		}
		struct json_object *entries = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(val); i++) {
			struct json_object *e = json_object_array_get_idx(val, i);
			struct json_object *ne = json_object_new_object();
			json_object_object_foreach(e, ek, ev)
			{
				if (strcmp(ek, "Detail") == 0) {
					char *t = as_text(ev);
					json_object_object_add(ne, ek, json_object_new_string(t));
					free(t);
				} else if (strcmp(ek, "Resources") != 0) {
					json_object_object_add(ne, ek, json_object_get(ev));
				}
			}
			struct json_object *res = json_object_new_array();
			struct json_object *old = aslrt_aws_get(e, "Resources");
			for (size_t j = 0; old && j < json_object_array_length(old); j++)
				json_object_array_add(
				    res, json_object_get(json_object_array_get_idx(old, j)));
			if (exec)
				json_object_array_add(res, json_object_new_string(exec));
			if (sm)
				json_object_array_add(res, json_object_new_string(sm));
			json_object_object_add(ne, "Resources", res);
			json_object_array_add(entries, ne);
		}
		json_object_object_add(q, key, entries);
	}
	int rc = json_integration(c, k, "putEvents", q, false, out);
	json_object_put(q);
	if (rc == 0) {
		struct json_object *fc = aslrt_aws_get(*out, "FailedEntryCount");
		if (fc && json_object_get_int64(fc) > 0) {
			aslrt_error_clear(&c->err);
			c->err.name = strdup("EventBridge.FailedEntry");
			c->err.cause = aslrt_json_dump(*out);
			json_object_put(*out);
			*out = NULL;
			return -1;
		}
	}
	return rc;
}

/* A .sync Task's submit response after its TaskSubmitted: the SDK metadata
 * goes with the submission only. */
static void strip_sdk_metadata(struct json_object *o)
{
	json_object_object_del(o, "SdkHttpMetadata");
	json_object_object_del(o, "SdkResponseMetadata");
}

/* How a .sync Task polls: the Describe call, where its subject (the job)
 * stands in the response, and the statuses that end the wait. */
typedef struct poller {
	const char *svc, *op;
	const char *list;    /* the one-element array holding the subject; NULL: the response */
	const char *status;  /* the subject's status member */
	const char *running; /* poll while the status is this (a missing one ends it) */
	const char *const *until; /* or: poll until the status is one of these */
	int64_t cap_ms;		  /* the pause doubles from 0.5 s up to this */
} poller;

static bool poll_done(const poller *p, struct json_object *subject)
{
	const char *st = aslrt_aws_get_str(subject, p->status);
	if (!subject)
		return true;
	if (p->running)
		return !st || strcmp(st, p->running) != 0;
	for (const char *const *u = p->until; st && *u; u++)
		if (strcmp(st, *u) == 0)
			return true;
	return false;
}

/* Calls p->op with q (consumed) until poll_done, within the Task's deadline:
 * 0 with the last response in *d and its subject (borrowed from *d, NULL
 * where absent) in *subject, or -1 with c->err set. */
static int poll_sync(aslrt_ctx *c, const poller *p, struct json_object *q, struct json_object **d,
		     struct json_object **subject)
{
	int64_t wait = 500;
	int rc;
	*d = *subject = NULL;
	for (;;) {
		call k = {.svc = find_service(p->svc)};
		rc = json_integration(c, &k, p->op, q, false, d);
		call_free(&k);
		if (rc != 0)
			break;
		struct json_object *l = p->list ? aslrt_aws_get(*d, p->list) : *d;
		*subject = !p->list				   ? l
			   : l && json_object_array_length(l) == 1 ? json_object_array_get_idx(l, 0)
								   : NULL;
		if (poll_done(p, *subject))
			break;
		json_object_put(*d);
		*d = *subject = NULL;
		if (poll_pause(c, &wait, p->cap_ms)) {
			rc = -1;
			break;
		}
	}
	json_object_put(q);
	return rc;
}

/* states:startExecution (request-response): Input may be any JSON, sent as
 * its text; the result in PascalCase with the SDK metadata. */
static int start_execution(aslrt_ctx *c, call *k, struct json_object *p, struct json_object **out)
{
	struct json_object *q = with_text(p, "Input");
	int rc = json_integration(c, k, "startExecution", q, true, out);
	json_object_put(q);
	return rc;
}

/* states:startExecution.sync[:2]: poll DescribeExecution until the child
 * stops (0.5 s, doubling to 5 s, within the Task's deadline).  The result is
 * the description in PascalCase, Input/Output as JSON text (.sync) or parsed
 * (.sync:2); a child that does not succeed fails the Task with
 * States.TaskFailed and the description as its cause. */
static int wait_execution(aslrt_ctx *c, int sync, struct json_object **out)
{
	const char *arn = aslrt_aws_get_str(*out, "ExecutionArn");
	if (!arn) {
		json_object_put(*out);
		*out = NULL;
		return aslrt_raise(c, "States.TaskFailed",
				   "StartExecution returned no executionArn");
	}
	struct json_object *q = json_object_new_object();
	json_object_object_add(q, "ExecutionArn", json_object_new_string(arn));
	json_object_put(*out);
	*out = NULL;
	static const poller p = {"sfn", "describeExecution", NULL, "Status", "RUNNING", NULL, 5000};
	struct json_object *d, *subject;
	if (poll_sync(c, &p, q, &d, &subject) != 0)
		return -1;
	const char *status = aslrt_aws_get_str(d, "Status");
	if (!status || strcmp(status, "SUCCEEDED") != 0) {
		return sync_failed(c, d, d);
	}
	if (sync == 2) {
		const char *fields[] = {"Input", "Output"};
		for (int i = 0; i < 2; i++) {
			const char *t = aslrt_aws_get_str(d, fields[i]);
			struct json_object *v = NULL;
			char why[64];
			if (t && aslrt_json_parse(t, strlen(t), &v, why, sizeof why) == 0)
				json_object_object_add(d, fields[i], v);
		}
	}
	*out = d;
	return 0;
}

/* ecs:runTask: the RunTask response with the SDK metadata; Failures fail
 * the Task (AmazonECS.Unknown) only with .sync, as AWS does.  .sync polls
 * DescribeTasks within the Task's deadline until the task is
 * STOPPED (0.5 s doubling to 6 s); its result is the task's description, and an essential
 * container that exited non-zero (or never ran) fails it with
 * States.TaskFailed and the description as cause. */
static int run_task(aslrt_ctx *c, call *k, struct json_object *p, bool sync,
		    struct json_object **out)
{
	if (json_integration(c, k, "runTask", p, true, out) != 0) {
		aslrt_task_submitted(c, NULL);
		return -1;
	}
	struct json_object *failures = aslrt_aws_get(*out, "Failures");
	struct json_object *tasks = aslrt_aws_get(*out, "Tasks");
	if (!sync)
		return 0;
	/* TaskSubmitted: RunTask's response with the SDK metadata, when it
	 * started the task (AWS's recordings); the rest goes on without it */
	bool started = !(failures && json_object_array_length(failures) > 0) && tasks &&
		       json_object_array_length(tasks) == 1;
	aslrt_task_submitted(c, started ? *out : NULL);
	strip_sdk_metadata(*out);
	if (!started) {
		aslrt_error_clear(&c->err);
		c->err.name = strdup("AmazonECS.Unknown");
		c->err.cause = aslrt_json_dump(*out);
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	struct json_object *task = json_object_array_get_idx(tasks, 0);
	struct json_object *q = json_object_new_object();
	struct json_object *arns = json_object_new_array();
	json_object_array_add(arns, json_object_get(aslrt_aws_get(task, "TaskArn")));
	json_object_object_add(q, "Tasks", arns);
	if (aslrt_aws_get(task, "ClusterArn"))
		json_object_object_add(q, "Cluster",
				       json_object_get(aslrt_aws_get(task, "ClusterArn")));
	json_object_put(*out);
	*out = NULL;
	static const char *const stopped[] = {"STOPPED", NULL};
	static const poller tasks_poll = {"ecs", "describeTasks", "Tasks", "LastStatus",
					  NULL,	 stopped,	  6000};
	struct json_object *d, *t;
	if (poll_sync(c, &tasks_poll, q, &d, &t) != 0)
		return -1;
	bool ok = t != NULL;
	struct json_object *containers = aslrt_aws_get(t, "Containers");
	for (size_t i = 0; ok && containers && i < json_object_array_length(containers); i++) {
		struct json_object *ct = json_object_array_get_idx(containers, i);
		struct json_object *code = aslrt_aws_get(ct, "ExitCode");
		struct json_object *ess = aslrt_aws_get(ct, "Essential");
		bool essential = !ess || json_object_get_boolean(ess);
		if (essential && (!code || json_object_get_int64(code) != 0))
			ok = false;
	}
	if (!ok) {
		return sync_failed(c, t ? t : d, d);
	}
	*out = json_object_get(t);
	json_object_put(d);
	return 0;
}

/* batch:submitJob: SubmitJob's response with the SDK metadata; .sync polls
 * DescribeJobs (0.5 s doubling to 6 s, within the deadline) until the job
 * SUCCEEDED, its description being the result, or FAILED: States.TaskFailed
 * with the description as cause. */
static int submit_job(aslrt_ctx *c, call *k, struct json_object *p, bool sync,
		      struct json_object **out)
{
	if (json_integration(c, k, "submitJob", p, true, out) != 0) {
		aslrt_task_submitted(c, NULL);
		return -1;
	}
	if (!sync)
		return 0;
	const char *id = aslrt_aws_get_str(*out, "JobId");
	aslrt_task_submitted(c, id ? *out : NULL); /* TaskSubmitted: SubmitJob's response */
	strip_sdk_metadata(*out);
	if (!id) {
		json_object_put(*out);
		*out = NULL;
		return aslrt_raise(c, "States.TaskFailed", "SubmitJob returned no jobId");
	}
	struct json_object *q = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(id));
	json_object_object_add(q, "Jobs", ids);
	json_object_put(*out);
	*out = NULL;
	static const char *const ended[] = {"SUCCEEDED", "FAILED", NULL};
	static const poller jobs_poll = {"batch", "describeJobs", "Jobs", "Status",
					 NULL,	  ended,	  6000};
	struct json_object *d, *job;
	if (poll_sync(c, &jobs_poll, q, &d, &job) != 0)
		return -1;
	const char *st = aslrt_aws_get_str(job, "Status");
	if (!st || strcmp(st, "SUCCEEDED") != 0) {
		return sync_failed(c, job ? job : d, d);
	}
	*out = json_object_get(job);
	json_object_put(d);
	return 0;
}

/* --- S3 (REST-XML) --- */

static const char *s3_headers[][2] = {
    /* result member, HTTP header */
    {"AcceptRanges", "accept-ranges"},
    {"CacheControl", "cache-control"},
    {"ContentDisposition", "content-disposition"},
    {"ContentEncoding", "content-encoding"},
    {"ContentLanguage", "content-language"},
    {"ContentLength", "content-length"},
    {"ContentType", "content-type"},
    {"ETag", "etag"},
    {"Expiration", "x-amz-expiration"},
    {"LastModified", "last-modified"},
    {"ServerSideEncryption", "x-amz-server-side-encryption"},
    {"StorageClass", "x-amz-storage-class"},
    {"VersionId", "x-amz-version-id"},
    {"ChecksumCRC32", "x-amz-checksum-crc32"},
    {"ChecksumType", "x-amz-checksum-type"},
    {"DeleteMarker", "x-amz-delete-marker"},
};

static const char *s3_request_headers[][2] = {
    {"ContentType", "Content-Type"},
    {"CacheControl", "Cache-Control"},
    {"ContentDisposition", "Content-Disposition"},
    {"ContentEncoding", "Content-Encoding"},
    {"ContentLanguage", "Content-Language"},
    {"ServerSideEncryption", "x-amz-server-side-encryption"},
    {"StorageClass", "x-amz-storage-class"},
    {"Range", "Range"},
    {"IfMatch", "If-Match"},
    {"IfNoneMatch", "If-None-Match"},
};

/* "Thu, 03 Dec 2026 18:00:00 GMT" -> the ISO form SFN's SDK integration
 * prints; other values unchanged. */
static struct json_object *s3_header_value(const char *member, const char *v)
{
	if (strcmp(member, "ContentLength") == 0)
		return json_object_new_int64(strtoll(v, NULL, 10));
	if (strcmp(member, "DeleteMarker") == 0)
		return json_object_new_boolean(strcmp(v, "true") == 0);
	if (strcmp(member, "LastModified") == 0) {
		struct tm tm = {0};
		if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
			char iso[40];
			strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
			return json_object_new_string(iso);
		}
	}
	return json_object_new_string(v);
}

static struct json_object *s3_from_headers(const aws_http_resp *r)
{
	struct json_object *res = json_object_new_object();
	for (size_t i = 0; i < sizeof s3_headers / sizeof *s3_headers; i++) {
		const char *v = aslrt_aws_headers_get(&r->headers, s3_headers[i][1]);
		if (v)
			json_object_object_add(res, s3_headers[i][0],
					       s3_header_value(s3_headers[i][0], v));
	}
	struct json_object *meta = json_object_new_object();
	for (int i = 0; i < r->headers.n; i++)
		if (strncasecmp(r->headers.v[i].name, "x-amz-meta-", 11) == 0) {
			char *k = strdup(r->headers.v[i].name + 11);
			for (char *q = k; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			json_object_object_add(meta, k,
					       json_object_new_string(r->headers.v[i].value));
			free(k);
		}
	json_object_object_add(res, "Metadata", meta);
	return res;
}

static int s3_call(aslrt_ctx *c, call *k, const char *action, struct json_object *p,
		   struct json_object **out)
{
	const char *bucket = aslrt_aws_get_str(p, "Bucket"), *key = aslrt_aws_get_str(p, "Key");
	bool list = strcmp(action, "listObjectsV2") == 0;
	if (!bucket || (!list && !key))
		return aslrt_raise(c, "States.Runtime",
				   "The Parameters '%s' could not be used to start the Task: [The "
				   "field '%s' is required]",
				   json_object_to_json_string(p), bucket ? "Key" : "Bucket");
	k->bucket = bucket;
	if (!list) {
		aslrt_buf_puts(&k->path, "/");
		aslrt_aws_uri_encode(&k->path, key, strlen(key), true);
		aslrt_buf_printf(&k->sign_path, "/%s", key);
	}
	for (size_t i = 0; i < sizeof s3_request_headers / sizeof *s3_request_headers; i++) {
		const char *v = aslrt_aws_get_str(p, s3_request_headers[i][0]);
		if (v)
			aslrt_aws_headers_add(&k->headers, s3_request_headers[i][1], v);
	}
	struct json_object *meta = aslrt_aws_get(p, "Metadata");
	if (meta && !json_object_is_type(meta, json_type_object))
		return aslrt_raise(c, "States.Runtime",
				   "The Parameters '%s' could not be used to start the Task: [The "
				   "value of the field 'Metadata' has an invalid format]",
				   json_object_to_json_string(p));
	if (meta) {
		json_object_object_foreach(meta, mk, mv)
		{
			char h[256];
			snprintf(h, sizeof h, "x-amz-meta-%s", mk);
			aslrt_aws_headers_add(&k->headers, h, json_object_get_string(mv));
		}
	}
	if (strcmp(action, "getObject") == 0) {
		k->method = "GET";
	} else if (strcmp(action, "headObject") == 0) {
		k->method = "HEAD";
	} else if (strcmp(action, "deleteObject") == 0) {
		k->method = "DELETE";
	} else if (strcmp(action, "putObject") == 0) {
		k->method = "PUT";
		struct json_object *b = aslrt_aws_get(p, "Body");
		if (b || !k->body.s) { /* else aslrt_aws_s3_put's body */
			char *t = b ? as_text(b) : strdup("");
			aslrt_buf_free(&k->body);
			k->body = (aslrt_buf){t, strlen(t), strlen(t) + 1};
		}
	} else {
		k->method = "GET";
		aslrt_buf_puts(&k->query, "list-type=2");
		const char *qp[][2] = {{"ContinuationToken", "continuation-token"},
				       {"Delimiter", "delimiter"},
				       {"EncodingType", "encoding-type"},
				       {"FetchOwner", "fetch-owner"},
				       {"MaxKeys", "max-keys"},
				       {"Prefix", "prefix"},
				       {"StartAfter", "start-after"}};
		for (size_t i = 0; i < sizeof qp / sizeof *qp; i++) {
			struct json_object *v = aslrt_aws_get(p, qp[i][0]);
			if (v) {
				char *t = as_text(v);
				query_add(&k->query, qp[i][1], t);
				free(t);
			}
		}
	}
	aws_http_resp r;
	if (send_call(c, k, &r) != 0)
		return -1;
	if (r.status >= 300) {
		int rc = fail_response(c, k, &r);
		aslrt_aws_http_resp_free(&r);
		return rc;
	}
	struct json_object *res;
	if (list) {
		aws_xml *x = aslrt_aws_xml_parse(r.body.s, r.body.len);
		if (!x) {
			aslrt_aws_http_resp_free(&r);
			return client_error(c, k, "Unable to unmarshall the response: ", "not XML");
		}
		res = aslrt_aws_xml_to_json(x);
		aslrt_aws_xml_free(x);
	} else if (strcmp(action, "deleteObject") == 0 || strcmp(action, "putObject") == 0) {
		res = s3_from_headers(&r);
		json_object_object_del(res, "Metadata");
		json_object_object_del(res, "ContentLength");
		json_object_object_del(res, "ContentType");
		json_object_object_del(res, "LastModified");
		json_object_object_del(res, "AcceptRanges");
	} else {
		res = s3_from_headers(&r);
		if (strcmp(action, "getObject") == 0 && !k->sink)
			json_object_object_add(
			    res, "Body", json_object_new_string_len(r.body.s, (int)r.body.len));
	}
	aslrt_aws_http_resp_free(&r);
	*out = res;
	return 0;
}

/* --- the entry point --- */

int aslrt_aws_s3_get_stream(aslrt_ctx *c, struct json_object *params,
			    size_t (*sink)(const char *p, size_t n, void *arg), void *arg)
{
	call k = {.svc = find_service("s3"), .sdk = true, .sink = sink, .sink_arg = arg};
	struct json_object *res = NULL;
	int rc = json_object_is_type(params, json_type_object)
		     ? s3_call(c, &k, "getObject", params, &res)
		     : aslrt_raise(c, "States.Runtime",
				   "The ItemReader's parameters must be a "
				   "JSON object");
	json_object_put(res);
	call_free(&k);
	return rc;
}

int aslrt_aws_s3_put(aslrt_ctx *c, struct json_object *params, aslrt_buf *body)
{
	call k = {.svc = find_service("s3"), .sdk = true, .body = *body};
	*body = (aslrt_buf){0};
	if (!k.body.s)
		aslrt_buf_put(&k.body, "", 0);
	struct json_object *res = NULL;
	int rc = s3_call(c, &k, "putObject", params, &res);
	json_object_put(res);
	call_free(&k);
	return rc;
}

int aslrt_aws_invoke(aslrt_ctx *c, const char *resource, struct json_object *params,
		     struct json_object **out)
{
	*out = NULL;
	if (!params)
		params = json_object_new_object();
	else
		json_object_get(params);
	int rc = 1;
	call k = {0};
	char svc[64] = "", action[64] = "";
	const char *rest = NULL;
	/* arn:<partition>:states:::<service>:<action> or ...aws-sdk:<svc>:<action> */
	if (strncmp(resource, "arn:", 4) == 0) {
		const char *p = strchr(resource + 4, ':');
		if (p && strncmp(p, ":states:::", 10) == 0)
			rest = p + 10;
		else if (p && strncmp(p, ":lambda:", 8) == 0 && strstr(p, ":function:")) {
			k.svc = find_service("lambda");
			rc = lambda_invoke(c, &k, params, true, resource, out);
			goto done;
		}
	}
	if (!rest)
		goto done;
	k.sdk = strncmp(rest, "aws-sdk:", 8) == 0;
	if (k.sdk)
		rest += 8;
	if (sscanf(rest, "%63[^:]:%63[A-Za-z0-9]", svc, action) != 2)
		goto done;
	const char *pattern = rest + strlen(svc) + 1 + strlen(action);
	int sync = 0; /* 1: .sync, 2: .sync:2 */
	if (!k.sdk && strcmp(svc, "states") == 0 && strcmp(action, "startExecution") == 0)
		sync = strcmp(pattern, ".sync") == 0 ? 1 : strcmp(pattern, ".sync:2") == 0 ? 2 : 0;
	if (!k.sdk && ((strcmp(svc, "ecs") == 0 && strcmp(action, "runTask") == 0) ||
		       (strcmp(svc, "batch") == 0 && strcmp(action, "submitJob") == 0)))
		sync = strcmp(pattern, ".sync") == 0;
	/* .waitForTaskToken: the request is sent as for the plain integration;
	 * its answer is only an acknowledgement, the Task's result is what
	 * SendTaskSuccess says (timing.c waits for it on --listen) */
	bool callback = !k.sdk && strcmp(pattern, ".waitForTaskToken") == 0;
	if (*pattern && !sync && !callback)
		goto done; /* other .sync forms: not spoken here */
	/* The optimized Step Functions integration is "states:", its SDK id "sfn". */
	k.svc = find_service(!k.sdk && strcmp(svc, "states") == 0 ? "sfn" : svc);
	if (!k.svc || (!k.sdk && strcmp(svc, "sfn") == 0))
		goto done;
	if (!json_object_is_type(params, json_type_object)) {
		rc = aslrt_raise(c, "States.Runtime",
				 "The Parameters '%s' could not be used to start the Task: [The "
				 "parameters must be a JSON object]",
				 json_object_to_json_string(params));
		goto done;
	}
	if (!k.sdk) {
		const char *s = k.svc->sdk;
		if (strcmp(s, "lambda") == 0 && strcmp(action, "invoke") == 0) {
			rc = lambda_invoke(c, &k, params, false, NULL, out);
		} else if (strcmp(s, "dynamodb") == 0) {
			for (size_t i = 0; i < 4; i++)
				if (strcmp(action, ddb_actions[i]) == 0)
					rc = json_integration(c, &k, action, params, true, out);
		} else if (strcmp(s, "sqs") == 0 && strcmp(action, "sendMessage") == 0) {
			rc = sqs_send(c, &k, params, out);
		} else if (strcmp(s, "sns") == 0 && strcmp(action, "publish") == 0) {
			rc = sns_publish(c, &k, params, false, out);
		} else if (strcmp(s, "events") == 0 && strcmp(action, "putEvents") == 0) {
			rc = events_put(c, &k, params, out);
		} else if (strcmp(s, "sfn") == 0 && strcmp(action, "startExecution") == 0) {
			rc = start_execution(c, &k, params, out);
			if (sync)
				aslrt_task_submitted(c, rc ? NULL : *out);
			if (rc == 0 && sync)
				rc = wait_execution(c, sync, out);
		} else if (strcmp(s, "ecs") == 0 && strcmp(action, "runTask") == 0) {
			rc = run_task(c, &k, params, sync, out);
		} else if (strcmp(s, "batch") == 0 && strcmp(action, "submitJob") == 0) {
			rc = submit_job(c, &k, params, sync, out);
		}
		goto done;
	}
	switch (k.svc->proto) {
	case P_JSON:
		rc = json_integration(c, &k, action, params, false, out);
		break;
	case P_REST_XML:
		if (strcmp(action, "getObject") == 0 || strcmp(action, "putObject") == 0 ||
		    strcmp(action, "headObject") == 0 || strcmp(action, "deleteObject") == 0 ||
		    strcmp(action, "listObjectsV2") == 0)
			rc = s3_call(c, &k, action, params, out);
		break;
	case P_QUERY:
		if (strcmp(action, "publish") == 0)
			rc = sns_publish(c, &k, params, true, out);
		break;
	case P_REST_JSON:
		if (strcmp(k.svc->sdk, "batch") == 0)
			rc = json_integration(c, &k, action, params, false, out);
		else if (strcmp(action, "invoke") == 0)
			rc = lambda_invoke(c, &k, params, false, NULL, out);
		break;
	}
done:
	call_free(&k);
	json_object_put(params);
	return rc;
}
