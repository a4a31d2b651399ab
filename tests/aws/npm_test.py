#!/usr/bin/env python3
"""AWS integrations through executables of both backends against the npm
servers: dynalite (DynamoDB), s3rver (S3, REST-XML) and local-aws-sqs (SQS),
each started on a free 127.0.0.1 port and stopped by this test, each
addressed by its own AWS_ENDPOINT_URL_<SERVICE>.

usage: npm_test.py ASLC

The servers come from tests/aws/npm (package.json, package-lock.json;
`npm ci --prefix tests/aws/npm`, which scripts/test.sh runs where npm
exists).  Exits 77 (skipped) when node or those modules are absent.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NPM = os.path.join(HERE, "npm")
BIN = os.path.join(NPM, "node_modules", ".bin")
SKIP = 77
failures = 0


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


def check(name, got, want):
    global failures
    if got == want:
        print("ok   " + name)
    else:
        failures += 1
        print("FAIL %s\n  got:  %s\n  want: %s" % (name, got, want))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    aslc = sys.argv[1]
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
        etag = '"%s"' % hashlib.md5(b"a,b\n1,2\n").hexdigest()
        for backend in ("c", "llvm"):
            exe = os.path.join(tmp, "local-" + backend)
            subprocess.run([aslc, "build", os.path.join(HERE, "local.asl.json"), "-o", exe, "--backend", backend],
                           check=True)
            p = subprocess.run([exe], input=json.dumps({"queue": queue}), capture_output=True, text=True,
                               env=env, timeout=120)
            check("workflow succeeds (%s)" % backend, (p.returncode, p.stderr[-300:]), (0, ""))
            if p.returncode:
                continue
            out = json.loads(p.stdout)
            errs = {k: out.pop(k)["Error"] for k in ("conditional", "badTable", "noKey", "noQueue")}
            check("errors as Step Functions names them (%s)" % backend, errs, {
                "conditional": "DynamoDB.ConditionalCheckFailedException",
                "badTable": "DynamoDB.AmazonDynamoDBException",
                "noKey": "S3.NoSuchKeyException",
                "noQueue": "SQS.QueueDoesNotExistException"})
            check("results (%s)" % backend, out, {
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
            check("message received from local-aws-sqs (%s)" % backend, [m["Body"] for m in msgs], ["hello"])
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
            check("ItemReader workflow succeeds (%s)" % backend, (p.returncode, p.stderr[-300:]), (0, ""))
            if p.returncode:
                continue
            out = json.loads(p.stdout)
            missing = out.pop("missing")
            listing = out.pop("listing")
            export = out.pop("export")
            check("ResultWriter preview, FLATTEN (%s)" % backend, out.pop("preview"), ["a", "a", "b", "b"])
            check("ItemBatcher by count, with BatchInput (%s)" % backend, out.pop("batches"), {
                "batches": 100, "first": {"n": 1000, "src": "my-bucket", "first": "r0"},
                "last": {"n": 1000, "src": "my-bucket", "first": "r99000"}})
            check("ItemBatcher by bytes (%s)" % backend, out.pop("byBytes"),
                  [{"Items": [{"n": 1}, [2]]}, {"Items": ["three", 4]}])
            details = export["ResultWriterDetails"]
            run_id = details["Key"].split("/")[1]
            check("ResultWriter result (%s)" % backend,
                  (sorted(export), export["MapRunArn"].split(":mapRun:")[1].split(":")[0],
                   details["Bucket"], details["Key"]),
                  (["MapRunArn", "ResultWriterDetails"], "reader/Export", "my-bucket",
                   "out/%s/manifest.json" % run_id))
            manifest = json.loads(s3.get_object(Bucket="my-bucket", Key=details["Key"])["Body"].read())
            succeeded = s3.get_object(Bucket="my-bucket", Key="out/%s/SUCCEEDED_0.json" % run_id)["Body"].read()
            check("ResultWriter manifest (%s)" % backend, manifest, {
                "DestinationBucket": "my-bucket", "MapRunArn": export["MapRunArn"],
                "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [
                    {"Key": "out/%s/SUCCEEDED_0.json" % run_id, "Size": len(succeeded)}]}})
            records = json.loads(succeeded)
            r0 = records[0]
            last = records[99999]
            check("ResultWriter records (%s)" % backend,
                  (len(records), r0["Input"], json.loads(r0["Output"]), r0["Status"], r0["InputDetails"],
                   r0["OutputDetails"], r0["RedriveStatus"], r0["ExecutionArn"].endswith(":" + r0["Name"]),
                   json.loads(last["Output"]), sorted(r0)),
                  (100000, '{"id":"r0"}', {"done": "r0", "name": r0["Name"]}, "SUCCEEDED", {"Included": True},
                   {"Included": True}, "NOT_REDRIVABLE", True, {"done": "r99999", "name": last["Name"]},
                   ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
                    "RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn", "Status", "StopDate"]))
            check("ItemReader results (%s)" % backend, out, {
                "bucket": "my-bucket", "limit": 3,
                "csv": {"count": 100000, "first": {"id": "r0", "v": 0}, "last": [{"id": "r99999", "v": 99999}],
                        "sum": 99999},
                "given": [{"name": "ann", "note": 'says "hi" | twice'}, {"name": "bob", "note": ""}],
                "json": [{"sku": "a"}, {"sku": "b"}],
                "jsonl": [{"n": 1}, [2], "three"],
            })
            check("ItemReader listing (%s)" % backend, listing, [{"key": "lines.jsonl", "size": 23}])
            check("ItemReader on a missing object (%s)" % backend,
                  (missing["Error"], missing["Cause"].startswith("S3.NoSuchKeyException: ")),
                  ("States.ItemReaderFailed", True))
            print("     100,000-row CSV workflow took %.1f s (%s)" % (time.time() - t0, backend))

        # s3rver checks the access key id: another one is refused.
        bad = dict(env, AWS_ACCESS_KEY_ID="AKIDEXAMPLE")
        p = subprocess.run([os.path.join(tmp, "local-c")], input=json.dumps({"queue": queue}), capture_output=True,
                           text=True, env=bad, timeout=120)
        last = json.loads(p.stderr.strip().splitlines()[-1])
        check("s3rver refuses an unknown key", (p.returncode, last["Error"]), (1, "S3.InvalidAccessKeyIdException"))
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print("all passed" if failures == 0 else "%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
