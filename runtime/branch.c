/*
 * branch.c - the Parallel and Map states: their branches and iterations as
 * jobs of the pool (pool.c, vsched.c), a Distributed Map's Map Run (its
 * reader, batcher and writer in aws/), and their results collected in order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "aws/aws.h"

/* --- Parallel and Map --- */

/* A Parallel of at most this many branches keeps its jobs on the stack. */
#define PARALLEL_LOCAL 16

/* Collect the results in order; fail with the first failed job's error, or,
 * when failures are tolerated, put each failure's error output in its place.
 * The jobs are freed, and the array itself when heap (not on the caller's stack). */
static int finish_batch(aslrt_ctx *c, aslrt_job *jobs, int n, bool tolerate, bool heap,
			struct json_object **dst)
{
	int rc = 0, first = -1;
	/* the job that failed, not one its failure stopped (vsched.c) */
	for (int i = 0; i < n && !tolerate; i++)
		if (jobs[i].rc && jobs[i].c &&
		    (first < 0 || (jobs[first].aborted && !jobs[i].aborted)))
			first = i;
	/* sized once: n results, no growth */
	struct json_object *arr = json_object_new_array_ext(n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		if (i == first) {
			aslrt_error_move(&c->err, &jobs[i].c->err);
			rc = -1;
		}
		if (jobs[i].rc && tolerate)
			json_object_array_add(arr, aslrt_error_output(&jobs[i].c->err));
		else
			json_object_array_add(arr, jobs[i].out);
		aslrt_job_free(&jobs[i]);
	}
	if (heap)
		free(jobs);
	/* a stopped job's batch may end with no job failed (its jobs never
	 * started): it fails as stopped, never with a partial result */
	if (!rc && aslrt_job_stopped(c->run))
		rc = aslrt_aborted_error(c);
	if (rc) {
		json_object_put(arr);
		arr = NULL;
	}
	*dst = arr;
	return rc;
}

static int finish_jobs(aslrt_ctx *c, aslrt_job *jobs, int n, bool tolerate,
		       struct json_object **dst)
{
	return finish_batch(c, jobs, n, tolerate, true, dst);
}

int aslrt_op_parallel(aslrt_ctx *c, int state, struct json_object *input, struct json_object **dst)
{
	aslrt_state *st = &c->run->states[state];
	/* most Parallels have a few branches: their jobs on the stack, no
	 * calloc per run (b5: 2.5%; glibc's calloc bypasses its cache) */
	aslrt_job local[PARALLEL_LOCAL];
	bool heap = st->nbranches > PARALLEL_LOCAL;
	aslrt_job *jobs = heap ? calloc((size_t)st->nbranches + 1, sizeof *jobs) : local;
	if (!jobs)
		abort();
	if (!heap)
		memset(jobs, 0, (size_t)st->nbranches * sizeof *jobs);
	aslrt_event(c, EV_PARALLEL_STARTED, state, NULL, 0);
	bool share = aslrt_pool_inline(c->run, st->branches, st->nbranches);
	for (int i = 0; i < st->nbranches; i++) {
		jobs[i].parent = c;
		jobs[i].scope = st->branches[i];
		/* a thread gets a tree of its own; inline, the branches share
		 * it, and a shared input is never changed in place (exec.c
		 * store_result changes only an input a state holds alone) */
		jobs[i].input = share ? json_object_get(input) : aslrt_json_copy(input);
		aslrt_job_prepare(&jobs[i], c, state, i, false);
	}
	int failed = aslrt_pool_run(c->run, jobs, st->nbranches, 0, false);
	aslrt_event(c, failed ? EV_PARALLEL_FAILED : EV_PARALLEL_SUCCEEDED, state, NULL, 0);
	return finish_batch(c, jobs, st->nbranches, false, heap, dst);
}

/*
 * A Map setting given literally (key) or through a Reference Path (key + 1),
 * checked as AWS does; *val is left alone when neither is there.
 */
static int map_setting(aslrt_ctx *c, aslrt_state *st, int key, bool integer,
		       struct json_object *input, double *val)
{
	const char *pkey = aslrt_setting_names[key + 1];
	struct json_object *v = aslrt_setting(c->run, st, key),
			   *p = aslrt_setting(c->run, st, key + 1);
	if (v && aslrt_json_is_number(v)) {
		*val = aslrt_json_number(v);
		return 0;
	}
	if (!p)
		return 0;
	const char *text = json_object_get_string(p);
	struct json_object *sel = NULL;
	if (aslrt_path_select(c, text, input, &sel))
		return -1;
	bool ok = integer ? json_object_is_type(sel, json_type_int) : aslrt_json_is_number(sel);
	double num = ok ? aslrt_json_number(sel) : 0;
	if (!ok && json_object_is_type(sel, json_type_string)) {
		/* a number in a string is taken, as AWS does ("1" from a variable) */
		const char *str = json_object_get_string(sel);
		char *end;
		num = integer ? (double)strtoll(str, &end, 10) : strtod(str, &end);
		ok = *str && !strchr(" \t\n", *str) && *end == 0;
	}
	if (!ok) {
		char *shown = json_object_is_type(sel, json_type_string)
				  ? strdup(json_object_get_string(sel))
				  : aslrt_json_dump(sel);
		aslrt_runtime_error(
		    c, "The %s field refers to value \"%s\" which is not a valid %s: %s", pkey,
		    shown, integer ? "integer" : "float", text);
		free(shown);
		json_object_put(sel);
		return -1;
	}
	*val = num;
	json_object_put(sel);
	return 0;
}

/* A Distributed Map's run ends (MapRunSucceeded, or MapRunFailed with
 * c->err) before its MapStateSucceeded/Failed, as AWS records it. */
static int map_run_end(aslrt_ctx *c, int state, aslrt_map_run *run, int rc)
{
	if (run->arn)
		aslrt_event(c, rc ? EV_MAP_RUN_FAILED : EV_MAP_RUN_SUCCEEDED, state, NULL, 0);
	aslrt_map_run_clear(run);
	return rc;
}

/*
 * A Distributed Map over a JSON object (guide: input-output-itemspath, "an
 * iteration for each key-value pair"): its members' values as the items, in
 * document order, and their names as $$.Map.Item.Key (*keys).  The guide does
 * not say what the pair itself looks like as an iteration's input, so without
 * an ItemSelector to build that input from Key and Value this fails rather
 * than guess a shape.  0, or -1 with the error (*obj released).
 */
static int object_items(aslrt_ctx *c, aslrt_state *st, struct json_object **obj,
			struct json_object **keys)
{
	if (!st->def->selector && !st->jitem_selector) {
		json_object_put(*obj);
		*obj = NULL;
		return aslrt_runtime_error(
		    c, "A Distributed Map over a JSON object needs an ItemSelector "
		       "(from $$.Map.Item.Key and $$.Map.Item.Value): the input of a "
		       "key-value pair without one is not implemented");
	}
	struct json_object *vals = json_object_new_array();
	*keys = json_object_new_array();
	json_object_object_foreach(*obj, k, v)
	{
		json_object_array_add(*keys, json_object_new_string(k));
		json_object_array_add(vals, json_object_get(v));
	}
	json_object_put(*obj);
	*obj = vals;
	return 0;
}

/* The Map's items from ItemsPath / Items / its input: 0, or -1 with the
 * error (before MapStateStarted, as AWS fails it).  A Distributed Map's
 * items may be an object's members (object_items; *keys their names). */
static int map_items(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		     struct json_object **items, struct json_object **keys)
{
	*keys = NULL;
	if (st->jitems) {
		if (aslrt_jtmpl_eval(c, st->jitems, input, ASLRT_ABSENT, NULL, items))
			return -1;
		if (st->distributed && json_object_is_type(*items, json_type_object))
			return object_items(c, st, items, keys);
		if (!json_object_is_type(*items, json_type_array)) {
			char *s = aslrt_json_dump(*items);
			aslrt_query_error(
			    c,
			    "The JSONata expression '%s' specified for the field 'Items' "
			    "returned an unexpected result type. Expected 'array', but was "
			    "'%s' for value: %s",
			    aslrt_jtmpl_text(st->jitems), aslrt_json_type_name(*items), s);
			free(s);
			json_object_put(*items);
			return -1;
		}
	} else if (st->items_path) {
		aslrt_env env;
		char why[ASLRT_ERRLEN];
		aslrt_env_make(c, input, &env);
		if (aslrt_path_eval(st->items_path, &env, items, why, sizeof why) != 0)
			return aslrt_runtime_error(c, "Invalid path '%s' : %s",
						   aslrt_path_text(st->items_path), why);
	} else {
		*items = json_object_get(input);
	}
	if (st->distributed && json_object_is_type(*items, json_type_object))
		return object_items(c, st, items, keys);
	if (!json_object_is_type(*items, json_type_array)) {
		char *s = aslrt_json_dump(*items);
		json_object_put(*items);
		if (st->jsonata)
			aslrt_query_error(c, "Map state input must be an array but was: %s", s);
		else
			aslrt_runtime_error(c, "Map state input must be an array but was: %s", s);
		free(s);
		return -1;
	}
	return 0;
}

int aslrt_map_jobs(aslrt_ctx *c, int state, struct json_object *input, struct json_object *items,
		   struct json_object *keys, long base, bool own, const aslrt_map_run *run,
		   aslrt_job **out)
{
	aslrt_state *st = &c->run->states[state];
	int n = (int)json_object_array_length(items), rc = 0;
	aslrt_job *jobs = calloc((size_t)n + 1, sizeof *jobs);
	bool share = aslrt_pool_inline(c->run, &st->branches[0], 1);
	for (int i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(items, (size_t)i);
		jobs[i].parent = c; /* its context is made when it starts */
		jobs[i].scope = st->branches[0];
		jobs[i].map_run = run->arn ? run : NULL;
		aslrt_job_prepare(&jobs[i], c, state, base + i, true);
		if (st->def->selector || st->jitem_selector) {
			struct json_object *it = json_object_new_object();
			json_object_object_add(it, "Index", json_object_new_int64(base + i));
			/* the Context object's order: Index, Key, Value, Source */
			if (keys)
				json_object_object_add(
				    it, "Key",
				    json_object_get(json_object_array_get_idx(keys, (size_t)i)));
			json_object_object_add(it, "Value", json_object_get(item));
			/* the guide's Context object for Map states: STATE_DATA for
			 * items of the state input, else the reader's S3 URI */
			json_object_object_add(
			    it, "Source",
			    json_object_new_string(run->source ? run->source : "STATE_DATA"));
			c->map_item = it;
			aslrt_ctx_changed(c); /* $$.Map.Item */
			struct json_object *sel = NULL;
			if (st->def->selector)
				rc = st->def->selector(c, input, &sel);
			else
				rc = aslrt_jtmpl_eval(c, st->jitem_selector, input, ASLRT_ABSENT,
						      NULL, &sel);
			/* the item's thread gets a tree of its own */
			jobs[i].input = rc	? NULL
					: share ? json_object_get(sel)
						: aslrt_json_copy(sel);
			json_object_put(sel);
			json_object_put(c->map_item);
			c->map_item = NULL;
			aslrt_ctx_changed(c); /* $$.Map.Item */
			if (rc) {
				for (int j = 0; j <= i; j++)
					aslrt_job_free(&jobs[j]);
				free(jobs);
				return -1;
			}
		} else {
			jobs[i].input =
			    share || own ? json_object_get(item) : aslrt_json_copy(item);
		}
	}
	*out = jobs;
	return 0;
}

/*
 * A Map: its items (ItemsPath, Items, or a Distributed Map's ItemReader),
 * each through ItemSelector, ItemBatcher, run on the pool; a Distributed
 * Map's run is a Map Run (MapRunStarted after MapStateStarted, the items
 * read from S3 within it, its iterations child executions with their own
 * events) whose results a ResultWriter may export.
 */
int aslrt_op_map(aslrt_ctx *c, int state, struct json_object *input, struct json_object **dst)
{
	aslrt_state *st = &c->run->states[state];
	struct json_object *items = NULL, *keys = NULL;
	double limit = 0, tol_count = -1, tol_pct = -1;
	if (map_setting(c, st, RS_MAX_CONCURRENCY, true, input, &limit))
		return -1;
	if (limit < 0)
		return aslrt_runtime_error(c, "MaxConcurrency must be non-negative.");
	bool reader = aslrt_aws_get(st->map_run, "ItemReader") != NULL;
	if (!reader && map_items(c, st, input, &items, &keys))
		return -1;
	aslrt_map_run run = {0};
	if (st->distributed)
		aslrt_map_run_init(c, st->map_run, st->name, &run);
	/* with an ItemReader AWS records a length of 0: the items come later */
	aslrt_event(c, EV_MAP_STARTED, state, NULL,
		    items ? (long)json_object_array_length(items) : 0);
	/* AWS reads the tolerated failure settings after MapStateStarted */
	if (map_setting(c, st, RS_TOL_COUNT, true, input, &tol_count) ||
	    map_setting(c, st, RS_TOL_PCT, false, input, &tol_pct) ||
	    (st->set[RS_TOL_COUNT_PATH] >= 0 && tol_count < 0 &&
	     aslrt_runtime_error(c, "ToleratedFailureCount must be non-negative.")) ||
	    (st->set[RS_TOL_PCT_PATH] >= 0 && (tol_pct < 0 || tol_pct > 100) &&
	     aslrt_runtime_error(c, "ToleratedFailurePercentage must be between 0 and 100."))) {
		aslrt_map_run_clear(&run);
		json_object_put(items);
		json_object_put(keys);
		return -1;
	}
	if (run.arn) {
		struct json_object *arn = json_object_new_string(run.arn);
		aslrt_event(c, EV_MAP_RUN_STARTED, state, arn, 0);
		json_object_put(arn);
	}
	/* ItemReader; a Map Run that exports runs in windows (aws/itemreader.c) */
	int wrc = reader && run.arn ? aslrt_aws_map_windows(c, state, input, &run, (long)limit,
							    tol_count, tol_pct, dst)
				    : 1;
	if (wrc == 1 && reader &&
	    aslrt_aws_map_items(c, st->map_run, st->jsonata, input, &run, &items))
		wrc = -1;
	if (wrc != 1) {
		map_run_end(c, state, &run, wrc);
		aslrt_event(c, wrc ? EV_MAP_FAILED : EV_MAP_SUCCEEDED, state, NULL, 0);
		return wrc;
	}
	aslrt_job *jobs = NULL;
	int n = (int)json_object_array_length(items);
	int rc = aslrt_map_jobs(c, state, input, items, keys, 0, reader, &run, &jobs);
	json_object_put(items);
	json_object_put(keys);
	/* ItemBatcher (runtime/aws/itemreader.c) */
	if (rc || aslrt_aws_map_batch(c, st->map_run, st->jsonata, input, &jobs, &n) != 0)
		return map_run_end(c, state, &run, -1);
	bool tolerate = tol_count > 0 || tol_pct > 0;
	/* A ResultWriter (runtime/aws/resultwriter.c) needs inputs and outcomes. */
	aws_map_run *mr = aslrt_aws_map_run_new(c, st->map_run, jobs, n);
	int failed = aslrt_pool_run(c->run, jobs, n, (long)limit, tolerate);
	aslrt_aws_map_run_outcomes(mr, jobs, n);
	/* a Map Run's threshold is 0 unless set (guide: maprun-fail-threshold) */
	if (failed && (tolerate || run.arn) &&
	    (!tolerate || (tol_count >= 0 && failed > tol_count) ||
	     (tol_pct >= 0 && (double)failed * 100.0 / n > tol_pct))) {
		aslrt_aws_map_run_finish(c, mr, &run, st->map_run, st->jsonata, input, -1, dst);
		finish_jobs(c, jobs, n, true, dst);
		json_object_put(*dst);
		*dst = NULL;
		rc = aslrt_raise(c, "States.ExceedToleratedFailureThreshold",
				 "The specified tolerated failure threshold was exceeded");
		map_run_end(c, state, &run, rc);
		aslrt_event(c, EV_MAP_FAILED, state, NULL, 0);
		return rc;
	}
	rc = finish_jobs(c, jobs, n, tolerate, dst);
	rc = aslrt_aws_map_run_finish(c, mr, &run, st->map_run, st->jsonata, input, rc, dst);
	map_run_end(c, state, &run, rc);
	aslrt_event(c, rc ? EV_MAP_FAILED : EV_MAP_SUCCEEDED, state, NULL, 0);
	return rc;
}
