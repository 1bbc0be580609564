from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "picocore.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from picocore.accounts import receivers  # noqa: F401 (connects the sign-in and sign-out receivers)
