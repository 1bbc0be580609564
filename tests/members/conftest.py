import datetime as dt

import pytest

from tests.conftest import Customer


@pytest.fixture
def admin_client(client, acme: Customer):
    """The ACME customer admin, signed in."""
    client.force_login(acme.admin)
    return client


class _Freezer:
    """The current time as the code sees it (`django.utils.timezone.now`), moved by the test."""

    def __init__(self) -> None:
        self.current = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.current

    def tick(self, delta: dt.timedelta) -> None:
        self.current += delta


@pytest.fixture
def freezer(monkeypatch) -> _Freezer:
    fake = _Freezer()
    monkeypatch.setattr("django.utils.timezone.now", fake)
    return fake
