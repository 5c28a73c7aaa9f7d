"""Email backends for failure-injection tests."""

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """Behaves like an SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")
