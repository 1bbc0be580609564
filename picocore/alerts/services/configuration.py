"""Configuring intakes: integrations and their mapping rules, by the service team managing them
(`permissions.can_manage`), every change audited. Bad input is a ValidationError naming the field; nothing is
saved then."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from picocore.alerts.choices import OnResolve, SourceKind
from picocore.alerts.models import AlertIntegration, MappingRule
from picocore.alerts.permissions import WORKERS, can_manage
from picocore.audit.services import audited_delete, audited_save
from picocore.catalog.choices import Impact, Urgency
from picocore.cmdb.models import Component, Environment
from picocore.core.errors import NotFound, ValidationError
from picocore.core.text import one_line, truncate
from picocore.tenancy.models import Membership, User
from picocore.tenancy.scope import serves

FLAP_CHANGES_RANGE = (2, 100)
FLAP_MINUTES_RANGE = (1, 24 * 60)


@dataclass(frozen=True)
class IntegrationFields:
    name: str
    slug: str
    organisation_id: int | None
    kind: str
    service_account_id: int
    requester_id: int | None = None
    flap_changes: int = 4
    flap_minutes: int = 30
    on_resolve: str = OnResolve.RESOLVE
    active: bool = True


@dataclass(frozen=True)
class RuleFields:
    """One row of the rules editor: `rule_id` None for a new rule; `delete` removes it."""

    match: dict[str, str]
    rule_id: int | None = None
    position: int = 0
    organisation_id: int | None = None
    environment_id: int | None = None
    component_id: int | None = None
    impact: str = Impact.MEDIUM
    urgency: str = Urgency.MEDIUM
    delete: bool = False


def parse_match(text: str) -> dict[str, str]:
    """`key=value` lines (blank lines skipped) as the labels a rule matches; ValidationError naming the line."""
    match: dict[str, str] = {}
    for number, line in enumerate((text or "").replace("\x00", "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ValidationError(field_errors={"match": [
                _("Line %(number)s is not a label=value pair.") % {"number": number}]})  # fmt: skip
        if key in match:
            raise ValidationError(field_errors={"match": [
                _("The label “%(key)s” is given twice.") % {"key": key[:60]}]})  # fmt: skip
        if len(key) > 200 or len(value) > 2000:
            raise ValidationError(field_errors={"match": [_("Line %(number)s is too long.") % {"number": number}]})
        match[key] = value
    return match


def match_text(match: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(match.items()))


def _check_integration(
    actor: User, fields: IntegrationFields, *, instance: AlertIntegration | None
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    name = truncate(one_line(fields.name or ""), 120)
    slug = slugify(fields.slug or "")[:60]
    if not name:
        errors["name"] = [_("Give the integration a name.")]
    if not slug:
        errors["slug"] = [_("Give the intake an address: letters, digits and hyphens.")]
    elif AlertIntegration.objects.filter(slug=slug).exclude(pk=instance.pk if instance else 0).exists():
        errors["slug"] = [_("Another integration has this address.")]
    if fields.kind not in SourceKind.values:
        errors["kind"] = [_("Choose the monitoring system.")]
    if fields.on_resolve not in OnResolve.values:
        errors["on_resolve"] = [_("Choose what a cleared alert does.")]
    low, high = FLAP_CHANGES_RANGE
    if not low <= fields.flap_changes <= high:
        errors["flap_changes"] = [_("Between %(low)s and %(high)s state changes.") % {"low": low, "high": high}]
    low, high = FLAP_MINUTES_RANGE
    if not low <= fields.flap_minutes <= high:
        errors["flap_minutes"] = [_("Between %(low)s and %(high)s minutes.") % {"low": low, "high": high}]
    if not can_manage(actor, fields.organisation_id):
        errors["organisation"] = [_("Choose an organisation you serve.")]
    account = User.objects.filter(pk=fields.service_account_id, is_active=True, staff_role__in=WORKERS).first()
    if account is None or not can_manage(account, fields.organisation_id):
        errors["service_account"] = [_("Choose a member of the service team serving this organisation.")]
    requester = None
    if fields.requester_id is not None:
        requester = User.objects.filter(pk=fields.requester_id, is_active=True).first()
        if (
            requester is None
            or fields.organisation_id is None
            or not Membership.objects.filter(user=requester, organisation_id=fields.organisation_id).exists()
        ):
            errors["requester"] = [_("Choose a contact of this organisation, or none.")]
    if instance is not None and fields.organisation_id is not None:
        foreign = instance.rules.exclude(organisation_id__isnull=True).exclude(organisation_id=fields.organisation_id)
        foreign_landscape = instance.rules.exclude(component__isnull=True).exclude(
            component__organisation_id=fields.organisation_id
        )
        if foreign.exists() or foreign_landscape.exists():
            errors["organisation"] = [_("Some rules map to another organisation; change them first.")]
    if errors:
        raise ValidationError(field_errors=errors)
    return {"name": name, "slug": slug, "organisation_id": fields.organisation_id, "kind": fields.kind,
            "service_account": account, "requester": requester, "flap_changes": fields.flap_changes,
            "flap_minutes": fields.flap_minutes, "on_resolve": fields.on_resolve, "active": fields.active}  # fmt: skip


def integration_create(*, actor: User, fields: IntegrationFields) -> AlertIntegration:
    """A new integration of an organisation the actor serves (none: service managers and administrators)."""
    values = _check_integration(actor, fields, instance=None)
    with transaction.atomic():
        integration = AlertIntegration(**values)
        audited_save(actor=actor, instance=integration)
    return integration


def _managed(actor: User, integration_id: int) -> AlertIntegration:
    integration = AlertIntegration.objects.select_for_update().filter(pk=integration_id).first()
    if integration is None or not can_manage(actor, integration.organisation_id):
        raise NotFound(_("No such integration."))
    return integration


def integration_update(*, actor: User, integration_id: int, fields: IntegrationFields) -> AlertIntegration:
    """Change an integration the actor manages (to an organisation they serve)."""
    with transaction.atomic():
        integration = _managed(actor, integration_id)
        for key, value in _check_integration(actor, fields, instance=integration).items():
            setattr(integration, key, value)
        audited_save(actor=actor, instance=integration)
    return integration


def integration_delete(*, actor: User, integration_id: int) -> None:
    """Remove an integration with its rules, payloads and alerts; the incidents it filed stay."""
    with transaction.atomic():
        audited_delete(actor=actor, instance=_managed(actor, integration_id))


def rules_save(*, actor: User, integration_id: int, rules: list[RuleFields]) -> list[MappingRule]:
    """Save the rules editor at once: new rows created, changed ones updated, `delete` ones removed — all or
    nothing. A rule maps to the integration's organisation (or, for an integration of none, to one the actor
    serves), to that organisation's environment and component; the service account must serve it."""
    with transaction.atomic():
        integration = _managed(actor, integration_id)
        existing = {rule.pk: rule for rule in integration.rules.all()}
        errors: dict[str, list[str]] = {}
        saved: list[MappingRule] = []
        deleted: list[MappingRule] = []
        for index, fields in enumerate(rules, start=1):
            row = _("Rule %(number)s") % {"number": index}
            rule = existing.get(fields.rule_id) if fields.rule_id is not None else MappingRule(integration=integration)
            if rule is None:
                raise NotFound(_("No such rule."))
            if fields.delete:
                if rule.pk is not None:
                    deleted.append(rule)
                continue
            problems = _check_rule(actor, integration, fields)
            if problems:
                errors[f"rule-{index}"] = [f"{row}: {problem}" for problem in problems]
                continue
            rule.match = fields.match
            rule.position = fields.position
            rule.organisation_id = fields.organisation_id
            rule.environment_id = fields.environment_id
            rule.component_id = fields.component_id
            rule.impact, rule.urgency = fields.impact, fields.urgency
            saved.append(rule)
        if errors:
            raise ValidationError(field_errors=errors)
        for rule in deleted:
            audited_delete(actor=actor, instance=rule)
        for rule in saved:
            audited_save(actor=actor, instance=rule)
    return saved


def _check_rule(actor: User, integration: AlertIntegration, fields: RuleFields) -> list[str]:
    problems = []
    organisation_id = fields.organisation_id or integration.organisation_id
    if integration.organisation_id is not None and fields.organisation_id not in (None, integration.organisation_id):
        problems.append(_("an integration of one organisation maps to that organisation only."))
    elif organisation_id is not None and not can_manage(actor, organisation_id):
        problems.append(_("choose an organisation you serve."))
    elif organisation_id is not None and not serves(integration.service_account, organisation_id):
        problems.append(_("the service account does not serve this organisation."))
    if fields.impact not in Impact.values or fields.urgency not in Urgency.values:
        problems.append(_("choose the impact and the urgency."))
    if not 0 <= fields.position <= 32767:
        problems.append(_("the position is a number from 0 to 32767."))
    environment = component = None
    if fields.environment_id is not None:
        environment = Environment.objects.filter(pk=fields.environment_id).first()
        if environment is None or organisation_id is None or environment.organisation_id != organisation_id:
            problems.append(_("choose an environment of the organisation."))
    if fields.component_id is not None:
        component = Component.objects.filter(pk=fields.component_id).first()
        if component is None or organisation_id is None or component.organisation_id != organisation_id:
            problems.append(_("choose a component of the organisation."))
        elif environment is not None and component.environment_id != environment.pk:
            problems.append(_("the component is not part of that environment."))
    return problems
