#!/bin/sh
# run.sh EXE ASLC BACKEND WORKDIR: build the child machine with the same
# backend, bind its state machine ARN to it, run the parent.
exe=$1
aslc=$2
work=$4
"$aslc" build child/payment.asl.json -o "$work/payment" --backend "$3" >&2 || exit 1
printf '{"Bindings": {"arn:aws:states:us-east-1:123456789012:stateMachine:payment": {"Executable": "%s"}}}\n' \
	"$work/payment" >"$work/bindings.json"
"$exe" --clock virtual --bindings "$work/bindings.json"
