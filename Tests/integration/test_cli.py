"""The CLI: tenants and tokens (no daemon needed)."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from toolhost_testlib import (
    TOKEN_RE,
    cli,
    create_tenant,
    create_token,
    token_public_id,
)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "data"
    d.mkdir()
    create_tenant(d, "acme")
    return d


def test_token_create_prints_only_the_token(data):
    proc = cli(data, "token", "create", "--tenant", "acme", "--name", "n1", "--toolsets", "scheduling")
    assert TOKEN_RE.match(proc.stdout.rstrip("\n")), proc.stdout
    assert proc.stdout.count("\n") == 1
    assert proc.stdout.strip() not in proc.stderr


def test_tokens_are_unique(data):
    a = create_token(data, "acme", "scheduling", name="u1")
    b = create_token(data, "acme", "scheduling", name="u2")
    assert a != b and token_public_id(a) != token_public_id(b)


def test_token_list_json_fields(data):
    tok = create_token(data, "acme", "scheduling,clock", name="listed", expires="2099-12-31")
    rows = json.loads(cli(data, "token", "list", "--tenant", "acme", "--json").stdout)
    assert isinstance(rows, list)
    row = next(r for r in rows if r["id"] == token_public_id(tok))
    # The documented fields (extra fields are tolerated: additive output does not break readers).
    assert {"id", "name", "tenant", "toolsets", "created", "expires", "last_used", "revoked"} <= set(row), row
    assert row["name"] == "listed" and row["tenant"] == "acme"
    assert sorted(row["toolsets"]) == ["clock", "scheduling"]
    assert RFC3339.match(row["created"]), row
    # A date means "valid through the end of that day, UTC".
    assert row["expires"].startswith("2099-12-31T23:59:59") or row["expires"] == "2100-01-01T00:00:00Z", row
    assert row["last_used"] is None
    assert row["revoked"] in (None, False), row
    assert tok not in json.dumps(rows), "the secret must never be listed"


def test_token_revoke_marks_revoked(data):
    tok = create_token(data, "acme", "scheduling", name="to-revoke")
    cli(data, "token", "revoke", token_public_id(tok))
    rows = json.loads(cli(data, "token", "list", "--tenant", "acme", "--json").stdout)
    row = next(r for r in rows if r["id"] == token_public_id(tok))
    assert row["revoked"] not in (None, False), row
    if isinstance(row["revoked"], str):
        assert RFC3339.match(row["revoked"]), row


def test_token_revoke_unknown_id_fails(data):
    proc = cli(data, "token", "revoke", "tok_000000000000", check=False)
    assert proc.returncode == 1, proc
    assert proc.stderr.strip()


def test_unknown_toolset_lists_installed_ones(data):
    proc = cli(data, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "nope", check=False)
    assert proc.returncode == 1, proc
    assert proc.stdout == ""
    assert "nope" in proc.stderr and "scheduling" in proc.stderr and "clock" in proc.stderr, proc.stderr


def test_expiry_in_the_past_fails(data):
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    proc = cli(data, "token", "create", "--tenant", "acme", "--name", "x", "--toolsets", "scheduling",
               "--expires", past, check=False)
    assert proc.returncode == 1, proc
    assert proc.stdout == ""


def test_token_for_unknown_tenant_fails(data):
    proc = cli(data, "token", "create", "--tenant", "ghost", "--name", "x", "--toolsets", "scheduling", check=False)
    assert proc.returncode == 1, proc
    assert proc.stdout == ""


def test_usage_error_exits_2(data):
    assert cli(data, "token", "create", "--name", "x", check=False).returncode == 2
    assert cli(data, "no-such-command", check=False).returncode == 2


@pytest.mark.parametrize("name", ["Acme", "-acme", "a_b", "a" * 64, ""])
def test_invalid_tenant_names_are_refused(data, name):
    proc = cli(data, "tenant", "create", name, check=False)
    assert proc.returncode in (1, 2), proc


def test_valid_tenant_name_edge_cases(data):
    create_tenant(data, "a")
    create_tenant(data, "0-" + "b" * 61)


def test_duplicate_tenant_fails(data):
    proc = cli(data, "tenant", "create", "acme", check=False)
    assert proc.returncode == 1, proc


def test_tenant_list_and_show_json(data):
    create_tenant(data, "growthco", plan="growth")
    listed = json.dumps(json.loads(cli(data, "tenant", "list", "--json").stdout))
    assert "acme" in listed and "growthco" in listed
    shown = json.loads(cli(data, "tenant", "show", "growthco", "--json").stdout)
    assert "growth" in json.dumps(shown)


def test_tenant_disable_enable_round_trip(data):
    create_tenant(data, "toggler")
    cli(data, "tenant", "disable", "toggler", "clock")
    assert "clock" in json.dumps(json.loads(cli(data, "tenant", "show", "toggler", "--json").stdout))
    cli(data, "tenant", "enable", "toggler", "clock")


def test_data_folder_layout(data):
    assert (data / "host.db").is_file()
