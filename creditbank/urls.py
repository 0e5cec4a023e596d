from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from achievements.views import credentials as credential_views
from api.v1 import api as api_v1

from . import search, views

# The admin signs in through allauth, so the log-in lock and MFA apply to it as well.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = settings.CREDITBANK_SITE_NAME
# Not "Django site admin": the browser's title bar speaks the portal's name and language too.
admin.site.site_title = settings.CREDITBANK_SITE_NAME

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The bank's did:web identity: the key its verifiable credentials are signed with.
    path(".well-known/did.json", credential_views.did_document, name="did_document"),
    path("search/", search.search_page, name="search"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("branches.urls")),
    path("", include("achievements.urls")),
    path("", include("conversion.urls")),
    path("", include("quality.urls")),
    # The institutions' API (token pages for their administrators; the API itself).
    path("", include("api.urls")),
    path("api/v1/", api_v1.urls),
    # Verification of documents, share links and learning credit inquiries: public.
    path("verify/", include("achievements.verify_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "creditbank.views.error_400"
handler403 = "creditbank.views.error_403"
handler404 = "creditbank.views.error_404"
handler500 = "creditbank.views.error_500"
