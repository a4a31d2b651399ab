/*
 * dl.c - load libcurl or libmicrohttpd, or use the executable's built-in
 * stand-ins for them (dl.h).  A handle of a built-in library points into
 * aslrt_builtin_libs; any other is dlopen's.
 */
#include <dlfcn.h>
#include <string.h>

#include "dl.h"

static _Thread_local const char *builtin_error;

static const aslrt_builtin_lib *builtin(const void *lib)
{
	if (!aslrt_builtin_libs)
		return NULL;
	for (const aslrt_builtin_lib *l = aslrt_builtin_libs; l->soname; l++)
		if (lib == l)
			return l;
	return NULL;
}

void *aslrt_dlopen(const char *name)
{
	builtin_error = NULL;
	if (aslrt_builtin_libs)
		for (const aslrt_builtin_lib *l = aslrt_builtin_libs; l->soname; l++)
			if (strcmp(l->soname, name) == 0)
				return (void *)l;
	return dlopen(name, RTLD_NOW | RTLD_LOCAL);
}

void *aslrt_dlsym(void *lib, const char *name)
{
	const aslrt_builtin_lib *l = builtin(lib);
	if (!l)
		return dlsym(lib, name);
	for (const aslrt_builtin_sym *s = l->syms; s->name; s++)
		if (strcmp(s->name, name) == 0) {
			/* POSIX: function pointers round-trip through void *
			 * (dlsym's contract) */
			void *p;
			memcpy(&p, &s->fn, sizeof p);
			return p;
		}
	builtin_error = "not in the executable's built-in library";
	return NULL;
}

const char *aslrt_dlerror(void)
{
	if (builtin_error) {
		const char *e = builtin_error;
		builtin_error = NULL;
		return e;
	}
	return dlerror();
}

void aslrt_dlclose(void *lib)
{
	if (lib && !builtin(lib))
		dlclose(lib);
}
