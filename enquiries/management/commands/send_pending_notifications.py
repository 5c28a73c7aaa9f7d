from django.core.management.base import BaseCommand

from enquiries.services import enquiries_notify_pending


class Command(BaseCommand):
    help = (
        "Email the clinic about enquiries whose notification has not been sent "
        "(mail was down, say). Safe to run from cron, and twice at once: each "
        "enquiry is claimed before it is sent, so none is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Send at most this many in one run (default 500).",
        )

    def handle(self, *args, limit, **options):
        sent, pending = enquiries_notify_pending(limit=limit)
        self.stdout.write(f"Sent {sent} notification(s); {pending} still pending.")
