"""Run one `ledger` command in this process and time it: `python bench/step.py ARGS...` is
`ledger ARGS...` (the console script is `from ledger.cli import main; sys.exit(main())`, and so is
this), plus a JSON line of timings written to the file named by `BENCH_STEP_TIMINGS`:

- `import_s`: importing `ledger.cli` (and, through its entry points, `web`), which every command pays;
- `command_s`: the command itself, from calling `main` to its return (opening the store included);
- `command_cpu_s`: this process's CPU time (user + system) over the same span;
- `exit_code`.

The parent (`bench/run.py`) adds the wall time of the whole process (interpreter start included)
and its peak RSS and CPU time from `os.wait4`.
"""

from __future__ import annotations

import json
import os
import sys
import time


def run(args: list[str]) -> int:
    started = time.perf_counter()
    from ledger.cli import main

    imported = time.perf_counter()
    cpu = time.process_time()
    code: int = 0
    try:
        main(args=args, prog_name="ledger", standalone_mode=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finished = time.perf_counter()
    cpu = time.process_time() - cpu
    target = os.environ.get("BENCH_STEP_TIMINGS")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"import_s": imported - started, "command_s": finished - imported, "command_cpu_s": cpu,
                       "exit_code": code}, out)
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
