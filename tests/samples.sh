#!/bin/sh
# Build every sample with each backend, run it on its input (virtual clock,
# its mocks, its bindings.json, from its folder; or through its run.sh EXE
# ASLC BACKEND WORKDIR) and compare the output with expected.json, byte for byte.
# usage: samples.sh ASLC SAMPLES_DIR [BACKEND...]
set -u
aslc=$1
dir=$2
shift 2
backends=${*:-c llvm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
for def in "$dir"/*/*.asl.json; do
	d=$(dirname "$def")
	name=$(basename "$d")
	for b in $backends; do
		exe="$work/$name-$b"
		set -- --clock virtual
		if [ -f "$d/mocks.json" ]; then
			set -- "$@" --mock-config "$d/mocks.json" --test-case "$(cat "$d/test-case.txt")"
		fi
		handlers=""
		[ -f "$d/handlers.c" ] && handlers="--handlers $d/handlers.c"
		[ -f "$d/bindings.json" ] && set -- "$@" --bindings bindings.json
		# shellcheck disable=SC2086
		if "$aslc" build "$def" -o "$exe" --backend "$b" $handlers >"$work/build.log" 2>&1 &&
			if [ -f "$d/run.sh" ]; then
				# A sample that needs more (a server, a child machine) runs itself.
				(cd "$d" && sh ./run.sh "$exe" "$aslc" "$b" "$work") <"$d/input.json"
			else
				(cd "$d" && "$exe" "$@") <"$d/input.json"
			fi >"$work/out.json" 2>"$work/err.log" &&
			cmp -s "$work/out.json" "$d/expected.json"; then
			echo "[PASS] $name ($b)"
			pass=$((pass + 1))
		else
			echo "[FAIL] $name ($b)"
			cat "$work/build.log" "$work/err.log"
			diff "$d/expected.json" "$work/out.json" 2>/dev/null | head -5
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
