"""The one guarded transition service of changes: every status change goes through `change_transition`.

Guarantees: only the moves of `picocore.changes.states` for the change's type (anything else is an
InvalidTransition listing the allowed ones, 409); rejection only by a decision of the approval services;
before a change awaits approval or is scheduled it has its plans, its confirmed components and its window;
a normal change is scheduled only once its approval round is approved; a normal or standard change is never
scheduled outside the customer's maintenance windows or in a freeze (the reason names which), an emergency
change only with an override reason; entering "awaiting approval" opens a new approval round and asks the
customer's approvers (`approvals.approvals_request`), as an emergency change's first entry into review
does (approval after the fact); a change that needs a post-implementation review
(emergency, or failed) closes only with it. The move, its history entry,
its audit entry, its maintenance notice and its webhook deliveries are written in one transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from picocore.changes import approvals, states
from picocore.changes.choices import ChangeEventKind, ChangeStatus, ChangeType, NoticeKind
from picocore.changes.guards import allowed_moves, readiness_problems
from picocore.changes.models import Change, ChangeNotice, PostImplementationReview
from picocore.changes.notices import notice_send
from picocore.changes.services.common import REASON_MAX, clean_text, component_ids, locked, raise_if, record, touch
from picocore.changes.services.planning import guard_window
from picocore.core.clock import now
from picocore.core.errors import InvalidTransition, ValidationError
from picocore.tenancy.models import User
from picocore.webhooks.announce import change_scheduled_announce

S = ChangeStatus


def _refused(change: Change, target: str) -> InvalidTransition:
    allowed = allowed_moves(change)
    names = ", ".join(str(S(status).label) for status in allowed) or _("none")
    return InvalidTransition(
        _("%(key)s cannot move from %(source)s to %(target)s. Allowed: %(allowed)s.")
        % {"key": change.key, "source": S(change.status).label, "target": S(target).label, "allowed": names},
        allowed=allowed,
    )


def change_transition(
    *, actor: User | None, change_id: int, target: str, reason: str = "", override: str = "", by_decision: bool = False
) -> Change:
    """Move the change to `target`, guarded as the module says. `reason` is kept in the history; `override` is
    an emergency change's reason for a window outside the customer's windows or in a freeze. `by_decision` is
    for the approval services only, once a decision is reached (they have checked the decider): it allows the
    decisions' own moves and needs no planner."""
    if target not in S.values:
        raise ValidationError(_("There is no such status."), field_errors={"target": [_("There is no such status.")]})
    errors: dict[str, list[str]] = {}
    reason = clean_text(errors, "reason", reason, limit=REASON_MAX)
    raise_if(errors)
    with transaction.atomic():
        change = locked(actor, change_id, decided=by_decision)
        source = change.status
        if not states.may_move(change.change_type, source, target) or (
            (source, target) in states.BY_DECISION_ONLY and not by_decision
        ):
            raise _refused(change, target)
        components = component_ids(change)
        problems = readiness_problems(change, components=components, target=target)
        if problems:
            raise ValidationError(" ".join(problems))
        fields = ["status", touch(change)]
        if target == S.SCHEDULED:
            if change.change_type == ChangeType.NORMAL:
                outcome = approvals.approval_state(change).outcome
                if outcome != approvals.APPROVED:
                    raise ValidationError(
                        _("%(key)s is not approved yet: the customer's approvers and the CAB decide first.")
                        % {"key": change.key}
                    )
            guard_window(change, actor=actor, override=override)
            fields.append("schedule_override")
        if (
            target == S.CLOSED
            and states.needs_review_to_close(change.change_type, source)
            and not PostImplementationReview.objects.filter(change=change).exists()
        ):
            raise ValidationError(
                _("%(key)s needs its post-implementation review before it closes.") % {"key": change.key}
            )
        moment = now()
        # An emergency change's approval is asked after the fact, once, when it first enters review.
        asks_after_the_fact = (
            change.change_type == ChangeType.EMERGENCY and target == S.REVIEW and change.approval_round == 0
        )
        if target == S.AWAITING_APPROVAL or asks_after_the_fact:
            change.approval_round += 1
            fields.append("approval_round")
        elif target == S.IMPLEMENTING:
            change.started_at = moment
            fields.append("started_at")
        elif target in (S.REVIEW, S.FAILED):
            change.finished_at = moment
            fields.append("finished_at")
        elif target == S.CLOSED:
            change.closed_at = moment
            fields.append("closed_at")
        notice = None
        if target == S.SCHEDULED:
            # Scheduled again after a step back: the customer heard of the earlier window, so this is a reschedule.
            if ChangeNotice.objects.filter(change=change).exists():
                change.sequence += 1
                fields.append("sequence")
                notice = NoticeKind.RESCHEDULED
            else:
                notice = NoticeKind.SCHEDULED
        elif target == S.IMPLEMENTING:
            notice = NoticeKind.STARTED
        elif target in (S.REVIEW, S.FAILED):
            notice = NoticeKind.COMPLETED
        elif target == S.CANCELLED and ChangeNotice.objects.filter(change=change).exists():
            notice = NoticeKind.CANCELLED
        change.status = target
        change.save(update_fields=fields)
        record(
            change, actor=actor, kind=ChangeEventKind.STATUS,
            data={"from": source, "to": target, "reason": reason},
            changes={"status": {"before": source, "after": target}},
        )  # fmt: skip
        if notice is not None:
            notice_send(change, notice)
        if target == S.SCHEDULED:
            change_scheduled_announce(change, rescheduled=notice == NoticeKind.RESCHEDULED)
        if target == S.AWAITING_APPROVAL or asks_after_the_fact:
            approvals.approvals_request(actor=actor, change=change)
    return change
