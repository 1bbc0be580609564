"""The demo's request catalogue and tiers: the catalogue a PIM/CMS operations team starts from."""

from typing import Any

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.catalog.models import FormField, RequestType
from picocore.contracts.models import ClockKind, HotlineCoverage, SlaTarget, Tier

SOLUTION = {"key": "solution", "label": "Affected solution", "kind": FieldKind.SOLUTION, "required": True}
ENVIRONMENT = {
    "key": "environment",
    "label": "Environment",
    "kind": FieldKind.ENVIRONMENT,
    "required": True,
    "help_text": "Production, staging or test.",
}

REQUEST_TYPES: list[dict[str, Any]] = [
    {
        "slug": "incident",
        "name": "Report an incident",
        "ticket_type": TicketType.INCIDENT,
        "summary": "Something is broken or slower than it should be.",
        "fields": [
            SOLUTION,
            ENVIRONMENT,
            {
                "key": "steps",
                "label": "Steps to reproduce",
                "kind": FieldKind.LONG_TEXT,
                "required": True,
                "help_text": "What did you do, what happened, what did you expect?",
            },
            {"key": "started", "label": "When did it start?", "kind": FieldKind.DATE},
            {"key": "users_affected", "label": "Roughly how many users are affected?", "kind": FieldKind.NUMBER},
            {"key": "workaround", "label": "Is there a workaround?", "kind": FieldKind.YES_NO, "required": True},
        ],
    },
    {
        "slug": "product-import-issue",
        "name": "Product import issue",
        "ticket_type": TicketType.SERVICE_REQUEST,
        "summary": "An import or feed did not bring in the products it should.",
        "fields": [
            SOLUTION,
            ENVIRONMENT,
            {"key": "job", "label": "Import job or file name", "kind": FieldKind.TEXT, "required": True},
            {"key": "products", "label": "Number of products affected", "kind": FieldKind.NUMBER},
            {"key": "error", "label": "Error message, if any", "kind": FieldKind.LONG_TEXT},
        ],
    },
    {
        "slug": "new-user-access",
        "name": "New user access",
        "ticket_type": TicketType.SERVICE_REQUEST,
        "summary": "Give a colleague access to one of your solutions.",
        "asks": False,
        "default_urgency": Urgency.MEDIUM,
        "fields": [
            {"key": "person", "label": "Name of the new user", "kind": FieldKind.TEXT, "required": True},
            {"key": "email", "label": "Their e-mail address", "kind": FieldKind.TEXT, "required": True},
            SOLUTION,
            {
                "key": "access",
                "label": "Access level",
                "kind": FieldKind.CHOICE,
                "required": True,
                "choices": "Read only\nEditor\nAdministrator",
            },
            {"key": "needed_from", "label": "Needed from", "kind": FieldKind.DATE, "required": True},
        ],
    },
    {
        "slug": "translation-update",
        "name": "Translation update",
        "ticket_type": TicketType.SERVICE_REQUEST,
        "summary": "Add or correct texts in one or more languages.",
        "asks": False,
        "fields": [
            SOLUTION,
            {
                "key": "languages",
                "label": "Languages",
                "kind": FieldKind.TEXT,
                "required": True,
                "help_text": "e.g. da, sv, de",
            },
            {"key": "texts", "label": "Number of texts", "kind": FieldKind.NUMBER},
            {"key": "deadline", "label": "Needed by", "kind": FieldKind.DATE},
        ],
    },
    {
        "slug": "content-model-change",
        "name": "Content model change",
        "ticket_type": TicketType.CHANGE_REQUEST,
        "summary": "New or changed attributes, families, document types or templates.",
        "asks": False,
        "default_impact": Impact.MEDIUM,
        "fields": [
            SOLUTION,
            {"key": "change", "label": "What should change?", "kind": FieldKind.LONG_TEXT, "required": True},
            {"key": "reason", "label": "Business reason", "kind": FieldKind.LONG_TEXT, "required": True},
            {"key": "desired_date", "label": "Desired date", "kind": FieldKind.DATE},
            {"key": "can_wait", "label": "Can it wait for the next planned release?", "kind": FieldKind.YES_NO},
        ],
    },
    {
        "slug": "guidance",
        "name": "Ask for guidance",
        "ticket_type": TicketType.SERVICE_REQUEST,
        "summary": "Advice from a consultant who knows your solution.",
        "asks": False,
        "fields": [
            {
                "key": "topic",
                "label": "Topic",
                "kind": FieldKind.CHOICE,
                "required": True,
                "choices": "Data model\nWorkflows\nIntegrations\nPerformance\nOther",
            },
            {"key": "solution", "label": "Which solution?", "kind": FieldKind.SOLUTION},
        ],
    },
]

# Service levels per tier: {priority: {metric: (minutes, clock)}}. "b" counts business hours of the contract's
# calendar, "c" counts around the clock. Essential is business hours only; Premium answers a P1 within 30
# minutes day and night (with the hotline).
B, C = ClockKind.BUSINESS, ClockKind.CALENDAR
TARGETS = {
    "essential": {1: {"first_response": (240, B), "next_update": (480, B), "resolution": (2400, B)},
                  2: {"first_response": (480, B), "next_update": (960, B), "resolution": (4800, B)},
                  3: {"first_response": (960, B), "resolution": (9600, B)},
                  4: {"first_response": (1440, B), "resolution": (14400, B)},
                  5: {"first_response": (2400, B)}},
    "standard": {1: {"first_response": (60, B), "next_update": (240, B), "resolution": (960, B)},
                 2: {"first_response": (120, B), "next_update": (480, B), "resolution": (1920, B)},
                 3: {"first_response": (240, B), "next_update": (960, B), "resolution": (4800, B)},
                 4: {"first_response": (480, B), "resolution": (9600, B)},
                 5: {"first_response": (960, B)}},
    "premium": {1: {"first_response": (30, C), "next_update": (60, C), "resolution": (480, C)},
                2: {"first_response": (60, B), "next_update": (240, B), "resolution": (960, B)},
                3: {"first_response": (120, B), "next_update": (480, B), "resolution": (2400, B)},
                4: {"first_response": (240, B), "resolution": (4800, B)},
                5: {"first_response": (480, B)}},
}  # fmt: skip
TIER_SETTINGS = {
    "essential": {"hours_per_month": 0, "hotline_coverage": HotlineCoverage.NONE, "rating_scale": 3},
    "standard": {
        "hours_per_month": 10,
        "hotline_coverage": HotlineCoverage.BUSINESS_HOURS,
        "pause_on_third_party": True,
    },
    "premium": {
        "hours_per_month": 30,
        "hotline_coverage": HotlineCoverage.P1_AROUND_THE_CLOCK,
        "pause_on_third_party": True,
    },
}

# Essential: incidents only. Standard: plus minor changes and updates. Premium: plus guidance.
TIERS = [
    ("essential", "Essential", 1, ["incident"]),
    (
        "standard",
        "Standard",
        2,
        ["incident", "product-import-issue", "new-user-access", "translation-update", "content-model-change"],
    ),
    ("premium", "Premium", 3, [rt["slug"] for rt in REQUEST_TYPES]),
]


def load_catalogue() -> dict[str, Tier]:
    """Create the demo request types with their forms and the three tiers; returns the tiers by slug."""
    for position, spec in enumerate(REQUEST_TYPES, start=1):
        request_type = RequestType.objects.create(
            slug=spec["slug"],
            name=spec["name"],
            ticket_type=spec["ticket_type"],
            summary=spec["summary"],
            position=position * 10,
            asks_impact_and_urgency=spec.get("asks", True),
            default_impact=spec.get("default_impact", Impact.LOW),
            default_urgency=spec.get("default_urgency", Urgency.LOW),
        )
        FormField.objects.bulk_create(
            FormField(
                request_type=request_type,
                position=index * 10,
                key=field["key"],
                label=field["label"],
                kind=field["kind"],
                required=field.get("required", False),
                help_text=field.get("help_text", ""),
                choices=field.get("choices", ""),
            )
            for index, field in enumerate(spec["fields"], start=1)
        )
    by_slug = {rt.slug: rt for rt in RequestType.objects.all()}
    tiers = {}
    for slug, name, rank, offered in TIERS:
        tier = Tier.objects.create(slug=slug, name=name, rank=rank, **TIER_SETTINGS[slug])
        tier.request_types.set([by_slug[s] for s in offered])
        SlaTarget.objects.bulk_create(
            SlaTarget(tier=tier, priority=priority, metric=metric, minutes=minutes, clock=clock)
            for priority, metrics in TARGETS[slug].items()
            for metric, (minutes, clock) in metrics.items()
        )
        tiers[slug] = tier
    return tiers
