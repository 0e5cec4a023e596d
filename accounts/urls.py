from django.urls import path

from . import views
from .views import institutions as institution_views
from .views import learners, notices, roles

app_name = "accounts"

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
    path("my/account/", learners.my_account, name="my_account"),
    path("my/account/mobile/", learners.my_account_mobile, name="my_account_mobile"),
    path("my/account/id-image/", learners.my_account_id_image, name="my_account_id_image"),
    path("my/notices/", notices.my_notices, name="my_notices"),
    path("my/notices/read/", notices.my_notices_read, name="my_notices_read"),
    path("my/notices/<int:pk>/", notices.my_notice_open, name="my_notice_open"),
    path("security/roles/", roles.role_grants, name="role_grants"),
    path("security/roles/<int:pk>/revoke/", roles.role_grant_revoke, name="role_grant_revoke"),
]
