#!/usr/bin/env python3
"""Hold N event streams open against a Gatehouse until killed (bench helper)."""
import socket
import sys
import time

port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("GET /missions/bench-single/stream HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\n\r\n" % token).encode())
    socks.append(s)
time.sleep(0.5)
opened = sum(1 for s in socks if s.recv(64).startswith(b"HTTP/1.1 200"))
print("streams open: %d of %d" % (opened, n), flush=True)
time.sleep(3600)
