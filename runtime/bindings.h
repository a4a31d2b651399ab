/*
 * bindings.h - the bindings file: what implements a Task when no C handler is
 * linked.  bindings.c (parsing, validation, look-up) is shared with the
 * compiler, which validates and embeds the file at build time; call.c runs a
 * binding (runtime only).
 *
 *   {"Bindings": {KEY: {"Command": [argv...]} | {"Url": "http://..."}
 *                      | {"Executable": "./child"}},
 *    "Connections": {CONNECTION_ARN: {"Headers": {..}, "QueryParameters": {..}}}}
 */
#ifndef ASLRT_BINDINGS_H
#define ASLRT_BINDINGS_H

#include "rt.h"

enum { RT_BIND_COMMAND, RT_BIND_URL, RT_BIND_EXECUTABLE };

typedef struct rt_binding {
	const char *key; /* borrowed from the set's document */
	int kind;
	char **argv;	  /* Command (NULL-terminated), or {Executable, NULL} */
	const char *url;  /* Url */
	const char *file; /* where it was read (for messages) */
} rt_binding;

typedef struct rt_bindset {
	char *file;
	struct json_object *doc; /* the whole file, validated */
	rt_binding *b;
	int n;
} rt_bindset;

/* Validate doc (borrowed) read from file and build a set; NULL with every
 * problem in why as "FILE: /JSON/Pointer: message" lines. */
rt_bindset *rt_bindset_new(struct json_object *doc, const char *file, char *why, size_t whylen);
/* Read, parse strictly and validate a bindings file. */
rt_bindset *rt_bindset_load(const char *file, char *why, size_t whylen);
void rt_bindset_free(rt_bindset *s);

/* The binding for a Task: its Resource, the FunctionName (+ Qualifier) of a
 * Lambda invoke as Lambda resolves names, or the StateMachineArn of a
 * states:startExecution.  params: the Task's effective input (may be NULL
 * when unknown, as in the checker).  Looks in each set in order. */
const rt_binding *rt_binding_find(rt_bindset *const *sets, int nsets, const char *resource,
				  struct json_object *params);

/* Resource kinds the runtime shapes results for. */
bool rt_is_lambda_invoke(
    const char *resource);		     /* arn:aws:states:::lambda:invoke[.waitForTaskToken] */
bool rt_is_lambda_arn(const char *resource); /* arn:aws:lambda:...:function:... */

#endif
