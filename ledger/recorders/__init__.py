"""The event store: the `eventsourcing` library's own SQLite and PostgreSQL recorders, subclassed
so that one append writes, in the same transaction as the events:

- the client idempotency ids (`id` in §8) into `ledger_keys`, whose unique key makes a duplicate
  impossible even between processes;
- the seal (`ledger.integrity.seal`): each event's leaf hash into `ledger_leaves`, the tree head
  into `ledger_tree`, and, when this process holds the instance key, a signed checkpoint of the
  new head into `checkpoints`.

Events, keys, leaves and checkpoints are append-only at the database (triggers refuse UPDATE and
DELETE, and TRUNCATE on PostgreSQL). PostgreSQL inserts go in bounded chunks without psycopg's
pipeline mode: one large array in a pipeline hangs the client for ever (psycopg issue #685).
"""

from typing import TYPE_CHECKING, Any

from .base import APPEND_ONLY_TABLES, PG_CHUNK, LedgerRecorder, ddl_version, utc_now
from .sqlite import SQLiteLedgerRecorder

if TYPE_CHECKING:
    from .postgres import PostgresLedgerRecorder


def __getattr__(name: str) -> Any:
    """The PostgreSQL recorder, imported when first asked for (PEP 562): it brings psycopg and the
    library's PostgreSQL module, a tenth of a command's start-up that a SQLite store never uses."""
    if name == "PostgresLedgerRecorder":
        from .postgres import PostgresLedgerRecorder

        return PostgresLedgerRecorder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["APPEND_ONLY_TABLES", "PG_CHUNK", "LedgerRecorder", "PostgresLedgerRecorder", "SQLiteLedgerRecorder", "ddl_version",
           "utc_now"]
