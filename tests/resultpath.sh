#!/bin/sh
# ResultPath into a state input held by the state alone changes it in place
# (exec.c store_result): values that share parts of it (a variable, the
# Context object, sibling branches, Map items) keep theirs; a failure after
# the change (an output over --payload-limit) takes it back before Retry and
# Catch, one after the state's exit does not; a failed ResultPath prints the
# input unchanged.  Both backends.
# usage: resultpath.sh ASLC
set -u
aslc=$1
. "$(dirname "$0")/lib.sh"


cat >"$tmp/var.asl.json" <<'DEF'
{"StartAt": "Keep", "States": {
 "Keep": {"Type": "Pass", "Assign": {"kept.$": "$.a"}, "Next": "Set"},
 "Set": {"Type": "Pass", "Result": 7, "ResultPath": "$.a.b.x", "Next": "Show"},
 "Show": {"Type": "Pass", "Parameters": {"var.$": "$kept", "in.$": "$"}, "End": true}}}
DEF
cat >"$tmp/ctx.asl.json" <<'DEF'
{"StartAt": "Set", "States": {
 "Set": {"Type": "Pass", "Result": 7, "ResultPath": "$.a.x", "Next": "Show"},
 "Show": {"Type": "Pass", "Parameters": {"ctx.$": "$$.Execution.Input", "in.$": "$"},
          "End": true}}}
DEF
cat >"$tmp/par.asl.json" <<'DEF'
{"StartAt": "Par", "States": {
 "Par": {"Type": "Parallel", "Branches": [
   {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.x", "End": true}}},
   {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Result": 2, "ResultPath": "$.a.x", "End": true}}}],
  "ResultPath": "$.out", "Next": "Map"},
 "Map": {"Type": "Map", "ItemsPath": "$.a.items", "ItemProcessor": {"StartAt": "I", "States": {
   "I": {"Type": "Pass", "Result": true, "ResultPath": "$.seen", "End": true}}},
  "ResultPath": "$.a.mapped", "End": true}}}
DEF
cat >"$tmp/fail.asl.json" <<'DEF'
{"StartAt": "Set", "States": {
 "Set": {"Type": "Pass", "Result": 7, "ResultPath": "$.x.y[0]", "End": true}}}
DEF
# The change stands once the state exits: P entered again fails before its
# ResultPath, and its Catch sees r from the first time.
cat >"$tmp/again.asl.json" <<'DEF'
{"StartAt": "P", "States": {
 "P": {"Type": "Parallel", "Branches": [{"StartAt": "Look", "States": {
     "Look": {"Type": "Choice", "Choices": [{"Variable": "$.r", "IsPresent": true, "Next": "Again"}],
              "Default": "One"},
     "Again": {"Type": "Fail", "Error": "Again"},
     "One": {"Type": "Pass", "Result": 1, "End": true}}}],
  "ResultPath": "$.r", "Next": "P",
  "Catch": [{"ErrorEquals": ["Again"], "ResultPath": "$.err", "Next": "Done"}]},
 "Done": {"Type": "Pass", "End": true}}}
DEF
# Par's output (input + r) passes --payload-limit 500, its input and the
# branch's output do not: Retry, then Catch, must see the input without r
# (a branch that sees r fails with an error nothing catches).
x=$(printf '%300s' '' | tr ' ' x)
y=$(printf '%300s' '' | tr ' ' y)
cat >"$tmp/undo.asl.json" <<DEF
{"StartAt": "Par", "States": {
 "Par": {"Type": "Parallel", "Branches": [{"StartAt": "Look", "States": {
     "Look": {"Type": "Choice", "Choices": [{"Variable": "\$.r", "IsPresent": true, "Next": "Saw"}],
              "Default": "Big"},
     "Saw": {"Type": "Fail", "Error": "BranchSawTheChange"},
     "Big": {"Type": "Pass", "Result": "$y", "End": true}}}],
  "ResultPath": "\$.r",
  "Retry": [{"ErrorEquals": ["States.DataLimitExceeded"], "IntervalSeconds": 1, "MaxAttempts": 1}],
  "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "\$.err", "Next": "Done"}],
  "End": true},
 "Done": {"Type": "Choice", "Choices": [{"Variable": "\$.r", "IsPresent": true, "Next": "Saw2"}],
          "Default": "Ok"},
 "Saw2": {"Type": "Fail", "Error": "CatchSawTheChange"},
 "Ok": {"Type": "Succeed"}}}
DEF
# A Catch whose output (input + error) passes --payload-limit 500 fails the
# execution with States.DataLimitExceeded at the caught state, as any state
# output over the quota does: it does not go on to the catcher's Next.
cat >"$tmp/catchbig.asl.json" <<DEF
{"StartAt": "Par", "States": {
 "Par": {"Type": "Parallel", "Branches": [{"StartAt": "Boom", "States": {
     "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "$y"}}}],
  "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "\$.err", "Next": "Done"}],
  "End": true},
 "Done": {"Type": "Succeed"}}}
DEF

for b in c llvm; do
	for m in var ctx par fail undo again catchbig; do
		"$aslc" build "$tmp/$m.asl.json" -o "$tmp/$m-$b" --backend $b --type express -O0 ||
			exit 1
	done
	got=$(echo '{"a":{"b":{"c":1}}}' | "$tmp/var-$b" 2>&1)
	eq "$b: a variable keeps its value" \
		'{"var":{"b":{"c":1}},"in":{"a":{"b":{"c":1,"x":7}}}}' "$got"
	got=$(echo '{"a":{"c":1}}' | "$tmp/ctx-$b" 2>&1)
	eq "$b: the Context object keeps the execution input" \
		'{"ctx":{"a":{"c":1}},"in":{"a":{"c":1,"x":7}}}' "$got"
	got=$(echo '{"a":{"c":0,"items":[{"i":1},{"i":2}]}}' | "$tmp/par-$b" 2>&1)
	eq "$b: Parallel branches and Map items keep the input they share" \
		'{"a":{"c":0,"items":[{"i":1},{"i":2}],"mapped":[{"i":1,"seen":true},{"i":2,"seen":true}]},"out":[{"a":{"c":0,"items":[{"i":1},{"i":2}],"x":1}},{"a":{"c":0,"items":[{"i":1},{"i":2}],"x":2}}]}' \
		"$got"
	got=$(echo '{"k":1}' | "$tmp/fail-$b" 2>&1)
	eq "$b: a failed ResultPath prints the input unchanged" \
		'{"Error":"States.ResultPathMatchFailure","Cause":"An error occurred while executing the state '"'Set'"' (entered at the event id #2). Unable to apply ReferencePath $.x.y[0] to input {\"k\":1}"}' \
		"$got"
	got=$(echo "{\"s\":\"$x\"}" | "$tmp/undo-$b" --payload-limit 500 --clock virtual 2>&1)
	eq "$b: Retry and Catch after a failure see the input as it was" \
		"{\"s\":\"$x\",\"err\":{\"Error\":\"States.DataLimitExceeded\",\"Cause\":\"The state/task 'Par' returned a result with a size exceeding the maximum number of bytes service limit.\"}}" \
		"$got"
	got=$(echo '{"a":0}' | "$tmp/again-$b" 2>&1)
	eq "$b: a change that stood is not taken back by a later failure" \
		'{"a":0,"r":[1],"err":{"Error":"Again","Cause":null}}' "$got"
	got=$(echo "{\"s\":\"$x\"}" | "$tmp/catchbig-$b" --payload-limit 500 2>&1)
	eq "$b: a Catch's output over the payload limit fails the execution" \
		"{\"Error\":\"States.DataLimitExceeded\",\"Cause\":\"The state/task 'Par' returned a result with a size exceeding the maximum number of bytes service limit.\"}" \
		"$(echo "$got" | tail -n 1)"
done
finish
