from __future__ import annotations

import json
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


def test_a_cut_tail_is_found_by_its_signed_checkpoint(session: Any) -> None:
    _append(4)
    session.commit()
    assert audit.write_checkpoint().seq == 4
    assert audit.write_checkpoint() is None  # the head is already signed
    session.execute(text("DELETE FROM audit_entry WHERE seq >= 3"))
    session.expunge_all()
    result = audit.verify_chain()
    assert [(b.seq, b.problem) for b in result.breaks] == [
        (4, "missing: the log was cut after a signed checkpoint")
    ]


def test_a_rewritten_and_rehashed_tail_is_found_by_its_signed_checkpoint(session: Any) -> None:
    entries = _append(3)
    session.commit()
    audit.write_checkpoint()
    # Whoever can write the database rewrites entry 3 and recomputes its hash: the chain
    # itself is consistent again, but the signed head no longer matches.
    forged = entries[2].compute_hash(details='{"i":99}')
    session.execute(
        text("UPDATE audit_entry SET details = :d, hash = :h WHERE seq = 3"),
        {"d": '{"i":99}', "h": forged},
    )
    session.expunge_all()
    problems = [(b.seq, b.problem) for b in audit.verify_chain().breaks]
    assert problems == [(3, "differs from its signed checkpoint (rewritten)")]


def test_a_checkpoint_forged_without_the_key_is_found(session: Any, audit_checkpoints: Any) -> None:
    _append(2)
    session.commit()
    audit.write_checkpoint()
    line = json.loads(audit_checkpoints.read_text())
    audit_checkpoints.write_text(json.dumps({**line, "seq": 1}) + "\n")
    problems = [(b.seq, b.problem) for b in audit.verify_chain().breaks]
    assert problems == [(1, "checkpoint signature invalid")]


def test_cli_checkpoint_then_verify(runner: Any, session: Any) -> None:
    _append(2)
    session.commit()
    assert "signed at entry 2" in runner.invoke(args=["audit", "checkpoint"]).output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
