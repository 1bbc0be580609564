"""The audit trail is a hash chain: each entry carries its predecessor's hash, and `picocore audit verify`
finds the first entry altered or deleted behind the application's back."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from picocore.audit import chain
from picocore.audit.models import AuditChainHead, AuditEntry
from picocore.audit.services import audit_record
from picocore.audit.verification import audit_verify
from picocore.catalog.models import PriorityRule
from tests import factories

pytestmark = pytest.mark.django_db


def record(n: int, actor=None) -> list[AuditEntry]:
    entries = []
    for i in range(n):
        entry = audit_record(
            actor=actor,
            action="changed",
            instance=PriorityRule(pk=i + 1),
            changes={"name": {"before": i, "after": i + 1}},
        )
        assert entry is not None
        entries.append(entry)
    return entries


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run_verify() -> tuple[int, str, str]:
    """`picocore audit verify` in this process: its exit status, standard output and error."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_entries_are_numbered_and_each_carries_the_hash_of_the_one_before():
    first, second, third = record(3, actor=factories.UserFactory())
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert (first.previous_hash, second.previous_hash, third.previous_hash) == (chain.GENESIS, first.hash, second.hash)
    stored = AuditEntry.objects.get(pk=second.pk)
    assert stored.hash == chain.entry_hash(
        sequence=2,
        at=stored.at,
        actor_id=stored.actor_id,
        action="changed",
        content_type="catalog.priorityrule",
        object_id="2",
        text_digest=chain.text_digest(stored.object_repr, stored.changes),
        previous_hash=first.hash,
    )
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (3, third.hash)


def test_a_clean_chain_verifies_with_its_count():
    entries = record(5)
    result = audit_verify(batch_size=2)
    assert (result.ok, result.checked, result.head_hash) == (True, 5, entries[-1].hash)
    code, out, err = run_verify()
    assert (code, err) == (0, "")
    assert f"OK: 5 entries verified. Head hash: {entries[-1].hash}" in out


def test_an_empty_trail_verifies():
    assert (audit_verify().ok, audit_verify().checked) == (True, 0)


def test_text_altered_by_sql_is_reported_at_its_entry():
    entries = record(4)
    sql("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", "Someone else", entries[2].pk)
    result = audit_verify(batch_size=2)
    assert result.fault is not None
    assert (result.fault.sequence, result.fault.entry_id, result.checked) == (3, entries[2].pk, 2)
    assert "text does not match" in result.fault.problem
    code, out, err = run_verify()
    assert (code, out) == (1, "")
    assert f"broken at entry #3 (id {entries[2].pk}): altered" in err


def test_a_changed_actor_or_time_is_reported():
    entries = record(3)
    sql("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", factories.UserFactory().pk, entries[1].pk)
    fault = audit_verify().fault
    assert fault is not None and (fault.sequence, fault.problem) == (2, "altered: its hash does not match its content")


def test_an_entry_rehashed_after_its_change_breaks_the_link_of_the_next():
    entries = record(3)
    sql("UPDATE audit_auditentry SET hash = %s WHERE id = %s", "f" * 64, entries[0].pk)
    fault = audit_verify().fault
    assert fault is not None and fault.sequence == 1
    sql("UPDATE audit_auditentry SET hash = %s WHERE id = %s", entries[0].hash, entries[0].pk)
    sql("UPDATE audit_auditentry SET previous_hash = %s WHERE id = %s", "e" * 64, entries[2].pk)
    fault = audit_verify().fault
    assert fault is not None and (fault.sequence, fault.entry_id) == (3, entries[2].pk)
    assert "does not follow" in fault.problem


def test_a_deleted_entry_is_reported_missing():
    entries = record(5)
    sql("DELETE FROM audit_auditentry WHERE id = %s", entries[2].pk)
    result = audit_verify(batch_size=2)
    assert result.fault is not None
    assert (result.fault.sequence, result.fault.entry_id, result.checked) == (3, None, 2)
    assert result.fault.problem == "missing (deleted?): the next entry found is #4"
    code, _out, err = run_verify()
    assert code == 1 and "broken at entry #3: missing" in err


def test_deleting_the_newest_entries_is_reported_through_the_head():
    entries = record(3)
    sql("DELETE FROM audit_auditentry WHERE id = %s", entries[2].pk)
    fault = audit_verify().fault
    assert fault is not None and (fault.sequence, fault.problem) == (3, "missing (deleted?): the head names #3")


def test_an_entry_written_in_a_transaction_that_rolls_back_leaves_no_hole():
    record(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(1)
        raise RuntimeError
    third = record(1)[0]
    assert third.sequence == 3
    assert audit_verify().checked == 3


def test_a_missing_head_is_rebuilt_from_the_newest_entry():
    entries = record(2)
    AuditChainHead.objects.all().delete()
    assert record(1)[0].previous_hash == entries[1].hash
    assert audit_verify().ok


def test_the_migration_chains_entries_written_before_the_chain():
    entries = record(3)
    sql("UPDATE audit_auditentry SET hash = '', previous_hash = '', text_digest = ''")
    AuditChainHead.objects.all().delete()
    assert not audit_verify().ok
    executor = MigrationExecutor(connection)
    historical = executor.loader.project_state(("audit", "0003_chain_existing")).apps
    migration = executor.loader.get_migration("audit", "0003_chain_existing")
    migration.operations[0].code(historical, None)
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 3)
    assert list(AuditEntry.objects.order_by("sequence").values_list("pk", flat=True)) == [e.pk for e in entries]
