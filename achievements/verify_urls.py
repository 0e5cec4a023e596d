"""The public verification pages (验证), at ``/verify/``: no sign-in."""

from django.urls import path

from .views import verify as views

app_name = "verify"

urlpatterns = [
    path("", views.verify_form, name="verify_form"),
    # Before "<code>/": these words are not codes (a code has 20 characters).
    path("inquiry/", views.inquiry, name="inquiry"),
    path("s/<str:token>/", views.share, name="share"),
    path("<str:code>/", views.document, name="document"),
    path("<str:code>/document.pdf", views.document_pdf, name="pdf"),
    path("<str:code>/credential.json", views.document_credential, name="credential"),
]
