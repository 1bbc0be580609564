"""Impact paths: shortest, depth-limited, cycle-safe, two-way links both ways, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.cmdb.choices import IntegrationDirection
from picocore.cmdb.impact import dependants, dependencies, graph_of
from tests.cmdb.conftest import component, link

pytestmark = pytest.mark.django_db


def named(reached, chain_names: dict[int, str]) -> list[tuple[str, list[str]]]:
    return [(chain_names[r.component_id], [hop.name for hop in r.path]) for r in reached]


def names(chain) -> dict[int, str]:
    return {c.pk: c.name for c in (chain.pim, chain.cms, chain.cdn, chain.db, chain.job, chain.nord_app)}


def test_dependants_of_the_pim_with_their_paths(chain):
    found = dependants([chain.pim.pk])
    assert named(found, names(chain)) == [
        ("Umbraco CMS", ["Product export"]),
        ("PIM database", ["Storage"]),  # two-way: the database depends on the PIM too
        ("CDN", ["Product export", "Publish"]),
    ]
    assert [r.depth for r in found] == [1, 1, 2]
    assert found[2].component_ids == (chain.pim.pk, chain.cms.pk, chain.cdn.pk)
    assert found[1].path[0].against_flow is True


def test_depth_limits_the_walk(chain):
    assert named(dependants([chain.job.pk], depth=1), names(chain)) == [("Akeneo PIM", ["Import"])]
    assert named(dependants([chain.job.pk], depth=2), names(chain)) == [
        ("Akeneo PIM", ["Import"]),
        ("Umbraco CMS", ["Import", "Product export"]),
        ("PIM database", ["Import", "Storage"]),
    ]
    assert dependants([chain.job.pk], depth=0) == []


def test_dependencies_walk_upstream(chain):
    found = dependencies([chain.cdn.pk])
    assert named(found, names(chain)) == [
        ("Umbraco CMS", ["Publish"]),
        ("Akeneo PIM", ["Publish", "Product export"]),
        ("PIM database", ["Publish", "Product export", "Storage"]),
        ("Nightly import", ["Publish", "Product export", "Import"]),
    ]
    assert found[1].component_ids == (chain.cdn.pk, chain.cms.pk, chain.pim.pk)
    # Depth 2 stops before what the PIM depends on.
    assert [names(chain)[r.component_id] for r in dependencies([chain.cdn.pk], depth=2)] == [
        "Umbraco CMS",
        "Akeneo PIM",
    ]


def test_a_cycle_terminates_with_shortest_paths(chain):
    # cdn → job closes a cycle job → pim → cms → cdn → job; and a shortcut pim → cdn makes cdn one hop away.
    link(chain.cdn, chain.job, "Purge report")
    link(chain.pim, chain.cdn, "Image sync")
    found = dependants([chain.pim.pk], depth=10)
    assert named(found, names(chain)) == [
        ("Umbraco CMS", ["Product export"]),
        ("CDN", ["Image sync"]),
        ("PIM database", ["Storage"]),
        ("Nightly import", ["Image sync", "Purge report"]),
    ]
    # Every component is reached once, none is its own dependant.
    assert chain.pim.pk not in {r.component_id for r in found}


def test_two_components_at_once_and_nothing_for_none(chain):
    found = dependants([chain.cms.pk, chain.job.pk], depth=1)
    assert sorted(names(chain)[r.component_id] for r in found) == ["Akeneo PIM", "CDN"]
    assert dependants([]) == []


def test_the_walk_reads_two_queries_whatever_the_size(world, chain):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            dependants([chain.pim.pk], depth=3)
            dependencies([chain.pim.pk], depth=3)
        return len(captured)

    small = count()
    previous = chain.cdn
    for n in range(300):
        new = component(world.acme.production, f"Edge {n}")
        direction = IntegrationDirection.TWO_WAY if n % 3 == 0 else IntegrationDirection.ONE_WAY
        link(previous, new, f"Edge link {n}", direction=direction)
        previous = new
    assert small == count() == 4
    graph = graph_of([world.acme.organisation.pk])
    with CaptureQueriesContext(connection) as captured:
        assert len(dependants([chain.pim.pk], depth=10, graph=graph)) == 3 + 8  # cms, db, cdn and edges 0–7
    assert len(captured) == 0


def test_integrations_of_another_organisation_are_not_walked(chain):
    graph = graph_of([chain.nord_app.organisation_id])
    assert dependants([chain.pim.pk], graph=graph) == []


def test_end_of_life_soon_per_organisation(world, chain):
    import datetime as dt

    from picocore.cmdb.models import Component
    from picocore.cmdb.selectors import end_of_life_soon
    from picocore.core.errors import NotFound

    today = dt.date.today()
    Component.objects.filter(pk=chain.db.pk).update(end_of_life=today + dt.timedelta(days=89))
    Component.objects.filter(pk=chain.cms.pk).update(end_of_life=today - dt.timedelta(days=3))
    Component.objects.filter(pk=chain.cdn.pk).update(end_of_life=today + dt.timedelta(days=120))
    Component.objects.filter(pk=chain.nord_app.pk).update(end_of_life=today)
    acme = world.acme.organisation.pk
    assert [c.name for c in end_of_life_soon(actor=world.consultant, organisation_id=acme)] == [
        "Umbraco CMS",
        "PIM database",
    ]
    assert [c.name for c in end_of_life_soon(actor=world.acme.requester, organisation_id=acme)] == [
        "Umbraco CMS",
        "PIM database",
    ]
    for outsider in (world.outsider, world.nord.admin, world.acme_developer):
        with pytest.raises(NotFound):
            end_of_life_soon(actor=outsider, organisation_id=acme)
