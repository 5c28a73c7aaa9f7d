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


# Every log line: Django's (settings.LOGGING) and gunicorn's error log.
LINE_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"


class OneLineFormatter(logging.Formatter):
    """One event, one line: line breaks (in tracebacks too) become a literal
    \\n or \\r. Needs RequestIDFilter on the handler for LINE_FORMAT."""

    def __init__(self, fmt=LINE_FORMAT, *args, **kwargs):
        super().__init__(fmt, *args, **kwargs)

    def format(self, record):
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")
