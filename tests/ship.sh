#!/bin/sh
# Shipping what aslc builds: reproducible executables, the runtime found
# relative to aslc, $CC/$CFLAGS split as make does, fully static executables
# that run in an empty root.
# usage: ship.sh ASLC SOURCE_DIR
set -u
aslc=$(realpath "$1")
src=$(realpath "$2")
. "$(dirname "$0")/lib.sh"
sample=$src/samples/loan-approval
expected=$(cat "$sample/expected.json")

# Reproducible: the same definition and flags, built from two different
# folders (different temporary directories too), give the same bytes.
for b in c llvm; do
	for d in one two; do
		mkdir -p "$tmp/$d-$b"
		cp "$sample/loan.asl.json" "$tmp/$d-$b/"
		(cd "$tmp/$d-$b" && TMPDIR="$tmp/$d-$b" "$aslc" build loan.asl.json -o loan --backend $b) 2>"$tmp/err"
	done
	check "two $b builds are byte-identical" $(ok cmp -s "$tmp/one-$b/loan" "$tmp/two-$b/loan")
	if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
		# ASan's metadata names the runtime's sources, whatever -ffile-prefix-map says.
		check "no temporary path inside the $b executable" \
			$(ok sh -c "test -s '$tmp/one-$b/loan' && ! grep -q -F -e '$tmp' '$tmp/one-$b/loan'")
	else
		check "no build path inside the $b executable" \
			$(ok sh -c "test -s '$tmp/one-$b/loan' && ! grep -q -F -e '$src' -e '$tmp' '$tmp/one-$b/loan'")
	fi
done
# libm is loaded on first use (runtime/mathlib.h), not at start-up: an
# Express machine (no SQLite, whose functions need libm) does not link it
cat >"$tmp/math.asl.json" <<'EOF2'
{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true,
 "Output":"{% [$power(2, 0.5), $floor(-2.5), $sqrt(2), $formatNumber(1234.5678, '#,##0.00')] %}"}}}
EOF2
math_expected='[1.4142135623730951,-3,1.4142135623730951,"1,234.57"]'
"$aslc" build "$tmp/math.asl.json" -o "$tmp/math" --type express 2>"$tmp/err"
if [ "${ASLC_SANITIZED:-0}" != 1 ]; then
	check "an Express executable does not link libm" \
		$(ok sh -c "readelf -d '$tmp/math' | grep -q NEEDED && ! readelf -d '$tmp/math' | grep -q 'libm[.]so'")
fi
if command -v ld.lld >/dev/null 2>&1; then
	"$aslc" build "$tmp/math.asl.json" -o "$tmp/math2" --type express -v 2>"$tmp/err"
	check "lld lays out the runtime's usual functions together (startup.order)" \
		$(ok grep -q -e "--symbol-ordering-file=.*/startup.order" "$tmp/err")
fi
check "libm's functions, loaded on first use, give libm's results" \
	$(ok test "$(echo '{}' | "$tmp/math")" = "$math_expected")

# The runtime: found next to aslc, or where ASLC_RUNTIME_DIR says.
ASLC_RUNTIME_DIR=$tmp/nowhere "$aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "a wrong ASLC_RUNTIME_DIR is an error naming it" \
	$(ok grep -q "ASLC_RUNTIME_DIR=$tmp/nowhere holds no aslrt.h and libaslrt.a" "$tmp/err")
mkdir -p "$tmp/lone/bin"
cp "$aslc" "$tmp/lone/bin/aslc"
"$tmp/lone/bin/aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "aslc with no runtime near it says where it looked" \
	$(ok grep -q "cannot find the runtime (aslrt.h, libaslrt.a) in $tmp/lone/bin/../lib/aslc" "$tmp/err")
rtdir=$(dirname "$aslc")/../runtime
ASLC_RUNTIME_DIR=$rtdir "$tmp/lone/bin/aslc" build "$sample/loan.asl.json" -o "$tmp/x" 2>"$tmp/err"
check "ASLC_RUNTIME_DIR points a lone aslc at a runtime" \
	$(ok test "$("$tmp/x" --clock virtual <"$sample/input.json")" = "$expected")

# $CC and $CFLAGS are split into words as make does.
CC="cc -DASLC_T='two words'" CFLAGS="-DX=\"1\" -O1" "$aslc" build "$sample/loan.asl.json" -o "$tmp/w" -v 2>"$tmp/err"
check "CC and CFLAGS split into words with quotes" \
	$(ok grep -q "^cc -DASLC_T=two words -O0 -std=c11 -w .*-DX=1 -O1 " "$tmp/err")
CC="cc 'oops" "$aslc" build "$sample/loan.asl.json" -o "$tmp/w" 2>"$tmp/err"
check "an unclosed quote in CC is an error" $(ok grep -q "CC has an unclosed quote" "$tmp/err")

# Definitions as projects write them: DefinitionSubstitutions and YAML.
t=$src/tests/ship
"$aslc" build "$t/sam.asl.json" -o "$tmp/sam" --handlers "$t/handlers.c" \
	--definitions-file "$t/sam-defs.json" --define TableName=orders >"$tmp/err" 2>&1
out=$(echo '{}' | "$tmp/sam" 2>>"$tmp/err")
check "a SAM-style definition with \${...} builds and runs" \
	$(ok test "$out" = '{"table":"orders","region":"eu-west-1","kept":"${NotAKey}"}')
"$aslc" check "$t/sam.asl.json" --define TableName=x >"$tmp/out" 2>"$tmp/err"
check "an unknown \${...} in a Resource is an error naming the key" \
	$(ok grep -q "sam.asl.json:7:19: error: '\${ChargeFunctionArn}' in Resource has no value: substitute it with --define ChargeFunctionArn=VALUE" "$tmp/err")
"$aslc" check "$t/sam.asl.json" --define NoEquals >"$tmp/out" 2>"$tmp/err"
check "--define without = is a usage error" $(ok test $? = 2)
echo '{"Region": ["eu"]}' >"$tmp/defs.json"
"$aslc" check "$t/sam.asl.json" --definitions-file "$tmp/defs.json" >"$tmp/out" 2>"$tmp/err"
check "a definitions file value that is not a string is an error naming the key" \
	$(ok grep -q "defs.json: the value of 'Region' must be a string, number or boolean" "$tmp/err")
"$aslc" build "$t/loan.asl.yaml" -o "$tmp/yaml" >"$tmp/err" 2>&1
out=$("$tmp/yaml" <"$sample/input.json" 2>>"$tmp/err")
check "a YAML definition builds and runs" \
	$(ok test "$out" = '{"decision":"APPROVED","applicant":"Grace Hopper","note":"approved\nautomatically\n","rate":0.035,"cosigner":null}')
sed 's/Default: Decline/Default: Nowhere/' "$t/loan.asl.yaml" >"$tmp/bad.yaml"
"$aslc" check "$tmp/bad.yaml" >"$tmp/out" 2>"$tmp/err"
check "a YAML definition's errors are at the YAML's line:col" \
	$(ok grep -q "bad.yaml:21:14: error: missing transition target: 'Nowhere'" "$tmp/err")
check "the YAML line is quoted" $(ok grep -q "^    Default: Nowhere$" "$tmp/err")
printf 'StartAt: A\nStates:\n  A:\n    Type: Pass\n   End: true\n' >"$tmp/syntax.yml"
"$aslc" check "$tmp/syntax.yml" >"$tmp/out" 2>"$tmp/err"
check "a YAML syntax error is at its line:col" \
	$(ok grep -q "syntax.yml:5:4: error: invalid YAML: did not find expected key" "$tmp/err")
printf 'StartAt: A\nStates:\n  A: {Type: Pass, End: true, Result: [&a 1, *a]}\n' >"$tmp/alias.yml"
"$aslc" check "$tmp/alias.yml" >"$tmp/out" 2>"$tmp/err"
check "a YAML alias is refused at its line:col" \
	$(ok grep -q "alias.yml:3:45: error: YAML alias '\*a' is not supported" "$tmp/err")
"$aslc" check "$t/loan.asl.yaml" "$tmp/bad.yaml" "$sample/loan.asl.json" "$tmp/missing.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "check takes many files, reports each, exits with the worst status" \
	$(ok sh -c "[ $rc = 2 ] && grep -q 'bad.yaml:21:14: error' '$tmp/err' && grep -q 'cannot read $tmp/missing.json' '$tmp/err' && [ \$(grep -c 'generated' '$tmp/err') = 1 ]")
"$aslc" check "$tmp/bad.yaml" "$tmp/alias.yml" --diagnostics-format=json >"$tmp/out" 2>"$tmp/err"
check "check of many files prints one JSON array" \
	$(ok python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); assert [d["file"][-8:] for d in l] == ["bad.yaml", "lias.yml"], l' "$tmp/out")

# HTTP, HTTPS, AWS and --listen in static executables: the runtime's
# built-in client and server (runtime/builtin_curl.c, builtin_mhd.c), in
# the empty root where there is one ($jail).  $link: aslc build's flag.
static_http() {
	inv=$src/samples/inventory-url
	at=./ # where the root's files are, as the executable sees them
	[ -n "${jail:-}" ] && at=/
	"$aslc" build "$inv/reserve.asl.json" -o "$tmp/inv" $link 2>"$tmp/err"
	python3 "$src/tests/ship_server.py" >"$tmp/port" &
	server=$!
	i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	printf '{"Bindings": {"reserve-stock": {"Url": "http://127.0.0.1:%s/reserve"}}}\n' \
		"$(cat "$tmp/port")" >"$tmp/root/b.json"
	cp "$tmp/inv" "$tmp/root/inv"
	echo '{"order":"A","lines":[{"sku":"apple","qty":2},{"sku":"plum","qty":1}]}' >"$tmp/root/in.json"
	want='{"order":"A","lines":[{"sku":"apple","qty":2},{"sku":"plum","qty":1}],"reservations":[{"sku":"apple","reserved":2},{"sku":"plum","reserved":1}]}'
	out=$(cd "$tmp/root" && ${jail:-} ${at}inv --clock virtual --bindings ${at}b.json <in.json 2>"$tmp/err")
	check "$what calls a Url binding over HTTP${jail:+ in an empty root}" \
		$(ok test "$out" = "$want")
	sed 's|/reserve"|/chunked"|' "$tmp/root/b.json" >"$tmp/b2.json"
	out=$("$tmp/inv" --clock virtual --bindings "$tmp/b2.json" <"$tmp/root/in.json" 2>"$tmp/err")
	check "a chunked response body" $(ok test "$out" = "$want")
	# the sample's Task has TimeoutSeconds 10; a 1 s one against /slow (5 s)
	sed 's|"TimeoutSeconds": 10|"TimeoutSeconds": 1|' "$inv/reserve.asl.json" >"$tmp/slow.asl.json"
	"$aslc" build "$tmp/slow.asl.json" -o "$tmp/slow" $link 2>"$tmp/err"
	sed 's|/reserve"|/slow"|' "$tmp/root/b.json" >"$tmp/b3.json"
	start=$(date +%s)
	"$tmp/slow" --bindings "$tmp/b3.json" <"$tmp/root/in.json" >"$tmp/out" 2>"$tmp/err"
	took=$(($(date +%s) - start))
	check "a Task's TimeoutSeconds ends a slow request: States.Timeout in ${took} s" \
		$(ok sh -c "grep -q '\"Error\":\"States.Timeout\"' '$tmp/err' && [ $took -lt 4 ]")
	kill $server 2>/dev/null
	if ! command -v openssl >/dev/null 2>&1; then
		echo "skipping HTTPS in static executables: openssl (the command) is not installed"
	else
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
			-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key2.pem" -out "$tmp/other.pem" \
			-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
		rm -f "$tmp/port"
		python3 "$src/tests/ship_server.py" "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/port" &
		server=$!
		i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		port=$(cat "$tmp/port")
		printf '{"Bindings": {"reserve-stock": {"Url": "https://localhost:%s/reserve"}}}\n' \
			"$port" >"$tmp/root/b.json"
		# FROM scratch as aslc build --image makes it: the CA bundle at
		# Debian's path (and /etc/hosts, which podman writes)
		mkdir -p "$tmp/root/etc/ssl/certs"
		cp "$tmp/cert.pem" "$tmp/root/etc/ssl/certs/ca-certificates.crt"
		echo "127.0.0.1 localhost" >"$tmp/root/etc/hosts"
		if [ -n "${jail:-}" ]; then
			out=$(cd "$tmp/root" && $jail /inv --clock virtual --bindings /b.json <in.json 2>"$tmp/err")
		else
			out=$(cd "$tmp/root" && SSL_CERT_FILE=etc/ssl/certs/ca-certificates.crt \
				./inv --clock virtual --bindings b.json <in.json 2>"$tmp/err")
		fi
		check "$what calls a Url binding over HTTPS, checking the certificate" \
			$(ok test "$out" = "$want")
		# one Map iteration at a time: every call on the same kept connection
		sed 's|"MaxConcurrency": 2|"MaxConcurrency": 1|' "$inv/reserve.asl.json" >"$tmp/one.asl.json"
		"$aslc" build "$tmp/one.asl.json" -o "$tmp/root/one" $link 2>"$tmp/err"
		sed 's|/reserve"|/conn"|' "$tmp/root/b.json" >"$tmp/root/bc.json"
		echo '{"lines":[{"sku":"a","qty":1},{"sku":"b","qty":2},{"sku":"c","qty":3}]}' >"$tmp/root/in3.json"
		out=$(cd "$tmp/root" && SSL_CERT_FILE=etc/ssl/certs/ca-certificates.crt \
			./one --clock virtual --bindings bc.json <in3.json 2>"$tmp/err")
		echo "$out" >"$tmp/err2"
		check_logs="$tmp/err $tmp/err2" check "$what keeps its HTTPS connection for the next request" \
			$(ok test "$(echo "$out" | sed 's/"conn":[0-9]*/"conn":N/g')" = '{"lines":[{"sku":"a","qty":1},{"sku":"b","qty":2},{"sku":"c","qty":3}],"reservations":[{"sku":"a","reserved":1,"conn":N},{"sku":"b","reserved":2,"conn":N},{"sku":"c","reserved":3,"conn":N}]}' -a \
			"$(echo "$out" | grep -o '"conn":[0-9]*' | sort -u | wc -l)" = 1)
		(cd "$tmp/root" && SSL_CERT_FILE="$tmp/other.pem" ./inv --clock virtual --bindings b.json \
			<in.json >"$tmp/out" 2>"$tmp/err")
		check "HTTPS fails with a server certificate its CAs did not sign" \
			$(ok grep -q 'SSL certificate problem with localhost: The certificate is not correctly signed by the trusted CA' "$tmp/err")
		cat >"$tmp/lam.asl.json" <<-'EOF'
		{"StartAt": "Call", "States": {"Call": {"Type": "Task",
		  "Resource": "arn:aws:states:::lambda:invoke",
		  "Parameters": {"FunctionName": "echo", "Payload.$": "$"},
		  "ResultSelector": {"p.$": "$.Payload"}, "End": true}}}
		EOF
		"$aslc" build "$tmp/lam.asl.json" -o "$tmp/lam" $link 2>"$tmp/err"
		out=$(echo '{"a":1}' | AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret \
			AWS_REGION=us-east-1 AWS_ENDPOINT_URL="https://localhost:$port" \
			SSL_CERT_FILE="$tmp/cert.pem" "$tmp/lam" 2>"$tmp/err")
		check "$what calls AWS (Lambda Invoke, signed) over HTTPS" \
			$(ok test "$out" = '{"p":{"a":1,"via":"lambda","signed":true}}')
		kill $server 2>/dev/null
	fi
	if ! command -v curl >/dev/null 2>&1; then
		echo "skipping --listen in static executables: curl is not installed"
		return
	fi
	echo '{"StartAt": "Work", "States": {"Work": {"Type": "Task", "TimeoutSeconds": 30, "End": true,
	  "Resource": "arn:aws:states:us-east-1:123456789012:activity:work"}}}' >"$tmp/act.asl.json"
	"$aslc" build "$tmp/act.asl.json" -o "$tmp/root/act" $link 2>"$tmp/err"
	echo '{"n": 1}' >"$tmp/root/act.json"
	(cd "$tmp/root" && ${jail:-} ${at}act --listen 127.0.0.1:0 <act.json >"$tmp/act.out" 2>"$tmp/act.err") &
	i=0; while ! grep -q '^listening on' "$tmp/act.err" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	url=http://$(sed -n 's/^listening on //p' "$tmp/act.err")/
	api() {
		curl -s -m 20 -X POST -H "X-Amz-Target: AWSStepFunctions.$1" \
			-H "Content-Type: application/x-amz-json-1.0" --data "$2" "$url"
	}
	# Over 100 headers is 431, not the rest dropped (Content-Length with them).
	many=$(i=0; while [ $i -lt 101 ]; do printf -- '-H X-H%d:1 ' $i; i=$((i + 1)); done)
	check "--listen answers 431 to over 100 request headers" \
		$(ok test "$(curl -s -m 20 -o /dev/null -w '%{http_code}' $many "$url")" = 431)
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	check "--listen answers 431 to a head over 64 KiB" \
		$(ok test "$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$url")" = 431)
	# Content-Length may end in whitespace (RFC 9112's OWS).
	body='{"activityArn": "arn:aws:states:us-east-1:123456789012:activity:work"}'
	got=$(curl -s -m 20 -X POST -H "X-Amz-Target: AWSStepFunctions.GetActivityTask" \
		-H "Content-Type: application/x-amz-json-1.0" -H "Content-Length: ${#body}	" \
		--data "$body" "$url")
	token=$(echo "$got" | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskToken"])' 2>/dev/null)
	check "--listen in $what${jail:+ (empty root)} serves GetActivityTask" \
		$(ok test "$(echo "$got" | sed 's/"taskToken":"[^"]*"/T/')" = '{T,"input":"{\"n\":1}"}')
	check "SendTaskSuccess answers {}" \
		$(ok test "$(api SendTaskSuccess "{\"taskToken\": \"$token\", \"output\": \"{\\\"done\\\": true}\"}")" = '{}')
	wait
	check "the activity's output is the execution's" $(ok test "$(cat "$tmp/act.out")" = '{"done":true}')
}

if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
	echo "skipping static executables: sanitized builds link the sanitizer runtimes"
	# The built-in HTTP client and server still run under the sanitizers,
	# linked into dynamic executables as --static links them (lld takes the
	# archives in any order).
	if command -v ld.lld >/dev/null 2>&1; then
		mkdir -p "$tmp/root"
		jail=""
		link=""
		what="the built-in client, sanitized,"
		LDFLAGS="-Wl,--undefined=aslrt_builtin_libs -l:libmbedtls.a -l:libmbedx509.a -l:libmbedcrypto.a"
		export LDFLAGS
		static_http
		unset LDFLAGS
	fi
else
	# Fully static: CC="cc -static" and --static.
	CC="cc -static" "$aslc" build "$sample/loan.asl.json" -o "$tmp/s1" 2>"$tmp/err"
	check "CC=\"cc -static\" links a static executable" \
		$(ok sh -c "! readelf -l '$tmp/s1' | grep -q INTERP")
	for b in c llvm; do
		"$aslc" build "$sample/loan.asl.json" -o "$tmp/s-$b" --static --backend $b 2>"$tmp/err"
		check "--static ($b) has no interpreter and no dynamic section" \
			$(ok sh -c "! readelf -l '$tmp/s-$b' | grep -q -e INTERP -e DYNAMIC")
		check "--static ($b) prints no linker warnings" $(ok test ! -s "$tmp/err")
	done
	# An empty root: only the executable.  chroot as root, else in a user
	# namespace; skipped where neither is allowed.
	mkdir -p "$tmp/root"
	cp "$tmp/s-c" "$tmp/root/machine"
	if [ "$(id -u)" = 0 ] && chroot "$tmp/root" /machine --help >/dev/null 2>&1; then
		jail="chroot $tmp/root"
	elif unshare -r chroot "$tmp/root" /machine --help >/dev/null 2>&1; then
		jail="unshare -r chroot $tmp/root"
	else
		jail=""
		echo "skipping the empty-root run: neither chroot nor unshare -r works here"
	fi
	if [ -n "$jail" ]; then
		out=$($jail /machine --clock virtual <"$sample/input.json" 2>"$tmp/err")
		check "the static executable runs in an empty root" $(ok test "$out" = "$expected")
		"$aslc" build "$tmp/math.asl.json" -o "$tmp/root/math" --static 2>"$tmp/err"
		check "a static executable has libm's functions built in" \
			$(ok test "$(echo '{}' | $jail /math)" = "$math_expected")
		echo "static executable: $(wc -c <"$tmp/s-c") bytes"
	fi
	link=--static
	what="a static executable"
	static_http
fi

finish ship
