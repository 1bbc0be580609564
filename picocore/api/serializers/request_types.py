"""The request types an organisation's contract in force offers, with the questions of each one's form: what a
client needs to build the `answers` of a new ticket (POST /api/v1/tickets/, by question key)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from picocore.api.serializers.common import page_of
from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.catalog.models import RequestType
from picocore.catalog.selectors import organisation_environments, organisation_solutions


class ChoiceSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(help_text="What to send as the answer.")
    label = serializers.CharField()  # type: ignore[assignment]


class QuestionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="The answer's key in `answers`.")
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=FieldKind.choices)
    required = serializers.BooleanField()  # type: ignore[assignment]
    help_text = serializers.CharField()  # type: ignore[assignment]
    choices = ChoiceSerializer(
        many=True, help_text="The accepted answers of a choice, yes/no, solution or environment question; else empty."
    )


class RequestTypeSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField(help_text="The `request_type` of a new ticket.")
    name = serializers.CharField()
    type = serializers.ChoiceField(source="ticket_type", choices=TicketType.choices)
    summary = serializers.CharField()
    asks_impact_and_urgency = serializers.BooleanField()
    default_impact = serializers.ChoiceField(choices=Impact.choices)
    default_urgency = serializers.ChoiceField(choices=Urgency.choices)
    questions = serializers.SerializerMethodField()

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, request_type: RequestType) -> list[dict[str, Any]]:
        """The form's questions in form order (prefetched), with the choices of the organisation in
        `context["organisation_id"]`."""
        organisation_id = self.context["organisation_id"]
        return [
            {
                "key": spec.key,
                "label": spec.label,
                "kind": spec.kind,
                "required": spec.required,
                "help_text": spec.help_text,
                "choices": question_choices(spec.kind, spec.choice_list, organisation_id),
            }
            for spec in request_type.fields.all()
        ]


RequestTypePageSerializer = page_of("RequestTypePage", RequestTypeSerializer)


def question_choices(kind: str, choices: list[str], organisation_id: int) -> list[dict[str, str]]:
    """What the request form accepts for a question of `kind`: a choice's options, yes/no, or the
    organisation's own solutions and environments (by id) from the lists the form itself checks answers
    against (`picocore.catalog.selectors`, kept per process)."""
    match kind:
        case FieldKind.CHOICE:
            return [{"value": option, "label": option} for option in choices]
        case FieldKind.YES_NO:
            return [{"value": "yes", "label": _("Yes")}, {"value": "no", "label": _("No")}]
        case FieldKind.SOLUTION:
            return [{"value": str(s.pk), "label": s.name} for s in organisation_solutions(organisation_id).rows]
        case FieldKind.ENVIRONMENT:
            return [
                {"value": str(e.pk), "label": f"{e.solution.name} · {e.get_kind_display()}"}
                for e in organisation_environments(organisation_id).rows
            ]
    return []
