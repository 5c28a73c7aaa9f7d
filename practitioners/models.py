import datetime

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from treatments import images

# Where practitioner photos and their renditions are stored.
PHOTOS_DIR = "practitioners"
PHOTO_RENDITIONS_DIR = "practitioners/renditions"
# A register check older than this is flagged to staff (never hidden).
REGISTER_CHECK_MAX_AGE = datetime.timedelta(days=365)


class Profession(models.TextChoices):
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    DOCTOR = "doctor", "Doctor"
    NURSE = "nurse", "Nurse"
    PHARMACIST = "pharmacist", "Pharmacist"
    OSTEOPATH = "osteopath", "Osteopath"
    CHIROPRACTOR = "chiropractor", "Chiropractor"
    PODIATRIST = "podiatrist", "Podiatrist"
    OTHER = "other", "Other"


class Regulator(models.TextChoices):
    HCPC = "HCPC", "Health and Care Professions Council (HCPC)"
    GMC = "GMC", "General Medical Council (GMC)"
    NMC = "NMC", "Nursing and Midwifery Council (NMC)"
    GPHC = "GPhC", "General Pharmaceutical Council (GPhC)"
    GOSC = "GOsC", "General Osteopathic Council (GOsC)"
    GCC = "GCC", "General Chiropractic Council (GCC)"
    OTHER = "other", "Another register"


# Each regulator's public "check the register" page, where patients search by
# name or number.
REGISTER_URLS = {
    Regulator.HCPC: "https://www.hcpc-uk.org/check-the-register/",
    Regulator.GMC: "https://www.gmc-uk.org/registrants",
    Regulator.NMC: "https://www.nmc.org.uk/registration/search-the-register/",
    Regulator.GPHC: "https://www.pharmacyregulation.org/registers",
    Regulator.GOSC: "https://www.osteopathy.org.uk/register-search/",
    Regulator.GCC: "https://www.gcc-uk.org/search-the-register",
}

registration_number_format = RegexValidator(
    r"\A[A-Z0-9]{4,12}\Z",
    "Type the number as the register shows it: 4 to 12 capital letters and "
    "digits, no spaces (e.g. PH123456).",
    code="registration_number_format",
)


class PractitionerQuerySet(models.QuerySet):
    def for_team_page(self):
        """Everyone, each with the published treatments they provide."""
        from treatments.models import Treatment

        return self.prefetch_related(
            models.Prefetch(
                "treatments",
                queryset=Treatment.objects.published().only("name", "slug"),
            )
        )

    def register_check_due(self, today=None):
        """Registered practitioners whose register check is missing or old."""
        today = today or timezone.localdate()
        return self.filter(
            Q(register_checked_on__isnull=True)
            | Q(register_checked_on__lt=today - REGISTER_CHECK_MAX_AGE)
        )


class Practitioner(models.Model):
    Profession = Profession
    Regulator = Regulator

    name = models.CharField(
        max_length=100, help_text="As patients should see it, e.g. “Dr A. Example”."
    )
    profession = models.CharField(max_length=20, choices=Profession.choices)
    regulator = models.CharField(
        max_length=10,
        choices=Regulator.choices,
        blank=True,
        help_text="The body whose public register lists them. Leave blank if "
        "they are not on a register: the page then says nothing about one.",
    )
    registration_number = models.CharField(
        max_length=12,
        blank=True,
        validators=[registration_number_format],
        help_text="As on the register (spaces are removed, letters made "
        "capitals). Needed with a regulator: the page never says “registered” "
        "without it.",
    )
    other_register_url = models.URLField(
        "register web address (another register only)",
        max_length=300,
        blank=True,
        # Only a web page opens for patients (never javascript: or ftp:).
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="For “Another register”: the https:// page where patients "
        "can check the number.",
    )
    register_checked_on = models.DateField(
        "register last checked on",
        null=True,
        blank=True,
        help_text="When staff last looked them up on the register. Staff are "
        "reminded on the admin home page after 12 months.",
    )
    photo = models.ImageField(
        upload_to=f"{PHOTOS_DIR}/",
        blank=True,
        help_text="Optional: a JPEG, PNG or WebP file, at most 5 MB. Location "
        "data and other metadata are removed when it is saved.",
    )
    photo_alt = models.CharField(
        "photo description (alt text)",
        max_length=250,
        blank=True,
        help_text="What the photo shows, e.g. “Alex Example smiling, in clinic "
        "uniform”. Needed whenever there is a photo.",
    )
    photo_renditions = models.JSONField(default=dict, blank=True, editable=False)
    bio = models.TextField(
        max_length=1500,
        blank=True,
        help_text="A few sentences: training, experience, what they treat.",
    )
    treatments = models.ManyToManyField(
        "treatments.Treatment",
        blank=True,
        related_name="practitioners",
        help_text="Shown as “Who provides this treatment” on each page.",
    )
    display_order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers are listed first."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name", "pk"]
        verbose_name = "practitioner"
        verbose_name_plural = "practitioners"
        constraints = [
            models.CheckConstraint(
                condition=Q(profession__in=Profession.values),
                name="practitioner_profession_valid",
            ),
            models.CheckConstraint(
                condition=Q(regulator__in=["", *Regulator.values]),
                name="practitioner_regulator_valid",
            ),
            # Never "registered" without a number, nor a number without whom.
            models.CheckConstraint(
                condition=Q(regulator="", registration_number="")
                | (~Q(regulator="") & ~Q(registration_number="")),
                name="practitioner_registration_complete",
            ),
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""),
                name="practitioner_photo_has_alt",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.regulator and not self.registration_number:
            errors["registration_number"] = (
                "Give the registration number, or leave the regulator blank."
            )
        if self.registration_number and not self.regulator:
            errors["regulator"] = "Choose the register this number is on."
        if self.regulator == Regulator.OTHER and not self.other_register_url:
            errors["other_register_url"] = (
                "Give the web address where patients can check this register."
            )
        if self.photo and not self.photo_alt.strip():
            errors["photo_alt"] = "Describe the photo for people who cannot see it."
        if errors:
            raise ValidationError(errors)

    @property
    def is_registered(self):
        return bool(self.regulator and self.registration_number)

    @property
    def register_url(self):
        """The public register where patients can check the number, or ""."""
        if not self.is_registered:
            return ""
        if self.regulator == Regulator.OTHER:
            return self.other_register_url
        return REGISTER_URLS.get(self.regulator, "")

    @property
    def regulator_short_name(self):
        if self.regulator == Regulator.OTHER:
            return "the register"
        return self.regulator

    def register_check_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.register_checked_on is None or (
            self.register_checked_on < today - REGISTER_CHECK_MAX_AGE
        )

    def schema_org(self):
        """schema.org `Person`, its registration as `hasCredential`."""
        person = {
            "@type": "Person",
            "name": self.name,
            "jobTitle": self.get_profession_display(),
        }
        if self.is_registered:
            credential = {
                "@type": "EducationalOccupationalCredential",
                "credentialCategory": "Professional registration",
                "name": f"{self.get_regulator_display()} registration",
                "identifier": self.registration_number,
            }
            if self.regulator != Regulator.OTHER:
                credential["recognizedBy"] = {
                    "@type": "Organization",
                    "name": self.get_regulator_display(),
                }
            if self.register_url:
                credential["url"] = self.register_url
            person["hasCredential"] = credential
        return person

    def picture(self):
        return images.picture(self.photo, self.photo_renditions, self.photo_alt)


# History (django-reversion): every admin change is recorded and restorable.
reversion.register(Practitioner)
