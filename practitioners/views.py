from django.views.generic import ListView

from .models import Practitioner


class TeamView(ListView):
    """/team/: one card per practitioner, with the register link."""

    template_name = "practitioners/team.html"
    context_object_name = "practitioners"

    def get_queryset(self):
        return Practitioner.objects.for_team_page()
