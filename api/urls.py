from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("institutions/<int:pk>/api-tokens/", views.token_list, name="token_list"),
    path("institutions/<int:pk>/api-tokens/new/", views.token_create, name="token_create"),
    path(
        "institutions/<int:pk>/api-tokens/<int:token_pk>/revoke/",
        views.token_revoke,
        name="token_revoke",
    ),
]
