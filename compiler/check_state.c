/*
 * check_state.c - the checker's structural rules for one state: which
 * fields each state type takes, Resource ARNs, Retry and Catch, and each
 * type's own fields (Task, Wait, Fail, Choice, Parallel, Map).  See check.c
 * for the walk that calls them.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "jsonata.h"

/* --- Retry and Catch --- */

/* ErrorEquals = [ name, ... ], States.ALL alone; returns whether States.ALL is in it. */
static bool check_error_equals(Ck *ck, const char *ptr, struct json_object *o)
{
	struct json_object *v = get(o, "ErrorEquals");
	bool all = false;
	if (!has(o, "ErrorEquals")) {
		err(ck, ptr, "missing the required field 'ErrorEquals'");
		return false;
	}
	char *p = pointer_join(ptr, "ErrorEquals");
	if (!json_object_is_type(v, json_type_array))
		err(ck, p, "'ErrorEquals' must be an array of error names, not %s", type_name(v));
	else if (json_object_array_length(v) == 0)
		err(ck, p, "'ErrorEquals' cannot be empty");
	else
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			char *ep = pointer_index(p, (int)i);
			if (!is_str(e))
				err(ck, ep, "error names must be strings, not %s", type_name(e));
			else if (strcmp(json_object_get_string(e), "States.ALL") == 0) {
				all = true;
				if (json_object_array_length(v) != 1)
					err(ck, ep,
					    "'States.ALL' must appear alone in 'ErrorEquals'");
			}
			free(ep);
		}
	free(p);
	return all;
}

static const char *const retrier_fields[] = {
    "ErrorEquals",     "IntervalSeconds", "MaxAttempts", "BackoffRate",
    "MaxDelaySeconds", "JitterStrategy",  "Comment",	 NULL};
static const char *const jitter_values[] = {"FULL", "NONE", NULL};

static void check_retry(Ck *ck, const char *ptr, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_array)) {
		err(ck, ptr, "'Retry' must be an array of Retriers, not %s", type_name(v));
		return;
	}
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(v, i);
		char *p = pointer_index(ptr, (int)i);
		if (!json_object_is_type(r, json_type_object)) {
			err(ck, p, "a Retrier must be an object, not %s", type_name(r));
			free(p);
			continue;
		}
		check_keys(ck, p, r, retrier_fields, "a Retrier");
		if (check_error_equals(ck, p, r) && i + 1 != n)
			err(ck, p, "the Retrier with 'States.ALL' must be the last one");
		/* Bounds from AWS's language service schema (common.json
		 * $defs/retry: MaxAttempts 0..99999999, BackoffRate >= 1,
		 * MaxDelaySeconds 1..31622400; IntervalSeconds $defs/seconds
		 * up to 99999999) and the developer guide's "Retrying after an
		 * error" (IntervalSeconds "a positive integer"; the schema's
		 * minimum 0 is looser than its own description). */
		check_int(ck, p, r, "IntervalSeconds", 1, 99999999, false);
		check_int(ck, p, r, "MaxAttempts", 0, 99999999, false);
		check_number(ck, p, r, "BackoffRate", 1.0, 1e300, false);
		check_int(ck, p, r, "MaxDelaySeconds", 1, 31622400, false);
		check_enum(ck, p, r, "JitterStrategy", jitter_values);
		check_string(ck, p, r, "Comment", false);
		free(p);
	}
}

static void add_edge(Edges *e, struct json_object *target, const char *ptr)
{
	if (!is_str(target))
		return;
	e->v = xrealloc(e->v, sizeof *e->v * (size_t)(e->n + 1));
	e->v[e->n].target = xstrdup(json_object_get_string(target));
	e->v[e->n].ptr = xstrdup(ptr);
	e->v[e->n].nul = has_nul(target);
	e->n++;
}

void check_next_field(Ck *ck, const char *ptr, struct json_object *o, Edges *e)
{
	struct json_object *v = get(o, "Next");
	char *p = pointer_join(ptr, "Next");
	if (!is_str(v))
		err(ck, p, "'Next' must be a state name, not %s", type_name(v));
	else
		add_edge(e, v, p);
	free(p);
}

static void check_catch(Ck *ck, const char *ptr, struct json_object *v, QueryLang ql, Edges *e)
{
	static const char *const path_fields[] = {"ErrorEquals", "Next",    "ResultPath",
						  "Assign",	 "Comment", NULL};
	static const char *const ata_fields[] = {"ErrorEquals", "Next",	   "Output",
						 "Assign",	"Comment", NULL};
	if (!json_object_is_type(v, json_type_array)) {
		err(ck, ptr, "'Catch' must be an array of Catchers, not %s", type_name(v));
		return;
	}
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(v, i);
		char *p = pointer_index(ptr, (int)i);
		if (!json_object_is_type(c, json_type_object)) {
			err(ck, p, "a Catcher must be an object, not %s", type_name(c));
			free(p);
			continue;
		}
		check_keys(ck, p, c, ql == QL_JSONPATH ? path_fields : ata_fields,
			   ql == QL_JSONPATH ? "a JSONPath Catcher" : "a JSONata Catcher");
		if (check_error_equals(ck, p, c) && i + 1 != n)
			err(ck, p, "the Catcher with 'States.ALL' must be the last one");
		if (!has(c, "Next"))
			err(ck, p, "a Catcher is missing the required field 'Next'");
		else
			check_next_field(ck, p, c, e);
		if (ql == QL_JSONPATH)
			check_path_field(ck, p, c, "ResultPath", PATH_RESULT);
		else if (has(c, "Output")) {
			char *op = pointer_join(p, "Output");
			check_jsonata_value(ck, op, get(c, "Output"));
			free(op);
		}
		if (has(c, "Assign")) {
			char *ap = pointer_join(p, "Assign");
			check_assign(ck, ap, get(c, "Assign"), ql);
			free(ap);
		}
		check_string(ck, p, c, "Comment", false);
		free(p);
	}
}

/* --- states --- */

enum {
	TASK = 1 << ST_TASK,
	PASS = 1 << ST_PASS,
	CHOICE = 1 << ST_CHOICE,
	WAIT = 1 << ST_WAIT,
	SUCCEED = 1 << ST_SUCCEED,
	FAIL = 1 << ST_FAIL,
	PARALLEL = 1 << ST_PARALLEL,
	MAP = 1 << ST_MAP,
	ALL = TASK | PASS | CHOICE | WAIT | SUCCEED | FAIL | PARALLEL | MAP,
	WORK = TASK | PARALLEL | MAP,
};

enum { BOTH, ONLY_PATH, ONLY_ATA };

/* Which state types take a field, and in which query language (spec 1.3). */
static const struct {
	const char *name;
	int types;
	int ql;
} state_fields[] = {
    {"Type", ALL, BOTH},
    {"Comment", ALL, BOTH},
    {"QueryLanguage", ALL, BOTH},
    {"InputPath", ALL & ~FAIL, ONLY_PATH},
    {"OutputPath", ALL & ~FAIL, ONLY_PATH},
    {"Output", ALL & ~FAIL, ONLY_ATA},
    {"Assign", ALL & ~(SUCCEED | FAIL), BOTH},
    {"Next", WORK | PASS | WAIT, BOTH},
    {"End", WORK | PASS | WAIT, BOTH},
    {"ResultPath", WORK | PASS, ONLY_PATH},
    {"Parameters", WORK | PASS, ONLY_PATH},
    {"Arguments", TASK | PARALLEL, ONLY_ATA},
    {"ResultSelector", WORK, ONLY_PATH},
    {"Retry", WORK, BOTH},
    {"Catch", WORK, BOTH},
    {"Resource", TASK, BOTH},
    {"Credentials", TASK, BOTH},
    {"TimeoutSeconds", TASK, BOTH},
    {"HeartbeatSeconds", TASK, BOTH},
    {"TimeoutSecondsPath", TASK, ONLY_PATH},
    {"HeartbeatSecondsPath", TASK, ONLY_PATH},
    {"Result", PASS, ONLY_PATH},
    {"Seconds", WAIT, BOTH},
    {"Timestamp", WAIT, BOTH},
    {"SecondsPath", WAIT, ONLY_PATH},
    {"TimestampPath", WAIT, ONLY_PATH},
    {"Choices", CHOICE, BOTH},
    {"Default", CHOICE, BOTH},
    {"Error", FAIL, BOTH},
    {"Cause", FAIL, BOTH},
    {"ErrorPath", FAIL, ONLY_PATH},
    {"CausePath", FAIL, ONLY_PATH},
    {"Branches", PARALLEL, BOTH},
    {"ItemProcessor", MAP, BOTH},
    {"Iterator", MAP, BOTH},
    {"ItemSelector", MAP, BOTH},
    {"ItemReader", MAP, BOTH},
    {"ItemBatcher", MAP, BOTH},
    {"ResultWriter", MAP, BOTH},
    {"MaxConcurrency", MAP, BOTH},
    {"ToleratedFailurePercentage", MAP, BOTH},
    {"ToleratedFailureCount", MAP, BOTH},
    {"Label", MAP, BOTH},
    {"Items", MAP, ONLY_ATA},
    {"ItemsPath", MAP, ONLY_PATH},
    {"MaxConcurrencyPath", MAP, ONLY_PATH},
    {"ToleratedFailurePercentagePath", MAP, ONLY_PATH},
    {"ToleratedFailureCountPath", MAP, ONLY_PATH},
};
#define NSTATE_FIELDS ((int)(sizeof state_fields / sizeof state_fields[0]))

static const char *const type_names[] = {
#define X(e, s) s,
    STATE_TYPES(X)
#undef X
	NULL};

const char *const ql_names[] = {"JSONPath", "JSONata", NULL};

static void check_state_keys(Ck *ck, const char *sptr, struct json_object *st, StateType t,
			     QueryLang ql)
{
	json_object_object_foreach(st, key, val)
	{
		(void)val;
		int i;
		for (i = 0; i < NSTATE_FIELDS; i++)
			if (!strcmp(state_fields[i].name, key))
				break;
		char *p = pointer_join(sptr, key);
		if (i == NSTATE_FIELDS) {
			const char *cands[NSTATE_FIELDS];
			int nc = 0;
			for (int j = 0; j < NSTATE_FIELDS; j++)
				if (state_fields[j].types & (1 << t))
					cands[nc++] = state_fields[j].name;
			err_key(ck, p, "field '%s' is not supported%s", key,
				did_you_mean(key, cands, nc));
		} else if (!(state_fields[i].types & (1 << t))) {
			err_key(ck, p, "field '%s' is not supported in a %s state", key,
				type_names[t]);
		} else if (state_fields[i].ql == ONLY_PATH && ql == QL_JSONATA) {
			err_key(ck, p,
				"the QueryLanguage is set to 'JSONata', but field '%s' is only "
				"supported for the 'JSONPath' QueryLanguage",
				key);
		} else if (state_fields[i].ql == ONLY_ATA && ql == QL_JSONPATH) {
			err_key(ck, p,
				"the QueryLanguage is set to 'JSONPath', but field '%s' is only "
				"supported for the 'JSONata' QueryLanguage",
				key);
		}
		free(p);
	}
}

/* arn:partition:service:region:account:resource */
static bool arn_ok(const char *s, char **service, char **rest)
{
	char *parts[6] = {0};
	char *copy = xstrdup(s), *q = copy;
	int n = 0;
	for (; n < 5; n++) {
		char *c = strchr(q, ':');
		if (!c)
			break;
		*c = 0;
		parts[n] = q;
		q = c + 1;
	}
	parts[5] = q;
	bool ok = n == 5 && !strcmp(parts[0], "arn") && *parts[1] && *parts[2] && *parts[5];
	for (const char *r = parts[3]; ok && r && *r; r++)
		if (!(islower((unsigned char)*r) || isdigit((unsigned char)*r) || *r == '-'))
			ok = false;
	for (const char *a = parts[4]; ok && a && *a; a++)
		if (!isdigit((unsigned char)*a))
			ok = false;
	if (ok) {
		*service = xstrdup(parts[2]);
		*rest = xasprintf("%s:%s:%s", parts[3], parts[4], parts[5]);
	}
	free(copy);
	return ok;
}

/* Optimized integrations whose actions are a closed, small set. */
static const struct {
	const char *service;
	const char *const actions[6];
} integrations[] = {
    {"lambda", {"invoke"}},
    {"dynamodb", {"getItem", "putItem", "updateItem", "deleteItem"}},
    {"sns", {"publish"}},
    {"sqs", {"sendMessage"}},
    {"events", {"putEvents"}},
    {"states", {"startExecution"}},
    {"s3", {"getObject", "putObject", "listObjectsV2"}},
    {"http", {"invoke"}},
};

static void check_resource(Ck *ck, const char *sptr, struct json_object *st)
{
	struct json_object *v = get(st, "Resource");
	char *p = pointer_join(sptr, "Resource");
	char *service = NULL, *rest = NULL;
	if (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 1 &&
	    (has(v, "Ref") || has(v, "Fn::GetAtt") || has(v, "Fn::Sub") || has(v, "Fn::Join"))) {
		warn(ck, p,
		     "'Resource' is a CloudFormation intrinsic; it must be substituted with an "
		     "ARN before the definition is deployed or compiled");
	} else if (!is_str(v)) {
		err(ck, p, "'Resource' must be an ARN string, not %s", type_name(v));
	} else if (!arn_ok(json_object_get_string(v), &service, &rest)) {
		err(ck, p, "the resource '%s' is not a valid resource ARN",
		    json_object_get_string(v));
	} else if (!strcmp(service, "states") && !strncmp(rest, "::", 2)) {
		/* arn:aws:states:::service:action[.pattern] */
		const char *sa = rest + 2;
		char *svc = xstrdup(sa), *act = strchr(svc, ':');
		if (act) {
			*act++ = 0;
			char *dot = strchr(act, '.');
			char *pattern = xstrdup(dot ? dot : "");
			if (dot)
				*dot = 0;
			for (size_t i = 0; i < sizeof integrations / sizeof integrations[0]; i++) {
				if (strcmp(integrations[i].service, svc) != 0)
					continue;
				int k;
				for (k = 0; k < 6 && integrations[i].actions[k]; k++)
					if (!strcmp(integrations[i].actions[k], act))
						break;
				if (k == 6 || !integrations[i].actions[k])
					err(ck, p,
					    "the resource '%s' is not recognized: '%s' has no "
					    "optimized integration for '%s'%s",
					    json_object_get_string(v), svc, act,
					    did_you_mean(act, integrations[i].actions,
							 strv_len(integrations[i].actions)));
			}
			if (*pattern && strcmp(pattern, ".sync") && strcmp(pattern, ".sync:2") &&
			    strcmp(pattern, ".waitForTaskToken"))
				err(ck, p,
				    "unknown integration pattern '%s' (expected .sync, "
				    ".sync:2 or .waitForTaskToken)",
				    pattern);
			else if (ck->o->express && !strncmp(pattern, ".sync", 5))
				err(ck, p,
				    "Express state machine does not support '.sync' service "
				    "integration");
			else if (ck->o->express && !strcmp(pattern, ".waitForTaskToken"))
				err(ck, p,
				    "Express state machine does not support "
				    "'.waitForTaskToken' service integration");
			free(pattern);
		} else {
			err(ck, p, "the resource '%s' is not a valid resource ARN",
			    json_object_get_string(v));
		}
		free(svc);
	} else if (!strcmp(service, "states") && strstr(rest, ":activity:") && ck->o->express) {
		err(ck, p, "Express state machine does not support Activity ARN");
	}
	free(service);
	free(rest);
	free(p);
}

static void check_task(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	bool ata = ql == QL_JSONATA;
	if (!has(st, "Resource"))
		err(ck, sptr, "a Task state is missing the required field 'Resource'");
	else
		check_resource(ck, sptr, st);
	exclusive(ck, sptr, st, "TimeoutSeconds", "TimeoutSecondsPath");
	exclusive(ck, sptr, st, "HeartbeatSeconds", "HeartbeatSecondsPath");
	/* At most 99999999 (language service schema, common.json $defs/seconds);
	 * at least 1: the ASL spec's "MUST be positive integers" and the
	 * developer guide's Task state page, and HeartbeatSeconds below
	 * TimeoutSeconds (both, and task_state.json's description). */
	check_int(ck, sptr, st, "TimeoutSeconds", 1, 99999999, ata);
	check_int(ck, sptr, st, "HeartbeatSeconds", 1, 99999999, ata);
	check_path_field(ck, sptr, st, "TimeoutSecondsPath", PATH_REF);
	check_path_field(ck, sptr, st, "HeartbeatSecondsPath", PATH_REF);
	struct json_object *to = get(st, "TimeoutSeconds"), *hb = get(st, "HeartbeatSeconds");
	if (is_int(to) && is_int(hb) && json_object_get_int64(hb) >= json_object_get_int64(to)) {
		char *p = pointer_join(sptr, "HeartbeatSeconds");
		err(ck, p, "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds' (%lld)",
		    (long long)json_object_get_int64(to));
		free(p);
	}
	if (has(st, "Credentials")) {
		struct json_object *c = get(st, "Credentials");
		char *p = pointer_join(sptr, "Credentials");
		if (!json_object_is_type(c, json_type_object))
			err(ck, p, "'Credentials' must be an object, not %s", type_name(c));
		else if (json_object_object_length(c) == 0)
			err(ck, p, "the field 'RoleArn' is required but was missing");
		else if (!has(c, "RoleArn") && !has(c, "RoleArn.$"))
			warn(ck, p,
			     "'Credentials' has no 'RoleArn'; the task will run with the "
			     "execution role");
		if (ata)
			check_jsonata_value(ck, p, c);
		else
			check_template(ck, p, c);
		free(p);
	}
	if (has(st, "Arguments")) {
		struct json_object *a = get(st, "Arguments");
		char *p = pointer_join(sptr, "Arguments");
		if (!json_object_is_type(a, json_type_object) && !is_jsonata(a))
			err(ck, p, "'Arguments' must be an object or a JSONata expression, not %s",
			    type_name(a));
		check_jsonata_value(ck, p, a);
		free(p);
	}
}

static void check_wait(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	static const char *const f[] = {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"};
	int n = 0;
	for (int i = 0; i < 4; i++)
		n += has(st, f[i]);
	if (n == 0)
		err(ck, sptr,
		    "a Wait state needs exactly one of 'Seconds', 'Timestamp', "
		    "'SecondsPath', 'TimestampPath'");
	else if (n > 1)
		err(ck, sptr,
		    "a Wait state may have only one of 'Seconds', 'Timestamp', "
		    "'SecondsPath', 'TimestampPath'");
	/* 0..99999999: the language service schema (wait_state.json, via
	 * common.json $defs/seconds) and the ASL spec ("non-negative"); AWS
	 * runs a SecondsPath of 0 (recorded, ASL_SPEC.md section 11 row 16). */
	check_int(ck, sptr, st, "Seconds", 0, 99999999, ql == QL_JSONATA);
	struct json_object *ts = get(st, "Timestamp");
	if (has(st, "Timestamp")) {
		char *p = pointer_join(sptr, "Timestamp");
		aslrt_time t;
		if (ql == QL_JSONATA && is_jsonata(ts))
			check_expr(ck, p, json_object_get_string(ts));
		else if (!is_str(ts))
			err(ck, p, "'Timestamp' must be a string, not %s", type_name(ts));
		else if (!aslrt_timestamp_parse(json_object_get_string(ts), &t))
			err(ck, p, "'%s' is not an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
			    json_object_get_string(ts));
		free(p);
	}
	check_path_field(ck, sptr, st, "SecondsPath", PATH_REF);
	check_path_field(ck, sptr, st, "TimestampPath", PATH_REF);
}

static void check_fail(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	exclusive(ck, sptr, st, "Error", "ErrorPath");
	exclusive(ck, sptr, st, "Cause", "CausePath");
	check_string(ck, sptr, st, "Error", ql == QL_JSONATA);
	check_string(ck, sptr, st, "Cause", ql == QL_JSONATA);
	check_path_field(ck, sptr, st, "ErrorPath", PATH_REF_OR_FN);
	check_path_field(ck, sptr, st, "CausePath", PATH_REF_OR_FN);
}

static void check_choice(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql, Edges *e)
{
	struct json_object *c = get(st, "Choices");
	char *p = pointer_join(sptr, "Choices");
	if (!has(st, "Choices"))
		err(ck, sptr, "a Choice state is missing the required field 'Choices'");
	else
		check_rules(ck, p, c, "Choices", true, ql, e);
	free(p);
	if (has(st, "Default")) {
		char *dp = pointer_join(sptr, "Default");
		struct json_object *d = get(st, "Default");
		if (!is_str(d))
			err(ck, dp, "'Default' must be a state name, not %s", type_name(d));
		else
			add_edge(e, d, dp);
		free(dp);
	}
}

static void check_parallel(Ck *ck, const char *sptr, struct json_object *st)
{
	struct json_object *b = get(st, "Branches");
	char *p = pointer_join(sptr, "Branches");
	if (!has(st, "Branches"))
		err(ck, sptr, "a Parallel state is missing the required field 'Branches'");
	else if (!json_object_is_type(b, json_type_array))
		err(ck, p, "'Branches' must be an array, not %s", type_name(b));
	else if (json_object_array_length(b) == 0)
		err(ck, p, "'Branches' cannot be empty");
	else
		for (size_t i = 0; i < json_object_array_length(b); i++) {
			char *bp = pointer_index(p, (int)i);
			check_scope(ck, bp, json_object_array_get_idx(b, i), "a Parallel branch",
				    NULL);
			free(bp);
		}
	free(p);
	if (has(st, "Arguments")) {
		char *ap = pointer_join(sptr, "Arguments");
		check_jsonata_value(ck, ap, get(st, "Arguments"));
		free(ap);
	}
}

static const char *const reader_fields[] = {"Resource", "Parameters", "Arguments", "ReaderConfig",
					    NULL};
static const char *const reader_config_fields[] = {
    "InputType",  "Transformation", "ManifestType", "CSVDelimiter", "CSVHeaderLocation",
    "CSVHeaders", "MaxItems",	    "MaxItemsPath", "ItemsPointer", NULL};
static const char *const input_types[] = {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST", NULL};
static const char *const reader_transformations[] = {"NONE", "LOAD_AND_FLATTEN", NULL};
static const char *const manifest_types[] = {"ATHENA_DATA", "S3_INVENTORY", NULL};
static const char *const csv_delimiters[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB", NULL};
static const char *const csv_header_locations[] = {"FIRST_ROW", "GIVEN", NULL};
static const char *const batcher_fields[] = {
    "MaxItemsPerBatch",		 "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
    "MaxInputBytesPerBatchPath", "BatchInput",		 NULL};
static const char *const writer_fields[] = {"Resource", "Parameters", "Arguments", "WriterConfig",
					    NULL};
static const char *const writer_config_fields[] = {"Transformation", "OutputType", NULL};
static const char *const writer_transformations[] = {"NONE", "COMPACT", "FLATTEN", NULL};
static const char *const output_types[] = {"JSON", "JSONL", NULL};
static const char *const processor_fields[] = {"ProcessorConfig", "StartAt", "States", "Comment",
					       NULL};
static const char *const processor_config_fields[] = {"Mode", "ExecutionType", NULL};
static const char *const modes[] = {"INLINE", "DISTRIBUTED", NULL};
static const char *const execution_types[] = {"STANDARD", "EXPRESS", NULL};

/* Parameters (JSONPath) or Arguments (JSONata) of an ItemReader / ResultWriter. */
static void check_io_args(Ck *ck, const char *p, struct json_object *o, QueryLang ql)
{
	if (has(o, "Parameters")) {
		char *q = pointer_join(p, "Parameters");
		if (ql == QL_JSONATA)
			err_key(ck, q,
				"the QueryLanguage is set to 'JSONata', but field "
				"'Parameters' is only supported for the 'JSONPath' "
				"QueryLanguage");
		else
			check_template(ck, q, get(o, "Parameters"));
		free(q);
	}
	if (has(o, "Arguments")) {
		char *q = pointer_join(p, "Arguments");
		if (ql == QL_JSONPATH)
			err_key(ck, q,
				"the QueryLanguage is set to 'JSONPath', but field "
				"'Arguments' is only supported for the 'JSONata' "
				"QueryLanguage");
		else
			check_jsonata_value(ck, q, get(o, "Arguments"));
		free(q);
	}
}

static bool object_field(Ck *ck, const char *p, struct json_object *v, const char *name)
{
	if (json_object_is_type(v, json_type_object))
		return true;
	err(ck, p, "'%s' must be an object, not %s", name, type_name(v));
	return false;
}

/* Label: a Map Run name part, unique in the definition (AWS:
 * "Label" in the developer guide's Map state page: 40 characters, none of
 * the characters a Map Run name refuses). */
static void check_map_label(Ck *ck, const char *sptr, struct json_object *st)
{
	if (!has(st, "Label"))
		return;
	struct json_object *l = get(st, "Label");
	char *p = pointer_join(sptr, "Label");
	const char *s = is_str(l) ? json_object_get_string(l) : NULL;
	struct json_object *prev;
	if (!s)
		err(ck, p, "'Label' must be a string, not %s", type_name(l));
	else if (utf8_chars(s) > 40)
		err(ck, p, "'Label' is longer than 40 characters");
	else if (strpbrk(s, " \t\n\r?*<>{}[]:;,\\|^~$#%&\"`"))
		err(ck, p,
		    "'Label' contains a character that is not allowed in a Map Run "
		    "name");
	else if (json_object_object_get_ex(ck->labels, s, &prev)) {
		err(ck, p, "duplicate Map Label '%s'", s);
		note_key(ck, json_object_get_string(prev), "first used here");
	} else
		json_object_object_add(ck->labels, s, json_object_new_string(p));
	free(p);
}

/* obj's member key when it is there and an object whose fields are all in
 * fields (what is not is reported), else NULL; *p is its pointer, to free
 * when the result is not NULL. */
static struct json_object *section(Ck *ck, const char *ptr, struct json_object *obj,
				   const char *key, const char *const *fields, char **p)
{
	if (!has(obj, key))
		return NULL;
	struct json_object *v = get(obj, key);
	*p = pointer_join(ptr, key);
	if (!object_field(ck, *p, v, key)) {
		free(*p);
		return NULL;
	}
	check_keys(ck, *p, v, fields, key);
	return v;
}

/* ItemReader (Distributed Map) and its ReaderConfig. */
static void check_item_reader(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	char *p, *cp;
	struct json_object *r = section(ck, sptr, st, "ItemReader", reader_fields, &p), *rc;
	if (!r)
		return;
	if (!has(r, "Resource"))
		err(ck, p, "ItemReader is missing the required field 'Resource'");
	else
		check_resource(ck, p, r);
	check_io_args(ck, p, r, ql);
	if ((rc = section(ck, p, r, "ReaderConfig", reader_config_fields, &cp))) {
		check_enum(ck, cp, rc, "InputType", input_types);
		check_enum(ck, cp, rc, "Transformation", reader_transformations);
		check_enum(ck, cp, rc, "ManifestType", manifest_types);
		check_enum(ck, cp, rc, "CSVDelimiter", csv_delimiters);
		check_enum(ck, cp, rc, "CSVHeaderLocation", csv_header_locations);
		exclusive(ck, cp, rc, "MaxItems", "MaxItemsPath");
		/* At most 100,000,000 (developer guide, ItemReader; AWS's
		 * "Maximum value is 100000000" as floci#3733 reports it); at
		 * least 1: AWS fails a run whose MaxItemsPath gives less with
		 * "field MaxItems must be positive" (recorded). */
		check_int(ck, cp, rc, "MaxItems", 1, 100000000, ql == QL_JSONATA);
		check_path_field(ck, cp, rc, "MaxItemsPath", PATH_REF_INPUT);
		check_string(ck, cp, rc, "ItemsPointer", false);
		free(cp);
	}
	free(p);
}

/* ItemBatcher (Distributed Map). */
static void check_item_batcher(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	bool ata = ql == QL_JSONATA;
	char *p;
	struct json_object *b = section(ck, sptr, st, "ItemBatcher", batcher_fields, &p);
	if (!b)
		return;
	exclusive(ck, p, b, "MaxItemsPerBatch", "MaxItemsPerBatchPath");
	exclusive(ck, p, b, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath");
	/* Minimum 1 for both (language service schema, map_state.json
	 * ItemBatcher); MaxInputBytesPerBatch at most 256 KiB (developer guide,
	 * ItemBatcher).  AWS documents no maximum item count: 2147483647 is
	 * ours. */
	check_int(ck, p, b, "MaxItemsPerBatch", 1, 2147483647, ata);
	check_int(ck, p, b, "MaxInputBytesPerBatch", 1, 262144, ata);
	check_path_field(ck, p, b, "MaxItemsPerBatchPath", PATH_REF_INPUT);
	check_path_field(ck, p, b, "MaxInputBytesPerBatchPath", PATH_REF_INPUT);
	if (has(b, "BatchInput")) {
		char *bp = pointer_join(p, "BatchInput");
		if (ata)
			check_jsonata_value(ck, bp, get(b, "BatchInput"));
		else
			check_template(ck, bp, get(b, "BatchInput"));
		free(bp);
	}
	free(p);
}

/* ResultWriter (Distributed Map) and its WriterConfig. */
static void check_result_writer(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	char *p, *cp;
	struct json_object *w = section(ck, sptr, st, "ResultWriter", writer_fields, &p), *wc;
	if (!w)
		return;
	if (json_object_object_length(w) == 0)
		err(ck, p, "'ResultWriter' cannot be empty");
	if (has(w, "Resource"))
		check_resource(ck, p, w);
	check_io_args(ck, p, w, ql);
	if ((wc = section(ck, p, w, "WriterConfig", writer_config_fields, &cp))) {
		require(ck, cp, wc, "OutputType", "WriterConfig");
		check_enum(ck, cp, wc, "Transformation", writer_transformations);
		check_enum(ck, cp, wc, "OutputType", output_types);
		free(cp);
	}
	free(p);
}

/* ItemProcessor (or the older Iterator): its ProcessorConfig, then its
 * states as a scope of their own. */
static void check_map_processor(Ck *ck, const char *sptr, struct json_object *st)
{
	const char *pk = has(st, "ItemProcessor") ? "ItemProcessor" : "Iterator";
	bool distributed = false;
	if (!has(st, pk)) {
		err(ck, sptr, "a Map state is missing the required field 'ItemProcessor'");
	} else {
		struct json_object *ip = get(st, pk);
		char *p = pointer_join(sptr, pk);
		if (object_field(ck, p, ip, pk)) {
			struct json_object *pc = get(ip, "ProcessorConfig");
			if (has(ip, "ProcessorConfig")) {
				char *cp = pointer_join(p, "ProcessorConfig");
				if (object_field(ck, cp, pc, "ProcessorConfig")) {
					check_keys(ck, cp, pc, processor_config_fields,
						   "ProcessorConfig");
					check_enum(ck, cp, pc, "Mode", modes);
					check_enum(ck, cp, pc, "ExecutionType", execution_types);
					struct json_object *m = get(pc, "Mode");
					distributed =
					    is_str(m) &&
					    !strcmp(json_object_get_string(m), "DISTRIBUTED");
					if (distributed && !has(pc, "ExecutionType"))
						err(ck, cp,
						    "a DISTRIBUTED Map needs 'ExecutionType' "
						    "(STANDARD or EXPRESS)");
					if (distributed && ck->o->express)
						err(ck, cp,
						    "Express state machines do not support "
						    "the DISTRIBUTED Map mode");
				}
				free(cp);
			}
			check_scope(ck, p, ip, pk, processor_fields);
		}
		free(p);
	}
}

static void check_map(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	bool ata = ql == QL_JSONATA;
	exclusive(ck, sptr, st, "ItemProcessor", "Iterator");
	exclusive(ck, sptr, st, "Parameters", "ItemSelector");
	exclusive(ck, sptr, st, "MaxConcurrency", "MaxConcurrencyPath");
	exclusive(ck, sptr, st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
	exclusive(ck, sptr, st, "ToleratedFailureCount", "ToleratedFailureCountPath");
	check_map_processor(ck, sptr, st);
	if (has(st, "Parameters")) {
		char *p = pointer_join(sptr, "Parameters");
		check_template(ck, p, get(st, "Parameters"));
		free(p);
	}
	if (has(st, "ItemSelector")) {
		char *p = pointer_join(sptr, "ItemSelector");
		if (ata)
			check_jsonata_value(ck, p, get(st, "ItemSelector"));
		else
			check_template(ck, p, get(st, "ItemSelector"));
		free(p);
	}
	if (has(st, "ItemsPath") && get(st, "ItemsPath") == NULL) {
		char *p = pointer_join(sptr, "ItemsPath");
		err(ck, p, "'ItemsPath' cannot be null");
		free(p);
	} else {
		check_path_field(ck, sptr, st, "ItemsPath", PATH_REF);
	}
	if (has(st, "Items")) {
		struct json_object *it = get(st, "Items");
		char *p = pointer_join(sptr, "Items");
		if (!json_object_is_type(it, json_type_array) && !is_jsonata(it))
			err(ck, p, "'Items' must be an array or a JSONata expression, not %s",
			    type_name(it));
		check_jsonata_value(ck, p, it);
		free(p);
	}
	/* Minimums from the language service schema (map_state.json:
	 * MaxConcurrency and ToleratedFailureCount 0, ToleratedFailurePercentage
	 * 0..100, as the developer guide's Distributed Map page says too); the
	 * maximums are the API's types (UpdateMapRun, DescribeMapRun):
	 * maxConcurrency an Integer, toleratedFailureCount a Long. */
	check_int(ck, sptr, st, "MaxConcurrency", 0, 2147483647, ata);
	check_path_field(ck, sptr, st, "MaxConcurrencyPath", PATH_REF_INPUT);
	check_number(ck, sptr, st, "ToleratedFailurePercentage", 0, 100, ata);
	check_path_field(ck, sptr, st, "ToleratedFailurePercentagePath", PATH_REF_INPUT);
	check_int(ck, sptr, st, "ToleratedFailureCount", 0, LLONG_MAX, ata);
	check_path_field(ck, sptr, st, "ToleratedFailureCountPath", PATH_REF_INPUT);
	check_map_label(ck, sptr, st);
	check_item_reader(ck, sptr, st, ql);
	check_item_batcher(ck, sptr, st, ql);
	check_result_writer(ck, sptr, st, ql);
}

/* One state: fields allowed for its type and language, then the type's rules. */
/* The state's query language: its own, else the machine's (not the
 * container's). */
static QueryLang state_query_lang(Ck *ck, const char *sptr, struct json_object *st)
{
	QueryLang ql = ck->top;
	struct json_object *qv = get(st, "QueryLanguage");
	if (has(st, "QueryLanguage")) {
		char *p = pointer_join(sptr, "QueryLanguage");
		if (!is_str(qv) || strv_find(ql_names, json_object_get_string(qv)) < 0)
			check_enum(ck, sptr, st, "QueryLanguage", ql_names);
		ql = is_str(qv) && !strcmp(json_object_get_string(qv), "JSONPath") ? QL_JSONPATH
										   : QL_JSONATA;
		if (ql == QL_JSONPATH && ck->top == QL_JSONATA)
			err(ck, p,
			    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for "
			    "whole state machine");
		free(p);
	}
	return ql;
}

/* The state's Type, or ST_UNKNOWN (reported). */
static StateType state_type(Ck *ck, const char *sptr, const char *name, struct json_object *st)
{
	struct json_object *tv = get(st, "Type");
	char *tp = pointer_join(sptr, "Type");
	StateType t = ST_UNKNOWN;
	if (!has(st, "Type"))
		err(ck, sptr, "state '%s' is missing the required field 'Type'", name);
	else if (!is_str(tv) || (t = (StateType)strv_find(
				     type_names, json_object_get_string(tv))) == (StateType)-1) {
		t = ST_UNKNOWN;
		err(ck, tp,
		    "the field 'Type' should have one of these values: [Task, Wait, Pass, "
		    "Succeed, Fail, Choice, Parallel, Map]%s",
		    is_str(tv)
			? did_you_mean(json_object_get_string(tv), type_names, strv_len(type_names))
			: "");
	}
	free(tp);
	return t;
}

/* Next or End: true where the state ends its scope. */
static bool check_transition(Ck *ck, const char *sptr, const char *name, struct json_object *st,
			     StateType t, Edges *e)
{
	if (t == ST_CHOICE || t == ST_SUCCEED || t == ST_FAIL)
		return t != ST_CHOICE;
	struct json_object *end = get(st, "End");
	bool has_end = has(st, "End"), has_next = has(st, "Next");
	if (has_end && !json_object_is_type(end, json_type_boolean)) {
		char *p = pointer_join(sptr, "End");
		err(ck, p, "'End' must be a boolean, not %s", type_name(end));
		free(p);
	}
	bool is_end = json_object_is_type(end, json_type_boolean) && json_object_get_boolean(end);
	if (has_next && has_end) {
		char *p = pointer_join(sptr, is_end ? "End" : "Next");
		err_key(ck, p, "a state may have only one of 'Next' and 'End'");
		free(p);
	} else if (!has_next && !is_end) {
		err(ck, sptr, "state '%s' needs 'Next' or \"End\": true", name);
	}
	if (has_next)
		check_next_field(ck, sptr, st, e);
	return is_end;
}

/* The fields several types share: paths and templates (JSONPath) or Output
 * (JSONata), Assign, Retry and Catch. */
static void check_common_fields(Ck *ck, const char *sptr, struct json_object *st, StateType t,
				QueryLang ql, Edges *e)
{
	if (ql == QL_JSONPATH) {
		check_path_field(ck, sptr, st, "InputPath", PATH_ANY);
		check_path_field(ck, sptr, st, "OutputPath", PATH_ANY);
		check_path_field(ck, sptr, st, "ResultPath", PATH_RESULT);
		if (has(st, "Parameters") && t != ST_MAP) {
			char *p = pointer_join(sptr, "Parameters");
			check_template(ck, p, get(st, "Parameters"));
			free(p);
		}
		if (has(st, "ResultSelector")) {
			struct json_object *rs = get(st, "ResultSelector");
			char *p = pointer_join(sptr, "ResultSelector");
			if (object_field(ck, p, rs, "ResultSelector"))
				check_template(ck, p, rs);
			free(p);
		}
	} else if (has(st, "Output") && t != ST_FAIL) {
		char *p = pointer_join(sptr, "Output");
		check_jsonata_value(ck, p, get(st, "Output"));
		free(p);
	}
	if (has(st, "Assign") && t != ST_SUCCEED && t != ST_FAIL) {
		char *p = pointer_join(sptr, "Assign");
		check_assign(ck, p, get(st, "Assign"), ql);
		free(p);
	}
	if (t == ST_TASK || t == ST_PARALLEL || t == ST_MAP) {
		if (has(st, "Retry")) {
			char *p = pointer_join(sptr, "Retry");
			check_retry(ck, p, get(st, "Retry"));
			free(p);
		}
		if (has(st, "Catch")) {
			char *p = pointer_join(sptr, "Catch");
			check_catch(ck, p, get(st, "Catch"), ql, e);
			free(p);
		}
	}
}

void check_state(Ck *ck, const char *sptr, const char *name, struct json_object *st, Edges *e,
		 bool *terminal)
{
	*terminal = false;
	if (!json_object_is_type(st, json_type_object)) {
		err(ck, sptr, "state '%s' must be an object, not %s", name, type_name(st));
		return;
	}
	/* query language: the state's own, else the machine's (not the container's) */
	QueryLang ql = state_query_lang(ck, sptr, st);
	StateType t = state_type(ck, sptr, name, st);
	if (t == ST_UNKNOWN) {
		*terminal = true; /* unknown: do not pile "no terminal state" on top */
		return;
	}
	check_state_keys(ck, sptr, st, t, ql);
	check_string(ck, sptr, st, "Comment", false);

	/* Next / End */
	*terminal = check_transition(ck, sptr, name, st, t, e);

	/* fields shared by several types */
	check_common_fields(ck, sptr, st, t, ql, e);

	switch (t) {
	case ST_TASK:
		check_task(ck, sptr, st, ql);
		break;
	case ST_WAIT:
		check_wait(ck, sptr, st, ql);
		break;
	case ST_FAIL:
		check_fail(ck, sptr, st, ql);
		break;
	case ST_CHOICE:
		check_choice(ck, sptr, st, ql, e);
		break;
	case ST_PARALLEL:
		check_parallel(ck, sptr, st);
		break;
	case ST_MAP:
		check_map(ck, sptr, st, ql);
		break;
	case ST_PASS:
	case ST_SUCCEED:
	case ST_UNKNOWN:
		break;
	}
}
