"""Inclusion proofs: each event of a case, proved to be in the tree under a signed checkpoint.

A proof file is self-contained: the checkpoint (size, root, time, key, signature) and, per event,
its canonical fields and its RFC 9162 audit path. `check_proof` needs no database.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from .checkpoint import Checkpoint
from .merkle import inclusion_path, leaf_bytes, leaf_hash, levels, verify_inclusion


def build_proof(case: str, checkpoint: Checkpoint, leaves: list[tuple[int, bytes]],
                events: list[dict[str, Any]]) -> dict[str, Any]:
    """`leaves`: (position, leaf hash) of the whole log; `events`: the case's raw events, each with
    its `position` (used to find its leaf, then dropped: the proof does not cover positions)."""
    covered = leaves[: checkpoint.size]
    index_of = {position: index for index, (position, _) in enumerate(covered)}
    tree = levels([leaf for _, leaf in covered]) if covered else [[]]
    proved = []
    for event in events:
        index = index_of.get(event.pop("position"))
        if index is None:
            continue  # recorded after the checkpoint
        proved.append({**event, "index": index, "path": [h.hex() for h in inclusion_path(tree, index)]})
    return {"case": case, "checkpoint": checkpoint.as_dict(), "events": proved}


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    lines: list[str]


#: The fields of one proved event: the canonical ones the leaf is made of, the audit path, and the
#: fields shown to a reader, each of which must agree with the proven bytes. Anything else is
#: refused: a proof shows nothing it does not prove.
CANONICAL = ("topic", "originator_id", "version", "state")
PATH = ("index", "path")
SHOWN = ("event", "type", "case", "at", "recorded")


def check_proof(data: Any, *, trusted: dict[str, str]) -> ProofCheck:
    """Check a proof file with no database: the checkpoint must be validly signed by a TRUSTED key
    (the caller says which: the key file's, --trusted-key, LEDGER_TRUSTED_KEYS), and each event's
    bytes must be in that tree, with every field shown derived from them."""
    from .trust import describe

    try:
        checkpoint = Checkpoint.from_dict(data.get("checkpoint"))
        events = list(data["events"])
        case = data["case"]
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        return ProofCheck(False, [f"not a proof file: {error}"])
    lines: list[str] = []
    unknown = sorted(set(data) - {"case", "checkpoint", "events"})
    refusal = None
    if unknown:
        refusal = f"unproven field(s) {', '.join(unknown)} in the proof file"
    elif not checkpoint.signature_ok():
        refusal = f"the checkpoint at size {checkpoint.size} has an INVALID signature"
    elif checkpoint.public_key not in trusted:
        refusal = (f"the checkpoint is signed by key {checkpoint.key_id}, which is not trusted"
                   f" (trusted: {describe(trusted)})")
    elif not events:
        refusal = "the proof proves no event"
    if refusal is None:
        lines.append(f"checkpoint at size {checkpoint.size} signed by key {checkpoint.key_id}"
                     f" ({trusted[checkpoint.public_key]}): valid signature")
    else:
        lines.append(refusal)
    ok = refusal is None
    root = bytes.fromhex(checkpoint.root) if _is_hex(checkpoint.root) else b""
    for event in events:
        try:
            problem = "the checkpoint does not vouch for it" if refusal else _check_event(event, case, checkpoint.size,
                                                                                          root)
        except Exception as error:  # noqa: BLE001 - a forged entry may be wrong in any way; it proves nothing
            problem = f"malformed ({type(error).__name__})"
        ok = ok and problem is None
        shown = event if isinstance(event, dict) else {}
        where = f"leaf {shown.get('index')}" if isinstance(shown.get("index"), int) else "an event"
        verdict = "included" if problem is None else f"NOT PROVED ({problem})"
        lines.append(f"{where} {shown.get('type')} {shown.get('event')} at {shown.get('at')}: {verdict}")
    return ProofCheck(ok, lines)


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _check_event(event: Any, case: Any, size: int, root: bytes) -> str | None:
    """Why this entry is not proved (None when it is): inclusion of its bytes, then every shown field."""
    if not isinstance(event, dict):
        return "not an object"
    extra = sorted(set(event) - set(CANONICAL) - set(PATH) - set(SHOWN))
    if extra:
        return f"unproven field(s) {', '.join(extra)}"
    missing = [name for name in (*CANONICAL, *PATH, *SHOWN) if name not in event]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    try:
        state = base64.b64decode(event["state"], validate=True)
        originator = UUID(event["originator_id"])
        version = event["version"]
        index = event["index"]
        if not (isinstance(version, int) and isinstance(index, int)) or isinstance(version, bool):
            return "version and index must be whole numbers"
        leaf = leaf_hash(leaf_bytes(event["topic"], originator, version, state))
        path = [bytes.fromhex(h) for h in event["path"]]
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        return f"malformed: {error}"
    if not verify_inclusion(leaf, index, size, path, root):
        return "its bytes are not in the signed tree at that index"
    shown = _shown_fields(event["topic"], originator, version, state)
    if shown is None:
        return "its bytes do not read back as a ledger event"
    if shown["case"] != case:
        return f"it belongs to case {shown['case']!r}, not {case!r}"
    for name in SHOWN:
        if name in event and event[name] != shown[name]:
            return f"'{name}' shows {event[name]!r} but the proven bytes say {shown[name]!r}"
    return None


def _shown_fields(topic: str, originator: UUID, version: int, state: bytes) -> dict[str, Any] | None:
    """What a reader is shown of an event, computed from its proven bytes alone."""
    from eventsourcing.utils import resolve_topic

    from ..domain.events import LedgerEvent, ledger_event_id

    try:
        cls = resolve_topic(topic)
        body = json.loads(state)
        at, recorded = body["at"]["_data_"], body["timestamp"]["_data_"]
    except Exception:  # noqa: BLE001 - forged bytes may fail in any way; they prove nothing
        return None
    if not (isinstance(cls, type) and issubclass(cls, LedgerEvent)):
        return None
    return {"event": ledger_event_id(originator, version), "type": cls.wire_type or cls.__name__,
            "case": body.get("case"), "at": at, "recorded": recorded}


def raw_event_dict(raw: Any, record: Any) -> dict[str, Any]:
    """A case event as a proof carries it: the canonical fields, and what a reader is shown (each
    checked against them). The log position is left out: the leaf does not cover it."""
    return {
        "event": record.event,
        "type": record.type,
        "case": record.case,
        "at": _state_time(raw.state, "at"),
        "recorded": _state_time(raw.state, "timestamp"),
        "topic": raw.topic,
        "originator_id": raw.originator_id if "-" in raw.originator_id else str(UUID(raw.originator_id)),
        "version": raw.version,
        "state": base64.b64encode(raw.state).decode(),
    }


def _state_time(state: bytes, name: str) -> str:
    return str(json.loads(state)[name]["_data_"])


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
