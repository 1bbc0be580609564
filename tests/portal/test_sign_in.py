"""Signing in with an e-mail address."""

import pytest

from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.portal.support import field_errors, form_errors, login_redirect

pytestmark = pytest.mark.django_db


@pytest.fixture
def nils(nord) -> User:
    user = User.objects.create_user("Nils.Nord@Example.TEST", PASSWORD, full_name="Nils Nord")
    factories.MembershipFactory(user=user, organisation=nord.organisation, role=MembershipRole.REQUESTER)
    return user


def test_sign_in_with_the_email_address_in_any_case(client, nils):
    assert nils.email == "nils.nord@example.test"
    response = client.post("/accounts/login/", {"username": " NILS.nord@EXAMPLE.test ", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert int(client.session["_auth_user_id"]) == nils.pk
    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/portal/").context["membership"].organisation.name == "Nord Ltd"


def test_sign_in_returns_to_the_page_asked_for(client, nils, nord):
    ticket = nord.ticket(by=nils, title="Sync stuck")
    path = f"/portal/requests/{ticket.key}/"
    assert client.get(path)["Location"] == login_redirect(path)
    response = client.post(login_redirect(path), {"username": nils.email, "password": PASSWORD})
    assert response["Location"] == path


@pytest.mark.parametrize(
    ("username", "password"),
    [("nils.nord@example.test", "wrong-password"), ("nobody@example.test", PASSWORD)],
    ids=["wrong password", "unknown address"],
)
def test_failed_sign_in_says_what_to_check_and_signs_nobody_in(client, nils, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200
    assert form_errors(response) == [
        "That e-mail address and password do not match an account. Check both and try again."
    ]
    assert "_auth_user_id" not in client.session
    assert client.get("/portal/").status_code == 302


def test_sign_in_needs_an_email_address(client, nils):
    response = client.post("/accounts/login/", {"username": "nils", "password": PASSWORD})
    assert field_errors(response, "username") == ["Enter a valid email address."]
    assert "_auth_user_id" not in client.session
