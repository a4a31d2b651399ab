/*
 * subprocess.c - a Task's subprocess: posix_spawnp with an argv, its own
 * process group (so a deadline kills everything it started), stdin fed and
 * stdout collected through poll(), stderr copied to ours while its tail is
 * kept for the error cause, and an optional heartbeat pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subprocess.h"

extern char **environ;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char **child_env(bool heartbeat)
{
	int n = 0;
	while (environ[n])
		n++;
	char **env = calloc((size_t)n + 2, sizeof *env);
	if (!env)
		abort();
	int k = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(environ[i], "ASLRT_HEARTBEAT_FD=", 19) != 0)
			env[k++] = environ[i];
	static char hb[] = "ASLRT_HEARTBEAT_FD=3";
	if (heartbeat)
		env[k++] = hb;
	return env;
}

static void keep_tail(aslrt_subresult *res, const char *buf, size_t n)
{
	size_t cap = sizeof res->errtail - 1, have = strlen(res->errtail);
	if (n >= cap) {
		memcpy(res->errtail, buf + n - cap, cap);
		res->errtail[cap] = 0;
		return;
	}
	if (have + n > cap) {
		memmove(res->errtail, res->errtail + (have + n - cap), cap - n);
		have = cap - n;
	}
	memcpy(res->errtail + have, buf, n);
	res->errtail[have + n] = 0;
}

/*
 * The children running now, by process group, so that a signal ending this
 * process (SIGTERM, SIGINT, SIGHUP) ends them too: each is in a group of its
 * own, which no terminal's or parent's signal reaches.  A child that is an
 * aslc executable (an Executable binding) so ends its own Tasks when the
 * parent's Task is stopped.  A signal handler may only read the table.
 * A thread runs one child at a time and at most POOL_MAX (64, pool.c)
 * workers and the main thread run Tasks, so 256 slots never fill.
 */
#define LIVE_MAX 256
static pid_t live[LIVE_MAX];
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;
static const int ending[] = {SIGTERM, SIGINT, SIGHUP};

static void on_ending(int sig)
{
	for (int i = 0; i < LIVE_MAX; i++) {
		pid_t p = __atomic_load_n(&live[i], __ATOMIC_RELAXED);
		if (p > 0)
			kill(-p, SIGKILL);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Only where the signal's action is the default: an embedding program's
 * handler, or an ignored signal, stays as it is. */
static void install_handlers(void)
{
	for (size_t i = 0; i < sizeof ending / sizeof *ending; i++) {
		struct sigaction old, sa = {.sa_handler = on_ending};
		sigemptyset(&sa.sa_mask);
		if (sigaction(ending[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(ending[i], &sa, NULL);
	}
}

static void track(pid_t pid, bool on)
{
	for (int i = 0; i < LIVE_MAX; i++) {
		pid_t want = on ? 0 : pid;
		if (__atomic_compare_exchange_n(&live[i], &want, on ? pid : 0, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return;
	}
}

/* The end of a child: a stopped one gets SIGTERM and up to STOP_GRACE_MS
 * to end (an aslc executable then ends its own children), then whatever is
 * left in its group SIGKILL; *status is its wait status. */
#define STOP_GRACE_MS 500
static void end_child(pid_t pid, bool stopped, bool exited, int *status)
{
	if (stopped && !exited) {
		kill(-pid, SIGTERM);
		for (int64_t end = mono_ms() + STOP_GRACE_MS; !exited && mono_ms() < end;) {
			exited = waitpid(pid, status, WNOHANG) == pid;
			if (!exited)
				nanosleep(&(struct timespec){0, 5000000}, NULL);
		}
	}
	/* Nothing the Task started outlives it. */
	kill(-pid, SIGKILL);
	track(pid, false);
	if (!exited)
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
}

/* Starts argv[0] (searched in PATH) in a process group of its own with
 * the pipes as its stdin, stdout, stderr and (hb >= 0) heartbeat fd, and
 * SIGPIPE and the signal mask at their defaults.  0, or an errno. */
static int spawn(char *const *argv, int in, int out, int err, int hb, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	if (hb >= 0)
		posix_spawn_file_actions_adddup2(&fa, hb, RT_HEARTBEAT_FD);
	posix_spawnattr_init(&at);
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	/* The child starts with no signal blocked, whatever the calling
	 * thread (a pool worker, a library's thread) blocks. */
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETSIGMASK);
	char **env = child_env(hb >= 0);
	int rc = posix_spawnp(pid, argv[0], &fa, &at, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

/* Copies what the child wrote to stderr to ours, keeping its tail; closes
 * *fd at its end. */
static void pass_stderr(int *fd, aslrt_subresult *res)
{
	char buf[8192];
	ssize_t r = read(*fd, buf, sizeof buf);
	if (r <= 0) {
		close(*fd), *fd = -1;
	} else {
		fwrite(buf, 1, (size_t)r, stderr);
		keep_tail(res, buf, (size_t)r);
	}
}

/* Writes what the child's stdin takes of in[*sent..]; closes *fd when all
 * is sent or the child will take no more. */
static void feed(int *fd, const char *in, size_t inlen, size_t *sent)
{
	ssize_t w = write(*fd, in + *sent, inlen - *sent);
	if (w > 0)
		*sent += (size_t)w;
	if ((w < 0 && errno != EAGAIN) || *sent == inlen)
		close(*fd), *fd = -1;
}

/* Appends n bytes of stdout to res->out (capacity *cap); -1 past maxout. */
static int keep_out(aslrt_subresult *res, size_t *cap, const char *buf, size_t n, size_t maxout)
{
	if (res->outlen + n > maxout)
		return -1;
	while (res->outlen + n + 1 > *cap)
		if (!(res->out = realloc(res->out, *cap *= 2)))
			abort();
	memcpy(res->out + res->outlen, buf, n);
	res->outlen += n;
	return 0;
}

void aslrt_subprocess_run(char *const *argv, const char *in, size_t inlen, int64_t timeout_ms,
			  int64_t heartbeat_ms, size_t maxout, bool (*stop)(void),
			  aslrt_subresult *res)
{
	memset(res, 0, sizeof *res);
	/* A child that closes its stdin early must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pthread_once(&handlers_once, install_handlers);
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, phb[2] = {-1, -1};
	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) ||
	    (heartbeat_ms > 0 && pipe2(phb, O_CLOEXEC))) {
		res->how = RT_SUB_NOSTART;
		res->err = errno;
		goto close_all;
	}
	pid_t pid;
	int rc = spawn(argv, pin[0], pout[1], perr[1], phb[1], &pid);
	if (rc) {
		res->how = RT_SUB_NOSTART;
		res->err = rc;
		goto close_all;
	}
	track(pid, true);
	close(pin[0]), close(pout[1]), close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (phb[1] >= 0)
		close(phb[1]), phb[1] = -1;
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (inlen == 0)
		close(pin[1]), pin[1] = -1;

	size_t cap = 4096, sent = 0;
	res->out = malloc(cap);
	if (!res->out)
		abort();
	int64_t start = mono_ms(), beat = start, exited_at = 0;
	int status = 0;
	bool exited = false;
	res->how = RT_SUB_EXITED;
	for (;;) {
		struct pollfd fds[4];
		int nf = 0, iout = -1, ierr = -1, ihb = -1, iin = -1;
		if (pout[0] >= 0)
			fds[iout = nf++] = (struct pollfd){pout[0], POLLIN, 0};
		if (perr[0] >= 0)
			fds[ierr = nf++] = (struct pollfd){perr[0], POLLIN, 0};
		if (phb[0] >= 0)
			fds[ihb = nf++] = (struct pollfd){phb[0], POLLIN, 0};
		if (pin[1] >= 0)
			fds[iin = nf++] = (struct pollfd){pin[1], POLLOUT, 0};
		int64_t now = mono_ms(), wait = 20;
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			exited_at = now;
		}
		if (exited && ((pout[0] < 0 && perr[0] < 0) || now - exited_at > 100))
			break;
		if (timeout_ms > 0 && now - start >= timeout_ms) {
			res->how = RT_SUB_TIMEOUT;
			break;
		}
		if (heartbeat_ms > 0 && now - beat >= heartbeat_ms) {
			res->how = RT_SUB_HEARTBEAT;
			break;
		}
		if (!exited && stop && stop()) {
			res->how = RT_SUB_STOPPED;
			break;
		}
		/* After the child exits, what it left behind holding the pipes
		 * gets a moment, then is killed below. */
		if (exited && nf == 0)
			break;
		int n = poll(fds, (nfds_t)nf, (int)wait);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0) {
			if (exited)
				break;
			continue;
		}
		char buf[8192];
		if (iin >= 0 && fds[iin].revents)
			feed(&pin[1], in, inlen, &sent);
		if (iout >= 0 && fds[iout].revents) {
			ssize_t r = read(pout[0], buf, sizeof buf);
			if (r <= 0) {
				close(pout[0]), pout[0] = -1;
			} else if (keep_out(res, &cap, buf, (size_t)r, maxout) != 0) {
				res->how = RT_SUB_TOOBIG;
				break;
			}
		}
		if (ierr >= 0 && fds[ierr].revents)
			pass_stderr(&perr[0], res);
		if (ihb >= 0 && fds[ihb].revents) {
			ssize_t r = read(phb[0], buf, sizeof buf);
			if (r <= 0)
				close(phb[0]), phb[0] = -1;
			else
				beat = mono_ms();
		}
	}
	fflush(stderr);
	res->out[res->outlen] = 0;
	end_child(pid, res->how == RT_SUB_STOPPED, exited, &status);
	if (res->how == RT_SUB_EXITED && WIFSIGNALED(status)) {
		res->how = RT_SUB_SIGNALED;
		res->status = WTERMSIG(status);
	} else if (res->how == RT_SUB_EXITED) {
		res->status = WEXITSTATUS(status);
	}
close_all:
	for (int *fd = (int[]){pin[0], pin[1], pout[0], pout[1], perr[0], perr[1], phb[0], phb[1]},
		 *end = fd + 8;
	     fd < end; fd++)
		if (*fd >= 0)
			close(*fd);
}
