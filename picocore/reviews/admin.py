from django.contrib import admin

from picocore.reviews.models import ServiceReview


@admin.register(ServiceReview)
class ServiceReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews are made by the schedule and written and sent on the desk."""

    list_display = ("organisation", "month", "status", "made_at", "sent_at")
    list_filter = ("status", "month")
    search_fields = ("organisation__name",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
