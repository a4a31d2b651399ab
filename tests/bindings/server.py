"""A local HTTP server for Url bindings: prints its port on stdout, answers
any method on /inspect with what it received, POST /echo with {"got": BODY}, /fail with 500, /lambda-error with a Lambda
error payload, /text with non-JSON, /lowercase with 400 and a JSON body
under "Content-type", /slow after 5 s.  Exits after 120 s."""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.do_POST()

    def do_PUT(self):
        self.do_POST()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        if self.path.startswith("/inspect"):
            self.reply(200, json.dumps({
                "method": self.command, "path": self.path, "body": body,
                "type": self.headers.get("Content-Type"),
                "key": self.headers.get("X-Api-Key"), "trace": self.headers.get("X-Trace")}))
        elif self.path == "/echo":
            self.reply(200, json.dumps({"got": json.loads(body),
                                        "type": self.headers.get("Content-Type")}))
        elif self.path == "/fail":
            self.reply(500, "database down", "text/plain")
        elif self.path == "/lambda-error":
            self.reply(200, json.dumps({"errorType": "OutOfStock", "errorMessage": "none left"}))
        elif self.path == "/text":
            self.reply(200, "plain words", "text/plain")
        elif self.path.startswith("/lowercase"):
            data = b'{"n": 1}'
            self.send_response(400)
            self.send_header("Content-type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/slow":
            time.sleep(5)
            self.reply(200, "{}")
        else:
            self.reply(404, "no such path", "text/plain")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(120, server.shutdown).start()
server.serve_forever()
