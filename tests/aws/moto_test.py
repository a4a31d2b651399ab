#!/usr/bin/env python3
"""AWS integrations through compiled executables (C and LLVM backends)
against moto_server on 127.0.0.1, with SigV4 verification on.

usage: moto_test.py ASLC

Starts moto_server on a free port (skips, exit 77, where moto or boto3 is
absent), creates an IAM user with an access key and the resources while
moto still runs unauthenticated, then switches authentication on
(/moto-api/reset-auth 0): from then on every request is checked against
that key, and a wrong secret is rejected.  Asserts exact results, and reads
back with boto3 what the workflows wrote.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
import io
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import eq, summary  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def moto_command(port):
    exe = shutil.which("moto_server")
    if exe:
        return [exe, "-H", "127.0.0.1", "-p", str(port)]
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def run(exe, env, inp, timeout=60, args=()):
    p = subprocess.run([exe, *args], input=json.dumps(inp), capture_output=True, text=True,
                       env=env, timeout=timeout)
    if p.returncode == 0:
        return 0, json.loads(p.stdout)
    last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
    try:
        return p.returncode, json.loads(last)
    except ValueError:
        return p.returncode, p.stderr


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    aslc = sys.argv[1]
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        print("skip: boto3 is not installed")
        return SKIP
    port = free_port()
    cmd = moto_command(port)
    if not cmd:
        print("skip: moto_server is not installed (pip install 'moto[server]')")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="aslc-moto-")
    log = open(os.path.join(tmp, "moto.log"), "w")
    srv = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    endpoint = "http://127.0.0.1:%d" % port
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        else:
            print("FAIL moto_server did not start")
            return 1
        rc = scenario(aslc, endpoint, tmp, boto3, Config)
        if rc:
            log.flush()
            print("moto_server's log, last lines:")
            with open(os.path.join(tmp, "moto.log")) as f:
                print("".join(f.readlines()[-40:]))
        return rc
    finally:
        srv.terminate()
        try:
            srv.wait(timeout=10)
        except subprocess.TimeoutExpired:
            srv.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def scenario(aslc, endpoint, tmp, boto3, Config):
    region = "us-east-1"
    setup = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="setup",
                 aws_secret_access_key="setup")
    req = urllib.request.Request(endpoint + "/moto-api/config", method="POST",
                                 data=json.dumps({"lambda": {"use_docker": False}}).encode())
    urllib.request.urlopen(req, timeout=5)
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="wf")
    iam.put_user_policy(UserName="wf", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="wf")["AccessKey"]
    ddb = boto3.client("dynamodb", **setup)
    ddb.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    sqs = boto3.client("sqs", **setup)
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    shipq = sqs.create_queue(QueueName="shipped")["QueueUrl"]
    shipq_arn = sqs.get_queue_attributes(QueueUrl=shipq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns = boto3.client("sns", **setup)
    topic = sns.create_topic(Name="shipping")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=shipq_arn,
                  Attributes={"RawMessageDelivery": "true"})
    audit = sns.create_topic(Name="audit")["TopicArn"]
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **setup)
    s3.create_bucket(Bucket="receipts")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    sm = boto3.client("stepfunctions", **setup).create_state_machine(
        name="child", roleArn=role,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    base = {"queue": queue, "topic": topic, "audit": audit, "sm": sm}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return e\n")
    lam = boto3.client("lambda", **setup)
    lam.create_function(FunctionName="price", Runtime="python3.12", Role=role,
                        Handler="index.handler", Code={"ZipFile": buf.getvalue()})
    # moto without Docker answers Invoke with queued strings.
    req = urllib.request.Request(endpoint + "/moto-api/static/lambda-simple/response", method="POST",
                                 data=json.dumps({"results": ['{"price": 12.5}'] * 4, "region": region,
                                                  "account_id": "123456789012"}).encode())
    urllib.request.urlopen(req, timeout=5)

    # From here on moto verifies every request's signature.
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset-auth", method="POST",
                                                  data=b"0", headers={"Content-Type": "text/plain"}),
                           timeout=5)
    auth = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"])
    ddb = boto3.client("dynamodb", **auth)
    sqs = boto3.client("sqs", **auth)
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **auth)

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION=region, AWS_EC2_METADATA_DISABLED="true",
               AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"],
               HOME=tmp)
    exes = {}
    for backend in ("c", "llvm"):
        for name in ("orders", "errors", "lambda", "sync", "ecs"):
            exe = os.path.join(tmp, "%s-%s" % (name, backend))
            subprocess.run([aslc, "build", os.path.join(HERE, name + ".asl.json"), "-o", exe,
                            "--backend", backend], check=True)
            exes[name, backend] = exe

    for backend in ("c", "llvm"):
        oid = "o-" + backend
        rc, out = run(exes["orders", backend], env, dict(base, id=oid))
        eq("orders workflow succeeds (%s)" % backend, rc, 0)
        if rc != 0:
            print(out)
            continue
        etag = out["putObject"]["ETag"]
        want = {
            "id": oid, "queue": queue, "topic": topic, "audit": audit, "sm": sm,
            "put": {"status": 200},
            "update": {"Attributes": {"qty": {"N": "4"}}},
            "get": {"Item": {"pk": {"S": oid}, "qty": {"N": "4"}, "state": {"S": "NEW"}}},
            "sdkget": {"Item": {"qty": {"N": "4"}}},
            "send": {"MD5OfMessageBody": __import__("hashlib").md5(
                json.dumps({"order": oid, "qty": 4}, separators=(",", ":")).encode()).hexdigest(),
                "idParts": 5},
            "publish": {"idParts": 5, "status": 200},
            "events": {"FailedEntryCount": 0, "n": 1},
            "putObject": {"ETag": '"%s"' % __import__("hashlib").md5(b"hello receipt").hexdigest()},
            "getObject": {"Body": "hello receipt", "ContentLength": 13, "ContentType": "text/plain",
                          "ETag": etag},
            "headObject": {"ContentLength": 13},
            "list": {"KeyCount": 1 if backend == "c" else 2,
                     "Keys": ["r/o-c.txt"] if backend == "c" else ["r/o-c.txt", "r/o-llvm.txt"],
                     "Size": 13},
            "invoke": {"Payload": {"price": 12.5}, "StatusCode": 200},
            "start": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:child:run-" + oid,
                      "status": 200},
            "describe": {"Name": "run-" + oid, "Input": json.dumps({"id": oid}, separators=(",", ":")),
                         "StateMachineArn": sm},
            "sdkPublish": {"idParts": 5},
        }
        eq("orders result (%s)" % backend, out, want)
        # Read back what the workflow wrote, with boto3.
        item = ddb.get_item(TableName="Orders", Key={"pk": {"S": oid}})["Item"]
        eq("item written by putItem/updateItem (%s)" % backend, item,
           {"pk": {"S": oid}, "qty": {"N": "4"}, "state": {"S": "NEW"}})
        msgs = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        eq("message sent by sqs:sendMessage (%s)" % backend, [json.loads(m["Body"]) for m in msgs],
           [{"order": oid, "qty": 4}])
        for m in msgs:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        msgs = sqs.receive_message(QueueUrl=shipq, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"]).get("Messages", [])
        eq("message published by sns:publish (%s)" % backend,
           [(json.loads(m["Body"]), m.get("MessageAttributes", {}).get("kind", {}).get("StringValue"))
               for m in msgs], [({"shipped": oid}, "ship")])
        for m in msgs:
            sqs.delete_message(QueueUrl=shipq, ReceiptHandle=m["ReceiptHandle"])
        obj = s3.get_object(Bucket="receipts", Key="r/%s.txt" % oid)
        eq("object written by s3:putObject (%s)" % backend, (obj["Body"].read(), obj["ContentType"]),
           (b"hello receipt", "text/plain"))

        # Errors as Step Functions names them, caught by Catch.
        rc, out = run(exes["errors", backend], env, {"queue": queue + "-missing"})
        eq("errors workflow (%s)" % backend, (rc, out), (0, {
            "conditional": "DynamoDB.ConditionalCheckFailedException",
            "noTable": "DynamoDb.ResourceNotFoundException",
            "noQueue": "SQS.QueueDoesNotExistException",
            "noKey": "S3.NoSuchKeyException",
            "noHead": "S3.NoSuchKeyException",
            "deleted": {}}))

        # A wrong secret is rejected by moto's signature check.
        bad = dict(env, AWS_SECRET_ACCESS_KEY="wrong" + key["SecretAccessKey"])
        rc, out = run(exes["orders", backend], bad, dict(base, id="x"))
        eq("wrong secret rejected (%s)" % backend,
           (rc, out.get("Error") if isinstance(out, dict) else out),
           (1, "DynamoDB.SignatureDoesNotMatchException"))
        eq("no secret in the error (%s)" % backend, key["SecretAccessKey"] in json.dumps(out), False)

        # Credentials from the container endpoint instead of the environment.
        cenv = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        rc, out = run_with_container_creds(exes["orders", backend], cenv, key,
                                           dict(base, id="c-" + backend))
        eq("container credentials (%s)" % backend, (rc, out.get("get") if rc == 0 else out),
           (0, {"Item": {"pk": {"S": "c-" + backend}, "qty": {"N": "4"}, "state": {"S": "NEW"}}}))
        for q in (queue, shipq):
            for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10).get("Messages", []):
                sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])
        s3.delete_object(Bucket="receipts", Key="r/c-%s.txt" % backend)

    # Credentials and region from a named profile in the shared files.
    creds_file = os.path.join(tmp, "credentials")
    with open(creds_file, "w") as f:
        f.write("[default]\naws_access_key_id = nope\naws_secret_access_key = nope\n\n"
                "[wf]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (key["AccessKeyId"], key["SecretAccessKey"]))
    config_file = os.path.join(tmp, "config")
    with open(config_file, "w") as f:
        f.write("[profile wf]\nregion = us-east-1\n")
    penv = {k: v for k, v in env.items()
            if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")}
    penv.update(AWS_PROFILE="wf", AWS_SHARED_CREDENTIALS_FILE=creds_file, AWS_CONFIG_FILE=config_file)
    rc, out = run(exes["orders", "llvm"], penv, dict(base, id="p-1"))
    eq("credentials and region from a profile", (rc, out.get("get") if rc == 0 else out),
       (0, {"Item": {"pk": {"S": "p-1"}, "qty": {"N": "4"}, "state": {"S": "NEW"}}}))
    for q in (queue, shipq):
        for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10).get("Messages", []):
            sqs.delete_message(QueueUrl=q, ReceiptHandle=m["ReceiptHandle"])

    lambda_stub(exes, env)
    sfn_stub(exes, env)
    ecs_stub(exes, env)
    stream_memory(aslc, s3, env, tmp)
    listing_export(aslc, s3, env, tmp)

    # No endpoint answering: a clear client error, after the SDK's retries, no hang.
    dead = dict(env, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % free_port(), AWS_MAX_ATTEMPTS="2")
    t0 = time.time()
    rc, out = run(exes["orders", "c"], dead, dict(base, id="x"))
    eq("connection refused", (rc, out.get("Error"), out.get("Cause", "").startswith(
        "Unable to execute HTTP request: ")), (1, "DynamoDB.SdkClientException", True))
    eq("connection refused fails fast", time.time() - t0 < 5, True)
    # No credentials anywhere, IMDS disabled: fails at once, clearly.
    none = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    rc, out = run(exes["orders", "c"], none, dict(base, id="x"))
    eq("no credentials", (rc, out), (1, {
        "Error": "DynamoDB.SdkClientException",
        "Cause": "Unable to load AWS credentials: no AWS credentials: set AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials"}))
    return summary()


def stream_memory(aslc, s3, env, tmp):
    """The ItemReader streams the object: with MaxItems 5, a 6 MB object
    costs no more memory than a 60 kB one (the old whole-object read held
    the body twice, about 12 MB more), and a full read is exact."""
    row = lambda i: "r%d,%s" % (i, "x" * 50)
    big = "id,pad\n" + "\n".join(row(i) for i in range(100000)) + "\n"
    small = "id,pad\n" + "\n".join(row(i) for i in range(1000)) + "\n"
    s3.put_object(Bucket="receipts", Key="stream/big.csv", Body=big.encode())
    s3.put_object(Bucket="receipts", Key="stream/small.csv", Body=small.encode())
    exe = os.path.join(tmp, "stream-c")
    subprocess.run([aslc, "build", os.path.join(HERE, "stream.asl.json"), "-o", exe], check=True)
    def measured(key, max_items):
        """Its exit, output, stderr tail and peak RSS (KiB): run in a fresh
        Python, so that RUSAGE_CHILDREN is the executable's alone."""
        code = ("import json,os,resource,subprocess,sys;"
                "p=subprocess.run([sys.argv[1]],input=sys.argv[2].encode(),capture_output=True);"
                "print(json.dumps([p.returncode,p.stdout.decode(),p.stderr.decode()[-300:],"
                "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
        inp = json.dumps({"bucket": "receipts", "key": "stream/%s.csv" % key, "max": max_items})
        p = subprocess.run([sys.executable, "-c", code, exe, inp], capture_output=True, text=True, env=env,
                           timeout=240)
        rc, out, err, rss = json.loads(p.stdout)
        return (rc, err, json.loads(out) if rc == 0 else out), rss

    rss = {}
    for key in ("small", "big"):
        got, rss[key] = measured(key, 5)
        eq("MaxItems 5 of the %s object" % key, got, (0, "", {"count": 5, "first": "r0", "last": ["r4"]}))
    got, rss["all"] = measured("big", 100000000)
    eq("the whole object, streamed", got, (0, "", {"count": 100000, "first": "r0", "last": ["r99999"]}))
    print("     peak RSS with MaxItems 5: %d KiB (60 kB object), %d KiB (%.1f MB object); all %d items: %d KiB"
          % (rss["small"], rss["big"], len(big) / 1e6, 100000, rss["all"]))
    eq("the download stops at MaxItems: peak RSS not proportional to the object",
       rss["big"] - rss["small"] < 3072, True)


def listing_export(aslc, s3, env, tmp):
    """An ItemReader listing (listObjectsV2) exported by a ResultWriter runs
    a page at a time (MaxKeys 2 here: s3rver cannot page), every page read,
    MaxItems across pages.  (No '/' in the Prefix: moto's signature check
    fails boto3's own request for one.)"""
    for i in range(5):
        s3.put_object(Bucket="receipts", Key="pages/k%d" % i, Body=b"x")
    d = {"StartAt": "Objects", "States": {"Objects": {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "ReaderConfig": {"MaxItemsPath": "$.max"},
                       "Parameters": {"Bucket": "receipts", "Prefix": "pages", "MaxKeys": 2}},
        "ItemSelector": {"key.$": "$$.Map.Item.Value.Key", "i.$": "$$.Map.Item.Index",
                         "src.$": "$$.Map.Item.Source"},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "receipts", "Prefix": "out-pages"}},
        "End": True}}}
    src = os.path.join(tmp, "pages.asl.json")
    with open(src, "w") as f:
        json.dump(d, f)
    exe = os.path.join(tmp, "pages")
    subprocess.run([aslc, "build", src, "-o", exe], check=True)
    got = []
    for mx in (100, 3):
        rc, out = run(exe, env, {"max": mx})
        if rc == 0 and "ResultWriterDetails" in out:
            key = out["ResultWriterDetails"]["Key"]
            manifest = json.loads(s3.get_object(Bucket="receipts", Key=key)["Body"].read())
            records = []
            for f in manifest["ResultFiles"]["SUCCEEDED"]:
                records += json.loads(s3.get_object(Bucket="receipts", Key=f["Key"])["Body"].read())
            got.append([json.loads(r["Output"]) for r in records])
        else:
            got.append((rc, out))
    # $$.Map.Item.Source: a listing's is the bucket's S3 URI (the guide)
    want = [{"key": "pages/k%d" % i, "i": i, "src": "S3://receipts"} for i in range(5)]
    eq("a listing exported a page at a time", got, [want, want[:3]])


def lambda_stub(exes, env):
    """lambda:invoke's result and error shapes against a stub Lambda
    endpoint (moto without Docker neither checks functions nor fails them)."""
    import http.server
    import threading
    calls = []

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, body, headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(n)
            path, _, query = self.path.partition("?")
            # A name, or an ARN (sent encoded, as the SDKs do).
            name = urllib.parse.unquote(path.split("/")[3]).split(":function:")[-1]
            calls.append(name)
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 Credential=")
            if name == "ok" and signed:
                self.reply(200, json.dumps({"got": json.loads(body or b"null"), "query": query}).encode(),
                           [("X-Amz-Executed-Version", "7"), ("Content-Type", "application/json")])
            elif name == "flaky" and calls.count("flaky") == 1:
                self.reply(500, b'{"Type":"Service","message":"try again"}',
                           [("x-amzn-ErrorType", "ServiceException")])
            elif name == "flaky":
                self.reply(200, body, [("X-Amz-Executed-Version", "$LATEST")])
            elif name == "raises":
                self.reply(200, b'{"errorMessage":"bad","errorType":"ValueError","stackTrace":[]}',
                           [("X-Amz-Function-Error", "Unhandled")])
            elif name == "broken":
                self.reply(502, b"<html>bad gateway")
            else:
                self.reply(404, json.dumps({"Type": "User", "message": "Function not found: "
                                            "arn:aws:lambda:us-east-1:123456789012:function:" + name}).encode(),
                           [("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/"),
                            ("x-amzn-RequestId", "req-1")])

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        lenv = dict(env, AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:%d" % srv.server_port)
        for backend in ("c", "llvm"):
            del calls[:]
            rc, out = run(exes["lambda", backend], lenv, {"in": 1})
            ok = {"Payload": {"got": {"n": 1}, "query": "Qualifier=prod"}, "StatusCode": 200,
                  "ExecutedVersion": "7"}
            eq("lambda stub workflow (%s)" % backend, (rc, out), (0, {
                "in": 1,
                "ok": ok,
                # The function ARN as Resource: the whole input in, the output only out.
                "legacy": {"got": {"in": 1, "ok": ok}, "query": ""},
                "flaky": {"Payload": "text"},
                "missing": {"Error": "Lambda.ResourceNotFoundException",
                            "Cause": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing "
                                     "(Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; "
                                     "Request ID: req-1; Proxy: null)"},
                "raises": {"Error": "ValueError",
                           "Cause": '{"errorMessage":"bad","errorType":"ValueError","stackTrace":[]}'},
                "broken": {"Error": "Lambda.AWSLambdaException",
                           "Cause": " (Service: AWSLambda; Status Code: 502; Error Code: InternalFailure; "
                                    "Request ID: ; Proxy: null)"}}))
            eq("retries: a 500 once, a 502 three times (%s)" % backend,
               (calls.count("flaky"), calls.count("broken")), (2, 3))
    finally:
        srv.shutdown()


def sfn_stub(exes, env):
    """states:startExecution.sync[:2] against a stub Step Functions endpoint
    (moto runs at most one execution per server): it answers RUNNING twice,
    then the execution's end."""
    import http.server
    import threading
    calls = []

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            op = self.headers.get("X-Amz-Target", "").split(".")[-1]
            calls.append((op, req))
            arn = "arn:aws:states:us-east-1:123456789012:execution:child:"
            if op == "StartExecution" and req["name"] in ("garbage", "expired"):
                data = (b"<html>oops" if req["name"] == "garbage" else
                        b'{"__type":"com.amazon.coral.service#ExpiredTokenException",'
                        b'"message":"The security token included in the request is expired"}')
                self.send_response(200 if req["name"] == "garbage" else 400)
                self.send_header("x-amzn-RequestId", "r-9")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if op == "PutEvents":
                bad = req["Entries"][0]["Source"] == "bad"
                body = ({"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]}
                        if bad else {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]})
            elif op == "StartExecution":
                body = {"executionArn": arn + req["name"], "startDate": 1796000000.5}
            else:
                name = req["executionArn"].rsplit(":", 1)[1]
                polls = sum(1 for o, r in calls if o == op and r == req)
                status = "RUNNING" if polls < 3 else "FAILED" if name == "fails" else "SUCCEEDED"
                body = {"executionArn": req["executionArn"], "name": name, "status": status,
                        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
                        "input": '{"n":1}', "inputDetails": {"included": True}, "startDate": 1796000000.5}
                if status == "SUCCEEDED":
                    body.update(output='{"m":2}', outputDetails={"included": True}, stopDate=1796000001.5)
                if status == "FAILED":
                    body.update(error="Boom", cause="no", stopDate=1796000001.5)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        senv = dict(env, AWS_ENDPOINT_URL_SFN="http://127.0.0.1:%d" % srv.server_port,
                    AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:%d" % srv.server_port)
        for backend in ("c", "llvm"):
            del calls[:]
            rc, out = run(exes["sync", backend], senv, {"n": 1})
            arn = "arn:aws:states:us-east-1:123456789012:execution:child:"
            eq("startExecution.sync (%s)" % backend, (rc, out.get("sync") if rc == 0 else out), (0, {
                "ExecutionArn": arn + "one", "Name": "one", "Status": "SUCCEEDED",
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
                "Input": '{"n":1}', "InputDetails": {"Included": True}, "StartDate": 1796000000.5,
                "Output": '{"m":2}', "OutputDetails": {"Included": True}, "StopDate": 1796000001.5}))
            if rc:
                continue
            eq("startExecution.sync:2 (%s)" % backend, out["sync2"],
               {"Output": {"m": 2}, "Input": {"n": 1}, "Status": "SUCCEEDED"})
            eq("a failed child execution (%s)" % backend,
               (out["failing"]["Error"], json.loads(out["failing"]["Cause"])["Status"],
                   json.loads(out["failing"]["Cause"])["Error"]), ("States.TaskFailed", "FAILED", "Boom"))
            eq("a 200 that is not JSON (%s)" % backend, out["garbage"]["Error"],
               "StepFunctions.SdkClientException")
            eq("expired credentials (%s)" % backend, out["expired"], {
                "Error": "Sfn.ExpiredTokenException",
                "Cause": "The security token included in the request is expired (Service: Sfn, Status Code: 400, "
                         "Request ID: r-9)"})
            eq("events:putEvents result, no SDK metadata (%s)" % backend, out["events"],
               {"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]})
            put = [r for o, r in calls if o == "PutEvents"][0]["Entries"][0]
            eq("events:putEvents: Detail as text, the ARNs appended to Resources (%s)" % backend,
               (put["Detail"], put["Resources"][0], put["Resources"][1].split(":")[5],
                   put["Resources"][2].split(":")[5]),
               ('{"n":1}', "arn:x", "execution", "stateMachine"))
            eq("events:putEvents: a failed entry (%s)" % backend,
               (out["eventsFail"]["Error"], json.loads(out["eventsFail"]["Cause"])["FailedEntryCount"]),
               ("EventBridge.FailedEntry", 1))
            eq("polled until it stopped (%s)" % backend,
               [(o, r.get("name") or r["executionArn"].rsplit(":", 1)[1]) for o, r in calls[:4]],
               [("StartExecution", "one"), ("DescribeExecution", "one"), ("DescribeExecution", "one"),
                   ("DescribeExecution", "one")])
            eq("camelCase request (%s)" % backend, calls[0][1],
               {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "name": "one",
                   "input": '{"n":1}'})
    finally:
        srv.shutdown()


def ecs_stub(exes, env):
    """ecs:runTask and .sync against a stub ECS endpoint (moto's tasks never
    stop): PENDING, RUNNING, then STOPPED with the container's exit code."""
    import http.server
    import threading
    calls = []

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            op = self.headers.get("X-Amz-Target", "").split(".")[-1] or self.path
            calls.append((op, req))
            base = "arn:aws:ecs:us-east-1:123456789012:task/c1/"
            if op == "/v1/submitjob":
                body = {"jobArn": "arn:aws:batch:us-east-1:123456789012:job/" + req["jobDefinition"],
                        "jobName": req["jobName"], "jobId": "id-" + req["jobDefinition"]}
            elif op == "/v1/describejobs":
                polls = sum(1 for o, r in calls if o == op and r == req)
                jid = req["jobs"][0]
                status = ["SUBMITTED", "RUNNING"][polls - 1] if polls < 3 else (
                    "FAILED" if jid == "id-bad" else "SUCCEEDED")
                body = {"jobs": [{"jobId": jid, "jobName": "j", "status": status,
                                  "statusReason": "Essential container in task exited"}]}
            elif op == "RunTask":
                td = req["taskDefinition"].split(":")[0]
                body = ({"tasks": [], "failures": [{"reason": "RESOURCE:CPU"}]} if td == "refused" else
                        {"tasks": [{"taskArn": base + td, "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/c1",
                                    "lastStatus": "PROVISIONING"}], "failures": []})
            else:
                arn = req["tasks"][0]
                polls = sum(1 for o, r in calls if o == op and r == req)
                status = ["PENDING", "RUNNING"][polls - 1] if polls < 3 else "STOPPED"
                task = {"taskArn": arn, "lastStatus": status,
                        "containers": [{"name": "app", "lastStatus": status}]}
                if status == "STOPPED":
                    task["containers"][0]["exitCode"] = 3 if arn.endswith("fails") else 0
                    task["stopCode"] = "EssentialContainerExited"
                body = {"tasks": [task], "failures": []}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        eenv = dict(env, AWS_ENDPOINT_URL_ECS="http://127.0.0.1:%d" % srv.server_port,
                    AWS_ENDPOINT_URL_BATCH="http://127.0.0.1:%d" % srv.server_port)
        base = "arn:aws:ecs:us-east-1:123456789012:task/c1/"
        for backend in ("c", "llvm"):
            del calls[:]
            rc, out = run(exes["ecs", backend], eenv, {})
            eq("ecs:runTask (%s)" % backend, (rc, out.get("run") if rc == 0 else out),
               (0, {"TaskArn": base + "td", "status": 200}))
            if rc:
                continue
            eq("ecs:runTask camelCase request (%s)" % backend, calls[0][1], {
                "cluster": "c1", "taskDefinition": "td:1", "overrides": {"containerOverrides": [
                    {"name": "app", "environment": [{"name": "MODE", "value": "x"}]}]}})
            eq("ecs:runTask.sync waits for STOPPED (%s)" % backend, out["sync"],
               {"LastStatus": "STOPPED", "ExitCode": 0, "TaskArn": base + "td"})
            eq("ecs:runTask.sync: a container exits 3 (%s)" % backend,
               (out["fails"]["Error"], json.loads(out["fails"]["Cause"])["Containers"][0]["ExitCode"]),
               ("States.TaskFailed", 3))
            eq("ecs:runTask.sync: Failures (%s)" % backend,
               (out["refused"]["Error"], json.loads(out["refused"]["Cause"])["Failures"]),
               ("AmazonECS.Unknown", [{"Reason": "RESOURCE:CPU"}]))
            eq("batch:submitJob (%s)" % backend, out["submit"], {"JobId": "id-ok", "status": 200})
            eq("batch:submitJob.sync (%s)" % backend, out["submitSync"], {"Status": "SUCCEEDED", "JobId": "id-ok"})
            eq("batch:submitJob.sync: a failed job (%s)" % backend,
               (out["submitFails"]["Error"], json.loads(out["submitFails"]["Cause"])["Status"]),
               ("States.TaskFailed", "FAILED"))
            eq("batch request (%s)" % backend, [r for o, r in calls if o == "/v1/submitjob"][0],
               {"jobName": "j", "jobQueue": "q", "jobDefinition": "ok"})
        # TaskSubmitted: RunTask's or SubmitJob's response, for each .sync Task
        # whose request was accepted (RunTask's Failures: none)
        hist = os.path.join(os.path.dirname(exes["ecs", "c"]), "ecs.history.json")
        run(exes["ecs", "c"], eenv, {}, args=("--history", hist))
        with open(hist) as f:
            subs = [e["taskSubmittedEventDetails"] for e in json.load(f)["events"]
                    if e["type"] == "TaskSubmitted"]
        outs = [json.loads(d["output"]) for d in subs]
        eq("TaskSubmitted: the .sync Tasks' submit responses",
           sorted((d["resourceType"], d["resource"], o["Tasks"][0]["TaskArn"] if "Tasks" in o
                      else o["JobId"], o["SdkHttpMetadata"]["HttpStatusCode"])
                     for d, o in zip(subs, outs)),
           [("batch", "submitJob.sync", "id-bad", 200), ("batch", "submitJob.sync", "id-ok", 200),
               ("ecs", "runTask.sync", base + "fails", 200), ("ecs", "runTask.sync", base + "td", 200)])
    finally:
        srv.shutdown()


def run_with_container_creds(exe, env, key, inp):
    """Serve the access key on a loopback container-credentials endpoint."""
    import http.server
    import threading
    body = json.dumps({"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"],
                       "Token": None, "Expiration": "2099-01-01T00:00:00Z"}).encode()
    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            ok = self.headers.get("Authorization") == "Bearer tok"
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if ok else b"{}")

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        env = dict(env, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:%d/creds" % srv.server_port,
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer tok")
        res = run(exe, env, inp)
    finally:
        srv.shutdown()
    eq("container endpoint asked once, with the token", seen, [("/creds", "Bearer tok")])
    return res


if __name__ == "__main__":
    sys.exit(main())
