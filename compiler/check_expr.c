/*
 * check_expr.c - the checker's rules for the expressions inside a state:
 * JSONata expressions, paths and intrinsic calls, payload templates, Assign
 * and Choice rules.  See check.c for the walk that calls them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "jsonata.h"

/* --- JSONata --- */

/* A string is a JSONata expression when it begins "{%"; it must end "%}". */
void check_expr(Ck *ck, const char *ptr, const char *s)
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
	char ref[128];
	if (!e)
		err(ck, ptr, "invalid JSONata expression: %s", why);
	else if (aslrt_jsonata_top_level_ref(e, ref, sizeof ref))
		/* there is no input document: AWS refuses this at creation */
		err(ck, ptr,
		    "UNSUPPORTED_JSONATA_EXPRESSION: Reference to '%s' at the top level is not "
		    "supported.",
		    ref);
	else if (aslrt_jsonata_uses_variable(e, "eval"))
		warn(ck, ptr,
		     "'$eval' is not available in Step Functions (use '$parse'): calling it fails "
		     "with T1006 at run time");
	aslrt_jsonata_free(e);
	free(expr);
}

/* Any JSON value whose strings may be JSONata expressions, at any depth. */
void check_jsonata_value(Ck *ck, const char *ptr, struct json_object *v)
{
	if (is_jsonata(v)) {
		check_expr(ck, ptr, json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
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

/* Check a path string; returns false (after reporting) when it is bad. */
static bool check_path_text(Ck *ck, const char *ptr, const char *field, const char *s, PathKind k)
{
	char why[ASLRT_ERRLEN] = "";
	if (k == PATH_REF_OR_FN && s[0] != '$') {
		aslrt_fn *f = aslrt_fn_parse(s, why, sizeof why);
		if (!f) {
			err(ck, ptr,
			    "'%s' must be a Reference Path or an intrinsic function call: %s",
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
		err(ck, ptr, "'%s' cannot reference a variable; use Assign to set variables",
		    field);
		ok = false;
	} else if (k == PATH_REF_INPUT && aslrt_path_root(p) == ASLRT_ROOT_CONTEXT) {
		err(ck, ptr, "'%s' cannot read the Context object ($$)", field);
		ok = false;
	}
	aslrt_path_free(p);
	return ok;
}

/* A path-valued field of a state (absent is fine). */
void check_path_field(Ck *ck, const char *sptr, struct json_object *o, const char *key, PathKind k)
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
void check_template(Ck *ck, const char *ptr, struct json_object *v)
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
	json_object_object_foreach(v, key, val)
	{
		char *p = pointer_join(ptr, key);
		size_t n = strlen(key);
		if (n >= 2 && strcmp(key + n - 2, ".$") == 0) {
			char *plain = xstrdup(key);
			plain[n - 2] = 0;
			if (has(v, plain))
				err_key(ck, p, "'%s' and '%s' give the same field twice", plain,
					key);
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
				    "the value for the field '%s' must be a valid JSONPath or a "
				    "valid "
				    "intrinsic function call%s%s",
				    key, *why ? ": " : "", why);
		} else {
			check_template(ck, p, val);
		}
		free(p);
	}
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
void check_assign(Ck *ck, const char *ptr, struct json_object *v, QueryLang ql)
{
	if (!json_object_is_type(v, json_type_object)) {
		err(ck, ptr, "'Assign' must be an object, not %s", type_name(v));
		return;
	}
	json_object_object_foreach(v, key, val)
	{
		char *p = pointer_join(ptr, key);
		char *name = xstrdup(key);
		size_t n = strlen(name);
		if (ql == QL_JSONPATH && n >= 2 && strcmp(name + n - 2, ".$") == 0)
			name[n - 2] = 0;
		if (!*name)
			err_key(ck, p, "a variable name cannot be empty");
		else if (!valid_var_name(name))
			warn_key(ck, p,
				 "'%s' is not an identifier; JSONata and JSONPath can only "
				 "read it as $states-style bracket access",
				 name);
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

/* --- Choice rules --- */

/*
 * JSONPath rule  = boolean | data-test
 * boolean        = { "And": [rule+] } | { "Or": [rule+] } | { "Not": rule }
 * data-test      = { "Variable": Path, <one comparison operator>: operand }
 * JSONata rule   = { "Condition": true|false|"{% expr %}" }
 * Top-level rules also take "Next" (required), "Assign", JSONata "Output".
 */
/* A JSONata Choice rule: a Condition, and Output. */
static void check_jsonata_rule(Ck *ck, const char *ptr, struct json_object *r)
{
	static const char *const fields[] = {"Condition", "Next",    "Assign",
					     "Output",	  "Comment", NULL};
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
}

/* And, Or (non-empty arrays of rules) or Not (one rule). */
static void check_bool_rule(Ck *ck, const char *ptr, struct json_object *r, QueryLang ql, Edges *e)
{
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
	check_rules(ck, p, v, k, false, ql, e);
	free(p);
}

/* A data-test rule: its Variable, and an operand of the type operator op takes. */
static void check_data_test(Ck *ck, const char *ptr, struct json_object *r, const char *op)
{
	struct json_object *var = get(r, "Variable");
	if (!has(r, "Variable"))
		err(ck, ptr, "a Choice rule with '%s' is missing the required field 'Variable'",
		    op);
	else {
		char *p = pointer_join(ptr, "Variable");
		if (!is_str(var))
			err(ck, p, "'Variable' must be a path string, not %s", type_name(var));
		else
			check_path_text(ck, p, "Variable", json_object_get_string(var),
					PATH_CHOICE);
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
			err(ck, p, "'%s' pattern has an open backslash (escape '\\' as '\\\\')",
			    op);
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

void check_rules(Ck *ck, const char *p, struct json_object *v, const char *key, bool top,
		 QueryLang ql, Edges *e)
{
	if (!json_object_is_type(v, json_type_array))
		err(ck, p, "'%s' must be an array of Choice rules, not %s", key, type_name(v));
	else if (json_object_array_length(v) == 0)
		err(ck, p, "'%s' cannot be empty", key);
	else
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *ip = pointer_index(p, (int)i);
			check_rule(ck, ip, json_object_array_get_idx(v, i), top, ql, e);
			free(ip);
		}
}

void check_rule(Ck *ck, const char *ptr, struct json_object *r, bool top, QueryLang ql, Edges *e)
{
	if (!json_object_is_type(r, json_type_object)) {
		err(ck, ptr, "a Choice rule must be an object, not %s", type_name(r));
		return;
	}
	if (top) {
		if (!has(r, "Next"))
			err(ck, ptr,
			    "a top-level Choice rule is missing the required field 'Next'");
		else
			check_next_field(ck, ptr, r, e);
		if (has(r, "Assign")) {
			char *ap = pointer_join(ptr, "Assign");
			check_assign(ck, ap, get(r, "Assign"), ql);
			free(ap);
		}
	}
	if (ql == QL_JSONATA) {
		check_jsonata_rule(ck, ptr, r);
		return;
	}
	int nbool = 0, nops = 0, nunknown = 0;
	const char *op = NULL;
	json_object_object_foreach(r, key, val)
	{
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
		err(ck, ptr,
		    "a Choice rule must have exactly one comparison operator or one of "
		    "'And', 'Or', 'Not'");
		return;
	}
	if (nbool) {
		check_bool_rule(ck, ptr, r, ql, e);
		return;
	}
	check_data_test(ck, ptr, r, op);
}
