from django.urls import path

from . import views

urlpatterns = [
    # The public standards guidance (标准指南).
    path("standards/", views.standard_guide, name="standard_guide"),
    path("standards/levels/", views.level_list, name="level_list"),
    path("standards/levels/<int:pk>/", views.level_detail, name="level_detail"),
    path("standards/categories/", views.category_list, name="category_list"),
    path("standards/units/", views.standard_list, name="standard_list"),
    path("standards/units/<int:pk>/", views.standard_detail, name="standard_detail"),
    # Management: issuers draft and submit, the centre decides.
    path("standards/manage/", views.standard_manage, name="standard_manage"),
    path("standards/manage/new/", views.standard_create, name="standard_create"),
    path("standards/manage/<int:pk>/", views.standard_manage_detail, name="standard_manage_detail"),
    path("standards/manage/<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("standards/manage/<int:pk>/submit/", views.standard_submit, name="standard_submit"),
    path(
        "standards/manage/<int:pk>/new-version/",
        views.standard_new_version,
        name="standard_new_version",
    ),
    path("standards/manage/<int:pk>/decide/", views.standard_decide, name="standard_decide"),
    path("standards/manage/<int:pk>/retire/", views.standard_retire, name="standard_retire"),
    path("standards/manage/levels/<int:pk>/edit/", views.level_edit, name="level_edit"),
    path("standards/manage/categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
]
