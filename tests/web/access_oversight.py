"""Access expectations of the oversight bodies' pages (dashboard, charts, exports): merged into the matrix of test_authorization.py."""

from __future__ import annotations

from tests.web.access import (  # noqa: F401
    DENIED, LOGIN, OK, REFUSED_INPUT, Expectation, audiences, everyone, inspectors_pages, oversight_pages, readers_pages,
    to,
)

EXPECTATIONS: dict[str, Expectation] = {
    "oversight.dashboard": Expectation({"GET": oversight_pages(OK)}),
    "oversight.chart": Expectation({"GET": oversight_pages(OK)}, {"name": "by_rule"}),
    "oversight.export": Expectation({"GET": oversight_pages(OK)}, {"kind": "violations", "fmt": "json"}),
}
