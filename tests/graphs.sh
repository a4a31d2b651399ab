#!/bin/sh
# Golden graphs: for each tests/graphs/NAME.asl.json and each sample,
# `aslc emit --emit=dot` must equal NAME.dot and `--emit=mermaid` NAME.mmd,
# byte for byte; then a generated 300-state machine must render to SVG
# (through libgvc) with one node per state.  UPDATE=1 rewrites the goldens.
# usage: graphs.sh ASLC DIR SAMPLES
set -u
aslc=$1
dir=$2
samples=$3
. "$(dirname "$0")/lib.sh"

for def in "$dir"/*.asl.json "$samples"/*/*.asl.json; do
	name=$(basename "$def" .asl.json)
	for kind in dot mmd; do
		want="$dir/$name.$kind"
		emit=$kind
		[ "$kind" = mmd ] && emit=mermaid
		"$aslc" emit "$def" --emit=$emit >"$tmp/out" 2>/dev/null
		[ "${UPDATE:-}" = 1 ] && cp "$tmp/out" "$want"
		if cmp -s "$tmp/out" "$want"; then
			check "$name.$kind" 0
		else
			diff -u "$want" "$tmp/out" | head -20
			check "$name.$kind" 1
		fi
	done
done

# 300 states: a chain with a Choice and a Catch every ten states.
python3 - "$tmp/big.asl.json" <<'PY'
import json, sys
n = 300
states = {}
for i in range(n):
    name, nxt = "S%03d" % i, "S%03d" % (i + 1)
    if i == n - 1:
        states[name] = {"Type": "Succeed"}
    elif i % 10 == 5:
        states[name] = {"Type": "Choice", "Default": nxt, "Choices": [
            {"Variable": "$.x", "NumericGreaterThan": i, "Next": "S%03d" % min(n - 1, i + 3)}]}
    elif i % 10 == 7:
        states[name] = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "f"}, "Next": nxt,
                        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S%03d" % min(n - 1, i + 4)}]}
    else:
        states[name] = {"Type": "Pass", "Next": nxt}
json.dump({"StartAt": "S000", "States": states}, open(sys.argv[1], "w"))
PY
if "$aslc" emit "$tmp/big.asl.json" --emit=svg -o "$tmp/big.svg" &&
	[ "$(grep -c 'class="node"' "$tmp/big.svg")" -eq 302 ] && tail -1 "$tmp/big.svg" | grep -q '</svg>'; then
	check "svg-300-states" 0
else
	check "svg-300-states" 1
fi

# A usage error names the kinds.
if "$aslc" emit "$tmp/big.asl.json" --emit=png 2>"$tmp/err"; then
	check "unknown-kind" 1
elif grep -q "dot, mermaid or svg" "$tmp/err"; then
	check "unknown-kind" 0
else
	check "unknown-kind" 1
fi
finish
