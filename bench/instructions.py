"""Instructions, not seconds: the same work run by two checkouts under valgrind's callgrind.

This 2-core machine is noisy (the same command's time moves by a factor of two from one hour to
the next); callgrind counts the instructions a process executes, which do not depend on what else
runs. So a change is measured as a ratio of instruction counts, old checkout against new:

    .venv/bin/python bench/instructions.py --old /tmp/old [--new .] [--events 10000] [--appends 10,60]
    # /tmp/old made with: mkdir /tmp/old && git archive <commit> | tar -x -C /tmp/old

For each checkout, in a fresh temporary SQLite store (the key file beside it):

- `import`: `ledger import` of the bench workload (`--events` lines of the demo year, `workload.py`);
- `rebuild`: `ledger rebuild` of that store;
- `api_append`: the JSON API's `POST /api/v1/events` through Flask's test client, in one process, on a
  copy of that store: the process is counted once with the first `--appends` number of case pairs
  (a CaseOpened, then a LeadAssigned on it) and once with the second; the difference divided by the
  extra requests is the instructions of one append, start-up excluded.

Each figure is a whole process (interpreter start and imports included, except `api_append`). It
prints one JSON object and writes it to `results/<date>-instructions-<events>.json` (`--out`).
`valgrind` is a Debian package (`apt-get install valgrind`); a run takes a few minutes (callgrind
runs Python about 50 times slower). Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
COLLECTED = re.compile(r"Collected : (\d+)")

#: The API loop run under callgrind: `N` pairs of appends through the test client.
API_LOOP = r'''
import json, os, sys, uuid
from datetime import datetime, timedelta, timezone
from ledger import Ledger
from web import create_app
db = sys.argv[1]
with Ledger(db) as ledger:
    token = ledger.accounts.create_token("sxd.clerk")[1]
app = create_app({"LEDGER_DATABASE_URL": db, "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False})
client = app.test_client()
at = (datetime.now(timezone(timedelta(hours=7))) - timedelta(hours=1)).isoformat()
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
for _ in range(int(sys.argv[2])):
    case = f"HCM-2026-{uuid.uuid4().hex[:8]}"
    for body in ({"type": "CaseOpened", "case": case, "procedure": "REAL_ESTATE_DIFFICULTY", "title": "t",
                  "applicant": {"name": "A", "kind": "enterprise"}, "at": at, "id": uuid.uuid4().hex},
                 {"type": "LeadAssigned", "case": case, "agency": "SXD", "official": "sxd.clerk", "at": at,
                  "id": uuid.uuid4().hex}):
        reply = client.post("/api/v1/events", data=json.dumps(body), headers=headers)
        assert reply.status_code == 201, reply.get_data(as_text=True)
'''


def counted(command: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """The instructions `command` executed (callgrind's total), or an error naming its output."""
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                         cwd=cwd, env=env, capture_output=True, text=True, check=False)
    found = COLLECTED.search(run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"{' '.join(command[:4])}… failed ({run.returncode}): {run.stderr[-800:]}")
    return int(found.group(1))


def measure(code: Path, workload: Path, appends: tuple[int, int], scratch: Path) -> dict[str, float]:
    """The three figures for one checkout (its own store, key and copies)."""
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(code), "LEDGER_KEY_FILE": str(scratch / "ledger.key")}
    db = f"sqlite:///{scratch / 'ledger.db'}"
    ledger = [PYTHON, "-c", "import sys; from ledger.cli import main; sys.exit(main())", "--db", db]
    figures: dict[str, float] = {
        "import": counted([*ledger, "import", str(workload)], cwd=code, env=env),
        "rebuild": counted([*ledger, "rebuild"], cwd=code, env=env),
    }
    loop = scratch / "api_loop.py"
    loop.write_text(API_LOOP, encoding="utf-8")
    totals = []
    for pairs in appends:
        copy = scratch / f"api-{pairs}.db"
        shutil.copyfile(scratch / "ledger.db", copy)
        totals.append(counted([PYTHON, str(loop), f"sqlite:///{copy}", str(pairs)], cwd=code, env=env))
    figures["api_append"] = (totals[1] - totals[0]) / (2 * (appends[1] - appends[0]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the checkout to compare against")
    parser.add_argument("--new", type=Path, default=BENCH.parent, help="default: this checkout")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--appends", default="10,60", help="two numbers of append pairs (default 10,60)")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    low, high = (int(n) for n in args.appends.split(","))
    if not 0 < low < high:
        raise SystemExit("--appends takes two numbers, the first smaller: 10,60")
    sys.path.insert(0, str(BENCH))
    from workload import write_workload  # noqa: E402  (bench/ is a folder of scripts)

    with tempfile.TemporaryDirectory(prefix="ledger-instructions-") as folder:
        workload = Path(folder) / "workload.jsonl"
        write_workload(workload, args.events)
        result = {"events": args.events, "appends": [low, high], "unit": "instructions (callgrind)",
                  "old": {"code": str(args.old.resolve()),
                          **measure(args.old.resolve(), workload, (low, high), Path(folder) / "old")},
                  "new": {"code": str(args.new.resolve()),
                          **measure(args.new.resolve(), workload, (low, high), Path(folder) / "new")}}
    result["new_over_old"] = {k: round(result["new"][k] / result["old"][k], 3)
                              for k in ("import", "rebuild", "api_append")}
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{date.today().isoformat()}-instructions-{args.events}.json"
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
