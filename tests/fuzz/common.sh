# shellcheck shell=sh disable=SC2034
# common.sh - sourced by the fuzz runners (run.sh, run_aws.sh,
# run-runtime.sh): their arguments, and the clang command line every target
# is built with.  Before sourcing, a runner sets SRC (the source tree).

# fuzz_args TARGET FINDINGS "$@": CLANG BUILD SECONDS_ from the runner's
# arguments, BIN the target's path, FINDINGS made under BUILD.
fuzz_args() {
	target=$1 findings=$2
	shift 2
	if [ $# -ne 3 ]; then
		echo "usage: $0 CLANG BUILD_DIR SECONDS" >&2
		exit 2
	fi
	CLANG=$1 BUILD=$2 SECONDS_=$3
	FINDINGS=$BUILD/$findings
	mkdir -p "$FINDINGS"
	BIN=$BUILD/$target
}

# fuzz_build "LIBS" SOURCES...: the target from SOURCES and the runtime's core
# (the list in runtime/CMakeLists.txt), instrumented for libFuzzer, ASan and
# UBSan, linked with LIBS.
fuzz_build() {
	libs=$1
	shift
	# shellcheck disable=SC2046,SC2086
	"$CLANG" -g -O1 -std=c11 -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer \
		-I"$SRC/compiler" -I"$SRC/codegen" -I"$SRC/runtime" -isystem /usr/include/json-c \
		"$@" $(sh "$SRC/tests/fuzz/core-sources.sh" "$SRC") $libs -o "$BIN"
}
