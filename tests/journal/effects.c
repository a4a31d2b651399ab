/*
 * effects.c - the crash test's Task handler: appends one line per call to
 * $EFFECTS_FILE ("<nonce> <input>", fsynced) and returns {"v": input, "nonce"}.
 * An input {"fail_once": K} fails with Flaky the first time K is seen
 * (remembered in the same file), so Retry is exercised across crashes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aslrt.h"

static int effect(struct json_object *input, struct json_object **result, char **error,
		  char **cause, void *user)
{
	(void)user;
	const char *path = getenv("EFFECTS_FILE");
	const char *in = json_object_to_json_string_ext(input, JSON_C_TO_STRING_PLAIN);
	struct json_object *k;
	char line[512], nonce[40];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(nonce, sizeof nonce, "%ld.%09ld.%d", (long)ts.tv_sec, ts.tv_nsec, (int)getpid());
	if (json_object_object_get_ex(input, "fail_once", &k)) {
		/* fail the first call for K: the marker is a line of its own */
		char mark[128];
		snprintf(mark, sizeof mark, "failed-once %s\n", json_object_get_string(k));
		FILE *f = fopen(path, "r");
		char buf[512];
		int seen = 0;
		while (f && fgets(buf, sizeof buf, f))
			if (strcmp(buf, mark) == 0)
				seen = 1;
		if (f)
			fclose(f);
		if (!seen) {
			int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
			if (fd >= 0) {
				if (write(fd, mark, strlen(mark)) < 0)
					perror("write");
				fsync(fd);
				close(fd);
			}
			*error = strdup("Flaky");
			*cause = strdup("first call fails");
			return 1;
		}
	}
	snprintf(line, sizeof line, "%s %s\n", nonce, in);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, line, strlen(line)) < 0 || fsync(fd) != 0) {
		*error = strdup("Effects.Write");
		*cause = strdup("cannot append to EFFECTS_FILE");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	*result = json_object_new_object();
	json_object_object_add(*result, "v", json_object_get(input));
	json_object_object_add(*result, "nonce", json_object_new_string(nonce));
	return 0;
}

void aslrt_register_handlers(void)
{
	aslrt_bind_handler("arn:aws:lambda:us-east-1:123456789012:function:effect", effect, NULL);
}
