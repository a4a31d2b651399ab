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
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

void aslrt_bindings_free(void);

static const char help[] =
    "usage: %s [options] < input.json\n"
    "\n"
    "Runs the state machine compiled into this executable on one input.\n"
    "\n"
    "  --input FILE          read the execution input from FILE (default stdin; empty: {})\n"
    "  --output FILE         write the output to FILE (default stdout)\n"
    "  --name NAME           the execution name ($$.Execution.Name)\n"
    "  --state-machine-name NAME  the state machine's name ($$.StateMachine.Name, the\n"
    "                        mock config's StateMachines key; default: aslc build --name)\n"
    "  --context FILE        Context Object fields (a JSON object merged over the defaults)\n"
    "  --clock real|virtual  virtual: Wait, Retry intervals and timeouts advance a\n"
    "                        virtual clock instantly (default real)\n"
    "  --mock-config FILE    AWS Step Functions Local MockConfigFile\n"
    "  --test-case NAME      the test case of the mock config to use\n"
    "                        (a response's \"Duration\": SECONDS makes the mocked\n"
    "                        call take that long on the run's clock: aslc extension)\n"
    "  --listen HOST:PORT    serve the Step Functions API's SendTaskSuccess,\n"
    "                        SendTaskFailure, SendTaskHeartbeat and GetActivityTask\n"
    "                        (JSON 1.0, POST /, signatures not checked) for\n"
    "                        .waitForTaskToken and activity Tasks; port 0 picks a\n"
    "                        free one; prints \"listening on HOST:PORT\" on stderr\n"
    "  --bindings FILE       what implements each Task: {\"Bindings\": {KEY: BINDING}}, KEY\n"
    "                        the Resource ARN, a Lambda FunctionName (name, partial or\n"
    "                        full ARN, :qualifier) or a StateMachineArn; BINDING one of\n"
    "                        {\"Command\": [argv...]}  stdin: the input (lambda:invoke: its\n"
    "                            Payload) as JSON; stdout: the result; {\"errorType\",\n"
    "                            \"errorMessage\"} on stdout or a non-zero exit fails;\n"
    "                            heartbeats: a line on fd 3 ($ASLRT_HEARTBEAT_FD)\n"
    "                        {\"Url\": \"http://...\"}  POST of the same JSON, body is the result\n"
    "                        {\"Executable\": \"./child\"}  an aslc-built machine run by\n"
    "                            states:startExecution[.sync|.sync:2]\n"
    "                        \"Connections\": {CONNECTION_ARN: {\"Headers\", "
    "\"QueryParameters\"}}\n"
    "                        are added to http:invoke calls naming that connection.\n"
    "                        Overrides the file embedded by aslc build --bindings, per key.\n"
    "                        Mocks win over bindings, bindings over C handlers.\n"
    "  --payload-limit N|off largest state output in bytes (default 262144, AWS's\n"
    "                        quota); off lifts it\n"
    "  --trace               print each event of the execution on stderr, one line each\n"
    "  --log-level L         ALL|ERROR|FATAL|OFF: events as CloudWatch Logs JSON lines, the\n"
    "                        shape of an Express log group (default OFF)\n"
    "  --include-execution-data  with --log-level: inputs and outputs too\n"
    "  --log-file FILE       the log lines go to FILE (default stderr)\n"
    "  --metrics FILE        at the end, counts and durations per state and per Task\n"
    "                        resource in Prometheus text format\n"
    "  --store FILE          journal the execution in FILE (SQLite; Standard workflows):\n"
    "                        with --name N, starts N, or continues it (same input), or\n"
    "                        prints its result when it has ended\n"
    "  --store-sync FULL|NORMAL  FULL (default): each step survives power loss (an\n"
    "                        fsync per step); NORMAL: survives the process dying\n"
    "  --resume NAME         with --store: continue execution NAME (no input needed)\n"
    "  --describe NAME       with --store: print NAME as DescribeExecution does\n"
    "  --list                with --store: list the executions (ListExecutions)\n"
    "  --park-after SECONDS  with --store: a Wait or Retry interval ending over SECONDS\n"
    "                        from now journals its end and ends the process (exit 3,\n"
    "                        \"parked\"); --run-due continues it once due\n"
    "  --run-due             with --store: resume each parked execution whose Wait or\n"
    "                        Retry interval has come due (not ended, not run by\n"
    "                        another process), as --resume would, with the other\n"
    "                        options given; one line each: NAME SUCCEEDED|FAILED|\n"
    "                        PARKED|ERROR N (for a cron job or a systemd timer)\n"
    "  --history NAME        with --store and no --name/--resume: print NAME's events\n"
    "  --history FILE        write the execution's events to FILE as AWS's\n"
    "                        GetExecutionHistory returns them ({\"events\": [...]})\n"
    "  --history-limit N|off the history quota: a Standard execution whose history\n"
    "                        would pass N events fails with States.Runtime, as AWS's\n"
    "                        does (default 25000, AWS's quota; Express: off)\n"
    "  --express-time-limit on|off  an Express workflow's execution fails with\n"
    "                        States.Timeout after 5 minutes, as in AWS (default on;\n"
    "                        a smaller TimeoutSeconds still wins); off lifts it\n"
    "  --help                this text\n"
    "\n"
    "Task TimeoutSeconds/HeartbeatSeconds and the machine's TimeoutSeconds apply on\n"
    "the run's clock: a Task past them fails with States.Timeout, an execution past\n"
    "its TimeoutSeconds fails (TIMED_OUT) with States.Timeout.\n"
    "\n"
    "exit status: 0 SUCCEEDED (output on stdout), 1 FAILED ({\"Error\",\"Cause\"} as the\n"
    "last line of stderr), 2 usage error, 3 parked (--park-after).\n";

static int usage(const char *prog, const char *msg, const char *arg)
{
	fprintf(stderr, "%s: %s%s\n", prog, msg, arg ? arg : "");
	fprintf(stderr,
		"usage: %s [--input FILE] [--clock real|virtual] [--context FILE] "
		"[--mock-config FILE --test-case NAME] ... (--help)\n",
		prog);
	return 2;
}

/* Read at most max bytes (0: no limit); *over tells that there were more. */
static char *read_all(FILE *f, size_t *len, size_t max, bool *over)
{
	size_t cap = 65536, n = 0, got;
	/* a file's size is known: one buffer of that size (a small input
	 * touches no 64 KB buffer's worth of heap, a big one is not copied
	 * as the buffer doubles) */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < ((uint64_t)1 << 40))
		cap = (size_t)st.st_size + 1;
	/* no more than the limit and a byte: a file far over it is refused
	 * after reading that much, never allocated whole (abort) */
	if (max && cap - 1 > max)
		cap = max + 1;
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
		    json_object_object_get_ex(dst, key, &d) &&
		    json_object_is_type(d, json_type_object))
			merge(d, val);
		else
			json_object_object_add(dst, key, aslrt_json_copy(val));
	}
}

/* A version 4 UUID from getrandom (falling back to /dev/urandom, then rand;
 * never blocking), in hex written by hand: printf's code is pages start-up
 * need not touch. */
static void random_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
		int fd = open("/dev/urandom", O_RDONLY);
		if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
			for (int i = 0; i < 16; i++)
				b[i] = (unsigned char)rand();
		}
		if (fd >= 0)
			close(fd);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
}

/* prefix followed by a, then ":" and b when b is not NULL, in a new string. */
static char *arn_of(const char *prefix, const char *a, const char *b)
{
	size_t np = strlen(prefix), na = strlen(a), nb = b ? strlen(b) + 1 : 0;
	char *s = malloc(np + na + nb + 1);
	if (!s)
		abort();
	memcpy(s, prefix, np);
	memcpy(s + np, a, na);
	if (b) {
		s[np + na] = ':';
		memcpy(s + np + na + 1, b, nb - 1);
	}
	s[np + na + nb] = '\0';
	return s;
}

/* The Context object as AWS builds it, in AWS's key order. */
static struct json_object *make_context(aslrt_run *r, struct json_object *input,
					const char *exec_name)
{
	char uuid[37], *t = aslrt_iso_time(aslrt_now_ms(r));
	random_uuid(uuid);
	const char *name = exec_name ? exec_name : uuid;
	struct json_object *ctx = json_object_new_object(), *e = json_object_new_object(),
			   *sm = json_object_new_object();
	char *id = arn_of("arn:aws:states:us-east-1:123456789012:execution:", r->name, name),
	     *smid = arn_of("arn:aws:states:us-east-1:123456789012:stateMachine:", r->name, NULL);
	json_object_object_add(e, "Id", json_object_new_string(id));
	struct json_object *need;
	if (json_object_object_get_ex(r->meta, "ctx_read", &need) && !json_object_get_boolean(need))
		r->ctx_unread = true;
	if (!json_object_object_get_ex(r->meta, "ctx_input", &need) ||
	    json_object_get_boolean(need))
		json_object_object_add(e, "Input", aslrt_json_copy(input));
	json_object_object_add(e, "StartTime", json_object_new_string(t));
	json_object_object_add(e, "Name", json_object_new_string(name));
	json_object_object_add(
	    e, "RoleArn", json_object_new_string("arn:aws:iam::123456789012:role/aslc-execution"));
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

/*
 * --run-due: resume each parked execution that is due, one after another,
 * each by this executable with the same options and --resume NAME instead of
 * --run-due (its output goes to the journal: --describe shows it); one line
 * each on stdout, "NAME STATUS" (SUCCEEDED, FAILED, PARKED again, or ERROR
 * with the exit status).  2 when the journal cannot be read, else 0.
 */
static int run_due_executions(aslrt_run *r, const char *prog, const char *store, int argc,
			      char **argv)
{
	char why[ASLRT_ERRLEN], **names;
	int n;
	if (aslrt_journal_due(r, store, &names, &n, why, sizeof why)) {
		fprintf(stderr, "%s: %s\n", prog, why);
		aslrt_journal_close(r);
		return 2;
	}
	char **args = calloc((size_t)argc + 3, sizeof *args);
	if (!args)
		abort();
	int k = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--run-due") != 0)
			args[k++] = argv[i];
	args[k] = "--resume";
	for (int i = 0; i < n; i++) {
		args[k + 1] = names[i];
		args[k + 2] = NULL;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 1);
			execv("/proc/self/exe", args);
			fprintf(stderr, "%s: cannot run itself: %s\n", prog, strerror(errno));
			_exit(127);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			st = -1;
		int code = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (code == 0)
			printf("%s SUCCEEDED\n", names[i]);
		else if (code == 1)
			printf("%s FAILED\n", names[i]);
		else if (code == ASLRT_EXIT_PARKED)
			printf("%s PARKED\n", names[i]);
		else
			printf("%s ERROR %d\n", names[i], code);
		free(names[i]);
	}
	fflush(stdout);
	free(names);
	free(args);
	return 0;
}

/* The options that name files and executions; the settings go into the run. */
typedef struct {
	const char *prog, *input_file, *output_file, *context_file, *mock_file, *test_case,
	    *exec_name, *listen_addr, *bindings_file, *sm_name, *history_file, *log_file,
	    *store_file, *resume_name, *describe_name;
	bool list, run_due;
} opts;

/* The slot of an option whose value is a string, or NULL. */
static const char **string_option(opts *o, aslrt_run *run, const char *a)
{
	static const struct {
		const char *name;
		size_t at;
	} tab[] = {
	    {"--input", offsetof(opts, input_file)},
	    {"--output", offsetof(opts, output_file)},
	    {"--context", offsetof(opts, context_file)},
	    {"--mock-config", offsetof(opts, mock_file)},
	    {"--test-case", offsetof(opts, test_case)},
	    {"--store", offsetof(opts, store_file)},
	    {"--resume", offsetof(opts, resume_name)},
	    {"--describe", offsetof(opts, describe_name)},
	    {"--log-file", offsetof(opts, log_file)},
	    {"--history", offsetof(opts, history_file)},
	    {"--name", offsetof(opts, exec_name)},
	    {"--listen", offsetof(opts, listen_addr)},
	    {"--bindings", offsetof(opts, bindings_file)},
	    {"--state-machine-name", offsetof(opts, sm_name)},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(a, tab[i].name) == 0)
			return (const char **)(void *)((char *)o + tab[i].at);
	if (strcmp(a, "--metrics") == 0)
		return &run->metrics_file;
	return NULL;
}

/* An option argv[*i] that sets one of the run's settings from the value
 * after it (consumed): -1 when it is not one, else 0 or usage()'s status. */
static int setting_option(aslrt_run *run, const char *prog, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	/* the number, read only for the options that take one: strtol's
	 * locale tables are pages "--payload-limit off" need not touch ("off"
	 * stays unconverted, as strtol leaves it: end at its start) */
	char *end = (char *)v;
	long n = 0;
	if (v && strcmp(v, "off") != 0 &&
	    (strcmp(a, "--payload-limit") == 0 || strcmp(a, "--park-after") == 0 ||
	     strcmp(a, "--history-limit") == 0))
		n = strtol(v, &end, 10);
	if (strcmp(a, "--store-sync") == 0) {
		if (!v || (strcmp(v, "FULL") != 0 && strcmp(v, "NORMAL") != 0))
			return usage(prog, "--store-sync needs FULL or NORMAL", NULL);
		run->journal_sync_normal = strcmp(v, "NORMAL") == 0;
	} else if (strcmp(a, "--log-level") == 0) {
		if (!v || (run->log_level = aslrt_log_level_parse(v)) < 0)
			return usage(prog, "--log-level needs ALL, ERROR, FATAL or OFF", NULL);
	} else if (strcmp(a, "--payload-limit") == 0) {
		if (!v)
			return usage(prog, "--payload-limit needs a value", NULL);
		if (strcmp(v, "off") == 0)
			run->payload_limit = 0;
		else if (*v && *end == 0 && n > 0)
			run->payload_limit = (size_t)n;
		else
			return usage(prog, "bad --payload-limit: ", v);
	} else if (strcmp(a, "--park-after") == 0) {
		if (!v)
			return usage(prog, "--park-after needs a value", NULL);
		if (!*v || *end || n < 0 || n > 99999999)
			return usage(prog, "bad --park-after (seconds, 0 to 99999999): ", v);
		run->park_after_ms = (int64_t)n * 1000;
	} else if (strcmp(a, "--history-limit") == 0) {
		if (!v)
			return usage(prog, "--history-limit needs a value", NULL);
		if (strcmp(v, "off") == 0)
			run->history_limit = 0;
		else if (*v && *end == 0 && n >= 2 && n <= INT_MAX)
			run->history_limit = (int)n;
		else
			return usage(prog, "bad --history-limit: ", v);
	} else if (strcmp(a, "--express-time-limit") == 0) {
		if (!v || (strcmp(v, "on") != 0 && strcmp(v, "off") != 0))
			return usage(prog, "--express-time-limit needs on or off", NULL);
		run->express_unlimited = strcmp(v, "off") == 0;
	} else if (strcmp(a, "--clock") == 0) {
		if (!v)
			return usage(prog, "--clock needs a value", NULL);
		if (strcmp(v, "virtual") == 0)
			run->virtual_clock = true;
		else if (strcmp(v, "real") != 0)
			return usage(prog, "unknown clock: ", v);
	} else {
		return -1;
	}
	(*i)++;
	return 0;
}

/* argv into o and run: -1 to go on, else the exit status (0 for --help). */
static int parse_options(int argc, char **argv, opts *o, aslrt_run *run)
{
	const char *prog = o->prog;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = string_option(o, run, a);
		int rc;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf(help, prog);
			return 0;
		} else if (strcmp(a, "--trace") == 0) {
			run->trace = stderr;
		} else if (strcmp(a, "--list") == 0) {
			o->list = true;
		} else if (strcmp(a, "--include-execution-data") == 0) {
			run->log_data = true;
		} else if (strcmp(a, "--run-due") == 0) {
			o->run_due = true;
		} else if (slot) {
			if (i + 1 >= argc)
				return usage(prog, "option needs a value: ", a);
			*slot = argv[++i];
		} else if ((rc = setting_option(run, prog, argc, argv, &i)) >= 0) {
			if (rc)
				return rc;
		} else {
			return usage(prog, "unknown option: ", a);
		}
	}
	if (o->mock_file && !o->test_case)
		return usage(prog, "--mock-config needs --test-case", NULL);
	if ((o->resume_name || o->describe_name || o->list || o->run_due ||
	     run->park_after_ms >= 0) &&
	    !o->store_file)
		return usage(
		    prog, "--resume, --describe, --list, --run-due and --park-after need --store",
		    NULL);
	if (o->run_due && (o->resume_name || o->exec_name || o->describe_name || o->list))
		return usage(prog, "--run-due takes no --name, --resume, --describe or --list",
			     NULL);
	if (o->resume_name && o->exec_name && strcmp(o->resume_name, o->exec_name) != 0)
		return usage(prog, "--resume and --name differ", NULL);
	return -1;
}

/* --list, --describe NAME and --history NAME: the journal's queries. */
static int journal_query(aslrt_run *run, const opts *o)
{
	char why[ASLRT_ERRLEN];
	int rc = 2;
	if (aslrt_journal_open(run, o->store_file, false, why, sizeof why) == 0) {
		const char *n = o->describe_name ? o->describe_name : o->history_file;
		rc = o->list		? aslrt_journal_list(run)
		     : o->describe_name ? aslrt_journal_describe(run, n)
					: aslrt_journal_history(run, n);
		snprintf(why, sizeof why, "no execution named '%s' in %s", n ? n : "",
			 o->store_file);
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", o->prog, why);
	aslrt_journal_close(run);
	aslrt_unload(run);
	return rc ? 2 : 0;
}

/* The execution input: the journal's (jinput) when resuming, else --input
 * or stdin; blank is {}.  -1 with err set when it cannot be had. */
static int read_input(aslrt_run *run, const opts *o, const char *jinput, struct json_object **input,
		      aslrt_error *err)
{
	char why[ASLRT_ERRLEN];
	FILE *in = o->resume_name ? NULL : o->input_file ? fopen(o->input_file, "rb") : stdin;
	size_t len = 0;
	bool over = false;
	/* The input's size is checked before it is parsed: a 96 MB input fails
	 * after reading one byte more than the quota, not after parsing it. */
	char *text = o->resume_name ? strdup(jinput)
		     : in	    ? read_all(in, &len, run->payload_limit, &over)
				    : NULL;
	if (o->resume_name)
		len = strlen(text);
	if (in && in != stdin)
		fclose(in);
	if (!text) {
		aslrt_error_set(err, "States.Runtime", "cannot read the input %s: %s",
				o->input_file ? o->input_file : "stdin", strerror(errno));
		return -1;
	}
	if (over) {
		aslrt_error_set(err, "States.DataLimitExceeded",
				"The execution input exceeds the maximum size of %zu bytes",
				run->payload_limit);
		free(text);
		return -1;
	}
	size_t skip = 0; /* JSON's white space (not strspn: one more libc page) */
	while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\r' ||
			      text[skip] == '\n'))
		skip++;
	if (skip == len) {
		*input = json_object_new_object();
	} else if (aslrt_json_parse(text, len, input, why, sizeof why)) {
		aslrt_error_set(err, "States.Runtime", "Invalid State Machine Execution Input: %s",
				why);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

enum { GO_RUN, GO_FAILED, GO_DONE };

/*
 * The journal knows the name: the same input continues it (AWS's idempotent
 * StartExecution), other input is refused; an ended one gives its result
 * (*status).  GO_RUN with run->context restored, else where to go.
 */
static int rejoin(aslrt_run *run, const char *name, const char *jinput, const char *jcontext,
		  struct json_object *input, aslrt_error *err, int *status)
{
	char why[ASLRT_ERRLEN];
	struct json_object *was = NULL;
	aslrt_json_parse(jinput, strlen(jinput), &was, why, sizeof why);
	bool same = aslrt_json_equal(was, input);
	json_object_put(was);
	if (!same || run->journal_ended)
		json_object_put(input);
	if (!same) {
		aslrt_error_set(err, "ExecutionAlreadyExists",
				"Execution Already Exists: '%s' ran with other input", name);
		return GO_FAILED;
	}
	if (run->journal_ended) {
		*status = aslrt_journal_result(run, name, err);
		return *status ? GO_FAILED : GO_DONE;
	}
	aslrt_json_parse(jcontext, strlen(jcontext), &run->context, why, sizeof why);
	return GO_RUN;
}

/* --context FILE merged over the Context object; 2 (said) when it is bad. */
static int merge_context_file(aslrt_run *run, const char *prog, const char *file)
{
	char why[ASLRT_ERRLEN];
	struct json_object *extra = NULL;
	if (aslrt_config_read(file, "--context", &extra, why, sizeof why) == 0 &&
	    !json_object_is_type(extra, json_type_object))
		snprintf(why, sizeof why,
			 "--context %s: /: the Context must be a JSON object, not %s", file,
			 aslrt_json_type_name(extra));
	else if (extra)
		why[0] = 0;
	if (why[0]) {
		fprintf(stderr, "%s: %s\n", prog, why);
		json_object_put(extra);
		return 2;
	}
	merge(run->context, extra);
	json_object_put(extra);
	/* a virtual clock starts at the execution's StartTime, so that a
	 * run with a fixed --context is repeatable to the millisecond */
	struct json_object *e, *st;
	aslrt_time t;
	if (run->virtual_clock && json_object_object_get_ex(run->context, "Execution", &e) &&
	    json_object_object_get_ex(e, "StartTime", &st) &&
	    aslrt_timestamp_parse(json_object_get_string(st), &t))
		run->clock_ms = t.sec * 1000 + t.nsec / 1000000;
	return 0;
}

/* The top scope on input, its end as events and in the journal, and the
 * output written: 0 when it succeeded, else 1 with err set. */
static int run_top(aslrt_run *run, aslrt_ctx *c, struct json_object *input, const char *output_file,
		   aslrt_error *err)
{
	struct json_object *output = NULL;
	aslrt_event(c, EV_EXECUTION_STARTED, -1, input, 0);
	int rc = aslrt_run_scope(c, 0, input, &output);
	if (rc == 0 && aslrt_expired(run)) {
		/* finished after the deadline (an uninterruptible handler): TIMED_OUT */
		json_object_put(output);
		aslrt_expired_error(c);
		rc = -1;
	}
	if (rc == 0) {
		aslrt_event(c, EV_EXECUTION_SUCCEEDED, -1, output, 0);
		aslrt_journal_end(run, output, NULL);
		char *s = aslrt_json_dump(output);
		FILE *out = output_file ? fopen(output_file, "w") : stdout;
		/* fputs, not fprintf: printf's code stays out of a run's pages */
		if (!out || fputs(s, out) == EOF || putc('\n', out) == EOF || fflush(out) != 0) {
			aslrt_error_set(err, "States.Runtime", "cannot write the output: %s",
					strerror(errno));
			free(s);
			json_object_put(output);
			return 1;
		}
		if (out != stdout)
			fclose(out);
		free(s);
		json_object_put(output);
		return 0;
	}
	aslrt_event(c,
		    aslrt_expired(run) && c->err.name && strcmp(c->err.name, "States.Timeout") == 0
			? EV_EXECUTION_TIMED_OUT
			: EV_EXECUTION_FAILED,
		    -1, NULL, 0);
	aslrt_journal_end(run, NULL, &c->err);
	aslrt_error_move(err, &c->err);
	return 1;
}

/*
 * One execution, from its input to its end, then the metrics, history and
 * everything the run holds freed; the exit status.  found: the journal knows
 * the execution (jinput and jcontext are its input and Context, freed here).
 */
static int execute(aslrt_run *run, const opts *o, int found, char *jinput, char *jcontext)
{
	const char *prog = o->prog;
	aslrt_error err = {0};
	int64_t started = 0;
	char why[ASLRT_ERRLEN];
	int status = 1, go = GO_RUN;
	struct json_object *input = NULL;
	aslrt_ctx *c = NULL;
	if (read_input(run, o, jinput, &input, &err))
		goto failed;
	if (found)
		go = rejoin(run, o->exec_name, jinput, jcontext, input, &err, &status);
	else
		run->context = make_context(run, input, o->exec_name);
	if (go == GO_FAILED)
		goto failed;
	if (go == GO_DONE)
		goto done;
	int bad = o->context_file && !found ? merge_context_file(run, prog, o->context_file) : 0;
	if (!bad && o->listen_addr && aslrt_listen_start(run, o->listen_addr, why, sizeof why)) {
		fprintf(stderr, "%s: %s\n", prog, why);
		bad = 2;
	}
	if (bad) {
		json_object_put(input);
		aslrt_unload(run);
		return bad;
	}
	aslrt_register_handlers();
	c = aslrt_ctx_new(run, NULL);
	if (o->history_file)
		run->history = json_object_new_array();
	run->history_file = o->history_file;
	started = aslrt_now_ms(run);
	if (o->store_file && !found) {
		char *in_text = aslrt_json_dump(input), *ctx_text = aslrt_json_dump(run->context);
		int rc = aslrt_journal_start(run, o->exec_name, in_text, ctx_text, started);
		free(in_text);
		free(ctx_text);
		if (rc) {
			aslrt_error_set(&err, "States.Runtime",
					"cannot journal the execution in %s", o->store_file);
			goto failed;
		}
	}
	if (run->history_limit < 0) { /* AWS's quota, Standard only */
		struct json_object *type = NULL;
		json_object_object_get_ex(run->meta, "type", &type);
		run->history_limit =
		    type && strcmp(json_object_get_string(type), "EXPRESS") == 0 ? 0 : 25000;
	}
	aslrt_deadline_init(run);
	status = run_top(run, c, input, o->output_file, &err);
	if (status == 0)
		goto done;
failed:
	print_error(&err);
done:
	if (run->metrics_file && c &&
	    aslrt_metrics_write(run, aslrt_now_ms(run) - started,
				status ? "FAILED" : "SUCCEEDED")) {
		fprintf(stderr, "%s: cannot write the metrics %s: %s\n", prog, run->metrics_file,
			strerror(errno));
		status = status ? status : 1;
	}
	free(run->metrics);
	free(jinput);
	free(jcontext);
	aslrt_journal_close(run);
	if (run->log && run->log != stderr)
		fclose(run->log);
	if (o->history_file && run->history && aslrt_history_write(run, o->history_file)) {
		fprintf(stderr, "%s: cannot write the history %s: %s\n", prog, o->history_file,
			strerror(errno));
		status = status ? status : 1;
	}
	json_object_put(run->history);
	aslrt_error_clear(&err);
	aslrt_ctx_free(c);
	aslrt_listen_stop();
	aslrt_unload(run);
	aslrt_bindings_free();
	aslrt_bindings_done();
	return status;
}

int main(int argc, char **argv)
{
	opts o = {.prog = argv[0]};
	const char *prog = o.prog;
	aslrt_run run = {0};
	run.payload_limit = 262144;
	run.history_limit = -1;
	run.park_after_ms = -1;
	int rc = parse_options(argc, argv, &o, &run);
	if (rc >= 0)
		return rc;
	run.journal_lock = -1;

	if (run.log_level > RT_LOG_OFF) {
		run.log = o.log_file ? fopen(o.log_file, "a") : stderr;
		if (!run.log) {
			fprintf(stderr, "%s: cannot open --log-file %s: %s\n", prog, o.log_file,
				strerror(errno));
			return 2;
		}
	}
	if (aslrt_load(&run, &aslrt_main_program))
		return 2;
	if (o.sm_name) /* the mock look-up and $$.StateMachine.Name */
		run.name = o.sm_name;
	if (run.virtual_clock) {
		run.virtual_clock = false;
		run.clock_ms = aslrt_now_ms(&run);
		run.virtual_clock = true;
	}
	char why[ASLRT_ERRLEN];
	/* every problem of the bindings file; static, not on the stack: 8 KB
	 * there pushed every frame below main two pages deeper (peak RSS) */
	static char bwhy[8192];
	if (aslrt_bindings_init(&run, o.bindings_file, bwhy, sizeof bwhy)) {
		fprintf(stderr, "%s: %s\n", prog, bwhy);
		aslrt_bindings_done();
		aslrt_unload(&run);
		return 2;
	}
	if (o.mock_file && aslrt_mocks_load(&run, o.mock_file, o.test_case, why, sizeof why)) {
		fprintf(stderr, "%s: %s\n", prog, why);
		aslrt_unload(&run);
		return 2;
	}
	if (o.run_due) {
		rc = run_due_executions(&run, prog, o.store_file, argc, argv);
		aslrt_unload(&run);
		return rc;
	}
	/* --store: the journal's queries, or the execution to start or continue */
	if (o.store_file &&
	    (o.list || o.describe_name || (o.history_file && !o.exec_name && !o.resume_name)))
		return journal_query(&run, &o);
	char *jinput = NULL, *jcontext = NULL;
	int found = 0;
	if (o.store_file && (found = aslrt_journal_setup(
				 &run, o.store_file, o.resume_name ? &o.resume_name : &o.exec_name,
				 o.resume_name != NULL, &jinput, &jcontext, why, sizeof why)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, why);
		aslrt_journal_close(&run);
		aslrt_unload(&run);
		return 2;
	}
	if (o.resume_name)
		o.exec_name = o.resume_name;
	return execute(&run, &o, found, jinput, jcontext);
}
