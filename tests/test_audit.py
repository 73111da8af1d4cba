from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from gatekeeper.models import AuditEntry
from gatekeeper.models.audit import GENESIS_HASH
from gatekeeper.services import audit


def _append(n: int) -> list[AuditEntry]:
    return [
        audit.record("test.event", entity_type="thing", entity_id=i, details={"i": i, "ü": "渝"})
        for i in range(n)
    ]


def test_entries_form_a_chain(session: Any) -> None:
    first, second, third = _append(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert audit.verify_chain().ok


def test_verify_survives_a_round_trip_through_the_database(session: Any) -> None:
    _append(5)
    session.commit()
    session.expunge_all()
    result = audit.verify_chain()
    assert result.ok
    assert result.entries == 5


def test_an_edited_row_is_found(session: Any) -> None:
    _append(4)
    session.commit()
    session.execute(text("UPDATE audit_entry SET details = :d WHERE seq = 3"), {"d": '{"i":99}'})
    session.expunge_all()
    result = audit.verify_chain()
    assert not result.ok
    assert [(b.seq, b.problem) for b in result.breaks] == [
        (3, "content does not match its hash (edited)")
    ]


def test_a_deleted_row_is_found(session: Any) -> None:
    _append(4)
    session.commit()
    session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    session.expunge_all()
    broken = {b.seq for b in audit.verify_chain().breaks}
    assert broken == {3}


def test_a_rehashed_row_breaks_the_next_link(session: Any) -> None:
    """An attacker who edits a row and recomputes its hash still breaks the chain."""
    _append(3)
    session.commit()
    session.expunge_all()
    row = session.get(AuditEntry, 2)
    row_details = '{"i":42}'
    new_hash = row.compute_hash(details=row_details)
    session.expunge_all()
    session.execute(
        text("UPDATE audit_entry SET details = :d, hash = :h WHERE seq = 2"),
        {"d": row_details, "h": new_hash},
    )
    session.expunge_all()
    problems = [(b.seq, b.problem) for b in audit.verify_chain().breaks]
    assert problems == [(3, "link to the previous entry does not match")]


def test_the_orm_refuses_to_change_or_delete_entries(session: Any) -> None:
    (entry,) = _append(1)
    session.commit()
    entry.action = "something.else"
    with pytest.raises(audit.AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    entry = session.scalars(select(AuditEntry)).one()
    session.delete(entry)
    with pytest.raises(audit.AuditLogIsAppendOnly):
        session.flush()


def test_cli_verify_reports_an_edited_row(runner: Any, session: Any) -> None:
    _append(3)
    session.commit()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0
    assert "intact: 3 entries" in intact.output
    session.execute(text("UPDATE audit_entry SET actor = 'user:mallory' WHERE seq = 2"))
    session.expunge_all()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 2: content does not match its hash" in broken.output
