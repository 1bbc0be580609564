"""The organisation resource: the organisations a person serves or belongs to, by slug."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from picocore.api.serializers.common import page_of
from picocore.tenancy.models import Organisation


class OrganisationSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    key_prefix = serializers.CharField(help_text="The prefix of the organisation's ticket keys.")
    time_zone = serializers.CharField(help_text="Contracts start and end on this zone's dates.")
    contracts = serializers.SerializerMethodField()
    request_types = serializers.SerializerMethodField()

    def get_url(self, organisation: Organisation) -> str:
        return reverse("api:v1:organisation", kwargs={"slug": organisation.slug})

    def get_contracts(self, organisation: Organisation) -> str:
        return reverse("api:v1:organisation-contracts", kwargs={"slug": organisation.slug})

    def get_request_types(self, organisation: Organisation) -> str:
        return reverse("api:v1:organisation-request-types", kwargs={"slug": organisation.slug})


OrganisationPageSerializer = page_of("OrganisationPage", OrganisationSerializer)
