"""Personal-data exports: what the zip holds (every item of the person, nothing of anyone else), the worker's
build with its progress, the download that only the requester may use until it expires, retries without a
second export, step-up, and the pages' tenant isolation and query counts."""

import datetime as dt
import io
import json
import zipfile
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.core.clock import now
from picocore.core.errors import NotFound
from picocore.notifications.models import Notification
from picocore.privacy.choices import ExportStatus
from picocore.privacy.models import PersonalDataExport
from picocore.privacy.services.exports import export_build, export_start, exports_expire
from picocore.tenancy.choices import MembershipRole, StaffRole
from picocore.tickets.models import Attachment
from tests import factories
from tests.conftest import prove_recently
from tests.privacy.conftest import OLE, OLE_EMAIL, PIA, PIA_EMAIL, People

pytestmark = pytest.mark.django_db


def zip_files(export: PersonalDataExport) -> dict[str, bytes]:
    export.refresh_from_db()
    with export.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def section(files: dict[str, bytes], name: str) -> list[dict]:
    return json.loads(files[f"{name}.json"])


def exported(actor, subject, organisation_id, capture) -> PersonalDataExport:
    with capture(execute=True):
        export = export_start(actor=actor, subject_id=subject.pk, organisation_id=organisation_id)
    export.refresh_from_db()
    return export


def test_a_customer_admin_exports_every_item_of_the_person_of_their_organisation_and_nothing_else(
    people: People, django_capture_on_commit_callbacks
):
    export = exported(people.acme.admin, people.pia, people.acme.organisation.pk, django_capture_on_commit_callbacks)
    assert (export.status, export.percent, export.done, export.total) == (ExportStatus.READY, 100, 16, 16)
    files = zip_files(export)
    pia_file, extra_file = Attachment.objects.filter(uploaded_by=people.pia).order_by("pk")
    assert set(files) == {
        "profile.json", "memberships.json", "requests.json", "timeline.json", "attachments.json", "ratings.json",
        "time_entries.json", "change_decisions.json", "cab_votes.json", "notifications.json",
        "watched_requests.json", "notification_preferences.json",
        f"attachments/{pia_file.pk}-pia-screen.txt", f"attachments/{extra_file.pk}-pia-extra.txt",
    }  # fmt: skip
    assert section(files, "profile")[0] | {"joined": None} == {
        "id": people.pia.pk, "full_name": PIA, "email": PIA_EMAIL, "language": "", "staff_role": "", "active": True,
        "joined": None, "last_sign_in": None,
    }  # fmt: skip
    assert [m["organisation"] for m in section(files, "memberships")] == ["Acme Ltd"]
    assert [(r["key"], r["title"], r["description"]) for r in section(files, "requests")] == [
        (people.pia_ticket.key, "Pia's images missing", "Pia wrote: the images are gone.")
    ]
    assert [(e["ticket"], e["kind"], e["text"]) for e in section(files, "timeline")] == [
        (people.pia_ticket.key, "created", "Pia wrote: the images are gone."),
        (people.ole_ticket.key, "public_reply", "Pia's reply on Ole's request."),
    ]
    assert [a["filename"] for a in section(files, "attachments")] == ["pia-screen.txt", "pia-extra.txt"]
    assert files[f"attachments/{pia_file.pk}-pia-screen.txt"] == b"pia's screenshot"
    assert files[f"attachments/{extra_file.pk}-pia-extra.txt"] == b"pia's extra"
    assert [(r["score"], r["comment"]) for r in section(files, "ratings")] == [(4, "Pia's comment.")]
    assert [d["reason"] for d in section(files, "change_decisions")] == ["Pia's reason."]
    assert sorted(n["title"] for n in section(files, "notifications")) == sorted(
        Notification.objects.filter(user=people.pia, ticket__organisation=people.acme.organisation).values_list(
            "title", flat=True
        )
    )
    assert "Pia's notice" in {n["title"] for n in section(files, "notifications")}
    assert [w["ticket"] for w in section(files, "watched_requests")] == [people.ole_ticket.key]
    assert section(files, "notification_preferences") == [{"kind": "status", "channel": "email"}]
    assert section(files, "time_entries") == section(files, "cab_votes") == []
    everything = b"".join(files.values()).decode()
    # (Her notifications quote what was written to her: the consultant's answer is hers to read.)
    assert "Consultant's answer" not in json.dumps(section(files, "timeline"))
    for foreign in (OLE, OLE_EMAIL, "Ole wrote", "Ole's comment", "Nord", "ole's"):
        assert foreign not in everything


def test_an_administrator_exports_the_person_across_organisations(root, people: People,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    export = exported(root, people.pia, None, django_capture_on_commit_callbacks)
    files = zip_files(export)
    assert [r["key"] for r in section(files, "requests")] == [people.pia_ticket.key, people.nord_ticket.key]
    assert [e["text"] for e in section(files, "timeline") if e["kind"] == "public_reply"] == [
        "Pia's reply on Ole's request.", "Pia's reply for Nord."
    ]  # fmt: skip
    assert sorted(n["title"] for n in section(files, "notifications")) == sorted(
        Notification.objects.filter(user=people.pia).values_list("title", flat=True)
    )
    assert {"Pia's Nord notice", "Pia's notice"} <= {n["title"] for n in section(files, "notifications")}
    assert OLE not in b"".join(files.values()).decode()


def test_a_staff_members_export_holds_their_time_entries_and_notes(root, people: People,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from picocore.hours.services import time_log
    from picocore.tickets.services import ticket_add_note

    time_log(actor=people.consultant, ticket=people.pia_ticket, minutes=45, description="Checked the CDN.")
    ticket_add_note(actor=people.consultant, ticket=people.pia_ticket, body="The CDN was down.")
    files = zip_files(exported(root, people.consultant, None, django_capture_on_commit_callbacks))
    assert [(t["minutes"], t["description"]) for t in section(files, "time_entries")] == [(45, "Checked the CDN.")]
    assert [e["text"] for e in section(files, "timeline") if e["kind"] == "internal_note"] == ["The CDN was down."]
    assert section(files, "requests") == []


def test_another_organisations_admin_cannot_export_and_nothing_is_made(people: People):
    with pytest.raises(NotFound):
        export_start(actor=people.nord.admin, subject_id=people.ole.pk, organisation_id=people.acme.organisation.pk)
    with pytest.raises(NotFound):
        export_start(actor=people.nord.admin, subject_id=people.ole.pk, organisation_id=people.nord.organisation.pk)
    with pytest.raises(NotFound):  # only administrators export across organisations
        export_start(actor=people.acme.admin, subject_id=people.ole.pk, organisation_id=None)
    with pytest.raises(NotFound):  # a requester is no customer admin
        export_start(actor=people.pia, subject_id=people.ole.pk, organisation_id=people.acme.organisation.pk)
    assert not PersonalDataExport.objects.exists()


def test_starting_twice_and_retrying_a_failed_build_keep_one_export(people: People,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    admin, organisation_id = people.acme.admin, people.acme.organisation.pk
    with mock.patch("picocore.privacy.services.exports.write_zip", side_effect=OSError("disk full")):
        failed = exported(admin, people.pia, organisation_id, django_capture_on_commit_callbacks)
    assert (failed.status, failed.error, failed.attempts, failed.file.name) == (ExportStatus.FAILED, "OSError", 1, "")
    again = exported(admin, people.pia, organisation_id, django_capture_on_commit_callbacks)
    assert again.pk == failed.pk
    assert (again.status, again.attempts) == (ExportStatus.READY, 2)
    assert PersonalDataExport.objects.count() == 1
    assert export_build(export_id=again.pk) is False  # a ready export is not built again
    assert AuditEntry.objects.filter(object_repr=f"Personal data export {again.pk}").count() == 1


def test_an_expired_download_is_gone(client, people: People, django_capture_on_commit_callbacks):
    export = exported(people.acme.admin, people.pia, people.acme.organisation.pk, django_capture_on_commit_callbacks)
    storage, name = export.file.storage, export.file.name
    assert exports_expire(now() + dt.timedelta(days=6)) == 0
    assert exports_expire(now() + dt.timedelta(days=7, seconds=1)) == 1
    export.refresh_from_db()
    assert (export.status, export.file.name, storage.exists(name)) == (ExportStatus.EXPIRED, "", False)
    client.force_login(people.acme.admin)
    assert client.get(reverse("privacy:portal_export_download", args=[export.uid])).status_code == 404
    assert exports_expire(now() + dt.timedelta(days=8)) == 0


# --- Pages ----------------------------------------------------------------------------------------------------


def test_the_portal_export_journey(client, people: People, django_capture_on_commit_callbacks):
    client.force_login(people.acme.admin)
    prove_recently(client)
    start = reverse("privacy:portal_export_start", args=[people.pia.pk])
    response = client.post(start)
    export = PersonalDataExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("privacy:portal_export", args=[export.uid])
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and waiting["Refresh"] == "3"
    assert "0% done" in waiting.text and '<progress id="export-progress" max="100" value="0">' in waiting.text
    assert "<script>" not in waiting.text
    client.post(start)  # a second submit: the same export, queued already
    assert PersonalDataExport.objects.count() == 1
    assert export_build(export_id=export.pk) is True  # the worker's turn
    ready = client.get(response["Location"])
    assert "Refresh" not in ready and "Download the zip" in ready.text
    download = client.get(reverse("privacy:portal_export_download", args=[export.uid]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()[0] == "profile.json"


def test_starting_an_export_asks_for_a_fresh_proof(client, people: People):
    client.force_login(people.acme.admin)
    response = client.post(reverse("privacy:portal_export_start", args=[people.pia.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:step_up"))
    assert not PersonalDataExport.objects.exists()


def test_only_the_requester_reaches_the_export(client, root, people: People, django_capture_on_commit_callbacks):
    export = exported(people.acme.admin, people.pia, people.acme.organisation.pk, django_capture_on_commit_callbacks)
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organisation=people.acme.organisation,
                                role=MembershipRole.CUSTOMER_ADMIN)  # fmt: skip
    urls = [reverse(f"privacy:portal_export{suffix}", args=[export.uid]) for suffix in ("", "_download")]
    urls += [reverse(f"privacy:desk_export{suffix}", args=[export.uid]) for suffix in ("", "_download")]
    for person in (colleague, people.pia, people.nord.admin, root):
        client.force_login(person)
        prove_recently(client)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        assert client.post(reverse("privacy:portal_export_retry", args=[export.uid])).status_code == 404
    client.force_login(people.acme.admin)
    assert client.get(urls[1]).status_code == 200


def test_another_organisations_admin_sees_nothing_and_gets_404(client, people: People):
    client.force_login(people.nord.admin)
    prove_recently(client)
    index = client.get(reverse("privacy:portal_index"))
    assert index.status_code == 200
    assert OLE not in index.text and PIA in index.text  # Pia freelances for Nord too; Ole does not
    for url in (reverse("privacy:portal_person", args=[people.ole.pk]),):
        assert client.get(url).status_code == 404
    for name in ("privacy:portal_export_start", "privacy:portal_erase"):
        assert client.post(reverse(name, args=[people.ole.pk]), {"confirm": "yes"}).status_code == 404
    assert not PersonalDataExport.objects.exists()
    people.ole.refresh_from_db()
    assert people.ole.full_name == OLE


@pytest.mark.parametrize("who", ["requester", "consultant"])
def test_people_who_are_no_admins_get_404_everywhere(client, people: People, who):
    client.force_login(people.pia if who == "requester" else people.consultant)
    prove_recently(client)
    for name in ("privacy:portal_index", "privacy:desk_index"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("privacy:portal_person", args=[people.ole.pk])).status_code == 404
    assert client.get(reverse("privacy:desk_person", args=[people.ole.pk])).status_code == 404
    assert client.post(reverse("privacy:desk_export_start", args=[people.ole.pk])).status_code == 404
    assert not PersonalDataExport.objects.exists()


def test_the_desk_finds_people_and_starts_an_export_for_an_administrator(client, root, people: People):
    response = client.get(reverse("privacy:desk_index"), {"q": "persondata\x00"})
    assert response.status_code == 200
    assert [p.pk for p in response.context["people"]] == [people.pia.pk]
    person = client.get(reverse("privacy:desk_person", args=[people.pia.pk]))
    assert person.status_code == 200 and "Nord Ltd" in person.text
    response = client.post(reverse("privacy:desk_export_start", args=[people.pia.pk]))
    export = PersonalDataExport.objects.get()
    assert (export.requested_by, export.organisation, export.scope) == (root, None, "all")
    assert response["Location"] == reverse("privacy:desk_export", args=[export.uid])


def test_a_service_manager_opens_the_desk_page_but_not_people(client, people: People):
    manager = factories.StaffFactory(staff_role=StaffRole.SERVICE_MANAGER)
    client.force_login(manager)
    prove_recently(client)
    response = client.get(reverse("privacy:desk_index"), {"q": "Pia"})
    assert response.status_code == 200 and response.context["people"] == []
    assert client.get(reverse("privacy:desk_person", args=[people.pia.pk])).status_code == 404


def test_the_portal_index_runs_a_constant_number_of_queries(client, people: People,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(people.acme.admin)
    prove_recently(client)
    client.post(reverse("privacy:portal_export_start", args=[people.pia.pk]))
    url = reverse("privacy:portal_index")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        person = factories.UserFactory()
        factories.MembershipFactory(user=person, organisation=people.acme.organisation)
        export_start(actor=people.acme.admin, subject_id=person.pk, organisation_id=people.acme.organisation.pk)
    client.get(url)  # the new memberships changed the reference data the portal keeps
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["exports"]) == 6
    assert len(many) == len(few)


def test_a_long_name_with_odd_characters_is_exported_whole(people: People, django_capture_on_commit_callbacks):
    name = ("Zoë Ünïcødé-ßøn 名前 " * 10)[:150]
    people.pia.full_name = name
    people.pia.save()
    files = zip_files(exported(people.acme.admin, people.pia, people.acme.organisation.pk,
                               django_capture_on_commit_callbacks))  # fmt: skip
    assert section(files, "profile")[0]["full_name"] == name


def test_a_member_who_is_no_customer_admin_gets_404_before_any_step_up(client, people: People):
    client.force_login(people.pia)  # a requester of ACME, not proved recently
    for name in ("privacy:portal_export_start", "privacy:portal_erase"):
        response = client.post(reverse(name, args=[people.ole.pk]), {"confirm": "yes"})
        assert response.status_code == 404, name
    assert not PersonalDataExport.objects.exists()
    people.ole.refresh_from_db()
    assert people.ole.full_name == OLE


def test_the_portal_shows_an_export_only_while_it_shows_the_exports_organisation(
    client, people: People, django_capture_on_commit_callbacks
):
    from picocore.portal.context import SESSION_KEY

    factories.MembershipFactory(user=people.acme.admin, organisation=people.nord.organisation,
                                role=MembershipRole.CUSTOMER_ADMIN)  # fmt: skip
    export = exported(people.acme.admin, people.pia, people.acme.organisation.pk, django_capture_on_commit_callbacks)
    client.force_login(people.acme.admin)
    urls = [reverse(f"privacy:portal_export{suffix}", args=[export.uid]) for suffix in ("", "_download")]
    session = client.session
    session[SESSION_KEY] = people.acme.organisation.pk
    session.save()
    assert [client.get(url).status_code for url in urls] == [200, 200]
    session = client.session
    session[SESSION_KEY] = people.nord.organisation.pk
    session.save()
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert client.post(reverse("privacy:portal_export_retry", args=[export.uid])).status_code == 404
    assert client.get(reverse("privacy:desk_export", args=[export.uid])).status_code == 404  # no desk for her
