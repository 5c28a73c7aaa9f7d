import re

from django.contrib import messages
from django.contrib.admin import helpers
from django.shortcuts import redirect


class CheckedSelectionMixin:
    """An action posted with a selection that is not a list of ids (a tampered
    or broken form) gets an error message, not a 500 from the pk lookup."""

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(re.fullmatch(r"[0-9]{1,18}", value) for value in selected):
            self.message_user(
                request,
                "That selection could not be read, so nothing was changed. "
                "Tick the rows again and retry.",
                messages.ERROR,
            )
            return redirect(request.get_full_path())
        return super().response_action(request, queryset)
