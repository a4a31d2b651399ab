/*
 * eval.c - JSONPath evaluation (Jayway's PathToken.evaluate family) and
 * ResultPath stores.
 */
#include "path_int.h"

/* --- evaluation (Jayway's PathToken.evaluate family) --- */

int aslrt_path_fail(aslrt_path_ctx *c, int code, const char *fmt, ...)
{
	if (c->why) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool is_map(struct json_object *m)
{
	return m != JNULL && json_object_is_type(m, json_type_object);
}

static bool is_array(struct json_object *m)
{
	return m != JNULL && json_object_is_type(m, json_type_array);
}

/* The class Jackson gives a node, for Jayway's "but found '%s'". */
static const char *java_class(struct json_object *m)
{
	if (m == JNULL)
		return "null";
	switch (json_object_get_type(m)) {
	case json_type_null:
		return "com.fasterxml.jackson.databind.node.NullNode";
	case json_type_boolean:
		return "com.fasterxml.jackson.databind.node.BooleanNode";
	case json_type_double:
		return "com.fasterxml.jackson.databind.node.DoubleNode";
	case json_type_int: {
		int64_t v = json_object_get_int64(m);
		if (v == INT64_MAX && json_object_get_uint64(m) > INT64_MAX)
			return "com.fasterxml.jackson.databind.node.BigIntegerNode";
		if (v > INT32_MAX || v < INT32_MIN)
			return "com.fasterxml.jackson.databind.node.LongNode";
		return "com.fasterxml.jackson.databind.node.IntNode";
	}
	case json_type_string:
		return "com.fasterxml.jackson.databind.node.TextNode";
	case json_type_array:
		return "com.fasterxml.jackson.databind.node.ArrayNode";
	case json_type_object:
		return "com.fasterxml.jackson.databind.node.ObjectNode";
	}
	return "null";
}

static int ev_step(aslrt_path_ctx *c, int i, struct json_object *m);

static void add_result(aslrt_path_ctx *c, struct json_object *m)
{
	aslrt_path_vec_push(&c->res, m == JNULL ? NULL : m);
}

static int ev_next(aslrt_path_ctx *c, int i, struct json_object *m)
{
	if (i == c->p->n - 1) {
		add_result(c, m);
		return EV_OK;
	}
	return ev_step(c, i + 1, m);
}

/* "Filter: %s ..." prints the token's toString(): this fragment and all after. */
static char *suffix(const aslrt_path *p, int i)
{
	aslrt_path_buf b = {0};
	aslrt_path_buf_put(&b, "", 0);
	for (; i < p->n; i++)
		aslrt_path_buf_str(&b, p->steps[i].frag);
	return b.s;
}

/* "Filter: <suffix> <what>. Current context is: <m>" */
static int fail_model(aslrt_path_ctx *c, int code, const char *what, int i, struct json_object *m)
{
	char *sfx = suffix(c->p, i);
	char *js = aslrt_json_dump(m == JNULL ? NULL : m);
	int rc = aslrt_path_fail(c, code, "Filter: %s %s. Current context is: %s", sfx, what, js);
	free(sfx);
	free(js);
	return rc;
}

/* "[k]" onto a rendered path, without printf. */
static void put_index(aslrt_path_buf *b, long k)
{
	char tmp[24], *e = tmp + sizeof tmp, *d = e;
	unsigned long u = k < 0 ? 0 - (unsigned long)k : (unsigned long)k;
	*--d = ']';
	do
		*--d = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (k < 0)
		*--d = '-';
	*--d = '[';
	aslrt_path_buf_put(b, d, (size_t)(e - d));
}

/* One step onto the current path; name NULL for an index.  Popped by
 * setting c->nseg back. */
static void seg_push(aslrt_path_ctx *c, const char *name, size_t len, long idx)
{
	if (c->nseg == c->segcap) {
		bool local = c->seg == c->seg_local;
		size_t cap = (size_t)c->segcap * 2;
		aslrt_path_seg *g = aslrt_path_xrealloc(local ? NULL : c->seg, cap * sizeof *g);
		if (local)
			memcpy(g, c->seg, (size_t)c->nseg * sizeof *g);
		c->seg = g;
		c->segcap = (int)cap;
	}
	c->seg[c->nseg++] = (aslrt_path_seg){name, len, idx};
}

/* The current path as Jayway prints it ($['a'][0]), for a message. */
static const char *cur_path(aslrt_path_ctx *c)
{
	aslrt_path_buf_trunc(&c->cur, 0);
	aslrt_path_buf_put(&c->cur, c->p->rootch == '@' ? "@" : "$", 1);
	for (int k = 0; k < c->nseg; k++) {
		const aslrt_path_seg *g = &c->seg[k];
		if (!g->name) {
			put_index(&c->cur, g->idx);
			continue;
		}
		aslrt_path_buf_str(&c->cur, "['");
		aslrt_path_buf_put(&c->cur, g->name, g->len);
		aslrt_path_buf_str(&c->cur, "']");
	}
	return c->cur.s;
}

/* PathToken.handleObjectProperty for one property. */
/* hash: the name's aslrt_key_hash, or NULL to compute it */
static int handle_property(aslrt_path_ctx *c, int i, struct json_object *m, const char *name,
			   size_t nlen, const unsigned long *hash)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	bool leaf = i == c->p->n - 1;
	int mark = c->nseg;
	seg_push(c, name, nlen, 0);
	struct json_object *v;
	int rc = EV_OK;
	if (hash ? !aslrt_key_get(m, name, *hash, &v) : !json_object_object_get_ex(m, name, &v)) {
		if (leaf) {
			if (c->require)
				rc = aslrt_path_fail(c, EV_NOTFOUND, "No results for path: %s",
						     cur_path(c));
		} else if ((s->updef && s->definite) || c->require) {
			rc = aslrt_path_fail(c, EV_NOTFOUND, "Missing property in path %s",
					     cur_path(c));
		}
		c->nseg = mark;
		return rc;
	}
	if (leaf) {
		int up = c->upidx[i];
		char idx[32];
		if (up != -1)
			snprintf(idx, sizeof idx, "[%d]", up);
		const char *prev = c->p->n >= 2 ? c->p->steps[c->p->n - 2].frag : "$";
		if (up == -1 || strcmp(prev, idx) == 0)
			add_result(c, v);
	} else {
		rc = ev_step(c, i + 1, v);
	}
	c->nseg = mark;
	return rc;
}

/* PathToken.handleArrayIndex, with Jackson's ArrayNode.get (null when out
 * of range). */
static int handle_index(aslrt_path_ctx *c, int i, struct json_object *m, long index)
{
	int mark = c->nseg;
	seg_push(c, NULL, 0, index);
	long len = (long)json_object_array_length(m);
	long eff = index < 0 ? len + index : index;
	struct json_object *v =
	    eff >= 0 && eff < len ? json_object_array_get_idx(m, (size_t)eff) : JNULL;
	int rc = ev_next(c, i, v);
	c->nseg = mark;
	return rc;
}

/* ArrayPathToken.checkArrayModel: 1 to go on, 0 to skip, or an error. */
static int check_array(aslrt_path_ctx *c, int i, struct json_object *m, int *rc)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	*rc = EV_OK;
	if (m == JNULL) {
		if (!s->updef)
			return 0;
		*rc = aslrt_path_fail(c, EV_NOTFOUND, "The path %s is null", cur_path(c));
		return 0;
	}
	if (!is_array(m)) {
		if (!s->updef)
			return 0;
		*rc = fail_model(c, EV_NOTFOUND, "can only be applied to arrays", i, m);
		return 0;
	}
	return 1;
}

static int ev_props(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	bool leaf = i == c->p->n - 1;
	if (!is_map(m)) {
		if (!s->updef)
			return EV_OK;
		return aslrt_path_fail(
		    c, EV_NOTFOUND,
		    "Expected to find an object with property %s in path %s but found '%s'. "
		    "This is not a json object according to the JsonProvider: "
		    "'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
		    s->frag, cur_path(c), java_class(m));
	}
	if (s->kind == PK_FIELD)
		return handle_property(c, i, m, s->names[0], s->namelens[0], &s->hashes[0]);
	if (leaf) {
		/* Several properties at the end: one merged object. */
		struct json_object *merged = json_object_new_object();
		aslrt_path_vec_push(&c->owned, merged);
		for (int k = 0; k < s->nnames; k++) {
			struct json_object *v;
			if (aslrt_key_get(m, s->names[k], s->hashes[k], &v)) {
				json_object_object_add(merged, s->names[k], json_object_get(v));
			} else if (c->require) {
				cur_path(c);
				aslrt_path_buf_put(&c->cur, "[", 1);
				for (int j = 0; j < s->nnames; j++) {
					aslrt_path_buf_str(&c->cur, j ? ", '" : "'");
					aslrt_path_buf_put(&c->cur, s->names[j], s->namelens[j]);
					aslrt_path_buf_str(&c->cur, "'");
				}
				aslrt_path_buf_put(&c->cur, "]", 1);
				int rc = aslrt_path_fail(c, EV_NOTFOUND,
							 "Missing property in path %s", c->cur.s);
				return rc;
			}
		}
		add_result(c, merged);
		return EV_OK;
	}
	for (int k = 0; k < s->nnames; k++) {
		int rc = handle_property(c, i, m, s->names[k], s->namelens[k], &s->hashes[k]);
		if (rc)
			return rc;
	}
	return EV_OK;
}

static int ev_slice(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	long len = (long)json_object_array_length(m), from = s->from, to = s->to, k;
	int rc = EV_OK;
	switch (s->slice) {
	case SL_FROM:
		if (from < 0)
			from += len;
		if (from < 0)
			from = 0;
		for (k = from; k < len && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	case SL_BETWEEN:
		if (to > len)
			to = len;
		if (from >= to || len == 0)
			break;
		for (k = from; k < to && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	case SL_TO:
		if (len == 0)
			break;
		if (to < 0)
			to += len;
		if (to > len)
			to = len;
		for (k = 0; k < to && !rc; k++)
			rc = handle_index(c, i, m, k);
		break;
	}
	return rc;
}

/* ScanPathToken: does the step after '..' apply to this node? */
static bool scan_pred(aslrt_path_ctx *c, int pt, struct json_object *m, int *rc)
{
	const struct aslrt_path_step *s = &c->p->steps[pt];
	switch (s->kind) {
	case PK_FIELD:
	case PK_PROPS:
		if (!is_map(m))
			return false;
		if (!s->definite)
			return true;
		for (int k = 0; k < s->nnames; k++)
			if (!aslrt_key_get(m, s->names[k], s->hashes[k], NULL))
				return false;
		return true;
	case PK_INDEX:
	case PK_INDEXES:
	case PK_SLICE:
		return is_array(m);
	case PK_WILD:
		return true;
	case PK_FILTER: {
		int a = aslrt_path_filter_accept(c, s->filter, m);
		if (a < 0) {
			*rc = EV_INVALID;
			return false;
		}
		return a;
	}
	case PK_SCAN:
		return false;
	}
	return false;
}

static int walk(aslrt_path_ctx *c, int pt, struct json_object *m)
{
	int rc = EV_OK;
	bool leaf = pt == c->p->n - 1;
	if (is_map(m)) {
		if (scan_pred(c, pt, m, &rc))
			rc = ev_step(c, pt, m);
		if (rc)
			return rc;
		json_object_object_foreach(m, key, v)
		{
			int mark = c->nseg;
			seg_push(c, key, strlen(key), 0);
			rc = walk(c, pt, v);
			c->nseg = mark;
			if (rc)
				return rc;
		}
	} else if (is_array(m)) {
		size_t n = json_object_array_length(m);
		if (scan_pred(c, pt, m, &rc)) {
			if (leaf) {
				rc = ev_step(c, pt, m);
			} else {
				for (size_t k = 0; k < n && !rc; k++) {
					int mark = c->nseg;
					seg_push(c, NULL, 0, (long)k);
					c->upidx[pt + 1] = (int)k;
					rc = ev_step(c, pt + 1, json_object_array_get_idx(m, k));
					c->nseg = mark;
				}
			}
		}
		for (size_t k = 0; k < n && !rc; k++) {
			int mark = c->nseg;
			seg_push(c, NULL, 0, (long)k);
			rc = walk(c, pt, json_object_array_get_idx(m, k));
			c->nseg = mark;
		}
	}
	return rc;
}

static int ev_step(aslrt_path_ctx *c, int i, struct json_object *m)
{
	const struct aslrt_path_step *s = &c->p->steps[i];
	int rc = EV_OK;
	switch (s->kind) {
	case PK_FIELD:
	case PK_PROPS:
		return ev_props(c, i, m);
	case PK_INDEX:
	case PK_INDEXES:
		if (!check_array(c, i, m, &rc))
			return rc;
		for (int k = 0; k < s->nidx && !rc; k++)
			rc = handle_index(c, i, m, s->idx[k]);
		return rc;
	case PK_SLICE:
		if (!check_array(c, i, m, &rc))
			return rc;
		return ev_slice(c, i, m);
	case PK_WILD:
		if (is_map(m)) {
			json_object_object_foreach(m, key, v)
			{
				(void)v;
				rc = handle_property(c, i, m, key, strlen(key), NULL);
				if (rc)
					return rc;
			}
		} else if (is_array(m)) {
			size_t n = json_object_array_length(m);
			for (size_t k = 0; k < n && !rc; k++)
				rc = handle_index(c, i, m, (long)k);
		}
		return rc;
	case PK_SCAN:
		return walk(c, i + 1, m);
	case PK_FILTER:
		if (is_map(m)) {
			int a = aslrt_path_filter_accept(c, s->filter, m);
			if (a < 0)
				return EV_INVALID;
			return a ? ev_next(c, i, m) : EV_OK;
		}
		if (is_array(m)) {
			size_t n = json_object_array_length(m);
			for (size_t k = 0; k < n && !rc; k++) {
				int a = aslrt_path_filter_accept(c, s->filter,
								 json_object_array_get_idx(m, k));
				if (a < 0)
					return EV_INVALID;
				if (a)
					rc = handle_index(c, i, m, (long)k);
			}
			return rc;
		}
		if (s->updef)
			return fail_model(c, EV_INVALID, "can not be applied to primitives", i, m);
		return EV_OK;
	}
	return EV_OK;
}

void aslrt_path_ctx_free(aslrt_path_ctx *c)
{
	for (int k = 0; k < c->owned.n; k++)
		json_object_put(c->owned.v[k]);
	free(c->owned.v);
	free(c->res.v);
	if (c->upidx != c->upidx_local)
		free(c->upidx);
	if (c->seg != c->seg_local)
		free(c->seg);
	free(c->cur.s);
}

/* Run p over doc; the results stay in c (borrowed) until ctx_free. */
int aslrt_path_run(aslrt_path_ctx *c, const aslrt_path *p, struct json_object *doc,
		   struct json_object *root, bool require, char *why, size_t whylen)
{
	memset(c, 0, sizeof *c);
	c->p = p;
	c->root = root;
	c->require = require;
	c->why = why;
	c->whylen = whylen;
	c->upidx = p->n < ASLRT_PATH_LOCAL ? c->upidx_local
					   : aslrt_path_xcalloc((size_t)p->n + 1, sizeof *c->upidx);
	for (int i = 0; i <= p->n; i++)
		c->upidx[i] = -1;
	c->seg = c->seg_local;
	c->segcap = ASLRT_PATH_LOCAL;
	if (p->n == 0) {
		add_result(c, doc);
		return EV_OK;
	}
	return ev_step(c, 0, doc);
}

/* The string Jayway's PathCompiler.toString gives the whole path. */
static char *path_string(const aslrt_path *p)
{
	aslrt_path_buf b = {0};
	aslrt_path_buf_put(&b, "$", 1);
	for (int i = 0; i < p->n; i++)
		aslrt_path_buf_str(&b, p->steps[i].frag);
	return b.s;
}

bool aslrt_env_var(const aslrt_env *env, const char *name, struct json_object **v)
{
	if (env->vars && json_object_object_get_ex(env->vars, name, v))
		return true;
	return env->fetch_var && env->fetch_var(env, name, v);
}

/* A path of plain fields ($.a.b) found all along: direct look-ups, no
 * evaluation context (most paths of a template).  false for any other path
 * and on any miss, which the full evaluation reports in Jayway's words. */
bool aslrt_path_fields_found(const aslrt_path *p, struct json_object *doc, struct json_object **v)
{
	struct json_object *m = doc;
	for (int i = 0; i < p->n; i++) {
		const struct aslrt_path_step *s = &p->steps[i];
		if (s->kind != PK_FIELD || !is_map(m) ||
		    !aslrt_key_get(m, s->names[0], s->hashes[0], &m))
			return false;
	}
	*v = m;
	return true;
}

int aslrt_path_eval(const aslrt_path *p, const aslrt_env *env, struct json_object **out, char *why,
		    size_t whylen)
{
	struct json_object *doc = env ? env->input : NULL;
	*out = NULL;
	if (p->root == ASLRT_ROOT_CONTEXT) {
		doc = env ? aslrt_env_context(env) : NULL;
	} else if (p->root == ASLRT_ROOT_VAR) {
		if (!env || !aslrt_env_var(env, p->var, &doc)) {
			if (!p->definite) {
				*out = json_object_new_array();
				return 0;
			}
			snprintf(why, whylen, "The variable '$%s' is not defined", p->var);
			return 1;
		}
	}
	struct json_object *v;
	if (p->definite && aslrt_path_fields_found(p, doc, &v)) {
		*out = json_object_get(v);
		return 0;
	}
	aslrt_path_ctx c;
	int rc = aslrt_path_run(&c, p, doc, doc, false, why, whylen);
	if (!p->definite) {
		struct json_object *a = json_object_new_array_ext(rc ? 0 : c.res.n);
		for (int k = 0; !rc && k < c.res.n; k++)
			json_object_array_add(a, json_object_get(c.res.v[k]));
		*out = a;
		aslrt_path_ctx_free(&c);
		return 0;
	}
	if (rc == EV_OK && c.res.n == 0) {
		char *ps = path_string(p);
		snprintf(why, whylen, "No results for path: %s", ps);
		free(ps);
		rc = EV_NOTFOUND;
	}
	if (rc == EV_OK)
		*out = json_object_get(c.res.v[c.res.n - 1]);
	aslrt_path_ctx_free(&c);
	return rc ? 1 : 0;
}

/* --- ResultPath --- */

static const char *type_word(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_string:
		return "a string";
	case json_type_array:
		return "an array";
	case json_type_object:
		return "an object";
	}
	return "a value";
}

/* The store's failure, found before anything changes, in its words; 0 when
 * the store will succeed.  `missing`: cur is an object the store creates. */
static int store_check(const aslrt_path *p, struct json_object *root, char *why, size_t whylen)
{
	aslrt_path_buf at = {0};
	aslrt_path_buf_put(&at, "$", 1);
	struct json_object *cur = root;
	bool missing = false;
	int rc = -1;
	for (int i = 0; i < p->n; i++) {
		const struct aslrt_path_step *s = &p->steps[i];
		bool last = i == p->n - 1;
		if (s->kind == PK_FIELD) {
			struct json_object *next;
			if (!missing && !json_object_is_type(cur, json_type_object)) {
				snprintf(why, whylen,
					 "Unable to apply ResultPath '%s': %s is %s, not an object",
					 p->text, at.s, type_word(cur));
				goto out;
			}
			if (last)
				break;
			if (missing || !aslrt_key_get(cur, s->names[0], s->hashes[0], &next)) {
				if (p->steps[i + 1].kind != PK_FIELD) {
					snprintf(why, whylen,
						 "Unable to apply ResultPath '%s': %s%s is "
						 "missing, not an array",
						 p->text, at.s, s->frag);
					goto out;
				}
				missing = true;
			} else {
				cur = next;
			}
		} else { /* never under a missing field: that failed above */
			long len = json_object_is_type(cur, json_type_array)
				       ? (long)json_object_array_length(cur)
				       : 0;
			long eff = s->idx[0] < 0 ? len + s->idx[0] : s->idx[0];
			if (!json_object_is_type(cur, json_type_array)) {
				snprintf(why, whylen,
					 "Unable to apply ResultPath '%s': %s is %s, not an array",
					 p->text, at.s, type_word(cur));
				goto out;
			}
			if (eff < 0 || eff >= len) {
				snprintf(why, whylen,
					 "Unable to apply ResultPath '%s': index %ld is out of "
					 "range for %s (length %ld)",
					 p->text, s->idx[0], at.s, len);
				goto out;
			}
			if (last)
				break;
			cur = json_object_array_get_idx(cur, (size_t)eff);
		}
		aslrt_path_buf_str(&at, s->frag);
	}
	rc = 0;
out:
	free(at.s);
	return rc;
}

/* Where step s leads in container cur (store_check passed): an object's
 * entry (NULL: no such member) or an array's index. */
typedef struct {
	struct lh_entry *e;
	size_t idx;
} Slot;

/* One look-up per step: the value there (a JSON null is NULL), and whether
 * there is one. */
static bool step_get(const struct aslrt_path_step *s, struct json_object *cur, Slot *at,
		     struct json_object **v)
{
	if (s->kind == PK_FIELD) {
		at->e = lh_table_lookup_entry_w_hash(json_object_get_object(cur), s->names[0],
						     s->hashes[0]);
		*v = at->e ? (struct json_object *)lh_entry_v(at->e) : NULL;
		return at->e != NULL;
	}
	long len = (long)json_object_array_length(cur);
	at->idx = (size_t)(s->idx[0] < 0 ? len + s->idx[0] : s->idx[0]);
	*v = json_object_array_get_idx(cur, at->idx);
	return true;
}

/* Put v (consumed) at the slot step_get found; returns the reference to
 * what was there (NULL: nothing), the caller's now. */
static struct json_object *step_swap(const struct aslrt_path_step *s, struct json_object *cur,
				     const Slot *at, struct json_object *v)
{
	struct json_object *was;
	if (s->kind == PK_FIELD) {
		if (!at->e) {
			aslrt_key_set(cur, s->names[0], s->hashes[0], v, false);
			return NULL;
		}
		/* what json_object_object_add does to a member, without its look-up */
		was = (struct json_object *)lh_entry_v(at->e);
		lh_entry_set_val(at->e, v);
		return was;
	}
	was = json_object_get(json_object_array_get_idx(cur, at->idx));
	json_object_array_put_idx(cur, at->idx, v);
	return was;
}

/*
 * The store itself, which cannot fail once store_check passed.  `mine`: cur
 * existed before and is the caller's alone; it is changed in place (its
 * kept measure dropped) and the first change to such a container is
 * recorded in u.  Below that change every container is new (created or
 * copied), so it is the only one.  Not mine: containers are copied before
 * they change, so subtrees shared with other trees never are.
 */
static void store_apply(const aslrt_path *p, struct json_object *root, struct json_object *val,
			bool mine, aslrt_path_undo *u)
{
	struct json_object *cur = root;
	for (int i = 0; i < p->n; i++) {
		const struct aslrt_path_step *s = &p->steps[i];
		bool last = i == p->n - 1;
		struct json_object *old, *next, *was;
		Slot at = {0};
		bool had = step_get(s, cur, &at, &old);
		if (mine)
			aslrt_json_changed(cur);
		if (mine && !last && aslrt_json_unique(old)) {
			cur = old; /* ours too: changed below, not replaced */
			continue;
		}
		next = last ? val : had ? aslrt_json_shallow_copy(old) : json_object_new_object();
		was = step_swap(s, cur, &at, next);
		if (mine) {
			*u = (aslrt_path_undo){p, root, cur, i, had, was};
			mine = false;
		} else {
			json_object_put(was);
		}
		cur = next;
	}
}

static int store(const aslrt_path *p, struct json_object **root, struct json_object *val,
		 aslrt_path_undo *u, char *why, size_t whylen)
{
	if (p->root != ASLRT_ROOT_INPUT || !p->reference) {
		snprintf(why, whylen, "'%s' is not a reference path on the state input", p->text);
		json_object_put(val);
		return -1;
	}
	if (p->n == 0) {
		json_object_put(*root);
		*root = val;
		return 0;
	}
	if (store_check(p, *root, why, whylen)) {
		json_object_put(val);
		return -1;
	}
	store_apply(p, *root, val, u != NULL, u);
	return 0;
}

int aslrt_path_store(const aslrt_path *p, struct json_object **root, struct json_object *val,
		     char *why, size_t whylen)
{
	return store(p, root, val, NULL, why, whylen);
}

int aslrt_path_store_owned(const aslrt_path *p, struct json_object **root, struct json_object *val,
			   aslrt_path_undo *u, char *why, size_t whylen)
{
	*u = (aslrt_path_undo){0};
	return store(p, root, val, u, why, whylen);
}

void aslrt_path_undo_apply(aslrt_path_undo *u)
{
	if (!u->root)
		return;
	/* the containers from the root down to the one changed lose their
	 * measures again: an exit may have measured them changed */
	struct json_object *cur = u->root, *next;
	Slot at = {0};
	for (int i = 0; i < u->depth; i++) {
		aslrt_json_changed(cur);
		step_get(&u->path->steps[i], cur, &at, &next);
		cur = next;
	}
	if (cur != u->parent)
		abort(); /* the containers above the change were never replaced */
	aslrt_json_changed(cur);
	const struct aslrt_path_step *s = &u->path->steps[u->depth];
	step_get(s, cur, &at, &next);
	if (u->had)
		json_object_put(step_swap(s, cur, &at, u->old));
	else
		json_object_object_del(cur, s->names[0]);
	*u = (aslrt_path_undo){0};
}

void aslrt_path_undo_drop(aslrt_path_undo *u)
{
	if (u->root)
		json_object_put(u->old);
	*u = (aslrt_path_undo){0};
}
