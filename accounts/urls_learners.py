from django.urls import path

from .views import learners

urlpatterns = [
    path("my/account/", learners.my_account, name="my_account"),
    path("my/account/mobile/", learners.my_account_mobile, name="my_account_mobile"),
]
