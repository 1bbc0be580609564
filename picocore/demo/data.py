"""The demo installation that `picocore demo` loads once: three customers, the service team, tickets."""

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils.module_loading import import_string

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import RequestType
from picocore.changes.demo import make_demo_changes
from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.models import Contract
from picocore.core.clock import now
from picocore.demo.catalogue import load_catalogue
from picocore.demo.history import history_start, load_history
from picocore.demo.landscape import load_landscapes
from picocore.hours.services import time_log
from picocore.knowledge.demo import make_demo_articles
from picocore.problems.demo import make_demo_problems
from picocore.security.models import SecuritySettings
from picocore.sla.models import BusinessHoursCalendar, CalendarClosedDay, CalendarInterval, OnCallShift
from picocore.tenancy.choices import MembershipRole, RequestVisibility, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User
from picocore.tickets.choices import CannedReplyKind, Channel, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import (
    ticket_assign,
    ticket_create,
    ticket_reply,
    ticket_set_next_step,
    ticket_transition,
)
from picocore.tickets.services.canned_replies import CannedReplyFields, canned_reply_create

DEMO_PASSWORD = "picocore-demo"
# The demo's staff sign in with the password alone: their grace period for setting up two-factor sign-in ends
# this far ahead (they are reminded on every page and may try setting it up).
DEMO_SECOND_FACTOR_GRACE = dt.timedelta(days=3650)

ORGANISATIONS = [
    # slug, name, prefix, time zone, tier, hotline, solutions [(name, product, kind, host)]
    ("acme-foods", "Acme Foods", "ACME", "Europe/Copenhagen", "premium", "+45 70 20 30 40",
     [("Acme PIM", "Akeneo 7", SolutionKind.PIM, "pim.acme.example"),
      ("Acme Web", "Umbraco 13", SolutionKind.CMS, "www.acme.example")]),
    ("nordic-fashion", "Nordic Fashion", "NORD", "Europe/Stockholm", "standard", "+46 8 120 300 00",
     [("Nordic PIM", "inRiver PIM", SolutionKind.PIM, "pim.nordicfashion.example"),
      ("Nordic Shop CMS", "Sitecore XM", SolutionKind.CMS, "shop.nordicfashion.example")]),
    ("bolt-hardware", "Bolt Hardware", "BOLT", "Europe/Berlin", "essential", "",
     [("Bolt PIM", "Struct PIM", SolutionKind.PIM, "pim.bolthardware.example")]),
]  # fmt: skip

# Nordic Fashion's requesters see their own requests and those shared with the organisation; the others' their own.
REQUEST_VISIBILITY = {"nordic-fashion": RequestVisibility.OWN_AND_SHARED}

PEOPLE = [
    # e-mail, name, staff role, [(organisation slug, role)]
    ("anna@acme.example", "Anna Jensen", "", [("acme-foods", MembershipRole.REQUESTER)]),
    ("admin@acme.example", "Lars Holm", "", [("acme-foods", MembershipRole.CUSTOMER_ADMIN)]),
    ("nils@nordicfashion.example", "Nils Berg", "", [("nordic-fashion", MembershipRole.REQUESTER)]),
    ("bo@bolthardware.example", "Bo Weber", "", [("bolt-hardware", MembershipRole.CUSTOMER_ADMIN)]),
    ("mette@pixelagency.example", "Mette Lund", "",
     [("acme-foods", MembershipRole.REQUESTER), ("nordic-fashion", MembershipRole.REQUESTER)]),
    # One of each further role, to try them: approves changes, answers for the hours, only reads.
    ("approver@acme.example", "Ida Krogh", "", [("acme-foods", MembershipRole.APPROVER)]),
    ("billing@acme.example", "Peter Dahl", "", [("acme-foods", MembershipRole.BILLING_CONTACT)]),
    ("viewer@acme.example", "Sofie Lind", "", [("acme-foods", MembershipRole.VIEWER)]),
    ("consultant@picocore.example", "Carla Nørgaard", StaffRole.CONSULTANT, []),
    ("manager@picocore.example", "Magnus Friis", StaffRole.SERVICE_MANAGER, []),
    ("dev@picocore.example", "Dina Vester", StaffRole.DEVELOPER, []),
    ("root@picocore.example", "Rune Admin", StaffRole.ADMINISTRATOR, []),
]  # fmt: skip


def demo_loaded() -> bool:
    return Organisation.objects.filter(slug="acme-foods").exists()


def _answers(request_type: RequestType, values: dict) -> list[dict]:
    return [
        {"key": f.key, "label": f.label, "kind": f.kind, "value": values.get(f.key)} for f in request_type.fields.all()
    ]


@transaction.atomic
def load_demo() -> None:
    """Create the whole demo installation. Call only when `demo_loaded()` is false."""
    tiers = load_catalogue()
    SecuritySettings.objects.update_or_create(
        pk=SecuritySettings.SINGLETON, defaults={"staff_second_factor_from": now() + DEMO_SECOND_FACTOR_GRACE}
    )
    office = _office_calendar()
    # The customers' contracts began with the three months of history (`picocore.demo.history`).
    since = history_start(now().astimezone(zoneinfo.ZoneInfo("Europe/Copenhagen")).date())
    orgs, solutions = {}, {}
    for slug, name, prefix, tz, tier, hotline, landscape in ORGANISATIONS:
        org = Organisation.objects.create(
            slug=slug,
            name=name,
            key_prefix=prefix,
            time_zone=tz,
            request_visibility=REQUEST_VISIBILITY.get(slug, "own"),
        )
        Contract.objects.create(
            organisation=org, tier=tiers[tier], starts_on=since, hotline_number=hotline, calendar=office
        )
        orgs[slug] = org
        for sol_name, product, kind, host in landscape:
            solution = Solution.objects.create(organisation=org, name=sol_name, product=product, kind=kind)
            solutions[sol_name] = solution
            for env_kind, sub in ((EnvironmentKind.PRODUCTION, ""), (EnvironmentKind.STAGING, "staging."),
                                  (EnvironmentKind.TEST, "test.")):  # fmt: skip
                Environment.objects.create(solution=solution, kind=env_kind, url=f"https://{sub}{host}/")
    people = {}
    for email, name, staff_role, memberships in PEOPLE:
        is_admin = staff_role == StaffRole.ADMINISTRATOR
        user = User.objects.create_user(
            email,
            DEMO_PASSWORD,
            full_name=name,
            staff_role=staff_role,
            is_staff=staff_role in (StaffRole.ADMINISTRATOR, StaffRole.SERVICE_MANAGER),
            is_superuser=is_admin,
        )
        for org_slug, role in memberships:
            Membership.objects.create(user=user, organisation=orgs[org_slug], role=role)
        if memberships:
            user.default_organisation = orgs[memberships[0][0]]
            user.save(update_fields=["default_organisation"])
        people[email.split("@")[0]] = user
    operations = Team.objects.create(name="Operations", kind=TeamKind.OPERATIONS)
    operations.members.set([people["consultant"], people["manager"]])
    operations.organisations.set(orgs.values())
    development = Team.objects.create(name="Platform development", kind=TeamKind.DEVELOPMENT)
    development.members.set([people["dev"]])
    development.organisations.set(orgs.values())
    _on_call_rota([people["consultant"], people["manager"]], operations)
    _load_tickets(orgs, solutions, people, operations)
    _canned_replies(people, operations)
    load_history(orgs=orgs, solutions=solutions, people=people, operations=operations)
    today = now().astimezone(zoneinfo.ZoneInfo("Europe/Copenhagen")).date()
    load_landscapes(orgs=orgs, solutions=solutions, people=people, today=today)
    _time_this_month(people)
    import_string("picocore.reviews.demo.make_demo_reviews")()  # by name: reviews read the reports, a layer above
    make_demo_changes()
    make_demo_problems()
    make_demo_articles()


# (name, kind, body, status, next step, expected in days): Magnus's shared ones first, then Carla's own.
CannedRow = tuple[str, str, str, str, str, int | None]
SHARED_CANNED_REPLIES: list[CannedRow] = [
    (
        "Ask for the import log",
        CannedReplyKind.REPLY,
        "Hi {requester_first_name},\n\nThank you for reporting {ticket_key}. To find the cause we need the log of the "
        "failed import: please attach it to this request (Import › History › Download log).\n\n"
        "Next step: {next_step}\n\nBest regards,\n{consultant_name}",
        Status.WAITING_ON_CUSTOMER,
        "We analyse the import log as soon as you have sent it.",
        3,
    ),
    (
        "Resolved: please confirm",
        CannedReplyKind.REPLY,
        "Hi {requester_first_name},\n\nWe have fixed the problem of {ticket_key} ({title}). Please check that "
        "everything works again and confirm the resolution, or reopen the request if anything is still wrong.\n\n"
        "Best regards,\n{consultant_name}",
        Status.RESOLVED,
        "",
        None,
    ),
]
TEAM_CANNED_REPLIES: list[CannedRow] = [
    (
        "Escalated to the hosting partner",
        CannedReplyKind.REPLY,
        "Hi {requester_first_name},\n\nThe cause of {ticket_key} lies with the hosting platform, so we have escalated "
        "it to our hosting partner with everything we found. We follow it up with them and keep you informed.\n\n"
        "Best regards,\n{consultant_name}",
        Status.WAITING_ON_THIRD_PARTY,
        "Our hosting partner investigates; we report back to you.",
        1,
    ),
]
PERSONAL_CANNED_REPLIES: list[CannedRow] = [
    (
        "I am on it",
        CannedReplyKind.REPLY,
        "Hi {requester_first_name},\n\nI have taken {ticket_key} and am looking into it now. I will get back to you "
        "as soon as I know more.\n\nBest regards,\n{consultant_first_name}",
        Status.IN_PROGRESS,
        "We look for the cause.",
        1,
    ),
    (
        "Logs checked",
        CannedReplyKind.NOTE,
        "Checked the application and web server logs for {ticket_key}: no errors around the reported time. "
        "Next: reproduce on staging.",
        "",
        "",
        None,
    ),
]


def _canned_replies(people: dict[str, User], operations: Team) -> None:
    """The canned replies of the demo desk, saved (and audited) as their authors would save them."""

    def fields(name, kind, body, status, next_step, days) -> CannedReplyFields:
        return CannedReplyFields(name=name, kind=kind, body=body, status=status,
                                 next_step=next_step,
                                 next_step_due_days=days)  # fmt: skip

    for row in SHARED_CANNED_REPLIES:
        canned_reply_create(actor=people["manager"], fields=fields(*row), shared=True)
    for row in TEAM_CANNED_REPLIES:
        canned_reply_create(actor=people["manager"], fields=fields(*row), shared=True, team=operations)
    for row in PERSONAL_CANNED_REPLIES:
        canned_reply_create(actor=people["consultant"], fields=fields(*row))


ROTA_WEEKS = 26


def _on_call_rota(people: list[User], team: Team) -> None:
    """Week-long on-call shifts (Monday 08:00 to Monday 08:00, Copenhagen), taken in turn, from the current
    week for half a year: whoever is paged for a P1 outside business hours."""
    zone = zoneinfo.ZoneInfo("Europe/Copenhagen")
    today = now().astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    shifts = []
    for week in range(ROTA_WEEKS):
        starts = dt.datetime.combine(monday + dt.timedelta(weeks=week), dt.time(8), zone)
        ends = dt.datetime.combine(monday + dt.timedelta(weeks=week + 1), dt.time(8), zone)
        shifts.append(OnCallShift(user=people[week % len(people)], team=team, starts_at=starts, ends_at=ends))
    # The week's first hours (Monday before 08:00) belong to the previous week's shift.
    shifts.append(OnCallShift(user=people[-1], team=team, starts_at=shifts[0].starts_at - dt.timedelta(weeks=1),
                              ends_at=shifts[0].starts_at))  # fmt: skip
    OnCallShift.objects.bulk_create(shifts)


def _office_calendar() -> BusinessHoursCalendar:
    """Copenhagen office hours: weekdays 08:00–16:00, Danish public holidays, closed 24 and 31 December."""
    calendar = BusinessHoursCalendar.objects.create(
        name="Copenhagen office hours", time_zone="Europe/Copenhagen", country="DK"
    )
    CalendarInterval.objects.bulk_create(
        CalendarInterval(calendar=calendar, weekday=day, starts=dt.time(8), ends=dt.time(16)) for day in range(5)
    )
    year = now().year
    CalendarClosedDay.objects.bulk_create(
        CalendarClosedDay(calendar=calendar, day=dt.date(y, 12, d), reason=reason)
        for y in (year, year + 1)
        for d, reason in ((24, "Christmas Eve"), (31, "New Year's Eve"))
    )
    return calendar


def _time_this_month(people: dict[str, User]) -> None:
    """Today's time on the requests being worked, so the current month of the hour bank has begun."""
    carla = people["consultant"]
    for key, minutes, description in (("ACME-4", 45, "Analysed the re-index and export timings"),
                                      ("ACME-2", 30, "Drafted the allergens attribute with the EU list")):  # fmt: skip
        time_log(actor=carla, ticket=Ticket.objects.get(key=key), minutes=minutes, description=description)


def _env(solution: Solution, kind: str) -> Environment:
    return solution.environments.get(kind=kind)


def _load_tickets(orgs, solutions, people, operations) -> None:
    types = {rt.slug: rt for rt in RequestType.objects.prefetch_related("fields")}
    carla = people["consultant"]
    incident = types["incident"]
    acme_pim = solutions["Acme PIM"]

    ticket_create(  # ACME-1: new, waiting for a consultant to take it
        actor=people["anna"],
        organisation=orgs["acme-foods"],
        request_type=incident,
        title="Product images missing on the webshop",
        description="Since this morning about a third of the products on www.acme.example show no image. "
        "The images are present in the PIM.",
        impact=Impact.HIGH,
        urgency=Urgency.MEDIUM,
        solution=acme_pim,
        environment=_env(acme_pim, EnvironmentKind.PRODUCTION),
        answers=_answers(
            incident,
            {
                "solution": "Acme PIM",
                "environment": "Acme PIM · Production",
                "steps": "Open any product in the Frozen category on the webshop.",
                "started": now().date().isoformat(),
                "users_affected": "2000",
                "workaround": False,
            },
        ),
    )
    change = types["content-model-change"]
    acme_2 = ticket_create(
        actor=people["admin"],
        organisation=orgs["acme-foods"],
        request_type=change,
        title="Add an 'allergens' attribute to food products",
        description="We need an allergens attribute, shown on the product page, for the new EU labelling.",
        impact=change.default_impact,
        urgency=change.default_urgency,
        solution=acme_pim,
        answers=_answers(
            change,
            {
                "solution": "Acme PIM",
                "change": "New multi-select attribute 'allergens' on the Food family, shown on the web.",
                "reason": "EU labelling rules from next quarter.",
                "can_wait": True,
            },
        ),
    )
    ticket_assign(actor=carla, ticket=acme_2, team=operations, assignee=carla)
    ticket_transition(actor=carla, ticket=acme_2, to=Status.TRIAGED)
    ticket_transition(actor=carla, ticket=acme_2, to=Status.WAITING_ON_CUSTOMER)
    ticket_reply(
        actor=carla,
        ticket=acme_2,
        body="Which allergens list should we use: the 14 EU allergens, or your own list?",
    )
    ticket_set_next_step(actor=carla, ticket=acme_2, text="Waiting for the list of allergens from you", due=None)

    acme_3 = ticket_create(
        actor=people["anna"],
        organisation=orgs["acme-foods"],
        request_type=types["translation-update"],
        title="Swedish texts for the summer campaign",
        description="Please add the attached Swedish texts to the campaign pages.",
        impact=Impact.LOW,
        urgency=Urgency.LOW,
        solution=solutions["Acme Web"],
        answers=_answers(types["translation-update"], {"solution": "Acme Web", "languages": "sv", "texts": "42"}),
    )
    ticket_assign(actor=carla, ticket=acme_3, team=operations, assignee=carla)
    ticket_transition(actor=carla, ticket=acme_3, to=Status.IN_PROGRESS)
    ticket_transition(
        actor=carla, ticket=acme_3, to=Status.RESOLVED, note="All 42 texts are published on the campaign pages."
    )

    # ACME-1 waits for a consultant to take it (the desk journey starts here); ACME-4 shows one being worked.
    acme_4 = ticket_create(
        actor=people["anna"],
        organisation=orgs["acme-foods"],
        request_type=incident,
        title="Nightly price export to the webshop is late",
        description="The price export finished at 07:40 instead of 04:00 for the last three nights.",
        impact=Impact.MEDIUM,
        urgency=Urgency.MEDIUM,
        solution=acme_pim,
        environment=_env(acme_pim, EnvironmentKind.PRODUCTION),
    )
    ticket_assign(actor=carla, ticket=acme_4, team=operations, assignee=carla)
    ticket_transition(actor=carla, ticket=acme_4, to=Status.IN_PROGRESS)
    ticket_reply(
        actor=carla,
        ticket=acme_4,
        body="Thank you, Anna. The export waits for the nightly re-index, which has grown with the new catalogue. "
        "I am moving the re-index to its own worker and will confirm tomorrow morning.",
    )
    ticket_set_next_step(
        actor=carla,
        ticket=acme_4,
        text="Move the re-index to its own worker and verify the export time",
        due=now().date(),
    )

    nord_1 = ticket_create(
        actor=people["nils"],
        organisation=orgs["nordic-fashion"],
        request_type=types["new-user-access"],
        title="Editor access for Sara Ek",
        description="Sara joins the content team on Monday and needs editor access to the PIM.",
        impact=Impact.LOW,
        urgency=Urgency.MEDIUM,
        solution=solutions["Nordic PIM"],
        answers=_answers(
            types["new-user-access"],
            {
                "person": "Sara Ek",
                "email": "sara@nordicfashion.example",
                "solution": "Nordic PIM",
                "access": "Editor",
                "needed_from": (now().date() + dt.timedelta(days=3)).isoformat(),
            },
        ),
    )
    ticket_create(
        actor=people["nils"],
        organisation=orgs["nordic-fashion"],
        request_type=incident,
        title="Checkout page loads slowly",
        description="The checkout takes 8–10 seconds to load since yesterday's release.",
        impact=Impact.MEDIUM,
        urgency=Urgency.HIGH,
        solution=solutions["Nordic Shop CMS"],
        environment=_env(solutions["Nordic Shop CMS"], EnvironmentKind.PRODUCTION),
        channel=Channel.WEB,
    )
    ticket_transition(actor=carla, ticket=nord_1, to=Status.TRIAGED)

    bolt_pim = solutions["Bolt PIM"]
    bolt_1 = ticket_create(
        actor=people["bo"],
        organisation=orgs["bolt-hardware"],
        request_type=incident,
        title="Supplier feed import stopped",
        description="The nightly supplier feed has not updated prices since Tuesday.",
        impact=Impact.MEDIUM,
        urgency=Urgency.MEDIUM,
        solution=bolt_pim,
        environment=_env(bolt_pim, EnvironmentKind.PRODUCTION),
    )
    ticket_assign(actor=carla, ticket=bolt_1, team=operations, assignee=carla)
    ticket_transition(actor=carla, ticket=bolt_1, to=Status.IN_PROGRESS)
    ticket_transition(
        actor=carla, ticket=bolt_1, to=Status.RESOLVED, note="The feed credentials had expired; renewed and re-run."
    )
    ticket_transition(actor=people["bo"], ticket=bolt_1, to=Status.CLOSED)
