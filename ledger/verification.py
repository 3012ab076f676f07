"""`ledger verify`: recompute everything from the stored events and compare.

1. Each stored event's canonical bytes give its leaf; the leaves, in log order, must be the ones
   sealed when each event was appended (`ledger_leaves`, append-only, never recomputed): an
   altered, deleted, inserted or reordered event shows at the first position where they differ.
2. Every checkpoint must carry a valid signature by a TRUSTED key (`ledger.integrity.trust`:
   anchored outside the store) and the root of the first `size` recomputed leaves. The largest
   such checkpoint covers the events it vouches for; later events are counted as not yet signed.
3. The tree head the store keeps must be the tree of the recomputed leaves.
4. The read models must have consumed exactly a prefix of the log: one fact per event up to their
   tracked position (behind the log is reported, not a failure).
5. With `full`, every read-model row is recomputed from the events and compared.
"""

from __future__ import annotations

import json
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from .domain.errors import CorruptEvent
from .integrity.checkpoint import Checkpoint
from .integrity.merkle import Frontier, raw_leaf_checked
from .integrity.trust import describe
from .projections.audit import read_model_problems
from .projections.tables import facts

if TYPE_CHECKING:
    from .eventlog import EventLog
    from .recorders import LedgerRecorder
    from .projections import Projections
    from .integrity.watermark import Watermark


@dataclass(frozen=True)
class Subject:
    """What is verified: the log, the read models built from it, and this host's key and its
    high-water mark (what it signed for this store)."""

    log: EventLog
    projections: Projections
    watermark: Watermark | None
    own_key: str | None


@dataclass(frozen=True)
class Problem:
    position: int | None
    what: str

    def __str__(self) -> str:
        where = f"position {self.position}" if self.position is not None else "ledger"
        return f"{where}: {self.what}"


@dataclass
class Verification:
    events: int = 0
    checkpoints: int = 0
    tracked: int = 0
    signed: int = 0  # how many events (a prefix of the log) a trusted checkpoint covers
    trusted: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unsigned(self) -> int:
        return self.events - self.signed

    @property
    def behind(self) -> int:
        return self.events - self.tracked

    @property
    def first(self) -> Problem | None:
        located = [p for p in self.problems if p.position is not None]
        if located:
            return min(located, key=lambda p: p.position or 0)
        return self.problems[0] if self.problems else None


#: Recorded times may step back this much along the log (appends prepared on several hosts at once);
#: more means a row was written into the log by hand, outside the ledger, with a backdated time.
RECORDED_TIME_SLACK = timedelta(hours=1)


class Leaves:
    """The recomputed leaves in log order, held compactly: 40 bytes an event (a position and a
    32-byte hash), where a list of (position, bytes) tuples took some 160 bytes an event."""

    def __init__(self) -> None:
        self.positions = array("q")
        self._hashes = bytearray()

    def append(self, position: int, leaf: bytes) -> None:
        if len(leaf) != LEAF_SIZE:
            raise ValueError(f"a leaf is {LEAF_SIZE} bytes, not {len(leaf)}")
        self.positions.append(position)
        self._hashes += leaf

    def __len__(self) -> int:
        return len(self.positions)

    def leaf(self, index: int) -> bytes:
        return bytes(self._hashes[LEAF_SIZE * index : LEAF_SIZE * (index + 1)])

    def hex(self, start: int, stop: int) -> str:
        """The leaves start..stop-1, their hashes' hex digits run together."""
        return self._hashes[LEAF_SIZE * start : LEAF_SIZE * stop].hex()

    def hashes(self) -> Iterator[bytes]:
        return (self.leaf(index) for index in range(len(self)))

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return zip(self.positions, self.hashes(), strict=True)


#: The bytes of one leaf hash (SHA-256).
LEAF_SIZE = 32
#: Sealed leaves read from the store at a time.
SEALED_PAGE = 50_000


def recompute_leaves(subject: Subject, result: Verification) -> Leaves:
    leaves = Leaves()
    latest: datetime | None = None
    for raw in subject.log.recorder.raw_events():
        leaf, id_parsed = raw_leaf_checked(raw)
        if not id_parsed:
            result.problems.append(Problem(raw.position, "the stored aggregate id is not a valid id (altered?)"))
        leaves.append(raw.position, leaf)
        recorded = _recorded_time(raw.state)
        if recorded is not None:
            if latest is not None and recorded < latest - RECORDED_TIME_SLACK:
                result.problems.append(Problem(
                    raw.position, f"recorded at {recorded.isoformat()}, long before the event before it"
                    f" ({latest.isoformat()}): written into the log out of order?",
                ))
            latest = recorded if latest is None else max(latest, recorded)
    return leaves


def sealed_pages(recorder: LedgerRecorder, leaves: Leaves) -> Iterator[list[tuple[int, int, str]]]:
    """Every sealed leaf row (position, leaf index, hash), in log order, a page of SEALED_PAGE at a
    time: the pages are the log's own position ranges (the first from below any position), then
    whatever lies past its last event."""
    after: int | None = None
    for end in range(SEALED_PAGE, len(leaves) + SEALED_PAGE, SEALED_PAGE):
        upto = leaves.positions[min(end, len(leaves)) - 1]
        yield recorder.stored_leaves(after=after, upto=upto)
        after = upto
    yield recorder.stored_leaves(after=after)


#: How the library's JSON transcoder begins every stored event state: the recorded time first.
_STATE_START = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def _recorded_time(state: bytes) -> datetime | None:
    """The recorded time in a stored state, as JSON decoding gives it (the last of duplicate keys
    winning). Read off the front only when that is provably the same answer: the state begins as
    the library writes it, holds no backslash (so no key or value is spelt with escapes), names
    `"timestamp"` exactly once in any spacing, and the time's object closes right after its
    value (no second `_data_`); otherwise the whole state is parsed. Parsing every state for one
    value was a fifth of `verify`."""
    try:
        if state.startswith(_STATE_START) and b"\\" not in state and state.count(b'"timestamp"') == 1:
            end = state.index(b'"', len(_STATE_START))
            if state[end:end + 2] == b'"}':
                return datetime.fromisoformat(state[len(_STATE_START):end].decode())
        return datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # an unreadable state is reported through its leaf


def verify(subject: Subject, *, full: bool = False, trusted: dict[str, str]) -> Verification:
    result = Verification(trusted=trusted)
    leaves = recompute_leaves(subject, result)
    result.events = len(leaves)
    _compare_leaves(leaves, sealed_pages(subject.log.recorder, leaves), result)
    checkpoints = subject.log.recorder.stored_checkpoints()
    root = _check_checkpoints(checkpoints, leaves, result)
    _check_watermark(subject, checkpoints, len(leaves), result)
    _check_head(subject, leaves, root, result)
    _check_consumption(subject, leaves, result)
    if full and result.ok:
        _check_read_models(subject, result)
    return result


def _compare_leaves(leaves: Leaves, pages: Iterable[list[tuple[int, int, str]]], result: Verification) -> None:
    try:
        _compare_sealed(leaves, pages, result)
    except CorruptEvent as damaged:  # a leaf row that is not one the ledger writes
        result.problems.append(Problem(damaged.position, str(damaged)))


def _page_matches(leaves: Leaves, page: list[tuple[int, int, str]], start: int) -> bool:
    """Is `page` exactly the sealed rows of leaves start, start+1, …? Compared a column at a time
    (C loops: a row at a time was a tenth of `verify`); any doubt (False) is settled row by row.
    Every hash must be 64 digits, or two altered rows could run together into the right digits."""
    stop = start + len(page)
    if stop > len(leaves):
        return False
    try:
        return (array("q", [row[0] for row in page]) == leaves.positions[start:stop]
                and [row[1] for row in page] == list(range(start, stop))
                and set(map(len, (hashes := [row[2] for row in page]))) <= {2 * LEAF_SIZE}
                and "".join(hashes) == leaves.hex(start, stop))
    except (TypeError, OverflowError):  # a hash that is not text, a position beyond 64 bits
        return False


def _compare_sealed(leaves: Leaves, pages: Iterable[list[tuple[int, int, str]]], result: Verification) -> None:
    count = 0
    for page in pages:
        if _page_matches(leaves, page, count):
            count += len(page)
            continue
        for position, leaf_index, leaf_hex in page:
            index, count = count, count + 1
            if index >= len(leaves):
                result.problems.append(Problem(position, "the event sealed here is missing from the log (deleted?)"))
                return
            actual_position = leaves.positions[index]
            if actual_position != position or leaf_index != index:
                result.problems.append(Problem(min(actual_position, position),
                                               "the log's order or contents changed here (deleted or inserted?)"))
                return
            if leaves.leaf(index).hex() != leaf_hex:
                result.problems.append(Problem(position, "the stored event's bytes differ from those sealed when it"
                                                         " was appended"))
                return
    if count == 0 and len(leaves):
        result.problems.append(Problem(leaves.positions[0], "no event of this store has a leaf sealed at append time:"
                                       " it was made by a version before sealing (export it with that version and"
                                       " `ledger restore` the export), or its leaves were deleted"))
    elif count < len(leaves):
        result.problems.append(Problem(leaves.positions[count], "this event has no leaf sealed at append time"
                                       " (written into the log outside the ledger?)"))


def _check_checkpoints(checkpoints: list[Checkpoint], leaves: Leaves, result: Verification) -> bytes:
    """Check every checkpoint against the recomputed leaves; return the root of all of them."""
    result.checkpoints = len(checkpoints)
    if not result.trusted:
        result.problems.append(Problem(None, "no trusted key: nothing vouches for this ledger (name the instance's"
                                             " public key with --trusted-key or LEDGER_TRUSTED_KEYS)"))
    wanted: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        if not checkpoint.signature_ok():
            result.problems.append(Problem(None, f"checkpoint at size {checkpoint.size} has an invalid signature"))
            continue
        if checkpoint.public_key not in result.trusted:
            result.problems.append(Problem(
                None, f"checkpoint at size {checkpoint.size} is signed by key {checkpoint.key_id}, which is not"
                f" trusted (trusted: {describe(result.trusted)})",
            ))
            continue
        if checkpoint.size > len(leaves):
            result.problems.append(Problem(
                leaves.positions[-1] if leaves else None,
                f"checkpoint at size {checkpoint.size} covers events no longer in the log ({len(leaves)} left)",
            ))
            continue
        wanted[checkpoint.size].append(checkpoint)
    frontier = Frontier()
    for checkpoint in wanted.get(0, []):
        if checkpoint.root != frontier.root().hex():
            result.problems.append(Problem(None, "the empty checkpoint has a wrong root"))
    done = 0
    for size in sorted(size for size in wanted if size > 0):
        frontier.extend(leaves.leaf(index) for index in range(done, size))
        done = size
        for checkpoint in wanted[size]:
            if checkpoint.root != frontier.root().hex():
                result.problems.append(Problem(
                    leaves.positions[size - 1],
                    f"the events up to here do not match the signed checkpoint at size {checkpoint.size}"
                ))
            else:
                result.signed = max(result.signed, checkpoint.size)
    frontier.extend(leaves.leaf(index) for index in range(done, len(leaves)))
    return frontier.root()


def _check_watermark(subject: Subject, checkpoints: list[Checkpoint], events: int, result: Verification) -> None:
    """The key file's key remembers the largest tree it signed for this store: it must still be here."""
    if subject.watermark is None:
        return
    try:
        mark = subject.watermark.read()
    except ValueError as damaged:
        result.problems.append(Problem(None, f"{damaged}: what this host's key signed cannot be checked"))
        return
    own = subject.own_key
    if mark is None:
        if any(c.public_key == own and c.signature_ok() for c in checkpoints):
            result.problems.append(Problem(None, f"this host's key signed checkpoints of this store, but its high-water"
                                                 f" mark ({subject.watermark.path}) has no entry for it: deleted? (a key"
                                                 " file copied from another host needs that host's mark beside it)"))
        return
    if not any(c.size == mark.size and c.root == mark.root and c.public_key == own and c.signature_ok()
               for c in checkpoints):
        result.problems.append(Problem(None, f"this host's key signed the tree at size {mark.size} (root {mark.root[:16]}…,"
                                             f" {mark.time}), but the store no longer holds that checkpoint: its"
                                             f" checkpoints were deleted, or the store was rolled back ({events}"
                                             " events now)"))


def _check_head(subject: Subject, leaves: Leaves, expected: bytes, result: Verification) -> None:
    """The stored tree head must be the tree of the recomputed leaves (`expected`: their root)."""
    try:
        head = subject.log.recorder.tree_head()
    except CorruptEvent as damaged:
        result.problems.append(Problem(None, str(damaged)))
        return
    if head.size != len(leaves) or head.root() != expected:
        result.problems.append(Problem(
            leaves.positions[min(head.size, len(leaves) - 1)] if leaves else None,
            f"the store's tree head (size {head.size}) is not the tree of its {len(leaves)} events",
        ))


def _check_consumption(subject: Subject, leaves: Leaves, result: Verification) -> None:
    tracked = subject.projections.position()
    result.tracked = 0
    positions = leaves.positions  # ascending: the log's order
    whole = type(tracked) is int  # SQLite's integer column takes text or a blob too
    consumed = bisect_right(positions, tracked) if tracked and whole else 0
    if tracked and (not whole or consumed == 0 or positions[consumed - 1] != tracked):
        result.problems.append(Problem(tracked if whole else None,
                                       f"the read models claim a position the log does not have ({tracked!r})"
                                       if not whole else "the read models claim a position the log does not have"))
        return
    result.tracked = consumed
    query = select(facts.c.position).order_by(facts.c.position).execution_options(yield_per=SEALED_PAGE)
    with subject.projections.view.transaction(commit=False) as session:
        rows = session.execute(query).scalars()
        try:
            parting = _first_parting(iter(lambda: list(rows.fetchmany(SEALED_PAGE)), []), positions[:consumed])
        finally:
            rows.close()  # a server-side cursor on PostgreSQL, perhaps read only in part
    if parting is not None:
        result.problems.append(Problem(parting, "the read models' facts do not match the log up to their position"))


def _first_parting(stored: Iterable[Sequence[int]], expected: Sequence[int]) -> int | None:
    """Two ascending sequences compared in step, the first a page at a time: None if equal, else
    the smallest position that one has and the other has not (where they first part). A page
    equal to its part of `expected` is passed over at once; any other is walked item by item."""
    done = 0
    for page in stored:
        if list(page) == list(expected[done : done + len(page)]):
            done += len(page)
            continue
        for index, fact in enumerate(page, start=done):
            wanted = expected[index] if index < len(expected) else None
            if fact != wanted:
                return min(p for p in (fact, wanted) if p is not None)
        done += len(page)
    return expected[done] if done < len(expected) else None


def _check_read_models(subject: Subject, result: Verification) -> None:
    """Recompute every read-model row from the events they have taken in and compare
    (`projections.audit`, in bounded memory)."""
    for problem in read_model_problems(subject.log, subject.projections):
        result.problems.append(Problem(None, problem))
