"""Reference data kept per process: reused while the token stands, reloaded after any change, own or not."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from picocore.catalog.models import RequestType
from picocore.core import reference
from picocore.core.models import ReferenceToken
from picocore.tenancy.models import User
from picocore.tenancy.scope import user_with_reach
from tests import factories

pytestmark = pytest.mark.django_db


class Loader:
    """Counts its calls and answers with the request types' names as they are now."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *key: object) -> tuple[str, ...]:
        self.calls += 1
        return tuple(RequestType.objects.order_by("name").values_list("name", flat=True))


def token() -> int:
    return ReferenceToken.objects.get(pk=ReferenceToken.SINGLETON).token


def test_a_value_is_loaded_once_while_the_token_stands():
    loader = Loader()
    factories.RequestTypeFactory(name="Incident")
    assert reference.cached("test.names", loader) == ("Incident",)
    assert reference.cached("test.names", loader) == ("Incident",)
    assert loader.calls == 1


def test_keys_keep_separate_values():
    calls: list[int] = []

    def double(number: int) -> int:
        calls.append(number)
        return number * 2

    assert reference.cached("test.double", double, 2) == 4
    assert reference.cached("test.double", double, 3) == 6
    assert reference.cached("test.double", double, 2) == 4
    assert calls == [2, 3]


def test_saving_or_deleting_a_tracked_model_moves_the_token_and_the_next_read_sees_it():
    loader = Loader()
    before = token()
    request_type = factories.RequestTypeFactory(name="Incident")
    assert token() != before
    assert reference.cached("test.names", loader) == ("Incident",)
    request_type.name = "Outage"
    request_type.save()
    assert reference.cached("test.names", loader) == ("Outage",)
    request_type.delete()
    assert reference.cached("test.names", loader) == ()
    assert loader.calls == 3


def test_many_to_many_changes_move_the_token_from_either_side():
    team = factories.TeamFactory()
    person = factories.UserFactory()
    organisation = factories.OrganisationFactory()
    moves = []
    for change in (
        lambda: team.members.add(person),
        lambda: person.teams.remove(team),
        lambda: organisation.teams.add(team),
        lambda: team.organisations.clear(),
    ):
        before = token()
        change()
        moves.append(token() != before)
    assert moves == [True, True, True, True]
    assert not team.organisations.exists()


def test_signing_in_does_not_move_the_token_but_changing_a_person_does():
    person = factories.UserFactory(full_name="Ada")
    before = token()
    person.save(update_fields=["last_login"])
    assert token() == before
    person.full_name = "Ada Lovelace"
    person.save(update_fields=["full_name"])
    assert token() != before


def test_a_change_by_another_process_is_seen_on_the_next_read():
    loader = Loader()
    factories.RequestTypeFactory(name="Incident")
    reference.cached("test.names", loader)
    # Another process's commit: the table changes without signals here, and the token moves.
    RequestType.objects.update(name="Renamed elsewhere")
    assert reference.cached("test.names", loader) == ("Incident",)  # this process has not heard yet
    ReferenceToken.objects.update(token=token() + 1)
    assert reference.cached("test.names", loader) == ("Renamed elsewhere",)


def test_a_rolled_back_change_is_never_taken_for_the_current_state():
    loader = Loader()
    factories.RequestTypeFactory(name="Incident")
    assert reference.cached("test.names", loader) == ("Incident",)
    with pytest.raises(RuntimeError), transaction.atomic():
        RequestType.objects.get().delete()
        assert reference.cached("test.names", loader) == ()
        raise RuntimeError("roll back")
    assert reference.cached("test.names", loader) == ("Incident",)


def test_without_a_token_row_every_call_loads_afresh():
    loader = Loader()
    ReferenceToken.objects.all().delete()
    reference.cached("test.names", loader)
    reference.cached("test.names", loader)
    assert loader.calls == 2
    factories.RequestTypeFactory(name="Incident")  # a change with no row to move changes nothing else
    assert reference.cached("test.names", loader) == ("Incident",)


def test_a_value_older_than_the_maximum_age_is_loaded_again(monkeypatch):
    loader = Loader()
    reference.cached("test.names", loader)
    monkeypatch.setattr(reference, "MAX_AGE", 0.0)
    reference.cached("test.names", loader)
    assert loader.calls == 2


def test_outside_a_request_each_call_reads_the_token_and_a_scope_reads_it_once():
    loader = Loader()
    reference.cached("test.names", loader)
    with CaptureQueriesContext(connection) as outside:
        reference.cached("test.names", loader)
    assert len(outside) == 1
    with reference.scope(), CaptureQueriesContext(connection) as inside:
        for _ in range(3):
            reference.cached("test.names", loader)
    assert len(inside) == 1
    assert loader.calls == 1


def test_the_session_users_query_brings_the_token_so_a_hit_costs_no_query():
    person = factories.UserFactory()
    loader = Loader()
    reference.cached("test.names", loader)
    with reference.scope():
        read = user_with_reach(person.pk)
        assert isinstance(read, User)
        with CaptureQueriesContext(connection) as captured:
            reference.cached("test.names", loader)
    assert len(captured) == 0
    assert loader.calls == 1


def test_a_request_reads_its_own_changes():
    loader = Loader()
    with reference.scope():
        assert reference.cached("test.names", loader) == ()
        factories.RequestTypeFactory(name="Incident")
        assert reference.cached("test.names", loader) == ("Incident",)


def test_each_request_is_a_scope_whose_token_comes_with_its_user(rf):
    """Through the middleware: the session's user read brings the token, the hits that follow cost nothing,
    and the next request starts without the previous one's token."""
    person = factories.UserFactory()
    loader = Loader()
    reference.cached("test.names", loader)
    seen = []

    def view(request):
        user_with_reach(person.pk)
        with CaptureQueriesContext(connection) as captured:
            reference.cached("test.names", loader)
        seen.append(len(captured))
        return None

    middleware = reference.ReferenceScopeMiddleware(view)
    middleware(rf.get("/"))
    ReferenceToken.objects.update(token=token() + 1)  # changed elsewhere between the two requests
    middleware(rf.get("/"))
    assert seen == [0, 1]  # the second request's one query is the reload itself, not a token read
    assert loader.calls == 2
