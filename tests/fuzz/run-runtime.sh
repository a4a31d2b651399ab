#!/bin/sh
# run-runtime.sh CLANG BUILD_DIR SECONDS - build the libFuzzer target
# fuzz_runtime.c (the executable's readers: input JSON, mock configs, JSONPath,
# intrinsics, JSONata), seed a corpus from the conformance execution cases and
# the hardening cases, fuzz for SECONDS, exit non-zero on a crash, a leak or a
# timeout.  Findings are left in BUILD_DIR/fuzz-runtime-findings; each one
# becomes a case of tests/hardening/cases.json.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/fuzz/common.sh"
fuzz_args fuzz_runtime fuzz-runtime-findings "$@"

fuzz_build "-ljson-c -lcrypto -lpcre2-8 -lm -lpthread" "$SRC/tests/fuzz/fuzz_runtime.c"

CORPUS=$(mktemp -d)
trap 'rm -rf "$CORPUS"' EXIT
python3 - "$SRC" "$CORPUS" <<'PY'
import glob, json, os, sys
src, out = sys.argv[1], sys.argv[2]
seeds = []
def strings(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, str) and k.endswith(".$"):
                yield x
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, str) and v.startswith("{%") and v.endswith("%}"):
        yield v
for path in sorted(glob.glob(os.path.join(src, "tests/conformance/execution/*.json"))):
    try:
        case = json.load(open(path, encoding="utf-8"))
    except ValueError:
        continue
    inp = case.get("input")
    text = inp if isinstance(inp, str) else json.dumps(inp)
    seeds.append(b"\x00" + text.encode())
    for s in strings(case.get("definition")):
        if s.startswith("{%"):
            seeds.append(b"\x04" + s[2:-2].strip().encode() + b"\n" + text.encode())
        elif s.startswith("States."):
            seeds.append(b"\x03" + s.encode() + b"\n" + text.encode())
        else:
            seeds.append(b"\x02" + s.encode() + b"\n" + text.encode())
for path in glob.glob(os.path.join(src, "samples/*/mocks.json")):
    seeds.append(b"\x01" + open(path, "rb").read())
for case in json.load(open(os.path.join(src, "tests/hardening/cases.json"), encoding="utf-8")):
    for name, body in case.get("files", {}).items():
        if name == "mocks.json":
            seeds.append(b"\x01" + body.encode("utf-8", "surrogateescape"))
    if "input" in case:
        seeds.append(b"\x00" + case["input"].encode("utf-8", "surrogateescape"))
seen = set()
for i, s in enumerate(seeds):
    if s in seen or len(s) > 65536:
        continue
    seen.add(s)
    open(os.path.join(out, "s%05d" % i), "wb").write(s)
print("%d seeds" % len(seen), file=sys.stderr)
PY

"$BIN" "$CORPUS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-max_total_time="$SECONDS_" -print_final_stats=1 \
	-artifact_prefix="$FINDINGS/"
