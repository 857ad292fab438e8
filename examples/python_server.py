#!/usr/bin/env python3
"""An HTTP server using only Python's standard library that takes its
listening socket from cohort (systemd's LISTEN_FDS convention) and reports
readiness with sd_notify's READY=1 when NOTIFY_SOCKET is set.

    cohort run -i 2 --listen 8080 --ready notify --name py -- python3 examples/python_server.py
"""
import http.server
import os
import socket
import signal
import socketserver
import sys
import threading
import time

SD_LISTEN_FDS_START = 3


def listen_sockets():
    """The sockets cohort passed: fds 3..3+LISTEN_FDS-1, if meant for this process."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        sys.exit("no LISTEN_FDS for this process: run me under cohort run --listen")
    count = int(os.environ.get("LISTEN_FDS", "0"))
    return [socket.socket(fileno=SD_LISTEN_FDS_START + i) for i in range(count)]


def notify(message):
    """sd_notify: one datagram to NOTIFY_SOCKET."""
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(message.encode(), path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/fds":
            body = " ".join(sorted(os.listdir("/proc/self/fd"), key=int))
        elif self.path == "/env":
            body = f"{os.environ.get('LISTEN_PID')} {os.environ.get('LISTEN_FDS')} {os.environ.get('LISTEN_FDNAMES')}"
        else:
            body = str(os.getpid())
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = False  # server_close() waits for requests in progress

    def __init__(self, sock):
        # Take the inherited, already listening socket instead of binding one.
        super().__init__(sock.getsockname(), Handler, bind_and_activate=False)
        self.socket = sock


def main():
    sockets = listen_sockets()
    server = Server(sockets[0])
    # cohort asks a worker to leave with SIGTERM: stop accepting, finish what
    # is in progress, exit. (shutdown() must run off the serving thread.)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    time.sleep(float(os.environ.get("STARTUP_DELAY", "0")))  # e.g. loading a model
    notify("READY=1\nSTATUS=serving")
    server.serve_forever()
    notify("STOPPING=1")
    server.server_close()


if __name__ == "__main__":
    main()
