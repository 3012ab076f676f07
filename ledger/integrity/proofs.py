"""Inclusion proofs: each event of a case, proved to be in the tree under a signed checkpoint.

A proof file is self-contained: the checkpoint (size, root, time, key, signature) and, per event,
its canonical fields and its RFC 9162 audit path. `check_proof` needs no database.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from .checkpoint import Checkpoint
from .merkle import inclusion_path, leaf_bytes, leaf_hash, levels, verify_inclusion


def build_proof(case: str, checkpoint: Checkpoint, leaves: list[tuple[int, bytes]],
                events: list[dict[str, Any]]) -> dict[str, Any]:
    """`leaves`: (position, leaf hash) of the whole log; `events`: the case's raw events."""
    covered = leaves[: checkpoint.size]
    index_of = {position: index for index, (position, _) in enumerate(covered)}
    tree = levels([leaf for _, leaf in covered]) if covered else [[]]
    proved = []
    for event in events:
        index = index_of.get(event["position"])
        if index is None:
            continue  # recorded after the checkpoint
        proved.append({**event, "index": index, "path": [h.hex() for h in inclusion_path(tree, index)]})
    return {"case": case, "checkpoint": checkpoint.as_dict(), "events": proved}


@dataclass(frozen=True)
class ProofCheck:
    ok: bool
    lines: list[str]


def check_proof(data: Any, *, trusted_key: str | None = None) -> ProofCheck:
    lines: list[str] = []
    try:
        checkpoint = Checkpoint.from_dict(data.get("checkpoint"))
        events = list(data["events"])
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        return ProofCheck(False, [f"not a proof file: {error}"])
    ok = True
    if not checkpoint.signature_ok():
        ok = False
        lines.append(f"checkpoint at size {checkpoint.size}: INVALID signature")
    elif trusted_key is not None and checkpoint.public_key != trusted_key:
        ok = False
        lines.append(f"checkpoint signed by key {checkpoint.key_id}, not the trusted key")
    else:
        lines.append(f"checkpoint at size {checkpoint.size} signed by key {checkpoint.key_id}: valid signature")
    root = bytes.fromhex(checkpoint.root)
    for event in events:
        try:
            state = base64.b64decode(event["state"], validate=True)
            leaf = leaf_hash(leaf_bytes(event["topic"], UUID(event["originator_id"]), int(event["version"]), state))
            path = [bytes.fromhex(h) for h in event["path"]]
            included = verify_inclusion(leaf, int(event["index"]), checkpoint.size, path, root)
        except (KeyError, TypeError, ValueError):
            included = False
        ok = ok and included
        verdict = "included" if included else "NOT PROVED"
        lines.append(f"position {event.get('position')} {event.get('type')} {event.get('event')}: {verdict}")
    return ProofCheck(ok, lines)


def raw_event_dict(raw: Any, record: Any) -> dict[str, Any]:
    """A case event as a proof carries it: canonical fields plus what a reader wants to see."""
    return {
        "position": raw.position,
        "event": record.event,
        "type": record.type,
        "at": record.at.isoformat(),
        "recorded": record.recorded.isoformat(),
        "topic": raw.topic,
        "originator_id": raw.originator_id if "-" in raw.originator_id else str(UUID(raw.originator_id)),
        "version": raw.version,
        "state": base64.b64encode(raw.state).decode(),
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
