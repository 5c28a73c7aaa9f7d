import re
import unicodedata
import uuid
from urllib.parse import unquote_to_bytes

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.validators import slug_re
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from treatments.models import Treatment

from .models import Enquiry

# Digits with the usual separators: spaces, +, brackets, dots, dashes.
PHONE_RE = re.compile(r"^\+?[\d\s().-]+$")
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 7, 15


# Unicode categories that draw nothing: controls, format characters (zero
# width space and joiners, direction marks), separators. Unassigned code
# points are not among them: they may be emoji newer than Python's tables.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}


def has_visible_text(text: str) -> bool:
    return any(unicodedata.category(char) not in INVISIBLE_CATEGORIES for char in text)


def utf8_form_data(request) -> tuple[QueryDict, set[str]]:
    """The POSTed form as UTF-8, and the names of fields that were not UTF-8.

    Django turns bytes it cannot read into U+FFFD, and decodes a whole body
    holding raw non-UTF-8 bytes as Latin-1 (garbling correct accented text
    beside them). Decoding each field on its own keeps every readable field
    exactly as typed and names the unreadable ones, so the form can ask for
    those again instead of storing them mangled.
    """
    # request.POST first: Django's own limits (field count, size) apply.
    post = request.POST
    if request.content_type != "application/x-www-form-urlencoded":
        return post, set()
    data, unreadable = QueryDict(mutable=True), set()
    # As Django splits the body (urllib's parse_qsl refuses raw non-ASCII
    # bytes); request.POST above has already enforced the field-count limit.
    for pair in request.body.split(b"&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition(b"=")
        raw_key = unquote_to_bytes(raw_key.replace(b"+", b" "))
        raw_value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        key = raw_key.decode("utf-8", "replace")
        try:
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            unreadable.add(key)
            value = raw_value.decode("utf-8", "replace")
        data.appendlist(key, value)
    return data, unreadable


def max_length(field_name):
    """The model's limit for a field: the one source for forms and messages."""
    return Enquiry._meta.get_field(field_name).max_length


class DescribedBoundField(BoundField):
    """Ties a field's hint and error message to it with aria-describedby.

    Django 5.2 links the hint only; GOV.UK's pattern links the error too.
    Ids: `<id>_helptext` (hint) and `<id>_error` (error message).
    """

    @property
    def describedby_ids(self):
        ids = []
        if self.help_text:
            ids.append(f"{self.auto_id}_helptext")
        if self.errors:
            ids.append(f"{self.auto_id}_error")
        return " ".join(ids)

    @property
    def aria_describedby(self):
        # Used on a radio group's <fieldset>.
        return self.describedby_ids or None

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.describedby_ids and not widget.use_fieldset:
            attrs["aria-describedby"] = self.describedby_ids
        return attrs


class TreatmentChoiceField(forms.ModelChoiceField):
    """A published treatment chosen by slug. Anything that is not slug-shaped
    is an invalid choice before it reaches the database (PostgreSQL refuses
    NUL bytes with an error rather than "no match")."""

    def to_python(self, value):
        if value not in self.empty_values and not (
            isinstance(value, str)
            and slug_re.fullmatch(value)
            and len(value) <= Treatment._meta.get_field("slug").max_length
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class EnquiryForm(forms.ModelForm):
    """The patient's enquiry. Server-side validation only (GOV.UK pattern):
    no browser `required` pop-ups, no `maxlength` that silently cuts text."""

    use_required_attribute = False
    bound_field_class = DescribedBoundField

    treatment = TreatmentChoiceField(
        queryset=Treatment.objects.published(),
        to_field_name="slug",
        required=False,
        empty_label="Not sure, or a general question",
        label="Which treatment are you asking about?",
    )
    consent = forms.BooleanField(
        error_messages={
            "required": "Tick the box to agree that we can use your details to "
            "reply to you"
        },
    )
    # One per form shown: a second submit of the same form finds the first
    # enquiry instead of saving another.
    submission_token = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=36
    )

    class Meta:
        model = Enquiry
        fields = Enquiry.PATIENT_FIELDS
        labels = {
            "name": "Full name",
            "email": "Email address",
            "phone": "Phone number",
            "preferred_contact": "How would you like us to contact you?",
            "message": "Your message",
        }
        help_texts = {
            "phone": "For example, 01632 960 001 or +44 7700 900 982.",
            "message": "Tell us what you would like to know and, if you want, a "
            f"little about your pain or injury. Up to {max_length('message'):,} "
            "characters.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(
                attrs={"autocomplete": "email", "spellcheck": "false"}
            ),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "preferred_contact": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "message": forms.Textarea(attrs={"rows": 8}),
        }
        error_messages = {
            "name": {
                "required": "Enter your full name",
                "max_length": f"Name must be {max_length('name')} characters or fewer",
            },
            "email": {
                "required": "Enter your email address",
                "invalid": "Enter an email address in the correct format, like "
                "name@example.com",
                "max_length": f"Email address must be {max_length('email')} "
                "characters or fewer",
            },
            "phone": {
                "max_length": f"Phone number must be {max_length('phone')} "
                "characters or fewer"
            },
            "preferred_contact": {
                "required": "Select how you would like us to contact you",
                "invalid_choice": "Select how you would like us to contact you",
            },
            "message": {
                "required": "Enter your message",
                "max_length": f"Message must be {max_length('message'):,} "
                "characters or fewer",
            },
        }

    # How the "could not read" error names each field.
    FIELD_NOUNS = {
        "name": "Your name",
        "email": "Your email address",
        "phone": "Your phone number",
        "message": "Your message",
    }

    def __init__(self, *args, clinic_name="the clinic", unreadable_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unreadable_fields = set(unreadable_fields)
        self.fields["treatment"].error_messages["invalid_choice"] = (
            "Select a treatment from the list, or “Not sure”"
        )
        self.fields["consent"].label = format_html(
            "I agree that {} can store these details and use them to reply to "
            'my enquiry, as described in the <a href="{}">privacy notice</a>.',
            clinic_name,
            reverse("enquiries:privacy"),
        )
        # Server-side limits only: a browser `maxlength` would cut pasted text.
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
        if not self.is_bound and not self.initial.get("submission_token"):
            self.initial["submission_token"] = uuid.uuid4()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *Enquiry.PATIENT_FIELDS, "consent", "submission_token"
        )

    def clean_name(self):
        name = self.cleaned_data["name"]
        if not has_visible_text(name):
            raise forms.ValidationError(self.fields["name"].error_messages["required"])
        if "\r" in name or "\n" in name:
            raise forms.ValidationError("Enter your name on one line")
        return name

    def clean_message(self):
        message = self.cleaned_data["message"]
        if not has_visible_text(message):
            raise forms.ValidationError(
                self.fields["message"].error_messages["required"]
            )
        return message

    def clean_submission_token(self):
        # A missing or mangled token only turns off the double-submit check.
        try:
            return uuid.UUID(self.cleaned_data["submission_token"])
        except ValueError:
            return None

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if not phone:
            return phone
        digits = re.sub(r"\D", "", phone)
        if not PHONE_RE.match(phone) or not (
            PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS
        ):
            raise forms.ValidationError(
                "Enter a phone number, like 01632 960 001 or +44 7700 900 982"
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        # Unreadable choices fail their own validation (U+FFFD is no choice).
        for name in sorted(self.unreadable_fields & set(self.FIELD_NOUNS)):
            if name not in self.errors:
                self.add_error(
                    name,
                    f"{self.FIELD_NOUNS[name]} contains characters we could not "
                    "read — please type it again",
                )
        if (
            cleaned.get("preferred_contact") == Enquiry.ContactMethod.PHONE
            and not cleaned.get("phone")
            and "phone" not in self.errors
        ):
            self.add_error(
                "phone",
                "Enter a phone number, or choose email as the way to contact you",
            )
        return cleaned

    def error_summary(self):
        """(message, anchor id) for every error, in the order of the form."""
        items = []
        for name in self.helper.layout.fields:
            if name in self.errors:
                bound = self[name]
                target = bound.auto_id
                if bound.field.widget.use_fieldset:
                    target = f"{target}_0"
                items.extend((error, target) for error in self.errors[name])
        return items
