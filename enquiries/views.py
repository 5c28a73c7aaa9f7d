import contextlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from clinic.models import ClinicDetails
from clinic_site.client import client_key

from . import services
from .forms import EnquiryForm

logger = logging.getLogger(__name__)

# Bots fill every field; people never see this one (it is in a `hidden` div).
HONEYPOT_FIELD = "website"
THANKS_SESSION_KEY = "enquiry_reference"


@method_decorator(never_cache, name="dispatch")
class EnquiryView(FormView):
    """The enquiry form: validate, save through the service, redirect (PRG)."""

    form_class = EnquiryForm
    template_name = "enquiries/enquiry_form.html"
    success_url = reverse_lazy("enquiries:thanks")

    def get_initial(self):
        initial = super().get_initial()
        # Only the treatment is taken from the query string; anything else a
        # link carries is ignored, so no one can pre-fill or leak details.
        slug = self.request.GET.get("treatment", "")
        # The form's own field decides what names a treatment; an unknown,
        # draft or malformed slug is ignored quietly.
        with contextlib.suppress(ValidationError):
            if slug:
                field = self.form_class.base_fields["treatment"]
                initial["treatment"] = field.clean(slug)
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        clinic = ClinicDetails.load()
        if clinic is not None:
            kwargs["clinic_name"] = clinic.name
        return kwargs

    @classmethod
    def csrf_failure_response(cls, request):
        """After a failed CSRF check (usually a page left open too long): the
        form as sent, with a fresh token and a note to send it again; nothing
        is saved (clinic_site.views.csrf_failure calls this)."""
        view = cls(request=request, args=(), kwargs={})
        form = view.get_form()
        return view.render_to_response(
            view.get_context_data(form=form, csrf_failed=True), status=403
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get(HONEYPOT_FIELD):
            logger.info("Enquiry honeypot filled; nothing stored.")
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            enquiry = services.enquiry_create(
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                preferred_contact=data["preferred_contact"],
                treatment=data["treatment"],
                message=data["message"],
                submission_token=data["submission_token"],
                client=client_key(self.request),
            )
        except services.RateLimitExceeded:
            return self.render_to_response(
                self.get_context_data(form=form, rate_limited=True), status=429
            )
        self.request.session[THANKS_SESSION_KEY] = enquiry.reference
        return redirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class EnquiryThanksView(TemplateView):
    template_name = "enquiries/enquiry_thanks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reference"] = self.request.session.get(THANKS_SESSION_KEY)
        return context


class PrivacyView(TemplateView):
    template_name = "enquiries/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_days"] = settings.ENQUIRY_RETENTION_DAYS
        context["counts_kept_days"] = services.SUBMISSION_COUNTS_KEPT_DAYS
        return context
