#!/bin/sh
# Install what aslc needs from Debian 12's packages. Idempotent: packages already
# present are skipped, and apt is not touched at all when nothing is missing.
# Run as root (or through sudo).
set -eu

# libyaml-dev: aslc reads YAML definitions (SAM, Serverless) through libyaml.
# libmbedtls-dev: TLS for the HTTP client built into static executables.
# libtsan2: gcc's ThreadSanitizer runtime (scripts/test.sh's TSan build).
# zlib1g-dev: zlib.h for the gzip-compressed S3 inventory files an ItemReader
# reads (libz.so.1 itself is loaded with dlopen, only where one is read).
PKGS="build-essential cmake ninja-build pkg-config python3 \
libjson-c-dev check libsubunit-dev \
llvm-16-dev libzstd-dev \
libssl-dev libpcre2-dev libsqlite3-dev valgrind clang-16 libclang-rt-16-dev lld clang-format \
libmicrohttpd-dev curl \
libgraphviz-dev libcurl4-openssl-dev \
libyaml-dev chromium libexpat1-dev libmbedtls-dev zlib1g-dev libtsan2"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
