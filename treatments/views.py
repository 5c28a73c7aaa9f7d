import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from clinic_site.pagecache import invalidation
from clinical_review import documents
from clinical_review.models import Revision
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


def may_preview(user):
    """Active staff signed in with both factors who may view treatments in
    admin (content editors, clinical reviewers, superusers)."""
    return (
        user.is_active
        and user.is_staff
        and user.is_verified()  # passed the second factor (django-otp)
        and user.has_perm(PREVIEW_PERMISSION)
    )


class TreatmentDetailView(DetailView):
    template_name = "treatments/treatment_detail.html"
    context_object_name = "treatment"
    revision = None  # a pending revision shown to staff (?revision=<id>)

    def get(self, request, *args, **kwargs):
        """`?revision=<id>`, for staff who may preview: the page as that
        revision would make it, rendered from its document written in a
        transaction that is then rolled back. Anyone else, or without the
        parameter: the page as it is."""
        wanted = request.GET.get("revision", "")
        if not (wanted and request.user.is_authenticated and may_preview(request.user)):
            return super().get(request, *args, **kwargs)
        if not re.fullmatch(r"[0-9]{1,18}", wanted):
            raise Http404("No such revision.")
        self.revision = get_object_or_404(
            Revision.objects.select_related("treatment"),
            pk=int(wanted),
            treatment__slug=kwargs["slug"],
        )
        with transaction.atomic(), invalidation.paused():
            try:
                documents.apply(self.revision.treatment, self.revision.document)
            except ValidationError:
                raise Http404("This revision can no longer be shown.") from None
            if self.revision.treatment.slug != kwargs["slug"]:
                kwargs = {**kwargs, "slug": self.revision.treatment.slug}
                self.kwargs = kwargs
            response = super().get(request, *args, **kwargs)
            response.render()
            transaction.set_rollback(True)
        return response

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
            if not may_preview(self.request.user):
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
        context["revision_preview"] = self.revision
        return context


class TreatmentUpdatesView(DetailView):
    """/treatments/<slug>/updates/: the page's public history, newest first:
    each approved change's “what changed” note, with its date and reviewer.
    Published pages only (a draft has no public history)."""

    template_name = "treatments/treatment_updates.html"
    context_object_name = "treatment"

    def get_queryset(self):
        return Treatment.objects.published()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["updates"] = (
            self.object.revisions.filter(status=Revision.Status.APPROVED)
            .exclude(change_note="")
            .order_by("-reviewed_at", "-pk")
            .only("treatment", "reviewed_at", "reviewer_line", "change_note")
        )
        return context
