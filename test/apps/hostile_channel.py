#!/usr/bin/env python3
"""What test/apps/hostile.js cannot write from Node: on the worker's IPC
channel (fd 3, shared with the Node worker that started it), one of
  fds      descriptors attached where none belong: on a plain line, 200 on
           one line, on NODE_HANDLE lines; a NODE_HANDLE with no descriptor
  midline  half a message, then the channel shut down
Each write is one sendmsg of a short line, so none interleaves with Node's.
"""
import array
import os
import socket
import sys

chan = socket.socket(fileno=os.dup(3))
chan.setblocking(True)


def send(text, fds=()):
    data = text.encode()
    ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sent = chan.sendmsg([data], ancillary)
    chan.sendall(data[sent:])


def fds():
    null = os.open("/dev/null", os.O_RDONLY)
    r, w = os.pipe()
    send('{"plain":"line with fds"}\n', [null, r, w])
    send('{"many":"fds"}\n', [null] * 200)
    send('{"cmd":"NODE_HANDLE","type":"bogus","msg":null}\n', [w, w, w])
    send('{"cmd":"NODE_HANDLE"}\n', [null])
    send('{"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"x"}}\n', [r])
    send('{"cmd":"NODE_HANDLE","type":"net.Native","msg":{"cmd":"x"}}\n')
    for fd in (null, r, w):
        os.close(fd)


def midline():
    send('{"cmd":"NODE_CLUSTER","act":"queryServer","addr')
    chan.shutdown(socket.SHUT_RDWR)


{"fds": fds, "midline": midline}[sys.argv[1]]()
print(f"hostile {sys.argv[1]}: done", flush=True)
