import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from enquiries.services import enquiries_notify_pending

logger = logging.getLogger("enquiries.services")


class Command(BaseCommand):
    help = (
        "Email the clinic about enquiries whose notification has not been sent. "
        "The website never emails during a patient's request: run this with "
        "--loop as a process of its own (make run, make stack and the systemd "
        "unit do), or without it from cron. Safe to run twice at once: each "
        "enquiry is claimed before it is sent, so none is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Send at most this many in one pass (default 500).",
        )
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep going: a pass every --every seconds until SIGTERM or "
            "Ctrl+C (which let the pass in progress finish).",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=5.0,
            help="Seconds between passes with --loop (default 5).",
        )
        parser.add_argument(
            "--passes",
            type=int,
            default=0,
            help="With --loop, stop after this many passes (default 0: never).",
        )

    def handle(self, *args, limit, loop, every, passes, **options):
        if not loop:
            self._pass(limit)
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Sending pending notifications every {every:g} s.")
        done, last_pending = 0, None
        while not stop.is_set():
            try:
                last_pending = self._pass(limit, quiet_if_pending=last_pending)
            except DatabaseError as exc:
                # The database is away: try again next pass, don't die.
                logger.warning("Notification pass failed (%s).", type(exc).__name__)
                last_pending = None
            done += 1
            if passes and done >= passes:
                break
            stop.wait(every)
        self.stdout.write("Notification sender stopped.")

    def _pass(self, limit, quiet_if_pending=None):
        """One pass; says what it did unless it only repeats the last pass."""
        # A long-running process: drop a connection the database has closed
        # (not inside a caller's transaction, which that would end).
        if not connection.in_atomic_block:
            close_old_connections()
        sent, pending = enquiries_notify_pending(limit=limit)
        if sent or pending != quiet_if_pending:
            self.stdout.write(f"Sent {sent} notification(s); {pending} still pending.")
            self.stdout.flush()
        return pending
