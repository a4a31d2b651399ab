"""A toy inventory service: POST {"sku", "qty"} reserves stock, or answers
Lambda's error payload when there is not enough.  Prints its port on
stdout (it listens on a free port of 127.0.0.1) and exits after 60 s."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STOCK = {"apple": 10, "pear": 0, "plum": 3}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        line = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if STOCK.get(line["sku"], 0) >= line["qty"]:
            out = {"sku": line["sku"], "reserved": line["qty"]}
        else:
            out = {"errorType": "OutOfStock", "errorMessage": "only %d %s left"
                   % (STOCK.get(line["sku"], 0), line["sku"])}
        body = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(60, server.shutdown).start()
server.serve_forever()
