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
 */
#include <stdlib.h>

#include "exec.h"

#define POOL_MAX 64

struct rt_batch {
	rt_job *jobs;
	int n;
	int next;          /* first job not yet started */
	int running, done, failed;
	long limit;        /* at most this many running; 0: no limit */
	bool all;          /* run every job even after a failure */
	pthread_cond_t finished;
	rt_batch *link;    /* the pool's list of batches with jobs to start */
	unsigned long id;  /* unique in the process (exec.c's per-thread caches) */
};

/* A job of b that may start now, or -1. */
static int startable(rt_batch *b)
{
	if (b->next >= b->n || (b->limit > 0 && b->running >= b->limit))
		return -1;
	if (b->failed && !b->all)
		return -1;
	return b->next;
}

static void unlist(aslrt_run *r, rt_batch *b)
{
	for (rt_batch **p = &r->batches; *p; p = &(*p)->link)
		if (*p == b) {
			*p = b->link;
			return;
		}
}

/* Run job i of b; called and returning with r->pool_lock held. */
static void run_one(aslrt_run *r, rt_batch *b, int i)
{
	b->next++;
	b->running++;
	if (b->next >= b->n)
		unlist(r, b);
	pthread_mutex_unlock(&r->pool_lock);
	rt_job *j = &b->jobs[i];
	rt_thread_batch(b->id);
	/* Contexts are made as jobs start and emptied as they end: memory
	 * follows the jobs running, not the jobs of the batch. */
	if (!j->c)
		j->c = rt_ctx_new(r, j->parent);
	j->rc = rt_run_scope(j->c, j->scope, j->input, &j->out);
	j->input = NULL; /* consumed */
	/* The output may share nodes with this thread's Context object base
	 * (exec.c): the caller gets a tree of its own. */
	if (j->out) {
		struct json_object *o = aslrt_json_copy(j->out);
		json_object_put(j->out);
		j->out = o;
	}
	rt_ctx_release(j->c);
	pthread_mutex_lock(&r->pool_lock);
	b->running--;
	b->done++;
	if (j->rc)
		b->failed++;
	if (b->failed && !b->all && b->next < b->n) {
		/* the first failure: jobs not started are dropped */
		for (int k = b->next; k < b->n; k++) {
			json_object_put(b->jobs[k].input);
			b->jobs[k].input = NULL;
		}
		b->done += b->n - b->next;
		b->next = b->n;
		unlist(r, b);
	}
	pthread_cond_broadcast(&b->finished);
	if (startable(b) >= 0) /* a MaxConcurrency slot came free */
		pthread_cond_broadcast(&r->pool_work);
}

static void *worker(void *arg)
{
	aslrt_run *r = arg;
	pthread_mutex_lock(&r->pool_lock);
	for (;;) {
		rt_batch *b;
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
	rt_thread_done();
	return NULL;
}

int rt_pool_run(aslrt_run *r, rt_job *jobs, int n, long limit, bool all)
{
	static unsigned long seq;
	rt_batch b = {jobs, n, 0, 0, 0, 0, limit, all, PTHREAD_COND_INITIALIZER, NULL,
		      __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED)};
	if (n == 0)
		return 0;
	pthread_mutex_lock(&r->pool_lock);
	b.link = r->batches;
	r->batches = &b;
	/* wake idle workers, and start more while the jobs that may run at once
	 * (the caller runs one) outnumber them */
	int want = (limit > 0 && limit < n ? (int)limit : n) - 1;
	for (int idle = r->idle; idle < want && r->nworkers < POOL_MAX; idle++) {
		if (pthread_create(&r->workers[r->nworkers], NULL, worker, r) != 0)
			break;
		r->nworkers++;
	}
	pthread_cond_broadcast(&r->pool_work);
	while (b.done < b.n) {
		int i = startable(&b);
		if (i >= 0)
			run_one(r, &b, i);
		else
			pthread_cond_wait(&b.finished, &r->pool_lock);
	}
	unlist(r, &b);
	pthread_mutex_unlock(&r->pool_lock);
	pthread_cond_destroy(&b.finished);
	return b.failed;
}

void rt_pool_init(aslrt_run *r)
{
	pthread_mutex_init(&r->pool_lock, NULL);
	pthread_cond_init(&r->pool_work, NULL);
}

void rt_pool_shutdown(aslrt_run *r)
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
}
