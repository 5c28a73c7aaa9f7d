"""Who is asking: the client's address behind the trusted proxies."""

import hashlib
import hmac

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP address, for the enquiry rate limit and the admin
    login throttle (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT), the client is the
    Nth address from the right of X-Forwarded-For; otherwise REMOTE_ADDR.
    """
    ip = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            ip = forwarded[-proxies]
    return ip


def client_key(request) -> str:
    """A keyed hash of the client's IP address: rate-limits without storing it."""
    return hmac.new(
        settings.SECRET_KEY.encode(), client_ip(request).encode(), hashlib.sha256
    ).hexdigest()
