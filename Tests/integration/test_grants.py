"""Narrow grants (read-only, per-tool), plans and trials, token rotation and the audit trail."""
from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest

from toolhost_testlib import (
    SCHEDULING_TOOLS,
    Daemon,
    booking_args,
    cli,
    create_tenant,
    create_token,
    relax_abuse_limits,
    rpc_error,
    rpc_result,
    token_public_id,
)

WRITE_TOOLS = {"create_booking_request", "cancel_booking_request", "confirm_booking_request"}
READ_TOOLS = {"list_booking_requests", "get_booking_request"}


@pytest.fixture(scope="module")
def g(tmp_path_factory):
    root = tmp_path_factory.mktemp("grants")
    data = root / "data"
    data.mkdir()
    relax_abuse_limits(data)
    d = Daemon(data=data, logdir=root / "logs")
    d.start()
    yield d
    assert d.stop() == 0, d.stderr[-3000:]


_n = [0]


def _tenant(d, plan=None) -> str:
    _n[0] += 1
    name = f"g{_n[0]}"
    create_tenant(d.data, name, plan=plan)
    return name


def _names(d, path, token) -> list[str]:
    return [t["name"] for t in rpc_result(d.legacy(path, "tools/list", token=token))["tools"]]


def _call(d, path, token, name, args, id=1):
    return d.legacy(path, "tools/call", {"name": name, "arguments": args}, token=token, id=id)


# -- read-only grants ------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["suffix", "flag"])
def test_read_only_grant_lists_only_read_tools_and_refuses_writes(g, how):
    t = _tenant(g)
    if how == "suffix":
        token = create_token(g.data, t, "scheduling:read,clock")
    else:
        token = cli(g.data, "token", "create", "--tenant", t, "--name", "ro", "--toolsets", "scheduling",
                    "--read-only").stdout.strip()
    listed = rpc_result(g.legacy(f"/{t}/mcp/scheduling", "tools/list", token=token))["tools"]
    names = {tool["name"] for tool in listed}
    assert names == READ_TOOLS, names
    for tool in listed:
        assert tool.get("annotations", {}).get("readOnlyHint") is True, tool

    r = _call(g, f"/{t}/mcp", token, "create_booking_request", booking_args(), id=5)
    rpc_error(r, 403, -31003,
              "Token does not grant write access to the scheduling server (create_booking_request changes data)",
              id=5, layer="scope")
    ok = rpc_result(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}))
    assert ok.get("isError") in (None, False), ok


# -- per-tool grants --------------------------------------------------------------------------------

def test_tools_grant_lists_exactly_those_tools(g):
    t = _tenant(g)
    token = cli(g.data, "token", "create", "--tenant", t, "--name", "few", "--toolsets", "scheduling,clock",
                "--tools", "list_booking_requests,clock.current_time").stdout.strip()
    assert sorted(_names(g, f"/{t}/mcp", token)) == ["current_time", "list_booking_requests"]
    r = _call(g, f"/{t}/mcp", token, "get_booking_request", {"id": "br_0000000000000000"}, id=6)
    rpc_error(r, 403, -31003, "Token does not grant access to the get_booking_request tool", id=6, layer="scope")
    rpc_result(_call(g, f"/{t}/mcp", token, "current_time", {}))


def test_restrict_with_undeclared_key_is_refused_at_creation(g):
    t = _tenant(g)
    proc = cli(g.data, "token", "create", "--tenant", t, "--name", "r", "--toolsets", "scheduling",
               "--restrict", '{"no_such_key": ["x"]}', check=False)
    assert proc.returncode == 1, proc
    assert proc.stdout == ""


# -- plans -----------------------------------------------------------------------------------------

def test_plan_below_toolset_requirement_is_403_plan(g):
    t = _tenant(g, plan="starter")
    token = create_token(g.data, t, "scheduling,clock")
    r = _call(g, f"/{t}/mcp/scheduling", token, "list_booking_requests", {}, id=7)
    err = rpc_error(r, 403, -31003, "Your current plan does not include the scheduling integration", id=7,
                    layer="plan")
    assert err["data"]["required_plan"] == "growth", err
    assert err["data"]["current_plan"] == "starter", err
    assert "upgrade" in err["data"], err
    # The clock toolset has no plan requirement.
    rpc_result(_call(g, f"/{t}/mcp/clock", token, "current_time", {}))


def test_set_plan_applies_from_next_request(g):
    t = _tenant(g, plan="starter")
    token = create_token(g.data, t, "scheduling")
    rpc_error(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}), 403, -31003, layer="plan")
    cli(g.data, "tenant", "set-plan", t, "growth")
    rpc_result(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}))
    cli(g.data, "tenant", "set-plan", t, "starter")
    rpc_error(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}), 403, -31003, layer="plan")


def test_trial_grants_plan_until_end_of_date(g):
    t = _tenant(g, plan="starter")
    token = create_token(g.data, t, "scheduling")
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    cli(g.data, "tenant", "set-plan", t, "growth", "--trial-until", tomorrow)
    rpc_result(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}))


def test_higher_tier_satisfies_lower_requirement(g):
    t = _tenant(g, plan="custom")
    token = create_token(g.data, t, "scheduling")
    rpc_result(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}))


# -- rotation ----------------------------------------------------------------------------------------

def test_token_rotate_prints_new_token_and_revokes_old(g):
    t = _tenant(g)
    old = create_token(g.data, t, "scheduling:read", name="rot")
    proc = cli(g.data, "token", "rotate", token_public_id(old))
    new = proc.stdout.strip()
    assert proc.stdout.count("\n") == 1 and re.match(r"^thp_[0-9a-f]{12}_[0-9A-Za-z]{43}$", new), proc.stdout
    assert new != old
    rpc_error(g.legacy(f"/{t}/mcp", "tools/list", token=old), 401, -31001, "Token has been revoked", layer="token")
    # Same grants: still read-only.
    assert set(_names(g, f"/{t}/mcp", new)) == READ_TOOLS


# -- audit -------------------------------------------------------------------------------------------

AUDIT_KEYS = {"time", "kind", "tenant", "token_id", "token_name", "toolset", "tool", "outcome", "layer",
              "duration_ms", "client", "request_id", "args_digest"}


def _audit(d, tenant, *extra) -> list[dict]:
    out = cli(d.data, "audit", "--tenant", tenant, "--json", *extra).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _wait_audit(d, tenant, pred, *extra) -> list[dict]:
    deadline = time.monotonic() + 5
    while True:
        rows = _audit(d, tenant, *extra)
        if any(pred(r) for r in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_audit_records_tool_calls_without_arguments(g):
    t = _tenant(g)
    token = create_token(g.data, t, "scheduling", name="auditme")
    args = booking_args(notes="secret-note-do-not-log")
    rpc_result(_call(g, f"/{t}/mcp", token, "create_booking_request", args))
    rows = _wait_audit(g, t, lambda r: r.get("tool") == "create_booking_request")
    row = next((r for r in rows if r.get("tool") == "create_booking_request"), None)
    assert row is not None, rows
    assert AUDIT_KEYS <= set(row), row
    assert row["tenant"] == t and row["token_id"] == token_public_id(token) and row["token_name"] == "auditme"
    assert row["toolset"] == "scheduling" and row["outcome"] == "ok", row
    assert re.fullmatch(r"[0-9a-f]{64}", row["args_digest"]), row
    assert "secret-note-do-not-log" not in json.dumps(rows)
    assert token not in json.dumps(rows)


def test_audit_records_denials_with_layer(g):
    t = _tenant(g)
    token = create_token(g.data, t, "clock")
    rpc_error(_call(g, f"/{t}/mcp", token, "list_booking_requests", {}), 403, -31003, layer="scope")
    rows = _wait_audit(g, t, lambda r: r.get("outcome") == "denied", "--outcome", "denied")
    assert rows and all(r["outcome"] == "denied" for r in rows), rows
    assert any(r["layer"] == "scope" for r in rows), rows
