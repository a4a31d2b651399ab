/*
 * pool.c - the threads Parallel branches and Map iterations run on.
 *
 * A batch is the jobs of one Parallel or Map state.  Its caller runs jobs of
 * its own batch while any can start, then waits; worker threads take jobs
 * from any batch.  Workers are started on demand (up to POOL_MAX) and kept
 * for the rest of the execution, so a Parallel state in a loop does not pay
 * for thread creation each time.  A caller never waits for a job nobody can
 * run, so nested Parallel/Map states cannot deadlock the pool.  MaxConcurrency
 * bounds the jobs of a batch running at once; unless failures are tolerated,
 * the first failure stops the jobs not yet started.
 *
 * A batch whose every job is small (an acyclic scope of Pass, Choice, Succeed
 * and Fail states and Parallels of such, entering at most POOL_INLINE states)
 * runs inline on the calling thread, in order: handing a job to a thread
 * costs more than running a few Pass states (bench/ b5: 72 branches of one
 * Pass per round; b4: Map iterations of Pass, Choice, Pass).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"

#define POOL_MAX 64
#ifndef POOL_INLINE
#define POOL_INLINE 32
#endif
#define COST_MAX (INT_MAX / 4)

/* Is there a cycle through state i (colour: 0 new, 1 on the path, 2 done)? */
static bool cycle(aslrt_run *r, int i, char *colour)
{
	if (i < 0 || colour[i] == 2)
		return false;
	if (colour[i] == 1)
		return true;
	colour[i] = 1;
	const aslrt_state_def *d = r->states[i].def;
	for (int k = 0; k < d->nnext; k++)
		if (cycle(r, d->next[k], colour))
			return true;
	colour[i] = 2;
	return false;
}

/* States one run of scope sc enters at most; COST_MAX when unbounded or
 * unknown (Task, Wait, Map, a Parallel that retries or catches; a loop).  A scope of Pass, Choice,
 * Succeed, Fail and Parallels of such states, without a cycle, enters each at most once. -2 marks a
 * scope in progress. */
static int scope_cost(aslrt_run *r, int sc)
{
	int known = __atomic_load_n(&r->scope_cost[sc], __ATOMIC_RELAXED);
	if (known != -1)
		return known == -2 ? COST_MAX : known;
	__atomic_store_n(&r->scope_cost[sc], -2, __ATOMIC_RELAXED);
	long cost = 0;
	for (int i = 0; i < r->nstates && cost < COST_MAX; i++) {
		aslrt_state *st = &r->states[i];
		if (st->scope != sc)
			continue;
		if (strcmp(st->type, "Pass") == 0 || strcmp(st->type, "Succeed") == 0 ||
		    strcmp(st->type, "Fail") == 0 || strcmp(st->type, "Choice") == 0) {
			cost++;
		} else if (strcmp(st->type, "Parallel") == 0 && !st->nretriers && !st->ncatchers) {
			cost++;
			for (int b = 0; b < st->nbranches; b++)
				cost += scope_cost(r, st->branches[b]);
		} else {
			cost = COST_MAX;
		}
	}
	if (cost < COST_MAX) {
		char *colour = calloc((size_t)r->nstates + 1, 1);
		if (!colour)
			abort();
		for (int i = 0; i < r->nstates && cost < COST_MAX; i++)
			if (r->states[i].scope == sc && cycle(r, i, colour))
				cost = COST_MAX;
		free(colour);
	}
	/* final: read without the lock from now on (known_small) */
	__atomic_store_n(&r->scope_cost[sc], cost < COST_MAX ? (int)cost : COST_MAX,
			 __ATOMIC_RELEASE);
	return cost < COST_MAX ? (int)cost : COST_MAX;
}

/*
 * Are all these scopes known small or known not, with no lock taken?  A
 * scope's cost, once final (not -1 unknown, not -2 in progress), never
 * changes, so a Parallel in a loop decides without the pool's lock (b5: a
 * lock and a look-up twice per Parallel).  1 small, 0 not, -1 not known yet.
 */
static int known_small(aslrt_run *r, const int *scopes, int n, size_t stride)
{
	int *costs = __atomic_load_n(&r->scope_cost, __ATOMIC_ACQUIRE);
	if (!costs)
		return -1;
	int small = 1;
	for (int i = 0; i < n; i++) {
		int sc = *(const int *)((const char *)scopes + i * stride);
		int k = __atomic_load_n(&costs[sc], __ATOMIC_ACQUIRE);
		if (k < 0)
			return -1;
		if (k > POOL_INLINE)
			small = 0;
	}
	return small;
}

/* Called with r->pool_lock held. */
static bool all_small(aslrt_run *r, const int *scopes, int n, size_t stride)
{
	if (!r->scope_cost) {
		int ns = r->prog->nscopes;
		int *costs = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *costs);
		if (!costs)
			abort();
		for (int i = 0; i < ns; i++)
			costs[i] = -1;
		__atomic_store_n(&r->scope_cost, costs, __ATOMIC_RELEASE); /* known_small */
	}
	for (int i = 0; i < n; i++)
		if (scope_cost(r, *(const int *)((const char *)scopes + i * stride)) > POOL_INLINE)
			return false;
	return true;
}

bool aslrt_pool_inline(aslrt_run *r, const int *scopes, int n)
{
	int known = known_small(r, scopes, n, sizeof *scopes);
	if (known >= 0)
		return known;
	pthread_mutex_lock(&r->pool_lock);
	bool small = all_small(r, scopes, n, sizeof *scopes);
	pthread_mutex_unlock(&r->pool_lock);
	return small;
}

/* A finished job's context: later only a failed job's error is read
 * (exec.c's finish_jobs), so a successful one goes now, not with its batch
 * (b4 held 10,000 iteration contexts, 2.9 MB, until the Map ended). */
static void job_done(aslrt_job *j)
{
	if (j->rc) {
		aslrt_ctx_release(j->c);
		return;
	}
	aslrt_ctx_free(j->c);
	j->c = NULL;
}

/* The jobs one after the other on this thread, with the pool's rules: the
 * first failure drops the jobs not started unless all run. */
static int run_inline(aslrt_job *jobs, int n, bool all)
{
	int failed = 0;
	for (int i = 0; i < n; i++) {
		aslrt_job *j = &jobs[i];
		if (failed && !all) {
			json_object_put(j->input);
			j->input = NULL;
			continue;
		}
		j->here = true;
		j->rc = aslrt_job_run(j); /* on this thread: no copy of its output */
		job_done(j);
		if (j->rc)
			failed++;
	}
	return failed;
}

struct aslrt_batch {
	aslrt_job *jobs;
	int n;
	int next; /* first job not yet started */
	int running, done, failed;
	long limit; /* at most this many running; 0: no limit */
	bool all;   /* run every job even after a failure */
	pthread_cond_t finished;
	aslrt_batch *link;   /* the pool's list of batches with jobs to start */
	unsigned long id;    /* unique in the process (exec.c's per-thread caches) */
	aslrt_batch *parent; /* the batch whose job made this one, or NULL */
	int stopped;	     /* a job failed: the running ones stop (atomic) */
};

/* The batch whose job this thread runs, if any. */
static _Thread_local aslrt_batch *cur;
/* A stop wakes the jobs sleeping in aslrt_pool_sleep. */
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cv = PTHREAD_COND_INITIALIZER;

static bool stopped(const aslrt_batch *b)
{
	for (; b; b = b->parent)
		if (__atomic_load_n(&b->stopped, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

bool aslrt_pool_stopped(void)
{
	return stopped(cur);
}

bool aslrt_pool_sleep(int64_t ms)
{
	if (!cur)
		return false;
	struct timespec until; /* monotonic: a step of the wall clock changes no wait */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&stop_lock);
	while (!stopped(cur) &&
	       pthread_cond_clockwait(&stop_cv, &stop_lock, CLOCK_MONOTONIC, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&stop_lock);
	return true;
}

/* A sibling branch's or iteration's failure stopped this one (pool.c, vsched.c):
 * an error nothing catches, which its Parallel or Map never reports. */
int aslrt_aborted_error(aslrt_ctx *c)
{
	aslrt_error_set(&c->err, "States.Runtime",
			"Stopped: another branch or iteration of the state failed");
	return -1;
}

/* Has a sibling's failure stopped the job the calling thread runs? */
bool aslrt_job_stopped(aslrt_run *r)
{
	return r->virtual_clock ? aslrt_vsched_aborted() : aslrt_pool_stopped();
}

/* AWS stops the running siblings of a failed job where they are: those
 * asleep wake now (a Wait, a Retry interval, a callback), a subprocess or an
 * HTTP exchange sees it within its next poll (subprocess.c, http.c). */
static void stop(aslrt_batch *b)
{
	pthread_mutex_lock(&stop_lock);
	__atomic_store_n(&b->stopped, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&stop_cv);
	pthread_mutex_unlock(&stop_lock);
	aslrt_cb_wake();
}

/* Jobs of b that will never start: a job failed, or the job that made b was
 * stopped (a nested Parallel or Map in a stopped branch). */
static bool closed(const aslrt_batch *b)
{
	return (b->failed && !b->all) || stopped(b);
}

/* A job of b that may start now, or -1. */
static int startable(aslrt_batch *b)
{
	if (b->next >= b->n || (b->limit > 0 && b->running >= b->limit))
		return -1;
	if (closed(b))
		return -1;
	return b->next;
}

static void unlist(aslrt_run *r, aslrt_batch *b)
{
	for (aslrt_batch **p = &r->batches; *p; p = &(*p)->link)
		if (*p == b) {
			*p = b->link;
			return;
		}
}

/* The jobs of a closed batch not yet started are dropped; pool_lock held. */
static void drop_rest(aslrt_run *r, aslrt_batch *b)
{
	if (b->next >= b->n)
		return;
	for (int k = b->next; k < b->n; k++) {
		json_object_put(b->jobs[k].input);
		b->jobs[k].input = NULL;
	}
	b->done += b->n - b->next;
	b->next = b->n;
	unlist(r, b);
}

/* Run job i of b; called and returning with r->pool_lock held. */
static void run_one(aslrt_run *r, aslrt_batch *b, int i)
{
	b->next++;
	b->running++;
	if (b->next >= b->n)
		unlist(r, b);
	pthread_mutex_unlock(&r->pool_lock);
	aslrt_job *j = &b->jobs[i];
	aslrt_thread_batch(b->id);
	aslrt_batch *outer = cur;
	cur = b;
	j->rc = aslrt_job_run(j); /* makes the job's context as it starts */
	/* The output may share nodes with this thread's Context object base
	 * (exec.c): the caller gets a tree of its own. */
	if (j->out) {
		struct json_object *o = aslrt_json_copy(j->out);
		json_object_put(j->out);
		j->out = o;
	}
	job_done(j);
	pthread_mutex_lock(&r->pool_lock);
	/* failed because another job's failure stopped it, or the first */
	j->aborted = j->rc && stopped(b);
	cur = outer;
	if (j->rc && !j->aborted && !b->all)
		stop(b);
	b->running--;
	b->done++;
	if (j->rc)
		b->failed++;
	if (closed(b)) /* the first failure: jobs not started are dropped */
		drop_rest(r, b);
	pthread_cond_broadcast(&b->finished);
	if (startable(b) >= 0) /* a MaxConcurrency slot came free */
		pthread_cond_broadcast(&r->pool_work);
}

static void *worker(void *arg)
{
	aslrt_run *r = arg;
	pthread_mutex_lock(&r->pool_lock);
	for (;;) {
		aslrt_batch *b;
		int i = -1;
		for (b = r->batches; b; b = b->link)
			if ((i = startable(b)) >= 0)
				break;
		if (b) {
			run_one(r, b, i);
			continue;
		}
		if (r->pool_shutdown)
			break;
		r->idle++;
		pthread_cond_wait(&r->pool_work, &r->pool_lock);
		r->idle--;
	}
	pthread_mutex_unlock(&r->pool_lock);
	aslrt_thread_done();
	return NULL;
}

int aslrt_pool_run(aslrt_run *r, aslrt_job *jobs, int n, long limit, bool all)
{
	static unsigned long seq;
	aslrt_batch b = {jobs,
			 n,
			 0,
			 0,
			 0,
			 0,
			 limit,
			 all,
			 PTHREAD_COND_INITIALIZER,
			 NULL,
			 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED),
			 cur,
			 0};
	if (n == 0)
		return 0;
	if (r->virtual_clock) /* repeatable runs: interleaved in virtual time */
		return aslrt_vsched_run(r, jobs, n, limit, all);
	int known = known_small(r, &jobs[0].scope, n, sizeof *jobs);
	if (known < 0) {
		pthread_mutex_lock(&r->pool_lock);
		known = all_small(r, &jobs[0].scope, n, sizeof *jobs);
		pthread_mutex_unlock(&r->pool_lock);
	}
	if (known) {
		aslrt_thread_batch(b.id); /* parents' variables as they are now */
		return run_inline(jobs, n, all);
	}
	pthread_mutex_lock(&r->pool_lock);
	b.link = r->batches;
	r->batches = &b;
	/* wake idle workers, and start more while the jobs that may run at once
	 * (the caller runs one) outnumber them */
	int want = (limit > 0 && limit < n ? (int)limit : n) - 1;
	for (int idle = r->idle; idle < want && r->nworkers < POOL_MAX; idle++) {
		if (pthread_create(&r->workers[r->nworkers], NULL, worker, r) != 0)
			break;
		/* atomic: history.c reads it without the lock */
		__atomic_store_n(&r->nworkers, r->nworkers + 1, __ATOMIC_RELAXED);
	}
	pthread_cond_broadcast(&r->pool_work);
	while (b.done < b.n) {
		int i = startable(&b);
		if (i >= 0)
			run_one(r, &b, i);
		else if (closed(&b) && b.next < b.n)
			drop_rest(r, &b); /* stopped from outside before they started */
		else
			pthread_cond_wait(&b.finished, &r->pool_lock);
	}
	unlist(r, &b);
	pthread_mutex_unlock(&r->pool_lock);
	pthread_cond_destroy(&b.finished);
	return b.failed;
}

void aslrt_pool_init(aslrt_run *r)
{
	pthread_mutex_init(&r->pool_lock, NULL);
	pthread_cond_init(&r->pool_work, NULL);
}

void aslrt_pool_shutdown(aslrt_run *r)
{
	pthread_mutex_lock(&r->pool_lock);
	r->pool_shutdown = true;
	pthread_cond_broadcast(&r->pool_work);
	pthread_mutex_unlock(&r->pool_lock);
	for (int i = 0; i < r->nworkers; i++)
		pthread_join(r->workers[i], NULL);
	r->nworkers = 0;
	pthread_cond_destroy(&r->pool_work);
	pthread_mutex_destroy(&r->pool_lock);
	free(r->scope_cost);
	r->scope_cost = NULL;
}
