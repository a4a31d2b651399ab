#!/usr/bin/env python3
"""Run the order pipeline against local AWS: moto_server on 127.0.0.1.

usage: python3 samples/order-pipeline/local.py [ASLC] [--backend c|llvm] [--check]

Starts moto_server on a free port with SigV4 verification on, creates the
Orders table, the fulfilment queue, the orders topic and the price-order
function, compiles pipeline.asl.json, and runs the executable three times
with nothing but environment variables pointing it at moto:
  1. the order goes through: its output is expected.json, the same as the
     mocked run of tests/samples.sh;
  2. the same order again: DynamoDB's condition fails -> Fail "OrderExists";
  3. an order announced to a missing topic: SNS.NotFoundException is caught,
     the order is cancelled in DynamoDB (the compensation), the run fails.
Then reads back the table and the queue with boto3 and stops moto.  With
--check it exits 1 on any difference (a test); exits 77 where moto_server
or boto3 is absent.
"""
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(url, data, ctype="application/json"):
    req = urllib.request.Request(url, method="POST", data=data, headers={"Content-Type": ctype})
    urllib.request.urlopen(req, timeout=5)


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    check = "--check" in argv
    backend = argv[argv.index("--backend") + 1] if "--backend" in argv else "c"
    args = [a for a in args if a != backend]
    aslc = args[0] if args else os.path.join(HERE, "..", "..", "build", "compiler", "aslc")
    try:
        import boto3
    except ImportError:
        print("skip: boto3 is not installed")
        return 77
    moto = shutil.which("moto_server")
    if not moto:
        print("skip: moto_server is not installed (pip install 'moto[server]')")
        return 77
    tmp = tempfile.mkdtemp(prefix="order-pipeline-")
    port = free_port()
    endpoint = "http://127.0.0.1:%d" % port
    log = open(os.path.join(tmp, "moto.log"), "w")
    srv = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        return scenario(boto3, aslc, backend, endpoint, tmp, check)
    finally:
        srv.terminate()
        srv.wait(timeout=10)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def scenario(boto3, aslc, backend, endpoint, tmp, check):
    setup = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="setup",
                 aws_secret_access_key="setup")
    post(endpoint + "/moto-api/config", json.dumps({"lambda": {"use_docker": False}}).encode())
    iam = boto3.client("iam", **setup)
    iam.create_user(UserName="pipeline")
    iam.put_user_policy(UserName="pipeline", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="pipeline")["AccessKey"]
    boto3.client("dynamodb", **setup).create_table(
        TableName="Orders", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}])
    queue = boto3.client("sqs", **setup).create_queue(QueueName="fulfilment")["QueueUrl"]
    topic = boto3.client("sns", **setup).create_topic(Name="orders")["TopicArn"]
    role = iam.create_role(RoleName="price", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(e, c):\n    return {'total': 23.5, 'currency': 'EUR'}\n")
    boto3.client("lambda", **setup).create_function(
        FunctionName="price-order", Runtime="python3.12", Role=role, Handler="index.handler",
        Code={"ZipFile": buf.getvalue()})
    # moto runs no function code without Docker: queue what price-order returns.
    post(endpoint + "/moto-api/static/lambda-simple/response", json.dumps(
        {"results": ['{"total": 23.5, "currency": "EUR"}'] * 3, "region": REGION,
         "account_id": "123456789012"}).encode())
    # Signatures are checked from now on.
    post(endpoint + "/moto-api/reset-auth", b"0", "text/plain")

    exe = os.path.join(tmp, "pipeline")
    subprocess.run([aslc, "build", os.path.join(HERE, "pipeline.asl.json"), "-o", exe,
                    "--backend", backend], check=True)
    # Only the environment tells the binary where AWS is.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION=REGION, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"], AWS_EC2_METADATA_DISABLED="true")
    order = json.load(open(os.path.join(HERE, "input.json")))
    order.update(fulfilmentQueueUrl=queue, ordersTopicArn=topic)

    def run(inp):
        p = subprocess.run([exe], input=json.dumps(inp), capture_output=True, text=True, env=env,
                           timeout=120)
        out = p.stdout.strip() if p.returncode == 0 else p.stderr.strip().splitlines()[-1]
        print("$ pipeline <<< %s\nexit %d: %s" % (inp["orderId"], p.returncode, out))
        return p.returncode, out

    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    results = []
    rc, out = run(order)
    results.append((rc, out) == (0, open(os.path.join(HERE, "expected.json")).read().strip()))
    rc, out = run(order)
    results.append((rc, json.loads(out)) == (1, {"Error": "OrderExists",
                                                 "Cause": "This order was already recorded"}))
    bad = dict(order, orderId="A-1002", ordersTopicArn=topic + "-missing")
    rc, out = run(bad)
    results.append(rc == 1 and json.loads(out)["Error"] == "SNS.NotFoundException")
    items = {i["orderId"]["S"]: i["status"]["S"] for i in ddb.scan(TableName="Orders")["Items"]}
    print("Orders table: %s" % json.dumps(items, sort_keys=True))
    results.append(items == {"A-1001": "CONFIRMED", "A-1002": "CANCELLED"})
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                                            WaitTimeSeconds=1).get("Messages", []))
    print("fulfilment queue: %s" % bodies)
    items_json = json.dumps(order["items"], separators=(",", ":"))
    results.append(bodies == ['{"orderId":"A-1001","items":%s}' % items_json,
                              '{"orderId":"A-1002","items":%s}' % items_json])
    if not all(results):
        print("FAIL: %s" % results)
        return 1 if check else 0
    print("all as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
