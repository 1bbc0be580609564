"""Planning a change: its texts and plans, its confirmed affected components, its planned window.

Guarantees: only staff serving the organisation plan its changes, and only while the change is being planned
(a standard change's plans are its template's); a component of another organisation is refused like a missing
one; moving the window of a scheduled change is a reschedule: it must respect the customer's maintenance
windows and freezes again (an emergency change may override them with a reason), raises the change's
sequence and sends exactly one notice. Each write records its history entry and audit entry in one
transaction, and the risk is recomputed.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.changes import risk, scheduling, states
from picocore.changes.choices import ChangeEventKind, ChangeStatus, ChangeType, NoticeKind
from picocore.changes.guards import window_refusal
from picocore.changes.models import Change, ChangeComponent
from picocore.changes.notices import notice_send
from picocore.changes.services.common import (
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    clean_text,
    component_ids,
    locked,
    raise_if,
    reassess,
    record,
    touch,
)
from picocore.changes.services.creation import _implementer
from picocore.cmdb.models import Component
from picocore.core.errors import InvalidTransition, NotFound, ValidationError
from picocore.tenancy.models import User
from picocore.webhooks.announce import change_scheduled_announce

DOWNTIME_MAX = 7 * 24 * 60
WINDOW_MAX = dt.timedelta(days=14)
PLAN_FIELDS = ("implementation_plan", "test_plan", "backout_plan")


def _planning(change: Change) -> None:
    if change.status not in states.PLANNING:
        raise InvalidTransition(
            _("%(key)s is %(status)s: it is no longer being planned. Move it back to assessment to change it.")
            % {"key": change.key, "status": change.get_status_display().lower()}
        )


def change_update(
    *,
    actor: User,
    change_id: int,
    title: str,
    reason: str,
    implementation_plan: str = "",
    test_plan: str = "",
    backout_plan: str = "",
    downtime_minutes: int = 0,
    implementer_id: int | None = None,
    risk_answers: dict[str, object] | None = None,
) -> Change:
    """Change the texts, plans, expected downtime, implementer and risk answers of a change being planned. A
    standard change keeps its template's plans."""
    with transaction.atomic():
        change = locked(actor, change_id)
        _planning(change)
        errors: dict[str, list[str]] = {}
        values: dict[str, object] = {
            "title": clean_text(errors, "title", title, limit=TITLE_MAX, required=True, label=_("the title")),
            "reason": clean_text(errors, "reason", reason, limit=TEXT_MAX, required=True, label=_("the reason")),
        }
        if change.change_type != ChangeType.STANDARD:
            for field, text in zip(PLAN_FIELDS, (implementation_plan, test_plan, backout_plan), strict=True):
                values[field] = clean_text(errors, field, text, limit=TEXT_MAX)
        if (
            isinstance(downtime_minutes, bool)
            or not isinstance(downtime_minutes, int)
            or not (0 <= downtime_minutes <= DOWNTIME_MAX)
        ):
            errors["downtime_minutes"] = [_("Give the expected downtime in minutes, at most a week.")]
        else:
            values["downtime_minutes"] = downtime_minutes
        implementer = _implementer(errors, change.organisation_id, implementer_id)
        values["implementer_id"] = implementer.pk if implementer else None
        if risk_answers is not None:
            values["risk_answers"] = risk.clean_answers(risk_answers)
        raise_if(errors)
        changes = {
            name: {"before": getattr(change, name), "after": value}
            for name, value in values.items()
            if getattr(change, name) != value
        }
        if not changes:
            return change
        for name, value in values.items():
            setattr(change, name, value)
        if implementer is not None:
            change.implementer = implementer
        fields = [*values, *reassess(change), touch(change)]
        change.save(update_fields=fields)
        record(change, actor=actor, kind=ChangeEventKind.EDITED, data={"fields": sorted(changes)}, changes=changes)
    return change


def change_components_set(*, actor: User, change_id: int, component_ids_: Iterable[int]) -> Change:
    """Confirm exactly these components as the ones the change affects (a person's confirmation: suggestions
    are never stored). Only components of the change's organisation; a foreign or missing one is refused alike
    and nothing changes."""
    given = list(component_ids_)
    with transaction.atomic():
        change = locked(actor, change_id)
        _planning(change)
        if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in given):
            raise NotFound(_("There is no such component in this customer's landscape."))
        wanted = sorted(set(given))
        found = set(
            Component.objects.filter(pk__in=wanted, organisation_id=change.organisation_id).values_list("pk", flat=True)
        )
        if found != set(wanted):
            raise NotFound(_("There is no such component in this customer's landscape."))
        current = set(component_ids(change))
        if current == found:
            return change
        ChangeComponent.objects.filter(change=change).exclude(component_id__in=wanted).delete()
        ChangeComponent.objects.bulk_create(
            [
                ChangeComponent(
                    organisation_id=change.organisation_id, change=change, component_id=pk, confirmed_by=actor
                )
                for pk in wanted
                if pk not in current
            ]
        )
        fields = [*reassess(change, components=wanted), touch(change)]
        change.save(update_fields=fields)
        names = dict(Component.objects.filter(pk__in=sorted(current | found)).values_list("pk", "name"))

        def named(ids: set[int]) -> list[str]:
            return sorted(names[pk] for pk in ids)

        record(
            change,
            actor=actor,
            kind=ChangeEventKind.COMPONENTS,
            data={"added": named(found - current), "removed": named(current - found)},
            changes={"components": {"before": named(current), "after": named(found)}},
        )
    return change


def guard_window(change: Change, *, actor: User | None, override: str) -> None:
    """Refuse a window outside the customer's maintenance windows or in a freeze with the reason; an emergency
    change may go ahead with `override` (its reason), recorded as an override. Onto the object, not saved."""
    assert change.planned_start is not None and change.planned_end is not None
    rules = scheduling.rules_for(change.organisation_id, change.organisation.time_zone)
    check = scheduling.check(rules, change.planned_start, change.planned_end)
    refusal = window_refusal(change, check, rules)
    if not refusal:
        return
    if change.change_type != ChangeType.EMERGENCY:
        raise ValidationError(refusal, field_errors={"planned_start": [refusal]})
    errors: dict[str, list[str]] = {}
    override = clean_text(errors, "override", override or change.schedule_override, limit=REASON_MAX)
    if errors or not override:
        message = refusal + " " + _("An emergency change may go ahead: say why in the override reason.")
        raise ValidationError(message, field_errors={"override": errors.get("override", [message])})
    change.schedule_override = override
    record(change, actor=actor, kind=ChangeEventKind.OVERRIDE, data={"refusal": refusal, "reason": override})


def change_schedule(
    *, actor: User, change_id: int, start: dt.datetime, end: dt.datetime | None = None, override: str = ""
) -> Change:
    """Plan the change's window (`end` defaults to the template's duration for a standard change). While it is
    being planned the window may move freely; a scheduled change moved to a new window is rescheduled: checked
    against the windows and freezes, its sequence raised and one notice sent."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        change = locked(actor, change_id)
        if end is None and change.template is not None and start is not None:
            end = start + dt.timedelta(minutes=change.template.duration_minutes)
        if not isinstance(start, dt.datetime) or start.tzinfo is None:
            errors["planned_start"] = [_("Give the start as a date and a time.")]
        if not isinstance(end, dt.datetime) or end.tzinfo is None:
            errors["planned_end"] = [_("Give the end as a date and a time.")]
        elif isinstance(start, dt.datetime) and start.tzinfo is not None:
            if end <= start:
                errors["planned_end"] = [_("The window must end after it starts.")]
            elif end - start > WINDOW_MAX:
                errors["planned_end"] = [_("A window is at most 14 days long.")]
        raise_if(errors)
        assert end is not None
        if change.status not in (*states.PLANNING, ChangeStatus.SCHEDULED):
            raise InvalidTransition(
                _("%(key)s is %(status)s: its window can no longer move.")
                % {"key": change.key, "status": change.get_status_display().lower()}
            )
        before = (change.planned_start, change.planned_end)
        if before == (start, end):
            return change
        change.planned_start, change.planned_end = start, end
        fields = ["planned_start", "planned_end"]
        rescheduled = change.status == ChangeStatus.SCHEDULED
        if rescheduled:
            guard_window(change, actor=actor, override=override)
            change.sequence += 1
            fields += ["sequence", "schedule_override"]
        fields += [*reassess(change), touch(change)]
        change.save(update_fields=fields)
        record(
            change, actor=actor, kind=ChangeEventKind.SCHEDULED,
            data={"start": start.isoformat(), "end": end.isoformat(), "rescheduled": rescheduled,
                  "sequence": change.sequence},
            changes={
                "planned_start": {"before": before[0] and before[0].isoformat(), "after": start.isoformat()},
                "planned_end": {"before": before[1] and before[1].isoformat(), "after": end.isoformat()},
            },
        )  # fmt: skip
        if rescheduled:
            notice_send(change, NoticeKind.RESCHEDULED)
            change_scheduled_announce(change, rescheduled=True)
    return change
