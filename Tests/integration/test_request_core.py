"""One request core for every transport: what HTTP and stdio must agree on.

Regression tests for the review of issue "One request core…": duplicate JSON member names are
refused before any layer runs (I-JSON, RFC 7493 §2.3), on every transport and in both eras, so a
first-wins plugin (the C Clock) can never act on a value the host did not validate; and stdio
selects the protocol era with the same rule as HTTP.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from toolhost_testlib import BIN, LEGACY, MODERN, mcp_headers, modern_envelope, rpc_error, tenant_with_token

# The review's reproduction: the first start_date is invalid, the last is valid.
DUPLICATED_ARGUMENTS = '{"start_date":"2026-13-45","start_date":"2026-01-01","end_date":"2026-01-10"}'
DUPLICATE_MESSAGE = 'Parse error: Duplicate member name "start_date" in an object (I-JSON, RFC 7493 §2.3) at byte '


def _legacy_call(arguments_json: str, id: int = 1) -> str:
    return ('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"days_between","arguments":%s}}'
            % (id, arguments_json))


def test_duplicate_argument_names_are_refused_over_http_legacy(shared):
    h = mcp_headers(shared.token)
    h["MCP-Protocol-Version"] = LEGACY
    r = shared.d.request("POST", shared.path, _legacy_call(DUPLICATED_ARGUMENTS), h)
    err = rpc_error(r, 400, -32700, id=None)
    assert err["message"].startswith(DUPLICATE_MESSAGE), err
    # The same call without the duplicate reaches the C plugin and is answered by it.
    r = shared.d.request("POST", shared.path, _legacy_call('{"start_date":"2026-01-01","end_date":"2026-01-10"}'), h)
    assert r.status == 200 and r.json()["result"]["isError"] is False, r


def test_duplicate_argument_names_are_refused_over_http_modern(shared):
    body, h = modern_envelope("tools/call", {"name": "days_between", "arguments": {}}, version=MODERN)
    h.update(mcp_headers(shared.token))
    text = json.dumps(body).replace('"arguments": {}', '"arguments": ' + DUPLICATED_ARGUMENTS)
    r = shared.d.request("POST", shared.path, text, h)
    err = rpc_error(r, 400, -32700, id=None)
    assert err["message"].startswith(DUPLICATE_MESSAGE), err


@pytest.mark.parametrize("doc", [
    '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}',
    '{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"days_between","name":"current_time","arguments":{}}}',
])
def test_duplicate_names_anywhere_in_the_envelope_are_refused(shared, doc):
    h = mcp_headers(shared.token)
    r = shared.d.request("POST", shared.path, doc, h)
    rpc_error(r, 400, -32700, id=None)


def test_duplicate_names_are_refused_before_authentication(shared):
    """Nothing is parsed into a decision, so a duplicate needs no token to be refused."""
    r = shared.d.request("POST", shared.path, _legacy_call(DUPLICATED_ARGUMENTS), mcp_headers(None))
    rpc_error(r, 400, -32700, id=None)


def test_duplicate_names_in_oauth_registration_are_refused(shared):
    body = '{"client_name":"a","client_name":"b","redirect_uris":["http://127.0.0.1:9/cb"]}'
    r = shared.d.request("POST", "/oauth/register", body, {"Content-Type": "application/json"})
    assert r.status == 400, r
    assert r.json()["error"] == "invalid_client_metadata", r


# -- stdio -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stdio_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("core-stdio") / "data"
    data.mkdir()
    token = tenant_with_token(data, "core-t", "scheduling,clock")
    return data, token


def _stdio(data, token, lines: list[str]) -> tuple[list[dict], str]:
    env = dict(os.environ)
    env["TOOLHOST_TOKEN"] = token
    proc = subprocess.run([str(BIN), "stdio", "--tenant", "core-t", "--data", str(data)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()], proc.stderr


META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


def test_stdio_refuses_duplicate_argument_names(stdio_env):
    data, token = stdio_env
    replies, _ = _stdio(data, token, [_legacy_call(DUPLICATED_ARGUMENTS, id=7)])
    assert len(replies) == 1, replies
    assert replies[0]["id"] is None and replies[0]["error"]["code"] == -32700, replies
    assert replies[0]["error"]["message"].startswith(DUPLICATE_MESSAGE), replies


def test_stdio_initialize_with_modern_meta_is_the_stateless_era_as_on_http(stdio_env, shared):
    """The dual-era rule is the same on every transport: `_meta` with a version means 2026-07-28,
    where initialize no longer exists (-32601). stdio used to treat it as a handshake."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}, "_meta": META}}
    data, token = stdio_env
    replies, _ = _stdio(data, token, [json.dumps(init)])
    assert replies[0]["error"]["code"] == -32601, replies
    h = mcp_headers(shared.token)
    h.update({"MCP-Protocol-Version": MODERN, "Mcp-Method": "initialize"})
    r = shared.d.request("POST", shared.path, init, h)
    rpc_error(r, 404, -32601, id=1)


def test_stdio_handshake_then_stateless_messages_in_one_process(stdio_env):
    data, token = stdio_env
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}
    replies, _ = _stdio(data, token, [
        json.dumps(init),
        # Handshake era at the negotiated version: 2025-06-18 reports bad arguments as -32602.
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "days_between", "arguments": {}}}),
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "server/discover", "params": {"_meta": META}}),
    ])
    assert replies[0]["result"]["protocolVersion"] == "2025-06-18", replies
    assert replies[1]["error"]["code"] == -32602, replies
    assert MODERN in replies[2]["result"]["supportedVersions"], replies


def test_stdio_refused_notification_gets_no_line_but_refused_request_does(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    token = tenant_with_token(data, "core-r", "clock")
    subprocess.run([str(BIN), "token", "revoke", "tok_" + token.split("_")[1], "--data", str(data)],
                   check=True, capture_output=True)
    env = dict(os.environ, TOOLHOST_TOKEN=token)
    proc = subprocess.run([str(BIN), "stdio", "--tenant", "core-r", "--data", str(data)],
                          input='{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":5,"method":"tools/list"}\n',
                          capture_output=True, text=True, env=env, timeout=60)
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, lines
    reply = json.loads(lines[0])
    assert reply["id"] == 5 and reply["error"]["data"]["layer"] == "token", reply
