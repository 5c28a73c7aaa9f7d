"""Queries and time per page with 1,000 treatments and 100,000 enquiries.

    .venv/bin/python -m bench.scale [--treatments 1000] [--enquiries 100000]

Builds a temporary SQLite database (deleted afterwards), then requests each
page in-process with Django's test client: 5 renders with the page cache
cleared first, then 5 answered from the page cache. Prints the median time and
the SQL query count of each. No network at all.
"""

import argparse
import os
import secrets
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def setup_django(var):
    for name in ("DATABASE_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        # Plain static storage (no collectstatic needed); everything else is the
        # real settings.
        DJANGO_SETTINGS_MODULE="clinic_site.settings_test",
        DJANGO_VAR_DIR=str(var),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_LOG_LEVEL="ERROR",
    )
    import django

    # whitenoise looks for collected static files; this needs none.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()


def load(treatments, enquiries):
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from clinic.models import ClinicDetails
    from enquiries.models import Enquiry
    from treatments.models import Section, Treatment, TreatmentPoint

    call_command("migrate", "--noinput", verbosity=0)
    call_command("loaddata", "clinic", verbosity=0)
    Treatment.objects.bulk_create(
        Treatment(
            name=f"Treatment {i:04d}",
            slug=f"treatment-{i:04d}",
            summary="A short summary of the treatment.",
            overview="What it is.",
            how_it_works="How it works.",
            status=Treatment.Status.PUBLISHED,
            display_order=i,
        )
        for i in range(treatments)
    )
    ids = list(Treatment.objects.values_list("pk", flat=True))
    TreatmentPoint.objects.bulk_create(
        (
            TreatmentPoint(
                treatment_id=pk, section=section, text=f"{section} {n}", order=n
            )
            for pk in ids
            for section in Section.values
            for n in range(3)
        ),
        batch_size=2000,
    )
    first = Treatment.objects.get(pk=ids[0])
    first.related.add(*ids[1:6])
    now = timezone.now()
    Enquiry.objects.bulk_create(
        (
            Enquiry(
                reference=f"B{n:07d}",
                name="Bench Patient",
                email="bench@example.com",
                message="Bench message.",
                treatment_id=ids[n % len(ids)],
                consent_given=True,
                consent_given_at=now,
            )
            for n in range(enquiries)
        ),
        batch_size=5000,
    )
    assert ClinicDetails.load() is not None
    User.objects.create_superuser("bench", "bench@example.com", "bench-password")
    return first.slug


def measure(client, url, cacheable):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clinic_site.pagecache import clear_public_pages

    rows = []
    for cached in (False, True) if cacheable else (False,):
        times, queries = [], []
        for _ in range(RUNS):
            if not cached:
                clear_public_pages()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries.append(len(ctx.captured_queries))
        rows.append((cached, statistics.median(times), max(queries)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--treatments", type=int, default=1000)
    parser.add_argument("--enquiries", type=int, default=100_000)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="clinic-scale-"))
    try:
        setup_django(var)
        from django.contrib.auth.models import User
        from django.test import Client

        started = time.perf_counter()
        slug = load(args.treatments, args.enquiries)
        print(
            f"loaded {args.treatments} treatments (18 points each) and "
            f"{args.enquiries} enquiries into SQLite in "
            f"{time.perf_counter() - started:.1f}s"
        )
        anonymous, staff = Client(), Client()
        staff.force_login(User.objects.get(username="bench"))
        pages = [
            ("treatment list", anonymous, "/treatments/"),
            ("treatment page", anonymous, f"/treatments/{slug}/"),
            ("admin enquiries", staff, "/admin/enquiries/enquiry/"),
        ]
        print(f"{'page':16} {'served':9} {'median ms':>10} {'queries':>8}")
        for name, client, url in pages:
            # Staff pages (admin) are never cached.
            for cached, ms, queries in measure(client, url, client is anonymous):
                served = "cache" if cached else "rendered"
                print(f"{name:16} {served:9} {ms:10.1f} {queries:8d}")
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
