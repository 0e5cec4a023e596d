from django.urls import path

from . import views
from .views import institutions as institution_views

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("audit/", views.audit_log, name="audit_log"),
    path("institutions/", institution_views.institution_list, name="institution_list"),
    path("institutions/apply/", institution_views.institution_apply, name="institution_apply"),
    path("institutions/mine/", institution_views.institution_mine, name="institution_mine"),
    path("institutions/<int:pk>/", institution_views.institution_detail, name="institution_detail"),
    path(
        "institutions/<int:pk>/decide/",
        institution_views.institution_decide,
        name="institution_decide",
    ),
    path(
        "institutions/<int:pk>/invite/",
        institution_views.institution_invite,
        name="institution_invite",
    ),
    path(
        "institutions/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        institution_views.institution_invitation_cancel,
        name="institution_invitation_cancel",
    ),
    path(
        "institutions/<int:pk>/staff/<int:staff_pk>/remove/",
        institution_views.institution_staff_remove,
        name="institution_staff_remove",
    ),
    path(
        "institutions/invitations/<str:token>/",
        institution_views.institution_invitation,
        name="institution_invitation",
    ),
]
