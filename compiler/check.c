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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "jsonata.h"

/* --- reporting --- */

void vreport(Ck *ck, DiagKind k, const char *ptr, bool at_key, const char *fmt, va_list ap)
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

void ck_report(Ck *ck, DiagKind k, const char *ptr, bool at_key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(ck, k, ptr, at_key, fmt, ap);
	va_end(ap);
}

/* --- small helpers --- */

/* Characters, not bytes, of a UTF-8 string. */
size_t utf8_chars(const char *s)
{
	return aslrt_utf8_count(s, strlen(s));
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
const char *did_you_mean(const char *s, const char *const *cands, int n)
{
	static char buf[200];
	const char *g = suggest(s, cands, n);
	if (!g)
		return "";
	snprintf(buf, sizeof buf, "; did you mean '%s'?", g);
	return buf;
}

int strv_find(const char *const *v, const char *s)
{
	for (int i = 0; v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

int strv_len(const char *const *v)
{
	int n = 0;
	while (v[n])
		n++;
	return n;
}

/* Report the keys of o not in allowed (NULL-terminated). */
void check_keys(Ck *ck, const char *ptr, struct json_object *o, const char *const *allowed,
		const char *where)
{
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strv_find(allowed, key) >= 0)
			continue;
		char *p = pointer_join(ptr, key);
		err_key(ck, p, "field '%s' is not supported in %s%s", key, where,
			did_you_mean(key, allowed, strv_len(allowed)));
		free(p);
	}
}

void require(Ck *ck, const char *ptr, struct json_object *o, const char *key, const char *where)
{
	if (!has(o, key))
		err(ck, ptr, "%s is missing the required field '%s'", where, key);
}

/* At most one of the fields a and b. */
void exclusive(Ck *ck, const char *ptr, struct json_object *o, const char *a, const char *b)
{
	if (has(o, a) && has(o, b)) {
		char *p = pointer_join(ptr, b);
		err_key(ck, p, "only one of '%s' and '%s' may be given", a, b);
		free(p);
	}
}

/* --- numbers --- */

/* An integer field in [lo, hi]; a JSONata expression where jsonata. */
void check_int(Ck *ck, const char *sptr, struct json_object *o, const char *key, long long lo,
	       long long hi, bool jsonata)
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
	else if (json_object_get_int64(v) < lo && hi == LLONG_MAX)
		err(ck, p, "'%s' must be at least %lld, not %lld", key, lo,
		    (long long)json_object_get_int64(v));
	else if (json_object_get_int64(v) < lo || json_object_get_int64(v) > hi)
		err(ck, p, "'%s' must be between %lld and %lld, not %lld", key, lo, hi,
		    (long long)json_object_get_int64(v));
	free(p);
}

void check_number(Ck *ck, const char *sptr, struct json_object *o, const char *key, double lo,
		  double hi, bool jsonata)
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

void check_string(Ck *ck, const char *sptr, struct json_object *o, const char *key, bool jsonata)
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

void check_enum(Ck *ck, const char *sptr, struct json_object *o, const char *key,
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
		    is_str(v) ? did_you_mean(json_object_get_string(v), vals, strv_len(vals)) : "");
		buf_free(&b);
	}
	free(p);
}

/* --- scopes --- */

/*
 * scope = { "StartAt": name, "States": { name: state, ... }, "Comment"? }
 * The machine, each Parallel branch and each Map ItemProcessor.  Transitions
 * stay inside their scope; every state must be reachable from StartAt; some
 * state must end the scope.
 */
/* Adds each state name of the scope to the machine-wide list, or reports it
 * as a duplicate. */
static void declare_names(Ck *ck, const char *sp, struct json_object *states)
{
	json_object_object_foreach(states, dname, dst)
	{
		(void)dst;
		char *p = pointer_join(sp, dname);
		struct json_object *prev;
		if (json_object_object_get_ex(ck->names, dname, &prev)) {
			err_key(ck, p,
				"duplicate state name '%s'; state names must be unique in the "
				"whole state machine",
				dname);
			note_key(ck, json_object_get_string(prev), "'%s' is first defined here",
				 dname);
		} else {
			json_object_object_add(ck->names, dname, json_object_new_string(p));
		}
		free(p);
	}
}

/* Every transition names a state of the scope; true when one does not. */
static bool check_targets(Ck *ck, const char **names, const Edges *edges, int n)
{
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
					note_key(
					    ck, json_object_get_string(elsewhere),
					    "'%s' is in another scope; transitions cannot cross "
					    "Parallel branches or Map processors",
					    tgt);
			}
		}
	return dangling;
}

/* Every state of the scope is reached from StartAt (breadth first). */
static void check_reachable(Ck *ck, const char *sp, const char **names, const Edges *edges, int n,
			    int start_id)
{
	int *reached = xcalloc((size_t)n, sizeof *reached);
	int *queue = xcalloc((size_t)n + 1, sizeof *queue), qh = 0, qt = 0;
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
	free(reached);
	free(queue);
}

void check_scope(Ck *ck, const char *cptr, struct json_object *c, const char *what,
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
	declare_names(ck, sp, states);
	json_object_object_foreach(states, name, st)
	{
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
	bool dangling = check_targets(ck, names, edges, n);
	if (!any_terminal && n > 0)
		err(ck, sp, "%s has no terminal state (End: true, Succeed or Fail)",
		    *cptr ? what : "the state machine");
	else if (start_id >= 0 && !dangling)
		check_reachable(ck, sp, names, edges, n, start_id);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < edges[i].n; j++) {
			free(edges[i].v[j].target);
			free(edges[i].v[j].ptr);
		}
		free(edges[i].v);
	}
	free(edges);
	free(names);
	free(sp);
	free(ap);
}

/* --- the machine --- */

/* machine = { "StartAt", "States", "Comment"?, "Version"?, "TimeoutSeconds"?, "QueryLanguage"? } */
int check_definition(Diag *d, struct json_object *def, const CheckOpts *o)
{
	static const char *const top_fields[] = {
	    "StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage", NULL};
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
	/* 0..99999999: the language service schema (base.json, common.json
	 * $defs/seconds). */
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
