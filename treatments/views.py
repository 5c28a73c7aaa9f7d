import contextlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.csrf import csrf_failure as default_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.static import serve

from . import services
from .forms import EnquiryForm
from .models import ClinicDetails, Treatment
from .site_url import absolute_url

logger = logging.getLogger(__name__)

# Bots fill every field; people never see this one (it is in a `hidden` div).
HONEYPOT_FIELD = "website"
THANKS_SESSION_KEY = "enquiry_reference"


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

    def get_object(self, queryset=None):
        """A published treatment; a draft only for signed-in, active staff.

        The public path never looks at the session, so published pages stay
        the same for everyone (and cacheable).
        """
        try:
            return super().get_object(queryset)
        except Http404:
            user = self.request.user
            if not (user.is_active and user.is_staff):
                raise
            return super().get_object(Treatment.objects.for_detail())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = self.object.page_sections()
        context["preview"] = not self.object.is_published
        return context


@method_decorator(never_cache, name="dispatch")
class EnquiryView(FormView):
    """The enquiry form: validate, save through the service, redirect (PRG)."""

    form_class = EnquiryForm
    template_name = "treatments/enquiry_form.html"
    success_url = reverse_lazy("treatments:enquiry_thanks")

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
                consent_given=data["consent"],
                submission_token=data["submission_token"],
                client=services.client_key(self.request),
            )
        except services.RateLimitExceeded:
            return self.render_to_response(
                self.get_context_data(form=form, rate_limited=True), status=429
            )
        self.request.session[THANKS_SESSION_KEY] = enquiry.reference
        return redirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class EnquiryThanksView(TemplateView):
    template_name = "treatments/enquiry_thanks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reference"] = self.request.session.get(THANKS_SESSION_KEY)
        return context


class PrivacyView(TemplateView):
    template_name = "treatments/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_days"] = settings.ENQUIRY_RETENTION_DAYS
        return context


def serve_media(request, path):
    """Uploaded media in local mode (SERVE_MEDIA); MEDIA_ROOT read per request."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def csrf_failure(request, reason=""):
    """A failed CSRF check (usually an expired page) loses nothing typed.

    On the enquiry form, the form comes back filled in as sent, with a fresh
    token and a note to send it again; nothing is saved. Elsewhere, a plain
    403 page.
    """
    if request.method == "POST" and request.path == reverse("treatments:enquire"):
        view = EnquiryView(request=request, args=(), kwargs={})
        form = view.get_form()
        return view.render_to_response(
            view.get_context_data(form=form, csrf_failed=True), status=403
        )
    return default_csrf_failure(request, reason=reason, template_name="403_csrf.html")


@csrf_exempt
@require_safe
def robots_txt(request):
    """Names the sitemap's absolute address and keeps crawlers out of admin.

    A custom DJANGO_ADMIN_URL is not published here (that would undo it);
    admin pages carry `X-Robots-Tag: noindex, nofollow` whatever the path.
    """
    lines = ["User-agent: *"]
    if settings.ADMIN_URL == "admin/":  # the default: no secret to keep
        lines.append("Disallow: /admin/")
    lines += [
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
    patch_cache_control(response, public=True, max_age=3600)
    return response


@csrf_exempt
@never_cache
@require_safe
def healthz(request):
    """200 when the database and the cache both answer, 503 when either fails.

    Plain text, no session, no template: for load balancers and monitoring.
    """
    failed = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.error("Health check: database failed: %s", type(exc).__name__)
        failed.append("database")
    try:
        # A key of its own, so checks running at once never disagree.
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "ok", 10)
        if cache.get(key) != "ok":
            raise LookupError("the cache did not keep a value")
        cache.delete(key)
    except Exception as exc:
        logger.error("Health check: cache failed: %s", type(exc).__name__)
        failed.append("cache")
    if failed:
        return HttpResponse(
            f"unavailable: {', '.join(failed)}\n",
            content_type="text/plain",
            status=503,
        )
    return HttpResponse("ok\n", content_type="text/plain")
