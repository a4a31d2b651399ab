/*
 * check.c - the definition checker: every rule AWS enforces at
 * CreateStateMachine (docs/ASL_SPEC.md sections 1-7 and 10), reported at the
 * JSON Pointer of the offending field, as many errors per run as there are.
 *
 * It works on the raw json-c tree, not on the model, so it can report what
 * makes a model impossible as well as what a model would hide.  The walk is
 * top-down: the machine, each States container (scope), each state by type,
 * and inside a state its paths, payload templates, Choice rules, Retriers and
 * Catchers.  Transitions, reachability and terminal states are checked per
 * scope once all of a scope's states are known; state names are collected
 * machine-wide, since they must be unique across every scope.
 *
 * Paths, intrinsic calls, Choice operators and timestamps are parsed by the
 * runtime's own parsers (runtime/rt.h), so the checker and the executable
 * accept exactly the same language.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"
#include "rt.h"
#include "jsonata.h"

typedef struct Ck {
	Diag *d;
	const CheckOpts *o;
	QueryLang top;               /* the machine's QueryLanguage */
	struct json_object *names;   /* state name -> pointer of its first definition */
	struct json_object *labels;  /* Map Label -> pointer */
} Ck;

/* --- reporting --- */

static void vreport(Ck *ck, DiagKind k, const char *ptr, bool at_key, const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0)
		die("out of memory");
	long off = at_key && ck->d->src ? source_locate(ck->d->src, ptr, true) : -1;
	if (off >= 0)
		diag_at_offset(ck->d, k, off, ptr, "%s", msg);
	else
		diag_at(ck->d, k, ptr, "%s", msg);
	free(msg);
}

__attribute__((format(printf, 3, 4))) static void err(Ck *ck, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, DIAG_ERROR, ptr, false, fmt, ap);
	va_end(ap);
}

/* An error pointing at the key of ptr rather than its value. */
__attribute__((format(printf, 3, 4))) static void err_key(Ck *ck, const char *ptr, const char *fmt,
							  ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, DIAG_ERROR, ptr, true, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void note_key(Ck *ck, const char *ptr, const char *fmt,
							   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, DIAG_NOTE, ptr, true, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void warn(Ck *ck, const char *ptr, const char *fmt,
							...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, DIAG_WARNING, ptr, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void warn_key(Ck *ck, const char *ptr,
							   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, DIAG_WARNING, ptr, true, fmt, ap);
	va_end(ap);
}

/* --- small helpers --- */

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_int:
	case json_type_double: return "a number";
	case json_type_string: return "a string";
	case json_type_array: return "an array";
	case json_type_object: return "an object";
	}
	return "?";
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

static bool has(struct json_object *o, const char *key)
{
	return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, NULL);
}

static bool is_str(struct json_object *v)
{
	return json_object_is_type(v, json_type_string);
}

static bool is_int(struct json_object *v)
{
	return json_object_is_type(v, json_type_int);
}

static bool is_num(struct json_object *v)
{
	return is_int(v) || json_object_is_type(v, json_type_double);
}

static bool is_jsonata(struct json_object *v)
{
	return is_str(v) && strncmp(json_object_get_string(v), "{%", 2) == 0;
}

/* Characters, not bytes, of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return 99;
	int row[65];
	for (size_t j = 0; j <= m; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int cur = row[j];
			int sub = prev + (tolower((unsigned char)a[i - 1]) !=
					  tolower((unsigned char)b[j - 1]));
			int best = sub;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[m];
}

/* The closest candidate to s when it is close enough to be a typo. */
static const char *suggest(const char *s, const char *const *cands, int n)
{
	const char *best = NULL;
	int bestd = 99, limit = (int)strlen(s) / 3 + 1;
	if (limit > 3)
		limit = 3;
	for (int i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		int dist = edit_distance(s, cands[i]);
		if (dist < bestd && dist <= limit) {
			bestd = dist;
			best = cands[i];
		}
	}
	return best;
}

/* "; did you mean 'X'?" or "" (static buffer). */
static const char *did_you_mean(const char *s, const char *const *cands, int n)
{
	static char buf[200];
	const char *g = suggest(s, cands, n);
	if (!g)
		return "";
	snprintf(buf, sizeof buf, "; did you mean '%s'?", g);
	return buf;
}

static int strv_find(const char *const *v, const char *s)
{
	for (int i = 0; v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

static int strv_len(const char *const *v)
{
	int n = 0;
	while (v[n])
		n++;
	return n;
}

/* Report the keys of o not in allowed (NULL-terminated). */
static void check_keys(Ck *ck, const char *ptr, struct json_object *o, const char *const *allowed,
		       const char *where)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strv_find(allowed, key) >= 0)
			continue;
		char *p = pointer_join(ptr, key);
		err_key(ck, p, "field '%s' is not supported in %s%s", key, where,
			did_you_mean(key, allowed, strv_len(allowed)));
		free(p);
	}
}

static void require(Ck *ck, const char *ptr, struct json_object *o, const char *key,
		    const char *where)
{
	if (!has(o, key))
		err(ck, ptr, "%s is missing the required field '%s'", where, key);
}

/* At most one of the fields a and b. */
static void exclusive(Ck *ck, const char *ptr, struct json_object *o, const char *a, const char *b)
{
	if (has(o, a) && has(o, b)) {
		char *p = pointer_join(ptr, b);
		err_key(ck, p, "only one of '%s' and '%s' may be given", a, b);
		free(p);
	}
}

/* --- JSONata --- */

/* A string is a JSONata expression when it begins "{%"; it must end "%}". */
static void check_expr(Ck *ck, const char *ptr, const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || strcmp(s + n - 2, "%}") != 0) {
		err(ck, ptr, "JSONata expression must end with '%%}'");
		return;
	}
	/* the runtime's own parser, so the checker and the executable agree */
	char why[ASLRT_ERRLEN];
	char *expr = strndup(s + 2, n - 4);
	aslrt_jsonata *e = aslrt_jsonata_parse(expr, why, sizeof why);
	if (!e)
		err(ck, ptr, "invalid JSONata expression: %s", why);
	aslrt_jsonata_free(e);
	free(expr);
}

/* Any JSON value whose strings may be JSONata expressions, at any depth. */
static void check_jsonata_value(Ck *ck, const char *ptr, struct json_object *v)
{
	if (is_jsonata(v)) {
		check_expr(ck, ptr, json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			char *p = pointer_join(ptr, key);
			check_jsonata_value(ck, p, val);
			free(p);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = pointer_index(ptr, (int)i);
			check_jsonata_value(ck, p, json_object_array_get_idx(v, i));
			free(p);
		}
	}
}

/* --- paths and intrinsic functions --- */

typedef enum {
	PATH_ANY,     /* InputPath, OutputPath: a Path, or null */
	PATH_RESULT,  /* ResultPath: Reference Path on the input, or null */
	PATH_REF,     /* SecondsPath, ...: a Reference Path */
	PATH_REF_INPUT, /* Map's MaxConcurrencyPath, ...: no $$ */
	PATH_REF_OR_FN, /* ErrorPath, CausePath: Reference Path or intrinsic call */
	PATH_CHOICE,  /* Choice Variable and ...Path operands: a Path, not null */
} PathKind;

/* Check a path string; returns false (after reporting) when it is bad. */
static bool check_path_text(Ck *ck, const char *ptr, const char *field, const char *s, PathKind k)
{
	char why[ASLRT_ERRLEN] = "";
	if (k == PATH_REF_OR_FN && s[0] != '$') {
		aslrt_fn *f = aslrt_fn_parse(s, why, sizeof why);
		if (!f) {
			err(ck, ptr, "'%s' must be a Reference Path or an intrinsic function call: %s",
			    field, why);
			return false;
		}
		aslrt_fn_free(f);
		return true;
	}
	aslrt_path *p = aslrt_path_parse(s, why, sizeof why);
	if (!p) {
		err(ck, ptr, "'%s' is not a valid JSONPath: %s", field, why);
		return false;
	}
	bool ok = true;
	if (k != PATH_ANY && k != PATH_CHOICE && !aslrt_path_is_reference(p)) {
		err(ck, ptr, "'%s' must be a Reference Path (only field names and array indices)",
		    field);
		ok = false;
	} else if (k == PATH_RESULT && aslrt_path_root(p) == ASLRT_ROOT_CONTEXT) {
		err(ck, ptr, "'%s' cannot write to the Context object ($$)", field);
		ok = false;
	} else if (k == PATH_RESULT && aslrt_path_root(p) == ASLRT_ROOT_VAR) {
		err(ck, ptr, "'%s' cannot reference a variable; use Assign to set variables", field);
		ok = false;
	} else if (k == PATH_REF_INPUT && aslrt_path_root(p) == ASLRT_ROOT_CONTEXT) {
		err(ck, ptr, "'%s' cannot read the Context object ($$)", field);
		ok = false;
	}
	aslrt_path_free(p);
	return ok;
}

/* A path-valued field of a state (absent is fine). */
static void check_path_field(Ck *ck, const char *sptr, struct json_object *o, const char *key,
			     PathKind k)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	char *p = pointer_join(sptr, key);
	if (v == NULL && (k == PATH_ANY || k == PATH_RESULT))
		;
	else if (!is_str(v))
		err(ck, p, "'%s' must be a string%s, not %s", key,
		    k == PATH_ANY || k == PATH_RESULT ? " or null" : "", type_name(v));
	else
		check_path_text(ck, p, key, json_object_get_string(v), k);
	free(p);
}

/*
 * Payload template (Parameters, ResultSelector, ItemSelector, JSONPath
 * Assign ...): a key ending in ".$" takes a Path or an intrinsic call; keys
 * must stay distinct once ".$" is stripped.
 */
static void check_template(Ck *ck, const char *ptr, struct json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = pointer_index(ptr, (int)i);
			check_template(ck, p, json_object_array_get_idx(v, i));
			free(p);
		}
		return;
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	json_object_object_foreach(v, key, val) {
		char *p = pointer_join(ptr, key);
		size_t n = strlen(key);
		if (n >= 2 && strcmp(key + n - 2, ".$") == 0) {
			char *plain = xstrdup(key);
			plain[n - 2] = 0;
			if (has(v, plain))
				err_key(ck, p, "'%s' and '%s' give the same field twice", plain, key);
			free(plain);
			char why[ASLRT_ERRLEN] = "";
			const char *s = is_str(val) ? json_object_get_string(val) : NULL;
			bool ok = false;
			if (s && s[0] == '$') {
				aslrt_path *pa = aslrt_path_parse(s, why, sizeof why);
				ok = pa != NULL;
				aslrt_path_free(pa);
			} else if (s) {
				aslrt_fn *f = aslrt_fn_parse(s, why, sizeof why);
				ok = f != NULL;
				aslrt_fn_free(f);
			}
			if (!ok)
				err(ck, p,
				    "the value for the field '%s' must be a valid JSONPath or a valid "
				    "intrinsic function call%s%s",
				    key, *why ? ": " : "", why);
		} else {
			check_template(ck, p, val);
		}
		free(p);
	}
}

/* --- numbers --- */

/* An integer field in [lo, hi]; a JSONata expression where jsonata. */
static void check_int(Ck *ck, const char *sptr, struct json_object *o, const char *key,
		      long long lo, long long hi, bool jsonata)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	char *p = pointer_join(sptr, key);
	if (jsonata && is_jsonata(v))
		check_expr(ck, p, json_object_get_string(v));
	else if (!is_int(v))
		err(ck, p, "'%s' must be an integer%s, not %s", key,
		    jsonata ? " or a JSONata expression" : "", type_name(v));
	else if (json_object_get_int64(v) < lo || json_object_get_int64(v) > hi)
		err(ck, p, "'%s' must be between %lld and %lld, not %lld", key, lo, hi,
		    (long long)json_object_get_int64(v));
	free(p);
}

static void check_number(Ck *ck, const char *sptr, struct json_object *o, const char *key,
			 double lo, double hi, bool jsonata)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	char *p = pointer_join(sptr, key);
	if (jsonata && is_jsonata(v))
		check_expr(ck, p, json_object_get_string(v));
	else if (!is_num(v))
		err(ck, p, "'%s' must be a number, not %s", key, type_name(v));
	else if (json_object_get_double(v) < lo || json_object_get_double(v) > hi) {
		if (hi >= 1e300)
			err(ck, p, "'%s' must be at least %.1f, not %s", key, lo,
			    json_object_to_json_string(v));
		else
			err(ck, p, "'%s' must be between %g and %g, not %s", key, lo, hi,
			    json_object_to_json_string(v));
	}
	free(p);
}

static void check_string(Ck *ck, const char *sptr, struct json_object *o, const char *key,
			 bool jsonata)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	char *p = pointer_join(sptr, key);
	if (jsonata && is_jsonata(v))
		check_expr(ck, p, json_object_get_string(v));
	else if (!is_str(v))
		err(ck, p, "'%s' must be a string, not %s", key, type_name(v));
	free(p);
}

static void check_enum(Ck *ck, const char *sptr, struct json_object *o, const char *key,
		       const char *const *vals)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return;
	char *p = pointer_join(sptr, key);
	if (!is_str(v) || strv_find(vals, json_object_get_string(v)) < 0) {
		Buf b = {0};
		for (int i = 0; vals[i]; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", vals[i]);
		err(ck, p, "the field '%s' should have one of these values: [%s]%s", key, b.s,
		    is_str(v) ? did_you_mean(json_object_get_string(v), vals, strv_len(vals))
			      : "");
		buf_free(&b);
	}
	free(p);
}

/* --- Assign --- */

static bool valid_var_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!*p || !(isalpha(*p) || *p == '_' || *p >= 0x80))
		return false;
	for (p++; *p; p++)
		if (!(isalnum(*p) || *p == '_' || *p >= 0x80))
			return false;
	return true;
}

/* Assign = { name: value, "name.$": path-or-intrinsic (JSONPath) } */
static void check_assign(Ck *ck, const char *ptr, struct json_object *v, QueryLang ql)
{
	if (!json_object_is_type(v, json_type_object)) {
		err(ck, ptr, "'Assign' must be an object, not %s", type_name(v));
		return;
	}
	json_object_object_foreach(v, key, val) {
		char *p = pointer_join(ptr, key);
		char *name = xstrdup(key);
		size_t n = strlen(name);
		if (ql == QL_JSONPATH && n >= 2 && strcmp(name + n - 2, ".$") == 0)
			name[n - 2] = 0;
		if (!*name)
			err_key(ck, p, "a variable name cannot be empty");
		else if (!valid_var_name(name))
			warn_key(ck, p, "'%s' is not an identifier; JSONata and JSONPath can only "
					"read it as $states-style bracket access", name);
		else if (strcmp(name, "states") == 0)
			err_key(ck, p, "the variable name 'states' is reserved");
		else if (utf8_chars(name) > 80)
			err_key(ck, p, "variable name '%s' is longer than 80 characters", name);
		free(name);
		(void)val;
		free(p);
	}
	if (ql == QL_JSONPATH)
		check_template(ck, ptr, v);
	else
		check_jsonata_value(ck, ptr, v);
}

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
					err(ck, ep, "'States.ALL' must appear alone in 'ErrorEquals'");
			}
			free(ep);
		}
	free(p);
	return all;
}

static const char *const retrier_fields[] = {"ErrorEquals", "IntervalSeconds", "MaxAttempts",
					     "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
					     "Comment", NULL};
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
		check_int(ck, p, r, "IntervalSeconds", 1, 99999999, false);
		check_int(ck, p, r, "MaxAttempts", 0, 99999999, false);
		check_number(ck, p, r, "BackoffRate", 1.0, 1e300, false);
		check_int(ck, p, r, "MaxDelaySeconds", 1, 31622400, false);
		check_enum(ck, p, r, "JitterStrategy", jitter_values);
		check_string(ck, p, r, "Comment", false);
		free(p);
	}
}

typedef struct Edge {
	char *target;
	char *ptr;  /* pointer of the field naming the target */
	bool nul;   /* the name holds U+0000: no state has such a name (keys with
		       NUL are refused), though C strings would match its prefix */
} Edge;

/* A JSON string holding U+0000 (its C string stops short). */
static bool has_nul(struct json_object *s)
{
	return strlen(json_object_get_string(s)) != (size_t)json_object_get_string_len(s);
}

typedef struct Edges {
	Edge *v;
	int n;
} Edges;

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

static void check_next_field(Ck *ck, const char *ptr, struct json_object *o, Edges *e)
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
	static const char *const path_fields[] = {"ErrorEquals", "Next", "ResultPath", "Assign",
						  "Comment", NULL};
	static const char *const ata_fields[] = {"ErrorEquals", "Next", "Output", "Assign",
						 "Comment", NULL};
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

/* --- Choice rules --- */

/*
 * JSONPath rule  = boolean | data-test
 * boolean        = { "And": [rule+] } | { "Or": [rule+] } | { "Not": rule }
 * data-test      = { "Variable": Path, <one comparison operator>: operand }
 * JSONata rule   = { "Condition": true|false|"{% expr %}" }
 * Top-level rules also take "Next" (required), "Assign", JSONata "Output".
 */
static void check_rule(Ck *ck, const char *ptr, struct json_object *r, bool top, QueryLang ql,
		       Edges *e)
{
	if (!json_object_is_type(r, json_type_object)) {
		err(ck, ptr, "a Choice rule must be an object, not %s", type_name(r));
		return;
	}
	if (top) {
		if (!has(r, "Next"))
			err(ck, ptr, "a top-level Choice rule is missing the required field 'Next'");
		else
			check_next_field(ck, ptr, r, e);
		if (has(r, "Assign")) {
			char *ap = pointer_join(ptr, "Assign");
			check_assign(ck, ap, get(r, "Assign"), ql);
			free(ap);
		}
	}
	if (ql == QL_JSONATA) {
		static const char *const fields[] = {"Condition", "Next", "Assign", "Output",
						     "Comment", NULL};
		check_keys(ck, ptr, r, fields, "a JSONata Choice rule");
		struct json_object *c = get(r, "Condition");
		char *cp = pointer_join(ptr, "Condition");
		if (!has(r, "Condition"))
			err(ck, ptr, "a JSONata Choice rule is missing the required field 'Condition'");
		else if (is_jsonata(c))
			check_expr(ck, cp, json_object_get_string(c));
		else if (!json_object_is_type(c, json_type_boolean))
			err(ck, cp, "'Condition' must be a boolean or a JSONata expression, not %s",
			    type_name(c));
		free(cp);
		if (has(r, "Output")) {
			char *op = pointer_join(ptr, "Output");
			check_jsonata_value(ck, op, get(r, "Output"));
			free(op);
		}
		return;
	}
	int nbool = 0, nops = 0, nunknown = 0;
	const char *op = NULL;
	json_object_object_foreach(r, key, val) {
		(void)val;
		char *p = pointer_join(ptr, key);
		if (!strcmp(key, "And") || !strcmp(key, "Or") || !strcmp(key, "Not")) {
			nbool++;
		} else if (aslrt_cmp_lookup(key) >= 0) {
			nops++;
			op = key;
		} else if (!strcmp(key, "Next") || !strcmp(key, "Assign")) {
			if (!top)
				err_key(ck, p, "'%s' is not allowed in a nested Choice rule", key);
		} else if (strcmp(key, "Variable") != 0 && strcmp(key, "Comment") != 0) {
			const char *cands[ASLRT_CMP_COUNT + 6];
			int nc = 0;
			for (int i = 0; i < ASLRT_CMP_COUNT; i++)
				cands[nc++] = aslrt_cmp_names[i];
			cands[nc++] = "Variable";
			cands[nc++] = "And";
			cands[nc++] = "Or";
			cands[nc++] = "Not";
			cands[nc++] = "Next";
			cands[nc++] = "Comment";
			nunknown++;
			err_key(ck, p, "field '%s' is not supported in a Choice rule%s", key,
				did_you_mean(key, cands, nc));
		}
		free(p);
	}
	if (nbool + nops == 0) {
		if (nunknown)
			return; /* the unknown field was most likely meant as the operator */
		err(ck, ptr, "a Choice rule needs a comparison operator, or 'And', 'Or' or 'Not'");
		return;
	}
	if (nbool + nops > 1) {
		err(ck, ptr, "a Choice rule must have exactly one comparison operator or one of "
			     "'And', 'Or', 'Not'");
		return;
	}
	if (nbool) {
		if (has(r, "Variable"))
			err_key(ck, ptr, "a boolean Choice rule cannot have 'Variable'");
		struct json_object *v;
		if (json_object_object_get_ex(r, "Not", &v)) {
			char *p = pointer_join(ptr, "Not");
			check_rule(ck, p, v, false, ql, e);
			free(p);
			return;
		}
		const char *k = has(r, "And") ? "And" : "Or";
		v = get(r, k);
		char *p = pointer_join(ptr, k);
		if (!json_object_is_type(v, json_type_array))
			err(ck, p, "'%s' must be an array of Choice rules, not %s", k, type_name(v));
		else if (json_object_array_length(v) == 0)
			err(ck, p, "'%s' cannot be empty", k);
		else
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				char *ip = pointer_index(p, (int)i);
				check_rule(ck, ip, json_object_array_get_idx(v, i), false, ql, e);
				free(ip);
			}
		free(p);
		return;
	}
	/* data-test */
	struct json_object *var = get(r, "Variable");
	if (!has(r, "Variable"))
		err(ck, ptr, "a Choice rule with '%s' is missing the required field 'Variable'", op);
	else {
		char *p = pointer_join(ptr, "Variable");
		if (!is_str(var))
			err(ck, p, "'Variable' must be a path string, not %s", type_name(var));
		else
			check_path_text(ck, p, "Variable", json_object_get_string(var), PATH_CHOICE);
		free(p);
	}
	aslrt_cmp c = (aslrt_cmp)aslrt_cmp_lookup(op);
	struct json_object *v = get(r, op);
	char *p = pointer_join(ptr, op);
	const char *s = is_str(v) ? json_object_get_string(v) : NULL;
	aslrt_time t;
	switch (aslrt_cmp_operands[c]) {
	case ASLRT_OPND_STR:
		if (!s)
			err(ck, p, "'%s' needs a string, not %s", op, type_name(v));
		break;
	case ASLRT_OPND_PAT:
		if (!s)
			err(ck, p, "'%s' needs a string pattern, not %s", op, type_name(v));
		else if (!aslrt_pattern_valid(s))
			err(ck, p, "'%s' pattern has an open backslash (escape '\\' as '\\\\')", op);
		break;
	case ASLRT_OPND_NUM:
		if (!is_num(v))
			err(ck, p, "'%s' needs a number, not %s", op, type_name(v));
		break;
	case ASLRT_OPND_BOOL:
	case ASLRT_OPND_IS:
		if (!json_object_is_type(v, json_type_boolean))
			err(ck, p, "'%s' needs true or false, not %s", op, type_name(v));
		break;
	case ASLRT_OPND_TS:
		if (!s)
			err(ck, p, "'%s' needs a timestamp string, not %s", op, type_name(v));
		else if (!aslrt_timestamp_parse(s, &t))
			err(ck, p, "'%s' is not an RFC 3339 timestamp such as 2016-03-14T01:59:00Z",
			    s);
		break;
	case ASLRT_OPND_PATH:
		if (!s)
			err(ck, p, "'%s' needs a path string, not %s", op, type_name(v));
		else
			check_path_text(ck, p, op, s, PATH_CHOICE);
		break;
	}
	free(p);
}

/* --- states --- */

enum {
	TASK = 1 << ST_TASK, PASS = 1 << ST_PASS, CHOICE = 1 << ST_CHOICE, WAIT = 1 << ST_WAIT,
	SUCCEED = 1 << ST_SUCCEED, FAIL = 1 << ST_FAIL, PARALLEL = 1 << ST_PARALLEL,
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

static const char *const ql_names[] = {"JSONPath", "JSONata", NULL};

static void check_state_keys(Ck *ck, const char *sptr, struct json_object *st, StateType t,
			     QueryLang ql)
{
	json_object_object_foreach(st, key, val) {
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
		warn(ck, p, "'Resource' is a CloudFormation intrinsic; it must be substituted with an "
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
				err(ck, p, "unknown integration pattern '%s' (expected .sync, "
					   ".sync:2 or .waitForTaskToken)", pattern);
			else if (ck->o->express && !strncmp(pattern, ".sync", 5))
				err(ck, p, "Express state machine does not support '.sync' service "
					   "integration");
			else if (ck->o->express && !strcmp(pattern, ".waitForTaskToken"))
				err(ck, p, "Express state machine does not support "
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

static void check_scope(Ck *ck, const char *cptr, struct json_object *c, const char *what,
			const char *const *extra_fields);

static void check_task(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	bool ata = ql == QL_JSONATA;
	if (!has(st, "Resource"))
		err(ck, sptr, "a Task state is missing the required field 'Resource'");
	else
		check_resource(ck, sptr, st);
	exclusive(ck, sptr, st, "TimeoutSeconds", "TimeoutSecondsPath");
	exclusive(ck, sptr, st, "HeartbeatSeconds", "HeartbeatSecondsPath");
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
			warn(ck, p, "'Credentials' has no 'RoleArn'; the task will run with the "
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
		err(ck, sptr, "a Wait state needs exactly one of 'Seconds', 'Timestamp', "
			      "'SecondsPath', 'TimestampPath'");
	else if (n > 1)
		err(ck, sptr, "a Wait state may have only one of 'Seconds', 'Timestamp', "
			      "'SecondsPath', 'TimestampPath'");
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
	else if (!json_object_is_type(c, json_type_array))
		err(ck, p, "'Choices' must be an array of Choice rules, not %s", type_name(c));
	else if (json_object_array_length(c) == 0)
		err(ck, p, "'Choices' cannot be empty");
	else
		for (size_t i = 0; i < json_object_array_length(c); i++) {
			char *rp = pointer_index(p, (int)i);
			check_rule(ck, rp, json_object_array_get_idx(c, i), true, ql, e);
			free(rp);
		}
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
	"InputType", "Transformation", "ManifestType", "CSVDelimiter", "CSVHeaderLocation",
	"CSVHeaders", "MaxItems", "MaxItemsPath", "ItemsPointer", NULL};
static const char *const input_types[] = {"CSV", "JSON", "JSONL", "PARQUET", "MANIFEST", NULL};
static const char *const reader_transformations[] = {"NONE", "LOAD_AND_FLATTEN", NULL};
static const char *const manifest_types[] = {"ATHENA_DATA", "S3_INVENTORY", NULL};
static const char *const csv_delimiters[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB", NULL};
static const char *const csv_header_locations[] = {"FIRST_ROW", "GIVEN", NULL};
static const char *const batcher_fields[] = {"MaxItemsPerBatch", "MaxItemsPerBatchPath",
					     "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath",
					     "BatchInput", NULL};
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
			err_key(ck, q, "the QueryLanguage is set to 'JSONata', but field "
				       "'Parameters' is only supported for the 'JSONPath' "
				       "QueryLanguage");
		else
			check_template(ck, q, get(o, "Parameters"));
		free(q);
	}
	if (has(o, "Arguments")) {
		char *q = pointer_join(p, "Arguments");
		if (ql == QL_JSONPATH)
			err_key(ck, q, "the QueryLanguage is set to 'JSONPath', but field "
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

static void check_map(Ck *ck, const char *sptr, struct json_object *st, QueryLang ql)
{
	bool ata = ql == QL_JSONATA;
	bool distributed = false;
	const char *pk = has(st, "ItemProcessor") ? "ItemProcessor" : "Iterator";
	exclusive(ck, sptr, st, "ItemProcessor", "Iterator");
	exclusive(ck, sptr, st, "Parameters", "ItemSelector");
	exclusive(ck, sptr, st, "MaxConcurrency", "MaxConcurrencyPath");
	exclusive(ck, sptr, st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
	exclusive(ck, sptr, st, "ToleratedFailureCount", "ToleratedFailureCountPath");
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
					distributed = is_str(m) &&
						      !strcmp(json_object_get_string(m), "DISTRIBUTED");
					if (distributed && !has(pc, "ExecutionType"))
						err(ck, cp, "a DISTRIBUTED Map needs 'ExecutionType' "
							    "(STANDARD or EXPRESS)");
					if (distributed && ck->o->express)
						err(ck, cp, "Express state machines do not support "
							    "the DISTRIBUTED Map mode");
				}
				free(cp);
			}
			check_scope(ck, p, ip, pk, processor_fields);
		}
		free(p);
	}
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
	check_int(ck, sptr, st, "MaxConcurrency", 0, 2147483647, ata);
	check_path_field(ck, sptr, st, "MaxConcurrencyPath", PATH_REF_INPUT);
	check_number(ck, sptr, st, "ToleratedFailurePercentage", 0, 100, ata);
	check_path_field(ck, sptr, st, "ToleratedFailurePercentagePath", PATH_REF_INPUT);
	check_int(ck, sptr, st, "ToleratedFailureCount", 0, 2147483647, ata);
	check_path_field(ck, sptr, st, "ToleratedFailureCountPath", PATH_REF_INPUT);
	if (has(st, "Label")) {
		struct json_object *l = get(st, "Label");
		char *p = pointer_join(sptr, "Label");
		const char *s = is_str(l) ? json_object_get_string(l) : NULL;
		struct json_object *prev;
		if (!s)
			err(ck, p, "'Label' must be a string, not %s", type_name(l));
		else if (utf8_chars(s) > 40)
			err(ck, p, "'Label' is longer than 40 characters");
		else if (strpbrk(s, " \t\n\r?*<>{}[]:;,\\|^~$#%&\"`"))
			err(ck, p, "'Label' contains a character that is not allowed in a Map Run "
				   "name");
		else if (json_object_object_get_ex(ck->labels, s, &prev)) {
			err(ck, p, "duplicate Map Label '%s'", s);
			note_key(ck, json_object_get_string(prev), "first used here");
		} else
			json_object_object_add(ck->labels, s, json_object_new_string(p));
		free(p);
	}
	if (has(st, "ItemReader")) {
		struct json_object *r = get(st, "ItemReader");
		char *p = pointer_join(sptr, "ItemReader");
		if (object_field(ck, p, r, "ItemReader")) {
			check_keys(ck, p, r, reader_fields, "ItemReader");
			if (!has(r, "Resource"))
				err(ck, p, "ItemReader is missing the required field 'Resource'");
			else
				check_resource(ck, p, r);
			check_io_args(ck, p, r, ql);
			struct json_object *rc = get(r, "ReaderConfig");
			char *cp = pointer_join(p, "ReaderConfig");
			if (has(r, "ReaderConfig") && object_field(ck, cp, rc, "ReaderConfig")) {
				check_keys(ck, cp, rc, reader_config_fields, "ReaderConfig");
				check_enum(ck, cp, rc, "InputType", input_types);
				check_enum(ck, cp, rc, "Transformation", reader_transformations);
				check_enum(ck, cp, rc, "ManifestType", manifest_types);
				check_enum(ck, cp, rc, "CSVDelimiter", csv_delimiters);
				check_enum(ck, cp, rc, "CSVHeaderLocation", csv_header_locations);
				exclusive(ck, cp, rc, "MaxItems", "MaxItemsPath");
				check_int(ck, cp, rc, "MaxItems", 1, 100000000, ata);
				check_path_field(ck, cp, rc, "MaxItemsPath", PATH_REF_INPUT);
				check_string(ck, cp, rc, "ItemsPointer", false);
			}
			free(cp);
		}
		free(p);
	}
	if (has(st, "ItemBatcher")) {
		struct json_object *b = get(st, "ItemBatcher");
		char *p = pointer_join(sptr, "ItemBatcher");
		if (object_field(ck, p, b, "ItemBatcher")) {
			check_keys(ck, p, b, batcher_fields, "ItemBatcher");
			exclusive(ck, p, b, "MaxItemsPerBatch", "MaxItemsPerBatchPath");
			exclusive(ck, p, b, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath");
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
		}
		free(p);
	}
	if (has(st, "ResultWriter")) {
		struct json_object *w = get(st, "ResultWriter");
		char *p = pointer_join(sptr, "ResultWriter");
		if (object_field(ck, p, w, "ResultWriter")) {
			check_keys(ck, p, w, writer_fields, "ResultWriter");
			if (json_object_object_length(w) == 0)
				err(ck, p, "'ResultWriter' cannot be empty");
			if (has(w, "Resource"))
				check_resource(ck, p, w);
			check_io_args(ck, p, w, ql);
			struct json_object *wc = get(w, "WriterConfig");
			char *cp = pointer_join(p, "WriterConfig");
			if (has(w, "WriterConfig") && object_field(ck, cp, wc, "WriterConfig")) {
				check_keys(ck, cp, wc, writer_config_fields, "WriterConfig");
				require(ck, cp, wc, "OutputType", "WriterConfig");
				check_enum(ck, cp, wc, "Transformation", writer_transformations);
				check_enum(ck, cp, wc, "OutputType", output_types);
			}
			free(cp);
		}
		free(p);
	}
}

/* One state: fields allowed for its type and language, then the type's rules. */
static void check_state(Ck *ck, const char *sptr, const char *name, struct json_object *st,
			Edges *e, bool *terminal)
{
	*terminal = false;
	if (!json_object_is_type(st, json_type_object)) {
		err(ck, sptr, "state '%s' must be an object, not %s", name, type_name(st));
		return;
	}
	/* query language: the state's own, else the machine's (not the container's) */
	QueryLang ql = ck->top;
	struct json_object *qv = get(st, "QueryLanguage");
	if (has(st, "QueryLanguage")) {
		char *p = pointer_join(sptr, "QueryLanguage");
		if (!is_str(qv) || strv_find(ql_names, json_object_get_string(qv)) < 0)
			check_enum(ck, sptr, st, "QueryLanguage", ql_names);
		ql = is_str(qv) && !strcmp(json_object_get_string(qv), "JSONPath") ? QL_JSONPATH
										   : QL_JSONATA;
		if (ql == QL_JSONPATH && ck->top == QL_JSONATA)
			err(ck, p, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for "
				   "whole state machine");
		free(p);
	}
	struct json_object *tv = get(st, "Type");
	char *tp = pointer_join(sptr, "Type");
	StateType t = ST_UNKNOWN;
	if (!has(st, "Type"))
		err(ck, sptr, "state '%s' is missing the required field 'Type'", name);
	else if (!is_str(tv) || (t = (StateType)strv_find(type_names, json_object_get_string(tv))) ==
					(StateType)-1) {
		t = ST_UNKNOWN;
		err(ck, tp,
		    "the field 'Type' should have one of these values: [Task, Wait, Pass, "
		    "Succeed, Fail, Choice, Parallel, Map]%s",
		    is_str(tv) ? did_you_mean(json_object_get_string(tv), type_names,
					      strv_len(type_names))
			       : "");
	}
	free(tp);
	if (t == ST_UNKNOWN) {
		*terminal = true; /* unknown: do not pile "no terminal state" on top */
		return;
	}
	check_state_keys(ck, sptr, st, t, ql);
	check_string(ck, sptr, st, "Comment", false);

	/* Next / End */
	if (t != ST_CHOICE && t != ST_SUCCEED && t != ST_FAIL) {
		struct json_object *end = get(st, "End");
		bool has_end = has(st, "End"), has_next = has(st, "Next");
		if (has_end && !json_object_is_type(end, json_type_boolean)) {
			char *p = pointer_join(sptr, "End");
			err(ck, p, "'End' must be a boolean, not %s", type_name(end));
			free(p);
		}
		bool is_end = json_object_is_type(end, json_type_boolean) &&
			      json_object_get_boolean(end);
		if (has_next && has_end) {
			char *p = pointer_join(sptr, is_end ? "End" : "Next");
			err_key(ck, p, "a state may have only one of 'Next' and 'End'");
			free(p);
		} else if (!has_next && !is_end) {
			err(ck, sptr, "state '%s' needs 'Next' or \"End\": true", name);
		}
		if (has_next)
			check_next_field(ck, sptr, st, e);
		*terminal = is_end;
	} else {
		*terminal = t != ST_CHOICE;
	}

	/* fields shared by several types */
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

	switch (t) {
	case ST_TASK: check_task(ck, sptr, st, ql); break;
	case ST_WAIT: check_wait(ck, sptr, st, ql); break;
	case ST_FAIL: check_fail(ck, sptr, st, ql); break;
	case ST_CHOICE: check_choice(ck, sptr, st, ql, e); break;
	case ST_PARALLEL: check_parallel(ck, sptr, st); break;
	case ST_MAP: check_map(ck, sptr, st, ql); break;
	case ST_PASS:
	case ST_SUCCEED:
	case ST_UNKNOWN: break;
	}
}

/* --- scopes --- */

/*
 * scope = { "StartAt": name, "States": { name: state, ... }, "Comment"? }
 * The machine, each Parallel branch and each Map ItemProcessor.  Transitions
 * stay inside their scope; every state must be reachable from StartAt; some
 * state must end the scope.
 */
static void check_scope(Ck *ck, const char *cptr, struct json_object *c, const char *what,
			const char *const *extra_fields)
{
	static const char *const branch_fields[] = {"StartAt", "States", "Comment", NULL};
	if (!json_object_is_type(c, json_type_object)) {
		err(ck, cptr, "%s must be an object, not %s", what, type_name(c));
		return;
	}
	if (extra_fields || strcmp(what, "a Parallel branch") == 0)
		check_keys(ck, cptr, c, extra_fields ? extra_fields : branch_fields, what);
	struct json_object *states = get(c, "States"), *start = get(c, "StartAt");
	char *sp = pointer_join(cptr, "States"), *ap = pointer_join(cptr, "StartAt");
	bool ok_states = false;
	if (!has(c, "States") && !has(c, "StartAt"))
		err(ck, cptr, "these fields are required: [States, StartAt]");
	else if (!has(c, "States"))
		err(ck, cptr, "these fields are required: [States]");
	else if (!has(c, "StartAt"))
		err(ck, cptr, "these fields are required: [StartAt]");
	if (has(c, "States") && !json_object_is_type(states, json_type_object))
		err(ck, sp, "'States' must be an object, not %s", type_name(states));
	else if (has(c, "States"))
		ok_states = true;
	if (has(c, "StartAt") && !is_str(start))
		err(ck, ap, "'StartAt' must be a state name, not %s", type_name(start));
	if (!ok_states) {
		free(sp);
		free(ap);
		return;
	}
	if (json_object_object_length(states) == 0)
		err(ck, sp, "'States' cannot be empty");

	/* the states, in order, with their outgoing edges */
	int n = json_object_object_length(states), k = 0;
	const char **names = xcalloc((size_t)n, sizeof *names);
	Edges *edges = xcalloc((size_t)n, sizeof *edges);
	bool any_terminal = false;
	/* names first, so that inner scopes can tell "declared outside" from "unknown" */
	json_object_object_foreach(states, dname, dst) {
		(void)dst;
		char *p = pointer_join(sp, dname);
		struct json_object *prev;
		if (json_object_object_get_ex(ck->names, dname, &prev)) {
			err_key(ck, p, "duplicate state name '%s'; state names must be unique in the "
				       "whole state machine",
				dname);
			note_key(ck, json_object_get_string(prev), "'%s' is first defined here",
				 dname);
		} else {
			json_object_object_add(ck->names, dname, json_object_new_string(p));
		}
		free(p);
	}
	json_object_object_foreach(states, name, st) {
		char *p = pointer_join(sp, name);
		if (!*name)
			err_key(ck, p, "a state name cannot be empty");
		else if (utf8_chars(name) > 80)
			err_key(ck, p, "state name '%.20s...' is longer than 80 characters", name);
		bool term;
		names[k] = name;
		check_state(ck, p, name, st, &edges[k], &term);
		any_terminal |= term;
		k++;
		free(p);
	}

	/* transitions resolve inside the scope */
	int start_id = -1;
	if (is_str(start)) {
		for (int i = 0; i < n && !has_nul(start); i++)
			if (!strcmp(names[i], json_object_get_string(start)))
				start_id = i;
		if (has_nul(start))
			err(ck, ap, "'StartAt' holds U+0000 after '%s', which no state name can",
			    json_object_get_string(start));
		else if (start_id < 0)
			err(ck, ap, "'StartAt' names no state in this scope: '%s'%s",
			    json_object_get_string(start),
			    did_you_mean(json_object_get_string(start), names, n));
	}
	int *reached = xcalloc((size_t)n, sizeof *reached);
	int *queue = xcalloc((size_t)n + 1, sizeof *queue), qh = 0, qt = 0;
	bool dangling = false;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < edges[i].n; j++) {
			const char *tgt = edges[i].v[j].target;
			bool found = false;
			for (int m = 0; m < n && !edges[i].v[j].nul; m++)
				found |= !strcmp(names[m], tgt);
			if (!found && edges[i].v[j].nul) {
				dangling = true;
				err(ck, edges[i].v[j].ptr,
				    "missing transition target: the name holds U+0000 after '%s', "
				    "which no state name can",
				    tgt);
			} else if (!found) {
				struct json_object *elsewhere;
				dangling = true;
				err(ck, edges[i].v[j].ptr, "missing transition target: '%s'%s", tgt,
				    did_you_mean(tgt, names, n));
				if (json_object_object_get_ex(ck->names, tgt, &elsewhere))
					note_key(ck, json_object_get_string(elsewhere),
						 "'%s' is in another scope; transitions cannot cross "
						 "Parallel branches or Map processors",
						 tgt);
			}
		}
	if (!any_terminal && n > 0)
		err(ck, sp, "%s has no terminal state (End: true, Succeed or Fail)",
		    *cptr ? what : "the state machine");
	else if (start_id >= 0 && !dangling) {
		reached[start_id] = 1;
		queue[qt++] = start_id;
		while (qh < qt) {
			int i = queue[qh++];
			for (int j = 0; j < edges[i].n; j++)
				for (int m = 0; m < n; m++)
					if (!reached[m] && !strcmp(names[m], edges[i].v[j].target)) {
						reached[m] = 1;
						queue[qt++] = m;
					}
		}
		for (int i = 0; i < n; i++)
			if (!reached[i]) {
				char *p = pointer_join(sp, names[i]);
				err_key(ck, p, "state '%s' is not reachable from StartAt", names[i]);
				free(p);
			}
	}
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < edges[i].n; j++) {
			free(edges[i].v[j].target);
			free(edges[i].v[j].ptr);
		}
		free(edges[i].v);
	}
	free(edges);
	free(names);
	free(reached);
	free(queue);
	free(sp);
	free(ap);
}

/* --- the machine --- */

/* machine = { "StartAt", "States", "Comment"?, "Version"?, "TimeoutSeconds"?, "QueryLanguage"? } */
int check_definition(Diag *d, struct json_object *def, const CheckOpts *o)
{
	static const char *const top_fields[] = {"StartAt", "States", "Comment", "Version",
						 "TimeoutSeconds", "QueryLanguage", NULL};
	static const char *const versions[] = {"1.0", NULL};
	int before = d->nerrors;
	Ck ck = {d, o, QL_JSONPATH, json_object_new_object(), json_object_new_object()};
	if (!json_object_is_type(def, json_type_object)) {
		err(&ck, "", "definition must be a valid JSON object, not %s", type_name(def));
		goto out;
	}
	check_keys(&ck, "", def, top_fields, "the top level of a state machine");
	if (has(def, "QueryLanguage")) {
		struct json_object *q = get(def, "QueryLanguage");
		check_enum(&ck, "", def, "QueryLanguage", ql_names);
		if (is_str(q) && strcmp(json_object_get_string(q), "JSONPath") != 0)
			ck.top = QL_JSONATA;
	}
	check_enum(&ck, "", def, "Version", versions);
	check_int(&ck, "", def, "TimeoutSeconds", 0, 99999999, false);
	check_string(&ck, "", def, "Comment", false);
	check_scope(&ck, "", def, "the state machine", NULL);
	if (d->nerrors == before)
		types_check(d, def, o);
out:
	json_object_put(ck.names);
	json_object_put(ck.labels);
	return d->nerrors - before;
}
