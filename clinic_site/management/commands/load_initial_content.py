from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.serializers.base import DeserializationError
from django.db import transaction

from clinic.models import ClinicDetails
from conditions.models import Condition
from practitioners.models import Practitioner
from treatments.models import Treatment

# The comment of the first version of the shipped content in admin's History.
INITIAL_REVISION_COMMENT = "Content as shipped in fixtures/"


class Command(BaseCommand):
    help = (
        "Load the shipped content (fixtures/treatments.json, fixtures/clinic.json, "
        "fixtures/conditions.json, fixtures/practitioners.json), "
        "each only into an empty table, so staff edits in admin are never "
        "overwritten, and record it as the first version in History so it can "
        "be restored. `make setup` runs it every time."
    )

    def handle(self, *args, **options):
        shipped = [
            ("treatments", Treatment),
            ("clinic", ClinicDetails),
            # After treatments: conditions link to Dry needling and its points.
            ("conditions", Condition),
            # After treatments: the example practitioner provides one.
            ("practitioners", Practitioner),
        ]
        for fixture, model in shipped:
            label = model._meta.verbose_name_plural
            if model.objects.exists():
                self.stdout.write(f"{fixture}: {label} already exist; not loaded.")
                continue
            try:
                self._load(fixture, model)
            except DeserializationError:
                # Staff removed a treatment or point the fixture links to.
                self.stdout.write(
                    f"{fixture}: not loaded: the treatments it links to have "
                    "changed; add them in admin instead."
                )
                continue
            self.stdout.write(f"{fixture}: loaded {model.objects.count()} {label}.")

    def _load(self, fixture, model):
        with transaction.atomic():
            call_command("loaddata", fixture, verbosity=0)
            # loaddata records no history: without a first version the
            # clinically reviewed text could never be restored once edited.
            # Only this model, just loaded into an empty table (a
            # treatment's version includes its points).
            call_command(
                "createinitialrevisions",
                model._meta.label,
                comment=INITIAL_REVISION_COMMENT,
                verbosity=0,
            )
