#!/bin/sh
# funclen.sh SOURCE_DIR [LIMIT]: fails on any function of compiler/, codegen/
# or runtime/ longer than LIMIT lines (default 120, from its opening to its
# closing brace) that tests/funclen.allow does not list with a reason.  A
# listed function that has become short is reported, so the list can shrink.
set -eu
src=$1
limit=${2:-120}
python3 - "$src" "$limit" <<'PY'
import os, re, sys
root, limit = sys.argv[1], int(sys.argv[2])
allow = {}
for line in open(os.path.join(root, "tests/funclen.allow"), encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    key, _, why = line.partition(" ")
    if not why.strip():
        sys.exit(f"tests/funclen.allow: {key} has no reason")
    allow[key] = why.strip()

def functions(path):
    """(name, lines) of each function: clang-format puts a definition's
    braces alone in column 0."""
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i] == "{":
            sig, j = "", i - 1
            while j >= 0 and lines[j] and not lines[j].startswith(("}", "/*", " *", "#")):
                sig = lines[j] + " " + sig
                j -= 1
            k = i + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            m = re.search(r"(\w+)\s*\(", sig)
            if m and "=" not in sig.split("(")[0]:
                yield m.group(1), k - i + 1
            i = k
        i += 1

long, seen = [], set()
for top in ("compiler", "codegen", "runtime"):
    for dp, _, files in sorted(os.walk(os.path.join(root, top))):
        for f in sorted(files):
            if f.endswith(".c"):
                rel = os.path.relpath(os.path.join(dp, f), root)
                for name, n in functions(os.path.join(dp, f)):
                    key = f"{rel}:{name}"
                    if n > limit:
                        seen.add(key)
                        if key not in allow:
                            long.append((n, key))
for n, key in sorted(long, reverse=True):
    print(f"FAIL {key}: {n} lines (over {limit}; split it, or list it in tests/funclen.allow with the reason)")
for key in sorted(set(allow) - seen):
    print(f"note: {key} is listed in tests/funclen.allow but no longer over {limit} lines")
print(f"{len(seen) - len(long)} passed, {len(long)} failed")
sys.exit(1 if long else 0)
PY
