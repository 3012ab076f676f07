"""Access expectations of the pages open to anyone (rulebook, calendar, report verification): merged
into the matrix of test_authorization.py. The law, the calendar and a report's proof are public."""

from __future__ import annotations

from tests.web.access import OK, REFUSED_INPUT, Expectation, everyone

EXPECTATIONS: dict[str, Expectation] = {
    "public.rules": Expectation({"GET": everyone(OK)}),
    "public.rule": Expectation({"GET": everyone(OK)}, {"code": "LATE_RESPONSE"}),
    "public.calendar": Expectation({"GET": everyone(OK)}),
    # An empty post names no file: refused as input, whoever sends it.
    "public.verify": Expectation({"GET": everyone(OK), "POST": everyone(REFUSED_INPUT)}),
}
