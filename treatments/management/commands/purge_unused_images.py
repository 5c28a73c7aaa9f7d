from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from reversion.models import Version

from treatments import images
from treatments.models import Treatment


def names_in_use():
    """Originals and renditions the treatments show now."""
    used = set()
    for image, renditions in Treatment.objects.values_list("image", "image_renditions"):
        used |= images.names_in_use(image, renditions)
    return used


def names_in_history():
    """Originals and renditions earlier versions of treatments show."""
    used = set()
    for version in Version.objects.get_for_model(Treatment).iterator():
        fields = version.field_dict
        used |= images.names_in_use(fields.get("image"), fields.get("image_renditions"))
    return used


class Command(BaseCommand):
    help = (
        "Delete uploaded treatment images (and their renditions) that no "
        "treatment shows. Files an earlier version in history names are kept "
        "unless --ignore-history is given (e.g. to take down a photo that "
        "should never have been uploaded)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ignore-history",
            action="store_true",
            help="Also delete files only earlier versions name (restoring such "
            "a version then shows no image).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; delete nothing."
        )

    def handle(self, *args, ignore_history, dry_run, **options):
        unused = images.stored_names() - names_in_use()
        if not ignore_history:
            unused -= names_in_history()
        for name in sorted(unused):
            if dry_run:
                self.stdout.write(f"would delete {name}")
            else:
                default_storage.delete(name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {len(unused)} unused image file(s).")
