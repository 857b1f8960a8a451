"""Tool calls run on worker threads: a slow toolset must not stall the event loop that serves
other requests (health checks, other tenants' calls, tools/list)."""
from __future__ import annotations

import json
import re
import threading
import time

import pytest

from toolhost_testlib import (cli, compile_fixture, create_tenant, create_token, mcp_headers, plugins_dir_with_real, result_text,
                              rpc_error, rpc_result)


def test_slow_tool_does_not_block_other_requests(start_daemon, data_dir, tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("slow", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    token = create_token(data_dir, "acme", "slow,clock", plugins=plugins)
    # One event loop, so a tool call running on it would hold up everything else.
    d = start_daemon(data=data_dir, plugins=plugins, env={"TOOLHOST_THREADS": "1"})
    slow_result = {}

    def slow_call():
        started = time.monotonic()
        slow_result["response"] = d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 2000})
        slow_result["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.3)  # the slow call is now running
    started = time.monotonic()
    assert d.request("GET", "/healthz").status == 200
    rpc_result(d.call_tool("/acme/mcp", token, "current_time", {}))
    rpc_result(d.legacy("/acme/mcp", "tools/list", {}, token=token))
    elapsed = time.monotonic() - started
    worker.join()
    assert elapsed < 0.8, f"other requests waited {elapsed:.2f}s behind a slow tool call"
    assert slow_result["seconds"] >= 2.0
    rpc_result(slow_result["response"])


def test_sigterm_waits_for_a_tool_call_in_flight(start_daemon, data_dir, tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("slow", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    token = create_token(data_dir, "acme", "slow", plugins=plugins)
    d = start_daemon(data=data_dir, plugins=plugins)
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("r", d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 1000})))
    worker.start()
    time.sleep(0.3)
    assert d.stop() == 0  # graceful: the call in flight finishes before the process exits
    worker.join()
    rpc_result(result["r"])


# --------------------------------------------------------------------------------------------------
# Fairness between toolsets, deadlines and queue bounds (docs/BEHAVIOUR.md, "Slow toolsets")
# --------------------------------------------------------------------------------------------------

def _slow_daemon(start_daemon, data_dir, tmp_path, toolsets_config=None, env=None, log=None):
    """A daemon with the real toolsets plus the slow fixture; toolsets_config goes into toolhost.json."""
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("slow", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    token = create_token(data_dir, "acme", "slow,clock", plugins=plugins)
    if toolsets_config is not None:
        (data_dir / "toolhost.json").write_text(json.dumps({"toolsets": toolsets_config}))
    full_env = dict(env or {})
    if log is not None:
        full_env["TOOLHOST_SLOW_FIXTURE_LOG"] = str(log)
    return start_daemon(data=data_dir, plugins=plugins, env=full_env), token


def _in_background(d, token, ms, tag=None, path="/acme/mcp"):
    """Starts a sleep_ms call on its own thread; returns (thread, box) where box gets response and seconds."""
    box = {}
    args = {"ms": ms} if tag is None else {"ms": ms, "tag": tag}

    def run():
        started = time.monotonic()
        box["response"] = d.call_tool(path, token, "sleep_ms", args)
        box["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def _timed_quick_call(d, token, path="/acme/mcp"):
    started = time.monotonic()
    result = rpc_result(d.call_tool(path, token, "current_time", {}))
    assert not result.get("isError"), result
    return time.monotonic() - started


def test_a_saturated_toolset_leaves_a_worker_for_other_toolsets(start_daemon, data_dir, tmp_path):
    # Default 4 workers: the slow toolset may hold 3 of them; six 3 s calls keep it saturated
    # (three run, three wait in its own queue without holding a worker).
    d, token = _slow_daemon(start_daemon, data_dir, tmp_path)
    _timed_quick_call(d, token)  # warm up: the tenant's clock database is open
    calls = [_in_background(d, token, 3000) for _ in range(6)]
    time.sleep(0.4)  # the slow calls are now running or queued
    latencies = [_timed_quick_call(d, token), _timed_quick_call(d, token, "/acme/mcp/clock"), _timed_quick_call(d, token)]
    for thread, _ in calls:
        thread.join()
    print(f"quick call latencies while slow is saturated: {[round(s * 1000, 1) for s in latencies]} ms")
    # The bound is 50 ms: the median of three must meet it (one scheduling hiccup on a busy
    # machine is tolerated), and none may wait for a slow call (before: the first waited 2.6 s).
    assert sorted(latencies)[1] < 0.05, latencies
    assert max(latencies) < 0.5, latencies
    for _, box in calls:
        assert not rpc_result(box["response"]).get("isError"), box
    # The queued three started only when a running one finished: about 6 s for the last.
    assert max(box["seconds"] for _, box in calls) >= 5.5


def test_b_a_call_past_its_deadline_gets_a_timeout_result_and_finishes_in_the_background(start_daemon, data_dir, tmp_path):
    log = tmp_path / "slow-runs.log"
    d, token = _slow_daemon(start_daemon, data_dir, tmp_path, {"slow": {"call_timeout_seconds": 1}}, log=log)
    started = time.monotonic()
    result = rpc_result(d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 2500, "tag": "late"}, id=41), id=41)
    elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 1.5, elapsed
    assert result["isError"] is True, result
    text = result_text(result)
    assert "sleep_ms" in text and "slow" in text and "did not finish within 1 s" in text, text
    assert "still running" in text and "unknown" in text, text
    # The daemon stays healthy: other calls, including to the same toolset, still work.
    assert d.request("GET", "/healthz").status == 200
    _timed_quick_call(d, token)
    assert not rpc_result(d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 0})).get("isError")
    # The abandoned call ran to completion; its late result was logged and dropped.
    deadline = time.monotonic() + 5
    while "end late" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.read_text().split() == ["start", "late", "end", "late"]
    deadline = time.monotonic() + 2
    while "late result" not in d.stderr and time.monotonic() < deadline:
        time.sleep(0.05)
    assert re.search(r"INFO .*late result.*slow/sleep_ms.*id 41", d.stderr), d.stderr[-2000:]


def test_b_a_call_still_queued_at_its_deadline_never_runs(start_daemon, data_dir, tmp_path):
    log = tmp_path / "slow-runs.log"
    d, token = _slow_daemon(start_daemon, data_dir, tmp_path,
                            {"slow": {"call_timeout_seconds": 1, "max_concurrent_calls": 1}}, log=log)
    running, running_box = _in_background(d, token, 2500, "first")
    time.sleep(0.2)
    started = time.monotonic()
    result = rpc_result(d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 10, "tag": "queued"}))
    elapsed = time.monotonic() - started
    running.join()
    assert 0.7 <= elapsed < 1.4, elapsed
    assert result["isError"] is True, result
    text = result_text(result)
    assert "before it started" in text and "Nothing was done" in text, text
    first = rpc_result(running_box["response"])
    assert first["isError"] is True and "still running" in result_text(first), first
    assert d.request("GET", "/healthz").status == 200
    # SIGTERM while the abandoned first call still runs and the expired one still sits in the queue:
    # the daemon waits for the first, skips the second, and exits cleanly.
    assert d.stop() == 0
    assert log.read_text().split() == ["start", "first", "end", "first"]


def test_c_a_full_toolset_queue_is_refused_at_once_with_503(start_daemon, data_dir, tmp_path):
    d, token = _slow_daemon(start_daemon, data_dir, tmp_path, {"slow": {"max_concurrent_calls": 1, "max_queued_calls": 1}})
    first = _in_background(d, token, 1500)
    time.sleep(0.2)
    second = _in_background(d, token, 10)
    time.sleep(0.2)
    started = time.monotonic()
    response = d.call_tool("/acme/mcp", token, "sleep_ms", {"ms": 10}, id=7)
    elapsed = time.monotonic() - started
    err = rpc_error(response, 503, -31503, id=7)
    assert "slow toolset is busy" in err["message"], err
    assert err["data"] == {"toolset": "slow", "retry_after_seconds": 1}, err
    assert response.header("retry-after") == "1", response
    assert elapsed < 0.3, elapsed
    # Another toolset is not affected, and the accepted calls complete.
    _timed_quick_call(d, token)
    for thread, box in (first, second):
        thread.join()
        assert not rpc_result(box["response"]).get("isError")


@pytest.mark.parametrize("config, env, message", [
    ({"toolsets": {"slow": {"max_concurrent_calls": 0}}}, {},
     "toolsets.slow.max_concurrent_calls must be an integer from 1 to 1024"),
    ({"toolsets": {"slow": {"call_timeout_seconds": "10"}}}, {},
     "toolsets.slow.call_timeout_seconds must be an integer from 1 to 86400"),
    ({"toolsets": {"slow": {"max_queued": 3}}}, {},
     "toolsets.slow has no setting max_queued (known: call_timeout_seconds, max_concurrent_calls, max_queued_calls)"),
    ({"toolsets": []}, {}, "toolsets must be an object of toolset names"),
    (None, {"TOOLHOST_CALL_TIMEOUT": "0"}, "TOOLHOST_CALL_TIMEOUT must be an integer from 1 to 86400, not 0"),
    (None, {"TOOLHOST_TOOLSET_CONCURRENCY": "many"}, "TOOLHOST_TOOLSET_CONCURRENCY must be an integer from 1 to 1024, not many"),
    (None, {"TOOLHOST_TOOLSET_QUEUE": "-1"}, "TOOLHOST_TOOLSET_QUEUE must be an integer from 0 to 100000, not -1"),
])
def test_d_invalid_scheduling_settings_stop_the_start_with_a_clear_error(data_dir, config, env, message):
    if config is not None:
        (data_dir / "toolhost.json").write_text(json.dumps(config))
    proc = cli(data_dir, "serve", "--port", "0", "--no-demo", env=env, check=False, timeout=30)
    assert proc.returncode != 0, proc
    assert message in proc.stderr, proc.stderr


def test_a_batch_counts_against_every_toolset_it_calls_and_times_out_as_a_whole(start_daemon, data_dir, tmp_path):
    # A 2025-03-26 batch calling slow (1 s deadline) and clock (2 s): its deadline is the longer of
    # its toolsets' (2 s), so the 2.6 s sleep times it out at 2 s, and every request in it is answered.
    d, token = _slow_daemon(start_daemon, data_dir, tmp_path, {"slow": {"call_timeout_seconds": 1}, "clock": {"call_timeout_seconds": 2}})
    headers = mcp_headers(token)
    headers["MCP-Protocol-Version"] = "2025-03-26"
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "sleep_ms", "arguments": {"ms": 2600}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "current_time", "arguments": {}}},
        {"jsonrpc": "2.0", "id": 3, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "1.0", "id": 4, "method": "ping"},
    ]
    started = time.monotonic()
    response = d.request("POST", "/acme/mcp", batch, headers)
    elapsed = time.monotonic() - started
    assert response.status == 200, response
    replies = {reply["id"]: reply for reply in response.json()}
    assert 1.9 <= elapsed < 2.5, elapsed
    assert set(replies) == {1, 2, 3, 4}, replies
    for call_id in (1, 2):
        text = result_text(replies[call_id]["result"])
        assert replies[call_id]["result"]["isError"] is True and "part of a batch that did not finish within 2 s" in text, text
    assert "did not finish within 2 s" in replies[3]["error"]["message"], replies[3]
    assert replies[4]["error"]["code"] == -32600, replies[4]
    # The batch held a slot in both toolsets while it ran, and the daemon stays healthy.
    _timed_quick_call(d, token)
