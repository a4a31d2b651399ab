/*
 * aws.h - the runtime's AWS client, internal to runtime/aws/: SigV4 signing
 * (sigv4.c), credentials, region and endpoints as the AWS SDKs resolve them
 * (cred.c), HTTP over libcurl with the SDKs' retries (http.c), and the Step
 * Functions service integrations built on them (integrations.c).
 *
 * Secrets never leave this layer: no function here puts a secret key or a
 * session token into an error message.
 */
#ifndef ASLRT_AWS_H
#define ASLRT_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rt.h"

struct json_object;
typedef struct aslrt_ctx aslrt_ctx;

/* Buffers are the runtime's aslrt_buf (rt.h, buf.c). */
/* RFC 3986 percent-encoding of n bytes: A-Za-z0-9-._~ stay, everything else
 * %XX (upper hex); keep_slash leaves '/' alone (S3 keys in paths). */
void aslrt_aws_uri_encode(aslrt_buf *b, const char *s, size_t n, bool keep_slash);

/* --- sigv4.c --- */
typedef struct aws_header {
	char *name;
	char *value;
} aws_header;

typedef struct aws_headers {
	aws_header *v;
	int n, cap;
} aws_headers;

void aslrt_aws_headers_add(aws_headers *h, const char *name, const char *value);
/* The first header called name (case-insensitive), or NULL. */
const char *aslrt_aws_headers_get(const aws_headers *h, const char *name);
void aslrt_aws_headers_free(aws_headers *h);

typedef struct aws_creds {
	char *access_key;
	char *secret_key;
	char *token;	 /* NULL: none */
	int64_t expires; /* epoch seconds, 0: never */
} aws_creds;

void aslrt_aws_creds_free(aws_creds *c);

typedef enum { AWS_SIGN_HEADER, AWS_SIGN_QUERY } aws_sign_mode;

typedef struct aws_sign_req {
	const char *method;
	const char *path;     /* decoded; encoded once by the signer */
	const char *query;    /* raw query string as sent, NULL or "" for none */
	aws_headers *headers; /* sent headers (Host included); signing adds to it */
	const void *body;
	size_t body_len;
	const char *payload_hash; /* e.g. "UNSIGNED-PAYLOAD"; NULL: SHA-256 of body */
} aws_sign_req;

typedef struct aws_sign_opts {
	const aws_creds *creds;
	const char *region;
	const char *service;
	time_t now;
	bool normalize;	 /* remove . .. and // segments (all but S3) */
	bool sign_body;	 /* add x-amz-content-sha256 (always for S3) */
	bool omit_token; /* add the session token after signing */
	long expires;	 /* query signing: X-Amz-Expires */
} aws_sign_opts;

typedef struct aws_signed {
	char *creq;	     /* canonical request */
	char *sts;	     /* string to sign */
	char sig[65];	     /* hex signature */
	char *authorization; /* header mode: the Authorization value */
	char *query;	     /* query mode: the query string to send */
} aws_signed;

/* Sign req.  Header mode adds X-Amz-Date, X-Amz-Security-Token,
 * X-Amz-Content-Sha256 (sign_body) and Authorization to req->headers.
 * 0, or -1 when the request cannot be signed (a malformed query). */
int aslrt_aws_sign(const aws_sign_opts *o, aws_sign_req *req, aws_sign_mode mode, aws_signed *out);
void aslrt_aws_signed_free(aws_signed *s);
void aslrt_aws_sha256_hex(const void *data, size_t n, char hex[65]);

/* --- cred.c --- */

/* Region as the SDKs find it: AWS_REGION, AWS_DEFAULT_REGION, the
 * profile's region in the config file, then IMDSv2's placement/region
 * (asked once, cached).  malloc'd, or NULL. */
char *aslrt_aws_region(void);
/* The endpoint URL for a service (its SDK id, e.g. "DynamoDB", "SFN"):
 * AWS_ENDPOINT_URL_<ID> (upper case, spaces as _), AWS_ENDPOINT_URL, else
 * https://<prefix>.<region>.amazonaws.com.  malloc'd, no trailing slash. */
char *aslrt_aws_endpoint(const char *sdk_id, const char *prefix, const char *region);
/* Credentials from the chain: environment, shared credentials/config
 * profile, container endpoint, IMDSv2.  Cached; refreshed 5 minutes before
 * expiry.  0 with a copy in *out, or -1 with a message (never a secret). */
int aslrt_aws_credentials(aws_creds *out, char *why, size_t whylen);
/* Forget the cached credentials and IMDS region (tests). */
void aslrt_aws_credentials_reset(void);
/* One value from an INI-style AWS file: section [name] (credentials file) or
 * [profile name] / [default] (config file).  malloc'd, or NULL. */
char *aslrt_aws_profile_value(const char *file, bool config, const char *profile, const char *key);

/* --- parse.c --- */

/* o's member k (borrowed); NULL where o is no object or lacks it. */
struct json_object *aslrt_aws_get(struct json_object *o, const char *k);
/* The same, where it is a string. */
const char *aslrt_aws_get_str(struct json_object *o, const char *k);

/* An XML document as a tree: element names without namespace prefix,
 * their text, their children. */
typedef struct aws_xml {
	char *name;
	aslrt_buf text;
	struct aws_xml **kids;
	int nkids;
} aws_xml;

/* NULL when the bytes are not well-formed XML (or nest deeper than 64). */
aws_xml *aslrt_aws_xml_parse(const char *s, size_t n);
void aslrt_aws_xml_free(aws_xml *x);
/* The text of the first element called name in x, depth first, or NULL. */
const char *aslrt_aws_xml_find(aws_xml *x, const char *name);
/* The document as the SDKs' JSON for S3's ListBucketResult: repeated
 * elements (Contents, CommonPrefixes) arrays, counts numbers, IsTruncated a
 * boolean (new reference). */
struct json_object *aslrt_aws_xml_to_json(aws_xml *root);

/* An S3 object's bytes as a Map's items (ItemReader): type CSV (cfg's
 * CSVHeaderLocation, CSVHeaders, CSVDelimiter), JSON (cfg's ItemsPointer)
 * or JSONL; at most max items (0: all).  0 with a new array, or -1 with the
 * cause in why. */
int aslrt_aws_read_items(const char *type, struct json_object *cfg, const char *body, size_t len,
			 long max, struct json_object **items, char *why, size_t whylen);

/* The same, streamed: open (NULL with why on a bad ReaderConfig), feed the
 * object's bytes as they come (0: more, 1: max items read, stop; -1:
 * failed), finish at its end (0 with a new array, or -1 with why; frees s).
 * Memory holds the items and the one record (CSV row, JSONL line, JSON
 * array element) being read, not the object. */
typedef struct aws_items aws_items;
aws_items *aslrt_aws_items_open(const char *type, struct json_object *cfg, long max, char *why,
				size_t whylen);
int aslrt_aws_items_feed(aws_items *s, const char *p, size_t n);
/* The items read so far (a new array; the reader keeps counting toward
 * max).  CSV's header row is not an item. */
struct json_object *aslrt_aws_items_take(aws_items *s);
/* How many items were read and not taken yet. */
long aslrt_aws_items_count(const aws_items *s);
int aslrt_aws_items_finish(aws_items *s, struct json_object **items, char *why, size_t whylen);
void aslrt_aws_items_free(aws_items *s);

struct aws_http_resp;
/* The error code and message of a failed response, whatever the protocol:
 * JSON {"__type":"ns#Code","message":..}, X-Amzn-ErrorType, XML
 * <Error><Code>..</Code><Message>..</Message>, else a name for the HTTP
 * status.  *code always set, *msg may be NULL; both malloc'd. */
void aslrt_aws_error_of(const struct aws_http_resp *r, char **code, char **msg);

/* --- integrations.c --- */

/* Call the AWS integration a Task's Resource names with its effective
 * parameters: 0 with the result in *out, -1 with c->err set (AWS's error
 * names), 1 when the resource is no integration the runtime speaks. */
int aslrt_aws_invoke(aslrt_ctx *c, const char *resource, struct json_object *params,
		     struct json_object **out);

/* S3 GetObject (params: Bucket, Key, ...) with the object's bytes given to
 * sink as they come (it returns n to go on, anything else to stop): 0, or
 * -1 with c->err (AWS's names, as aws-sdk:s3:getObject fails). */
int aslrt_aws_s3_get_stream(aslrt_ctx *c, struct json_object *params,
			    size_t (*sink)(const char *p, size_t n, void *arg), void *arg);

/* S3 PutObject (params: Bucket, Key, ...; no Body) of body, which the
 * request takes (a ResultWriter's file is megabytes: not copied): 0, or -1
 * with c->err (AWS's names, as aws-sdk:s3:putObject fails). */
int aslrt_aws_s3_put(aslrt_ctx *c, struct json_object *params, aslrt_buf *body);

/* --- itemreader.c --- */

/* A Map's items from its ItemReader (S3): 0 with a new array in *items (and
 * run->source, $$.Map.Item.Source, set), -1 with c->err
 * (States.ItemReaderFailed), 1 when def has no ItemReader. */
struct aslrt_map_run;
int aslrt_aws_map_items(aslrt_ctx *c, struct json_object *def, bool jsonata,
			struct json_object *input, struct aslrt_map_run *run,
			struct json_object **items);

/* A Distributed Map Run (run) that exports its results, with an ItemReader
 * of a CSV, JSONL or JSON object, an S3 inventory (MANIFEST) or a listing
 * (a page a window), in windows: each object is downloaded to a temporary
 * file (inflated if gzip-compressed), then a window of items at a time is
 * read, batched (ItemBatcher: the last batch waits for the next window's
 * items), run on the pool (limit at once, 0: no limit) and its results
 * written (aslrt_aws_results_*), so memory follows the items in flight.
 * 1 when the Map is not such a Map, 0 with its result in *dst, -1 with
 * c->err (States.ItemReaderFailed, States.ResultWriterFailed,
 * States.ExceedToleratedFailureThreshold: tol_count / tol_pct, -1 unset). */
int aslrt_aws_map_windows(aslrt_ctx *c, int state, struct json_object *input,
			  struct aslrt_map_run *run, long limit, double tol_count, double tol_pct,
			  struct json_object **dst);

/* A Map's ItemBatcher: regroup the n jobs' inputs into batches
 * {"BatchInput"?, "Items":[...]} (MaxItemsPerBatch[Path],
 * MaxInputBytesPerBatch[Path]); *jobs and *n replaced.  0 (also without an
 * ItemBatcher), or -1 with c->err and the jobs freed. */
struct aslrt_job;
int aslrt_aws_map_batch(aslrt_ctx *c, struct json_object *def, bool jsonata,
			struct json_object *input, struct aslrt_job **jobs, int *n);

/* --- resultwriter.c --- */

/* A Distributed Map run whose results a ResultWriter formats or exports. */
typedef struct aws_map_run aws_map_run;
struct aslrt_job;
/* Before the items run: NULL when def has no ResultWriter, else a run
 * holding a copy of each job's input. */
aws_map_run *aslrt_aws_map_run_new(aslrt_ctx *c, struct json_object *def, struct aslrt_job *jobs,
				   int n);
/* After they ran (before the jobs are freed): which items failed. */
void aslrt_aws_map_run_outcomes(aws_map_run *mr, const struct aslrt_job *jobs, int n);
/* With the Map's results in *dst (rc 0): format and export them (the
 * records' ARNs those of run and its children), replacing *dst; frees mr.
 * Returns rc, or -1 with States.ResultWriterFailed. */
struct aslrt_map_run;
int aslrt_aws_map_run_finish(aslrt_ctx *c, aws_map_run *mr, const struct aslrt_map_run *run,
			     struct json_object *def, bool jsonata, struct json_object *input,
			     int rc, struct json_object **dst);
/* An export (ResultWriter with a Resource) written as the results come:
 * files of at most 8 MiB (SUCCEEDED_n.json, FAILED_n.json), then the
 * manifest. */
typedef struct aws_results aws_results;
bool aslrt_aws_results_export(struct json_object *def);
/* NULL with c->err (States.ResultWriterFailed) on a bad ResultWriter. */
aws_results *aslrt_aws_results_open(aslrt_ctx *c, struct json_object *def, bool jsonata,
				    struct json_object *input, const struct aslrt_map_run *run);
/* mr's items' results (outs[i]: an output, or a failure's error output);
 * frees mr.  0, or -1 with c->err. */
int aslrt_aws_results_add(aslrt_ctx *c, aws_results *r, aws_map_run *mr,
			  struct json_object *const *outs);
/* The last files and the manifest; the Map's result {"MapRunArn",
 * "ResultWriterDetails"} in *dst.  Frees r.  0, or -1 with c->err. */
int aslrt_aws_results_close(aslrt_ctx *c, aws_results *r, struct json_object **dst);
void aslrt_aws_results_free(aws_results *r);
/* A Distributed Map's Map Run ARN and its children's machine ARN and
 * execution ARN prefix, from the running machine's ARN and the Map's Label
 * (else its name); aslrt_map_run_clear frees them. */
int aslrt_map_run_init(aslrt_ctx *c, struct json_object *def, const char *state_name,
		       struct aslrt_map_run *run);
void aslrt_map_run_clear(struct aslrt_map_run *run);
/* What follows <exec_prefix>:<name> in a child execution's ARN: "" for
 * STANDARD children, ":<UUID>" for EXPRESS ones (an Express execution's
 * ARN ends with a UUID after its name). */
void aslrt_child_arn_tail(const struct aslrt_map_run *run, char tail[38]);
/* A random (version 4) UUID. */
void aslrt_aws_uuid(char out[37]);

/* --- http.c --- */
typedef struct aws_http_req {
	const char *method;
	const char *url; /* scheme://host[:port]/path?query, already encoded */
	aws_headers headers;
	const void *body;
	size_t body_len;
	long timeout_ms; /* the whole exchange, 0: none */
	long stall_s;	 /* abort when no byte moves for this long, 0: never */
	/* A 2xx response's body goes to sink as it comes, not into the
	 * response; sink returns n to go on, anything else to stop (the
	 * exchange then ends normally: the sink's owner knows why). */
	size_t (*sink)(const char *p, size_t n, void *arg);
	void *sink_arg;
	bool (*stop)(void); /* true aborts the exchange (../http.h); NULL: never */
} aws_http_req;

typedef struct aws_http_resp {
	long status;
	aws_headers headers;
	aslrt_buf body;
	size_t streamed; /* bytes given to the request's sink */
} aws_http_resp;

/* One HTTP exchange.  0 (any status), or -1 with a message: the transport
 * failed (refused, timed out, no libcurl). timed_out tells which. */
int aslrt_aws_http(const aws_http_req *req, aws_http_resp *resp, bool *timed_out, char *why,
		   size_t whylen);
void aslrt_aws_http_resp_free(aws_http_resp *r);

#endif
