#!/usr/bin/env python3
"""`aslc eval`'s command line: its contract on exact examples, then
`aslc eval --state` against the conformance cases recorded on AWS.

  eval_cli.py ASLC EXECUTION_CASES_DIR

Every case whose machine is one Pass or Task state is simulated with the
case's input and context (a Task's result is its mock for the first call):
the last step of the data flow must be the execution's recorded output, or,
for a failed execution, the error code on the last line of stderr must be
the recorded error.  Cases whose Task is mocked to throw, or that need more
than one state's data flow (retries, waits for a callback), are left out.
Prints one FAIL line per disagreement and a count; exits 1 on any.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "conformance"))
from run import same_json  # noqa: E402  JSON equality as the conformance runner judges it


def single_state(case):
    d = case.get("definition")
    if not isinstance(d, dict) or not isinstance(d.get("States"), dict) or len(d["States"]) != 1:
        return None
    (name, st), = d["States"].items()
    if not isinstance(st, dict) or st.get("Type") not in ("Pass", "Task") or not st.get("End"):
        return None
    if st.get("Type") == "Task":
        if st.get("Retry") or st.get("Catch"):
            return None
        m = (case.get("mocks") or {}).get(name) or {}
        first = m.get("0") or next((v for k, v in m.items() if k.split("-")[0] == "0"), None)
        if not isinstance(first, dict) or "Return" not in first:
            return None
    return name, st


def contract(aslc, tmp):
    """Exact stdout, exit status and last stderr line of a few commands."""
    def write(name, value):
        path = os.path.join(tmp, name)
        json.dump(value, open(path, "w"))
        return path
    inp = write("in.json", {"a": [1, 2, 3], "b": {"c": "x"}})
    var = write("vars.json", {"v": 40})
    ctx = write("ctx.json", {"Execution": {"Name": "e1"}})
    machine = write("m.asl.json", {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "InputPath": "$.b", "Parameters": {"k.$": "$.c"},
        "ResultPath": "$.r", "OutputPath": "$.r", "End": True}}})
    # ResultPath writes into the state's raw input, not InputPath's selection
    checks = [
        (["--jsonata", "$sum(a) + $v", "--input", inp, "--variables", var], "46\n", 0, None),
        (["--jsonata", "nothing", "--input", inp], "", 0, None),
        (["--jsonata", "$"], "", 0, None),
        (["--jsonata", "$formatInteger(1234, '#,##0')"], '"1,234"\n', 0, None),
        (["--jsonata", "1 + 'a'"], "", 1,
         {"code": "T2002", "message": "The right side of the + operator must evaluate to a number",
          "position": 2}),
        (["--jsonata", "(1 +"], "", 1,
         {"code": "S0207", "message": "Unexpected end of expression", "position": 4}),
        (["--jsonpath", "$.b.c", "--input", inp], '"x"\n', 0, None),
        (["--jsonpath", "$.nope", "--input", inp], "", 1,
         {"code": "States.Runtime", "message": "Invalid path '$.nope' : No results for path: $['nope']"}),
        (["--jsonpath", '{"x.$": "$.a[1]", "n.$": "States.ArrayLength($.a)", "e.$": "$$.Execution.Name", "l": 1}',
          "--input", inp, "--context", ctx], '{"x":2,"n":3,"e":"e1","l":1}\n', 0, None),
        (["--state", machine, "--name", "P", "--input", inp],
         '{"InputPath":{"c":"x"},"Parameters":{"k":"x"},"Result":{"k":"x"},'
         '"ResultPath":{"a":[1,2,3],"b":{"c":"x"},"r":{"k":"x"}},"OutputPath":{"k":"x"}}\n', 0, None),
        (["--state", machine, "--name", "Nope"], "", 2, None),
        (["--jsonata", "1", "--context", ctx], "", 2, None),
    ]
    bad = 0
    for args, out, status, err in checks:
        p = subprocess.run([aslc, "eval"] + args, capture_output=True, text=True, timeout=30)
        last = (p.stderr.strip().splitlines() or [""])[-1]
        ok = p.stdout == out and p.returncode == status
        if err is not None:
            try:
                ok = ok and json.loads(last) == err
            except ValueError:
                ok = False
        if not ok:
            bad += 1
            print("FAIL aslc eval %s: stdout %r, exit %d, stderr %r" % (" ".join(args), p.stdout,
                                                                        p.returncode, last))
    return len(checks) - bad, bad


def main():
    aslc, cases = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        passed, failed = contract(aslc, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(os.listdir(cases)):
            if not f.endswith(".json"):
                continue
            case = json.load(open(os.path.join(cases, f)))
            found = single_state(case)
            if not found:
                continue
            name, st = found
            machine = os.path.join(tmp, "machine.asl.json")
            json.dump(case["definition"], open(machine, "w"))
            args = [aslc, "eval", "--state", machine, "--name", name]
            for opt, value in (("--input", case.get("input", {})), ("--context", case.get("context"))):
                if value is not None:
                    path = os.path.join(tmp, opt[2:] + ".json")
                    json.dump(value, open(path, "w"))
                    args += [opt, path]
            if st["Type"] == "Task":
                m = case["mocks"][name]
                first = m.get("0") or next(v for k, v in m.items() if k.split("-")[0] == "0")
                path = os.path.join(tmp, "result.json")
                json.dump(first["Return"], open(path, "w"))
                args += ["--result", path]
            p = subprocess.run(args, capture_output=True, text=True, timeout=30)
            expect = case["expect"]
            why = None
            if expect["status"] == "SUCCEEDED":
                if p.returncode != 0:
                    why = "failed: " + (p.stderr.strip().splitlines() or [""])[-1]
                else:
                    steps = json.loads(p.stdout)
                    last = steps.get("OutputPath", steps.get("Output"))
                    if not same_json(last, expect["output"]):
                        why = "output %s, expected %s" % (json.dumps(last), json.dumps(expect["output"]))
            else:
                lines = p.stderr.strip().splitlines()
                try:
                    code = json.loads(lines[-1])["code"] if p.returncode == 1 else None
                except (IndexError, ValueError, KeyError):
                    code = None
                if code != expect.get("error"):
                    why = "error %s (exit %d), expected %s" % (code, p.returncode, expect.get("error"))
            if why:
                failed += 1
                print("FAIL %s: %s" % (f, why))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
