"""The pages and the API look officials and agencies up in the registry every append validates
against (`Reader.current_registry`), not one folded again from the log on every request: it must
be the registry folded from the log, and see a registry event another process appends."""

from __future__ import annotations

from typing import Any

from ledger import Ledger
from tests.builders import lines, registry_lines


def test_the_current_registry_is_the_one_folded_from_the_log_and_sees_another_processs_changes(
        store_url: str, clock: Any) -> None:
    with Ledger(store_url, clock=clock) as web, Ledger(store_url, clock=clock) as other:
        web.import_lines(lines(*registry_lines()))
        assert web.queries.official_exists("sxd.nva")
        other.import_lines(lines({"type": "OfficialDeparted", "official": "sxd.nva", "at": "2024-06-01T08:00:00+07:00"},
                                 {"type": "AgencyRegistered", "agency": "STC", "name": "Sở Tài chính",
                                  "name_en": "Department of Finance", "kind": "department", "mandate": ["finance"],
                                  "at": "2024-06-01T08:00:00+07:00"}))
        assert not web.queries.official_exists("sxd.nva")
        assert "STC" in web.queries.agency_codes()
        folded = web.registry_as_of()
        current = web._reader.current_registry()
        assert current is not folded
        assert (current.agencies, current.officials) == (folded.agencies, folded.officials)
