#!/bin/sh
# The Debian package on a fresh Debian 12: make a minimal root with
# mmdebstrap, `apt-get install ./aslc_*.deb` in it (apt fetches the
# dependencies from Debian's mirror), build and run a workflow there.
# Needs root, mmdebstrap and Debian's mirror, so it runs only when asked:
# ASLC_TEST_FRESH_DEBIAN=1 (exit 77, skipped, otherwise).
# usage: deb-fresh.sh BUILD_DIR SOURCE_DIR
set -u
build=$(realpath "$1")
src=$(realpath "$2")
if [ "${ASLC_TEST_FRESH_DEBIAN:-0}" != 1 ]; then
	echo "skipping: set ASLC_TEST_FRESH_DEBIAN=1 to install the .deb in a fresh Debian 12 root"
	exit 77
fi
if [ "$(id -u)" != 0 ] || ! command -v mmdebstrap >/dev/null; then
	echo "skipping: needs root and mmdebstrap (apt-get install mmdebstrap)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set -e
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >/dev/null)
mmdebstrap --quiet --variant=apt --mode=root bookworm "$tmp/root"
cp "$tmp"/pkg/aslc_*.deb "$tmp/root/tmp/aslc.deb"
cp /etc/resolv.conf "$tmp/root/etc/resolv.conf"
mkdir "$tmp/root/tmp/s"
cp "$src"/samples/loan-approval/* "$src/tests/ship/loan.asl.yaml" "$tmp/root/tmp/s/"
chroot "$tmp/root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/aslc.deb' >"$tmp/apt.log" 2>&1 ||
	{ tail -20 "$tmp/apt.log"; exit 1; }
# /proc is not mounted: aslc finds its runtime through argv[0].
out=$(chroot "$tmp/root" sh -c 'cd /tmp/s && aslc build loan.asl.json -o loan && ./loan --clock virtual <input.json')
test "$out" = "$(cat "$src/samples/loan-approval/expected.json")"
echo "testing apt-get install ./aslc.deb and aslc build in a fresh Debian 12 ... passed"
out=$(chroot "$tmp/root" sh -c 'cd /tmp/s && aslc build loan.asl.json -o s --backend llvm --static && ./s --clock virtual <input.json')
test "$out" = "$(cat "$src/samples/loan-approval/expected.json")"
echo "testing aslc build --static --backend llvm there ... passed"
