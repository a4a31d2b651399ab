/*
 * model.c - the typed view of a definition: every States container becomes a
 * Scope, every state a State with its type, query language, scope and
 * resolved Next.  Runs after check.c accepted the definition, so it reports
 * only what makes building impossible; the field-level rules are check.c's.
 *
 *   machine  = { StartAt, States, QueryLanguage? ... }
 *   Parallel = { Branches: [ machine-like scope ... ] }
 *   Map      = { ItemProcessor | Iterator: machine-like scope }
 */
#include <string.h>

#include "aslc.h"

const char *const state_type_names[] = {
#define X(e, s) s,
    STATE_TYPES(X)
#undef X
	"?"};

StateType state_type_lookup(const char *s)
{
	for (int i = 0; i < ST_UNKNOWN; i++)
		if (strcmp(state_type_names[i], s) == 0)
			return (StateType)i;
	return ST_UNKNOWN;
}

int scope_find(const Scope *sc, const char *name)
{
	for (int i = 0; i < sc->nstates; i++)
		if (strcmp(sc->states[i]->name, name) == 0)
			return sc->states[i]->id;
	return -1;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static QueryLang ql_of(struct json_object *o, QueryLang dflt)
{
	const char *q = get_str(o, "QueryLanguage");
	if (q && strcmp(q, "JSONata") == 0)
		return QL_JSONATA;
	if (q && strcmp(q, "JSONPath") == 0)
		return QL_JSONPATH;
	return dflt;
}

static Scope *build_scope(Diag *d, Machine *m, struct json_object *json, const char *ptr,
			  QueryLang ql, State *owner);

static State *build_state(Diag *d, Machine *m, Scope *sc, const char *name,
			  struct json_object *json, QueryLang ql)
{
	State *st = xcalloc(1, sizeof *st);
	st->name = xstrdup(name);
	st->ptr = pointer_join(sc->ptr[0] || sc->owner ? sc->ptr : "", "States");
	char *p = pointer_join(st->ptr, name);
	free(st->ptr);
	st->ptr = p;
	st->json = json;
	st->scope = sc;
	st->next = -1;
	st->id = m->nstates;
	vec_push(&m->states, &m->nstates, st);
	const char *type = get_str(json, "Type");
	st->type = type ? state_type_lookup(type) : ST_UNKNOWN;
	if (st->type == ST_UNKNOWN)
		error_at(d, st->ptr, "state \"%s\" has no valid Type", name);
	st->ql = ql_of(json, ql);
	struct json_object *v;
	if (json_object_object_get_ex(json, "End", &v))
		st->end = json_object_get_boolean(v);
	if (st->type == ST_PARALLEL && json_object_object_get_ex(json, "Branches", &v) &&
	    json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *bp = pointer_join(st->ptr, "Branches");
			char *bi = pointer_index(bp, (int)i);
			Scope *b =
			    build_scope(d, m, json_object_array_get_idx(v, i), bi, st->ql, st);
			if (b)
				vec_push(&st->branches, &st->nbranches, b);
			free(bp);
			free(bi);
		}
	}
	if (st->type == ST_MAP) {
		const char *key = "ItemProcessor";
		if (!json_object_object_get_ex(json, key, &v)) {
			key = "Iterator";
			json_object_object_get_ex(json, key, &v);
		}
		if (v) {
			char *bp = pointer_join(st->ptr, key);
			Scope *b = build_scope(d, m, v, bp, st->ql, st);
			if (b)
				vec_push(&st->branches, &st->nbranches, b);
			free(bp);
		}
	}
	return st;
}

static Scope *build_scope(Diag *d, Machine *m, struct json_object *json, const char *ptr,
			  QueryLang ql, State *owner)
{
	struct json_object *states;
	if (!json_object_is_type(json, json_type_object) ||
	    !json_object_object_get_ex(json, "States", &states) ||
	    !json_object_is_type(states, json_type_object)) {
		error_at(d, ptr, "a States object is required");
		return NULL;
	}
	Scope *sc = xcalloc(1, sizeof *sc);
	sc->id = m->nscopes;
	sc->ptr = xstrdup(ptr);
	sc->json = json;
	sc->owner = owner;
	sc->start = -1;
	sc->ql = ql_of(json, ql);
	vec_push(&m->scopes, &m->nscopes, sc);
	json_object_object_foreach(states, name, sj)
	{
		State *st = build_state(d, m, sc, name, sj, sc->ql);
		vec_push(&sc->states, &sc->nstates, st);
	}
	const char *start = get_str(json, "StartAt");
	if (!start || (sc->start = scope_find(sc, start)) < 0) {
		char *sp = pointer_join(ptr, "StartAt");
		error_at(d, sp, "StartAt does not name a state of this scope");
		free(sp);
	}
	for (int i = 0; i < sc->nstates; i++) {
		State *st = sc->states[i];
		const char *next = get_str(st->json, "Next");
		if (next && (st->next = scope_find(sc, next)) < 0) {
			char *np = pointer_join(st->ptr, "Next");
			error_at(d, np, "Next names no state of this scope: \"%s\"", next);
			free(np);
		}
	}
	return sc;
}

Machine *model_build(Diag *d, struct json_object *def)
{
	Machine *m = xcalloc(1, sizeof *m);
	m->json = json_object_get(def);
	int errors = d->nerrors;
	build_scope(d, m, def, "", QL_JSONPATH, NULL);
	if (d->nerrors > errors || m->nscopes == 0) {
		model_free(m);
		return NULL;
	}
	return m;
}

void model_free(Machine *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nstates; i++) {
		State *st = m->states[i];
		free(st->name);
		free(st->ptr);
		free(st->branches);
		free(st);
	}
	for (int i = 0; i < m->nscopes; i++) {
		free(m->scopes[i]->ptr);
		free(m->scopes[i]->states);
		free(m->scopes[i]);
	}
	free(m->states);
	free(m->scopes);
	free(m->name);
	json_object_put(m->json);
	free(m);
}
