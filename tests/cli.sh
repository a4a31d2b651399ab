#!/bin/sh
# The command line as a user meets it: aslc's and the generated executable's
# flags, exit statuses and streams, one line per check (chibicc's driver.sh).
# usage: cli.sh ASLC CLI_DIR SAMPLES_DIR
set -u
aslc=$1
dir=$2
samples=$3
. "$(dirname "$0")/lib.sh"

# status CMD...: run, keep stdout/stderr, return the exit status as $rc
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

run "$aslc" --help
check "aslc --help exits 0" $([ $rc = 0 ] && echo 0 || echo 1)
check "aslc --help prints usage on stdout" $(grep -q '^usage: aslc check' "$tmp/out" && [ ! -s "$tmp/err" ] && echo 0 || echo 1)
run "$aslc" --version
check "aslc --version" $([ $rc = 0 ] && grep -q '^aslc ' "$tmp/out" && echo 0 || echo 1)
run "$aslc" check --bogus x.json
check "unknown flag exits 2 with a message on stderr" $([ $rc = 2 ] && grep -q "unknown option '--bogus'" "$tmp/err" && [ ! -s "$tmp/out" ] && echo 0 || echo 1)
run "$aslc"
check "no command exits 2" $([ $rc = 2 ] && echo 0 || echo 1)
run "$aslc" frobnicate x.json
check "unknown command exits 2" $([ $rc = 2 ] && echo 0 || echo 1)
run "$aslc" check "$tmp/missing.json"
check "missing file exits 2" $([ $rc = 2 ] && grep -q 'cannot read' "$tmp/err" && echo 0 || echo 1)
run "$aslc" build "$samples/loan-approval/loan.asl.json"
check "build without -o exits 2" $([ $rc = 2 ] && echo 0 || echo 1)
run "$aslc" check "$samples/loan-approval/loan.asl.json"
check "check of a valid definition exits 0 silently" $([ $rc = 0 ] && [ ! -s "$tmp/err" ] && echo 0 || echo 1)
printf '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}' >"$tmp/bad.asl.json"
run "$aslc" check "$tmp/bad.asl.json"
check "check of an invalid definition exits 1" $([ $rc = 1 ] && echo 0 || echo 1)
check "diagnostics are file:line:col: error:" $(grep -q "bad.asl.json:1:[0-9]*: error: " "$tmp/err" && echo 0 || echo 1)
printf '{"StartAt": ' >"$tmp/syntax.asl.json"
run "$aslc" check "$tmp/syntax.asl.json"
check "a JSON syntax error exits 1" $([ $rc = 1 ] && grep -q "error:" "$tmp/err" && echo 0 || echo 1)
run "$aslc" check "$tmp/bad.asl.json" --diagnostics-format=json
check "--diagnostics-format=json prints JSON" $(python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null && echo 0 || echo 1)
run "$aslc" emit "$samples/loan-approval/loan.asl.json" --emit=ir -o "$tmp/loan.ir"
check "emit --emit=ir -o writes the IR" $([ $rc = 0 ] && grep -q '^scope 0' "$tmp/loan.ir" && echo 0 || echo 1)
run "$aslc" emit "$samples/loan-approval/loan.asl.json" --emit=c
check "emit --emit=c prints C on stdout" $([ $rc = 0 ] && grep -q 'aslrt_main_program' "$tmp/out" && echo 0 || echo 1)
run "$aslc" emit "$samples/loan-approval/loan.asl.json" --emit=asm
check "unknown --emit kind exits 2" $([ $rc = 2 ] && echo 0 || echo 1)

# The generated executable.
cp "$samples/loan-approval/loan.asl.json" "$tmp/my.flow.asl.json"
run "$aslc" build "$tmp/my.flow.asl.json" -o "$tmp/flow"
check "build produces an executable" $([ $rc = 0 ] && [ -x "$tmp/flow" ] && echo 0 || echo 1)
echo '{"applicant":{"name":"A"},"amount":1,"credit":{"score":800},"submitted":"2026-05-01T00:00:00Z"}' >"$tmp/in.json"
run "$tmp/flow" --input "$tmp/in.json" --context /dev/null
check "--context of a non-object exits 2" $([ $rc = 2 ] && echo 0 || echo 1)
echo '{"Execution": {"Name": "run-7"}}' >"$tmp/ctx.json"
cat >"$tmp/name.asl.json" <<'JSON'
{"StartAt": "N", "States": {"N": {"Type": "Pass", "Parameters": {"sm.$": "$$.StateMachine.Name", "ex.$": "$$.Execution.Name"}, "End": true}}}
JSON
"$aslc" build "$tmp/name.asl.json" -o "$tmp/name" && run "$tmp/name" --context "$tmp/ctx.json" </dev/null
check "default machine name is the file name; --context sets fields; empty input is {}" $([ $rc = 0 ] && [ "$(cat "$tmp/out")" = '{"sm":"name","ex":"run-7"}' ] && echo 0 || echo 1)
"$aslc" build "$tmp/name.asl.json" -o "$tmp/name2" --name Orders && run "$tmp/name2" </dev/null
check "--name sets the state machine name" $(grep -q '"sm":"Orders"' "$tmp/out" && echo 0 || echo 1)
run "$tmp/flow" --input "$tmp/in.json"
check "executable prints the output and exits 0" $([ $rc = 0 ] && grep -q '"decision":"APPROVED"' "$tmp/out" && echo 0 || echo 1)
run "$tmp/flow" --help
check "executable --help exits 0 on stdout" $([ $rc = 0 ] && grep -q -- '--clock' "$tmp/out" && echo 0 || echo 1)
run "$tmp/flow" --frob
check "executable unknown option exits 2" $([ $rc = 2 ] && echo 0 || echo 1)
run "$tmp/flow" --park-after off </dev/null
check "executable --park-after off exits 2 naming the option" $([ $rc = 2 ] && grep -q 'bad --park-after' "$tmp/err" && echo 0 || echo 1)
run "$tmp/flow" --payload-limit 12x </dev/null
check "executable --payload-limit 12x exits 2 naming the value" $([ $rc = 2 ] && grep -q 'bad --payload-limit: 12x' "$tmp/err" && echo 0 || echo 1)
echo 'not json' | "$tmp/flow" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "input that is not JSON fails with States.Runtime, exit 1" $([ $rc = 1 ] && tail -n 1 "$tmp/err" | grep -q '^{"Error":"States.Runtime"' && echo 0 || echo 1)
echo '{"applicant":{"name":"A"},"amount":1,"credit":{"score":800},"submitted":"2020-05-01T00:00:00Z"}' | "$tmp/flow" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a failed execution prints Error and Cause last on stderr, exit 1" $([ $rc = 1 ] && [ "$(tail -n 1 "$tmp/err")" = '{"Error":"ApplicationExpired","Cause":"Applications from before 2026 must be resubmitted"}' ] && echo 0 || echo 1)
if [ -z "${ASLC_SANITIZED:-}" ]; then
	check "the executable needs only the C library" $(ldd "$tmp/flow" | grep -v -E 'linux-vdso|libc\.so|libm\.so|libpthread|ld-linux' | grep -q . && echo 1 || echo 0)
fi

# Names and strings from the definition are data, never code.
run "$aslc" emit "$dir/hostile.asl.json" --emit=c -o "$tmp/hostile.c"
check "emit C for hostile names" $([ $rc = 0 ] && echo 0 || echo 1)
run ${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -c "$tmp/hostile.c" -o "$tmp/hostile.o" -I "$(dirname "$0")/../runtime" -I /usr/include/json-c
check "generated C compiles with -Wall -Wextra -Werror" $([ $rc = 0 ] && [ ! -s "$tmp/err" ] && echo 0 || echo 1)
for b in c llvm; do
	"$aslc" build "$dir/hostile.asl.json" -o "$tmp/hostile-$b" --backend $b && run "$tmp/hostile-$b" --input "$dir/hostile.input.json"
	check "hostile names run as data ($b)" $([ $rc = 0 ] && grep -q '"quote\\"key":"\*/ int main(void) { return 1; } /\*"' "$tmp/out" && grep -q '"non-ascii ключ 日本":"ünïcødé 😀"' "$tmp/out" && grep -q '"path":"ok"' "$tmp/out" && grep -q '"new\\nline":"tab\\there ??= trigraph"' "$tmp/out" && echo 0 || echo 1)
done

finish
