"""What reaches the MCP core at all (docs/BEHAVIOUR.md "HTTP front door"): the body's declared media type (415),
well-formed tenant path segments (404), JSON-RPC ids that can be echoed exactly, numbers a double can hold, and
unauthenticated answers that look the same whether a tenant exists or not."""
from __future__ import annotations

import json
import re

import pytest

from toolhost_testlib import cli, mcp_headers, rpc_error, rpc_result

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


def _headers(token, content_type):
    h = mcp_headers(token)
    if content_type is None:
        del h["Content-Type"]
    else:
        h["Content-Type"] = content_type
    return h


# -- 415: a POST must declare application/json --------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/jsonx", "application/json-seq", "", None,
])
def test_post_not_declared_json_is_415_and_never_parsed(shared, content_type):
    # A tool call with a valid token: before, text/plain reached the tool (200).
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_time", "arguments": {}}}
    r = shared.d.request("POST", shared.path, body, _headers(shared.token, content_type))
    assert r.status == 415, r
    assert r.header("content-type").startswith("text/plain"), r
    assert b"Content-Type: application/json" in r.body, r
    # No parsing at all: not even a malformed body gets a JSON-RPC parse error.
    r = shared.d.request("POST", shared.path, "{not json", _headers(shared.token, content_type))
    assert r.status == 415, r


def test_simple_cross_site_post_never_reaches_a_tool_even_with_allowed_origin(start_daemon, data_dir):
    # The Origin check passes (an allowed origin), yet a form-encoded body still gets 415.
    from toolhost_testlib import tenant_with_token
    token = tenant_with_token(data_dir, "web", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_ALLOWED_ORIGINS": "http://app.example"})
    h = _headers(token, "text/plain")
    h["Origin"] = "http://app.example"
    assert d.request("POST", "/web/mcp", LIST, h).status == 415
    h["Content-Type"] = "application/json"
    rpc_result(d.request("POST", "/web/mcp", LIST, h), id=1)


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON", "application/json; charset=utf-8",
                                          " application/json ;charset=UTF-8"])
def test_json_content_types_are_accepted(shared, content_type):
    rpc_result(shared.d.request("POST", shared.path, LIST, _headers(shared.token, content_type)), id=1)


def test_oauth_form_posts_are_not_affected(shared):
    # The token endpoint takes forms: it answers with an OAuth error, not 415.
    r = shared.d.request("POST", "/oauth/token", "grant_type=password", {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status in (400, 401) and "error" in r.json(), r


# -- tenant path segments ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("segment", ['x",error="evil', "x%22,error=%22evil", "ACME", "-acme", "a" * 64, "a%20b", "acme.", "a_b"])
def test_malformed_tenant_segment_is_404_before_anything(shared, segment):
    r = shared.d.request("POST", f"/{segment}/mcp", LIST, mcp_headers(None))
    assert r.status == 404, r
    assert r.header("www-authenticate") is None, r
    r = shared.d.request("GET", f"/.well-known/oauth-protected-resource/{segment}/mcp")
    assert r.status == 404, r


@pytest.mark.parametrize("segment", ['clock",error="evil', "Clock", "c" * 33, "clock.x"])
def test_malformed_toolset_segment_is_404(shared, segment):
    r = shared.d.request("POST", f"/acme/mcp/{segment}", LIST, mcp_headers(None))
    assert r.status == 404 and r.header("www-authenticate") is None, r


def test_challenge_parameters_are_well_formed(shared):
    r = shared.d.request("POST", "/acme/mcp", LIST, mcp_headers("thp_000000000000_" + "a" * 43))
    www = r.header("www-authenticate")
    # Every auth-param is name="quoted string" with nothing left over.
    rest = re.sub(r'^Bearer ', "", www)
    params = re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"(?:, |$)', rest)
    assert ", ".join(f'{k}="{v}"' for k, v in params) == rest, www
    assert [k for k, _ in params].count("error") == 1, www


# -- JSON-RPC ids --------------------------------------------------------------------------------------------------

def _raw_list(shared, id_text):
    body = '{"jsonrpc":"2.0","id":%s,"method":"tools/list"}' % id_text
    return shared.d.request("POST", shared.path, body, mcp_headers(shared.token))


@pytest.mark.parametrize("id_text", ["0", "-1", "9007199254740993", "9223372036854775807", "-9223372036854775808", '"1e400"'])
def test_ids_are_echoed_byte_exact(shared, id_text):
    r = _raw_list(shared, id_text)
    assert r.status == 200, r
    assert r.body.startswith(b'{"jsonrpc":"2.0","id":' + id_text.encode() + b","), r


@pytest.mark.parametrize("id_text", ["1e400", "-1e400", "9223372036854775808", "123456789012345678901234567890", "1.5",
                                     "1e2", "1.0", "null", "true", "[1]", "{}"])
def test_ids_that_cannot_be_echoed_exactly_are_invalid_requests(shared, id_text):
    r = _raw_list(shared, id_text)
    if id_text in ("1e400", "-1e400"):
        err = rpc_error(r, 400, -32700, id=None)  # beyond a double: refused by the parser
        assert "out of range" in err["message"], err
        return
    err = rpc_error(r, 400, -32600, id=None)
    assert "echo it exactly" in err["message"], err


def test_unechoable_id_is_not_echoed_in_early_errors(shared):
    # A denial happens before the envelope is read; it must not echo a changed id either.
    body = '{"jsonrpc":"2.0","id":12345678901234567890,"method":"tools/list"}'
    r = shared.d.request("POST", shared.path, body, mcp_headers(None))
    assert r.status == 401 and b'"id":null' in r.body, r


def test_out_of_range_number_argument_has_a_clear_message(shared):
    body = ('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_booking_requests",'
            '"arguments":{"limit":1e999}}}')
    r = shared.d.request("POST", shared.path, body, mcp_headers(shared.token))
    err = rpc_error(r, 400, -32700, id=None)
    assert "1e999 is out of range" in err["message"] and "not integer" not in err["message"], err


# -- unauthenticated answers do not reveal which tenants exist ---------------------------------------------------------

def _mask(text: str, tenant: str) -> str:
    return text.replace(tenant, "TENANT")


def test_401_looks_the_same_for_unknown_existing_and_narrowed_tenants(shared):
    narrowed, _ = shared.new_tenant("narrow")
    cli(shared.data, "tenant", "disable", narrowed, "scheduling")
    answers = []
    for tenant in ("acme", narrowed, "nosuchtenant"):
        for path in (f"/{tenant}/mcp", f"/{tenant}/mcp/clock"):
            r = shared.d.request("POST", path, LIST, mcp_headers(None))
            assert r.status == 401, r
            answers.append((path.split("/mcp")[1], _mask(r.header("www-authenticate"), tenant), r.body))
    for suffix in ("", "/clock"):
        same = {(www, body) for s, www, body in answers if s == suffix}
        assert len(same) == 1, same
    combined = next(www for s, www, _ in answers if s == "")
    scope = re.search(r'scope="([^"]*)"', combined).group(1).split()
    assert {"clock", "scheduling"} <= set(scope), combined


def test_protected_resource_metadata_is_the_same_for_unknown_tenants(shared):
    docs = []
    for tenant in ("acme", "nosuchtenant"):
        for suffix in ("", "/clock"):
            r = shared.d.request("GET", f"/.well-known/oauth-protected-resource/{tenant}/mcp{suffix}")
            assert r.status == 200, r
            headers = sorted((k, v) for k, v in r.headers.items() if k not in ("date", "content-length"))
            docs.append((suffix, r.status, headers, _mask(r.body.decode(), tenant)))
    for suffix in ("", "/clock"):
        same = {json.dumps(d[1:]) for d in docs if d[0] == suffix}
        assert len(same) == 1, same
    # An unknown toolset is still 404: toolset names are public (AS metadata lists them).
    assert shared.d.request("GET", "/.well-known/oauth-protected-resource/nosuchtenant/mcp/nosuch").status == 404
