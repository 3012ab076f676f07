"""SQL tables beside the events, through SQLAlchemy (read models, logins and tokens join them).

For now: `ledger_meta`, a small key/value table that says what the store is and when it was set
up, so a command can tell a fresh store from one that `ledger init` has already filled.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, MetaData, String, Table, Text, insert, select, update

metadata = MetaData()

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def create_all(engine: Engine) -> None:
    metadata.create_all(engine)


def get_meta(engine: Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar()


def set_meta(engine: Engine, key: str, value: str) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(ledger_meta).where(ledger_meta.c.key == key).values(value=value))
        if changed.rowcount == 0:
            connection.execute(insert(ledger_meta).values(key=key, value=value))
