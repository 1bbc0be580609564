"""Selects are written in Python by the project's form renderer: to the byte what Django's templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from picocore.core.forms import FormRenderer, UserContentSelect


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("1", "One"), ("2", 'Two "quoted" <b>')], initial="2")
    grouped = forms.ChoiceField(choices=[("Nordic", [("a", "Æble"), ("b", "Bær")]), ("c", "Other")], initial="b")
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")], initial=["x", "z"])
    numbers = forms.TypedChoiceField(choices=[(1, "first"), (2, "second")], coerce=int, initial=2, required=False)
    safe_label = forms.ChoiceField(choices=[("s", mark_safe("<em>kept</em>")), ("", "— none —")])
    flagged = forms.ChoiceField(
        choices=[("1", "One")],
        widget=forms.Select(attrs={"disabled": True, "data-off": False, "aria-describedby": 'x"y', "data-none": None}),
    )

    people = forms.ChoiceField(choices=[("", "Choose…"), ("7", "Åse Ørsted")], widget=UserContentSelect, initial="7")


class OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


@pytest.mark.parametrize("name", list(Choices.base_fields))
def test_a_select_is_written_as_djangos_template_writes_it(name):
    ours = str(Choices(renderer=FormRenderer())[name])
    djangos = str(Choices(renderer=DjangoTemplates())[name])

    assert ours == djangos
    assert "<select" in ours


def test_an_option_with_a_template_of_its_own_is_rendered_by_its_template():
    widget = OwnOption(choices=[("1", "One")])

    ours = widget.render("own", "1", renderer=FormRenderer())

    assert ours == widget.render("own", "1", renderer=DjangoTemplates())
    assert 'type="' in ours


class Radios(forms.Form):
    plain = forms.ChoiceField(choices=[("1", "One"), ("2", 'Two "quoted" <b>')], initial="2", widget=forms.RadioSelect)
    grouped = forms.ChoiceField(
        choices=[("Nordic", [("a", "Æble"), ("b", "Bær")]), ("c", "Other")], initial="b", widget=forms.RadioSelect
    )
    optional = forms.TypedChoiceField(
        choices=[(1, "first"), (2, "second")], coerce=int, required=False, widget=forms.RadioSelect
    )
    classy = forms.ChoiceField(
        choices=[("s", mark_safe("<em>kept</em>")), ("", "— none —")],
        widget=forms.RadioSelect(attrs={"class": 'a "b"', "data-off": False, "data-on": True}),
    )


@pytest.mark.parametrize("name", list(Radios.base_fields))
@pytest.mark.parametrize("bound", [False, True])
def test_radio_buttons_are_written_as_djangos_templates_write_them(name, bound):
    data = {"plain": "1", "grouped": "c", "classy": ""} if bound else None
    ours = str(Radios(data, renderer=FormRenderer())[name])
    djangos = str(Radios(data, renderer=DjangoTemplates())[name])

    assert ours == djangos
    assert 'type="radio"' in ours


def test_radio_buttons_without_ids_are_written_as_djangos_templates_write_them():
    ours = str(Radios(renderer=FormRenderer(), auto_id=False)["plain"])
    assert ours == str(Radios(renderer=DjangoTemplates(), auto_id=False)["plain"])
