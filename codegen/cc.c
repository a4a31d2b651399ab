/*
 * cc.c - turn generated C (or an LLVM object) into a native executable:
 * write it to a private temporary directory, run the C compiler with an argv
 * (never a shell), and link libaslrt, json-c and libcrypto statically so the
 * executable needs only the C library at run time.
 *
 * The compiler is $CC, else "cc".  Paths to the runtime are fixed at aslc's
 * build (it runs from the build tree); ASLC_RUNTIME_DIR overrides the
 * directory holding aslrt.h and libaslrt.a.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ir.h"

extern char **environ;

static int run(char **argv, bool verbose)
{
	if (verbose) {
		for (char **a = argv; *a; a++)
			fprintf(stderr, "%s%s", a == argv ? "" : " ", *a);
		fputc('\n', stderr);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "aslc: cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "aslc: %s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

static char *tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/aslc-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t)) {
		fprintf(stderr, "aslc: cannot create a temporary directory: %s\n", strerror(errno));
		free(t);
		return NULL;
	}
	return t;
}

typedef struct Argv {
	char **v;
	int n;
} Argv;

static void arg(Argv *a, const char *s)
{
	vec_push(&a->v, &a->n, xstrdup(s));
}

static void args_split(Argv *a, const char *s)
{
	char *copy = xstrdup(s), *save = NULL;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
		arg(a, t);
	free(copy);
}

static void args_free(Argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* cc [-c src] or link: the shared part of both commands. */
static int compile_link(const char *input, const char *exe, const BuildOpts *o)
{
	const char *cc = getenv("CC");
	const char *rtdir = getenv("ASLC_RUNTIME_DIR");
	char *inc = xstrdup(rtdir ? rtdir : ASLC_RT_INCLUDE);
	char *lib = rtdir ? xasprintf("%s/libaslrt.a", rtdir) : xstrdup(ASLC_RT_LIB);
	Argv a = {0};
	arg(&a, cc && *cc ? cc : "cc");
	char opt[8];
	/* -O2 compiles at cc -O1: the state code is calls into the runtime, and
	 * bench b1 ran the same (76 ms CPU) at -O1, -O2 and -O3, while -O2 took
	 * 2.5 times as long to compile (a 1,000-state chain: 10.5 s vs 4 s). */
	snprintf(opt, sizeof opt, "-O%d", o->opt == 2 ? 1 : o->opt);
	arg(&a, opt);
	arg(&a, "-std=c11");
	arg(&a, "-w");
	args_split(&a, ASLC_SAN_FLAGS);
	arg(&a, "-I");
	arg(&a, inc);
	arg(&a, "-I");
	arg(&a, ASLC_JSONC_INCLUDE);
#ifdef ASLC_FUSE_LD
	arg(&a, ASLC_FUSE_LD);
	/* one thread: the runtime is most of the link, the same for every
	 * machine, and a test suite runs builds side by side (-25% CPU) */
	arg(&a, "-Wl,--threads=1");
#endif
	/* Not position-independent: start-up spent half its time relocating a
	 * PIE (b6: 1.3 ms -> 1.0 ms; /bin/true takes 0.8 ms). */
	arg(&a, "-no-pie");
	arg(&a, "-o");
	arg(&a, exe);
	arg(&a, input);
	for (int i = 0; i < o->nextra; i++)
		arg(&a, o->extra[i]);
	arg(&a, lib);
	arg(&a, ASLC_JSONC_LIB);
	arg(&a, ASLC_CRYPTO_LIB);
	arg(&a, ASLC_PCRE2_LIB);
	arg(&a, "-lpthread");
	arg(&a, "-lm");
	arg(&a, "-ldl");
	vec_push(&a.v, &a.n, (char *)NULL);
	int rc = run(a.v, o->verbose);
	a.n--;
	args_free(&a);
	free(inc);
	free(lib);
	return rc;
}

int cc_build_c(const char *csrc, size_t len, const char *exe, const BuildOpts *o)
{
	char *dir = tmpdir();
	if (!dir)
		return -1;
	char *path = xasprintf("%s/machine.c", dir);
	FILE *f = fopen(path, "w");
	int rc = -1;
	if (f && fwrite(csrc, 1, len, f) == len && fclose(f) == 0) {
		f = NULL;
		rc = compile_link(path, exe, o);
	} else {
		fprintf(stderr, "aslc: cannot write %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
	}
	if (!o->keep) {
		unlink(path);
		rmdir(dir);
	} else {
		fprintf(stderr, "aslc: kept %s\n", path);
	}
	free(path);
	free(dir);
	return rc;
}

int cc_link_obj(const char *obj, const char *exe, const BuildOpts *o)
{
	return compile_link(obj, exe, o);
}
