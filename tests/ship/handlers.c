/* The charge Lambda of sam.asl.json, in process: echoes its input. */
#include "aslrt.h"

static int charge(struct json_object *input, struct json_object **result, char **error,
		  char **cause, void *user)
{
	(void)error;
	(void)cause;
	(void)user;
	*result = json_object_get(input);
	return 0;
}

void aslrt_register_handlers(void)
{
	aslrt_bind_handler("arn:aws:lambda:eu-west-1:123456789012:function:charge", charge, NULL);
}
