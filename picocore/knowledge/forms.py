"""The desk's article forms: they read what a person typed; the services decide what is accepted."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.catalog.forms import MultipleFileField
from picocore.cmdb.models import Component
from picocore.knowledge.choices import Audience
from picocore.knowledge.models import PRODUCT_MAX, SUMMARY_MAX, TITLE_MAX, VERSION_MAX
from picocore.knowledge.services import BODY_MAX, ArticleFields

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body_html = forms.CharField(
        label=_("Text"), required=False, max_length=BODY_MAX, strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        help_text=_("HTML: headings, paragraphs, lists, tables, code and links. Anything else (scripts, styles, "
                    "images) is removed when saved; add files below the article instead."),
    )  # fmt: skip
    summary = forms.CharField(
        label=_("What changed"), max_length=SUMMARY_MAX, required=False,
        help_text=_("A line for the history, e.g. “Added the retry step”."),
    )  # fmt: skip
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, initial=Audience.INTERNAL)
    for_all_customers = forms.TypedChoiceField(
        label=_("For"), coerce=lambda value: value == "all", initial="all", widget=forms.RadioSelect,
        choices=(("all", _("Every customer")), ("chosen", _("The customers chosen below"))),
    )  # fmt: skip
    organisations = forms.TypedMultipleChoiceField(
        label=_("Customers"), coerce=int, required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    product = forms.CharField(
        label=_("Product"), max_length=PRODUCT_MAX, required=False,
        help_text=_("The product of the solutions it applies to, e.g. Akeneo or Umbraco."),
    )  # fmt: skip
    version_from = forms.CharField(label=_("From version"), max_length=VERSION_MAX, required=False)
    version_to = forms.CharField(
        label=_("To version"), max_length=VERSION_MAX, required=False,
        help_text=_("Both the same for one version; either empty for an open range."),
    )  # fmt: skip
    components = forms.TypedMultipleChoiceField(
        label=_("Components"), coerce=int, required=False, choices=(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Components of the chosen customers."),
    )  # fmt: skip
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None, choices=())
    review_due = forms.DateField(label=_("Review by"), required=False, widget=DATE)

    def __init__(
        self, data: Any = None, *, initial: dict[str, Any] | None = None,
        organisations: Sequence[tuple[int, str]] = (), components: Sequence[Component] = (),
        owners: Sequence[tuple[int, str]] = (),
    ) -> None:  # fmt: skip
        super().__init__(data, initial=initial)
        cast(forms.ChoiceField, self.fields["organisations"]).choices = list(organisations)
        cast(forms.ChoiceField, self.fields["components"]).choices = [
            (c.pk, f"{c.organisation.name} · {c.environment.solution.name} · {c.environment.get_kind_display()} · "
                   f"{c.name}")
            for c in components
        ]  # fmt: skip
        cast(forms.ChoiceField, self.fields["owner"]).choices = [("", str(_("— me —"))), *owners]

    def fields_for_service(self) -> ArticleFields:
        data = self.cleaned_data
        return ArticleFields(
            title=data["title"], body_html=data["body_html"], audience=data["audience"],
            for_all_customers=bool(data["for_all_customers"]), organisation_ids=list(data["organisations"]),
            product=data["product"], version_from=data["version_from"], version_to=data["version_to"],
            component_ids=list(data["components"]), owner_id=data["owner"], review_due=data["review_due"],
            summary=data["summary"],
        )  # fmt: skip


class PublishForm(forms.Form):
    personal_data_removed = forms.BooleanField(label=_("I removed personal data"), required=False)


class ReviewedForm(forms.Form):
    next_review = forms.DateField(
        label=_("Next review"), required=False, widget=DATE, help_text=_("Empty: in six months.")
    )


class FilesForm(forms.Form):
    attachments = MultipleFileField(label=_("Add files"), required=False)  # type: ignore[no-untyped-call]
