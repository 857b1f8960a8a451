"""The abuse guard (429): failed-authentication lockout per address and burst limit per token.

Each test runs its own daemon with small limits in <data>/toolhost.json (a lockout affects every test from
127.0.0.1, so it must not leak into a shared daemon).
"""
from __future__ import annotations

import json
import time

import pytest

from toolhost_testlib import (
    cli,
    rpc_error,
    rpc_result,
    tenant_with_token,
    token_public_id,
)

FAILED_LIMIT = 3
BURST_LIMIT = 5


@pytest.fixture
def abuse_daemon(start_daemon, data_dir):
    (data_dir / "toolhost.json").write_text(json.dumps({"abuse": {
        "failed_auth_limit": FAILED_LIMIT, "lockout_window_seconds": 3600,
        "burst_limit": BURST_LIMIT, "burst_window_seconds": 60}}))
    token = tenant_with_token(data_dir, "ab", "scheduling,clock")
    return start_daemon(data=data_dir), token


def _list(d, token, id=1):
    return d.legacy("/ab/mcp", "tools/list", token=token, id=id)


def _assert_429(r, message, id):
    err = rpc_error(r, 429, -31029, message, id=id, layer="abuse")
    retry = r.header("retry-after")
    assert retry is not None and retry.isdigit() and int(retry) > 0, r
    assert isinstance(err["data"]["retry_after_seconds"], int) and err["data"]["retry_after_seconds"] > 0, err


def test_failed_authentications_lock_the_address_out(abuse_daemon):
    d, token = abuse_daemon
    revoked = cli(d.data, "token", "create", "--tenant", "ab", "--name", "rv", "--toolsets", "clock").stdout.strip()
    cli(d.data, "token", "revoke", token_public_id(revoked))
    # "More than N failed authentications": N are plain 401s; the next one may already be refused.
    for i in range(FAILED_LIMIT):
        rpc_error(_list(d, "thp_000000000000_" + "x" * 43, id=i), 401, -31001, "Invalid token", layer="token")
    r = _list(d, "garbage", id=99)
    assert r.status in (401, 429), r
    # Locked out: even a valid token is refused at the abuse layer ...
    _assert_429(_list(d, token, id=100), "Too many failed authentication attempts from your IP", id=100)
    # ... but the first layer that refuses answers: a revoked token still gets the layer-1 401.
    rpc_error(_list(d, revoked, id=101), 401, -31001, "Token has been revoked", id=101, layer="token")


def test_successful_requests_do_not_count_as_failures(abuse_daemon):
    d, token = abuse_daemon
    for i in range(FAILED_LIMIT):
        rpc_error(_list(d, "garbage", id=i), 401, -31001, "Invalid token", layer="token")
    # Within the burst limit, a valid token still works: FAILED_LIMIT failures is not "more than" the limit.
    rpc_result(_list(d, token, id=50), id=50)


def test_burst_over_limit_is_429_per_token(abuse_daemon):
    d, token = abuse_daemon
    other = cli(d.data, "token", "create", "--tenant", "ab", "--name", "other", "--toolsets", "clock").stdout.strip()
    for i in range(BURST_LIMIT):
        rpc_result(_list(d, token, id=i), id=i)
    _assert_429(_list(d, token, id=77), "Suspicious burst detected", id=77)
    # Per token: another token of the same tenant, from the same address, is unaffected.
    rpc_result(_list(d, other, id=78), id=78)


# A lockout is written to host.db when it begins (by the flush thread, within ~200 ms) and read back at start.
PERSIST_WAIT = 1.0


def _lock_out(d, address=None):
    headers = {"X-Forwarded-For": address} if address else None
    for i in range(FAILED_LIMIT + 1):
        d.legacy("/ab/mcp", "tools/list", token="garbage", id=i, headers=headers)


def _retry_after(d, token, address=None):
    headers = {"X-Forwarded-For": address} if address else None
    r = d.legacy("/ab/mcp", "tools/list", token=token, id=5, headers=headers)
    _assert_429(r, "Too many failed authentication attempts from your IP", id=5)
    return int(r.header("retry-after"))


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_lockouts_survive_a_restart(start_daemon, data_dir, how):
    (data_dir / "toolhost.json").write_text(json.dumps({"abuse": {
        "failed_auth_limit": FAILED_LIMIT, "lockout_window_seconds": 3600, "burst_limit": 1000, "burst_window_seconds": 60}}))
    token = tenant_with_token(data_dir, "ab", "scheduling,clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})
    _lock_out(d, "203.0.113.7")
    before = _retry_after(d, token, "203.0.113.7")
    time.sleep(PERSIST_WAIT)
    if how == "sigterm":
        assert d.stop() == 0
    else:
        d.kill()
    d.start()
    # Still locked out, for the rest of the same window (not a new one, not lifted) ...
    after = _retry_after(d, token, "203.0.113.7")
    assert before - PERSIST_WAIT - 30 <= after <= before, (before, after)
    # ... and only that address: another one, and the proxy itself, are served.
    rpc_result(d.legacy("/ab/mcp", "tools/list", token=token, id=6, headers={"X-Forwarded-For": "198.51.100.9"}), id=6)
    rpc_result(_list(d, token, id=7), id=7)
