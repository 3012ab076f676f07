"""Inspectors replay case histories (issue 9): find cases, step through one event by event, print
its control slip. Plain frozen data for the pages; nothing here writes.

**Searching** (`search_cases`) reads the read models (`case_files`, `consultation_files`) and, for
the rule and "responsible" agency filters, the violations as judged now (`Ledger.violations()`:
as of today, known now, dismissed ones left out, as the default report has it).

**Replaying** (`replay_case`) reads the case's own stream (sealed events only) and the registry as
of the as-of date / known-at time, never the whole ledger:

- the *steps* are the case's events visible as of A and known at T, in log order (as `ledger
  history` lists them); each carries both times, the working days since the step before it
  (claimed dates, negative when it claims an earlier date), whether it claims a time earlier than
  an event recorded before it (out of order), and, for web and API events, how many working days
  late it was recorded (SPEC §6 `LATE_RECORDING`; imports are exempt);
- the *state after step k* is the case folded from steps 1..k, judged on d(k) = the latest
  claimed date among steps 1..k (never after A): due dates move with a pause counted up to d(k),
  and the rules run over exactly those events as of d(k). A violation therefore *appears* at the
  first step after which the ledger shows it: a late answer at the answer, a missing lead at the
  first step claimed after the lead deadline, an obligation left open at the first later step;
- one more step, number N + 1 (`Replay.end`), is the case *as of A* with no further event: every
  event judged as of A, exactly the case's rows of `ledger violations --as-of A --known-at T
  --include-dismissed`. A violation that appears there arose from time passing after the last
  event (an obligation still open at A);
- every step is judged with the registry as of A and known at T (the rules look each fact up as
  of the claimed time of the act they judge, so later registry changes rarely matter);
- a violation is the same one from step to step when its rule, consultation and first evidence
  event are the same (its days, status and later evidence may change); it is *new* at step k when
  it was not present after step k − 1, and *cleared* when present after k − 1 and not after k.

All steps are judged in one pass (`_judge_steps`): one case file folded event by event, the
case-level rules run once per step over it, the consultation rules only over the consultations a
step can change, late recording once per event. Nothing outside the case is read but the registry
as of A / T. A 200-event case with 66 consultations replays in about 30 ms of CPU.

**The control slip** (`control_slip`, `control_slip_pdf`): see `ledger/reports/slip.py`.

The package's modules: `search` (the case search), `model` (the frozen data of a replay),
`judging` (every step judged in one pass), `case` (`replay_case`), `slips` (the control slip).
"""

from .case import replay_case
# Not in the facade, but importable from here as from the single module this package was:
from .judging import PER_CONSULTATION as PER_CONSULTATION
from .judging import REDUNDANT as REDUNDANT
from .judging import Identity as Identity
from .model import (
    ConsultationState,
    FindingItem,
    Replay,
    ReplayStep,
    StepOutOfRange,
    StepState,
    StepViolation,
)
from .search import AGENCY_ROLES, CASE_STATUSES, CasePage, CaseQuery, CaseRow, search_cases
from .search import MAX_PER_PAGE as MAX_PER_PAGE
from .slips import ControlSlip, SlipParty, SlipRow, control_slip, control_slip_pdf

__all__ = [
    "AGENCY_ROLES",
    "CASE_STATUSES",
    "CasePage",
    "CaseQuery",
    "CaseRow",
    "ConsultationState",
    "ControlSlip",
    "FindingItem",
    "Replay",
    "ReplayStep",
    "SlipParty",
    "SlipRow",
    "StepOutOfRange",
    "StepState",
    "StepViolation",
    "control_slip",
    "control_slip_pdf",
    "replay_case",
    "search_cases",
]
