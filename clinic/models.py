import reversion
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

    @classmethod
    def load(cls):
        """The clinic's details, or None before the fixture is loaded."""
        return cls.objects.filter(pk=cls.SINGLETON_PK).first()


# History (django-reversion): every admin change is recorded and restorable.
reversion.register(ClinicDetails)
