from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from staff_access.devices import reset_two_factor


class Command(BaseCommand):
    help = (
        "Reset a staff member's two-factor sign-in (their authenticator app and "
        "backup codes): they set it up again at their next sign-in. For the "
        "last superuser, who cannot reach admin to do it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if "\x00" in username or len(username) > 150:
            raise CommandError("That is not a username.")
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        deleted = reset_two_factor(user)
        if deleted:
            self.stdout.write(
                f"Two-factor sign-in reset for {username}: after the password, "
                "the next sign-in sets up an authenticator app."
            )
        else:
            self.stdout.write(
                f"{username} had no two-factor device: the next sign-in sets one up."
            )
