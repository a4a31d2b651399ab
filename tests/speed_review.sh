#!/bin/sh
# This round's speed changes against the values that share with them, both
# backends: intrinsic literals (shared read-only constants) in Map
# iterations on pool threads whose ResultPath then changes their results in
# place; parent variables, the Context object and sibling branches keeping
# theirs; a failing branch still stopping an endless loop of plain states;
# the payload limit exact after an in-place change over kept measures; an
# input file far bigger than memory refused at the limit (main.c read_all).
# usage: speed_review.sh ASLC
set -u
aslc=$1
. "$(dirname "$0")/lib.sh"

# The Wait states put the iterations and branches on the pool's threads.
cat >"$tmp/lit.asl.json" <<'DEF'
{"StartAt": "M", "States": {
 "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 4,
  "ItemSelector": {"v.$": "$$.Map.Item.Value", "a.$": "States.Array('a', 1, true)",
   "g.$": "States.ArrayGetItem(States.Array(States.Array(1, 2), 3), 0)",
   "j.$": "States.StringToJson('{\"k\":[1]}')"},
  "ItemProcessor": {"StartAt": "W", "States": {
   "W": {"Type": "Wait", "Seconds": 0, "Next": "I"},
   "I": {"Type": "Pass", "Result": 5, "ResultPath": "$.a[0]", "Next": "J"},
   "J": {"Type": "Pass", "Result": 6, "ResultPath": "$.g[1]", "Next": "K"},
   "K": {"Type": "Pass", "Result": 7, "ResultPath": "$.j.k[0]", "Next": "L"},
   "L": {"Type": "Pass", "Parameters": {"x.$": "States.Array('a', 1, true)",
     "g.$": "States.ArrayGetItem(States.Array(States.Array(1, 2), 3), 0)", "in.$": "$"},
    "End": true}}},
  "ResultPath": "$.m", "Next": "P"},
 "P": {"Type": "Parallel", "Branches": [
   {"StartAt": "W1", "States": {"W1": {"Type": "Wait", "Seconds": 0, "Next": "S1"},
     "S1": {"Type": "Pass", "Result": 1, "ResultPath": "$.m[0].in.a[0]", "End": true}}},
   {"StartAt": "W2", "States": {"W2": {"Type": "Wait", "Seconds": 0, "Next": "S2"},
     "S2": {"Type": "Pass", "Result": 2, "ResultPath": "$.m[0].in.a[0]", "End": true}}}],
  "ResultSelector": {"b1.$": "$[0].m[0].in.a", "b2.$": "$[1].m[0].in.a"},
  "ResultPath": "$.p", "Next": "Z"},
 "Z": {"Type": "Pass", "Parameters": {"first.$": "$.m[0]", "last.$": "$.m[7]", "p.$": "$.p",
   "n.$": "States.ArrayLength($.m)"}, "End": true}}}
DEF
cat >"$tmp/vars.asl.json" <<'DEF'
{"StartAt": "S", "States": {
 "S": {"Type": "Pass", "Assign": {"pv.$": "$.cfg", "lit": {"k": [1, 2]}}, "Next": "M"},
 "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3,
  "ItemProcessor": {"StartAt": "W", "States": {
   "W": {"Type": "Wait", "Seconds": 0, "Next": "I"},
   "I": {"Type": "Pass", "Parameters": {"v.$": "$", "e.$": "$$.Execution.Input.cfg",
     "p.$": "$pv", "l.$": "$lit"}, "Next": "J"},
   "J": {"Type": "Pass", "Result": "changed", "ResultPath": "$.e.x", "Next": "K"},
   "K": {"Type": "Pass", "Result": "changed", "ResultPath": "$.p.x", "Next": "L"},
   "L": {"Type": "Pass", "Result": 9, "ResultPath": "$.l.k[0]", "Next": "N"},
   "N": {"Type": "Pass", "Parameters": {"pv.$": "$pv", "lit.$": "$lit", "in.$": "$"},
    "End": true}}},
  "ResultPath": "$.m", "Next": "Z"},
 "Z": {"Type": "Pass", "Parameters": {"pv.$": "$pv", "lit.$": "$lit", "cfg.$": "$.cfg",
   "ctx.$": "$$.Execution.Input.cfg", "m.$": "$.m[5]"}, "End": true}}}
DEF
# L1 and L2 loop for ever, entered as plain states.
cat >"$tmp/stop.asl.json" <<'DEF'
{"StartAt": "P", "States": {
 "P": {"Type": "Parallel", "Branches": [
   {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "F"},
     "F": {"Type": "Fail", "Error": "Boom"}}},
   {"StartAt": "L1", "States": {"L1": {"Type": "Pass", "Next": "L2"},
     "L2": {"Type": "Choice", "Choices": [{"Variable": "$.never", "IsPresent": true, "Next": "D"}],
            "Default": "L1"},
     "D": {"Type": "Succeed"}}}],
  "End": true}}}
DEF
# A measures (and keeps measures of) what B then changes in place.
cat >"$tmp/meas.asl.json" <<'DEF'
{"StartAt": "A", "States": {
 "A": {"Type": "Pass", "Parameters": {"k\"ey": "v\u00e9\n\u0001",
   "n": [1, -20, 3.5, 1e300, null, true, {"d": {"e": {"f": [[["x\\y"]]]}}}], "in.$": "$",
   "deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": [1]}}}}}}}}}}}},
  "ResultPath": "$.r", "Next": "B"},
 "B": {"Type": "Pass", "Result": {"z": [{"q": "\t"}]}, "ResultPath": "$.r.in.w[1]", "End": true}}}
DEF

meas_in='{"w":[0,{"u":"\u00fc"}],"big":18446744073709551615,"neg":-9223372036854775808}'
meas_out='{"w":[0,{"u":"ü"}],"big":18446744073709551615,"neg":-9223372036854775808,"r":{"k\"ey":"vé\n\u0001","n":[1,-20,3.5,1e300,null,true,{"d":{"e":{"f":[[["x\\y"]]]}}}],"in":{"w":[0,{"z":[{"q":"\t"}]}],"big":18446744073709551615,"neg":-9223372036854775808},"deep":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":[1]}}}}}}}}}}}}}'
for b in c llvm; do
	for m in lit vars stop meas; do
		"$aslc" build "$tmp/$m.asl.json" -o "$tmp/$m-$b" --backend $b --type express -O0 \
		    2>"$tmp/err" || { check "$b: build $m" 1; continue; }
	done
	got=$(echo '{"items":[0,1,2,3,4,5,6,7]}' | "$tmp/lit-$b" 2>&1)
	eq "$b: literal arguments stay constant under in-place ResultPath on threads" \
	    '{"first":{"x":["a",1,true],"g":[1,2],"in":{"v":0,"a":[5,1,true],"g":[1,6],"j":{"k":[7]}}},"last":{"x":["a",1,true],"g":[1,2],"in":{"v":7,"a":[5,1,true],"g":[1,6],"j":{"k":[7]}}},"p":{"b1":[1,1,true],"b2":[2,1,true]},"n":8}' \
	    "$got"
	got=$(echo '{"cfg":{"x":1},"items":[{"i":0},{"i":1},{"i":2},{"i":3},{"i":4},{"i":5}]}' |
	    "$tmp/vars-$b" 2>&1)
	eq "$b: parent variables and the Context object keep theirs on threads" \
	    '{"pv":{"x":1},"lit":{"k":[1,2]},"cfg":{"x":1},"ctx":{"x":1},"m":{"pv":{"x":1},"lit":{"k":[1,2]},"in":{"v":{"i":5},"e":{"x":"changed"},"p":{"x":"changed"},"l":{"k":[9,2]}}}}' \
	    "$got"
	got=$(echo '{}' | timeout 30 "$tmp/stop-$b" 2>&1)
	eq "$b: a failing branch stops an endless loop of plain states" \
	    '{"Error":"Boom"}' "$got"
	got=$(echo "$meas_in" | "$tmp/meas-$b" --payload-limit off 2>&1)
	eq "$b: in-place change below kept measures" "$meas_out" "$got"
	n=$(printf %s "$meas_out" | wc -c)
	echo "$meas_in" | "$tmp/meas-$b" --payload-limit "$n" >/dev/null 2>&1
	check "$b: an output of exactly --payload-limit bytes passes" $?
	echo "$meas_in" | "$tmp/meas-$b" --payload-limit $((n - 1)) >"$tmp/out" 2>&1
	eq "$b: one byte more does not" \
	    "1 {\"Error\":\"States.DataLimitExceeded\",\"Cause\":\"The state/task 'B' returned a result with a size exceeding the maximum number of bytes service limit.\"}" \
	    "$? $(cat "$tmp/out")"
	# a file far bigger than memory, sparse: read up to the limit, refused
	truncate -s 500G "$tmp/huge.json"
	"$tmp/meas-$b" <"$tmp/huge.json" >"$tmp/out" 2>&1
	eq "$b: an input file far over the limit is refused, not allocated whole" \
	    '1 {"Error":"States.DataLimitExceeded","Cause":"The execution input exceeds the maximum size of 262144 bytes"}' \
	    "$? $(cat "$tmp/out")"
	rm -f "$tmp/huge.json"
done
finish
