"""Loading plugins the way a deployer and a third party meet it (issue "Plugin platform hardening"):

- names (plugin, toolset, operator command group) go to the library host.db assigned them, never to
  whichever file sorts first; a newcomer is refused until `toolhost plugins assign`;
- plugin files and folders writable by other users are refused (sshd's StrictModes);
- a loaded library overwritten in place does not crash the daemon (it runs a private copy);
- an unknown min_plan and broken migration SQL are refused at load, with SQLite's message once;
- a dotted tool name never resolves to a different tool than the one listed under it;
- `toolhost plugins` changes nothing and exits 1 when a file was refused; commands that need no
  plugin run no plugin code.
"""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from toolhost_testlib import (
    Daemon,
    cli,
    compile_fixture,
    plugins_dir_with_real,
    rpc_error,
    rpc_result,
    tenant_with_token,
)


def _declared(plugins, out_name, **defines):
    return compile_fixture("declared", plugins, out_name=out_name, defines={k.upper(): v for k, v in defines.items()})


def _call(d, token, path, name):
    return d.legacy(path, "tools/call", {"name": name, "arguments": {}}, token=token)


def _answer(d, token, path, name):
    result = rpc_result(_call(d, token, path, name))
    assert not result.get("isError"), result
    return result["structuredContent"]["answer"]


def _tool_names(d, token, path):
    return [t["name"] for t in rpc_result(d.legacy(path, "tools/list", token=token))["tools"]]


def _refusals(stderr, file):
    return [line for line in stderr.splitlines() if f"refused {file}:" in line]


@pytest.fixture
def folders(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    data = tmp_path / "data"
    data.mkdir()
    return plugins, data


def _start(data, plugins, tmp_path, env=None):
    return Daemon(data=data, plugins=plugins, logdir=tmp_path / "logs", env=env or {}).start()


def _serve_once(data, plugins, tmp_path, token):
    """Starts a daemon, asks toolset notes who answers, stops it: (answer, the daemon's log)."""
    d = _start(data, plugins, tmp_path)
    try:
        return _answer(d, token, "/acme/mcp/notes", "whoami"), d.stderr
    finally:
        assert d.stop() == 0


# -- names: host.db decides, not file-name order ------------------------------------------------------

def test_two_new_claimants_of_a_toolset_both_wait_for_the_operator(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "a_first.so", plugin_name="alpha", toolset_name="notes", answer="alpha")
    _declared(plugins, "z_last.so", plugin_name="omega", toolset_name="notes", answer="omega")
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert proc.returncode == 1, proc
    for file in ("a_first.so", "z_last.so"):
        assert f"refused {file}: toolset \"notes\" is claimed by both plugin alpha (a_first.so) and plugin omega (z_last.so)" in proc.stdout, proc.stdout
    assert "toolhost plugins assign --toolset notes --plugin alpha" in proc.stdout

    cli(data, "plugins", "assign", "--toolset", "notes", "--plugin", "omega", plugins=plugins)
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    d = _start(data, plugins, tmp_path)
    try:
        assert _answer(d, token, "/acme/mcp/notes", "whoami") == "omega"
        line, = _refusals(d.stderr, "a_first.so")
        assert 'toolset "notes" is assigned to plugin omega (z_last.so) (host.db); plugin alpha (a_first.so) claims it too' in line, line
    finally:
        assert d.stop() == 0


def test_the_assigned_library_keeps_its_toolset_whatever_the_file_names(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes", answer="real")
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    assert _serve_once(data, plugins, tmp_path, token)[0] == "real"
    # An impostor that sorts first claims the toolset; then the real file is renamed to sort last.
    _declared(plugins, "aaa_collide.so", plugin_name="collide", toolset_name="notes", answer="impostor")
    for real_name in ("libnotes.so", "zzz_notes.so"):
        if real_name != "libnotes.so":
            cli(data, "plugins", "assign", "--plugin-name", "notes", "--file", real_name, plugins=plugins)
            os.rename(plugins / "libnotes.so", plugins / real_name)
        answer, log = _serve_once(data, plugins, tmp_path, token)
        assert answer == "real", real_name
        line, = _refusals(log, "aaa_collide.so")
        assert f'is assigned to plugin notes ({real_name})' in line, line


def test_a_second_library_with_a_plugin_name_never_gets_its_databases(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes", answer="v1")
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    assert _serve_once(data, plugins, tmp_path, token)[0] == "v1"
    # A newer build dropped in beside the old one (and sorting first) is refused until assigned.
    _declared(plugins, "libnotes-2.so", plugin_name="notes", toolset_name="notes", answer="v2")
    answer, log = _serve_once(data, plugins, tmp_path, token)
    assert answer == "v1"
    line, = _refusals(log, "libnotes-2.so")
    assert 'plugin name "notes" is assigned to libnotes.so (host.db); libnotes-2.so claims it too' in line, line
    assert "toolhost plugins assign --plugin-name notes --file libnotes-2.so" in line, line
    cli(data, "plugins", "assign", "--plugin-name", "notes", "--file", "libnotes-2.so", plugins=plugins)
    assert _serve_once(data, plugins, tmp_path, token)[0] == "v2"


def test_plugins_command_shows_assignments_and_who_assigned_them(folders):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes", command_group="notes")
    cli(data, "plugins", "assign", "--toolset", "notes", "--plugin", "notes", plugins=plugins)
    report = json.loads(cli(data, "plugins", "--json", plugins=plugins).stdout)
    got = {(a["kind"], a["name"]): a for a in report["assignments"]}
    assert got[("toolset", "notes")]["holder"] == "notes"
    assert got[("toolset", "notes")]["assigned"].startswith("by operator ")
    assert got[("plugin", "notes")]["holder"] == "libnotes.so"
    assert got[("plugin", "notes")]["assigned"] == "only claimant; remembered when the daemon starts"
    assert got[("command_group", "notes")]["holder"] == "notes"


def test_assign_refuses_mixed_or_missing_options(folders):
    plugins, data = folders
    cases = [
        (["--toolset", "notes", "--file", "x.so"], "--toolset goes with --plugin, not --file"),
        (["--plugin", "notes"], "name exactly one of --plugin-name, --toolset or --command-group"),
        (["--toolset", "a", "--command-group", "b", "--plugin", "p"], "name exactly one of"),
        (["--plugin-name", "notes", "--file", "../evil.so"], "--file takes the name of a library in the plugins folder"),
        (["--toolset", "Notes!", "--plugin", "p"], 'toolset "Notes!" is not [a-z0-9_-]{1,32}'),
    ]
    for words, message in cases:
        proc = cli(data, "plugins", "assign", *words, plugins=plugins, check=False)
        assert proc.returncode in (1, 2) and message in proc.stderr, (words, proc.stderr)


# -- trust: files and folders others can write are refused --------------------------------------------

def test_plugin_file_writable_by_others_is_refused(folders, tmp_path):
    plugins, data = folders
    plugins_dir_with_real(plugins)
    risky = _declared(plugins, "risky.so", plugin_name="risky", toolset_name="risky")
    os.chmod(risky, 0o666)
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert proc.returncode == 1
    assert f"refused risky.so: file {risky} is writable by every user (mode 0666); plugins are native code in the daemon's process: chmod go-w {risky}" in proc.stdout, proc.stdout
    assert "scheduling" in proc.stdout  # the safe ones still load
    os.chmod(risky, 0o664)
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert "is writable by its group (mode 0664)" in proc.stdout, proc.stdout


def test_plugins_folder_writable_by_others_refuses_every_file(folders, tmp_path):
    plugins, data = folders
    plugins_dir_with_real(plugins)
    os.chmod(plugins, 0o777)
    try:
        proc = cli(data, "plugins", plugins=plugins, check=False)
        assert proc.returncode == 1
        assert "No plugins loaded." in proc.stdout
        assert f"refused libToolhostScheduling.so: plugins folder {plugins} is writable by every user (mode 0777)" in proc.stdout, proc.stdout
    finally:
        os.chmod(plugins, 0o755)


# -- upgrades: overwriting a loaded library ---------------------------------------------------------

def test_overwriting_a_loaded_library_in_place_does_not_crash_the_daemon(folders, tmp_path):
    plugins, data = folders
    lib = _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes", answer="v1")
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    d = _start(data, plugins, tmp_path)
    try:
        assert _answer(d, token, "/acme/mcp/notes", "whoami") == "v1"
        # `cp` over the file: same inode, new bytes (what crashed the daemon when it mapped the file).
        newer = _declared(tmp_path, "build.so", plugin_name="notes", toolset_name="notes", answer="v2-with-a-longer-answer")
        with open(lib, "r+b") as target:
            target.write(newer.read_bytes())
            target.truncate()
        for _ in range(20):
            assert _answer(d, token, "/acme/mcp/notes", "whoami") == "v1"
        assert d.proc.poll() is None
    finally:
        assert d.stop() == 0
    # The new version takes effect at the next start.
    assert _serve_once(data, plugins, tmp_path, token)[0] == "v2-with-a-longer-answer"


# -- load-time checks ---------------------------------------------------------------------------------

def test_unknown_min_plan_is_refused_at_load(folders):
    plugins, data = folders
    _declared(plugins, "gold.so", plugin_name="gold", toolset_name="gold", toolset_min_plan="gold")
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert proc.returncode == 1
    assert ('refused gold.so: toolset "gold" requires min_plan "gold", which is not a plan of this host '
            '(starter, growth, pro, custom, enterprise); fix the plugin or add the plan under "plans" in toolhost.json') in proc.stdout, proc.stdout


def test_a_plan_the_deployer_configured_is_accepted(folders):
    plugins, data = folders
    _declared(plugins, "gold.so", plugin_name="gold", toolset_name="gold", toolset_min_plan="gold")
    (data / "toolhost.json").write_text(json.dumps({"plans": {"tiers": ["free", "gold"]}}))
    report = json.loads(cli(data, "plugins", "--json", plugins=plugins).stdout)
    assert [p["name"] for p in report["plugins"]] == ["gold"], report


def test_broken_migration_sql_is_refused_at_load_with_sqlite_message(folders):
    plugins, data = folders
    _declared(plugins, "broken.so", plugin_name="broken", toolset_name="broken", migration_sql="CREATE TABEL notes (id INTEGER)")
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert proc.returncode == 1
    line, = [ln for ln in proc.stdout.splitlines() if ln.startswith("refused broken.so:")]
    assert line == 'refused broken.so: migration 1 fails on an empty database: near "TABEL": syntax error', line


def test_migration_failure_on_an_existing_database_names_sqlite_once(folders, tmp_path):
    """Valid on an empty database, but the tenant's existing file already has the table: the first
    call fails with one "SQLite error 1:" prefix, not two."""
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes",
              migration_sql="CREATE TABLE declared_notes (id INTEGER PRIMARY KEY)")
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    tenant_dir = data / "tenants" / "acme"
    tenant_dir.mkdir(parents=True)
    import sqlite3
    with sqlite3.connect(tenant_dir / "notes.db") as db:
        db.execute("CREATE TABLE declared_notes (x)")
    d = _start(data, plugins, tmp_path)
    try:
        _call(d, token, "/acme/mcp/notes", "whoami")
        line, = [ln for ln in d.stderr.splitlines() if "migrating notes database of tenant acme" in ln]
        assert line.count("SQLite error") == 1, line
        assert "table declared_notes already exists" in line, line
    finally:
        d.stop()


# -- dotted tool names ----------------------------------------------------------------------------------

def test_a_dotted_tool_name_never_runs_another_toolsets_tool(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes", tool_name="get_note", answer="notes")
    _declared(plugins, "zz.so", plugin_name="zz", toolset_name="zz", tool_name="notes.get_note", answer="zz")
    _declared(plugins, "yy.so", plugin_name="yy", toolset_name="yy", tool_name="notes.missing", answer="yy")
    token = tenant_with_token(data, "acme", "notes,zz,yy", plugins=plugins)
    d = _start(data, plugins, tmp_path)
    try:
        names = _tool_names(d, token, "/acme/mcp")
        assert sorted(names) == ["get_note", "yy.notes.missing", "zz.notes.get_note"], names
        # Every listed name runs the tool listed under it …
        assert _answer(d, token, "/acme/mcp", "get_note") == "notes"
        assert _answer(d, token, "/acme/mcp", "zz.notes.get_note") == "zz"
        assert _answer(d, token, "/acme/mcp", "yy.notes.missing") == "yy"
        # … and an unlisted name that reads as notes' tool is notes' tool, or unknown: never zz's or yy's.
        assert _answer(d, token, "/acme/mcp", "notes.get_note") == "notes"
        rpc_error(_call(d, token, "/acme/mcp", "notes.missing"), 200, -32602, "Unknown tool: notes.missing")
        # On its own endpoint the toolset's names are bare, as listed there.
        assert _tool_names(d, token, "/acme/mcp/zz") == ["notes.get_note"]
        assert _answer(d, token, "/acme/mcp/zz", "notes.get_note") == "zz"
    finally:
        assert d.stop() == 0


# -- commands that need no plugin ---------------------------------------------------------------------

def test_commands_that_need_no_plugin_run_no_plugin_code(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes")
    marker = tmp_path / "inits.log"
    env = {"TOOLHOST_FIXTURE_INIT_MARKER": str(marker)}
    cli(data, "tenant", "create", "acme", plugins=plugins, env=env)
    marker.unlink()
    for words in (["tenant", "set-plan", "acme", "starter"], ["connections", "--tenant", "acme"],
                  ["token", "list", "--tenant", "acme"], ["version"]):
        cli(data, *words, plugins=plugins, env=env)
        assert not marker.exists(), f"toolhost {' '.join(words)} ran a plugin's init"
    cli(data, "token", "create", "--tenant", "acme", "--toolsets", "notes", "--name", "t", plugins=plugins, env=env)
    assert marker.read_text() == "notes init\n"  # validating --toolsets needs the plugins


def test_plugins_command_creates_nothing_in_the_data_folder(tmp_path):
    plugins = plugins_dir_with_real(tmp_path / "plugins")
    data = tmp_path / "fresh-data"
    proc = cli(data, "plugins", plugins=plugins)
    assert proc.returncode == 0 and "scheduling" in proc.stdout
    assert not data.exists()
    shutil.copy(plugins / "libToolhostClock.so", plugins / "clock-copy.so")
    proc = cli(data, "plugins", plugins=plugins, check=False)
    assert proc.returncode == 1 and "refused clock-copy.so" in proc.stdout
    assert not data.exists()


def test_a_database_newer_than_the_plugins_migrations_is_never_downgraded(folders, tmp_path):
    plugins, data = folders
    _declared(plugins, "libnotes.so", plugin_name="notes", toolset_name="notes")
    token = tenant_with_token(data, "acme", "notes", plugins=plugins)
    tenant_dir = data / "tenants" / "acme"
    tenant_dir.mkdir(parents=True)
    import sqlite3
    with sqlite3.connect(tenant_dir / "notes.db") as db:
        db.execute("CREATE TABLE from_the_future (x)")
        db.execute("PRAGMA user_version = 7")
    d = _start(data, plugins, tmp_path)
    try:
        r = _call(d, token, "/acme/mcp/notes", "whoami")
        assert r.status == 500 and r.json()["error"]["code"] == -32603, r
        assert "database schema version 7 is newer than this build knows (1); refusing to downgrade" in d.stderr, d.stderr
    finally:
        assert d.stop() == 0
    with sqlite3.connect(tenant_dir / "notes.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 7
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("from_the_future",)]
