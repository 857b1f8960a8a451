"""RFC 3339 on the command line and in tool arguments: one parser, so both accept the same strings.

Before, `--expires` went through Foundation's ISO8601DateFormatter while tool arguments went
through the JSON Schema `date-time` check and Scheduling's own parser, and the three disagreed
(e.g. a nanosecond fraction, a leap second)."""
from __future__ import annotations

import json

import pytest

from toolhost_testlib import booking_args, cli, create_tenant, create_token

ACCEPTED = ["2030-01-01T00:00:00Z", "2030-01-01t00:00:00.123456789z", "2030-06-30T23:59:60Z", "2030-01-01T08:00:00+08:00"]
REFUSED = ["2030-01-01T00:00:00", "2030-01-01T00:00:00+0100", "2030-01-01 00:00:00Z", "2030-06-30T22:59:60Z", "2030-02-29T00:00:00Z"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    data = tmp_path_factory.mktemp("times") / "data"
    data.mkdir()
    create_tenant(data, "times")
    return data


@pytest.mark.parametrize("text", ACCEPTED)
def test_expires_accepts_every_rfc3339_time(data, text):
    token = create_token(data, "times", "clock", name="t-" + text, expires=text)
    listed = json.loads(cli(data, "token", "list", "--tenant", "times", "--json").stdout)
    mine = [t for t in listed if t["name"] == "t-" + text]
    assert len(mine) == 1 and mine[0]["expires"].startswith("2030-"), mine
    assert token


@pytest.mark.parametrize("text", REFUSED)
def test_expires_refuses_what_the_date_time_format_refuses(data, text):
    proc = cli(data, "token", "create", "--tenant", "times", "--name", "bad", "--toolsets", "clock", "--expires", text, check=False)
    assert proc.returncode == 2, proc
    assert "--expires must be a date" in proc.stderr, proc.stderr


@pytest.mark.parametrize("text,valid", [(t, True) for t in ACCEPTED] + [(t, False) for t in REFUSED])
def test_tool_arguments_agree_with_the_cli(shared, text, valid):
    args = booking_args()
    args["start"] = text
    r = shared.d.call_tool(shared.path, shared.token, "create_booking_request", args)
    result = r.json()["result"]
    message = result["content"][0]["text"]
    if valid:
        # The time itself passes; whatever else is refused, it is not the start's format.
        assert "must be a valid date-time" not in message, message
    else:
        assert result["isError"] is True and "start: must be a valid date-time" in message, message
