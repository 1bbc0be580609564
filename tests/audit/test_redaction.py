"""Erasing a person from the trail's text keeps the chain verifiable, and a forged redaction mark is found."""

import pytest
from django.db import connection

from picocore.audit.models import AuditEntry
from picocore.audit.services import audit_record, audit_redact_person, diff, snapshot
from picocore.audit.verification import audit_verify
from picocore.tenancy.models import Organisation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sofie():
    return factories.UserFactory(full_name="Sofie Søndergaard", email="sofie@kunde.example")


def test_a_persons_name_and_address_leave_the_trail_and_it_still_verifies(sofie):
    admin = factories.UserFactory(full_name="Rune Root")
    created = audit_record(actor=admin, action="created", instance=sofie, changes=diff({}, snapshot(sofie)))
    renamed = audit_record(
        actor=sofie,
        action="changed",
        instance=sofie,
        changes={"email": {"before": "SOFIE@kunde.example", "after": "sofie@kunde.example"}},
    )
    organisation = factories.OrganisationFactory(name="Kunde A/S")
    untouched = audit_record(
        actor=admin,
        action="changed",
        instance=organisation,
        changes={"name": {"before": "Kunde", "after": "Kunde A/S"}},
    )
    # A longer word containing the name is not the name.
    other = audit_record(
        actor=admin,
        action="changed",
        instance=organisation,
        changes={"note": {"before": None, "after": "Sofie Søndergaards"}},
    )
    assert created and renamed and untouched and other

    redaction = audit_redact_person(actor=admin, user_id=sofie.pk, replacement="Erased person 7")

    assert redaction is not None
    assert (redaction.action, redaction.sequence, redaction.changes) == (
        "redacted",
        5,
        {"entries": {"before": None, "after": 2}},
    )
    stored = {e.pk: e for e in AuditEntry.objects.all()}
    assert stored[created.pk].object_repr == "Erased person 7"
    assert stored[created.pk].changes["email"] == {"before": None, "after": "Erased person 7"}
    assert stored[created.pk].changes["full_name"] == {"before": None, "after": "Erased person 7"}
    assert stored[renamed.pk].changes["email"] == {"before": "Erased person 7", "after": "Erased person 7"}
    assert [stored[e.pk].redacted_in for e in (created, renamed, untouched, other)] == [5, 5, None, None]
    assert stored[untouched.pk].changes == untouched.changes
    assert stored[other.pk].changes == other.changes
    everything = " ".join(f"{e.object_repr} {e.changes}" for e in stored.values() if e.pk != other.pk)
    assert "Søndergaard" not in everything and "sofie@" not in everything.lower()
    result = audit_verify()
    assert (result.ok, result.checked, result.redacted) == (True, 5, 2)


def test_redacting_again_marks_nothing_new_and_still_verifies(sofie):
    audit_record(
        actor=None, action="created", instance=sofie, changes={"full_name": {"before": None, "after": sofie.full_name}}
    )
    assert audit_redact_person(actor=None, user_id=sofie.pk, replacement="Erased") is not None
    assert audit_redact_person(actor=None, user_id=sofie.pk, replacement="Erased") is None
    assert audit_verify().ok


def test_a_forged_redaction_mark_is_found(sofie):
    audit_record(
        actor=None, action="created", instance=sofie, changes={"full_name": {"before": None, "after": sofie.full_name}}
    )
    organisation = Organisation.objects.create(name="Kunde", slug="kunde", key_prefix="KU")
    victim = audit_record(
        actor=None, action="changed", instance=organisation, changes={"name": {"before": "K", "after": "Kunde"}}
    )
    redaction = audit_redact_person(actor=None, user_id=sofie.pk, replacement="Erased")
    assert victim and redaction
    # Someone rewrites another entry's text and marks it redacted to hide the change.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s, redacted_in = %s WHERE id = %s",
            ["Other", redaction.sequence, victim.pk],
        )
    fault = audit_verify().fault
    assert fault is not None and (fault.sequence, fault.entry_id) == (redaction.sequence, redaction.pk)
    assert "marked redacted" in fault.problem


def test_a_redaction_mark_pointing_backwards_is_found(sofie):
    first = audit_record(actor=None, action="created", instance=sofie, changes={})
    assert first
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_repr = 'x', redacted_in = 1 WHERE id = %s", [first.pk])
    fault = audit_verify().fault
    assert fault is not None and fault.sequence == 1 and "not later" in fault.problem
