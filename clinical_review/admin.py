"""Clinical sign-off in admin.

`SignOffAdminMixin` makes the treatment admin's save of a live page (or a
draft's first publication) a pending revision: the form is saved as usual,
inside Django admin's transaction, the page is read back as a document, and
the transaction is rolled back, so the public page keeps its approved rows.
The revision is stored once the rollback is done. `RevisionAdmin` holds the
screens reviewers use: review (approve or send back), compare, restore, and
"reviewed, no changes".
"""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from clinic_site.pagecache import invalidation
from treatments.models import Treatment

from . import diffs, documents, services
from .models import APPROVE_PERMISSION, ReviewerProfile, Revision, RevisionStatus

LIVE = "live"


@dataclass
class _Save:
    """What one admin save of a treatment turned out to be."""

    live_status: str | None
    wanted_status: str | None = None
    document: dict | None = None
    pk: int | None = None


def _state(request):
    return getattr(request, "clinical_sign_off", None)


class SignOffAdminMixin:
    """For TreatmentAdmin: saves that reach patients wait for approval.

    On a published page with a change waiting (for a reviewer, or sent back
    to its editor), the form opens on that change, not on the live page: the
    change's document is written first in the same rolled-back transaction.
    Its new rows keep the ids their first save was given (a sequence never
    hands those out again on PostgreSQL; documents.apply() takes another when
    one is taken), so the form's rows are the same rows on GET and on POST.
    """

    object_history_template = "admin/clinical_review/history.html"

    class Media:
        css = {"all": ["css/admin-signoff.css"]}

    def save_model(self, request, obj, form, change):
        state = _state(request) or _Save(live_status=None)
        request.clinical_sign_off = state
        state.wanted_status = obj.status
        if state.live_status != Treatment.Status.PUBLISHED:
            # A draft stays a draft until a reviewer approves its publication.
            obj.status = Treatment.Status.DRAFT
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        state = _state(request)
        obj = form.instance
        state.pk = obj.pk
        if services.needs_sign_off(state.live_status, state.wanted_status):
            state.document = documents.document(obj)
            state.document["fields"]["status"] = state.wanted_status

    def response_add(self, request, obj, post_url_continue=None):
        if _state(request) and _state(request).document is not None:
            return HttpResponseRedirect(self._change_url(obj.pk))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if _state(request) and _state(request).document is not None:
            return HttpResponseRedirect(self._change_url(obj.pk))
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_saveasnew" in request.POST:
            # Admin honours it even with save_as off; a copy of a page is
            # made by adding one.
            raise PermissionDenied
        extra_context = extra_context or {}
        treatment = working = None
        if object_id is not None:
            # get_object: None for a malformed or unknown id (admin's 404).
            treatment = self.get_object(request, unquote(object_id))
        if treatment is not None:
            live = treatment.status == Treatment.Status.PUBLISHED
            open_revision = services.waiting(treatment)
            working = open_revision if live else None
            extra_context["sign_off"] = sign_off_context(
                request, treatment, open_revision, shows_it=working is not None
            )
        request.clinical_sign_off = _Save(
            live_status=treatment.status if treatment is not None else None
        )
        if treatment is None or treatment.status != Treatment.Status.PUBLISHED:
            response = super().changeform_view(
                request, object_id, form_url, extra_context
            )
        else:
            # Whatever happens here on a live page is rolled back: the public
            # pages do not change, so nothing is cleared either.
            with transaction.atomic(), invalidation.paused():
                if working is not None:
                    try:
                        with transaction.atomic():
                            documents.apply(treatment, working.document)
                    except ValidationError as error:
                        # E.g. its address is another page's now: edit the
                        # live page instead, and say why.
                        extra_context["sign_off"]["unusable"] = error.messages
                        extra_context["sign_off"]["form_shows_waiting"] = False
                response = super().changeform_view(
                    request, object_id, form_url, extra_context
                )
                if hasattr(response, "render"):
                    response.render()
                transaction.set_rollback(True)
        state = _state(request)
        if state.pk is not None:
            self._after_save(request, state, working)
        return response

    def _after_save(self, request, state, working):
        treatment = Treatment.objects.get(pk=state.pk)
        if state.document is None:
            services.record_draft(treatment, request.user)
            return
        if state.document == documents.document(treatment):
            self.message_user(request, "Nothing changed: there is nothing to approve.")
            return
        if (
            working is not None
            and working.status == RevisionStatus.PENDING
            and state.document == working.document
        ):
            self.message_user(
                request, "Nothing new: the same changes are still waiting for approval."
            )
            return
        services.submit(treatment, state.document, request.user)
        self.message_user(
            request,
            f"Your changes to “{treatment}” are waiting for a clinical reviewer's "
            "approval. Patients see the approved page until then.",
            messages.SUCCESS,
        )

    def submit_for_publishing(self, request, queryset):
        sent = 0
        for treatment in queryset:
            if treatment.status == Treatment.Status.PUBLISHED:
                continue
            doc = documents.document(treatment)
            doc["fields"]["status"] = Treatment.Status.PUBLISHED
            services.submit(treatment, doc, request.user)
            sent += 1
        self.message_user(
            request,
            f"{sent} {'draft is' if sent == 1 else 'drafts are'} waiting for a "
            "clinical reviewer's approval to be published.",
            messages.SUCCESS,
        )

    def _change_url(self, pk):
        return reverse("admin:treatments_treatment_change", args=[pk])

    def history_view(self, request, object_id, extra_context=None):
        # get_object: None (so 404) for a malformed id as well as a missing one.
        treatment = self.get_object(request, unquote(object_id))
        if treatment is None:
            raise Http404("No such treatment.")
        if not self.has_view_or_change_permission(request, treatment):
            raise PermissionDenied
        revisions = treatment.revisions.select_related("created_by", "reviewed_by")
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of “{treatment}”",
            "opts": self.opts,
            "original": treatment,
            "treatment": treatment,
            "revisions": revisions,
            "can_restore": self.has_change_permission(request, treatment),
            "live": LIVE,
        }
        return TemplateResponse(request, self.object_history_template, context)


def sign_off_context(request, treatment, open_revision, *, shows_it):
    """What the change form says above the form: the change waiting or sent
    back (`open_revision`); `shows_it`: the form shows that change, not the
    live page."""
    return {
        "waiting": open_revision,
        "form_shows_waiting": shows_it,
        "can_approve": request.user.has_perm(APPROVE_PERMISSION),
        "review_url": reverse(
            "admin:clinical_review_revision_review", args=[open_revision.pk]
        )
        if open_revision
        else None,
        "preview_url": f"{treatment.get_absolute_url()}?revision={open_revision.pk}"
        if open_revision
        else None,
        "confirm_url": reverse(
            "admin:clinical_review_revision_confirm", args=[treatment.pk]
        ),
    }


class ApproveForm(forms.Form):
    change_note = forms.CharField(
        label="What changed, for patients (optional)",
        max_length=300,
        required=False,
        help_text="Shown under the review line, e.g. “Added aftercare advice "
        "about heat”.",
    )


class ConfirmForm(ApproveForm):
    """“Reviewed, no changes”: the note says what was checked, not what
    changed."""

    change_note = forms.CharField(
        label="Note for patients (optional)",
        max_length=300,
        required=False,
        help_text="Shown under the review line, e.g. “Checked against the "
        "latest guidance”.",
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What should the editor change?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "role", "user", "practitioner"]
    autocomplete_fields = []
    search_fields = ["display_name", "role"]


class RevisionStatusFilter(admin.SimpleListFilter):
    """The statuses this list shows (a draft's own saves are only in its
    history)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (value, label)
            for value, label in RevisionStatus.choices
            if value != RevisionStatus.DRAFT
        ]

    def queryset(self, request, queryset):
        if self.value() in RevisionStatus.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["treatment", "status", "saved_by", "saved", "review_link"]
    # The review screen is where a revision is read: the only link in a row
    # (the read-only change page would show its raw document).
    list_display_links = None
    list_filter = [RevisionStatusFilter]
    list_select_related = ["treatment", "created_by"]
    fields = []

    class Media:
        css = {"all": ["css/admin-signoff.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=RevisionStatus.DRAFT)

    def changelist_view(self, request, extra_context=None):
        # Not admin's "Select page revision to view": nothing is selected here.
        return super().changelist_view(
            request, {"title": "Page revisions", **(extra_context or {})}
        )

    @admin.display(description="Saved by", ordering="created_by__last_name")
    def saved_by(self, revision):
        user = revision.created_by
        if user is None:
            return "a former member of staff"
        return user.get_full_name() or user.get_username()

    @admin.display(description="Saved", ordering="created_at")
    def saved(self, revision):
        return revision.created_at

    @admin.display(description="Changes")
    def review_link(self, revision):
        label = (
            "Review" if revision.status == RevisionStatus.PENDING else "Show changes"
        )
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse("admin:clinical_review_revision_review", args=[revision.pk]),
            label,
            revision,
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/review/",
                view(self.review_view),
                name="clinical_review_revision_review",
            ),
            path(
                "compare/",
                view(self.compare_view),
                name="clinical_review_revision_compare",
            ),
            path(
                "<int:pk>/restore/",
                view(self.restore_view),
                name="clinical_review_revision_restore",
            ),
            path(
                "confirm/<int:treatment_pk>/",
                view(self.confirm_view),
                name="clinical_review_revision_confirm",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "treatment_opts": Treatment._meta,
            **extra,
        }

    def _revision(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Revision.objects.select_related("treatment", "created_by", "reviewed_by"),
            pk=pk,
        )

    def review_view(self, request, pk):
        revision = self._revision(request, pk)
        treatment = revision.treatment
        approve_form, send_back_form = ApproveForm(), SendBackForm()
        if request.method == "POST":
            try:
                if "approve" in request.POST:
                    approve_form = ApproveForm(request.POST)
                    if approve_form.is_valid():
                        services.approve(
                            revision,
                            request.user,
                            approve_form.cleaned_data["change_note"],
                        )
                        self.message_user(
                            request,
                            f"Approved: patients now see the changes to “{treatment}”.",
                            messages.SUCCESS,
                        )
                        return redirect("admin:clinical_review_revision_changelist")
                elif "send_back" in request.POST:
                    send_back_form = SendBackForm(request.POST)
                    if send_back_form.is_valid():
                        services.send_back(
                            revision,
                            request.user,
                            send_back_form.cleaned_data["comment"],
                        )
                        self.message_user(
                            request,
                            f"Sent back to the editor of “{treatment}”.",
                            messages.SUCCESS,
                        )
                        return redirect("admin:clinical_review_revision_changelist")
            except services.SignOffRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
        base = services.review_base(treatment)
        if revision.status != RevisionStatus.PENDING:
            # A decided revision: what it changed from the one before it.
            earlier = (
                treatment.revisions.filter(created_at__lt=revision.created_at)
                .exclude(status=RevisionStatus.DRAFT)
                .first()
            )
            base = earlier.document if earlier else revision.document
        refusal = services.approval_refusal(request.user, revision)
        context = self._context(
            request,
            f"Review changes to “{treatment}”",
            revision=revision,
            treatment=treatment,
            sections=diffs.compare(base, revision.document),
            approve_form=approve_form,
            send_back_form=send_back_form,
            can_decide=revision.status == RevisionStatus.PENDING
            and request.user.has_perm(APPROVE_PERMISSION),
            refusal=refusal,
            preview_url=f"{treatment.get_absolute_url()}?revision={revision.pk}",
            history_url=reverse(
                "admin:treatments_treatment_history", args=[treatment.pk]
            ),
        )
        return TemplateResponse(request, "admin/clinical_review/review.html", context)

    def _document(self, treatment, key):
        if key == LIVE:
            return documents.document(treatment), "the page as patients see it now"
        try:
            revision = treatment.revisions.get(pk=int(key))
        except (ValueError, Revision.DoesNotExist):
            raise Http404("No such version of this page.") from None
        saved_by = revision.created_by
        who = (saved_by.get_full_name() or saved_by.get_username()) if saved_by else "—"
        when = date_format(timezone.localtime(revision.created_at), "j M Y, H:i")
        return (
            revision.document,
            f"the version saved by {who} on {when} ({revision.get_status_display()})",
        )

    def compare_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            treatment = Treatment.objects.get(pk=int(request.GET.get("treatment", "")))
        except (ValueError, Treatment.DoesNotExist):
            raise Http404("No such treatment.") from None
        old, old_label = self._document(treatment, request.GET.get("old", LIVE))
        new, new_label = self._document(treatment, request.GET.get("new", LIVE))
        context = self._context(
            request,
            f"Compare versions of “{treatment}”",
            treatment=treatment,
            old_label=old_label,
            new_label=new_label,
            sections=diffs.compare(old, new),
            history_url=reverse(
                "admin:treatments_treatment_history", args=[treatment.pk]
            ),
        )
        return TemplateResponse(request, "admin/clinical_review/compare.html", context)

    def restore_view(self, request, pk):
        revision = self._revision(request, pk)
        if request.method != "POST":
            return redirect("admin:treatments_treatment_history", revision.treatment_id)
        if not request.user.has_perm("treatments.change_treatment"):
            raise PermissionDenied
        try:
            restored = services.restore(revision, request.user)
        except (services.SignOffRefused, ValidationError) as refusal:
            messages_text = getattr(refusal, "messages", [str(refusal)])
            self.message_user(request, " ".join(messages_text), messages.ERROR)
            return redirect("admin:treatments_treatment_history", revision.treatment_id)
        if restored.status == RevisionStatus.PENDING:
            message = (
                "The earlier version is waiting for a clinical reviewer's approval. "
                "Patients see the approved page until then."
            )
        else:
            message = "The draft now holds the earlier version."
        self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:treatments_treatment_change", revision.treatment_id)

    def confirm_view(self, request, treatment_pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        treatment = get_object_or_404(Treatment, pk=treatment_pk)
        form = ConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.approve_unchanged(
                    treatment, request.user, form.cleaned_data["change_note"]
                )
            except services.SignOffRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Recorded: “{treatment}” reviewed, no changes.",
                    messages.SUCCESS,
                )
                return redirect("admin:treatments_treatment_change", treatment.pk)
        refusal = services.approval_refusal(request.user)
        context = self._context(
            request,
            f"Reviewed, no changes: “{treatment}”",
            treatment=treatment,
            form=form,
            refusal=refusal,
        )
        return TemplateResponse(request, "admin/clinical_review/confirm.html", context)
