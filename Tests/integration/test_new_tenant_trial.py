"""Deployer configuration `plans.new_tenant_trial` (README "Configuration"): off by default; when set, every tenant
created from then on (`tenant create`, the first start's demo tenant) starts on a trial of that plan for that many
days, then its base plan applies. Existing tenants are unaffected; a bad setting stops every command."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from toolhost_testlib import Daemon, cli, compile_fixture, create_token, rpc_error, rpc_result

STANDARD = {"tiers": ["starter", "growth", "pro", "custom"], "named": {"enterprise": "pro"}}
TRIAL = {"plans": {**STANDARD, "new_tenant_trial": {"plan": "enterprise", "days": 7}}}


def write_config(data: Path, config: dict) -> None:
    (data / "toolhost.json").write_text(json.dumps(config))


@pytest.fixture
def plugins(tmp_path) -> Path:
    """One toolset, `declared`, that requires the enterprise plan."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    compile_fixture("declared", folder, defines={"TOOLSET_MIN_PLAN": "enterprise"})
    return folder


def show(data: Path, tenant: str, plugins: Path) -> dict:
    return json.loads(cli(data, "tenant", "show", tenant, "--json", plugins=plugins).stdout)


def seconds_until(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() - time.time()


def test_a_new_tenant_starts_on_the_configured_trial_and_may_use_the_trial_plan(tmp_path, data_dir, plugins):
    write_config(data_dir, TRIAL)
    created = cli(data_dir, "tenant", "create", "acme", "--plan", "starter", plugins=plugins)
    assert "Tenant acme starts on a 7-day enterprise trial until " in created.stderr and "; then starter." in created.stderr, created.stderr
    shown = show(data_dir, "acme", plugins)
    assert (shown["plan"], shown["trial_plan"], shown["effective_plan"]) == ("starter", "enterprise", "enterprise"), shown
    assert abs(seconds_until(shown["trial_until"]) - 7 * 86_400) < 3_600, shown
    text = cli(data_dir, "tenant", "show", "acme", plugins=plugins).stdout
    assert f"enterprise (trial until {shown['trial_until']}, then starter)" in text, text

    token = create_token(data_dir, "acme", "declared", plugins=plugins)
    d = Daemon(data=data_dir, plugins=plugins, logdir=tmp_path / "logs").start()
    try:
        assert rpc_result(d.call_tool("/acme/mcp", token, "whoami", {}))["structuredContent"] == {"answer": "declared"}
    finally:
        assert d.stop() == 0


def test_without_the_setting_there_is_no_trial_and_existing_tenants_keep_theirs(tmp_path, data_dir, plugins):
    created = cli(data_dir, "tenant", "create", "acme", "--plan", "starter", plugins=plugins)
    assert "trial" not in created.stderr, created.stderr
    write_config(data_dir, TRIAL)
    shown = show(data_dir, "acme", plugins)
    assert (shown["trial_plan"], shown["trial_until"], shown["effective_plan"]) == (None, None, "starter"), shown

    token = create_token(data_dir, "acme", "declared", plugins=plugins)
    d = Daemon(data=data_dir, plugins=plugins, logdir=tmp_path / "logs").start()
    try:
        rpc_error(d.call_tool("/acme/mcp", token, "whoami", {}), 403, -31003, layer="plan")
    finally:
        assert d.stop() == 0


def test_the_first_start_demo_tenant_gets_the_trial_too(tmp_path, data_dir, plugins):
    write_config(data_dir, TRIAL)
    d = Daemon(data=data_dir, plugins=plugins, demo=True, logdir=tmp_path / "logs").start()
    try:
        assert "Tenant demo starts on a 7-day enterprise trial until " in d.stderr, d.stderr
    finally:
        assert d.stop() == 0
    shown = show(data_dir, "demo", plugins)
    assert (shown["plan"], shown["trial_plan"]) == ("pro", "enterprise"), shown


@pytest.mark.parametrize("trial, message", [
    ({"plan": "enterprise", "days": 0}, "plans.new_tenant_trial.days must be an integer from 1 to 365"),
    ({"plan": "enterprise", "days": 366}, "plans.new_tenant_trial.days must be an integer from 1 to 365"),
    ({"plan": "enterprise", "days": 2.5}, "plans.new_tenant_trial.days must be an integer from 1 to 365"),
    ({"plan": "enterprise"}, "plans.new_tenant_trial.days must be an integer from 1 to 365"),
    ({"plan": "platinum", "days": 7},
     "plans.new_tenant_trial.plan must name one of the plans starter, growth, pro, custom, enterprise"),
    ("enterprise", 'plans.new_tenant_trial must be an object like {"plan": "enterprise", "days": 7}'),
])
def test_a_bad_trial_setting_is_a_configuration_error(data_dir, trial, message):
    write_config(data_dir, {"plans": {**STANDARD, "new_tenant_trial": trial}})
    proc = cli(data_dir, "tenant", "create", "acme", check=False)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    assert "Created tenant" not in proc.stderr
