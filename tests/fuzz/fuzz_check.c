/*
 * fuzz_check.c - libFuzzer target for the front end: the bytes are a
 * definition's text, run through what `aslc check` does with it:
 *
 *   source_parse -> source_check_duplicates -> check_definition (+ types.c)
 *
 * Diagnostics are counted on a quiet Diag; with ASLC_FUZZ_PRINT set in the
 * environment they are printed too (run with -close_fd_mask=2), so that the
 * locator and the caret printer of diag.c are fuzzed as well.  Build and run
 * it with tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aslc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int print = -1;
	if (print < 0)
		print = getenv("ASLC_FUZZ_PRINT") != NULL;
	Source src = {0};
	src.path = "<fuzz>";
	src.text = xmalloc(size + 1);
	memcpy(src.text, data, size);
	src.text[size] = 0;
	src.len = size;
	Diag d = {0};
	d.src = &src;
	d.quiet = !print;
	struct json_object *def = NULL;
	if (source_parse(&d, &def)) {
		source_check_duplicates(&d);
		CheckOpts o = {size % 2 == 1, NULL};
		check_definition(&d, def, &o);
		json_object_put(def);
	}
	diag_finish(&d);
	json_object_put(d.list);
	json_object_put(src.where); /* diag.c's pointer index */
	free(src.text);
	return 0;
}
