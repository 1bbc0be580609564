import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picocore.core.pagination import _decode, _encode, keyset_page
from picocore.tenancy.models import Membership
from picocore.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db


@given(st.integers(min_value=-(2**40), max_value=2**40), st.integers(min_value=1, max_value=2**40))
@settings(max_examples=50)
def test_cursor_round_trip(value, pk):
    assert _decode(_encode(value, pk)) == (value, pk)


@pytest.mark.parametrize("garbage", ["", "%%%", "bm90IGpzb24", "WzEsMiwzXQ"])
def test_malformed_cursor_means_first_page(garbage):
    assert _decode(garbage) is None


@pytest.mark.parametrize(("field", "descending"), [("updated_at", True), ("priority", False), ("created_at", False)])
def test_walking_all_pages_visits_every_row_once_in_order(acme, field, descending):
    for index in range(23):
        acme.ticket(impact=["high", "medium", "low"][index % 3])
    seen, cursor = [], None
    while True:
        page = keyset_page(Ticket.objects.all(), field=field, descending=descending, cursor=cursor, size=5)
        seen.extend(page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    direction = "-" if descending else ""
    assert seen == list(Ticket.objects.order_by(f"{direction}{field}", f"{direction}id"))


def test_walking_by_a_related_rows_field_visits_every_row_once_in_order(acme):
    for index in range(12):  # four names, three people each: the id decides between them
        person = factories.UserFactory(full_name=f"Person {index % 4}")
        factories.MembershipFactory(user=person, organisation=acme.organisation)
    seen, cursor = [], None
    while True:
        page = keyset_page(Membership.objects.all(), field="user__full_name", descending=False, cursor=cursor,
                           size=5, related=("user",))  # fmt: skip
        seen.extend(page.rows)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(Membership.objects.order_by("user__full_name", "id"))
