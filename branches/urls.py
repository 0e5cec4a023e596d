from django.urls import path

from . import views
from .views import accounts

app_name = "branches"

urlpatterns = [
    path("service-points/", views.service_points, name="service_points"),
    # Public pages of the network.
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("members/", views.membership_directory, name="membership_directory"),
    path("help/", views.help_list, name="help_list"),
    path("help/<slug:slug>/", views.help_detail, name="help_detail"),
    path("contact/", views.contact, name="contact"),
    # Management of the network (centre administrator; branch people for their own branch).
    path("network/", views.network_index, name="network_index"),
    path("network/branches/", views.network_branch_list, name="network_branch_list"),
    path("network/branches/new/", views.network_branch_create, name="network_branch_create"),
    path("network/branches/<int:pk>/", views.network_branch_detail, name="network_branch_detail"),
    path("network/branches/<int:pk>/edit/", views.network_branch_edit, name="network_branch_edit"),
    path(
        "network/service-points/",
        views.network_service_point_list,
        name="network_service_point_list",
    ),
    path(
        "network/service-points/new/",
        views.network_service_point_create,
        name="network_service_point_create",
    ),
    path(
        "network/service-points/<int:pk>/edit/",
        views.network_service_point_edit,
        name="network_service_point_edit",
    ),
    path("network/staff/", views.network_staff_list, name="network_staff_list"),
    path("network/staff/new/", views.network_staff_create, name="network_staff_create"),
    path("network/staff/<int:pk>/remove/", views.network_staff_remove, name="network_staff_remove"),
    path("network/members/", views.membership_list, name="membership_list"),
    path("network/members/new/", views.membership_create, name="membership_create"),
    path("network/members/<int:pk>/", views.membership_detail, name="membership_detail"),
    path("network/members/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path(
        "network/members/<int:pk>/suspend/",
        views.membership_transition,
        {"action": "suspend"},
        name="membership_suspend",
    ),
    path(
        "network/members/<int:pk>/reinstate/",
        views.membership_transition,
        {"action": "reinstate"},
        name="membership_reinstate",
    ),
    path(
        "network/members/<int:pk>/end/",
        views.membership_transition,
        {"action": "end"},
        name="membership_end",
    ),
    path("network/announcements/", views.announcement_manage, name="announcement_manage"),
    path("network/announcements/new/", views.announcement_create, name="announcement_create"),
    path(
        "network/announcements/<int:pk>/edit/",
        views.announcement_edit,
        name="announcement_edit",
    ),
    path(
        "network/announcements/<int:pk>/publish/",
        views.announcement_publish,
        name="announcement_publish",
    ),
    path(
        "network/announcements/<int:pk>/unpublish/",
        views.announcement_unpublish,
        name="announcement_unpublish",
    ),
    path("network/help/", views.help_page_manage, name="help_page_manage"),
    path("network/help/new/", views.help_page_create, name="help_page_create"),
    path("network/help/<int:pk>/edit/", views.help_page_edit, name="help_page_edit"),
    path("network/help/<int:pk>/publish/", views.help_page_publish, name="help_page_publish"),
    path(
        "network/help/<int:pk>/unpublish/",
        views.help_page_unpublish,
        name="help_page_unpublish",
    ),
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
    path(
        "desk/accounts/<int:pk>/id-image/preview/",
        accounts.desk_account_id_preview,
        name="desk_account_id_preview",
    ),
    path(
        "desk/accounts/<int:pk>/return/",
        accounts.desk_account_return,
        name="desk_account_return",
    ),
    *(
        path(
            f"desk/accounts/<int:pk>/{action}/",
            accounts.desk_account_status,
            {"action": action},
            name=f"desk_account_{action}",
        )
        for action in ("freeze", "unfreeze", "close")
    ),
]
