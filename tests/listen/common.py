"""common.py - what the --listen tests share: a raw AWS JSON request and
the sockets a process holds."""
import json
import os


def request(op, body):
    data = json.dumps(body).encode()
    return (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStepFunctions.%s\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: %d\r\n\r\n%s"
            % (op.encode(), len(data), data))


def sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n
