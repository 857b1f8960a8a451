"""The four access layers, in order, against the real daemon: token (401), scope (403), plan (403),
abuse (429); read-only, per-tool and restricted tokens; token rotation; the audit trail.

Thresholds are lowered through the deployer configuration file (<data>/toolhost.json) so that the
burst limit and the address lockout can be hit with a handful of real requests.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import time
from pathlib import Path

import pytest

from toolhost_testlib import (
    booking_args,
    cli,
    compile_fixture,
    create_tenant,
    create_token,
    plugins_dir_with_real,
    rpc_error,
    rpc_result,
    token_public_id,
)

FAKE_TOKEN = "thp_000000000000_" + "a" * 43


def write_config(data: Path, config: dict) -> None:
    (data / "toolhost.json").write_text(json.dumps(config))


def post_from(port: int, source: str, path: str, body: dict, token: str | None) -> tuple[int, dict, dict]:
    """POSTs from a chosen loopback source address (127.0.0.x), as a client on another machine would."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", path, json.dumps(body), headers)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, json.loads(payload) if payload else {}


def ping(id: int = 1) -> dict:
    return {"jsonrpc": "2.0", "id": id, "method": "ping"}


def tool_names(d, path: str, token: str) -> list[str]:
    result = rpc_result(d.legacy(path, "tools/list", {}, token=token))
    return [t["name"] for t in result["tools"]]


def audit_lines(data: Path, *extra: str) -> list[dict]:
    # The trail is written in batches (every 200 ms); give it a moment.
    time.sleep(0.6)
    out = cli(data, "audit", "--tenant", "acme", "--json", *extra).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# --------------------------------------------------------------------------------------------------
# Layer 3: plans
# --------------------------------------------------------------------------------------------------

def test_plan_below_toolset_minimum_is_refused_with_upgrade_hint(start_daemon, data_dir):
    create_tenant(data_dir, "acme", plan="starter")
    token = create_token(data_dir, "acme", "scheduling,clock")
    d = start_daemon(data=data_dir)
    err = rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 403, -31003,
                    "Your current plan does not include the scheduling integration", layer="plan")
    assert err["data"]["required_plan"] == "growth" and err["data"]["current_plan"] == "starter", err
    assert "growth" in err["data"]["upgrade"], err
    # The clock toolset has no minimum plan: the same token still works there.
    rpc_result(d.call_tool("/acme/mcp", token, "current_time", {}))
    # Tools of an out-of-plan toolset are not listed on the combined endpoint.
    assert "list_booking_requests" not in tool_names(d, "/acme/mcp", token)
    # The per-toolset endpoint refuses everything at layer 3.
    rpc_error(d.legacy("/acme/mcp/scheduling", "tools/list", {}, token=token), 403, -31003, layer="plan")


def test_upgrade_and_downgrade_apply_on_the_next_request_for_existing_tokens(start_daemon, data_dir):
    create_tenant(data_dir, "acme", plan="pro")
    token = create_token(data_dir, "acme", "scheduling")
    d = start_daemon(data=data_dir)
    rpc_result(d.call_tool("/acme/mcp", token, "list_booking_requests", {}))
    cli(data_dir, "tenant", "set-plan", "acme", "starter")
    rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 403, -31003, layer="plan")
    cli(data_dir, "tenant", "set-plan", "acme", "growth")
    rpc_result(d.call_tool("/acme/mcp", token, "list_booking_requests", {}))


def test_trial_grants_a_plan_until_its_end(start_daemon, data_dir):
    create_tenant(data_dir, "acme", plan="starter")
    token = create_token(data_dir, "acme", "scheduling")
    d = start_daemon(data=data_dir)
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3))
    cli(data_dir, "tenant", "set-plan", "acme", "growth", "--trial-until", until)
    rpc_result(d.call_tool("/acme/mcp", token, "list_booking_requests", {}))
    shown = json.loads(cli(data_dir, "tenant", "show", "acme", "--json").stdout)
    assert shown["plan"] == "starter" and shown["effective_plan"] == "growth", shown
    time.sleep(3.5)
    rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 403, -31003, layer="plan")


def test_unknown_plan_and_past_trial_are_refused(data_dir):
    create_tenant(data_dir, "acme")
    bad = cli(data_dir, "tenant", "set-plan", "acme", "platinum", check=False)
    assert bad.returncode == 1 and 'unknown plan "platinum"' in bad.stderr, bad.stderr
    past = cli(data_dir, "tenant", "set-plan", "acme", "pro", "--trial-until", "2020-01-01", check=False)
    assert past.returncode == 1 and "in the past" in past.stderr, past.stderr


def test_named_plans_from_the_configuration(start_daemon, data_dir):
    write_config(data_dir, {"plans": {"tiers": ["free", "growth", "max"], "named": {"enterprise": "max"}}})
    create_tenant(data_dir, "acme", plan="free")
    token = create_token(data_dir, "acme", "scheduling")
    d = start_daemon(data=data_dir)
    rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 403, -31003, layer="plan")
    cli(data_dir, "tenant", "set-plan", "acme", "enterprise")  # ranks like max ≥ growth
    rpc_result(d.call_tool("/acme/mcp", token, "list_booking_requests", {}))


# --------------------------------------------------------------------------------------------------
# Layer order
# --------------------------------------------------------------------------------------------------

def test_scope_is_checked_before_plan(start_daemon, data_dir):
    create_tenant(data_dir, "acme", plan="starter")
    token = create_token(data_dir, "acme", "clock")  # scheduling neither granted nor in plan
    d = start_daemon(data=data_dir)
    rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 403, -31003,
              "Token does not grant access to the scheduling server", layer="scope")


def test_token_is_checked_before_everything(start_daemon, data_dir):
    create_tenant(data_dir, "acme", plan="starter")
    token = create_token(data_dir, "acme", "clock")
    cli(data_dir, "token", "revoke", token_public_id(token))
    d = start_daemon(data=data_dir)
    rpc_error(d.call_tool("/acme/mcp", token, "list_booking_requests", {}), 401, -31001,
              "Token has been revoked", layer="token")


# --------------------------------------------------------------------------------------------------
# Finer scopes
# --------------------------------------------------------------------------------------------------

def test_read_only_token_sees_and_calls_only_read_tools(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    writer = create_token(data_dir, "acme", "scheduling", name="writer")
    reader = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "reader", "--toolsets", "scheduling",
                 "--read-only").stdout.strip()
    d = start_daemon(data=data_dir)
    assert sorted(tool_names(d, "/acme/mcp", reader)) == ["get_booking_request", "list_booking_requests"]
    assert "create_booking_request" in tool_names(d, "/acme/mcp", writer)
    r = d.call_tool("/acme/mcp", reader, "create_booking_request", booking_args())
    err = rpc_error(r, 403, -31003, layer="scope")
    assert err["message"] == "Token does not grant write access to the scheduling server (create_booking_request changes data)"
    challenge = r.header("www-authenticate") or ""
    assert 'error="insufficient_scope"' in challenge and 'scope="scheduling"' in challenge, challenge
    rpc_result(d.call_tool("/acme/mcp", reader, "list_booking_requests", {}))


def test_per_toolset_read_scope(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "scheduling:read,clock")
    d = start_daemon(data=data_dir)
    names = tool_names(d, "/acme/mcp", token)
    assert "current_time" in names and "list_booking_requests" in names and "cancel_booking_request" not in names, names
    rpc_error(d.call_tool("/acme/mcp", token, "cancel_booking_request", {"id": "br_0000000000000000"}), 403, -31003, layer="scope")


def test_token_limited_to_named_tools(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    token = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "narrow", "--toolsets", "scheduling,clock",
                "--tools", "list_booking_requests,clock.current_time").stdout.strip()
    d = start_daemon(data=data_dir)
    assert sorted(tool_names(d, "/acme/mcp", token)) == ["current_time", "list_booking_requests"]
    rpc_error(d.call_tool("/acme/mcp", token, "get_booking_request", {"id": "br_0000000000000000"}), 403, -31003,
              "Token does not grant access to the get_booking_request tool", layer="scope")
    bad = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "clock",
              "--tools", "list_booking_requests", check=False)
    assert bad.returncode == 1 and "none of the granted toolsets has" in bad.stderr, bad.stderr


def test_restrictions_are_validated_stored_listed_and_handed_to_the_toolset(start_daemon, data_dir, tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    compile_fixture("restricted", plugins)
    create_tenant(data_dir, "acme", plugins=plugins)
    unknown = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "inbox",
                  "--restrict", '{"mailboxes": ["a"]}', plugins=plugins, check=False)
    assert unknown.returncode == 1 and 'unknown restriction key "mailboxes"' in unknown.stderr and "inboxes" in unknown.stderr
    wrong_type = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "inbox",
                     "--restrict", '{"inboxes": "billing"}', plugins=plugins, check=False)
    assert wrong_type.returncode == 1 and "must be of type array" in wrong_type.stderr, wrong_type.stderr
    not_granted = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "clock",
                      "--restrict", '{"inboxes": ["billing"]}', plugins=plugins, check=False)
    assert not_granted.returncode == 1, not_granted.stderr
    token = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "billing bot", "--toolsets", "inbox",
                "--restrict", '{"inboxes": ["billing"]}', plugins=plugins).stdout.strip()
    listed = json.loads(cli(data_dir, "token", "list", "--tenant", "acme", "--json", plugins=plugins).stdout)
    assert listed[0]["restrictions"] == {"inboxes": ["billing"]}, listed
    d = start_daemon(data=data_dir, plugins=plugins)
    result = rpc_result(d.call_tool("/acme/mcp", token, "whoami", {}))
    assert result["structuredContent"]["restrictions"] == {"inboxes": ["billing"]}, result
    assert result["structuredContent"]["scopes"] == ["inbox"], result


# --------------------------------------------------------------------------------------------------
# Layer 4: abuse guard
# --------------------------------------------------------------------------------------------------

def test_burst_limit_is_per_token_across_source_addresses(start_daemon, data_dir):
    write_config(data_dir, {"abuse": {"burst_limit": 5, "burst_window_seconds": 60}})
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "clock", name="bursty")
    other = create_token(data_dir, "acme", "clock", name="calm")
    d = start_daemon(data=data_dir)
    # Five requests from five different addresses: all admitted.
    for i in range(5):
        status, _, body = post_from(d.port, f"127.0.0.{10 + i}", "/acme/mcp", ping(i), token)
        assert status == 200, body
    # The sixth, from yet another address, is refused: the limit follows the token, not the IP.
    status, headers, body = post_from(d.port, "127.0.0.20", "/acme/mcp", ping(6), token)
    assert status == 429, body
    assert body["error"]["message"] == "Suspicious burst detected" and body["error"]["data"]["layer"] == "abuse", body
    assert body["id"] == 6
    assert 1 <= int(headers["retry-after"]) <= 60, headers
    # Another token from the same address is unaffected.
    status, _, body = post_from(d.port, "127.0.0.20", "/acme/mcp", ping(7), other)
    assert status == 200, body


def test_failed_authentications_lock_the_address_across_tokens(start_daemon, data_dir):
    write_config(data_dir, {"abuse": {"failed_auth_limit": 3}})
    create_tenant(data_dir, "acme")
    first = create_token(data_dir, "acme", "clock", name="first")
    second = create_token(data_dir, "acme", "clock", name="second")
    revoked = create_token(data_dir, "acme", "clock", name="revoked")
    cli(data_dir, "token", "revoke", token_public_id(revoked))
    d = start_daemon(data=data_dir)
    attacker = "127.0.0.30"
    for i in range(3):
        status, _, _ = post_from(d.port, attacker, "/acme/mcp", ping(i), FAKE_TOKEN)
        assert status == 401
    # Three failures are within the limit: a valid token from that address still works.
    status, _, _ = post_from(d.port, attacker, "/acme/mcp", ping(3), first)
    assert status == 200
    status, _, _ = post_from(d.port, attacker, "/acme/mcp", ping(4), FAKE_TOKEN)  # the fourth: locked out
    assert status == 401
    retry_afters = []
    for token in (first, second):  # every token is refused from the locked address
        status, headers, body = post_from(d.port, attacker, "/acme/mcp", ping(5), token)
        assert status == 429, body
        assert body["error"]["message"] == "Too many failed authentication attempts from your IP", body
        assert body["error"]["data"]["layer"] == "abuse", body
        retry_afters.append(int(headers["retry-after"]))
    # Layer order: a revoked token from the locked address is refused by layer 1 first.
    status, _, body = post_from(d.port, attacker, "/acme/mcp", ping(6), revoked)
    assert status == 401 and body["error"]["message"] == "Token has been revoked", body
    # Retrying during the lockout does not extend it.
    for i in range(5):
        post_from(d.port, attacker, "/acme/mcp", ping(10 + i), FAKE_TOKEN)
    status, headers, _ = post_from(d.port, attacker, "/acme/mcp", ping(20), first)
    assert status == 429 and int(headers["retry-after"]) <= retry_afters[0], (headers, retry_afters)
    assert 3500 <= retry_afters[0] <= 3600, retry_afters
    # Other addresses are not affected.
    status, _, _ = post_from(d.port, "127.0.0.31", "/acme/mcp", ping(21), first)
    assert status == 200


# --------------------------------------------------------------------------------------------------
# Rotation, last used, audit trail
# --------------------------------------------------------------------------------------------------

def test_rotate_keeps_grants_and_revokes_the_old_token(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    old = cli(data_dir, "token", "create", "--tenant", "acme", "--name", "ci", "--toolsets", "scheduling",
              "--read-only").stdout.strip()
    d = start_daemon(data=data_dir)
    rpc_result(d.call_tool("/acme/mcp", old, "list_booking_requests", {}))
    rotated = cli(data_dir, "token", "rotate", token_public_id(old))
    new = rotated.stdout.strip()
    assert rotated.stdout.count("\n") == 1 and new.startswith("thp_") and new != old
    rpc_error(d.call_tool("/acme/mcp", old, "list_booking_requests", {}), 401, -31001, "Token has been revoked", layer="token")
    rpc_result(d.call_tool("/acme/mcp", new, "list_booking_requests", {}))
    rpc_error(d.call_tool("/acme/mcp", new, "create_booking_request", booking_args()), 403, -31003, layer="scope")
    listed = {t["id"]: t for t in json.loads(cli(data_dir, "token", "list", "--tenant", "acme", "--json").stdout)}
    assert listed[token_public_id(new)]["name"] == "ci" and listed[token_public_id(new)]["read_only"] is True


def test_last_used_is_recorded_without_a_write_per_request(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir)
    before = json.loads(cli(data_dir, "token", "list", "--tenant", "acme", "--json").stdout)[0]
    assert before["last_used"] is None
    rpc_result(d.call_tool("/acme/mcp", token, "current_time", {}))
    time.sleep(0.6)  # coalesced in memory, flushed every 200 ms
    after = json.loads(cli(data_dir, "token", "list", "--tenant", "acme", "--json").stdout)[0]
    assert after["last_used"] is not None, after


def test_audit_trail_records_calls_and_denials_with_digests(start_daemon, data_dir):
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "scheduling", name="auditor")
    d = start_daemon(data=data_dir)
    args = booking_args()
    rpc_result(d.call_tool("/acme/mcp", token, "create_booking_request", args))
    rpc_error(d.call_tool("/acme/mcp", token, "current_time", {}), 403, -31003, layer="scope")
    rpc_error(d.call_tool("/acme/mcp", FAKE_TOKEN, "current_time", {}), 401, -31001, layer="token")
    lines = audit_lines(data_dir)
    for line in lines:
        for field in ("time", "token_id", "toolset", "tool", "outcome"):
            assert field in line, line
    ok = [l for l in lines if l["tool"] == "create_booking_request" and l["outcome"] == "ok"]
    assert len(ok) == 1, lines
    assert ok[0]["token_id"] == token_public_id(token) and ok[0]["toolset"] == "scheduling"
    assert ok[0]["duration_ms"] is not None and ok[0]["client"] == "127.0.0.1"
    canonical = json.dumps(args, separators=(",", ":"), ensure_ascii=False)
    assert ok[0]["args_digest"] == hashlib.sha256(canonical.encode()).hexdigest(), ok[0]
    assert "arguments" not in ok[0], "raw arguments are only kept when the deployer turns that on"
    denied = audit_lines(data_dir, "--outcome", "denied")
    assert {l["layer"] for l in denied} == {"scope", "token"}, denied
    assert all(l["outcome"] == "denied" for l in denied)
    by_token = audit_lines(data_dir, "--token", token_public_id(token))
    assert by_token and all(l["token_id"] == token_public_id(token) for l in by_token)


def test_recorded_arguments_are_redacted(start_daemon, data_dir):
    write_config(data_dir, {"audit": {"record_arguments": True}})
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "scheduling")
    d = start_daemon(data=data_dir)
    secret = "ghp_" + "Ab1" * 12
    args = booking_args()
    args["notes"] = secret
    rpc_result(d.call_tool("/acme/mcp", token, "create_booking_request", args))
    line = [l for l in audit_lines(data_dir) if l["tool"] == "create_booking_request"][0]
    assert line["arguments"]["notes"] == "[redacted]", line
    assert line["arguments"]["title"] == args["title"], line
    assert secret not in json.dumps(line)
    assert secret not in d.stderr


def test_recorded_arguments_lose_secrets_inside_text_and_urls(start_daemon, data_dir):
    write_config(data_dir, {"audit": {"record_arguments": True}})
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "scheduling")
    d = start_daemon(data=data_dir)
    args = booking_args()
    args["notes"] = f"please use {token} and https://app.example/cb?access_token=s3cretvalue&state=ok"
    rpc_result(d.call_tool("/acme/mcp", token, "create_booking_request", args))
    line = [l for l in audit_lines(data_dir) if l["tool"] == "create_booking_request"][0]
    assert line["arguments"]["notes"] == "please use [redacted] and https://app.example/cb?access_token=[redacted]&state=ok", line
    assert token not in json.dumps(line) and "s3cretvalue" not in json.dumps(line)


def test_lockout_behind_a_trusted_proxy_uses_the_forwarded_address(start_daemon, data_dir):
    write_config(data_dir, {"abuse": {"failed_auth_limit": 2}})
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir, env={"TOOLHOST_TRUSTED_PROXIES": "127.0.0.1"})

    def via_proxy(client_ip: str, bearer: str):
        return d.request("POST", "/acme/mcp", ping(1), {"Content-Type": "application/json",
                                                          "Authorization": f"Bearer {bearer}",
                                                          "X-Forwarded-For": f"{client_ip}, 127.0.0.1"})

    for _ in range(3):
        assert via_proxy("203.0.113.7", FAKE_TOKEN).status == 401
    assert via_proxy("203.0.113.7", token).status == 429  # that client is locked out…
    assert via_proxy("203.0.113.8", token).status == 200  # …the proxy and its other clients are not
    time.sleep(0.6)
    denied = audit_lines(data_dir, "--outcome", "denied")
    assert any(l["client"] == "203.0.113.7" for l in denied), denied


def test_forwarded_for_is_ignored_from_untrusted_addresses(start_daemon, data_dir):
    write_config(data_dir, {"abuse": {"failed_auth_limit": 2}})
    create_tenant(data_dir, "acme")
    token = create_token(data_dir, "acme", "clock")
    d = start_daemon(data=data_dir)  # no trusted proxies: the header must not let anyone dodge the lockout
    for i in range(3):
        r = d.request("POST", "/acme/mcp", ping(1), {"Content-Type": "application/json", "Authorization": f"Bearer {FAKE_TOKEN}",
                                                     "X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status == 401
    r = d.request("POST", "/acme/mcp", ping(1), {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                                                 "X-Forwarded-For": "198.51.100.99"})
    assert r.status == 429, r
