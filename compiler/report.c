/*
 * report.c - `aslc report FILE.asl.json HISTORY.json -o run.html`: one
 * self-contained HTML page about one execution, as the Step Functions
 * console shows it: the machine's graph (graph.c's SVG, laid out by
 * libgvc) with each state coloured by what happened to it, counts and
 * durations per state, Map iterations summarised, the event table with the
 * console's columns, and each state's input and output on click.
 *
 * HISTORY.json is GetExecutionHistory's shape: {"events": [HistoryEvent]}.
 * Each event is attributed to a "visit" (one StateEntered .. StateExited)
 * by following previousEventId, which AWS chains causally even when Map
 * iterations and Parallel branches interleave.  A history that does not fit
 * the definition is a usage error (exit 2) naming the event.
 *
 * Big runs stay small and fast: the events go into the page as compact
 * arrays rendered one page at a time by the inline script, event details
 * and data are embedded up to a budget, and only a few visits per state
 * keep their input and output.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aslc.h"
#include "ir.h"

/* Budgets of what the page embeds (bytes): each event's details, all event
 * details together, each input/output kept for a visit. */
#define DETAIL_MAX 4096
#define DETAILS_TOTAL (2u << 20)
#define DATA_MAX (32u << 10)
/* Visits per state kept with their data: the first ones, then failures. */
#define KEEP_FIRST 3
#define KEEP_BAD 5
/* First failed iterations listed per Map state. */
#define MAP_FAILS 5

enum { K_OTHER, K_ENTERED, K_EXITED };

/* What happened to a visit, and to a state (the worst of its visits). */
/* clang-format off */
#define OUTCOMES(X)                                                                         \
	X(NOTREACHED, "notreached", "not reached") X(RUNNING, "running", "in progress")     \
	X(SUCCEEDED, "succeeded", "succeeded") X(RETRIED, "retried", "retried")              \
	X(ABORTED, "aborted", "aborted") X(CAUGHT, "caught", "caught")                       \
	X(FAILED, "failed", "failed")

typedef enum {
#define X(e, c, t) O_##e,
	OUTCOMES(X)
#undef X
} Outcome;

static const char *const outcome_class[] = {
#define X(e, c, t) c,
	OUTCOMES(X)
#undef X
};
static const char *const outcome_text[] = {
#define X(e, c, t) t,
	OUTCOMES(X)
#undef X
};
/* clang-format on */

typedef struct Ev {
	long id, prev;
	const char *type;
	struct json_object *det; /* details, borrowed from the history */
	double ms;		 /* epoch milliseconds */
	int kind;
	int visit; /* the visit it belongs to, or -1 */
	int step;  /* state id for the Step column, or -1 */
} Ev;

typedef struct Visit {
	int state, parent, iter; /* parent visit (Parallel/Map) or -1; Map index or -1 */
	int entered, exited;	 /* event indexes; exited -1 when never left */
	double last_ms;
	int nretry;
	bool pending, aborted; /* pending: the last attempt failed */
	const char *error, *cause;
	Outcome out;
} Visit;

typedef struct Agg {
	int n[O_FAILED + 1]; /* visits by outcome */
	int visits, retried;
	double total_ms, max_ms;
	int *keep, nkeep, nbad;
	int it_started, it_succeeded, it_failed, it_aborted; /* Map iterations */
	int *fails, nfails;				     /* failed visits inside a Map */
} Agg;

typedef struct R {
	const Machine *m;
	Ev *ev;
	int nev;
	Visit *v;
	int nv;
	Agg *agg;
	int *open; /* per state: its latest visit without an exit, or -1 */
	struct json_object *names;
	char err[512];
} R;

/* --- reading the history --- */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (json_object_is_type(o, json_type_object))
		json_object_object_get_ex(o, key, &v);
	return v;
}

/* A details field as text: strings as they are, other values as JSON
 * (LocalStack's snapshots store data decoded). NULL when absent. */
static const char *text_of(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);
	if (!v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "2024-01-02T03:04:05.678Z" or "...+01:00" (what the AWS CLI prints). */
static bool parse_iso(const char *s, double *ms)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n == 0)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	s += n;
	double frac = 0, scale = 0.1;
	if (*s == '.' || *s == ',') {
		if (!(s[1] >= '0' && s[1] <= '9'))
			return false;
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	long off = 0;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		int oh, om;
		int sign = *s == '-' ? -1 : 1;
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || oh > 23 || om > 59)
			return false;
		off = sign * (oh * 3600L + om * 60L);
		s += 1 + n;
	} else if (*s) {
		return false;
	}
	if (*s)
		return false;
	long t = aslrt_days_from_civil(y, mo, d) * 86400L + h * 3600L + mi * 60L + sec - off;
	*ms = (double)t * 1000.0 + frac * 1000.0;
	return true;
}

/* The API's timestamp: epoch seconds (a number), or ISO 8601 text. */
static bool event_time(struct json_object *t, double *ms)
{
	if (json_object_is_type(t, json_type_int) || json_object_is_type(t, json_type_double)) {
		double s = json_object_get_double(t);
		if (!isfinite(s) || s < 0 || s > 1e11)
			return false;
		*ms = round(s * 1000.0);
		return true;
	}
	return json_object_is_type(t, json_type_string) && parse_iso(json_object_get_string(t), ms);
}

static int fail(R *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(R *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int cmp_ev(const void *a, const void *b)
{
	long x = ((const Ev *)a)->id, y = ((const Ev *)b)->id;
	return x < y ? -1 : x > y;
}

/* Index of the event with this id (events sorted by id), or -1. */
static int find_ev(const R *r, long id)
{
	int lo = 0, hi = r->nev - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (r->ev[mid].id == id)
			return mid;
		if (r->ev[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int state_by_name(const R *r, const char *name)
{
	struct json_object *v = get(r->names, name);
	return v ? json_object_get_int(v) : -1;
}

/* Read each event's fields, checked; sort by id (reverseOrder is allowed). */
static int read_events(R *r, struct json_object *hist)
{
	struct json_object *evs = get(hist, "events");
	if (!json_object_is_type(hist, json_type_object))
		return fail(r,
			    "not a GetExecutionHistory result: expected an object with \"events\"");
	if (!json_object_is_type(evs, json_type_array))
		return fail(r, "no \"events\" array");
	size_t n = json_object_array_length(evs);
	if (n == 0)
		return fail(r, "\"events\" is empty");
	if (n > 10000000)
		return fail(r, "too many events (%zu)", n);
	r->ev = xcalloc(n, sizeof *r->ev);
	r->nev = (int)n;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(evs, i);
		Ev *ev = &r->ev[i];
		ev->visit = ev->step = -1;
		if (!json_object_is_type(e, json_type_object))
			return fail(r, "events[%zu] is not an object", i);
		struct json_object *id = get(e, "id"), *prev = get(e, "previousEventId"),
				   *type = get(e, "type"), *ts = get(e, "timestamp");
		if (!json_object_is_type(id, json_type_int) || json_object_get_int64(id) < 1)
			return fail(r, "events[%zu]: \"id\" is missing or not a positive integer",
				    i);
		ev->id = (long)json_object_get_int64(id);
		if (!json_object_is_type(type, json_type_string))
			return fail(r, "event %ld: \"type\" is missing or not a string", ev->id);
		ev->type = json_object_get_string(type);
		/* previousEventId is optional in the API (AWS always sends it):
		 * without it, an event follows the one before it. */
		if (prev &&
		    (!json_object_is_type(prev, json_type_int) || json_object_get_int64(prev) < 0 ||
		     json_object_get_int64(prev) >= ev->id))
			return fail(
			    r, "event %ld (%s): \"previousEventId\" is not an earlier event's id",
			    ev->id, ev->type);
		ev->prev = prev ? (long)json_object_get_int64(prev) : -1;
		if (!ts || !event_time(ts, &ev->ms))
			return fail(r,
				    "event %ld (%s): \"timestamp\" is missing or not a time "
				    "(epoch seconds or ISO 8601)",
				    ev->id, ev->type);
		/* One "...EventDetails" member, named after the type or shared
		 * (stateEnteredEventDetails for every XStateEntered). */
		json_object_object_foreach(e, key, val)
		{
			if (ends_with(key, "EventDetails")) {
				if (!json_object_is_type(val, json_type_object))
					return fail(r, "event %ld (%s): \"%s\" is not an object",
						    ev->id, ev->type, key);
				ev->det = val;
			}
		}
		ev->kind = ends_with(ev->type, "StateEntered")	? K_ENTERED
			   : ends_with(ev->type, "StateExited") ? K_EXITED
								: K_OTHER;
	}
	qsort(r->ev, n, sizeof *r->ev, cmp_ev);
	for (int i = 0; i < r->nev; i++) {
		if (i && r->ev[i].id == r->ev[i - 1].id)
			return fail(r, "two events have id %ld", r->ev[i].id);
		if (r->ev[i].prev < 0)
			r->ev[i].prev = i ? r->ev[i - 1].id : 0;
	}
	return 0;
}

/* The visit an event follows from: its previous event's visit, or, after a
 * StateExited, the visit that contains the exited one. */
static int visit_after(const R *r, long prev)
{
	int pi = prev > 0 ? find_ev(r, prev) : -1;
	if (pi < 0)
		return -1;
	const Ev *p = &r->ev[pi];
	if (p->kind == K_EXITED)
		return r->v[p->visit].parent;
	return p->visit;
}

static bool is_container(const R *r, int visit)
{
	StateType t = r->m->states[r->v[visit].state]->type;
	return t == ST_PARALLEL || t == ST_MAP;
}

/* The state a StateEntered/StateExited event names (and, in *name, its
 * name), or -1 with the reason in r->err. */
static int event_state(R *r, const Ev *e, const char **name)
{
	*name = text_of(e->det, "name");
	if (!*name)
		return fail(r, "event %ld (%s) has no details.name", e->id, e->type);
	int s = state_by_name(r, *name);
	if (s < 0)
		return fail(r, "event %ld (%s) names state '%s', which is not in the definition",
			    e->id, e->type, *name);
	return s;
}

static int enter(R *r, Ev *e)
{
	const char *name;
	int s = event_state(r, e, &name);
	if (s < 0)
		return -1;
	const State *st = r->m->states[s];
	size_t tl = strlen(e->type) - strlen("StateEntered");
	if (strlen(state_type_names[st->type]) != tl ||
	    strncmp(e->type, state_type_names[st->type], tl) != 0)
		return fail(r,
			    "event %ld (%s) enters '%s', which the definition declares as a %s "
			    "state",
			    e->id, e->type, name, state_type_names[st->type]);
	Visit v = {.state = s, .parent = -1, .iter = -1, .exited = -1};
	v.entered = (int)(e - r->ev);
	v.last_ms = e->ms;
	int pi = e->prev > 0 ? find_ev(r, e->prev) : -1;
	if (pi >= 0) {
		const Ev *p = &r->ev[pi];
		int pv = p->visit;
		if (p->kind == K_EXITED) { /* a Next or a Catch in the same scope */
			v.parent = r->v[pv].parent;
			v.iter = r->v[pv].iter;
		} else if (pv >= 0 && is_container(r, pv) && r->v[pv].exited < 0) {
			v.parent = pv; /* first state of a branch or an iteration */
			struct json_object *idx = get(p->det, "index");
			if (strcmp(p->type, "MapIterationStarted") == 0 && idx)
				v.iter = json_object_get_int(idx);
		} else if (pv >= 0) {
			v.parent = r->v[pv].parent;
			v.iter = r->v[pv].iter;
		}
	}
	if (r->nv % 1024 == 0)
		r->v = xrealloc(r->v, sizeof *r->v * (size_t)(r->nv + 1024));
	r->v[r->nv] = v;
	e->visit = r->nv++;
	e->step = s;
	r->open[s] = e->visit;
	return 0;
}

static int leave(R *r, Ev *e)
{
	const char *name;
	int s = event_state(r, e, &name);
	if (s < 0)
		return -1;
	int v = visit_after(r, e->prev);
	while (v >= 0 && r->v[v].state != s)
		v = r->v[v].parent;
	if (v < 0 || r->v[v].exited >= 0)
		v = r->open[s];
	if (v < 0 || r->v[v].exited >= 0)
		return fail(r, "event %ld (%s) leaves '%s', which was not entered", e->id, e->type,
			    name);
	r->v[v].exited = (int)(e - r->ev);
	if (r->open[s] == v)
		r->open[s] = -1;
	e->visit = v;
	e->step = s;
	return 0;
}

/* Parallel and Map events belong to the nearest enclosing visit of their
 * state type (a branch's failure is the previous event of ParallelStateFailed). */
static StateType family(const char *type)
{
	if (starts_with(type, "ParallelState"))
		return ST_PARALLEL;
	if (starts_with(type, "MapState") || starts_with(type, "MapIteration") ||
	    starts_with(type, "MapRun"))
		return ST_MAP;
	return ST_UNKNOWN;
}

static bool is_failure(const char *type)
{
	return (ends_with(type, "Failed") || ends_with(type, "TimedOut")) &&
	       strcmp(type, "MapIterationFailed") != 0;
}

static void attribute(R *r, Ev *e)
{
	int v = visit_after(r, e->prev);
	StateType fam = family(e->type);
	const char *name = fam == ST_UNKNOWN ? NULL : text_of(e->det, "name");
	if (fam != ST_UNKNOWN)
		while (v >= 0 && (r->m->states[r->v[v].state]->type != fam ||
				  (name && strcmp(r->m->states[r->v[v].state]->name, name) != 0)))
			v = r->v[v].parent;
	e->visit = v;
	if (v < 0)
		return;
	Visit *vi = &r->v[v];
	if (!starts_with(e->type, "Execution"))
		e->step = vi->state;
	vi->last_ms = e->ms > vi->last_ms ? e->ms : vi->last_ms;
	Agg *a = &r->agg[vi->state];
	if (strcmp(e->type, "MapIterationStarted") == 0)
		a->it_started++;
	else if (strcmp(e->type, "MapIterationSucceeded") == 0)
		a->it_succeeded++;
	else if (strcmp(e->type, "MapIterationFailed") == 0)
		a->it_failed++;
	else if (strcmp(e->type, "MapIterationAborted") == 0)
		a->it_aborted++;
	else if (ends_with(e->type, "StateAborted"))
		vi->aborted = true;
	else if (is_failure(e->type)) {
		vi->pending = true;
		const char *err = text_of(e->det, "error"), *cause = text_of(e->det, "cause");
		if (err || cause) {
			vi->error = err;
			vi->cause = cause;
		}
	} else if ((ends_with(e->type, "Scheduled") ||
		    strcmp(e->type, "ParallelStateStarted") == 0 ||
		    strcmp(e->type, "MapStateStarted") == 0) &&
		   vi->pending) {
		vi->nretry++; /* a new attempt after a failed one */
		vi->pending = false;
	}
}

static void keep_visit(Agg *a, int v, bool bad)
{
	if (a->nkeep < KEEP_FIRST || (bad && a->nbad < KEEP_BAD)) {
		vec_push(&a->keep, &a->nkeep, v);
		a->nbad += bad;
	}
}

/* Each visit's outcome; failures propagate to the containers they end. */
static void settle(R *r, bool ended)
{
	for (int i = 0; i < r->nv; i++) {
		Visit *v = &r->v[i];
		const State *st = r->m->states[v->state];
		if (v->exited >= 0)
			v->out = v->pending ? O_CAUGHT : v->nretry ? O_RETRIED : O_SUCCEEDED;
		else if (v->aborted)
			v->out = O_ABORTED;
		else if (v->pending || st->type == ST_FAIL)
			v->out = O_FAILED;
		else
			v->out = ended ? O_ABORTED : O_RUNNING;
	}
	/* A failure ends the containers it is not caught in, and names the
	 * error of a Parallel or Map whose own events carry none. */
	for (int i = r->nv - 1; i >= 0; i--) {
		if (r->v[i].out != O_FAILED)
			continue;
		for (int p = r->v[i].parent; p >= 0; p = r->v[p].parent) {
			Visit *pv = &r->v[p];
			if (!pv->error && !pv->cause && (pv->out == O_FAILED || pv->pending)) {
				pv->error = r->v[i].error;
				pv->cause = r->v[i].cause;
			}
			if (pv->exited >= 0)
				break;
			pv->out = O_FAILED;
		}
	}
	for (int i = 0; i < r->nv; i++) {
		Visit *v = &r->v[i];
		Agg *a = &r->agg[v->state];
		double end = v->exited >= 0 ? r->ev[v->exited].ms : v->last_ms;
		double d = end - r->ev[v->entered].ms;
		a->visits++;
		a->n[v->out]++;
		a->retried += v->nretry > 0;
		a->total_ms += d;
		a->max_ms = d > a->max_ms ? d : a->max_ms;
		bool bad = v->out == O_FAILED || v->out == O_CAUGHT || v->out == O_ABORTED;
		keep_visit(a, i, bad);
		if (v->out == O_FAILED && v->parent >= 0 &&
		    r->m->states[r->v[v->parent].state]->type == ST_MAP) {
			Agg *ma = &r->agg[r->v[v->parent].state];
			if (ma->nfails < MAP_FAILS)
				vec_push(&ma->fails, &ma->nfails, i);
		}
	}
}

/* The worst thing that happened to a state. */
static Outcome state_outcome(const Agg *a)
{
	static const Outcome order[] = {O_FAILED,  O_CAUGHT,	O_ABORTED,
					O_RETRIED, O_SUCCEEDED, O_RUNNING};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (a->n[order[i]])
			return order[i];
	return O_NOTREACHED;
}

static int analyse(R *r)
{
	for (int i = 0; i < r->nev; i++) {
		Ev *e = &r->ev[i];
		if (e->prev > 0 && find_ev(r, e->prev) < 0)
			return fail(r, "event %ld (%s): previousEventId %ld is not in the history",
				    e->id, e->type, e->prev);
		int rc = 0;
		if (e->kind == K_ENTERED)
			rc = enter(r, e);
		else if (e->kind == K_EXITED)
			rc = leave(r, e);
		else
			attribute(r, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* --- writing the page --- */

static void html(Buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			buf_put(b, s, 1);
		}
	}
}

/* A JSON string safe inside <script>: no '<', '>', '&', U+2028/2029 raw.
 * At most max bytes of s (cut on a UTF-8 boundary, then marked). */
static void jstr_n(Buf *b, const char *s, size_t max)
{
	if (!s) {
		buf_puts(b, "null");
		return;
	}
	size_t n = strlen(s), cut = n;
	if (n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	buf_puts(b, "\"");
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			buf_printf(b, "\\u%04x", c);
		else if (c == 0xE2 && i + 2 < cut && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
			buf_printf(b, "\\u20%s", (unsigned char)s[i + 2] == 0xA8 ? "28" : "29");
			i += 2;
		} else
			buf_put(b, s + i, 1);
	}
	if (cut < n)
		buf_printf(b, "\\u2026 (%zu more bytes not embedded)", n - cut);
	buf_puts(b, "\"");
}

static void jstr(Buf *b, const char *s)
{
	jstr_n(b, s, (size_t)-1);
}

static void fmt_time(Buf *b, double ms)
{
	time_t t = (time_t)floor(ms / 1000.0);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		buf_puts(b, "?");
		return;
	}
	char s[64];
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
	buf_printf(b, "%s.%03d UTC", s, (int)fmod(ms, 1000.0));
}

static void fmt_ms(Buf *b, double ms)
{
	if (ms < 1000)
		buf_printf(b, "%.0f ms", ms);
	else if (ms < 60000)
		buf_printf(b, "%.3f s", ms / 1000);
	else
		buf_printf(b, "%.0f min %.3f s", floor(ms / 60000), fmod(ms, 60000) / 1000);
}

static const char css[] =
#include "report_css.inc"
    ;
static const char js[] =
#include "report_js.inc"
    ;

/* What happened to a state, as a last line of its node's label: how long
 * it took once, or how often it ran and what went wrong. */
static void node_note(const Agg *a, Buf *b)
{
	if (a->visits == 1) {
		fmt_ms(b, a->total_ms);
		return;
	}
	buf_printf(b, "\xC3\x97%d", a->visits);
	if (a->n[O_FAILED])
		buf_printf(b, ", %d failed", a->n[O_FAILED]);
	if (a->n[O_CAUGHT])
		buf_printf(b, ", %d caught", a->n[O_CAUGHT]);
	if (a->n[O_ABORTED])
		buf_printf(b, ", %d aborted", a->n[O_ABORTED]);
	if (a->retried)
		buf_printf(b, ", %d retried", a->retried);
}

/* graph_emit's DOT with each state's node label given node_note() as a last
 * line: node lines are "<indent>s<N> [label=\"...\"" (graph.c). */
static void annotate_dot(const R *r, const char *dot, Buf *b)
{
	const char *p = dot;
	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol + 1 : p + strlen(p);
		const char *q = p;
		int sid = -1, n = 0;
		while (*q == ' ')
			q++;
		if (sscanf(q, "s%d [label=\"%n", &sid, &n) == 1 && n > 0 && sid >= 0 &&
		    sid < r->m->nstates && r->agg[sid].visits > 0) {
			const char *l = q + n;
			while (l < end && *l != '"')
				l += *l == '\\' && l + 1 < end ? 2 : 1;
			buf_put(b, p, (size_t)(l - p));
			buf_puts(b, "\\n");
			node_note(&r->agg[sid], b);
			buf_put(b, l, (size_t)(end - l));
		} else {
			buf_put(b, p, (size_t)(end - p));
		}
		p = end;
	}
	buf_put(b, "", 0);
}

/* Graphviz's SVG without its prolog, each state's node given its outcome
 * as a class, its id and a tooltip: <g id="nodeN" class="node"><title>sK</title>. */
static void put_svg(R *r, Buf *b, const char *svg, size_t len)
{
	const char *p = strstr(svg, "<svg");
	const char *end = svg + len;
	if (!p)
		return;
	while (p < end) {
		const char *g = strstr(p, "<g id=\"node");
		const char *cls = g ? strstr(g, "class=\"node\">") : NULL;
		const char *t = cls ? strstr(cls, "<title>") : NULL;
		int sid = -1, n = 0;
		if (t && sscanf(t, "<title>s%d</title>%n", &sid, &n) == 1 && n > 0 && sid >= 0 &&
		    sid < r->m->nstates) {
			buf_put(b, p, (size_t)(cls - p));
			const Agg *a = &r->agg[sid];
			Outcome o = state_outcome(a);
			buf_printf(b, "class=\"node st st-%s\" data-s=\"%d\">", outcome_class[o],
				   sid);
			buf_put(b, cls + 13, (size_t)(t - (cls + 13)));
			buf_puts(b, "<title>");
			html(b, r->m->states[sid]->name);
			buf_printf(b, ": %s", outcome_text[o]);
			if (a->visits)
				buf_printf(b, " (%d entered)", a->visits);
			buf_puts(b, "</title>");
			p = t + n;
		} else if (t) {
			buf_put(b, p, (size_t)(t - p));
			p = t;
			buf_puts(b, "<title>");
			p += 7;
		} else {
			buf_put(b, p, (size_t)(end - p));
			break;
		}
	}
}

static void put_visit(R *r, Buf *b, int vi)
{
	const Visit *v = &r->v[vi];
	const Ev *en = &r->ev[v->entered];
	const Ev *ex = v->exited >= 0 ? &r->ev[v->exited] : NULL;
	double end = ex ? ex->ms : v->last_ms;
	buf_printf(b, "{\"event\":%ld,\"status\":\"%s\",\"ms\":%.0f,\"retries\":%d,\"iter\":%d,",
		   en->id, outcome_class[v->out], end - en->ms, v->nretry, v->iter);
	buf_puts(b, "\"input\":");
	jstr_n(b, text_of(en->det, "input"), DATA_MAX);
	buf_puts(b, ",\"output\":");
	jstr_n(b, ex ? text_of(ex->det, "output") : NULL, DATA_MAX);
	buf_puts(b, ",\"error\":");
	jstr_n(b, v->error, DATA_MAX);
	buf_puts(b, ",\"cause\":");
	jstr_n(b, v->cause, DATA_MAX);
	buf_puts(b, "}");
}

/* The page's data: events as [id, type, step, resource, ms after start,
 * details, Map iteration] with strings interned, and the kept visits of
 * each state. */
static void put_data(R *r, Buf *b, double t0)
{
	struct json_object *types = json_object_new_object();
	struct json_object *res = json_object_new_object();
	Buf tl = {0}, rl = {0};
	int ntypes = 0, nres = 0;
	size_t budget = DETAILS_TOTAL;
	long omitted_from = 0;
	buf_printf(b, "{\"t0\":%.0f,\"ev\":[", t0);
	for (int i = 0; i < r->nev; i++) {
		const Ev *e = &r->ev[i];
		struct json_object *ti = get(types, e->type);
		if (!ti) {
			json_object_object_add(types, e->type, ti = json_object_new_int(ntypes++));
			if (tl.len)
				buf_puts(&tl, ",");
			jstr(&tl, e->type);
		}
		/* The Resource column: the details' resource, else the Task's. */
		const char *rs = text_of(e->det, "resource"), *rt = text_of(e->det, "resourceType");
		char *resource = NULL;
		if (rs && rt)
			resource = xasprintf("%s:%s", rt, rs);
		else if (rs)
			resource = xstrdup(rs);
		else if (e->step >= 0 && r->m->states[e->step]->type == ST_TASK &&
			 text_of(r->m->states[e->step]->json, "Resource"))
			resource = xstrdup(text_of(r->m->states[e->step]->json, "Resource"));
		int ri = -1;
		if (resource) {
			struct json_object *x = get(res, resource);
			if (!x) {
				json_object_object_add(res, resource,
						       x = json_object_new_int(nres++));
				if (rl.len)
					buf_puts(&rl, ",");
				jstr(&rl, resource);
			}
			ri = json_object_get_int(x);
			free(resource);
		}
		/* The iteration an event is in: a MapIteration event names it,
		 * the states inside one inherit it. */
		struct json_object *idx =
		    starts_with(e->type, "MapIteration") ? get(e->det, "index") : NULL;
		int iter = idx ? json_object_get_int(idx)
			   : e->visit >= 0 && e->step >= 0 && e->step == r->v[e->visit].state
			       ? r->v[e->visit].iter
			       : -1;
		buf_printf(b, "%s[%ld,%d,%d,%d,%.0f,", i ? "," : "", e->id, json_object_get_int(ti),
			   e->step, ri, e->ms - t0);
		const char *det =
		    e->det ? json_object_to_json_string_ext(
				 e->det, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
			   : NULL;
		if (det && strlen(det) + 64 <= budget) {
			size_t before = b->len;
			jstr_n(b, det, DETAIL_MAX);
			budget -= b->len - before;
		} else {
			if (det && !omitted_from)
				omitted_from = e->id;
			buf_puts(b, det ? "0" : "null");
		}
		buf_printf(b, ",%d]", iter);
	}
	buf_puts(b, "],\"types\":[");
	if (tl.s)
		buf_put(b, tl.s, tl.len);
	buf_puts(b, "],\"res\":[");
	if (rl.s)
		buf_put(b, rl.s, rl.len);
	buf_printf(b, "],\"omitted\":%ld,\"states\":[", omitted_from);
	for (int s = 0; s < r->m->nstates; s++) {
		const Agg *a = &r->agg[s];
		buf_printf(b, "%s{\"name\":", s ? "," : "");
		jstr(b, r->m->states[s]->name);
		buf_printf(b, ",\"type\":\"%s\",\"status\":\"%s\",\"entered\":%d,\"visits\":[",
			   state_type_names[r->m->states[s]->type], outcome_class[state_outcome(a)],
			   a->visits);
		for (int k = 0; k < a->nkeep; k++) {
			if (k)
				buf_puts(b, ",");
			put_visit(r, b, a->keep[k]);
		}
		buf_puts(b, "]}");
	}
	buf_puts(b, "]");
	/* The execution's own input, output and error. */
	const Ev *first = &r->ev[0], *last = &r->ev[r->nev - 1];
	buf_puts(b, ",\"input\":");
	jstr_n(b,
	       strcmp(first->type, "ExecutionStarted") == 0 ? text_of(first->det, "input") : NULL,
	       DATA_MAX);
	buf_puts(b, ",\"output\":");
	jstr_n(b, text_of(last->det, "output"), DATA_MAX);
	buf_puts(b, "}");
	buf_free(&tl);
	buf_free(&rl);
	json_object_put(types);
	json_object_put(res);
}

static void put_state_rows(R *r, Buf *b)
{
	buf_puts(b, "<table id=\"states\"><thead><tr><th>State</th><th>Type</th><th>Status</th>"
		    "<th>Entered</th><th>Succeeded</th><th>Retried</th><th>Caught</th>"
		    "<th>Failed</th><th>Aborted</th><th>Total time</th><th>Longest</th></tr>"
		    "</thead><tbody>\n");
	for (int s = 0; s < r->m->nstates; s++) {
		const Agg *a = &r->agg[s];
		Outcome o = state_outcome(a);
		buf_printf(b, "<tr class=\"st st-%s\" data-s=\"%d\"><td class=\"name\">",
			   outcome_class[o], s);
		html(b, r->m->states[s]->name);
		buf_printf(b,
			   "</td><td>%s</td><td><span class=\"badge\">%s</span></td>"
			   "<td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>",
			   state_type_names[r->m->states[s]->type], outcome_text[o], a->visits,
			   a->n[O_SUCCEEDED] + a->n[O_RETRIED], a->retried, a->n[O_CAUGHT],
			   a->n[O_FAILED], a->n[O_ABORTED]);
		if (a->visits) {
			fmt_ms(b, a->total_ms);
			buf_puts(b, "</td><td>");
			fmt_ms(b, a->max_ms);
		} else {
			buf_puts(b, "</td><td>");
		}
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

static void put_maps(R *r, Buf *b)
{
	bool any = false;
	for (int s = 0; s < r->m->nstates; s++) {
		const Agg *a = &r->agg[s];
		if (r->m->states[s]->type != ST_MAP || !a->visits)
			continue;
		if (!any)
			buf_puts(b, "<section id=\"maps\"><h2>Map iterations</h2>\n");
		any = true;
		buf_printf(b, "<div class=\"map\" data-s=\"%d\"><h3>", s);
		html(b, r->m->states[s]->name);
		buf_printf(b,
			   "</h3><p class=\"counts\"><b>%d</b> iterations: <span class=\"c-ok\">"
			   "%d succeeded</span>, <span class=\"c-fail\">%d failed</span>, "
			   "<span class=\"c-abort\">%d aborted</span>",
			   a->it_started, a->it_succeeded, a->it_failed, a->it_aborted);
		if (a->visits > 1)
			buf_printf(b, " (over %d runs of the state)", a->visits);
		buf_puts(b, "</p>\n");
		if (a->nfails) {
			buf_puts(
			    b, "<table class=\"fails\"><thead><tr><th>Iteration</th><th>State</th>"
			       "<th>Error</th><th>Cause</th></tr></thead><tbody>\n");
			for (int k = 0; k < a->nfails; k++) {
				const Visit *v = &r->v[a->fails[k]];
				buf_printf(b, "<tr><td>%d</td><td>", v->iter);
				html(b, r->m->states[v->state]->name);
				buf_puts(b, "</td><td>");
				html(b, v->error);
				buf_puts(b, "</td><td>");
				char *c = v->cause && strlen(v->cause) > 300
					      ? xasprintf("%.300s\xE2\x80\xA6", v->cause)
					      : xstrdup(v->cause ? v->cause : "");
				html(b, c);
				free(c);
				buf_puts(b, "</td></tr>\n");
			}
			buf_puts(b, "</tbody></table>\n");
			if (a->nfails == MAP_FAILS)
				buf_printf(b,
					   "<p class=\"note\">The first %d failures; the states "
					   "table counts them all.</p>\n",
					   MAP_FAILS);
		}
		buf_puts(b, "</div>\n");
	}
	if (any)
		buf_puts(b, "</section>\n");
}

static void put_page(R *r, Buf *b, const char *svg, size_t svglen)
{
	const Ev *first = &r->ev[0], *last = &r->ev[r->nev - 1];
	const char *status = "RUNNING";
	if (strcmp(last->type, "ExecutionSucceeded") == 0)
		status = "SUCCEEDED";
	else if (strcmp(last->type, "ExecutionFailed") == 0)
		status = "FAILED";
	else if (strcmp(last->type, "ExecutionTimedOut") == 0)
		status = "TIMED_OUT";
	else if (strcmp(last->type, "ExecutionAborted") == 0)
		status = "ABORTED";
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width\">\n<title>");
	html(b, r->m->name);
	buf_puts(b, " \xE2\x80\x94 run report</title>\n<style>\n");
	buf_puts(b, css);
	buf_puts(b, "</style></head>\n<body>\n<header><h1>");
	html(b, r->m->name);
	buf_printf(b, "</h1><span id=\"status\" class=\"exec exec-%s\">%s</span>\n<dl>", status,
		   status);
	buf_puts(b, "<dt>Started</dt><dd>");
	fmt_time(b, first->ms);
	buf_puts(b, "</dd><dt>Duration</dt><dd>");
	fmt_ms(b, last->ms - first->ms);
	buf_printf(b, "</dd><dt>Events</dt><dd>%d</dd>", r->nev);
	const char *err = text_of(last->det, "error"), *cause = text_of(last->det, "cause");
	if (err || cause) {
		buf_puts(b, "<dt>Error</dt><dd id=\"exec-error\">");
		html(b, err);
		buf_puts(b, "</dd><dt>Cause</dt><dd class=\"cause\">");
		html(b, cause);
		buf_puts(b, "</dd>");
	}
	buf_puts(b, "</dl></header>\n<div class=\"legend\">");
	for (int o = O_FAILED; o >= O_NOTREACHED; o--)
		if (o != O_RUNNING || strcmp(status, "RUNNING") == 0)
			buf_printf(b, "<span class=\"st st-%s\"><i></i>%s</span>", outcome_class[o],
				   outcome_text[o]);
	buf_puts(b, "</div>\n<main><section id=\"graph\">\n");
	put_svg(r, b, svg, svglen);
	buf_puts(b, "</section>\n<aside id=\"detail\"><p class=\"note\">Click a state to see its "
		    "input and output.</p></aside></main>\n<section><h2>States</h2>\n");
	put_state_rows(r, b);
	buf_puts(b, "</section>\n");
	put_maps(r, b);
	buf_puts(b,
		 "<section><h2>Events</h2>\n<div class=\"pager\"><label><input type=\"checkbox\" "
		 "id=\"only-errors\"> only failures</label> <button id=\"prev\">&lsaquo; "
		 "Previous</button> <span id=\"page\"></span> <button id=\"next\">Next "
		 "&rsaquo;</button></div>\n<table id=\"events\"><thead><tr><th>ID</th>"
		 "<th>Type</th><th>Step</th><th>Resource</th><th>Started after</th>"
		 "<th>Timestamp</th></tr></thead><tbody></tbody></table>\n"
		 "<noscript><p>The event table needs JavaScript.</p></noscript></section>\n"
		 "<script type=\"application/json\" id=\"run-data\">");
	put_data(r, b, first->ms);
	buf_puts(b, "</script>\n<script>\n");
	buf_puts(b, js);
	buf_puts(b, "</script>\n</body></html>\n");
}

/* --- the command --- */

static const char report_usage[] =
    "usage: aslc report FILE.asl.json HISTORY.json [-o OUT.html] [--name NAME]\n";

static int usage(const char *msg)
{
	fprintf(stderr, "aslc: report: %s\n%s", msg, report_usage);
	return 2;
}

/* The definition through the checker to its model; NULL after diagnostics. */
static Machine *load_machine(const char *path, const char *name, Source **srcp, int *status)
{
	Source *src = source_read(path);
	*srcp = src;
	if (!src) {
		fprintf(stderr, "aslc: cannot read %s: %s\n", path, strerror(errno));
		*status = 2;
		return NULL;
	}
	Diag d = {0};
	d.src = src;
	struct json_object *def = NULL;
	Machine *m = NULL;
	*status = 1;
	if (source_parse(&d, &def)) {
		source_check_duplicates(&d);
		CheckOpts co = {false, NULL};
		check_definition(&d, def, &co);
		if (d.nerrors == 0)
			m = model_build(&d, def);
		if (m && d.nerrors) {
			model_free(m);
			m = NULL;
		}
	}
	json_object_put(def);
	diag_finish(&d);
	json_object_put(d.list);
	if (m) {
		const char *base = strrchr(path, '/');
		char *n = xstrdup(name ? name : base ? base + 1 : path);
		size_t len = strlen(n);
		if (!name && len > 5 && strcmp(n + len - 5, ".json") == 0)
			n[len -= 5] = 0;
		if (!name && len > 4 && strcmp(n + len - 4, ".asl") == 0)
			n[len -= 4] = 0;
		m->name = n;
		*status = 0;
	}
	return m;
}

static struct json_object *load_history(const char *path, char *why, size_t whylen)
{
	Source *src = source_read(path);
	if (!src) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 4);
	if (!tok)
		die("out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *v = src->len <= (size_t)0x7fffffff
				    ? json_tokener_parse_ex(tok, src->text, (int)src->len)
				    : NULL;
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	if (v && e == json_tokener_success) {
		while (off < src->len && strchr(" \t\r\n", src->text[off]))
			off++;
		if (off < src->len) {
			json_object_put(v);
			v = NULL;
			snprintf(why, whylen,
				 "not JSON: unexpected text after the value at byte %zu", off);
		}
	} else {
		json_object_put(v);
		v = NULL;
		snprintf(why, whylen, "not JSON: %s at byte %zu",
			 e == json_tokener_continue ? "unexpected end of text"
						    : json_tokener_error_desc(e),
			 off);
	}
	json_tokener_free(tok);
	source_free(src);
	return v;
}

static int write_page(const char *out, const Buf *page)
{
	FILE *f = !out || strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
	if (!f || fwrite(page->s, 1, page->len, f) != page->len ||
	    (f != stdout && fclose(f) != 0) || (f == stdout && fflush(stdout) != 0)) {
		fprintf(stderr, "aslc: cannot write %s: %s\n", out ? out : "stdout",
			strerror(errno));
		return 1;
	}
	return 0;
}

int report_main(int argc, char **argv)
{
	const char *files[2] = {NULL, NULL}, *out = NULL, *name = NULL;
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-o") == 0 || strcmp(a, "--name") == 0) {
			if (i + 1 >= argc)
				return usage(strcmp(a, "-o") == 0 ? "option -o needs a value"
								  : "option --name needs a value");
			*(a[1] == 'o' ? &out : &name) = argv[++i];
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(report_usage, stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			char *m = xasprintf("unknown option '%s'", a);
			int rc = usage(m);
			free(m);
			return rc;
		} else if (nfiles < 2) {
			files[nfiles++] = a;
		} else {
			return usage("too many arguments");
		}
	}
	if (nfiles < 2)
		return usage("needs a definition and a history file");
	Source *src = NULL;
	int status;
	Machine *m = load_machine(files[0], name, &src, &status);
	source_free(src);
	if (!m)
		return status;
	char why[512];
	struct json_object *hist = load_history(files[1], why, sizeof why);
	if (!hist) {
		fprintf(stderr, "aslc: %s: %s\n", files[1], why);
		model_free(m);
		return 2;
	}
	R r = {0};
	r.m = m;
	r.agg = xcalloc((size_t)m->nstates + 1, sizeof *r.agg);
	r.open = xmalloc(sizeof *r.open * ((size_t)m->nstates + 1));
	r.names = json_object_new_object();
	for (int s = 0; s < m->nstates; s++) {
		r.open[s] = -1;
		json_object_object_add(r.names, m->states[s]->name, json_object_new_int(s));
	}
	int rc = 2;
	Buf page = {0}, svg = {0};
	if (read_events(&r, hist) || analyse(&r)) {
		fprintf(stderr, "aslc: %s: %s\n", files[1], r.err);
	} else {
		const char *t = r.ev[r.nev - 1].type;
		settle(&r, starts_with(t, "Execution") && strcmp(t, "ExecutionStarted") != 0);
		Buf dot = {0}, note = {0};
		graph_emit(m, GRAPH_DOT, &dot);
		buf_put(&dot, "", 0);
		annotate_dot(&r, dot.s, &note);
		rc = graph_render_svg(note.s, &svg, why, sizeof why);
		buf_free(&dot);
		buf_free(&note);
		if (rc) {
			fprintf(stderr, "aslc: %s\n", why);
			rc = 1;
		} else {
			put_page(&r, &page, svg.s, svg.len);
			rc = write_page(out, &page);
		}
	}
	buf_free(&page);
	buf_free(&svg);
	for (int s = 0; s < m->nstates; s++) {
		free(r.agg[s].keep);
		free(r.agg[s].fails);
	}
	free(r.agg);
	free(r.open);
	free(r.ev);
	free(r.v);
	json_object_put(r.names);
	json_object_put(hist);
	model_free(m);
	return rc;
}
