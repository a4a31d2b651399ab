/*
 * eval.c - `aslc eval`: the JSONata playground and the console's data-flow
 * simulator on the command line, through the runtime's own engines (paths,
 * intrinsic functions, JSONata), so what it shows is what an executable does.
 *
 *   aslc eval --jsonata EXPR [--input FILE] [--variables FILE]
 *   aslc eval --jsonpath PATH|TEMPLATE [--input FILE] [--context FILE] [--variables FILE]
 *   aslc eval --state FILE.asl.json --name STATE [--input FILE] [--result FILE]
 *             [--context FILE] [--variables FILE]
 *
 * Contract, for scripts: the result as JSON on stdout and exit 0; an
 * undefined result prints nothing and exits 0; an error exits 1 with
 * {"code": ..., "message": ..., "position": N} as the last line of stderr
 * (JSONata's code and the character position for a JSONata error; a States.*
 * code and no position for an ASL error); a usage error exits 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "aslc.h"
#include "jsonata.h"
#include "rt.h"

typedef struct EvalOpts {
	const char *jsonata, *jsonpath, *state_file, *state_name;
	const char *input, *variables, *context, *result;
	int depth;
	long time_limit_ms;
} EvalOpts;

static const char eval_usage[] =
    "usage: aslc eval --jsonata EXPR [--input FILE] [--variables FILE]\n"
    "       aslc eval --jsonpath PATH|TEMPLATE [--input FILE] [--context FILE]\n"
    "       aslc eval --state FILE.asl.json --name STATE [--input FILE] [--result FILE]\n"
    "                 [--context FILE] [--variables FILE]\n"
    "       aslc eval --batch   (JSONata requests, one JSON object a line on stdin)\n"
    "  FILE '-' is stdin.  --depth N and --time-limit MS bound a JSONata evaluation.\n";

static int eval_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "aslc eval: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "", eval_usage);
	return 2;
}

static struct json_object *error_object(const char *code, const char *message, int position)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
	if (position >= 0)
		json_object_object_add(o, "position", json_object_new_int(position));
	return o;
}

/* The last line of stderr, as the contract says. */
static int report(const char *code, const char *message, int position)
{
	struct json_object *o = error_object(code, message, position);
	char *s = aslrt_json_dump(o);
	fprintf(stderr, "%s\n", s);
	free(s);
	json_object_put(o);
	return 1;
}

static void print_result(struct json_object *v)
{
	char *s = aslrt_json_dump(v);
	printf("%s\n", s);
	free(s);
}

/* A JSON file ('-': stdin); NULL after a message naming the file. */
static struct json_object *load_json_file(const char *path, const char *what, bool *failed)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "aslc eval: cannot read %s %s: %s\n", what, path, strerror(errno));
		*failed = true;
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		die("out of memory");
	struct json_object *v = NULL;
	char why[ASLRT_ERRLEN];
	if (aslrt_json_parse(buf, n, &v, why, sizeof why) != 0) {
		fprintf(stderr, "aslc eval: %s %s is not JSON: %s\n", what, path, why);
		*failed = true;
		v = NULL;
	}
	free(buf);
	return v;
}

/* ------------------------------------------------------------- JSONata */

/* "T2001: message" -> {"code": "T2001", "message": "message", ...}. */
static struct json_object *jsonata_error(const char *cause, int position)
{
	const char *colon = cause ? strstr(cause, ": ") : NULL;
	if (!colon || colon - cause > 8)
		return error_object("D0000", cause, position);
	char code[16];
	snprintf(code, sizeof code, "%.*s", (int)(colon - cause), cause);
	return error_object(code, colon + 2, position);
}

/* One expression: 0 with *out (NULL and *undefined for undefined), or 1
 * with the error object in *error. */
static int run_jsonata(const char *expr, struct json_object *input, bool has_input,
		       struct json_object *vars, int depth, long time_limit_ms,
		       struct json_object **out, bool *undefined, struct json_object **error)
{
	char why[ASLRT_ERRLEN];
	*out = NULL;
	*undefined = false;
	aslrt_jsonata *e = aslrt_jsonata_parse(expr, why, sizeof why);
	if (!e) {
		*error = jsonata_error(why, aslrt_jsonata_error_position());
		return 1;
	}
	aslrt_jsonata_limits lim = {0};
	lim.input_undefined = !has_input;
	lim.max_depth = depth;
	lim.time_limit_ms = time_limit_ms;
	aslrt_error err = {0};
	int rc = aslrt_jsonata_eval_ex(e, input, vars, &lim, out, undefined, &err);
	if (rc)
		*error = jsonata_error(err.cause, aslrt_jsonata_error_position());
	aslrt_error_clear(&err);
	aslrt_jsonata_free(e);
	return rc ? 1 : 0;
}

static int eval_jsonata(const EvalOpts *o, struct json_object *input, bool has_input,
			struct json_object *vars)
{
	struct json_object *out = NULL, *error = NULL;
	bool undefined;
	int rc = run_jsonata(o->jsonata, input, has_input, vars, o->depth, o->time_limit_ms, &out,
			     &undefined, &error);
	if (rc) {
		char *s = aslrt_json_dump(error);
		fprintf(stderr, "%s\n", s);
		free(s);
	} else if (!undefined)
		print_result(out);
	json_object_put(out);
	json_object_put(error);
	return rc;
}

/*
 * --batch: one request a line on stdin, {"jsonata": EXPR, "input"?: ...,
 * "variables"?: {...}, "depth"?: N, "timelimit"?: MS} (no "input": undefined),
 * one answer a line on stdout: {"result": ...}, {"undefined": true} or
 * {"error": {"code", "message", "position"?}}.  For scripts that evaluate
 * many expressions without starting a process for each.
 */
static int eval_batch(void)
{
	size_t cap = 0;
	char *line = NULL;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		struct json_object *req = NULL, *ans = json_object_new_object(), *v;
		char why[ASLRT_ERRLEN];
		if (aslrt_json_parse(line, (size_t)n, &req, why, sizeof why) ||
		    !json_object_is_type(req, json_type_object) ||
		    !json_object_is_type(json_object_object_get_ex(req, "jsonata", &v) ? v : NULL,
					 json_type_string)) {
			json_object_object_add(
			    ans, "error",
			    error_object("aslc",
					 "a request is a JSON object with a \"jsonata\" string",
					 -1));
		} else {
			struct json_object *input = NULL, *vars = NULL, *out = NULL, *error = NULL,
					   *x;
			bool has_input = json_object_object_get_ex(req, "input", &input), undefined;
			json_object_object_get_ex(req, "variables", &vars);
			int depth = json_object_object_get_ex(req, "depth", &x)
					? json_object_get_int(x)
					: 0;
			long tl = json_object_object_get_ex(req, "timelimit", &x)
				      ? json_object_get_int(x)
				      : 0;
			if (run_jsonata(json_object_get_string(v), input, has_input,
					json_object_is_type(vars, json_type_object) ? vars : NULL,
					depth, tl, &out, &undefined, &error))
				json_object_object_add(ans, "error", error);
			else if (undefined)
				json_object_object_add(ans, "undefined",
						       json_object_new_boolean(1));
			else
				json_object_object_add(ans, "result",
						       out ? out : json_object_new_null());
		}
		char *s = aslrt_json_dump(ans);
		printf("%s\n", s);
		fflush(stdout);
		free(s);
		json_object_put(ans);
		json_object_put(req);
	}
	free(line);
	return 0;
}

/* ----------------------------------------------- JSONPath and templates */

/* An ASL error: the name and a cause, prefixed as the executable words it
 * when a state is being simulated. */
typedef struct Flow {
	const char *state; /* NULL outside --state */
	aslrt_env env;
	aslrt_error err;
} Flow;

__attribute__((format(printf, 3, 4))) static int flow_error(Flow *fl, const char *name,
							    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	if (fl->state)
		aslrt_error_set(&fl->err, name,
				"An error occurred while executing the state '%s' (entered at the "
				"event id #2). %s",
				fl->state, msg);
	else
		aslrt_error_set(&fl->err, name, "%s", msg);
	free(msg);
	return -1;
}

/* A Path (InputPath, OutputPath, --jsonpath) applied to input. */
static int apply_path(Flow *fl, const char *text, struct json_object *input,
		      struct json_object **out)
{
	char why[ASLRT_ERRLEN];
	aslrt_path *p = aslrt_path_parse(text, why, sizeof why);
	if (!p)
		return flow_error(fl, "States.Runtime", "Invalid path '%s' : %s", text, why);
	aslrt_env env = fl->env;
	env.input = input;
	int rc = aslrt_path_eval(p, &env, out, why, sizeof why);
	aslrt_path_free(p);
	if (rc)
		return flow_error(fl, "States.Runtime", "Invalid path '%s' : %s", text, why);
	return 0;
}

/* One "key.$" value of a payload template: a path or an intrinsic call. */
static int template_expr(Flow *fl, const char *field, const char *text, struct json_object *input,
			 struct json_object **out)
{
	char why[ASLRT_ERRLEN];
	aslrt_env env = fl->env;
	env.input = input;
	if (text[0] == '$') {
		aslrt_path *p = aslrt_path_parse(text, why, sizeof why);
		if (!p)
			return flow_error(fl, "States.Runtime", "Invalid path '%s' : %s", text,
					  why);
		int rc = aslrt_path_eval(p, &env, out, why, sizeof why);
		aslrt_path_free(p);
		if (rc) {
			char *in = aslrt_json_dump(input);
			flow_error(
			    fl, "States.Runtime",
			    "The JSONPath '%s' specified for the field '%s' could not be found "
			    "in the input '%s'",
			    text, field, in);
			free(in);
			return -1;
		}
		return 0;
	}
	aslrt_fn *f = aslrt_fn_parse(text, why, sizeof why);
	if (!f)
		return flow_error(
		    fl, "States.Runtime",
		    "The value for the field '%s' must be a valid JSONPath or a valid "
		    "intrinsic function call: %s",
		    field, why);
	aslrt_error e = {0};
	int rc = aslrt_fn_eval(f, &env, out, &e);
	aslrt_fn_free(f);
	if (rc) {
		flow_error(fl, e.name ? e.name : "States.Runtime", "%s", e.cause ? e.cause : "");
		aslrt_error_clear(&e);
		return -1;
	}
	return 0;
}

/* A payload template (Parameters, ResultSelector, --jsonpath '{...}'). */
static int apply_template(Flow *fl, struct json_object *t, struct json_object *input,
			  struct json_object **out)
{
	if (json_object_is_type(t, json_type_array)) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(t); i++) {
			struct json_object *v;
			if (apply_template(fl, json_object_array_get_idx(t, i), input, &v)) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, v);
		}
		*out = a;
		return 0;
	}
	if (!json_object_is_type(t, json_type_object)) {
		*out = aslrt_json_copy(t);
		return 0;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_foreach(t, key, val)
	{
		size_t n = strlen(key);
		struct json_object *v = NULL;
		int rc;
		char *k;
		if (n >= 2 && strcmp(key + n - 2, ".$") == 0) {
			k = strndup(key, n - 2);
			if (!json_object_is_type(val, json_type_string))
				rc = flow_error(fl, "States.Runtime",
						"The value for the field '%s' must be a string",
						key);
			else
				rc = template_expr(fl, key, json_object_get_string(val), input, &v);
		} else {
			k = strdup(key);
			rc = apply_template(fl, val, input, &v);
		}
		if (rc) {
			free(k);
			json_object_put(o);
			return -1;
		}
		json_object_object_add(o, k, v);
		free(k);
	}
	*out = o;
	return 0;
}

static int eval_jsonpath(const EvalOpts *o, struct json_object *input, struct json_object *ctx,
			 struct json_object *vars)
{
	Flow fl = {0};
	fl.env.context = ctx;
	fl.env.vars = vars;
	struct json_object *out = NULL;
	int rc;
	const char *t = o->jsonpath;
	while (*t == ' ' || *t == '\t' || *t == '\n')
		t++;
	if (*t == '{' || *t == '[') {
		struct json_object *tmpl = NULL;
		char why[ASLRT_ERRLEN];
		if (aslrt_json_parse(o->jsonpath, strlen(o->jsonpath), &tmpl, why, sizeof why))
			return report("States.Runtime", why, -1);
		rc = apply_template(&fl, tmpl, input, &out);
		json_object_put(tmpl);
	} else if (*t == '$') {
		rc = apply_path(&fl, o->jsonpath, input, &out);
	} else {
		rc = template_expr(&fl, "--jsonpath", o->jsonpath, input, &out);
	}
	if (rc) {
		report(fl.err.name ? fl.err.name : "States.Runtime", fl.err.cause, -1);
		aslrt_error_clear(&fl.err);
		return 1;
	}
	print_result(out);
	json_object_put(out);
	return 0;
}

/* ------------------------------------------------------ the simulator */

static struct json_object *member(struct json_object *o, const char *k, bool *present)
{
	struct json_object *v = NULL;
	bool p = json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v);
	if (present)
		*present = p;
	return v;
}

/* The state named name anywhere in the machine (branches, processors). */
static struct json_object *find_state(struct json_object *machine, const char *name)
{
	struct json_object *states = member(machine, "States", NULL), *st;
	if (!json_object_is_type(states, json_type_object))
		return NULL;
	if ((st = member(states, name, NULL)))
		return st;
	json_object_object_foreach(states, key, val)
	{
		(void)key;
		struct json_object *b = member(val, "Branches", NULL), *found;
		for (size_t i = 0;
		     json_object_is_type(b, json_type_array) && i < json_object_array_length(b);
		     i++)
			if ((found = find_state(json_object_array_get_idx(b, i), name)))
				return found;
		const char *procs[] = {"ItemProcessor", "Iterator"};
		for (int i = 0; i < 2; i++)
			if ((found = find_state(member(val, procs[i], NULL), name)))
				return found;
	}
	return NULL;
}

/* InputPath / OutputPath: absent is the value, null is {}. */
static int io_path(Flow *fl, struct json_object *st, const char *key, struct json_object *in,
		   struct json_object **out)
{
	bool present;
	struct json_object *v = member(st, key, &present);
	if (!present) {
		*out = json_object_get(in);
		return 0;
	}
	if (!v) {
		*out = json_object_new_object();
		return 0;
	}
	return apply_path(fl, json_object_get_string(v), in, out);
}

static void step(struct json_object *steps, const char *name, struct json_object *v)
{
	json_object_object_add(steps, name, json_object_get(v));
}

/* The JSONPath data flow: InputPath, Parameters, result, ResultSelector,
 * ResultPath, OutputPath. */
static int flow_jsonpath(Flow *fl, struct json_object *st, const char *type,
			 struct json_object *input, struct json_object *given,
			 struct json_object *steps)
{
	bool work =
	    strcmp(type, "Task") == 0 || strcmp(type, "Map") == 0 || strcmp(type, "Parallel") == 0;
	bool pass = strcmp(type, "Pass") == 0;
	struct json_object *eff = NULL, *params = NULL, *result = NULL, *sel = NULL, *res = NULL,
			   *out = NULL;
	int rc = -1;
	if (io_path(fl, st, "InputPath", input, &eff))
		goto done;
	step(steps, "InputPath", eff);
	if (!work && !pass) { /* Choice, Wait, Succeed: the paths only */
		out = NULL;
		if (io_path(fl, st, "OutputPath", eff, &out))
			goto done;
		step(steps, "OutputPath", out);
		rc = 0;
		goto done;
	}
	struct json_object *t = strcmp(type, "Map") ? member(st, "Parameters", NULL) : NULL;
	if (t) {
		if (apply_template(fl, t, eff, &params))
			goto done;
	} else
		params = json_object_get(eff);
	if (strcmp(type, "Map")) /* a Map's Parameters applies to each item */
		step(steps, "Parameters", params);
	bool has_result;
	struct json_object *r = member(st, "Result", &has_result);
	result = work	      ? json_object_get(given)
		 : has_result ? aslrt_json_copy(r)
			      : json_object_get(params);
	step(steps, "Result", result);
	if (work && (t = member(st, "ResultSelector", NULL))) {
		if (apply_template(fl, t, result, &sel))
			goto done;
	} else
		sel = json_object_get(result);
	if (work)
		step(steps, "ResultSelector", sel);
	bool has_rp;
	struct json_object *rp = member(st, "ResultPath", &has_rp);
	if (!has_rp || (rp && strcmp(json_object_get_string(rp), "$") == 0))
		res = json_object_get(sel);
	else if (!rp)
		res = json_object_get(input);
	else {
		char why[ASLRT_ERRLEN];
		aslrt_path *p = aslrt_path_parse(json_object_get_string(rp), why, sizeof why);
		if (!p) {
			flow_error(fl, "States.Runtime", "Invalid path '%s' : %s",
				   json_object_get_string(rp), why);
			goto done;
		}
		res = aslrt_json_shallow_copy(input);
		if (aslrt_path_store(p, &res, json_object_get(sel), why, sizeof why)) {
			char *in = aslrt_json_dump(input);
			flow_error(fl, "States.ResultPathMatchFailure",
				   "Unable to apply ReferencePath %s to input %s",
				   aslrt_path_text(p), in);
			free(in);
			aslrt_path_free(p);
			goto done;
		}
		aslrt_path_free(p);
	}
	step(steps, "ResultPath", res);
	if (io_path(fl, st, "OutputPath", res, &out))
		goto done;
	step(steps, "OutputPath", out);
	/* Assign reads the raw result, with the variables from before the state */
	if ((t = member(st, "Assign", NULL))) {
		struct json_object *as;
		if (apply_template(fl, t, result, &as))
			goto done;
		step(steps, "Assign", as);
		json_object_put(as);
	}
	rc = 0;
done:
	json_object_put(eff);
	json_object_put(params);
	json_object_put(result);
	json_object_put(sel);
	json_object_put(res);
	json_object_put(out);
	return rc;
}

/* A JSONata field: every "{% expr %}" string at any depth is evaluated with
 * $states and the variables bound, as the executable does. */
static int jsonata_value(Flow *fl, struct json_object *v, const char *loc, struct json_object *b,
			 struct json_object **out)
{
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = strlen(s);
		if (n < 4 || strncmp(s, "{%", 2) || strcmp(s + n - 2, "%}")) {
			*out = json_object_get(v);
			return 0;
		}
		const char *b0 = s + 2, *e0 = s + n - 2;
		while (b0 < e0 && strchr(" \t\r\n", *b0))
			b0++;
		while (e0 > b0 && strchr(" \t\r\n", e0[-1]))
			e0--;
		char *text = strndup(b0, (size_t)(e0 - b0));
		char why[ASLRT_ERRLEN], ref[128];
		aslrt_jsonata *e = aslrt_jsonata_parse(text, why, sizeof why);
		int rc = 0;
		if (!e)
			rc = flow_error(
			    fl, "States.QueryEvaluationError",
			    "The JSONata expression '%s' specified for the field '%s' could "
			    "not be parsed. %s",
			    text, loc, why);
		else if (aslrt_jsonata_top_level_ref(e, ref, sizeof ref))
			rc = flow_error(
			    fl, "States.QueryEvaluationError",
			    "UNSUPPORTED_JSONATA_EXPRESSION: Reference to '%s' at the top "
			    "level is not supported. at %s",
			    ref, loc);
		else {
			aslrt_jsonata_limits lim = {0};
			lim.input_undefined = true;
			bool undefined = false;
			aslrt_error err = {0};
			if (aslrt_jsonata_eval_ex(e, NULL, b, &lim, out, &undefined, &err))
				rc = flow_error(
				    fl, "States.QueryEvaluationError",
				    "The JSONata expression '%s' specified for the field '%s' "
				    "threw an error during evaluation. %s",
				    text, loc, err.cause ? err.cause : "");
			else if (undefined)
				rc = flow_error(
				    fl, "States.QueryEvaluationError",
				    "The JSONata expression '%s' specified for the field '%s' "
				    "returned nothing (undefined).",
				    text, loc);
			aslrt_error_clear(&err);
		}
		aslrt_jsonata_free(e);
		free(text);
		return rc;
	}
	if (json_object_is_type(v, json_type_array)) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *sub = xasprintf("%s[%zu]", loc, i);
			struct json_object *x;
			int rc = jsonata_value(fl, json_object_array_get_idx(v, i), sub, b, &x);
			free(sub);
			if (rc) {
				json_object_put(a);
				return -1;
			}
			json_object_array_add(a, x);
		}
		*out = a;
		return 0;
	}
	if (json_object_is_type(v, json_type_object)) {
		struct json_object *o = json_object_new_object();
		json_object_object_foreach(v, key, val)
		{
			char *sub = xasprintf("%s/%s", loc, key);
			struct json_object *x;
			int rc = jsonata_value(fl, val, sub, b, &x);
			free(sub);
			if (rc) {
				json_object_put(o);
				return -1;
			}
			json_object_object_add(o, key, x);
		}
		*out = o;
		return 0;
	}
	*out = json_object_get(v);
	return 0;
}

/* $states = {input, context, result?}; the variables beside it. */
static struct json_object *jbindings(Flow *fl, struct json_object *input,
				     struct json_object *result)
{
	struct json_object *b = json_object_new_object(), *states = json_object_new_object();
	if (fl->env.vars) {
		json_object_object_foreach(fl->env.vars, key, val)
		    json_object_object_add(b, key, json_object_get(val));
	}
	json_object_object_add(states, "input", json_object_get(input));
	json_object_object_add(states, "context", json_object_get(fl->env.context));
	if (result)
		json_object_object_add(states, "result", json_object_get(result));
	json_object_object_add(b, "states", states);
	return b;
}

/* The JSONata data flow: Arguments, result, Output. */
static int flow_jsonata(Flow *fl, struct json_object *st, const char *type,
			struct json_object *input, struct json_object *given,
			struct json_object *steps)
{
	bool work =
	    strcmp(type, "Task") == 0 || strcmp(type, "Map") == 0 || strcmp(type, "Parallel") == 0;
	struct json_object *b = jbindings(fl, input, NULL), *args = NULL, *out = NULL, *v;
	int rc = -1;
	if (work) {
		if ((v = member(st, "Arguments", NULL)) &&
		    jsonata_value(fl, v, "Arguments", b, &args))
			goto done;
		step(steps, "Arguments", args ? args : input);
		step(steps, "Result", given);
		json_object_put(b);
		b = jbindings(fl, input, given);
	}
	bool has_output;
	v = member(st, "Output", &has_output);
	if (has_output) {
		if (jsonata_value(fl, v, "Output", b, &out))
			goto done;
	} else
		out = json_object_get(work ? given : input);
	step(steps, "Output", out);
	if ((v = member(st, "Assign", NULL))) {
		struct json_object *as;
		if (jsonata_value(fl, v, "Assign", b, &as))
			goto done;
		step(steps, "Assign", as);
		json_object_put(as);
	}
	rc = 0;
done:
	json_object_put(b);
	json_object_put(args);
	json_object_put(out);
	return rc;
}

/* --context over defaults, as the executable merges it. */
static void merge(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, key, val)
	{
		struct json_object *d;
		if (json_object_is_type(val, json_type_object) &&
		    json_object_object_get_ex(dst, key, &d) &&
		    json_object_is_type(d, json_type_object))
			merge(d, val);
		else
			json_object_object_add(dst, key, aslrt_json_copy(val));
	}
}

/* The Context object the executable would give this state on its first
 * entry (fixed names, the current time), with --context merged over it. */
static struct json_object *state_context(const char *machine_file, const char *state,
					 struct json_object *st, struct json_object *input,
					 struct json_object *given)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char now[40], date[32];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(now, sizeof now, "%s.%03dZ", date, (int)(tv.tv_usec / 1000));
	const char *base = strrchr(machine_file, '/');
	char *name = xstrdup(base ? base + 1 : machine_file);
	char *dot = strstr(name, ".asl.json");
	if (!dot)
		dot = strstr(name, ".json");
	if (dot && dot != name)
		*dot = 0;
	struct json_object *ctx = json_object_new_object(), *e = json_object_new_object(),
			   *sm = json_object_new_object(), *s = json_object_new_object();
	char *id = xasprintf("arn:aws:states:us-east-1:123456789012:execution:%s:aslc-eval", name);
	char *smid = xasprintf("arn:aws:states:us-east-1:123456789012:stateMachine:%s", name);
	json_object_object_add(e, "Id", json_object_new_string(id));
	json_object_object_add(e, "Input", aslrt_json_copy(input));
	json_object_object_add(e, "StartTime", json_object_new_string(now));
	json_object_object_add(e, "Name", json_object_new_string("aslc-eval"));
	json_object_object_add(
	    e, "RoleArn", json_object_new_string("arn:aws:iam::123456789012:role/aslc-execution"));
	json_object_object_add(e, "RedriveCount", json_object_new_int(0));
	json_object_object_add(sm, "Id", json_object_new_string(smid));
	json_object_object_add(sm, "Name", json_object_new_string(name));
	json_object_object_add(ctx, "Execution", e);
	json_object_object_add(ctx, "StateMachine", sm);
	json_object_object_add(s, "Name", json_object_new_string(state));
	json_object_object_add(s, "EnteredTime", json_object_new_string(now));
	json_object_object_add(s, "RetryCount", json_object_new_int(0));
	json_object_object_add(ctx, "State", s);
	const char *res = json_object_get_string(member(st, "Resource", NULL));
	if (res && (strstr(res, ".waitForTaskToken") || strstr(res, ".sync") ||
		    strstr(res, ":activity:"))) {
		struct json_object *task = json_object_new_object();
		json_object_object_add(task, "Token",
				       json_object_new_string("aslc-eval-task-token"));
		json_object_object_add(ctx, "Task", task);
	}
	if (given)
		merge(ctx, given);
	free(id);
	free(smid);
	free(name);
	return ctx;
}

static int eval_state(const EvalOpts *o, struct json_object *input, struct json_object *ctx,
		      struct json_object *vars, struct json_object *given)
{
	bool failed = false;
	struct json_object *machine = load_json_file(o->state_file, "state machine", &failed);
	if (failed)
		return 2;
	int rc = 0;
	struct json_object *st = find_state(machine, o->state_name);
	const char *type = json_object_get_string(member(st, "Type", NULL));
	if (!st || !type) {
		fprintf(stderr, "aslc eval: %s has no state named '%s'\n", o->state_file,
			o->state_name);
		rc = 2;
		goto done;
	}
	bool work =
	    strcmp(type, "Task") == 0 || strcmp(type, "Map") == 0 || strcmp(type, "Parallel") == 0;
	if (strcmp(type, "Fail") == 0) {
		fprintf(stderr, "aslc eval: state '%s' is a Fail state: it has no data flow\n",
			o->state_name);
		rc = 2;
		goto done;
	}
	if (work && !o->result) {
		fprintf(stderr,
			"aslc eval: state '%s' is a %s state: give its result with --result FILE\n",
			o->state_name, type);
		rc = 2;
		goto done;
	}
	const char *ql = json_object_get_string(member(st, "QueryLanguage", NULL));
	if (!ql)
		ql = json_object_get_string(member(machine, "QueryLanguage", NULL));
	Flow fl = {0};
	fl.state = o->state_name;
	struct json_object *context = state_context(o->state_file, o->state_name, st, input, ctx);
	fl.env.context = context;
	fl.env.vars = vars;
	struct json_object *steps = json_object_new_object();
	if (ql && strcmp(ql, "JSONata") == 0)
		rc = flow_jsonata(&fl, st, type, input, given, steps);
	else
		rc = flow_jsonpath(&fl, st, type, input, given, steps);
	struct json_object *last = NULL;
	if (!rc && !json_object_object_get_ex(steps, "Output", &last))
		json_object_object_get_ex(steps, "OutputPath", &last);
	if (!rc && aslrt_json_size(last) > 262144) /* as the executable's default limit */
		rc = flow_error(&fl, "States.DataLimitExceeded",
				"The state/task '%s' returned a result with a size exceeding the "
				"maximum number of bytes service limit.",
				o->state_name);
	if (rc) {
		/* the steps so far, then the error */
		char *s = aslrt_json_dump(steps);
		fprintf(stderr, "%s\n", s);
		free(s);
		report(fl.err.name ? fl.err.name : "States.Runtime", fl.err.cause, -1);
		aslrt_error_clear(&fl.err);
		rc = 1;
	} else
		print_result(steps);
	json_object_put(steps);
	json_object_put(context);
done:
	json_object_put(machine);
	return rc;
}

/* ------------------------------------------------------------ driver */

int eval_main(int argc, char **argv)
{
	EvalOpts o = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(eval_usage, stdout);
			return 0;
		}
		if (!strcmp(a, "--batch"))
			return i + 1 == argc ? eval_batch()
					     : eval_usage_error("--batch goes alone", NULL);
		if (!strcmp(a, "--jsonata"))
			slot = &o.jsonata;
		else if (!strcmp(a, "--jsonpath"))
			slot = &o.jsonpath;
		else if (!strcmp(a, "--state"))
			slot = &o.state_file;
		else if (!strcmp(a, "--name"))
			slot = &o.state_name;
		else if (!strcmp(a, "--input"))
			slot = &o.input;
		else if (!strcmp(a, "--variables"))
			slot = &o.variables;
		else if (!strcmp(a, "--context"))
			slot = &o.context;
		else if (!strcmp(a, "--result"))
			slot = &o.result;
		else if (!strcmp(a, "--depth") || !strcmp(a, "--time-limit")) {
			if (i + 1 >= argc)
				return eval_usage_error("option needs a value:", a);
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v <= 0 || v > 100000000)
				return eval_usage_error("not a positive number:", argv[i]);
			if (a[2] == 'd')
				o.depth = (int)v;
			else
				o.time_limit_ms = v;
			continue;
		} else
			return eval_usage_error("unknown argument", a);
		if (i + 1 >= argc)
			return eval_usage_error("option needs a value:", a);
		*slot = argv[++i];
	}
	int modes = !!o.jsonata + !!o.jsonpath + !!o.state_file;
	if (modes != 1)
		return eval_usage_error("give exactly one of --jsonata, --jsonpath and --state",
					NULL);
	if (o.state_file && !o.state_name)
		return eval_usage_error("--state needs --name STATE", NULL);
	if (!o.state_file && (o.state_name || o.result))
		return eval_usage_error("--name and --result go with --state", NULL);
	if (o.jsonata && o.context)
		return eval_usage_error("--context goes with --jsonpath and --state (JSONata reads "
					"variables: --variables)",
					NULL);
	if (!o.jsonata && (o.depth || o.time_limit_ms))
		return eval_usage_error("--depth and --time-limit go with --jsonata", NULL);

	bool failed = false;
	struct json_object *input = o.input ? load_json_file(o.input, "input", &failed) : NULL;
	struct json_object *vars =
	    o.variables ? load_json_file(o.variables, "variables", &failed) : NULL;
	struct json_object *ctx = o.context ? load_json_file(o.context, "context", &failed) : NULL;
	struct json_object *given = o.result ? load_json_file(o.result, "result", &failed) : NULL;
	if (!failed && vars && !json_object_is_type(vars, json_type_object)) {
		fprintf(stderr, "aslc eval: variables %s must hold a JSON object (name -> value)\n",
			o.variables);
		failed = true;
	}
	if (!failed && ctx && !json_object_is_type(ctx, json_type_object)) {
		fprintf(stderr, "aslc eval: context %s must hold a JSON object\n", o.context);
		failed = true;
	}
	int rc = 2;
	if (!failed) {
		if (!ctx && o.jsonpath)
			ctx = json_object_new_object();
		if (o.jsonata)
			rc = eval_jsonata(&o, input, o.input != NULL, vars);
		else if (o.jsonpath)
			rc = eval_jsonpath(&o, o.input ? input : (input = json_object_new_object()),
					   ctx, vars);
		else {
			if (!o.input)
				input = json_object_new_object(); /* an execution's input */
			rc = eval_state(&o, input, ctx, vars, given);
		}
	}
	json_object_put(input);
	json_object_put(vars);
	json_object_put(ctx);
	json_object_put(given);
	return rc;
}
