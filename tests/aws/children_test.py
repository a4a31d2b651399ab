#!/usr/bin/env python3
"""A Distributed Map's iterations run as child executions, as in AWS:
each has its own name (a UUID) and ARN (<machine>/<Label> execution), its
own Context object ($$.Execution, $$.StateMachine), also in a Parallel
within it, and its own history (FILE's .children.jsonl with --history
FILE); the parent's history shows MapRunStarted/MapRunSucceeded instead of
the iterations' events; one failed child fails a Map Run that sets no
ToleratedFailure* with States.ExceedToleratedFailureThreshold; ItemReader
Athena manifests and Parquet are refused by name; a Distributed Map over a
JSON object's members ($$.Map.Item.Key).  Both backends; no server needed.

usage: children_test.py ASLC
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, summary  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
BASE = "arn:aws:states:us-east-1:123456789012"


def chain(events):
    return [(e["id"], e["previousEventId"], e["type"]) for e in events]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    aslc = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="aslc-children-")
    try:
        for backend in ("c", "llvm"):
            exe = os.path.join(tmp, "children")
            subprocess.run([aslc, "build", os.path.join(HERE, "children.asl.json"), "-o", exe, "--backend",
                            backend], check=True)
            hist = os.path.join(tmp, "h.json")
            p = subprocess.run([exe, "--history", hist], input='{"items":[1,"bad",{"a":2}]}',
                               capture_output=True, text=True, timeout=60)
            eq("workflow succeeds (%s)" % backend, (p.returncode, p.stderr), (0, ""))
            if p.returncode:
                continue
            out = json.loads(p.stdout)
            names = [o.get("name", "") for o in out]
            eq("child names are UUIDs (%s)" % backend,
               [bool(re.fullmatch(UUID, n)) for n in names], [True, False, True])
            eq("child Context objects (%s)" % backend, [out[0], out[1], out[2]], [
                {"id": "%s:execution:children/Rows:%s" % (BASE, names[0]), "name": names[0], "input": 1,
                 "machine": {"Id": BASE + ":stateMachine:children/Rows", "Name": "children/Rows"}},
                {"Error": "Bad", "Cause": "a bad item"},
                {"id": "%s:execution:children/Rows:%s" % (BASE, names[2]), "name": names[2], "input": {"a": 2},
                 "machine": {"Id": BASE + ":stateMachine:children/Rows", "Name": "children/Rows"}}])
            with open(hist) as f:
                events = json.load(f)["events"]
            eq("the parent's history (%s)" % backend, chain(events), [
                (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"),
                (4, 3, "MapRunStarted"), (5, 4, "MapRunSucceeded"), (6, 5, "MapStateSucceeded"),
                (7, 4, "MapStateExited"), (8, 7, "ExecutionSucceeded")])
            arn = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
            eq("the Map Run's ARN (%s)" % backend,
               bool(re.fullmatch(re.escape(BASE + ":mapRun:children/Rows:") + UUID, arn)), True)
            with open(os.path.join(tmp, "h.children.jsonl")) as f:
                kids = sorted((json.loads(line) for line in f), key=lambda k: len(k["events"]))
            eq("one history per child (%s)" % backend,
               [(k["mapRunArn"] == arn, k["executionArn"].rsplit(":", 1)[1] in names) for k in kids],
               [(True, False), (True, True), (True, True)])
            eq("a failed child's history (%s)" % backend, chain(kids[0]["events"]), [
                (1, 0, "ExecutionStarted"), (2, 0, "ChoiceStateEntered"), (3, 2, "ChoiceStateExited"),
                (4, 3, "FailStateEntered"), (5, 4, "ExecutionFailed")])
            eq("its error (%s)" % backend, kids[0]["events"][4]["executionFailedEventDetails"],
               {"error": "Bad", "cause": "a bad item"})
            eq("a child's history (%s)" % backend, chain(kids[1]["events"]), [
                (1, 0, "ExecutionStarted"), (2, 0, "ChoiceStateEntered"), (3, 2, "ChoiceStateExited"),
                (4, 3, "ParallelStateEntered"), (5, 4, "ParallelStateStarted"), (6, 5, "PassStateEntered"),
                (7, 6, "PassStateExited"), (8, 7, "ParallelStateSucceeded"), (9, 7, "ParallelStateExited"),
                (10, 9, "ExecutionSucceeded")])
            eq("the failed child's input (%s)" % backend,
               kids[0]["events"][0]["executionStartedEventDetails"]["input"], '"bad"')
            os.unlink(os.path.join(tmp, "h.children.jsonl"))
            # Without ToleratedFailure*, the threshold is 0 (developer guide,
            # "Tolerated failure threshold for Distributed Map state"): one
            # failed child fails the Map Run and the Map with
            # States.ExceedToleratedFailureThreshold, not the child's error.
            exe = os.path.join(tmp, "threshold")
            subprocess.run([aslc, "build", os.path.join(HERE, "threshold.asl.json"), "-o", exe, "--backend",
                            backend], check=True)
            p = subprocess.run([exe, "--history", hist], input='{"items":[1,"bad",2]}',
                               capture_output=True, text=True, timeout=60)
            eq("a failed child, no threshold set (%s)" % backend, (p.returncode, p.stderr, json.loads(p.stdout or "0")),
               (0, "", {"items": [1, "bad", 2], "caught": {
                      "Error": "States.ExceedToleratedFailureThreshold",
                      "Cause": "The specified tolerated failure threshold was exceeded"}}))
            with open(hist) as f:
                types = [e["type"] for e in json.load(f)["events"]]
            eq("its Map Run fails (%s)" % backend, types[3:6], ["MapRunStarted", "MapRunFailed", "MapStateFailed"])
            p = subprocess.run([exe], input='{"items":[1,2]}', capture_output=True, text=True, timeout=60)
            eq("no failed child (%s)" % backend, (p.returncode, p.stdout.strip()), (0, "[1,2]"))
            os.unlink(os.path.join(tmp, "h.children.jsonl"))
        # EXPRESS children are Express executions: ARN ...:express:
        # MACHINE/LABEL:NAME:UUID (an Express execution's ARN form), the
        # same in $$.Execution.Id and in the ResultWriter's records.
        with open(os.path.join(HERE, "children.asl.json")) as f:
            d = json.load(f)
        rows = d["States"]["Rows"]
        rows["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
        rows["ResultWriter"] = {"WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}}
        src = os.path.join(tmp, "express.asl.json")
        with open(src, "w") as f:
            json.dump(d, f)
        for backend in ("c", "llvm"):
            exe = os.path.join(tmp, "express")
            subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend, "--name", "children"],
                           check=True)
            p = subprocess.run([exe], input='{"items":[1,"bad",{"a":2}]}', capture_output=True, text=True,
                               timeout=60)
            eq("EXPRESS children succeed (%s)" % backend, (p.returncode, p.stderr), (0, ""))
            if p.returncode:
                continue
            records = json.loads(p.stdout)
            arn = re.escape(BASE + ":express:children/Rows:") + "(%s):%s" % (UUID, UUID)
            got = []
            for r in records:
                m = re.fullmatch(arn, r["ExecutionArn"])
                out = json.loads(r.get("Output", "{}"))
                got.append((r["Status"], bool(m) and m.group(1) == r["Name"],
                            out.get("id") == r["ExecutionArn"], out.get("name", r["Name"]) == r["Name"],
                            r["StateMachineArn"]))
            eq("EXPRESS children's ARNs, Context objects and records (%s)" % backend, got,
               [("SUCCEEDED", True, True, True, BASE + ":stateMachine:children/Rows")] * 2 +
               [("FAILED", True, False, True, BASE + ":stateMachine:children/Rows")])
        # ItemReader forms this runtime does not read fail by name, before
        # any S3 call (no server needed): never read as something else.
        refused = {
            "PARQUET": ({"InputType": "PARQUET"}, "ReaderConfig.InputType PARQUET is not supported by this "
                        "runtime (it links no Parquet library)"),
            "ATHENA": ({"InputType": "CSV", "ManifestType": "ATHENA_DATA"}, "ReaderConfig.ManifestType "
                       "ATHENA_DATA is not supported by this runtime (Athena data manifests are not read)"),
        }
        for name, (cfg, cause) in refused.items():
            d = {"StartAt": "M", "States": {"M": {
                "Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": cfg,
                                              "Parameters": {"Bucket": "b", "Key": "k"}},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                  "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True}}}
            src = os.path.join(tmp, "refused.asl.json")
            with open(src, "w") as f:
                json.dump(d, f)
            exe = os.path.join(tmp, "refused")
            subprocess.run([aslc, "build", src, "-o", exe], check=True)
            p = subprocess.run([exe], input="{}", capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, AWS_EC2_METADATA_DISABLED="true"))
            last = json.loads(p.stderr.strip().splitlines()[-1]) if p.stderr.strip() else {}
            eq("ItemReader %s refused" % name, (p.returncode, last.get("Error"), last.get("Cause")),
               (1, "States.ItemReaderFailed", cause + "; it reads CSV, JSON and JSONL objects, S3 inventory manifests and S3 listings"))
        # A Distributed Map over a JSON object: an iteration per member, in
        # document order, $$.Map.Item {Index, Key, Value, Source} (guide:
        # input-output-itemspath, input-output-contextobject).  The pair's
        # own shape as an input is undocumented: no ItemSelector fails by
        # name.  An inline Map still refuses an object, as AWS does.
        proc = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
        jsonpath = {"StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemsPath": "$.cfg", "ItemProcessor": proc, "End": True,
            "ItemSelector": {"k.$": "$$.Map.Item.Key", "v.$": "$$.Map.Item.Value", "item.$": "$$.Map.Item"}}}}
        jsonata = {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
            "Type": "Map", "Items": "{% $states.input.cfg %}", "ItemProcessor": proc, "End": True,
            "ItemSelector": {"k": "{% $states.context.Map.Item.Key %}",
                             "i": "{% $states.context.Map.Item.Index %}",
                             "v": "{% $states.context.Map.Item.Value %}"}}}}
        bare = json.loads(json.dumps(jsonpath))
        del bare["States"]["M"]["ItemSelector"]
        inline = json.loads(json.dumps(jsonpath))
        inline["States"]["M"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "INLINE"}
        prefix = "An error occurred while executing the state 'M' (entered at the event id #2). "
        cases = [
            ("JSONPath", jsonpath, 0, '[{"k":"b","v":2,"item":{"Index":0,"Key":"b","Value":2,'
             '"Source":"STATE_DATA"}},{"k":"a","v":{"x":1},"item":{"Index":1,"Key":"a",'
             '"Value":{"x":1},"Source":"STATE_DATA"}}]', None),
            ("JSONata", jsonata, 0, '[{"k":"b","i":0,"v":2},{"k":"a","i":1,"v":{"x":1}}]', None),
            ("no ItemSelector", bare, 1, "", {"Error": "States.Runtime", "Cause": prefix +
             "A Distributed Map over a JSON object needs an ItemSelector (from $$.Map.Item.Key and "
             "$$.Map.Item.Value): the input of a key-value pair without one is not implemented"}),
            ("inline", inline, 1, "", {"Error": "States.Runtime", "Cause": prefix +
             'Map state input must be an array but was: {"b":2,"a":{"x":1}}'}),
        ]
        for name, d, rc, out, err in cases:
            src = os.path.join(tmp, "object.asl.json")
            with open(src, "w") as f:
                json.dump(d, f)
            for backend in ("c", "llvm"):
                exe = os.path.join(tmp, "object")
                subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend], check=True)
                p = subprocess.run([exe], input='{"cfg":{"b":2,"a":{"x":1}}}', capture_output=True,
                                   text=True, timeout=60)
                last = json.loads(p.stderr.strip().splitlines()[-1]) if p.stderr.strip() else None
                eq("Map over an object, %s (%s)" % (name, backend),
                   (p.returncode, p.stdout.strip(), last), (rc, out, err))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
