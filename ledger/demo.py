"""`ledger demo`: a deterministic synthetic year of Ho Chi Minh City cases on the default registry.

Realistic in shape, not in detail: procedures in rough proportions, leads mostly assigned the
same day, 0–5 consultations per case answered mostly on time with a long tail, some never
answered, evasive, misrouted or passed on; supplement pauses, apologies, reassignments and work
programmes; dates crossing Tết and the other holidays. Most history is imported; a few recent
events come through the "web", some backdated, so every rule of the rulebook fires somewhere.
The same seed on the same day gives the same ledger.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from .calendar import LOCAL_TZ, WorkingCalendar

if TYPE_CHECKING:
    from .application import Ledger

# Share of cases per procedure, and the agency that leads it when it has no focal point.
PROCEDURES: dict[str, tuple[float, str]] = {
    "BUSINESS_REGISTRATION": (0.22, "SKHDT"),
    "JUDICIAL_RECORD": (0.14, "STP"),
    "CONSTRUCTION_PERMIT": (0.15, "SXD"),
    "LAND_ALLOCATION": (0.10, "STNMT"),
    "PLANNING_INFORMATION": (0.08, "SQHKT"),
    "REAL_ESTATE_DIFFICULTY": (0.09, "SXD"),
    "SOE_PETITION": (0.06, "STC"),
    "INVESTMENT_POLICY": (0.07, "SKHDT"),
    "ENVIRONMENTAL_PERMIT": (0.06, "STNMT"),
    "EQUITISATION_PLAN": (0.03, "BDMDN"),
}
CONSULTATION_COUNTS = (0, 1, 2, 3, 4, 5)
CONSULTATION_WEIGHTS = (8, 22, 27, 22, 13, 8)
INSPECTOR = "tttp.insp1"
DEFAULT_REGISTRY = resources.files("ledger").joinpath("data", "hcmc_registry.jsonl")
#: Steps per case that `generate` reports to `progress` in each phase, roughly in proportion to
#: the time the phase takes: planning the cases, validating and storing them, the read models
#: taking them in, then the web events, findings and summary.
PHASES = (("plan", 1), ("validate", 4), ("project", 2), ("finish", 1))


def progress_length(cases: int) -> int:
    """How many steps `generate(..., cases=cases, progress=...)` reports in all: a progress bar's length."""
    return cases * sum(weight for _, weight in PHASES)


class _Phase:
    """Turns a phase's own counts (cases, lines, events) into its share of the run's steps, so
    that a bar of `progress_length(cases)` fills evenly and ends exactly full."""

    def __init__(self, report: Callable[[int], None] | None, steps: int, expected: int) -> None:
        self.report, self.steps, self.expected = report, steps, max(1, expected)
        self.seen = self.done = 0

    def __call__(self, count: int) -> None:
        self.seen += count
        self._reach(min(self.steps, self.seen * self.steps // self.expected))

    def end(self) -> None:
        self._reach(self.steps)

    def _reach(self, done: int) -> None:
        if done > self.done and self.report is not None:
            self.report(done - self.done)
        self.done = max(self.done, done)


@dataclass
class Registry:
    """What the generator needs to know of the default registry."""

    kinds: dict[str, str] = field(default_factory=dict)
    mandates: dict[str, list[str]] = field(default_factory=dict)
    staff: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    procedures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def default(cls) -> Registry:
        registry = cls()
        text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
        for line in text.splitlines():
            obj = json.loads(line)
            if obj["type"] == "AgencyRegistered":
                registry.kinds[obj["agency"]] = obj["kind"]
                registry.mandates[obj["agency"]] = obj["mandate"]
            elif obj["type"] == "OfficialAppointed":
                registry.staff.setdefault((obj["agency"], obj["role"]), []).append(obj["official"])
            elif obj["type"] == "ProcedureDefined":
                registry.procedures[obj["procedure"]] = obj
        return registry

    def one(self, rng: random.Random, agency: str, *roles: str) -> str:
        people = [p for role in roles for p in self.staff.get((agency, role), [])]
        return rng.choice(people)


class Year:
    """Working days and times of the demo year."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar

    def at(self, day: date, rng: random.Random, *, earliest: int = 8) -> datetime:
        minutes = rng.randrange(earliest * 60, 17 * 60)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LOCAL_TZ)

    def after(self, day: date, working_days: int) -> date:
        return self.calendar.add_wd(day, working_days) if working_days > 0 else day


@dataclass
class Plan:
    """One case's events, in the order they happened."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, when: datetime, obj: dict[str, Any]) -> None:
        self.events.append({**obj, "at": when.isoformat()})
        self.latest = max(getattr(self, "latest", when), when)


def _case_events(n: int, rng: random.Random, reg: Registry, year: Year, opened_on: date) -> Plan:
    ref = f"HCM-{opened_on.year}-{n:05d}"
    procedure = rng.choices(list(PROCEDURES), weights=[w for w, _ in PROCEDURES.values()])[0]
    definition = reg.procedures[procedure]
    focal = definition["focal_agency"]
    lead_agency = focal or PROCEDURES[procedure][1]
    plan = Plan()
    clock = year.at(opened_on, rng, earliest=8)
    opener = "vp.clerk" if rng.random() < 0.6 else reg.one(rng, lead_agency, "clerk")

    def case(kind: str, when: datetime, by: str, **fields: Any) -> None:
        plan.add(when, {"type": kind, "case": ref, "by": by, "id": f"{ref}-{len(plan.events) + 1:02d}", **fields})

    case("CaseOpened", clock, opener, procedure=procedure, title=f"Hồ sơ {definition['name'].lower()} số {n}",
         applicant={"name": f"Tổ chức {n}", "kind": "enterprise" if rng.random() < 0.7 else "citizen"})

    # The lead: mostly the same day, sometimes late; now and then first given to the wrong unit.
    delay = rng.choices((0, 1, 2, 3, 5), weights=(80, 12, 4, 3, 1))[0]
    lead_day = year.after(opened_on, delay)
    if rng.random() < 0.004 and lead_day >= year.today - timedelta(days=20):
        return plan  # never got a lead (yet)
    lead_at = max(clock + timedelta(minutes=30), year.at(lead_day, rng, earliest=9))
    official = reg.one(rng, lead_agency, "specialist")
    if focal and rng.random() < 0.12:
        wrong = rng.choice([a for a in ("SKHDT", "STNMT", "SCT", "SQHKT") if a != focal])
        case("LeadAssigned", lead_at, opener, agency=wrong, official=reg.one(rng, wrong, "specialist"))
        lead_at += timedelta(days=rng.choice((1, 2, 3)))
        case("LeadAssigned", lead_at, opener, agency=focal, official=official,
             reason=f"Chuyển về {focal} là cơ quan đầu mối theo chỉ thị")
    else:
        case("LeadAssigned", lead_at, opener, agency=lead_agency, official=official)
        if rng.random() < 0.03:
            lead_at += timedelta(days=rng.choice((2, 5, 8)))
            official = reg.one(rng, lead_agency, "specialist")
            case("LeadAssigned", lead_at, opener, agency=lead_agency, official=official,
                 reason="Điều chỉnh phân công do thay đổi nhân sự")
    if rng.random() < 0.05:
        partner = rng.choice([a for a in reg.mandates if a != lead_agency and reg.kinds[a] == "department"])
        case("CoordinatorAssigned", lead_at + timedelta(minutes=20), opener, agency=partner,
             part=f"Nội dung thuộc lĩnh vực {reg.mandates[partner][0]}")

    cursor = lead_at
    last_answer = cursor
    # Quick procedures rarely consult anyone; consultations get at most half the processing time.
    processing = definition["processing_days"]
    if processing <= 5:
        count = rng.choice((0, 0, 1))
    else:
        count = rng.choices(CONSULTATION_COUNTS, weights=CONSULTATION_WEIGHTS)[0]
    allowed_days = [d for d in (5, 7, 10, 15) if d <= max(5, processing // 2)]
    partners = [a for a in reg.mandates if a != lead_agency and reg.kinds[a] in ("department", "board", "district")]
    asked: list[str] = []
    for index in range(count):
        cursor += timedelta(hours=rng.choice((2, 20, 44)))
        if asked and rng.random() < 0.03:
            to = asked[-1]  # asked again while the first request may still be open
            topic = reg.mandates[to][0]
        else:
            to = rng.choice([a for a in partners if a not in asked] or partners)
            topic = rng.choice(reg.mandates[to])
            if rng.random() < 0.05:  # about something the agency does not handle
                topic = rng.choice([t for m in reg.mandates.values() for t in m if t not in reg.mandates[to]])
        asked.append(to)
        due_days = rng.choice([*allowed_days, None]) if processing >= 30 else rng.choice(allowed_days)
        cid = f"C{index + 1}"
        request: dict[str, Any] = {"consultation": cid, "to": to, "question": f"Đề nghị cho ý kiến về {topic}",
                                   "domains": [topic]}
        if due_days:
            request["due_days"] = due_days
        case("ConsultationRequested", cursor, official, **request)
        requested_on = cursor.date()
        due = year.after(requested_on, due_days or 15)
        if rng.random() < 0.75:
            case("ConsultationHandlerDesignated", cursor + timedelta(hours=3), reg.one(rng, to, "head", "deputy_head"),
                 consultation=cid, official=reg.one(rng, to, "specialist"))
        if rng.random() < 0.02:
            case("ConsultationWithdrawn", cursor + timedelta(days=1), official, consultation=cid,
                 reason="Không còn cần thiết")
            continue
        fate = rng.random()
        if fate < 0.03:
            continue  # never answered: deemed consent
        if fate < 0.85:
            answer_day = year.after(requested_on, rng.randint(1, max(1, (due_days or 15) - 1)))
        elif fate < 0.96:
            answer_day = year.after(due, rng.randint(1, 3))
        else:
            answer_day = year.after(due, rng.randint(4, 15))
        answered_at = max(cursor + timedelta(hours=1), year.at(answer_day, rng))
        answerer = reg.one(rng, to, "specialist")
        case("ConsultationAnswered", answered_at, answerer, consultation=cid,
             **_answer(rng, to, lead_agency, [topic], reg))
        last_answer = max(last_answer, answered_at)

    # Supplements, apologies and the resolution come after everything above.
    due_days_total = definition["processing_days"]
    opened = opened_on
    due = year.after(opened, due_days_total)
    cursor = max(cursor, last_answer, plan.latest)
    supplements = rng.choices((0, 1, 2), weights=(83, 15, 2))[0]
    for _ in range(supplements):
        start = max(cursor, year.at(year.after(cursor.date(), 1), rng)) + timedelta(minutes=5)
        case("SupplementRequested", start, official, reason="Đề nghị bổ sung, hoàn thiện hồ sơ")
        pause = rng.randint(2, 10)
        back = year.at(year.after(start.date(), pause), rng) + timedelta(minutes=1)
        back = max(back, start + timedelta(hours=1))
        case("SupplementReceived", back, official)
        due = year.after(due, year.calendar.wd(start.date(), back.date()))
        cursor = back
    late = rng.random() < 0.08
    head = reg.one(rng, lead_agency, "head", "deputy_head")
    if late:
        finish = year.after(due, rng.randint(1, 12))
        if rng.random() < 0.6:
            apology_day = year.calendar.last_working_day_before(due)
            apology_at = max(cursor + timedelta(minutes=10), year.at(apology_day, rng))
            new_due = max(year.after(due, rng.randint(3, 10)), apology_at.date())
            case("ApologyIssued", apology_at, head, reason="Chờ ý kiến các cơ quan liên quan",
                 new_due=new_due.isoformat())
            if rng.random() < 0.1:
                again = apology_at + timedelta(days=3)
                case("ApologyIssued", again, head, reason="Tiếp tục chờ ý kiến",
                     new_due=max(year.after(new_due, 5), again.date()).isoformat())
            cursor = max(cursor, apology_at)
    else:
        # On time: within the processing time, moved by any pause, and after what came before.
        finish = year.after(opened, rng.randint(max(1, due_days_total // 2), due_days_total))
        finish = max(finish, year.after(cursor.date(), 1) if cursor.date() < due else cursor.date())
    resolved_at = max(plan.latest + timedelta(minutes=30), year.at(finish, rng))
    case("CaseResolved", resolved_at, official, outcome=rng.choices(
        ("approved", "rejected", "answered", "stopped"), weights=(60, 10, 27, 3))[0])
    return plan


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


def _programmes(rng: random.Random, reg: Registry, year: Year) -> Iterator[dict[str, Any]]:
    for y in range(2024, year.today.year + 1):
        for agency, kind in sorted(reg.kinds.items()):
            if kind not in ("department", "board", "district"):
                continue
            fate = rng.random()
            if fate < 0.85:
                day = date(y, 1, rng.randint(8, 30))
            elif fate < 0.95:
                day = date(y, 2, rng.randint(16, 28))
            else:
                continue
            if day > year.today:
                continue
            yield {"type": "WorkProgrammeAdopted", "agency": agency, "year": y, "at": year.at(day, rng).isoformat(),
                   "by": reg.one(rng, agency, "head"), "id": f"programme-{agency}-{y}"}


def generate(
    ledger: Ledger, *, cases: int, seed: int, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Fill the ledger; returns a summary of what was made.

    `progress(n)`, if given, is called as the work advances, `progress_length(cases)` steps in all
    (for `click.progressbar(length=progress_length(cases))`); it changes nothing that is made."""
    from .domain.errors import Refused

    weights = dict(PHASES)

    def phase(name: str, expected: int) -> _Phase:
        return _Phase(progress, weights[name] * cases, expected)

    rng = random.Random(seed)
    reg = Registry.default()
    registry = ledger.import_lines(DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines())
    if registry.refused:
        raise RuntimeError(f"the default registry was refused: {registry.refused[:3]}")
    now = ledger.clock()
    today = now.astimezone(LOCAL_TZ).date()
    year = Year(today, ledger.calendar())
    start = today - timedelta(days=365)
    openings = sorted(start + timedelta(days=rng.randrange(0, 360)) for _ in range(cases))
    openings = [d if year.calendar.is_working_day(d) else year.after(d, 1) for d in openings]
    events: list[dict[str, Any]] = list(_programmes(rng, reg, year))
    planning = phase("plan", cases)
    for n, opened_on in enumerate(openings, start=1):
        events.extend(_case_events(n, rng, reg, year, opened_on).events)
        planning(1)
    planning.end()
    # A case whose plan runs past now keeps only what has already happened: it is still open.
    cutoff = now.astimezone(LOCAL_TZ) - timedelta(minutes=1)
    history = [e for e in events if datetime.fromisoformat(e["at"]) <= cutoff]
    history.sort(key=lambda e: datetime.fromisoformat(e["at"]))
    validating, projecting = phase("validate", len(history)), phase("project", len(history))
    report = ledger.import_lines(
        [json.dumps(e, ensure_ascii=False) for e in history],
        progress=validating if progress else None,
        project_progress=projecting if progress else None,
    )
    validating.end()
    projecting.end()
    if report.refused:
        raise RuntimeError(f"the demo generator made a refused event: {report.refused[:3]}")
    web = _web_events(rng, reg, year, now, start_number=cases + 1)
    finishing = phase("finish", len(web) + 2)
    web_appended = 0
    for obj in web:
        try:
            ledger.append(obj, source="web")
            web_appended += 1
        except Refused as refusal:
            raise RuntimeError(f"the demo generator made a refused web event: {refusal}") from None
        finishing(1)
    findings = _findings(ledger, rng, now)
    finishing(1)
    by_type = Counter(e["type"] for e in history) + Counter(e["type"] for e in web)
    violations = Counter(v.rule for v in ledger.violations(include_dismissed=True))
    finishing.end()
    return {
        "cases": len({e["case"] for e in history if "case" in e} | {e["case"] for e in web}),
        "events": ledger.event_count(),
        "imported": len(history),
        "web": web_appended,
        "findings": findings,
        "by_type": dict(sorted(by_type.items())),
        "violations": dict(sorted(violations.items())),
    }


def _web_events(rng: random.Random, reg: Registry, year: Year, now: datetime, *, start_number: int) -> list[dict[str, Any]]:
    """A few cases of the last days entered through the web, some backdated by days."""
    events = []
    today = year.today
    recent = [d for d in (today - timedelta(days=k) for k in range(1, 15)) if year.calendar.is_working_day(d)]
    for k in range(12):
        n = start_number + k
        ref = f"HCM-{today.year}-W{n:04d}"
        backdated = k % 3 == 0
        day = recent[-1] if backdated else recent[0]
        opened = year.at(day, rng, earliest=8)
        if opened > now:
            opened = now - timedelta(hours=2)
        lead = reg.one(rng, "SXD", "specialist")
        events.append({"type": "CaseOpened", "case": ref, "procedure": "CONSTRUCTION_PERMIT",
                       "title": f"Cấp giấy phép xây dựng số {n}", "by": "vp.clerk", "at": opened.isoformat(),
                       "id": f"{ref}-01"})
        events.append({"type": "LeadAssigned", "case": ref, "agency": "SXD", "official": lead, "by": "vp.clerk",
                       "at": (opened + timedelta(minutes=30)).isoformat(), "id": f"{ref}-02"})
    return events


def _findings(ledger: Ledger, rng: random.Random, now: datetime) -> int:
    """An inspector rules on a few detected violations: most confirmed, some dismissed."""
    candidates = [v for v in ledger.violations() if v.case is not None and v.status == "closed"]
    chosen = rng.sample(candidates, k=min(len(candidates), max(2, len(candidates) // 50))) if candidates else []
    lines = []
    for index, violation in enumerate(sorted(chosen, key=lambda v: (v.case or "", v.rule, v.evidence))):
        finding: dict[str, Any] = {"type": "FindingRecorded", "case": violation.case, "rule": violation.rule,
                                   "decision": "dismissed" if index % 4 == 0 else "confirmed",
                                   "evidence": violation.evidence[0], "by": INSPECTOR,
                                   "at": (now - timedelta(hours=6)).isoformat(), "id": f"finding-{index}"}
        if violation.consultation:
            finding["consultation"] = violation.consultation
        lines.append(json.dumps(finding, ensure_ascii=False))
    report = ledger.import_lines(lines)
    if report.refused:
        raise RuntimeError(f"the demo generator made a refused finding: {report.refused[:3]}")
    return len(chosen)


#: One demo login per role: (role shown, login, official, product role).
DEMO_LOGINS = (
    ("clerk", "clerk", "sxd.clerk", "official"),
    ("specialist", "specialist", "sxd.nva", "official"),
    ("head", "head", "sxd.head", "official"),
    ("deputy_head", "deputy", "stc.deputy", "official"),
    ("inspector", "inspector", "tttp.insp1", "official"),
    ("oversight", "oversight", "vp.head", "oversight"),
    ("admin", "admin", "vp.clerk", "admin"),
)


def make_logins(ledger: Ledger) -> list[tuple[str, str, str, str]]:
    """Make the demo's logins, each with a fresh random password; returns (role, login, official,
    password) to print once (only hashes are kept)."""
    import secrets

    made = []
    for shown_role, login, official, role in DEMO_LOGINS:
        password = secrets.token_urlsafe(12)
        ledger.accounts.add_login(login, official, password, role)
        made.append((shown_role, login, official, password))
    return made
