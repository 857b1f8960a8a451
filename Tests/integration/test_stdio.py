"""`toolhost stdio --tenant T` with TOOLHOST_TOKEN: the official client's stdio transport and raw JSON lines."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from mcp import Client, StdioServerParameters

from toolhost_testlib import (
    BIN,
    MODERN,
    SCHEDULING_TOOLS,
    booking_args,
    booking_id,
    run,
    tenant_with_token,
)


@pytest.fixture(scope="module")
def stdio_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("stdio") / "data"
    data.mkdir()
    token = tenant_with_token(data, "cli-t", "scheduling,clock")
    return data, token


def _params(data, token, tenant="cli-t"):
    return StdioServerParameters(command=str(BIN), args=["stdio", "--tenant", tenant, "--data", str(data)],
                                 env={"TOOLHOST_TOKEN": token})


@pytest.mark.parametrize("mode", ["legacy", MODERN, "auto"])
def test_stdio_official_client_lists_and_calls(stdio_env, mode):
    data, token = stdio_env

    async def body():
        async with Client(_params(data, token), mode=mode) as c:
            tools = await c.list_tools()
            created = await c.call_tool("create_booking_request", booking_args(title=f"stdio {mode}"))
            got = await c.call_tool("get_booking_request", {"id": booking_id(created.structured_content)})
            return tools, created, got

    tools, created, got = run(body())
    assert set(SCHEDULING_TOOLS) <= {t.name for t in tools.tools}
    assert not created.is_error
    assert not got.is_error
    assert f"stdio {mode}" in json.dumps(got.structured_content)


def _spawn(data, token, tenant="cli-t"):
    env = dict(os.environ)
    env.pop("TOOLHOST_TOKEN", None)
    if token is not None:
        env["TOOLHOST_TOKEN"] = token
    return subprocess.Popen([str(BIN), "stdio", "--tenant", tenant, "--data", str(data)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, bufsize=1)


def _exchange(proc, msg) -> dict:
    proc.stdin.write(json.dumps(msg) + "\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line.endswith("\n"), f"no reply line; stderr:\n{proc.stderr.read() if proc.poll() is not None else ''}"
    assert "\n" not in line[:-1]
    return json.loads(line)


def _close(proc) -> int:
    proc.stdin.close()
    try:
        return proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stdio_raw_line_exchange_legacy(stdio_env):
    data, token = stdio_env
    proc = _spawn(data, token)
    try:
        init = _exchange(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                           "clientInfo": {"name": "raw", "version": "0"}}})
        assert init["id"] == 1 and init["result"]["protocolVersion"] == "2025-11-25", init
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        listed = _exchange(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert listed["id"] == 2, listed  # the notification got no reply line
        assert set(SCHEDULING_TOOLS) <= {t["name"] for t in listed["result"]["tools"]}
        ping = _exchange(proc, {"jsonrpc": "2.0", "id": 3, "method": "ping"})
        assert ping == {"jsonrpc": "2.0", "id": 3, "result": {}}, ping
    finally:
        rc = _close(proc)
    assert rc == 0, proc.stderr.read()


def test_stdio_raw_line_exchange_modern(stdio_env):
    data, token = stdio_env
    proc = _spawn(data, token)
    try:
        meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
        disc = _exchange(proc, {"jsonrpc": "2.0", "id": "d", "method": "server/discover", "params": {"_meta": meta}})
        assert disc["id"] == "d" and MODERN in disc["result"]["supportedVersions"], disc
        call = _exchange(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                "params": {"name": "list_booking_requests", "arguments": {}, "_meta": meta}})
        assert call["result"]["resultType"] == "complete", call
        assert call["result"].get("isError") in (None, False), call
    finally:
        rc = _close(proc)
    assert rc == 0, proc.stderr.read()


def test_stdio_malformed_line_is_parse_error(stdio_env):
    data, token = stdio_env
    proc = _spawn(data, token)
    try:
        proc.stdin.write("{not json\n")
        proc.stdin.flush()
        reply = json.loads(proc.stdout.readline())
        assert reply["id"] is None and reply["error"]["code"] == -32700, reply
    finally:
        _close(proc)


def test_stdio_without_token_fails(stdio_env):
    data, _ = stdio_env
    proc = subprocess.run([str(BIN), "stdio", "--tenant", "cli-t", "--data", str(data)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=30,
                          env={k: v for k, v in os.environ.items() if k != "TOOLHOST_TOKEN"})
    assert proc.returncode == 1, proc
    assert proc.stdout == "", proc.stdout
    assert "TOOLHOST_TOKEN" in proc.stderr, proc.stderr


def test_stdio_with_foreign_token_is_refused(stdio_env):
    data, _ = stdio_env
    other = tenant_with_token(data, "cli-other", "scheduling")
    line = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}) + "\n"
    proc = subprocess.run([str(BIN), "stdio", "--tenant", "cli-t", "--data", str(data)], capture_output=True,
                          text=True, input=line, timeout=30, env={**os.environ, "TOOLHOST_TOKEN": other})
    message = "Token does not grant access to tenant cli-t"
    # Refused at start (exit 1, message on stderr) or per request (JSON-RPC error); never a working session.
    if proc.returncode != 0:
        assert proc.returncode == 1, proc
        assert message in proc.stderr, proc.stderr
    else:
        reply = json.loads(proc.stdout.splitlines()[0])
        assert reply["error"]["code"] == -31003 and reply["error"]["message"] == message, reply
