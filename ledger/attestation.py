"""What the ledger vouches for: a signed checkpoint over the log as it stands, inclusion proofs
under it, and the whole log as JSON Lines closed by it (SPEC §10).

Nothing goes out under a checkpoint that does not cover it: every answer is checked against the
events as stored now before it is given. The caller catches the read models up first (a keyless
writer's events are signed then, by whoever holds the key).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .domain.case import case_id
from .domain.errors import CorruptEvent, StoreError, UnknownReference
from .eventlog import Clock, EventLog
from .integrity.checkpoint import Checkpoint, signed
from .integrity.keys import SigningKey
from .integrity.merkle import EMPTY_ROOT, raw_leaf
from .integrity.proofs import build_proof, raw_event_dict
from .interchange import dumps, to_line
from .writing import CHECKPOINT_LINE


class Attestor:
    def __init__(self, log: EventLog, signer: SigningKey | None, clock: Clock, key_path: Path) -> None:
        self._log = log
        self._signer = signer
        self._clock = clock
        self._key_path = key_path

    def head_checkpoint(self) -> Checkpoint:
        """A signed checkpoint over the whole log as it stands.

        With the key, every append was signed when it was made; events a keyless writer appended
        are signed by the catch-up if the stored tree still agrees with the last checkpoint.
        Without the key, only an existing checkpoint at the head will do: we never sign or vouch
        for less."""
        recorder = self._log.recorder
        head = recorder.tree_head()
        if head.size == 0 and recorder.max_notification_id():
            raise CorruptEvent(None, "the store holds events but its tree head (ledger_tree) is gone")
        if head.size == 0 and self._signer is not None:
            return signed(0, EMPTY_ROOT, self._clock().astimezone().isoformat(), self._signer)
        latest = recorder.latest_checkpoint()
        if latest is not None and latest.size == head.size and latest.signature_ok():
            return latest
        if self._signer is None:
            raise StoreError(f"the last events are not under a signed checkpoint and this process has no key at"
                             f" {self._key_path} to sign one; run this where the instance key is")
        raise StoreError("the stored tree no longer agrees with the last signed checkpoint: this process will not"
                         " sign over it; run `ledger verify`")

    def prove(self, case: str) -> dict[str, Any]:
        """An inclusion proof of each of the case's events under a checkpoint signed now."""
        records = {r.position: r for r in self._log.stream_records(case_id(case))}
        if not records:
            raise UnknownReference(code="unknown_case", params={"case": repr(case)}, field="case")
        checkpoint = self.head_checkpoint()
        raws = list(self._log.recorder.raw_events())
        leaves = [(raw.position, raw_leaf(raw)) for raw in raws]
        self._log.check_covers(checkpoint, leaves)
        events = [{**raw_event_dict(raw, records[raw.position]), "position": raw.position}
                  for raw in raws if raw.position in records]
        return build_proof(case, checkpoint, leaves, events)

    def export_lines(self) -> Iterator[str]:
        """The whole ledger as JSON Lines, closed by a checkpoint signed now over exactly those
        events (checked against the events themselves before a line is written)."""
        checkpoint = self.head_checkpoint()
        self._log.check_covers(checkpoint, self._log.sealed_leaves())
        for count, record in enumerate(self._log.records(), start=1):
            if count > checkpoint.size:
                break
            yield dumps(to_line(record))
        yield dumps({"type": CHECKPOINT_LINE, **checkpoint.as_dict()})

