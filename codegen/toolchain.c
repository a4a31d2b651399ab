/*
 * toolchain.c - what cc.c needs from its surroundings: the runtime's folder,
 * found relative to aslc's own executable (never a path compiled in from
 * the build), and $CC/$CFLAGS split into words as make's shell would.
 *
 * aslc's own folder (BINDIR) comes from /proc/self/exe, or from argv[0] (a
 * path, or a name in $PATH) where /proc is not mounted.  The runtime folder
 * holds aslrt.h and libaslrt.a; searched in order:
 *   $ASLC_RUNTIME_DIR                      (an explicit override)
 *   BINDIR/ASLC_REL_RTLIB                  (installed: PREFIX/lib/aslc, header
 *                                           in PREFIX/include/aslc)
 *   BINDIR/../runtime                      (the build tree: build/compiler/aslc
 *                                           next to build/runtime)
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir.h"

static bool exists(const char *dir, const char *file)
{
	char *p = xasprintf("%s/%s", dir, file);
	bool ok = access(p, R_OK) == 0;
	free(p);
	return ok;
}

static const char *argv0;

void aslrt_set_argv0(const char *a)
{
	argv0 = a;
}

bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* argv[0] as the shell found it: a path, or a name looked up in $PATH. */
static bool from_argv0(char buf[PATH_MAX])
{
	if (!argv0 || !*argv0)
		return false;
	if (strchr(argv0, '/'))
		return realpath(argv0, buf) != NULL;
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : ""), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *d ? d : ".", argv0);
		found = access(p, X_OK) == 0 && realpath(p, buf) != NULL;
		free(p);
	}
	free(copy);
	return found;
}

/* The folder of the running executable, from /proc/self/exe (or argv[0]
 * where /proc is not mounted, as in a bare chroot). */
static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0)
		buf[n] = 0;
	else if (!from_argv0(buf))
		return NULL;
	char *slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	return xstrdup(buf);
}

int aslrt_locate(RtPaths *rp)
{
	memset(rp, 0, sizeof *rp);
	const char *env = getenv("ASLC_RUNTIME_DIR");
	if (env && *env) {
		if (!exists(env, "aslrt.h") || !exists(env, "libaslrt.a")) {
			fprintf(stderr,
				"aslc: ASLC_RUNTIME_DIR=%s holds no aslrt.h and libaslrt.a\n", env);
			return -1;
		}
		rp->include = xstrdup(env);
		rp->lib = xstrdup(env);
		return 0;
	}
	char *bin = self_dir();
	if (!bin) {
		fprintf(stderr,
			"aslc: cannot find its own executable (/proc/self/exe: %s); "
			"set ASLC_RUNTIME_DIR\n",
			strerror(errno));
		return -1;
	}
	char *lib = xasprintf("%s/%s", bin, ASLC_REL_RTLIB);
	char *inc = xasprintf("%s/%s", bin, ASLC_REL_RTINC);
	if (exists(lib, "libaslrt.a") && exists(inc, "aslrt.h")) {
		rp->include = inc;
		rp->lib = lib;
		free(bin);
		return 0;
	}
	free(lib);
	free(inc);
	char *tree = xasprintf("%s/../runtime", bin);
	if (exists(tree, "libaslrt.a") && exists(tree, "aslrt.h")) {
		rp->include = tree;
		rp->lib = xstrdup(tree);
		free(bin);
		return 0;
	}
	fprintf(stderr,
		"aslc: cannot find the runtime (aslrt.h, libaslrt.a) in %s/%s nor %s; "
		"set ASLC_RUNTIME_DIR\n",
		bin, ASLC_REL_RTLIB, tree);
	free(tree);
	free(bin);
	return -1;
}

void aslrt_paths_free(RtPaths *rp)
{
	free(rp->include);
	free(rp->lib);
}

/*
 * Split s into words as sh does for an unquoted variable in a make recipe
 * ($(CC) is expanded into the command line): blanks separate, '...' and
 * "..." quote, backslash escapes.  No expansion of $, globs or ~.
 */
int split_words(const char *s, char ***v, int *n)
{
	Buf w = {0};
	bool inword = false;
	for (const char *p = s;; p++) {
		char ch = *p;
		if (ch == 0 || ch == ' ' || ch == '\t' || ch == '\n') {
			if (inword) {
				buf_put(&w, "", 1);
				vec_push(v, n, xstrdup(w.s));
				w.len = 0;
				inword = false;
			}
			if (ch == 0)
				break;
			continue;
		}
		inword = true;
		if (ch == '\\' && p[1]) {
			buf_put(&w, ++p, 1);
		} else if (ch == '\'' || ch == '"') {
			const char *q = p + 1;
			while (*q && *q != ch) {
				if (ch == '"' && *q == '\\' && q[1] && strchr("\"\\$`", q[1]))
					q++;
				buf_put(&w, q++, 1);
			}
			if (!*q) {
				buf_free(&w);
				return -1;
			}
			p = q;
		} else {
			buf_put(&w, p, 1);
		}
	}
	buf_free(&w);
	return 0;
}
