#!/bin/sh
# rename-rt-symbols.sh [TREE] - rename the runtime's unprefixed rt_* identifiers
# (functions, types, struct tags; libaslrt.a's exported symbols among them)
# to aslrt_*, across the sources, tests and docs of an aslc checkout.
#
# Idempotent: a second run finds no rt_ identifier and changes nothing.  Two
# names would collide with existing ones and get names of their own:
#   rt_error (exec.c: raise an error on a context) -> aslrt_raise
#   rt_env   (exec.c: build the path environment)  -> aslrt_env_make
# Only C, Python, shell, CMake and Markdown files are touched; recorded data
# (tests/conformance/, tests/jsonata/, *.json) is not, since a JSON key may
# legitimately be spelled rt_something.  After it: rebuild, run ctest, and
# remove DISABLED from the aslrt_symbols test in tests/CMakeLists.txt.
set -eu
cd "${1:-.}"
git rev-parse --is-inside-work-tree >/dev/null
files=$(git grep -lE '(^|[^A-Za-z0-9_])rt_[A-Za-z0-9_]' -- \
	'*.c' '*.h' '*.py' '*.sh' '*.cmake' '*CMakeLists.txt' '*.md' \
	':!tests/conformance/**' ':!tests/jsonata/**' ':!scripts/rename-rt-symbols.sh' || true)
[ -n "$files" ] || { echo "rename-rt-symbols: nothing to rename"; exit 0; }
# shellcheck disable=SC2086
sed -i -E \
	-e 's/(^|[^A-Za-z0-9_])rt_error([^A-Za-z0-9_]|$)/\1aslrt_raise\2/g' \
	-e 's/(^|[^A-Za-z0-9_])rt_env([^A-Za-z0-9_]|$)/\1aslrt_env_make\2/g' \
	-e 's/(^|[^A-Za-z0-9_])rt_([A-Za-z0-9_])/\1aslrt_\2/g' \
	$files
# A second pass: adjacent matches (rt_a(rt_b)) share the separator above.
# shellcheck disable=SC2086
sed -i -E -e 's/(^|[^A-Za-z0-9_])rt_([A-Za-z0-9_])/\1aslrt_\2/g' $files
echo "rename-rt-symbols: $(echo "$files" | wc -l) files"
