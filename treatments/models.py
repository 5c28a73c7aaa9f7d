import reversion
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
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
            # Who provides it (the practitioners app's reverse relation), in
            # that model's own order.
            "practitioners",
            "questions",
            "sources",
        )


class TreatmentManager(models.Manager.from_queryset(TreatmentQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


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


class GPReferral(models.TextChoices):
    NOT_NEEDED = "not_needed", "No GP referral needed"
    NEEDED = "needed", "A GP referral is needed"


# The limits staff can type for the practical details (and the database keeps).
APPOINTMENT_MINUTES_MAX = 480
PRICE_MAX = 10000


def price_field(verbose_name, help_text):
    return models.DecimalField(
        verbose_name,
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(PRICE_MAX)],
        help_text=help_text,
    )


class Treatment(models.Model):
    Status = TreatmentStatus
    GPReferral = GPReferral

    # Unique regardless of capitals: treatment_name_unique_ci below.
    name = models.CharField(max_length=100)
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
        upload_to=f"{images.ORIGINALS_DIR}/",
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
    # Made once per upload (images.store_renditions): {"webp": [{name, width,
    # height}, ...], "jpeg": {name, width, height}}.
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    # At a glance and practical details: each optional, shown only when set.
    treats_in_plain_words = models.CharField(
        "what it treats, in plain words",
        max_length=200,
        blank=True,
        help_text="One line for the “At a glance” box, e.g. “Muscle and tendon "
        "pain”. Left blank, the box lists the “What it treats” points.",
    )
    appointment_minutes = models.PositiveSmallIntegerField(
        "appointment length (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(APPOINTMENT_MINUTES_MAX)],
        help_text="How long one appointment usually lasts, in minutes.",
    )
    usual_sessions = models.CharField(
        "usual number of sessions",
        max_length=50,
        blank=True,
        help_text="In words or numbers, e.g. “3 to 6”.",
    )
    price = price_field(
        "price per appointment (£, total)",
        "The total a patient pays for one appointment, including any fee they "
        "must pay (booking or consumables): UK rules forbid adding compulsory "
        "fees later.",
    )
    first_appointment_price = price_field(
        "first appointment price (£, total)",
        "Only if the first appointment costs a different total (it often "
        "includes an assessment).",
    )
    price_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown under the price, e.g. which insurers are accepted or "
        "concessions.",
    )
    what_to_bring = models.TextField(
        "what to wear or bring",
        blank=True,
        help_text="E.g. loose clothing, a list of medicines you take.",
    )
    gp_referral = models.CharField(
        "GP referral",
        max_length=20,
        choices=GPReferral.choices,
        blank=True,
        help_text="Leave blank if it depends; say so in the price note instead.",
    )
    overview = models.TextField(help_text="Shown under “Overview”.")
    how_it_works = models.TextField(help_text="Shown under “How it works”.")
    evidence_summary = models.TextField(
        "what the evidence says",
        blank=True,
        help_text="Plain words on what research shows, written or checked by a "
        "clinician; the sources below are listed under it.",
    )
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
    # Clinical review: set when a clinical reviewer approves the page
    # (clinical_review), never typed.
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="When a clinician last approved this page."
    )
    next_review_due = models.DateField(null=True, blank=True)
    reviewed_by = models.CharField(
        max_length=260, blank=True, help_text="Name and role of the reviewer."
    )
    review_interval_months = models.PositiveSmallIntegerField(
        "review every (months)",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="When a reviewer approves the page, the next review is due "
        "this many months later.",
    )
    # The latest public "what changed" note, and the day it was approved.
    change_note = models.CharField(max_length=300, blank=True)
    changed_on = models.DateField(null=True, blank=True)
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
                condition=Q(gp_referral__in=["", *GPReferral.values]),
                name="treatment_gp_referral_valid",
            ),
            models.CheckConstraint(
                condition=Q(appointment_minutes__isnull=True)
                | Q(appointment_minutes__gte=5)
                & Q(appointment_minutes__lte=APPOINTMENT_MINUTES_MAX),
                name="treatment_appointment_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True)
                | Q(price__gte=0) & Q(price__lte=PRICE_MAX),
                name="treatment_price_range",
            ),
            models.CheckConstraint(
                condition=Q(first_appointment_price__isnull=True)
                | Q(first_appointment_price__gte=0)
                & Q(first_appointment_price__lte=PRICE_MAX),
                name="treatment_first_price_range",
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

    @property
    def has_practical_details(self):
        """Whether any practical fact a patient asks about is filled in."""
        return bool(
            self.appointment_minutes
            or self.usual_sessions
            or self.price is not None
            or self.first_appointment_price is not None
            or self.what_to_bring
            or self.gp_referral
        )


def section_rank():
    """Sections in page order (the order of `Section`), not alphabetically."""
    return models.Case(
        *[
            models.When(section=value, then=rank)
            for rank, value in enumerate(Section.values)
        ],
        output_field=models.IntegerField(),
    )


class TreatmentPointQuerySet(models.QuerySet):
    def order_by_page(self):
        """Points in page order: section as the page shows them, then order."""
        return self.order_by(section_rank(), "order", "pk")


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
        # By the treatment's id (no join), then as the page shows them.
        ordering = ["treatment_id", section_rank(), "order"]
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


class TreatmentQuestion(models.Model):
    """A question patients ask about a treatment, with the clinic's answer."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="questions"
    )
    question = models.CharField(
        max_length=200, help_text="As a patient would ask it, e.g. “Does it hurt?”"
    )
    answer = models.TextField(help_text="Plain words; a blank line starts a paragraph.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        # By the treatment's id (no join), then as the page shows them.
        ordering = ["treatment_id", "order", "pk"]
        verbose_name = "question patients ask"
        verbose_name_plural = "questions patients ask"

    def __str__(self):
        return self.question


# Only links a patient's browser opens as a web page (never javascript: or data:).
web_url = URLValidator(schemes=["http", "https"])
SOURCE_YEAR_MIN = 1900
SOURCE_YEAR_MAX = 2100


class TreatmentSource(models.Model):
    """A reference under “What the evidence says”, numbered on the page."""

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="sources"
    )
    title = models.CharField(
        max_length=300, help_text="The article or guideline title."
    )
    publisher = models.CharField("publisher or journal", max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(SOURCE_YEAR_MIN),
            MaxValueValidator(SOURCE_YEAR_MAX),
        ],
        help_text="Year of publication.",
    )
    url = models.URLField(
        "link",
        max_length=500,
        blank=True,
        validators=[web_url],
        help_text="The web address (https://...) where patients can read it.",
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Lower comes first (the page numbers them)."
    )

    class Meta:
        ordering = ["treatment_id", "order", "pk"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        constraints = [
            models.CheckConstraint(
                condition=Q(url="")
                | Q(url__istartswith="https://")
                | Q(url__istartswith="http://"),
                name="treatmentsource_url_is_web",
            ),
        ]

    def __str__(self):
        return self.title


# History (django-reversion): every admin change to the content is recorded with
# who and when, and can be restored. A treatment's version includes its points,
# questions and sources.
reversion.register(Treatment, follow=["points", "questions", "sources"])
reversion.register(TreatmentPoint)
reversion.register(TreatmentQuestion)
reversion.register(TreatmentSource)
