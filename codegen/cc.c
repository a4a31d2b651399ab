/*
 * cc.c - turn generated C (or an LLVM object) into a native executable:
 * write it to a private temporary directory, run the C compiler with an argv
 * (never a shell), and link libaslrt, json-c, libcrypto, PCRE2 and expat
 * statically so the
 * executable needs only the C library at run time.
 *
 * The compiler is $CC, else "cc"; $CC, $CFLAGS and $LDFLAGS are split into
 * words as make does.  toolchain.c finds the runtime relative to aslc.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ir.h"
#include "tsan.h"

extern char **environ;

/* Run argv, with stdin from the file in_path if not NULL. */
static int run(char **argv, const char *in_path, bool verbose)
{
	if (verbose) {
		for (char **a = argv; *a; a++)
			fprintf(stderr, "%s%s", a == argv ? "" : " ", *a);
		if (in_path)
			fprintf(stderr, " < %s", in_path);
		fputc('\n', stderr);
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (in_path)
		posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
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

/* A static library the runtime needs: the copy shipped next to libaslrt.a
 * if there is one, else the system's (found when aslc was configured). */
static void dep_lib(Argv *a, const RtPaths *rp, const char *sys)
{
	const char *base = strrchr(sys, '/');
	char *local = xasprintf("%s/%s", rp->lib, base ? base + 1 : sys);
	arg(a, access(local, R_OK) == 0 ? local : sys);
	free(local);
}

/* Append the words of environment variable name; -1 on a malformed value. */
static int env_words(Argv *a, const char *name)
{
	const char *v = getenv(name);
	if (!v)
		return 0;
	if (split_words(v, &a->v, &a->n) < 0) {
		fprintf(stderr, "aslc: %s has an unclosed quote: %s\n", name, v);
		return -1;
	}
	return 0;
}

/* The compiler: $CC's words, else cc (or clang for generated C alone). */
static int cc_command(Argv *a, const char *csrc, const BuildOpts *o)
{
	const char *cc = getenv("CC");
	if (cc && *cc && env_words(a, "CC") < 0)
		return -1;
	if (a->n == 0) {
#ifdef ASLC_FAST_CC
		/* clang compiles the generated C four times as fast as gcc at -O0
		 * (a 1,000-state chain: 0.3 s vs 1.2 s CPU).  $CFLAGS (written for
		 * cc), static links, Task handler sources and sanitized builds (not
		 * configured) keep cc. */
		const char *cflags = getenv("CFLAGS");
		if (csrc && !o->static_link && !o->nextra && !(cflags && *cflags) &&
		    access(ASLC_FAST_CC, X_OK) == 0)
			arg(a, ASLC_FAST_CC);
		else
#endif
			arg(a, "cc");
	}
	return 0;
}

/* The libraries every machine links, after its objects.  An Express
 * machine has no journal (AWS keeps its executions in memory): its
 * libaslrt_express.a, first, keeps journal.c and SQLite out (b6: 2.2 MB of
 * code instead of 1.0 MB, and no start-up relocations for SQLite's tables). */
static void link_libs(Argv *a, const RtPaths *rp, bool is_static, bool express)
{
	char *lib;
	if (express) {
		lib = xasprintf("%s/libaslrt_express.a", rp->lib);
		arg(a, lib);
		free(lib);
	}
	lib = xasprintf("%s/libaslrt.a", rp->lib);
	arg(a, lib);
	free(lib);
	dep_lib(a, rp, ASLC_JSONC_LIB);
	dep_lib(a, rp, ASLC_CRYPTO_LIB);
	dep_lib(a, rp, ASLC_PCRE2_LIB);
	dep_lib(a, rp, ASLC_EXPAT_LIB);
	if (!express)
		dep_lib(a, rp, ASLC_SQLITE_LIB);
	if (is_static) {
		dep_lib(a, rp, ASLC_MBEDTLS_LIB);
		dep_lib(a, rp, ASLC_MBEDX509_LIB);
		dep_lib(a, rp, ASLC_MBEDCRYPTO_LIB);
	}
	arg(a, "-lpthread");
	/* calloc of small blocks through malloc's per-thread cache: every
	 * json-c object's table is two callocs (runtime/calloc.c) */
	arg(a, "-Wl,--wrap=calloc");
	arg(a, "-Wl,--defsym=__wrap_calloc=aslrt_calloc");
	arg(a, "-Wl,--undefined=aslrt_calloc");
#ifdef ASLC_TSAN
	/* json-c's reference counts and containers shown to ThreadSanitizer
	 * (runtime/tsan.c) */
#define TSAN_LINK(fn, access, off, ret, params, args)                                              \
	arg(a, "-Wl,--wrap=" #fn);                                                                 \
	arg(a, "-Wl,--defsym=__wrap_" #fn "=aslrt_tsan_" #fn);                                     \
	arg(a, "-Wl,--undefined=aslrt_tsan_" #fn);
	ASLRT_TSAN_WRAPS(TSAN_LINK)
#endif
	/* the runtime loads libm on first use (runtime/mathlib.h): linked
	 * only for Task handlers that call it */
	arg(a, "-Wl,--as-needed");
	arg(a, "-lm");
	arg(a, "-Wl,--no-as-needed");
	arg(a, "-ldl");
}

#ifdef ASLC_FUSE_LD
/* lld lays the runtime's usual functions out together, hottest first:
 * fewer text pages touched (peak RSS: b1 -150 KB, b6 -70 KB) and b1 4%
 * faster.  startup.order (next to libaslrt.a) lists the functions
 * valgrind --tool=callgrind saw run in b1 by instructions, then those run
 * in b6 and a JSONata Pass; lld ignores a name that no longer exists.
 * startup.ld moves .init and .plt before .text, next to them. */
static void startup_order(Argv *a, const RtPaths *rp)
{
	char *order = xasprintf("%s/startup.order", rp->lib);
	if (access(order, R_OK) == 0) {
		char *flag = xasprintf("-Wl,--symbol-ordering-file=%s", order);
		arg(a, flag);
		arg(a, "-Wl,--no-warn-symbol-ordering");
		free(flag);
	}
	free(order);
	char *script = xasprintf("%s/startup.ld", rp->lib);
	if (access(script, R_OK) == 0) {
		char *flag = xasprintf("-Wl,-T,%s", script);
		arg(a, flag);
		free(flag);
	}
	free(script);
}
#endif

/* cc [-c src] or link: the shared part of both commands.  The command line
 * is make's: $CC $CFLAGS ... $LDFLAGS ... libraries.  Generated C comes on
 * stdin (csrc): its temporary path then appears nowhere in the executable
 * (the file symbol, ASan's module names), which keeps builds reproducible. */
static int compile_link(const char *input, const char *csrc, const char *exe, const BuildOpts *o)
{
	RtPaths rp;
	if (aslrt_locate(&rp) < 0)
		return -1;
	Argv a = {0};
	int rc = -1;
	if (cc_command(&a, csrc, o) < 0)
		goto out;
	char opt[8];
	/* -O1 and -O2 compile the generated C at cc -O0: the state code is calls
	 * into the runtime (compiled -O2), and b1, b2 and b5 ran the same CPU
	 * time at cc -O0 and -O1 (84 ms, 70 ms, 22 ms) while -O1 took 2.5 times
	 * as long to compile (a 1,000-state chain: 3.4 s vs 1.4 s CPU).  Task
	 * handlers in C are the user's code: they keep cc -O1. */
	int level = o->opt;
	if (level == 1 || level == 2)
		level = o->nextra ? 1 : 0;
	snprintf(opt, sizeof opt, "-O%d", level);
	arg(&a, opt);
	arg(&a, "-std=c11");
	arg(&a, "-w");
	args_split(&a, ASLC_SAN_FLAGS);
	if (env_words(&a, "CFLAGS") < 0)
		goto out;
	arg(&a, "-I");
	arg(&a, rp.include);
	arg(&a, "-I");
	arg(&a, ASLC_JSONC_INCLUDE);
	bool lld = false;
#ifdef ASLC_FUSE_LD
	/* found when aslc was built; the .deb's aslc may run without it */
	lld = in_path("ld.lld");
	if (lld) {
		arg(&a, ASLC_FUSE_LD);
		/* one thread: the runtime is most of the link, the same for
		 * every machine, and a test suite runs builds side by side
		 * (-25% CPU) */
		arg(&a, "-Wl,--threads=1");
		startup_order(&a, &rp);
	}
#endif
	/* Not position-independent: start-up spent half its time relocating a
	 * PIE (b6: 1.3 ms -> 1.0 ms; /bin/true takes 0.8 ms). */
	arg(&a, "-no-pie");
	arg(&a, "-o");
	arg(&a, exe);
	if (csrc) {
		arg(&a, "-x");
		arg(&a, "c");
		arg(&a, "-");
		arg(&a, "-x");
		arg(&a, "none");
	} else {
		arg(&a, input);
	}
	for (int i = 0; i < o->nextra; i++)
		arg(&a, o->extra[i]);
	if (env_words(&a, "LDFLAGS") < 0)
		goto out;
	/* CC="cc -static" (or -static in CFLAGS, LDFLAGS) links statically too */
	bool is_static = o->static_link;
	for (int i = 0; i < a.n; i++)
		is_static |= strcmp(a.v[i], "-static") == 0;
	if (is_static) {
		/* no shared libcurl or libmicrohttpd to load: the runtime's
		 * built-in HTTP client and server (runtime/dl.h) */
		arg(&a, "-Wl,--undefined=aslrt_builtin_libs");
	}
	if (o->static_link) {
		/* getaddrinfo (the built-in HTTP client) and dlopen draw
		 * glibc's "Using 'getaddrinfo' in statically linked
		 * applications" warnings; the README says what static glibc
		 * means.  lld prints no such warnings (it ignores .gnu.warning
		 * sections) and knows no --no-warnings. */
		arg(&a, "-static");
		if (!lld)
			arg(&a, "-Wl,--no-warnings");
	}
	/* the runtime is built with a section per function (runtime/
	 * CMakeLists.txt): keep only what this machine reaches */
	arg(&a, "-Wl,--gc-sections");
	if (o->strip)
		arg(&a, "-s");
	link_libs(&a, &rp, is_static, o->express);
	vec_push(&a.v, &a.n, (char *)NULL);
	rc = run(a.v, csrc, o->verbose);
	a.n--;
out:
	args_free(&a);
	aslrt_paths_free(&rp);
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
		rc = compile_link(NULL, path, exe, o);
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
	return compile_link(obj, NULL, exe, o);
}
