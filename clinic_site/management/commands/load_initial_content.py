from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from clinic.models import ClinicDetails
from treatments.models import Treatment

# The comment of the first version of the shipped content in admin's History.
INITIAL_REVISION_COMMENT = "Content as shipped in fixtures/"


class Command(BaseCommand):
    help = (
        "Load the shipped content (fixtures/treatments.json, fixtures/clinic.json), "
        "each only into an empty table, so staff edits in admin are never "
        "overwritten, and record it as the first version in History so it can "
        "be restored. `make setup` runs it every time."
    )

    def handle(self, *args, **options):
        for fixture, model in [("treatments", Treatment), ("clinic", ClinicDetails)]:
            label = model._meta.verbose_name_plural
            if model.objects.exists():
                self.stdout.write(f"{fixture}: {label} already exist; not loaded.")
                continue
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
            self.stdout.write(f"{fixture}: loaded {model.objects.count()} {label}.")
