from django.urls import path

from clinic_site.pagecache import cache_public_page

from . import views

app_name = "enquiries"

# The enquiry pages are never cached: they carry a CSRF token or a patient's
# reference. The privacy notice is the same for everyone.
urlpatterns = [
    path("enquire/", views.EnquiryView.as_view(), name="enquire"),
    path("enquire/thanks/", views.EnquiryThanksView.as_view(), name="thanks"),
    path("privacy/", cache_public_page(views.PrivacyView.as_view()), name="privacy"),
]
