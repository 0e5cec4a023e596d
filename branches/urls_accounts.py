from django.urls import path

from .views import accounts

urlpatterns = [
    path("my/account/open/", accounts.account_open, name="account_open"),
    path("desk/accounts/", accounts.desk_accounts, name="desk_accounts"),
    path("desk/accounts/new/", accounts.desk_account_new, name="desk_account_new"),
    path("desk/accounts/<int:pk>/", accounts.desk_account, name="desk_account"),
    path(
        "desk/accounts/<int:pk>/verify/", accounts.desk_account_verify, name="desk_account_verify"
    ),
    path(
        "desk/accounts/<int:pk>/reveal-id/",
        accounts.desk_account_reveal,
        name="desk_account_reveal",
    ),
    path(
        "desk/accounts/<int:pk>/id-image/",
        accounts.desk_account_id_image,
        name="desk_account_id_image",
    ),
] + [
    path(
        f"desk/accounts/<int:pk>/{action}/",
        accounts.desk_account_status,
        {"action": action},
        name=f"desk_account_{action}",
    )
    for action in ("freeze", "unfreeze", "close")
]
