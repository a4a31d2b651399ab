/*
 * handlers.c - the in-process "request" of the callback tests: a
 * .waitForTaskToken Task's handler writes the task token it is sent to the
 * file $TOKEN_FILE (one line), where the test's client reads it; and a
 * handler that takes the input's "ms" milliseconds of real time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aslrt.h"

static int send_token(struct json_object *input, struct json_object **result, char **error,
		      char **cause, void *user)
{
	(void)error;
	(void)cause;
	(void)user;
	struct json_object *body = NULL, *token = NULL;
	const char *path = getenv("TOKEN_FILE");
	if (!path || !json_object_object_get_ex(input, "MessageBody", &body) ||
	    !json_object_object_get_ex(body, "TaskToken", &token))
		return -1;
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", json_object_get_string(token));
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	/* what SQS's SendMessage would answer: the history's TaskSubmitted output */
	*result = json_object_new_object();
	json_object_object_add(*result, "MessageId", json_object_get(token));
	return 0;
}

static int sleepy(struct json_object *input, struct json_object **result, char **error,
		  char **cause, void *user)
{
	(void)error;
	(void)cause;
	(void)user;
	struct json_object *ms = NULL;
	json_object_object_get_ex(input, "ms", &ms);
	long n = (long)json_object_get_int64(ms);
	struct timespec ts = {n / 1000, (n % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
	*result = json_object_new_string("woke");
	return 0;
}

void aslrt_register_handlers(void)
{
	aslrt_bind_handler("arn:aws:lambda:us-east-1:123456789012:function:sleepy", sleepy, NULL);
	aslrt_bind_handler("arn:aws:states:::sqs:sendMessage.waitForTaskToken", send_token, NULL);
}
