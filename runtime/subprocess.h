/*
 * subprocess.h - run a program with an argv (never a shell) in its own
 * process group: JSON in on stdin, out on stdout, stderr passed through.
 */
#ifndef ASLRT_SUBPROCESS_H
#define ASLRT_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The file descriptor a child heartbeats on (a line per beat), also named by
 * the environment variable ASLRT_HEARTBEAT_FD; open only when the Task has a
 * heartbeat interval. */
#define RT_HEARTBEAT_FD 3

enum {
	RT_SUB_EXITED,	  /* status holds the exit status */
	RT_SUB_SIGNALED,  /* status holds the signal */
	RT_SUB_TIMEOUT,	  /* killed at the deadline */
	RT_SUB_HEARTBEAT, /* killed: no heartbeat within the interval */
	RT_SUB_NOSTART,	  /* could not start: err holds errno */
	RT_SUB_TOOBIG,	  /* killed: stdout beyond the limit */
	RT_SUB_STOPPED,	  /* killed: stop() said so */
};

typedef struct aslrt_subresult {
	int how, status, err;
	char *out; /* stdout, NUL-terminated (malloc'd) */
	size_t outlen;
	char errtail[4096]; /* the last bytes of stderr (Lambda's log tail is 4 KB) */
} aslrt_subresult;

/* Run argv with in on stdin.  timeout_ms, heartbeat_ms: 0 for none.  When
 * the direct child exits, whatever it left in its process group is killed,
 * so no process outlives the Task.  stop (may be NULL) is asked every 20 ms
 * while the child runs; true kills its process group (RT_SUB_STOPPED). */
void aslrt_subprocess_run(char *const *argv, const char *in, size_t inlen, int64_t timeout_ms,
			  int64_t heartbeat_ms, size_t maxout, bool (*stop)(void),
			  aslrt_subresult *res);

#endif
