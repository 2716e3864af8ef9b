"""The differential of issue #20: real requests to the real MLflow tracking server (with the
Kubernetes auth plugin), and for each the same question to our POST /authorize/mlflow with the
same token. Prints the table and exits 1 on a disagreement that expected-differences.yaml does
not explain.

Run by e2e/tests/tracking-server.sh with the virtualenv's Python (requests and PyYAML come with
MLflow). Input, from the environment:
  TRACKING_URL   the tracking server, http://127.0.0.1:PORT
  WEBHOOK_URL    our service, https://127.0.0.1:PORT
  WEBHOOK_CA     the CA of our service's certificate
  TOKENS         a JSON file {"editor": "<token>", ...}: the users of the table
  TABLE_OUT      where to write the table
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

HERE = Path(__file__).resolve().parent
TIMEOUT = 60  # seconds; generous for a loaded 2-core machine, only there to catch a hang
WORKSPACE_A = os.environ.get("WORKSPACE_A", "ws-a")
WORKSPACE_B = os.environ.get("WORKSPACE_B", "ws-b")


@dataclass
class Row:
    user: str
    method: str
    path: str
    workspace: str | None
    plugin: str
    ours: str
    agree: bool
    explained: str | None = None
    detail: str = ""


# FailClosed's reasons when the caller's TokenReview itself failed: that answer carries them in
# "reason" with no checks and no evaluationError field, so only the wording tells it from a deny.
FAILED_CLOSED_WORDING = ("denied until it", "denied, try again")


def evaluation_errors(answer: dict) -> str:
    answers = answer.get("results", [answer]) if isinstance(answer, dict) else []
    errors = {check["evaluationError"] for one in answers for check in one.get("checks", [])
              if check.get("evaluationError")}
    errors |= {one["reason"] for one in answers
               if not one.get("checks") and not one.get("allowed")
               and any(words in one.get("reason", "") for words in FAILED_CLOSED_WORDING)}
    return "; ".join(sorted(errors))


def failed_closed(answer: dict) -> bool:
    return bool(evaluation_errors(answer))


@dataclass
class Differential:
    tracking: str
    webhook: str
    ca: str
    tokens: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    failed_closed: list[str] = field(default_factory=list)

    def _headers(self, user: str, workspace: str | None) -> dict[str, str]:
        headers = {}
        if self.tokens.get(user):
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        if workspace:
            headers["X-MLFLOW-WORKSPACE"] = workspace
        return headers

    def tracking_request(self, user, method, path, workspace=None, body=None, params=None):
        return requests.request(
            method,
            self.tracking + path,
            headers=self._headers(user, workspace),
            json=body,
            params=params,
            timeout=TIMEOUT,
        )

    def ask_ours(self, user, question: dict) -> tuple[str, dict]:
        """Our answer; one that failed closed (an access review that errored or timed out, not
        a decision) is asked again, up to three times, and counted."""
        for attempt in range(3):
            kind, answer = self._ask_ours_once(user, question)
            if not failed_closed(answer):
                break
            self.failed_closed.append(f"{question.get('method', 'batch')} "
                                      f"{question.get('path', '')} ({user}): {evaluation_errors(answer)}")
            time.sleep(2)
        else:
            kind = "error: " + evaluation_errors(answer)
        return kind, answer

    def _ask_ours_once(self, user, question: dict) -> tuple[str, dict]:
        headers = {"Content-Type": "application/json"}
        if self.tokens.get(user):
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        response = requests.post(
            self.webhook + "/authorize/mlflow",
            headers=headers,
            data=json.dumps(question),
            verify=self.ca,
            timeout=TIMEOUT,
        )
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 401:
            return "unauthenticated", answer
        if response.status_code == 404:
            return "no route", answer
        if response.status_code != 200:
            return f"error {response.status_code}", answer
        if "results" in answer:
            return "batch", answer
        if answer.get("allowed"):
            return "allowed", answer
        return ("filtered" if answer.get("filtered") else "denied"), answer

    @staticmethod
    def plugin_answer(response: requests.Response) -> str:
        """What the plugin decided, read from the tracking server's status and error code."""
        try:
            code = (response.json().get("error_code") or response.json().get("error", {}).get("code"))
        except (ValueError, AttributeError):
            code = None
        if response.status_code == 401:
            return "unauthenticated"
        if response.status_code == 403:
            return "denied"
        if response.status_code == 404 and code == "ENDPOINT_NOT_FOUND":
            return "no route"
        if response.request.method == "HEAD" and response.status_code == 404:
            # No body to read the error code from; the plugin compiles no HEAD rules, so its
            # ENDPOINT_NOT_FOUND is what a HEAD of an existing object's GET route gets.
            return "no route"
        if response.status_code == 200 and response.request.path_url.startswith("/graphql"):
            # GraphQL answers 200 whatever it did; the plugin filters a collection field to null
            # when the caller may read none of it.
            data = (response.json() or {}).get("data") or {}
            if data and all(value is None for value in data.values()):
                return "filtered (200, null)"
        # Anything else passed the plugin: success, or MLflow's own answer (400, 404 of an object).
        return f"allowed ({response.status_code})"

    def check(self, user, method, path, workspace=None, body=None, params=None, name=None):
        """Sends one request to the tracking server and the same question to our service."""
        response = self.tracking_request(user, method, path, workspace, body, params)
        plugin = self.plugin_answer(response)
        question = {"method": method, "path": path}
        if workspace:
            question["workspace"] = workspace
        if name:
            question["name"] = name
        # What the tracking server has beyond method and path: checks may name what the body,
        # the query or a header references (GraphQL takes its checks from the document).
        if body is not None:
            question["body"] = body
        if params:
            question["query"] = {k: v if isinstance(v, list) else str(v) for k, v in params.items()}
        ours, answer = self.ask_ours(user, question)
        self.record(user, method, path, workspace, plugin, ours, answer)
        return response

    def record(self, user, method, path, workspace, plugin, ours, answer):
        agree = (
            plugin == ours
            or (plugin.startswith("allowed") and ours in ("allowed", "filtered"))
            or (plugin.startswith("filtered") and ours == "filtered")
        )
        detail = ""
        if isinstance(answer, dict) and answer.get("resource"):
            detail = f"{answer.get('resource')}:{answer.get('verb')}"
        self.rows.append(Row(user, method, path, workspace, plugin, ours, agree, detail=detail))

    def list_workspaces(self, user, candidates):
        """ListWorkspaces: the plugin filters the list; we answer with the list in one question."""
        path = "/api/3.0/mlflow/workspaces"
        response = self.tracking_request(user, "GET", path)
        plugin = self.plugin_answer(response)
        if response.status_code == 200:
            listed = {w["name"] for w in response.json().get("workspaces", [])}
            plugin = "lists " + (",".join(sorted(listed & set(candidates))) or "none")
        # One question without a workspace: the answer carries the workspaces the caller sees.
        kind, answer = self.ask_ours(user, {"method": "GET", "path": path})
        if kind == "allowed" and "workspaces" in answer:
            listed = set(answer["workspaces"]) & set(candidates)
            ours = "lists " + (",".join(sorted(listed)) or "none")
        else:
            ours = kind
        self.rows.append(Row(user, "GET", path, None, plugin, ours, plugin == ours))


def load_expected() -> list[dict]:
    entries = yaml.safe_load((HERE / "expected-differences.yaml").read_text()) or []
    for entry in entries:
        missing = {"method", "path", "reason"} - set(entry)
        if missing:
            sys.exit(f"expected-differences.yaml: entry {entry} lacks {sorted(missing)}")
    return entries


def explain(rows: list[Row], expected: list[dict]) -> list[dict]:
    """Marks the disagreements an entry explains; returns the entries that matched nothing."""
    used = set()
    for row in rows:
        if row.agree:
            continue
        for index, entry in enumerate(expected):
            if (entry["method"] == row.method and entry["path"] == row.path
                    and entry.get("user", row.user) == row.user):
                row.explained = entry["reason"]
                used.add(index)
                break
    return [entry for index, entry in enumerate(expected) if index not in used]


def render(rows: list[Row]) -> str:
    header = ("method", "path", "workspace", "user", "plugin", "ours", "")
    lines = [header] + [
        (r.method, r.path, r.workspace or "-", r.user, r.plugin,
         r.ours + (f" [{r.detail}]" if r.detail else ""),
         "" if r.agree else ("EXPLAINED" if r.explained else "DISAGREE"))
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)
    notes = [f"- {r.method} {r.path} ({r.user}): {r.explained}" for r in rows if r.explained]
    return text + ("\n\nExplained differences:\n" + "\n".join(notes) if notes else "") + "\n"


def scenario(d: Differential) -> None:
    """A representative table: the same users and routes the issue names."""
    a, b = WORKSPACE_A, WORKSPACE_B
    # Fixed names: every run starts a new tracking server on an empty database, and the
    # "named" user's Role names the experiment "shared".
    suffix = "e2e"

    # Public paths: no token at all.
    d.check("anonymous", "GET", "/health")
    d.check("anonymous", "GET", "/version")
    d.check("anonymous", "GET", "/api/3.0/mlflow/server-info")
    # Authentication comes before any route check.
    d.check("anonymous", "POST", "/api/2.0/mlflow/experiments/search", a, {"max_results": 10})

    # Experiments.
    name = f"exp-{suffix}"
    created = d.check("editor", "POST", "/api/2.0/mlflow/experiments/create", a, {"name": name})
    if created.status_code != 200:
        sys.exit(f"the editor could not create an experiment: {created.status_code} {created.text}")
    experiment_id = created.json()["experiment_id"]
    shared = "shared"
    shared_id = d.tracking_request("editor", "POST", "/api/2.0/mlflow/experiments/create", a,
                                   {"name": shared}).json()["experiment_id"]
    d.check("creator", "POST", "/api/2.0/mlflow/experiments/create", a, {"name": f"c-{suffix}"})
    d.check("creator", "GET", "/api/2.0/mlflow/experiments/get", a,
            params={"experiment_id": experiment_id}, name=name)
    d.check("viewer", "POST", "/api/2.0/mlflow/experiments/create", a, {"name": f"v-{suffix}"})
    d.check("outsider", "POST", "/api/2.0/mlflow/experiments/create", a, {"name": f"o-{suffix}"})
    for user in ("editor", "viewer", "outsider"):
        d.check(user, "GET", "/api/2.0/mlflow/experiments/get", a,
                params={"experiment_id": experiment_id}, name=name)
    d.check("viewer", "GET", "/api/2.0/mlflow/experiments/get-by-name", a,
            params={"experiment_name": name}, name=name)
    # A Role naming one experiment (RBAC resourceNames): the plugin retries by name.
    d.check("named", "GET", "/api/2.0/mlflow/experiments/get", a,
            params={"experiment_id": shared_id}, name=shared)
    d.check("named", "GET", "/api/2.0/mlflow/experiments/get", a,
            params={"experiment_id": experiment_id}, name=name)
    for user in ("editor", "viewer", "outsider"):
        d.check(user, "POST", "/api/2.0/mlflow/experiments/search", a, {"max_results": 10})
    d.check("viewer", "POST", "/ajax-api/2.0/mlflow/experiments/search", a, {"max_results": 10})
    # The editor has no rights in the second workspace.
    d.check("editor", "POST", "/api/2.0/mlflow/experiments/create", b, {"name": f"b-{suffix}"})
    d.check("editor", "POST", "/api/2.0/mlflow/experiments/search", b, {"max_results": 10})

    # Runs.
    run = d.check("editor", "POST", "/api/2.0/mlflow/runs/create", a,
                  {"experiment_id": experiment_id}, name=name)
    run_id = run.json()["run"]["info"]["run_id"] if run.status_code == 200 else "missing"
    d.check("viewer", "POST", "/api/2.0/mlflow/runs/create", a,
            {"experiment_id": experiment_id}, name=name)
    d.check("editor", "POST", "/api/2.0/mlflow/runs/log-metric", a,
            {"run_id": run_id, "key": "loss", "value": 0.5, "timestamp": 0, "step": 0}, name=name)
    d.check("viewer", "POST", "/api/2.0/mlflow/runs/log-metric", a,
            {"run_id": run_id, "key": "loss", "value": 0.4, "timestamp": 0, "step": 1}, name=name)
    d.check("viewer", "GET", "/api/2.0/mlflow/runs/get", a, params={"run_id": run_id}, name=name)
    d.check("outsider", "GET", "/api/2.0/mlflow/runs/get", a, params={"run_id": run_id}, name=name)
    d.check("viewer", "POST", "/api/2.0/mlflow/runs/search", a,
            {"experiment_ids": [experiment_id], "max_results": 10})

    # Registered models.
    model = f"model-{suffix}"
    d.check("editor", "POST", "/api/2.0/mlflow/registered-models/create", a, {"name": model}, name=model)
    d.check("viewer", "POST", "/api/2.0/mlflow/registered-models/create", a,
            {"name": f"vm-{suffix}"}, name=f"vm-{suffix}")
    d.check("viewer", "GET", "/api/2.0/mlflow/registered-models/get", a, params={"name": model}, name=model)
    d.check("outsider", "GET", "/api/2.0/mlflow/registered-models/get", a, params={"name": model}, name=model)
    d.check("viewer", "GET", "/api/2.0/mlflow/registered-models/search", a, params={"max_results": 10})
    d.check("editor", "POST", "/api/2.0/mlflow/model-versions/create", a,
            {"name": model, "source": f"runs:/{run_id}/model", "run_id": run_id}, name=model)
    d.check("viewer", "DELETE", "/api/2.0/mlflow/registered-models/delete", a, {"name": model}, name=model)
    d.check("editor", "DELETE", "/api/2.0/mlflow/registered-models/delete", a, {"name": model}, name=model)

    # Workspaces: the list is filtered per user; get by the path's name; no writes.
    for user in ("editor", "viewer", "creator", "outsider"):
        d.list_workspaces(user, [a, b])
    d.check("viewer", "GET", f"/api/3.0/mlflow/workspaces/{a}", a)
    d.check("outsider", "GET", f"/api/3.0/mlflow/workspaces/{a}", a)
    d.check("editor", "POST", "/api/3.0/mlflow/workspaces", a, {"name": f"new-{suffix}"})

    # AI Gateway (MLflow 3.17 has it).
    d.check("viewer", "GET", "/api/3.0/mlflow/gateway/endpoints/list", a)
    d.check("viewer", "GET", "/api/3.0/mlflow/gateway/secrets/list", a)

    # GraphQL: the plugin derives its checks from the query's fields (mlflowSearchRuns: list
    # experiments, filtering the runs); a method+path table cannot (issue #15).
    def search_runs(experiment):
        return {"query": 'query { mlflowSearchRuns(input: {experimentIds: ["%s"]}) '
                         '{ runs { info { runId } } } }' % experiment}

    d.check("viewer", "POST", "/graphql", a, search_runs(experiment_id))
    d.check("outsider", "POST", "/graphql", a, search_runs(experiment_id))
    # The named user may read the experiment "shared" only, by name: the plugin filters the ids.
    d.check("named", "POST", "/graphql", a, search_runs(shared_id))

    # MCP servers (MLflow 3.14+): a filtered list.
    d.check("outsider", "GET", "/api/3.0/mlflow/mcp-servers", a)

    # HEAD: the plugin compiles no HEAD rules; we answer HEAD as GET (issue #15).
    d.check("viewer", "HEAD", "/api/2.0/mlflow/experiments/get", a,
            params={"experiment_id": experiment_id}, name=name)

    # Public paths of the plugin that are not in our table (issue #15): the UI's assets and
    # anything under /health.
    d.check("anonymous", "GET", "/static-files/favicon.ico")
    d.check("anonymous", "GET", "/healthz")

    # A route neither knows.
    d.check("editor", "GET", "/api/2.0/mlflow/no-such-route", a)

    # Deletes last: the viewer may not, the editor may.
    d.check("viewer", "POST", "/api/2.0/mlflow/experiments/delete", a,
            {"experiment_id": experiment_id}, name=name)
    d.check("editor", "POST", "/api/2.0/mlflow/experiments/delete", a,
            {"experiment_id": experiment_id}, name=name)


def main() -> int:
    d = Differential(
        tracking=os.environ["TRACKING_URL"],
        webhook=os.environ["WEBHOOK_URL"],
        ca=os.environ["WEBHOOK_CA"],
        tokens=json.loads(Path(os.environ["TOKENS"]).read_text()),
    )
    scenario(d)
    unused = explain(d.rows, load_expected())
    table = render(d.rows)
    Path(os.environ["TABLE_OUT"]).write_text(table)
    unexplained = [r for r in d.rows if not r.agree and not r.explained]
    for entry in unused:
        print(f"note: expected difference not seen any more: {entry['method']} {entry['path']}"
              f" ({entry.get('user', 'any user')}): {entry['reason']}", file=sys.stderr)
    for line in d.failed_closed:
        print(f"note: our service failed closed and was asked again: {line}", file=sys.stderr)
    agreed = sum(r.agree for r in d.rows)
    summary = (f"{len(d.rows)} requests: {agreed} agree, "
               f"{sum(bool(r.explained) for r in d.rows)} explained, {len(unexplained)} disagree")
    if unexplained:
        print(table, file=sys.stderr)
        print(f"FAIL: {summary}", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
