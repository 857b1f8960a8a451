"""The access table of BEHAVIOUR.md, row by row, over raw HTTP."""
from __future__ import annotations

import datetime as dt
import json
import time

from toolhost_testlib import (
    SCHEDULING_TOOLS,
    create_booking_http,
    get_booking_http,
    mcp_headers,
    rpc_error,
    rpc_result,
    token_public_id,
)

LIST = {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}


def _post(shared, path, headers, body=LIST):
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
         "MCP-Protocol-Version": "2025-11-25"}
    h.update(headers)
    return shared.d.request("POST", path, body, h)


def _assert_insufficient_scope(r):
    # BEHAVIOUR.md: 403s carry `WWW-Authenticate: Bearer error="insufficient_scope", …` (other auth-params,
    # e.g. realm, may come first: RFC 6750 §3 does not order them).
    www = r.header("www-authenticate") or ""
    assert www.startswith("Bearer "), www
    assert 'error="insufficient_scope"' in www, www


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


# -- token layer (401) ------------------------------------------------------------------------------

def test_valid_token_lists_tools(shared):
    r = rpc_result(_post(shared, shared.path, _auth(shared.token)), id=7)
    names = {t["name"] for t in r["tools"]}
    assert set(SCHEDULING_TOOLS) <= names


def test_missing_authorization_header_is_401(shared):
    r = _post(shared, shared.path, {})
    rpc_error(r, 401, -31001, "Bearer token required", id=7, layer="token")
    www = r.header("www-authenticate")
    assert www is not None and www.startswith('Bearer realm="toolhost"'), www
    assert "error=" not in www, www


def test_non_bearer_authorization_is_401(shared):
    r = _post(shared, shared.path, {"Authorization": "Basic dXNlcjpwYXNz"})
    rpc_error(r, 401, -31001, "Bearer token required", id=7, layer="token")
    assert (r.header("www-authenticate") or "").startswith('Bearer realm="toolhost"'), r


def test_token_without_bearer_scheme_is_401(shared):
    r = _post(shared, shared.path, {"Authorization": shared.token})
    rpc_error(r, 401, -31001, "Bearer token required", id=7, layer="token")


def test_garbage_token_is_401_invalid(shared):
    r = _post(shared, shared.path, _auth("not-a-token"))
    rpc_error(r, 401, -31001, "Invalid token", id=7, layer="token")
    www = r.header("www-authenticate") or ""
    assert www.startswith('Bearer realm="toolhost"'), www
    assert 'error="invalid_token"' in www, www
    assert "error_description=" in www, www


def test_well_formed_unknown_token_is_401_invalid(shared):
    # Right shape, right id format, wrong secret: must not authenticate.
    tok = shared.token
    forged = tok[:-1] + ("A" if tok[-1] != "A" else "B")
    rpc_error(_post(shared, shared.path, _auth(forged)), 401, -31001, "Invalid token", id=7, layer="token")
    unknown = "thp_000000000000_" + "a" * 43
    rpc_error(_post(shared, shared.path, _auth(unknown)), 401, -31001, "Invalid token", id=7, layer="token")


def test_revoked_token_refused_on_next_request(shared):
    tenant, token = shared.new_tenant("revoke")
    path = f"/{tenant}/mcp"
    rpc_result(_post(shared, path, _auth(token)), id=7)
    shared.cli("token", "revoke", token_public_id(token))
    r = _post(shared, path, _auth(token))
    rpc_error(r, 401, -31001, "Token has been revoked", id=7, layer="token")
    www = r.header("www-authenticate") or ""
    assert 'error="invalid_token"' in www, www
    # The tenant's other tokens are unaffected.
    other = shared.token_for(tenant, "scheduling", name="other")
    rpc_result(_post(shared, path, _auth(other)), id=7)


def test_expired_token_is_401(shared):
    tenant, _ = shared.new_tenant("expiry")
    expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=3)).replace(microsecond=0)
    token = shared.token_for(tenant, "scheduling", name="short", expires=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
    path = f"/{tenant}/mcp"
    rpc_result(_post(shared, path, _auth(token)), id=7)
    wait = (expires - dt.datetime.now(dt.timezone.utc)).total_seconds() + 0.6
    if wait > 0:
        time.sleep(wait)
    r = _post(shared, path, _auth(token))
    rpc_error(r, 401, -31001, "Token has expired", id=7, layer="token")
    assert 'error="invalid_token"' in (r.header("www-authenticate") or ""), r


# -- scope layer (403) ------------------------------------------------------------------------------

def test_token_of_another_tenant_is_403(shared):
    other_tenant, other_token = shared.new_tenant("other")
    r = _post(shared, shared.path, _auth(other_token))
    rpc_error(r, 403, -31003, f"Token does not grant access to tenant {shared.tenant}", id=7, layer="scope")
    _assert_insufficient_scope(r)
    # And the other way round, on a toolset endpoint.
    r = _post(shared, f"/{other_tenant}/mcp/scheduling", _auth(shared.token))
    rpc_error(r, 403, -31003, f"Token does not grant access to tenant {other_tenant}", id=7, layer="scope")


def test_toolset_endpoint_not_granted_is_403(shared):
    tenant, clock_only = shared.new_tenant("clockonly", toolsets="clock")
    r = _post(shared, f"/{tenant}/mcp/scheduling", _auth(clock_only))
    rpc_error(r, 403, -31003, "Token does not grant access to the scheduling server", id=7, layer="scope")
    _assert_insufficient_scope(r)
    # The granted toolset's endpoint works.
    rpc_result(_post(shared, f"/{tenant}/mcp/clock", _auth(clock_only)), id=7)


def test_combined_endpoint_lists_only_granted_toolsets(shared):
    tenant, clock_only = shared.new_tenant("clocklist", toolsets="clock")
    r = rpc_result(_post(shared, f"/{tenant}/mcp", _auth(clock_only)), id=7)
    names = {t["name"] for t in r["tools"]}
    assert names, "the clock toolset should contribute tools"
    assert not (set(SCHEDULING_TOOLS) & names), names


def test_calling_tool_of_ungranted_toolset_is_403(shared):
    tenant, clock_only = shared.new_tenant("clockcall", toolsets="clock")
    body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call",
            "params": {"name": "list_booking_requests", "arguments": {}}}
    r = _post(shared, f"/{tenant}/mcp", _auth(clock_only), body)
    rpc_error(r, 403, -31003, "Token does not grant access to the scheduling server", id=9, layer="scope")


def test_unknown_toolset_in_url_is_404(shared):
    r = _post(shared, f"/{shared.tenant}/mcp/nope", _auth(shared.token))
    rpc_error(r, 404, -31004, "No toolset named nope", id=7)


def test_disabled_toolset_hidden_and_refused_then_reenabled_keeps_data(shared):
    tenant, token = shared.new_tenant("toggle")
    path = f"/{tenant}/mcp"
    bid = create_booking_http(shared.d, path, token)

    shared.cli("tenant", "disable", tenant, "scheduling")
    listed = rpc_result(_post(shared, path, _auth(token)), id=7)
    names = {t["name"] for t in listed["tools"]}
    assert not (set(SCHEDULING_TOOLS) & names), names
    assert names, "clock stays enabled"

    call = {"jsonrpc": "2.0", "id": 11, "method": "tools/call",
            "params": {"name": "get_booking_request", "arguments": {"id": bid}}}
    r = _post(shared, path, _auth(token), call)
    rpc_error(r, 403, -31003, "The scheduling toolset is disabled for this tenant", id=11, layer="scope")
    r = _post(shared, f"/{tenant}/mcp/scheduling", _auth(token))
    rpc_error(r, 403, -31003, "The scheduling toolset is disabled for this tenant", id=7, layer="scope")

    shared.cli("tenant", "enable", tenant, "scheduling")
    got = get_booking_http(shared.d, path, token, bid)
    assert got.get("isError") in (None, False), got
    assert bid in json.dumps(got["structuredContent"])


def test_disabling_for_one_tenant_does_not_affect_another(shared):
    tenant, token = shared.new_tenant("iso")
    shared.cli("tenant", "disable", tenant, "scheduling")
    r = rpc_result(_post(shared, shared.path, _auth(shared.token)), id=7)
    assert set(SCHEDULING_TOOLS) <= {t["name"] for t in r["tools"]}


def test_auth_checked_before_scope(shared):
    # A garbage token on another tenant's URL is a token-layer 401, not a scope-layer 403.
    tenant, _ = shared.new_tenant("order")
    rpc_error(_post(shared, f"/{tenant}/mcp/scheduling", _auth("garbage")), 401, -31001, "Invalid token",
              layer="token")


def test_denial_id_is_null_when_body_unparseable(shared):
    r = shared.d.request("POST", shared.path, b"{not json", mcp_headers(None))
    assert r.status in (400, 401), r
    assert r.json()["id"] is None


def test_last_used_recorded_after_successful_request(shared):
    tenant, token = shared.new_tenant("lastused")
    rpc_result(_post(shared, f"/{tenant}/mcp", _auth(token)), id=7)
    deadline = time.monotonic() + 5
    while True:
        rows = json.loads(shared.cli("token", "list", "--tenant", tenant, "--json").stdout)
        row = next(r for r in rows if r["id"] == token_public_id(token))
        if row["last_used"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert row["last_used"], row


def test_tokens_are_never_logged(shared):
    # Runs last in this module: by now the daemon has seen valid, revoked, expired and foreign tokens.
    _post(shared, shared.path, _auth(shared.token))
    log = shared.d.stderr
    assert shared.token not in log
    secret = shared.token.split("_", 2)[2]
    assert secret not in log
