"""One synthetic case of the demo year, planned event by event (`_case_events`): opened, given a
lead (mostly the same day, sometimes late, now and then first to the wrong unit), 0–5
consultations answered mostly on time with a long tail, supplement pauses, apologies, resolved.

Every random draw is made in a fixed order, so the same seed gives the same year: the methods of
`_CasePlanner` run in the order `run` calls them and must keep the order of their draws.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from .world import CONSULTATION_COUNTS, CONSULTATION_WEIGHTS, PROCEDURES, Plan, Registry, Year


def _case_events(n: int, rng: random.Random, reg: Registry, year: Year, opened_on: date) -> Plan:
    """The events of case number `n`, opened on `opened_on`, in the order they happened."""
    return _CasePlanner(n, rng, reg, year, opened_on).run()


class _CasePlanner:
    def __init__(self, n: int, rng: random.Random, reg: Registry, year: Year, opened_on: date) -> None:
        self.n, self.rng, self.reg, self.year, self.opened_on = n, rng, reg, year, opened_on
        self.ref = f"HCM-{opened_on.year}-{n:05d}"
        self.plan = Plan()

    def add(self, kind: str, when: datetime, by: str, **fields: Any) -> None:
        ref, plan = self.ref, self.plan
        plan.add(when, {"type": kind, "case": ref, "by": by, "id": f"{ref}-{len(plan.events) + 1:02d}", **fields})

    def run(self) -> Plan:
        rng, reg, n = self.rng, self.reg, self.n
        procedure = rng.choices(list(PROCEDURES), weights=[w for w, _ in PROCEDURES.values()])[0]
        self.definition = definition = reg.procedures[procedure]
        self.focal = definition["focal_agency"]
        self.lead_agency = self.focal or PROCEDURES[procedure][1]
        clock = self.year.at(self.opened_on, rng, earliest=8)
        self.opener = "vp.clerk" if rng.random() < 0.6 else reg.one(rng, self.lead_agency, "clerk")
        self.add("CaseOpened", clock, self.opener, procedure=procedure, title=f"Hồ sơ {definition['name'].lower()} số {n}",
                 applicant={"name": f"Tổ chức {n}", "kind": "enterprise" if rng.random() < 0.7 else "citizen"})
        lead_at = self.assign_lead(clock)
        if lead_at is None:
            return self.plan  # never got a lead (yet)
        cursor, last_answer = self.consult(lead_at)
        # Supplements, apologies and the resolution come after everything above.
        self.resolve(max(cursor, last_answer, self.plan.latest))
        return self.plan

    def assign_lead(self, clock: datetime) -> datetime | None:
        """The lead: mostly the same day, sometimes late; now and then first given to the wrong
        unit; sometimes a coordinator too. Returns when the lead was (last) assigned, or None for
        a recent case that never got one (yet)."""
        rng, reg, year, opener, lead_agency, focal = (
            self.rng, self.reg, self.year, self.opener, self.lead_agency, self.focal)
        delay = rng.choices((0, 1, 2, 3, 5), weights=(80, 12, 4, 3, 1))[0]
        lead_day = year.after(self.opened_on, delay)
        if rng.random() < 0.004 and lead_day >= year.today - timedelta(days=20):
            return None
        lead_at = max(clock + timedelta(minutes=30), year.at(lead_day, rng, earliest=9))
        self.official = reg.one(rng, lead_agency, "specialist")
        if focal and rng.random() < 0.12:
            wrong = rng.choice([a for a in ("SKHDT", "STNMT", "SCT", "SQHKT") if a != focal])
            self.add("LeadAssigned", lead_at, opener, agency=wrong, official=reg.one(rng, wrong, "specialist"))
            lead_at += timedelta(days=rng.choice((1, 2, 3)))
            self.add("LeadAssigned", lead_at, opener, agency=focal, official=self.official,
                     reason=f"Chuyển về {focal} là cơ quan đầu mối theo chỉ thị")
        else:
            self.add("LeadAssigned", lead_at, opener, agency=lead_agency, official=self.official)
            if rng.random() < 0.03:
                lead_at += timedelta(days=rng.choice((2, 5, 8)))
                self.official = reg.one(rng, lead_agency, "specialist")
                self.add("LeadAssigned", lead_at, opener, agency=lead_agency, official=self.official,
                         reason="Điều chỉnh phân công do thay đổi nhân sự")
        if rng.random() < 0.05:
            partner = rng.choice([a for a in reg.mandates if a != lead_agency and reg.kinds[a] == "department"])
            self.add("CoordinatorAssigned", lead_at + timedelta(minutes=20), opener, agency=partner,
                     part=f"Nội dung thuộc lĩnh vực {reg.mandates[partner][0]}")
        return lead_at

    def consult(self, lead_at: datetime) -> tuple[datetime, datetime]:
        """The consultations, one after another. Quick procedures rarely consult anyone;
        consultations get at most half the processing time. Returns (the last request's time, the
        last answer's time)."""
        rng, reg = self.rng, self.reg
        cursor = lead_at
        last_answer = cursor
        processing = self.definition["processing_days"]
        if processing <= 5:
            count = rng.choice((0, 0, 1))
        else:
            count = rng.choices(CONSULTATION_COUNTS, weights=CONSULTATION_WEIGHTS)[0]
        allowed_days = [d for d in (5, 7, 10, 15) if d <= max(5, processing // 2)]
        partners = [a for a in reg.mandates
                    if a != self.lead_agency and reg.kinds[a] in ("department", "board", "district")]
        asked: list[str] = []
        for index in range(count):
            cursor += timedelta(hours=rng.choice((2, 20, 44)))
            to, topic = self.partner(partners, asked)
            asked.append(to)
            due_days = rng.choice([*allowed_days, None]) if processing >= 30 else rng.choice(allowed_days)
            answered_at = self.request(f"C{index + 1}", cursor, to, topic, due_days)
            if answered_at is not None:
                last_answer = max(last_answer, answered_at)
        return cursor, last_answer

    def partner(self, partners: list[str], asked: list[str]) -> tuple[str, str]:
        """The agency asked and the topic: rarely the last one asked again, now and then about
        something it does not handle."""
        rng, reg = self.rng, self.reg
        if asked and rng.random() < 0.03:
            to = asked[-1]  # asked again while the first request may still be open
            return to, reg.mandates[to][0]
        to = rng.choice([a for a in partners if a not in asked] or partners)
        topic = rng.choice(reg.mandates[to])
        if rng.random() < 0.05:  # about something the agency does not handle
            topic = rng.choice([t for m in reg.mandates.values() for t in m if t not in reg.mandates[to]])
        return to, topic

    def request(self, cid: str, cursor: datetime, to: str, topic: str, due_days: int | None) -> datetime | None:
        """One consultation requested at `cursor`: its handler designated, then withdrawn, never
        answered, or answered (mostly on time). Returns when it was answered, if it was."""
        rng, reg, year = self.rng, self.reg, self.year
        request: dict[str, Any] = {"consultation": cid, "to": to, "question": f"Đề nghị cho ý kiến về {topic}",
                                   "domains": [topic]}
        if due_days:
            request["due_days"] = due_days
        self.add("ConsultationRequested", cursor, self.official, **request)
        requested_on = cursor.date()
        due = year.after(requested_on, due_days or 15)
        if rng.random() < 0.75:
            self.add("ConsultationHandlerDesignated", cursor + timedelta(hours=3), reg.one(rng, to, "head", "deputy_head"),
                     consultation=cid, official=reg.one(rng, to, "specialist"))
        if rng.random() < 0.02:
            self.add("ConsultationWithdrawn", cursor + timedelta(days=1), self.official, consultation=cid,
                     reason="Không còn cần thiết")
            return None
        fate = rng.random()
        if fate < 0.03:
            return None  # never answered: deemed consent
        if fate < 0.85:
            answer_day = year.after(requested_on, rng.randint(1, max(1, (due_days or 15) - 1)))
        elif fate < 0.96:
            answer_day = year.after(due, rng.randint(1, 3))
        else:
            answer_day = year.after(due, rng.randint(4, 15))
        answered_at = max(cursor + timedelta(hours=1), year.at(answer_day, rng))
        answerer = reg.one(rng, to, "specialist")
        self.add("ConsultationAnswered", answered_at, answerer, consultation=cid,
                 **_answer(rng, to, self.lead_agency, [topic], reg))
        return answered_at

    def resolve(self, cursor: datetime) -> None:
        """Supplement pauses, then the result: mostly on time, sometimes late with an apology."""
        rng, reg, year = self.rng, self.reg, self.year
        due_days_total = self.definition["processing_days"]
        opened = self.opened_on
        cursor, due = self.supplements(cursor, year.after(opened, due_days_total))
        late = rng.random() < 0.08
        head = reg.one(rng, self.lead_agency, "head", "deputy_head")
        if late:
            finish = year.after(due, rng.randint(1, 12))
            if rng.random() < 0.6:
                self.apologise(cursor, due, head)
        else:
            # On time: within the processing time, moved by any pause, and after what came before.
            finish = year.after(opened, rng.randint(max(1, due_days_total // 2), due_days_total))
            finish = max(finish, year.after(cursor.date(), 1) if cursor.date() < due else cursor.date())
        resolved_at = max(self.plan.latest + timedelta(minutes=30), year.at(finish, rng))
        self.add("CaseResolved", resolved_at, self.official, outcome=rng.choices(
            ("approved", "rejected", "answered", "stopped"), weights=(60, 10, 27, 3))[0])

    def supplements(self, cursor: datetime, due: date) -> tuple[datetime, date]:
        """0–2 supplement pauses, each moving the due date; returns (the last event's time, the due date)."""
        rng, year = self.rng, self.year
        supplements = rng.choices((0, 1, 2), weights=(83, 15, 2))[0]
        for _ in range(supplements):
            start = max(cursor, year.at(year.after(cursor.date(), 1), rng)) + timedelta(minutes=5)
            self.add("SupplementRequested", start, self.official, reason="Đề nghị bổ sung, hoàn thiện hồ sơ")
            pause = rng.randint(2, 10)
            back = year.at(year.after(start.date(), pause), rng) + timedelta(minutes=1)
            back = max(back, start + timedelta(hours=1))
            self.add("SupplementReceived", back, self.official)
            due = year.after(due, year.calendar.wd(start.date(), back.date()))
            cursor = back
        return cursor, due

    def apologise(self, cursor: datetime, due: date, head: str) -> None:
        """An apology on the last working day before the due date, now and then a second one."""
        rng, year = self.rng, self.year
        apology_day = year.calendar.last_working_day_before(due)
        apology_at = max(cursor + timedelta(minutes=10), year.at(apology_day, rng))
        new_due = max(year.after(due, rng.randint(3, 10)), apology_at.date())
        self.add("ApologyIssued", apology_at, head, reason="Chờ ý kiến các cơ quan liên quan",
                 new_due=new_due.isoformat())
        if rng.random() < 0.1:
            again = apology_at + timedelta(days=3)
            self.add("ApologyIssued", again, head, reason="Tiếp tục chờ ý kiến",
                     new_due=max(year.after(new_due, 5), again.date()).isoformat())


def _answer(rng: random.Random, to: str, lead: str, domains: list[str], reg: Registry) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.03:
        return {"position": "sẽ xem xét", "reasoning": "Đang nghiên cứu."}  # no clear position
    if kind < 0.07:
        return {"position": "agree", "reasoning": ""}
    if kind < 0.12:
        mandate = reg.mandates[to]
        shared = sorted(set(mandate) & set(domains))
        answer: dict[str, Any] = {"position": "not_competent", "reasoning": "Không thuộc thẩm quyền."}
        if not shared and rng.random() < 0.7:
            answer["refer_to"] = lead
        return answer
    if kind < 0.27:
        conditions = "Bổ sung đánh giá tác động và ý kiến cộng đồng dân cư." if rng.random() < 0.8 else None
        answer = {"position": "conditional", "reasoning": "Thống nhất có điều kiện.", "legal_basis": "Luật Đầu tư 2020"}
        if conditions:
            answer["conditions"] = conditions
        return answer
    answer = {"position": "agree" if rng.random() < 0.85 else "disagree",
              "reasoning": "Hồ sơ phù hợp quy định pháp luật hiện hành.", "legal_basis": "Theo quy định hiện hành"}
    if rng.random() < 0.02:
        answer["domains"] = ["health"] if "health" not in reg.mandates[to] else ["transport"]
    return answer
