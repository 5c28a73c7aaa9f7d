from django.core.management.base import BaseCommand

from clinic_site.pagecache import clear_public_pages


class Command(BaseCommand):
    help = (
        "Make every cached public page stale on every host. Run it on each "
        "deploy (new templates) and after bulk changes made without model saves."
    )

    def handle(self, *args, **options):
        clear_public_pages()
        self.stdout.write("Public pages will be rendered afresh on their next request.")
