"""The demo's changes on a landscape: a completed, a scheduled standard, an approved normal and a waiting one."""

import datetime as dt

from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.demo import make_demo_changes
from picocore.changes.models import Change, ChangeNotice, MaintenanceWindow, PostImplementationReview
from tests.changes.support import CPH


def test_demo_changes_on_the_landscapes(cw):
    made = make_demo_changes(moment=dt.datetime(2027, 1, 11, 9, tzinfo=CPH))
    # ACME has a landscape and an approver; NORD has one production component and no approver contact.
    assert made == 6
    acme = list(
        Change.objects.filter(organisation=cw.acme.organisation).order_by("id").values_list("change_type", "status")
    )
    assert acme == [
        (ChangeType.STANDARD, ChangeStatus.CLOSED),
        (ChangeType.STANDARD, ChangeStatus.SCHEDULED),
        (ChangeType.NORMAL, ChangeStatus.SCHEDULED),
        (ChangeType.NORMAL, ChangeStatus.AWAITING_APPROVAL),
    ]
    assert PostImplementationReview.objects.filter(change__organisation=cw.acme.organisation).count() == 1
    assert MaintenanceWindow.objects.filter(organisation=cw.acme.organisation).count() == 2
    assert ChangeNotice.objects.filter(change__organisation=cw.acme.organisation).count() == 5
    normal = Change.objects.get(organisation=cw.acme.organisation, change_type=ChangeType.NORMAL,
                                status=ChangeStatus.SCHEDULED)  # fmt: skip
    assert normal.planned_start == dt.datetime(2027, 1, 12, 20, tzinfo=CPH)
