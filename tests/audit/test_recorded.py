"""What the trail records besides configuration: sign-ins, refused sign-ins (never a password), and an API
token's first use of each day, without a write per request."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from picocore.api.models import ApiToken
from picocore.audit.models import AuditEntry
from picocore.audit.verification import audit_verify
from picocore.tenancy.models import User
from tests.accounts.support import app_code, code_step, enrolled, password_step
from tests.api.conftest import Api
from tests.factories import PASSWORD
from tests.sla.conftest import CPH, Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def nils(db) -> User:
    return User.objects.create_user("nils@nord.example", PASSWORD, full_name="Nils Nord")


def sign_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR="198.51.100.7")


def trail() -> list[tuple]:
    return list(AuditEntry.objects.order_by("sequence").values_list("action", "actor_id", "object_id", "changes"))


def test_a_sign_in_is_recorded_by_the_person(client, nils):
    assert sign_in(client, "Nils@Nord.example", PASSWORD).status_code == 302
    assert trail() == [("signed_in", nils.pk, str(nils.pk), {})]


def test_a_refused_sign_in_is_recorded_against_the_account_without_the_password(
    client, nils, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert sign_in(client, "nils@nord.example", "a-wrong-guess-123").status_code == 200
    assert len(queued) == 1
    assert trail() == [("sign_in_failed", None, str(nils.pk), {})]
    stored = " ".join(f"{e.object_repr} {e.changes}" for e in AuditEntry.objects.all())
    assert "a-wrong-guess" not in stored and PASSWORD not in stored


def test_a_refused_sign_in_for_no_account_records_nothing(client, nils, django_capture_on_commit_callbacks):
    # The request queues the same work either way: the worker finds there is no account.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert sign_in(client, "nobody@nord.example", "a-wrong-guess-123").status_code == 200
    assert len(queued) == 1
    assert trail() == []


def test_refusals_while_locked_out_are_not_recorded_again(client, nils, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            sign_in(client, "nils@nord.example", "a-wrong-guess-123")
    # Five tries lock the account (the fifth answered with the pause); those after are the throttle's.
    assert [action for action, *_rest in trail()] == ["sign_in_failed"] * 4
    assert audit_verify().checked == 4


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=CPH))
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake


def token_uses() -> list[str]:
    """When each first use of a day was recorded, in the installation's time zone."""
    return [
        at.astimezone(timezone.get_default_timezone()).isoformat()
        for at in AuditEntry.objects.filter(action="token_used").values_list("at", flat=True).order_by("sequence")
    ]


def test_a_tokens_first_use_each_day_is_recorded_once(acme, clock):
    local = timezone.get_default_timezone()  # America/Santiago in the tests: UTC-3 in November
    api = Api(acme.requester)
    for minutes in (0, 1, 5, 120):
        clock.set(dt.datetime(2026, 11, 23, 9, 0, tzinfo=local) + dt.timedelta(minutes=minutes))
        assert api.get("/api/v1/tickets/").status_code == 200
    clock.set(dt.datetime(2026, 11, 23, 23, 59, tzinfo=local))  # 02:59 UTC on the 24th: still the 23rd here
    assert api.get("/api/v1/tickets/").status_code == 200
    clock.set(dt.datetime(2026, 11, 24, 0, 1, tzinfo=local))
    assert api.get("/api/v1/tickets/").status_code == 200
    assert token_uses() == ["2026-11-23T09:00:00-03:00", "2026-11-24T00:01:00-03:00"]
    entry = AuditEntry.objects.filter(action="token_used").first()
    assert entry is not None and (entry.actor_id, entry.object_id) == (
        acme.requester.pk,
        str(ApiToken.objects.get().pk),
    )
    assert audit_verify().ok


def test_a_use_within_the_minute_writes_nothing(acme, clock):
    api = Api(acme.requester)
    assert api.get("/api/v1/tickets/").status_code == 200
    clock.set(dt.datetime(2026, 11, 23, 9, 0, 30, tzinfo=CPH))
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/tickets/").status_code == 200
    # The rate limit counts every request; the token and the trail are not written within the minute.
    written = " ".join(
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )
    assert "api_apitoken" not in written and "audit_" not in written
    assert len(token_uses()) == 1


def test_with_a_second_factor_the_sign_in_is_recorded_once_the_code_is_right(client, consultant):
    device, _codes = enrolled(consultant)
    before = len(trail())
    assert password_step(client, consultant).status_code == 302
    assert trail()[before:] == []  # the password alone signs nobody in
    assert code_step(client, app_code(device)).status_code == 302
    assert trail()[before:] == [("signed_in", consultant.pk, str(consultant.pk), {})]


def test_a_wrong_second_factor_code_is_recorded_as_a_refusal(client, consultant, django_capture_on_commit_callbacks):
    device, _codes = enrolled(consultant)
    before = len(trail())
    assert password_step(client, consultant).status_code == 302
    wrong = "000000" if app_code(device) != "000000" else "111111"
    with django_capture_on_commit_callbacks(execute=True):
        assert code_step(client, wrong).status_code == 400
    assert trail()[before:] == [("sign_in_failed", None, str(consultant.pk), {})]
