"""factory_boy factories for the domain. `offered_request_type` builds a type a contract really offers."""

import datetime as dt

import factory

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.catalog.models import FormField, RequestType
from picocore.cmdb.choices import EnvironmentKind, SolutionKind
from picocore.cmdb.models import Environment, Solution
from picocore.contracts.models import Contract, Tier
from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Membership, Organisation, Team, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    staff_role = StaffRole.CONSULTANT


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Customer {n}")
    slug = factory.Sequence(lambda n: f"customer-{n}")
    key_prefix = factory.Sequence(lambda n: f"C{chr(65 + n % 26)}{n}")
    time_zone = "Europe/Copenhagen"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.REQUESTER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True  # the hooks only add many-to-many rows

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = TeamKind.OPERATIONS

    @factory.post_generation
    def organisations(obj, create, extracted, **kwargs):
        """`organisations=[...]`: the customers the team serves."""
        if extracted:
            obj.organisations.add(*extracted)

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        """`members=[...]`: the people in the team."""
        if extracted:
            obj.members.add(*extracted)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    name = factory.Sequence(lambda n: f"Tier {n}")
    slug = factory.Sequence(lambda n: f"tier-{n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    organisation = factory.SubFactory(OrganisationFactory)
    tier = factory.SubFactory(TierFactory)
    starts_on = dt.date(2020, 1, 1)


class RequestTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestType

    name = factory.Sequence(lambda n: f"Request type {n}")
    slug = factory.Sequence(lambda n: f"request-type-{n}")
    ticket_type = TicketType.INCIDENT
    summary = "Something is broken."
    default_impact = Impact.LOW
    default_urgency = Urgency.LOW


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    request_type = factory.SubFactory(RequestTypeFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = FieldKind.TEXT


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Solution

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Solution {n}")
    product = "Akeneo 7"
    kind = SolutionKind.PIM


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment

    solution = factory.SubFactory(SolutionFactory)
    kind = EnvironmentKind.PRODUCTION
    url = "https://pim.example.test/"
