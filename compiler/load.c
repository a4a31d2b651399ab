/*
 * load.c - read a definition's text.  The text is kept whole: diagnostics
 * quote its lines, and the locator (diag.c) maps JSON Pointers to offsets
 * in it, since json-c's values carry no positions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"

Source *source_read(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	Buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	int err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (err) {
		buf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (!b.s)
		buf_put(&b, "", 0);
	Source *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	s->text = b.s;
	s->len = b.len;
	return s;
}

void source_free(Source *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->text);
	free(s->display);
	json_object_put(s->where);
	free(s);
}
