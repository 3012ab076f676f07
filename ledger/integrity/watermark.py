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

    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> dict[str, Any]:
        """The whole file; raises ValueError when it is there but damaged (never read as "no mark":
        a truncated mark would otherwise switch the protection off)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise ValueError(f"the high-water mark {self.path} is damaged ({error})") from None
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise ValueError(f"the high-water mark {self.path} is damaged (not a map of stores)")
        return data

    def read(self) -> Mark | None:
        entry = self._load().get(self.store)
        if entry is None:
            return None
        try:
            return Mark(int(entry["size"]), str(entry["root"]), str(entry["time"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"the high-water mark {self.path} is damaged (its entry for this store)") from None

    def advance(self, size: int, root: str, time: str) -> None:
        """Remember a signed tree if it is larger than the one remembered (several processes may
        sign for one store: the file is locked, read, and replaced whole)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = self._load()
                current = int((data.get(self.store) or {}).get("size", -1))
            except (ValueError, TypeError, AttributeError):
                return  # a damaged mark is left as it is, for `ledger verify` to report
            if current >= size:
                return
            data[self.store] = {"size": size, "root": root, "time": time}
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
            os.replace(temporary, self.path)
