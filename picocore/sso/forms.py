"""The desk's form for an organisation's identity provider and its group → role rows. The service checks
everything again; these only parse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from picocore.tenancy.choices import MembershipRole


class ProviderForm(forms.Form):
    """Issuer, client, secret (blank keeps the stored one), domains one per line, groups claim, enabled."""

    issuer = forms.CharField(
        label=_("Issuer URL"),
        max_length=500,
        help_text=_("The provider's issuer; its settings are read from <issuer>/.well-known/openid-configuration."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_id = forms.CharField(
        label=_("Client id"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=1000,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Stored sealed and never shown again. Leave blank to keep the one stored."),
    )
    domains = forms.CharField(
        label=_("E-mail domains"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "One per line, such as example.com. Everyone with an address there signs in through this "
            "provider, never with a password."
        ),
    )
    groups_claim = forms.CharField(
        label=_("Groups claim"), max_length=100, initial="groups",
        help_text=_("The ID token claim listing the person's groups."),
    )  # fmt: skip
    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def domain_list(self) -> list[str]:
        return [line for line in self.cleaned_data["domains"].splitlines() if line.strip()]


class GroupRoleForm(forms.Form):
    """One group of the provider and the organisation role it gives."""

    group = forms.CharField(label=_("Group"), max_length=255, required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)
        # Whatever roles exist now: a role added to MembershipRole is offered without a change here.
        field.choices = [("", "—"), *MembershipRole.choices]


GroupRoleFormSet = forms.formset_factory(GroupRoleForm, extra=3, max_num=100, absolute_max=100, validate_max=True)
