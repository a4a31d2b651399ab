#!/bin/sh
# format.sh SRC - every C file of the tree is as clang-format (.clang-format)
# writes it; recorded data and golden outputs are not ours to format.
set -eu
cd "$1"
command -v clang-format >/dev/null || { echo "format.sh: clang-format is not installed" >&2; exit 2; }
files=$(git ls-files '*.c' '*.h' | grep -v '^tests/golden/\|^tests/conformance/\|^tests/jsonata/\|^tests/sigv4/')
bad=0
for f in $files; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "format.sh: $f differs from clang-format's output (clang-format -i $f)"
		bad=$((bad + 1))
	fi
done
n=$(echo "$files" | wc -l)
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
