"""The inspector's case page and the oversight dashboard, timed in-process with Flask's test client.

`python bench/web_probe.py --db URL --requests N --cold N` prints one JSON object. What it does:

1. Appends a 200-event case to the store (`BENCH-LONG-<n>`: CaseOpened, LeadAssigned, then 99
   consultations each requested by the lead and answered by the consulted agency, on consecutive
   working days of the last months), as one `Ledger.import_lines` of 200 lines (timed, reported
   as `long_case_import`).
2. Makes an oversight login (which reads every page measured) and logs in.
3. The case page `/inspect/cases/BENCH-LONG-<n>` (the replay at its last step): one first request
   (templates compiled, caches filled: reported alone), then N timed requests; median, p95, max.
4. The dashboard `/oversight/` at the store's size:
   - `cold`: the process's figures cache emptied before each request, as for the first visitor
     after any new event (the cache is keyed by the event count); N_cold requests; and the same
     page's five charts (`/oversight/charts/*.svg`) fetched after each cold page, summed as
     `charts_after_cold`;
   - `warm`: N requests answered from the cache (nothing appended in between).

Every response must be 200, or the probe fails. CSRF is off for the login post (as in the project's
own web tests); nothing else is changed.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from urllib.parse import quote

PASSWORD = "bench password long enough 1"
LOGIN = "bench-oversight"


def long_case_lines(reference: str, calendar: Any, today: date, registry: Any) -> list[str]:
    """200 events of one case, all claimed in the past."""
    from ledger.calendar import LOCAL_TZ

    partners = sorted(a for a, kind in registry.kinds.items() if kind == "department" and a != "SXD")
    day = today - timedelta(days=190)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)

    def at(d: date, hour: int) -> str:
        return datetime.combine(d, clock_time(hour, 0), tzinfo=LOCAL_TZ).isoformat()

    events: list[dict[str, Any]] = [
        {"type": "CaseOpened", "case": reference, "procedure": "REAL_ESTATE_DIFFICULTY",
         "title": "Hồ sơ dài của bộ đo hiệu năng", "by": "vp.clerk", "at": at(day, 9), "id": f"{reference}-001"},
        {"type": "LeadAssigned", "case": reference, "agency": "SXD", "official": "sxd.nva", "by": "vp.clerk",
         "at": at(day, 10), "id": f"{reference}-002"},
    ]
    for n in range(1, 100):
        day = calendar.add_wd(day, 1)
        to = partners[n % len(partners)]
        topic = registry.mandates[to][0]
        events.append({"type": "ConsultationRequested", "case": reference, "consultation": f"C{n}", "to": to,
                       "question": f"Đề nghị cho ý kiến về {topic}", "domains": [topic], "due_days": 10,
                       "by": "sxd.nva", "at": at(day, 9), "id": f"{reference}-{len(events) + 1:03d}"})
        events.append({"type": "ConsultationAnswered", "case": reference, "consultation": f"C{n}",
                       "position": "agree", "reasoning": "Hồ sơ phù hợp quy định.", "legal_basis": "Luật 2020",
                       "by": registry.one(_Fixed(), to, "specialist"), "at": at(day, 15),
                       "id": f"{reference}-{len(events) + 1:03d}"})
    assert len(events) == 200 and datetime.fromisoformat(events[-1]["at"]) < datetime.now(LOCAL_TZ)
    return [json.dumps(e, ensure_ascii=False) for e in events]


class _Fixed:
    """A 'random' source that always picks the first candidate."""

    def choice(self, seq: list[str]) -> str:
        return seq[0]


def stats(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"n": len(samples), "median_s": round(statistics.median(ordered), 4), "p95_s": round(p95, 4),
            "max_s": round(ordered[-1], 4), "min_s": round(ordered[0], 4)}


def timed_get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code} {body[:300]!r}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--cold", type=int, default=5)
    args = parser.parse_args()

    from ledger.demo import Registry
    from web import create_app

    started = time.perf_counter()
    app = create_app({"LEDGER_DATABASE_URL": args.db, "SECRET_KEY": "bench-secret", "WTF_CSRF_ENABLED": False,
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    app_s = time.perf_counter() - started
    ledger = app.extensions["ledger"]
    result: dict[str, Any] = {"create_app_s": round(app_s, 4), "events_before": ledger.event_count()}

    reference = f"BENCH-LONG-{ledger.event_count()}"
    lines = long_case_lines(reference, ledger.calendar(), ledger.today(), Registry.default())
    started = time.perf_counter()
    report = ledger.import_lines(lines)
    if report.refused:
        raise SystemExit(f"the long case was refused: {report.refused[:3]}")
    result["long_case_import"] = {"events": len(lines), "seconds": round(time.perf_counter() - started, 4)}
    result["events"] = ledger.event_count()

    ledger.accounts.add_login(LOGIN, "vp.head", PASSWORD, "oversight")
    client = app.test_client()
    login = client.post("/login", data={"login": LOGIN, "password": PASSWORD})
    if login.status_code != 302:
        raise SystemExit(f"login failed: {login.status_code}")

    page = f"/inspect/cases/{quote(reference, safe='')}"
    first = timed_get(client, page)
    samples = [timed_get(client, page) for _ in range(args.requests)]
    result["case_page"] = {"url": page, "case_events": len(lines), "first_s": round(first, 4), **stats(samples)}

    cold: list[float] = []
    charts: list[float] = []
    for _ in range(args.cold):
        app.extensions.pop("oversight.figures", None)
        cold.append(timed_get(client, "/oversight/"))
        html = client.get("/oversight/").get_data(as_text=True)
        sources = [s.replace("&amp;", "&") for s in re.findall(r'<img src="([^"]+\.svg[^"]*)"', html)]
        if len(sources) != 5:
            raise SystemExit(f"expected 5 charts on the dashboard, found {len(sources)}")
        charts.append(sum(timed_get(client, source) for source in sources))
    warm = [timed_get(client, "/oversight/") for _ in range(args.requests)]
    result["dashboard"] = {"cold": stats(cold), "charts_after_cold": stats(charts), "warm": stats(warm)}
    ledger.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
