#!/usr/bin/env python3
"""`make soak`: mixed load against the release daemon, with a SIGKILL and a restart in the middle.

Load (all at once, for SOAK_SECONDS, default 600):
  readers   tools/call get_booking_request and clock current_time, tools/list
  writers   create_booking_request; every acknowledged booking id is remembered
  oauth     a real OAuth grant: refresh-token rotation and calls with each new access token
  attackers bad bearer tokens from many (forwarded) addresses
  slow      clients that trickle a request head a byte at a time, and silent sockets
  batches   2025-03-26 JSON-RPC batches mixing tools/list and tool calls

Halfway, the daemon is SIGKILLed and started again on the same data folder. At the end it prints
requests served, errors by kind, acknowledged writes lost (must be 0), acknowledged tool calls
missing from the audit trail (must be 0) and the daemon's RSS at start, peak and end, and exits 1
if anything was lost.
"""
from __future__ import annotations

import collections
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "Tests" / "integration"))
os.environ.setdefault("TOOLHOST_BIN", str(REPO / ".build" / "release" / "toolhost"))

import httpx2  # noqa: E402  (the venv's HTTP client; the OAuth helpers use it)

from toolhost_testlib import (  # noqa: E402
    Daemon, booking_args, booking_id, cli, create_tenant, create_token, raw_http, tenant_with_token,
)
import test_oauth  # noqa: E402  (full_flow, refresh: the OAuth flow as the suite drives it)

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
TENANT = "soak"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.served = collections.Counter()   # kind of request → answered as expected
        self.errors = collections.Counter()   # kind of error → count
        self.acknowledged_calls = 0           # tools/call answered with a result (the audit must have each)
        self.written: list[str] = []          # booking ids acknowledged to a writer

    def ok(self, kind, calls=0):
        with self.lock:
            self.served[kind] += 1
            self.acknowledged_calls += calls

    def error(self, kind):
        with self.lock:
            self.errors[kind] += 1


class Target:
    """The daemon the clients talk to; swapped when it is restarted."""

    def __init__(self, daemon):
        self.daemon = daemon
        self.restarting = threading.Event()

    @property
    def port(self):
        return self.daemon.port


def rpc(target, token, method, params=None, *, forwarded=None, id=1):
    body = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        body["params"] = params
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-06-18", "Authorization": f"Bearer {token}"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return raw_http(target.port, "POST", f"/{TENANT}/mcp", json.dumps(body), headers, timeout=30)


def classify(stats, target, kind, fn):
    """Runs one request; counts it served, or its failure by kind (connection errors while the
    daemon restarts are expected and counted apart)."""
    try:
        fn()
    except (ConnectionError, OSError, TimeoutError, httpx2.TransportError) as error:
        stats.error(f"{kind}: connection ({'during restart' if target.restarting.is_set() else type(error).__name__})")
    except AssertionError as error:
        stats.error(f"{kind}: {str(error)[:80]}")


def reader(stats, target, token, stop, booking):
    rng = random.Random()
    while not stop.is_set():
        choice = rng.random()

        def go():
            if choice < 0.4:
                r = rpc(target, token, "tools/call", {"name": "get_booking_request", "arguments": {"id": booking}})
                assert r.status == 200 and "result" in r.json(), f"read {r.status}"
                stats.ok("read", calls=1)
            elif choice < 0.8:
                r = rpc(target, token, "tools/call", {"name": "current_time", "arguments": {}})
                assert r.status == 200 and "result" in r.json(), f"clock {r.status}"
                stats.ok("read", calls=1)
            else:
                r = rpc(target, token, "tools/list")
                assert r.status == 200 and "result" in r.json(), f"list {r.status}"
                stats.ok("list")
        classify(stats, target, "read", go)


def writer(stats, target, token, stop):
    while not stop.is_set():
        def go():
            r = rpc(target, token, "tools/call", {"name": "create_booking_request", "arguments": booking_args(title="Soak")})
            assert r.status == 200, f"write {r.status}"
            result = r.json()["result"]
            stats.ok("write", calls=1)
            if not result.get("isError"):
                with stats.lock:
                    stats.written.append(booking_id(result["structuredContent"]))
        classify(stats, target, "write", go)


def oauth_client(stats, target, stop):
    """Refresh-token rotation every half second, a call with each new access token."""
    tokens = None
    client = None
    while not stop.is_set():
        def go():
            nonlocal tokens, client
            if tokens is None:
                client, tokens = test_oauth.full_flow(target.daemon, tenant=TENANT, email="soak@example.com")
                stats.ok("oauth sign-in")
            r = test_oauth.refresh(target.daemon, client, tokens["refresh_token"])
            assert r.status_code == 200, f"refresh {r.status_code}"
            tokens = r.json()
            stats.ok("oauth refresh")
            call = rpc(target, tokens["access_token"], "tools/call", {"name": "current_time", "arguments": {}})
            assert call.status == 200 and "result" in call.json(), f"oauth call {call.status}"
            stats.ok("oauth call", calls=1)
        classify(stats, target, "oauth", go)
        time.sleep(0.5)


def attacker(stats, target, stop):
    rng = random.Random()
    while not stop.is_set():
        address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

        def go():
            r = rpc(target, "thp_" + "%012x" % rng.randrange(16**12) + "_" + "x" * 43, "tools/list", forwarded=address)
            assert r.status in (401, 429), f"bad token got {r.status}"
            stats.ok("bad token refused")
        classify(stats, target, "attack", go)
        time.sleep(0.01)


def slow_client(stats, target, stop):
    """A request head trickled a byte every 2 s, and a socket that never sends: the daemon must
    cut both (first-byte / head deadlines) without anyone else noticing."""
    while not stop.is_set():
        def go():
            silent = socket.create_connection(("127.0.0.1", target.port), timeout=5)
            trickle = socket.create_connection(("127.0.0.1", target.port), timeout=5)
            try:
                head = b"POST /soak/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                for byte in head:
                    if stop.is_set():
                        return
                    trickle.sendall(bytes([byte]))
                    time.sleep(2)
                stats.ok("slow client (never cut)")
            except OSError:
                stats.ok("slow client cut")
            finally:
                silent.close()
                trickle.close()
        classify(stats, target, "slow", go)


def batcher(stats, target, token, stop):
    while not stop.is_set():
        def go():
            messages = [{"jsonrpc": "2.0", "id": i, "method": "tools/list"} for i in range(5)]
            messages += [{"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                          "params": {"name": "current_time", "arguments": {}}} for i in range(5)]
            headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                       "MCP-Protocol-Version": "2025-03-26", "Authorization": f"Bearer {token}"}
            r = raw_http(target.port, "POST", f"/{TENANT}/mcp", json.dumps(messages), headers, timeout=30)
            assert r.status == 200, f"batch {r.status}"
            answers = r.json()
            calls = sum(1 for a in answers if a.get("id", 0) >= 100 and "result" in a)
            stats.ok("batch", calls=calls)
        classify(stats, target, "batch", go)
        time.sleep(0.05)


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    root = Path(tempfile.mkdtemp(prefix="toolhost-soak-"))
    data = root / "data"
    data.mkdir()
    (data / "toolhost.json").write_text(json.dumps({"abuse": {"burst_limit": 10_000_000, "burst_window_seconds": 60,
                                                              "failed_auth_limit": 5, "lockout_window_seconds": 60}}))
    token = tenant_with_token(data, TENANT, "scheduling,clock")
    test_oauth.make_user(data, tenant=TENANT, email="soak@example.com")
    env = {"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"}
    target = Target(Daemon(data=data, logdir=root / "logs", env=env).start())
    first = rpc(target, token, "tools/call", {"name": "create_booking_request", "arguments": booking_args(title="Seed")})
    booking = booking_id(first.json()["result"]["structuredContent"])

    stats = Stats()
    stop = threading.Event()
    workers = [threading.Thread(target=reader, args=(stats, target, token, stop, booking)) for _ in range(6)]
    workers += [threading.Thread(target=writer, args=(stats, target, token, stop)) for _ in range(3)]
    workers += [threading.Thread(target=oauth_client, args=(stats, target, stop))]
    workers += [threading.Thread(target=attacker, args=(stats, target, stop)) for _ in range(2)]
    workers += [threading.Thread(target=slow_client, args=(stats, target, stop)) for _ in range(4)]
    workers += [threading.Thread(target=batcher, args=(stats, target, token, stop)) for _ in range(2)]
    started = time.monotonic()
    for worker in workers:
        worker.daemon = True
        worker.start()

    rss = {"start": None, "peak": 0, "end": None}
    killed = False
    while time.monotonic() - started < SECONDS:
        time.sleep(1)
        current = rss_kib(target.daemon.proc.pid)
        if current:
            rss["start"] = rss["start"] or current
            rss["peak"] = max(rss["peak"], current)
            rss["end"] = current
        if not killed and time.monotonic() - started >= SECONDS / 2:
            killed = True
            target.restarting.set()
            target.daemon.kill()
            print(f"[{time.monotonic() - started:6.1f}s] SIGKILL; restarting", flush=True)
            # The same port: OAuth access tokens are bound to the resource URL, which includes it.
            target.daemon = Daemon(data=data, logdir=root / "logs", env=env).start(port=target.port)
            target.restarting.clear()
    stop.set()
    for worker in workers:
        worker.join(timeout=30)

    # Every acknowledged call in the audit trail (read before the checks below add calls of their
    # own; entries reach audit.db within ~200 ms), and every acknowledged write in its database.
    time.sleep(1)
    audit = cli(data, "audit", "--tenant", TENANT, "--limit", "100000000", "--json").stdout
    calls_in_audit = sum(1 for line in audit.splitlines() if line.strip() and json.loads(line)["kind"] == "tool.call")
    missing = max(0, stats.acknowledged_calls - calls_in_audit)
    lost = 0
    for bid in stats.written:
        r = rpc(target, token, "tools/call", {"name": "get_booking_request", "arguments": {"id": bid}})
        if r.status != 200 or r.json()["result"].get("isError"):
            lost += 1
    assert target.daemon.stop() == 0, "the daemon did not stop cleanly"

    print(f"soak: {SECONDS:.0f} s, SIGKILL + restart at {SECONDS / 2:.0f} s, data in {root}")
    print(f"requests served: {sum(stats.served.values())}")
    for kind, count in sorted(stats.served.items()):
        print(f"  {kind:28} {count}")
    print(f"errors: {sum(stats.errors.values())}")
    for kind, count in sorted(stats.errors.items()):
        print(f"  {kind:60} {count}")
    print(f"acknowledged writes: {len(stats.written)}, lost: {lost}")
    print(f"acknowledged tool calls: {stats.acknowledged_calls}, audit rows: {calls_in_audit}, missing: {missing}")
    print(f"RSS (MiB): start {rss['start'] / 1024:.1f}, peak {rss['peak'] / 1024:.1f}, end {rss['end'] / 1024:.1f}")
    return 1 if lost or missing else 0


if __name__ == "__main__":
    sys.exit(main())
