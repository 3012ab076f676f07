"""Profile `ledger import`, `ledger rebuild` (and the API under load) with py-spy; summarise the shares.

    .venv/bin/pip install py-spy          # once (a PyPI package)
    .venv/bin/python bench/profiling.py --size 100k [--store sqlite] [--rate 100] [--out bench/results/profile]

In a fresh temporary store (as `bench/run.py` makes them) it writes the workload, then runs
`py-spy record --format raw --nolineno` over `bench/step.py import FILE` and then over
`bench/step.py rebuild` (the same `ledger` commands `run.py` times), and writes for each:

- `<date>-<host>-<store>-<size>-<command>.collapsed.gz`: the sampled stacks, one line per distinct
  stack with its count (Brendan Gregg's collapsed format, gzipped: `flamegraph.pl`, speedscope and
  inferno read it once unzipped);
- `<...>-<command>.txt`: the summary: the share of samples in which each function is on the stack
  ("total", counted once per sample) and at its top ("self"), the largest first, for the
  project's own code and for everything.

`--what api` also profiles the gunicorn workers (`py-spy record --subprocesses --idle`) while
`bench/api_load.py` appends for `--api-seconds`; its summary counts only the samples taken inside a
request (`Flask.wsgi_app` on the stack), waiting on the database included.

Timings under the profiler are slower than `run.py`'s (sampling costs a little); use `run.py` for
the figures and this for the shares.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime
from itertools import pairwise
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import LOCAL_TZ, PYTHON, host_label, parse_size, size_label  # noqa: E402  (bench/ is a folder of scripts, not a package)

FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*)\)$")


def short(frame: str) -> str:
    """`function (path/to/module.py)` → `function (ledger/module.py)`: paths from the package root."""
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "lib/python3.":
                path = "stdlib/" + path.split("/", 1)[-1]
            break
    return f"{match.group('function')} ({path})"


def short_name(frame: str) -> str:
    return frame.split(" (", 1)[0]


def summarise(collapsed: Path, title: str, top: int = 30, within: str | None = None) -> str:
    """The shares of `collapsed`'s samples; with `within`, only the samples whose stack holds a
    frame whose name starts with it (the requests of a server, not its idle loops)."""
    total_samples = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    callees: dict[str, Counter[str]] = {}
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [short(f) for f in stack.split(";")]
        # py-spy puts the process and thread first ("process 123:\"python ...\"", "thread (0x..)")
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or within is not None and not any(f.startswith(within) for f in frames):
            continue
        total_samples += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
        seen: set[tuple[str, str]] = set()
        for caller, callee in pairwise(frames):
            if (caller, callee) not in seen:  # recursion counted once per sample
                seen.add((caller, callee))
                callees.setdefault(caller, Counter())[callee] += count

    def table(counter: Counter[str], keep: str | None) -> list[str]:
        rows = [(n, f) for f, n in counter.most_common() if keep is None or any(k in f for k in keep.split("|"))]
        return [f"{100 * n / total_samples:6.1f}%  {f}" for n, f in rows[:top]]

    breakdown = []
    for frame, n in inclusive.most_common():
        if not ("(ledger/" in frame or "(web/" in frame) or n < 0.08 * total_samples or "(ledger/cli/" in frame:
            continue
        below = ", ".join(f"{short_name(c)} {100 * k / total_samples:.1f}%" for c, k in callees.get(frame, Counter()).most_common(6))
        breakdown.append(f"{100 * n / total_samples:6.1f}%  {short_name(frame)} -> {below}")
    parts = [f"{title}: {total_samples} samples", "",
             "On the stack (total), the project's own code (ledger/, web/):",
             *table(inclusive, "(ledger/|(web/"), "",
             "The project's functions on >= 8% of the stacks, and their direct callees (share of all samples):",
             *breakdown, "",
             "On the stack (total), everything:", *table(inclusive, None), "",
             "At the top of the stack (self), everything:", *table(own, None)]
    return "\n".join(parts) + "\n"


def record(name: str, args: list[str], env: dict[str, str], out: Path, rate: int) -> Path:
    collapsed = out.with_name(out.name + f"-{name}.collapsed")
    spy = Path(PYTHON).parent / "py-spy"
    if not spy.exists():
        spy = Path(shutil.which("py-spy") or "py-spy")
    command = [str(spy), "record", "--format", "raw", "--nolineno", "--rate", str(rate), "--output",
               str(collapsed), "--", PYTHON, str(BENCH / "step.py"), *args]
    print("$ " + " ".join(command), flush=True)
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return collapsed


def record_api(env: dict[str, str], url: str, workdir: Path, out: Path, rate: int, seconds: float,
               clients: int, workers: int) -> Path:
    """gunicorn under `py-spy record --subprocesses --idle` while `api_load.py` appends for `seconds`."""
    import signal
    import time

    from run import free_port, wait_healthy

    token = subprocess.run([PYTHON, str(BENCH / "step.py"), "--db", url, "token", "create", "--official", "sxd.clerk"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[0]
    (workdir / "token").write_text(token)
    collapsed = out.with_name(out.name + "-api.collapsed")
    port = free_port()
    server_env = {**env, "LEDGER_DATABASE_URL": url, "LEDGER_SECRET_KEY": "profile-secret", "LEDGER_COOKIE_SECURE": "0"}
    spy = Path(PYTHON).parent / "py-spy"
    command = [str(spy), "record", "--subprocesses", "--idle", "--format", "raw", "--nolineno", "--rate", str(rate),
               "--output", str(collapsed), "--", str(Path(PYTHON).parent / "gunicorn"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--no-control-socket", "web:create_app()"]
    print("$ " + " ".join(command), flush=True)
    spying = subprocess.Popen(command, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=BENCH.parent)
    try:
        if not wait_healthy(port, spying, timeout=120):
            raise SystemExit("gunicorn did not start under py-spy")
        load = subprocess.run([PYTHON, str(BENCH / "api_load.py"), "--port", str(port), "--token-file",
                               str(workdir / "token"), "--requests", "1000000", "--seconds", str(seconds),
                               "--clients", str(clients)], env=env, check=True, capture_output=True, text=True)
        print(load.stdout.strip())
    finally:
        master = Path(f"/proc/{spying.pid}/task/{spying.pid}/children").read_text().split()
        for pid in master:
            os.kill(int(pid), signal.SIGTERM)
        deadline = time.monotonic() + 60
        while spying.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        if spying.poll() is None:
            spying.kill()
    return collapsed


def keep(collapsed: Path, title: str, within: str | None = None) -> None:
    summary = summarise(collapsed, title, within=within)
    collapsed.with_suffix(".txt").write_text(summary)
    with collapsed.open("rb") as raw, gzip.open(f"{collapsed}.gz", "wb") as packed:
        shutil.copyfileobj(raw, packed)
    collapsed.unlink()
    print(summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=parse_size("100k"))
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default=os.environ.get("LEDGER_TEST_POSTGRES_URL"))
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "profile")
    parser.add_argument("--what", default="import,rebuild",
                        help="import, rebuild and/or api (gunicorn under load after the import), comma-separated")
    parser.add_argument("--api-seconds", type=float, default=20.0)
    parser.add_argument("--api-clients", type=int, default=4)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()
    what = {w.strip() for w in args.what.split(",") if w.strip()}

    from workload import write_workload

    args.out.mkdir(parents=True, exist_ok=True)
    day = datetime.now(LOCAL_TZ).date().isoformat()
    stem = args.out / f"{day}-{host_label()}-{args.store}-{size_label(args.size)}"
    workdir = Path(tempfile.mkdtemp(prefix="ledger-profile-"))
    schema = None
    try:
        workload = workdir / "workload.jsonl"
        print(json.dumps(write_workload(workload, args.size, args.seed)))
        if args.store == "sqlite":
            url = f"sqlite:///{workdir / 'ledger.db'}"
        else:
            if not args.postgres_url:
                raise SystemExit("postgres needs LEDGER_TEST_POSTGRES_URL or --postgres-url")
            schema = f"bench_prof_{os.getpid()}"
            url = f"{args.postgres_url}{'&' if '?' in args.postgres_url else '?'}schema={schema}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        env["LEDGER_KEY_FILE"] = str(workdir / "ledger.key")
        for name, command in (("import", ["--db", url, "import", str(workload)]), ("rebuild", ["--db", url, "rebuild"])):
            if name in what:
                collapsed = record(name, command, env, stem, args.rate)
                keep(collapsed, f"ledger {name}, {args.size:,} events, {args.store}, py-spy {args.rate} Hz")
            elif name == "import":  # the store is filled all the same
                subprocess.run([PYTHON, str(BENCH / "step.py"), *command], env=env, check=True)
        if "api" in what:
            collapsed = record_api(env, url, workdir, stem, args.rate, args.api_seconds, args.api_clients,
                                   args.gunicorn_workers)
            keep(collapsed, f"POST /api/v1/events through gunicorn ({args.gunicorn_workers} workers, {args.api_clients}"
                            f" clients), {args.size:,} events, {args.store}, py-spy {args.rate} Hz --idle, samples"
                            " inside a request only", within="Flask.wsgi_app")
    finally:
        if schema:
            from run import drop_schema
            from sqlalchemy.engine import make_url

            u = make_url(args.postgres_url)
            drop_schema(f"host={u.host} port={u.port or 5432} user={u.username} password={u.password}"
                        f" dbname={u.database}", schema)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
