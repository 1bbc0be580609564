"""The desk's alert pages, /desk/alerts/: integrations and their mapping rules, what an integration received, and
the triage queue. Happy paths, bad input refused with a clear message and nothing changed, and a constant number
of queries as the data grows. (Tenant isolation over every URL is walked in tests/desk/test_isolation.py.)"""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.alerts.choices import OnResolve, SourceKind
from picocore.alerts.models import Alert, AlertIntegration, MappingRule
from picocore.audit.models import AuditEntry
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.desk.conftest import messages_shown
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(nord):
    """Otto serves Nord only."""
    person = factories.StaffFactory(full_name="Otto Outsider", staff_role=StaffRole.CONSULTANT)
    factories.TeamFactory(name="Nord desk", organisations=[nord.organisation], members=[person])
    return person


@pytest.fixture
def manager(db):
    return factories.StaffFactory(full_name="Mona Manager", staff_role=StaffRole.SERVICE_MANAGER)


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def words(response) -> str:
    return " ".join(text(response).split())


def errors(response) -> list[str]:
    blocks = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return [" ".join(html.unescape(item).split()) for b in blocks for item in re.findall(r"<li>(.*?)</li>", b, re.S)]


def integrations() -> list[tuple]:
    return list(
        AlertIntegration.objects.order_by("pk").values_list(
            "pk", "name", "slug", "organisation_id", "kind", "service_account_id", "requester_id", "flap_changes",
            "flap_minutes", "on_resolve", "active",
        )
    )  # fmt: skip


def rules() -> list[tuple]:
    return list(
        MappingRule.objects.order_by("pk").values_list(
            "pk", "integration_id", "position", "match", "organisation_id", "environment_id", "component_id",
            "impact", "urgency",
        )
    )  # fmt: skip


def integration_post(acme, consultant, **changes) -> dict:
    data = {
        "name": "ACME Zabbix", "slug": "acme-zabbix", "organisation": str(acme.organisation.pk),
        "kind": SourceKind.GENERIC, "service_account": str(consultant.pk), "requester": str(acme.requester.pk),
        "flap_changes": "5", "flap_minutes": "20", "on_resolve": OnResolve.NOTE, "active": "on",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- integrations ----------------------------------------------------------------------------------------------


def test_the_list_groups_the_integrations_by_organisation_with_their_counts(client, consultant, integration, rule):
    Alert.objects.create(integration=integration, fingerprint="a", organisation=integration.organisation)
    Alert.objects.create(integration=integration, fingerprint="b", triage_reason="No mapping rule matches.")
    Alert.objects.create(
        integration=integration, fingerprint="c", state="resolved", organisation=integration.organisation
    )
    client.force_login(consultant)

    response = client.get("/desk/alerts/")

    assert response.status_code == 200
    assert [(row.name, row.rule_count, row.open_count, row.triage_count) for row in response.context["rows"]] == [
        ("ACME Prometheus", 1, 2, 1)
    ]
    page = words(response)
    assert "Acme Ltd Integration Source State Rules Firing In triage ACME Prometheus" in page, page
    assert '<a href="/desk/alerts/" aria-current="page">Alerts</a>' in response.content.decode()


def test_the_navigation_offers_alerts_to_the_service_team_only(client, consultant, acme):
    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    for person, shown in ((consultant, True), (developer, False)):
        client.force_login(person)
        page = client.get("/desk/development/" if person is developer else "/desk/queues/mine/")
        assert page.status_code == 200
        assert ('href="/desk/alerts/"' in page.content.decode()) is shown


def test_an_integration_is_created_with_its_settings(client, consultant, acme):
    client.force_login(consultant)
    form = client.get(f"/desk/alerts/new/?organisation={acme.organisation.pk}")
    assert form.status_code == 200
    assert "ACME Requester" in form.content.decode()  # the organisation's contacts are offered as requester

    response = client.post("/desk/alerts/new/", integration_post(acme, consultant))

    created = AlertIntegration.objects.get(slug="acme-zabbix")
    assert response.status_code == 302 and response["Location"] == f"/desk/alerts/{created.pk}/"
    assert integrations() == [(created.pk, "ACME Zabbix", "acme-zabbix", acme.organisation.pk, "generic",
                               consultant.pk, acme.requester.pk, 5, 20, "note", True)]  # fmt: skip
    assert AuditEntry.objects.filter(object_id=str(created.pk)).count() == 1
    detail = client.get(response["Location"])
    assert "http://testserver/api/v1/alerts/acme-zabbix/" in detail.content.decode() or (
        "/api/v1/alerts/acme-zabbix/" in detail.content.decode()
    )
    assert "Generic JSON" in words(detail)
    assert "5 state changes within 20 minutes" in words(detail)
    assert messages_shown(detail) == ["The integration is saved. Its intake is ready for payloads."]


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"slug": "acme-prometheus"}, "Another integration has this address."),
        ({"name": ""}, "This field is required."),
        ({"name": "ACME\x00Zabbix"}, "Null characters are not allowed."),
        ({"name": "x" * 121}, "Ensure this value has at most 120 characters (it has 121)."),
        ({"slug": "a" * 61}, "Ensure this value has at most 60 characters (it has 61)."),
        ({"flap_changes": "1"}, "Ensure this value is greater than or equal to 2."),
        ({"flap_minutes": "99999999999999999999"}, "Ensure this value is less than or equal to 1440."),
        ({"kind": "nagios"}, "Select a valid choice. nagios is not one of the available choices."),
    ],
)
def test_bad_integration_input_is_named_and_nothing_is_saved(client, consultant, acme, integration, changes,
                                                            field_error):  # fmt: skip
    client.force_login(consultant)
    before = integrations()

    response = client.post("/desk/alerts/new/", integration_post(acme, consultant, **changes))

    assert response.status_code == 400
    assert field_error in errors(response)
    assert "Nothing was saved" in words(response)
    assert integrations() == before


def test_a_service_account_or_organisation_not_served_is_refused(client, outsider, acme, nord, consultant):
    client.force_login(outsider)
    before = integrations()

    foreign = client.post("/desk/alerts/new/", integration_post(acme, outsider, requester=None))
    assert foreign.status_code == 400
    assert "Select a valid choice." in " ".join(errors(foreign))  # ACME is not offered to Otto
    served_by_other = client.post("/desk/alerts/new/", integration_post(
        nord, outsider, service_account=str(factories.StaffFactory(staff_role=StaffRole.CONSULTANT).pk),
        requester=None))  # fmt: skip
    assert served_by_other.status_code == 400
    assert errors(served_by_other) == ["Choose a member of the service team serving this organisation."]
    assert integrations() == before


def test_an_integration_is_edited_and_a_bad_edit_changes_nothing(client, consultant, acme, integration):
    client.force_login(consultant)
    path = f"/desk/alerts/{integration.pk}/edit/"
    assert client.get(path).status_code == 200
    before = integrations()

    refused = client.post(path, integration_post(acme, consultant, slug="acme-prometheus", flap_minutes="0"))
    assert refused.status_code == 400
    assert errors(refused) == ["Ensure this value is greater than or equal to 1."]
    assert integrations() == before

    saved = client.post(path, integration_post(acme, consultant, slug="acme-prometheus", active=None))
    assert saved.status_code == 302
    integration.refresh_from_db()
    assert (integration.name, integration.kind, integration.active, integration.on_resolve) == (
        "ACME Zabbix", "generic", False, "note")  # fmt: skip


def test_deleting_asks_first_then_removes_the_integration_with_its_rules(client, consultant, integration, rule):
    client.force_login(consultant)
    path = f"/desk/alerts/{integration.pk}/delete/"
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Delete ACME Prometheus?" in words(confirm)
    assert integrations() and rules()

    response = client.post(path)

    assert (response.status_code, response["Location"]) == (302, "/desk/alerts/")
    assert (integrations(), rules()) == ([], [])
    assert messages_shown(client.get("/desk/alerts/")) == ["ACME Prometheus is deleted; the incidents it filed stay."]


# --- mapping rules ---------------------------------------------------------------------------------------------


def rule_row(index: int, **values) -> dict:
    row = {"rule_id": "", "position": "", "match": "", "environment": "", "component": "", "impact": "medium",
           "urgency": "medium"}  # fmt: skip
    row.update(values)
    return {f"rules-{index}-{key}": value for key, value in row.items() if value is not None}


def rules_post(*rows: dict) -> dict:
    data = {"rules-TOTAL_FORMS": str(len(rows)), "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "200"}  # fmt: skip
    for row in rows:
        data.update(row)
    return data


def existing(rule, index: int = 0, **changes) -> dict:
    values = {"rule_id": str(rule.pk), "position": str(rule.position),
              "match": "\n".join(f"{k}={v}" for k, v in sorted(rule.match.items())),
              "environment": str(rule.environment_id or ""), "component": str(rule.component_id or ""),
              "impact": rule.impact, "urgency": rule.urgency}  # fmt: skip
    values.update(changes)
    return rule_row(index, **values)


def test_the_rules_editor_shows_the_rules_in_order_and_a_blank_row(client, consultant, integration, rule, pim_api):
    client.force_login(consultant)
    response = client.get(f"/desk/alerts/{integration.pk}/rules/")
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert [form.initial.get("rule_id") for form in forms] == [rule.pk, None]
    assert forms[0].initial["match"] == "component=pim-api\ncustomer=acme\nenvironment=production"
    page = response.content.decode()
    assert '<label for="id_rules-0-match">Labels to match:</label>' in page
    assert f'<option value="{pim_api.pk}" selected>Acme Ltd · ACME PIM · Production · pim-api</option>' in page


def test_rules_are_added_changed_and_removed_at_once(client, consultant, integration, rule, acme, pim_api):
    second = MappingRule.objects.create(integration=integration, position=5, match={"severity": "info"})
    client.force_login(consultant)
    data = rules_post(
        existing(rule, 0, urgency=Urgency.LOW, match="customer=acme\nseverity=critical"),
        existing(second, 1, delete="on"),
        rule_row(2, match="customer=acme", position="20", environment=str(acme.staging.pk), impact=Impact.LOW),
    )

    response = client.post(f"/desk/alerts/{integration.pk}/rules/", data)

    assert (response.status_code, response["Location"]) == (302, f"/desk/alerts/{integration.pk}/rules/")
    new = MappingRule.objects.exclude(pk=rule.pk).get()
    assert rules() == [
        (rule.pk, integration.pk, 1, {"customer": "acme", "severity": "critical"}, None, acme.production.pk,
         pim_api.pk, "high", "low"),
        (new.pk, integration.pk, 20, {"customer": "acme"}, None, acme.staging.pk, None, "low", "medium"),
    ]  # fmt: skip
    assert messages_shown(client.get(response["Location"])) == ["The mapping rules are saved."]


def test_an_untouched_blank_row_adds_no_rule(client, consultant, integration, rule):
    client.force_login(consultant)
    before = rules()
    response = client.post(f"/desk/alerts/{integration.pk}/rules/", rules_post(existing(rule), rule_row(1)))
    assert response.status_code == 302
    assert rules() == before


def _row_errors(response, index: int) -> list[str]:
    return [str(error) for error in response.context["formset"].forms[index].errors.get("__all__", [])] + [
        str(error) for name, found in response.context["formset"].forms[index].errors.items() if name != "__all__"
        for error in found
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"match": "customer"}, "Line 1 is not a label=value pair."),
        ({"match": "a=1\na=2"}, "The label “a” is given twice."),
        ({"match": "a=\x00"}, "Null characters are not allowed."),
        ({"match": "a=" + "x" * 10_000}, "Ensure this value has at most 10000 characters (it has 10002)."),
        ({"match": "a=" + "x" * 2001}, "Line 1 is too long."),
        ({"match": "a=1", "position": "40000"}, "Ensure this value is less than or equal to 32767."),
        ({"match": "a=1", "impact": "huge"}, "Select a valid choice. huge is not one of the available choices."),
    ],
)
def test_a_bad_rule_is_named_beside_its_row_and_nothing_is_saved(client, consultant, integration, rule, row,
                                                                 message):  # fmt: skip
    client.force_login(consultant)
    before = rules()
    data = rules_post(existing(rule, 0, urgency=Urgency.LOW), rule_row(1, **row))

    response = client.post(f"/desk/alerts/{integration.pk}/rules/", data)

    assert response.status_code == 400
    assert _row_errors(response, 0) == []
    assert _row_errors(response, 1) == [message]
    assert "Nothing was saved" in words(response)
    assert rules() == before


def test_the_service_refusal_of_a_rule_is_shown_beside_it_and_nothing_is_saved(client, consultant, integration,
                                                                               rule, nord):  # fmt: skip
    nord_app = Component.objects.create(environment=nord.production, name="nord-app", kind="application")
    client.force_login(consultant)
    before = rules()
    data = rules_post(
        existing(rule, 0, urgency=Urgency.LOW),
        rule_row(1, match="customer=nord", environment=str(nord.production.pk), component=str(nord_app.pk)),
    )

    response = client.post(f"/desk/alerts/{integration.pk}/rules/", data)

    assert response.status_code == 400
    # Nord's landscape is not offered on ACME's integration: the form refuses it before the service is asked.
    assert _row_errors(response, 1) == [
        f"Select a valid choice. {nord.production.pk} is not one of the available choices.",
        f"Select a valid choice. {nord_app.pk} is not one of the available choices.",
    ]
    assert rules() == before


def test_a_rule_of_the_teams_own_integration_names_a_served_organisation(client, manager, acme, nord):
    own = AlertIntegration.objects.create(name="Team Prometheus", slug="team", service_account=manager)
    client.force_login(manager)
    before = rules()
    data = rules_post(rule_row(0, match="customer=acme", component=str(
        Component.objects.create(environment=nord.production, name="nord-app", kind="application").pk),
        organisation=str(acme.organisation.pk)))  # fmt: skip

    response = client.post(f"/desk/alerts/{own.pk}/rules/", data)

    assert response.status_code == 400
    assert _row_errors(response, 0) == ["Rule 1: choose a component of the organisation."]
    assert rules() == before
    saved = client.post(
        f"/desk/alerts/{own.pk}/rules/",
        rules_post(rule_row(0, match="customer=acme", organisation=str(acme.organisation.pk))),
    )
    assert saved.status_code == 302
    assert MappingRule.objects.get().organisation_id == acme.organisation.pk


def test_a_rule_removed_meanwhile_is_named_and_nothing_is_saved(client, consultant, integration, rule):
    client.force_login(consultant)
    data = rules_post(existing(rule, 0, urgency=Urgency.LOW), rule_row(1, rule_id="999999", match="a=b"))
    response = client.post(f"/desk/alerts/{integration.pk}/rules/", data)
    assert response.status_code == 400
    assert _row_errors(response, 1) == [
        "This rule was removed meanwhile: reload the page to see the rules as they are."
    ]
    assert rules()[0][-1] == "high"


def test_a_tampered_rules_form_is_refused(client, consultant, integration, rule):
    client.force_login(consultant)
    before = rules()
    response = client.post(f"/desk/alerts/{integration.pk}/rules/", {"rules-TOTAL_FORMS": "x"})
    assert response.status_code == 400
    assert rules() == before
    many = rules_post(*(rule_row(i, match=f"a={i}") for i in range(201)))
    assert client.post(f"/desk/alerts/{integration.pk}/rules/", many).status_code == 400
    assert rules() == before


# --- query counts ----------------------------------------------------------------------------------------------


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(data_statements(captured))


def test_the_integration_pages_keep_their_query_counts_as_integrations_and_rules_grow(client, consultant, acme,
                                                                                      integration, rule):  # fmt: skip
    client.force_login(consultant)
    paths = ("/desk/alerts/", f"/desk/alerts/{integration.pk}/", f"/desk/alerts/{integration.pk}/rules/",
             f"/desk/alerts/{integration.pk}/edit/")  # fmt: skip
    small = [_count(client, path) for path in paths]
    for n in range(10):
        other = AlertIntegration.objects.create(name=f"ACME {n}", slug=f"acme-{n}", organisation=acme.organisation,
                                                service_account=consultant)  # fmt: skip
        Alert.objects.create(integration=other, fingerprint=f"f{n}", organisation=acme.organisation)
        MappingRule.objects.create(integration=integration, position=n, match={"n": str(n)},
                                   component=rule.component, environment=rule.environment)  # fmt: skip
        Component.objects.create(environment=acme.production, name=f"c{n}", kind="application")
    assert [_count(client, path) for path in paths] == small


# --- what an integration received ------------------------------------------------------------------------------


def _payload(integration, body: bytes):
    from picocore.alerts.models import RawAlertPayload

    return RawAlertPayload.objects.create(integration=integration, body=body, size=len(body),
                                          content_type="application/json")  # fmt: skip


def test_the_alerts_are_listed_newest_first_with_their_incident_and_paged_by_keyset(client, consultant, acme,
                                                                                    integration):  # fmt: skip
    import datetime as dt

    from picocore.core.clock import now

    ticket = acme.ticket(title="pim-api latency")
    start = now()
    for n in range(30):
        Alert.objects.create(integration=integration, fingerprint=f"fp-{n:02}", organisation=acme.organisation,
                             last_seen_at=start + dt.timedelta(minutes=n), occurrences=n + 1,
                             incident=ticket if n == 29 else None)  # fmt: skip
    client.force_login(consultant)

    first = client.get(f"/desk/alerts/{integration.pk}/alerts/")

    assert first.status_code == 200
    assert [a.fingerprint for a in first.context["page"].rows][:3] == ["fp-29", "fp-28", "fp-27"]
    assert f'<a href="/desk/tickets/{ticket.key}/">{ticket.key}</a>' in first.content.decode()
    second = client.get(f"/desk/alerts/{integration.pk}/alerts/?after={first.context['page'].next_cursor}")
    assert [a.fingerprint for a in second.context["page"].rows] == [f"fp-{n:02}" for n in range(4, -1, -1)]
    stale = client.get(f"/desk/alerts/{integration.pk}/alerts/?after=bogus")
    assert stale.status_code == 400
    assert "That page of the list no longer exists: this is the first page." in words(stale)


def test_a_payload_is_shown_as_received_escaped(client, consultant, integration):
    payload = _payload(integration, b'{"summary": "<script>alert(1)</script>", "x": "\\u0000"}\xff')
    client.force_login(consultant)

    listed = client.get(f"/desk/alerts/{integration.pk}/payloads/")
    shown = client.get(f"/desk/alerts/{integration.pk}/payloads/{payload.pk}/")

    assert [p.pk for p in listed.context["page"].rows] == [payload.pk]
    assert shown.status_code == 200
    content = shown.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "\ufffd" in content  # the byte that is not UTF-8
    assert client.get(f"/desk/alerts/{integration.pk}/payloads/999999/").status_code == 404


# --- triage ----------------------------------------------------------------------------------------------------


@pytest.fixture
def triaged(integration):
    payload = _payload(integration, b'{"alerts": [{"fingerprint": "t1", "labels": {"customer": "unknown"}}]}')
    return Alert.objects.create(integration=integration, fingerprint="t1", labels={"customer": "unknown"},
                                summary="Disk full", payload=payload,
                                triage_reason="No mapping rule matches its labels.")  # fmt: skip


def alert_rows() -> list[tuple]:
    return list(Alert.objects.order_by("pk").values_list("pk", "organisation_id", "component_id", "incident_id",
                                                         "dismissed_at", "impact", "urgency"))  # fmt: skip


def test_the_triage_queue_shows_the_labels_and_the_payload(client, consultant, triaged):
    client.force_login(consultant)
    queue = client.get("/desk/alerts/triage/")
    assert [a.pk for a in queue.context["page"].rows] == [triaged.pk]
    assert "customer=unknown" in words(queue) and "No mapping rule matches its labels." in words(queue)
    alert_page = client.get(f"/desk/alerts/triage/{triaged.pk}/")
    assert alert_page.status_code == 200
    assert "&quot;fingerprint&quot;: &quot;t1&quot;" in alert_page.content.decode()


def test_mapping_files_the_incident_and_says_so(client, consultant, acme, triaged, pim_api):
    client.force_login(consultant)
    response = client.post(
        f"/desk/alerts/triage/{triaged.pk}/map/",
        {"organisation": acme.organisation.pk, "component": pim_api.pk, "impact": "high", "urgency": "high"},
    )

    assert (response.status_code, response["Location"]) == (302, "/desk/alerts/triage/")
    triaged.refresh_from_db()
    assert (triaged.organisation_id, triaged.component_id, triaged.impact) == (acme.organisation.pk, pim_api.pk,
                                                                               "high")  # fmt: skip
    assert triaged.incident is not None and triaged.incident.priority == 1
    assert messages_shown(client.get("/desk/alerts/triage/")) == [
        f"Mapped to Acme Ltd: incident {triaged.incident.key} is filed."
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organisation": ""}, "This field is required."),
        ({"organisation": "x\x00"}, "Select a valid choice. x\x00 is not one of the available choices."),
        ({"impact": "huge"}, "Select a valid choice. huge is not one of the available choices."),
        ({"component": "9" * 30}, f"Select a valid choice. {'9' * 30} is not one of the available choices."),
    ],
)
def test_a_bad_mapping_is_named_and_changes_nothing(client, consultant, acme, triaged, data, message):
    client.force_login(consultant)
    before = alert_rows()
    sent = {"organisation": acme.organisation.pk, "impact": "high", "urgency": "high", **data}
    response = client.post(f"/desk/alerts/triage/{triaged.pk}/map/", sent)
    assert response.status_code == 400
    assert message in errors(response)
    assert alert_rows() == before


def test_a_nord_component_for_acme_is_refused_by_the_service(client, consultant, acme, nord, triaged):
    nord_app = Component.objects.create(environment=nord.production, name="nord-app", kind="application")
    client.force_login(consultant)
    before = alert_rows()
    response = client.post(f"/desk/alerts/triage/{triaged.pk}/map/?organisation={nord.organisation.pk}",
                           {"organisation": acme.organisation.pk, "component": nord_app.pk, "impact": "high",
                            "urgency": "high"})  # fmt: skip
    assert response.status_code == 400
    assert alert_rows() == before


def test_dismissing_takes_it_out_of_the_queue(client, consultant, triaged):
    client.force_login(consultant)
    response = client.post(f"/desk/alerts/triage/{triaged.pk}/dismiss/")
    assert response.status_code == 302
    triaged.refresh_from_db()
    assert triaged.dismissed_by == consultant and triaged.incident is None
    queue = client.get("/desk/alerts/triage/")
    assert list(queue.context["page"].rows) == []
    assert messages_shown(queue) == ["Dismissed “Disk full”: no incident; its repeats are still counted on it."]
    again = client.post(f"/desk/alerts/triage/{triaged.pk}/dismiss/")
    assert again.status_code == 302
    assert messages_shown(client.get("/desk/alerts/triage/")) == ["This alert no longer waits in triage."]


def test_the_received_and_triage_pages_keep_their_query_counts_as_alerts_grow(client, consultant, acme,
                                                                              integration, triaged):  # fmt: skip
    client.force_login(consultant)
    payload = triaged.payload
    paths = (f"/desk/alerts/{integration.pk}/alerts/", f"/desk/alerts/{integration.pk}/payloads/",
             f"/desk/alerts/{integration.pk}/payloads/{payload.pk}/", "/desk/alerts/triage/",
             f"/desk/alerts/triage/{triaged.pk}/")  # fmt: skip
    small = [_count(client, path) for path in paths]
    ticket = acme.ticket(title="Many alerts")
    for n in range(40):
        more = _payload(integration, b"{}")
        Alert.objects.create(integration=integration, fingerprint=f"m{n}", organisation=acme.organisation,
                             incident=ticket, payload=more)  # fmt: skip
        Alert.objects.create(integration=integration, fingerprint=f"q{n}", labels={"n": str(n)}, payload=more)
    assert [_count(client, path) for path in paths] == small
