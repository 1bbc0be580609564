from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.accounts import passkey_views, security_views, signin
from picocore.accounts.forms import OutboxPasswordResetForm
from picocore.accounts.throttle import reset_throttled
from picocore.accounts.views import language_set

app_name = "accounts"
urlpatterns = [
    path("login/", signin.SignInView.as_view(), name="login"),
    path("login/code/", signin.sign_in_code, name="sign_in_code"),
    path("confirm/", signin.step_up, name="step_up"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/", security_views.security, name="security"),
    path("security/two-factor/", security_views.two_factor, name="two_factor"),
    path("security/two-factor/start/", security_views.two_factor_start, name="two_factor_start"),
    path("security/two-factor/confirm/", security_views.two_factor_confirm, name="two_factor_confirm"),
    path("security/two-factor/recovery-codes/", security_views.recovery_codes_new, name="recovery_codes"),
    path("security/two-factor/remove/", security_views.two_factor_remove, name="two_factor_remove"),
    path("security/passkeys/options/", passkey_views.registration_options, name="passkey_options"),
    path("security/passkeys/", passkey_views.passkey_add, name="passkey_add"),
    path("security/passkeys/<id:passkey_id>/remove/", passkey_views.passkey_remove_view, name="passkey_remove"),
    path("login/passkey/options/", passkey_views.sign_in_options, name="sign_in_passkey_options"),
    path("login/passkey/", passkey_views.sign_in_with_passkey, name="sign_in_passkey"),
    path("confirm/passkey/options/", passkey_views.step_up_options, name="step_up_passkey_options"),
    path("confirm/passkey/", passkey_views.step_up_with_passkey, name="step_up_passkey"),
    path("security/sessions/<id:session_id>/end/", security_views.session_end_view, name="session_end"),
    path("security/sessions/end-others/", security_views.sessions_end_others_view, name="sessions_end_others"),
    path(
        "password/reset/",
        reset_throttled(
            auth_views.PasswordResetView.as_view(
                form_class=OutboxPasswordResetForm, success_url=reverse_lazy("accounts:password_reset_done")
            )
        ),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("accounts:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("language/", language_set, name="language"),
]
