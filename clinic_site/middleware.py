"""Site-wide middleware: request ids, and rules every response keeps."""

import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control

from .logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the load balancer is kept only if it is short and plain, so it
# can never break a log line or carry anything else.
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIDMiddleware:
    """Give each request an id: in every log line and the X-Request-ID header.

    The load balancer's X-Request-ID is reused when it looks like an id, so one
    request can be followed from the balancer to gunicorn's access log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.id = request_id
        # Kept until the response is closed (request_finished), not reset on
        # the way out: Django logs 4xx/5xx responses after the middleware.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class ResponsePolicyMiddleware:
    """Rules every response keeps, whichever view made it.

    - A response that sets a cookie (a session, a CSRF token) is
      `private, no-store`: a CDN must never hand one visitor's cookie to others.
    - Admin pages carry `X-Robots-Tag: noindex, nofollow` (robots.txt does not
      name a custom admin path) and refuse a NUL byte in the query string with
      a 400 (PostgreSQL cannot compare text with NUL; admin filters would 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        is_admin = request.path.startswith(self.admin_prefix)
        if is_admin and any(
            "\x00" in part
            for key, values in request.GET.lists()
            for part in (key, *values)
        ):
            return HttpResponseBadRequest(
                "The address holds a character that is not allowed (NUL).",
                content_type="text/plain",
            )
        response = self.get_response(request)
        if response.cookies:
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        if is_admin:
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response
