/*
 * vsched.c - Parallel branches and Map iterations under the virtual clock:
 * concurrent in virtual time, repeatable to the byte.
 *
 * Every started job has a thread of its own, but only the holder of the run
 * token runs; the others wait at a point where virtual time passes (a Wait,
 * a Retry interval, a mocked Task's Duration: aslrt_sleep_ms) or, for a
 * Parallel branch, right after its first StateEntered.  The token goes to
 * the waiting job that resumes first in virtual time; at the same instant,
 * jobs not yet started come first (every branch of a Parallel enters its
 * first state before any goes on, as AWS starts them all at once), then the
 * one started first (a Map's iterations at one instant run one after
 * another, as AWS's recorded histories show them).  So the order of events,
 * mock calls and failures depends on nothing but the definition and input.
 *
 * A Map under the real clock has no such bound (pool.c): the threads here
 * are one per job running at once, hence the cap on Map iterations below.
 *
 * A failure (unless failures are tolerated) stops its batch at that instant:
 * jobs not yet started never start, started ones stop where they wait and
 * record their state as aborted (AWS's <Type>StateAborted,
 * MapIterationAborted), and the batch ends at the time of the failure.
 */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

#define VSCHED_CHILDREN 1000

typedef struct vbatch vbatch;

typedef struct vfiber {
	int64_t t;	   /* when it resumes (while ready) */
	int phase;	   /* 0: a branch before its first state, 1: started */
	unsigned long seq; /* ties: started first goes first */
	bool ready;	   /* waiting for the token, runnable */
	bool aborted;	   /* stopped: ends as it resumes */
	bool live;	   /* started and not ended */
	pthread_cond_t cv;
	vbatch *batch; /* NULL: the thread that ran the first batch */
	aslrt_job *job;
	pthread_t th;
} vfiber;

struct vbatch {
	aslrt_run *r;
	aslrt_job *jobs;
	vfiber *fibers; /* one per job */
	int n, next, running, done, failed;
	int lo; /* the first job that may still be running */
	long limit;
	bool all, parallel, stopped;
	int64_t avail; /* when the next job may start */
	int64_t end;   /* when the batch ends (so far) */
	unsigned long seq0;
	vfiber *owner;
	vbatch *link; /* the scheduler's list of batches running */
};

typedef struct aslrt_vsched {
	pthread_mutex_t lock;
	vfiber *current; /* holds the token */
	vbatch *batches;
	unsigned long seq;
} aslrt_vsched;

static _Thread_local vfiber *self;

static aslrt_vsched *sched(aslrt_run *r)
{
	pthread_mutex_lock(&r->lock);
	if (!r->vsched) {
		r->vsched = calloc(1, sizeof *r->vsched);
		if (!r->vsched)
			abort();
		pthread_mutex_init(&r->vsched->lock, NULL);
	}
	aslrt_vsched *s = r->vsched;
	pthread_mutex_unlock(&r->lock);
	return s;
}

void aslrt_vsched_free(aslrt_run *r)
{
	if (!r->vsched)
		return;
	pthread_mutex_destroy(&r->vsched->lock);
	free(r->vsched);
	r->vsched = NULL;
}

static bool before(int64_t t, int phase, unsigned long seq, int64_t t2, int phase2,
		   unsigned long seq2)
{
	if (t != t2)
		return t < t2;
	if (phase != phase2)
		return phase < phase2;
	return seq < seq2;
}

static bool startable(vbatch *b)
{
	return b->next < b->n && !b->stopped && (b->limit <= 0 || b->running < b->limit);
}

static void *fiber_main(void *arg);

static void set_clock(aslrt_run *r, int64_t t)
{
	pthread_mutex_lock(&r->lock);
	r->clock_ms = t;
	pthread_mutex_unlock(&r->lock);
}

/* Give the token to whoever resumes first: a ready job or a batch's next
 * job, which starts now on a thread of its own.  Called with s->lock. */
static void dispatch(aslrt_vsched *s)
{
	vfiber *best = NULL;
	vbatch *bb = NULL;
	int64_t t = 0;
	int phase = 0;
	unsigned long seq = 0;
	for (vbatch *b = s->batches; b; b = b->link) {
		/* jobs before lo have ended or were dropped: never to run again */
		while (b->lo < b->next && !b->fibers[b->lo].live)
			b->lo++;
		for (int i = b->lo; i < b->next; i++) {
			vfiber *f = &b->fibers[i];
			if (f->live && f->ready &&
			    ((!best && !bb) || before(f->t, f->phase, f->seq, t, phase, seq))) {
				best = f, bb = NULL;
				t = f->t, phase = f->phase, seq = f->seq;
			}
		}
		if (b->owner && b->owner->ready && !b->owner->batch &&
		    ((!best && !bb) ||
		     before(b->owner->t, b->owner->phase, b->owner->seq, t, phase, seq))) {
			best = b->owner, bb = NULL; /* the first thread, its batch done */
			t = best->t, phase = best->phase, seq = best->seq;
		}
		int ph = b->parallel ? 0 : 1;
		if (startable(b) &&
		    ((!best && !bb) ||
		     before(b->avail, ph, b->seq0 + (unsigned long)b->next, t, phase, seq))) {
			best = NULL, bb = b;
			t = b->avail, phase = ph, seq = b->seq0 + (unsigned long)b->next;
		}
	}
	if (bb) {
		int i = bb->next++;
		bb->running++;
		vfiber *f = &bb->fibers[i];
		f->t = t, f->phase = phase, f->seq = seq;
		f->live = true;
		f->batch = bb;
		f->job = &bb->jobs[i];
		pthread_cond_init(&f->cv, NULL);
		s->current = f;
		/* detached: a Map's ended iterations hold no stack till the end */
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		int err = pthread_create(&f->th, &attr, fiber_main, f);
		pthread_attr_destroy(&attr);
		if (err != 0) {
			fprintf(stderr, "cannot start a thread for a Parallel branch or Map "
					"iteration\n");
			abort();
		}
		return;
	}
	if (!best) {
		/* cannot happen: a batch's owner waits only while its jobs can run */
		fprintf(stderr, "virtual clock: nothing can run\n");
		abort();
	}
	best->ready = false;
	s->current = best;
	pthread_cond_signal(&best->cv);
}

/* Wait for the token; called with s->lock, which it keeps. */
static void wait_turn(aslrt_vsched *s, vfiber *f)
{
	while (s->current != f)
		pthread_cond_wait(&f->cv, &s->lock);
}

/* Hand the token on and wait for it again at virtual time t. */
static void yield(aslrt_run *r, aslrt_vsched *s, vfiber *f, int64_t t)
{
	f->t = t;
	f->ready = true;
	dispatch(s);
	wait_turn(s, f);
	set_clock(r, f->t);
}

static void stop(aslrt_vsched *s, vbatch *b, int64_t t);

/* Every job of b has ended or will never start: its owner goes on. */
static void check_done(vbatch *b)
{
	if (b->done == b->n) {
		b->owner->t = b->end;
		b->owner->ready = true;
	}
}

/* f stops at time t, and so do the batches it runs. */
static void abort_fiber(aslrt_vsched *s, vfiber *f, int64_t t)
{
	f->aborted = true;
	if (f->ready && f->t > t)
		f->t = t;
	for (vbatch *b = s->batches; b; b = b->link)
		if (b->owner == f)
			stop(s, b, t);
}

static void stop(aslrt_vsched *s, vbatch *b, int64_t t)
{
	if (b->stopped)
		return;
	b->stopped = true;
	b->end = t;
	for (int k = b->next; k < b->n; k++) {
		json_object_put(b->jobs[k].input);
		b->jobs[k].input = NULL;
	}
	b->done += b->n - b->next;
	b->next = b->n;
	for (int i = 0; i < b->n; i++)
		if (b->fibers[i].live)
			abort_fiber(s, &b->fibers[i], t);
	check_done(b);
}

static void *fiber_main(void *arg)
{
	vfiber *f = arg;
	vbatch *b = f->batch;
	aslrt_run *r = b->r;
	aslrt_vsched *s = r->vsched;
	aslrt_job *j = f->job;
	self = f;
	pthread_mutex_lock(&s->lock);
	wait_turn(s, f);
	pthread_mutex_unlock(&s->lock);
	set_clock(r, f->t);
	aslrt_thread_batch(b->seq0);
	j->rc = aslrt_job_run(j);
	/* the output may share nodes with this thread's Context object base */
	if (j->out) {
		struct json_object *o = aslrt_json_copy(j->out);
		json_object_put(j->out);
		j->out = o;
	}
	aslrt_ctx_release(j->c);
	aslrt_thread_done();
	int64_t now = aslrt_now_ms(r);
	pthread_mutex_lock(&s->lock);
	j->aborted = f->aborted;
	f->live = false;
	b->running--;
	b->done++;
	if (j->rc)
		b->failed++;
	if (!b->stopped && now > b->end)
		b->end = now;
	if (j->rc && !f->aborted && !b->all)
		stop(s, b, now);
	if (startable(b) && now > b->avail)
		b->avail = now; /* a MaxConcurrency slot came free */
	check_done(b);
	dispatch(s);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* A Map whose iterations never let virtual time pass (pool.c's small
 * scopes) runs them here, in order: what the interleaving would do, without
 * a thread each (a Map of 20,000 Pass iterations: 4 s against 0.1 s). */
static int run_here(aslrt_vsched *s, aslrt_job *jobs, int n, bool all)
{
	int failed = 0;
	pthread_mutex_lock(&s->lock);
	unsigned long id = s->seq + 1;
	s->seq += (unsigned long)n;
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < n; i++) {
		aslrt_job *j = &jobs[i];
		if (failed && !all) { /* the first failure: the rest never start */
			json_object_put(j->input);
			j->input = NULL;
			continue;
		}
		aslrt_thread_batch(id); /* parents' variables as they are now */
		j->rc = aslrt_job_run(j);
		aslrt_ctx_release(j->c);
		if (j->rc)
			failed++;
	}
	return failed;
}

int aslrt_vsched_run(aslrt_run *r, aslrt_job *jobs, int n, long limit, bool all)
{
	aslrt_vsched *s = sched(r);
	if (jobs[0].iteration && !(self && self->aborted) &&
	    aslrt_pool_inline(r, &jobs[0].scope, 1))
		return run_here(s, jobs, n, all);
	vfiber root = {0};
	vfiber *owner = self;
	vbatch b = {0};
	b.fibers = calloc((size_t)n, sizeof *b.fibers);
	if (!b.fibers)
		abort();
	pthread_mutex_lock(&s->lock);
	if (!owner) { /* the execution's own thread: it holds the token */
		owner = &root;
		pthread_cond_init(&root.cv, NULL);
		root.live = true;
		s->current = owner;
		self = owner;
	}
	b.r = r, b.jobs = jobs, b.n = n, b.limit = limit, b.all = all;
	b.parallel = !jobs[0].iteration;
	/* an Inline Map runs up to 40 iterations at once (AWS's developer
	 * guide); a Distributed one's children, each a thread here, up to
	 * VSCHED_CHILDREN */
	long cap = jobs[0].child ? VSCHED_CHILDREN : 40;
	if (!b.parallel && (b.limit <= 0 || b.limit > cap))
		b.limit = cap;
	b.avail = b.end = aslrt_now_ms(r);
	b.seq0 = s->seq + 1;
	s->seq += (unsigned long)n;
	b.owner = owner;
	b.link = s->batches;
	s->batches = &b;
	if (owner->aborted)
		stop(s, &b, b.avail);
	if (b.done < b.n) {
		dispatch(s);
		wait_turn(s, owner);
	}
	owner->ready = false;
	for (vbatch **p = &s->batches; *p; p = &(*p)->link)
		if (*p == &b) {
			*p = b.link;
			break;
		}
	if (owner == &root) {
		s->current = NULL;
		self = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	/* the jobs' threads touch nothing of b after their last dispatch */
	for (int i = 0; i < b.n; i++)
		if (b.fibers[i].job) /* started */
			pthread_cond_destroy(&b.fibers[i].cv);
	free(b.fibers);
	if (owner == &root)
		pthread_cond_destroy(&root.cv);
	set_clock(r, b.end);
	return b.failed;
}

bool aslrt_vsched_sleep(aslrt_run *r, int64_t until)
{
	vfiber *f = self;
	if (!f || !r->vsched)
		return false;
	aslrt_vsched *s = r->vsched;
	pthread_mutex_lock(&s->lock);
	if (!f->aborted)
		yield(r, s, f, until);
	pthread_mutex_unlock(&s->lock);
	return true;
}

void aslrt_vsched_entered(aslrt_run *r)
{
	vfiber *f = self;
	if (!f || f->phase != 0 || !r->vsched)
		return;
	aslrt_vsched *s = r->vsched;
	pthread_mutex_lock(&s->lock);
	f->phase = 1;
	if (!f->aborted)
		yield(r, s, f, f->t);
	pthread_mutex_unlock(&s->lock);
}

bool aslrt_vsched_aborted(void)
{
	return self && self->aborted;
}
