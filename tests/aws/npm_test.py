#!/usr/bin/env python3
"""AWS integrations through executables of both backends against the npm
servers: dynalite (DynamoDB), s3rver (S3, REST-XML) and local-aws-sqs (SQS),
each started on a free 127.0.0.1 port and stopped by this test, each
addressed by its own AWS_ENDPOINT_URL_<SERVICE>.

usage: npm_test.py ASLC [SECTION...]

With SECTIONs (export_memory, inventory, json_reader, download_stop,
batch_export) only those run, after the servers start.

The servers come from tests/aws/npm (package.json, package-lock.json;
`npm ci --prefix tests/aws/npm`, which scripts/test.sh runs where npm
exists).  Exits 77 (skipped) when node or those modules are absent.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, summary  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NPM = os.path.join(HERE, "npm")
BIN = os.path.join(NPM, "node_modules", ".bin")
SKIP = 77
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc):
    for _ in range(150):
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def exported(s3, key):
    """A ResultWriter export's manifest and its SUCCEEDED records, in the
    order of its files, each file's size checked against the manifest."""
    manifest = json.loads(s3.get_object(Bucket="my-bucket", Key=key)["Body"].read())
    records = []
    for f in manifest["ResultFiles"]["SUCCEEDED"]:
        body = s3.get_object(Bucket="my-bucket", Key=f["Key"])["Body"].read()
        eq("result file %s: its size" % f["Key"].rsplit("/", 1)[1], len(body), f["Size"])
        records += json.loads(body)
    return manifest, records


def export_memory(aslc, s3, env, tmp):
    """A Distributed Map with a ResultWriter runs its items in windows: peak
    RSS for 100,000 rows stays that of 10,000 (all results held, it grew by
    about 1 KiB a row), and the results written back are exact."""
    exe = os.path.join(tmp, "export-c")
    subprocess.run([aslc, "build", os.path.join(HERE, "export.asl.json"), "-o", exe], check=True)
    rss = {}
    for n in (10000, 100000):
        key = "rows-%d.csv" % n
        s3.put_object(Bucket="my-bucket", Key=key,
                      Body=("id,n\n" + "".join("r%d,%d\n" % (i, i) for i in range(n))).encode())
        code = ("import json,resource,subprocess,sys;"
                "p=subprocess.run([sys.argv[1]],input=sys.argv[2].encode(),capture_output=True);"
                "print(json.dumps([p.returncode,p.stdout.decode(),p.stderr.decode()[-300:],"
                "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
        # Under ASan (the sanitizer build) freed memory waits in a quarantine
        # that RSS would count: none here; other builds ignore the variable.
        asan = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "quarantine_size_mb=0",
                                      "thread_local_quarantine_size_kb=0"]))
        p = subprocess.run([sys.executable, "-c", code, exe, json.dumps({"bucket": "my-bucket", "key": key})],
                           capture_output=True, text=True, env=dict(env, ASAN_OPTIONS=asan), timeout=300)
        rc, out, err, rss[n] = json.loads(p.stdout)
        eq("export of %d rows succeeds" % n, (rc, err), (0, ""))
        if rc:
            return
        result = json.loads(out)
        manifest, records = exported(s3, result["ResultWriterDetails"]["Key"])
        eq("export of %d rows: %d files, no failures" % (n, len(manifest["ResultFiles"]["SUCCEEDED"])),
           (manifest["ResultFiles"]["FAILED"], manifest["ResultFiles"]["PENDING"]), ([], []))
        eq("export of %d rows: every record, in order" % n,
           [(json.loads(r["Input"]), json.loads(r["Output"]), r["Status"]) for r in records],
           [({"id": "r%d" % i, "i": i}, {"row": "r%d" % i, "n": str(i)}, "SUCCEEDED") for i in range(n)])
    # Items from the input (no ItemReader): the same files, written at the end.
    exe = os.path.join(tmp, "export-items")
    subprocess.run([aslc, "build", os.path.join(HERE, "export_items.asl.json"), "-o", exe], check=True)
    p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "items": [1, "bad", {"a": 2}]}),
                       capture_output=True, text=True, env=env, timeout=60)
    eq("export of input items succeeds", (p.returncode, p.stderr[-300:]), (0, ""))
    if p.returncode == 0:
        key = json.loads(p.stdout)["ResultWriterDetails"]["Key"]
        run_id = key.split("/")[1]
        manifest = json.loads(s3.get_object(Bucket="my-bucket", Key=key)["Body"].read())
        files = {k: [(f["Key"], f["Size"]) for f in v] for k, v in manifest["ResultFiles"].items()}
        bodies = {k: s3.get_object(Bucket="my-bucket", Key=v[0][0])["Body"].read() for k, v in files.items() if v}
        eq("export of input items: JSONL files (key, size)", files, {
            "FAILED": [("items/%s/FAILED_0.jsonl" % run_id, len(bodies.get("FAILED", b"")))], "PENDING": [],
            "SUCCEEDED": [("items/%s/SUCCEEDED_0.jsonl" % run_id, len(bodies.get("SUCCEEDED", b"")))]})
        lines = {k: [json.loads(l) for l in v.decode().splitlines()] for k, v in bodies.items()}
        eq("export of input items: records", (
            [(r["Input"], r["Output"], r["Status"]) for r in lines["SUCCEEDED"]],
            [(r["Input"], r["Error"], r["Cause"], r["Status"], "Output" in r) for r in lines["FAILED"]]),
            ([("1", "1", "SUCCEEDED"), ('{"a":2}', '{"a":2}', "SUCCEEDED")],
             [('"bad"', "Bad", "a bad item", "FAILED", False)]))
    print("     peak RSS with a ResultWriter: %d KiB (10,000 rows), %d KiB (100,000 rows)"
          % (rss[10000], rss[100000]))
    eq("peak RSS bounded by the window, not the rows", rss[100000] - rss[10000] < 24 * 1024, True)


def map_machine(reader_cfg, writer=None, batcher=None, selector=None, catch=False):
    """A Distributed Map over the object $.key of $.bucket, each child a Pass."""
    m = {"Type": "Map", "Label": "Items",
         "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": reader_cfg,
                        "Parameters": {"Bucket.$": "$.bucket", "Key.$": "$.key"}},
         "MaxConcurrency": 8,
         "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                           "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
         "End": True}
    if writer:
        m["ResultWriter"] = {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket.$": "$.bucket", "Prefix": writer}}
    if batcher:
        m["ItemBatcher"] = batcher
    if selector:
        m["ItemSelector"] = selector
    d = {"StartAt": "Items", "States": {"Items": m}}
    if catch:
        m["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
        d["States"]["Failed"] = {"Type": "Pass", "End": True}
    return d


def build(aslc, tmp, name, d, backend="c"):
    src = os.path.join(tmp, name + ".asl.json")
    with open(src, "w") as f:
        json.dump(d, f)
    exe = os.path.join(tmp, "%s-%s" % (name, backend))
    subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend], check=True)
    return exe


def measured(exe, env, inp):
    """Its exit, stdout, stderr tail and peak RSS (KiB), run from a fresh
    Python so that RUSAGE_CHILDREN is the executable's alone (ASan's
    quarantine, which RSS would count, off)."""
    code = ("import json,resource,subprocess,sys;"
            "p=subprocess.run([sys.argv[1]],input=sys.argv[2].encode(),capture_output=True);"
            "print(json.dumps([p.returncode,p.stdout.decode(),p.stderr.decode()[-300:],"
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    asan = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "quarantine_size_mb=0",
                                  "thread_local_quarantine_size_kb=0"]))
    p = subprocess.run([sys.executable, "-c", code, exe, json.dumps(inp)], capture_output=True, text=True,
                       env=dict(env, ASAN_OPTIONS=asan), timeout=600)
    return json.loads(p.stdout)


def json_reader(aslc, s3, env, tmp):
    """ItemReader InputType JSON streams the array an element at a time:
    MaxItems 5 of a 25 MB object costs what it costs of a small one, an
    export of 100,000 elements runs in windows within the bound of 10,000,
    ItemsPointer reaches a nested array past other members, and malformed
    objects fail with States.ItemReaderFailed and exact causes."""
    elem = lambda i: {"id": "r%d" % i, "n": i, "pad": "x" * 200}
    for n in (10000, 100000):
        s3.put_object(Bucket="my-bucket", Key="arr-%d.json" % n,
                      Body=json.dumps([elem(i) for i in range(n)]).encode())
    exe = build(aslc, tmp, "json-max", map_machine({"InputType": "JSON", "MaxItemsPath": "$.max"}))
    rss = {}
    for n in (10000, 100000):
        rc, out, err, rss[n] = measured(exe, env, {"bucket": "my-bucket", "key": "arr-%d.json" % n, "max": 5})
        eq("JSON, MaxItems 5 of %d elements" % n, (rc, err, json.loads(out) if rc == 0 else out),
           (0, "", [elem(i) for i in range(5)]))
    print("     peak RSS with MaxItems 5: %d KiB (2.3 MB JSON), %d KiB (23 MB JSON)" % (rss[10000], rss[100000]))
    eq("JSON: the download stops at MaxItems, RSS not proportional to the object",
       rss[100000] - rss[10000] < 3072, True)
    exe = build(aslc, tmp, "json-export", map_machine({"InputType": "JSON"}, writer="json-out",
                                                      selector={"id.$": "$$.Map.Item.Value.id",
                                                                "i.$": "$$.Map.Item.Index",
                                                                "src.$": "$$.Map.Item.Source"}))
    for n in (10000, 100000):
        rc, out, err, rss[n] = measured(exe, env, {"bucket": "my-bucket", "key": "arr-%d.json" % n})
        eq("JSON export of %d elements succeeds" % n, (rc, err), (0, ""))
        if rc:
            return
        _, records = exported(s3, json.loads(out)["ResultWriterDetails"]["Key"])
        eq("JSON export of %d elements: every record, in order" % n,
           [(json.loads(r["Output"]), r["Status"]) for r in records],
           [({"id": "r%d" % i, "i": i, "src": "S3://my-bucket/arr-%d.json" % n}, "SUCCEEDED")
               for i in range(n)])
    print("     peak RSS of a JSON export: %d KiB (10,000 elements), %d KiB (100,000 elements)"
          % (rss[10000], rss[100000]))
    eq("JSON export: peak RSS bounded by the window, not the elements",
       rss[100000] - rss[10000] < 24 * 1024, True)
    # $$.Map.Item.Source without an export: the object's S3 URI (the guide)
    exe = build(aslc, tmp, "json-source", map_machine({"InputType": "JSON", "MaxItems": 2},
                                                      selector={"s.$": "$$.Map.Item.Source",
                                                                "i.$": "$$.Map.Item.Index"}))
    p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "key": "arr-10000.json"}),
                       capture_output=True, text=True, env=env, timeout=60)
    eq("$$.Map.Item.Source of a JSON object's items", (p.returncode, p.stdout.strip()),
       (0, json.dumps([{"s": "S3://my-bucket/arr-10000.json", "i": i} for i in range(2)],
                         separators=(",", ":"))))
    # ItemsPointer past members before and after; malformed objects.
    s3.put_object(Bucket="my-bucket", Key="nested.json", Body=json.dumps(
        {"meta": {"rows": [9], "s": "]}[{"}, "data": {"rows": [{"a": 1}, [2], "three", 4.50]}, "z": [[]]}).encode())
    bad = {"notarray.json": b'{"a": [1]}', "trunc.json": b'[1, 2', "utf8.json": b'[{"a": "\xff"}]',
           "trailing.json": b'[1] [2]', "deep.json": b"[" * 1001 + b"]" * 1001,
           "huge.json": b'["' + b"x" * (8 << 20) + b'"]', "empty.json": b""}
    for k, v in bad.items():
        s3.put_object(Bucket="my-bucket", Key=k, Body=v)
    want = [
        ("nested.json", "/data/rows", [{"a": 1}, [2], "three", 4.50]),
        ("nested.json", "/data/rows/1", [2]),
        ("nested.json", "/data/none",
         "The provided ReaderConfig.ItemsPointer does not match any valid path in the JSON structure."),
        ("nested.json", "/meta/s", "Attempting to map over non-iterable node."),
        ("notarray.json", "", "Attempting to map over non-iterable node."),
        ("trunc.json", "", "The JSON file is not valid JSON: ',' or ']' expected in an array at offset 5"),
        ("utf8.json", "", "The JSON file is not valid JSON: invalid UTF-8 in a string at offset 8"),
        ("trailing.json", "", "The JSON file is not valid JSON: unexpected text after the JSON value at offset 4"),
        ("deep.json", "", "The JSON file is not valid JSON: nested deeper than 1000 levels at offset 1000"),
        ("huge.json", "", "The JSON file has a value longer than 8 MiB at offset 1, the most an item may be"),
        ("empty.json", "", "The JSON file is not valid JSON: empty input"),
    ]
    for backend in ("c", "llvm"):
        exes = {}
        got = []
        for key, ptr, _ in want:
            if ptr not in exes:
                cfg = {"InputType": "JSON"}
                if ptr:
                    cfg["ItemsPointer"] = ptr
                exes[ptr] = build(aslc, tmp, "json-ptr%d" % len(exes), map_machine(cfg, catch=True), backend)
            p = subprocess.run([exes[ptr]], input=json.dumps({"bucket": "my-bucket", "key": key}),
                               capture_output=True, text=True, env=env, timeout=60)
            out = json.loads(p.stdout) if p.returncode == 0 else (p.returncode, p.stderr[-300:])
            got.append(out if isinstance(out, list) else
                       out.get("Cause") if isinstance(out, dict) and out.get("Error") == "States.ItemReaderFailed"
                       else out)
        eq("JSON ItemsPointer and malformed objects (%s)" % backend, got, [w for _, _, w in want])


def download_stop(aslc, s3, env, tmp):
    """With a ResultWriter (the object goes to a temporary file, then is
    run in windows) MaxItems still stops the download: a stub S3 serves a
    64 MB JSON array and counts what it could send before the executable
    hung up; the 5 items are exported to it, exact."""
    import http.server
    import threading
    total = 64 << 20
    item = lambda i: ('{"i":%d,"pad":"%s"}' % (i, "x" * 40)).encode()
    state = {"sent": 0, "puts": {}}

    class Stub(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(total))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            sent, i, chunk = 0, 0, bytearray(b"[")
            try:
                while sent < total:
                    while len(chunk) < 65536:
                        chunk += (b"," if i else b"") + item(i)
                        i += 1
                    part = bytes(chunk[:total - sent - 1]) if sent + len(chunk) >= total else bytes(chunk)
                    if sent + len(part) == total - 1:
                        part += b"]"
                    self.wfile.write(part)
                    sent += len(part)
                    state["sent"] = sent
                    chunk = bytearray()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        def do_PUT(self):
            n = int(self.headers.get("Content-Length", "0"))
            state["puts"][self.path] = self.rfile.read(n)
            self.send_response(200)
            self.send_header("ETag", '"e"')
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        exe = build(aslc, tmp, "download-stop", map_machine({"InputType": "JSON", "MaxItems": 5}, writer="stop"))
        stub_env = dict(env, AWS_ENDPOINT_URL_S3="http://127.0.0.1:%d" % srv.server_address[1])
        p = subprocess.run([exe], input=json.dumps({"bucket": "b", "key": "big.json"}), capture_output=True,
                           text=True, env=stub_env, timeout=120)
        eq("MaxItems with an export succeeds", (p.returncode, p.stderr[-300:]), (0, ""))
        files = sorted(k for k in state["puts"] if "SUCCEEDED" in k)
        records = [json.loads(r["Output"]) for k in files for r in json.loads(state["puts"][k])]
        eq("MaxItems with an export: the 5 items exported", records,
           [{"i": i, "pad": "x" * 40} for i in range(5)])
        print("     the stub sent %d of %d bytes" % (state["sent"], total))
        eq("MaxItems with an export stops the download", state["sent"] < total // 4, True)
    finally:
        srv.shutdown()
        srv.server_close()


def batch_export(aslc, s3, env, tmp):
    """An ItemBatcher with a ResultWriter runs in windows too: 100,000 rows
    in batches of 100 within the RSS bound of 10,000, every batch exact;
    batches by bytes come out the same with and without the export (a
    batch that may take more items waits for the next window's)."""
    for n in (3000, 10000, 100000):
        s3.put_object(Bucket="my-bucket", Key="brows-%d.csv" % n,
                      Body=("id,n\n" + "".join("r%d,%d\n" % (i, i) for i in range(n))).encode())
    batcher = {"MaxItemsPerBatch": 100, "BatchInput": {"src.$": "$.bucket"}}
    exe = build(aslc, tmp, "batch-export", map_machine({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                                                       writer="batches", batcher=batcher))
    rss = {}
    for n in (10000, 100000):
        rc, out, err, rss[n] = measured(exe, env, {"bucket": "my-bucket", "key": "brows-%d.csv" % n})
        eq("batched export of %d rows succeeds" % n, (rc, err), (0, ""))
        if rc:
            return
        _, records = exported(s3, json.loads(out)["ResultWriterDetails"]["Key"])
        eq("batched export of %d rows: every batch, in order" % n,
           [json.loads(r["Output"]) for r in records],
           [{"BatchInput": {"src": "my-bucket"},
                "Items": [{"id": "r%d" % i, "n": str(i)} for i in range(b, b + 100)]} for b in range(0, n, 100)])
    print("     peak RSS of a batched export: %d KiB (10,000 rows), %d KiB (100,000 rows)"
          % (rss[10000], rss[100000]))
    eq("batched export: peak RSS bounded by the window, not the rows", rss[100000] - rss[10000] < 24 * 1024,
       True)
    # Batches of 8,000 at MaxConcurrency 8 would want windows of 72,000
    # items: capped at 65,536, a batch spans two windows and comes out whole.
    exe = build(aslc, tmp, "batch-big", map_machine({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                                                    writer="bigbatches", batcher={"MaxItemsPerBatch": 8000}))
    rc, out, err, _ = measured(exe, env, {"bucket": "my-bucket", "key": "brows-100000.csv"})
    _, records = exported(s3, json.loads(out)["ResultWriterDetails"]["Key"]) if rc == 0 else (None, [])
    eq("batches of 8,000 across capped windows: every batch whole, in order",
       (rc, err, [[it["id"] for it in json.loads(r["Output"])["Items"]] for r in records]),
       (0, "", [["r%d" % i for i in range(b, min(b + 8000, 100000))] for b in range(0, 100000, 8000)]))
    # ToleratedFailurePercentage counts child executions (batches), not
    # items: one failed batch of 30 is 3.3%.
    d = map_machine({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, writer="tolerated",
                    batcher={"MaxItemsPerBatch": 100}, catch=True)
    d["States"]["Items"]["ItemProcessor"]["StartAt"] = "Check"
    d["States"]["Items"]["ItemProcessor"]["States"] = {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.Items[0].id", "StringEquals": "r1500",
                                                  "Next": "Bad"}], "Default": "P"},
        "Bad": {"Type": "Fail", "Error": "Bad", "Cause": "batch 15"},
        "P": {"Type": "Pass", "End": True}}
    got = []
    for pct in (3, 4):
        d["States"]["Items"]["ToleratedFailurePercentage"] = pct
        exe = build(aslc, tmp, "tolerated-%d" % pct, d)
        p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "key": "brows-3000.csv"}),
                           capture_output=True, text=True, env=env, timeout=120)
        out = json.loads(p.stdout) if p.returncode == 0 else (p.returncode, p.stderr[-300:])
        if isinstance(out, dict) and "ResultWriterDetails" in out:
            m = json.loads(s3.get_object(Bucket="my-bucket", Key=out["ResultWriterDetails"]["Key"])["Body"].read())
            bad = [r for f in m["ResultFiles"]["FAILED"]
                   for r in json.loads(s3.get_object(Bucket="my-bucket", Key=f["Key"])["Body"].read())]
            out = [(len(m["ResultFiles"]["SUCCEEDED"]), json.loads(r["Input"])["Items"][0], r["Error"], r["Cause"])
                   for r in bad]
        got.append(out)
    eq("batched export: ToleratedFailurePercentage counts batches", got, [
        {"Error": "States.ExceedToleratedFailureThreshold",
         "Cause": "The specified tolerated failure threshold was exceeded"},
        [(1, {"id": "r1500", "n": "1500"}, "Bad", "batch 15")]])
    by_bytes = {"MaxInputBytesPerBatch": 2000}
    for backend in ("c", "llvm"):
        got = []
        for writer in (None, "bytes"):
            exe = build(aslc, tmp, "batch-bytes-%s" % bool(writer),
                        map_machine({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, writer=writer,
                                    batcher=by_bytes), backend)
            p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "key": "brows-3000.csv"}),
                               capture_output=True, text=True, env=env, timeout=120)
            if p.returncode:
                got.append((p.returncode, p.stderr[-300:]))
            elif writer:
                got.append([json.loads(r["Output"]) for r in exported(s3, json.loads(p.stdout)
                                                                      ["ResultWriterDetails"]["Key"])[1]])
            else:
                got.append(json.loads(p.stdout))
        eq("batches by bytes the same with an export (%s)" % backend, (len(got[0]), got[1] == got[0]),
           (len(got[0]), True))
        eq("batches by bytes hold every row once, in order (%s)" % backend,
           [it["id"] for b in got[0] for it in b["Items"]] if isinstance(got[0], list) else got[0],
           ["r%d" % i for i in range(3000)])


def inventory(aslc, s3, env, tmp):
    """ItemReader InputType MANIFEST: an S3 inventory's manifest.json (S3's
    documented shape), its CSV data files gzip-compressed (.csv.gz, as S3
    writes them; two gzip members) or not, read in order, each row an item
    keyed by the fileSchema's names with string values; MaxItems across
    files; an ORC inventory refused by name."""
    rows = [("src", "csvDataset/", "0", "2022-11-16T00:27:19.000Z"),
            ("src", "csvDataset/titles.csv", "3399671", "2022-11-16T00:29:32.000Z"),
            ("src", 'a "quoted", key', "12", "2022-11-16T00:30:00.000Z")]
    line = lambda r: ",".join('"%s"' % v.replace('"', '""') for v in r) + "\n"
    s3.put_object(Bucket="my-bucket", Key="inv/data/one.csv.gz",
                  Body=gzip.compress(line(rows[0]).encode()) + gzip.compress(line(rows[1]).encode()))
    s3.put_object(Bucket="my-bucket", Key="inv/data/two.csv", Body=line(rows[2]).encode())
    manifest = {"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::my-bucket", "version": "2016-11-30",
                "creationTimestamp": "1668560400000", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key, Size, LastModifiedDate",
                "files": [{"key": "inv/data/one.csv.gz", "size": 1, "MD5checksum": "x"},
                          {"key": "inv/data/two.csv", "size": 1, "MD5checksum": "y"}]}
    s3.put_object(Bucket="my-bucket", Key="inv/manifest.json", Body=json.dumps(manifest).encode())
    s3.put_object(Bucket="my-bucket", Key="inv/orc.json", Body=json.dumps(dict(manifest, fileFormat="ORC")).encode())
    items = [dict(zip(("Bucket", "Key", "Size", "LastModifiedDate"), r)) for r in rows]
    for backend in ("c", "llvm"):
        exe = os.path.join(tmp, "inventory-" + backend)
        subprocess.run([aslc, "build", os.path.join(HERE, "inventory.asl.json"), "-o", exe, "--backend", backend],
                       check=True)
        got = []
        for key, mx in (("inv/manifest.json", 10), ("inv/manifest.json", 2), ("inv/orc.json", 10)):
            p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "key": key, "max": mx}),
                               capture_output=True, text=True, env=env, timeout=60)
            got.append((p.returncode, p.stderr[-300:], json.loads(p.stdout) if p.returncode == 0 else None))
        # With a ResultWriter the inventory's files are run in windows.
        with open(os.path.join(HERE, "inventory.asl.json")) as f:
            d = json.load(f)
        d["States"]["Objects"]["ResultWriter"] = {"Resource": "arn:aws:states:::s3:putObject",
                                                  "Parameters": {"Bucket.$": "$.bucket", "Prefix": "inv-out"}}
        src = os.path.join(tmp, "inventory-export.asl.json")
        with open(src, "w") as f:
            json.dump(d, f)
        subprocess.run([aslc, "build", src, "-o", exe, "--backend", backend], check=True)
        exported_items = []
        for mx in (10, 2):
            p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "key": "inv/manifest.json", "max": mx}),
                               capture_output=True, text=True, env=env, timeout=60)
            if p.returncode == 0 and "ResultWriterDetails" in p.stdout:
                _, records = exported(s3, json.loads(p.stdout)["ResultWriterDetails"]["Key"])
                exported_items.append([json.loads(r["Output"]) for r in records])
            else:
                exported_items.append((p.returncode, p.stdout, p.stderr[-300:]))
        eq("S3 inventory manifest, exported in windows (%s)" % backend, exported_items, [items, items[:2]])
        eq("S3 inventory manifest (%s)" % backend, got, [
            (0, "", items), (0, "", items[:2]),
            (0, "", {"Error": "States.ItemReaderFailed",
                     "Cause": "The S3 inventory's fileFormat is ORC: only CSV inventories are read"})])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    aslc = sys.argv[1]
    sections = sys.argv[2:]
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(NPM, "node_modules")):
        print("skip: node or tests/aws/npm/node_modules is absent (npm ci --prefix tests/aws/npm)")
        return SKIP
    try:
        import boto3
    except ImportError:
        print("skip: boto3 is not installed")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="aslc-npm-")
    procs = []
    try:
        ports = {s: free_port() for s in ("dynamodb", "s3", "sqs")}
        os.makedirs(os.path.join(tmp, "s3data"))
        cmds = {
            "dynamodb": [node, os.path.join(BIN, "dynalite"), "--host", "127.0.0.1", "--port",
                         str(ports["dynamodb"]), "--createTableMs", "0"],
            "s3": [node, os.path.join(BIN, "s3rver"), "-d", os.path.join(tmp, "s3data"), "-a", "127.0.0.1",
                   "-p", str(ports["s3"]), "--configure-bucket", "my-bucket", "-s"],
            "sqs": [node, "-e", 'require("local-aws-sqs").createSqsServer({port:%d,hostname:"127.0.0.1",'
                    'queues:[{QueueName:"q1"}]})' % ports["sqs"]],
        }
        for name, cmd in cmds.items():
            log = open(os.path.join(tmp, name + ".log"), "w")
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=NPM)
            procs.append(p)
            if not wait_port(ports[name], p):
                print("FAIL %s did not start:\n%s" % (name, open(os.path.join(tmp, name + ".log")).read()))
                return 1
        urls = {s: "http://127.0.0.1:%d" % p for s, p in ports.items()}
        # s3rver knows one key pair; the others accept any signature.
        creds = dict(region_name="us-east-1", aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER")
        ddb = boto3.client("dynamodb", endpoint_url=urls["dynamodb"], **creds)
        ddb.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        queue = "%s/123456789012/q1" % urls["sqs"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL_DYNAMODB=urls["dynamodb"], AWS_ENDPOINT_URL_S3=urls["s3"],
                   AWS_ENDPOINT_URL_SQS=urls["sqs"], AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="S3RVER",
                   AWS_SECRET_ACCESS_KEY="S3RVER", AWS_EC2_METADATA_DISABLED="true", HOME=tmp)
        sqs = boto3.client("sqs", endpoint_url=urls["sqs"], **creds)
        if sections:
            s3 = boto3.client("s3", endpoint_url=urls["s3"], **creds)
            for name in sections:
                globals()[name](aslc, s3, env, tmp)
            return summary()
        etag = '"%s"' % hashlib.md5(b"a,b\n1,2\n").hexdigest()
        for backend in ("c", "llvm"):
            exe = os.path.join(tmp, "local-" + backend)
            subprocess.run([aslc, "build", os.path.join(HERE, "local.asl.json"), "-o", exe, "--backend", backend],
                           check=True)
            p = subprocess.run([exe], input=json.dumps({"queue": queue}), capture_output=True, text=True,
                               env=env, timeout=120)
            eq("workflow succeeds (%s)" % backend, (p.returncode, p.stderr[-300:]), (0, ""))
            if p.returncode:
                continue
            out = json.loads(p.stdout)
            errs = {k: out.pop(k)["Error"] for k in ("conditional", "badTable", "noKey", "noQueue")}
            eq("errors as Step Functions names them (%s)" % backend, errs, {
                "conditional": "DynamoDB.ConditionalCheckFailedException",
                "badTable": "DynamoDB.AmazonDynamoDBException",
                "noKey": "S3.NoSuchKeyException",
                "noQueue": "SQS.QueueDoesNotExistException"})
            eq("results (%s)" % backend, out, {
                "queue": queue,
                "put": {"status": 200},
                "update": {"Attributes": {"n": {"N": "42"}}},
                "get": {"Item": {"pk": {"S": "k1"}, "n": {"N": "42"}}, "crc": 1},
                "delete": {"Attributes": {"pk": {"S": "k1"}, "n": {"N": "42"}}},
                "getDeleted": {"items": 0},
                "putObject": {"ETag": etag},
                "getObject": {"Body": "a,b\n1,2\n", "ContentLength": 8, "ContentType": "text/csv",
                              "Metadata": {"origin": "aslc"}, "ETag": etag},
                "list": {"KeyCount": 1, "IsTruncated": False, "Contents": [{"Key": "data/rows.csv", "Size": 8}]},
                "head": {"ContentLength": 8, "ContentType": "text/csv"},
                "deleteObject": {},
                "send": {"MD5OfMessageBody": hashlib.md5(b"hello").hexdigest()},
            })
            msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            eq("message received from local-aws-sqs (%s)" % backend, [m["Body"] for m in msgs], ["hello"])
            for m in msgs:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        # A Distributed Map's ItemReader over objects in s3rver.
        s3 = boto3.client("s3", endpoint_url=urls["s3"], **creds)
        rows = ["id,value"] + ['r%d,"%d"' % (i, i) for i in range(100000)]
        s3.put_object(Bucket="my-bucket", Key="big.csv", Body=("\r\n".join(rows) + "\r\n").encode())
        s3.put_object(Bucket="my-bucket", Key="given.psv",
                      Body=b'ann|"says ""hi"" | twice"\nbob|\ncid|x\n')
        s3.put_object(Bucket="my-bucket", Key="doc.json",
                      Body=json.dumps({"inventory": {"items": [{"sku": "a"}, {"sku": "b"}]}}).encode())
        s3.put_object(Bucket="my-bucket", Key="lines.jsonl", Body=b'{"n":1}\n\n[2]\n"three"\n4\n')
        for backend in ("c", "llvm"):
            exe = os.path.join(tmp, "reader-" + backend)
            subprocess.run([aslc, "build", os.path.join(HERE, "reader.asl.json"), "-o", exe, "--backend", backend],
                           check=True)
            t0 = time.time()
            p = subprocess.run([exe], input=json.dumps({"bucket": "my-bucket", "limit": 3}), capture_output=True,
                               text=True, env=env, timeout=240)
            eq("ItemReader workflow succeeds (%s)" % backend, (p.returncode, p.stderr[-300:]), (0, ""))
            if p.returncode:
                continue
            out = json.loads(p.stdout)
            missing = out.pop("missing")
            listing = out.pop("listing")
            export = out.pop("export")
            eq("ResultWriter preview, FLATTEN (%s)" % backend, out.pop("preview"), ["a", "a", "b", "b"])
            eq("ItemBatcher by count, with BatchInput (%s)" % backend, out.pop("batches"), {
                "batches": 100, "first": {"n": 1000, "src": "my-bucket", "first": "r0"},
                "last": {"n": 1000, "src": "my-bucket", "first": "r99000"}})
            eq("ItemBatcher by bytes (%s)" % backend, out.pop("byBytes"),
               [{"Items": [{"n": 1}, [2]]}, {"Items": ["three", 4]}])
            details = export["ResultWriterDetails"]
            run_id = details["Key"].split("/")[1]
            eq("ResultWriter result (%s)" % backend,
               (sorted(export), export["MapRunArn"].split(":mapRun:")[1].split(":")[0],
                   details["Bucket"], details["Key"]),
               (["MapRunArn", "ResultWriterDetails"], "reader/Export", "my-bucket",
                   "out/%s/manifest.json" % run_id))
            manifest, records = exported(s3, details["Key"])
            files = manifest["ResultFiles"]["SUCCEEDED"]
            eq("ResultWriter manifest (%s)" % backend, manifest, {
                "DestinationBucket": "my-bucket", "MapRunArn": export["MapRunArn"],
                "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [
                    {"Key": "out/%s/SUCCEEDED_%d.json" % (run_id, i), "Size": f["Size"]}
                    for i, f in enumerate(files)]}})
            r0 = records[0]
            last = records[99999]
            eq("ResultWriter records (%s)" % backend,
               (len(records), r0["Input"], json.loads(r0["Output"]), r0["Status"], r0["InputDetails"],
                   r0["OutputDetails"], r0["RedriveStatus"], bool(re.fullmatch(re.escape(
                       "arn:aws:states:us-east-1:123456789012:express:reader/Export:%s:" % r0["Name"]) + UUID,
                       r0["ExecutionArn"])),
                   json.loads(last["Output"]), sorted(r0)),
               (100000, '{"id":"r0"}', {"done": "r0", "name": r0["Name"]}, "SUCCEEDED", {"Included": True},
                   {"Included": True}, "NOT_REDRIVABLE", True, {"done": "r99999", "name": last["Name"]},
                   ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
                    "RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn", "Status", "StopDate"]))
            eq("ItemReader results (%s)" % backend, out, {
                "bucket": "my-bucket", "limit": 3,
                "csv": {"count": 100000, "first": {"id": "r0", "v": 0}, "last": [{"id": "r99999", "v": 99999}],
                        "sum": 99999},
                "given": [{"name": "ann", "note": 'says "hi" | twice'}, {"name": "bob", "note": ""}],
                "json": [{"sku": "a"}, {"sku": "b"}],
                "jsonl": [{"n": 1}, [2], "three"],
            })
            eq("ItemReader listing (%s)" % backend, listing, [{"key": "lines.jsonl", "size": 23}])
            eq("ItemReader on a missing object (%s)" % backend,
               (missing["Error"], missing["Cause"].startswith("S3.NoSuchKeyException: ")),
               ("States.ItemReaderFailed", True))
            print("     100,000-row CSV workflow took %.1f s (%s)" % (time.time() - t0, backend))

        export_memory(aslc, s3, env, tmp)
        inventory(aslc, s3, env, tmp)
        json_reader(aslc, s3, env, tmp)
        download_stop(aslc, s3, env, tmp)
        batch_export(aslc, s3, env, tmp)

        # s3rver checks the access key id: another one is refused.
        bad = dict(env, AWS_ACCESS_KEY_ID="AKIDEXAMPLE")
        p = subprocess.run([os.path.join(tmp, "local-c")], input=json.dumps({"queue": queue}), capture_output=True,
                           text=True, env=bad, timeout=120)
        last = json.loads(p.stderr.strip().splitlines()[-1])
        eq("s3rver refuses an unknown key", (p.returncode, last["Error"]), (1, "S3.InvalidAccessKeyIdException"))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
