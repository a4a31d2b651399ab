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

typedef struct aslrt_binding {
	const char *key; /* borrowed from the set's document */
	int kind;
	char **argv;	  /* Command (NULL-terminated), or {Executable, NULL} */
	const char *url;  /* Url */
	const char *file; /* where it was read (for messages) */
} aslrt_binding;

typedef struct aslrt_bindset {
	char *file;
	struct json_object *doc; /* the whole file, validated */
	aslrt_binding *b;
	int n;
} aslrt_bindset;

/* Validate doc (borrowed) read from file and build a set; NULL with every
 * problem in why as "FILE: /JSON/Pointer: message" lines. */
aslrt_bindset *aslrt_bindset_new(struct json_object *doc, const char *file, char *why,
				 size_t whylen);
/* Read, parse strictly and validate a bindings file. */
aslrt_bindset *aslrt_bindset_load(const char *file, char *why, size_t whylen);
void aslrt_bindset_free(aslrt_bindset *s);

/* The binding for a Task: its Resource, the FunctionName (+ Qualifier) of a
 * Lambda invoke as Lambda resolves names, or the StateMachineArn of a
 * states:startExecution.  params: the Task's effective input (may be NULL
 * when unknown, as in the checker).  Looks in each set in order. */
const aslrt_binding *aslrt_binding_find(aslrt_bindset *const *sets, int nsets, const char *resource,
					struct json_object *params);

/* Resource kinds the runtime shapes results for. */
bool aslrt_is_lambda_invoke(
    const char *resource); /* arn:aws:states:::lambda:invoke[.waitForTaskToken] */
bool aslrt_is_lambda_arn(const char *resource); /* arn:aws:lambda:...:function:... */

#endif
