"""Background jobs of the accounts."""

from django.tasks import task

from picocore.accounts.reset import password_reset_send


@task()
def send_password_reset(email: str) -> int:
    """Write the reset link for `email` if an account may have one (the request never learns which)."""
    return password_reset_send(email=email)
