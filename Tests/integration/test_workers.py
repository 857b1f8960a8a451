"""Tool calls run on worker threads: a slow toolset must not stall the event loop that serves
other requests (health checks, other tenants' calls, tools/list)."""
from __future__ import annotations

import threading
import time

from toolhost_testlib import compile_fixture, create_tenant, create_token, plugins_dir_with_real, rpc_result


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
