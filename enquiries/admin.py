import csv
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timesince import timesince

from audit import events
from clinic_site.admin_actions import CheckedSelectionMixin

from . import services
from .models import Enquiry, EnquiryNote, EnquiryStatusChange

HANDLE_PERMISSION = "enquiries.change_enquiry"

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


class QueueFilter(admin.SimpleListFilter):
    """The work queue: open enquiries unless staff ask for others."""

    title = "queue"
    parameter_name = "queue"
    OPEN, OVERDUE, MINE, ALL = "open", "overdue", "mine", "all"

    def lookups(self, request, model_admin):
        return [
            (self.OPEN, "Open (awaiting a reply)"),
            (self.OVERDUE, "Overdue"),
            (self.MINE, "Open and mine"),
            (self.ALL, "All enquiries"),
        ]

    def __init__(self, request, params, model, model_admin):
        # Asking for a status (closed, say) means all enquiries in it.
        self.default = self.ALL if "status__exact" in params else self.OPEN
        super().__init__(request, params, model, model_admin)

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.OVERDUE:
            return queryset.overdue()
        if value == self.MINE:
            return queryset.open().filter(owner=request.user)
        if value == self.ALL:
            return queryset
        return queryset.open()


class NotificationFilter(admin.SimpleListFilter):
    """Enquiries the clinic has not been emailed about (mail down, say)."""

    title = "notification email"
    parameter_name = "notification"

    def lookups(self, request, model_admin):
        return [("unsent", "Notification not sent"), ("sent", "Notification sent")]

    def queryset(self, request, queryset):
        if self.value() == "unsent":
            return queryset.filter(notification_sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(notification_sent_at__isnull=False)
        return queryset


class NoteInline(admin.StackedInline):
    """Notes are added with their author and time, and never edited."""

    model = EnquiryNote
    extra = 1
    fields = ["written", "author", "text"]
    readonly_fields = ["written", "author"]
    verbose_name = "note"
    verbose_name_plural = "notes (newest last; a note cannot be changed once saved)"

    # What may be done to notes follows what may be done to the enquiry.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("enquiries.view_enquiry")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(HANDLE_PERMISSION)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="Written")
    def written(self, note):
        # The empty row for a new note has no time yet.
        if note.pk is None:
            return "(when saved)"
        return date_format(timezone.localtime(note.created_at), "j M Y, H:i")


class StatusHistoryInline(admin.StackedInline):
    model = EnquiryStatusChange
    extra = 0
    fields = ["changed_at", "status", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("enquiries.view_enquiry")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


def staff_who_handle_enquiries():
    """Who an enquiry can be given to: staff who can sign in and may change
    enquiries (directly, through a group, or as superusers)."""
    return (
        get_user_model()
        .objects.with_perm(
            HANDLE_PERMISSION, backend="django.contrib.auth.backends.ModelBackend"
        )
        .filter(is_staff=True)
        .order_by("first_name", "last_name", "username")
    )


def person(user):
    return (user.get_full_name() or user.username) if user else "—"


@admin.register(Enquiry)
class EnquiryAdmin(CheckedSelectionMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "received",
        "reply_due",
        "name",
        "treatment",
        "owner_name",
        "status",
    ]
    list_display_links = ["reference"]
    list_filter = [QueueFilter, "status", NotificationFilter, "treatment"]
    list_select_related = ["treatment", "owner"]
    search_fields = ["reference", "name", "email"]
    # The queue: who has waited longest comes first.
    ordering = ["created_at", "pk"]
    date_hierarchy = "created_at"
    # Years/months/days are listed without querying which dates have data:
    # the built-in drill-down scans the whole table on every page.
    date_hierarchy_drilldown = False
    list_per_page = 50
    # No COUNT(*) over the whole table on every page: fast at 100,000 rows.
    show_full_result_count = False
    actions = ["assign_to_me", "mark_contacted", "mark_closed", "export_csv"]
    inlines = [NoteInline, StatusHistoryInline]
    record_fields = [
        "consent_given",
        "consent_given_at",
        "notification_sent_at",
        "notification_attempts",
    ]
    patient_fields = [
        "name",
        "email_link",
        "phone_link",
        "preferred_contact",
        "treatment",
        "message",
    ]
    # Staff change the status and the owner, and add notes; what the patient
    # sent is kept exactly as sent.
    readonly_fields = [
        "reference",
        "created_at",
        "reply_due",
        *patient_fields,
        *record_fields,
    ]
    fieldsets = [
        (
            None,
            {"fields": ["reference", "created_at", "reply_due", "status", "owner"]},
        ),
        ("From the patient", {"fields": patient_fields}),
        ("Consent and notification", {"fields": record_fields}),
    ]

    def get_urls(self):
        # Patients' data requests (superusers only): enquiries/data_requests.py.
        from .data_requests import urls as data_request_urls

        return data_request_urls(self) + super().get_urls()

    class Media:
        css = {"all": ["css/admin-enquiries.css"]}

    def has_add_permission(self, request):
        # Enquiries come from patients through the website only.
        return False

    # Columns and read-only fields ---------------------------------------------

    @admin.display(description="Received", ordering="created_at")
    def received(self, enquiry):
        waited = timesince(enquiry.created_at, depth=1)
        return format_html(
            '{}<br><span class="queue-waited">waited {}</span>',
            date_format(timezone.localtime(enquiry.created_at), "j M, H:i"),
            waited,
        )

    @admin.display(description="Reply due", ordering="reply_due_at")
    def reply_due(self, enquiry):
        due = enquiry.reply_due_at
        if due is None:
            return "—"
        # Due at midnight: the day shown is the last day to reply.
        last_day = date_format(timezone.localtime(due) - timedelta(seconds=1), "D j M")
        if enquiry.status != Enquiry.Status.NEW:
            return format_html('<span class="queue-done">{}</span>', last_day)
        if due <= timezone.now():
            return format_html(
                '<strong class="queue-overdue">Overdue</strong> (was due {})',
                last_day,
            )
        return format_html("by end of {}", last_day)

    @admin.display(description="Owner", ordering="owner__username")
    def owner_name(self, enquiry):
        return person(enquiry.owner)

    @admin.display(description="Email address")
    def email_link(self, enquiry):
        return format_html('<a href="mailto:{0}">{0}</a>', enquiry.email)

    @admin.display(description="Phone number")
    def phone_link(self, enquiry):
        if not enquiry.phone:
            return "—"
        digits = "".join(c for c in enquiry.phone if c.isdigit() or c == "+")
        return format_html('<a href="tel:{}">{}</a>', digits, enquiry.phone)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "owner":
            # Choose a colleague; adding or editing user accounts is not
            # done from here.
            for name in ("add", "change", "delete", "view"):
                setattr(field.widget, f"can_{name}_related", False)
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = staff_who_handle_enquiries()
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "owner":
            field.label_from_instance = person
        return field

    # Viewing and saving: each recorded in the audit trail, by reference --------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            enquiry = response.context_data["original"]
            events.record(request, events.Action.VIEWED_ENQUIRY, enquiry=enquiry)
        return response

    def save_model(self, request, obj, form, change):
        status_changed = "status" in form.changed_data
        if status_changed:
            old_status, new_status = form.initial["status"], obj.status
            obj.status = old_status
        super().save_model(request, obj, form, change)
        if status_changed:
            services.enquiries_set_status([obj], new_status, user=request.user)
            self._audit_status(request, [obj], old_status, new_status)
        if "owner" in form.changed_data:
            events.record(
                request,
                events.Action.CHANGED_OWNER,
                enquiry=obj,
                detail=f"owner: {person(obj.owner)}",
            )

    def save_formset(self, request, form, formset, change):
        notes = formset.save(commit=False)
        for note in notes:
            if isinstance(note, EnquiryNote):
                note.author = request.user
                note.created_at = timezone.now()
                events.record(request, events.Action.ADDED_NOTE, enquiry=form.instance)
            note.save()
        formset.save_m2m()

    def _audit_status(self, request, enquiries, old_status, new_status):
        old = Enquiry.Status(old_status).label.lower() if old_status else "?"
        for enquiry in enquiries:
            events.record(
                request,
                events.Action.CHANGED_STATUS,
                enquiry=enquiry,
                detail=f"{old} → {Enquiry.Status(new_status).label.lower()}",
            )

    # Actions -------------------------------------------------------------------

    @admin.action(description="Assign selected enquiries to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        changing = list(queryset.exclude(owner=request.user))
        queryset.filter(pk__in=[e.pk for e in changing]).update(owner=request.user)
        self._log(request, changing, "owner")
        for enquiry in changing:
            events.record(
                request,
                events.Action.CHANGED_OWNER,
                enquiry=enquiry,
                detail=f"owner: {person(request.user)}",
            )
        count = len(changing)
        self.message_user(
            request,
            f"{count} {'enquiry' if count == 1 else 'enquiries'} assigned to you.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Mark selected enquiries as contacted", permissions=["change"]
    )
    def mark_contacted(self, request, queryset):
        self._set_status(request, queryset, Enquiry.Status.CONTACTED)

    @admin.action(
        description="Mark selected enquiries as closed", permissions=["change"]
    )
    def mark_closed(self, request, queryset):
        self._set_status(request, queryset, Enquiry.Status.CLOSED)

    def _set_status(self, request, queryset, status):
        """Change the status of those not in it yet; each change is recorded
        with who and when, and logged in admin's history by reference only."""
        before = dict(queryset.values_list("pk", "status"))
        changed = services.enquiries_set_status(queryset, status, user=request.user)
        self._log(request, changed, "status")
        for enquiry in changed:
            self._audit_status(request, [enquiry], before.get(enquiry.pk), status)
        count = len(changed)
        self.message_user(
            request,
            f"{count} {'enquiry' if count == 1 else 'enquiries'} marked "
            f"{Enquiry.Status(status).label.lower()}.",
            messages.SUCCESS,
        )

    def _log(self, request, enquiries, field_name):
        if not enquiries:
            return
        label = capfirst(Enquiry._meta.get_field(field_name).verbose_name)
        LogEntry.objects.log_actions(
            request.user.pk, enquiries, CHANGE, [{"changed": {"fields": [label]}}]
        )

    @admin.action(description="Export selected enquiries as CSV")
    def export_csv(self, request, queryset):
        events.record(request, events.Action.EXPORTED_ENQUIRIES, enquiries=queryset)
        return export_csv_response(queryset)


# CSV for people: what a receptionist opens in a spreadsheet.
CSV_COLUMNS = [
    ("Reference", lambda e: e.reference),
    ("Received", lambda e: local_time(e.created_at)),
    ("Reply due by", lambda e: local_time(e.reply_due_at)),
    ("Status", lambda e: e.get_status_display()),
    ("Owner", lambda e: person(e.owner) if e.owner else ""),
    ("Name", lambda e: e.name),
    ("Email", lambda e: e.email),
    ("Phone", lambda e: e.phone),
    ("Preferred contact", lambda e: e.get_preferred_contact_display()),
    ("Treatment", lambda e: e.treatment.name if e.treatment else ""),
    ("Message", lambda e: e.message),
    (
        "Notes",
        lambda e: "\n".join(
            f"{local_time(n.created_at)} {person(n.author)}: {n.text}"
            for n in e.notes.all()
        ),
    ),
]


def local_time(value):
    """A time as staff read it: local, to the minute."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def export_csv_response(queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="enquiries.csv"'
    response["Cache-Control"] = "no-store"
    # A byte-order mark: Excel then reads the file as UTF-8 (accented names).
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([title for title, _ in CSV_COLUMNS])
    rows = (
        queryset.select_related("treatment", "owner")
        .prefetch_related("notes__author")
        .order_by("created_at", "pk")
    )
    for enquiry in rows:
        writer.writerow([csv_safe(cell(enquiry)) for _, cell in CSV_COLUMNS])
    return response
