"""The Training plugin against a real daemon, with the official `mcp` client: the knowledge/training toolsets and
the operator review workflow (`toolhost knowledge …`, ABI 1.1 operator commands)."""
from __future__ import annotations

import json
import time

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from toolhost_testlib import MODERN, run

TOOLSETS = "knowledge,training"


async def _session(shared, tenant: str, token: str, fn, *, mode: str = "auto"):
    url = shared.d.url(f"/{tenant}/mcp")
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as h:
        async with Client(streamable_http_client(url, http_client=h), mode=mode) as c:
            return await fn(c)


def _text(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def _push(c, title: str, content: str, **extra) -> str:
    result = await c.call_tool("add_training_item", {"title": title, "content": content, **extra})
    assert not result.is_error, _text(result)
    item = result.structured_content
    assert item["visibility"] == "draft" and item["source"] == "external" and item["system_suggested"] is True, item
    return item["id"]


async def _search_ids(c, query: str, **extra) -> list[str]:
    result = await c.call_tool("search_knowledge", {"query": query, **extra})
    assert not result.is_error, _text(result)
    return [r["id"] for r in result.structured_content["results"]]


def _knowledge(shared, *args: str, check: bool = True):
    return shared.cli("knowledge", *args, check=check)


@pytest.fixture
def training(shared):
    tenant, token = shared.new_tenant("train", TOOLSETS)
    return tenant, token


def test_tools_list_names_schemas_and_annotations(shared, training):
    tenant, token = training

    async def body(c):
        return await c.list_tools()

    listing = run(_session(shared, tenant, token, body))
    by_name = {t.name: t for t in listing.tools}
    expected = {"search_knowledge", "list_categories", "add_training_item", "update_training_item",
                "archive_training_item", "list_training_drafts"}
    assert expected <= set(by_name), sorted(by_name)
    assert set(by_name["search_knowledge"].input_schema["properties"]) == {"query", "category", "limit", "cursor"}
    assert set(by_name["add_training_item"].input_schema["properties"]) == {"title", "content", "summary", "category"}
    assert "id" in by_name["update_training_item"].input_schema["properties"]
    assert "id" in by_name["archive_training_item"].input_schema["properties"]
    for name in expected:
        assert by_name[name].output_schema, f"{name} has no outputSchema"
        read_only = by_name[name].annotations.read_only_hint if by_name[name].annotations else None
        assert read_only is (name in {"search_knowledge", "list_categories", "list_training_drafts"}), (name, read_only)


def test_review_workflow_draft_promote_search_hide(shared, training):
    tenant, token = training

    async def push_and_search(c):
        ids = [await _push(c, "Refund window", "Customers may ask for a refund within 30 days of purchase.",
                           category="Billing"),
               await _push(c, "Parcel shipping", "Parcels ship within two business days.")]
        assert await _search_ids(c, "refund") == []
        assert await _search_ids(c, "parcels shipping") == []
        cats = await c.call_tool("list_categories", {})
        assert cats.structured_content["total_live_items"] == 0
        drafts = await c.call_tool("list_training_drafts", {})
        assert [d["id"] for d in drafts.structured_content["drafts"]] == ids
        return ids

    refund, shipping = run(_session(shared, tenant, token, push_and_search))

    listed = json.loads(_knowledge(shared, "list", "--tenant", tenant, "--visibility", "draft", "--source", "external",
                                   "--json").stdout)
    assert [item["id"] for item in listed] == [refund, shipping]
    assert all(item["source"] == "external" and item["source_label"] == "Pushed by an external tool" for item in listed)
    assert all(item["pushed_by_token_name"] == "test" for item in listed)
    human = _knowledge(shared, "list", "--tenant", tenant).stdout
    assert refund in human and "external" in human

    promoted = _knowledge(shared, "promote", "--tenant", tenant, refund)
    assert refund in promoted.stdout

    async def after_promote(c):
        assert await _search_ids(c, "refund") == [refund]
        assert await _search_ids(c, "refund", category="billing") == [refund]
        assert await _search_ids(c, "refund", category="Shipping") == []
        assert await _search_ids(c, "parcels") == []  # still a draft
        drafts = await c.call_tool("list_training_drafts", {})
        assert [d["id"] for d in drafts.structured_content["drafts"]] == [shipping]

    run(_session(shared, tenant, token, after_promote))

    _knowledge(shared, "hide", "--tenant", tenant, refund)

    async def after_hide(c):
        assert await _search_ids(c, "refund") == []

    run(_session(shared, tenant, token, after_hide))

    shown = json.loads(_knowledge(shared, "show", "--tenant", tenant, refund, "--json").stdout)
    assert [(h["from"], h["to"]) for h in shown["history"]] == [(None, "draft"), ("draft", "live"), ("live", "hidden")]
    assert shown["history"][0]["by"].startswith("token:test")
    assert shown["history"][1]["by"].startswith("cli:")

    # Every operator visibility change is also in the host's audit trail.
    deadline = time.monotonic() + 5
    while True:
        lines = shared.cli("audit", "--tenant", tenant, "--json", "--kind", "knowledge.visibility_changed").stdout.splitlines()
        changes = [json.loads(line)["details"] for line in lines]
        targets = [(d.get("id"), d.get("to")) for d in changes]
        if ((refund, "live") in targets and (refund, "hidden") in targets) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (refund, "live") in targets and (refund, "hidden") in targets, changes


def test_live_item_untouchable_through_training_tools(shared, training):
    tenant, token = training

    async def push(c):
        return await _push(c, "Opening hours", "We open at nine.")

    pushed = run(_session(shared, tenant, token, push))
    _knowledge(shared, "promote", "--tenant", tenant, pushed)
    manual = json.loads(_knowledge(shared, "add", "--tenant", tenant, "--title", "Closing hours",
                                   "--content", "We close at six.", "--json").stdout)["id"]

    async def attack(c):
        for item in (pushed, manual):
            for args in ({"title": "Poisoned"}, {"content": "We never open."}, {"summary": "x"}, {"category": "x"}):
                result = await c.call_tool("update_training_item", {"id": item, **args})
                assert result.is_error, f"update of live {item} with {args} was accepted"
            archived = await c.call_tool("archive_training_item", {"id": item})
            assert archived.is_error, f"archive of live {item} was accepted"
            assert "live" in _text(archived)
        return await _search_ids(c, "hours open close")

    found = run(_session(shared, tenant, token, attack, mode=MODERN))
    assert set(found) == {pushed, manual}
    live = json.loads(_knowledge(shared, "list", "--tenant", tenant, "--visibility", "live", "--json").stdout)
    assert sorted(i["id"] for i in live) == sorted([pushed, manual])
    assert {i["title"] for i in live} == {"Opening hours", "Closing hours"}


def test_operator_mistakes_exit_1_on_stderr(shared, training):
    tenant, _ = training
    missing = _knowledge(shared, "promote", "--tenant", tenant, "kn_0000000000000000", check=False)
    assert missing.returncode == 1 and missing.stdout == ""
    assert "no knowledge item" in missing.stderr
    # Since the commands declare their input schema (ABI 1.2), the host refuses a value outside the enum
    # as a usage error (exit 2) before the plugin runs, naming the option.
    bad = _knowledge(shared, "list", "--tenant", tenant, "--visibility", "pending", check=False)
    assert bad.returncode == 2 and "--visibility" in bad.stderr and bad.stdout == "", bad
    usage = _knowledge(shared, "promote", check=False)
    assert usage.returncode == 2 and "--tenant" in usage.stderr


def test_refused_operator_commands_are_found_by_their_outcome(shared, training):
    """Operator commands write the outcome `refused`; `toolhost audit --outcome refused` used to exit 2
    because the reader's list of outcomes had drifted from the writers'. Both now share one enum."""
    tenant, _ = training
    _knowledge(shared, "promote", "--tenant", tenant, "kn_00000000000000ff", check=False)
    deadline = time.time() + 5
    while True:  # audit events are written in batches
        proc = shared.cli("audit", "--tenant", tenant, "--outcome", "refused", "--json", check=False)
        assert proc.returncode == 0, proc.stderr
        entries = [json.loads(line) for line in proc.stdout.splitlines()]
        if entries or time.time() > deadline:
            break
        time.sleep(0.1)
    assert entries and all(e["outcome"] == "refused" and e["kind"] == "operator.command" for e in entries), entries
    assert any(e["tool"] == "knowledge promote" for e in entries), entries
    # The table names each event's kind.
    table = shared.cli("audit", "--tenant", tenant).stdout.splitlines()
    assert table[0].split()[:3] == ["TIME", "KIND", "TOKEN"], table[0]
    assert any(" operator.command " in row and " refused" in row for row in table[1:]), table
