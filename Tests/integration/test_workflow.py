"""The Workflow toolset (Plugins/Workflow) against a real daemon: ideas, requests humans review, recipes operators
write, and runs whose steps call other toolsets AS THE TOKEN THAT TRIGGERED THEM (host call_tool, header section 12)
or send HTTP requests to a local server. Driven with the official MCP client, raw HTTP and `toolhost workflow …`."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from toolhost_testlib import TenantSession, booking_args, create_tenant, module_daemon, rpc_error, rpc_result, token_public_id

TOOLS = {"list_workflow_ideas", "submit_workflow_request", "list_recipes", "trigger_recipe", "list_workflow_runs", "get_workflow_run"}
READ_TOOLS = {"list_workflow_ideas", "list_recipes", "list_workflow_runs", "get_workflow_run"}


class Hook:
    """A local HTTP server recipes post to: it records each request, and answers 500 to the first `failures` ones."""

    def __init__(self, failures: int = 0, delay: float = 0.0, answer_bytes: int = 0):
        self.requests: list[dict] = []
        self.failures = failures
        self.delay = delay
        self.answer_bytes = answer_bytes
        self.arrived = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body or b"null")})
                hook.arrived.set()
                time.sleep(hook.delay)
                status = 500 if len(hook.requests) <= hook.failures else 200
                payload = b"x" * hook.answer_bytes if hook.answer_bytes else json.dumps({"received": len(hook.requests)}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    yield from module_daemon(tmp_path_factory, "workflow")


_counter = [0]


class Flow(TenantSession):
    def __init__(self, d, tenant: str, tmp_path):
        super().__init__(d, tenant)
        self.tmp = tmp_path

    def workflow(self, command: str, *args: str, check: bool = True):
        return self.command("workflow", command, *args, check=check)

    def token(self, toolsets: str, name: str = "Flow bot") -> str:
        return self.cli("token", "create", "--tenant", self.tenant, "--name", name, "--toolsets", toolsets).stdout.strip()

    def recipe(self, name: str, steps: list[dict], input_schema: dict | None = None) -> str:
        path = self.tmp / f"{name}.json"
        path.write_text(json.dumps({"description": f"The {name} recipe", "steps": steps,
                                    "input_schema": input_schema or {"type": "object"}}))
        out = self.workflow("recipe", "create", "--name", name, "--file", str(path)).stdout
        assert out.count("\n") == 1 and out.startswith("rcp_"), out
        return out.strip()

    def finished(self, token: str, run_id: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.call(token, "get_workflow_run", {"run_id": run_id})
            if found["status"] in ("succeeded", "failed", "cancelled"):
                return found
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} did not finish within {timeout} s: {found}")


@pytest.fixture
def flow(daemon, tmp_path) -> Flow:
    _counter[0] += 1
    tenant = f"flow{_counter[0]}"
    create_tenant(daemon.data, tenant, plan="growth")
    return Flow(daemon, tenant, tmp_path)


BOOKING_STEPS = [
    {"name": "days", "type": "tool", "tool": "clock.days_between",
     "arguments": {"start_date": "{{inputs.from}}", "end_date": "{{inputs.to}}"}},
    {"name": "book", "type": "tool", "tool": "scheduling.create_booking_request",
     "arguments": {**booking_args(day=3, hour=10), "title": "{{inputs.title}} in {{steps.days.output.days}} days"}},
]
INPUTS_SCHEMA = {"type": "object", "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                                                 "title": {"type": "string", "minLength": 1}},
                 "required": ["from", "to", "title"], "additionalProperties": False}
INPUTS = {"from": "2030-01-01", "to": "2030-01-11", "title": "Kick-off"}


def test_tools_plans_and_read_only_grants(flow):
    token = flow.token("workflow")

    async def body(c):
        return (await c.list_tools()).tools

    tools = flow.with_client(token, body)
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert tool.annotations.read_only_hint is (tool.name in READ_TOOLS), tool.name
        assert tool.output_schema and tool.output_schema["type"] == "object", tool.name
    read_only = flow.token("workflow:read")
    listed = {t["name"] for t in rpc_result(flow.d.legacy(flow.path, "tools/list", token=read_only))["tools"]}
    assert listed == READ_TOOLS
    # Starter: browsing and requests yes, trigger_recipe no (the plan layer says why).
    _counter[0] += 1
    starter = f"starter{_counter[0]}"
    create_tenant(flow.d.data, starter, plan="starter")
    low = Flow(flow.d, starter, flow.tmp)
    recipe = low.recipe("hello", [{"name": "days", "type": "tool", "tool": "clock.days_between",
                                   "arguments": {"start_date": "2030-01-01", "end_date": "2030-01-02"}}])
    low_token = low.token("workflow")
    assert [r["id"] for r in low.call(low_token, "list_recipes")["recipes"]] == [recipe]
    assert low.call(low_token, "submit_workflow_request", {"title": "x", "description": "y"})["status"] == "pending"
    err = rpc_error(flow.d.call_tool(low.path, low_token, "trigger_recipe", {"recipe_id": recipe}), 403, -31003)
    assert err["data"]["layer"] == "plan" and err["data"]["required_plan"] == "growth", err


def test_ideas_are_browsed_and_searched_and_archived_ones_disappear(flow):
    ids = [flow.workflow("idea", "add", "--title", f"Idea {n}", "--description", f"Automate chore number {n}",
                         "--category", "Ops" if n % 2 else "Sales", "--toolsets", "kanban,scheduling").stdout.strip() for n in range(7)]
    token = flow.token("workflow")
    seen, cursor = [], None
    while True:
        page = flow.call(token, "list_workflow_ideas", {"limit": 3, **({"cursor": cursor} if cursor else {})})
        seen += [i["id"] for i in page["ideas"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    assert [i["title"] for i in flow.call(token, "list_workflow_ideas", {"query": "number 3"})["ideas"]] == ["Idea 3"]
    assert len(flow.call(token, "list_workflow_ideas", {"category": "ops"})["ideas"]) == 3
    assert flow.call(token, "list_workflow_ideas", {"query": "Idea 2"})["ideas"][0]["toolsets"] == ["kanban", "scheduling"]
    flow.workflow("idea", "archive", ids[0])
    assert ids[0] not in [i["id"] for i in flow.call(token, "list_workflow_ideas")["ideas"]]
    assert "not a cursor" in flow.fail(token, "list_workflow_ideas", {"cursor": "bogus", "category": "Ops"})


def test_requests_wait_for_a_human_and_nothing_runs_because_of_them(flow):
    token = flow.token("workflow", name="Ideas bot")
    submitted = flow.call(token, "submit_workflow_request", {"title": "Post new bookings to Slack",
                                                             "description": "Each new booking request should be announced.",
                                                             "desired_trigger": "every new booking"})
    assert submitted["status"] == "pending" and submitted["submitted_by"] == {"token_id": token_public_id(token), "token_name": "Ideas bot"}
    second = flow.call(token, "submit_workflow_request", {"title": "Something else", "description": "…"})["id"]
    queue = json.loads(flow.workflow("requests", "--json").stdout)["requests"]
    assert [r["id"] for r in queue] == [submitted["id"], second]
    flow.workflow("accept", submitted["id"])
    flow.workflow("decline", second, "--reason", "Out of scope")
    again = flow.workflow("accept", second, check=False)
    assert again.returncode == 1 and f"request {second} was already declined" in again.stderr
    assert json.loads(flow.workflow("requests", "--json").stdout)["requests"] == []
    assert flow.call(token, "list_recipes")["recipes"] == [] and flow.call(token, "list_workflow_runs")["runs"] == []
    assert "must not be empty" in flow.fail(token, "submit_workflow_request", {"title": "  ", "description": "x"})


def test_a_recipe_step_the_token_may_not_do_fails_with_the_scope_layers_message(flow):
    recipe = flow.recipe("kickoff", BOOKING_STEPS, INPUTS_SCHEMA)
    token = flow.token("workflow,clock", name="Flow bot")
    started = flow.call(token, "trigger_recipe", {"recipe_id": recipe, "inputs": INPUTS})
    assert started["status"] == "queued" and [s["status"] for s in started["steps"]] == ["pending", "pending"]
    done = flow.finished(token, started["id"])
    assert done["status"] == "failed", done
    days, book = done["steps"]
    assert days["status"] == "succeeded" and days["output"] == {"days": 10}
    assert book["status"] == "failed" and book["error"] == "Token does not grant access to the scheduling server", book
    assert done["error"] == "step book: Token does not grant access to the scheduling server"
    # The refusal is in the audit trail, against the token, from the job.
    # (The trail is written to audit.db in the background: wait for it.)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out = flow.cli("audit", "--tenant", flow.tenant, "--outcome", "denied", "--json").stdout
        denied = [json.loads(line) for line in out.splitlines() if line.strip()]
        if denied:
            break
        time.sleep(0.2)
    assert [(e["layer"], e["tool"], e["token_id"], e["client"][:4]) for e in denied] == [
        ("scope", "scheduling.create_booking_request", token_public_id(token), "job:")], denied
    # Nothing was booked.
    admin = flow.token("scheduling")
    assert flow.call(admin, "list_booking_requests")["booking_requests"] == []


def test_a_token_that_may_do_every_step_runs_the_recipe_end_to_end_with_http(flow):
    hook = Hook(failures=1)
    try:
        steps = BOOKING_STEPS + [{"name": "notify", "type": "http", "method": "POST", "url": hook.url, "retries": 2,
                                  "timeout_seconds": 5, "headers": {"X-Recipe": "kickoff"},
                                  "body": {"booking": "{{steps.book.output.id}}", "days": "{{steps.days.output.days}}"}}]
        recipe = flow.recipe("kickoff", steps, INPUTS_SCHEMA)
        token = flow.token("workflow,clock,scheduling", name="Trusted bot")
        run_id = flow.call(token, "trigger_recipe", {"recipe_id": "kickoff", "inputs": INPUTS})["id"]
        done = flow.finished(token, run_id)
        assert done["status"] == "succeeded", done
        booking = done["steps"][1]["output"]
        assert booking["title"] == "Kick-off in 10 days"
        assert done["steps"][2]["output"]["status"] == 200
        assert len(hook.requests) == 2  # the first answer was a 500: retried
        assert hook.requests[-1]["body"] == {"booking": booking["id"], "days": 10}
        assert hook.requests[-1]["headers"]["X-Recipe"] == "kickoff"
        runs = flow.call(token, "list_workflow_runs", {"recipe_id": recipe})["runs"]
        assert [r["id"] for r in runs] == [run_id] and runs[0]["triggered_by"]["token_name"] == "Trusted bot"
        shown = flow.workflow("show-run", run_id).stdout
        assert "notify [succeeded]" in shown
    finally:
        hook.close()


def test_inputs_are_checked_against_the_recipes_schema_and_unknown_recipes_are_refused(flow):
    flow.recipe("kickoff", BOOKING_STEPS, INPUTS_SCHEMA)
    token = flow.token("workflow,clock,scheduling")
    text = flow.fail(token, "trigger_recipe", {"recipe_id": "kickoff", "inputs": {"from": "soon", "to": "2030-01-02"}})
    assert text.startswith("The inputs do not match recipe kickoff's input_schema:") and "title" in text and "/from" in text, text
    assert flow.fail(token, "trigger_recipe", {"recipe_id": "nope"}).startswith("No recipe nope")
    flow.workflow("recipe", "disable", "kickoff")
    assert flow.fail(token, "trigger_recipe", {"recipe_id": "kickoff", "inputs": INPUTS}).startswith("No recipe kickoff")
    assert flow.call(token, "list_recipes")["recipes"] == []
    assert flow.call(token, "list_workflow_runs")["runs"] == []


def test_bad_recipe_files_are_refused_with_the_problem_named(flow):
    cases = [
        ([], "\"steps\" must be an array of 1–20 steps"),
        ([{"name": "a", "type": "shell", "command": "rm -rf /"}], "unknown field \"command\""),
        ([{"name": "a", "type": "shell"}], "\"type\" must be one of tool, http"),
        ([{"name": "a", "type": "http", "url": "file:///etc/passwd"}], "\"url\" must be an http or https URL"),
        ([{"name": "a", "type": "http", "url": "http://{{inputs.host}}/x"}], "the url's host may not hold placeholders"),
        ([{"name": "a", "type": "tool", "tool": "clock.current_time", "arguments": {"x": "{{steps.b.output}}"}},
          {"name": "b", "type": "tool", "tool": "clock.current_time"}], "refers to step \"b\", which does not come before it"),
        ([{"name": "a", "type": "tool", "tool": "clock.current_time"}, {"name": "a", "type": "tool", "tool": "clock.current_time"}],
         "two steps are named \"a\""),
    ]
    for steps, message in cases:
        path = flow.tmp / "bad.json"
        path.write_text(json.dumps({"steps": steps}))
        out = flow.workflow("recipe", "create", "--name", "bad", "--file", str(path), check=False)
        assert out.returncode == 1 and message in out.stderr, (steps, out.stderr)
    assert "No recipes yet." in flow.workflow("recipe", "list").stdout


def test_a_step_that_refers_to_a_missing_input_fails_clearly(flow):
    flow.recipe("needs", [{"name": "days", "type": "tool", "tool": "clock.days_between",
                           "arguments": {"start_date": "{{inputs.from}}", "end_date": "{{inputs.until}}"}}])
    token = flow.token("workflow,clock")
    run_id = flow.call(token, "trigger_recipe", {"recipe_id": "needs", "inputs": {"from": "2030-01-01"}})["id"]
    done = flow.finished(token, run_id)
    assert done["status"] == "failed"
    assert done["steps"][0]["error"] == "{{inputs.until}} names nothing (inputs has: from)", done
    assert done["error"] == "step days: {{inputs.until}} names nothing (inputs has: from)"


def test_revoking_the_token_stops_the_run_at_its_next_tool_step(flow):
    """The token is read again for every call a job makes: a run cannot outlive its token's revocation."""
    hook = Hook(delay=3)
    try:
        flow.recipe("slow", [
            {"name": "wait", "type": "http", "method": "POST", "url": hook.url, "timeout_seconds": 10, "body": {}},
            {"name": "days", "type": "tool", "tool": "clock.days_between", "arguments": {"start_date": "2030-01-01", "end_date": "2030-01-03"}},
        ])
        token = flow.token("workflow,clock", name="Soon revoked")
        reader = flow.token("workflow:read")
        run_id = flow.call(token, "trigger_recipe", {"recipe_id": "slow"})["id"]
        assert hook.arrived.wait(20), "the run never reached its http step"
        flow.cli("token", "revoke", token_public_id(token))
        done = flow.finished(reader, run_id)
        assert done["status"] == "failed" and [s["status"] for s in done["steps"]] == ["succeeded", "failed"], done
        assert done["steps"][1]["error"] == "Token has been revoked"
    finally:
        hook.close()


def test_a_recipe_that_adds_a_kanban_card_then_books_fails_at_the_booking_for_a_token_without_scheduling(flow):
    """The issue's story: the card is added (as the triggering token), the booking step is refused by the scope layer."""
    flow.cli("kanban", "project", "create", "--tenant", flow.tenant, "Onboarding")
    flow.recipe("onboard", [
        {"name": "card", "type": "tool", "tool": "kanban.add_card",
         "arguments": {"project": "onboarding", "column": "To do", "title": "Onboard {{inputs.customer}}"}},
        {"name": "book", "type": "tool", "tool": "scheduling.create_booking_request",
         "arguments": {**booking_args(day=5, hour=11), "title": "Kick-off {{inputs.customer}}"}},
    ], {"type": "object", "properties": {"customer": {"type": "string"}}, "required": ["customer"]})
    token = flow.token("workflow,kanban", name="Onboarding bot")
    run_id = flow.call(token, "trigger_recipe", {"recipe_id": "onboard", "inputs": {"customer": "Acme Corp"}})["id"]
    done = flow.finished(token, run_id)
    card, book = done["steps"]
    assert card["status"] == "succeeded" and book["status"] == "failed", done
    assert book["error"] == "Token does not grant access to the scheduling server"
    cards = flow.call(token, "list_cards", {"project": "onboarding"})["cards"]
    assert [c["title"] for c in cards] == ["Onboard Acme Corp"]
    assert cards[0]["id"] == card["output"]["id"]
    full = flow.call(token, "get_card", {"card_id": cards[0]["id"]})
    assert full["created_by"]["token_id"] == token_public_id(token) and full["created_by"]["token_name"] == "Onboarding bot", full


def test_the_story_through_the_official_client(flow):
    """An agent browses ideas, asks for a workflow, triggers a recipe and follows its run, as a client would."""
    flow.workflow("idea", "add", "--title", "Book kick-offs", "--description", "Book a kick-off call for each new customer",
                  "--category", "Scheduling", "--toolsets", "scheduling")
    flow.recipe("kickoff", BOOKING_STEPS, INPUTS_SCHEMA)
    token = flow.token("workflow,clock,scheduling", name="Client bot")

    async def agent(c):
        ideas = await c.call_tool("list_workflow_ideas", {"query": "kick-off"})
        assert not ideas.is_error and ideas.structured_content["ideas"][0]["title"] == "Book kick-offs"
        asked = await c.call_tool("submit_workflow_request", {"title": "Weekly digest", "description": "Mail me the week's bookings."})
        assert not asked.is_error and asked.structured_content["status"] == "pending"
        recipes = await c.call_tool("list_recipes", {})
        recipe = recipes.structured_content["recipes"][0]
        assert recipe["name"] == "kickoff" and recipe["input_schema"]["required"] == ["from", "to", "title"]
        started = await c.call_tool("trigger_recipe", {"recipe_id": recipe["id"], "inputs": INPUTS})
        assert not started.is_error, started
        return started.structured_content["id"]

    run_id = flow.with_client(token, agent)
    done = flow.finished(token, run_id)
    assert done["status"] == "succeeded" and [s["status"] for s in done["steps"]] == ["succeeded", "succeeded"], done
    assert json.loads(flow.workflow("requests", "--json").stdout)["requests"][0]["title"] == "Weekly digest"


def test_an_http_steps_answer_is_kept_to_a_megabyte(flow):
    """A server answering with 8 MB costs the run one megabyte: the rest is not read."""
    hook = Hook(answer_bytes=8 * 1024 * 1024)
    try:
        flow.recipe("big", [{"name": "fetch", "type": "http", "method": "POST", "url": hook.url, "body": {}}])
        token = flow.token("workflow")
        done = flow.finished(token, flow.call(token, "trigger_recipe", {"recipe_id": "big"})["id"])
        assert done["status"] == "succeeded", done
        output = done["steps"][0]["output"]
        assert output["status"] == 200 and output["body"]["truncated_to_bytes"] == 1024 * 1024, output
        assert output["body"]["start"] == "x" * 4096
    finally:
        hook.close()


def test_at_most_fifty_runs_wait_at_once_per_workspace(flow):
    """Triggering in a loop fills the workspace's run queue, not the host's job queue."""
    hook = Hook(delay=5)
    runs: list[str] = []
    try:
        flow.recipe("slowish", [{"name": "wait", "type": "http", "method": "POST", "url": hook.url, "body": {}}])
        token = flow.token("workflow")
        runs += [flow.call(token, "trigger_recipe", {"recipe_id": "slowish"})["id"] for _ in range(50)]
        refused = flow.fail(token, "trigger_recipe", {"recipe_id": "slowish"})
        assert refused.endswith("runs are already queued or running in this workspace, the limit; nothing was started. "
                                "Try again when some have finished (list_workflow_runs with status running)."), refused
        assert len(flow.call(token, "list_workflow_runs", {"limit": 100})["runs"]) == 50
    finally:
        for run_id in runs:
            flow.workflow("cancel-run", run_id)
        hook.close()
