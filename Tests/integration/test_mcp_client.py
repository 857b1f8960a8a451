"""The official Python `mcp` client against Toolhost over Streamable HTTP, in both protocol eras."""
from __future__ import annotations

import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from toolhost_testlib import (
    LEGACY,
    MODERN,
    SCHEDULING_TOOLS,
    booking_args,
    booking_id,
    booking_list,
    run,
)

MODES = ["legacy", MODERN, "auto"]


async def _connect_and(shared, mode: str, fn, *, path: str | None = None, token: str | None = None):
    url = shared.d.url(path or shared.path)
    headers = {"Authorization": f"Bearer {token or shared.token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as h:
        async with Client(streamable_http_client(url, http_client=h), mode=mode) as c:
            return await fn(c)


def _text(result) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


@pytest.mark.parametrize("mode", MODES)
def test_client_negotiates_expected_protocol_version(shared, mode):
    async def body(c):
        return c.protocol_version

    version = run(_connect_and(shared, mode, body))
    expected = LEGACY if mode == "legacy" else MODERN
    assert version == expected


@pytest.mark.parametrize("mode", MODES)
def test_client_lists_scheduling_tools_with_input_schema(shared, mode):
    async def body(c):
        return await c.list_tools()

    listing = run(_connect_and(shared, mode, body))
    by_name = {t.name: t for t in listing.tools}
    for name in SCHEDULING_TOOLS:
        assert name in by_name, f"{name} missing from {sorted(by_name)}"
        schema = by_name[name].input_schema
        assert schema.get("type") == "object", schema
        assert by_name[name].description
    props = by_name["create_booking_request"].input_schema.get("properties", {})
    for arg in ("title", "start", "end", "time_zone", "attendee_name", "attendee_email", "notes"):
        assert arg in props, f"create_booking_request inputSchema lacks {arg}: {props}"
    assert listing.next_cursor is None


@pytest.mark.parametrize("mode", MODES)
def test_client_booking_lifecycle_calls_every_scheduling_tool(shared, mode):
    async def body(c):
        out = {}
        args = booking_args(title=f"Lifecycle {mode}")
        created = await c.call_tool("create_booking_request", args)
        assert not created.is_error, _text(created)
        assert created.structured_content is not None
        bid = booking_id(created.structured_content)
        out["created"] = created

        listed = await c.call_tool("list_booking_requests", {"from": args["start"], "to": args["end"]})
        assert not listed.is_error, _text(listed)
        assert listed.structured_content is not None
        ids = [str(b.get("id")) for b in booking_list(listed.structured_content)]
        assert bid in ids, (bid, ids)

        got = await c.call_tool("get_booking_request", {"id": bid})
        assert not got.is_error, _text(got)
        assert booking_id(got.structured_content) == bid
        assert f"Lifecycle {mode}" in str(got.structured_content)
        assert "ada@example.com" in str(got.structured_content)

        confirmed = await c.call_tool("confirm_booking_request", {"id": bid})
        assert not confirmed.is_error, _text(confirmed)
        assert confirmed.structured_content is not None
        assert "confirmed" in str(confirmed.structured_content).lower()

        # A second booking to cancel (cancelling is independent of confirming).
        other = await c.call_tool("create_booking_request", booking_args(title=f"To cancel {mode}"))
        assert not other.is_error, _text(other)
        oid = booking_id(other.structured_content)
        cancelled = await c.call_tool("cancel_booking_request", {"id": oid, "reason": "Attendee asked to move it"})
        assert not cancelled.is_error, _text(cancelled)
        assert cancelled.structured_content is not None
        assert "cancel" in str(cancelled.structured_content).lower()

        again = await c.call_tool("get_booking_request", {"id": oid})
        assert not again.is_error, _text(again)
        assert "cancel" in str(again.structured_content).lower()
        return out

    run(_connect_and(shared, mode, body))


@pytest.mark.parametrize("mode", MODES)
def test_client_bad_time_zone_is_error_result(shared, mode):
    async def body(c):
        return await c.call_tool("create_booking_request", booking_args(time_zone="Mars/Olympus_Mons"))

    r = run(_connect_and(shared, mode, body))
    assert r.is_error is True
    assert r.content and r.content[0].type == "text"
    assert _text(r).strip()


@pytest.mark.parametrize("mode", MODES)
def test_client_end_before_start_is_error_result(shared, mode):
    async def body(c):
        args = booking_args()
        args["start"], args["end"] = args["end"], args["start"]
        return await c.call_tool("create_booking_request", args)

    r = run(_connect_and(shared, mode, body))
    assert r.is_error is True
    assert _text(r).strip()


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_client_get_unknown_booking_is_error_result(shared, mode):
    async def body(c):
        return await c.call_tool("get_booking_request", {"id": "does-not-exist"})

    r = run(_connect_and(shared, mode, body))
    assert r.is_error is True


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_client_unknown_tool_raises_invalid_params(shared, mode):
    async def body(c):
        with pytest.raises(MCPError) as exc:
            await c.call_tool("no_such_tool", {})
        return exc.value

    err = run(_connect_and(shared, mode, body))
    assert err.code == -32602
    assert err.message == "Unknown tool: no_such_tool"


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_client_on_single_toolset_endpoint_sees_only_that_toolset(shared, mode):
    async def body(c):
        return await c.list_tools()

    listing = run(_connect_and(shared, mode, body, path=f"/{shared.tenant}/mcp/scheduling"))
    names = {t.name for t in listing.tools}
    assert set(SCHEDULING_TOOLS) <= names
    combined = run(_connect_and(shared, mode, body))
    assert len({t.name for t in combined.tools}) > len(names), "clock tools should add to the combined endpoint"
