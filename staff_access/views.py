"""The sign-in steps after the password: the code, or setting up an app
first; then the backup codes, shown once."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import admin, messages
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import events
from audit.models import Action

from . import devices, sign_in
from .forms import CodeForm

# The backup codes page shows the codes once, after set-up; it sends on here.
SHOW_BACKUP_CODES = "staff_access_show_backup_codes"


class PasswordStepView(LoginView):
    """Admin's login view (StaffAdminSite.login): a right password leads to
    the code, or to setting up an app, instead of signing in."""

    def get_default_redirect_url(self):
        return reverse("admin:index")

    def form_valid(self, form):
        user = form.get_user()
        sign_in.begin(self.request, user, self.get_success_url())
        step = "code" if devices.app_device(user) else "set_up"
        return redirect(f"staff_access:{step}")


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SecondStepView(FormView):
    """What the code and set-up steps share: the half sign-in, axes' lockout
    before each try, a wrong code counted as a failed sign-in."""

    form_class = CodeForm
    title = ""

    def dispatch(self, request, *args, **kwargs):
        self.user, self.state = sign_in.pending(request)
        if self.user is None:
            sign_in.abandon(request)
            messages.info(
                request,
                "Sign in with your password first (or again: it was a while ago).",
            )
            return redirect("admin:login")
        wrong_step = self.wrong_step()
        if wrong_step:
            return redirect(wrong_step)
        return super().dispatch(request, *args, **kwargs)

    def wrong_step(self):
        return None

    def post(self, request, *args, **kwargs):
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            sign_in.abandon(request)
            return get_lockout_response(request, None, credentials)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.user}

    def form_invalid(self, form):
        refused = form.refused
        if refused is not None and refused.counts:
            self.count_failure(refused.reason)
            if getattr(self.request, "axes_locked_out", False):
                # AxesMiddleware answers with the lockout page.
                sign_in.abandon(self.request)
        return super().form_invalid(form)

    def count_failure(self, reason):
        sign_in.failed(self.request, self.user, reason)

    def get_context_data(self, **kwargs):
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": self.title,
            "username": self.user.get_username(),
        }


class CodeStepView(SecondStepView):
    template_name = "staff_access/code.html"
    title = "Enter your code"

    def wrong_step(self):
        if devices.app_device(self.user) is None:
            return "staff_access:set_up"
        return None

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "backup_codes_left": len(devices.backup_codes(self.user)),
        }

    def form_valid(self, form):
        sign_in.finish(self.request, self.user, self.state, form.verified_device)
        return redirect(self.state["next"])


class SetUpView(SecondStepView):
    """First sign-in (or after a reset): scan the QR code or type the key
    into an authenticator app, then enter its first code."""

    template_name = "staff_access/set_up.html"
    title = "Set up two-factor sign-in"

    def wrong_step(self):
        if devices.app_device(self.user) is not None:
            return "staff_access:code"
        self.device = TOTPDevice.objects.filter(
            pk=self.state.get("new_device"), user=self.user, confirmed=False
        ).first()
        if self.device is None:
            # Set up by another session meanwhile, or reset: start again.
            sign_in.abandon(self.request)
            return "admin:login"
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def count_failure(self, reason):
        # Not a failed sign-in for the lockout: without a device yet, the
        # password alone is what protects the account. Still recorded.
        events.record(
            self.request,
            Action.SECOND_FACTOR_FAILED,
            actor=self.user,
            detail=f"setting up: {reason}",
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "qr_code": devices.qr_code_data_uri(self.device),
            "key": devices.key_text(self.device),
        }

    def form_valid(self, form):
        devices.confirm_app_device(self.device)
        events.record(self.request, Action.DEVICE_SET_UP, actor=self.user)
        next_url = self.state["next"]
        sign_in.finish(self.request, self.user, self.state, self.device)
        self.request.session[SHOW_BACKUP_CODES] = next_url
        return redirect("staff_access:backup_codes")


class BackupCodesView(TemplateView):
    """The backup codes, once, straight after set-up (admin_view: signed in
    with both factors)."""

    template_name = "staff_access/backup_codes.html"

    def get_context_data(self, **kwargs):
        next_url = self.request.session.pop(SHOW_BACKUP_CODES, None)
        codes = devices.backup_codes(self.request.user) if next_url else []
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": "Your backup codes",
            "codes": [f"{code[:4]} {code[4:]}" for code in codes],
            "shown_before": next_url is None,
            "next": next_url or reverse("admin:index"),
        }
