"""Working days for the clinic's reply promise: Monday to Friday, less the
clinic's closed days."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

# More than a year of closed days in a row is a mistake, not a calendar:
# the count stops there.
MAX_DAYS_AHEAD = 400
# Before the clinic details exist (the model field default says the same).
DEFAULT_WORKING_DAYS = 2


def reply_due(received_at: datetime, working_days: int, closed: set[date]) -> datetime:
    """When a reply to something received at `received_at` is due: midnight
    (local time) after the `working_days`-th working day following the day
    it arrived. Received Monday with a two-day promise: due by the end of
    Wednesday; received Saturday: by the end of Tuesday."""
    day = timezone.localtime(received_at).date()
    counted = 0
    for _ in range(MAX_DAYS_AHEAD):
        if counted >= working_days:
            break
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            counted += 1
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def clinic_calendar(since: date):
    """(promised working days, closed days after `since`): what
    `reply_due` needs, from the clinic details, in two queries."""
    from .models import ClinicDetails, ClosedDay

    clinic = ClinicDetails.load()
    days = clinic.reply_within_working_days if clinic else DEFAULT_WORKING_DAYS
    closed = set(
        ClosedDay.objects.filter(date__gt=since).values_list("date", flat=True)
    )
    return days, closed


def clinic_reply_due(received_at: datetime) -> datetime:
    """`reply_due` with the clinic's own promise and closed days."""
    days, closed = clinic_calendar(timezone.localtime(received_at).date())
    return reply_due(received_at, days, closed)
