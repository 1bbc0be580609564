import pytest

from picocore.catalog.choices import Impact, Urgency
from picocore.catalog.models import PriorityRule
from picocore.catalog.priority import DEFAULT_MATRIX, priority_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", 1), ("high", "medium", 2), ("medium", "high", 2),
        ("high", "low", 3), ("medium", "medium", 3), ("low", "high", 3),
        ("medium", "low", 4), ("low", "medium", 4), ("low", "low", 5),
    ],
)  # fmt: skip
def test_default_matrix_installed_by_migration(impact, urgency, priority):
    assert PriorityRule.objects.get(impact=impact, urgency=urgency).priority == priority
    assert priority_for(impact, urgency).priority == priority


def test_matrix_is_complete():
    assert PriorityRule.objects.count() == 9
    assert set(DEFAULT_MATRIX) == {(i, u) for i in Impact for u in Urgency}


def test_reason_names_both_inputs_and_the_result():
    assert priority_for("high", "medium").reason == "High impact × Medium urgency → P2"


def test_an_edited_cell_is_used():
    PriorityRule.objects.filter(impact="low", urgency="high").update(priority=2)
    decision = priority_for(Impact.LOW, Urgency.HIGH)
    assert (decision.priority, decision.reason) == (2, "Low impact × High urgency → P2")


def test_a_deleted_cell_falls_back_to_the_default():
    PriorityRule.objects.filter(impact="medium", urgency="medium").delete()
    assert priority_for("medium", "medium").priority == 3


def test_unknown_values_are_refused():
    with pytest.raises(ValueError):
        priority_for("catastrophic", "high")
