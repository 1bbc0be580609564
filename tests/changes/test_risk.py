"""The risk score: the questionnaire's answers and the computed factors, each contribution kept."""

from picocore.changes import risk
from picocore.changes.choices import RiskLevel


def test_a_well_prepared_small_change_outside_production_is_low():
    assessment = risk.assess(
        answers={"tested_in_staging": True, "backout_tested": True, "customer_downtime": False,
                 "data_migration": False},
        in_production=False, component_count=1, template_record=None, days_to_freeze=None,
    )  # fmt: skip
    assert [(f.key, f.points) for f in assessment.factors] == [
        ("tested_in_staging", 0), ("backout_tested", 0), ("customer_downtime", 0), ("data_migration", 0),
        ("production", 0), ("components", 0),
    ]  # fmt: skip
    assert (assessment.score, assessment.level) == (0, RiskLevel.LOW)


def test_unanswered_questions_count_as_risky_and_every_factor_adds_its_share():
    assessment = risk.assess(
        answers={"tested_in_staging": "yes", "unknown": True},
        in_production=True, component_count=4, template_record=(1, 4), days_to_freeze=2,
    )  # fmt: skip
    assert [(f.key, f.points, f.value) for f in assessment.factors] == [
        ("tested_in_staging", 15, None), ("backout_tested", 15, None), ("customer_downtime", 10, None),
        ("data_migration", 15, None), ("production", 15, True), ("components", 9, 4), ("failure_rate", 5, [1, 4]),
        ("freeze", 10, 2),
    ]  # fmt: skip
    assert (assessment.score, assessment.level) == (94, RiskLevel.HIGH)


def test_levels_and_the_stored_factors_read_back():
    assert [risk.level_of(score) for score in (0, 29, 30, 59, 60, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    factors = risk.factors_of(
        [{"key": "components", "points": 6, "value": 3}, "junk", {"key": "freeze", "points": "x"}]
    )
    assert [(f.key, f.points, f.label) for f in factors] == [
        ("components", 6, "Affects 3 components"),
        ("freeze", 0, "None days before a freeze"),
    ]
    assert risk.Factor("failure_rate", 10, [1, 2]).label == "Its template failed 1 of 2 reviewed changes"
    assert risk.Factor("backout_tested", 15, False).label == "Back-out tested? no"
    assert risk.factors_of(None) == ()
