from django.urls import path

from .views import learners, notices, roles

urlpatterns = [
    path("my/account/", learners.my_account, name="my_account"),
    path("my/account/mobile/", learners.my_account_mobile, name="my_account_mobile"),
    path("my/notices/", notices.my_notices, name="my_notices"),
    path("my/notices/read/", notices.my_notices_read, name="my_notices_read"),
    path("security/roles/", roles.role_grants, name="role_grants"),
    path("security/roles/<int:pk>/revoke/", roles.role_grant_revoke, name="role_grant_revoke"),
]
