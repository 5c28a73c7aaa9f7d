from django.views.generic import DetailView, ListView, TemplateView

from .models import Treatment


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
        return Treatment.objects.published().for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = self.object.page_sections()
        return context


class EnquiryPlaceholderView(TemplateView):
    """Stands in for the enquiry form until it is built."""

    template_name = "treatments/enquire_placeholder.html"
