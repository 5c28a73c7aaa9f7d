from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic_site.site_url import absolute_url
from clinical_review import todo

# (attribute of ToDo, heading in the email, word in the subject)
SECTIONS = [
    ("waiting", "Waiting for your approval", "waiting for approval"),
    ("sent_back", "Sent back by a reviewer: change and save again", "sent back"),
    ("overdue", "Review overdue", "overdue"),
    ("never_reviewed", "Published but never clinically reviewed", "never reviewed"),
    ("due_soon", "Review due within {days} days", "due soon"),
]


def day(value):
    return f"{value.day} {value:%B %Y}"


def reminder(items):
    """(subject, body) of one staff member's reminder: page titles, dates
    and absolute admin links only."""
    days = settings.CLINICAL_REVIEW_DUE_SOON_DAYS
    counts = []
    lines = ["Clinical review of the clinic's pages: what is yours to do.", ""]
    for attribute, heading, word in SECTIONS:
        entries = getattr(items, attribute)
        if not entries:
            continue
        counts.append(f"{len(entries)} {word}")
        lines.append(f"{heading.format(days=days)} ({len(entries)}):")
        for entry in entries:
            when = ""
            if entry.due:
                was = "was " if attribute == "overdue" else ""
                when = f" ({was}due {day(entry.due)})"
            lines.append(f"- {entry.title}{when}")
            lines.append(f"  {absolute_url(entry.url)}")
        lines.append("")
    lines.append(
        "You get this because you edit or approve the clinic's treatment pages; "
        "the same list is on the admin home page."
    )
    return "Clinical review: " + ", ".join(counts), "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Email each active content editor and clinical reviewer what is theirs "
        "to do: pages whose review is due within CLINICAL_REVIEW_DUE_SOON_DAYS, "
        "overdue or never done, changes waiting for approval (reviewers) and "
        "changes sent back (editors). Titles and admin links only; nobody with "
        "nothing to do gets an email. Run it once a week from cron."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        sent = failed = 0
        errors = set()
        for user, editor, reviewer in todo.staff_with_roles():
            if not user.email:
                continue
            items = todo.for_user(user, today, editor=editor, reviewer=reviewer)
            if not items:
                continue
            subject, body = reminder(items)
            try:
                # The default connection: EMAIL_TIMEOUT bounds every SMTP step.
                send_mail(
                    subject=subject,
                    message=body,
                    from_email=None,
                    recipient_list=[user.email],
                )
            except Exception as exc:
                # The type only, as for notifications: SMTP errors quote
                # addresses. The others still get theirs.
                failed += 1
                errors.add(type(exc).__name__)
                continue
            sent += 1
        if failed:
            raise CommandError(
                f"Review reminders: {sent} sent, {failed} not sent "
                f"({', '.join(sorted(errors))})."
            )
        self.stdout.write(f"Review reminders sent: {sent}.")
