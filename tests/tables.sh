#!/bin/sh
# Retry and Catch as static tables of the generated program (docs/ir.md, "State
# tables"): a state with 18 retriers, whose 16th, 17th and 18th are reached, its
# Catch rows, on both backends; and --emit=ir showing every row.  Payload
# templates as ops (a Map's ItemSelector too): their output and the error of a
# field that selects nothing.
# usage: tables.sh ASLC DIR
set -u
aslc=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

check() { # name want got
	if [ "$2" = "$3" ]; then
		echo "[PASS] $1"
		pass=$((pass + 1))
	else
		echo "[FAIL] $1: want $2, got $3"
		fail=$((fail + 1))
	fi
}

"$aslc" emit "$dir/retry18.asl.json" --emit=ir >"$tmp/ir" || exit 1
check "--emit=ir prints 18 retry rows" 18 "$(grep -c '^  retry ' "$tmp/ir")"
check "--emit=ir prints 2 catch rows" 2 "$(grep -c '^  catch ' "$tmp/ir")"
check "--emit=ir prints the 17th row's numbers" 1 \
	"$(grep -c '^  retry k[0-9]* k[0-9]* interval 3 backoff 1.5 attempts 2 maxdelay 4$' "$tmp/ir")"
for b in c llvm; do
	"$aslc" build "$dir/retry18.asl.json" -o "$tmp/m-$b" --backend $b -O0 || exit 1
	run() { # test case
		"$tmp/m-$b" --clock virtual --mock-config "$dir/mocks.json" --test-case "$1" \
			--history "$tmp/h.json" <"$dir/input.json" 2>"$tmp/err"
	}
	check "$b: E16 then E17 twice are retried, then the call succeeds" \
		'{"result":"ok","retries":3}' "$(run late)"
	# E17/E18's row allows 2 retries at 3 s, then 4.5 s capped at 4 s
	check "$b: E18 exhausts the 17th retrier and is caught" \
		'{"in":1,"caught":{"Error":"E18","Cause":"again"}}' "$(run exhausted)"
	check "$b: its retries waited 3 s and 4 s" 7000 \
		"$(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["events"]
print(round((e[-1]["timestamp"] - e[0]["timestamp"]) * 1000))' "$tmp/h.json")"
	check "$b: the 18th retrier retries E19 once, then ResultPath null keeps the input" \
		'{"in":1}' "$(run jitter)"
done
"$aslc" emit "$dir/template.asl.json" --emit=ir >"$tmp/ir" || exit 1
check "templates are ops: a nested object is built key by key" 1 \
	"$(grep -c '^  setkey %[0-9]* %[0-9]* k[0-9]* new	; "lit"$' "$tmp/ir")"
check "templates are ops: a static path is direct look-ups" 1 \
	"$(grep -c '^  %[0-9]* = require %[0-9]* %0 template k[0-9]*	; {"at":"m.\$","t":"\$.maybe.here"}$' "$tmp/ir")"
want_ok='{"ok":true,"m":[7]}'
want_sel='"sel":{"got":"a","fmt":"a-Build","n":2}'
want_out='"out":{"list":[1,{"x":"a"},[{"y":"Build"}]],"lit":{"k":[1,2]},"fmt":"a-Build","all":[1,2],"whole":{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{}}}'
want_err="{\"Error\":\"States.Runtime\",\"Cause\":\"An error occurred while executing the state 'Missing' (entered at the event id #10). The JSONPath '\$.maybe.here' specified for the field 'm.\$' could not be found in the input '{\\\"v\\\""
for b in c llvm; do
	"$aslc" build "$dir/template.asl.json" -o "$tmp/t-$b" --backend $b -O0 || exit 1
	check "$b: a template's output" "$want_ok" \
		"$(echo '{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{"here":[7]}}' | "$tmp/t-$b")"
	echo '{"v":"a","arr":[{"n":1},{"n":2}],"maybe":{}}' | "$tmp/t-$b" >"$tmp/out" 2>"$tmp/err"
	check "$b: a field that selects nothing fails the state" 1 "$(grep -cF "$want_err" "$tmp/err")"
	check "$b: the nested template's output" "{$want_out,$want_sel}" \
		"$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["Cause"]
print(c[c.index("in the input \x27") + 14:-1])' "$tmp/err" | sed 's/^{"v":"a","arr":\[{"n":1},{"n":2}\],"maybe":{},/{/')"
done
sel_err="The JSONPath '\$.maybe.x' specified for the field 'm.\$' could not be found in the input '{\\\"items\\\":[5,6],\\\"tag\\\":\\\"T\\\",\\\"maybe\\\":{}}'\"}"
for b in c llvm; do
	"$aslc" build "$dir/selector.asl.json" -o "$tmp/s-$b" --backend $b -O0 || exit 1
	check "$b: a Map's ItemSelector per item" \
		'[{"v":5,"i":0,"k":[1],"t":"T","f":"T:0","m":0},{"v":6,"i":1,"k":[1],"t":"T","f":"T:1","m":0}]' \
		"$(echo '{"items":[5,6],"tag":"T","maybe":{"x":0}}' | "$tmp/s-$b")"
	echo '{"items":[5,6],"tag":"T","maybe":{}}' | "$tmp/s-$b" 2>"$tmp/err"
	check "$b: an ItemSelector field that selects nothing fails the Map" 1 "$(grep -cF "$sel_err" "$tmp/err")"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
