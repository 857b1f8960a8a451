"""Toolset-defined scopes (header section 9, docs/BEHAVIOUR.md "Grants"): a toolset declares named sets of its
tools; `token create --scopes helpdesk.drafts` and OAuth consent grant them; tools/list and calls honour them,
and a refusal names the missing scope. Driven by the C fixture scoped.c (header only)."""
from __future__ import annotations

import json

import pytest

from toolhost_testlib import Daemon, cli, compile_fixture, create_tenant, module_daemon, rpc_error, rpc_result
from test_oauth import full_flow, make_user

DRAFTS = {"list_tickets", "list_drafts", "create_draft_reply"}
ALL = DRAFTS | {"send_reply", "close_ticket"}


@pytest.fixture(scope="module")
def s(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "scopes", fixtures=["scoped"], tenant="acme", prepare=make_user)


def token(d, *args: str) -> str:
    return cli(d.data, "token", "create", "--tenant", "acme", "--name", "t", *args, plugins=d.plugins).stdout.strip()


def listed(d, tok, era="legacy", path="/acme/mcp"):
    send = d.legacy if era == "legacy" else d.modern
    return {t["name"] for t in rpc_result(send(path, "tools/list", token=tok))["tools"]}


def call(d, tok, name, path="/acme/mcp", id=1):
    return d.legacy(path, "tools/call", {"name": name, "arguments": {}}, token=tok, id=id)


@pytest.mark.parametrize("era", ["legacy", "modern"])
def test_a_scope_lists_exactly_its_tools(s, era):
    tok = token(s, "--scopes", "helpdesk.drafts")
    assert listed(s, tok, era) == DRAFTS
    assert listed(s, tok, era, path="/acme/mcp/helpdesk") == DRAFTS


def test_a_call_inside_the_scope_runs_and_the_plugin_sees_the_scope(s):
    tok = token(s, "--scopes", "helpdesk.drafts")
    result = rpc_result(call(s, tok, "create_draft_reply"))
    assert result["structuredContent"] == {"tool": "create_draft_reply", "scopes": ["helpdesk.drafts"]}


def test_a_call_outside_the_scope_names_the_missing_scope(s):
    tok = token(s, "--scopes", "helpdesk.drafts")
    err = rpc_error(call(s, tok, "send_reply", id=7), 403, -31003,
                    "Token lacks scope helpdesk.send for tool send_reply (has helpdesk.drafts)", id=7, layer="scope")
    assert err["data"]["required_scopes"] == ["helpdesk.send", "helpdesk"], err
    assert err["data"]["granted_scopes"] == ["helpdesk.drafts"], err
    # A tool in no declared scope: only the whole toolset reaches it.
    rpc_error(call(s, tok, "close_ticket"), 403, -31003,
              "Token lacks scope helpdesk for tool close_ticket (has helpdesk.drafts)", layer="scope")
    r = call(s, tok, "send_reply")
    assert 'scope="helpdesk.send"' in (r.header("www-authenticate") or ""), r


def test_scopes_add_up_and_the_whole_toolset_grants_everything(s):
    both = token(s, "--scopes", "helpdesk.drafts,helpdesk.send")
    assert listed(s, both) == DRAFTS | {"send_reply"}
    assert rpc_result(call(s, both, "send_reply"))["structuredContent"]["tool"] == "send_reply"
    whole = token(s, "--toolsets", "helpdesk", "--scopes", "helpdesk.triage")
    assert listed(s, whole) == ALL
    assert rpc_result(call(s, whole, "close_ticket"))["structuredContent"]["tool"] == "close_ticket"


@pytest.mark.parametrize("how", ["suffix", "flag"])
def test_read_within_a_scope(s, how):
    tok = token(s, "--scopes", "helpdesk.drafts:read") if how == "suffix" else token(s, "--scopes", "helpdesk.drafts", "--read-only")
    assert listed(s, tok) == {"list_tickets", "list_drafts"}
    assert rpc_result(call(s, tok, "list_drafts"))["structuredContent"]["scopes"] == ["helpdesk.drafts:read"]
    err = rpc_error(call(s, tok, "create_draft_reply"), 403, -31003, layer="scope")
    if how == "suffix":
        assert err["message"] == "Token lacks scope helpdesk.drafts for tool create_draft_reply (has helpdesk.drafts:read)", err
    else:
        assert err["message"] == "Token does not grant write access to the helpdesk server (create_draft_reply changes data)", err


def test_whole_read_grant_plus_a_scope_adds_its_writes(s):
    tok = token(s, "--toolsets", "helpdesk:read", "--scopes", "helpdesk.send")
    assert listed(s, tok) == {"list_tickets", "list_drafts", "send_reply"}
    rpc_error(call(s, tok, "create_draft_reply"), 403, -31003,
              "Token lacks scope helpdesk.drafts for tool create_draft_reply (has helpdesk:read, helpdesk.send)", layer="scope")


def test_tools_narrow_a_scope_further(s):
    tok = token(s, "--scopes", "helpdesk.drafts", "--tools", "list_drafts")
    assert listed(s, tok) == {"list_drafts"}


@pytest.mark.parametrize("args, message", [
    (("--scopes", "nosuch.drafts"), 'unknown toolset "nosuch"'),
    (("--scopes", "helpdesk.nosuch"), 'unknown scope "helpdesk.nosuch" (toolset helpdesk declares: helpdesk.drafts, helpdesk.send, helpdesk.triage)'),
    (("--scopes", "helpdesk"), '--scopes takes toolset.scope, not "helpdesk"'),
    (("--toolsets", "helpdesk.drafts"), '--toolsets takes toolset names; grant "helpdesk.drafts" with --scopes'),
])
def test_scopes_are_validated_when_the_token_is_made(s, args, message):
    proc = cli(s.data, "token", "create", "--tenant", "acme", "--name", "bad", *args, plugins=s.plugins, check=False)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr


def test_neither_toolsets_nor_scopes_is_a_usage_error(s):
    proc = cli(s.data, "token", "create", "--tenant", "acme", "--name", "bad", plugins=s.plugins, check=False)
    assert proc.returncode == 2 and "--toolsets or --scopes is required" in proc.stderr, proc.stderr


def test_listings_show_scopes(s):
    token(s, "--scopes", "helpdesk.send")
    rows = json.loads(cli(s.data, "token", "list", "--tenant", "acme", "--json", plugins=s.plugins).stdout)
    assert any(r["scopes"] == ["helpdesk.send"] and r["toolsets"] == [] for r in rows), rows
    connections = json.loads(cli(s.data, "connections", "--tenant", "acme", "--json", plugins=s.plugins).stdout)
    assert any(r["scopes"] == ["helpdesk.send"] for r in connections), connections
    plugins = json.loads(cli(s.data, "plugins", "--json", plugins=s.plugins).stdout)
    declared = plugins["plugins"][0]["toolsets"][0]["scopes"]
    assert [x["name"] for x in declared] == ["helpdesk.drafts", "helpdesk.send", "helpdesk.triage"]
    assert declared[1] == {"name": "helpdesk.send", "title": "Send replies", "description": "Send replies to customers.",
                           "tools": ["send_reply"]}


def test_oauth_grants_a_declared_scope(s):
    metadata = s.request("GET", "/.well-known/oauth-protected-resource/acme/mcp").json()
    assert {"helpdesk.drafts", "helpdesk.drafts:read"} <= set(metadata["scopes_supported"]), metadata
    _, tokens = full_flow(s, scope="helpdesk.drafts")
    assert tokens["scope"] == "helpdesk.drafts"
    assert listed(s, tokens["access_token"]) == DRAFTS
    rpc_error(call(s, tokens["access_token"], "send_reply"), 403, -31003,
              "Token lacks scope helpdesk.send for tool send_reply (has helpdesk.drafts)", layer="scope")


def test_consent_page_describes_declared_scopes_and_they_can_be_unticked(s):
    import httpx2
    from test_oauth import authorize_url, pkce_pair, register
    client = register(s)
    _, challenge = pkce_pair()
    with httpx2.Client() as browser:
        page = browser.get(authorize_url(s, client, challenge, scope="helpdesk helpdesk.drafts"))
        page = browser.post(s.url("/oauth/signin"), data={**__import__("test_oauth").hidden_fields(page.text),
                                                          "email": "owner@example.com", "password": "correct horse battery"})
    assert "Read tickets and prepare replies, without sending anything." in page.text
    assert "Tools: list_tickets, list_drafts, create_draft_reply" in page.text
    assert "Send replies (helpdesk.send): Send replies to customers." in page.text  # listed under the whole toolset
    _, tokens = full_flow(s, scope="helpdesk helpdesk.drafts", untick=("helpdesk",))
    assert tokens["scope"] == "helpdesk.drafts"
    assert listed(s, tokens["access_token"]) == DRAFTS


@pytest.mark.parametrize("bad, reason", [
    ("1", 'toolset "helpdesk" scope "drafts" names tool "no_such_tool", which the toolset does not have '
          "(it has: list_tickets, list_drafts, create_draft_reply, send_reply, close_ticket)"),
    ("2", 'toolset "helpdesk" declares scope "send" twice'),
    ("3", 'toolset "helpdesk": scope name "Bad.Name" is not [a-z0-9_-]{1,32}, optionally followed by one :[a-z0-9_-]{1,16}'),
    ("4", 'toolset "helpdesk" scope "drafts" names tool "list_drafts" twice'),
    ("5", 'toolset "helpdesk" scope "empty" names no tools (tools must be a NULL-terminated list of at least one)'),
    ("6", 'toolset "helpdesk" scope "mute" has no description'),
])
def test_a_bad_scope_definition_refuses_the_plugin(tmp_path, bad, reason):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("scoped", plugins, defines={"BAD_SCOPE": int(bad)})
    proc = cli(tmp_path / "data", "plugins", "--json", plugins=plugins, check=False)
    assert proc.returncode == 1, proc
    assert json.loads(proc.stdout)["refused"] == [{"file": "scoped.so", "reason": reason}]


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_plugins_declare_no_scopes_and_work_unchanged(tmp_path, version):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("scoped", plugins, header_version=version)
    data = tmp_path / "data"
    create_tenant(data, "acme", plugins=plugins)
    toolset = json.loads(cli(data, "plugins", "--json", plugins=plugins).stdout)["plugins"][0]["toolsets"][0]
    assert toolset["scopes"] == [] and set(toolset["tools"]) == ALL
    bad = cli(data, "token", "create", "--tenant", "acme", "--name", "x", "--scopes", "helpdesk.drafts", plugins=plugins, check=False)
    assert "toolset helpdesk declares: none" in bad.stderr, bad.stderr
    tok = cli(data, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "helpdesk", plugins=plugins).stdout.strip()
    d = Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs").start()
    try:
        assert listed(d, tok) == ALL
        assert rpc_result(call(d, tok, "send_reply"))["structuredContent"] == {"tool": "send_reply", "scopes": ["helpdesk"]}
    finally:
        assert d.stop() == 0
