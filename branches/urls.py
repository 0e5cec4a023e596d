from django.urls import path

from . import views

urlpatterns = [
    path("service-points/", views.service_points, name="service_points"),
]
