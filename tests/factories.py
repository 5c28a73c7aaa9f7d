import datetime

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from clinic.models import ClinicDetails
from conditions.models import Condition
from enquiries.models import Enquiry
from practitioners.models import Practitioner
from treatments.models import Section, Treatment, TreatmentPoint


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Treatment {n}")
    slug = factory.Sequence(lambda n: f"treatment-{n}")
    summary = "A short summary of the treatment."
    overview = "What the treatment is."
    how_it_works = "How the treatment works."
    status = Treatment.Status.PUBLISHED
    display_order = factory.Sequence(lambda n: n)
    last_reviewed = datetime.date(2026, 1, 15)
    next_review_due = datetime.date(2027, 1, 15)


class TreatmentPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentPoint

    treatment = factory.SubFactory(TreatmentFactory)
    section = Section.BENEFITS
    text = factory.Sequence(lambda n: f"Point number {n}")
    order = factory.Sequence(lambda n: n)


class ClinicDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicDetails
        django_get_or_create = ["id"]

    id = ClinicDetails.SINGLETON_PK
    name = "Test Clinic"
    phone = "01632 960001"
    email = "clinic@test.example"
    enquiry_notification_email = "staff@test.example"
    address = "2 Test Road\nTestville\nTE5 7ST"
    opening_hours = "Monday to Friday: 9am to 5pm"
    urgent_care_notice = "This form is not for emergencies. Call 999."


def make_treatment_with_points(per_section, **kwargs):
    """A published treatment with `per_section` points in every section."""
    treatment = TreatmentFactory(**kwargs)
    TreatmentPoint.objects.bulk_create(
        TreatmentPoint(
            treatment=treatment,
            section=section,
            text=f"{section} point {i}",
            order=i,
        )
        for section in Section.values
        for i in range(per_section)
    )
    return treatment


class EnquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enquiry

    reference = factory.Sequence(lambda n: f"TEST-{n:04d}")
    name = "Pat Patient"
    email = "pat@example.com"
    phone = ""
    message = "My knee hurts when I climb stairs."
    consent_given = True
    consent_given_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    """A user who can be signed in with force_login.

    `password="..."` sets one to sign in with (none by default);
    `groups=["Enquiry handlers"]` adds the user to groups by name, such as the
    "Content editors" and "Enquiry handlers" roles a data migration creates.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(None)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*(Group.objects.get(name=name) for name in names))


class StaffFactory(UserFactory):
    """A staff member: may open admin, sees only what their groups allow."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Condition {n}")
    slug = factory.Sequence(lambda n: f"condition-{n}")
    medical_term = factory.Sequence(lambda n: f"Medical term {n}")
    summary = "A one-line description of the condition."
    status = Condition.Status.PUBLISHED


class PractitionerFactory(factory.django.DjangoModelFactory):
    """A registered physiotherapist; `treatments=[...]` sets what they provide."""

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Practitioner {n} Example")
    profession = Practitioner.Profession.PHYSIOTHERAPIST
    regulator = Practitioner.Regulator.HCPC
    registration_number = "PH123456"
    register_checked_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def treatments(self, create, treatments, **kwargs):
        if create and treatments:
            self.treatments.set(treatments)
