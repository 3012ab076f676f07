"""Small builders of §8 event objects, so tests say what matters and nothing else."""

from __future__ import annotations

from typing import Any

AT = "2024-03-04T09:00:00+07:00"


def registry_lines(at: str = "2024-01-02T08:00:00+07:00") -> list[dict[str, Any]]:
    """A small registry: a clerk's office, two departments, an inspectorate and their officials,
    registered in 2024 (so no 2024 work programme is owed)."""

    def agency(code: str, kind: str, mandate: list[str]) -> dict[str, Any]:
        return {"type": "AgencyRegistered", "agency": code, "name": f"Cơ quan {code}", "name_en": f"Agency {code}",
                "kind": kind, "mandate": mandate, "at": at}

    def official(oid: str, agency_code: str, role: str) -> dict[str, Any]:
        return {"type": "OfficialAppointed", "official": oid, "name": f"Cán bộ {oid}", "agency": agency_code,
                "role": role, "at": at}

    return [
        agency("VP", "other", ["coordination"]),
        agency("SXD", "department", ["construction", "housing", "real_estate"]),
        agency("STNMT", "department", ["land", "environment"]),
        agency("TTTP", "inspectorate", ["inspection"]),
        official("vp.clerk", "VP", "clerk"),
        official("sxd.head", "SXD", "head"),
        official("sxd.nva", "SXD", "specialist"),
        official("stnmt.head", "STNMT", "head"),
        official("stnmt.ltb", "STNMT", "specialist"),
        official("tttp.insp", "TTTP", "inspector"),
        {"type": "ProcedureDefined", "procedure": "REAL_ESTATE_DIFFICULTY", "name": "Tháo gỡ khó khăn BĐS",
         "processing_days": 15, "focal_agency": "SXD", "domains": ["real_estate"], "at": at},
    ]


def event(kind: str, **fields: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": kind, "case": "HCM-1", "at": AT}
    obj.update(fields)
    return obj


def opened(**fields: Any) -> dict[str, Any]:
    base = {"procedure": "REAL_ESTATE_DIFFICULTY", "title": "Vướng mắc dự án X", "by": "vp.clerk"}
    return event("CaseOpened", **{**base, **fields})


def lead(**fields: Any) -> dict[str, Any]:
    base = {"agency": "SXD", "official": "sxd.nva", "by": "vp.clerk", "at": "2024-03-04T15:00:00+07:00"}
    return event("LeadAssigned", **{**base, **fields})


def request(**fields: Any) -> dict[str, Any]:
    base = {"consultation": "C1", "to": "STNMT", "question": "Nguồn gốc đất?", "domains": ["land"],
            "by": "sxd.nva", "at": "2024-03-05T10:00:00+07:00"}
    return event("ConsultationRequested", **{**base, **fields})


def answer(**fields: Any) -> dict[str, Any]:
    base = {"consultation": "C1", "position": "agree", "reasoning": "Hợp pháp.", "by": "stnmt.ltb",
            "at": "2024-03-12T10:00:00+07:00"}
    return event("ConsultationAnswered", **{**base, **fields})


def lines(*objs: dict[str, Any]) -> list[str]:
    import json

    return [json.dumps(obj, ensure_ascii=False) for obj in objs]
