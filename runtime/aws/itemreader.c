/*
 * itemreader.c - a Distributed Map's ItemReader: the items read from S3
 * instead of the state input.
 *   arn:aws:states:::s3:getObject with ReaderConfig.InputType JSON (an
 *     array, or the array ItemsPointer points to), JSONL (one value a line)
 *     or CSV (CSVHeaderLocation FIRST_ROW or GIVEN with CSVHeaders,
 *     CSVDelimiter COMMA, PIPE, SEMICOLON, SPACE or TAB; every value a
 *     string, as AWS reads them);
 *   arn:aws:states:::s3:listObjectsV2: one item per object, every page,
 *     shaped {"Etag","Key","LastModified" (epoch seconds),"Size","StorageClass"};
 *   ReaderConfig.MaxItems / MaxItemsPath (JSONata: {% %}) keep the first N.
 * Parameters (JSONPath) / Arguments (JSONata) are evaluated on the state
 * input.  The object is streamed: its bytes are read into items as they
 * come (memory follows the items, not the object; JSON, one document, is
 * read whole up to 64 MiB), and the download stops once MaxItems are read.
 * MANIFEST, PARQUET and LOAD_AND_FLATTEN are refused by name.
 * Every failure is States.ItemReaderFailed.  Also the ItemBatcher, which
 * regroups the items' inputs into batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "aws.h"
#include "exec.h"
#include "rt.h"

static int failed(aslrt_ctx *c, const char *cause)
{
	aslrt_error_clear(&c->err);
	c->err.name = strdup("States.ItemReaderFailed");
	c->err.cause = strdup(cause);
	return -1;
}

/* The error of a failed S3 call, renamed States.ItemReaderFailed. */
static int failed_call(aslrt_ctx *c)
{
	aslrt_buf b = {0};
	aslrt_buf_printf(&b, "%s: %s", c->err.name ? c->err.name : "",
			 c->err.cause ? c->err.cause : "");
	int rc = failed(c, b.s);
	aslrt_buf_free(&b);
	return rc;
}

/* --- listObjectsV2 --- */

static int read_listing(aslrt_ctx *c, struct json_object *params, long max,
			struct json_object **items)
{
	struct json_object *out = json_object_new_array();
	struct json_object *p = aslrt_json_copy(params);
	for (;;) {
		struct json_object *page = NULL;
		if (aslrt_aws_invoke(c, "arn:aws:states:::aws-sdk:s3:listObjectsV2", p, &page) !=
		    0) {
			json_object_put(p);
			json_object_put(out);
			return failed_call(c);
		}
		struct json_object *contents = aslrt_aws_get(page, "Contents");
		size_t n = contents ? json_object_array_length(contents) : 0;
		for (size_t i = 0; i < n && (max <= 0 || (long)json_object_array_length(out) < max);
		     i++) {
			struct json_object *o = json_object_array_get_idx(contents, i);
			struct json_object *item = json_object_new_object();
			const char *etag = aslrt_aws_get_str(o, "ETag");
			if (etag)
				json_object_object_add(item, "Etag", json_object_new_string(etag));
			json_object_object_add(item, "Key",
					       json_object_get(aslrt_aws_get(o, "Key")));
			const char *lm = aslrt_aws_get_str(o, "LastModified");
			struct tm tm = {0};
			if (lm && strptime(lm, "%Y-%m-%dT%H:%M:%S", &tm))
				json_object_object_add(item, "LastModified",
						       json_object_new_int64((int64_t)timegm(&tm)));
			if (aslrt_aws_get(o, "Size"))
				json_object_object_add(item, "Size",
						       json_object_get(aslrt_aws_get(o, "Size")));
			if (aslrt_aws_get(o, "StorageClass"))
				json_object_object_add(
				    item, "StorageClass",
				    json_object_get(aslrt_aws_get(o, "StorageClass")));
			json_object_array_add(out, item);
		}
		struct json_object *trunc = aslrt_aws_get(page, "IsTruncated");
		const char *next = aslrt_aws_get_str(page, "NextContinuationToken");
		bool more = trunc && json_object_get_boolean(trunc) && next &&
			    (max <= 0 || (long)json_object_array_length(out) < max);
		if (more)
			json_object_object_add(p, "ContinuationToken",
					       json_object_new_string(next));
		json_object_put(page);
		if (!more)
			break;
	}
	json_object_put(p);
	*items = out;
	return 0;
}

/* --- getObject, streamed --- */

typedef struct stream {
	aws_items *items;
	int state; /* 0: reading, 1: enough items, -1: the items failed */
} stream;

static size_t on_bytes(const char *p, size_t n, void *arg)
{
	stream *s = arg;
	s->state = aslrt_aws_items_feed(s->items, p, n);
	return s->state == 0 ? n : 0;
}

/* The object's bytes go to the item reader as they come; once MaxItems
 * items are read the download stops. */
static int read_object(aslrt_ctx *c, const char *type, struct json_object *cfg,
		       struct json_object *params, long max, struct json_object **items)
{
	char why[ASLRT_ERRLEN + 80];
	stream s = {aslrt_aws_items_open(type, cfg, max, why, sizeof why), 0};
	if (!s.items)
		return failed(c, why);
	if (aslrt_aws_s3_get_stream(c, params, on_bytes, &s) != 0 && s.state == 0) {
		aslrt_aws_items_free(s.items);
		return failed_call(c);
	}
	if (aslrt_aws_items_finish(s.items, items, why, sizeof why) != 0)
		return failed(c, why);
	return 0;
}

/* --- the entry point --- */

/* A JSONPath template or JSONata value evaluated on the input. */
static int evaluate(aslrt_ctx *c, struct json_object *v, bool jsonata, const char *field,
		    struct json_object *input, struct json_object **out)
{
	char why[ASLRT_ERRLEN];
	if (jsonata) {
		jnode *t = aslrt_jtmpl_compile(v, field, why, sizeof why);
		if (!t)
			return failed(c, why);
		int rc = aslrt_jtmpl_eval(c, t, input, ASLRT_ABSENT, NULL, out);
		aslrt_jtmpl_free(t);
		return rc;
	}
	tnode *t = aslrt_tmpl_compile(v, false, why, sizeof why);
	if (!t)
		return failed(c, why);
	int rc = aslrt_tmpl_eval(c, t, input, out);
	aslrt_tmpl_free(t);
	return rc;
}

int aslrt_aws_map_items(aslrt_ctx *c, struct json_object *def, bool jsonata,
			struct json_object *input, struct json_object **items)
{
	struct json_object *reader = aslrt_aws_get(def, "ItemReader");
	if (!reader)
		return 1;
	const char *res = aslrt_aws_get_str(reader, "Resource");
	struct json_object *cfg = aslrt_aws_get(reader, "ReaderConfig");
	const char *type = aslrt_aws_get_str(cfg, "InputType");
	if (aslrt_aws_get(cfg, "ManifestType") ||
	    (type && (strcmp(type, "MANIFEST") == 0 || strcmp(type, "PARQUET") == 0)))
		return failed(c, "This runtime reads CSV, JSON and JSONL objects and S3 listings; "
				 "manifests and Parquet are not supported");
	const char *tr = aslrt_aws_get_str(cfg, "Transformation");
	if (tr && strcmp(tr, "NONE") != 0)
		return failed(c, "ReaderConfig.Transformation LOAD_AND_FLATTEN is not supported by "
				 "this runtime");
	long max = 0;
	struct json_object *mi = aslrt_aws_get(cfg, "MaxItems");
	struct json_object *mip = aslrt_aws_get(cfg, "MaxItemsPath");
	if (mi || mip) {
		struct json_object *v = NULL;
		if (mip) {
			struct json_object *t = json_object_new_object();
			json_object_object_add(t, "v.$", json_object_get(mip));
			struct json_object *o = NULL;
			int rc = evaluate(c, t, false, "MaxItemsPath", input, &o);
			json_object_put(t);
			if (rc)
				return -1;
			v = json_object_get(aslrt_aws_get(o, "v"));
			json_object_put(o);
		} else if (evaluate(c, mi, jsonata, "ItemReader/ReaderConfig/MaxItems", input,
				    &v)) {
			return -1;
		}
		bool ok =
		    v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0;
		max = ok ? (long)json_object_get_int64(v) : 0;
		json_object_put(v);
		if (!ok)
			return failed(c, "field MaxItems must be positive");
	}
	struct json_object *ptempl = aslrt_aws_get(reader, jsonata ? "Arguments" : "Parameters");
	struct json_object *params = NULL;
	if (!ptempl)
		return failed(c, jsonata ? "ItemReader.Arguments is required"
					 : "ItemReader.Parameters is required");
	if (evaluate(c, ptempl, jsonata, "ItemReader/Arguments", input, &params))
		return -1;
	int rc;
	if (res && strcmp(res, "arn:aws:states:::s3:listObjectsV2") == 0) {
		rc = read_listing(c, params, max, items);
	} else if (res && strcmp(res, "arn:aws:states:::s3:getObject") == 0) {
		if (!type || (strcmp(type, "CSV") != 0 && strcmp(type, "JSON") != 0 &&
			      strcmp(type, "JSONL") != 0)) {
			json_object_put(params);
			return failed(c, "ReaderConfig.InputType must be CSV, JSON or JSONL for "
					 "s3:getObject");
		}
		rc = read_object(c, type, cfg, params, max, items);
	} else {
		rc = failed(c, "ItemReader.Resource must be arn:aws:states:::s3:getObject or "
			       "arn:aws:states:::s3:listObjectsV2");
	}
	json_object_put(params);
	return rc;
}

/* --- ItemBatcher --- */

/* A positive integer setting, literal or through its ...Path; 0: absent. */
static int batch_limit(aslrt_ctx *c, struct json_object *b, const char *key, bool jsonata,
		       struct json_object *input, long *out)
{
	*out = 0;
	char path_key[64];
	snprintf(path_key, sizeof path_key, "%sPath", key);
	struct json_object *lit = aslrt_aws_get(b, key), *path = aslrt_aws_get(b, path_key),
			   *v = NULL;
	if (!lit && !path)
		return 0;
	if (path) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "v.$", json_object_get(path));
		struct json_object *o = NULL;
		int rc = evaluate(c, t, false, path_key, input, &o);
		json_object_put(t);
		if (rc)
			return -1;
		v = json_object_get(aslrt_aws_get(o, "v"));
		json_object_put(o);
	} else if (evaluate(c, lit, jsonata, key, input, &v)) {
		return -1;
	}
	bool ok = v && json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0;
	*out = ok ? (long)json_object_get_int64(v) : 0;
	json_object_put(v);
	if (!ok) {
		char why[128];
		snprintf(why, sizeof why, "ItemBatcher field %s must be a positive integer", key);
		aslrt_error_clear(&c->err);
		c->err.name = strdup("States.Runtime");
		c->err.cause = strdup(why);
		return -1;
	}
	return 0;
}

static void free_jobs(aslrt_job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		aslrt_job_free(&jobs[i]);
	free(jobs);
}

int aslrt_aws_map_batch(aslrt_ctx *c, struct json_object *def, bool jsonata,
			struct json_object *input, struct aslrt_job **jobs, int *n)
{
	struct json_object *b = aslrt_aws_get(def, "ItemBatcher");
	if (!b)
		return 0;
	long max_items, max_bytes;
	struct json_object *batch_input = NULL;
	if (batch_limit(c, b, "MaxItemsPerBatch", jsonata, input, &max_items) ||
	    batch_limit(c, b, "MaxInputBytesPerBatch", jsonata, input, &max_bytes) ||
	    (aslrt_aws_get(b, "BatchInput") &&
	     evaluate(c, aslrt_aws_get(b, "BatchInput"), jsonata, "ItemBatcher/BatchInput", input,
		      &batch_input))) {
		free_jobs(*jobs, *n);
		*jobs = NULL;
		return -1;
	}
	if (!max_items && !max_bytes)
		max_items = 100000000; /* AWS requires one; be total anyway */
	/* The bytes of {"BatchInput":..,"Items":[]}, then each item and a comma. */
	size_t base = 12 + (batch_input ? aslrt_json_size(batch_input) + 14 : 0);
	aslrt_job *out = calloc((size_t)*n + 1, sizeof *out);
	int nb = 0;
	struct json_object *items = NULL;
	size_t bytes = base;
	for (int i = 0; i < *n; i++) {
		size_t sz = aslrt_json_size((*jobs)[i].input) + 1;
		if (items && ((max_items && (long)json_object_array_length(items) >= max_items) ||
			      (max_bytes && bytes + sz > (size_t)max_bytes))) {
			items = NULL;
		}
		if (!items) {
			struct json_object *in = json_object_new_object();
			if (batch_input)
				json_object_object_add(in, "BatchInput",
						       aslrt_json_copy(batch_input));
			items = json_object_new_array();
			json_object_object_add(in, "Items", items);
			/* a batch takes the place (parent, lane, context) of
			 * the nb-th item, whose input was taken already */
			out[nb] = (*jobs)[nb];
			(*jobs)[nb].c = NULL;
			(*jobs)[nb].lane_path = NULL;
			out[nb].input = in;
			nb++;
			bytes = base;
		}
		json_object_array_add(items, (*jobs)[i].input);
		(*jobs)[i].input = NULL;
		bytes += sz;
	}
	for (int i = 0; i < *n; i++)
		aslrt_job_free(&(*jobs)[i]);
	free(*jobs);
	json_object_put(batch_input);
	*jobs = out;
	*n = nb;
	return 0;
}
