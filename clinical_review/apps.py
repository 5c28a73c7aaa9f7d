from django.apps import AppConfig


class ClinicalReviewConfig(AppConfig):
    name = "clinical_review"
    verbose_name = "Clinical sign-off"
    default_auto_field = "django.db.models.BigAutoField"
