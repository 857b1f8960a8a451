"""The CLI's command table: `--help` on every command, the generated usage, and the built-in names a plugin's
operator command group may not take (Tests/fixtures/plugins/operator_group.c registers one named by
TOOLHOST_FIXTURE_GROUP)."""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from toolhost_testlib import BIN, cli, compile_fixture, create_tenant, plugins_dir_with_real

# Every command and action an operator types, as the README's CLI reference lists them.
COMMANDS = [
    ("serve",), ("stdio",),
    ("tenant", "create"), ("tenant", "list"), ("tenant", "show"), ("tenant", "set-plan"), ("tenant", "enable"),
    ("tenant", "disable"),
    ("token", "create"), ("token", "list"), ("token", "revoke"), ("token", "rotate"),
    ("user", "create"),
    ("connections",), ("connections", "revoke"),
    ("audit",), ("plugins",), ("help",),
]
GROUPS = {
    "tenant": ["create", "list", "show", "set-plan", "enable", "disable"],
    "token": ["create", "list", "revoke", "rotate"],
    "user": ["create"],
    "connections": ["revoke"],
}
BUILT_IN = ["serve", "stdio", "tenant", "token", "user", "connections", "audit", "jobs", "plugins", "version", "help"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("commands") / "data"
    d.mkdir()
    create_tenant(d, "acme")
    return d


def _known_options(data, words) -> list[str]:
    """The options the parser accepts, from its own error message for an unknown one."""
    proc = cli(data, *words, "--no-such-option", check=False)
    assert proc.returncode == 2, proc
    match = re.search(r"unknown option --no-such-option \(known: (.*)\)$", proc.stderr.strip())
    assert match, proc.stderr
    return [word.split()[0] for word in match.group(1).split(", ")]


# -- --help on every command --------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_lists_exactly_what_the_parser_accepts(data, words, flag):
    proc = cli(data, *words, flag, check=False)
    assert proc.returncode == 0, proc
    assert proc.stderr == "", proc.stderr
    assert proc.stdout.startswith("Usage: toolhost " + " ".join(words)), proc.stdout
    listed = re.findall(r"^  (--[a-z-]+)", proc.stdout, re.MULTILINE)
    assert sorted(listed) == sorted(_known_options(data, words)), proc.stdout


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
def test_help_anywhere_wins_over_missing_required_options(data, words):
    proc = cli(data, *words, "--data", "unused", "--help", check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage:"), proc


def test_version_help_and_version(data):
    helped = cli(data, "version", "--help")
    assert helped.stdout.startswith("Usage: toolhost version"), helped.stdout
    assert re.fullmatch(r"toolhost \S+\n", cli(data, "version").stdout)


@pytest.mark.parametrize("group", sorted(GROUPS))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_group_help_lists_its_actions(data, group, flag):
    proc = cli(data, group, flag)
    for action in GROUPS[group]:
        assert f"toolhost {group} {action}" in proc.stdout, proc.stdout
    assert proc.stderr == ""


def test_help_command_takes_a_command(data):
    assert cli(data, "help", "tenant", "create").stdout == cli(data, "tenant", "create", "--help").stdout


# -- errors keep their messages ------------------------------------------------------------------------

def test_unknown_option_still_exits_2_naming_the_known_ones(data):
    proc = cli(data, "audit", "--tenant", "acme", "--bogus", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("toolhost audit: unknown option --bogus (known: --data VALUE, --json, "), proc.stderr


@pytest.mark.parametrize("words,message", [
    (("audit",), "toolhost audit: --tenant is required"),
    (("token", "list"), "toolhost token: --tenant is required"),
    (("connections",), "toolhost connections: --tenant is required"),
    (("stdio",), "toolhost stdio: --tenant is required"),
    (("user", "create", "--tenant", "acme"), "toolhost user: --email is required"),
])
def test_missing_required_option_keeps_its_message(data, words, message):
    proc = cli(data, *words, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == message, proc


@pytest.mark.parametrize("words,message", [
    (("tenant", "create"), "toolhost tenant: usage: toolhost tenant create NAME [--plan P]"),
    (("tenant", "show"), "toolhost tenant: usage: toolhost tenant show NAME [--json]"),
    (("tenant", "set-plan", "acme"), "toolhost tenant: usage: toolhost tenant set-plan NAME PLAN [--trial-until YYYY-MM-DD]"),
    (("tenant", "disable", "acme"), "toolhost tenant: usage: toolhost tenant disable NAME TOOLSET…"),
    (("token", "rotate"), "toolhost token: usage: toolhost token rotate ID"),
    (("connections", "revoke"), "toolhost connections: usage: toolhost connections revoke ID"),
    (("tenant", "bogus"), 'toolhost tenant: unknown tenant action "bogus" (create, list, show, set-plan, enable, disable)'),
])
def test_wrong_operands_keep_their_usage_message(data, words, message):
    proc = cli(data, *words, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == message, proc


# -- the top-level usage -------------------------------------------------------------------------------

@pytest.mark.parametrize("words", [("help",), ("--help",), ("-h",)])
def test_top_level_usage_lists_every_built_in_command(data, words):
    proc = cli(data, *words)
    assert proc.stdout.startswith("Toolhost"), proc.stdout
    for name in BUILT_IN:
        assert f"\n  toolhost {name}" in proc.stdout, name


def test_no_command_prints_the_usage_on_stderr_and_exits_2():
    proc = subprocess.run([str(BIN)], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "toolhost tenant create" in proc.stderr and "toolhost knowledge" in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def fixture_plugins(tmp_path_factory):
    plugins = plugins_dir_with_real(tmp_path_factory.mktemp("opgroup") / "plugins")
    compile_fixture("operator_group", plugins)
    return plugins


def test_top_level_usage_lists_plugin_groups_from_the_registry(data, fixture_plugins):
    out = cli(data, "help", plugins=fixture_plugins, env={"TOOLHOST_FIXTURE_GROUP": "widgets"}).stdout
    assert "toolhost widgets COMMAND --tenant T" in out and "(plugin operator_group)" in out, out
    assert re.search(r"^ +hello +Say hello from the fixture$", out, re.MULTILINE), out
    assert re.search(r"^ +count +Count to three$", out, re.MULTILINE), out
    assert re.search(r"^ +promote +Make a draft", out, re.MULTILINE), out  # the Training plugin's knowledge group


def test_usage_of_unknown_command_lists_plugin_groups(data, fixture_plugins):
    proc = cli(data, "no-such-command", plugins=fixture_plugins, env={"TOOLHOST_FIXTURE_GROUP": "widgets"}, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith('toolhost: unknown command "no-such-command"'), proc
    assert "Count to three" in proc.stderr


def test_usage_without_plugin_commands_has_no_plugin_section(data, tmp_path):
    empty = tmp_path / "plugins"
    empty.mkdir()
    out = cli(data, "help", plugins=empty).stdout
    assert "knowledge" not in out and "Operator commands" not in out, out


# -- plugin operator groups ----------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_plugin_group_help(data, flag):
    proc = cli(data, "knowledge", flag)
    assert proc.stdout.startswith("Usage: toolhost knowledge COMMAND"), proc.stdout
    for name in ["list", "show", "promote", "hide", "delete", "add"]:
        assert re.search(rf"^  {name} ", proc.stdout, re.MULTILINE), proc.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_plugin_command_help_has_its_summary_and_the_host_options(data, flag):
    proc = cli(data, "knowledge", "promote", flag)
    assert proc.stdout.startswith("Usage: toolhost knowledge promote"), proc.stdout
    assert "Make a draft (or hidden item) live" in proc.stdout
    for option in ["--tenant T", "--json", "--data DIR", "--plugins DIR"]:
        assert f"\n  {option}" in proc.stdout, option


def test_plugin_command_runs_and_still_needs_its_tenant(data, fixture_plugins):
    env = {"TOOLHOST_FIXTURE_GROUP": "widgets"}
    assert cli(data, "widgets", "hello", "--tenant", "acme", plugins=fixture_plugins, env=env).stdout == "hello from the fixture\n"
    proc = cli(data, "widgets", "hello", plugins=fixture_plugins, env=env, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == "toolhost widgets: --tenant is required", proc


# -- built-in names are reserved -----------------------------------------------------------------------

def _refusal_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "operator_group.so" in line]


@pytest.mark.parametrize("group", BUILT_IN + ["--help", "-h", "--version"])  # aliases are valid group names too
def test_plugin_may_not_register_a_built_in_command_as_its_group(data, fixture_plugins, group):
    proc = cli(data, "plugins", "--json", plugins=fixture_plugins, env={"TOOLHOST_FIXTURE_GROUP": group}, check=False)
    assert proc.returncode == 1, proc  # a refused file makes `toolhost plugins` fail
    report = json.loads(proc.stdout)
    assert "operator_group" not in [p["name"] for p in report["plugins"]], report
    refused = [r for r in report["refused"] if r["file"] == "operator_group.so"]
    assert len(refused) == 1 and f'group "{group}" collides with the built-in toolhost command' in refused[0]["reason"], report


def test_reserved_user_group_is_refused_and_user_create_still_works(data, fixture_plugins):
    proc = cli(data, "user", "create", "--tenant", "acme", "--email", "owner@example.com", input="correct horse\n",
               plugins=fixture_plugins, env={"TOOLHOST_FIXTURE_GROUP": "user"})
    assert proc.stdout.startswith("usr_"), proc
    assert _refusal_lines(proc.stderr) == [], proc.stderr  # `user` needs no plugin, so none was loaded
    _assert_group_refused(data, fixture_plugins, "user")


def _assert_group_refused(data, plugins, group):
    proc = cli(data, "plugins", "--json", plugins=plugins, env={"TOOLHOST_FIXTURE_GROUP": group}, check=False)
    refused = [r["reason"] for r in json.loads(proc.stdout)["refused"] if r["file"] == "operator_group.so"]
    assert refused == [f'operator command group "{group}" collides with the built-in toolhost command of that name'], proc


def test_reserved_connections_group_is_refused_and_connections_still_works(data, fixture_plugins):
    proc = cli(data, "connections", "--tenant", "acme", "--all", "--json", plugins=fixture_plugins,
               env={"TOOLHOST_FIXTURE_GROUP": "connections"})
    assert isinstance(json.loads(proc.stdout), list), proc
    assert _refusal_lines(proc.stderr) == [], proc.stderr
    _assert_group_refused(data, fixture_plugins, "connections")


def test_unreserved_group_loads(data, fixture_plugins):
    report = json.loads(cli(data, "plugins", "--json", plugins=fixture_plugins,
                            env={"TOOLHOST_FIXTURE_GROUP": "widgets"}).stdout)
    loaded = {p["name"]: p for p in report["plugins"]}
    assert loaded["operator_group"]["operator_commands"] == ["widgets hello", "widgets count"], report
