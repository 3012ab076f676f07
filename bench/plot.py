"""Throughput against size, from the JSON files of bench/results/: one PNG.

    .venv/bin/python bench/plot.py [--results bench/results] [--out bench/results/throughput.png]

Plots events/s (log scale) against the number of events (log scale) for import and rebuild (end to
end: wall time of the `ledger` process) and the two baselines measured in the same runs (raw
sqlite3, or psycopg on PostgreSQL, inserting the same rows in one transaction; the library's `Application.save`, 1,000 events
per save): solid lines for SQLite, dashed for PostgreSQL. When several files hold the same store
and size (runs of different days), the newest is drawn.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

BENCH = Path(__file__).resolve().parent
SERIES = (
    ("import", "steps.import.events_per_s", "tab:blue"),
    ("rebuild", "steps.rebuild.events_per_s", "tab:orange"),
    ("library Application.save (1,000/save)", "baselines.library_save.events_per_s", "tab:green"),
    ("raw insert, one transaction", "baselines.raw_{store}.events_per_s", "tab:gray"),
)
RAW = {"sqlite": "sqlite3", "postgres": "postgres"}


def get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def load(results: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The newest complete run of each (store, size), quick runs left out."""
    runs: dict[tuple[str, int], tuple[str, dict[str, Any]]] = {}
    for path in sorted(results.glob("*.json")):
        try:
            document = json.loads(path.read_text())
        except ValueError:
            continue
        for store, run in (document.get("stores") or {}).items():
            if run.get("quick") or get(run, "steps.import.events_per_s") is None:
                continue
            key = (store, int(run["events"]))
            stamp = str(run.get("started") or document.get("date") or "")
            if key not in runs or stamp >= runs[key][0]:
                runs[key] = (stamp, run)
    return {key: run for key, (_, run) in runs.items()}


def plot(runs: dict[tuple[str, int], dict[str, Any]], out: Path) -> None:
    figure, axes = plt.subplots(figsize=(10, 5), dpi=120)
    for store, style in (("sqlite", "-"), ("postgres", "--")):
        sizes = sorted(size for s, size in runs if s == store)
        if not sizes:
            continue
        for label, path, colour in SERIES:
            points = [(size, get(runs[(store, size)], path.format(store=RAW[store]))) for size in sizes]
            points = [(x, y) for x, y in points if isinstance(y, (int, float))]
            if points:
                axes.plot([x for x, _ in points], [y for _, y in points], style, marker="o", color=colour,
                          label=f"{label} ({'SQLite' if store == 'sqlite' else 'PostgreSQL'})")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("events in the store (the demo year)")
    axes.set_ylabel("events per second")
    axes.set_title("Procedure Ledger: throughput against size (bench/run.py)")
    axes.axhline(20_000, color="tab:blue", linewidth=0.6, linestyle=":")
    axes.axhline(40_000, color="tab:orange", linewidth=0.6, linestyle=":")
    axes.text(axes.get_xlim()[0], 20_000, " import target", va="bottom", fontsize=7, color="tab:blue")
    axes.text(axes.get_xlim()[0], 40_000, " rebuild target", va="bottom", fontsize=7, color="tab:orange")
    axes.grid(True, which="both", linewidth=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=3)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    runs = load(args.results)
    if not runs:
        raise SystemExit(f"no complete results in {args.results}")
    out = args.out or args.results / "throughput.png"
    plot(runs, out)
    print(f"{out}: {len(runs)} run(s): " + ", ".join(f"{s} {n:,}" for s, n in sorted(runs)))


if __name__ == "__main__":
    main()
