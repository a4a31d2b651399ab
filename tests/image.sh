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
check "the image (OCI archive, compressed layers) is under 5 MB: $size bytes" $(ok test "$size" -lt 5000000)
unpacked=$($ASLC_PODMAN image inspect --format '{{.Size}}' "$tag")
echo "image unpacked: $unpacked bytes"
id1=$($ASLC_PODMAN image inspect --format '{{.Id}}' "$tag")
"$aslc" build "$sample/loan.asl.json" --image "$tag" >/dev/null 2>"$tmp/err"
id2=$($ASLC_PODMAN image inspect --format '{{.Id}}' "$tag")
check "the same definition gives the same image" $(ok test "$id1" = "$id2")
# shellcheck disable=SC2086
$ASLC_PODMAN run --rm $limits "$tag" --bogus >/dev/null 2>"$tmp/err"
check "the executable is the entrypoint (its usage error exits 2)" $(ok test $? = 2)

finish image
