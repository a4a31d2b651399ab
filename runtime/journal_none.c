/*
 * journal_none.c - the journal of an Express machine: none.  AWS keeps an
 * Express workflow's executions in memory, so --store is refused (as
 * journal.c refuses it for Express); linked before libaslrt.a into Express
 * executables, it keeps journal.c, and with it SQLite, out of them: 1.2 MB
 * less code, and no start-up relocations against libm and libc for
 * SQLite's tables.  r->journal stays NULL: task, wait, retry and end do what
 * journal.c does then, and the queries, never reached, abort.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec.h"

static int refused(char *why, size_t len)
{
	snprintf(why, len,
		 "--store: an Express workflow keeps its executions in memory "
		 "(AWS's Express semantics); build with --type standard to journal");
	return -1;
}

static _Noreturn void unreachable(const char *fn)
{
	fprintf(stderr, "aslrt: %s called in an Express machine, which has no journal\n", fn);
	abort();
}

int aslrt_journal_setup(aslrt_run *r, const char *path, const char **name, bool resume,
			char **input, char **context, char *why, size_t len)
{
	(void)r, (void)path, (void)name, (void)resume, (void)input, (void)context;
	return refused(why, len);
}

int aslrt_journal_open(aslrt_run *r, const char *path, bool create, char *why, size_t len)
{
	(void)r, (void)path, (void)create;
	return refused(why, len);
}

int aslrt_journal_due(aslrt_run *r, const char *path, char ***names, int *n, char *why, size_t len)
{
	(void)r, (void)path;
	*names = NULL;
	*n = 0;
	return refused(why, len);
}

void aslrt_journal_close(aslrt_run *r)
{
	(void)r; /* nothing was opened */
}

int aslrt_journal_start(aslrt_run *r, const char *name, const char *input, const char *context,
			int64_t start_ms)
{
	(void)r, (void)name, (void)input, (void)context, (void)start_ms;
	unreachable(__func__);
}

void aslrt_journal_end(aslrt_run *r, struct json_object *output, const aslrt_error *err)
{
	(void)r, (void)output, (void)err; /* nothing to record it in */
}

int64_t aslrt_journal_event(aslrt_run *r, int id, struct json_object *e, int type)
{
	(void)r, (void)id, (void)e, (void)type;
	unreachable(__func__);
}

/* The three below are journal.c's paths with no journal open. */
int aslrt_journal_task(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		       struct json_object **out)
{
	if (aslrt_history_full(c->run)) /* its TaskScheduled did not fit: no call */
		return aslrt_history_full_error(c);
	return aslrt_task_run(c, st, input, out);
}

int64_t aslrt_journal_wait(aslrt_ctx *c, int64_t until)
{
	c->wait_pending = true; /* aslrt_sleep_until: this one is journaled */
	c->wait_until = until;
	return until;
}

int64_t aslrt_journal_retry(aslrt_ctx *c, int64_t until)
{
	(void)c;
	return until;
}

int aslrt_journal_list(aslrt_run *r)
{
	(void)r;
	unreachable(__func__);
}

int aslrt_journal_describe(aslrt_run *r, const char *name)
{
	(void)r, (void)name;
	unreachable(__func__);
}

int aslrt_journal_history(aslrt_run *r, const char *name)
{
	(void)r, (void)name;
	unreachable(__func__);
}

int aslrt_journal_result(aslrt_run *r, const char *name, aslrt_error *err)
{
	(void)r, (void)name, (void)err;
	unreachable(__func__);
}
