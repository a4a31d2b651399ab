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
	mr->n = n;
	mr->start_ms = aslrt_now_ms(c->run);
	return mr;
}

void aslrt_aws_map_run_outcomes(aws_map_run *mr, const struct aslrt_job *jobs, int n)
{
	for (int i = 0; mr && i < n && i < mr->n; i++) {
		mr->failed[i] = jobs[i].rc != 0;
		if (jobs[i].child)
			memcpy(mr->names[i], jobs[i].child->name, sizeof mr->names[i]);
		else
			aslrt_aws_uuid(mr->names[i]);
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
	aslrt_buf_printf(&arn, "%s:%s", exec_prefix, id);
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

static char *serialise(struct json_object *arr, bool jsonl)
{
	if (!jsonl)
		return aslrt_json_dump(arr);
	aslrt_buf b = {0};
	aslrt_buf_put(&b, "", 0);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		char *t = aslrt_json_dump(json_object_array_get_idx(arr, i));
		aslrt_buf_printf(&b, "%s\n", t);
		free(t);
	}
	return b.s;
}

static int put(aslrt_ctx *c, const char *bucket, const char *key, const char *body, size_t *size)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "Bucket", json_object_new_string(bucket));
	json_object_object_add(p, "Key", json_object_new_string(key));
	json_object_object_add(p, "Body", json_object_new_string(body));
	struct json_object *out = NULL;
	int rc = aslrt_aws_invoke(c, "arn:aws:states:::aws-sdk:s3:putObject", p, &out);
	json_object_put(p);
	json_object_put(out);
	if (rc != 0) {
		aslrt_buf b = {0};
		aslrt_buf_printf(&b, "%s: %s", c->err.name ? c->err.name : "",
				 c->err.cause ? c->err.cause : "");
		failed(c, b.s);
		aslrt_buf_free(&b);
		return -1;
	}
	if (size)
		*size = strlen(body);
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
	    asprintf(&run->exec_prefix, "%.*s:execution:%s/%s", base_len, base, sm_name, label) < 0;
	free(sm_name);
	if (rc)
		abort();
	return 0;
}

void aslrt_map_run_clear(aslrt_map_run *run)
{
	free(run->arn);
	free(run->sm_arn);
	free(run->exec_prefix);
	*run = (aslrt_map_run){0};
}

int aslrt_aws_map_run_finish(aslrt_ctx *c, aws_map_run *mr, const aslrt_map_run *run,
			     struct json_object *def, bool jsonata, struct json_object *input,
			     int rc, struct json_object **dst)
{
	if (!mr || rc != 0) {
		map_run_free(mr);
		return rc;
	}
	if (!run || !run->arn) {
		map_run_free(mr);
		return failed(c, "A ResultWriter needs a Map in DISTRIBUTED mode");
	}
	struct json_object *w = aslrt_aws_get(def, "ResultWriter");
	struct json_object *cfg = aslrt_aws_get(w, "WriterConfig");
	const char *tr = aslrt_aws_get_str(cfg, "Transformation");
	const char *ot = aslrt_aws_get_str(cfg, "OutputType");
	const char *res = aslrt_aws_get_str(w, "Resource");
	if (!tr)
		tr = res ? "NONE" : "COMPACT";
	if ((strcmp(tr, "NONE") && strcmp(tr, "COMPACT") && strcmp(tr, "FLATTEN")) ||
	    (ot && strcmp(ot, "JSON") && strcmp(ot, "JSONL"))) {
		map_run_free(mr);
		return failed(c,
			      "WriterConfig: Transformation must be NONE, COMPACT or FLATTEN and "
			      "OutputType JSON or JSONL");
	}
	bool jsonl = ot && strcmp(ot, "JSONL") == 0;
	char *start = aslrt_iso_time(mr->start_ms), *stop = aslrt_iso_time(aslrt_now_ms(c->run));

	struct json_object *ok = json_object_new_array(), *bad = json_object_new_array();
	for (int i = 0; i < mr->n; i++) {
		struct json_object *out = json_object_array_get_idx(*dst, (size_t)i);
		if (mr->failed[i] || strcmp(tr, "NONE") == 0) {
			json_object_array_add(
			    mr->failed[i] ? bad : ok,
			    record(c, mr, i, out, run->exec_prefix, run->sm_arn, start, stop));
		} else if (strcmp(tr, "FLATTEN") == 0 &&
			   json_object_is_type(out, json_type_array)) {
			for (size_t j = 0; j < json_object_array_length(out); j++)
				json_object_array_add(
				    ok, json_object_get(json_object_array_get_idx(out, j)));
		} else {
			json_object_array_add(ok, json_object_get(out));
		}
	}
	free(start);
	free(stop);
	int result = 0;
	if (!res) {
		/* WriterConfig only: the formatted results are the Map's result. */
		for (size_t i = 0; i < json_object_array_length(bad); i++)
			json_object_array_add(ok,
					      json_object_get(json_object_array_get_idx(bad, i)));
		json_object_put(*dst);
		*dst = json_object_get(ok);
	} else if (strcmp(res, "arn:aws:states:::s3:putObject") != 0) {
		result = failed(c, "ResultWriter.Resource must be arn:aws:states:::s3:putObject");
	} else {
		struct json_object *pt = aslrt_aws_get(w, jsonata ? "Arguments" : "Parameters");
		struct json_object *params = NULL;
		char why[ASLRT_ERRLEN];
		if (!pt) {
			result =
			    failed(c, "ResultWriter needs Parameters (Arguments) with a Bucket");
		} else if (jsonata) {
			jnode *t =
			    aslrt_jtmpl_compile(pt, "ResultWriter/Arguments", why, sizeof why);
			result = t ? aslrt_jtmpl_eval(c, t, input, ASLRT_ABSENT, NULL, &params)
				   : failed(c, why);
			aslrt_jtmpl_free(t);
		} else {
			tnode *t = aslrt_tmpl_compile(pt, false, why, sizeof why);
			result = t ? aslrt_tmpl_eval(c, t, input, &params) : failed(c, why);
			aslrt_tmpl_free(t);
		}
		const char *bucket = aslrt_aws_get_str(params, "Bucket");
		const char *prefix = aslrt_aws_get_str(params, "Prefix");
		if (result == 0 && !bucket)
			result = failed(c, "ResultWriter's Parameters need a Bucket");
		if (result == 0) {
			aslrt_buf dir = {0};
			if (prefix && *prefix)
				aslrt_buf_printf(&dir, "%s%s", prefix,
						 prefix[strlen(prefix) - 1] == '/' ? "" : "/");
			aslrt_buf_printf(&dir, "%s/", strrchr(run->arn, ':') + 1);
			struct json_object *files = json_object_new_object();
			const char *kinds[] = {"FAILED", "PENDING", "SUCCEEDED"};
			struct json_object *lists[] = {bad, NULL, ok};
			for (int k = 0; k < 3 && result == 0; k++) {
				struct json_object *l = json_object_new_array();
				json_object_object_add(files, kinds[k], l);
				if (!lists[k] || json_object_array_length(lists[k]) == 0)
					continue;
				aslrt_buf key = {0};
				aslrt_buf_printf(&key, "%s%s_0.json%s", dir.s, kinds[k],
						 jsonl ? "l" : "");
				char *body = serialise(lists[k], jsonl);
				size_t size = 0;
				result = put(c, bucket, key.s, body, &size);
				free(body);
				struct json_object *f = json_object_new_object();
				json_object_object_add(f, "Key", json_object_new_string(key.s));
				json_object_object_add(f, "Size",
						       json_object_new_int64((int64_t)size));
				json_object_array_add(l, f);
				aslrt_buf_free(&key);
			}
			struct json_object *manifest = json_object_new_object();
			json_object_object_add(manifest, "DestinationBucket",
					       json_object_new_string(bucket));
			json_object_object_add(manifest, "MapRunArn",
					       json_object_new_string(run->arn));
			json_object_object_add(manifest, "ResultFiles", files);
			aslrt_buf mkey = {0};
			aslrt_buf_printf(&mkey, "%smanifest.json", dir.s);
			if (result == 0) {
				char *body = aslrt_json_dump(manifest);
				result = put(c, bucket, mkey.s, body, NULL);
				free(body);
			}
			if (result == 0) {
				struct json_object *o = json_object_new_object();
				json_object_object_add(o, "MapRunArn",
						       json_object_new_string(run->arn));
				struct json_object *d = json_object_new_object();
				json_object_object_add(d, "Bucket", json_object_new_string(bucket));
				json_object_object_add(d, "Key", json_object_new_string(mkey.s));
				json_object_object_add(o, "ResultWriterDetails", d);
				json_object_put(*dst);
				*dst = o;
			}
			json_object_put(manifest);
			aslrt_buf_free(&mkey);
			aslrt_buf_free(&dir);
		}
		json_object_put(params);
	}
	json_object_put(ok);
	json_object_put(bad);
	map_run_free(mr);
	if (result != 0) {
		json_object_put(*dst);
		*dst = NULL;
	}
	return result;
}
