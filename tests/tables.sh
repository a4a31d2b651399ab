#!/bin/sh
# Retry and Catch as static tables of the generated program (docs/ir.md, "State
# tables"): a state with 18 retriers, whose 16th, 17th and 18th are reached, its
# Catch rows, on both backends; and --emit=ir showing every row.  Payload
# templates as ops (a Map's ItemSelector too): their output and the error of a
# field that selects nothing.  Intrinsic calls as direct calls: output, causes.
# usage: tables.sh ASLC DIR
set -u
aslc=$1
dir=$2
. "$(dirname "$0")/lib.sh"

"$aslc" emit "$dir/retry18.asl.json" --emit=ir >"$tmp/ir" || exit 1
eq "--emit=ir prints 18 retry rows" 18 "$(grep -c '^  retry ' "$tmp/ir")"
eq "--emit=ir prints 2 catch rows" 2 "$(grep -c '^  catch ' "$tmp/ir")"
eq "--emit=ir prints the 17th row's numbers" 1 \
	"$(grep -c '^  retry k[0-9]* k[0-9]* interval 3 backoff 1.5 attempts 2 maxdelay 4$' "$tmp/ir")"
for b in c llvm; do
	"$aslc" build "$dir/retry18.asl.json" -o "$tmp/m-$b" --backend $b -O0 || exit 1
	run() { # test case
		"$tmp/m-$b" --clock virtual --mock-config "$dir/mocks.json" --test-case "$1" \
			--history "$tmp/h.json" <"$dir/input.json" 2>"$tmp/err"
	}
	eq "$b: E16 then E17 twice are retried, then the call succeeds" \
		'{"result":"ok","retries":3}' "$(run late)"
	# E17/E18's row allows 2 retries at 3 s, then 4.5 s capped at 4 s
	eq "$b: E18 exhausts the 17th retrier and is caught" \
		'{"in":1,"caught":{"Error":"E18","Cause":"again"}}' "$(run exhausted)"
	eq "$b: its retries waited 3 s and 4 s" 7000 \
		"$(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["events"]
print(round((e[-1]["timestamp"] - e[0]["timestamp"]) * 1000))' "$tmp/h.json")"
	eq "$b: the 18th retrier retries E19 once, then ResultPath null keeps the input" \
		'{"in":1}' "$(run jitter)"
done
"$aslc" emit "$dir/template.asl.json" --emit=ir >"$tmp/ir" || exit 1
eq "templates are ops: a nested object is built key by key" 1 \
	"$(grep -c '^  setkey %[0-9]* %[0-9]* k[0-9]* new	; "lit"$' "$tmp/ir")"
eq "templates are ops: a static path is direct look-ups" 1 \
	"$(grep -c '^  %[0-9]* = require %[0-9]* %0 template k[0-9]*	; {"at":"m.\$","t":"\$.maybe.here"}$' "$tmp/ir")"
want_ok='{"ok":true,"m":[7]}'
want_sel='"sel":{"got":"a","fmt":"a-Build","n":2}'
want_out='"out":{"list":[1,{"x":"a"},[{"y":"Build"}]],"lit":{"k":[1,2]},"fmt":"a-Build","all":[1,2],"whole":{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{}}}'
want_err="{\"Error\":\"States.Runtime\",\"Cause\":\"An error occurred while executing the state 'Missing' (entered at the event id #10). The JSONPath '\$.maybe.here' specified for the field 'm.\$' could not be found in the input '{\\\"v\\\""
for b in c llvm; do
	"$aslc" build "$dir/template.asl.json" -o "$tmp/t-$b" --backend $b -O0 || exit 1
	eq "$b: a template's output" "$want_ok" \
		"$(echo '{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{"here":[7]}}' | "$tmp/t-$b")"
	echo '{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{}}' | "$tmp/t-$b" >"$tmp/out" 2>"$tmp/err"
	eq "$b: a field that selects nothing fails the state" 1 "$(grep -cF "$want_err" "$tmp/err")"
	eq "$b: the nested template's output" "{$want_out,$want_sel}" \
		"$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["Cause"]
print(c[c.index("in the input \x27") + 14:-1])' "$tmp/err" | sed 's/^{"v":"a","arr":\[{"n":1},{"n":2}\],"maybe":{},/{/')"
done
sel_err="The JSONPath '\$.maybe.x' specified for the field 'm.\$' could not be found in the input '{\\\"items\\\":[5,6],\\\"tag\\\":\\\"T\\\",\\\"maybe\\\":{}}'\"}"
for b in c llvm; do
	"$aslc" build "$dir/selector.asl.json" -o "$tmp/s-$b" --backend $b -O0 || exit 1
	eq "$b: a Map's ItemSelector per item" \
		'[{"v":5,"i":0,"k":[1],"t":"T","f":"T:0","m":0},{"v":6,"i":1,"k":[1],"t":"T","f":"T:1","m":0}]' \
		"$(echo '{"items":[5,6],"tag":"T","maybe":{"x":0}}' | "$tmp/s-$b")"
	echo '{"items":[5,6],"tag":"T","maybe":{}}' | "$tmp/s-$b" 2>"$tmp/err"
	eq "$b: an ItemSelector field that selects nothing fails the Map" 1 "$(grep -cF "$sel_err" "$tmp/err")"
done
# Intrinsic calls as direct calls: results and causes as the runtime's evaluator gives them
"$aslc" emit "$dir/intrinsics.asl.json" --emit=ir >"$tmp/ir" || exit 1
eq "intrinsic calls (one nested) are calls, none an expr" "4 0" \
	"$(grep -c '^  %[0-9]* = call ' "$tmp/ir") $(grep -c ' = expr ' "$tmp/ir")"
fn_err="{\"Error\":\"States.Runtime\",\"Cause\":\"An error occurred while executing the state 'Call' (entered at the event id #2). The function 'States.Format('\\\\{{}\\\\} {}', States.MathAdd(\$.n, 1), \$.s)' had the following error: "
for b in c llvm; do
	"$aslc" build "$dir/intrinsics.asl.json" -o "$tmp/i-$b" --backend $b -O0 || exit 1
	eq "$b: intrinsic calls' output" '{"a":"{3} x","b":4,"c":["x",null,1]}' \
		"$(echo '{"n":2,"s":"x"}' | "$tmp/i-$b")"
	echo '{"s":"x"}' | "$tmp/i-$b" 2>"$tmp/err"
	eq "$b: a nested call's missing path argument" \
		"${fn_err}The JsonPath argument for the field '\$.n' could not be found in the input '{\\\"s\\\":\\\"x\\\"}'\"}" \
		"$(tail -n 1 "$tmp/err")"
	echo '{"n":"q","s":"x"}' | "$tmp/i-$b" 2>"$tmp/err"
	eq "$b: a nested call's failure" \
		"${fn_err}States.MathAdd: argument 1 must be a number, not a string\"}" "$(tail -n 1 "$tmp/err")"
done
finish
