/*
 * error.c - ASL errors as values: a name and a cause, passed up from the op
 * that failed to the state's Retry/Catch tables, never longjmp'd.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

void aslrt_error_clear(aslrt_error *e)
{
	free(e->name);
	free(e->cause);
	e->name = e->cause = NULL;
}

void aslrt_error_set(aslrt_error *e, const char *name, const char *fmt, ...)
{
	aslrt_error_clear(e);
	e->name = name ? strdup(name) : NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&e->cause, fmt, ap) < 0)
			e->cause = NULL;
		va_end(ap);
	}
}

void aslrt_error_move(aslrt_error *dst, aslrt_error *src)
{
	aslrt_error_clear(dst);
	*dst = *src;
	src->name = src->cause = NULL;
}

struct json_object *aslrt_error_output(const aslrt_error *e)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Error", e->name ? json_object_new_string(e->name) : NULL);
	json_object_object_add(o, "Cause", e->cause ? json_object_new_string(e->cause) : NULL);
	return o;
}
