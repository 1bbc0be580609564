"""Shapes shared by every resource: a person, a named thing, the error envelope (documented in the schema)."""

from typing import Any

from rest_framework import serializers


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class NamedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SluggedSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]
    allowed = serializers.ListField(child=serializers.CharField(), required=False)


class ErrorSerializer(serializers.Serializer[Any]):
    """Every 4xx: `{"error": {"code", "message", "fields"}}` (and `allowed` for an illegal transition)."""

    error = ErrorBodySerializer()


def page_of(name: str, item: type[serializers.Serializer[Any]]) -> type[serializers.Serializer[Any]]:
    """The serializer of one cursor page of `item` (for the schema): `next` and `results`."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "results": item(many=True),
            "__doc__": "One page; `next` is the URL of the following page, null on the last.",
        },
    )
