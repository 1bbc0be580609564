"""What administrators type into the catalogue (labels, help texts, choices, names, summaries, tier names) is
plain text: every page shows it escaped, never as markup."""

import pytest

from picocore.catalog.choices import FieldKind
from tests import factories
from tests.portal.support import page

pytestmark = pytest.mark.django_db

MARKUP = '<img src=x onerror="alert(1)">'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


@pytest.fixture
def hostile_type(acme):
    tier = acme.organisation.contracts.get().tier
    tier.name = f"Gold {MARKUP}"
    tier.save()
    request_type = factories.RequestTypeFactory(
        name=f"Export {MARKUP}", slug="export", summary=f"Summary {MARKUP}", asks_impact_and_urgency=False
    )
    for kind, choices in ((FieldKind.TEXT, ""), (FieldKind.CHOICE, f"CSV\nXML {MARKUP}"), (FieldKind.YES_NO, "")):
        factories.FormFieldFactory(request_type=request_type, key=f"q{kind}", kind=kind, label=f"Label {MARKUP}",
                                   help_text=f"Help {MARKUP}", choices=choices)  # fmt: skip
    tier.request_types.add(request_type)
    return request_type


def test_the_catalogue_and_the_form_show_admin_texts_as_text(client, acme, hostile_type):
    client.force_login(acme.requester)
    for response in (client.get("/portal/new/"), client.get("/portal/new/export/")):
        html = page(response)
        assert response.status_code == 200
        assert "<img" not in html
    form = page(client.get("/portal/new/export/"))
    assert form.count(f"Help {ESCAPED}") == 3
    assert form.count(f"Label {ESCAPED}") == 3
    assert f'<option value="XML {ESCAPED}" data-user-content>XML {ESCAPED}</option>' in form
    assert f"<h1 data-user-content>Export {ESCAPED}</h1>" in form
    assert f'<p class="muted" data-user-content>Summary {ESCAPED}</p>' in form
    catalogue = page(client.get("/portal/new/"))
    assert (
        f"<strong data-user-content>Export {ESCAPED}</strong><span data-user-content>Summary {ESCAPED}</span>"
        in catalogue
    )


def test_a_refused_form_and_the_request_page_show_them_as_text_too(client, acme, consultant, hostile_type):
    client.force_login(acme.requester)
    refused = client.post("/portal/new/export/", {"title": "", "description": ""})
    assert refused.status_code == 400
    assert "<img" not in page(refused)
    response = client.post(
        "/portal/new/export/",
        {
            "title": "Export",
            "description": "Please.",
            f"q{FieldKind.CHOICE}": f"XML {MARKUP}",
            f"q{FieldKind.TEXT}": "x",
        },
    )
    assert response.status_code == 302
    for html in (page(client.get(response["Location"])), page(client.get("/portal/"))):
        assert "<img" not in html
    client.force_login(consultant)
    desk = page(client.get("/desk/tickets/ACME-1/"))
    assert "<img" not in desk
    assert f"Label {ESCAPED}" in desk
