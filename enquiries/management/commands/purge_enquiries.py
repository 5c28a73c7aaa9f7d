from django.core.management.base import BaseCommand, CommandError

from enquiries.services import enquiries_purge


def positive_int(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete enquiries received more than DAYS days ago, for the retention "
        "period the privacy page states (DJANGO_ENQUIRY_RETENTION_DAYS)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            dest="days",
            type=positive_int,
            required=True,
            metavar="DAYS",
            help="Delete enquiries received more than this many days ago (1 or more).",
        )

    def handle(self, *args, days, **options):
        if days < 1:  # pragma: no cover - argparse has already refused it
            raise CommandError("--older-than must be 1 or more")
        deleted = enquiries_purge(older_than_days=days)
        self.stdout.write(f"Deleted {deleted} enquiries older than {days} days.")
