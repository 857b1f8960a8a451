"""Unauthenticated work must not take what authenticated tool calls need (issue 10 items 1 and 6, docs/BEHAVIOUR.md
"OAuth" and "Processes and files"): the OAuth pages run on a small thread budget of their own, sign-ins (scrypt) and
client metadata fetches are limited per address, fetches never hold a page thread while the network is silent, and
every logged value from outside is escaped."""
from __future__ import annotations

import json
import re
import socket
import statistics
import threading
import time
import urllib.parse

import httpx2
import pytest

from test_oauth import REDIRECT, authorize_url, hidden_fields, make_user, pkce_pair, register
from toolhost_testlib import LOG_LINE_RE, create_tenant, create_token, relax_abuse_limits, rpc_result

FORGED = "2026-01-01T00:00:00.000Z ERROR [forged] x"


@pytest.fixture
def preauth(start_daemon, data_dir):
    relax_abuse_limits(data_dir)
    cfg = json.loads((data_dir / "toolhost.json").read_text())
    cfg["oauth"] = {"allow_loopback_client_metadata": True}
    (data_dir / "toolhost.json").write_text(json.dumps(cfg))
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})
    return d, token


# ---------------------------------------------------------------------------------------------------------------------
# item 6: log injection
# ---------------------------------------------------------------------------------------------------------------------

def _assert_log_clean(d):
    raw = d.stderr_path.read_bytes()
    assert b"\x00" not in raw, "a NUL byte reached the log"
    lines = raw.decode().splitlines()
    assert not [l for l in lines if l.startswith(FORGED[:24])], "a forged line reached the log"
    assert all(LOG_LINE_RE.match(l) for l in lines if l and not l.startswith(" ")), [l for l in lines if not LOG_LINE_RE.match(l)]
    return raw.decode()


def test_client_name_and_client_id_cannot_forge_log_lines(preauth):
    d, _ = preauth
    r = httpx2.post(d.url("/oauth/register"), json={"client_name": "Evil\n" + FORGED + "\x00\r\u2028end",
                                                    "redirect_uris": [REDIRECT]})
    assert r.status_code == 201, r.text
    # A URL client_id with a newline is logged when its document cannot be used.
    _, challenge = pkce_pair()
    bad = "http://127.0.0.1:9/x.json\n" + FORGED + "\x00"
    httpx2.get(authorize_url(d, {"client_id": bad}, challenge))
    time.sleep(0.3)
    text = _assert_log_clean(d)
    assert "Evil\\n" + FORGED + "\\x00\\r\\u{2028}end" in text, text[-2000:]


# ---------------------------------------------------------------------------------------------------------------------
# item 1: unauthenticated work has its own budget
# ---------------------------------------------------------------------------------------------------------------------

def _configure(data_dir, **pre_auth):
    cfg = json.loads((data_dir / "toolhost.json").read_text())
    cfg["pre_auth"] = {**cfg.get("pre_auth", {}), **pre_auth}
    (data_dir / "toolhost.json").write_text(json.dumps(cfg))


@pytest.fixture
def attacked(start_daemon, data_dir):
    """A daemon with small pre-auth budgets, X-Forwarded-For trusted from 127.0.0.1 (to play many addresses)."""
    relax_abuse_limits(data_dir)
    cfg = json.loads((data_dir / "toolhost.json").read_text())
    cfg["oauth"] = {"allow_loopback_client_metadata": True}
    (data_dir / "toolhost.json").write_text(json.dumps(cfg))
    _configure(data_dir, metadata_fetches=2, metadata_fetch_queue=1, metadata_fetches_per_address=2, sign_ins_per_minute=5)
    create_tenant(data_dir, "acme")
    make_user(data_dir)
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})
    return d, token


class SilentServer:
    """Accepts connections and never answers: a client metadata server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.stopped = True
        for s in self.held:
            s.close()
        self.sock.close()


def _tool_call_latencies(d, token, seconds):
    """Sequential clock calls for `seconds`: their latencies in seconds."""
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        r = d.call_tool("/acme/mcp/clock", token, "current_time", {}, id=len(latencies))
        rpc_result(r)
        latencies.append(time.monotonic() - started)
    return latencies


def _assert_tool_calls_unaffected(latencies):
    # Loose on purpose (a shared 2-core box): before the fix, calls waited seconds behind fetches and scrypt.
    assert len(latencies) >= 20, latencies
    assert statistics.median(latencies) < 0.05, statistics.median(latencies)
    assert max(latencies) < 1.0, max(latencies)


def _authorize(d, client_id, address):
    _, challenge = pkce_pair()
    return httpx2.get(authorize_url(d, {"client_id": client_id}, challenge), headers={"X-Forwarded-For": address}, timeout=30)


def _in_threads(calls):
    results = [None] * len(calls)

    def run(i, call):
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    return threads, results


def test_hanging_metadata_fetches_take_nothing_from_tool_calls_or_pages(attacked):
    d, token = attacked
    silent = SilentServer()
    try:
        url = lambda n: f"http://127.0.0.1:{silent.port}/client-{n}.json"
        # Two fetch threads and one queue place host-wide; two fetches per address.
        threads, results = _in_threads([lambda n=n: _authorize(d, url(n), "203.0.113.1") for n in range(2)])
        time.sleep(1.0)
        # A third from the same address: over its own budget, refused at once.
        over = _authorize(d, url(2), "203.0.113.1")
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1, over.text
        # Others: one may wait for a fetch thread, then the fetch budget is full (503) ...
        more, more_results = _in_threads([lambda n=n: _authorize(d, url(10 + n), f"198.51.100.{n}") for n in range(3)])
        time.sleep(1.0)
        # ... but a document already being fetched is waited for, not fetched again.
        same, same_results = _in_threads([lambda: _authorize(d, url(0), "192.0.2.77")])
        time.sleep(0.2)
        # While every fetch hangs, the OAuth pages (on their own threads) and tool calls are served: no page
        # thread waits for the network (before, a hung fetch held a worker for its 5 s).
        assert httpx2.post(d.url("/oauth/register"), json={"client_name": "during", "redirect_uris": [REDIRECT]}).status_code == 201
        assert all(t.is_alive() for t in threads), "the page was answered only after the fetches ended"
        _assert_tool_calls_unaffected(_tool_call_latencies(d, token, 3.0))
        for t in threads + more + same:
            t.join(30)
        statuses = sorted(r.status_code for r in more_results)
        assert statuses.count(503) >= 1 and all(s in (400, 503) for s in statuses), statuses
        busy = next(r for r in more_results if r.status_code == 503)
        assert busy.headers["retry-after"] == "1"
        # The hung fetches end after 5 s with the error page, for everyone waiting on them.
        for r in results + same_results:
            assert r.status_code == 400 and "timed out" in r.text, (r.status_code, r.text[:300])
        fetched = [l for l in d.stderr.splitlines() if "client-0.json" in l and "timed out" in l]
        assert len(fetched) == 1, fetched
    finally:
        silent.close()


def _sign_in_page(d, client, address):
    _, challenge = pkce_pair()
    browser = httpx2.Client(timeout=30, headers={"X-Forwarded-For": address})
    page = browser.get(authorize_url(d, client, challenge))
    assert page.status_code == 200, page.text
    return browser, hidden_fields(page.text)


def test_sign_in_floods_are_limited_per_address_and_leave_tool_calls_alone(attacked):
    d, token = attacked
    client = register(d)
    addresses = [f"10.9.0.{i % 21}" for i in range(24)]  # 21 addresses, three of them twice
    pages = [_sign_in_page(d, client, a) for a in addresses]
    stop = threading.Event()
    seen: dict = {}

    def attacker(browser, fields):
        while not stop.is_set():
            r = browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": "wrong"})
            seen.setdefault(r.status_code, []).append(r.headers.get("retry-after"))
            if r.status_code in (429, 503):
                time.sleep(0.2)

    threads = [threading.Thread(target=attacker, args=p) for p in pages]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        latencies = _tool_call_latencies(d, token, 4.0)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        for browser, _ in pages:
            browser.close()
    _assert_tool_calls_unaffected(latencies)
    assert 401 in seen, seen
    # Over the per-address budgets (one at a time, 5 a minute): 429 with Retry-After.
    assert 429 in seen and all(v and int(v) >= 1 for v in seen[429]), seen.keys()
    assert seen[401].__len__() <= 21 * 5, len(seen[401])
    # Five sign-ins a minute per address (configured): the sixth gets 429, and Retry-After says when the
    # address's minute frees a slot.
    browser, fields = _sign_in_page(d, client, "10.9.1.1")
    statuses = [browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": "wrong"})
                for _ in range(6)]
    assert [r.status_code for r in statuses] == [401] * 5 + [429], [r.status_code for r in statuses]
    assert 50 <= int(statuses[-1].headers["retry-after"]) <= 60, statuses[-1].headers
    browser.close()
    # Another address is not affected, and a correct password still signs in.
    browser, fields = _sign_in_page(d, client, "192.0.2.200")
    r = browser.post(d.url("/oauth/signin"), data={**fields, "email": "owner@example.com", "password": "correct horse battery"})
    assert r.status_code == 200 and 'action="/oauth/consent"' in r.text, r.text[:500]
    browser.close()
