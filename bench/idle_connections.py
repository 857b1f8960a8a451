#!/usr/bin/env python3
"""Idle connections and silent sockets against a real daemon (issue 10, item 2), with numbers.

    bench/idle_connections.py [--bin .build/release/toolhost] [--connections 10000] [--silent 1100]

1. Opens --connections keep-alive connections (spread over 127.0.0.10, .11, …, 200 per address so the
   per-address cap is not what is measured), each completing one GET /healthz, then leaves them idle.
   Prints the daemon's RSS before and after, and its CPU use while they sit idle (the timeout sweep).
2. With those still open, times GET /healthz from 127.0.0.2 (a new connection each time).
3. Opens --silent sockets from 127.0.0.1 that never send a byte, counts how many were refused (503) at
   once, and times 127.0.0.2 again.

Needs RLIMIT_NOFILE above twice --connections (the script raises its soft limit to the hard one; the daemon
inherits it). Linux only (/proc, 127/8 on loopback).
"""
from __future__ import annotations

import argparse
import os
import resource
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak so far (VmHWM)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_response(s: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += s.recv(65536)
    return head


def timed_healthz(port: int, source: str) -> tuple[int, float]:
    start = time.perf_counter()
    s = socket.socket()
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
    head = read_response(s)
    s.close()
    return int(head.split(b" ")[1]), (time.perf_counter() - start) * 1000


def latency(port: int, source: str, n: int = 200) -> str:
    results = [timed_healthz(port, source) for _ in range(n)]
    statuses = sorted({status for status, _ in results})
    ms = sorted(t for _, t in results)
    return (f"status {statuses}, p50 {statistics.median(ms):.2f} ms, p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms, "
            f"max {ms[-1]:.2f} ms over {n}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=str(ROOT / ".build" / "release" / "toolhost"))
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--silent", type=int, default=1100)
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="how long to measure idle CPU")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.connections + args.silent + 512
    if hard != resource.RLIM_INFINITY and hard < needed:
        print(f"RLIMIT_NOFILE hard limit {hard} < {needed}: raise it (ulimit -Hn) or use fewer --connections")
        return 1
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    data = tempfile.mkdtemp(prefix="toolhost-idle-")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = {**os.environ, "TOOLHOST_LOG_LEVEL": "warning"}
    daemon = subprocess.Popen([args.bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", data, "--no-demo"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    held: list[socket.socket] = []
    silent: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    print("daemon did not start:", daemon.stderr.read().decode(errors="replace") if daemon.stderr else "")
                    return 1
                time.sleep(0.1)
        time.sleep(0.5)
        print(f"binary: {args.bin}")
        print(f"daemon RSS at start: {rss_mib(daemon.pid):.1f} MiB")
        print(f"baseline, no other connections: {latency(port, '127.0.0.2')}")

        request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        start = time.monotonic()
        for i in range(args.connections):
            s = socket.socket()
            s.bind((f"127.0.{1 + i // 50000}.{10 + (i // 200) % 240}", 0))
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            held.append(s)
        for s in held:
            s.settimeout(10)
            if not read_response(s).startswith(b"HTTP/1.1 200"):
                raise AssertionError("a keep-alive connection was not served")
        print(f"{len(held)} keep-alive connections opened and served once in {time.monotonic() - start:.1f} s")
        time.sleep(2)   # past the 1 s after which idle connections give their buffers back
        print(f"daemon RSS with {len(held)} idle keep-alive connections: {rss_mib(daemon.pid):.1f} MiB")
        before = cpu_seconds(daemon.pid)
        time.sleep(args.idle_seconds)
        used = cpu_seconds(daemon.pid) - before
        print(f"daemon CPU while they sit idle: {used / args.idle_seconds * 100:.2f}% of one core")
        print(f"another client meanwhile: {latency(port, '127.0.0.2')}")

        for _ in range(args.silent):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            s.connect(("127.0.0.1", port))
            silent.append(s)
        time.sleep(1)
        poller = select.poll()
        for s in silent:
            poller.register(s.fileno(), select.POLLIN)
        refused = len(poller.poll(0))
        print(f"{args.silent} silent sockets from 127.0.0.1: {refused} refused at once (503), {args.silent - refused} held")
        print(f"another client meanwhile: {latency(port, '127.0.0.2')}")
        print(f"daemon RSS now: {rss_mib(daemon.pid):.1f} MiB (peak {rss_mib(daemon.pid, 'VmHWM'):.1f} MiB)")
        alive = sum(1 for s in held[:: max(1, len(held) // 100)] if not poll_readable(s))
        print(f"sampled idle keep-alive connections still open: {alive}/{len(held[:: max(1, len(held) // 100)])}")
    finally:
        for s in held + silent:
            s.close()
        daemon.terminate()
        daemon.wait(30)
    return 0


def poll_readable(s: socket.socket) -> bool:
    poller = select.poll()   # not select(): descriptors above 1023
    poller.register(s.fileno(), select.POLLIN)
    return bool(poller.poll(0))


if __name__ == "__main__":
    sys.exit(main())
