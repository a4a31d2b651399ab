/*
 * handlers.c - the in-process implementation of the fraud-score Lambda,
 * linked into the executable with `aslc build --handlers handlers.c`.
 * The Resource ARN of the Task is bound to score() in aslrt_register_handlers.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslrt.h"

static int score(struct json_object *input, struct json_object **result, char **error, char **cause,
		 void *user)
{
	struct json_object *id, *amount, *country, *home;
	(void)user;
	if (!json_object_object_get_ex(input, "id", &id) ||
	    !json_object_object_get_ex(input, "amount", &amount) ||
	    !json_object_is_type(amount, json_type_int)) {
		*error = strdup("Score.Invalid");
		*cause = strdup("a transaction needs an id and an integer amount");
		return 1;
	}
	json_object_object_get_ex(input, "country", &country);
	json_object_object_get_ex(input, "home", &home);
	long long a = json_object_get_int64(amount);
	int s = a > 1000 ? 40 : a > 100 ? 10 : 0;
	if (country && home &&
	    strcmp(json_object_get_string(country), json_object_get_string(home)))
		s += 30;
	*result = json_object_new_object();
	json_object_object_add(*result, "id", json_object_get(id));
	json_object_object_add(*result, "score", json_object_new_int(s));
	return 0;
}

void aslrt_register_handlers(void)
{
	aslrt_bind_handler("arn:aws:lambda:us-east-1:123456789012:function:fraud-score", score,
			   NULL);
}
