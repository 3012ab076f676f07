"""The high-water mark: the largest tree this key has signed for a store, kept OUTSIDE the store,
beside the key file (`ledger.key.signed`, one entry per store address).

Why: whoever can write to the database can delete the newest checkpoints and rewrite the events
after the last one left, so that they look like a keyless writer's appends. Only something the
database cannot touch can tell "never signed" from "signed, then deleted": a signer that
remembers what it signed refuses to sign over less, and `verify` on its host reports the loss
(and so a whole store rolled back to an older copy, too).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Mark:
    size: int
    root: str
    time: str


class Watermark:
    def __init__(self, key_path: Path, store_address: str) -> None:
        self.path = key_path.with_name(key_path.name + ".signed")
        self.store = hashlib.sha256(store_address.encode()).hexdigest()[:24]

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # an unreadable mark claims nothing; verify then relies on the checkpoints alone
        return data if isinstance(data, dict) else {}

    def read(self) -> Mark | None:
        entry = self._load().get(self.store)
        try:
            return Mark(int(entry["size"]), str(entry["root"]), str(entry["time"])) if entry else None
        except (KeyError, TypeError, ValueError):
            return None

    def advance(self, size: int, root: str, time: str) -> None:
        """Remember a signed tree if it is larger than the one remembered (several processes may
        sign for one store: the file is locked, read, and replaced whole)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._load()
            current = data.get(self.store) or {}
            if int(current.get("size", -1)) >= size:
                return
            data[self.store] = {"size": size, "root": root, "time": time}
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
            os.replace(temporary, self.path)
