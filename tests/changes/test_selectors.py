"""Reading changes: tenancy (a foreign id is the same NotFound as a missing one) and constant query counts."""

import pytest

from picocore.changes import selectors
from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.models import Change, ChangeComponent
from picocore.changes.services import change_create
from picocore.core.errors import NotFound
from tests.changes.support import ready_change
from tests.conftest import signed_in


def nord_change(cw) -> Change:
    change = change_create(actor=cw.consultant, organisation_id=cw.nord.organisation.pk,
                           change_type=ChangeType.NORMAL, title="Nord export", reason="New feed.")  # fmt: skip
    ChangeComponent.objects.create(organisation_id=change.organisation_id, change=change, component=cw.nord_cms)
    return change


def test_each_person_sees_the_changes_of_the_organisations_they_serve_or_belong_to(cw):
    acme_change, other = ready_change(cw), nord_change(cw)
    keys = lambda actor, **filters: [c.key for c in selectors.change_list(actor=signed_in(actor), **filters).changes]  # noqa: E731
    assert keys(cw.consultant) == [other.key, acme_change.key]
    assert keys(cw.manager) == [other.key, acme_change.key]
    assert keys(cw.outsider) == [other.key]
    assert keys(cw.acme.admin) == [acme_change.key]
    assert keys(cw.acme.requester) == [acme_change.key]
    assert keys(cw.nord.admin) == [other.key]
    assert keys(cw.desk.acme_developer) == []
    assert keys(cw.consultant, organisation=cw.acme.organisation.pk) == [acme_change.key]
    assert keys(cw.consultant, status=ChangeStatus.DRAFT) == [other.key, acme_change.key]
    assert keys(cw.consultant, status=ChangeStatus.SCHEDULED) == []
    assert keys(cw.consultant, change_type=ChangeType.EMERGENCY) == []
    assert keys(cw.outsider, organisation=cw.acme.organisation.pk) == []
    assert selectors.change_list(actor=signed_in(cw.outsider)).organisations == [
        (cw.nord.organisation.pk, cw.nord.organisation.name)
    ]


def test_a_foreign_change_is_not_found_like_a_missing_one(cw):
    change = ready_change(cw)
    assert selectors.change_get(actor=signed_in(cw.consultant), change_id=change.pk) == change
    for actor in (cw.outsider, cw.nord.admin, cw.desk.acme_developer, cw.desk.developer):
        with pytest.raises(NotFound) as refused:
            selectors.change_get(actor=signed_in(actor), change_id=change.pk)
        assert refused.value.message == "There is no such change, or it is not yours to see."
    with pytest.raises(NotFound):
        selectors.change_get(actor=signed_in(cw.consultant), change_id=999_999)


def test_the_list_and_the_detail_read_a_constant_number_of_queries(cw, django_assert_num_queries):
    change = ready_change(cw, components=(cw.pim,))
    ready_change(cw, status=ChangeStatus.SCHEDULED, components=(cw.cms,))
    consultant = signed_in(cw.consultant)
    selectors.change_list(actor=consultant)  # the consultant's reach, read once per request
    with django_assert_num_queries(2):
        selectors.change_list(actor=consultant)
    with django_assert_num_queries(10):
        detail = selectors.change_detail(actor=consultant, change_id=change.pk)
    assert [c.name for c in detail.components] == ["Akeneo PIM"]
    assert [(s.component.name, s.path) for s in detail.suggestions] == [
        ("Umbraco CMS", "Akeneo PIM → Umbraco CMS"), ("CDN", "Akeneo PIM → Umbraco CMS → CDN"),
    ]  # fmt: skip
    for _ in range(5):
        ready_change(cw, status=ChangeStatus.SCHEDULED, components=(cw.pim, cw.cms), implementer=cw.consultant)
        nord_change(cw)
    with django_assert_num_queries(2):
        assert len(selectors.change_list(actor=consultant).changes) == 12
    with django_assert_num_queries(10):
        assert len(selectors.change_detail(actor=consultant, change_id=change.pk).conflicts) == 5
