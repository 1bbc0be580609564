"""Forms of the desk's landscape pages. They check shapes and offer only the organisation's rows (another
organisation's id is "not one of the choices", like a missing one); the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.cmdb.choices import ComponentKind, ContactRole, IntegrationDirection
from picocore.cmdb.models import Component, Environment, Solution
from picocore.cmdb.services import ComponentData, ContactData, IntegrationData
from picocore.core.forms import OneLineCharField
from picocore.tenancy.models import User

CSV_LIMIT = 2_000_000


class EnvironmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Environment) -> str:
        return f"{obj.solution.name} · {obj.get_kind_display()}"


class ComponentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Component) -> str:
        return f"{obj.name} ({obj.environment.solution.name} · {obj.environment.get_kind_display()})"


class ComponentForm(forms.Form):
    environment = EnvironmentField(label=_("Environment"), queryset=Environment.objects.none())
    name = OneLineCharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ComponentKind.choices)
    product = OneLineCharField(label=_("Product"), max_length=120, required=False,
                               help_text=_("e.g. Akeneo PIM, MySQL"))  # fmt: skip
    version = OneLineCharField(label=_("Version"), max_length=60, required=False)
    end_of_life = forms.DateField(label=_("End of life"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    url = forms.URLField(label=_("URL"), max_length=200, required=False, assume_scheme="https")
    hosting = OneLineCharField(label=_("Hosting"), max_length=120, required=False,
                               help_text=_("e.g. Azure West Europe"))  # fmt: skip
    owner = OneLineCharField(label=_("Owner"), max_length=120, required=False, help_text=_("Who answers for it."))
    notes = forms.CharField(label=_("Notes"), max_length=10_000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["environment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Environment.objects.filter(organisation_id=organisation_id)
            .select_related("solution")
            .order_by("solution__name", "kind")
        )

    def data_object(self) -> ComponentData:
        data = self.cleaned_data
        return ComponentData(name=data["name"], kind=data["kind"], product=data["product"], version=data["version"],
                             end_of_life=data["end_of_life"], url=data["url"], hosting=data["hosting"],
                             owner=data["owner"], notes=data["notes"])  # fmt: skip


def _components(organisation_id: int):
    return (
        Component.objects.filter(organisation_id=organisation_id)
        .select_related("environment__solution")
        .order_by("environment__solution__name", "environment__kind", "name")
    )


class IntegrationForm(forms.Form):
    name = OneLineCharField(label=_("Name"), max_length=120, help_text=_("e.g. Product export"))
    source = ComponentField(label=_("From (the component it depends on)"), queryset=Component.objects.none())
    target = ComponentField(label=_("To (the component depending on it)"), queryset=Component.objects.none())
    direction = forms.ChoiceField(label=_("Direction"), choices=IntegrationDirection.choices)
    protocol = OneLineCharField(label=_("Protocol"), max_length=60, required=False, help_text=_("e.g. REST, SFTP, SQL"))
    schedule = OneLineCharField(label=_("Schedule"), max_length=120, required=False,
                                help_text=_("e.g. every 15 minutes"))  # fmt: skip
    failure_effect = forms.CharField(label=_("What breaks downstream when it fails"), max_length=5_000,
                                     required=False, widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = _components(organisation_id)

    def data_object(self) -> IntegrationData:
        data = self.cleaned_data
        return IntegrationData(name=data["name"], source_id=data["source"].pk, target_id=data["target"].pk,
                               direction=data["direction"], protocol=data["protocol"], schedule=data["schedule"],
                               failure_effect=data["failure_effect"])  # fmt: skip


class ContactForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ContactRole.choices)
    name = OneLineCharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    phone = OneLineCharField(label=_("Phone"), max_length=40, required=False)
    user = forms.ModelChoiceField(label=_("Person in the portal"), queryset=User.objects.none(), required=False,
                                  help_text=_("An approver with a person decides changes in the portal."))  # fmt: skip
    solution = forms.ModelChoiceField(label=_("Solution"), queryset=Solution.objects.none(), required=False,
                                      empty_label=_("Every solution"))  # fmt: skip

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        user, solution = self.fields["user"], self.fields["solution"]
        assert isinstance(user, forms.ModelChoiceField) and isinstance(solution, forms.ModelChoiceField)
        user.queryset = User.objects.filter(memberships__organisation_id=organisation_id).order_by("full_name")
        solution.queryset = Solution.objects.filter(organisation_id=organisation_id).order_by("name")

    def data_object(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(role=data["role"], name=data["name"], email=data["email"], phone=data["phone"],
                           user_id=data["user"].pk if data["user"] else None,
                           solution_id=data["solution"].pk if data["solution"] else None)  # fmt: skip


class RunbookForm(forms.Form):
    text = forms.CharField(label=_("Runbook"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("Saving keeps the earlier versions."))  # fmt: skip


class ImportForm(forms.Form):
    components = forms.FileField(label=_("Components (CSV)"), required=False)
    integrations = forms.FileField(label=_("Integrations (CSV)"), required=False)

    def clean(self):
        data = super().clean() or {}
        texts = {}
        for name in ("components", "integrations"):
            upload = data.get(name)
            if upload is None:
                texts[name] = ""
                continue
            if upload.size > CSV_LIMIT:
                self.add_error(name, _("The file is larger than 2 MB; split it."))
                continue
            try:
                texts[name] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error(name, _("Save the file as CSV in UTF-8 and choose it again."))
        if not self.errors and not any(texts.values()):
            raise forms.ValidationError(_("Choose a components file, an integrations file, or both."))
        data["texts"] = texts
        return data


class TicketComponentForm(forms.Form):
    """The component a ticket is about; empty clears it."""

    component = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


class ImpactForm(forms.Form):
    component = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("remove", "remove")])
    reason = forms.CharField(max_length=2_000, required=False)
