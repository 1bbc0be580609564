"""The full e-mail behind a timeline entry, for the team working the ticket — and for nobody else."""

import pytest
from django.urls import include, path, reverse

from picocore.config.urls import urlpatterns as project_urls
from picocore.tenancy.choices import StaffRole, TeamKind
from tests import factories

pytestmark = pytest.mark.django_db

# Until picocore/config/urls.py includes picocore.mail.urls (see the mail hand-over), the tests mount it.
urlpatterns = [*project_urls, path("desk/mail/", include("picocore.mail.urls"))]


@pytest.fixture(autouse=True)
def mail_urls(settings):
    if not any(getattr(p, "namespace", None) == "mail" for p in project_urls):
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def reply(world, deliver):
    return deliver("gmail_reply_references.eml")


def url(message) -> str:
    return reverse("mail:message", args=[message.ticket.key, message.pk])


def test_a_consultant_of_the_customer_sees_the_whole_message(client, consultant, reply):
    client.force_login(consultant)
    response = client.get(url(reply))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Could you tell us whether the images are missing on staging too?" in page  # the trimmed quote
    assert 'rel="noopener noreferrer nofollow"' in page and "<blockquote>" in page


@pytest.mark.parametrize("who", ["requester", "other_consultant", "developer", "wrong_ticket"])
def test_everyone_else_gets_404(client, world, reply, who):
    if who == "requester":
        user = world.anna
    elif who == "developer":
        user = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    else:
        user = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
        team = factories.TeamFactory(kind=TeamKind.OPERATIONS)
        team.members.add(user)
        if who == "wrong_ticket":
            team.organisations.add(world.nord.organisation, world.acme.organisation)
    client.force_login(user)
    target = url(reply) if who != "wrong_ticket" else reverse("mail:message", args=["ACME-2", reply.pk])
    assert client.get(target).status_code == 404
