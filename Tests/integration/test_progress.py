"""Progress and cancellation of tool calls (toolhost_plugin.h section 10), through the C fixture
Tests/fixtures/plugins/progress.c: notifications/progress over SSE to the official Python client
and on the raw wire in both eras, plain JSON without a progressToken, and is_cancelled turning 1
for notifications/cancelled, a passed deadline and (2026-07-28) a closed stream."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time

import anyio
import httpx2
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from toolhost_testlib import (BIN, LEGACY, MODERN, compile_fixture, create_tenant, create_token, mcp_headers, modern_envelope,
                              plugins_dir_with_real, rpc_result, run)


@pytest.fixture
def progress_daemon(start_daemon, data_dir, tmp_path):
    """A daemon with the progress fixture, a 1 s deadline for its toolset, and the fixture's log."""
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("progress", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    token = create_token(data_dir, "acme", "progress,clock", plugins=plugins)
    other = create_token(data_dir, "acme", "progress", name="other", plugins=plugins)
    (data_dir / "toolhost.json").write_text(json.dumps({"toolsets": {"progress": {"call_timeout_seconds": 1}}}))
    log = tmp_path / "progress.log"
    d = start_daemon(data=data_dir, plugins=plugins, env={"TOOLHOST_PROGRESS_FIXTURE_LOG": str(log)})
    return d, token, other, log


def _log_lines(log, tag):
    if not log.exists():
        return []
    return [line.split() for line in log.read_text().splitlines() if line.split()[1] == tag]


def _wait_for(log, tag, event, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in _log_lines(log, tag):
            if line[0] == event:
                return line
        time.sleep(0.01)
    raise AssertionError(f"no '{event} {tag}' in the fixture log: {log.read_text() if log.exists() else '(none)'}")


def _sse_events(body: bytes) -> list[dict]:
    """The JSON messages of an SSE body, checking the framing of each event."""
    events = []
    for block in body.decode().split("\n\n"):
        if not block:
            continue
        lines = block.split("\n")
        assert lines[0] == "event: message", block
        assert len(lines) == 2 and lines[1].startswith("data: "), block
        events.append(json.loads(lines[1][len("data: "):]))
    return events


def _call_body(name, arguments, *, id=1, token_value="tok-1", era="legacy"):
    params = {"name": name, "arguments": arguments}
    if token_value is not None:
        params["_meta"] = {"progressToken": token_value}
    if era == "legacy":
        return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}, {"MCP-Protocol-Version": LEGACY}
    body, headers = modern_envelope("tools/call", params, id=id)
    if token_value is not None:
        body["params"]["_meta"]["progressToken"] = token_value
    return body, headers


def _post_call(d, token, name, arguments, *, era="legacy", accept=None, **kw):
    body, headers = _call_body(name, arguments, era=era, **kw)
    h = mcp_headers(token)
    h.update(headers)
    if accept is not None:
        h["Accept"] = accept
    return d.request("POST", "/acme/mcp", body, h)


# --------------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_python_client_progress_callback_sees_every_step_then_the_result(progress_daemon, mode):
    d, token, _, _ = progress_daemon
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    async def body():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
            async with Client(streamable_http_client(d.url("/acme/mcp"), http_client=h), mode=mode) as c:
                result = await c.call_tool("steps", {"count": 5, "delay_ms": 20}, progress_callback=on_progress)
                return result, list(seen)

    result, at_result = run(body())
    assert not result.is_error, result
    assert result.content[0].text == "did 5 steps"
    # Every report went out (TH_OK = 0), the repeated value was refused (TH_INVALID_ARGUMENT = 2).
    assert result.structured_content == {"statuses": [0, 0, 0, 0, 0], "repeat": 2}
    assert at_result == [(float(i), 5.0, f"step {i} of 5") for i in range(1, 6)]


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_progress_travels_as_sse_then_the_response(progress_daemon, era):
    d, token, _, _ = progress_daemon
    r = _post_call(d, token, "steps", {"count": 3}, era=era, token_value="p-7")
    assert r.status == 200, r
    assert r.header("content-type") == "text/event-stream"
    assert r.header("cache-control") == "no-cache"
    assert r.header("x-accel-buffering") == "no"
    assert r.header("transfer-encoding") == "chunked"
    assert r.header("content-length") is None
    events = _sse_events(r.body)
    assert [e["method"] for e in events[:3]] == ["notifications/progress"] * 3
    assert [e["params"] for e in events[:3]] == [
        {"progressToken": "p-7", "progress": i, "total": 3, "message": f"step {i} of 3"} for i in (1, 2, 3)]
    final = events[3]
    assert final["id"] == 1 and final["result"]["content"][0]["text"] == "did 3 steps", final
    if era == "modern":
        assert final["result"]["resultType"] == "complete"
    assert len(events) == 4


def test_sse_wire_is_chunked_and_the_connection_stays_usable(progress_daemon):
    """On the raw wire: chunk sizes in hex, each chunk one whole event, a zero chunk at the end, and
    the next request on the same keep-alive connection is answered."""
    d, token, _, _ = progress_daemon
    body, extra = _call_body("steps", {"count": 2}, id=9, token_value=42)
    payload = json.dumps(body).encode()
    headers = {**mcp_headers(token), **extra, "Host": f"127.0.0.1:{d.port}", "Content-Length": str(len(payload))}
    head = "POST /acme/mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(head.encode() + payload)
        data = b""
        while not data.endswith(b"\r\n0\r\n\r\n"):
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
        head_bytes, _, rest = data.partition(b"\r\n\r\n")
        assert b"Transfer-Encoding: chunked" in head_bytes and b"Connection: close" not in head_bytes
        messages = []
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            chunk, rest = rest[:size], rest[size + 2:]
            messages += _sse_events(chunk)
            assert len(_sse_events(chunk)) == 1  # one whole event per chunk
        assert [m.get("params", {}).get("progress") for m in messages] == [1, 2, None]
        assert messages[0]["params"]["progressToken"] == 42
        # The same connection serves the next request.
        ping = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}).encode()
        headers["Content-Length"] = str(len(ping))
        headers["Connection"] = "close"
        s.sendall(("POST /acme/mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode() + ping)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and b'"id":2' in answer, answer


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_without_progress_token_the_answer_is_plain_json(progress_daemon, era):
    d, token, _, _ = progress_daemon
    r = _post_call(d, token, "steps", {"count": 3}, era=era, token_value=None)
    assert r.status == 200 and r.header("content-type") == "application/json", r
    result = rpc_result(r)
    # No client asked: every report is a silent no-op that still returns TH_OK.
    assert result["structuredContent"]["statuses"] == [0, 0, 0]


def test_without_event_stream_in_accept_the_answer_is_plain_json(progress_daemon):
    d, token, _, _ = progress_daemon
    r = _post_call(d, token, "steps", {"count": 2}, accept="application/json")
    assert r.status == 200 and r.header("content-type") == "application/json", r
    assert rpc_result(r)["structuredContent"]["statuses"] == [0, 0]


def test_a_call_that_reports_nothing_is_plain_json_even_with_a_token(progress_daemon):
    d, token, _, _ = progress_daemon
    r = _post_call(d, token, "wait_cancel", {"tag": "quiet", "max_ms": 0}, token_value="p")
    assert r.status == 200 and r.header("content-type") == "application/json", r
    assert rpc_result(r)["content"][0]["text"].startswith("not cancelled")


# --------------------------------------------------------------------------------------------------
# Cancellation
# --------------------------------------------------------------------------------------------------

def _call_in_background(d, token, tag, *, era="legacy", id=1, max_ms=4000, token_value=None, report=False):
    box = {}

    def go():
        box["response"] = _post_call(d, token, "wait_cancel", {"tag": tag, "max_ms": max_ms, "report": report}, era=era,
                                     id=id, token_value=token_value)

    t = threading.Thread(target=go)
    t.start()
    return t, box


def _cancel(d, token, request_id, *, era="legacy"):
    params = {"requestId": request_id, "reason": "test"}
    if era == "legacy":
        body = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params}
        h = {**mcp_headers(token), "MCP-Protocol-Version": LEGACY}
    else:
        body, h = modern_envelope("notifications/cancelled", params, id=None)
        body.pop("id", None)
        h.update(mcp_headers(token))
    return d.request("POST", "/acme/mcp", body, h)


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_notifications_cancelled_sets_is_cancelled_promptly(progress_daemon, era):
    d, token, _, log = progress_daemon
    tag = f"cancel-{era}"
    t, box = _call_in_background(d, token, tag, era=era, id="call-7", max_ms=8000)
    _wait_for(log, tag, "start")
    sent = time.monotonic()
    r = _cancel(d, token, "call-7", era=era)
    assert r.status == 202 and r.body == b"", r
    line = _wait_for(log, tag, "cancelled", timeout=9)
    seen_after = time.monotonic() - sent
    t.join()
    # Typically a few ms (the plugin polls every 5 ms); the bound leaves room for a loaded CI machine
    # while staying far below the 8 s the call would otherwise run.
    assert seen_after < 2.0, f"the plugin saw the cancellation {seen_after:.3f} s after it was sent"
    assert int(line[2]) < 8000
    # A plain JSON call still gets its result (an HTTP request cannot stay unanswered).
    assert box["response"].status == 200


def test_a_cancel_from_another_token_does_nothing(progress_daemon):
    d, token, other, log = progress_daemon
    t, box = _call_in_background(d, token, "foreign", id=5, max_ms=600)
    _wait_for(log, "foreign", "start")
    assert _cancel(d, other, 5).status == 202
    assert _cancel(d, token, 6).status == 202   # the right token, another id: nothing either
    _wait_for(log, "foreign", "finished", timeout=3)
    t.join()
    assert rpc_result(box["response"])["content"][0]["text"].startswith("not cancelled")


def test_a_cancel_for_a_finished_or_unknown_call_is_accepted_and_ignored(progress_daemon):
    d, token, _, _ = progress_daemon
    rpc_result(_post_call(d, token, "steps", {"count": 1}, token_value=None, id=3))
    assert _cancel(d, token, 3).status == 202
    assert _cancel(d, token, "never-sent").status == 202


def test_the_deadline_sets_is_cancelled(progress_daemon):
    d, token, _, log = progress_daemon
    started = time.monotonic()
    r = _post_call(d, token, "wait_cancel", {"tag": "deadline", "max_ms": 8000}, token_value=None)
    answered = time.monotonic() - started
    result = rpc_result(r)
    assert result["isError"] is True and "did not finish within 1 s" in result["content"][0]["text"], result
    assert answered < 3
    line = _wait_for(log, "deadline", "cancelled", timeout=3)
    assert 900 <= int(line[2]) < 2000, line


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_a_cancelled_sse_call_ends_its_stream_without_a_response(progress_daemon, era):
    d, token, _, log = progress_daemon
    tag = f"sse-cancel-{era}"
    t, box = _call_in_background(d, token, tag, era=era, id="s-1", max_ms=8000, token_value="tok", report=True)
    _wait_for(log, tag, "start")
    assert _cancel(d, token, "s-1", era=era).status == 202
    _wait_for(log, tag, "cancelled", timeout=9)
    t.join()
    r = box["response"]
    assert r.header("content-type") == "text/event-stream", r
    events = _sse_events(r.body)
    assert [e.get("method") for e in events] == ["notifications/progress"], events  # no response follows


def test_a_plain_json_call_without_progress_is_answered_even_when_cancelled(progress_daemon):
    d, token, _, log = progress_daemon
    t, box = _call_in_background(d, token, "plain-cancel", id="p-1", max_ms=8000, token_value="tok")
    _wait_for(log, "plain-cancel", "start")
    assert _cancel(d, token, "p-1").status == 202
    _wait_for(log, "plain-cancel", "cancelled", timeout=9)
    t.join()
    result = rpc_result(box["response"])
    assert result["isError"] is True and result["content"][0]["text"].startswith("cancelled after")


def test_closing_a_modern_stream_cancels_the_call(progress_daemon):
    """2026-07-28: a client cancels by closing the call's SSE stream."""
    d, token, _, log = progress_daemon
    data = _read_until_progress_then_close(d, token, "closed", era="modern", max_ms=8000)
    assert b"text/event-stream" in data
    # Generous bounds for a loaded machine; the call would otherwise run 8 s.
    line = _wait_for(log, "closed", "cancelled", timeout=9)
    assert int(line[2]) < 6000, line


def test_closing_a_legacy_stream_does_not_cancel_the_call(progress_daemon):
    """The handshake era: a disconnect is not a cancellation."""
    d, token, _, log = progress_daemon
    _read_until_progress_then_close(d, token, "kept", era="legacy", max_ms=500)
    _wait_for(log, "kept", "finished", timeout=3)


def _read_until_progress_then_close(d, token, tag, *, era, max_ms):
    """Starts wait_cancel over a raw socket, reads until its first progress event, then closes the
    connection; returns what was read."""
    body, extra = _call_body("wait_cancel", {"tag": tag, "max_ms": max_ms, "report": True}, era=era, token_value="c")
    payload = json.dumps(body).encode()
    headers = {**mcp_headers(token), **extra, "Host": f"127.0.0.1:{d.port}", "Content-Length": str(len(payload))}
    head = "POST /acme/mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(head.encode() + payload)
        data = b""
        while b"notifications/progress" not in data:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    return data


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_python_client_timeout_cancels_the_running_call(progress_daemon, mode):
    """The official client gives up after read_timeout_seconds; the plugin sees is_cancelled soon
    after (legacy: notifications/cancelled; 2026-07-28: that, or the closed stream)."""
    d, token, _, log = progress_daemon
    tag = "client-" + ("legacy" if mode == "legacy" else "modern")

    async def body():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
            async with Client(streamable_http_client(d.url("/acme/mcp"), http_client=h), mode=mode) as c:
                with pytest.raises((MCPError, TimeoutError)):
                    await c.call_tool("wait_cancel", {"tag": tag, "max_ms": 8000}, read_timeout_seconds=0.3)

    try:
        run(body())
    except BaseExceptionGroup as group:
        # The official client's own race: the plugin stops at once, so the still-open POST gets its
        # JSON answer while the client is tearing down, and its reader raises BrokenResourceError at
        # exit. Only that is tolerated; what this test checks is the plugin's side, below.
        _, rest = group.split(anyio.BrokenResourceError)
        if rest is not None:
            raise
    # Generous bounds: on a loaded CI machine the cancel can take a while to arrive; what matters is
    # that it arrives long before the call would have ended by itself (8 s).
    line = _wait_for(log, tag, "cancelled", timeout=9)
    assert int(line[2]) < 6000, line


# --------------------------------------------------------------------------------------------------
# stdio
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def stdio_progress(data_dir, tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("progress", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    token = create_token(data_dir, "acme", "progress", plugins=plugins)
    return data_dir, plugins, token


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_stdio_python_client_receives_progress_lines_before_the_result(stdio_progress, mode):
    data, plugins, token = stdio_progress
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    params = StdioServerParameters(command=str(BIN), args=["stdio", "--tenant", "acme", "--data", str(data), "--plugins", str(plugins)],
                                   env={"TOOLHOST_TOKEN": token})

    async def body():
        async with Client(params, mode=mode) as c:
            result = await c.call_tool("steps", {"count": 3}, progress_callback=on_progress)
            return result, list(seen)

    result, at_result = run(body())
    assert result.structured_content == {"statuses": [0, 0, 0], "repeat": 2}
    assert at_result == [(float(i), 3.0, f"step {i} of 3") for i in (1, 2, 3)]


def test_stdio_raw_lines_put_progress_before_the_response(stdio_progress):
    data, plugins, token = stdio_progress
    env = {**os.environ, "TOOLHOST_TOKEN": token}
    call = {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "steps", "arguments": {"count": 2}, "_meta": {"progressToken": "s"}}}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    proc = subprocess.run([str(BIN), "stdio", "--tenant", "acme", "--data", str(data), "--plugins", str(plugins)],
                          input=json.dumps(init) + "\n" + json.dumps(call) + "\n", capture_output=True, text=True, env=env,
                          timeout=30)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [m.get("method") or m.get("id") for m in lines] == [1, "notifications/progress", "notifications/progress", 4], lines
    assert lines[1]["params"] == {"progressToken": "s", "progress": 1, "total": 2, "message": "step 1 of 2"}
