"""A server for tests/ship.sh's static executables: POST /reserve as
samples/inventory-url does (/chunked: the same, the body sent in chunks;
/slow: after 5 s; /conn: with "conn", the connection's number, so
a test sees whether requests shared one), and Lambda's Invoke (echoes the payload with
"via": "lambda").  With CERT KEY it speaks HTTPS.  Prints its port on
stdout (a free port of 127.0.0.1) and exits after 60 s.
usage: ship_server.py [CERT KEY]"""
import itertools
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


connections = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.conn = next(connections)

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path in ("/reserve", "/chunked", "/slow", "/conn"):
            out = {"sku": body["sku"], "reserved": body["qty"]}
            if self.path == "/conn":
                out["conn"] = self.conn
            if self.path == "/slow":
                time.sleep(5)
        elif self.path.startswith("/2015-03-31/functions/"):
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 ")
            out = dict(body, via="lambda", signed=signed)
        else:
            self.send_error(404)
            return
        data = json.dumps(out).encode()
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 7):
                part = data[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) == 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
threading.Timer(60, server.shutdown).start()
server.serve_forever()
