"""The Procedure Ledger benchmark (issue 10, section 4): today's code on the product's own demo year.

    .venv/bin/python bench/run.py --sizes 10k,100k --stores sqlite[,postgres] [--out bench/results]
    .venv/bin/python bench/run.py --sizes 2k --quick          # under a minute; checks every figure is there

For each store and size, in a fresh temporary store (a new SQLite file, or a new schema on the
PostgreSQL server of LEDGER_TEST_POSTGRES_URL / --postgres-url, dropped afterwards):

1. the workload: exactly N lines of the demo year (`bench/workload.py`: the lines `ledger demo`
   imports), written to a JSON Lines file;
2. each `ledger` command as its own subprocess (`bench/step.py`, which is the `ledger` console
   script plus timings): import, rebuild, violations (JSON to stdout, the verifiable JSON report,
   XLSX), violations as of a past date, delays, the scorecard over a year, one case's history,
   verify, verify --full. For each: wall time of the process, the command's own time measured
   inside it, CPU time and peak RSS (`os.wait4`), events/s;
3. in the same run, the baselines (`bench/baselines.py`): raw sqlite3 (and psycopg on PostgreSQL)
   inserting the same stored-event rows in one transaction, and the library's `Application.save`
   1,000 events per save; every events/s figure is also given as a ratio to them;
4. the case page of a 200-event case and the dashboard (`bench/web_probe.py`, Flask's test client);
5. API appends through gunicorn on 127.0.0.1 from a second process (`bench/api_load.py`).

Results: one JSON file per size, bench/results/<date>-<host>-<size>.json (schema in bench/README.md);
a run on another store of the same date, host and size is merged into the same file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SCHEMA = "procedure-ledger-bench/1"
MB = 1024 * 1024

#: The targets of issue 10 (set for 1M events on SQLite; at other sizes they are indicative).
#: (name, figure path, comparison, limit, stores it applies to or None for every store)
TARGETS: list[tuple[str, str, str, float, tuple[str, ...] | None]] = [
    ("import >= 20,000 events/s end to end", "steps.import.events_per_s", ">=", 20_000, ("sqlite",)),
    ("import >= 0.4x the library's Application.save", "steps.import.ratio_to_library_save", ">=", 0.4, None),
    ("rebuild >= 40,000 events/s", "steps.rebuild.events_per_s", ">=", 40_000, ("sqlite",)),
    ("import peak RSS <= 500 MB", "steps.import.peak_rss_mb", "<=", 500, None),
    ("rebuild peak RSS <= 500 MB", "steps.rebuild.peak_rss_mb", "<=", 500, None),
    ("violations JSON <= 2 s", "steps.violations_json.wall_s", "<=", 2, None),
    ("as-of violations <= 5 s", "steps.violations_as_of.wall_s", "<=", 5, None),
    ("scorecard for a year <= 5 s", "steps.scorecard_year.wall_s", "<=", 5, None),
    ("verify <= 10 s", "steps.verify.wall_s", "<=", 10, None),
    ("verify --full <= 60 s", "steps.verify_full.wall_s", "<=", 60, None),
    ("verify --full peak RSS <= 500 MB", "steps.verify_full.peak_rss_mb", "<=", 500, None),
    ("store <= 700 bytes per event", "storage.bytes_per_event", "<=", 700, None),
    ("one-case history <= 0.5 s", "steps.history_one_case.wall_s", "<=", 0.5, None),
    ("one registry event costs no more than a case event", "appends.registry_over_case", "<=", 1.0, None),
    ("case page (200 events) median <= 100 ms", "web.case_page.median_s", "<=", 0.1, None),
    ("dashboard (cold) median <= 1 s", "web.dashboard.cold.median_s", "<=", 1.0, None),
    ("API appends >= 300/s", "api.rate_per_s", ">=", 300, None),
    ("API append p99 <= 100 ms", "api.latency.p99_s", "<=", 0.1, None),
    ("PostgreSQL import >= 8,000 events/s", "steps.import.events_per_s", ">=", 8_000, ("postgres",)),
    ("PostgreSQL rebuild >= 15,000 events/s", "steps.rebuild.events_per_s", ">=", 15_000, ("postgres",)),
]

#: Every figure a complete run holds (checked by `--quick`, and at the end of every run).
STEP_NAMES = ("import", "rebuild", "violations_json", "violations_report_json", "violations_xlsx",
              "violations_as_of", "delays", "scorecard_year", "history_one_case", "verify", "verify_full")
STEP_FIGURES = ("wall_s", "command_s", "startup_s", "cpu_s", "command_cpu_s", "peak_rss_mb", "events_per_s",
                "events_per_s_command", "cpu_us_per_event", "cpu_us_per_event_command", "ratio_to_library_save",
                "ratio_to_raw_sqlite3")
REQUIRED = [
    "workload.events", "workload.seconds", "storage.bytes_per_event",
    "baselines.raw_sqlite3.events_per_s", "baselines.library_save.events_per_s",
    *(f"steps.{step}.{figure}" for step in STEP_NAMES for figure in STEP_FIGURES),
    "web.case_page.median_s", "web.case_page.p95_s", "web.dashboard.cold.median_s", "web.dashboard.cold.p95_s",
    "web.dashboard.warm.median_s", "web.dashboard.warm.p95_s", "web.dashboard.charts_after_cold.median_s",
    "web.peak_rss_mb", "api.rate_per_s", "api.latency.median_s", "api.latency.p95_s", "api.latency.p99_s",
    "api.appended",
]


# --- small helpers ---------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (write 10k, 100k, 1M or a number)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def size_label(events: int) -> str:
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    if events % 1_000 == 0:
        return f"{events // 1_000}k"
    return str(events)


def host_label() -> str:
    name = re.sub(r"[^a-z0-9]+", "-", socket.gethostname().lower()).strip("-")[:16] or "host"
    return f"{name}-{os.cpu_count()}c"


def get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def missing_figures(run: dict[str, Any]) -> list[str]:
    required = list(REQUIRED)
    if run.get("store") == "postgres":
        required.append("baselines.raw_postgres.events_per_s")
    return [path for path in required if not isinstance(get(run, path), (int, float))]


def masked(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def git_commit() -> dict[str, Any]:
    """Read-only: HEAD and whether the work tree differs (no index refresh is written)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10,
                              check=False)
        status = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
                                cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
        return {"commit": head.stdout.strip() or None, "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def host_info() -> dict[str, Any]:
    memory = None
    with contextlib.suppress(OSError):  # no /proc here: the memory goes unreported, not guessed
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) // 1024
    return {"name": socket.gethostname(), "label": host_label(), "cpus": os.cpu_count(), "memory_mb": memory,
            "platform": platform.platform(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def package_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found: dict[str, str | None] = {}
    for name in ("procedure-ledger", "eventsourcing", "eventsourcing-sqlalchemy", "SQLAlchemy", "psycopg", "Flask",
                 "gunicorn"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


# --- running one process ------------------------------------------------------------------------------


def run_child(command: list[str], env: dict[str, str], *, stdout: Path, stderr: Path,
              timeout: float) -> dict[str, Any]:
    """Run `command`, and return its wall time and, from `os.wait4`, its CPU time and peak RSS."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT)
        outcome: dict[str, Any] = {}

        def reap() -> None:
            _, status, usage = os.wait4(process.pid, 0)
            outcome["wall_s"] = time.perf_counter() - started
            outcome["status"] = status
            outcome["usage"] = usage

        reaper = threading.Thread(target=reap, daemon=True)
        reaper.start()
        reaper.join(timeout)
        if reaper.is_alive():
            process.kill()
            reaper.join()
            outcome["timed_out"] = True
    usage = outcome["usage"]
    code = os.waitstatus_to_exitcode(outcome["status"])
    process.returncode = code  # reaped here, not by Popen
    return {
        "wall_s": round(outcome["wall_s"], 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss * 1024 / MB, 1),  # Linux: kilobytes
        "exit_code": code,
        **({"timed_out": True} if outcome.get("timed_out") else {}),
    }


class Bench:
    """One store at one size: the temporary store, its environment and the results so far."""

    def __init__(self, args: argparse.Namespace, store: str, events: int, workdir: Path) -> None:
        self.args, self.store, self.events, self.workdir = args, store, events, workdir
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.schema: str | None = None
        if store == "sqlite":
            self.url = f"sqlite:///{workdir / 'ledger.db'}"
        else:
            base = args.postgres_url
            self.schema = f"bench_{uuid.uuid4().hex[:12]}"
            self.url = f"{base}{'&' if '?' in base else '?'}schema={self.schema}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        self.env.update({"LEDGER_KEY_FILE": str(workdir / "ledger.key"), "PYTHONUNBUFFERED": "1",
                         "LEDGER_ARGON2_PROFILE": "test"})  # cheap hashing of the probe's one login
        self.run: dict[str, Any] = {"store": store, "url": masked(self.url), "events": events,
                                    "quick": bool(args.quick), "steps": {}, "failures": []}

    def say(self, text: str) -> None:
        print(f"[{self.store} {size_label(self.events)}] {text}", flush=True)

    def fail(self, what: str, detail: str) -> None:
        self.run["failures"].append(f"{what}: {detail}")
        self.say(f"FAILED {what}: {detail}")

    def tail(self, path: Path, limit: int = 600) -> str:
        try:
            return path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return ""

    # --- the steps ---------------------------------------------------------------------------------

    def workload(self) -> Path:
        path = self.workdir / "workload.jsonl"
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path;"
                " from workload import write_workload, SEED;"
                " print(json.dumps(write_workload(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))")
        out = self.logs / "workload.out"
        result = run_child([PYTHON, "-c", code, str(BENCH), str(path), str(self.events), str(self.args.seed)],
                           self.env, stdout=out, stderr=self.logs / "workload.err", timeout=1800)
        if result["exit_code"] != 0:
            raise RuntimeError(f"the workload was not made: {self.tail(self.logs / 'workload.err')}")
        made = json.loads(out.read_text())
        self.run["workload"] = {**made, "seconds": result["wall_s"], "seed": self.args.seed,
                                "source": "bench/workload.py: the lines `ledger demo` imports (registry first),"
                                          " first N in claimed-time order"}
        self.say(f"workload: {made['events']} events ({made['cases_generated']} cases generated),"
                 f" {made['bytes'] / MB:.1f} MB, {result['wall_s']:.1f} s")
        return path

    def step(self, name: str, args: list[str], *, timeout: float = 3600) -> dict[str, Any] | None:
        timings = self.logs / f"{name}.timings.json"
        out = self.workdir / f"{name}.out"
        env = {**self.env, "BENCH_STEP_TIMINGS": str(timings)}
        command = [PYTHON, str(BENCH / "step.py"), "--db", self.url, *args]
        result = run_child(command, env, stdout=out, stderr=self.logs / f"{name}.err", timeout=timeout)
        inner = json.loads(timings.read_text()) if timings.exists() else {}
        result["command_s"] = round(inner["command_s"], 4) if "command_s" in inner else None
        result["command_cpu_s"] = round(inner["command_cpu_s"], 4) if "command_cpu_s" in inner else None
        result["import_modules_s"] = round(inner["import_s"], 4) if "import_s" in inner else None
        if result["command_s"] is not None:
            result["startup_s"] = round(result["wall_s"] - result["command_s"], 4)
        result["output_bytes"] = out.stat().st_size if out.exists() else None
        result["args"] = ["ledger", *args]
        self.run["steps"][name] = result
        if result["exit_code"] != 0:
            self.fail(name, f"exit {result['exit_code']}: {self.tail(self.logs / f'{name}.err')}")
            return None
        self.say(f"{name:<24} {result['wall_s']:8.2f} s wall, {result['command_s']:8.2f} s in the command,"
                 f" {result['peak_rss_mb']:7.1f} MB peak RSS")
        return result

    def store_bytes(self) -> int | None:
        if self.store == "sqlite":
            return sum(p.stat().st_size for p in self.workdir.glob("ledger.db*"))
        import psycopg

        with psycopg.connect(self.conninfo()) as con:
            row = con.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                              " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
                              " AND c.relkind IN ('r', 'm')", (self.schema,)).fetchone()
        return int(row[0]) if row else None

    def conninfo(self) -> str:
        from sqlalchemy.engine import make_url

        url = make_url(self.args.postgres_url)
        return (f"host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username}"
                f" password={url.password or ''} dbname={url.database}")

    def baselines(self) -> None:
        out = self.logs / "baselines.out"
        result = run_child([PYTHON, str(BENCH / "baselines.py"), "--store", self.url, "--events", str(self.events),
                            "--workdir", str(self.workdir)], self.env, stdout=out,
                           stderr=self.logs / "baselines.err", timeout=3600)
        if result["exit_code"] != 0:
            self.fail("baselines", self.tail(self.logs / "baselines.err"))
            return
        self.run["baselines"] = {**json.loads(out.read_text()), "peak_rss_mb": result["peak_rss_mb"]}
        b = self.run["baselines"]
        self.say(f"baselines: raw sqlite3 {b['raw_sqlite3']['events_per_s']:,.0f} ev/s,"
                 f" library save {b['library_save']['events_per_s']:,.0f} ev/s")

    def appends(self, today: date, repeats: int = 5) -> None:
        """`ledger import` of one line of each kind (`append_lines`), the case and registry kinds
        `repeats` times in turn (median: one append is a few tens of ms, and these machines are
        noisy): the command's own time, the read models' catch-up included. A registry event should
        cost what a case event does; a declared calendar day re-judges the cases around it."""
        times: dict[str, list[float]] = {"case": [], "registry": [], "calendar_day": []}
        for n in range(repeats):
            for kind, line in append_lines(today, n).items():
                if kind == "calendar_day" and n:
                    continue
                path = self.workdir / f"append-{kind}-{n}.jsonl"
                path.write_text(line + "\n", encoding="utf-8")
                result = self.step(f"append_{kind}", ["import", str(path)], timeout=1800)
                self.run["steps"].pop(f"append_{kind}", None)  # one event: no events/s of the workload's size
                if result and result.get("command_s") is not None:
                    times[kind].append(result["command_s"])
        figures: dict[str, Any] = {f"{kind}_s": round(statistics.median(t), 4) if t else None
                                   for kind, t in times.items()}
        figures["repeats"] = repeats
        if figures["case_s"] and figures["registry_s"]:
            figures["registry_over_case"] = round(figures["registry_s"] / figures["case_s"], 2)
        self.run["appends"] = figures

    def web(self) -> None:
        out = self.logs / "web.out"
        requests, cold = (5, 2) if self.args.quick else (self.args.web_requests, self.args.web_cold)
        result = run_child([PYTHON, str(BENCH / "web_probe.py"), "--db", self.url, "--requests", str(requests),
                            "--cold", str(cold)], self.env, stdout=out, stderr=self.logs / "web.err", timeout=3600)
        if result["exit_code"] != 0:
            self.fail("web", self.tail(self.logs / "web.err"))
            return
        self.run["web"] = {**json.loads(out.read_text()), "wall_s": result["wall_s"],
                           "peak_rss_mb": result["peak_rss_mb"]}
        w = self.run["web"]
        self.say(f"case page median {w['case_page']['median_s'] * 1000:.0f} ms; dashboard cold median"
                 f" {w['dashboard']['cold']['median_s']:.2f} s, warm {w['dashboard']['warm']['median_s'] * 1000:.0f} ms")

    def api(self) -> None:
        token_file = self.workdir / "token"
        made = self.step("token_create", ["token", "create", "--official", "sxd.clerk"])
        self.run["steps"].pop("token_create", None)
        if made is None:
            return
        token_file.write_text((self.workdir / "token_create.out").read_text().strip().splitlines()[0])
        port = free_port()
        env = {**self.env, "LEDGER_DATABASE_URL": self.url, "LEDGER_SECRET_KEY": uuid.uuid4().hex,
               "LEDGER_COOKIE_SECURE": "0"}
        gunicorn = Path(PYTHON).parent / "gunicorn"
        workers = self.args.gunicorn_workers
        log = (self.logs / "gunicorn.log").open("wb")
        server = subprocess.Popen([str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                   "--no-control-socket", "--timeout", "120", "web:create_app()"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            if not wait_healthy(port, server, timeout=120):
                self.fail("api", f"gunicorn did not answer: {self.tail(self.logs / 'gunicorn.log')}")
                return
            requests, seconds = (200, 10.0) if self.args.quick else (self.args.api_requests, self.args.api_seconds)
            out = self.logs / "api.out"
            result = run_child([PYTHON, str(BENCH / "api_load.py"), "--port", str(port), "--token-file",
                                str(token_file), "--requests", str(requests), "--seconds", str(seconds),
                                "--clients", str(self.args.api_clients)], self.env, stdout=out,
                               stderr=self.logs / "api.err", timeout=seconds + 600)
            worker_rss = gunicorn_workers_peak_rss(server.pid)
            if result["exit_code"] != 0:
                self.fail("api", self.tail(self.logs / "api.err"))
                return
            self.run["api"] = {**json.loads(out.read_text()), "server": "gunicorn (sync workers)",
                               "workers": workers, "worker_peak_rss_mb": worker_rss,
                               "client_peak_rss_mb": result["peak_rss_mb"]}
            a = self.run["api"]
            if a["appended"] != a["requests"]:
                self.fail("api", f"{a['requests'] - a['appended']} request(s) not appended: {a['statuses']}"
                                 f" {a['errors_sample'][:2]}")
            self.say(f"API: {a['appended']} appended in {a['seconds']:.1f} s = {a['rate_per_s']:.0f}/s, p99"
                     f" {a['latency']['p99_s'] * 1000:.0f} ms")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()

    # --- the whole run -----------------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        began = time.perf_counter()
        self.run["started"] = datetime.now(LOCAL_TZ).isoformat(timespec="seconds")
        self.run["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
        workload = self.workload()
        reference = first_case(workload)
        today = datetime.now(LOCAL_TZ).date()
        as_of = today - timedelta(days=90)
        year_from = today - timedelta(days=364)
        self.run["parameters"] = {"today": today.isoformat(), "as_of_past": as_of.isoformat(),
                                  "scorecard_from": year_from.isoformat(), "scorecard_to": today.isoformat(),
                                  "history_case": reference}
        if self.step("import", ["import", str(workload)]) is None:
            return self.finish(began)
        size = self.store_bytes()
        self.run["storage"] = {"bytes_after_import": size, "bytes_per_event": round(size / self.events, 1) if size else None}
        self.baselines()
        self.step("rebuild", ["rebuild"])
        self.step("violations_json", ["violations", "--format", "json"])
        self.step("violations_report_json", ["violations", "--format", "json", "-o", str(self.workdir / "report.json")])
        self.step("violations_xlsx", ["violations", "--format", "xlsx", "-o", str(self.workdir / "report.xlsx")])
        self.step("violations_as_of", ["violations", "--as-of", as_of.isoformat(), "--format", "json"])
        self.step("delays", ["delays", "--format", "json"])
        self.step("scorecard_year", ["scorecard", "--from", year_from.isoformat(), "--to", today.isoformat(),
                                     "--format", "json"])
        self.step("history_one_case", ["history", reference, "--format", "json"])
        self.step("verify", ["verify"])
        self.step("verify_full", ["verify", "--full"])
        self.appends(today)
        size = self.store_bytes()
        self.run["storage"]["bytes_after_rebuild"] = size
        self.web()
        self.api()
        return self.finish(began)

    def finish(self, began: float) -> dict[str, Any]:
        self.derive()
        self.run["seconds"] = round(time.perf_counter() - began, 1)
        self.run["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        self.run["targets"] = judge_targets(self.run)
        self.run["missing"] = missing_figures(self.run)
        return self.run

    def derive(self) -> None:
        """events/s, CPU per event and the ratios to the baselines, for every step."""
        library = get(self.run, "baselines.library_save.events_per_s")
        raw = get(self.run, "baselines.raw_sqlite3.events_per_s")
        raw_pg = get(self.run, "baselines.raw_postgres.events_per_s")
        for result in self.run["steps"].values():
            if result.get("exit_code") != 0:
                continue
            n = self.events
            result["events_per_s"] = round(n / result["wall_s"], 1)
            result["events_per_s_command"] = round(n / result["command_s"], 1) if result.get("command_s") else None
            result["cpu_us_per_event"] = round(result["cpu_s"] / n * 1e6, 1)
            if result.get("command_cpu_s") is not None:
                result["cpu_us_per_event_command"] = round(result["command_cpu_s"] / n * 1e6, 1)
            result["ratio_to_library_save"] = round(result["events_per_s"] / library, 4) if library else None
            result["ratio_to_raw_sqlite3"] = round(result["events_per_s"] / raw, 5) if raw else None
            if raw_pg:
                result["ratio_to_raw_postgres"] = round(result["events_per_s"] / raw_pg, 5)


def append_lines(today: date, n: int = 0) -> dict[str, str]:
    """One event of each kind, claimed an hour ago (`n` makes the ids new): a case event (a new
    case), a registry event no case has read (a new official), and a calendar day declared a month
    ago (every case whose working-day counts cover that day is judged again)."""
    now = datetime.now(LOCAL_TZ).replace(microsecond=0)
    at = (now - timedelta(hours=1)).isoformat()
    day = today - timedelta(days=30)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    stamp = f"{now:%H%M%S}-{n}"
    return {
        "case": json.dumps({"type": "CaseOpened", "case": f"BENCH-{stamp}", "procedure": "JUDICIAL_RECORD",
                            "title": "bench", "applicant": {"name": "bench", "kind": "citizen"},
                            "by": "vp.clerk", "at": at}),
        "registry": json.dumps({"type": "OfficialAppointed", "official": f"bench.{stamp}", "name": "bench",
                                "agency": "SXD", "role": "specialist", "at": at}),
        "calendar_day": json.dumps({"type": "CalendarDayDeclared", "date": day.isoformat(), "working": False,
                                    "reference": "bench", "at": at}),
    }


def judge_targets(run: dict[str, Any]) -> list[dict[str, Any]]:
    judged = []
    for name, path, comparison, limit, stores in TARGETS:
        if stores is not None and run["store"] not in stores:
            continue
        value = get(run, path)
        met = None if not isinstance(value, (int, float)) else (value >= limit if comparison == ">=" else value <= limit)
        judged.append({"target": name, "figure": path, "limit": f"{comparison} {limit:g}", "value": value, "met": met})
    return judged


def first_case(workload: Path) -> str:
    with workload.open(encoding="utf-8") as lines:
        for line in lines:
            found = json.loads(line).get("case")
            if found:
                return str(found)
    raise RuntimeError("the workload holds no case")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, server: subprocess.Popen[bytes], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def gunicorn_workers_peak_rss(master: int) -> float | None:
    """The largest peak RSS (VmHWM) of the gunicorn master's worker processes, while they live."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return None
    peaks = []
    for child in children:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(max(peaks), 1) if peaks else None


def drop_schema(conninfo: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- results ------------------------------------------------------------------------------------------


def write_result(out: Path, events: int, run: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    day = datetime.now(LOCAL_TZ).date().isoformat()
    # Named by the commit measured too: two stops' runs on the same day keep their own files.
    commit = (git_commit()["commit"] or "nogit")[:7]
    path = out / f"{day}-{host_label()}-{size_label(events)}-{commit}.json"
    document: dict[str, Any] = {}
    if path.exists():
        try:
            document = json.loads(path.read_text())
        except ValueError:
            document = {}
    if document.get("schema") != SCHEMA:
        document = {}
    document.update({"schema": SCHEMA, "date": day, "size": events, "size_label": size_label(events),
                     "host": host_info(), "git": git_commit(), "packages": package_versions()})
    document.setdefault("stores", {})[run["store"]] = run
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def summary_table(runs: list[dict[str, Any]]) -> str:
    header = ("| store | events | import ev/s | ×lib save | rebuild ev/s | import RSS MB | rebuild RSS MB |"
              " viol. JSON s | as-of s | scorecard s | verify s | verify --full s | case page ms | dashboard cold s |"
              " API /s | API p99 ms |")
    columns = [("steps.import.events_per_s", "{:,.0f}", 1.0), ("steps.import.ratio_to_library_save", "{:.3f}", 1.0),
               ("steps.rebuild.events_per_s", "{:,.0f}", 1.0), ("steps.import.peak_rss_mb", "{:,.0f}", 1.0),
               ("steps.rebuild.peak_rss_mb", "{:,.0f}", 1.0), ("steps.violations_json.wall_s", "{:.2f}", 1.0),
               ("steps.violations_as_of.wall_s", "{:.2f}", 1.0), ("steps.scorecard_year.wall_s", "{:.2f}", 1.0),
               ("steps.verify.wall_s", "{:.2f}", 1.0), ("steps.verify_full.wall_s", "{:.2f}", 1.0),
               ("web.case_page.median_s", "{:.0f}", 1000.0), ("web.dashboard.cold.median_s", "{:.2f}", 1.0),
               ("api.rate_per_s", "{:,.0f}", 1.0), ("api.latency.p99_s", "{:.0f}", 1000.0)]
    rows = [header, "|" + "---|" * 16]
    for run in runs:
        cells = [run["store"], f"{run['events']:,}"]
        for path, fmt, scale in columns:
            value = get(run, path)
            cells.append(fmt.format(value * scale) if isinstance(value, (int, float)) else "—")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description="The Procedure Ledger benchmark (see bench/README.md).")
    parser.add_argument("--sizes", default="10k", help="comma-separated event counts: 2k, 10k, 100k, 1M")
    parser.add_argument("--stores", default="sqlite", help="sqlite, postgres or both, comma-separated")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the JSON goes (default bench/results; with --quick a temporary folder)")
    parser.add_argument("--postgres-url", default=os.environ.get("LEDGER_TEST_POSTGRES_URL"),
                        help="PostgreSQL server and database (default: $LEDGER_TEST_POSTGRES_URL); each size gets"
                             " a fresh schema in it, dropped afterwards")
    parser.add_argument("--quick", action="store_true",
                        help="few requests (web 5, API 200 or 10 s): a check that every figure is produced")
    parser.add_argument("--seed", type=int, default=2024, help="the demo generator's seed (as `ledger demo`)")
    parser.add_argument("--web-requests", type=int, default=20, help="timed requests of each page (warm)")
    parser.add_argument("--web-cold", type=int, default=5, help="dashboard requests with an emptied cache")
    parser.add_argument("--api-requests", type=int, default=2000)
    parser.add_argument("--api-seconds", type=float, default=30.0)
    parser.add_argument("--api-clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep each temporary store (and say where)")
    args = parser.parse_args()

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    for store in stores:
        if store not in ("sqlite", "postgres"):
            parser.error(f"unknown store {store!r}: sqlite or postgres")
    if "postgres" in stores and not args.postgres_url:
        parser.error("postgres needs a server: set LEDGER_TEST_POSTGRES_URL or pass --postgres-url")
    out = args.out or (Path(tempfile.mkdtemp(prefix="ledger-bench-quick-")) if args.quick else BENCH / "results")

    runs, written, problems = [], [], 0
    for store in stores:
        for events in sizes:
            workdir = Path(tempfile.mkdtemp(prefix=f"ledger-bench-{store}-{size_label(events)}-"))
            bench = Bench(args, store, events, workdir)
            try:
                run = bench.execute()
            except Exception as error:  # noqa: BLE001 - recorded, and the next size still runs
                bench.fail("run", repr(error))
                run = bench.finish(time.perf_counter())
            finally:
                if bench.schema and not args.keep:
                    try:
                        drop_schema(bench.conninfo(), bench.schema)
                    except Exception as error:  # noqa: BLE001
                        print(f"could not drop schema {bench.schema}: {error}", file=sys.stderr)
                if args.keep:
                    print(f"kept {workdir}" + (f" and schema {bench.schema}" if bench.schema else ""))
                else:
                    shutil.rmtree(workdir, ignore_errors=True)
            path = write_result(out, events, run)
            runs.append(run)
            written.append(path)
            if run["missing"] or run["failures"]:
                problems += 1
                print(f"INCOMPLETE {store} {size_label(events)}: missing {run['missing']}; failures {run['failures']}")
            missed = [t["target"] for t in run["targets"] if t["met"] is False]
            print(f"[{store} {size_label(events)}] {len(run['targets']) - len(missed)} of {len(run['targets'])}"
                  f" targets met; missed: {'; '.join(missed) or 'none'}")
    print()
    print(summary_table(runs))
    print()
    for path in written:
        print(f"results: {path}")
    if args.quick:
        print("quick check: " + ("every figure present" if not problems else f"{problems} run(s) incomplete"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
