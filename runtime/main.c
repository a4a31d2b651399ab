/*
 * main.c - the main() of every executable aslc generates: reads the options
 * and the execution input, builds the Context object, runs the top scope of
 * aslrt_main_program, and reports the result.
 *
 * Contract: SUCCEEDED prints the output JSON on stdout and exits 0; FAILED
 * exits 1 with {"Error":..,"Cause":..} as the last line of stderr; a usage
 * error exits 2.  Input that is not JSON is a failed execution (States.Runtime).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

void rt_bindings_free(void);

static const char help[] =
	"usage: %s [options] < input.json\n"
	"\n"
	"Runs the state machine compiled into this executable on one input.\n"
	"\n"
	"  --input FILE          read the execution input from FILE (default stdin; empty: {})\n"
	"  --output FILE         write the output to FILE (default stdout)\n"
	"  --name NAME           the execution name ($$.Execution.Name)\n"
	"  --context FILE        Context Object fields (a JSON object merged over the defaults)\n"
	"  --clock real|virtual  virtual: Wait, Retry intervals and timeouts advance a\n"
	"                        virtual clock instantly (default real)\n"
	"  --mock-config FILE    AWS Step Functions Local MockConfigFile\n"
	"  --test-case NAME      the test case of the mock config to use\n"
	"  --payload-limit N|off largest state output in bytes (default 262144, AWS's\n"
	"                        quota); off lifts it\n"
	"  --trace               print each state entered and left on stderr\n"
	"  --help                this text\n"
	"\n"
	"exit status: 0 SUCCEEDED (output on stdout), 1 FAILED ({\"Error\",\"Cause\"} as the\n"
	"last line of stderr), 2 usage error.\n";

static int usage(const char *prog, const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", prog, msg, arg ? arg : "");
	fprintf(stderr, "usage: %s [--input FILE] [--clock real|virtual] [--context FILE] "
			"[--mock-config FILE --test-case NAME] ... (--help)\n",
		prog);
	return 2;
}

/* Read at most max bytes (0: no limit); *over tells that there were more. */
static char *read_all(FILE *f, size_t *len, size_t max, bool *over)
{
	size_t cap = 65536, n = 0, got;
	char *s = malloc(cap + 1);
	if (!s)
		abort();
	*over = false;
	while ((got = fread(s + n, 1, cap - n, f)) > 0) {
		n += got;
		if (max && n > max) {
			*over = true;
			break;
		}
		if (n == cap) {
			cap *= 2;
			if (!(s = realloc(s, cap + 1)))
				abort();
		}
	}
	if (ferror(f)) {
		free(s);
		return NULL;
	}
	s[n] = 0;
	*len = n;
	return s;
}

static void merge(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, key, val)
	{
		struct json_object *d;
		if (json_object_is_type(val, json_type_object) &&
		    json_object_object_get_ex(dst, key, &d) && json_object_is_type(d, json_type_object))
			merge(d, val);
		else
			json_object_object_add(dst, key, aslrt_json_copy(val));
	}
}

static void random_uuid(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)rand();
	}
	if (fd >= 0)
		close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* The Context object as AWS builds it, in AWS's key order. */
static struct json_object *make_context(aslrt_run *r, struct json_object *input,
					const char *exec_name)
{
	char uuid[37], *t = rt_iso_time(rt_now_ms(r));
	random_uuid(uuid);
	const char *name = exec_name ? exec_name : uuid;
	struct json_object *ctx = json_object_new_object(), *e = json_object_new_object(),
			   *sm = json_object_new_object();
	char *id = NULL, *smid = NULL;
	if (asprintf(&id, "arn:aws:states:us-east-1:123456789012:execution:%s:%s", r->name, name) < 0 ||
	    asprintf(&smid, "arn:aws:states:us-east-1:123456789012:stateMachine:%s", r->name) < 0)
		abort();
	json_object_object_add(e, "Id", json_object_new_string(id));
	struct json_object *need;
	if (!json_object_object_get_ex(r->meta, "ctx_input", &need) || json_object_get_boolean(need))
		json_object_object_add(e, "Input", aslrt_json_copy(input));
	json_object_object_add(e, "StartTime", json_object_new_string(t));
	json_object_object_add(e, "Name", json_object_new_string(name));
	json_object_object_add(e, "RoleArn",
			       json_object_new_string("arn:aws:iam::123456789012:role/aslc-execution"));
	json_object_object_add(e, "RedriveCount", json_object_new_int(0));
	json_object_object_add(sm, "Id", json_object_new_string(smid));
	json_object_object_add(sm, "Name", json_object_new_string(r->name));
	json_object_object_add(ctx, "Execution", e);
	json_object_object_add(ctx, "StateMachine", sm);
	free(id);
	free(smid);
	free(t);
	return ctx;
}

static void print_error(const aslrt_error *e)
{
	struct json_object *o = json_object_new_object();
	if (e->name)
		json_object_object_add(o, "Error", json_object_new_string(e->name));
	if (e->cause)
		json_object_object_add(o, "Cause", json_object_new_string(e->cause));
	char *s = aslrt_json_dump(o);
	fflush(stdout);
	fprintf(stderr, "%s\n", s);
	free(s);
	json_object_put(o);
}

int main(int argc, char **argv)
{
	const char *prog = argv[0], *input_file = NULL, *output_file = NULL, *context_file = NULL,
		   *mock_file = NULL, *test_case = NULL, *exec_name = NULL;
	aslrt_run run = {0};
	run.payload_limit = 262144;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf(help, prog);
			return 0;
		} else if (strcmp(a, "--trace") == 0) {
			run.trace = stderr;
			continue;
		} else if (strcmp(a, "--input") == 0) {
			slot = &input_file;
		} else if (strcmp(a, "--output") == 0) {
			slot = &output_file;
		} else if (strcmp(a, "--context") == 0) {
			slot = &context_file;
		} else if (strcmp(a, "--mock-config") == 0) {
			slot = &mock_file;
		} else if (strcmp(a, "--test-case") == 0) {
			slot = &test_case;
		} else if (strcmp(a, "--name") == 0) {
			slot = &exec_name;
		} else if (strcmp(a, "--payload-limit") == 0) {
			if (i + 1 >= argc)
				return usage(prog, "--payload-limit needs a value", NULL);
			const char *v = argv[++i];
			char *end;
			long n = strtol(v, &end, 10);
			if (strcmp(v, "off") == 0)
				run.payload_limit = 0;
			else if (*v && *end == 0 && n > 0)
				run.payload_limit = (size_t)n;
			else
				return usage(prog, "bad --payload-limit: ", v);
			continue;
		} else if (strcmp(a, "--clock") == 0) {
			if (i + 1 >= argc)
				return usage(prog, "--clock needs a value", NULL);
			const char *v = argv[++i];
			if (strcmp(v, "virtual") == 0)
				run.virtual_clock = true;
			else if (strcmp(v, "real") != 0)
				return usage(prog, "unknown clock: ", v);
			continue;
		} else {
			return usage(prog, "unknown option: ", a);
		}
		if (i + 1 >= argc)
			return usage(prog, "option needs a value: ", a);
		*slot = argv[++i];
	}
	if (mock_file && !test_case)
		return usage(prog, "--mock-config needs --test-case", NULL);

	if (rt_load(&run, &aslrt_main_program))
		return 2;
	if (run.virtual_clock) {
		run.virtual_clock = false;
		run.clock_ms = rt_now_ms(&run);
		run.virtual_clock = true;
	}
	aslrt_error err = {0};
	char why[ASLRT_ERRLEN];
	int status = 1;
	struct json_object *input = NULL, *output = NULL;
	aslrt_ctx *c = NULL;
	if (mock_file && rt_mocks_load(&run, mock_file, test_case, why, sizeof why)) {
		fprintf(stderr, "%s: %s\n", prog, why);
		rt_unload(&run);
		return 2;
	}

	FILE *in = input_file ? fopen(input_file, "rb") : stdin;
	size_t len = 0;
	bool over = false;
	/* The input's size is checked before it is parsed: a 96 MB input fails
	 * after reading one byte more than the quota, not after parsing it. */
	char *text = in ? read_all(in, &len, run.payload_limit, &over) : NULL;
	if (in && in != stdin)
		fclose(in);
	if (!text) {
		aslrt_error_set(&err, "States.Runtime", "cannot read the input %s: %s",
				input_file ? input_file : "stdin", strerror(errno));
		goto failed;
	}
	if (over) {
		aslrt_error_set(&err, "States.DataLimitExceeded",
				"The execution input exceeds the maximum size of %zu bytes",
				run.payload_limit);
		free(text);
		goto failed;
	}
	size_t skip = strspn(text, " \t\r\n");
	if (skip == len) {
		input = json_object_new_object();
	} else if (aslrt_json_parse(text, len, &input, why, sizeof why)) {
		aslrt_error_set(&err, "States.Runtime", "Invalid State Machine Execution Input: %s", why);
		free(text);
		goto failed;
	}
	free(text);

	run.context = make_context(&run, input, exec_name);
	if (context_file) {
		struct json_object *extra = NULL;
		if (rt_config_read(context_file, "--context", &extra, why, sizeof why) == 0 &&
		    !json_object_is_type(extra, json_type_object))
			snprintf(why, sizeof why, "--context %s: /: the Context must be a JSON object, not %s",
				 context_file, aslrt_json_type_name(extra));
		else if (extra)
			why[0] = 0;
		if (why[0]) {
			fprintf(stderr, "%s: %s\n", prog, why);
			json_object_put(extra);
			json_object_put(input);
			rt_unload(&run);
			return 2;
		}
		merge(run.context, extra);
		json_object_put(extra);
	}
	aslrt_register_handlers();
	c = rt_ctx_new(&run, NULL);
	run.events = 1; /* ExecutionStarted */
	if (rt_run_scope(c, 0, input, &output) == 0) {
		char *s = aslrt_json_dump(output);
		FILE *out = output_file ? fopen(output_file, "w") : stdout;
		if (!out || fprintf(out, "%s\n", s) < 0 || fflush(out) != 0) {
			aslrt_error_set(&err, "States.Runtime", "cannot write the output: %s",
					strerror(errno));
			free(s);
			json_object_put(output);
			goto failed;
		}
		if (out != stdout)
			fclose(out);
		free(s);
		json_object_put(output);
		status = 0;
		goto done;
	}
	aslrt_error_move(&err, &c->err);
failed:
	print_error(&err);
done:
	aslrt_error_clear(&err);
	rt_ctx_free(c);
	rt_unload(&run);
	rt_bindings_free();
	return status;
}
