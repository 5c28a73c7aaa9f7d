from django.conf import settings
from django.core.management.base import BaseCommand

from enquiries.services import enquiries_purge


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete enquiries received more than DAYS days ago: by default the "
        "retention period the privacy page states (DJANGO_ENQUIRY_RETENTION_DAYS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            dest="days",
            type=positive_int,
            default=None,
            metavar="DAYS",
            help="Delete enquiries received more than this many days ago (1 or "
            "more; default: DJANGO_ENQUIRY_RETENTION_DAYS).",
        )

    def handle(self, *args, days, **options):
        if days is None:
            days = settings.ENQUIRY_RETENTION_DAYS
        deleted = enquiries_purge(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} enquiries older than {days} days.")
