#!/bin/sh
# run.sh CLANG BUILD_DIR SECONDS - build the libFuzzer target fuzz_check.c
# from the sources (clang -fsanitize=fuzzer,address,undefined), seed a corpus
# in a temporary folder from the conformance and golden definitions, fuzz for
# SECONDS, and exit non-zero on a crash, a leak or a timeout.  Findings are
# left in BUILD_DIR/fuzz-findings.  e.g.  tests/fuzz/run.sh clang-16 /tmp/bt 300
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/fuzz/common.sh"
fuzz_args fuzz_check fuzz-findings "$@"

# The front end, and the runtime's core.
fuzz_build "-ljson-c -lcrypto -lpcre2-8 -lm -lpthread" \
	"$SRC/tests/fuzz/fuzz_check.c" \
	"$SRC/compiler/load.c" "$SRC/compiler/diag.c" "$SRC/compiler/model.c" \
	"$SRC/compiler/check.c" "$SRC/compiler/check_expr.c" "$SRC/compiler/check_state.c" \
	"$SRC/compiler/types.c" "$SRC/compiler/types_flow.c" "$SRC/codegen/util.c"

CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
# Seeds: the definition of every validation case, and the golden tests'.
python3 - "$SRC" "$CORPUS" <<'PY'
import glob, json, os, sys
src, out = sys.argv[1], sys.argv[2]
n = 0
for path in sorted(glob.glob(os.path.join(src, "tests/conformance/validation/*.json"))):
    try:
        case = json.load(open(path, encoding="utf-8"))
        text = case["definition_text"] if "definition_text" in case else json.dumps(case["definition"], indent=2)
    except (ValueError, KeyError):
        text = open(path, encoding="utf-8", errors="replace").read()
    with open(os.path.join(out, "v%04d.json" % n), "w", encoding="utf-8") as f:
        f.write(text)
    n += 1
for pat in ("tests/compile/*.asl.json", "tests/types/*.asl.json"):
    for path in sorted(glob.glob(os.path.join(src, pat))):
        with open(path, "rb") as f, open(os.path.join(out, "g%04d.json" % n), "wb") as g:
            g.write(f.read())
        n += 1
print("%d seeds" % n, file=sys.stderr)
PY

# Diagnostics are printed (and discarded) so diag.c's printer is fuzzed too.
ASLC_FUZZ_PRINT=1 "$BIN" "$CORPUS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-max_total_time="$SECONDS_" -close_fd_mask=2 -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/"
