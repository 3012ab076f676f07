"""Answers on time are not enough: a clear position, within the mandate, owning the matter."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.casefile import CaseFile
from ..domain.values import POSITIONS
from .consultations import request_domains
from .violation import Judgement, Violation


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def evasive_response(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """EVASIVE_RESPONSE: no clear position, no reasoning, or conditions missing from a conditional."""
    for consultation in case.consultations.values():
        answer = consultation.answer
        if answer is None:
            continue
        position, fields = answer.fields.get("position"), answer.fields
        if position not in POSITIONS:
            reason, reason_vi = "no clear position", "không nêu rõ quan điểm"
        elif _blank(fields.get("reasoning")):
            reason, reason_vi = "no reasoning", "không nêu lý do"
        elif position == "conditional" and _blank(fields.get("conditions")):
            reason, reason_vi = "conditional without conditions", "đồng ý có điều kiện nhưng không nêu điều kiện"
        else:
            continue
        yield Violation("EVASIVE_RESPONSE", case.case, consultation.consultation, j.agency_of(answer),
                        answer.by, None, None, "closed", (answer.event,), answer.claimed_date,
                        details={"reason": reason, "reason_vi": reason_vi})


def buck_passing(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """BUCK_PASSING: `not_competent` on a matter within its own mandate, or without `refer_to`."""
    for consultation in case.consultations.values():
        answer = consultation.answer
        if answer is None or answer.fields.get("position") != "not_competent":
            continue
        mandate = set(j.registry.mandate_at(j.agency_of(answer), answer.at))
        shared = sorted(set(request_domains(case, consultation)) & mandate)
        if shared:
            reason, reason_vi = f"within its mandate: {', '.join(shared)}", f"thuộc chức năng: {', '.join(shared)}"
        elif _blank(answer.fields.get("refer_to")):
            reason, reason_vi = "without naming the competent agency", "không chỉ ra cơ quan có thẩm quyền"
        else:
            continue
        yield Violation("BUCK_PASSING", case.case, consultation.consultation, j.agency_of(answer), answer.by,
                        None, None, "closed", (answer.event,), answer.claimed_date,
                        details={"reason": reason, "reason_vi": reason_vi})


def out_of_mandate_response(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """OUT_OF_MANDATE_RESPONSE: the answer's own domains include a tag outside the agency's mandate."""
    for consultation in case.consultations.values():
        answer = consultation.answer
        if answer is None:
            continue
        mandate = set(j.registry.mandate_at(j.agency_of(answer), answer.at))
        outside = [tag for tag in answer.fields.get("domains") or () if tag not in mandate]
        if outside:
            yield Violation("OUT_OF_MANDATE_RESPONSE", case.case, consultation.consultation,
                            j.agency_of(answer), answer.by, None, None, "closed", (answer.event,),
                            answer.claimed_date, details={"outside": ", ".join(outside)})
