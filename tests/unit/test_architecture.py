"""The layers depend one way (ARCHITECTURE.md): checked on the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PURE = ["ledger/domain", "ledger/calendar.py"]
FORBIDDEN_IN_PURE = {"flask", "sqlalchemy", "psycopg", "sqlite3", "web", "click", "os", "pathlib"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = REPO / root
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def test_the_domain_and_the_calendar_do_no_io_and_know_no_framework():
    offenders = {str(p.relative_to(REPO)): imports_of(p) & FORBIDDEN_IN_PURE for p in python_files(*PURE)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_nothing_under_ledger_imports_the_web_application():
    offenders = [str(p.relative_to(REPO)) for p in python_files("ledger") if "web" in imports_of(p)]
    assert offenders == []


def _ledger_submodules_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("ledger."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ledger."))
    return found


def test_the_web_application_talks_to_the_public_facade_only():
    offenders = {str(p.relative_to(REPO)): _ledger_submodules_imported(p) for p in python_files("web")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_view_touches_sql_or_the_event_store_directly():
    forbidden = {"sqlalchemy", "eventsourcing", "psycopg", "sqlite3"}
    offenders = {str(p.relative_to(REPO)): imports_of(p) & forbidden for p in python_files("web")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_import_linter_contracts_hold():
    """pyproject.toml's contracts: no import cycles at any depth, a pure core, the CLI and the web
    application through the facade only (the same check `scripts/lint` runs)."""
    import shutil
    import subprocess
    import sys

    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert linter is not None, "import-linter is not installed (pip install -e '.[dev]')"
    run = subprocess.run([linter, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_no_module_of_the_ledger_is_over_400_lines_nor_any_function_over_80():
    """Small modules with one job (the aim is ~300 and ~60; these are the limits no change may pass)."""
    long_modules, long_functions = [], []
    for path in python_files("ledger", "web"):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            long_modules.append(str(path.relative_to(REPO)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80:
                long_functions.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    assert long_modules == [] and long_functions == []
