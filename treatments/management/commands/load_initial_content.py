from django.core.management import call_command
from django.core.management.base import BaseCommand

from treatments.models import ClinicDetails, Treatment


class Command(BaseCommand):
    help = (
        "Load the shipped content (fixtures/treatments.json, fixtures/clinic.json), "
        "each only into an empty table, so staff edits in admin are never "
        "overwritten. `make setup` runs it every time."
    )

    def handle(self, *args, **options):
        for fixture, model in [("treatments", Treatment), ("clinic", ClinicDetails)]:
            label = model._meta.verbose_name_plural
            if model.objects.exists():
                self.stdout.write(f"{fixture}: {label} already exist; not loaded.")
                continue
            call_command("loaddata", fixture, verbosity=0)
            self.stdout.write(f"{fixture}: loaded {model.objects.count()} {label}.")
