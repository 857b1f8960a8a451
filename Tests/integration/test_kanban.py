"""The Kanban toolset (Plugins/Kanban) against a real daemon: an agent lists projects and cards and adds cards through
a token; humans set up boards and move, edit and archive cards with `toolhost kanban …`. Driven through the official
MCP client, raw HTTP and the operator commands."""
from __future__ import annotations

import json
import threading
import time

import pytest

from toolhost_testlib import TenantSession, create_tenant, module_daemon, rpc_error, rpc_result, token_public_id

TOOLS = {"list_projects", "list_cards", "get_card", "add_card"}
READ_TOOLS = {"list_projects", "list_cards", "get_card"}


class Board(TenantSession):
    """One growth tenant with its kanban, on a daemon shared by the module."""

    def kanban(self, command: str, *args: str, check: bool = True):
        return self.command("kanban", command, *args, check=check)

    def kanban_json(self, command: str, *args: str):
        return self.command_json("kanban", command, *args)

    def project(self, name: str, *extra: str) -> str:
        out = self.kanban("project", "create", name, *extra).stdout
        assert out.endswith("\n") and out.count("\n") == 1, repr(out)
        return out.strip()

    def token(self, toolsets: str = "kanban", name: str = "Planner bot") -> str:
        return self.cli("token", "create", "--tenant", self.tenant, "--name", name, "--toolsets", toolsets).stdout.strip()

    def add(self, token: str, title: str, column: str = "To do", project: str = "website-relaunch", **more) -> dict:
        return self.call(token, "add_card", {"project": project, "column": column, "title": title, **more})

    def all_cards(self, token: str, **filters) -> list[dict]:
        """Every page of list_cards with these filters, checking the cursor chain."""
        cards, cursor = [], None
        for _ in range(1000):
            page = self.call(token, "list_cards", {**filters, **({"cursor": cursor} if cursor else {})})
            cards += page["cards"]
            cursor = page["next_cursor"]
            if cursor is None:
                return cards
        raise AssertionError("list_cards never ended")

    def column_of(self, token: str, column: str, project: str = "website-relaunch") -> list[str]:
        """Titles of a column, top to bottom."""
        cards = self.all_cards(token, project=project, column=column, limit=100)
        return [c["title"] for c in sorted(cards, key=lambda c: c["position"])]


_counter = [0]


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "kanban")


def _tenant(daemon, plan: str = "growth") -> Board:
    _counter[0] += 1
    tenant = f"team{_counter[0]}"
    create_tenant(daemon.data, tenant, plan=plan)
    return Board(daemon, tenant)


@pytest.fixture
def board(daemon) -> Board:
    """A fresh growth tenant with project "Website relaunch" (To do, Doing, Done)."""
    board = _tenant(daemon)
    assert board.project("Website relaunch") == "website-relaunch"
    return board


def _text(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def _audit(board: Board, kind: str, predicate) -> list[dict]:
    """Audit details of `kind` matching predicate; the CLI flushes its audit batch on exit, so wait generously."""
    deadline = time.monotonic() + 30
    while True:
        out = board.cli("audit", "--tenant", board.tenant, "--json", "--kind", kind).stdout
        found = [e["details"] for e in (json.loads(line) for line in out.splitlines() if line.strip()) if predicate(e["details"])]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# --------------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------------

def test_tools_list_is_exactly_the_four_tools_with_annotations_and_output_schemas(board):
    token = board.token()

    async def body(c):
        return (await c.list_tools()).tools

    tools = board.with_client(token, body)
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        hints = tool.annotations
        assert hints is not None and hints.read_only_hint is (tool.name in READ_TOOLS), tool.name
        assert hints.destructive_hint is not True, tool.name
        if tool.name in READ_TOOLS:
            assert hints.idempotent_hint is True, tool.name
        else:
            assert hints.idempotent_hint is False, tool.name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", tool.name
    by_name = {t.name: t for t in tools}
    assert set(by_name["add_card"].input_schema["required"]) == {"project", "column", "title"}
    assert set(by_name["add_card"].input_schema["properties"]) == {
        "project", "column", "title", "description", "labels", "assignee", "due", "position"}
    assert set(by_name["list_cards"].input_schema["properties"]) == {
        "project", "column", "label", "assignee", "due_before", "query", "limit", "cursor"}
    assert by_name["get_card"].input_schema["required"] == ["card_id"]
    assert "next_cursor" in by_name["list_cards"].output_schema["required"]
    assert "next_cursor" in by_name["list_projects"].output_schema["required"]


# --------------------------------------------------------------------------------------------------
# The story
# --------------------------------------------------------------------------------------------------

def test_story_operator_sets_up_agent_lists_adds_filters_and_reads_attribution(board):
    assert board.project("Ops board", "--columns", "Backlog, Review ,Done") == "ops-board"
    board.kanban("column", "add", "QA", "--project", "website-relaunch", "--position", "3")
    bot = board.token(name="Planner bot")
    bot_id = token_public_id(bot)

    async def agent(c):
        listed = await c.call_tool("list_projects", {})
        assert not listed.is_error, _text(listed)
        projects = listed.structured_content["projects"]
        assert [p["id"] for p in projects] == ["website-relaunch", "ops-board"]
        assert [col["name"] for col in projects[0]["columns"]] == ["To do", "Doing", "QA", "Done"]
        assert [col["name"] for col in projects[1]["columns"]] == ["Backlog", "Review", "Done"]
        assert listed.structured_content["next_cursor"] is None

        async def add(**args):
            result = await c.call_tool("add_card", {"project": "website-relaunch", **args})
            assert not result.is_error, _text(result)
            return result.structured_content

        login = await add(column="To do", title="Fix login redirect", description="Users land on a 404 after signing in.",
                          labels=["bug", "frontend"], assignee="Dana", due="2026-12-10")
        await add(column="To do", title="Write release notes", labels=["docs"], due="2026-12-20T17:00:00+01:00")
        await add(column="doing", title="Migrate CSS to tokens", labels=["Frontend"], assignee="Sam")
        await add(column="QA", title="Check contrast of buttons", description="WCAG AA for the new palette")
        ops = await c.call_tool("add_card", {"project": "Ops board", "column": "Backlog", "title": "Rotate TLS keys",
                                             "assignee": "dana", "due": "2026-12-01"})
        assert not ops.is_error, _text(ops)
        assert login["position"] == 1 and login["column"] == "To do" and login["project"] == "website-relaunch"
        assert login["labels"] == ["bug", "frontend"] and login["due"] == "2026-12-10"

        counted = (await c.call_tool("list_projects", {})).structured_content["projects"]
        assert [(col["name"], col["card_count"]) for col in counted[0]["columns"]] == [
            ("To do", 2), ("Doing", 1), ("QA", 1), ("Done", 0)]
        assert counted[0]["card_count"] == 4 and counted[1]["card_count"] == 1

        async def titles(**filters):
            result = await c.call_tool("list_cards", filters)
            assert not result.is_error, _text(result)
            assert result.structured_content["next_cursor"] is None
            return [card["title"] for card in result.structured_content["cards"]]

        assert await titles() == ["Fix login redirect", "Write release notes", "Migrate CSS to tokens",
                                  "Check contrast of buttons", "Rotate TLS keys"]
        assert await titles(project="ops-board") == ["Rotate TLS keys"]
        assert await titles(project="website-relaunch", column="to do") == ["Fix login redirect", "Write release notes"]
        assert await titles(label="frontend") == ["Fix login redirect", "Migrate CSS to tokens"]
        assert await titles(assignee="Dana") == ["Fix login redirect", "Rotate TLS keys"]
        assert await titles(assignee="none") == ["Write release notes", "Check contrast of buttons"]
        assert await titles(due_before="2026-12-10") == ["Rotate TLS keys"]
        assert await titles(due_before="2026-12-10T00:00:01Z") == ["Fix login redirect", "Rotate TLS keys"]
        # 17:00+01:00 is 16:00 UTC.
        assert await titles(due_before="2026-12-20T16:00:00Z") == ["Fix login redirect", "Rotate TLS keys"]
        assert await titles(due_before="2026-12-20T16:00:01Z") == ["Fix login redirect", "Write release notes", "Rotate TLS keys"]
        assert await titles(query="404") == ["Fix login redirect"]
        assert await titles(query="palette contrast") == ["Check contrast of buttons"]
        assert await titles(query="css tokens", label="frontend", assignee="sam") == ["Migrate CSS to tokens"]
        assert await titles(query="nothing-like-this") == []

        summary = (await c.call_tool("list_cards", {"project": "website-relaunch"})).structured_content["cards"][0]
        assert summary["id"] == login["id"] and "description" not in summary

        got = await c.call_tool("get_card", {"card_id": login["id"]})
        assert not got.is_error, _text(got)
        assert "added by an external tool" in _text(got)
        return got.structured_content

    card = board.with_client(bot, agent)
    assert card["description"] == "Users land on a 404 after signing in."
    assert card["created_by"] == {"kind": "external_tool", "label": "added by an external tool", "token_id": bot_id,
                                  "token_name": "Planner bot"}
    assert card["created_at"].endswith("Z") and card["updated_at"] == card["created_at"]

    # The humans' list shows the same cards, attributed.
    listed = board.kanban_json("cards", "--project", "website-relaunch")["cards"]
    assert len(listed) == 4 and all(c["archived"] is False for c in listed)
    assert all(c["created_by"]["token_name"] == "Planner bot" for c in listed)
    assert "external tool: Planner bot" in board.kanban("cards").stdout

    added = _audit(board, "kanban.card_added", lambda d: d.get("card_id") == card["id"])
    assert added and added[0]["project"] == "website-relaunch"


def test_positions_insert_shift_later_cards_and_bad_positions_change_nothing(board):
    bot = board.token()
    for title in ("A", "B", "C"):
        board.add(bot, title)
    assert board.add(bot, "top", position=1)["position"] == 1
    assert board.add(bot, "middle", position=3)["position"] == 3
    assert board.add(bot, "end", position=6)["position"] == 6
    assert board.column_of(bot, "To do") == ["top", "A", "middle", "B", "C", "end"]
    err = board.fail(bot, "add_card", {"project": "website-relaunch", "column": "To do", "title": "far", "position": 8})
    assert "position" in err and "between 1 and 7" in err
    assert board.column_of(bot, "To do") == ["top", "A", "middle", "B", "C", "end"]
    cards = board.all_cards(bot, project="website-relaunch", column="To do")
    assert sorted(c["position"] for c in cards) == [1, 2, 3, 4, 5, 6]


def test_concurrent_adds_and_moves_keep_every_column_gap_free(board):
    """Agents adding (some at the top) while a person moves cards: positions stay 1…n in every column, no card lost."""
    bot = board.token()
    seeded = [board.add(bot, f"seed {i}", column="Doing")["id"] for i in range(6)]
    errors: list[str] = []

    def agent(n: int):
        try:
            for i in range(20):
                board.add(bot, f"agent {n} card {i}", **({"position": 1} if i % 3 == 0 else {}))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    def person():
        try:
            for card_id in seeded:
                board.kanban("move", card_id, "--column", "To do", "--position", "2")
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(4)] + [threading.Thread(target=person)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    todo = board.all_cards(bot, project="website-relaunch", column="To do", limit=100)
    assert len(todo) == 86 and sorted(c["position"] for c in todo) == list(range(1, 87))
    assert board.all_cards(bot, project="website-relaunch", column="Doing") == []


def test_pagination_over_hundreds_of_cards_is_complete_stable_and_bound_to_its_filters(board):
    bot = board.token()
    ids = []
    for i in range(330):
        column = ("To do", "Doing", "Done")[i % 3]
        ids.append(board.add(bot, f"Card {i:03}", column=column, labels=["odd"] if i % 2 else ["even"])["id"])

    seen, cursor, pages, moved = [], None, 0, False
    while True:
        page = board.call(bot, "list_cards", {"limit": 40, **({"cursor": cursor} if cursor else {})})
        seen += [c["id"] for c in page["cards"]]
        pages += 1
        cursor = page["next_cursor"]
        if not moved:
            # A human reorders the board between two pages: creation order means nothing repeats or goes missing.
            for card_id in ids[300:305]:
                board.kanban("move", card_id, "--column", "To do", "--position", "1")
            moved = True
        if cursor is None:
            break
    assert pages == 9 and seen == ids and len(set(seen)) == 330

    odd = board.all_cards(bot, label="odd", limit=100)
    assert [c["id"] for c in odd] == ids[1::2]
    doing = [card_id for i, card_id in enumerate(ids) if i % 3 == 1 and not 300 <= i < 305]
    assert [c["id"] for c in board.all_cards(bot, project="website-relaunch", column="Doing", limit=7)] == doing

    first = board.call(bot, "list_cards", {"label": "odd", "limit": 10})
    assert first["next_cursor"] and len(first["cards"]) == 10
    err = board.fail(bot, "list_cards", {"label": "even", "limit": 10, "cursor": first["next_cursor"]})
    assert "cursor" in err and "same filters" in err
    assert "cursor" in board.fail(bot, "list_cards", {"cursor": "not-a-cursor"})
    assert "limit" in board.fail(bot, "list_cards", {"limit": 101})

    # Every column still has gap-free positions after the moves.
    for column in ("To do", "Doing", "Done"):
        cards = board.all_cards(bot, project="website-relaunch", column=column, limit=100)
        assert sorted(c["position"] for c in cards) == list(range(1, len(cards) + 1)), column


def test_humans_move_edit_and_archive_and_the_agent_sees_the_result(board):
    bot = board.token()
    a = board.add(bot, "Alpha", labels=["x"])["id"]
    b = board.add(bot, "Beta")["id"]
    c = board.add(bot, "Gamma")["id"]
    d = board.add(bot, "Delta", column="Doing")["id"]

    moved = board.kanban_json("move", a, "--column", "doing", "--position", "1")
    assert moved["card"]["column"] == "Doing" and moved["card"]["position"] == 1
    assert board.column_of(bot, "To do") == ["Beta", "Gamma"]
    assert board.column_of(bot, "Doing") == ["Alpha", "Delta"]
    board.kanban("move", c, "--column", "To do", "--position", "1")
    assert board.column_of(bot, "To do") == ["Gamma", "Beta"]
    board.kanban("move", d, "--column", "Done")
    assert board.column_of(bot, "Done") == ["Delta"]

    edited = board.kanban_json("edit", b, "--title", "Beta, renamed", "--description", "More words", "--assignee", "Kim",
                               "--due", "2026-12-31", "--labels", "urgent, backend")
    assert set(edited["changed"]) == {"title", "description", "assignee", "due", "labels"}
    card = board.call(bot, "get_card", {"card_id": b})
    assert (card["title"], card["description"], card["assignee"], card["due"]) == ("Beta, renamed", "More words", "Kim", "2026-12-31")
    assert sorted(card["labels"]) == ["backend", "urgent"]
    assert card["created_by"]["token_id"] == token_public_id(bot)
    assert card["updated_at"] >= card["created_at"]
    assert [x["id"] for x in board.call(bot, "list_cards", {"label": "urgent"})["cards"]] == [b]
    cleared = board.kanban_json("edit", b, "--assignee", "", "--labels", "")
    assert set(cleared["changed"]) == {"assignee", "labels"}
    card = board.call(bot, "get_card", {"card_id": b})
    assert card["assignee"] is None and card["labels"] == []
    assert board.kanban_json("edit", b, "--title", "Beta, renamed")["changed"] == []

    archived = board.kanban_json("archive", a)
    assert archived["card"]["archived"] is True and archived["card"]["archived_at"]
    assert "already archived" in board.kanban("archive", a).stdout
    assert a not in [x["id"] for x in board.all_cards(bot)]
    assert "No card" in board.fail(bot, "get_card", {"card_id": a})
    projects = board.call(bot, "list_projects")["projects"]
    assert [(col["name"], col["card_count"]) for col in projects[0]["columns"]] == [("To do", 2), ("Doing", 0), ("Done", 1)]
    humans = board.kanban_json("cards")["cards"]
    assert [(x["id"], x["archived"]) for x in humans] == [(a, True), (b, False), (c, False), (d, False)]
    assert "archived" in board.kanban("cards").stdout
    assert [x["id"] for x in board.kanban_json("cards", "--active")["cards"]] == [b, c, d]

    assert _audit(board, "kanban.card_moved", lambda x: x.get("card_id") == a and x["to"]["column"] == "Doing")
    assert _audit(board, "kanban.card_edited", lambda x: x.get("card_id") == b and "title" in x["fields"])
    archive_events = _audit(board, "kanban.card_archived", lambda x: x.get("card_id") == a)
    assert len(archive_events) == 1 and archive_events[0]["by"].startswith("cli:")


def test_columns_are_managed_by_humans_and_a_column_holding_cards_is_not_removed(board):
    bot = board.token()
    board.kanban("column", "add", "Review", "--project", "website-relaunch")
    board.kanban("column", "rename", "review", "--project", "Website relaunch", "--to", "In review")
    card = board.add(bot, "Needs eyes", column="In review")["id"]
    refused = board.kanban("column", "remove", "In review", "--project", "website-relaunch", check=False)
    assert refused.returncode == 1 and "holds 1 card" in refused.stderr and "nothing was removed" in refused.stderr
    board.kanban("archive", card)
    refused = board.kanban("column", "remove", "In review", "--project", "website-relaunch", check=False)
    assert refused.returncode == 1 and "(1 archived)" in refused.stderr
    board.kanban("move", card, "--column", "Done")
    board.kanban("column", "remove", "In review", "--project", "website-relaunch")
    columns = board.call(bot, "list_projects")["projects"][0]["columns"]
    assert [(col["name"], col["position"]) for col in columns] == [("To do", 1), ("Doing", 2), ("Done", 3)]
    dup = board.kanban("column", "add", "done", "--project", "website-relaunch", check=False)
    assert dup.returncode == 1 and 'already has a column "done"' in dup.stderr
    unknown = board.kanban("column", "rename", "Later", "--project", "website-relaunch", "--to", "Soon", check=False)
    assert unknown.returncode == 1 and 'No column "Later"' in unknown.stderr and "To do, Doing, Done" in unknown.stderr
    taken = board.kanban("project", "create", "Website  Relaunch!", check=False)
    assert taken.returncode == 1 and 'project "website-relaunch" already exists' in taken.stderr
    listing = board.kanban("project", "list").stdout
    assert "website-relaunch" in listing and "To do (0), Doing (0), Done (0)" in listing
    assert _audit(board, "kanban.column_removed", lambda x: x.get("column") == "In review")


# --------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------

def test_the_toolset_needs_the_growth_plan(daemon):
    starter = _tenant(daemon, plan="starter")
    bot = starter.token()
    err = rpc_error(starter.raw(bot, "list_projects", {}), 403, -31003, layer="plan")
    assert err["data"]["layer"] == "plan" and err["data"]["required_plan"] == "growth", err
    rpc_error(starter.raw(bot, "add_card", {"project": "x", "column": "y", "title": "z"}), 403, -31003, layer="plan")

    growth = _tenant(daemon, plan="growth")
    assert growth.call(growth.token(), "list_projects") == {"projects": [], "next_cursor": None}


def test_a_read_only_grant_lists_the_three_read_tools_and_cannot_add(board):
    writer = board.token()
    card = board.add(writer, "Existing")["id"]
    reader = board.token("kanban:read", name="Reader")
    listed = {t["name"] for t in rpc_result(board.d.legacy(board.path, "tools/list", token=reader))["tools"]}
    assert listed == READ_TOOLS
    rpc_error(board.raw(reader, "add_card", {"project": "website-relaunch", "column": "To do", "title": "Sneaky"}), 403, -31003)
    assert board.call(reader, "get_card", {"card_id": card})["title"] == "Existing"
    assert [c["title"] for c in board.all_cards(reader)] == ["Existing"]


def test_bad_input_is_refused_clearly_and_changes_nothing(board):
    bot = board.token()
    board.add(bot, "Only card")
    before = (board.call(bot, "list_projects"), board.all_cards(bot))

    def refused(args: dict) -> str:
        return board.fail(bot, "add_card", {"project": "website-relaunch", "column": "To do", "title": "T", **args})

    err = refused({"column": "Review"})
    assert 'No column "Review" in project "website-relaunch" (columns: To do, Doing, Done)' in err
    err = refused({"project": "nope"})
    assert 'No project "nope" (projects: website-relaunch)' in err
    assert "title" in refused({"title": "x" * 201})
    assert "title" in refused({"title": "   "})
    assert "description" in refused({"description": "d" * 10_001})
    assert "labels" in refused({"labels": [f"l{i}" for i in range(21)]})
    assert "label" in refused({"labels": ["y" * 51]})
    assert "due" in refused({"due": "next friday"})
    assert "position" in refused({"position": 5})
    assert "position" in refused({"position": 0})
    assert "column" in board.fail(bot, "list_cards", {"column": "To do"})
    assert 'No column "Later"' in board.fail(bot, "list_cards", {"project": "website-relaunch", "column": "Later"})
    assert "due_before" in board.fail(bot, "list_cards", {"due_before": "tomorrow"})
    assert "No card" in board.fail(bot, "get_card", {"card_id": "card_0000000000000000"})
    assert (board.call(bot, "list_projects"), board.all_cards(bot)) == before

    # The limits themselves are fine.
    card = board.add(bot, "x" * 200, description="d" * 10_000, labels=[f"{i:02}" + "y" * 48 for i in range(20)])
    assert len(card["title"]) == 200 and len(card["labels"]) == 20


def test_another_tenants_card_ids_are_not_found(daemon, board):
    bot = board.token()
    mine = board.add(bot, "Private plan")["id"]
    other = _tenant(daemon)
    other.project("Website relaunch")
    stranger = other.token()
    assert "No card" in other.fail(stranger, "get_card", {"card_id": mine})
    assert other.all_cards(stranger) == []
    nothing = other.kanban("move", mine, "--column", "Done", check=False)
    assert nothing.returncode == 1 and "No card" in nothing.stderr
    assert board.call(bot, "get_card", {"card_id": mine})["column"] == "To do"
