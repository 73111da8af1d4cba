"""The one lock that orders the park's gate writes.

Decisions count what is inside (hazmat places, zone and dock capacity) and then add to it;
the audit chain reads its tail and appends. Both must see every earlier write of the same
kind, so on PostgreSQL every such transaction takes one transaction-scoped advisory lock
before it reads what it will change (released at commit or rollback). One key for both
keeps the order of locks the same everywhere, so two transactions can never wait for each
other. Row locks (``FOR UPDATE``) on a passage are taken after it.

On SQLite a writing transaction already holds the database's write lock from its first
statement (``BEGIN IMMEDIATE``, see ``app._may_write``): nothing more is needed.
"""

from __future__ import annotations

from sqlalchemy import text

from gatekeeper.extensions import db

# Any constant works: it only has to be the same in every process that writes.
PARK_WRITE_LOCK_KEY = 0x6761_7465


_HELD = "gatekeeper.park_write_lock"


def park_write_lock() -> None:
    """Wait until no other transaction changes the park's counts or the audit chain.
    Asked once per transaction: a decision, its audit entries and the guard's lock on the
    passage all call this, and the lock is held until the transaction ends anyway."""
    session = db.session()  # this request's or job's Session (not the registry)
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.in_transaction() and session.info.get(_HELD) is session.get_transaction():
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARK_WRITE_LOCK_KEY})
    session.info[_HELD] = session.get_transaction()
