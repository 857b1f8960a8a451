"""Daemon lifecycle: first start (demo tenant), graceful restart, crash safety, signals."""
from __future__ import annotations

import json
import re
import signal

import pytest

from toolhost_testlib import (
    SCHEDULING_TOOLS,
    TOKEN_ANYWHERE_RE,
    booking_args,
    booking_id,
    create_booking_http,
    get_booking_http,
    rpc_error,
    rpc_result,
    tenant_with_token,
)


# -- first start -----------------------------------------------------------------------------------

def test_first_start_prints_demo_token_and_snippets(start_daemon, data_dir):
    d = start_daemon(data=data_dir, demo=True)
    out = d.stdout
    tokens = TOKEN_ANYWHERE_RE.findall(out)
    assert tokens, f"no thp_ token on stdout:\n{out}"
    assert len(set(tokens)) == 1, tokens
    token = tokens[0]
    assert "claude mcp add --transport http" in out, out
    assert "mcpServers" in out, out
    assert re.search(rf"http://(127\.0\.0\.1|localhost):{d.port}/demo/mcp", out), out
    assert token not in d.stderr, "the token must never be logged"

    r = rpc_result(d.legacy("/demo/mcp", "tools/list", token=token), id=1)
    assert set(SCHEDULING_TOOLS) <= {t["name"] for t in r["tools"]}
    bid = create_booking_http(d, "/demo/mcp", token)
    assert get_booking_http(d, "/demo/mcp", token, bid).get("isError") in (None, False)


def test_first_start_snippet_json_is_valid(start_daemon, data_dir):
    d = start_daemon(data=data_dir, demo=True)
    out = d.stdout
    start = out.find("{")
    assert start >= 0 and "mcpServers" in out[start:], out
    # The JSON snippet is the first balanced {...} block that mentions mcpServers.
    doc, _ = json.JSONDecoder().raw_decode(out[start:])
    assert "mcpServers" in doc, doc
    server = next(iter(doc["mcpServers"].values()))
    text = json.dumps(server)
    assert "/demo/mcp" in text and "Bearer thp_" in text, server


def test_demo_tenant_can_use_every_installed_toolset(start_daemon, data_dir):
    """Its plan satisfies every toolset's minimum: enterprise, because helpdesk requires exactly that named plan."""
    from toolhost_testlib import cli, rpc_result

    d = start_daemon(data=data_dir, demo=True)
    shown = cli(data_dir, "tenant", "show", "demo", "--json").stdout
    doc = json.loads(shown)
    assert doc["plan"] == "enterprise", doc
    token = d.stdout.split("Bearer ")[1].split('"')[0].split()[0]
    listed = {t["name"] for t in rpc_result(d.legacy("/demo/mcp", "tools/list", token=token))["tools"]}
    assert {"list_conversations", "add_card", "trigger_recipe", "get_share_link", "create_booking_request"} <= listed, listed
    tokens = json.loads(cli(data_dir, "token", "list", "--tenant", "demo", "--json").stdout)
    assert [t["name"] for t in tokens] == ["demo"], tokens
    assert {"scheduling", "clock"} <= set(tokens[0]["toolsets"]), tokens


def test_second_start_prints_no_token(start_daemon, data_dir):
    d = start_daemon(data=data_dir, demo=True)
    assert TOKEN_ANYWHERE_RE.search(d.stdout)
    assert d.stop() == 0
    d2 = start_daemon(data=data_dir, demo=True)
    assert not TOKEN_ANYWHERE_RE.search(d2.stdout), d2.stdout


def test_no_demo_creates_nothing(start_daemon, data_dir):
    from toolhost_testlib import cli

    d = start_daemon(data=data_dir, demo=False)
    assert not TOKEN_ANYWHERE_RE.search(d.stdout), d.stdout
    listed = json.loads(cli(data_dir, "tenant", "list", "--json").stdout)
    assert listed == [], listed


def test_no_demo_env_variable(start_daemon, data_dir):
    d = start_daemon(data=data_dir, demo=True, env={"TOOLHOST_NO_DEMO": "1"})
    assert not TOKEN_ANYWHERE_RE.search(d.stdout), d.stdout


def test_listening_line_names_host_and_port(start_daemon):
    d = start_daemon()
    assert re.search(rf"listening on http://127\.0\.0\.1:{d.port}\b", d.stderr), d.stderr


# -- persistence -----------------------------------------------------------------------------------

def test_graceful_restart_keeps_bookings_and_tokens(start_daemon, data_dir):
    token = tenant_with_token(data_dir, "persist", "scheduling,clock")
    d = start_daemon(data=data_dir)
    bid = create_booking_http(d, "/persist/mcp", token, title="Survives restart")
    assert d.stop() == 0, d.stderr[-3000:]

    d2 = start_daemon(data=data_dir)
    got = get_booking_http(d2, "/persist/mcp", token, bid)
    assert got.get("isError") in (None, False), got
    assert booking_id(got["structuredContent"]) == bid
    assert "Survives restart" in json.dumps(got["structuredContent"])


def test_sigint_is_graceful(start_daemon):
    d = start_daemon()
    d.proc.send_signal(signal.SIGINT)
    assert d.proc.wait(20) == 0, d.stderr[-3000:]


def test_acknowledged_write_survives_sigkill(start_daemon, data_dir):
    token = tenant_with_token(data_dir, "crash", "scheduling")
    d = start_daemon(data=data_dir)
    ids = []
    for i in range(3):
        ids.append(create_booking_http(d, "/crash/mcp", token, title=f"Crash {i}"))
    # SIGKILL right after the last 200 response: nothing acknowledged may be lost.
    r = d.call_tool("/crash/mcp", token, "create_booking_request", booking_args(title="Last before kill"))
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    ids.append(booking_id(rpc_result(r)["structuredContent"]))

    d2 = start_daemon(data=data_dir)
    for bid in ids:
        got = get_booking_http(d2, "/crash/mcp", token, bid)
        assert got.get("isError") in (None, False), (bid, got)


def test_revocation_survives_restart(start_daemon, data_dir):
    from toolhost_testlib import cli, token_public_id

    token = tenant_with_token(data_dir, "revpersist", "scheduling")
    d = start_daemon(data=data_dir)
    cli(data_dir, "token", "revoke", token_public_id(token))
    assert d.stop() == 0
    d2 = start_daemon(data=data_dir)
    rpc_error(d2.legacy("/revpersist/mcp", "tools/list", token=token), 401, -31001, "Token has been revoked",
              layer="token")


@pytest.mark.parametrize("name,value,message", [
    ("TOOLHOST_TOOL_THREADS", "four", 'TOOLHOST_TOOL_THREADS must be an integer from 0 to 256, not "four"'),
    ("TOOLHOST_TOOL_THREADS", "-1", 'TOOLHOST_TOOL_THREADS must be an integer from 0 to 256, not "-1"'),
    ("TOOLHOST_THREADS", "0", 'TOOLHOST_THREADS must be an integer from 1 to 64, not "0"'),
    ("TOOLHOST_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8",
     'TOOLHOST_TRUSTED_PROXIES must list IP addresses separated by commas; "10.0.0.0/8" is not one'),
])
def test_serve_refuses_malformed_environment_settings(data_dir, name, value, message):
    """A typo in a setting stops the start with a message naming it, instead of silently meaning
    something else (a loose parse used to fall back to a default, and a range never matched)."""
    import os
    import subprocess
    from toolhost_testlib import BIN
    env = {**os.environ, name: value}
    proc = subprocess.run([str(BIN), "serve", "--port", "0", "--no-demo", "--data", str(data_dir)], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 1, proc
    assert message in proc.stderr, proc.stderr
