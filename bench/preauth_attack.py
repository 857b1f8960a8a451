#!/usr/bin/env python3
"""Tool-call throughput while unauthenticated OAuth work floods the daemon (issue 10, item 1).

Starts its own daemon (binary from --bin, toolsets beside it) with relaxed abuse limits, then measures a
read-only tool call (clock current_time) over keep-alive connections in three phases:
  baseline   no attack
  metadata   --fetchers clients keep authorizing with client_ids whose metadata server accepts and never answers
  scrypt     --signers clients keep posting wrong passwords, X-Forwarded-For spread over --addresses addresses

    python bench/preauth_attack.py --bin .build/debug/toolhost [--seconds 8]
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

PASSWORD = "correct horse battery"


def serve_silently(port_out, stop):
    """Accepts connections and never answers: a client metadata server that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port_out.value = listener.getsockname()[1]
    held = []
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            held.append(listener.accept()[0])
        except socket.timeout:
            pass


def get(port, path, headers=None, timeout=30.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def authorize_path(client_id, port):
    return "/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": "http://127.0.0.1:53682/callback",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
        "state": "s", "resource": f"http://127.0.0.1:{port}/acme/mcp"})


def metadata_attacker(port, silent_port, index, stop, counts):
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, _, _ = get(port, authorize_path(f"http://127.0.0.1:{silent_port}/c{index}-{n}.json", port),
                               {"X-Forwarded-For": f"10.1.0.{index}"})
            counts[status] = counts.get(status, 0) + 1
        except OSError:
            counts["error"] = counts.get("error", 0) + 1


def sign_in_attacker(port, client_id, index, addresses, stop, counts):
    address = f"10.2.0.{index % addresses}"
    while not stop.is_set():
        try:
            status, headers, body = get(port, authorize_path(client_id, port), {"X-Forwarded-For": address})
            if status != 200:
                counts[status] = counts.get(status, 0) + 1
                time.sleep(0.05)
                continue
            fields = dict(re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
            cookie = headers["set-cookie"].split(";")[0]
            form = urllib.parse.urlencode({**{k.decode(): v.decode() for k, v in fields.items()},
                                           "email": "owner@example.com", "password": "wrong"})
            while not stop.is_set():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", "/oauth/signin", body=form, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "X-Forwarded-For": address})
                r = conn.getresponse()
                r.read()
                conn.close()
                counts[r.status] = counts.get(r.status, 0) + 1
                if r.status in (429, 503):
                    time.sleep(min(1.0, float(r.getheader("Retry-After") or 1)))
        except OSError:
            counts["error"] = counts.get("error", 0) + 1


def attack(kind, port, extra, workers, stop, result):
    counts: dict = {}
    threads = []
    for i in range(workers):
        if kind == "metadata":
            target = lambda i=i: metadata_attacker(port, extra, i, stop, counts)
        else:
            target = lambda i=i: sign_in_attacker(port, extra[0], i, extra[1], stop, counts)
        t = threading.Thread(target=target, daemon=True)
        t.start()
        threads.append(t)
    stop.wait()
    result.update({str(k): v for k, v in counts.items()})


def tool_calls(port, token, seconds, connections=4):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "current_time", "arguments": {}}})
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "Authorization": f"Bearer {token}", "MCP-Protocol-Version": "2025-11-25"}
    latencies: list[float] = []
    failures = [0]
    end = time.monotonic() + seconds

    def loop():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                conn.request("POST", "/acme/mcp/clock", body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if ok:
                latencies.append(time.monotonic() - started)
            else:
                failures[0] += 1
        conn.close()

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    begun = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - begun
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
    return {"calls_per_s": round(len(latencies) / took, 1), "p50_ms": round(q(0.5), 1), "p99_ms": round(q(0.99), 1),
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None, "failed": failures[0]}


def cli(binary, data, *args, input=None):
    return subprocess.run([binary, *args, "--data", data], input=input, capture_output=True, text=True, check=True).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--fetchers", type=int, default=4)
    parser.add_argument("--signers", type=int, default=24)
    parser.add_argument("--addresses", type=int, default=21)
    parser.add_argument("--pre-auth", default="{}", help='JSON for toolhost.json "pre_auth" (newer builds only)')
    args = parser.parse_args()
    binary = str(Path(args.bin).resolve())
    data = tempfile.mkdtemp(prefix="preauth-bench-")
    Path(data, "toolhost.json").write_text(json.dumps({
        "abuse": {"burst_limit": 10_000_000, "burst_window_seconds": 60, "failed_auth_limit": 1_000_000},
        "oauth": {"allow_loopback_client_metadata": True},
        **({"pre_auth": json.loads(args.pre_auth)} if args.pre_auth != "{}" else {})}))
    cli(binary, data, "tenant", "create", "acme")
    token = cli(binary, data, "token", "create", "--tenant", "acme", "--name", "bench", "--toolsets", "clock").strip()
    cli(binary, data, "user", "create", "--tenant", "acme", "--email", "owner@example.com", input=PASSWORD + "\n")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    log = open(os.path.join(data, "serve.stderr"), "wb")
    daemon = subprocess.Popen([binary, "serve", "--no-demo", "--port", str(port), "--data", data], stderr=log,
                              stdout=subprocess.DEVNULL, env={**os.environ, "TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        while b"listening on" not in Path(data, "serve.stderr").read_bytes():
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/oauth/register", body=json.dumps({"client_name": "bench", "redirect_uris": ["http://127.0.0.1:53682/callback"]}),
                     headers={"Content-Type": "application/json"})
        client_id = json.loads(conn.getresponse().read())["client_id"]
        results = {"baseline": tool_calls(port, token, args.seconds)}
        stop_server = mp.Event()
        silent_port = mp.Value("i", 0)
        server = mp.Process(target=serve_silently, args=(silent_port, stop_server), daemon=True)
        server.start()
        while silent_port.value == 0:
            time.sleep(0.01)
        for kind, workers, extra in (("metadata", args.fetchers, silent_port.value),
                                     ("scrypt", args.signers, (client_id, args.addresses))):
            manager = mp.Manager()
            stop, counts = manager.Event(), manager.dict()
            attacker = mp.Process(target=attack, args=(kind, port, extra, workers, stop, counts))
            attacker.start()
            time.sleep(1.0)  # let the attack fill whatever it fills
            results[kind] = tool_calls(port, token, args.seconds)
            stop.set()
            attacker.join(40)
            results[kind]["attacker_statuses"] = dict(counts)
            manager.shutdown()
            time.sleep(6)  # let hanging fetches time out before the next phase
        stop_server.set()
        print(json.dumps(results, indent=1))
    finally:
        daemon.terminate()
        daemon.wait(30)


if __name__ == "__main__":
    sys.exit(main())
