/*
 * itemreader.c - a Distributed Map's ItemReader: the items read from S3
 * instead of the state input.
 *   arn:aws:states:::s3:getObject with ReaderConfig.InputType JSON (an
 *     array, or the array ItemsPointer points to), JSONL (one value a line)
 *     or CSV (CSVHeaderLocation FIRST_ROW or GIVEN with CSVHeaders,
 *     CSVDelimiter COMMA, PIPE, SEMICOLON, SPACE or TAB; every value a
 *     string, as AWS reads them);
 *   s3:getObject with InputType MANIFEST: an S3 inventory's manifest.json,
 *     then its CSV data files (gzip-compressed or not), each row an item;
 *   arn:aws:states:::s3:listObjectsV2: one item per object, every page,
 *     shaped {"Etag","Key","LastModified" (epoch seconds),"Size","StorageClass"};
 *   ReaderConfig.MaxItems / MaxItemsPath (JSONata: {% %}) keep the first N.
 * Parameters (JSONPath) / Arguments (JSONata) are evaluated on the state
 * input.  The object is streamed: its bytes are read into items as they
 * come (memory follows the items, not the object: a JSON array an element
 * at a time, parse.c), and the download stops once MaxItems are read.
 * ManifestType (Athena), PARQUET and LOAD_AND_FLATTEN are refused by name.
 * With a ResultWriter export, objects, inventories and listings are run in
 * windows, batched or not (aslrt_aws_map_windows).
 * Every failure is States.ItemReaderFailed.  Also the ItemBatcher, which
 * regroups the items' inputs into batches.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <zlib.h>

#include "../dl.h"
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

/* The listing's pages, each one's items (at most max in all, 0: no limit)
 * given to each (which takes them; 0 to go on, -1 to stop with c->err). */
static int list_pages(aslrt_ctx *c, struct json_object *params, long max,
		      int (*each)(void *arg, struct json_object *items), void *arg)
{
	struct json_object *p = aslrt_json_copy(params);
	long have = 0;
	int rc = 0;
	for (bool more = true; more && rc == 0;) {
		struct json_object *page = NULL;
		if (aslrt_aws_invoke(c, "arn:aws:states:::aws-sdk:s3:listObjectsV2", p, &page) !=
		    0) {
			rc = failed_call(c);
			break;
		}
		struct json_object *contents = aslrt_aws_get(page, "Contents");
		struct json_object *out = json_object_new_array();
		size_t n = contents ? json_object_array_length(contents) : 0;
		for (size_t i = 0; i < n && (max <= 0 || have < max); i++, have++) {
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
		more = trunc && json_object_get_boolean(trunc) && next && (max <= 0 || have < max);
		if (more)
			json_object_object_add(p, "ContinuationToken",
					       json_object_new_string(next));
		json_object_put(page);
		rc = each(arg, out);
	}
	json_object_put(p);
	return rc;
}

static int append_items(void *arg, struct json_object *items)
{
	for (size_t i = 0; i < json_object_array_length(items); i++)
		json_object_array_add(arg, json_object_get(json_object_array_get_idx(items, i)));
	json_object_put(items);
	return 0;
}

static int read_listing(aslrt_ctx *c, struct json_object *params, long max,
			struct json_object **items)
{
	struct json_object *out = json_object_new_array();
	if (list_pages(c, params, max, append_items, out) != 0) {
		json_object_put(out);
		return -1;
	}
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

/* --- an S3 inventory manifest --- */

/* zlib, loaded with dlopen on the first gzip-compressed inventory file (as
 * libcurl is): an executable that reads none needs no zlib. */
static struct {
	pthread_once_t once;
	int (*init)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*reset)(z_streamp);
	int (*end)(z_streamp);
} aslrt_zlib = {PTHREAD_ONCE_INIT, NULL, NULL, NULL, NULL};

static void zlib_load(void)
{
	void *so = aslrt_dlopen("libz.so.1");
	if (!so)
		return;
	/* POSIX: function pointers round-trip through void * (dlsym's contract) */
	*(void **)&aslrt_zlib.inflate = aslrt_dlsym(so, "inflate");
	*(void **)&aslrt_zlib.reset = aslrt_dlsym(so, "inflateReset");
	*(void **)&aslrt_zlib.end = aslrt_dlsym(so, "inflateEnd");
	*(void **)&aslrt_zlib.init = aslrt_dlsym(so, "inflateInit2_");
}

/* A gzip-compressed object's bytes, inflated on their way to the items. */
typedef struct gunzip {
	z_stream z;
	size_t (*sink)(const char *p, size_t n, void *arg); /* the inflated bytes' */
	void *arg;
	bool bad; /* not gzip */
} gunzip;

static size_t on_gzip(const char *p, size_t n, void *arg)
{
	gunzip *g = arg;
	unsigned char out[1 << 16];
	g->z.next_in = (unsigned char *)(uintptr_t)p;
	g->z.avail_in = (uInt)n;
	while (g->z.avail_in > 0) {
		g->z.next_out = out;
		g->z.avail_out = sizeof out;
		int rc = aslrt_zlib.inflate(&g->z, Z_NO_FLUSH);
		size_t got = sizeof out - g->z.avail_out;
		if (got && g->sink((const char *)out, got, g->arg) != got)
			return 0;
		if (rc == Z_STREAM_END) /* another member may follow */
			aslrt_zlib.reset(&g->z);
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			g->bad = true;
			return 0;
		}
	}
	return n;
}

/* Is the key a gzip-compressed file's (.gz)? */
static bool gz_key(const char *key)
{
	size_t n = strlen(key);
	return n > 3 && strcmp(key + n - 3, ".gz") == 0;
}

/* 0 with g ready, or -1 with c->err: zlib cannot be loaded. */
static int gz_begin(aslrt_ctx *c, gunzip *g)
{
	pthread_once(&aslrt_zlib.once, zlib_load);
	if (!aslrt_zlib.init || !aslrt_zlib.inflate || !aslrt_zlib.reset || !aslrt_zlib.end ||
	    aslrt_zlib.init(&g->z, 15 + 16, ZLIB_VERSION, (int)sizeof g->z) != Z_OK)
		return failed(c, "The S3 inventory file is gzip-compressed and zlib (libz.so.1) "
				 "cannot be loaded");
	return 0;
}

static size_t to_buf(const char *p, size_t n, void *arg)
{
	aslrt_buf *b = arg;
	if (b->len + n > ((size_t)16 << 20))
		return 0; /* a manifest is small: refuse what is not one */
	aslrt_buf_put(b, p, n);
	return n;
}

/* One inventory data file (CSV, gzip-compressed when its key ends .gz)
 * read by items (freed) into out. */
static int read_inventory_file(aslrt_ctx *c, const char *bucket, const char *key, aws_items *items,
			       struct json_object *out)
{
	char why[ASLRT_ERRLEN + 80];
	stream s = {items, 0};
	bool gz = gz_key(key);
	gunzip g = {.sink = on_bytes, .arg = &s};
	if (gz && gz_begin(c, &g)) {
		aslrt_aws_items_free(s.items);
		return -1;
	}
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "Bucket", json_object_new_string(bucket));
	json_object_object_add(p, "Key", json_object_new_string(key));
	int rc = aslrt_aws_s3_get_stream(c, p, gz ? on_gzip : on_bytes, gz ? (void *)&g : &s);
	json_object_put(p);
	if (gz)
		aslrt_zlib.end(&g.z);
	if (g.bad) {
		aslrt_aws_items_free(s.items);
		snprintf(why, sizeof why, "The S3 inventory file %s is not gzip data", key);
		return failed(c, why);
	}
	if (rc != 0 && s.state == 0) {
		aslrt_aws_items_free(s.items);
		return failed_call(c);
	}
	struct json_object *got = NULL;
	if (aslrt_aws_items_finish(s.items, &got, why, sizeof why) != 0)
		return failed(c, why);
	for (size_t i = 0; i < json_object_array_length(got); i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(got, i)));
	json_object_put(got);
	return 0;
}

/* An S3 inventory's manifest: its CSV files' bucket, their keys (files)
 * and the fileSchema's names as CSV headers. */
typedef struct inventory {
	struct json_object *m, *files, *headers;
	const char *dest;
} inventory;

static void inventory_free(inventory *inv)
{
	json_object_put(inv->m);
	json_object_put(inv->headers);
	*inv = (inventory){0};
}

/* The manifest.json params name ({"destinationBucket":"arn:aws:s3:::NAME",
 * "fileFormat":"CSV","fileSchema":"Bucket, Key, ...","files":[{"key":..}]}):
 * 0, or -1 with c->err (ORC and Parquet inventories are refused). */
static int inventory_open(aslrt_ctx *c, struct json_object *params, inventory *inv)
{
	*inv = (inventory){0};
	aslrt_buf body = {0};
	aslrt_buf_put(&body, "", 0);
	if (aslrt_aws_s3_get_stream(c, params, to_buf, &body) != 0) {
		aslrt_buf_free(&body);
		return failed_call(c);
	}
	char perr[ASLRT_ERRLEN], why[ASLRT_ERRLEN + 160];
	int rc = aslrt_json_parse(body.s, body.len, &inv->m, perr, sizeof perr);
	aslrt_buf_free(&body);
	if (rc != 0) {
		snprintf(why, sizeof why, "The S3 inventory manifest is not JSON: %s", perr);
		return failed(c, why);
	}
	const char *format = aslrt_aws_get_str(inv->m, "fileFormat"),
		   *schema = aslrt_aws_get_str(inv->m, "fileSchema");
	inv->dest = aslrt_aws_get_str(inv->m, "destinationBucket");
	inv->files = aslrt_aws_get(inv->m, "files");
	if (!format || !schema || !inv->dest || !inv->files ||
	    !json_object_is_type(inv->files, json_type_array)) {
		inventory_free(inv);
		return failed(c, "The S3 inventory manifest needs fileFormat, fileSchema, "
				 "destinationBucket and files");
	}
	if (strcmp(format, "CSV") != 0) {
		snprintf(why, sizeof why,
			 "The S3 inventory's fileFormat is %.40s: only CSV inventories are read",
			 format);
		inventory_free(inv);
		return failed(c, why);
	}
	/* "Bucket, Key, Size" */
	inv->headers = json_object_new_array();
	for (const char *p = schema; *p;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		json_object_array_add(inv->headers, json_object_new_string_len(p, (int)n));
		p = e ? e + 1 : p + strlen(p);
	}
	if (strncmp(inv->dest, "arn:aws:s3:::", 13) == 0)
		inv->dest += 13;
	return 0;
}

/* The key of the inventory's i-th file, or NULL with c->err. */
static const char *inventory_key(aslrt_ctx *c, const inventory *inv, size_t i)
{
	const char *key = aslrt_aws_get_str(json_object_array_get_idx(inv->files, i), "key");
	if (!key)
		failed(c, "An S3 inventory manifest's file has no key");
	return key;
}

/* CSV with the inventory's fileSchema as headers, at most max items. */
static aws_items *inventory_items(aslrt_ctx *c, const inventory *inv, long max)
{
	char why[ASLRT_ERRLEN + 80];
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "CSVHeaderLocation", json_object_new_string("GIVEN"));
	json_object_object_add(cfg, "CSVHeaders", json_object_get(inv->headers));
	aws_items *items = aslrt_aws_items_open("CSV", cfg, max, why, sizeof why);
	json_object_put(cfg);
	if (!items)
		failed(c, why);
	return items;
}

/*
 * InputType MANIFEST: params name an S3 inventory's manifest.json; its CSV
 * data files are read in order, each row an item keyed by the fileSchema's
 * names, every value a string.
 */
static int read_manifest(aslrt_ctx *c, struct json_object *params, long max,
			 struct json_object **items)
{
	inventory inv;
	if (inventory_open(c, params, &inv))
		return -1;
	struct json_object *out = json_object_new_array();
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(inv.files); i++) {
		long have = (long)json_object_array_length(out);
		if (max > 0 && have >= max)
			break;
		const char *key = inventory_key(c, &inv, i);
		aws_items *csv = key ? inventory_items(c, &inv, max > 0 ? max - have : 0) : NULL;
		rc = csv ? read_inventory_file(c, inv.dest, key, csv, out) : -1;
	}
	inventory_free(&inv);
	if (rc) {
		json_object_put(out);
		return -1;
	}
	*items = out;
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

/* What an ItemReader reads: its Resource, InputType, ReaderConfig,
 * MaxItems (0: all) and Parameters (Arguments) evaluated on the input. */
typedef struct reader_setup {
	const char *res, *type;
	struct json_object *cfg, *params;
	long max;
} reader_setup;

static int setup(aslrt_ctx *c, struct json_object *reader, bool jsonata, struct json_object *input,
		 reader_setup *rs)
{
	*rs = (reader_setup){aslrt_aws_get_str(reader, "Resource"), NULL,
			     aslrt_aws_get(reader, "ReaderConfig"), NULL, 0};
	struct json_object *cfg = rs->cfg;
	const char *type = rs->type = aslrt_aws_get_str(cfg, "InputType");
	const char *manifest = aslrt_aws_get_str(cfg, "ManifestType");
	if (manifest || (type && strcmp(type, "PARQUET") == 0)) {
		/* refused by name, never read as something else */
		char why[256];
		snprintf(why, sizeof why,
			 "ReaderConfig.%s %s is not supported by this runtime (%s); it reads CSV, "
			 "JSON and JSONL objects, S3 inventory manifests and S3 listings",
			 manifest ? "ManifestType" : "InputType", manifest ? manifest : type,
			 manifest ? "Athena data manifests are not read"
				  : "it links no Parquet library");
		return failed(c, why);
	}
	const char *tr = aslrt_aws_get_str(cfg, "Transformation");
	if (tr && strcmp(tr, "NONE") != 0)
		return failed(c, "ReaderConfig.Transformation LOAD_AND_FLATTEN is not supported by "
				 "this runtime");
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
		rs->max = ok ? (long)json_object_get_int64(v) : 0;
		json_object_put(v);
		if (!ok)
			return failed(c, "field MaxItems must be positive");
	}
	struct json_object *ptempl = aslrt_aws_get(reader, jsonata ? "Arguments" : "Parameters");
	if (!ptempl)
		return failed(c, jsonata ? "ItemReader.Arguments is required"
					 : "ItemReader.Parameters is required");
	return evaluate(c, ptempl, jsonata, "ItemReader/Arguments", input, &rs->params);
}

/*
 * $$.Map.Item.Source of the reader's items, as the guide's Context object
 * for Map states gives it: the bucket's S3 URI for a listing
 * ("S3://BUCKET"), else the object's ("S3://BUCKET/KEY").
 */
static void item_source(const reader_setup *rs, aslrt_map_run *run)
{
	const char *bucket = aslrt_aws_get_str(rs->params, "Bucket");
	const char *key = aslrt_aws_get_str(rs->params, "Key");
	bool listing = rs->res && strcmp(rs->res, "arn:aws:states:::s3:listObjectsV2") == 0;
	free(run->source);
	run->source = NULL;
	if (listing || !key) {
		if (asprintf(&run->source, "S3://%s", bucket ? bucket : "") < 0)
			abort();
	} else if (asprintf(&run->source, "S3://%s/%s", bucket ? bucket : "", key) < 0) {
		abort();
	}
}

int aslrt_aws_map_items(aslrt_ctx *c, struct json_object *def, bool jsonata,
			struct json_object *input, aslrt_map_run *run, struct json_object **items)
{
	struct json_object *reader = aslrt_aws_get(def, "ItemReader");
	if (!reader)
		return 1;
	reader_setup rs;
	if (setup(c, reader, jsonata, input, &rs))
		return -1;
	item_source(&rs, run);
	const char *res = rs.res, *type = rs.type;
	int rc;
	if (res && strcmp(res, "arn:aws:states:::s3:listObjectsV2") == 0) {
		rc = read_listing(c, rs.params, rs.max, items);
	} else if (res && strcmp(res, "arn:aws:states:::s3:getObject") == 0) {
		if (type && strcmp(type, "MANIFEST") == 0)
			rc = read_manifest(c, rs.params, rs.max, items);
		else if (!type || (strcmp(type, "CSV") != 0 && strcmp(type, "JSON") != 0 &&
				   strcmp(type, "JSONL") != 0))
			rc =
			    failed(c, "ReaderConfig.InputType must be CSV, JSON, JSONL or MANIFEST "
				      "for s3:getObject");
		else
			rc = read_object(c, type, rs.cfg, rs.params, rs.max, items);
	} else {
		rc = failed(c, "ItemReader.Resource must be arn:aws:states:::s3:getObject or "
			       "arn:aws:states:::s3:listObjectsV2");
	}
	json_object_put(rs.params);
	return rc;
}

/* --- a Map Run in windows --- */

/* Items read, run and written at a time (more when MaxConcurrency is). */
#define WINDOW 1000
#define WINDOW_MAX 65536L

typedef struct windows {
	aslrt_ctx *c;
	int state;
	struct json_object *input;
	const aslrt_map_run *run;
	long limit;
	bool tolerate;
	double tol_count, tol_pct; /* -1: not set */
	long max;		   /* MaxItems, 0: all */
	aws_results *out;
	long total;		   /* items run */
	long children, failed;	   /* child executions run (items or batches), failed */
	long window;		   /* items read at a time */
	bool batch;		   /* an ItemBatcher groups them */
	struct json_object *carry; /* items of a batch that may take more, for the next window */
} windows;

/* Items read (run, or held for the next window's batch). */
static long items_read(const windows *w)
{
	return w->total + (w->carry ? (long)json_object_array_length(w->carry) : 0);
}

static size_t to_file(const char *p, size_t n, void *arg)
{
	return fwrite(p, 1, n, arg);
}

/* An ItemBatcher's batches of the window's jobs: all but the last, whose
 * items (they may share a batch with the next window's) wait in w->carry,
 * unless this is the last window.  *n becomes the number of batches run,
 * *used that of the items they hold.  0, or -1 with c->err (jobs freed). */
static int window_batches(windows *w, struct json_object *items, bool last, aslrt_job **jobs,
			  int *n, int *used)
{
	aslrt_state *st = &w->c->run->states[w->state];
	*used = *n;
	if (aslrt_aws_map_batch(w->c, st->map_run, st->jsonata, w->input, jobs, n))
		return -1;
	if (last || *n == 0)
		return 0;
	struct json_object *held = aslrt_aws_get((*jobs)[*n - 1].input, "Items");
	int k = held ? (int)json_object_array_length(held) : 0;
	w->carry = json_object_new_array();
	for (int i = *used - k; i < *used; i++)
		json_object_array_add(w->carry,
				      json_object_get(json_object_array_get_idx(items, (size_t)i)));
	aslrt_job_free(&(*jobs)[--*n]);
	*used -= k;
	return 0;
}

/* One window's items (released; with the items carried from the last
 * window before them): run, their results written.  0, or -1 with c->err. */
static int run_window(windows *w, struct json_object *items, bool last)
{
	aslrt_ctx *c = w->c;
	if (w->carry) {
		for (size_t i = 0; i < json_object_array_length(items); i++)
			json_object_array_add(w->carry,
					      json_object_get(json_object_array_get_idx(items, i)));
		json_object_put(items);
		items = w->carry;
		w->carry = NULL;
	}
	int n = (int)json_object_array_length(items), used = n;
	aslrt_job *jobs = NULL;
	int rc =
	    n ? aslrt_map_jobs(c, w->state, w->input, items, NULL, w->total, true, w->run, &jobs)
	      : 0;
	if (rc == 0 && n && w->batch)
		rc = window_batches(w, items, last, &jobs, &n, &used);
	json_object_put(items);
	if (rc || n == 0) {
		free(jobs);
		return rc;
	}
	aws_map_run *mr = aslrt_aws_map_run_new(c, c->run->states[w->state].map_run, jobs, n);
	int failed_n = aslrt_pool_run(c->run, jobs, n, w->limit, w->tolerate);
	aslrt_aws_map_run_outcomes(mr, jobs, n);
	struct json_object **outs = calloc((size_t)n + 1, sizeof *outs);
	for (int i = 0; i < n; i++) {
		/* the outputs are ours (aslrt_job_free leaves them) */
		outs[i] =
		    jobs[i].rc && jobs[i].c ? aslrt_error_output(&jobs[i].c->err) : jobs[i].out;
		if (outs[i] != jobs[i].out)
			json_object_put(jobs[i].out);
		jobs[i].out = NULL;
	}
	rc = aslrt_aws_results_add(c, w->out, mr, outs);
	for (int i = 0; i < n; i++) {
		json_object_put(outs[i]);
		aslrt_job_free(&jobs[i]);
	}
	free(outs);
	free(jobs);
	w->total += used;
	w->children += n;
	w->failed += failed_n;
	/* one failure too many stops the Map Run: no more windows */
	if (rc == 0 && w->failed &&
	    (!w->tolerate || (w->tol_count >= 0 && w->failed > w->tol_count)))
		rc = aslrt_raise(c, "States.ExceedToleratedFailureThreshold",
				 "The specified tolerated failure threshold was exceeded");
	return rc;
}

/* A listing's page of items, one window. */
static int page_window(void *arg, struct json_object *items)
{
	return run_window(arg, items, false);
}

/* Read the object in f a window at a time; items is freed. */
static int read_windows(windows *w, FILE *f, aws_items *items)
{
	aslrt_ctx *c = w->c;
	char buf[1 << 16], why[ASLRT_ERRLEN + 80];
	int rc = 0;
	bool end = false;
	while (rc == 0 && !end) {
		while (!end && aslrt_aws_items_count(items) < w->window) {
			size_t n = fread(buf, 1, sizeof buf, f);
			end = n == 0 || aslrt_aws_items_feed(items, buf, n) != 0;
		}
		struct json_object *got = NULL;
		if (end) {
			rc = aslrt_aws_items_finish(items, &got, why, sizeof why);
			items = NULL;
			if (rc)
				return failed(c, why);
		} else {
			got = aslrt_aws_items_take(items);
		}
		rc = run_window(w, got, false);
	}
	aslrt_aws_items_free(items);
	return rc;
}

/* The object's bytes to a temporary file, and (MaxItems set) to an item
 * reader that only counts: once it has MaxItems items the download stops,
 * the rest not needed. */
typedef struct tee {
	FILE *f;
	aws_items *count; /* NULL: no MaxItems */
	int state;	  /* aslrt_aws_items_feed's: 0 counting, 1 enough, -1 failed */
} tee;

static size_t to_tee(const char *p, size_t n, void *arg)
{
	tee *t = arg;
	if (fwrite(p, 1, n, t->f) != n)
		return 0;
	/* a reader that failed stops counting: the object is read on, and
	 * the reader of the file reports the failure */
	if (t->count && t->state == 0 && (t->state = aslrt_aws_items_feed(t->count, p, n)) == 1)
		return 0;
	return n;
}

/* The object params name in a temporary file (inflated when gz; the
 * download stops once count, when given, has its MaxItems): NULL with
 * c->err.  count is freed. */
static FILE *object_file(aslrt_ctx *c, struct json_object *params, bool gz, aws_items *count)
{
	FILE *f = tmpfile();
	tee t = {f, count, 0};
	if (!f) {
		aslrt_aws_items_free(count);
		failed(c, "The object cannot be kept in a temporary file");
		return NULL;
	}
	gunzip g = {.sink = to_file, .arg = f};
	bool z = gz && gz_begin(c, &g) == 0;
	int rc = gz && !z ? -1 : 0;
	if (rc == 0 &&
	    aslrt_aws_s3_get_stream(c, params, z ? on_gzip : to_tee, z ? (void *)&g : &t) != 0 &&
	    !g.bad)
		rc = failed_call(c);
	aslrt_aws_items_free(count);
	if (rc == 0 && g.bad) {
		char why[ASLRT_ERRLEN];
		snprintf(why, sizeof why, "The S3 inventory file %.200s is not gzip data",
			 aslrt_aws_get_str(params, "Key"));
		rc = failed(c, why);
	}
	if (z)
		aslrt_zlib.end(&g.z);
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = failed(c, "The object cannot be written to a temporary file");
	if (rc) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	return f;
}

/* An S3 inventory's files, one after the other, in windows. */
static int inventory_windows(windows *w, struct json_object *params)
{
	aslrt_ctx *c = w->c;
	inventory inv;
	if (inventory_open(c, params, &inv))
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_object_array_length(inv.files); i++) {
		if (w->max > 0 && items_read(w) >= w->max)
			break;
		const char *key = inventory_key(c, &inv, i);
		if (!key) {
			rc = -1;
			break;
		}
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "Bucket", json_object_new_string(inv.dest));
		json_object_object_add(p, "Key", json_object_new_string(key));
		FILE *f = object_file(c, p, gz_key(key), NULL);
		json_object_put(p);
		aws_items *items =
		    f ? inventory_items(c, &inv, w->max > 0 ? w->max - items_read(w) : 0) : NULL;
		rc = items ? read_windows(w, f, items) : -1;
		if (f)
			fclose(f);
	}
	inventory_free(&inv);
	return rc;
}

static int batch_limit(aslrt_ctx *c, struct json_object *b, const char *key, bool jsonata,
		       struct json_object *input, long *out);

/* Items read at a time: a window, more when MaxConcurrency is, and with an
 * ItemBatcher enough for a batch more than run at once (up to 64 batches),
 * so that holding the last one back leaves the pool its work; never more
 * than WINDOW_MAX (a MaxItemsPerBatch of millions would otherwise read
 * millions of items at once: its batches then span windows, carried).  0,
 * or -1 with c->err (a bad MaxItemsPerBatch). */
static int window_size(windows *w, struct json_object *batcher, bool jsonata)
{
	long per_batch = 0, conc = w->limit > 0 && w->limit < 64 ? w->limit : 64;
	w->window = w->limit > WINDOW ? w->limit : WINDOW;
	if (batcher &&
	    batch_limit(w->c, batcher, "MaxItemsPerBatch", jsonata, w->input, &per_batch))
		return -1;
	if (per_batch > 0 && per_batch <= 100000000 && (conc + 1) * per_batch > w->window)
		w->window = (conc + 1) * per_batch;
	if (w->window > WINDOW_MAX)
		w->window = WINDOW_MAX > w->limit ? WINDOW_MAX : w->limit;
	return 0;
}

int aslrt_aws_map_windows(aslrt_ctx *c, int state, struct json_object *input, aslrt_map_run *run,
			  long limit, double tol_count, double tol_pct, struct json_object **dst)
{
	aslrt_state *st = &c->run->states[state];
	struct json_object *reader = aslrt_aws_get(st->map_run, "ItemReader");
	struct json_object *batcher = aslrt_aws_get(st->map_run, "ItemBatcher");
	const char *res = aslrt_aws_get_str(reader, "Resource");
	const char *type = aslrt_aws_get_str(aslrt_aws_get(reader, "ReaderConfig"), "InputType");
	bool manifest = type && strcmp(type, "MANIFEST") == 0;
	bool listing = res && strcmp(res, "arn:aws:states:::s3:listObjectsV2") == 0;
	if (!reader || !aslrt_aws_results_export(st->map_run) ||
	    (!listing && (!res || strcmp(res, "arn:aws:states:::s3:getObject") != 0 || !type ||
			  (strcmp(type, "CSV") != 0 && strcmp(type, "JSONL") != 0 &&
			   strcmp(type, "JSON") != 0 && !manifest))))
		return 1;
	reader_setup rs;
	if (setup(c, reader, st->jsonata, input, &rs))
		return -1;
	item_source(&rs, run);
	windows w = {.c = c,
		     .state = state,
		     .input = input,
		     .run = run,
		     .limit = limit,
		     .tolerate = tol_count > 0 || tol_pct > 0,
		     .tol_count = tol_count,
		     .tol_pct = tol_pct,
		     .max = rs.max,
		     .batch = batcher != NULL};
	int rc = window_size(&w, batcher, st->jsonata);
	if (rc == 0)
		rc = (w.out = aslrt_aws_results_open(c, st->map_run, st->jsonata, input, run)) ? 0
											       : -1;
	if (rc == 0 && listing) {
		rc = list_pages(c, rs.params, rs.max, page_window, &w);
	} else if (rc == 0 && manifest) {
		rc = inventory_windows(&w, rs.params);
	} else if (rc == 0) {
		char why[ASLRT_ERRLEN + 80];
		aws_items *items = aslrt_aws_items_open(type, rs.cfg, rs.max, why, sizeof why);
		aws_items *count = items && rs.max > 0
				       ? aslrt_aws_items_open(type, rs.cfg, rs.max, why, sizeof why)
				       : NULL;
		FILE *f = items ? object_file(c, rs.params, false, count) : NULL;
		rc = !items ? failed(c, why) : f ? read_windows(&w, f, items) : -1;
		if (!f)
			aslrt_aws_items_free(items);
		else
			fclose(f);
	}
	json_object_put(rs.params);
	/* the last batch, held for more items that never came */
	if (rc == 0 && w.carry)
		rc = run_window(&w, json_object_new_array(), true);
	json_object_put(w.carry);
	/* the percentage is of all the child executions: known at the end */
	if (rc == 0 && w.failed && w.tol_pct >= 0 &&
	    (double)w.failed * 100.0 / (double)w.children > w.tol_pct)
		rc = aslrt_raise(c, "States.ExceedToleratedFailureThreshold",
				 "The specified tolerated failure threshold was exceeded");
	if (rc == 0) {
		rc = aslrt_aws_results_close(c, w.out, dst);
		w.out = NULL;
	}
	aslrt_aws_results_free(w.out);
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
