"""The audit trail survives SIGKILL: every acknowledged tool call and denial has its audit row after
a kill and a restart (the journal is replayed), none twice, and a clean stop leaves no journal behind.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from toolhost_testlib import Daemon, cli, relax_abuse_limits, rpc_result, tenant_with_token


def _audit_rows(data, tenant):
    out = cli(data, "audit", "--tenant", tenant, "--limit", "100000", "--json").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _journal_files(data):
    folder = data / "audit-journal"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _calls_then_sigkill(d, token, count):
    """Fires `count` tool calls from 8 threads; SIGKILLs the daemon right after the last answer.
    Returns how many were acknowledged (HTTP 200 with a result)."""
    acknowledged = 0
    lock = threading.Lock()

    def one(i):
        nonlocal acknowledged
        r = d.legacy("/acme/mcp", "tools/call", {"name": "current_time", "arguments": {}}, token=token, id=i)
        rpc_result(r, id=i)
        with lock:
            acknowledged += 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(count)))
    d.kill()
    return acknowledged


def test_acknowledged_calls_keep_their_audit_rows_across_sigkill(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    relax_abuse_limits(data)
    token = tenant_with_token(data, "acme", "clock")
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    acknowledged = _calls_then_sigkill(d, token, 600)
    assert acknowledged == 600
    assert _journal_files(data), "the killed daemon left its journal behind"

    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    try:
        assert "replaying" in d.stderr, d.stderr
        rows = [r for r in _audit_rows(data, "acme") if r["kind"] == "tool.call"]
        assert len(rows) == acknowledged, f"{acknowledged} acknowledged calls, {len(rows)} audit rows"
        assert len({r["request_id"] for r in rows}) == len(rows), "a replayed event was written twice"
    finally:
        assert d.stop() == 0
    assert _journal_files(data) == [], "a clean stop leaves no journal"


def test_a_denial_answered_just_before_sigkill_is_in_the_trail(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    tenant_with_token(data, "acme", "clock")
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    r = d.legacy("/acme/mcp", "tools/list", token="thp_not_a_real_token_at_all_000000000000")
    assert r.status == 401
    d.kill()
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    try:
        rows = [r for r in _audit_rows(data, "acme") if r["kind"] == "access.denied"]
        assert len(rows) == 1 and rows[0]["layer"] == "token", rows
    finally:
        assert d.stop() == 0


def test_replay_happens_once_even_if_the_restarted_daemon_is_killed_too(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    relax_abuse_limits(data)
    token = tenant_with_token(data, "acme", "clock")
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    first = _calls_then_sigkill(d, token, 200)
    d = Daemon(data=data, logdir=tmp_path / "logs").start()  # replays, then is killed at once
    d.kill()
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    try:
        rows = [r for r in _audit_rows(data, "acme") if r["kind"] == "tool.call"]
        assert len(rows) == first, (len(rows), first)
    finally:
        assert d.stop() == 0


def test_the_journal_folder_and_files_are_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    token = tenant_with_token(data, "acme", "clock")
    d = Daemon(data=data, logdir=tmp_path / "logs").start()
    try:
        rpc_result(d.legacy("/acme/mcp", "tools/call", {"name": "current_time", "arguments": {}}, token=token))
        files = list((data / "audit-journal").iterdir())
        assert files and all(f.stat().st_mode & 0o077 == 0 for f in files), [oct(f.stat().st_mode) for f in files]
    finally:
        assert d.stop() == 0
