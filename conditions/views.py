from itertools import groupby
from string import ascii_uppercase

from django.views.generic import DetailView, ListView

from .models import Condition


class ConditionListView(ListView):
    """/conditions/: the A–Z, one heading per letter that has conditions."""

    template_name = "conditions/condition_list.html"
    context_object_name = "conditions"

    def get_queryset(self):
        return Condition.objects.published().for_az()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = {
            letter: list(items)
            for letter, items in groupby(self.object_list, key=lambda c: c.initial)
        }
        letters = [*ascii_uppercase, "#"]
        context["letters"] = [(letter, letter in groups) for letter in letters]
        context["groups"] = [
            (letter, groups[letter]) for letter in letters if letter in groups
        ]
        return context


class ConditionDetailView(DetailView):
    template_name = "conditions/condition_detail.html"
    context_object_name = "condition"

    def get_queryset(self):
        return Condition.objects.published().for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        treatments = list(self.object.treatments.all())
        context["treatments"] = treatments
        # The enquiry form pre-selects the treatment only when there is one.
        context["enquire_treatment"] = treatments[0] if len(treatments) == 1 else None
        return context
