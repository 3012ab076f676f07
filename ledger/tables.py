"""SQL tables beside the events, through SQLAlchemy (read models, logins and tokens join them).

- `ledger_meta`: a small key/value table about the store itself.
- `checkpoints`: the signed checkpoints (size, root, time), written by the event store in the same
  transaction as the events they cover (`ledger.recorders`). Not a read model: `ledger rebuild`
  never touches them.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", Integer, primary_key=True, autoincrement=False),
    Column("root", String(64), nullable=False),
    Column("time", String(40), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(100), nullable=False),
)


def create_all(engine: Engine) -> None:
    # `checkpoints` is made, with its append-only triggers, by the event store's recorder (it is
    # written in the same transaction as the events); create_all skips it as existing.
    metadata.create_all(engine)


def claim_meta(engine: Engine, key: str, value: str) -> str:
    """Set `key` unless another process set it first; returns the value that stands."""
    # Losing the race is fine: the value another process stored first is the one that stands.
    with suppress(IntegrityError), engine.begin() as connection:
        connection.execute(insert(ledger_meta).values(key=key, value=value))
    stored = get_meta(engine, key)
    assert stored is not None
    return stored


def meta_if_any(engine: Engine, key: str) -> str | None:
    """`get_meta`, or None before `ledger_meta` exists (a store being made)."""
    if not inspect(engine).has_table(ledger_meta.name):
        return None
    return get_meta(engine, key)


def get_meta(engine: Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()


def set_meta(engine: Engine, key: str, value: str) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(ledger_meta).where(ledger_meta.c.key == key).values(value=value))
        if changed.rowcount == 0:
            connection.execute(insert(ledger_meta).values(key=key, value=value))
