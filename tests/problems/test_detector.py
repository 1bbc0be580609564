"""The recurring-incident detector: its thresholds, its de-duplication, the sixth incident joining, and the
service managers' decisions."""

import datetime as dt

import pytest

from picocore.catalog.choices import TicketType
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, PermissionDenied
from picocore.problems import similarity
from picocore.problems.choices import ProposalBasis, ProposalStatus
from picocore.problems.models import DetectorSettings, Problem, Proposal
from picocore.problems.services import (
    DetectorRun,
    problem_create,
    problem_link_incident,
    proposal_accept,
    proposal_dismiss,
    proposals_detect,
)
from picocore.problems.tasks import detect_recurring_incidents
from picocore.tickets.models import Ticket
from tests import factories
from tests.problems.support import problem_state


def _incidents(
    customer, n: int, *, component=None, title: str = "Import fails", days_ago: float = 0, **fields
) -> list[Ticket]:
    made = [customer.ticket(title=title, component=component, **fields) for _ in range(n)]
    if days_ago:
        Ticket.objects.filter(pk__in=[t.pk for t in made]).update(created_at=now() - dt.timedelta(days=days_ago))
    return made


def _evidence(proposal: Proposal) -> list[str]:
    return list(proposal.evidence.order_by("ticket_id").values_list("ticket__key", flat=True))


def test_titles_are_compared_by_their_normalised_words():
    assert similarity.words("Images MISSING on the product-page (2)") == {"images", "missing", "product", "page"}
    assert (
        similarity.jaccard(
            similarity.words("Images missing on product page"), similarity.words("product page images missing")
        )
        == 1.0
    )
    assert (
        similarity.jaccard(
            similarity.words("Images missing on product page"), similarity.words("Images missing in the shop")
        )
        == 0.4
    )
    assert not similarity.similar(frozenset(), frozenset(), 1)
    assert similarity.similar(frozenset("ab"), frozenset("bc"), 33)
    assert not similarity.similar(frozenset("ab"), frozenset("bc"), 34)
    assert similarity.clusters([frozenset("ab"), frozenset("xy"), frozenset("bc"), frozenset("cd")], 30) == [
        [0, 2, 3],
        [1],
    ]


def test_five_incidents_of_one_component_within_fourteen_days_make_a_proposal(pw):
    tickets = _incidents(pw.acme, 4, component=pw.acme_pim, title="Export broken", days_ago=13)
    tickets += _incidents(pw.acme, 1, component=pw.acme_pim, title="Prices wrong")
    _incidents(pw.acme, 3, component=pw.acme_pim, title="Old one", days_ago=15)  # outside the window
    assert proposals_detect() == DetectorRun(proposed=1, joined=0)
    proposal = Proposal.objects.get()
    assert (proposal.basis, proposal.organisation, proposal.component, proposal.status, proposal.title) == (
        ProposalBasis.COMPONENT,
        pw.acme.organisation,
        pw.acme_pim,
        ProposalStatus.OPEN,
        "ACME PIM app: Export broken",
    )
    assert _evidence(proposal) == [t.key for t in tickets]


def test_four_are_not_enough_and_the_thresholds_are_settings(pw):
    _incidents(pw.acme, 4, component=pw.acme_pim, title="Export broken", days_ago=2.5)
    assert proposals_detect() == DetectorRun(0, 0)
    DetectorSettings.objects.create(pk=1, min_incidents=4, window_days=2)
    assert proposals_detect() == DetectorRun(0, 0)  # within two days: none of them
    DetectorSettings.objects.filter(pk=1).update(window_days=3)
    assert proposals_detect() == DetectorRun(1, 0)
    DetectorSettings.objects.filter(pk=1).update(active=False)
    _incidents(pw.nord, 5, component=pw.nord_cms)
    assert proposals_detect() == DetectorRun(0, 0)


def test_the_sixth_incident_joins_the_proposal_and_a_second_run_changes_nothing(pw):
    _incidents(pw.acme, 5, component=pw.acme_pim, title="Export broken")
    assert proposals_detect() == DetectorRun(1, 0)
    before = problem_state()
    assert proposals_detect() == DetectorRun(0, 0)
    assert problem_state() == before
    sixth = pw.acme.ticket(title="Something else entirely", component=pw.acme_pim)
    assert proposals_detect() == DetectorRun(0, 1)
    proposal = Proposal.objects.get()
    assert len(_evidence(proposal)) == 6 and sixth.key in _evidence(proposal)
    assert detect_recurring_incidents.call() == 0  # the task runs the same detector: nothing new


def test_similar_titles_of_one_request_type_across_customers(pw):
    shared = factories.RequestTypeFactory(ticket_type=TicketType.INCIDENT, name="Import problem")
    for customer in (pw.acme, pw.nord):
        customer.organisation.contracts.get().tier.request_types.add(shared)
    acme = _incidents(pw.acme, 3, title="Product import fails every night", request_type=shared)
    nord = _incidents(pw.nord, 1, title="Nightly product import fails", request_type=shared)
    _incidents(pw.nord, 1, title="Nightly product import fails")  # another request type: not counted
    _incidents(pw.nord, 2, title="Login page is slow", request_type=shared)
    assert proposals_detect() == DetectorRun(0, 0)
    nord += _incidents(pw.nord, 1, title="Product import fails", request_type=shared)
    assert proposals_detect() == DetectorRun(1, 0)
    proposal = Proposal.objects.get()
    assert (proposal.basis, proposal.request_type, proposal.organisation, proposal.title) == (
        ProposalBasis.TITLE,
        shared,
        None,
        "Product import fails every night",
    )
    assert _evidence(proposal) == [t.key for t in acme + nord]
    joiner = pw.acme.ticket(title="The product import fails again", request_type=shared)
    pw.acme.ticket(title="Login page is slow", request_type=shared)
    assert proposals_detect() == DetectorRun(0, 1)
    assert joiner.key in _evidence(Proposal.objects.get())


def test_incidents_of_an_open_problem_are_not_proposed(pw):
    tickets = _incidents(pw.acme, 5, component=pw.acme_pim, title="Export broken")
    problem = problem_create(actor=pw.manager, title="Exports")
    problem_link_incident(actor=pw.manager, problem_id=problem.pk, ticket_key=tickets[0].key)
    # The component is the open problem's (through its incident): its other incidents are not proposed either.
    assert proposals_detect() == DetectorRun(0, 0)
    assert Proposal.objects.count() == 0


def test_a_dismissed_proposal_is_kept_and_its_incidents_not_proposed_again(pw):
    _incidents(pw.acme, 5, component=pw.acme_pim, title="Export broken")
    proposals_detect()
    proposal = Proposal.objects.get()
    proposal_dismiss(actor=pw.manager, proposal_id=proposal.pk)
    assert proposals_detect() == DetectorRun(0, 0)
    assert list(Proposal.objects.values_list("status", flat=True)) == [ProposalStatus.DISMISSED]
    assert len(_evidence(proposal)) == 5


def test_accepting_makes_the_problem_with_the_incidents_linked(pw):
    tickets = _incidents(pw.acme, 5, component=pw.acme_pim, title="Export broken")
    proposals_detect()
    proposal = Proposal.objects.get()
    problem = proposal_accept(actor=pw.manager, proposal_id=proposal.pk)
    assert (problem.title, problem.status) == ("ACME PIM app: Export broken", "new")
    assert list(problem.incident_links.order_by("ticket_id").values_list("ticket__key", flat=True)) == [
        t.key for t in tickets
    ]
    assert list(problem.component_links.values_list("component__name", flat=True)) == ["ACME PIM app"]
    assert list(problem.customers.values_list("organisation__name", flat=True)) == ["Acme Ltd"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.problem, proposal.decided_by) == (ProposalStatus.ACCEPTED, problem, pw.manager)
    before = problem_state()
    with pytest.raises(InvalidTransition):
        proposal_accept(actor=pw.manager, proposal_id=proposal.pk)
    assert problem_state() == before
    pw.acme.ticket(title="Export broken", component=pw.acme_pim)
    assert proposals_detect() == DetectorRun(0, 0)  # the component is the open problem's now
    assert list(Proposal.objects.values_list("status", flat=True)) == [ProposalStatus.ACCEPTED]


@pytest.mark.parametrize("who", ["consultant", "customer", "developer"])
def test_only_service_managers_decide(pw, who):
    _incidents(pw.acme, 5, component=pw.acme_pim)
    proposals_detect()
    proposal = Proposal.objects.get()
    actor = {"consultant": pw.consultant, "customer": pw.acme.admin, "developer": pw.acme_developer}[who]
    before = problem_state()
    for decide in (proposal_accept, proposal_dismiss):
        with pytest.raises(PermissionDenied):
            decide(actor=actor, proposal_id=proposal.pk)
    assert problem_state() == before
    assert Problem.objects.count() == 0
