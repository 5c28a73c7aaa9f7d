import contextlib
import logging
import math
from urllib.parse import urlsplit

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
from .forms import EnquiryForm, utf8_form_data

logger = logging.getLogger(__name__)

# Bots fill every field; people never see this one (it is in a `hidden` div).
HONEYPOT_FIELD = "website"
# What the thanks page and the "already sent" notice need: the reference and
# the form's submission token. Nothing the patient typed.
SENT_SESSION_KEY = "enquiry_sent"
# A patient's session lasts only as long as those two need it.
PATIENT_SESSION_SECONDS = 30 * 60


def same_origin(request) -> bool:
    """Whether a POST came from one of this site's own pages.

    Browsers send Origin with every POST (Referer when an old one does not).
    """
    source = urlsplit(
        request.headers.get("Origin") or request.headers.get("Referer", "")
    )
    return (source.scheme, source.netloc) == (request.scheme, request.get_host())


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
        if "data" in kwargs:
            kwargs["data"], kwargs["unreadable_fields"] = utf8_form_data(self.request)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sent = self.request.session.get(SENT_SESSION_KEY)
        if sent and not context["form"].is_bound:
            context["already_sent"] = sent["reference"]
        return context

    @classmethod
    def csrf_failure_response(cls, request):
        """After a failed CSRF check (usually a page left open too long):
        nothing is saved, and the form comes back with a fresh token and a
        note to send it again (clinic_site.views.csrf_failure calls this).

        It comes back filled in as sent only if the POST came from this
        site: another site's POST would otherwise hand the patient a form
        someone else filled in, one click from sending.
        """
        view = cls(request=request, args=(), kwargs={})
        kept = same_origin(request)
        form = view.get_form() if kept else view.unbound_form()
        return view.render_to_response(
            view.get_context_data(form=form, csrf_failed=True, csrf_kept=kept),
            status=403,
        )

    def unbound_form(self):
        """An empty form with a new submission token."""
        kwargs = {**self.get_form_kwargs(), "data": None, "files": None}
        return self.form_class(**kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get(HONEYPOT_FIELD):
            logger.info("Enquiry honeypot filled; nothing stored.")
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        sent = self.request.session.get(SENT_SESSION_KEY)
        if sent and form.data.get("submission_token") == sent["token"]:
            # "Back" to a form that was sent after this error was shown: say
            # so, rather than show the old errors again.
            return self.render_to_response(
                self.get_context_data(form=self.unbound_form())
            )
        return super().form_invalid(form)

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
        except services.RateLimitExceeded as limit:
            response = self.render_to_response(
                self.get_context_data(
                    form=form,
                    rate_limited=True,
                    retry_minutes=math.ceil(limit.retry_after / 60),
                ),
                status=429,
            )
            response["Retry-After"] = str(limit.retry_after)
            return response
        self.request.session[SENT_SESSION_KEY] = {
            "reference": enquiry.reference,
            "token": str(data["submission_token"] or ""),
        }
        if not self.request.user.is_authenticated:
            self.request.session.set_expiry(PATIENT_SESSION_SECONDS)
        return redirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class EnquiryThanksView(TemplateView):
    """The reference of the enquiry just sent; without one, the form."""

    template_name = "enquiries/enquiry_thanks.html"

    def get(self, request, *args, **kwargs):
        if not request.session.get(SENT_SESSION_KEY):
            return redirect("enquiries:enquire")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reference"] = self.request.session[SENT_SESSION_KEY]["reference"]
        return context


class PrivacyView(TemplateView):
    template_name = "enquiries/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_days"] = settings.ENQUIRY_RETENTION_DAYS
        context["counts_kept_days"] = services.SUBMISSION_COUNTS_KEPT_DAYS
        return context
