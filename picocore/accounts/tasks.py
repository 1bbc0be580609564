"""Background jobs of the accounts."""

from django.tasks import task

from picocore.accounts.reset import password_reset_send
from picocore.accounts.services import sign_in_failure_record


@task()
def send_password_reset(email: str) -> int:
    """Write the reset link for `email` if an account may have one (the request never learns which)."""
    return password_reset_send(email=email)


@task()
def record_sign_in_failure(email: str) -> None:
    """Audit a refused sign-in against the account of `email`, if there is one: in the worker, so the refusal
    costs the request the same whether or not the address has an account."""
    sign_in_failure_record(email=email)
