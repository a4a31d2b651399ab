/*
 * journal.c - Standard workflows' durable journal (--store FILE): executions
 * by name, their events, and every Task attempt's result, in SQLite.
 *
 * Resume is replay: the execution runs again from its start with its
 * journaled input and Context object, and each Task attempt whose result is
 * in the journal gets that result instead of being called, so a Task whose
 * result was journaled is never called again.  An attempt journaled as
 * started but without a result was running when the process died: it fails
 * with States.Timeout (AWS's lost worker), which its Retry rules see; it is
 * never silently called twice.  Waits and Retry intervals resume at their journaled end.
 *
 * Attempts are keyed by where they ran, which is the same on every replay:
 * the thread's lane path (Parallel branch / Map iteration indices, numbered
 * per spawn) and the thread's count of Task attempts so far.
 *
 * Durability: WAL with synchronous=FULL, so a committed step survives a
 * power loss (an fsync per commit); --store-sync NORMAL drops the fsync: a
 * step then survives the process dying, not the machine losing power.  A step is one transaction: a
 * Task attempt's start, its result (with the events before it), a state's exit. One process runs an
 * execution at a time: it holds a lock (fcntl, released by the kernel when the process dies) on a
 * byte of FILE-lock for the name.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"

/* 2: Retry intervals are journaled, numbered with Task attempts and Waits
 * (attempt keys), so a version-1 journal would replay misnumbered: refused. */
#define SCHEMA_VERSION "2"

static const char schema[] =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS executions(name TEXT PRIMARY KEY, input TEXT NOT NULL,"
    " context TEXT NOT NULL, status TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,"
    " start_ms INTEGER NOT NULL, stop_ms INTEGER);"
    "CREATE TABLE IF NOT EXISTS events(execution TEXT NOT NULL, id INTEGER NOT NULL,"
    " event TEXT NOT NULL, PRIMARY KEY(execution, id));"
    "CREATE TABLE IF NOT EXISTS attempts(execution TEXT NOT NULL, key TEXT NOT NULL,"
    " status TEXT NOT NULL, result TEXT, error TEXT, cause TEXT,"
    " PRIMARY KEY(execution, key));"
    "COMMIT;";

static int fail(char *why, size_t len, sqlite3 *db, const char *path, const char *what)
{
	snprintf(why, len, "--store %s: %s: %s", path, what, db ? sqlite3_errmsg(db) : "");
	return -1;
}

int aslrt_journal_open(aslrt_run *r, const char *path, bool create, char *why, size_t len)
{
	sqlite3 *db = NULL;
	int flags =
	    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		fail(why, len, db, path, "cannot open the journal");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_stmt *q = NULL;
	/* a file that is not SQLite, or a damaged one, fails here */
	if (sqlite3_exec(db,
			 r->journal_sync_normal
			     ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			     : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0) {
		fail(why, len, db, path, "not a journal, or a damaged one");
		sqlite3_finalize(q);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_finalize(q);
	/* create the tables only when missing: that takes the write lock */
	sqlite3_prepare_v2(db,
			   "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
			   "('meta', 'executions', 'events', 'attempts')",
			   -1, &q, NULL);
	int have = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	sqlite3_finalize(q);
	if (have != 0 && have != 4) {
		snprintf(why, len,
			 "--store %s: not a journal, or a damaged one (%d of its 4 tables)", path,
			 have);
		sqlite3_close(db);
		return -1;
	}
	if (have == 0 && sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		fail(why, len, db, path, "cannot create the journal's tables");
		sqlite3_close(db);
		return -1;
	}
	/* the schema version and the machine this journal belongs to */
	const char *keys[] = {"schema_version", "state_machine"};
	const char *want[] = {SCHEMA_VERSION, r->name};
	for (int i = 0; i < 2; i++) {
		sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL);
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(q);
		const char *have_v =
		    rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : "";
		if (rc == SQLITE_ROW && i == 0 && strcmp(have_v, want[0]) != 0) {
			snprintf(why, len,
				 "--store %s: the journal's schema version is '%s', this "
				 "executable's '%s': it was written by %s aslc and cannot be "
				 "resumed here; finish its executions with the executable that "
				 "wrote it, or use another --store file",
				 path, have_v, want[0],
				 atoi(have_v) < atoi(want[0]) ? "an older" : "another");
			sqlite3_finalize(q);
			sqlite3_close(db);
			return -1;
		}
		if (rc == SQLITE_ROW && strcmp(have_v, want[i]) != 0) {
			snprintf(why, len,
				 "--store %s: the journal's %s is '%s', this executable's '%s'",
				 path, keys[i], have_v, want[i]);
			sqlite3_finalize(q);
			sqlite3_close(db);
			return -1;
		}
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW) {
			sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?, ?)", -1, &q, NULL);
			sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 2, want[i], -1, SQLITE_STATIC);
			rc = sqlite3_step(q);
			sqlite3_finalize(q);
			if (rc != SQLITE_DONE) {
				fail(why, len, db, path, "cannot write the journal");
				sqlite3_close(db);
				return -1;
			}
		}
	}
	r->journal = db;
	r->journal_path = path;
	return 0;
}

void aslrt_journal_close(aslrt_run *r)
{
	if (r->journal_lock >= 0)
		close(r->journal_lock);
	r->journal_lock = -1;
	if (!r->journal)
		return;
	if (r->journal_tx)
		sqlite3_exec(r->journal, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(r->journal);
	r->journal = NULL;
}

/* The execution's byte of FILE-lock. */
static struct flock lock_byte(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	struct flock fl = {.l_type = F_WRLCK,
			   .l_whence = SEEK_SET,
			   .l_start = (off_t)(h & 0x3fffffff),
			   .l_len = 1};
	return fl;
}

/* Lock the execution's byte of FILE-lock for this process's lifetime. */
static int aslrt_journal_lock(aslrt_run *r, const char *store, const char *name, char *why,
			      size_t len)
{
	char *path = NULL;
	if (asprintf(&path, "%s-lock", store) < 0)
		abort();
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(why, len, "cannot open %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	struct flock fl = lock_byte(name);
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		snprintf(why, len, "execution '%s' is being run by another process (%s)", name,
			 path);
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	r->journal_lock = fd;
	return 0;
}

/* A statement of the run; a journal that fails mid-run stops the process
 * (exit 2) rather than go on with effects it would not keep. */
static sqlite3_stmt *prep(aslrt_run *r, const char *sql)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(r->journal, sql, -1, &q, NULL) != SQLITE_OK) {
		fprintf(stderr, "aslrt: --store %s: %s\n", r->journal_path,
			sqlite3_errmsg(r->journal));
		_exit(2);
	}
	return q;
}

static void step(aslrt_run *r, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "aslrt: --store %s: %s\n", r->journal_path,
			sqlite3_errmsg(r->journal));
		_exit(2);
	}
}

static int exec_sql(aslrt_run *r, const char *sql)
{
	return sqlite3_exec(r->journal, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Commit the step's writes; called with the run's lock held. */
static void commit(aslrt_run *r)
{
	if (r->journal_tx && exec_sql(r, "COMMIT") != 0) {
		fprintf(stderr, "aslrt: journal commit failed: %s\n", sqlite3_errmsg(r->journal));
		_exit(2); /* never go on with effects the journal did not keep */
	}
	r->journal_tx = false;
}

static void begin(aslrt_run *r)
{
	if (!r->journal_tx && exec_sql(r, "BEGIN IMMEDIATE") == 0)
		r->journal_tx = true;
}

/* --- executions --- */

/*
 * Look execution name up: 0 when not there, 1 when there (its input and
 * context in *input and *context, as text, malloc'd; status in *status).
 */
static int aslrt_journal_find(aslrt_run *r, const char *name, char **input, char **context,
			      char **status)
{
	sqlite3_stmt *q;
	q = prep(r, "SELECT input, context, status FROM executions WHERE name=?");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	int found = sqlite3_step(q) == SQLITE_ROW;
	if (found) {
		*input = strdup((const char *)sqlite3_column_text(q, 0));
		*context = strdup((const char *)sqlite3_column_text(q, 1));
		*status = strdup((const char *)sqlite3_column_text(q, 2));
	}
	sqlite3_finalize(q);
	return found;
}

int aslrt_journal_start(aslrt_run *r, const char *name, const char *input, const char *context,
			int64_t start_ms)
{
	sqlite3_stmt *q;
	q = prep(r, "INSERT INTO executions(name, input, context, status, start_ms) "
		    "VALUES(?, ?, ?, 'RUNNING', ?)");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, input, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, context, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, start_ms);
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	r->journal_exec = name;
	return rc;
}

/* The execution ended: its output, or its error. */
void aslrt_journal_end(aslrt_run *r, struct json_object *output, const aslrt_error *err)
{
	if (!r->journal || !r->journal_exec)
		return;
	int64_t now = aslrt_now_ms(r); /* takes the lock under the virtual clock */
	pthread_mutex_lock(&r->lock);
	begin(r);
	sqlite3_stmt *q;
	q = prep(r, "UPDATE executions SET status=?, output=?, error=?, cause=?, stop_ms=? "
		    "WHERE name=?");
	char *out = err ? NULL : aslrt_json_dump(output);
	sqlite3_bind_text(q, 1, err ? "FAILED" : "SUCCEEDED", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, out, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, err ? err->name : NULL, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, err ? err->cause : NULL, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 5, now);
	sqlite3_bind_text(q, 6, r->journal_exec, -1, SQLITE_STATIC);
	step(r, q);
	sqlite3_finalize(q);
	free(out);
	commit(r);
	pthread_mutex_unlock(&r->lock);
}

/* --- events --- */

/* Whether two events are the same but for their timestamps. */
static bool same_event(struct json_object *a, struct json_object *b)
{
	if (!json_object_is_type(a, json_type_object) ||
	    json_object_object_length(a) != json_object_object_length(b))
		return false;
	json_object_object_foreach(a, k, v)
	{
		struct json_object *w = NULL;
		if (strcmp(k, "timestamp") != 0 &&
		    (!json_object_object_get_ex(b, k, &w) || !json_object_equal(v, w)))
			return false;
	}
	return true;
}

/*
 * Resume replays the events the journal holds: each keeps the time it first
 * happened (the history is what happened, not when it was replayed).  The
 * journaled event id must be this one, timestamp aside; if not (Parallel
 * branches under the real clock may number their events in another order
 * on replay), the replay's event replaces it.  Returns the original time in
 * ms, -1 when e is not a replayed one.
 */
static int64_t replayed(aslrt_run *r, int id, struct json_object *e)
{
	if (id > r->journal_replayed)
		return -1;
	sqlite3_stmt *q = prep(r, "SELECT event FROM events WHERE execution=? AND id=?");
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, id);
	int64_t ms = -1;
	struct json_object *old = NULL, *ts = NULL;
	char why[ASLRT_ERRLEN];
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(q, 0);
		if (aslrt_json_parse(text, strlen(text), &old, why, sizeof why) == 0 &&
		    same_event(old, e) && json_object_object_get_ex(old, "timestamp", &ts)) {
			ms = (int64_t)(json_object_get_double(ts) * 1000.0 + 0.5);
			/* the journaled text of the time, as it was written */
			json_object_object_add(e, "timestamp", json_object_get(ts));
		}
	}
	json_object_put(old);
	sqlite3_finalize(q);
	return ms;
}

/* Called by aslrt_event with the run's lock held. */
int64_t aslrt_journal_event(aslrt_run *r, int id, struct json_object *e, int type)
{
	if (!r->journal || !r->journal_exec)
		return -1;
	int64_t ms = replayed(r, id, e);
	if (ms >= 0)
		return ms; /* already there */
	begin(r);
	sqlite3_stmt *q;
	q = prep(r, "INSERT OR REPLACE INTO events VALUES(?, ?, ?)");
	char *s = aslrt_json_dump(e);
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, id);
	sqlite3_bind_text(q, 3, s, -1, SQLITE_TRANSIENT);
	step(r, q);
	sqlite3_finalize(q);
	free(s);
	struct json_object *t = NULL;
	/* one transaction per step; what happens outside while a Task runs (a
	 * worker took it, a service accepted it) is kept as it happens */
	if (type == EV_STATE_EXITED || type == EV_TASK_SUBMITTED ||
	    (type == EV_TASK_STARTED && json_object_object_get_ex(e, "type", &t) &&
	     strcmp(json_object_get_string(t), "ActivityStarted") == 0))
		commit(r);
	return -1;
}

/* --- Task attempts and Waits --- */

static void park(aslrt_run *r, int64_t until);
static char *iso(int64_t ms);

static char *attempt_key(aslrt_ctx *c, const char *what)
{
	char *key = NULL;
	if (asprintf(&key, "%s/%s%d", c->lane_path ? c->lane_path : "", what, c->steps++) < 0)
		abort();
	return key;
}

/* The journaled event of that type following event prev (new reference), or
 * NULL: in the 64 events after prev, where the replay of its Task looks. */
static struct json_object *journaled_after(aslrt_run *r, int prev, const char *type)
{
	struct json_object *found = NULL;
	pthread_mutex_lock(&r->lock);
	sqlite3_stmt *q =
	    prep(r, "SELECT event FROM events WHERE execution=? AND id>? ORDER BY id LIMIT 64");
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, prev);
	while (!found && sqlite3_step(q) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(q, 0);
		struct json_object *e = NULL, *v = NULL;
		char why[ASLRT_ERRLEN];
		if (aslrt_json_parse(text, strlen(text), &e, why, sizeof why) == 0 &&
		    json_object_object_get_ex(e, "type", &v) &&
		    strcmp(json_object_get_string(v), type) == 0 &&
		    json_object_object_get_ex(e, "previousEventId", &v) &&
		    json_object_get_int(v) == prev)
			found = json_object_get(e);
		json_object_put(e);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&r->lock);
	return found;
}

static struct json_object *detail(struct json_object *e, const char *details, const char *key)
{
	struct json_object *d = NULL, *v = NULL;
	if (json_object_object_get_ex(e, details, &d))
		json_object_object_get_ex(d, key, &v);
	return v;
}

/*
 * A replayed attempt records again what happened between its start and its
 * end, as the journal holds it: the ActivityStarted of an activity a worker
 * took on --listen (with the worker's name; none: it timed out untaken), the
 * TaskSubmitted of a .sync or callback Task (with the service's response).
 */
static void replay_between(aslrt_ctx *c, aslrt_state *st)
{
	aslrt_run *r = c->run;
	struct json_object *e;
	if (c->in_child)
		return; /* a child execution's events are not journaled */
	if (aslrt_activity_worker(r, st) &&
	    (e = journaled_after(r, c->last_event, "ActivityStarted"))) {
		aslrt_event(c, EV_TASK_STARTED, c->state,
			    detail(e, "activityStartedEventDetails", "workerName"), 0);
		json_object_put(e);
	}
	if (aslrt_task_submits(st) && (e = journaled_after(r, c->last_event, "TaskSubmitted"))) {
		const char *text =
		    json_object_get_string(detail(e, "taskSubmittedEventDetails", "output"));
		struct json_object *resp = NULL;
		char why[ASLRT_ERRLEN];
		if (text && aslrt_json_parse(text, strlen(text), &resp, why, sizeof why) == 0)
			aslrt_task_submitted(c, resp);
		json_object_put(resp);
		json_object_put(e);
	}
}

/*
 * An attempt a sibling's failure stopped (pool.c) is journaled as stopped,
 * not with the error it ended in: replayed, it waits for that failure,
 * which replays too, so the replay fails first where the run did.  Should
 * the failure not come (a minute), it is a lost worker's attempt.
 */
static int replay_stopped(aslrt_ctx *c, const char *key)
{
	for (int i = 0; i < 600 && !aslrt_job_stopped(c->run); i++)
		aslrt_sleep_ms(c->run, 100); /* a stop ends it early */
	if (aslrt_job_stopped(c->run))
		return aslrt_aborted_error(c);
	return aslrt_raise(c, "States.Timeout",
			   "The Task was running when the process stopped; its worker is lost "
			   "(attempt %s)",
			   key);
}

int aslrt_journal_task(aslrt_ctx *c, aslrt_state *st, struct json_object *input,
		       struct json_object **out)
{
	aslrt_run *r = c->run;
	if (aslrt_history_full(r)) /* its TaskScheduled did not fit: no call */
		return aslrt_history_full_error(c);
	if (!r->journal || !r->journal_exec)
		return aslrt_task_run(c, st, input, out);
	char *key = attempt_key(c, "task");
	sqlite3_stmt *q;
	pthread_mutex_lock(&r->lock);
	q = prep(r,
		 "SELECT status, result, error, cause FROM attempts WHERE execution=? AND key=?");
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	int rc = 1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(q, 0);
		if (strcmp(status, "ok") == 0) {
			const char *res = (const char *)sqlite3_column_text(q, 1);
			char why[ASLRT_ERRLEN];
			rc = aslrt_json_parse(res, strlen(res), out, why, sizeof why) ? -1 : 0;
			if (rc)
				aslrt_raise(c, "States.Runtime",
					    "journal: a damaged result for %s: %s", key, why);
		} else if (strcmp(status, "error") == 0) {
			const char *e = (const char *)sqlite3_column_text(q, 2);
			const char *cause = (const char *)sqlite3_column_text(q, 3);
			aslrt_error_clear(&c->err);
			c->err.name = e ? strdup(e) : NULL;
			c->err.cause = cause ? strdup(cause) : NULL;
			rc = -1;
		} else if (strcmp(status, "stopped") == 0) {
			rc = 3;
		} else {
			/* started, never finished: the worker was lost */
			rc = 2;
		}
	}
	sqlite3_finalize(q);
	/* a mocked state's calls count replayed attempts too (task.c takes the
	 * n-th response for the n-th call) */
	if (rc != 1 && json_object_object_get_ex(r->mocks, st->name, NULL))
		st->calls++;
	if (rc == 1) { /* a new attempt: journal its start first */
		begin(r);
		q = prep(r, "INSERT INTO attempts(execution, key, status) VALUES(?, ?, 'started')");
		sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		step(r, q);
		sqlite3_finalize(q);
		commit(r);
	}
	pthread_mutex_unlock(&r->lock);
	if (rc != 1)
		replay_between(c, st);
	if (rc == 0 || rc == -1 || rc == 3) {
		rc = rc == 3 ? replay_stopped(c, key) : rc;
		free(key);
		return rc;
	}
	if (rc == 2)
		rc =
		    aslrt_raise(c, "States.Timeout",
				"The Task was running when the process stopped; its worker is lost "
				"(attempt %s)",
				key);
	else
		rc = aslrt_task_run(c, st, input, out);
	pthread_mutex_lock(&r->lock);
	begin(r);
	q = prep(r, "UPDATE attempts SET status=?, result=?, error=?, cause=? "
		    "WHERE execution=? AND key=?");
	char *res = rc ? NULL : aslrt_json_dump(*out);
	bool stopped = rc && aslrt_job_stopped(r);
	sqlite3_bind_text(q, 1, stopped ? "stopped" : rc ? "error" : "ok", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, res, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, rc && !stopped ? c->err.name : NULL, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, rc && !stopped ? c->err.cause : NULL, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, key, -1, SQLITE_STATIC);
	step(r, q);
	sqlite3_finalize(q);
	commit(r);
	pthread_mutex_unlock(&r->lock);
	free(res);
	free(key);
	return rc;
}

/* A Wait's or a Retry interval's end: the journaled one on replay, else
 * until (journaled); parks the execution when --park-after says so. */
static int64_t journal_until(aslrt_ctx *c, int64_t until, const char *what)
{
	aslrt_run *r = c->run;
	if (!r->journal || !r->journal_exec)
		return until;
	char *key = attempt_key(c, what);
	sqlite3_stmt *q;
	pthread_mutex_lock(&r->lock);
	q = prep(r, "SELECT result FROM attempts WHERE execution=? AND key=?");
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		until = sqlite3_column_int64(q, 0);
		commit(r); /* never sleep inside a transaction */
	} else {
		sqlite3_finalize(q);
		begin(r);
		q = prep(r, "INSERT INTO attempts(execution, key, status, result) "
			    "VALUES(?, ?, 'wait', ?)");
		sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, until);
		step(r, q);
		commit(r);
	}
	sqlite3_finalize(q);
	if (r->park_after_ms >= 0 && until - aslrt_now_ms(r) > r->park_after_ms)
		park(r, until);
	pthread_mutex_unlock(&r->lock);
	free(key);
	return until;
}

int64_t aslrt_journal_wait(aslrt_ctx *c, int64_t until)
{
	until = journal_until(c, until, "wait");
	c->wait_pending = true; /* aslrt_sleep_until: this one is journaled */
	c->wait_until = until;
	return until;
}

int64_t aslrt_journal_retry(aslrt_ctx *c, int64_t until)
{
	return journal_until(c, until, "retry");
}

/*
 * --park-after: the Wait's end is journaled; mark the execution parked until
 * then and end the process (exit 3) with the run's lock held, so no other
 * thread journals anything after.  --run-due resumes it once due; a Task
 * running in another Parallel branch or Map iteration meanwhile is resumed
 * as after a crash (its attempt fails with States.Timeout).
 */
static void park(aslrt_run *r, int64_t until)
{
	begin(r);
	sqlite3_stmt *q = prep(r, "INSERT OR REPLACE INTO attempts(execution, key, status, result) "
				  "VALUES(?, 'parked', 'parked', ?)");
	sqlite3_bind_text(q, 1, r->journal_exec, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, until);
	step(r, q);
	sqlite3_finalize(q);
	commit(r);
	char *when = iso(until);
	fflush(stdout);
	fprintf(stderr, "aslrt: execution '%s' parked until %s: resume it with --run-due\n",
		r->journal_exec, when);
	free(when);
	_exit(ASLRT_EXIT_PARKED);
}

/*
 * --run-due: the executions of the journal at path that are parked (see
 * park) and due, not ended, and not being run by another process, oldest
 * due first; their names in *names (malloc'd).
 */
int aslrt_journal_due(aslrt_run *r, const char *path, char ***names, int *n, char *why, size_t len)
{
	*names = NULL;
	*n = 0;
	if (aslrt_journal_open(r, path, false, why, len))
		return -1;
	char *lpath = NULL;
	if (asprintf(&lpath, "%s-lock", path) < 0)
		abort();
	int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(lpath);
	sqlite3_stmt *q = prep(r, "SELECT e.name FROM executions e JOIN attempts a"
				  " ON a.execution = e.name AND a.key = 'parked'"
				  " WHERE e.status = 'RUNNING' AND a.result <= ?"
				  " ORDER BY a.result, e.name");
	sqlite3_bind_int64(q, 1, aslrt_now_ms(r));
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		struct flock fl = lock_byte(name);
		if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			continue; /* another process runs it */
		*names = realloc(*names, (size_t)(*n + 1) * sizeof **names);
		if (!*names)
			abort();
		(*names)[(*n)++] = strdup(name);
	}
	sqlite3_finalize(q);
	if (fd >= 0)
		close(fd);
	aslrt_journal_close(r);
	return 0;
}

/* --- reading the journal --- */

static char *iso(int64_t ms)
{
	return aslrt_iso_time(ms);
}

static void print_obj(struct json_object *o)
{
	char *s = aslrt_json_dump(o);
	printf("%s\n", s);
	free(s);
	json_object_put(o);
}

static struct json_object *arn(aslrt_run *r, const char *name)
{
	char *s = NULL;
	if (asprintf(&s, "arn:aws:states:us-east-1:123456789012:execution:%s:%s", r->name, name) <
	    0)
		abort();
	struct json_object *v = json_object_new_string(s);
	free(s);
	return v;
}

static struct json_object *sm_arn(aslrt_run *r)
{
	char *s = NULL;
	if (asprintf(&s, "arn:aws:states:us-east-1:123456789012:stateMachine:%s", r->name) < 0)
		abort();
	struct json_object *v = json_object_new_string(s);
	free(s);
	return v;
}

static void add_time(struct json_object *o, const char *k, sqlite3_stmt *q, int col)
{
	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return;
	char *t = iso(sqlite3_column_int64(q, col));
	json_object_object_add(o, k, json_object_new_string(t));
	free(t);
}

static void add_col(struct json_object *o, const char *k, sqlite3_stmt *q, int col)
{
	if (sqlite3_column_type(q, col) != SQLITE_NULL)
		json_object_object_add(
		    o, k, json_object_new_string((const char *)sqlite3_column_text(q, col)));
}

/* ListExecutions: {"executions": [...]}, newest first. */
int aslrt_journal_list(aslrt_run *r)
{
	sqlite3_stmt *q;
	q = prep(r, "SELECT name, status, start_ms, stop_ms FROM executions "
		    "ORDER BY start_ms DESC, name");
	struct json_object *arr = json_object_new_array();
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct json_object *e = json_object_new_object();
		const char *name = (const char *)sqlite3_column_text(q, 0);
		json_object_object_add(e, "executionArn", arn(r, name));
		json_object_object_add(e, "stateMachineArn", sm_arn(r));
		add_col(e, "name", q, 0);
		add_col(e, "status", q, 1);
		add_time(e, "startDate", q, 2);
		add_time(e, "stopDate", q, 3);
		json_object_array_add(arr, e);
	}
	sqlite3_finalize(q);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "executions", arr);
	print_obj(o);
	return 0;
}

/* DescribeExecution's shape; 1 when there is no such execution. */
int aslrt_journal_describe(aslrt_run *r, const char *name)
{
	sqlite3_stmt *q;
	q = prep(r, "SELECT name, status, start_ms, stop_ms, input, output, error, cause "
		    "FROM executions WHERE name=?");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return 1;
	}
	struct json_object *e = json_object_new_object(), *t;
	json_object_object_add(e, "executionArn", arn(r, name));
	json_object_object_add(e, "stateMachineArn", sm_arn(r));
	add_col(e, "name", q, 0);
	add_col(e, "status", q, 1);
	add_time(e, "startDate", q, 2);
	add_time(e, "stopDate", q, 3);
	add_col(e, "input", q, 4);
	t = json_object_new_object();
	json_object_object_add(t, "included", json_object_new_boolean(1));
	json_object_object_add(e, "inputDetails", t);
	if (sqlite3_column_type(q, 5) != SQLITE_NULL) {
		add_col(e, "output", q, 5);
		t = json_object_new_object();
		json_object_object_add(t, "included", json_object_new_boolean(1));
		json_object_object_add(e, "outputDetails", t);
	}
	add_col(e, "error", q, 6);
	add_col(e, "cause", q, 7);
	json_object_object_add(e, "redriveCount", json_object_new_int(0));
	sqlite3_finalize(q);
	print_obj(e);
	return 0;
}

/* GetExecutionHistory's shape; 1 when there is no such execution. */
int aslrt_journal_history(aslrt_run *r, const char *name)
{
	char *in = NULL, *ctx = NULL, *status = NULL;
	if (!aslrt_journal_find(r, name, &in, &ctx, &status))
		return 1;
	free(in);
	free(ctx);
	free(status);
	sqlite3_stmt *q;
	q = prep(r, "SELECT event FROM events WHERE execution=? ORDER BY id");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	struct json_object *arr = json_object_new_array();
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(q, 0);
		struct json_object *e = NULL;
		char why[ASLRT_ERRLEN];
		if (aslrt_json_parse(s, strlen(s), &e, why, sizeof why) == 0)
			json_object_array_add(arr, e);
	}
	sqlite3_finalize(q);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "events", arr);
	print_obj(o);
	return 0;
}

/* An ended execution's result as the run printed it: 0 and the output on
 * stdout, or 1 with the error in *err. */
int aslrt_journal_result(aslrt_run *r, const char *name, aslrt_error *err)
{
	sqlite3_stmt *q;
	q = prep(r, "SELECT status, output, error, cause FROM executions "
		    "WHERE name=?");
	sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
	int rc = 1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(q, 0), "SUCCEEDED") == 0) {
			printf("%s\n", (const char *)sqlite3_column_text(q, 1));
			rc = 0;
		} else {
			const char *e = (const char *)sqlite3_column_text(q, 2);
			const char *c = (const char *)sqlite3_column_text(q, 3);
			err->name = e ? strdup(e) : NULL;
			err->cause = c ? strdup(c) : NULL;
		}
	}
	sqlite3_finalize(q);
	return rc;
}

/* --- the command line's part --- */

static void random_name(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b)
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)rand();
	if (fd >= 0)
		close(fd);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/*
 * --store: open the journal and find the execution.  Returns 0 for a new
 * execution (*name set, generated when NULL), 1 to continue one (its input
 * and Context object text in *input and *context), -1 with why set.
 */
int aslrt_journal_setup(aslrt_run *r, const char *path, const char **name, bool resume,
			char **input, char **context, char *why, size_t len)
{
	static char generated[37];
	struct json_object *type = NULL;
	json_object_object_get_ex(r->meta, "type", &type);
	if (type && strcmp(json_object_get_string(type), "EXPRESS") == 0) {
		snprintf(why, len,
			 "--store: an Express workflow keeps its executions in memory "
			 "(AWS's Express semantics); build with --type standard to journal");
		return -1;
	}
	if (!*name) {
		random_name(generated);
		*name = generated;
	}
	if (aslrt_journal_lock(r, path, *name, why, len) ||
	    aslrt_journal_open(r, path, !resume, why, len))
		return -1;
	char *status = NULL;
	if (!aslrt_journal_find(r, *name, input, context, &status)) {
		if (resume) {
			snprintf(why, len, "--resume: no execution named '%s' in %s", *name, path);
			return -1;
		}
		return 0;
	}
	r->journal_exec = *name;
	r->journal_ended = strcmp(status, "RUNNING") != 0;
	free(status);
	sqlite3_stmt *q = prep(r, "SELECT coalesce(max(id), 0) FROM events WHERE execution=?");
	sqlite3_bind_text(q, 1, *name, -1, SQLITE_STATIC);
	r->journal_replayed = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	return 1;
}
