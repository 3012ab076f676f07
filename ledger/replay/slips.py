"""The control slip of a replayed case (`control_slip`, `control_slip_pdf`): the form itself is
built and drawn in `ledger/reports/slip.py`."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ..reports.slip import ControlSlip, SlipParty, SlipRow, build_slip, render_slip

if TYPE_CHECKING:
    from ..application import Ledger

__all__ = ["ControlSlip", "SlipParty", "SlipRow", "control_slip", "control_slip_pdf"]


def control_slip(ledger: Ledger, case: str, *, as_of: date | None = None, known_at: datetime | None = None) -> ControlSlip:
    """The case's control slip (Phiếu kiểm soát quá trình giải quyết hồ sơ) as of A, known at T."""
    as_of = as_of or ledger.today()
    seen = ledger.case_as_seen(case, as_of, known_at)
    return build_slip(case, seen.records, seen.registry, seen.calendar, as_of, known_at, ledger.clock(),
                      hidden=seen.hidden)


def control_slip_pdf(slip: ControlSlip) -> bytes:
    """The slip as an A4 PDF in Vietnamese (DejaVu Sans)."""
    return render_slip(slip)
