#!/bin/sh
# The clock at a state's entry (exec.c aslrt_op_enter): read precisely only
# where it shows.  A machine that never reads the Context object still times
# out at its TimeoutSeconds (the coarse clock, then the precise one near the
# deadline); one that reads $$.State.EnteredTime or $states.context gets the
# time of entry.  Both backends.
# usage: clock.sh ASLC
set -u
aslc=$1
. "$(dirname "$0")/lib.sh"

cat >"$tmp/loop.asl.json" <<'DEF'
{"StartAt": "A", "TimeoutSeconds": 1, "States": {
 "A": {"Type": "Pass", "Next": "B"},
 "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}],
       "Default": "A"},
 "Done": {"Type": "Succeed"}}}
DEF
cat >"$tmp/entered.asl.json" <<'DEF'
{"StartAt": "A", "States": {
 "A": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "ResultPath": "$.a",
       "Next": "B"},
 "B": {"Type": "Pass", "QueryLanguage": "JSONata",
       "Output": "{% [$states.input.a.t, $states.context.State.EnteredTime] %}", "End": true}}}
DEF
timeout_err='{"Error":"States.Timeout","Cause":"The execution ran past the state machine'"'"'s TimeoutSeconds (1)"}'
for b in c llvm; do
	"$aslc" build "$tmp/loop.asl.json" -o "$tmp/loop-$b" --backend $b --type express -O0 ||
		exit 1
	start=$(date +%s)
	got=$(echo '{}' | timeout 20 "$tmp/loop-$b" --express-time-limit off 2>&1 >/dev/null)
	eq "$b: a loop that reads no Context object stops at TimeoutSeconds" "$timeout_err" "$got"
	took=$(($(date +%s) - start))
	eq "$b: ... after about 1 s" yes "$([ "$took" -le 3 ] && echo yes || echo "no ($took s)")"
	"$aslc" build "$tmp/entered.asl.json" -o "$tmp/entered-$b" --backend $b --type express -O0 ||
		exit 1
	day='[2-9][0-9]{3}-[0-9]{2}-[0-9]{2}' # a real time, not the epoch's 1970
	got=$(echo '{}' | "$tmp/entered-$b" | tr -d ' \n')
	eq "$b: EnteredTime is the time of entry" yes "$(echo "$got" |
		grep -Eq "^\[\"${day}T[0-9:]{8}\.[0-9]{3}Z\",\"${day}T[0-9:]{8}\.[0-9]{3}Z\"\]$" &&
		echo yes || echo "no: $got")"
done
finish
