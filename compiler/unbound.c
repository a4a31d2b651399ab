/*
 * unbound.c - with --bindings FILE, warn about every Task the file leaves
 * without an implementation: the executable would fail it with States.Runtime
 * unless it runs with another bindings file, a mock config or a C handler.
 * Warnings only; without --bindings nothing is said (bindings may come at
 * run time), so existing diagnostics do not change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"
#include "bindings.h"

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* The Task's key can be known before the run: no FunctionName.$ or
 * StateMachineArn.$ that only the execution resolves. */
static bool computed(struct json_object *params, const char *key)
{
	struct json_object *v = member(params, key);
	const char *s = json_object_get_string(v);
	/* A JSONata field is a string "{% ... %}" */
	return !json_object_is_type(v, json_type_string) || strncmp(s, "{%", 2) == 0;
}

static bool key_is_dynamic(const char *resource, struct json_object *params)
{
	if (aslrt_is_lambda_invoke(resource))
		return computed(params, "FunctionName");
	if (strncmp(resource, "arn:aws:states:::states:startExecution", 38) == 0)
		return member(params, "StateMachineArn") && computed(params, "StateMachineArn");
	return false;
}

static void walk(Diag *d, aslrt_bindset *s, const char *ptr, struct json_object *states)
{
	/* main.c runs this only on a definition without errors; a States
	 * that is not an object must still not reach the foreach (NULL) */
	if (!json_object_is_type(states, json_type_object))
		return;
	json_object_object_foreach(states, name, st)
	{
		char *sp = pointer_join(ptr, name);
		const char *type = json_object_get_string(member(st, "Type"));
		struct json_object *res = member(st, "Resource");
		if (type && strcmp(type, "Task") == 0 &&
		    json_object_is_type(res, json_type_string)) {
			const char *r = json_object_get_string(res);
			struct json_object *params = member(st, "Parameters");
			if (!params)
				params = member(st, "Arguments");
			if (!key_is_dynamic(r, params) &&
			    strcmp(r, "arn:aws:states:::http:invoke") != 0 &&
			    !aslrt_binding_find(&s, 1, r, params)) {
				const char *fn =
				    aslrt_is_lambda_invoke(r)
					? json_object_get_string(member(params, "FunctionName"))
					: r;
				char *rp = pointer_join(sp, "Resource");
				warn_at(
				    d, rp,
				    "Task '%s': %s binds nothing to '%s'; the executable fails it "
				    "unless run with a --bindings file that does (Command, Url or "
				    "Executable), --mock-config, or a --handlers handler",
				    name, s->file, fn ? fn : r);
				free(rp);
			}
		}
		struct json_object *br = member(st, "Branches");
		for (size_t i = 0;
		     json_object_is_type(br, json_type_array) && i < json_object_array_length(br);
		     i++) {
			char *bs = pointer_join(sp, "Branches");
			char *bp = pointer_index(bs, (int)i);
			char *p = pointer_join(bp, "States");
			free(bs);
			walk(d, s, p, member(json_object_array_get_idx(br, i), "States"));
			free(p);
			free(bp);
		}
		const char *procs[] = {"ItemProcessor", "Iterator"};
		for (int i = 0; i < 2; i++) {
			struct json_object *pr = member(st, procs[i]);
			if (!pr)
				continue;
			char *pp = pointer_join(sp, procs[i]);
			char *p = pointer_join(pp, "States");
			walk(d, s, p, member(pr, "States"));
			free(p);
			free(pp);
		}
		free(sp);
	}
}

int check_unbound(Diag *d, struct json_object *def, const char *file)
{
	char why[4096];
	aslrt_bindset *s = aslrt_bindset_load(file, why, sizeof why);
	if (!s) {
		fprintf(stderr, "aslc: %s\n", why);
		return -1;
	}
	struct json_object *states = member(def, "States");
	if (json_object_is_type(states, json_type_object))
		walk(d, s, "/States", states);
	aslrt_bindset_free(s);
	return 0;
}
