"""The Helpdesk toolset (Plugins/Helpdesk) against a real daemon: the seed's promises (scoped, inbox-limited, revocable
bot tokens; drafts a human approves; a narrow surface with nothing destructive) driven through the official MCP client,
raw HTTP and the `toolhost helpdesk …` operator commands."""
from __future__ import annotations

import base64
import json
import threading
import time

import pytest

from helpdesk_seed import seed
from toolhost_testlib import TenantSession, create_tenant, module_daemon, rpc_error, rpc_result, token_public_id

TOOLS = {
    "list_conversations", "get_conversation", "reply_to_conversation", "add_private_note", "create_draft_reply",
    "list_my_drafts", "list_contacts", "get_contact", "search_contacts", "create_contact", "update_contact",
    "start_conversation", "poll_events",
}
READ_TOOLS = {"list_conversations", "get_conversation", "list_my_drafts", "list_contacts", "get_contact", "search_contacts",
              "poll_events"}
SCOPES = {
    "conversations:read": {"list_conversations", "get_conversation"},
    "conversations:reply": {"reply_to_conversation"},
    "notes:write": {"add_private_note"},
    "drafts:write": {"create_draft_reply", "list_my_drafts"},
    "contacts:read": {"list_contacts", "get_contact", "search_contacts"},
    "contacts:write": {"create_contact", "update_contact"},
    "outbound:write": {"start_conversation"},
    "events:read": {"poll_events"},
}


class Desk(TenantSession):
    """One tenant on the enterprise plan with its helpdesk, on a daemon shared by the module."""

    def helpdesk(self, command: str, *args: str, check: bool = True):
        return self.command("helpdesk", command, *args, check=check)

    def helpdesk_json(self, command: str, *args: str):
        return self.command_json("helpdesk", command, *args)

    def inbox(self, slug: str, channel: str = "email") -> None:
        self.helpdesk("inbox", "create", slug, "--channel", channel)

    def incoming(self, inbox: str, sender: str, body: str, subject: str = "Help", *extra: str) -> str:
        out = self.helpdesk("incoming", "--inbox", inbox, "--from", sender, "--subject", subject, "--body", body, *extra).stdout
        assert out.endswith("\n") and out.count("\n") == 1, repr(out)
        return out.strip()

    def token(self, *, scopes: list[str] | None = None, restrict: dict | None = None, name: str = "Triage bot") -> str:
        args = ["token", "create", "--tenant", self.tenant, "--name", name]
        args += ["--scopes", ",".join(f"helpdesk.{s}" for s in scopes)] if scopes else ["--toolsets", "helpdesk"]
        if restrict is not None:
            args += ["--restrict", json.dumps(restrict)]
        return self.cli(*args).stdout.strip()


_counter = [0]


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "helpdesk")


@pytest.fixture
def desk(daemon) -> Desk:
    """A fresh enterprise tenant with inboxes billing (email) and sales (web)."""
    _counter[0] += 1
    tenant = f"desk{_counter[0]}"
    create_tenant(daemon.data, tenant, plan="enterprise")
    desk = Desk(daemon, tenant)
    desk.inbox("billing")
    desk.inbox("sales", "web")
    return desk


def _text(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


# --------------------------------------------------------------------------------------------------
# The surface
# --------------------------------------------------------------------------------------------------

def test_the_toolset_has_exactly_its_tools_none_destructive_and_reads_are_marked_read_only(desk):
    token = desk.token()

    async def body(c):
        return (await c.list_tools()).tools

    tools = desk.with_client(token, body)
    assert {t.name for t in tools} == TOOLS
    forbidden = ("delete", "remove", "destroy", "purge", "setting", "config", "billing", "plan", "broadcast", "webhook", "bulk")
    for tool in tools:
        assert not any(word in tool.name for word in forbidden), tool.name
        hints = tool.annotations
        assert hints is not None and hints.destructive_hint is not True, tool.name
        assert hints.read_only_hint is (tool.name in READ_TOOLS), tool.name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object", tool.name


def test_scopes_are_declared_with_exactly_the_tools_of_the_table(desk):
    out = desk.cli("plugins").stdout
    for scope, tools in SCOPES.items():
        line = next(line for line in out.splitlines() if f"scope helpdesk.{scope} " in line)
        listed = set(line.rsplit("(", 1)[1].rstrip(")").split(", "))
        assert listed == tools, line


def test_each_scope_alone_lists_and_allows_only_its_tools(desk):
    conversation = desk.incoming("billing", "ann@example.com", "Where is my invoice?")
    for scope, tools in SCOPES.items():
        token = desk.token(scopes=[scope])
        listed = {t["name"] for t in rpc_result(desk.d.legacy(desk.path, "tools/list", token=token))["tools"]}
        assert listed == tools, scope
        outside = sorted(TOOLS - tools)[0]
        err = rpc_error(desk.raw(token, outside, {"conversation_id": conversation}), 403, -31003)
        assert f"helpdesk.{scope}" in err["message"], err


def test_the_seeds_drafting_bot_reads_and_drafts_but_cannot_send(desk):
    """Exactly the token the issue names: --scopes helpdesk.drafts:write,helpdesk.conversations:read."""
    bot = desk.token(scopes=["drafts:write", "conversations:read"])
    listed = {t["name"] for t in rpc_result(desk.d.legacy(desk.path, "tools/list", token=bot))["tools"]}
    assert listed == {"list_conversations", "get_conversation", "create_draft_reply", "list_my_drafts"}
    conversation = desk.incoming("billing", "ivy@example.com", "Hello?")
    assert desk.call(bot, "create_draft_reply", {"conversation_id": conversation, "content": "Hi Ivy!"})["status"] == "pending"
    err = rpc_error(desk.raw(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "Hi Ivy!"}), 403, -31003,
                    "Token lacks scope helpdesk.conversations:reply for tool reply_to_conversation "
                    "(has helpdesk.drafts:write, helpdesk.conversations:read)", layer="scope")
    assert err["data"]["required_scopes"][0] == "helpdesk.conversations:reply"
    messages = desk.call(bot, "get_conversation", {"conversation_id": conversation})["messages"]
    assert [m["kind"] for m in messages] == ["incoming"]


# --------------------------------------------------------------------------------------------------
# The whole story
# --------------------------------------------------------------------------------------------------

def test_triage_story_draft_approval_note_refused_reply_resolve_and_reopen(desk):
    """The seed's example bot: it drafts for approval and may not send on its own."""
    bot = desk.token(scopes=["drafts:write", "conversations:read", "notes:write", "events:read"], name="OpenClaw triage bot")
    bot_id = token_public_id(bot)
    start = desk.call(bot, "poll_events")
    assert start["events"] == [] and start["has_more"] is False and start["next_cursor"]
    conversation = desk.incoming("billing", "ann@example.com", "I was charged twice this month.", "Double charge",
                                 "--name", "Ann Example")

    async def agent(c):
        polled = await c.call_tool("poll_events", {"cursor": start["next_cursor"]})
        assert not polled.is_error, _text(polled)
        events = polled.structured_content["events"]
        assert [e["kind"] for e in events] == ["contact.created", "conversation.created", "message.created"], events
        assert events[2]["conversation_id"] == conversation and events[2]["message"]["kind"] == "incoming"
        read = await c.call_tool("get_conversation", {"conversation_id": conversation})
        assert not read.is_error, _text(read)
        convo = read.structured_content
        assert convo["conversation"]["status"] == "open" and convo["conversation"]["unread_count"] == 1
        assert convo["conversation"]["contact"]["name"] == "Ann Example"
        assert [m["content"] for m in convo["messages"]] == ["I was charged twice this month."]
        drafted = await c.call_tool("create_draft_reply", {"conversation_id": conversation,
                                                           "content": "Sorry about that, Ann. I have asked billing to refund the second charge."})
        assert not drafted.is_error, _text(drafted)
        draft = drafted.structured_content
        assert draft["status"] == "pending" and draft["drafted_by"] == {"type": "bot", "id": bot_id, "name": "OpenClaw triage bot"}
        return polled.structured_content["next_cursor"], draft["id"]

    cursor, draft_id = desk.with_client(bot, agent)

    queue = desk.helpdesk_json("drafts")["drafts"]
    assert [d["id"] for d in queue] == [draft_id]
    approved = desk.helpdesk("approve", draft_id).stdout
    assert draft_id in approved and "OpenClaw triage bot" in approved

    async def agent_after_approval(c):
        polled = await c.call_tool("poll_events", {"cursor": cursor})
        events = polled.structured_content["events"]
        kinds = [e["kind"] for e in events]
        assert kinds == ["draft.created", "message.created", "draft.approved"], kinds
        decision = events[2]
        assert decision["draft_id"] == draft_id and decision["by"]["type"] == "user" and decision["by"]["name"].startswith("cli:")
        sent = events[1]["message"]
        assert sent["kind"] == "outgoing" and sent["author"]["type"] == "user"
        read = await c.call_tool("get_conversation", {"conversation_id": conversation})
        message = read.structured_content["messages"][-1]
        assert message["author"]["type"] == "user" and message["draft_id"] == draft_id
        assert message["drafted_by"] == {"type": "bot", "id": bot_id, "name": "OpenClaw triage bot"}
        assert read.structured_content["conversation"]["unread_count"] == 0
        noted = await c.call_tool("add_private_note", {"conversation_id": conversation, "content": "Refund requested in Stripe."})
        assert not noted.is_error and noted.structured_content["private"] is True
        assert noted.structured_content["author"] == {"type": "bot", "id": bot_id, "name": "OpenClaw triage bot"}
        return polled.structured_content["next_cursor"]

    cursor = desk.with_client(bot, agent_after_approval)

    # The bot may not reply directly: its token lacks the scope, and the denial names it.
    err = rpc_error(desk.raw(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "Done!"}), 403, -31003)
    assert "helpdesk.conversations:reply" in err["message"] and "reply_to_conversation" in err["message"], err
    assert err["data"]["layer"] == "scope"

    desk.helpdesk("resolve", conversation)
    again = desk.incoming("billing", "ann@example.com", "The refund has not arrived yet.")
    assert again == conversation
    events = desk.call(bot, "poll_events", {"cursor": cursor})["events"]
    kinds = [(e["kind"], e.get("from"), e.get("to")) for e in events]
    assert kinds == [("message.created", None, None), ("conversation.status_changed", "open", "resolved"),
                     ("conversation.status_changed", "resolved", "open"), ("message.created", None, None)], kinds
    assert events[0]["message"]["private"] is True
    assert events[2]["by"]["type"] == "contact"
    state = desk.call(bot, "get_conversation", {"conversation_id": conversation})["conversation"]
    assert state["status"] == "open" and state["unread_count"] == 1 and state["waiting_since"]


def test_every_human_action_reaches_the_feed(desk):
    bot = desk.token()
    cursor = desk.call(bot, "poll_events")["next_cursor"]
    conversation = desk.incoming("sales", "bo@example.com", "Do you ship to Norway?")
    desk.helpdesk("assign", conversation, "--to", "Dana")
    desk.helpdesk("snooze", conversation, "--until", "2099-01-01T00:00:00Z")
    desk.helpdesk("reopen", conversation)
    draft = desk.call(bot, "create_draft_reply", {"conversation_id": conversation, "content": "We do."})["id"]
    desk.helpdesk("reject", draft, "--reason", "We don't, actually.")
    desk.helpdesk("assign", conversation, "--unassign")
    desk.helpdesk("label", conversation, "--add", "vip,shipping")
    desk.helpdesk("label", conversation, "--add", "vip", "--remove", "shipping")
    desk.helpdesk("label", conversation, "--add", "vip")  # nothing changes, nothing is reported
    events = desk.call(bot, "poll_events", {"cursor": cursor, "limit": 200})["events"]
    kinds = [e["kind"] for e in events]
    assert kinds == ["contact.created", "conversation.created", "message.created", "conversation.assigned",
                     "conversation.status_changed", "conversation.status_changed", "draft.created", "draft.rejected",
                     "conversation.assigned", "conversation.labels_changed", "conversation.labels_changed"], kinds
    assert (events[9]["added"], events[9]["removed"], events[10]["added"], events[10]["removed"]) == (
        ["shipping", "vip"], [], [], ["shipping"])
    assert desk.call(bot, "list_conversations", {"label": "vip"})["conversations"][0]["labels"] == ["vip"]
    assert desk.call(bot, "list_conversations", {"label": "shipping"})["total"] == 0
    humans = desk.helpdesk_json("conversations", "--inbox", "sales")
    assert humans["total"] == 1 and humans["conversations"][0]["labels"] == ["vip"]
    assert conversation in desk.helpdesk("conversations").stdout
    assert events[3]["to"] == "Dana" and events[8]["from"] == "Dana" and events[8]["to"] is None
    assert events[4]["to"] == "snoozed" and events[4]["snoozed_until"] == "2099-01-01T00:00:00Z"
    assert events[7]["reason"] == "We don't, actually."
    mine = desk.call(bot, "list_my_drafts", {})["drafts"]
    assert [(d["id"], d["status"], d["reason"]) for d in mine] == [(draft, "rejected", "We don't, actually.")]
    # A decided draft cannot be decided again.
    again = desk.helpdesk("approve", draft, check=False)
    assert again.returncode == 1 and f"draft {draft} was already rejected" in again.stderr


def test_approve_with_edit_sends_the_humans_text_and_keeps_the_bots(desk):
    bot = desk.token(name="Drafter")
    conversation = desk.incoming("billing", "cy@example.com", "Can I pay by invoice?")
    draft = desk.call(bot, "create_draft_reply", {"conversation_id": conversation, "content": "Yes, always."})["id"]
    result = desk.helpdesk_json("approve", draft, "--edit", "Yes, for orders over 500 EUR.")
    assert result["draft"]["status"] == "approved" and result["draft"]["edited"] is True
    assert result["draft"]["content"] == "Yes, always."
    assert result["message"]["content"] == "Yes, for orders over 500 EUR." and result["message"]["author"]["type"] == "user"
    messages = desk.call(bot, "get_conversation", {"conversation_id": conversation})["messages"]
    assert messages[-1]["content"] == "Yes, for orders over 500 EUR." and messages[-1]["drafted_by"]["name"] == "Drafter"


# --------------------------------------------------------------------------------------------------
# Bot identity and revocation
# --------------------------------------------------------------------------------------------------

def test_writes_are_the_bots_and_revocation_stops_it_on_the_next_request_keeping_history(desk):
    bot = desk.token(name="Night shift bot")
    bot_id = token_public_id(bot)
    conversation = desk.incoming("billing", "dee@example.com", "Is anyone there?")
    reply = desk.call(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "Yes! How can I help?"})
    assert reply["author"] == {"type": "bot", "id": bot_id, "name": "Night shift bot"} and reply["kind"] == "outgoing"
    # No argument can put a person's name on it.
    assert "additional property \"author\" is not allowed" in desk.fail(
        bot, "reply_to_conversation", {"conversation_id": conversation, "content": "x", "author": "Dana"})
    desk.cli("token", "revoke", bot_id)
    rpc_error(desk.raw(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "Still here"}), 401, -31001,
              "Token has been revoked", layer="token")
    shown = desk.helpdesk_json("show", conversation)
    replies = [m for m in shown["messages"] if m["kind"] == "outgoing"]
    assert [(m["author"]["name"], m["author"]["id"], m["content"]) for m in replies] == [("Night shift bot", bot_id, "Yes! How can I help?")]


# --------------------------------------------------------------------------------------------------
# Inbox limits
# --------------------------------------------------------------------------------------------------

def test_a_token_limited_to_one_inbox_never_sees_another_from_any_angle(desk):
    billing_bot = desk.token(restrict={"inboxes": ["billing"]}, name="Billing bot")
    admin_bot = desk.token(name="Admin bot")
    billing_cursor = desk.call(billing_bot, "poll_events")["next_cursor"]
    mine = desk.incoming("billing", "ann@example.com", "Invoice question about order 7", "Invoice")
    theirs = desk.incoming("sales", "zed@example.com", "Secret pricing question about order 7", "Pricing")
    theirs_contact = desk.call(admin_bot, "get_conversation", {"conversation_id": theirs})["conversation"]["contact"]["id"]
    mine_contact = desk.call(admin_bot, "get_conversation", {"conversation_id": mine})["conversation"]["contact"]["id"]
    desk.call(admin_bot, "create_draft_reply", {"conversation_id": theirs, "content": "sales draft"})

    # Lists, counts and searches.
    listed = desk.call(billing_bot, "list_conversations")
    assert [c["id"] for c in listed["conversations"]] == [mine] and listed["total"] == 1
    assert desk.call(billing_bot, "list_conversations", {"inbox": "sales"}) == {"conversations": [], "total": 0, "next_cursor": None}
    assert desk.call(billing_bot, "list_conversations", {"query": "order 7"})["total"] == 1
    assert desk.call(billing_bot, "list_conversations", {"query": "Secret"})["total"] == 0
    assert desk.call(admin_bot, "list_conversations", {"query": "order 7"})["total"] == 2

    # Lookups and writes on the other inbox's id read exactly like an id that does not exist.
    ghost = "cv_00000000deadbeef"
    for tool, extra in [("get_conversation", {}), ("reply_to_conversation", {"content": "hi"}),
                        ("add_private_note", {"content": "hi"}), ("create_draft_reply", {"content": "hi"}),
                        ("list_my_drafts", {})]:
        other = desk.raw(billing_bot, tool, {"conversation_id": theirs, **extra}, id=7).body
        absent = desk.raw(billing_bot, tool, {"conversation_id": ghost, **extra}, id=7).body
        assert other.replace(theirs.encode(), b"ID") == absent.replace(ghost.encode(), b"ID"), (tool, other, absent)
        assert b"No conversation" in other, other
    out = desk.raw(billing_bot, "start_conversation", {"inbox": "sales", "email": "new@example.com", "content": "x"}, id=3).body
    unknown = desk.raw(billing_bot, "start_conversation", {"inbox": "nowhere", "email": "new@example.com", "content": "x"}, id=3).body
    assert out.replace(b"sales", b"X") == unknown.replace(b"nowhere", b"X"), (out, unknown)

    # Contacts: only through its inbox's conversations.
    assert [c["id"] for c in desk.call(billing_bot, "list_contacts")["contacts"]] == [mine_contact]
    assert desk.call(billing_bot, "search_contacts", {"query": "zed"})["contacts"] == []
    other = desk.raw(billing_bot, "get_contact", {"contact_id": theirs_contact}, id=5).body
    absent = desk.raw(billing_bot, "get_contact", {"contact_id": "ct_00000000deadbeef"}, id=5).body
    assert other.replace(theirs_contact.encode(), b"ID") == absent.replace(b"ct_00000000deadbeef", b"ID")
    other = desk.raw(billing_bot, "update_contact", {"contact_id": theirs_contact, "name": "Mallory"}, id=5).body
    absent = desk.raw(billing_bot, "update_contact", {"contact_id": "ct_00000000deadbeef", "name": "Mallory"}, id=5).body
    assert other.replace(theirs_contact.encode(), b"ID") == absent.replace(b"ct_00000000deadbeef", b"ID")
    assert desk.call(admin_bot, "get_contact", {"contact_id": theirs_contact})["name"] is None

    # Drafts: the sales draft is not its own, and the review of sales drafts is invisible to it.
    assert desk.call(billing_bot, "list_my_drafts") == {"drafts": [], "next_cursor": None}

    # Events: only billing's; contact events only for contacts it can see.
    events = desk.call(billing_bot, "poll_events", {"cursor": billing_cursor, "limit": 200})["events"]
    seen = {e.get("conversation_id") for e in events} - {None}
    assert seen == {mine}, events
    contacts = [e["contact"]["id"] for e in events if e["kind"].startswith("contact.")]
    assert contacts == [mine_contact], events
    assert "sales" not in json.dumps(events) and "zed@" not in json.dumps(events)


def test_a_limited_tokens_feed_cursor_moves_only_with_its_own_events(desk):
    """A cursor that changed whenever another inbox got mail would count that inbox's traffic."""
    billing_bot = desk.token(restrict={"inboxes": ["billing"]})
    first = desk.call(billing_bot, "poll_events")["next_cursor"]
    for n in range(3):
        desk.incoming("sales", f"s{n}@example.com", "sales traffic")
    quiet = desk.call(billing_bot, "poll_events", {"cursor": first})
    assert quiet["events"] == [] and quiet["has_more"] is False
    fresh = desk.call(billing_bot, "poll_events")["next_cursor"]
    assert _sealed(quiet["next_cursor"]) and _sealed(fresh)
    desk.incoming("billing", "b@example.com", "billing traffic")
    seen = desk.call(billing_bot, "poll_events", {"cursor": quiet["next_cursor"]})["events"]
    assert [e["kind"] for e in seen] == ["contact.created", "conversation.created", "message.created"]
    assert desk.call(billing_bot, "poll_events", {"cursor": fresh})["events"] == seen


def _sealed(cursor: str) -> bool:
    """Cursors are one AES block: 16 bytes of base64url, no readable position inside."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return len(raw) == 16 and not raw.isascii()


def test_inbox_limited_contacts_created_by_the_token_are_its_own_and_emails_stay_unique(desk):
    billing_bot = desk.token(restrict={"inboxes": ["billing"]})
    other_bot = desk.token(restrict={"inboxes": ["billing"]})
    desk.incoming("sales", "taken@example.com", "hello")
    created = desk.call(billing_bot, "create_contact", {"name": "Eve New", "email": "Eve@Example.com", "attributes": {"tier": "gold"}})
    assert created["email"] == "eve@example.com" and created["attributes"] == {"tier": "gold"}
    assert [c["id"] for c in desk.call(billing_bot, "list_contacts")["contacts"]] == [created["id"]]
    assert desk.call(other_bot, "list_contacts")["contacts"] == []
    # The same words whether or not this token can see the contact holding the address.
    visible = desk.fail(billing_bot, "create_contact", {"email": "eve@example.com"})
    hidden = desk.fail(billing_bot, "create_contact", {"email": "taken@example.com"})
    assert visible.replace("eve@", "X@") == hidden.replace("taken@", "X@"), (visible, hidden)
    updated = desk.call(billing_bot, "update_contact", {"contact_id": created["id"], "phone": "+47 22 00 00 00",
                                                        "attributes": {"tier": None, "lang": "no"}})
    assert updated["changed"] == ["phone", "attributes"] and updated["attributes"] == {"lang": "no"}
    started = desk.call(billing_bot, "start_conversation", {"inbox": "billing", "contact_id": created["id"], "subject": "Welcome",
                                                            "content": "Hi Eve, welcome aboard."})
    assert started["conversation"]["inbox"] == "billing" and started["conversation"]["status"] == "open"
    assert started["message"]["author"]["type"] == "bot"
    assert desk.call(other_bot, "get_contact", {"contact_id": created["id"]})["conversation_ids"] == [started["conversation"]["id"]]


# --------------------------------------------------------------------------------------------------
# Lists and the events feed under load
# --------------------------------------------------------------------------------------------------

def _seed(desk: Desk, inbox: str, count: int) -> None:
    seed(desk.d.data, desk.tenant, inbox, count)


def test_paging_through_thousands_is_complete_and_stable_while_conversations_arrive(desk):
    _seed(desk, "billing", 2500)
    _seed(desk, "sales", 500)
    bot = desk.token(restrict={"inboxes": ["billing"]})
    page = desk.call(bot, "list_conversations", {"limit": 100, "status": "open"})
    assert page["total"] == 834
    seen = [c["id"] for c in page["conversations"]]
    arrivals = 0
    while page["next_cursor"]:
        if arrivals < 3:
            desk.incoming("billing", f"late{arrivals}@example.com", "arrived while paging")
            arrivals += 1
        page = desk.call(bot, "list_conversations", {"limit": 100, "status": "open", "cursor": page["next_cursor"]})
        seen += [c["id"] for c in page["conversations"]]
    assert len(seen) == len(set(seen)) == 834, len(seen)
    assert all(i.startswith("cv_seedbilling") for i in seen)
    # A cursor is bound to its filters.
    cursor = desk.call(bot, "list_conversations", {"limit": 10, "status": "open"})["next_cursor"]
    text = desk.fail(bot, "list_conversations", {"limit": 10, "status": "pending", "cursor": cursor})
    assert "not a cursor of this list with these filters" in text
    assert "not a cursor" in desk.fail(bot, "list_conversations", {"cursor": "AAAAAAAAAAAAAAAAAAAAAA"})
    assert "not a cursor" in desk.fail(bot, "poll_events", {"cursor": cursor})
    # Filters add up; search finds a message's words.
    found = desk.call(bot, "list_conversations", {"query": "number 1234"})
    assert [c["id"] for c in found["conversations"]] == ["cv_seedbilling000004d2"] and found["total"] == 1


def test_feed_has_no_gaps_and_no_repeats_under_concurrent_writers(desk):
    writers = [desk.token(name=f"writer {n}") for n in range(4)]
    reader = desk.token(scopes=["events:read"])
    conversation = desk.incoming("billing", "busy@example.com", "start")
    cursor = desk.call(reader, "poll_events")["next_cursor"]
    per_writer = 40
    errors: list[str] = []

    def write(token: str, n: int) -> None:
        try:
            for i in range(per_writer):
                desk.call(token, "add_private_note", {"conversation_id": conversation, "content": f"w{n} note {i}"})
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(str(e))

    threads = [threading.Thread(target=write, args=(t, n)) for n, t in enumerate(writers)]
    for t in threads:
        t.start()
    collected: list[dict] = []
    while any(t.is_alive() for t in threads) or True:
        alive = any(t.is_alive() for t in threads)
        page = desk.call(reader, "poll_events", {"cursor": cursor, "limit": 7})
        collected += page["events"]
        cursor = page["next_cursor"]
        if not alive and not page["has_more"] and not page["events"]:
            break
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    notes = [e["message"]["preview"] for e in collected if e["kind"] == "message.created"]
    assert len(collected) == len({e["id"] for e in collected}) == 4 * per_writer
    for n in range(4):
        assert [p for p in notes if p.startswith(f"w{n} ")] == [f"w{n} note {i}" for i in range(per_writer)]


def test_a_cursor_older_than_retention_is_refused_with_a_resync_hint(start_daemon, tmp_path):
    data = tmp_path / "retention"
    data.mkdir()
    (data / "plugins.json").write_text(json.dumps({"helpdesk": {"event_retention_days": 2 / 86400}}))
    d = start_daemon(data=data)
    create_tenant(data, "short", plan="enterprise")
    desk = Desk(d, "short")
    desk.inbox("billing")
    bot = desk.token()
    stale = desk.call(bot, "poll_events")["next_cursor"]
    desk.incoming("billing", "a@example.com", "one")
    time.sleep(2.5)
    desk.incoming("billing", "a@example.com", "two")  # writing prunes what retention dropped
    text = desk.fail(bot, "poll_events", {"cursor": stale})
    assert text.startswith("This cursor is older than the events feed keeps (2 seconds)"), text
    assert "list_conversations" in text and "without a cursor" in text
    fresh = desk.call(bot, "poll_events")
    assert fresh["events"] == []
    desk.incoming("billing", "a@example.com", "three")
    assert [e["kind"] for e in desk.call(bot, "poll_events", {"cursor": fresh["next_cursor"]})["events"]] == ["message.created"]


# --------------------------------------------------------------------------------------------------
# Plans, operator commands, bad input, durability
# --------------------------------------------------------------------------------------------------

def test_the_toolset_needs_enterprise_or_a_trial(daemon):
    _counter[0] += 1
    tenant = f"starter{_counter[0]}"
    create_tenant(daemon.data, tenant, plan="starter")
    desk = Desk(daemon, tenant)
    bot = desk.token()
    err = rpc_error(desk.raw(bot, "list_conversations", {}), 403, -31003)
    assert err["data"]["layer"] == "plan" and err["data"]["required_plan"] == "enterprise", err
    desk.cli("tenant", "set-plan", tenant, "enterprise", "--trial-until", "2099-01-01")
    assert desk.call(bot, "list_conversations")["total"] == 0


def test_operator_commands_refuse_bad_input_clearly(desk):
    bad = desk.helpdesk("inbox", "create", "Billing Team", check=False)
    assert bad.returncode != 0 and "not an inbox name" in bad.stderr
    dup = desk.helpdesk("inbox", "create", "billing", check=False)
    assert dup.returncode == 1 and 'inbox "billing" already exists' in dup.stderr
    nowhere = desk.helpdesk("incoming", "--inbox", "nowhere", "--from", "a@example.com", "--body", "x", check=False)
    assert nowhere.returncode == 1 and 'no inbox "nowhere" (inboxes: billing, sales)' in nowhere.stderr
    email = desk.helpdesk("incoming", "--inbox", "billing", "--from", "not-an-email", "--body", "x", check=False)
    assert email.returncode == 1 and "is not an email address" in email.stderr
    missing = desk.helpdesk("approve", "dr_00000000deadbeef", check=False)
    assert missing.returncode == 1 and "no draft dr_00000000deadbeef" in missing.stderr
    listed_conversations = desk.helpdesk_json("conversations", "--status", "open")
    assert listed_conversations == {"conversations": [], "total": 0}
    listed = desk.helpdesk_json("inbox", "list")["inboxes"]
    assert [(i["slug"], i["channel"]) for i in listed] == [("billing", "email"), ("sales", "web")]


def test_bad_tool_input_gets_clear_errors_and_changes_nothing(desk):
    bot = desk.token()
    conversation = desk.incoming("billing", "f@example.com", "hi")
    assert desk.fail(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "   "}) == '"content" must not be empty'
    assert "not an email address" in desk.fail(bot, "create_contact", {"email": "nope"})
    assert "at least one of name, email or phone" in desk.fail(bot, "create_contact", {})
    assert "exactly one of contact_id or email" in desk.fail(bot, "start_conversation", {"inbox": "billing", "content": "x"})
    assert "/status: must be one of" in desk.fail(bot, "list_conversations", {"status": "closed"})
    assert "/limit" in desk.fail(bot, "poll_events", {"limit": 1000})
    messages = desk.call(bot, "get_conversation", {"conversation_id": conversation})["messages"]
    assert [m["content"] for m in messages] == ["hi"]


def test_pending_drafts_are_capped_per_conversation(desk):
    bot = desk.token()
    conversation = desk.incoming("billing", "g@example.com", "hi")
    for n in range(20):
        desk.call(bot, "create_draft_reply", {"conversation_id": conversation, "content": f"draft {n}"})
    text = desk.fail(bot, "create_draft_reply", {"conversation_id": conversation, "content": "one too many"})
    assert text.startswith(f"Conversation {conversation} already has 20 drafts waiting for review")
    assert len(desk.helpdesk_json("drafts")["drafts"]) == 20


def test_get_conversation_pages_older_messages_newest_last(desk):
    bot = desk.token()
    conversation = desk.incoming("billing", "h@example.com", "message 0")
    for n in range(1, 12):
        desk.call(bot, "add_private_note", {"conversation_id": conversation, "content": f"message {n}"})
    page = desk.call(bot, "get_conversation", {"conversation_id": conversation, "limit": 5})
    assert [m["content"] for m in page["messages"]] == [f"message {n}" for n in range(7, 12)] and page["message_count"] == 12
    older = desk.call(bot, "get_conversation", {"conversation_id": conversation, "limit": 5, "cursor": page["next_cursor"]})
    assert [m["content"] for m in older["messages"]] == [f"message {n}" for n in range(2, 7)]
    oldest = desk.call(bot, "get_conversation", {"conversation_id": conversation, "limit": 5, "cursor": older["next_cursor"]})
    assert [m["content"] for m in oldest["messages"]] == ["message 0", "message 1"] and oldest["next_cursor"] is None


def test_an_acknowledged_reply_survives_sigkill(start_daemon, tmp_path):
    data = tmp_path / "kill"
    data.mkdir()
    d = start_daemon(data=data)
    create_tenant(data, "k", plan="enterprise")
    desk = Desk(d, "k")
    desk.inbox("billing")
    bot = desk.token()
    conversation = desk.incoming("billing", "k@example.com", "hello?")
    desk.call(bot, "reply_to_conversation", {"conversation_id": conversation, "content": "Here!"})
    d.kill()
    d2 = start_daemon(data=data)
    desk.d = d2
    messages = desk.call(bot, "get_conversation", {"conversation_id": conversation})["messages"]
    assert [m["content"] for m in messages] == ["hello?", "Here!"]
