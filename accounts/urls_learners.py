from django.urls import path

from .views import learners, roles

urlpatterns = [
    path("my/account/", learners.my_account, name="my_account"),
    path("my/account/mobile/", learners.my_account_mobile, name="my_account_mobile"),
    path("security/roles/", roles.role_grants, name="role_grants"),
    path("security/roles/<int:pk>/revoke/", roles.role_grant_revoke, name="role_grant_revoke"),
]
