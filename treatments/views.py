from django.http import Http404
from django.views.generic import DetailView, ListView

from conditions.models import point_conditions_prefetch

from .layout import at_a_glance, later_sections, page_sections
from .models import Treatment

# Who may see a draft at its public address: whoever may view it in admin.
PREVIEW_PERMISSION = "treatments.view_treatment"


class HomeView(ListView):
    template_name = "treatments/home.html"
    context_object_name = "treatments"

    def get_queryset(self):
        return Treatment.objects.published()


class TreatmentListView(ListView):
    template_name = "treatments/treatment_list.html"
    context_object_name = "treatments"

    def get_queryset(self):
        return Treatment.objects.published()


class TreatmentDetailView(DetailView):
    template_name = "treatments/treatment_detail.html"
    context_object_name = "treatment"

    def get_queryset(self):
        return (
            Treatment.objects.published()
            .for_detail()
            .prefetch_related(point_conditions_prefetch())
        )

    def get_object(self, queryset=None):
        """A published treatment; a draft only for active staff signed in with
        both factors who may view treatments in admin (content editors,
        superusers), not enquiry handlers.

        The public path never looks at the session, so published pages stay
        the same for everyone (and cacheable).
        """
        try:
            return super().get_object(queryset)
        except Http404:
            user = self.request.user
            if not (
                user.is_active
                and user.is_staff
                and user.is_verified()  # passed the second factor (django-otp)
                and user.has_perm(PREVIEW_PERMISSION)
            ):
                raise
            return super().get_object(
                Treatment.objects.for_detail().prefetch_related(
                    point_conditions_prefetch()
                )
            )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = page_sections(self.object)
        context["glance"] = at_a_glance(self.object)
        context["later_sections"] = later_sections(self.object)
        context["preview"] = not self.object.is_published
        return context
