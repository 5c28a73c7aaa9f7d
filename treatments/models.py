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


# History (django-reversion): every admin change to the content is recorded with
# who and when, and can be restored. A treatment's version includes its points.
reversion.register(Treatment, follow=["points"])
reversion.register(TreatmentPoint)
