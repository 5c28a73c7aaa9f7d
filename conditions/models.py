import unicodedata

import reversion
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.urls import reverse

from treatments.models import CARD_FIELDS, Section, Treatment


class ConditionStatus(models.TextChoices):
    DRAFT = "draft", "Draft (hidden from the public)"
    PUBLISHED = "published", "Published"


# What the A–Z and a link to a condition page read.
LIST_FIELDS = ["name", "slug", "medical_term"]


class ConditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ConditionStatus.PUBLISHED)

    def for_az(self):
        return self.only(*LIST_FIELDS).order_by(Lower("name"), "pk")

    def for_detail(self):
        """The condition with its published treatments, in two queries."""
        return self.prefetch_related(
            Prefetch(
                "treatments",
                queryset=Treatment.objects.published().only(*CARD_FIELDS),
            )
        )


class ConditionManager(models.Manager.from_queryset(ConditionQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def point_conditions_prefetch():
    """For a treatment queryset: each point's published conditions, in one
    query (the treatment page links "What it treats" points to them)."""
    return Prefetch(
        "points__conditions",
        queryset=Condition.objects.published().only(*LIST_FIELDS).order_by("name"),
    )


CONDITION_NAME_TAKEN = (
    "Another condition already has this name (capitals aside). Choose a different name."
)


class Condition(models.Model):
    Status = ConditionStatus

    name = models.CharField(
        "plain-English name",
        max_length=100,
        help_text="What patients call it, e.g. “Achilles tendon pain”.",
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="The web address of the page: /conditions/<slug>/.",
    )
    medical_term = models.CharField(
        max_length=150,
        blank=True,
        help_text="The term clinicians use, e.g. “Achilles tendinopathy”.",
    )
    other_names = models.TextField(
        blank=True,
        help_text="Other names people use, one per line, e.g. “Achilles "
        "tendonitis”. Search finds the condition by them.",
    )
    summary = models.CharField(
        "description",
        max_length=300,
        help_text="One line in plain English: what it is and how it feels.",
    )
    treatments = models.ManyToManyField(
        Treatment,
        blank=True,
        related_name="conditions",
        help_text="Treatments that can help; shown as cards on the page.",
    )
    treatment_points = models.ManyToManyField(
        "treatments.TreatmentPoint",
        blank=True,
        related_name="conditions",
        limit_choices_to={"section": Section.INDICATIONS},
        verbose_name="“What it treats” points",
        help_text="The points on treatment pages that link to this condition.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        help_text="When a clinician last checked the names and description. "
        "Empty: not yet clinically reviewed.",
    )
    reviewed_by = models.CharField(
        max_length=260, blank=True, help_text="Name and role of the reviewer."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConditionManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "condition"
        verbose_name_plural = "conditions"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConditionStatus.values),
                name="condition_status_valid",
            ),
            models.UniqueConstraint(
                Lower("name"),
                name="condition_name_unique_ci",
                violation_error_code="name_taken",
                violation_error_message=CONDITION_NAME_TAKEN,
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("conditions:detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def other_names_list(self):
        return [line.strip() for line in self.other_names.splitlines() if line.strip()]

    @property
    def is_reviewed(self):
        return self.last_reviewed is not None

    @property
    def initial(self):
        """The A–Z letter it is listed under ("#" for a digit or symbol)."""
        first = unicodedata.normalize("NFKD", self.name[:1])[:1].upper()
        return first if "A" <= first <= "Z" else "#"


# History (django-reversion): the links to treatments and points are part of
# each version.
reversion.register(Condition)
