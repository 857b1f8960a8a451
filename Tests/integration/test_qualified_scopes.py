"""Scope names with a qualifier (header section 9, docs/BEHAVIOUR.md "Grants"): a toolset declares `things:read` and
`things:write`; `t.things:read` grants the declared scope of that name (not a read-only `things`), `token create`,
OAuth and refusals treat it so, and a toolset declaring both `x` and `x:read` or a malformed qualifier is refused at
load. Driven by the C fixture qualified.c (header only)."""
from __future__ import annotations

import json

import pytest

from toolhost_testlib import cli, compile_fixture, module_daemon, rpc_error, rpc_result
from test_oauth import full_flow, make_user
from test_scopes import call, listed, token

READ = {"list_things", "show_thing"}
WRITE = {"list_things", "write_thing"}
NAME_RULE = "[a-z0-9_-]{1,32}, optionally followed by one :[a-z0-9_-]{1,16}"


@pytest.fixture(scope="module")
def q(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "qualified", fixtures=["qualified"], tenant="acme", prepare=make_user)


def test_a_read_qualified_scope_is_the_declared_scope_not_a_read_only_form(q):
    tok = token(q, "--scopes", "t.things:read")
    assert listed(q, tok) == READ
    assert listed(q, tok, "modern", path="/acme/mcp/t") == READ
    assert rpc_result(call(q, tok, "show_thing"))["structuredContent"] == {"tool": "show_thing", "scopes": ["t.things:read"]}
    err = rpc_error(call(q, tok, "write_thing", id=3), 403, -31003,
                    "Token lacks scope t.things:write for tool write_thing (has t.things:read)", id=3, layer="scope")
    assert err["data"]["required_scopes"] == ["t.things:write", "t"], err


def test_a_write_qualified_scope_grants_its_writes(q):
    tok = token(q, "--scopes", "t.things:write")
    assert listed(q, tok) == WRITE
    assert rpc_result(call(q, tok, "write_thing"))["structuredContent"] == {"tool": "write_thing", "scopes": ["t.things:write"]}
    rpc_error(call(q, tok, "show_thing"), 403, -31003,
              "Token lacks scope t.things:read for tool show_thing (has t.things:write)", layer="scope")


def test_qualified_scopes_add_up_and_denials_list_them_as_granted(q):
    tok = token(q, "--scopes", "t.things:write,t.things:read")
    assert listed(q, tok) == READ | WRITE
    rpc_error(call(q, tok, "reset"), 403, -31003, "Token lacks scope t for tool reset (has t.things:write, t.things:read)",
              layer="scope")


@pytest.mark.parametrize("how", ["flag", "suffix"])
def test_read_only_forms_of_a_qualified_scope_cannot_write(q, how):
    tok = token(q, "--scopes", "t.things:write", "--read-only") if how == "flag" else token(q, "--scopes", "t.things:write:read")
    assert listed(q, tok) == {"list_things"}
    assert rpc_result(call(q, tok, "list_things"))["structuredContent"]["scopes"] == ["t.things:write:read"]
    err = rpc_error(call(q, tok, "write_thing"), 403, -31003, layer="scope")
    if how == "flag":
        assert err["message"] == "Token does not grant write access to the t server (write_thing changes data)", err
    else:
        assert err["message"] == "Token lacks scope t.things:write for tool write_thing (has t.things:write:read)", err


def test_a_read_only_token_keeps_a_read_qualified_scope_to_its_read_only_tools(q):
    tok = token(q, "--scopes", "t.things:read", "--read-only")
    assert listed(q, tok) == READ
    assert rpc_result(call(q, tok, "list_things"))["structuredContent"]["scopes"] == ["t.things:read"]
    # The read-only form of the scope "things:read", like that of any other scope.
    assert listed(q, token(q, "--scopes", "t.things:read:read")) == READ


@pytest.mark.parametrize("args, message", [
    (("--scopes", "t.things"), 'unknown scope "t.things" (toolset t declares: t.things:read, t.things:write)'),
    (("--scopes", "t.things:reed"), 'unknown scope "t.things:reed" (toolset t declares: t.things:read, t.things:write)'),
    (("--toolsets", "t.things:write"), '--toolsets takes toolset names; grant "t.things:write" with --scopes'),
])
def test_qualified_scopes_are_validated_when_the_token_is_made(q, args, message):
    proc = cli(q.data, "token", "create", "--tenant", "acme", "--name", "bad", *args, plugins=q.plugins, check=False)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr


def test_oauth_offers_qualified_scopes_without_read_forms_of_them(q):
    supported = set(q.request("GET", "/.well-known/oauth-protected-resource/acme/mcp").json()["scopes_supported"])
    assert {"t", "t:read", "t.things:read", "t.things:write"} == supported, supported
    _, tokens = full_flow(q, scope="t.things:read")
    assert tokens["scope"] == "t.things:read"
    assert listed(q, tokens["access_token"]) == READ


def test_consent_page_shows_a_read_qualified_scope_as_declared(q):
    import httpx2
    from test_oauth import authorize_url, hidden_fields, pkce_pair, register
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(q, register(q), challenge, scope="t.things:read t.things:write"))
        page = browser.post(q.url("/oauth/signin"), data={**hidden_fields(page.text),
                                                          "email": "owner@example.com", "password": "correct horse battery"})
    assert "<strong>Read things</strong> <span class=\"muted\">(t.things:read, read and change)</span>" in page.text, page.text
    assert "See things, without changing them." in page.text and "Tools: list_things, show_thing" in page.text
    assert "<strong>Write things</strong> <span class=\"muted\">(t.things:write, read and change)</span>" in page.text


@pytest.mark.parametrize("defines, reason", [
    ({"TWIN": 1}, 'toolset "t" declares both scope "x" and "x:read": the grant "t.x:read" would mean either'),
    ({"BAD_NAME": "a:b:c"}, f'toolset "t": scope name "a:b:c" is not {NAME_RULE}'),
    ({"BAD_NAME": "a:"}, f'toolset "t": scope name "a:" is not {NAME_RULE}'),
    ({"BAD_NAME": ":read"}, f'toolset "t": scope name ":read" is not {NAME_RULE}'),
    ({"BAD_NAME": "Things:read"}, f'toolset "t": scope name "Things:read" is not {NAME_RULE}'),
    ({"BAD_NAME": "things:Read"}, f'toolset "t": scope name "things:Read" is not {NAME_RULE}'),
    ({"BAD_NAME": "a:" + "q" * 17}, f'toolset "t": scope name "a:{"q" * 17}" is not {NAME_RULE}'),
])
def test_an_ambiguous_or_malformed_qualified_name_refuses_the_plugin(tmp_path, defines, reason):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("qualified", plugins, defines=defines)
    proc = cli(tmp_path / "data", "plugins", "--json", plugins=plugins, check=False)
    assert proc.returncode == 1, proc
    assert json.loads(proc.stdout)["refused"] == [{"file": "qualified.so", "reason": reason}]


def test_a_sixteen_character_qualifier_loads(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("qualified", plugins, defines={"BAD_NAME": "a:" + "q" * 16})
    toolset = json.loads(cli(tmp_path / "data", "plugins", "--json", plugins=plugins).stdout)["plugins"][0]["toolsets"][0]
    assert [s["name"] for s in toolset["scopes"]] == ["t.things:read", "t.things:write", "t.a:" + "q" * 16]
