import reversion
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q


class ClinicDetails(models.Model):
    """The clinic's contact details: a single row, edited in admin."""

    SINGLETON_PK = 1

    name = models.CharField(max_length=100)
    phone = models.CharField(max_length=30)
    email = models.EmailField(help_text="Shown to patients.")
    enquiry_notification_email = models.EmailField(
        "notify enquiries to",
        help_text="New enquiries are announced to this address (reference and "
        "a link to admin only, never the patient's message).",
    )
    address = models.TextField(help_text="One line per line of the address.")
    opening_hours = models.TextField(help_text="One line per day or range of days.")
    urgent_care_notice = models.TextField(
        help_text="Shown in the footer and beside the enquiry form: who to call "
        "when it cannot wait."
    )
    reply_within_working_days = models.PositiveSmallIntegerField(
        "reply to enquiries within (working days)",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="The promise on the enquiry and thanks pages. An enquiry's "
        "reply is due by the end of this many working days after the day it "
        "arrives (Saturdays, Sundays and the closed days below do not count).",
    )
    # Premises and access (the /visit/ page): each optional, shown when set.
    how_to_get_here = models.TextField(
        "how to get here",
        blank=True,
        help_text="Directions in plain words: landmarks, which entrance, floor.",
    )
    public_transport = models.TextField(
        blank=True, help_text="Nearest bus stops and stations, and how far."
    )
    parking = models.TextField(
        blank=True,
        help_text="Where to park, any cost, and Blue Badge spaces.",
    )
    step_free_access = models.TextField(
        "step-free access",
        blank=True,
        help_text="Whether a wheelchair user can get from the street to the "
        "treatment room without steps (ramp, lift, door widths).",
    )
    accessible_toilet = models.TextField(
        "accessible toilet", blank=True, help_text="Whether there is one, and where."
    )
    hearing_loop = models.TextField(
        "hearing loop", blank=True, help_text="Whether reception has a hearing loop."
    )
    other_facilities = models.TextField(
        blank=True,
        help_text="Anything else that helps: a quiet waiting area, baby "
        "changing, a chaperone on request.",
    )
    map_url = models.URLField(
        "map link",
        max_length=500,
        blank=True,
        # Only a web page opens for patients (never javascript: or data:).
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A link to the clinic on a map service (https://...). It is "
        "shown as a plain link: no map is embedded in the site.",
    )

    class Meta:
        # The table keeps the name it had in the treatments app, so existing
        # installs keep their row and old and new code can run side by side.
        db_table = "treatments_clinicdetails"
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"
        ordering = ["pk"]
        # Where enquiry notifications go is not content: changing it could
        # send every new enquiry's notice elsewhere. Superusers have it; give
        # it to others one by one (no group has it).
        permissions = [
            (
                "change_notification_email",
                "Can change where enquiry notifications go",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="clinicdetails_single_row"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @property
    def access_facts(self):
        """(label, text) of the access facts staff filled in, in page order."""
        facts = [
            ("Step-free access", self.step_free_access),
            ("Accessible toilet", self.accessible_toilet),
            ("Hearing loop", self.hearing_loop),
            ("Other facilities", self.other_facilities),
        ]
        return [(label, text) for label, text in facts if text.strip()]

    @classmethod
    def load(cls):
        """The clinic's details, or None before the fixture is loaded."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first()


class ClosedDay(models.Model):
    """A weekday the clinic is closed (a bank holiday, training): not a
    working day for the enquiry reply promise."""

    clinic = models.ForeignKey(
        ClinicDetails, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(unique=True)
    description = models.CharField(
        max_length=100, blank=True, help_text="For example, “Boxing Day”."
    )

    class Meta:
        ordering = ["date"]
        verbose_name = "closed day"
        verbose_name_plural = "closed days"

    def __str__(self):
        return f"{self.date:%d %B %Y}"


# History (django-reversion): every admin change is recorded and restorable.
reversion.register(ClinicDetails)
reversion.register(ClosedDay)
