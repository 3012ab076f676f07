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
