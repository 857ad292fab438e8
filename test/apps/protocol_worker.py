#!/usr/bin/env python3
"""A balanced --listen worker in plain Python, speaking cohort's worker channel
protocol (docs/worker-protocol.md) without a library: connections arrive on
COHORT_CHANNEL_FD with their fd, each is confirmed, then served (HTTP; the
answer is the pid).

Switches for the worker in slot 0 (COHORT_INSTANCE=0), for tests:
  STALL_FILE=PATH  while PATH exists, take connections without confirming
                   them and die (removing PATH first) after the third, or
                   half a second after the first when no third comes (cohort
                   passes by a worker that confirms nothing)
  GARBAGE=N        first write N lines that are not protocol lines
"""
import json
import os
import socket


def send(chan, message):
    chan.sendall((json.dumps(message) + "\n").encode())


def serve(fd):
    with socket.socket(fileno=fd) as conn:
        conn.settimeout(5)
        request = b""
        while b"\r\n\r\n" not in request:
            data = conn.recv(4096)
            if not data:
                return
            request += data
        body = str(os.getpid()).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


def main():
    chan = socket.socket(fileno=int(os.environ["COHORT_CHANNEL_FD"]))
    first = os.environ.get("COHORT_INSTANCE") == "0"
    stall_file = os.environ.get("STALL_FILE")
    stall = first and stall_file is not None and os.path.exists(stall_file)
    if first:
        for i in range(int(os.environ.get("GARBAGE", "0"))):
            chan.sendall(b"this is not json %d\n" % i)
    send(chan, {"type": "ready"})
    buf, fds, stalled = b"", [], []

    def die():
        os.unlink(stall_file)
        print("dying with %d unconfirmed connections" % len(stalled), flush=True)
        os._exit(1)

    while True:
        if stalled:
            chan.settimeout(0.5)
        try:
            data, new_fds, _, _ = socket.recv_fds(chan, 65536, 16)
        except socket.timeout:
            die()
        fds.extend(new_fds)  # each belongs to the next connection line, in order
        if not data:
            return  # cohort is gone
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            message = json.loads(line)
            kind = message.get("type")
            if kind == "connection":
                fd = fds.pop(0)
                if stall:
                    stalled.append(fd)
                    if len(stalled) == 3:
                        die()
                    continue
                send(chan, {"type": "accepted", "id": message["id"]})
                serve(fd)
            elif kind == "message":
                print("message:", json.dumps(message["data"]), flush=True)
            elif kind == "leave":
                return


if __name__ == "__main__":
    main()
