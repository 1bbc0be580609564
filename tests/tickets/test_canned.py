"""Placeholders of canned replies, filled without a database: known names only, one pass, literal braces."""

import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

import pytest

from picocore.tickets.canned import PLACEHOLDERS, fill, fill_for_ticket, first_name, unknown_placeholders
from picocore.tickets.choices import CannedReplyKind, Status


def test_each_placeholder_is_replaced_by_its_value():
    values = {"requester_first_name": "Anna", "ticket_key": "ACME-7", "next_step": "We restart the import."}
    assert fill("Hi {requester_first_name}, about {ticket_key}: {next_step}", values) == (
        "Hi Anna, about ACME-7: We restart the import."
    )


def test_a_value_holding_braces_is_never_expanded_again():
    values = {"title": "Export {ticket_key} {{broken}}", "ticket_key": "ACME-7"}
    assert fill("{title} / {ticket_key}", values) == "Export {ticket_key} {{broken}} / ACME-7"


def test_double_braces_write_one_brace_and_a_lone_brace_is_text():
    assert fill("{{ticket_key}} is {ticket_key}; a { and a } stay", {"ticket_key": "ACME-7"}) == (
        "{ticket_key} is ACME-7; a { and a } stay"
    )


def test_a_known_placeholder_without_a_value_becomes_nothing_and_an_unknown_one_stays():
    assert fill("[{next_step}] [{nope}]", {}) == "[] [{nope}]"


def test_unknown_placeholders_are_listed_once_in_order():
    text = "Hi {first_name} {ticket_key} {first_name} {{escaped}} {Ticket_Key} {a.b} {} { spaced }"
    assert unknown_placeholders(text) == ["first_name", "Ticket_Key", "a.b", ""]
    assert unknown_placeholders("".join(f"{{{name}}}" for name in PLACEHOLDERS)) == []


def test_attribute_and_index_lookups_are_not_placeholders():
    """Unlike str.format, nothing in braces reaches into an object."""
    assert unknown_placeholders("{ticket_key.__class__} {title[0]}") == ["ticket_key.__class__", "title[0]"]
    assert fill("{ticket_key.__class__}", {"ticket_key": "ACME-7"}) == "{ticket_key.__class__}"


@pytest.mark.parametrize(("full", "expected"), [("Anna Berg", "Anna"), ("  Jens  ", "Jens"), ("", "anna@x.dk")])
def test_first_name(full, expected):
    assert first_name(full, "anna@x.dk") == expected


def _reply(**fields: Any):
    defaults = {"pk": 3, "name": "Waiting on logs", "kind": CannedReplyKind.REPLY, "body": "",
                "status": "", "next_step": "", "next_step_due_days": None, "owner_id": 1, "team_id": None}  # fmt: skip
    return cast(Any, SimpleNamespace(**{**defaults, **fields}))


def _ticket(**fields: Any):
    defaults = {
        "key": "ACME-7", "title": "Import {fails}", "status": Status.IN_PROGRESS, "next_step": "We look at it.",
        "next_step_due": None, "requester": SimpleNamespace(full_name="Anna Berg", email="anna@acme.test"),
        "organisation": SimpleNamespace(name="Acme"),
    }  # fmt: skip
    return cast(Any, SimpleNamespace(**{**defaults, **fields}))


CONSULTANT = cast(Any, SimpleNamespace(full_name="Carla Consultant", email="carla@desk.test"))
TODAY = dt.date(2026, 3, 27)


def test_filled_for_a_ticket_with_its_own_next_step_and_status():
    reply = _reply(
        body="Hi {requester_first_name}, {title} ({ticket_key}): {next_step} by {next_step_due}. "
        "{consultant_first_name}",
        status=Status.WAITING_ON_CUSTOMER,
        next_step="Send us the log of {ticket_key}",
        next_step_due_days=3,
    )
    filled = fill_for_ticket(
        reply, ticket=_ticket(), actor=CONSULTANT, allowed=[Status.WAITING_ON_CUSTOMER], today=TODAY
    )
    assert filled.body == "Hi Anna, Import {fails} (ACME-7): Send us the log of ACME-7 by Mon 30 Mar 2026. Carla"
    assert (filled.tab, filled.status, filled.status_refused) == ("reply", Status.WAITING_ON_CUSTOMER, "")
    assert (filled.next_step, filled.next_step_due) == ("Send us the log of ACME-7", dt.date(2026, 3, 30))
    assert filled.as_json()["next_step_due"] == "2026-03-30"
    assert filled.scope == "personal"
    team = fill_for_ticket(
        _reply(owner_id=None, team_id=4), ticket=_ticket(), actor=CONSULTANT, allowed=[], today=TODAY
    )
    everyone = fill_for_ticket(_reply(owner_id=None), ticket=_ticket(), actor=CONSULTANT, allowed=[], today=TODAY)
    assert (team.scope, everyone.scope) == ("team", "everyone")


def test_without_a_next_step_of_its_own_the_tickets_is_used_and_left_alone():
    filled = fill_for_ticket(_reply(body="Next: {next_step}", kind=CannedReplyKind.NOTE), ticket=_ticket(),
                             actor=CONSULTANT, allowed=[], today=TODAY)  # fmt: skip
    assert (filled.tab, filled.body, filled.next_step, filled.next_step_due) == (
        "note",
        "Next: We look at it.",
        "",
        None,
    )


def test_a_status_the_ticket_cannot_move_to_now_is_not_set_and_says_why():
    reply = _reply(body="Done.", status=Status.RESOLVED)
    filled = fill_for_ticket(reply, ticket=_ticket(status=Status.NEW), actor=CONSULTANT,
                             allowed=[Status.TRIAGED, Status.IN_PROGRESS, Status.CANCELLED], today=TODAY)  # fmt: skip
    assert filled.status == ""
    assert filled.status_refused == (
        "“Waiting on logs” would set the status to resolved, but ACME-7 cannot move there from new: "
        "the status is left as it is."
    )


def test_the_status_the_ticket_already_has_is_nothing_to_do():
    filled = fill_for_ticket(_reply(body="x", status=Status.IN_PROGRESS), ticket=_ticket(), actor=CONSULTANT,
                             allowed=[], today=TODAY)  # fmt: skip
    assert (filled.status, filled.status_refused) == ("", "")
