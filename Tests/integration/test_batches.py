"""2025-03-26 batches (docs/BEHAVIOUR.md "Batches"): a cap on messages, every message counted against the burst limit,
a bound on the reply bytes, and batch work kept off the event loops."""
from __future__ import annotations

import json
import threading
import time

import pytest

from toolhost_testlib import (Daemon, compile_fixture, create_tenant, create_token, mcp_headers, plugins_dir_with_real,
                              rpc_error, rpc_result, tenant_with_token)

PING = {"jsonrpc": "2.0", "method": "ping"}


def _headers(token):
    h = mcp_headers(token)
    h["MCP-Protocol-Version"] = "2025-03-26"
    return h


def _batch(method, n, start=1, params=None):
    out = []
    for i in range(start, start + n):
        m = {"jsonrpc": "2.0", "id": i, "method": method}
        if params is not None:
            m["params"] = params
        out.append(m)
    return out


def _post(d, token, batch, path="/bt/mcp"):
    return d.request("POST", path, batch, _headers(token))


@pytest.fixture
def batch_daemon(start_daemon, data_dir):
    def start(env=None, config=None):
        cfg = {"abuse": {"burst_limit": 100000, "burst_window_seconds": 60, "failed_auth_limit": 1000}}
        cfg.update(config or {})
        (data_dir / "toolhost.json").write_text(json.dumps(cfg))
        token = tenant_with_token(data_dir, "bt", "scheduling,clock")
        return start_daemon(data=data_dir, env=env), token
    return start


# -- the message cap ------------------------------------------------------------------------------------------------

def test_default_cap_is_100_messages_and_a_larger_batch_is_refused_whole(batch_daemon):
    d, token = batch_daemon()
    r = _post(d, token, _batch("ping", 100))
    assert r.status == 200 and [m["id"] for m in r.json()] == list(range(1, 101)), r
    r = _post(d, token, _batch("tools/list", 101))
    err = rpc_error(r, 400, -32600, id=None)
    assert err["message"] == ("Invalid Request: a batch may hold at most 100 messages (this one holds 101); "
                              "send them in smaller batches"), err


def test_cap_from_toolhost_json_and_environment_which_wins(batch_daemon):
    d, token = batch_daemon(config={"mcp": {"max_batch_messages": 3}})
    assert _post(d, token, _batch("ping", 3)).status == 200
    rpc_error(_post(d, token, _batch("ping", 4)), 400, -32600, id=None)
    d.stop()
    d.env["TOOLHOST_MAX_BATCH_MESSAGES"] = "5"
    d.start()
    assert _post(d, token, _batch("ping", 5)).status == 200
    assert "at most 5 messages" in rpc_error(_post(d, token, _batch("ping", 6)), 400, -32600)["message"]


@pytest.mark.parametrize("config, message", [
    ({"mcp": {"max_batch_messages": 0}}, "mcp.max_batch_messages must be an integer from 1 to 10000"),
    ({"mcp": {"max_batch_mesages": 5}}, "mcp has no setting max_batch_mesages"),
    ({"mcp": {"max_batch_response_bytes": 10}}, "mcp.max_batch_response_bytes must be an integer from 1024 to"),
])
def test_invalid_mcp_settings_stop_the_start(data_dir, config, message):
    (data_dir / "toolhost.json").write_text(json.dumps(config))
    d = Daemon(data=data_dir)
    with pytest.raises(AssertionError) as failure:
        d.start(timeout=20)
    assert message in str(failure.value)


def test_huge_batch_is_refused_quickly_and_health_checks_stay_fast(start_daemon, data_dir):
    # The body: ~1 MiB of tools/list messages. Before: a 458 MB reply built on an event loop, /healthz stalled.
    token = tenant_with_token(data_dir, "bt", "scheduling,clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_THREADS": "1"})
    body = json.dumps(_batch("tools/list", 20000), separators=(",", ":"))
    assert len(body) < 1024 * 1024
    result = {}

    def send():
        started = time.monotonic()
        result["r"] = d.request("POST", "/bt/mcp", body, _headers(token))
        result["s"] = time.monotonic() - started

    sender = threading.Thread(target=send)
    sender.start()
    worst = 0.0
    while sender.is_alive():
        started = time.monotonic()
        assert d.request("GET", "/healthz", timeout=30).status == 200
        worst = max(worst, time.monotonic() - started)
    sender.join()
    rpc_error(result["r"], 400, -32600, id=None)
    assert result["s"] < 3, result["s"]
    assert worst < 1.0, worst


# -- every message counts against the burst limit ---------------------------------------------------------------------

def test_each_message_counts_against_the_burst_limit(batch_daemon):
    d, token = batch_daemon(config={"abuse": {"burst_limit": 5, "burst_window_seconds": 60, "failed_auth_limit": 1000}})
    batch = _batch("tools/call", 8, params={"name": "current_time", "arguments": {}})
    batch.insert(6, PING)  # a notification counts too, and gets no reply
    r = _post(d, token, batch)
    assert r.status == 200, r
    replies = {m["id"]: m for m in r.json()}
    assert sorted(replies) == list(range(1, 9)), replies
    for i in range(1, 6):
        assert "result" in replies[i], replies[i]
    for i in range(6, 9):
        err = replies[i]["error"]
        assert err["code"] == -31029 and err["message"] == "Suspicious burst detected", err
        assert err["data"]["layer"] == "abuse" and err["data"]["retry_after_seconds"] > 0, err
    # The token's window is full now: a single request is refused as usual, and so is a whole batch.
    rpc_error(d.legacy("/bt/mcp", "tools/list", token=token, id=77), 429, -31029, "Suspicious burst detected", id=77)
    rpc_error(_post(d, token, _batch("ping", 3)), 429, -31029, "Suspicious burst detected", id=None)


# -- the reply bound ------------------------------------------------------------------------------------------------

def test_replies_past_the_byte_bound_are_not_run(batch_daemon):
    d, token = batch_daemon(env={"TOOLHOST_MAX_BATCH_RESPONSE_BYTES": "32768"})
    one = rpc_result(d.legacy("/bt/mcp", "tools/list", token=token))
    size = len(json.dumps(one))
    assert 5000 < size < 32768, size  # so the bound is reached after a few replies
    r = _post(d, token, _batch("tools/list", 10) + [PING])
    assert r.status == 200, r
    replies = r.json()
    ran = [m for m in replies if "result" in m]
    skipped = [m for m in replies if "error" in m]
    assert 2 <= len(ran) <= 7 and len(ran) + len(skipped) == 10, replies
    assert [m["id"] for m in replies] == list(range(1, 11))
    for m in skipped:
        assert m["error"]["code"] == -31413, m
        assert m["error"]["message"].startswith("Not run: the replies to this batch already reached 32768 bytes"), m
        assert m["error"]["data"] == {"max_batch_response_bytes": 32768}, m
    assert len(r.body) < 32768 + size + 2000


# -- batch work runs on the worker pool ----------------------------------------------------------------------------

def test_a_batch_without_tool_calls_runs_on_a_worker_not_on_the_loop(start_daemon, data_dir, tmp_path):
    # One worker, held by a slow call: a batch of pings waits for it (it is worker work), while /healthz, served by
    # the loop, does not.
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("slow", plugins)
    create_tenant(data_dir, "bt", plugins=plugins)
    token = create_token(data_dir, "bt", "slow,clock", plugins=plugins)
    d = start_daemon(data=data_dir, plugins=plugins, env={"TOOLHOST_THREADS": "1", "TOOLHOST_TOOL_THREADS": "1"})
    slow = threading.Thread(target=lambda: d.call_tool("/bt/mcp", token, "sleep_ms", {"ms": 1500}))
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert d.request("GET", "/healthz").status == 200
    assert time.monotonic() - started < 0.5
    r = _post(d, token, _batch("ping", 3))
    waited = time.monotonic() - started
    slow.join()
    assert r.status == 200 and len(r.json()) == 3, r
    assert waited >= 0.9, f"the batch was answered after {waited:.2f}s, without waiting for the worker"
