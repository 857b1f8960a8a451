"""Handshake-era sessions (docs/BEHAVIOUR.md "Sessions"): per-token and per-tenant quotas, so that one tenant can
never push out another tenant's sessions."""
from __future__ import annotations

import json

import pytest

from toolhost_testlib import create_token, mcp_headers, rpc_result, tenant_with_token

QUOTAS = {"TOOLHOST_MAX_SESSIONS": "12", "TOOLHOST_MAX_SESSIONS_PER_TENANT": "6", "TOOLHOST_MAX_SESSIONS_PER_TOKEN": "3"}


def _open(d, tenant, token):
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "pytest", "version": "1"}}}
    r = d.request("POST", f"/{tenant}/mcp", body, mcp_headers(token))
    rpc_result(r, id=1)
    return r.header("mcp-session-id")


def _alive(d, tenant, token, sid) -> bool:
    r = d.legacy(f"/{tenant}/mcp", "ping", token=token, session=sid)
    assert r.status in (200, 404), r
    return r.status == 200


@pytest.fixture
def sessions_daemon(start_daemon, data_dir):
    (data_dir / "toolhost.json").write_text(json.dumps({"abuse": {"burst_limit": 100000, "failed_auth_limit": 1000}}))
    tokens = {"b": tenant_with_token(data_dir, "tenant-b", "clock")}
    tokens["a1"] = tenant_with_token(data_dir, "tenant-a", "clock")
    tokens["a2"] = create_token(data_dir, "tenant-a", "clock", name="a2")
    tokens["a3"] = create_token(data_dir, "tenant-a", "clock", name="a3")
    for other in ("tenant-c", "tenant-d"):
        tokens[other] = tenant_with_token(data_dir, other, "clock")
    tokens["e"] = tenant_with_token(data_dir, "tenant-e", "clock")
    return start_daemon(data=data_dir, env=QUOTAS), tokens


def test_a_token_over_its_quota_loses_its_own_least_recently_used_session(sessions_daemon):
    d, t = sessions_daemon
    first, second, third = (_open(d, "tenant-a", t["a1"]) for _ in range(3))
    assert _alive(d, "tenant-a", t["a1"], first)  # now the most recently used; `second` is the least
    fourth = _open(d, "tenant-a", t["a1"])
    assert not _alive(d, "tenant-a", t["a1"], second)
    assert all(_alive(d, "tenant-a", t["a1"], s) for s in (first, third, fourth))


def test_one_tenant_cannot_evict_another_tenants_sessions(sessions_daemon):
    d, t = sessions_daemon
    b = _open(d, "tenant-b", t["b"])
    a = [_open(d, "tenant-a", t[name]) for _ in range(10) for name in ("a1", "a2", "a3")]  # 30 » every quota
    assert _alive(d, "tenant-b", t["b"], b)
    alive = [s for s, name in zip(a, ["a1", "a2", "a3"] * 10) if _alive(d, "tenant-a", t[name], s)]
    assert len(alive) == 6, len(alive)  # the tenant quota: A's own oldest went first
    assert alive == a[-6:]


def test_a_full_store_serves_a_newcomer_without_a_session_rather_than_evicting_others(sessions_daemon):
    d, t = sessions_daemon
    held = {tenant: [_open(d, tenant, t[key]) for _ in range(3)]
            for tenant, key in (("tenant-b", "b"), ("tenant-c", "tenant-c"), ("tenant-d", "tenant-d"))}
    held["tenant-a"] = [_open(d, "tenant-a", t[k]) for k in ("a1", "a2", "a3")]
    # 12 live sessions: the store is full. Tenant E has none to give up, so it gets none ...
    assert _open(d, "tenant-e", t["e"]) is None
    # ... and everyone keeps theirs; a tenant with sessions of its own replaces its least recently used one.
    keys = {"tenant-b": ["b"] * 3, "tenant-c": ["tenant-c"] * 3, "tenant-d": ["tenant-d"] * 3, "tenant-a": ["a1", "a2", "a3"]}
    for tenant, sids in held.items():
        assert all(_alive(d, tenant, t[k], s) for s, k in zip(sids, keys[tenant])), tenant
    newer = _open(d, "tenant-b", t["b"])
    assert newer is not None and _alive(d, "tenant-b", t["b"], newer)
    assert not _alive(d, "tenant-b", t["b"], held["tenant-b"][0])
    assert all(_alive(d, "tenant-c", t["tenant-c"], s) for s in held["tenant-c"])
