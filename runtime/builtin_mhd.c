/*
 * builtin_mhd.c - the part of libmicrohttpd the --listen server uses
 * (callback.c), over plain HTTP/1.1, for static executables.
 *
 * Why not libmicrohttpd.a: Debian builds it with HTTPS, so it needs GnuTLS,
 * which needs p11-kit, and p11-kit ships no static library.
 *
 * What callback.c asks for, and nothing else: a thread per connection
 * (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, with
 * or without MHD_USE_POLL), MHD_OPTION_SOCK_ADDR,
 * MHD_OPTION_NOTIFY_COMPLETED, MHD_OPTION_NOTIFY_CONNECTION,
 * MHD_OPTION_CONNECTION_TIMEOUT and MHD_OPTION_CONNECTION_LIMIT; any other
 * flag or option makes
 * MHD_start_daemon fail (errno EINVAL).  One request per connection: the
 * whole request is read (Content-Length; a chunked body is refused with
 * 411), the access handler is called as libmicrohttpd calls it (headers,
 * the body, then the end), its response written with Connection: close.
 *
 * Over the connection limit libmicrohttpd closes a new connection unread;
 * this server answers it 503 with AWS's error shape instead, so a client
 * (an SDK retries 5xx) can tell "busy" from "gone".
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"

#define HEAD_MAX (64 << 10)  /* the request line and headers */
#define HEAD_FIRST 4096	     /* what a connection's head buffer starts with */
#define BODY_LIMIT (1 << 20) /* the handler's own limit (callback.c BODY_MAX) */
/* libmicrohttpd's default connection limit (FD_SETSIZE - 4) */
#define CONN_DEFAULT 1020
#define REFUSE_MS 250 /* longest wait for a refused client to finish sending */

struct MHD_Daemon {
	int fd;
	MHD_AccessHandlerCallback dh;
	void *dh_cls;
	MHD_RequestCompletedCallback done;
	void *done_cls;
	MHD_NotifyConnectionCallback notify;
	void *notify_cls;
	unsigned timeout_s;
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int active; /* connection threads running */
	bool stopping;
	union MHD_DaemonInfo info;
	unsigned limit; /* most connections served at once */
	int *conns;	/* [limit] sockets of the running connections, -1: free */
};

struct MHD_Response {
	char *body;
	size_t len;
	char *headers; /* "Name: value\r\n"... */
	size_t hlen;
};

struct MHD_Connection {
	struct MHD_Daemon *d;
	int fd, slot;
	char *head; /* grown up to HEAD_MAX + 1 as the head arrives */
	size_t headcap;
	char *names[100], *values[100];
	int nheaders;
	bool too_many; /* over 100 headers */
	unsigned status;
	struct MHD_Response *resp; /* queued: a copy */
};

/* --- responses --- */

struct MHD_Response *aslrt_bmhd_create_response_from_buffer(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode)
{
	if (mode != MHD_RESPMEM_MUST_COPY && mode != MHD_RESPMEM_PERSISTENT)
		return NULL; /* MUST_FREE would leak: the buffer is always copied */
	struct MHD_Response *r = calloc(1, sizeof *r);
	if (!r || !(r->body = malloc(size + 1))) {
		free(r);
		return NULL;
	}
	memcpy(r->body, buffer, size);
	r->len = size;
	return r;
}

enum MHD_Result aslrt_bmhd_add_response_header(struct MHD_Response *r, const char *name,
					       const char *value)
{
	if (strpbrk(name, ":\r\n") || strpbrk(value, "\r\n"))
		return MHD_NO;
	size_t add = strlen(name) + strlen(value) + 4;
	char *h = realloc(r->headers, r->hlen + add + 1);
	if (!h)
		return MHD_NO;
	r->headers = h;
	r->hlen += (size_t)sprintf(h + r->hlen, "%s: %s\r\n", name, value);
	return MHD_YES;
}

void aslrt_bmhd_destroy_response(struct MHD_Response *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	free(r);
}

enum MHD_Result aslrt_bmhd_queue_response(struct MHD_Connection *c, unsigned int status,
					  struct MHD_Response *r)
{
	if (c->resp || !r)
		return MHD_NO;
	struct MHD_Response *copy =
	    aslrt_bmhd_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_COPY);
	if (!copy)
		return MHD_NO;
	if (r->hlen && !(copy->headers = strdup(r->headers))) {
		aslrt_bmhd_destroy_response(copy);
		return MHD_NO;
	}
	copy->hlen = r->hlen;
	c->resp = copy;
	c->status = status;
	return MHD_YES;
}

const char *aslrt_bmhd_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
					       const char *key)
{
	if (kind != MHD_HEADER_KIND)
		return NULL;
	for (int i = 0; i < c->nheaders; i++)
		if (strcasecmp(c->names[i], key) == 0)
			return c->values[i];
	return NULL;
}

/* --- one connection --- */

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* After an answer sent before the request was read (an error, a refusal):
 * what the client still sends is read and dropped until it closes, for at
 * most REFUSE_MS, since closing with its request unread would reset the
 * connection, and the reset can destroy the answer unread. */
static void drain(int fd)
{
	shutdown(fd, SHUT_WR);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = REFUSE_MS -
			    ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		char sink[4096];
		if (left <= 0 || poll(&p, 1, (int)left) <= 0 ||
		    recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0)
			return;
	}
}

static void respond(struct MHD_Connection *c, unsigned status, const char *reason,
		    const struct MHD_Response *r)
{
	char line[160];
	int n = snprintf(line, sizeof line,
			 "HTTP/1.1 %u %s\r\nContent-Length: %zu\r\nConnection: close\r\n", status,
			 reason, r ? r->len : 0);
	if (write_all(c->fd, line, (size_t)n) &&
	    (!r || !r->hlen || write_all(c->fd, r->headers, r->hlen)) &&
	    write_all(c->fd, "\r\n", 2) && r)
		write_all(c->fd, r->body, r->len);
}

/* Read up to the blank line after the headers; the body bytes read past
 * it are left at head + *used .. head + *got.  -1 on error, -2 overlong. */
static int read_head(struct MHD_Connection *c, size_t *used, size_t *got)
{
	size_t n = 0;
	for (;;) {
		char *end = NULL;
		if (n >= 4)
			end = memmem(c->head, n, "\r\n\r\n", 4);
		if (end) {
			*used = (size_t)(end - c->head) + 4;
			*got = n;
			return 0;
		}
		if (n == HEAD_MAX)
			return -2;
		if (n == c->headcap) { /* most heads fit the first 4 KiB */
			size_t cap = c->headcap ? 2 * c->headcap : HEAD_FIRST;
			cap = cap > HEAD_MAX ? HEAD_MAX : cap;
			char *h = realloc(c->head, cap + 1);
			if (!h)
				return -1;
			c->head = h;
			c->headcap = cap;
		}
		ssize_t k = recv(c->fd, c->head + n, c->headcap - n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		n += (size_t)k;
	}
}

/* Split the request line and headers in place; NULL on a malformed one. */
static char *parse_head(struct MHD_Connection *c, char **method, char **version)
{
	char *save, *line = strtok_r(c->head, "\r\n", &save);
	if (!line)
		return NULL;
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2)
		return NULL;
	*sp1 = *sp2 = 0;
	*method = line;
	*version = sp2 + 1;
	char *url = sp1 + 1;
	while ((line = strtok_r(NULL, "\r\n", &save))) {
		if (c->nheaders == 100) { /* never drop one: it may be Content-Length */
			c->too_many = true;
			return NULL;
		}
		char *colon = strchr(line, ':');
		if (!colon)
			return NULL;
		*colon = 0;
		char *v = colon + 1 + strspn(colon + 1, " \t");
		c->names[c->nheaders] = line;
		c->values[c->nheaders++] = v;
	}
	return url;
}

/* The access handler as libmicrohttpd calls it: once at the headers, with
 * the body until it is consumed, once at the end. */
static bool run_handler(struct MHD_Connection *c, const char *url, const char *method,
			const char *version, const char *body, size_t len, void **con_cls)
{
	struct MHD_Daemon *d = c->d;
	size_t zero = 0;
	if (d->dh(d->dh_cls, c, url, method, version, NULL, &zero, con_cls) != MHD_YES)
		return false;
	while (len > 0 && !c->resp) {
		size_t left = len;
		if (d->dh(d->dh_cls, c, url, method, version, body, &left, con_cls) != MHD_YES ||
		    left > len)
			return false;
		body += len - left;
		len = left;
	}
	zero = 0;
	return c->resp ||
	       d->dh(d->dh_cls, c, url, method, version, NULL, &zero, con_cls) == MHD_YES;
}

static const char *reason(unsigned status)
{
	return status < 300    ? "OK"
	       : status == 400 ? "Bad Request"
	       : status == 503 ? "Service Unavailable"
			       : "Error";
}

static bool serve(struct MHD_Connection *c, void **con_cls, bool *called)
{
	size_t used, got;
	int rc = read_head(c, &used, &got);
	if (rc == -2) /* as libmicrohttpd answers a head over its memory */
		respond(c, 431, "Request Header Fields Too Large", NULL);
	if (rc < 0)
		return false;
	/* the body bytes already read stay at head + used: the head is split
	 * up to there, its first byte kept aside for the NUL */
	size_t have = got - used;
	char first = c->head[used];
	c->head[used] = 0;
	char *method, *version, *url = parse_head(c, &method, &version);
	if (!url) {
		if (c->too_many)
			respond(c, 431, "Request Header Fields Too Large", NULL);
		else
			respond(c, 400, "Bad Request", NULL);
		return false;
	}
	const char *cl = aslrt_bmhd_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (aslrt_bmhd_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding")) {
		respond(c, 411, "Length Required", NULL);
		return false;
	}
	char *end;
	long long len = cl ? strtoll(cl, &end, 10) : 0;
	if (cl && (*cl < '0' || *cl > '9' || end[strspn(end, " \t")] || len > BODY_LIMIT)) {
		respond(c, 413, "Content Too Large", NULL);
		return false;
	}
	char *body = malloc((size_t)len + 1);
	if (!body)
		return false;
	size_t n = have < (size_t)len ? have : (size_t)len;
	c->head[used] = first;
	memcpy(body, c->head + used, n);
	/* curl asks before sending a body over 1 KiB, and waits 1 s for this */
	const char *expect = aslrt_bmhd_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
	if (expect && strcasecmp(expect, "100-continue") == 0 && n < (size_t)len)
		write_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	while (n < (size_t)len) {
		ssize_t k = recv(c->fd, body + n, (size_t)len - n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(body);
			return false;
		}
		n += (size_t)k;
	}
	*called = true;
	bool ok = run_handler(c, url, method, version, body, n, con_cls);
	free(body);
	if (ok && c->resp)
		respond(c, c->status, reason(c->status), c->resp);
	return ok && c->resp;
}

static void *connection(void *arg)
{
	struct MHD_Connection *c = arg;
	struct MHD_Daemon *d = c->d;
	struct timeval tv = {.tv_sec = d->timeout_s};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	void *con_cls = NULL, *socket_context = NULL;
	bool called = false;
	if (d->notify)
		d->notify(d->notify_cls, c, &socket_context, MHD_CONNECTION_NOTIFY_STARTED);
	bool ok = serve(c, &con_cls, &called);
	if (!ok)
		drain(c->fd);
	if (called && d->done)
		d->done(d->done_cls, c, &con_cls,
			ok ? MHD_REQUEST_TERMINATED_COMPLETED_OK
			   : MHD_REQUEST_TERMINATED_WITH_ERROR);
	if (d->notify)
		d->notify(d->notify_cls, c, &socket_context, MHD_CONNECTION_NOTIFY_CLOSED);
	aslrt_bmhd_destroy_response(c->resp);
	free(c->head);
	pthread_mutex_lock(&d->lock);
	d->conns[c->slot] = -1;
	close(c->fd);
	d->active--;
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
	free(c);
	return NULL;
}

/* Over the limit: 503 in AWS's error shape, written at once (it fits the
 * socket's buffer), then the request drained. */
static void refuse(int fd)
{
	static const char body[] = "{\"__type\":\"ServiceUnavailable\",\"message\":\"The server "
				   "has too many connections open; try again\"}";
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
			 "application/x-amz-json-1.0\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 sizeof body - 1);
	struct timeval tv = {.tv_usec = 50000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (write_all(fd, head, (size_t)n) && write_all(fd, body, sizeof body - 1))
		drain(fd);
	close(fd);
}

/* A connection thread for fd, in a free slot; false over the limit. */
static bool admit(struct MHD_Daemon *d, int fd)
{
	struct MHD_Connection *c = calloc(1, sizeof *c);
	pthread_mutex_lock(&d->lock);
	int slot = -1;
	for (unsigned i = 0; i < d->limit && slot < 0; i++)
		if (d->conns[i] < 0)
			slot = (int)i;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	if (c && slot >= 0 && !d->stopping) {
		*c = (struct MHD_Connection){.d = d, .fd = fd, .slot = slot};
		d->conns[slot] = fd;
		d->active++;
		if (pthread_create(&t, &at, connection, c) != 0) {
			d->conns[slot] = -1;
			d->active--;
			slot = -1;
		}
	} else {
		slot = -1;
	}
	pthread_attr_destroy(&at);
	pthread_mutex_unlock(&d->lock);
	if (slot < 0)
		free(c);
	return slot >= 0;
}

static void *acceptor(void *arg)
{
	struct MHD_Daemon *d = arg;
	for (;;) {
		int fd = accept4(d->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* out of descriptors: the client waits in the backlog
			 * until one is closed, and this loop does not spin */
			if (errno == EMFILE || errno == ENFILE)
				nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE)
				continue;
			return NULL; /* the listening socket was shut down */
		}
		if (!admit(d, fd)) /* too many connections (or no memory, no thread) */
			refuse(fd);
	}
}

/* --- the daemon --- */

static bool take_options(struct MHD_Daemon *d, const struct sockaddr **sa, va_list ap)
{
	for (;;) {
		enum MHD_OPTION o = va_arg(ap, enum MHD_OPTION);
		switch (o) {
		case MHD_OPTION_END:
			return true;
		case MHD_OPTION_SOCK_ADDR:
			*sa = va_arg(ap, const struct sockaddr *);
			break;
		case MHD_OPTION_NOTIFY_COMPLETED:
			d->done = va_arg(ap, MHD_RequestCompletedCallback);
			d->done_cls = va_arg(ap, void *);
			break;
		case MHD_OPTION_CONNECTION_TIMEOUT:
			d->timeout_s = va_arg(ap, unsigned int);
			break;
		case MHD_OPTION_CONNECTION_LIMIT:
			d->limit = va_arg(ap, unsigned int);
			break;
		case MHD_OPTION_NOTIFY_CONNECTION:
			d->notify = va_arg(ap, MHD_NotifyConnectionCallback);
			d->notify_cls = va_arg(ap, void *);
			break;
		default:
			return false;
		}
	}
}

struct MHD_Daemon *aslrt_bmhd_start_daemon(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	(void)apc_cls;
	struct MHD_Daemon *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	*d = (struct MHD_Daemon){
	    .fd = -1, .dh = dh, .dh_cls = dh_cls, .timeout_s = 0, .limit = CONN_DEFAULT};
	const struct sockaddr *sa = NULL;
	va_list ap;
	va_start(ap, dh_cls);
	bool known = take_options(d, &sa, ap);
	va_end(ap);
	if (!known || apc || !dh || d->limit == 0 ||
	    (flags & ~(unsigned)MHD_USE_POLL) !=
		(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION)) {
		free(d);
		errno = EINVAL;
		return NULL;
	}
	struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (!sa)
		sa = (const struct sockaddr *)&any;
	int one = 1;
	d->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(d->fd, sa,
		 sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in)) < 0 ||
	    listen(d->fd, SOMAXCONN) < 0) {
		int e = errno;
		if (d->fd >= 0)
			close(d->fd);
		free(d);
		errno = e;
		return NULL;
	}
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	getsockname(d->fd, (struct sockaddr *)&bound, &blen);
	d->info.port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	if (!(d->conns = malloc(d->limit * sizeof *d->conns))) {
		close(d->fd);
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < d->limit; i++)
		d->conns[i] = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
	int rc = pthread_create(&d->acceptor, NULL, acceptor, d);
	if (rc != 0) {
		close(d->fd);
		free(d->conns);
		free(d);
		errno = rc;
		return NULL;
	}
	return d;
}

const union MHD_DaemonInfo *aslrt_bmhd_get_daemon_info(struct MHD_Daemon *d,
						       enum MHD_DaemonInfoType type, ...)
{
	return type == MHD_DAEMON_INFO_BIND_PORT ? &d->info : NULL;
}

/* Stop accepting, end the connections still open (their reads fail) and
 * wait for their threads, as MHD_stop_daemon does. */
void aslrt_bmhd_stop_daemon(struct MHD_Daemon *d)
{
	if (!d)
		return;
	shutdown(d->fd, SHUT_RDWR);
	pthread_join(d->acceptor, NULL);
	close(d->fd);
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	for (unsigned i = 0; i < d->limit; i++)
		if (d->conns[i] >= 0)
			shutdown(d->conns[i], SHUT_RDWR);
	while (d->active > 0)
		pthread_cond_wait(&d->idle, &d->lock);
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->idle);
	free(d->conns);
	free(d);
}
