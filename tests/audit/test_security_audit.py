"""Changes to a person's sign-in security land in the audit trail: a second factor set up and removed, recovery
codes renewed, sessions ended by their owner, and the administrator's deadline for staff's second factor."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.audit.verification import audit_verify
from picocore.security.models import SecuritySettings, SignedInSession
from picocore.security.twofactor import security_settings
from tests.accounts.support import app_code, enrolled, password_step
from tests.conftest import prove_recently

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


def entries() -> list[tuple[str | None, str, str, dict]]:
    return [
        (entry.actor.full_name if entry.actor else None, entry.action, entry.object_id, entry.changes)
        for entry in AuditEntry.objects.select_related("actor").order_by("sequence")
    ]


def test_setting_up_renewing_and_removing_the_app_are_recorded(client, consultant):
    client.force_login(consultant)
    client.post("/accounts/security/two-factor/start/")
    assert AuditEntry.objects.count() == 0  # begun, not set up
    device = consultant.totpdevice_set.get()
    assert client.post("/accounts/security/two-factor/confirm/", {"code": app_code(device)}).status_code == 200
    me = str(consultant.pk)
    assert entries() == [
        ("Carla Consultant", "factor_enrolled", me, {"second_factor": {"before": None, "after": "Authenticator app"}})
    ]
    # The confirmation proved the person a moment ago: the step-up lets the renewal and the removal through.
    assert client.post("/accounts/security/two-factor/recovery-codes/").status_code == 200
    assert entries()[1:] == [("Carla Consultant", "codes_renewed", me, {"recovery_codes": {"before": 10, "after": 10}})]
    assert client.post("/accounts/security/two-factor/remove/").status_code == 302
    assert entries()[2:] == [
        ("Carla Consultant", "factor_removed", me, {"second_factor": {"before": "Authenticator app", "after": None}})
    ]
    assert client.post("/accounts/security/two-factor/remove/").status_code == 302  # nothing left to remove
    assert len(entries()) == 3
    assert audit_verify().ok


def test_replacing_the_app_says_so(consultant):
    enrolled(consultant)
    enrolled(consultant)
    assert [changes["second_factor"]["before"] for _n, action, _id, changes in entries()] == [
        None,
        "Authenticator app",
    ]


def test_a_wrong_code_records_nothing(client, consultant):
    client.force_login(consultant)
    client.post("/accounts/security/two-factor/start/")
    device = consultant.totpdevice_set.get()
    wrong = f"{(int(app_code(device)) + 1) % 10**6:06d}"
    assert client.post("/accounts/security/two-factor/confirm/", {"code": wrong}).status_code == 400
    assert entries() == []


def _browser(user, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    assert password_step(browser, user).status_code == 302
    return browser


def test_ending_sessions_is_recorded_with_the_browsers_not_the_addresses(acme):
    laptop = _browser(acme.requester, FIREFOX)
    phone = _browser(acme.requester, PHONE)
    _browser(acme.requester, PHONE)
    signed_in = len(entries())
    record = SignedInSession.objects.get(session_key=phone.session.session_key)
    assert laptop.post(f"/accounts/security/sessions/{record.pk}/end/").status_code == 302
    me = str(acme.requester.pk)
    assert entries()[signed_in:] == [
        ("ACME Requester", "session_ended", me, {"sessions": {"before": ["Safari on iPhone"], "after": []}})
    ]
    assert laptop.post("/accounts/security/sessions/end-others/").status_code == 302
    assert entries()[signed_in + 1 :] == [
        ("ACME Requester", "session_ended", me, {"sessions": {"before": ["Safari on iPhone"], "after": []}})
    ]
    assert laptop.post("/accounts/security/sessions/end-others/").status_code == 302  # none left: nothing recorded
    assert laptop.post(f"/accounts/security/sessions/{record.pk}/end/").status_code == 404
    assert len(entries()) == signed_in + 2
    assert "198.51.100" not in str(entries()) and "203.0.113" not in str(entries())


def test_changing_the_staff_deadline_is_recorded(client, root):
    settings_row = security_settings()
    before = settings_row.staff_second_factor_from
    count = AuditEntry.objects.count()
    prove_recently(client)
    response = client.post(
        reverse("admin:security_securitysettings_change", args=[SecuritySettings.SINGLETON]),
        {"staff_second_factor_from_0": "2031-05-01", "staff_second_factor_from_1": "08:00:00"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.order_by("sequence")[count:].get()
    assert (entry.actor, entry.action, entry.object_id) == (root, "changed", "1")
    after = SecuritySettings.objects.get().staff_second_factor_from
    assert after == dt.datetime(2031, 5, 1, 8, tzinfo=ZoneInfo("America/Santiago"))  # the installation's zone
    assert entry.changes == {
        "staff_second_factor_from": {"before": _json(before), "after": "2031-05-01T08:00:00-04:00"}
    }


def _json(moment: dt.datetime) -> str:
    from django.core.serializers.json import DjangoJSONEncoder

    return DjangoJSONEncoder().default(moment)
