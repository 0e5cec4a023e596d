from django.urls import path

from . import views

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("audit/", views.audit_log, name="audit_log"),
]
