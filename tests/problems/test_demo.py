"""The demo has a known error affecting two customers with a published known issue, and a recurring-incident
proposal with its five incidents."""

import pytest

from picocore.demo.data import load_demo
from picocore.problems.choices import ProblemStatus, ProposalBasis, ProposalStatus
from picocore.problems.models import Problem, Proposal, WorkaroundDelivery
from picocore.problems.selectors import portal_known_issues
from picocore.tenancy.models import Membership
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_demo_shows_a_known_error_and_a_proposal():
    load_demo()
    problem = Problem.objects.get(title="Product images missing after the nightly export")
    assert problem.status == ProblemStatus.KNOWN_ERROR
    customers = sorted(problem.customers.values_list("organisation__name", flat=True))
    assert customers == ["Acme Foods", "Nordic Fashion"]
    assert problem.known_issue_published_at is not None
    links = list(problem.incident_links.values_list("ticket__key", flat=True))
    assert links and WorkaroundDelivery.objects.filter(problem=problem).count() == len(links)
    for membership in Membership.objects.select_related("user", "organisation"):
        shown = portal_known_issues(actor=signed_in(membership.user), organisation=membership.organisation)
        affected = membership.organisation.name in customers
        expected = ["Some product images may be missing after the nightly update"] if affected else []
        assert [issue.title for issue in shown] == expected, membership
    proposal = Proposal.objects.get(title__contains="Price import failed")
    assert (proposal.status, proposal.basis) == (ProposalStatus.OPEN, ProposalBasis.COMPONENT)
    titles = list(proposal.evidence.values_list("ticket__title", flat=True))
    assert len([t for t in titles if "rice import" in t]) == 5  # with any recent incident of that component
    assert Proposal.objects.count() == 1


def test_the_demo_known_error_is_found_by_the_desk_and_its_known_issue_by_the_affected_customers():
    """The database keeps the search indexes as the demo is loaded: the desk finds the problem by a word of its
    title, an affected customer finds the known issue by a word of its own text, never by the root cause."""
    from picocore.search.selectors import desk_search, portal_knowledge
    from picocore.tenancy.choices import StaffRole
    from picocore.tenancy.models import User

    load_demo()
    problem = Problem.objects.get(title="Product images missing after the nightly export")
    manager = signed_in(User.objects.filter(staff_role=StaffRole.SERVICE_MANAGER).order_by("id").first())
    problems = next(s for s in desk_search(actor=manager, text="images").sections if s.slug == "problems")
    assert [hit.key for hit in problems.hits] == [problem.key]
    for membership in Membership.objects.select_related("user", "organisation"):
        reader = signed_in(membership.user)
        found = portal_knowledge(actor=reader, organisation=membership.organisation, text="images")
        affected = membership.organisation.name in ("Acme Foods", "Nordic Fashion")
        assert [hit.issue.pk for hit in found.known_issues] == ([problem.pk] if affected else []), membership
        root_cause = portal_knowledge(actor=reader, organisation=membership.organisation, text="purge")
        assert root_cause.known_issues == [], membership
