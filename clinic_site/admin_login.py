"""Admin sign-in: the form and the two-tier lockout (django-axes).

Two tiers, each locking for AXES_COOLOFF_TIME: ADMIN_LOCKOUT_CLIENT_FAILURES
for one username from one client (clinic_site.client), or
ADMIN_LOCKOUT_ACCOUNT_FAILURES for one username from anywhere, which stops a
guesser who changes address. Axes counts both tiers (AXES_LOCKOUT_PARAMETERS)
but compares them with one limit, so failure_limit() answers per tier.
"""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db.models import Sum
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


class AdminLoginForm(AdminAuthenticationForm):
    """Django's admin sign-in form, with the username's length checked.

    AuthenticationForm sets the field's max_length after the field is built,
    which reaches only the HTML attribute: a longer username went on to
    authenticate() and into axes' 255-character column (a 500 on PostgreSQL).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


def client_failures(request, credentials=None) -> int:
    """Recent failures for this username from this client (the first tier)."""
    handler = AxesProxyHandler.get_implementation()
    client_tier = handler.get_user_attempts(request, credentials)[0]
    return client_tier.aggregate(n=Sum("failures_since_start"))["n"] or 0


def failure_limit(request, credentials=None) -> int:
    """AXES_FAILURE_LIMIT: the limit of the tier that applies.

    Axes locks when its largest tier count reaches the limit, and the account
    tier (every failure for the username) is always the largest. So the limit
    is the client tier's once this client has reached it, else the account's.
    """
    if client_failures(request, credentials) >= settings.ADMIN_LOCKOUT_CLIENT_FAILURES:
        return settings.ADMIN_LOCKOUT_CLIENT_FAILURES
    return settings.ADMIN_LOCKOUT_ACCOUNT_FAILURES


def lockout_response(request, original_response, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the 429 page, saying which tier and what to do,
    in the admin's own frame, with Retry-After, never cached."""
    cool_off = get_cool_off(request)
    whole_account = (
        client_failures(request, credentials) < settings.ADMIN_LOCKOUT_CLIENT_FAILURES
    )
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked for now",
        "username": get_client_username(request, credentials) or "",
        "whole_account": whole_account,
        "failure_limit": (
            settings.ADMIN_LOCKOUT_ACCOUNT_FAILURES
            if whole_account
            else settings.ADMIN_LOCKOUT_CLIENT_FAILURES
        ),
        "cooloff_minutes": round(cool_off.total_seconds() / 60),
    }
    response = render(
        request,
        "admin/lockout.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    # Axes counts each attempt while locked as a failure at this moment, so
    # from this answer the lock lasts at most the cool-off, if nobody retries.
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    # It replaces the login view's response, which was never cached either.
    add_never_cache_headers(response)
    return response
