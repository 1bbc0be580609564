"""A customer's landscape as CSV: its components and its integrations, two files, exported and imported.

Import is all or nothing: every line is read and checked first, and one bad line (named by its number) changes
nothing. It is idempotent: a component is found by its solution, environment and name (an integration by its
two ends and its name) and updated, so the same file imported twice changes nothing the second time. Rows
name components, never ids: a file can only ever reach the organisation it is imported into.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _

from picocore.audit.models import AuditAction
from picocore.audit.services import audit_record, diff, snapshot
from picocore.cmdb import permissions
from picocore.cmdb.choices import ComponentKind, EnvironmentKind, IntegrationDirection, SolutionKind
from picocore.cmdb.models import Component, Environment, Integration, Solution
from picocore.cmdb.services import ComponentData, authorize_edit
from picocore.core.errors import NotFound, ValidationError
from picocore.core.text import one_line, without_nul
from picocore.tenancy.models import Organisation, User

COMPONENT_COLUMNS = ("solution", "solution_kind", "solution_product", "environment", "component", "kind", "product",
                     "version", "end_of_life", "url", "hosting", "owner", "notes")  # fmt: skip
INTEGRATION_COLUMNS = ("name", "source_solution", "source_environment", "source_component", "target_solution",
                       "target_environment", "target_component", "direction", "protocol", "schedule",
                       "failure_effect")  # fmt: skip
MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
MAX_ERRORS = 20


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _writer(columns: tuple[str, ...]) -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    return out, writer


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: such text is exported with a leading quote.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _organisation(actor: User, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not permissions.can_see_as_staff(actor, organisation.pk):
        raise NotFound(_("There is no such customer, or it is not yours to see."))
    return organisation


def components_csv(*, actor: User, organisation_id: int) -> str:
    """The organisation's components, one per line, with their solution and environment (two queries)."""
    organisation = _organisation(actor, organisation_id)
    out, writer = _writer(COMPONENT_COLUMNS)
    rows = (
        Component.objects.filter(organisation=organisation)
        .select_related("environment__solution")
        .order_by("environment__solution__name", "environment__kind", "name", "id")
    )
    for c in rows:
        solution, environment = c.environment.solution, c.environment
        writer.writerow([_cell(v) for v in (
            solution.name, solution.kind, solution.product, environment.kind, c.name, c.kind, c.product, c.version,
            c.end_of_life.isoformat() if c.end_of_life else "", c.url, c.hosting, c.owner, c.notes,
        )])  # fmt: skip
    return out.getvalue()


def integrations_csv(*, actor: User, organisation_id: int) -> str:
    """The organisation's integrations, one per line, naming both ends (two queries)."""
    organisation = _organisation(actor, organisation_id)
    out, writer = _writer(INTEGRATION_COLUMNS)
    rows = (
        Integration.objects.filter(organisation=organisation)
        .select_related("source__environment__solution", "target__environment__solution")
        .order_by("name", "id")
    )
    for i in rows:
        ends = []
        for end in (i.source, i.target):
            ends += [end.environment.solution.name, end.environment.kind, end.name]
        writer.writerow([_cell(v) for v in (i.name, *ends, i.direction, i.protocol, i.schedule, i.failure_effect)])
    return out.getvalue()


def _rows(text: str, columns: tuple[str, ...], problems: list[str]) -> list[tuple[int, dict[str, str]]]:
    """The file's data lines as (line number, {column: text}); a missing required column is a problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        problems.append(_("The file is larger than 2 MB; split it."))
        return []
    reader = csv.DictReader(io.StringIO(without_nul(text).lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in columns if name not in header]
    required = {"solution", "environment", "component"} if columns is COMPONENT_COLUMNS else set(columns[:7])
    if not header or required & set(missing):
        problems.append(
            _("Line 1: the first line must name the columns: %(columns)s.") % {"columns": ", ".join(columns)}
        )
        return []
    reader.fieldnames = header
    rows: Lines = []
    try:
        for record in reader:
            if len(rows) >= MAX_ROWS:
                problems.append(_("The file has more than %(count)s lines; split it.") % {"count": f"{MAX_ROWS:,}"})
                return []
            values = {name: (record.get(name) or "").strip() for name in columns}
            if isinstance(record.get(None), list):  # more cells than columns
                problems.append(_("Line %(line)s: more cells than columns.") % {"line": reader.line_num})
            if any(values.values()):
                rows.append((reader.line_num, values))
    except csv.Error as error:
        problems.append(_("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": error})
    return rows


def _unquoted(value: str) -> str:
    return value[1:] if value[:2] in ("'=", "'+", "'-", "'@") else value


def _choice(value: str, choices: type[TextChoices], default: str | None = None) -> str | None:
    value = value.strip().lower()
    if not value and default is not None:
        return default
    for choice_value, label in choices.choices:
        if value in (choice_value, str(label).lower()):
            return str(choice_value)
    return None


@dataclass
class _Plan:
    """What the import will do, checked in full before anything is written."""

    solutions: dict[str, Solution]
    environments: dict[tuple[str, str], Environment]
    components: dict[tuple[str, str, str], Component]
    created: int = 0
    updated: int = 0
    unchanged: int = 0


Key = tuple[str, str, str]  # solution name, environment kind, component name
Lines = list[tuple[int, dict[str, str]]]


def _check_components(rows: Lines, problems: list[str]) -> list[tuple[Key, dict[str, str], ComponentData]]:
    planned: list[tuple[Key, dict[str, str], ComponentData]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, values in rows:
        solution_name = one_line(_unquoted(values["solution"]))
        environment = _choice(values["environment"], EnvironmentKind)
        kind = _choice(values["kind"], ComponentKind, ComponentKind.APPLICATION)
        errors = []
        if not solution_name or len(solution_name) > 120:
            errors.append(_("name the solution (at most 120 characters)"))
        if environment is None:
            errors.append(_("the environment must be one of %(kinds)s") % {"kinds": ", ".join(EnvironmentKind.values)})
        if kind is None:
            errors.append(_("the kind must be one of %(kinds)s") % {"kinds": ", ".join(ComponentKind.values)})
        solution_kind = _choice(values["solution_kind"], SolutionKind, SolutionKind.PIM)
        if solution_kind is None:
            errors.append(_("the solution kind must be one of %(kinds)s") % {"kinds": ", ".join(SolutionKind.values)})
        end_of_life = None
        if values["end_of_life"]:
            try:
                end_of_life = dt.date.fromisoformat(values["end_of_life"])
            except ValueError:
                errors.append(_("the end of life must be a date like 2027-06-30"))
        data = ComponentData(name=_unquoted(values["component"]), kind=kind or "", product=_unquoted(values["product"]),
                             version=_unquoted(values["version"]), end_of_life=end_of_life, url=values["url"],
                             hosting=_unquoted(values["hosting"]), owner=_unquoted(values["owner"]),
                             notes=_unquoted(values["notes"]))  # fmt: skip
        try:
            data = data.cleaned()
        except ValidationError as error:
            errors += [f"{field}: {' '.join(messages)}" for field, messages in error.field_errors.items()]
        key = (solution_name, environment or "", data.name)
        if not errors and key in seen:
            errors.append(_("the same component as line %(line)s") % {"line": seen[key]})
        if errors:
            problems.append(_("Line %(line)s: %(errors)s.") % {"line": line, "errors": "; ".join(errors)})
            continue
        seen[key] = line
        solution_values = {
            "kind": solution_kind or "",
            "product": one_line(_unquoted(values["solution_product"]))[:120],
        }
        planned.append((key, solution_values, data))
    return planned


def _check_integrations(rows: Lines, known: set[Key], problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    planned: list[tuple[int, dict[str, Any]]] = []
    for line, values in rows:
        errors = []
        ends = []
        for end in ("source", "target"):
            key = (
                one_line(_unquoted(values[f"{end}_solution"])),
                _choice(values[f"{end}_environment"], EnvironmentKind) or "",
                one_line(_unquoted(values[f"{end}_component"])),
            )
            if key not in known:
                errors.append(
                    _("there is no component %(name)s in %(solution)s %(environment)s of this customer")
                    % {"name": key[2] or "?", "solution": key[0] or "?", "environment": key[1] or "?"}
                )
            ends.append(key)
        direction = _choice(values["direction"], IntegrationDirection, IntegrationDirection.ONE_WAY)
        if direction is None:
            errors.append(_("the direction must be one_way or two_way"))
        name = one_line(_unquoted(values["name"]))
        if not name or len(name) > 120:
            errors.append(_("name the integration (at most 120 characters)"))
        if ends[0] == ends[1]:
            errors.append(_("an integration links two different components"))
        fields = {"protocol": 60, "schedule": 120, "failure_effect": 5000}
        texts = {f: _unquoted(values[f]) for f in fields}
        errors += [_("%(field)s is too long") % {"field": f} for f, limit in fields.items() if len(texts[f]) > limit]
        if errors:
            problems.append(_("Line %(line)s: %(errors)s.") % {"line": line, "errors": "; ".join(errors)})
            continue
        planned.append((line, {"name": name, "source": ends[0], "target": ends[1], "direction": direction, **texts}))
    return planned


def landscape_import(
    *, actor: User, organisation_id: int, components: str = "", integrations: str = ""
) -> ImportResult:
    """Import the two files into the organisation's landscape (either may be empty): solutions and environments
    named are created as needed; components and integrations are created or updated. All or nothing: any
    problem raises ValidationError listing the lines (at most 20) and nothing is written."""
    organisation = _organisation(actor, organisation_id)
    authorize_edit(actor, organisation.pk)
    problems: list[str] = []
    component_rows = _rows(components, COMPONENT_COLUMNS, problems) if components.strip() else []
    integration_rows = _rows(integrations, INTEGRATION_COLUMNS, problems) if integrations.strip() else []
    if problems:
        raise ValidationError(problems[0], field_errors={"file": problems[:MAX_ERRORS]})
    with transaction.atomic():
        plan = _Plan(
            solutions={s.name: s for s in Solution.objects.select_for_update().filter(organisation=organisation)},
            environments={
                (e.solution.name, e.kind): e
                for e in Environment.objects.filter(organisation=organisation).select_related("solution")
            },
            components={
                (c.environment.solution.name, c.environment.kind, c.name): c
                for c in Component.objects.filter(organisation=organisation).select_related("environment__solution")
            },
        )
        planned_components = _check_components(component_rows, problems)
        known = set(plan.components) | {key for key, _values, _data in planned_components}
        planned_integrations = _check_integrations(integration_rows, known, problems)
        if problems:
            raise ValidationError(problems[0], field_errors={"file": problems[:MAX_ERRORS]})
        for key, solution_values, data in planned_components:
            _apply_component(actor, organisation, plan, key, solution_values, data)
        existing = {
            (i.source_id, i.target_id, i.name): i for i in Integration.objects.filter(organisation=organisation)
        }
        for _line, values in planned_integrations:
            _apply_integration(actor, plan, existing, values)
    return ImportResult(created=plan.created, updated=plan.updated, unchanged=plan.unchanged)


def _apply_component(
    actor: User, organisation: Organisation, plan: _Plan, key: Key, solution_values: dict[str, str], data: ComponentData
) -> None:
    solution_name, environment_kind, _name = key
    solution = plan.solutions.get(solution_name)
    if solution is None:
        solution = Solution.objects.create(organisation=organisation, name=solution_name, **solution_values)
        audit_record(actor=actor, action=AuditAction.CREATED, instance=solution, changes=diff({}, snapshot(solution)))
        plan.solutions[solution_name] = solution
    environment = plan.environments.get((solution_name, environment_kind))
    if environment is None:
        environment = Environment.objects.create(solution=solution, kind=environment_kind)
        audit_record(actor=actor, action=AuditAction.CREATED, instance=environment,
                     changes=diff({}, snapshot(environment)))  # fmt: skip
        plan.environments[(solution_name, environment_kind)] = environment
    component = plan.components.get(key)
    before = snapshot(component) if component is not None else {}
    if component is None:
        component = Component(environment=environment)
    for name, value in data.__dict__.items():
        setattr(component, name, value)
    if before and before == snapshot(component):
        plan.unchanged += 1
        return
    component.save()
    if before:
        plan.updated += 1
        audit_record(
            actor=actor, action=AuditAction.CHANGED, instance=component, changes=diff(before, snapshot(component))
        )
    else:
        plan.created += 1
        audit_record(actor=actor, action=AuditAction.CREATED, instance=component, changes=diff({}, snapshot(component)))
    plan.components[key] = component


def _apply_integration(
    actor: User, plan: _Plan, existing: dict[tuple[int, int, str], Integration], values: dict[str, Any]
) -> None:
    source, target = plan.components[values["source"]], plan.components[values["target"]]
    integration = existing.get((source.pk, target.pk, values["name"]))
    before = snapshot(integration) if integration is not None else {}
    if integration is None:
        integration = Integration(source=source, target=target, name=values["name"])
    for name in ("direction", "protocol", "schedule", "failure_effect"):
        setattr(integration, name, values[name])
    if before and before == snapshot(integration):
        plan.unchanged += 1
        return
    integration.save()
    action = AuditAction.CHANGED if before else AuditAction.CREATED
    if before:
        plan.updated += 1
    else:
        plan.created += 1
    audit_record(actor=actor, action=action, instance=integration, changes=diff(before, snapshot(integration)))
    existing[(source.pk, target.pk, values["name"])] = integration
