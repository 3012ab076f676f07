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

from .base import APPEND_ONLY_TABLES, PG_CHUNK, LedgerRecorder, utc_now
from .postgres import PostgresLedgerRecorder
from .sqlite import SQLiteLedgerRecorder

__all__ = ["APPEND_ONLY_TABLES", "PG_CHUNK", "LedgerRecorder", "PostgresLedgerRecorder", "SQLiteLedgerRecorder",
           "utc_now"]
