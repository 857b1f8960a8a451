"""HTTP and MCP protocol rules of BEHAVIOUR.md over raw HTTP (both eras)."""
from __future__ import annotations

import base64
import json

import pytest

from toolhost_testlib import (
    MODERN,
    SCHEDULING_TOOLS,
    booking_args,
    mcp_headers,
    modern_envelope,
    result_text,
    rpc_error,
    rpc_result,
)

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


def _init_body(version="2025-11-25", id=1):
    return {"jsonrpc": "2.0", "id": id, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {},
                       "clientInfo": {"name": "pytest", "version": "1.0"}}}


def _initialize(shared, version="2025-11-25"):
    r = shared.d.request("POST", shared.path, _init_body(version), mcp_headers(shared.token))
    result = rpc_result(r, id=1)
    sid = r.header("mcp-session-id")
    return r, result, sid


# -- plain HTTP -------------------------------------------------------------------------------------

def test_healthz(shared):
    r = shared.d.request("GET", "/healthz")
    assert r.status == 200, r
    assert (r.header("content-type") or "").startswith("application/json"), r
    assert r.json() == {"status": "ok"}


def test_unknown_path_is_404(shared):
    for path in ("/", "/nope", f"/{shared.tenant}", f"/{shared.tenant}/mcp/scheduling/extra", "/healthz/x"):
        r = shared.d.request("POST", path, LIST, mcp_headers(shared.token))
        assert r.status == 404, (path, r)


def test_get_on_mcp_endpoint_is_405(shared):
    h = {"Accept": "text/event-stream", "Authorization": f"Bearer {shared.token}"}
    r = shared.d.request("GET", shared.path, None, h)
    assert r.status == 405, r


def test_foreign_origin_is_403(shared):
    h = mcp_headers(shared.token)
    h["Origin"] = "http://evil.example"
    r = shared.d.request("POST", shared.path, LIST, h)
    assert r.status == 403, r


def test_foreign_host_is_421(shared):
    r = shared.d.request("POST", shared.path, LIST, mcp_headers(shared.token), host_header="evil.example")
    assert r.status == 421, r


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_host_names_with_any_port_are_allowed(shared, host):
    r = shared.d.request("POST", shared.path, LIST, mcp_headers(shared.token), host_header=f"{host}:{shared.d.port}")
    rpc_result(r, id=1)
    r = shared.d.request("POST", shared.path, LIST, mcp_headers(shared.token), host_header=f"{host}:1")
    rpc_result(r, id=1)


def test_oversized_body_is_413(shared):
    pad = "x" * (1024 * 1024 + 10)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": pad}})
    r = shared.d.request("POST", shared.path, body, mcp_headers(shared.token))
    assert r.status == 413, r


def test_body_just_under_limit_is_not_413(shared):
    pad = "x" * (1024 * 1024 - 200)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": pad}})
    assert len(body) <= 1024 * 1024
    r = shared.d.request("POST", shared.path, body, mcp_headers(shared.token))
    assert r.status != 413, r


def test_huge_header_is_431(shared):
    h = mcp_headers(shared.token)
    h["X-Filler"] = "y" * (20 * 1024)
    r = shared.d.request("POST", shared.path, LIST, h)
    assert r.status == 431, r


def test_server_survives_bad_requests(shared):
    assert shared.d.request("GET", "/healthz").status == 200
    assert shared.d.proc.poll() is None


# -- JSON-RPC framing -------------------------------------------------------------------------------

def test_malformed_json_is_400_parse_error_with_null_id(shared):
    r = shared.d.request("POST", shared.path, b'{"jsonrpc": "2.0", "id": 1, "method": ', mcp_headers(shared.token))
    rpc_error(r, 400, -32700, id=None)


def test_notification_is_202_with_empty_body(shared):
    body = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    r = shared.d.request("POST", shared.path, body, mcp_headers(shared.token))
    assert r.status == 202, r
    assert r.body == b"", r


def test_responses_are_application_json(shared):
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token)
    assert r.status == 200
    assert (r.header("content-type") or "").split(";")[0].strip() == "application/json", r


def test_request_id_string_is_echoed(shared):
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token, id="abc-1")
    rpc_result(r, id="abc-1")


# -- modern era (2026-07-28) ------------------------------------------------------------------------

def test_modern_server_discover(shared):
    r = shared.d.modern(shared.path, "server/discover", token=shared.token, id=5)
    result = rpc_result(r, id=5)
    assert result["resultType"] == "complete", result
    assert MODERN in result["supportedVersions"], result
    for v in ("2025-11-25", "2025-06-18", "2025-03-26"):
        assert v in result["supportedVersions"], result
    assert "tools" in result["capabilities"], result
    assert isinstance(result.get("ttlMs"), int), result
    assert result.get("cacheScope") in ("public", "private", "user"), result
    server_info = result.get("_meta", {}).get("io.modelcontextprotocol/serverInfo")
    assert server_info and server_info.get("name") and server_info.get("version"), result


def test_modern_tools_list_has_result_type(shared):
    result = rpc_result(shared.d.modern(shared.path, "tools/list", token=shared.token), id=1)
    assert result["resultType"] == "complete", result
    assert set(SCHEDULING_TOOLS) <= {t["name"] for t in result["tools"]}
    assert "nextCursor" not in result or result["nextCursor"] is None


def test_modern_tools_call_has_result_type_and_structured_content(shared):
    r = shared.d.modern(shared.path, "tools/call", {"name": "create_booking_request", "arguments": booking_args()},
                        token=shared.token)
    result = rpc_result(r, id=1)
    assert result["resultType"] == "complete", result
    assert result.get("isError") in (None, False), result
    assert isinstance(result.get("structuredContent"), dict), result


def test_modern_client_info_is_optional(shared):
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {}}
    rpc_result(shared.d.modern(shared.path, "tools/list", token=shared.token, meta=meta), id=1)


def test_modern_missing_meta_is_400_invalid_params(shared):
    body = {"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {}}
    h = mcp_headers(shared.token)
    h.update({"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"})
    rpc_error(shared.d.request("POST", shared.path, body, h), 400, -32602, id=3)


def test_modern_missing_client_capabilities_is_400_invalid_params(shared):
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN}
    r = shared.d.modern(shared.path, "tools/list", token=shared.token, meta=meta, id=4)
    rpc_error(r, 400, -32602, id=4)


def test_modern_unsupported_version_is_400_32022(shared):
    r = shared.d.modern(shared.path, "tools/list", token=shared.token, version="2099-01-01", id=6)
    err = rpc_error(r, 400, -32022, id=6)
    assert MODERN in err["data"]["supported"], err
    assert err["data"]["requested"] == "2099-01-01", err


def test_modern_method_header_mismatch_is_400_32020(shared):
    r = shared.d.modern(shared.path, "tools/list", token=shared.token, headers={"Mcp-Method": "tools/call"}, id=8)
    rpc_error(r, 400, -32020, id=8)


def test_modern_missing_method_header_is_400_32020(shared):
    body, h = modern_envelope("tools/list", id=8)
    del h["Mcp-Method"]
    h.update(mcp_headers(shared.token))
    rpc_error(shared.d.request("POST", shared.path, body, h), 400, -32020, id=8)


def test_modern_name_header_mismatch_is_400_32020(shared):
    r = shared.d.modern(shared.path, "tools/call", {"name": "list_booking_requests", "arguments": {}},
                        token=shared.token, headers={"Mcp-Name": "get_booking_request"}, id=9)
    rpc_error(r, 400, -32020, id=9)


def test_modern_base64_name_header_is_decoded(shared):
    encoded = "=?base64?" + base64.b64encode(b"list_booking_requests").decode() + "?="
    r = shared.d.modern(shared.path, "tools/call", {"name": "list_booking_requests", "arguments": {}},
                        token=shared.token, headers={"Mcp-Name": encoded}, id=10)
    rpc_result(r, id=10)


def test_modern_protocol_header_must_match_meta(shared):
    # Spec 2026-07-28 (Streamable HTTP): MCP-Protocol-Version must equal the body's _meta version; a request whose
    # _meta names the modern version is a modern request, so a mismatching header is 400 + -32020.
    r = shared.d.modern(shared.path, "tools/list", token=shared.token,
                        headers={"MCP-Protocol-Version": "2025-11-25"}, id=12)
    rpc_error(r, 400, -32020, id=12)


@pytest.mark.parametrize("method", ["ping", "initialize", "logging/setLevel", "no/such/method"])
def test_modern_removed_or_unknown_method_is_404_32601(shared, method):
    params = {"level": "info"} if method == "logging/setLevel" else None
    rpc_error(shared.d.modern(shared.path, method, params, token=shared.token, id=13), 404, -32601, id=13)


def test_modern_results_carry_server_info(shared):
    result = rpc_result(shared.d.modern(shared.path, "tools/list", token=shared.token), id=1)
    info = result.get("_meta", {}).get("io.modelcontextprotocol/serverInfo")
    assert info and info.get("name"), result


# -- legacy era ------------------------------------------------------------------------------------

def test_legacy_initialize_mints_session_id(shared):
    r, result, sid = _initialize(shared)
    assert result["protocolVersion"] == "2025-11-25"
    assert "tools" in result["capabilities"]
    assert result["serverInfo"]["name"] and result["serverInfo"]["version"]
    assert sid, r
    assert all(0x21 <= ord(ch) <= 0x7E for ch in sid), sid
    assert len(sid) >= 16, sid


@pytest.mark.parametrize("version", ["2025-11-25", "2025-06-18", "2025-03-26"])
def test_legacy_initialize_echoes_supported_version(shared, version):
    _, result, _ = _initialize(shared, version)
    assert result["protocolVersion"] == version


def test_legacy_initialize_with_unknown_version_answers_a_supported_one(shared):
    _, result, _ = _initialize(shared, "1999-01-01")
    assert result["protocolVersion"] in ("2025-11-25", "2025-06-18", "2025-03-26")


def test_legacy_session_is_usable_then_initialized_is_202(shared):
    _, _, sid = _initialize(shared)
    h = mcp_headers(shared.token)
    h.update({"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
    r = shared.d.request("POST", shared.path, {"jsonrpc": "2.0", "method": "notifications/initialized"}, h)
    assert r.status == 202 and r.body == b"", r
    rpc_result(shared.d.legacy(shared.path, "tools/list", token=shared.token, session=sid, id=2), id=2)
    r = shared.d.legacy(shared.path, "ping", token=shared.token, session=sid, id=3)
    assert rpc_result(r, id=3) == {}


def test_legacy_unknown_session_is_404(shared):
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token, session="no-such-session-0123456789")
    assert r.status == 404, r


def test_legacy_delete_ends_session_then_404(shared):
    _, _, sid = _initialize(shared)
    h = {"Authorization": f"Bearer {shared.token}", "Mcp-Session-Id": sid}
    r = shared.d.request("DELETE", shared.path, None, h)
    assert r.status == 204, r
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token, session=sid)
    assert r.status == 404, r


def test_legacy_request_without_session_is_served_statelessly(shared):
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token, version=None)
    assert set(SCHEDULING_TOOLS) <= {t["name"] for t in rpc_result(r, id=1)["tools"]}


def test_legacy_unsupported_protocol_version_header_is_400(shared):
    r = shared.d.legacy(shared.path, "tools/list", token=shared.token, version="1999-01-01")
    assert r.status == 400, r


def test_legacy_ping_is_empty_result(shared):
    assert rpc_result(shared.d.legacy(shared.path, "ping", token=shared.token, id=4), id=4) == {}


def test_batch_accepted_on_2025_03_26_session(shared):
    _, _, sid = _initialize(shared, "2025-03-26")
    h = mcp_headers(shared.token)
    h.update({"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-03-26"})
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}]
    r = shared.d.request("POST", shared.path, batch, h)
    assert r.status == 200, r
    body = r.json()
    assert isinstance(body, list) and sorted(m["id"] for m in body) == [1, 2], body


def test_batch_refused_on_2025_11_25(shared):
    _, _, sid = _initialize(shared, "2025-11-25")
    h = mcp_headers(shared.token)
    h.update({"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}]
    r = shared.d.request("POST", shared.path, batch, h)
    assert r.status == 400, r
    body = r.json()
    assert isinstance(body, dict) and "error" in body, body


# -- tools/list and tools/call ---------------------------------------------------------------------

def test_tools_list_has_no_next_cursor_when_complete(shared):
    result = rpc_result(shared.d.legacy(shared.path, "tools/list", token=shared.token), id=1)
    assert result.get("nextCursor") is None, result


def test_tools_list_bad_cursor_is_invalid_params(shared):
    r = shared.d.legacy(shared.path, "tools/list", {"cursor": "!!not-a-cursor!!"}, token=shared.token, id=2)
    err = rpc_error(r, r.status, -32602, id=2)
    assert err["message"], err
    r = shared.d.modern(shared.path, "tools/list", {"cursor": "!!not-a-cursor!!"}, token=shared.token, id=3)
    rpc_error(r, r.status, -32602, id=3)


def test_tools_have_object_input_schemas(shared):
    result = rpc_result(shared.d.legacy(shared.path, "tools/list", token=shared.token), id=1)
    for tool in result["tools"]:
        assert tool["inputSchema"]["type"] == "object", tool
        assert tool["description"], tool


def test_unknown_tool_is_invalid_params(shared):
    r = shared.d.legacy(shared.path, "tools/call", {"name": "nope", "arguments": {}}, token=shared.token, id=5)
    rpc_error(r, r.status, -32602, "Unknown tool: nope", id=5)
    r = shared.d.modern(shared.path, "tools/call", {"name": "nope", "arguments": {}}, token=shared.token, id=6)
    rpc_error(r, r.status, -32602, "Unknown tool: nope", id=6)


def test_invalid_arguments_are_error_result_in_2025_11_25(shared):
    args = booking_args()
    del args["title"]
    r = shared.d.legacy(shared.path, "tools/call", {"name": "create_booking_request", "arguments": args},
                        token=shared.token, id=7, version="2025-11-25")
    result = rpc_result(r, id=7)
    assert result["isError"] is True, result
    assert result_text(result).startswith("Invalid arguments for tool create_booking_request: "), result


def test_invalid_arguments_are_error_result_in_modern_era(shared):
    r = shared.d.modern(shared.path, "tools/call",
                        {"name": "get_booking_request", "arguments": {}},
                        token=shared.token, id=8)
    result = rpc_result(r, id=8)
    assert result["isError"] is True, result
    assert result_text(result).startswith("Invalid arguments for tool get_booking_request: "), result


@pytest.mark.parametrize("version", ["2025-06-18", "2025-03-26"])
def test_invalid_arguments_are_invalid_params_in_older_versions(shared, version):
    _, _, sid = _initialize(shared, version)
    r = shared.d.legacy(shared.path, "tools/call", {"name": "get_booking_request", "arguments": {}},
                        token=shared.token, id=9, version=version, session=sid)
    err = rpc_error(r, r.status, -32602, id=9)
    assert "get_booking_request" in err["message"], err


# -- configured allow-lists (own daemon) -----------------------------------------------------------

def test_configured_allowed_origin_and_host(start_daemon, data_dir):
    from toolhost_testlib import tenant_with_token

    token = tenant_with_token(data_dir, "cfg", "scheduling")
    d = start_daemon(data=data_dir, env={"TOOLHOST_ALLOWED_ORIGINS": "http://app.example",
                                         "TOOLHOST_ALLOWED_HOSTS": "api.example"})
    h = mcp_headers(token)
    host = "api.example"  # whether the configured list adds to or replaces the loopback names is not specified
    rpc_result(d.request("POST", "/cfg/mcp", LIST, {**h, "Origin": "http://app.example"}, host_header=host), id=1)
    assert d.request("POST", "/cfg/mcp", LIST, {**h, "Origin": "http://evil.example"}, host_header=host).status == 403
    rpc_result(d.request("POST", "/cfg/mcp", LIST, h, host_header=host), id=1)
    assert d.request("POST", "/cfg/mcp", LIST, h, host_header="evil.example").status == 421


# -- pagination (own daemon with a tiny page; TOOLHOST_TOOLS_PAGE_SIZE is the host's knob, default 100) ------------

@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_tools_list_pages_with_next_cursor(start_daemon, data_dir, era):
    from toolhost_testlib import tenant_with_token

    token = tenant_with_token(data_dir, "pages", "scheduling,clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TOOLS_PAGE_SIZE": "2"})
    send = d.legacy if era == "legacy" else d.modern
    names, cursor, pages = [], None, 0
    while True:
        params = {"cursor": cursor} if cursor else {}
        result = rpc_result(send("/pages/mcp", "tools/list", params, token=token, id=pages + 1), id=pages + 1)
        pages += 1
        assert len(result["tools"]) <= 2, result
        names += [t["name"] for t in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            break
        assert isinstance(cursor, str) and pages < 50
    assert len(names) == len(set(names)), names
    assert set(SCHEDULING_TOOLS) <= set(names), names
    assert pages == (len(names) + 1) // 2, (pages, names)
    err_resp = send("/pages/mcp", "tools/list", {"cursor": "bogus"}, token=token, id=99)
    rpc_error(err_resp, err_resp.status, -32602, id=99)


def test_official_client_sees_every_page(start_daemon, data_dir):
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from toolhost_testlib import run, tenant_with_token

    token = tenant_with_token(data_dir, "pages2", "scheduling,clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TOOLS_PAGE_SIZE": "3"})

    async def body():
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
            async with Client(streamable_http_client(d.url("/pages2/mcp"), http_client=h), mode="legacy") as c:
                names, cursor = [], None
                while True:
                    page = await c.list_tools(cursor=cursor)
                    names += [t.name for t in page.tools]
                    cursor = page.next_cursor
                    if not cursor:
                        break
                # A tool from a later page is callable.
                r = await c.call_tool("confirm_booking_request", {"id": "br_0000000000000000"})
                return names, r

    names, r = run(body())
    assert set(SCHEDULING_TOOLS) <= set(names)
    assert r.is_error is True  # unknown booking: a tool error, not a protocol error
