/*
 * resultwriter.c - a Distributed Map's ResultWriter: the Map Run's child
 * results exported to S3 as Step Functions writes them, or only formatted
 * (WriterConfig alone).
 *   - records (Transformation NONE, the default when exporting): one per
 *     item, {"ExecutionArn","Input","InputDetails","Name","Output" | "Error",
 *     "Cause","OutputDetails","RedriveCount","RedriveStatus",
 *     "RedriveStatusReason","StartDate","StateMachineArn","Status","StopDate"},
 *     Input and Output as JSON text; COMPACT keeps the outputs only, FLATTEN
 *     also flattens array outputs one level (failed items stay records);
 *   - with Resource arn:aws:states:::s3:putObject and Parameters/Arguments
 *     {Bucket, Prefix}: <Prefix>/<uuid>/SUCCEEDED_0.json (and FAILED_0.json)
 *     as a JSON array (OutputType JSON) or JSON lines (JSONL), then
 *     <Prefix>/<uuid>/manifest.json {"DestinationBucket","MapRunArn",
 *     "ResultFiles":{"FAILED":[..],"PENDING":[],"SUCCEEDED":[{"Key","Size"}]}};
 *     the Map's result becomes {"MapRunArn","ResultWriterDetails":{"Bucket","Key"}}.
 * Files are not split at AWS's 5 GB.  Any failure is States.ResultWriterFailed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "../digest.h"
#include "aws.h"
#include "exec.h"
#include "rt.h"

struct aws_map_run {
	char **inputs; /* each item's input as JSON text (a tree costs ~10x) */
	bool *failed;
	char (*names)[37]; /* each child execution's name */
	char (*tails)[38]; /* and what follows it in its ARN (aslrt_child_arn_tail) */
	bool express;
	int n;
	int64_t start_ms;
};

aws_map_run *aslrt_aws_map_run_new(aslrt_ctx *c, struct json_object *def, struct aslrt_job *jobs,
				   int n)
{
	if (!aslrt_aws_get(def, "ResultWriter"))
		return NULL;
	aws_map_run *mr = calloc(1, sizeof *mr);
	mr->inputs = calloc((size_t)n + 1, sizeof *mr->inputs);
	for (int i = 0; i < n; i++)
		mr->inputs[i] = aslrt_json_dump(jobs[i].input);
	mr->failed = calloc((size_t)n + 1, sizeof *mr->failed);
	mr->names = calloc((size_t)n + 1, sizeof *mr->names);
	mr->tails = calloc((size_t)n + 1, sizeof *mr->tails);
	mr->express = aslrt_aws_get_str(def, "ExecutionType") != NULL;
	mr->n = n;
	mr->start_ms = aslrt_now_ms(c->run);
	return mr;
}

void aslrt_aws_map_run_outcomes(aws_map_run *mr, const struct aslrt_job *jobs, int n)
{
	for (int i = 0; mr && i < n && i < mr->n; i++) {
		mr->failed[i] = jobs[i].rc != 0;
		if (jobs[i].child) {
			memcpy(mr->names[i], jobs[i].child->name, sizeof mr->names[i]);
			memcpy(mr->tails[i], jobs[i].child->arn_tail, sizeof mr->tails[i]);
		} else {
			aslrt_aws_uuid(mr->names[i]);
			aslrt_child_arn_tail(&(aslrt_map_run){.express = mr->express},
					     mr->tails[i]);
		}
	}
}

static void map_run_free(aws_map_run *mr)
{
	if (!mr)
		return;
	for (int i = 0; i < mr->n; i++)
		free(mr->inputs[i]);
	free(mr->inputs);
	free(mr->failed);
	free(mr->names);
	free(mr->tails);
	free(mr);
}

static int failed(aslrt_ctx *c, const char *cause)
{
	aslrt_error_clear(&c->err);
	c->err.name = strdup("States.ResultWriterFailed");
	c->err.cause = strdup(cause);
	return -1;
}

/* splitmix64: one step of a 64-bit state, a well-mixed value. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Version 4 UUIDs, one per child execution: getrandom (aslrt_random_bytes) seeds each
 * thread's generator once (calling it per UUID cost more than the children
 * of a Pass-only Map Run); names need to be unique, not secret. */
void aslrt_aws_uuid(char out[37])
{
	static _Thread_local uint64_t state;
	static _Thread_local bool seeded;
	if (!seeded) {
		if (aslrt_random_bytes((unsigned char *)&state, sizeof state) < 0)
			state = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)&state << 16);
		seeded = true;
	}
	uint64_t w[2] = {splitmix(&state), splitmix(&state)};
	unsigned char b[16];
	memcpy(b, w, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 15];
	}
	*o = '\0';
}

static char *text(struct json_object *v)
{
	return aslrt_json_dump(v);
}

/* One child "execution" record (Transformation NONE). */
static struct json_object *record(aslrt_ctx *c, aws_map_run *mr, int i, struct json_object *out,
				  const char *exec_prefix, const char *sm_arn, const char *start,
				  const char *stop)
{
	const char *id = mr->names[i];
	struct json_object *r = json_object_new_object();
	aslrt_buf arn = {0};
	aslrt_buf_printf(&arn, "%s:%s%s", exec_prefix, id, mr->tails[i]);
	json_object_object_add(r, "ExecutionArn", json_object_new_string(arn.s));
	aslrt_buf_free(&arn);
	json_object_object_add(r, "Input", json_object_new_string(mr->inputs[i]));
	free(mr->inputs[i]); /* needed once */
	mr->inputs[i] = NULL;
	struct json_object *inc = json_object_new_object();
	json_object_object_add(inc, "Included", json_object_new_boolean(1));
	json_object_object_add(r, "InputDetails", inc);
	json_object_object_add(r, "Name", json_object_new_string(id));
	if (mr->failed[i]) {
		json_object_object_add(r, "Error", json_object_get(aslrt_aws_get(out, "Error")));
		json_object_object_add(r, "Cause", json_object_get(aslrt_aws_get(out, "Cause")));
	} else {
		char *o = text(out);
		json_object_object_add(r, "Output", json_object_new_string(o));
		free(o);
		inc = json_object_new_object();
		json_object_object_add(inc, "Included", json_object_new_boolean(1));
		json_object_object_add(r, "OutputDetails", inc);
	}
	json_object_object_add(r, "RedriveCount", json_object_new_int(0));
	json_object_object_add(r, "RedriveStatus", json_object_new_string("NOT_REDRIVABLE"));
	json_object_object_add(r, "RedriveStatusReason",
			       json_object_new_string(mr->failed[i]
							  ? "Execution is FAILED and cannot be "
							    "redriven"
							  : "Execution is SUCCEEDED and cannot be "
							    "redriven"));
	json_object_object_add(r, "StartDate", json_object_new_string(start));
	json_object_object_add(r, "StateMachineArn", json_object_new_string(sm_arn));
	json_object_object_add(r, "Status",
			       json_object_new_string(mr->failed[i] ? "FAILED" : "SUCCEEDED"));
	json_object_object_add(r, "StopDate", json_object_new_string(stop));
	(void)c;
	return r;
}

/* Put body (which the request takes: a file is megabytes) at bucket/key;
 * 0 with its *size, or -1 with c->err. */
static int put(aslrt_ctx *c, const char *bucket, const char *key, aslrt_buf *body, size_t *size)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "Bucket", json_object_new_string(bucket));
	json_object_object_add(p, "Key", json_object_new_string(key));
	if (size)
		*size = body->len;
	int rc = aslrt_aws_s3_put(c, p, body);
	json_object_put(p);
	if (rc != 0) {
		aslrt_buf b = {0};
		aslrt_buf_printf(&b, "%s: %s", c->err.name ? c->err.name : "",
				 c->err.cause ? c->err.cause : "");
		failed(c, b.s);
		aslrt_buf_free(&b);
		return -1;
	}
	return 0;
}

int aslrt_map_run_init(aslrt_ctx *c, struct json_object *def, const char *state_name,
		       aslrt_map_run *run)
{
	/* ARNs from the state machine's: ...:stateMachine:<name> */
	struct json_object *ctx = aslrt_ctx_context(c);
	const char *sm = aslrt_aws_get_str(aslrt_aws_get(ctx, "StateMachine"), "Id");
	const char *label =
	    aslrt_aws_get_str(def, "Label") ? aslrt_aws_get_str(def, "Label") : state_name;
	/* EXPRESS children are Express executions, whose ARNs read
	 * arn:aws:states:R:A:express:MACHINE:NAME:ID, NAME the execution's
	 * name (StartSyncExecution's executionArn and name as recorded against
	 * AWS: LocalStack's test_sfn_api_express snapshot, 2024-06-26); a Map
	 * Run child's machine is MACHINE/LABEL, as for STANDARD children: the
	 * IAM resource type of a labelled Express execution is
	 * express:MACHINE/LABEL:EXECUTION_ID:EXPRESS_ID */
	const char *et = aslrt_aws_get_str(def, "ExecutionType");
	run->express = et && strcmp(et, "EXPRESS") == 0;
	const char *colon = sm ? strstr(sm, ":stateMachine:") : NULL;
	static const char fallback[] = "arn:aws:states:us-east-1:123456789012";
	/* a child's machine is MACHINE/LABEL already: its own Map Runs keep
	 * the top machine's name */
	char run_id[37];
	aslrt_aws_uuid(run_id);
	int base_len = colon ? (int)(colon - sm) : (int)strlen(fallback);
	const char *base = colon ? sm : fallback;
	char *sm_name = strdup(colon ? colon + 14 : "StateMachine");
	char *slash = strchr(sm_name, '/');
	if (slash)
		*slash = '\0';
	int rc =
	    asprintf(&run->arn, "%.*s:mapRun:%s/%s:%s", base_len, base, sm_name, label, run_id) <
		0 ||
	    asprintf(&run->sm_arn, "%.*s:stateMachine:%s/%s", base_len, base, sm_name, label) < 0 ||
	    asprintf(&run->exec_prefix, "%.*s:%s:%s/%s", base_len, base,
		     run->express ? "express" : "execution", sm_name, label) < 0;
	free(sm_name);
	if (rc)
		abort();
	return 0;
}

void aslrt_child_arn_tail(const aslrt_map_run *run, char tail[38])
{
	tail[0] = '\0';
	if (run && run->express) {
		tail[0] = ':';
		aslrt_aws_uuid(tail + 1);
	}
}

void aslrt_map_run_clear(aslrt_map_run *run)
{
	free(run->arn);
	free(run->sm_arn);
	free(run->exec_prefix);
	free(run->source);
	*run = (aslrt_map_run){0};
}

/* --- the export, written as results come --- */

/* A result file is put once it holds this many bytes (AWS splits at 5 GB),
 * so memory holds one file's worth of results, not the Map Run's. */
#define RESULT_FILE_MAX ((size_t)8 << 20)

typedef struct result_file {
	aslrt_buf buf;		  /* the file so far */
	long count;		  /* its records */
	int next;		  /* the number of the next file */
	struct json_object *list; /* {"Key","Size"} of the files put */
} result_file;

struct aws_results {
	char *bucket, *dir, *arn, *exec_prefix, *sm_arn;
	bool jsonl;
	char tr;	  /* 'N' NONE, 'C' COMPACT, 'F' FLATTEN */
	result_file f[2]; /* FAILED, SUCCEEDED */
};

void aslrt_aws_results_free(aws_results *r)
{
	if (!r)
		return;
	free(r->bucket);
	free(r->dir);
	free(r->arn);
	free(r->exec_prefix);
	free(r->sm_arn);
	for (int k = 0; k < 2; k++) {
		aslrt_buf_free(&r->f[k].buf);
		json_object_put(r->f[k].list);
	}
	free(r);
}

/* ResultWriter's Parameters (Arguments) on the state input. */
static int export_params(aslrt_ctx *c, struct json_object *w, bool jsonata,
			 struct json_object *input, struct json_object **params)
{
	struct json_object *pt = aslrt_aws_get(w, jsonata ? "Arguments" : "Parameters");
	char why[ASLRT_ERRLEN];
	int rc;
	*params = NULL;
	if (!pt)
		return failed(c, "ResultWriter needs Parameters (Arguments) with a Bucket");
	if (jsonata) {
		jnode *t = aslrt_jtmpl_compile(pt, "ResultWriter/Arguments", why, sizeof why);
		rc = t ? aslrt_jtmpl_eval(c, t, input, ASLRT_ABSENT, NULL, params) : failed(c, why);
		aslrt_jtmpl_free(t);
	} else {
		tnode *t = aslrt_tmpl_compile(pt, false, why, sizeof why);
		rc = t ? aslrt_tmpl_eval(c, t, input, params) : failed(c, why);
		aslrt_tmpl_free(t);
	}
	if (rc == 0 && !aslrt_aws_get_str(*params, "Bucket"))
		rc = failed(c, "ResultWriter's Parameters need a Bucket");
	return rc;
}

/* WriterConfig checked: its Transformation (default NONE with a Resource,
 * else COMPACT) and OutputType; 0, or -1 with c->err. */
static int writer_config(aslrt_ctx *c, struct json_object *w, char *tr, bool *jsonl)
{
	struct json_object *cfg = aslrt_aws_get(w, "WriterConfig");
	const char *t = aslrt_aws_get_str(cfg, "Transformation");
	const char *ot = aslrt_aws_get_str(cfg, "OutputType");
	if (!t)
		t = aslrt_aws_get_str(w, "Resource") ? "NONE" : "COMPACT";
	if ((strcmp(t, "NONE") && strcmp(t, "COMPACT") && strcmp(t, "FLATTEN")) ||
	    (ot && strcmp(ot, "JSON") && strcmp(ot, "JSONL")))
		return failed(c,
			      "WriterConfig: Transformation must be NONE, COMPACT or FLATTEN and "
			      "OutputType JSON or JSONL");
	*tr = t[0];
	*jsonl = ot && strcmp(ot, "JSONL") == 0;
	return 0;
}

bool aslrt_aws_results_export(struct json_object *def)
{
	return aslrt_aws_get_str(aslrt_aws_get(def, "ResultWriter"), "Resource") != NULL;
}

aws_results *aslrt_aws_results_open(aslrt_ctx *c, struct json_object *def, bool jsonata,
				    struct json_object *input, const aslrt_map_run *run)
{
	struct json_object *w = aslrt_aws_get(def, "ResultWriter");
	const char *res = aslrt_aws_get_str(w, "Resource");
	if (!run || !run->arn) {
		failed(c, "A ResultWriter needs a Map in DISTRIBUTED mode");
		return NULL;
	}
	if (!res || strcmp(res, "arn:aws:states:::s3:putObject") != 0) {
		failed(c, "ResultWriter.Resource must be arn:aws:states:::s3:putObject");
		return NULL;
	}
	aws_results *r = calloc(1, sizeof *r);
	struct json_object *params = NULL;
	if (writer_config(c, w, &r->tr, &r->jsonl) ||
	    export_params(c, w, jsonata, input, &params)) {
		json_object_put(params);
		aslrt_aws_results_free(r);
		return NULL;
	}
	const char *prefix = aslrt_aws_get_str(params, "Prefix");
	aslrt_buf dir = {0};
	aslrt_buf_put(&dir, "", 0);
	if (prefix && *prefix)
		aslrt_buf_printf(&dir, "%s%s", prefix,
				 prefix[strlen(prefix) - 1] == '/' ? "" : "/");
	aslrt_buf_printf(&dir, "%s/", strrchr(run->arn, ':') + 1);
	r->dir = dir.s;
	r->bucket = strdup(aslrt_aws_get_str(params, "Bucket"));
	r->arn = strdup(run->arn);
	r->exec_prefix = strdup(run->exec_prefix);
	r->sm_arn = strdup(run->sm_arn);
	for (int k = 0; k < 2; k++)
		r->f[k].list = json_object_new_array();
	json_object_put(params);
	return r;
}

/* Put file k (0 FAILED, 1 SUCCEEDED) if it holds records. */
static int results_flush(aslrt_ctx *c, aws_results *r, int k)
{
	result_file *f = &r->f[k];
	if (f->count == 0)
		return 0;
	if (!r->jsonl)
		aslrt_buf_puts(&f->buf, "]");
	aslrt_buf key = {0};
	aslrt_buf_printf(&key, "%s%s_%d.json%s", r->dir, k ? "SUCCEEDED" : "FAILED", f->next,
			 r->jsonl ? "l" : "");
	size_t size = 0;
	int rc = put(c, r->bucket, key.s, &f->buf, &size);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Key", json_object_new_string(key.s));
	json_object_object_add(o, "Size", json_object_new_int64((int64_t)size));
	json_object_array_add(f->list, o);
	aslrt_buf_free(&key);
	aslrt_buf_free(&f->buf);
	f->count = 0;
	f->next++;
	return rc;
}

/* One value (a record, an output) into file k; v is released. */
static int results_put(aslrt_ctx *c, aws_results *r, int k, struct json_object *v)
{
	result_file *f = &r->f[k];
	char *t = aslrt_json_dump(v);
	json_object_put(v);
	if (r->jsonl)
		aslrt_buf_printf(&f->buf, "%s\n", t);
	else
		aslrt_buf_printf(&f->buf, "%s%s", f->count ? "," : "[", t);
	free(t);
	f->count++;
	return f->buf.len >= RESULT_FILE_MAX ? results_flush(c, r, k) : 0;
}

int aslrt_aws_results_add(aslrt_ctx *c, aws_results *r, aws_map_run *mr,
			  struct json_object *const *outs)
{
	int rc = 0;
	char *start = aslrt_iso_time(mr->start_ms), *stop = aslrt_iso_time(aslrt_now_ms(c->run));
	for (int i = 0; i < mr->n && rc == 0; i++) {
		struct json_object *out = outs[i];
		if (mr->failed[i] || r->tr == 'N') {
			rc = results_put(
			    c, r, !mr->failed[i],
			    record(c, mr, i, out, r->exec_prefix, r->sm_arn, start, stop));
		} else if (r->tr == 'F' && json_object_is_type(out, json_type_array)) {
			for (size_t j = 0; j < json_object_array_length(out) && rc == 0; j++)
				rc = results_put(
				    c, r, 1, json_object_get(json_object_array_get_idx(out, j)));
		} else {
			rc = results_put(c, r, 1, json_object_get(out));
		}
	}
	free(start);
	free(stop);
	map_run_free(mr);
	return rc;
}

int aslrt_aws_results_close(aslrt_ctx *c, aws_results *r, struct json_object **dst)
{
	int rc = results_flush(c, r, 0);
	if (rc == 0)
		rc = results_flush(c, r, 1);
	struct json_object *files = json_object_new_object();
	json_object_object_add(files, "FAILED", json_object_get(r->f[0].list));
	json_object_object_add(files, "PENDING", json_object_new_array());
	json_object_object_add(files, "SUCCEEDED", json_object_get(r->f[1].list));
	struct json_object *manifest = json_object_new_object();
	json_object_object_add(manifest, "DestinationBucket", json_object_new_string(r->bucket));
	json_object_object_add(manifest, "MapRunArn", json_object_new_string(r->arn));
	json_object_object_add(manifest, "ResultFiles", files);
	aslrt_buf mkey = {0};
	aslrt_buf_printf(&mkey, "%smanifest.json", r->dir);
	if (rc == 0) {
		char *t = aslrt_json_dump(manifest);
		aslrt_buf body = {t, strlen(t), strlen(t) + 1};
		rc = put(c, r->bucket, mkey.s, &body, NULL);
	}
	if (rc == 0) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "MapRunArn", json_object_new_string(r->arn));
		struct json_object *d = json_object_new_object();
		json_object_object_add(d, "Bucket", json_object_new_string(r->bucket));
		json_object_object_add(d, "Key", json_object_new_string(mkey.s));
		json_object_object_add(o, "ResultWriterDetails", d);
		*dst = o;
	}
	json_object_put(manifest);
	aslrt_buf_free(&mkey);
	aslrt_aws_results_free(r);
	return rc;
}

int aslrt_aws_map_run_finish(aslrt_ctx *c, aws_map_run *mr, const aslrt_map_run *run,
			     struct json_object *def, bool jsonata, struct json_object *input,
			     int rc, struct json_object **dst)
{
	if (!mr || rc != 0) {
		map_run_free(mr);
		return rc;
	}
	struct json_object *results = *dst;
	*dst = NULL;
	if (aslrt_aws_results_export(def)) {
		/* the Map's result is the export's reference */
		struct json_object **outs = calloc((size_t)mr->n + 1, sizeof *outs);
		for (int i = 0; i < mr->n; i++)
			outs[i] = json_object_array_get_idx(results, (size_t)i);
		aws_results *r = aslrt_aws_results_open(c, def, jsonata, input, run);
		if (!r) {
			map_run_free(mr);
			rc = -1;
		} else if ((rc = aslrt_aws_results_add(c, r, mr, outs)) != 0) {
			aslrt_aws_results_free(r);
		} else {
			rc = aslrt_aws_results_close(c, r, dst);
		}
		free(outs);
		json_object_put(results);
		return rc;
	}
	/* WriterConfig only: the formatted results are the Map's result. */
	char tr;
	bool jsonl;
	if (!run || !run->arn ||
	    writer_config(c, aslrt_aws_get(def, "ResultWriter"), &tr, &jsonl)) {
		if (!run || !run->arn)
			failed(c, "A ResultWriter needs a Map in DISTRIBUTED mode");
		map_run_free(mr);
		json_object_put(results);
		return -1;
	}
	char *start = aslrt_iso_time(mr->start_ms), *stop = aslrt_iso_time(aslrt_now_ms(c->run));
	struct json_object *ok = json_object_new_array(), *bad = json_object_new_array();
	for (int i = 0; i < mr->n; i++) {
		struct json_object *out = json_object_array_get_idx(results, (size_t)i);
		if (mr->failed[i] || tr == 'N') {
			json_object_array_add(
			    mr->failed[i] ? bad : ok,
			    record(c, mr, i, out, run->exec_prefix, run->sm_arn, start, stop));
		} else if (tr == 'F' && json_object_is_type(out, json_type_array)) {
			for (size_t j = 0; j < json_object_array_length(out); j++)
				json_object_array_add(
				    ok, json_object_get(json_object_array_get_idx(out, j)));
		} else {
			json_object_array_add(ok, json_object_get(out));
		}
	}
	free(start);
	free(stop);
	for (size_t i = 0; i < json_object_array_length(bad); i++)
		json_object_array_add(ok, json_object_get(json_object_array_get_idx(bad, i)));
	json_object_put(bad);
	json_object_put(results);
	map_run_free(mr);
	*dst = ok;
	return 0;
}
