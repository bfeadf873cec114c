#!/usr/bin/env python3
"""Runs a real sipvicious tool (svmap, svwar, svcrack from the Debian package) with two
test-only changes made from outside, without touching the installed files:

  --ua TEXT    the User-Agent it sends instead of 'friendly-scanner' (the evasion an
               attacker makes first; everything else about its requests stays as it is)
  --log FILE   every datagram it sends and receives, one JSON line each, so a test can
               count what the attacker got back

Usage: sv.py TOOL [--ua TEXT] [--log FILE] -- TOOL-ARGS...
Only loopback targets are ever given by the tests.
"""
import json
import os
import socket
import sys
import time

args = sys.argv[1:]
if not args:
    sys.exit(__doc__)
tool = args.pop(0)
ua = None
log_path = None
while args and args[0] != '--':
    opt = args.pop(0)
    if opt == '--ua':
        ua = args.pop(0)
    elif opt == '--log':
        log_path = args.pop(0)
    else:
        sys.exit('unknown option %s' % opt)
if args and args[0] == '--':
    args.pop(0)

sys.path.insert(0, '/usr/share/sipvicious')
log = open(log_path, 'a', buffering=1) if log_path else None


def record(direction, data, peer):
    if log is None:
        return
    text = data.decode('utf-8', 'replace') if isinstance(data, (bytes, bytearray)) else str(data)
    first = text.split('\r\n', 1)[0]
    log.write(json.dumps({'t': time.time(), 'dir': direction, 'peer': '%s:%s' % peer[:2], 'first': first, 'text': text}) + '\n')


class LoggedSocket(socket.socket):
    def sendto(self, data, *rest):
        dst = rest[-1]
        record('sent', data, dst)
        return super().sendto(data, *rest)

    def recvfrom(self, size, *flags):
        data, peer = super().recvfrom(size, *flags)
        record('received', data, peer)
        return data, peer


socket.socket = LoggedSocket

import importlib  # noqa: E402

mod = importlib.import_module('sipvicious.%s' % tool)
if ua is not None:
    from sipvicious.libs import svhelper  # noqa: E402
    original = svhelper.makeRequest

    def make_request(*a, **k):
        k['useragent'] = ua
        return original(*a, **k)

    svhelper.makeRequest = make_request
    mod.makeRequest = make_request

sys.argv = [tool] + args
try:
    rc = mod.main()
except SystemExit as e:
    rc = e.code
sys.exit(rc if isinstance(rc, int) else 0)
