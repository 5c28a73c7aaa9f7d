from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.urls import reverse

from . import images


class TreatmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft (hidden from the public)"
    PUBLISHED = "published", "Published"


class Section(models.TextChoices):
    """The sectioned lists of a treatment page, in page order."""

    INDICATIONS = "indications", "What it treats"
    BENEFITS = "benefits", "Benefits"
    LIMITATIONS = "limitations", "Limitations"
    SIDE_EFFECTS = "side_effects", "Side effects & considerations"
    PROCEDURE = "procedure", "Procedure"
    AFTERCARE = "aftercare", "Aftercare"


# What a treatment card (treatments/includes/_card.html) reads.
CARD_FIELDS = [
    "name",
    "slug",
    "summary",
    "display_order",
    "image",
    "image_alt",
    "image_renditions",
]


class TreatmentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=TreatmentStatus.PUBLISHED)

    def for_detail(self):
        """Everything the treatment page shows, in a fixed number of queries."""
        return self.prefetch_related(
            Prefetch("points", queryset=TreatmentPoint.objects.order_by_page()),
            Prefetch(
                "related",
                queryset=Treatment.objects.published().only(*CARD_FIELDS),
            ),
        )


class TreatmentManager(models.Manager.from_queryset(TreatmentQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


@dataclass
class PageSection:
    """One h2 section of a treatment page, built by `Treatment.page_sections()`."""

    anchor: str
    heading: str
    text: str = ""
    # (sub-heading or "", [points]) pairs; procedure & aftercare has two.
    lists: list = field(default_factory=list)
    # Points that say who should not have the treatment, shown as a callout.
    cautions: list = field(default_factory=list)


# The treatment page, top to bottom: (anchor, heading, text field, lists), where
# lists are (sub-heading, section) pairs.
PAGE_LAYOUT = [
    ("overview", "Overview", "overview", []),
    ("what-it-treats", "What it treats", None, [("", Section.INDICATIONS)]),
    ("how-it-works", "How it works", "how_it_works", []),
    ("benefits", "Benefits", None, [("", Section.BENEFITS)]),
    ("limitations", "Limitations", None, [("", Section.LIMITATIONS)]),
    (
        "side-effects",
        "Side effects & considerations",
        None,
        [("", Section.SIDE_EFFECTS)],
    ),
    (
        "procedure-and-aftercare",
        "Procedure & aftercare",
        None,
        [("At your appointment", Section.PROCEDURE), ("Aftercare", Section.AFTERCARE)],
    ),
]


# What staff read in admin when a rule is broken (constraints and clean()).
TREATMENT_NAME_TAKEN = (
    "Another treatment already has this name (capitals aside). Choose a different name."
)
TREATMENT_REVIEW_DUE_BEFORE_REVIEWED = (
    "Next review due must be on or after the last review date."
)
TREATMENT_RELATED_TO_ITSELF = (
    "A treatment cannot be related to itself. Choose other treatments."
)


class Treatment(models.Model):
    Status = TreatmentStatus

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The web address of the page: /treatments/<slug>/.",
    )
    summary = models.CharField(
        max_length=160,
        help_text="One or two sentences shown on cards and to search engines "
        "(160 characters at most).",
    )
    image = models.ImageField(
        upload_to="treatments/",
        blank=True,
        help_text="Optional photo at the top of the page and on its card: a "
        "JPEG, PNG or WebP file, at most 5 MB and 6,000 × 6,000 pixels. "
        "Location data and other metadata are removed when it is saved.",
    )
    image_alt = models.CharField(
        "image description (alt text)",
        max_length=250,
        blank=True,
        help_text="What the photo shows, for people who cannot see it. "
        "Needed whenever there is an image.",
    )
    # Made once per upload (treatments/images.py): {"webp": [{name, width,
    # height}, ...], "jpeg": {name, width, height}}.
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    overview = models.TextField(help_text="Shown under “Overview”.")
    how_it_works = models.TextField(help_text="Shown under “How it works”.")
    related = models.ManyToManyField(
        "self",
        blank=True,
        help_text="Treatments this one is complementary to; shown at the end "
        "of the page.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    display_order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers are listed first."
    )
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="When a clinician last checked this page."
    )
    next_review_due = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField(
        max_length=100, blank=True, help_text="Name and role of the reviewer."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TreatmentManager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = "treatment"
        verbose_name_plural = "treatments"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TreatmentStatus.values),
                name="treatment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(last_reviewed__isnull=True)
                | Q(next_review_due__gte=models.F("last_reviewed")),
                name="treatment_review_due_after_reviewed",
                violation_error_code="review_due_before_reviewed",
                violation_error_message=TREATMENT_REVIEW_DUE_BEFORE_REVIEWED,
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="treatment_image_has_alt",
                violation_error_message="Describe the image in its alt text.",
            ),
            # "DRY NEEDLING" beside "Dry needling" would be two pages that
            # patients cannot tell apart.
            models.UniqueConstraint(
                Lower("name"),
                name="treatment_name_unique_ci",
                violation_error_code="name_taken",
                violation_error_message=TREATMENT_NAME_TAKEN,
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("treatments:detail", kwargs={"slug": self.slug})

    def clean(self):
        """The constraints' rules, with each message on its own field in forms
        (a constraint's error would show above the form, away from the field).
        Relating a treatment to itself is refused by the admin form: related
        treatments are set after the model is cleaned."""
        super().clean()
        errors = {}
        if (
            self.last_reviewed
            and self.next_review_due
            and self.next_review_due < self.last_reviewed
        ):
            errors["next_review_due"] = ValidationError(
                TREATMENT_REVIEW_DUE_BEFORE_REVIEWED, code="review_due_before_reviewed"
            )
        if self.name:
            others = Treatment.objects.all()
            if self.pk is not None:
                others = others.exclude(pk=self.pk)
            # The same comparison as treatment_name_unique_ci.
            if others.filter(Exact(Lower("name"), Lower(Value(self.name)))).exists():
                errors["name"] = ValidationError(
                    TREATMENT_NAME_TAKEN, code="name_taken"
                )
        if errors:
            raise ValidationError(errors)

    def natural_key(self):
        return (self.slug,)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def picture(self):
        """The image's renditions for a <picture> element, or None."""
        if not self.image or not self.image_renditions:
            return None
        return images.Picture.from_renditions(self.image_renditions, self.image_alt)

    def page_sections(self):
        """The page's sections in the seed's order, leaving out empty ones.

        Reads `self.points.all()`, so after `for_detail()` it costs no query.
        """
        by_section = {section: [] for section in Section.values}
        for point in self.points.all():
            by_section[point.section].append(point)
        sections = []
        for anchor, heading, text_field, parts in PAGE_LAYOUT:
            lists, cautions = [], []
            for label, section in parts:
                points = by_section[section]
                listed = [p for p in points if not p.is_contraindication]
                if listed:
                    lists.append((label, listed))
                cautions += [p for p in points if p.is_contraindication]
            text = getattr(self, text_field) if text_field else ""
            if text or lists or cautions:
                sections.append(PageSection(anchor, heading, text, lists, cautions))
        return sections


class TreatmentPointQuerySet(models.QuerySet):
    def order_by_page(self):
        """Points in page order: section as the page shows them, then order."""
        section_rank = models.Case(
            *[
                models.When(section=value, then=rank)
                for rank, value in enumerate(Section.values)
            ],
            output_field=models.IntegerField(),
        )
        return self.order_by(section_rank, "order", "pk")


class TreatmentPointManager(models.Manager.from_queryset(TreatmentPointQuerySet)):
    def get_by_natural_key(self, treatment_slug, section, order):
        return self.get(treatment__slug=treatment_slug, section=section, order=order)


class TreatmentPoint(models.Model):
    """One bullet of a sectioned list on a treatment page."""

    Section = Section
    # Orders staff type stay at or below this; numbers above it are free for
    # moving points out of each other's way while a reordering is saved.
    ORDER_MAX = 9999

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="points"
    )
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.CharField(max_length=500)
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within its section; lower comes first."
    )
    is_contraindication = models.BooleanField(
        "says who should not have it",
        default=False,
        help_text="Tick for a point that says who the treatment is not suitable "
        "for: it is shown in a highlighted safety box.",
    )

    objects = TreatmentPointManager()

    class Meta:
        ordering = ["treatment", "section", "order"]
        verbose_name = "treatment point"
        verbose_name_plural = "treatment points"
        constraints = [
            models.UniqueConstraint(
                fields=["treatment", "section", "order"],
                name="treatmentpoint_unique_order_in_section",
            ),
            models.CheckConstraint(
                condition=Q(section__in=Section.values),
                name="treatmentpoint_section_valid",
            ),
        ]

    def __str__(self):
        return self.text

    def natural_key(self):
        return (*self.treatment.natural_key(), self.section, self.order)

    natural_key.dependencies = ["treatments.treatment"]


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
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"
        ordering = ["pk"]
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

    def address_lines(self):
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    def opening_hours_lines(self):
        return [
            line.strip() for line in self.opening_hours.splitlines() if line.strip()
        ]


class EnquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CLOSED = "closed", "Closed"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class Enquiry(models.Model):
    """What a patient sent through the enquiry form. Personal health data:
    never put its message, phone or name into an email, a log line or a URL."""

    Status = EnquiryStatus
    ContactMethod = ContactMethod
    # What the patient fills in, in the order of the form.
    PATIENT_FIELDS = [
        "name",
        "email",
        "phone",
        "preferred_contact",
        "treatment",
        "message",
    ]

    reference = models.CharField(
        max_length=12,
        unique=True,
        editable=False,
        help_text="Given to the patient on the thanks page; quote it on the phone.",
    )
    submission_token = models.UUIDField(
        unique=True,
        null=True,
        editable=False,
        help_text="One per form shown, so a double-clicked submit saves once.",
    )
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=30, blank=True)
    preferred_contact = models.CharField(
        "preferred contact method",
        max_length=5,
        choices=ContactMethod.choices,
        default=ContactMethod.EMAIL,
    )
    treatment = models.ForeignKey(
        Treatment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries",
        help_text="The treatment the patient asked about, if any. Kept empty "
        "if that treatment is deleted.",
    )
    message = models.TextField(max_length=5000)
    consent_given = models.BooleanField(default=False)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EnquiryStatus.choices, default=EnquiryStatus.NEW
    )
    staff_notes = models.TextField(
        blank=True, help_text="Internal notes; never shown to the patient."
    )
    created_at = models.DateTimeField("received", auto_now_add=True)
    notification_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the clinic was emailed about this enquiry; empty while "
        "the email is still to be sent.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "enquiry"
        verbose_name_plural = "enquiries"
        indexes = [
            models.Index(fields=["status", "-created_at"], name="enquiry_status_idx"),
            models.Index(fields=["-created_at"], name="enquiry_created_idx"),
            models.Index(
                fields=["notification_sent_at"],
                name="enquiry_unsent_idx",
                condition=Q(notification_sent_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EnquiryStatus.values),
                name="enquiry_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(preferred_contact__in=ContactMethod.values),
                name="enquiry_preferred_contact_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent_given=True, consent_given_at__isnull=False),
                name="enquiry_consent_recorded",
            ),
        ]

    def __str__(self):
        return f"Enquiry {self.reference}"


class SubmissionCount(models.Model):
    """Accepted enquiries per client per time window, for the rate limit.

    Counted in the database, in the same transaction as the enquiry itself, so
    every gunicorn worker and every host shares one exact count and a failed
    save never uses up a patient's allowance. The key is a keyed hash of the
    client's IP address, never the address itself.
    """

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-window_start"]
        verbose_name = "submission count"
        verbose_name_plural = "submission counts"
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="submissioncount_unique_window"
            ),
        ]

    def __str__(self):
        return f"{self.count} since {self.window_start:%Y-%m-%d %H:%M}"


# History (django-reversion): every admin change to the content is recorded with
# who and when, and can be restored. A treatment's version includes its points.
# Enquiry is deliberately NOT registered: patients' messages must never be
# copied into history tables.
reversion.register(Treatment, follow=["points"])
reversion.register(TreatmentPoint)
reversion.register(ClinicDetails)
