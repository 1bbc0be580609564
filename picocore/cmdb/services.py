"""Changing a customer's landscape: components, integrations, contacts and runbooks.

Every service takes the `actor`, asks `picocore.cmdb.permissions` before it writes (NotFound for a landscape
they may not see, the same as for a missing row; PermissionDenied for one they see read-only), validates
(NUL characters removed, lengths and web addresses checked, an integration never crosses organisations nor links
a component to itself), writes in one transaction and records the change on the audit trail.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff, snapshot
from picocore.cmdb import permissions
from picocore.cmdb.choices import ComponentKind, ContactRole, IntegrationDirection
from picocore.cmdb.models import Component, Contact, Environment, Integration, RunbookVersion, Solution
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.text import one_line, without_nul
from picocore.tenancy.models import Membership, User

RUNBOOK_LIMIT = 100_000
NOTES_LIMIT = 10_000
FAILURE_EFFECT_LIMIT = 5_000


def _not_found(what: str = "component") -> NotFound:
    messages = {
        "component": _("There is no such component, or it is not yours to see."),
        "environment": _("There is no such environment, or it is not yours to see."),
        "integration": _("There is no such integration, or it is not yours to see."),
        "contact": _("There is no such contact, or it is not yours to see."),
        "solution": _("There is no such solution, or it is not yours to see."),
    }
    return NotFound(messages[what])


def authorize_edit(actor: User, organisation_id: int, what: str = "component") -> None:
    """NotFound unless the actor sees the organisation's landscape; PermissionDenied when they see it read-only."""
    if permissions.can_edit(actor, organisation_id):
        return
    if permissions.can_see(actor, organisation_id):
        raise PermissionDenied(_("Only the service team serving this customer changes its landscape."))
    raise _not_found(what)


def _length(model: type[models.Model], name: str) -> int:
    return getattr(model._meta.get_field(name), "max_length", None) or 0


def _text(value: str | None, *, limit: int, name: str, errors: dict[str, list[str]], single: bool = True) -> str:
    text = without_nul(value or "").strip()
    if single:
        text = one_line(text)
    if len(text) > limit:
        errors.setdefault(name, []).append(_("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"})
    return text


def _url(value: str, name: str, errors: dict[str, list[str]]) -> None:
    if value:
        try:
            URLValidator()(value)
        except DjangoValidationError:
            errors.setdefault(name, []).append(_("Enter a web address, e.g. https://example.com/."))


@dataclass(frozen=True)
class ComponentData:
    """What a person sets on a component."""

    name: str
    kind: str = ComponentKind.APPLICATION
    product: str = ""
    version: str = ""
    end_of_life: dt.date | None = None
    url: str = ""
    hosting: str = ""
    owner: str = ""
    notes: str = ""

    def cleaned(self) -> "ComponentData":
        errors: dict[str, list[str]] = {}
        values = {
            name: _text(getattr(self, name), limit=_length(Component, name), name=name, errors=errors)
            for name in ("name", "product", "version", "url", "hosting", "owner")
        }
        notes = _text(self.notes, limit=NOTES_LIMIT, name="notes", errors=errors, single=False)
        if not values["name"]:
            errors.setdefault("name", []).append(_("Give the component a name."))
        if self.kind not in ComponentKind.values:
            errors.setdefault("kind", []).append(_("Choose what kind of component it is."))
        _url(values["url"], "url", errors)
        if errors:
            raise ValidationError(field_errors=errors)
        return ComponentData(kind=self.kind, end_of_life=self.end_of_life, notes=notes, **values)


def _save_component(component: Component, data: ComponentData) -> None:
    for name, value in asdict(data).items():
        setattr(component, name, value)
    try:
        with transaction.atomic():
            component.save()
    except IntegrityError:
        raise ValidationError(
            field_errors={
                "name": [_("This environment already has a component called %(name)s.") % {"name": data.name}]
            }
        ) from None


def component_create(*, actor: User, environment_id: int, data: ComponentData) -> Component:
    """A new component in the environment, for the staff serving its organisation."""
    environment = Environment.objects.select_related("solution").filter(pk=environment_id).first()
    if environment is None:
        raise _not_found("environment")
    authorize_edit(actor, environment.organisation_id, "environment")
    data = data.cleaned()
    with transaction.atomic():
        component = Component(environment=environment)
        _save_component(component, data)
        audit_record(actor=actor, action=AuditAction.CREATED, instance=component, changes=diff({}, snapshot(component)))
    return component


def _component(actor: User, component_id: int, *, lock: bool = False) -> Component:
    rows = Component.objects.select_related("environment__solution")
    if lock:
        rows = rows.select_for_update(of=("self",))
    component = rows.filter(pk=component_id).first()
    if component is None:
        raise _not_found()
    authorize_edit(actor, component.organisation_id)
    return component


def component_update(
    *, actor: User, component_id: int, data: ComponentData, environment_id: int | None = None
) -> Component:
    """Change the component's details (and move it to another environment of the same organisation)."""
    data = data.cleaned()
    with transaction.atomic():
        component = _component(actor, component_id, lock=True)
        before = snapshot(component)
        if environment_id is not None and environment_id != component.environment_id:
            environment = Environment.objects.select_related("solution").filter(pk=environment_id).first()
            if environment is None or environment.organisation_id != component.organisation_id:
                raise ValidationError(field_errors={"environment": [_("Choose an environment of this customer.")]})
            component.environment = environment
        _save_component(component, data)
        audit_record(
            actor=actor, action=AuditAction.CHANGED, instance=component, changes=diff(before, snapshot(component))
        )
    return component


def component_delete(*, actor: User, component_id: int) -> None:
    """Remove the component with its integrations and runbook; tickets on it keep their text and lose the link."""
    with transaction.atomic():
        component = _component(actor, component_id, lock=True)
        audit_record(actor=actor, action=AuditAction.DELETED, instance=component, changes=diff(snapshot(component), {}))
        component.delete()


@dataclass(frozen=True)
class IntegrationData:
    name: str
    source_id: int
    target_id: int
    direction: str = IntegrationDirection.ONE_WAY
    protocol: str = ""
    schedule: str = ""
    failure_effect: str = ""


def _integration_checked(
    actor: User, organisation_id: int, data: IntegrationData
) -> tuple[IntegrationData, Component, Component]:
    errors: dict[str, list[str]] = {}
    name = _text(data.name, limit=_length(Integration, "name"), name="name", errors=errors)
    protocol = _text(data.protocol, limit=_length(Integration, "protocol"), name="protocol", errors=errors)
    schedule = _text(data.schedule, limit=_length(Integration, "schedule"), name="schedule", errors=errors)
    effect = _text(data.failure_effect, limit=FAILURE_EFFECT_LIMIT, name="failure_effect", errors=errors, single=False)
    if not name:
        errors.setdefault("name", []).append(_("Give the integration a name, e.g. “Product export”."))
    if data.direction not in IntegrationDirection.values:
        errors.setdefault("direction", []).append(_("Choose one way or both ways."))
    ends = {c.pk: c for c in Component.objects.filter(pk__in=[data.source_id, data.target_id])}
    for end, pk in (("source", data.source_id), ("target", data.target_id)):
        component = ends.get(pk)
        if component is None or not permissions.can_see_as_staff(actor, component.organisation_id):
            errors.setdefault(end, []).append(_("There is no such component, or it is not yours to see."))
        elif component.organisation_id != organisation_id:
            errors.setdefault(end, []).append(_("An integration links two components of the same customer."))
    if data.source_id == data.target_id and "source" not in errors:
        errors.setdefault("target", []).append(_("An integration links two different components."))
    if errors:
        raise ValidationError(field_errors=errors)
    cleaned = IntegrationData(name=name, source_id=data.source_id, target_id=data.target_id, direction=data.direction,
                              protocol=protocol, schedule=schedule, failure_effect=effect)  # fmt: skip
    return cleaned, ends[data.source_id], ends[data.target_id]


def _save_integration(integration: Integration, data: IntegrationData, source: Component, target: Component) -> None:
    integration.source, integration.target = source, target
    for name in ("name", "direction", "protocol", "schedule", "failure_effect"):
        setattr(integration, name, getattr(data, name))
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError:
        raise ValidationError(
            field_errors={"name": [_("These two components already have an integration of this name.")]}
        ) from None


def integration_create(*, actor: User, organisation_id: int, data: IntegrationData) -> Integration:
    """A new integration between two components of the organisation: the target depends on the source."""
    authorize_edit(actor, organisation_id)
    data, source, target = _integration_checked(actor, organisation_id, data)
    with transaction.atomic():
        integration = Integration()
        _save_integration(integration, data, source, target)
        audit_record(
            actor=actor, action=AuditAction.CREATED, instance=integration, changes=diff({}, snapshot(integration))
        )
    return integration


def _integration(actor: User, integration_id: int) -> Integration:
    integration = Integration.objects.select_for_update(of=("self",)).filter(pk=integration_id).first()
    if integration is None:
        raise _not_found("integration")
    authorize_edit(actor, integration.organisation_id, "integration")
    return integration


def integration_update(*, actor: User, integration_id: int, data: IntegrationData) -> Integration:
    with transaction.atomic():
        integration = _integration(actor, integration_id)
        data, source, target = _integration_checked(actor, integration.organisation_id, data)
        before = snapshot(integration)
        _save_integration(integration, data, source, target)
        audit_record(
            actor=actor, action=AuditAction.CHANGED, instance=integration, changes=diff(before, snapshot(integration))
        )
    return integration


def integration_delete(*, actor: User, integration_id: int) -> None:
    with transaction.atomic():
        integration = _integration(actor, integration_id)
        audit_record(
            actor=actor, action=AuditAction.DELETED, instance=integration, changes=diff(snapshot(integration), {})
        )
        integration.delete()


@dataclass(frozen=True)
class ContactData:
    role: str
    name: str
    email: str = ""
    phone: str = ""
    user_id: int | None = None
    solution_id: int | None = None


def _contact_checked(organisation_id: int, data: ContactData) -> ContactData:
    errors: dict[str, list[str]] = {}
    name = _text(data.name, limit=_length(Contact, "name"), name="name", errors=errors)
    email = _text(data.email, limit=_length(Contact, "email"), name="email", errors=errors)
    phone = _text(data.phone, limit=_length(Contact, "phone"), name="phone", errors=errors)
    if not name:
        errors.setdefault("name", []).append(_("Give the contact's name."))
    if data.role not in ContactRole.values:
        errors.setdefault("role", []).append(_("Choose the contact's role."))
    if email:
        try:
            EmailValidator()(email)
        except DjangoValidationError:
            errors.setdefault("email", []).append(_("Enter an e-mail address, e.g. name@example.com."))
    if (
        data.user_id is not None
        and not Membership.objects.filter(user_id=data.user_id, organisation_id=organisation_id).exists()
    ):
        errors.setdefault("user", []).append(_("Choose a person of this customer."))
    if (
        data.solution_id is not None
        and not Solution.objects.filter(pk=data.solution_id, organisation_id=organisation_id).exists()
    ):
        errors.setdefault("solution", []).append(_("Choose a solution of this customer."))
    if errors:
        raise ValidationError(field_errors=errors)
    return ContactData(role=data.role, name=name, email=email, phone=phone, user_id=data.user_id,
                       solution_id=data.solution_id)  # fmt: skip


def _save_contact(contact: Contact, data: ContactData) -> None:
    for name, value in asdict(data).items():
        setattr(contact, name, value)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ValidationError(field_errors={"name": [_("This contact is already listed in this role.")]}) from None


def contact_create(*, actor: User, organisation_id: int, data: ContactData) -> Contact:
    """A new contact of the organisation by role; an approver linked to a person decides changes in the portal."""
    authorize_edit(actor, organisation_id, "contact")
    data = _contact_checked(organisation_id, data)
    with transaction.atomic():
        contact = Contact(organisation_id=organisation_id)
        _save_contact(contact, data)
        audit_record(actor=actor, action=AuditAction.CREATED, instance=contact, changes=diff({}, snapshot(contact)))
    return contact


def _contact(actor: User, contact_id: int) -> Contact:
    contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
    if contact is None:
        raise _not_found("contact")
    authorize_edit(actor, contact.organisation_id, "contact")
    return contact


def contact_update(*, actor: User, contact_id: int, data: ContactData) -> Contact:
    with transaction.atomic():
        contact = _contact(actor, contact_id)
        data = _contact_checked(contact.organisation_id, data)
        before = snapshot(contact)
        _save_contact(contact, data)
        audit_record(actor=actor, action=AuditAction.CHANGED, instance=contact, changes=diff(before, snapshot(contact)))
    return contact


def contact_delete(*, actor: User, contact_id: int) -> None:
    with transaction.atomic():
        contact = _contact(actor, contact_id)
        audit_record(actor=actor, action=AuditAction.DELETED, instance=contact, changes=diff(snapshot(contact), {}))
        contact.delete()


def runbook_revise(*, actor: User, component_id: int, text: str) -> RunbookVersion:
    """A new version of the component's runbook (numbered on from the current one, which stays as it was). Text
    the same as the current version's writes nothing and returns that version. The component's row lock orders
    two revisions at once."""
    errors: dict[str, list[str]] = {}
    text = _text(text, limit=RUNBOOK_LIMIT, name="text", errors=errors, single=False)
    if not text:
        errors.setdefault("text", []).append(_("Write the runbook: what to check and do when this component fails."))
    with transaction.atomic():
        component = _component(actor, component_id, lock=True)
        if errors:
            raise ValidationError(field_errors=errors)
        current = RunbookVersion.objects.filter(component=component).order_by("-number").first()
        if current is not None and current.text == text:
            return current
        number = current.number + 1 if current is not None else 1
        version = RunbookVersion.objects.create(component=component, number=number, text=text, author=actor)
        audit_record(actor=actor, action=AuditAction.CREATED, instance=version, changes=diff({}, snapshot(version)))
    return version
