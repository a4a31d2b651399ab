/*
 * template.c - payload templates (Parameters, ResultSelector, ItemSelector,
 * JSONPath Assign) compiled once into a tree whose constant parts are built
 * at start-up; per execution only the ".$" fields are computed.
 *
 *   template = literal | { key: template, "key.$": expr, ... } | [ template ... ]
 *   expr     = Path ($..., $$..., $var...) | intrinsic call (States.X(...))
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "jsonata.h"

typedef enum { T_LIT, T_OBJ, T_ARR, T_PATH, T_FN } tkind;

struct tnode {
	tkind kind;
	struct json_object *lit; /* T_LIT (owned) */
	char **keys;		 /* T_OBJ: output keys */
	tnode **kids;		 /* T_OBJ, T_ARR */
	int n;
	char *field; /* T_PATH/T_FN: the field name with ".$" */
	char *text;  /* expression text */
	aslrt_path *path;
	aslrt_fn *fn;
};

/* Frees a template node's n keys (if any) and kids, each kid by free_kid. */
static void free_kids(int n, char **keys, void *kids, void (*free_kid)(void *kids, int i))
{
	for (int i = 0; i < n; i++) {
		if (keys)
			free(keys[i]);
		free_kid(kids, i);
	}
	free(keys);
	free(kids);
}

static void tmpl_free_kid(void *kids, int i)
{
	aslrt_tmpl_free(((tnode **)kids)[i]);
}

void aslrt_tmpl_free(tnode *t)
{
	if (!t)
		return;
	json_object_put(t->lit);
	free_kids(t->n, t->keys, t->kids, tmpl_free_kid);
	free(t->field);
	free(t->text);
	aslrt_path_free(t->path);
	aslrt_fn_free(t->fn);
	free(t);
}

tnode *aslrt_expr_compile(const char *field, const char *text, char *why, size_t whylen)
{
	tnode *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->field = strdup(field);
	t->text = strdup(text);
	if (text[0] == '$') {
		t->kind = T_PATH;
		t->path = aslrt_path_parse(text, why, whylen);
	} else {
		t->kind = T_FN;
		t->fn = aslrt_fn_parse(text, why, whylen);
	}
	if (!t->path && !t->fn) {
		aslrt_tmpl_free(t);
		return NULL;
	}
	return t;
}

static bool has_dynamic(struct json_object *v)
{
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			size_t n = strlen(key);
			if ((n >= 2 && strcmp(key + n - 2, ".$") == 0) || has_dynamic(val))
				return true;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (has_dynamic(json_object_array_get_idx(v, i)))
				return true;
	}
	return false;
}

tnode *aslrt_tmpl_compile(struct json_object *v, bool assign, char *why, size_t whylen)
{
	tnode *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	if (!has_dynamic(v)) {
		t->kind = T_LIT;
		t->lit = aslrt_json_copy(v);
		return t;
	}
	if (json_object_is_type(v, json_type_array)) {
		t->kind = T_ARR;
		t->n = (int)json_object_array_length(v);
		t->kids = calloc((size_t)t->n + 1, sizeof *t->kids);
		for (int i = 0; i < t->n; i++)
			if (!(t->kids[i] = aslrt_tmpl_compile(
				  json_object_array_get_idx(v, (size_t)i), false, why, whylen)))
				goto fail;
		return t;
	}
	t->kind = T_OBJ;
	int n = json_object_object_length(v);
	t->keys = calloc((size_t)n + 1, sizeof *t->keys);
	t->kids = calloc((size_t)n + 1, sizeof *t->kids);
	json_object_object_foreach(v, key, val)
	{
		size_t len = strlen(key);
		int i = t->n++;
		if (len >= 2 && strcmp(key + len - 2, ".$") == 0) {
			t->keys[i] = strndup(key, len - 2);
			if (!json_object_is_type(val, json_type_string)) {
				snprintf(why, whylen, "the value of '%s' must be a string", key);
				goto fail;
			}
			if (!(t->kids[i] = aslrt_expr_compile(key, json_object_get_string(val), why,
							      whylen)))
				goto fail;
		} else {
			t->keys[i] = strdup(key);
			if (!(t->kids[i] = aslrt_tmpl_compile(val, false, why, whylen)))
				goto fail;
		}
	}
	(void)assign;
	return t;
fail:
	aslrt_tmpl_free(t);
	return NULL;
}

static int eval_expr(aslrt_ctx *c, const tnode *t, struct json_object *input,
		     struct json_object **out)
{
	aslrt_env env;
	aslrt_env_make(c, input, &env);
	if (t->kind == T_PATH) {
		char why[ASLRT_ERRLEN];
		if (aslrt_path_eval(t->path, &env, out, why, sizeof why) == 0)
			return 0;
		char *in = aslrt_json_dump(input);
		aslrt_runtime_error(
		    c,
		    "The JSONPath '%s' specified for the field '%s' could not be found "
		    "in the input '%s'",
		    t->text, t->field, in);
		free(in);
		return -1;
	}
	aslrt_error e = {0};
	if (aslrt_fn_eval(t->fn, &env, out, &e) == 0)
		return 0;
	if (!e.name || strcmp(e.name, "States.Runtime") == 0)
		aslrt_runtime_error(c, "%s", e.cause ? e.cause : "");
	else
		aslrt_raise(c, e.name, "%s", e.cause ? e.cause : "");
	aslrt_error_clear(&e);
	return -1;
}

/* Compiled intrinsic calls (docs/ir.md, `lit` and `call`). */
struct json_object *aslrt_op_lit(aslrt_ctx *c, int k)
{
	return c->run->consts[k].json;
}

int aslrt_op_call(aslrt_ctx *c, int fn, int k, int kraw, struct json_object **r, const int *args,
		  int nargs, struct json_object **dst)
{
	struct json_object *argv[8], **v = argv;
	if (nargs > 8 && !(v = calloc((size_t)nargs, sizeof *v)))
		abort();
	for (int i = 0; i < nargs; i++)
		v[i] = r[args[i]];
	aslrt_error e = {0};
	int rc = aslrt_fn_apply(
	    fn, v, nargs, kraw >= 0 ? json_object_get_string(c->run->consts[kraw].json) : NULL,
	    json_object_get_string(c->run->consts[k].json), dst, &e);
	if (v != argv)
		free(v);
	if (rc < 0) {
		aslrt_runtime_error(c, "%s", e.cause ? e.cause : "");
		aslrt_error_clear(&e);
	}
	return rc;
}

/* States.MathAdd(a, b), the intrinsic every benchmark calls in its loop, with
 * an entry of its own: 7% of b1's time against aslrt_op_call's array. */
int aslrt_op_math_add(aslrt_ctx *c, int k, struct json_object *a, struct json_object *b,
		      struct json_object **dst)
{
	if ((*dst = aslrt_fn_add_ints(a, b)))
		return 0;
	struct json_object *r[2] = {a, b};
	static const int args[2] = {0, 1};
	return aslrt_op_call(c, ASLRT_FN_MATH_ADD, k, -1, r, args, 2, dst);
}

/* Evaluates kid i of `node` (a tnode or a jnode) against `env`. */
typedef int kid_fn(aslrt_ctx *c, const void *node, int i, struct json_object *env,
		   struct json_object **out);

/* An array, or an object with `keys`, of a template node's n evaluated kids. */
static int build_container(aslrt_ctx *c, bool obj, int n, char **keys, kid_fn *eval_kid,
			   const void *node, struct json_object *env, struct json_object **out)
{
	struct json_object *r = obj ? json_object_new_object() : json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct json_object *v;
		if (eval_kid(c, node, i, env, &v)) {
			json_object_put(r);
			return -1;
		}
		if (obj)
			json_object_object_add(r, keys[i], v);
		else
			json_object_array_add(r, v);
	}
	*out = r;
	return 0;
}

static int tmpl_kid(aslrt_ctx *c, const void *node, int i, struct json_object *input,
		    struct json_object **out)
{
	return aslrt_tmpl_eval(c, ((const tnode *)node)->kids[i], input, out);
}

int aslrt_tmpl_eval(aslrt_ctx *c, const tnode *t, struct json_object *input,
		    struct json_object **out)
{
	switch (t->kind) {
	case T_LIT:
		*out = aslrt_json_copy(t->lit);
		return 0;
	case T_PATH:
	case T_FN:
		return eval_expr(c, t, input, out);
	case T_ARR:
	case T_OBJ:
		return build_container(c, t->kind == T_OBJ, t->n, t->keys, tmpl_kid, t, input, out);
	}
	return -1;
}

/*
 * JSONata templates: a field of a JSONata state (Arguments, Output, Assign,
 * Condition, Items, ItemSelector, ...) is any JSON value in which every string
 * "{% expr %}", at any depth, is an expression evaluated with $states and the
 * variables bound; other values are literals.  `loc` is the field's location
 * as AWS names it in causes ("Output/result", "Choices[0]/Condition").
 */
typedef enum { JN_LIT, JN_OBJ, JN_ARR, JN_EXPR } jkind;

struct jnode {
	jkind kind;
	struct json_object *lit;
	char **keys;
	jnode **kids;
	int n;
	char *loc;  /* JN_EXPR: where, for causes */
	char *text; /* JN_EXPR: the expression between {% and %} */
	aslrt_jsonata *expr;
};

static void jtmpl_free_kid(void *kids, int i)
{
	aslrt_jtmpl_free(((jnode **)kids)[i]);
}

void aslrt_jtmpl_free(jnode *t)
{
	if (!t)
		return;
	json_object_put(t->lit);
	free_kids(t->n, t->keys, t->kids, jtmpl_free_kid);
	free(t->loc);
	free(t->text);
	aslrt_jsonata_free(t->expr);
	free(t);
}

const char *aslrt_jtmpl_text(const jnode *t)
{
	return t->kind == JN_EXPR ? t->text : "";
}

bool aslrt_is_jsonata(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return false;
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	return n >= 4 && strncmp(s, "{%", 2) == 0 && strcmp(s + n - 2, "%}") == 0;
}

static bool has_jsonata(struct json_object *v)
{
	if (aslrt_is_jsonata(v))
		return true;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			(void)key;
			if (has_jsonata(val))
				return true;
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (has_jsonata(json_object_array_get_idx(v, i)))
				return true;
	}
	return false;
}

jnode *aslrt_jtmpl_compile(struct json_object *v, const char *loc, char *why, size_t whylen)
{
	jnode *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	if (!has_jsonata(v)) {
		t->kind = JN_LIT;
		t->lit = aslrt_json_copy(v);
		return t;
	}
	if (aslrt_is_jsonata(v)) {
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		t->kind = JN_EXPR;
		t->loc = strdup(loc);
		/* the expression between the delimiters, without surrounding space */
		const char *b = s + 2, *e = s + n - 2;
		while (b < e && strchr(" \t\r\n", *b))
			b++;
		while (e > b && strchr(" \t\r\n", e[-1]))
			e--;
		t->text = strndup(b, (size_t)(e - b));
		if (!(t->expr = aslrt_jsonata_parse(t->text, why, whylen))) {
			aslrt_jtmpl_free(t);
			return NULL;
		}
		char ref[128];
		if (aslrt_jsonata_top_level_ref(t->expr, ref, sizeof ref)) {
			/* no input document in Step Functions (see aslc check) */
			snprintf(
			    why, whylen,
			    "UNSUPPORTED_JSONATA_EXPRESSION: Reference to '%s' at the top level is "
			    "not supported. at %s",
			    ref, loc);
			aslrt_jtmpl_free(t);
			return NULL;
		}
		return t;
	}
	char *sub;
	if (json_object_is_type(v, json_type_array)) {
		t->kind = JN_ARR;
		t->n = (int)json_object_array_length(v);
		t->kids = calloc((size_t)t->n + 1, sizeof *t->kids);
		for (int i = 0; i < t->n; i++) {
			if (asprintf(&sub, "%s[%d]", loc, i) < 0)
				abort();
			t->kids[i] = aslrt_jtmpl_compile(json_object_array_get_idx(v, (size_t)i),
							 sub, why, whylen);
			free(sub);
			if (!t->kids[i])
				goto fail;
		}
		return t;
	}
	t->kind = JN_OBJ;
	t->keys = calloc((size_t)json_object_object_length(v) + 1, sizeof *t->keys);
	t->kids = calloc((size_t)json_object_object_length(v) + 1, sizeof *t->kids);
	json_object_object_foreach(v, key, val)
	{
		int i = t->n++;
		t->keys[i] = strdup(key);
		if (asprintf(&sub, "%s%s%s", loc, *loc ? "/" : "", key) < 0)
			abort();
		t->kids[i] = aslrt_jtmpl_compile(val, sub, why, whylen);
		free(sub);
		if (!t->kids[i])
			goto fail;
	}
	return t;
fail:
	aslrt_jtmpl_free(t);
	return NULL;
}

static int jeval(aslrt_ctx *c, const jnode *t, struct json_object *bindings,
		 struct json_object **out);

static int jn_kid(aslrt_ctx *c, const void *node, int i, struct json_object *bindings,
		  struct json_object **out)
{
	return jeval(c, ((const jnode *)node)->kids[i], bindings, out);
}

static int jeval(aslrt_ctx *c, const jnode *t, struct json_object *bindings,
		 struct json_object **out)
{
	switch (t->kind) {
	case JN_LIT:
		*out = aslrt_json_copy(t->lit);
		return 0;
	case JN_EXPR: {
		bool undefined = false;
		aslrt_error e = {0};
		aslrt_jsonata_limits lim = {0};
		lim.input_undefined = true;
		/* A bound in time besides depth and memory: an expression that
		 * loops without allocating stops with U1001 too. */
		lim.time_limit_ms = 10000;
		if (aslrt_jsonata_eval_ex(t->expr, NULL, bindings, &lim, out, &undefined, &e)) {
			aslrt_query_error(
			    c,
			    "The JSONata expression '%s' specified for the field '%s' threw "
			    "an error during evaluation. %s",
			    t->text, t->loc, e.cause ? e.cause : "");
			aslrt_error_clear(&e);
			return -1;
		}
		if (undefined)
			return aslrt_query_error(
			    c,
			    "The JSONata expression '%s' specified for the field '%s' "
			    "returned nothing (undefined).",
			    t->text, t->loc);
		return 0;
	}
	case JN_ARR:
	case JN_OBJ:
		return build_container(c, t->kind == JN_OBJ, t->n, t->keys, jn_kid, t, bindings,
				       out);
	}
	return -1;
}

/* $states = {input, context, result?, errorOutput?}; the variables beside it. */
int aslrt_jtmpl_eval(aslrt_ctx *c, const jnode *t, struct json_object *input,
		     struct json_object *result, struct json_object *error_output,
		     struct json_object **out)
{
	if (t->kind == JN_LIT) {
		*out = aslrt_json_copy(t->lit);
		return 0;
	}
	struct json_object *b = json_object_new_object(), *states = json_object_new_object();
	aslrt_vars_all(c);
	json_object_object_foreach(c->vars, key, val)
	    json_object_object_add(b, key, json_object_get(val));
	json_object_object_add(states, "input", json_object_get(input));
	json_object_object_add(states, "context", json_object_get(aslrt_ctx_context(c)));
	if (result != ASLRT_ABSENT)
		json_object_object_add(states, "result", json_object_get(result));
	if (error_output)
		json_object_object_add(states, "errorOutput", json_object_get(error_output));
	json_object_object_add(b, "states", states);
	int rc = jeval(c, t, b, out);
	json_object_put(b);
	return rc;
}
