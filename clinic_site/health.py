"""Health checks: one for the load balancer, one for monitoring.

- `/healthz/` answers 200 while this host can serve patients, which needs
  the database and nothing else. The site survives a Redis outage (pages are
  rendered afresh), so the cache is not checked here: a Redis outage must not
  take every host out of the load balancer at once.
- `/healthz/deep/` reports each dependency (database, cache, mail backlog) as
  JSON, 503 when any fails, for monitoring and alerts.

Both: no session, no template, never cached, no personal data (the backlog is
a count), exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT).
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from enquiries.models import Enquiry

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache():
    # A key of its own, so checks running at once never disagree.
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise LookupError("the cache did not keep a value")
    cache.delete(key)
    return {}


def check_mail_backlog():
    """Enquiries whose notification is still unsent after the allowed delay:
    the sender process is down or mail keeps failing."""
    minutes = settings.HEALTH_MAIL_BACKLOG_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    late = Enquiry.objects.filter(
        notification_sent_at__isnull=True, created_at__lt=cutoff
    ).count()
    if late:
        raise LookupError(f"{late} notification(s) unsent after {minutes} minutes")
    return {"unsent_over_minutes": minutes, "count": 0}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "mail_backlog": check_mail_backlog,
}


def run_check(name):
    """(ok, report) for one dependency; failures are logged by name and type."""
    started = time.perf_counter()
    try:
        details = CHECKS[name]()
        ok = True
    except Exception as exc:
        logger.error("Health check: %s failed: %s", name, type(exc).__name__)
        # LookupError messages are ours (counts); others may quote a server.
        reason = str(exc) if isinstance(exc, LookupError) else type(exc).__name__
        details = {"error": reason}
        ok = False
    took = round((time.perf_counter() - started) * 1000, 1)
    return ok, {"ok": ok, "ms": took, **details}


@csrf_exempt
@never_cache
@require_safe
def healthz(request):
    """200 `ok` while the host can serve (the database answers), else 503."""
    ok, _ = run_check("database")
    if not ok:
        return HttpResponse(
            "unavailable: database\n", content_type="text/plain", status=503
        )
    return HttpResponse("ok\n", content_type="text/plain")


@csrf_exempt
@never_cache
@require_safe
def healthz_deep(request):
    """Each dependency with its result and time; 503 naming what failed."""
    results = {name: run_check(name) for name in CHECKS}
    failed = [name for name, (ok, _) in results.items() if not ok]
    return JsonResponse(
        {
            "status": "fail" if failed else "ok",
            "failed": failed,
            "checks": {name: report for name, (_, report) in results.items()},
        },
        status=503 if failed else 200,
    )
