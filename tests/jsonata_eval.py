#!/usr/bin/env python3
"""JSONata's own test suite through `aslc eval`.

  jsonata_eval.py ASLC [SUITE_DIR] [--jobs N] [--every N]

Every case goes through one `aslc eval --batch` process (a process a case
takes about 60 ms, most of it loading libLLVM, so 1,600 of them take one to
two minutes); every Nth case (--every, default 20; 1 for all) also runs as
its own `aslc eval --jsonata EXPR [--input F] [--variables F]` process, whose
stdout, exit status and last stderr line must give the same verdict.

The cases in scope are those of tests/unit/test_jsonata.c (the same skips:
cases jsonata 2.0.6 itself fails, the two formatNumber files it loops on,
$eval), judged against the same tests/jsonata/known-failures.txt: a case
that fails without a line there, or passes with one, fails this test.  So
the command line and the library agree case for case.  Prints the failures
per group and `N passed, N failed`.
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "conformance"))
from run import same_json  # noqa: E402  JSON equality as the conformance runner judges it


def cases(suite):
    """(group, file, index, case, group dir) of every case in scope."""
    known = {(k["group"], k["file"], k["index"])
             for k in json.load(open(os.path.join(suite, "jsonata-2.0.6-failures.json")))}
    groups = os.path.join(suite, "groups")
    for g in sorted(os.listdir(groups)):
        gdir = os.path.join(groups, g)
        for f in sorted(os.listdir(gdir)):
            if not f.endswith(".json") or f.startswith("."):
                continue
            text = open(os.path.join(gdir, f)).read()
            try:
                doc = json.loads(text)
                json.dumps(doc, ensure_ascii=False).encode("utf-8")
            except (ValueError, UnicodeEncodeError):
                # a lone UTF-16 surrogate: the strict JSON reader of
                # test_jsonata.c (and of the executable) refuses the file
                continue
            for i, c in enumerate(doc if isinstance(doc, list) else [doc]):
                if g == "function-eval" or (g == "function-formatNumber" and f in ("issue785.json", "issue786.json")):
                    continue
                if (g, f, i) in known:
                    continue
                if "expr" in c:
                    expr = c["expr"]
                elif "expr-file" in c:
                    expr = open(os.path.join(gdir, c["expr-file"])).read()
                else:
                    continue
                if "$eval(" in expr:
                    continue
                yield g, f, i, c, expr


def judge(c, kind, value):
    """(ok, why) of an answer: kind is result, undefined or error (value: the code)."""
    want_code = c.get("code") or (c["error"].get("code", "") if isinstance(c.get("error"), dict) else None)
    if want_code is not None:
        return kind == "error" and (want_code == "" or value == want_code), "got %s %s" % (kind, json.dumps(value))
    if kind == "error":
        return False, "error %s" % value
    if c.get("undefinedResult"):
        return kind == "undefined", "got %s" % json.dumps(value)
    if "result" in c:
        return kind == "result" and same_json(value, c["result"]), "got %s" % json.dumps(value)
    return False, "no expectation"


def batch_request(suite, c, expr):
    req = {"jsonata": expr}
    if "data" in c:
        req["input"] = c["data"]
    elif c.get("dataset"):
        req["input"] = json.load(open(os.path.join(suite, "datasets", c["dataset"] + ".json")))
    if isinstance(c.get("bindings"), dict):
        req["variables"] = c["bindings"]
    for k in ("depth", "timelimit"):
        if k in c:
            req[k] = c[k]
    return json.dumps(req)


def run_case(aslc, suite, tmp, key, c, expr):
    args = [aslc, "eval", "--jsonata", expr]
    n = abs(hash(key))
    if "data" in c or c.get("dataset"):
        path = os.path.join(tmp, "in%d.json" % n)
        if "data" in c:
            json.dump(c["data"], open(path, "w"))
        else:
            path = os.path.join(suite, "datasets", c["dataset"] + ".json")
        args += ["--input", path]
    if isinstance(c.get("bindings"), dict):
        path = os.path.join(tmp, "vars%d.json" % n)
        json.dump(c["bindings"], open(path, "w"))
        args += ["--variables", path]
    if "depth" in c:
        args += ["--depth", str(c["depth"])]
    if "timelimit" in c:
        args += ["--time-limit", str(c["timelimit"])]
    try:
        # a lone surrogate cannot be UTF-8 in argv: U+FFFD, as the JSON reader makes it
        args = ["".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in x) for x in args]
        p = subprocess.run(args, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False, "timed out"
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    if p.returncode == 1 and err:
        try:
            return judge(c, "error", json.loads(err[-1])["code"])
        except (ValueError, KeyError):
            return False, "last stderr line is not an error object: %s" % err[-1]
    if p.returncode != 0:
        return False, "exit %d: %s" % (p.returncode, err[-1] if err else "")
    if out == "":
        return judge(c, "undefined", None)
    try:
        return judge(c, "result", json.loads(out))
    except ValueError:
        return False, "not JSON: %r" % out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aslc")
    ap.add_argument("suite", nargs="?", default=os.path.join(HERE, "jsonata"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--every", type=int, default=20)
    a = ap.parse_args()
    listed = {}
    for line in open(os.path.join(a.suite, "known-failures.txt")):
        if line.strip() and not line.startswith("#"):
            k, _, why = line.rstrip("\n").partition(" ")
            listed[k] = why
    results = {}
    per_group = {}
    todo = list(cases(a.suite))
    keys = ["%s/%s[%d]" % (g, f, i) for g, f, i, _, _ in todo]
    reqs = "".join(batch_request(a.suite, c, expr) + "\n" for _, _, _, c, expr in todo)
    p = subprocess.run([a.aslc, "eval", "--batch"], input=reqs.encode(), capture_output=True,
                       timeout=600)
    answers = p.stdout.decode().splitlines()
    if p.returncode != 0 or len(answers) != len(todo):
        print("aslc eval --batch: exit %d, %d answers for %d requests: %s"
              % (p.returncode, len(answers), len(todo), p.stderr.decode()[-500:]))
        sys.exit(1)
    for key, (g, _, _, c, _), line in zip(keys, todo, answers):
        ans = json.loads(line)
        if "error" in ans:
            results[key] = judge(c, "error", ans["error"]["code"])
        elif ans.get("undefined"):
            results[key] = judge(c, "undefined", None)
        else:
            results[key] = judge(c, "result", ans["result"])
        pg = per_group.setdefault(g, [0, 0])
        pg[0 if results[key][0] else 1] += 1
    # the one-process-a-case contract, on a sample: the same verdicts
    disagree = 0
    with tempfile.TemporaryDirectory() as tmp, cf.ThreadPoolExecutor(a.jobs) as pool:
        futs = {pool.submit(run_case, a.aslc, a.suite, tmp, key, c, expr): key
                for n, (key, (g, f, i, c, expr)) in enumerate(zip(keys, todo)) if n % a.every == 0}
        for fut in cf.as_completed(futs):
            key = futs[fut]
            ok, why = fut.result()
            if ok != results[key][0]:
                print("DISAGREE %s: --batch says %s, --jsonata says %s (%s)"
                      % (key, results[key][0], ok, why))
                disagree += 1
    print("%d cases also run one process each" % len(futs))
    bad = 0
    for key in sorted(results):
        ok, why = results[key]
        if not ok and key not in listed:
            print("FAILS and not listed in known-failures.txt: %s: %s" % (key, why))
            bad += 1
        elif ok and key in listed:
            print("PASSES but listed in known-failures.txt: %s" % key)
            bad += 1
    for key in sorted(set(listed) - set(results)):
        print("listed in known-failures.txt but not an in-scope case: %s" % key)
        bad += 1
    for g in sorted(per_group):
        if per_group[g][1]:
            print("  %-32s %d failed, %d passed" % (g, per_group[g][1], per_group[g][0]))
    passed = sum(1 for ok, _ in results.values() if ok)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(1 if bad or disagree or not passed else 0)


if __name__ == "__main__":
    main()
