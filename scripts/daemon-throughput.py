#!/usr/bin/env python3
"""Daemon throughput without process spawns: N client threads speak the hook protocol directly.

Usage: scripts/daemon-throughput.py SOCKET THREADS CALLS_PER_THREAD
(e.g. ~/.prempti/run/broker.sock 64 30). Each call: connect, one length-prefixed request
(a benign Claude Code Bash call), one length-prefixed answer, checked against its nonce."""
import socket, struct, json, threading, time, sys
sock = sys.argv[1]; threads = int(sys.argv[2]); per = int(sys.argv[3])
payload = json.dumps({"session_id":"s","cwd":"/tmp/mi/proj","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls -la src/"},"tool_use_id":"toolu_1","permission_mode":"default"})
lat = []; lock = threading.Lock()
def one(i):
    req = json.dumps({"version":1,"agent":"claude_code","agent_pid":1,"hook_pid":1,"nonce":i,"payload":payload}).encode()
    t = time.perf_counter()
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    s.sendall(struct.pack(">I", len(req)) + req)
    hdr = b""
    while len(hdr) < 4: hdr += s.recv(4-len(hdr))
    n = struct.unpack(">I", hdr)[0]; body = b""
    while len(body) < n: body += s.recv(n-len(body))
    s.close()
    r = json.loads(body); assert r["nonce"] == i, r
    return time.perf_counter() - t
def worker(k):
    mine = [one(k*100000+j) for j in range(per)]
    with lock: lat.extend(mine)
t0 = time.perf_counter()
ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
el = time.perf_counter() - t0
lat.sort()
print(f"{threads} threads x {per}: {len(lat)/el:.0f} calls/s, p50 {lat[len(lat)//2]*1e6:.0f} us, p99 {lat[int(len(lat)*0.99)]*1e6:.0f} us")
