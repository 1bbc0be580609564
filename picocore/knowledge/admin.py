"""Knowledge articles in the admin, read-only: they are written, published, reviewed and archived on the desk,
through the services that keep their versions, history and sanitised text."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from picocore.knowledge.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    """Read-only: an article changes only through its services on the desk."""

    list_display = ["title", "audience", "status", "for_all_customers", "owner", "review_due", "updated_at"]
    list_filter = ["audience", "status", "for_all_customers"]
    search_fields = ["title", "slug"]
    list_select_related = ["owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
