"""The demo's changes, on the demo customers' landscapes: standard changes offered to every tier, each
customer's weekly maintenance windows and the Christmas freeze; per customer with components, a completed
change (implemented last week and closed after its review), a scheduled standard change, an approved and
scheduled normal change, and a normal change awaiting approval. All made through the services, as on the desk."""

import datetime as dt
import zoneinfo

from picocore.changes import scheduling
from picocore.changes.choices import ChangeStatus, ChangeType, Decision, DecisionChannel, Outcome
from picocore.changes.models import (
    CabVote,
    Change,
    CustomerDecision,
    Freeze,
    MaintenanceWindow,
    StandardChangeTemplate,
)
from picocore.changes.services import (
    change_components_set,
    change_create,
    change_review_record,
    change_schedule,
    change_transition,
    change_update,
)
from picocore.cmdb.choices import ContactRole, EnvironmentKind
from picocore.cmdb.models import Component, Contact
from picocore.contracts.models import Tier
from picocore.core.clock import now
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Organisation, User

WINDOW_START, WINDOW_MINUTES = dt.time(20, 0), 180
TUESDAY, THURSDAY = 1, 3
TEMPLATES = (
    ("Clear the CDN cache", "Purge the CDN's cache for the shop's domains.", "Open three product pages; check the "
     "images load from the CDN.", "Nothing to back out: the cache refills.", 15, 0),
    ("Rebuild the search index", "Run the full reindex job on the search component.", "Search for five known "
     "products; compare the hit counts with yesterday's.", "Switch the alias back to the previous index.", 60, 0),
)  # fmt: skip
PLANS = {
    "implementation_plan": "1. Snapshot the database.\n2. Deploy the new version to production.\n3. Run the "
    "migrations.\n4. Warm the caches.",
    "test_plan": "Import one product file and publish one page; check the CDN serves the new content.",
    "backout_plan": "Restore the snapshot and redeploy the previous version (20 minutes).",
}
ANSWERS: dict[str, object] = {
    "tested_in_staging": True,
    "backout_tested": True,
    "customer_downtime": False,
    "data_migration": False,
}


def _next(weekday: int, zone: zoneinfo.ZoneInfo, after: dt.datetime, weeks: int = 0) -> dt.datetime:
    """The window's start on the next `weekday` after `after` (plus `weeks`), in the zone."""
    day = after.astimezone(zone).date() + dt.timedelta(days=1)
    day += dt.timedelta(days=(weekday - day.weekday()) % 7 + 7 * weeks)
    return dt.datetime.combine(day, WINDOW_START, tzinfo=zone)


def _free(rules: scheduling.Rules, weekday: int, zone: zoneinfo.ZoneInfo, after: dt.datetime,
          weeks: int = 0) -> dt.datetime:  # fmt: skip
    """The first window start on `weekday` from `_next` on that falls in no freeze."""
    start = _next(weekday, zone, after, weeks)
    while scheduling.check(rules, start, start + dt.timedelta(minutes=WINDOW_MINUTES)).freeze is not None:
        start = _next(weekday, zone, start)
    return start


def _rules() -> list[StandardChangeTemplate]:
    templates = []
    for name, plan, test, backout, minutes, downtime in TEMPLATES:
        template, _ = StandardChangeTemplate.objects.get_or_create(
            name=name, defaults={"implementation_plan": plan, "test_plan": test, "backout_plan": backout,
                                 "duration_minutes": minutes, "downtime_minutes": downtime},
        )  # fmt: skip
        template.tiers.set(Tier.objects.all())
        templates.append(template)
    Freeze.objects.get_or_create(
        name="Christmas trade", organisation=None,
        defaults={"starts_on": dt.date(2026, 12, 18), "ends_on": dt.date(2027, 1, 2), "recurs_yearly": True},
    )  # fmt: skip
    return templates


def _approve(change: Change, manager: User, approver: Contact) -> None:
    """The customer's approver and the CAB approve the change's current round (as the portal and the CAB's form
    record them)."""
    change.refresh_from_db()
    CustomerDecision.objects.get_or_create(
        change=change, contact=approver, round=change.approval_round,
        defaults={"organisation_id": change.organisation_id, "user": approver.user, "decision": Decision.APPROVED,
                  "channel": DecisionChannel.PORTAL},
    )  # fmt: skip
    CabVote.objects.get_or_create(change=change, voter=manager, round=change.approval_round,
                                  defaults={"decision": Decision.APPROVED})  # fmt: skip


def _planned(actor: User, organisation: Organisation, title: str, reason: str, components: list[int],
             start: dt.datetime, minutes: int = 120, change_type: str = ChangeType.NORMAL,
             template: StandardChangeTemplate | None = None) -> Change:  # fmt: skip
    template_id = template.pk if template else None
    change = change_create(actor=actor, organisation_id=organisation.pk, change_type=change_type, title=title,
                           reason=reason, template_id=template_id, implementer_id=actor.pk)  # fmt: skip
    if template is None:
        change_update(actor=actor, change_id=change.pk, title=title, reason=reason, downtime_minutes=10,
                      implementer_id=actor.pk, risk_answers=ANSWERS, **PLANS)  # fmt: skip
    change_components_set(actor=actor, change_id=change.pk, component_ids_=components)
    change_schedule(actor=actor, change_id=change.pk, start=start, end=start + dt.timedelta(minutes=minutes))
    return change


def make_demo_changes(*, moment: dt.datetime | None = None) -> int:
    """Make the demo's changes (see the module); returns how many. Customers without components get none."""
    moment = moment or now()
    consultant = User.objects.filter(staff_role=StaffRole.CONSULTANT, is_active=True).order_by("id").first()
    manager = User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER, is_active=True).order_by("id").first()
    if consultant is None or manager is None:
        return 0
    clear_cdn, reindex = _rules()
    made = 0
    for organisation in Organisation.objects.order_by("id"):
        components = list(
            Component.objects.filter(organisation=organisation, environment__kind=EnvironmentKind.PRODUCTION)
            .order_by("id").values_list("id", flat=True)
        )  # fmt: skip
        if not components:
            continue
        zone = zoneinfo.ZoneInfo(organisation.time_zone)
        for weekday, label in ((TUESDAY, "Tuesday evening"), (THURSDAY, "Thursday evening")):
            MaintenanceWindow.objects.get_or_create(
                organisation=organisation, weekday=weekday, starts_at=WINDOW_START,
                defaults={"label": label, "duration_minutes": WINDOW_MINUTES},
            )  # fmt: skip
        actor = manager
        rules = scheduling.rules_for(organisation.pk, organisation.time_zone)
        done = _planned(actor, organisation, "Rebuild the search index after the synonym update",
                        "New synonyms for the product search.", components[:2],
                        _free(rules, TUESDAY, zone, moment - dt.timedelta(days=8)), minutes=60,
                        change_type=ChangeType.STANDARD, template=reindex)  # fmt: skip
        for target in (ChangeStatus.SCHEDULED, ChangeStatus.IMPLEMENTING, ChangeStatus.REVIEW):
            change_transition(actor=actor, change_id=done.pk, target=target)
        lessons = "The caches took ten minutes to warm; start warming them before the switch."
        change_review_record(actor=actor, change_id=done.pk, outcome=Outcome.SUCCESSFUL, lessons=lessons)
        change_transition(actor=actor, change_id=done.pk, target=ChangeStatus.CLOSED)
        standard = _planned(actor, organisation, "Clear the CDN cache after the new product images",
                            "New product photography for the spring collection.", components[-1:],
                            _free(rules, THURSDAY, zone, moment), minutes=15, change_type=ChangeType.STANDARD,
                            template=clear_cdn)  # fmt: skip
        change_transition(actor=actor, change_id=standard.pk, target=ChangeStatus.SCHEDULED)
        made += 2
        approver = Contact.objects.filter(organisation=organisation, role=ContactRole.APPROVER).order_by("id").first()
        if approver is None:
            continue
        normal = _planned(actor, organisation, "Upgrade the PIM and its product export",
                          "The PIM's current version loses vendor support; the export needs the new API.",
                          components[:3], _free(rules, TUESDAY, zone, moment))  # fmt: skip
        change_transition(actor=actor, change_id=normal.pk, target=ChangeStatus.ASSESSMENT)
        change_transition(actor=actor, change_id=normal.pk, target=ChangeStatus.AWAITING_APPROVAL)
        _approve(normal, manager, approver)
        change_transition(actor=actor, change_id=normal.pk, target=ChangeStatus.SCHEDULED)
        waiting = _planned(actor, organisation, "Move the search index to the new cluster",
                           "The current cluster is end of life in the spring.", components[-2:],
                           _free(rules, THURSDAY, zone, moment, weeks=1))  # fmt: skip
        change_transition(actor=actor, change_id=waiting.pk, target=ChangeStatus.ASSESSMENT)
        change_transition(actor=actor, change_id=waiting.pk, target=ChangeStatus.AWAITING_APPROVAL)
        made += 2
    return made
