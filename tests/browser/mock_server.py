#!/usr/bin/python3
"""A stand-in for `weir webserver` to develop and test the web UI without building weir.

Serves weir/web/ui/ as the real server does (/ and /static/...) and the JSON API of
docs/web-api.md from the fixtures in fixtures/ (real outputs of a taxi pipeline run; see
fixtures/make_fixtures.py). Triggering a run simulates it: queued until the pipeline is unpaused,
then one node after another runs for --step seconds and succeeds, writing its log a line at a
time. --fail NODE makes that node fail its first try (up_for_retry) and its second (failed), so
that its downstream nodes end upstream_failed and clear can be tried.

  /usr/bin/python3 tests/browser/mock_server.py [--port 8765] [--step 1.0] [--fail Trainer]

Standard library only.
"""

import argparse
import copy
import datetime
import json
import os
import re
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
UI = os.path.join(HERE, "..", "..", "weir", "web", "ui")
CHART_JS = "/usr/share/javascript/chart.js/chart.min.js"

STATIC = {  # URL path -> (file, media type), as the weir binary serves its embedded assets.
    "/": (os.path.join(UI, "index.html"), "text/html; charset=utf-8"),
    "/static/app.js": (os.path.join(UI, "app.js"), "text/javascript; charset=utf-8"),
    "/static/style.css": (os.path.join(UI, "style.css"), "text/css; charset=utf-8"),
    "/static/favicon.svg": (os.path.join(UI, "favicon.svg"), "image/svg+xml"),
    "/static/chart.min.js": (CHART_JS, "text/javascript; charset=utf-8"),
}

FINISHED = {"success", "cached", "failed", "skipped", "upstream_failed"}
DONE_OK = {"success", "cached", "skipped"}
BROKEN_FILE = {
    "file": "/home/u/weir/pipelines/bad.yaml",
    "error": "/home/u/weir/pipelines/bad.yaml:4: unknown component 'Trainr' (known: "
             "CsvExampleGen, Evaluator, ExampleValidator, ImportSchemaGen, "
             "LatestBlessedModelResolver, Pusher, SchemaGen, StatisticsGen, Trainer, Transform)",
}


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def load(*parts):
    with open(os.path.join(FIXTURES, *parts)) as f:
        return json.load(f) if parts[-1].endswith(".json") else f.read()


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class World:
    """The pipelines and runs the API shows, advanced by a ticking thread."""

    def __init__(self, step_seconds, fail_node):
        self.lock = threading.Lock()
        self.step = step_seconds
        self.fail_node = fail_node
        self.csrf = secrets.token_hex(16)
        runs = load("runs.json")["runs"]
        # The fixture runs' node list is the pipeline's (ids, components, upstream, order).
        self.template = [{k: n[k] for k in ("id", "component", "upstream")}
                         for n in runs[0]["nodes"]]
        # Outputs a successful node reports: those of the fixture's first (uncached) run.
        self.outputs = {n["id"]: n["outputs"] for n in runs[0]["nodes"]}
        self.logs = {}  # (run_id, node, try) -> lines of the node's log, once it has started
        for run in runs:
            for node in run["nodes"]:
                self.logs[(run["run_id"], node["id"], 1)] = load(
                    "logs", run["run_id"], node["id"] + ".log").splitlines(keepends=True)
        self.model_run_id = runs[0]["run_id"]  # Its logs are the simulated nodes' models.
        self.runs = runs[::-1]  # Newest first.
        self.paused = True

    # --- Reading.

    def pipeline(self, name, detailed):
        if name != "taxi":
            raise ApiError(404, f"no pipeline named '{name}' (known: taxi)")
        tomorrow = (now() + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)
        return {"name": "taxi", "file": "/home/u/weir/pipelines/taxi.yaml",
                 "paused": self.paused, "schedule": "@daily",
                 "schedule_description": "every day at 00:00 UTC",
                 "next_run": iso(tomorrow).replace(".000Z", "Z"),
                 "nodes": copy.deepcopy(self.template) if detailed else len(self.template),
                 "recent_runs": [{"run_id": r["run_id"], "state": r["state"]}
                                 for r in self.runs[:10]],
                 "error": None}

    def run(self, pipeline, run_id):
        self.pipeline(pipeline, False)
        for r in self.runs:
            if r["run_id"] == run_id:
                return r
        raise ApiError(404, f"pipeline '{pipeline}' has no run '{run_id}'")

    def node(self, pipeline, run_id, node_id):
        run = self.run(pipeline, run_id)
        for n in run["nodes"]:
            if n["id"] == node_id:
                return run, n
        raise ApiError(404, f"run '{run_id}' of pipeline '{pipeline}' has no node '{node_id}'")

    def log_text(self, run, node, try_number):
        """The log so far: a line more each tick while the node runs, all of it once it ended."""
        lines = self.logs.get((run["run_id"], node["id"], try_number), [])
        if try_number < node["try_number"] or node["state"] in FINISHED:
            return "".join(lines)
        return "".join(lines[:node.get("log_lines", 0)])

    def start_log(self, run, node):
        """The log of a simulated try: the fixture run's, for this run, at this time."""
        stamp = iso(now())[:19] + "Z"
        lines = [re.sub(r"^\S+Z ", stamp + " ", line.replace(self.model_run_id, run["run_id"]))
                 for line in self.logs[(self.model_run_id, node["id"], 1)]]
        if node["id"] == self.fail_node and node["try_number"] <= 2:
            lines = lines[:3] + [f"{stamp} error: simulated failure of try {node['try_number']} "
                                 "(mock_server.py --fail)\n"]
        self.logs[(run["run_id"], node["id"], node["try_number"])] = lines

    # --- Changing.

    def new_run(self, conf):
        t = now()
        run_id = "manual__" + iso(t)[:19] + "Z"
        if any(r["run_id"] == run_id for r in self.runs):
            run_id = "manual__" + iso(t)  # Two triggers within a second.
        nodes = [dict(copy.deepcopy(n), state="none", try_number=0, execution_id=None,
                      started=None, ended=None, duration_ms=None, error=None, outputs=[])
                 for n in self.template]
        run = {"pipeline": "taxi", "run_id": run_id, "state": "queued", "trigger": "manual",
               "conf": conf, "logical_date": iso(t), "queued_at": iso(t), "started": None,
               "ended": None, "duration_ms": None, "nodes": nodes}
        self.runs.insert(0, run)
        return run

    def clear(self, run, node_id, downstream):
        cleared = {node_id}
        if downstream:
            changed = True
            while changed:
                changed = False
                for n in run["nodes"]:
                    if n["id"] not in cleared and cleared & set(n["upstream"]):
                        cleared.add(n["id"])
                        changed = True
        for n in run["nodes"]:
            if n["id"] in cleared:
                # Keeps try_number: the next attempt is the next try, as in Airflow.
                n.update(state="none", started=None, ended=None, duration_ms=None, error=None,
                         outputs=[], log_lines=0)
        run.update(state="queued", ended=None, duration_ms=None)
        return [n["id"] for n in run["nodes"] if n["id"] in cleared]

    def tick(self):
        with self.lock:
            if self.paused:
                return
            for run in self.runs:
                if run["state"] in ("queued", "running"):
                    self.advance(run)

    def advance(self, run):
        t = now()
        if run["state"] == "queued":
            run["state"] = "running"
            run["started"] = run["started"] or iso(t)
            return
        by_id = {n["id"]: n for n in run["nodes"]}
        running = [n for n in run["nodes"] if n["state"] == "running"]
        for n in running:
            n["log_lines"] = n.get("log_lines", 0) + 1
            total = len(self.logs[(run["run_id"], n["id"], n["try_number"])])
            if n["log_lines"] < min(total, 2):
                continue  # Still running: two ticks each, so a live tail has something to show.
            self.finish(n, t)
            return
        for n in run["nodes"]:
            ups = [by_id[u]["state"] for u in n["upstream"]]
            if n["state"] == "none" and any(s in ("failed", "upstream_failed") for s in ups):
                n["state"] = "upstream_failed"
            elif n["state"] == "none" and all(s in DONE_OK for s in ups):
                n["state"] = "queued"
        for n in run["nodes"]:
            if n["state"] == "up_for_retry":
                n["retry_wait"] -= 1
        ready = [n for n in run["nodes"]
                 if n["state"] == "queued" or (n["state"] == "up_for_retry" and n["retry_wait"] <= 0)]
        if ready:
            n = ready[0]
            n.update(state="running", try_number=n["try_number"] + 1, started=iso(t),
                     ended=None, duration_ms=None, error=None, log_lines=0,
                     execution_id=100 + len(self.runs) * 10 + run["nodes"].index(n))
            self.start_log(run, n)
            return
        if all(n["state"] in FINISHED for n in run["nodes"]):
            failed = any(n["state"] in ("failed", "upstream_failed") for n in run["nodes"])
            run["state"] = "failed" if failed else "success"
            run["ended"] = iso(t)
            started = datetime.datetime.strptime(run["started"], "%Y-%m-%dT%H:%M:%S.%fZ")
            run["duration_ms"] = int((t.replace(tzinfo=None) - started).total_seconds() * 1000)

    def finish(self, n, t):
        started = datetime.datetime.strptime(n["started"], "%Y-%m-%dT%H:%M:%S.%fZ")
        n["ended"] = iso(t)
        n["duration_ms"] = int((t.replace(tzinfo=None) - started).total_seconds() * 1000)
        if n["id"] == self.fail_node and n["try_number"] <= 2:
            n["state"] = "up_for_retry" if n["try_number"] == 1 else "failed"
            n["retry_wait"] = 3  # Ticks before the retry, so that the state can be seen.
            n["error"] = f"simulated failure of try {n['try_number']} (mock_server.py --fail)"
        else:
            n["state"] = "success"
            n["outputs"] = copy.deepcopy(self.outputs[n["id"]])


def run_summary(run):
    return {k: v for k, v in run.items() if k != "nodes"}


def public_run(run):
    """A run as the API shows it (without the simulation's bookkeeping)."""
    out = copy.deepcopy(run)
    for n in out["nodes"]:
        n.pop("log_lines", None)
        n.pop("retry_wait", None)
    return out


def statistics_view(artifact_id, data, split, compare):
    names = [d["name"] for d in data["datasets"]]
    for name in (split, compare):
        if name and name not in names:
            raise ApiError(400, f"no split '{name}' in artifact {artifact_id} "
                                f"(it has: {', '.join(names)})")
    if compare and not split:
        raise ApiError(400, "compare needs split: say which split to compare it with, "
                            "as in ?split=train&compare=eval")
    if compare:
        path = os.path.join(FIXTURES, "views", f"{artifact_id}.{split}-{compare}.json")
        if not os.path.exists(path):
            raise ApiError(400, f"the mock has no comparison of {split} with {compare}")
        return load("views", f"{artifact_id}.{split}-{compare}.json")
    if split:
        return {"datasets": [d for d in data["datasets"] if d["name"] == split]}
    return data


class Handler(BaseHTTPRequestHandler):
    world = None  # Set by main().
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)

    def send(self, status, body, media_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def handle_request(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        try:
            if method == "GET" and path in STATIC:
                file, media_type = STATIC[path]
                if not os.path.exists(file):
                    raise ApiError(404, f"{file} does not exist")
                with open(file, "rb") as f:
                    return self.send(200, f.read(), media_type)
            if not path.startswith("/api/"):
                raise ApiError(404, f"no such page: {path}")
            parts = [urllib.parse.unquote(p) for p in path[len("/api/"):].split("/")]
            body = None
            if method == "POST":
                if self.headers.get("X-Weir-CSRF") != self.world.csrf:
                    raise ApiError(403, "missing or stale X-Weir-CSRF header: reload the page")
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError as e:
                    raise ApiError(400, f"request body is not JSON: {e}")
                if not isinstance(body, dict):
                    raise ApiError(400, "request body must be a JSON object, e.g. {}")
            with self.world.lock:
                result = self.route(method, parts, query, body)
            if isinstance(result, str):
                return self.send(200, result, "image/svg+xml")
            self.send(200, result)
        except ApiError as e:
            self.send(e.status, {"error": str(e)})
        except (KeyError, ValueError, IndexError) as e:
            self.send(400, {"error": f"bad request: {e!r}"})

    def route(self, method, parts, query, body):
        w = self.world
        match (method, parts):
            case ("GET", ["session"]):
                return {"csrf_token": w.csrf, "user": None, "auth_required": False}
            case ("GET", ["pipelines"]):
                return {"pipelines": [w.pipeline("taxi", False)], "broken": [BROKEN_FILE]}
            case ("GET", ["pipelines", name]):
                return w.pipeline(name, True)
            case ("GET", ["pipelines", name, "graph.svg"]):
                w.pipeline(name, False)
                return load("graph.svg")
            case ("POST", ["pipelines", name, ("pause" | "unpause") as action]):
                w.pipeline(name, False)
                w.paused = action == "pause"
                return {"name": name, "paused": w.paused}
            case ("POST", ["pipelines", name, "trigger"]):
                w.pipeline(name, False)
                conf = body.get("conf", {})
                if not isinstance(conf, dict):
                    raise ApiError(400, "conf must be a JSON object")
                return {"run_id": w.new_run(conf)["run_id"]}
            case ("GET", ["runs"]):
                runs = [r for r in w.runs if query.get("pipeline", r["pipeline"]) == r["pipeline"]]
                return {"runs": [run_summary(r) for r in runs[:int(query.get("limit", 100))]]}
            case ("GET", ["runs", pipeline, run_id]):
                return public_run(w.run(pipeline, run_id))
            case ("GET", ["runs", pipeline, run_id, "nodes", node_id, "log"]):
                run, node = w.node(pipeline, run_id, node_id)
                tries = max(node["try_number"], 1)
                try_number = int(query.get("try", tries))
                if not 1 <= try_number <= tries:
                    raise ApiError(400, f"node '{node_id}' has tries 1 to {tries}, not {try_number}")
                text = w.log_text(run, node, try_number).encode()
                offset = int(query.get("offset", 0))
                chunk = text[offset:offset + (1 << 20)]
                complete = try_number < node["try_number"] or node["state"] in FINISHED
                return {"text": chunk.decode(errors="replace"), "offset": offset,
                        "next_offset": offset + len(chunk), "complete": complete,
                        "tries": tries}
            case ("POST", ["runs", pipeline, run_id, "nodes", node_id, "clear"]):
                run, _ = w.node(pipeline, run_id, node_id)
                return {"cleared": w.clear(run, node_id, bool(body.get("downstream")))}
            case ("POST", ["runs", pipeline, run_id, "nodes", node_id, "mark_success"]):
                _, node = w.node(pipeline, run_id, node_id)
                node.update(state="success", error=None)
                return {"node": node_id, "state": "success"}
            case ("GET", ["artifacts", artifact_id, *rest]) if re.fullmatch(r"\d+", artifact_id):
                path = os.path.join(FIXTURES, "artifacts", artifact_id + ".json")
                if not os.path.exists(path):
                    raise ApiError(404, f"no artifact {artifact_id}")
                artifact = load("artifacts", artifact_id + ".json")
                if rest == []:
                    return artifact
                if rest == ["lineage"]:
                    return load("lineage", artifact_id + ".json")
                if rest == ["view"]:
                    view = load("views", artifact_id + ".json")
                    if view["kind"] == "statistics":
                        view["data"] = statistics_view(artifact_id, view["data"],
                                                       query.get("split"), query.get("compare"))
                    return {"kind": view["kind"], "artifact": artifact, "data": view["data"]}
        raise ApiError(404, f"no API endpoint {method} /api/{'/'.join(parts)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--step", type=float, default=1.0,
                        help="seconds between simulation steps (default 1)")
    parser.add_argument("--fail", metavar="NODE", help="make this node fail in triggered runs")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args()
    world = World(args.step, args.fail)
    Handler.world = world
    Handler.quiet = args.quiet
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    stop = threading.Event()

    def ticker():
        while not stop.wait(args.step):
            world.tick()

    thread = threading.Thread(target=ticker)
    thread.start()
    print(f"mock weir webserver on http://{args.host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        thread.join()
        server.server_close()


if __name__ == "__main__":
    main()
