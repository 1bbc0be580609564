from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.catalog.forms import MultipleFileField
from picocore.core.forms import SubmissionField


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=50_000, widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)
    submission = SubmissionField()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
