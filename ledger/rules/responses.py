"""Answers on time are not enough: a clear position, within the mandate, owning the matter."""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.casefile import CaseFile
from ..domain.payloads import ConsultationAnswered
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
        given = answer.payload
        assert isinstance(given, ConsultationAnswered)
        position = given.position
        if position not in POSITIONS:
            reason, reason_vi = "no clear position", "không nêu rõ quan điểm"
        elif _blank(given.reasoning):
            reason, reason_vi = "no reasoning", "không nêu lý do"
        elif position == "conditional" and _blank(given.conditions):
            reason, reason_vi = "conditional without conditions", "đồng ý có điều kiện nhưng không nêu điều kiện"
        else:
            continue
        yield Violation(rule="EVASIVE_RESPONSE", case=case.case, consultation=consultation.consultation,
                        agency=j.agency_of(answer), official=answer.by, evidence=(answer.event,),
                        act_on=answer.claimed_date, details={"reason": reason, "reason_vi": reason_vi})


def buck_passing(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """BUCK_PASSING: `not_competent` on a matter within its own mandate, or without `refer_to`."""
    for consultation in case.consultations.values():
        answer = consultation.answer
        if answer is None:
            continue
        given = answer.payload
        assert isinstance(given, ConsultationAnswered)
        if given.position != "not_competent":
            continue
        mandate = set(j.registry.mandate_at(j.agency_of(answer), answer.at))
        shared = sorted(set(request_domains(case, consultation)) & mandate)
        if shared:
            reason, reason_vi = f"within its mandate: {', '.join(shared)}", f"thuộc chức năng: {', '.join(shared)}"
        elif _blank(given.refer_to):
            reason, reason_vi = "without naming the competent agency", "không chỉ ra cơ quan có thẩm quyền"
        else:
            continue
        yield Violation(rule="BUCK_PASSING", case=case.case, consultation=consultation.consultation,
                        agency=j.agency_of(answer), official=answer.by, evidence=(answer.event,),
                        act_on=answer.claimed_date, details={"reason": reason, "reason_vi": reason_vi})


def out_of_mandate_response(case: CaseFile, j: Judgement) -> Iterator[Violation]:
    """OUT_OF_MANDATE_RESPONSE: the answer's own domains include a tag outside the agency's mandate."""
    for consultation in case.consultations.values():
        answer = consultation.answer
        if answer is None:
            continue
        mandate = set(j.registry.mandate_at(j.agency_of(answer), answer.at))
        given = answer.payload
        assert isinstance(given, ConsultationAnswered)
        outside = [tag for tag in given.domains or () if tag not in mandate]
        if outside:
            yield Violation(rule="OUT_OF_MANDATE_RESPONSE", case=case.case, consultation=consultation.consultation,
                            agency=j.agency_of(answer), official=answer.by, evidence=(answer.event,),
                            act_on=answer.claimed_date, details={"outside": ", ".join(outside)})
