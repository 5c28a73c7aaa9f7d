"""What the site refuses before anything reads the request body.

Early in MIDDLEWARE, before WhiteNoise and the page cache, so neither ever
sees such a request:

- a SCRIPT_NAME (400): the site is never mounted under a prefix, and a path
  cut short by one would be answered, and cached, as another page;
- a charset other than UTF-8 (400): the site's forms only ever send UTF-8,
  and Django would refuse the form later with a page that says less;
- a body without a Content-Length, i.e. chunked (411): Django would read it
  as empty and lose what was sent;
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), or over
  STAFF_REQUEST_MAX_BYTES on admin pages; the Content-Length is enough to
  know, nothing is read;
- multipart/form-data outside admin (415): no public form takes files.

On admin pages, multipart bodies and bodies over the public limit are for
signed-in staff only (as admin's own `has_permission` decides, second factor
included): checked in `process_view`, once the session is known and before
the CSRF check reads the body. Uploads are kept in memory, never in a
temporary file (FILE_UPLOAD_HANDLERS), so nothing a client sends is written
to disk.
"""

from django.conf import settings
from django.contrib import admin

from .errors import refusal

MULTIPART = "multipart/form-data"

SCRIPT_NAME_REFUSED = "This address cannot be reached that way."
CHARSET_REFUSED = (
    "What was sent was not in UTF-8, the only text encoding this website reads."
)
LENGTH_REQUIRED = "What was sent did not say how long it was (Content-Length)."
STAFF_ONLY = (
    "Files can be sent to this website only by staff who are signed in to "
    "the staff admin. If you are staff, sign in again and send it once more."
)


class RequestLimitsMiddleware:
    """Refuse, with the site's own error pages, what the site never accepts."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        return self.early_refusal(request) or self.get_response(request)

    def early_refusal(self, request):
        if request.META.get("SCRIPT_NAME"):
            return refusal(request, "400.html", 400, SCRIPT_NAME_REFUSED)
        # Compared as Django compares it (it refuses "utf8" too, saying less).
        charset = request.content_params.get("charset", "utf-8")
        if charset.lower() != "utf-8":
            return refusal(request, "400.html", 400, CHARSET_REFUSED)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refusal(request, "400.html", 400, LENGTH_REQUIRED)
        if not request.META.get("CONTENT_LENGTH") and request.META.get(
            "HTTP_TRANSFER_ENCODING"
        ):
            return refusal(request, "400.html", 411, LENGTH_REQUIRED)
        admin = request.path_info.startswith(self.admin_prefix)
        limit = (
            settings.STAFF_REQUEST_MAX_BYTES
            if admin
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            return refusal(request, "413.html", 413)
        if request.content_type == MULTIPART and not admin:
            return refusal(request, "415.html", 415)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Admin pages: large or multipart bodies from signed-in staff only."""
        if not request.path_info.startswith(self.admin_prefix):
            return None
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        multipart = request.content_type == MULTIPART
        if not multipart and length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return None
        # Signed in as admin itself requires: active staff, second factor.
        if admin.site.has_permission(request):
            return None
        if multipart:
            return refusal(request, "415.html", 415, STAFF_ONLY)
        return refusal(request, "413.html", 413)
