from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone
from reversion.models import Version

from clinical_review.models import Revision
from treatments import images
from treatments.models import Treatment


def names_in_use():
    """Originals and renditions the treatments show now."""
    used = set()
    for image, renditions in Treatment.objects.values_list("image", "image_renditions"):
        used |= images.names_in_use(image, renditions)
    return used


def _names_in_revisions(revisions):
    used = set()
    for doc in revisions.values_list("document", flat=True).iterator():
        fields = doc.get("fields", {})
        used |= images.names_in_use(fields.get("image"), fields.get("image_renditions"))
    return used


def names_waiting():
    """Originals and renditions of changes waiting for approval (or sent back
    to their editor): never deleted, they are what the page is about to show."""
    return _names_in_revisions(Revision.objects.open())


def names_in_history():
    """Originals and renditions earlier versions of treatments show: their
    clinical sign-off revisions, and django-reversion versions from before."""
    used = _names_in_revisions(Revision.objects.all())
    for version in Version.objects.get_for_model(Treatment).iterator():
        fields = version.field_dict
        used |= images.names_in_use(fields.get("image"), fields.get("image_renditions"))
    return used


def expired_kept_uploads(now=None):
    """Uploads kept across a form error (images.KEPT_DIR) whose token has
    expired: nobody can use them any more."""
    now = now or timezone.now()
    try:
        _, files = default_storage.listdir(images.KEPT_DIR)
    except FileNotFoundError:
        return set()
    names = {f"{images.KEPT_DIR}/{name}" for name in files}
    too_old = now - timedelta(seconds=images.KEPT_MAX_AGE)
    return {
        name
        for name in names
        if images.KEPT_NAME.fullmatch(name)
        and default_storage.get_modified_time(name) < too_old
    }


class Command(BaseCommand):
    help = (
        "Delete uploaded treatment images (and their renditions) that no "
        "treatment shows. Files an earlier version in history names are kept "
        "unless --ignore-history is given (e.g. to take down a photo that "
        "should never have been uploaded). Uploads kept across a form error "
        "go once their day is up."
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
        unused = images.stored_names() - names_in_use() - names_waiting()
        if not ignore_history:
            unused -= names_in_history()
        unused |= expired_kept_uploads()
        for name in sorted(unused):
            if dry_run:
                self.stdout.write(f"would delete {name}")
            else:
                default_storage.delete(name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {len(unused)} unused image file(s).")
