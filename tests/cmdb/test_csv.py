"""The landscape as CSV: a round trip, idempotent re-import, line-numbered errors that change nothing, and files
that can only ever reach the organisation they are imported into."""

import pytest

from picocore.audit.models import AuditEntry
from picocore.cmdb.csv import COMPONENT_COLUMNS, INTEGRATION_COLUMNS, components_csv, integrations_csv, landscape_import
from picocore.cmdb.models import Component, Environment, Integration, Solution
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from tests.cmdb.test_services import rows

pytestmark = pytest.mark.django_db

COMPONENTS = (
    ",".join(COMPONENT_COLUMNS)
    + """
ACME PIM,pim,Akeneo 7,production,Akeneo PIM,application,Akeneo,7.0,2027-01-31,https://pim.acme.test/,Azure,Acme IT,
ACME Web,cms,Umbraco 13,production,Umbraco CMS,application,Umbraco,13.2,,,,,"Two lines
of notes"
ACME Web,cms,Umbraco 13,production,CDN,cdn,Azure Front Door,,,,,,
"""
)
INTEGRATIONS = (
    ",".join(INTEGRATION_COLUMNS)
    + """
Product export,ACME PIM,production,Akeneo PIM,ACME Web,production,Umbraco CMS,one_way,REST,every 15 minutes,Stale
Publish,ACME Web,production,Umbraco CMS,ACME Web,production,CDN,one_way,HTTPS,,
"""
)


def test_import_export_round_trip_and_a_second_import_changes_nothing(world):
    acme = world.acme.organisation.pk
    result = landscape_import(actor=world.consultant, organisation_id=acme, components=COMPONENTS,
                              integrations=INTEGRATIONS)  # fmt: skip
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert Solution.objects.filter(organisation_id=acme).count() == 2  # ACME PIM existed, ACME Web is new
    assert Environment.objects.filter(organisation_id=acme, solution__name="ACME Web").count() == 1
    cms = Component.objects.get(name="Umbraco CMS")
    assert (cms.version, cms.notes, cms.organisation_id) == ("13.2", "Two lines\nof notes", acme)
    exported = components_csv(actor=world.consultant, organisation_id=acme)
    exported_links = integrations_csv(actor=world.consultant, organisation_id=acme)
    assert exported.splitlines()[1] == (
        "ACME PIM,pim,Akeneo 7,production,Akeneo PIM,application,Akeneo,7.0,2027-01-31,https://pim.acme.test/,Azure,"
        "Acme IT,"
    )
    assert exported_links.splitlines()[1:] == [
        "Product export,ACME PIM,production,Akeneo PIM,ACME Web,production,Umbraco CMS,one_way,REST,every 15 minutes,"
        "Stale",
        "Publish,ACME Web,production,Umbraco CMS,ACME Web,production,CDN,one_way,HTTPS,,",
    ]
    audited = AuditEntry.objects.count()
    again = landscape_import(actor=world.consultant, organisation_id=acme, components=exported,
                             integrations=exported_links)  # fmt: skip
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert AuditEntry.objects.count() == audited
    changed = exported.replace("13.2", "13.3")
    third = landscape_import(actor=world.consultant, organisation_id=acme, components=changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Component.objects.get(pk=cms.pk).version == "13.3"


def test_bad_lines_are_named_and_nothing_is_written(world):
    acme = world.acme.organisation.pk
    bad = COMPONENTS + (
        "ACME PIM,pim,,moon,Rover,application,,,,,,,\n"
        "ACME PIM,pim,,production,Job,toaster,,,31/12/2027,,,,\n"
        "ACME PIM,pim,,production,Akeneo PIM,application,,,,,,,\n"
    )
    before = rows()
    with pytest.raises(ValidationError) as raised:
        landscape_import(actor=world.consultant, organisation_id=acme, components=bad, integrations=INTEGRATIONS)
    problems = raised.value.field_errors["file"]
    assert [problem.split(":")[0] for problem in problems] == ["Line 6", "Line 7", "Line 8"]
    assert "the environment must be one of production, staging, test, development" in problems[0]
    assert "the kind must be one of" in problems[1] and "the end of life must be a date like 2027-06-30" in problems[1]
    assert problems[2] == "Line 8: the same component as line 2."
    assert rows() == before


def test_an_integration_can_only_name_components_of_this_customer(world):
    """Nord's component named in ACME's file is "no such component", like a missing one; a header without the
    columns is named."""
    nord_end = INTEGRATIONS.replace("ACME Web,production,CDN", "NORD PIM,production,Nord shop")
    from tests.cmdb.conftest import component

    component(world.nord.production, "Nord shop")
    before = rows()
    with pytest.raises(ValidationError) as raised:
        landscape_import(actor=world.manager, organisation_id=world.acme.organisation.pk, components=COMPONENTS,
                         integrations=nord_end)  # fmt: skip
    assert raised.value.field_errors["file"] == [
        "Line 3: there is no component Nord shop in NORD PIM production of this customer."
    ]
    with pytest.raises(ValidationError) as raised:
        landscape_import(actor=world.consultant, organisation_id=world.acme.organisation.pk, components="a,b\n1,2\n")
    assert raised.value.field_errors["file"][0].startswith("Line 1: the first line must name the columns")
    assert rows() == before
    assert Integration.objects.count() == 0


def test_who_may_import_and_export(world):
    acme = world.acme.organisation.pk
    before = rows()
    for actor in (world.outsider, world.acme_developer, world.nord.admin):
        with pytest.raises(NotFound):
            landscape_import(actor=actor, organisation_id=acme, components=COMPONENTS)
        with pytest.raises(NotFound):
            components_csv(actor=actor, organisation_id=acme)
        with pytest.raises(NotFound):
            integrations_csv(actor=actor, organisation_id=acme)
    with pytest.raises(NotFound):
        landscape_import(actor=world.acme.admin, organisation_id=acme, components=COMPONENTS)
    with pytest.raises(NotFound):
        components_csv(actor=world.consultant, organisation_id=999_999)
    assert rows() == before
    assert PermissionDenied  # customers never reach the import: the desk is not theirs


def test_formula_cells_are_exported_quoted_and_read_back(world):
    acme = world.acme.organisation.pk
    text = COMPONENTS.replace("Acme IT", "=HYPERLINK(1)")
    landscape_import(actor=world.consultant, organisation_id=acme, components=text)
    exported = components_csv(actor=world.consultant, organisation_id=acme)
    assert "'=HYPERLINK(1)" in exported
    again = landscape_import(actor=world.consultant, organisation_id=acme, components=exported)
    assert again.unchanged == 3
    assert Component.objects.get(name="Akeneo PIM").owner == "=HYPERLINK(1)"
