"""Console-ready operator commands (ABI 1.2, header section 7a), through the C fixture
`console_commands.c`, which uses nothing but the public headers: the command line built from the input
schema (typed options, x-positional operands), input validated before the plugin runs (exit 2), the
arguments object the plugin receives, output-schema violations (exit 1), toolset gating, the operator's
role and channel in the context and audit trail, the metadata `toolhost plugins --json` gives a console,
help from title/description/options, views checked at load, and a 1.1 command beside them unchanged.
"""
from __future__ import annotations

import json
import time

import pytest

from toolhost_testlib import cli, compile_fixture, create_tenant


@pytest.fixture
def console(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("console_commands", plugins)
    data = tmp_path / "data"
    data.mkdir()
    create_tenant(data, "acme", plugins=plugins)

    def run(*args: str, check: bool = True):
        return cli(data, "console", *args, plugins=plugins, check=check)

    return run, data, plugins


def echo(run, *args: str) -> dict:
    return json.loads(run("echo", "--tenant", "acme", "--json", *args).stdout)


def test_typed_options_and_operands_become_the_arguments_object(console):
    run, _, _ = console
    out = echo(run, "kn_1", "--count", "3", "--ratio=0.5", "--verbose", "--tags", "a,b", "--tags", "c", "--mode", "fast")
    assert out["args"] == {"id": "kn_1", "count": 3, "ratio": 0.5, "verbose": True, "tags": ["a", "b", "c"],
                           "mode": "fast"}, out
    # Options may come before the operand; a flag never swallows the next word; --flag=false is false.
    out = echo(run, "--verbose=false", "kn_2")["args"]
    assert out == {"verbose": False, "id": "kn_2"}, out
    assert echo(run, "--verbose", "kn_3")["args"] == {"verbose": True, "id": "kn_3"}


def test_role_and_channel_reach_the_plugin(console):
    run, _, _ = console
    out = echo(run, "x")
    assert out["role"] == "owner" and out["channel"] == "cli" and out["operator"].startswith("cli:"), out


@pytest.mark.parametrize("words, message", [
    (["x", "--count", "three"], '--count takes an integer, not "three"'),
    (["x", "--count", "0"], "--count: must be >= 1"),
    (["x", "--mode", "medium"], '--mode: must be one of: "fast", "slow"'),
    (["x", "--ratio", "half"], '--ratio takes a number, not "half"'),
    (["x", "--bogus", "1"], "unknown option --bogus (known: --count, --ratio, --verbose, --tags, --mode)"),
    (["x", "y"], 'unexpected word "y": this command takes ID'),
    ([], "ID is required"),
    (["x", "--verbose=maybe"], "--verbose is a flag"),
])
def test_invalid_input_exits_2_naming_the_option_and_never_runs(console, words, message):
    run, data, plugins = console
    proc = run("echo", "--tenant", "acme", *words, check=False)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr.startswith("toolhost console echo: ") and message in proc.stderr, proc.stderr
    # Refused before anything was opened: no run was recorded (there is not even an audit trail yet).
    audit = cli(data, "audit", "--tenant", "acme", "--json", "--kind", "operator.command", plugins=plugins, check=False)
    assert audit.stdout.strip() == "" and (audit.returncode == 0 or "no audit trail" in audit.stderr), audit


def test_output_schema_violation_is_a_plugin_failure(console):
    run, data, plugins = console
    proc = run("badout", "--tenant", "acme", check=False)
    assert proc.returncode == 1 and proc.stdout == "", proc
    assert "does not match its output schema" in proc.stderr and "/n" in proc.stderr, proc.stderr
    entries = wait_for_audit(data, plugins, lambda e: e["tool"] == "console badout")
    assert entries[0]["outcome"] == "error", entries


def test_disabled_toolset_refuses_the_command(console):
    run, data, plugins = console
    assert run("remove", "--tenant", "acme", "a").stdout.strip() == "removed"
    cli(data, "tenant", "disable", "acme", "consoleextra", plugins=plugins)
    proc = run("remove", "--tenant", "acme", "a", check=False)
    assert proc.returncode == 1 and "the consoleextra toolset is disabled for tenant acme" in proc.stderr, proc
    # Commands gated by nothing (or by an enabled toolset) keep working.
    assert run("items", "--tenant", "acme").returncode == 0
    cli(data, "tenant", "enable", "acme", "consoleextra", plugins=plugins)
    assert run("remove", "--tenant", "acme", "a").returncode == 0


def test_audit_records_role_and_channel(console):
    run, data, plugins = console
    run("echo", "--tenant", "acme", "kn_9")
    entries = wait_for_audit(data, plugins, lambda e: e["tool"] == "console echo")
    details = entries[0]["details"]
    assert details["role"] == "owner" and details["channel"] == "cli" and details["positional"] == ["kn_9"], details


def test_a_1_1_command_keeps_its_argument_shape(console):
    run, _, _ = console
    out = json.loads(run("legacy", "--tenant", "acme", "a", "--x", "1", "--json").stdout)
    assert out["args"] == {"positional": ["a"], "options": {"x": "1"}}, out
    assert out["role"] == "owner" and out["channel"] == "cli", out


def test_plugins_json_lists_the_metadata_a_console_needs(console):
    _, data, plugins = console
    report = json.loads(cli(data, "plugins", "--json", plugins=plugins).stdout)
    plugin = next(p for p in report["plugins"] if p["name"] == "console_commands")
    assert plugin["operator_commands"] == ["console echo", "console items", "console remove", "console badout",
                                           "console legacy"], plugin
    details = {d["name"]: d for d in plugin["operator_command_details"]}
    echo_details = details["echo"]
    assert echo_details["abi"] == "1.2" and echo_details["title"] == "Echo" and echo_details["required_role"] == "viewer"
    assert echo_details["input_schema"]["x-positional"] == ["id"] and echo_details["view"] == {"kind": "record"}
    assert echo_details["annotations"] == {"readOnlyHint": True}
    table = details["items"]["view"]
    assert table["kind"] == "table" and table["rows"] == "/items"
    assert [c["key"] for c in table["columns"]] == ["id", "name"]
    assert [a["command"] for a in table["row_actions"]] == ["remove", "echo"]
    remove = details["remove"]
    assert remove["annotations"] == {"readOnlyHint": False, "destructiveHint": True}, remove
    assert remove["toolset"] == "consoleextra" and remove["required_role"] == "owner", remove
    legacy = details["legacy"]
    assert legacy["abi"] == "1.1" and legacy["input_schema"] is None and legacy["required_role"] == "admin", legacy


def test_help_uses_title_description_and_schema_options(console):
    run, _, _ = console
    out = run("echo", "--help").stdout
    assert out.startswith("Usage: toolhost console echo ID --tenant T"), out
    assert "Echo: Answer with the arguments it got" in out and "Shows how the host turned" in out, out
    assert "--mode fast|slow" in out and "--count N" in out and "--verbose" in out, out
    assert "Read-only" in out and "Requires the viewer role." in out, out
    assert "Destructive" in run("remove", "--help").stdout


@pytest.mark.parametrize("bad, reason", [
    ("kind", 'operator command "console echo": view: view kind must be one of text, record, table'),
    ("action", 'operator command "console items": view: row action names command "nosuch", which its group does not register'),
    ("toolset", 'operator command "console remove" names toolset "nosuch", which this plugin does not register'),
    ("role", 'operator command "console echo": required_role "superuser" is not viewer, admin or owner'),
    ("positional", 'operator command "console echo": input_schema: "x-positional" names "nope", which is not a property'),
])
def test_a_bad_definition_refuses_the_plugin_at_load(tmp_path, bad, reason):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    compile_fixture("console_commands", plugins, defines={"BAD_VIEW": bad})
    proc = cli(tmp_path / "data", "plugins", "--json", plugins=plugins, check=False)
    assert proc.returncode == 1, proc
    refused = json.loads(proc.stdout)["refused"]
    assert refused == [{"file": "console_commands.so", "reason": reason}], refused


def wait_for_audit(data, plugins, predicate, timeout=5.0):
    """operator.command entries matching predicate (the CLI flushes its audit batch on exit)."""
    deadline = time.monotonic() + timeout
    while True:
        out = cli(data, "audit", "--tenant", "acme", "--json", "--kind", "operator.command", plugins=plugins).stdout
        entries = [e for e in (json.loads(line) for line in out.splitlines() if line.strip()) if predicate(e)]
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.1)
