"""The Clock toolset (Plugins/Clock/clock.c, C, reading and writing JSON with toolhost_json.h): what its
two tools answer, including the isError texts a model acts on."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from toolhost_testlib import result_text, rpc_result


def _call(shared, name: str, arguments: dict) -> dict:
    return rpc_result(shared.d.call_tool(shared.path, shared.token, name, arguments))


def test_current_time_is_the_host_clock_in_both_forms(shared):
    before = int(time.time() * 1000)
    result = _call(shared, "current_time", {})
    after = int(time.time() * 1000)
    assert result["isError"] is False
    structured = result["structuredContent"]
    assert set(structured) == {"utc", "unix_ms"}
    assert before - 1000 <= structured["unix_ms"] <= after + 1000
    utc = datetime.strptime(structured["utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert int(utc.timestamp()) == structured["unix_ms"] // 1000
    # The text block carries the same object, for clients that ignore structuredContent.
    assert json.loads(result_text(result)) == structured


@pytest.mark.parametrize("start, end, days", [
    ("2026-12-01", "2026-12-24", 23),
    ("2026-12-24", "2026-12-01", -23),
    ("2024-02-28", "2024-03-01", 2),     # leap year
    ("2100-02-28", "2100-03-01", 1),     # not a leap year
    ("1969-12-31", "1970-01-01", 1),
    ("2026-01-01", "2026-01-01", 0),
])
def test_days_between_counts_calendar_days(shared, start, end, days):
    result = _call(shared, "days_between", {"start_date": start, "end_date": end})
    assert result["isError"] is False, result
    assert result["structuredContent"] == {"days": days}
    assert json.loads(result_text(result)) == {"days": days}
