#!/bin/sh
# Repeatable concurrency: the Parallel of 8 branches and Maps of 100 items in
# DIR/fanout.asl.json, with mocks that fail on some calls, run N times under
# the virtual clock must give byte-identical output and history every time.
#   repeat.sh ASLC DIR [N]
set -eu
aslc=$1 dir=$2 n=${3:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$aslc" build "$dir/fanout.asl.json" -o "$work/fanout"
run() {
	"$work/fanout" --clock virtual --name repeat --context "$dir/context.json" \
		--mock-config "$dir/fanout.mocks.json" --test-case T --input "$dir/fanout.input.json" \
		--history "$work/h$1.json" >"$work/o$1.txt"
}
run 0
grep -q '"strict_error":{"Error":"Broken"' "$work/o0.txt" || { echo "unexpected output: $(cut -c1-300 "$work/o0.txt")"; exit 1; }
i=1
while [ "$i" -lt "$n" ]; do
	run 1
	cmp -s "$work/o0.txt" "$work/o1.txt" || { echo "run $i: output differs"; exit 1; }
	cmp -s "$work/h0.json" "$work/h1.json" || { echo "run $i: history differs"; exit 1; }
	i=$((i + 1))
done
echo "$n runs identical"
