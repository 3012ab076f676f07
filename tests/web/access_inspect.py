"""Access expectations of the inspectors' pages (case search, replay, control slip, findings): merged into the matrix of test_authorization.py."""

from __future__ import annotations

from tests.web.access import (  # noqa: F401
    DENIED, LOGIN, OK, REFUSED_INPUT, Expectation, audiences, everyone, inspectors_pages, oversight_pages, readers_pages,
    to,
)

#: The case of the matrix (tests/web/conftest.py `opened_case`).
CASE = "HCM-WEB-1"

EXPECTATIONS: dict[str, Expectation] = {
    "inspect.cases": Expectation({"GET": readers_pages(OK)}),
    "inspect.case": Expectation({"GET": readers_pages(OK)}, {"case": CASE}),
    "inspect.slip": Expectation({"GET": readers_pages(OK)}, {"case": CASE}),
}
