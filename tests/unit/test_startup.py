"""Importing the facade holds the garbage collector back while it loads, then lets it run as it
was: a process that imports `ledger` keeps collecting its garbage."""

from __future__ import annotations

import subprocess
import sys


def collector_after_import(before: str) -> str:
    code = f"import gc; {before}; import ledger; print(gc.isenabled(), gc.get_freeze_count() > 10_000)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_collector_runs_again_once_the_facade_is_imported():
    assert collector_after_import("pass") == "True True"


def test_a_collector_switched_off_before_the_import_stays_off():
    assert collector_after_import("gc.disable()") == "False True"
