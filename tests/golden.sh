#!/bin/sh
# Golden IR and C: for each tests/golden/NAME.asl.json, `aslc emit --emit=ir`
# must equal NAME.ir and `aslc emit --emit=c` NAME.c, byte for byte.  They pin
# what "compiled" means: static paths as direct look-ups, Choice rules as
# boolean code, no path text parsed at run time.  UPDATE=1 rewrites them.
# usage: golden.sh ASLC DIR
set -u
aslc=$1
dir=$2
pass=0
fail=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for def in "$dir"/*.asl.json; do
	name=$(basename "$def" .asl.json)
	for kind in ir c; do
		want="$dir/$name.$kind"
		(cd "$dir" && "$aslc" emit "$name.asl.json" --emit=$kind) >"$tmp" 2>&1
		if [ "${UPDATE:-}" = 1 ]; then
			cp "$tmp" "$want"
		fi
		if cmp -s "$tmp" "$want"; then
			echo "[PASS] $name.$kind"
			pass=$((pass + 1))
		else
			echo "[FAIL] $name.$kind"
			diff -u "$want" "$tmp" | head -20
			fail=$((fail + 1))
		fi
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
