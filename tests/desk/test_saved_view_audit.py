"""Saving, sharing, renaming and deleting a saved view is on the audit trail, with before and after, in the
transaction of the change: a refused change records nothing, a change that rolls back leaves no entry."""

import pytest
from django.db import transaction

from picocore.audit.models import AuditEntry
from picocore.core.errors import PermissionDenied, ValidationError
from picocore.tickets.models import SavedView
from picocore.tickets.queues import Filters
from picocore.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_rename

pytestmark = pytest.mark.django_db


def trail() -> list[tuple[str | None, str, str, str, dict]]:
    rows = AuditEntry.objects.filter(content_type__model="savedview").select_related("actor").order_by("id")
    return [(e.actor.email if e.actor else None, e.action, e.object_id, e.object_repr, e.changes) for e in rows]


def stored(view: SavedView) -> dict:
    """The values a saved view holds, as the audit trail writes them (times left out)."""
    return {
        "filter_assignee": None, "filter_organisation": view.filter_organisation, "filter_priority": 3,
        "filter_solution": None, "filter_status": "", "filter_text": "price", "filter_type": "", "id": view.pk,
        "name": view.name, "owner": view.owner_id, "queue": "team", "sort": "priority", "team": view.team_id,
    }  # fmt: skip


def create(world, *, name: str = "ACME P3", team=None) -> SavedView:
    filters = Filters(organisation=world.acme.organisation.pk, priority=3, text="price")
    return saved_view_create(actor=world.consultant, name=name, queue="team", filters=filters, sort="priority",
                             team=team)  # fmt: skip


def without_times(changes: dict) -> dict:
    return {field: change for field, change in changes.items() if field not in ("created_at", "updated_at")}


def test_a_personal_view_saved_is_recorded_with_every_value_it_holds(world):
    view = create(world)
    [(actor, action, object_id, name, changes)] = trail()
    assert (actor, action, object_id, name) == (world.consultant.email, "created", str(view.pk), "ACME P3")
    # Every value that is not empty (an empty filter is no change from nothing).
    held = {field: v for field, v in stored(view).items() if v is not None}
    assert without_times(changes) == {field: {"before": None, "after": v} for field, v in held.items()}
    assert set(changes) - set(held) == {"created_at", "updated_at"}


def test_a_view_shared_with_a_team_records_the_team(world):
    view = create(world, name="Team P3", team=world.operations)
    [(_actor, action, _id, _name, changes)] = trail()
    assert (action, changes["team"]) == ("created", {"before": None, "after": world.operations.pk})
    assert view.team == world.operations


def test_a_rename_records_the_name_before_and_after_only(world):
    view = create(world)
    saved_view_rename(actor=world.consultant, view=view, name="ACME, priority 3")
    (_a, _b, _c, _d, _e), (actor, action, object_id, name, changes) = trail()
    assert (actor, action, object_id, name) == (world.consultant.email, "changed", str(view.pk), "ACME, priority 3")
    assert without_times(changes) == {"name": {"before": "ACME P3", "after": "ACME, priority 3"}}
    assert SavedView.objects.get().name == "ACME, priority 3"


def test_renaming_to_the_same_name_records_nothing(world):
    view = create(world)
    saved_view_rename(actor=world.consultant, view=view, name="  ACME P3 ")
    assert [action for _a, action, *_rest in trail()] == ["created"]


def test_a_rename_to_a_taken_name_is_refused_and_records_nothing(world):
    create(world, name="Other")
    view = create(world)
    with pytest.raises(ValidationError):
        saved_view_rename(actor=world.consultant, view=view, name="Other")
    assert [action for _a, action, *_rest in trail()] == ["created", "created"]
    assert view.name == "ACME P3"
    assert sorted(SavedView.objects.values_list("name", flat=True)) == ["ACME P3", "Other"]


def test_a_refused_save_or_rename_or_delete_records_nothing(world):
    with pytest.raises(ValidationError):
        create(world, name="   ")
    view = create(world, team=world.operations)
    with pytest.raises(PermissionDenied):
        saved_view_rename(actor=world.outsider, view=view, name="Mine now")
    with pytest.raises(PermissionDenied):
        saved_view_delete(actor=world.outsider, view=view)
    assert [action for _a, action, *_rest in trail()] == ["created"]
    assert SavedView.objects.get().name == "ACME P3"


def test_a_delete_records_every_value_the_view_held(world):
    view = create(world, team=world.operations)
    values, pk = stored(view), view.pk
    saved_view_delete(actor=world.manager, view=view)  # a shared view: a service manager may delete it
    (_a, _b, _c, _d, _e), (actor, action, object_id, name, changes) = trail()
    assert (actor, action, object_id, name) == (world.manager.email, "deleted", str(pk), "ACME P3")
    held = {field: v for field, v in values.items() if v is not None}
    assert without_times(changes) == {field: {"before": v, "after": None} for field, v in held.items()}
    assert not SavedView.objects.exists()


def test_the_entry_is_written_in_the_transaction_of_the_change(world):
    """Rolled back with the change: neither the view nor its entry is left."""
    with pytest.raises(RuntimeError), transaction.atomic():
        create(world)
        assert len(trail()) == 1
        raise RuntimeError
    assert (trail(), SavedView.objects.count()) == ([], 0)


def test_the_pages_record_the_same_entries(client, world):
    client.force_login(world.consultant)
    query = f"organisation={world.acme.organisation.pk}&priority=3&sort=priority&q=price"
    client.post("/desk/views/", {"name": "ACME P3", "queue": "team", "query": query, "team": world.operations.pk})
    view = SavedView.objects.get()
    client.post(f"/desk/views/{view.pk}/rename/", {"name": "Renamed"})
    client.post(f"/desk/views/{view.pk}/delete/")
    assert [(actor, action, name) for actor, action, _id, name, _c in trail()] == [
        (world.consultant.email, "created", "ACME P3"),
        (world.consultant.email, "changed", "Renamed"),
        (world.consultant.email, "deleted", "Renamed"),
    ]
