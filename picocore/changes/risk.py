"""A change's risk: a short questionnaire plus factors computed from the change and its landscape, each factor's
contribution kept (`Change.risk_factors`) so that the page shows why the score is what it is.

Questions not answered yet count as the risky answer: a change is as risky as what is not known about it.
The score is the sum of the contributions (at most 100); 0–29 is low, 30–59 medium, 60 and above high.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from picocore.changes.choices import Outcome, RiskLevel

MEDIUM_FROM, HIGH_FROM = 30, 60


@dataclass(frozen=True)
class Question:
    key: str
    text: "StrPromise"  # a lazy translation
    risky_answer: bool  # the answer that adds `points`
    points: int


QUESTIONS = (
    Question("tested_in_staging", gettext_lazy("Tested in staging?"), risky_answer=False, points=15),
    Question("backout_tested", gettext_lazy("Back-out tested?"), risky_answer=False, points=15),
    Question("customer_downtime", gettext_lazy("Downtime the customer's users notice?"), risky_answer=True, points=10),
    Question("data_migration", gettext_lazy("Migrates data?"), risky_answer=True, points=15),
)
QUESTION_KEYS = tuple(question.key for question in QUESTIONS)

PRODUCTION_POINTS = 15
PER_EXTRA_COMPONENT, COMPONENTS_CAP = 3, 12
FAILURE_RATE_POINTS = 20  # at a failure rate of 100 %
FREEZE_NEAR_DAYS, FREEZE_NEAR_POINTS, FREEZE_CLOSE_DAYS, FREEZE_CLOSE_POINTS = 7, 5, 2, 10
FAILED_OUTCOMES = (Outcome.FAILED, Outcome.BACKED_OUT)


@dataclass(frozen=True)
class Factor:
    """One contribution to the score: which factor, its points, and what it saw (for the text)."""

    key: str
    points: int
    value: object = None

    def as_data(self) -> dict[str, object]:
        return {"key": self.key, "points": self.points, "value": self.value}

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> "Factor":
        points = data.get("points", 0)
        return cls(
            key=str(data.get("key", "")), points=points if isinstance(points, int) else 0, value=data.get("value")
        )

    @property
    def label(self) -> str:
        """What the factor is and what it saw, for people."""
        for question in QUESTIONS:
            if question.key == self.key:
                answer = _("not answered") if self.value is None else (_("yes") if self.value else _("no"))
                return f"{question.text} {answer}"
        value = self.value
        if self.key == "production":
            return _("Affects production")
        if self.key == "components":
            return _("Affects %(count)s components") % {"count": value}
        if self.key == "failure_rate" and isinstance(value, list) and len(value) == 2:
            return _("Its template failed %(failed)s of %(reviewed)s reviewed changes") % {
                "failed": value[0],
                "reviewed": value[1],
            }
        if self.key == "freeze":
            return _("%(days)s days before a freeze") % {"days": value}
        return self.key


@dataclass(frozen=True)
class Assessment:
    factors: tuple[Factor, ...]

    @property
    def score(self) -> int:
        return min(100, sum(factor.points for factor in self.factors))

    @property
    def level(self) -> str:
        return level_of(self.score)


def level_of(score: int) -> str:
    if score >= HIGH_FROM:
        return RiskLevel.HIGH
    if score >= MEDIUM_FROM:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def clean_answers(answers: Mapping[str, object]) -> dict[str, bool]:
    """The questionnaire's known answers as booleans; anything else is dropped."""
    return {key: value for key, value in answers.items() if key in QUESTION_KEYS and isinstance(value, bool)}


def assess(
    *,
    answers: Mapping[str, object],
    in_production: bool,
    component_count: int,
    template_record: tuple[int, int] | None,
    days_to_freeze: int | None,
) -> Assessment:
    """The risk of a change from its answers and its computed factors. `template_record` is (failed, reviewed)
    changes made from its template; `days_to_freeze` the days from its planned start to the next freeze."""
    factors = []
    known = clean_answers(answers)
    for question in QUESTIONS:
        answer = known.get(question.key)
        risky = answer is None or answer == question.risky_answer
        factors.append(Factor(question.key, question.points if risky else 0, answer))
    factors.append(Factor("production", PRODUCTION_POINTS if in_production else 0, in_production))
    extra = max(0, component_count - 1)
    factors.append(Factor("components", min(COMPONENTS_CAP, extra * PER_EXTRA_COMPONENT), component_count))
    if template_record is not None:
        failed, reviewed = template_record
        points = round(FAILURE_RATE_POINTS * failed / reviewed) if reviewed else 0
        factors.append(Factor("failure_rate", points, [failed, reviewed]))
    if days_to_freeze is not None and days_to_freeze <= FREEZE_NEAR_DAYS:
        points = FREEZE_CLOSE_POINTS if days_to_freeze <= FREEZE_CLOSE_DAYS else FREEZE_NEAR_POINTS
        factors.append(Factor("freeze", points, days_to_freeze))
    return Assessment(tuple(factors))


def factors_of(data: object) -> tuple[Factor, ...]:
    """The stored factors of a change, as `Factor`s."""
    if not isinstance(data, list):
        return ()
    return tuple(Factor.from_data(item) for item in data if isinstance(item, dict))
