"""A short model choice list (teams, consultants) is read in one plain query, not through a server-side cursor,
and renders exactly as Django's own model choice field renders it."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.core.forms import ListedModelChoiceField
from picocore.tenancy.choices import TeamKind
from picocore.tenancy.models import Team
from tests import factories

pytestmark = pytest.mark.django_db


def _form(field_class: type[forms.ModelChoiceField]) -> forms.Form:
    class Choose(forms.Form):
        team = field_class(queryset=Team.objects.filter(kind=TeamKind.OPERATIONS).order_by("name"), required=False)

    return Choose(initial={"team": Team.objects.get(name="Blue").pk})


def test_the_choices_are_one_plain_query_and_render_as_django_s():
    for name in ("Red", "Blue", "Green"):
        factories.TeamFactory(name=name, kind=TeamKind.OPERATIONS)
    factories.TeamFactory(name="Builders", kind=TeamKind.DEVELOPMENT)
    django_html = str(_form(forms.ModelChoiceField)["team"])
    form = _form(ListedModelChoiceField)
    with CaptureQueriesContext(connection) as captured:
        html = str(form["team"])
    assert html == django_html
    assert [query["sql"].split()[0] for query in captured.captured_queries] == ["SELECT"]
    field = form.fields["team"]
    assert [label for _, label in field.choices] == [field.empty_label, "Blue", "Green", "Red"]
    assert '<option value="{}" selected>Blue</option>'.format(Team.objects.get(name="Blue").pk) in html


def test_a_posted_choice_is_still_checked_against_the_queryset():
    red = factories.TeamFactory(name="Red", kind=TeamKind.OPERATIONS)
    builders = factories.TeamFactory(name="Builders", kind=TeamKind.DEVELOPMENT)

    class Choose(forms.Form):
        team = ListedModelChoiceField(queryset=Team.objects.filter(kind=TeamKind.OPERATIONS))

    assert Choose({"team": red.pk}).is_valid()
    refused = Choose({"team": builders.pk})
    assert not refused.is_valid()
    assert refused.errors["team"] == ["Select a valid choice. That choice is not one of the available choices."]
