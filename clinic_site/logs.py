"""One line per event, each with the id of the request it belongs to.

Imported by the LOGGING setting before the apps load: no models here.
"""

import contextvars
import logging

from django.core.signals import request_finished

# The id of the request being handled in this thread or task ("-" outside one).
request_id_var = contextvars.ContextVar("request_id", default="-")


def _forget_request_id(**kwargs):
    request_id_var.set("-")


def connect_signals():
    """Called from the site's AppConfig.ready()."""
    request_finished.connect(_forget_request_id, dispatch_uid="forget_request_id")


class RequestIDFilter(logging.Filter):
    """Adds `request_id` to every log record (for the `line` formatter)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class OneLineFormatter(logging.Formatter):
    """One event, one line: newlines (in tracebacks too) become a literal \\n."""

    def format(self, record):
        return super().format(record).replace("\n", "\\n")
