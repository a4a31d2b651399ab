/*
 * subst.c - DefinitionSubstitutions: `${Key}` placeholders in a definition,
 * replaced by values from --define K=V and --definitions-file F.json before
 * the definition is checked, as CloudFormation and SAM do at deployment.
 *
 * CloudFormation's DefinitionSubstitutions is a map of string to string
 * (numbers and booleans are accepted and written as text); a placeholder is
 * replaced wherever it occurs in a string value of the definition.  Object
 * keys are left alone.  A `${...}` with no value is kept as text, since
 * strings may legitimately hold it, except in a Resource, where it can only
 * be a forgotten substitution: an error naming the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"

void defines_set(Defines *d, const char *key, const char *val)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->keys[i], key) == 0) {
			free(d->vals[i]);
			d->vals[i] = xstrdup(val);
			return;
		}
	int n = d->n;
	vec_push(&d->keys, &n, xstrdup(key));
	vec_push(&d->vals, &d->n, xstrdup(val));
}

void defines_free(Defines *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->keys[i]);
		free(d->vals[i]);
	}
	free(d->keys);
	free(d->vals);
	memset(d, 0, sizeof *d);
}

int defines_parse_arg(Defines *d, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv) {
		fprintf(stderr, "aslc: --define needs KEY=VALUE, not '%s'\n", kv);
		return -1;
	}
	char *key = xstrdup(kv);
	key[eq - kv] = 0;
	defines_set(d, key, eq + 1);
	free(key);
	return 0;
}

int defines_load_file(Defines *d, const char *path)
{
	struct json_object *o = json_object_from_file(path);
	if (!o) {
		const char *why = json_util_get_last_err();
		fprintf(stderr, "aslc: cannot read definitions file %s: %s", path,
			why ? why : "not JSON\n");
		return -1;
	}
	if (!json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "aslc: %s: a definitions file is a JSON object of KEY: VALUE\n",
			path);
		json_object_put(o);
		return -1;
	}
	int rc = 0;
	json_object_object_foreach(o, k, v)
	{
		json_type t = json_object_get_type(v);
		if (t != json_type_string && t != json_type_int && t != json_type_double &&
		    t != json_type_boolean) {
			fprintf(stderr,
				"aslc: %s: the value of '%s' must be a string, number or boolean\n",
				path, k);
			rc = -1;
			continue;
		}
		defines_set(d, k, json_object_get_string(v));
	}
	json_object_put(o);
	return rc;
}

static const char *lookup(const Defines *d, const char *key, size_t n)
{
	for (int i = 0; i < d->n; i++)
		if (strlen(d->keys[i]) == n && memcmp(d->keys[i], key, n) == 0)
			return d->vals[i];
	return NULL;
}

/* Replace the known placeholders of one string; report the unknown ones
 * left in a Resource. */
static void subst_string(Diag *diag, struct json_object *s, const char *ptr, const Defines *d,
			 bool resource)
{
	const char *t = json_object_get_string(s);
	if (!strstr(t, "${"))
		return;
	Buf b = {0};
	bool changed = false;
	for (const char *p = t; *p;) {
		const char *end;
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}'))) {
			const char *v = lookup(d, p + 2, (size_t)(end - p - 2));
			if (v) {
				buf_puts(&b, v);
				changed = true;
			} else {
				if (resource)
					error_at(diag, ptr,
						 "'${%.*s}' in Resource has no value: substitute "
						 "it with "
						 "--define %.*s=VALUE or --definitions-file",
						 (int)(end - p - 2), p + 2, (int)(end - p - 2),
						 p + 2);
				buf_put(&b, p, (size_t)(end - p + 1));
			}
			p = end + 1;
		} else {
			buf_put(&b, p++, 1);
		}
	}
	if (changed) {
		json_object_set_string(s, b.s);
	}
	buf_free(&b);
}

static void walk(Diag *diag, struct json_object *v, const char *ptr, const char *key,
		 const Defines *d)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		subst_string(diag, v, ptr, d, key && strcmp(key, "Resource") == 0);
		break;
	case json_type_object: {
		json_object_object_foreach(v, k, child)
		{
			char *p = pointer_join(ptr, k);
			walk(diag, child, p, k, d);
			free(p);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = pointer_index(ptr, (int)i);
			walk(diag, json_object_array_get_idx(v, i), p, NULL, d);
			free(p);
		}
		break;
	default:
		break;
	}
}

int subst_definition(Diag *diag, struct json_object *def, const Defines *d)
{
	int before = diag->nerrors;
	walk(diag, def, "", NULL, d);
	return diag->nerrors - before;
}
