"""Plain-text renderings for people at a terminal (JSON is for machines).

Nothing stored reaches the terminal raw: every control character (C0 — tab and newline
included, since each field is shown on one line —, DEL, C1), Unicode's line and paragraph
separators and the bidirectional overrides and isolates are shown escaped, `\n`, `\x1b`,
`\u202e`, so an older store's values (from before such characters were refused) can neither
move the cursor, recolour the screen, reorder the text nor forge a line of the history.
Backslashes themselves are shown as they are: the JSON format is the exact one.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .calendar import LOCAL_TZ


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every character a terminal would act on instead of show written as an escape."""
    return _UNSAFE.sub(_escape_one, text)


def _when(text: str, *, local: bool = False) -> str:
    """A timestamp trimmed to the minute with its offset; `local` shows it in Vietnam's time."""
    moment = datetime.fromisoformat(text)
    if local:
        moment = moment.astimezone(LOCAL_TZ)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _state_line(state: dict[str, Any]) -> str:
    lead = state["lead"]
    parts = [
        f"status {state['status']}",
        f"lead {lead['agency']}/{lead['official']}" if lead else "no lead",
        f"due {state['due'] or '—'}",
    ]
    if state["paused_since"]:
        parts.append(f"paused since {state['paused_since']}")
    if state["coordinators"]:
        parts.append("coordinators " + ", ".join(c["agency"] for c in state["coordinators"]))
    for c in state["consultations"]:
        detail = f"{c['consultation']}→{c['to']} due {c['due']} {c['status']}"
        if c["answered_on"]:
            detail += f" on {c['answered_on']}"
        parts.append(detail)
    if state["apologies"]:
        parts.append(f"new date {state['apologies'][0]['new_due']} (apologies: {len(state['apologies'])})")
    if state["resolution"]:
        parts.append(f"resolved {state['resolution']['outcome']} on {state['resolution']['on']}")
    return " · ".join(parts)


def format_history(history: dict[str, Any]) -> str:
    known = history["known_at"] or "now"
    lines = [
        f"Case {history['case']} — as of {history['as_of']}, known at {known} (calendar {history['calendar']})",
        f"{'pos':>6}  {'claimed (at)':<22}  {'recorded':<22}  event",
    ]
    for item in history["events"]:
        flag = "  ⚠ claimed out of order" if item["out_of_order"] else ""
        actor = f" by {item['by']} ({item['agency']})" if item["by"] else ""
        lines.append(
            f"{item['position']:>6}  {_when(item['at']):<22}  {_when(item['recorded'], local=True):<22}  "
            f"{item['type']}{actor} [{item['source']}]{flag}"
        )
        fields = ", ".join(f"{k}={_value(v)}" for k, v in item["fields"].items())
        if fields:
            lines.append(f"{'':>8}{fields}")
        lines.append(f"{'':>8}→ {_state_line(item['state'])}")
    if history["hidden"]:
        lines.append(f"({history['hidden']} later event(s) hidden by --as-of / --known-at)")
    if history["state"]:
        lines.append(f"State as of {history['as_of']}: {_state_line(history['state'])}")
    return "\n".join(escape_controls(line) for line in lines)
