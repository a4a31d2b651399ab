#!/bin/sh
# Task bindings (--bindings): Command, Url and Executable bindings, their
# errors with exact messages and exit statuses, deadlines and heartbeats.
# usage: bindings.sh ASLC BINDINGS_DIR
set -u
aslc=$1
dir=$2
. "$(dirname "$0")/lib.sh"
check_logs="$tmp/out $tmp/err"
: >"$tmp/in"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT

run() {
	"$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect NAME RC STDERR_LAST_LINE: the last run's status and last stderr line.
expect() {
	check "$1" $([ "$rc" = "$2" ] && [ "$(tail -n 1 "$tmp/err")" = "$3" ] && echo 0 || echo 1)
}

bind() {
	cat >"$tmp/b.json"
}

"$aslc" build "$dir/task.asl.json" -o "$tmp/task" || exit 1
cd "$tmp" || exit 1

# A Lambda function (lambda:invoke) bound by name: the Payload on stdin, the
# result wrapped as AWS wraps it.
bind <<'X'
{"Bindings": {"work": {"Command": ["python3", "-c", "import json,sys; e=json.load(sys.stdin); print(json.dumps({'sum': e['a'] + e['b']}))"]}}}
X
echo '{"a": 2, "b": 3}' >in; run ./task --bindings b.json
check "lambda:invoke Command result" $([ $rc = 0 ] && python3 -c "
import json,sys
o = json.load(open('out'))
assert o['Payload'] == {'sum': 5} and o['StatusCode'] == 200 and o['ExecutedVersion'] == '7', o
assert sorted(o) == ['ExecutedVersion', 'Payload', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StatusCode']
assert o['SdkHttpMetadata']['HttpStatusCode'] == 200 and o['SdkHttpMetadata']['HttpHeaders']['Content-Length'] == '9'
" && echo 0 || echo 1)

# Name resolution: partial ARN, exact qualifier beats the unqualified name,
# another qualifier does not match, the run-time file wins over the embedded.
bind <<'X'
{"Bindings": {"123456789012:function:work": {"Command": ["echo", "1"]},
              "work:7": {"Command": ["echo", "2"]},
              "work:8": {"Command": ["echo", "3"]}}}
X
echo '{}' >in; run ./task --bindings b.json
check "the exact qualifier wins" $([ $rc = 0 ] && grep -q '"Payload":2' out && echo 0 || echo 1)
cat >emb.json <<'X'
{"Bindings": {"arn:aws:lambda:us-east-1:123456789012:function:work": {"Command": ["echo", "\"embedded\""]}}}
X
"$aslc" build "$dir/task.asl.json" -o emb --bindings emb.json
echo '{}' >in; run ./emb
check "an embedded binding" $([ $rc = 0 ] && grep -q '"Payload":"embedded"' out && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"work": {"Command": ["echo", "\"run-time\""]}}}
X
echo '{}' >in; run ./emb --bindings b.json
check "the run-time file wins over the embedded one" $([ $rc = 0 ] && grep -q '"Payload":"run-time"' out && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"arn:aws:lambda:us-west-2:123456789012:function:work": {"Command": ["echo", "1"]}}}
X
# (unbound, the Task goes to AWS's Lambda, and here no region is configured)
echo '{}' >in
run env -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE AWS_CONFIG_FILE=/nonexistent \
	AWS_EC2_METADATA_DISABLED=true ./task --bindings b.json
expect "another region is another function" 1 '{"Error":"Lambda.SdkClientException","Cause":"Unable to find a region: set AWS_REGION or AWS_DEFAULT_REGION, or region in the profile of ~/.aws/config"}'

cat >inv.asl.json <<'X'
{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
 "Parameters": {"FunctionName": "work", "InvocationType": "Event", "Payload": {}}, "End": true}}}
X
"$aslc" build inv.asl.json -o inv
bind <<'X'
{"Bindings": {"work": {"Command": ["echo", "1"]}}}
X
run ./inv --bindings b.json
expect "an asynchronous invocation is refused, not faked" 1 '{"Error":"States.Runtime","Cause":"b.json: binding '"'"'work'"'"': InvocationType '"'"'Event'"'"' is not supported by a binding (RequestResponse only)"}'

sed 's/"InvocationType": "Event"/"LogType": "Tail"/' inv.asl.json >tail.asl.json
"$aslc" build tail.asl.json -o tail
bind <<'X'
{"Bindings": {"work": {"Command": ["sh", "-c", "echo hello >&2; echo 1"]}}}
X
run ./tail --bindings b.json
check "LogType Tail: LogResult is the base64 of stderr's tail" $([ $rc = 0 ] && grep -q '^{"ExecutedVersion":"$LATEST","LogResult":"aGVsbG8K","Payload":1,' out && echo 0 || echo 1)

# One execution mixes a mock, bindings and a C handler; a binding wins over a
# handler, a mock over a binding.
"$aslc" build "$dir/mix.asl.json" -o mix --handlers "$dir/mix_handlers.c" || exit 1
cat >mocks.json <<'X'
{"StateMachines": {"mix": {"TestCases": {"t": {"Mocked": "M"}}}},
 "MockedResponses": {"M": {"0": {"Return": "mock"}}}}
X
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Command": ["echo", "\"binding\""]},
              "arn:aws:states:::events:putEvents": {"Command": ["echo", "\"binding over handler\""]},
              "arn:aws:states:::sns:publish": {"Command": ["echo", "\"shadowed binding\""]}}}
X
echo '{}' >in; run ./mix --bindings b.json --mock-config mocks.json --test-case t
check "mocks, bindings and handlers in one execution" $([ $rc = 0 ] && [ "$(cat out)" = '{"a":"mock","b":"binding","c":"handler","d":"binding over handler"}' ] && echo 0 || echo 1)

# Function errors as Lambda reports them: errorType is the Error, the
# payload's JSON text the Cause.
bind <<'X'
{"Bindings": {"work": {"Command": ["sh", "-c", "echo '{\"errorType\": \"CardDeclined\", \"errorMessage\": \"no funds\"}'"]}}}
X
echo '{}' >in; run ./task --bindings b.json
expect "errorType on stdout" 1 '{"Error":"CardDeclined","Cause":"{\"errorType\": \"CardDeclined\", \"errorMessage\": \"no funds\"}"}'
bind <<'X'
{"Bindings": {"work": {"Command": ["sh", "-c", "echo boom >&2; exit 3"]}}}
X
echo '{}' >in; run ./task --bindings b.json
check "stderr is passed through" $(head -n 1 err | grep -qx boom && echo 0 || echo 1)
expect "a non-zero exit" 1 '{"Error":"States.TaskFailed","Cause":"'"'"'sh'"'"' exited with status 3: boom"}'
bind <<'X'
{"Bindings": {"work": {"Command": ["no-such-program-aslc"]}}}
X
echo '{}' >in; run ./task --bindings b.json
expect "command not found" 1 '{"Error":"States.Runtime","Cause":"b.json: binding '"'"'work'"'"': cannot run '"'"'no-such-program-aslc'"'"': No such file or directory"}'
bind <<'X'
{"Bindings": {"work": {"Command": ["echo", "hello world"]}}}
X
echo '{}' >in; run ./task --bindings b.json
expect "non-JSON output" 1 '{"Error":"States.TaskFailed","Cause":"b.json: binding '"'"'work'"'"': the output of '"'"'echo'"'"' is not JSON (not a JSON value at offset 0): hello world"}'

# The file is validated strictly: every problem, with its JSON Pointer.
echo '{}' >in; run ./task --bindings "$dir/malformed.json"
check "a malformed bindings file exits 2 naming each member" $([ $rc = 2 ] && [ ! -s out ] && [ "$(sed "s|$dir/||g" err)" = "./task: malformed.json: /Bindings/work/Command: must be a non-empty array of strings (the program and its arguments, run without a shell)
malformed.json: /Bindings/x/Url: must be an http:// or https:// URL
malformed.json: /Bindings/x: must have exactly one of Command, Url or Executable (has 2)
malformed.json: /Bindings/a~1b~0c: must be an object with one of Command, Url or Executable
malformed.json: /Bindings/y/Executable: must be the path of an aslc-built executable
malformed.json: /Connections/arn:aws:events:us-east-1:123456789012:connection~1c/Headers/X: must be a string
malformed.json: /Extra: unknown member (Bindings or Connections)" ] && echo 0 || echo 1)
printf '{"Bindings": {"work": {"Command": ["a"]}, "x": {"Url": "http://h", "Url": "http://i"}, "work": {"Command": ["b"]}}}' >b.json
run ./task --bindings b.json
check "duplicate keys are problems, not last-wins" $([ $rc = 2 ] && [ "$(cat err)" = "./task: b.json: /Bindings/x/Url: duplicate key (only the last would count)
b.json: /Bindings/work: duplicate key (only the last would count)" ] && echo 0 || echo 1)
printf '{"Bindings": {' >b.json
echo '{}' >in; run ./task --bindings b.json
expect "a bindings file that is not JSON" 2 "./task: b.json: (the document): not JSON: a string key expected at offset 14"
echo '{}' >in; run ./task --bindings missing.json
expect "a missing bindings file" 2 "./task: missing.json: cannot read the bindings file: No such file or directory"
run "$aslc" build "$dir/task.asl.json" -o never --bindings "$dir/malformed.json"
check "aslc build rejects a malformed bindings file" $([ $rc = 2 ] && [ ! -e never ] && grep -q '^aslc: .*malformed.json: /Bindings/work/Command: must be' err && echo 0 || echo 1)

# aslc check --bindings: a warning (exit 0) for each Task the file leaves unbound.
echo '{"Bindings": {"other": {"Command": ["true"]}}}' >b.json
run "$aslc" check "$dir/task.asl.json" --bindings b.json
check "check warns about an unbound Task" $([ $rc = 0 ] && grep -q "warning: Task 'Call': b.json binds nothing to 'arn:aws:lambda:us-east-1:123456789012:function:work:7'" err && grep -q '^1 warning generated' err && echo 0 || echo 1)
echo '{"Bindings": {"work": {"Command": ["true"]}}}' >b.json
run "$aslc" check "$dir/task.asl.json" --bindings b.json
check "check is silent when every Task is bound" $([ $rc = 0 ] && [ ! -s err ] && echo 0 || echo 1)
run "$aslc" check "$dir/task.asl.json" --bindings "$dir/malformed.json"
check "check rejects a malformed bindings file" $([ $rc = 2 ] && grep -q 'malformed.json: /Extra: unknown member' err && echo 0 || echo 1)

# Deadlines: a hung subprocess (and what it started) is killed at
# TimeoutSeconds, the Task fails with States.Timeout, Catch sees it.
"$aslc" build "$dir/hang.asl.json" -o hang || exit 1
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Command": ["sh", "-c", "sleep 417 & sleep 418; echo {}"]}}}
X
start=$(date +%s)
echo '{}' >in; run ./hang --bindings b.json
took=$(($(date +%s) - start))
check "a hung subprocess is killed at its deadline" $([ $rc = 0 ] && [ $took -le 15 ] && grep -q '"Error":"States.Timeout"' out && echo 0 || echo 1)
sleep 0.2
# (through /proc: procps may not be installed)
left=$(for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' <"$f"; } 2>/dev/null; echo; done | grep -c '^sleep 41[78]')
check "no process is left behind" $([ "$left" = 0 ] && echo 0 || echo 1)

"$aslc" build "$dir/heartbeat.asl.json" -o beat || exit 1
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Command": ["sh", "-c", "for i in 1 2 3 4 5; do echo beat >&$ASLRT_HEARTBEAT_FD; sleep 0.5; done; echo '{\"ok\":1}'"]}}}
X
echo '{}' >in; run ./beat --bindings b.json
check "heartbeats on fd 3 keep a Task alive" $([ $rc = 0 ] && [ "$(cat out)" = '{"ok":1}' ] && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Command": ["sh", "-c", "sleep 5; echo {}"]}}}
X
echo '{}' >in; run ./beat --bindings b.json
expect "a missed heartbeat" 1 '{"Error":"States.Timeout","Cause":""}'

# Executable: a child execution for states:startExecution, .sync and .sync:2.
"$aslc" build "$dir/child.asl.json" -o child || exit 1
"$aslc" build "$dir/parent.asl.json" -o parent || exit 1
bind <<'X'
{"Bindings": {"arn:aws:states:us-east-1:123456789012:stateMachine:child": {"Executable": "./child"}}}
X
echo '{"n": 1}' >in; run ./parent --bindings b.json
check "startExecution, .sync and .sync:2 results" $([ $rc = 0 ] && python3 -c "
import json
a, s, s2 = json.load(open('out'))
arn = 'arn:aws:states:us-east-1:123456789012:execution:child:'
assert sorted(a) == ['ExecutionArn', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StartDate'] and a['ExecutionArn'] == arn + 'async', a
assert s['Output'] == '{\"echo\":{\"n\":1},\"name\":\"sync\",\"machine\":\"child\"}' and s['Input'] == '{\"n\":1}' and s['Status'] == 'SUCCEEDED', s
assert s['ExecutionArn'] == arn + 'sync' and s['Name'] == 'sync' and isinstance(s['StartDate'], int), s
assert s2['Output'] == {'echo': {'n': 1}, 'name': 'sync2', 'machine': 'child'} and s2['Input'] == {'n': 1}, s2
assert s2['StateMachineArn'] == 'arn:aws:states:us-east-1:123456789012:stateMachine:child', s2
" && echo 0 || echo 1)
# TaskSubmitted: what startExecution answered as the child started, for the
# .sync and .sync:2 Tasks (a plain startExecution has none), between their
# TaskStarted and TaskSucceeded, as AWS records it.
run ./parent --bindings b.json --history h.json
check "TaskSubmitted holds the child's start for .sync and .sync:2" $([ $rc = 0 ] && python3 -c "
import json
ev = json.load(open('h.json'))['events']
arn = 'arn:aws:states:us-east-1:123456789012:execution:child:'
sub = {}
for e in ev:
    if e['type'] == 'TaskSubmitted':
        d = e['taskSubmittedEventDetails']
        o = json.loads(d['output'])
        sub[d['resource']] = o
        assert sorted(o) == ['ExecutionArn', 'SdkHttpMetadata', 'SdkResponseMetadata', 'StartDate'], o
        assert d['resourceType'] == 'states' and d['outputDetails'] == {'truncated': False}, d
        before = [x['type'] for x in ev if x['id'] == e['previousEventId']]
        after = [x['type'] for x in ev if x['previousEventId'] == e['id']]
        assert before == ['TaskStarted'] and after == ['TaskSucceeded'], (before, after)
assert {k: v['ExecutionArn'] for k, v in sub.items()} == {
    'startExecution.sync': arn + 'sync', 'startExecution.sync:2': arn + 'sync2'}, sub
" && echo 0 || echo 1)
# A send that fails submits nothing: no TaskSubmitted before its TaskFailed.
cat >cb.asl.json <<'X'
{"StartAt": "Send", "States": {"Send": {"Type": "Task", "End": true, "TimeoutSeconds": 5,
  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
  "Parameters": {"QueueUrl": "q", "MessageBody": {"T.$": "$$.Task.Token"}}}}}
X
"$aslc" build cb.asl.json -o cb || exit 1
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage.waitForTaskToken": {"Command": ["sh", "-c", "exit 3"]}}}
X
echo '{}' >in; run ./cb --bindings b.json --clock virtual --history h.json
check "a failed send: TaskFailed with no TaskSubmitted" $([ $rc = 1 ] && python3 -c "
import json
ev = json.load(open('h.json'))['events']
assert [e['type'] for e in ev] == ['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled',
                                   'TaskStarted', 'TaskFailed', 'ExecutionFailed'], ev
" && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"arn:aws:states:us-east-1:123456789012:stateMachine:child": {"Executable": "./child"}}}
X
echo '{"fail": true}' >in; run ./parent --bindings b.json
check "a failed child fails the Task with States.TaskFailed" $([ $rc = 1 ] && tail -n 1 err | python3 -c "
import json, sys
e = json.loads(sys.stdin.read())
assert e['Error'] == 'States.TaskFailed', e
d = json.loads(e['Cause'])
assert d['Status'] == 'FAILED' and d['Error'] == 'Child.Failed' and d['Cause'] == 'asked to' and 'Output' not in d, d
" && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"arn:aws:states:us-east-1:123456789012:stateMachine:child": {"Executable": "./no-such-child"}}}
X
run ./parent --bindings b.json
expect "a missing child executable" 1 '{"Error":"States.Runtime","Cause":"b.json: binding '"'"'arn:aws:states:us-east-1:123456789012:stateMachine:child'"'"': cannot run '"'"'./no-such-child'"'"': No such file or directory"}'

# --state-machine-name: $$.StateMachine.Name and the mock config's key.
cat >mocks.json <<'X'
{"StateMachines": {"Billing": {"TestCases": {"ok": {"Call": "R"}}}},
 "MockedResponses": {"R": {"0": {"Return": {"mocked": true}}}}}
X
run ./task --state-machine-name Billing --mock-config mocks.json --test-case ok
check "--state-machine-name selects the mock config's machine" $([ $rc = 0 ] && [ "$(cat out)" = '{"mocked":true}' ] && echo 0 || echo 1)
run ./task --mock-config mocks.json --test-case ok
check "without it the build's name is used" $([ $rc = 2 ] && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"work": {"Command": ["echo", "{\"bound\": true}"]}}}
X
run ./task --state-machine-name Billing --mock-config mocks.json --test-case ok --bindings b.json
check "a mock wins over a binding" $([ $rc = 0 ] && [ "$(cat out)" = '{"mocked":true}' ] && echo 0 || echo 1)

# A child that closes its stdin before reading 5 MB of input does not kill
# the executable with SIGPIPE; stdout is bounded at 64 MiB; a background
# process the child leaves holding stdout does not hold up the Task.
python3 -c 'import json; print(json.dumps({"a": "x" * 5000000}))' >big.json
bind <<'X'
{"Bindings": {"work": {"Command": ["sh", "-c", "exec 0<&-; sleep 0.2; echo 1"]}}}
X
"./task" --bindings b.json --payload-limit off <big.json >out 2>err; rc=$?
check "a child closing stdin early (SIGPIPE)" $([ $rc = 0 ] && grep -q '"Payload":1,' out && echo 0 || echo 1)
bind <<'X'
{"Bindings": {"work": {"Command": ["head", "-c", "70000000", "/dev/zero"]}}}
X
echo '{}' >in; run ./task --bindings b.json
expect "stdout past 64 MiB" 1 '{"Error":"States.TaskFailed","Cause":"'"'"'head'"'"' wrote more than 67108864 bytes on stdout"}'
bind <<'X'
{"Bindings": {"work": {"Command": ["sh", "-c", "sleep 419 & echo 2"]}}}
X
start=$(date +%s)
echo '{}' >in; run ./task --bindings b.json
took=$(($(date +%s) - start))
sleep 0.2
left=$(for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' <"$f"; } 2>/dev/null; echo; done | grep -c '^sleep 419')
check "a background child holding stdout is killed, the Task ends" $([ $rc = 0 ] && [ $took -le 2 ] && [ "$left" = 0 ] && grep -q '"Payload":2,' out && echo 0 || echo 1)

# 20 Map iterations at once (MaxConcurrency 0), each running a Command.
"$aslc" build "$dir/map.asl.json" -o map || exit 1
bind <<'X'
{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Command": ["python3", "-c", "import json,sys,time; n=json.load(sys.stdin); time.sleep(0.1); print(json.dumps(n*n))"]}}}
X
python3 -c 'import json; print(json.dumps({"items": list(range(20))}))' >in; run ./map --bindings b.json
check "20 concurrent Command Tasks in a Map" $([ $rc = 0 ] && [ "$(cat out)" = '[0,1,4,9,16,25,36,49,64,81,100,121,144,169,196,225,256,289,324,361]' ] && echo 0 || echo 1)

# Url: a POST of the input to a local server; HTTP errors, non-JSON bodies,
# an unreachable server and a deadline.
"$aslc" build "$dir/url.asl.json" -o url || exit 1
rm -f port
python3 "$dir/server.py" >port &
server=$!
i=0; while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat port)
url() {
	printf '{"Bindings": {"arn:aws:states:::sqs:sendMessage": {"Url": "http://127.0.0.1:%s%s"}}}' "$1" "$2" >b.json
}
url "$port" /echo
echo '{"n": 1}' >in; run ./url --bindings b.json
check "a Url binding posts the input as JSON" $([ $rc = 0 ] && [ "$(cat out)" = '{"got":{"n":1},"type":"application/json"}' ] && echo 0 || echo 1)
url "$port" /fail
run ./url --bindings b.json
expect "HTTP 500" 1 '{"Error":"States.TaskFailed","Cause":"POST http://127.0.0.1:'$port'/fail answered HTTP 500: database down"}'
url "$port" /lambda-error
run ./url --bindings b.json
expect "a Lambda-style error from a Url" 1 '{"Error":"OutOfStock","Cause":"none left"}'
url "$port" /text
run ./url --bindings b.json
expect "a non-JSON body" 1 '{"Error":"States.TaskFailed","Cause":"b.json: binding '"'"'arn:aws:states:::sqs:sendMessage'"'"': the output of POST http://127.0.0.1:'$port'/text is not JSON (not a JSON value at offset 0): plain words"}'
url "$port" /slow
run ./url --bindings b.json
check "a slow server meets the deadline" $([ $rc = 1 ] && tail -n 1 err | grep -q '^{"Error":"States.Timeout","Cause":""}$' && echo 0 || echo 1)
# The HTTP Task: query, headers, form or JSON body, the connection's
# credentials from the bindings file, AWS's result and error shapes.
"$aslc" build "$dir/http.asl.json" -o http || exit 1
cat >b.json <<'X'
{"Bindings": {}, "Connections": {"arn:aws:events:us-east-1:123456789012:connection/shop/abc": {"Headers": {"X-Api-Key": "secret"}}}}
X
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "POST", "body": {"items": ["x", "y"], "n": 1}, "transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}}' "$port" >in
run ./http --bindings b.json
check "http:invoke with a URL_ENCODED body" $([ $rc = 0 ] && [ "$(cat out)" = '{"status":200,"text":"OK","body":{"method":"POST","path":"/inspect?q=a%20b%26c","body":"items%5B%5D=x&items%5B%5D=y&n=1","type":"application/x-www-form-urlencoded","key":"secret","trace":"t-1"},"ctype":["application/json"]}' ] && echo 0 || echo 1)
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "PUT", "body": {"items": ["x", "y"]}, "transform": {"RequestBodyEncoding": "URL_ENCODED"}}' "$port" >in
run ./http --bindings b.json
check "http:invoke's default ArrayFormat is INDICES" $([ $rc = 0 ] && grep -q '"method":"PUT","path":"/inspect?q=a%20b%26c","body":"items%5B0%5D=x&items%5B1%5D=y"' out && echo 0 || echo 1)
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "GET", "body": {"n": 1}, "transform": {}}' "$port" >in
run ./http
check "http:invoke with a JSON body, no connection" $([ $rc = 0 ] && grep -q '"body":"{\\"n\\":1}","type":"application/json","key":null' out && echo 0 || echo 1)
printf '{"url": "http://127.0.0.1:%s/nothing", "method": "POST", "body": {}, "transform": {}}' "$port" >in
run ./http
check "http:invoke answered 404 is States.Http.StatusCode.404" $([ $rc = 1 ] && tail -n 1 err | grep -q '^{"Error":"States.Http.StatusCode.404","Cause":"{\\"Headers\\":{.*\\"ResponseBody\\":\\"no such path\\",\\"StatusCode\\":404,\\"StatusText\\":\\"Not Found\\"}"}$' && echo 0 || echo 1)
printf '{"url": "http://127.0.0.1:%s/x", "method": "FETCH", "body": {}, "transform": {}}' "$port" >in
run ./http
expect "http:invoke with an unknown Method" 1 '{"Error":"States.Runtime","Cause":"http:invoke needs Method, one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD"}'
printf '{"url": "http://127.0.0.1:%s/x HTTP/1.1\\r\\nX-Injected: yes\\r\\nX:", "method": "GET", "body": {}, "transform": {}}' "$port" >in
run ./http
expect "http:invoke with CR LF in ApiEndpoint" 1 '{"Error":"States.Runtime","Cause":"http:invoke needs ApiEndpoint, an http:// or https:// URL without spaces or control characters"}'
cat >b3.json <<'X'
{"Bindings": {}, "Connections": {"arn:aws:events:us-east-1:123456789012:connection/shop/abc": {"QueryParameters": {"token": "s3cret"}}}}
X
printf '{"url": "http://127.0.0.1:1/x", "method": "GET", "body": {}, "transform": {}}' >in
run ./http --bindings b3.json
check "http:invoke's socket error hides the connection's query" $([ $rc = 1 ] && tail -n 1 err | grep -q '^{"Error":"States.Http.Socket","Cause":"GET http://127.0.0.1:1/x: ' && ! grep -q s3cret err && echo 0 || echo 1)
# Bad Transform and bodies fail before any request (nothing leaks: ASan's
# build fails the run otherwise); a header cannot smuggle in another one.
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "POST", "body": {}, "transform": {"RequestBodyEncoding": "XML"}}' "$port" >in
run ./http --bindings b.json
expect "http:invoke with an unknown RequestBodyEncoding" 1 '{"Error":"States.Runtime","Cause":"Transform.RequestBodyEncoding must be NONE or URL_ENCODED, not '"'"'XML'"'"'"}'
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "POST", "body": [1], "transform": {"RequestBodyEncoding": "URL_ENCODED"}}' "$port" >in
run ./http --bindings b.json
expect "http:invoke URL_ENCODED with an array body" 1 '{"Error":"States.Runtime","Cause":"RequestBody must be an object to be URL_ENCODED"}'
printf '{"url": "http://127.0.0.1:%s/inspect", "method": "GET", "body": {}, "transform": {}}' "$port" >in
cat >b2.json <<'X'
{"Bindings": {}, "Connections": {"arn:aws:events:us-east-1:123456789012:connection/shop/abc": {"Headers": {"X-Api-Key": "k\r\nX-Evil: 1"}}}}
X
run ./http --bindings b2.json
expect "http:invoke with CR LF in a header" 1 '{"Error":"States.Runtime","Cause":"http:invoke'"'"'s header '"'"'X-Api-Key'"'"' has a control character in its name or value"}'
printf '{"url": "http://127.0.0.1:%s/lowercase", "method": "GET", "body": {}, "transform": {}}' "$port" >in
run ./http --bindings b.json
check "http:invoke parses JSON under a Content-type header" $([ $rc = 1 ] && tail -n 1 err | grep -q '^{"Error":"States.Http.StatusCode.400","Cause":"{.*\\"ResponseBody\\":{\\"n\\":1},' && echo 0 || echo 1)

kill "$server"
wait "$server" 2>/dev/null
server=
url "$port" /echo
run ./url --bindings b.json
check "an unreachable server" $([ $rc = 1 ] && tail -n 1 err | grep -q '^{"Error":"States.TaskFailed","Cause":"b.json: binding '"'"'arn:aws:states:::sqs:sendMessage'"'"': POST http://127.0.0.1:'$port'/echo failed: Failed to connect to 127.0.0.1 port '$port && echo 0 || echo 1)

finish
