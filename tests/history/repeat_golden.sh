#!/bin/sh
# A golden case (golden.py's DIR/NAME.*) run N times under the virtual clock:
# its history must equal NAME.history.json byte for byte every time (a
# Parallel whose failing branch stops its siblings at a fixed point).
#   repeat_golden.sh ASLC DIR NAME [N]
set -eu
aslc=$1 dir=$2 name=$3 n=${4:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$aslc" build "$dir/$name.asl.json" -o "$work/m"
i=0
while [ "$i" -lt "$n" ]; do
	"$work/m" --clock virtual --context "$dir/context.json" --input "$dir/$name.input.json" \
		--history "$work/h.json" >/dev/null 2>&1 || true
	cmp -s "$work/h.json" "$dir/$name.history.json" || { echo "run $i: history differs"; exit 1; }
	i=$((i + 1))
done
echo "$n runs identical"
