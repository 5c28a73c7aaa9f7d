from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from reversion.admin import VersionAdmin

from clinic_site.admin_actions import CheckedSelectionMixin
from treatments import images

from .models import PHOTO_RENDITIONS_DIR, Practitioner

# Top to bottom as a card on the page shows it.
PRACTITIONER_FIELDSETS = [
    (None, {"fields": ["name", "profession", "photo", "photo_alt", "bio"]}),
    (
        "Registration",
        {
            "fields": [
                "regulator",
                "registration_number",
                "other_register_url",
                "register_checked_on",
            ]
        },
    ),
    ("Treatments they provide", {"fields": ["treatments"]}),
    ("Listing", {"fields": ["display_order"]}),
]


def https_by_default(db_field, **kwargs):
    """Form fields as admin makes them; a web address typed without a scheme
    is read as https://."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class PractitionerAdminForm(forms.ModelForm):
    class Meta:
        formfield_callback = https_by_default
        model = Practitioner
        fields = [
            name for _, options in PRACTITIONER_FIELDSETS for name in options["fields"]
        ]
        # Checked by content in clean_photo() (the treatment images' checks).
        field_classes = {"photo": forms.FileField}
        widgets = {
            "photo": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp"}
            )
        }

    processed_photo = None

    def clean_registration_number(self):
        # "ph 123 456" as read off a certificate is PH123456 on the register.
        number = self.cleaned_data.get("registration_number") or ""
        return "".join(number.split()).upper()

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if isinstance(upload, UploadedFile):
            stem = images.new_stem(slugify(self.cleaned_data.get("name") or "") or "x")
            self.processed_photo = images.process_upload(upload, stem)
            return self.processed_photo.original
        return upload

    def clean_register_checked_on(self):
        checked = self.cleaned_data.get("register_checked_on")
        if checked and checked > timezone.localdate():
            raise forms.ValidationError(
                "The register cannot have been checked in the future."
            )
        return checked


@admin.register(Practitioner)
class PractitionerAdmin(CheckedSelectionMixin, VersionAdmin):
    form = PractitionerAdminForm
    fieldsets = PRACTITIONER_FIELDSETS
    list_display = [
        "name",
        "profession",
        "regulator",
        "registration_number",
        "register_checked_on",
        "display_order",
    ]
    list_filter = ["profession", "regulator"]
    search_fields = ["name", "registration_number"]
    filter_horizontal = ["treatments"]

    def save_model(self, request, obj, form, change):
        processed = form.processed_photo
        if processed is not None:
            obj.photo_renditions = images.store_renditions(
                processed, obj.photo.name, folder=PHOTO_RENDITIONS_DIR
            )
        elif not obj.photo:
            obj.photo_renditions = {}
        super().save_model(request, obj, form, change)
