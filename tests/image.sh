#!/bin/sh
# aslc build --image / --image-archive: an OCI image FROM scratch holding the
# static executable, built and run with podman.  Skipped, saying so, where
# podman is not installed.
# usage: image.sh ASLC SOURCE_DIR
set -u
aslc=$(realpath "$1")
src=$(realpath "$2")
if ! command -v podman >/dev/null 2>&1; then
	echo "skipping the image test: podman is not installed (apt-get install podman runc)"
	exit 0
fi
if [ "${ASLC_SANITIZED:-0}" = 1 ]; then
	echo "skipping the image test: sanitized builds cannot link static executables"
	exit 0
fi
. "$(dirname "$0")/lib.sh"
sample=$src/samples/loan-approval
tag=localhost/aslc-test-$$:1

# Ordinary hosts run podman with its defaults; containers like the one this
# project is built in need vfs storage, runc and cgroupfs (README).
small="podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs --events-backend file"
limits="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
for p in "${ASLC_PODMAN:-podman}" "$small"; do
	ASLC_PODMAN=$p
	export ASLC_PODMAN
	"$aslc" build "$sample/loan.asl.json" --image "$tag" --image-archive "$tmp/loan.tar" >"$tmp/out" 2>"$tmp/err" || continue
	# shellcheck disable=SC2086
	if $p run --rm -i $limits "$tag" --clock virtual <"$sample/input.json" >"$tmp/out" 2>>"$tmp/err"; then
		break
	fi
	$p rmi "$tag" >/dev/null 2>&1
done
trap '$ASLC_PODMAN rmi -f "$tag" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
echo "podman: $ASLC_PODMAN"
check "aslc build --image makes an image" $(ok $ASLC_PODMAN image exists "$tag")
check "the image runs the workflow and prints its output" \
	$(ok test "$(cat "$tmp/out")" = "$(cat "$sample/expected.json")")
# shellcheck disable=SC2086
$ASLC_PODMAN run --rm -i $limits "oci-archive:$tmp/loan.tar" --clock virtual <"$sample/input.json" >"$tmp/out2" 2>"$tmp/err"
check "the OCI archive runs too" $(ok cmp -s "$tmp/out" "$tmp/out2")
size=$(wc -c <"$tmp/loan.tar")
echo "image as an OCI archive (compressed layers): $size bytes"
# what `podman image ls` shows (MB of 10^6 bytes): the unpacked layers
unpacked=$($ASLC_PODMAN image inspect --format '{{.Size}}' "$tag")
check "the image (unpacked, as podman image ls counts) is under 5 MB: $unpacked bytes" \
	$(ok test "$unpacked" -lt 5000000)
id1=$($ASLC_PODMAN image inspect --format '{{.Id}}' "$tag")
"$aslc" build "$sample/loan.asl.json" --image "$tag" >/dev/null 2>"$tmp/err"
id2=$($ASLC_PODMAN image inspect --format '{{.Id}}' "$tag")
check "the same definition gives the same image" $(ok test "$id1" = "$id2")
# shellcheck disable=SC2086
$ASLC_PODMAN run --rm $limits "$tag" --bogus >/dev/null 2>"$tmp/err"
check "the executable is the entrypoint (its usage error exits 2)" $(ok test $? = 2)

# HTTPS and --listen inside a FROM scratch image (the host's network, so
# that the test's server on 127.0.0.1 is reachable): a signed Lambda Invoke
# against tests/ship_server.py, and GetActivityTask/SendTaskSuccess by curl.
if ! command -v openssl >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
	echo "skipping HTTPS and --listen in an image: openssl and curl (the commands) are needed"
else
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
		-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
	python3 "$src/tests/ship_server.py" "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/port" &
	server=$!
	i=0; while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	cat >"$tmp/lam.asl.json" <<-'EOF'
	{"StartAt": "Call", "States": {"Call": {"Type": "Task",
	  "Resource": "arn:aws:states:::lambda:invoke",
	  "Parameters": {"FunctionName": "echo", "Payload.$": "$"},
	  "ResultSelector": {"p.$": "$.Payload"}, "End": true}}}
	EOF
	$ASLC_PODMAN rmi -f "$tag" >/dev/null 2>&1 # one image at a time under $tag
	"$aslc" build "$tmp/lam.asl.json" --image "$tag" >/dev/null 2>"$tmp/err"
	# shellcheck disable=SC2086
	out=$(echo '{"a":1}' | $ASLC_PODMAN run --rm -i $limits --network host \
		-v "$tmp/cert.pem:/ca.pem:ro" -e SSL_CERT_FILE=/ca.pem -e AWS_REGION=us-east-1 \
		-e AWS_ACCESS_KEY_ID=AKIDEXAMPLE -e AWS_SECRET_ACCESS_KEY=secret \
		-e "AWS_ENDPOINT_URL=https://localhost:$(cat "$tmp/port")" "$tag" 2>"$tmp/err")
	check "the image calls AWS (Lambda Invoke, signed) over HTTPS" \
		$(ok test "$out" = '{"p":{"a":1,"via":"lambda","signed":true}}')
	unpacked=$($ASLC_PODMAN image inspect --format '{{.Size}}' "$tag")
	check "an image with the AWS client is under 5 MB too: $unpacked bytes" \
		$(ok test "$unpacked" -lt 5000000)
	kill $server 2>/dev/null
	echo '{"StartAt": "Work", "States": {"Work": {"Type": "Task", "TimeoutSeconds": 60, "End": true,
	  "Resource": "arn:aws:states:us-east-1:123456789012:activity:work"}}}' >"$tmp/act.asl.json"
	$ASLC_PODMAN rmi -f "$tag" >/dev/null 2>&1
	"$aslc" build "$tmp/act.asl.json" --image "$tag" >/dev/null 2>"$tmp/err"
	# shellcheck disable=SC2086
	echo '{"n": 1}' | $ASLC_PODMAN run --rm -i $limits --network host "$tag" \
		--listen 127.0.0.1:0 >"$tmp/act.out" 2>"$tmp/act.err" &
	i=0; while ! grep -q '^listening on' "$tmp/act.err" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	url=http://$(sed -n 's/^listening on //p' "$tmp/act.err")/
	got=$(curl -s -m 20 -X POST -H "X-Amz-Target: AWSStepFunctions.GetActivityTask" \
		--data '{"activityArn": "arn:aws:states:us-east-1:123456789012:activity:work"}' "$url")
	token=$(echo "$got" | python3 -c 'import json,sys; print(json.load(sys.stdin)["taskToken"])' 2>/dev/null)
	curl -s -m 20 -X POST -H "X-Amz-Target: AWSStepFunctions.SendTaskSuccess" \
		--data "{\"taskToken\": \"$token\", \"output\": \"{\\\"done\\\": 1}\"}" "$url" >/dev/null
	wait
	check "the image serves --listen (GetActivityTask, SendTaskSuccess by curl)" \
		$(ok test "$(cat "$tmp/act.out")" = '{"done":1}')
fi

finish image
