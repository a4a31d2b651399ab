#!/bin/sh
# run_http.sh CLANG BUILD_DIR SECONDS - build the libFuzzer target
# fuzz_http.c (the built-in HTTP server and client of static executables),
# seed a corpus with requests and responses (framed by length, chunked,
# truncated, oversized lines), fuzz for SECONDS, and exit non-zero on a
# crash, a leak, a timeout or memory past 2 GB.  Findings go to
# BUILD_DIR/fuzz-http-findings.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/fuzz/common.sh"
fuzz_args fuzz_http fuzz-http-findings "$@"

fuzz_build "-ljson-c -lcrypto -lpcre2-8 -lm -lpthread -ldl -lmbedtls -lmbedx509 -lmbedcrypto" \
	"$SRC/tests/fuzz/fuzz_http.c" "$SRC/runtime/builtin_mhd.c" "$SRC/runtime/builtin_curl.c"

CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
printf '%b' 'POST / HTTP/1.1\r\nHost: x\r\nX-Target: a\r\nContent-Length: 2\r\n\r\n{}' >"$CORPUS/post"
printf '%b' 'POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nab' >"$CORPUS/expect"
printf '%b' 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n' >"$CORPUS/chunkreq"
printf '%b' 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' >"$CORPUS/length"
printf '%b' 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nab\r\n1\r\nc\r\n0\r\nT: 1\r\n\r\n' >"$CORPUS/chunked"
printf '%b' 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n' >"$CORPUS/continue"
printf '%b' 'HTTP/1.0 200 OK\r\n\r\nto the end' >"$CORPUS/eof"
printf '%b' 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc' >"$CORPUS/truncated"
{ printf 'HTTP/1.1 200 OK\r\nX-Long: '; head -c 9000 /dev/zero | tr '\0' 'a'; printf '\r\n\r\n'; } >"$CORPUS/longline"

"$BIN" "$CORPUS" -max_len=70000 -timeout=20 -rss_limit_mb=2048 \
	-max_total_time="$SECONDS_" -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/"
