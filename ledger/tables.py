"""SQL tables beside the events, through SQLAlchemy (read models, logins and tokens join them).

- `ledger_meta`: a small key/value table about the store itself.
- `checkpoints`: the signed checkpoints (size, root, time). Not a read model: `ledger rebuild`
  never drops them, it checks the rebuilt tree against them.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from .store import APPEND_ONLY

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
    metadata.create_all(engine)
    # Signed checkpoints are evidence: append-only at the database, like the events.
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            for action in ("UPDATE", "DELETE"):
                connection.execute(text(
                    f"CREATE TRIGGER IF NOT EXISTS checkpoints_no_{action.lower()} BEFORE {action} ON checkpoints "
                    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
                ))
        else:
            connection.execute(text(
                "CREATE OR REPLACE FUNCTION checkpoints_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
            ))
            connection.execute(text(
                "CREATE OR REPLACE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints "
                "FOR EACH ROW EXECUTE FUNCTION checkpoints_refuse_change()"
            ))


def claim_meta(engine: Engine, key: str, value: str) -> str:
    """Set `key` unless another process set it first; returns the value that stands."""
    # Losing the race is fine: the value another process stored first is the one that stands.
    with suppress(IntegrityError), engine.begin() as connection:
        connection.execute(insert(ledger_meta).values(key=key, value=value))
    stored = get_meta(engine, key)
    assert stored is not None
    return stored


def get_meta(engine: Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()


def set_meta(engine: Engine, key: str, value: str) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(ledger_meta).where(ledger_meta.c.key == key).values(value=value))
        if changed.rowcount == 0:
            connection.execute(insert(ledger_meta).values(key=key, value=value))
