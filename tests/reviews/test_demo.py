"""The demo has reviews to show: the demo contracts' last three months, the older two sent where the customer
has an admin, the latest a draft for the service manager."""

import datetime as dt

import pytest

from picocore.demo.data import load_demo
from picocore.outbox.models import OutboxEmail
from picocore.reviews.demo import make_demo_reviews
from picocore.reviews.models import ServiceReview
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db


def test_the_demo_makes_three_months_of_reviews(monkeypatch):
    moment = dt.datetime(2027, 3, 10, 9, 0, tzinfo=CPH)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment.astimezone(dt.UTC))
    load_demo()
    months = [dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)]
    by_organisation: dict[str, list[tuple[dt.date, str]]] = {}
    for review in ServiceReview.objects.select_related("organisation").order_by("organisation__name", "month"):
        by_organisation.setdefault(review.organisation.name, []).append((review.month, review.status))
    assert sorted(by_organisation) == ["Acme Foods", "Bolt Hardware", "Nordic Fashion"]
    for name, reviews in by_organisation.items():
        assert [month for month, _status in reviews] == months, name
    assert by_organisation["Acme Foods"] == [(months[0], "sent"), (months[1], "sent"), (months[2], "draft")]
    assert OutboxEmail.objects.filter(kind="service_review").exists()
    assert make_demo_reviews(moment=moment) == 0  # made once
