from django import forms

from picocore.notifications.models import Channel, NotificationKind, default_channel

CUSTOMER_KINDS = (
    NotificationKind.REPLY,
    NotificationKind.STATUS,
    NotificationKind.NEXT_STEP,
    NotificationKind.RESOLVED,
    NotificationKind.RECEIVED,
    NotificationKind.PRIORITY,
    NotificationKind.DEVELOPMENT,
)
STAFF_KINDS = (
    NotificationKind.NEW_TICKET,
    NotificationKind.CUSTOMER_REPLY,
    NotificationKind.STATUS,
    NotificationKind.HAND_OFF,
    NotificationKind.SLA_WARNING,
    NotificationKind.SLA_BREACH,
    NotificationKind.ON_CALL_PAGE,
    NotificationKind.NEXT_STEP_OVERDUE,
    NotificationKind.LOW_RATING,
    NotificationKind.WEBHOOK_DISABLED,
)


class PreferencesForm(forms.Form):
    """One channel choice per kind of notification that concerns this person."""

    def __init__(self, *args, kinds, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=Channel.choices,
                initial=current.get(kind, default_channel(kind)),
                widget=forms.RadioSelect,
            )
